/* SPDX-License-Identifier: Apache-2.0 */
/* test_http_api.c - the REST API end to end: a manager over a cgroup v2 tree built in a temporary
 * directory (/, /a, /a/c, /ab, /b; no runtime), the HTTP server in front of it, libcurl as the
 * client. Checks the v1 and v2 endpoints' shapes, selection (recursive, count, type), on-demand
 * housekeeping (max_age), ps and storage over a fake proc root, and cAdvisor's error texts. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/buf.h"
#include "core/timeutil.h"
#include "http/server.h"
#include "manager/manager.h"
#include "model/sample.h"
#include "runtime/runtime.h"
#include "tu_cgroupfs.h"

static char tmp[64];
static struct cadv_config cfg;
static struct cadv_manager *mgr;
static struct cadv_server *srv;

static const char *const names[] = {"/", "/a", "/a/c", "/ab", "/b"};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

static void make_cgroup(const char *root, const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s%s", root, strcmp(name, "/") == 0 ? "" : name);
    tu_make_v2_cgroup(path, "cpu io memory pids\n",
                      "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
}

static void make_tree(void)
{
    char dir[256], root[128];

    strcpy(tmp, "/tmp/cadv-test-api-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(root, sizeof(root), "%s/cgroup", tmp);
    for (size_t i = 0; i < N_NAMES; i++)
        make_cgroup(root, names[i]);
    snprintf(dir, sizeof(dir), "%s/proc", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    tu_write_file(dir, "cpuinfo",
                  "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2400.000\nphysical id\t: 0\n"
                  "core id\t\t: 0\n\n");
    tu_write_file(dir, "meminfo",
                  "MemTotal:        4000000 kB\nMemFree:         1000000 kB\nSwapTotal:  0 kB\n");
    tu_write_file(dir, "uptime", "1000.00 2000.00\n");
    /* The machine's one filesystem (the rootfs below, for /storage) and btime (for /ps). */
    tu_write_file(dir, "stat", "cpu  1 2 3 4 5 6 7 0 0 0\nbtime 1700000000\nprocesses 10\n");
    snprintf(dir, sizeof(dir), "%s/proc/self", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    tu_write_file(dir, "mountinfo", "36 35 254:1 / / rw,relatime shared:1 - ext4 /dev/cadvtest rw\n");
    snprintf(dir, sizeof(dir), "%s/proc", tmp);
    cadv_config_init(&cfg);
    tu_replace_str(&cfg.cgroup_root, root);
    tu_replace_str(&cfg.proc_root, dir);
    tu_replace_str(&cfg.kmsg_path, "/dev/null"); /* not the host's OOMs */
    snprintf(dir, sizeof(dir), "%s/sys", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    tu_replace_str(&cfg.sys_root, dir);
    snprintf(dir, sizeof(dir), "%s/rootfs", tmp);
    cr_assert_eq(mkdir(dir, 0755), 0);
    tu_replace_str(&cfg.rootfs, dir);
    tu_replace_str(&cfg.listen_ip, "127.0.0.1");
    cfg.port = 0;
    cfg.housekeeping_interval_ns = 50 * (int64_t)CADV_NS_PER_MS;
    cfg.max_housekeeping_interval_ns = 50 * (int64_t)CADV_NS_PER_MS;
    cfg.initial_splay_factor = 0;
    cfg.jitter_factor = 0;
    cfg.global_housekeeping_interval_ns = 3600 * (int64_t)CADV_NS_PER_SEC;
    cfg.fd_budget = 64;
}

static const struct cadv_runtime *const no_runtimes[] = {NULL};

/* Starts the manager, waits until every container has two samples, stops collection (so that the
 * sample counts stay put), then starts the server. */
static void setup(void)
{
    struct timespec ts = {.tv_nsec = 20 * 1000000L};

    make_tree();
    cr_assert_eq(cadv_manager_new(&cfg, &mgr), 0);
    cadv_manager_set_runtimes(mgr, no_runtimes);
    cr_assert_eq(cadv_manager_start(mgr), 0);
    for (size_t i = 0; i < N_NAMES; i++) {
        struct cadv_container *c = NULL;
        struct cadv_sample *s = NULL;
        size_t n = 0;

        for (int k = 0; k < 300 && n < 2; k++, nanosleep(&ts, NULL)) {
            c = c ? c : cadv_manager_get(mgr, names[i]);
            if (c && cadv_container_samples(c, 0, 0, -1, &s, &n) == 0)
                free(s);
        }
        cr_assert_geq(n, 2, "no samples for %s", names[i]);
        cadv_container_unref(c);
    }
    cadv_manager_stop(mgr);
    cr_assert_eq(cadv_server_start(&cfg, mgr, NULL, &srv), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    srv = cadv_server_stop(srv);
    mgr = cadv_manager_free(mgr);
    cadv_config_done(&cfg);
    if (tmp[0])
        nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(http_api, .init = setup, .fini = teardown, .timeout = 60);

struct resp {
    long status;
    char *type;
    struct cadv_buf body;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    cadv_buf_append(ctx, p, size * n);
    return size * n;
}

/* GET path (POST when body is set). */
static void request(const char *path, const char *body, struct resp *r)
{
    CURL *c = curl_easy_init();
    char url[1024];
    char *ct = NULL;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", cadv_server_port(srv), path);
    cadv_buf_init(&r->body, 0);
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK, "%s", path);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    r->type = strdup(ct ? ct : "");
    curl_easy_cleanup(c);
    if (!r->body.data)
        cadv_buf_puts(&r->body, "");
}

static void resp_done(struct resp *r)
{
    cadv_buf_done(&r->body);
    free(r->type);
}

/* A 200 JSON reply, parsed (integers beyond int64 read as reals). */
static json_t *get_json(const char *path, const char *body)
{
    struct resp r;
    json_error_t err;
    json_t *j;

    request(path, body, &r);
    cr_assert_eq(r.status, 200, "%s: %ld %s", path, r.status, r.body.data);
    cr_expect_str_eq(r.type, "application/json");
    cr_expect_neq(r.body.data[r.body.len - 1], '\n', "no trailing newline");
    j = json_loadb(r.body.data, r.body.len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &err);
    cr_assert_not_null(j, "%s: %s", path, err.text);
    resp_done(&r);
    return j;
}

static void expect_error(const char *path, const char *body, long status, const char *text)
{
    struct resp r;

    request(path, body, &r);
    cr_expect_eq(r.status, status, "%s: %ld", path, r.status);
    cr_expect_str_eq(r.body.data, text, "%s", path);
    cr_expect_str_eq(r.type, "text/plain; charset=utf-8");
    resp_done(&r);
}

/* The keys of an object, comma-joined, in order. */
static char *keys_of(json_t *o)
{
    struct cadv_buf b;
    const char *k;
    json_t *v;

    cadv_buf_init(&b, 0);
    json_object_foreach(o, k, v)
    {
        (void)v;
        if (b.len)
            cadv_buf_putc(&b, ',');
        cadv_buf_puts(&b, k);
    }
    return cadv_buf_steal(&b, NULL);
}

Test(http_api, v1_containers)
{
    json_t *j = get_json("/api/v1.3/containers/", NULL), *subs, *spec;
    size_t n;

    cr_expect_str_eq(json_string_value(json_object_get(j, "name")), "/");
    subs = json_object_get(j, "subcontainers");
    cr_assert_eq(json_array_size(subs), 3);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(subs, 0), "name")), "/a");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(subs, 2), "name")), "/b");
    spec = json_object_get(j, "spec");
    cr_expect(json_is_true(json_object_get(spec, "has_cpu")));
    n = json_array_size(json_object_get(j, "stats"));
    cr_expect_geq(n, 2);
    json_decref(j);

    j = get_json("/api/v1.0/containers/a", "{\"num_stats\":1}");
    cr_expect_str_eq(json_string_value(json_object_get(j, "name")), "/a");
    cr_expect_eq(json_array_size(json_object_get(j, "stats")), 1);
    cr_expect(
            json_object_get(json_object_get(json_array_get(json_object_get(j, "stats"), 0), "cpu"), "usage"));
    json_decref(j);
    j = get_json("/api/v1.3/containers/a/c", "{\"num_stats\":0}");
    cr_expect_null(json_object_get(j, "stats"));
    cr_expect_null(json_object_get(j, "subcontainers"));
    json_decref(j);

    expect_error("/api/v1.3/containers/zzz", NULL, 500,
                 "failed to get container \"/zzz\" with error: unknown container \"/zzz\"\n");
    expect_error("/api/v1.3/containers/a", "{\"num_stats\":\"x\"}", 500,
                 "unable to decode the json value: json: cannot unmarshal string into Go struct field "
                 "ContainerInfoRequest.num_stats of type int\n");
    expect_error("/api/v1.0/subcontainers/a", NULL, 500, "unknown request type \"subcontainers\"\n");
}

Test(http_api, v1_subcontainers_docker_machine_events)
{
    json_t *j = get_json("/api/v1.1/subcontainers/a", "{\"num_stats\":1}");

    /* Descendants of /a only: /ab is a sibling (cAdvisor's missing-slash prefix match not kept). */
    cr_assert_eq(json_array_size(j), 2);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "name")), "/a");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 1), "name")), "/a/c");
    json_decref(j);
    j = get_json("/api/v1.3/subcontainers/", NULL);
    cr_expect_eq(json_array_size(j), N_NAMES);
    json_decref(j);
    expect_error("/api/v1.3/subcontainers/zzz", NULL, 500,
                 "failed to get subcontainers for container \"/zzz\" with error: no containers found\n");

    j = get_json("/api/v1.2/docker/", NULL);
    cr_expect(json_is_object(j) && json_object_size(j) == 0);
    json_decref(j);
    expect_error("/api/v1.2/docker/abc", NULL, 500,
                 "failed to get Docker container \"abc\" with error: unable to find container \"abc\" in "
                 "\"docker\" namespace\n");
    expect_error("/api/v1.2/docker/abc/def", NULL, 500, "unknown request for Docker container [abc def]\n");

    j = get_json("/api/v1.0/machine", NULL);
    cr_expect(json_is_object(j) && json_object_get(j, "num_cores") && json_object_get(j, "memory_capacity"));
    json_decref(j);
    j = get_json("/api/v1.3/events/a", NULL);
    cr_expect(json_is_array(j) && json_array_size(j) == 0);
    json_decref(j);
}

Test(http_api, v2_stats_spec_selection)
{
    json_t *j = get_json("/api/v2.0/stats/a?count=1", NULL), *arr;
    char *keys;

    keys = keys_of(j);
    cr_expect_str_eq(keys, "/a");
    free(keys);
    arr = json_object_get(j, "/a");
    cr_assert_eq(json_array_size(arr), 1);
    cr_expect(json_is_true(json_object_get(json_array_get(arr, 0), "has_cpu")));
    cr_expect(json_is_false(json_object_get(json_array_get(arr, 0), "has_processes")));
    json_decref(j);

    j = get_json("/api/v2.0/stats/?recursive=true&count=2", NULL);
    keys = keys_of(j);
    cr_expect_str_eq(keys, "/,/a,/a/c,/ab,/b");
    free(keys);
    cr_expect_eq(json_array_size(json_object_get(j, "/b")), 2);
    /* The second sample of a pair carries cpu_inst. */
    cr_expect_not_null(json_object_get(json_array_get(json_object_get(j, "/b"), 1), "cpu_inst"));
    json_decref(j);

    j = get_json("/api/v2.0/stats/a?count=0", NULL);
    cr_expect_eq(json_array_size(json_object_get(j, "/a")), 0);
    json_decref(j);

    /* v2.1: root excluded, {spec, stats}. */
    j = get_json("/api/v2.1/stats/?recursive=true&count=1", NULL);
    keys = keys_of(j);
    cr_expect_str_eq(keys, "/a,/a/c,/ab,/b");
    free(keys);
    keys = keys_of(json_object_get(j, "/ab"));
    cr_expect_str_eq(keys, "spec,stats");
    free(keys);
    json_decref(j);

    j = get_json("/api/v2.0/spec/a?recursive=true", NULL);
    keys = keys_of(j);
    cr_expect_str_eq(keys, "/a,/a/c");
    free(keys);
    cr_expect_not_null(json_object_get(json_object_get(j, "/a"), "creation_time"));
    json_decref(j);

    expect_error("/api/v2.0/stats/zzz", NULL, 500, "unknown container \"/zzz\"\n");
    expect_error("/api/v2.1/stats/zzz?recursive=true", NULL, 500, "unknown container: \"/zzz\"\n");
    expect_error("/api/v2.0/stats/a?type=docker", NULL, 500,
                 "unable to find container \"a\" in \"docker\" namespace\n");
    expect_error("/api/v2.0/spec/a?type=podman&recursive=true", NULL, 500,
                 "invalid request for podman container \"/a\" with subcontainers\n");
    expect_error("/api/v2.0/stats/a?type=lxc", NULL, 500, "unknown 'type' \"lxc\"\n");
    expect_error("/api/v2.0/stats/a?count=x", NULL, 500, "failed to parse 'count' option: x\n");
    expect_error("/api/v2.0/machinestats", NULL, 500, "unknown request type \"machinestats\"\n");
}

Test(http_api, v2_machine_version_and_not_yet)
{
    struct resp r;
    json_t *j;

    j = get_json("/api/v2.1/machinestats?count=1", NULL);
    cr_assert_eq(json_array_size(j), 1);
    cr_expect_not_null(json_object_get(json_array_get(j, 0), "timestamp"));
    cr_expect_not_null(json_object_get(json_array_get(j, 0), "cpu"));
    json_decref(j);
    request("/api/v2.0/version", NULL, &r);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.body.data, "\"" CADV_VERSION "\"");
    resp_done(&r);
    j = get_json("/api/v2.0/attributes", NULL);
    cr_expect_str_eq(json_string_value(json_object_get(j, "cadvisor_version")), CADV_VERSION);
    json_decref(j);
    j = get_json("/api/v2.1/machine", NULL);
    cr_expect_not_null(json_object_get(j, "num_cores"));
    json_decref(j);
    /* Without subcontainers: the events of "/" itself, i.e. its creation. */
    j = get_json("/api/v2.0/events/?all_events=true", NULL);
    cr_assert(json_is_array(j) && json_array_size(j) == 1);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "event_type")),
                     "containerCreation");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "container_name")), "/");
    json_decref(j);
    j = get_json("/api/v2.0/events/?creation_events=false", NULL);
    cr_expect(json_is_array(j) && json_array_size(j) == 0, "no type selected: nothing");
    json_decref(j);
    j = get_json("/api/v2.0/summary/", NULL);
    cr_expect(json_is_object(json_object_get(json_object_get(j, "/"), "latest_usage")));
    cr_expect(json_is_object(json_object_get(json_object_get(json_object_get(j, "/"), "day_usage"), "cpu")));
    json_decref(j);
}

/* A fake process under the test's proc root: stat, status, cgroup and an fd directory. */
static void make_process(unsigned pid, const char *comm, const char *cgroup)
{
    char dir[256], stat[512];

    snprintf(dir, sizeof(dir), "%s/proc/%u", tmp, pid);
    cr_assert_eq(mkdir(dir, 0755), 0);
    /* utime 150 + stime 50 ticks, starttime 5000 ticks, vsize 10000000, rss 500 pages, cpu 1 */
    snprintf(stat, sizeof(stat),
             "%u (%s) S 1 %u %u 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 1 0 5000 10000000 500 "
             "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
             pid, comm, pid, pid);
    tu_write_file(dir, "stat", stat);
    tu_write_file(dir, "status", "Name:\tx\nUid:\t0\t0\t0\t0\nVmLck:\t0 kB\nVmRSS:\t2000 kB\n");
    tu_write_file(dir, "cgroup", cgroup);
    snprintf(dir, sizeof(dir), "%s/proc/%u/fd", tmp, pid);
    cr_assert_eq(mkdir(dir, 0755), 0);
}

Test(http_api, v2_ps_and_storage)
{
    json_t *j, *p;
    char *keys;

    make_process(4242, "worker a", "0::/a\n");
    make_process(4243, "worker b", "0::/b\n");
    j = get_json("/api/v2.0/ps/a", NULL);
    cr_assert_eq(json_array_size(j), 1, "only /a's own process");
    p = json_array_get(j, 0);
    keys = keys_of(p);
    cr_expect_str_eq(keys, "user,pid,parent_pid,start_time,percent_cpu,percent_mem,rss,virtual_size,status,"
                           "running_time,cgroup_path,cmd,fd_count,psr");
    free(keys);
    cr_expect_eq(json_number_value(json_object_get(p, "pid")), 4242);
    cr_expect_str_eq(json_string_value(json_object_get(p, "cmd")), "worker a");
    cr_expect_str_eq(json_string_value(json_object_get(p, "cgroup_path")), "", "blank for a container");
    cr_expect_eq(json_number_value(json_object_get(p, "rss")), 2000 * 1024);
    json_decref(j);
    /* "/" lists every process, with its cgroup; recursive is ignored. */
    j = get_json("/api/v2.1/ps/?recursive=true", NULL);
    cr_assert_eq(json_array_size(j), 2);
    cr_expect_eq(json_number_value(json_object_get(json_array_get(j, 0), "pid")), 4242);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 1), "cgroup_path")), "/b");
    json_decref(j);
    j = get_json("/api/v2.0/ps/ab", NULL);
    cr_expect(json_is_array(j) && json_array_size(j) == 0);
    json_decref(j);
    expect_error("/api/v2.0/ps/zzz", NULL, 500, "unknown container \"/zzz\"\n");
    expect_error("/api/v2.0/ps/a?type=docker", NULL, 500,
                 "unable to find container \"a\" in \"docker\" namespace\n");

    /* storage: the one filesystem of the mountinfo, measured at the manager's start. */
    j = get_json("/api/v2.0/storage", NULL);
    cr_assert_eq(json_array_size(j), 1);
    p = json_array_get(j, 0);
    keys = keys_of(p);
    cr_expect_str_eq(keys, "timestamp,device,mountpoint,capacity,available,usage,labels,inodes,inodes_free");
    free(keys);
    cr_expect_str_eq(json_string_value(json_object_get(p, "device")), "/dev/cadvtest");
    cr_expect_str_eq(json_string_value(json_object_get(p, "mountpoint")), "/");
    cr_expect_gt(json_number_value(json_object_get(p, "capacity")), 0);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(p, "labels"), 0)), "root");
    json_decref(j);
    j = get_json("/api/v2.0/storage?label=root", NULL);
    cr_expect_eq(json_array_size(j), 1);
    json_decref(j);
    expect_error("/api/v2.0/storage?label=docker-images", NULL, 500,
                 "non-existent label \"docker-images\"\n");
    expect_error("/api/v2.0/storage?uuid=0000-1111", NULL, 500, "cadvisor: no such device\n");
    /* The root's samples carry it (v1 FsStats, MachineFsStats with its "inline" disk stats). */
    j = get_json("/api/v2.1/machinestats?count=1", NULL);
    p = json_array_get(json_object_get(json_array_get(j, 0), "filesystem"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(p, "device")), "/dev/cadvtest");
    cr_expect(json_is_object(json_object_get(p, "inline")));
    json_decref(j);
}

/* The number of samples of /a the API returns. */
static size_t samples_of_a(const char *query)
{
    char path[128];
    json_t *j;
    size_t n;

    snprintf(path, sizeof(path), "/api/v2.0/stats/a?count=-1%s", query);
    j = get_json(path, NULL);
    n = json_array_size(json_object_get(j, "/a"));
    json_decref(j);
    return n;
}

Test(http_api, max_age_collects_on_demand)
{
    size_t n = samples_of_a("");

    /* Collection is stopped: only an on-demand refresh can add a sample. */
    cr_expect_eq(samples_of_a("&max_age=1h"), n, "fresh enough: no collection");
    cr_expect_eq(samples_of_a("&max_age=1ns"), n + 1);
    cr_expect_eq(samples_of_a(""), n + 1);
    expect_error("/api/v2.0/stats/a?max_age=5", NULL, 500,
                 "failed to parse 'max_age' option: time: missing unit in duration \"5\"\n");
}
