/* SPDX-License-Identifier: Apache-2.0 */
/* summary.h - cAdvisor's derived stats (summary package, /api/v2.0/summary): the latest CPU rate and
 * working set, and minute, hour and day percentiles of both, from a container's samples.
 *
 * Minutes are made as cAdvisor makes them (when the buffered samples span more than 60 s, with
 * cAdvisor's percentile method); hour aggregates the last 60 minute records exactly as cAdvisor does
 * (max of maxes, mean of means, percentiles and std of the minutes' 90th percentiles). Unlike
 * cAdvisor, whose "day" is its 60-minute ring again, the day covers the last 1440 minutes: the
 * minutes older than the hour are kept as 16-bit log-encoded values (relative error below 0.1%),
 * and their maxima per clock hour. The whole state is under CADV_SUMMARY_MAX_BYTES.
 * Not thread-safe: the caller serialises (the collector holds the container's lock). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_summary;

/* cAdvisor's Percentiles. */
struct cadv_percentiles {
    bool present;
    uint64_t mean, std, max, fifty, ninety, ninetyfive, count;
};

/* cAdvisor's Usage. */
struct cadv_usage {
    int32_t percent_complete;
    struct cadv_percentiles cpu, memory;
};

/* cAdvisor's DerivedStats: cpu in milli-cores, memory in bytes (working set). */
struct cadv_derived {
    uint64_t timestamp_ns;
    uint64_t latest_cpu, latest_memory;
    struct cadv_usage minute, hour, day;
};

#define CADV_SUMMARY_MAX_BYTES (16 * 1024)

/* Never returns NULL. */
struct cadv_summary *cadv_summary_new(void);
/* Accepts NULL; returns NULL. */
struct cadv_summary *cadv_summary_free(struct cadv_summary *s);
/* Adds one sample: its time, cumulative CPU usage (ns) and working set (bytes). */
void cadv_summary_add(struct cadv_summary *s, uint64_t ts_ns, uint64_t cpu_total_ns, uint64_t working_set);
/* The current derived stats. */
void cadv_summary_get(const struct cadv_summary *s, struct cadv_derived *ret);
/* Bytes held by a summary state: the same for every one, so s may be NULL. */
size_t cadv_summary_bytes(const struct cadv_summary *s);

/* cAdvisor's Percentile of p (0..1) over v (n values, sorted in place): position p * (n + 1),
 * linear interpolation between neighbours. 0 for an empty set. */
uint64_t cadv_percentile(uint64_t *v, size_t n, double p);
