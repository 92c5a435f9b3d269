/* SPDX-License-Identifier: Apache-2.0 */
/* crio.c - the CRI-O runtime plugin (see crio.h), mirroring cAdvisor's crio handler
 * (docs/compatibility.md#runtime-crio): GET /containers/<id> -> aliases [name, id], labels (+ restartcount
 * from the annotation io.kubernetes.container.restartCount when > 0), image, pid; no envs; creation time from
 * the cgroup. Network figures only for the pod's infra container (label io.kubernetes.container.name
 *   == "POD"); while CRI-O reports pid 0 the container is inspected again every second.
 *   GET /info -> storage driver (overlay: the writable layer is `root` without "/merged", plus
 *   "/diff"; the container's log file is the extra usage) and cgroup driver (systemd: a basename
 *   without ".scope" is a sandbox, ignored). */
#include "runtime/crio.h"

#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "core/xalloc.h"
#include "model/spec.h"
#include "runtime/http_unix.h"
#include "runtime/ids.h"

#define CRIO_TIMEOUT_NS   (5ULL * 1000000000ULL)
#define CRIO_MAX_BODY     (4u << 20)
#define CRIO_PID_RETRY_NS 1000000000ULL

enum cgroup_driver {
    DRIVER_UNKNOWN = 0,
    DRIVER_CGROUPFS,
    DRIVER_SYSTEMD,
};

struct crio_state {
    struct cadv_http_endpoint ep;
    uint64_t timeout_ns;
    atomic_int driver; /* enum cgroup_driver, learnt from /info; read by claims() */
    bool have_info;    /* metadata worker only */
    bool overlay;      /* storage driver overlay/overlay2 */
};

int cadv_crio_init_at(const char *socket_path, uint64_t timeout_ns, void **ret_state)
{
    struct crio_state *st = cadv_xcalloc(1, sizeof(*st));
    int r = cadv_http_endpoint_parse(socket_path, "crio", false, NULL, NULL, NULL, &st->ep);

    if (r < 0) {
        free(st);
        return r;
    }
    st->timeout_ns = timeout_ns ? timeout_ns : CRIO_TIMEOUT_NS;
    atomic_init(&st->driver, DRIVER_UNKNOWN);
    *ret_state = st;
    return 0;
}

static int crio_init(const struct cadv_config *cfg, void **ret_state)
{
    return cadv_crio_init_at(CADV_CRIO_SOCKET,
                             cfg->crio_client_timeout_ns > 0 ? (uint64_t)cfg->crio_client_timeout_ns : 0,
                             ret_state);
}

static enum cadv_claim crio_claims(void *state, const char *name, char *ret_id, unsigned id_size)
{
    struct crio_state *st = state;
    char id[CADV_ID_LEN + 1];
    const char *base;
    size_t bl = cadv_ids_basename(name, &base);

    if (cadv_ids_layout(name, id) != CADV_LAYOUT_CRIO || id_size < sizeof(id))
        return CADV_CLAIM_NO;
    /* With CRI-O's systemd cgroup driver, containers are scopes; a bare crio-<id> is a sandbox. */
    if (atomic_load(&st->driver) == DRIVER_SYSTEMD && (bl < 6 || strcmp(base + bl - 6, ".scope") != 0))
        return CADV_CLAIM_IGNORE;
    memcpy(ret_id, id, sizeof(id));
    return CADV_CLAIM_YES;
}

static const char *jstr(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int get(struct crio_state *st, const char *path, json_t **ret)
{
    json_t *j = NULL;
    long status = 0;
    int r = cadv_http_get_json(&st->ep, path, st->timeout_ns, CRIO_MAX_BODY, &status, &j);

    if (r < 0)
        return r;
    if (status != 200 || !json_is_object(j)) {
        json_decref(j);
        return status == 404 ? -ENOENT : status == 200 ? -EBADMSG : -EIO;
    }
    *ret = j;
    return 0;
}

/* GET /info once (until it works): storage and cgroup drivers. */
static int load_info(struct crio_state *st)
{
    const char *sd, *cd;
    json_t *j = NULL;
    int r;

    if (st->have_info)
        return 0;
    r = get(st, "/info", &j);
    if (r < 0)
        return r == -ENOENT ? -EIO : r;
    sd = jstr(j, "storage_driver");
    cd = jstr(j, "cgroup_driver");
    st->overlay = sd && (strcmp(sd, "overlay") == 0 || strcmp(sd, "overlay2") == 0);
    atomic_store(&st->driver, cd && strcmp(cd, "systemd") == 0 ? DRIVER_SYSTEMD : DRIVER_CGROUPFS);
    st->have_info = true;
    json_decref(j);
    return 0;
}

static void restart_label(const json_t *annotations, struct cadv_spec *spec)
{
    const char *rc = jstr(annotations, "io.kubernetes.container.restartCount");
    char *end = NULL;
    long v;

    if (!rc)
        return;
    v = strtol(rc, &end, 10);
    if (end != rc && *end == '\0' && v > 0) {
        char buf[24];

        (void)snprintf(buf, sizeof(buf), "%ld", v);
        cadv_kv_set(&spec->labels, &spec->n_labels, "restartcount", buf);
    }
}

/* root "/var/lib/containers/storage/overlay/<layer>/merged" -> ".../overlay/<layer>/diff" */
static char *rootfs_of(const char *root)
{
    size_t n = strlen(root);

    if (n >= 7 && strcmp(root + n - 7, "/merged") == 0)
        n -= 7;
    return cadv_xasprintf("%.*s/diff", (int)n, root);
}

/* Builds spec and info from a container body. Returns 0 or -EBADMSG. */
static int parse_container(struct crio_state *st, json_t *j, const char *id, struct cadv_spec *spec,
                           struct cadv_runtime_info *info)
{
    const char *name = jstr(j, "name"), *image = jstr(j, "image"), *root = jstr(j, "root");
    const char *log = jstr(j, "log_path");
    json_t *labels = json_object_get(j, "labels");
    json_t *pid = json_object_get(j, "pid");

    if (!json_is_object(j))
        return -EBADMSG;
    spec->id = cadv_xstrdup(id);
    spec->aliases = cadv_xcalloc(2, sizeof(char *));
    if (name && *name)
        spec->aliases[spec->n_aliases++] = cadv_xstrdup(name);
    spec->aliases[spec->n_aliases++] = cadv_xstrdup(id);
    spec->namespace_ = cadv_xstrdup("crio");
    if (image && *image)
        spec->image = cadv_xstrdup(image);
    cadv_runtime_labels_from_json(labels, spec);
    restart_label(json_object_get(j, "annotations"), spec);
    spec->pid = json_is_integer(pid) && json_integer_value(pid) > 0 ? (uint64_t)json_integer_value(pid) : 0;
    if (info) {
        const char *cname = cadv_kv_get(spec->labels, spec->n_labels, "io.kubernetes.container.name");

        info->has_network = info->collect_network = cname && strcmp(cname, "POD") == 0;
        if (st->overlay && root && root[0] == '/')
            info->rootfs_dir = rootfs_of(root);
        if (log && log[0] == '/')
            info->extra_dir = cadv_xstrdup(log);
        info->refresh_interval_ns = spec->pid == 0 ? CRIO_PID_RETRY_NS : 0;
    }
    return 0;
}

/* GET /containers/<id>, retried on 404 with a doubling back-off from 100 ms (cAdvisor tries 5
 * times): CRI-O creates the cgroup before it registers the container. */
static int get_container(struct crio_state *st, const char *id, json_t **ret)
{
    char path[32 + CADV_ID_LEN];
    long delay_ms = 100;

    if (!cadv_ids_is_id(id, strlen(id)))
        return -EINVAL;
    (void)snprintf(path, sizeof(path), "/containers/%s", id);
    for (int attempt = 0;; attempt++) {
        struct timespec ts;
        int r = get(st, path, ret);

        if (r != -ENOENT || attempt == 3)
            return r;
        ts.tv_sec = delay_ms / 1000;
        ts.tv_nsec = (delay_ms % 1000) * 1000000L;
        (void)nanosleep(&ts, NULL);
        delay_ms *= 2;
    }
}

static int crio_inspect_full(void *state, const char *cgroup_name, const char *id, struct cadv_spec *spec,
                             struct cadv_runtime_info *ret_info)
{
    struct crio_state *st = state;
    struct cadv_runtime_info ri = {0};
    struct cadv_spec s;
    json_t *j = NULL;
    int r;

    (void)cgroup_name;
    r = load_info(st);
    if (r < 0)
        return r;
    r = get_container(st, id, &j);
    if (r < 0)
        return r;
    cadv_spec_init(&s);
    r = parse_container(st, j, id, &s, ret_info ? &ri : NULL);
    json_decref(j);
    if (r == 0) {
        cadv_spec_copy_identity(spec, &s);
        if (ret_info) {
            cadv_runtime_info_done(ret_info);
            *ret_info = ri;
        }
    } else {
        cadv_runtime_info_done(&ri);
    }
    cadv_spec_done(&s);
    return r;
}

static void crio_done(void *state)
{
    struct crio_state *st = state;

    if (!st)
        return;
    cadv_http_endpoint_done(&st->ep);
    free(st);
}

const struct cadv_runtime cadv_runtime_crio = {
        .name = "crio",
        .init = crio_init,
        .claims = crio_claims,
        .done = crio_done,
        .inspect_full = crio_inspect_full,
};
