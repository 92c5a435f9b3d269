/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_container.c - cAdvisor's container_* families: names, HELP texts, types, kinds, extra
 * labels and value conventions of lib/metrics/prometheus.go (docs/compatibility.md#container-metrics), over
 * cadv's sample.
 *
 * Emptiness follows cAdvisor: a family reading a part of the sample that was not collected (cpu,
 * memory, diskio, network, processes: the CADV_HAS_* bits) emits nothing; parts cAdvisor keeps as plain
 * values (task stats, cpuset, OOM count, referenced memory) always emit. Families with a fixed label set
 * emit in label-value order so that the renderer's per-row sort is a linear check. */
#include "wire/metrics_container.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "collect/perf.h"
#include "model/kinds.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"
#include "wire/metrics_accel.h"

#define CORE(field) ((uint16_t)offsetof(struct cadv_sample_core, field))
#define GAUGE       CADV_PROM_GAUGE
#define COUNTER     CADV_PROM_COUNTER

/* Values above this are "unlimited" (cAdvisor: not MaxInt64 because of kernel rounding). */
#define MAX_MEMORY_SIZE (1ULL << 62)

static const struct cadv_sample *sample_of(const struct cadv_metrics_item *it)
{
    return it->sample;
}

/* Array counts are trusted only up to the sample's capacities. */
static uint32_t capped(uint32_t n, uint32_t max)
{
    return n < max ? n : max;
}

static bool has(const struct cadv_sample *s, uint64_t bits)
{
    return (s->c.has & bits) == bits;
}

static uint64_t word_at(const void *base, uint16_t off)
{
    uint64_t v;

    memcpy(&v, (const char *)base + off, sizeof(v));
    return v;
}

/* ---- always ---- */

static void gen_last_seen(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                          const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    (void)f;
    (void)it;
    cadv_prom_u64(e, in->now_ns / 1000000000ULL, NULL);
}

static void gen_health(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                       const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    uint64_t h = sample_of(it)->c.health;

    (void)f;
    (void)in;
    cadv_prom_i64(e, h == CADV_HEALTH_HEALTHY ? 1 : h == CADV_HEALTH_NONE ? -1 : 0, NULL);
}

static void gen_creation(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                         const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    (void)f;
    (void)in;
    cadv_prom_u64(e, it->spec->creation_time_ns / 1000000000ULL, NULL);
}

static void gen_start(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                      const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    uint64_t t = it->spec->start_time_ns ? it->spec->start_time_ns : it->spec->creation_time_ns;

    (void)f;
    (void)in;
    cadv_prom_u64(e, t / 1000000000ULL, NULL);
}

/* Spec CPU figures: f->off selects period (0), quota (1, only when set) or shares (2). */
static void gen_spec_cpu(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                         const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_spec *sp = it->spec;

    (void)in;
    if (!sp->has_cpu)
        return;
    if (f->off == 0)
        cadv_prom_u64(e, sp->cpu_period, NULL);
    else if (f->off == 1 && sp->cpu_quota != 0)
        cadv_prom_u64(e, sp->cpu_quota, NULL);
    else if (f->off == 2)
        cadv_prom_u64(e, sp->cpu_limit, NULL);
}

/* Spec memory limits: f->off is the offset in the spec; > 2^62 means unlimited and reads 0. */
static void gen_spec_memory(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                            const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    uint64_t v;

    (void)in;
    if (!it->spec->has_memory)
        return;
    v = word_at(it->spec, f->off);
    cadv_prom_u64(e, v > MAX_MEMORY_SIZE ? 0 : v, NULL);
}

/* ---- cpu ---- */

static const char *cpu_label(struct cadv_prom_emit *e, uint32_t i)
{
    char tmp[16];

    (void)snprintf(tmp, sizeof(tmp), "cpu%02u", i);
    return cadv_prom_str(e, tmp);
}

static void gen_cpu_usage(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                          const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_percpu, CADV_MAX_PERCPU);

    (void)f;
    if (!has(s, CADV_HAS_CPU))
        return;
    if (n == 0 || !(in->kinds & CADV_KIND_PERCPU)) {
        if (s->c.cpu.total_ns > 0)
            cadv_prom_scaled(e, s->c.cpu.total_ns, 9, (const char *[]){"total"});
        return;
    }
    cadv_prom_emit_detail_ts(e, s); /* per-CPU figures are detail */
    for (uint32_t i = 0; i < n; i++)
        if (s->percpu[i] > 0)
            cadv_prom_scaled(e, s->percpu[i], 9, (const char *[]){cpu_label(e, i)});
}

/* CFS figures exist only for containers with a quota. */
static void gen_cfs(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                    const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);

    (void)in;
    if (it->spec->cpu_quota != 0 && has(s, CADV_HAS_CPU))
        cadv_prom_scaled(e, word_at(&s->c, f->off), f->scale, NULL);
}

/* Load averages are int32 (x1000) kept two's complement in a word. */
static void gen_load(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                     const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);

    (void)in;
    if (has(s, CADV_HAS_CPU))
        cadv_prom_i64(e, (int32_t)(uint32_t)word_at(&s->c, f->off), NULL);
}

static void gen_tasks(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                      const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_cpu_stats *c = &sample_of(it)->c.cpu;

    (void)f;
    (void)in;
    cadv_prom_u64(e, c->nr_io_wait, (const char *[]){"iowaiting"});
    cadv_prom_u64(e, c->nr_running, (const char *[]){"running"});
    cadv_prom_u64(e, c->nr_sleeping, (const char *[]){"sleeping"});
    cadv_prom_u64(e, c->nr_stopped, (const char *[]){"stopped"});
    cadv_prom_u64(e, c->nr_uninterruptible, (const char *[]){"uninterruptible"});
}

/* ---- hugetlb, memory ---- */

/* cAdvisor's page size keys: "2MB", "1GB", "64KB" (units.CustomSize("%g%s", size, 1024, ...)). */
static const char *pagesize_label(struct cadv_prom_emit *e, uint64_t bytes)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    double v = (double)bytes;
    size_t u = 0;
    char tmp[48];

    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    (void)snprintf(tmp, sizeof(tmp), "%g%s", v, units[u]);
    return cadv_prom_str(e, tmp);
}

/* f->off is the offset of the figure in struct cadv_hugetlb_entry. */
static void gen_hugetlb(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                        const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_hugetlb, CADV_MAX_HUGETLB);

    (void)in;
    for (uint32_t i = 0; i < n; i++)
        cadv_prom_u64(e, word_at(&s->hugetlb[i], f->off),
                      (const char *[]){pagesize_label(e, s->hugetlb[i].pagesize_bytes)});
}

static void gen_mem_failures(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                             const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);

    (void)f;
    (void)in;
    if (!has(s, CADV_HAS_MEMORY))
        return;
    /* container_data and hierarchical_data carry the same counters in cadv's sample. */
    cadv_prom_u64(e, s->c.memory.pgfault, (const char *[]){"pgfault", "container"});
    cadv_prom_u64(e, s->c.memory.pgfault, (const char *[]){"pgfault", "hierarchy"});
    cadv_prom_u64(e, s->c.memory.pgmajfault, (const char *[]){"pgmajfault", "container"});
    cadv_prom_u64(e, s->c.memory.pgmajfault, (const char *[]){"pgmajfault", "hierarchy"});
}

static void gen_numa(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                     const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_numa, CADV_MAX_NUMA);

    (void)f;
    (void)in;
    if (!has(s, CADV_HAS_MEMORY))
        return;
    for (uint32_t i = 0; i < n; i++) {
        const struct cadv_numa_entry *ne = &s->numa[i];
        const char *node = cadv_prom_num(e, (int64_t)ne->node);

        cadv_prom_u64(e, ne->file, (const char *[]){"file", "container", node});
        cadv_prom_u64(e, ne->anon, (const char *[]){"anon", "container", node});
        cadv_prom_u64(e, ne->unevictable, (const char *[]){"unevictable", "container", node});
        cadv_prom_u64(e, ne->h_file, (const char *[]){"file", "hierarchy", node});
        cadv_prom_u64(e, ne->h_anon, (const char *[]){"anon", "hierarchy", node});
        cadv_prom_u64(e, ne->h_unevictable, (const char *[]){"unevictable", "hierarchy", node});
    }
}

/* ---- filesystems and disk I/O ---- */

/* f->off: offset in struct cadv_fs_stats; f->scale: divisor power (the ms figures are divided by 1e9,
 * cAdvisor's quirk). */
static void gen_fs(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                   const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_fs, CADV_MAX_FS);

    (void)in;
    for (uint32_t i = 0; i < n; i++)
        cadv_prom_scaled(e, word_at(&s->fs[i], f->off), f->scale, (const char *[]){s->fs[i].device});
}

/* The device name cAdvisor gives a major:minor: the disk's /dev path, else a filesystem's device. */
static const char *io_device(const struct cadv_machine_info *m, uint64_t major, uint64_t minor)
{
    const char *d;

    if (!m)
        return "";
    d = cadv_machine_disk_name(m, major, minor);
    if (d)
        return d;
    for (size_t i = 0; i < m->n_filesystems; i++)
        if (m->filesystems[i].major == major && m->filesystems[i].minor == minor && m->filesystems[i].device)
            return m->filesystems[i].device;
    return "";
}

#define NO_FS UINT16_MAX

/* cAdvisor's ioValues(): one series per blkio/io entry of a stat (its op's value, 0 if absent), then
 * one per filesystem of the sample. */
static const struct io_family {
    uint16_t fs_off;
    uint8_t stat, op, scale, fs_scale;
} io_families[] = {
        {NO_FS, CADV_IO_SERVICE_BYTES, CADV_IO_OP_READ, 0, 0},
        {offsetof(struct cadv_fs_stats, reads_completed), CADV_IO_SERVICED, CADV_IO_OP_READ, 0, 0},
        {offsetof(struct cadv_fs_stats, sectors_read), CADV_IO_SECTORS, CADV_IO_OP_READ, 0, 0},
        {offsetof(struct cadv_fs_stats, reads_merged), CADV_IO_MERGED, CADV_IO_OP_READ, 0, 0},
        {offsetof(struct cadv_fs_stats, read_time_ms), CADV_IO_SERVICE_TIME, CADV_IO_OP_READ, 9, 9},
        {NO_FS, CADV_IO_SERVICE_BYTES, CADV_IO_OP_WRITE, 0, 0},
        {offsetof(struct cadv_fs_stats, writes_completed), CADV_IO_SERVICED, CADV_IO_OP_WRITE, 0, 0},
        {offsetof(struct cadv_fs_stats, sectors_written), CADV_IO_SECTORS, CADV_IO_OP_WRITE, 0, 0},
        {offsetof(struct cadv_fs_stats, writes_merged), CADV_IO_MERGED, CADV_IO_OP_WRITE, 0, 0},
        {offsetof(struct cadv_fs_stats, write_time_ms), CADV_IO_SERVICE_TIME, CADV_IO_OP_WRITE, 9, 9},
        {offsetof(struct cadv_fs_stats, io_in_progress), CADV_IO_QUEUED, CADV_IO_OP_TOTAL, 0, 0},
        {offsetof(struct cadv_fs_stats, io_time_ms), CADV_IO_SERVICE_TIME, CADV_IO_OP_TOTAL, 9, 9},
        {NO_FS, CADV_IO_COST_USAGE, CADV_IO_OP_COUNT, 6, 0},
        {NO_FS, CADV_IO_COST_WAIT, CADV_IO_OP_COUNT, 6, 0},
        {NO_FS, CADV_IO_COST_INDEBT, CADV_IO_OP_COUNT, 6, 0},
        {NO_FS, CADV_IO_COST_INDELAY, CADV_IO_OP_COUNT, 6, 0},
};

enum {
    IO_READS_BYTES,
    IO_READS,
    IO_SECTOR_READS,
    IO_READS_MERGED,
    IO_READ_SECONDS,
    IO_WRITES_BYTES,
    IO_WRITES,
    IO_SECTOR_WRITES,
    IO_WRITES_MERGED,
    IO_WRITE_SECONDS,
    IO_CURRENT,
    IO_TIME,
    IO_COST_USAGE,
    IO_COST_WAIT,
    IO_COST_INDEBT,
    IO_COST_INDELAY,
};

/* f->off indexes io_families. */
static void gen_io(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                   const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    const struct io_family *io = &io_families[f->off];
    uint32_t n_io = capped(s->n_io, CADV_MAX_IO);
    uint32_t n_fs = capped(s->n_fs, CADV_MAX_FS);

    if (!has(s, CADV_HAS_DISKIO))
        return;
    for (uint32_t i = 0; i < n_io; i++) {
        const struct cadv_io_entry *x = &s->io[i];

        if (x->stat != io->stat)
            continue;
        cadv_prom_scaled(e, (x->opmask & (1u << io->op)) ? x->v[io->op] : 0, io->scale,
                         (const char *[]){io_device(in->machine, x->major, x->minor)});
    }
    for (uint32_t i = 0; io->fs_off != NO_FS && i < n_fs; i++)
        cadv_prom_scaled(e, word_at(&s->fs[i], io->fs_off), io->fs_scale, (const char *[]){s->fs[i].device});
}

static void gen_blkio_usage(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                            const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_io, CADV_MAX_IO);

    (void)f;
    if (!has(s, CADV_HAS_DISKIO))
        return;
    for (uint32_t i = 0; i < n; i++) {
        const struct cadv_io_entry *x = &s->io[i];
        const char *dev, *maj, *min;

        if (x->stat != CADV_IO_SERVICE_BYTES)
            continue;
        dev = io_device(in->machine, x->major, x->minor);
        maj = cadv_prom_num(e, (int64_t)x->major);
        min = cadv_prom_num(e, (int64_t)x->minor);
        for (unsigned op = 0; op < _CADV_IO_OP_MAX; op++)
            if (x->opmask & (1u << op))
                cadv_prom_u64(e, x->v[op], (const char *[]){dev, maj, min, cadv_io_op_names[op]});
    }
}

/* ---- network ---- */

/* f->off: offset in struct cadv_iface_stats. */
static void gen_iface(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                      const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_ifaces, CADV_MAX_IFACES);

    (void)in;
    if (!has(s, CADV_HAS_NETWORK))
        return;
    for (uint32_t i = 0; i < n; i++)
        cadv_prom_u64(e, word_at(&s->ifaces[i], f->off), (const char *[]){s->ifaces[i].name});
}

/* TCP states in label order; values index cadv_net_extra.tcp. */
static const struct {
    const char *label;
    uint8_t idx;
} tcp_states[] = {
        {"close", CADV_TCP_CLOSE},        {"closewait", CADV_TCP_CLOSE_WAIT},
        {"closing", CADV_TCP_CLOSING},    {"established", CADV_TCP_ESTABLISHED},
        {"finwait1", CADV_TCP_FIN_WAIT1}, {"finwait2", CADV_TCP_FIN_WAIT2},
        {"lastack", CADV_TCP_LAST_ACK},   {"listen", CADV_TCP_LISTEN},
        {"synrecv", CADV_TCP_SYN_RECV},   {"synsent", CADV_TCP_SYN_SENT},
        {"timewait", CADV_TCP_TIME_WAIT},
};

/* f->off: 1 for tcp6, 0 for tcp. */
static void gen_tcp(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                    const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    const uint64_t *v = s->net ? (f->off ? s->net->tcp6 : s->net->tcp) : NULL;

    (void)in;
    if (!has(s, CADV_HAS_NETWORK))
        return;
    for (size_t i = 0; i < sizeof(tcp_states) / sizeof(tcp_states[0]); i++)
        cadv_prom_u64(e, v ? v[tcp_states[i].idx] : 0, (const char *[]){tcp_states[i].label});
}

/* UDP states in label order; values index cadv_net_extra.udp (Listen, Dropped, RxQueued, TxQueued). */
static const struct {
    const char *label;
    uint8_t idx;
} udp_states[] = {{"dropped", 1}, {"listen", 0}, {"rxqueued", 2}, {"txqueued", 3}};

static void gen_udp(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                    const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    const uint64_t *v = s->net ? (f->off ? s->net->udp6 : s->net->udp) : NULL;

    (void)in;
    if (!has(s, CADV_HAS_NETWORK))
        return;
    for (size_t i = 0; i < sizeof(udp_states) / sizeof(udp_states[0]); i++)
        cadv_prom_u64(e, v ? v[udp_states[i].idx] : 0, (const char *[]){udp_states[i].label});
}

/* TcpAdvancedStat field names lowercased (cAdvisor's label values), and their label order. */
static char advtcp_labels[CADV_TCPADV_MAX][40];
static uint8_t advtcp_order[CADV_TCPADV_MAX];
static size_t advtcp_n;

static void advtcp_init(void)
{
    for (advtcp_n = 0; advtcp_n < CADV_TCPADV_MAX && cadv_tcpadv_names[advtcp_n]; advtcp_n++) {
        const char *src = cadv_tcpadv_names[advtcp_n];
        char *dst = advtcp_labels[advtcp_n];
        size_t k = 0;

        for (; src[k] && k + 1 < sizeof(advtcp_labels[0]); k++)
            dst[k] = (char)(src[k] >= 'A' && src[k] <= 'Z' ? src[k] - 'A' + 'a' : src[k]);
        dst[k] = '\0';
        advtcp_order[advtcp_n] = (uint8_t)advtcp_n;
    }
    for (size_t i = 1; i < advtcp_n; i++)
        for (size_t j = i;
             j > 0 && strcmp(advtcp_labels[advtcp_order[j - 1]], advtcp_labels[advtcp_order[j]]) > 0; j--) {
            uint8_t t = advtcp_order[j];

            advtcp_order[j] = advtcp_order[j - 1];
            advtcp_order[j - 1] = t;
        }
}

static void gen_advtcp(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                       const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    const struct cadv_sample *s = sample_of(it);

    (void)f;
    (void)in;
    if (!has(s, CADV_HAS_NETWORK))
        return;
    (void)pthread_once(&once, advtcp_init);
    for (size_t i = 0; i < advtcp_n; i++) {
        size_t k = advtcp_order[i];

        cadv_prom_i64(e, s->net ? (int64_t)s->net->tcp_adv[k] : 0, (const char *[]){advtcp_labels[k]});
    }
}

/* ---- processes ---- */

static void gen_ulimits(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                        const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);

    (void)f;
    (void)in;
    if (has(s, CADV_HAS_PROCESSES) && s->c.processes.has_ulimit)
        cadv_prom_i64(e, (int64_t)s->c.processes.ulimit_soft, (const char *[]){"max_open_files"});
}

/* ---- perf events ---- */

/* Per event: the sum of the counts and the smallest ratio over CPUs, with cpu="" (f->off as below). */
static void perf_summed(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                        const struct cadv_sample *s, uint32_t n)
{
    uint64_t sum[CADV_PERF_MAX_EVENTS] = {0};
    double ratio, min[CADV_PERF_MAX_EVENTS];
    bool seen[CADV_PERF_MAX_EVENTS] = {false};

    for (uint32_t i = 0; i < n; i++) {
        const struct cadv_perf_entry *pe = &s->perf[i];

        if (pe->event >= CADV_PERF_MAX_EVENTS)
            continue;
        memcpy(&ratio, &pe->scaling_ratio, sizeof(ratio));
        sum[pe->event] += pe->value;
        min[pe->event] = seen[pe->event] && min[pe->event] < ratio ? min[pe->event] : ratio;
        seen[pe->event] = true;
    }
    for (uint32_t ev = 0; ev < CADV_PERF_MAX_EVENTS; ev++) {
        if (!seen[ev])
            continue;
        if (f->off == 0)
            cadv_prom_u64(e, sum[ev], (const char *[]){"", cadv_perf_event_name(ev)});
        else
            cadv_prom_double(e, min[ev], (const char *[]){"", cadv_perf_event_name(ev)});
    }
}

/* f->off 0: the scaled counts, 1: the scaling ratios. With the percpu kind one series per CPU and
 * event; without, per event the sum of the counts and the smallest ratio, with cpu="" (cAdvisor). */
static void gen_perf(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                     const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_perf, CADV_MAX_PERF);
    double ratio;

    if (n == 0)
        return;
    if (!(in->kinds & CADV_KIND_PERCPU)) {
        perf_summed(e, f, s, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const struct cadv_perf_entry *pe = &s->perf[i];
        const char *cpu, *name;

        if (cadv_perf_event_is_uncore(pe->event))
            continue;
        cpu = cadv_prom_num(e, (int64_t)pe->cpu);
        name = cadv_perf_event_name(pe->event);
        memcpy(&ratio, &pe->scaling_ratio, sizeof(ratio));
        if (f->off == 0)
            cadv_prom_u64(e, pe->value, (const char *[]){cpu, name});
        else
            cadv_prom_double(e, ratio, (const char *[]){cpu, name});
    }
}

/* f->off 0: the scaled counts, 1: the scaling ratios of the uncore counters (the root only), one
 * series per event, PMU and cpumask CPU, labelled with the CPU's socket (cAdvisor). */
static void gen_perf_uncore(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                            const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_perf, CADV_MAX_PERF);

    (void)in;
    for (uint32_t i = 0; i < n; i++) {
        const struct cadv_perf_entry *pe = &s->perf[i];
        const char *pmu, *name, *socket_label;
        int socket;
        double ratio;

        if (!cadv_perf_event_is_uncore(pe->event))
            continue;
        name = cadv_perf_uncore_name(pe->event, &pmu, &socket);
        socket_label = cadv_prom_num(e, socket);
        memcpy(&ratio, &pe->scaling_ratio, sizeof(ratio));
        if (f->off == 0)
            cadv_prom_u64(e, pe->value, (const char *[]){socket_label, name, pmu});
        else
            cadv_prom_double(e, ratio, (const char *[]){socket_label, name, pmu});
    }
}

/* ---- resctrl ---- */

/* f->off: offset of the figure in struct cadv_resctrl_entry; one series per L3 domain (node_id). */
static void gen_resctrl(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                        const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = sample_of(it);
    uint32_t n = capped(s->n_resctrl, CADV_MAX_RESCTRL);

    (void)in;
    for (uint32_t i = 0; i < n; i++)
        cadv_prom_u64(e, word_at(&s->resctrl[i], f->off), (const char *[]){cadv_prom_num(e, (int64_t)i)});
}

/* ---- the table ---- */

#define C_SCALAR(n, h, t, k, hs, field, sc)                                                            \
    {                                                                                                  \
        .name = (n), .help = (h), .type = (t), .scope = CADV_PROM_CONTAINER, .kind = (k), .has = (hs), \
        .off = CORE(field), .scale = (sc)                                                              \
    }
#define C_HOT(n, h, t, k, hs, field, sc)                                                             \
    {                                                                                                \
        .name = (n), .help = (h), .type = (t), .scope = CADV_PROM_CONTAINER, .flags = CADV_PROM_HOT, \
        .kind = (k), .has = (hs), .off = CORE(field), .scale = (sc)                                  \
    }
#define C_GEN(n, h, t, k, fl, fn, o, sc)                                                                 \
    {                                                                                                    \
        .name = (n), .help = (h), .type = (t), .scope = CADV_PROM_CONTAINER, .flags = (fl), .kind = (k), \
        .gen = (fn), .off = (uint16_t)(o), .scale = (sc)                                                 \
    }
#define C_GENX(n, h, t, k, fn, o, sc, ne, ...)                                                         \
    {                                                                                                  \
        .name = (n), .help = (h), .type = (t), .scope = CADV_PROM_CONTAINER, .kind = (k), .gen = (fn), \
        .off = (uint16_t)(o), .scale = (sc), .n_extra = (ne), .extra = {                               \
            __VA_ARGS__                                                                                \
        }                                                                                              \
    }

#define K_CPU      CADV_KIND_CPU
#define K_MEM      CADV_KIND_MEMORY
#define K_DISKIO   CADV_KIND_DISK_IO
#define K_NET      CADV_KIND_NETWORK
#define K_PRESSURE CADV_KIND_PRESSURE
#define H_CPU      CADV_HAS_CPU
#define H_MEM      CADV_HAS_MEMORY
#define H_PROC     CADV_HAS_PROCESSES
#define NO_TS      CADV_PROM_NO_TS
#define IFACE(f)   offsetof(struct cadv_iface_stats, f)
#define FS(f)      offsetof(struct cadv_fs_stats, f)
#define HUGE(f)    offsetof(struct cadv_hugetlb_entry, f)
#define SPEC(f)    offsetof(struct cadv_spec, f)
#define RDT(f)     offsetof(struct cadv_resctrl_entry, f)
#define ACC(f)     offsetof(struct cadv_accel_entry, f)

const struct cadv_prom_family cadv_prom_container_families[] = {
        /* always */
        C_GEN("container_last_seen", "Last time a container was seen by the exporter", GAUGE, 0,
              CADV_PROM_TS_NOW, gen_last_seen, 0, 0),
        C_GEN("container_health_state", "The result of the container's health check", GAUGE, 0, 0, gen_health,
              0, 0),
        C_GEN("container_creation_time_seconds", "Container creation time since unix epoch in seconds.",
              GAUGE, 0, NO_TS, gen_creation, 0, 0),
        C_GEN("container_start_time_seconds", "Start time of the container since unix epoch in seconds.",
              GAUGE, 0, NO_TS, gen_start, 0, 0),
        C_GEN("container_spec_cpu_period", "CPU period of the container.", GAUGE, 0, NO_TS, gen_spec_cpu, 0,
              0),
        C_GEN("container_spec_cpu_quota", "CPU quota of the container.", GAUGE, 0, NO_TS, gen_spec_cpu, 1, 0),
        C_GEN("container_spec_cpu_shares", "CPU share of the container.", GAUGE, 0, NO_TS, gen_spec_cpu, 2,
              0),
        C_GEN("container_spec_memory_limit_bytes", "Memory limit for the container.", GAUGE, 0, NO_TS,
              gen_spec_memory, SPEC(memory_limit), 0),
        C_GEN("container_spec_memory_swap_limit_bytes", "Memory swap limit for the container.", GAUGE, 0,
              NO_TS, gen_spec_memory, SPEC(memory_swap_limit), 0),
        C_GEN("container_spec_memory_reservation_limit_bytes", "Memory reservation limit for the container.",
              GAUGE, 0, NO_TS, gen_spec_memory, SPEC(memory_reservation), 0),
        /* cpu */
        C_SCALAR("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.", COUNTER,
                 K_CPU, H_CPU, cpu.user_ns, 9),
        C_SCALAR("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.",
                 COUNTER, K_CPU, H_CPU, cpu.system_ns, 9),
        {.name = "container_cpu_usage_seconds_total",
         .help = "Cumulative cpu time consumed in seconds.",
         .type = COUNTER,
         .scope = CADV_PROM_CONTAINER,
         .flags = CADV_PROM_HOT,
         .kind = K_CPU,
         .gen = gen_cpu_usage,
         .n_extra = 1,
         .extra = {"cpu"}},
        C_GEN("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", COUNTER,
              K_CPU, 0, gen_cfs, CORE(cpu.periods), 0),
        C_GEN("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", COUNTER,
              K_CPU, 0, gen_cfs, CORE(cpu.throttled_periods), 0),
        C_GEN("container_cpu_cfs_throttled_seconds_total",
              "Total time duration the container has been throttled.", COUNTER, K_CPU, 0, gen_cfs,
              CORE(cpu.throttled_ns), 9),
        C_GEN("container_cpu_cfs_burst_periods_total", "Number of periods when burst occurs.", COUNTER, K_CPU,
              0, gen_cfs, CORE(cpu.burst_periods), 0),
        C_GEN("container_cpu_cfs_burst_seconds_total", "Total time duration the container has been bursted.",
              COUNTER, K_CPU, 0, gen_cfs, CORE(cpu.burst_ns), 9),
        /* sched */
        C_SCALAR("container_cpu_schedstat_run_seconds_total",
                 "Time duration the processes of the container have run on the CPU.", COUNTER,
                 CADV_KIND_SCHED, H_CPU, cpu.sched_run_ns, 9),
        C_SCALAR("container_cpu_schedstat_runqueue_seconds_total",
                 "Time duration processes of the container have been waiting on a runqueue.", COUNTER,
                 CADV_KIND_SCHED, H_CPU, cpu.sched_runqueue_ns, 9),
        C_SCALAR("container_cpu_schedstat_run_periods_total",
                 "Number of times processes of the cgroup have run on the cpu", COUNTER, CADV_KIND_SCHED,
                 H_CPU, cpu.sched_run_periods, 0),
        /* cpuLoad */
        C_GEN("container_cpu_load_average_10s",
              "Value of container cpu load average over the last 10 seconds.", GAUGE, CADV_KIND_CPU_LOAD, 0,
              gen_load, CORE(cpu.load_average), 0),
        C_GEN("container_cpu_load_d_average_10s",
              "Value of container cpu load.d average over the last 10 seconds.", GAUGE, CADV_KIND_CPU_LOAD, 0,
              gen_load, CORE(cpu.load_d_average), 0),
        C_GENX("container_tasks_state", "Number of tasks in given state", GAUGE, CADV_KIND_CPU_LOAD,
               gen_tasks, 0, 0, 1, "state"),
        /* hugetlb */
        C_GENX("container_hugetlb_failcnt", "Number of hugepage usage hits limits", COUNTER,
               CADV_KIND_HUGETLB, gen_hugetlb, HUGE(failcnt), 0, 1, "pagesize"),
        C_GENX("container_hugetlb_usage_bytes", "Current hugepage usage in bytes", GAUGE, CADV_KIND_HUGETLB,
               gen_hugetlb, HUGE(usage), 0, 1, "pagesize"),
        C_GENX("container_hugetlb_max_usage_bytes", "Maximum hugepage usage recorded in bytes", GAUGE,
               CADV_KIND_HUGETLB, gen_hugetlb, HUGE(max_usage), 0, 1, "pagesize"),
        /* memory */
        C_SCALAR("container_memory_cache", "Number of bytes of page cache memory.", GAUGE, K_MEM, H_MEM,
                 memory.cache, 0),
        C_SCALAR("container_memory_rss", "Size of RSS in bytes.", GAUGE, K_MEM, H_MEM, memory.rss, 0),
        C_SCALAR("container_memory_kernel_usage", "Size of kernel memory allocated in bytes.", GAUGE, K_MEM,
                 H_MEM, memory.kernel, 0),
        C_SCALAR("container_memory_mapped_file", "Size of memory mapped files in bytes.", GAUGE, K_MEM, H_MEM,
                 memory.mapped_file, 0),
        C_SCALAR("container_memory_swap", "Container swap usage in bytes.", GAUGE, K_MEM, H_MEM, memory.swap,
                 0),
        C_HOT("container_memory_failcnt", "Number of memory usage hits limits", COUNTER, K_MEM, H_MEM,
              memory.failcnt, 0),
        C_HOT("container_memory_usage_bytes",
              "Current memory usage in bytes, including all memory regardless of when it was accessed", GAUGE,
              K_MEM, H_MEM, memory.usage, 0),
        C_HOT("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes", GAUGE, K_MEM,
              H_MEM, memory.max_usage, 0),
        C_HOT("container_memory_working_set_bytes", "Current working set in bytes.", GAUGE, K_MEM, H_MEM,
              memory.working_set, 0),
        C_SCALAR("container_memory_total_active_file_bytes", "Current total active file in bytes.", GAUGE,
                 K_MEM, H_MEM, memory.total_active_file, 0),
        C_SCALAR("container_memory_total_inactive_file_bytes", "Current total inactive file in bytes.", GAUGE,
                 K_MEM, H_MEM, memory.total_inactive_file, 0),
        C_GENX("container_memory_failures_total", "Cumulative count of memory allocation failures.", COUNTER,
               K_MEM, gen_mem_failures, 0, 0, 2, "failure_type", "scope"),
        C_SCALAR("container_memory_events_high_total",
                 "Cumulative count of memory.high throttle events for the container", COUNTER, K_MEM, H_MEM,
                 memory.events_high, 0),
        C_SCALAR("container_memory_events_max_total",
                 "Cumulative count of memory.max limit hit events for the container", COUNTER, K_MEM, H_MEM,
                 memory.events_max, 0),
        C_SCALAR("container_memory_file_dirty_bytes",
                 "Number of bytes of file cache that has been modified but not yet written back to disk.",
                 GAUGE, K_MEM, H_MEM, memory.file_dirty, 0),
        C_SCALAR("container_memory_file_writeback_bytes",
                 "Number of bytes of file cache that is currently being written back to disk.", GAUGE, K_MEM,
                 H_MEM, memory.file_writeback, 0),
        C_SCALAR("container_memory_pgscan_total",
                 "Cumulative number of pages scanned by the page reclaim algorithm.", COUNTER, K_MEM, H_MEM,
                 memory.pgscan, 0),
        C_SCALAR("container_memory_pgsteal_total",
                 "Cumulative number of pages reclaimed by the page reclaim algorithm.", COUNTER, K_MEM, H_MEM,
                 memory.pgsteal, 0),
        C_SCALAR("container_memory_workingset_refault_file_total",
                 "Cumulative number of refaults of previously evicted file pages.", COUNTER, K_MEM, H_MEM,
                 memory.workingset_refault_file, 0),
        C_SCALAR("container_memory_workingset_refault_anon_total",
                 "Cumulative number of refaults of previously evicted anonymous pages.", COUNTER, K_MEM,
                 H_MEM, memory.workingset_refault_anon, 0),
        C_SCALAR("container_memory_migrate", "Memory migrate status.", GAUGE, CADV_KIND_CPUSET, 0,
                 memory_migrate, 0),
        C_GENX("container_memory_numa_pages", "Number of used pages per NUMA node", GAUGE,
               CADV_KIND_MEMORY_NUMA, gen_numa, 0, 0, 3, "type", "scope", "node"),
        /* disk */
        C_GENX("container_fs_inodes_free", "Number of available Inodes", GAUGE, CADV_KIND_DISK, gen_fs,
               FS(inodes_free), 0, 1, "device"),
        C_GENX("container_fs_inodes_total", "Number of Inodes", GAUGE, CADV_KIND_DISK, gen_fs, FS(inodes), 0,
               1, "device"),
        C_GENX("container_fs_limit_bytes",
               "Number of bytes that can be consumed by the container on this filesystem.", GAUGE,
               CADV_KIND_DISK, gen_fs, FS(capacity), 0, 1, "device"),
        C_GENX("container_fs_usage_bytes",
               "Number of bytes that are consumed by the container on this filesystem.", GAUGE,
               CADV_KIND_DISK, gen_fs, FS(usage), 0, 1, "device"),
        /* diskIO */
        C_GENX("container_fs_reads_bytes_total", "Cumulative count of bytes read", COUNTER, K_DISKIO, gen_io,
               IO_READS_BYTES, 0, 1, "device"),
        C_GENX("container_fs_reads_total", "Cumulative count of reads completed", COUNTER, K_DISKIO, gen_io,
               IO_READS, 0, 1, "device"),
        C_GENX("container_fs_sector_reads_total", "Cumulative count of sector reads completed", COUNTER,
               K_DISKIO, gen_io, IO_SECTOR_READS, 0, 1, "device"),
        C_GENX("container_fs_reads_merged_total", "Cumulative count of reads merged", COUNTER, K_DISKIO,
               gen_io, IO_READS_MERGED, 0, 1, "device"),
        C_GENX("container_fs_read_seconds_total", "Cumulative count of seconds spent reading", COUNTER,
               K_DISKIO, gen_io, IO_READ_SECONDS, 0, 1, "device"),
        C_GENX("container_fs_writes_bytes_total", "Cumulative count of bytes written", COUNTER, K_DISKIO,
               gen_io, IO_WRITES_BYTES, 0, 1, "device"),
        C_GENX("container_fs_writes_total", "Cumulative count of writes completed", COUNTER, K_DISKIO, gen_io,
               IO_WRITES, 0, 1, "device"),
        C_GENX("container_fs_sector_writes_total", "Cumulative count of sector writes completed", COUNTER,
               K_DISKIO, gen_io, IO_SECTOR_WRITES, 0, 1, "device"),
        C_GENX("container_fs_writes_merged_total", "Cumulative count of writes merged", COUNTER, K_DISKIO,
               gen_io, IO_WRITES_MERGED, 0, 1, "device"),
        C_GENX("container_fs_write_seconds_total", "Cumulative count of seconds spent writing", COUNTER,
               K_DISKIO, gen_io, IO_WRITE_SECONDS, 0, 1, "device"),
        C_GENX("container_fs_io_current", "Number of I/Os currently in progress", GAUGE, K_DISKIO, gen_io,
               IO_CURRENT, 0, 1, "device"),
        C_GENX("container_fs_io_time_seconds_total", "Cumulative count of seconds spent doing I/Os", COUNTER,
               K_DISKIO, gen_io, IO_TIME, 0, 1, "device"),
        C_GENX("container_fs_io_time_weighted_seconds_total", "Cumulative weighted I/O time in seconds",
               COUNTER, K_DISKIO, gen_fs, FS(weighted_io_time_ms), 9, 1, "device"),
        C_GENX("container_fs_io_cost_usage_seconds_total", "Cumulative IOCost usage in seconds", COUNTER,
               K_DISKIO, gen_io, IO_COST_USAGE, 0, 1, "device"),
        C_GENX("container_fs_io_cost_wait_seconds_total", "Cumulative IOCost wait in seconds", COUNTER,
               K_DISKIO, gen_io, IO_COST_WAIT, 0, 1, "device"),
        C_GENX("container_fs_io_cost_indebt_seconds_total", "Cumulative IOCost debt in seconds", COUNTER,
               K_DISKIO, gen_io, IO_COST_INDEBT, 0, 1, "device"),
        C_GENX("container_fs_io_cost_indelay_seconds_total", "Cumulative IOCost delay in seconds", COUNTER,
               K_DISKIO, gen_io, IO_COST_INDELAY, 0, 1, "device"),
        C_GENX("container_blkio_device_usage_total", "Blkio Device bytes usage", COUNTER, K_DISKIO,
               gen_blkio_usage, 0, 0, 4, "device", "major", "minor", "operation"),
        /* network */
        C_GENX("container_network_receive_bytes_total", "Cumulative count of bytes received", COUNTER, K_NET,
               gen_iface, IFACE(rx_bytes), 0, 1, "interface"),
        C_GENX("container_network_receive_packets_total", "Cumulative count of packets received", COUNTER,
               K_NET, gen_iface, IFACE(rx_packets), 0, 1, "interface"),
        C_GENX("container_network_receive_packets_dropped_total",
               "Cumulative count of packets dropped while receiving", COUNTER, K_NET, gen_iface,
               IFACE(rx_dropped), 0, 1, "interface"),
        C_GENX("container_network_receive_errors_total",
               "Cumulative count of errors encountered while receiving", COUNTER, K_NET, gen_iface,
               IFACE(rx_errors), 0, 1, "interface"),
        C_GENX("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", COUNTER,
               K_NET, gen_iface, IFACE(tx_bytes), 0, 1, "interface"),
        C_GENX("container_network_transmit_packets_total", "Cumulative count of packets transmitted", COUNTER,
               K_NET, gen_iface, IFACE(tx_packets), 0, 1, "interface"),
        C_GENX("container_network_transmit_packets_dropped_total",
               "Cumulative count of packets dropped while transmitting", COUNTER, K_NET, gen_iface,
               IFACE(tx_dropped), 0, 1, "interface"),
        C_GENX("container_network_transmit_errors_total",
               "Cumulative count of errors encountered while transmitting", COUNTER, K_NET, gen_iface,
               IFACE(tx_errors), 0, 1, "interface"),
        C_GENX("container_network_tcp_usage_total", "tcp connection usage statistic for container", GAUGE,
               CADV_KIND_TCP, gen_tcp, 0, 0, 1, "tcp_state"),
        C_GENX("container_network_tcp6_usage_total", "tcp6 connection usage statistic for container", GAUGE,
               CADV_KIND_TCP, gen_tcp, 1, 0, 1, "tcp_state"),
        C_GENX("container_network_advance_tcp_stats_total", "advance tcp connections statistic for container",
               GAUGE, CADV_KIND_ADVTCP, gen_advtcp, 0, 0, 1, "tcp_state"),
        C_GENX("container_network_udp_usage_total", "udp connection usage statistic for container", GAUGE,
               CADV_KIND_UDP, gen_udp, 0, 0, 1, "udp_state"),
        C_GENX("container_network_udp6_usage_total", "udp6 connection usage statistic for container", GAUGE,
               CADV_KIND_UDP, gen_udp, 1, 0, 1, "udp_state"),
        /* process */
        C_SCALAR("container_processes", "Number of processes running inside the container.", GAUGE,
                 CADV_KIND_PROCESS, H_PROC, processes.process_count, 0),
        C_SCALAR("container_file_descriptors", "Number of open file descriptors for the container.", GAUGE,
                 CADV_KIND_PROCESS, H_PROC, processes.fd_count, 0),
        C_SCALAR("container_sockets", "Number of open sockets for the container.", GAUGE, CADV_KIND_PROCESS,
                 H_PROC, processes.socket_count, 0),
        C_SCALAR("container_threads_max",
                 "Maximum number of threads allowed inside the container, infinity if value is zero", GAUGE,
                 CADV_KIND_PROCESS, H_PROC, processes.threads_max, 0),
        C_SCALAR("container_threads", "Number of threads running inside the container", GAUGE,
                 CADV_KIND_PROCESS, H_PROC, processes.threads_current, 0),
        C_GENX("container_ulimits_soft",
               "Soft ulimit values for the container root process. Unlimited if -1, except priority and nice",
               GAUGE, CADV_KIND_PROCESS, gen_ulimits, 0, 0, 1, "ulimit"),
        /* accelerator (cAdvisor <= v0.46) */
        C_GENX("container_accelerator_memory_total_bytes", "Total accelerator memory.", GAUGE,
               CADV_KIND_ACCELERATOR, cadv_prom_gen_accel, ACC(memory_total), 0, 3, "make", "model",
               "acc_id"),
        C_GENX("container_accelerator_memory_used_bytes", "Total accelerator memory allocated.", GAUGE,
               CADV_KIND_ACCELERATOR, cadv_prom_gen_accel, ACC(memory_used), 0, 3, "make", "model", "acc_id"),
        C_GENX("container_accelerator_duty_cycle",
               "Percent of time over the past sample period during which the accelerator was actively "
               "processing.",
               GAUGE, CADV_KIND_ACCELERATOR, cadv_prom_gen_accel, ACC(duty_cycle), 0, 3, "make", "model",
               "acc_id"),
        /* referenced memory, OOM, pressure */
        C_GENX("container_perf_events_total", "Perf event metric.", COUNTER, CADV_KIND_PERF_EVENT, gen_perf,
               0, 0, 2, "cpu", "event"),
        C_GENX("container_perf_events_scaling_ratio", "Perf event metric scaling ratio.", GAUGE,
               CADV_KIND_PERF_EVENT, gen_perf, 1, 0, 2, "cpu", "event"),
        C_GENX("container_perf_uncore_events_total", "Perf uncore event metric.", COUNTER,
               CADV_KIND_PERF_EVENT, gen_perf_uncore, 0, 0, 3, "socket", "event", "pmu"),
        C_GENX("container_perf_uncore_events_scaling_ratio", "Perf uncore event metric scaling ratio.", GAUGE,
               CADV_KIND_PERF_EVENT, gen_perf_uncore, 1, 0, 3, "socket", "event", "pmu"),
        C_GENX("container_memory_bandwidth_bytes",
               "Total memory bandwidth usage statistics for container counted with RDT Memory Bandwidth "
               "Monitoring (MBM).",
               GAUGE, CADV_KIND_RESCTRL, gen_resctrl, RDT(mbm_total_bytes), 0, 1, "node_id"),
        C_GENX("container_memory_bandwidth_local_bytes",
               "Local memory bandwidth usage statistics for container counted with RDT Memory Bandwidth "
               "Monitoring (MBM).",
               GAUGE, CADV_KIND_RESCTRL, gen_resctrl, RDT(mbm_local_bytes), 0, 1, "node_id"),
        C_GENX("container_llc_occupancy_bytes",
               "Last level cache usage statistics for container counted with RDT Memory Bandwidth Monitoring "
               "(MBM).",
               GAUGE, CADV_KIND_RESCTRL, gen_resctrl, RDT(llc_occupancy), 0, 1, "node_id"),
        C_SCALAR("container_referenced_bytes", "Container referenced bytes during last measurements cycle",
                 GAUGE, CADV_KIND_REFERENCED_MEMORY, 0, referenced_memory, 0),
        C_SCALAR("container_oom_events_total", "Count of out of memory events observed for the container",
                 COUNTER, CADV_KIND_OOM_EVENT, 0, oom_events, 0),
        C_SCALAR("container_pressure_cpu_stalled_seconds_total",
                 "Total time duration no tasks in the container could make progress due to CPU congestion.",
                 COUNTER, K_PRESSURE, H_CPU, cpu.psi.full.total_us, 6),
        C_SCALAR("container_pressure_cpu_waiting_seconds_total",
                 "Total time duration tasks in the container have waited due to CPU congestion.", COUNTER,
                 K_PRESSURE, H_CPU, cpu.psi.some.total_us, 6),
        C_SCALAR(
                "container_pressure_memory_stalled_seconds_total",
                "Total time duration no tasks in the container could make progress due to memory congestion.",
                COUNTER, K_PRESSURE, H_MEM, memory.psi.full.total_us, 6),
        C_SCALAR("container_pressure_memory_waiting_seconds_total",
                 "Total time duration tasks in the container have waited due to memory congestion.", COUNTER,
                 K_PRESSURE, H_MEM, memory.psi.some.total_us, 6),
        C_SCALAR("container_pressure_io_stalled_seconds_total",
                 "Total time duration no tasks in the container could make progress due to IO congestion.",
                 COUNTER, K_PRESSURE, CADV_HAS_DISKIO, io_psi.full.total_us, 6),
        C_SCALAR("container_pressure_io_waiting_seconds_total",
                 "Total time duration tasks in the container have waited due to IO congestion.", COUNTER,
                 K_PRESSURE, CADV_HAS_DISKIO, io_psi.some.total_us, 6),
};

const size_t cadv_prom_n_container_families =
        sizeof(cadv_prom_container_families) / sizeof(cadv_prom_container_families[0]);
