/* SPDX-License-Identifier: Apache-2.0 */
/* timeutil.h - clocks and Go-compatible time formatting. One internal unit: uint64_t nanoseconds. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CADV_NS_PER_US  1000ULL
#define CADV_NS_PER_MS  1000000ULL
#define CADV_NS_PER_SEC 1000000000ULL

/* Go's zero time.Time (0001-01-01T00:00:00Z), in seconds since the Unix epoch. */
#define CADV_GO_ZERO_TIME_SEC (-62135596800LL)

/* Wall clock (CLOCK_REALTIME), ns since the Unix epoch. */
uint64_t cadv_now_ns(void);
/* Monotonic clock (CLOCK_MONOTONIC), ns. */
uint64_t cadv_mono_ns(void);
/* Writes ns as Go's time.RFC3339Nano in the process's local zone ("Z" for UTC), trailing fractional
 * zeros dropped; 0 is Go's zero time "0001-01-01T00:00:00Z". Returns the length written. */
size_t cadv_format_rfc3339(uint64_t ns, char *buf, size_t size);
/* Parses an RFC 3339 time as Go's time.Parse(time.RFC3339) does: years 0000-9999, an optional
 * fraction (digits past nanoseconds dropped), "Z" or a +hh:mm/-hh:mm offset; days checked against
 * their month, no leap second. *ret_sec is seconds since the Unix epoch (negative before 1970; Go's
 * zero time "0001-01-01T00:00:00Z" is CADV_GO_ZERO_TIME_SEC), *ret_nsec the fraction. Returns 0 or
 * -EINVAL. */
int cadv_parse_rfc3339_sec(const char *s, int64_t *ret_sec, uint32_t *ret_nsec);
/* The same as nanoseconds since the epoch. Returns 0, -EINVAL, or -ERANGE for a valid time before
 * 1970 or after 2554 (outside uint64_t nanoseconds). */
int cadv_parse_rfc3339(const char *s, uint64_t *ret_ns);
