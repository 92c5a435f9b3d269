/* SPDX-License-Identifier: Apache-2.0 */
/* manager.c - the manager's life cycle (new, start, stop, free), the container life cycle shared by
 * discovery, the collector and the metadata worker, machine info and self-metrics.
 *
 * DESIGN
 *
 * Threads (all started by cadv_manager_start, joined by cadv_manager_stop):
 *  - collector (scheduler.c): sleeps on sched_cond until the first due time of a min-heap of
 *    containers (CLOCK_MONOTONIC), collects every container due by then (or within a small slack,
 *    so that one wake-up serves several containers) into one reusable scratch sample
 *    (cadv_cgroup_read_stats; network from the root process's netns; the process kind; the last
 *    writable-layer usage), stores it (cadv_ring_add), computes its next delay (cAdvisor's dynamic
 *    interval and jitter) and re-queues it. Re-reads a container's limits every 10 s.
 *  - watcher (discovery.c): poll()s the inotify fd and m->wake_fd; creates and removes containers
 *    as cgroup directories come and go; rescans every global_housekeeping_interval (and after an
 *    inotify overflow); re-checks the directories of containers the collector found gone;
 *    refreshes the machine info every update_machine_info_interval.
 *  - metadata worker (metadata.c): runtime plugins' inspect(), from a bounded queue with backoff;
 *    in between, bounded steps of the writable-layer usage walks (collect/fsusage.h) and, every
 *    housekeeping interval, the machine's filesystems (machinefs.h: statvfs, diskstats).
 *  - caller threads (HTTP, exporters): lookups, copies of specs and samples, and on-demand
 *    collections (cadv_manager_refresh), which run on the caller's thread with a pooled scratch
 *    sample, serialised with the collector by the container's collect_lock.
 *
 * Locks (none is held across I/O other than the cgroup reads under collect_lock, and none is taken
 * while another is held, except the rings' own locks, which are leaves):
 *  - reg_lock (rwlock): the sorted registry array and every container's ns/aliases.
 *  - sched_lock (mutex + cond): the heap (due times), each container's heap_idx, sched_stop.
 *  - md_lock (mutex + cond): the metadata queue.
 *  - c->collect_lock: c->cg and the collection state; held during one container's read.
 *  - c->spec_lock: c->spec and the runtime's overrides.
 *  - mi_lock: the machine info pointer (the object itself is immutable and reference-counted).
 *  - pool_lock: on-demand scratch samples.
 *  - the machinefs lock (machinefs.c): the published filesystems; a leaf, taken under collect_lock
 *    by the collector to copy them into root samples.
 *
 * Invariants:
 *  - A container is alive while it is in the registry; removal clears `alive` first, then drops it
 *    from the registry, closes its cgroup (c->cg = NULL under collect_lock) and unschedules it. The
 *    collector re-queues a container only if it is alive, checked under sched_lock, so a removed
 *    container never comes back into the heap. Nobody reads a container whose cg is NULL.
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
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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
#include "manager/collectors.h"
#include "manager/discovery.h"
#include "manager/hmap.h"
#include "manager/internal.h"
#include "manager/machinefs.h"
#include "manager/metadata.h"
#include "manager/oom.h"
#include "manager/registry.h"
#include "manager/scheduler.h"
#include "model/machine.h"
#include "runtime/raw.h"
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

static int read_machine_info(const struct cadv_config *cfg, struct cadv_machine_info **ret)
{
    const struct cadv_machine_roots roots = {
            .proc_root = cfg->proc_root,
            .sys_root = cfg->sys_root,
            .rootfs = cfg->rootfs,
            .machine_id_files = cfg->machine_id_file,
            .boot_id_files = cfg->boot_id_file,
    };

    return cadv_machine_info_read(&roots, ret);
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
    pthread_rwlock_init(&m->reg_lock, NULL);
    pthread_mutex_init(&m->mi_lock, NULL);
    pthread_mutex_init(&m->rej_lock, NULL);
    m->rejected = cadv_hmap_new(NULL);
    r = events_new(cfg, &m->events);
    if (r < 0)
        goto fail;
    cadv_sched_init(m);
    cadv_metadata_init(m);
    m->runtimes = cadv_runtimes;
    m->proc_fd = open(cfg->proc_root ? cfg->proc_root : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m->proc_fd < 0)
        cadv_log_errno(CADV_LOG_WARNING, -errno, "Cannot open proc root '%s': no network or process figures",
                       cfg->proc_root ? cfg->proc_root : "/proc");
    m->machinefs = cadv_machinefs_new(cfg, m->proc_fd, m->kinds, m->base_interval_ns, m->machine_interval_ns);
    pthread_mutex_init(&m->recheck_lock, NULL);
    m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m->wake_fd < 0) {
        r = cadv_log_errno(CADV_LOG_ERROR, -errno, "Creating an eventfd failed");
        goto fail;
    }
    fds = fd_budget(cfg);
    r = cadv_collectors_init(m, fds); /* takes a share of the fds when counting perf events */
    if (r < 0)
        goto fail;
    r = cadv_cgroup_root_open(cgroup_root, cfg->proc_root, m->kinds, fds - m->perf_fd_budget, &m->root);
    if (r < 0) {
        cadv_log_errno(CADV_LOG_ERROR, r, "Cannot use cgroup root '%s'", cgroup_root);
        goto fail;
    }
    (void)cadv_cgroup_bpf_start(m->root, cfg->collector, m->base_interval_ns);
    r = read_machine_info(cfg, &m->mi);
    if (r < 0) {
        cadv_log_errno(CADV_LOG_ERROR, r, "Reading the machine info failed");
        goto fail;
    }
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

static void runtimes_init(struct cadv_manager *m)
{
    while (m->runtimes[m->n_runtimes])
        m->n_runtimes++;
    m->rt_states = cadv_xcalloc(m->n_runtimes + 1, sizeof(*m->rt_states));
    m->rt_ok = cadv_xcalloc(m->n_runtimes + 1, sizeof(*m->rt_ok));
    m->rt_down_logged = cadv_xcalloc(m->n_runtimes + 1, sizeof(*m->rt_down_logged));
    m->about_due_mono = cadv_xcalloc(m->n_runtimes + 1, sizeof(*m->about_due_mono));
    for (size_t i = 0; i < m->n_runtimes; i++) {
        const struct cadv_runtime *rt = m->runtimes[i];
        int r = rt->init ? rt->init(m->cfg, &m->rt_states[i]) : 0;

        if (r < 0)
            cadv_log_errno(CADV_LOG_WARNING, r, "Runtime %s unavailable, its containers are raw", rt->name);
        m->rt_ok[i] = r >= 0 && rt->claims;
    }
    m->runtimes_inited = true;
}

static void runtimes_done(struct cadv_manager *m)
{
    if (!m->runtimes_inited)
        return;
    for (size_t i = 0; i < m->n_runtimes; i++)
        if (m->rt_ok[i] && m->runtimes[i]->done)
            m->runtimes[i]->done(m->rt_states[i]);
    free(m->rt_states);
    free(m->rt_ok);
    free(m->rt_down_logged);
    free(m->about_due_mono);
}

bool cadv_manager_raw_accepts(const struct cadv_manager *m, const char *name)
{
    return cadv_raw_accepts(m->cfg->docker_only, m->cfg->raw_cgroup_prefix_whitelist, name);
}

/* Which runtime owns name: its index (id written), -1 for raw, -2 if not tracked. */
static int claim(struct cadv_manager *m, const char *name, char *id)
{
    for (size_t i = 0; i < m->n_runtimes; i++) {
        enum cadv_claim c;

        if (!m->rt_ok[i])
            continue;
        c = m->runtimes[i]->claims(m->rt_states[i], name, id, CADV_RT_ID_MAX);
        if (c == CADV_CLAIM_IGNORE)
            return -2;
        if (c == CADV_CLAIM_YES || c == CADV_CLAIM_MAYBE)
            return (int)i; /* later MAYBE owners are tried by the metadata worker on -ENOENT */
    }
    return cadv_manager_raw_accepts(m, name) ? -1 : -2;
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
    c = cadv_registry_container_new(name, cg, positive_or(m->cfg->storage_duration_ns, 120 * CADV_NS_PER_SEC),
                                    m->base_interval_ns);
    /* Not shared yet: no lock needed. A cgroup that cannot be read leaves the limits empty. */
    (void)cadv_cgroup_read_spec(cg, &c->spec);
    /* A runtime writes a new container's limits just after creating its cgroup: re-read them after
     * 1 s, then at growing intervals up to the steady 10 s (scheduler.c refresh_spec). */
    c->next_spec_mono = cadv_mono_ns() + CADV_NS_PER_SEC;
    c->spec_refresh_ns = 2 * CADV_NS_PER_SEC;
    cadv_collectors_attach(m, c);
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
    int r = cadv_registry_insert(m, c);

    if (r == -ENOSPC && !m->reg_full_logged) {
        cadv_log(CADV_LOG_WARNING, "More than %d containers, '%s' and later ones are not tracked",
                 CADV_MANAGER_MAX_CONTAINERS, c->name);
        m->reg_full_logged = true;
    }
    if (r < 0) {
        cadv_container_unref(c);
        return r;
    }
    atomic_fetch_add(&m->added_total, 1);
    emit(m, c, CADV_EVENT_CREATION);
    if (!(c->is_root && m->cfg->disable_root_cgroup_stats))
        cadv_sched_add(m, c);
    if (c->rt_index >= 0)
        cadv_metadata_enqueue(m, c);
    cadv_log(CADV_LOG_DEBUG, "Added container '%s'", c->name);
    cadv_container_unref(c);
    return 0;
}

static bool is_rejected(struct cadv_manager *m, const char *name)
{
    bool r;

    pthread_mutex_lock(&m->rej_lock);
    r = cadv_hmap_get(m->rejected, name, strlen(name)) != NULL;
    pthread_mutex_unlock(&m->rej_lock);
    return r;
}

void cadv_manager_forget_rejected(struct cadv_manager *m, const char *name)
{
    pthread_mutex_lock(&m->rej_lock);
    if (cadv_hmap_count(m->rejected) > 0)
        (void)cadv_hmap_del(m->rejected, name, strlen(name));
    pthread_mutex_unlock(&m->rej_lock);
}

void cadv_manager_reject_container(struct cadv_manager *m, struct cadv_container *c)
{
    pthread_mutex_lock(&m->rej_lock);
    /* Bounded like the registry; beyond it, rescans merely re-try these names. */
    if (cadv_hmap_count(m->rejected) < CADV_MANAGER_MAX_CONTAINERS)
        cadv_hmap_put(m->rejected, c->name, c->name_len, m);
    pthread_mutex_unlock(&m->rej_lock);
    cadv_manager_remove_container(m, c);
}

int cadv_manager_add_container(struct cadv_manager *m, const char *name)
{
    char id[CADV_RT_ID_MAX] = "";
    struct cadv_container *c;
    int rt, r;

    if (is_rejected(m, name))
        return 0;
    rt = claim(m, name, id);
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

void cadv_manager_remove_container(struct cadv_manager *m, struct cadv_container *c)
{
    struct cadv_cgroup *cg;
    bool removed;

    if (c->is_root)
        return; /* lives until cadv_manager_free */
    atomic_store(&c->alive, false);
    removed = cadv_registry_remove(m, c);
    pthread_mutex_lock(&c->collect_lock);
    cg = c->cg;
    c->cg = NULL;
    pthread_mutex_unlock(&c->collect_lock);
    cadv_cgroup_close(cg);
    cadv_sched_remove(m, c);
    if (removed) {
        atomic_fetch_add(&m->removed_total, 1);
        emit(m, c, CADV_EVENT_DELETION);
        cadv_log(CADV_LOG_DEBUG, "Removed container '%s'", c->name);
    }
}

void cadv_manager_reopen_container(struct cadv_manager *m, struct cadv_container *c)
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
    pthread_mutex_lock(&m->mi_lock);
    c->spec.has_network = m->mi->n_netdevs > 0;
    pthread_mutex_unlock(&m->mi_lock);
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
    runtimes_init(m);
    r = create_root(m);
    if (r < 0)
        return r;
    cadv_machinefs_update(m->machinefs, cadv_mono_ns()); /* the first root sample has them */
    m->disc = cadv_discovery_new(m);
    cadv_discovery_scan(m->disc);
    /* The collector reads m->oom (cadv_oom_account): the OOM watcher starts before it and stops after. */
    r = cadv_oom_watch_start(m, &m->oom);
    if (r >= 0)
        r = cadv_sched_start(m);
    if (r >= 0)
        r = cadv_metadata_start(m);
    if (r >= 0)
        r = cadv_discovery_start(m);
    if (r < 0) {
        cadv_log_errno(CADV_LOG_ERROR, r, "Starting the manager's threads failed");
        cadv_manager_stop(m);
        return r;
    }
    cadv_log(CADV_LOG_INFO, "Manager started: %zu containers", cadv_registry_count(m));
    return 0;
}

void cadv_manager_stop(struct cadv_manager *m)
{
    if (!m || !m->started || m->stopped)
        return;
    m->stopped = true;
    /* The watcher and the worker create and remove containers: stop them before the collector. */
    cadv_discovery_stop(m);
    cadv_metadata_stop(m);
    cadv_sched_stop(m);
    m->oom = cadv_oom_watch_stop(m->oom);
}

struct cadv_manager *cadv_manager_free(struct cadv_manager *m)
{
    struct cadv_container **all;
    size_t n;

    if (!m)
        return NULL;
    cadv_manager_stop(m);
    cadv_registry_take_all(m, &all, &n);
    for (size_t i = 0; i < n; i++) {
        atomic_store(&all[i]->alive, false);
        pthread_mutex_lock(&all[i]->collect_lock);
        all[i]->cg = cadv_cgroup_close(all[i]->cg);
        pthread_mutex_unlock(&all[i]->collect_lock);
    }
    cadv_containers_unref(all, n);
    m->root_container = cadv_container_unref(m->root_container);
    cadv_sched_done(m);
    cadv_metadata_done(m);
    m->disc = cadv_discovery_free(m->disc);
    runtimes_done(m);
    cadv_cgroup_bpf_stop(m->root);
    m->root = cadv_cgroup_root_free(m->root);
    cadv_collectors_done(m);
    m->mi = cadv_machine_info_unref(m->mi);
    if (m->wake_fd >= 0)
        close(m->wake_fd);
    m->machinefs = cadv_machinefs_free(m->machinefs);
    if (m->proc_fd >= 0)
        close(m->proc_fd);
    cadv_discovery_recheck_done(m);
    pthread_mutex_destroy(&m->recheck_lock);
    cadv_hmap_free(m->rejected);
    m->events = cadv_events_free(m->events);
    pthread_mutex_destroy(&m->rej_lock);
    pthread_mutex_destroy(&m->mi_lock);
    free(m->docker_version);
    free(m->docker_api_version);
    pthread_rwlock_destroy(&m->reg_lock);
    free(m);
    return NULL;
}

void cadv_manager_update_machine_info(struct cadv_manager *m)
{
    struct cadv_machine_info *mi, *old;
    int r = read_machine_info(m->cfg, &mi);

    if (r < 0) {
        cadv_log_errno(CADV_LOG_WARNING, r, "Refreshing the machine info failed, keeping the old one");
        return;
    }
    pthread_mutex_lock(&m->mi_lock);
    if (m->docker_version)
        mi->docker_version = cadv_xstrdup(m->docker_version);
    if (m->docker_api_version)
        mi->docker_api_version = cadv_xstrdup(m->docker_api_version);
    old = m->mi;
    m->mi = mi;
    pthread_mutex_unlock(&m->mi_lock);
    cadv_machine_info_unref(old);
}

struct cadv_machine_info *cadv_manager_machine_info(struct cadv_manager *m)
{
    struct cadv_machine_info *mi;

    pthread_mutex_lock(&m->mi_lock);
    mi = cadv_machine_info_ref(m->mi);
    pthread_mutex_unlock(&m->mi_lock);
    return mi;
}

uint64_t cadv_manager_generation(struct cadv_manager *m)
{
    return atomic_load(&m->generation);
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
    s.collections_total = atomic_load(&m->collections_total);
    s.read_errors_total = atomic_load(&m->read_errors_total);
    s.cycle_seconds_ns = atomic_load(&m->cycle_last_ns);
    s.cycle_ns_total = atomic_load(&m->cycle_ns_total);
    s.cycles_total = atomic_load(&m->cycles_total);
    fds = cadv_cgroup_root_fds_held(m->root);
    s.fds_held = fds > 0 ? (uint64_t)fds : 0;
    s.containers_added_total = atomic_load(&m->added_total);
    s.containers_removed_total = atomic_load(&m->removed_total);
    s.events_stored = cadv_events_count(m->events);
    s.events_dropped_total = cadv_events_dropped_total(m->events);
    s.ondemand_total = atomic_load(&m->ondemand_total);
    *ret = s;
}

struct cadv_events *cadv_manager_events(struct cadv_manager *m)
{
    return m->events;
}

int cadv_container_derived(struct cadv_container *c, struct cadv_derived *ret)
{
    int r = -ENOENT;

    pthread_mutex_lock(&c->collect_lock);
    if (c->summary) {
        cadv_summary_get(c->summary, ret);
        r = 0;
    }
    pthread_mutex_unlock(&c->collect_lock);
    return r;
}
