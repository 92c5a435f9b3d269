/* SPDX-License-Identifier: Apache-2.0 */
/* perf.h - per-container perf event counters (cAdvisor's perf collector): the -perf_events_config
 * JSON (core and uncore groups, custom raw events), event names resolved through libpfm4 when built
 * with it, else through the kernel's generic hardware/software names, and counters opened with
 * perf_event_open(PERF_FLAG_PID_CGROUP) on every online CPU.
 *
 * The parsed configuration is process-wide: cadv_perf_config_install() publishes it once before
 * collection starts, and samples carry event indices into it (cadv_perf_event_name).
 *
 * Uncore events (cAdvisor's "uncore" group) are counted per PMU, not per cgroup, for the root
 * container only: each "<pmu prefix>/<event>" is opened system-wide (pid -1) on every CPU of the
 * cpumask of every uncore PMU whose name starts with the prefix (collect/perf_uncore.h); samples
 * carry them as perf entries whose event has CADV_PERF_UNCORE_BIT set.
 *
 * Thread-safety: a config is immutable after resolve; a cadv_perf_counters is used by one thread at
 * a time (the collector). Nothing here logs: errors are returned or reported through a callback. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_sample;
struct cadv_perf_config;
struct cadv_perf_counters;

/* Input limits of the config parser. */
#define CADV_PERF_CONFIG_MAX_BYTES (1u << 20)
#define CADV_PERF_MAX_EVENTS       128
#define CADV_PERF_NAME_MAX         128
#define CADV_PERF_MAX_UNCORE       1024 /* uncore counters (event x PMU x CPU) */

/* Set in a perf entry's event for an uncore counter; the low 32 bits index the uncore counters. */
#define CADV_PERF_UNCORE_BIT (UINT64_C(1) << 32)

static inline bool cadv_perf_event_is_uncore(uint64_t event)
{
    return (event & CADV_PERF_UNCORE_BIT) != 0;
}

/* Parses cAdvisor's perf config JSON ({"core":{"events":[...],"custom_events":[...]},"uncore":...};
 * an element of "events" is an event name or an array of names forming one group; a custom event
 * is {"type":u32,"config":["0x..",...up to 3],"name":str}). Returns 0 with *ret set, or -EINVAL /
 * -E2BIG with a message in err (cap bytes, may be NULL). */
int cadv_perf_config_parse(const char *json, size_t len, struct cadv_perf_config **ret, char *err,
                           size_t cap);
/* Reads and parses a config file (at most CADV_PERF_CONFIG_MAX_BYTES). */
int cadv_perf_config_load(const char *path, struct cadv_perf_config **ret, char *err, size_t cap);
struct cadv_perf_config *cadv_perf_config_free(struct cadv_perf_config *cfg);

typedef void (*cadv_perf_report_cb)(void *userdata, const char *event, const char *why);
/* Resolves every core event to a perf_event_attr: a custom event of that name, else libpfm4, else the
 * kernel's generic names ("cycles", "task-clock", "context-switches", ...). An event that does not
 * resolve is reported through report and left out; the rest of its group still counts. Returns the
 * number of events left to count. */
size_t cadv_perf_config_resolve(struct cadv_perf_config *cfg, cadv_perf_report_cb report, void *userdata);
/* Resolves the uncore events against the uncore PMUs under <sys_root>/bus/event_source/devices: a
 * custom event of that name (type 0: every PMU of the prefix; else the PMU of that type), a sysfs
 * alias (events/<name>) or term list ("event=0x4,umask=0x3") encoded through the PMU's format/, else
 * libpfm4 with the PMU's type. Grouped uncore events are not supported (cAdvisor). Events that match
 * no PMU are reported. Returns the number of uncore counters (event x PMU x cpumask CPU). */
size_t cadv_perf_config_resolve_uncore(struct cadv_perf_config *cfg, const char *sys_root,
                                       cadv_perf_report_cb report, void *userdata);
/* Number of uncore counters, and the idx-th: its event name (NULL when out of range), PMU, socket
 * (-1 unknown), CPU, perf type and config words (each out-parameter may be NULL). */
size_t cadv_perf_config_n_uncore(const struct cadv_perf_config *cfg);
const char *cadv_perf_config_uncore(const struct cadv_perf_config *cfg, size_t idx, const char **ret_pmu,
                                    int *ret_socket, uint32_t *ret_cpu, uint32_t *ret_type,
                                    uint64_t ret_config[3]);

/* Number of events (core, in config order) and their names; indices are what samples carry. */
size_t cadv_perf_config_n_events(const struct cadv_perf_config *cfg);
const char *cadv_perf_config_event_name(const struct cadv_perf_config *cfg, size_t idx);

/* Publishes cfg as the process's config for cadv_perf_event_name (call once, before readers). */
void cadv_perf_config_install(const struct cadv_perf_config *cfg);
/* Name of event idx of the installed config, or "" when out of range / none installed. */
const char *cadv_perf_event_name(uint64_t idx);

/* Of a perf entry's event with CADV_PERF_UNCORE_BIT in the installed config: its name ("" when out of
 * range), *ret_pmu and *ret_socket. */
const char *cadv_perf_uncore_name(uint64_t event, const char **ret_pmu, int *ret_socket);

/* Writes the directory of container `name`'s perf_event cgroup under cgroup_root into buf: the v1
 * perf_event hierarchy when mounted, else the unified hierarchy (pure v2, or the hybrid's "unified"
 * mount). Returns 0, -ENOENT when there is none, -ENAMETOOLONG. */
int cadv_perf_cgroup_dir(const char *cgroup_root, const char *name, char *buf, size_t cap);

/* Caps the counter fds all cadv_perf_counters hold together (default: no cap). */
void cadv_perf_set_fd_budget(int fds);
/* Opens the resolved events of cfg for the cgroup directory on every online CPU. Returns 0 with
 * *ret set, or a negative errno (-ENOENT: no such cgroup; -EMFILE: the fd budget would be passed;
 * the errno of perf_event_open when no counter at all could be opened). */
int cadv_perf_counters_open(const struct cadv_perf_config *cfg, const char *cgroup_dir,
                            struct cadv_perf_counters **ret);
/* Adds cfg's uncore counters (system-wide, one per PMU and cpumask CPU) to *pc, making it when NULL.
 * Returns the number opened, 0 when cfg has none, or a negative errno (-EMFILE: fd budget; else the
 * first perf_event_open error when none opened). */
int cadv_perf_counters_open_uncore(const struct cadv_perf_config *cfg, struct cadv_perf_counters **pc);
struct cadv_perf_counters *cadv_perf_counters_free(struct cadv_perf_counters *pc);
/* Reads all counters into s->perf (one entry per CPU and event, values scaled for multiplexing as
 * cAdvisor scales them). Returns the number of entries or a negative errno. */
int cadv_perf_counters_read(struct cadv_perf_counters *pc, struct cadv_sample *s);

/* cAdvisor's scaling: ratio = running/enabled (1 when either is 0), value = raw/ratio. */
void cadv_perf_scale(uint64_t raw, uint64_t enabled, uint64_t running, uint64_t *ret_value,
                     double *ret_ratio);
