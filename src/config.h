/* SPDX-License-Identifier: Apache-2.0 */
/* config.h - cadv's configuration: cAdvisor's flags (same names, syntax and defaults) plus cadv's
 * own. One option table in config.c drives parsing, validation, defaults and --help.
 *
 * Syntax is Go's flag package: -name=value, --name=value, -name value, bare booleans (-name; a
 * boolean never takes the next argument, write -name=false), "--" ends the flags. Numbers follow
 * Go's strconv (ints accept 0x/0o/0b prefixes, a leading 0 is octal, '_' separators), durations
 * Go's time.ParseDuration. Every flag of the cAdvisor binary (klog's included) is accepted; those
 * cadv does not implement yet are parsed and kept below, with one warning line each. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cadv_config {
    /* HTTP */
    char *listen_ip;                        /* "" = all addresses */
    int port;                               /* 8080; 0 = any free port (tests; see port_file) */
    char *port_file;                        /* cadv: write the bound port here once listening */
    char *url_base_prefix;                  /* "" or "/prefix" (no trailing slash) */
    char *prometheus_endpoint;              /* "/metrics" */
    bool prometheus_timestamps;             /* cadv: explicit ms timestamps on usage samples (default true) */
    char *metrics_include;                  /* cadv: POSIX ERE on cgroup path; "" = all */
    char *metrics_exclude;                  /* cadv: POSIX ERE on cgroup path; "" = none */
    char *http_auth_file, *http_auth_realm; /* htpasswd file ("" = none), Basic realm */
    char *http_digest_file, *http_digest_realm; /* htdigest file (used if no htpasswd), Digest realm */
    bool auth_api;                              /* cadv: auth also for the API, metrics, /validate/ */
    char *tls_cert_file, *tls_key_file;         /* cadv: HTTPS when both are set */

    /* Housekeeping */
    int64_t housekeeping_interval_ns;        /* 1s */
    int64_t max_housekeeping_interval_ns;    /* 60s */
    int64_t detail_housekeeping_interval_ns; /* cadv: 0 = housekeeping_interval (every figure every time) */
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
    char *docker; /* unix:///var/run/docker.sock */
    bool docker_tls;
    char *docker_tls_cert, *docker_tls_key, *docker_tls_ca;
    char *docker_root;
    char *containerd;           /* /run/containerd/containerd.sock */
    char *containerd_namespace; /* k8s.io */
    char *podman;               /* unix:///var/run/podman/podman.sock */
    int64_t crio_client_timeout_ns;
    char **env_metadata_whitelist; /* NULL-terminated prefixes; {""} by default (skip empty ones) */

    /* Metrics */
    uint32_t metric_kinds;    /* CADV_KIND_* after -enable_metrics/-disable_metrics */
    uint32_t enable_metrics;  /* the -enable_metrics set as given (0 = unset) */
    uint32_t disable_metrics; /* the -disable_metrics set as given */
    bool store_container_labels;
    char **whitelisted_container_labels; /* NULL-terminated, each trimmed; {""} by default */

    /* Machine identity */
    char *machine_id_file; /* comma list */
    char *boot_id_file;    /* comma list */

    /* Roots (cadv) */
    char *cgroup_root; /* /sys/fs/cgroup */
    char *proc_root;   /* /proc */
    char *sys_root;    /* /sys */
    char *rootfs;      /* "/" ; host root for /etc files (machine-id, os-release) */
    int fd_budget;     /* cadv: kept-open fds for cgroup files (default: derived from RLIMIT_NOFILE) */

    /* Logging */
    int verbosity;    /* -v, default 2 */
    bool logtostderr; /* klog; true (cadv always logs to stderr) */

    /* Events */
    char *event_storage_age_limit;   /* "default=24h" */
    char *event_storage_event_limit; /* "default=100000" */
    char *kmsg_path;                 /* cadv: the kernel log read for OOMs, "/dev/kmsg" */

    /* Actions */
    bool version;
    bool help; /* -h, -help or --help was given (parsing stopped there) */

    /* Accepted for compatibility, not implemented by cadv yet: parsed (so bad values fail as in
     * cAdvisor) and kept here for the modules that will implement them. */
    bool profiling;
    int max_procs;
    char *storage_driver; /* comma list */
    char *storage_driver_user, *storage_driver_password, *storage_driver_host, *storage_driver_db;
    char *storage_driver_table;
    bool storage_driver_secure;
    int64_t storage_driver_buffer_duration_ns;
    char *storage_driver_influxdb_retention_policy;
    char *storage_driver_es_host, *storage_driver_es_index, *storage_driver_es_type;
    bool storage_driver_es_enable_sniffer;
    bool storage_driver_es_typeless;       /* cadv: typeless bulk API */
    char *storage_driver_remote_write_url; /* cadv: Prometheus remote-write endpoint */
    int storage_driver_queue_size;         /* cadv: bounded queue per driver */
    char *storage_driver_kafka_broker_list, *storage_driver_kafka_topic;
    char *storage_driver_kafka_ssl_cert, *storage_driver_kafka_ssl_key, *storage_driver_kafka_ssl_ca;
    bool storage_driver_kafka_ssl_verify;
    char *bq_id, *bq_secret, *bq_project_id, *bq_account, *bq_credentials_file;
    bool enable_load_reader;
    bool log_cadvisor_usage; /* a no-op in cAdvisor too */
    int application_metrics_count_limit;
    char *collector_cert, *collector_key;
    char *container_hints;
    /* deprecated aliases, merged into env_metadata_whitelist when parsed (no effect in cAdvisor) */
    char *docker_env_metadata_whitelist, *containerd_env_metadata_whitelist;
    char *perf_events_config;
    char *collector; /* cadv: files, bpf or auto */
    int64_t resctrl_interval_ns;
    uint64_t referenced_reset_interval;
    /* klog */
    char *vmodule, *log_dir, *log_file, *log_backtrace_at;
    uint64_t log_file_max_size; /* MB */
    bool alsologtostderr, add_dir_header, skip_headers, skip_log_headers, one_output;
    int stderrthreshold; /* 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL */
};

/* Fills *cfg with the defaults. */
void cadv_config_init(struct cadv_config *cfg);
/* Frees every string and list of cfg. */
void cadv_config_done(struct cadv_config *cfg);
/* Parses argv[1..argc-1] (Go flag syntax, see above) into cfg (initialised with cadv_config_init),
 * validates and normalises it (url_base_prefix loses trailing slashes, metric_kinds is computed,
 * jitter factors <= 0 become 1.0 as cAdvisor's jitter() does). -h, -help or --help sets cfg->help
 * and stops parsing (Go's flag does the same) and returns 0. On error, writes one line to err and
 * returns -EINVAL (the caller exits with status 2); cfg may then be partly updated but is still
 * freed by cadv_config_done. Flags of cAdvisor that cadv does not implement are accepted with a
 * one-line warning each to err. */
int cadv_config_parse(struct cadv_config *cfg, int argc, char **argv, FILE *err);
/* Writes the usage text (every flag, its default and meaning; Go's PrintDefaults layout, sorted by
 * name) to out. */
void cadv_config_usage(FILE *out);
/* Writes the man page cadv(8) (troff, every flag of the table) to out; `cadv --help-man`. */
void cadv_config_man(FILE *out);
/* Writes the README's flag table (Markdown, every flag of the table) to out; `cadv --help-markdown`. */
void cadv_config_markdown(FILE *out);
/* cAdvisor's "not in the host namespace" layout: when host_root/proc exists (cadv runs in a container
 * with the host's / mounted at host_root, "/rootfs" in cAdvisor's documented command line), a
 * -proc_root and -rootfs left at their defaults become host_root/proc and host_root, so processes,
 * network namespaces, machine-id and os-release are the host's (-machine_id_file and -boot_id_file
 * are read under -rootfs and -proc_root). Returns 1 when a root was changed, else 0. */
int cadv_config_detect_rootfs(struct cadv_config *cfg, const char *host_root);
