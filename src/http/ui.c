/* SPDX-License-Identifier: Apache-2.0 */
/* ui.c - the web UI's pages and static files.
 *
 * Every page is the same HTML shell (ui/index.html) with three fields filled in, HTML-escaped: the
 * URL prefix, the page kind (containers, docker, podman) and the container name or id from the
 * path. ui/cadv.js then draws the page from the REST API (v1.0 containers, v2.0 spec/ps/attributes,
 * v1.0 machine), so serving a page costs no more than a static file and all the data work is done in
 * the browser. Static files come from the table scripts/embed-ui generates at build time, gzipped
 * when the client accepts it; a file name is looked up in that table and nothing else, so no path
 * reaches the file system. */
#include "http/ui.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/ui_assets.h"
#include "wire/http.h"

/* The shell; not served under /static/. */
#define UI_SHELL "index.html"

static const struct cadv_ui_asset *asset_find(const char *name)
{
    for (const struct cadv_ui_asset *a = cadv_ui_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

static void no_free(void *ctx)
{
    (void)ctx;
}

static void reply_static(const struct cadv_ui_asset *a, bool gzip, struct cadv_http_reply *rep)
{
    rep->status = 200;
    rep->content_type = a->content_type;
    rep->content_encoding = gzip ? "gzip" : NULL;
    /* MHD only reads the body; no_free leaves the embedded bytes alone. */
    rep->body = (char *)(uintptr_t)(gzip ? a->gz : a->data);
    rep->len = gzip ? a->gz_len : a->data_len;
    rep->free_fn = no_free;
    rep->free_ctx = NULL;
}

/* Fills the shell's @PREFIX@, @KIND@ and @NAME@ fields. */
static void reply_page(const char *prefix, const char *kind, const char *name, struct cadv_http_reply *rep)
{
    const struct cadv_ui_asset *a = asset_find(UI_SHELL);
    const char *p, *end;
    struct cadv_buf b;
    size_t n;

    if (!a) {
        cadv_http_reply_error(rep, 500, "the UI was built without " UI_SHELL);
        return;
    }
    p = (const char *)a->data;
    end = p + a->data_len;
    cadv_buf_init(&b, 0);
    while (p < end) {
        const char *at = memchr(p, '@', (size_t)(end - p));

        if (!at) {
            cadv_buf_append(&b, p, (size_t)(end - p));
            break;
        }
        cadv_buf_append(&b, p, (size_t)(at - p));
        if ((size_t)(end - at) >= 8 && memcmp(at, "@PREFIX@", 8) == 0) {
            cadv_http_html_escape(&b, prefix);
            p = at + 8;
        } else if ((size_t)(end - at) >= 6 && memcmp(at, "@KIND@", 6) == 0) {
            cadv_http_html_escape(&b, kind);
            p = at + 6;
        } else if ((size_t)(end - at) >= 6 && memcmp(at, "@NAME@", 6) == 0) {
            cadv_http_html_escape(&b, name);
            p = at + 6;
        } else {
            cadv_buf_putc(&b, '@');
            p = at + 1;
        }
    }
    rep->status = 200;
    rep->content_type = a->content_type;
    rep->body = cadv_buf_steal(&b, &n);
    rep->len = n;
}

void cadv_ui_handle(const char *prefix, const struct cadv_http_request *req, struct cadv_http_reply *rep)
{
    const char *p = req->path;
    const struct cadv_ui_asset *a;

    if (strncmp(p, "/static/", 8) == 0) {
        a = strcmp(p + 8, UI_SHELL) == 0 ? NULL : asset_find(p + 8);
        if (!a)
            cadv_http_reply_error(rep, 404, "404 page not found");
        else
            reply_static(a, req->accept_gzip, rep);
    } else if (strncmp(p, "/containers/", 12) == 0) {
        reply_page(prefix, "containers", p + 11, rep); /* the cgroup name keeps its leading "/" */
    } else if (strncmp(p, "/docker/", 8) == 0) {
        reply_page(prefix, "docker", p + 8, rep);
    } else if (strncmp(p, "/podman/", 8) == 0) {
        reply_page(prefix, "podman", p + 8, rep);
    } else {
        cadv_http_reply_error(rep, 404, "404 page not found");
    }
}
