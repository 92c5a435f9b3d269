/* SPDX-License-Identifier: Apache-2.0 */
/* test_app_parse.c - the application metrics parsers: cAdvisor's collector configs (generic and
 * prometheus, both endpoint forms, limits) and the bounded Prometheus text parser. Scraping itself is
 * covered by tests/integration/test_appmetrics.py against a real container. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/appconfig.h"
#include "app/promtext.h"
#include "core/buf.h"

static struct cadv_app_config *parse_ok(enum cadv_app_kind kind, const char *json, int limit)
{
    struct cadv_app_config *c = NULL;
    char err[256] = "";

    cr_assert_eq(cadv_app_config_parse(kind, json, strlen(json), limit, &c, err, sizeof(err)), 0, "%s", err);
    return c;
}

static void parse_bad(enum cadv_app_kind kind, const char *json, int limit, const char *want)
{
    struct cadv_app_config *c = NULL;
    char err[256] = "";

    cr_expect_lt(cadv_app_config_parse(kind, json, strlen(json), limit, &c, err, sizeof(err)), 0, "%s", json);
    cr_expect_null(c);
    cr_expect(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
}

Test(appconfig, kind_of)
{
    cr_expect_eq(cadv_app_kind_of("Prometheus_app"), CADV_APP_PROMETHEUS);
    cr_expect_eq(cadv_app_kind_of("prometheus"), CADV_APP_PROMETHEUS);
    cr_expect_eq(cadv_app_kind_of("nginx"), CADV_APP_GENERIC);
    cr_expect_eq(cadv_app_kind_of("prom"), CADV_APP_GENERIC);
}

/* cAdvisor's collector/config/sample_config.json, with an object endpoint and a 10 ns frequency. */
Test(appconfig, generic_sample_config)
{
    const char *json =
            "{\"endpoint\":{\"protocol\":\"http\",\"port\":\"8000\",\"path\":\"/nginx_status\"},"
            "\"metrics_config\":[{\"name\":\"activeConnections\",\"metric_type\":\"gauge\","
            "\"units\":\"number of active connections\",\"data_type\":\"int\","
            "\"polling_frequency\":10,\"regex\":\"Active connections: ([0-9]+)\"},"
            "{\"Name\":\"reading\",\"metric_type\":\"gauge\",\"units\":\"r\",\"data_type\":\"float\","
            "\"polling_frequency\":3000000000,\"regex\":\"Reading: (\\\\d+(\\\\.\\\\d+)?)\"}]}";
    struct cadv_app_config *c = parse_ok(CADV_APP_GENERIC, json, 100);
    char url[256];
    regmatch_t m[2];

    cr_expect_eq(c->kind, CADV_APP_GENERIC);
    cr_expect_null(c->url);
    cr_assert_eq(cadv_app_config_url(c, "172.17.0.2", url, sizeof(url)), 0);
    cr_expect_str_eq(url, "http://172.17.0.2:8000/nginx_status");
    cr_assert_eq(c->n_metrics, 2);
    cr_expect_str_eq(c->metrics[0].name, "activeConnections");
    cr_expect_str_eq(c->metrics[0].metric_type, "gauge");
    cr_expect_str_eq(c->metrics[1].name, "reading"); /* keys match case-insensitively */
    cr_expect(!c->metrics[0].is_float);
    cr_expect(c->metrics[1].is_float);
    /* The minimum non-zero frequency (10 ns) clamped to 1 s. */
    cr_expect_eq(c->poll_ns, 1000000000ull);
    cr_assert_eq(regexec(&c->metrics[1].re, "x Reading: 12.5 y", 2, m, 0), 0);
    cr_expect_eq(m[1].rm_so, 11);
    cr_expect_eq(m[1].rm_eo, 15);
    cadv_app_config_free(c);
}

Test(appconfig, endpoint_defaults_and_url_string)
{
    const char *re = "\"metrics_config\":[{\"name\":\"a\",\"data_type\":\"int\",\"regex\":\"a=([0-9]+)\"}]}";
    char json[512], url[256];
    struct cadv_app_config *c;

    snprintf(json, sizeof(json), "{\"endpoint\":{},%s", re);
    c = parse_ok(CADV_APP_GENERIC, json, 100);
    cr_assert_eq(cadv_app_config_url(c, "127.0.0.1", url, sizeof(url)), 0);
    cr_expect_str_eq(url, "http://127.0.0.1:8000");
    cadv_app_config_free(c);
    snprintf(json, sizeof(json), "{\"endpoint\":{\"port\":9100,\"protocol\":\"https\",\"path\":\"/m\"},%s",
             re);
    c = parse_ok(CADV_APP_GENERIC, json, 100);
    cr_assert_eq(cadv_app_config_url(c, "10.0.0.1", url, sizeof(url)), 0);
    cr_expect_str_eq(url, "https://10.0.0.1:9100/m");
    cadv_app_config_free(c);
    snprintf(json, sizeof(json), "{\"endpoint\":\"http://localhost:8080/status\",%s", re);
    c = parse_ok(CADV_APP_GENERIC, json, 100);
    cr_assert_eq(cadv_app_config_url(c, "10.0.0.1", url, sizeof(url)), 0);
    cr_expect_str_eq(url, "http://localhost:8080/status");
    cadv_app_config_free(c);
}

Test(appconfig, prometheus)
{
    struct cadv_app_config *c =
            parse_ok(CADV_APP_PROMETHEUS,
                     "{\"endpoint\":\"http://localhost:8080/metrics\",\"polling_frequency\":5000000000,"
                     "\"metrics_config\":[\"requests_total\",\"temperature\"]}",
                     100);

    cr_expect_eq(c->poll_ns, 5000000000ull);
    cr_assert_eq(c->n_names, 2);
    cr_expect(cadv_app_config_keeps(c, "temperature", 11));
    cr_expect(!cadv_app_config_keeps(c, "other", 5));
    cadv_app_config_free(c);
    c = parse_ok(CADV_APP_PROMETHEUS, "{\"endpoint\":{\"port\":9090,\"path\":\"/metrics\"}}", 100);
    cr_expect_eq(c->poll_ns, 1000000000ull);            /* no frequency: 1 s */
    cr_expect(cadv_app_config_keeps(c, "anything", 8)); /* no list: every metric */
    cadv_app_config_free(c);
}

Test(appconfig, errors)
{
    const char *one = "[{\"name\":\"a\",\"data_type\":\"int\",\"regex\":\"a=([0-9]+)\"}]";
    char json[512];

    parse_bad(CADV_APP_GENERIC, "{", 100, "invalid JSON");
    parse_bad(CADV_APP_GENERIC, "[]", 100, "JSON object");
    parse_bad(CADV_APP_GENERIC, "{\"endpoint\":\"http://x\"}", 100, "no metrics provided");
    parse_bad(CADV_APP_GENERIC, "{\"metrics_config\":[]}", 100, "no \"endpoint\"");
    parse_bad(CADV_APP_GENERIC, "{\"endpoint\":7}", 100, "URL string or an object");
    parse_bad(CADV_APP_GENERIC, "{\"endpoint\":{\"port\":70000}}", 100, "port");
    parse_bad(CADV_APP_GENERIC, "{\"endpoint\":{\"port\":\"80a\"}}", 100, "port");
    parse_bad(CADV_APP_GENERIC, "{\"endpoint\":{\"protocol\":\"gopher\"}}", 100, "protocol");
    snprintf(json, sizeof(json), "{\"endpoint\":\"http://x\",\"metrics_config\":%s}", one);
    parse_bad(CADV_APP_GENERIC, json, 0, "too many metrics defined: 1 limit: 0");
    parse_bad(CADV_APP_GENERIC,
              "{\"endpoint\":\"http://x\",\"metrics_config\":[{\"name\":\"a\",\"data_type\":\"int\","
              "\"regex\":\"a=(\"}]}",
              100, "invalid regexp");
    parse_bad(CADV_APP_GENERIC,
              "{\"endpoint\":\"http://x\",\"metrics_config\":[{\"name\":\"a\",\"data_type\":\"int\","
              "\"regex\":\"a=1\"}]}",
              100, "no capture group");
    parse_bad(CADV_APP_GENERIC,
              "{\"endpoint\":\"http://x\",\"metrics_config\":[{\"name\":\"a\",\"data_type\":\"str\","
              "\"regex\":\"a=(1)\"}]}",
              100, "data_type");
    parse_bad(CADV_APP_GENERIC,
              "{\"endpoint\":\"http://x\",\"metrics_config\":[{\"name\":\"a\",\"data_type\":\"int\","
              "\"polling_frequency\":\"1s\",\"regex\":\"a=(1)\"}]}",
              100, "nanoseconds");
    parse_bad(CADV_APP_PROMETHEUS, "{\"endpoint\":\"http://x\",\"metrics_config\":[\"a\",\"b\"]}", 1,
              "too many metrics defined: 2 limit 1");
    parse_bad(CADV_APP_PROMETHEUS, "{\"endpoint\":\"http://x\",\"metrics_config\":[1]}", 100, "metric names");
}

/* Parses a generic config whose one metric has regex re (a C string, JSON-escaped here); returns
 * whether it was accepted, with the error in err. */
static bool regex_accepted(const char *re, char *err, size_t cap)
{
    struct cadv_app_config *c = NULL;
    struct cadv_buf json;
    bool ok;

    cadv_buf_init(&json, 0);
    cadv_buf_puts(&json,
                  "{\"endpoint\":\"http://x\",\"metrics_config\":[{\"name\":\"a\",\"data_type\":\"int\",");
    cadv_buf_puts(&json, "\"regex\":\"");
    for (const char *p = re; *p; p++) {
        if (*p == '\\' || *p == '"')
            cadv_buf_putc(&json, '\\');
        cadv_buf_putc(&json, *p);
    }
    cadv_buf_puts(&json, "\"}]}");
    err[0] = '\0';
    ok = cadv_app_config_parse(CADV_APP_GENERIC, json.data, json.len, 100, &c, err, cap) == 0;
    cadv_app_config_free(c);
    cadv_buf_done(&json);
    return ok;
}

/* glibc's regcomp copies the operand of each "+" and bounded repetition, so nested repetitions cost
 * exponential time and memory (the fuzzer's input: 30 "+" in a row took over a GB). What Go's RE2
 * rejects (a repetition of a repetition, counts above 1000) is rejected, as is a pattern whose copies
 * would pass 10,000; lazy repetitions and ordinary patterns are not. */
Test(appconfig, regex_repetitions_bounded)
{
    static const char *const bad[] = {
            "Active connections: ++++++++++++++++++++++++++++++([0-9]+)",
            "(a**)",
            "(a+*)",
            "(a{2}{3})",
            "(a+?+)",
            "(a{1001})",
            "(a{2,1})",
            "((((a{10}){10}){10}){11})",
    };
    static const char *const good[] = {
            "Active connections: ([0-9]+)",
            "Reading: (\\d+(\\.\\d+)?)",
            "(a+?)b*?c??",
            "(x{2,3}?)",
            "([+*?]+)",
            "(\\+\\+)",
            "(a{1000})",
            "(((a{10}){10}){10})",
            "([[:alpha:]]+)|(b{2,})",
            "(a{,3})",
    };
    char err[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_not(regex_accepted(bad[i], err, sizeof(err)), "%s accepted", bad[i]);
        cr_expect(strstr(err, "invalid regexp") != NULL, "%s: %s", bad[i], err);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        cr_expect(regex_accepted(good[i], err, sizeof(err)), "%s rejected: %s", good[i], err);
}

Test(appconfig, size_cap)
{
    static char big[CADV_APPCONFIG_MAX_BYTES + 2];
    struct cadv_app_config *c = NULL;
    char err[128];

    memset(big, ' ', sizeof(big) - 1);
    cr_expect_eq(cadv_app_config_parse(CADV_APP_GENERIC, big, sizeof(big) - 1, 100, &c, err, sizeof(err)),
                 -E2BIG);
}

struct collected {
    int n;
    char text[4096];
};

static int collect(void *arg, const struct cadv_promtext_sample *s)
{
    struct collected *c = arg;
    size_t len = strlen(c->text);

    len += (size_t)snprintf(c->text + len, sizeof(c->text) - len, "%.*s[%.*s:%s]", (int)s->name_len, s->name,
                            (int)s->family_len, s->family, cadv_promtext_spec_type(s->type));
    for (size_t i = 0; i < s->n_labels; i++)
        len += (size_t)snprintf(c->text + len, sizeof(c->text) - len, " %.*s=<%.*s>",
                                (int)s->labels[i].name_len, s->labels[i].name, (int)s->labels[i].value_len,
                                s->labels[i].value);
    len += (size_t)snprintf(c->text + len, sizeof(c->text) - len, " %g", s->value);
    if (s->has_timestamp)
        len += (size_t)snprintf(c->text + len, sizeof(c->text) - len, " @%lld", (long long)s->timestamp_ms);
    snprintf(c->text + len, sizeof(c->text) - len, "\n");
    c->n++;
    return 0;
}

Test(promtext, exposition)
{
    const char *text = "# HELP http_requests_total The total \\\\ number\\n of requests.\n"
                       "# TYPE http_requests_total counter\n"
                       "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
                       "http_requests_total{method=\"post\",code=\"400\",}    3 1395066363000\n"
                       "\n"
                       "  # a comment\n"
                       "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
                       "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
                       "metric_without_timestamp_and_labels 12.47\n"
                       "# TYPE rpc_duration_seconds summary\n"
                       "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
                       "rpc_duration_seconds_sum 1.7560473e+07\n"
                       "rpc_duration_seconds_count 2693\n"
                       "# TYPE temp gauge\n"
                       "temp\t-Inf\n"
                       "temp_bucket NaN\n";
    struct collected c = {0};
    size_t line = 0;

    cr_assert_eq(cadv_promtext_parse(text, strlen(text), collect, &c, &line), 9, "line %zu", line);
    cr_expect_str_eq(c.text,
                     "http_requests_total[http_requests_total:cumulative] method=<post> code=<200> 1027 "
                     "@1395066363000\n"
                     "http_requests_total[http_requests_total:cumulative] method=<post> code=<400> 3 "
                     "@1395066363000\n"
                     "msdos_file_access_time_seconds[msdos_file_access_time_seconds:UNTYPED] "
                     "path=<C:\\DIR\\FILE.TXT> error=<Cannot find file:\n\"FILE.TXT\"> 1.45826e+09\n"
                     "metric_without_timestamp_and_labels[metric_without_timestamp_and_labels:UNTYPED] "
                     "12.47\n"
                     "rpc_duration_seconds[rpc_duration_seconds:SUMMARY] quantile=<0.5> 4773\n"
                     "rpc_duration_seconds_sum[rpc_duration_seconds:SUMMARY] 1.75605e+07\n"
                     "rpc_duration_seconds_count[rpc_duration_seconds:SUMMARY] 2693\n"
                     "temp[temp:gauge] -inf\n"
                     "temp_bucket[temp_bucket:UNTYPED] nan\n");
}

static void bad(const char *text, size_t want_line)
{
    size_t line = 0;

    cr_expect_eq(cadv_promtext_parse(text, strlen(text), NULL, NULL, &line), -EBADMSG, "%s", text);
    cr_expect_eq(line, want_line, "%s: line %zu", text, line);
}

Test(promtext, malformed)
{
    bad("ok 1\n{a=\"b\"} 1\n", 2);
    bad("1abc 1\n", 1);
    bad("x{a=\"b} 1\n", 1);
    bad("x{a=b} 1\n", 1);
    bad("x{a=\"b\",a=\"c\"} 1\n", 1); /* duplicate label */
    bad("x{a=\"\\t\"} 1\n", 1);       /* unknown escape */
    bad("x 1 2 3\n", 1);
    bad("x one\n", 1);
    bad("x\n", 1);
    bad("x 1 1.5\n", 1);
    bad("# TYPE x wobble\n", 1);
    bad("# HELP x bad \\escape\n", 1);
    bad("x{a=\"b\"\n", 1);
    bad("x 1e999\n", 1);
}

Test(promtext, bounds)
{
    static char text[64 * 1024];
    size_t n = 0;

    /* A label value one byte over the cap. */
    n += (size_t)snprintf(text, sizeof(text), "x{a=\"");
    memset(text + n, 'v', CADV_PROMTEXT_VALUE_MAX + 1);
    n += CADV_PROMTEXT_VALUE_MAX + 1;
    snprintf(text + n, sizeof(text) - n, "\"} 1\n");
    cr_expect_eq(cadv_promtext_parse(text, strlen(text), NULL, NULL, NULL), -EBADMSG);
    /* More labels than the cap. */
    n = (size_t)snprintf(text, sizeof(text), "x{");
    for (int i = 0; i <= CADV_PROMTEXT_MAX_LABELS; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "l%d=\"v\",", i);
    snprintf(text + n, sizeof(text) - n, "} 1\n");
    cr_expect_eq(cadv_promtext_parse(text, strlen(text), NULL, NULL, NULL), -EBADMSG);
    /* A NUL inside a line; input without a final newline. */
    cr_expect_eq(cadv_promtext_parse("x 1\0", 4, NULL, NULL, NULL), -EBADMSG);
    cr_expect_eq(cadv_promtext_parse("x 1", 3, NULL, NULL, NULL), 1);
    cr_expect_eq(cadv_promtext_parse("", 0, NULL, NULL, NULL), 0);
}

static int stop_at_two(void *arg, const struct cadv_promtext_sample *s)
{
    int *n = arg;

    (void)s;
    return ++*n == 2 ? -E2BIG : 0;
}

Test(promtext, callback_stops)
{
    int n = 0;

    cr_expect_eq(cadv_promtext_parse("a 1\nb 2\nc 3\n", 12, stop_at_two, &n, NULL), -E2BIG);
    cr_expect_eq(n, 2);
}

/* The object form's host: the container's IP from its runtime (cAdvisor), else its loopback. */
Test(appconfig, endpoint_host_from_the_runtime)
{
    char buf[64], url[128];
    struct cadv_app_config *c =
            parse_ok(CADV_APP_PROMETHEUS, "{\"endpoint\":{\"port\":9100,\"path\":\"/m\"}}", 100);

    cr_expect_str_eq(cadv_app_endpoint_host("172.17.0.3", buf, sizeof(buf)), "172.17.0.3");
    cr_expect_str_eq(cadv_app_endpoint_host("fd00::5", buf, sizeof(buf)), "[fd00::5]");
    cr_expect_str_eq(cadv_app_endpoint_host("", buf, sizeof(buf)), "127.0.0.1");
    cr_expect_str_eq(cadv_app_endpoint_host(NULL, buf, sizeof(buf)), "127.0.0.1");
    cr_expect_str_eq(cadv_app_endpoint_host("evil.example/x?", buf, sizeof(buf)), "127.0.0.1");
    cr_expect_str_eq(cadv_app_endpoint_host("172.17.0.300", buf, sizeof(buf)), "127.0.0.1");
    cr_assert_eq(
            cadv_app_config_url(c, cadv_app_endpoint_host("fd00::5", buf, sizeof(buf)), url, sizeof(url)), 0);
    cr_expect_str_eq(url, "http://[fd00::5]:9100/m");
    cadv_app_config_free(c);
}
