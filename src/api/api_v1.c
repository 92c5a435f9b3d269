/* SPDX-License-Identifier: Apache-2.0 */
/* api_v1.c - cAdvisor's v1.0-v1.3 handlers (cmd/internal/api/versions.go): each version inherits
 * the request types of the previous one; containers, subcontainers and docker take an optional JSON
 * body {"num_stats","start","end"}; errors are 500s with cAdvisor's texts. */
#include "api/api_v1.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "api/api_parse.h"
#include "api/reply.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "manager/manager.h"
#include "model/machine.h"
#include "wire/http.h"
#include "wire/json_container.h"
#include "wire/json_machine.h"

/* Children listed inline before a heap array is needed. */
#define CHILDREN_INLINE 64

static void reply_msg(struct cadv_http_reply *rep, struct cadv_buf *msg)
{
    cadv_http_reply_error(rep, 500, msg->data ? msg->data : "");
    cadv_buf_done(msg);
}

/* One v1 ContainerInfo: spec, subcontainers and samples copied out, then rendered. */
static void render_info(struct cadv_json *w, struct cadv_manager *m, struct cadv_container *c,
                        const struct cadv_api_info_request *q, const struct cadv_machine_info *mi)
{
    const char *inline_names[CHILDREN_INLINE], **names = inline_names;
    struct cadv_container **kids = NULL;
    struct cadv_api_snapshot s;
    size_t nk = 0;

    cadv_api_snapshot_take(&s, c, q->start_ns, q->end_ns, q->num_stats);
    cadv_api_snapshot_app(&s, m);
    if (cadv_container_children(m, c, &kids, &nk) < 0) {
        kids = NULL;
        nk = 0;
    }
    if (nk > CHILDREN_INLINE)
        names = cadv_xcalloc(nk, sizeof(*names));
    for (size_t i = 0; i < nk; i++)
        names[i] = cadv_container_name(kids[i]);
    cadv_json_v1_container_info(w, s.name, &s.spec, names, nk, s.samples, s.n, mi, s.app);
    if (names != inline_names)
        free(names);
    if (kids)
        cadv_containers_unref(kids, nk);
    cadv_api_snapshot_done(&s);
}

/* getContainerInfoRequest; on failure the error reply is set. */
static int parse_body(const struct cadv_http_request *req, struct cadv_api_info_request *q,
                      struct cadv_http_reply *rep)
{
    struct cadv_buf msg;

    cadv_buf_init(&msg, 4096);
    if (cadv_api_parse_info_request(req->body ? req->body : "", req->body_len, q, &msg) < 0) {
        reply_msg(rep, &msg);
        return -EINVAL;
    }
    cadv_buf_done(&msg);
    return 0;
}

static void handle_machine(struct cadv_manager *m, struct cadv_http_reply *rep)
{
    struct cadv_machine_info *mi = cadv_manager_machine_info(m);
    struct cadv_json w;
    struct cadv_buf b;

    cadv_api_json_begin(&b, &w);
    cadv_json_machine_info(&w, mi);
    cadv_machine_info_unref(mi);
    cadv_api_reply_json(rep, &b);
}

static void handle_containers(struct cadv_manager *m, const struct cadv_http_request *req,
                              const struct cadv_api_path *p, struct cadv_http_reply *rep)
{
    char *name = cadv_api_container_name(p->rest);
    struct cadv_api_info_request q;
    struct cadv_machine_info *mi;
    struct cadv_container *c;
    struct cadv_json w;
    struct cadv_buf b;

    if (parse_body(req, &q, rep) < 0)
        goto out;
    c = cadv_manager_get(m, name);
    if (!c) {
        cadv_buf_init(&b, 0);
        cadv_buf_puts(&b, "failed to get container ");
        cadv_go_quote(&b, name, strlen(name));
        cadv_buf_puts(&b, " with error: unknown container ");
        cadv_go_quote(&b, name, strlen(name));
        reply_msg(rep, &b);
        goto out;
    }
    mi = cadv_manager_machine_info(m);
    cadv_api_json_begin(&b, &w);
    render_info(&w, m, c, &q, mi);
    cadv_container_unref(c);
    cadv_machine_info_unref(mi);
    cadv_api_reply_json(rep, &b);
out:
    free(name);
}

static void render_listed(struct cadv_json *w, struct cadv_manager *m, struct cadv_container *c,
                          const struct cadv_machine_info *mi, const void *arg)
{
    render_info(w, m, c, arg, mi);
}

static void render_keyed(struct cadv_json *w, struct cadv_manager *m, struct cadv_container *c,
                         const struct cadv_machine_info *mi, const void *arg)
{
    cadv_json_key(w, cadv_container_name(c));
    render_info(w, m, c, arg, mi);
}

static void handle_subcontainers(struct cadv_manager *m, const struct cadv_http_request *req,
                                 const struct cadv_api_path *p, struct cadv_http_reply *rep)
{
    char *name = cadv_api_container_name(p->rest);
    struct cadv_container **arr = NULL;
    struct cadv_api_info_request q;
    struct cadv_buf b;
    size_t n = 0;

    if (parse_body(req, &q, rep) < 0)
        goto out;
    if (cadv_manager_list(m, name, true, &arr, &n) < 0 || n == 0) {
        if (arr)
            cadv_containers_unref(arr, n);
        cadv_buf_init(&b, 0);
        cadv_buf_puts(&b, "failed to get subcontainers for container ");
        cadv_go_quote(&b, name, strlen(name));
        cadv_buf_puts(&b, " with error: no containers found");
        reply_msg(rep, &b);
        goto out;
    }
    cadv_api_reply_listing(rep, m, arr, n, CADV_API_ARRAY, cadv_manager_machine_info(m), render_listed, &q,
                           sizeof(q));
out:
    free(name);
}

/* The docker alias lookup's error, wrapped as v1.2 does. */
static void docker_lookup_error(struct cadv_http_reply *rep, const char *id, size_t len, int r)
{
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    cadv_buf_puts(&b, "failed to get Docker container ");
    cadv_go_quote(&b, id, len);
    if (r == -ENOTUNIQ) {
        cadv_buf_puts(&b, " with error: unable to find container in \"docker\" namespace. Container ");
        cadv_go_quote(&b, id, len);
        cadv_buf_puts(&b, " is not unique");
    } else {
        cadv_buf_puts(&b, " with error: unable to find container ");
        cadv_go_quote(&b, id, len);
        cadv_buf_puts(&b, " in \"docker\" namespace");
    }
    reply_msg(rep, &b);
}

/* "unknown request for Docker container [a b]": Go's %v of the path elements. */
static void docker_args_error(struct cadv_http_reply *rep, const char *args, size_t len)
{
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    cadv_buf_puts(&b, "unknown request for Docker container [");
    for (size_t i = 0; i < len; i++)
        cadv_buf_putc(&b, (char)(args[i] == '/' ? ' ' : args[i]));
    cadv_buf_putc(&b, ']');
    reply_msg(rep, &b);
}

static void handle_docker(struct cadv_manager *m, const struct cadv_http_request *req,
                          const struct cadv_api_path *p, struct cadv_http_reply *rep)
{
    size_t len = strcspn(p->rest, "\n"), n = 0;
    const char *args = len > 0 ? p->rest + 1 : ""; /* the elements after the first "/" */
    struct cadv_container **arr = NULL;
    struct cadv_api_info_request q;
    char *id = NULL;
    int r;

    if (parse_body(req, &q, rep) < 0)
        return;
    len = len > 0 ? len - 1 : 0;
    if (memchr(args, '/', len)) {
        docker_args_error(rep, args, len);
        return;
    }
    if (len == 0) {
        (void)cadv_manager_list_namespace(m, "docker", &arr, &n);
    } else {
        struct cadv_container *c = NULL;

        id = cadv_xstrndup(args, len);
        r = cadv_manager_find_alias(m, "docker", id, &c);
        if (r < 0) {
            docker_lookup_error(rep, id, len, r);
            free(id);
            return;
        }
        arr = cadv_xmalloc(sizeof(*arr));
        arr[0] = c;
        n = 1;
    }
    free(id);
    cadv_api_reply_listing(rep, m, arr, n, CADV_API_OBJECT, cadv_manager_machine_info(m), render_keyed, &q,
                           sizeof(q));
}

void cadv_api_v1_handle(struct cadv_manager *m, const struct cadv_http_request *req,
                        const struct cadv_api_path *p, struct cadv_http_reply *rep)
{
    struct cadv_buf b;

    if (!cadv_api_version_has_type(p->version, p->type, p->type_len)) {
        cadv_buf_init(&b, 0);
        cadv_buf_puts(&b, "unknown request type ");
        cadv_go_quote(&b, p->type, p->type_len);
        reply_msg(rep, &b);
    } else if (cadv_api_type_is(p, "machine")) {
        handle_machine(m, rep);
    } else if (cadv_api_type_is(p, "containers")) {
        handle_containers(m, req, p, rep);
    } else if (cadv_api_type_is(p, "subcontainers")) {
        handle_subcontainers(m, req, p, rep);
    } else if (cadv_api_type_is(p, "docker")) {
        handle_docker(m, req, p, rep);
    } else {
        cadv_api_events_handle(m, req, p, rep);
    }
}
