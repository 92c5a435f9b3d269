/* SPDX-License-Identifier: Apache-2.0 */
/* dockerapi.c - Docker Engine API container inspect for the docker and podman plugins (see
 * dockerapi.h). Field by field it mirrors cAdvisor's container/docker handler:
 *   Name (leading "/" stripped) -> alias, Config.Labels -> labels (+ restartcount when
 *   RestartCount > 0), Config.Image -> image, Config.Env filtered by env_metadata_whitelist prefixes
 *   -> envs (keys lower-cased), Created -> creation time, State.StartedAt -> start time (ignored when
 *   before 1970), State.Pid -> pid, State.Health.Status -> health, HostConfig.NetworkMode.
 * The writable layer comes from GraphDriver.Data.UpperDir (overlay, overlay2; the same directory
 * cAdvisor derives from layerdb/mount-id), the extra directory from LogPath (docker:
 * <root>/containers/<id>; podman: <graphroot>/<driver>-containers/<id>). */
#include "runtime/dockerapi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/sample.h"
#include "model/spec.h"
#include "runtime/http_unix.h"
#include "runtime/ids.h"
#include "runtime/runtime.h"

/* Bounds on what one container may contribute to its spec. */

static const char *jstr(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t jint(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static int health_of(const char *s)
{
    if (!s)
        return CADV_HEALTH_NONE;
    if (strcmp(s, "healthy") == 0)
        return CADV_HEALTH_HEALTHY;
    if (strcmp(s, "unhealthy") == 0)
        return CADV_HEALTH_UNHEALTHY;
    if (strcmp(s, "starting") == 0)
        return CADV_HEALTH_STARTING;
    return CADV_HEALTH_NONE;
}

static void parse_state(const json_t *state, enum cadv_dockerapi_flavor flavor, struct cadv_spec *spec,
                        bool *ret_running)
{
    const json_t *health = json_object_get(state, "Health");
    const char *hs = jstr(health, "Status");
    const char *started = jstr(state, "StartedAt");
    int64_t pid = jint(state, "Pid");
    uint64_t ns;

    *ret_running = json_is_true(json_object_get(state, "Running"));
    spec->pid = pid > 0 ? (uint64_t)pid : 0;
    if (started && cadv_parse_rfc3339(started, &ns) == 0 && ns > 0)
        spec->start_time_ns = ns;
    /* Only cAdvisor's docker handler reports health (container_health_state is -1 for the others);
     * podman's compat API shows an empty Health object for containers without a check. */
    if (flavor == CADV_DOCKERAPI_DOCKER && hs && *hs) {
        spec->has_health_check = true;
        spec->health = health_of(hs);
    }
}

static void set_aliases(struct cadv_spec *spec, const char *name, const char *id)
{
    size_t n = 0;

    if (name && name[0] == '/')
        name++;
    spec->aliases = cadv_xcalloc(2, sizeof(char *));
    if (name && *name)
        spec->aliases[n++] = cadv_xstrdup(name);
    spec->aliases[n++] = cadv_xstrdup(id);
    spec->n_aliases = n;
}

/* dirname of path into a new string, or NULL when path has no directory part. */
static char *dir_of(const char *path, int levels)
{
    char *d = cadv_xstrdup(path);

    while (levels-- > 0) {
        char *slash = strrchr(d, '/');

        if (!slash || slash == d) {
            free(d);
            return NULL;
        }
        *slash = '\0';
    }
    return d;
}

#define GPU_LIST_MAX 4096

/* Appends token to the comma list in buf (GPU_LIST_MAX bytes); a token that does not fit is dropped. */
static void gpu_add(char *buf, const char *token)
{
    size_t len = strlen(buf), tl = strlen(token);

    if (tl == 0 || tl >= 96 || strchr(token, ',') || len + tl + 2 > GPU_LIST_MAX)
        return;
    (void)snprintf(buf + len, GPU_LIST_MAX - len, "%s%s", len ? "," : "", token);
}

/* A DeviceRequests element asks for NVIDIA GPUs: driver "nvidia" or a capability set with "gpu". */
static bool is_gpu_request(const json_t *req)
{
    const char *driver = jstr(req, "Driver");
    const json_t *sets = json_object_get(req, "Capabilities"), *set, *cap;
    size_t i, j;

    if (driver && strcmp(driver, "nvidia") == 0)
        return true;
    json_array_foreach(sets, i, set)
    {
        json_array_foreach(set, j, cap)
        {
            if (json_is_string(cap) && strcmp(json_string_value(cap), "gpu") == 0)
                return true;
        }
    }
    return false;
}

/* HostConfig.Devices (PathOnHost /dev/nvidia<N>) and the GPU DeviceRequests (DeviceIDs; Count -1:
 * all; Count N: the first N) as a device list (runtime.h gpu_devices). */
static char *gpu_devices(const json_t *hc)
{
    const json_t *devs = json_object_get(hc, "Devices"), *reqs = json_object_get(hc, "DeviceRequests"), *d;
    char *buf = cadv_xcalloc(1, GPU_LIST_MAX);
    size_t i, j;

    json_array_foreach(devs, i, d)
    {
        const char *path = jstr(d, "PathOnHost");

        if (path && strncmp(path, "/dev/nvidia", 11) == 0 && path[11] >= '0' && path[11] <= '9' &&
            strspn(path + 11, "0123456789") == strlen(path + 11))
            gpu_add(buf, path);
    }
    json_array_foreach(reqs, i, d)
    {
        const json_t *ids = json_object_get(d, "DeviceIDs"), *id;
        int64_t count = jint(d, "Count");

        if (!is_gpu_request(d))
            continue;
        if (count < 0) {
            strcpy(buf, "all");
            return buf;
        }
        json_array_foreach(ids, j, id)
        {
            if (json_is_string(id))
                gpu_add(buf, json_string_value(id));
        }
        for (int64_t k = 0; json_array_size(ids) == 0 && k < count && k < 128; k++) {
            char idx[24];

            (void)snprintf(idx, sizeof(idx), "%lld", (long long)k);
            gpu_add(buf, idx);
        }
    }
    return buf;
}

/* NetworkSettings.IPAddress, else the first non-empty IPAddress of its Networks (inspect order). */
static char *ip_address(const json_t *ns)
{
    const char *ip = jstr(ns, "IPAddress"), *key;
    json_t *nets = json_object_get(ns, "Networks"), *net;

    if (ip && *ip)
        return cadv_xstrdup(ip);
    ip = NULL;
    json_object_foreach(nets, key, net)
    {
        const char *a = jstr(net, "IPAddress");

        (void)key;
        if (a && *a && !ip)
            ip = a;
    }
    return ip ? cadv_xstrdup(ip) : NULL;
}

static void parse_info(const json_t *root, const struct cadv_dockerapi_opts *opts, const char *id,
                       struct cadv_runtime_info *info)
{
    const json_t *gd = json_object_get(root, "GraphDriver");
    const char *upper = jstr(json_object_get(gd, "Data"), "UpperDir");
    const char *log = jstr(root, "LogPath");
    const char *mode = jstr(json_object_get(root, "HostConfig"), "NetworkMode");
    bool shared_net = mode && strncmp(mode, "container:", 10) == 0;

    if (upper && upper[0] == '/')
        info->rootfs_dir = cadv_xstrdup(upper);
    /* docker: <root>/containers/<id>/<id>-json.log; podman: .../<driver>-containers/<id>/userdata/ctr.log */
    if (log && log[0] == '/' && strstr(log, id))
        info->extra_dir = dir_of(log, opts->flavor == CADV_DOCKERAPI_PODMAN ? 2 : 1);
    info->has_network = !shared_net;
    if (json_is_object(json_object_get(root, "HostConfig")))
        info->gpu_devices = gpu_devices(json_object_get(root, "HostConfig"));
    info->ip_address = ip_address(json_object_get(root, "NetworkSettings"));
    /* cAdvisor's docker handler reads /proc/<pid>/net/dev even in another container's netns;
     * its podman handler drops network stats there. */
    info->collect_network = opts->flavor == CADV_DOCKERAPI_DOCKER || !shared_net;
}

int cadv_dockerapi_parse_inspect(const json_t *root, const struct cadv_dockerapi_opts *opts,
                                 struct cadv_spec *spec, struct cadv_runtime_info *info, bool *ret_running)
{
    const json_t *config = json_object_get(root, "Config");
    const char *id = jstr(root, "Id");
    const char *image = jstr(config, "Image");
    const char *created = jstr(root, "Created");
    int64_t restarts = jint(root, "RestartCount");
    uint64_t ns;

    if (!json_is_object(root) || !id || !*id)
        return -EBADMSG;
    spec->id = cadv_xstrdup(id);
    set_aliases(spec, jstr(root, "Name"), id);
    spec->namespace_ = cadv_xstrdup(opts->namespace_);
    if (image && *image)
        spec->image = cadv_xstrdup(image);
    cadv_runtime_labels_from_json(json_object_get(config, "Labels"), spec);
    if (restarts > 0) {
        char buf[24];

        (void)snprintf(buf, sizeof(buf), "%lld", (long long)restarts);
        cadv_kv_set(&spec->labels, &spec->n_labels, "restartcount", buf);
    }
    cadv_runtime_envs_from_json(json_object_get(config, "Env"), opts->env_whitelist, true, spec);
    if (created && cadv_parse_rfc3339(created, &ns) == 0)
        spec->creation_time_ns = ns;
    parse_state(json_object_get(root, "State"), opts->flavor, spec, ret_running);
    if (info) {
        parse_info(root, opts, id, info);
        if (spec->has_health_check)
            info->refresh_interval_ns = CADV_DOCKERAPI_HEALTH_REFRESH_NS;
    }
    return 0;
}

/* GET /containers/<id>/json: 0 with the body, -ENOENT on 404, other errors negative. */
static int get_inspect(const struct cadv_http_endpoint *ep, const char *id, uint64_t timeout_ns, json_t **ret)
{
    char path[64 + CADV_RUNTIME_ID_MAX];
    json_t *j = NULL;
    long status = 0;
    int r;

    /* Ids come from cgroup names: keep them to the id alphabet so they cannot alter the path. */
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_' || *p == '.'))
            return -EINVAL;
    if (strlen(id) >= CADV_RUNTIME_ID_MAX)
        return -EINVAL;
    (void)snprintf(path, sizeof(path), "/containers/%s/json", id);
    r = cadv_http_get_json(ep, path, timeout_ns, CADV_DOCKERAPI_MAX_BODY, &status, &j);
    if (r < 0)
        return r;
    if (status == 404 || (status == 200 && !j)) {
        json_decref(j);
        return status == 404 ? -ENOENT : -EBADMSG;
    }
    if (status != 200) {
        json_decref(j);
        return -EIO;
    }
    *ret = j;
    return 0;
}

int cadv_dockerapi_inspect(const struct cadv_http_endpoint *ep, const char *id, uint64_t timeout_ns,
                           const struct cadv_dockerapi_opts *opts, struct cadv_spec *spec,
                           struct cadv_runtime_info *info)
{
    struct cadv_runtime_info ri = {0};
    struct cadv_spec s;
    bool running = false;
    json_t *j = NULL;
    int r;

    r = get_inspect(ep, id, timeout_ns, &j);
    if (r < 0)
        return r;
    cadv_spec_init(&s);
    r = cadv_dockerapi_parse_inspect(j, opts, &s, info ? &ri : NULL, &running);
    json_decref(j);
    /* The cgroup appears (runc create) before the daemon marks the container running: retry later
     * rather than leave it raw for good, as cAdvisor's claim race does. */
    if (r == 0 && !running)
        r = -EAGAIN;
    if (r < 0) {
        cadv_spec_done(&s);
        cadv_runtime_info_done(&ri);
        return r;
    }
    cadv_spec_copy_identity(spec, &s);
    spec->creation_time_ns = s.creation_time_ns;
    spec->start_time_ns = s.start_time_ns;
    cadv_spec_done(&s);
    if (info) {
        cadv_runtime_info_done(info);
        *info = ri;
    }
    return 0;
}

int cadv_dockerapi_exit_code(const struct cadv_http_endpoint *ep, const char *id, uint64_t timeout_ns,
                             int *ret_code)
{
    const json_t *state;
    json_t *j = NULL;
    int r = get_inspect(ep, id, timeout_ns, &j);

    if (r < 0)
        return r;
    state = json_object_get(j, "State");
    if (!json_is_object(state)) {
        r = -EBADMSG;
    } else if (json_is_true(json_object_get(state, "Running"))) {
        r = -EBUSY;
    } else {
        *ret_code = (int)jint(state, "ExitCode");
    }
    json_decref(j);
    return r;
}

#define ABOUT_STR_MAX 255

static char *about_str(const json_t *obj, const char *key)
{
    const char *v = jstr(obj, key);

    return v && v[0] ? cadv_xstrndup(v, strnlen(v, ABOUT_STR_MAX)) : NULL;
}

void cadv_dockerapi_parse_about(const json_t *version, const json_t *info, struct cadv_runtime_about *ret)
{
    if (json_is_object(version)) {
        ret->docker_version = about_str(version, "Version");
        ret->docker_api_version = about_str(version, "ApiVersion");
    }
    if (json_is_object(info))
        ret->docker_root = about_str(info, "DockerRootDir");
}

/* GET path: 0 with the body of a 200 answer (NULL if not JSON), or a negative errno. */
static int get_200(const struct cadv_http_endpoint *ep, const char *path, uint64_t timeout_ns, json_t **ret)
{
    json_t *j = NULL;
    long status = 0;
    int r = cadv_http_get_json(ep, path, timeout_ns, CADV_DOCKERAPI_MAX_BODY, &status, &j);

    if (r < 0)
        return r;
    if (status != 200) {
        json_decref(j);
        return -EIO;
    }
    *ret = j;
    return 0;
}

int cadv_dockerapi_about(const struct cadv_http_endpoint *ep, uint64_t timeout_ns,
                         struct cadv_runtime_about *ret)
{
    json_t *version = NULL, *info = NULL;
    int r = get_200(ep, "/version", timeout_ns, &version);

    if (r < 0)
        return r;
    /* Without DockerRootDir the -docker_root flag stays in use, as in cAdvisor. */
    (void)get_200(ep, "/info", timeout_ns, &info);
    cadv_dockerapi_parse_about(version, info, ret);
    json_decref(version);
    json_decref(info);
    return 0;
}
