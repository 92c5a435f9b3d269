/* SPDX-License-Identifier: Apache-2.0 */
/* registry.h - the manager's container registry: containers sorted by name, each with one reference,
 * and every container's runtime identity (namespace, aliases) for the lookups of manager.h
 * (cadv_manager_get, _list, _list_namespace, _find_alias, cadv_container_children, in registry.c).
 * Its rwlock is its own, a leaf, never held across I/O. All calls are thread-safe. Internal to
 * src/manager/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cadv_container;
struct cadv_spec;
struct registry;

/* Never returns NULL. */
struct registry *registry_new(void);
/* Drops the references still held; accepts NULL; returns NULL. */
struct registry *registry_free(struct registry *reg);
/* Adds c (taking a reference). Returns 0, -EEXIST if the name is tracked, -ENOSPC at the cap (logged
 * once). */
int registry_insert(struct registry *reg, struct cadv_container *c);
/* Removes c if it is the registered container of its name, dropping the registry's reference.
 * Returns true if it was removed by this call. */
bool registry_remove(struct registry *reg, struct cadv_container *c);
/* Takes every container out of the registry: *ret (malloc'd) holds the registry's references. */
void registry_take_all(struct registry *reg, struct cadv_container ***ret, size_t *ret_n);
size_t registry_count(struct registry *reg);
/* Replaces c's namespace and aliases (used by alias lookups) with copies of spec's. */
void registry_set_identity(struct registry *reg, struct cadv_container *c, const struct cadv_spec *spec);
