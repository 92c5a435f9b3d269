/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_render.h - the Prometheus text exposition of cAdvisor's families as a pure function of
 * (containers with spec and newest sample, machine info, options), independent of the manager, so
 * that it can be tested with handcrafted samples.
 *
 * Output follows the Go client's encoder: families sorted by name, HELP and TYPE once per family
 * (families without series are left out), label names sorted within each series (extra labels such
 * as cpu or device merge into the order), series sorted by their label values, explicit millisecond
 * timestamps on usage samples. The family tables (metrics_container.c, metrics_machine.c) produce
 * series through the emitter of wire/metrics_family.h, which this file implements.
 *
 * Not thread-safe: one cache serves one render at a time. */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "wire/metrics_input.h"

struct cadv_buf;
struct cadv_metrics_cache;

/* Storage kept across renders: per-container label sets (and caller slots), scratch arrays, and the
 * plan of the last full render (its constant text, and where each container's values go), by which the
 * next render formats only the values while the containers, their label text, their series and the
 * options stay the same. A cache must always be used with the same label options
 * (store_container_labels, whitelist). */
struct cadv_metrics_cache *cadv_metrics_cache_new(void);
struct cadv_metrics_cache *cadv_metrics_cache_free(struct cadv_metrics_cache *c);

/* The caller's slot for a container name (struct cadv_metrics_slot in wire/metrics_input.h). */
struct cadv_metrics_slot *cadv_metrics_cache_slot(struct cadv_metrics_cache *c, const char *name);

/* Whether the last render through c was written from its plan (only the values formatted). */
bool cadv_metrics_cache_planned(const struct cadv_metrics_cache *c);
/* Plans c has built (each after a full render). */
uint64_t cadv_metrics_cache_plans_built(const struct cadv_metrics_cache *c);

/* True when a container of that name passes --metrics_include / --metrics_exclude. */
bool cadv_metrics_selected(const regex_t *include, const regex_t *exclude, const char *name);

/* Appends the whole exposition to out. cache may be NULL (a temporary one is used). */
void cadv_metrics_render(struct cadv_buf *out, const struct cadv_metrics_input *in,
                         struct cadv_metrics_cache *cache);

/* Appends the (name, TYPE, sorted label names) of every family the input would produce, one line each:
 * "name type label1,label2,...". For golden tests. */
void cadv_metrics_render_families(struct cadv_buf *out, const struct cadv_metrics_input *in);
