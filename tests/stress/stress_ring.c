/* SPDX-License-Identifier: Apache-2.0 */
/* stress_ring.c - four threads on shared rings: two writers add samples stamped from one clock (so
 * they race and some adds are refused as out of order), two readers query, take the latest ones and
 * count bytes, checking ordering, the age window and that no sample is ever torn. Plain main() so
 * that it runs under TSan (Criterion does not). Exits 0 when every check held. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/sample.h"
#include "store/ring.h"

#define N_RINGS    4
#define MAX_AGE_NS 50000ULL /* ~50 samples: the window slides all the time */
#define ADDS       60000

static struct cadv_ring *rings[N_RINGS];
static atomic_ullong clock_ns = 1;
static atomic_int failures;
static atomic_int writers_left = 2;
static atomic_long refused, added, queried;

/* Every figure is derived from the timestamp, so a torn sample shows. */
static void fill(struct cadv_sample *s, uint64_t ts)
{
    s->c.timestamp_ns = ts;
    s->c.cpu.total_ns = ts * 3 + 1;
    s->c.memory.usage = ts ^ 0x5555;
    s->n_percpu = (uint32_t)(ts % 8);
    for (uint32_t i = 0; i < s->n_percpu; i++)
        s->percpu[i] = ts + i;
    s->n_ifaces = 1;
    snprintf(s->ifaces[0].name, sizeof(s->ifaces[0].name), "if%u", (unsigned)(ts % 1000));
    s->ifaces[0].rx_bytes = ts * 7;
    s->net = NULL;
}

static void check(const struct cadv_sample *s, const char *what)
{
    uint64_t ts = s->c.timestamp_ns;
    char name[16];
    bool ok = s->c.cpu.total_ns == ts * 3 + 1 && s->c.memory.usage == (ts ^ 0x5555) &&
              s->n_percpu == ts % 8 && s->n_ifaces == 1 && s->ifaces[0].rx_bytes == ts * 7;

    for (uint32_t i = 0; ok && i < s->n_percpu; i++)
        ok = s->percpu[i] == ts + i;
    snprintf(name, sizeof(name), "if%u", (unsigned)(ts % 1000));
    if (!ok || strcmp(s->ifaces[0].name, name) != 0) {
        fprintf(stderr, "stress_ring: torn sample from %s at ts %llu\n", what, (unsigned long long)ts);
        atomic_fetch_add(&failures, 1);
    }
}

static void *writer(void *arg)
{
    struct cadv_sample s;

    (void)arg;
    cadv_sample_init_scratch(&s);
    for (int i = 0; i < ADDS; i++) {
        uint64_t ts = atomic_fetch_add(&clock_ns, 1000);
        int r;

        fill(&s, ts);
        r = cadv_ring_add(rings[i % N_RINGS], &s);
        if (r == -EINVAL) {
            atomic_fetch_add(&refused, 1);
        } else if (r != 0) {
            fprintf(stderr, "stress_ring: add returned %d\n", r);
            atomic_fetch_add(&failures, 1);
        } else {
            atomic_fetch_add(&added, 1);
        }
    }
    cadv_sample_done(&s);
    atomic_fetch_sub(&writers_left, 1);
    return NULL;
}

static void check_query(struct cadv_ring *r, int max_n)
{
    struct cadv_sample *arr = NULL;
    size_t n = 0;

    if (cadv_ring_query(r, 0, 0, max_n, &arr, &n) != 0) {
        atomic_fetch_add(&failures, 1);
        return;
    }
    if (max_n >= 0 && n > (size_t)max_n)
        atomic_fetch_add(&failures, 1);
    for (size_t i = 0; i < n; i++) {
        check(&arr[i], "query");
        if (i > 0 && arr[i].c.timestamp_ns < arr[i - 1].c.timestamp_ns)
            atomic_fetch_add(&failures, 1);
        /* Everything returned is inside the window of the newest sample returned with it. */
        if (arr[n - 1].c.timestamp_ns - arr[i].c.timestamp_ns >= MAX_AGE_NS)
            atomic_fetch_add(&failures, 1);
    }
    cadv_samples_free(arr, n);
    atomic_fetch_add(&queried, 1);
}

static void *reader(void *arg)
{
    struct cadv_sample a, b;
    unsigned k = (unsigned)(uintptr_t)arg;

    cadv_sample_init(&a);
    cadv_sample_init(&b);
    while (atomic_load(&writers_left) > 0) {
        struct cadv_ring *r = rings[k++ % N_RINGS];
        int n;

        check_query(r, (int)(k % 5) - 1);
        if (cadv_ring_latest(r, &a) == 0)
            check(&a, "latest");
        n = cadv_ring_latest2(r, &a, &b);
        if (n >= 1)
            check(&a, "latest2");
        if (n == 2) {
            check(&b, "latest2");
            if (b.c.timestamp_ns > a.c.timestamp_ns)
                atomic_fetch_add(&failures, 1);
        }
        if (cadv_ring_count(r) > 100000 || cadv_ring_bytes(r) == 0)
            atomic_fetch_add(&failures, 1);
    }
    cadv_sample_done(&a);
    cadv_sample_done(&b);
    return NULL;
}

int main(void)
{
    pthread_t t[4];

    for (int i = 0; i < N_RINGS; i++)
        rings[i] = cadv_ring_new(MAX_AGE_NS, 1000);
    pthread_create(&t[0], NULL, writer, NULL);
    pthread_create(&t[1], NULL, writer, NULL);
    pthread_create(&t[2], NULL, reader, (void *)(uintptr_t)0);
    pthread_create(&t[3], NULL, reader, (void *)(uintptr_t)1);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < N_RINGS; i++) {
        if (cadv_ring_count(rings[i]) == 0 || cadv_ring_count(rings[i]) > MAX_AGE_NS / 1000 * 2 + 8)
            atomic_fetch_add(&failures, 1);
        rings[i] = cadv_ring_free(rings[i]);
    }
    printf("stress_ring: %ld added, %ld refused as out of order, %ld queries, %d failures\n",
           (long)atomic_load(&added), (long)atomic_load(&refused), (long)atomic_load(&queried),
           atomic_load(&failures));
    return atomic_load(&failures) == 0 && atomic_load(&added) > 0 ? 0 : 1;
}
