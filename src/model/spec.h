/* SPDX-License-Identifier: Apache-2.0 */
/* spec.h - a container's description (cAdvisor's ContainerReference + ContainerSpec): identity given
 * by its runtime, and limits read from its cgroup. Strings are owned by the spec. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_kv {
    char *key;
    char *value;
};

struct cadv_spec {
    /* Identity (ContainerReference); raw cgroups have only a name, kept by the registry. */
    char *id;       /* NULL for raw */
    char **aliases; /* n_aliases strings */
    size_t n_aliases;
    char *namespace_;       /* "docker", "podman", "containerd", "crio"; NULL for raw */
    char *image;            /* NULL if none */
    struct cadv_kv *labels; /* sorted by key */
    size_t n_labels;
    struct cadv_kv *envs; /* sorted by key */
    size_t n_envs;
    uint64_t pid; /* runtime's root pid, 0 if unknown */
    int health;   /* enum cadv_health (sample.h); runtime containers */
    bool has_health_check;

    /* ContainerSpec */
    uint64_t creation_time_ns;
    uint64_t start_time_ns;
    bool has_cpu;
    uint64_t cpu_limit;     /* shares (v1) or weight-derived shares (v2) */
    uint64_t cpu_max_limit; /* never set by cAdvisor */
    char cpu_mask[256];     /* "" if unknown */
    uint64_t cpu_quota;     /* µs, 0 = none */
    uint64_t cpu_period;    /* µs */
    bool has_memory;
    uint64_t memory_limit; /* bytes; UINT64_MAX = "max" */
    uint64_t memory_reservation;
    uint64_t memory_swap_limit;
    bool has_hugetlb;
    bool has_network;
    bool has_processes;
    uint64_t processes_limit;
    bool has_filesystem;
    bool has_diskio;
    bool has_custom_metrics;
};

void cadv_spec_init(struct cadv_spec *s);
/* Frees the strings; the spec is left initialised and empty. */
void cadv_spec_done(struct cadv_spec *s);
/* Deep copy into dst (whose previous contents are freed). */
void cadv_spec_copy(struct cadv_spec *dst, const struct cadv_spec *src);
/* Replaces only the runtime identity part of dst (id, aliases, namespace, image, labels, envs, pid,
 * health) with a deep copy of src's. */
void cadv_spec_copy_identity(struct cadv_spec *dst, const struct cadv_spec *src);
/* True when the two specs would render the same Prometheus labels (identity part equal). */
bool cadv_spec_identity_equal(const struct cadv_spec *a, const struct cadv_spec *b);
/* Adds a label/env (copied), keeping the array sorted by key; replaces the value of an existing key. */
void cadv_kv_set(struct cadv_kv **arr, size_t *n, const char *key, const char *value);
/* Returns the value for key or NULL. */
const char *cadv_kv_get(const struct cadv_kv *arr, size_t n, const char *key);
