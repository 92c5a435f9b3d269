/* SPDX-License-Identifier: Apache-2.0 */
/* ui.h - the web UI: the pages under /containers/, /docker/ and /podman/ (one HTML shell whose
 * script reads the REST API) and the embedded files under /static/. */
#pragma once

struct cadv_http_request;
struct cadv_http_reply;

/* Serves req->path (clean, prefix stripped, under /containers/, /docker/, /podman/ or /static/);
 * prefix is --url_base_prefix without its trailing "/". Unknown static files are 404s. */
void cadv_ui_handle(const char *prefix, const struct cadv_http_request *req, struct cadv_http_reply *rep);
