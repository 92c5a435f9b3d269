/* SPDX-License-Identifier: Apache-2.0 */
/* test_ring.c - per-container history: cAdvisor's eviction by age and query semantics, growth,
 * ordering, packed round trip and memory accounting. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "model/sample.h"
#include "store/ring.h"

#define S  1000000000ULL
#define MS 1000000ULL

/* A sample shaped like a real container's: cpu, memory, 4 CPUs, 2 block devices, one interface. */
static void make_sample(struct cadv_sample *s, uint64_t ts)
{
    cadv_sample_init_scratch(s);
    s->c.timestamp_ns = ts;
    s->c.has = CADV_HAS_CPU | CADV_HAS_MEMORY | CADV_HAS_DISKIO | CADV_HAS_NETWORK;
    s->c.cpu.total_ns = 123456789012ULL + ts / 1000;
    s->c.cpu.user_ns = 100000000000ULL;
    s->c.cpu.system_ns = 23456789012ULL;
    s->c.memory.usage = 512ULL << 20;
    s->c.memory.working_set = 400ULL << 20;
    s->c.memory.cache = 100ULL << 20;
    s->c.memory.rss = 300ULL << 20;
    s->c.memory.pgfault = 1234567;
    s->n_percpu = 4;
    for (uint32_t i = 0; i < 4; i++)
        s->percpu[i] = 30000000000ULL + i;
    s->n_io = 2;
    for (uint32_t i = 0; i < 2; i++) {
        memset(&s->io[i], 0, sizeof(s->io[i]));
        s->io[i].major = 8;
        s->io[i].minor = i * 16;
        s->io[i].stat = CADV_IO_SERVICE_BYTES;
        s->io[i].opmask = (1u << CADV_IO_OP_READ) | (1u << CADV_IO_OP_WRITE) | (1u << CADV_IO_OP_TOTAL);
        s->io[i].v[CADV_IO_OP_READ] = 1ULL << 30;
        s->io[i].v[CADV_IO_OP_WRITE] = 1ULL << 28;
        s->io[i].v[CADV_IO_OP_TOTAL] = (1ULL << 30) + (1ULL << 28);
    }
    s->n_ifaces = 1;
    memset(&s->ifaces[0], 0, sizeof(s->ifaces[0]));
    strcpy(s->ifaces[0].name, "eth0");
    s->ifaces[0].rx_bytes = 987654321;
    s->ifaces[0].tx_bytes = 123456789;
    s->net = NULL;
}

static void add_at(struct cadv_ring *r, uint64_t ts)
{
    struct cadv_sample s;

    make_sample(&s, ts);
    cr_assert_eq(cadv_ring_add(r, &s), 0, "add %llu", (unsigned long long)ts);
    cadv_sample_done(&s);
}

static size_t packed_len(uint64_t ts)
{
    struct cadv_sample s;
    struct cadv_buf b;
    size_t n;

    make_sample(&s, ts);
    cadv_buf_init(&b, 0);
    cadv_sample_pack(&s, &b);
    n = b.len;
    cadv_buf_done(&b);
    cadv_sample_done(&s);
    return n;
}

/* Timestamps returned by a query, in seconds. */
static size_t query_s(struct cadv_ring *r, uint64_t start, uint64_t end, int max_n, uint64_t *ts, size_t cap)
{
    struct cadv_sample *arr = (void *)1;
    size_t n = 99;

    cr_assert_eq(cadv_ring_query(r, start, end, max_n, &arr, &n), 0);
    cr_assert_leq(n, cap);
    if (n == 0)
        cr_expect_null(arr);
    for (size_t i = 0; i < n; i++)
        ts[i] = arr[i].c.timestamp_ns / S;
    cadv_samples_free(arr, n);
    return n;
}

Test(ring, empty)
{
    struct cadv_ring *r = cadv_ring_new(120 * S, S);
    struct cadv_sample a, b;
    uint64_t ts[4];

    cadv_sample_init(&a);
    cadv_sample_init(&b);
    cr_expect_eq(cadv_ring_count(r), 0);
    cr_expect_eq(cadv_ring_latest(r, &a), -ENOENT);
    cr_expect_eq(cadv_ring_latest2(r, &a, &b), 0);
    cr_expect_eq(query_s(r, 0, 0, -1, ts, 4), 0);
    cr_expect_gt(cadv_ring_bytes(r), 0);
    cr_expect_lt(cadv_ring_bytes(r), 4096);
    cr_expect_null(cadv_ring_free(r));
    cr_expect_null(cadv_ring_free(NULL));
}

Test(ring, packed_round_trip)
{
    struct cadv_ring *r = cadv_ring_new(120 * S, S);
    struct cadv_sample in, out, prev;

    add_at(r, 5 * S);
    add_at(r, 6 * S);
    make_sample(&in, 6 * S);
    cadv_sample_init(&out);
    cadv_sample_init(&prev);
    cr_assert_eq(cadv_ring_latest(r, &out), 0);
    cr_expect_eq(out.c.timestamp_ns, 6 * S);
    cr_expect(cadv_sample_stats_equal(&in, &out));
    cr_expect_eq(out.n_percpu, 4);
    cr_expect_str_eq(out.ifaces[0].name, "eth0");
    cr_expect_null(out.net);
    cr_assert_eq(cadv_ring_latest2(r, &out, &prev), 2);
    cr_expect_eq(out.c.timestamp_ns, 6 * S);
    cr_expect_eq(prev.c.timestamp_ns, 5 * S);
    cr_expect_eq(prev.c.cpu.total_ns, 123456789012ULL + 5 * S / 1000);
    cr_assert_eq(cadv_ring_latest2(r, &out, NULL), 1);
    cadv_sample_done(&in);
    cadv_sample_done(&out);
    cadv_sample_done(&prev);
    cadv_ring_free(r);
}

Test(ring, latest2_with_one_sample)
{
    struct cadv_ring *r = cadv_ring_new(120 * S, S);
    struct cadv_sample a, b;

    cadv_sample_init(&a);
    cadv_sample_init(&b);
    add_at(r, 7 * S);
    cr_expect_eq(cadv_ring_latest2(r, &a, &b), 1);
    cr_expect_eq(a.c.timestamp_ns, 7 * S);
    cadv_sample_done(&a);
    cadv_sample_done(&b);
    cadv_ring_free(r);
}

Test(ring, eviction_by_age)
{
    struct cadv_ring *r = cadv_ring_new(10 * S, S);
    uint64_t ts[64];
    size_t n;

    for (uint64_t t = 1; t <= 30; t++)
        add_at(r, t * S);
    /* cAdvisor keeps samples strictly newer than newest - max_age: 21..30. */
    n = query_s(r, 0, 0, -1, ts, 64);
    cr_assert_eq(n, 10);
    cr_expect_eq(ts[0], 21);
    cr_expect_eq(ts[9], 30);
    /* A gap evicts everything older than the window, keeping the new sample. */
    add_at(r, 100 * S);
    cr_expect_eq(cadv_ring_count(r), 1);
    /* Exactly max_age apart: the older one goes. */
    add_at(r, 110 * S);
    n = query_s(r, 0, 0, -1, ts, 64);
    cr_assert_eq(n, 1);
    cr_expect_eq(ts[0], 110);
    add_at(r, 119 * S);
    cr_expect_eq(cadv_ring_count(r), 2);
    cadv_ring_free(r);
}

Test(ring, rejects_out_of_order)
{
    struct cadv_ring *r = cadv_ring_new(10 * S, S);
    struct cadv_sample s;

    add_at(r, 5 * S);
    make_sample(&s, 4 * S);
    cr_expect_eq(cadv_ring_add(r, &s), -EINVAL);
    cr_expect_eq(cadv_ring_count(r), 1);
    s.c.timestamp_ns = 5 * S; /* equal timestamps are in order */
    cr_expect_eq(cadv_ring_add(r, &s), 0);
    cr_expect_eq(cadv_ring_count(r), 2);
    cadv_sample_done(&s);
    cadv_ring_free(r);
}

Test(ring, query_semantics)
{
    struct cadv_ring *r = cadv_ring_new(120 * S, S);
    uint64_t ts[16];
    size_t n;

    for (uint64_t t = 1; t <= 10; t++)
        add_at(r, t * S);
    /* All, oldest first. */
    n = query_s(r, 0, 0, -1, ts, 16);
    cr_assert_eq(n, 10);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(ts[i], i + 1);
    /* The newest N, still oldest first. */
    n = query_s(r, 0, 0, 3, ts, 16);
    cr_assert_eq(n, 3);
    cr_expect_eq(ts[0], 8);
    cr_expect_eq(ts[2], 10);
    /* 0 means none; any negative means all. */
    cr_expect_eq(query_s(r, 0, 0, 0, ts, 16), 0);
    cr_expect_eq(query_s(r, 0, 0, -7, ts, 16), 10);
    /* Both bounds inclusive. */
    n = query_s(r, 3 * S, 6 * S, -1, ts, 16);
    cr_assert_eq(n, 4);
    cr_expect_eq(ts[0], 3);
    cr_expect_eq(ts[3], 6);
    n = query_s(r, 3 * S, 6 * S, 2, ts, 16);
    cr_assert_eq(n, 2);
    cr_expect_eq(ts[0], 5);
    cr_expect_eq(ts[1], 6);
    /* Bounds between samples. */
    n = query_s(r, 3 * S + 1, 6 * S - 1, -1, ts, 16);
    cr_assert_eq(n, 2);
    cr_expect_eq(ts[0], 4);
    cr_expect_eq(ts[1], 5);
    /* Start only; end only. */
    n = query_s(r, 9 * S, 0, -1, ts, 16);
    cr_assert_eq(n, 2);
    cr_expect_eq(ts[0], 9);
    n = query_s(r, 0, 2 * S, 5, ts, 16);
    cr_assert_eq(n, 2);
    cr_expect_eq(ts[1], 2);
    /* Ranges outside the data or empty. */
    cr_expect_eq(query_s(r, 11 * S, 0, -1, ts, 16), 0);
    cr_expect_eq(query_s(r, 0, S / 2, -1, ts, 16), 0);
    cr_expect_eq(query_s(r, 6 * S, 3 * S, -1, ts, 16), 0);
    cadv_ring_free(r);
}

Test(ring, grows_instead_of_dropping)
{
    /* Sized for 1 s samples over 10 s, fed every 10 ms: all 1000 samples are within max_age. */
    struct cadv_ring *r = cadv_ring_new(10 * S, S);
    size_t before = cadv_ring_bytes(r);
    uint64_t ts[1];
    size_t n;

    for (uint64_t i = 0; i < 1000; i++)
        add_at(r, S + i * 10 * MS);
    cr_expect_eq(cadv_ring_count(r), 1000);
    cr_expect_gt(cadv_ring_bytes(r), before + 1000 * packed_len(S));
    n = query_s(r, 0, S, -1, ts, 1);
    cr_expect_eq(n, 1, "the first sample is still there");
    /* Then age applies as usual. */
    add_at(r, 30 * S);
    cr_expect_eq(cadv_ring_count(r), 1);
    cadv_ring_free(r);
}

Test(ring, hard_cap)
{
    struct cadv_ring *r = cadv_ring_new(3600 * S, S);
    struct cadv_sample s;
    struct cadv_sample *arr;
    size_t n;

    cadv_sample_init(&s);
    for (uint64_t i = 1; i <= 100005; i++) {
        s.c.timestamp_ns = i;
        cr_assert_eq(cadv_ring_add(r, &s), 0);
    }
    cr_expect_eq(cadv_ring_count(r), 100000);
    cr_assert_eq(cadv_ring_query(r, 0, 0, 1, &arr, &n), 0);
    cr_expect_eq(arr[0].c.timestamp_ns, 100005);
    cadv_samples_free(arr, n);
    cr_assert_eq(cadv_ring_query(r, 0, 6, -1, &arr, &n), 0);
    cr_assert_eq(n, 1, "the oldest 5 were dropped at the cap");
    cr_expect_eq(arr[0].c.timestamp_ns, 6);
    cadv_samples_free(arr, n);
    cadv_sample_done(&s);
    cadv_ring_free(r);
}

Test(ring, bytes_accounting)
{
    struct cadv_ring *r = cadv_ring_new(120 * S, S);
    size_t base = cadv_ring_bytes(r), per = packed_len(S), full, later;

    cr_expect_gt(per, 50);
    cr_expect_lt(per, 300, "a typical sample packs to %zu bytes", per);
    for (uint64_t i = 1; i <= 120; i++)
        add_at(r, i * S);
    full = cadv_ring_bytes(r);
    cr_expect_geq(full, base + 120 * per);
    cr_expect_leq(full, base + 120 * (per + per / 4 + 16), "%zu bytes for 120 samples of %zu", full, per);
    /* Steady state: evicted samples' buffers are reused, memory stays flat (the two spare slots of
     * the initial allocation get a buffer once the window starts to slide). */
    for (uint64_t i = 121; i <= 1000; i++)
        add_at(r, i * S);
    later = cadv_ring_bytes(r);
    cr_expect_eq(cadv_ring_count(r), 120);
    cr_expect_leq(later, full + 2 * (per + per / 4 + 16));
    for (uint64_t i = 1001; i <= 2000; i++)
        add_at(r, i * S);
    cr_expect_eq(cadv_ring_bytes(r), later);
    cadv_ring_free(r);
}

Test(ring, empty_sample_and_zero_age)
{
    struct cadv_ring *r = cadv_ring_new(0, 0);
    struct cadv_sample s, out;

    cadv_sample_init(&s);
    cadv_sample_init(&out);
    s.c.timestamp_ns = 10;
    cr_expect_eq(cadv_ring_add(r, &s), 0);
    s.c.timestamp_ns = 11;
    cr_expect_eq(cadv_ring_add(r, &s), 0);
    cr_expect_eq(cadv_ring_count(r), 1, "max_age 0 keeps only the newest");
    cr_expect_eq(cadv_ring_latest(r, &out), 0);
    cr_expect_eq(out.c.timestamp_ns, 11);
    cr_expect_eq(out.n_percpu, 0);
    cadv_sample_done(&s);
    cadv_sample_done(&out);
    cadv_ring_free(r);
}
