/* SPDX-License-Identifier: Apache-2.0 */
/* export.h - storage drivers: every stored sample pushed to backends (cAdvisor's -storage_driver).
 *
 * A driver is a const table (struct cadv_exporter) in its own file, registered by one line in
 * export.c's cadv_exporters[]. Like cAdvisor's storage driver it adds stats, flushes and closes;
 * unlike cAdvisor's it never runs on the collection path: the manager's hook only copies the sample
 * into the driver's bounded queue, and the driver's own thread formats and sends.
 *
 * DESIGN: per driver, one queue and one thread.
 *   - cadv_export_hook (collector or on-demand HTTP thread) packs the sample into the oldest free
 *     slot of each driver's ring under that driver's mutex; when the ring is full the oldest entry is
 *     dropped and counted (cadv_storage_dropped_total), logged once per episode.
 *   - The driver thread pops entries, calls add_stats (formatting into the driver's batch, no I/O)
 *     and flush (the I/O) when the batch is due: at once for unbuffered drivers, every
 *     -storage_driver_buffer_duration for buffered ones, or when add_stats says the batch is full.
 *     A failed flush keeps the batch; the thread retries with doubling back-off (0.5 s .. 30 s) and
 *     pops nothing meanwhile, so an outage shows up as queue drops, never as lost batches.
 *   - cadv_export_free signals the threads, which drain their queue and flush for at most
 *     CADV_EXPORT_SHUTDOWN_NS; what is still undelivered then is counted as dropped and logged. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cadv_buf;
struct cadv_config;
struct cadv_dynlib;
struct cadv_container;
struct cadv_export;
struct cadv_machine_info;
struct cadv_manager;
struct cadv_sample;
struct cadv_spec;

#define CADV_EXPORT_SHUTDOWN_NS (5ull * 1000000000ull)
#define CADV_EXPORT_ERR_MAX     256

/* What a driver gets for one sample. All pointers borrowed for the add_stats call. */
struct cadv_export_record {
    const char *name;        /* cAdvisor's "container name": first alias, else the cgroup name */
    const char *cgroup_name; /* "/docker/<id>" */
    const char *id;          /* runtime id, "" for raw cgroups */
    const struct cadv_spec *spec;
    const struct cadv_sample *s;
    const struct cadv_machine_info *machine; /* for JSON's diskio device names; may be NULL */
};

/* What a driver's init gets. */
struct cadv_export_env {
    const struct cadv_config *cfg;
    const char *hostname; /* os.Hostname() as cAdvisor's drivers use it */
    /* Set when the shutdown window is over: a driver blocked in I/O should give up soon (valid until
     * close). */
    const _Atomic bool *abort_io;
};

struct cadv_exporter {
    const char *name; /* the -storage_driver value */
    /* Batches by -storage_driver_buffer_duration (influxdb, redis); others flush every pop round. */
    bool buffered;
    /* The optional library the driver calls through (core/dynlib.h), or NULL. It is loaded when
     * -storage_driver names the driver: an absent library is a usage error, not a late failure. */
    struct cadv_dynlib *library;
    /* Checks flags and sets up state; no network I/O (the backend may be down at start).
     * Returns 0 or a negative errno with a message in err. */
    int (*init)(const struct cadv_export_env *env, void **ret_state, char *err, size_t err_len);
    /* Adds one sample to the pending batch. Returns 1 when the batch should be flushed now, else 0. */
    int (*add_stats)(void *state, const struct cadv_export_record *rec);
    /* Sends the pending batch; on success the batch is empty. On failure returns a negative errno
     * with a message in err and keeps the batch for a retry, except -EBADMSG: the backend refused
     * the data itself, the batch was discarded (counted as dropped; retrying cannot help). */
    int (*flush)(void *state, char *err, size_t err_len);
    void (*close)(void *state);
};

/* NULL-terminated registry. */
extern const struct cadv_exporter *const cadv_exporters[];

/* Checks a -storage_driver comma list: empty entries are ignored, duplicates are an error, and so is
 * a driver whose library is absent ("-storage_driver=kafka needs librdkafka.so.1: not found"). On
 * error writes one line to err (naming the known drivers) and returns -EINVAL. */
int cadv_export_check(const char *list, FILE *err);

/* Starts one thread per driver in cfg->storage_driver (cfg and m borrowed; must outlive the result).
 * *ret is NULL when no driver is configured. Returns 0 or a negative errno (logged). */
int cadv_export_new(const struct cadv_config *cfg, struct cadv_manager *m, struct cadv_export **ret);
/* Flushes within CADV_EXPORT_SHUTDOWN_NS, stops the threads and frees. Accepts NULL; returns NULL. */
struct cadv_export *cadv_export_free(struct cadv_export *e);

/* The manager's sample hook (arg is the struct cadv_export): copies s into every driver's queue with
 * a reference to c. Never blocks on I/O; thread-safe. */
void cadv_export_hook(void *arg, struct cadv_container *c, const struct cadv_sample *s);

/* Appends the cadv_storage_* families (Prometheus text) for every driver; thread-safe. */
void cadv_export_metrics(void *arg, struct cadv_buf *out);

/* Per-driver counters, for tests and the metrics. Returns false when idx is past the last driver. */
struct cadv_export_counters {
    const char *driver;
    uint64_t sent, dropped, errors, queued;
};
bool cadv_export_counters(struct cadv_export *e, size_t idx, struct cadv_export_counters *ret);
