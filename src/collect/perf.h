/* SPDX-License-Identifier: Apache-2.0 */
/* perf.h - per-container perf event counters (cAdvisor's perf collector): the -perf_events_config
 * JSON (core and uncore groups, custom raw events), event names resolved through libpfm4 when built
 * with it, else through the kernel's generic hardware/software names, and counters opened with
 * perf_event_open(PERF_FLAG_PID_CGROUP) on every online CPU.
 *
 * The parsed configuration is process-wide: cadv_perf_config_install() publishes it once before
 * collection starts, and samples carry event indices into it (cadv_perf_event_name). Uncore groups
 * are parsed and validated but not counted (no uncore PMU to test on; see README).
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
/* Number of events (core, in config order) and their names; indices are what samples carry. */
size_t cadv_perf_config_n_events(const struct cadv_perf_config *cfg);
const char *cadv_perf_config_event_name(const struct cadv_perf_config *cfg, size_t idx);

/* Publishes cfg as the process's config for cadv_perf_event_name (call once, before readers). */
void cadv_perf_config_install(const struct cadv_perf_config *cfg);
/* Name of event idx of the installed config, or "" when out of range / none installed. */
const char *cadv_perf_event_name(uint64_t idx);

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
struct cadv_perf_counters *cadv_perf_counters_free(struct cadv_perf_counters *pc);
/* Reads all counters into s->perf (one entry per CPU and event, values scaled for multiplexing as
 * cAdvisor scales them). Returns the number of entries or a negative errno. */
int cadv_perf_counters_read(struct cadv_perf_counters *pc, struct cadv_sample *s);

/* cAdvisor's scaling: ratio = running/enabled (1 when either is 0), value = raw/ratio. */
void cadv_perf_scale(uint64_t raw, uint64_t enabled, uint64_t running, uint64_t *ret_value,
                     double *ret_ratio);
