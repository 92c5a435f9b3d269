/* SPDX-License-Identifier: Apache-2.0 */
/* container.c - container records: creation, reference counting, the accessors of manager.h and the
 * spec updates of the collector and the metadata worker (see container.h). */
#include "manager/container.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collect/cgroup.h"
#include "collect/procstats.h"
#include "core/xalloc.h"
#include "manager/collectors.h"
#include "manager/manager.h"
#include "store/ring.h"
#include "store/summary.h"

struct cadv_container *container_new(const char *name, struct cadv_cgroup *cg, uint64_t storage_ns,
                                     uint64_t interval_ns)
{
    struct cadv_container *c = cadv_xcalloc(1, sizeof(*c));

    atomic_init(&c->refs, 1);
    c->name = cadv_xstrdup(name);
    c->name_len = strlen(name);
    c->is_root = strcmp(name, "/") == 0;
    c->ring = cadv_ring_new(storage_ns, interval_ns);
    atomic_init(&c->alive, true);
    atomic_init(&c->last_sample_ns, 0);
    atomic_init(&c->spec_version, 1);
    pthread_mutex_init(&c->collect_lock, NULL);
    c->cg = cg;
    pthread_mutex_init(&c->spec_lock, NULL);
    cadv_spec_init(&c->spec);
    c->rt_index = -1;
    c->heap_idx = SIZE_MAX;
    c->interval_ns = interval_ns;
    return c;
}

struct cadv_container *cadv_container_ref(struct cadv_container *c)
{
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

void container_identity_free(char *ns, char **aliases, size_t n_aliases)
{
    free(ns);
    for (size_t i = 0; i < n_aliases; i++)
        free(aliases[i]);
    free(aliases);
}

struct cadv_container *cadv_container_unref(struct cadv_container *c)
{
    if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return NULL;
    /* The cgroup is closed when the container is removed, while the manager (and the cgroup root)
     * is alive; a handle can outlive the manager without touching it. */
    c->cg = cadv_cgroup_close(c->cg);
    cadv_procstats_cache_free(c->procs);
    c->summary = cadv_summary_free(c->summary);
    cadv_collectors_detach(c);
    cadv_ring_free(c->ring);
    cadv_spec_done(&c->spec);
    cadv_runtime_info_done(&c->rt_info);
    container_identity_free(c->ns, c->aliases, c->n_aliases);
    pthread_mutex_destroy(&c->collect_lock);
    pthread_mutex_destroy(&c->spec_lock);
    free(c->name);
    free(c);
    return NULL;
}

void cadv_containers_unref(struct cadv_container **arr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cadv_container_unref(arr[i]);
    free(arr);
}

const char *cadv_container_name(const struct cadv_container *c)
{
    return c->name;
}

void cadv_container_spec(struct cadv_container *c, struct cadv_spec *ret)
{
    pthread_mutex_lock(&c->spec_lock);
    cadv_spec_copy(ret, &c->spec);
    pthread_mutex_unlock(&c->spec_lock);
}

uint64_t cadv_container_spec_version(struct cadv_container *c)
{
    return atomic_load(&c->spec_version);
}

int cadv_container_samples(struct cadv_container *c, uint64_t start_ns, uint64_t end_ns, int max_n,
                           struct cadv_sample **ret, size_t *ret_n)
{
    return cadv_ring_query(c->ring, start_ns, end_ns, max_n, ret, ret_n);
}

int cadv_container_latest(struct cadv_container *c, struct cadv_sample *dst)
{
    return cadv_ring_latest(c->ring, dst);
}

bool cadv_container_alive(struct cadv_container *c)
{
    return atomic_load(&c->alive);
}

#define COPY_FIELD(f)           \
    do {                        \
        if (dst->f != src->f) { \
            dst->f = src->f;    \
            changed = true;     \
        }                       \
    } while (0)

/* Copies the fields cadv_cgroup_read_spec writes (all of ContainerSpec but start_time, has_network,
 * has_filesystem, has_custom_metrics, which come from the runtime or the manager) from src into dst;
 * returns true if any changed. */
static bool cgroup_fields_copy(struct cadv_spec *dst, const struct cadv_spec *src)
{
    bool changed = false;

    COPY_FIELD(creation_time_ns);
    COPY_FIELD(has_cpu);
    COPY_FIELD(cpu_limit);
    COPY_FIELD(cpu_max_limit);
    COPY_FIELD(cpu_quota);
    COPY_FIELD(cpu_period);
    COPY_FIELD(has_memory);
    COPY_FIELD(memory_limit);
    COPY_FIELD(memory_reservation);
    COPY_FIELD(memory_swap_limit);
    COPY_FIELD(has_hugetlb);
    COPY_FIELD(has_processes);
    COPY_FIELD(processes_limit);
    COPY_FIELD(has_diskio);
    if (strncmp(dst->cpu_mask, src->cpu_mask, sizeof(dst->cpu_mask)) != 0) {
        memcpy(dst->cpu_mask, src->cpu_mask, sizeof(dst->cpu_mask));
        dst->cpu_mask[sizeof(dst->cpu_mask) - 1] = '\0';
        changed = true;
    }
    return changed;
}

void container_set_limits(struct cadv_container *c, const struct cadv_spec *spec)
{
    struct cadv_spec want;

    pthread_mutex_lock(&c->spec_lock);
    want = c->spec; /* shallow: only the scalar fields are used */
    (void)cgroup_fields_copy(&want, spec);
    if (c->rt_creation_ns) /* the runtime's creation time wins over the cgroup directory's */
        want.creation_time_ns = c->rt_creation_ns;
    if (cgroup_fields_copy(&c->spec, &want))
        atomic_fetch_add(&c->spec_version, 1);
    pthread_mutex_unlock(&c->spec_lock);
}

void container_set_identity(struct cadv_container *c, const struct cadv_spec *spec,
                            struct cadv_runtime_info *info)
{
    struct cadv_spec *dst = &c->spec;
    const struct cadv_spec *src = spec;
    bool changed;

    pthread_mutex_lock(&c->spec_lock);
    changed = !cadv_spec_identity_equal(dst, src);
    if (changed)
        cadv_spec_copy_identity(dst, src);
    c->rt_creation_ns = src->creation_time_ns;
    if (src->creation_time_ns)
        COPY_FIELD(creation_time_ns);
    COPY_FIELD(start_time_ns);
    /* Network figures come from the root process's netns when the runtime says so (docker: always;
     * containerd: sandboxes only); a plugin without inspect_full gives a pid, which suffices. */
    atomic_store(&c->root_pid, src->pid);
    atomic_store(&c->health, (uint64_t)src->health);
    atomic_store(&c->net_pid, (info ? info->collect_network : true) ? src->pid : 0);
    if (info) {
        if (dst->has_network != info->has_network) {
            dst->has_network = info->has_network;
            changed = true;
        }
        cadv_runtime_info_done(&c->rt_info);
        c->rt_info = *info; /* takes over the strings */
        memset(info, 0, sizeof(*info));
    } else {
        COPY_FIELD(has_network);
    }
    COPY_FIELD(has_filesystem);
    if (changed)
        atomic_fetch_add(&c->spec_version, 1);
    pthread_mutex_unlock(&c->spec_lock);
}

int cadv_container_derived(struct cadv_container *c, struct cadv_derived *ret)
{
    int r = -ENOENT;

    pthread_mutex_lock(&c->collect_lock);
    if (c->summary) {
        cadv_summary_get(c->summary, ret);
        r = 0;
    }
    pthread_mutex_unlock(&c->collect_lock);
    return r;
}
