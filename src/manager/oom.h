/* SPDX-License-Identifier: Apache-2.0 */
/* oom.h - the manager's OOM watcher: a thread reading the kernel log (--kmsg_path, /dev/kmsg) with
 * cAdvisor's parser (collect/kmsg.h), replaying the ring buffer at start as cAdvisor does. Each OOM
 * kill becomes an "oom" event for the killed task's cgroup and an "oomKill" event (pid, process
 * name, constraint) for the cgroup whose limit was hit, and counts one OOM for the task's cgroup
 * (cAdvisor's oom_events / container_oom_events_total, by name, never pruned). Internal to the
 * manager. */
#pragma once

#include <stdint.h>

struct cadv_container;
struct cadv_events;
struct cadv_sample;
struct cadv_oom_watch;

/* Opens the kernel log (kmsg_path, NULL or empty: /dev/kmsg) and starts the thread; OOM events go to
 * events (borrowed). If the log cannot be opened, OOM events are off
 * (logged as a warning, as cAdvisor does) and this still returns 0 with *ret NULL. */
int oom_watch_start(const char *kmsg_path, struct cadv_events *events, struct cadv_oom_watch **ret);
/* Stops and joins the thread and frees the watch (accepts NULL); returns NULL. */
struct cadv_oom_watch *oom_watch_stop(struct cadv_oom_watch *w);

/* The collector's part, with c's collect_lock held, for its new sample s (w may be NULL): returns c's OOM
 * kill count (cAdvisor's oom_events). When the cgroup's own counter (CADV_HAS_OOM_KILL) has counted kills
 * that the kernel log did not report within OOM_GRACE_NS (kmsg unreadable, rate-limited, or a container
 * without /dev/kmsg), emits an oom and an oomKill event for each (pid 0, no process name) and counts
 * them; a kill is never counted or emitted twice. */
uint64_t oom_account(struct cadv_oom_watch *w, struct cadv_events *events, struct cadv_container *c,
                     const struct cadv_sample *s, uint64_t now_ns);
/* With c's collect_lock held: when kills counted by the cgroup wait for the kernel log (the grace
 * period), the ns from now_ns until the sample that reports them without it is due (0 when due
 * now); UINT64_MAX when none waits. The scheduler takes c's next sample by then, however far its
 * housekeeping backed off. */
uint64_t oom_recheck_ns(const struct cadv_container *c, uint64_t now_ns);
