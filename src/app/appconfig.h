/* SPDX-License-Identifier: Apache-2.0 */
/* appconfig.h - cAdvisor's application metrics collector configs (collector/config.go): the JSON a
 * container names in a label io.cadvisor.metric.<name> (docs/compatibility.md#application-metrics).
 *
 *   generic:    {"endpoint": E, "metrics_config": [{"name", "metric_type", "units", "data_type",
 *                "polling_frequency", "regex"}, ...]}
 *   prometheus: {"endpoint": E, "polling_frequency": N, "metrics_config": ["name", ...]}
 *   E:          "http://host:port/path", or {"protocol": "http", "port": 8000, "path": "/x"}
 *               (defaults as shown; the host is the container's address)
 *
 * Keys match case-insensitively and unknown keys are ignored, as Go's encoding/json does;
 * polling_frequency is a Go time.Duration (an integer of nanoseconds), clamped to at least 1 s. The
 * parse is bounded: CADV_APPCONFIG_MAX_BYTES of input, at most count_limit metrics, names and
 * regexes of bounded length. Regexes are POSIX extended ones with Go's \d \s \w classes
 * translated (docs/differences.md). */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CADV_APPCONFIG_MAX_BYTES   (64 * 1024)
#define CADV_APPCONFIG_NAME_MAX    256 /* metric names, units, types */
#define CADV_APPCONFIG_REGEX_MAX   1024
#define CADV_APPCONFIG_URL_MAX     2048
#define CADV_APPCONFIG_MIN_POLL_NS 1000000000ull /* cAdvisor's minimum polling frequency, 1 s */

enum cadv_app_kind {
    CADV_APP_GENERIC,
    CADV_APP_PROMETHEUS,
};

/* One metric of a generic collector (cAdvisor's MetricConfig). */
struct cadv_app_metric {
    char *name;
    char *metric_type; /* "gauge" or "cumulative" (any string is kept, as cAdvisor does) */
    char *units;
    bool is_float; /* data_type "float" (else "int") */
    int64_t polling_frequency_ns;
    regex_t re; /* capture group 1 is the value */
};

struct cadv_app_config {
    enum cadv_app_kind kind;
    char *url;                       /* the endpoint given as a URL string, else NULL */
    char *protocol, *port, *path;    /* the endpoint given as an object (defaults "http", "8000", "") */
    uint64_t poll_ns;                /* the collector's polling period, >= CADV_APPCONFIG_MIN_POLL_NS */
    struct cadv_app_metric *metrics; /* generic */
    size_t n_metrics;
    char **names; /* prometheus: the metric names to keep (none: all) */
    size_t n_names;
};

/* The collector kind cAdvisor picks for a collector name: prometheus when it starts with
 * "prometheus" in any case, else generic. */
enum cadv_app_kind cadv_app_kind_of(const char *collector_name);

/* Parses a config of the given kind. On success *ret is the config (free with cadv_app_config_free).
 * Returns 0, -E2BIG (input over the cap), or -EINVAL, with a one-line reason in err. */
int cadv_app_config_parse(enum cadv_app_kind kind, const char *json, size_t len, int count_limit,
                          struct cadv_app_config **ret, char *err, size_t cap);
struct cadv_app_config *cadv_app_config_free(struct cadv_app_config *c);

/* The URL to scrape: the configured one, or protocol://host:port path with host the container's
 * address. Returns 0 or -ENAMETOOLONG. */
int cadv_app_config_url(const struct cadv_app_config *c, const char *host, char *out, size_t size);

/* True when name is a metric a prometheus collector keeps. */
bool cadv_app_config_keeps(const struct cadv_app_config *c, const char *name, size_t len);
