/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_machine.h - cAdvisor's machine_* families (docs/compatibility.md#machine-metrics),
 * cadvisor_version_info, the scrape error gauges, and the process_* and cadv_* self metrics, as a table for
 * the renderer. */
#pragma once

#include <stddef.h>

#include "wire/metrics_family.h"

extern const struct cadv_prom_family cadv_prom_machine_families[];
extern const size_t cadv_prom_n_machine_families;
