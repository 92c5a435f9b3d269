/* SPDX-License-Identifier: Apache-2.0 */
/* summary.c - derived stats (store/summary.h); cAdvisor's summary package (summary.go,
 * percentiles.go, buffer.go).
 *
 * DESIGN
 *
 * The current minute holds the CPU rates between consecutive samples (milli-cores, u32) and the
 * working sets, SECOND_MAX of each; a faster housekeeping than 1 s is thinned (every 2nd, 4th...
 * sample) rather than growing. When the buffered samples span more than 60 s a minute record is made
 * (cAdvisor's GetMinutePercentiles), the buffer restarts from the last sample, and the hour and day
 * aggregates are recomputed and cached (once a minute, on the collector thread).
 *
 * Minute records: the newest 60 exactly (for the hour); the 1380 before them as four 16-bit
 * log-encoded values each (90th percentile and mean of CPU and memory; 6 exponent bits, 10 mantissa
 * bits: exact below 1024, relative error < 0.1% above), plus the maxima of those old minutes per
 * group of 60 consecutive minutes (so the day's max may include up to 59 minutes older than a day). */
#include "store/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define SECOND_MAX 64
#define HOUR_MIN   60
#define DAY_MIN    1440
#define OLD_MIN    (DAY_MIN - HOUR_MIN)
#define GROUPS     (OLD_MIN / HOUR_MIN + 1)
#define MINUTE_NS  (60ULL * 1000000000ULL)
#define ABSENT     0xffffu

enum {
    HAS_CPU = 1,
    HAS_MEM = 2
};

struct minute_rec {
    uint32_t cpu_mean, cpu_max, cpu_p90;
    uint8_t has;
    uint64_t mem_mean, mem_max, mem_p90;
};

struct old_rec {
    uint16_t cpu_p90, mem_p90, cpu_mean, mem_mean; /* ABSENT when not present */
};

struct group {
    uint64_t id; /* old-minute index / HOUR_MIN */
    uint64_t cpu_max, mem_max;
};

struct cadv_summary {
    /* current minute */
    uint64_t first_ts, last_ts, last_cpu;
    bool have_last;
    uint32_t stride, skip;
    uint32_t rates[SECOND_MAX];
    uint64_t mem[SECOND_MAX];
    uint16_t n_rates, n_mem;
    /* minutes */
    struct minute_rec hour[HOUR_MIN];
    uint32_t hour_head, hour_n;
    struct old_rec old[OLD_MIN];
    uint32_t old_head, old_n;
    uint64_t old_total; /* old minutes ever added */
    struct group groups[GROUPS];
    struct cadv_derived d;
};

_Static_assert(sizeof(struct cadv_summary) <= CADV_SUMMARY_MAX_BYTES, "summary state over budget");

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

uint64_t cadv_percentile(uint64_t *v, size_t n, double p)
{
    double pos, idx, frac, r;
    size_t i;

    if (n == 0 || p < 0 || p > 1)
        return 0;
    qsort(v, n, sizeof(*v), cmp_u64);
    pos = p * ((double)n + 1);
    frac = modf(pos, &idx);
    i = (size_t)idx;
    if (i < 1)
        i = 1; /* cAdvisor would index v[-1] here */
    if (i > n)
        i = n;
    r = (double)v[i - 1];
    if (i > 1 && i < n)
        r += frac * ((double)v[i] - (double)v[i - 1]);
    return (uint64_t)r;
}

/* cAdvisor's resource: mean of the means, max of the maxes, percentiles of the samples (the
 * 90th percentiles of minutes, or raw values); plus the sample std-dev and count. */
struct resource {
    uint64_t *samples;
    size_t n;
    uint64_t total, max;
};

static void res_add(struct resource *r, uint64_t mean, uint64_t max, uint64_t sample)
{
    if (max > r->max)
        r->max = max;
    r->total += mean;
    r->samples[r->n++] = sample;
}

static struct cadv_percentiles res_get(struct resource *r)
{
    struct cadv_percentiles p = {0};
    double mean = 0, ss = 0;

    if (r->n == 0)
        return p;
    p.present = true;
    p.count = r->n;
    p.mean = r->total / r->n;
    p.max = r->max;
    for (size_t i = 0; i < r->n; i++)
        mean += (double)r->samples[i];
    mean /= (double)r->n;
    for (size_t i = 0; i < r->n; i++)
        ss += ((double)r->samples[i] - mean) * ((double)r->samples[i] - mean);
    p.std = r->n > 1 ? (uint64_t)sqrt(ss / (double)(r->n - 1)) : 0;
    p.fifty = cadv_percentile(r->samples, r->n, 0.5);
    p.ninety = cadv_percentile(r->samples, r->n, 0.9);
    p.ninetyfive = cadv_percentile(r->samples, r->n, 0.95);
    return p;
}

static uint16_t enc(uint64_t v)
{
    int e;

    if (v < 1024)
        return (uint16_t)v;
    e = 63 - __builtin_clzll(v) - 10; /* shift leaving the leading one and 10 more bits */
    if (e + 1 > 62)
        return (uint16_t)(62u << 10 | 1023u);
    return (uint16_t)((unsigned)(e + 1) << 10 | (unsigned)((v >> e) & 1023u));
}

static uint64_t dec(uint16_t c)
{
    unsigned e;

    if (c < 1024)
        return c;
    e = (c >> 10) - 1u;
    return ((uint64_t)((c & 1023u) | 1024u) << e) + (e ? 1ULL << (e - 1) : 0);
}

struct cadv_summary *cadv_summary_new(void)
{
    struct cadv_summary *s = cadv_xcalloc(1, sizeof(*s));

    s->stride = 1;
    return s;
}

struct cadv_summary *cadv_summary_free(struct cadv_summary *s)
{
    free(s);
    return NULL;
}

size_t cadv_summary_bytes(const struct cadv_summary *s)
{
    (void)s;
    return sizeof(struct cadv_summary);
}

/* Keeps every other buffered value: the buffer then stands for twice as many samples. */
static void thin(struct cadv_summary *s)
{
    for (uint16_t i = 0; i < s->n_rates / 2; i++)
        s->rates[i] = s->rates[2 * i + 1];
    s->n_rates /= 2;
    for (uint16_t i = 0; i < s->n_mem / 2; i++)
        s->mem[i] = s->mem[2 * i + 1];
    s->n_mem /= 2;
    s->stride *= 2;
}

static void push_old(struct cadv_summary *s, const struct minute_rec *m)
{
    struct old_rec *o;
    struct group *g;
    uint64_t id = s->old_total / HOUR_MIN;

    if (s->old_n == OLD_MIN) {
        s->old_head = (s->old_head + 1) % OLD_MIN;
        s->old_n--;
    }
    o = &s->old[(s->old_head + s->old_n++) % OLD_MIN];
    o->cpu_p90 = m->has & HAS_CPU ? enc(m->cpu_p90) : ABSENT;
    o->cpu_mean = m->has & HAS_CPU ? enc(m->cpu_mean) : ABSENT;
    o->mem_p90 = m->has & HAS_MEM ? enc(m->mem_p90) : ABSENT;
    o->mem_mean = m->has & HAS_MEM ? enc(m->mem_mean) : ABSENT;
    g = &s->groups[id % GROUPS];
    if (g->id != id || s->old_total == 0) {
        g->id = id;
        g->cpu_max = g->mem_max = 0;
    }
    if (m->has & HAS_CPU && m->cpu_max > g->cpu_max)
        g->cpu_max = m->cpu_max;
    if (m->has & HAS_MEM && m->mem_max > g->mem_max)
        g->mem_max = m->mem_max;
    s->old_total++;
}

static void push_minute(struct cadv_summary *s, const struct minute_rec *m)
{
    if (s->hour_n == HOUR_MIN) {
        push_old(s, &s->hour[s->hour_head]);
        s->hour_head = (s->hour_head + 1) % HOUR_MIN;
        s->hour_n--;
    }
    s->hour[(s->hour_head + s->hour_n++) % HOUR_MIN] = *m;
}

/* Aggregates the newest `want` minutes (hour: 60, day: 1440) as cAdvisor's GetDerivedPercentiles. */
static struct cadv_usage aggregate(const struct cadv_summary *s, uint32_t want)
{
    uint64_t *buf = cadv_xcalloc(2 * DAY_MIN, sizeof(*buf));
    struct resource cpu = {.samples = buf}, mem = {.samples = buf + DAY_MIN};
    struct cadv_usage u = {0};
    uint32_t n_old = want > HOUR_MIN ? s->old_n : 0, n = s->hour_n + n_old;

    for (uint32_t i = 0; i < s->hour_n; i++) {
        const struct minute_rec *m = &s->hour[(s->hour_head + i) % HOUR_MIN];

        if (m->has & HAS_CPU)
            res_add(&cpu, m->cpu_mean, m->cpu_max, m->cpu_p90);
        if (m->has & HAS_MEM)
            res_add(&mem, m->mem_mean, m->mem_max, m->mem_p90);
    }
    for (uint32_t i = 0; i < n_old; i++) {
        const struct old_rec *o = &s->old[(s->old_head + i) % OLD_MIN];

        if (o->cpu_p90 != ABSENT)
            res_add(&cpu, dec(o->cpu_mean), 0, dec(o->cpu_p90));
        if (o->mem_p90 != ABSENT)
            res_add(&mem, dec(o->mem_mean), 0, dec(o->mem_p90));
    }
    if (n_old) {
        uint64_t first = (s->old_total - s->old_n) / HOUR_MIN;

        for (uint32_t i = 0; i < GROUPS; i++)
            if (s->groups[i].id >= first && s->groups[i].id * HOUR_MIN < s->old_total) {
                cpu.max = s->groups[i].cpu_max > cpu.max ? s->groups[i].cpu_max : cpu.max;
                mem.max = s->groups[i].mem_max > mem.max ? s->groups[i].mem_max : mem.max;
            }
    }
    u.cpu = res_get(&cpu);
    u.memory = res_get(&mem);
    u.percent_complete = (int32_t)(n * 100 / want);
    free(buf);
    return u;
}

static void make_minute(struct cadv_summary *s)
{
    uint64_t vals[SECOND_MAX];
    struct resource r = {.samples = vals};
    struct cadv_percentiles p;
    struct minute_rec m = {0};

    for (uint16_t i = 0; i < s->n_rates; i++)
        res_add(&r, s->rates[i], s->rates[i], s->rates[i]);
    p = res_get(&r);
    s->d.minute.cpu = p;
    if (p.present) {
        m.has |= HAS_CPU;
        m.cpu_mean = (uint32_t)p.mean;
        m.cpu_max = (uint32_t)p.max;
        m.cpu_p90 = (uint32_t)p.ninety;
    }
    memset(&r, 0, sizeof(r));
    r.samples = vals;
    for (uint16_t i = 0; i < s->n_mem; i++)
        res_add(&r, s->mem[i], s->mem[i], s->mem[i]);
    p = res_get(&r);
    s->d.minute.memory = p;
    if (p.present) {
        m.has |= HAS_MEM;
        m.mem_mean = p.mean;
        m.mem_max = p.max;
        m.mem_p90 = p.ninety;
    }
    /* The buffer spans more than 60 s here, so cAdvisor's percent is 100 (its partial-minute formula
     * is never reached from this path). */
    s->d.minute.percent_complete = 100;
    push_minute(s, &m);
    s->d.hour = aggregate(s, HOUR_MIN);
    s->d.day = aggregate(s, DAY_MIN);
}

void cadv_summary_add(struct cadv_summary *s, uint64_t ts_ns, uint64_t cpu_total_ns, uint64_t working_set)
{
    bool keep = true;

    s->d.latest_memory = working_set;
    s->d.timestamp_ns = ts_ns;
    if (!s->have_last) {
        s->first_ts = ts_ns;
        s->mem[s->n_mem++] = working_set;
    } else {
        uint64_t elapsed = ts_ns > s->last_ts ? ts_ns - s->last_ts : 0;

        /* cAdvisor's getCPURate: needs 10 ms and a non-decreasing counter, else the sample is
         * skipped (its memory too). */
        if (elapsed < 10000000ULL || cpu_total_ns < s->last_cpu) {
            keep = false;
            s->d.latest_cpu = 0;
        } else {
            uint64_t rate = (cpu_total_ns - s->last_cpu) * 1000 / elapsed;

            s->d.latest_cpu = rate;
            if (++s->skip >= s->stride) {
                s->skip = 0;
                if (s->n_rates == SECOND_MAX || s->n_mem == SECOND_MAX)
                    thin(s);
                s->rates[s->n_rates++] = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
                s->mem[s->n_mem++] = working_set;
            }
        }
    }
    if (!keep && s->have_last)
        return; /* cAdvisor still buffers it; its rate and memory are skipped, its time not */
    s->have_last = true;
    s->last_ts = ts_ns;
    s->last_cpu = cpu_total_ns;
    if (ts_ns - s->first_ts > MINUTE_NS) {
        make_minute(s);
        /* Restart from the last sample, whose memory cAdvisor counts again in the next minute. */
        s->first_ts = ts_ns;
        s->n_rates = 0;
        s->n_mem = 0;
        s->mem[s->n_mem++] = working_set;
        s->stride = 1;
        s->skip = 0;
    }
}

void cadv_summary_get(const struct cadv_summary *s, struct cadv_derived *ret)
{
    *ret = s->d;
}
