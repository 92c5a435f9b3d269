/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_labels.c - per-container label sets, cached by (name, spec_version), and the scrape's union.
 *
 * DESIGN: entries live in an open-addressing hash table keyed by container name. An entry holds the
 * caller's slot, the container's own (raw key, raw value) pairs sorted by key, and its row rendered for
 * the current union (remembered by union_version). Entries not used for SWEEP_AGE builds are freed. */
#include "wire/metrics_labels.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "wire/metrics_fmt.h"
#include "wire/metrics_input.h"

#define SWEEP_EVERY 32
#define SWEEP_AGE   64

struct entry {
    char *name;
    uint64_t hash;
    uint64_t seen; /* build sequence of the last use */
    struct cadv_metrics_slot slot;
    bool has_slot;
    /* Own label pairs, sorted by raw key. */
    bool has_pairs;
    uint64_t pairs_version;
    size_t n_pairs;
    char **pkeys;
    char **pvals;
    uint64_t keyset_hash;
    /* Row for union row_union. */
    uint64_t row_union;
    struct cadv_buf rowbuf;
    uint32_t *off;
    const char **rvals;
    size_t row_keys_cap;
    struct cadv_prom_row row;
};

struct cadv_prom_labels {
    struct entry **tab;
    size_t cap, n;
    uint64_t seq;
    uint64_t stamps; /* the last row stamp given */
    /* Current union: sanitised names (sorted) and the raw key each one takes its value from. */
    uint64_t union_version;
    size_t n_keys;
    char **keys;
    char **winners;
    /* Scratch of a build. */
    struct entry **ents;
    size_t ents_cap;
    const struct cadv_prom_row **rows;
    uint32_t *order;
    size_t rows_cap;
};

static uint64_t hash_str(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

static void pairs_clear(struct entry *e)
{
    for (size_t i = 0; i < e->n_pairs; i++) {
        free(e->pkeys[i]);
        free(e->pvals[i]);
    }
    free(e->pkeys);
    free(e->pvals);
    e->pkeys = e->pvals = NULL;
    e->n_pairs = 0;
    e->has_pairs = false;
}

static void entry_free(struct entry *e)
{
    if (!e)
        return;
    pairs_clear(e);
    if (e->has_slot) {
        cadv_spec_done(&e->slot.spec);
        cadv_sample_done(&e->slot.sample);
    }
    cadv_buf_done(&e->rowbuf);
    free(e->off);
    free(e->rvals);
    free(e->name);
    free(e);
}

struct cadv_prom_labels *cadv_prom_labels_new(void)
{
    struct cadv_prom_labels *l = cadv_xcalloc(1, sizeof(*l));

    l->cap = 64;
    l->tab = cadv_xcalloc(l->cap, sizeof(*l->tab));
    l->union_version = 1;
    return l;
}

static void keys_free(struct cadv_prom_labels *l)
{
    for (size_t i = 0; i < l->n_keys; i++) {
        free(l->keys[i]);
        free(l->winners[i]);
    }
    free(l->keys);
    free(l->winners);
    l->keys = l->winners = NULL;
    l->n_keys = 0;
}

struct cadv_prom_labels *cadv_prom_labels_free(struct cadv_prom_labels *l)
{
    if (!l)
        return NULL;
    for (size_t i = 0; i < l->cap; i++)
        entry_free(l->tab[i]);
    free(l->tab);
    keys_free(l);
    free(l->ents);
    free(l->rows);
    free(l->order);
    free(l);
    return NULL;
}

static void table_insert(struct entry **tab, size_t cap, struct entry *e)
{
    size_t i = e->hash & (cap - 1);

    while (tab[i])
        i = (i + 1) & (cap - 1);
    tab[i] = e;
}

static void table_rebuild(struct cadv_prom_labels *l, size_t cap)
{
    struct entry **tab = cadv_xcalloc(cap, sizeof(*tab));

    for (size_t i = 0; i < l->cap; i++)
        if (l->tab[i])
            table_insert(tab, cap, l->tab[i]);
    free(l->tab);
    l->tab = tab;
    l->cap = cap;
}

static struct entry *lookup(struct cadv_prom_labels *l, const char *name)
{
    uint64_t h = hash_str(name, 14695981039346656037ULL);
    size_t i;
    struct entry *e;

    if (2 * (l->n + 1) > l->cap)
        table_rebuild(l, l->cap * 2);
    for (i = h & (l->cap - 1); l->tab[i]; i = (i + 1) & (l->cap - 1))
        if (l->tab[i]->hash == h && strcmp(l->tab[i]->name, name) == 0) {
            l->tab[i]->seen = l->seq;
            return l->tab[i];
        }
    e = cadv_xcalloc(1, sizeof(*e));
    e->name = cadv_xstrdup(name);
    e->hash = h;
    e->seen = l->seq;
    cadv_buf_init(&e->rowbuf, 0);
    l->tab[i] = e;
    l->n++;
    return e;
}

static void sweep(struct cadv_prom_labels *l)
{
    size_t kept = 0;

    for (size_t i = 0; i < l->cap; i++) {
        struct entry *e = l->tab[i];

        if (e && e->seen + SWEEP_AGE < l->seq) {
            entry_free(e);
            l->tab[i] = NULL;
        } else if (e) {
            kept++;
        }
    }
    l->n = kept;
    table_rebuild(l, l->cap);
}

/* The entry that holds slot (from cadv_prom_labels_slot of l, whose entries the build keeps: none is
 * swept between a snapshot and its build) for name, marked seen; else by name. */
static struct entry *entry_of(struct cadv_prom_labels *l, struct cadv_metrics_slot *slot, const char *name)
{
    struct entry *e;

    if (!slot)
        return lookup(l, name);
    e = (struct entry *)(void *)((char *)slot - offsetof(struct entry, slot));
    if (!e->has_slot || strcmp(e->name, name) != 0)
        return lookup(l, name);
    e->seen = l->seq;
    return e;
}

struct cadv_metrics_slot *cadv_prom_labels_slot(struct cadv_prom_labels *l, const char *name)
{
    struct entry *e = lookup(l, name);

    if (!e->has_slot) {
        cadv_spec_init(&e->slot.spec);
        cadv_sample_init(&e->slot.sample);
        e->has_slot = true;
    }
    return &e->slot;
}

static bool whitelisted(char *const *wl, const char *key)
{
    for (; wl && *wl; wl++) {
        const char *w = *wl;
        size_t n;

        while (isspace((unsigned char)*w))
            w++;
        n = strlen(w);
        while (n > 0 && isspace((unsigned char)w[n - 1]))
            n--;
        if (strlen(key) == n && memcmp(key, w, n) == 0)
            return true;
    }
    return false;
}

static void add_pair(struct entry *e, const char *prefix, const char *key, const char *value)
{
    e->pkeys[e->n_pairs] = cadv_xasprintf("%s%s", prefix, key);
    e->pvals[e->n_pairs] = cadv_xstrdup(value ? value : "");
    e->n_pairs++;
}

static int cmp_pair_idx(const void *a, const void *b, void *ctx)
{
    char **keys = ctx;

    return strcmp(keys[*(const size_t *)a], keys[*(const size_t *)b]);
}

/* Sorts the pairs by key (they are built nearly sorted; this runs only when a spec changes). */
static void sort_pairs(struct entry *e)
{
    size_t *idx = cadv_xmalloc(e->n_pairs * sizeof(*idx) + 1);
    char **k = cadv_xmalloc(e->n_pairs * sizeof(*k) + 1), **v = cadv_xmalloc(e->n_pairs * sizeof(*v) + 1);

    for (size_t i = 0; i < e->n_pairs; i++)
        idx[i] = i;
    qsort_r(idx, e->n_pairs, sizeof(*idx), cmp_pair_idx, e->pkeys);
    for (size_t i = 0; i < e->n_pairs; i++) {
        k[i] = e->pkeys[idx[i]];
        v[i] = e->pvals[idx[i]];
    }
    free(e->pkeys);
    free(e->pvals);
    e->pkeys = k;
    e->pvals = v;
    free(idx);
}

/* cAdvisor's DefaultContainerLabels / BaseContainerLabels. */
static void compute_pairs(struct entry *e, const struct cadv_metrics_item *it, bool store_all,
                          char *const *wl)
{
    const struct cadv_spec *sp = it->spec;
    size_t cap = 3 + (sp ? sp->n_labels + sp->n_envs : 0);
    uint64_t h = 14695981039346656037ULL;

    pairs_clear(e);
    e->pkeys = cadv_xcalloc(cap, sizeof(char *));
    e->pvals = cadv_xcalloc(cap, sizeof(char *));
    add_pair(e, "", "id", it->name);
    if (sp && sp->n_aliases > 0)
        add_pair(e, "", "name", sp->aliases[0]);
    if (sp && sp->image && sp->image[0])
        add_pair(e, "", "image", sp->image);
    for (size_t i = 0; sp && i < sp->n_labels; i++)
        if (store_all || whitelisted(wl, sp->labels[i].key))
            add_pair(e, "container_label_", sp->labels[i].key, sp->labels[i].value);
    for (size_t i = 0; sp && i < sp->n_envs; i++)
        add_pair(e, "container_env_", sp->envs[i].key, sp->envs[i].value);
    sort_pairs(e);
    /* Drop duplicate keys (a runtime could hand us two labels with one key): keep the first. */
    for (size_t i = 1; i < e->n_pairs;)
        if (strcmp(e->pkeys[i], e->pkeys[i - 1]) == 0) {
            free(e->pkeys[i]);
            free(e->pvals[i]);
            memmove(e->pkeys + i, e->pkeys + i + 1, (e->n_pairs - i - 1) * sizeof(char *));
            memmove(e->pvals + i, e->pvals + i + 1, (e->n_pairs - i - 1) * sizeof(char *));
            e->n_pairs--;
        } else {
            i++;
        }
    for (size_t i = 0; i < e->n_pairs; i++)
        h = hash_str(e->pkeys[i], h);
    e->keyset_hash = h;
    e->has_pairs = true;
    e->pairs_version = it->spec_version;
    e->row_union = 0;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct kw {
    char *san;
    const char *raw;
};

static int cmp_kw(const void *a, const void *b)
{
    const struct kw *x = a, *y = b;
    int c = strcmp(x->san, y->san);

    return c ? c : strcmp(x->raw, y->raw);
}

/* Gathers the raw keys of every distinct key set among the n entries, sorted and unique. */
static char **gather_raw_keys(struct entry **ents, size_t n, size_t *ret_n)
{
    uint64_t *seen = NULL;
    size_t n_seen = 0, seen_cap = 0, n_raw = 0, raw_cap = 0;
    char **raw = NULL;

    for (size_t i = 0; i < n; i++) {
        bool dup = false;

        for (size_t j = 0; j < n_seen && !dup; j++)
            dup = seen[j] == ents[i]->keyset_hash;
        if (dup)
            continue;
        cadv_xgrow((void **)&seen, &seen_cap, n_seen + 1, sizeof(*seen));
        seen[n_seen++] = ents[i]->keyset_hash;
        cadv_xgrow((void **)&raw, &raw_cap, n_raw + ents[i]->n_pairs, sizeof(*raw));
        for (size_t k = 0; k < ents[i]->n_pairs; k++)
            raw[n_raw++] = ents[i]->pkeys[k];
    }
    free(seen);
    if (n_raw > 1)
        qsort(raw, n_raw, sizeof(*raw), cmp_str_ptr);
    size_t u = 0;
    for (size_t i = 0; i < n_raw; i++)
        if (u == 0 || strcmp(raw[u - 1], raw[i]) != 0)
            raw[u++] = raw[i];
    *ret_n = u;
    return raw;
}

/* Recomputes the union of the entries' keys; bumps union_version if it changed. If two raw keys
 * sanitise to one name, the smallest raw key wins (cAdvisor: "arbitrarily"). */
static void compute_union(struct cadv_prom_labels *l, struct entry **ents, size_t n)
{
    size_t n_raw, nk = 0;
    char **raw = gather_raw_keys(ents, n, &n_raw);
    struct kw *kw = cadv_xcalloc(n_raw + 1, sizeof(*kw));
    bool same;

    for (size_t i = 0; i < n_raw; i++) {
        kw[i].san = cadv_xstrdup(raw[i]);
        kw[i].raw = raw[i];
        cadv_prom_sanitize(kw[i].san);
    }
    if (n_raw > 1)
        qsort(kw, n_raw, sizeof(*kw), cmp_kw);
    for (size_t i = 0; i < n_raw; i++) {
        if (nk > 0 && strcmp(kw[nk - 1].san, kw[i].san) == 0) {
            free(kw[i].san);
            continue;
        }
        kw[nk++] = kw[i];
    }
    same = nk == l->n_keys;
    for (size_t i = 0; same && i < nk; i++)
        same = strcmp(kw[i].san, l->keys[i]) == 0 && strcmp(kw[i].raw, l->winners[i]) == 0;
    if (!same) {
        keys_free(l);
        l->keys = cadv_xcalloc(nk + 1, sizeof(char *));
        l->winners = cadv_xcalloc(nk + 1, sizeof(char *));
        for (size_t i = 0; i < nk; i++) {
            l->keys[i] = kw[i].san;
            kw[i].san = NULL;
            l->winners[i] = cadv_xstrdup(kw[i].raw);
        }
        l->n_keys = nk;
        l->union_version++;
    }
    for (size_t i = 0; i < nk; i++)
        free(kw[i].san);
    free(kw);
    free(raw);
}

static const char *find_value(const struct entry *e, const char *key)
{
    size_t lo = 0, hi = e->n_pairs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(e->pkeys[mid], key);

        if (c == 0)
            return e->pvals[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void build_row(struct cadv_prom_labels *l, struct entry *e)
{
    if (e->row_keys_cap < l->n_keys + 1) {
        e->row_keys_cap = l->n_keys + 1;
        e->off = cadv_xrealloc(e->off, e->row_keys_cap * sizeof(*e->off));
        e->rvals = cadv_xrealloc(e->rvals, e->row_keys_cap * sizeof(*e->rvals));
    }
    cadv_buf_clear(&e->rowbuf);
    for (size_t i = 0; i < l->n_keys; i++) {
        const char *v = find_value(e, l->winners[i]);

        e->off[i] = (uint32_t)e->rowbuf.len;
        e->rvals[i] = v ? v : "";
        cadv_buf_puts(&e->rowbuf, l->keys[i]);
        cadv_buf_append(&e->rowbuf, "=\"", 2);
        cadv_prom_put_label_value(&e->rowbuf, e->rvals[i]);
        cadv_buf_append(&e->rowbuf, "\",", 2);
    }
    e->off[l->n_keys] = (uint32_t)e->rowbuf.len;
    e->row.s = e->rowbuf.data ? e->rowbuf.data : "";
    e->row.off = e->off;
    e->row.vals = e->rvals;
    e->row.stamp = ++l->stamps; /* the label text changed: series planned with it are stale */
    e->row_union = l->union_version;
}

static int cmp_rows(const void *a, const void *b, void *ctx)
{
    const struct cadv_prom_labels *l = ctx;
    const struct cadv_prom_row *x = l->rows[*(const uint32_t *)a], *y = l->rows[*(const uint32_t *)b];

    for (size_t i = 0; i < l->n_keys; i++) {
        int c = strcmp(x->vals[i], y->vals[i]);

        if (c)
            return c;
    }
    return 0;
}

/* Orders the rows by label values (the Go client sorts series so); usually they already are. */
static void order_rows(struct cadv_prom_labels *l, size_t n, const struct cadv_prom_row **sorted)
{
    bool is_sorted = true;

    for (uint32_t i = 0; i < n; i++)
        l->order[i] = i;
    for (uint32_t i = 1; i < n && is_sorted; i++)
        is_sorted = cmp_rows(&l->order[i - 1], &l->order[i], l) <= 0;
    if (!is_sorted)
        qsort_r(l->order, n, sizeof(*l->order), cmp_rows, l);
    for (size_t i = 0; i < n; i++)
        sorted[i] = l->rows[l->order[i]];
}

void cadv_prom_labels_build(struct cadv_prom_labels *l, const struct cadv_metrics_item *const *items,
                            size_t n, bool store_all, char *const *whitelist, struct cadv_prom_base *ret)
{
    const struct cadv_prom_row **sorted;
    size_t unique = 0;

    l->seq++;
    cadv_xgrow((void **)&l->ents, &l->ents_cap, n + 1, sizeof(*l->ents));
    if (l->rows_cap < 2 * n + 1) {
        l->rows_cap = 2 * n + 1;
        l->rows = cadv_xrealloc(l->rows, l->rows_cap * sizeof(*l->rows));
        l->order = cadv_xrealloc(l->order, l->rows_cap * sizeof(*l->order));
    }
    for (size_t i = 0; i < n; i++) {
        struct entry *e = entry_of(l, items[i]->slot, items[i]->name);

        if (!e->has_pairs || items[i]->spec_version == 0 || e->pairs_version != items[i]->spec_version)
            compute_pairs(e, items[i], store_all, whitelist);
        l->ents[i] = e;
    }
    compute_union(l, l->ents, n);
    for (size_t i = 0; i < n; i++) {
        if (l->ents[i]->row_union != l->union_version)
            build_row(l, l->ents[i]);
        l->rows[i] = &l->ents[i]->row;
    }
    sorted = l->rows + n;
    order_rows(l, n, sorted);
    for (size_t i = 0; i < l->n_keys; i++)
        if (strcmp(l->keys[i], "id") == 0)
            unique = i + 1;
    *ret = (struct cadv_prom_base){
            .n_keys = l->n_keys,
            .keys = (const char *const *)l->keys,
            .n_rows = n,
            .rows = sorted,
            .item_of_row = l->order,
            .unique_prefix = n > 1 ? (unique ? unique : l->n_keys) : 0,
    };
    if (l->seq % SWEEP_EVERY == 0)
        sweep(l);
}
