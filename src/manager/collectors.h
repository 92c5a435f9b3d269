/* SPDX-License-Identifier: Apache-2.0 */
/* collectors.h - the manager's optional per-container collectors (perf events, resctrl monitoring
 * groups, NVIDIA GPUs through NVML): set up once with the manager, attached to each container when it is
 * built, read in each collection. Their state is set up before any thread starts and read-only afterwards but
 * for the atomic flag; per-container state lives in the container (collect_lock). Internal to src/manager/.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct cadv_config;
struct cadv_container;
struct cadv_nvml;
struct cadv_perf_config;
struct cadv_sample;

/* Embedded in the manager. */
struct cadv_collectors {
    const struct cadv_config *cfg; /* borrowed */
    uint32_t kinds;
    struct cadv_perf_config *perf_cfg; /* -perf_events_config, NULL when off */
    int perf_fd_budget;                /* counter fds all containers may hold together */
    atomic_bool perf_full_logged;      /* the budget was spent (logged once) */
    bool resctrl_on;                   /* resctrl kind on and /sys/fs/resctrl monitors */
    struct cadv_nvml *nvml;            /* accelerator kind with NVML and a GPU, else NULL */
};

/* Loads -perf_events_config (when set and the perf_event kind is on), reports events that do not
 * resolve, and takes half of fds (the manager's fd budget) for perf counters in col->perf_fd_budget.
 * Checks resctrl. Returns 0, or a negative errno for a config that cannot be read or parsed (logged). */
int cadv_collectors_init(struct cadv_collectors *col, const struct cadv_config *cfg, uint32_t kinds, int fds);
void cadv_collectors_done(struct cadv_collectors *col);
/* Opens c's counters (before c is shared; failures are logged once at debug and leave c without). */
void cadv_collectors_attach(struct cadv_collectors *col, struct cadv_container *c);
/* Adds c's figures to s (collect_lock held). */
void cadv_collectors_read(struct cadv_collectors *col, struct cadv_container *c, struct cadv_sample *s);
/* Closes c's counters and removes its resctrl monitoring group (c's last reference is going away). */
void cadv_collectors_detach(struct cadv_container *c);
