/* SPDX-License-Identifier: Apache-2.0 */
/* ring.c - one container's history, kept packed.
 *
 * DESIGN
 * Data: a circular array of slots, oldest at `head`, `count` of them live. A slot holds a timestamp
 * and the sample packed by cadv_sample_pack (varint words, ~100-200 bytes for a typical container)
 * in a malloc'd buffer that stays with the slot when its sample is evicted, so that in the steady
 * state an insert reuses the buffer of the sample it replaces and allocates nothing.
 *
 * Invariants: timestamps never decrease from head to tail (out-of-order inserts are refused);
 * every live sample is newer than (newest - max_age) as of the last insert (cAdvisor's TimedStore
 * evicts on insert only, against the inserted timestamp); count <= cap <= CADV_RING_HARD_CAP.
 *
 * Capacity: sized at creation for max_age / expected_interval samples plus slack. When a sample
 * arrives while the array is full of samples still within max_age (intervals shorter than
 * expected), the array doubles instead of dropping them, up to CADV_RING_HARD_CAP slots; only at
 * that cap is the oldest sample dropped before its age.
 *
 * Threads: one mutex per ring. add() packs into a per-thread scratch buffer before taking the
 * lock and only copies bytes under it; readers unpack under the lock (cheap, bounded by the
 * query) and format outside it, never here. */
#include "store/ring.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "model/sample.h"

#define CADV_RING_HARD_CAP 100000
#define CADV_RING_MIN_CAP  4
#define CADV_RING_SLACK    2 /* samples beyond max_age / interval: both ends of the window are inclusive */

struct slot {
    uint64_t ts;
    uint8_t *data;
    uint32_t len;
    uint32_t cap;
};

struct cadv_ring {
    pthread_mutex_t lock;
    uint64_t max_age_ns;
    struct slot *slots;
    size_t cap;        /* slots allocated */
    size_t head;       /* index of the oldest live sample */
    size_t count;      /* live samples */
    size_t data_bytes; /* sum of the slots' buffer capacities */
};

/* ---- per-thread packing buffer ---- */

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    struct cadv_buf *b = p;

    cadv_buf_done(b);
    free(b);
}

static void scratch_key_init(void)
{
    if (pthread_key_create(&scratch_key, scratch_free) != 0)
        abort();
}

/* The calling thread's packing buffer (created on first use, freed when the thread exits). */
static struct cadv_buf *scratch(void)
{
    struct cadv_buf *b;

    (void)pthread_once(&scratch_once, scratch_key_init);
    b = pthread_getspecific(scratch_key);
    if (!b) {
        b = cadv_xmalloc(sizeof(*b));
        cadv_buf_init(b, 0);
        if (pthread_setspecific(scratch_key, b) != 0)
            abort();
    }
    cadv_buf_clear(b);
    return b;
}

/* ---- ring ---- */

static struct slot *at(const struct cadv_ring *r, size_t i)
{
    /* NOLINTNEXTLINE(clang-analyzer-core.DivideZero): cap >= CADV_RING_MIN_CAP from cadv_ring_new on. */
    return &r->slots[(r->head + i) % r->cap];
}

struct cadv_ring *cadv_ring_new(uint64_t max_age_ns, uint64_t expected_interval_ns)
{
    struct cadv_ring *r = cadv_xcalloc(1, sizeof(*r));
    uint64_t need = CADV_RING_MIN_CAP;

    if (expected_interval_ns > 0)
        need = max_age_ns / expected_interval_ns + CADV_RING_SLACK;
    if (need < CADV_RING_MIN_CAP)
        need = CADV_RING_MIN_CAP;
    if (need > CADV_RING_HARD_CAP)
        need = CADV_RING_HARD_CAP;
    r->max_age_ns = max_age_ns;
    r->cap = (size_t)need;
    r->slots = cadv_xcalloc(r->cap, sizeof(*r->slots));
    if (pthread_mutex_init(&r->lock, NULL) != 0)
        abort();
    return r;
}

struct cadv_ring *cadv_ring_free(struct cadv_ring *r)
{
    if (!r)
        return NULL;
    for (size_t i = 0; i < r->cap; i++)
        free(r->slots[i].data);
    free(r->slots);
    (void)pthread_mutex_destroy(&r->lock);
    free(r);
    return NULL;
}

/* Doubles the slot array (only called when it is full, so every slot holds a live sample). */
static void grow(struct cadv_ring *r)
{
    size_t ncap = r->cap * 2 > CADV_RING_HARD_CAP ? CADV_RING_HARD_CAP : r->cap * 2;
    struct slot *n = cadv_xcalloc(ncap, sizeof(*n));

    for (size_t i = 0; i < r->count; i++)
        n[i] = *at(r, i);
    free(r->slots);
    r->slots = n;
    r->cap = ncap;
    r->head = 0;
}

/* Copies len bytes into the slot, reusing its buffer unless it is too small or far too large. */
static void slot_store(struct cadv_ring *r, struct slot *sl, const void *p, size_t len)
{
    if (sl->cap < len || sl->cap > len + len / 2 + 64) {
        size_t ncap = (len + len / 16 + 8 + 7) & ~(size_t)7;

        free(sl->data);
        sl->data = cadv_xmalloc(ncap);
        r->data_bytes = r->data_bytes - sl->cap + ncap;
        sl->cap = (uint32_t)ncap;
    }
    memcpy(sl->data, p, len);
    sl->len = (uint32_t)len;
}

int cadv_ring_add(struct cadv_ring *r, const struct cadv_sample *s)
{
    struct cadv_buf *b = scratch();
    uint64_t ts = s->c.timestamp_ns;

    cadv_sample_pack(s, b);
    assert(!b->overflow && b->len < UINT32_MAX); /* sample arrays are capped: tens of KiB at most */
    pthread_mutex_lock(&r->lock);
    if (r->count > 0 && ts < at(r, r->count - 1)->ts) {
        pthread_mutex_unlock(&r->lock);
        return -EINVAL;
    }
    /* cAdvisor keeps samples strictly after (ts - max_age). */
    if (ts >= r->max_age_ns)
        while (r->count > 0 && at(r, 0)->ts <= ts - r->max_age_ns) {
            r->head = (r->head + 1) % r->cap;
            r->count--;
        }
    if (r->count == r->cap) {
        if (r->cap < CADV_RING_HARD_CAP) {
            grow(r);
        } else {
            r->head = (r->head + 1) % r->cap;
            r->count--;
        }
    }
    {
        struct slot *sl = at(r, r->count);

        slot_store(r, sl, b->data, b->len);
        sl->ts = ts;
        r->count++;
    }
    pthread_mutex_unlock(&r->lock);
    return 0;
}

size_t cadv_ring_count(struct cadv_ring *r)
{
    size_t n;

    pthread_mutex_lock(&r->lock);
    n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}

static int unpack(const struct slot *sl, struct cadv_sample *dst)
{
    return cadv_sample_unpack(sl->data, sl->len, dst);
}

int cadv_ring_latest(struct cadv_ring *r, struct cadv_sample *dst)
{
    int ret = -ENOENT;

    pthread_mutex_lock(&r->lock);
    if (r->count > 0)
        ret = unpack(at(r, r->count - 1), dst);
    pthread_mutex_unlock(&r->lock);
    return ret;
}

int cadv_ring_latest2(struct cadv_ring *r, struct cadv_sample *newest, struct cadv_sample *prev)
{
    int n = 0;

    pthread_mutex_lock(&r->lock);
    if (r->count > 0 && unpack(at(r, r->count - 1), newest) == 0) {
        n = 1;
        if (r->count > 1 && prev && unpack(at(r, r->count - 2), prev) == 0)
            n = 2;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* First logical index whose timestamp is >= ts (or > ts when after), by binary search. */
static size_t search(const struct cadv_ring *r, uint64_t ts, bool after)
{
    size_t lo = 0, hi = r->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t t = at(r, mid)->ts;

        if (after ? t <= ts : t < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int cadv_ring_query(struct cadv_ring *r, uint64_t start_ns, uint64_t end_ns, int max_n,
                    struct cadv_sample **ret, size_t *ret_n)
{
    struct cadv_sample *arr = NULL;
    size_t lo, hi, n = 0;
    int rc = 0;

    pthread_mutex_lock(&r->lock);
    lo = search(r, start_ns, false);
    hi = end_ns ? search(r, end_ns, true) : r->count;
    if (hi > lo && max_n != 0) {
        n = hi - lo;
        if (max_n > 0 && n > (size_t)max_n) {
            lo = hi - (size_t)max_n;
            n = (size_t)max_n;
        }
        arr = cadv_xcalloc(n, sizeof(*arr));
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = unpack(at(r, lo + i), &arr[i]);
    }
    pthread_mutex_unlock(&r->lock);
    if (rc < 0) {
        cadv_samples_free(arr, n);
        return rc;
    }
    *ret = arr;
    *ret_n = n;
    return 0;
}

size_t cadv_ring_bytes(struct cadv_ring *r)
{
    size_t n;

    pthread_mutex_lock(&r->lock);
    n = sizeof(*r) + r->cap * sizeof(*r->slots) + r->data_bytes;
    pthread_mutex_unlock(&r->lock);
    return n;
}
