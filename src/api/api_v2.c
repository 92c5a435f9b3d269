/* SPDX-License-Identifier: Apache-2.0 */
/* api_v2.c - cAdvisor's v2.0/v2.1 handlers (cmd/internal/api/versions.go): the query options are
 * parsed first for every request; container selection follows the manager's getRequestedContainers
 * (name, recursive, docker/podman aliases) and max_age forces an on-demand collection. Results are
 * objects keyed by container name, in name order (Go sorts map keys). storage serves the manager's
 * measurement of the machine's filesystems; ps lists /proc (cadv_manager_ps) on the request's thread. */
#include "api/api_v2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "api/api_parse.h"
#include "api/reply.h"
#include "app/app.h"
#include "collect/fs.h"
#include "config.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "manager/manager.h"
#include "model/machine.h"
#include "model/sample.h"
#include "store/summary.h"
#include "wire/http.h"
#include "wire/json_container.h"
#include "wire/json_machine.h"
#include "wire/json_ps.h"
#include "wire/json_storage.h"
#include "wire/json_summary.h"

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

struct v2_listing {
    enum render_kind kind;
    int count;
};

static void render_container(struct cadv_json *w, struct cadv_manager *m, struct cadv_container *c,
                             const struct cadv_machine_info *mi, const void *arg)
{
    const struct v2_listing *a = arg;
    struct cadv_api_snapshot s;

    /* Root stats are served as machine stats by v2.1. */
    if (a->kind == RENDER_V21_STATS && strcmp(cadv_container_name(c), "/") == 0)
        return;
    cadv_api_snapshot_take(&s, c, 0, 0, a->kind == RENDER_V20_SPEC ? 0 : a->count);
    cadv_api_snapshot_app(&s, m);
    cadv_json_key(w, s.name);
    if (a->kind == RENDER_V20_SPEC)
        cadv_json_v2_spec(w, &s.spec, mi, s.app);
    else if (a->kind == RENDER_V20_STATS)
        cadv_json_v20_stats_array(w, &s.spec, s.samples, s.n, mi, s.app);
    else
        cadv_json_v21_container_info(w, &s.spec, s.samples, s.n, mi, s.app);
    cadv_api_snapshot_done(&s);
}

/* stats (v2.0, v2.1) and spec: one object keyed by container name, streamed. */
static void handle_containers(struct v2_request *r, enum render_kind kind)
{
    char *name = cadv_api_container_name(r->p->rest);
    struct v2_listing a = {.kind = kind, .count = r->opt.count};
    struct cadv_container **arr = NULL;
    struct cadv_buf b;
    size_t n = 0;

    cadv_buf_init(&b, 0);
    if (select_containers(r->m, name, &r->opt, &arr, &n, &b) < 0) {
        reply_msg(r->rep, &b);
        free(name);
        return;
    }
    free(name);
    cadv_api_reply_listing(r->rep, r->m, arr, n, CADV_API_OBJECT, cadv_manager_machine_info(r->m),
                           render_container, &a, sizeof(a));
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

/* ---- storage (manager.GetFsInfo, GetFsInfoByFsUUID) ---- */

/* Index in meas of the partition mounted at the mount point of device's partition (cAdvisor's
 * getFsInfoByDeviceName), or -1 with the error text in msg. */
static long storage_by_device(const struct cadv_fs_inventory *inv, const struct cadv_fs_measurement *meas,
                              const char *device, struct cadv_buf *msg)
{
    long p = cadv_fs_inventory_find(inv, device);

    if (p < 0) {
        cadv_buf_puts(msg, "failed to get mount point for device ");
        cadv_go_quote(msg, device, strlen(device));
        cadv_buf_puts(msg, ": no partition info for device ");
        cadv_go_quote(msg, device, strlen(device));
        return -1;
    }
    for (size_t i = 0; i < meas->n; i++)
        if (strcmp(inv->parts[meas->part[i]].mountpoint, inv->parts[p].mountpoint) == 0)
            return (long)i;
    cadv_buf_puts(msg, "cannot find filesystem info for device ");
    cadv_go_quote(msg, device, strlen(device));
    return -1;
}

/* ?uuid=: the one FsInfo of the device with that filesystem uuid. */
static bool write_storage_uuid(struct cadv_json *w, const struct cadv_fs_inventory *inv,
                               const struct cadv_fs_measurement *meas, const char *uuid, struct cadv_buf *msg)
{
    const char *dev = cadv_fs_inventory_uuid_device(inv, uuid);
    long i;

    if (!dev) {
        cadv_buf_puts(msg, "cadvisor: no such device");
        return false;
    }
    if (cadv_fs_inventory_find(inv, dev) < 0) {
        cadv_buf_puts(msg, "cannot find device ");
        cadv_go_quote(msg, dev, strlen(dev));
        cadv_buf_puts(msg, " in partitions");
        return false;
    }
    i = storage_by_device(inv, meas, dev, msg);
    if (i < 0)
        return false;
    cadv_json_fs_info(w, inv, meas, (size_t)i);
    return true;
}

/* ?label=: the FsInfo array of the labelled device; else all of them. */
static bool write_storage(struct cadv_json *w, const struct cadv_fs_inventory *inv,
                          const struct cadv_fs_measurement *meas, const char *label, struct cadv_buf *msg)
{
    const char *dev = NULL;

    if (label && !(dev = cadv_fs_inventory_label_device(inv, label))) {
        cadv_buf_puts(msg, "non-existent label ");
        cadv_go_quote(msg, label, strlen(label));
        return false;
    }
    cadv_json_arr_begin(w);
    for (size_t k = 0; k < meas->n; k++)
        if (!dev || strcmp(inv->parts[meas->part[k]].device, dev) == 0)
            cadv_json_fs_info(w, inv, meas, k);
    cadv_json_arr_end(w);
    return true;
}

static const char *query_or_null(const struct cadv_http_request *req, const char *key)
{
    const char *v = cadv_http_query(req, key);

    return v && v[0] ? v : NULL; /* Go's Query().Get: absent and empty are alike */
}

/* v2.0 storage: the filesystems the root container's samples carry, from the manager's latest
 * measurement (all of them: samples keep at most CADV_MAX_FS). */
static void handle_storage(struct v2_request *r)
{
    struct cadv_fs_measurement meas;
    struct cadv_fs_inventory inv;
    struct cadv_json w;
    struct cadv_buf b, msg;
    const char *uuid;
    bool ok;

    if (cadv_manager_machine_fs(r->m, &inv, &meas) < 0) {
        cadv_http_reply_error(r->rep, 500, "unable to find data in memory cache");
        return;
    }
    cadv_buf_init(&msg, 4096);
    cadv_api_json_begin(&b, &w);
    uuid = query_or_null(r->req, "uuid");
    if (uuid)
        ok = write_storage_uuid(&w, &inv, &meas, uuid, &msg);
    else
        ok = write_storage(&w, &inv, &meas, query_or_null(r->req, "label"), &msg);
    cadv_fs_measurement_done(&meas);
    cadv_fs_inventory_done(&inv);
    if (ok) {
        cadv_buf_done(&msg);
        cadv_api_reply_json(r->rep, &b);
    } else {
        cadv_buf_done(&b);
        reply_msg(r->rep, &msg);
    }
}

/* ---- ps (manager.GetProcessList) ---- */

static void ps_row(void *arg, const struct cadv_ps_info *p)
{
    cadv_json_ps_info(arg, p);
}

/* v2.0 ps: recursive and max_age are overridden; the request must resolve to one container. */
static void handle_ps(struct v2_request *r)
{
    const struct cadv_config *cfg = cadv_manager_config(r->m);
    const char *proc_root = cfg && cfg->proc_root ? cfg->proc_root : "/proc";
    char *name = cadv_api_container_name(r->p->rest);
    struct cadv_api_options opt = r->opt;
    struct cadv_container **arr = NULL;
    struct cadv_json w;
    struct cadv_buf b;
    size_t n = 0;
    int rc;

    opt.recursive = false;
    opt.has_max_age = false;
    cadv_buf_init(&b, 0);
    rc = select_containers(r->m, name, &opt, &arr, &n, &b);
    free(name);
    if (rc < 0 || n != 1) {
        if (rc >= 0)
            cadv_buf_puts(&b, "Expected the request to match only one container");
        cadv_containers_unref(arr, n);
        reply_msg(r->rep, &b);
        return;
    }
    cadv_api_json_begin(&b, &w);
    cadv_json_arr_begin(&w);
    rc = cadv_manager_ps(r->m, cadv_container_name(arr[0]), ps_row, &w);
    cadv_json_arr_end(&w);
    cadv_containers_unref(arr, n);
    if (rc < 0) {
        cadv_buf_done(&b);
        cadv_http_reply_errorf(r->rep, 500, "listing the processes under '%s' failed: %s", proc_root,
                               strerror(-rc));
        return;
    }
    cadv_api_reply_json(r->rep, &b);
}

/* cAdvisor's custom metrics API: the application metrics of the selected container, under the
 * requested name (app/app.h). */
static void handle_appmetrics(struct v2_request *r)
{
    char *name = cadv_api_container_name(r->p->rest);
    struct cadv_container **arr = NULL;
    struct cadv_json w;
    struct cadv_buf b;
    size_t n = 0;
    struct cadv_app *app = cadv_manager_app(r->m);

    cadv_buf_init(&b, 0);
    if (select_containers(r->m, name, &r->opt, &arr, &n, &b) < 0) {
        free(name);
        reply_msg(r->rep, &b);
        return;
    }
    cadv_api_json_begin(&b, &w);
    if (app && n > 0) { /* one key for all: cAdvisor's map keeps the last container's values */
        cadv_app_write_appmetrics(app, &w, cadv_container_name(arr[n - 1]), name);
    } else {
        cadv_json_obj_begin(&w);
        cadv_json_key(&w, name);
        cadv_json_obj_begin(&w);
        cadv_json_obj_end(&w);
        cadv_json_obj_end(&w);
    }
    cadv_containers_unref(arr, n);
    free(name);
    cadv_api_reply_json(r->rep, &b);
}

/* cAdvisor's GetDerivedStats: the selected containers' DerivedStats by name. */
static void handle_summary(struct v2_request *r)
{
    char *name = cadv_api_container_name(r->p->rest);
    struct cadv_container **arr = NULL;
    struct cadv_derived d;
    struct cadv_json w;
    struct cadv_buf b;
    size_t n = 0;
    int rc;

    cadv_buf_init(&b, 0);
    rc = select_containers(r->m, name, &r->opt, &arr, &n, &b);
    free(name);
    if (rc < 0) {
        reply_msg(r->rep, &b);
        return;
    }
    cadv_api_json_begin(&b, &w);
    cadv_json_obj_begin(&w);
    for (size_t i = 0; i < n; i++) {
        if (cadv_container_derived(arr[i], &d) < 0)
            d = (struct cadv_derived){0}; /* no sample yet: cAdvisor's zero DerivedStats */
        cadv_json_key(&w, cadv_container_name(arr[i]));
        cadv_json_derived(&w, &d);
    }
    cadv_json_obj_end(&w);
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
        cadv_api_events_handle(m, req, p, rep);
    else if (cadv_api_type_is(p, "storage"))
        handle_storage(&r);
    else if (cadv_api_type_is(p, "ps"))
        handle_ps(&r);
    else if (cadv_api_type_is(p, "summary"))
        handle_summary(&r);
    else if (cadv_api_type_is(p, "appmetrics"))
        handle_appmetrics(&r);
    else {
        cadv_buf_init(&b, 0);
        cadv_buf_puts(&b, "unknown request type ");
        cadv_go_quote(&b, p->type, p->type_len);
        reply_msg(rep, &b);
    }
}
