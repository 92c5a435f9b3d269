/* SPDX-License-Identifier: Apache-2.0 */
/* appwire.c - application metrics wiring of the manager (see appwire.h). */
#include "manager/appwire.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "app/app.h"
#include "config.h"
#include "core/timeutil.h"
#include "manager/container.h"
#include "manager/internal.h"
#include "model/kinds.h"
#include "runtime/runtime.h"

void cadv_appwire_init(struct cadv_manager *m)
{
    struct cadv_app_opts o = {
            .count_limit = m->cfg->application_metrics_count_limit,
            .max_bytes = 1 << 20,
            .timeout_ns = 5 * CADV_NS_PER_SEC,
            .proc_root = m->cfg->proc_root,
            .cert = m->cfg->collector_cert,
            .key = m->cfg->collector_key,
    };

    if (m->kinds & CADV_KIND_APP)
        m->app = cadv_app_new(&o);
}

void cadv_appwire_done(struct cadv_manager *m)
{
    m->app = cadv_app_free(m->app);
}

void cadv_appwire_identity(struct cadv_manager *m, struct cadv_container *c, const struct cadv_spec *spec)
{
    char ip[64] = "", host[72];
    bool has;

    if (!m->app)
        return;
    /* The object form of an endpoint names the container's address as its runtime reports it
     * (cAdvisor); scrapes run inside the container's network namespace, where that address is the
     * container's own, and 127.0.0.1 (its loopback) stands in when it has none. */
    pthread_mutex_lock(&c->spec_lock);
    if (c->rt_info.ip_address)
        (void)snprintf(ip, sizeof(ip), "%s", c->rt_info.ip_address);
    pthread_mutex_unlock(&c->spec_lock);
    has = cadv_app_set(m->app, c->name, spec->labels, spec->n_labels, spec->pid,
                       cadv_app_endpoint_host(ip, host, sizeof(host)),
                       spec->n_aliases ? spec->aliases[0] : NULL, spec->image) > 0;
    pthread_mutex_lock(&c->spec_lock);
    if (c->spec.has_custom_metrics != has) {
        c->spec.has_custom_metrics = has;
        atomic_fetch_add(&c->spec_version, 1);
    }
    pthread_mutex_unlock(&c->spec_lock);
}

void cadv_appwire_remove(struct cadv_manager *m, struct cadv_container *c)
{
    cadv_app_remove(m->app, c->name);
}

struct cadv_app *cadv_manager_app(struct cadv_manager *m)
{
    return m->app;
}
