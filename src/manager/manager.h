/* SPDX-License-Identifier: Apache-2.0 */
/* manager.h - the container registry, discovery and housekeeping: the heart of cadv.
 *
 * The manager finds every cgroup (initial walk, inotify, periodic rescan), claims each for a runtime
 * plugin (raw by default), schedules its collection on cAdvisor's housekeeping schedule and stores
 * its samples in a per-container ring. Readers (http, metrics, exporters) get reference-counted
 * container handles and copy what they need out.
 *
 * Threads: collector (scheduler + reads), watcher (inotify + rescan), metadata worker (runtime API
 * calls, slow figures). All functions here are thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_app;
struct cadv_config;
struct cadv_container;
struct cadv_derived;
struct cadv_events;
struct cadv_fs_inventory;
struct cadv_fs_measurement;
struct cadv_machine_info;
struct cadv_manager;
struct cadv_runtime;
struct cadv_sample;
struct cadv_spec;

/* Self-measurements for cadv_* metrics. */
struct cadv_manager_stats {
    uint64_t containers;        /* tracked now */
    uint64_t collections_total; /* container collections done */
    uint64_t read_errors_total; /* failed reads other than "cgroup gone" */
    uint64_t cycle_seconds_ns;  /* duration of the last scheduler pass that collected something */
    uint64_t cycle_ns_total;    /* sum of all pass durations */
    uint64_t cycles_total;
    uint64_t fds_held;      /* kept-open cgroup file fds */
    uint64_t history_bytes; /* bytes held by all rings */
    uint64_t summary_bytes; /* bytes held by all summary (derived stats) states */
    uint64_t containers_added_total;
    uint64_t containers_removed_total;
    uint64_t ondemand_total;       /* on-demand collections (max_age) */
    uint64_t events_stored;        /* events held by the event store */
    uint64_t events_dropped_total; /* events dropped by full stream queues */
    const char *bpf_path;          /* the BPF collector's pass in use: "walk", "iter", or NULL (files) */
    uint64_t bpf_pass_ns;          /* duration of its last pass, all hierarchies (0: none) */
};

/* Creates a manager for cfg (borrowed; must outlive the manager). Opens the cgroup root and reads the
 * machine info; starts no thread. Returns 0 or a negative errno (logged). */
int cadv_manager_new(const struct cadv_config *cfg, struct cadv_manager **ret);
/* Replaces the runtime plugin table (default: cadv_runtimes) before cadv_manager_start; for tests. */
void cadv_manager_set_runtimes(struct cadv_manager *m, const struct cadv_runtime *const *runtimes);
/* Called after each sample is stored, on the thread that collected it (collector or an on-demand
 * reader), with the container's collection lock held: it must only copy and return (the exporters'
 * enqueue). */
typedef void (*cadv_sample_hook)(void *arg, struct cadv_container *c, const struct cadv_sample *s);
/* Sets the sample hook before cadv_manager_start (ignored afterwards). */
void cadv_manager_set_sample_hook(struct cadv_manager *m, cadv_sample_hook fn, void *arg);
/* Creates the root container, walks every hierarchy, starts the threads. */
int cadv_manager_start(struct cadv_manager *m);
/* Stops and joins the threads (idempotent). */
void cadv_manager_stop(struct cadv_manager *m);
struct cadv_manager *cadv_manager_free(struct cadv_manager *m);

/* The container with exactly this name ("/" for root), with a reference taken, or NULL. */
struct cadv_container *cadv_manager_get(struct cadv_manager *m, const char *name);
/* name itself (if tracked) and, if recursive, every container whose name starts with name + "/"
 * (every container for "/"), sorted by name, each with a reference taken. *ret is malloc'd (NULL
 * when *ret_n is 0). Returns 0 (an untracked name gives an empty list). */
int cadv_manager_list(struct cadv_manager *m, const char *name, bool recursive, struct cadv_container ***ret,
                      size_t *ret_n);
/* Containers of a runtime namespace ("docker", "podman", ...), sorted by name, references taken. */
int cadv_manager_list_namespace(struct cadv_manager *m, const char *ns, struct cadv_container ***ret,
                                size_t *ret_n);
/* Looks up an alias in a runtime namespace: exact alias, else a unique alias prefix. Returns 0,
 * -ENOENT, or -ENOTUNIQ when the prefix is ambiguous. */
int cadv_manager_find_alias(struct cadv_manager *m, const char *ns, const char *alias,
                            struct cadv_container **ret);
/* Drops the references of an array from cadv_manager_list*, and frees it. */
void cadv_containers_unref(struct cadv_container **arr, size_t n);

/* Forces a collection of every container in arr whose newest sample is older than max_age_ns, and
 * waits (bounded) until done. */
void cadv_manager_refresh(struct cadv_manager *m, struct cadv_container **arr, size_t n, uint64_t max_age_ns);
/* The current machine info, with a reference taken (never NULL after new). */
struct cadv_machine_info *cadv_manager_machine_info(struct cadv_manager *m);
/* The machine's filesystems (collect/fs.h): the inventory and its latest measurement, which root
 * samples carry (at most CADV_MAX_FS of them), copied into *ret_inv and *ret_meas (release with
 * cadv_fs_inventory_done and cadv_fs_measurement_done). Returns 0, or -ENOENT when nothing was
 * measured (the disk kind is off, or mountinfo could not be read). */
int cadv_manager_machine_fs(struct cadv_manager *m, struct cadv_fs_inventory *ret_inv,
                            struct cadv_fs_measurement *ret_meas);
/* Increments on each scheduler pass that stored a sample; readers cache renders per generation. */
uint64_t cadv_manager_generation(struct cadv_manager *m);
void cadv_manager_get_stats(struct cadv_manager *m, struct cadv_manager_stats *ret);
const struct cadv_config *cadv_manager_config(struct cadv_manager *m);
/* Passes the processes of container name to fn, in pid order, on the caller's thread (collect/ps.h's
 * walk of -proc_root: every process for "/", else those in that cgroup). Returns 0 or a negative
 * errno before any call of fn. */
struct cadv_ps_info;
int cadv_manager_ps(struct cadv_manager *m, const char *name,
                    void (*fn)(void *arg, const struct cadv_ps_info *p), void *arg);
/* The event store (events/store.h): creation and deletion from discovery, OOMs from the kernel log.
 * Valid until cadv_manager_free. */
struct cadv_events *cadv_manager_events(struct cadv_manager *m);

/* The application metrics module (app/app.h), NULL when the app kind is off. Valid until
 * cadv_manager_free. */
struct cadv_app *cadv_manager_app(struct cadv_manager *m);

struct cadv_container *cadv_container_ref(struct cadv_container *c);
/* Accepts NULL; returns NULL. */
struct cadv_container *cadv_container_unref(struct cadv_container *c);
/* The cgroup name ("/docker/<id>"); valid while the reference is held. */
const char *cadv_container_name(const struct cadv_container *c);
/* Copies the spec (identity and limits) into *ret (initialised; previous contents freed). */
void cadv_container_spec(struct cadv_container *c, struct cadv_spec *ret);
/* Increments whenever the spec's identity (labels, aliases, image...) or limits change. */
uint64_t cadv_container_spec_version(struct cadv_container *c);
/* Samples, as cadv_ring_query. */
int cadv_container_samples(struct cadv_container *c, uint64_t start_ns, uint64_t end_ns, int max_n,
                           struct cadv_sample **ret, size_t *ret_n);
/* The newest sample into *dst (initialised). Returns 0 or -ENOENT if none yet. */
int cadv_container_latest(struct cadv_container *c, struct cadv_sample *dst);
/* Direct children that are tracked, sorted by name, references taken (cAdvisor's subcontainers). */
int cadv_container_children(struct cadv_manager *m, struct cadv_container *c, struct cadv_container ***ret,
                            size_t *ret_n);
/* The derived stats (store/summary.h) into *ret. Returns 0, or -ENOENT before the first sample. */
int cadv_container_derived(struct cadv_container *c, struct cadv_derived *ret);
/* False once the container was removed (its handle stays valid while referenced). */
bool cadv_container_alive(struct cadv_container *c);
