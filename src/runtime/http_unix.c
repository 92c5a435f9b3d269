/* SPDX-License-Identifier: Apache-2.0 */
/* http_unix.c - libcurl GET/JSON and unary gRPC over unix sockets or TCP (see http_unix.h). */
#include "runtime/http_unix.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ok;

static void curl_init_once(void)
{
    curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static char *dup_opt(const char *s)
{
    return s && *s ? cadv_xstrdup(s) : NULL;
}

int cadv_http_endpoint_parse(const char *addr, const char *host, bool tls, const char *cert, const char *key,
                             const char *ca, struct cadv_http_endpoint *ret)
{
    struct cadv_http_endpoint ep = {0};

    if (!addr || !*addr)
        return -EINVAL;
    if (strncmp(addr, "unix://", 7) == 0 || addr[0] == '/') {
        const char *path = addr[0] == '/' ? addr : addr + 7;

        if (path[0] != '/')
            return -EINVAL;
        ep.socket_path = cadv_xstrdup(path);
        ep.base_url = cadv_xasprintf("http://%s", host && *host ? host : "localhost");
    } else if (strncmp(addr, "tcp://", 6) == 0) {
        if (!addr[6])
            return -EINVAL;
        ep.base_url = cadv_xasprintf("%s://%s", tls ? "https" : "http", addr + 6);
    } else if (strncmp(addr, "http://", 7) == 0 || strncmp(addr, "https://", 8) == 0) {
        ep.base_url = cadv_xstrdup(addr);
    } else {
        return -EINVAL;
    }
    /* Trailing slashes would double up with request paths. */
    for (size_t n = strlen(ep.base_url); n > 0 && ep.base_url[n - 1] == '/'; n--)
        ep.base_url[n - 1] = '\0';
    if (tls) {
        ep.tls_cert = dup_opt(cert);
        ep.tls_key = dup_opt(key);
        ep.tls_ca = dup_opt(ca);
    }
    *ret = ep;
    return 0;
}

void cadv_http_endpoint_done(struct cadv_http_endpoint *ep)
{
    if (!ep)
        return;
    free(ep->socket_path);
    free(ep->base_url);
    free(ep->tls_cert);
    free(ep->tls_key);
    free(ep->tls_ca);
    memset(ep, 0, sizeof(*ep));
}

/* Response collection: the body into a capped buffer, and for gRPC the grpc-status header or
 * trailer (curl passes HTTP/2 trailers to the header callback). */
struct response {
    struct cadv_buf body;
    int grpc_status; /* -1 until seen */
};

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct response *r = userdata;

    n *= size; /* size is always 1 (libcurl's fwrite-like signature) */
    cadv_buf_append(&r->body, p, n);
    return r->body.overflow ? 0 : n; /* 0 aborts the transfer with CURLE_WRITE_ERROR */
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    static const char key[] = "grpc-status:";
    struct response *r = userdata;
    const size_t kl = sizeof(key) - 1;

    n *= size; /* size is always 1 */
    if (n > kl && strncasecmp(p, key, kl) == 0) {
        int v = 0;
        size_t i = kl;

        while (i < n && p[i] == ' ')
            i++;
        for (; i < n && p[i] >= '0' && p[i] <= '9' && v < 1000; i++)
            v = v * 10 + (p[i] - '0');
        r->grpc_status = v;
    }
    return n;
}

static int map_curl_error(CURLcode c, const struct response *r)
{
    switch (c) {
    case CURLE_OK:
        return 0;
    case CURLE_COULDNT_CONNECT:
        return -ECONNREFUSED;
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_WRITE_ERROR:
        return r->body.overflow ? -EFBIG : -EIO;
    default:
        return -EIO;
    }
}

static CURL *easy_new(const struct cadv_http_endpoint *ep, const char *path, uint64_t timeout_ns,
                      struct response *r)
{
    CURL *h = curl_easy_init();
    char *url;
    long ms = (long)(timeout_ns / 1000000ULL);

    if (!h)
        abort(); /* only fails on OOM */
    url = cadv_xasprintf("%s%s", ep->base_url, path);
    (void)curl_easy_setopt(h, CURLOPT_URL, url);
    free(url); /* libcurl copies option strings */
    if (ep->socket_path)
        (void)curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, ep->socket_path);
    if (ep->tls_cert)
        (void)curl_easy_setopt(h, CURLOPT_SSLCERT, ep->tls_cert);
    if (ep->tls_key)
        (void)curl_easy_setopt(h, CURLOPT_SSLKEY, ep->tls_key);
    if (ep->tls_ca)
        (void)curl_easy_setopt(h, CURLOPT_CAINFO, ep->tls_ca);
    (void)curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
    (void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
    (void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    (void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    (void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    (void)curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    (void)curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    (void)curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    return h;
}

int cadv_http_get_json(const struct cadv_http_endpoint *ep, const char *path, uint64_t timeout_ns,
                       size_t max_bytes, long *ret_status, json_t **ret_json)
{
    struct response resp = {.grpc_status = -1};
    json_t *j = NULL;
    long status = 0;
    CURL *h;
    int r;

    pthread_once(&curl_once, curl_init_once);
    if (!curl_ok)
        return -EIO;
    cadv_buf_init(&resp.body, max_bytes);
    h = easy_new(ep, path, timeout_ns, &resp);
    r = map_curl_error(curl_easy_perform(h), &resp);
    if (r < 0)
        goto out;
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (resp.body.len > 0)
        j = json_loadb(resp.body.data, resp.body.len, 0, NULL);
    *ret_status = status;
    *ret_json = j;
out:
    curl_easy_cleanup(h);
    cadv_buf_done(&resp.body);
    return r;
}

/* Splits a gRPC response body into its one message: 1 flag byte (compression: we never ask for it),
 * 4-byte big-endian length, message. */
static int grpc_unframe(const struct cadv_buf *body, uint8_t **ret_msg, size_t *ret_len)
{
    const uint8_t *p = (const uint8_t *)body->data;
    size_t n;

    if (body->len == 0) {
        *ret_msg = NULL;
        *ret_len = 0;
        return 0;
    }
    if (body->len < 5 || p[0] != 0)
        return -EBADMSG;
    n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | (size_t)p[4];
    if (n > body->len - 5)
        return -EBADMSG;
    *ret_msg = n ? cadv_xmalloc(n) : NULL;
    if (n)
        memcpy(*ret_msg, p + 5, n);
    *ret_len = n;
    return 0;
}

static struct curl_slist *grpc_headers(const char *const *metadata)
{
    struct curl_slist *hdr = NULL;
    static const char *const fixed[] = {"Content-Type: application/grpc", "TE: trailers", "Expect:", NULL};

    for (size_t i = 0; fixed[i]; i++)
        hdr = curl_slist_append(hdr, fixed[i]);
    for (size_t i = 0; metadata && metadata[i]; i++)
        hdr = curl_slist_append(hdr, metadata[i]);
    if (!hdr)
        abort(); /* only fails on OOM */
    return hdr;
}

int cadv_http_grpc_call(const struct cadv_http_endpoint *ep, const char *path, const char *const *metadata,
                        const uint8_t *req, size_t req_len, uint64_t timeout_ns, size_t max_bytes,
                        int *ret_grpc_status, uint8_t **ret_msg, size_t *ret_len)
{
    struct response resp = {.grpc_status = -1};
    struct curl_slist *hdr = NULL;
    uint8_t *frame = NULL;
    long status = 0;
    CURL *h;
    int r;

    pthread_once(&curl_once, curl_init_once);
    if (!curl_ok)
        return -EIO;
    if (req_len > UINT32_MAX)
        return -EINVAL;
    cadv_buf_init(&resp.body, max_bytes);
    frame = cadv_xmalloc(req_len + 5);
    frame[0] = 0;
    frame[1] = (uint8_t)(req_len >> 24);
    frame[2] = (uint8_t)(req_len >> 16);
    frame[3] = (uint8_t)(req_len >> 8);
    frame[4] = (uint8_t)req_len;
    if (req_len)
        memcpy(frame + 5, req, req_len);
    hdr = grpc_headers(metadata);
    h = easy_new(ep, path, timeout_ns, &resp);
    (void)curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    (void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, frame);
    (void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req_len + 5));
    r = map_curl_error(curl_easy_perform(h), &resp);
    if (r < 0)
        goto out;
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 || resp.grpc_status < 0) {
        r = status == 200 ? -EBADMSG : -EIO;
        goto out;
    }
    if (resp.grpc_status != 0) {
        *ret_grpc_status = resp.grpc_status;
        *ret_msg = NULL;
        *ret_len = 0;
        goto out;
    }
    r = grpc_unframe(&resp.body, ret_msg, ret_len);
    if (r == 0)
        *ret_grpc_status = 0;
out:
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    free(frame);
    cadv_buf_done(&resp.body);
    return r;
}
