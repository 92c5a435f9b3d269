/* SPDX-License-Identifier: Apache-2.0 */
/* parse.h - checked, locale-independent number, duration and boolean parsers. Each takes an exact
 * string (the whole string must be consumed) and returns 0 or -EINVAL/-ERANGE, writing *ret only on
 * success. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_buf;

int cadv_parse_u64(const char *s, uint64_t *ret);
int cadv_parse_i64(const char *s, int64_t *ret);
/* Like cadv_parse_u64 on the n bytes at s (not NUL-terminated). */
int cadv_parse_u64n(const char *s, size_t n, uint64_t *ret);
int cadv_parse_i64n(const char *s, size_t n, int64_t *ret);
int cadv_parse_double(const char *s, double *ret);
/* Go's time.ParseDuration: "1m30s", "1.5h", "300ms", "-2s", "0". Result in ns (may be negative). */
int cadv_parse_duration(const char *s, int64_t *ret_ns);
/* Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False. */
int cadv_parse_bool(const char *s, bool *ret);
/* Appends ns formatted as Go's Duration.String() ("1m0s", "2m0s", "1.5s", "0s", "300ms"). */
void cadv_format_duration(struct cadv_buf *out, int64_t ns);
