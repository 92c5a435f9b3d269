/* SPDX-License-Identifier: Apache-2.0 */
/* promtext.h - a bounded parser of the Prometheus text exposition format (version 0.0.4), for the
 * application metrics cadv scrapes from containers (cAdvisor's prometheus collector decodes the same
 * format with expfmt). The whole input is validated: one malformed line fails the parse, as Go's
 * text parser does, so the caller keeps what the callback saw only when the parse succeeds.
 *
 * No allocation: label values are unescaped into a caller-owned scratch area inside the parser
 * state. Names are at most CADV_PROMTEXT_NAME_MAX bytes, label values CADV_PROMTEXT_VALUE_MAX, and a
 * sample has at most CADV_PROMTEXT_MAX_LABELS labels; anything larger is an error. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CADV_PROMTEXT_NAME_MAX   256
#define CADV_PROMTEXT_VALUE_MAX  1024
#define CADV_PROMTEXT_MAX_LABELS 32

enum cadv_promtext_type {
    CADV_PROMTEXT_UNTYPED,
    CADV_PROMTEXT_COUNTER,
    CADV_PROMTEXT_GAUGE,
    CADV_PROMTEXT_SUMMARY,
    CADV_PROMTEXT_HISTOGRAM,
};

struct cadv_promtext_label {
    const char *name;
    size_t name_len;
    const char *value; /* unescaped; not NUL-terminated */
    size_t value_len;
};

/* One sample line. Pointers are valid during the callback only. */
struct cadv_promtext_sample {
    const char *name; /* the sample's name ("x_bucket" for a histogram x) */
    size_t name_len;
    const char *family; /* the family it belongs to (a # TYPE line's name, or name) */
    size_t family_len;
    enum cadv_promtext_type type;             /* from the family's # TYPE line, else untyped */
    const struct cadv_promtext_label *labels; /* in the order written; names are unique */
    size_t n_labels;
    double value;
    bool has_timestamp;
    int64_t timestamp_ms;
};

/* Called for each sample; a negative return stops the parse and is returned. */
typedef int (*cadv_promtext_cb)(void *arg, const struct cadv_promtext_sample *s);

/* Parses text (len bytes, need not be NUL-terminated). Returns the number of samples, a negative
 * value returned by cb, or -EBADMSG for malformed input, with the 1-based line number written to
 * *ret_line (may be NULL) on -EBADMSG. */
int cadv_promtext_parse(const char *text, size_t len, cadv_promtext_cb cb, void *arg, size_t *ret_line);

/* cAdvisor's MetricSpec type of a family: counter "cumulative", gauge "gauge", others as the Go
 * protobuf enum prints them ("SUMMARY", "HISTOGRAM", "UNTYPED"). */
const char *cadv_promtext_spec_type(enum cadv_promtext_type t);
