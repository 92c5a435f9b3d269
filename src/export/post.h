/* SPDX-License-Identifier: Apache-2.0 */
/* post.h - one HTTP POST through libcurl for the HTTP storage drivers (influxdb, elasticsearch,
 * remote-write), with bounded connect and total times so that a backend that accepts connections but
 * never answers costs a retry, never a stuck driver. Not thread-safe per handle. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

struct cadv_export_post {
    void *curl; /* CURL *, kept for connection reuse */
    long timeout_ms;
    const _Atomic bool *abort_io; /* a transfer in progress stops when it becomes true */
};

/* Splits "host:port" (also "[v6]:port") into malloc'd parts. Returns 0 or -EINVAL. */
int cadv_export_split_host_port(const char *hp, char **ret_host, char **ret_port);

void cadv_export_post_init(struct cadv_export_post *p, long timeout_ms, const _Atomic bool *abort_io);
void cadv_export_post_done(struct cadv_export_post *p);
/* POSTs body to url with the given headers (NULL-terminated, may be NULL) and optional basic auth
 * (user NULL: none). The answer's first bytes (capped) go to resp. Returns the HTTP status (> 0), or
 * a negative errno with curl's message in err when no answer came. */
int cadv_export_post(struct cadv_export_post *p, const char *url, const char *const *headers,
                     const void *body, size_t len, const char *user, const char *password,
                     struct cadv_buf *resp, char *err, size_t err_len);

/* How a driver reads the status of an answer: the first rule whose lo..hi holds it decides. */
struct cadv_export_status {
    int lo, hi;       /* the statuses this rule is for */
    int rc;           /* what the flush returns: 0 (delivered) or a negative errno */
    bool drop;        /* the batch is cleared: delivered, or refused for good (retrying cannot help) */
    bool with_status; /* what is followed by " (HTTP <status>)" */
    const char *what; /* the error before ": <start of the answer>"; NULL: "<who> answered HTTP <status>" */
};

/* Classifies r, a result of cadv_export_post, by rules[0..n): a negative r (no answer; err already
 * says why) comes back as is, a status no rule holds is -EIO with the batch kept. An error is written
 * into err with the first 200 bytes of resp. Sets *ret_drop when the batch is to be cleared. Returns
 * the rule's rc. */
int cadv_export_post_status(int r, const struct cadv_export_status *rules, size_t n, const char *who,
                            const struct cadv_buf *resp, bool *ret_drop, char *err, size_t err_len);

/* What every HTTP storage driver keeps: where it posts, the connection, and the batch being built. */
struct cadv_export_http {
    char *url;
    struct cadv_export_post post;
    struct cadv_buf batch;
};

/* How one driver sends its batch. */
struct cadv_export_send {
    const char *const *headers;  /* NULL-terminated, may be NULL */
    const char *user, *password; /* basic auth; user NULL: none */
    const struct cadv_export_status *rules;
    size_t n_rules;
    const char *who; /* the backend's name in messages */
    size_t resp_max; /* bytes of the answer kept */
    /* Optional: looks inside a delivered answer (rule rc 0); returns 0, or a negative errno with err
     * written (the batch is still cleared: it was delivered, the backend refused items of it). */
    int (*check)(const struct cadv_buf *resp, char *err, size_t err_len);
};

/* Takes url (malloc'd). */
void cadv_export_http_init(struct cadv_export_http *h, char *url, long timeout_ms,
                           const _Atomic bool *abort_io);
void cadv_export_http_done(struct cadv_export_http *h);
/* POSTs body[0..len) (the batch itself when body is NULL) and classifies the answer by s->rules
 * (cadv_export_post_status); the batch is cleared when it was delivered or refused for good. Returns 0
 * or a negative errno with err written. */
int cadv_export_http_send(struct cadv_export_http *h, const struct cadv_export_send *s, const void *body,
                          size_t len, char *err, size_t err_len);
