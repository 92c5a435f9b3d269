/* SPDX-License-Identifier: Apache-2.0 */
/* test_manager.c - the manager: raw acceptance, housekeeping interval rules, the hash map, and a
 * running manager over a cgroup v2 tree built in a temporary directory (listing, prefixes,
 * children, samples, inotify discovery of created/removed/moved cgroups, dynamic housekeeping,
 * on-demand refresh, runtime claims and aliases through a fake runtime plugin). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "collect/fs.h"
#include "config.h"
#include "core/timeutil.h"
#include "events/store.h"
#include "manager/discovery.h"
#include "manager/hmap.h"
#include "manager/manager.h"
#include "manager/scheduler.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"
#include "runtime/raw.h"
#include "runtime/runtime.h"
#include "store/ring.h"
#include "tu_cgroupfs.h"

/* ---- pure rules ---- */

Test(raw, accept_table)
{
    char *def[] = {"", NULL};
    char *wl[] = {"/system.slice", "/user", NULL};
    char *empty_first[] = {"", "/foo", NULL};
    char *none[] = {NULL};
    static const struct {
        bool docker_only;
        int list; /* 0 def, 1 wl, 2 empty_first, 3 none, 4 NULL */
        const char *name;
        bool want;
    } cases[] = {
            {false, 0, "/", true},
            {false, 0, "/a", true},
            {true, 0, "/", true},
            {true, 0, "/a", false},
            {true, 4, "/a", false},
            {true, 3, "/a", false},
            {false, 4, "/a", true},
            {false, 1, "/system.slice/x", true},
            {false, 1, "/user.slice", true},
            {false, 1, "/kubepods", false},
            {true, 1, "/system.slice", true},
            {true, 1, "/docker", false},
            {true, 2, "/foo/x", false},
            {false, 2, "/anything", true},
            {true, 1, "/", true},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *const *lists[] = {def, wl, empty_first, none, NULL};

        cr_expect_eq(cadv_raw_accepts(cases[i].docker_only, lists[cases[i].list], cases[i].name),
                     cases[i].want, "case %zu (%s)", i, cases[i].name);
    }
}

Test(sched, next_interval)
{
    const uint64_t s = CADV_NS_PER_SEC;

    /* Fewer than two samples, or not dynamic: unchanged. */
    cr_expect_eq(cadv_sched_next_interval(4 * s, s, 60 * s, true, 1, false), 4 * s);
    cr_expect_eq(cadv_sched_next_interval(4 * s, s, 60 * s, false, 2, true), 4 * s);
    /* Equal: doubles, capped at max, stays at max. */
    cr_expect_eq(cadv_sched_next_interval(s, s, 60 * s, true, 2, true), 2 * s);
    cr_expect_eq(cadv_sched_next_interval(32 * s, s, 60 * s, true, 2, true), 60 * s);
    cr_expect_eq(cadv_sched_next_interval(60 * s, s, 60 * s, true, 2, true), 60 * s);
    /* Different: back to base. */
    cr_expect_eq(cadv_sched_next_interval(16 * s, s, 60 * s, true, 2, false), s);
    cr_expect_eq(cadv_sched_next_interval(s, s, 60 * s, true, 2, false), s);
    /* No overflow near the top. */
    cr_expect_eq(cadv_sched_next_interval(UINT64_MAX / 2 + 1, s, UINT64_MAX, true, 2, true), UINT64_MAX);
}

Test(sched, jitter)
{
    const uint64_t s = CADV_NS_PER_SEC;

    cr_expect_eq(cadv_sched_jitter(s, 1.0, 0.0), s);
    cr_expect_eq(cadv_sched_jitter(s, 1.0, 0.5), s + s / 2);
    cr_expect_eq(cadv_sched_jitter(s, 0.0, 0.9), s);           /* 0: no jitter (cAdvisor's jitter()) */
    cr_expect_eq(cadv_sched_jitter(s, -3.0, 0.25), s + s / 4); /* negative: 1.0 */
    cr_expect_eq(cadv_sched_jitter(2 * s, 0.5, 0.5), 2 * s + s / 2);
    cr_expect_lt(cadv_sched_jitter(s, 1.0, 0.999999), 2 * s);
    /* Huge products saturate instead of reaching an undefined float->uint64 cast (UBSan's
     * float-cast-overflow, on in the sanitizer build, would flag it). */
    cr_expect_eq(cadv_sched_jitter(s, 1e300, 0.5), UINT64_MAX);
    cr_expect_eq(cadv_sched_jitter(UINT64_MAX / 2, 100.0, 0.999), UINT64_MAX);
    cr_expect_eq(cadv_sched_jitter(UINT64_MAX, 0.0, 0.5), UINT64_MAX);
    cr_expect_eq(cadv_sched_jitter(s, NAN, 0.5), s + s / 2); /* NaN: 1.0 */
}

static int freed_values;

static void count_free(void *p)
{
    freed_values++;
    free(p);
}

static bool drop_odd(const char *key, size_t len, void *value, void *ud)
{
    (void)key, (void)len, (void)ud;
    return *(int *)value % 2 == 1;
}

Test(hmap, put_get_del_foreach)
{
    struct cadv_hmap *h = cadv_hmap_new(count_free);
    char key[32];

    freed_values = 0;
    for (int i = 0; i < 1000; i++) {
        int *v = malloc(sizeof(*v));

        *v = i;
        snprintf(key, sizeof(key), "/k/%d", i);
        cadv_hmap_put(h, key, strlen(key), v);
    }
    cr_assert_eq(cadv_hmap_count(h), 1000);
    cr_expect_eq(*(int *)cadv_hmap_get(h, "/k/777", 6), 777);
    cr_expect_null(cadv_hmap_get(h, "/k/1000", 7));
    cr_expect(cadv_hmap_del(h, "/k/5", 4));
    cr_expect_not(cadv_hmap_del(h, "/k/5", 4));
    cr_expect_eq(freed_values, 1);
    cadv_hmap_foreach(h, drop_odd, NULL);
    cr_expect_eq(cadv_hmap_count(h), 500);
    cr_expect_null(cadv_hmap_get(h, "/k/7", 4));
    cr_expect_eq(*(int *)cadv_hmap_get(h, "/k/8", 4), 8);
    h = cadv_hmap_free(h);
    cr_expect_eq(freed_values, 1000);
}

/* ---- a running manager over a temporary cgroup v2 tree ---- */

static char tmp[64];
static char cg_root[128], staging[128];
static struct cadv_config cfg;
static struct cadv_manager *mgr;

/* A cgroup v2 directory as the kernel would populate it. */
static void make_cgroup_at(const char *path)
{
    tu_make_v2_cgroup(path, "cpuset cpu io memory hugetlb pids\n",
                      "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 0\n"
                      "nr_throttled 0\nthrottled_usec 0\n");
}

static void make_cgroup(const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s%s", cg_root, name);
    make_cgroup_at(path);
}

#define NET_DEV                                                                                              \
    "Inter-|   Receive                                                |  Transmit\n"                         \
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo "     \
    "colls "                                                                                                 \
    "carrier compressed\n"                                                                                   \
    "    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     " \
    "0    "                                                                                                  \
    "   0          0\n"                                                                                      \
    "  eth0:  123456     100    1    2    0     0          0         0    65432      50    3    4    0     " \
    "0    "                                                                                                  \
    "   0          0\n"

static void make_fixture(void)
{
    char dir[256], line[256];
    struct stat st;

    strcpy(tmp, "/tmp/cadv-test-manager-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(cg_root, sizeof(cg_root), "%s/cgroup", tmp);
    snprintf(staging, sizeof(staging), "%s/staging", tmp);
    cr_assert_eq(mkdir(staging, 0755), 0);
    make_cgroup_at(cg_root);
    make_cgroup("/a");
    make_cgroup("/a/b");
    make_cgroup("/a-x");
    make_cgroup("/c");
    make_cgroup("/var-lib.mount"); /* systemd mount unit: never a container */
    snprintf(dir, sizeof(dir), "%s/proc", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    tu_write_file(dir, "cpuinfo",
                  "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2400.000\n"
                  "physical id\t: 0\ncore id\t\t: 0\n\n");
    tu_write_file(dir, "meminfo",
                  "MemTotal:        4000000 kB\nMemFree:         1000000 kB\n"
                  "SwapTotal:             0 kB\n");
    tu_write_file(dir, "uptime", "1000.00 2000.00\n");
    /* The host's network (pid 1, the root container's) and one filesystem: the one holding tmp. */
    snprintf(dir, sizeof(dir), "%s/proc/1", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof(dir), "%s/proc/1/net", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    tu_write_file(dir, "dev", NET_DEV);
    snprintf(dir, sizeof(dir), "%s/proc/self", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    cr_assert_eq(stat(tmp, &st), 0);
    snprintf(line, sizeof(line), "36 35 %u:%u / / rw,relatime shared:1 - ext4 /dev/cadvtest rw\n",
             major(st.st_dev), minor(st.st_dev));
    tu_write_file(dir, "mountinfo", line);
    snprintf(dir, sizeof(dir), "%s/sys", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof(dir), "%s/rootfs", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);

    cadv_config_init(&cfg);
    tu_replace_str(&cfg.cgroup_root, cg_root);
    snprintf(dir, sizeof(dir), "%s/proc", tmp);
    tu_replace_str(&cfg.proc_root, dir);
    snprintf(dir, sizeof(dir), "%s/sys", tmp);
    tu_replace_str(&cfg.sys_root, dir);
    snprintf(dir, sizeof(dir), "%s/rootfs", tmp);
    tu_replace_str(&cfg.rootfs, dir);
    cfg.housekeeping_interval_ns = 100 * (int64_t)CADV_NS_PER_MS;
    cfg.max_housekeeping_interval_ns = 100 * (int64_t)CADV_NS_PER_MS;
    cfg.initial_splay_factor = 0;
    cfg.jitter_factor = 0;
    cfg.global_housekeeping_interval_ns = 3600 * (int64_t)CADV_NS_PER_SEC; /* only inotify finds cgroups */
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

static void start_with(const struct cadv_runtime *const *runtimes)
{
    cr_assert_eq(cadv_manager_new(&cfg, &mgr), 0);
    cadv_manager_set_runtimes(mgr, runtimes);
    cr_assert_eq(cadv_manager_start(mgr), 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Polls until `name` is tracked (want) or not (!want), up to timeout_ms. */
static bool wait_tracked(const char *name, bool want, long timeout_ms)
{
    for (long t = 0; t <= timeout_ms; t += 20) {
        struct cadv_container *c = cadv_manager_get(mgr, name);
        bool tracked = c != NULL;

        cadv_container_unref(c);
        if (tracked == want)
            return true;
        sleep_ms(20);
    }
    return false;
}

/* The names of a list, joined with spaces; frees the list. */
static char *names_of(struct cadv_container **arr, size_t n)
{
    static char buf[1024];

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, cadv_container_name(arr[i]));
    }
    cadv_containers_unref(arr, n);
    return buf;
}

static char *list(const char *name, bool recursive)
{
    struct cadv_container **arr;
    size_t n;

    cr_assert_eq(cadv_manager_list(mgr, name, recursive, &arr, &n), 0);
    return names_of(arr, n);
}

static char *children(const char *name)
{
    struct cadv_container *c = cadv_manager_get(mgr, name), **arr;
    size_t n;

    cr_assert_not_null(c, "%s", name);
    cr_assert_eq(cadv_container_children(mgr, c, &arr, &n), 0);
    cadv_container_unref(c);
    return names_of(arr, n);
}

/* Some tests wait in two or three polls of up to 20 s each (sanitizer builds on a loaded machine). */
TestSuite(manager, .init = make_fixture, .fini = teardown, .timeout = 60);

Test(manager, lists_prefixes_children)
{
    struct cadv_container *c;

    start_with(no_runtimes);
    cr_expect_str_eq(list("/", true), "/ /a /a-x /a/b /c");
    cr_expect_str_eq(list("/", false), "/");
    cr_expect_str_eq(list("/a", true), "/a /a/b");
    cr_expect_str_eq(list("/a/", true), "/a /a/b");
    cr_expect_str_eq(list("/a", false), "/a");
    cr_expect_str_eq(list("/nope", true), "");
    cr_expect_str_eq(children("/"), "/a /a-x /c");
    cr_expect_str_eq(children("/a"), "/a/b");
    cr_expect_str_eq(children("/a/b"), "");
    cr_expect_null(cadv_manager_get(mgr, "/var-lib.mount"));
    c = cadv_manager_get(mgr, "/a/b");
    cr_assert_not_null(c);
    cr_expect_str_eq(cadv_container_name(c), "/a/b");
    cr_expect(cadv_container_alive(c));
    cadv_container_unref(c);
    cr_expect_eq(cadv_manager_find_alias(mgr, "docker", "a", &c), -ENOENT);
}

Test(manager, samples_appear)
{
    struct cadv_manager_stats st;
    struct cadv_machine_info *mi;
    struct cadv_container *c;
    struct cadv_sample s;
    struct cadv_spec spec;
    int r = -ENOENT;

    start_with(no_runtimes);
    c = cadv_manager_get(mgr, "/a");
    cr_assert_not_null(c);
    cadv_sample_init(&s);
    for (int i = 0; i < 100 && r < 0; i++, sleep_ms(20))
        r = cadv_container_latest(c, &s);
    cr_assert_eq(r, 0);
    cr_expect_gt(s.c.timestamp_ns, 0);
    cr_expect(s.c.has & CADV_HAS_CPU);
    cr_expect_eq(s.c.cpu.total_ns, 1000000);
    cr_expect_eq(s.c.memory.usage, 1048576);
    cadv_sample_done(&s);
    cadv_spec_init(&spec);
    cadv_container_spec(c, &spec);
    cr_expect(spec.has_memory);
    cr_expect_null(spec.namespace_);
    cadv_spec_done(&spec);
    cadv_container_unref(c);
    cr_expect_gt(cadv_manager_generation(mgr), 0);
    cadv_manager_get_stats(mgr, &st);
    cr_expect_eq(st.containers, 5);
    cr_expect_geq(st.collections_total, 1);
    cr_expect_gt(st.history_bytes, 0);
    cr_expect_leq(st.fds_held, 64);
    mi = cadv_manager_machine_info(mgr);
    cr_assert_not_null(mi);
    cr_expect_eq(mi->memory_capacity, 4000000ULL * 1024);
    cadv_machine_info_unref(mi);
}

Test(manager, root_network_from_pid_1)
{
    struct cadv_container *c;
    struct cadv_sample s;
    struct cadv_spec spec;
    int r = -ENOENT;

    start_with(no_runtimes);
    c = cadv_manager_get(mgr, "/");
    cr_assert_not_null(c);
    cadv_sample_init(&s);
    for (int i = 0; i < 100 && r < 0; i++, sleep_ms(20))
        r = cadv_container_latest(c, &s);
    cr_assert_eq(r, 0);
    cr_expect(s.c.has & CADV_HAS_NETWORK);
    cr_assert_eq(s.n_ifaces, 1, "lo is skipped");
    cr_expect_str_eq(s.ifaces[0].name, "eth0");
    cr_expect_eq(s.ifaces[0].rx_bytes, 123456);
    cr_expect_eq(s.ifaces[0].tx_dropped, 4);
    cr_expect_null(s.net, "no socket tables unless the tcp/udp kinds are on");
    cadv_spec_init(&spec);
    cadv_container_spec(c, &spec);
    cr_expect(spec.has_filesystem);
    cadv_spec_done(&spec);
    cadv_container_unref(c);
    /* A raw cgroup has no root process: no network. */
    c = cadv_manager_get(mgr, "/a");
    cr_assert_not_null(c);
    r = -ENOENT;
    for (int i = 0; i < 100 && r < 0; i++, sleep_ms(20))
        r = cadv_container_latest(c, &s);
    cr_assert_eq(r, 0);
    cr_expect_not(s.c.has & CADV_HAS_NETWORK);
    cadv_sample_done(&s);
    cadv_container_unref(c);
}

static void move_in(const char *stage_name, const char *name)
{
    char from[512], to[512];

    snprintf(from, sizeof(from), "%s/%s", staging, stage_name);
    snprintf(to, sizeof(to), "%s%s", cg_root, name);
    cr_assert_eq(rename(from, to), 0, "%s -> %s: %s", from, to, strerror(errno));
}

Test(manager, inotify_create_remove_move)
{
    char path[512];

    start_with(no_runtimes);
    /* A new tree (a dir with a subdir), moved in: both appear, found by inotify (rescan is 1 h). */
    snprintf(path, sizeof(path), "%s/e", staging);
    make_cgroup_at(path);
    snprintf(path, sizeof(path), "%s/e/f", staging);
    make_cgroup_at(path);
    move_in("e", "/e");
    cr_expect(wait_tracked("/e", true, 1000));
    cr_expect(wait_tracked("/e/f", true, 1000));
    /* Created in place, under a directory that appeared after start. */
    make_cgroup("/e/f/g");
    cr_expect(wait_tracked("/e/f/g", true, 1000));
    cr_expect_str_eq(list("/e", true), "/e /e/f /e/f/g");
    /* rmdir (after emptying it, as the kernel's cgroup files would go with it). */
    snprintf(path, sizeof(path), "rm -rf '%s/e/f/g'", cg_root);
    cr_assert_eq(system(path), 0);
    cr_expect(wait_tracked("/e/f/g", false, 1500));
    /* Moved away: it and its subtree leave. */
    snprintf(path, sizeof(path), "%s/c", cg_root);
    make_cgroup("/c/d");
    cr_expect(wait_tracked("/c/d", true, 1000));
    {
        char to[512];

        snprintf(to, sizeof(to), "%s/c-moved", staging);
        cr_assert_eq(rename(path, to), 0);
    }
    cr_expect(wait_tracked("/c", false, 1500));
    cr_expect(wait_tracked("/c/d", false, 1500));
    cr_expect_str_eq(list("/", true), "/ /a /a-x /a/b /e /e/f");
}

/* Waits until `scans` more full scans than s0 ran; *s and *r: the scans and the directories read so far. */
static bool wait_scans(size_t s0, size_t scans, size_t *s, size_t *r)
{
    for (int i = 0; i < 1000; i++) {
        discovery_test_scan_counts(s, r);
        if (*s >= s0 + scans)
            return true;
        usleep(10000);
    }
    return false;
}

/* A rescan reads only the directories that have subdirectories (or that it does not already watch):
 * in the fixture's tree (/a/b, /a-x, /c, and an ignored mount unit) the root and /a. A child created
 * later in a watched leaf is reported by its watch, and the leaf then has a subdirectory: it is read
 * again. */
Test(manager, rescan_reads_no_watched_leaf)
{
    size_t s0, r0, s1, r1;

    cfg.global_housekeeping_interval_ns = 100 * (int64_t)CADV_NS_PER_MS;
    start_with(no_runtimes);
    discovery_test_scan_counts(&s0, &r0);
    cr_assert(wait_scans(s0, 2, &s0, &r0)); /* each directory watched with its inode number known */
    cr_assert(wait_scans(s0, 3, &s1, &r1));
    cr_expect_eq(r1 - r0, 2 * (s1 - s0), "%zu directories read in %zu rescans", r1 - r0, s1 - s0);
    make_cgroup("/c/x");
    cr_expect(wait_tracked("/c/x", true, 10000));
    discovery_test_scan_counts(&s0, &r0);
    cr_assert(wait_scans(s0, 2, &s0, &r0));
    cr_assert(wait_scans(s0, 3, &s1, &r1));
    cr_expect_eq(r1 - r0, 3 * (s1 - s0), "%zu directories read in %zu rescans", r1 - r0, s1 - s0);
}

/* fs.inotify.max_user_watches reached (emulated: the host's limit is global): one warning, and the
 * rescan still finds every cgroup, nested ones under unwatched directories included. */
Test(manager, watch_limit_falls_back_to_rescan)
{
    char logpath[600], text[8192];
    int saved = dup(STDERR_FILENO), fd;
    ssize_t len;
    const char *p;
    int count = 0;

    snprintf(logpath, sizeof(logpath), "%s/stderr.log", tmp);
    fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    cr_assert(saved >= 0 && fd >= 0);
    cr_assert_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
    discovery_test_set_watch_cap(0); /* nothing watched: only the rescan can find cgroups */
    cfg.global_housekeeping_interval_ns = 300 * (int64_t)CADV_NS_PER_MS;
    start_with(no_runtimes);
    make_cgroup("/z");
    cr_expect(wait_tracked("/z", true, 10000));
    make_cgroup("/z/y"); /* after the scan that found /z: only a later rescan can find it */
    cr_expect(wait_tracked("/z/y", true, 10000));
    mgr = cadv_manager_free(mgr);
    discovery_test_set_watch_cap(SIZE_MAX);
    cr_assert_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    fd = open(logpath, O_RDONLY | O_CLOEXEC);
    cr_assert(fd >= 0);
    len = read(fd, text, sizeof(text) - 1);
    close(fd);
    cr_assert(len > 0);
    text[len] = '\0';
    for (p = text; (p = strstr(p, "inotify watch limit reached")); p++)
        count++;
    cr_expect_eq(count, 1, "%s", text);
    cr_expect(strstr(text, "periodic rescan only") != NULL, "%s", text);
}

Test(manager, disable_root_stats_and_refresh)
{
    struct cadv_container **arr;
    struct cadv_manager_stats st;
    struct cadv_sample s;
    size_t n, before;
    uint64_t gen;

    cfg.disable_root_cgroup_stats = true;
    cfg.housekeeping_interval_ns = 3600 * (int64_t)CADV_NS_PER_SEC; /* one collection each, then none */
    cfg.max_housekeeping_interval_ns = cfg.housekeeping_interval_ns;
    start_with(no_runtimes);
    cr_assert(wait_tracked("/a/b", true, 100));
    cr_assert_eq(cadv_manager_list(mgr, "/", true, &arr, &n), 0);
    cr_assert_eq(n, 5);
    for (int i = 0; i < 100; i++, sleep_ms(20)) {
        cadv_manager_get_stats(mgr, &st);
        if (st.collections_total >= 4)
            break;
    }
    cr_expect_eq(st.collections_total, 4, "all but the root collected once");
    cadv_sample_init(&s);
    cr_expect_eq(cadv_container_latest(arr[0], &s), -ENOENT, "no sample for /");
    /* Fresh enough: nothing to do. */
    gen = cadv_manager_generation(mgr);
    cadv_manager_refresh(mgr, arr, n, 3600 * CADV_NS_PER_SEC);
    cadv_manager_get_stats(mgr, &st);
    cr_expect_eq(st.ondemand_total, 0);
    cr_expect_eq(cadv_manager_generation(mgr), gen);
    /* max_age 0: every container but the root is collected now. */
    before = st.collections_total;
    cadv_manager_refresh(mgr, arr, n, 0);
    cadv_manager_get_stats(mgr, &st);
    cr_expect_eq(st.ondemand_total, 4);
    cr_expect_eq(st.collections_total, before + 4);
    cr_expect_gt(cadv_manager_generation(mgr), gen);
    cr_expect_eq(cadv_container_latest(arr[0], &s), -ENOENT);
    cr_expect_eq(cadv_container_latest(arr[1], &s), 0);
    cadv_sample_done(&s);
    cadv_containers_unref(arr, n);
}

/* A unix socket bound at path: a file that exists but that open() refuses. */
static int socket_at(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    cr_assert_geq(fd, 0);
    cr_assert_lt(strlen(path), sizeof(sa.sun_path));
    strcpy(sa.sun_path, path);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s: %s", path, strerror(errno));
    return fd;
}

/* A read that fails (here cpu.stat, then memory.current, replaced by unix sockets: open() gives
 * ENXIO, as it would give EMFILE when out of fds) must not store a sample: one was stored with CPU
 * total 0 between real values, a fake counter reset. The error is counted. Collection is stopped and
 * driven on demand, with an fd budget of 0 so that /a's files are opened per read. */
Test(manager, failed_read_stores_no_sample)
{
    static const char *const files[] = {"cpu.stat", "memory.current"};
    struct cadv_container *c;
    struct cadv_manager_stats st;
    struct cadv_sample s, *all = NULL;
    size_t n = 0;
    uint64_t errors, prev = 0;
    char path[512], aside[512], sock[512];
    int sk;

    cfg.housekeeping_interval_ns = 3600 * (int64_t)CADV_NS_PER_SEC;
    cfg.max_housekeeping_interval_ns = cfg.housekeeping_interval_ns;
    cfg.fd_budget = -1; /* no file kept open: each read opens its file (a negative budget is 0) */
    start_with(no_runtimes);
    cr_assert(wait_tracked("/a", true, 5000));
    c = cadv_manager_get(mgr, "/a");
    cr_assert_not_null(c);
    cadv_manager_stop(mgr); /* from here on, only the test collects */
    cadv_manager_refresh(mgr, &c, 1, 0);
    cadv_sample_init(&s);
    snprintf(sock, sizeof(sock), "%s/a/sock", cg_root);
    for (size_t f = 0; f < 2; f++) {
        uint64_t ts;

        cr_assert_eq(cadv_container_latest(c, &s), 0);
        cr_expect_eq(s.c.cpu.total_ns, 1000000);
        ts = s.c.timestamp_ns;
        cadv_manager_get_stats(mgr, &st);
        errors = st.read_errors_total;
        snprintf(path, sizeof(path), "%s/a/%s", cg_root, files[f]);
        snprintf(aside, sizeof(aside), "%s/a/%s.aside", cg_root, files[f]);
        cr_assert_eq(link(path, aside), 0);
        sk = socket_at(sock);
        cr_assert_eq(rename(sock, path), 0);
        for (int i = 0; i < 3; i++)
            cadv_manager_refresh(mgr, &c, 1, 0);
        cr_assert_eq(cadv_container_latest(c, &s), 0);
        cr_expect_eq(s.c.timestamp_ns, ts, "%s unreadable, yet a sample was stored", files[f]);
        cadv_manager_get_stats(mgr, &st);
        cr_expect_geq(st.read_errors_total, errors + 3, "%s: errors not counted", files[f]);
        cr_assert_eq(rename(aside, path), 0);
        close(sk);
    }
    tu_write_file(cg_root, "a/cpu.stat.new", "usage_usec 2000\nuser_usec 1200\nsystem_usec 800\n");
    snprintf(aside, sizeof(aside), "%s/a/cpu.stat.new", cg_root);
    snprintf(path, sizeof(path), "%s/a/cpu.stat", cg_root);
    cr_assert_eq(rename(aside, path), 0);
    cadv_manager_refresh(mgr, &c, 1, 0);
    cr_assert_eq(cadv_container_latest(c, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 2000000);
    /* Counters of the stored samples never go backwards. */
    cr_assert_eq(cadv_container_samples(c, 0, UINT64_MAX, -1, &all, &n), 0);
    cr_expect_geq(n, 2);
    for (size_t i = 0; i < n; i++) {
        cr_expect(all[i].c.has & CADV_HAS_CPU);
        cr_expect_geq(all[i].c.cpu.total_ns, prev, "sample %zu: cpu total %llu after %llu", i,
                      (unsigned long long)all[i].c.cpu.total_ns, (unsigned long long)prev);
        cr_expect_gt(all[i].c.memory.usage, 0, "sample %zu", i);
        prev = all[i].c.cpu.total_ns;
    }
    cadv_samples_free(all, n);
    cadv_sample_done(&s);
    cadv_container_unref(c);
}

/* Polls until /a has at least want samples (up to 60 s) and returns them. */
static size_t wait_samples(size_t want, struct cadv_sample **ret)
{
    struct cadv_container *c = cadv_manager_get(mgr, "/a");
    size_t n = 0;

    cr_assert_not_null(c);
    for (int i = 0; i < 3000; i++, sleep_ms(20)) {
        cr_assert_eq(cadv_container_samples(c, 0, 0, -1, ret, &n), 0);
        if (n >= want)
            break;
        cadv_samples_free(*ret, n);
        *ret = NULL;
    }
    cadv_container_unref(c);
    cr_assert_geq(n, want, "only %zu samples of /a", n);
    return n;
}

/* The fixture's figures never change: with a 50 ms base and a 1.6 s cap the intervals grow 50, 100,
 * 200, 400 ms. Checked on the samples' own timestamps (a collection can be late on a loaded machine,
 * never early), not by counting samples in a sleep of fixed length. */
Test(manager, dynamic_housekeeping_backs_off)
{
    struct cadv_sample *arr = NULL;
    size_t n;
    uint64_t min_late = UINT64_MAX;

    cfg.housekeeping_interval_ns = 50 * (int64_t)CADV_NS_PER_MS;
    cfg.max_housekeeping_interval_ns = 1600 * (int64_t)CADV_NS_PER_MS;
    start_with(no_runtimes);
    n = wait_samples(5, &arr);
    for (size_t k = 1; k < 5; k++) {
        uint64_t gap = arr[k].c.timestamp_ns - arr[k - 1].c.timestamp_ns,
                 want = (50ULL << (k - 1)) * CADV_NS_PER_MS;

        cr_expect_geq(gap + 2 * CADV_NS_PER_MS, want, "dynamic gap %zu: %.1f ms, want >= %.0f ms", k,
                      (double)gap / 1e6, (double)want / 1e6);
    }
    cadv_samples_free(arr, n);
    mgr = cadv_manager_free(mgr);

    /* Fixed: the interval stays at 50 ms. With back-off the 6th and later gaps would be >= 800 ms
     * each; without it one of three need only be under 800 ms. */
    cfg.allow_dynamic_housekeeping = false;
    start_with(no_runtimes);
    n = wait_samples(9, &arr);
    for (size_t k = 6; k < 9; k++) {
        uint64_t gap = arr[k].c.timestamp_ns - arr[k - 1].c.timestamp_ns;

        min_late = gap < min_late ? gap : min_late;
    }
    cr_expect_lt(min_late, 800 * CADV_NS_PER_MS, "fixed: the late gaps were all >= %.1f ms",
                 (double)min_late / 1e6);
    cadv_samples_free(arr, n);
}

/* ---- a fake runtime: "/fake/<name>" are its containers, "/fake-ignored" is its non-container ---- */

static enum cadv_claim fake_claims(void *state, const char *name, char *ret_id, unsigned id_size)
{
    (void)state;
    if (strcmp(name, "/fake-ignored") == 0)
        return CADV_CLAIM_IGNORE;
    if (strncmp(name, "/fake/", 6) != 0 || strchr(name + 6, '/'))
        return CADV_CLAIM_NO;
    snprintf(ret_id, id_size, "id-%s", name + 6);
    return CADV_CLAIM_YES;
}

static int fake_inspect(void *state, const char *name, const char *id, struct cadv_spec *spec)
{
    (void)state;
    if (strcmp(name, "/fake/gone") == 0)
        return -ENOENT;
    spec->id = strdup(id);
    spec->namespace_ = strdup("fake");
    spec->n_aliases = 2;
    spec->aliases = calloc(2, sizeof(char *));
    spec->aliases[0] = strdup(name + 6); /* the container's "name" */
    spec->aliases[1] = strdup(id);
    spec->image = strdup("busybox");
    return 0;
}

static char layer_dir[256];

/* Like fake_inspect, with a root process (pid 1 of the fixture's proc) and a writable layer. */
static int fake_inspect_full(void *state, const char *name, const char *id, struct cadv_spec *spec,
                             struct cadv_runtime_info *info)
{
    int r = fake_inspect(state, name, id, spec);

    if (r < 0)
        return r;
    spec->pid = 1;
    info->rootfs_dir = strdup(layer_dir);
    info->collect_network = true;
    info->has_network = true;
    return 0;
}

static const struct cadv_runtime fake_full_runtime = {
        .name = "fake",
        .claims = fake_claims,
        .inspect_full = fake_inspect_full,
};
static const struct cadv_runtime *const fake_full_runtimes[] = {&fake_full_runtime, NULL};

/* Identity only: no root process, no writable layer. */
static int fake_inspect_id(void *state, const char *name, const char *id, struct cadv_spec *spec,
                           struct cadv_runtime_info *info)
{
    (void)info;
    return fake_inspect(state, name, id, spec);
}

static const struct cadv_runtime fake_runtime = {
        .name = "fake",
        .claims = fake_claims,
        .inspect_full = fake_inspect_id,
};
static const struct cadv_runtime *const fake_runtimes[] = {&fake_runtime, NULL};

Test(manager, runtime_claims_and_aliases)
{
    struct cadv_manager_stats st, st2;
    struct cadv_container *c, **arr;
    struct cadv_spec spec;
    uint64_t v0;
    size_t n;

    make_cgroup("/fake");
    make_cgroup("/fake/web1");
    make_cgroup("/fake/web2");
    make_cgroup("/fake/db");
    make_cgroup("/fake/gone");
    make_cgroup("/fake-ignored");
    cfg.docker_only = true; /* raw cgroups other than "/" are dropped; the runtime's are kept */
    cfg.global_housekeeping_interval_ns = 300 * (int64_t)CADV_NS_PER_MS;
    start_with(fake_runtimes);
    /* "/fake/gone" is collected as raw until its runtime said twice (2 s apart) it has no such
     * container; then, with docker_only, it is dropped, and rescans do not bring it back. */
    cr_expect_str_eq(list("/", true), "/ /fake/db /fake/gone /fake/web1 /fake/web2");
    cr_expect(wait_tracked("/fake/gone", false, 4000));
    cadv_manager_get_stats(mgr, &st);
    sleep_ms(1000);
    cr_expect_null(cadv_manager_get(mgr, "/fake/gone"));
    cadv_manager_get_stats(mgr, &st2);
    cr_expect_eq(st2.containers_added_total, st.containers_added_total,
                 "rescans re-created a rejected cgroup");
    cr_expect_eq(st.containers_removed_total, 1);
    for (int i = 0; i < 100; i++, sleep_ms(20)) {
        cr_assert_eq(cadv_manager_list_namespace(mgr, "fake", &arr, &n), 0);
        cadv_containers_unref(arr, n);
        if (n == 3)
            break;
    }
    cr_assert_eq(cadv_manager_list_namespace(mgr, "fake", &arr, &n), 0);
    cr_expect_str_eq(names_of(arr, n), "/fake/db /fake/web1 /fake/web2");
    cr_assert_eq(cadv_manager_find_alias(mgr, "fake", "web1", &c), 0);
    cr_expect_str_eq(cadv_container_name(c), "/fake/web1");
    v0 = cadv_container_spec_version(c);
    cr_expect_gt(v0, 1, "the identity bumped the spec version");
    cadv_spec_init(&spec);
    cadv_container_spec(c, &spec);
    cr_expect_str_eq(spec.image, "busybox");
    cr_expect_str_eq(spec.namespace_, "fake");
    cadv_spec_done(&spec);
    cadv_container_unref(c);
    cr_assert_eq(cadv_manager_find_alias(mgr, "fake", "d", &c), 0, "unique prefix");
    cr_expect_str_eq(cadv_container_name(c), "/fake/db");
    cadv_container_unref(c);
    cr_assert_eq(cadv_manager_find_alias(mgr, "fake", "id-web2", &c), 0);
    cr_expect_str_eq(cadv_container_name(c), "/fake/web2");
    cadv_container_unref(c);
    cr_expect_eq(cadv_manager_find_alias(mgr, "fake", "web", &c), -ENOTUNIQ);
    cr_expect_eq(cadv_manager_find_alias(mgr, "fake", "nope", &c), -ENOENT);
    cr_expect_eq(cadv_manager_find_alias(mgr, "docker", "web1", &c), -ENOENT);
}

Test(manager, whitelist_restricts_raw)
{
    for (size_t i = 0; cfg.raw_cgroup_prefix_whitelist && cfg.raw_cgroup_prefix_whitelist[i]; i++)
        free(cfg.raw_cgroup_prefix_whitelist[i]);
    free(cfg.raw_cgroup_prefix_whitelist);
    cfg.raw_cgroup_prefix_whitelist = calloc(2, sizeof(char *));
    cfg.raw_cgroup_prefix_whitelist[0] = strdup("/a");
    start_with(no_runtimes);
    cr_expect_str_eq(list("/", true), "/ /a /a-x /a/b");
}

/* The collector adds the runtime's view: network from the root process's netns, and the usage of
 * the writable layer, measured by the metadata worker. */
Test(manager, runtime_network_and_fs_usage)
{
    struct cadv_container *c;
    struct cadv_sample s;
    struct cadv_spec spec;
    char file[300], block[4096];
    bool ok = false;
    FILE *f;

    snprintf(layer_dir, sizeof(layer_dir), "%s/layer", tmp);
    cr_assert_eq(mkdir(layer_dir, 0755), 0);
    snprintf(file, sizeof(file), "%s/data", layer_dir);
    f = fopen(file, "w");
    cr_assert_not_null(f);
    memset(block, 'x', sizeof(block));
    for (int i = 0; i < 64; i++)
        fwrite(block, 1, sizeof(block), f);
    fclose(f);
    make_cgroup("/fake");
    make_cgroup("/fake/web1");
    start_with(fake_full_runtimes);
    c = cadv_manager_get(mgr, "/fake/web1");
    cr_assert_not_null(c);
    cadv_sample_init(&s);
    for (int i = 0; i < 150 && !ok; i++, sleep_ms(20))
        ok = cadv_container_latest(c, &s) == 0 && (s.c.has & CADV_HAS_FILESYSTEM) &&
             (s.c.has & CADV_HAS_NETWORK);
    cr_assert(ok, "network and filesystem in a sample within 3 s");
    cr_expect_str_eq(s.ifaces[0].name, "eth0");
    cr_assert_eq(s.n_fs, 1);
    cr_expect_str_eq(s.fs[0].device, "/dev/cadvtest");
    cr_expect_geq(s.fs[0].usage, 64 * 4096);
    cr_expect_geq(s.fs[0].inodes, 2, "the layer and its file");
    cadv_sample_done(&s);
    cadv_spec_init(&spec);
    cadv_container_spec(c, &spec);
    cr_expect(spec.has_network);
    cr_expect(spec.has_filesystem, "its writable layer is measured");
    cr_expect_eq(spec.pid, 1);
    cadv_spec_done(&spec);
    cadv_container_unref(c);
}

/* ---- OOM kills: the kernel log (a file here) and the cgroup's own counter ---- */

static size_t oom_events_of(const char *name, struct cadv_event **ret)
{
    struct cadv_event_query q = {.types = (1u << CADV_EVENT_OOM) | (1u << CADV_EVENT_OOM_KILL),
                                 .container = name,
                                 .max_events = -1};
    size_t n;

    cr_assert_eq(cadv_events_query(cadv_manager_events(mgr), &q, ret, &n), 0);
    return n;
}

/* Waits for a sample of c with the OOM counter read; returns its oom_events. */
static uint64_t wait_oom_sample(struct cadv_container *c, uint64_t after_ns)
{
    struct cadv_sample s;
    uint64_t v = UINT64_MAX;

    cadv_sample_init(&s);
    for (int i = 0; i < 1000 && v == UINT64_MAX; i++) { /* 20 s: sanitizer builds on a loaded machine */
        if (cadv_container_latest(c, &s) == 0 && s.c.timestamp_ns > after_ns && (s.c.has & CADV_HAS_OOM_KILL))
            v = s.c.oom_events;
        else
            sleep_ms(20);
    }
    cadv_sample_done(&s);
    cr_assert_neq(v, UINT64_MAX, "no sample with the OOM counter");
    return v;
}

/* Starts the manager with a silent kernel log and the v2 fixture cgroup /a (its directory into dir)
 * with no kill counted yet; returns /a once a sample read its counter. */
static struct cadv_container *start_silent_kmsg(char *dir, size_t size)
{
    struct cadv_container *c;

    snprintf(dir, size, "%s/a", cg_root);
    tu_write_file(dir, "memory.events.local", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
    tu_replace_str(&cfg.kmsg_path, "/dev/null");
    start_with(no_runtimes);
    c = cadv_manager_get(mgr, "/a");
    cr_assert_not_null(c);
    cr_expect_eq(wait_oom_sample(c, 0), 0);
    return c;
}

Test(manager, oom_counted_by_cgroup_when_the_kernel_log_is_silent)
{
    char dir[256];
    struct cadv_container *c;
    struct cadv_event *ev = NULL;
    size_t n = 0;

    c = start_silent_kmsg(dir, sizeof(dir));
    tu_rewrite_file(dir, "memory.events.local", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n");
    for (int i = 0; i < 500 && n < 4; i++, sleep_ms(20)) {
        cadv_event_array_free(ev, n);
        n = oom_events_of("/a", &ev);
    }
    cr_assert_eq(n, 4, "an oom and an oomKill event per kill, after the grace period");
    /* Same timestamp: ordered by type. */
    cr_expect(ev[0].type == CADV_EVENT_OOM && ev[1].type == CADV_EVENT_OOM);
    cr_expect(ev[2].type == CADV_EVENT_OOM_KILL && ev[3].type == CADV_EVENT_OOM_KILL);
    cr_expect_eq(ev[3].pid, 0);
    cadv_event_array_free(ev, n);
    cr_expect_eq(wait_oom_sample(c, cadv_now_ns()), 2);
    sleep_ms(300);
    cr_expect_eq(oom_events_of("/a", &ev), 4, "never twice");
    cadv_event_array_free(ev, 4);
    cadv_container_unref(c);
}

/* cgroup v2: a change of memory.events(.local) is noticed by inotify, so a kill is counted and reported
 * however long the housekeeping interval (an hour here: one collection at the start, no other). */
Test(manager, oom_counter_change_noticed_by_inotify_despite_long_interval)
{
    char dir[256];
    struct cadv_container *c;
    struct cadv_event *ev = NULL;
    size_t n = 0;

    cfg.housekeeping_interval_ns = 3600 * (int64_t)CADV_NS_PER_SEC;
    cfg.max_housekeeping_interval_ns = cfg.housekeeping_interval_ns;
    c = start_silent_kmsg(dir, sizeof(dir));
    tu_rewrite_file(dir, "memory.events.local", "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n");
    for (int i = 0; i < 500 && n < 2; i++, sleep_ms(20)) {
        cadv_event_array_free(ev, n);
        n = oom_events_of("/a", &ev);
    }
    cr_expect_eq(n, 2, "the kill's oom and oomKill events, after the grace period, without waiting an hour");
    cadv_event_array_free(ev, n);
    cr_expect_eq(wait_oom_sample(c, 0), 1);
    cadv_container_unref(c);
}

Test(manager, oom_from_the_kernel_log_is_not_doubled_by_the_counter, .timeout = 40)
{
    char dir[256], klog[256];
    struct cadv_container *c;
    struct cadv_event *ev = NULL;
    size_t n = 0;
    FILE *f;

    snprintf(dir, sizeof(dir), "%s/a", cg_root);
    tu_write_file(dir, "memory.events.local", "oom 0\noom_kill 0\n");
    snprintf(klog, sizeof(klog), "%s/kmsg", tmp);
    tu_write_file(tmp, "kmsg", "");
    tu_replace_str(&cfg.kmsg_path, klog);
    start_with(no_runtimes);
    c = cadv_manager_get(mgr, "/a");
    cr_assert_not_null(c);
    cr_expect_eq(wait_oom_sample(c, 0), 0);
    f = fopen(klog, "a");
    cr_assert_not_null(f);
    fputs("4,10,5000000,-;stress invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
          "6,11,5000100,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
          "oom_memcg=/a,task_memcg=/a,task=stress,pid=4242,uid=0\n",
          f);
    fclose(f);
    tu_rewrite_file(dir, "memory.events.local", "oom 1\noom_kill 1\n");
    for (int i = 0; i < 500 && n < 2; i++, sleep_ms(20)) {
        cadv_event_array_free(ev, n);
        n = oom_events_of("/a", &ev);
    }
    cr_assert_eq(n, 2);
    cr_expect_eq(ev[1].pid, 4242);
    cr_expect_str_eq(ev[1].process_name, "stress");
    cadv_event_array_free(ev, n);
    sleep_ms(2600); /* past the grace period: the counter's kill was the logged one */
    cr_expect_eq(wait_oom_sample(c, cadv_now_ns()), 1);
    cr_expect_eq(oom_events_of("/a", &ev), 2);
    cadv_event_array_free(ev, 2);
    cadv_container_unref(c);
}

/* ---- a runtime that writes the container's limits just before its API knows it (as runc then
 * dockerd do), and describes itself (docker's /version and /info) ---- */

static int limits_inspect(void *state, const char *name, const char *id, struct cadv_spec *spec,
                          struct cadv_runtime_info *info)
{
    (void)info;
    char path[256];

    snprintf(path, sizeof(path), "%s%.64s", cg_root, name);
    tu_write_file(path, "memory.max", "67108864\n");
    return fake_inspect(state, name, id, spec);
}

static int fake_about(void *state, struct cadv_runtime_about *ret)
{
    (void)state;
    ret->docker_version = strdup("99.1.2");
    ret->docker_api_version = strdup("1.99");
    ret->docker_root = strdup("/docker-root");
    return 0;
}

static const struct cadv_runtime limits_runtime = {
        .name = "fake",
        .claims = fake_claims,
        .inspect_full = limits_inspect,
        .about = fake_about,
};
static const struct cadv_runtime *const limits_runtimes[] = {&limits_runtime, NULL};

/* Issue 8: name and limits appear together; the docker version and root come from the runtime. */
Test(manager, limits_with_identity_and_runtime_about)
{
    struct cadv_fs_inventory inv;
    struct cadv_fs_measurement meas;
    struct cadv_machine_info *mi = NULL;
    struct cadv_container *c = NULL;
    struct cadv_spec spec;
    char dir[256];
    bool ok = false;

    snprintf(dir, sizeof(dir), "%s/rootfs/docker-root", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    make_cgroup("/fake");
    make_cgroup("/fake/web1");
    start_with(limits_runtimes);
    for (int i = 0; i < 250 && !c; i++, sleep_ms(10))
        if (cadv_manager_find_alias(mgr, "fake", "web1", &c) < 0)
            c = NULL;
    cr_assert_not_null(c, "named within 2.5 s");
    cadv_spec_init(&spec);
    cadv_container_spec(c, &spec);
    cr_expect_eq(spec.memory_limit, 64u << 20, "the limit came with the name: %llu",
                 (unsigned long long)spec.memory_limit);
    cr_expect_not(spec.has_filesystem, "no writable layer measured");
    cadv_spec_done(&spec);
    cadv_container_unref(c);

    for (int i = 0; i < 250 && !ok; i++, sleep_ms(10)) {
        mi = cadv_machine_info_unref(mi);
        mi = cadv_manager_machine_info(mgr);
        ok = mi->docker_version && strcmp(mi->docker_version, "99.1.2") == 0;
    }
    cr_assert(ok, "docker version in the machine info within 2.5 s");
    cr_expect_str_eq(mi->docker_api_version, "1.99");
    mi = cadv_machine_info_unref(mi);
    ok = false;
    for (int i = 0; i < 250 && !ok; i++, sleep_ms(10)) {
        if (cadv_manager_machine_fs(mgr, &inv, &meas) < 0)
            continue;
        ok = cadv_fs_inventory_label_device(&inv, "docker-images") != NULL;
        cadv_fs_inventory_done(&inv);
        cadv_fs_measurement_done(&meas);
    }
    cr_expect(ok, "the docker-images label on the filesystem of the runtime's root");
}

/* A runtime that is down for its first inspect, then answers: its about() is asked again at once
 * (a restarted daemon may be another version), not only at the 60 s refresh. */
static atomic_int flaky_inspects, flaky_abouts;

static int flaky_inspect(void *state, const char *name, const char *id, struct cadv_spec *spec,
                         struct cadv_runtime_info *info)
{
    (void)info;
    if (atomic_fetch_add(&flaky_inspects, 1) == 0)
        return -ECONNREFUSED;
    return fake_inspect(state, name, id, spec);
}

static int flaky_about(void *state, struct cadv_runtime_about *ret)
{
    char v[32];

    (void)state;
    snprintf(v, sizeof(v), "v%d", atomic_fetch_add(&flaky_abouts, 1) + 1);
    ret->docker_version = strdup(v);
    return 0;
}

static const struct cadv_runtime flaky_runtime = {
        .name = "fake",
        .claims = fake_claims,
        .inspect_full = flaky_inspect,
        .about = flaky_about,
};
static const struct cadv_runtime *const flaky_runtimes[] = {&flaky_runtime, NULL};

Test(manager, runtime_about_asked_again_when_it_answers_again)
{
    struct cadv_machine_info *mi = NULL;
    bool ok = false;

    make_cgroup("/fake");
    make_cgroup("/fake/web1");
    start_with(flaky_runtimes);
    /* inspect is retried after 1 s of back-off; about() at start gave "v1" */
    for (int i = 0; i < 500 && !ok; i++, sleep_ms(10)) {
        mi = cadv_machine_info_unref(mi);
        mi = cadv_manager_machine_info(mgr);
        ok = mi->docker_version && strcmp(mi->docker_version, "v2") == 0;
    }
    cr_expect(ok, "about() asked again within 5 s of the runtime's return (last '%s')",
              mi && mi->docker_version ? mi->docker_version : "");
    cr_expect_geq(atomic_load(&flaky_inspects), 2);
    mi = cadv_machine_info_unref(mi);
}
