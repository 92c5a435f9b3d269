/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c - containers by name: a sorted array of references with binary search (prefix
 * ranges are contiguous in strcmp order), guarded by m->reg_lock; container handles and their
 * accessors (manager.h). */
#include "manager/registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collect/cgroup.h"
#include "collect/procstats.h"
#include "core/xalloc.h"
#include "manager/appwire.h"
#include "manager/collectors.h"
#include "manager/internal.h"
#include "manager/manager.h"
#include "store/ring.h"
#include "store/summary.h"

struct cadv_container *cadv_registry_container_new(const char *name, struct cadv_cgroup *cg,
                                                   uint64_t storage_ns, uint64_t interval_ns)
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

static void identity_clear(struct cadv_container *c)
{
    free(c->ns);
    for (size_t i = 0; i < c->n_aliases; i++)
        free(c->aliases[i]);
    free(c->aliases);
    c->ns = NULL;
    c->aliases = NULL;
    c->n_aliases = 0;
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
    identity_clear(c);
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

void cadv_container_set_limits(struct cadv_container *c, const struct cadv_spec *spec)
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

void cadv_container_set_identity(struct cadv_manager *m, struct cadv_container *c,
                                 const struct cadv_spec *spec, struct cadv_runtime_info *info)
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
    cadv_registry_set_identity(m, c, spec);
    cadv_appwire_identity(m, c, spec);
}

/* strcmp(name, key), where key is k[0..klen) followed by `extra` unless extra is NUL. */
static int cmp_key(const char *name, const char *k, size_t klen, char extra)
{
    for (size_t i = 0; i < klen; i++) {
        unsigned char a = (unsigned char)name[i], b = (unsigned char)k[i];

        if (a != b)
            return a < b ? -1 : 1;
    }
    if (extra == '\0')
        return name[klen] ? 1 : 0;
    if ((unsigned char)name[klen] != (unsigned char)extra)
        return (unsigned char)name[klen] < (unsigned char)extra ? -1 : 1;
    return name[klen + 1] ? 1 : 0;
}

/* First index whose name is >= key (see cmp_key). Registry lock held. */
static size_t lower_bound(const struct cadv_manager *m, const char *k, size_t klen, char extra)
{
    size_t lo = 0, hi = m->n_reg;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cmp_key(m->reg[mid]->name, k, klen, extra) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool has_prefix(const char *name, const char *k, size_t klen, char extra)
{
    if (strncmp(name, k, klen) != 0)
        return false;
    return extra == '\0' || name[klen] == extra;
}

/* Index of exactly `name`, or SIZE_MAX. Registry lock held. */
static size_t find_exact(const struct cadv_manager *m, const char *name, size_t len)
{
    size_t i = lower_bound(m, name, len, '\0');

    return i < m->n_reg && cmp_key(m->reg[i]->name, name, len, '\0') == 0 ? i : SIZE_MAX;
}

int cadv_registry_insert(struct cadv_manager *m, struct cadv_container *c)
{
    size_t i;
    int r = 0;

    pthread_rwlock_wrlock(&m->reg_lock);
    i = lower_bound(m, c->name, c->name_len, '\0');
    if (i < m->n_reg && strcmp(m->reg[i]->name, c->name) == 0) {
        r = -EEXIST;
        goto out;
    }
    if (m->n_reg >= CADV_MANAGER_MAX_CONTAINERS) {
        r = -ENOSPC;
        goto out;
    }
    cadv_xgrow((void **)&m->reg, &m->cap_reg, m->n_reg + 1, sizeof(*m->reg));
    memmove(&m->reg[i + 1], &m->reg[i], (m->n_reg - i) * sizeof(*m->reg));
    m->reg[i] = cadv_container_ref(c);
    m->n_reg++;
out:
    pthread_rwlock_unlock(&m->reg_lock);
    return r;
}

bool cadv_registry_remove(struct cadv_manager *m, struct cadv_container *c)
{
    bool removed = false;
    size_t i;

    pthread_rwlock_wrlock(&m->reg_lock);
    i = find_exact(m, c->name, c->name_len);
    if (i != SIZE_MAX && m->reg[i] == c) {
        memmove(&m->reg[i], &m->reg[i + 1], (m->n_reg - i - 1) * sizeof(*m->reg));
        m->n_reg--;
        removed = true;
    }
    pthread_rwlock_unlock(&m->reg_lock);
    if (removed)
        cadv_container_unref(c);
    return removed;
}

void cadv_registry_take_all(struct cadv_manager *m, struct cadv_container ***ret, size_t *ret_n)
{
    pthread_rwlock_wrlock(&m->reg_lock);
    *ret = m->reg;
    *ret_n = m->n_reg;
    m->reg = NULL;
    m->n_reg = m->cap_reg = 0;
    pthread_rwlock_unlock(&m->reg_lock);
}

size_t cadv_registry_count(struct cadv_manager *m)
{
    size_t n;

    pthread_rwlock_rdlock(&m->reg_lock);
    n = m->n_reg;
    pthread_rwlock_unlock(&m->reg_lock);
    return n;
}

void cadv_registry_set_identity(struct cadv_manager *m, struct cadv_container *c,
                                const struct cadv_spec *spec)
{
    char *ns = spec->namespace_ ? cadv_xstrdup(spec->namespace_) : NULL;
    char **aliases = spec->n_aliases ? cadv_xcalloc(spec->n_aliases, sizeof(*aliases)) : NULL;

    for (size_t i = 0; i < spec->n_aliases; i++)
        aliases[i] = cadv_xstrdup(spec->aliases[i]);
    pthread_rwlock_wrlock(&m->reg_lock);
    identity_clear(c);
    c->ns = ns;
    c->aliases = aliases;
    c->n_aliases = spec->n_aliases;
    pthread_rwlock_unlock(&m->reg_lock);
}

struct cadv_container *cadv_manager_get(struct cadv_manager *m, const char *name)
{
    struct cadv_container *c = NULL;
    size_t i;

    pthread_rwlock_rdlock(&m->reg_lock);
    i = find_exact(m, name, strlen(name));
    if (i != SIZE_MAX)
        c = cadv_container_ref(m->reg[i]);
    pthread_rwlock_unlock(&m->reg_lock);
    return c;
}

/* Appends a reference to c to the growing result array. */
static void push_ref(struct cadv_container ***arr, size_t *n, size_t *cap, struct cadv_container *c)
{
    cadv_xgrow((void **)arr, cap, *n + 1, sizeof(**arr));
    (*arr)[(*n)++] = cadv_container_ref(c);
}

int cadv_manager_list(struct cadv_manager *m, const char *name, bool recursive, struct cadv_container ***ret,
                      size_t *ret_n)
{
    struct cadv_container **arr = NULL;
    size_t n = 0, cap = 0, len = strlen(name);

    while (len > 1 && name[len - 1] == '/') /* "/docker/" means "/docker" */
        len--;
    pthread_rwlock_rdlock(&m->reg_lock);
    if (len == 1 && name[0] == '/' && recursive) {
        for (size_t i = 0; i < m->n_reg; i++)
            push_ref(&arr, &n, &cap, m->reg[i]);
    } else {
        size_t i = find_exact(m, name, len);

        if (i != SIZE_MAX)
            push_ref(&arr, &n, &cap, m->reg[i]);
        for (i = lower_bound(m, name, len, '/'); recursive && i < m->n_reg; i++) {
            if (!has_prefix(m->reg[i]->name, name, len, '/'))
                break;
            push_ref(&arr, &n, &cap, m->reg[i]);
        }
    }
    pthread_rwlock_unlock(&m->reg_lock);
    *ret = arr;
    *ret_n = n;
    return 0;
}

int cadv_container_children(struct cadv_manager *m, struct cadv_container *c, struct cadv_container ***ret,
                            size_t *ret_n)
{
    struct cadv_container **arr = NULL;
    size_t n = 0, cap = 0;
    /* Descendants of "/" are the names starting with "/"; of "/a", those starting with "/a/". */
    size_t plen = c->is_root ? 1 : c->name_len;
    char extra = c->is_root ? '\0' : '/';
    size_t skip = c->is_root ? 1 : c->name_len + 1;

    pthread_rwlock_rdlock(&m->reg_lock);
    for (size_t i = lower_bound(m, c->name, plen, extra); i < m->n_reg;) {
        const char *name = m->reg[i]->name;
        const char *slash;
        size_t end;

        if (!has_prefix(name, c->name, plen, extra))
            break;
        if (name[skip] == '\0') { /* "/" itself */
            i++;
            continue;
        }
        slash = strchr(name + skip, '/');
        if (!slash) {
            push_ref(&arr, &n, &cap, m->reg[i]);
            i++;
            continue;
        }
        /* A deeper descendant D/...: the names with prefix D/ are the range [D/, D0) ('0' follows '/'),
         * and this is its first; jump past it. */
        end = (size_t)(slash - name);
        i = lower_bound(m, name, end, '0');
    }
    pthread_rwlock_unlock(&m->reg_lock);
    *ret = arr;
    *ret_n = n;
    return 0;
}

int cadv_manager_list_namespace(struct cadv_manager *m, const char *ns, struct cadv_container ***ret,
                                size_t *ret_n)
{
    struct cadv_container **arr = NULL;
    size_t n = 0, cap = 0;

    pthread_rwlock_rdlock(&m->reg_lock);
    for (size_t i = 0; i < m->n_reg; i++)
        if (m->reg[i]->ns && strcmp(m->reg[i]->ns, ns) == 0)
            push_ref(&arr, &n, &cap, m->reg[i]);
    pthread_rwlock_unlock(&m->reg_lock);
    *ret = arr;
    *ret_n = n;
    return 0;
}

/* 2: an alias equals `alias`; 1: an alias starts with it; 0: neither. */
static int alias_match(const struct cadv_container *c, const char *alias, size_t len)
{
    int best = 0;

    for (size_t j = 0; j < c->n_aliases; j++) {
        if (strcmp(c->aliases[j], alias) == 0)
            return 2;
        if (strncmp(c->aliases[j], alias, len) == 0)
            best = 1;
    }
    return best;
}

int cadv_manager_find_alias(struct cadv_manager *m, const char *ns, const char *alias,
                            struct cadv_container **ret)
{
    struct cadv_container *found = NULL;
    size_t len = strlen(alias);
    int r = -ENOENT;

    if (len == 0)
        return -ENOENT;
    pthread_rwlock_rdlock(&m->reg_lock);
    for (size_t i = 0; i < m->n_reg; i++) {
        struct cadv_container *c = m->reg[i];
        int match;

        if (!c->ns || strcmp(c->ns, ns) != 0)
            continue;
        match = alias_match(c, alias, len);
        if (match == 2) {
            found = c;
            r = 0;
            break;
        }
        if (match == 1) {
            /* A prefix must be unique among containers, as in cAdvisor's docker lookup. */
            r = found ? -ENOTUNIQ : 0;
            found = c;
        }
    }
    if (r == 0)
        *ret = cadv_container_ref(found);
    pthread_rwlock_unlock(&m->reg_lock);
    return r;
}
