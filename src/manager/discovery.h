/* SPDX-License-Identifier: Apache-2.0 */
/* discovery.h - finding cgroups: recursive walks of every hierarchy, inotify watches on every cgroup
 * directory, periodic rescans that diff and fix, re-checks of names a collection found gone, and the
 * watcher thread that runs them (and the machine-info refresh). Discovery state belongs to one thread
 * at a time: the caller of discovery_scan before the watcher starts, then the watcher; only the
 * re-check queue is shared, under its own lock (a leaf). Internal to src/manager/. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cadv_cgroup_root;
struct cadv_manager;
struct discovery;
struct scheduler;

/* Opens the inotify instance (if it fails, discovery relies on rescans, with a warning) and the
 * watcher's eventfd. m (container life cycle), root and sched (pokes) are borrowed; the watcher
 * rescans every global_ns and refreshes the machine info every machine_ns. Returns 0 or a negative
 * errno (logged). */
int discovery_new(struct cadv_manager *m, struct cadv_cgroup_root *root, struct scheduler *sched,
                  uint64_t global_ns, uint64_t machine_ns, struct discovery **ret);
/* Frees the state and the pending re-checks (watcher stopped). Accepts NULL; returns NULL. */
struct discovery *discovery_free(struct discovery *d);
/* Walks every hierarchy (adding watches), then creates and removes containers to match. */
void discovery_scan(struct discovery *d);
/* Starts the watcher thread: a second scan, then inotify events, rescans and machine info. */
int discovery_start(struct discovery *d);
/* Wakes and joins the watcher (idempotent; accepts NULL). */
void discovery_stop(struct discovery *d);
/* Tests only: caps the inotify watches discovery adds at n, past which adding one fails as with
 * ENOSPC (fs.inotify.max_user_watches reached). Call before the manager starts. */
void discovery_test_set_watch_cap(size_t n);
/* Tests only: the full scans done so far in this process and the directories they read (listed). */
void discovery_test_scan_counts(size_t *scans, size_t *dirs_read);
/* Asks the watcher to re-check name's directories in a second (any thread; bounded, drops beyond). */
void discovery_recheck(struct discovery *d, const char *name);
