/* SPDX-License-Identifier: Apache-2.0 */
/* ondemand.h - on-demand collections (cadv_manager_refresh in manager.h, in ondemand.c): readers that
 * ask for a maximum age collect stale containers on their own thread, with scratch samples from a
 * small pool under the pool's own lock (a leaf). Internal to src/manager/. */
#pragma once

#include <stdbool.h>

struct ondemand;
struct scheduler;

/* sched (borrowed) collects; skip_root: the root container is never collected
 * (-disable_root_cgroup_stats). Never returns NULL. */
struct ondemand *ondemand_new(struct scheduler *sched, bool skip_root);
/* Frees the pooled scratches; accepts NULL; returns NULL. */
struct ondemand *ondemand_free(struct ondemand *od);
