/* SPDX-License-Identifier: Apache-2.0 */
/* api.h - cAdvisor's REST API under /api: version dispatch and error replies
 * (docs/compatibility.md#rest-api). Handlers run on the HTTP server's threads; they copy specs and
 * samples out of the manager and render outside its locks (api/reply.h). */
#pragma once

struct cadv_http_reply;
struct cadv_http_request;
struct cadv_manager;

/* Serves one request whose path is "/api" or starts with "/api/". m may be NULL (every request
 * that needs the manager then fails with a 500). */
void cadv_api_handle(struct cadv_manager *m, const struct cadv_http_request *req,
                     struct cadv_http_reply *rep);
