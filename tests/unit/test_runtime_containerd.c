/* SPDX-License-Identifier: Apache-2.0 */
/* test_runtime_containerd.c - the containerd plugin's protobuf codec and message parsers on
 * responses captured from a real containerd 1.6.20 (ctr -n demo run ... rt-ctd1), its claims, and
 * a daemon that is down. The gRPC transport itself is covered by tests/integration/test_containerd.py. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/buf.h"
#include "model/spec.h"
#include "runtime/containerd.h"
#include "runtime/protobuf.h"
#include "runtime/runtime.h"

#define ID1 "8e1f2c7b9d0a4e3f5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012345"

static uint8_t *slurp(const char *name, size_t *n)
{
    char path[512];
    uint8_t *buf = malloc(1 << 16);
    FILE *f;

    snprintf(path, sizeof(path), "%s/runtime/%s", CADV_FIXTURES, name);
    f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    *n = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

Test(containerd, parse_real_container)
{
    static char *wl[] = {"MY_", NULL};
    struct cadv_containerd_container c = {0};
    struct cadv_spec s;
    size_t n;
    uint8_t *msg = slurp("containerd-get-container.pb", &n);

    cadv_spec_init(&s);
    cr_assert_eq(cadv_containerd_parse_container(msg, n, wl, &s, &c), 0);
    cr_expect_str_eq(s.id, "rt-ctd1");
    cr_expect_str_eq(s.image, "localhost/busybox:latest");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "app"), "web");
    cr_assert_eq(s.n_envs, 1);
    cr_expect_str_eq(s.envs[0].key, "MY_C", "containerd keeps the key's case");
    cr_expect_str_eq(s.envs[0].value, "1");
    cr_expect_gt(s.creation_time_ns, 1700000000ULL * 1000000000ULL);
    cr_expect_str_eq(c.snapshotter, "overlayfs");
    cr_expect_str_eq(c.snapshot_key, "rt-ctd1");
    cr_expect_null(c.cri_kind);
    cadv_containerd_container_done(&c);
    cadv_spec_done(&s);
    free(msg);
}

Test(containerd, parse_real_task_and_mounts)
{
    uint32_t pid = 0, status = 0, ex = 9;
    char *dir = NULL;
    size_t n;
    uint8_t *msg = slurp("containerd-get-task.pb", &n);

    cr_assert_eq(cadv_containerd_parse_task(msg, n, &pid, &status, &ex), 0);
    cr_expect_eq(pid, 11166);
    cr_expect_eq(status, CADV_CONTAINERD_RUNNING);
    cr_expect_eq(ex, 0);
    free(msg);
    msg = slurp("containerd-mounts.pb", &n);
    cr_assert_eq(cadv_containerd_parse_mounts(msg, n, &dir), 0);
    cr_expect_str_eq(dir, "/tmp/cadvrt/ctd/root/io.containerd.snapshotter.v1.overlayfs/snapshots/2/fs");
    free(dir);
    /* truncated messages are rejected, never read past */
    cr_expect_eq(cadv_containerd_parse_mounts(msg, n - 3, &dir), -EBADMSG);
    free(msg);
}

/* Builds a GetContainerResponse by hand: the CRI labels and OCI spec annotations. */
static void build_cri_container(struct cadv_buf *out, const char *kind, bool with_pod_label)
{
    struct cadv_buf c, kv, any;
    static const char oci[] = "{\"process\":{\"env\":[\"PATH=/bin\",\"MY_X=y\"]},\"annotations\":{"
                              "\"io.kubernetes.cri.container-name\":\"web\","
                              "\"io.kubernetes.cri.sandbox-name\":\"web-1\","
                              "\"io.kubernetes.cri.sandbox-namespace\":\"default\"}}";

    cadv_buf_init(&c, 0);
    cadv_buf_init(&kv, 0);
    cadv_buf_init(&any, 0);
    cadv_pb_put_string(&c, 1, ID1);
    cadv_pb_put_string(&kv, 1, "io.cri-containerd.kind");
    cadv_pb_put_string(&kv, 2, kind);
    cadv_pb_put_bytes(&c, 2, kv.data, kv.len);
    if (with_pod_label) {
        cadv_buf_clear(&kv);
        cadv_pb_put_string(&kv, 1, "io.kubernetes.pod.name");
        cadv_pb_put_string(&kv, 2, "from-label");
        cadv_pb_put_bytes(&c, 2, kv.data, kv.len);
    }
    cadv_pb_put_string(&c, 3, "registry.k8s.io/pause:3.9");
    cadv_pb_put_string(&any, 1, "types.containerd.io/opencontainers/runtime-spec/1/Spec");
    cadv_pb_put_string(&any, 2, oci);
    cadv_pb_put_bytes(&c, 5, any.data, any.len);
    cadv_pb_put_bytes(out, 1, c.data, c.len);
    cadv_buf_done(&c);
    cadv_buf_done(&kv);
    cadv_buf_done(&any);
}

Test(containerd, cri_labels_and_annotations)
{
    static char *wl[] = {"MY_", NULL};
    struct cadv_containerd_container c = {0};
    struct cadv_buf m;
    struct cadv_spec s;

    cadv_buf_init(&m, 0);
    build_cri_container(&m, "container", false);
    cadv_spec_init(&s);
    cr_assert_eq(cadv_containerd_parse_container((const uint8_t *)m.data, m.len, wl, &s, &c), 0);
    cr_expect_str_eq(c.cri_kind, "container");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "io.kubernetes.container.name"), "web");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "io.kubernetes.pod.name"), "web-1");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "io.kubernetes.pod.namespace"), "default");
    cr_expect_str_eq(cadv_kv_get(s.envs, s.n_envs, "MY_X"), "y");
    cr_expect_null(cadv_kv_get(s.envs, s.n_envs, "PATH"));
    cr_expect_eq(s.creation_time_ns, 0);
    cadv_containerd_container_done(&c);
    cadv_spec_done(&s);
    /* a label the container has wins over the annotation */
    cadv_buf_clear(&m);
    build_cri_container(&m, "sandbox", true);
    cadv_spec_init(&s);
    cr_assert_eq(cadv_containerd_parse_container((const uint8_t *)m.data, m.len, wl, &s, &c), 0);
    cr_expect_str_eq(c.cri_kind, "sandbox");
    cr_expect_str_eq(cadv_kv_get(s.labels, s.n_labels, "io.kubernetes.pod.name"), "from-label");
    cadv_containerd_container_done(&c);
    cadv_spec_done(&s);
    cadv_buf_done(&m);
}

Test(containerd, protobuf_reader_bounds)
{
    static const uint8_t over_len[] = {0x0a, 0x05, 'a', 'b'}; /* length past the end */
    static const uint8_t long_varint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t group[] = {0x0b}; /* wire type 3 */
    static const uint8_t field0[] = {0x00, 0x01};
    static const uint8_t fixed[] = {0x0d, 1, 2, 3, 4, 0x11, 1, 2, 3, 4, 5, 6, 7, 8};
    struct cadv_pb_reader r;
    struct cadv_pb_field f;
    char s[4];

    cadv_pb_reader_init(&r, over_len, sizeof(over_len));
    cr_expect_eq(cadv_pb_next(&r, &f), -EBADMSG);
    cadv_pb_reader_init(&r, long_varint, sizeof(long_varint));
    cr_expect_eq(cadv_pb_next(&r, &f), -EBADMSG);
    cadv_pb_reader_init(&r, group, sizeof(group));
    cr_expect_eq(cadv_pb_next(&r, &f), -EBADMSG);
    cadv_pb_reader_init(&r, field0, sizeof(field0));
    cr_expect_eq(cadv_pb_next(&r, &f), -EBADMSG);
    cadv_pb_reader_init(&r, fixed, sizeof(fixed));
    cr_assert_eq(cadv_pb_next(&r, &f), 1);
    cr_expect_eq(f.u, 0x04030201u);
    cr_assert_eq(cadv_pb_next(&r, &f), 1);
    cr_expect_eq(f.u, 0x0807060504030201ULL);
    cr_expect_eq(cadv_pb_next(&r, &f), 0);
    f = (struct cadv_pb_field){.wire = CADV_PB_LEN, .p = (const uint8_t *)"abcdef", .len = 6};
    cr_expect_str_eq(cadv_pb_strcpy(&f, s, sizeof(s)), "abc");
    cr_expect_eq(cadv_containerd_parse_container(NULL, 0, NULL, NULL, NULL), -EBADMSG);
}

Test(containerd, claims_and_daemon_down)
{
    static struct cadv_config cfg;
    char id[CADV_RUNTIME_ID_MAX];
    struct cadv_spec s;
    void *st = NULL;
    int r;

    cfg.containerd = "/tmp/cadv-test-no-containerd.sock";
    cfg.containerd_namespace = "demo";
    cr_assert_eq(cadv_runtime_containerd.init(&cfg, &st), 0);
    cr_expect_eq(cadv_runtime_containerd.claims(st, "/demo/rt-ctd1", id, sizeof(id)), CADV_CLAIM_YES);
    cr_expect_str_eq(id, "rt-ctd1");
    cr_expect_eq(cadv_runtime_containerd.claims(st, "/moby/rt-ctd1", id, sizeof(id)), CADV_CLAIM_NO);
    cr_expect_eq(cadv_runtime_containerd.claims(st, "/kubepods.slice/x.slice/cri-containerd-" ID1 ".scope",
                                                id, sizeof(id)),
                 CADV_CLAIM_YES);
    cr_expect_str_eq(id, ID1);
    cr_expect_eq(cadv_runtime_containerd.claims(st, "/kubepods/besteffort/pod1/" ID1, id, sizeof(id)),
                 CADV_CLAIM_MAYBE);
    cr_expect_eq(cadv_runtime_containerd.claims(st, "/docker/" ID1, id, sizeof(id)), CADV_CLAIM_NO);
    cr_expect_eq(cadv_runtime_containerd.claims(st, "/demo/x.mount", id, sizeof(id)), CADV_CLAIM_NO);
    cadv_spec_init(&s);
    r = cadv_runtime_containerd.inspect_full(st, "/demo/rt-ctd1", "rt-ctd1", &s, NULL);
    cr_expect(r < 0 && r != -ENOENT, "r = %d", r);
    cr_expect_eq(cadv_runtime_containerd.inspect_full(st, "/demo/x", "a/b", &s, NULL), -EINVAL);
    cr_expect_null(s.id);
    cadv_spec_done(&s);
    cadv_runtime_containerd.done(st);
}
