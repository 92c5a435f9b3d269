/* SPDX-License-Identifier: Apache-2.0 */
/* json.h - streaming JSON writer into a cadv_buf, byte-compatible with Go's encoding/json
 * (cAdvisor's encoder): HTML-safe escaping of <, >, &, U+2028/9, invalid UTF-8 as U+FFFD, and
 * floats in Go's shortest form ('e' below 1e-6 and from 1e21). Commas are inserted automatically.
 * Not thread-safe. Nesting deeper than CADV_JSON_MAX_DEPTH is a programming error. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CADV_JSON_MAX_DEPTH 32

struct cadv_buf;

struct cadv_json {
    struct cadv_buf *out;
    int depth;
    bool need_comma[CADV_JSON_MAX_DEPTH];
    bool after_key;
};

void cadv_json_init(struct cadv_json *w, struct cadv_buf *out);
void cadv_json_obj_begin(struct cadv_json *w);
void cadv_json_obj_end(struct cadv_json *w);
void cadv_json_arr_begin(struct cadv_json *w);
void cadv_json_arr_end(struct cadv_json *w);
/* Writes an object key; the next value call writes its value. */
void cadv_json_key(struct cadv_json *w, const char *key);
/* Like cadv_json_key for a key of n bytes that needs no escaping (printable ASCII other than
 * '"', '\\', '<', '>', '&'), e.g. a literal of the caller's: no scan, one copy. */
void cadv_json_key_lit(struct cadv_json *w, const char *key, size_t n);
void cadv_json_str(struct cadv_json *w, const char *s);
void cadv_json_strn(struct cadv_json *w, const char *s, size_t n);
void cadv_json_u64(struct cadv_json *w, uint64_t v);
void cadv_json_i64(struct cadv_json *w, int64_t v);
void cadv_json_double(struct cadv_json *w, double v);
void cadv_json_bool(struct cadv_json *w, bool v);
void cadv_json_null(struct cadv_json *w);
/* Writes a time (ns since the epoch) as Go's RFC3339Nano in local time; 0 as 0001-01-01T00:00:00Z. */
void cadv_json_time(struct cadv_json *w, uint64_t ns);
/* Writes pre-rendered JSON as a value. */
void cadv_json_raw(struct cadv_json *w, const char *s, size_t n);

/* Shorthands: key then value. */
void cadv_json_kstr(struct cadv_json *w, const char *key, const char *s);
void cadv_json_ku64(struct cadv_json *w, const char *key, uint64_t v);
void cadv_json_ki64(struct cadv_json *w, const char *key, int64_t v);
void cadv_json_kbool(struct cadv_json *w, const char *key, bool v);
void cadv_json_ktime(struct cadv_json *w, const char *key, uint64_t ns);

/* Appends v to out in Go's strconv 'g'-shortest style used by encoding/json (see above). */
void cadv_format_go_float(struct cadv_buf *out, double v);
