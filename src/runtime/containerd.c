/* SPDX-License-Identifier: Apache-2.0 */
/* containerd.c - the containerd runtime plugin (see containerd.h), mirroring cAdvisor's containerd
 * handler (docs/compatibility.md#runtime-containerd): Containers.Get -> labels, image, CreatedAt (creation
 * time), OCI spec (process.env by whitelist prefix, key case kept); Tasks.Get -> pid (asked again while the
 * task is missing or UNKNOWN). Every call carries the gRPC metadata `containerd-namespace`.
 *
 * Two deliberate differences from cAdvisor, both additions:
 *  - Filesystem usage (cAdvisor's issue #2785 leaves it empty): the writable directory comes from
 *    Snapshots.Mounts(snapshotter, snapshot_key): the overlay upperdir (or a bind mount's source).
 *  - Network: cAdvisor drops network figures unless the container is a CRI sandbox, which also drops
 *    them for containers started with ctr/nerdctl that have their own network namespace; here they
 *    are dropped only for CRI containers that are not the sandbox (they share the pod's netns). */
#include "runtime/containerd.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "model/spec.h"
#include "runtime/http_unix.h"
#include "runtime/ids.h"
#include "runtime/protobuf.h"

#define CTD_TIMEOUT_NS   (5ULL * 1000000000ULL)
#define CTD_MAX_MSG      (4u << 20)
#define CTD_PID_RETRY_NS 1000000000ULL
#define GRPC_NOT_FOUND   5

#define SVC_CONTAINERS "/containerd.services.containers.v1.Containers/Get"
#define SVC_TASKS      "/containerd.services.tasks.v1.Tasks/Get"
#define SVC_MOUNTS     "/containerd.services.snapshots.v1.Snapshots/Mounts"

struct ctd_state {
    struct cadv_http_endpoint ep;
    char *ns;
    char *ns_header; /* "containerd-namespace: <ns>" */
    char *const *env_whitelist;
};

void cadv_containerd_container_done(struct cadv_containerd_container *c)
{
    if (!c)
        return;
    free(c->snapshotter);
    free(c->snapshot_key);
    free(c->cri_kind);
    memset(c, 0, sizeof(*c));
}

static int ctd_init(const struct cadv_config *cfg, void **ret_state)
{
    const char *ns =
            cfg->containerd_namespace && *cfg->containerd_namespace ? cfg->containerd_namespace : "k8s.io";
    const char *addr =
            cfg->containerd && *cfg->containerd ? cfg->containerd : "/run/containerd/containerd.sock";
    struct ctd_state *st = cadv_xcalloc(1, sizeof(*st));
    int r;

    r = cadv_http_endpoint_parse(addr, "containerd", false, NULL, NULL, NULL, &st->ep);
    if (r < 0 || strchr(ns, '\n') || strchr(ns, '\r')) {
        cadv_http_endpoint_done(&st->ep);
        free(st);
        return r < 0 ? r : -EINVAL;
    }
    st->ns = cadv_xstrdup(ns);
    st->ns_header = cadv_xasprintf("containerd-namespace: %s", ns);
    st->env_whitelist = cfg->env_metadata_whitelist;
    *ret_state = st;
    return 0;
}

static enum cadv_claim ctd_claims(void *state, const char *name, char *ret_id, unsigned id_size)
{
    struct ctd_state *st = state;
    char id[CADV_ID_LEN + 1];
    enum cadv_id_layout l = cadv_ids_layout(name, id);

    if (l == CADV_LAYOUT_MOUNT)
        return CADV_CLAIM_NO;
    if (cadv_ids_containerd_ns_id(name, st->ns, ret_id, id_size) == 0)
        return CADV_CLAIM_YES;
    if ((l != CADV_LAYOUT_CONTAINERD_CRI && l != CADV_LAYOUT_BARE_ID) || id_size < sizeof(id))
        return CADV_CLAIM_NO;
    memcpy(ret_id, id, sizeof(id));
    return l == CADV_LAYOUT_CONTAINERD_CRI ? CADV_CLAIM_YES : CADV_CLAIM_MAYBE;
}

/* ---- message parsing ---- */

static char *pb_dup(const struct cadv_pb_field *f)
{
    return cadv_xstrndup((const char *)f->p, f->len);
}

/* A map<string,string> entry: key = 1, value = 2. */
static int parse_label(const struct cadv_pb_field *entry, struct cadv_spec *spec,
                       struct cadv_containerd_container *ret)
{
    struct cadv_pb_reader r;
    struct cadv_pb_field f;
    char *key = NULL, *value = NULL;
    int e;

    cadv_pb_reader_init(&r, entry->p, entry->len);
    while ((e = cadv_pb_next(&r, &f)) > 0) {
        if (f.wire != CADV_PB_LEN)
            continue;
        if (f.num == 1) {
            free(key);
            key = pb_dup(&f);
        } else if (f.num == 2) {
            free(value);
            value = pb_dup(&f);
        }
    }
    if (e == 0 && key && cadv_runtime_label_room(spec)) {
        cadv_kv_set(&spec->labels, &spec->n_labels, key, value ? value : "");
        if (strcmp(key, "io.cri-containerd.kind") == 0) {
            free(ret->cri_kind);
            ret->cri_kind = cadv_xstrdup(value ? value : "");
        }
    }
    free(key);
    free(value);
    return e < 0 ? e : 0;
}

/* Pod and container names from the CRI annotations of the OCI spec, for labels that lack them. */
static void spec_cri_names(json_t *oci, struct cadv_spec *spec)
{
    static const char *const map[][2] = {
            {"io.kubernetes.cri.container-name", "io.kubernetes.container.name"},
            {"io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"},
            {"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace"},
    };
    json_t *ann = json_object_get(oci, "annotations");

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        const char *v = json_string_value(json_object_get(ann, map[i][0]));

        if (v && !cadv_kv_get(spec->labels, spec->n_labels, map[i][1]))
            cadv_kv_set(&spec->labels, &spec->n_labels, map[i][1], v);
    }
}

/* google.protobuf.Any {type_url = 1, value = 2}: the OCI spec as JSON. */
static int parse_spec_any(const struct cadv_pb_field *any, char *const *wl, struct cadv_spec *spec)
{
    struct cadv_pb_reader r;
    struct cadv_pb_field f;
    int e;

    cadv_pb_reader_init(&r, any->p, any->len);
    while ((e = cadv_pb_next(&r, &f)) > 0) {
        json_t *oci;

        if (f.num != 2 || f.wire != CADV_PB_LEN)
            continue;
        oci = json_loadb((const char *)f.p, f.len, 0, NULL);
        if (json_is_object(oci)) {
            cadv_runtime_envs_from_json(json_object_get(json_object_get(oci, "process"), "env"), wl, false,
                                        spec);
            spec_cri_names(oci, spec);
        }
        json_decref(oci);
    }
    return e;
}

/* google.protobuf.Timestamp {seconds = 1, nanos = 2} in ns; 0 when unset or negative. */
static uint64_t parse_timestamp(const struct cadv_pb_field *ts)
{
    struct cadv_pb_reader r;
    struct cadv_pb_field f;
    int64_t sec = 0, nanos = 0;

    cadv_pb_reader_init(&r, ts->p, ts->len);
    while (cadv_pb_next(&r, &f) > 0) {
        if (f.wire != CADV_PB_VARINT)
            continue;
        if (f.num == 1)
            sec = (int64_t)f.u;
        else if (f.num == 2)
            nanos = (int64_t)(int32_t)(uint32_t)f.u;
    }
    if (sec <= 0 || sec > 0x3ffffffffLL || nanos < 0 || nanos > 999999999)
        return 0;
    return (uint64_t)sec * 1000000000ULL + (uint64_t)nanos;
}

static int parse_container_fields(const struct cadv_pb_field *c, char *const *wl, struct cadv_spec *spec,
                                  struct cadv_containerd_container *ret)
{
    const struct cadv_pb_field *spec_any = NULL;
    struct cadv_pb_field f, any;
    struct cadv_pb_reader r;
    int e;

    cadv_pb_reader_init(&r, c->p, c->len);
    while ((e = cadv_pb_next(&r, &f)) > 0) {
        if (f.wire != CADV_PB_LEN)
            continue;
        switch (f.num) {
        case 1:
            free(spec->id);
            spec->id = pb_dup(&f);
            break;
        case 2:
            e = parse_label(&f, spec, ret);
            break;
        case 3:
            free(spec->image);
            spec->image = f.len ? pb_dup(&f) : NULL;
            break;
        case 5:
            any = f;
            spec_any = &any;
            break;
        case 6:
            free(ret->snapshotter);
            ret->snapshotter = pb_dup(&f);
            break;
        case 7:
            free(ret->snapshot_key);
            ret->snapshot_key = pb_dup(&f);
            break;
        case 8:
            spec->creation_time_ns = parse_timestamp(&f);
            break;
        default:
            break;
        }
        if (e < 0)
            return e;
    }
    /* The spec's annotations only fill labels the container lacks: read it after the labels. */
    if (e == 0 && spec_any)
        e = parse_spec_any(spec_any, wl, spec);
    return e;
}

int cadv_containerd_parse_container(const uint8_t *msg, size_t n, char *const *env_whitelist,
                                    struct cadv_spec *spec, struct cadv_containerd_container *ret)
{
    struct cadv_pb_reader r;
    struct cadv_pb_field f;
    bool found = false;
    int e;

    cadv_pb_reader_init(&r, msg, n);
    while ((e = cadv_pb_next(&r, &f)) > 0) {
        if (f.num != 1 || f.wire != CADV_PB_LEN)
            continue;
        found = true;
        e = parse_container_fields(&f, env_whitelist, spec, ret);
        if (e < 0)
            return e;
    }
    if (e < 0 || !found || !spec->id || !*spec->id)
        return -EBADMSG;
    return 0;
}

int cadv_containerd_parse_task(const uint8_t *msg, size_t n, uint32_t *ret_pid, uint32_t *ret_status,
                               uint32_t *ret_exit)
{
    struct cadv_pb_reader r, pr;
    struct cadv_pb_field f, g;
    uint32_t pid = 0, status = 0, exit_status = 0;
    bool found = false;
    int e, e2 = 0;

    cadv_pb_reader_init(&r, msg, n);
    while ((e = cadv_pb_next(&r, &f)) > 0) {
        if (f.num != 1 || f.wire != CADV_PB_LEN)
            continue;
        found = true;
        cadv_pb_reader_init(&pr, f.p, f.len);
        while ((e2 = cadv_pb_next(&pr, &g)) > 0) {
            if (g.wire != CADV_PB_VARINT)
                continue;
            if (g.num == 3)
                pid = (uint32_t)g.u;
            else if (g.num == 4)
                status = (uint32_t)g.u;
            else if (g.num == 9)
                exit_status = (uint32_t)g.u;
        }
        if (e2 < 0)
            return e2;
    }
    if (e < 0 || !found)
        return -EBADMSG;
    *ret_pid = pid;
    *ret_status = status;
    *ret_exit = exit_status;
    return 0;
}

/* containerd.types.Mount {type = 1, source = 2, target = 3, options = 4 (repeated)}. */
static int parse_mount(const struct cadv_pb_field *m, char **ret)
{
    struct cadv_pb_reader r;
    struct cadv_pb_field f, source = {0};
    bool overlay = false, bind = false;
    char *upper = NULL;
    int e;

    cadv_pb_reader_init(&r, m->p, m->len);
    while ((e = cadv_pb_next(&r, &f)) > 0) {
        if (f.wire != CADV_PB_LEN)
            continue;
        if (f.num == 1) {
            overlay = f.len == 7 && memcmp(f.p, "overlay", 7) == 0;
            bind = f.len == 4 && memcmp(f.p, "bind", 4) == 0;
        } else if (f.num == 2) {
            source = f;
        } else if (f.num == 4 && f.len > 9 && memcmp(f.p, "upperdir=", 9) == 0 && !upper) {
            upper = cadv_xstrndup((const char *)f.p + 9, f.len - 9);
        }
    }
    if (e < 0) {
        free(upper);
        return e;
    }
    if (overlay && upper) {
        *ret = upper;
        return 1;
    }
    free(upper);
    if (bind && source.len > 0) {
        *ret = pb_dup(&source);
        return 1;
    }
    return 0;
}

int cadv_containerd_parse_mounts(const uint8_t *msg, size_t n, char **ret)
{
    struct cadv_pb_reader r;
    struct cadv_pb_field f;
    char *dir = NULL;
    int e;

    cadv_pb_reader_init(&r, msg, n);
    while ((e = cadv_pb_next(&r, &f)) > 0) {
        int k;

        if (f.num != 1 || f.wire != CADV_PB_LEN || dir)
            continue;
        k = parse_mount(&f, &dir);
        if (k < 0)
            return k;
    }
    if (e < 0) {
        free(dir);
        return e;
    }
    if (dir && dir[0] != '/') {
        free(dir);
        dir = NULL;
    }
    *ret = dir;
    return 0;
}

/* ---- calls ---- */

/* One unary call. Returns 0 with the response, -ENOENT for NOT_FOUND, -EIO for another gRPC error,
 * or the transport's negative errno. */
static int call(struct ctd_state *st, const char *method, const struct cadv_buf *req, uint8_t **ret_msg,
                size_t *ret_len)
{
    const char *md[] = {st->ns_header, NULL};
    int status = -1, r;

    r = cadv_http_grpc_call(&st->ep, method, md, (const uint8_t *)req->data, req->len, CTD_TIMEOUT_NS,
                            CTD_MAX_MSG, &status, ret_msg, ret_len);
    if (r < 0)
        return r;
    if (status == 0)
        return 0;
    free(*ret_msg);
    *ret_msg = NULL;
    return status == GRPC_NOT_FOUND ? -ENOENT : -EIO;
}

static int get_container(struct ctd_state *st, const char *id, struct cadv_spec *spec,
                         struct cadv_containerd_container *ret)
{
    struct cadv_buf req;
    uint8_t *msg = NULL;
    size_t n = 0;
    int r;

    cadv_buf_init(&req, 0);
    cadv_pb_put_string(&req, 1, id);
    r = call(st, SVC_CONTAINERS, &req, &msg, &n);
    if (r == 0)
        r = cadv_containerd_parse_container(msg, n, st->env_whitelist, spec, ret);
    free(msg);
    cadv_buf_done(&req);
    return r;
}

static int get_task(struct ctd_state *st, const char *id, uint32_t *ret_pid, uint32_t *ret_status,
                    uint32_t *ret_exit)
{
    struct cadv_buf req;
    uint8_t *msg = NULL;
    size_t n = 0;
    int r;

    cadv_buf_init(&req, 0);
    cadv_pb_put_string(&req, 1, id);
    r = call(st, SVC_TASKS, &req, &msg, &n);
    if (r == 0)
        r = cadv_containerd_parse_task(msg, n, ret_pid, ret_status, ret_exit);
    free(msg);
    cadv_buf_done(&req);
    return r;
}

/* The task's pid, asked again (100 ms, 200 ms) while the task is missing or UNKNOWN, as cAdvisor
 * does; 0 when still unknown. Transport errors are returned. */
static int task_pid(struct ctd_state *st, const char *id, uint64_t *ret_pid)
{
    long delay_ms = 100;

    for (int attempt = 0;; attempt++) {
        uint32_t pid = 0, status = 0, ex = 0;
        struct timespec ts;
        int r = get_task(st, id, &pid, &status, &ex);

        if (r < 0 && r != -ENOENT)
            return r;
        if (r == 0 && status != CADV_CONTAINERD_UNKNOWN) {
            *ret_pid = pid;
            return 0;
        }
        if (attempt == 2) {
            *ret_pid = 0;
            return 0;
        }
        ts.tv_sec = 0;
        ts.tv_nsec = delay_ms * 1000000L;
        (void)nanosleep(&ts, NULL);
        delay_ms *= 2;
    }
}

/* The snapshot's writable directory, or NULL (not an error: no filesystem usage then). */
static char *snapshot_dir(struct ctd_state *st, const struct cadv_containerd_container *c)
{
    struct cadv_buf req;
    uint8_t *msg = NULL;
    char *dir = NULL;
    size_t n = 0;

    if (!c->snapshotter || !c->snapshot_key)
        return NULL;
    cadv_buf_init(&req, 0);
    cadv_pb_put_string(&req, 1, c->snapshotter);
    cadv_pb_put_string(&req, 2, c->snapshot_key);
    if (call(st, SVC_MOUNTS, &req, &msg, &n) == 0 && cadv_containerd_parse_mounts(msg, n, &dir) < 0)
        dir = NULL;
    free(msg);
    cadv_buf_done(&req);
    return dir;
}

static bool valid_id(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n >= CADV_RUNTIME_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
              (id[i] >= '0' && id[i] <= '9') || id[i] == '-' || id[i] == '_' || id[i] == '.'))
            return false;
    return true;
}

static int ctd_inspect_full(void *state, const char *cgroup_name, const char *id, struct cadv_spec *spec,
                            struct cadv_runtime_info *ret_info)
{
    struct ctd_state *st = state;
    struct cadv_containerd_container c = {0};
    struct cadv_spec s;
    uint64_t pid = 0;
    int r;

    if (!valid_id(id))
        return -EINVAL;
    cadv_spec_init(&s);
    r = get_container(st, id, &s, &c);
    if (r == 0)
        r = task_pid(st, id, &pid);
    if (r < 0)
        goto out;
    s.pid = pid;
    s.namespace_ = cadv_xstrdup("containerd");
    s.aliases = cadv_xcalloc(2, sizeof(char *));
    s.aliases[0] = cadv_xstrdup(s.id);
    s.aliases[1] = cadv_xstrdup(cgroup_name);
    s.n_aliases = 2;
    cadv_spec_copy_identity(spec, &s);
    spec->creation_time_ns = s.creation_time_ns;
    if (ret_info) {
        cadv_runtime_info_done(ret_info);
        ret_info->rootfs_dir = snapshot_dir(st, &c);
        ret_info->has_network = ret_info->collect_network = !c.cri_kind || strcmp(c.cri_kind, "sandbox") == 0;
        ret_info->refresh_interval_ns = pid == 0 ? CTD_PID_RETRY_NS : 0;
    }
out:
    cadv_containerd_container_done(&c);
    cadv_spec_done(&s);
    return r;
}

static int ctd_exit_code(void *state, const char *id, int *ret_code)
{
    uint32_t pid, status, ex;
    int r;

    if (!valid_id(id))
        return -EINVAL;
    r = get_task(state, id, &pid, &status, &ex);
    if (r < 0)
        return r;
    if (status != CADV_CONTAINERD_STOPPED)
        return -EBUSY;
    *ret_code = (int)ex;
    return 0;
}

static void ctd_done(void *state)
{
    struct ctd_state *st = state;

    if (!st)
        return;
    cadv_http_endpoint_done(&st->ep);
    free(st->ns);
    free(st->ns_header);
    free(st);
}

const struct cadv_runtime cadv_runtime_containerd = {
        .name = "containerd",
        .init = ctd_init,
        .claims = ctd_claims,
        .done = ctd_done,
        .inspect_full = ctd_inspect_full,
        .exit_code = ctd_exit_code,
};
