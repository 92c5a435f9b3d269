/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the web UI handler: the page shell's fields are escaped, static files are found by
 * exact name only (gzipped on request), anything else is a 404. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "http/ui.h"
#include "http/ui_assets.h"
#include "wire/http.h"

static void serve(const char *path, bool gzip, struct cadv_http_reply *rep)
{
    struct cadv_http_request req = {.method = "GET", .path = path, .body = "", .accept_gzip = gzip};

    memset(rep, 0, sizeof(*rep));
    cadv_ui_handle("/p\"x", &req, rep);
}

static char *body_of(struct cadv_http_reply *rep)
{
    char *s = malloc(rep->len + 1);

    memcpy(s, rep->body, rep->len);
    s[rep->len] = '\0';
    return s;
}

static void done(struct cadv_http_reply *rep)
{
    if (rep->free_fn)
        rep->free_fn(rep->free_ctx);
    else
        free(rep->body);
}

Test(http_ui, page_fields_are_escaped)
{
    struct cadv_http_reply rep;
    char *s;

    serve("/containers/a\"'<script>x</b>&", false, &rep);
    cr_assert_eq(rep.status, 200);
    cr_expect_str_eq(rep.content_type, "text/html; charset=utf-8");
    s = body_of(&rep);
    cr_expect(strstr(s, "data-name=\"/a&#34;&#39;&lt;script&gt;x&lt;/b&gt;&amp;\"") != NULL, "%s", s);
    cr_expect(strstr(s, "data-prefix=\"/p&#34;x\"") != NULL);
    cr_expect(strstr(s, "data-kind=\"containers\"") != NULL);
    cr_expect(strstr(s, "<script>x") == NULL);
    cr_expect(strstr(s, "@NAME@") == NULL && strstr(s, "@PREFIX@") == NULL);
    free(s);
    done(&rep);
    serve("/docker/abc", false, &rep);
    s = body_of(&rep);
    cr_expect(strstr(s, "data-kind=\"docker\" data-name=\"abc\"") != NULL);
    free(s);
    done(&rep);
}

Test(http_ui, static_files_by_exact_name)
{
    struct cadv_http_reply rep;
    unsigned char out[256];
    z_stream z = {0};

    serve("/static/cadv.css", false, &rep);
    cr_assert_eq(rep.status, 200);
    cr_expect_str_eq(rep.content_type, "text/css; charset=utf-8");
    cr_expect_null(rep.content_encoding);
    cr_expect(rep.len > 100);
    done(&rep);
    serve("/static/cadv.css", true, &rep);
    cr_assert_eq(rep.status, 200);
    cr_expect_str_eq(rep.content_encoding, "gzip");
    /* The gzip copy inflates to the same bytes. */
    cr_assert_eq(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = (unsigned char *)rep.body;
    z.avail_in = (unsigned)rep.len;
    z.next_out = out;
    z.avail_out = sizeof(out);
    inflate(&z, Z_SYNC_FLUSH);
    cr_expect(memcmp(out, "/* cadv web UI", 14) == 0);
    inflateEnd(&z);
    done(&rep);
}

Test(http_ui, unknown_files_are_404)
{
    static const char *const paths[] = {"/static/index.html", "/static/",         "/static/../cadv.css",
                                        "/static/cadv.css/",  "/static/CADV.CSS", "/nope/x"};
    struct cadv_http_reply rep;

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        serve(paths[i], false, &rep);
        cr_expect_eq(rep.status, 404, "%s", paths[i]);
        done(&rep);
    }
}
