/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgroup.c - the cgroup readers against the fixture trees tests/fixtures/cgroupfs/{v2,v1,hybrid}
 * (written by make-fixtures.py: the figures below are the ones it writes), plus one read of the real
 * host's /sys/fs/cgroup. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "core/timeutil.h"
#include "model/kinds.h"
#include "model/sample.h"
#include "model/spec.h"

#define FX      CADV_FIXTURES "/cgroupfs"
#define PROC    FX "/_proc"
#define V2_ID   "137a7895532098d16983ef8353acadeae48576f91e3c8474c48cb805b73840ae"
#define V1_ID   "cdd03dc27abb840c41dbca843285f31b740ea87492cf8539a072948d5a3490c6"
#define HY_ID   "28c9edb67c46275dcd3fe1fdab4acc41205cc7977f864839f4194884fe130359"
#define V2_CT   "/system.slice/docker-" V2_ID ".scope"
#define V2_CRON "/system.slice/cron.service"
#define V1_CT   "/docker/" V1_ID
#define HY_CT   "/docker/" HY_ID

static struct cadv_cgroup_root *open_root(const char *path, uint32_t kinds, int budget)
{
    struct cadv_cgroup_root *root = NULL;

    cr_assert_eq(cadv_cgroup_root_open(path, PROC, kinds, budget, &root), 0, "open %s", path);
    return root;
}

static int read_ct(struct cadv_cgroup_root *root, const char *name, uint32_t kinds, struct cadv_sample *s)
{
    struct cadv_cgroup *cg = NULL;
    int r;

    cr_assert_eq(cadv_cgroup_open(root, name, &cg), 0, "open %s", name);
    cadv_sample_init_scratch(s);
    r = cadv_cgroup_read_stats(cg, kinds, s);
    cadv_cgroup_close(cg);
    return r;
}

static void spec_ct(struct cadv_cgroup_root *root, const char *name, struct cadv_spec *spec)
{
    struct cadv_cgroup *cg = NULL;

    cr_assert_eq(cadv_cgroup_open(root, name, &cg), 0, "open %s", name);
    cadv_spec_init(spec);
    cr_assert_eq(cadv_cgroup_read_spec(cg, spec), 0);
    cadv_cgroup_close(cg);
}

static const struct cadv_io_entry *find_io(const struct cadv_sample *s, uint64_t major, uint64_t minor,
                                           enum cadv_io_stat stat)
{
    for (uint32_t i = 0; i < s->n_io; i++)
        if (s->io[i].major == major && s->io[i].minor == minor && s->io[i].stat == (uint64_t)stat)
            return &s->io[i];
    cr_assert_fail("no io entry %llu:%llu stat %d", (unsigned long long)major, (unsigned long long)minor,
                   stat);
    return NULL;
}

static void expect_psi(const struct cadv_psi_data *d, uint64_t a10, uint64_t a60, uint64_t a300,
                       uint64_t total)
{
    cr_expect_eq(d->avg10_centi, a10);
    cr_expect_eq(d->avg60_centi, a60);
    cr_expect_eq(d->avg300_centi, a300);
    cr_expect_eq(d->total_us, total);
}

/* A private copy of a fixture scenario (for rmdir and mtime tests); returns its path. */
static char *tmp_copy(const char *scenario)
{
    static char dir[64];
    static char path[128];
    char cmd[512];

    snprintf(dir, sizeof(dir), "/tmp/cadv-cgtest-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd), "cp -a '%s/%s' '%s/'", FX, scenario, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/%s", dir, scenario);
    return path;
}

static void rm_tree(const char *path)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    cr_assert_eq(system(cmd), 0);
}

/* ---------------- cgroup v2 ---------------- */

Test(cgroup_v2, detect)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_DEFAULT, 64);
    const struct cadv_cgroup_hierarchy *h;

    cr_expect_eq(cadv_cgroup_root_mode(root), CADV_CGROUP_V2);
    cr_assert_eq(cadv_cgroup_root_hierarchies(root, &h), 1);
    cr_expect_str_eq(h[0].path, FX "/v2");
    cr_expect_str_eq(h[0].controllers, "");
    cr_expect(h[0].is_v2);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v2, container_cpu_memory)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_ALL, 64);
    struct cadv_sample s;
    const struct cadv_cpu_stats *c = &s.c.cpu;
    const struct cadv_memory_stats *m = &s.c.memory;

    cr_assert_eq(read_ct(root, V2_CT, CADV_KIND_ALL, &s), 0);
    cr_expect(s.c.has & CADV_HAS_CPU);
    cr_expect(s.c.has & CADV_HAS_MEMORY);
    cr_expect_eq(c->total_ns, 8123456000u);
    cr_expect_eq(c->user_ns, 6000000000u);
    cr_expect_eq(c->system_ns, 2123456000u);
    cr_expect_eq(c->periods, 1200);
    cr_expect_eq(c->throttled_periods, 37);
    cr_expect_eq(c->throttled_ns, 456789000u);
    cr_expect_eq(c->burst_periods, 4);
    cr_expect_eq(c->burst_ns, 12345000u);
    cr_expect(s.c.has & CADV_HAS_BURST);
    cr_expect_eq(s.n_percpu, 0, "no per-cpu usage on cgroup v2");
    cr_expect(s.c.has & CADV_HAS_CPU_PSI);
    expect_psi(&c->psi.some, 125, 50, 10, 123456);
    expect_psi(&c->psi.full, 75, 25, 5, 65432);

    cr_expect_eq(m->usage, 167772160u);
    cr_expect_eq(m->max_usage, 209715200u, "memory.peak");
    cr_expect_eq(m->cache, 52428800u);
    cr_expect_eq(m->rss, 104857600u);
    cr_expect_eq(m->swap, 4096);
    cr_expect_eq(m->mapped_file, 20971520u);
    cr_expect_eq(m->total_active_file, 20971520u);
    cr_expect_eq(m->total_inactive_file, 31457280u);
    cr_expect_eq(m->working_set, 167772160u - 31457280u);
    cr_expect_eq(m->file_dirty, 40960);
    cr_expect_eq(m->file_writeback, 8192);
    cr_expect_eq(m->pgscan, 2048, "pgscan, not pgscan_kswapd");
    cr_expect_eq(m->pgsteal, 1024);
    cr_expect_eq(m->workingset_refault_file, 120);
    cr_expect_eq(m->workingset_refault_anon, 3);
    cr_expect_eq(m->pgfault, 250000);
    cr_expect_eq(m->pgmajfault, 42);
    cr_expect_eq(m->failcnt, 0);
    cr_expect_eq(m->kernel, 0);
    cr_expect(s.c.has & CADV_HAS_MEMORY_EVENTS);
    cr_expect_eq(m->events_high, 5);
    cr_expect_eq(m->events_max, 3);
    cr_expect_eq(m->events_oom, 1);
    cr_expect_eq(m->events_oom_kill, 1);
    cr_expect(s.c.has & CADV_HAS_MEMORY_PSI);
    expect_psi(&m->psi.some, 33, 22, 11, 4444);
    expect_psi(&m->psi.full, 12, 6, 3, 2222);
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v2, container_io_hugetlb_pids_sched)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_ALL, 64);
    struct cadv_sample s;
    const struct cadv_io_entry *e;

    cr_assert_eq(read_ct(root, V2_CT, CADV_KIND_ALL, &s), 0);
    cr_expect(s.c.has & CADV_HAS_DISKIO);
    cr_expect_eq(s.n_io, 8);
    e = find_io(&s, 8, 0, CADV_IO_SERVICE_BYTES);
    cr_expect_eq(e->opmask, (1u << CADV_IO_OP_READ) | (1u << CADV_IO_OP_WRITE));
    cr_expect_eq(e->v[CADV_IO_OP_READ], 1048576);
    cr_expect_eq(e->v[CADV_IO_OP_WRITE], 2097152);
    e = find_io(&s, 8, 0, CADV_IO_SERVICED);
    cr_expect_eq(e->v[CADV_IO_OP_READ], 256);
    cr_expect_eq(e->v[CADV_IO_OP_WRITE], 512);
    e = find_io(&s, 253, 1, CADV_IO_SERVICE_BYTES);
    cr_expect_eq(e->v[CADV_IO_OP_READ], 4096);
    cr_expect_eq(e->v[CADV_IO_OP_WRITE], 8192);
    e = find_io(&s, 253, 1, CADV_IO_SERVICED);
    cr_expect_eq(e->v[CADV_IO_OP_READ], 1);
    cr_expect_eq(e->v[CADV_IO_OP_WRITE], 2);
    e = find_io(&s, 253, 1, CADV_IO_COST_USAGE);
    cr_expect_eq(e->opmask, 1u << CADV_IO_OP_COUNT);
    cr_expect_eq(e->v[CADV_IO_OP_COUNT], 10);
    cr_expect_eq(find_io(&s, 253, 1, CADV_IO_COST_WAIT)->v[CADV_IO_OP_COUNT], 20);
    cr_expect_eq(find_io(&s, 253, 1, CADV_IO_COST_INDEBT)->v[CADV_IO_OP_COUNT], 30);
    cr_expect_eq(find_io(&s, 253, 1, CADV_IO_COST_INDELAY)->v[CADV_IO_OP_COUNT], 40);
    cr_expect(s.c.has & CADV_HAS_IO_PSI);
    expect_psi(&s.c.io_psi.some, 400, 300, 200, 777777);
    expect_psi(&s.c.io_psi.full, 200, 150, 100, 333333);

    cr_expect(s.c.has & CADV_HAS_HUGETLB);
    cr_assert_eq(s.n_hugetlb, 2);
    cr_expect_eq(s.hugetlb[0].pagesize_bytes, 2u << 20);
    cr_expect_eq(s.hugetlb[0].usage, 6291456u, "the .rsvd file is preferred");
    cr_expect_eq(s.hugetlb[0].failcnt, 2);
    cr_expect_eq(s.hugetlb[0].max_usage, 0);
    cr_expect_eq(s.hugetlb[1].pagesize_bytes, 1u << 30);
    cr_expect_eq(s.hugetlb[1].usage, 0);

    cr_expect(s.c.has & CADV_HAS_PROCESSES);
    cr_expect_eq(s.c.processes.threads_current, 7);
    cr_expect_eq(s.c.processes.threads_max, 4096);
    cr_expect(s.c.has & CADV_HAS_CPUSET);
    cr_expect_eq(s.c.memory_migrate, 0);
    /* pids 1234 and 1250 of _proc */
    cr_expect(s.c.has & CADV_HAS_SCHED);
    cr_expect_eq(s.c.cpu.sched_run_ns, 900000);
    cr_expect_eq(s.c.cpu.sched_runqueue_ns, 90000);
    cr_expect_eq(s.c.cpu.sched_run_periods, 900);
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v2, kinds_gate_fields)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_DEFAULT, 64);
    struct cadv_sample s;

    cr_assert_eq(read_ct(root, V2_CT, CADV_KIND_DEFAULT, &s), 0);
    cr_expect(s.c.has & CADV_HAS_DISKIO);
    cr_expect_eq(s.n_io, 8);
    cr_expect_not(s.c.has & (CADV_HAS_HUGETLB | CADV_HAS_PROCESSES | CADV_HAS_SCHED | CADV_HAS_CPUSET));
    cr_expect_eq(s.n_hugetlb, 0);
    cr_expect_eq(s.c.processes.threads_current, 0);
    cr_expect_eq(s.c.cpu.sched_run_ns, 0);
    cadv_sample_done(&s);

    cr_assert_eq(read_ct(root, V2_CT, CADV_KIND_DEFAULT & ~CADV_KIND_DISK_IO, &s), 0);
    cr_expect_not(s.c.has & (CADV_HAS_DISKIO | CADV_HAS_IO_PSI));
    cr_expect_eq(s.n_io, 0);
    cr_expect_eq(s.c.cpu.total_ns, 8123456000u, "cpu is always read");
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v2, container_spec)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_DEFAULT, 64);
    struct cadv_spec sp;

    spec_ct(root, V2_CT, &sp);
    cr_expect(sp.has_cpu);
    cr_expect_eq(sp.cpu_limit, 2597, "cpu.weight 100 -> 2597 shares");
    cr_expect_eq(sp.cpu_max_limit, 0);
    cr_expect_eq(sp.cpu_quota, 50000);
    cr_expect_eq(sp.cpu_period, 100000);
    cr_expect_str_eq(sp.cpu_mask, "0-1");
    cr_expect(sp.has_memory);
    cr_expect_eq(sp.memory_limit, UINT64_MAX, "\"max\"");
    cr_expect_eq(sp.memory_reservation, 67108864u);
    cr_expect_eq(sp.memory_swap_limit, 1073741824u);
    cr_expect(sp.has_processes);
    cr_expect_eq(sp.processes_limit, 4096);
    cr_expect(sp.has_diskio);
    cr_expect_not(sp.has_hugetlb);
    cr_expect_gt(sp.creation_time_ns, 0);
    cadv_spec_done(&sp);

    spec_ct(root, V2_CRON, &sp);
    cr_expect_eq(sp.cpu_limit, 1286, "weight 50");
    cr_expect_eq(sp.cpu_quota, 0, "cpu.max \"max 100000\"");
    cr_expect_eq(sp.cpu_period, 100000);
    cr_expect_eq(sp.memory_limit, 268435456u);
    cr_expect_eq(sp.memory_swap_limit, UINT64_MAX);
    cr_expect_eq(sp.memory_reservation, 0);
    cr_expect_eq(sp.processes_limit, UINT64_MAX, "pids.max \"max\" in the spec");
    cr_expect_eq(sp.cpu_mask[0], '0', "empty cpuset.cpus.effective -> all cores");
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v2, cron_missing_files)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_ALL, 64);
    struct cadv_sample s;

    cr_assert_eq(read_ct(root, V2_CRON, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.memory.usage, 1048576);
    cr_expect_eq(s.c.memory.max_usage, 0, "no memory.peak");
    cr_expect_eq(s.c.memory.swap, 0, "no memory.swap.current");
    cr_expect_eq(s.c.memory.working_set, 0, "floored at 0");
    cr_expect_eq(s.c.processes.threads_current, 1);
    cr_expect_eq(s.c.processes.threads_max, 0, "pids.max \"max\" reads as 0 in stats");
    cr_expect_eq(s.n_io, 0);
    cr_expect_not(s.c.has & CADV_HAS_BURST);
    cr_expect_not(s.c.has & CADV_HAS_CPU_PSI);
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v2, root_container)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_ALL, 64);
    struct cadv_sample s;
    struct cadv_spec sp;

    cr_assert_eq(read_ct(root, "/", CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 99000000000u);
    cr_expect_eq(s.c.memory.usage, 1073741824u + 2147483648u, "root: anon + file");
    cr_expect_eq(s.c.memory.working_set, 2147483648u);
    cr_expect_eq(s.c.processes.threads_current, 3, "cgroup.procs lines");
    cr_expect_eq(s.c.processes.threads_max, 0);
    cr_expect_eq(find_io(&s, 8, 0, CADV_IO_SERVICE_BYTES)->v[CADV_IO_OP_READ], 1073741824u);
    expect_psi(&s.c.cpu.psi.some, 250, 175, 90, 7000000);
    /* schedstat over the root and all descendants: pids 1, 2, 3, 1234, 1250, 777 */
    cr_expect_eq(s.c.cpu.sched_run_ns, 913000);
    cr_expect_eq(s.c.cpu.sched_runqueue_ns, 91300);
    cr_expect_eq(s.c.cpu.sched_run_periods, 967);
    cadv_sample_done(&s);

    spec_ct(root, "/", &sp);
    cr_expect(sp.has_memory);
    cr_expect_eq(sp.memory_limit, 4028776ull * 1024, "root memory limit is MemTotal");
    cr_expect_eq(sp.memory_swap_limit, 1048572ull * 1024);
    cr_expect_eq(sp.cpu_quota, 0);
    cr_expect_eq(sp.cpu_limit, 0);
    cr_expect_str_eq(sp.cpu_mask, "0-3");
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
}

/* Regression: a failed open (no such cgroup) once closed fd 0 on its way out, and with it whatever
 * file a later open had been given that number; fds_held went negative. */
Test(cgroup_v2, failed_open_closes_nothing)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_DEFAULT, 64);
    struct cadv_cgroup *cg = NULL;
    int held;

    if (fcntl(0, F_GETFD) < 0)
        cr_assert_eq(open("/dev/null", O_RDONLY), 0);
    held = cadv_cgroup_root_fds_held(root);
    cr_assert_eq(cadv_cgroup_open(root, "/no/such/cgroup", &cg), -ENOENT);
    cr_expect_null(cg);
    cr_expect_neq(fcntl(0, F_GETFD), -1, "fd 0 was closed");
    cr_expect_eq(cadv_cgroup_root_fds_held(root), held);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v2, pids_names_and_errors)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_DEFAULT, 64);
    struct cadv_cgroup *cg = NULL;
    uint32_t pids[4];

    cr_assert_eq(cadv_cgroup_open(root, V2_CT, &cg), 0);
    cr_expect_str_eq(cadv_cgroup_name(cg), V2_CT);
    cr_assert_eq(cadv_cgroup_read_pids(cg, pids, 4), 2);
    cr_expect_eq(pids[0], 1234);
    cr_expect_eq(pids[1], 1250);
    cr_expect_eq(cadv_cgroup_read_pids(cg, pids, 1), 1);
    cadv_cgroup_close(cg);
    cg = NULL;
    cr_expect_eq(cadv_cgroup_open(root, "/nope", &cg), -ENOENT);
    cr_expect_eq(cadv_cgroup_open(root, "system.slice", &cg), -EINVAL);
    cr_expect_eq(cadv_cgroup_open(root, "/system.slice/../system.slice", &cg), -EINVAL);
    cr_expect_eq(cadv_cgroup_open(root, "/a//b", &cg), -EINVAL);
    cr_expect_eq(cadv_cgroup_open(root, "/system.slice/", &cg), -EINVAL);
    cr_expect_null(cg);
    cr_expect(cadv_cgroup_name_ignored("/sys-kernel-debug.mount"));
    cr_expect(cadv_cgroup_name_ignored("/system.slice/var-lib-docker.mount"));
    cr_expect_not(cadv_cgroup_name_ignored("/system.slice"));
    cr_expect_not(cadv_cgroup_name_ignored("/mount"));
    cr_expect_not(cadv_cgroup_name_ignored("/x.mountx"));
    cadv_cgroup_root_free(root);
}

/* ---------------- cgroup v1 ---------------- */

Test(cgroup_v1, detect_follows_symlinks_and_kinds)
{
    struct cadv_cgroup_root *root = open_root(FX "/v1", CADV_KIND_ALL, 64);
    const struct cadv_cgroup_hierarchy *h;
    static const char *const want[] = {"blkio",   "cpu,cpuacct", "cpuset", "devices",
                                       "hugetlb", "memory",      "pids"};

    cr_expect_eq(cadv_cgroup_root_mode(root), CADV_CGROUP_V1);
    cr_assert_eq(cadv_cgroup_root_hierarchies(root, &h), 7);
    for (int i = 0; i < 7; i++) {
        char path[256];

        snprintf(path, sizeof(path), "%s/%s", FX "/v1", want[i]);
        cr_expect_str_eq(h[i].controllers, want[i]);
        cr_expect_str_eq(h[i].path, path);
        cr_expect_not(h[i].is_v2);
    }
    cadv_cgroup_root_free(root);

    /* Default kinds: no pids, cpuset or hugetlb hierarchies (docs/compatibility.md#cgroup-discovery). */
    root = open_root(FX "/v1", CADV_KIND_DEFAULT, 64);
    cr_assert_eq(cadv_cgroup_root_hierarchies(root, &h), 4);
    cr_expect_str_eq(h[0].controllers, "blkio");
    cr_expect_str_eq(h[1].controllers, "cpu,cpuacct");
    cr_expect_str_eq(h[2].controllers, "devices");
    cr_expect_str_eq(h[3].controllers, "memory");
    cadv_cgroup_root_free(root);
}

Test(cgroup_v1, container_cpu_memory)
{
    struct cadv_cgroup_root *root = open_root(FX "/v1", CADV_KIND_ALL, 64);
    struct cadv_sample s;
    const struct cadv_memory_stats *m = &s.c.memory;

    cr_assert_eq(read_ct(root, V1_CT, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 5432109876u);
    cr_expect_eq(s.c.cpu.user_ns, 4000000000u, "400 ticks * 1e9 / 100");
    cr_expect_eq(s.c.cpu.system_ns, 1200000000u);
    cr_assert_eq(s.n_percpu, 2);
    cr_expect_eq(s.percpu[0], 3000000000u);
    cr_expect_eq(s.percpu[1], 2432109876u);
    cr_expect_eq(s.c.cpu.periods, 500);
    cr_expect_eq(s.c.cpu.throttled_periods, 12);
    cr_expect_eq(s.c.cpu.throttled_ns, 987654321u);
    cr_expect_eq(s.c.cpu.burst_periods, 0, "bursts are cgroup v2 only");
    cr_expect_not(s.c.has & (CADV_HAS_BURST | CADV_HAS_CPU_PSI | CADV_HAS_MEMORY_EVENTS));

    cr_expect_eq(m->usage, 104857600u);
    cr_expect_eq(m->max_usage, 134217728u);
    cr_expect_eq(m->failcnt, 3);
    cr_expect_eq(m->kernel, 2097152u);
    cr_expect_eq(m->cache, 25165824u, "use_hierarchy=1: total_cache");
    cr_expect_eq(m->rss, 67108864u);
    cr_expect_eq(m->swap, 1048576u);
    cr_expect_eq(m->mapped_file, 5242880u);
    cr_expect_eq(m->total_active_file, 14680064u);
    cr_expect_eq(m->total_inactive_file, 10485760u);
    cr_expect_eq(m->working_set, 104857600u - 10485760u);
    cr_expect_eq(m->pgfault, 31000, "pgfault is the non-total key");
    cr_expect_eq(m->pgmajfault, 7);

    cr_expect(s.c.has & CADV_HAS_NUMA);
    cr_assert_eq(s.n_numa, 2);
    cr_expect_eq(s.numa[0].node, 0);
    cr_expect_eq(s.numa[0].file, 4096);
    cr_expect_eq(s.numa[0].anon, 12288);
    cr_expect_eq(s.numa[0].unevictable, 0);
    cr_expect_eq(s.numa[0].h_file, 5120);
    cr_expect_eq(s.numa[0].h_anon, 14336);
    cr_expect_eq(s.numa[0].h_unevictable, 16);
    cr_expect_eq(s.numa[1].node, 1);
    cr_expect_eq(s.numa[1].file, 1024);
    cr_expect_eq(s.numa[1].h_anon, 4096);
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v1, container_blkio_hugetlb_pids_cpuset)
{
    struct cadv_cgroup_root *root = open_root(FX "/v1", CADV_KIND_ALL, 64);
    struct cadv_sample s;
    const struct cadv_io_entry *e;

    cr_assert_eq(read_ct(root, V1_CT, CADV_KIND_ALL, &s), 0);
    cr_expect(s.c.has & CADV_HAS_DISKIO);
    cr_expect_eq(s.n_io, 11, "the CFQ group (8 files), not the throttle files");
    e = find_io(&s, 8, 0, CADV_IO_SERVICE_BYTES);
    cr_expect_eq(e->opmask, 0x3fu, "Read Write Sync Async Discard Total");
    cr_expect_eq(e->v[CADV_IO_OP_READ], 1048576);
    cr_expect_eq(e->v[CADV_IO_OP_WRITE], 2097152);
    cr_expect_eq(e->v[CADV_IO_OP_SYNC], 3145728);
    cr_expect_eq(e->v[CADV_IO_OP_TOTAL], 3145728);
    e = find_io(&s, 8, 16, CADV_IO_SERVICE_BYTES);
    cr_expect_eq(e->v[CADV_IO_OP_READ], 4096);
    e = find_io(&s, 8, 0, CADV_IO_SERVICED);
    cr_expect_eq(e->v[CADV_IO_OP_READ], 100);
    cr_expect_eq(e->v[CADV_IO_OP_WRITE], 200);
    cr_expect_eq(find_io(&s, 8, 16, CADV_IO_SERVICED)->v[CADV_IO_OP_TOTAL], 1);
    e = find_io(&s, 8, 0, CADV_IO_SECTORS);
    cr_expect_eq(e->opmask, 1u << CADV_IO_OP_COUNT);
    cr_expect_eq(e->v[CADV_IO_OP_COUNT], 6144);
    cr_expect_eq(find_io(&s, 8, 16, CADV_IO_SECTORS)->v[CADV_IO_OP_COUNT], 8);
    cr_expect_eq(find_io(&s, 8, 0, CADV_IO_SERVICE_TIME)->v[CADV_IO_OP_WRITE], 6000);
    cr_expect_eq(find_io(&s, 8, 0, CADV_IO_WAIT_TIME)->v[CADV_IO_OP_READ], 700);
    cr_expect_eq(find_io(&s, 8, 0, CADV_IO_MERGED)->v[CADV_IO_OP_TOTAL], 7);
    cr_expect_eq(find_io(&s, 8, 0, CADV_IO_QUEUED)->v[CADV_IO_OP_WRITE], 1);
    cr_expect_eq(find_io(&s, 8, 0, CADV_IO_TIME)->v[CADV_IO_OP_COUNT], 1500);

    cr_expect(s.c.has & CADV_HAS_HUGETLB);
    cr_assert_eq(s.n_hugetlb, 2);
    cr_expect_eq(s.hugetlb[0].pagesize_bytes, 2u << 20);
    cr_expect_eq(s.hugetlb[0].usage, 2097152);
    cr_expect_eq(s.hugetlb[0].max_usage, 4194304);
    cr_expect_eq(s.hugetlb[0].failcnt, 1);
    cr_expect_eq(s.hugetlb[1].pagesize_bytes, 1u << 30);

    cr_expect(s.c.has & CADV_HAS_PROCESSES);
    cr_expect_eq(s.c.processes.threads_current, 12);
    cr_expect_eq(s.c.processes.threads_max, 0, "pids.max max");
    cr_expect(s.c.has & CADV_HAS_CPUSET);
    cr_expect_eq(s.c.memory_migrate, 1);
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v1, kinds_gate_hierarchies_and_fields)
{
    struct cadv_cgroup_root *root = open_root(FX "/v1", CADV_KIND_DEFAULT, 64);
    struct cadv_sample s;
    struct cadv_spec sp;

    cr_assert_eq(read_ct(root, V1_CT, CADV_KIND_DEFAULT & ~CADV_KIND_PERCPU, &s), 0);
    cr_expect_eq(s.n_percpu, 0, "percpu off");
    cr_expect_eq(s.c.cpu.total_ns, 5432109876u);
    cr_expect_not(s.c.has & (CADV_HAS_HUGETLB | CADV_HAS_PROCESSES | CADV_HAS_NUMA | CADV_HAS_CPUSET));
    cr_expect_eq(s.n_hugetlb, 0);
    cr_expect_eq(s.n_numa, 0);
    cr_expect_eq(s.n_io, 11);
    cadv_sample_done(&s);
    cr_assert_eq(read_ct(root, V1_CT, CADV_KIND_DEFAULT & ~CADV_KIND_DISK_IO, &s), 0);
    cr_expect_not(s.c.has & CADV_HAS_DISKIO, "diskIO off: no blkio");
    cr_expect_eq(s.n_io, 0);
    cr_expect_eq(s.n_percpu, 2);
    cadv_sample_done(&s);

    spec_ct(root, V1_CT, &sp);
    cr_expect_str_eq(sp.cpu_mask, "", "cpuset hierarchy not tracked with default kinds");
    cr_expect_not(sp.has_processes);
    cr_expect_not(sp.has_hugetlb);
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);

    /* Hierarchies not tracked at open are not read, whatever the kinds given to read_stats. */
    root = open_root(FX "/v1", CADV_KIND_CPU, 64);
    cr_assert_eq(read_ct(root, V1_CT, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.memory.usage, 0);
    cr_expect_eq(s.n_io, 0);
    cr_expect_eq(s.c.cpu.total_ns, 5432109876u);
    cadv_sample_done(&s);
    spec_ct(root, V1_CT, &sp);
    cr_expect_not(sp.has_memory, "no memory kind: has_memory false");
    cr_expect_not(sp.has_diskio);
    cr_expect(sp.has_cpu);
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v1, container_spec)
{
    struct cadv_cgroup_root *root = open_root(FX "/v1", CADV_KIND_ALL, 64);
    struct cadv_spec sp;

    spec_ct(root, V1_CT, &sp);
    cr_expect(sp.has_cpu);
    cr_expect_eq(sp.cpu_limit, 512);
    cr_expect_eq(sp.cpu_period, 100000);
    cr_expect_eq(sp.cpu_quota, 150000);
    cr_expect_str_eq(sp.cpu_mask, "0-1");
    cr_expect(sp.has_memory);
    cr_expect_eq(sp.memory_limit, 268435456u);
    cr_expect_eq(sp.memory_swap_limit, 536870912u, "memsw: memory + swap");
    cr_expect_eq(sp.memory_reservation, 9223372036854771712u);
    cr_expect(sp.has_hugetlb);
    cr_expect(sp.has_processes);
    cr_expect_eq(sp.processes_limit, UINT64_MAX);
    cr_expect(sp.has_diskio);
    cadv_spec_done(&sp);

    spec_ct(root, "/docker", &sp);
    cr_expect_eq(sp.cpu_quota, 0);
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
}

Test(cgroup_v1, root_container)
{
    struct cadv_cgroup_root *root = open_root(FX "/v1", CADV_KIND_ALL, 64);
    struct cadv_sample s;
    struct cadv_spec sp;

    cr_assert_eq(read_ct(root, "/", CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 209672687221u);
    cr_expect_eq(s.c.cpu.user_ns, 146610000000u);
    cr_expect_eq(s.c.cpu.system_ns, 63040000000u);
    cr_expect_eq(s.c.memory.usage, 1311547392u);
    cr_expect_eq(s.c.memory.cache, 95547392u);
    cr_expect_eq(s.c.memory.working_set, 1311547392u - 26333184u);
    cr_expect_eq(s.c.memory.pgfault, 37206);
    cr_expect_eq(s.c.memory.workingset_refault_file, 12, "key copied where the kernel has it");
    cr_expect_eq(s.c.processes.threads_current, 3, "root pids: cgroup.procs lines");
    cr_expect_eq(s.n_io, 0, "only \"Total 0\" files");
    cadv_sample_done(&s);
    spec_ct(root, "/", &sp);
    cr_expect_eq(sp.cpu_quota, 0, "cfs_quota_us -1");
    cr_expect_eq(sp.cpu_limit, 1024);
    cr_expect_eq(sp.memory_limit, 4028776ull * 1024);
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
}

/* ---------------- hybrid ---------------- */

Test(cgroup_hybrid, detect)
{
    struct cadv_cgroup_root *root = open_root(FX "/hybrid", CADV_KIND_DEFAULT, 64);
    const struct cadv_cgroup_hierarchy *h;

    cr_expect_eq(cadv_cgroup_root_mode(root), CADV_CGROUP_HYBRID);
    cr_assert_eq(cadv_cgroup_root_hierarchies(root, &h), 5, "unified is not walked");
    cr_expect_str_eq(h[0].controllers, "blkio");
    cr_expect_str_eq(h[1].controllers, "cpu");
    cr_expect_str_eq(h[2].controllers, "cpuacct");
    cr_expect_str_eq(h[3].controllers, "devices");
    cr_expect_str_eq(h[4].controllers, "memory");
    cadv_cgroup_root_free(root);
}

Test(cgroup_hybrid, container)
{
    struct cadv_cgroup_root *root = open_root(FX "/hybrid", CADV_KIND_ALL, 64);
    struct cadv_sample s;
    struct cadv_spec sp;
    const struct cadv_io_entry *e;

    cr_assert_eq(read_ct(root, HY_CT, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 5432109876u, "cpuacct, not the unified cpu.stat");
    cr_expect_eq(s.c.cpu.user_ns, 4000000000u);
    cr_expect_eq(s.c.cpu.periods, 500);
    cr_expect(s.c.has & CADV_HAS_CPU_PSI);
    expect_psi(&s.c.cpu.psi.some, 555, 444, 333, 555555);
    expect_psi(&s.c.cpu.psi.full, 0, 0, 0, 0);
    cr_expect(s.c.has & CADV_HAS_MEMORY_PSI);
    expect_psi(&s.c.memory.psi.some, 1, 2, 3, 100);
    cr_expect_eq(s.c.memory.psi.full.total_us, 50);
    cr_expect(s.c.has & CADV_HAS_IO_PSI);
    expect_psi(&s.c.io_psi.full, 666, 555, 444, 666666);
    cr_expect_eq(s.c.memory.working_set, 104857600u - 10485760u);
    /* bfq files hold only "Total 0": the throttle recursive group is read. */
    cr_expect_eq(s.n_io, 2);
    e = find_io(&s, 259, 0, CADV_IO_SERVICED);
    cr_expect_eq(e->v[CADV_IO_OP_READ], 16);
    cr_expect_eq(e->v[CADV_IO_OP_WRITE], 32);
    cr_expect_eq(e->v[CADV_IO_OP_ASYNC], 16);
    cr_expect_eq(e->v[CADV_IO_OP_TOTAL], 48);
    e = find_io(&s, 259, 0, CADV_IO_SERVICE_BYTES);
    cr_expect_eq(e->v[CADV_IO_OP_READ], 65536);
    cr_expect_eq(e->v[CADV_IO_OP_TOTAL], 196608);
    cr_expect_eq(s.c.processes.threads_current, 3);
    cr_expect_eq(s.c.processes.threads_max, 2048);
    cr_expect_eq(s.n_hugetlb, 0, "no hugetlb controller on this host");
    cadv_sample_done(&s);

    spec_ct(root, HY_CT, &sp);
    cr_expect_str_eq(sp.cpu_mask, "1");
    cr_expect_eq(sp.processes_limit, 2048);
    cr_expect_not(sp.has_hugetlb);
    cadv_spec_done(&sp);

    cr_assert_eq(read_ct(root, "/", CADV_KIND_DEFAULT, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 209672687221u);
    expect_psi(&s.c.cpu.psi.some, 771, 1417, 609, 30521785);
    expect_psi(&s.c.io_psi.full, 0, 0, 9, 3324318);
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
}

Test(cgroup_hybrid, unified_cpu_stat_without_cpuacct)
{
    char *path = tmp_copy("hybrid");
    char dir[256];
    struct cadv_cgroup_root *root;
    struct cadv_sample s;

    snprintf(dir, sizeof(dir), "%s/cpuacct" HY_CT, path);
    rm_tree(dir);
    root = open_root(path, CADV_KIND_DEFAULT, 64);
    cr_assert_eq(read_ct(root, HY_CT, CADV_KIND_DEFAULT, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 9999000);
    cr_expect_eq(s.c.cpu.user_ns, 8888000);
    cr_expect_eq(s.c.cpu.system_ns, 1111000);
    cr_expect_eq(s.n_percpu, 0);
    cr_expect_eq(s.c.cpu.periods, 500, "cpu.stat of the v1 cpu hierarchy");
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
    rm_tree(path);
}

/* ---------------- lifetime, budget, creation time ---------------- */

static void expect_gone(const char *scenario, const char *name, int budget, const char *const *dirs)
{
    char *path = tmp_copy(scenario);
    struct cadv_cgroup_root *root = open_root(path, CADV_KIND_ALL, budget);
    struct cadv_cgroup *cg = NULL;
    struct cadv_sample s;
    struct cadv_spec sp;

    cadv_sample_init_scratch(&s);
    cadv_spec_init(&sp);
    cr_assert_eq(cadv_cgroup_open(root, name, &cg), 0);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    for (const char *const *d = dirs; *d; d++) {
        char dir[512];

        snprintf(dir, sizeof(dir), "%s/%s%s", path, *d, name);
        rm_tree(dir);
    }
    cadv_sample_clear(&s);
    cr_expect_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), -ENOENT, "%s budget %d", scenario, budget);
    cr_expect_eq(cadv_cgroup_read_spec(cg, &sp), -ENOENT);
    cadv_cgroup_close(cg);
    cr_expect_eq(cadv_cgroup_root_fds_held(root), 0);
    cr_expect_eq(cadv_cgroup_open(root, name, &cg), -ENOENT);
    cadv_sample_done(&s);
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
    rm_tree(path);
}

Test(cgroup_life, vanished_container_is_enoent)
{
    static const char *const v2[] = {"", NULL};
    static const char *const v1[] = {"cpu,cpuacct", "memory",  "blkio",   "pids",    "cpuset",
                                     "hugetlb",     "devices", "freezer", "systemd", NULL};

    expect_gone("v2", V2_CT, 64, v2);
    expect_gone("v2", V2_CT, 0, v2);
    expect_gone("v1", V1_CT, 64, v1);
    expect_gone("v1", V1_CT, 0, v1);
}

Test(cgroup_life, fd_budget)
{
    struct cadv_cgroup_root *kept = open_root(FX "/v1", CADV_KIND_ALL, 1000);
    struct cadv_cgroup_root *none = open_root(FX "/v1", CADV_KIND_ALL, 0);
    struct cadv_cgroup_root *few = open_root(FX "/v1", CADV_KIND_ALL, 3);
    struct cadv_cgroup *a, *b, *c, *d;
    struct cadv_sample sa, sb, sc;

    cadv_sample_init_scratch(&sa);
    cadv_sample_init_scratch(&sb);
    cadv_sample_init_scratch(&sc);
    cr_assert_eq(cadv_cgroup_open(kept, V1_CT, &a), 0);
    cr_assert_eq(cadv_cgroup_open(none, V1_CT, &b), 0);
    cr_assert_eq(cadv_cgroup_open(few, V1_CT, &c), 0);
    cr_assert_eq(cadv_cgroup_open(few, "/", &d), 0);
    cr_expect_gt(cadv_cgroup_root_fds_held(kept), 10);
    cr_expect_eq(cadv_cgroup_root_fds_held(none), 0);
    cr_expect_eq(cadv_cgroup_root_fds_held(few), 3);
    for (int round = 0; round < 2; round++) { /* the second round reads kept fds again at offset 0 */
        cadv_sample_clear(&sa);
        cadv_sample_clear(&sb);
        cadv_sample_clear(&sc);
        cr_assert_eq(cadv_cgroup_read_stats(a, CADV_KIND_ALL, &sa), 0);
        cr_assert_eq(cadv_cgroup_read_stats(b, CADV_KIND_ALL, &sb), 0);
        cr_assert_eq(cadv_cgroup_read_stats(c, CADV_KIND_ALL, &sc), 0);
        cr_expect(cadv_sample_stats_equal(&sa, &sb), "budget 0 reads the same figures");
        cr_expect(cadv_sample_stats_equal(&sa, &sc));
        cr_expect_eq(sb.c.memory.working_set, 104857600u - 10485760u);
        cr_expect_eq(sb.n_io, 11);
    }
    cadv_cgroup_close(c);
    cr_expect_eq(cadv_cgroup_root_fds_held(few), 0);
    cadv_cgroup_close(d);
    cadv_cgroup_close(a);
    cadv_cgroup_close(b);
    cr_expect_eq(cadv_cgroup_root_fds_held(kept), 0);
    cadv_sample_done(&sa);
    cadv_sample_done(&sb);
    cadv_sample_done(&sc);
    cadv_cgroup_root_free(kept);
    cadv_cgroup_root_free(none);
    cadv_cgroup_root_free(few);
}

static void set_mtime(const char *path, uint64_t sec)
{
    struct timespec ts[2] = {{(time_t)sec, 0}, {(time_t)sec, 0}};

    cr_assert_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0, "%s", path);
}

Test(cgroup_life, creation_time)
{
    char *path = tmp_copy("v2");
    char f[512];
    struct cadv_cgroup_root *root;
    struct cadv_spec sp;

    snprintf(f, sizeof(f), "%s%s/cgroup.events", path, V2_CT);
    set_mtime(f, 1700000100);
    snprintf(f, sizeof(f), "%s%s", path, V2_CT);
    set_mtime(f, 1700000200);
    root = open_root(path, CADV_KIND_DEFAULT, 8);
    cadv_cgroup_root_set_boot_time(root, 1600000000ull * CADV_NS_PER_SEC);
    spec_ct(root, V2_CT, &sp);
    cr_expect_eq(sp.creation_time_ns, 1700000100ull * CADV_NS_PER_SEC, "min of dir and cgroup.events");
    cadv_spec_done(&sp);
    cadv_cgroup_root_set_boot_time(root, 1700000150ull * CADV_NS_PER_SEC);
    spec_ct(root, V2_CT, &sp);
    cr_expect_eq(sp.creation_time_ns, 1700000150ull * CADV_NS_PER_SEC, "clamped to boot time");
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
    rm_tree(path);

    /* v1: the minimum over every hierarchy and its cgroup.clone_children. */
    path = tmp_copy("v1");
    snprintf(f, sizeof(f), "%s/memory%s/cgroup.clone_children", path, V1_CT);
    set_mtime(f, 1650000000);
    root = open_root(path, CADV_KIND_DEFAULT, 8);
    cadv_cgroup_root_set_boot_time(root, 0);
    spec_ct(root, V1_CT, &sp);
    cr_expect_eq(sp.creation_time_ns, 1650000000ull * CADV_NS_PER_SEC);
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
    rm_tree(path);
}

Test(cgroup_life, boot_time_from_proc)
{
    struct cadv_cgroup_root *root = open_root(FX "/v2", CADV_KIND_DEFAULT, 8);
    struct cadv_spec sp;
    uint64_t now = cadv_now_ns();

    /* _proc/uptime says 405 s: fixture files older than that are clamped to boot (minute-aligned). */
    spec_ct(root, V2_CT, &sp);
    cr_expect_leq(sp.creation_time_ns, now);
    cr_expect_geq(sp.creation_time_ns, now - 470ull * CADV_NS_PER_SEC);
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
}

/* fds this process has open (the directory stream's own fd excluded). */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    cr_assert_not_null(d);
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;
}

/* Past the budget a handle keeps nothing open between reads: every fd held is a kept file counted in
 * the budget (no directory fds), and the handles that got no fds read the same figures. */
static void expect_budget_holds(const char *scenario, const char *name, int budget)
{
    struct cadv_cgroup_root *ref = open_root(scenario, CADV_KIND_ALL, 1000);
    struct cadv_cgroup_root *root = open_root(scenario, CADV_KIND_ALL, budget);
    struct cadv_cgroup *cg[6], *rc;
    struct cadv_sample want, got;
    int base = count_fds();

    cadv_sample_init_scratch(&want);
    cadv_sample_init_scratch(&got);
    cr_assert_eq(cadv_cgroup_open(ref, name, &rc), 0);
    cr_assert_eq(cadv_cgroup_read_stats(rc, CADV_KIND_ALL, &want), 0);
    base = count_fds();
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(cadv_cgroup_open(root, i == 5 ? "/" : name, &cg[i]), 0);
        cr_expect_leq(cadv_cgroup_root_fds_held(root), budget);
        cr_expect_eq(count_fds() - base, cadv_cgroup_root_fds_held(root), "%s: only kept files", scenario);
    }
    cr_expect_eq(cadv_cgroup_root_fds_held(root), budget, "%s: the budget is used up", scenario);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 5; i++) {
            cadv_sample_clear(&got);
            cr_assert_eq(cadv_cgroup_read_stats(cg[i], CADV_KIND_ALL, &got), 0);
            cr_expect(cadv_sample_stats_equal(&want, &got), "%s: handle %d, round %d", scenario, i, round);
            cr_expect_eq(got.n_io, want.n_io);
            cr_expect_eq(got.c.memory.working_set, want.c.memory.working_set);
            cr_expect_leq(cadv_cgroup_root_fds_held(root), budget);
            cr_expect_eq(count_fds() - base, cadv_cgroup_root_fds_held(root), "%s: nothing left open",
                         scenario);
        }
    for (int i = 0; i < 6; i++)
        cadv_cgroup_close(cg[i]);
    cr_expect_eq(cadv_cgroup_root_fds_held(root), 0);
    cr_expect_eq(count_fds(), base);
    cadv_cgroup_close(rc);
    cadv_sample_done(&want);
    cadv_sample_done(&got);
    cadv_cgroup_root_free(ref);
    cadv_cgroup_root_free(root);
}

Test(cgroup_life, fd_budget_smaller_than_the_containers_need)
{
    /* Each handle keeps about 15 files: 20 covers the first one and part of the second. */
    expect_budget_holds(FX "/v1", V1_CT, 20);
    expect_budget_holds(FX "/v2", V2_CT, 15);
    expect_budget_holds(FX "/hybrid", HY_CT, 20);
}

Test(cgroup_life, no_directory_fds)
{
    struct cadv_cgroup_root *root = open_root(FX "/v1", CADV_KIND_ALL, 0);
    struct cadv_cgroup *cg;
    struct cadv_spec sp;
    int base = count_fds();

    cr_assert_eq(cadv_cgroup_open(root, V1_CT, &cg), 0);
    cr_expect_eq(count_fds(), base, "budget 0: a handle holds no fd at all");
    cadv_spec_init(&sp);
    cr_assert_eq(cadv_cgroup_read_spec(cg, &sp), 0);
    cr_expect_eq(sp.memory_limit, 268435456u);
    cr_expect_eq(count_fds(), base);
    cadv_spec_done(&sp);
    cadv_cgroup_close(cg);
    cadv_cgroup_root_free(root);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w"); /* truncates in place: kept fds see the new content */
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* The blkio group in use sticks while its first file has entries; it is probed again in
 * libcontainer's order when that file empties and after a spec refresh. */
Test(cgroup_v1, blkio_group_in_use)
{
    char *path = tmp_copy("v1");
    char dir[512];
    struct cadv_cgroup_root *root;
    struct cadv_cgroup *cg;
    struct cadv_sample s;
    struct cadv_spec sp;
    int held;

    snprintf(dir, sizeof(dir), "%s/blkio%s", path, V1_CT);
    root = open_root(path, CADV_KIND_ALL, 1000);
    cadv_sample_init_scratch(&s);
    cadv_spec_init(&sp);
    cr_assert_eq(cadv_cgroup_open(root, V1_CT, &cg), 0);
    held = cadv_cgroup_root_fds_held(root);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.n_io, 11, "the CFQ group");
    cr_expect_eq(cadv_cgroup_root_fds_held(root), held + 7, "its 7 other files are kept once it wins");

    /* The CFQ group empties: the throttle group (recursive) takes over, with its one other file. */
    write_file(dir, "blkio.sectors_recursive", "");
    cadv_sample_clear(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.n_io, 2);
    cr_expect_eq(find_io(&s, 8, 0, CADV_IO_SERVICED)->v[CADV_IO_OP_READ], 9);
    cr_expect_eq(find_io(&s, 8, 0, CADV_IO_SERVICE_BYTES)->v[CADV_IO_OP_TOTAL], 9);
    cr_expect_eq(cadv_cgroup_root_fds_held(root), held + 1);

    /* The CFQ group gains entries again: the group in use stays until the next spec refresh. */
    write_file(dir, "blkio.sectors_recursive", "8:0 6144\n8:16 8\n");
    cadv_sample_clear(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.n_io, 2, "still the throttle group");
    cr_assert_eq(cadv_cgroup_read_spec(cg, &sp), 0);
    cadv_sample_clear(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.n_io, 11, "the CFQ group again after the refresh");

    /* Every group empty (an idle cgroup): no entries, and only the groups' first files stay open. */
    write_file(dir, "blkio.sectors_recursive", "");
    write_file(dir, "blkio.throttle.io_serviced_recursive", "Total 0\n");
    cadv_sample_clear(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect(s.c.has & CADV_HAS_DISKIO);
    cr_expect_eq(s.n_io, 0);
    cr_expect_eq(cadv_cgroup_root_fds_held(root), held);
    cadv_cgroup_close(cg);
    cadv_sample_done(&s);
    cadv_spec_done(&sp);
    cadv_cgroup_root_free(root);
    rm_tree(path);
}

/* cpuacct.stat is read again only once cpuacct.usage has moved: the kernel prints cputime_adjust's
 * split of the usage, the same while the usage is. The fixture changes the file alone to show which
 * read it came from. */
Test(cgroup_v1, cpuacct_stat_follows_usage)
{
    char *path = tmp_copy("v1");
    char dir[512];
    struct cadv_cgroup_root *root;
    struct cadv_cgroup *cg;
    struct cadv_sample s;

    snprintf(dir, sizeof(dir), "%s/cpu,cpuacct%s", path, V1_CT);
    root = open_root(path, CADV_KIND_ALL, 1000);
    cadv_sample_init_scratch(&s);
    cr_assert_eq(cadv_cgroup_open(root, V1_CT, &cg), 0);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.user_ns, 4000000000u);

    write_file(dir, "cpuacct.stat", "user 500\nsystem 130\n");
    cadv_sample_clear(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 5432109876u);
    cr_expect_eq(s.c.cpu.user_ns, 4000000000u, "the usage did not move: the last read stands");
    cr_expect_eq(s.c.cpu.system_ns, 1200000000u);

    write_file(dir, "cpuacct.usage", "6432109876\n");
    cadv_sample_clear(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.total_ns, 6432109876u);
    cr_expect_eq(s.c.cpu.user_ns, 5000000000u, "the usage moved: the file is read");
    cr_expect_eq(s.c.cpu.system_ns, 1300000000u);

    write_file(dir, "cpuacct.stat", "");
    write_file(dir, "cpuacct.usage", "7432109876\n");
    cadv_sample_clear(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.user_ns, 0, "an empty file gives zeros, as before");
    write_file(dir, "cpuacct.stat", "user 600\nsystem 140\n");
    cadv_sample_clear(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &s), 0);
    cr_expect_eq(s.c.cpu.user_ns, 6000000000u, "nothing is reused from a read that found no figures");
    cadv_cgroup_close(cg);
    cadv_sample_done(&s);
    cadv_cgroup_root_free(root);
    rm_tree(path);
}

/* ---------------- the real host ---------------- */

Test(cgroup_host, read_root)
{
    struct cadv_cgroup_root *root = NULL;
    struct cadv_cgroup *cg = NULL;
    struct cadv_sample s;
    struct cadv_spec sp;
    int r;

    if (access("/sys/fs/cgroup", R_OK) != 0)
        cr_skip("no /sys/fs/cgroup");
    r = cadv_cgroup_root_open("/sys/fs/cgroup", "/proc", CADV_KIND_DEFAULT, 32, &root);
    if (r == -ENOENT)
        cr_skip("no cgroup hierarchy under /sys/fs/cgroup");
    cr_assert_eq(r, 0);
    cr_assert_eq(cadv_cgroup_open(root, "/", &cg), 0);
    cadv_sample_init_scratch(&s);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_DEFAULT, &s), 0);
    cr_expect(s.c.has & CADV_HAS_CPU);
    cr_expect_gt(s.c.cpu.total_ns, 0);
    cr_expect_gt(s.c.memory.usage, 0);
    cadv_spec_init(&sp);
    cr_assert_eq(cadv_cgroup_read_spec(cg, &sp), 0);
    cr_expect(sp.has_cpu);
    cr_expect_gt(sp.creation_time_ns, 0);
    cadv_spec_done(&sp);
    cadv_sample_done(&s);
    cadv_cgroup_close(cg);
    cadv_cgroup_root_free(root);
}

/* A stray directory named like a hierarchy ("cpu,cpuacct", made on the tmpfs by some tool) is not one
 * when the mounted hierarchies beside it have a cgroup.procs: it must not take their controllers (it
 * would take cpuacct, the first free controller it names, and every CPU figure would read 0). */
Test(cgroup_hybrid, stray_directory_is_not_a_hierarchy)
{
    char *tree = tmp_copy("hybrid"), stray[256];
    static const char *const real[] = {"blkio", "cpu", "cpuacct", "devices", "memory"};
    struct cadv_cgroup_root *root;
    const struct cadv_cgroup_hierarchy *h;

    snprintf(stray, sizeof(stray), "%s/cpu,cpuacct", tree);
    cr_assert_eq(mkdir(stray, 0755), 0);
    root = open_root(tree, CADV_KIND_DEFAULT, 64);
    cr_assert_eq(cadv_cgroup_root_hierarchies(root, &h), 5);
    for (size_t i = 0; i < 5; i++)
        cr_expect_str_eq(h[i].controllers, real[i]);
    cadv_cgroup_root_free(root);
    rm_tree(tree);
}
