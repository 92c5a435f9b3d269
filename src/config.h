/* SPDX-License-Identifier: Apache-2.0 */
/* config.h - cadv's configuration: cAdvisor's flags (same names, syntax and defaults) plus cadv's
 * own. One option table in config.c drives parsing, validation, --help and the config dump. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cadv_config {
    /* HTTP */
    char *listen_ip;           /* "" = all addresses */
    int port;                  /* 8080; 0 = any free port (tests; see port_file) */
    char *port_file;           /* cadv: write the bound port here once listening */
    char *url_base_prefix;     /* "" or "/prefix" (no trailing slash) */
    char *prometheus_endpoint; /* "/metrics" */
    bool prometheus_timestamps;/* cadv: explicit ms timestamps on usage samples (default true) */
    char *metrics_include;     /* cadv: regex on cgroup path; "" = all */
    char *metrics_exclude;     /* cadv: regex on cgroup path; "" = none */

    /* Housekeeping */
    int64_t housekeeping_interval_ns;        /* 1s */
    int64_t max_housekeeping_interval_ns;    /* 60s */
    bool allow_dynamic_housekeeping;         /* true */
    double initial_splay_factor;             /* 1.0 */
    double jitter_factor;                    /* 1.0 */
    int64_t global_housekeeping_interval_ns; /* 1m */
    int64_t update_machine_info_interval_ns; /* 5m */
    int64_t storage_duration_ns;             /* 2m */

    /* Containers */
    bool docker_only;
    char **raw_cgroup_prefix_whitelist; /* NULL-terminated; {""} by default */
    bool disable_root_cgroup_stats;
    char *docker;            /* unix:///var/run/docker.sock */
    bool docker_tls;
    char *docker_tls_cert, *docker_tls_key, *docker_tls_ca;
    char *docker_root;
    char *containerd;        /* /run/containerd/containerd.sock */
    char *containerd_namespace; /* k8s.io */
    char *podman;            /* unix:///var/run/podman/podman.sock */
    int64_t crio_client_timeout_ns;
    char **env_metadata_whitelist; /* NULL-terminated prefixes */

    /* Metrics */
    uint32_t metric_kinds;   /* CADV_KIND_* after -enable_metrics/-disable_metrics */
    bool store_container_labels;
    char **whitelisted_container_labels; /* NULL-terminated */

    /* Machine identity */
    char *machine_id_file;   /* comma list */
    char *boot_id_file;      /* comma list */

    /* Roots (cadv) */
    char *cgroup_root;       /* /sys/fs/cgroup */
    char *proc_root;         /* /proc */
    char *sys_root;          /* /sys */
    char *rootfs;            /* "/" ; host root for /etc files (machine-id, os-release) */
    int fd_budget;           /* cadv: kept-open fds for cgroup files (default: derived from RLIMIT_NOFILE) */

    /* Logging */
    int verbosity;           /* -v, default 2 */

    /* Events */
    char *event_storage_age_limit;   /* "default=24h" */
    char *event_storage_event_limit; /* "default=100000" */

    /* Actions */
    bool version;
    bool help;
};

/* Fills *cfg with the defaults. */
void cadv_config_init(struct cadv_config *cfg);
/* Frees every string and list of cfg. */
void cadv_config_done(struct cadv_config *cfg);
/* Parses argv (Go flag syntax: -name=value, --name=value, -name value, bare booleans). On error,
 * writes one line to err and returns -EINVAL (the caller exits with status 2). Flags of cAdvisor
 * that cadv does not implement are accepted with a one-line warning to err. */
int cadv_config_parse(struct cadv_config *cfg, int argc, char **argv, FILE *err);
/* Writes the usage text (every flag, its default and meaning) to out. */
void cadv_config_usage(FILE *out);
