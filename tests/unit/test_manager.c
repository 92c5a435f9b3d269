/* SPDX-License-Identifier: Apache-2.0 */
/* test_manager.c - the manager: raw acceptance, housekeeping interval rules, the hash map, and a
 * running manager over a cgroup v2 tree built in a temporary directory (listing, prefixes,
 * children, samples, inotify discovery of created/removed/moved cgroups, dynamic housekeeping,
 * on-demand refresh, runtime claims and aliases through a fake runtime plugin). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/timeutil.h"
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

TestSuite(manager, .init = make_fixture, .fini = teardown, .timeout = 30);

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

Test(manager, dynamic_housekeeping_backs_off)
{
    struct cadv_container *c;
    struct cadv_sample *arr;
    size_t n_dyn, n_fixed;

    /* The fixture's figures never change: with a 50 ms base and a 1.6 s cap, intervals grow
     * 50, 100, 200, 400, 800 ms: 6 samples within 1.6 s instead of ~32. */
    cfg.housekeeping_interval_ns = 50 * (int64_t)CADV_NS_PER_MS;
    cfg.max_housekeeping_interval_ns = 1600 * (int64_t)CADV_NS_PER_MS;
    start_with(no_runtimes);
    sleep_ms(1600);
    c = cadv_manager_get(mgr, "/a");
    cr_assert_not_null(c);
    cr_assert_eq(cadv_container_samples(c, 0, 0, -1, &arr, &n_dyn), 0);
    cadv_samples_free(arr, n_dyn);
    cadv_container_unref(c);
    mgr = cadv_manager_free(mgr);
    cr_expect_geq(n_dyn, 4);
    cr_expect_leq(n_dyn, 8, "dynamic: %zu samples", n_dyn);

    cfg.allow_dynamic_housekeeping = false;
    start_with(no_runtimes);
    sleep_ms(1600);
    c = cadv_manager_get(mgr, "/a");
    cr_assert_not_null(c);
    cr_assert_eq(cadv_container_samples(c, 0, 0, -1, &arr, &n_fixed), 0);
    cadv_samples_free(arr, n_fixed);
    cadv_container_unref(c);
    cr_expect_geq(n_fixed, 20, "fixed: %zu samples", n_fixed);
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
    cr_expect_eq(spec.pid, 1);
    cadv_spec_done(&spec);
    cadv_container_unref(c);
}
