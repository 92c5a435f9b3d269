/* SPDX-License-Identifier: Apache-2.0 */
/* discovery.h - finding cgroups: recursive walks of every hierarchy, inotify watches on every cgroup
 * directory, periodic rescans that diff and fix, and the watcher thread that runs them (and the
 * machine-info refresh). Discovery state belongs to one thread at a time: the caller of
 * cadv_discovery_scan before the watcher starts, then the watcher. Internal to src/manager/. */
#pragma once

struct cadv_discovery;
struct cadv_manager;

/* Opens the inotify instance (if it fails, discovery relies on rescans, with a warning). */
struct cadv_discovery *cadv_discovery_new(struct cadv_manager *m);
struct cadv_discovery *cadv_discovery_free(struct cadv_discovery *d);
/* Walks every hierarchy (adding watches), then creates and removes containers to match. */
void cadv_discovery_scan(struct cadv_discovery *d);
/* Starts the watcher thread on m->disc: a second scan, then inotify events, rescans every
 * global_housekeeping_interval and machine info every update_machine_info_interval. */
int cadv_discovery_start(struct cadv_manager *m);
/* Wakes (m->wake_fd) and joins the watcher (idempotent). */
void cadv_discovery_stop(struct cadv_manager *m);
/* Asks the watcher to re-check name's directories in a second (any thread; bounded, drops beyond). */
void cadv_discovery_recheck(struct cadv_manager *m, const char *name);
/* Frees the pending re-checks (threads stopped). */
void cadv_discovery_recheck_done(struct cadv_manager *m);
