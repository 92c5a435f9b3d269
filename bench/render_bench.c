/* SPDX-License-Identifier: Apache-2.0 */
/* render_bench.c - the in-process cost of one /metrics render with a new sample in every container.
 *
 * Builds N synthetic containers (cpu, memory, diskio, network, filesystem, ... as a real collection
 * fills them, one network interface and one filesystem each), then renders ROUNDS times through one
 * cache, giving every container a new sample (timestamp and values) before each render: what a scrape
 * sees with 1 s collection. Prints the median and best render time and the body size. No HTTP, no
 * compression, no manager. Then the same for the floor of that body, as bench/floor.c serve-metrics
 * renders it (every constant text copied from one place, in order; every value and timestamp
 * formatted), and the ratio of the medians.
 * Usage: render_bench [N [ROUNDS [MODE]]] (1000, 21, new). MODE new: every sample new before each
 * render (values change, the series stay: the render is written from its plan); idle: only every
 * tenth container's sample is new (dynamic housekeeping backs idle containers off); churn: every
 * sample new, and one container's labels change before each render (a container came or went: the
 * plan does not fit). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/kinds.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"
#include "wire/metrics_fmt.h"
#include "wire/metrics_input.h"
#include "wire/metrics_render.h"

static void fill_sample(struct cadv_sample *s, uint64_t seed, uint64_t round)
{
    uint64_t k = seed * 7919 + round * 104729;

    /* Each container sampled at its own millisecond, as the daemon spreads them. */
    s->c.timestamp_ns = (1795820307731ULL + round * 1000 + seed % 997) * CADV_NS_PER_MS;
    s->c.has = CADV_HAS_CPU | CADV_HAS_MEMORY | CADV_HAS_DISKIO | CADV_HAS_HUGETLB | CADV_HAS_NETWORK |
               CADV_HAS_PROCESSES | CADV_HAS_FILESYSTEM | CADV_HAS_CPU_PSI | CADV_HAS_MEMORY_PSI |
               CADV_HAS_IO_PSI | CADV_HAS_SCHED | CADV_HAS_TCP | CADV_HAS_UDP | CADV_HAS_NUMA;
    s->c.cpu.total_ns = 3832851756 + k;
    s->c.cpu.user_ns = 3720000000 + k / 2;
    s->c.cpu.system_ns = 100000000 + k / 3;
    s->c.cpu.periods = 723 + round;
    s->c.cpu.throttled_periods = 18;
    s->c.cpu.throttled_ns = 1724314000;
    s->c.cpu.nr_running = 1;
    s->c.cpu.psi.full.total_us = 1500000 + k;
    s->c.memory.cache = 8388608 + 4096 * round;
    s->c.memory.usage = 83034112 + k;
    s->c.memory.pgfault = 25057 + round;
    s->c.memory.working_set = 74645504 + k;
    s->n_percpu = 2;
    s->percpu[0] = 2533526968 + k;
    s->percpu[1] = 1299324788 + k;
    s->n_io = 2;
    s->io[0] = (struct cadv_io_entry){.major = 8,
                                      .minor = 0,
                                      .stat = CADV_IO_SERVICE_BYTES,
                                      .opmask = (1u << CADV_IO_OP_READ) | (1u << CADV_IO_OP_WRITE),
                                      .v = {[CADV_IO_OP_READ] = 4096 + k, [CADV_IO_OP_WRITE] = 8192}};
    s->io[1] = (struct cadv_io_entry){.major = 8,
                                      .minor = 0,
                                      .stat = CADV_IO_SERVICED,
                                      .opmask = (1u << CADV_IO_OP_READ) | (1u << CADV_IO_OP_WRITE),
                                      .v = {[CADV_IO_OP_READ] = 4 + round, [CADV_IO_OP_WRITE] = 8}};
    s->n_hugetlb = 1;
    s->hugetlb[0] = (struct cadv_hugetlb_entry){.pagesize_bytes = 2 << 20, .usage = 4 << 20};
    s->n_ifaces = 1;
    s->ifaces[0] = (struct cadv_iface_stats){.name = "eth0", .rx_bytes = 1000 + k, .tx_bytes = k / 7};
    s->n_fs = 1;
    s->fs[0] = (struct cadv_fs_stats){.device = "/dev/sda1",
                                      .type = "ext4",
                                      .capacity = 1ULL << 40,
                                      .usage = k,
                                      .read_time_ms = 1500,
                                      .io_time_ms = 20 + round};
    s->n_numa = 1;
    s->numa[0] = (struct cadv_numa_entry){.node = 0, .file = 10 + round, .anon = 20};
    s->c.processes.process_count = 3;
    s->net->tcp[CADV_TCP_LISTEN] = 2;
    s->net->udp[0] = 1;
}

/* One series of the floor: its constant text (HELP/TYPE lines before it, name, labels, space) at
 * pre_off in the body, its value (an integer, or a double) and timestamp. */
struct floor_series {
    size_t pre_off, pre_len;
    bool fixed, neg, has_ts;
    uint64_t mant; /* fixed: the value is (neg ? -1 : 1) * mant / 10^scale */
    unsigned scale;
    double d;
    int64_t ts;
};

/* As bench/floor.c: a value of at most 18 significant digits as an integer over a power of ten
 * (e-notation folded in), printed with integer arithmetic; the rest stays a double. */
static bool parse_fixed(const char *v, size_t n, struct floor_series *f)
{
    size_t i = 0;
    unsigned digits = 0;
    long frac = 0, exp = 0, scale;
    bool dot = false;

    f->mant = 0;
    f->neg = n > 0 && v[0] == '-';
    for (i = f->neg ? 1 : 0; i < n && v[i] != 'e'; i++) {
        if (v[i] == '.') {
            dot = true;
            continue;
        }
        if (v[i] < '0' || v[i] > '9' || ++digits > 18)
            return false;
        f->mant = f->mant * 10 + (uint64_t)(v[i] - '0');
        frac += dot ? 1 : 0;
    }
    if (i < n)
        exp = strtol(v + i + 1, NULL, 10);
    for (scale = frac - exp; scale < 0; scale++) {
        if (f->mant > UINT64_MAX / 10 || ++digits > 18)
            return false;
        f->mant *= 10;
    }
    if (scale > 18)
        return false;
    f->scale = (unsigned)scale;
    return digits > 0;
}

/* Splits a body into floor series; returns their number (*ret owned by the caller). */
static size_t floor_parse(const char *body, size_t len, struct floor_series **ret)
{
    size_t n = 0, cap = 0, pre = 0;
    struct floor_series *s = NULL;

    for (size_t at = 0; at < len;) {
        const char *line = body + at, *eol = memchr(line, '\n', len - at), *q = line, *v, *sp;
        bool quoted = false;
        struct floor_series *f;

        at = (size_t)(eol - body) + 1;
        if (line[0] == '#')
            continue;
        while (q < eol && *q != ' ' && *q != '{')
            q++;
        if (*q == '{') { /* label values may hold spaces, quotes (escaped) and braces */
            for (q++; q < eol && (quoted || *q != '}'); q++) {
                if (quoted && *q == '\\')
                    q++;
                else if (*q == '"')
                    quoted = !quoted;
            }
            q++;
        }
        v = q + 1;
        sp = memchr(v, ' ', (size_t)(eol - v)); /* before the timestamp */
        cadv_xgrow((void **)&s, &cap, n + 1, sizeof(*s));
        f = &s[n++];
        f->pre_off = pre;
        f->pre_len = (size_t)(v - body) - pre;
        f->fixed = parse_fixed(v, (size_t)((sp ? sp : eol) - v), f);
        f->d = strtod(v, NULL);
        f->has_ts = sp != NULL;
        f->ts = sp ? strtoll(sp + 1, NULL, 10) : 0;
        pre = at;
    }
    *ret = s;
    return n;
}

static size_t floor_render(const char *body, const struct floor_series *s, size_t n, char *out)
{
    char *p = out;

    for (size_t k = 0; k < n; k++) {
        memcpy(p, body + s[k].pre_off, s[k].pre_len);
        p += s[k].pre_len;
        if (s[k].fixed && s[k].neg)
            *p++ = '-';
        p += s[k].fixed ? cadv_prom_fmt_scaled(p, s[k].mant, s[k].scale) : cadv_prom_fmt_double(p, s[k].d);
        if (s[k].has_ts) {
            *p++ = ' ';
            p += cadv_prom_fmt_int(p, s[k].ts);
        }
        *p++ = '\n';
    }
    return (size_t)(p - out);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    size_t rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 21;
    const char *mode = argc > 3 ? argv[3] : "new";
    bool churn = strcmp(mode, "churn") == 0, idle = strcmp(mode, "idle") == 0;
    struct cadv_spec *spec;
    struct cadv_sample *smp;
    struct cadv_metrics_item *items;
    char(*names)[48];
    uint64_t *dt;
    struct cadv_disk_info disk = {.name = "sda", .dev_path = "/dev/sda", .major = 8, .minor = 0};
    struct cadv_machine_info m = {.timestamp_ns = 1795820000123ULL * CADV_NS_PER_MS,
                                  .num_cores = 2,
                                  .memory_capacity = 8ULL << 30,
                                  .machine_id = "mid",
                                  .system_uuid = "uuid",
                                  .boot_id = "boot",
                                  .disks = &disk,
                                  .n_disks = 1};
    struct cadv_metrics_cache *cache = cadv_metrics_cache_new();
    struct cadv_metrics_input in;
    struct cadv_buf b;
    size_t len = 0, ns, flen = 0, mid = 1 + rounds / 2, planned = 0;
    uint64_t med;
    struct floor_series *fs = NULL;
    char *fout;

    if (n == 0 || rounds == 0 || (!churn && !idle && strcmp(mode, "new") != 0)) {
        fprintf(stderr, "usage: render_bench [N [ROUNDS [new|idle|churn]]]\n");
        return 2;
    }
    spec = cadv_xcalloc(n, sizeof(*spec));
    smp = cadv_xcalloc(n, sizeof(*smp));
    items = cadv_xcalloc(n, sizeof(*items));
    names = cadv_xcalloc(n, sizeof(*names));
    dt = cadv_xcalloc(rounds + 1, sizeof(*dt));
    cadv_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        cadv_spec_init(&spec[i]);
        spec[i].creation_time_ns = 1795820286ULL * CADV_NS_PER_SEC;
        spec[i].has_cpu = spec[i].has_memory = true;
        spec[i].cpu_limit = 1024;
        spec[i].cpu_period = 100000;
        spec[i].memory_limit = UINT64_MAX;
        spec[i].image = strdup("busybox:latest");
        cadv_kv_set(&spec[i].labels, &spec[i].n_labels, "com.docker.compose.project", "bench");
        cadv_sample_init_scratch(&smp[i]);
        (void)snprintf(names[i], sizeof(names[i]), "/system.slice/docker-%04zu.scope", i);
        items[i] = (struct cadv_metrics_item){names[i], &spec[i], &smp[i], 1};
    }
    in = (struct cadv_metrics_input){.items = items,
                                     .n_items = n,
                                     .machine = &m,
                                     .kinds = CADV_KIND_DEFAULT,
                                     .timestamps = true,
                                     .store_container_labels = true,
                                     .now_ns = 1};
    for (size_t r = 0; r <= rounds; r++) { /* round 0 builds the label sets: not counted */
        uint64_t t0;

        for (size_t i = 0; i < n; i++)
            if (r == 0 || !idle || i % 10 == r % 10)
                fill_sample(&smp[i], i, r);
        in.now_ns += CADV_NS_PER_SEC;
        if (churn) /* new label text for one container: as if one came and another went */
            items[r % n].spec_version = r + 2;
        cadv_buf_clear(&b); /* as the daemon: a pooled buffer, sized by the last render */
        (void)cadv_buf_reserve(&b, len + len / 8 + 4096);
        t0 = cadv_mono_ns();
        cadv_metrics_render(&b, &in, cache);
        dt[r] = cadv_mono_ns() - t0;
        planned += r > 0 && cadv_metrics_cache_planned(cache);
        len = b.len;
    }
    qsort(dt + 1, rounds, sizeof(*dt), cmp_u64);
    med = dt[mid];
    printf("render_bench: %zu containers, %zu bytes, first %.2f ms, median %.2f ms, best %.2f ms "
           "(%zu renders, %s; %zu written from the plan)\n",
           n, len, (double)dt[0] / 1e6, (double)med / 1e6, (double)dt[1] / 1e6, rounds,
           idle    ? "a tenth of the samples new"
           : churn ? "every sample new, one container's labels new"
                   : "every sample new",
           planned);
    ns = floor_parse(b.data, b.len, &fs);
    fout = cadv_xmalloc(b.len + 4096);
    for (size_t r = 1; r <= rounds; r++) {
        uint64_t t0 = cadv_mono_ns();

        flen = floor_render(b.data, fs, ns, fout);
        dt[r] = cadv_mono_ns() - t0;
    }
    qsort(dt + 1, rounds, sizeof(*dt), cmp_u64);
    printf("floor: %zu series, %zu bytes%s, median %.2f ms, best %.2f ms; render/floor %.2f (medians)\n", ns,
           flen,
           flen == b.len && memcmp(fout, b.data, flen) == 0 ? " (the same body)" : " (NOT the same body)",
           (double)dt[mid] / 1e6, (double)dt[1] / 1e6, (double)med / (double)dt[mid]);
    free(fs);
    free(fout);
    cadv_buf_done(&b);
    for (size_t i = 0; i < n; i++) {
        cadv_spec_done(&spec[i]);
        cadv_sample_done(&smp[i]);
    }
    cadv_metrics_cache_free(cache);
    free(spec);
    free(smp);
    free(items);
    free(names);
    free(dt);
    return 0;
}
