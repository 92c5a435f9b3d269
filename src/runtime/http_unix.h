/* SPDX-License-Identifier: Apache-2.0 */
/* http_unix.h - the small HTTP client runtime plugins use to reach their daemons: a GET returning
 * parsed JSON and a unary gRPC call (HTTP/2 with prior knowledge), over a unix socket or TCP (with
 * optional TLS), through libcurl. Every call has a timeout and a response size cap.
 *
 * Blocking: call only from the manager's metadata worker, never from the collection path.
 * Thread-safe (no shared mutable state; each call uses its own curl handle). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_http_endpoint {
    char *socket_path; /* unix socket, or NULL for TCP */
    char *base_url;    /* "http://<host>" for a unix socket, "http(s)://host:port" for TCP */
    char *tls_cert;    /* client certificate, key and CA (PEM files) for https; NULL otherwise */
    char *tls_key;
    char *tls_ca;
};

/* Parses a daemon address: "unix:///path", "/path" (unix), "tcp://host:port" or "http(s)://...".
 * host is the Host header name used over a unix socket ("docker", "crio", ...). With tls, TCP
 * addresses use https and the three PEM files (cAdvisor's -docker-tls*). Returns 0 or -EINVAL. */
int cadv_http_endpoint_parse(const char *addr, const char *host, bool tls, const char *cert, const char *key,
                             const char *ca, struct cadv_http_endpoint *ret);
/* Frees the strings of *ep and zeroes it. */
void cadv_http_endpoint_done(struct cadv_http_endpoint *ep);

/* GET path (starting with '/'). On success *ret_status is the HTTP status and *ret_json the parsed
 * body (NULL when the body is empty or not JSON; caller json_decref()s). Returns 0, -ECONNREFUSED /
 * -ENOENT (no daemon on the socket), -ETIMEDOUT, -EFBIG (body over max_bytes) or -EIO. */
int cadv_http_get_json(const struct cadv_http_endpoint *ep, const char *path, uint64_t timeout_ns,
                       size_t max_bytes, long *ret_status, json_t **ret_json);

/* A unary gRPC call: POSTs one length-prefixed message (req, req_len bytes of protobuf) to
 * path ("/pkg.Service/Method") with HTTP/2 prior knowledge; metadata is an optional NULL-terminated
 * list of "key: value" headers. On success *ret_grpc_status is the call's grpc-status (0 = OK) and
 * *ret_msg (malloc'd, caller frees; NULL when empty) / *ret_len the response message. Returns 0 or
 * a negative errno as cadv_http_get_json, -EBADMSG for a malformed gRPC frame. */
int cadv_http_grpc_call(const struct cadv_http_endpoint *ep, const char *path, const char *const *metadata,
                        const uint8_t *req, size_t req_len, uint64_t timeout_ns, size_t max_bytes,
                        int *ret_grpc_status, uint8_t **ret_msg, size_t *ret_len);
