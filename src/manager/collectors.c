/* SPDX-License-Identifier: Apache-2.0 */
/* collectors.c - perf counters and resctrl monitoring groups per container (see collectors.h). */
#include "manager/collectors.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/cgroup.h"
#include "collect/nvml.h"
#include "collect/perf.h"
#include "collect/resctrl.h"
#include "config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "manager/container.h"
#include "model/kinds.h"
#include "model/sample.h"

static void report_event(void *userdata, const char *event, const char *why)
{
    (void)userdata;
    cadv_log(CADV_LOG_ERROR, "perf event \"%s\" is not counted: %s", event, why);
}

/* The accelerator kind: NVML from CADV_NVML_LIBRARY (a path or soname; tests point it at a fake)
 * or the driver's libnvidia-ml.so.1. Without the library or a GPU the kind is off, said once. */
static void nvml_init(struct cadv_collectors *col)
{
    const char *lib = getenv("CADV_NVML_LIBRARY");
    char why[512];
    int r;

    if (!lib || !*lib)
        lib = CADV_NVML_LIBRARY;
    r = cadv_nvml_open(lib, &col->nvml, why, sizeof(why));
    if (r < 0) {
        cadv_log(CADV_LOG_INFO, "accelerator kind: no NVIDIA GPU figures (NVML '%s': %s)", lib, why);
        return;
    }
    cadv_nvml_install(col->nvml);
    cadv_log(CADV_LOG_INFO, "accelerator kind: %zu NVIDIA GPU(s) through NVML '%s'",
             cadv_nvml_n_devices(col->nvml), lib);
}

int cadv_collectors_init(struct cadv_collectors *col, const struct cadv_config *cfg, uint32_t kinds, int fds)
{
    const char *path = cfg->perf_events_config;
    char err[256];
    size_t n;
    int r;

    col->cfg = cfg;
    col->kinds = kinds;
    if (kinds & CADV_KIND_ACCELERATOR)
        nvml_init(col);
    if (kinds & CADV_KIND_RESCTRL) {
        col->resctrl_on = cadv_resctrl_available(CADV_RESCTRL_ROOT);
        if (!col->resctrl_on)
            cadv_log(CADV_LOG_WARNING,
                     "resctrl kind: %s is not a resctrl mount with monitoring, no RDT figures",
                     CADV_RESCTRL_ROOT);
    }
    if (!path || !*path || !(col->kinds & CADV_KIND_PERF_EVENT))
        return 0;
    r = cadv_perf_config_load(path, &col->perf_cfg, err, sizeof(err));
    if (r < 0) {
        cadv_log(CADV_LOG_ERROR, "-perf_events_config: %s", err);
        return r;
    }
    n = cadv_perf_config_resolve(col->perf_cfg, report_event, NULL);
    n += cadv_perf_config_resolve_uncore(col->perf_cfg, cfg->sys_root ? cfg->sys_root : "/sys", report_event,
                                         NULL);
    if (n == 0)
        cadv_log(CADV_LOG_WARNING, "-perf_events_config %s: no event can be counted", path);
    cadv_perf_config_install(col->perf_cfg);
    col->perf_fd_budget = fds / 2;
    cadv_perf_set_fd_budget(col->perf_fd_budget);
    return 0;
}

void cadv_collectors_done(struct cadv_collectors *col)
{
    col->nvml = cadv_nvml_free(col->nvml);
    if (col->perf_cfg)
        cadv_perf_config_install(NULL);
    col->perf_cfg = cadv_perf_config_free(col->perf_cfg);
}

void cadv_collectors_attach(struct cadv_collectors *col, struct cadv_container *c)
{
    const char *root = col->cfg->cgroup_root ? col->cfg->cgroup_root : "/sys/fs/cgroup";
    char dir[4096];
    int r;

    if (col->nvml && cadv_nvml_devices_list_path(root, c->name, dir, sizeof(dir)) == 0)
        c->devices_list = cadv_xstrdup(dir);
    if (!col->perf_cfg)
        return;
    r = cadv_perf_cgroup_dir(root, c->name, dir, sizeof(dir));
    if (r >= 0)
        r = cadv_perf_counters_open(col->perf_cfg, dir, &c->perf);
    if (c->is_root) {
        int u = cadv_perf_counters_open_uncore(col->perf_cfg, &c->perf);

        if (u < 0)
            cadv_log_errno(CADV_LOG_WARNING, u, "perf: no uncore counter could be opened");
        else if (u > 0)
            cadv_log(CADV_LOG_INFO, "perf: %d uncore counter(s) opened", u);
    }
    if (r == -EMFILE && !atomic_exchange(&col->perf_full_logged, true))
        cadv_log(CADV_LOG_WARNING,
                 "perf: the counters' share of fds (%d) is spent: '%s' and later containers are not counted",
                 col->perf_fd_budget, c->name);
    else if (r < 0)
        cadv_log_errno(CADV_LOG_DEBUG, r, "No perf counters for '%s'", c->name);
}

/* A container whose group could not be made (no process yet) is tried again this much later. */
#define RESCTRL_RETRY_NS (10 * CADV_NS_PER_SEC)

/* Creates c's monitoring group and writes its pids there: at the first collection that finds
 * processes (tried every RESCTRL_RETRY_NS), then every -resctrl_interval (cAdvisor sets groups up
 * once when it is 0). */
static void resctrl_prepare(const struct cadv_collectors *col, struct cadv_container *c)
{
    uint64_t now = cadv_mono_ns(), interval = (uint64_t)col->cfg->resctrl_interval_ns;
    uint32_t *pids;
    char dir[4096];
    int n, r;

    if (now < c->resctrl_next_mono || (c->resctrl_dir && col->cfg->resctrl_interval_ns <= 0))
        return;
    pids = cadv_xcalloc(CADV_MANAGER_MAX_PIDS, sizeof(*pids));
    n = c->is_root ? 0 : cadv_cgroup_read_pids(c->cg, pids, CADV_MANAGER_MAX_PIDS);
    r = n < 0 ? n : cadv_resctrl_prepare(CADV_RESCTRL_ROOT, c->name, pids, (size_t)n, dir, sizeof(dir));
    free(pids);
    if (r < 0) {
        c->resctrl_next_mono = now + RESCTRL_RETRY_NS;
        if (r != -EINVAL) /* -EINVAL: no process yet */
            cadv_log_errno(CADV_LOG_DEBUG, r, "No resctrl monitoring group for '%s'", c->name);
        return;
    }
    if (!c->resctrl_dir)
        c->resctrl_dir = cadv_xstrdup(dir);
    c->resctrl_next_mono = now + interval;
}

/* The container's GPUs: the device list its runtime reports (the only one on cgroup v2), else its
 * v1 devices.list, read at each collection (runtimes write it just after making the cgroup). */
static void read_gpus(struct cadv_collectors *col, struct cadv_container *c, struct cadv_sample *s)
{
    char list[4096];
    bool listed = false;

    pthread_mutex_lock(&c->spec_lock);
    if (c->rt_info.gpu_devices) {
        (void)snprintf(list, sizeof(list), "%s", c->rt_info.gpu_devices);
        listed = true;
    }
    pthread_mutex_unlock(&c->spec_lock);
    if (listed)
        (void)cadv_nvml_read_devices(col->nvml, list, s);
    else if (c->devices_list)
        (void)cadv_nvml_read(col->nvml, c->devices_list, s);
}

void cadv_collectors_read(struct cadv_collectors *col, struct cadv_container *c, struct cadv_sample *s)
{
    s->n_perf = 0;
    s->n_resctrl = 0;
    s->n_accel = 0;
    if (col->nvml)
        read_gpus(col, c, s);
    if (c->perf && (col->kinds & CADV_KIND_PERF_EVENT))
        (void)cadv_perf_counters_read(c->perf, s);
    if (col->resctrl_on && c->cg) {
        resctrl_prepare(col, c);
        if (c->resctrl_dir)
            (void)cadv_resctrl_read(c->resctrl_dir, s);
    }
}

void cadv_collectors_detach(struct cadv_container *c)
{
    c->perf = cadv_perf_counters_free(c->perf);
    if (c->resctrl_dir)
        (void)cadv_resctrl_remove(CADV_RESCTRL_ROOT, c->resctrl_dir);
    free(c->resctrl_dir);
    c->resctrl_dir = NULL;
    free(c->devices_list);
    c->devices_list = NULL;
}
