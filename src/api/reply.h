/* SPDX-License-Identifier: Apache-2.0 */
/* reply.h - what the REST handlers (v1, v2, events) share: copying a container's spec and samples out
 * of the manager, and JSON replies (whole or streamed listings). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model/spec.h"

struct cadv_app_view;
struct cadv_buf;
struct cadv_container;
struct cadv_http_reply;
struct cadv_json;
struct cadv_machine_info;
struct cadv_manager;
struct cadv_sample;

/* Largest JSON body an API reply may grow to; beyond it the reply is a 500. */
#define CADV_API_MAX_BODY ((size_t)1 << 30)

/* A container's spec and samples, copied out of the manager for rendering. */
struct cadv_api_snapshot {
    const char *name; /* borrowed from the container, valid while its reference is held */
    struct cadv_spec spec;
    struct cadv_sample *samples; /* oldest first */
    size_t n;
    struct cadv_app_view *app; /* custom_metrics (app/app.h); NULL: none */
};

/* Copies c's spec and its newest max_n samples within [start_ns, end_ns] (0 = unbounded;
 * max_n < 0 = all, 0 = none). Release with cadv_api_snapshot_done. */
void cadv_api_snapshot_take(struct cadv_api_snapshot *s, struct cadv_container *c, uint64_t start_ns,
                            uint64_t end_ns, int max_n);
/* Adds the view of the container's application metrics when its spec declares some. */
void cadv_api_snapshot_app(struct cadv_api_snapshot *s, struct cadv_manager *m);
void cadv_api_snapshot_done(struct cadv_api_snapshot *s);

/* Starts a JSON body: b capped at CADV_API_MAX_BODY, w writing into it. */
void cadv_api_json_begin(struct cadv_buf *b, struct cadv_json *w);
/* Finishes rep with b's JSON (200, application/json), or a 500 if b overflowed; b is emptied. */
void cadv_api_reply_json(struct cadv_http_reply *rep, struct cadv_buf *b);

/* Renders one container of a listing into w (its key too, for an object keyed by name; nothing to
 * skip it). arg is the listing's copy of the caller's arguments. */
typedef void (*cadv_api_render_fn)(struct cadv_json *w, struct cadv_manager *m, struct cadv_container *c,
                                   const struct cadv_machine_info *mi, const void *arg);

enum cadv_api_shape {
    CADV_API_ARRAY,  /* [ ... ] */
    CADV_API_OBJECT, /* { "name": ..., ... } */
};

/* Finishes rep (200, application/json) with a listing of arr[0..n) in shape, each container
 * rendered by render as the client reads the reply (see cadv_http_reply_stream): the memory of a
 * reply is a few containers' worth whatever n and the client. Takes over arr with its references
 * and the reference mi; copies arg_size bytes of arg. The samples are those of the time each
 * container is rendered. */
void cadv_api_reply_listing(struct cadv_http_reply *rep, struct cadv_manager *m, struct cadv_container **arr,
                            size_t n, enum cadv_api_shape shape, struct cadv_machine_info *mi,
                            cadv_api_render_fn render, const void *arg, size_t arg_size);
