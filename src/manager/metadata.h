/* SPDX-License-Identifier: Apache-2.0 */
/* metadata.h - the metadata worker: runtime identity (plugin inspect) off the collection path,
 * fed by a bounded queue with per-item retry backoff. Internal to src/manager/. */
#pragma once

struct cadv_container;
struct cadv_manager;

void cadv_metadata_init(struct cadv_manager *m);
/* Drops the queued references; the thread must be stopped. */
void cadv_metadata_done(struct cadv_manager *m);
int cadv_metadata_start(struct cadv_manager *m);
/* Stops and joins the worker (idempotent). */
void cadv_metadata_stop(struct cadv_manager *m);
/* Queues c (claimed by runtime c->rt_index) for inspection now; takes a reference. When the queue is
 * full the request is dropped and counted (the container stays raw). */
void cadv_metadata_enqueue(struct cadv_manager *m, struct cadv_container *c);
