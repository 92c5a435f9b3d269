/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_machine.c - cAdvisor's machine_* families (lib/metrics/prometheus_machine.go,
 * docs/compatibility.md#machine-metrics), cadvisor_version_info and the scrape error gauges, the process_*
 * families of the Go client's process collector, and cadv's own health (cadv_*). */
#include "wire/metrics_machine.h"

#include <stddef.h>
#include <string.h>

#include "model/kinds.h"
#include "model/machine.h"

#define GAUGE   CADV_PROM_GAUGE
#define COUNTER CADV_PROM_COUNTER

/* ---- machine ---- */

/* f->off: offset of an int field in struct cadv_machine_info (f->scale 1) or of a uint64_t (scale 0). */
static void gen_machine_scalar(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                               const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const char *p = (const char *)in->machine + f->off;

    (void)it;
    if (f->scale == 1) {
        int v;

        memcpy(&v, p, sizeof(v));
        cadv_prom_i64(e, v, NULL);
    } else {
        uint64_t v;

        memcpy(&v, p, sizeof(v));
        cadv_prom_u64(e, v, NULL);
    }
}

/* f->off: 0 DIMM count, 1 capacity. */
static void gen_dimm(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                     const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_machine_info *m = in->machine;

    (void)it;
    for (size_t i = 0; i < m->n_memory_by_type; i++) {
        const struct cadv_memory_type_info *t = &m->memory_by_type[i];
        const char *type = t->type ? t->type : "";

        cadv_prom_u64(e, f->off ? t->capacity : t->dimm_count, (const char *[]){type});
    }
}

/* NVM figures are no longer gathered by cAdvisor (v0.60): always zero. */
static void gen_nvm_capacity(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                             const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    (void)f;
    (void)in;
    (void)it;
    cadv_prom_u64(e, 0, (const char *[]){"app_direct_mode"});
    cadv_prom_u64(e, 0, (const char *[]){"memory_mode"});
}

static void gen_zero(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                     const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    (void)f;
    (void)in;
    (void)it;
    cadv_prom_u64(e, 0, NULL);
}

static void cache_series(struct cadv_prom_emit *e, const char *node, const char *core,
                         const struct cadv_cache_info *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cadv_prom_u64(e, c[i].size_bytes,
                      (const char *[]){node, core, c[i].type, cadv_prom_num(e, c[i].level)});
}

static void gen_caches(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                       const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_machine_info *m = in->machine;

    (void)f;
    (void)it;
    for (size_t i = 0; i < m->n_nodes; i++) {
        const struct cadv_node_info *nd = &m->topology[i];
        const char *node = cadv_prom_num(e, nd->node_id);

        for (size_t k = 0; k < nd->n_cores; k++) {
            const struct cadv_core_info *c = &nd->cores[k];
            const char *core = cadv_prom_num(e, c->core_id);

            cache_series(e, node, core, c->caches, c->n_caches);
            cache_series(e, node, core, c->uncore_caches, c->n_uncore_caches);
        }
        cache_series(e, node, "", nd->caches, nd->n_caches);
    }
}

static void gen_siblings(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                         const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_machine_info *m = in->machine;

    (void)f;
    (void)it;
    for (size_t i = 0; i < m->n_nodes; i++) {
        const struct cadv_node_info *nd = &m->topology[i];
        const char *node = cadv_prom_num(e, nd->node_id);

        for (size_t k = 0; k < nd->n_cores; k++) {
            const struct cadv_core_info *c = &nd->cores[k];
            const char *core = cadv_prom_num(e, c->core_id);

            for (size_t t = 0; t < c->n_threads; t++)
                cadv_prom_u64(e, c->n_threads,
                              (const char *[]){node, core, cadv_prom_num(e, c->thread_ids[t])});
        }
    }
}

static void gen_node_memory(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                            const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_machine_info *m = in->machine;

    (void)f;
    (void)it;
    for (size_t i = 0; i < m->n_nodes; i++)
        cadv_prom_u64(e, m->topology[i].memory_bytes,
                      (const char *[]){cadv_prom_num(e, m->topology[i].node_id)});
}

static void gen_node_hugepages(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                               const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_machine_info *m = in->machine;

    (void)f;
    (void)it;
    for (size_t i = 0; i < m->n_nodes; i++) {
        const struct cadv_node_info *nd = &m->topology[i];
        const char *node = cadv_prom_num(e, nd->node_id);

        for (size_t k = 0; k < nd->n_hugepages; k++)
            cadv_prom_u64(e, nd->hugepages[k].num_pages,
                          (const char *[]){node, cadv_prom_num(e, (int64_t)nd->hugepages[k].page_size_kb)});
    }
}

static void gen_node_distance(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                              const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_machine_info *m = in->machine;

    (void)f;
    (void)it;
    for (size_t i = 0; i < m->n_nodes; i++) {
        const struct cadv_node_info *nd = &m->topology[i];
        const char *node = cadv_prom_num(e, nd->node_id);

        for (size_t k = 0; k < nd->n_distances; k++)
            cadv_prom_u64(e, nd->distances[k], (const char *[]){node, cadv_prom_num(e, (int64_t)k)});
    }
}

/* ---- global ---- */

static void gen_version(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                        const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_machine_info *m = in->machine;
    const char *kernel = m && m->kernel_version ? m->kernel_version : "";
    const char *os = m && m->os_version ? m->os_version : "";
    const char *docker = m && m->docker_version ? m->docker_version : "";

    (void)f;
    (void)it;
    cadv_prom_u64(e, 1, (const char *[]){kernel, os, docker, in->version ? in->version : "", "cadv"});
}

static void gen_container_error(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                                const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    (void)f;
    (void)it;
    cadv_prom_u64(e, in->container_error ? 1 : 0, NULL);
}

static void gen_machine_error(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                              const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    (void)f;
    (void)it;
    cadv_prom_u64(e, in->machine ? 0 : 1, NULL);
}

/* f->off: offset of a double in struct cadv_metrics_self. */
static void gen_process(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                        const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    double v;

    (void)it;
    if (!in->self || !in->self->has_process)
        return;
    memcpy(&v, (const char *)in->self + f->off, sizeof(v));
    cadv_prom_double(e, v, NULL);
}

/* f->off: offset of a uint64_t in struct cadv_metrics_self (manager stats inside), / 10^f->scale. */
static void gen_health(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                       const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    uint64_t v;

    (void)it;
    if (!in->self || !in->self->has_manager)
        return;
    memcpy(&v, (const char *)in->self + f->off, sizeof(v));
    cadv_prom_scaled(e, v, f->scale, NULL);
}

/* The collector in use: files, or bpf with its pass. */
static void gen_collector(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                          const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const char *path;

    (void)f;
    (void)it;
    if (!in->self || !in->self->has_manager)
        return;
    path = in->self->stats.bpf_path;
    cadv_prom_u64(e, 1, (const char *[]){path ? "bpf" : "files", path ? path : ""});
}

/* Like gen_health, only while the BPF collector serves the root. */
static void gen_bpf_health(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                           const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    if (in->self && in->self->has_manager && in->self->stats.bpf_path)
        gen_health(e, f, in, it);
}

/* ---- the table ---- */

#define M_GEN(n, h, k, fn, o, sc)                                                                      \
    {                                                                                                  \
        .name = (n), .help = (h), .type = GAUGE, .scope = CADV_PROM_MACHINE, .kind = (k), .gen = (fn), \
        .off = (uint16_t)(o), .scale = (sc)                                                            \
    }
#define M_GENX(n, h, k, fn, o, ne, ...)                                                                \
    {                                                                                                  \
        .name = (n), .help = (h), .type = GAUGE, .scope = CADV_PROM_MACHINE, .kind = (k), .gen = (fn), \
        .off = (uint16_t)(o), .n_extra = (ne), .extra = {                                              \
            __VA_ARGS__                                                                                \
        }                                                                                              \
    }
#define G_GEN(n, h, t, fn, o, sc)                                                                            \
    {                                                                                                        \
        .name = (n), .help = (h), .type = (t), .scope = CADV_PROM_GLOBAL, .gen = (fn), .off = (uint16_t)(o), \
        .scale = (sc)                                                                                        \
    }
#define MI(f)   offsetof(struct cadv_machine_info, f)
#define SELF(f) offsetof(struct cadv_metrics_self, f)
#define MS(f)   (offsetof(struct cadv_metrics_self, stats) + offsetof(struct cadv_manager_stats, f))
#define TOPO    CADV_KIND_CPU_TOPOLOGY

const struct cadv_prom_family cadv_prom_machine_families[] = {
        M_GEN("machine_cpu_physical_cores", "Number of physical CPU cores.", 0, gen_machine_scalar,
              MI(num_physical_cores), 1),
        M_GEN("machine_cpu_cores", "Number of CPU cores on the machine.", 0, gen_machine_scalar,
              MI(num_cores), 1),
        M_GEN("machine_cpu_sockets", "Number of CPU sockets.", 0, gen_machine_scalar, MI(num_sockets), 1),
        M_GEN("machine_cpu_books", "Number of CPU books.", 0, gen_machine_scalar, MI(num_books), 1),
        M_GEN("machine_cpu_drawers", "Number of CPU drawers.", 0, gen_machine_scalar, MI(num_drawers), 1),
        M_GEN("machine_memory_bytes", "Amount of memory installed on the machine.", 0, gen_machine_scalar,
              MI(memory_capacity), 0),
        M_GEN("machine_swap_bytes", "Amount of swap memory available on the machine.", 0, gen_machine_scalar,
              MI(swap_capacity), 0),
        M_GENX("machine_dimm_count",
               "Number of RAM DIMM (all types memory modules) value labeled by dimm type.", 0, gen_dimm, 0, 1,
               "type"),
        M_GENX("machine_dimm_capacity_bytes",
               "Total RAM DIMM capacity (all types memory modules) value labeled by dimm type.", 0, gen_dimm,
               1, 1, "type"),
        M_GENX("machine_nvm_capacity",
               "NVM capacity value labeled by NVM mode (memory mode or app direct mode).", 0,
               gen_nvm_capacity, 0, 1, "mode"),
        M_GEN("machine_nvm_avg_power_budget_watts", "NVM power budget.", 0, gen_zero, 0, 0),
        M_GENX("machine_cpu_cache_capacity_bytes", "Cache size in bytes assigned to NUMA node and CPU core.",
               TOPO, gen_caches, 0, 4, "node_id", "core_id", "type", "level"),
        M_GENX("machine_thread_siblings_count", "Number of CPU thread siblings.", TOPO, gen_siblings, 0, 3,
               "node_id", "core_id", "thread_id"),
        M_GENX("machine_node_memory_capacity_bytes", "Amount of memory assigned to NUMA node.", TOPO,
               gen_node_memory, 0, 1, "node_id"),
        M_GENX("machine_node_hugepages_count", "Numer of hugepages assigned to NUMA node.", TOPO,
               gen_node_hugepages, 0, 2, "node_id", "page_size"),
        M_GENX("machine_node_distance", "Distance between NUMA node and target NUMA node.", TOPO,
               gen_node_distance, 0, 2, "node_id", "target_node_id"),
        G_GEN("machine_scrape_error", "1 if there was an error while getting machine metrics, 0 otherwise.",
              GAUGE, gen_machine_error, 0, 0),
        G_GEN("container_scrape_error",
              "1 if there was an error while getting container metrics, 0 otherwise", GAUGE,
              gen_container_error, 0, 0),
        {.name = "cadvisor_version_info",
         .help = "A metric with a constant '1' value labeled by kernel version, OS version, docker version, "
                 "cadvisor "
                 "version & cadvisor revision.",
         .type = GAUGE,
         .scope = CADV_PROM_GLOBAL,
         .gen = gen_version,
         .n_extra = 5,
         .extra = {"kernelVersion", "osVersion", "dockerVersion", "cadvisorVersion", "cadvisorRevision"}},
        /* The Go client's process collector. */
        G_GEN("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", COUNTER,
              gen_process, SELF(cpu_seconds), 0),
        G_GEN("process_max_fds", "Maximum number of open file descriptors.", GAUGE, gen_process,
              SELF(max_fds), 0),
        G_GEN("process_open_fds", "Number of open file descriptors.", GAUGE, gen_process, SELF(open_fds), 0),
        G_GEN("process_resident_memory_bytes", "Resident memory size in bytes.", GAUGE, gen_process,
              SELF(resident_bytes), 0),
        G_GEN("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", GAUGE,
              gen_process, SELF(start_time_seconds), 0),
        G_GEN("process_virtual_memory_bytes", "Virtual memory size in bytes.", GAUGE, gen_process,
              SELF(virtual_bytes), 0),
        G_GEN("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.",
              GAUGE, gen_process, SELF(virtual_max_bytes), 0),
        /* cadv's own health. */
        {.name = "cadv_collector_info",
         .help = "The collector in use (-collector): files, or bpf with its pass (walk: a css walk under "
                 "RCU; "
                 "iter: cgroup_iter under cgroup_mutex).",
         .type = GAUGE,
         .scope = CADV_PROM_GLOBAL,
         .gen = gen_collector,
         .n_extra = 2,
         .extra = {"collector", "pass"}},
        G_GEN("cadv_bpf_pass_seconds", "Duration of the BPF collector's last pass over all its hierarchies.",
              GAUGE, gen_bpf_health, MS(bpf_pass_ns), 9),
        G_GEN("cadv_collection_cycle_seconds",
              "Duration of the last housekeeping pass that collected samples.", GAUGE, gen_health,
              MS(cycle_seconds_ns), 9),
        G_GEN("cadv_collection_cycle_seconds_total", "Total time spent in housekeeping passes.", COUNTER,
              gen_health, MS(cycle_ns_total), 9),
        G_GEN("cadv_collection_cycles_total", "Number of housekeeping passes.", COUNTER, gen_health,
              MS(cycles_total), 0),
        G_GEN("cadv_collections_total", "Number of container collections done.", COUNTER, gen_health,
              MS(collections_total), 0),
        G_GEN("cadv_containers", "Number of containers tracked.", GAUGE, gen_health, MS(containers), 0),
        G_GEN("cadv_containers_added_total", "Number of containers that appeared.", COUNTER, gen_health,
              MS(containers_added_total), 0),
        G_GEN("cadv_containers_removed_total", "Number of containers that went away.", COUNTER, gen_health,
              MS(containers_removed_total), 0),
        G_GEN("cadv_derived_stats_bytes",
              "Bytes held by the derived stats (/api/v2.0/summary) of all containers.", GAUGE, gen_health,
              MS(summary_bytes), 0),
        G_GEN("cadv_read_errors_total",
              "Number of failed cgroup reads (other than of vanished cgroups); no sample is stored for them.",
              COUNTER, gen_health, MS(read_errors_total), 0),
        G_GEN("cadv_events_dropped_total",
              "Number of events dropped because a stream client read too slowly (its queue was full).",
              COUNTER, gen_health, MS(events_dropped_total), 0),
        G_GEN("cadv_events_stored", "Number of events held by the event store.", GAUGE, gen_health,
              MS(events_stored), 0),
        G_GEN("cadv_fds_held", "Number of cgroup file descriptors kept open.", GAUGE, gen_health,
              MS(fds_held), 0),
        G_GEN("cadv_history_bytes", "Bytes held by the in-memory sample history.", GAUGE, gen_health,
              MS(history_bytes), 0),
        G_GEN("cadv_ondemand_collections_total", "Number of on-demand collections (max_age).", COUNTER,
              gen_health, MS(ondemand_total), 0),
        G_GEN("cadv_scrape_duration_seconds", "Time the previous rendering of the metrics page took.", GAUGE,
              gen_health, SELF(last_render_ns), 9),
};

const size_t cadv_prom_n_machine_families =
        sizeof(cadv_prom_machine_families) / sizeof(cadv_prom_machine_families[0]);
