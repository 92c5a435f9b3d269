/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.h - Prometheus exposition (/metrics) of cAdvisor's container_* and machine_* families, plus
 * process_* and cadv_* self metrics. Label sets are rendered once per container spec version; one
 * rendered body per collection generation (plain and gzip) is shared by concurrent scrapers.
 * Thread-safe. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct cadv_buf;
struct cadv_config;
struct cadv_http_request;
struct cadv_http_reply;
struct cadv_manager;
struct cadv_metrics;

/* m and cfg are borrowed and must outlive the result. Never returns NULL. Returns NULL in *ret and
 * -EINVAL if --metrics_include/--metrics_exclude does not compile (the error is logged). */
int cadv_metrics_new(struct cadv_manager *m, const struct cadv_config *cfg, struct cadv_metrics **ret);
struct cadv_metrics *cadv_metrics_free(struct cadv_metrics *mx);
/* Appends more metric families (Prometheus text) at the end of every rendered body; set before the
 * server starts. fn must be thread-safe. */
typedef void (*cadv_metrics_extra_fn)(void *arg, struct cadv_buf *out);
void cadv_metrics_set_extra(struct cadv_metrics *mx, cadv_metrics_extra_fn fn, void *arg);
/* Serves one scrape (query parameters type, max_age; gzip when the client accepts it). */
void cadv_metrics_handle(struct cadv_metrics *mx, const struct cadv_http_request *req,
                         struct cadv_http_reply *rep);
/* What cadv_metrics_handle does once the query is parsed, for ?type=name: max_age_ns < 0 means no
 * ?max_age= (a published body may be shared), else containers older than that are re-read first. */
void cadv_metrics_serve(struct cadv_metrics *mx, int64_t max_age_ns, bool accept_gzip,
                        struct cadv_http_reply *rep);
