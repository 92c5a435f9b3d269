/* SPDX-License-Identifier: Apache-2.0 */
/* json_container.h - JSON writers for cAdvisor's container types, byte-compatible with the Go structs
 * of cAdvisor v0.60 (docs/compatibility.md#json): ContainerReference, v1 ContainerInfo/ContainerSpec/
 * ContainerStats, v2 ContainerSpec/ContainerStats, v2.0 DeprecatedContainerStats and v2.1
 * MachineStats. Keys come in Go's struct order; omitempty fields are left out exactly when Go leaves
 * them out; maps are written with sorted keys as encoding/json does.
 *
 * The writers only read their arguments (specs and samples copied out of the manager) and never
 * allocate per key; m (machine info) may be NULL, which leaves diskio device names "" and memory
 * limits of 0 unadjusted. app (app/app.h), where a writer takes one, gives the spec's and the samples'
 * custom_metrics; NULL writes none. Not thread-safe per writer. */
#pragma once

#include <stddef.h>

struct cadv_app_view;
struct cadv_json;
struct cadv_machine_info;
struct cadv_sample;
struct cadv_spec;

/* v1 ContainerSpec object. A memory limit of 0 is served as the machine's memory capacity. */
void cadv_json_v1_spec(struct cadv_json *w, const struct cadv_spec *spec, const struct cadv_machine_info *m);

/* v1 ContainerStats object (one sample); parts not collected (CADV_HAS_*) are omitted. */
void cadv_json_v1_stats(struct cadv_json *w, const struct cadv_sample *s, const struct cadv_machine_info *m);

/* v1 ContainerInfo object: reference, subcontainers (names of the children, may be 0), spec, stats. */
void cadv_json_v1_container_info(struct cadv_json *w, const char *name, const struct cadv_spec *spec,
                                 const char *const *children, size_t n_children,
                                 const struct cadv_sample *samples, size_t n_samples,
                                 const struct cadv_machine_info *m, const struct cadv_app_view *app);

/* v2 ContainerSpec object (aliases and namespace from spec; cpu quota/period and processes limit
 * are never copied, as in cAdvisor's conversion). */
void cadv_json_v2_spec(struct cadv_json *w, const struct cadv_spec *spec, const struct cadv_machine_info *m,
                       const struct cadv_app_view *app);

/* v2 ContainerStats array for the samples (oldest first); cpu_inst of each sample is computed from
 * the previous one in the array. Parts are present when both the spec and the sample have them. */
void cadv_json_v2_stats_array(struct cadv_json *w, const struct cadv_spec *spec,
                              const struct cadv_sample *samples, size_t n, const struct cadv_machine_info *m,
                              const struct cadv_app_view *app);

/* v2.1 ContainerInfo object {"spec":...,"stats":[...]} ("stats" omitted when n is 0). */
void cadv_json_v21_container_info(struct cadv_json *w, const struct cadv_spec *spec,
                                  const struct cadv_sample *samples, size_t n,
                                  const struct cadv_machine_info *m, const struct cadv_app_view *app);

/* v2.0 DeprecatedContainerStats array (always an array, possibly []). */
void cadv_json_v20_stats_array(struct cadv_json *w, const struct cadv_spec *spec,
                               const struct cadv_sample *samples, size_t n, const struct cadv_machine_info *m,
                               const struct cadv_app_view *app);

/* v2.1 MachineStats array built from the root container's samples; null when n is 0 (Go's nil
 * slice). */
void cadv_json_v21_machine_stats(struct cadv_json *w, const struct cadv_spec *root_spec,
                                 const struct cadv_sample *samples, size_t n);
