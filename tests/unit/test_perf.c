/* SPDX-License-Identifier: Apache-2.0 */
/* test_perf.c - the perf events config parser (cAdvisor's schema), event resolution, cAdvisor's
 * multiplexing scaling, the perf_event cgroup directory of each layout, and perf entries in packed
 * samples. Counting itself is covered by tests/integration/test_perf.py on a real cgroup. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/perf.h"
#include "core/buf.h"
#include "model/sample.h"

static const char good[] = "{\"core\":{\"events\":[\"task-clock\",[\"context-switches\",\"cpu-migrations-"
                           "custom\"],\"page-faults\","
                           "\"no-such-event\"],\"custom_events\":[{\"type\":1,\"config\":[\"0x4\"],\"name\":"
                           "\"cpu-migrations-custom\"}]},"
                           "\"uncore\":{\"events\":[\"uncore_imc/cas_count_read\"]}}";

static char reported[1024];

static void report(void *userdata, const char *event, const char *why)
{
    int *n = userdata;

    (*n)++;
    snprintf(reported + strlen(reported), sizeof(reported) - strlen(reported), "%s: %s;", event, why);
}

Test(perf, parse_and_resolve)
{
    struct cadv_perf_config *cfg = NULL;
    char err[256] = "";
    int n_reported = 0;

    cr_assert_eq(cadv_perf_config_parse(good, strlen(good), &cfg, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cadv_perf_config_n_events(cfg), 5);
    cr_expect_str_eq(cadv_perf_config_event_name(cfg, 0), "task-clock");
    cr_expect_str_eq(cadv_perf_config_event_name(cfg, 2), "cpu-migrations-custom");
    cr_expect_str_eq(cadv_perf_config_event_name(cfg, 5), "");
    reported[0] = '\0';
    cr_expect_eq(cadv_perf_config_resolve(cfg, report, &n_reported), 4);
    /* The unknown core event is reported by name (uncore events: cadv_perf_config_resolve_uncore). */
    cr_expect_eq(n_reported, 1);
    cr_expect(strstr(reported, "no-such-event: unknown event name") != NULL, "%s", reported);
    cr_expect_str_eq(cadv_perf_event_name(0), ""); /* nothing installed yet */
    cadv_perf_config_install(cfg);
    cr_expect_str_eq(cadv_perf_event_name(1), "context-switches");
    cr_expect_str_eq(cadv_perf_event_name(99), "");
    cadv_perf_config_install(NULL);
    cadv_perf_config_free(cfg);
}

Test(perf, empty_sections)
{
    struct cadv_perf_config *cfg = NULL;

    cr_assert_eq(cadv_perf_config_parse("{}", 2, &cfg, NULL, 0), 0);
    cr_expect_eq(cadv_perf_config_n_events(cfg), 0);
    cr_expect_eq(cadv_perf_config_resolve(cfg, NULL, NULL), 0);
    cadv_perf_config_free(cfg);
    cr_assert_eq(cadv_perf_config_parse("{\"core\":{\"events\":null}}", 24, &cfg, NULL, 0), 0);
    cadv_perf_config_free(cfg);
}

static void expect_bad(const char *json, const char *msg)
{
    struct cadv_perf_config *cfg = NULL;
    char err[256] = "";
    int r = cadv_perf_config_parse(json, strlen(json), &cfg, err, sizeof(err));

    cr_expect(r == -EINVAL || r == -E2BIG, "%s: %d", json, r);
    cr_expect_null(cfg);
    cr_expect(strstr(err, msg) != NULL, "%s: '%s' lacks '%s'", json, err, msg);
}

Test(perf, bad_configs)
{
    char big[8192];
    size_t n = 0;

    expect_bad("", "invalid JSON");
    expect_bad("[]", "must be a JSON object");
    expect_bad("{\"core\":[]}", "\"core\" must be an object");
    expect_bad("{\"core\":{\"events\":{}}}", "\"events\" must be an array");
    expect_bad("{\"core\":{\"events\":[42]}}", "name or a non-empty array of names");
    expect_bad("{\"core\":{\"events\":[[]]}}", "non-empty array");
    expect_bad("{\"core\":{\"events\":[[\"a\",1]]}}", "names only");
    expect_bad("{\"core\":{\"events\":[\"\"]}}", "empty");
    expect_bad("{\"core\":{\"events\":[\"a\"],\"events\":[\"b\"]}}", "invalid JSON");
    expect_bad("{\"core\":{\"custom_events\":[{\"name\":\"x\",\"type\":-1,\"config\":[]}]}}", "u32");
    expect_bad("{\"core\":{\"custom_events\":[{\"name\":\"x\",\"type\":1,\"config\":[\"0xzz\"]}]}}",
               "not an unsigned number");
    expect_bad("{\"core\":{\"custom_events\":[{\"name\":\"x\",\"type\":1,\"config\":[\"1\",\"2\",\"3\",\"4\"]"
               "}]}}",
               "up to 3");
    n += (size_t)snprintf(big, sizeof(big), "{\"core\":{\"events\":[");
    for (int i = 0; i <= CADV_PERF_MAX_EVENTS; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"e%d\"", i ? "," : "", i);
    snprintf(big + n, sizeof(big) - n, "]}}");
    expect_bad(big, "more than");
}

Test(perf, custom_config_numbers)
{
    struct cadv_perf_config *cfg = NULL;
    const char *j = "{\"core\":{\"events\":[\"raw\"],\"custom_events\":[{\"name\":\"raw\",\"type\":4,"
                    "\"config\":[\"0x5300c0\",\"010\",\"7\"]}]}}";

    cr_assert_eq(cadv_perf_config_parse(j, strlen(j), &cfg, NULL, 0), 0);
    cr_expect_eq(cadv_perf_config_resolve(cfg, NULL, NULL), 1);
    cadv_perf_config_free(cfg);
}

Test(perf, scaling_as_cadvisor)
{
    uint64_t v;
    double ratio;

    cadv_perf_scale(1000, 200, 100, &v, &ratio); /* ran half of the time it was enabled */
    cr_expect_eq(v, 2000);
    cr_expect_float_eq(ratio, 0.5, 1e-12);
    cadv_perf_scale(1000, 100, 100, &v, &ratio);
    cr_expect_eq(v, 1000);
    cr_expect_float_eq(ratio, 1.0, 1e-12);
    cadv_perf_scale(1000, 0, 0, &v, &ratio); /* never enabled: unscaled, ratio 1 */
    cr_expect_eq(v, 1000);
    cr_expect_float_eq(ratio, 1.0, 1e-12);
    cadv_perf_scale(7, 100, 0, &v, &ratio);
    cr_expect_eq(v, 7);
    cr_expect_float_eq(ratio, 1.0, 1e-12);
}

static void touch(const char *root, const char *rel)
{
    char p[512];

    snprintf(p, sizeof(p), "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fclose(f);
}

Test(perf, cgroup_dir_of_each_layout)
{
    char root[] = "/tmp/cadv-perf-XXXXXX", p[512], out[512];

    cr_assert_not_null(mkdtemp(root));
    cr_expect_eq(cadv_perf_cgroup_dir(root, "/a", out, sizeof(out)), -ENOENT);
    snprintf(p, sizeof(p), "%s/unified", root);
    cr_assert_eq(mkdir(p, 0755), 0);
    touch(root, "unified/cgroup.procs"); /* hybrid */
    cr_expect_eq(cadv_perf_cgroup_dir(root, "/a/b", out, sizeof(out)), 0);
    snprintf(p, sizeof(p), "%s/unified/a/b", root);
    cr_expect_str_eq(out, p);
    touch(root, "cgroup.controllers"); /* pure v2 wins over a directory named unified */
    cr_expect_eq(cadv_perf_cgroup_dir(root, "/", out, sizeof(out)), 0);
    cr_expect_str_eq(out, root);
    snprintf(p, sizeof(p), "%s/perf_event", root);
    cr_assert_eq(mkdir(p, 0755), 0); /* a v1 perf_event hierarchy wins */
    cr_expect_eq(cadv_perf_cgroup_dir(root, "/x", out, sizeof(out)), 0);
    snprintf(p, sizeof(p), "%s/perf_event/x", root);
    cr_expect_str_eq(out, p);
    cr_expect_eq(cadv_perf_cgroup_dir(root, "/x", out, 8), -ENAMETOOLONG);
    cr_expect_eq(rmdir(p) == 0 || errno == ENOENT, 1);
    snprintf(p, sizeof(p), "rm -r '%s'", root);
    cr_expect_eq(system(p), 0);
}

Test(perf, counters_of_a_missing_cgroup)
{
    struct cadv_perf_config *cfg = NULL;
    struct cadv_perf_counters *pc = NULL;

    cr_assert_eq(cadv_perf_config_parse(good, strlen(good), &cfg, NULL, 0), 0);
    (void)cadv_perf_config_resolve(cfg, NULL, NULL);
    cr_expect_eq(cadv_perf_counters_open(cfg, "/nonexistent/cgroup", &pc), -ENOENT);
    cr_expect_null(pc);
    cadv_perf_config_free(cfg);
}

Test(perf, entries_survive_pack_and_copy)
{
    struct cadv_sample s, t, u;
    struct cadv_buf b;
    double half = 0.5;

    cadv_sample_init_scratch(&s);
    cadv_sample_init(&t);
    cadv_sample_init(&u);
    s.net = NULL;
    s.n_perf = 2;
    s.perf[0] = (struct cadv_perf_entry){.event = 1, .cpu = 3, .value = 123456789};
    memcpy(&s.perf[1].scaling_ratio, &half, sizeof(half));
    s.perf[1].value = 42;
    cadv_buf_init(&b, 1 << 20);
    cadv_sample_pack(&s, &b);
    cr_assert_eq(cadv_sample_unpack((const uint8_t *)b.data, b.len, &t), 0);
    cr_expect_eq(t.n_perf, 2);
    cr_expect_eq(memcmp(t.perf, s.perf, 2 * sizeof(*s.perf)), 0);
    cr_assert_eq(cadv_sample_unpack((const uint8_t *)b.data, b.len, &u), 0);
    cr_expect(cadv_sample_stats_equal(&u, &s));
    u.perf[0].value++;
    cr_expect_not(cadv_sample_stats_equal(&u, &s));
    cadv_buf_done(&b);
    cadv_sample_done(&u);
    cadv_sample_done(&t);
    s.net = NULL;
    cadv_sample_done(&s);
}

Test(perf, fd_budget_refuses_before_opening)
{
    struct cadv_perf_config *cfg = NULL;
    struct cadv_perf_counters *pc = NULL;

    cr_assert_eq(cadv_perf_config_parse(good, strlen(good), &cfg, NULL, 0), 0);
    (void)cadv_perf_config_resolve(cfg, NULL, NULL);
    cadv_perf_set_fd_budget(3); /* fewer than one counter per resolved event and CPU */
    cr_expect_eq(cadv_perf_counters_open(cfg, "/", &pc), -EMFILE);
    cr_expect_null(pc);
    cadv_perf_set_fd_budget(INT32_MAX);
    cadv_perf_config_free(cfg);
}
