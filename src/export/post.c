/* SPDX-License-Identifier: Apache-2.0 */
/* post.c - HTTP POST for the storage drivers (post.h). */
#include "export/post.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

#define CONNECT_TIMEOUT_MS 5000L

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    cadv_buf_append(arg, p, size * n); /* capped by the caller's buffer: excess dropped */
    return size * n;
}

int cadv_export_split_host_port(const char *hp, char **ret_host, char **ret_port)
{
    const char *colon = strrchr(hp, ':');
    size_t hl;

    if (!colon || !colon[1] || colon == hp)
        return -EINVAL;
    hl = (size_t)(colon - hp);
    if (hl >= 2 && hp[0] == '[' && hp[hl - 1] == ']') {
        hp++;
        hl -= 2;
    }
    *ret_host = cadv_xstrndup(hp, hl);
    *ret_port = cadv_xstrdup(colon + 1);
    return 0;
}

void cadv_export_post_init(struct cadv_export_post *p, long timeout_ms, const _Atomic bool *abort_io)
{
    p->curl = curl_easy_init();
    p->timeout_ms = timeout_ms;
    p->abort_io = abort_io;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    const struct cadv_export_post *p = arg;

    (void)dt, (void)dn, (void)ut, (void)un;
    return p->abort_io && atomic_load(p->abort_io) ? 1 : 0;
}

void cadv_export_post_done(struct cadv_export_post *p)
{
    if (p->curl)
        curl_easy_cleanup(p->curl);
    p->curl = NULL;
}

int cadv_export_post(struct cadv_export_post *p, const char *url, const char *const *headers,
                     const void *body, size_t len, const char *user, const char *password,
                     struct cadv_buf *resp, char *err, size_t err_len)
{
    char cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *hl = NULL;
    CURL *h = p->curl;
    CURLcode rc;
    long status = 0;

    if (!h) {
        (void)snprintf(err, err_len, "libcurl could not be initialised");
        return -ENOMEM;
    }
    curl_easy_reset(h);
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "cAdvisor/" CADV_VERSION);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, p->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, p);
    if (user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
    }
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    if (rc != CURLE_OK) {
        (void)snprintf(err, err_len, "POST %s: %s", url, cerr[0] ? cerr : curl_easy_strerror(rc));
        return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
    }
    return status > 0 ? (int)status : -EIO;
}

int cadv_export_post_status(int r, const struct cadv_export_status *rules, size_t n, const char *who,
                            const struct cadv_buf *resp, bool *ret_drop, char *err, size_t err_len)
{
    const char *body = resp->data ? resp->data : "";
    const struct cadv_export_status *rule = NULL;

    *ret_drop = false;
    if (r < 0)
        return r;
    for (size_t i = 0; i < n && !rule; i++)
        if (r >= rules[i].lo && r <= rules[i].hi)
            rule = &rules[i];
    if (!rule) {
        (void)snprintf(err, err_len, "%s answered HTTP %d: %.200s", who, r, body);
        return -EIO;
    }
    *ret_drop = rule->drop;
    if (rule->rc == 0)
        return 0;
    if (!rule->what)
        (void)snprintf(err, err_len, "%s answered HTTP %d: %.200s", who, r, body);
    else if (rule->with_status)
        (void)snprintf(err, err_len, "%s (HTTP %d): %.200s", rule->what, r, body);
    else
        (void)snprintf(err, err_len, "%s: %.200s", rule->what, body);
    return rule->rc;
}

void cadv_export_http_init(struct cadv_export_http *h, char *url, long timeout_ms,
                           const _Atomic bool *abort_io)
{
    h->url = url;
    cadv_export_post_init(&h->post, timeout_ms, abort_io);
    cadv_buf_init(&h->batch, 0);
}

void cadv_export_http_done(struct cadv_export_http *h)
{
    cadv_export_post_done(&h->post);
    cadv_buf_done(&h->batch);
    free(h->url);
    h->url = NULL;
}

int cadv_export_http_send(struct cadv_export_http *h, const struct cadv_export_send *s, const void *body,
                          size_t len, char *err, size_t err_len)
{
    struct cadv_buf resp;
    bool drop;
    int r;

    if (!body) {
        body = h->batch.data;
        len = h->batch.len;
    }
    cadv_buf_init(&resp, s->resp_max);
    r = cadv_export_post(&h->post, h->url, s->headers, body, len, s->user, s->password, &resp, err, err_len);
    r = cadv_export_post_status(r, s->rules, s->n_rules, s->who, &resp, &drop, err, err_len);
    if (r == 0 && s->check)
        r = s->check(&resp, err, err_len);
    if (drop)
        cadv_buf_clear(&h->batch);
    cadv_buf_done(&resp);
    return r;
}
