/* SPDX-License-Identifier: Apache-2.0 */
/* scheduler.c - the collector thread: a min-heap of containers keyed by next-due time (monotonic),
 * cAdvisor's housekeeping schedule, allocation-free collection into one scratch sample, slow spec
 * refresh; on-demand collections for readers that ask for a maximum age. */
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
#include "manager/discovery.h"
#include "manager/internal.h"
#include "manager/machinefs.h"
#include "manager/manager.h"
#include "manager/oom.h"
#include "manager/registry.h"
#include "model/kinds.h"
#include "store/ring.h"
#include "store/summary.h"

/* Limits are re-read this often per container (cAdvisor re-reads them on most API reads; they
 * change rarely, and a change is seen within this period). */
#define SPEC_REFRESH_NS  (10 * CADV_NS_PER_SEC)
#define ERROR_LOG_NS     (60 * CADV_NS_PER_SEC)
#define ONDEMAND_WAIT_NS (2 * CADV_NS_PER_SEC)
#define POOL_MAX         16
/* A pass also takes the containers due within base interval / SLACK_DIV of its start (15 ms at 1 s):
 * with jittered due times spread over the interval, one wake-up then serves several containers
 * instead of one each, and a collection is at most that much early. */
#define SLACK_DIV        64

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

/* Heap (m->sched_lock held). */

/* Heap (m->sched_lock held). The sifts move a hole and write the moving entry once at the end. */

static void heap_set(struct cadv_manager *m, size_t i, struct cadv_sched_ent e)
{
    m->heap[i] = e;
    e.c->heap_idx = i;
}

/* Places e at hole i or above it. Returns its index. */
static size_t heap_up(struct cadv_manager *m, size_t i, struct cadv_sched_ent e)
{
    while (i > 0 && e.due_mono < m->heap[(i - 1) / 2].due_mono) {
        heap_set(m, i, m->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(m, i, e);
    return i;
}

/* Places e at hole i or below it. */
static void heap_down(struct cadv_manager *m, size_t i, struct cadv_sched_ent e)
{
    for (;;) {
        size_t l = 2 * i + 1, min = l;

        if (l >= m->n_heap)
            break;
        if (l + 1 < m->n_heap && m->heap[l + 1].due_mono < m->heap[l].due_mono)
            min = l + 1;
        if (e.due_mono <= m->heap[min].due_mono)
            break;
        heap_set(m, i, m->heap[min]);
        i = min;
    }
    heap_set(m, i, e);
}

/* Inserts c due at due_mono (the heap takes over the caller's reference). */
static void heap_push(struct cadv_manager *m, struct cadv_container *c, uint64_t due_mono)
{
    cadv_xgrow((void **)&m->heap, &m->cap_heap, m->n_heap + 1, sizeof(*m->heap));
    (void)heap_up(m, m->n_heap++, (struct cadv_sched_ent){due_mono, c});
}

/* Removes the entry at i and returns its container (with the heap's reference). */
static struct cadv_container *heap_delete(struct cadv_manager *m, size_t i)
{
    struct cadv_container *c = m->heap[i].c;
    struct cadv_sched_ent last = m->heap[--m->n_heap];

    if (i != m->n_heap) {
        if (heap_up(m, i, last) == i)
            heap_down(m, i, last);
    }
    c->heap_idx = SIZE_MAX;
    return c;
}

static struct cadv_scratch *scratch_new(const struct cadv_manager *m)
{
    struct cadv_scratch *sc = cadv_xcalloc(1, sizeof(*sc));

    cadv_sample_init_scratch(&sc->s);
    sc->net = sc->s.net;
    if (m->kinds & CADV_KIND_PROCESS) {
        sc->pids_cap = CADV_MANAGER_MAX_PIDS;
        sc->pids = cadv_xcalloc(sc->pids_cap, sizeof(*sc->pids));
    }
    return sc;
}

static void scratch_free(struct cadv_scratch *sc)
{
    if (!sc)
        return;
    sc->s.net = sc->net;
    cadv_sample_done(&sc->s);
    free(sc->pids);
    free(sc);
}

void cadv_sched_init(struct cadv_manager *m)
{
    pthread_condattr_t attr;

    pthread_mutex_init(&m->sched_lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&m->sched_cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&m->pool_lock, NULL);
    m->scratch = scratch_new(m);
    cadv_sample_init(&m->hk_newest);
    cadv_sample_init(&m->hk_prev);
    cadv_spec_init(&m->spec_scratch);
    m->rng = (cadv_mono_ns() ^ ((uint64_t)getpid() << 32)) | 1;
}

void cadv_sched_done(struct cadv_manager *m)
{
    for (size_t i = 0; i < m->n_heap; i++) {
        m->heap[i].c->heap_idx = SIZE_MAX;
        cadv_container_unref(m->heap[i].c);
    }
    free(m->heap);
    m->heap = NULL;
    m->n_heap = m->cap_heap = 0;
    for (size_t i = 0; i < m->n_pool; i++)
        scratch_free(m->pool[i]);
    free(m->pool);
    scratch_free(m->scratch);
    cadv_sample_done(&m->hk_newest);
    cadv_sample_done(&m->hk_prev);
    cadv_spec_done(&m->spec_scratch);
    pthread_cond_destroy(&m->sched_cond);
    pthread_mutex_destroy(&m->sched_lock);
    pthread_mutex_destroy(&m->pool_lock);
}

void cadv_sched_add(struct cadv_manager *m, struct cadv_container *c)
{
    pthread_mutex_lock(&m->sched_lock);
    if (c->heap_idx == SIZE_MAX) {
        heap_push(m, cadv_container_ref(c), cadv_mono_ns());
        pthread_cond_signal(&m->sched_cond);
    }
    pthread_mutex_unlock(&m->sched_lock);
}

void cadv_sched_remove(struct cadv_manager *m, struct cadv_container *c)
{
    struct cadv_container *dropped = NULL;

    pthread_mutex_lock(&m->sched_lock);
    if (c->heap_idx != SIZE_MAX)
        dropped = heap_delete(m, c->heap_idx);
    pthread_mutex_unlock(&m->sched_lock);
    cadv_container_unref(dropped);
}

/* Re-reads c's limits (collect_lock held; collector thread: uses m->spec_scratch). */
void cadv_sched_poke(struct cadv_manager *m, struct cadv_container *c)
{
    uint64_t now = cadv_mono_ns();

    atomic_store(&c->poked, true);
    pthread_mutex_lock(&m->sched_lock);
    /* Not being collected now (else next_delay sees poked), and at most once per base interval: a
     * cgroup at its memory limit changes memory.events up to 100 times a second. */
    if (c->heap_idx != SIZE_MAX && (c->poke_mono == 0 || now - c->poke_mono >= m->base_interval_ns) &&
        m->heap[c->heap_idx].due_mono > now) {
        struct cadv_container *e = heap_delete(m, c->heap_idx);

        c->poke_mono = now;
        heap_push(m, e, now);
        pthread_cond_signal(&m->sched_cond);
    }
    pthread_mutex_unlock(&m->sched_lock);
}

static void refresh_spec(struct cadv_manager *m, struct cadv_container *c, uint64_t now_mono)
{
    if (c->spec_refresh_ns == 0 || c->spec_refresh_ns > SPEC_REFRESH_NS)
        c->spec_refresh_ns = SPEC_REFRESH_NS;
    c->next_spec_mono = now_mono + c->spec_refresh_ns;
    c->spec_refresh_ns *= 2;
    cadv_spec_done(&m->spec_scratch);
    if (cadv_cgroup_read_spec(c->cg, &m->spec_scratch) >= 0)
        cadv_container_set_limits(c, &m->spec_scratch);
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
static void collect_extras(struct cadv_manager *m, struct cadv_container *c, struct cadv_scratch *sc)
{
    const uint32_t net_kinds = CADV_KIND_NETWORK | CADV_KIND_TCP | CADV_KIND_UDP | CADV_KIND_ADVTCP;
    uint64_t pid = atomic_load(&c->net_pid);
    struct cadv_sample *s = &sc->s;

    s->c.health = atomic_load(&c->health);
    /* -ESRCH: the process is gone (the container is stopping); its bits are cleared. */
    if ((m->kinds & net_kinds) && pid && m->proc_fd >= 0)
        (void)cadv_net_read(m->proc_fd, pid, m->kinds & net_kinds, s);
    if (sc->pids && m->proc_fd >= 0) {
        int n = cadv_cgroup_read_pids(c->cg, sc->pids, sc->pids_cap);

        if (!c->procs && n >= 0)
            c->procs = cadv_procstats_cache_new(0);
        if (n >= 0 && cadv_procstats_read(m->proc_fd, sc->pids, (size_t)n, atomic_load(&c->root_pid),
                                          c->procs, &s->c.processes) == 0)
            s->c.has |= CADV_HAS_PROCESSES;
    }
    cadv_collectors_read(m, c, s);
    if ((m->kinds & CADV_KIND_DISK) && c->is_root)
        cadv_machinefs_fill(m->machinefs, s); /* the machine's filesystems */
    if ((m->kinds & CADV_KIND_DISK) && c->has_fs && s->n_fs == 0) {
        s->fs[0] = c->fs;
        s->n_fs = 1;
        s->c.has |= CADV_HAS_FILESYSTEM;
    }
}

/* Stores the scratch sample in c's ring. Returns 1 if stored. collect_lock held. */
static int store(struct cadv_manager *m, struct cadv_container *c, struct cadv_scratch *sc)
{
    const uint64_t net_bits = CADV_HAS_TCP | CADV_HAS_UDP | CADV_HAS_ADVTCP;
    uint64_t ts = cadv_now_ns();
    int r;

    sc->s.c.timestamp_ns = ts;
    sc->s.c.oom_events = cadv_oom_account(m, c, &sc->s, ts); /* OOM kills: kernel log + cgroup counter */
    if (sc->s.c.has & (CADV_HAS_CPU | CADV_HAS_MEMORY)) {    /* cAdvisor: derived stats need cpu or memory */
        if (!c->summary) {
            c->summary = cadv_summary_new();
            atomic_store_explicit(&c->has_summary, true, memory_order_relaxed);
        }
        cadv_summary_add(c->summary, ts, sc->s.c.cpu.total_ns, sc->s.c.memory.working_set);
    }
    /* A sample carries socket tables only when they were read (sample.h). */
    if (!(sc->s.c.has & net_bits))
        sc->s.net = NULL;
    r = cadv_ring_add(c->ring, &sc->s);
    if (r >= 0 && m->sample_hook)
        m->sample_hook(m->sample_hook_arg, c, &sc->s); /* exporters: a copy into their queues */
    sc->s.net = sc->net;
    if (r < 0)
        return 0; /* the wall clock went back: keep the ring ordered */
    atomic_store(&c->last_sample_ns, ts);
    atomic_fetch_add(&m->collections_total, 1);
    return 1;
}

/* Collects c into the scratch sample and stores it. With max_age_ns != UINT64_MAX (on demand) it
 * collects only if the newest sample is older than that. spec_refresh: collector thread only.
 * Returns 1 if a sample was stored, 0 if not (fresh enough, or a read failed), -ENOENT if the cgroup
 * is gone (caller removes c). */
static int collect(struct cadv_manager *m, struct cadv_container *c, struct cadv_scratch *sc,
                   uint64_t max_age_ns, bool spec_refresh)
{
    struct cadv_sample *s = &sc->s;
    uint64_t now_mono = cadv_mono_ns();
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
    cadv_sample_clear(s);
    r = cadv_cgroup_read_stats(c->cg, m->kinds, s);
    if ((r == -ENOENT || r == -ENODEV) && !c->is_root) {
        pthread_mutex_unlock(&c->collect_lock);
        cadv_log(CADV_LOG_DEBUG, "Container '%s' is gone", c->name);
        return -ENOENT;
    }
    if (r < 0) {
        atomic_fetch_add(&m->read_errors_total, 1);
        log_read_error(c, r, now_mono);
    }
    /* Unlike cAdvisor, a partly filled sample is not stored: the fields of a failed read (out of fds,
     * say) would read 0 between real values, a fake counter reset for every reader. The error is
     * counted (cadv_read_errors_total) and the container keeps its previous sample. */
    if (r >= 0) {
        collect_extras(m, c, sc);
        stored = store(m, c, sc);
    }
    if (spec_refresh && now_mono >= c->next_spec_mono)
        refresh_spec(m, c, now_mono);
out:
    pthread_mutex_unlock(&c->collect_lock);
    return stored;
}

/* The delay before c's next collection (collector thread). */
static uint64_t next_delay(struct cadv_manager *m, struct cadv_container *c)
{
    const struct cadv_config *cfg = m->cfg;
    double factor = c->splayed ? cfg->jitter_factor : cfg->initial_splay_factor;
    uint64_t delay, oom;

    if (cfg->allow_dynamic_housekeeping) {
        int n = cadv_ring_latest2(c->ring, &m->hk_newest, &m->hk_prev);
        bool equal = n == 2 && cadv_sample_stats_equal(&m->hk_newest, &m->hk_prev);

        c->interval_ns = cadv_sched_next_interval(c->interval_ns, m->base_interval_ns, m->max_interval_ns,
                                                  true, n, equal);
    }
    c->splayed = true;
    if (atomic_exchange(&c->poked, false))
        c->interval_ns = m->base_interval_ns;
    delay = cadv_sched_jitter(c->interval_ns, factor, rng_double(&m->rng));
    pthread_mutex_lock(&c->collect_lock); /* an on-demand collection may update the OOM state */
    oom = cadv_oom_recheck_ns(c, cadv_now_ns());
    pthread_mutex_unlock(&c->collect_lock);
    if (oom < UINT64_MAX - 10 * CADV_NS_PER_MS && oom + 10 * CADV_NS_PER_MS < delay)
        delay = oom + 10 * CADV_NS_PER_MS; /* unreported OOM kills: their grace period ends then */
    return delay;
}

/* Collects every container due at the start of the pass (or within the slack). sched_lock held on
 * entry and exit. */
static void run_pass(struct cadv_manager *m)
{
    uint64_t start = cadv_mono_ns(), took, until = start + m->base_interval_ns / SLACK_DIV;
    size_t stored = 0;

    while (!m->sched_stop && m->n_heap > 0 && m->heap[0].due_mono <= until) {
        struct cadv_container *c = heap_delete(m, 0);
        uint64_t delay = 0;
        int r;

        pthread_mutex_unlock(&m->sched_lock);
        r = collect(m, c, m->scratch, UINT64_MAX, true);
        if (r < 0) {
            cadv_manager_remove_container(m, c);
            cadv_discovery_recheck(m, c->name);
        } else
            delay = next_delay(m, c);
        stored += r > 0;
        pthread_mutex_lock(&m->sched_lock);
        /* A remover clears alive before it takes sched_lock, so c is either re-queued here and
         * deleted by the remover, or not re-queued. */
        if (r >= 0 && atomic_load(&c->alive)) {
            uint64_t now = cadv_mono_ns();

            heap_push(m, c, delay > UINT64_MAX - now ? UINT64_MAX : now + delay);
            c = NULL;
        }
        if (c) {
            pthread_mutex_unlock(&m->sched_lock);
            cadv_container_unref(c);
            pthread_mutex_lock(&m->sched_lock);
        }
    }
    if (stored == 0)
        return;
    took = cadv_mono_ns() - start;
    atomic_fetch_add(&m->generation, 1);
    atomic_store(&m->cycle_last_ns, took);
    atomic_fetch_add(&m->cycle_ns_total, took);
    atomic_fetch_add(&m->cycles_total, 1);
}

static void wait_until(struct cadv_manager *m, uint64_t due_mono)
{
    struct timespec ts = {
            .tv_sec = (time_t)(due_mono / CADV_NS_PER_SEC),
            .tv_nsec = (long)(due_mono % CADV_NS_PER_SEC),
    };

    (void)pthread_cond_timedwait(&m->sched_cond, &m->sched_lock, &ts);
}

static void *collector_main(void *arg)
{
    struct cadv_manager *m = arg;

    pthread_mutex_lock(&m->sched_lock);
    while (!m->sched_stop) {
        if (m->n_heap == 0)
            pthread_cond_wait(&m->sched_cond, &m->sched_lock);
        else if (m->heap[0].due_mono > cadv_mono_ns() + m->base_interval_ns / SLACK_DIV)
            wait_until(m, m->heap[0].due_mono);
        else
            run_pass(m);
    }
    pthread_mutex_unlock(&m->sched_lock);
    return NULL;
}

int cadv_sched_start(struct cadv_manager *m)
{
    int r;

    m->sched_stop = false;
    r = pthread_create(&m->collector, NULL, collector_main, m);
    if (r != 0)
        return -r;
    m->collector_started = true;
    return 0;
}

void cadv_sched_stop(struct cadv_manager *m)
{
    if (!m->collector_started)
        return;
    pthread_mutex_lock(&m->sched_lock);
    m->sched_stop = true;
    pthread_cond_broadcast(&m->sched_cond);
    pthread_mutex_unlock(&m->sched_lock);
    pthread_join(m->collector, NULL);
    m->collector_started = false;
}

static struct cadv_scratch *pool_get(struct cadv_manager *m)
{
    struct cadv_scratch *s = NULL;

    pthread_mutex_lock(&m->pool_lock);
    if (m->n_pool > 0)
        s = m->pool[--m->n_pool];
    pthread_mutex_unlock(&m->pool_lock);
    return s ? s : scratch_new(m);
}

static void pool_put(struct cadv_manager *m, struct cadv_scratch *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&m->pool_lock);
    if (m->n_pool < POOL_MAX) {
        cadv_xgrow((void **)&m->pool, &m->cap_pool, m->n_pool + 1, sizeof(*m->pool));
        m->pool[m->n_pool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&m->pool_lock);
    scratch_free(s);
}

void cadv_manager_refresh(struct cadv_manager *m, struct cadv_container **arr, size_t n, uint64_t max_age_ns)
{
    uint64_t deadline = cadv_mono_ns() + ONDEMAND_WAIT_NS;
    struct cadv_scratch *s = NULL;
    size_t stored = 0;

    if (max_age_ns == UINT64_MAX)
        max_age_ns--;
    for (size_t i = 0; i < n; i++) {
        struct cadv_container *c = arr[i];
        uint64_t last = atomic_load(&c->last_sample_ns), now = cadv_now_ns();
        int r;

        if (!atomic_load(&c->alive) || (c->is_root && m->cfg->disable_root_cgroup_stats))
            continue;
        if (last && now >= last && now - last <= max_age_ns)
            continue;
        if (cadv_mono_ns() > deadline) {
            cadv_log(CADV_LOG_DEBUG, "On-demand housekeeping took over 2s, %zu containers left stale", n - i);
            break;
        }
        if (!s)
            s = pool_get(m);
        /* Concurrent callers serialise on the container's collect lock, and the second one finds
         * the sample fresh. */
        r = collect(m, c, s, max_age_ns, false);
        if (r < 0) {
            cadv_manager_remove_container(m, c);
            cadv_discovery_recheck(m, c->name);
        }
        stored += r > 0;
    }
    pool_put(m, s);
    if (stored > 0) {
        atomic_fetch_add(&m->ondemand_total, stored);
        atomic_fetch_add(&m->generation, 1);
    }
}
