/* SPDX-License-Identifier: Apache-2.0 */
/* server.c - the HTTP server: libmicrohttpd with an internal thread pool, routing as cAdvisor's Go
 * muxes do (cmd/cadvisor.go, cmd/internal/http/handlers.go).
 *
 * DESIGN
 *
 * Threads: MHD's pool of SERVER_THREADS threads (epoll) accepts and serves connections; a handler
 * runs on the thread of its connection and may block it (on-demand housekeeping waits, bounded by
 * the manager). Handlers only call thread-safe manager functions and copy data out before
 * rendering. The server holds no lock of its own.
 *
 * Per request: MHD's URI log callback allocates a conn_state holding the raw query (for redirects)
 * and whether the URI was over the cap; the access handler checks method, URI length and
 * Content-Length on its first call, accumulates the body (capped) on the following ones, and routes
 * on the last one. The reply's body is handed to MHD without a copy and freed by MHD.
 *
 * Routing (after Go ServeMux's path cleaning, 301 to the clean path): everything outside
 * --url_base_prefix is a 404; the prefix itself 301s to prefix + "/"; then /healthz, the Prometheus
 * endpoint, /api..., the UI pages (ui.c; their bare names 301 to the slashed form), /validate/ and, for
 * anything else, a 307 to <prefix>/containers/.
 *
 * Limits: SERVER_MAX_CONNECTIONS connections, SERVER_MAX_PER_ADDRESS per client address (both
 * below the fds the manager keeps free of cgroup files), SERVER_REQUEST_TIMEOUT_S for a request to
 * arrive whole and SERVER_IDLE_TIMEOUT_S of inactivity otherwise, URIs up to SERVER_MAX_URI bytes
 * (414) with at most SERVER_MAX_PARAMS query parameters (400), no "%00" (400: a C path would end
 * there), one Content-Length value (400), bodies up to SERVER_MAX_BODY bytes (413), request line
 * plus headers within SERVER_MEMORY_LIMIT (MHD answers 414/431 itself beyond it). Large API bodies
 * are streamed (cadv_http_reply_stream), so a reply holds one piece in memory, not the whole body. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api.h"
#include "api/api_events.h"
#include "api/api_parse.h"
#include "config.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "http/auth.h"
#include "http/tls.h"
#include "http/ui.h"
#include "http/validate.h"
#include "prom/metrics.h"
#include "wire/http.h"

#define SERVER_THREADS           4u
/* Connections: at most SERVER_MAX_CONNECTIONS (fewer where RLIMIT_NOFILE is small: a quarter of
 * it), so that HTTP clients can hold at most half of the fds the manager leaves free for everything
 * but cgroup files (its reserve, 1024); at most SERVER_MAX_PER_ADDRESS from one client address. */
#define SERVER_MAX_CONNECTIONS   512u
#define SERVER_MAX_PER_ADDRESS   64u
/* Inactivity timeouts: a connection that has not sent a whole request (or a slowloris trickling a
 * partial one) is cut after SERVER_REQUEST_TIMEOUT_S; one receiving a reply, or idle between
 * keep-alive requests, after SERVER_IDLE_TIMEOUT_S. */
#define SERVER_REQUEST_TIMEOUT_S 10u
#define SERVER_IDLE_TIMEOUT_S    30u
#define SERVER_MAX_URI           8192u
/* Query parameters beyond this count are a 400 (they are never parsed). */
#define SERVER_MAX_PARAMS        256u
#define SERVER_MAX_BODY          ((size_t)64 * 1024)
#define SERVER_MEMORY_LIMIT      ((size_t)64 * 1024)
/* Bytes of an oversized chunked body read and dropped before the connection is cut. */
#define SERVER_MAX_DISCARD       (16 * SERVER_MAX_BODY)
/* Streamed replies: MHD's block size, the largest piece a producer may write (one container's
 * whole history is far below it), and the storage a connection keeps between pieces. */
#define SERVER_STREAM_BLOCK      (32u * 1024u)
#define SERVER_STREAM_MAX_PIECE  ((size_t)256 << 20)
#define SERVER_STREAM_KEEP       ((size_t)256 * 1024)

struct cadv_server {
    struct MHD_Daemon *daemon;
    struct cadv_manager *m;
    struct cadv_metrics *mx;
    char *prefix;       /* --url_base_prefix without a trailing "/"; "" for none */
    char *metrics_path; /* --prometheus_endpoint */
    int port;
    struct cadv_auth *auth; /* NULL: no -http_auth_file / -http_digest_file */
    struct cadv_tls *tls;   /* NULL: plain HTTP */
    struct MHD_OptionItem opts[4];
};

struct conn_state {
    bool started;
    bool uri_too_long;
    bool too_many_params;
    bool nul_escape; /* "%00" in the URI */
    bool body_too_large;
    size_t discarded;
    uint64_t start_ns;
    char *query; /* raw query string after "?", or NULL */
    struct cadv_buf body;
};

static const char text_plain[] = "text/plain; charset=utf-8";

/* ---- replies ---- */

/* Appends p percent-encoded as Go's url.URL.EscapedPath does for a path. */
static void escape_path(struct cadv_buf *out, const char *p)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.~$&+,/:;=@", c)) {
            cadv_buf_putc(out, (char)c);
        } else {
            cadv_buf_putc(out, '%');
            cadv_buf_putc(out, hex[c >> 4]);
            cadv_buf_putc(out, hex[c & 15]);
        }
    }
}

/* Go's http.Redirect to path (escaped here) with the raw query. */
static void reply_redirect(struct cadv_http_reply *rep, unsigned status, const char *method, const char *path,
                           const char *query)
{
    struct cadv_buf loc;

    cadv_buf_init(&loc, 0);
    escape_path(&loc, path);
    if (query && *query) {
        cadv_buf_putc(&loc, '?');
        cadv_buf_puts(&loc, query);
    }
    cadv_http_reply_redirect(rep, status, method, loc.data ? loc.data : "/");
    cadv_buf_done(&loc);
}

/* ---- routing ---- */

static bool is_page(const char *p, const char *page, bool *ret_bare)
{
    size_t n = strlen(page);

    if (strncmp(p, page, n) != 0)
        return false;
    if (p[n] == '\0') {
        *ret_bare = true;
        return true;
    }
    *ret_bare = false;
    return p[n] == '/';
}

/* Routes a request whose path is clean and stripped of the prefix. */
static void route(struct cadv_server *s, const struct cadv_http_request *req, const char *query,
                  struct cadv_http_reply *rep)
{
    static const char *const pages[] = {"/containers", "/docker", "/podman", "/static", "/validate"};
    const char *p = req->path;
    char *target;
    bool bare;

    if (strcmp(p, "/healthz") == 0) {
        cadv_http_reply_text(rep, 200, "ok");
        return;
    }
    if (s->mx && strcmp(p, s->metrics_path) == 0) {
        cadv_metrics_handle(s->mx, req, rep);
        return;
    }
    if (strcmp(p, "/api") == 0 || strncmp(p, "/api/", 5) == 0) {
        cadv_api_handle(s->m, req, rep);
        return;
    }
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        if (!is_page(p, pages[i], &bare))
            continue;
        if (bare) {
            /* ServeMux redirects a subtree's bare name to the subtree. */
            target = cadv_xasprintf("%s%s/", s->prefix, p);
            reply_redirect(rep, 301, req->method, target, query);
            free(target);
        } else if (strcmp(pages[i], "/validate") == 0) {
            cadv_validate_handle(s->m, rep);
        } else {
            cadv_ui_handle(s->prefix, req, rep);
        }
        return;
    }
    target = cadv_xasprintf("%s/containers/", s->prefix);
    reply_redirect(rep, 307, req->method, target, NULL);
    free(target);
}

/* True when Accept-Encoding lists gzip (promhttp's gzipAccepted). */
static bool accepts_gzip(struct MHD_Connection *con)
{
    const char *a = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);

    while (a && *a) {
        size_t n = strcspn(a, ",");
        const char *e = a + n;

        while (a < e && (*a == ' ' || *a == '\t'))
            a++;
        while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        // cppcheck-suppress knownConditionTrueFalse ; e - a is the trimmed token's length (false positive)
        if ((e - a == 4 && strncmp(a, "gzip", 4) == 0) || (e - a > 4 && strncmp(a, "gzip;", 5) == 0))
            return true;
        a += strcspn(a, ",");
        if (*a == ',')
            a++;
    }
    return false;
}

/* Cleans the path (301 if it changes), applies the prefix (404 outside it) and routes. */
static void dispatch(struct cadv_server *s, struct MHD_Connection *con, const char *url, const char *method,
                     struct conn_state *st, struct cadv_http_reply *rep)
{
    struct cadv_http_request req = {.method = method, .conn = con};
    size_t plen = strlen(s->prefix);
    char *clean = cadv_http_clean_path(url);

    if (strcmp(clean, url) != 0) {
        reply_redirect(rep, 301, method, clean, st->query);
    } else if (plen > 0 && strcmp(clean, s->prefix) == 0) {
        char *target = cadv_xasprintf("%s/", s->prefix);

        reply_redirect(rep, 301, method, target, st->query);
        free(target);
    } else if (plen > 0 && (strncmp(clean, s->prefix, plen) != 0 || clean[plen] != '/')) {
        cadv_http_reply_error(rep, 404, "404 page not found");
    } else {
        req.path = clean + plen;
        req.body = st->body.data ? st->body.data : "";
        req.body_len = st->body.len;
        req.accept_gzip = accepts_gzip(con);
        route(s, &req, st->query, rep);
    }
    free(clean);
}

/* ---- MHD glue ---- */

static void free_body(void *p)
{
    free(p);
}

static enum MHD_Result send_reply(struct MHD_Connection *con, struct cadv_http_reply *rep);

/* send_error -> send_reply -> send_error recurses at most once: an error reply is never streamed. */
/* NOLINTNEXTLINE(misc-no-recursion): bounded, see above */
static enum MHD_Result send_error(struct MHD_Connection *con, unsigned status, const char *text)
{
    struct cadv_http_reply rep = {0};

    cadv_http_reply_error(&rep, status, text);
    return send_reply(con, &rep);
}

/* A streamed body in flight: the piece being sent and the producer of the next ones. */
struct stream {
    cadv_http_fill_fn fill;
    void (*free_fn)(void *ctx);
    void *ctx;
    struct cadv_buf piece;
    size_t off;
    bool last; /* piece is the last one */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct stream *st = cls;
    size_t n;
    int r;

    (void)pos;
    while (st->off == st->piece.len) {
        if (st->last)
            return MHD_CONTENT_READER_END_OF_STREAM;
        cadv_buf_clear(&st->piece);
        st->off = 0;
        r = st->fill(st->ctx, &st->piece);
        if (r < 0 || st->piece.overflow) {
            cadv_log(CADV_LOG_WARNING, "http: a streamed reply failed mid-way (%s), cutting the connection",
                     r < 0 ? strerror(-r) : "piece too large");
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        st->last = r == 0;
    }
    n = st->piece.len - st->off;
    if (n > max)
        n = max;
    memcpy(out, st->piece.data + st->off, n);
    st->off += n;
    if (st->off == st->piece.len && st->piece.cap > SERVER_STREAM_KEEP) {
        /* Give back a piece that grew large (one container's long history) instead of holding it
         * while the client is slow. */
        cadv_buf_done(&st->piece);
        cadv_buf_init(&st->piece, SERVER_STREAM_MAX_PIECE);
        st->off = 0;
    }
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *st = cls;

    st->free_fn(st->ctx);
    cadv_buf_done(&st->piece);
    free(st);
}

/* The MHD response of a streamed reply; rep's producer is handed over (freed on failure too). A
 * body whose first piece is the last goes out whole, with a Content-Length. */
static struct MHD_Response *stream_response(struct cadv_http_reply *rep)
{
    struct stream *st = cadv_xcalloc(1, sizeof(*st));
    struct MHD_Response *r;
    int rc;

    st->fill = rep->fill;
    st->free_fn = rep->free_fn;
    st->ctx = rep->free_ctx;
    cadv_buf_init(&st->piece, SERVER_STREAM_MAX_PIECE);
    rc = st->fill(st->ctx, &st->piece);
    if (rc < 0 || st->piece.overflow) {
        stream_free(st);
        return NULL;
    }
    if (rc == 0) {
        size_t n;
        char *body = cadv_buf_steal(&st->piece, &n);

        stream_free(st);
        return MHD_create_response_from_buffer_with_free_callback(n, body, free_body);
    }
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SERVER_STREAM_BLOCK, stream_read, st,
                                          stream_free);
    if (!r)
        stream_free(st);
    return r;
}

/* NOLINTNEXTLINE(misc-no-recursion): recurses at most once, see send_error */
static enum MHD_Result send_reply(struct MHD_Connection *con, struct cadv_http_reply *rep)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (rep->stream)
        return (enum MHD_Result)cadv_api_events_send(con, rep);
    if (rep->status == 0)
        cadv_http_reply_error(rep, 500, "internal error: no reply");
    if (rep->fill) {
        r = stream_response(rep);
        if (!r) {
            free(rep->location);
            return send_error(con, 500, "internal error: the reply could not be rendered");
        }
    } else if (rep->free_fn)
        r = MHD_create_response_from_buffer_with_free_callback_cls(rep->len, rep->body, rep->free_fn,
                                                                   rep->free_ctx);
    else
        r = MHD_create_response_from_buffer_with_free_callback(rep->len, rep->body, free_body);
    if (!r) {
        if (rep->free_fn)
            rep->free_fn(rep->free_ctx);
        else
            free(rep->body);
        free(rep->location);
        return MHD_NO;
    }
    if (rep->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
    if (rep->content_encoding)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, rep->content_encoding);
    if (rep->location)
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rep->location);
    if (rep->status >= 400 && rep->content_type && strcmp(rep->content_type, text_plain) == 0)
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    free(rep->location);
    /* The reply, and the idle time until the next request, get the longer timeout. */
    (void)MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)SERVER_IDLE_TIMEOUT_S);
    ret = MHD_queue_response(con, rep->status, r);
    MHD_destroy_response(r);
    return ret;
}

static bool method_known(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(m, known[i]) == 0)
            return true;
    return false;
}

/* Number of "&"-separated parameters in a raw query. */
static size_t count_params(const char *q)
{
    size_t n = 1;

    for (; *q; q++)
        n += *q == '&';
    return n;
}

static struct conn_state *state_new(const char *uri)
{
    struct conn_state *st = cadv_xcalloc(1, sizeof(*st));
    const char *q;

    st->start_ns = cadv_mono_ns();
    cadv_buf_init(&st->body, SERVER_MAX_BODY);
    if (!uri)
        return st;
    q = strchr(uri, '?');
    st->nul_escape = strstr(uri, "%00") != NULL;
    if (strlen(uri) > SERVER_MAX_URI)
        st->uri_too_long = true;
    else if (q && count_params(q + 1) > SERVER_MAX_PARAMS)
        st->too_many_params = true;
    else if (q)
        st->query = cadv_xstrdup(q + 1);
    return st;
}

/* Called with the raw request target, before libmicrohttpd parses its query. A query that will be
 * refused is not parsed at all: libmicrohttpd (0.9.75) keeps every parameter in the connection's
 * fixed memory pool, and when a thousand of them overflow it the request hangs until the timeout
 * without a reply. uri points into libmicrohttpd's writable read buffer (the request line, which it
 * splits in place right after this call), so the query is cut there to "". */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    struct conn_state *st = state_new(uri);
    char *q;

    (void)cls;
    /* A new request on this connection: it has SERVER_REQUEST_TIMEOUT_S to arrive whole. */
    (void)MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)SERVER_REQUEST_TIMEOUT_S);
    if ((st->uri_too_long || st->too_many_params) && (q = strchr(uri, '?')) != NULL)
        q[1] = '\0';
    return st;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_state *st = *con_cls;

    (void)cls;
    (void)con;
    (void)toe;
    if (!st)
        return;
    cadv_buf_done(&st->body);
    free(st->query);
    free(st);
    *con_cls = NULL;
}

struct cl_scan {
    const char *first;
    bool conflict;
};

static enum MHD_Result scan_content_length(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
    struct cl_scan *sc = cls;

    (void)kind;
    if (!key || strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
        return MHD_YES;
    if (!sc->first)
        sc->first = value ? value : "";
    else if (strcmp(sc->first, value ? value : "") != 0)
        sc->conflict = true;
    return MHD_YES;
}

/* True when the request repeats Content-Length with different values (libmicrohttpd uses the
 * first; Go's server, like RFC 9112, refuses the request). */
static bool content_length_conflict(struct MHD_Connection *con)
{
    struct cl_scan sc = {0};

    (void)MHD_get_connection_values(con, MHD_HEADER_KIND, scan_content_length, &sc);
    return sc.conflict;
}

/* First call of a request: checks that need no body. */
static enum MHD_Result on_headers(struct MHD_Connection *con, const char *method, struct conn_state *st)
{
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end;

    st->started = true;
    if (st->uri_too_long)
        return send_error(con, 414, "URI too long");
    if (st->too_many_params)
        return send_error(con, 400, "too many query parameters");
    if (st->nul_escape)
        return send_error(con, 400, "invalid URL escape \"%00\"");
    if (!method_known(method))
        return send_error(con, 501, "method not implemented");
    if (content_length_conflict(con))
        return send_error(con, 400, "conflicting Content-Length headers");
    if (cl) {
        unsigned long long n = strtoull(cl, &end, 10);

        if (*end == '\0' && n > SERVER_MAX_BODY)
            return send_error(con, 413, "request body too large");
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct cadv_server *s = cls;
    struct conn_state *st = *con_cls;
    struct cadv_http_reply rep = {0};
    size_t n = *upload_data_size;
    enum MHD_Result ar;

    (void)version;
    if (!st)
        *con_cls = st = state_new(NULL);
    if (!st->started)
        return on_headers(con, method, st);
    if (n > 0) {
        *upload_data_size = 0;
        if (!st->body_too_large && st->body.len + n <= SERVER_MAX_BODY) {
            cadv_buf_append(&st->body, upload_data, n);
            return MHD_YES;
        }
        st->body_too_large = true;
        st->discarded += n;
        return st->discarded > SERVER_MAX_DISCARD ? MHD_NO : MHD_YES;
    }
    if (st->body_too_large)
        return send_error(con, 413, "request body too large");
    if (s->auth && !cadv_auth_check(s->auth, s->prefix, con, url, &ar))
        return ar; /* a 401 with the challenge is queued */
    dispatch(s, con, url, method, st, &rep);
    if (cadv_log_enabled(CADV_LOG_DEBUG))
        cadv_log(CADV_LOG_DEBUG, "http: %s '%s' -> %u (%zu bytes, %.1f ms)", method, url, rep.status, rep.len,
                 (double)(cadv_mono_ns() - st->start_ns) / 1e6);
    return send_reply(con, &rep);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;

    (void)cls;
    (void)vsnprintf(line, sizeof(line), fmt, ap); /* a log line may be cut */
    n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    cadv_log(CADV_LOG_DEBUG, "http: %s", line);
}

/* ---- listening ---- */

/* A listening socket bound to sa. Returns the fd or a negative errno. */
static int listen_on(const struct sockaddr *sa, socklen_t len, bool dual_stack)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1, zero = 0, r;

    if (fd < 0)
        return -errno;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (dual_stack)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    if (bind(fd, sa, len) < 0 || listen(fd, SOMAXCONN) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

/* A listening TCP socket on ip (a literal or a name; "" = every address: "::" dual-stack, else
 * 0.0.0.0 where IPv6 is unavailable) and port. Returns the fd or a negative errno. */
static int open_listener(const char *ip, int port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char host[256], serv[16];
    size_t n = ip ? strlen(ip) : 0;
    int fd = -EADDRNOTAVAIL;

    if (n == 0) {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

        sin6.sin6_addr = in6addr_any;
        sin.sin_addr.s_addr = htonl(INADDR_ANY);
        fd = listen_on((struct sockaddr *)&sin6, sizeof(sin6), true);
        if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL || fd == -EINVAL)
            fd = listen_on((struct sockaddr *)&sin, sizeof(sin), false);
        return fd;
    }
    /* Accept "[::1]" as well as "::1". */
    if (ip[0] == '[' && ip[n - 1] == ']' && n - 2 < sizeof(host)) {
        memcpy(host, ip + 1, n - 2);
        host[n - 2] = '\0';
        ip = host;
    }
    (void)snprintf(serv, sizeof(serv), "%d", port); /* a port fits */
    if (getaddrinfo(ip, serv, &hints, &res) != 0)
        return -EADDRNOTAVAIL;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = listen_on(ai->ai_addr, ai->ai_addrlen, false);
        if (fd >= 0)
            break;
    }
    freeaddrinfo(res);
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss = {0};
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    /* getsockname filled ss; the analyzer does not see it through the sockaddr_in* views. */
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port); // NOLINT(clang-analyzer-core.CallAndMessage)
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);       // NOLINT(clang-analyzer-core.CallAndMessage)
}

/* Writes "<port>\n" to path atomically (temporary file, then rename). */
static int write_port_file(const char *path, int port)
{
    char *tmp = cadv_xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    int r = 0;

    if (!f) {
        r = -errno;
        goto out;
    }
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0) {
        r = -errno;
        (void)unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) < 0) {
        r = -errno;
        (void)unlink(tmp);
    }
out:
    free(tmp);
    return r;
}

/* SERVER_MAX_CONNECTIONS, or a quarter of RLIMIT_NOFILE where that is less (the manager has raised
 * the soft limit to the hard one by now). */
static unsigned connection_limit(void)
{
    struct rlimit rl;
    rlim_t quarter;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return SERVER_MAX_CONNECTIONS;
    quarter = rl.rlim_cur / 4;
    if (quarter < 16)
        quarter = 16;
    return quarter < SERVER_MAX_CONNECTIONS ? (unsigned)quarter : SERVER_MAX_CONNECTIONS;
}

static struct MHD_Daemon *start_daemon(struct cadv_server *s, int fd)
{
    /* Suspend/resume: events streams wait for their next event suspended (api/api_events.h). */
    unsigned flags =
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    size_t n = cadv_tls_mhd_options(s->tls, s->opts, 2);

    n += cadv_auth_mhd_options(s->auth, s->opts + n, 1);
    s->opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (s->tls)
        flags |= MHD_USE_TLS;

    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
                            (void *)s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE,
                            (unsigned)SERVER_THREADS, MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SERVER_MAX_PER_ADDRESS,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVER_REQUEST_TIMEOUT_S,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVER_MEMORY_LIMIT,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)s, MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, (void *)s, MHD_OPTION_ARRAY, s->opts, MHD_OPTION_END);
}

static char *prefix_of(const char *p)
{
    size_t n = p ? strlen(p) : 0;

    while (n > 0 && p[n - 1] == '/')
        n--;
    return n ? cadv_xstrndup(p, n) : cadv_xstrdup("");
}

int cadv_server_check_config(const struct cadv_config *cfg, FILE *err)
{
    static const char *const taken[] = {"/healthz", "/api",    "/containers", "/docker",
                                        "/podman",  "/static", "/validate"};
    const char *ep = cfg->prometheus_endpoint;
    char *clean;
    int r = 0;

    if (!ep || !*ep)
        return 0;
    clean = cadv_http_clean_path(ep);
    if (strcmp(clean, ep) != 0) {
        fprintf(err, "cadv: invalid value \"%s\" for flag -prometheus_endpoint: not a clean path (\"%s\")\n",
                ep, clean);
        r = -EINVAL;
    } else if (strcmp(ep, "/") == 0) {
        fprintf(err,
                "cadv: invalid value \"/\" for flag -prometheus_endpoint: \"/\" serves the UI redirect\n");
        r = -EINVAL;
    }
    for (size_t i = 0; r == 0 && i < sizeof(taken) / sizeof(taken[0]); i++) {
        size_t n = strlen(taken[i]);

        if (strncmp(ep, taken[i], n) == 0 && (ep[n] == '\0' || ep[n] == '/')) {
            fprintf(err,
                    "cadv: invalid value \"%s\" for flag -prometheus_endpoint: it collides with the %s "
                    "endpoint\n",
                    ep, taken[i]);
            r = -EINVAL;
        }
    }
    free(clean);
    return r;
}

int cadv_server_start(const struct cadv_config *cfg, struct cadv_manager *m, struct cadv_metrics *mx,
                      struct cadv_server **ret)
{
    struct cadv_server *s;
    int fd, port, r;

    struct cadv_auth *auth;
    struct cadv_tls *tls = NULL;

    if (cfg->port < 0 || cfg->port > 65535)
        return cadv_log_errno(CADV_LOG_ERROR, -EINVAL, "http: invalid port %d", cfg->port);
    r = cadv_auth_new(cfg, &auth);
    if (r == 0)
        r = cadv_tls_new(cfg, &tls);
    if (r < 0) {
        cadv_auth_free(auth);
        return r;
    }
    fd = open_listener(cfg->listen_ip, cfg->port);
    if (fd < 0) {
        cadv_auth_free(auth);
        cadv_tls_free(tls);
        return cadv_log_errno(CADV_LOG_ERROR, fd, "http: cannot listen on '%s' port %d",
                              cfg->listen_ip ? cfg->listen_ip : "", cfg->port);
    }
    port = bound_port(fd);
    if (port < 0) {
        close(fd);
        cadv_auth_free(auth);
        cadv_tls_free(tls);
        return cadv_log_errno(CADV_LOG_ERROR, port, "http: getsockname");
    }
    s = cadv_xcalloc(1, sizeof(*s));
    s->m = m;
    s->mx = mx;
    s->port = port;
    s->auth = auth;
    s->tls = tls;
    s->prefix = prefix_of(cfg->url_base_prefix);
    s->metrics_path = cadv_xstrdup(
            cfg->prometheus_endpoint && *cfg->prometheus_endpoint ? cfg->prometheus_endpoint : "/metrics");
    cadv_api_events_startup();
    s->daemon = start_daemon(s, fd);
    if (!s->daemon) {
        close(fd);
        cadv_server_stop(s);
        return cadv_log_errno(CADV_LOG_ERROR, -EIO, "http: cannot start the HTTP server on port %d", port);
    }
    if (cfg->port_file && *cfg->port_file) {
        r = write_port_file(cfg->port_file, port);
        if (r < 0) {
            cadv_server_stop(s);
            return cadv_log_errno(CADV_LOG_ERROR, r, "http: cannot write the port file '%s'", cfg->port_file);
        }
    }
    cadv_log(CADV_LOG_INFO, "http: listening on '%s' port %d", cfg->listen_ip ? cfg->listen_ip : "", port);
    *ret = s;
    return 0;
}

int cadv_server_port(const struct cadv_server *s)
{
    return s->port;
}

struct cadv_server *cadv_server_stop(struct cadv_server *s)
{
    if (!s)
        return NULL;
    cadv_api_events_shutdown(); /* MHD must not find suspended connections */
    if (s->daemon)
        MHD_stop_daemon(s->daemon); /* joins the pool; in-flight handlers finish first */
    free(s->prefix);
    free(s->metrics_path);
    cadv_auth_free(s->auth);
    cadv_tls_free(s->tls);
    free(s);
    return NULL;
}

int cadv_server_check_files(const struct cadv_config *cfg)
{
    struct cadv_auth *auth;
    struct cadv_tls *tls;
    int r = cadv_auth_new(cfg, &auth);

    if (r == 0)
        r = cadv_tls_new(cfg, &tls);
    cadv_auth_free(auth);
    if (r == 0)
        cadv_tls_free(tls);
    return r;
}
