/* SPDX-License-Identifier: Apache-2.0 */
/* scheduler.h - housekeeping: the collector thread, its min-heap of next-due times (monotonic clock)
 * and cAdvisor's per-container schedule (dynamic interval, jitter); on-demand collections
 * (cadv_manager_refresh in manager.h). Internal to src/manager/, except the two pure functions,
 * which tests call. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct cadv_container;
struct cadv_manager;

/* cAdvisor's nextHousekeepingInterval without the jitter: with dynamic housekeeping and two samples,
 * equal stats double cur (capped at max) while cur < max, different stats reset it to base; with
 * fewer than two samples, or without dynamic housekeeping, cur is kept. (cAdvisor also resets to base
 * when equal stats find cur already at max; cadv stays at max, as documented.) */
uint64_t cadv_sched_next_interval(uint64_t cur_ns, uint64_t base_ns, uint64_t max_ns, bool dynamic,
                                  int n_samples, bool stats_equal);
/* cAdvisor's jitter: interval + u * factor * interval, u in [0, 1); a negative factor means 1.0 and
 * 0 means no jitter. Saturates at UINT64_MAX whatever the factor (no undefined float->int cast). */
uint64_t cadv_sched_jitter(uint64_t interval_ns, double factor, double u);

/* Sets up the scheduler fields of m (no thread). */
void cadv_sched_init(struct cadv_manager *m);
/* Drops every scheduled reference and frees the buffers; the thread must be stopped. */
void cadv_sched_done(struct cadv_manager *m);
/* Starts the collector thread. Returns 0 or a negative errno. */
int cadv_sched_start(struct cadv_manager *m);
/* Stops and joins the collector thread (idempotent). */
void cadv_sched_stop(struct cadv_manager *m);
/* Schedules c's first collection now (takes a reference). */
void cadv_sched_add(struct cadv_manager *m, struct cadv_container *c);
/* Unschedules c (no-op if it is not scheduled). */
void cadv_sched_remove(struct cadv_manager *m, struct cadv_container *c);
/* Makes c due now and resets its dynamic housekeeping backoff to the base interval (something
 * changed that the next sample must show soon, e.g. its memory.events: an OOM kill). */
void cadv_sched_poke(struct cadv_manager *m, struct cadv_container *c);
