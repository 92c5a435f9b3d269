/* SPDX-License-Identifier: Apache-2.0 */
/* test_app_json.c - the JSON custom_metrics of application metrics (app.h's view): a real module
 * scrapes a small HTTP server in this process (one generic and one prometheus endpoint, configs read
 * through /proc/<own pid>/root), then the spec's MetricSpec list and a sample's MetricVal map are
 * written and compared with what the server serves; a sample older than every scrape gets none. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "model/spec.h"

static const char generic_body[] = "Active connections: 42\nReading: 0\n";
static const char prom_body[] = "# TYPE reqs counter\n"
                                "reqs{path=\"/a\",code=\"200\"} 7\n"
                                "# TYPE temp gauge\n"
                                "temp 1.5\n";

struct server {
    int fd;
    int port;
    pthread_t thread;
};

/* Answers each connection with the generic body for GET /gen, else the prometheus text. */
static void *serve(void *arg)
{
    struct server *s = arg;

    for (;;) {
        char req[2048], head[256];
        int c = accept(s->fd, NULL, NULL);
        ssize_t n;
        const char *body;
        int hn;

        if (c < 0)
            return NULL;
        n = read(c, req, sizeof(req) - 1);
        req[n > 0 ? n : 0] = '\0';
        body = strncmp(req, "GET /gen", 8) == 0 ? generic_body : prom_body;
        hn = snprintf(head, sizeof(head),
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      strlen(body));
        if (write(c, head, (size_t)hn) != hn || write(c, body, strlen(body)) != (ssize_t)strlen(body))
            cr_log_warn("short write");
        close(c);
    }
}

static void server_start(struct server *s)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);

    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(s->fd, 0);
    cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(s->fd, 16), 0);
    cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    cr_assert_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->thread, NULL);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Writes a view's spec (or, with ts, its values for a sample at ts) inside an object and parses it. */
static json_t *render(const struct cadv_app_view *v, bool spec, uint64_t ts, char **text)
{
    struct cadv_buf b;
    struct cadv_json w;
    json_error_t err;
    json_t *j;

    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_obj_begin(&w);
    if (spec)
        cadv_app_view_write_spec(v, &w);
    else
        cadv_app_view_write_values(v, &w, ts);
    cadv_json_obj_end(&w);
    cadv_buf_putc(&b, '\0');
    *text = strdup(b.data);
    cadv_buf_done(&b);
    j = json_loads(*text, 0, &err);
    cr_assert_not_null(j, "%s: %s", *text, err.text);
    return j;
}

Test(app_json, spec_and_sample_values)
{
    char dir[] = "/tmp/cadv-appjson-XXXXXX", gen_path[256], prom_path[256], cfg[512], *text;
    struct cadv_app_opts o = {.count_limit = 100, .proc_root = "/proc"};
    struct cadv_app_stats st;
    struct cadv_app_view *v;
    struct cadv_app *a;
    struct server s;
    uint64_t t0, deadline;
    json_t *j, *m, *val;

    server_start(&s);
    cr_assert_not_null(mkdtemp(dir));
    (void)snprintf(gen_path, sizeof(gen_path), "%s/gen.json", dir);
    (void)snprintf(prom_path, sizeof(prom_path), "%s/prom.json", dir);
    (void)snprintf(cfg, sizeof(cfg),
                   "{\"endpoint\":\"http://127.0.0.1:%d/gen\",\"metrics_config\":[{\"name\":\"active\","
                   "\"metric_type\":\"gauge\",\"units\":\"connections\",\"data_type\":\"int\","
                   "\"polling_frequency\":60000000000,\"regex\":\"Active connections: ([0-9]+)\"}]}",
                   s.port);
    write_file(gen_path, cfg);
    (void)snprintf(cfg, sizeof(cfg),
                   "{\"endpoint\":\"http://127.0.0.1:%d/metrics\",\"polling_frequency\":60000000000}",
                   s.port);
    write_file(prom_path, cfg);

    struct cadv_kv labels[] = {{"io.cadvisor.metric.generic", gen_path},
                               {"io.cadvisor.metric.prometheus", prom_path},
                               {"other", "x"}};
    a = cadv_app_new(&o);
    t0 = cadv_now_ns();
    cr_assert_eq(cadv_app_set(a, "/c", labels, 3, (uint64_t)getpid(), NULL, "c", "img"), 2);

    /* No scrape yet that old: no values, and the generic spec is known from its config already. */
    v = cadv_app_view_get(a, "/c");
    j = render(v, false, t0 - 1, &text);
    cr_expect_str_eq(text, "{}");
    json_decref(j);
    free(text);
    v = cadv_app_view_free(v);

    deadline = cadv_mono_ns() + 30 * CADV_NS_PER_SEC;
    do {
        usleep(20000);
        cadv_app_get_stats(a, &st);
    } while (st.scrapes_total < 2 && cadv_mono_ns() < deadline);
    cr_assert_eq(st.scrapes_total, 2);
    cr_assert_eq(st.errors_total, 0);

    v = cadv_app_view_get(a, "/c");
    j = render(v, true, 0, &text);
    cr_expect_str_eq(text,
                     "{\"custom_metrics\":["
                     "{\"name\":\"active\",\"type\":\"gauge\",\"format\":\"int\",\"units\":\"connections\"},"
                     "{\"name\":\"reqs\",\"type\":\"cumulative\",\"format\":\"float\",\"units\":\"\"},"
                     "{\"name\":\"temp\",\"type\":\"gauge\",\"format\":\"float\",\"units\":\"\"}]}");
    json_decref(j);
    free(text);

    j = render(v, false, cadv_now_ns(), &text);
    m = json_object_get(j, "custom_metrics");
    cr_assert(json_is_object(m), "%s", text);
    cr_expect_eq(json_object_size(m), 3, "%s", text);
    val = json_array_get(json_object_get(m, "active"), 0);
    cr_expect_eq(json_integer_value(json_object_get(val, "int_value")), 42, "%s", text);
    cr_expect_null(json_object_get(val, "label"));
    cr_expect_null(json_object_get(val, "float_value"));
    cr_expect(json_is_string(json_object_get(val, "timestamp")));
    val = json_array_get(json_object_get(m, "reqs"), 0);
    cr_expect_eq(json_number_value(json_object_get(val, "float_value")), 7.0, "%s", text);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(val, "labels"), "code")), "200");
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(val, "labels"), "path")), "/a");
    cr_expect(strstr(text, "\"labels\":{\"code\":\"200\",\"path\":\"/a\"}") != NULL, "%s", text);
    /* cAdvisor's label string: pairs sorted, 0xFF-joined, written by Go as U+FFFD. */
    cr_expect_str_eq(json_string_value(json_object_get(val, "label")), "__name__=reqs\xef\xbf\xbd"
                                                                       "code=200\xef\xbf\xbd"
                                                                       "path=/a");
    cr_expect_null(json_object_get(val, "int_value"));
    val = json_array_get(json_object_get(m, "temp"), 0);
    cr_expect_eq(json_number_value(json_object_get(val, "float_value")), 1.5, "%s", text);
    cr_expect_null(json_object_get(val, "labels"));
    json_decref(j);
    free(text);

    /* A sample older than every kept scrape still gets nothing. */
    j = render(v, false, t0 - 1, &text);
    cr_expect_str_eq(text, "{}");
    json_decref(j);
    free(text);
    /* The view outlives the module's forgetting of the container (shared scrapes). */
    cadv_app_remove(a, "/c");
    a = cadv_app_free(a);
    j = render(v, false, cadv_now_ns(), &text);
    cr_expect_eq(json_object_size(json_object_get(j, "custom_metrics")), 3, "%s", text);
    json_decref(j);
    free(text);
    v = cadv_app_view_free(v);

    cr_expect_null(cadv_app_view_get(NULL, "/c"));
    j = render(NULL, true, 0, &text);
    cr_expect_str_eq(text, "{}");
    json_decref(j);
    free(text);
    server_stop(&s);
    unlink(gen_path);
    unlink(prom_path);
    rmdir(dir);
}
