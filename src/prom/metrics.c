/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c - the /metrics handler: query options, container snapshot from the manager, rendering,
 * gzip, and reuse of one rendered body by concurrent scrapers.
 *
 * DESIGN: two mutexes of ours (never the manager's), neither held across I/O of a scrape:
 *  - lock guards the published body and its key (manager generation, ?type=, machine info timestamp,
 *    render time) and the one shared render in flight; it is held only to look at or swap those.
 *  - render_lock guards the render cache, the item array and the render statistics: the per-container
 *    slots (copies of each one's newest sample and, when its spec version changed, its spec) are
 *    filled and rendered under it, one render at a time.
 * A scrape takes a reference on the published body when it was rendered for the same key less than
 * FRESH_MAX_NS ago. Otherwise, if a render for that key is in flight, it waits for that one and
 * shares its body (scrapers of one generation cause one render); if none is, it announces its own,
 * lists the containers (references taken) and renders outside lock. ?max_age= scrapes first re-read
 * stale containers through the manager (up to 2 s of cgroup reads) with no lock of ours held, so
 * they delay nobody; they always render their own body and publish it when newer. Bodies are
 * reference-counted: the HTTP server releases its reference through free_fn after sending, lock's
 * published body holds one until a newer render replaces it; the storage of a body freed is kept (one
 * spare, the largest) for the next render, which finds it already paged in. The render cache plans
 * each render from the last full one while the containers, their labels and their series stay the
 * same (wire/metrics_render.c): such a render formats only the values. A gzip copy (zlib
 * level 1) is made once per body, under the body's own mutex, by the first scrape that accepts gzip. */
#include "prom/metrics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "collect/procfs.h"
#include "config.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "manager/manager.h"
#include "model/kinds.h"
#include "model/machine.h"
#include "prom/metrics_app.h"
#include "wire/http.h"
#include "wire/metrics_render.h"

#ifndef CADV_VERSION
#    define CADV_VERSION "unknown"
#endif

/* A rendered body is reused for at most this long (and never across generations). */
#define FRESH_MAX_NS (1000ULL * CADV_NS_PER_MS)
#define FRESH_MIN_NS (50ULL * CADV_NS_PER_MS)
/* The Go client's text format. */
static const char content_type[] = "text/plain; version=0.0.4; charset=utf-8";

enum scrape_type {
    TYPE_NAME,
    TYPE_DOCKER,
    TYPE_PODMAN,
};

/* The storage of the last body freed, for the next render: a body of tens of MB in fresh memory costs
 * a page fault per page on every render. Shared by the handler and every body (reference-counted,
 * since the HTTP server may release a body last). */
struct pool {
    atomic_int refs;
    pthread_mutex_t lock; /* spare, spare_cap */
    char *spare;
    size_t spare_cap;
};

struct body {
    atomic_int refs;
    struct pool *pool;
    char *data;
    size_t len, cap;
    pthread_mutex_t gz_lock; /* gz, gz_len, gz_failed */
    char *gz;
    size_t gz_len;
    bool gz_failed;
};

/* What a body was rendered for. */
struct body_key {
    uint64_t gen, machine_ts;
    int type;
};

struct cadv_metrics {
    struct cadv_manager *m;
    const struct cadv_config *cfg;
    regex_t include, exclude;
    bool has_include, has_exclude;
    uint64_t fresh_ns;
    double btime;

    pthread_mutex_t lock;
    pthread_cond_t rendered; /* broadcast when the shared render in flight is done */
    struct body *body;       /* the published body, with a reference */
    struct body_key body_key;
    uint64_t body_mono_ns; /* when its render started */
    bool inflight;         /* a shared render is under way for inflight_key */
    struct body_key inflight_key;

    struct pool *pool;
    pthread_mutex_t render_lock;
    struct cadv_metrics_cache *cache;
    struct cadv_metrics_item *items;
    size_t items_cap;
    cadv_metrics_extra_fn extra; /* appends more families (the exporters' counters) */
    void *extra_arg;
    uint64_t last_render_ns;
    size_t last_len;
};

static struct pool *pool_new(void)
{
    struct pool *p = cadv_xcalloc(1, sizeof(*p));

    atomic_init(&p->refs, 1);
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

static void pool_unref(struct pool *p)
{
    if (p && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) {
        pthread_mutex_destroy(&p->lock);
        free(p->spare);
        free(p);
    }
}

/* Keeps the larger of data and the spare, frees the other. */
static void pool_put(struct pool *p, char *data, size_t cap)
{
    pthread_mutex_lock(&p->lock);
    if (!p->spare || p->spare_cap < cap) {
        char *old = p->spare;

        p->spare = data;
        p->spare_cap = cap;
        data = old;
    }
    pthread_mutex_unlock(&p->lock);
    free(data);
}

/* Takes the spare into an empty buffer (nothing when there is none). */
static void pool_take(struct pool *p, struct cadv_buf *out)
{
    pthread_mutex_lock(&p->lock);
    out->data = p->spare;
    out->cap = p->spare_cap;
    p->spare = NULL;
    p->spare_cap = 0;
    pthread_mutex_unlock(&p->lock);
    cadv_buf_clear(out);
}

static void body_unref(void *p)
{
    struct body *b = p;

    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        pthread_mutex_destroy(&b->gz_lock);
        pool_put(b->pool, b->data, b->cap);
        pool_unref(b->pool);
        free(b->gz);
        free(b);
    }
}

static int compile(const char *pattern, regex_t *re, bool *ret_has, const char *flag)
{
    int r;

    *ret_has = false;
    if (!pattern || !pattern[0])
        return 0;
    r = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    if (r != 0) {
        char err[256];

        regerror(r, re, err, sizeof(err));
        cadv_log(CADV_LOG_ERROR, "invalid --%s '%s': %s", flag, pattern, err);
        return -EINVAL;
    }
    *ret_has = true;
    return 0;
}

/* Boot time from proc_root/stat, read whole: a large host's file is far bigger than a page. */
static double read_btime(const char *proc_root)
{
    int fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    uint64_t bt = 0;
    int r = fd < 0 ? -errno : cadv_procfs_read_btime(fd, &bt);

    if (fd >= 0)
        close(fd);
    if (r < 0)
        cadv_log(CADV_LOG_WARNING, "process_start_time_seconds: no boot time in %s/stat: %s", proc_root,
                 strerror(-r));
    return (double)bt;
}

int cadv_metrics_new(struct cadv_manager *m, const struct cadv_config *cfg, struct cadv_metrics **ret)
{
    struct cadv_metrics *mx = cadv_xcalloc(1, sizeof(*mx));
    uint64_t hk = cfg->housekeeping_interval_ns > 0 ? (uint64_t)cfg->housekeeping_interval_ns : FRESH_MAX_NS;

    mx->m = m;
    mx->cfg = cfg;
    if (compile(cfg->metrics_include, &mx->include, &mx->has_include, "metrics_include") < 0 ||
        compile(cfg->metrics_exclude, &mx->exclude, &mx->has_exclude, "metrics_exclude") < 0) {
        *ret = cadv_metrics_free(mx);
        return -EINVAL;
    }
    pthread_mutex_init(&mx->lock, NULL);
    pthread_cond_init(&mx->rendered, NULL);
    pthread_mutex_init(&mx->render_lock, NULL);
    mx->cache = cadv_metrics_cache_new();
    mx->pool = pool_new();
    mx->fresh_ns = hk < FRESH_MIN_NS ? FRESH_MIN_NS : hk > FRESH_MAX_NS ? FRESH_MAX_NS : hk;
    mx->btime = read_btime(cfg->proc_root && cfg->proc_root[0] ? cfg->proc_root : "/proc");
    *ret = mx;
    return 0;
}

struct cadv_metrics *cadv_metrics_free(struct cadv_metrics *mx)
{
    if (!mx)
        return NULL;
    if (mx->cache) {
        pthread_mutex_destroy(&mx->lock);
        pthread_cond_destroy(&mx->rendered);
        pthread_mutex_destroy(&mx->render_lock);
        mx->cache = cadv_metrics_cache_free(mx->cache);
    }
    if (mx->has_include)
        regfree(&mx->include);
    if (mx->has_exclude)
        regfree(&mx->exclude);
    body_unref(mx->body);
    pool_unref(mx->pool);
    free(mx->items);
    free(mx);
    return NULL;
}

/* ---- query options (cAdvisor's GetRequestOptions; count and recursive are overridden) ---- */

/* Go's %q for the ASCII cases that matter in an error message. */
static void put_quoted(struct cadv_buf *b, const char *s)
{
    cadv_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            cadv_buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            cadv_buf_printf(b, "\\x%02x", c);
        else
            cadv_buf_putc(b, (char)c);
    }
    cadv_buf_putc(b, '"');
}

static int parse_options(const struct cadv_http_request *req, int *ret_type, int64_t *ret_max_age,
                         struct cadv_buf *err)
{
    const char *t = cadv_http_query(req, "type"), *cnt = cadv_http_query(req, "count");
    const char *age = cadv_http_query(req, "max_age");
    int64_t n;

    *ret_type = TYPE_NAME;
    if (t && *t) {
        if (strcmp(t, "name") != 0 && strcmp(t, "docker") != 0 && strcmp(t, "podman") != 0) {
            cadv_buf_puts(err, "unknown 'type' ");
            put_quoted(err, t);
            return -EINVAL;
        }
        *ret_type = t[0] == 'n' ? TYPE_NAME : t[0] == 'd' ? TYPE_DOCKER : TYPE_PODMAN;
    }
    if (cnt && *cnt) {
        if (cadv_parse_i64(cnt, &n) < 0) {
            cadv_buf_printf(err, "failed to parse 'count' option: %s", cnt);
            return -EINVAL;
        }
        if (n < -1) {
            cadv_buf_printf(err, "invalid 'count' option: only -1 and larger values allowed, not %lld",
                            (long long)n);
            return -EINVAL;
        }
    }
    *ret_max_age = -1;
    if (age && *age) {
        if (cadv_parse_duration(age, &n) < 0) {
            cadv_buf_puts(err, "failed to parse 'max_age' option: time: invalid duration ");
            put_quoted(err, age);
            return -EINVAL;
        }
        *ret_max_age = n < 0 ? 0 : n;
    }
    return 0;
}

/* ---- self metrics ---- */

static double rlimit_value(int resource)
{
    struct rlimit rl;

    if (getrlimit(resource, &rl) < 0)
        return 0;
    /* Go's procfs reads "unlimited" as the largest uint64. */
    return rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 : (double)rl.rlim_cur;
}

static double count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    double n = 0;

    if (!d)
        return 0;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* The Go client's process collector: /proc/self/stat with procfs's fixed USER_HZ of 100. */
static void read_process(const struct cadv_metrics *mx, struct cadv_metrics_self *self)
{
    char buf[1024];
    const char *p;
    size_t len;
    unsigned long long v[22] = {0};
    int i = 0;

    if (cadv_read_at(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf), &len) < 0 || !(p = strrchr(buf, ')')))
        return;
    for (p++; *p && i < 22; i++) { /* v[0] is field 3 (state, parsed as 0) */
        char *end;

        while (*p == ' ')
            p++;
        v[i] = strtoull(p, &end, 10);
        p = end;
        while (*p && *p != ' ')
            p++;
    }
    self->has_process = true;
    self->cpu_seconds = (double)(v[11] + v[12]) / 100.0;
    self->start_time_seconds = mx->btime + (double)v[19] / 100.0;
    self->virtual_bytes = (double)v[20];
    self->resident_bytes = (double)v[21] * (double)sysconf(_SC_PAGESIZE);
    self->open_fds = count_fds();
    self->max_fds = rlimit_value(RLIMIT_NOFILE);
    self->virtual_max_bytes = rlimit_value(RLIMIT_AS);
}

/* ---- rendering ---- */

/* Copies the newest sample (and the spec when its version changed) of each selected container. */
static size_t snapshot(struct cadv_metrics *mx, struct cadv_container **arr, size_t n)
{
    size_t k = 0;

    cadv_xgrow((void **)&mx->items, &mx->items_cap, n + 1, sizeof(*mx->items));
    for (size_t i = 0; i < n; i++) {
        const char *name = cadv_container_name(arr[i]);
        struct cadv_metrics_slot *slot;
        uint64_t v;

        if (!cadv_metrics_selected(mx->has_include ? &mx->include : NULL,
                                   mx->has_exclude ? &mx->exclude : NULL, name))
            continue;
        slot = cadv_metrics_cache_slot(mx->cache, name);
        v = cadv_container_spec_version(arr[i]) + 1; /* 0 would mean "do not cache" */
        if (!slot->has_spec || slot->spec_version != v) {
            cadv_container_spec(arr[i], &slot->spec);
            slot->spec_version = v;
            slot->has_spec = true;
        }
        if (cadv_container_latest(arr[i], &slot->sample) < 0)
            continue; /* no sample yet: cAdvisor skips the container entirely */
        mx->items[k++] = (struct cadv_metrics_item){
                .name = name, .spec = &slot->spec, .sample = &slot->sample, .spec_version = v, .slot = slot};
    }
    return k;
}

/* Application metrics of the scrape's containers (names sorted, as the manager lists them). */
static void append_app(struct cadv_metrics *mx, const struct cadv_metrics_input *in, struct cadv_buf *out)
{
    const char **ids;

    if (!(in->kinds & CADV_KIND_APP) || !cadv_manager_app(mx->m))
        return;
    ids = cadv_xcalloc(in->n_items + 1, sizeof(*ids));
    for (size_t i = 0; i < in->n_items; i++)
        ids[i] = in->items[i].name;
    cadv_metrics_app(cadv_manager_app(mx->m), out, in->container_error ? NULL : ids,
                     in->container_error ? 0 : in->n_items);
    free(ids);
}

/* Lists the containers of the scrape, re-reads stale ones for ?max_age= (no lock of ours held), then
 * renders under render_lock. Returns a body with one reference, for the caller. */
static struct body *render_body(struct cadv_metrics *mx, int type, int64_t max_age_ns,
                                const struct cadv_machine_info *mi)
{
    static const char *const namespaces[] = {NULL, "docker", "podman"};
    struct cadv_container **arr = NULL;
    size_t n = 0;
    int r;
    struct cadv_metrics_self self = {0};
    struct cadv_metrics_input in = {
            .machine = mi,
            .kinds = mx->cfg->metric_kinds,
            .timestamps = mx->cfg->prometheus_timestamps,
            .store_container_labels = mx->cfg->store_container_labels,
            .whitelisted_labels = mx->cfg->whitelisted_container_labels,
            .include = mx->has_include ? &mx->include : NULL,
            .exclude = mx->has_exclude ? &mx->exclude : NULL,
            .version = CADV_VERSION,
            .self = &self,
    };
    struct cadv_buf out;
    struct body *b = cadv_xcalloc(1, sizeof(*b));
    uint64_t t0;

    if (type == TYPE_NAME)
        r = cadv_manager_list(mx->m, "/", true, &arr, &n);
    else
        r = cadv_manager_list_namespace(mx->m, namespaces[type], &arr, &n);
    if (r < 0 || (type == TYPE_NAME && n == 0)) {
        cadv_log(CADV_LOG_WARNING, "couldn't get containers for /metrics: %s", r < 0 ? strerror(-r) : "none");
        in.container_error = true;
    }
    if (max_age_ns >= 0 && n > 0)
        cadv_manager_refresh(mx->m, arr, n, (uint64_t)max_age_ns);
    pthread_mutex_lock(&mx->render_lock);
    t0 = cadv_mono_ns();
    self.last_render_ns = mx->last_render_ns;
    in.n_items = snapshot(mx, arr, n);
    in.items = mx->items; /* after snapshot(), which may move the array */
    in.now_ns = cadv_now_ns();
    read_process(mx, &self);
    self.has_manager = true;
    cadv_manager_get_stats(mx->m, &self.stats);
    cadv_buf_init(&out, 0);
    pool_take(mx->pool, &out);
    (void)cadv_buf_reserve(&out, mx->last_len + mx->last_len / 8 + 4096);
    cadv_metrics_render(&out, &in, mx->cache);
    if (mx->extra)
        mx->extra(mx->extra_arg, &out);
    append_app(mx, &in, &out);
    mx->last_len = out.len;
    mx->last_render_ns = cadv_mono_ns() - t0;
    pthread_mutex_unlock(&mx->render_lock);
    cadv_containers_unref(arr, n);
    atomic_init(&b->refs, 1);
    pthread_mutex_init(&b->gz_lock, NULL);
    atomic_fetch_add_explicit(&mx->pool->refs, 1, memory_order_relaxed);
    b->pool = mx->pool;
    b->cap = out.data ? out.cap : 1;
    b->data = cadv_buf_steal(&out, &b->len);
    return b;
}

static int gzip_body(struct body *b)
{
    z_stream zs = {0};
    uLong cap;
    int r;

    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -ENOMEM;
    cap = deflateBound(&zs, (uLong)b->len) + 32;
    b->gz = cadv_xmalloc(cap);
    zs.next_in = (Bytef *)b->data;
    zs.avail_in = (uInt)b->len;
    zs.next_out = (Bytef *)b->gz;
    zs.avail_out = (uInt)cap;
    r = deflate(&zs, Z_FINISH);
    b->gz_len = zs.total_out;
    deflateEnd(&zs);
    if (r != Z_STREAM_END) {
        free(b->gz);
        b->gz = NULL;
        return -EIO;
    }
    return 0;
}

static bool key_eq(const struct body_key *a, const struct body_key *b)
{
    return a->gen == b->gen && a->machine_ts == b->machine_ts && a->type == b->type;
}

/* Publishes b (rendered for key, started at start_mono) unless a newer body is already published.
 * Under mx->lock. */
static void publish(struct cadv_metrics *mx, struct body *b, const struct body_key *key, uint64_t start_mono)
{
    if (mx->body && mx->body_mono_ns > start_mono)
        return;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    body_unref(mx->body);
    mx->body = b;
    mx->body_key = *key;
    mx->body_mono_ns = start_mono;
}

/* Returns a body with a reference for the caller. */
static struct body *get_body(struct cadv_metrics *mx, int type, int64_t max_age_ns)
{
    struct cadv_machine_info *mi = NULL;
    struct body_key key = {.type = type};
    struct body *b = NULL;
    bool shared = max_age_ns < 0;
    uint64_t start;

    pthread_mutex_lock(&mx->lock);
    for (;;) {
        cadv_machine_info_unref(mi);
        mi = cadv_manager_machine_info(mx->m);
        key.gen = cadv_manager_generation(mx->m);
        key.machine_ts = mi ? mi->timestamp_ns : 0;
        start = cadv_mono_ns();
        if (!shared)
            break;
        if (mx->body && key_eq(&mx->body_key, &key) && start - mx->body_mono_ns < mx->fresh_ns) {
            b = mx->body;
            atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
            break;
        }
        if (!mx->inflight) {
            mx->inflight = true;
            mx->inflight_key = key;
            break;
        }
        if (!key_eq(&mx->inflight_key, &key)) {
            shared = false; /* another ?type= is being rendered: render our own beside it */
            break;
        }
        pthread_cond_wait(&mx->rendered, &mx->lock);
    }
    pthread_mutex_unlock(&mx->lock);
    if (!b) {
        b = render_body(mx, type, max_age_ns, mi);
        pthread_mutex_lock(&mx->lock);
        publish(mx, b, &key, start);
        if (shared) {
            mx->inflight = false;
            pthread_cond_broadcast(&mx->rendered);
        }
        pthread_mutex_unlock(&mx->lock);
    }
    cadv_machine_info_unref(mi);
    return b;
}

void cadv_metrics_set_extra(struct cadv_metrics *mx, cadv_metrics_extra_fn fn, void *arg)
{
    mx->extra = fn;
    mx->extra_arg = arg;
}

/* Makes b's gzip copy once; concurrent callers wait for the first. Returns whether there is one. */
static bool ensure_gzip(struct body *b)
{
    bool ok;

    pthread_mutex_lock(&b->gz_lock);
    if (!b->gz && !b->gz_failed)
        b->gz_failed = gzip_body(b) < 0;
    ok = b->gz != NULL;
    pthread_mutex_unlock(&b->gz_lock);
    return ok;
}

static void serve(struct cadv_metrics *mx, int type, int64_t max_age_ns, bool accept_gzip,
                  struct cadv_http_reply *rep)
{
    struct body *b = get_body(mx, type, max_age_ns);

    rep->status = 200;
    rep->content_type = content_type;
    rep->free_fn = body_unref;
    rep->free_ctx = b;
    if (accept_gzip && ensure_gzip(b)) {
        rep->content_encoding = "gzip";
        rep->body = b->gz;
        rep->len = b->gz_len;
    } else {
        rep->body = b->data;
        rep->len = b->len;
    }
}

void cadv_metrics_serve(struct cadv_metrics *mx, int64_t max_age_ns, bool accept_gzip,
                        struct cadv_http_reply *rep)
{
    serve(mx, TYPE_NAME, max_age_ns, accept_gzip, rep);
}

void cadv_metrics_handle(struct cadv_metrics *mx, const struct cadv_http_request *req,
                         struct cadv_http_reply *rep)
{
    struct cadv_buf err;
    int type;
    int64_t max_age;

    cadv_buf_init(&err, 4096);
    if (parse_options(req, &type, &max_age, &err) < 0) {
        cadv_http_reply_textf(rep, 500, "No metrics gathered, last error:\n\n%s\n", err.data);
        cadv_buf_done(&err);
        return;
    }
    cadv_buf_done(&err);
    serve(mx, type, max_age, req->accept_gzip, rep);
}
