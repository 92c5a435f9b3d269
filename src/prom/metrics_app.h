/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_app.h - application metrics in /metrics (cAdvisor's "app" kind): one gauge family per
 * metric name, "Custom application metric.", value = float_value, labels id, name, image of the
 * container and app_<label> per label of the value (docs/compatibility.md#application-metrics). */
#pragma once

#include <stddef.h>

struct cadv_app;
struct cadv_buf;

/* Appends the families of the containers named in ids (sorted with strcmp; n of them) and cadv's
 * self-metrics of the poller. a may be NULL (kind off: nothing written). */
void cadv_metrics_app(struct cadv_app *a, struct cadv_buf *out, const char *const *ids, size_t n);
