/* SPDX-License-Identifier: Apache-2.0 */
/* oom.h - the manager's OOM watcher: a thread reading the kernel log (--kmsg_path, /dev/kmsg) with
 * cAdvisor's parser (collect/kmsg.h), replaying the ring buffer at start as cAdvisor does. Each OOM
 * kill becomes an "oom" event for the killed task's cgroup and an "oomKill" event (pid, process
 * name, constraint) for the cgroup whose limit was hit, and counts one OOM for the task's cgroup
 * (cAdvisor's oom_events / container_oom_events_total, by name, never pruned). Internal to the
 * manager. */
#pragma once

#include <stdint.h>

struct cadv_manager;
struct cadv_oom_watch;

/* Opens the kernel log and starts the thread. If the log cannot be opened, OOM events are off
 * (logged as a warning, as cAdvisor does) and this still returns 0 with *ret NULL. */
int cadv_oom_watch_start(struct cadv_manager *m, struct cadv_oom_watch **ret);
/* Stops and joins the thread and frees the watch (accepts NULL); returns NULL. */
struct cadv_oom_watch *cadv_oom_watch_stop(struct cadv_oom_watch *w);
/* OOM kills seen in the cgroup named name (0 if none or w is NULL). Cheap while none was seen. */
uint64_t cadv_oom_watch_count(struct cadv_oom_watch *w, const char *name);
