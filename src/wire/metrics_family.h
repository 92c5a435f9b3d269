/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_family.h - how a family table (metrics_container.c, metrics_machine.c) describes a Prometheus
 * family, and the emitter its generators write series through. The emitter is implemented by the
 * renderer (metrics_render.c), whose records it fills. */
#pragma once

#include <stdint.h>

#include "wire/metrics_input.h"

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
    /* Read every interval (the hot tier: docs/freshness.md): the sample's timestamp. Other container
     * families carry the timestamp of the detail read their values come from. */
    CADV_PROM_HOT = 1u << 2,
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
/* The series emitted next for this row carry the detail read's timestamp (a hot family's detail rows). */
void cadv_prom_emit_detail_ts(struct cadv_prom_emit *e, const struct cadv_sample *s);
void cadv_prom_i64(struct cadv_prom_emit *e, int64_t v, const char *const *ev);
void cadv_prom_double(struct cadv_prom_emit *e, double v, const char *const *ev);
/* A decimal number as a label value, valid until the family is written. */
const char *cadv_prom_num(struct cadv_prom_emit *e, int64_t v);
/* A copy of s, valid until the family is written. */
const char *cadv_prom_str(struct cadv_prom_emit *e, const char *s);
