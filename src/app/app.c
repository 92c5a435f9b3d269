/* SPDX-License-Identifier: Apache-2.0 */
/* app.c - application metrics: per-container collectors, the poller thread and the kept values (see
 * app.h for the design). */
#include "app/app.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "app/appconfig.h"
#include "app/promtext.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/spec.h"

#define HIST            16    /* scrapes kept per collector, for /api/v2.0/appmetrics */
#define MAX_VALUES      10000 /* values kept from one scrape */
#define MAX_COLLECTORS  16    /* io.cadvisor.metric.* labels used per container */
#define LOG_INTERVAL_NS (10 * CADV_NS_PER_SEC)

struct app_val {
    char *metric;
    char *label; /* cAdvisor's label string: name=value pairs sorted, 0xFF-separated ("" generic) */
    struct cadv_kv *labels;
    size_t n_labels;
    bool is_int;
    int64_t ival;
    double fval;
    uint64_t ts_ns;
};

/* A family seen in a scrape (the count limit applies to distinct names, as in cAdvisor). */
struct app_family {
    char *name;
    const char *type;
};

/* One scrape's values. Kept ones are immutable and shared with readers' views (refs). */
struct app_result {
    struct app_val *v;
    size_t n;
    struct app_family *fam; /* prometheus: the families kept, for the spec */
    size_t n_fam;
    uint64_t scrape_ns; /* wall clock when the scrape ended */
    _Atomic size_t refs;
};

struct entry;

struct coll {
    struct entry *e;
    char *name; /* the collector's name (label suffix) */
    struct cadv_app_config *cfg;
    char *url;
    uint64_t due_mono; /* poller thread */
    CURL *easy;        /* poller thread: the scrape in flight */
    struct cadv_buf body;
    /* Under the module lock. */
    struct app_result *hist[HIST];
    size_t head, n_hist;
};

struct entry {
    char *name, *alias, *image;
    uint64_t key; /* hash of the app labels, pid and host: a change re-reads the configs */
    int netns_fd; /* -1: cadv's own namespace */
    struct cadv_app *app;
    struct coll *colls;
    size_t n_colls;
    bool dead; /* replaced or removed; the poller frees it */
};

struct cadv_app {
    struct cadv_app_opts o; /* its strings point at the copies below */
    char *proc_root, *cert, *key;
    pthread_mutex_t lock;
    struct entry **ents;
    size_t n_ents, cap_ents;
    CURLM *multi;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    int self_ns;            /* the poller's own network namespace */
    uint64_t last_log_mono; /* rate limit of scrape error logs (under lock) */
    uint64_t suppressed;
    _Atomic uint64_t scrapes_total, errors_total, config_errors_total;
};

/* ---- values ---- */

static void val_done(struct app_val *v)
{
    free(v->metric);
    free(v->label);
    for (size_t i = 0; i < v->n_labels; i++) {
        free(v->labels[i].key);
        free(v->labels[i].value);
    }
    free(v->labels);
}

static void fams_free(struct app_family *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i].name);
    free(f);
}

static void result_done(struct app_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        val_done(&r->v[i]);
    free(r->v);
    fams_free(r->fam, r->n_fam);
    *r = (struct app_result){0};
}

static struct app_result *result_ref(struct app_result *r)
{
    if (r)
        atomic_fetch_add(&r->refs, 1);
    return r;
}

static void result_unref(struct app_result *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        result_done(r);
        free(r);
    }
}

static void coll_done(struct coll *c)
{
    for (size_t i = 0; i < HIST; i++)
        result_unref(c->hist[i]);
    cadv_buf_done(&c->body);
    cadv_app_config_free(c->cfg);
    free(c->name);
    free(c->url);
}

static void entry_free(struct entry *e)
{
    for (size_t i = 0; i < e->n_colls; i++)
        coll_done(&e->colls[i]);
    free(e->colls);
    if (e->netns_fd >= 0)
        close(e->netns_fd);
    free(e->name);
    free(e->alias);
    free(e->image);
    free(e);
}

/* ---- life cycle ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    (void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct cadv_app *cadv_app_new(const struct cadv_app_opts *opts)
{
    struct cadv_app *a = cadv_xcalloc(1, sizeof(*a));

    (void)pthread_once(&curl_once, curl_init_once);
    a->o = *opts;
    a->o.proc_root = a->proc_root = cadv_xstrdup(opts->proc_root ? opts->proc_root : "/proc");
    a->o.cert = a->cert = opts->cert && *opts->cert ? cadv_xstrdup(opts->cert) : NULL;
    a->o.key = a->key = opts->key && *opts->key ? cadv_xstrdup(opts->key) : NULL;
    if (a->o.max_bytes == 0)
        a->o.max_bytes = 1 << 20;
    if (a->o.timeout_ns == 0)
        a->o.timeout_ns = 5 * CADV_NS_PER_SEC;
    a->self_ns = -1;
    a->multi = curl_multi_init(); /* immutable from here: curl_multi_wakeup is safe from any thread */
    pthread_mutex_init(&a->lock, NULL);
    return a;
}

struct cadv_app *cadv_app_free(struct cadv_app *a)
{
    if (!a)
        return NULL;
    if (a->started) {
        atomic_store(&a->stop, true);
        curl_multi_wakeup(a->multi);
        pthread_join(a->thread, NULL);
    }
    for (size_t i = 0; i < a->n_ents; i++) {
        struct entry *e = a->ents[i];

        for (size_t j = 0; j < e->n_colls; j++) {
            if (e->colls[j].easy) {
                curl_multi_remove_handle(a->multi, e->colls[j].easy);
                curl_easy_cleanup(e->colls[j].easy);
            }
        }
        entry_free(e);
    }
    free(a->ents);
    curl_multi_cleanup(a->multi);
    if (a->self_ns >= 0)
        close(a->self_ns);
    pthread_mutex_destroy(&a->lock);
    free(a->proc_root);
    free(a->cert);
    free(a->key);
    free(a);
    return NULL;
}

/* Logs a scrape or config problem: at most one line per LOG_INTERVAL_NS, with the count of lines
 * held back. */
static void log_limited(struct cadv_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_limited(struct cadv_app *a, const char *fmt, ...)
{
    uint64_t now = cadv_mono_ns(), held = 0;
    bool emit = false;
    char msg[512];
    va_list ap;

    pthread_mutex_lock(&a->lock);
    if (a->last_log_mono == 0 || now - a->last_log_mono >= LOG_INTERVAL_NS) {
        emit = true;
        held = a->suppressed;
        a->suppressed = 0;
        a->last_log_mono = now;
    } else {
        a->suppressed++;
    }
    pthread_mutex_unlock(&a->lock);
    if (!emit)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (held)
        cadv_log(CADV_LOG_WARNING, "%s (%llu more application metrics errors not logged)", msg,
                 (unsigned long long)held);
    else
        cadv_log(CADV_LOG_WARNING, "%s", msg);
}

/* ---- containers ---- */

/* Reads path inside the root of process pid (openat2 RESOLVE_IN_ROOT: symlinks stay inside the
 * container's root). Returns the length read into buf (cap bytes, NUL-terminated), -EFBIG when the
 * file is larger than cap - 2, or a negative errno. */
static int read_in_root(const char *proc_root, uint64_t pid, const char *path, char *buf, size_t cap)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    char root[512];
    size_t n = 0;
    int dfd, fd, r = 0;

    (void)snprintf(root, sizeof(root), "%s/%llu/root", proc_root, (unsigned long long)pid);
    dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
    r = fd < 0 ? -errno : 0;
    close(dfd);
    if (r < 0)
        return r;
    while (n < cap - 1) {
        ssize_t k = read(fd, buf + n, cap - 1 - n);

        if (k < 0) {
            r = errno == EINTR ? 0 : -errno;
            if (r < 0)
                break;
            continue;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    if (r < 0)
        return r;
    if (n >= cap - 1)
        return -EFBIG;
    buf[n] = '\0';
    return (int)n;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static bool is_app_label(const struct cadv_kv *kv)
{
    return strncmp(kv->key, CADV_APP_LABEL_PREFIX, strlen(CADV_APP_LABEL_PREFIX)) == 0 &&
           kv->key[strlen(CADV_APP_LABEL_PREFIX)] != '\0';
}

/* Index of the live entry for name, or -1 (lock held). */
static ssize_t find(struct cadv_app *a, const char *name)
{
    for (size_t i = 0; i < a->n_ents; i++)
        if (!a->ents[i]->dead && strcmp(a->ents[i]->name, name) == 0)
            return (ssize_t)i;
    return -1;
}

static void *poller(void *arg);

/* Builds the collectors of e from its labels (file I/O). Returns their number or a negative errno
 * with the reason in err. */
static int build(struct cadv_app *a, struct entry *e, const struct cadv_kv *labels, size_t n, uint64_t pid,
                 const char *host, char *err, size_t cap)
{
    char *buf = cadv_xmalloc(CADV_APPCONFIG_MAX_BYTES + 2);
    int r = 0;

    e->colls = cadv_xcalloc(MAX_COLLECTORS, sizeof(*e->colls));
    for (size_t i = 0; i < n && r >= 0; i++) {
        const char *cname = labels[i].key + strlen(CADV_APP_LABEL_PREFIX);
        struct coll *c = &e->colls[e->n_colls];
        char url[CADV_APPCONFIG_URL_MAX + 64], why[256] = "";
        int len;

        if (!is_app_label(&labels[i]))
            continue;
        if (e->n_colls == MAX_COLLECTORS) {
            (void)snprintf(err, cap, "more than %d collectors", MAX_COLLECTORS);
            r = -E2BIG;
            break;
        }
        len = pid ? read_in_root(a->o.proc_root, pid, labels[i].value, buf, CADV_APPCONFIG_MAX_BYTES + 2)
                  : -ESRCH;
        if (len < 0) {
            (void)snprintf(err, cap, "failed to read config '%s' for collector '%s': %s", labels[i].value,
                           cname, len == -EFBIG ? "larger than 64 KiB" : strerror(-len));
            r = len;
            break;
        }
        r = cadv_app_config_parse(cadv_app_kind_of(cname), buf, (size_t)len, a->o.count_limit, &c->cfg, why,
                                  sizeof(why));
        if (r >= 0)
            r = cadv_app_config_url(c->cfg, host && *host ? host : "127.0.0.1", url, sizeof(url));
        if (r < 0) {
            (void)snprintf(err, cap, "failed to create collector '%s': %s", cname,
                           why[0] ? why : "URL too long");
            cadv_app_config_free(c->cfg);
            break;
        }
        c->e = e;
        c->name = cadv_xstrdup(cname);
        c->url = cadv_xstrdup(url);
        cadv_buf_init(&c->body, a->o.max_bytes + 1);
        e->n_colls++;
    }
    free(buf);
    return r < 0 ? r : (int)e->n_colls;
}

static void start_poller(struct cadv_app *a)
{
    if (a->started)
        return;
    a->self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (pthread_create(&a->thread, NULL, poller, a) != 0) {
        cadv_log(CADV_LOG_ERROR, "Cannot start the application metrics poller");
        return;
    }
    a->started = true;
}

const char *cadv_app_endpoint_host(const char *ip, char *buf, size_t cap)
{
    unsigned char addr[sizeof(struct in6_addr)];
    int n = -1;

    if (ip && inet_pton(AF_INET, ip, addr) == 1)
        n = snprintf(buf, cap, "%s", ip);
    else if (ip && inet_pton(AF_INET6, ip, addr) == 1)
        n = snprintf(buf, cap, "[%s]", ip);
    if (n < 0 || (size_t)n >= cap)
        (void)snprintf(buf, cap, "127.0.0.1");
    return buf;
}

int cadv_app_set(struct cadv_app *a, const char *name, const struct cadv_kv *labels, size_t n_labels,
                 uint64_t pid, const char *host, const char *alias, const char *image)
{
    uint64_t key = 1469598103934665603ull;
    bool any = false;
    struct entry *e;
    char err[1024] = "", ns[512];
    ssize_t i;
    int r;

    for (size_t j = 0; j < n_labels; j++) {
        if (is_app_label(&labels[j])) {
            key = fnv(fnv(key, labels[j].key), labels[j].value);
            any = true;
        }
    }
    key = fnv(fnv(key, host ? host : ""), "") ^ pid;
    pthread_mutex_lock(&a->lock);
    i = find(a, name);
    if (i >= 0 && (!any || a->ents[i]->key != key))
        a->ents[i]->dead = true; /* replaced or gone: the poller frees it */
    r = i >= 0 && !a->ents[i]->dead ? (int)a->ents[i]->n_colls : 0;
    pthread_mutex_unlock(&a->lock);
    if (!any || r > 0) {
        curl_multi_wakeup(a->multi);
        return r;
    }
    e = cadv_xcalloc(1, sizeof(*e));
    e->name = cadv_xstrdup(name);
    e->alias = cadv_xstrdup(alias ? alias : "");
    e->image = cadv_xstrdup(image ? image : "");
    e->key = key;
    e->netns_fd = -1;
    e->app = a;
    r = build(a, e, labels, n_labels, pid, host, err, sizeof(err));
    if (r >= 0 && pid) {
        (void)snprintf(ns, sizeof(ns), "%s/%llu/ns/net", a->o.proc_root, (unsigned long long)pid);
        e->netns_fd = open(ns, O_RDONLY | O_CLOEXEC);
        if (e->netns_fd < 0) {
            r = -errno;
            (void)snprintf(err, sizeof(err), "cannot open %s: %s", ns, strerror(errno));
        }
    }
    if (r < 0) {
        atomic_fetch_add(&a->config_errors_total, 1);
        cadv_log(CADV_LOG_WARNING, "Application metrics of '%s' disabled: %s", name, err);
        entry_free(e);
        return r;
    }
    pthread_mutex_lock(&a->lock);
    cadv_xgrow((void **)&a->ents, &a->cap_ents, a->n_ents + 1, sizeof(*a->ents));
    a->ents[a->n_ents++] = e;
    start_poller(a);
    pthread_mutex_unlock(&a->lock);
    cadv_log(CADV_LOG_INFO, "Application metrics of '%s': %d collector(s)", name, r);
    curl_multi_wakeup(a->multi);
    return r;
}

void cadv_app_remove(struct cadv_app *a, const char *name)
{
    ssize_t i;

    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    i = find(a, name);
    if (i >= 0)
        a->ents[i]->dead = true;
    pthread_mutex_unlock(&a->lock);
    if (i >= 0)
        curl_multi_wakeup(a->multi);
}

/* ---- scraping (poller thread) ---- */

/* Makes the scrape's socket inside the container's network namespace, then returns the thread to its
 * own (the socket keeps the namespace it was made in). */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct entry *e = clientp;
    int fd;

    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    if (e->netns_fd >= 0 && (e->app->self_ns < 0 || setns(e->netns_fd, CLONE_NEWNET) < 0))
        return CURL_SOCKET_BAD;
    fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (e->netns_fd >= 0 && setns(e->app->self_ns, CLONE_NEWNET) < 0) {
        /* Cannot happen for a namespace we were in a moment ago; never scrape from a wrong one. */
        cadv_log_errno(CADV_LOG_ERROR, -errno, "Returning to cadv's network namespace failed");
        abort();
    }
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
    struct coll *c = arg;

    cadv_buf_append(&c->body, p, size * nmemb);
    return c->body.overflow ? 0 : size * nmemb; /* 0 ends the transfer: over the byte cap */
}

static void start_scrape(struct cadv_app *a, struct coll *c)
{
    uint64_t t_ns = c->cfg->poll_ns < a->o.timeout_ns ? c->cfg->poll_ns : a->o.timeout_ns;
    CURL *h = curl_easy_init();

    cadv_buf_clear(&c->body);
    c->body.overflow = false;
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, c);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(t_ns / 1000000));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, c->e);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "cadv");
    /* cAdvisor's collector client skips TLS verification (endpoints are often self-signed). */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    if (a->o.cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, a->o.cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, a->o.key);
    }
    if (c->cfg->kind == CADV_APP_PROMETHEUS)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    c->easy = h;
    curl_multi_add_handle(a->multi, h);
}

/* ---- parsing a scrape into values ---- */

struct prom_ctx {
    const struct cadv_app_config *cfg;
    int limit;
    uint64_t now_ns;
    struct app_result res;
    size_t cap;
    struct app_family *fam;
    size_t n_fam, cap_fam;
    struct cadv_buf label;
};

static int cmp_label(const void *pa, const void *pb)
{
    const struct cadv_promtext_label *a = pa, *b = pb;
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int r = memcmp(a->name, b->name, n);

    return r ? r : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static char *dupn(const char *s, size_t n)
{
    char *d = cadv_xmalloc(n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* One sample: a value with cAdvisor's label string (labels and __name__ sorted, 0xFF-joined) and map. */
static int on_sample(void *arg, const struct cadv_promtext_sample *s)
{
    struct prom_ctx *x = arg;
    struct cadv_promtext_label sorted[CADV_PROMTEXT_MAX_LABELS + 1];
    struct app_val *v;
    bool known = false;

    if (!cadv_app_config_keeps(x->cfg, s->name, s->name_len))
        return 0;
    for (size_t i = 0; i < x->n_fam && !known; i++)
        known = strlen(x->fam[i].name) == s->family_len &&
                memcmp(x->fam[i].name, s->family, s->family_len) == 0;
    if (!known) {
        /* cAdvisor counts distinct names; families stand for them here (histogram parts are one). */
        if (x->n_fam >= (size_t)x->limit)
            return -E2BIG;
        cadv_xgrow((void **)&x->fam, &x->cap_fam, x->n_fam + 1, sizeof(*x->fam));
        x->fam[x->n_fam++] =
                (struct app_family){dupn(s->family, s->family_len), cadv_promtext_spec_type(s->type)};
    }
    if (x->res.n >= MAX_VALUES)
        return -ENOSPC;
    if (s->n_labels)
        memcpy(sorted, s->labels, s->n_labels * sizeof(*sorted));
    sorted[s->n_labels] = (struct cadv_promtext_label){"__name__", 8, s->name, s->name_len};
    qsort(sorted, s->n_labels + 1, sizeof(*sorted), cmp_label);
    cadv_buf_clear(&x->label);
    for (size_t i = 0; i <= s->n_labels; i++) {
        if (i)
            cadv_buf_putc(&x->label, (char)0xff);
        cadv_buf_append(&x->label, sorted[i].name, sorted[i].name_len);
        cadv_buf_putc(&x->label, '=');
        cadv_buf_append(&x->label, sorted[i].value, sorted[i].value_len);
    }
    cadv_xgrow((void **)&x->res.v, &x->cap, x->res.n + 1, sizeof(*x->res.v));
    v = &x->res.v[x->res.n++];
    *v = (struct app_val){.metric = dupn(s->name, s->name_len),
                          .label = dupn(x->label.data ? x->label.data : "", x->label.len),
                          .fval = s->value,
                          .ts_ns = s->has_timestamp && s->timestamp_ms > 0
                                           ? (uint64_t)s->timestamp_ms * 1000000u
                                           : x->now_ns};
    if (s->n_labels) {
        v->labels = cadv_xcalloc(s->n_labels, sizeof(*v->labels));
        for (size_t i = 0; i < s->n_labels; i++) {
            v->labels[i].key = dupn(s->labels[i].name, s->labels[i].name_len);
            v->labels[i].value = dupn(s->labels[i].value, s->labels[i].value_len);
        }
        v->n_labels = s->n_labels;
    }
    return 0;
}

static int parse_prometheus(struct cadv_app *a, struct coll *c, uint64_t now_ns, struct app_result *ret,
                            char *err, size_t cap)
{
    struct prom_ctx x = {.cfg = c->cfg, .limit = a->o.count_limit, .now_ns = now_ns};
    size_t line = 0;
    int r;

    cadv_buf_init(&x.label, 0);
    r = cadv_promtext_parse(c->body.data ? c->body.data : "", c->body.len, on_sample, &x, &line);
    cadv_buf_done(&x.label);
    if (r < 0) {
        fams_free(x.fam, x.n_fam);
        if (r == -EBADMSG)
            (void)snprintf(err, cap, "malformed Prometheus text at line %zu", line);
        else if (r == -E2BIG)
            (void)snprintf(err, cap, "too many metrics to collect (limit %d)", a->o.count_limit);
        else
            (void)snprintf(err, cap, "more than %d values", MAX_VALUES);
        result_done(&x.res);
        return r;
    }
    *ret = x.res;
    ret->fam = x.fam;
    ret->n_fam = x.n_fam;
    return 0;
}

/* cAdvisor's generic collector: each metric's regex on the whole body, capture group 1 as the value. */
static int parse_generic(struct coll *c, uint64_t now_ns, struct app_result *ret, char *err, size_t cap)
{
    const struct cadv_app_config *cfg = c->cfg;
    struct app_result res = {.v = cadv_xcalloc(cfg->n_metrics, sizeof(*res.v))};
    const char *body = c->body.data ? c->body.data : "";
    int failed = 0;

    for (size_t i = 0; i < cfg->n_metrics; i++) {
        const struct cadv_app_metric *m = &cfg->metrics[i];
        regmatch_t g[2] = {{.rm_so = 0, .rm_eo = (regoff_t)c->body.len}};
        char num[64];
        size_t b, e;
        struct app_val v = {.is_int = !m->is_float, .ts_ns = now_ns};
        int r;

        if (regexec(&m->re, body, 2, g, REG_STARTEND) != 0 || g[1].rm_so < 0) {
            if (!failed++)
                (void)snprintf(err, cap, "no match found for regexp of metric '%s'", m->name);
            continue;
        }
        for (b = (size_t)g[1].rm_so, e = (size_t)g[1].rm_eo; b < e && (body[b] == ' ' || body[b] == '\t');
             b++)
            ;
        while (e > b &&
               (body[e - 1] == ' ' || body[e - 1] == '\t' || body[e - 1] == '\n' || body[e - 1] == '\r'))
            e--;
        if (e - b < sizeof(num)) {
            memcpy(num, body + b, e - b);
            num[e - b] = '\0';
            r = m->is_float ? cadv_parse_go_float(num, &v.fval) : cadv_parse_go_int(num, 10, 64, &v.ival);
        } else {
            r = -ERANGE;
        }
        if (r < 0) {
            if (!failed++)
                (void)snprintf(err, cap, "metric '%s': '%.32s' is not a%s", m->name, r == -ERANGE ? "?" : num,
                               m->is_float ? " float" : "n int");
            continue;
        }
        v.metric = cadv_xstrdup(m->name);
        v.label = cadv_xstrdup("");
        res.v[res.n++] = v;
    }
    *ret = res;
    return failed ? -EBADMSG : 0;
}

/* Ends c's scrape: parses what came back and keeps it (a generic collector keeps the metrics that
 * matched even when others did not). */
static void finish_scrape(struct cadv_app *a, struct coll *c, CURLcode code)
{
    struct app_result res = {0};
    uint64_t now = cadv_now_ns();
    char err[256] = "";
    long status = 0;
    int r = 0;

    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(a->multi, c->easy);
    curl_easy_cleanup(c->easy);
    c->easy = NULL;
    if (code != CURLE_OK) {
        r = -EIO;
        if (c->body.overflow)
            (void)snprintf(err, sizeof(err), "response larger than %zu bytes", a->o.max_bytes);
        else
            (void)snprintf(err, sizeof(err), "%s", curl_easy_strerror(code));
    } else if (c->cfg->kind == CADV_APP_PROMETHEUS && status != 200) {
        r = -EIO;
        (void)snprintf(err, sizeof(err), "server returned HTTP status %ld", status);
    } else if (c->cfg->kind == CADV_APP_PROMETHEUS) {
        r = parse_prometheus(a, c, now, &res, err, sizeof(err));
    } else {
        r = parse_generic(c, now, &res, err, sizeof(err));
    }
    atomic_fetch_add(&a->scrapes_total, 1);
    if (r < 0)
        atomic_fetch_add(&a->errors_total, 1);
    if (res.n > 0) {
        struct app_result *kept = cadv_xcalloc(1, sizeof(*kept)), *old;

        *kept = res;
        kept->scrape_ns = now;
        atomic_init(&kept->refs, 1);
        res = (struct app_result){0};
        pthread_mutex_lock(&a->lock);
        c->head = (c->head + 1) % HIST;
        old = c->hist[c->head];
        c->hist[c->head] = kept;
        if (c->n_hist < HIST)
            c->n_hist++;
        pthread_mutex_unlock(&a->lock);
        result_unref(old);
    }
    result_done(&res);
    cadv_buf_clear(&c->body);
    if (r < 0)
        log_limited(a, "Application metrics of '%s': collector '%s' (%s): %s", c->e->name, c->name, c->url,
                    err);
}

/* Frees dead entries (lock held; poller thread). */
static void reap(struct cadv_app *a)
{
    size_t k = 0;

    for (size_t i = 0; i < a->n_ents; i++) {
        struct entry *e = a->ents[i];

        if (!e->dead) {
            a->ents[k++] = e;
            continue;
        }
        for (size_t j = 0; j < e->n_colls; j++) {
            if (e->colls[j].easy) {
                curl_multi_remove_handle(a->multi, e->colls[j].easy);
                curl_easy_cleanup(e->colls[j].easy);
                e->colls[j].easy = NULL;
            }
        }
        entry_free(e);
    }
    a->n_ents = k;
}

/* Starts the scrapes that are due (a->lock held); returns the earliest due time, at most next. */
static uint64_t start_due(struct cadv_app *a, uint64_t now, uint64_t next)
{
    for (size_t i = 0; i < a->n_ents; i++) {
        for (size_t j = 0; j < a->ents[i]->n_colls; j++) {
            struct coll *c = &a->ents[i]->colls[j];

            if (!c->easy && c->due_mono <= now) {
                start_scrape(a, c);
                c->due_mono = now + c->cfg->poll_ns;
            }
            if (c->due_mono < next)
                next = c->due_mono;
        }
    }
    return next;
}

static void *poller(void *arg)
{
    struct cadv_app *a = arg;

    while (!atomic_load(&a->stop)) {
        uint64_t now = cadv_mono_ns(), next = now + CADV_NS_PER_SEC;
        CURLMsg *msg;
        int running, left;

        pthread_mutex_lock(&a->lock);
        reap(a);
        next = start_due(a, now, next);
        pthread_mutex_unlock(&a->lock);
        curl_multi_perform(a->multi, &running);
        while ((msg = curl_multi_info_read(a->multi, &left))) {
            struct coll *c = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            finish_scrape(a, c, msg->data.result);
        }
        now = cadv_mono_ns();
        curl_multi_poll(a->multi, NULL, 0, next > now ? (int)((next - now) / 1000000 + 1) : 0, NULL);
    }
    return NULL;
}

/* ---- readers ---- */

struct flat {
    const struct app_val *v;
    const struct entry *e;
};

static int cmp_flat(const void *pa, const void *pb)
{
    const struct flat *a = pa, *b = pb;
    int r = strcmp(a->v->metric, b->v->metric);

    if (!r)
        r = strcmp(a->v->label, b->v->label);
    if (!r && a->e != b->e)
        r = strcmp(a->e->name, b->e->name);
    if (!r)
        r = (a->v->ts_ns > b->v->ts_ns) - (a->v->ts_ns < b->v->ts_ns);
    return r;
}

/* A value's MetricVal fields after its labels: timestamp, int_value and float_value (omitempty). */
static void value_fields(struct cadv_json *w, const struct app_val *v)
{
    cadv_json_ktime(w, "timestamp", v->ts_ns);
    if (v->ival)
        cadv_json_ki64(w, "int_value", v->ival);
    if (v->fval != 0) {
        cadv_json_key(w, "float_value");
        cadv_json_double(w, v->fval);
    }
}

void cadv_app_write_appmetrics(struct cadv_app *a, struct cadv_json *w, const char *name, const char *key)
{
    struct flat *f = NULL;
    size_t n = 0, cap = 0;
    ssize_t i;

    cadv_json_obj_begin(w);
    cadv_json_key(w, key);
    cadv_json_obj_begin(w);
    pthread_mutex_lock(&a->lock);
    i = find(a, name);
    for (size_t j = 0; i >= 0 && j < a->ents[i]->n_colls; j++) {
        const struct coll *c = &a->ents[i]->colls[j];

        for (size_t h = 0; h < c->n_hist; h++) {
            const struct app_result *res = c->hist[(c->head + HIST - h) % HIST];

            cadv_xgrow((void **)&f, &cap, n + res->n, sizeof(*f));
            for (size_t k = 0; k < res->n; k++)
                f[n++] = (struct flat){&res->v[k], a->ents[i]};
        }
    }
    if (n)
        qsort(f, n, sizeof(*f), cmp_flat);
    /* The values are written under the lock: they are small (HIST scrapes) and a copy would cost more. */
    for (size_t k = 0; k < n; k++) {
        const struct app_val *v = f[k].v;

        if (k == 0 || strcmp(v->metric, f[k - 1].v->metric) != 0) {
            cadv_json_key(w, v->metric);
            cadv_json_obj_begin(w);
        }
        if (k == 0 || strcmp(v->metric, f[k - 1].v->metric) != 0 ||
            strcmp(v->label, f[k - 1].v->label) != 0) {
            cadv_json_key(w, v->label);
            cadv_json_arr_begin(w);
        }
        cadv_json_obj_begin(w);
        value_fields(w, v);
        cadv_json_obj_end(w);
        if (k + 1 == n || strcmp(v->metric, f[k + 1].v->metric) != 0 ||
            strcmp(v->label, f[k + 1].v->label) != 0)
            cadv_json_arr_end(w);
        if (k + 1 == n || strcmp(v->metric, f[k + 1].v->metric) != 0)
            cadv_json_obj_end(w);
    }
    pthread_mutex_unlock(&a->lock);
    free(f);
    cadv_json_obj_end(w);
    cadv_json_obj_end(w);
}

static int cmp_series(const void *pa, const void *pb)
{
    const struct cadv_app_series *a = pa, *b = pb;
    int r = strcmp(a->metric, b->metric);

    return r ? r : strcmp(a->id, b->id);
}

void cadv_app_snapshot(struct cadv_app *a, struct cadv_app_snapshot *ret)
{
    size_t cap = 0;

    *ret = (struct cadv_app_snapshot){0};
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->n_ents; i++) {
        const struct entry *e = a->ents[i];

        for (size_t j = 0; !e->dead && j < e->n_colls; j++) {
            const struct coll *c = &e->colls[j];
            const struct app_result *res = c->hist[c->head];

            if (c->n_hist == 0)
                continue;
            cadv_xgrow((void **)&ret->series, &cap, ret->n + res->n, sizeof(*ret->series));
            for (size_t k = 0; k < res->n; k++) {
                const struct app_val *v = &res->v[k];
                struct cadv_kv *kv = v->n_labels ? cadv_xcalloc(v->n_labels, sizeof(*kv)) : NULL;

                for (size_t l = 0; l < v->n_labels; l++)
                    kv[l] = (struct cadv_kv){cadv_xstrdup(v->labels[l].key),
                                             cadv_xstrdup(v->labels[l].value)};
                ret->series[ret->n++] = (struct cadv_app_series){
                        .metric = cadv_xstrdup(v->metric),
                        .id = cadv_xstrdup(e->name),
                        .alias = cadv_xstrdup(e->alias),
                        .image = cadv_xstrdup(e->image),
                        .labels = kv,
                        .n_labels = v->n_labels,
                        .value = v->is_int ? 0 : v->fval, /* cAdvisor exports float_value */
                };
            }
        }
    }
    pthread_mutex_unlock(&a->lock);
    if (ret->n)
        qsort(ret->series, ret->n, sizeof(*ret->series), cmp_series);
}

void cadv_app_snapshot_done(struct cadv_app_snapshot *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct cadv_app_series *x = &s->series[i];
        struct cadv_kv *kv = (struct cadv_kv *)(uintptr_t)x->labels;

        for (size_t l = 0; l < x->n_labels; l++) {
            free(kv[l].key);
            free(kv[l].value);
        }
        free(kv);
        free((void *)(uintptr_t)x->metric);
        free((void *)(uintptr_t)x->id);
        free((void *)(uintptr_t)x->alias);
        free((void *)(uintptr_t)x->image);
    }
    free(s->series);
    *s = (struct cadv_app_snapshot){0};
}

void cadv_app_get_stats(struct cadv_app *a, struct cadv_app_stats *ret)
{
    *ret = (struct cadv_app_stats){0};
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->n_ents; i++)
        ret->endpoints += a->ents[i]->dead ? 0 : a->ents[i]->n_colls;
    pthread_mutex_unlock(&a->lock);
    ret->scrapes_total = atomic_load(&a->scrapes_total);
    ret->errors_total = atomic_load(&a->errors_total);
    ret->config_errors_total = atomic_load(&a->config_errors_total);
}

/* ---- custom_metrics of the JSON API ---- */

struct view_spec {
    char *name, *type, *format, *units;
};

struct view_coll {
    struct app_result *hist[HIST]; /* newest first, referenced */
    size_t n;
};

struct cadv_app_view {
    struct view_spec *specs;
    size_t n_specs;
    struct view_coll *colls;
    size_t n_colls;
};

static void view_add_spec(struct cadv_app_view *v, size_t *cap, const char *name, const char *type,
                          const char *format, const char *units)
{
    cadv_xgrow((void **)&v->specs, cap, v->n_specs + 1, sizeof(*v->specs));
    v->specs[v->n_specs++] = (struct view_spec){cadv_xstrdup(name), cadv_xstrdup(type ? type : ""),
                                                cadv_xstrdup(format), cadv_xstrdup(units ? units : "")};
}

static int cmp_fam_spec(const void *pa, const void *pb)
{
    return strcmp(((const struct view_spec *)pa)->name, ((const struct view_spec *)pb)->name);
}

/* One collector's part of a view: references to its kept scrapes (newest first) and its metric
 * specs (a.lock held). */
static void view_add_coll(struct cadv_app_view *v, size_t j, const struct coll *c, size_t *cap)
{
    for (size_t h = 0; h < c->n_hist; h++)
        v->colls[j].hist[v->colls[j].n++] = result_ref(c->hist[(c->head + HIST - h) % HIST]);
    if (c->cfg->kind == CADV_APP_GENERIC) {
        for (size_t k = 0; k < c->cfg->n_metrics; k++) {
            const struct cadv_app_metric *m = &c->cfg->metrics[k];

            view_add_spec(v, cap, m->name, m->metric_type, m->is_float ? "float" : "int", m->units);
        }
    } else if (c->n_hist > 0) {
        /* cAdvisor reads a Prometheus endpoint's spec live; the newest scrape stands for it. */
        const struct app_result *r = c->hist[c->head];
        size_t first = v->n_specs;

        for (size_t k = 0; k < r->n_fam; k++)
            view_add_spec(v, cap, r->fam[k].name, r->fam[k].type, "float", "");
        qsort(v->specs + first, v->n_specs - first, sizeof(*v->specs), cmp_fam_spec);
    }
}

struct cadv_app_view *cadv_app_view_get(struct cadv_app *a, const char *name)
{
    struct cadv_app_view *v;
    size_t cap = 0;
    ssize_t i;

    if (!a)
        return NULL;
    v = cadv_xcalloc(1, sizeof(*v));
    pthread_mutex_lock(&a->lock);
    i = find(a, name);
    if (i >= 0) {
        const struct entry *e = a->ents[i];

        v->colls = e->n_colls ? cadv_xcalloc(e->n_colls, sizeof(*v->colls)) : NULL;
        v->n_colls = e->n_colls;
        for (size_t j = 0; j < e->n_colls; j++)
            view_add_coll(v, j, &e->colls[j], &cap);
    }
    pthread_mutex_unlock(&a->lock);
    return v;
}

struct cadv_app_view *cadv_app_view_free(struct cadv_app_view *v)
{
    if (!v)
        return NULL;
    for (size_t i = 0; i < v->n_specs; i++) {
        free(v->specs[i].name);
        free(v->specs[i].type);
        free(v->specs[i].format);
        free(v->specs[i].units);
    }
    free(v->specs);
    for (size_t i = 0; i < v->n_colls; i++)
        for (size_t h = 0; h < v->colls[i].n; h++)
            result_unref(v->colls[i].hist[h]);
    free(v->colls);
    free(v);
    return NULL;
}

void cadv_app_view_write_spec(const struct cadv_app_view *v, struct cadv_json *w)
{
    if (!v || v->n_specs == 0)
        return;
    cadv_json_key(w, "custom_metrics");
    cadv_json_arr_begin(w);
    for (size_t i = 0; i < v->n_specs; i++) {
        cadv_json_obj_begin(w);
        cadv_json_kstr(w, "name", v->specs[i].name);
        cadv_json_kstr(w, "type", v->specs[i].type);
        cadv_json_kstr(w, "format", v->specs[i].format);
        cadv_json_kstr(w, "units", v->specs[i].units);
        cadv_json_obj_end(w);
    }
    cadv_json_arr_end(w);
}

struct view_val {
    const struct app_val *v;
    size_t order; /* collector, then position in its scrape: the tie-break */
};

static int cmp_view_val(const void *pa, const void *pb)
{
    const struct view_val *a = pa, *b = pb;
    int r = strcmp(a->v->metric, b->v->metric);

    return r ? r : (a->order > b->order) - (a->order < b->order);
}

static void metric_val(struct cadv_json *w, const struct app_val *v)
{
    size_t idx[CADV_PROMTEXT_MAX_LABELS] = {0};
    size_t n = v->n_labels;

    if (n > CADV_PROMTEXT_MAX_LABELS)
        n = CADV_PROMTEXT_MAX_LABELS;
    cadv_json_obj_begin(w);
    if (v->label && *v->label)
        cadv_json_kstr(w, "label", v->label);
    if (n > 0) {
        /* Go writes a map with sorted keys. */
        for (size_t i = 0; i < n; i++) {
            size_t j = i;

            for (; j > 0 && strcmp(v->labels[idx[j - 1]].key, v->labels[i].key) > 0; j--)
                idx[j] = idx[j - 1];
            idx[j] = i;
        }
        cadv_json_key(w, "labels");
        cadv_json_obj_begin(w);
        for (size_t k = 0; k < n; k++)
            cadv_json_kstr(w, v->labels[idx[k]].key, v->labels[idx[k]].value);
        cadv_json_obj_end(w);
    }
    value_fields(w, v);
    cadv_json_obj_end(w);
}

void cadv_app_view_write_values(const struct cadv_app_view *v, struct cadv_json *w, uint64_t ts_ns)
{
    struct view_val *f = NULL;
    size_t n = 0, cap = 0, order = 0;

    for (size_t i = 0; v && i < v->n_colls; i++) {
        const struct view_coll *c = &v->colls[i];
        const struct app_result *r = NULL;

        for (size_t h = 0; h < c->n && !r; h++)
            if (c->hist[h]->scrape_ns <= ts_ns)
                r = c->hist[h];
        if (!r)
            continue;
        cadv_xgrow((void **)&f, &cap, n + r->n, sizeof(*f));
        for (size_t k = 0; k < r->n; k++)
            f[n++] = (struct view_val){&r->v[k], order++};
    }
    if (n == 0)
        return;
    qsort(f, n, sizeof(*f), cmp_view_val);
    cadv_json_key(w, "custom_metrics");
    cadv_json_obj_begin(w);
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || strcmp(f[k].v->metric, f[k - 1].v->metric) != 0) {
            cadv_json_key(w, f[k].v->metric);
            cadv_json_arr_begin(w);
        }
        metric_val(w, f[k].v);
        if (k + 1 == n || strcmp(f[k].v->metric, f[k + 1].v->metric) != 0)
            cadv_json_arr_end(w);
    }
    cadv_json_obj_end(w);
    free(f);
}
