/* SPDX-License-Identifier: Apache-2.0 */
/* metadata.h - the metadata worker: runtime identity (plugin inspect) off the collection path, fed
 * by a bounded queue with per-item retry backoff; it also owns the runtime plugin table (claims) and
 * steps the writable-layer usage walks and the machine's filesystems. Its lock guards the queue only;
 * everything else is the worker's own or read-only once the runtimes are set up. Internal to
 * src/manager/. */
#pragma once

#include <stdint.h>

struct cadv_config;
struct cadv_container;
struct cadv_machinefs;
struct cadv_manager;
struct cadv_runtime;
struct metadata;
struct registry;

/* What the worker uses besides its own state; all borrowed, outliving it. */
struct metadata_deps {
    const struct cadv_config *cfg;
    uint32_t kinds;
    struct cadv_machinefs *machinefs;
    struct registry *registry; /* alias index updates */
    struct cadv_manager *m;    /* rejections, the machine info, docker's versions */
};

/* No thread, no runtime yet. Never returns NULL. */
struct metadata *metadata_new(const struct metadata_deps *deps);
/* Drops the queued references and shuts the runtimes down; the thread must be stopped. Accepts
 * NULL; returns NULL. */
struct metadata *metadata_free(struct metadata *md);
/* Initialises each plugin of the NULL-terminated table (borrowed); before any thread starts. */
void metadata_runtimes_init(struct metadata *md, const struct cadv_runtime *const *runtimes);
/* Which runtime owns the cgroup name: its index (id, CADV_RT_ID_MAX bytes, written), -1 for raw, -2
 * if not tracked. Any thread, once the runtimes are set up. */
int metadata_claim(struct metadata *md, const char *name, char *id);
int metadata_start(struct metadata *md);
/* Stops and joins the worker (idempotent). */
void metadata_stop(struct metadata *md);
/* Queues c (claimed by runtime c->rt_index) for inspection now; takes a reference. When the queue is
 * full the request is dropped and counted (the container stays raw). */
void metadata_enqueue(struct metadata *md, struct cadv_container *c);
