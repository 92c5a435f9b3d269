/* SPDX-License-Identifier: Apache-2.0 */
/* keyed.h - allocation-free parsers for the text formats of cgroup files: flat "key value" lines
 * (memory.stat, cpu.stat, memory.events), nested "8:0 rbytes=1 wbytes=2" lines (io.stat), v1 blkio
 * lines "8:0 Read 123", PSI lines "some avg10=0.00 avg60=0.00 avg300=0.00 total=0", numa_stat lines
 * "file=218 N0=218" and whitespace-separated number lists (cpuacct.usage_percpu).
 *
 * Every parser takes (buf, len) without needing a NUL terminator, never reads past len, never
 * allocates and is safe on any input (fuzzed). Numbers follow libcontainer's ParseUint: a negative
 * integer reads as 0, "max" (where a single value is expected) as UINT64_MAX. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cadv_psi;

/* Most keys one cadv_keyed_parse call can look for (bits of *ret_found). */
#define CADV_KEYED_MAX_KEYS 64

/* Called for each well-formed "key value" line. Returns 0 to go on, < 0 to stop (returned as is). */
typedef int (*cadv_keyed_cb)(void *ctx, const char *key, size_t key_len, uint64_t value);
/* Called for each "key=value" pair of a nested line "MAJ:MIN k=v ...". */
typedef void (*cadv_nested_cb)(void *ctx, uint64_t major, uint64_t minor, const char *key, size_t key_len,
                               uint64_t value);
/* Called for each v1 blkio entry; op is "" (op_len 0) for files without an op column. */
typedef void (*cadv_blkio_cb)(void *ctx, uint64_t major, uint64_t minor, const char *op, size_t op_len,
                              uint64_t value);
/* Called for each "N<node>=<pages>" column of a numa_stat line whose first column is key=total. */
typedef void (*cadv_numa_cb)(void *ctx, const char *key, size_t key_len, uint64_t node, uint64_t pages);

/* Parses one value file ("123\n", "max", "-1"): "max" gives UINT64_MAX, negatives give 0.
 * Returns 0 or -EINVAL. */
int cadv_keyed_parse_value(const char *buf, size_t len, uint64_t *ret);

/* Calls cb for each "key value" line (split at the first space; trailing blanks ignored).
 * Malformed lines are skipped. Returns the number of lines passed to cb, or cb's negative result. */
int cadv_keyed_foreach(const char *buf, size_t len, cadv_keyed_cb cb, void *ctx);

/* For each line whose key equals keys[i] (n <= CADV_KEYED_MAX_KEYS), stores the value in values[i]
 * and sets bit i of *ret_found (other entries are left untouched). Returns the number of matches,
 * or -EINVAL if n is too large. */
int cadv_keyed_parse(const char *buf, size_t len, const char *const *keys, size_t n, uint64_t *values,
                     uint64_t *ret_found);

/* Calls cb for each pair of each "MAJ:MIN k=v k=v" line; lines without MAJ:MIN and pairs without '='
 * or with a non-numeric value are skipped. Returns the number of device lines seen. */
int cadv_nested_keyed_parse(const char *buf, size_t len, cadv_nested_cb cb, void *ctx);

/* Parses a v1 blkio file (fields split at spaces and ':'): "MAJ:MIN Op value", "MAJ:MIN value" or
 * "Total value" (skipped). cb may be NULL to only validate and count. Returns the number of entries,
 * or -EBADMSG for a malformed line (cb has then been called for the entries before it). */
int cadv_blkio_parse(const char *buf, size_t len, cadv_blkio_cb cb, void *ctx);

/* Parses a PSI file into *ret (averages in hundredths of a percent, total in µs); lines other than
 * "some"/"full" are ignored. Returns 0, or -EBADMSG (then *ret is untouched). */
int cadv_psi_parse(const char *buf, size_t len, struct cadv_psi *ret);

/* Parses whitespace-separated unsigned integers into out (at most cap; the rest are dropped).
 * Returns the number stored, or -EBADMSG if a field is not a number. */
int cadv_keyed_parse_list(const char *buf, size_t len, uint64_t *out, size_t cap);

/* Parses a v1 memory.numa_stat file: for each line "name=total N0=a N1=b" calls cb per node column.
 * Lines whose first column has no '=' are skipped (custom kernels). Returns the number of lines
 * parsed, or -EBADMSG for a malformed node column. */
int cadv_numa_stat_parse(const char *buf, size_t len, cadv_numa_cb cb, void *ctx);
