/* SPDX-License-Identifier: Apache-2.0 */
/* test_summary.c - derived stats: cAdvisor's percentile method against hand-computed values, minute
 * records from synthetic samples at a known CPU rate, hour and day percent_complete growth, a day
 * that really spans 1440 minutes, and the state's size budget. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "store/summary.h"

#define S 1000000000ULL

Test(summary, percentile_method)
{
    uint64_t v[] = {50, 10, 40, 20, 30};
    uint64_t one[] = {7};

    /* sorted 10 20 30 40 50; p*(n+1): 0.5*6 = 3 -> v[2] = 30; 0.9*6 = 5.4 -> index 5 = last (no
     * interpolation at the end) = 50; 0.25*6 = 1.5 -> index 1: cAdvisor interpolates only for
     * 1 < index < n, so 10. */
    cr_expect_eq(cadv_percentile(v, 5, 0.5), 30);
    cr_expect_eq(cadv_percentile(v, 5, 0.9), 50);
    cr_expect_eq(cadv_percentile(v, 5, 0.25), 10);
    /* 0.75*6 = 4.5 -> 40 + 0.5*(50-40) = 45 */
    cr_expect_eq(cadv_percentile(v, 5, 0.75), 45);
    cr_expect_eq(cadv_percentile(one, 1, 0.95), 7);
    cr_expect_eq(cadv_percentile(v, 0, 0.5), 0);
}

/* Feeds minutes of 1 s samples at cpu_mc milli-cores and a memory ramp. */
static void feed(struct cadv_summary *s, uint64_t *t, uint64_t *cpu, int seconds, uint64_t cpu_mc,
                 uint64_t mem)
{
    for (int i = 0; i < seconds; i++) {
        *t += S;
        *cpu += cpu_mc * 1000000ULL; /* ns of CPU per second */
        cadv_summary_add(s, *t, *cpu, mem + (uint64_t)i);
    }
}

Test(summary, minute_hour_day)
{
    struct cadv_summary *s = cadv_summary_new();
    struct cadv_derived d;
    uint64_t t = 1000 * S, cpu = 0;

    cr_expect_leq(cadv_summary_bytes(s), CADV_SUMMARY_MAX_BYTES);
    cadv_summary_add(s, t, cpu, 100);
    feed(s, &t, &cpu, 30, 250, 1000);
    cadv_summary_get(s, &d);
    cr_expect_eq(d.latest_cpu, 250);
    cr_expect_eq(d.latest_memory, 1029);
    cr_expect_not(d.minute.cpu.present, "no minute before 60 s");
    feed(s, &t, &cpu, 31, 250, 1000);
    cadv_summary_get(s, &d);
    cr_assert(d.minute.cpu.present);
    cr_expect_eq(d.minute.cpu.mean, 250);
    cr_expect_eq(d.minute.cpu.ninety, 250);
    cr_expect_eq(d.minute.cpu.count, 61);
    cr_expect_eq(d.minute.cpu.std, 0);
    cr_expect_eq(d.minute.percent_complete, 100);
    cr_expect_eq(d.hour.percent_complete, 1);
    cr_expect_eq(d.day.percent_complete, 0, "1 of 1440 minutes: 0%% as integer division");
    cr_expect_eq(d.hour.cpu.count, 1);
    /* 59 more minutes at 500 milli-cores: the hour is complete. */
    for (int m = 0; m < 59; m++)
        feed(s, &t, &cpu, 61, 500, 2000);
    cadv_summary_get(s, &d);
    cr_expect_eq(d.hour.percent_complete, 100);
    cr_expect_eq(d.hour.cpu.max, 500);
    cr_expect_eq(d.hour.cpu.fifty, 500);
    cr_expect_eq(d.day.percent_complete, 4);
    /* Three more hours: the hour forgets the first minute, the day keeps it. */
    for (int m = 0; m < 180; m++)
        feed(s, &t, &cpu, 61, 500, 2000);
    cadv_summary_get(s, &d);
    cr_expect_eq(d.hour.cpu.count, 60);
    cr_expect_eq(d.hour.cpu.mean, 500);
    cr_expect_eq(d.day.cpu.count, 240);
    cr_expect_eq(d.day.percent_complete, 16);
    /* mean of means: (250 + 239 * 500) / 240 = 498 (integer) */
    cr_expect_eq(d.day.cpu.mean, 498);
    cr_expect_eq(d.day.cpu.max, 500);
    /* Past a day: the day is full and its window slides. */
    for (int m = 0; m < 1300; m++)
        feed(s, &t, &cpu, 61, 1500, 3000000000ULL);
    cadv_summary_get(s, &d);
    cr_expect_eq(d.day.percent_complete, 100);
    cr_expect_eq(d.day.cpu.count, 1440);
    cr_expect_eq(d.day.cpu.max, 1500);
    /* 1300 minutes at 1500, 140 at 500: p50 = 1500; the 16-bit encoding is within 0.1%. */
    cr_expect_geq(d.day.cpu.fifty, 1499);
    cr_expect_leq(d.day.cpu.fifty, 1501);
    cr_expect_geq(d.day.memory.max, 3000000000ULL);
    s = cadv_summary_free(s);
}

Test(summary, skips_like_cadvisor)
{
    struct cadv_summary *s = cadv_summary_new();
    struct cadv_derived d;

    cadv_summary_add(s, 10 * S, 1000, 5);
    cadv_summary_add(s, 10 * S + 5000000, 2000, 6); /* 5 ms later: too close, skipped */
    cadv_summary_get(s, &d);
    cr_expect_eq(d.latest_cpu, 0);
    cadv_summary_add(s, 11 * S, 1000 + 2 * S, 7); /* 2 CPU-seconds in 1 s: 2000 milli-cores */
    cadv_summary_get(s, &d);
    cr_expect_eq(d.latest_cpu, 2000);
    cadv_summary_add(s, 12 * S, 10, 8); /* counter went back: skipped */
    cadv_summary_get(s, &d);
    cr_expect_eq(d.latest_cpu, 0);
    s = cadv_summary_free(s);
}
