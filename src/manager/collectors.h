/* SPDX-License-Identifier: Apache-2.0 */
/* collectors.h - the manager's optional per-container collectors (perf events, resctrl monitoring
 * groups): set up once with the manager, attached to each container when it is built, read in each
 * collection. Internal to src/manager/. */
#pragma once

struct cadv_container;
struct cadv_manager;
struct cadv_sample;

/* Loads -perf_events_config (when set and the perf_event kind is on), reports events that do not
 * resolve, and takes half of fds (the manager's fd budget) for perf counters in m->perf_fd_budget.
 * Checks resctrl. Returns 0, or a negative errno for a config that cannot be read or parsed (logged). */
int cadv_collectors_init(struct cadv_manager *m, int fds);
void cadv_collectors_done(struct cadv_manager *m);
/* Opens c's counters (before c is shared; failures are logged once at debug and leave c without). */
void cadv_collectors_attach(struct cadv_manager *m, struct cadv_container *c);
/* Adds c's figures to s (collect_lock held). */
void cadv_collectors_read(struct cadv_manager *m, struct cadv_container *c, struct cadv_sample *s);
/* Closes c's counters and removes its resctrl monitoring group (c's last reference is going away). */
void cadv_collectors_detach(struct cadv_container *c);
