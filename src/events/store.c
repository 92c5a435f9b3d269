/* SPDX-License-Identifier: Apache-2.0 */
/* store.c - the event store and watches (events/store.h); cAdvisor's events/handler.go and
 * utils/timed_store.go.
 *
 * DESIGN
 *
 * Data: one ring per event type, ordered by timestamp (an out-of-order event, such as the creation
 * of a container found at start with its cgroup's old ctime, is inserted in place), created on the
 * type's first event. After each insert, events older than the newest timestamp minus the type's
 * age limit and the oldest beyond its count limit are dropped, so memory is bounded by the limits.
 *
 * Locks: e->lock guards the rings and the watch list. Each watch has its own lock guarding its
 * queue, its parked/closed flags and its wake callback. cadv_events_add takes a reference on each
 * matching watch under e->lock, releases it, then queues under each watch's lock: a consumer
 * (an HTTP stream) never delays a producer or another consumer beyond one queue operation.
 *
 * Queries copy the selected events out under e->lock (strings included) and sort outside it.
 * Unlike cAdvisor, max_events is applied after the container filter (cAdvisor first keeps the
 * newest max_events of each type regardless of container, so events of the asked container could
 * be missing from its answer). */
#include "events/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/parse.h"
#include "core/xalloc.h"

/* A ring of events ordered by timestamp (logical index 0 = oldest). */
struct ring {
    struct cadv_event *ev;
    size_t head, n, cap;
    uint64_t newest_ns;
};

struct cadv_event_watch {
    atomic_uint refs;
    uint32_t types;
    char *container;
    bool subcontainers;
    pthread_mutex_t lock;
    struct cadv_event *q; /* ring of queue_cap events */
    size_t head, n, cap;
    bool parked, closed;
    cadv_event_wake_fn wake;
    void *ctx;
    _Atomic uint64_t dropped;
    struct cadv_events *owner;
};

struct cadv_events {
    pthread_mutex_t lock;
    struct cadv_event_limits lim;
    struct ring rings[_CADV_EVENT_TYPE_MAX];
    struct cadv_event_watch **watches;
    size_t n_watches, cap_watches;
    _Atomic uint64_t dropped_total;
};

static const char *const type_names[_CADV_EVENT_TYPE_MAX] = {
        [CADV_EVENT_OOM] = "oom",
        [CADV_EVENT_OOM_KILL] = "oomKill",
        [CADV_EVENT_CREATION] = "containerCreation",
        [CADV_EVENT_DELETION] = "containerDeletion",
};

const char *cadv_event_type_name(enum cadv_event_type t)
{
    return (unsigned)t < _CADV_EVENT_TYPE_MAX ? type_names[t] : "";
}

void cadv_event_done(struct cadv_event *ev)
{
    free(ev->container_name);
    free(ev->process_name);
    free(ev->constraint);
    ev->container_name = ev->process_name = ev->constraint = NULL;
}

void cadv_event_array_free(struct cadv_event *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        cadv_event_done(&a[i]);
    free(a);
}

static void event_copy(struct cadv_event *dst, const struct cadv_event *src)
{
    *dst = *src;
    dst->container_name = cadv_xstrdup(src->container_name ? src->container_name : "");
    dst->process_name = src->process_name ? cadv_xstrdup(src->process_name) : NULL;
    dst->constraint = src->constraint ? cadv_xstrdup(src->constraint) : NULL;
}

void cadv_event_json(struct cadv_buf *out, const struct cadv_event *ev)
{
    struct cadv_json w;

    cadv_json_init(&w, out);
    cadv_json_obj_begin(&w);
    cadv_json_kstr(&w, "container_name", ev->container_name ? ev->container_name : "");
    cadv_json_ktime(&w, "timestamp", ev->timestamp_ns);
    cadv_json_kstr(&w, "event_type", cadv_event_type_name(ev->type));
    cadv_json_key(&w, "event_data");
    cadv_json_obj_begin(&w);
    if (ev->type == CADV_EVENT_OOM_KILL) {
        /* cAdvisor's EventData.OomKill has the JSON key "oom". */
        cadv_json_key(&w, "oom");
        cadv_json_obj_begin(&w);
        cadv_json_ki64(&w, "pid", ev->pid);
        cadv_json_kstr(&w, "process_name", ev->process_name ? ev->process_name : "");
        cadv_json_kstr(&w, "constraint", ev->constraint ? ev->constraint : "");
        cadv_json_obj_end(&w);
    }
    cadv_json_obj_end(&w);
    cadv_json_obj_end(&w);
}

/* ---- limits ---- */

static int type_of_key(const char *k, size_t n)
{
    static const struct {
        const char *name;
        enum cadv_event_type t;
    } aliases[] = {{"creation", CADV_EVENT_CREATION}, {"deletion", CADV_EVENT_DELETION}};

    for (int t = 0; t < _CADV_EVENT_TYPE_MAX; t++)
        if (strlen(type_names[t]) == n && memcmp(type_names[t], k, n) == 0)
            return t;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strlen(aliases[i].name) == n && memcmp(aliases[i].name, k, n) == 0)
            return (int)aliases[i].t;
    return -1;
}

/* What the two lists say: per type (index 0..MAX-1) and default (index MAX), with "given" flags. */
struct limit_spec {
    uint64_t age_ns[_CADV_EVENT_TYPE_MAX + 1];
    int64_t count[_CADV_EVENT_TYPE_MAX + 1];
    bool age_set[_CADV_EVENT_TYPE_MAX + 1], count_set[_CADV_EVENT_TYPE_MAX + 1];
};

static int set_age(struct limit_spec *ls, int t, const char *v)
{
    int64_t ns;
    int r = cadv_parse_duration(v, &ns);

    if (r < 0 || ns < 0)
        return -EINVAL;
    ls->age_ns[t] = (uint64_t)ns;
    ls->age_set[t] = true;
    return 0;
}

static int set_count(struct limit_spec *ls, int t, const char *v)
{
    int64_t n;
    int r = cadv_parse_i64(v, &n);

    if (r < 0)
        return r;
    ls->count[t] = n;
    ls->count_set[t] = true;
    return 0;
}

/* One "key=value,..." list (cAdvisor's parseEventsStoragePolicy); set() parses each value. */
static int parse_list(const char *list, const char *what, struct limit_spec *ls, struct cadv_buf *err,
                      int (*set)(struct limit_spec *, int, const char *))
{
    const char *p = list ? list : "";

    while (*p) {
        const char *end = strchr(p, ','), *eq;
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *val;
        int t, r;

        eq = memchr(p, '=', n);
        if (!eq || memchr(eq + 1, '=', n - (size_t)(eq + 1 - p))) {
            cadv_buf_printf(err, "invalid %s entry '%.*s': want type=value", what, (int)n, p);
            return -EINVAL;
        }
        if ((size_t)(eq - p) == 7 && memcmp(p, "default", 7) == 0)
            t = _CADV_EVENT_TYPE_MAX;
        else if ((t = type_of_key(p, (size_t)(eq - p))) < 0) {
            cadv_buf_printf(err,
                            "unknown event type '%.*s' in %s: want default, oom, oomKill, "
                            "containerCreation (creation) or containerDeletion (deletion)",
                            (int)(eq - p), p, what);
            return -EINVAL;
        }
        val = cadv_xstrndup(eq + 1, n - (size_t)(eq + 1 - p));
        r = set(ls, t, val);
        if (r < 0)
            cadv_buf_printf(err, "invalid value '%s' in %s", val, what);
        free(val);
        if (r < 0)
            return -EINVAL;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

int cadv_event_limits_parse(const char *age_list, const char *count_list, struct cadv_event_limits *ret,
                            struct cadv_buf *err)
{
    struct limit_spec ls = {.age_ns[_CADV_EVENT_TYPE_MAX] = 24ULL * 3600 * 1000000000ULL,
                            .count[_CADV_EVENT_TYPE_MAX] = 100000};
    int r;

    r = parse_list(age_list, "-event_storage_age_limit", &ls, err, set_age);
    if (r >= 0)
        r = parse_list(count_list, "-event_storage_event_limit", &ls, err, set_count);
    if (r < 0)
        return r;
    for (int i = 0; i < _CADV_EVENT_TYPE_MAX; i++) {
        ret->max_age_ns[i] = ls.age_set[i] ? ls.age_ns[i] : ls.age_ns[_CADV_EVENT_TYPE_MAX];
        ret->max_count[i] = ls.count_set[i] ? ls.count[i] : ls.count[_CADV_EVENT_TYPE_MAX];
    }
    return 0;
}

/* ---- rings ---- */

static struct cadv_event *ring_at(const struct ring *r, size_t i)
{
    return &r->ev[(r->head + i) % r->cap];
}

static void ring_drop_oldest(struct ring *r, size_t k)
{
    for (size_t i = 0; i < k; i++)
        cadv_event_done(ring_at(r, i));
    r->head = r->cap ? (r->head + k) % r->cap : 0;
    r->n -= k;
}

static void ring_grow(struct ring *r, size_t limit)
{
    size_t cap = r->cap ? r->cap * 2 : 16;
    struct cadv_event *ev;

    if (cap > limit)
        cap = limit;
    ev = cadv_xcalloc(cap, sizeof(*ev));
    for (size_t i = 0; i < r->n; i++)
        ev[i] = *ring_at(r, i);
    free(r->ev);
    r->ev = ev;
    r->cap = cap;
    r->head = 0;
}

/* First logical index whose timestamp is > ts (upper) or >= ts (!upper). */
static size_t ring_search(const struct ring *r, uint64_t ts, bool upper)
{
    size_t lo = 0, hi = r->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t t = ring_at(r, mid)->timestamp_ns;

        if (upper ? t <= ts : t < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t count_limit(int64_t c)
{
    return c < 0 || c > CADV_EVENTS_HARD_MAX ? CADV_EVENTS_HARD_MAX : (size_t)c;
}

static void ring_insert(struct ring *r, const struct cadv_event *ev, uint64_t max_age_ns, size_t limit)
{
    size_t pos;

    if (r->n == limit) {
        if (ev->timestamp_ns < ring_at(r, 0)->timestamp_ns)
            return; /* older than everything kept: it would be dropped at once */
        ring_drop_oldest(r, 1);
    }
    if (r->n == r->cap)
        ring_grow(r, limit);
    pos = ring_search(r, ev->timestamp_ns, true);
    for (size_t i = r->n; i > pos; i--)
        *ring_at(r, i) = *ring_at(r, i - 1);
    r->n++;
    event_copy(ring_at(r, pos), ev);
    if (ev->timestamp_ns > r->newest_ns)
        r->newest_ns = ev->timestamp_ns;
    if (max_age_ns && r->newest_ns > max_age_ns) {
        /* Keep what is newer than newest - age (cAdvisor: After(evictTime)). */
        size_t k = ring_search(r, r->newest_ns - max_age_ns, true);

        ring_drop_oldest(r, k);
    }
}

/* ---- store ---- */

struct cadv_events *cadv_events_new(const struct cadv_event_limits *lim)
{
    struct cadv_events *e = cadv_xcalloc(1, sizeof(*e));

    pthread_mutex_init(&e->lock, NULL);
    e->lim = *lim;
    return e;
}

struct cadv_events *cadv_events_free(struct cadv_events *e)
{
    if (!e)
        return NULL;
    for (int t = 0; t < _CADV_EVENT_TYPE_MAX; t++) {
        ring_drop_oldest(&e->rings[t], e->rings[t].n);
        free(e->rings[t].ev);
    }
    free(e->watches);
    pthread_mutex_destroy(&e->lock);
    free(e);
    return NULL;
}

static bool name_matches(const char *want, bool sub, const char *name)
{
    size_t n;

    if (!want || !*want)
        return true;
    if (!sub)
        return strcmp(name, want) == 0;
    if (strcmp(want, "/") == 0)
        return true;
    /* cAdvisor: HasPrefix(name + "/", want + "/"). */
    n = strlen(want);
    while (n > 1 && want[n - 1] == '/')
        n--;
    return strncmp(name, want, n) == 0 && (name[n] == '\0' || name[n] == '/');
}

static void watch_push(struct cadv_event_watch *w, const struct cadv_event *ev)
{
    pthread_mutex_lock(&w->lock);
    if (w->closed || !w->wake) {
        pthread_mutex_unlock(&w->lock);
        return;
    }
    if (w->n == w->cap) {
        atomic_fetch_add(&w->dropped, 1);
        atomic_fetch_add(&w->owner->dropped_total, 1);
    } else {
        event_copy(&w->q[(w->head + w->n) % w->cap], ev);
        w->n++;
        if (w->parked) {
            w->parked = false;
            w->wake(w->ctx);
        }
    }
    pthread_mutex_unlock(&w->lock);
}

static void watch_unref(struct cadv_event_watch *w)
{
    if (atomic_fetch_sub(&w->refs, 1) != 1)
        return;
    for (size_t i = 0; i < w->n; i++)
        cadv_event_done(&w->q[(w->head + i) % w->cap]);
    free(w->q);
    free(w->container);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void cadv_events_add(struct cadv_events *e, const struct cadv_event *ev)
{
    struct cadv_event_watch *inline_w[16], **ws = inline_w;
    size_t nw = 0;
    int64_t c;

    if ((unsigned)ev->type >= _CADV_EVENT_TYPE_MAX)
        return;
    pthread_mutex_lock(&e->lock);
    c = e->lim.max_count[ev->type];
    if (c != 0)
        ring_insert(&e->rings[ev->type], ev, e->lim.max_age_ns[ev->type], count_limit(c));
    if (e->n_watches > 16)
        ws = cadv_xcalloc(e->n_watches, sizeof(*ws));
    for (size_t i = 0; i < e->n_watches; i++) {
        struct cadv_event_watch *w = e->watches[i];

        if ((w->types & (1u << ev->type)) &&
            name_matches(w->container, w->subcontainers, ev->container_name)) {
            atomic_fetch_add(&w->refs, 1);
            ws[nw++] = w;
        }
    }
    pthread_mutex_unlock(&e->lock);
    for (size_t i = 0; i < nw; i++) {
        watch_push(ws[i], ev);
        watch_unref(ws[i]);
    }
    if (ws != inline_w)
        free(ws);
}

static int cmp_ts(const void *a, const void *b)
{
    const struct cadv_event *x = *(const struct cadv_event *const *)a,
                            *y = *(const struct cadv_event *const *)b;

    if (x->timestamp_ns != y->timestamp_ns)
        return x->timestamp_ns < y->timestamp_ns ? -1 : 1;
    return (int)x->type - (int)y->type;
}

int cadv_events_query(struct cadv_events *e, const struct cadv_event_query *q, struct cadv_event **ret,
                      size_t *ret_n)
{
    const struct cadv_event **sel = NULL;
    struct cadv_event *out = NULL;
    size_t n = 0, cap = 0, first = 0;

    pthread_mutex_lock(&e->lock);
    for (int t = 0; t < _CADV_EVENT_TYPE_MAX && q->max_events != 0; t++) {
        const struct ring *r = &e->rings[t];
        size_t lo, hi;

        if (!(q->types & (1u << t)))
            continue;
        lo = q->start_ns ? ring_search(r, q->start_ns, false) : 0;
        hi = q->end_ns ? ring_search(r, q->end_ns, true) : r->n;
        for (size_t i = lo; i < hi; i++) {
            const struct cadv_event *ev = ring_at(r, i);

            if (!name_matches(q->container, q->subcontainers, ev->container_name))
                continue;
            cadv_xgrow((void **)&sel, &cap, n + 1, sizeof(*sel));
            sel[n++] = ev;
        }
    }
    if (n > 1)
        qsort(sel, n, sizeof(*sel), cmp_ts);
    if (q->max_events > 0 && n > (uint64_t)q->max_events)
        first = n - (size_t)q->max_events;
    if (n > first) {
        out = cadv_xcalloc(n - first, sizeof(*out));
        for (size_t i = first; i < n; i++)
            event_copy(&out[i - first], sel[i]);
    }
    pthread_mutex_unlock(&e->lock);
    free(sel);
    *ret = out;
    *ret_n = n - first;
    return 0;
}

size_t cadv_events_count(struct cadv_events *e)
{
    size_t n = 0;

    pthread_mutex_lock(&e->lock);
    for (int t = 0; t < _CADV_EVENT_TYPE_MAX; t++)
        n += e->rings[t].n;
    pthread_mutex_unlock(&e->lock);
    return n;
}

uint64_t cadv_events_dropped_total(struct cadv_events *e)
{
    return atomic_load(&e->dropped_total);
}

/* ---- watches ---- */

struct cadv_event_watch *cadv_events_watch(struct cadv_events *e, const struct cadv_event_query *q,
                                           size_t queue_cap, cadv_event_wake_fn wake, void *ctx)
{
    struct cadv_event_watch *w = cadv_xcalloc(1, sizeof(*w));

    atomic_init(&w->refs, 1);
    w->types = q->types;
    w->container = q->container && *q->container ? cadv_xstrdup(q->container) : NULL;
    w->subcontainers = q->subcontainers;
    pthread_mutex_init(&w->lock, NULL);
    w->cap = queue_cap ? queue_cap : 1;
    w->q = cadv_xcalloc(w->cap, sizeof(*w->q));
    w->wake = wake;
    w->ctx = ctx;
    w->owner = e;
    pthread_mutex_lock(&e->lock);
    cadv_xgrow((void **)&e->watches, &e->cap_watches, e->n_watches + 1, sizeof(*e->watches));
    e->watches[e->n_watches++] = w;
    pthread_mutex_unlock(&e->lock);
    return w;
}

int cadv_event_watch_pop(struct cadv_event_watch *w, struct cadv_event *ret, cadv_event_park_fn park,
                         void *ctx)
{
    int r = 0;

    pthread_mutex_lock(&w->lock);
    if (w->n > 0) {
        *ret = w->q[w->head];
        memset(&w->q[w->head], 0, sizeof(w->q[w->head]));
        w->head = (w->head + 1) % w->cap;
        w->n--;
    } else if (w->closed) {
        r = -EPIPE;
    } else {
        if (park) {
            w->parked = true;
            park(ctx);
        }
        r = -EAGAIN;
    }
    pthread_mutex_unlock(&w->lock);
    return r;
}

void cadv_event_watch_close(struct cadv_event_watch *w)
{
    pthread_mutex_lock(&w->lock);
    w->closed = true;
    if (w->parked && w->wake) {
        w->parked = false;
        w->wake(w->ctx);
    }
    pthread_mutex_unlock(&w->lock);
}

uint64_t cadv_event_watch_dropped(struct cadv_event_watch *w)
{
    return atomic_load(&w->dropped);
}

void cadv_events_unwatch(struct cadv_events *e, struct cadv_event_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->n_watches; i++)
        if (e->watches[i] == w) {
            e->watches[i] = e->watches[--e->n_watches];
            break;
        }
    pthread_mutex_unlock(&e->lock);
    pthread_mutex_lock(&w->lock);
    w->wake = NULL;
    w->closed = true;
    pthread_mutex_unlock(&w->lock);
    watch_unref(w);
}
