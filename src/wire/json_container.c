/* SPDX-License-Identifier: Apache-2.0 */
/* json_container.c - cAdvisor's container JSON (v1 ContainerInfo, v2 spec/stats, v2.0 deprecated
 * stats, v2.1 machine stats). Each writer follows one Go struct of cAdvisor v0.60 (lib/model and
 * info/v2); the comments name it. Go rules mirrored here: struct fields in declaration order;
 * omitempty drops zero numbers, empty strings, empty slices/maps and nil pointers but never structs
 * or times; maps are written with keys sorted as strings. */
#include "wire/json_container.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "collect/perf.h"
#include "core/json.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"
#include "wire/json_accel.h"

/* The all-zero sample: Go's zero value of the stats structs (used where cAdvisor serialises an
 * unset struct value). */
static const struct cadv_sample zero_sample;

static bool has(const struct cadv_sample *s, uint64_t bit)
{
    return (s->c.has & bit) != 0;
}

/* Fixed keys are literals: written without escaping or strlen (cadv_json_key_lit). */
#define KEY(w, lit)           cadv_json_key_lit((w), "" lit, sizeof(lit) - 1)
#define KU64(w, lit, v)       (KEY(w, lit), cadv_json_u64((w), (v)))
#define KI64(w, lit, v)       (KEY(w, lit), cadv_json_i64((w), (v)))
#define KBOOL(w, lit, v)      (KEY(w, lit), cadv_json_bool((w), (v)))
#define KSTR(w, lit, v)       (KEY(w, lit), cadv_json_str((w), (v)))
#define KTIME(w, lit, v)      (KEY(w, lit), cadv_json_time((w), (v)))
#define KU64_OE(w, lit, v)    ku64_oe((w), "" lit, sizeof(lit) - 1, (v))
#define KSTR_OE(w, lit, v)    kstr_oe((w), "" lit, sizeof(lit) - 1, (v))
#define KSTRN(w, lit, v, max) (KEY(w, lit), cadv_json_strn((w), (v), strnlen((v), (max))))
#define KCENTI(w, lit, v)     (KEY(w, lit), centi((w), (v)))
#define EMPTY_OBJ(w, lit)     (KEY(w, lit), cadv_json_obj_begin(w), cadv_json_obj_end(w))

static void ku64_oe(struct cadv_json *w, const char *key, size_t len, uint64_t v)
{
    if (v != 0) {
        cadv_json_key_lit(w, key, len);
        cadv_json_u64(w, v);
    }
}

static void kstr_oe(struct cadv_json *w, const char *key, size_t len, const char *s)
{
    if (s && *s) {
        cadv_json_key_lit(w, key, len);
        cadv_json_str(w, s);
    }
}

/* A known-safe name from the model's tables as a key. */
static void key_name(struct cadv_json *w, const char *name)
{
    cadv_json_key_lit(w, name, strlen(name));
}

/* Writes c/100 as Go prints the float64 parsed from the kernel's two-decimal text ("1.23", "0.5",
 * "0"): that decimal is the shortest one that round-trips. */
static void centi(struct cadv_json *w, uint64_t c)
{
    char tmp[32];
    size_t i = 24, n;
    uint64_t ip = c / 100;

    if (c >= (UINT64_C(1) << 40)) { /* not a kernel PSI average; let the float formatter decide */
        cadv_json_double(w, (double)c / 100.0);
        return;
    }
    do {
        tmp[--i] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    n = 24;
    if (c % 100 != 0) {
        tmp[n++] = '.';
        tmp[n++] = (char)('0' + (c % 100) / 10);
        if (c % 10 != 0)
            tmp[n++] = (char)('0' + c % 10);
    }
    cadv_json_raw(w, tmp + i, n - i);
}

static void kv_map(struct cadv_json *w, const char *key, const struct cadv_kv *kv, size_t n)
{
    if (n == 0)
        return;
    key_name(w, key);
    cadv_json_obj_begin(w);
    for (size_t i = 0; i < n; i++)
        cadv_json_kstr(w, kv[i].key, kv[i].value);
    cadv_json_obj_end(w);
}

static void str_array_oe(struct cadv_json *w, const char *key, char *const *arr, size_t n)
{
    if (n == 0)
        return;
    key_name(w, key);
    cadv_json_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        cadv_json_str(w, arr[i]);
    cadv_json_arr_end(w);
}

/* ---- ContainerReference, ContainerSpec ---- */

/* The flattened ContainerReference keys (id, name, aliases, namespace) into the open object. */
static void container_reference(struct cadv_json *w, const char *name, const struct cadv_spec *spec)
{
    KSTR_OE(w, "id", spec->id);
    KSTR(w, "name", name);
    str_array_oe(w, "aliases", spec->aliases, spec->n_aliases);
    KSTR_OE(w, "namespace", spec->namespace_);
}

/* getAdjustedSpec: a memory limit of 0 means "no limit" and is served as the machine's memory. */
static uint64_t memory_limit(const struct cadv_spec *spec, const struct cadv_machine_info *m)
{
    if (spec->has_memory && spec->memory_limit == 0 && m)
        return m->memory_capacity;
    return spec->memory_limit;
}

static void memory_spec(struct cadv_json *w, const struct cadv_spec *spec, const struct cadv_machine_info *m)
{
    KEY(w, "memory");
    cadv_json_obj_begin(w);
    KU64_OE(w, "limit", memory_limit(spec, m));
    KU64_OE(w, "reservation", spec->memory_reservation);
    KU64_OE(w, "swap_limit", spec->memory_swap_limit);
    cadv_json_obj_end(w);
}

/* model.ContainerSpec */
static void v1_spec(struct cadv_json *w, const struct cadv_spec *spec, const struct cadv_machine_info *m,
                    const struct cadv_app_view *app)
{
    cadv_json_obj_begin(w);
    KTIME(w, "creation_time", spec->creation_time_ns);
    KTIME(w, "start_time", spec->start_time_ns);
    kv_map(w, "labels", spec->labels, spec->n_labels);
    kv_map(w, "envs", spec->envs, spec->n_envs);
    KBOOL(w, "has_cpu", spec->has_cpu);
    KEY(w, "cpu");
    cadv_json_obj_begin(w);
    KU64(w, "limit", spec->cpu_limit);
    KU64(w, "max_limit", spec->cpu_max_limit);
    KSTR_OE(w, "mask", spec->cpu_mask);
    KU64_OE(w, "quota", spec->cpu_quota);
    KU64_OE(w, "period", spec->cpu_period);
    cadv_json_obj_end(w);
    KBOOL(w, "has_memory", spec->has_memory);
    memory_spec(w, spec, m);
    KBOOL(w, "has_hugetlb", spec->has_hugetlb);
    KBOOL(w, "has_network", spec->has_network);
    KBOOL(w, "has_processes", spec->has_processes);
    KEY(w, "processes");
    cadv_json_obj_begin(w);
    KU64_OE(w, "limit", spec->processes_limit);
    cadv_json_obj_end(w);
    KBOOL(w, "has_filesystem", spec->has_filesystem);
    KBOOL(w, "has_diskio", spec->has_diskio);
    KBOOL(w, "has_custom_metrics", spec->has_custom_metrics);
    cadv_app_view_write_spec(app, w);
    KSTR_OE(w, "image", spec->image);
    cadv_json_obj_end(w);
}

void cadv_json_v1_spec(struct cadv_json *w, const struct cadv_spec *spec, const struct cadv_machine_info *m)
{
    v1_spec(w, spec, m, NULL);
}

/* v2.ContainerSpec via ContainerSpecFromV1: cpu and memory only when present; processes never. */
void cadv_json_v2_spec(struct cadv_json *w, const struct cadv_spec *spec, const struct cadv_machine_info *m,
                       const struct cadv_app_view *app)
{
    cadv_json_obj_begin(w);
    KTIME(w, "creation_time", spec->creation_time_ns);
    KTIME(w, "start_time", spec->start_time_ns);
    str_array_oe(w, "aliases", spec->aliases, spec->n_aliases);
    KSTR_OE(w, "namespace", spec->namespace_);
    kv_map(w, "labels", spec->labels, spec->n_labels);
    kv_map(w, "envs", spec->envs, spec->n_envs);
    KBOOL(w, "has_cpu", spec->has_cpu);
    KEY(w, "cpu");
    cadv_json_obj_begin(w);
    KU64(w, "limit", spec->has_cpu ? spec->cpu_limit : 0);
    KU64(w, "max_limit", spec->has_cpu ? spec->cpu_max_limit : 0);
    if (spec->has_cpu)
        KSTR_OE(w, "mask", spec->cpu_mask);
    cadv_json_obj_end(w);
    KBOOL(w, "has_memory", spec->has_memory);
    if (spec->has_memory)
        memory_spec(w, spec, m);
    else
        EMPTY_OBJ(w, "memory");
    KBOOL(w, "has_hugetlb", spec->has_hugetlb);
    KBOOL(w, "has_custom_metrics", spec->has_custom_metrics);
    cadv_app_view_write_spec(app, w);
    KBOOL(w, "has_processes", spec->has_processes);
    EMPTY_OBJ(w, "processes");
    KBOOL(w, "has_network", spec->has_network);
    KBOOL(w, "has_filesystem", spec->has_filesystem);
    KBOOL(w, "has_diskio", spec->has_diskio);
    KSTR_OE(w, "image", spec->image);
    cadv_json_obj_end(w);
}

/* ---- CPU ---- */

/* PSIData; the kernel's two-decimal averages are kept in hundredths. */
static void psi_data(struct cadv_json *w, const char *key, const struct cadv_psi_data *d)
{
    key_name(w, key);
    cadv_json_obj_begin(w);
    KU64(w, "total", d->total_us);
    KCENTI(w, "avg10", d->avg10_centi);
    KCENTI(w, "avg60", d->avg60_centi);
    KCENTI(w, "avg300", d->avg300_centi);
    cadv_json_obj_end(w);
}

/* PSIStats (full before some, as declared); zeros when not collected. */
static void psi(struct cadv_json *w, const struct cadv_psi *p, bool present)
{
    static const struct cadv_psi zero;

    if (!present)
        p = &zero;
    KEY(w, "psi");
    cadv_json_obj_begin(w);
    psi_data(w, "full", &p->full);
    psi_data(w, "some", &p->some);
    cadv_json_obj_end(w);
}

/* CpuStats */
static void cpu_stats(struct cadv_json *w, const struct cadv_sample *s)
{
    const struct cadv_cpu_stats *c = &s->c.cpu;

    KEY(w, "cpu");
    cadv_json_obj_begin(w);
    KEY(w, "usage");
    cadv_json_obj_begin(w);
    KU64(w, "total", c->total_ns);
    if (s->n_percpu > 0) {
        KEY(w, "per_cpu_usage");
        cadv_json_arr_begin(w);
        for (uint32_t i = 0; i < s->n_percpu; i++)
            cadv_json_u64(w, s->percpu[i]);
        cadv_json_arr_end(w);
    }
    KU64(w, "user", c->user_ns);
    KU64(w, "system", c->system_ns);
    cadv_json_obj_end(w);
    KEY(w, "cfs");
    cadv_json_obj_begin(w);
    KU64(w, "periods", c->periods);
    KU64(w, "throttled_periods", c->throttled_periods);
    KU64(w, "throttled_time", c->throttled_ns);
    KU64(w, "bursts_periods", c->burst_periods);
    KU64(w, "burst_time", c->burst_ns);
    cadv_json_obj_end(w);
    KEY(w, "schedstat");
    cadv_json_obj_begin(w);
    KU64(w, "run_time", c->sched_run_ns);
    KU64(w, "runqueue_time", c->sched_runqueue_ns);
    KU64(w, "run_periods", c->sched_run_periods);
    cadv_json_obj_end(w);
    /* int32 values stored two's complement in a word. */
    KI64(w, "load_average", (int32_t)(uint32_t)c->load_average);
    KI64(w, "load_d_average", (int32_t)(uint32_t)c->load_d_average);
    psi(w, &c->psi, has(s, CADV_HAS_CPU_PSI));
    cadv_json_obj_end(w);
}

/* InstCpuStats' convertToRate: the same float64 arithmetic as Go, truncated to uint64. */
static uint64_t rate(uint64_t last, uint64_t cur, uint64_t dt_ns)
{
    double r = (double)(cur - last) / (double)dt_ns * 1e9;

    if (r >= 18446744073709551615.0)
        return UINT64_MAX;
    return (uint64_t)r;
}

static uint64_t detail_ts(const struct cadv_sample *s)
{
    return s->c.detail_timestamp_ns ? s->c.detail_timestamp_ns : s->c.timestamp_ns;
}

/* The newest sample before samples[i] whose detail tier was read earlier than samples[i]'s: the
 * previous one, but for a sample that carries its predecessor's detail (-detail_housekeeping_interval,
 * sample.h) an older one. NULL if none is in the array. */
static const struct cadv_sample *detail_prev(const struct cadv_sample *samples, size_t i)
{
    uint64_t d = detail_ts(&samples[i]);

    while (i-- > 0)
        if (detail_ts(&samples[i]) < d)
            return &samples[i];
    return NULL;
}

/* CpuInstStats of samples[i] relative to its predecessor (cAdvisor's InstCpuStats); nothing when it
 * fails (no previous sample, time not increasing, CPU count changed, a counter decreased). The total
 * (hot tier) is a rate over the samples' timestamps; user, system and per-CPU usage (detail tier)
 * over the detail reads' own timestamps, so a carried detail never reads as 0 then a spike (and
 * without a detail read earlier in the array there is no cpu_inst). */
static void cpu_inst(struct cadv_json *w, const struct cadv_sample *samples, size_t i)
{
    const struct cadv_sample *last = i > 0 ? &samples[i - 1] : NULL, *cur = &samples[i], *dl;
    const struct cadv_cpu_stats *a, *b, *da;
    uint64_t dt, ddt;

    if (!last || !has(last, CADV_HAS_CPU) || !has(cur, CADV_HAS_CPU))
        return;
    dl = detail_prev(samples, i);
    if (!dl || !has(dl, CADV_HAS_CPU) || cur->c.timestamp_ns <= last->c.timestamp_ns ||
        cur->n_percpu != dl->n_percpu)
        return;
    a = &last->c.cpu;
    da = &dl->c.cpu;
    b = &cur->c.cpu;
    if (b->total_ns < a->total_ns || b->user_ns < da->user_ns || b->system_ns < da->system_ns)
        return;
    for (uint32_t k = 0; k < cur->n_percpu; k++)
        if (cur->percpu[k] < dl->percpu[k])
            return;
    dt = cur->c.timestamp_ns - last->c.timestamp_ns;
    ddt = detail_ts(cur) - detail_ts(dl);
    KEY(w, "cpu_inst");
    cadv_json_obj_begin(w);
    KEY(w, "usage");
    cadv_json_obj_begin(w);
    KU64(w, "total", rate(a->total_ns, b->total_ns, dt));
    if (cur->n_percpu > 0) {
        KEY(w, "per_cpu_usage");
        cadv_json_arr_begin(w);
        for (uint32_t k = 0; k < cur->n_percpu; k++)
            cadv_json_u64(w, rate(dl->percpu[k], cur->percpu[k], ddt));
        cadv_json_arr_end(w);
    }
    KU64(w, "user", rate(da->user_ns, b->user_ns, ddt));
    KU64(w, "system", rate(da->system_ns, b->system_ns, ddt));
    cadv_json_obj_end(w);
    cadv_json_obj_end(w);
}

/* ---- Disk I/O ---- */

/* Go sorts map keys: the op names in string order. */
static const enum cadv_io_op io_ops_sorted[_CADV_IO_OP_MAX] = {
        CADV_IO_OP_ASYNC, CADV_IO_OP_COUNT, CADV_IO_OP_DISCARD, CADV_IO_OP_READ,
        CADV_IO_OP_SYNC,  CADV_IO_OP_TOTAL, CADV_IO_OP_WRITE,
};

/* PerDiskStats */
static void per_disk(struct cadv_json *w, const struct cadv_io_entry *e, const struct cadv_machine_info *m)
{
    const char *dev = m ? cadv_machine_disk_name(m, e->major, e->minor) : NULL;

    cadv_json_obj_begin(w);
    KSTR(w, "device", dev ? dev : "");
    KU64(w, "major", e->major);
    KU64(w, "minor", e->minor);
    KEY(w, "stats");
    cadv_json_obj_begin(w);
    for (int i = 0; i < _CADV_IO_OP_MAX; i++) {
        enum cadv_io_op op = io_ops_sorted[i];

        if (e->opmask & (1u << op)) {
            key_name(w, cadv_io_op_names[op]);
            cadv_json_u64(w, e->v[op]);
        }
    }
    cadv_json_obj_end(w);
    cadv_json_obj_end(w);
}

/* DiskIoStats: one omitempty array per stat file, then psi. */
static void diskio(struct cadv_json *w, const struct cadv_sample *s, const struct cadv_machine_info *m)
{
    KEY(w, "diskio");
    cadv_json_obj_begin(w);
    for (uint64_t st = 0; st < _CADV_IO_STAT_MAX; st++) {
        bool open = false;

        for (uint32_t i = 0; i < s->n_io; i++) {
            if (s->io[i].stat != st)
                continue;
            if (!open) {
                key_name(w, cadv_io_stat_names[st]);
                cadv_json_arr_begin(w);
                open = true;
            }
            per_disk(w, &s->io[i], m);
        }
        if (open)
            cadv_json_arr_end(w);
    }
    psi(w, &s->c.io_psi, has(s, CADV_HAS_IO_PSI));
    cadv_json_obj_end(w);
}

/* ---- Memory ---- */

enum numa_field {
    NUMA_FILE,
    NUMA_ANON,
    NUMA_UNEVICTABLE
};

static uint64_t numa_value(const struct cadv_numa_entry *e, enum numa_field f, bool hier)
{
    switch (f) {
    case NUMA_FILE:
        return hier ? e->h_file : e->file;
    case NUMA_ANON:
        return hier ? e->h_anon : e->anon;
    default:
        return hier ? e->h_unevictable : e->unevictable;
    }
}

/* Sorts the NUMA entries by their node number as a decimal string (Go's map key order). */
static size_t numa_order(const struct cadv_sample *s, uint32_t *order)
{
    char a[24], b[24];
    size_t n = s->n_numa < CADV_MAX_NUMA ? s->n_numa : CADV_MAX_NUMA;

    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)i;
        size_t j = i;

        (void)snprintf(a, sizeof(a), "%llu", (unsigned long long)s->numa[v].node);
        while (j > 0) {
            (void)snprintf(b, sizeof(b), "%llu", (unsigned long long)s->numa[order[j - 1]].node);
            if (strcmp(b, a) <= 0)
                break;
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    return n;
}

/* MemoryStatsMemoryData, with MemoryNumaStats (maps omitted when empty). */
static void memory_data(struct cadv_json *w, const char *key, const struct cadv_sample *s, bool hier)
{
    static const char *const names[] = {"file", "anon", "unevictable"};
    uint32_t order[CADV_MAX_NUMA];
    size_t n = has(s, CADV_HAS_NUMA) ? numa_order(s, order) : 0;

    key_name(w, key);
    cadv_json_obj_begin(w);
    KU64(w, "pgfault", s->c.memory.pgfault);
    KU64(w, "pgmajfault", s->c.memory.pgmajfault);
    KEY(w, "numa_stats");
    cadv_json_obj_begin(w);
    for (int f = NUMA_FILE; n > 0 && f <= NUMA_UNEVICTABLE; f++) {
        key_name(w, names[f]);
        cadv_json_obj_begin(w);
        for (size_t i = 0; i < n; i++) {
            char node[24];

            (void)snprintf(node, sizeof(node), "%llu", (unsigned long long)s->numa[order[i]].node);
            key_name(w, node);
            cadv_json_u64(w, numa_value(&s->numa[order[i]], (enum numa_field)f, hier));
        }
        cadv_json_obj_end(w);
    }
    cadv_json_obj_end(w);
    cadv_json_obj_end(w);
}

/* MemoryStats */
static void memory(struct cadv_json *w, const struct cadv_sample *s)
{
    const struct cadv_memory_stats *m = &s->c.memory;

    KEY(w, "memory");
    cadv_json_obj_begin(w);
    KU64(w, "usage", m->usage);
    KU64(w, "max_usage", m->max_usage);
    KU64(w, "cache", m->cache);
    KU64(w, "rss", m->rss);
    KU64(w, "swap", m->swap);
    KU64(w, "mapped_file", m->mapped_file);
    KU64(w, "working_set", m->working_set);
    KU64(w, "total_active_file", m->total_active_file);
    KU64(w, "total_inactive_file", m->total_inactive_file);
    KU64(w, "file_dirty", m->file_dirty);
    KU64(w, "file_writeback", m->file_writeback);
    KU64(w, "pgscan", m->pgscan);
    KU64(w, "pgsteal", m->pgsteal);
    KU64(w, "workingset_refault_file", m->workingset_refault_file);
    KU64(w, "workingset_refault_anon", m->workingset_refault_anon);
    KU64(w, "failcnt", m->failcnt);
    KU64(w, "kernel", m->kernel);
    memory_data(w, "container_data", s, false);
    memory_data(w, "hierarchical_data", s, true);
    psi(w, &m->psi, has(s, CADV_HAS_MEMORY_PSI));
    KEY(w, "events");
    cadv_json_obj_begin(w);
    KU64(w, "high", m->events_high);
    KU64(w, "max", m->events_max);
    cadv_json_obj_end(w);
    cadv_json_obj_end(w);
}

/* ---- Hugetlb ---- */

/* map[string]HugetlbStats, keys sorted as strings. */
static void hugetlb_map(struct cadv_json *w, const struct cadv_sample *s)
{
    char keys[CADV_MAX_HUGETLB][32];
    uint32_t order[CADV_MAX_HUGETLB];
    size_t n = s->n_hugetlb < CADV_MAX_HUGETLB ? s->n_hugetlb : CADV_MAX_HUGETLB;

    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    for (size_t i = 0; i < n; i++) {
        size_t j = i;

        cadv_hugetlb_size_text(s->hugetlb[i].pagesize_bytes, keys[i], sizeof(keys[i]));
        while (j > 0 && strcmp(keys[order[j - 1]], keys[i]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint32_t)i;
    }
    cadv_json_obj_begin(w);
    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    for (size_t i = 0; i < n; i++) {
        const struct cadv_hugetlb_entry *e = &s->hugetlb[order[i]];

        key_name(w, keys[order[i]]);
        cadv_json_obj_begin(w);
        KU64_OE(w, "usage", e->usage);
        KU64_OE(w, "max_usage", e->max_usage);
        KU64(w, "failcnt", e->failcnt);
        cadv_json_obj_end(w);
    }
    cadv_json_obj_end(w);
}

/* v1 "hugetlb" (omitempty map). */
static void hugetlb_oe(struct cadv_json *w, const struct cadv_sample *s)
{
    if (!has(s, CADV_HAS_HUGETLB) || s->n_hugetlb == 0)
        return;
    KEY(w, "hugetlb");
    hugetlb_map(w, s);
}

/* ---- Network ---- */

/* InterfaceStats' keys, into the open object. */
static void iface_fields(struct cadv_json *w, const struct cadv_iface_stats *i)
{
    KSTRN(w, "name", i->name, sizeof(i->name));
    KU64(w, "rx_bytes", i->rx_bytes);
    KU64(w, "rx_packets", i->rx_packets);
    KU64(w, "rx_errors", i->rx_errors);
    KU64(w, "rx_dropped", i->rx_dropped);
    KU64(w, "tx_bytes", i->tx_bytes);
    KU64(w, "tx_packets", i->tx_packets);
    KU64(w, "tx_errors", i->tx_errors);
    KU64(w, "tx_dropped", i->tx_dropped);
}

static void interfaces_oe(struct cadv_json *w, const struct cadv_sample *s)
{
    if (s->n_ifaces == 0)
        return;
    KEY(w, "interfaces");
    cadv_json_arr_begin(w);
    for (uint32_t i = 0; i < s->n_ifaces; i++) {
        cadv_json_obj_begin(w);
        iface_fields(w, &s->ifaces[i]);
        cadv_json_obj_end(w);
    }
    cadv_json_arr_end(w);
}

/* TcpStat (no JSON tags: Go field names); v NULL writes zeros. */
static void tcp_stat(struct cadv_json *w, const char *key, const uint64_t *v)
{
    key_name(w, key);
    cadv_json_obj_begin(w);
    for (int i = 0; i < _CADV_TCP_STATE_MAX; i++) {
        key_name(w, cadv_tcp_state_names[i]);
        cadv_json_u64(w, v ? v[i] : 0);
    }
    cadv_json_obj_end(w);
}

/* UdpStat; v NULL writes zeros. */
static void udp_stat(struct cadv_json *w, const char *key, const uint64_t *v)
{
    static const char *const names[4] = {"Listen", "Dropped", "RxQueued", "TxQueued"};

    key_name(w, key);
    cadv_json_obj_begin(w);
    for (int i = 0; i < 4; i++) {
        key_name(w, names[i]);
        cadv_json_u64(w, v ? v[i] : 0);
    }
    cadv_json_obj_end(w);
}

/* TcpAdvancedStat (MaxConn is the one int64); v NULL writes zeros. */
static void tcp_advanced(struct cadv_json *w, const uint64_t *v)
{
    KEY(w, "tcp_advanced");
    cadv_json_obj_begin(w);
    for (int i = 0; i < CADV_TCPADV_MAX && cadv_tcpadv_names[i]; i++) {
        const char *n = cadv_tcpadv_names[i];
        uint64_t x = v ? v[i] : 0;

        key_name(w, n);
        if (n[0] == 'M' && strcmp(n, "MaxConn") == 0)
            cadv_json_i64(w, (int64_t)x);
        else
            cadv_json_u64(w, x);
    }
    cadv_json_obj_end(w);
}

static const uint64_t *net_part(const struct cadv_sample *s, uint64_t bit, const uint64_t *p)
{
    return (s->net && has(s, bit)) ? p : NULL;
}

/* v1 NetworkStats: the first interface flattened (zero if none), all interfaces, socket tables. */
static void network_v1(struct cadv_json *w, const struct cadv_sample *s)
{
    static const struct cadv_iface_stats none;
    const struct cadv_net_extra *x = s->net;

    KEY(w, "network");
    cadv_json_obj_begin(w);
    iface_fields(w, s->n_ifaces > 0 ? &s->ifaces[0] : &none);
    interfaces_oe(w, s);
    tcp_stat(w, "tcp", x ? net_part(s, CADV_HAS_TCP, x->tcp) : NULL);
    tcp_stat(w, "tcp6", x ? net_part(s, CADV_HAS_TCP, x->tcp6) : NULL);
    udp_stat(w, "udp", x ? net_part(s, CADV_HAS_UDP, x->udp) : NULL);
    udp_stat(w, "udp6", x ? net_part(s, CADV_HAS_UDP, x->udp6) : NULL);
    tcp_advanced(w, x ? net_part(s, CADV_HAS_ADVTCP, x->tcp_adv) : NULL);
    cadv_json_obj_end(w);
}

/* v2 NetworkStats: cAdvisor's conversions copy interfaces and (unless interfaces_only) tcp/tcp6;
 * udp, udp6 and tcp_advanced stay zero. */
static void network_v2(struct cadv_json *w, const struct cadv_sample *s, bool interfaces_only)
{
    const struct cadv_net_extra *x = interfaces_only ? NULL : s->net;

    KEY(w, "network");
    cadv_json_obj_begin(w);
    interfaces_oe(w, s);
    tcp_stat(w, "tcp", x ? net_part(s, CADV_HAS_TCP, x->tcp) : NULL);
    tcp_stat(w, "tcp6", x ? net_part(s, CADV_HAS_TCP, x->tcp6) : NULL);
    udp_stat(w, "udp", NULL);
    udp_stat(w, "udp6", NULL);
    tcp_advanced(w, NULL);
    cadv_json_obj_end(w);
}

/* ---- Filesystem, processes, the rest ---- */

/* v1 FsStats array (omitempty). */
static void filesystem_v1(struct cadv_json *w, const struct cadv_sample *s)
{
    if (!has(s, CADV_HAS_FILESYSTEM) || s->n_fs == 0)
        return;
    KEY(w, "filesystem");
    cadv_json_arr_begin(w);
    for (uint32_t i = 0; i < s->n_fs; i++) {
        const struct cadv_fs_stats *f = &s->fs[i];

        cadv_json_obj_begin(w);
        if (f->device[0])
            KSTRN(w, "device", f->device, sizeof(f->device));
        KSTRN(w, "type", f->type, sizeof(f->type));
        KU64(w, "capacity", f->capacity);
        KU64(w, "usage", f->usage);
        KU64(w, "base_usage", f->base_usage);
        KU64(w, "available", f->available);
        KBOOL(w, "has_inodes", f->has_inodes != 0);
        KU64(w, "inodes", f->inodes);
        KU64(w, "inodes_free", f->inodes_free);
        KU64(w, "reads_completed", f->reads_completed);
        KU64(w, "reads_merged", f->reads_merged);
        KU64(w, "sectors_read", f->sectors_read);
        KU64(w, "read_time", f->read_time_ms);
        KU64(w, "writes_completed", f->writes_completed);
        KU64(w, "writes_merged", f->writes_merged);
        KU64(w, "sectors_written", f->sectors_written);
        KU64(w, "write_time", f->write_time_ms);
        KU64(w, "io_in_progress", f->io_in_progress);
        KU64(w, "io_time", f->io_time_ms);
        KU64(w, "weighted_io_time", f->weighted_io_time_ms);
        cadv_json_obj_end(w);
    }
    cadv_json_arr_end(w);
}

/* LoadStats under key. */
static void load_stats(struct cadv_json *w, const char *key, const struct cadv_sample *s)
{
    const struct cadv_cpu_stats *c = &s->c.cpu;

    key_name(w, key);
    cadv_json_obj_begin(w);
    KU64(w, "nr_sleeping", c->nr_sleeping);
    KU64(w, "nr_running", c->nr_running);
    KU64(w, "nr_stopped", c->nr_stopped);
    KU64(w, "nr_uninterruptible", c->nr_uninterruptible);
    KU64(w, "nr_io_wait", c->nr_io_wait);
    cadv_json_obj_end(w);
}

/* ProcessStats */
static void processes(struct cadv_json *w, const struct cadv_sample *s)
{
    const struct cadv_process_stats *p = &s->c.processes;

    KEY(w, "processes");
    cadv_json_obj_begin(w);
    KU64(w, "process_count", p->process_count);
    KU64(w, "fd_count", p->fd_count);
    KU64(w, "socket_count", p->socket_count);
    KU64_OE(w, "threads_current", p->threads_current);
    KU64_OE(w, "threads_max", p->threads_max);
    if (p->has_ulimit) {
        KEY(w, "ulimits");
        cadv_json_arr_begin(w);
        cadv_json_obj_begin(w);
        KSTR(w, "name", "max_open_files");
        KI64(w, "soft_limit", (int64_t)p->ulimit_soft);
        KI64(w, "hard_limit", (int64_t)p->ulimit_hard);
        cadv_json_obj_end(w);
        cadv_json_arr_end(w);
    }
    cadv_json_obj_end(w);
}

static const char *health_name(uint64_t h)
{
    switch (h) {
    case CADV_HEALTH_STARTING:
        return "starting";
    case CADV_HEALTH_HEALTHY:
        return "healthy";
    case CADV_HEALTH_UNHEALTHY:
        return "unhealthy";
    default:
        return "";
    }
}

/* perf_uncore_stats: [PerfUncoreStat] (omitempty; the root only), one per event, PMU and cpumask CPU. */
static void perf_uncore_stats(struct cadv_json *w, const struct cadv_sample *s, uint32_t n)
{
    const char *pmu;
    double ratio;
    int socket;

    KEY(w, "perf_uncore_stats");
    cadv_json_arr_begin(w);
    for (uint32_t i = 0; i < n; i++) {
        const char *name;

        if (!cadv_perf_event_is_uncore(s->perf[i].event))
            continue;
        name = cadv_perf_uncore_name(s->perf[i].event, &pmu, &socket);
        memcpy(&ratio, &s->perf[i].scaling_ratio, sizeof(ratio));
        cadv_json_obj_begin(w);
        KEY(w, "scaling_ratio");
        cadv_json_double(w, ratio);
        KU64(w, "value", s->perf[i].value);
        KSTR(w, "name", name);
        KEY(w, "socket");
        cadv_json_i64(w, socket);
        KSTR(w, "pmu", pmu);
        cadv_json_obj_end(w);
    }
    cadv_json_arr_end(w);
}

/* perf_stats: [PerfStat] (omitempty), one per event and CPU, then perf_uncore_stats. */
static void perf_stats(struct cadv_json *w, const struct cadv_sample *s)
{
    uint32_t n = s->n_perf < CADV_MAX_PERF ? s->n_perf : CADV_MAX_PERF, n_uncore = 0;
    double ratio;

    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    if (n == 0)
        return;
    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    for (uint32_t i = 0; i < n; i++)
        n_uncore += cadv_perf_event_is_uncore(s->perf[i].event);
    if (n_uncore < n) {
        KEY(w, "perf_stats");
        cadv_json_arr_begin(w);
    }
    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    for (uint32_t i = 0; i < n; i++) {
        if (cadv_perf_event_is_uncore(s->perf[i].event))
            continue;
        memcpy(&ratio, &s->perf[i].scaling_ratio, sizeof(ratio));
        cadv_json_obj_begin(w);
        KEY(w, "scaling_ratio");
        cadv_json_double(w, ratio);
        KU64(w, "value", s->perf[i].value);
        KSTR(w, "name", cadv_perf_event_name(s->perf[i].event));
        KU64(w, "cpu", s->perf[i].cpu);
        cadv_json_obj_end(w);
    }
    if (n_uncore < n)
        cadv_json_arr_end(w);
    if (n_uncore > 0)
        perf_uncore_stats(w, s, n);
}

/* resctrl: ResctrlStats, always present ({} when empty): memory_bandwidth and cache lists (both
 * omitempty), one element per L3 domain, fields omitempty. */
static void resctrl(struct cadv_json *w, const struct cadv_sample *s)
{
    uint32_t n = s->n_resctrl < CADV_MAX_RESCTRL ? s->n_resctrl : CADV_MAX_RESCTRL;

    KEY(w, "resctrl");
    cadv_json_obj_begin(w);
    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    if (n > 0) {
        KEY(w, "memory_bandwidth");
        cadv_json_arr_begin(w);
        // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
        for (uint32_t i = 0; i < n; i++) {
            cadv_json_obj_begin(w);
            KU64_OE(w, "mbm_total_bytes", s->resctrl[i].mbm_total_bytes);
            KU64_OE(w, "mbm_local_bytes", s->resctrl[i].mbm_local_bytes);
            cadv_json_obj_end(w);
        }
        cadv_json_arr_end(w);
        KEY(w, "cache");
        cadv_json_arr_begin(w);
        // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
        for (uint32_t i = 0; i < n; i++) {
            cadv_json_obj_begin(w);
            KU64_OE(w, "llc_occupancy", s->resctrl[i].llc_occupancy);
            cadv_json_obj_end(w);
        }
        cadv_json_arr_end(w);
    }
    cadv_json_obj_end(w);
}

/* model.ContainerStats (v1 API: never cpu_inst); custom_metrics from app (NULL: none). */
static void v1_stats(struct cadv_json *w, const struct cadv_sample *s, const struct cadv_machine_info *m,
                     const struct cadv_app_view *app)
{
    cadv_json_obj_begin(w);
    KTIME(w, "timestamp", s->c.timestamp_ns);
    if (has(s, CADV_HAS_CPU))
        cpu_stats(w, s);
    if (has(s, CADV_HAS_DISKIO))
        diskio(w, s, m);
    if (has(s, CADV_HAS_MEMORY))
        memory(w, s);
    hugetlb_oe(w, s);
    if (has(s, CADV_HAS_NETWORK))
        network_v1(w, s);
    filesystem_v1(w, s);
    load_stats(w, "task_stats", s);
    cadv_json_accelerators(w, s);
    if (has(s, CADV_HAS_PROCESSES))
        processes(w, s);
    cadv_app_view_write_values(app, w, s->c.timestamp_ns);
    perf_stats(w, s);
    KU64_OE(w, "referenced_memory", s->c.referenced_memory);
    resctrl(w, s);
    KEY(w, "cpuset");
    cadv_json_obj_begin(w);
    KU64(w, "memory_migrate", s->c.memory_migrate);
    cadv_json_obj_end(w);
    KU64_OE(w, "oom_events", s->c.oom_events);
    KEY(w, "health");
    cadv_json_obj_begin(w);
    KSTR(w, "status", health_name(s->c.health));
    cadv_json_obj_end(w);
    cadv_json_obj_end(w);
}

void cadv_json_v1_stats(struct cadv_json *w, const struct cadv_sample *s, const struct cadv_machine_info *m)
{
    v1_stats(w, s, m, NULL);
}

/* model.ContainerInfo */
void cadv_json_v1_container_info(struct cadv_json *w, const char *name, const struct cadv_spec *spec,
                                 const char *const *children, size_t n_children,
                                 const struct cadv_sample *samples, size_t n_samples,
                                 const struct cadv_machine_info *m, const struct cadv_app_view *app)
{
    cadv_json_obj_begin(w);
    container_reference(w, name, spec);
    if (n_children > 0) {
        KEY(w, "subcontainers");
        cadv_json_arr_begin(w);
        for (size_t i = 0; i < n_children; i++) {
            cadv_json_obj_begin(w);
            KSTR(w, "name", children[i]);
            cadv_json_obj_end(w);
        }
        cadv_json_arr_end(w);
    }
    KEY(w, "spec");
    v1_spec(w, spec, m, app);
    if (n_samples > 0) {
        KEY(w, "stats");
        cadv_json_arr_begin(w);
        for (size_t i = 0; i < n_samples; i++)
            v1_stats(w, &samples[i], m, app);
        cadv_json_arr_end(w);
    }
    cadv_json_obj_end(w);
}

/* ---- v2 ---- */

/* v2.ContainerStats via ContainerStatsFromV1: a part is set when the spec has it and the sample
 * carries it. */
static void v2_stats(struct cadv_json *w, const struct cadv_spec *spec, const struct cadv_sample *samples,
                     size_t i, const struct cadv_machine_info *m, const struct cadv_app_view *app)
{
    const struct cadv_sample *s = &samples[i];

    cadv_json_obj_begin(w);
    KTIME(w, "timestamp", s->c.timestamp_ns);
    if (spec->has_cpu) {
        if (has(s, CADV_HAS_CPU))
            cpu_stats(w, s);
        cpu_inst(w, samples, i);
    }
    if (spec->has_diskio && has(s, CADV_HAS_DISKIO))
        diskio(w, s, m);
    if (spec->has_memory && has(s, CADV_HAS_MEMORY))
        memory(w, s);
    if (spec->has_hugetlb) {
        /* A pointer to the sample's map: null when the map was never made. */
        KEY(w, "hugetlb");
        if (has(s, CADV_HAS_HUGETLB))
            hugetlb_map(w, s);
        else
            cadv_json_null(w);
    }
    if (spec->has_network && has(s, CADV_HAS_NETWORK))
        network_v2(w, s, false);
    if (spec->has_processes && has(s, CADV_HAS_PROCESSES))
        processes(w, s);
    if (spec->has_filesystem && has(s, CADV_HAS_FILESYSTEM) && s->n_fs == 1) {
        KEY(w, "filesystem");
        cadv_json_obj_begin(w);
        KU64(w, "totalUsageBytes", s->fs[0].usage);
        KU64(w, "baseUsageBytes", s->fs[0].base_usage);
        KU64(w, "containter_inode_usage", s->fs[0].inodes); /* sic */
        cadv_json_obj_end(w);
    }
    cadv_json_accelerators(w, s);
    if (spec->has_custom_metrics)
        cadv_app_view_write_values(app, w, s->c.timestamp_ns);
    perf_stats(w, s);
    KU64_OE(w, "referenced_memory", s->c.referenced_memory);
    resctrl(w, s);
    cadv_json_obj_end(w);
}

void cadv_json_v2_stats_array(struct cadv_json *w, const struct cadv_spec *spec,
                              const struct cadv_sample *samples, size_t n, const struct cadv_machine_info *m,
                              const struct cadv_app_view *app)
{
    cadv_json_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        v2_stats(w, spec, samples, i, m, app);
    cadv_json_arr_end(w);
}

/* v2.ContainerInfo */
void cadv_json_v21_container_info(struct cadv_json *w, const struct cadv_spec *spec,
                                  const struct cadv_sample *samples, size_t n,
                                  const struct cadv_machine_info *m, const struct cadv_app_view *app)
{
    cadv_json_obj_begin(w);
    KEY(w, "spec");
    cadv_json_v2_spec(w, spec, m, app);
    if (n > 0) {
        KEY(w, "stats");
        cadv_json_v2_stats_array(w, spec, samples, n, m, app);
    }
    cadv_json_obj_end(w);
}

/* v2.DeprecatedContainerStats via DeprecatedStatsFromV1: cpu, diskio, memory, network, processes
 * and load_stats are struct values (zero when unset); has_processes and has_load are never set. */
static void v20_stats(struct cadv_json *w, const struct cadv_spec *spec, const struct cadv_sample *samples,
                      size_t i, const struct cadv_machine_info *m, const struct cadv_app_view *app)
{
    const struct cadv_sample *s = &samples[i];

    cadv_json_obj_begin(w);
    KTIME(w, "timestamp", s->c.timestamp_ns);
    KBOOL(w, "has_cpu", spec->has_cpu);
    cpu_stats(w, spec->has_cpu && has(s, CADV_HAS_CPU) ? s : &zero_sample);
    if (spec->has_cpu)
        cpu_inst(w, samples, i);
    KBOOL(w, "has_diskio", spec->has_diskio);
    diskio(w, spec->has_diskio && has(s, CADV_HAS_DISKIO) ? s : &zero_sample, m);
    KBOOL(w, "has_memory", spec->has_memory);
    memory(w, spec->has_memory && has(s, CADV_HAS_MEMORY) ? s : &zero_sample);
    KBOOL(w, "has_hugetlb", spec->has_hugetlb);
    if (spec->has_hugetlb)
        hugetlb_oe(w, s);
    KBOOL(w, "has_network", spec->has_network);
    network_v2(w, spec->has_network && has(s, CADV_HAS_NETWORK) ? s : &zero_sample, true);
    KBOOL(w, "has_processes", false);
    processes(w, &zero_sample);
    KBOOL(w, "has_filesystem", spec->has_filesystem);
    if (spec->has_filesystem)
        filesystem_v1(w, s);
    KBOOL(w, "has_load", false);
    load_stats(w, "load_stats", &zero_sample);
    KBOOL(w, "has_custom_metrics", spec->has_custom_metrics);
    if (spec->has_custom_metrics)
        cadv_app_view_write_values(app, w, s->c.timestamp_ns);
    perf_stats(w, s);
    KU64_OE(w, "referenced_memory", s->c.referenced_memory);
    resctrl(w, s);
    cadv_json_obj_end(w);
}

void cadv_json_v20_stats_array(struct cadv_json *w, const struct cadv_spec *spec,
                               const struct cadv_sample *samples, size_t n, const struct cadv_machine_info *m,
                               const struct cadv_app_view *app)
{
    cadv_json_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        v20_stats(w, spec, samples, i, m, app);
    cadv_json_arr_end(w);
}

/* v2.MachineFsStats: pointer fields, always set by the conversion (inodes_free only with inodes);
 * the disk stats sit in an object literally named "inline" (a Go tag mistake), durations in ns. */
static void machine_fs(struct cadv_json *w, const struct cadv_fs_stats *f)
{
    cadv_json_obj_begin(w);
    KSTRN(w, "device", f->device, sizeof(f->device));
    KSTRN(w, "type", f->type, sizeof(f->type));
    KU64(w, "capacity", f->capacity);
    KU64(w, "usage", f->usage);
    KU64(w, "available", f->available);
    if (f->has_inodes)
        KU64(w, "inodes_free", f->inodes_free);
    KEY(w, "inline");
    cadv_json_obj_begin(w);
    KU64(w, "reads_completed", f->reads_completed);
    KU64(w, "reads_merged", f->reads_merged);
    KU64(w, "sectors_read", f->sectors_read);
    /* time.Duration (int64) of milliseconds, wrapping like Go's multiplication. */
    KI64(w, "read_duration", (int64_t)(f->read_time_ms * 1000000u));
    KU64(w, "writes_completed", f->writes_completed);
    KU64(w, "writes_merged", f->writes_merged);
    KU64(w, "sectors_written", f->sectors_written);
    KI64(w, "write_duration", (int64_t)(f->write_time_ms * 1000000u));
    KU64(w, "io_in_progress", f->io_in_progress);
    KI64(w, "io_duration", (int64_t)(f->io_time_ms * 1000000u));
    KI64(w, "weighted_io_duration", (int64_t)(f->weighted_io_time_ms * 1000000u));
    cadv_json_obj_end(w);
    cadv_json_obj_end(w);
}

/* v2.MachineStats via MachineStatsFromV1 */
static void machine_stats(struct cadv_json *w, const struct cadv_spec *spec,
                          const struct cadv_sample *samples, size_t i)
{
    const struct cadv_sample *s = &samples[i];

    cadv_json_obj_begin(w);
    KTIME(w, "timestamp", s->c.timestamp_ns);
    if (spec->has_cpu) {
        if (has(s, CADV_HAS_CPU))
            cpu_stats(w, s);
        cpu_inst(w, samples, i);
    }
    if (spec->has_memory && has(s, CADV_HAS_MEMORY))
        memory(w, s);
    if (spec->has_network && has(s, CADV_HAS_NETWORK))
        network_v2(w, s, false);
    if (spec->has_filesystem && has(s, CADV_HAS_FILESYSTEM) && s->n_fs > 0) {
        KEY(w, "filesystem");
        cadv_json_arr_begin(w);
        for (uint32_t k = 0; k < s->n_fs; k++)
            machine_fs(w, &s->fs[k]);
        cadv_json_arr_end(w);
    }
    cadv_json_obj_end(w);
}

void cadv_json_v21_machine_stats(struct cadv_json *w, const struct cadv_spec *root_spec,
                                 const struct cadv_sample *samples, size_t n)
{
    if (n == 0) {
        cadv_json_null(w);
        return;
    }
    cadv_json_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        machine_stats(w, root_spec, samples, i);
    cadv_json_arr_end(w);
}
