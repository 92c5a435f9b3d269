/* SPDX-License-Identifier: Apache-2.0 */
/* scheduler.h - housekeeping: the collector thread, its min-heap of next-due times (monotonic clock)
 * and cAdvisor's per-container schedule (dynamic interval, jitter); the collection of one container,
 * which on-demand refreshes (ondemand.h) share. The scheduler owns its lock (the heap, each
 * container's heap_idx and poke time) and the collector's buffers; collection counters are atomics.
 * Internal to src/manager/, except the two pure functions, which tests call. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manager/manager.h"
#include "model/sample.h"

struct cadv_collectors;
struct cadv_config;
struct cadv_container;
struct cadv_events;
struct cadv_machinefs;
struct cadv_manager;
struct cadv_oom_watch;
struct scheduler;

/* cAdvisor's nextHousekeepingInterval without the jitter: with dynamic housekeeping and two samples,
 * equal stats double cur (capped at max) while cur < max, different stats reset it to base; with
 * fewer than two samples, or without dynamic housekeeping, cur is kept. (cAdvisor also resets to base
 * when equal stats find cur already at max; cadv stays at max, as documented.) */
uint64_t cadv_sched_next_interval(uint64_t cur_ns, uint64_t base_ns, uint64_t max_ns, bool dynamic,
                                  int n_samples, bool stats_equal);
/* cAdvisor's jitter: interval + u * factor * interval, u in [0, 1); a negative factor means 1.0 and
 * 0 means no jitter. Saturates at UINT64_MAX whatever the factor (no undefined float->int cast). */
uint64_t cadv_sched_jitter(uint64_t interval_ns, double factor, double u);

/* What a collection reads besides the container; all borrowed, and set before any thread starts. */
struct scheduler_deps {
    const struct cadv_config *cfg;
    uint32_t kinds;
    uint64_t base_interval_ns, max_interval_ns;
    int proc_fd; /* -1: no network or process figures */
    struct cadv_machinefs *machinefs;
    struct cadv_collectors *collectors;
    struct cadv_events *events;
    struct cadv_manager *m; /* manager_container_gone */
};

/* What one collection needs besides the container: a scratch sample (arrays at full capacity) and,
 * with the process kind, a pid buffer. One for the collector, pooled ones for on-demand callers. */
struct cadv_scratch {
    struct cadv_sample s;
    struct cadv_net_extra *net; /* s.net's storage, detached while a sample without it is stored */
    struct cadv_sample carry;   /* a hot-only collection: the newest sample, hot counters renewed */
    uint32_t *pids;
    size_t pids_cap;
};

/* No thread yet. Never returns NULL. */
struct scheduler *scheduler_new(const struct scheduler_deps *deps);
/* Drops every scheduled reference and frees the buffers; the thread must be stopped. Accepts NULL;
 * returns NULL. */
struct scheduler *scheduler_free(struct scheduler *s);
/* Starts the collector thread. oom (may be NULL) must outlive it; hook (may be NULL) is called after
 * each stored sample (manager.h cadv_sample_hook). Returns 0 or a negative errno. */
int scheduler_start(struct scheduler *s, struct cadv_oom_watch *oom, cadv_sample_hook hook, void *hook_arg);
/* Stops and joins the collector thread (idempotent) and forgets the OOM watch. */
void scheduler_stop(struct scheduler *s);
/* Schedules c's first collection now (takes a reference). */
void scheduler_add(struct scheduler *s, struct cadv_container *c);
/* Unschedules c (no-op if it is not scheduled). */
void scheduler_remove(struct scheduler *s, struct cadv_container *c);
/* Makes c due now and resets its dynamic housekeeping backoff to the base interval (something
 * changed that the next sample must show soon, e.g. its memory.events: an OOM kill). */
void scheduler_poke(struct scheduler *s, struct cadv_container *c);

/* A scratch for an on-demand caller (scheduler_scratch_free releases it). */
struct cadv_scratch *scheduler_scratch_new(const struct scheduler *s);
void scheduler_scratch_free(struct cadv_scratch *sc);
/* Collects c on the caller's thread into sc unless its newest sample is at most max_age_ns old
 * (concurrent callers and the collector serialise on c's collect_lock). Returns 1 if a sample was
 * stored, 0 if not, -ENOENT if the cgroup is gone (the caller calls manager_container_gone). */
int scheduler_collect_now(struct scheduler *s, struct cadv_container *c, struct cadv_scratch *sc,
                          uint64_t max_age_ns);
/* Counts n samples stored by on-demand refreshes (n > 0 also moves the generation). */
void scheduler_count_ondemand(struct scheduler *s, size_t n);
/* Increments on each scheduler pass or on-demand refresh that stored a sample. */
uint64_t scheduler_generation(struct scheduler *s);
/* Fills the collection counters of *ret (collections, read errors, cycles, on-demand). */
void scheduler_get_stats(struct scheduler *s, struct cadv_manager_stats *ret);
