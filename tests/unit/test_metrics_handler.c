/* SPDX-License-Identifier: Apache-2.0 */
/* test_metrics_handler.c - the /metrics handler over a running manager on a cgroup v2 tree built in a
 * temporary directory: body contents, reuse of one body by consecutive scrapes of a generation, gzip,
 * --metrics_include/--metrics_exclude, bad regexes, and through the real HTTP server: ?type=,
 * ?max_age=, cAdvisor's error replies and gzip negotiation; a slow ?max_age= scrape delays no other
 * scraper. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "config.h"
#include "core/buf.h"
#include "core/timeutil.h"
#include "http/server.h"
#include "manager/manager.h"
#include "model/sample.h"
#include "prom/metrics.h"
#include "runtime/runtime.h"
#include "tu_cgroupfs.h"
#include "wire/http.h"

static char tmp[64];
static struct cadv_config cfg;
static struct cadv_manager *mgr;

static void make_cgroup(const char *root, const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s%s", root, name);
    tu_make_v2_cgroup(path, "cpu io memory pids\n",
                      "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
}

/* /proc/stat as on a 256-CPU host: btime lies past the 16 KiB that were once read of it. */
#define FIXTURE_BTIME 4102444800 /* 2100: not the real host's */
static void write_large_proc_stat(const char *dir)
{
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    for (int i = 0; i < 256; i++)
        cadv_buf_printf(&b, "cpu%d 123456 789 234567 98765432 1234 0 5678 0 0 0\n", i);
    cadv_buf_puts(&b, "intr 1");
    for (int i = 0; i < 4096; i++)
        cadv_buf_puts(&b, " 0");
    cadv_buf_printf(&b, "\nctxt 1\nbtime %lld\nprocesses 9\n", (long long)FIXTURE_BTIME);
    cr_assert_gt(b.len, 16384u);
    tu_write_file(dir, "stat", b.data);
    cadv_buf_done(&b);
}

static void setup(void)
{
    char dir[256], root[128];

    strcpy(tmp, "/tmp/cadv-test-metrics-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(root, sizeof(root), "%s/cgroup", tmp);
    make_cgroup(root, "");
    make_cgroup(root, "/a");
    make_cgroup(root, "/b");
    snprintf(dir, sizeof(dir), "%s/proc", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    tu_write_file(dir, "cpuinfo",
                  "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2400.000\nphysical id\t: 0\n"
                  "core id\t\t: 0\n\n");
    tu_write_file(dir, "meminfo",
                  "MemTotal:        4000000 kB\nMemFree:         1000000 kB\nSwapTotal:             0 kB\n");
    tu_write_file(dir, "uptime", "1000.00 2000.00\n");
    write_large_proc_stat(dir);
    snprintf(dir, sizeof(dir), "%s/sys", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof(dir), "%s/rootfs", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    cadv_config_init(&cfg);
    tu_replace_str(&cfg.cgroup_root, root);
    snprintf(dir, sizeof(dir), "%s/proc", tmp);
    tu_replace_str(&cfg.proc_root, dir);
    snprintf(dir, sizeof(dir), "%s/sys", tmp);
    tu_replace_str(&cfg.sys_root, dir);
    snprintf(dir, sizeof(dir), "%s/rootfs", tmp);
    tu_replace_str(&cfg.rootfs, dir);
    cfg.housekeeping_interval_ns = 50 * (int64_t)CADV_NS_PER_MS;
    cfg.max_housekeeping_interval_ns = 50 * (int64_t)CADV_NS_PER_MS;
    cfg.initial_splay_factor = 0;
    cfg.jitter_factor = 0;
    cfg.global_housekeeping_interval_ns = 3600 * (int64_t)CADV_NS_PER_SEC;
    cfg.fd_budget = 64;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    mgr = cadv_manager_free(mgr);
    cadv_config_done(&cfg);
    if (tmp[0])
        nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const struct cadv_runtime *const no_runtimes[] = {NULL};

/* Starts the manager, waits for samples of every container, then stops collection so that the
 * generation stays put. */
static void start_and_settle(void)
{
    static const char *const names[] = {"/", "/a", "/b"};
    struct timespec ts = {.tv_nsec = 20 * 1000000L};

    cr_assert_eq(cadv_manager_new(&cfg, &mgr), 0);
    cadv_manager_set_runtimes(mgr, no_runtimes);
    cr_assert_eq(cadv_manager_start(mgr), 0);
    for (size_t i = 0; i < 3; i++) {
        struct cadv_container *c = NULL;
        struct cadv_sample s;
        int r = -ENOENT;

        cadv_sample_init(&s);
        for (int k = 0; k < 200 && r < 0; k++, nanosleep(&ts, NULL)) {
            c = c ? c : cadv_manager_get(mgr, names[i]);
            r = c ? cadv_container_latest(c, &s) : -ENOENT;
        }
        cr_assert_eq(r, 0, "no sample for %s", names[i]);
        cadv_sample_done(&s);
        cadv_container_unref(c);
    }
    cadv_manager_stop(mgr);
}

static void release(struct cadv_http_reply *rep)
{
    if (rep->free_fn)
        rep->free_fn(rep->free_ctx);
    else
        free(rep->body);
    free(rep->location);
    memset(rep, 0, sizeof(*rep));
}

static char *body_text(const struct cadv_http_reply *rep)
{
    char *s = malloc(rep->len + 1);

    memcpy(s, rep->body, rep->len);
    s[rep->len] = '\0';
    return s;
}

TestSuite(metrics_handler, .init = setup, .fini = teardown, .timeout = 60);

Test(metrics_handler, serves_shares_and_gzips)
{
    struct cadv_metrics *mx = NULL;
    struct cadv_http_request req = {.method = "GET", .path = "/metrics", .body = ""};
    struct cadv_http_reply a = {0}, b = {0}, z = {0};
    char *text;

    start_and_settle();
    cfg.housekeeping_interval_ns = (int64_t)CADV_NS_PER_SEC; /* body reuse window: 1 s */
    cr_assert_eq(cadv_metrics_new(mgr, &cfg, &mx), 0);
    cadv_metrics_handle(mx, &req, &a);
    cr_assert_eq(a.status, 200);
    cr_expect_str_eq(a.content_type, "text/plain; version=0.0.4; charset=utf-8");
    cr_expect_null(a.content_encoding);
    text = body_text(&a);
    cr_expect(strstr(text, "# TYPE container_cpu_usage_seconds_total counter\n") != NULL);
    cr_expect(strstr(text, "container_cpu_usage_seconds_total{cpu=\"total\",id=\"/a\"} 2.5 ") != NULL,
              "%.2000s", text);
    cr_expect(strstr(text, "container_memory_usage_bytes{id=\"/b\"} 1.048576e+06 ") != NULL);
    cr_expect(strstr(text, "\ncontainer_scrape_error 0\n") != NULL);
    cr_expect(strstr(text, "\nmachine_memory_bytes{") != NULL);
    cr_expect(strstr(text, "\nprocess_open_fds ") != NULL);
    cr_expect(strstr(text, "\ncadv_containers 3\n") != NULL);
    /* btime (from -proc_root) + this process's start ticks. */
    {
        const char *p = strstr(text, "\nprocess_start_time_seconds ");

        cr_assert_not_null(p);
        cr_expect_geq(strtod(p + 28, NULL), FIXTURE_BTIME, "%.60s", p);
    }
    free(text);

    /* A second scrape of the same generation gets the same body. */
    cadv_metrics_handle(mx, &req, &b);
    cr_expect_eq(b.free_ctx, a.free_ctx);
    cr_expect_eq(b.body, a.body);

    /* gzip: the same bytes, compressed. */
    req.accept_gzip = true;
    cadv_metrics_handle(mx, &req, &z);
    cr_assert_eq(z.status, 200);
    cr_expect_str_eq(z.content_encoding, "gzip");
    cr_expect_lt(z.len, a.len);
    {
        z_stream zs = {0};
        char *plain = malloc(a.len + 16);

        cr_assert_eq(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
        zs.next_in = (Bytef *)z.body;
        zs.avail_in = (uInt)z.len;
        zs.next_out = (Bytef *)plain;
        zs.avail_out = (uInt)(a.len + 16);
        cr_expect_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
        cr_expect_eq(zs.total_out, a.len);
        cr_expect_eq(memcmp(plain, a.body, a.len), 0);
        inflateEnd(&zs);
        free(plain);
    }
    release(&a);
    release(&b);
    cadv_metrics_free(mx); /* the reply outlives the handler's cache */
    release(&z);
}

Test(metrics_handler, include_exclude_and_bad_regex)
{
    struct cadv_metrics *mx = NULL;
    struct cadv_http_request req = {.method = "GET", .path = "/metrics", .body = ""};
    struct cadv_http_reply rep = {0};
    char *text;

    start_and_settle();
    tu_replace_str(&cfg.metrics_include, "^/(a|b)$");
    tu_replace_str(&cfg.metrics_exclude, "b");
    cr_assert_eq(cadv_metrics_new(mgr, &cfg, &mx), 0);
    cadv_metrics_handle(mx, &req, &rep);
    text = body_text(&rep);
    cr_expect(strstr(text, "id=\"/a\"") != NULL);
    cr_expect(strstr(text, "id=\"/b\"") == NULL);
    cr_expect(strstr(text, "id=\"/\"") == NULL);
    free(text);
    release(&rep);
    mx = cadv_metrics_free(mx);

    tu_replace_str(&cfg.metrics_include, "(");
    cr_expect_eq(cadv_metrics_new(mgr, &cfg, &mx), -EINVAL);
    cr_expect_null(mx);
}

/* ---- through the HTTP server ---- */

struct resp {
    long status;
    struct cadv_buf body;
    struct cadv_buf headers;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    cadv_buf_append(ctx, p, size * n);
    return size * n;
}

static void get(int port, const char *path, const char *header, struct resp *r)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[512];

    cr_assert_not_null(c);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    cadv_buf_init(&r->body, 0);
    cadv_buf_init(&r->headers, 0);
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (header) {
        h = curl_slist_append(h, header);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK, "GET %s", path);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r->body.data)
        cadv_buf_puts(&r->body, "");
    if (!r->headers.data)
        cadv_buf_puts(&r->headers, "");
}

static void resp_done(struct resp *r)
{
    cadv_buf_done(&r->body);
    cadv_buf_done(&r->headers);
}

Test(metrics_handler, query_options_over_http)
{
    struct cadv_metrics *mx = NULL;
    struct cadv_server *srv = NULL;
    struct resp r;
    uint64_t t0;
    int port;

    start_and_settle();
    tu_replace_str(&cfg.listen_ip, "127.0.0.1");
    cfg.port = 0;
    cr_assert_eq(cadv_metrics_new(mgr, &cfg, &mx), 0);
    cr_assert_eq(cadv_server_start(&cfg, mgr, mx, &srv), 0);
    port = cadv_server_port(srv);

    get(port, "/metrics?type=bogus", NULL, &r);
    cr_expect_eq(r.status, 500);
    cr_expect_str_eq(r.body.data, "No metrics gathered, last error:\n\nunknown 'type' \"bogus\"\n");
    resp_done(&r);
    get(port, "/metrics?max_age=soon", NULL, &r);
    cr_expect_eq(r.status, 500);
    cr_expect_str_eq(
            r.body.data,
            "No metrics gathered, last error:\n\nfailed to parse 'max_age' option: time: invalid duration "
            "\"soon\"\n");
    resp_done(&r);
    get(port, "/metrics?count=-2", NULL, &r);
    cr_expect_eq(r.status, 500);
    cr_expect(strstr(r.body.data, "invalid 'count' option: only -1 and larger values allowed, not -2") !=
              NULL);
    resp_done(&r);

    /* No docker container here: no container series, but no scrape error either. */
    get(port, "/metrics?type=docker", NULL, &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body.data, "id=\"/a\"") == NULL);
    cr_expect(strstr(r.body.data, "\ncontainer_scrape_error 0\n") != NULL);
    cr_expect(strstr(r.body.data, "\nmachine_memory_bytes{") != NULL);
    resp_done(&r);

    get(port, "/metrics", "Accept-Encoding: gzip", &r);
    cr_expect_eq(r.status, 200);
    cr_expect(strcasestr(r.headers.data, "Content-Encoding: gzip") != NULL, "%s", r.headers.data);
    cr_expect(strcasestr(r.headers.data, "Content-Type: text/plain; version=0.0.4; charset=utf-8") != NULL);
    cr_expect_eq((unsigned char)r.body.data[0], 0x1f);
    resp_done(&r);

    /* max_age collects afresh (collection is stopped, so only the on-demand path can do it). */
    t0 = cadv_now_ns() / CADV_NS_PER_MS;
    get(port, "/metrics?max_age=0s", NULL, &r);
    cr_expect_eq(r.status, 200);
    {
        const char *l = strstr(r.body.data, "\ncontainer_memory_usage_bytes{id=\"/a\"} ");
        const char *sp;

        cr_assert_not_null(l, "%.3000s", r.body.data);
        sp = strchr(l + 1, '\n');
        while (sp > l && sp[-1] != ' ')
            sp--;
        cr_expect_geq(strtoull(sp, NULL, 10) + 5, t0, "sample not refreshed: %.120s", l + 1);
    }
    resp_done(&r);
    srv = cadv_server_stop(srv);
    cadv_metrics_free(mx);
}

/* ---- a slow ?max_age= scrape blocks nobody ---- */

struct scraper {
    struct cadv_metrics *mx;
    int64_t max_age_ns;
    struct cadv_http_reply rep;
    atomic_bool done;
};

static void *scrape_main(void *p)
{
    struct scraper *s = p;

    cadv_metrics_serve(s->mx, s->max_age_ns, false, &s->rep);
    atomic_store(&s->done, true);
    return NULL;
}

/* Whether a thread of this process waits in open() of a FIFO for a writer. */
static bool thread_waits_on_fifo(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *de;
    bool found = false;

    cr_assert_not_null(d);
    while (!found && (de = readdir(d))) {
        char path[300], wchan[64] = "";
        FILE *f;

        snprintf(path, sizeof(path), "/proc/self/task/%s/wchan", de->d_name);
        if (de->d_name[0] == '.' || !(f = fopen(path, "r")))
            continue;
        found = fgets(wchan, sizeof(wchan), f) && strcmp(wchan, "wait_for_partner") == 0;
        fclose(f);
    }
    closedir(d);
    return found;
}

/* The metrics lock was held across the on-demand cgroup reads of ?max_age= (up to 2 s), rendering and
 * gzip, so one slow scrape stalled every scraper. Here the slow scrape's read of /b blocks for as long
 * as the test wants (memory.current is a FIFO, opened per read with an fd budget of 0), and plain
 * scrapes must all complete meanwhile. No timing is assumed: the waits are generous polls. */
Test(metrics_handler, slow_max_age_scrape_blocks_nobody)
{
    struct timespec ts = {.tv_nsec = 10 * 1000000L};
    struct cadv_metrics *mx = NULL;
    struct scraper slow = {.max_age_ns = 0}, fast[4];
    pthread_t slow_th, fast_th[4];
    char fifo[256];
    bool blocked = false, all_done = false;
    void *first;
    int fd;

    cfg.fd_budget = -1; /* no file kept open: each read opens its file (a negative budget is 0) */
    start_and_settle();
    cfg.housekeeping_interval_ns = (int64_t)CADV_NS_PER_SEC; /* body reuse window: 1 s */
    cr_assert_eq(cadv_metrics_new(mgr, &cfg, &mx), 0);
    snprintf(fifo, sizeof(fifo), "%s/cgroup/b/memory.current", tmp);
    cr_assert_eq(unlink(fifo), 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    slow.mx = mx;
    cr_assert_eq(pthread_create(&slow_th, NULL, scrape_main, &slow), 0);
    for (int k = 0; k < 3000 && !(blocked = thread_waits_on_fifo()); k++)
        nanosleep(&ts, NULL);
    for (int i = 0; blocked && i < 4; i++) {
        fast[i] = (struct scraper){.mx = mx, .max_age_ns = -1};
        cr_assert_eq(pthread_create(&fast_th[i], NULL, scrape_main, &fast[i]), 0);
    }
    for (int k = 0; blocked && k < 3000 && !all_done; k++) {
        all_done = true;
        for (int i = 0; i < 4; i++)
            all_done = all_done && atomic_load(&fast[i].done);
        if (!all_done)
            nanosleep(&ts, NULL);
    }
    cr_expect(!atomic_load(&slow.done), "the slow scrape did not wait on the FIFO");
    /* Let the slow read go (a writer appears and leaves: the read fails, the scrape completes). */
    fd = open(fifo, O_WRONLY | O_NONBLOCK);
    if (fd >= 0)
        close(fd);
    pthread_join(slow_th, NULL);
    for (int i = 0; blocked && i < 4; i++)
        pthread_join(fast_th[i], NULL);
    cr_assert(blocked, "the ?max_age= scrape never reached the FIFO");
    cr_expect(all_done, "plain scrapes waited for the slow ?max_age= scrape");
    cr_expect_eq(slow.rep.status, 200);
    first = fast[0].rep.free_ctx;
    for (int i = 0; i < 4; i++) {
        char *text = body_text(&fast[i].rep);

        cr_expect_eq(fast[i].rep.status, 200);
        cr_expect(strstr(text, "container_cpu_usage_seconds_total{cpu=\"total\",id=\"/a\"} 2.5 ") != NULL);
        /* Scrapes of one generation share one body (one render, or the published one). */
        cr_expect_eq(fast[i].rep.free_ctx, first);
        free(text);
        release(&fast[i].rep);
    }
    release(&slow.rep);
    cadv_metrics_free(mx);
}
