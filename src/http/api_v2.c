/* SPDX-License-Identifier: Apache-2.0 */
/* api_v2.c - cAdvisor's v2.0/v2.1 handlers (cmd/internal/api/versions.go): the query options are
 * parsed first for every request; container selection follows the manager's getRequestedContainers
 * (name, recursive, docker/podman aliases) and max_age forces an on-demand collection. Results are
 * objects keyed by container name, in name order (Go sorts map keys). */
#include "http/api_v2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "http/api.h"
#include "http/api_parse.h"
#include "http/http.h"
#include "http/json_container.h"
#include "http/json_machine.h"
#include "manager/manager.h"
#include "model/machine.h"

struct v2_request {
    struct cadv_manager *m;
    const struct cadv_http_request *req;
    const struct cadv_api_path *p;
    struct cadv_api_options opt;
    struct cadv_http_reply *rep;
};

static void reply_msg(struct cadv_http_reply *rep, struct cadv_buf *msg)
{
    cadv_http_reply_error(rep, 500, msg->data ? msg->data : "");
    cadv_buf_done(msg);
}

static const char *idtype_name(enum cadv_api_idtype t)
{
    return t == CADV_API_ID_DOCKER ? "docker" : "podman";
}

/* A runtime namespace lookup by alias (leading "/" trimmed, exact or unique prefix). */
static int select_alias(struct cadv_manager *m, const char *name, enum cadv_api_idtype t,
                        struct cadv_container ***ret, size_t *ret_n, struct cadv_buf *msg)
{
    const char *id = name[0] == '/' ? name + 1 : name;
    const char *ns = idtype_name(t);
    struct cadv_container *c = NULL;
    int r = cadv_manager_find_alias(m, ns, id, &c);

    if (r == -ENOTUNIQ) {
        cadv_buf_printf(msg, "unable to find container in \"%s\" namespace. Container ", ns);
        cadv_go_quote(msg, id, strlen(id));
        cadv_buf_puts(msg, " is not unique");
        return r;
    }
    if (r < 0) {
        cadv_buf_puts(msg, "unable to find container ");
        cadv_go_quote(msg, id, strlen(id));
        cadv_buf_printf(msg, " in \"%s\" namespace", ns);
        return r;
    }
    *ret = cadv_xmalloc(sizeof(**ret));
    (*ret)[0] = c;
    *ret_n = 1;
    return 0;
}

/* getRequestedContainers: the selected containers (references taken, sorted by name), refreshed
 * when max_age was given; or -ENOENT/-EINVAL with cAdvisor's error text in msg. */
static int select_containers(struct cadv_manager *m, const char *name, const struct cadv_api_options *o,
                             struct cadv_container ***ret, size_t *ret_n, struct cadv_buf *msg)
{
    struct cadv_container **arr = NULL;
    size_t n = 0;
    int r = 0;

    if (o->idtype == CADV_API_ID_NAME && !o->recursive) {
        struct cadv_container *c = cadv_manager_get(m, name);

        if (!c) {
            cadv_buf_puts(msg, "unknown container ");
            cadv_go_quote(msg, name, strlen(name));
            return -ENOENT;
        }
        arr = cadv_xmalloc(sizeof(*arr));
        arr[0] = c;
        n = 1;
    } else if (o->idtype == CADV_API_ID_NAME) {
        (void)cadv_manager_list(m, name, true, &arr, &n);
        if (n == 0) {
            free(arr);
            cadv_buf_puts(msg, "unknown container: ");
            cadv_go_quote(msg, name, strlen(name));
            return -ENOENT;
        }
    } else if (!o->recursive) {
        r = select_alias(m, name, o->idtype, &arr, &n, msg);
    } else if (strcmp(name, "/") != 0) {
        cadv_buf_printf(msg, "invalid request for %s container ", idtype_name(o->idtype));
        cadv_go_quote(msg, name, strlen(name));
        cadv_buf_puts(msg, " with subcontainers");
        r = -EINVAL;
    } else {
        (void)cadv_manager_list_namespace(m, idtype_name(o->idtype), &arr, &n);
    }
    if (r < 0)
        return r;
    if (o->has_max_age && n > 0)
        cadv_manager_refresh(m, arr, n, o->max_age_ns > 0 ? (uint64_t)o->max_age_ns : 0);
    *ret = arr;
    *ret_n = n;
    return 0;
}

enum render_kind {
    RENDER_V20_STATS,
    RENDER_V20_SPEC,
    RENDER_V21_STATS,
};

/* stats (v2.0, v2.1) and spec: one object keyed by container name. */
static void handle_containers(struct v2_request *r, enum render_kind kind)
{
    char *name = cadv_api_container_name(r->p->rest);
    struct cadv_container **arr = NULL;
    struct cadv_machine_info *mi;
    struct cadv_json w;
    struct cadv_buf b;
    size_t n = 0;

    cadv_buf_init(&b, 0);
    if (select_containers(r->m, name, &r->opt, &arr, &n, &b) < 0) {
        reply_msg(r->rep, &b);
        free(name);
        return;
    }
    mi = cadv_manager_machine_info(r->m);
    cadv_api_json_begin(&b, &w);
    cadv_json_obj_begin(&w);
    for (size_t i = 0; i < n && !b.overflow; i++) {
        struct cadv_api_snapshot s;

        /* Root stats are served as machine stats by v2.1. */
        if (kind == RENDER_V21_STATS && strcmp(cadv_container_name(arr[i]), "/") == 0)
            continue;
        cadv_api_snapshot_take(&s, arr[i], 0, 0, kind == RENDER_V20_SPEC ? 0 : r->opt.count);
        cadv_json_key(&w, s.name);
        if (kind == RENDER_V20_SPEC)
            cadv_json_v2_spec(&w, &s.spec, mi);
        else if (kind == RENDER_V20_STATS)
            cadv_json_v20_stats_array(&w, &s.spec, s.samples, s.n, mi);
        else
            cadv_json_v21_container_info(&w, &s.spec, s.samples, s.n, mi);
        cadv_api_snapshot_done(&s);
    }
    cadv_json_obj_end(&w);
    cadv_machine_info_unref(mi);
    cadv_containers_unref(arr, n);
    free(name);
    cadv_api_reply_json(r->rep, &b);
}

/* v2.1 machinestats: the root container's samples as MachineStats. */
static void handle_machinestats(struct v2_request *r)
{
    struct cadv_container **arr = NULL;
    struct cadv_api_snapshot s;
    struct cadv_json w;
    struct cadv_buf b;
    size_t n = 0, i;

    cadv_buf_init(&b, 0);
    if (select_containers(r->m, "/", &r->opt, &arr, &n, &b) < 0) {
        reply_msg(r->rep, &b);
        return;
    }
    cadv_api_json_begin(&b, &w);
    for (i = 0; i < n && strcmp(cadv_container_name(arr[i]), "/") != 0; i++)
        ;
    if (i == n) {
        cadv_json_null(&w);
    } else {
        cadv_api_snapshot_take(&s, arr[i], 0, 0, r->opt.count);
        cadv_json_v21_machine_stats(&w, &s.spec, s.samples, s.n);
        cadv_api_snapshot_done(&s);
    }
    cadv_containers_unref(arr, n);
    cadv_api_reply_json(r->rep, &b);
}

static void handle_machine(struct v2_request *r, bool attributes)
{
    struct cadv_machine_info *mi = cadv_manager_machine_info(r->m);
    struct cadv_json w;
    struct cadv_buf b;

    cadv_api_json_begin(&b, &w);
    if (attributes)
        cadv_json_attributes(&w, mi, CADV_VERSION);
    else
        cadv_json_machine_info(&w, mi);
    cadv_machine_info_unref(mi);
    cadv_api_reply_json(r->rep, &b);
}

static void reply_raw_json(struct cadv_http_reply *rep, const char *json)
{
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    cadv_buf_puts(&b, json);
    cadv_http_reply_json(rep, &b);
}

static void reply_version(struct cadv_http_reply *rep)
{
    struct cadv_json w;
    struct cadv_buf b;

    cadv_api_json_begin(&b, &w);
    cadv_json_str(&w, CADV_VERSION);
    cadv_api_reply_json(rep, &b);
}

static bool parse_options(struct v2_request *r)
{
    const struct cadv_http_request *req = r->req;
    struct cadv_buf msg;

    cadv_buf_init(&msg, 4096);
    if (cadv_api_parse_options(cadv_http_query(req, "type"), cadv_http_query(req, "count"),
                               cadv_http_query(req, "recursive"), cadv_http_query(req, "max_age"), &r->opt,
                               &msg) < 0) {
        reply_msg(r->rep, &msg);
        return false;
    }
    cadv_buf_done(&msg);
    return true;
}

void cadv_api_v2_handle(struct cadv_manager *m, const struct cadv_http_request *req,
                        const struct cadv_api_path *p, struct cadv_http_reply *rep)
{
    struct v2_request r = {.m = m, .req = req, .p = p, .rep = rep};
    bool v21 = p->version == CADV_API_V2_1;
    struct cadv_buf b;

    if (!parse_options(&r))
        return;
    if (v21 && cadv_api_type_is(p, "machinestats"))
        handle_machinestats(&r);
    else if (cadv_api_type_is(p, "stats"))
        handle_containers(&r, v21 ? RENDER_V21_STATS : RENDER_V20_STATS);
    else if (cadv_api_type_is(p, "spec"))
        handle_containers(&r, RENDER_V20_SPEC);
    else if (cadv_api_type_is(p, "version"))
        reply_version(rep);
    else if (cadv_api_type_is(p, "attributes"))
        handle_machine(&r, true);
    else if (cadv_api_type_is(p, "machine"))
        handle_machine(&r, false);
    else if (cadv_api_type_is(p, "events"))
        reply_raw_json(rep, "[]"); /* the event store comes with a later issue */
    else if (cadv_api_type_is(p, "summary") || cadv_api_type_is(p, "storage") || cadv_api_type_is(p, "ps") ||
             cadv_api_type_is(p, "appmetrics"))
        cadv_http_reply_errorf(rep, 500, "%.*s is not implemented by cadv yet", (int)p->type_len, p->type);
    else {
        cadv_buf_init(&b, 0);
        cadv_buf_puts(&b, "unknown request type ");
        cadv_go_quote(&b, p->type, p->type_len);
        reply_msg(rep, &b);
    }
}
