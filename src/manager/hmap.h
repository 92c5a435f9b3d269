/* SPDX-License-Identifier: Apache-2.0 */
/* hmap.h - a small chained hash map from byte-string keys to owned values, for the manager's
 * discovery bookkeeping (cgroup name -> hierarchies, inotify wd -> directory). Keys are copied and
 * stored NUL-terminated, so string keys can be read back as C strings. Not thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cadv_hmap;

/* free_value (may be NULL) is called on values removed by cadv_hmap_del, replaced by put, deleted
 * by foreach or left at free. Never returns NULL. */
struct cadv_hmap *cadv_hmap_new(void (*free_value)(void *value));
/* Accepts NULL; returns NULL. */
struct cadv_hmap *cadv_hmap_free(struct cadv_hmap *h);
size_t cadv_hmap_count(const struct cadv_hmap *h);
/* The value stored under key, or NULL. */
void *cadv_hmap_get(const struct cadv_hmap *h, const void *key, size_t len);
/* Stores value under key (a copy of the key is kept), freeing a value it replaces. */
void cadv_hmap_put(struct cadv_hmap *h, const void *key, size_t len, void *value);
/* Removes key and frees its value. Returns false if it was absent. */
bool cadv_hmap_del(struct cadv_hmap *h, const void *key, size_t len);
/* Calls fn for every entry (any order); entries for which fn returns true are removed (value freed).
 * fn must not modify the map otherwise. key is the stored copy, NUL-terminated. */
void cadv_hmap_foreach(struct cadv_hmap *h, bool (*fn)(const char *key, size_t len, void *value, void *ud),
                       void *ud);
