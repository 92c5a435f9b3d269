/* SPDX-License-Identifier: Apache-2.0 */
/* registry.h - the manager's container registry: containers sorted by name under one rwlock, each
 * reference-counted. It also implements the container accessors and lookups of manager.h. The lock
 * is never held across I/O. Internal to src/manager/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_cgroup;
struct cadv_container;
struct cadv_manager;
struct cadv_runtime_info;
struct cadv_spec;

/* A new container (one reference) owning cg (may be NULL) and a new ring sized for storage_ns. */
struct cadv_container *cadv_registry_container_new(const char *name, struct cadv_cgroup *cg,
                                                   uint64_t storage_ns, uint64_t interval_ns);
/* Adds c (taking a reference). Returns 0, -EEXIST if the name is tracked, -ENOSPC at the cap. */
int cadv_registry_insert(struct cadv_manager *m, struct cadv_container *c);
/* Removes c if it is the registered container of its name, dropping the registry's reference.
 * Returns true if it was removed by this call. */
bool cadv_registry_remove(struct cadv_manager *m, struct cadv_container *c);
/* Takes every container out of the registry: *ret (malloc'd) holds the registry's references. */
void cadv_registry_take_all(struct cadv_manager *m, struct cadv_container ***ret, size_t *ret_n);
size_t cadv_registry_count(struct cadv_manager *m);
/* Replaces c's namespace and aliases (used by alias lookups) with copies of spec's. */
void cadv_registry_set_identity(struct cadv_manager *m, struct cadv_container *c,
                                const struct cadv_spec *spec);
/* Replaces the fields of c's spec that cadv_cgroup_read_spec writes with spec's (the runtime's
 * creation time, if any, wins); bumps the spec version on a change. */
void cadv_container_set_limits(struct cadv_container *c, const struct cadv_spec *spec);
/* Applies what a runtime's inspect said: identity, creation/start times, has_network (from info if
 * given, else spec), has_filesystem; bumps the spec version on a change and updates the alias index.
 * Takes over info's strings (info is zeroed). */
void cadv_container_set_identity(struct cadv_manager *m, struct cadv_container *c,
                                 const struct cadv_spec *spec, struct cadv_runtime_info *info);
