/* SPDX-License-Identifier: Apache-2.0 */
/* runtime.h - container runtime plugins (docker, podman, containerd, crio, raw). A plugin claims a
 * cgroup by its name alone (cheap, no I/O) and later fills the identity part of the spec from its
 * runtime's API on the manager's metadata worker, never on the collection path.
 * Registry: cadv_runtimes[] (NULL-terminated), tried in order; raw is not in it (it takes the rest). */
#pragma once

#include <stdbool.h>

struct cadv_config;
struct cadv_spec;

enum cadv_claim {
    CADV_CLAIM_NO = 0,   /* not this runtime's: try the next */
    CADV_CLAIM_YES = 1,  /* this runtime's container */
    CADV_CLAIM_IGNORE = 2, /* this runtime's, but not a container (sandbox, conmon): not tracked */
};

struct cadv_runtime {
    const char *name; /* also the alias namespace: "docker", "podman", ... */
    /* Called once at start; *ret_state is passed to every other call. A runtime that is absent is not
     * an error: init succeeds and inspect fails until it appears. */
    int (*init)(const struct cadv_config *cfg, void **ret_state);
    /* Cheap, no I/O: is this cgroup name one of ours? Writes the runtime's container id on YES. */
    enum cadv_claim (*claims)(void *state, const char *cgroup_name, char *ret_id, unsigned id_size);
    /* Runs on the metadata worker: fills the identity part of *spec (id, aliases, namespace, image,
     * labels, envs, pid, health, start/creation times). Returns 0, -ENOENT (no such container: the
     * cgroup stays raw), or another negative errno (runtime down: retried later). */
    int (*inspect)(void *state, const char *cgroup_name, const char *id, struct cadv_spec *spec);
    void (*done)(void *state);
};

extern const struct cadv_runtime *const cadv_runtimes[];
