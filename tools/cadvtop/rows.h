/* SPDX-License-Identifier: Apache-2.0 */
/* rows.h - cadvtop's table: one row per container from the REST API of cadv or cAdvisor
 * (/api/v2.1/stats/?recursive=true&count=2: every container's spec and last two samples; the
 * v2.0 stats and spec answers parse too), sorting and formatting. No I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct top_row {
    char *name;                   /* first alias (docker name), else the container (cgroup) name */
    char *container;              /* the container name, e.g. /docker/<id> */
    double cpu_pct;               /* 100 = one CPU busy, over the last two samples; < 0 unknown */
    int64_t mem_bytes;            /* memory usage; < 0 unknown */
    int64_t mem_limit;            /* the container's limit, else the machine's memory; < 0 unknown */
    int64_t rx_bytes, tx_bytes;   /* network totals over every interface; < 0 unknown */
    int64_t read_bytes, wr_bytes; /* block I/O totals (io_service_bytes); < 0 unknown */
    int64_t pids;                 /* processes.process_count; < 0 unknown (process kind disabled) */
};

struct top_table {
    struct top_row *rows;
    size_t n;
};

enum top_sort {
    TOP_SORT_NAME,
    TOP_SORT_CPU,
    TOP_SORT_MEM,
    TOP_SORT_NET,
    TOP_SORT_IO,
    TOP_SORT_PIDS
};

/* Builds the rows from the bodies of /api/v2.1/stats or v2.0 (stats, required) and /api/v2.0/spec (spec,
 * may be NULL: no aliases nor limits). machine_mem is the machine's memory, the limit shown for an
 * unlimited container (0: unknown). Returns 0, or -EINVAL with a reason in why (why_len bytes)
 * when stats is not the API's JSON. On success *ret is filled (free with top_table_done). */
int top_table_parse(const char *stats, size_t stats_len, const char *spec, size_t spec_len,
                    int64_t machine_mem, struct top_table *ret, char *why, size_t why_len);
void top_table_done(struct top_table *t);
/* Sorts by key: numbers largest first, names A to Z; reverse turns it round. Unknowns go last. */
void top_table_sort(struct top_table *t, enum top_sort key, bool reverse);
/* Maps a key name ("cpu", "mem", "name", "net", "io", "pids") to its sort; -1 if none. */
int top_sort_parse(const char *name);
/* The column heading of each sort key, and the header line of a table (columns as top_row_format). */
const char *top_sort_label(enum top_sort key);
void top_header_format(char *out, size_t n, int name_width, bool raw);
/* One row: name padded to name_width, then CPU %, MEM USAGE / LIMIT, MEM %, NET RX / TX,
 * BLOCK READ / WRITE, PIDS. raw: plain byte counts instead of KiB/MiB/GiB. */
void top_row_format(const struct top_row *r, char *out, size_t n, int name_width, bool raw);
/* Writes v as 1.5KiB/12.0MiB/... (or "-" when v < 0). */
void top_bytes_format(int64_t v, char *out, size_t n);
