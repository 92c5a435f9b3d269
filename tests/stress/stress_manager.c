/* SPDX-License-Identifier: Apache-2.0 */
/* stress_manager.c - a running manager (collector every 10 ms, watcher, metadata worker) over a
 * temporary cgroup v2 tree while one thread creates and removes cgroups and two reader threads list,
 * copy samples and specs, walk children, force on-demand collections and read self-metrics, and two
 * scraper threads render /metrics (plain, ?max_age=, gzip) through the shared-render path. Checks
 * that lists stay sorted and unique, that samples are whole, and that once the churn stops the
 * registry converges to the directories on disk. Plain main() so that it runs under TSan and ASan
 * (leaks). Exits 0 when every check held. */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/timeutil.h"
#include "manager/manager.h"
#include "model/kinds.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"
#include "prom/metrics.h"
#include "runtime/runtime.h"
#include "store/ring.h"
#include "wire/http.h"

#define N_SLOTS  24
#define RUN_MS   2500
#define SETTLE_S 3

static char tmp[64], cg_root[128], staging[128];
static struct cadv_manager *mgr;
static atomic_int failures;
static atomic_bool stop_readers;
static atomic_long reads, refreshes, scrapes;
static struct cadv_metrics *metrics;

#define CHECK(cond, ...)                                         \
    do {                                                         \
        if (!(cond) && atomic_fetch_add(&failures, 1) < 20) {    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                        \
            fputc('\n', stderr);                                 \
        }                                                        \
    } while (0)

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(content, f);
    fclose(f);
}

static void make_cgroup_at(const char *path)
{
    if (mkdir(path, 0755) < 0) {
        perror(path);
        exit(2);
    }
    write_file(path, "cgroup.controllers", "cpu io memory pids\n");
    write_file(path, "cgroup.procs", "");
    write_file(path, "cpu.stat", "usage_usec 1000\nuser_usec 600\nsystem_usec 400\n");
    write_file(path, "memory.current", "1048576\n");
    write_file(path, "memory.stat", "anon 4096\nfile 8192\n");
    write_file(path, "memory.max", "max\n");
    write_file(path, "pids.current", "1\n");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    (void)nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    char dir[256];

    strcpy(tmp, "/tmp/cadv-stress-manager-XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(cg_root, sizeof(cg_root), "%s/cgroup", tmp);
    snprintf(staging, sizeof(staging), "%s/staging", tmp);
    mkdir(staging, 0755);
    make_cgroup_at(cg_root);
    for (int i = 0; i < N_SLOTS / 2; i++) {
        snprintf(dir, sizeof(dir), "%s/s%d", cg_root, i);
        make_cgroup_at(dir);
    }
    snprintf(dir, sizeof(dir), "%s/proc", tmp);
    mkdir(dir, 0755);
    write_file(dir, "cpuinfo", "processor\t: 0\ncpu MHz\t\t: 2400.000\n\n");
    write_file(dir, "meminfo", "MemTotal:        4000000 kB\nSwapTotal:             0 kB\n");
    write_file(dir, "uptime", "1000.00 2000.00\n");
    snprintf(dir, sizeof(dir), "%s/sys", tmp);
    mkdir(dir, 0755);
    snprintf(dir, sizeof(dir), "%s/rootfs", tmp);
    mkdir(dir, 0755);
}

static void set_str(char **field, const char *fmt, const char *arg)
{
    char buf[256];

    snprintf(buf, sizeof(buf), fmt, arg);
    free(*field);
    *field = strdup(buf);
}

/* Creates (moved in whole, or made in place with a child) and removes slots at random. */
static void *churn_main(void *arg)
{
    unsigned seed = 12345;
    bool present[N_SLOTS] = {0};
    char path[256], from[512];

    (void)arg;
    for (int i = 0; i < N_SLOTS / 2; i++)
        present[i] = true;
    for (uint64_t end = cadv_mono_ns() + RUN_MS * CADV_NS_PER_MS; cadv_mono_ns() < end;) {
        int i = rand_r(&seed) % N_SLOTS;

        snprintf(path, sizeof(path), "%s/s%d", cg_root, i);
        if (present[i]) {
            rm_tree(path);
        } else if (rand_r(&seed) % 2) {
            snprintf(from, sizeof(from), "%s/s%d", staging, i);
            make_cgroup_at(from);
            if (rename(from, path) < 0)
                perror("rename");
        } else {
            make_cgroup_at(path);
            snprintf(from, sizeof(from), "%s/child", path);
            make_cgroup_at(from);
        }
        present[i] = !present[i];
        sleep_ms(rand_r(&seed) % 8);
    }
    return NULL;
}

static void check_list(struct cadv_container **arr, size_t n)
{
    for (size_t i = 1; i < n; i++)
        CHECK(strcmp(cadv_container_name(arr[i - 1]), cadv_container_name(arr[i])) < 0, "unsorted: %s, %s",
              cadv_container_name(arr[i - 1]), cadv_container_name(arr[i]));
}

static void read_one(struct cadv_container *c, struct cadv_sample *s, struct cadv_spec *spec)
{
    struct cadv_container **kids;
    struct cadv_sample *hist;
    size_t n_kids, n_hist;

    /* A cgroup made in place gets its files a moment after its directory, so a figure is either
     * the fixture's or absent (0); anything else is a torn copy. */
    if (cadv_container_latest(c, s) == 0)
        CHECK((s->c.cpu.total_ns == 1000000 || s->c.cpu.total_ns == 0) &&
                      (s->c.memory.usage == 1048576 || s->c.memory.usage == 0),
              "torn sample of %s: cpu %llu memory %llu", cadv_container_name(c),
              (unsigned long long)s->c.cpu.total_ns, (unsigned long long)s->c.memory.usage);
    cadv_container_spec(c, spec);
    (void)cadv_container_spec_version(c);
    if (cadv_container_samples(c, 0, 0, 5, &hist, &n_hist) == 0) {
        for (size_t i = 1; i < n_hist; i++)
            CHECK(hist[i - 1].c.timestamp_ns <= hist[i].c.timestamp_ns, "history out of order");
        cadv_samples_free(hist, n_hist);
    }
    if (cadv_container_children(mgr, c, &kids, &n_kids) == 0) {
        check_list(kids, n_kids);
        cadv_containers_unref(kids, n_kids);
    }
}

static void *reader_main(void *arg)
{
    bool refresher = arg != NULL;
    struct cadv_sample s;
    struct cadv_spec spec;

    cadv_sample_init(&s);
    cadv_spec_init(&spec);
    while (!atomic_load(&stop_readers)) {
        struct cadv_container **arr, *c;
        struct cadv_manager_stats st;
        size_t n;

        cadv_manager_list(mgr, "/", true, &arr, &n);
        check_list(arr, n);
        for (size_t i = 0; i < n; i++)
            read_one(arr[i], &s, &spec);
        if (refresher) {
            cadv_manager_refresh(mgr, arr, n, 0);
            atomic_fetch_add(&refreshes, 1);
        }
        cadv_containers_unref(arr, n);
        cadv_manager_list(mgr, "/s1", true, &arr, &n);
        cadv_containers_unref(arr, n);
        CHECK(cadv_manager_find_alias(mgr, "docker", "x", &c) == -ENOENT, "alias found");
        cadv_manager_get_stats(mgr, &st);
        cadv_machine_info_unref(cadv_manager_machine_info(mgr));
        atomic_fetch_add(&reads, 1);
    }
    cadv_spec_done(&spec);
    cadv_sample_done(&s);
    return NULL;
}

/* Scrapes /metrics in a loop: ?max_age=0 every third time, gzip every other time. */
static void *scraper_main(void *arg)
{
    long i = arg ? 1 : 0;

    for (; !atomic_load(&stop_readers); i++) {
        struct cadv_http_reply rep = {0};
        bool gz = i % 2 == 0;

        cadv_metrics_serve(metrics, i % 3 == 0 ? 0 : -1, gz, &rep);
        CHECK(rep.status == 200 && rep.len > 0, "scrape: status %u, %zu bytes", rep.status, rep.len);
        if (!gz || !rep.content_encoding)
            CHECK(rep.len > 7 && memcmp(rep.body, "# HELP ", 7) == 0, "scrape: not an exposition");
        if (rep.free_fn)
            rep.free_fn(rep.free_ctx);
        atomic_fetch_add(&scrapes, 1);
    }
    return NULL;
}

/* The names on disk below cg_root (two levels), sorted, space-separated. */
static void disk_names(char *buf, size_t size)
{
    char names[N_SLOTS * 2][64], path[512];
    size_t n = 0;
    struct stat st;

    for (int i = 0; i < N_SLOTS; i++) {
        snprintf(path, sizeof(path), "%s/s%d", cg_root, i);
        if (stat(path, &st) < 0)
            continue;
        snprintf(names[n++], sizeof(names[0]), "/s%d", i);
        snprintf(path, sizeof(path), "%s/s%d/child", cg_root, i);
        if (stat(path, &st) == 0)
            snprintf(names[n++], sizeof(names[0]), "/s%d/child", i);
    }
    qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
    snprintf(buf, size, "/");
    for (size_t i = 0; i < n; i++) {
        strncat(buf, " ", size - strlen(buf) - 1);
        strncat(buf, names[i], size - strlen(buf) - 1);
    }
}

static void tracked_names(char *buf, size_t size)
{
    struct cadv_container **arr;
    size_t n;

    cadv_manager_list(mgr, "/", true, &arr, &n);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(buf, " ", size - strlen(buf) - 1);
        strncat(buf, cadv_container_name(arr[i]), size - strlen(buf) - 1);
    }
    cadv_containers_unref(arr, n);
}

int main(void)
{
    static const struct cadv_runtime *const no_runtimes[] = {NULL};
    struct cadv_config cfg;
    pthread_t churn, readers[2], scrapers[2];
    char want[4096], got[4096];
    struct cadv_manager_stats st;
    bool converged = false;

    setup();
    cadv_config_init(&cfg);
    set_str(&cfg.cgroup_root, "%s", cg_root);
    set_str(&cfg.proc_root, "%s/proc", tmp);
    set_str(&cfg.sys_root, "%s/sys", tmp);
    set_str(&cfg.rootfs, "%s/rootfs", tmp);
    cfg.housekeeping_interval_ns = 10 * (int64_t)CADV_NS_PER_MS;
    cfg.max_housekeeping_interval_ns = 40 * (int64_t)CADV_NS_PER_MS;
    cfg.fd_budget = 32;               /* some cgroups keep fds, the rest reopen their files */
    cfg.metric_kinds = CADV_KIND_ALL; /* every collection path, the process kind's included */
    if (cadv_manager_new(&cfg, &mgr) < 0)
        return 2;
    cadv_manager_set_runtimes(mgr, no_runtimes);
    if (cadv_manager_start(mgr) < 0 || cadv_metrics_new(mgr, &cfg, &metrics) < 0)
        return 2;
    pthread_create(&churn, NULL, churn_main, NULL);
    pthread_create(&scrapers[0], NULL, scraper_main, NULL);
    pthread_create(&scrapers[1], NULL, scraper_main, (void *)1);
    pthread_create(&readers[0], NULL, reader_main, NULL);
    pthread_create(&readers[1], NULL, reader_main, (void *)1);
    pthread_join(churn, NULL);
    for (int i = 0; i < SETTLE_S * 50 && !converged; i++) {
        sleep_ms(20);
        disk_names(want, sizeof(want));
        tracked_names(got, sizeof(got));
        converged = strcmp(want, got) == 0;
    }
    CHECK(converged, "registry did not converge:\n  disk: %s\n  tracked: %s", want, got);
    atomic_store(&stop_readers, true);
    pthread_join(readers[0], NULL);
    pthread_join(readers[1], NULL);
    pthread_join(scrapers[0], NULL);
    pthread_join(scrapers[1], NULL);
    CHECK(atomic_load(&scrapes) > 0, "no scrape");
    metrics = cadv_metrics_free(metrics);
    cadv_manager_get_stats(mgr, &st);
    printf("scrapes %ld, reads %ld, refreshes %ld, collections %llu, added %llu, removed %llu, read errors "
           "%llu\n",
           atomic_load(&scrapes), atomic_load(&reads), atomic_load(&refreshes),
           (unsigned long long)st.collections_total, (unsigned long long)st.containers_added_total,
           (unsigned long long)st.containers_removed_total, (unsigned long long)st.read_errors_total);
    CHECK(st.containers_removed_total > 0 && st.containers_added_total > N_SLOTS / 2, "no churn seen");
    cadv_manager_stop(mgr);
    cadv_manager_stop(mgr); /* idempotent */
    mgr = cadv_manager_free(mgr);
    cadv_config_done(&cfg);
    rm_tree(tmp);
    return atomic_load(&failures) == 0 ? 0 : 1;
}
