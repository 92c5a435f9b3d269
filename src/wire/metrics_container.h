/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_container.h - cAdvisor's container_* families (docs/compatibility.md#container-metrics) as a table
 * for the renderer. */
#pragma once

#include <stddef.h>

#include "wire/metrics_family.h"

extern const struct cadv_prom_family cadv_prom_container_families[];
extern const size_t cadv_prom_n_container_families;
