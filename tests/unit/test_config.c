/* SPDX-License-Identifier: Apache-2.0 */
/* test_config.c - flags: Go flag syntax, every value type, cAdvisor's defaults, metric kinds,
 * errors and the not-implemented warnings. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "model/kinds.h"

#define NS_S   1000000000LL
#define S_HALF 500000000LL

struct run {
    struct cadv_config cfg;
    int r;
    char *err; /* everything written to err */
};

/* Parses argv (after "cadv") into a fresh config, capturing err. */
static void run_args(struct run *t, int argc, char **argv)
{
    size_t len = 0;
    FILE *f;

    t->err = NULL;
    f = open_memstream(&t->err, &len);
    cr_assert_not_null(f);
    cadv_config_init(&t->cfg);
    t->r = cadv_config_parse(&t->cfg, argc, argv, f);
    fclose(f);
}

#define RUN(t, ...)                                                     \
    do {                                                                \
        char *argv_[] = {"cadv", __VA_ARGS__};                          \
        run_args(&(t), (int)(sizeof(argv_) / sizeof(argv_[0])), argv_); \
    } while (0)

static void done(struct run *t)
{
    cadv_config_done(&t->cfg);
    free(t->err);
}

/* Expects a failure with exactly this message line. */
#define EXPECT_ERR(msg, ...)                                    \
    do {                                                        \
        struct run t_;                                          \
        RUN(t_, __VA_ARGS__);                                   \
        cr_expect_eq(t_.r, -EINVAL, "%s", #__VA_ARGS__);        \
        cr_expect_str_eq(t_.err, msg "\n", "%s", #__VA_ARGS__); \
        done(&t_);                                              \
    } while (0)

/* Expects success and no output at all. */
#define EXPECT_OK(t, ...)                                        \
    do {                                                         \
        RUN(t, __VA_ARGS__);                                     \
        cr_assert_eq((t).r, 0, "%s: %s", #__VA_ARGS__, (t).err); \
        cr_expect_str_eq((t).err, "", "%s", #__VA_ARGS__);       \
    } while (0)

static size_t list_len(char **l)
{
    size_t n = 0;

    while (l && l[n])
        n++;
    return n;
}

Test(config, defaults_are_cadvisors)
{
    struct cadv_config c;

    cadv_config_init(&c);
    cr_expect_str_eq(c.listen_ip, "");
    cr_expect_eq(c.port, 8080);
    cr_expect_str_eq(c.url_base_prefix, "");
    cr_expect_str_eq(c.prometheus_endpoint, "/metrics");
    cr_expect_eq(c.housekeeping_interval_ns, 1 * NS_S);
    cr_expect_eq(c.max_housekeeping_interval_ns, 60 * NS_S);
    cr_expect(c.allow_dynamic_housekeeping);
    cr_expect_float_eq(c.initial_splay_factor, 1.0, 1e-12);
    cr_expect_float_eq(c.jitter_factor, 1.0, 1e-12);
    cr_expect_eq(c.global_housekeeping_interval_ns, 60 * NS_S);
    cr_expect_eq(c.update_machine_info_interval_ns, 300 * NS_S);
    cr_expect_eq(c.storage_duration_ns, 120 * NS_S);
    cr_expect_not(c.docker_only);
    cr_assert_eq(list_len(c.raw_cgroup_prefix_whitelist), 1);
    cr_expect_str_eq(c.raw_cgroup_prefix_whitelist[0], "");
    cr_expect_not(c.disable_root_cgroup_stats);
    cr_expect_eq(c.metric_kinds, CADV_KIND_DEFAULT);
    cr_expect_eq(c.enable_metrics, 0);
    cr_expect_eq(c.disable_metrics, CADV_KIND_DEFAULT_DISABLED);
    cr_expect(c.store_container_labels);
    cr_assert_eq(list_len(c.whitelisted_container_labels), 1);
    cr_assert_eq(list_len(c.env_metadata_whitelist), 1);
    cr_expect_str_eq(c.machine_id_file, "/etc/machine-id,/var/lib/dbus/machine-id");
    cr_expect_str_eq(c.boot_id_file, "/proc/sys/kernel/random/boot_id");
    cr_expect_str_eq(c.docker, "unix:///var/run/docker.sock");
    cr_expect_not(c.docker_tls);
    cr_expect_str_eq(c.docker_tls_cert, "cert.pem");
    cr_expect_str_eq(c.docker_tls_key, "key.pem");
    cr_expect_str_eq(c.docker_tls_ca, "ca.pem");
    cr_expect_str_eq(c.docker_root, "/var/lib/docker");
    cr_expect_str_eq(c.containerd, "/run/containerd/containerd.sock");
    cr_expect_str_eq(c.containerd_namespace, "k8s.io");
    cr_expect_str_eq(c.podman, "unix:///var/run/podman/podman.sock");
    cr_expect_eq(c.crio_client_timeout_ns, 0);
    cr_expect_str_eq(c.event_storage_age_limit, "default=24h");
    cr_expect_str_eq(c.event_storage_event_limit, "default=100000");
    cr_expect_eq(c.verbosity, 2);
    cr_expect(c.logtostderr);
    cr_expect_not(c.version);
    cr_expect_not(c.help);
    /* cadv's own */
    cr_expect_str_eq(c.cgroup_root, "/sys/fs/cgroup");
    cr_expect_str_eq(c.proc_root, "/proc");
    cr_expect_str_eq(c.sys_root, "/sys");
    cr_expect_str_eq(c.rootfs, "/");
    cr_expect_str_eq(c.port_file, "");
    cr_expect(c.prometheus_timestamps);
    cr_expect_str_eq(c.metrics_include, "");
    cr_expect_str_eq(c.metrics_exclude, "");
    cr_expect_eq(c.fd_budget, 0);
    /* not implemented yet, but kept with cAdvisor's defaults */
    cr_expect_str_eq(c.storage_driver, "");
    cr_expect_str_eq(c.storage_driver_host, "localhost:8086");
    cr_expect_eq(c.storage_driver_buffer_duration_ns, 60 * NS_S);
    cr_expect(c.storage_driver_kafka_ssl_verify);
    cr_expect_str_eq(c.bq_secret, "notasecret");
    cr_expect_str_eq(c.http_auth_realm, "localhost");
    cr_expect_eq(c.application_metrics_count_limit, 100);
    cr_expect_str_eq(c.container_hints, "/etc/cadvisor/container_hints.json");
    cr_expect_eq(c.log_file_max_size, 1800);
    cr_expect_eq(c.stderrthreshold, 2);
    cadv_config_done(&c);
}

Test(config, syntax_forms)
{
    struct run t;

    EXPECT_OK(t, "-port=1");
    cr_expect_eq(t.cfg.port, 1);
    done(&t);
    EXPECT_OK(t, "--port=2");
    cr_expect_eq(t.cfg.port, 2);
    done(&t);
    EXPECT_OK(t, "-port", "3");
    cr_expect_eq(t.cfg.port, 3);
    done(&t);
    EXPECT_OK(t, "--port", "4");
    cr_expect_eq(t.cfg.port, 4);
    done(&t);
    /* The last occurrence wins; a value may contain '='; an empty string value is a value. */
    EXPECT_OK(t, "-port=5", "-port", "6", "-docker=unix:///a=b", "-listen_ip=", "-storage_duration", "1m");
    cr_expect_eq(t.cfg.port, 6);
    cr_expect_str_eq(t.cfg.docker, "unix:///a=b");
    cr_expect_str_eq(t.cfg.listen_ip, "");
    cr_expect_eq(t.cfg.storage_duration_ns, 60 * NS_S);
    done(&t);
    /* A non-boolean flag takes the next argument even when it looks like a flag (Go does). */
    EXPECT_OK(t, "-listen_ip", "-port=9");
    cr_expect_str_eq(t.cfg.listen_ip, "-port=9");
    cr_expect_eq(t.cfg.port, 8080);
    done(&t);
    /* "--" ends the flags. */
    EXPECT_OK(t, "-port=7", "--");
    cr_expect_eq(t.cfg.port, 7);
    done(&t);
    EXPECT_OK(t, "-docker-tls", "-containerd-namespace=moby");
    cr_expect(t.cfg.docker_tls);
    cr_expect_str_eq(t.cfg.containerd_namespace, "moby");
    done(&t);
}

Test(config, syntax_errors)
{
    EXPECT_ERR("cadv: flag provided but not defined: -foo", "-foo");
    EXPECT_ERR("cadv: flag provided but not defined: -foo", "--foo=1");
    EXPECT_ERR("cadv: flag provided but not defined: -docker_tls", "-docker_tls");
    EXPECT_ERR("cadv: flag provided but not defined: -mesos_agent", "-mesos_agent=x");
    EXPECT_ERR("cadv: bad flag syntax: ---port=1", "---port=1");
    EXPECT_ERR("cadv: bad flag syntax: -=1", "-=1");
    EXPECT_ERR("cadv: flag needs an argument: -port", "-port");
    EXPECT_ERR("cadv: unexpected argument \"foo\"", "foo");
    EXPECT_ERR("cadv: unexpected argument \"-\"", "-port=1", "-");
    EXPECT_ERR("cadv: unexpected argument \"-port=1\"", "--", "-port=1");
    EXPECT_ERR("cadv: unexpected argument \"x\"", "-port=1", "x", "-port=2");
    /* The classic trap: a boolean never takes the next argument. */
    EXPECT_ERR("cadv: unexpected argument \"false\" (a boolean flag takes no separate value: write "
               "-docker_only=false)",
               "-docker_only", "false");
    /* Parsing stops at the first error. */
    EXPECT_ERR("cadv: flag provided but not defined: -bogus", "-bogus", "-help");
}

Test(config, help)
{
    static const char *const forms[] = {"-h", "-help", "--help", "--h", "-help=false"};

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct run t;
        char *argv[] = {"cadv", "-port=1", (char *)(uintptr_t)forms[i], "-bogus", "extra"};

        run_args(&t, 5, argv);
        cr_expect_eq(t.r, 0, "%s", forms[i]);
        cr_expect(t.cfg.help, "%s", forms[i]);
        cr_expect_eq(t.cfg.port, 1);
        cr_expect_str_eq(t.err, "");
        done(&t);
    }
}

Test(config, booleans)
{
    static const struct {
        const char *arg;
        bool want;
    } cases[] = {
            {"-docker_only", true},        {"--docker_only", true},    {"-docker_only=true", true},
            {"-docker_only=1", true},      {"-docker_only=t", true},   {"-docker_only=TRUE", true},
            {"-docker_only=True", true},   {"-docker_only=T", true},   {"-docker_only=false", false},
            {"-docker_only=0", false},     {"-docker_only=f", false},  {"-docker_only=FALSE", false},
            {"-docker_only=False", false}, {"--docker_only=F", false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run t;
        /* Start from the opposite value to see the flag act. */
        char *argv[] = {"cadv", cases[i].want ? "-docker_only=false" : "-docker_only=true",
                        (char *)(uintptr_t)cases[i].arg};

        run_args(&t, 3, argv);
        cr_expect_eq(t.r, 0, "%s", cases[i].arg);
        cr_expect_eq(t.cfg.docker_only, cases[i].want, "%s", cases[i].arg);
        done(&t);
    }
    EXPECT_ERR("cadv: invalid boolean value \"yes\" for -docker_only: parse error", "-docker_only=yes");
    EXPECT_ERR("cadv: invalid boolean value \"\" for -version: parse error", "-version=");
    {
        struct run t;

        EXPECT_OK(t, "-store_container_labels=false", "-allow_dynamic_housekeeping=0", "-version",
                  "-prometheus_timestamps=false", "-disable_root_cgroup_stats");
        cr_expect_not(t.cfg.store_container_labels);
        cr_expect_not(t.cfg.allow_dynamic_housekeeping);
        cr_expect(t.cfg.version);
        cr_expect_not(t.cfg.prometheus_timestamps);
        cr_expect(t.cfg.disable_root_cgroup_stats);
        done(&t);
    }
}

Test(config, go_ints)
{
    static const struct {
        const char *arg;
        int want;
    } cases[] = {
            {"-port=0x1f90", 8080}, {"-port=0X1F90", 8080}, {"-port=017", 15}, {"-port=0o17", 15},
            {"-port=0b101", 5},     {"-port=1_000", 1000},  {"-port=0_7", 7},  {"-port=+42", 42},
            {"-port=0", 0},         {"-port=65535", 65535}, {"-port=00", 0},   {"-port=0x_1F", 31},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run t;
        char *argv[] = {"cadv", (char *)(uintptr_t)cases[i].arg};

        run_args(&t, 2, argv);
        cr_expect_eq(t.r, 0, "%s: %s", cases[i].arg, t.err);
        cr_expect_eq(t.cfg.port, cases[i].want, "%s", cases[i].arg);
        done(&t);
    }
    EXPECT_ERR("cadv: invalid value \"abc\" for flag -port: parse error", "-port=abc");
    EXPECT_ERR("cadv: invalid value \"\" for flag -port: parse error", "-port=");
    EXPECT_ERR("cadv: invalid value \"08\" for flag -port: parse error", "-port=08");
    EXPECT_ERR("cadv: invalid value \"0x\" for flag -port: parse error", "-port=0x");
    EXPECT_ERR("cadv: invalid value \"_1\" for flag -port: parse error", "-port=_1");
    EXPECT_ERR("cadv: invalid value \"1__0\" for flag -port: parse error", "-port=1__0");
    EXPECT_ERR("cadv: invalid value \"10_\" for flag -port: parse error", "-port=10_");
    EXPECT_ERR("cadv: invalid value \" 80\" for flag -port: parse error", "-port= 80");
    EXPECT_ERR("cadv: invalid value \"8080.0\" for flag -port: parse error", "-port=8080.0");
    EXPECT_ERR("cadv: invalid value \"99999999999999999999\" for flag -port: value out of range",
               "-port=99999999999999999999");
    EXPECT_ERR("cadv: invalid value \"65536\" for flag -port: out of range 0..65535", "-port=65536");
    EXPECT_ERR("cadv: invalid value \"-5\" for flag -port: out of range 0..65535", "-port", "-5");
    EXPECT_ERR("cadv: invalid value \"-1\" for flag -fd_budget: must not be negative", "-fd_budget=-1");
    /* Unsigned flags take no sign. */
    EXPECT_ERR("cadv: invalid value \"-1\" for flag -referenced_reset_interval: parse error",
               "-referenced_reset_interval=-1");
    EXPECT_ERR("cadv: invalid value \"+1\" for flag -log_file_max_size: parse error",
               "-log_file_max_size=+1");
    {
        struct run t;

        RUN(t, "-fd_budget=4096", "-referenced_reset_interval=0xff",
            "-log_file_max_size=18446744073709551615");
        cr_expect_eq(t.r, 0);
        cr_expect_eq(t.cfg.fd_budget, 4096);
        cr_expect_eq(t.cfg.referenced_reset_interval, 255);
        cr_expect_eq(t.cfg.log_file_max_size, UINT64_MAX);
        done(&t);
    }
}

Test(config, go_floats)
{
    static const struct {
        const char *arg;
        double want;
    } cases[] = {
            {"0.5", 0.5},
            {"1e-1", 0.1},
            {".25", 0.25},
            {"2.", 2.0},
            {"0x1p-2", 0.25},
            {"0x1.8P1", 3.0},
            {"1_0.5", 10.5},
            {"+3", 3.0},
            {"1E1", 10.0},
            {"-1", 1.0} /* <= 0 means 1.0 */,
            {"0", 1.0},
            {"100", 100.0},
            {"-1e300", 1.0} /* any negative: 1.0 */,
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run t;
        char *argv[] = {"cadv", "-jitter_factor", (char *)(uintptr_t)cases[i].arg};

        run_args(&t, 3, argv);
        cr_expect_eq(t.r, 0, "%s: %s", cases[i].arg, t.err);
        cr_expect_float_eq(t.cfg.jitter_factor, cases[i].want, 1e-12, "%s", cases[i].arg);
        done(&t);
    }
    EXPECT_ERR("cadv: invalid value \"abc\" for flag -jitter_factor: parse error", "-jitter_factor=abc");
    EXPECT_ERR("cadv: invalid value \"0x1.8\" for flag -jitter_factor: parse error", "-jitter_factor=0x1.8");
    EXPECT_ERR("cadv: invalid value \"1e\" for flag -jitter_factor: parse error", "-jitter_factor=1e");
    EXPECT_ERR("cadv: invalid value \"1__0\" for flag -jitter_factor: parse error", "-jitter_factor=1__0");
    EXPECT_ERR("cadv: invalid value \".\" for flag -jitter_factor: parse error", "-jitter_factor=.");
    EXPECT_ERR("cadv: invalid value \"0.5 \" for flag -jitter_factor: parse error", "-jitter_factor=0.5 ");
    EXPECT_ERR("cadv: invalid value \"1e999\" for flag -jitter_factor: value out of range",
               "-jitter_factor=1e999");
    EXPECT_ERR("cadv: invalid value \"Inf\" for flag -initial_splay_factor: must be a finite number",
               "-initial_splay_factor=Inf");
    EXPECT_ERR("cadv: invalid value \"NaN\" for flag -initial_splay_factor: must be a finite number",
               "-initial_splay_factor=NaN");
    /* Finite but huge factors reached an undefined float->uint64 cast in the scheduler. */
    EXPECT_ERR("cadv: invalid value \"1e300\" for flag -jitter_factor: must be at most 100",
               "-jitter_factor=1e300");
    EXPECT_ERR("cadv: invalid value \"100.5\" for flag -initial_splay_factor: must be at most 100",
               "-initial_splay_factor=100.5");
    EXPECT_ERR("cadv: invalid value \"+nan\" for flag -initial_splay_factor: parse error",
               "-initial_splay_factor=+nan");
}

Test(config, durations)
{
    struct run t;

    EXPECT_OK(t, "-housekeeping_interval=10s", "-max_housekeeping_interval", "1m30s",
              "-global_housekeeping_interval=1.5h", "-update_machine_info_interval=1300ms",
              "-storage_duration=2m0s", "-crio_client_timeout=0");
    cr_expect_eq(t.cfg.housekeeping_interval_ns, 10 * NS_S);
    cr_expect_eq(t.cfg.max_housekeeping_interval_ns, 90 * NS_S);
    cr_expect_eq(t.cfg.global_housekeeping_interval_ns, 5400 * NS_S);
    cr_expect_eq(t.cfg.update_machine_info_interval_ns, 1300000000LL);
    cr_expect_eq(t.cfg.storage_duration_ns, 120 * NS_S);
    cr_expect_eq(t.cfg.crio_client_timeout_ns, 0);
    done(&t);
    /* Exact, as Go's integer arithmetic: fractions that floating point would round down. */
    EXPECT_OK(t, "-storage_duration=1.268\xc2\xb5s", "-housekeeping_interval=1.310078379s",
              "-max_housekeeping_interval=12.585361ms", "-global_housekeeping_interval=1.5s",
              "-update_machine_info_interval=5.s");
    cr_expect_eq(t.cfg.storage_duration_ns, 1268);
    cr_expect_eq(t.cfg.housekeeping_interval_ns, 1310078379LL);
    cr_expect_eq(t.cfg.max_housekeeping_interval_ns, 12585361LL);
    cr_expect_eq(t.cfg.global_housekeeping_interval_ns, 3 * S_HALF);
    cr_expect_eq(t.cfg.update_machine_info_interval_ns, 5 * NS_S);
    done(&t);
    /* The floors themselves are allowed. */
    EXPECT_OK(t, "-housekeeping_interval=.01s", "-max_housekeeping_interval=10ms",
              "-global_housekeeping_interval=1s", "-update_machine_info_interval=1s");
    cr_expect_eq(t.cfg.housekeeping_interval_ns, 10000000LL);
    cr_expect_eq(t.cfg.update_machine_info_interval_ns, NS_S);
    done(&t);
    RUN(t, "-storage_driver_buffer_duration=1us", "-resctrl_interval=-1h");
    cr_expect_eq(t.r, 0);
    cr_expect_eq(t.cfg.storage_driver_buffer_duration_ns, 1000);
    cr_expect_eq(t.cfg.resctrl_interval_ns, -3600 * NS_S);
    done(&t);
    EXPECT_ERR("cadv: invalid value \"10\" for flag -housekeeping_interval: parse error",
               "-housekeeping_interval=10");
    EXPECT_ERR("cadv: invalid value \"abc\" for flag -storage_duration: parse error",
               "-storage_duration=abc");
    /* Interval floors: -update_machine_info_interval=1ns spun at 145% CPU. */
    EXPECT_ERR("cadv: invalid value \"0s\" for flag -housekeeping_interval: must be at least 10ms",
               "-housekeeping_interval=0s");
    EXPECT_ERR("cadv: invalid value \"9.999ms\" for flag -housekeeping_interval: must be at least 10ms",
               "-housekeeping_interval=9.999ms");
    EXPECT_ERR("cadv: invalid value \"-1s\" for flag -max_housekeeping_interval: must be at least 10ms",
               "-max_housekeeping_interval=-1s");
    EXPECT_ERR("cadv: invalid value \"0\" for flag -storage_duration: must be positive",
               "-storage_duration=0");
    EXPECT_ERR("cadv: invalid value \"0\" for flag -global_housekeeping_interval: must be at least 1s",
               "-global_housekeeping_interval=0");
    EXPECT_ERR("cadv: invalid value \"1ns\" for flag -update_machine_info_interval: must be at least 1s",
               "-update_machine_info_interval=1ns");
    EXPECT_ERR("cadv: invalid value \"999ms\" for flag -global_housekeeping_interval: must be at least 1s",
               "-global_housekeeping_interval=999ms");
    EXPECT_ERR("cadv: invalid value \"-1s\" for flag -crio_client_timeout: must not be negative",
               "-crio_client_timeout=-1s");
    EXPECT_ERR("cadv: invalid value \"9999999999h\" for flag -storage_duration: parse error",
               "-storage_duration=9999999999h");
}

Test(config, strings_and_lists)
{
    struct run t;

    EXPECT_OK(t, "-listen_ip=127.0.0.1", "-url_base_prefix=/cadvisor/", "-prometheus_endpoint=/prom",
              "-raw_cgroup_prefix_whitelist=/system.slice,/user.slice,", "-env_metadata_whitelist=PATH,HOME",
              "-whitelisted_container_labels= io.k8s.name , app,", "-machine_id_file=/a,/b",
              "-cgroup_root=/x", "-proc_root=/p", "-sys_root=/s", "-rootfs=/rootfs", "-port_file=/tmp/p",
              "-metrics_include=^/docker/", "-metrics_exclude=(a|b)$");
    cr_expect_str_eq(t.cfg.listen_ip, "127.0.0.1");
    cr_expect_str_eq(t.cfg.url_base_prefix, "/cadvisor");
    cr_expect_str_eq(t.cfg.prometheus_endpoint, "/prom");
    cr_assert_eq(list_len(t.cfg.raw_cgroup_prefix_whitelist), 3);
    cr_expect_str_eq(t.cfg.raw_cgroup_prefix_whitelist[0], "/system.slice");
    cr_expect_str_eq(t.cfg.raw_cgroup_prefix_whitelist[1], "/user.slice");
    cr_expect_str_eq(t.cfg.raw_cgroup_prefix_whitelist[2], "");
    cr_assert_eq(list_len(t.cfg.env_metadata_whitelist), 2);
    cr_expect_str_eq(t.cfg.env_metadata_whitelist[1], "HOME");
    cr_assert_eq(list_len(t.cfg.whitelisted_container_labels), 3);
    cr_expect_str_eq(t.cfg.whitelisted_container_labels[0], "io.k8s.name");
    cr_expect_str_eq(t.cfg.whitelisted_container_labels[1], "app");
    cr_expect_str_eq(t.cfg.whitelisted_container_labels[2], "");
    cr_expect_str_eq(t.cfg.machine_id_file, "/a,/b");
    cr_expect_str_eq(t.cfg.cgroup_root, "/x");
    cr_expect_str_eq(t.cfg.proc_root, "/p");
    cr_expect_str_eq(t.cfg.sys_root, "/s");
    cr_expect_str_eq(t.cfg.rootfs, "/rootfs");
    cr_expect_str_eq(t.cfg.port_file, "/tmp/p");
    cr_expect_str_eq(t.cfg.metrics_include, "^/docker/");
    cr_expect_str_eq(t.cfg.metrics_exclude, "(a|b)$");
    done(&t);
    EXPECT_OK(t, "-url_base_prefix=/", "-raw_cgroup_prefix_whitelist=a", "-raw_cgroup_prefix_whitelist=");
    cr_expect_str_eq(t.cfg.url_base_prefix, "");
    cr_assert_eq(list_len(t.cfg.raw_cgroup_prefix_whitelist), 1);
    cr_expect_str_eq(t.cfg.raw_cgroup_prefix_whitelist[0], "");
    done(&t);
    EXPECT_ERR("cadv: invalid value \"metrics\" for flag -prometheus_endpoint: must start with \"/\"",
               "-prometheus_endpoint=metrics");
    EXPECT_ERR("cadv: invalid value \"\" for flag -prometheus_endpoint: must start with \"/\"",
               "-prometheus_endpoint=");
    {
        struct run t2;

        RUN(t2, "-metrics_include=(");
        cr_expect_eq(t2.r, -EINVAL);
        cr_expect(strncmp(t2.err,
                          "cadv: invalid value \"(\" for flag -metrics_include: bad regular expression: ",
                          75) == 0,
                  "%s", t2.err);
        cr_expect_eq(strchr(t2.err, '\n') - t2.err + 1, (long)strlen(t2.err), "one line");
        done(&t2);
    }
    /* Quoting of odd bytes in messages, as Go's %q. */
    EXPECT_ERR("cadv: invalid value \"a\\\"b\\n\" for flag -port: parse error", "-port=a\"b\n");
}

Test(config, metric_kinds)
{
    struct run t;

    EXPECT_OK(t, "-enable_metrics=cpu,memory");
    cr_expect_eq(t.cfg.metric_kinds, CADV_KIND_CPU | CADV_KIND_MEMORY);
    done(&t);
    /* -enable_metrics overrides -disable_metrics whatever their order. */
    EXPECT_OK(t, "-enable_metrics=network", "-disable_metrics=network");
    cr_expect_eq(t.cfg.metric_kinds, CADV_KIND_NETWORK);
    done(&t);
    EXPECT_OK(t, "-disable_metrics=");
    cr_expect_eq(t.cfg.metric_kinds, CADV_KIND_ALL);
    done(&t);
    EXPECT_OK(t, "-disable_metrics=cpu,percpu");
    cr_expect_eq(t.cfg.metric_kinds, CADV_KIND_ALL & ~(CADV_KIND_CPU | CADV_KIND_PERCPU));
    done(&t);
    /* Each use replaces the set. */
    EXPECT_OK(t, "-disable_metrics=cpu", "-disable_metrics=memory");
    cr_expect_eq(t.cfg.metric_kinds, CADV_KIND_ALL & ~CADV_KIND_MEMORY);
    done(&t);
    EXPECT_OK(t, "-enable_metrics=cpu", "-enable_metrics=");
    cr_expect_eq(t.cfg.metric_kinds, CADV_KIND_DEFAULT);
    done(&t);
    EXPECT_OK(t, "-enable_metrics=cpu", "-enable_metrics=", "-disable_metrics=tcp");
    cr_expect_eq(t.cfg.metric_kinds, CADV_KIND_ALL & ~CADV_KIND_TCP);
    done(&t);
    EXPECT_OK(t, "-enable_metrics", "cpuLoad,oom_event,pressure,referenced_memory");
    cr_expect_eq(t.cfg.metric_kinds,
                 CADV_KIND_CPU_LOAD | CADV_KIND_OOM_EVENT | CADV_KIND_PRESSURE | CADV_KIND_REFERENCED_MEMORY);
    done(&t);
    EXPECT_ERR("cadv: invalid value \"cpu,bogus\" for flag -disable_metrics: unsupported metric \"bogus\" "
               "specified",
               "-disable_metrics=cpu,bogus");
    EXPECT_ERR("cadv: invalid value \"CPU\" for flag -enable_metrics: unsupported metric \"CPU\" specified",
               "-enable_metrics=CPU");
    EXPECT_ERR("cadv: invalid value \"cpu,\" for flag -enable_metrics: unsupported metric \"\" specified",
               "-enable_metrics=cpu,");
    EXPECT_ERR("cadv: invalid value \",cpu\" for flag -enable_metrics: unsupported metric \"\" specified",
               "-enable_metrics=,cpu");
    EXPECT_ERR("cadv: invalid value \"cpu,,memory\" for flag -disable_metrics: unsupported metric \"\" "
               "specified",
               "-disable_metrics=cpu,,memory");
    /* accelerator: cAdvisor <= v0.46's NVIDIA GPU kind, collected again (collect/nvml.h). */
    RUN(t, "-disable_metrics=accelerator,tcp");
    cr_expect_eq(t.r, 0);
    cr_expect_str_eq(t.err, "");
    cr_expect_eq(t.cfg.metric_kinds, CADV_KIND_ALL & ~(CADV_KIND_TCP | CADV_KIND_ACCELERATOR));
    done(&t);
}

Test(config, klog_flags)
{
    struct run t;

    EXPECT_OK(t, "-v=4");
    cr_expect_eq(t.cfg.verbosity, 4);
    done(&t);
    EXPECT_OK(t, "-v", "0", "-logtostderr", "-logtostderr=true", "-alsologtostderr", "-log_cadvisor_usage");
    cr_expect_eq(t.cfg.verbosity, 0);
    done(&t);
    EXPECT_ERR("cadv: invalid value \"abc\" for flag -v: strconv.ParseInt: parsing \"abc\": invalid syntax",
               "-v=abc");
    EXPECT_ERR("cadv: invalid value \"0x4\" for flag -v: strconv.ParseInt: parsing \"0x4\": invalid syntax",
               "-v=0x4");
    EXPECT_ERR(
            "cadv: invalid value \"4294967296\" for flag -v: strconv.ParseInt: parsing \"4294967296\": value "
            "out of range",
            "-v=4294967296");
    RUN(t, "-stderrthreshold=warning", "-vmodule=foo=2,bar*=3,", "-log_backtrace_at=main.go:10",
        "-log_dir=/var/log", "-log_file=x", "-log_file_max_size=10", "-add_dir_header", "-skip_headers",
        "-skip_log_headers", "-one_output");
    cr_expect_eq(t.r, 0, "%s", t.err);
    cr_expect_eq(t.cfg.stderrthreshold, 1);
    cr_expect_str_eq(t.cfg.vmodule, "foo=2,bar*=3,");
    cr_expect_str_eq(t.cfg.log_backtrace_at, "main.go:10");
    done(&t);
    RUN(t, "-stderrthreshold=FATAL");
    cr_expect_eq(t.cfg.stderrthreshold, 3);
    done(&t);
    RUN(t, "-stderrthreshold=0");
    cr_expect_eq(t.cfg.stderrthreshold, 0);
    done(&t);
    EXPECT_ERR("cadv: invalid value \"loud\" for flag -stderrthreshold: strconv.ParseInt: parsing \"loud\": "
               "invalid syntax",
               "-stderrthreshold=loud");
    EXPECT_ERR("cadv: invalid value \"foo\" for flag -vmodule: syntax error: expect comma-separated list of "
               "filename=N",
               "-vmodule=foo");
    EXPECT_ERR(
            "cadv: invalid value \"foo=1=2\" for flag -vmodule: syntax error: expect comma-separated list of "
            "filename=N",
            "-vmodule=foo=1=2");
    EXPECT_ERR("cadv: invalid value \"foo=-1\" for flag -vmodule: negative value for vmodule level",
               "-vmodule=foo=-1");
    EXPECT_ERR("cadv: invalid value \"main:10\" for flag -log_backtrace_at: syntax error: expect file.go:234",
               "-log_backtrace_at=main:10");
    EXPECT_ERR(
            "cadv: invalid value \"main.go:0\" for flag -log_backtrace_at: negative or zero value for level",
            "-log_backtrace_at=main.go:0");
}

static size_t count_lines(const char *s, const char *needle)
{
    size_t n = 0;

    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

Test(config, not_implemented_warn_once)
{
    struct run t;

    RUN(t, "-profiling", "-profiling=false", "-bq_id=abc", "-storage_driver_es_enable_sniffer",
        "-max_procs=4", "-logtostderr=false", "-docker_env_metadata_whitelist=PATH", "-port=1");
    cr_assert_eq(t.r, 0, "%s", t.err);
    cr_expect_eq(count_lines(t.err, "\n"), 6, "%s", t.err);
    cr_expect_eq(count_lines(t.err, "cadv: flag -profiling is accepted for compatibility but not implemented "
                                    "yet; ignoring\n"),
                 1);
    cr_expect(strstr(t.err, "cadv: flag -bq_id is accepted for compatibility but not implemented yet; "
                            "ignoring\n"));
    cr_expect(strstr(t.err, "cadv: flag -storage_driver_es_enable_sniffer is accepted"));
    cr_expect(strstr(t.err, "cadv: flag -max_procs is accepted"));
    cr_expect(strstr(t.err, "cadv: flag -logtostderr is accepted"));
    cr_expect(strstr(t.err,
                     "cadv: flag -docker_env_metadata_whitelist is deprecated, use -env_metadata_whitelist "
                     "(its prefixes are added to it)\n"));
    /* Values are still parsed and kept for the modules that will implement them. */
    cr_expect_str_eq(t.cfg.bq_id, "abc");
    cr_expect(t.cfg.storage_driver_es_enable_sniffer);
    cr_expect_eq(t.cfg.max_procs, 4);
    cr_expect_not(t.cfg.profiling);
    cr_expect_eq(t.cfg.port, 1);
    done(&t);
    /* Bad values of unimplemented flags fail as in cAdvisor. */
    EXPECT_ERR("cadv: invalid value \"abc\" for flag -max_procs: parse error", "-max_procs=abc");
    EXPECT_ERR("cadv: invalid value \"x\" for flag -resctrl_interval: parse error", "-resctrl_interval=x");
    EXPECT_ERR("cadv: invalid boolean value \"x\" for -enable_load_reader: parse error",
               "-enable_load_reader=x");
}

/* Every flag of cAdvisor (docs/compatibility.md#flags) is accepted. */
Test(config, every_cadvisor_flag_is_accepted)
{
    static const char *const flags[] = {
            "-listen_ip=",
            "-port=8080",
            "-url_base_prefix=",
            "-prometheus_endpoint=/metrics",
            "-profiling=false",
            "-http_auth_file=",
            "-http_auth_realm=localhost",
            "-http_digest_file=",
            "-http_digest_realm=localhost",
            "-version=false",
            "-max_procs=0",
            "-storage_duration=2m0s",
            "-storage_driver=",
            "-storage_driver_user=root",
            "-storage_driver_password=root",
            "-storage_driver_host=localhost:8086",
            "-storage_driver_db=cadvisor",
            "-storage_driver_table=stats",
            "-storage_driver_secure=false",
            "-storage_driver_buffer_duration=1m0s",
            "-storage_driver_influxdb_retention_policy=",
            "-storage_driver_es_host=http://localhost:9200",
            "-storage_driver_es_index=cadvisor",
            "-storage_driver_es_type=stats",
            "-storage_driver_es_enable_sniffer=false",
            "-storage_driver_kafka_broker_list=localhost:9092",
            "-storage_driver_kafka_topic=stats",
            "-storage_driver_kafka_ssl_cert=",
            "-storage_driver_kafka_ssl_key=",
            "-storage_driver_kafka_ssl_ca=",
            "-storage_driver_kafka_ssl_verify=true",
            "-bq_id=",
            "-bq_secret=notasecret",
            "-bq_project_id=",
            "-bq_account=",
            "-bq_credentials_file=",
            "-housekeeping_interval=1s",
            "-max_housekeeping_interval=1m0s",
            "-allow_dynamic_housekeeping=true",
            "-initial_splay_factor=1",
            "-jitter_factor=1",
            "-global_housekeeping_interval=1m0s",
            "-update_machine_info_interval=5m0s",
            "-enable_load_reader=false",
            "-log_cadvisor_usage=false",
            "-event_storage_age_limit=default=24h",
            "-event_storage_event_limit=default=100000",
            "-application_metrics_count_limit=100",
            "-collector_cert=",
            "-collector_key=",
            "-docker=unix:///var/run/docker.sock",
            "-docker-tls=false",
            "-docker-tls-cert=cert.pem",
            "-docker-tls-key=key.pem",
            "-docker-tls-ca=ca.pem",
            "-docker_root=/var/lib/docker",
            "-docker_env_metadata_whitelist=",
            "-docker_only=false",
            "-raw_cgroup_prefix_whitelist=",
            "-disable_root_cgroup_stats=false",
            "-containerd=/run/containerd/containerd.sock",
            "-containerd-namespace=k8s.io",
            "-containerd_env_metadata_whitelist=",
            "-crio_client_timeout=0s",
            "-podman=unix:///var/run/podman/podman.sock",
            "-env_metadata_whitelist=",
            "-container_hints=/etc/cadvisor/container_hints.json",
            "-disable_metrics=advtcp,cpu_topology,cpuset,hugetlb,memory_numa,process,referenced_memory,"
            "resctrl,"
            "sched,tcp,udp",
            "-enable_metrics=",
            "-store_container_labels=true",
            "-whitelisted_container_labels=",
            "-perf_events_config=",
            "-resctrl_interval=0s",
            "-referenced_reset_interval=0",
            "-machine_id_file=/etc/machine-id,/var/lib/dbus/machine-id",
            "-boot_id_file=/proc/sys/kernel/random/boot_id",
            "-v=2",
            "-vmodule=",
            "-logtostderr=true",
            "-alsologtostderr=false",
            "-stderrthreshold=2",
            "-log_dir=",
            "-log_file=",
            "-log_file_max_size=1800",
            "-log_backtrace_at=",
            "-add_dir_header=false",
            "-skip_headers=false",
            "-skip_log_headers=false",
            "-one_output=false",
    };
    struct cadv_config def;

    cadv_config_init(&def);
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        struct run t;
        char *argv[] = {"cadv", (char *)(uintptr_t)flags[i]};

        run_args(&t, 2, argv);
        cr_expect_eq(t.r, 0, "%s: %s", flags[i], t.err);
        /* Giving a flag its default changes nothing. */
        cr_expect_eq(t.cfg.metric_kinds, def.metric_kinds, "%s", flags[i]);
        cr_expect_eq(t.cfg.port, def.port, "%s", flags[i]);
        cr_expect_eq(t.cfg.storage_duration_ns, def.storage_duration_ns, "%s", flags[i]);
        cr_expect_eq(t.cfg.verbosity, def.verbosity, "%s", flags[i]);
        done(&t);
    }
    cadv_config_done(&def);
}

Test(config, usage_is_go_style_and_complete)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);

    cadv_config_usage(f);
    fclose(f);
    cr_expect(strncmp(out, "Usage of cadv:\n", 15) == 0);
    cr_expect(strstr(out, "\n  -port int\n    \tport to listen (default 8080)\n"), "%s", out);
    cr_expect(strstr(out, "\n  -prometheus_endpoint string\n    \tEndpoint to expose Prometheus metrics on "
                          "(default \"/metrics\")\n"));
    cr_expect(strstr(out,
                     "\n  -storage_duration duration\n    \tHow long to keep data stored (Default: 2min). "
                     "(default 2m0s)\n"));
    cr_expect(
            strstr(out, "\n  -docker_only\n    \tOnly report docker containers in addition to root stats\n"));
    cr_expect(strstr(out, "\n  -v value\n    \tnumber for the log level verbosity (default 2)\n"));
    /* A `word` in the help names the type (flag.UnquoteUsage). */
    cr_expect(strstr(out,
                     "\n  -disable_metrics metrics\n    \tcomma-separated list of metrics to be disabled."));
    cr_expect(strstr(out, "(default advtcp,cpu_topology,cpuset,hugetlb,memory_numa,process,referenced_memory,"
                          "resctrl,sched,tcp,udp)\n"));
    cr_expect(strstr(out, "\n  -profiling\n    \tEnable profiling via web interface host:port/debug/pprof/ "
                          "[not implemented by cadv yet]\n"));
    cr_expect(strstr(out, "\n  -jitter_factor float\n"));
    cr_expect(strstr(out, "\n  -log_file_max_size uint\n"));
    /* Zero defaults are not shown; flags are sorted by name. */
    cr_expect(strstr(out, "\n  -listen_ip string\n    \tIP to listen on, defaults to all IPs\n"));
    cr_expect_lt(strstr(out, "-allow_dynamic_housekeeping"), strstr(out, "-docker "));
    cr_expect_lt(strstr(out, "-docker\n") ? strstr(out, "-docker\n") : strstr(out, "-docker "),
                 strstr(out, "-docker-tls"));
    cr_expect_lt(strstr(out, "-docker-tls"), strstr(out, "-docker_only"));
    cr_expect_lt(strstr(out, "-storage_duration"), strstr(out, "-version"));
    free(out);
}

/* The deprecated per-runtime env whitelists are aliases: their prefixes join -env_metadata_whitelist
 * (issue 8: users of cAdvisor's docs pass -docker_env_metadata_whitelist and lost spec.envs). */
Test(config, deprecated_env_whitelists_are_aliases)
{
    struct run t;

    RUN(t, "-docker_env_metadata_whitelist=CADV_,PATH", "-env_metadata_whitelist=HOME,PATH",
        "-containerd_env_metadata_whitelist=LANG,,CADV_");
    cr_assert_eq(t.r, 0, "%s", t.err);
    cr_assert_eq(list_len(t.cfg.env_metadata_whitelist), 4);
    cr_expect_str_eq(t.cfg.env_metadata_whitelist[0], "HOME");
    cr_expect_str_eq(t.cfg.env_metadata_whitelist[1], "PATH");
    cr_expect_str_eq(t.cfg.env_metadata_whitelist[2], "CADV_");
    cr_expect_str_eq(t.cfg.env_metadata_whitelist[3], "LANG");
    cr_expect_eq(count_lines(t.err, "\n"), 2, "%s", t.err);
    cr_expect(strstr(t.err, "cadv: flag -containerd_env_metadata_whitelist is deprecated, use "
                            "-env_metadata_whitelist (its prefixes are added to it)\n"));
    done(&t);

    /* alone: added to the default {""} */
    RUN(t, "-docker_env_metadata_whitelist=CADV_");
    cr_assert_eq(t.r, 0, "%s", t.err);
    cr_assert_eq(list_len(t.cfg.env_metadata_whitelist), 2);
    cr_expect_str_eq(t.cfg.env_metadata_whitelist[0], "");
    cr_expect_str_eq(t.cfg.env_metadata_whitelist[1], "CADV_");
    done(&t);
}
