/* SPDX-License-Identifier: Apache-2.0 */
/* test_json_container.c - container JSON against real cAdvisor responses (tests/fixtures/api, copied
 * from the shared SAMPLES): samples and specs are rebuilt from each response, rendered, and the
 * output compared recursively, keys (order) and values. The responses come from cAdvisor v0.36, so
 * the keys that newer versions added (docs/compatibility.md#json) may appear in ours in addition; every other
 * key must match. Then exact checks of the omission rules and computed fields. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"
#include "wire/json_container.h"

/* Keys of cAdvisor v0.60 that the v0.36 fixtures predate. */
static const char *const newer_keys[] = {
        "start_time",
        "load_d_average",
        "psi",
        "bursts_periods",
        "burst_time",
        "total_active_file",
        "total_inactive_file",
        "file_dirty",
        "file_writeback",
        "pgscan",
        "pgsteal",
        "workingset_refault_file",
        "workingset_refault_anon",
        "kernel",
        "events",
        "numa_stats",
        "resctrl",
        "cpuset",
        "health",
        NULL,
};

static void utc(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
}

TestSuite(json_container, .init = utc);

static json_t *fixture(const char *name)
{
    char path[512];
    json_error_t err;
    json_t *j;

    snprintf(path, sizeof(path), "%s/api/%s", CADV_FIXTURES, name);
    j = json_load_file(path, JSON_DECODE_ANY, &err);
    cr_assert_not_null(j, "%s: %s", path, err.text);
    return j;
}

/* ---- rebuilding model values from a response ---- */

static uint64_t u64_at(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return v ? (uint64_t)json_integer_value(v) : 0;
}

static uint64_t time_at(const json_t *o, const char *key)
{
    uint64_t ns = 0;
    const json_t *v = json_object_get(o, key);

    if (v)
        cr_assert_eq(cadv_parse_rfc3339(json_string_value(v), &ns), 0);
    return ns;
}

static bool bool_at(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static void fill_spec(struct cadv_spec *spec, const json_t *j)
{
    const json_t *cpu = json_object_get(j, "cpu"), *mem = json_object_get(j, "memory");

    cadv_spec_init(spec);
    spec->creation_time_ns = time_at(j, "creation_time");
    spec->has_cpu = bool_at(j, "has_cpu");
    spec->cpu_limit = u64_at(cpu, "limit");
    spec->cpu_max_limit = u64_at(cpu, "max_limit");
    spec->cpu_period = u64_at(cpu, "period");
    spec->cpu_quota = u64_at(cpu, "quota");
    spec->has_memory = bool_at(j, "has_memory");
    spec->memory_limit = u64_at(mem, "limit");
    spec->memory_reservation = u64_at(mem, "reservation");
    spec->memory_swap_limit = u64_at(mem, "swap_limit");
    spec->has_hugetlb = bool_at(j, "has_hugetlb");
    spec->has_network = bool_at(j, "has_network");
    spec->has_processes = bool_at(j, "has_processes");
    spec->has_filesystem = bool_at(j, "has_filesystem");
    spec->has_diskio = bool_at(j, "has_diskio");
    spec->has_custom_metrics = bool_at(j, "has_custom_metrics");
}

static void fill_iface(struct cadv_iface_stats *i, const json_t *j)
{
    snprintf(i->name, sizeof(i->name), "%s", json_string_value(json_object_get(j, "name")));
    i->rx_bytes = u64_at(j, "rx_bytes");
    i->rx_packets = u64_at(j, "rx_packets");
    i->rx_errors = u64_at(j, "rx_errors");
    i->rx_dropped = u64_at(j, "rx_dropped");
    i->tx_bytes = u64_at(j, "tx_bytes");
    i->tx_packets = u64_at(j, "tx_packets");
    i->tx_errors = u64_at(j, "tx_errors");
    i->tx_dropped = u64_at(j, "tx_dropped");
}

static void fill_cpu(struct cadv_sample *s, const json_t *cpu)
{
    const json_t *u = json_object_get(cpu, "usage"), *cfs = json_object_get(cpu, "cfs"),
                 *sched = json_object_get(cpu, "schedstat"), *pc = json_object_get(u, "per_cpu_usage");

    s->c.has |= CADV_HAS_CPU;
    s->c.cpu.total_ns = u64_at(u, "total");
    s->c.cpu.user_ns = u64_at(u, "user");
    s->c.cpu.system_ns = u64_at(u, "system");
    s->n_percpu = (uint32_t)json_array_size(pc);
    for (uint32_t i = 0; i < s->n_percpu; i++)
        s->percpu[i] = (uint64_t)json_integer_value(json_array_get(pc, i));
    s->c.cpu.periods = u64_at(cfs, "periods");
    s->c.cpu.throttled_periods = u64_at(cfs, "throttled_periods");
    s->c.cpu.throttled_ns = u64_at(cfs, "throttled_time");
    s->c.cpu.sched_run_ns = u64_at(sched, "run_time");
    s->c.cpu.sched_runqueue_ns = u64_at(sched, "runqueue_time");
    s->c.cpu.sched_run_periods = u64_at(sched, "run_periods");
    s->c.cpu.load_average = u64_at(cpu, "load_average");
}

static void fill_memory(struct cadv_sample *s, const json_t *m)
{
    s->c.has |= CADV_HAS_MEMORY;
    s->c.memory.usage = u64_at(m, "usage");
    s->c.memory.max_usage = u64_at(m, "max_usage");
    s->c.memory.cache = u64_at(m, "cache");
    s->c.memory.rss = u64_at(m, "rss");
    s->c.memory.swap = u64_at(m, "swap");
    s->c.memory.mapped_file = u64_at(m, "mapped_file");
    s->c.memory.working_set = u64_at(m, "working_set");
    s->c.memory.failcnt = u64_at(m, "failcnt");
    s->c.memory.pgfault = u64_at(json_object_get(m, "container_data"), "pgfault");
    s->c.memory.pgmajfault = u64_at(json_object_get(m, "container_data"), "pgmajfault");
}

static void fill_fs(struct cadv_sample *s, const json_t *arr)
{
    static const char *const keys[] = {"reads_completed",  "reads_merged",  "sectors_read",    "read_time",
                                       "writes_completed", "writes_merged", "sectors_written", "write_time",
                                       "io_in_progress",   "io_time",       "weighted_io_time"};

    s->c.has |= CADV_HAS_FILESYSTEM;
    s->n_fs = (uint32_t)json_array_size(arr);
    for (uint32_t i = 0; i < s->n_fs; i++) {
        const json_t *j = json_array_get(arr, i);
        struct cadv_fs_stats *f = &s->fs[i];
        uint64_t *dst[] = {&f->reads_completed,  &f->reads_merged,  &f->sectors_read,       &f->read_time_ms,
                           &f->writes_completed, &f->writes_merged, &f->sectors_written,    &f->write_time_ms,
                           &f->io_in_progress,   &f->io_time_ms,    &f->weighted_io_time_ms};

        snprintf(f->device, sizeof(f->device), "%s", json_string_value(json_object_get(j, "device")));
        snprintf(f->type, sizeof(f->type), "%s", json_string_value(json_object_get(j, "type")));
        f->capacity = u64_at(j, "capacity");
        f->usage = u64_at(j, "usage");
        f->base_usage = u64_at(j, "base_usage");
        f->available = u64_at(j, "available");
        f->has_inodes = bool_at(j, "has_inodes");
        f->inodes = u64_at(j, "inodes");
        f->inodes_free = u64_at(j, "inodes_free");
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            *dst[k] = u64_at(j, keys[k]);
    }
}

/* A sample (scratch-initialised) from a v1 ContainerStats or v2.0 DeprecatedContainerStats. */
static void fill_sample(struct cadv_sample *s, const json_t *j)
{
    const json_t *v, *load;

    cadv_sample_init_scratch(s);
    s->c.timestamp_ns = time_at(j, "timestamp");
    if ((v = json_object_get(j, "cpu")) != NULL)
        fill_cpu(s, v);
    if (json_object_get(j, "diskio"))
        s->c.has |= CADV_HAS_DISKIO;
    if ((v = json_object_get(j, "memory")) != NULL)
        fill_memory(s, v);
    if ((v = json_object_get(j, "network")) != NULL) {
        const json_t *ifs = json_object_get(v, "interfaces");

        s->c.has |= CADV_HAS_NETWORK;
        s->n_ifaces = (uint32_t)json_array_size(ifs);
        for (uint32_t i = 0; i < s->n_ifaces; i++)
            fill_iface(&s->ifaces[i], json_array_get(ifs, i));
        if (s->n_ifaces == 0 && json_object_get(v, "name") &&
            *json_string_value(json_object_get(v, "name"))) {
            fill_iface(&s->ifaces[0], v);
            s->n_ifaces = 1;
        }
    }
    if ((v = json_object_get(j, "filesystem")) != NULL)
        fill_fs(s, v);
    if ((v = json_object_get(j, "processes")) != NULL) {
        s->c.has |= CADV_HAS_PROCESSES;
        s->c.processes.process_count = u64_at(v, "process_count");
        s->c.processes.fd_count = u64_at(v, "fd_count");
        s->c.processes.socket_count = u64_at(v, "socket_count");
    }
    load = json_object_get(j, "task_stats") ? json_object_get(j, "task_stats")
                                            : json_object_get(j, "load_stats");
    s->c.cpu.nr_sleeping = u64_at(load, "nr_sleeping");
    s->c.cpu.nr_running = u64_at(load, "nr_running");
}

/* ---- rendering and comparing ---- */

static json_t *parse_output(struct cadv_buf *b, size_t flags)
{
    json_error_t err;
    json_t *j;

    cr_assert(!b->overflow);
    cr_assert_neq(b->len, 0);
    cr_assert_neq(b->data[b->len - 1], '\n', "no trailing newline");
    j = json_loadb(b->data, b->len, JSON_DECODE_ANY | flags, &err);
    cr_assert_not_null(j, "invalid JSON (%s): %.300s", err.text, b->data);
    return j;
}

static bool is_newer(const char *k)
{
    for (int i = 0; newer_keys[i]; i++)
        if (strcmp(k, newer_keys[i]) == 0)
            return true;
    return false;
}

/* Position of key among obj's keys (insertion order = output order), or -1. */
static int key_pos(json_t *obj, const char *key)
{
    const char *k;
    json_t *v;
    int i = 0;

    json_object_foreach(obj, k, v)
    {
        (void)v;
        if (strcmp(k, key) == 0)
            return i;
        i++;
    }
    return -1;
}

static void compare(json_t *ours, json_t *want, const char *path)
{
    char sub[512];

    if (json_is_object(want)) {
        const char *k;
        json_t *v;
        int last = -1;

        cr_assert(json_is_object(ours), "%s: want an object", path);
        json_object_foreach(want, k, v)
        {
            int pos = key_pos(ours, k);

            cr_assert(pos >= 0, "%s: key '%s' missing", path, k);
            cr_assert(pos > last, "%s: key '%s' out of order", path, k);
            last = pos;
            snprintf(sub, sizeof(sub), "%s.%s", path, k);
            compare(json_object_get(ours, k), v, sub);
        }
        json_object_foreach(ours, k, v)
        {
            (void)v;
            cr_assert(json_object_get(want, k) || is_newer(k), "%s: unexpected key '%s'", path, k);
        }
    } else if (json_is_array(want)) {
        cr_assert(json_is_array(ours), "%s: want an array", path);
        cr_assert_eq(json_array_size(ours), json_array_size(want), "%s: array length", path);
        for (size_t i = 0; i < json_array_size(want); i++) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            compare(json_array_get(ours, i), json_array_get(want, i), sub);
        }
    } else if (json_is_number(want)) {
        cr_assert(json_is_number(ours), "%s: want a number", path);
        cr_assert(fabs(json_number_value(ours) - json_number_value(want)) < 1e-9, "%s: %g != %g", path,
                  json_number_value(ours), json_number_value(want));
        if (json_is_integer(want))
            cr_assert_eq(json_integer_value(ours), json_integer_value(want), "%s", path);
    } else if (json_is_string(want)) {
        cr_assert(json_is_string(ours), "%s: want a string", path);
        cr_assert_str_eq(json_string_value(ours), json_string_value(want), "%s", path);
    } else {
        cr_assert(json_equal(ours, want), "%s: value differs", path);
    }
}

static void v1_info_from_fixture(struct cadv_json *w, const json_t *want)
{
    const json_t *stats = json_object_get(want, "stats"), *subs = json_object_get(want, "subcontainers");
    size_t n = json_array_size(stats), nk = json_array_size(subs);
    struct cadv_sample *samples = calloc(n + 1, sizeof(*samples));
    const char **kids = calloc(nk + 1, sizeof(*kids));
    struct cadv_spec spec;

    fill_spec(&spec, json_object_get(want, "spec"));
    for (size_t i = 0; i < n; i++)
        fill_sample(&samples[i], json_array_get(stats, i));
    for (size_t i = 0; i < nk; i++)
        kids[i] = json_string_value(json_object_get(json_array_get(subs, i), "name"));
    cadv_json_v1_container_info(w, json_string_value(json_object_get(want, "name")), &spec, kids, nk, samples,
                                n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        cadv_sample_done(&samples[i]);
    free(samples);
    free(kids);
    cadv_spec_done(&spec);
}

Test(json_container, v1_container_info_matches_cadvisor)
{
    json_t *want = fixture("container-v1.3-bench-active.json"), *ours;
    struct cadv_json w;
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    v1_info_from_fixture(&w, want);
    ours = parse_output(&b, 0);
    compare(ours, want, "");
    json_decref(ours);
    json_decref(want);
    cadv_buf_done(&b);
}

Test(json_container, v1_subcontainers_match_cadvisor)
{
    json_t *want = fixture("v1.3-subcontainers-bench-num_stats1.json"), *ours;
    struct cadv_json w;
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_arr_begin(&w);
    for (size_t i = 0; i < json_array_size(want); i++)
        v1_info_from_fixture(&w, json_array_get(want, i));
    cadv_json_arr_end(&w);
    ours = parse_output(&b, 0);
    compare(ours, want, "");
    json_decref(ours);
    json_decref(want);
    cadv_buf_done(&b);
}

/* A v2.0 stats response: spec has_* flags from the first element. */
static void v20_stats_from_fixture(const char *file, const char *name)
{
    json_t *want = fixture(file), *arr = json_object_get(want, name), *ours;
    size_t n = json_array_size(arr);
    struct cadv_sample *samples = calloc(n, sizeof(*samples));
    struct cadv_spec spec;
    struct cadv_json w;
    struct cadv_buf b;

    cr_assert_gt(n, 0);
    fill_spec(&spec, json_array_get(arr, 0));
    for (size_t i = 0; i < n; i++)
        fill_sample(&samples[i], json_array_get(arr, i));
    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_obj_begin(&w);
    cadv_json_key(&w, name);
    cadv_json_v20_stats_array(&w, &spec, samples, n, NULL, NULL);
    cadv_json_obj_end(&w);
    ours = parse_output(&b, 0);
    compare(ours, want, "");
    for (size_t i = 0; i < n; i++)
        cadv_sample_done(&samples[i]);
    free(samples);
    cadv_spec_done(&spec);
    json_decref(ours);
    json_decref(want);
    cadv_buf_done(&b);
}

/* Includes a cpu_inst computed by cAdvisor from the previous sample: ours must equal it. */
Test(json_container, v20_stats_match_cadvisor)
{
    v20_stats_from_fixture("v2-stats-bench-active.json", "/bench/active");
}

Test(json_container, v20_root_stats_match_cadvisor)
{
    v20_stats_from_fixture("v2-stats-root-count1.json", "/");
}

Test(json_container, v2_spec_matches_cadvisor)
{
    json_t *want = fixture("v2-spec-bench-active.json"), *ours;
    struct cadv_spec spec;
    struct cadv_json w;
    struct cadv_buf b;

    fill_spec(&spec, json_object_get(want, "/bench/active"));
    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_obj_begin(&w);
    cadv_json_key(&w, "/bench/active");
    cadv_json_v2_spec(&w, &spec, NULL, NULL);
    cadv_json_obj_end(&w);
    ours = parse_output(&b, 0);
    compare(ours, want, "");
    cadv_spec_done(&spec);
    json_decref(ours);
    json_decref(want);
    cadv_buf_done(&b);
}

/* ---- exact checks ---- */

typedef void (*render_fn)(struct cadv_json *w, void *ctx);

/* Renders with fn and returns the text (caller frees). */
static char *render(render_fn fn, void *ctx)
{
    struct cadv_json w;
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    fn(&w, ctx);
    /* Integers above INT64_MAX (unlimited memory) are valid JSON that jansson reads as reals. */
    json_decref(parse_output(&b, JSON_DECODE_INT_AS_REAL));
    return cadv_buf_steal(&b, NULL);
}

struct v1_ctx {
    const struct cadv_sample *s;
    size_t n;
    const struct cadv_spec *spec;
    const struct cadv_machine_info *m;
};

static void r_v1_stats(struct cadv_json *w, void *ctx)
{
    struct v1_ctx *c = ctx;

    cadv_json_v1_stats(w, c->s, c->m);
}

static void r_v1_spec(struct cadv_json *w, void *ctx)
{
    struct v1_ctx *c = ctx;

    cadv_json_v1_spec(w, c->spec, c->m);
}

static void r_v2_spec(struct cadv_json *w, void *ctx)
{
    struct v1_ctx *c = ctx;

    cadv_json_v2_spec(w, c->spec, c->m, NULL);
}

static void r_v2_stats(struct cadv_json *w, void *ctx)
{
    struct v1_ctx *c = ctx;

    cadv_json_v2_stats_array(w, c->spec, c->s, c->n, c->m, NULL);
}

static void r_v20_stats(struct cadv_json *w, void *ctx)
{
    struct v1_ctx *c = ctx;

    cadv_json_v20_stats_array(w, c->spec, c->s, c->n, c->m, NULL);
}

static void r_machine_stats(struct cadv_json *w, void *ctx)
{
    struct v1_ctx *c = ctx;

    cadv_json_v21_machine_stats(w, c->spec, c->s, c->n);
}

static void r_v1_info(struct cadv_json *w, void *ctx)
{
    struct v1_ctx *c = ctx;
    const char *kids[] = {"/docker/a", "/docker/b"};

    cadv_json_v1_container_info(w, "/docker/x", c->spec, kids, 2, c->s, c->n, c->m, NULL);
}

static void expect_has(const char *out, const char *needle)
{
    cr_expect(strstr(out, needle) != NULL, "missing %s in %s", needle, out);
}

static void expect_not(const char *out, const char *needle)
{
    cr_expect(strstr(out, needle) == NULL, "unexpected %s in %s", needle, out);
}

Test(json_container, v1_stats_omit_uncollected_parts)
{
    struct cadv_sample s;
    struct v1_ctx c = {.s = &s};
    char *out;

    cadv_sample_init(&s);
    out = render(r_v1_stats, &c);
    cr_expect_str_eq(out, "{\"timestamp\":\"0001-01-01T00:00:00Z\",\"task_stats\":{\"nr_sleeping\":0,"
                          "\"nr_running\":0,\"nr_stopped\":0,\"nr_uninterruptible\":0,\"nr_io_wait\":0},"
                          "\"resctrl\":{},\"cpuset\":{\"memory_migrate\":0},\"health\":{\"status\":\"\"}}");
    free(out);
}

Test(json_container, v1_network_flattens_first_interface_with_go_tcp_names)
{
    struct cadv_sample s;
    struct v1_ctx c = {.s = &s};
    char *out;

    cadv_sample_init_scratch(&s);
    s.c.has = CADV_HAS_NETWORK | CADV_HAS_TCP | CADV_HAS_UDP | CADV_HAS_ADVTCP;
    s.n_ifaces = 2;
    snprintf(s.ifaces[0].name, sizeof(s.ifaces[0].name), "eth0");
    s.ifaces[0].rx_bytes = 11;
    snprintf(s.ifaces[1].name, sizeof(s.ifaces[1].name), "eth1");
    s.net->tcp[CADV_TCP_LISTEN] = 3;
    s.net->udp6[2] = 9;
    s.net->tcp_adv[3] = (uint64_t)-1; /* MaxConn, an int64 */
    out = render(r_v1_stats, &c);
    expect_has(out, "\"network\":{\"name\":\"eth0\",\"rx_bytes\":11,");
    expect_has(out, "\"interfaces\":[{\"name\":\"eth0\",\"rx_bytes\":11,");
    expect_has(out, "{\"name\":\"eth1\",\"rx_bytes\":0,");
    expect_has(out, "\"tcp\":{\"Established\":0,\"SynSent\":0,");
    expect_has(out, "\"Listen\":3,\"Closing\":0}");
    expect_has(out, "\"udp6\":{\"Listen\":0,\"Dropped\":0,\"RxQueued\":9,\"TxQueued\":0}");
    expect_has(out, "\"tcp_advanced\":{\"RtoAlgorithm\":0,\"RtoMin\":0,\"RtoMax\":0,\"MaxConn\":-1,");
    expect_not(out, "\"cpu\":");
    cadv_sample_done(&s);
    free(out);
}

Test(json_container, v1_cpu_psi_and_signed_load)
{
    struct cadv_sample s;
    struct v1_ctx c = {.s = &s};
    char *out;

    cadv_sample_init_scratch(&s);
    s.c.has = CADV_HAS_CPU | CADV_HAS_CPU_PSI;
    s.c.timestamp_ns = 1700000000123456789ull;
    s.c.cpu.total_ns = 5;
    s.c.cpu.load_average = (uint32_t)-1500;
    s.c.cpu.psi.some.avg10_centi = 123;
    s.c.cpu.psi.some.total_us = 77;
    s.c.cpu.psi.full.avg300_centi = 5;
    out = render(r_v1_stats, &c);
    expect_has(out, "\"timestamp\":\"2023-11-14T22:13:20.123456789Z\"");
    expect_has(out, "\"usage\":{\"total\":5,\"user\":0,\"system\":0}");
    expect_has(out,
               "\"cfs\":{\"periods\":0,\"throttled_periods\":0,\"throttled_time\":0,\"bursts_periods\":0,"
               "\"burst_time\":0}");
    expect_has(out, "\"load_average\":-1500,\"load_d_average\":0,");
    expect_has(out, "\"psi\":{\"full\":{\"total\":0,\"avg10\":0,\"avg60\":0,\"avg300\":0.05},"
                    "\"some\":{\"total\":77,\"avg10\":1.23,\"avg60\":0,\"avg300\":0}}");
    /* Without the PSI bit the values are not trusted: zeros. */
    free(out);
    s.c.has = CADV_HAS_CPU;
    out = render(r_v1_stats, &c);
    expect_has(out, "\"some\":{\"total\":0,\"avg10\":0,");
    cadv_sample_done(&s);
    free(out);
}

Test(json_container, v1_diskio_devices_and_sorted_ops)
{
    struct cadv_disk_info disk = {.name = "sda", .dev_path = "/dev/sda", .major = 8, .minor = 0};
    struct cadv_machine_info m = {.disks = &disk, .n_disks = 1};
    struct cadv_sample s;
    struct v1_ctx c = {.s = &s, .m = &m};
    char *out;

    cadv_sample_init_scratch(&s);
    s.c.has = CADV_HAS_DISKIO;
    s.n_io = 3;
    s.io[0] = (struct cadv_io_entry){.major = 8,
                                     .minor = 0,
                                     .stat = CADV_IO_SERVICE_BYTES,
                                     .opmask = (1u << CADV_IO_OP_READ) | (1u << CADV_IO_OP_WRITE) |
                                               (1u << CADV_IO_OP_ASYNC) | (1u << CADV_IO_OP_TOTAL),
                                     .v = {[CADV_IO_OP_READ] = 1,
                                           [CADV_IO_OP_WRITE] = 2,
                                           [CADV_IO_OP_ASYNC] = 3,
                                           [CADV_IO_OP_TOTAL] = 4}};
    s.io[1] = (struct cadv_io_entry){.major = 253,
                                     .minor = 1,
                                     .stat = CADV_IO_SECTORS,
                                     .opmask = 1u << CADV_IO_OP_COUNT,
                                     .v = {[CADV_IO_OP_COUNT] = 7}};
    s.io[2] = (struct cadv_io_entry){.major = 253,
                                     .minor = 1,
                                     .stat = CADV_IO_SERVICE_BYTES,
                                     .opmask = 1u << CADV_IO_OP_READ,
                                     .v = {[CADV_IO_OP_READ] = 5}};
    out = render(r_v1_stats, &c);
    expect_has(out,
               "\"diskio\":{\"io_service_bytes\":[{\"device\":\"/dev/sda\",\"major\":8,\"minor\":0,"
               "\"stats\":{\"Async\":3,\"Read\":1,\"Total\":4,\"Write\":2}},{\"device\":\"\",\"major\":253,"
               "\"minor\":1,\"stats\":{\"Read\":5}}],\"sectors\":[{\"device\":\"\",\"major\":253,\"minor\":1,"
               "\"stats\":{\"Count\":7}}],\"psi\":{");
    expect_not(out, "io_serviced");
    cadv_sample_done(&s);
    free(out);
}

Test(json_container, v1_memory_numa_hugetlb_processes)
{
    struct cadv_sample s;
    struct v1_ctx c = {.s = &s};
    char *out;

    cadv_sample_init_scratch(&s);
    s.c.has = CADV_HAS_MEMORY | CADV_HAS_NUMA | CADV_HAS_HUGETLB | CADV_HAS_PROCESSES;
    s.c.memory.working_set = 9;
    s.c.memory.pgfault = 4;
    s.c.memory.events_high = 2;
    s.n_numa = 2;
    s.numa[0] = (struct cadv_numa_entry){.node = 2, .file = 20, .h_file = 21};
    s.numa[1] = (struct cadv_numa_entry){.node = 10, .file = 100, .anon = 1, .h_file = 101};
    s.n_hugetlb = 3;
    s.hugetlb[0] = (struct cadv_hugetlb_entry){.pagesize_bytes = 2u << 20, .usage = 0, .failcnt = 1};
    s.hugetlb[1] = (struct cadv_hugetlb_entry){.pagesize_bytes = 64u << 10, .max_usage = 5};
    s.hugetlb[2] = (struct cadv_hugetlb_entry){.pagesize_bytes = 1u << 30, .usage = 8};
    s.c.processes = (struct cadv_process_stats){.process_count = 3,
                                                .threads_max = 50,
                                                .has_ulimit = 1,
                                                .ulimit_soft = (uint64_t)-1,
                                                .ulimit_hard = 4096};
    out = render(r_v1_stats, &c);
    /* Go sorts map keys as strings: "10" before "2", "1GB" before "2MB" before "64KB". */
    expect_has(out, "\"container_data\":{\"pgfault\":4,\"pgmajfault\":0,\"numa_stats\":{\"file\":{\"10\":100,"
                    "\"2\":20},\"anon\":{\"10\":1,\"2\":0},\"unevictable\":{\"10\":0,\"2\":0}}}");
    expect_has(out,
               "\"hierarchical_data\":{\"pgfault\":4,\"pgmajfault\":0,\"numa_stats\":{\"file\":{\"10\":101,"
               "\"2\":21},");
    expect_has(out, "\"events\":{\"high\":2,\"max\":0}}");
    expect_has(out, "\"hugetlb\":{\"1GB\":{\"usage\":8,\"failcnt\":0},\"2MB\":{\"failcnt\":1},"
                    "\"64KB\":{\"max_usage\":5,\"failcnt\":0}}");
    expect_has(out, "\"processes\":{\"process_count\":3,\"fd_count\":0,\"socket_count\":0,\"threads_max\":50,"
                    "\"ulimits\":[{\"name\":\"max_open_files\",\"soft_limit\":-1,\"hard_limit\":4096}]}");
    /* Without the NUMA kind, numa_stats is an empty object. */
    free(out);
    s.c.has &= ~(uint64_t)CADV_HAS_NUMA;
    out = render(r_v1_stats, &c);
    expect_has(out, "\"container_data\":{\"pgfault\":4,\"pgmajfault\":0,\"numa_stats\":{}}");
    cadv_sample_done(&s);
    free(out);
}

static void docker_spec(struct cadv_spec *spec)
{
    cadv_spec_init(spec);
    spec->id = strdup("abc");
    spec->n_aliases = 2;
    spec->aliases = calloc(2, sizeof(char *));
    spec->aliases[0] = strdup("web1");
    spec->aliases[1] = strdup("abc");
    spec->namespace_ = strdup("docker");
    spec->image = strdup("nginx:1.27");
    cadv_kv_set(&spec->labels, &spec->n_labels, "b", "2");
    cadv_kv_set(&spec->labels, &spec->n_labels, "a", "<1>");
    spec->has_cpu = true;
    spec->cpu_limit = 1024;
    snprintf(spec->cpu_mask, sizeof(spec->cpu_mask), "0-3");
    spec->cpu_quota = 50000;
    spec->cpu_period = 100000;
    spec->has_memory = true;
    spec->memory_limit = 0;
    spec->memory_swap_limit = UINT64_MAX;
    spec->has_processes = true;
    spec->processes_limit = 100;
}

Test(json_container, specs_v1_and_v2)
{
    struct cadv_machine_info m = {.memory_capacity = 4096};
    struct cadv_spec spec;
    struct v1_ctx c = {.spec = &spec, .m = &m};
    char *out;

    docker_spec(&spec);
    out = render(r_v1_spec, &c);
    cr_expect_str_eq(
            out,
            "{\"creation_time\":\"0001-01-01T00:00:00Z\",\"start_time\":\"0001-01-01T00:00:00Z\","
            "\"labels\":{\"a\":\"\\u003c1\\u003e\",\"b\":\"2\"},\"has_cpu\":true,\"cpu\":{\"limit\":1024,"
            "\"max_limit\":0,\"mask\":\"0-3\",\"quota\":50000,\"period\":100000},\"has_memory\":true,"
            "\"memory\":{\"limit\":4096,\"swap_limit\":18446744073709551615},\"has_hugetlb\":false,"
            "\"has_network\":false,\"has_processes\":true,\"processes\":{\"limit\":100},"
            "\"has_filesystem\":false,\"has_diskio\":false,\"has_custom_metrics\":false,"
            "\"image\":\"nginx:1.27\"}");
    free(out);
    /* v2: aliases and namespace, no quota/period, processes never copied. */
    out = render(r_v2_spec, &c);
    cr_expect_str_eq(
            out,
            "{\"creation_time\":\"0001-01-01T00:00:00Z\",\"start_time\":\"0001-01-01T00:00:00Z\","
            "\"aliases\":[\"web1\",\"abc\"],\"namespace\":\"docker\",\"labels\":{\"a\":\"\\u003c1\\u003e\","
            "\"b\":\"2\"},\"has_cpu\":true,\"cpu\":{\"limit\":1024,\"max_limit\":0,\"mask\":\"0-3\"},"
            "\"has_memory\":true,\"memory\":{\"limit\":4096,\"swap_limit\":18446744073709551615},"
            "\"has_hugetlb\":false,\"has_custom_metrics\":false,\"has_processes\":true,\"processes\":{},"
            "\"has_network\":false,\"has_filesystem\":false,\"has_diskio\":false,"
            "\"image\":\"nginx:1.27\"}");
    free(out);
    /* Without has_memory the limit is not adjusted (and v2 drops memory altogether). */
    spec.has_memory = false;
    spec.has_cpu = false;
    out = render(r_v2_spec, &c);
    expect_has(out, "\"cpu\":{\"limit\":0,\"max_limit\":0},\"has_memory\":false,\"memory\":{},");
    free(out);
    out = render(r_v1_spec, &c);
    expect_has(out, "\"memory\":{\"swap_limit\":18446744073709551615}");
    free(out);
    cadv_spec_done(&spec);
}

Test(json_container, v1_container_info_reference_and_subcontainers)
{
    struct cadv_spec spec;
    struct v1_ctx c = {.spec = &spec};
    char *out;

    docker_spec(&spec);
    out = render(r_v1_info, &c);
    cr_expect(strncmp(out,
                      "{\"id\":\"abc\",\"name\":\"/docker/x\",\"aliases\":[\"web1\",\"abc\"],\"namespace\":"
                      "\"docker\",\"subcontainers\":[{\"name\":\"/docker/a\"},{\"name\":\"/docker/b\"}],"
                      "\"spec\":{",
                      strlen("{\"id\":\"abc\",\"name\":\"/docker/x\",\"aliases\":[\"web1\",\"abc\"],"
                             "\"namespace\":\"docker\",\"subcontainers\":[{\"name\":\"/docker/a\"},"
                             "{\"name\":\"/docker/b\"}],\"spec\":{")) == 0,
              "%s", out);
    expect_not(out, "\"stats\"");
    cadv_spec_done(&spec);
    free(out);
}

/* Two CPU samples one second apart; counters in ns. */
static void cpu_pair(struct cadv_sample *s)
{
    for (int i = 0; i < 2; i++) {
        cadv_sample_init_scratch(&s[i]);
        s[i].c.has = CADV_HAS_CPU | CADV_HAS_MEMORY | CADV_HAS_NETWORK | CADV_HAS_FILESYSTEM | CADV_HAS_TCP |
                     CADV_HAS_UDP;
        s[i].c.timestamp_ns = 1000000000ull * (uint64_t)(10 + i);
        s[i].n_percpu = 2;
        s[i].n_fs = 1;
        s[i].fs[0].usage = 100;
        s[i].fs[0].inodes = 7;
        s[i].net->udp[0] = 1;
        s[i].net->tcp[0] = 2;
    }
    s[0].c.cpu.total_ns = 1000;
    s[1].c.cpu.total_ns = 501000; /* 0.5 ms over 1 s: 500000 ns/s */
    s[1].c.cpu.user_ns = 3;
    s[0].percpu[0] = 10;
    s[1].percpu[0] = 20;
}

/* -detail_housekeeping_interval: samples 1 and 3 carry the detail (user, system, per-CPU) of samples
 * 0 and 2. The total's rate is over the samples' timestamps, the detail's over the detail reads'
 * (2 s apart): 1 s of user time per second at every sample that has an earlier detail read, never 0
 * then a doubled spike. */
Test(json_container, cpu_inst_detail_rates_over_detail_timestamps)
{
    struct cadv_sample s[4];
    struct cadv_spec spec;
    struct v1_ctx c = {.s = s, .n = 4, .spec = &spec};
    const char *p;
    char *out;

    for (int i = 0; i < 4; i++) {
        cadv_sample_init(&s[i]);
        s[i].c.has = CADV_HAS_CPU;
        s[i].c.timestamp_ns = 1000000000ull * (uint64_t)(10 + i);
        s[i].c.detail_timestamp_ns = 1000000000ull * (uint64_t)(10 + i / 2 * 2);
        s[i].c.cpu.total_ns = 500000000ull * (uint64_t)i; /* 0.5 s per second */
        s[i].c.cpu.user_ns = 1000000000ull * (uint64_t)(i / 2 * 2);
    }
    cadv_spec_init(&spec);
    spec.has_cpu = true;
    out = render(r_v2_stats, &c);
    /* Sample 1 has no earlier detail read in the array: no cpu_inst; 2 and 3 have one each. */
    p = strstr(out, "cpu_inst");
    cr_assert_not_null(p, "%s", out);
    cr_expect(strstr(out, "\"timestamp\":\"") < p);
    expect_has(out, "\"cpu_inst\":{\"usage\":{\"total\":500000000,\"user\":1000000000,\"system\":0}}");
    cr_expect_not_null(strstr(p + 1, "\"cpu_inst\":{\"usage\":{\"total\":500000000,\"user\":1000000000,"));
    cr_expect_null(strstr(strstr(p + 1, "cpu_inst") + 1, "cpu_inst"), "%s", out);
    free(out);
    /* Without the tier (each sample its own detail read) the same figures pair consecutive samples. */
    for (int i = 0; i < 4; i++)
        s[i].c.detail_timestamp_ns = 0;
    out = render(r_v2_stats, &c);
    expect_has(out, "\"cpu_inst\":{\"usage\":{\"total\":500000000,\"user\":0,\"system\":0}}");
    expect_has(out, "\"cpu_inst\":{\"usage\":{\"total\":500000000,\"user\":2000000000,\"system\":0}}");
    free(out);
    cadv_spec_done(&spec);
    for (int i = 0; i < 4; i++)
        cadv_sample_done(&s[i]);
}

Test(json_container, v2_stats_cpu_inst_and_parts)
{
    struct cadv_sample s[2];
    struct cadv_spec spec;
    struct v1_ctx c = {.s = s, .n = 2, .spec = &spec};
    char *out;

    cpu_pair(s);
    cadv_spec_init(&spec);
    spec.has_cpu = spec.has_memory = spec.has_network = spec.has_filesystem = spec.has_hugetlb = true;
    out = render(r_v2_stats, &c);
    expect_has(
            out,
            "\"cpu_inst\":{\"usage\":{\"total\":500000,\"per_cpu_usage\":[10,0],\"user\":3,\"system\":0}}");
    /* Only the second sample has a previous one. */
    cr_expect(strstr(strstr(out, "cpu_inst") + 1, "cpu_inst") == NULL);
    expect_has(out, "\"hugetlb\":null");
    expect_has(out, "\"network\":{\"tcp\":{\"Established\":2,");
    expect_has(out, "\"udp\":{\"Listen\":0,\"Dropped\":0,\"RxQueued\":0,\"TxQueued\":0}");
    expect_has(out,
               "\"filesystem\":{\"totalUsageBytes\":100,\"baseUsageBytes\":0,\"containter_inode_usage\":7}");
    expect_has(out, "\"resctrl\":{}}]");
    expect_not(out, "\"name\":");
    free(out);
    /* A decreasing counter or a changed CPU count: no cpu_inst. No cpu without has_cpu. */
    s[1].c.cpu.user_ns = 0;
    s[0].c.cpu.user_ns = 5;
    out = render(r_v2_stats, &c);
    expect_not(out, "cpu_inst");
    free(out);
    s[0].c.cpu.user_ns = 0;
    s[1].n_percpu = 1;
    out = render(r_v2_stats, &c);
    expect_not(out, "cpu_inst");
    free(out);
    spec.has_cpu = false;
    out = render(r_v2_stats, &c);
    expect_not(out, "\"cpu\"");
    free(out);
    cadv_sample_done(&s[0]);
    cadv_sample_done(&s[1]);
    cadv_spec_done(&spec);
}

Test(json_container, v20_stats_zero_structs)
{
    struct cadv_sample s[2];
    struct cadv_spec spec;
    struct v1_ctx c = {.s = s, .n = 1, .spec = &spec};
    char *out;

    cpu_pair(s);
    s[0].c.has |= CADV_HAS_PROCESSES;
    s[0].c.processes.process_count = 9;
    cadv_spec_init(&spec);
    spec.has_processes = true;
    out = render(r_v20_stats, &c);
    expect_has(out, "\"has_cpu\":false,\"cpu\":{\"usage\":{\"total\":0,\"user\":0,\"system\":0},");
    expect_has(out, "\"has_diskio\":false,\"diskio\":{\"psi\":{");
    expect_has(out, "\"has_memory\":false,\"memory\":{\"usage\":0,");
    expect_has(out, "\"has_hugetlb\":false,\"has_network\":false,\"network\":{\"tcp\":{\"Established\":0,");
    expect_has(
            out,
            "\"has_processes\":false,\"processes\":{\"process_count\":0,\"fd_count\":0,\"socket_count\":0},"
            "\"has_filesystem\":false,\"has_load\":false,\"load_stats\":{\"nr_sleeping\":0,");
    expect_has(out, "\"has_custom_metrics\":false,\"resctrl\":{}}]");
    cr_expect_eq(out[0], '[');
    free(out);
    c.n = 0;
    out = render(r_v20_stats, &c);
    cr_expect_str_eq(out, "[]");
    free(out);
    cadv_sample_done(&s[0]);
    cadv_sample_done(&s[1]);
    cadv_spec_done(&spec);
}

Test(json_container, v21_machine_stats_inline_object)
{
    struct cadv_sample s[2];
    struct cadv_spec spec;
    struct v1_ctx c = {.s = s, .n = 2, .spec = &spec};
    char *out;

    cpu_pair(s);
    snprintf(s[1].fs[0].device, sizeof(s[1].fs[0].device), "/dev/vda1");
    s[1].fs[0].read_time_ms = 12;
    s[1].fs[0].has_inodes = 1;
    s[1].fs[0].inodes_free = 5;
    cadv_spec_init(&spec);
    spec.has_cpu = spec.has_filesystem = true;
    out = render(r_machine_stats, &c);
    expect_has(out, "\"filesystem\":[{\"device\":\"/dev/vda1\",\"type\":\"\",\"capacity\":0,\"usage\":100,"
                    "\"available\":0,\"inodes_free\":5,\"inline\":{\"reads_completed\":0,\"reads_merged\":0,"
                    "\"sectors_read\":0,\"read_duration\":12000000,\"writes_completed\":0,");
    expect_has(out, "\"weighted_io_duration\":0}}]}]");
    expect_has(out, "\"cpu_inst\":");
    expect_not(out, "\"memory\"");
    expect_not(out, "load_stats");
    free(out);
    c.n = 0;
    out = render(r_machine_stats, &c);
    cr_expect_str_eq(out, "null");
    free(out);
    cadv_sample_done(&s[0]);
    cadv_sample_done(&s[1]);
    cadv_spec_done(&spec);
}
