/* SPDX-License-Identifier: Apache-2.0 */
/* test_http_server.c - the HTTP server over real sockets (libcurl as the client), without a manager:
 * routing and cAdvisor's redirects, the /api listings and errors, the url_base_prefix, request caps
 * (413, 414), unknown methods, the port file, and the hand-off to the /metrics handler (a fake
 * defined here, which records what it got). */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "core/buf.h"
#include "http/server.h"
#include "prom/metrics.h"
#include "wire/http.h"

/* The fake /metrics handler: records the request, answers "fake metrics". */
static char seen_path[64];
static bool seen_gzip;

void cadv_metrics_handle(struct cadv_metrics *mx, const struct cadv_http_request *req,
                         struct cadv_http_reply *rep)
{
    (void)mx;
    snprintf(seen_path, sizeof(seen_path), "%s", req->path);
    seen_gzip = req->accept_gzip;
    cadv_http_reply_text(rep, 200, "fake metrics");
    rep->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

struct resp {
    long status;
    struct cadv_buf body;
    struct cadv_buf headers;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    cadv_buf_append(ctx, p, size * n);
    return size * n;
}

static struct cadv_server *srv;
static struct cadv_config cfg;
static char port_file[64];

static void start(const char *prefix)
{
    int fd;

    cadv_config_init(&cfg);
    free(cfg.listen_ip);
    cfg.listen_ip = strdup("127.0.0.1");
    cfg.port = 0;
    free(cfg.url_base_prefix);
    cfg.url_base_prefix = strdup(prefix);
    snprintf(port_file, sizeof(port_file), "/tmp/cadv-test-port-XXXXXX");
    fd = mkstemp(port_file);
    cr_assert_geq(fd, 0);
    close(fd);
    free(cfg.port_file);
    cfg.port_file = strdup(port_file);
    /* A non-NULL handle enables /metrics; the fake handler never dereferences it. */
    cr_assert_eq(cadv_server_start(&cfg, NULL, (struct cadv_metrics *)&cfg, &srv), 0);
    cr_assert_gt(cadv_server_port(srv), 0);
}

static void stop(void)
{
    srv = cadv_server_stop(srv);
    unlink(port_file);
    cadv_config_done(&cfg);
}

static void start_plain(void)
{
    start("");
}

static void start_prefixed(void)
{
    start("/pfx/");
}

/* Performs method on path (with an optional body and header) and fills r. */
static void request(const char *method, const char *path, const char *body, size_t body_len,
                    const char *header, struct resp *r)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[70000];

    cr_assert_not_null(c);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", cadv_server_port(srv), path);
    cadv_buf_init(&r->body, 0);
    cadv_buf_init(&r->headers, 0);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    if (header) {
        h = curl_slist_append(h, header);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK, "%s %s", method, path);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r->body.data)
        cadv_buf_puts(&r->body, "");
}

static void get(const char *path, struct resp *r)
{
    request("GET", path, NULL, 0, NULL, r);
}

static void resp_done(struct resp *r)
{
    cadv_buf_done(&r->body);
    cadv_buf_done(&r->headers);
}

static void expect_header(const struct resp *r, const char *line)
{
    cr_expect(strstr(r->headers.data, line) != NULL, "missing header '%s' in:\n%s", line, r->headers.data);
}

static void expect(const char *path, long status, const char *body)
{
    struct resp r;

    get(path, &r);
    cr_expect_eq(r.status, status, "GET %s: %ld", path, r.status);
    cr_expect_str_eq(r.body.data, body, "GET %s", path);
    resp_done(&r);
}

TestSuite(http_server, .init = start_plain, .fini = stop, .timeout = 60);

Test(http_server, healthz_and_port_file)
{
    struct resp r;
    char buf[32] = "";
    FILE *f = fopen(port_file, "r");

    cr_assert_not_null(f);
    cr_assert_not_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    cr_expect_eq(atoi(buf), cadv_server_port(srv));
    cr_expect_eq(buf[strlen(buf) - 1], '\n');
    get("/healthz", &r);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.body.data, "ok");
    expect_header(&r, "Content-Type: text/plain; charset=utf-8\r\n");
    resp_done(&r);
}

Test(http_server, redirects_like_go)
{
    struct resp r;

    get("/", &r);
    cr_expect_eq(r.status, 307);
    expect_header(&r, "Location: /containers/\r\n");
    expect_header(&r, "Content-Type: text/html; charset=utf-8\r\n");
    cr_expect_str_eq(r.body.data, "<a href=\"/containers/\">Temporary Redirect</a>.\n\n");
    resp_done(&r);
    expect("/no/such/page", 307, "<a href=\"/containers/\">Temporary Redirect</a>.\n\n");
    expect("/healthz/", 307, "<a href=\"/containers/\">Temporary Redirect</a>.\n\n");
    /* ServeMux: unclean paths 301 to the clean one (query kept); subtrees' bare names 301 to "name/". */
    get("/api//v1.3/../v2.0/x?a=1&b", &r);
    cr_expect_eq(r.status, 301);
    expect_header(&r, "Location: /api/v2.0/x?a=1&b\r\n");
    cr_expect_str_eq(r.body.data, "<a href=\"/api/v2.0/x?a=1&amp;b\">Moved Permanently</a>.\n\n");
    resp_done(&r);
    get("/containers", &r);
    cr_expect_eq(r.status, 301);
    expect_header(&r, "Location: /containers/\r\n");
    resp_done(&r);
    /* POST: no body, no type. */
    request("POST", "/", "x", 1, NULL, &r);
    cr_expect_eq(r.status, 307);
    cr_expect_str_eq(r.body.data, "");
    cr_expect(strstr(r.headers.data, "Content-Type") == NULL);
    resp_done(&r);
    expect("/static/nope.js", 404, "404 page not found\n");
}

Test(http_server, api_listings_and_errors)
{
    struct resp r;

    get("/api", &r);
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(r.body.data, "Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0,v2.1\n");
    expect_header(&r, "X-Content-Type-Options: nosniff\r\n");
    resp_done(&r);
    expect("/api/", 400, "Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0,v2.1\n");
    expect("/api/v2.1/", 400,
           "Supported request types: "
           "\"appmetrics,attributes,events,machine,machinestats,ps,spec,stats,storage,"
           "summary,version\"\n");
    expect("/api/v3.0/containers", 500, "unsupported API version \"v3.0\"\n");
    /* Past parsing, every handler needs the manager, which this test does not run. */
    expect("/api/v1.3/containers/", 500, "the container manager is not running\n");
}

Test(http_server, metrics_endpoint_goes_to_its_handler)
{
    struct resp r;

    request("GET", "/metrics?x=1", NULL, 0, "Accept-Encoding: deflate, gzip;q=1.0", &r);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.body.data, "fake metrics");
    expect_header(&r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n");
    cr_expect_str_eq(seen_path, "/metrics");
    cr_expect(seen_gzip);
    resp_done(&r);
    get("/metrics", &r);
    cr_expect(!seen_gzip);
    resp_done(&r);
}

Test(http_server, limits_and_methods)
{
    size_t n = 70 * 1024;
    char *big = malloc(n + 1), path[9100];
    struct resp r;

    memset(big, ' ', n);
    big[n] = '\0';
    request("POST", "/api/v1.3/containers/", big, n, NULL, &r);
    cr_expect_eq(r.status, 413);
    resp_done(&r);
    request("POST", "/api/v1.3/containers/", big, n, "Transfer-Encoding: chunked", &r);
    cr_expect_eq(r.status, 413);
    resp_done(&r);
    free(big);
    snprintf(path, sizeof(path), "/api/");
    memset(path + 5, 'a', sizeof(path) - 6);
    path[sizeof(path) - 1] = '\0';
    get(path, &r);
    cr_expect_eq(r.status, 414);
    resp_done(&r);
    request("FOO", "/healthz", NULL, 0, NULL, &r);
    cr_expect_eq(r.status, 501);
    resp_done(&r);
    request("HEAD", "/api", NULL, 0, NULL, &r);
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(r.body.data, "");
    resp_done(&r);
    /* Still serving after all that. */
    expect("/healthz", 200, "ok");
}

Test(http_server, url_base_prefix, .init = start_prefixed)
{
    struct resp r;

    expect("/pfx/healthz", 200, "ok");
    expect("/healthz", 404, "404 page not found\n");
    expect("/pfxhealthz", 404, "404 page not found\n");
    get("/pfx", &r);
    cr_expect_eq(r.status, 301);
    expect_header(&r, "Location: /pfx/\r\n");
    resp_done(&r);
    get("/pfx/", &r);
    cr_expect_eq(r.status, 307);
    expect_header(&r, "Location: /pfx/containers/\r\n");
    resp_done(&r);
    expect("/pfx/api", 400, "Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0,v2.1\n");
    request("GET", "/pfx/metrics", NULL, 0, NULL, &r);
    cr_expect_str_eq(r.body.data, "fake metrics");
    cr_expect_str_eq(seen_path, "/metrics");
    resp_done(&r);
}
