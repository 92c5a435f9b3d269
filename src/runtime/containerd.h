/* SPDX-License-Identifier: Apache-2.0 */
/* containerd.h - the containerd runtime plugin: containers of the -containerd-namespace (default
 * k8s.io) named cri-containerd-<id>.scope (CRI, systemd driver), /<namespace>/<id> (ctr, nerdctl) or
 * a bare id (CRI, cgroupfs driver), described by containerd's gRPC API on -containerd
 * (/run/containerd/containerd.sock): containers.v1.Containers/Get, tasks.v1.Tasks/Get and
 * snapshots.v1.Snapshots/Mounts, over HTTP/2 with a hand-written protobuf codec. Namespace
 * "containerd"; aliases [id, cgroup name].
 *
 * The message parsers are exposed for tests and fuzzing; they take (msg, n) protobuf bytes. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime.h"

struct cadv_spec;

extern const struct cadv_runtime cadv_runtime_containerd;

/* What Containers.Get says beyond the spec's identity. Strings owned; free with
 * cadv_containerd_container_done. */
struct cadv_containerd_container {
    char *snapshotter;
    char *snapshot_key;
    char *cri_kind; /* label io.cri-containerd.kind ("sandbox", "container"); NULL if none */
};
void cadv_containerd_container_done(struct cadv_containerd_container *c);

/* Parses a GetContainerResponse into spec (id, labels, image, creation time, envs whitelisted by
 * prefix with their case kept, plus pod/container names from the CRI annotations of the OCI spec
 * when the labels lack them) and *ret. Returns 0 or -EBADMSG (spec/ret may then hold partial data
 * for the caller to free). */
int cadv_containerd_parse_container(const uint8_t *msg, size_t n, char *const *env_whitelist,
                                    struct cadv_spec *spec, struct cadv_containerd_container *ret);
/* Task status values of containerd.v1.types.Status. */
enum {
    CADV_CONTAINERD_UNKNOWN = 0,
    CADV_CONTAINERD_CREATED = 1,
    CADV_CONTAINERD_RUNNING = 2,
    CADV_CONTAINERD_STOPPED = 3,
    CADV_CONTAINERD_PAUSED = 4,
    CADV_CONTAINERD_PAUSING = 5,
};
/* Parses a tasks GetResponse: the process's pid, status and exit status. Returns 0 or -EBADMSG. */
int cadv_containerd_parse_task(const uint8_t *msg, size_t n, uint32_t *ret_pid, uint32_t *ret_status,
                               uint32_t *ret_exit);
/* Parses a snapshots MountsResponse into the writable directory of the snapshot: the upperdir=
 * option of an overlay mount, or the source of a bind mount. *ret is malloc'd (NULL when none).
 * Returns 0 or -EBADMSG. */
int cadv_containerd_parse_mounts(const uint8_t *msg, size_t n, char **ret);
