/* SPDX-License-Identifier: Apache-2.0 */
/* reply.c - the REST handlers' shared helpers (see reply.h). */
#include "api/reply.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "manager/manager.h"
#include "model/machine.h"
#include "model/sample.h"
#include "wire/http.h"

void cadv_api_snapshot_take(struct cadv_api_snapshot *s, struct cadv_container *c, uint64_t start_ns,
                            uint64_t end_ns, int max_n)
{
    s->name = cadv_container_name(c);
    cadv_spec_init(&s->spec);
    cadv_container_spec(c, &s->spec);
    s->samples = NULL;
    s->n = 0;
    s->app = NULL;
    if (max_n != 0 && cadv_container_samples(c, start_ns, end_ns, max_n, &s->samples, &s->n) < 0) {
        s->samples = NULL;
        s->n = 0;
    }
}

void cadv_api_snapshot_app(struct cadv_api_snapshot *s, struct cadv_manager *m)
{
    if (s->spec.has_custom_metrics && !s->app)
        s->app = cadv_app_view_get(cadv_manager_app(m), s->name);
}

void cadv_api_snapshot_done(struct cadv_api_snapshot *s)
{
    s->app = cadv_app_view_free(s->app);
    if (s->samples)
        cadv_samples_free(s->samples, s->n);
    s->samples = NULL;
    s->n = 0;
    cadv_spec_done(&s->spec);
}

void cadv_api_json_begin(struct cadv_buf *b, struct cadv_json *w)
{
    cadv_buf_init(b, CADV_API_MAX_BODY);
    cadv_json_init(w, b);
}

void cadv_api_reply_json(struct cadv_http_reply *rep, struct cadv_buf *b)
{
    if (b->overflow) {
        cadv_log(CADV_LOG_WARNING, "http: API response larger than %zu bytes, skipping",
                 (size_t)CADV_API_MAX_BODY);
        cadv_buf_done(b);
        cadv_http_reply_error(rep, 500, "response too large");
        return;
    }
    cadv_http_reply_json(rep, b);
}

/* Pieces of a listing are flushed once they hold this many bytes (fewer, larger chunks). */
#define LISTING_PIECE ((size_t)64 * 1024)

struct listing {
    struct cadv_manager *m;
    struct cadv_container **arr;
    size_t n, next;
    enum cadv_api_shape shape;
    struct cadv_machine_info *mi;
    cadv_api_render_fn render;
    void *arg;
    struct cadv_json w; /* keeps the nesting and commas across pieces; its out is each piece */
    bool begun;
};

static int listing_fill(void *ctx, struct cadv_buf *out)
{
    struct listing *l = ctx;

    l->w.out = out;
    if (!l->begun) {
        l->begun = true;
        if (l->shape == CADV_API_ARRAY)
            cadv_json_arr_begin(&l->w);
        else
            cadv_json_obj_begin(&l->w);
    }
    while (l->next < l->n && out->len < LISTING_PIECE)
        l->render(&l->w, l->m, l->arr[l->next++], l->mi, l->arg);
    if (l->next < l->n)
        return 1;
    if (l->shape == CADV_API_ARRAY)
        cadv_json_arr_end(&l->w);
    else
        cadv_json_obj_end(&l->w);
    return 0;
}

static void listing_free(void *ctx)
{
    struct listing *l = ctx;

    if (l->arr)
        cadv_containers_unref(l->arr, l->n);
    cadv_machine_info_unref(l->mi);
    free(l->arg);
    free(l);
}

void cadv_api_reply_listing(struct cadv_http_reply *rep, struct cadv_manager *m, struct cadv_container **arr,
                            size_t n, enum cadv_api_shape shape, struct cadv_machine_info *mi,
                            cadv_api_render_fn render, const void *arg, size_t arg_size)
{
    struct listing *l = cadv_xcalloc(1, sizeof(*l));

    l->m = m;
    l->arr = arr;
    l->n = n;
    l->shape = shape;
    l->mi = mi;
    l->render = render;
    l->arg = cadv_xmalloc(arg_size ? arg_size : 1);
    if (arg_size)
        memcpy(l->arg, arg, arg_size);
    cadv_json_init(&l->w, NULL);
    cadv_http_reply_stream(rep, 200, "application/json", listing_fill, l, listing_free);
}
