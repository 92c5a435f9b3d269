/* SPDX-License-Identifier: Apache-2.0 */
/* scheduler.c - the collector thread: a min-heap of containers keyed by next-due time (monotonic),
 * cAdvisor's housekeeping schedule, allocation-free collection into one scratch sample, slow spec
 * refresh; the collection of one container, shared with on-demand refreshes (ondemand.c). */
#include "manager/scheduler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "collect/net.h"
#include "collect/procstats.h"
#include "config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "manager/collectors.h"
#include "manager/container.h"
#include "manager/lifecycle.h"
#include "manager/machinefs.h"
#include "manager/oom.h"
#include "manager/tier.h"
#include "manager/worker.h"
#include "model/kinds.h"
#include "store/ring.h"
#include "store/summary.h"

/* Limits are re-read this often per container (cAdvisor re-reads them on most API reads; they
 * change rarely, and a change is seen within this period). */
#define SPEC_REFRESH_NS (10 * CADV_NS_PER_SEC)
#define ERROR_LOG_NS    (60 * CADV_NS_PER_SEC)
/* The collector wakes SLACK after the first due time (base interval / SLACK_DIV, at most SLACK_MAX:
 * 125 ms at 1 s) and collects every container due by then: with jittered due times spread over the
 * interval (cAdvisor's jitter makes each one 1-2 intervals), one wake-up serves a slice of the
 * containers instead of one each. A collection is at most that much late, never early. A new
 * container and a poked one (memory.events changed) are collected at once, with whatever else is due. A
 * wake-up costs more than a hot-only collection (bench: at 1,000 containers with -collector=bpf and a 10 s
 * detail tier, one wake-up per 1/64 interval cost 2.5% of a core, per 1/8 interval 1.5%). */
#define SLACK_DIV       8
#define SLACK_MAX_NS    (125 * CADV_NS_PER_MS)

uint64_t cadv_sched_next_interval(uint64_t cur_ns, uint64_t base_ns, uint64_t max_ns, bool dynamic,
                                  int n_samples, bool stats_equal)
{
    if (!dynamic || n_samples < 2)
        return cur_ns;
    if (stats_equal) {
        if (cur_ns < max_ns)
            cur_ns = cur_ns > max_ns / 2 ? max_ns : cur_ns * 2;
        return cur_ns;
    }
    return base_ns;
}

uint64_t cadv_sched_jitter(uint64_t interval_ns, double factor, double u)
{
    double extra;

    if (!(factor >= 0.0)) /* negative or NaN */
        factor = 1.0;
    if (!(u >= 0.0 && u < 1.0))
        u = 0.0;
    extra = u * factor * (double)interval_ns;
    /* A double at or above 2^64 has no uint64 value (the cast would be undefined): saturate. */
    if (!(extra < 0x1.0p64) || (uint64_t)extra > UINT64_MAX - interval_ns)
        return UINT64_MAX;
    return interval_ns + (uint64_t)extra;
}

/* xorshift64*: a uniform double in [0, 1). Collector thread only. */
static double rng_double(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return (double)((x * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}

/* A heap entry: the due time sits next to the pointer, so sifting compares without chasing it. */
struct sched_ent {
    uint64_t due_mono;
    struct cadv_container *c;
};

struct scheduler {
    struct scheduler_deps d;
    /* Set by scheduler_start, before the thread. */
    struct cadv_oom_watch *oom;
    cadv_sample_hook hook;
    void *hook_arg;

    /* lock (+ cond, CLOCK_MONOTONIC): the min-heap by due_mono (one reference per entry) and its
     * containers' heap_idx and poke_mono. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct sched_ent *heap;
    size_t n_heap, cap_heap;
    size_t n_urgent; /* entries pushed by add or poke since the last pass started: no slack for them */
    struct worker worker;

    /* Collector thread only: reusable buffers, so a collection allocates nothing. */
    struct cadv_scratch *scratch;
    struct cadv_sample hk_newest, hk_prev;
    struct cadv_spec spec_scratch;
    uint64_t rng;

    /* Self-metrics. */
    _Atomic uint64_t generation;
    _Atomic uint64_t collections_total;
    _Atomic uint64_t read_errors_total;
    _Atomic uint64_t cycle_last_ns;
    _Atomic uint64_t cycle_ns_total;
    _Atomic uint64_t cycles_total;
    _Atomic uint64_t ondemand_total;
};

/* Heap (sch->lock held). The sifts move a hole and write the moving entry once at the end. */

static void heap_set(struct scheduler *sch, size_t i, struct sched_ent e)
{
    sch->heap[i] = e;
    e.c->heap_idx = i;
}

/* Places e at hole i or above it. Returns its index. */
static size_t heap_up(struct scheduler *sch, size_t i, struct sched_ent e)
{
    while (i > 0 && e.due_mono < sch->heap[(i - 1) / 2].due_mono) {
        heap_set(sch, i, sch->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(sch, i, e);
    return i;
}

/* Places e at hole i or below it. */
static void heap_down(struct scheduler *sch, size_t i, struct sched_ent e)
{
    for (;;) {
        size_t l = 2 * i + 1, min = l;

        if (l >= sch->n_heap)
            break;
        if (l + 1 < sch->n_heap && sch->heap[l + 1].due_mono < sch->heap[l].due_mono)
            min = l + 1;
        if (e.due_mono <= sch->heap[min].due_mono)
            break;
        heap_set(sch, i, sch->heap[min]);
        i = min;
    }
    heap_set(sch, i, e);
}

/* Inserts c due at due_mono (the heap takes over the caller's reference). */
static void heap_push(struct scheduler *sch, struct cadv_container *c, uint64_t due_mono)
{
    cadv_xgrow((void **)&sch->heap, &sch->cap_heap, sch->n_heap + 1, sizeof(*sch->heap));
    (void)heap_up(sch, sch->n_heap++, (struct sched_ent){due_mono, c});
}

/* Removes the entry at i and returns its container (with the heap's reference). */
static struct cadv_container *heap_delete(struct scheduler *sch, size_t i)
{
    struct cadv_container *c = sch->heap[i].c;
    struct sched_ent last = sch->heap[--sch->n_heap];

    if (i != sch->n_heap) {
        if (heap_up(sch, i, last) == i)
            heap_down(sch, i, last);
    }
    c->heap_idx = SIZE_MAX;
    return c;
}

struct cadv_scratch *scheduler_scratch_new(const struct scheduler *sch)
{
    struct cadv_scratch *sc = cadv_xcalloc(1, sizeof(*sc));

    cadv_sample_init_scratch(&sc->s);
    sc->net = sc->s.net;
    cadv_sample_init(&sc->carry);
    if (sch->d.kinds & CADV_KIND_PROCESS) {
        sc->pids_cap = CADV_MANAGER_MAX_PIDS;
        sc->pids = cadv_xcalloc(sc->pids_cap, sizeof(*sc->pids));
    }
    return sc;
}

void scheduler_scratch_free(struct cadv_scratch *sc)
{
    if (!sc)
        return;
    sc->s.net = sc->net;
    cadv_sample_done(&sc->s);
    cadv_sample_done(&sc->carry);
    free(sc->pids);
    free(sc);
}

struct scheduler *scheduler_new(const struct scheduler_deps *deps)
{
    struct scheduler *sch = cadv_xcalloc(1, sizeof(*sch));
    pthread_condattr_t attr;

    sch->d = *deps;
    pthread_mutex_init(&sch->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&sch->cond, &attr);
    pthread_condattr_destroy(&attr);
    sch->scratch = scheduler_scratch_new(sch);
    cadv_sample_init(&sch->hk_newest);
    cadv_sample_init(&sch->hk_prev);
    cadv_spec_init(&sch->spec_scratch);
    sch->rng = (cadv_mono_ns() ^ ((uint64_t)getpid() << 32)) | 1;
    return sch;
}

struct scheduler *scheduler_free(struct scheduler *sch)
{
    if (!sch)
        return NULL;
    for (size_t i = 0; i < sch->n_heap; i++) {
        sch->heap[i].c->heap_idx = SIZE_MAX;
        cadv_container_unref(sch->heap[i].c);
    }
    free(sch->heap);
    scheduler_scratch_free(sch->scratch);
    cadv_sample_done(&sch->hk_newest);
    cadv_sample_done(&sch->hk_prev);
    cadv_spec_done(&sch->spec_scratch);
    pthread_cond_destroy(&sch->cond);
    pthread_mutex_destroy(&sch->lock);
    free(sch);
    return NULL;
}

void scheduler_add(struct scheduler *sch, struct cadv_container *c)
{
    pthread_mutex_lock(&sch->lock);
    if (c->heap_idx == SIZE_MAX) {
        heap_push(sch, cadv_container_ref(c), cadv_mono_ns());
        sch->n_urgent++;
        pthread_cond_signal(&sch->cond);
    }
    pthread_mutex_unlock(&sch->lock);
}

void scheduler_remove(struct scheduler *sch, struct cadv_container *c)
{
    struct cadv_container *dropped = NULL;

    pthread_mutex_lock(&sch->lock);
    if (c->heap_idx != SIZE_MAX)
        dropped = heap_delete(sch, c->heap_idx);
    pthread_mutex_unlock(&sch->lock);
    cadv_container_unref(dropped);
}

void scheduler_poke(struct scheduler *sch, struct cadv_container *c)
{
    uint64_t now = cadv_mono_ns();

    atomic_store(&c->poked, true);
    pthread_mutex_lock(&sch->lock);
    /* Not being collected now (else next_delay sees poked), and at most once per base interval: a
     * cgroup at its memory limit changes memory.events up to 100 times a second. */
    if (c->heap_idx != SIZE_MAX && (c->poke_mono == 0 || now - c->poke_mono >= sch->d.base_interval_ns) &&
        sch->heap[c->heap_idx].due_mono > now) {
        struct cadv_container *e = heap_delete(sch, c->heap_idx);

        c->poke_mono = now;
        heap_push(sch, e, now);
        sch->n_urgent++;
        pthread_cond_signal(&sch->cond);
    }
    pthread_mutex_unlock(&sch->lock);
}

/* Re-reads c's limits (collect_lock held; collector thread: uses sch->spec_scratch). */
static void refresh_spec(struct scheduler *sch, struct cadv_container *c, uint64_t now_mono)
{
    if (c->spec_refresh_ns == 0 || c->spec_refresh_ns > SPEC_REFRESH_NS)
        c->spec_refresh_ns = SPEC_REFRESH_NS;
    c->next_spec_mono = now_mono + c->spec_refresh_ns;
    c->spec_refresh_ns *= 2;
    cadv_spec_done(&sch->spec_scratch);
    if (cadv_cgroup_read_spec(c->cg, &sch->spec_scratch) >= 0)
        container_set_limits(c, &sch->spec_scratch);
}

static void log_read_error(struct cadv_container *c, int r, uint64_t now_mono)
{
    if (c->logged_error && now_mono - c->last_error_log_mono < ERROR_LOG_NS)
        return;
    c->logged_error = true;
    c->last_error_log_mono = now_mono;
    cadv_log_errno(CADV_LOG_WARNING, r, "Failed to update stats for container '%s', continuing", c->name);
}

/* The figures that come from the container's processes, not its cgroup: network (the root
 * process's netns), process counts, and the writable layer's usage. collect_lock held. */
static void collect_extras(struct scheduler *sch, struct cadv_container *c, struct cadv_scratch *sc)
{
    const uint32_t net_kinds = CADV_KIND_NETWORK | CADV_KIND_TCP | CADV_KIND_UDP | CADV_KIND_ADVTCP;
    uint64_t pid = atomic_load(&c->net_pid);
    struct cadv_sample *s = &sc->s;

    s->c.health = atomic_load(&c->health);
    /* -ESRCH: the process is gone (the container is stopping); its bits are cleared. */
    if ((sch->d.kinds & net_kinds) && pid && sch->d.proc_fd >= 0)
        (void)cadv_net_read(sch->d.proc_fd, pid, sch->d.kinds & net_kinds, s);
    if (sc->pids && sch->d.proc_fd >= 0) {
        int n = cadv_cgroup_read_pids(c->cg, sc->pids, sc->pids_cap);

        if (!c->procs && n >= 0)
            c->procs = cadv_procstats_cache_new(0);
        if (n >= 0 && cadv_procstats_read(sch->d.proc_fd, sc->pids, (size_t)n, atomic_load(&c->root_pid),
                                          c->procs, &s->c.processes) == 0)
            s->c.has |= CADV_HAS_PROCESSES;
    }
    cadv_collectors_read(sch->d.collectors, c, s);
    if ((sch->d.kinds & CADV_KIND_DISK) && c->is_root)
        cadv_machinefs_fill(sch->d.machinefs, s); /* the machine's filesystems */
    if ((sch->d.kinds & CADV_KIND_DISK) && c->has_fs && s->n_fs == 0) {
        s->fs[0] = c->fs;
        s->n_fs = 1;
        s->c.has |= CADV_HAS_FILESYSTEM;
    }
}

/* Stores s (the scratch sample, whose socket tables' storage is net, or a carried sample, net NULL)
 * in c's ring. A sample whose detail_timestamp_ns is 0 was read in full: it gets the sample's
 * timestamp; a carried one keeps the one of its detail read. Returns 1 if stored. collect_lock held. */
static int store(struct scheduler *sch, struct cadv_container *c, struct cadv_sample *s,
                 struct cadv_net_extra *net)
{
    const uint64_t net_bits = CADV_HAS_TCP | CADV_HAS_UDP | CADV_HAS_ADVTCP;
    uint64_t ts = cadv_now_ns();
    int r;

    s->c.timestamp_ns = ts;
    if (s->c.detail_timestamp_ns == 0)
        s->c.detail_timestamp_ns = ts;
    s->c.oom_events =
            oom_account(sch->oom, sch->d.events, c, s, ts); /* OOM kills: kernel log + cgroup counter */
    if (s->c.has & (CADV_HAS_CPU | CADV_HAS_MEMORY)) {      /* cAdvisor: derived stats need cpu or memory */
        if (!c->summary) {
            c->summary = cadv_summary_new();
            atomic_store_explicit(&c->has_summary, true, memory_order_relaxed);
        }
        cadv_summary_add(c->summary, ts, s->c.cpu.total_ns, s->c.memory.working_set);
    }
    /* A sample carries socket tables only when they were read (sample.h). */
    if (net && !(s->c.has & net_bits))
        s->net = NULL;
    r = cadv_ring_add(c->ring, s);
    if (r >= 0 && sch->hook)
        sch->hook(sch->hook_arg, c, s); /* exporters: a copy into their queues */
    if (net)
        s->net = net;
    if (r < 0)
        return 0; /* the wall clock went back: keep the ring ordered */
    atomic_store(&c->last_sample_ns, ts);
    atomic_fetch_add(&sch->collections_total, 1);
    return 1;
}

/* Whether a scheduled collection of c at now_mono reads the detail tier (tier.h); a hot-only one
 * renews the hot counters of the newest sample (c's ring, copied into carry), so it needs one. A poke
 * (memory.events changed: limit hit, OOM) reads detail too. collect_lock held. */
static bool want_detail(struct scheduler *sch, struct cadv_container *c, struct cadv_sample *carry,
                        uint64_t now_mono, bool poked)
{
    int64_t d = sch->d.cfg->detail_housekeeping_interval_ns;
    uint64_t base = sch->d.base_interval_ns, detail = d > 0 ? (uint64_t)d : base;

    if (detail <= base)
        return true;
    if (cadv_tier_take_detail(&c->detail_due_mono, now_mono, base, detail,
                              c->detail_due_mono ? 0 : cadv_tier_phase_ns(c->name, base, detail)))
        return true;
    return poked || cadv_ring_latest(c->ring, carry) < 0;
}

/* Reads c's hot tier into sc->carry (the newest sample) and stores it. Returns like read_stats. */
static int collect_hot(struct scheduler *sch, struct cadv_container *c, struct cadv_scratch *sc, int *stored)
{
    int r = cadv_cgroup_read_hot(c->cg, &sc->carry);

    if (r >= 0) {
        sc->carry.c.health = atomic_load(&c->health);
        *stored = store(sch, c, &sc->carry, NULL);
    }
    return r;
}

/* Collects c into the scratch sample and stores it. With max_age_ns != UINT64_MAX (on demand) it
 * collects only if the newest sample is older than that. spec_refresh: a scheduled collection
 * (collector thread): it may read only the hot tier (want_detail); an on-demand one reads all.
 * Returns 1 if a sample was stored, 0 if not (fresh enough, or a read failed), -ENOENT if the cgroup
 * is gone (caller removes c). */
static int collect(struct scheduler *sch, struct cadv_container *c, struct cadv_scratch *sc,
                   uint64_t max_age_ns, bool spec_refresh)
{
    struct cadv_sample *s = &sc->s;
    uint64_t now_mono = cadv_mono_ns();
    bool detail;
    int r, stored = 0;

    pthread_mutex_lock(&c->collect_lock);
    if (!c->cg) {
        pthread_mutex_unlock(&c->collect_lock);
        return 0; /* removed meanwhile */
    }
    if (max_age_ns != UINT64_MAX) {
        uint64_t last = atomic_load(&c->last_sample_ns), now = cadv_now_ns();

        if (last && now >= last && now - last <= max_age_ns)
            goto out;
    }
    /* A scheduled collection takes the poke (the memory.events change it reads); one that comes
     * while it runs is left for next_delay. */
    if (spec_refresh)
        c->poke_taken = atomic_exchange(&c->poked, false);
    detail = !spec_refresh || want_detail(sch, c, &sc->carry, now_mono, c->poke_taken);
    if (detail) {
        cadv_sample_clear(s);
        r = cadv_cgroup_read_stats(c->cg, sch->d.kinds, s);
    } else
        r = collect_hot(sch, c, sc, &stored);
    if ((r == -ENOENT || r == -ENODEV) && !c->is_root) {
        pthread_mutex_unlock(&c->collect_lock);
        cadv_log(CADV_LOG_DEBUG, "Container '%s' is gone", c->name);
        return -ENOENT;
    }
    if (r < 0) {
        atomic_fetch_add(&sch->read_errors_total, 1);
        log_read_error(c, r, now_mono);
    }
    /* Unlike cAdvisor, a partly filled sample is not stored: the fields of a failed read (out of fds,
     * say) would read 0 between real values, a fake counter reset for every reader. The error is
     * counted (cadv_read_errors_total) and the container keeps its previous sample. */
    if (r >= 0 && detail) {
        collect_extras(sch, c, sc);
        stored = store(sch, c, s, sc->net);
    }
    if (spec_refresh && now_mono >= c->next_spec_mono)
        refresh_spec(sch, c, now_mono);
out:
    pthread_mutex_unlock(&c->collect_lock);
    return stored;
}

/* The delay before c's next collection (collector thread). */
static uint64_t next_delay(struct scheduler *sch, struct cadv_container *c)
{
    const struct cadv_config *cfg = sch->d.cfg;
    double factor = c->splayed ? cfg->jitter_factor : cfg->initial_splay_factor;
    uint64_t delay, oom;
    bool again;

    if (cfg->allow_dynamic_housekeeping) {
        int n = cadv_ring_latest2(c->ring, &sch->hk_newest, &sch->hk_prev);
        bool equal = n == 2 && cadv_sample_stats_equal(&sch->hk_newest, &sch->hk_prev);

        c->interval_ns = cadv_sched_next_interval(c->interval_ns, sch->d.base_interval_ns,
                                                  sch->d.max_interval_ns, true, n, equal);
    }
    c->splayed = true;
    again = atomic_exchange(&c->poked, false); /* memory.events changed during the collection */
    if (c->poke_taken || again)
        c->interval_ns = sch->d.base_interval_ns;
    c->poke_taken = false;
    delay = cadv_sched_jitter(c->interval_ns, factor, rng_double(&sch->rng));
    /* The collection may have read memory.events before that change: collect again at once, at most
     * once per base interval (a cgroup at its limit changes it up to 100 times a second). */
    if (again && (c->repoke_mono == 0 || cadv_mono_ns() - c->repoke_mono >= sch->d.base_interval_ns)) {
        c->repoke_mono = cadv_mono_ns();
        return 0;
    }
    pthread_mutex_lock(&c->collect_lock); /* an on-demand collection may update the OOM state */
    oom = oom_recheck_ns(c, cadv_now_ns());
    pthread_mutex_unlock(&c->collect_lock);
    if (oom < UINT64_MAX - 10 * CADV_NS_PER_MS && oom + 10 * CADV_NS_PER_MS < delay)
        delay = oom + 10 * CADV_NS_PER_MS; /* unreported OOM kills: their grace period ends then */
    return delay;
}

static uint64_t slack_ns(const struct scheduler *sch)
{
    uint64_t s = sch->d.base_interval_ns / SLACK_DIV;

    return s < SLACK_MAX_NS ? s : SLACK_MAX_NS;
}

/* Collects every container due at the start of the pass (one collected in it is re-queued after the
 * start: never twice). sch->lock held on entry and exit. */
static void run_pass(struct scheduler *sch)
{
    uint64_t start = cadv_mono_ns(), took, until = start;
    size_t stored = 0;

    sch->n_urgent = 0; /* they were pushed due at or before now: this pass takes them */
    while (!worker_stopping(&sch->worker) && sch->n_heap > 0 && sch->heap[0].due_mono <= until) {
        struct cadv_container *c = heap_delete(sch, 0);
        uint64_t delay = 0;
        int r;

        pthread_mutex_unlock(&sch->lock);
        r = collect(sch, c, sch->scratch, UINT64_MAX, true);
        if (r < 0) {
            manager_container_gone(sch->d.m, c);
        } else
            delay = next_delay(sch, c);
        stored += r > 0;
        pthread_mutex_lock(&sch->lock);
        /* A remover clears alive before it takes sch->lock, so c is either re-queued here and
         * deleted by the remover, or not re-queued. */
        if (r >= 0 && atomic_load(&c->alive)) {
            uint64_t now = cadv_mono_ns();

            heap_push(sch, c, delay > UINT64_MAX - now ? UINT64_MAX : now + delay);
            c = NULL;
        }
        if (c) {
            pthread_mutex_unlock(&sch->lock);
            cadv_container_unref(c);
            pthread_mutex_lock(&sch->lock);
        }
    }
    if (stored == 0)
        return;
    took = cadv_mono_ns() - start;
    atomic_fetch_add(&sch->generation, 1);
    atomic_store(&sch->cycle_last_ns, took);
    atomic_fetch_add(&sch->cycle_ns_total, took);
    atomic_fetch_add(&sch->cycles_total, 1);
}

static void wait_until(struct scheduler *sch, uint64_t due_mono)
{
    struct timespec ts = {
            .tv_sec = (time_t)(due_mono / CADV_NS_PER_SEC),
            .tv_nsec = (long)(due_mono % CADV_NS_PER_SEC),
    };

    (void)pthread_cond_timedwait(&sch->cond, &sch->lock, &ts);
}

static void *collector_main(void *arg)
{
    struct scheduler *sch = arg;

    pthread_mutex_lock(&sch->lock);
    while (!worker_stopping(&sch->worker)) {
        uint64_t wake = sch->n_heap == 0 ? 0 : sch->heap[0].due_mono;

        if (wake <= UINT64_MAX - slack_ns(sch))
            wake += slack_ns(sch); /* a slice of the containers due by then, in one pass */
        if (sch->n_heap == 0)
            pthread_cond_wait(&sch->cond, &sch->lock);
        else if (wake > cadv_mono_ns() && sch->n_urgent == 0)
            wait_until(sch, wake);
        else
            run_pass(sch);
    }
    pthread_mutex_unlock(&sch->lock);
    return NULL;
}

int scheduler_start(struct scheduler *sch, struct cadv_oom_watch *oom, cadv_sample_hook hook, void *hook_arg)
{
    sch->oom = oom;
    sch->hook = hook;
    sch->hook_arg = hook_arg;
    return worker_start(&sch->worker, "cadv-collector", collector_main, sch);
}

void scheduler_stop(struct scheduler *sch)
{
    worker_stop_cond(&sch->worker, &sch->lock, &sch->cond);
    sch->oom = NULL; /* the manager stops the OOM watcher next; later on-demand collections count none */
}

int scheduler_collect_now(struct scheduler *sch, struct cadv_container *c, struct cadv_scratch *sc,
                          uint64_t max_age_ns)
{
    return collect(sch, c, sc, max_age_ns, false);
}

void scheduler_count_ondemand(struct scheduler *sch, size_t n)
{
    if (n == 0)
        return;
    atomic_fetch_add(&sch->ondemand_total, n);
    atomic_fetch_add(&sch->generation, 1);
}

uint64_t scheduler_generation(struct scheduler *sch)
{
    return atomic_load(&sch->generation);
}

void scheduler_get_stats(struct scheduler *sch, struct cadv_manager_stats *ret)
{
    ret->collections_total = atomic_load(&sch->collections_total);
    ret->read_errors_total = atomic_load(&sch->read_errors_total);
    ret->cycle_seconds_ns = atomic_load(&sch->cycle_last_ns);
    ret->cycle_ns_total = atomic_load(&sch->cycle_ns_total);
    ret->cycles_total = atomic_load(&sch->cycles_total);
    ret->ondemand_total = atomic_load(&sch->ondemand_total);
}
