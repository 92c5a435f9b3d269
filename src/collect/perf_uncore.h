/* SPDX-License-Identifier: Apache-2.0 */
/* perf_uncore.h - uncore PMUs as sysfs describes them (cAdvisor's uncore perf collector): discovery
 * of <sys>/bus/event_source/devices/uncore_* (type, cpumask), the sysfs event aliases
 * (events/<name>: "event=0x04,umask=0x03") and their encoding into perf_event_attr config words
 * through the PMU's format/ bit fields ("config:0-7", "config1:0-15,32-35", "config:21").
 *
 * Every parser is bounded and pure (fuzzed: tests/fuzz/fuzz_perf_uncore.c); the sysfs root is a
 * parameter so tests run against a fixture tree. Nothing here logs or opens perf counters. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CADV_UNCORE_PMU_NAME_MAX 64   /* bytes, NUL included */
#define CADV_UNCORE_MAX_CPUS     64   /* CPUs of one PMU's cpumask */
#define CADV_UNCORE_MAX_PMUS     512  /* uncore PMUs of a machine */
#define CADV_UNCORE_FILE_MAX     4096 /* bytes of a type/cpumask/format/events file */
#define CADV_UNCORE_MAX_TERMS    16   /* terms of one event alias */
#define CADV_UNCORE_MAX_RANGES   8    /* bit ranges of one format field */

struct cadv_uncore_pmu {
    char name[CADV_UNCORE_PMU_NAME_MAX];
    uint32_t type;
    uint32_t cpus[CADV_UNCORE_MAX_CPUS];
    size_t n_cpus;
};

/* One format/ field: which config word (0 config, 1 config1, 2 config2) and its bit ranges, the
 * value's low bits going to the first range. */
struct cadv_uncore_format {
    uint32_t word;
    uint32_t n_ranges;
    uint8_t lo[CADV_UNCORE_MAX_RANGES], hi[CADV_UNCORE_MAX_RANGES];
};

/* Parses a CPU list ("0", "0,18", "0-3,8\n"; at most cap CPUs, each < 65536) into cpus. Returns 0
 * with *ret_n set, -EINVAL (malformed, empty) or -E2BIG (more than cap). */
int cadv_uncore_cpulist_parse(const char *s, size_t len, uint32_t *cpus, size_t cap, size_t *ret_n);
/* Parses a format/ file ("config:0-7", "config1:0-15,32-35", "config2:3"). Returns 0 or -EINVAL. */
int cadv_uncore_format_parse(const char *s, size_t len, struct cadv_uncore_format *ret);

/* Looks the format/ field of term up (term: [a-z0-9_]+). Returns 0, -ENOENT or a negative errno. */
typedef int (*cadv_uncore_format_lookup)(void *userdata, const char *term, struct cadv_uncore_format *ret);
/* Encodes an event alias or term list ("event=0x04,umask=0x3,edge"; a term without a value is 1)
 * into config[0..2] through lookup. Returns 0, or -EINVAL / -ENOENT (unknown term) / -ERANGE (a
 * value wider than its field) / -E2BIG with a message in err (cap bytes, may be NULL). */
int cadv_uncore_encode(const char *terms, size_t len, cadv_uncore_format_lookup lookup, void *userdata,
                       uint64_t config[3], char *err, size_t cap);

/* Lists the uncore PMUs (directories named uncore*) under <sys_root>/bus/event_source/devices,
 * sorted by name, into a malloc'd array (*ret, caller frees; NULL when none). A PMU whose type or
 * cpumask cannot be read or parsed is left out. Returns the number of PMUs, or -ENOENT when the
 * directory is missing. */
int cadv_uncore_pmus_discover(const char *sys_root, struct cadv_uncore_pmu **ret);
/* Encodes event on pmu: a term list when it holds '=', else the alias
 * <sys_root>/bus/event_source/devices/<pmu>/events/<event>; format fields from the PMU's format/.
 * Returns 0 with config set, -ENOENT (no such alias: another resolver may know the name) or an
 * error of cadv_uncore_encode, with a message in err. */
int cadv_uncore_event_encode(const char *sys_root, const struct cadv_uncore_pmu *pmu, const char *event,
                             uint64_t config[3], char *err, size_t cap);
/* The socket (physical_package_id) of cpu under <sys_root>/devices/system/cpu, or -1 (cAdvisor's
 * value for a CPU it cannot place). */
int cadv_uncore_socket_of_cpu(const char *sys_root, uint32_t cpu);
