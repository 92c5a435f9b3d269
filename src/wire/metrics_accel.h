/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_accel.h - the generator of cAdvisor <= v0.46's container_accelerator_* families (kind
 * accelerator): one series per GPU of the container with labels make, model, acc_id. */
#pragma once

#include "wire/metrics_family.h"

/* f->off: byte offset of the figure in struct cadv_accel_entry (memory_total, memory_used or
 * duty_cycle). */
void cadv_prom_gen_accel(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                         const struct cadv_metrics_input *in, const struct cadv_metrics_item *it);
