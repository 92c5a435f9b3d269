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
/* Go's strconv.ParseUint / ParseInt(s, base, bits) for base 0 (0x, 0o, 0b prefixes, a leading 0 is
 * octal, '_' between digits) or 10, bits 1..64. -ERANGE when the value does not fit in bits. */
int cadv_parse_go_uint(const char *s, int base, unsigned bits, uint64_t *ret);
int cadv_parse_go_int(const char *s, int base, unsigned bits, int64_t *ret);
/* Go's strconv.ParseFloat(s, 64): decimal, hex with a 'p' exponent, '_' between digits, and
 * [+-]inf, [+-]infinity, nan in any case. No spaces. -ERANGE on overflow to infinity. */
int cadv_parse_go_float(const char *s, double *ret);
/* Appends ns formatted as Go's Duration.String() ("1m0s", "2m0s", "1.5s", "0s", "300ms"). */
void cadv_format_duration(struct cadv_buf *out, int64_t ns);
