/* SPDX-License-Identifier: Apache-2.0 */
/* api_v2.h - cAdvisor's REST API v2.0 and v2.1 (docs/compatibility.md#rest-v2): version, attributes, machine,
 * spec, stats, machinestats, events, storage, ps; the query options type/count/recursive/max_age. */
#pragma once

struct cadv_api_path;
struct cadv_http_reply;
struct cadv_http_request;
struct cadv_manager;

/* Serves a parsed v2.x request (p->version >= v2.0). Thread-safe. */
void cadv_api_v2_handle(struct cadv_manager *m, const struct cadv_http_request *req,
                        const struct cadv_api_path *p, struct cadv_http_reply *rep);
