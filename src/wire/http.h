/* SPDX-License-Identifier: Apache-2.0 */
/* http.h - the request/reply types shared by the server and its handlers (REST API, /metrics, UI).
 * A handler fills a reply; the server owns sending it and freeing the body. Handlers run on the
 * server's threads, concurrently: they must only use thread-safe manager calls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cadv_buf;

struct cadv_http_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* after --url_base_prefix was stripped; starts with "/" */
    const char *body;   /* request body (NUL-terminated), "" if none; capped by the server */
    size_t body_len;
    bool accept_gzip; /* Accept-Encoding allows gzip */
    void *conn;       /* server-private (query lookup) */
};

/* The value of query parameter key (percent-decoded), or NULL if absent. "" for "?key" or "?key=". */
const char *cadv_http_query(const struct cadv_http_request *req, const char *key);

/* Produces the next piece of a streamed body: appends it to out (empty on entry; it may stay empty)
 * and returns 1 while more follows, 0 after the last piece, or a negative errno to abort (the
 * connection is then cut: the status line went out with the first piece). */
typedef int (*cadv_http_fill_fn)(void *ctx, struct cadv_buf *out);

struct cadv_http_reply {
    unsigned status;              /* 200, 307, 400, 404, 500, ... */
    const char *content_type;     /* static string, e.g. "application/json" */
    const char *content_encoding; /* static string or NULL ("gzip") */
    char *location;               /* malloc'd redirect target or NULL (freed by the server) */
    char *body;                   /* body bytes, freed by free_fn(free_ctx) if set, else free(body) */
    size_t len;
    void (*free_fn)(void *ctx);
    void *free_ctx;
    /* Set for a streamed body (cadv_http_reply_stream): body is NULL, free_ctx is fill's ctx. */
    cadv_http_fill_fn fill;
    void *stream; /* an events stream (api/api_events.h), sent by cadv_api_events_send; else NULL */
};

/* Fills rep with a text/plain body copied from text (cAdvisor's error replies). */
void cadv_http_reply_text(struct cadv_http_reply *rep, unsigned status, const char *text);
/* Fills rep with a printf-formatted text/plain body. */
void cadv_http_reply_textf(struct cadv_http_reply *rep, unsigned status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Fills rep as Go's http.Error does (every cAdvisor error reply): status, "text/plain;
 * charset=utf-8", the text followed by a newline. */
void cadv_http_reply_error(struct cadv_http_reply *rep, unsigned status, const char *text);
void cadv_http_reply_errorf(struct cadv_http_reply *rep, unsigned status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Hands the bytes of b to rep as an "application/json" body with status 200; b is left empty. */
void cadv_http_reply_json(struct cadv_http_reply *rep, struct cadv_buf *b);
/* Fills rep with a body produced while the client reads it, so that a reply's memory stays bounded
 * by one piece whatever its size and however slowly the client reads (a client that never reads
 * holds one piece, until the server's timeout cuts it). The server calls fill(ctx, out) on its
 * thread when the connection can take more bytes; the pieces go out in HTTP/1.1 chunked encoding
 * (a close-delimited body for HTTP/1.0), except that a body whose first fill already ends (0) is
 * sent whole with a Content-Length. free_fn(ctx) runs exactly once, when the reply is done, the
 * client went away, or rep is reset. fill and free_fn run on one server thread at a time, not
 * concurrently, and must not block for long (they hold the thread of other connections). An empty
 * piece with 1 makes the server call fill again at once: a body that waits for data (an event
 * stream) needs connection suspension, which this helper does not do yet. Used by the REST API for
 * container listings; meant for any long or unbounded body. */
void cadv_http_reply_stream(struct cadv_http_reply *rep, unsigned status, const char *content_type,
                            cadv_http_fill_fn fill, void *ctx, void (*free_fn)(void *ctx));
/* Appends s to out with & < > " ' replaced by entities (Go's html.EscapeString). */
void cadv_http_html_escape(struct cadv_buf *out, const char *s);
/* Fills rep as Go's http.Redirect does: status (301, 307...), Location (already escaped), and for
 * GET a short HTML body "<a href=...>Status Text</a>.\n\n" (text/html also for HEAD). */
void cadv_http_reply_redirect(struct cadv_http_reply *rep, unsigned status, const char *method,
                              const char *location);
