/* SPDX-License-Identifier: Apache-2.0 */
/* test_tier.c - the tiered cadence (-detail_housekeeping_interval): which collections read the
 * detail tier (manager/tier.h), the phase spread of containers' detail reads, and the hot-tier read
 * (cadv_cgroup_read_hot) over a carried sample on copies of the v1, v2 and hybrid fixture trees,
 * whose files the tests change between reads. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/cgroup.h"
#include "core/timeutil.h"
#include "manager/tier.h"
#include "model/kinds.h"
#include "model/sample.h"

#define FX    CADV_FIXTURES "/cgroupfs"
#define PROC  FX "/_proc"
#define SEC   CADV_NS_PER_SEC
#define V1_CT "/docker/cdd03dc27abb840c41dbca843285f31b740ea87492cf8539a072948d5a3490c6"
#define V2_CT "/system.slice/docker-137a7895532098d16983ef8353acadeae48576f91e3c8474c48cb805b73840ae.scope"

/* ---- which collection reads what ---- */

Test(tier, off_reads_detail_every_time)
{
    uint64_t due = 0;

    /* The default (detail = base) and a detail interval equal to the base: always detail, due unused. */
    for (uint64_t t = 1; t < 20; t++)
        cr_expect(cadv_tier_take_detail(&due, t * SEC, SEC, SEC, SEC));
    cr_expect_eq(due, 0);
}

Test(tier, detail_at_first_then_at_phase_then_every_interval)
{
    uint64_t due = 0, phase = 3 * SEC, t0 = 100 * SEC;
    int detail = 0;

    cr_expect(cadv_tier_take_detail(&due, t0, SEC, 10 * SEC, phase), "the first collection reads all");
    cr_expect_eq(due, t0 + phase);
    cr_expect_not(cadv_tier_take_detail(&due, t0 + SEC, SEC, 10 * SEC, 0));
    cr_expect_not(cadv_tier_take_detail(&due, t0 + 2 * SEC, SEC, 10 * SEC, 0));
    cr_expect(cadv_tier_take_detail(&due, t0 + 3 * SEC, SEC, 10 * SEC, 0), "at the phase");
    cr_expect_eq(due, t0 + 13 * SEC);
    /* One collection a second for 100 s: one detail read per 10 s, always at the same phase. */
    for (uint64_t t = 4; t < 104; t++)
        if (cadv_tier_take_detail(&due, t0 + t * SEC, SEC, 10 * SEC, 0)) {
            detail++;
            cr_expect_eq(t % 10, 3, "detail at %llu s", (unsigned long long)t);
        }
    cr_expect_eq(detail, 10);
}

Test(tier, late_collection_keeps_phase)
{
    uint64_t due = 0, t0 = 50 * SEC;

    cr_expect(cadv_tier_take_detail(&due, t0, SEC, 10 * SEC, 4 * SEC));
    /* Dynamic housekeeping stretched the interval to 35 s: detail, and the next due stays on the
     * phase grid (t0 + 4 + 10k), in the future. */
    cr_expect(cadv_tier_take_detail(&due, t0 + 35 * SEC, SEC, 10 * SEC, 0));
    cr_expect_eq(due, t0 + 44 * SEC);
    /* Jittered collections: the first one at or after the due time reads detail. */
    cr_expect_not(cadv_tier_take_detail(&due, t0 + 44 * SEC - 1, SEC, 10 * SEC, 0));
    cr_expect(cadv_tier_take_detail(&due, t0 + 45 * SEC + SEC / 2, SEC, 10 * SEC, 0));
    cr_expect_eq(due, t0 + 54 * SEC);
}

Test(tier, phases_spread_over_the_interval)
{
    enum {
        N = 1000,
        BUCKETS = 10
    };
    unsigned count[BUCKETS] = {0};
    uint64_t base = SEC, detail = 10 * SEC;

    cr_expect_eq(cadv_tier_phase_ns("/x", SEC, SEC), SEC, "tier off: one base interval");
    cr_expect_eq(cadv_tier_phase_ns("/a/b", base, detail), cadv_tier_phase_ns("/a/b", base, detail));
    for (int i = 0; i < N; i++) {
        char name[64];
        uint64_t p;

        snprintf(name, sizeof(name), "/cadv-bench-1234/c%d", i);
        p = cadv_tier_phase_ns(name, base, detail);
        cr_assert(p >= base && p <= detail, "phase %llu", (unsigned long long)p);
        count[(p - base) * BUCKETS / (detail - base + 1)]++;
    }
    /* Even per second: each tenth of the interval gets 100 +- 40 of the 1,000 containers. */
    for (int b = 0; b < BUCKETS; b++)
        cr_expect(count[b] >= 60 && count[b] <= 140, "bucket %d has %u", b, count[b]);
}

/* ---- the hot read over a carried sample ---- */

static char *tmp_copy(const char *scenario)
{
    static char path[128];
    char dir[64], cmd[512];

    snprintf(dir, sizeof(dir), "/tmp/cadv-tiertest-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd), "cp -a '%s/%s' '%s/'", FX, scenario, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/%s", dir, scenario);
    return path;
}

static void rm_copy(const char *path)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf \"$(dirname '%s')\"", path);
    cr_assert_eq(system(cmd), 0);
}

/* Rewrites <root>/<dir>/<file>. */
static void put(const char *root, const char *dir, const char *file, const char *content)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s/%s", root, dir, file);
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(content, f);
    cr_assert_eq(fclose(f), 0);
}

/* Two full reads of name (full; carry, standing for the newest stored sample), then change(root)
 * rewrites hot and detail files alike, then the hot read renews carry. */
struct pair {
    struct cadv_sample full, carry;
};

static void read_pair(const char *root_path, const char *name, void (*change)(const char *), struct pair *p)
{
    struct cadv_cgroup_root *root = NULL;
    struct cadv_cgroup *cg = NULL;

    cr_assert_eq(cadv_cgroup_root_open(root_path, PROC, CADV_KIND_ALL, 64, &root), 0);
    cr_assert_eq(cadv_cgroup_open(root, name, &cg), 0);
    cadv_sample_init_scratch(&p->full);
    cadv_sample_init_scratch(&p->carry);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &p->full), 0);
    cr_assert_eq(cadv_cgroup_read_stats(cg, CADV_KIND_ALL, &p->carry), 0);
    change(root_path);
    cr_assert_eq(cadv_cgroup_read_hot(cg, &p->carry), 0);
    cadv_cgroup_close(cg);
    cadv_cgroup_root_free(root);
}

/* The detail figures of a and b are equal (everything but the hot counters and the working set). */
static void expect_detail_carried(const struct pair *p)
{
    struct cadv_sample a = p->full, b = p->carry;

    a.c.cpu.total_ns = b.c.cpu.total_ns = 0;
    a.c.memory.usage = b.c.memory.usage = 0;
    a.c.memory.max_usage = b.c.memory.max_usage = 0;
    a.c.memory.failcnt = b.c.memory.failcnt = 0;
    a.c.memory.working_set = b.c.memory.working_set = 0;
    cr_expect(cadv_sample_stats_equal(&a, &b), "a hot read changed a detail figure");
}

static void v1_change(const char *root)
{
    char d[256];

    snprintf(d, sizeof(d), "cpu,cpuacct%s", V1_CT);
    put(root, d, "cpuacct.usage", "9000000000\n");
    put(root, d, "cpuacct.stat", "user 900\nsystem 900\n");
    put(root, d, "cpuacct.usage_percpu", "1 2\n");
    put(root, d, "cpu.stat", "nr_periods 1\nnr_throttled 1\nthrottled_time 1\n");
    snprintf(d, sizeof(d), "memory%s", V1_CT);
    put(root, d, "memory.usage_in_bytes", "8000000\n");
    put(root, d, "memory.max_usage_in_bytes", "200000000\n");
    put(root, d, "memory.failcnt", "9\n");
    put(root, d, "memory.stat", "cache 1\nrss 1\ntotal_inactive_file 1\n");
    put(root, d, "memory.kmem.usage_in_bytes", "1\n");
}

Test(tier, v1_hot_read_renews_hot_counters_only)
{
    char *root = tmp_copy("v1");
    struct pair p;

    read_pair(root, V1_CT, v1_change, &p);
    cr_expect_eq(p.carry.c.cpu.total_ns, 9000000000u);
    cr_expect_eq(p.carry.c.memory.usage, 8000000u);
    cr_expect_eq(p.carry.c.memory.max_usage, 200000000u);
    cr_expect_eq(p.carry.c.memory.failcnt, 9);
    /* Carried forward, not zeroed, not re-read. */
    cr_expect_eq(p.carry.c.cpu.user_ns, 4000000000u);
    cr_expect_eq(p.carry.c.memory.total_inactive_file, 10485760u);
    cr_expect_eq(p.carry.c.memory.cache, p.full.c.memory.cache);
    cr_expect_eq(p.carry.c.memory.kernel, p.full.c.memory.kernel);
    cr_expect_eq(p.carry.n_percpu, 2);
    cr_expect_eq(p.carry.percpu[0], 3000000000u);
    /* Working set from the new usage and the carried inactive_file, clamped at 0 as cAdvisor. */
    cr_expect_eq(p.carry.c.memory.working_set, 0);
    expect_detail_carried(&p);
    cadv_sample_done(&p.full);
    cadv_sample_done(&p.carry);
    rm_copy(root);
}

static void v2_change(const char *root)
{
    const char *d = &V2_CT[1];

    put(root, d, "cpu.stat", "usage_usec 9000000\nuser_usec 1\nsystem_usec 1\nnr_periods 1\n");
    put(root, d, "memory.current", "300000000\n");
    put(root, d, "memory.peak", "400000000\n");
    put(root, d, "memory.stat", "anon 1\nfile 1\ninactive_file 1\n");
    put(root, d, "memory.swap.current", "1\n");
    put(root, d, "io.stat", "8:0 rbytes=1 wbytes=1 rios=1 wios=1\n");
}

Test(tier, v2_hot_read_renews_hot_counters_only)
{
    char *root = tmp_copy("v2");
    struct pair p;

    read_pair(root, V2_CT, v2_change, &p);
    cr_expect_eq(p.carry.c.cpu.total_ns, 9000000000u);
    cr_expect_eq(p.carry.c.memory.usage, 300000000u);
    cr_expect_eq(p.carry.c.memory.max_usage, 400000000u);
    cr_expect_eq(p.carry.c.cpu.user_ns, 6000000000u, "user time is detail");
    cr_expect_eq(p.carry.c.memory.swap, p.full.c.memory.swap);
    cr_assert_neq(p.full.c.memory.total_inactive_file, 0);
    cr_expect_eq(p.carry.c.memory.working_set, 300000000u - p.full.c.memory.total_inactive_file);
    cr_expect_eq(p.carry.n_io, p.full.n_io);
    expect_detail_carried(&p);
    cadv_sample_done(&p.full);
    cadv_sample_done(&p.carry);
    rm_copy(root);
}
