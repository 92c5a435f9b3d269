/* SPDX-License-Identifier: Apache-2.0 */
/* spec.c - container spec ownership helpers. */
#include "model/spec.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void cadv_spec_init(struct cadv_spec *s)
{
    memset(s, 0, sizeof(*s));
}

static void kv_free(struct cadv_kv *arr, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(arr[i].key);
        free(arr[i].value);
    }
    free(arr);
}

static void identity_free(struct cadv_spec *s)
{
    free(s->id);
    for (size_t i = 0; i < s->n_aliases; i++)
        free(s->aliases[i]);
    /* False positive below: via cadv_spec_copy the analyzer loses that the whole-struct assignment
     * left aliases NULL, as this function leaves it. */
    free(s->aliases); // NOLINT(clang-analyzer-unix.Malloc)
    free(s->namespace_);
    free(s->image);
    kv_free(s->labels, s->n_labels);
    kv_free(s->envs, s->n_envs);
    s->id = s->namespace_ = s->image = NULL;
    s->aliases = NULL;
    s->labels = s->envs = NULL;
    s->n_aliases = s->n_labels = s->n_envs = 0;
}

void cadv_spec_done(struct cadv_spec *s)
{
    identity_free(s);
    memset(s, 0, sizeof(*s));
}

static char *dup_or_null(const char *s)
{
    return s ? cadv_xstrdup(s) : NULL;
}

static struct cadv_kv *kv_dup(const struct cadv_kv *arr, size_t n)
{
    struct cadv_kv *r;

    if (n == 0)
        return NULL;
    r = cadv_xcalloc(n, sizeof(*r));
    for (size_t i = 0; i < n; i++) {
        r[i].key = cadv_xstrdup(arr[i].key);
        r[i].value = cadv_xstrdup(arr[i].value);
    }
    return r;
}

void cadv_spec_copy_identity(struct cadv_spec *dst, const struct cadv_spec *src)
{
    if (dst == src)
        return;
    identity_free(dst);
    dst->id = dup_or_null(src->id);
    dst->namespace_ = dup_or_null(src->namespace_);
    dst->image = dup_or_null(src->image);
    if (src->n_aliases) {
        dst->aliases = cadv_xcalloc(src->n_aliases, sizeof(char *));
        for (size_t i = 0; i < src->n_aliases; i++)
            dst->aliases[i] = cadv_xstrdup(src->aliases[i]);
    }
    dst->n_aliases = src->n_aliases;
    dst->labels = kv_dup(src->labels, src->n_labels);
    dst->n_labels = src->n_labels;
    dst->envs = kv_dup(src->envs, src->n_envs);
    dst->n_envs = src->n_envs;
    dst->pid = src->pid;
    dst->health = src->health;
    dst->has_health_check = src->has_health_check;
}

void cadv_spec_copy(struct cadv_spec *dst, const struct cadv_spec *src)
{
    struct cadv_spec tmp;

    if (dst == src)
        return;
    tmp = *src;
    tmp.id = NULL;
    tmp.aliases = NULL;
    tmp.n_aliases = 0;
    tmp.namespace_ = tmp.image = NULL;
    tmp.labels = tmp.envs = NULL;
    tmp.n_labels = tmp.n_envs = 0;
    identity_free(dst);
    *dst = tmp;
    cadv_spec_copy_identity(dst, src);
}

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool kv_eq(const struct cadv_kv *a, size_t na, const struct cadv_kv *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].key, b[i].key) != 0 || strcmp(a[i].value, b[i].value) != 0)
            return false;
    return true;
}

bool cadv_spec_identity_equal(const struct cadv_spec *a, const struct cadv_spec *b)
{
    if (!str_eq(a->id, b->id) || !str_eq(a->namespace_, b->namespace_) || !str_eq(a->image, b->image) ||
        a->n_aliases != b->n_aliases)
        return false;
    for (size_t i = 0; i < a->n_aliases; i++)
        if (strcmp(a->aliases[i], b->aliases[i]) != 0)
            return false;
    return kv_eq(a->labels, a->n_labels, b->labels, b->n_labels) &&
           kv_eq(a->envs, a->n_envs, b->envs, b->n_envs);
}

void cadv_kv_set(struct cadv_kv **arr, size_t *n, const char *key, const char *value)
{
    size_t lo = 0, hi = *n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp((*arr)[mid].key, key);

        if (c == 0) {
            free((*arr)[mid].value);
            (*arr)[mid].value = cadv_xstrdup(value);
            return;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *arr = cadv_xrealloc(*arr, (*n + 1) * sizeof(**arr));
    memmove(*arr + lo + 1, *arr + lo, (*n - lo) * sizeof(**arr));
    (*arr)[lo].key = cadv_xstrdup(key);
    (*arr)[lo].value = cadv_xstrdup(value);
    (*n)++;
}

const char *cadv_kv_get(const struct cadv_kv *arr, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arr[i].key, key) == 0)
            return arr[i].value;
    return NULL;
}
