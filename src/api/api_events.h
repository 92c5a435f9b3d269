/* SPDX-License-Identifier: Apache-2.0 */
/* api_events.h - /api/v1.3/events/<name> and /api/v2.0/events/<name> (cAdvisor's
 * handleEventRequest): the stored events as a JSON array, or with stream=true a chunked response
 * with one JSON event per line for as long as the client stays.
 *
 * A stream is a libmicrohttpd callback response whose connection is suspended while its watch
 * (events/store.h) has nothing queued, and resumed by the producer that queues the next event. A
 * monitor thread notices clients that hung up on a suspended stream (MHD cannot while it is
 * suspended) and ends those streams; a client that stops reading only fills its own bounded queue,
 * whose overflow is dropped, counted (cadv_events_dropped_total) and logged. */
#pragma once

#include <stdint.h>

struct cadv_api_path;
struct cadv_http_reply;
struct cadv_http_request;
struct cadv_manager;
struct MHD_Connection;

/* Answers an events request (any API version that has the type). */
void cadv_api_events_handle(struct cadv_manager *m, const struct cadv_http_request *req,
                            const struct cadv_api_path *p, struct cadv_http_reply *rep);
/* The server's part: queues rep->stream (set by the handler) on con as a streaming response and
 * takes it over. Returns an MHD_Result. */
int cadv_api_events_send(struct MHD_Connection *con, struct cadv_http_reply *rep);
/* Accepts streams again after a shutdown (a new server in the same process). */
void cadv_api_events_startup(void);
/* Ends every open stream (before MHD_stop_daemon, which must not find suspended connections) and
 * stops the monitor thread. Streams opened afterwards are refused with 503. */
void cadv_api_events_shutdown(void);
/* Streams open now (self-metric and tests). */
uint64_t cadv_api_events_streams(void);
