/* SPDX-License-Identifier: Apache-2.0 */
/* config.c - the option table (every flag of the cAdvisor binary, klog's included, plus cadv's own)
 * and the Go-flag-compatible parser, validation and usage text it drives.
 *
 * Compatibility notes (Go's flag package, go/src/flag/flag.go):
 * - "-name=value", "--name=value", "-name value"; a boolean is set by "-name" alone and never takes
 *   the next argument. "--" ends the flags; "-" alone and any other non-flag stop Go's parsing (and
 *   cAdvisor then ignores the rest): cadv treats them as an error so typos are not silently lost.
 * - "---x", "-=x" are "bad flag syntax"; an unknown name is "flag provided but not defined"; -h and
 *   -help (when not defined) stop parsing and ask for the usage (exit status 0).
 * - Values are parsed as Go's strconv does; errors read "invalid value %q for flag -%s: parse error"
 *   ("invalid boolean value %q for -%s: parse error" for booleans), as Go prints them.
 * - A flag given twice takes its last value; -enable_metrics / -disable_metrics replace their set. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "events/store.h"
#include "model/kinds.h"

enum opt_type {
    OPT_BOOL,      /* bool */
    OPT_INT,       /* int, Go's int flag (strconv.ParseInt base 0) */
    OPT_UINT64,    /* uint64_t, Go's uint64 flag (strconv.ParseUint base 0) */
    OPT_FLOAT,     /* double, Go's float64 flag */
    OPT_STRING,    /* char *, owned */
    OPT_DURATION,  /* int64_t ns, Go's time.ParseDuration */
    OPT_LIST,      /* char ** NULL-terminated, strings.Split(value, ",") */
    OPT_LIST_TRIM, /* the same, each element strings.TrimSpace'd */
    OPT_CUSTOM,    /* a flag.Value of its own: set() parses and stores */
};

enum {
    OPT_NI = 1u << 0,             /* accepted for compatibility, not implemented: warn once */
    OPT_NI_UNLESS_TRUE = 1u << 1, /* boolean cadv honours when true only: warn when false */
    OPT_DEPRECATED = 1u << 2,     /* an alias of -env_metadata_whitelist: say so once */
    OPT_BOUNDED = 1u << 3,        /* OPT_INT / OPT_DURATION: min <= v <= max; OPT_FLOAT: v <= max */
    OPT_FINITE = 1u << 4,         /* OPT_FLOAT: no Inf or NaN */
    OPT_OWNS_STR = 1u << 5,       /* OPT_CUSTOM storing an owned char * */
    OPT_GO_STRING = 1u << 6,      /* OPT_CUSTOM that is a plain string flag in cAdvisor (for usage) */
};

/* Parsing context: the reason of a failure. */
struct ctx {
    char why[256];
};

struct opt {
    const char *name;
    enum opt_type type;
    size_t off; /* of the field in struct cadv_config */
    const char *def;
    const char *help;
    unsigned flags;
    int64_t min, max;
    /* OPT_CUSTOM: parses value into the field at off. Returns 0 or -EINVAL with x->why set. */
    int (*set)(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x);
};

#define FIELD(cfg, o, type) ((type *)(void *)((char *)(cfg) + (o)->off))

/* Writes s quoted as Go's %q does for the common cases (escapes, control bytes as \x..). */
static void put_quoted(struct cadv_buf *b, const char *s)
{
    cadv_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            cadv_buf_putc(b, '\\');
            cadv_buf_putc(b, (char)c);
        } else if (c == '\n') {
            cadv_buf_puts(b, "\\n");
        } else if (c == '\t') {
            cadv_buf_puts(b, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            cadv_buf_printf(b, "\\x%02x", c);
        } else {
            cadv_buf_putc(b, (char)c);
        }
    }
    cadv_buf_putc(b, '"');
}

/* ---- setters ---- */

static const char *num_why(int r)
{
    return r == -ERANGE ? "value out of range" : "parse error";
}

static void set_string(char **field, const char *value)
{
    free(*field);
    *field = cadv_xstrdup(value);
}

static char **list_free(char **l)
{
    if (l)
        for (char **p = l; *p; p++)
            free(*p);
    free(l);
    return NULL;
}

static bool is_go_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* strings.Split(value, ","): "" gives {""}; "a," gives {"a", ""}. */
static char **list_split(const char *value, bool trim)
{
    size_t n = 1, i = 0;
    char **l;

    for (const char *p = value; *p; p++)
        n += *p == ',';
    l = cadv_xcalloc(n + 1, sizeof(*l));
    for (const char *p = value;; i++) {
        size_t len = strcspn(p, ",");
        const char *q = p;
        size_t m = len;

        while (trim && m > 0 && is_go_space(*q)) {
            q++;
            m--;
        }
        while (trim && m > 0 && is_go_space(q[m - 1]))
            m--;
        l[i] = cadv_xstrndup(q, m);
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return l;
}

static int check_bounds(const struct opt *o, int64_t v, struct ctx *x)
{
    if (!(o->flags & OPT_BOUNDED) || (v >= o->min && v <= o->max))
        return 0;
    if (o->type == OPT_DURATION && o->min > 1 && o->max == INT64_MAX) {
        struct cadv_buf b;

        cadv_buf_init(&b, 0);
        cadv_format_duration(&b, o->min);
        (void)snprintf(x->why, sizeof(x->why), "must be at least %s", b.data);
        cadv_buf_done(&b);
    } else if (o->min == 1 && o->max >= INT_MAX)
        (void)snprintf(x->why, sizeof(x->why), "must be positive");
    else if (o->min == 0 && o->max >= INT_MAX)
        (void)snprintf(x->why, sizeof(x->why), "must not be negative");
    else
        (void)snprintf(x->why, sizeof(x->why), "out of range %lld..%lld", (long long)o->min,
                       (long long)o->max);
    return -EINVAL;
}

static int set_int(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    int64_t v;
    int r = cadv_parse_go_int(value, 0, 64, &v);

    if (r == 0 && (v < INT_MIN || v > INT_MAX))
        r = -ERANGE;
    if (r < 0) {
        (void)snprintf(x->why, sizeof(x->why), "%s", num_why(r));
        return -EINVAL;
    }
    if (check_bounds(o, v, x) < 0)
        return -EINVAL;
    *FIELD(cfg, o, int) = (int)v;
    return 0;
}

static int set_duration(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    int64_t v;

    if (cadv_parse_duration(value, &v) < 0) {
        (void)snprintf(x->why, sizeof(x->why), "parse error");
        return -EINVAL;
    }
    if (check_bounds(o, v, x) < 0)
        return -EINVAL;
    *FIELD(cfg, o, int64_t) = v;
    return 0;
}

static int set_float(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    double v;
    int r = cadv_parse_go_float(value, &v);

    if (r < 0) {
        (void)snprintf(x->why, sizeof(x->why), "%s", num_why(r));
        return -EINVAL;
    }
    if ((o->flags & OPT_FINITE) && !isfinite(v)) {
        (void)snprintf(x->why, sizeof(x->why), "must be a finite number");
        return -EINVAL;
    }
    if ((o->flags & OPT_BOUNDED) && v > (double)o->max) {
        (void)snprintf(x->why, sizeof(x->why), "must be at most %lld", (long long)o->max);
        return -EINVAL;
    }
    *FIELD(cfg, o, double) = v;
    return 0;
}

static int set_value(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    int r;

    switch (o->type) {
    case OPT_BOOL:
        r = cadv_parse_bool(value, FIELD(cfg, o, bool));
        if (r < 0)
            (void)snprintf(x->why, sizeof(x->why), "parse error");
        return r < 0 ? -EINVAL : 0;
    case OPT_INT:
        return set_int(cfg, o, value, x);
    case OPT_UINT64:
        r = cadv_parse_go_uint(value, 0, 64, FIELD(cfg, o, uint64_t));
        if (r < 0)
            (void)snprintf(x->why, sizeof(x->why), "%s", num_why(r));
        return r < 0 ? -EINVAL : 0;
    case OPT_FLOAT:
        return set_float(cfg, o, value, x);
    case OPT_STRING:
        set_string(FIELD(cfg, o, char *), value);
        return 0;
    case OPT_DURATION:
        return set_duration(cfg, o, value, x);
    case OPT_LIST:
    case OPT_LIST_TRIM:
        list_free(*FIELD(cfg, o, char **));
        *FIELD(cfg, o, char **) = list_split(value, o->type == OPT_LIST_TRIM);
        return 0;
    case OPT_CUSTOM:
        return o->set(cfg, o, value, x);
    }
    return -EINVAL;
}

/* Returns s[0..n) quoted as Go's %q; the caller frees it. */
static char *quoted(const char *s, size_t n)
{
    struct cadv_buf b;
    char *t = cadv_xstrndup(s, n);

    cadv_buf_init(&b, 0);
    put_quoted(&b, t);
    free(t);
    return cadv_buf_steal(&b, NULL);
}

/* cAdvisor's metricSetValue.Set: "" is the empty set, otherwise every item of
 * strings.Split(value, ",") must name a kind (so "cpu," fails on the empty name). */
static int set_kinds(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    const char *bad = NULL, *p = value;
    uint32_t mask = 0;

    while (*value) {
        size_t n = strcspn(p, ",");

        if (n == 0) {
            bad = p;
            break;
        }
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    if (*value && !bad && cadv_kinds_parse(value, &mask, &bad) == 0)
        bad = NULL;
    if (bad) {
        char *q = quoted(bad, strcspn(bad, ","));

        (void)snprintf(x->why, sizeof(x->why), "unsupported metric %.200s specified", q);
        free(q);
        return -EINVAL;
    }
    *FIELD(cfg, o, uint32_t) = mask;
    return 0;
}

/* klog's Level.Set: strconv.ParseInt(value, 10, 32); klog prints strconv's error text. */
static int set_level(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    int64_t v;
    int r = cadv_parse_go_int(value, 10, 32, &v);

    if (r < 0) {
        char *q = quoted(value, strlen(value));

        (void)snprintf(x->why, sizeof(x->why), "strconv.ParseInt: parsing %.200s: %s", q,
                       r == -ERANGE ? "value out of range" : "invalid syntax");
        free(q);
        return -EINVAL;
    }
    *FIELD(cfg, o, int) = (int)v;
    return 0;
}

/* klog's severityValue.Set: a severity name (any case) or a number. */
static int set_severity(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    static const char *const names[] = {"info", "warning", "error", "fatal"};

    for (int i = 0; i < 4; i++)
        if (strcasecmp(value, names[i]) == 0) {
            *FIELD(cfg, o, int) = i;
            return 0;
        }
    return set_level(cfg, o, value, x);
}

/* -collector: files, bpf or auto (src/collect/cgroup_bpf.h). */
static int set_collector(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    if (strcmp(value, "files") != 0 && strcmp(value, "bpf") != 0 && strcmp(value, "auto") != 0) {
        (void)snprintf(x->why, sizeof(x->why), "want files, bpf or auto");
        return -EINVAL;
    }
    set_string(FIELD(cfg, o, char *), value);
    return 0;
}

/* klog's moduleSpec.Set: comma list of pattern=N (N >= 0); empty items are ignored. */
static int set_vmodule(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    char **l = list_split(value, false);
    int r = 0;

    for (char **p = l; *p && r == 0; p++) {
        char *eq = strchr(*p, '=');
        int64_t v;

        if (!**p)
            continue;
        if (!eq || eq == *p || !eq[1] || strchr(eq + 1, '=') || cadv_parse_go_int(eq + 1, 10, 32, &v) < 0) {
            r = -EINVAL;
        } else if (v < 0) {
            (void)snprintf(x->why, sizeof(x->why), "negative value for vmodule level");
            r = -ERANGE;
        }
    }
    list_free(l);
    if (r == -EINVAL)
        (void)snprintf(x->why, sizeof(x->why), "syntax error: expect comma-separated list of filename=N");
    if (r < 0)
        return -EINVAL;
    set_string(FIELD(cfg, o, char *), value);
    return 0;
}

/* klog's traceLocation.Set: "" or file.go:N with N > 0. */
static int set_backtrace(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    const char *colon = strchr(value, ':');
    int64_t v;

    if (*value) {
        if (!colon || strchr(colon + 1, ':') || !memchr(value, '.', (size_t)(colon - value)) ||
            cadv_parse_go_int(colon + 1, 10, 64, &v) < 0) {
            (void)snprintf(x->why, sizeof(x->why), "syntax error: expect file.go:234");
            return -EINVAL;
        }
        if (v <= 0) {
            (void)snprintf(x->why, sizeof(x->why), "negative or zero value for level");
            return -EINVAL;
        }
    }
    set_string(FIELD(cfg, o, char *), value);
    return 0;
}

/* cAdvisor registers this path on Go's ServeMux, which needs a leading '/'. */
static int set_endpoint(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    if (value[0] != '/') {
        (void)snprintf(x->why, sizeof(x->why), "must start with \"/\"");
        return -EINVAL;
    }
    set_string(FIELD(cfg, o, char *), value);
    return 0;
}

static int set_regex(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    regex_t re;
    int r;

    if (*value) {
        r = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
            char msg[128];

            regerror(r, &re, msg, sizeof(msg));
            (void)snprintf(x->why, sizeof(x->why), "bad regular expression: %s", msg);
            return -EINVAL;
        }
        regfree(&re);
    }
    set_string(FIELD(cfg, o, char *), value);
    return 0;
}

/* -event_storage_age_limit / -event_storage_event_limit: "type=value,..." lists (events/store.h). */
static int set_event_limits(struct cadv_config *cfg, const struct opt *o, const char *value, struct ctx *x)
{
    struct cadv_event_limits lim;
    bool age = strcmp(o->name, "event_storage_age_limit") == 0;
    struct cadv_buf err;
    int r;

    cadv_buf_init(&err, sizeof(x->why) - 1);
    r = cadv_event_limits_parse(age ? value : "", age ? "" : value, &lim, &err);
    if (r < 0) {
        (void)snprintf(x->why, sizeof(x->why), "%s", err.data ? err.data : "invalid list");
        cadv_buf_done(&err);
        return r;
    }
    cadv_buf_done(&err);
    set_string(FIELD(cfg, o, char *), value);
    return 0;
}

/* ---- the table ---- */

#define OFF(field)          offsetof(struct cadv_config, field)
#define POSITIVE            .flags = OPT_BOUNDED, .min = 1, .max = INT64_MAX
#define NONNEG              .flags = OPT_BOUNDED, .min = 0, .max = INT64_MAX
/* Interval flags have floors: below them a loop would spin (-update_machine_info_interval=1ns took
 * 145% CPU). Container housekeeping may be fast; whole-tree rescans and machine info updates not. */
#define MIN_HOUSEKEEPING_NS (10 * 1000 * 1000LL)   /* 10ms */
#define MIN_GLOBAL_NS       (1000 * 1000 * 1000LL) /* 1s */
#define AT_LEAST(ns)        .flags = OPT_BOUNDED, .min = (ns), .max = INT64_MAX
/* The jitter factors: negative means 1.0 as in cAdvisor; above this a delay would be more than 101
 * intervals, which no schedule needs (and huge values overflowed the scheduler's arithmetic). */
#define JITTER_MAX          100
#define JITTER_BOUNDS       .flags = OPT_FINITE | OPT_BOUNDED, .max = JITTER_MAX

#define KINDS_HELP                                                                                           \
    "Options are "                                                                                           \
    "accelerator,advtcp,app,cpu,cpuLoad,cpu_topology,cpuset,disk,diskIO,hugetlb,memory,memory_numa,network," \
    "oom_event,percpu,perf_event,pressure,process,referenced_memory,resctrl,sched,tcp,udp."
#define NO_FILES "(no effect when -logtostderr=true)"

/* Every flag of the cAdvisor binary (docs/compatibility.md#flags) and cadv's own. Defaults are the text Go's
 * usage shows, applied through the same setters as the command line. */
static const struct opt opts[] = {
        /* HTTP / UI / auth (docs/compatibility.md#flags-http) */
        {"listen_ip", OPT_STRING, OFF(listen_ip), "", "IP to listen on, defaults to all IPs"},
        {"port", OPT_INT, OFF(port), "8080", "port to listen", .flags = OPT_BOUNDED, .min = 0, .max = 65535},
        {"url_base_prefix", OPT_STRING, OFF(url_base_prefix), "",
         "prefix path that will be prepended to all paths to support some reverse proxies"},
        {"prometheus_endpoint", OPT_CUSTOM, OFF(prometheus_endpoint), "/metrics",
         "Endpoint to expose Prometheus metrics on", .flags = OPT_OWNS_STR | OPT_GO_STRING,
         .set = set_endpoint},
        {"profiling", OPT_BOOL, OFF(profiling), "false",
         "Enable profiling via web interface host:port/debug/pprof/", .flags = OPT_NI},
        {"http_auth_file", OPT_STRING, OFF(http_auth_file), "", "HTTP auth file for the web UI"},
        {"http_auth_realm", OPT_STRING, OFF(http_auth_realm), "localhost", "HTTP auth realm for the web UI"},
        {"http_digest_file", OPT_STRING, OFF(http_digest_file), "", "HTTP digest file for the web UI"},
        {"http_digest_realm", OPT_STRING, OFF(http_digest_realm), "localhost",
         "HTTP digest realm for the web UI"},
        {"version", OPT_BOOL, OFF(version), "false", "print cAdvisor version and exit"},
        {"max_procs", OPT_INT, OFF(max_procs), "0",
         "max number of CPUs that can be used simultaneously. Less than 1 for default (number of cores).",
         .flags = OPT_NI},

        /* In-memory cache and storage drivers (docs/compatibility.md#flags-storage) */
        {"storage_duration", OPT_DURATION, OFF(storage_duration_ns), "2m0s",
         "How long to keep data stored (Default: 2min).", POSITIVE},
        {"storage_driver", OPT_STRING, OFF(storage_driver), "",
         "Storage `driver` to use. Data is always cached shortly in memory, this controls where data is "
         "pushed "
         "besides the local cache. Empty means none, multiple separated by commas. Options are: <empty>, "
         "elasticsearch, influxdb, kafka, redis, statsd, stdout, remote_write (cadv)"},
        {"storage_driver_user", OPT_STRING, OFF(storage_driver_user), "root", "database username"},
        {"storage_driver_password", OPT_STRING, OFF(storage_driver_password), "root", "database password"},
        {"storage_driver_host", OPT_STRING, OFF(storage_driver_host), "localhost:8086", "database host:port"},
        {"storage_driver_db", OPT_STRING, OFF(storage_driver_db), "cadvisor", "database name"},
        {"storage_driver_table", OPT_STRING, OFF(storage_driver_table), "stats", "table name"},
        {"storage_driver_secure", OPT_BOOL, OFF(storage_driver_secure), "false",
         "use secure connection with database"},
        {"storage_driver_buffer_duration", OPT_DURATION, OFF(storage_driver_buffer_duration_ns), "1m0s",
         "Writes in the storage driver will be buffered for this duration, and committed to the non memory "
         "backends as a single transaction"},
        {"storage_driver_influxdb_retention_policy", OPT_STRING,
         OFF(storage_driver_influxdb_retention_policy), "", "retention policy"},
        {"storage_driver_es_host", OPT_STRING, OFF(storage_driver_es_host), "http://localhost:9200",
         "ElasticSearch host:port"},
        {"storage_driver_es_index", OPT_STRING, OFF(storage_driver_es_index), "cadvisor",
         "ElasticSearch index name"},
        {"storage_driver_es_type", OPT_STRING, OFF(storage_driver_es_type), "stats",
         "ElasticSearch type name"},
        {"storage_driver_es_enable_sniffer", OPT_BOOL, OFF(storage_driver_es_enable_sniffer), "false",
         "ElasticSearch uses a sniffing process to find all nodes of your cluster by default, automatically",
         .flags = OPT_NI},
        /* cadv's own storage driver flags */
        {"storage_driver_es_typeless", OPT_BOOL, OFF(storage_driver_es_typeless), "false",
         "cadv: index Elasticsearch documents without a type (Elasticsearch 7+, OpenSearch)"},
        {"storage_driver_remote_write_url", OPT_STRING, OFF(storage_driver_remote_write_url),
         "http://localhost:9090/api/v1/write",
         "cadv: Prometheus remote-write 1.0 endpoint (remote_write driver)"},
        {"storage_driver_queue_size", OPT_INT, OFF(storage_driver_queue_size), "65536",
         "cadv: samples each storage driver may hold while its backend is slow or down; the oldest are "
         "dropped (and counted) beyond it",
         .flags = OPT_BOUNDED, .min = 1, .max = 16777216},
        {"storage_driver_kafka_broker_list", OPT_STRING, OFF(storage_driver_kafka_broker_list),
         "localhost:9092", "kafka broker(s) csv"},
        {"storage_driver_kafka_topic", OPT_STRING, OFF(storage_driver_kafka_topic), "stats", "kafka topic"},
        {"storage_driver_kafka_ssl_cert", OPT_STRING, OFF(storage_driver_kafka_ssl_cert), "",
         "optional certificate file for TLS client authentication"},
        {"storage_driver_kafka_ssl_key", OPT_STRING, OFF(storage_driver_kafka_ssl_key), "",
         "optional key file for TLS client authentication"},
        {"storage_driver_kafka_ssl_ca", OPT_STRING, OFF(storage_driver_kafka_ssl_ca), "",
         "optional certificate authority file for TLS client authentication"},
        {"storage_driver_kafka_ssl_verify", OPT_BOOL, OFF(storage_driver_kafka_ssl_verify), "true",
         "verify ssl certificate chain"},
        {"bq_id", OPT_STRING, OFF(bq_id), "", "Client ID", .flags = OPT_NI},
        {"bq_secret", OPT_STRING, OFF(bq_secret), "notasecret", "Client Secret", .flags = OPT_NI},
        {"bq_project_id", OPT_STRING, OFF(bq_project_id), "", "Bigquery project ID", .flags = OPT_NI},
        {"bq_account", OPT_STRING, OFF(bq_account), "", "Service account email", .flags = OPT_NI},
        {"bq_credentials_file", OPT_STRING, OFF(bq_credentials_file), "", "Credential Key file (pem)",
         .flags = OPT_NI},

        /* Housekeeping and manager (docs/compatibility.md#flags-housekeeping) */
        {"housekeeping_interval", OPT_DURATION, OFF(housekeeping_interval_ns), "1s",
         "Interval between container housekeepings", AT_LEAST(MIN_HOUSEKEEPING_NS)},
        {"max_housekeeping_interval", OPT_DURATION, OFF(max_housekeeping_interval_ns), "1m0s",
         "Largest interval to allow between container housekeepings", AT_LEAST(MIN_HOUSEKEEPING_NS)},
        {"detail_housekeeping_interval", OPT_DURATION, OFF(detail_housekeeping_interval_ns), "0s",
         "cadv: interval between reads of the detail figures (memory.stat breakdown, user/system and per-CPU "
         "time, I/O, PSI, processes, network, ...; README, collection cadence); the hot counters (CPU usage, "
         "memory usage, max usage, failcnt) stay at -housekeeping_interval. 0 means -housekeeping_interval: "
         "every figure at every housekeeping, as cAdvisor",
         NONNEG},
        {"allow_dynamic_housekeeping", OPT_BOOL, OFF(allow_dynamic_housekeeping), "true",
         "Whether to allow the housekeeping interval to be dynamic"},
        {"initial_splay_factor", OPT_FLOAT, OFF(initial_splay_factor), "1",
         "Jitter factor of the first housekeeping delay of a container (<= 0 means 1.0)", JITTER_BOUNDS},
        {"jitter_factor", OPT_FLOAT, OFF(jitter_factor), "1",
         "Jitter factor of the later housekeeping delays (<= 0 means 1.0)", JITTER_BOUNDS},
        {"global_housekeeping_interval", OPT_DURATION, OFF(global_housekeeping_interval_ns), "1m0s",
         "Interval between global housekeepings", AT_LEAST(MIN_GLOBAL_NS)},
        {"update_machine_info_interval", OPT_DURATION, OFF(update_machine_info_interval_ns), "5m0s",
         "Interval between machine info updates.", AT_LEAST(MIN_GLOBAL_NS)},
        {"enable_load_reader", OPT_BOOL, OFF(enable_load_reader), "false",
         "Whether to enable cpu load reader", .flags = OPT_NI},
        {"log_cadvisor_usage", OPT_BOOL, OFF(log_cadvisor_usage), "false",
         "Whether to log the usage of the cAdvisor container (no effect, as in cAdvisor)"},
        {"event_storage_age_limit", OPT_CUSTOM, OFF(event_storage_age_limit), "default=24h",
         "Max length of time for which to store events (per type). Value is a comma separated list of key "
         "values, where the keys are event types (e.g.: creation, oom) or \"default\" and the value is a "
         "duration. Default is applied to all non-specified event types",
         .flags = OPT_OWNS_STR | OPT_GO_STRING, .set = set_event_limits},
        {"event_storage_event_limit", OPT_CUSTOM, OFF(event_storage_event_limit), "default=100000",
         "Max number of events to store (per type). Value is a comma separated list of key values, where the "
         "keys are event types (e.g.: creation, oom) or \"default\" and the value is an integer. Default is "
         "applied to all non-specified event types",
         .flags = OPT_OWNS_STR | OPT_GO_STRING, .set = set_event_limits},
        {"application_metrics_count_limit", OPT_INT, OFF(application_metrics_count_limit), "100",
         "Max number of application metrics to store (per container)"},
        {"collector_cert", OPT_STRING, OFF(collector_cert), "",
         "Collector's certificate, exposed to endpoints for certificate based authentication."},
        {"collector_key", OPT_STRING, OFF(collector_key), "", "Key for the collector's certificate"},

        /* Container runtimes (docs/compatibility.md#flags-runtimes) */
        {"docker", OPT_STRING, OFF(docker), "unix:///var/run/docker.sock", "docker endpoint"},
        {"docker-tls", OPT_BOOL, OFF(docker_tls), "false", "use TLS to connect to docker"},
        {"docker-tls-cert", OPT_STRING, OFF(docker_tls_cert), "cert.pem", "path to client certificate"},
        {"docker-tls-key", OPT_STRING, OFF(docker_tls_key), "key.pem", "path to private key"},
        {"docker-tls-ca", OPT_STRING, OFF(docker_tls_ca), "ca.pem", "path to trusted CA"},
        {"docker_root", OPT_STRING, OFF(docker_root), "/var/lib/docker",
         "DEPRECATED: docker root is read from docker info (this is a fallback, default: /var/lib/docker)"},
        {"docker_env_metadata_whitelist", OPT_STRING, OFF(docker_env_metadata_whitelist), "",
         "DEPRECATED: this flag will be removed, please use `env_metadata_whitelist`. A comma-separated list "
         "of "
         "environment variable keys matched with specified prefix that needs to be collected for docker "
         "containers",
         .flags = OPT_DEPRECATED},
        {"docker_only", OPT_BOOL, OFF(docker_only), "false",
         "Only report docker containers in addition to root stats"},
        {"raw_cgroup_prefix_whitelist", OPT_LIST, OFF(raw_cgroup_prefix_whitelist), "",
         "A comma-separated list of cgroup path prefix that needs to be collected even when -docker_only is "
         "specified"},
        {"disable_root_cgroup_stats", OPT_BOOL, OFF(disable_root_cgroup_stats), "false",
         "Disable collecting root Cgroup stats"},
        {"containerd", OPT_STRING, OFF(containerd), "/run/containerd/containerd.sock", "containerd endpoint"},
        {"containerd-namespace", OPT_STRING, OFF(containerd_namespace), "k8s.io", "containerd namespace"},
        {"containerd_env_metadata_whitelist", OPT_STRING, OFF(containerd_env_metadata_whitelist), "",
         "DEPRECATED: this flag will be removed, please use `env_metadata_whitelist`. A comma-separated list "
         "of "
         "environment variable keys matched with specified prefix that needs to be collected for containerd "
         "containers",
         .flags = OPT_DEPRECATED},
        {"crio_client_timeout", OPT_DURATION, OFF(crio_client_timeout_ns), "0s",
         "CRI-O client timeout. Default is no timeout.", NONNEG},
        {"podman", OPT_STRING, OFF(podman), "unix:///var/run/podman/podman.sock", "podman endpoint"},
        {"env_metadata_whitelist", OPT_LIST, OFF(env_metadata_whitelist), "",
         "a comma-separated list of environment variable keys matched with specified prefix that needs to be "
         "collected for containers, only support containerd and docker runtime for now."},
        {"container_hints", OPT_STRING, OFF(container_hints), "/etc/cadvisor/container_hints.json",
         "location of the container hints file", .flags = OPT_NI},

        /* Metric selection and labels (docs/compatibility.md#flags-metrics) */
        {"disable_metrics", OPT_CUSTOM, OFF(disable_metrics),
         "advtcp,cpu_topology,cpuset,hugetlb,memory_numa,process,referenced_memory,resctrl,sched,tcp,udp",
         "comma-separated list of `metrics` to be disabled. " KINDS_HELP, .set = set_kinds},
        {"enable_metrics", OPT_CUSTOM, OFF(enable_metrics), "",
         "comma-separated list of `metrics` to be enabled. If set, overrides 'disable_metrics'. " KINDS_HELP,
         .set = set_kinds},
        {"store_container_labels", OPT_BOOL, OFF(store_container_labels), "true",
         "convert container labels and environment variables into labels on prometheus metrics for each "
         "container. If flag set to false, then only metrics exported are container name, first alias, and "
         "image name"},
        {"whitelisted_container_labels", OPT_LIST_TRIM, OFF(whitelisted_container_labels), "",
         "comma separated list of container labels to be converted to labels on prometheus metrics for each "
         "container. store_container_labels must be set to false for this to take effect."},
        {"perf_events_config", OPT_STRING, OFF(perf_events_config), "",
         "Path to a JSON file containing configuration of perf events to measure. Empty value disabled perf "
         "events measuring."},
        {"resctrl_interval", OPT_DURATION, OFF(resctrl_interval_ns), "0s",
         "Resctrl mon groups updating interval. Zero value disables updating mon groups."},
        {"referenced_reset_interval", OPT_UINT64, OFF(referenced_reset_interval), "0",
         "Reset interval for referenced bytes (container_referenced_bytes metric), number of measurement "
         "cycles after which referenced bytes are cleared, if set to 0 referenced bytes are never cleared "
         "(default: 0)",
         .flags = OPT_NI},

        /* Machine identity (docs/compatibility.md#flags-machine) */
        {"machine_id_file", OPT_STRING, OFF(machine_id_file), "/etc/machine-id,/var/lib/dbus/machine-id",
         "Comma-separated list of files to check for machine-id. Use the first one that exists."},
        {"boot_id_file", OPT_STRING, OFF(boot_id_file), "/proc/sys/kernel/random/boot_id",
         "Comma-separated list of files to check for boot-id. Use the first one that exists."},

        /* klog (docs/compatibility.md#flags-logging) */
        {"v", OPT_CUSTOM, OFF(verbosity), "2", "number for the log level verbosity", .set = set_level},
        {"vmodule", OPT_CUSTOM, OFF(vmodule), "",
         "comma-separated list of pattern=N settings for file-filtered logging",
         .flags = OPT_NI | OPT_OWNS_STR, .set = set_vmodule},
        {"logtostderr", OPT_BOOL, OFF(logtostderr), "true",
         "log to standard error instead of files (cadv always does)", .flags = OPT_NI_UNLESS_TRUE},
        {"alsologtostderr", OPT_BOOL, OFF(alsologtostderr), "false",
         "log to standard error as well as files " NO_FILES},
        {"stderrthreshold", OPT_CUSTOM, OFF(stderrthreshold), "2",
         "logs at or above this threshold go to stderr when writing to files and stderr " NO_FILES,
         .flags = OPT_NI, .set = set_severity},
        {"log_dir", OPT_STRING, OFF(log_dir), "", "If non-empty, write log files in this directory " NO_FILES,
         .flags = OPT_NI},
        {"log_file", OPT_STRING, OFF(log_file), "", "If non-empty, use this log file " NO_FILES,
         .flags = OPT_NI},
        {"log_file_max_size", OPT_UINT64, OFF(log_file_max_size), "1800",
         "Defines the maximum size a log file can grow to " NO_FILES
         ". Unit is megabytes. If the value is 0, the maximum file size is unlimited.",
         .flags = OPT_NI},
        {"log_backtrace_at", OPT_CUSTOM, OFF(log_backtrace_at), "",
         "when logging hits line file:N, emit a stack trace", .flags = OPT_NI | OPT_OWNS_STR,
         .set = set_backtrace},
        {"add_dir_header", OPT_BOOL, OFF(add_dir_header), "false",
         "If true, adds the file directory to the header of the log messages", .flags = OPT_NI},
        {"skip_headers", OPT_BOOL, OFF(skip_headers), "false",
         "If true, avoid header prefixes in the log messages", .flags = OPT_NI},
        {"skip_log_headers", OPT_BOOL, OFF(skip_log_headers), "false",
         "If true, avoid headers when opening log files " NO_FILES, .flags = OPT_NI},
        {"one_output", OPT_BOOL, OFF(one_output), "false",
         "If true, only write logs to their native severity level (vs also writing to each lower severity "
         "level) " NO_FILES,
         .flags = OPT_NI},

        /* cadv's own */
        {"cgroup_root", OPT_STRING, OFF(cgroup_root), "/sys/fs/cgroup",
         "cadv: where the cgroup hierarchies are mounted"},
        {"proc_root", OPT_STRING, OFF(proc_root), "/proc", "cadv: where procfs is mounted"},
        {"collector", OPT_CUSTOM, OFF(collector), "files",
         "cadv: how hot cgroup counters are read: files, bpf (one BPF pass per interval, falls back "
         "to files where it cannot load) or auto (bpf where it loads)",
         .flags = OPT_OWNS_STR, .set = set_collector},
        {"sys_root", OPT_STRING, OFF(sys_root), "/sys", "cadv: where sysfs is mounted"},
        {"rootfs", OPT_STRING, OFF(rootfs), "/",
         "cadv: the host's root filesystem, for its /etc files (machine-id, os-release)"},
        {"auth_api", OPT_BOOL, OFF(auth_api), "false",
         "cadv: -http_auth_file / -http_digest_file protect the REST API, the Prometheus endpoint and "
         "/validate/ too, not only the web UI (/healthz stays open)"},
        {"tls_cert_file", OPT_STRING, OFF(tls_cert_file), "",
         "cadv: serve HTTPS with this PEM certificate (chain) and -tls_key_file"},
        {"tls_key_file", OPT_STRING, OFF(tls_key_file), "", "cadv: the PEM private key of -tls_cert_file"},
        {"port_file", OPT_STRING, OFF(port_file), "",
         "cadv: once listening, write the bound TCP port to this file (useful with -port=0)"},
        {"prometheus_timestamps", OPT_BOOL, OFF(prometheus_timestamps), "true",
         "cadv: give usage samples in /metrics explicit timestamps (collection time), as cAdvisor does"},
        {"metrics_include", OPT_CUSTOM, OFF(metrics_include), "",
         "cadv: only export containers whose cgroup path matches this POSIX extended `regex` (empty: all)",
         .flags = OPT_OWNS_STR | OPT_GO_STRING, .set = set_regex},
        {"metrics_exclude", OPT_CUSTOM, OFF(metrics_exclude), "",
         "cadv: do not export containers whose cgroup path matches this POSIX extended `regex` (empty: none)",
         .flags = OPT_OWNS_STR | OPT_GO_STRING, .set = set_regex},
        {"kmsg_path", OPT_STRING, OFF(kmsg_path), "/dev/kmsg",
         "cadv: the kernel log read for OOM kills (a file or FIFO of /dev/kmsg records works too)"},
        {"fd_budget", OPT_INT, OFF(fd_budget), "0",
         "cadv: how many cgroup files to keep open between collections (0: derived from RLIMIT_NOFILE)",
         .flags = OPT_BOUNDED, .min = 0, .max = INT_MAX},
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* ---- public API ---- */

static const struct opt *find_opt(const char *name, size_t n)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (strlen(opts[i].name) == n && memcmp(opts[i].name, name, n) == 0)
            return &opts[i];
    return NULL;
}

/* Applies what depends on several flags, or on the final value of one. */
/* The deprecated per-runtime env whitelists (still used in cAdvisor's docs and test harness) act as
 * aliases of -env_metadata_whitelist: their prefixes are added to it, without repeats. cAdvisor's
 * binary ignores them (README, deliberate differences). Idempotent. */
static void merge_env_aliases(struct cadv_config *cfg)
{
    const char *const aliases[] = {cfg->docker_env_metadata_whitelist,
                                   cfg->containerd_env_metadata_whitelist};

    for (size_t k = 0; k < sizeof(aliases) / sizeof(aliases[0]); k++) {
        char **add;

        if (!aliases[k] || !aliases[k][0])
            continue;
        add = list_split(aliases[k], false);
        for (char **a = add; *a; a++) {
            size_t n = 0;
            bool dup = !**a;

            for (; cfg->env_metadata_whitelist && cfg->env_metadata_whitelist[n]; n++)
                dup = dup || strcmp(cfg->env_metadata_whitelist[n], *a) == 0;
            if (dup)
                continue;
            cfg->env_metadata_whitelist =
                    cadv_xrealloc(cfg->env_metadata_whitelist, (n + 2) * sizeof(char *));
            cfg->env_metadata_whitelist[n] = cadv_xstrdup(*a);
            cfg->env_metadata_whitelist[n + 1] = NULL;
        }
        list_free(add);
    }
}

static void finalize(struct cadv_config *cfg)
{
    size_t n = strlen(cfg->url_base_prefix);

    /* cAdvisor: an -enable_metrics set, when non-empty, replaces everything. */
    cfg->metric_kinds = cfg->enable_metrics ? cfg->enable_metrics : CADV_KIND_ALL & ~cfg->disable_metrics;
    merge_env_aliases(cfg);
    while (n > 0 && cfg->url_base_prefix[n - 1] == '/')
        cfg->url_base_prefix[--n] = '\0';
    /* cAdvisor's jitter(): "if maxFactor <= 0.0 { maxFactor = 1.0 }". */
    if (cfg->initial_splay_factor <= 0)
        cfg->initial_splay_factor = 1.0;
    if (cfg->jitter_factor <= 0)
        cfg->jitter_factor = 1.0;
}

void cadv_config_init(struct cadv_config *cfg)
{
    struct ctx x = {{0}};

    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < N_OPTS; i++) {
        int r = set_value(cfg, &opts[i], opts[i].def, &x);

        if (r < 0)
            abort(); /* a default of the table does not parse: programmer error */
    }
    finalize(cfg);
}

void cadv_config_done(struct cadv_config *cfg)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt *o = &opts[i];

        if (o->type == OPT_STRING || (o->flags & OPT_OWNS_STR)) {
            free(*FIELD(cfg, o, char *));
            *FIELD(cfg, o, char *) = NULL;
        } else if (o->type == OPT_LIST || o->type == OPT_LIST_TRIM) {
            *FIELD(cfg, o, char **) = list_free(*FIELD(cfg, o, char **));
        }
    }
}

/* Reports a failure of flag o with value: Go's wording for its built-in types. */
static int fail_value(FILE *err, const struct opt *o, const char *value, const struct ctx *x)
{
    char *q = quoted(value, strlen(value));

    if (o->type == OPT_BOOL)
        fprintf(err, "cadv: invalid boolean value %s for -%s: %s\n", q, o->name, x->why);
    else
        fprintf(err, "cadv: invalid value %s for flag -%s: %s\n", q, o->name, x->why);
    free(q);
    return -EINVAL;
}

/* The one warning line of a flag that cadv accepts but does not act on. */
static void warn_once(struct cadv_config *cfg, const struct opt *o, bool *warned, FILE *err)
{
    if (*warned)
        return;
    if (o->flags & OPT_DEPRECATED) {
        fprintf(err,
                "cadv: flag -%s is deprecated, use -env_metadata_whitelist (its prefixes are added to it)\n",
                o->name);
    } else if ((o->flags & OPT_NI) || ((o->flags & OPT_NI_UNLESS_TRUE) && !*FIELD(cfg, o, bool))) {
        fprintf(err, "cadv: flag -%s is accepted for compatibility but not implemented yet; ignoring\n",
                o->name);
    } else {
        return;
    }
    *warned = true;
}

/* Parses the flag at argv[*i] (Go's FlagSet.parseOne). Returns 1 when a flag was consumed, 0 at the
 * end of the flags (*i left at the first non-flag), 2 for help, or -EINVAL. */
static int parse_one(struct cadv_config *cfg, int argc, char **argv, int *i, bool *warned, FILE *err)
{
    const char *s = argv[*i], *name, *eq, *value;
    const struct opt *o;
    struct ctx x = {{0}};
    size_t n;

    if (strlen(s) < 2 || s[0] != '-')
        return 0;
    name = s + (s[1] == '-' ? 2 : 1);
    if (s[1] == '-' && s[2] == '\0') {
        (*i)++;
        return 0;
    }
    if (!*name || *name == '-' || *name == '=') {
        fprintf(err, "cadv: bad flag syntax: %s\n", s);
        return -EINVAL;
    }
    (*i)++;
    eq = strchr(name + 1, '=');
    n = eq ? (size_t)(eq - name) : strlen(name);
    value = eq ? eq + 1 : NULL;
    o = find_opt(name, n);
    if (!o) {
        if ((n == 4 && memcmp(name, "help", 4) == 0) || (n == 1 && name[0] == 'h'))
            return 2;
        fprintf(err, "cadv: flag provided but not defined: -%.*s\n", (int)n, name);
        return -EINVAL;
    }
    if (o->type == OPT_BOOL && !value) {
        value = "true";
    } else if (!value) {
        if (*i >= argc) {
            fprintf(err, "cadv: flag needs an argument: -%s\n", o->name);
            return -EINVAL;
        }
        value = argv[(*i)++];
    }
    if (set_value(cfg, o, value, &x) < 0)
        return fail_value(err, o, value, &x);
    warn_once(cfg, o, &warned[o - opts], err);
    return 1;
}

/* A non-flag argument. After a bare boolean, a boolean literal is the classic "-flag false" slip. */
static int fail_positional(const char *prev, const char *arg, FILE *err)
{
    const char *name = prev + 1 + (prev[1] == '-');
    const struct opt *o = prev[0] == '-' && !strchr(prev, '=') ? find_opt(name, strlen(name)) : NULL;
    char *q = quoted(arg, strlen(arg));
    bool b;

    if (o && o->type == OPT_BOOL && cadv_parse_bool(arg, &b) == 0)
        fprintf(err, "cadv: unexpected argument %s (a boolean flag takes no separate value: write -%s=%s)\n",
                q, o->name, arg);
    else
        fprintf(err, "cadv: unexpected argument %s\n", q);
    free(q);
    return -EINVAL;
}

/* -detail_housekeeping_interval: 0 (the default) or at least -housekeeping_interval; a shorter one
 * would ask for detail more often than any collection happens. */
static int check_detail_interval(const struct cadv_config *cfg, FILE *err)
{
    int64_t d = cfg->detail_housekeeping_interval_ns, h = cfg->housekeeping_interval_ns;

    if (d == 0 || d >= h)
        return 0;
    fprintf(err,
            "cadv: invalid value %lld.%03llds for flag -detail_housekeeping_interval: must be 0 (every "
            "housekeeping) or at least -housekeeping_interval (%lld.%03llds)\n",
            (long long)(d / 1000000000), (long long)(d % 1000000000 / 1000000), (long long)(h / 1000000000),
            (long long)(h % 1000000000 / 1000000));
    return -EINVAL;
}

int cadv_config_parse(struct cadv_config *cfg, int argc, char **argv, FILE *err)
{
    bool warned[N_OPTS] = {false};
    int i = 1, r;

    while (i < argc && (r = parse_one(cfg, argc, argv, &i, warned, err)) != 0) {
        if (r < 0)
            return r;
        if (r == 2) {
            cfg->help = true;
            return 0;
        }
    }
    if (i < argc)
        return fail_positional(argv[i - 1], argv[i], err);
    finalize(cfg);
    return check_detail_interval(cfg, err);
}

/* ---- usage ---- */

static int cmp_opt(const void *a, const void *b)
{
    return strcmp((*(const struct opt *const *)a)->name, (*(const struct opt *const *)b)->name);
}

static const char *type_word(const struct opt *o)
{
    switch (o->type) {
    case OPT_BOOL:
        return "";
    case OPT_INT:
        return "int";
    case OPT_UINT64:
        return "uint";
    case OPT_FLOAT:
        return "float";
    case OPT_DURATION:
        return "duration";
    case OPT_STRING:
    case OPT_LIST:
    case OPT_LIST_TRIM:
        return "string";
    case OPT_CUSTOM:
        break;
    }
    return o->flags & OPT_GO_STRING ? "string" : "value";
}

/* Go's PrintDefaults for one flag: "  -name type\n    \tusage (default x)". A `word` in the usage
 * names the type (flag.UnquoteUsage). */
static void usage_one(FILE *out, const struct opt *o)
{
    const char *bq = strchr(o->help, '`'), *bq2 = bq ? strchr(bq + 1, '`') : NULL;
    const char *def = o->def;
    bool quote = strcmp(type_word(o), "string") == 0;
    size_t head;

    head = (size_t)fprintf(out, "  -%s", o->name);
    if (bq && bq2)
        head += (size_t)fprintf(out, " %.*s", (int)(bq2 - bq - 1), bq + 1);
    else if (*type_word(o))
        head += (size_t)fprintf(out, " %s", type_word(o));
    fputs(head <= 4 ? "\t" : "\n    \t", out);
    if (bq && bq2)
        fprintf(out, "%.*s%.*s%s", (int)(bq - o->help), o->help, (int)(bq2 - bq - 1), bq + 1, bq2 + 1);
    else
        fputs(o->help, out);
    if (*def && strcmp(def, "false") != 0 && strcmp(def, "0") != 0 && strcmp(def, "0s") != 0)
        fprintf(out, quote ? " (default \"%s\")" : " (default %s)", def);
    if (o->flags & (OPT_NI | OPT_NI_UNLESS_TRUE))
        fputs(o->flags & OPT_NI ? " [not implemented by cadv yet]" : " [only true is implemented by cadv]",
              out);
    fputc('\n', out);
}

void cadv_config_usage(FILE *out)
{
    const struct opt *sorted[N_OPTS];

    for (size_t i = 0; i < N_OPTS; i++)
        sorted[i] = &opts[i];
    qsort(sorted, N_OPTS, sizeof(sorted[0]), cmp_opt);
    fputs("Usage of cadv:\n", out);
    for (size_t i = 0; i < N_OPTS; i++)
        usage_one(out, sorted[i]);
}

/* ---- man page and README table (generated from the same table, so they cannot drift) ---- */

/* The argument word of o (the `word` of its help, else its type) into w; "" for a boolean. */
static void arg_word(const struct opt *o, char *w, size_t n)
{
    const char *bq = strchr(o->help, '`'), *bq2 = bq ? strchr(bq + 1, '`') : NULL;

    if (bq && bq2)
        (void)snprintf(w, n, "%.*s", (int)(bq2 - bq - 1), bq + 1);
    else
        (void)snprintf(w, n, "%s", type_word(o));
}

/* o's help with its backquotes dropped, then the note of a flag cadv does not act on. */
static char *help_text(const struct opt *o)
{
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    for (const char *p = o->help; *p; p++)
        if (*p != '`')
            cadv_buf_putc(&b, *p);
    if (o->flags & OPT_NI)
        cadv_buf_puts(&b, " [not implemented by cadv yet]");
    else if (o->flags & OPT_NI_UNLESS_TRUE)
        cadv_buf_puts(&b, " [only true is implemented by cadv]");
    return cadv_buf_steal(&b, NULL);
}

/* Writes s for troff: backslashes doubled, '-' as \-, a line never starting with '.' or '\''. */
static void put_roff(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", out);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

static void sorted_opts(const struct opt **sorted)
{
    for (size_t i = 0; i < N_OPTS; i++)
        sorted[i] = &opts[i];
    qsort(sorted, N_OPTS, sizeof(sorted[0]), cmp_opt);
}

static const char man_head[] =
        ".TH CADV 8 \"\" \"cadv " CADV_VERSION "\" \"System Administration\"\n"
        ".SH NAME\n"
        "cadv \\- container advisor: resource usage of every container of the host\n"
        ".SH SYNOPSIS\n"
        ".B cadv\n"
        "[\\fIflags\\fR]\n"
        ".SH DESCRIPTION\n"
        "\\fBcadv\\fR is a drop\\-in replacement for cAdvisor. It finds every cgroup of the host, reads "
        "each one's CPU, memory, block I/O, network, process and pressure figures every\n"
        "\\fB\\-housekeeping_interval\\fR, keeps \\fB\\-storage_duration\\fR of history in memory and "
        "serves it over HTTP: the REST API under /api/, Prometheus metrics under\n"
        "\\fB\\-prometheus_endpoint\\fR and /healthz.\n"
        ".PP\n"
        "Flags follow Go's flag syntax: \\fB\\-name=value\\fR, \\fB\\-\\-name value\\fR, a bare boolean "
        "\\fB\\-name\\fR (write \\fB\\-name=false\\fR to clear one); durations read like 1m30s.\n"
        "A flag of cAdvisor that cadv does not implement yet is accepted with one warning line.\n"
        ".PP\n"
        "When /rootfs/proc exists (the host's root mounted at /rootfs, as in cAdvisor's documented\n"
        "container command line) and \\fB\\-proc_root\\fR and \\fB\\-rootfs\\fR are left at their "
        "defaults, cadv reads the host's processes, network namespaces and /etc files under /rootfs.\n"
        ".SH OPTIONS\n";

static const char man_tail[] = ".SH SIGNALS\n"
                               "SIGTERM and SIGINT stop cadv cleanly (exit status 0).\n"
                               ".SH EXIT STATUS\n"
                               "0 on a clean stop, 1 when cadv cannot start, 2 for a bad flag or value.\n"
                               ".SH FILES\n"
                               ".TP\n"
                               ".I /etc/default/cadv\n"
                               "CADV_OPTS, the flags of the systemd unit cadv.service (Debian package).\n"
                               ".TP\n"
                               ".I /sys/fs/cgroup\n"
                               "the cgroup hierarchies read (\\fB\\-cgroup_root\\fR).\n"
                               ".SH SEE ALSO\n"
                               ".BR cadvtop (1),\n"
                               ".BR systemd.exec (5)\n";

void cadv_config_man(FILE *out)
{
    const struct opt *sorted[N_OPTS];
    char word[64];

    sorted_opts(sorted);
    fputs(man_head, out);
    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt *o = sorted[i];
        char *h = help_text(o);

        arg_word(o, word, sizeof(word));
        fprintf(out, ".TP\n\\fB\\-");
        put_roff(out, o->name);
        fputs("\\fR", out);
        if (*word) {
            fputs(" \\fI", out);
            put_roff(out, word);
            fputs("\\fR", out);
        }
        fputc('\n', out);
        put_roff(out, h);
        if (*o->def) {
            fputs(" (default: ", out);
            put_roff(out, o->def);
            fputc(')', out);
        }
        fputc('\n', out);
        free(h);
    }
    fputs(man_tail, out);
}

void cadv_config_markdown(FILE *out)
{
    const struct opt *sorted[N_OPTS];
    char word[64];

    sorted_opts(sorted);
    fputs("| flag | default | meaning |\n|---|---|---|\n", out);
    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt *o = sorted[i];
        char *h = help_text(o);

        arg_word(o, word, sizeof(word));
        fprintf(out, "| `-%s%s%s` | %s%s%s | ", o->name, *word ? " " : "", word, *o->def ? "`" : "", o->def,
                *o->def ? "`" : "");
        for (const char *p = h; *p; p++) {
            if (*p == '|')
                fputc('\\', out);
            fputc(*p, out);
        }
        fputs(" |\n", out);
        free(h);
    }
}

/* ---- running in a container with the host's root at /rootfs ---- */

int cadv_config_detect_rootfs(struct cadv_config *cfg, const char *host_root)
{
    char *proc = cadv_xasprintf("%s/proc", host_root);
    bool found = access(proc, F_OK) == 0;
    int applied = 0;

    if (found && strcmp(cfg->proc_root, "/proc") == 0) {
        set_string(&cfg->proc_root, proc);
        applied = 1;
    }
    if (found && strcmp(cfg->rootfs, "/") == 0) {
        set_string(&cfg->rootfs, host_root);
        applied = 1;
    }
    free(proc);
    return applied;
}
