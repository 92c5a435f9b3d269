/* SPDX-License-Identifier: Apache-2.0 */
/* container.h - one tracked container: its record, reference counting, and the spec updates that the
 * collector and the metadata worker make. Each field group names the lock or thread that owns it; the
 * container accessors of manager.h are in container.c. Internal to src/manager/. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/sample.h"
#include "model/spec.h"
#include "runtime/runtime.h"

struct cadv_cgroup;
struct cadv_perf_counters;
struct cadv_procstats_cache;
struct cadv_ring;
struct cadv_summary;

/* Upper bounds on what input (the cgroup tree) can make the manager hold. */
#define CADV_MANAGER_MAX_CONTAINERS 65536
#define CADV_MANAGER_MAX_PIDS       65536 /* processes counted per container (process kind) */
#define CADV_RT_ID_MAX              CADV_RUNTIME_ID_MAX

struct cadv_container {
    atomic_uint refs;
    /* Immutable after creation. */
    char *name;
    size_t name_len;
    bool is_root;
    struct cadv_ring *ring; /* thread-safe on its own */

    atomic_bool alive;
    _Atomic uint64_t last_sample_ns; /* wall clock of the newest stored sample; 0 = none */
    _Atomic uint64_t spec_version;

    /* collect_lock: the cgroup handle (one user at a time) and the collection-path state. */
    pthread_mutex_t collect_lock;
    struct cadv_cgroup *cg;       /* NULL once the container was removed */
    uint64_t next_spec_mono;      /* when the limits are re-read next */
    uint64_t detail_due_mono;     /* tier.h: when the detail tier is read next (0: not yet read) */
    uint64_t spec_refresh_ns;     /* the delay after that re-read: doubles up to SPEC_REFRESH_NS */
    uint64_t last_error_log_mono; /* rate limit of read-error logs (once a minute) */
    bool logged_error;
    struct cadv_procstats_cache *procs; /* process kind: per-container socket cache */
    struct cadv_summary *summary;       /* derived stats (store/summary.h), made at the first sample */
    /* summary is set, for self-metrics that must not wait for collect_lock (a slow on-demand
     * collection holds it). */
    atomic_bool has_summary;
    /* OOM kills the cgroup's own counter shows beyond what the kernel log reported (oom.c). */
    bool oom_based;
    uint64_t oom_base, oom_kmsg_base, oom_synth, oom_deficit_since;
    struct cadv_fs_stats fs;         /* writable layer usage, published by the metadata worker */
    struct cadv_perf_counters *perf; /* perf_event kind with a config (collectors.h) */
    char *resctrl_dir;               /* resctrl kind: the container's monitoring group */
    uint64_t resctrl_next_mono;      /* when its tasks are written again (-resctrl_interval) */
    char *devices_list;              /* accelerator kind with NVML: its v1 devices.list path */
    bool has_fs;

    /* The runtime's root process: network figures come from its netns (0: none, as raw cgroups
     * but "/", whose root pid is 1), ulimits from it. Written by the metadata worker. */
    _Atomic uint64_t net_pid;
    _Atomic uint64_t root_pid;
    /* The runtime's health check status (enum cadv_health), copied into each sample as cAdvisor's
     * stats carry it. Written by the metadata worker. */
    _Atomic uint64_t health;

    /* spec_lock: the spec (identity from the runtime, limits from the cgroup), and what the runtime
     * said that a cgroup spec refresh must not overwrite. */
    pthread_mutex_t spec_lock;
    struct cadv_spec spec;
    uint64_t rt_creation_ns;          /* creation time from the runtime (wins over the cgroup's) */
    struct cadv_runtime_info rt_info; /* from inspect_full, for the collection path */

    /* Registry lock (registry.c): the runtime identity used by namespace and alias lookups. */
    char *ns;
    char **aliases;
    size_t n_aliases;

    /* Runtime claim: written at creation, then only by the metadata worker (metadata.c). -1 = raw. */
    int rt_index;
    char rt_id[CADV_RT_ID_MAX];
    bool fs_tracked; /* metadata worker: has an fsusage walk */

    /* Scheduler lock (scheduler.c). */
    size_t heap_idx; /* SIZE_MAX when not in the heap */
    /* Set by scheduler_poke: the next delay is the base interval again (dynamic backoff reset). */
    atomic_bool poked;
    uint64_t poke_mono; /* sched_lock: when a poke last moved it (at most one per base interval) */
    /* Collector thread only (scheduler.c). */
    bool poke_taken;      /* the scheduled collection in progress took a poke (read detail) */
    uint64_t repoke_mono; /* when a poke during a collection last made it collect again at once */
    uint64_t interval_ns;
    bool splayed; /* the first (initial-splay) delay was computed */
};

/* A new container (one reference) owning cg (may be NULL) and a new ring sized for storage_ns. */
struct cadv_container *container_new(const char *name, struct cadv_cgroup *cg, uint64_t storage_ns,
                                     uint64_t interval_ns);
/* Frees a runtime identity (namespace and aliases) taken out of a container. */
void container_identity_free(char *ns, char **aliases, size_t n_aliases);
/* Replaces the fields of c's spec that cadv_cgroup_read_spec writes with spec's (the runtime's
 * creation time, if any, wins); bumps the spec version on a change. Takes spec_lock. */
void container_set_limits(struct cadv_container *c, const struct cadv_spec *spec);
/* Applies what a runtime's inspect said to c's spec: identity, creation/start times, has_network
 * (from info if given, else spec), has_filesystem; bumps the spec version on a change. Takes over
 * info's strings (info is zeroed). Takes spec_lock; the caller updates the registry's alias index
 * (registry_set_identity). */
void container_set_identity(struct cadv_container *c, const struct cadv_spec *spec,
                            struct cadv_runtime_info *info);
