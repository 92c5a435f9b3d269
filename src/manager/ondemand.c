/* SPDX-License-Identifier: Apache-2.0 */
/* ondemand.c - on-demand collections on caller threads (see ondemand.h). */
#include "manager/ondemand.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "manager/container.h"
#include "manager/lifecycle.h"
#include "manager/manager.h"
#include "manager/scheduler.h"

#define ONDEMAND_WAIT_NS (2 * CADV_NS_PER_SEC)
#define POOL_MAX         16

struct ondemand {
    struct scheduler *sched; /* borrowed */
    bool skip_root;
    pthread_mutex_t lock; /* the pool */
    struct cadv_scratch **pool;
    size_t n_pool, cap_pool;
};

struct ondemand *ondemand_new(struct scheduler *sched, bool skip_root)
{
    struct ondemand *od = cadv_xcalloc(1, sizeof(*od));

    od->sched = sched;
    od->skip_root = skip_root;
    pthread_mutex_init(&od->lock, NULL);
    return od;
}

struct ondemand *ondemand_free(struct ondemand *od)
{
    if (!od)
        return NULL;
    for (size_t i = 0; i < od->n_pool; i++)
        scheduler_scratch_free(od->pool[i]);
    free(od->pool);
    pthread_mutex_destroy(&od->lock);
    free(od);
    return NULL;
}

static struct cadv_scratch *pool_get(struct ondemand *od)
{
    struct cadv_scratch *s = NULL;

    pthread_mutex_lock(&od->lock);
    if (od->n_pool > 0)
        s = od->pool[--od->n_pool];
    pthread_mutex_unlock(&od->lock);
    return s ? s : scheduler_scratch_new(od->sched);
}

static void pool_put(struct ondemand *od, struct cadv_scratch *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&od->lock);
    if (od->n_pool < POOL_MAX) {
        cadv_xgrow((void **)&od->pool, &od->cap_pool, od->n_pool + 1, sizeof(*od->pool));
        od->pool[od->n_pool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&od->lock);
    scheduler_scratch_free(s);
}

void cadv_manager_refresh(struct cadv_manager *m, struct cadv_container **arr, size_t n, uint64_t max_age_ns)
{
    struct ondemand *od = manager_ondemand(m);
    uint64_t deadline = cadv_mono_ns() + ONDEMAND_WAIT_NS;
    struct cadv_scratch *s = NULL;
    size_t stored = 0;

    if (max_age_ns == UINT64_MAX)
        max_age_ns--;
    for (size_t i = 0; i < n; i++) {
        struct cadv_container *c = arr[i];
        uint64_t last = atomic_load(&c->last_sample_ns), now = cadv_now_ns();
        int r;

        if (!atomic_load(&c->alive) || (c->is_root && od->skip_root))
            continue;
        if (last && now >= last && now - last <= max_age_ns)
            continue;
        if (cadv_mono_ns() > deadline) {
            cadv_log(CADV_LOG_DEBUG, "On-demand housekeeping took over 2s, %zu containers left stale", n - i);
            break;
        }
        if (!s)
            s = pool_get(od);
        /* Concurrent callers serialise on the container's collect lock, and the second one finds
         * the sample fresh. */
        r = scheduler_collect_now(od->sched, c, s, max_age_ns);
        if (r < 0)
            manager_container_gone(m, c);
        stored += r > 0;
    }
    pool_put(od, s);
    scheduler_count_ondemand(od->sched, stored);
}
