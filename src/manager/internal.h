/* SPDX-License-Identifier: Apache-2.0 */
/* internal.h - state shared by the files of the manager module (manager.c, registry.c,
 * scheduler.c, metadata.c, discovery.c); never included outside src/manager/. The locks and the
 * thread that owns each field are documented here and in manager.c's DESIGN comment. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manager/manager.h"
#include "model/sample.h"
#include "model/spec.h"
#include "runtime/runtime.h"

struct cadv_cgroup;
struct cadv_cgroup_root;
struct cadv_config;
struct cadv_discovery;
struct cadv_events;
struct cadv_fsusage;
struct cadv_perf_config;
struct cadv_perf_counters;
struct cadv_nvml;
struct cadv_procstats_cache;
struct cadv_hmap;
struct cadv_machine_info;
struct cadv_machinefs;
struct cadv_oom_watch;
struct cadv_ring;
struct cadv_summary;
struct cadv_runtime;
struct md_fs;
struct md_item;
struct recheck;

/* Upper bounds on what input (the cgroup tree) can make the manager hold. */
#define CADV_MANAGER_MAX_CONTAINERS 65536
#define CADV_MANAGER_MAX_PIDS       65536 /* processes counted per container (process kind) */
#define CADV_RT_ID_MAX              CADV_RUNTIME_ID_MAX

/* What one collection needs besides the container: a scratch sample (arrays at full capacity) and,
 * with the process kind, a pid buffer. One for the collector, pooled ones for on-demand callers. */
struct cadv_scratch {
    struct cadv_sample s;
    struct cadv_net_extra *net; /* s.net's storage, detached while a sample without it is stored */
    uint32_t *pids;
    size_t pids_cap;
};

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
    uint64_t spec_refresh_ns;     /* the delay after that re-read: doubles up to SPEC_REFRESH_NS */
    uint64_t last_error_log_mono; /* rate limit of read-error logs (once a minute) */
    bool logged_error;
    struct cadv_procstats_cache *procs; /* process kind: per-container socket cache */
    /* OOM kills the cgroup's own counter shows beyond what the kernel log reported (oom.c). */
    struct cadv_summary *summary; /* derived stats (store/summary.h), made at the first sample */
    /* summary is set, for self-metrics that must not wait for collect_lock (a slow on-demand
     * collection holds it). */
    atomic_bool has_summary;
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

    /* Registry lock (m->reg_lock): the runtime identity used by namespace and alias lookups. */
    char *ns;
    char **aliases;
    size_t n_aliases;

    /* Runtime claim: written at creation, then only by the metadata worker. -1 = raw. */
    int rt_index;
    char rt_id[CADV_RT_ID_MAX];
    bool fs_tracked; /* metadata worker: has an fsusage walk */

    /* Scheduler lock (m->sched_lock). */
    size_t heap_idx; /* SIZE_MAX when not in the heap */
    /* Set by cadv_sched_poke: the next delay is the base interval again (dynamic backoff reset). */
    atomic_bool poked;
    uint64_t poke_mono; /* sched_lock: when a poke last moved it (at most one per base interval) */
    /* Collector thread only. */
    uint64_t interval_ns;
    bool splayed; /* the first (initial-splay) delay was computed */
};

/* A heap entry: the due time sits next to the pointer, so sifting compares without chasing it. */
struct cadv_sched_ent {
    uint64_t due_mono;
    struct cadv_container *c;
};

struct cadv_manager {
    const struct cadv_config *cfg;
    uint32_t kinds;
    cadv_sample_hook sample_hook; /* set before start; called after each stored sample */
    void *sample_hook_arg;
    uint64_t base_interval_ns;
    uint64_t max_interval_ns;
    uint64_t global_interval_ns;
    uint64_t machine_interval_ns;
    struct cadv_cgroup_root *root;
    struct cadv_perf_config *perf_cfg; /* -perf_events_config, NULL when off (collectors.h) */
    int perf_fd_budget;                /* counter fds all containers may hold together */
    atomic_bool perf_full_logged;      /* the budget was spent (logged once) */
    bool resctrl_on;                   /* resctrl kind on and /sys/fs/resctrl monitors */
    struct cadv_nvml *nvml;            /* accelerator kind with NVML and a GPU, else NULL */
    int proc_fd; /* --proc_root, for process and network figures; -1 if it cannot be opened */
    /* The machine's filesystems: the root container's FsStats and /storage (machinefs.h). */
    struct cadv_machinefs *machinefs;
    struct cadv_container *root_container; /* reference held while the manager lives */

    /* Runtime plugins: the table, and the state of each (NULL when its init failed). */
    const struct cadv_runtime *const *runtimes;
    size_t n_runtimes;
    void **rt_states;
    bool *rt_ok;
    bool *rt_down_logged;     /* metadata worker only: "runtime down" was logged since its last answer */
    uint64_t *about_due_mono; /* metadata worker only: when each runtime's about() is asked next */
    /* Docker's version (runtime.h about), put into each machine info published; under mi_lock. */
    char *docker_version, *docker_api_version;
    bool runtimes_inited;

    /* Registry: containers sorted by name (strcmp), one reference each. */
    pthread_rwlock_t reg_lock;
    struct cadv_container **reg;
    size_t n_reg, cap_reg;
    bool reg_full_logged;

    /* Scheduler: min-heap by due_mono, one reference per entry. */
    pthread_mutex_t sched_lock;
    pthread_cond_t sched_cond; /* CLOCK_MONOTONIC */
    struct cadv_sched_ent *heap;
    size_t n_heap, cap_heap;
    bool sched_stop;
    bool collector_started;
    pthread_t collector;
    /* Collector thread only: reusable buffers, so a collection allocates nothing. */
    struct cadv_scratch *scratch;
    struct cadv_sample hk_newest, hk_prev;
    struct cadv_spec spec_scratch;
    uint64_t rng;

    /* Scratch samples for on-demand collections on caller threads. */
    pthread_mutex_t pool_lock;
    struct cadv_scratch **pool;
    size_t n_pool, cap_pool;

    /* Metadata worker queue (bounded). */
    pthread_mutex_t md_lock;
    pthread_cond_t md_cond; /* CLOCK_MONOTONIC */
    struct md_item *mdq;
    size_t n_mdq, cap_mdq;
    bool md_stop;
    bool md_started;
    pthread_t md_thread;
    /* Metadata worker only: filesystem usage walks of runtime containers' writable layers. */
    struct md_fs *fsq;
    size_t n_fsq, cap_fsq, fs_next;

    /* Watcher thread: discovery state is owned by the thread that runs discovery (start, then it). */
    struct cadv_discovery *disc;
    int wake_fd; /* eventfd: wakes the watcher (stop, recheck) */
    atomic_bool watcher_stop;
    /* Names whose container the collector found gone: the watcher re-checks their directories a
     * second later, so a wrong "gone" heals without waiting for the rescan. */
    pthread_mutex_t recheck_lock;
    struct recheck *recheck;
    size_t n_recheck, cap_recheck;
    bool watcher_started;
    pthread_t watcher;

    /* Names no runtime owns and raw does not accept, learnt by the metadata worker: not re-created
     * by rescans until their directory disappears or reappears. */
    pthread_mutex_t rej_lock;
    struct cadv_hmap *rejected;

    /* Events (events/store.h, thread-safe on its own) and the OOM watcher thread (oom.h). */
    struct cadv_events *events;
    struct cadv_oom_watch *oom;

    /* Machine info, swapped whole by the watcher. */
    pthread_mutex_t mi_lock;
    struct cadv_machine_info *mi;

    bool started;
    bool stopped;

    /* Self-metrics. */
    _Atomic uint64_t generation;
    _Atomic uint64_t collections_total;
    _Atomic uint64_t read_errors_total;
    _Atomic uint64_t cycle_last_ns;
    _Atomic uint64_t cycle_ns_total;
    _Atomic uint64_t cycles_total;
    _Atomic uint64_t added_total;
    _Atomic uint64_t removed_total;
    _Atomic uint64_t ondemand_total;
    _Atomic uint64_t md_dropped_total;
};

/* manager.c: the container life cycle, called by discovery, the collector and the metadata worker. */

/* Claims and, if accepted, creates and registers `name` (does I/O: call without locks). Returns 1 if
 * a container was created, 0 if not tracked (ignored, not accepted, already there, gone, full). */
int cadv_manager_add_container(struct cadv_manager *m, const char *name);
/* Unregisters c (if still registered), closes its cgroup and unschedules it. Idempotent. */
void cadv_manager_remove_container(struct cadv_manager *m, struct cadv_container *c);
/* Removes c and keeps its name out until its directory goes away or comes back (see rejected). */
void cadv_manager_reject_container(struct cadv_manager *m, struct cadv_container *c);
/* Forgets a rejection: name's directory disappeared or appeared. */
void cadv_manager_forget_rejected(struct cadv_manager *m, const char *name);
/* Re-opens c's cgroup handle (a hierarchy directory appeared after c was created). */
void cadv_manager_reopen_container(struct cadv_manager *m, struct cadv_container *c);
/* Re-reads the machine info and swaps it in. */
void cadv_manager_update_machine_info(struct cadv_manager *m);
/* True if the raw runtime tracks the unclaimed cgroup `name` under m's configuration. */
bool cadv_manager_raw_accepts(const struct cadv_manager *m, const char *name);
