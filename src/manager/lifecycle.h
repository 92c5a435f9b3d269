/* SPDX-License-Identifier: Apache-2.0 */
/* lifecycle.h - what manager.c offers the manager's parts: the container life cycle (called by
 * discovery, the collector, on-demand collections and the metadata worker), the machine info, and
 * the parts that manager.h's functions need to reach from a struct cadv_manager. Each part owns its
 * state and lock (manager.c DESIGN); this header hands out no state of its own. Internal to
 * src/manager/. */
#pragma once

#include <stdbool.h>

struct cadv_container;
struct cadv_manager;
struct ondemand;
struct registry;

/* Claims and, if accepted, creates and registers `name` (does I/O: call without locks). Returns 1 if
 * a container was created, 0 if not tracked (ignored, not accepted, already there, gone, full). */
int manager_add_container(struct cadv_manager *m, const char *name);
/* Unregisters c (if still registered), closes its cgroup and unschedules it. Idempotent. */
void manager_remove_container(struct cadv_manager *m, struct cadv_container *c);
/* A collection found c's cgroup gone: removes c and asks discovery to re-check its directories. */
void manager_container_gone(struct cadv_manager *m, struct cadv_container *c);
/* Removes c and keeps its name out until its directory goes away or comes back. */
void manager_reject_container(struct cadv_manager *m, struct cadv_container *c);
/* Forgets a rejection: name's directory disappeared or appeared. */
void manager_forget_rejected(struct cadv_manager *m, const char *name);
/* Re-opens c's cgroup handle (a hierarchy directory appeared after c was created). */
void manager_reopen_container(struct cadv_manager *m, struct cadv_container *c);
/* Re-reads the machine info and swaps it in. */
void manager_update_machine_info(struct cadv_manager *m);
/* Docker's versions (runtime.h about) for the machine info: when either changed (NULL: unchanged),
 * re-reads the machine info to publish them. */
void manager_set_docker_versions(struct cadv_manager *m, const char *version, const char *api_version);

/* The parts behind manager.h's lookups (registry.c) and on-demand refreshes (ondemand.c). */
struct registry *manager_registry(struct cadv_manager *m);
struct ondemand *manager_ondemand(struct cadv_manager *m);
