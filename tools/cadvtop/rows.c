/* SPDX-License-Identifier: Apache-2.0 */
/* rows.c - cadvtop's rows from the v2.0 REST API JSON (see rows.h). */
#include "rows.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UNLIMITED_MIN (INT64_C(1) << 62) /* cAdvisor's "no limit" is about 2^63 */

/* RFC 3339 with optional fraction ("2026-11-27T22:58:27.731981801Z", "...+02:00") to ns since the
 * epoch; -1 when it does not parse. */
static int64_t parse_time_ns(const char *s)
{
    struct tm tm = {0};
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    int64_t ns = 0, scale = 100000000, off = 0;

    if (!p)
        return -1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            ns += scale * (*p - '0');
    if (*p == '+' || *p == '-') {
        int hh, mm;

        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        off = (*p == '-' ? -1 : 1) * ((int64_t)hh * 3600 + mm * 60);
    } else if (*p != 'Z') {
        return -1;
    }
    return ((int64_t)timegm(&tm) - off) * 1000000000 + ns;
}

static int64_t num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* v2.0 samples say has_<key>; v2.1 samples carry <key> only when collected. */
static bool has(const json_t *sample, const char *key)
{
    char flag[32];
    const json_t *f;

    snprintf(flag, sizeof(flag), "has_%s", key);
    f = json_object_get(sample, flag);
    return f ? json_is_true(f) : json_is_object(json_object_get(sample, key));
}

/* Sum of key over the objects of array (at "sub.key" when sub is given). */
static int64_t sum_array(const json_t *array, const char *sub, const char *key)
{
    size_t i;
    const json_t *e;
    int64_t total = 0;

    if (!json_is_array(array))
        return -1;
    json_array_foreach(array, i, e)
    {
        int64_t v = num(sub ? json_object_get(e, sub) : e, key);

        if (v > 0)
            total += v;
    }
    return total;
}

/* The newest sample of a container's list, and the one before it (NULL if none). */
static const json_t *newest(const json_t *samples, const json_t **ret_prev)
{
    const json_t *best = NULL, *prev = NULL, *e;
    int64_t tb = -1, tp = -1;
    size_t i;

    json_array_foreach(samples, i, e)
    {
        int64_t t = parse_time_ns(json_string_value(json_object_get(e, "timestamp")));

        if (t > tb) {
            prev = best;
            tp = tb;
            best = e;
            tb = t;
        } else if (t > tp) {
            prev = e;
            tp = t;
        }
    }
    *ret_prev = prev;
    return best;
}

static double cpu_pct(const json_t *cur, const json_t *prev)
{
    int64_t t1, t0, u1, u0;

    if (!prev || !has(cur, "cpu") || !has(prev, "cpu"))
        return -1;
    t1 = parse_time_ns(json_string_value(json_object_get(cur, "timestamp")));
    t0 = parse_time_ns(json_string_value(json_object_get(prev, "timestamp")));
    u1 = num(json_object_get(json_object_get(cur, "cpu"), "usage"), "total");
    u0 = num(json_object_get(json_object_get(prev, "cpu"), "usage"), "total");
    if (t1 <= t0 || u1 < 0 || u0 < 0)
        return -1;
    return u1 >= u0 ? 100.0 * (double)(u1 - u0) / (double)(t1 - t0) : 0;
}

static void fill_row(struct top_row *r, const char *container, const json_t *samples, const json_t *spec,
                     int64_t machine_mem)
{
    const json_t *prev, *cur = newest(samples, &prev);
    const json_t *aliases = json_object_get(spec, "aliases"), *net, *io, *procs;
    const char *alias = json_string_value(json_array_get(aliases, 0));
    int64_t limit = num(json_object_get(spec, "memory"), "limit");

    r->container = strdup(container);
    r->name = strdup(alias && *alias ? alias : container);
    r->cpu_pct = cur ? cpu_pct(cur, prev) : -1;
    r->mem_bytes = cur && has(cur, "memory") ? num(json_object_get(cur, "memory"), "usage") : -1;
    r->mem_limit = limit > 0 && limit < UNLIMITED_MIN ? limit : machine_mem > 0 ? machine_mem : -1;
    r->rx_bytes = r->tx_bytes = r->read_bytes = r->wr_bytes = r->pids = -1;
    if (cur && has(cur, "network")) {
        net = json_object_get(json_object_get(cur, "network"), "interfaces");
        r->rx_bytes = sum_array(net, NULL, "rx_bytes");
        r->tx_bytes = sum_array(net, NULL, "tx_bytes");
    }
    if (cur && has(cur, "diskio")) {
        io = json_object_get(json_object_get(cur, "diskio"), "io_service_bytes");
        r->read_bytes = io ? sum_array(io, "stats", "Read") : 0;
        r->wr_bytes = io ? sum_array(io, "stats", "Write") : 0;
    }
    /* threads_current is pids.current (what docker stats shows); v2.0 never fills processes */
    procs = json_object_get(cur, "processes");
    r->pids = num(procs, "threads_current");
    if (r->pids < 0 && num(procs, "process_count") > 0)
        r->pids = num(procs, "process_count");
}

int top_table_parse(const char *stats, size_t stats_len, const char *spec, size_t spec_len,
                    int64_t machine_mem, struct top_table *ret, char *why, size_t why_len)
{
    json_error_t e;
    json_t *st = json_loadb(stats, stats_len, 0, &e), *sp = spec ? json_loadb(spec, spec_len, 0, NULL) : NULL;
    const char *name;
    json_t *samples;
    size_t i = 0;

    if (!json_is_object(st)) {
        snprintf(why, why_len, "stats: %s", st ? "not a JSON object" : e.text);
        json_decref(st);
        json_decref(sp);
        return -EINVAL;
    }
    ret->rows = calloc(json_object_size(st) + 1, sizeof(*ret->rows));
    if (!ret->rows)
        abort();
    json_object_foreach(st, name, samples)
    {
        /* v2.1: {"spec": ..., "stats": [...]} per container; v2.0: the samples, specs apart */
        const json_t *cspec =
                json_is_object(samples) ? json_object_get(samples, "spec") : json_object_get(sp, name);

        if (json_is_object(samples))
            samples = json_object_get(samples, "stats");
        if (json_is_array(samples))
            fill_row(&ret->rows[i++], name, samples, cspec, machine_mem);
    }
    ret->n = i;
    json_decref(st);
    json_decref(sp);
    return 0;
}

void top_table_done(struct top_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->rows[i].name);
        free(t->rows[i].container);
    }
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}

static enum top_sort sort_key;
static int sort_dir;

static double key_of(const struct top_row *r)
{
    switch (sort_key) {
    case TOP_SORT_CPU:
        return r->cpu_pct;
    case TOP_SORT_MEM:
        return (double)r->mem_bytes;
    case TOP_SORT_NET:
        return r->rx_bytes < 0 ? -1 : (double)r->rx_bytes + (double)(r->tx_bytes > 0 ? r->tx_bytes : 0);
    case TOP_SORT_IO:
        return r->read_bytes < 0 ? -1 : (double)r->read_bytes + (double)(r->wr_bytes > 0 ? r->wr_bytes : 0);
    case TOP_SORT_PIDS:
        return (double)r->pids;
    case TOP_SORT_NAME:
        break;
    }
    return 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
    const struct top_row *a = pa, *b = pb;
    double ka, kb;
    int c;

    if (sort_key == TOP_SORT_NAME) {
        c = strcmp(a->name, b->name);
        return c != 0 ? sort_dir * c : strcmp(a->container, b->container);
    }
    ka = key_of(a);
    kb = key_of(b);
    if ((ka < 0) != (kb < 0))
        return ka < 0 ? 1 : -1; /* unknowns last either way */
    if (ka != kb)
        return sort_dir * (ka > kb ? -1 : 1);
    return strcmp(a->name, b->name);
}

void top_table_sort(struct top_table *t, enum top_sort key, bool reverse)
{
    sort_key = key; /* cadvtop is single-threaded */
    sort_dir = reverse ? -1 : 1;
    if (t->n > 1)
        qsort(t->rows, t->n, sizeof(t->rows[0]), cmp_rows);
}

static const char *const sort_names[] = {"name", "cpu", "mem", "net", "io", "pids"};
static const char *const sort_labels[] = {
        "NAME", "CPU %", "MEM USAGE / LIMIT", "NET RX / TX", "BLOCK READ / WRITE", "PIDS"};

int top_sort_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
        if (strcmp(name, sort_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *top_sort_label(enum top_sort key)
{
    return sort_labels[key];
}

void top_bytes_format(int64_t v, char *out, size_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double d = (double)v;
    size_t u = 0;

    if (v < 0) {
        snprintf(out, n, "-");
        return;
    }
    while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        d /= 1024;
        u++;
    }
    snprintf(out, n, u ? "%.1f%s" : "%.0f%s", d, units[u]);
}

static void bytes(int64_t v, bool raw, char *out, size_t n)
{
    if (raw && v >= 0)
        snprintf(out, n, "%lld", (long long)v);
    else
        top_bytes_format(v, out, n);
}

void top_header_format(char *out, size_t n, int name_width, bool raw)
{
    int w = raw ? 21 : 10;

    snprintf(out, n, "%-*s %7s %*s %-*s %6s %*s %-*s %*s %-*s %6s", name_width, "NAME", "CPU %", w,
             "MEM USAGE", w + 2, "/ LIMIT", "MEM %", w, "NET RX", w + 2, "/ TX", w, "BLOCK READ", w + 2,
             "/ WRITE", "PIDS");
}

void top_row_format(const struct top_row *r, char *out, size_t n, int name_width, bool raw)
{
    char cpu[16] = "-", mem[32], lim[32], pct[16] = "-", rx[32], tx[32], rd[32], wr[32], pids[24] = "-";
    int w = raw ? 21 : 10;

    if (r->cpu_pct >= 0)
        snprintf(cpu, sizeof(cpu), "%.2f", r->cpu_pct);
    if (r->mem_bytes >= 0 && r->mem_limit > 0)
        snprintf(pct, sizeof(pct), "%.2f", 100.0 * (double)r->mem_bytes / (double)r->mem_limit);
    if (r->pids >= 0)
        snprintf(pids, sizeof(pids), "%lld", (long long)r->pids);
    bytes(r->mem_bytes, raw, mem, sizeof(mem));
    bytes(r->mem_limit, raw, lim, sizeof(lim));
    bytes(r->rx_bytes, raw, rx, sizeof(rx));
    bytes(r->tx_bytes, raw, tx, sizeof(tx));
    bytes(r->read_bytes, raw, rd, sizeof(rd));
    bytes(r->wr_bytes, raw, wr, sizeof(wr));
    snprintf(out, n, "%-*s %7s %*s / %-*s %6s %*s / %-*s %*s / %-*s %6s", name_width, r->name, cpu, w, mem, w,
             lim, pct, w, rx, w, tx, w, rd, w, wr, pids);
}
