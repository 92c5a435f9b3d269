/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_render.h - the Prometheus text exposition of cAdvisor's families as a pure function of
 * (containers with spec and newest sample, machine info, options), independent of the manager, so
 * that it can be tested with handcrafted samples.
 *
 * Output follows the Go client's encoder: families sorted by name, HELP and TYPE once per family
 * (families without series are left out), label names sorted within each series (extra labels such
 * as cpu or device merge into the order), series sorted by their label values, explicit millisecond
 * timestamps on usage samples. The family tables (metrics_container.c, metrics_machine.c) produce
 * series through the emitter functions below.
 *
 * Not thread-safe: one cache serves one render at a time. */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manager/manager.h"
#include "model/sample.h"
#include "model/spec.h"

struct cadv_buf;
struct cadv_machine_info;
struct cadv_metrics_cache;

/* One container of a scrape. */
struct cadv_metrics_item {
    const char *name; /* cgroup name; the id label */
    const struct cadv_spec *spec;
    const struct cadv_sample *sample; /* newest sample; containers without one are not passed */
    uint64_t spec_version;            /* label sets are cached per (name, spec_version); 0 = never */
};

/* Self-measurements (process_* as the Go client's process collector, cadv_* health). */
struct cadv_metrics_self {
    bool has_process;
    double cpu_seconds;
    double start_time_seconds;
    double resident_bytes;
    double virtual_bytes;
    double virtual_max_bytes;
    double open_fds;
    double max_fds;
    bool has_manager;
    struct cadv_manager_stats stats;
    uint64_t last_render_ns; /* duration of the previous render */
};

struct cadv_metrics_input {
    const struct cadv_metrics_item *items; /* any order */
    size_t n_items;
    bool container_error;                    /* container_scrape_error 1 and no container series */
    const struct cadv_machine_info *machine; /* NULL: machine_scrape_error 1, no machine series */
    uint32_t kinds;                          /* CADV_KIND_* exposed */
    bool timestamps;                         /* --prometheus_timestamps */
    bool store_container_labels;
    char *const *whitelisted_labels;      /* NULL-terminated or NULL (with !store_container_labels) */
    const regex_t *include;               /* on the cgroup name; NULL = all */
    const regex_t *exclude;               /* NULL = none */
    uint64_t now_ns;                      /* container_last_seen */
    const char *version;                  /* cadvisorVersion label */
    const struct cadv_metrics_self *self; /* NULL: no process_* and cadv_* families */
};

/* Storage kept across renders: per-container label sets (and caller slots), scratch arrays. A cache
 * must always be used with the same label options (store_container_labels, whitelist). */
struct cadv_metrics_cache *cadv_metrics_cache_new(void);
struct cadv_metrics_cache *cadv_metrics_cache_free(struct cadv_metrics_cache *c);

/* Per-container storage a caller may keep across renders (a spec copy refreshed when the version
 * changes, and a sample buffer), created on first use and dropped when the container has not been
 * seen for a while. Valid until the next cadv_metrics_render() of this cache returns. */
struct cadv_metrics_slot {
    struct cadv_spec spec;
    uint64_t spec_version;
    bool has_spec;
    struct cadv_sample sample;
};
struct cadv_metrics_slot *cadv_metrics_cache_slot(struct cadv_metrics_cache *c, const char *name);

/* True when a container of that name passes --metrics_include / --metrics_exclude. */
bool cadv_metrics_selected(const regex_t *include, const regex_t *exclude, const char *name);

/* Appends the whole exposition to out. cache may be NULL (a temporary one is used). */
void cadv_metrics_render(struct cadv_buf *out, const struct cadv_metrics_input *in,
                         struct cadv_metrics_cache *cache);

/* Appends the (name, TYPE, sorted label names) of every family the input would produce, one line each:
 * "name type label1,label2,...". For golden tests. */
void cadv_metrics_render_families(struct cadv_buf *out, const struct cadv_metrics_input *in);

/* ---- Family tables and the emitter they write through ---- */

enum cadv_prom_type {
    CADV_PROM_GAUGE,
    CADV_PROM_COUNTER,
};

enum cadv_prom_scope {
    CADV_PROM_CONTAINER, /* one row per container: base labels id, name, image, container_* */
    CADV_PROM_MACHINE,   /* base labels boot_id, machine_id, system_uuid; machine info timestamp */
    CADV_PROM_GLOBAL,    /* no base labels, no timestamp */
};

enum {
    CADV_PROM_NO_TS = 1u << 0,  /* spec metrics: no timestamp */
    CADV_PROM_TS_NOW = 1u << 1, /* container_last_seen: timestamp now */
};

#define CADV_PROM_MAX_EXTRA 5

struct cadv_prom_emit;

/* A family. Container families with gen == NULL are scalars: the uint64_t at byte offset `off` of the
 * sample core, divided by 10^scale, when the sample has all `has` bits. Generators may use has, off
 * and scale for their own parameters. */
struct cadv_prom_family {
    const char *name;
    const char *help;
    uint8_t type;  /* enum cadv_prom_type */
    uint8_t scope; /* enum cadv_prom_scope */
    uint8_t flags;
    uint8_t n_extra;
    uint32_t kind; /* every one of these CADV_KIND_* bits must be enabled; 0 = always */
    const char *extra[CADV_PROM_MAX_EXTRA];
    uint64_t has;
    uint16_t off;
    uint8_t scale;
    /* Produces the series of one row; item is NULL outside the container scope. */
    void (*gen)(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                const struct cadv_metrics_input *in, const struct cadv_metrics_item *item);
};

/* Adds one series; ev holds the n_extra values in the family's declared order (NULL if none). The
 * strings must stay valid until the family is written (static, from the input, or cadv_prom_str). */
void cadv_prom_u64(struct cadv_prom_emit *e, uint64_t v, const char *const *ev);
void cadv_prom_scaled(struct cadv_prom_emit *e, uint64_t v, unsigned pow10, const char *const *ev);
void cadv_prom_i64(struct cadv_prom_emit *e, int64_t v, const char *const *ev);
void cadv_prom_double(struct cadv_prom_emit *e, double v, const char *const *ev);
/* A decimal number as a label value, valid until the family is written. */
const char *cadv_prom_num(struct cadv_prom_emit *e, int64_t v);
/* A copy of s, valid until the family is written. */
const char *cadv_prom_str(struct cadv_prom_emit *e, const char *s);
