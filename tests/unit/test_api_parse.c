/* SPDX-License-Identifier: Apache-2.0 */
/* test_api_parse.c - the pure parsers behind the REST API: Go path cleaning, /api path split and its
 * error replies, v2 query options and the v1 body, with cAdvisor's exact error texts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_parse.h"
#include "core/buf.h"

Test(api_parse, path_clean_like_go)
{
    static const char *const cases[][2] = {
            {"", "."},
            {"/", "/"},
            {"abc", "abc"},
            {"a//b", "a/b"},
            {"/a/./b/../c/", "/a/c"},
            {"/../a", "/a"},
            {"a/../..", ".."},
            {"../../a", "../../a"},
            {"/a/b/..", "/a"},
            {"//x//", "/x"},
            {".", "."},
            {"a/b/../../..", ".."},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *c = cadv_path_clean(cases[i][0]);

        cr_expect_str_eq(c, cases[i][1], "Clean(%s)", cases[i][0]);
        free(c);
    }
}

Test(api_parse, servemux_clean_path_keeps_trailing_slash)
{
    static const char *const cases[][2] = {
            {"", "/"},
            {"/a//b/", "/a/b/"},
            {"/a/", "/a/"},
            {"/a/./", "/a/"},
            {"a", "/a"},
            {"/..", "/"},
            {"/a/..", "/"},
            {"/api/v1.3/containers/", "/api/v1.3/containers/"},
            {"/x/../y//", "/y/"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *c = cadv_http_clean_path(cases[i][0]);

        cr_expect_str_eq(c, cases[i][1], "cleanPath(%s)", cases[i][0]);
        free(c);
    }
}

Test(api_parse, go_quote)
{
    struct cadv_buf b;
    const char in[] = "a\"b\\c\n\t\x01\xc3\xa9\xff\xe2\x80\xa8\x7f";

    cadv_buf_init(&b, 0);
    cadv_go_quote(&b, in, sizeof(in) - 1);
    cr_expect_str_eq(b.data, "\"a\\\"b\\\\c\\n\\t\\x01\xc3\xa9\\xff\\u2028\\x7f\"");
    cadv_buf_done(&b);
}

/* Parses path; returns the status (0 on success) and leaves the message in *msg (caller frees). */
static unsigned parse(const char *path, struct cadv_api_path *p, char **msg)
{
    struct cadv_buf b;
    unsigned status = 0;
    int r;

    cadv_buf_init(&b, 0);
    r = cadv_api_parse_path(path, p, &status, &b);
    cr_assert(r == 0 || r == -EINVAL);
    if (r == 0)
        cr_assert_eq(b.len, 0);
    *msg = cadv_buf_steal(&b, NULL);
    return r == 0 ? 0 : status;
}

Test(api_parse, api_listings_and_errors)
{
    static const struct {
        const char *path;
        unsigned status;
        const char *msg;
    } cases[] = {
            {"/api", 400, "Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0,v2.1"},
            {"/api/", 400, "Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0,v2.1"},
            {"/api/v9", 500, "unsupported API version \"v9\""},
            {"/api/v1.0containers", 500, "unsupported API version \"v1.0containers\""},
            {"/api/v\x01/x", 500, "unsupported API version \"v\\x01\""},
            {"/api/v1.0", 400, "Supported request types: \"containers,machine\""},
            {"/api/v1.1/", 400, "Supported request types: \"containers,machine,subcontainers\""},
            {"/api/v1.2", 400, "Supported request types: \"containers,docker,machine,subcontainers\""},
            {"/api/v1.3/", 400,
             "Supported request types: \"containers,docker,events,machine,subcontainers\""},
            {"/api/v2.0", 400,
             "Supported request types: \"appmetrics,attributes,events,machine,ps,spec,stats,storage,summary,"
             "version\""},
            {"/api/v2.1", 400,
             "Supported request types: \"appmetrics,attributes,events,machine,machinestats,ps,spec,stats,"
             "storage,summary,version\""},
            {"/api//x", 500, "malformed request \"/api//x\""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cadv_api_path p;
        char *msg;

        cr_expect_eq(parse(cases[i].path, &p, &msg), cases[i].status, "%s", cases[i].path);
        cr_expect_str_eq(msg, cases[i].msg, "%s", cases[i].path);
        free(msg);
    }
}

Test(api_parse, api_path_split_and_container_name)
{
    struct cadv_api_path p;
    char *msg, *name;

    cr_assert_eq(parse("/api/v1.3/containers/docker/abc", &p, &msg), 0);
    free(msg);
    cr_expect_eq(p.version, CADV_API_V1_3);
    cr_expect(cadv_api_type_is(&p, "containers"));
    cr_expect(!cadv_api_type_is(&p, "container"));
    cr_expect_str_eq(p.rest, "/docker/abc");
    name = cadv_api_container_name(p.rest);
    cr_expect_str_eq(name, "/docker/abc");
    free(name);

    cr_assert_eq(parse("/api/v2.1/machinestats", &p, &msg), 0);
    free(msg);
    cr_expect_eq(p.version, CADV_API_V2_1);
    cr_expect_str_eq(p.rest, "");

    static const char *const names[][2] = {
            {"", "/"},
            {"/", "/"},
            {"/a/../b/", "/b"},
            {"/a\nb", "/a"},
            {"/system.slice/x.scope", "/system.slice/x.scope"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        name = cadv_api_container_name(names[i][0]);
        cr_expect_str_eq(name, names[i][1]);
        free(name);
    }
}

Test(api_parse, version_types_inherit)
{
    cr_expect(cadv_api_version_has_type(CADV_API_V1_0, "containers", 10));
    cr_expect(!cadv_api_version_has_type(CADV_API_V1_0, "subcontainers", 13));
    cr_expect(cadv_api_version_has_type(CADV_API_V1_3, "subcontainers", 13));
    cr_expect(cadv_api_version_has_type(CADV_API_V1_3, "events", 6));
    cr_expect(!cadv_api_version_has_type(CADV_API_V1_2, "events", 6));
    cr_expect(!cadv_api_version_has_type(CADV_API_V2_0, "machinestats", 12));
    cr_expect(cadv_api_version_has_type(CADV_API_V2_1, "machinestats", 12));
    cr_expect(!cadv_api_version_has_type(CADV_API_V2_1, "machine", 3));
}

static int options(const char *type, const char *count, const char *rec, const char *age,
                   struct cadv_api_options *o, char **msg)
{
    struct cadv_buf b;
    int r;

    cadv_buf_init(&b, 0);
    r = cadv_api_parse_options(type, count, rec, age, o, &b);
    *msg = cadv_buf_steal(&b, NULL);
    return r;
}

Test(api_parse, v2_options)
{
    struct cadv_api_options o = {0};
    char *msg;

    cr_assert_eq(options(NULL, NULL, NULL, NULL, &o, &msg), 0);
    free(msg);
    cr_expect_eq(o.idtype, CADV_API_ID_NAME);
    cr_expect_eq(o.count, 64);
    cr_expect(!o.recursive);
    cr_expect(!o.has_max_age);

    cr_assert_eq(options("docker", "+5", "true", "1m30s", &o, &msg), 0);
    free(msg);
    cr_expect_eq(o.idtype, CADV_API_ID_DOCKER);
    cr_expect_eq(o.count, 5);
    cr_expect(o.recursive);
    cr_expect(o.has_max_age);
    cr_expect_eq(o.max_age_ns, 90000000000LL);

    cr_assert_eq(options("", "", "True", "-1s", &o, &msg), 0);
    free(msg);
    cr_expect(!o.recursive, "only the literal true");
    cr_expect_eq(o.max_age_ns, -1000000000LL);

    static const struct {
        const char *type, *count, *age, *msg;
    } bad[] = {
            {"foo", NULL, NULL, "unknown 'type' \"foo\""},
            {NULL, "abc", NULL, "failed to parse 'count' option: abc"},
            {NULL, "99999999999999999999", NULL, "failed to parse 'count' option: 99999999999999999999"},
            {NULL, "-2", NULL, "invalid 'count' option: only -1 and larger values allowed, not -2"},
            {NULL, NULL, "10", "failed to parse 'max_age' option: time: missing unit in duration \"10\""},
            {NULL, NULL, "1x",
             "failed to parse 'max_age' option: time: unknown unit \"x\" in duration \"1x\""},
            {NULL, NULL, "1s2", "failed to parse 'max_age' option: time: missing unit in duration \"1s2\""},
            {NULL, NULL, "abc", "failed to parse 'max_age' option: time: invalid duration \"abc\""},
            {NULL, NULL, ".s", "failed to parse 'max_age' option: time: invalid duration \".s\""},
            {NULL, NULL, "9999999999999h",
             "failed to parse 'max_age' option: time: invalid duration "
             "\"9999999999999h\""},
            {NULL, NULL, "1\xc3\xa9",
             "failed to parse 'max_age' option: time: unknown unit \"\\xc3\\xa9\" in "
             "duration \"1\\xc3\\xa9\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.count = 12345;
        cr_expect_eq(options(bad[i].type, bad[i].count, NULL, bad[i].age, &o, &msg), -EINVAL, "case %zu", i);
        cr_expect_str_eq(msg, bad[i].msg);
        cr_expect_eq(o.count, 12345, "untouched on failure");
        free(msg);
    }
}

static int body(const char *s, struct cadv_api_info_request *q, char **msg)
{
    struct cadv_buf b;
    int r;

    cadv_buf_init(&b, 0);
    r = cadv_api_parse_info_request(s, strlen(s), q, &b);
    *msg = cadv_buf_steal(&b, NULL);
    return r;
}

Test(api_parse, v1_body)
{
    static const struct {
        const char *body;
        int num_stats;
    } good[] = {
            {"", 60},
            {" \r\n\t", 60},
            {"null", 60},
            {"{}", 60},
            {"{\"num_stats\":5}", 5},
            {"{\"NUM_STATS\":-1,\"extra\":[1,{}]}", -1},
            {"{\"num_stats\":-7}", -1},
            {"{\"num_stats\":0}", 0},
            {"{\"num_stats\":null}", 60},
            {"{\"num_stats\":60,\"num_samples\":0}", 60},
            {"{\"num_stats\":3} trailing garbage", 3},
            {"{\"num_stats\":99999999999}", 2147483647},
    };
    struct cadv_api_info_request q;
    char *msg;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cr_assert_eq(body(good[i].body, &q, &msg), 0, "%s: %s", good[i].body, msg);
        cr_expect_eq(q.num_stats, good[i].num_stats, "%s", good[i].body);
        cr_expect_eq(q.start_ns, 0);
        free(msg);
    }
    cr_assert_eq(body("{\"start\":\"2026-01-01T00:00:01Z\",\"end\":\"2026-01-01T00:00:02.5Z\"}", &q, &msg),
                 0);
    cr_expect_eq(q.start_ns, 1767225601000000000ull);
    cr_expect_eq(q.end_ns, 1767225602500000000ull);
    free(msg);

    /* What cAdvisor's Go client sends: time.Time's zero value for an unset bound (issue 8). */
    static const struct {
        const char *body;
        uint64_t start_ns, end_ns;
        int num_stats;
    } go[] = {
            {"{\"num_stats\":1,\"start\":\"0001-01-01T00:00:00Z\",\"end\":\"0001-01-01T00:00:00Z\"}", 0, 0,
             1},
            {"{\"num_stats\":60,\"start\":\"2026-01-01T00:00:01.123456789+01:00\",\"end\":\"0001-01-01T00:00:"
             "00Z\"}",
             1767225601123456789ull - 3600000000000ull, 0, 60},
            /* the same instant as the zero time, written with an offset */
            {"{\"start\":\"0001-01-01T01:30:00+01:30\"}", 0, 0, 60},
            /* before 1970: a start bounds nothing, an end matches nothing */
            {"{\"start\":\"1969-12-31T23:59:59.5Z\",\"end\":\"1900-02-28T00:00:00-05:00\"}", 0, 1, 60},
            {"{\"end\":\"1970-01-01T00:00:00Z\"}", 0, 1, 60},
            /* past uint64_t nanoseconds (2554): no sample is that new */
            {"{\"start\":\"9999-12-31T23:59:59.999999999Z\",\"end\":\"9999-12-31T23:59:59Z\"}", UINT64_MAX,
             UINT64_MAX, 60},
            {"{\"start\":\"2000-02-29T12:00:00.1234567891234Z\"}", 951825600123456789ull, 0, 60},
            {"{\"start\":\"0000-01-01T00:00:00Z\"}", 0, 0, 60},
    };
    for (size_t i = 0; i < sizeof(go) / sizeof(go[0]); i++) {
        cr_assert_eq(body(go[i].body, &q, &msg), 0, "%s: %s", go[i].body, msg);
        cr_expect_eq(q.start_ns, go[i].start_ns, "%s: start %llu", go[i].body,
                     (unsigned long long)q.start_ns);
        cr_expect_eq(q.end_ns, go[i].end_ns, "%s: end %llu", go[i].body, (unsigned long long)q.end_ns);
        cr_expect_eq(q.num_stats, go[i].num_stats, "%s", go[i].body);
        free(msg);
    }

    static const struct {
        const char *body, *msg;
    } bad[] = {
            {"{\"num_stats\":1.5}",
             "unable to decode the json value: json: cannot unmarshal number into Go struct "
             "field ContainerInfoRequest.num_stats of type int"},
            {"{\"num_stats\":\"60\"}",
             "unable to decode the json value: json: cannot unmarshal string into Go "
             "struct field ContainerInfoRequest.num_stats of type int"},
            {"[1]", "unable to decode the json value: json: cannot unmarshal array into Go value of type "
                    "v1.ContainerInfoRequest"},
            {"{\"start\":5}",
             "unable to decode the json value: json: cannot unmarshal number into Go struct field "
             "ContainerInfoRequest.start of type time.Time"},
            {"{\"end\":\"yesterday\"}",
             "unable to decode the json value: parsing time \"yesterday\" for end: not an "
             "RFC 3339 time"},
            {"{\"start\":\"2026-02-29T00:00:00Z\"}",
             "unable to decode the json value: parsing time \"2026-02-29T00:00:00Z\" for start: not an "
             "RFC 3339 time"},
            {"{\"start\":\"2026-01-01T23:59:60Z\"}",
             "unable to decode the json value: parsing time \"2026-01-01T23:59:60Z\" for start: not an "
             "RFC 3339 time"},
            {"{\"end\":\"2026-01-01T00:00:00+24:00\"}",
             "unable to decode the json value: parsing time \"2026-01-01T00:00:00+24:00\" for end: not an "
             "RFC 3339 time"},
            {"{\"end\":\"2026-01-01T00:00:00.Z\"}",
             "unable to decode the json value: parsing time \"2026-01-01T00:00:00.Z\" for end: not an "
             "RFC 3339 time"},
            {"{\"end\":\"10000-01-01T00:00:00Z\"}",
             "unable to decode the json value: parsing time \"10000-01-01T00:00:00Z\" for end: not an "
             "RFC 3339 time"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        q.num_stats = 777;
        cr_expect_eq(body(bad[i].body, &q, &msg), -EINVAL);
        cr_expect_str_eq(msg, bad[i].msg);
        cr_expect_eq(q.num_stats, 777, "untouched on failure");
        free(msg);
    }
    cr_expect_eq(body("{bad", &q, &msg), -EINVAL);
    cr_expect(strncmp(msg, "unable to decode the json value: ", 33) == 0, "%s", msg);
    free(msg);
}
