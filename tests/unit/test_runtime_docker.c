/* SPDX-License-Identifier: Apache-2.0 */
/* test_runtime_docker.c - the Docker API plugin: inspect bodies captured from a real dockerd 20.10
 * (tests/fixtures/runtime/docker-inspect-*.json) turned into spec identity, and the plugin end to
 * end against a small fake Engine API server on a unix socket (404s, non-running containers, a
 * daemon that is down). */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fake_http.h"
#include "model/sample.h"
#include "model/spec.h"
#include "runtime/docker.h"
#include "runtime/dockerapi.h"
#include "runtime/http_unix.h"
#include "runtime/podman.h"
#include "runtime/runtime.h"

#define C1        "7d8a605cef2378a8fd10e1f496e487519ae08963b74eef56cfc1280969c01bf9"
#define C_OTHER   "ffff605cef2378a8fd10e1f496e487519ae08963b74eef56cfc1280969c01bf9"
#define C_STOPPED "0000605cef2378a8fd10e1f496e487519ae08963b74eef56cfc1280969c01bf9"

static json_t *load_fixture(const char *name)
{
    char path[512];
    json_t *j;

    snprintf(path, sizeof(path), "%s/runtime/%s", CADV_FIXTURES, name);
    j = json_load_file(path, 0, NULL);
    cr_assert_not_null(j, "fixture %s", path);
    return j;
}

Test(dockerapi, running_container_identity)
{
    char *wl[] = {"MY_", NULL};
    struct cadv_dockerapi_opts o = {
            .namespace_ = "docker", .flavor = CADV_DOCKERAPI_DOCKER, .env_whitelist = wl};
    struct cadv_runtime_info info = {0};
    json_t *j = load_fixture("docker-inspect-running.json");
    struct cadv_spec s;
    bool running = false;

    cadv_spec_init(&s);
    cr_assert_eq(cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running), 0);
    cr_expect(running);
    cr_expect_str_eq(s.id, C1);
    cr_assert_eq(s.n_aliases, 2);
    cr_expect_str_eq(s.aliases[0], "c1");
    cr_expect_str_eq(s.aliases[1], C1);
    cr_expect_str_eq(s.namespace_, "docker");
    cr_expect_str_eq(s.image, "localhost/busybox:latest");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "io.x"), "1");
    cr_expect_null(cadv_kv_get(s.labels, s.n_labels, "restartcount"));
    cr_assert_eq(s.n_envs, 1);
    cr_expect_str_eq(s.envs[0].key, "my_var");
    cr_expect_str_eq(s.envs[0].value, "hello");
    cr_expect_eq(s.pid, 16564);
    cr_expect_not(s.has_health_check);
    cr_expect_eq(s.health, CADV_HEALTH_NONE);
    /* 2026-11-28T00:13:10.913701209Z and 2026-11-28T00:13:11.214466857Z */
    cr_expect_eq(s.creation_time_ns, 1795824790913701209ULL);
    cr_expect_eq(s.start_time_ns, 1795824791214466857ULL);
    cr_expect_str_eq(info.extra_dir, "/tmp/cadvrt/docker/containers/" C1);
    cr_assert_not_null(info.rootfs_dir);
    cr_expect(strstr(info.rootfs_dir, "/overlay2/") && strstr(info.rootfs_dir, "/diff"));
    cr_expect(info.has_network); /* "none" is not another container's namespace */
    cr_expect(info.collect_network);
    cr_expect_eq(info.refresh_interval_ns, 0);
    cadv_spec_done(&s);
    cadv_runtime_info_done(&info);
    json_decref(j);
}

Test(dockerapi, health_restartcount_and_shared_network)
{
    struct cadv_dockerapi_opts o = {.namespace_ = "docker", .flavor = CADV_DOCKERAPI_DOCKER};
    struct cadv_runtime_info info = {0};
    json_t *j = load_fixture("docker-inspect-health.json");
    struct cadv_spec s;
    bool running = false;

    json_object_set_new(j, "RestartCount", json_integer(3));
    json_object_set_new(json_object_get(j, "HostConfig"), "NetworkMode", json_string("container:abc"));
    cadv_spec_init(&s);
    cr_assert_eq(cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running), 0);
    cr_expect_str_eq(s.aliases[0], "c2");
    cr_expect(s.has_health_check);
    cr_expect_eq(s.health, CADV_HEALTH_HEALTHY);
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "restartcount"), "3");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "a.b"), "c");
    cr_expect_eq(s.n_envs, 0);
    cr_expect_not(info.has_network);
    cr_expect(info.collect_network); /* docker still reads /proc/<pid>/net/dev in a shared netns */
    cr_expect_eq(info.refresh_interval_ns, CADV_DOCKERAPI_HEALTH_REFRESH_NS);
    cadv_spec_done(&s);
    cadv_runtime_info_done(&info);
    json_decref(j);
}

/* cgroup v2 has no devices.list: the GPUs come from HostConfig.Devices (/dev/nvidia<N>, not the
 * control devices) and the GPU DeviceRequests (DeviceIDs; Count -1: all; Count N: the first N); the
 * address from NetworkSettings (IPAddress, else the first network's). */
Test(dockerapi, gpu_devices_and_ip_address)
{
    struct cadv_dockerapi_opts o = {.namespace_ = "docker", .flavor = CADV_DOCKERAPI_DOCKER};
    struct cadv_runtime_info info = {0};
    json_t *j = load_fixture("docker-inspect-gpu.json"), *req, *hc = json_object_get(j, "HostConfig");
    struct cadv_spec s;
    bool running = false;

    cadv_spec_init(&s);
    cr_assert_eq(cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running), 0);
    cr_expect_str_eq(info.gpu_devices, "/dev/nvidia1,GPU-aaaa-0000");
    cr_expect_str_eq(info.ip_address, "172.18.0.5");
    cadv_runtime_info_done(&info);
    cadv_spec_done(&s);

    /* --gpus all; --gpus 2; no GPU at all; the legacy IPAddress wins. */
    req = json_array_get(json_object_get(hc, "DeviceRequests"), 0);
    json_object_set_new(req, "Count", json_integer(-1));
    json_object_set_new(req, "Driver", json_string("nvidia"));
    json_object_set_new(json_object_get(j, "NetworkSettings"), "IPAddress", json_string("172.17.0.9"));
    cadv_spec_init(&s);
    cr_assert_eq(cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running), 0);
    cr_expect_str_eq(info.gpu_devices, "all");
    cr_expect_str_eq(info.ip_address, "172.17.0.9");
    cadv_runtime_info_done(&info);
    cadv_spec_done(&s);
    json_object_set_new(req, "Count", json_integer(2));
    json_object_set_new(req, "DeviceIDs", json_null());
    json_object_set_new(hc, "Devices", json_array());
    cadv_spec_init(&s);
    cr_assert_eq(cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running), 0);
    cr_expect_str_eq(info.gpu_devices, "0,1");
    cadv_runtime_info_done(&info);
    cadv_spec_done(&s);
    json_object_set_new(hc, "DeviceRequests", json_null());
    json_object_set_new(json_object_get(j, "NetworkSettings"), "IPAddress", json_string(""));
    json_object_set_new(json_object_get(j, "NetworkSettings"), "Networks", json_object());
    cadv_spec_init(&s);
    cr_assert_eq(cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running), 0);
    cr_expect_str_eq(info.gpu_devices, "");
    cr_expect_null(info.ip_address); /* --network none: scrapes stay on the netns loopback */
    cadv_runtime_info_done(&info);
    cadv_spec_done(&s);
    json_decref(j);
}

Test(dockerapi, rejects_bodies_without_id)
{
    struct cadv_dockerapi_opts o = {.namespace_ = "docker"};
    json_t *j = json_pack("{s:s, s:{s:b}}", "Name", "/x", "State", "Running", 1);
    struct cadv_spec s;
    bool running;

    cadv_spec_init(&s);
    cr_expect_eq(cadv_dockerapi_parse_inspect(j, &o, &s, NULL, &running), -EBADMSG);
    cr_expect_eq(cadv_dockerapi_parse_inspect(json_object_get(j, "Name"), &o, &s, NULL, &running), -EBADMSG);
    cadv_spec_done(&s);
    json_decref(j);
}

/* A fake Engine API: the fixture for C1, the fixture marked stopped (exit code 137) for C_STOPPED,
 * 404 for other ids. */
static char *running_body, *stopped_body;
static struct fake_route routes[2];

static void fake_start(struct fake_http *fs)
{
    char sock[108];
    json_t *j = load_fixture("docker-inspect-running.json");

    running_body = json_dumps(j, 0);
    json_object_set_new(json_object_get(j, "State"), "Running", json_false());
    json_object_set_new(json_object_get(j, "State"), "ExitCode", json_integer(137));
    stopped_body = json_dumps(j, 0);
    json_decref(j);
    routes[0] = (struct fake_route){"/containers/" C1 "/json", 200, running_body};
    routes[1] = (struct fake_route){"/containers/" C_STOPPED "/json", 200, stopped_body};
    snprintf(sock, sizeof(sock), "/tmp/cadv-test-docker-%d.sock", (int)getpid());
    fake_http_start(fs, sock, routes, 2);
}

static void fake_stop(struct fake_http *fs)
{
    fake_http_stop(fs);
    free(running_body);
    free(stopped_body);
}

/* The plugin borrows the config (the daemon's lives until exit): keep it static. */
static struct cadv_config cfg;
static char addr[160];
static char *wl[] = {"MY_", NULL};

static void *plugin_init(const char *sock)
{
    void *st = NULL;

    memset(&cfg, 0, sizeof(cfg));
    snprintf(addr, sizeof(addr), "unix://%s", sock);
    cfg.docker = addr;
    cfg.env_metadata_whitelist = wl;
    cr_assert_eq(cadv_runtime_docker.init(&cfg, &st), 0);
    return st;
}

Test(docker_plugin, claims_by_name_only)
{
    void *st = plugin_init("/nonexistent.sock");
    char id[CADV_RUNTIME_ID_MAX];

    cr_expect_eq(cadv_runtime_docker.claims(st, "/docker/" C1, id, sizeof(id)), CADV_CLAIM_YES);
    cr_expect_str_eq(id, C1);
    cr_expect_eq(cadv_runtime_docker.claims(st, "/system.slice/docker-" C1 ".scope", id, sizeof(id)),
                 CADV_CLAIM_YES);
    cr_expect_eq(cadv_runtime_docker.claims(st, "/kubepods/besteffort/podx/" C1, id, sizeof(id)),
                 CADV_CLAIM_MAYBE);
    cr_expect_eq(cadv_runtime_docker.claims(st, "/libpod_parent/libpod-" C1, id, sizeof(id)), CADV_CLAIM_NO);
    cr_expect_eq(cadv_runtime_docker.claims(st, "/system.slice/docker-" C1 ".scope/x.mount", id, sizeof(id)),
                 CADV_CLAIM_NO);
    cr_expect_eq(cadv_runtime_docker.claims(st, "/docker", id, sizeof(id)), CADV_CLAIM_NO);
    /* an id from the alphabet but not hex is no docker id */
    cr_expect_eq(cadv_runtime_docker.claims(
                         st, "/docker/zz8a605cef2378a8fd10e1f496e487519ae08963b74eef56cfc1280969c01bf9", id,
                         sizeof(id)),
                 CADV_CLAIM_NO);
    cadv_runtime_docker.done(st);
}

Test(docker_plugin, inspect_against_fake_daemon)
{
    struct fake_http fs;
    struct cadv_runtime_info info = {0};
    struct cadv_spec s;
    void *st;
    int code = 0;

    fake_start(&fs);
    st = plugin_init(fs.path);
    cadv_spec_init(&s);
    cr_assert_eq(cadv_runtime_docker.inspect_full(st, "/docker/" C1, C1, &s, &info), 0);
    cr_expect_str_eq(s.aliases[0], "c1");
    cr_expect_str_eq(s.namespace_, "docker");
    cr_expect_str_eq(s.envs[0].key, "my_var");
    cr_expect_not_null(info.rootfs_dir);
    cr_expect_eq(cadv_runtime_docker.inspect_full(st, "/docker/" C1, C_OTHER, &s, NULL), -ENOENT);
    /* a container that is not running (yet) is retried later, and gives its exit code */
    cr_expect_eq(cadv_runtime_docker.inspect_full(st, "/x", C_STOPPED, &s, NULL), -EAGAIN);
    cr_expect_eq(cadv_runtime_docker.exit_code(st, C_STOPPED, &code), 0);
    cr_expect_eq(code, 137);
    cr_expect_eq(cadv_runtime_docker.exit_code(st, C1, &code), -EBUSY);
    /* ids that could alter the request path are refused without a request */
    cr_expect_eq(cadv_runtime_docker.inspect_full(st, "/x", "../../info", &s, NULL), -EINVAL);
    /* what failed left the spec from the successful call alone */
    cr_expect_str_eq(s.id, C1);
    cr_expect_eq(atomic_load(&fs.requests), 5);
    cadv_spec_done(&s);
    cadv_runtime_info_done(&info);
    cadv_runtime_docker.done(st);
    fake_stop(&fs);
}

Test(docker_plugin, daemon_down_is_not_enoent)
{
    void *st = plugin_init("/tmp/cadv-test-no-such-docker.sock");
    struct cadv_spec s;
    int r;

    cadv_spec_init(&s);
    r = cadv_runtime_docker.inspect_full(st, "/docker/" C1, C1, &s, NULL);
    cr_expect(r < 0 && r != -ENOENT, "r = %d", r);
    /* but a bare id goes on to the next runtime that may own it */
    cr_expect_eq(cadv_runtime_docker.inspect_full(st, "/kubepods/besteffort/podx/" C1, C1, &s, NULL),
                 -ENOENT);
    cr_expect_null(s.id);
    cadv_runtime_docker.done(st);
}

Test(http_unix, endpoint_parsing)
{
    struct cadv_http_endpoint ep;

    cr_assert_eq(
            cadv_http_endpoint_parse("unix:///var/run/docker.sock", "docker", false, NULL, NULL, NULL, &ep),
            0);
    cr_expect_str_eq(ep.socket_path, "/var/run/docker.sock");
    cr_expect_str_eq(ep.base_url, "http://docker");
    cadv_http_endpoint_done(&ep);
    cr_assert_eq(
            cadv_http_endpoint_parse("tcp://10.0.0.1:2376", "docker", true, "c.pem", "k.pem", "ca.pem", &ep),
            0);
    cr_expect_null(ep.socket_path);
    cr_expect_str_eq(ep.base_url, "https://10.0.0.1:2376");
    cr_expect_str_eq(ep.tls_ca, "ca.pem");
    cadv_http_endpoint_done(&ep);
    cr_assert_eq(cadv_http_endpoint_parse("/run/crio/crio.sock", "crio", false, NULL, NULL, NULL, &ep), 0);
    cr_expect_str_eq(ep.base_url, "http://crio");
    cadv_http_endpoint_done(&ep);
    cr_expect_eq(cadv_http_endpoint_parse("unix://relative", "x", false, NULL, NULL, NULL, &ep), -EINVAL);
    cr_expect_eq(cadv_http_endpoint_parse("ftp://x", "x", false, NULL, NULL, NULL, &ep), -EINVAL);
    cr_expect_eq(cadv_http_endpoint_parse("", "x", false, NULL, NULL, NULL, &ep), -EINVAL);
}

Test(dockerapi, podman_compat_inspect)
{
    char *pwl[] = {"MY_", NULL};
    struct cadv_dockerapi_opts o = {
            .namespace_ = "podman", .flavor = CADV_DOCKERAPI_PODMAN, .env_whitelist = pwl};
    struct cadv_runtime_info info = {0};
    json_t *j = load_fixture("podman-inspect-running.json");
    struct cadv_spec s;
    bool running = false;

    cadv_spec_init(&s);
    cr_assert_eq(cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running), 0);
    cr_expect(running);
    cr_expect_str_eq(s.aliases[0], "p1");
    cr_expect_str_eq(s.aliases[1], "4a9e34a62fda5e40c4750b9d596fe4b7d2c11004486f54bdadf625b657e22096");
    cr_expect_str_eq(s.namespace_, "podman");
    cr_expect_str_eq(s.image, "localhost/busybox:latest");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "pl"), "1");
    cr_expect_str_eq(cadv_kv_get(s.envs, s.n_envs, "my_p"), "v");
    cr_expect_eq(s.pid, 16908);
    /* podman shows an empty Health object without a check; cAdvisor reports no health for podman */
    cr_expect_not(s.has_health_check);
    cr_expect_eq(info.refresh_interval_ns, 0);
    cr_expect_str_eq(info.extra_dir, "/tmp/cadvrt/pm/root/overlay-containers/"
                                     "4a9e34a62fda5e40c4750b9d596fe4b7d2c11004486f54bdadf625b657e22096");
    cr_expect(strstr(info.rootfs_dir, "/pm/root/overlay/") && strstr(info.rootfs_dir, "/diff"));
    cr_expect(info.collect_network);
    /* podman drops network stats in another container's network namespace */
    json_object_set_new(json_object_get(j, "HostConfig"), "NetworkMode", json_string("container:abc"));
    cadv_spec_done(&s);
    cadv_runtime_info_done(&info);
    cr_assert_eq(cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running), 0);
    cr_expect_not(info.collect_network);
    cr_expect_not(info.has_network);
    cadv_spec_done(&s);
    cadv_runtime_info_done(&info);
    json_decref(j);
}

Test(podman_plugin, claims_libpod_layouts_only)
{
    struct cadv_config pcfg;
    char id[CADV_RUNTIME_ID_MAX];
    void *st = NULL;

    memset(&pcfg, 0, sizeof(pcfg));
    pcfg.podman = "tcp://127.0.0.1:1";
    cr_expect_eq(cadv_runtime_podman.init(&pcfg, &st), -EINVAL, "only unix sockets, as cAdvisor");
    pcfg.podman = "unix:///run/podman/podman.sock";
    cr_assert_eq(cadv_runtime_podman.init(&pcfg, &st), 0);
    cr_expect_eq(cadv_runtime_podman.claims(st, "/libpod_parent/libpod-" C1, id, sizeof(id)), CADV_CLAIM_YES);
    cr_expect_str_eq(id, C1);
    cr_expect_eq(cadv_runtime_podman.claims(st, "/machine.slice/libpod-" C1 ".scope", id, sizeof(id)),
                 CADV_CLAIM_YES);
    cr_expect_eq(
            cadv_runtime_podman.claims(st,
                                       "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" C1
                                       ".scope/container",
                                       id, sizeof(id)),
            CADV_CLAIM_YES);
    cr_expect_eq(cadv_runtime_podman.claims(st, "/machine.slice/libpod-conmon-" C1 ".scope", id, sizeof(id)),
                 CADV_CLAIM_NO);
    cr_expect_eq(cadv_runtime_podman.claims(st, "/libpod_parent/conmon", id, sizeof(id)), CADV_CLAIM_NO);
    cr_expect_eq(cadv_runtime_podman.claims(st, "/docker/" C1, id, sizeof(id)), CADV_CLAIM_NO);
    cr_expect_eq(cadv_runtime_podman.claims(st, "/kubepods/besteffort/podx/" C1, id, sizeof(id)),
                 CADV_CLAIM_NO);
    cadv_runtime_podman.done(st);
}

/* /version and /info as a docker 20.10 daemon answers them (trimmed): the docker version fields of
 * /api/v2.x/attributes and cadvisor_version_info, and the root for the docker-images label. */
Test(dockerapi, about_from_version_and_info)
{
    json_t *v = load_fixture("docker-version.json"), *i = load_fixture("docker-info.json");
    struct cadv_runtime_about a = {0};

    cadv_dockerapi_parse_about(v, i, &a);
    cr_expect_str_eq(a.docker_version, "20.10.24+dfsg1");
    cr_expect_str_eq(a.docker_api_version, "1.41");
    cr_expect_str_eq(a.docker_root, "/tmp/cadv-dockerd-x/data");
    cadv_runtime_about_done(&a);
    /* /info unanswered: the -docker_root flag stays in use */
    cadv_dockerapi_parse_about(v, NULL, &a);
    cr_expect_str_eq(a.docker_version, "20.10.24+dfsg1");
    cr_expect_null(a.docker_root);
    cadv_runtime_about_done(&a);
    /* fields of the wrong type are unknown */
    cadv_dockerapi_parse_about(i, v, &a);
    cr_expect_null(a.docker_version);
    cr_expect_null(a.docker_root);
    cadv_runtime_about_done(&a);
    json_decref(v);
    json_decref(i);
}

Test(docker_plugin, about_against_fake_daemon)
{
    json_t *v = load_fixture("docker-version.json"), *i = load_fixture("docker-info.json");
    char *vb = json_dumps(v, 0), *ib = json_dumps(i, 0), sock[108];
    struct fake_route r[2] = {{"/version", 200, vb}, {"/info", 200, ib}};
    struct cadv_runtime_about a = {0};
    struct fake_http fs;
    void *st;

    snprintf(sock, sizeof(sock), "/tmp/cadv-test-docker-about-%d.sock", (int)getpid());
    fake_http_start(&fs, sock, r, 2);
    st = plugin_init(fs.path);
    cr_assert_eq(cadv_runtime_docker.about(st, &a), 0);
    cr_expect_str_eq(a.docker_version, "20.10.24+dfsg1");
    cr_expect_str_eq(a.docker_api_version, "1.41");
    cr_expect_str_eq(a.docker_root, "/tmp/cadv-dockerd-x/data");
    cadv_runtime_about_done(&a);
    cadv_runtime_docker.done(st);
    fake_http_stop(&fs);
    /* a daemon that is down is an error, not an empty answer */
    st = plugin_init("/tmp/cadv-test-no-such-docker.sock");
    cr_expect_lt(cadv_runtime_docker.about(st, &a), 0);
    cr_expect_null(a.docker_version);
    cadv_runtime_docker.done(st);
    free(vb);
    free(ib);
    json_decref(v);
    json_decref(i);
}
