/* SPDX-License-Identifier: Apache-2.0 */
/* test_runtime_ids.c - container ids and runtime layouts over a table of real cgroup names, from each
 * runtime and cgroup driver (cgroup v1 and v2 use the same names). Names marked "seen here" were
 * produced on our Debian 12 machines by the real runtime; the others are the layouts documented by
 * each runtime (and used in cAdvisor's own tests). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "runtime/ids.h"

#define ID1  "8e1f2c7b9d0a4e3f5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012345"
#define ID2  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD  "pod0e6a6b6c-1d2e-4c1e-9c2a-7c5d2a1e3b1f"
#define PODS "pod0e6a6b6c_1d2e_4c1e_9c2a_7c5d2a1e3b1f"

static const struct {
    const char *name;
    enum cadv_id_layout layout;
    const char *id; /* cAdvisor's ContainerNameToId */
} cases[] = {
        /* docker, cgroupfs driver (seen here: dockerd 20.10, v1 hybrid) */
        {"/docker/" ID1, CADV_LAYOUT_DOCKER, ID1},
        /* docker, systemd driver (v2 hosts) */
        {"/system.slice/docker-" ID1 ".scope", CADV_LAYOUT_DOCKER, ID1},
        /* docker in docker */
        {"/docker/" ID2 "/docker/" ID1, CADV_LAYOUT_DOCKER, ID1},
        /* Kubernetes + dockershim, systemd driver */
        {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" PODS ".slice/docker-" ID1 ".scope",
         CADV_LAYOUT_DOCKER, ID1},
        /* systemd mounts made for docker: ignored */
        {"/system.slice/var-lib-docker-overlay2-" ID1 "-merged.mount", CADV_LAYOUT_MOUNT, ID1},
        {"/system.slice/run-docker-netns-0a1b2c3d4e5f.mount", CADV_LAYOUT_MOUNT,
         "run-docker-netns-0a1b2c3d4e5f.mount"},
        /* podman rootful, cgroupfs (seen here: podman 4.3.1) */
        {"/libpod_parent/libpod-" ID1, CADV_LAYOUT_PODMAN, ID1},
        {"/libpod_parent/conmon", CADV_LAYOUT_NONE, "conmon"},
        /* podman rootful, systemd */
        {"/machine.slice/libpod-" ID1 ".scope", CADV_LAYOUT_PODMAN, ID1},
        {"/machine.slice/libpod-conmon-" ID1 ".scope", CADV_LAYOUT_PODMAN_CONMON, ID1},
        /* podman rootless (cgroup v2, systemd): the container's own leaf */
        {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID1 ".scope/container",
         CADV_LAYOUT_PODMAN, ID1},
        {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID1 ".scope", CADV_LAYOUT_PODMAN,
         ID1},
        /* podman pod under a pod slice */
        {"/machine.slice/machine-libpod_pod_" ID2 ".slice/libpod-" ID1 ".scope", CADV_LAYOUT_PODMAN, ID1},
        /* CRI-O, systemd driver */
        {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" PODS ".slice/crio-" ID1 ".scope",
         CADV_LAYOUT_CRIO, ID1},
        {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" PODS ".slice/crio-conmon-" ID1
         ".scope",
         CADV_LAYOUT_CRIO_CONMON, ID1},
        /* CRI-O, cgroupfs driver */
        {"/kubepods/besteffort/" POD "/crio-" ID1, CADV_LAYOUT_CRIO, ID1},
        /* containerd CRI, systemd driver (cgroupsPath kubepods-...slice:cri-containerd:<id>) */
        {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" PODS ".slice/cri-containerd-" ID1
         ".scope",
         CADV_LAYOUT_CONTAINERD_CRI, ID1},
        /* containerd CRI or dockershim, cgroupfs driver: the bare id */
        {"/kubepods/burstable/" POD "/" ID1, CADV_LAYOUT_BARE_ID, ID1},
        {"/kubepods/" POD "/" ID1, CADV_LAYOUT_BARE_ID, ID1},
        /* containerd through ctr/nerdctl (seen here: containerd 1.6.20): no 64-char id */
        {"/demo/rt-ctd1", CADV_LAYOUT_NONE, "rt-ctd1"},
        {"/default/" ID1, CADV_LAYOUT_BARE_ID, ID1},
        /* Kubernetes pod and QoS levels, slices and services: not containers of a runtime */
        {"/kubepods/burstable/" POD, CADV_LAYOUT_NONE, POD},
        {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" PODS ".slice", CADV_LAYOUT_NONE,
         "kubepods-burstable-" PODS ".slice"},
        {"/system.slice/docker.service", CADV_LAYOUT_NONE, "docker.service"},
        {"/docker", CADV_LAYOUT_NONE, "docker"},
        {"/", CADV_LAYOUT_NONE, NULL},
        /* a 64-char id inside some other name */
        {"/system.slice/foo-" ID1 ".service", CADV_LAYOUT_OTHER_ID, ID1},
        /* a 63-char run is no id */
        {"/docker/"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
         CADV_LAYOUT_NONE, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"},
        /* upper case is not in cAdvisor's id alphabet */
        {"/docker/"
         "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
         CADV_LAYOUT_NONE, "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"},
};

Test(runtime_ids, table_of_real_names)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char id[CADV_ID_LEN + 1] = "";
        char cid[256];
        enum cadv_id_layout l = cadv_ids_layout(cases[i].name, id);
        int r = cadv_ids_container_id(cases[i].name, cid, sizeof(cid));

        cr_expect_eq(l, cases[i].layout, "%s: layout %s, want %s", cases[i].name, cadv_ids_layout_name(l),
                     cadv_ids_layout_name(cases[i].layout));
        if (l != CADV_LAYOUT_NONE && l != CADV_LAYOUT_MOUNT)
            cr_expect_str_eq(id, cases[i].id, "%s", cases[i].name);
        if (cases[i].id) {
            cr_expect_eq(r, 0, "%s", cases[i].name);
            cr_expect_str_eq(cid, cases[i].id, "%s", cases[i].name);
        } else {
            cr_expect_eq(r, -EINVAL, "%s", cases[i].name);
        }
    }
}

Test(runtime_ids, longer_run_takes_first_64)
{
    char id[CADV_ID_LEN + 1];

    /* Go's regexp `([a-z0-9]{64})` matches the leftmost 64 characters of a longer run. */
    cr_assert_eq(cadv_ids_layout("/x/abc" ID1, id), CADV_LAYOUT_OTHER_ID);
    cr_expect_eq(strncmp(id, "abc" ID1, CADV_ID_LEN), 0);
}

Test(runtime_ids, container_id_buffer_too_small)
{
    char small[10];

    cr_expect_eq(cadv_ids_container_id("/docker/" ID1, small, sizeof(small)), -ENAMETOOLONG);
    cr_expect_eq(cadv_ids_container_id("/a/short", small, sizeof(small)), 0);
    cr_expect_str_eq(small, "short");
}

Test(runtime_ids, hex_and_alphabet)
{
    cr_expect(cadv_ids_is_hex_id(ID1, 64));
    static const char g_id[] = "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    cr_expect_not(cadv_ids_is_hex_id(g_id, 64));
    cr_expect(cadv_ids_is_id(g_id, 64));
    cr_expect_not(cadv_ids_is_id(ID1, 63));
    cr_expect_not(cadv_ids_is_hex_id(ID1, 65));
}

Test(runtime_ids, containerd_namespace_layout)
{
    char id[CADV_ID_LEN + 16];

    cr_assert_eq(cadv_ids_containerd_ns_id("/demo/rt-ctd1", "demo", id, sizeof(id)), 0);
    cr_expect_str_eq(id, "rt-ctd1");
    cr_assert_eq(cadv_ids_containerd_ns_id("/k8s.io/" ID1, "k8s.io", id, sizeof(id)), 0);
    cr_expect_str_eq(id, ID1);
    cr_expect_eq(cadv_ids_containerd_ns_id("/demo/rt-ctd1", "moby", id, sizeof(id)), -ENOENT);
    cr_expect_eq(cadv_ids_containerd_ns_id("/demox/a", "demo", id, sizeof(id)), -ENOENT);
    cr_expect_eq(cadv_ids_containerd_ns_id("/demo/a/b", "demo", id, sizeof(id)), -ENOENT);
    cr_expect_eq(cadv_ids_containerd_ns_id("/demo/", "demo", id, sizeof(id)), -ENOENT);
    cr_expect_eq(cadv_ids_containerd_ns_id("/demo/-a", "demo", id, sizeof(id)), -ENOENT);
    cr_expect_eq(cadv_ids_containerd_ns_id("/demo/a..b", "demo", id, sizeof(id)), -ENOENT);
    cr_expect_eq(cadv_ids_containerd_ns_id("/demo", "demo", id, sizeof(id)), -ENOENT);
    cr_expect_eq(cadv_ids_containerd_ns_id("/demo/" ID1, "demo", id, 10), -ENAMETOOLONG);
}
