/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_input.h - the input of a Prometheus exposition (wire/metrics_render.h): the containers of a
 * scrape with spec and newest sample, the machine info, the self measurements, the options. Plain
 * data. */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manager/manager.h"
#include "model/sample.h"
#include "model/spec.h"

struct cadv_machine_info;

/* One container of a scrape. */
struct cadv_metrics_item {
    const char *name; /* cgroup name; the id label */
    const struct cadv_spec *spec;
    const struct cadv_sample *sample; /* newest sample; containers without one are not passed */
    uint64_t spec_version;            /* label sets are cached per (name, spec_version); 0 = never */
    /* Where spec and sample are kept: the slot cadv_metrics_cache_slot gave for name from the cache
     * this render uses (its label entry is then found without a second lookup by name), or NULL. */
    struct cadv_metrics_slot *slot;
};

/* Self-measurements (process_* as the Go client's process collector, cadv_* health). */
struct cadv_metrics_self {
    bool has_process;
    double cpu_seconds;
    double start_time_seconds;
    double resident_bytes;
    double virtual_bytes;
    double virtual_max_bytes;
    double open_fds;
    double max_fds;
    bool has_manager;
    struct cadv_manager_stats stats;
    uint64_t last_render_ns; /* duration of the previous render */
};

struct cadv_metrics_input {
    const struct cadv_metrics_item *items; /* any order */
    size_t n_items;
    bool container_error;                    /* container_scrape_error 1 and no container series */
    const struct cadv_machine_info *machine; /* NULL: machine_scrape_error 1, no machine series */
    uint32_t kinds;                          /* CADV_KIND_* exposed */
    bool timestamps;                         /* --prometheus_timestamps */
    bool store_container_labels;
    char *const *whitelisted_labels;      /* NULL-terminated or NULL (with !store_container_labels) */
    const regex_t *include;               /* on the cgroup name; NULL = all */
    const regex_t *exclude;               /* NULL = none */
    uint64_t now_ns;                      /* container_last_seen */
    const char *version;                  /* cadvisorVersion label */
    const struct cadv_metrics_self *self; /* NULL: no process_* and cadv_* families */
};

/* Per-container storage a caller may keep across renders (a spec copy refreshed when the version
 * changes, and a sample buffer), created on first use and dropped when the container has not been
 * seen for a while.
 * Valid until the next cadv_metrics_render() of this cache returns (cadv_metrics_cache_slot). */
struct cadv_metrics_slot {
    struct cadv_spec spec;
    uint64_t spec_version;
    bool has_spec;
    struct cadv_sample sample;
};
