/* SPDX-License-Identifier: Apache-2.0 */
/* test_perf_uncore.c - uncore perf events on a fixture sysfs tree (tests/fixtures/sysfs/uncore,
 * shaped like a two-socket Skylake-SP's /sys: these VMs have no uncore PMU): PMU discovery, cpumask,
 * format/ and events/ parsing, event encoding into config words, resolution of cAdvisor's uncore
 * config (prefix match, custom events by type, grouped events refused), sockets, and the
 * perf_uncore_stats JSON and container_perf_uncore_* families. The system-wide open and read path is
 * exercised for real through the fixture's "uncore_sw" PMU, whose type is the kernel's software PMU
 * (a real uncore type cannot be opened here). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/perf.h"
#include "collect/perf_uncore.h"
#include "core/buf.h"
#include "core/json.h"
#include "model/kinds.h"
#include "model/sample.h"
#include "tu_render.h"
#include "wire/json_container.h"

#define SYS CADV_FIXTURES "/sysfs/uncore"

Test(perf_uncore, cpulist)
{
    uint32_t cpus[8];
    size_t n = 0;

    cr_assert_eq(cadv_uncore_cpulist_parse("0,18\n", 5, cpus, 8, &n), 0);
    cr_expect(n == 2 && cpus[0] == 0 && cpus[1] == 18);
    cr_assert_eq(cadv_uncore_cpulist_parse("0-2,7", 5, cpus, 8, &n), 0);
    cr_expect(n == 4 && cpus[2] == 2 && cpus[3] == 7);
    cr_expect_eq(cadv_uncore_cpulist_parse("0-9", 3, cpus, 8, &n), -E2BIG);
    cr_expect_eq(cadv_uncore_cpulist_parse("", 0, cpus, 8, &n), -EINVAL);
    cr_expect_eq(cadv_uncore_cpulist_parse("3-1", 3, cpus, 8, &n), -EINVAL);
    cr_expect_eq(cadv_uncore_cpulist_parse("0,,1", 4, cpus, 8, &n), -EINVAL);
    cr_expect_eq(cadv_uncore_cpulist_parse("99999", 5, cpus, 8, &n), -EINVAL);
    cr_expect_eq(cadv_uncore_cpulist_parse("0x1", 3, cpus, 8, &n), -EINVAL);
}

Test(perf_uncore, format_fields)
{
    struct cadv_uncore_format f;

    cr_assert_eq(cadv_uncore_format_parse("config:0-7\n", 11, &f), 0);
    cr_expect(f.word == 0 && f.n_ranges == 1 && f.lo[0] == 0 && f.hi[0] == 7);
    cr_assert_eq(cadv_uncore_format_parse("config1:0-15,32-35", 18, &f), 0);
    cr_expect(f.word == 1 && f.n_ranges == 2 && f.lo[1] == 32 && f.hi[1] == 35);
    cr_assert_eq(cadv_uncore_format_parse("config2:21", 10, &f), 0);
    cr_expect(f.word == 2 && f.lo[0] == 21 && f.hi[0] == 21);
    cr_expect_eq(cadv_uncore_format_parse("config3:1", 9, &f), -EINVAL);
    cr_expect_eq(cadv_uncore_format_parse("config:0-64", 11, &f), -EINVAL);
    cr_expect_eq(cadv_uncore_format_parse("config:7-0", 10, &f), -EINVAL);
    cr_expect_eq(cadv_uncore_format_parse("cfg:1", 5, &f), -EINVAL);
    cr_expect_eq(cadv_uncore_format_parse("config:", 7, &f), -EINVAL);
    cr_expect_eq(cadv_uncore_format_parse("config:1,2,3,4,5,6,7,8,9", 24, &f), -EINVAL);
}

Test(perf_uncore, discovery_of_the_fixture)
{
    struct cadv_uncore_pmu *p = NULL;
    int n = cadv_uncore_pmus_discover(SYS, &p);

    /* uncore_broken (type not a number) and uncore_nomask are left out; "cpu" is not uncore. */
    cr_assert_eq(n, 4);
    cr_expect_str_eq(p[0].name, "uncore_cha_0");
    cr_expect(p[0].type == 20 && p[0].n_cpus == 2 && p[0].cpus[1] == 1);
    cr_expect_str_eq(p[1].name, "uncore_imc_0");
    cr_expect(p[1].type == 14 && p[1].n_cpus == 2 && p[1].cpus[0] == 0 && p[1].cpus[1] == 18);
    cr_expect_str_eq(p[2].name, "uncore_imc_1");
    cr_expect_str_eq(p[3].name, "uncore_sw");
    free(p);
    cr_expect_eq(cadv_uncore_pmus_discover("/nonexistent", &p), -ENOENT);
    cr_expect_eq(cadv_uncore_socket_of_cpu(SYS, 0), 0);
    cr_expect_eq(cadv_uncore_socket_of_cpu(SYS, 18), 1);
    cr_expect_eq(cadv_uncore_socket_of_cpu(SYS, 5), -1);
}

Test(perf_uncore, event_encoding)
{
    struct cadv_uncore_pmu *p = NULL;
    uint64_t c[3];
    char err[256] = "";

    cr_assert_eq(cadv_uncore_pmus_discover(SYS, &p), 4);
    cr_assert_eq(cadv_uncore_event_encode(SYS, &p[1], "cas_count_read", c, err, sizeof(err)), 0, "%s", err);
    cr_expect(c[0] == 0x0304 && c[1] == 0 && c[2] == 0, "%llx", (unsigned long long)c[0]);
    /* umask 0x111 spreads over bits 8-15 and 32-35; filter_tid goes to config1. */
    cr_assert_eq(cadv_uncore_event_encode(SYS, &p[0], "llc_lookup", c, err, sizeof(err)), 0, "%s", err);
    cr_expect(c[0] == 0x100001134ull && c[1] == 0x1ff, "%llx %llx", (unsigned long long)c[0],
              (unsigned long long)c[1]);
    cr_assert_eq(
            cadv_uncore_event_encode(SYS, &p[1], "event=0x1, umask=2,edge,thresh=3", c, err, sizeof(err)), 0,
            "%s", err);
    cr_expect(c[0] == (0x1 | 0x200 | 1u << 18 | 3u << 24), "%llx", (unsigned long long)c[0]);
    cr_assert_eq(cadv_uncore_event_encode(SYS, &p[1], "config=0xabc,config1=7", c, err, sizeof(err)), 0);
    cr_expect(c[0] == 0xabc && c[1] == 7);
    cr_expect_eq(cadv_uncore_event_encode(SYS, &p[1], "no_such_alias", c, err, sizeof(err)), -ENOENT);
    cr_expect_eq(
            cadv_uncore_event_encode(SYS, &p[1], "../uncore_cha_0/events/llc_lookup", c, err, sizeof(err)),
            -ENOENT);
    cr_expect_eq(cadv_uncore_event_encode(SYS, &p[1], "event=0x100", c, err, sizeof(err)), -ERANGE);
    cr_expect(strstr(err, "wider than its field") != NULL, "%s", err);
    cr_expect_eq(cadv_uncore_event_encode(SYS, &p[1], "nosuch=1", c, err, sizeof(err)), -ENOENT);
    cr_expect(strstr(err, "no such format field") != NULL, "%s", err);
    cr_expect_eq(cadv_uncore_event_encode(SYS, &p[1], "event=../../x", c, err, sizeof(err)), -EINVAL);
    cr_expect_eq(cadv_uncore_event_encode(SYS, &p[1], "umask/..=1", c, err, sizeof(err)), -EINVAL);
    cr_expect_eq(cadv_uncore_event_encode(SYS, &p[1], "event=1,", c, err, sizeof(err)), -EINVAL);
    free(p);
}

static char reported[2048];

static void report(void *userdata, const char *event, const char *why)
{
    (void)userdata;
    snprintf(reported + strlen(reported), sizeof(reported) - strlen(reported), "%s: %s;", event, why);
}

static const char config[] =
        "{\"uncore\":{\"events\":[\"uncore_imc/cas_count_read\",[\"uncore_imc/clockticks\",\"uncore_imc/"
        "cas_count_write\"],\"uncore_cha/llc_lookup\",\"uncore_imc_0/event=0x1,umask=0x2\",\"nosuchpmu/x\","
        "\"uncore_sw/bad_term\",\"raw_on_type_15\",\"uncore_imc/raw_all\",\"no_prefix\"],"
        "\"custom_events\":[{\"type\":15,\"config\":[\"0x304\"],\"name\":\"raw_on_type_15\"},"
        "{\"config\":[\"0x5\",\"0x6\"],\"name\":\"uncore_imc/raw_all\"}]}}";

Test(perf_uncore, config_resolution)
{
    struct cadv_perf_config *cfg = NULL;
    const char *pmu = NULL;
    uint64_t c[3];
    uint32_t cpu = 0, type = 0;
    int socket = 0;
    char err[256] = "";

    cr_assert_eq(cadv_perf_config_parse(config, strlen(config), &cfg, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(cadv_perf_config_resolve(cfg, NULL, NULL), 0); /* no core event */
    reported[0] = '\0';
    /* cas_count_read 2 PMUs x 2 CPUs, llc_lookup 1 x 2, terms 1 x 2, raw type 15 1 x 2, raw_all 2 x 2 */
    cr_assert_eq(cadv_perf_config_resolve_uncore(cfg, SYS, report, NULL), 14, "%s", reported);
    cr_expect(strstr(reported, "uncore_imc/clockticks: grouping uncore perf events is not supported") != NULL,
              "%s", reported);
    cr_expect(strstr(reported, "uncore_imc/cas_count_write: grouping") != NULL);
    cr_expect(strstr(reported, "nosuchpmu/x: no uncore PMU named \"nosuchpmu*\"") != NULL, "%s", reported);
    cr_expect(strstr(reported, "uncore_sw/bad_term: term \"nosuch\": no such format field") != NULL, "%s",
              reported);
    cr_expect(strstr(reported, "no_prefix: no uncore PMU named \"*\"") != NULL, "%s", reported);
    cr_expect_eq(cadv_perf_config_n_uncore(cfg), 14);

    cr_expect_str_eq(cadv_perf_config_uncore(cfg, 1, &pmu, &socket, &cpu, &type, c),
                     "uncore_imc/cas_count_read");
    cr_expect(strcmp(pmu, "uncore_imc_0") == 0 && socket == 1 && cpu == 18 && type == 14 && c[0] == 0x304);
    cr_expect_str_eq(cadv_perf_config_uncore(cfg, 2, &pmu, &socket, &cpu, &type, c),
                     "uncore_imc/cas_count_read");
    cr_expect(strcmp(pmu, "uncore_imc_1") == 0 && socket == 0 && type == 15);
    cr_expect_str_eq(cadv_perf_config_uncore(cfg, 4, &pmu, &socket, &cpu, &type, c), "uncore_cha/llc_lookup");
    cr_expect(cpu == 0 && c[0] == 0x100001134ull && c[1] == 0x1ff);
    cr_expect_str_eq(cadv_perf_config_uncore(cfg, 6, &pmu, NULL, NULL, &type, c),
                     "uncore_imc_0/event=0x1,umask=0x2");
    cr_expect(strcmp(pmu, "uncore_imc_0") == 0 && c[0] == 0x201);
    cr_expect_str_eq(cadv_perf_config_uncore(cfg, 8, &pmu, NULL, NULL, &type, c), "raw_on_type_15");
    cr_expect(strcmp(pmu, "uncore_imc_1") == 0 && type == 15 && c[0] == 0x304);
    cr_expect_str_eq(cadv_perf_config_uncore(cfg, 10, &pmu, NULL, NULL, &type, c), "uncore_imc/raw_all");
    cr_expect(strcmp(pmu, "uncore_imc_0") == 0 && type == 14 && c[0] == 5 && c[1] == 6);
    cr_expect_null(cadv_perf_config_uncore(cfg, 14, NULL, NULL, NULL, NULL, NULL));

    /* Without uncore PMUs every uncore event is reported. */
    reported[0] = '\0';
    cr_expect_eq(cadv_perf_config_resolve_uncore(cfg, "/nonexistent", report, NULL), 0);
    cr_expect(strstr(reported, "uncore_imc/cas_count_read: no uncore PMU under /nonexistent") != NULL, "%s",
              reported);
    cadv_perf_config_free(cfg);
}

/* The fixture's uncore_sw PMU has the software PMU's type: its cpu_clock alias (swevent=0 =
 * PERF_COUNT_SW_CPU_CLOCK) opens system-wide on CPU 0 as a real uncore counter would. */
Test(perf_uncore, system_wide_counter_counts_and_renders)
{
    static const char sw[] = "{\"core\":{\"events\":[\"task-clock\"]},\"uncore\":{\"events\":[\"uncore_sw/"
                             "cpu_clock\"]}}";
    struct cadv_perf_config *cfg = NULL;
    struct cadv_perf_counters *pc = NULL;
    struct cadv_sample s;
    struct cadv_json w;
    struct cadv_buf b;
    const char *pmu;
    int socket, r;
    char *out;

    cr_assert_eq(cadv_perf_config_parse(sw, strlen(sw), &cfg, NULL, 0), 0);
    cr_assert_eq(cadv_perf_config_resolve_uncore(cfg, SYS, NULL, NULL), 1);
    r = cadv_perf_counters_open_uncore(cfg, &pc);
    if (r == -EACCES || r == -EPERM || r == -ENOENT || r == -ENOSYS) {
        cadv_perf_config_free(cfg);
        cr_skip_test("system-wide perf counters not allowed here (%d)", r);
    }
    cr_assert_eq(r, 1);
    for (volatile unsigned long i = 0; i < 5000000; i++)
        ;
    cadv_sample_init_scratch(&s);
    s.net = NULL;
    cr_assert_eq(cadv_perf_counters_read(pc, &s), 1);
    cr_expect(cadv_perf_event_is_uncore(s.perf[0].event));
    cr_expect_gt(s.perf[0].value, 0);
    cr_expect_str_eq(cadv_perf_uncore_name(s.perf[0].event, &pmu, &socket), ""); /* none installed */
    cadv_perf_config_install(cfg);
    cr_expect_str_eq(cadv_perf_uncore_name(s.perf[0].event, &pmu, &socket), "uncore_sw/cpu_clock");
    cr_expect(strcmp(pmu, "uncore_sw") == 0 && socket == 0);

    /* REST: perf_uncore_stats only, no perf_stats; /metrics: the uncore families with cAdvisor's labels. */
    s.perf[0].value = 1234;
    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_v1_stats(&w, &s, NULL);
    cadv_buf_append(&b, "", 1);
    cr_expect(strstr(b.data,
                     "\"perf_uncore_stats\":[{\"scaling_ratio\":1,\"value\":1234,\"name\":\"uncore_sw/"
                     "cpu_clock\",\"socket\":0,\"pmu\":\"uncore_sw\"}]") != NULL,
              "%s", b.data);
    cr_expect(strstr(b.data, "\"perf_stats\"") == NULL, "%s", b.data);
    cadv_buf_done(&b);
    out = tu_render(&s, CADV_KIND_PERF_EVENT | CADV_KIND_PERCPU);
    cr_expect(strstr(out, "container_perf_uncore_events_total{event=\"uncore_sw/cpu_clock\",id=\"/c\",pmu=\""
                          "uncore_sw\",socket=\"0\"} 1234\n") != NULL,
              "%s", out);
    cr_expect(strstr(out,
                     "container_perf_uncore_events_scaling_ratio{event=\"uncore_sw/cpu_clock\",id=\"/c\","
                     "pmu=\"uncore_sw\",socket=\"0\"} 1\n") != NULL,
              "%s", out);
    cr_expect(strstr(out, "container_perf_events_total{") == NULL, "%s", out);
    free(out);
    cadv_perf_config_install(NULL);
    cadv_sample_done(&s);
    cadv_perf_counters_free(pc);
    cadv_perf_config_free(cfg);
}
