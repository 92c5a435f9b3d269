/* SPDX-License-Identifier: Apache-2.0 */
/* api.c - /api request routing (cAdvisor's handleRequest): the version and type listings, version
 * dispatch to api_v1.c / api_v2.c. */
#include "api/api.h"

#include "api/api_parse.h"
#include "api/api_v1.h"
#include "api/api_v2.h"
#include "core/buf.h"
#include "manager/manager.h"
#include "wire/http.h"

void cadv_api_handle(struct cadv_manager *m, const struct cadv_http_request *req, struct cadv_http_reply *rep)
{
    struct cadv_api_path p;
    struct cadv_buf msg;
    unsigned status = 500;

    cadv_buf_init(&msg, 4096);
    if (cadv_api_parse_path(req->path, &p, &status, &msg) < 0) {
        cadv_http_reply_error(rep, status, msg.data ? msg.data : "");
        cadv_buf_done(&msg);
        return;
    }
    cadv_buf_done(&msg);
    if (!m) {
        cadv_http_reply_error(rep, 500, "the container manager is not running");
        return;
    }
    if (p.version >= CADV_API_V2_0)
        cadv_api_v2_handle(m, req, &p, rep);
    else
        cadv_api_v1_handle(m, req, &p, rep);
}
