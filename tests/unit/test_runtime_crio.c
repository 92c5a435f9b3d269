/* SPDX-License-Identifier: Apache-2.0 */
/* test_runtime_crio.c - the CRI-O plugin against a fake CRI-O inspect server on a unix socket
 * (CRI-O is not packaged for Debian 12): bodies in CRI-O's documented JSON (its types.ContainerInfo
 * and types.CrioInfo) under tests/fixtures/runtime/crio-*.json. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_http.h"
#include "model/spec.h"
#include "runtime/crio.h"
#include "runtime/runtime.h"

#define APP   "8e1f2c7b9d0a4e3f5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012345"
#define POD   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define GONE  "ffff2c7b9d0a4e3f5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012345"
#define SLICE "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0e6a6b6c.slice/"

static char *slurp(const char *name)
{
    char path[512];
    FILE *f;
    char *buf = calloc(1, 1 << 16);
    size_t n;

    snprintf(path, sizeof(path), "%s/runtime/%s", CADV_FIXTURES, name);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static struct fake_http fs;
static struct fake_route routes[3];
static char *bodies[3];
static void *st;

static void setup(void)
{
    char sock[108];

    bodies[0] = slurp("crio-info.json");
    bodies[1] = slurp("crio-container-app.json");
    bodies[2] = slurp("crio-container-pod.json");
    routes[0] = (struct fake_route){"/info", 200, bodies[0]};
    routes[1] = (struct fake_route){"/containers/" APP, 200, bodies[1]};
    routes[2] = (struct fake_route){"/containers/" POD, 200, bodies[2]};
    snprintf(sock, sizeof(sock), "/tmp/cadv-test-crio-%d.sock", (int)getpid());
    fake_http_start(&fs, sock, routes, 3);
    cr_assert_eq(cadv_crio_init_at(sock, 0, &st), 0);
}

static void teardown(void)
{
    cadv_runtime_crio.done(st);
    fake_http_stop(&fs);
    for (int i = 0; i < 3; i++)
        free(bodies[i]);
}

TestSuite(crio, .init = setup, .fini = teardown);

Test(crio, app_container)
{
    struct cadv_runtime_info info = {0};
    struct cadv_spec s;
    char id[CADV_RUNTIME_ID_MAX];

    cr_assert_eq(cadv_runtime_crio.claims(st, SLICE "crio-" APP ".scope", id, sizeof(id)), CADV_CLAIM_YES);
    cr_assert_str_eq(id, APP);
    cadv_spec_init(&s);
    cr_assert_eq(cadv_runtime_crio.inspect_full(st, SLICE "crio-" APP ".scope", id, &s, &info), 0);
    cr_expect_str_eq(s.id, APP);
    cr_assert_eq(s.n_aliases, 2);
    cr_expect_str_eq(s.aliases[0], "k8s_web_web-1_default_0e6a6b6c-1d2e-4c1e-9c2a-7c5d2a1e3b1f_2");
    cr_expect_str_eq(s.aliases[1], APP);
    cr_expect_str_eq(s.namespace_, "crio");
    cr_expect_str_eq(s.image, "docker.io/library/nginx:1.27");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "io.kubernetes.pod.name"), "web-1");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "restartcount"), "2");
    cr_expect_eq(s.n_envs, 0);
    cr_expect_eq(s.pid, 4242);
    cr_expect_eq(s.creation_time_ns, 0, "creation time comes from the cgroup");
    cr_expect_str_eq(info.rootfs_dir,
                     "/var/lib/containers/storage/overlay/"
                     "9a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcdef/diff");
    cr_expect_str_eq(info.extra_dir,
                     "/var/log/pods/default_web-1_0e6a6b6c-1d2e-4c1e-9c2a-7c5d2a1e3b1f/web/2.log");
    cr_expect_not(info.collect_network, "not the pod's infra container");
    cr_expect_not(info.has_network);
    cr_expect_eq(info.refresh_interval_ns, 0);
    cadv_spec_done(&s);
    cadv_runtime_info_done(&info);
}

Test(crio, pod_infra_container_with_unknown_pid)
{
    struct cadv_runtime_info info = {0};
    struct cadv_spec s;
    char id[CADV_RUNTIME_ID_MAX];

    cadv_spec_init(&s);
    cr_assert_eq(cadv_runtime_crio.inspect_full(st, SLICE "crio-" POD ".scope", POD, &s, &info), 0);
    cr_expect_null(cadv_kv_get(s.labels, s.n_labels, "restartcount"), "restartCount 0 adds no label");
    cr_expect_eq(s.pid, 0);
    cr_expect(info.collect_network);
    cr_expect(info.has_network);
    cr_expect_gt(info.refresh_interval_ns, 0, "re-inspected until CRI-O knows the pid");
    /* /info said cgroup_driver systemd: a crio-<id> cgroup without .scope is a sandbox, ignored */
    cr_expect_eq(cadv_runtime_crio.claims(st, SLICE "crio-" POD, id, sizeof(id)), CADV_CLAIM_IGNORE);
    cr_expect_eq(cadv_runtime_crio.claims(st, SLICE "crio-conmon-" POD ".scope", id, sizeof(id)),
                 CADV_CLAIM_NO);
    cr_expect_eq(cadv_runtime_crio.claims(st, "/docker/" POD, id, sizeof(id)), CADV_CLAIM_NO);
    cadv_spec_done(&s);
    cadv_runtime_info_done(&info);
}

Test(crio, unknown_container_and_daemon_down)
{
    struct cadv_spec s;
    void *down = NULL;
    int r;

    cadv_spec_init(&s);
    cr_expect_eq(cadv_runtime_crio.inspect_full(st, SLICE "crio-" GONE ".scope", GONE, &s, NULL), -ENOENT);
    cr_expect_null(s.id);
    /* 4 tries for a container CRI-O may not have registered yet */
    cr_expect_eq(atomic_load(&fs.requests), 1 + 4);
    cr_assert_eq(cadv_crio_init_at("/tmp/cadv-test-no-crio.sock", 0, &down), 0);
    r = cadv_runtime_crio.inspect_full(down, "/x/crio-" APP, APP, &s, NULL);
    cr_expect(r < 0 && r != -ENOENT, "r = %d", r);
    cr_expect_eq(cadv_runtime_crio.inspect_full(st, "/x", "../info", &s, NULL), -EINVAL);
    cadv_runtime_crio.done(down);
    cadv_spec_done(&s);
}

Test(crio, cgroupfs_driver_before_info)
{
    char id[CADV_RUNTIME_ID_MAX];

    /* before /info was read the driver is unknown: a bare crio-<id> (cgroupfs driver) is claimed */
    cr_expect_eq(cadv_runtime_crio.claims(st, "/kubepods/besteffort/pod0e6a/crio-" APP, id, sizeof(id)),
                 CADV_CLAIM_YES);
}
