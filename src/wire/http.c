/* SPDX-License-Identifier: Apache-2.0 */
/* http.c - request query lookup (libmicrohttpd) and reply helpers shared by the handlers. */
#include "wire/http.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

/* Go's http.Error and sniffed "ok" use this type. */
static const char text_plain[] = "text/plain; charset=utf-8";

const char *cadv_http_query(const struct cadv_http_request *req, const char *key)
{
    const char *v = NULL;
    size_t vlen = 0;

    if (!req->conn)
        return NULL;
    /* The first value, as Go's url.Values.Get; a key without "=" has a NULL value. */
    if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), &v, &vlen) !=
        MHD_YES)
        return NULL;
    return v ? v : "";
}

/* Frees a body a handler may have set before, so that the last reply wins. */
static void reply_reset(struct cadv_http_reply *rep)
{
    if (rep->free_fn)
        rep->free_fn(rep->free_ctx);
    else
        free(rep->body);
    free(rep->location);
    memset(rep, 0, sizeof(*rep));
}

static void reply_owned(struct cadv_http_reply *rep, unsigned status, const char *type, char *body,
                        size_t len)
{
    reply_reset(rep);
    rep->status = status;
    rep->content_type = type;
    rep->body = body;
    rep->len = len;
}

void cadv_http_reply_text(struct cadv_http_reply *rep, unsigned status, const char *text)
{
    size_t n = strlen(text);

    reply_owned(rep, status, text_plain, cadv_xstrndup(text, n), n);
}

static void reply_vprintf(struct cadv_http_reply *rep, unsigned status, bool newline, const char *fmt,
                          va_list ap)
{
    struct cadv_buf b;
    char *s;
    size_t n;

    cadv_buf_init(&b, 0);
    s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    cadv_buf_puts(&b, s ? s : "internal error");
    free(s);
    if (newline)
        cadv_buf_putc(&b, '\n');
    s = cadv_buf_steal(&b, &n);
    reply_owned(rep, status, text_plain, s, n);
}

void cadv_http_reply_textf(struct cadv_http_reply *rep, unsigned status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    reply_vprintf(rep, status, false, fmt, ap);
    va_end(ap);
}

void cadv_http_reply_error(struct cadv_http_reply *rep, unsigned status, const char *text)
{
    size_t n = strlen(text);
    char *s = cadv_xmalloc(n + 2);

    memcpy(s, text, n);
    s[n] = '\n';
    s[n + 1] = '\0';
    reply_owned(rep, status, text_plain, s, n + 1);
}

void cadv_http_reply_errorf(struct cadv_http_reply *rep, unsigned status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    reply_vprintf(rep, status, true, fmt, ap);
    va_end(ap);
}

void cadv_http_reply_stream(struct cadv_http_reply *rep, unsigned status, const char *content_type,
                            cadv_http_fill_fn fill, void *ctx, void (*free_fn)(void *ctx))
{
    reply_owned(rep, status, content_type, NULL, 0);
    rep->fill = fill;
    rep->free_fn = free_fn;
    rep->free_ctx = ctx;
}

void cadv_http_reply_json(struct cadv_http_reply *rep, struct cadv_buf *b)
{
    size_t n;
    char *s = cadv_buf_steal(b, &n);

    reply_owned(rep, 200, "application/json", s, n);
}

/* Go's htmlReplacer. */
void cadv_http_html_escape(struct cadv_buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            cadv_buf_puts(out, "&amp;");
            break;
        case '<':
            cadv_buf_puts(out, "&lt;");
            break;
        case '>':
            cadv_buf_puts(out, "&gt;");
            break;
        case '"':
            cadv_buf_puts(out, "&#34;");
            break;
        case '\'':
            cadv_buf_puts(out, "&#39;");
            break;
        default:
            cadv_buf_putc(out, *s);
        }
    }
}

static const char *status_text(unsigned status)
{
    switch (status) {
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    default:
        return "";
    }
}

void cadv_http_reply_redirect(struct cadv_http_reply *rep, unsigned status, const char *method,
                              const char *location)
{
    bool get = strcmp(method, "GET") == 0;
    struct cadv_buf b;
    char *body;
    size_t n;

    cadv_buf_init(&b, 0);
    if (get) {
        cadv_buf_puts(&b, "<a href=\"");
        cadv_http_html_escape(&b, location);
        cadv_buf_printf(&b, "\">%s</a>.\n\n", status_text(status));
    }
    body = cadv_buf_steal(&b, &n);
    reply_owned(rep, status, (get || strcmp(method, "HEAD") == 0) ? "text/html; charset=utf-8" : NULL, body,
                n);
    rep->location = cadv_xstrdup(location);
}
