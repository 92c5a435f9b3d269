/* SPDX-License-Identifier: Apache-2.0 */
/* manager.c - the manager's life cycle (new, start, stop, free), the container life cycle shared by
 * discovery, the collector and the metadata worker (lifecycle.h), machine info and self-metrics.
 *
 * DESIGN
 *
 * Parts, each owning its state and lock; none includes another's state. manager.c composes them
 * (internal.h) and hands each what it needs when it is made:
 *  - registry (registry.c): the sorted container array and every container's ns/aliases; the
 *    lookups of manager.h.
 *  - collector/scheduler (scheduler.c): the heap of due times, each container's heap_idx and poke
 *    time, the collector's buffers, and the collection of one container; collection counters.
 *  - on-demand pool (ondemand.c): scratch samples for cadv_manager_refresh on caller threads.
 *  - metadata worker (metadata.c): its queue, the runtime plugins (claims, inspect, about), the
 *    writable-layer usage walks.
 *  - discovery (discovery.c): names, watches and the re-check queue; the watcher thread.
 *  - OOM watcher (oom.c): kill counts from the kernel log.
 *  - collectors (collectors.c): perf and resctrl set-up, read-only once made.
 *  - manager.c itself: rejected names, the machine info and docker's versions, life-cycle counters.
 *  - container.c: one container's record; its fields are grouped by the lock or thread that owns
 *    them (container.h).
 * Every thread is started and stopped through worker.h.
 *
 * Threads (all started by cadv_manager_start, joined by cadv_manager_stop):
 *  - collector (scheduler.c): sleeps on the scheduler's cond until the first due time of a min-heap
 *    of containers (CLOCK_MONOTONIC), collects every container due by then (or within a small slack,
 *    so that one wake-up serves several containers) into one reusable scratch sample
 *    (cadv_cgroup_read_stats; network from the root process's netns; the process kind; the last
 *    writable-layer usage), stores it (cadv_ring_add), computes its next delay (cAdvisor's dynamic
 *    interval and jitter) and re-queues it. Re-reads a container's limits every 10 s.
 *  - watcher (discovery.c): poll()s the inotify fd and its eventfd; creates and removes containers
 *    as cgroup directories come and go; rescans every global_housekeeping_interval (and after an
 *    inotify overflow); re-checks the directories of containers a collection found gone;
 *    refreshes the machine info every update_machine_info_interval.
 *  - metadata worker (metadata.c): runtime plugins' inspect(), from a bounded queue with backoff;
 *    in between, bounded steps of the writable-layer usage walks (collect/fsusage.h) and, every
 *    housekeeping interval, the machine's filesystems (machinefs.h: statvfs, diskstats).
 *  - OOM watcher (oom.c): reads the kernel log.
 *  - caller threads (HTTP, exporters): lookups, copies of specs and samples, and on-demand
 *    collections (cadv_manager_refresh), which run on the caller's thread with a pooled scratch
 *    sample, serialised with the collector by the container's collect_lock.
 *
 * Locks. Lock order: c->collect_lock -> c->spec_lock -> nothing. Every other lock is a leaf: no
 * other lock is taken while it is held, and none is held across I/O other than the cgroup reads
 * under collect_lock.
 *  - c->collect_lock: c->cg and the collection state; held during one container's read. Under it
 *    the collection takes c->spec_lock (the limits re-read: scheduler.c refresh_spec, metadata.c
 *    refresh_limits, via container_set_limits) and these leaves of other modules: the ring's lock
 *    (cadv_ring_add), the machinefs lock (cadv_machinefs_fill, root samples), the OOM watch's lock
 *    (oom_watch_count), the event store's locks (oom_account's events), and the locks of the sample
 *    hook (the exporters' queues).
 *  - c->spec_lock: c->spec and the runtime's overrides. Taken alone (lookups, events, identity
 *    updates) or under collect_lock.
 *  - registry lock (rwlock): the sorted array and every container's ns/aliases.
 *  - scheduler lock (+ cond): the heap, each container's heap_idx and poke_mono. The collector
 *    drops it around each collection.
 *  - metadata lock (+ cond): the metadata queue. The worker drops it around each piece of work.
 *  - recheck_lock (discovery): the re-check queue.
 *  - on-demand pool lock: the scratch samples.
 *  - rejected.lock, info.lock (manager.c): the rejected names; the machine info pointer (the object
 *    itself is immutable and reference-counted) and docker's versions.
 *  - the OOM watch's lock (oom.c): the kill counts.
 *  - the machinefs lock (machinefs.c): the published filesystems.
 *
 * Invariants:
 *  - A container is alive while it is in the registry; removal clears `alive` first, then drops it
 *    from the registry, closes its cgroup (c->cg = NULL under collect_lock) and unschedules it. The
 *    collector re-queues a container only if it is alive, checked under the scheduler lock, so a
 *    removed container never comes back into the heap. Nobody reads a container whose cg is NULL.
 *  - References: the registry, the heap, the metadata queue and every caller hold one each; the
 *    last unref frees ring and spec. The cgroup is always closed before the manager frees the
 *    cgroup root, so handles may outlive the manager (they then only serve their copies).
 *  - "/" is created at start and lives until cadv_manager_free; with disable_root_cgroup_stats it is
 *    never scheduled. Discovery state (names, watches) belongs to the watcher thread once started.
 *  - The generation counter increments after every scheduler pass or on-demand refresh that stored
 *    at least one sample. */
#include "manager/manager.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "collect/cgroup_bpf.h"
#include "collect/machine.h"
#include "config.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "events/store.h"
#include "manager/appwire.h"
#include "manager/collectors.h"
#include "manager/container.h"
#include "manager/discovery.h"
#include "manager/hmap.h"
#include "manager/internal.h"
#include "manager/lifecycle.h"
#include "manager/machinefs.h"
#include "manager/metadata.h"
#include "manager/ondemand.h"
#include "manager/oom.h"
#include "manager/registry.h"
#include "manager/scheduler.h"
#include "model/machine.h"
#include "runtime/runtime.h"
#include "store/ring.h"
#include "store/summary.h"

/* fds the cgroup files leave free for everything else (HTTP connections, runtime sockets, inotify,
 * /proc reads, transient directory fds of discovery). */
#define FD_RESERVE 1024

static uint64_t positive_or(int64_t v, uint64_t dflt)
{
    return v > 0 ? (uint64_t)v : dflt;
}

/* The cgroup fd budget. Auto (0): raise the soft RLIMIT_NOFILE to the hard one and give the cgroups
 * all of it but a reserve: cgroup handles hold no directory fds, so the budget bounds every fd they
 * keep (past it, files are opened, read and closed on each read). */
static int fd_budget(const struct cadv_config *cfg)
{
    struct rlimit rl;
    uint64_t cur;

    if (cfg->fd_budget != 0)
        return cfg->fd_budget > 0 ? cfg->fd_budget : 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};

        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    cur = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : (uint64_t)rl.rlim_cur;
    cur -= cur >= 2 * (uint64_t)FD_RESERVE ? FD_RESERVE : cur / 2; /* a small limit is shared half and half */
    return cur > INT_MAX ? INT_MAX : (int)cur;
}

/* Machine info with its filesystems from the machine's filesystem inventory (machinefs.h): a refresh
 * does no statvfs of its own, so a hung mount cannot stall it. */
static int read_machine_info(struct cadv_manager *m, struct cadv_machine_info **ret)
{
    const struct cadv_config *cfg = m->cfg;
    const struct cadv_machine_roots roots = {
            .proc_root = cfg->proc_root,
            .sys_root = cfg->sys_root,
            .rootfs = cfg->rootfs,
            .machine_id_files = cfg->machine_id_file,
            .boot_id_files = cfg->boot_id_file,
    };

    return cadv_machinefs_machine_info_read(m->machinefs, &roots, ret);
}

static int events_new(const struct cadv_config *cfg, struct cadv_events **ret)
{
    struct cadv_event_limits lim;
    struct cadv_buf err;
    int r;

    cadv_buf_init(&err, 1024);
    r = cadv_event_limits_parse(cfg->event_storage_age_limit, cfg->event_storage_event_limit, &lim, &err);
    if (r < 0)
        cadv_log(CADV_LOG_ERROR, "%s", err.data ? err.data : "invalid event storage limits");
    else
        *ret = cadv_events_new(&lim);
    cadv_buf_done(&err);
    return r;
}

int cadv_manager_new(const struct cadv_config *cfg, struct cadv_manager **ret)
{
    struct cadv_manager *m = cadv_xcalloc(1, sizeof(*m));
    const char *cgroup_root = cfg->cgroup_root ? cfg->cgroup_root : "/sys/fs/cgroup";
    int r, fds;

    m->cfg = cfg;
    m->kinds = cfg->metric_kinds;
    m->base_interval_ns = positive_or(cfg->housekeeping_interval_ns, CADV_NS_PER_SEC);
    m->max_interval_ns = positive_or(cfg->max_housekeeping_interval_ns, 60 * CADV_NS_PER_SEC);
    if (m->max_interval_ns < m->base_interval_ns)
        m->max_interval_ns = m->base_interval_ns;
    m->global_interval_ns = positive_or(cfg->global_housekeeping_interval_ns, 60 * CADV_NS_PER_SEC);
    m->machine_interval_ns = positive_or(cfg->update_machine_info_interval_ns, 300 * CADV_NS_PER_SEC);
    pthread_mutex_init(&m->info.lock, NULL);
    pthread_mutex_init(&m->rejected.lock, NULL);
    m->rejected.names = cadv_hmap_new(NULL);
    m->registry = registry_new();
    m->runtimes = cadv_runtimes;
    m->proc_fd = open(cfg->proc_root ? cfg->proc_root : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m->proc_fd < 0)
        cadv_log_errno(CADV_LOG_WARNING, -errno, "Cannot open proc root '%s': no network or process figures",
                       cfg->proc_root ? cfg->proc_root : "/proc");
    m->machinefs = cadv_machinefs_new(cfg, m->proc_fd, m->kinds, m->base_interval_ns, m->machine_interval_ns);
    r = events_new(cfg, &m->events);
    if (r < 0)
        goto fail;
    fds = fd_budget(cfg);
    r = cadv_collectors_init(&m->collectors, cfg, m->kinds, fds); /* a share of the fds for perf events */
    if (r < 0)
        goto fail;
    cadv_appwire_init(m);
    r = cadv_cgroup_root_open(cgroup_root, cfg->proc_root, m->kinds, fds - m->collectors.perf_fd_budget,
                              &m->root);
    if (r < 0) {
        cadv_log_errno(CADV_LOG_ERROR, r, "Cannot use cgroup root '%s'", cgroup_root);
        goto fail;
    }
    (void)cadv_cgroup_bpf_start(m->root, cfg->collector, m->base_interval_ns);
    r = read_machine_info(m, &m->info.mi);
    if (r < 0) {
        cadv_log_errno(CADV_LOG_ERROR, r, "Reading the machine info failed");
        goto fail;
    }
    m->sched = scheduler_new(&(struct scheduler_deps){
            .cfg = cfg,
            .kinds = m->kinds,
            .base_interval_ns = m->base_interval_ns,
            .max_interval_ns = m->max_interval_ns,
            .proc_fd = m->proc_fd,
            .machinefs = m->machinefs,
            .collectors = &m->collectors,
            .events = m->events,
            .m = m,
    });
    m->ondemand = ondemand_new(m->sched, cfg->disable_root_cgroup_stats);
    m->md = metadata_new(&(struct metadata_deps){
            .cfg = cfg,
            .kinds = m->kinds,
            .machinefs = m->machinefs,
            .registry = m->registry,
            .m = m,
    });
    *ret = m;
    return 0;
fail:
    cadv_manager_free(m);
    return r;
}

void cadv_manager_set_runtimes(struct cadv_manager *m, const struct cadv_runtime *const *runtimes)
{
    if (!m->started)
        m->runtimes = runtimes;
}

void cadv_manager_set_sample_hook(struct cadv_manager *m, cadv_sample_hook fn, void *arg)
{
    if (!m->started) {
        m->sample_hook = fn;
        m->sample_hook_arg = arg;
    }
}

struct registry *manager_registry(struct cadv_manager *m)
{
    return m->registry;
}

struct ondemand *manager_ondemand(struct cadv_manager *m)
{
    return m->ondemand;
}

/* Opens name's cgroup and builds the container (not registered). */
static int container_build(struct cadv_manager *m, const char *name, struct cadv_container **ret)
{
    struct cadv_container *c;
    struct cadv_cgroup *cg;
    int r;

    r = cadv_cgroup_open(m->root, name, &cg);
    if (r < 0)
        return r;
    c = container_new(name, cg, positive_or(m->cfg->storage_duration_ns, 120 * CADV_NS_PER_SEC),
                      m->base_interval_ns);
    /* Not shared yet: no lock needed. A cgroup that cannot be read leaves the limits empty. */
    (void)cadv_cgroup_read_spec(cg, &c->spec);
    /* A runtime writes a new container's limits just after creating its cgroup: re-read them after
     * 1 s, then at growing intervals up to the steady 10 s (scheduler.c refresh_spec). */
    c->next_spec_mono = cadv_mono_ns() + CADV_NS_PER_SEC;
    c->spec_refresh_ns = 2 * CADV_NS_PER_SEC;
    cadv_collectors_attach(&m->collectors, c);
    *ret = c;
    return 0;
}

/* cAdvisor's creation event carries the container's creation time, its deletion event the time of
 * removal. */
static void emit(struct cadv_manager *m, struct cadv_container *c, enum cadv_event_type t)
{
    struct cadv_event ev = {.type = t, .container_name = c->name, .timestamp_ns = cadv_now_ns()};

    if (t == CADV_EVENT_CREATION) {
        pthread_mutex_lock(&c->spec_lock);
        if (c->spec.creation_time_ns)
            ev.timestamp_ns = c->spec.creation_time_ns;
        pthread_mutex_unlock(&c->spec_lock);
    }
    cadv_events_add(m->events, &ev);
}

/* Registers and schedules a built container; takes over the caller's reference. */
static int container_register(struct cadv_manager *m, struct cadv_container *c)
{
    int r = registry_insert(m->registry, c);

    if (r < 0) {
        cadv_container_unref(c);
        return r;
    }
    atomic_fetch_add(&m->added_total, 1);
    emit(m, c, CADV_EVENT_CREATION);
    if (!(c->is_root && m->cfg->disable_root_cgroup_stats))
        scheduler_add(m->sched, c);
    if (c->rt_index >= 0)
        metadata_enqueue(m->md, c);
    cadv_log(CADV_LOG_DEBUG, "Added container '%s'", c->name);
    cadv_container_unref(c);
    return 0;
}

static bool is_rejected(struct cadv_manager *m, const char *name)
{
    bool r;

    pthread_mutex_lock(&m->rejected.lock);
    r = cadv_hmap_get(m->rejected.names, name, strlen(name)) != NULL;
    pthread_mutex_unlock(&m->rejected.lock);
    return r;
}

void manager_forget_rejected(struct cadv_manager *m, const char *name)
{
    pthread_mutex_lock(&m->rejected.lock);
    if (cadv_hmap_count(m->rejected.names) > 0)
        (void)cadv_hmap_del(m->rejected.names, name, strlen(name));
    pthread_mutex_unlock(&m->rejected.lock);
}

void manager_reject_container(struct cadv_manager *m, struct cadv_container *c)
{
    pthread_mutex_lock(&m->rejected.lock);
    /* Bounded like the registry; beyond it, rescans merely re-try these names. */
    if (cadv_hmap_count(m->rejected.names) < CADV_MANAGER_MAX_CONTAINERS)
        cadv_hmap_put(m->rejected.names, c->name, c->name_len, m);
    pthread_mutex_unlock(&m->rejected.lock);
    manager_remove_container(m, c);
}

int manager_add_container(struct cadv_manager *m, const char *name)
{
    char id[CADV_RT_ID_MAX] = "";
    struct cadv_container *c;
    int rt, r;

    if (is_rejected(m, name))
        return 0;
    rt = metadata_claim(m->md, name, id);
    if (rt < -1)
        return 0;
    r = container_build(m, name, &c);
    if (r < 0) {
        cadv_log_errno(CADV_LOG_DEBUG, r, "Opening cgroup '%s' failed, skipping", name);
        return 0;
    }
    c->rt_index = rt;
    memcpy(c->rt_id, id, sizeof(id));
    return container_register(m, c) == 0 ? 1 : 0;
}

void manager_remove_container(struct cadv_manager *m, struct cadv_container *c)
{
    struct cadv_cgroup *cg;
    bool removed;

    if (c->is_root)
        return; /* lives until cadv_manager_free */
    atomic_store(&c->alive, false);
    removed = registry_remove(m->registry, c);
    cadv_appwire_remove(m, c);
    pthread_mutex_lock(&c->collect_lock);
    cg = c->cg;
    c->cg = NULL;
    pthread_mutex_unlock(&c->collect_lock);
    cadv_cgroup_close(cg);
    scheduler_remove(m->sched, c);
    if (removed) {
        atomic_fetch_add(&m->removed_total, 1);
        emit(m, c, CADV_EVENT_DELETION);
        cadv_log(CADV_LOG_DEBUG, "Removed container '%s'", c->name);
    }
}

void manager_container_gone(struct cadv_manager *m, struct cadv_container *c)
{
    manager_remove_container(m, c);
    if (m->disc)
        discovery_recheck(m->disc, c->name);
}

void manager_reopen_container(struct cadv_manager *m, struct cadv_container *c)
{
    struct cadv_cgroup *cg;

    if (cadv_cgroup_open(m->root, c->name, &cg) < 0)
        return;
    pthread_mutex_lock(&c->collect_lock);
    if (c->cg) {
        struct cadv_cgroup *old = c->cg;

        c->cg = cg;
        cg = old;
        c->next_spec_mono = 0; /* the new hierarchies may carry limits */
    }
    pthread_mutex_unlock(&c->collect_lock);
    cadv_cgroup_close(cg);
}

/* "/": collected like any raw cgroup; as cAdvisor's raw handler, it has the machine's filesystems
 * and, if the machine has any network device, network. */
static int create_root(struct cadv_manager *m)
{
    struct cadv_container *c;
    int r = container_build(m, "/", &c);

    if (r < 0)
        return cadv_log_errno(CADV_LOG_ERROR, r, "Opening the root cgroup failed");
    c->spec.has_filesystem = true;
    atomic_store(&c->net_pid, 1); /* the host's network namespace */
    atomic_store(&c->root_pid, 1);
    pthread_mutex_lock(&m->info.lock);
    c->spec.has_network = m->info.mi->n_netdevs > 0;
    pthread_mutex_unlock(&m->info.lock);
    m->root_container = cadv_container_ref(c);
    r = container_register(m, c);
    if (r < 0)
        m->root_container = cadv_container_unref(m->root_container);
    return r;
}

int cadv_manager_start(struct cadv_manager *m)
{
    int r;

    if (m->started)
        return -EALREADY;
    m->started = true;
    metadata_runtimes_init(m->md, m->runtimes);
    r = create_root(m);
    if (r < 0)
        return r;
    cadv_machinefs_update(m->machinefs, cadv_mono_ns()); /* the first root sample has them */
    r = discovery_new(m, m->root, m->sched, m->global_interval_ns, m->machine_interval_ns, &m->disc);
    if (r < 0)
        return r;
    discovery_scan(m->disc);
    /* The collector reads the OOM watch (oom_account): it starts before the collector and stops after. */
    r = oom_watch_start(m->cfg->kmsg_path, m->events, &m->oom);
    if (r >= 0)
        r = scheduler_start(m->sched, m->oom, m->sample_hook, m->sample_hook_arg);
    if (r >= 0)
        r = metadata_start(m->md);
    if (r >= 0)
        r = discovery_start(m->disc);
    if (r < 0) {
        cadv_log_errno(CADV_LOG_ERROR, r, "Starting the manager's threads failed");
        cadv_manager_stop(m);
        return r;
    }
    cadv_log(CADV_LOG_INFO, "Manager started: %zu containers", registry_count(m->registry));
    return 0;
}

void cadv_manager_stop(struct cadv_manager *m)
{
    if (!m || !m->started || m->stopped)
        return;
    m->stopped = true;
    /* The watcher and the worker create and remove containers: stop them before the collector. */
    discovery_stop(m->disc);
    metadata_stop(m->md);
    scheduler_stop(m->sched);
    m->oom = oom_watch_stop(m->oom);
}

struct cadv_manager *cadv_manager_free(struct cadv_manager *m)
{
    struct cadv_container **all;
    size_t n;

    if (!m)
        return NULL;
    cadv_manager_stop(m);
    cadv_appwire_done(m); /* after the metadata worker, which declares containers to it */
    registry_take_all(m->registry, &all, &n);
    for (size_t i = 0; i < n; i++) {
        atomic_store(&all[i]->alive, false);
        pthread_mutex_lock(&all[i]->collect_lock);
        all[i]->cg = cadv_cgroup_close(all[i]->cg);
        pthread_mutex_unlock(&all[i]->collect_lock);
    }
    cadv_containers_unref(all, n);
    m->root_container = cadv_container_unref(m->root_container);
    m->ondemand = ondemand_free(m->ondemand);
    m->sched = scheduler_free(m->sched);
    m->md = metadata_free(m->md);
    m->disc = discovery_free(m->disc);
    m->registry = registry_free(m->registry);
    cadv_cgroup_bpf_stop(m->root);
    m->root = cadv_cgroup_root_free(m->root);
    cadv_collectors_done(&m->collectors);
    m->info.mi = cadv_machine_info_unref(m->info.mi);
    m->machinefs = cadv_machinefs_free(m->machinefs);
    if (m->proc_fd >= 0)
        close(m->proc_fd);
    cadv_hmap_free(m->rejected.names);
    m->events = cadv_events_free(m->events);
    pthread_mutex_destroy(&m->rejected.lock);
    pthread_mutex_destroy(&m->info.lock);
    free(m->info.docker_version);
    free(m->info.docker_api_version);
    free(m);
    return NULL;
}

void manager_update_machine_info(struct cadv_manager *m)
{
    struct cadv_machine_info *mi, *old;
    int r = read_machine_info(m, &mi);

    if (r < 0) {
        cadv_log_errno(CADV_LOG_WARNING, r, "Refreshing the machine info failed, keeping the old one");
        return;
    }
    pthread_mutex_lock(&m->info.lock);
    if (m->info.docker_version)
        mi->docker_version = cadv_xstrdup(m->info.docker_version);
    if (m->info.docker_api_version)
        mi->docker_api_version = cadv_xstrdup(m->info.docker_api_version);
    old = m->info.mi;
    m->info.mi = mi;
    pthread_mutex_unlock(&m->info.lock);
    cadv_machine_info_unref(old);
}

/* Replaces *dst with a copy of src when they differ. Returns true if it did. */
static bool swap_str(char **dst, const char *src)
{
    if (!src || (*dst && strcmp(*dst, src) == 0))
        return false;
    free(*dst);
    *dst = cadv_xstrdup(src);
    return true;
}

void manager_set_docker_versions(struct cadv_manager *m, const char *version, const char *api_version)
{
    bool changed;

    pthread_mutex_lock(&m->info.lock);
    changed = swap_str(&m->info.docker_version, version);
    changed = swap_str(&m->info.docker_api_version, api_version) || changed;
    pthread_mutex_unlock(&m->info.lock);
    if (!changed)
        return;
    cadv_log(CADV_LOG_INFO, "Docker version '%s' (API '%s')", version ? version : "",
             api_version ? api_version : "");
    manager_update_machine_info(m); /* publishes the versions */
}

struct cadv_machine_info *cadv_manager_machine_info(struct cadv_manager *m)
{
    struct cadv_machine_info *mi;

    pthread_mutex_lock(&m->info.lock);
    mi = cadv_machine_info_ref(m->info.mi);
    pthread_mutex_unlock(&m->info.lock);
    return mi;
}

uint64_t cadv_manager_generation(struct cadv_manager *m)
{
    return scheduler_generation(m->sched);
}

const struct cadv_config *cadv_manager_config(struct cadv_manager *m)
{
    return m->cfg;
}

void cadv_manager_get_stats(struct cadv_manager *m, struct cadv_manager_stats *ret)
{
    struct cadv_manager_stats s = {0};
    struct cadv_container **all;
    size_t n;
    int fds;

    (void)cadv_manager_list(m, "/", true, &all, &n);
    s.containers = n;
    for (size_t i = 0; i < n; i++) {
        s.history_bytes += cadv_ring_bytes(all[i]->ring);
        if (atomic_load_explicit(&all[i]->has_summary, memory_order_relaxed)) /* no collect_lock: see there */
            s.summary_bytes += cadv_summary_bytes(NULL);
    }
    cadv_containers_unref(all, n);
    scheduler_get_stats(m->sched, &s);
    fds = cadv_cgroup_root_fds_held(m->root);
    s.fds_held = fds > 0 ? (uint64_t)fds : 0;
    s.containers_added_total = atomic_load(&m->added_total);
    s.containers_removed_total = atomic_load(&m->removed_total);
    s.events_stored = cadv_events_count(m->events);
    s.events_dropped_total = cadv_events_dropped_total(m->events);
    s.bpf_path = cadv_cgroup_bpf_path(m->root);
    if (s.bpf_path) {
        uint64_t ns[CADV_BPF_N_H], locked;

        cadv_cgroup_bpf_pass_ns(ns, &locked);
        for (int h = 0; h < CADV_BPF_N_H; h++)
            s.bpf_pass_ns += ns[h];
    }
    *ret = s;
}

struct cadv_events *cadv_manager_events(struct cadv_manager *m)
{
    return m->events;
}
