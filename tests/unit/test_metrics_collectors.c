/* SPDX-License-Identifier: Apache-2.0 */
/* test_metrics_collectors.c - the perf and resctrl families in /metrics: per-CPU perf series with the
 * percpu kind, summed per event (cpu="", smallest ratio) without it, resctrl per node_id, and each
 * gated by its kind. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "collect/perf.h"
#include "core/buf.h"
#include "model/kinds.h"
#include "model/sample.h"
#include "model/spec.h"
#include "tu_render.h"

static const char config[] = "{\"core\":{\"events\":[\"task-clock\",\"page-faults\"]}}";

static void set_perf(struct cadv_perf_entry *e, uint64_t event, uint64_t cpu, uint64_t value, double ratio)
{
    *e = (struct cadv_perf_entry){.event = event, .cpu = cpu, .value = value};
    memcpy(&e->scaling_ratio, &ratio, sizeof(ratio));
}

static bool has(const char *text, const char *line)
{
    const char *p = strstr(text, line);

    return p && (p == text || p[-1] == '\n') && p[strlen(line)] == '\n';
}

Test(metrics_collectors, perf_and_resctrl)
{
    struct cadv_perf_config *cfg = NULL;
    struct cadv_sample s;
    char *out;

    cr_assert_eq(cadv_perf_config_parse(config, strlen(config), &cfg, NULL, 0), 0);
    cadv_perf_config_install(cfg);
    cadv_sample_init_scratch(&s);
    s.net = NULL;
    s.n_perf = 4;
    set_perf(&s.perf[0], 0, 0, 1000, 1.0);
    set_perf(&s.perf[1], 1, 0, 7, 1.0);
    set_perf(&s.perf[2], 0, 1, 3000, 0.25);
    set_perf(&s.perf[3], 1, 1, 5, 0.5);
    s.n_resctrl = 2;
    s.resctrl[0] = (struct cadv_resctrl_entry){7, 1000, 600, 4096};
    s.resctrl[1] = (struct cadv_resctrl_entry){4, 0, 0, 8192};

    out = tu_render(&s, CADV_KIND_PERF_EVENT | CADV_KIND_PERCPU);
    cr_expect(has(out, "container_perf_events_total{cpu=\"0\",event=\"task-clock\",id=\"/"
                       "c\"} 1000"),
              "%s", out);
    cr_expect(has(out, "container_perf_events_total{cpu=\"1\",event=\"task-clock\",id=\"/"
                       "c\"} 3000"));
    cr_expect(has(out, "container_perf_events_scaling_ratio{cpu=\"1\",event=\"task-clock\",id=\"/"
                       "c\"} "
                       "0.25"));
    cr_expect(strstr(out, "container_llc_occupancy_bytes") == NULL);
    free(out);

    out = tu_render(&s, CADV_KIND_PERF_EVENT | CADV_KIND_RESCTRL);
    cr_expect(has(out, "container_perf_events_total{cpu=\"\",event=\"task-clock\",id=\"/"
                       "c\"} 4000"),
              "%s", out);
    cr_expect(has(out, "container_perf_events_total{cpu=\"\",event=\"page-faults\",id=\"/c\"} 12"));
    cr_expect(has(out, "container_perf_events_scaling_ratio{cpu=\"\",event=\"task-clock\",id=\"/"
                       "c\"} "
                       "0.25"));
    cr_expect(has(out, "container_perf_events_scaling_ratio{cpu=\"\",event=\"page-faults\",id=\"/"
                       "c\"} "
                       "0.5"));
    cr_expect(has(out, "container_memory_bandwidth_bytes{id=\"/c\",node_id=\"0\"} 1000"), "%s", out);
    cr_expect(has(out, "container_memory_bandwidth_local_bytes{id=\"/c\",node_id=\"0\"} 600"));
    cr_expect(has(out, "container_llc_occupancy_bytes{id=\"/c\",node_id=\"1\"} 8192"));
    free(out);

    out = tu_render(&s, CADV_KIND_CPU);
    cr_expect(strstr(out, "container_perf_events") == NULL);
    cr_expect(strstr(out, "container_memory_bandwidth") == NULL);
    free(out);

    cadv_perf_config_install(NULL);
    cadv_perf_config_free(cfg);
    cadv_sample_done(&s);
}
