/* SPDX-License-Identifier: Apache-2.0 */
/* hmap.c - chained hash map (FNV-1a, power-of-two buckets, grows at load factor 1). */
#include "manager/hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct entry {
    struct entry *next;
    void *value;
    uint64_t hash;
    size_t len;
    char key[]; /* len bytes + NUL */
};

struct cadv_hmap {
    struct entry **buckets;
    size_t n_buckets; /* power of two */
    size_t count;
    void (*free_value)(void *value);
};

static uint64_t hash_bytes(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

struct cadv_hmap *cadv_hmap_new(void (*free_value)(void *value))
{
    struct cadv_hmap *h = cadv_xcalloc(1, sizeof(*h));

    h->n_buckets = 64;
    h->buckets = cadv_xcalloc(h->n_buckets, sizeof(*h->buckets));
    h->free_value = free_value;
    return h;
}

static void entry_free(struct cadv_hmap *h, struct entry *e)
{
    if (h->free_value && e->value)
        h->free_value(e->value);
    free(e);
}

struct cadv_hmap *cadv_hmap_free(struct cadv_hmap *h)
{
    if (!h)
        return NULL;
    for (size_t i = 0; i < h->n_buckets; i++) {
        struct entry *e = h->buckets[i];

        while (e) {
            struct entry *next = e->next;

            entry_free(h, e);
            e = next;
        }
    }
    free(h->buckets);
    free(h);
    return NULL;
}

size_t cadv_hmap_count(const struct cadv_hmap *h)
{
    return h->count;
}

static struct entry **find_slot(const struct cadv_hmap *h, const void *key, size_t len, uint64_t hash)
{
    struct entry **pp = &h->buckets[hash & (h->n_buckets - 1)];

    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->hash == hash && (*pp)->len == len && memcmp((*pp)->key, key, len) == 0)
            return pp;
    return pp;
}

void *cadv_hmap_get(const struct cadv_hmap *h, const void *key, size_t len)
{
    struct entry **pp = find_slot(h, key, len, hash_bytes(key, len));

    return *pp ? (*pp)->value : NULL;
}

static void grow(struct cadv_hmap *h)
{
    size_t n = h->n_buckets * 2;
    struct entry **b = cadv_xcalloc(n, sizeof(*b));

    for (size_t i = 0; i < h->n_buckets; i++) {
        struct entry *e = h->buckets[i];

        while (e) {
            struct entry *next = e->next;
            size_t j = e->hash & (n - 1);

            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    free(h->buckets);
    h->buckets = b;
    h->n_buckets = n;
}

void cadv_hmap_put(struct cadv_hmap *h, const void *key, size_t len, void *value)
{
    uint64_t hash = hash_bytes(key, len);
    struct entry **pp = find_slot(h, key, len, hash);
    struct entry *e;

    if (*pp) {
        if (h->free_value && (*pp)->value && (*pp)->value != value)
            h->free_value((*pp)->value);
        (*pp)->value = value;
        return;
    }
    e = cadv_xmalloc(sizeof(*e) + len + 1);
    e->next = NULL;
    e->value = value;
    e->hash = hash;
    e->len = len;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    *pp = e;
    h->count++;
    if (h->count > h->n_buckets)
        grow(h);
}

bool cadv_hmap_del(struct cadv_hmap *h, const void *key, size_t len)
{
    struct entry **pp = find_slot(h, key, len, hash_bytes(key, len));
    struct entry *e = *pp;

    if (!e)
        return false;
    *pp = e->next;
    h->count--;
    entry_free(h, e);
    return true;
}

void cadv_hmap_foreach(struct cadv_hmap *h, bool (*fn)(const char *key, size_t len, void *value, void *ud),
                       void *ud)
{
    for (size_t i = 0; i < h->n_buckets; i++) {
        struct entry **pp = &h->buckets[i];

        while (*pp) {
            struct entry *e = *pp;

            if (fn(e->key, e->len, e->value, ud)) {
                *pp = e->next;
                h->count--;
                entry_free(h, e);
            } else {
                pp = &e->next;
            }
        }
    }
}
