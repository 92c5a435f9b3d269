/* SPDX-License-Identifier: Apache-2.0 */
/* runtime.h - container runtime plugins (docker, podman, containerd, crio, raw). A plugin claims a
 * cgroup by its name alone (cheap, no I/O) and later fills the identity part of the spec from its
 * runtime's API on the manager's metadata worker, never on the collection path.
 * Registry: cadv_runtimes[] (NULL-terminated), tried in order; raw is not in it (it takes the rest).
 *
 * Claiming (cAdvisor's factories, docs/compatibility.md#container-names), done by name only:
 *  - YES: the name has a layout only this runtime makes (`docker-<id>.scope`, `/docker/<id>`,
 *    `libpod-<id>`, `crio-<id>.scope`, `cri-containerd-<id>.scope`, `/<containerd ns>/<id>`).
 *  - MAYBE: the basename is a bare 64-char id (Kubernetes' cgroupfs driver:
 *    `/kubepods/burstable/pod<uid>/<id>`, docker `--cgroup-parent`), a shape several runtimes make.
 *    The manager asks inspect() of every runtime that said MAYBE, in registry order, and the first
 *    that returns 0 owns the container; if all return -ENOENT it is raw. Where cAdvisor asks each
 *    runtime's API inside its claim, this keeps the claim free of I/O.
 *  - IGNORE: the runtime's, but not a container (CRI-O's systemd-driver sandboxes): not tracked.
 *  - NO: try the next plugin; raw takes what no plugin claims.
 * A runtime that is down makes inspect() fail with an error other than -ENOENT: the container is
 * collected as raw meanwhile and the manager retries later (with back-off), so it is named again
 * when the runtime is back. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct cadv_config;
struct cadv_spec;

/* Size of the buffer claims() writes the id into (ids are 64 chars; containerd allows 76). */
#define CADV_RUNTIME_ID_MAX 128

enum cadv_claim {
    CADV_CLAIM_NO = 0,     /* not this runtime's: try the next */
    CADV_CLAIM_YES = 1,    /* this runtime's container */
    CADV_CLAIM_IGNORE = 2, /* this runtime's, but not a container (sandbox, conmon): not tracked */
    CADV_CLAIM_MAYBE = 3,  /* a bare id several runtimes make: owned by the first inspect() that succeeds */
};

/* What the collection path needs beyond the spec, learnt by inspect_full(). Strings are owned;
 * free with cadv_runtime_info_done(). */
struct cadv_runtime_info {
    char *rootfs_dir;             /* writable layer (overlay upperdir) for fs usage; NULL: none */
    char *extra_dir;              /* also counted in usage (docker: containers/<id>; crio: log); NULL */
    bool collect_network;         /* read /proc/<pid>/net/ (docker: always; containerd: sandboxes only) */
    bool has_network;             /* the spec's has_network (docker: false in another's netns) */
    uint64_t refresh_interval_ns; /* 0: inspect once; else again this often (health check, pid unknown) */
    /* NVIDIA GPUs given to the container, as collect/nvml.h cadv_nvml_match_devices reads them:
     * "all", or comma-separated "/dev/nvidia<N>", NVML indices and UUIDs; "" none; NULL when the
     * runtime does not say (the v1 devices cgroup is read instead). */
    char *gpu_devices;
    /* The container's IP address (docker: NetworkSettings), NULL when it has none of its own. */
    char *ip_address;
};

/* What a runtime tells about itself that cAdvisor reports in its docker fields (docker's /version and
 * /info). Strings are owned, NULL when unknown; free with cadv_runtime_about_done(). */
struct cadv_runtime_about {
    char *docker_version;     /* Version: attributes docker_version, cadvisor_version_info */
    char *docker_api_version; /* ApiVersion: attributes docker_api_version */
    char *docker_root;        /* DockerRootDir: where the docker-images filesystem label goes */
};

struct cadv_runtime {
    const char *name; /* also the alias namespace: "docker", "podman", ... */
    /* Called once at start; *ret_state is passed to every other call. A runtime that is absent is not
     * an error: init succeeds and inspect fails until it appears. Does no blocking I/O. */
    int (*init)(const struct cadv_config *cfg, void **ret_state);
    /* Cheap, no I/O: is this cgroup name one of ours? Writes the runtime's container id on YES and
     * MAYBE (ret_id has id_size bytes, CADV_RUNTIME_ID_MAX is enough). */
    enum cadv_claim (*claims)(void *state, const char *cgroup_name, char *ret_id, unsigned id_size);
    /* Runs on the metadata worker: fills the identity part of *spec (id, aliases, namespace, image,
     * labels, envs, pid, health) and its creation_time_ns / start_time_ns, and, unless ret_info is
     * NULL, *ret_info (initialised by the caller with {0}; on success it owns what was written).
     * Returns 0, -ENOENT (no such container: the cgroup stays raw), or another negative errno
     * (runtime down, or the container not running yet: retried later). */
    int (*inspect_full)(void *state, const char *cgroup_name, const char *id, struct cadv_spec *spec,
                        struct cadv_runtime_info *ret_info);
    void (*done)(void *state);

    /* Optional hooks (NULL when a plugin lacks them); the manager checks before calling. */

    /* Blocking I/O (metadata worker): the exit code of a container that stopped, for the
     * containerDeletion event. Returns 0, -EBUSY if it is still running, or a negative errno
     * (the event then carries -1, as cAdvisor's does). */
    int (*exit_code)(void *state, const char *id, int *ret_code);
    /* Blocking I/O (metadata worker), called at start, periodically and when the runtime answers
     * again after an outage: fills *ret (zeroed by the caller; it owns what was written, also on
     * failure). Returns 0 or a negative errno (runtime down). */
    int (*about)(void *state, struct cadv_runtime_about *ret);
};

extern const struct cadv_runtime *const cadv_runtimes[];

/* Frees the strings of *info and zeroes it. */
void cadv_runtime_info_done(struct cadv_runtime_info *info);
/* Frees the strings of *a and zeroes it. */
void cadv_runtime_about_done(struct cadv_runtime_about *a);

/* What every plugin copies from its runtime's answer into the spec, with the same bounds. */
#define CADV_RT_MAX_LABELS 1024
#define CADV_RT_MAX_ENVS   4096
/* The string members of the JSON object labels (anything else: nothing) as spec labels, at most
 * CADV_RT_MAX_LABELS of them. */
void cadv_runtime_labels_from_json(json_t *labels, struct cadv_spec *spec);
/* True if a label may still be added to spec (fewer than CADV_RT_MAX_LABELS). */
bool cadv_runtime_label_room(const struct cadv_spec *spec);
/* The "K=V" strings of the JSON array env whose K starts with one of the non-empty prefixes of the
 * NULL-terminated whitelist wl (-docker_env_metadata_whitelist), as spec envs, at most
 * CADV_RT_MAX_ENVS of them; lower_keys lower-cases K (docker), otherwise K is kept as is. */
void cadv_runtime_envs_from_json(json_t *env, char *const *wl, bool lower_keys, struct cadv_spec *spec);
