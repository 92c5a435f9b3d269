/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c - containers by name: a sorted array of references with binary search (prefix
 * ranges are contiguous in strcmp order) under the registry's rwlock; the lookups of manager.h. */
#include "manager/registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "manager/container.h"
#include "manager/lifecycle.h"
#include "manager/manager.h"

struct registry {
    pthread_rwlock_t lock;         /* the array and every container's ns/aliases */
    struct cadv_container **items; /* sorted by name (strcmp), one reference each */
    size_t n, cap;
    atomic_bool full_logged; /* the cap was reached (logged once) */
};

struct registry *registry_new(void)
{
    struct registry *reg = cadv_xcalloc(1, sizeof(*reg));

    pthread_rwlock_init(&reg->lock, NULL);
    return reg;
}

struct registry *registry_free(struct registry *reg)
{
    if (!reg)
        return NULL;
    cadv_containers_unref(reg->items, reg->n);
    pthread_rwlock_destroy(&reg->lock);
    free(reg);
    return NULL;
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
static size_t lower_bound(const struct registry *reg, const char *k, size_t klen, char extra)
{
    size_t lo = 0, hi = reg->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cmp_key(reg->items[mid]->name, k, klen, extra) < 0)
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
static size_t find_exact(const struct registry *reg, const char *name, size_t len)
{
    size_t i = lower_bound(reg, name, len, '\0');

    return i < reg->n && cmp_key(reg->items[i]->name, name, len, '\0') == 0 ? i : SIZE_MAX;
}

int registry_insert(struct registry *reg, struct cadv_container *c)
{
    size_t i;
    int r = 0;

    pthread_rwlock_wrlock(&reg->lock);
    i = lower_bound(reg, c->name, c->name_len, '\0');
    if (i < reg->n && strcmp(reg->items[i]->name, c->name) == 0) {
        r = -EEXIST;
        goto out;
    }
    if (reg->n >= CADV_MANAGER_MAX_CONTAINERS) {
        r = -ENOSPC;
        goto out;
    }
    cadv_xgrow((void **)&reg->items, &reg->cap, reg->n + 1, sizeof(*reg->items));
    memmove(&reg->items[i + 1], &reg->items[i], (reg->n - i) * sizeof(*reg->items));
    reg->items[i] = cadv_container_ref(c);
    reg->n++;
out:
    pthread_rwlock_unlock(&reg->lock);
    if (r == -ENOSPC && !atomic_exchange(&reg->full_logged, true))
        cadv_log(CADV_LOG_WARNING, "More than %d containers, '%s' and later ones are not tracked",
                 CADV_MANAGER_MAX_CONTAINERS, c->name);
    return r;
}

bool registry_remove(struct registry *reg, struct cadv_container *c)
{
    bool removed = false;
    size_t i;

    pthread_rwlock_wrlock(&reg->lock);
    i = find_exact(reg, c->name, c->name_len);
    if (i != SIZE_MAX && reg->items[i] == c) {
        memmove(&reg->items[i], &reg->items[i + 1], (reg->n - i - 1) * sizeof(*reg->items));
        reg->n--;
        removed = true;
    }
    pthread_rwlock_unlock(&reg->lock);
    if (removed)
        cadv_container_unref(c);
    return removed;
}

void registry_take_all(struct registry *reg, struct cadv_container ***ret, size_t *ret_n)
{
    pthread_rwlock_wrlock(&reg->lock);
    *ret = reg->items;
    *ret_n = reg->n;
    reg->items = NULL;
    reg->n = reg->cap = 0;
    pthread_rwlock_unlock(&reg->lock);
}

size_t registry_count(struct registry *reg)
{
    size_t n;

    pthread_rwlock_rdlock(&reg->lock);
    n = reg->n;
    pthread_rwlock_unlock(&reg->lock);
    return n;
}

void registry_set_identity(struct registry *reg, struct cadv_container *c, const struct cadv_spec *spec)
{
    char *ns = spec->namespace_ ? cadv_xstrdup(spec->namespace_) : NULL;
    char **aliases = spec->n_aliases ? cadv_xcalloc(spec->n_aliases, sizeof(*aliases)) : NULL;

    for (size_t i = 0; i < spec->n_aliases; i++)
        aliases[i] = cadv_xstrdup(spec->aliases[i]);
    char *old_ns;
    char **old_aliases;
    size_t old_n;

    pthread_rwlock_wrlock(&reg->lock);
    old_ns = c->ns;
    old_aliases = c->aliases;
    old_n = c->n_aliases;
    c->ns = ns;
    c->aliases = aliases;
    c->n_aliases = spec->n_aliases;
    pthread_rwlock_unlock(&reg->lock);
    container_identity_free(old_ns, old_aliases, old_n);
}

struct cadv_container *cadv_manager_get(struct cadv_manager *m, const char *name)
{
    struct registry *reg = manager_registry(m);
    struct cadv_container *c = NULL;
    size_t i;

    pthread_rwlock_rdlock(&reg->lock);
    i = find_exact(reg, name, strlen(name));
    if (i != SIZE_MAX)
        c = cadv_container_ref(reg->items[i]);
    pthread_rwlock_unlock(&reg->lock);
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
    struct registry *reg = manager_registry(m);
    struct cadv_container **arr = NULL;
    size_t n = 0, cap = 0, len = strlen(name);

    while (len > 1 && name[len - 1] == '/') /* "/docker/" means "/docker" */
        len--;
    pthread_rwlock_rdlock(&reg->lock);
    if (len == 1 && name[0] == '/' && recursive) {
        for (size_t i = 0; i < reg->n; i++)
            push_ref(&arr, &n, &cap, reg->items[i]);
    } else {
        size_t i = find_exact(reg, name, len);

        if (i != SIZE_MAX)
            push_ref(&arr, &n, &cap, reg->items[i]);
        for (i = lower_bound(reg, name, len, '/'); recursive && i < reg->n; i++) {
            if (!has_prefix(reg->items[i]->name, name, len, '/'))
                break;
            push_ref(&arr, &n, &cap, reg->items[i]);
        }
    }
    pthread_rwlock_unlock(&reg->lock);
    *ret = arr;
    *ret_n = n;
    return 0;
}

int cadv_container_children(struct cadv_manager *m, struct cadv_container *c, struct cadv_container ***ret,
                            size_t *ret_n)
{
    struct registry *reg = manager_registry(m);
    struct cadv_container **arr = NULL;
    size_t n = 0, cap = 0;
    /* Descendants of "/" are the names starting with "/"; of "/a", those starting with "/a/". */
    size_t plen = c->is_root ? 1 : c->name_len;
    char extra = c->is_root ? '\0' : '/';
    size_t skip = c->is_root ? 1 : c->name_len + 1;

    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = lower_bound(reg, c->name, plen, extra); i < reg->n;) {
        const char *name = reg->items[i]->name;
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
            push_ref(&arr, &n, &cap, reg->items[i]);
            i++;
            continue;
        }
        /* A deeper descendant D/...: the names with prefix D/ are the range [D/, D0) ('0' follows '/'),
         * and this is its first; jump past it. */
        end = (size_t)(slash - name);
        i = lower_bound(reg, name, end, '0');
    }
    pthread_rwlock_unlock(&reg->lock);
    *ret = arr;
    *ret_n = n;
    return 0;
}

int cadv_manager_list_namespace(struct cadv_manager *m, const char *ns, struct cadv_container ***ret,
                                size_t *ret_n)
{
    struct registry *reg = manager_registry(m);
    struct cadv_container **arr = NULL;
    size_t n = 0, cap = 0;

    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->n; i++)
        if (reg->items[i]->ns && strcmp(reg->items[i]->ns, ns) == 0)
            push_ref(&arr, &n, &cap, reg->items[i]);
    pthread_rwlock_unlock(&reg->lock);
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
    struct registry *reg = manager_registry(m);
    struct cadv_container *found = NULL;
    size_t len = strlen(alias);
    int r = -ENOENT;

    if (len == 0)
        return -ENOENT;
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->n; i++) {
        struct cadv_container *c = reg->items[i];
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
    pthread_rwlock_unlock(&reg->lock);
    return r;
}
