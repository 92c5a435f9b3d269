/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_labels.h - the container base label sets of a scrape (docs/compatibility.md#metric-labels).
 *
 * Each container's own labels (id, name, image, container_label_<k>, container_env_<k>) are computed
 * once per (name, spec_version). A scrape's base label set is the union of the sanitised keys over its
 * containers; each container's row renders every base key (`key="value",`, "" when it lacks one),
 * rebuilt only when its spec or the union changes. Rows come back sorted by their label values, which
 * is the Go client's series order. Not thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_metrics_item;
struct cadv_metrics_slot;
struct cadv_prom_labels;

struct cadv_prom_row {
    const char *s;           /* `key="value",` for every base key, in key order */
    const uint32_t *off;     /* n_keys + 1 offsets: pair i is s[off[i] .. off[i + 1]) */
    const char *const *vals; /* raw values, "" when absent (for ordering) */
    uint64_t stamp;          /* unique to this text of this row (0 outside the container scope) */
};

struct cadv_prom_base {
    size_t n_keys;
    const char *const *keys; /* sorted, sanitised label names */
    size_t n_rows;
    const struct cadv_prom_row *const *rows; /* in series order */
    const uint32_t *item_of_row;             /* index into the items given to build */
    size_t unique_prefix;                    /* rows already differ within the first unique_prefix keys */
};

struct cadv_prom_labels *cadv_prom_labels_new(void);
struct cadv_prom_labels *cadv_prom_labels_free(struct cadv_prom_labels *l);
/* The caller's slot for a container name (created empty on first use). Valid until the next build. */
struct cadv_metrics_slot *cadv_prom_labels_slot(struct cadv_prom_labels *l, const char *name);
/* Computes the base of the n items (distinct names). With store_all false only labels whose key is in
 * whitelist (NULL-terminated) are kept; envs always are. *ret is valid until the next build or free. */
void cadv_prom_labels_build(struct cadv_prom_labels *l, const struct cadv_metrics_item *const *items,
                            size_t n, bool store_all, char *const *whitelist, struct cadv_prom_base *ret);
