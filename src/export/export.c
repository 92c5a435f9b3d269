/* SPDX-License-Identifier: Apache-2.0 */
/* export.c - the driver registry, the bounded queue per driver and the driver threads (export.h). */
#include "export/export.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "core/buf.h"
#include "core/dynlib.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "export/drivers.h"
#include "manager/manager.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"

const struct cadv_exporter *const cadv_exporters[] = {
        &cadv_exporter_stdout,       &cadv_exporter_statsd,
        &cadv_exporter_influxdb,     &cadv_exporter_redis,
        &cadv_exporter_kafka,        &cadv_exporter_elasticsearch,
        &cadv_exporter_remote_write, NULL,
};

#define MAX_DRIVERS     16
#define POP_BATCH       256
#define SPEC_CACHE      1024 /* direct-mapped, by container pointer */
#define BACKOFF_MIN_NS  (500ull * 1000000ull)
#define BACKOFF_MAX_NS  (30ull * 1000000000ull)
#define IDLE_WAKE_NS    (1000ull * 1000000ull)
#define NAME_LIST_WIDTH 256

struct slot {
    struct cadv_container *c; /* reference held while queued */
    uint8_t *p;               /* packed sample (cadv_sample_pack) */
    size_t len, cap;
};

struct spec_entry {
    struct cadv_container *c; /* reference held */
    uint64_t version;
    struct cadv_spec spec;
    char *name; /* first alias, else the cgroup name (owned) */
};

struct driver {
    const struct cadv_exporter *ops;
    void *state;
    struct cadv_export *e;
    pthread_t thread;
    bool started;

    pthread_mutex_t lock; /* the ring and the stop flag */
    pthread_cond_t cond;
    struct slot *ring;
    size_t cap, head, n;
    bool stopping;
    bool dropping;          /* inside a drop episode (logged once) */
    uint64_t episode_drops; /* drops in the current episode */

    _Atomic uint64_t sent, dropped, errors;
    _Atomic bool abort_io; /* the shutdown window is over: blocked I/O gives up */

    /* Driver thread only. */
    struct slot local[POP_BATCH];
    struct spec_entry *specs;
    struct cadv_sample scratch;
    struct cadv_machine_info *machine; /* reference, refreshed every pop round */
    uint64_t pending;                  /* samples in the driver's unsent batch */
    uint64_t last_flush_mono;
    bool failing; /* inside a delivery failure episode (logged once) */
    uint64_t failures;
    uint64_t stop_deadline; /* monotonic; 0 until the stop flag was seen */
};

struct cadv_export {
    const struct cadv_config *cfg;
    struct cadv_manager *m;
    char hostname[256];
    struct driver drivers[MAX_DRIVERS];
    size_t n;
};

static const struct cadv_exporter *find_driver(const char *name, size_t len)
{
    for (size_t i = 0; cadv_exporters[i]; i++)
        if (strlen(cadv_exporters[i]->name) == len && memcmp(cadv_exporters[i]->name, name, len) == 0)
            return cadv_exporters[i];
    return NULL;
}

static void known_names(char *out, size_t size)
{
    size_t off = 0;

    out[0] = '\0';
    for (size_t i = 0; cadv_exporters[i] && off < size; i++) {
        int k = snprintf(out + off, size - off, "%s%s", i ? ", " : "", cadv_exporters[i]->name);
        if (k < 0)
            break;
        off += (size_t)k;
    }
}

/* Calls fn for each non-empty comma-separated entry; stops at the first negative return. */
static int each_name(const char *list, int (*fn)(void *arg, const char *name, size_t len), void *arg)
{
    const char *p = list ? list : "";

    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int r;

        while (len > 0 && p[0] == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len > 0) {
            r = fn(arg, p, len);
            if (r < 0)
                return r;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

struct check_ctx {
    FILE *err;
    const struct cadv_exporter *seen[MAX_DRIVERS];
    size_t n;
};

static int check_one(void *arg, const char *name, size_t len)
{
    struct check_ctx *x = arg;
    const struct cadv_exporter *d = find_driver(name, len);
    char known[NAME_LIST_WIDTH];
    const char *why = NULL;

    known_names(known, sizeof(known));
    if (len == 8 && memcmp(name, "bigquery", 8) == 0) {
        fprintf(x->err,
                "-storage_driver: 'bigquery' is not supported by cadv (it needs Google credentials and "
                "network, and cAdvisor's own driver panics at start-up); use one of: %s\n",
                known);
        return -EINVAL;
    }
    if (!d) {
        fprintf(x->err, "-storage_driver: unknown storage driver '%.*s'; known drivers: %s\n", (int)len, name,
                known);
        return -EINVAL;
    }
    for (size_t i = 0; i < x->n; i++)
        if (x->seen[i] == d) {
            fprintf(x->err, "-storage_driver: '%s' is listed twice\n", d->name);
            return -EINVAL;
        }
    if (x->n >= MAX_DRIVERS)
        return -EINVAL;
    if (d->library && cadv_dynlib_load(d->library, &why) < 0) {
        fprintf(x->err, "-storage_driver=%s needs %s\n", d->name, why);
        return -EINVAL;
    }
    x->seen[x->n++] = d;
    return 0;
}

int cadv_export_check(const char *list, FILE *err)
{
    struct check_ctx x = {.err = err};

    return each_name(list, check_one, &x);
}

/* ---- the queue (any thread) ---- */

static void slot_fill(struct slot *sl, struct cadv_container *c, const struct cadv_sample *s)
{
    struct cadv_buf b = {.data = (char *)sl->p, .len = 0, .cap = sl->cap};

    cadv_sample_pack(s, &b);
    sl->p = (uint8_t *)b.data;
    sl->cap = b.cap;
    sl->len = b.len;
    sl->c = cadv_container_ref(c);
}

static void enqueue(struct driver *d, struct cadv_container *c, const struct cadv_sample *s)
{
    struct cadv_container *old = NULL;
    bool log_drop = false;
    struct slot *sl;

    pthread_mutex_lock(&d->lock);
    if (d->n == d->cap) {
        sl = &d->ring[d->head]; /* drop the oldest */
        old = sl->c;
        sl->c = NULL;
        d->head = (d->head + 1) % d->cap;
        d->n--;
        atomic_fetch_add(&d->dropped, 1);
        d->episode_drops++;
        if (!d->dropping) {
            d->dropping = true;
            log_drop = true;
        }
    }
    sl = &d->ring[(d->head + d->n) % d->cap];
    slot_fill(sl, c, s);
    d->n++;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
    if (log_drop)
        cadv_log(CADV_LOG_WARNING,
                 "storage driver '%s': queue full (%zu samples), dropping the oldest samples until it drains",
                 d->ops->name, d->cap);
    cadv_container_unref(old);
}

void cadv_export_hook(void *arg, struct cadv_container *c, const struct cadv_sample *s)
{
    struct cadv_export *e = arg;

    for (size_t i = 0; i < e->n; i++)
        enqueue(&e->drivers[i], c, s);
}

/* ---- the driver thread ---- */

static struct spec_entry *spec_for(struct driver *d, struct cadv_container *c)
{
    size_t h = ((uintptr_t)c >> 4) % SPEC_CACHE;
    struct spec_entry *se = &d->specs[h];
    uint64_t v = cadv_container_spec_version(c) + 1;

    if (se->c != c || se->version != v) {
        if (se->c != c) {
            cadv_container_unref(se->c);
            se->c = cadv_container_ref(c);
        }
        cadv_container_spec(c, &se->spec);
        free(se->name);
        se->name = cadv_xstrdup(se->spec.n_aliases > 0 ? se->spec.aliases[0] : cadv_container_name(c));
        se->version = v;
    }
    return se;
}

/* Waits on d->cond until the deadline (monotonic ns) or a signal. d->lock held. */
static void wait_until(struct driver *d, uint64_t deadline_mono)
{
    uint64_t now = cadv_mono_ns();
    struct timespec ts;
    uint64_t rt;

    if (deadline_mono <= now)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    rt = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (deadline_mono - now);
    ts.tv_sec = (time_t)(rt / 1000000000ull);
    ts.tv_nsec = (long)(rt % 1000000000ull);
    (void)pthread_cond_timedwait(&d->cond, &d->lock, &ts);
}

/* True once the stop flag is set; starts the shutdown window the first time it sees it. */
static bool is_stopping(struct driver *d)
{
    bool s;

    pthread_mutex_lock(&d->lock);
    s = d->stopping;
    pthread_mutex_unlock(&d->lock);
    if (s && d->stop_deadline == 0)
        d->stop_deadline = cadv_mono_ns() + CADV_EXPORT_SHUTDOWN_NS;
    return s;
}

/* Sleeps for ns unless the driver is told to stop (enqueues signal the same condition). */
static void backoff_sleep(struct driver *d, uint64_t ns)
{
    uint64_t until = cadv_mono_ns() + ns;

    pthread_mutex_lock(&d->lock);
    while (!d->stopping && cadv_mono_ns() < until)
        wait_until(d, until);
    pthread_mutex_unlock(&d->lock);
}

/* Sends the pending batch, retrying with back-off. Returns false only when the shutdown window
 * ended first. */
static bool deliver(struct driver *d)
{
    uint64_t backoff = BACKOFF_MIN_NS;
    char err[CADV_EXPORT_ERR_MAX];

    while (d->pending > 0) {
        int r;

        err[0] = '\0';
        r = d->ops->flush(d->state, err, sizeof(err));
        if (r >= 0) {
            atomic_fetch_add(&d->sent, d->pending);
            d->pending = 0;
            d->last_flush_mono = cadv_mono_ns();
            if (d->failing)
                cadv_log(CADV_LOG_NOTICE,
                         "storage driver '%s': delivery resumed after %" PRIu64 " failed attempts",
                         d->ops->name, d->failures);
            d->failing = false;
            d->failures = 0;
            return true;
        }
        atomic_fetch_add(&d->errors, 1);
        if (r == -EBADMSG) {
            atomic_fetch_add(&d->dropped, d->pending);
            cadv_log(CADV_LOG_ERROR, "storage driver '%s': %" PRIu64 " samples refused by the backend: %s",
                     d->ops->name, d->pending, err);
            d->pending = 0;
            return true;
        }
        d->failures++;
        if (!d->failing) {
            d->failing = true;
            cadv_log(CADV_LOG_ERROR, "storage driver '%s': delivery failed: %s; retrying with back-off",
                     d->ops->name, err[0] ? err : strerror(-r));
        }
        /* At shutdown a failing backend gets no more attempts: exit promptly, count the rest. */
        if (is_stopping(d))
            return false;
        backoff_sleep(d, backoff);
        if (is_stopping(d) && cadv_mono_ns() >= d->stop_deadline)
            return false;
        backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
    }
    return true;
}

/* Formats the popped entries into the driver's batch; flushes when the driver asks. */
static void process(struct driver *d, size_t k)
{
    if (k > 0) {
        cadv_machine_info_unref(d->machine);
        d->machine = cadv_manager_machine_info(d->e->m);
    }
    for (size_t i = 0; i < k; i++) {
        struct slot *sl = &d->local[i];
        struct spec_entry *se;
        struct cadv_export_record rec;

        if (cadv_sample_unpack(sl->p, sl->len, &d->scratch) < 0) {
            atomic_fetch_add(&d->dropped, 1); /* cannot happen: we packed it */
            sl->c = cadv_container_unref(sl->c);
            continue;
        }
        se = spec_for(d, sl->c);
        rec = (struct cadv_export_record){.name = se->name,
                                          .cgroup_name = cadv_container_name(sl->c),
                                          .id = se->spec.id ? se->spec.id : "",
                                          .spec = &se->spec,
                                          .s = &d->scratch,
                                          .machine = d->machine};
        sl->c = cadv_container_unref(sl->c);
        d->pending++;
        if (d->ops->add_stats(d->state, &rec) > 0 && !deliver(d)) {
            atomic_fetch_add(&d->dropped, d->pending + (k - i - 1));
            d->pending = 0;
            for (size_t j = i + 1; j < k; j++)
                d->local[j].c = cadv_container_unref(d->local[j].c);
            return;
        }
    }
}

/* Moves up to POP_BATCH entries into d->local (swapping buffers). When this ends a drop episode,
 * *ret_episode_drops gets its count. d->lock held. */
static size_t pop(struct driver *d, uint64_t *ret_episode_drops)
{
    size_t k = 0;

    while (d->n > 0 && k < POP_BATCH) {
        struct slot tmp = d->local[k];

        d->local[k] = d->ring[d->head];
        d->ring[d->head] = tmp;
        d->ring[d->head].c = NULL;
        d->head = (d->head + 1) % d->cap;
        d->n--;
        k++;
    }
    if (d->n == 0 && d->dropping) {
        *ret_episode_drops = d->episode_drops; /* logged by the caller, outside the lock */
        d->dropping = false;
        d->episode_drops = 0;
    }
    return k;
}

static void *driver_main(void *arg)
{
    struct driver *d = arg;
    const uint64_t window = (uint64_t)d->e->cfg->storage_driver_buffer_duration_ns;
    uint64_t episode_drops = 0, left;

    d->last_flush_mono = cadv_mono_ns();
    for (;;) {
        size_t k;
        bool stopping;

        pthread_mutex_lock(&d->lock);
        if (d->n == 0 && !d->stopping) {
            uint64_t due = d->last_flush_mono + window;
            wait_until(d, d->ops->buffered && d->pending ? due : cadv_mono_ns() + IDLE_WAKE_NS);
        }
        k = pop(d, &episode_drops);
        pthread_mutex_unlock(&d->lock);
        if (episode_drops) {
            cadv_log(CADV_LOG_NOTICE, "storage driver '%s': queue drained, %" PRIu64 " samples were dropped",
                     d->ops->name, episode_drops);
            episode_drops = 0;
        }
        stopping = is_stopping(d);
        process(d, k);
        if (d->pending && (stopping || !d->ops->buffered || cadv_mono_ns() - d->last_flush_mono >= window) &&
            !deliver(d))
            break;
        if (stopping && k == 0 && d->pending == 0)
            break;
        if (stopping && cadv_mono_ns() >= d->stop_deadline)
            break;
    }
    pthread_mutex_lock(&d->lock);
    left = d->pending + d->n;
    atomic_fetch_add(&d->dropped, left);
    d->pending = 0;
    pthread_mutex_unlock(&d->lock);
    if (left)
        cadv_log(CADV_LOG_WARNING, "storage driver '%s': %" PRIu64 " samples not delivered at shutdown",
                 d->ops->name, left);
    return NULL;
}

/* ---- lifecycle ---- */

struct new_ctx {
    struct cadv_export *e;
    int r;
};

static int start_one(void *arg, const char *name, size_t len)
{
    struct new_ctx *x = arg;
    struct cadv_export *e = x->e;
    const struct cadv_exporter *ops = find_driver(name, len);
    struct driver *d = &e->drivers[e->n];
    struct cadv_export_env env = {.cfg = e->cfg, .hostname = e->hostname, .abort_io = &d->abort_io};
    char err[CADV_EXPORT_ERR_MAX] = "";
    int r;

    if (!ops || e->n >= MAX_DRIVERS)
        return -EINVAL; /* cadv_export_check ran first */
    d->ops = ops;
    d->e = e;
    r = ops->init(&env, &d->state, err, sizeof(err));
    if (r < 0) {
        cadv_log(CADV_LOG_ERROR, "storage driver '%s': %s", ops->name, err[0] ? err : strerror(-r));
        return r;
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cond, &ca);
    pthread_condattr_destroy(&ca);
    d->cap = (size_t)e->cfg->storage_driver_queue_size;
    d->ring = cadv_xcalloc(d->cap, sizeof(*d->ring));
    d->specs = cadv_xcalloc(SPEC_CACHE, sizeof(*d->specs));
    for (size_t i = 0; i < SPEC_CACHE; i++)
        cadv_spec_init(&d->specs[i].spec);
    cadv_sample_init(&d->scratch);
    e->n++;
    r = pthread_create(&d->thread, NULL, driver_main, d);
    if (r != 0)
        return cadv_log_errno(CADV_LOG_ERROR, -r, "storage driver '%s': cannot start its thread", ops->name);
    d->started = true;
    cadv_log(CADV_LOG_INFO, "storage driver '%s' started", ops->name);
    return 0;
}

int cadv_export_new(const struct cadv_config *cfg, struct cadv_manager *m, struct cadv_export **ret)
{
    struct cadv_export *e;
    struct new_ctx x;
    int r;

    r = cadv_export_check(cfg->storage_driver, stderr);
    if (r < 0)
        return r;
    e = cadv_xcalloc(1, sizeof(*e));
    e->cfg = cfg;
    e->m = m;
    if (gethostname(e->hostname, sizeof(e->hostname) - 1) < 0)
        (void)snprintf(e->hostname, sizeof(e->hostname), "localhost");
    x = (struct new_ctx){.e = e};
    r = each_name(cfg->storage_driver, start_one, &x);
    if (r < 0) {
        cadv_export_free(e);
        return r;
    }
    if (e->n == 0) {
        cadv_export_free(e);
        e = NULL;
    }
    *ret = e;
    return 0;
}

static void driver_done(struct driver *d, uint64_t deadline_mono)
{
    if (d->started) {
        uint64_t rt = cadv_now_ns() + (deadline_mono > cadv_mono_ns() ? deadline_mono - cadv_mono_ns() : 0);
        struct timespec ts = {.tv_sec = (time_t)(rt / 1000000000ull), .tv_nsec = (long)(rt % 1000000000ull)};

        if (pthread_timedjoin_np(d->thread, NULL, &ts) != 0) {
            cadv_log(CADV_LOG_WARNING, "storage driver '%s': still busy at shutdown, aborting its I/O",
                     d->ops->name);
            atomic_store(&d->abort_io, true);
            pthread_join(d->thread, NULL);
        }
    }
    d->ops->close(d->state);
    for (size_t i = 0; i < d->cap; i++) {
        cadv_container_unref(d->ring[i].c);
        free(d->ring[i].p);
    }
    for (size_t i = 0; i < POP_BATCH; i++) {
        cadv_container_unref(d->local[i].c);
        free(d->local[i].p);
    }
    for (size_t i = 0; i < SPEC_CACHE; i++) {
        cadv_container_unref(d->specs[i].c);
        cadv_spec_done(&d->specs[i].spec);
        free(d->specs[i].name);
    }
    free(d->specs);
    free(d->ring);
    cadv_sample_done(&d->scratch);
    cadv_machine_info_unref(d->machine);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
}

struct cadv_export *cadv_export_free(struct cadv_export *e)
{
    uint64_t deadline;

    if (!e)
        return NULL;
    /* Signal every driver first so that their shutdown windows overlap. */
    for (size_t i = 0; i < e->n; i++) {
        struct driver *d = &e->drivers[i];
        pthread_mutex_lock(&d->lock);
        d->stopping = true;
        pthread_cond_signal(&d->cond);
        pthread_mutex_unlock(&d->lock);
    }
    deadline = cadv_mono_ns() + CADV_EXPORT_SHUTDOWN_NS + 1000000000ull;
    for (size_t i = 0; i < e->n; i++)
        driver_done(&e->drivers[i], deadline);
    free(e);
    return NULL;
}

/* ---- counters ---- */

bool cadv_export_counters(struct cadv_export *e, size_t idx, struct cadv_export_counters *ret)
{
    struct driver *d;

    if (!e || idx >= e->n)
        return false;
    d = &e->drivers[idx];
    pthread_mutex_lock(&d->lock);
    ret->queued = d->n;
    pthread_mutex_unlock(&d->lock);
    ret->driver = d->ops->name;
    ret->sent = atomic_load(&d->sent);
    ret->dropped = atomic_load(&d->dropped);
    ret->errors = atomic_load(&d->errors);
    return true;
}

void cadv_export_metrics(void *arg, struct cadv_buf *out)
{
    static const struct {
        const char *name, *type, *help;
    } fams[] = {
            {"cadv_storage_sent_total", "counter", "Samples delivered to the storage driver's backend."},
            {"cadv_storage_dropped_total", "counter",
             "Samples dropped because the storage driver's queue was full (or left at shutdown)."},
            {"cadv_storage_errors_total", "counter", "Failed deliveries to the storage driver's backend."},
            {"cadv_storage_queue_length", "gauge", "Samples waiting in the storage driver's queue."},
    };
    struct cadv_export *e = arg;
    struct cadv_export_counters c[MAX_DRIVERS];
    size_t n = 0;

    while (n < MAX_DRIVERS && cadv_export_counters(e, n, &c[n]))
        n++;
    for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
        cadv_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", fams[f].name, fams[f].help, fams[f].name,
                        fams[f].type);
        for (size_t i = 0; i < n; i++) {
            uint64_t v = f == 0 ? c[i].sent : f == 1 ? c[i].dropped : f == 2 ? c[i].errors : c[i].queued;
            cadv_buf_printf(out, "%s{driver=\"%s\"} %" PRIu64 "\n", fams[f].name, c[i].driver, v);
        }
    }
}
