/* SPDX-License-Identifier: Apache-2.0 */
/* app.h - application metrics (cAdvisor's collector/ package): containers declare endpoints with
 * labels io.cadvisor.metric.<name> = <path of a config file inside the container>; cadv scrapes each
 * endpoint on its own polling period, from inside the container's network namespace, and keeps the
 * values for /api/v2.0/appmetrics, the v1 custom_metrics and /metrics
 * (docs/compatibility.md#application-metrics).
 *
 * DESIGN. One poller thread, started when the first container declares an endpoint, drives every
 * scrape through one libcurl multi handle: scrapes run concurrently and each is bounded by a timeout
 * and a byte cap, so an endpoint that hangs or floods costs only its own scrape. Sockets are made in
 * the container's network namespace (setns on the poller thread around socket(), then back), so an
 * application listening on the container's loopback is reachable. The manager's metadata worker
 * tells the module about containers (cadv_app_set, which reads the configs: file I/O on the caller's
 * thread); readers (HTTP threads) copy values out under the module's lock. Nothing here runs on the
 * collection path. All functions are thread-safe. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_app;
struct cadv_buf;
struct cadv_json;
struct cadv_kv;

#define CADV_APP_LABEL_PREFIX "io.cadvisor.metric."

struct cadv_app_opts {
    int count_limit;        /* -application_metrics_count_limit (100) */
    size_t max_bytes;       /* response body cap per scrape */
    uint64_t timeout_ns;    /* per-scrape timeout cap (a scrape also ends at its polling period) */
    const char *proc_root;  /* "/proc" */
    const char *cert, *key; /* -collector_cert / -collector_key ("" or NULL: none) */
};

struct cadv_app_stats {
    uint64_t endpoints;     /* configured now */
    uint64_t scrapes_total; /* finished scrapes */
    uint64_t errors_total;  /* scrapes that failed (timeout, connect, too big, malformed, status) */
    uint64_t config_errors_total;
};

/* Creates the module (no thread until an endpoint is set). opts is copied. Never fails. */
struct cadv_app *cadv_app_new(const struct cadv_app_opts *opts);
/* Stops the poller and frees everything. Accepts NULL; returns NULL. */
struct cadv_app *cadv_app_free(struct cadv_app *a);

/* The host for the object form of a container's endpoints (cAdvisor: the container's IP address from
 * its runtime) into buf (cap bytes, 48 is enough): ip when it is an IPv4 or IPv6 literal (IPv6
 * bracketed for a URL), else "127.0.0.1" (no address of its own, e.g. --network none; scrapes run in
 * the container's network namespace, where that is its loopback). Returns buf. */
const char *cadv_app_endpoint_host(const char *ip, char *buf, size_t cap);

/* Declares container `name`'s labels and root process (pid; 0 = unknown) and its address for the
 * object form of an endpoint (host; NULL or "" = 127.0.0.1). Reads each labelled config through
 * proc_root/<pid>/root (confined to the container's root), replacing the container's collectors when
 * the labels or the pid changed. alias and image label the /metrics series. Returns the number of
 * collectors (0: none declared), or a negative errno when a config could not be read or parsed: as
 * in cAdvisor, the container then has no collector (the reason is logged once per change). */
int cadv_app_set(struct cadv_app *a, const char *name, const struct cadv_kv *labels, size_t n_labels,
                 uint64_t pid, const char *host, const char *alias, const char *image);
/* Forgets container name (its scrapes in flight are abandoned). */
void cadv_app_remove(struct cadv_app *a, const char *name);

/* /api/v2.0/appmetrics for container name: {"<key>": {"<metric>": {"<label>": [{timestamp,
 * int_value, float_value}...]}}} over the kept history (oldest first). key is the requested name as
 * cAdvisor writes it. Writes {"<key>":{}} when the container has no values. */
void cadv_app_write_appmetrics(struct cadv_app *a, struct cadv_json *w, const char *name, const char *key);
/* One newest value, for /metrics. */
struct cadv_app_series {
    const char *metric;
    const char *id, *alias, *image; /* the container's name, first alias and image ("" if none) */
    const struct cadv_kv *labels;   /* the value's labels (app_<name> in /metrics) */
    size_t n_labels;
    double value; /* float_value, as cAdvisor exports it */
};
struct cadv_app_snapshot {
    struct cadv_app_series *series; /* sorted by metric, then container */
    size_t n;
    void *storage;
};
/* Copies the newest values of every container into *ret (release with cadv_app_snapshot_done). */
void cadv_app_snapshot(struct cadv_app *a, struct cadv_app_snapshot *ret);
void cadv_app_snapshot_done(struct cadv_app_snapshot *s);
void cadv_app_get_stats(struct cadv_app *a, struct cadv_app_stats *ret);

/* The JSON API's custom_metrics (docs/compatibility.md#application-metrics): a reader's view of
 * container name's metric specs and kept scrapes, taken under the lock without copying the values
 * (kept scrapes are immutable and shared). Returns NULL when a is NULL. The view is read-only and
 * may be used from one thread at a time; free with cadv_app_view_free (returns NULL). */
struct cadv_app_view;
struct cadv_app_view *cadv_app_view_get(struct cadv_app *a, const char *name);
struct cadv_app_view *cadv_app_view_free(struct cadv_app_view *v);
/* Writes the ContainerSpec key "custom_metrics": [MetricSpec...] ({name, type, format, units}), only
 * when there are some (omitempty): a generic collector's configured metrics, and the families of a
 * prometheus collector's newest scrape (sorted by name, format "float"). v may be NULL. */
void cadv_app_view_write_spec(const struct cadv_app_view *v, struct cadv_json *w);
/* Writes the ContainerStats key "custom_metrics": {"<metric>": [MetricVal...]} for a sample taken
 * at ts_ns (wall clock): of each endpoint, the values of its newest kept scrape that ended at or
 * before ts_ns (an endpoint with none that old contributes nothing); nothing when no endpoint
 * contributes. Metrics sorted by name; MetricVal is {label (oe), labels (oe), timestamp,
 * int_value (oe), float_value (oe)}. v may be NULL. */
void cadv_app_view_write_values(const struct cadv_app_view *v, struct cadv_json *w, uint64_t ts_ns);
