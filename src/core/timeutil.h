/* SPDX-License-Identifier: Apache-2.0 */
/* timeutil.h - clocks and Go-compatible time formatting. One internal unit: uint64_t nanoseconds. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CADV_NS_PER_US  1000ULL
#define CADV_NS_PER_MS  1000000ULL
#define CADV_NS_PER_SEC 1000000000ULL

/* Wall clock (CLOCK_REALTIME), ns since the Unix epoch. */
uint64_t cadv_now_ns(void);
/* Monotonic clock (CLOCK_MONOTONIC), ns. */
uint64_t cadv_mono_ns(void);
/* Writes ns as Go's time.RFC3339Nano in the process's local zone ("Z" for UTC), trailing fractional
 * zeros dropped; 0 is Go's zero time "0001-01-01T00:00:00Z". Returns the length written. */
size_t cadv_format_rfc3339(uint64_t ns, char *buf, size_t size);
/* Parses an RFC3339 time (with optional fraction and Z or +hh:mm offset). Returns 0 or -EINVAL. */
int cadv_parse_rfc3339(const char *s, uint64_t *ret_ns);
