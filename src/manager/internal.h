/* SPDX-License-Identifier: Apache-2.0 */
/* internal.h - the top-level struct cadv_manager: the composition root that manager.c builds, starts
 * and frees. It holds what is fixed at cadv_manager_new (settings, cgroup root, event store, machine
 * filesystems, collectors), pointers to the parts, each of which owns its state and lock (registry.h,
 * scheduler.h, ondemand.h, metadata.h, discovery.h, oom.h), and manager.c's own state (rejected
 * names, machine info, life-cycle counters). The parts never include this header: they get what they
 * need when they are made, and call back through lifecycle.h. Included by manager.c and by
 * machinefs.c (cadv_manager_machine_fs) and appwire.c (the application metrics module); never
 * outside src/manager/. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "manager/collectors.h"
#include "manager/manager.h"

struct cadv_app;
struct cadv_cgroup_root;
struct cadv_container;
struct cadv_events;
struct cadv_hmap;
struct cadv_machine_info;
struct cadv_machinefs;
struct cadv_oom_watch;
struct cadv_runtime;
struct discovery;
struct metadata;
struct ondemand;
struct registry;
struct scheduler;

struct cadv_manager {
    /* Fixed at cadv_manager_new; read by any thread. */
    const struct cadv_config *cfg;
    uint32_t kinds;
    uint64_t base_interval_ns;
    uint64_t max_interval_ns;
    uint64_t global_interval_ns;
    uint64_t machine_interval_ns;
    struct cadv_cgroup_root *root;
    int proc_fd; /* --proc_root, for process and network figures; -1 if it cannot be opened */
    /* The machine's filesystems: the root container's FsStats and /storage (machinefs.h). */
    struct cadv_machinefs *machinefs;
    struct cadv_events *events; /* events/store.h, thread-safe on its own */
    struct cadv_collectors collectors;
    struct cadv_app *app; /* application metrics (appwire.h); NULL when the kind is off */

    /* Set before cadv_manager_start, on the caller's thread. */
    const struct cadv_runtime *const *runtimes;
    cadv_sample_hook sample_hook;
    void *sample_hook_arg;
    bool started;
    bool stopped;

    /* The parts (made by cadv_manager_new, but discovery and the OOM watcher: by start). */
    struct registry *registry;
    struct scheduler *sched;
    struct ondemand *ondemand;
    struct metadata *md;
    struct discovery *disc;
    struct cadv_oom_watch *oom;
    struct cadv_container *root_container; /* reference held while the manager lives */

    /* Names no runtime owns and raw does not accept, learnt by the metadata worker: not re-created by
     * rescans until their directory disappears or reappears. Own lock, a leaf. */
    struct {
        pthread_mutex_t lock;
        struct cadv_hmap *names;
    } rejected;

    /* The machine info, swapped whole, and docker's versions put into each one published. Own lock,
     * a leaf (the object itself is immutable and reference-counted). */
    struct {
        pthread_mutex_t lock;
        struct cadv_machine_info *mi;
        char *docker_version;
        char *docker_api_version;
    } info;

    _Atomic uint64_t added_total;
    _Atomic uint64_t removed_total;
};
