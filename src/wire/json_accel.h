/* SPDX-License-Identifier: Apache-2.0 */
/* json_accel.h - the "accelerators" member of cAdvisor's ContainerStats (v1 and v2): an array of
 * AcceleratorStats {make, model, id, memory_total, memory_used, duty_cycle}, omitted when the sample
 * has no GPU (omitempty). Model and id come from the installed NVML device table (collect/nvml.h). */
#pragma once

struct cadv_json;
struct cadv_sample;

/* Writes the "accelerators" key and array when s has GPUs; nothing otherwise. */
void cadv_json_accelerators(struct cadv_json *w, const struct cadv_sample *s);
