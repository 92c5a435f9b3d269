/* SPDX-License-Identifier: Apache-2.0 */
/* api_v1.h - cAdvisor's REST API v1.0-v1.3 (docs/compatibility.md#rest-v1): machine, containers,
 * subcontainers, docker, events. */
#pragma once

struct cadv_api_path;
struct cadv_http_reply;
struct cadv_http_request;
struct cadv_manager;

/* Serves a parsed v1.x request (p->version < v2.0). Thread-safe. */
void cadv_api_v1_handle(struct cadv_manager *m, const struct cadv_http_request *req,
                        const struct cadv_api_path *p, struct cadv_http_reply *rep);
