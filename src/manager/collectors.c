/* SPDX-License-Identifier: Apache-2.0 */
/* collectors.c - perf counters per container (see collectors.h). */
#include "manager/collectors.h"

#include <errno.h>

#include "collect/perf.h"
#include "config.h"
#include "core/log.h"
#include "manager/internal.h"
#include "model/kinds.h"

static void report_event(void *userdata, const char *event, const char *why)
{
    (void)userdata;
    cadv_log(CADV_LOG_ERROR, "perf event \"%s\" is not counted: %s", event, why);
}

int cadv_collectors_init(struct cadv_manager *m)
{
    const char *path = m->cfg->perf_events_config;
    char err[256];
    int r;

    if (!path || !*path || !(m->kinds & CADV_KIND_PERF_EVENT))
        return 0;
    r = cadv_perf_config_load(path, &m->perf_cfg, err, sizeof(err));
    if (r < 0) {
        cadv_log(CADV_LOG_ERROR, "-perf_events_config: %s", err);
        return r;
    }
    if (cadv_perf_config_resolve(m->perf_cfg, report_event, NULL) == 0)
        cadv_log(CADV_LOG_WARNING, "-perf_events_config %s: no event can be counted", path);
    cadv_perf_config_install(m->perf_cfg);
    return 0;
}

void cadv_collectors_done(struct cadv_manager *m)
{
    if (m->perf_cfg)
        cadv_perf_config_install(NULL);
    m->perf_cfg = cadv_perf_config_free(m->perf_cfg);
}

void cadv_collectors_attach(struct cadv_manager *m, struct cadv_container *c)
{
    const char *root = m->cfg->cgroup_root ? m->cfg->cgroup_root : "/sys/fs/cgroup";
    char dir[4096];
    int r;

    if (!m->perf_cfg)
        return;
    r = cadv_perf_cgroup_dir(root, c->name, dir, sizeof(dir));
    if (r >= 0)
        r = cadv_perf_counters_open(m->perf_cfg, dir, &c->perf);
    if (r < 0)
        cadv_log_errno(CADV_LOG_DEBUG, r, "No perf counters for '%s'", c->name);
}

void cadv_collectors_read(struct cadv_manager *m, struct cadv_container *c, struct cadv_sample *s)
{
    s->n_perf = 0;
    if (c->perf && (m->kinds & CADV_KIND_PERF_EVENT))
        (void)cadv_perf_counters_read(c->perf, s);
}

void cadv_collectors_detach(struct cadv_container *c)
{
    c->perf = cadv_perf_counters_free(c->perf);
}
