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
 * endpoint, /api..., the UI pages (not implemented yet: 501; their bare names 301 to the slashed
 * form) and, for anything else, a 307 to <prefix>/containers/.
 *
 * Limits: SERVER_MAX_CONNECTIONS connections, an idle timeout of SERVER_TIMEOUT_S, URIs up to
 * SERVER_MAX_URI bytes (414), bodies up to SERVER_MAX_BODY bytes (413), request line plus headers
 * within SERVER_MEMORY_LIMIT (MHD answers 414/431 itself beyond it). */
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
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "http/api.h"
#include "http/api_parse.h"
#include "http/http.h"
#include "http/metrics.h"

#define SERVER_THREADS         4u
#define SERVER_MAX_CONNECTIONS 1024u
#define SERVER_TIMEOUT_S       120u
#define SERVER_MAX_URI         8192u
#define SERVER_MAX_BODY        ((size_t)64 * 1024)
#define SERVER_MEMORY_LIMIT    ((size_t)64 * 1024)
/* Bytes of an oversized chunked body read and dropped before the connection is cut. */
#define SERVER_MAX_DISCARD     (16 * SERVER_MAX_BODY)

struct cadv_server {
    struct MHD_Daemon *daemon;
    struct cadv_manager *m;
    struct cadv_metrics *mx;
    char *prefix;       /* --url_base_prefix without a trailing "/"; "" for none */
    char *metrics_path; /* --prometheus_endpoint */
    int port;
};

struct conn_state {
    bool started;
    bool uri_too_long;
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
        } else {
            cadv_http_reply_errorf(rep, 501, "%s/ is not implemented by cadv yet", pages[i]);
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

static enum MHD_Result send_reply(struct MHD_Connection *con, struct cadv_http_reply *rep)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (rep->status == 0)
        cadv_http_reply_error(rep, 500, "internal error: no reply");
    if (rep->free_fn)
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
    ret = MHD_queue_response(con, rep->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *con, unsigned status, const char *text)
{
    struct cadv_http_reply rep = {0};

    cadv_http_reply_error(&rep, status, text);
    return send_reply(con, &rep);
}

static bool method_known(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(m, known[i]) == 0)
            return true;
    return false;
}

static struct conn_state *state_new(const char *uri)
{
    struct conn_state *st = cadv_xcalloc(1, sizeof(*st));
    const char *q;

    st->start_ns = cadv_mono_ns();
    cadv_buf_init(&st->body, SERVER_MAX_BODY);
    if (uri && strlen(uri) > SERVER_MAX_URI)
        st->uri_too_long = true;
    else if (uri && (q = strchr(uri, '?')) != NULL)
        st->query = cadv_xstrdup(q + 1);
    return st;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    (void)con;
    return state_new(uri);
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

/* First call of a request: checks that need no body. */
static enum MHD_Result on_headers(struct MHD_Connection *con, const char *method, struct conn_state *st)
{
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end;

    st->started = true;
    if (st->uri_too_long)
        return send_error(con, 414, "URI too long");
    if (!method_known(method))
        return send_error(con, 501, "method not implemented");
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

static struct MHD_Daemon *start_daemon(struct cadv_server *s, int fd)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
                            (void *)s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE,
                            (unsigned)SERVER_THREADS, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)SERVER_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)SERVER_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                            (size_t)SERVER_MEMORY_LIMIT, MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)s,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)s, MHD_OPTION_END);
}

static char *prefix_of(const char *p)
{
    size_t n = p ? strlen(p) : 0;

    while (n > 0 && p[n - 1] == '/')
        n--;
    return n ? cadv_xstrndup(p, n) : cadv_xstrdup("");
}

int cadv_server_start(const struct cadv_config *cfg, struct cadv_manager *m, struct cadv_metrics *mx,
                      struct cadv_server **ret)
{
    struct cadv_server *s;
    int fd, port, r;

    if (cfg->port < 0 || cfg->port > 65535)
        return cadv_log_errno(CADV_LOG_ERROR, -EINVAL, "http: invalid port %d", cfg->port);
    fd = open_listener(cfg->listen_ip, cfg->port);
    if (fd < 0)
        return cadv_log_errno(CADV_LOG_ERROR, fd, "http: cannot listen on '%s' port %d",
                              cfg->listen_ip ? cfg->listen_ip : "", cfg->port);
    port = bound_port(fd);
    if (port < 0) {
        close(fd);
        return cadv_log_errno(CADV_LOG_ERROR, port, "http: getsockname");
    }
    s = cadv_xcalloc(1, sizeof(*s));
    s->m = m;
    s->mx = mx;
    s->port = port;
    s->prefix = prefix_of(cfg->url_base_prefix);
    s->metrics_path = cadv_xstrdup(
            cfg->prometheus_endpoint && *cfg->prometheus_endpoint ? cfg->prometheus_endpoint : "/metrics");
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
    if (s->daemon)
        MHD_stop_daemon(s->daemon); /* joins the pool; in-flight handlers finish first */
    free(s->prefix);
    free(s->metrics_path);
    free(s);
    return NULL;
}
