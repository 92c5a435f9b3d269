/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_render.c - the exposition engine: family order, series order, label merging, writing.
 *
 * DESIGN: a family's series are produced row by row (a row is one container, or the machine, or
 * nothing for global families) into a reused record array; each row's run is sorted by its extra label
 * values. The Go client orders series by their label values in label-name order; rows are already in
 * that order, so only an extra label whose name sorts before the unique "id" key (cpu, device,
 * failure_type) interleaves rows; those families get a linear two-pass counting sort (by the rows'
 * prefix rank, then by the extra value), the rare rest a comparison sort. Series are written straight
 * into the output buffer from each row's pre-rendered label pairs, with the extra labels spliced in at
 * their sorted positions. Nothing is allocated per series: records, indices and label strings live in
 * scratch storage kept by the cache.
 * Series without extra labels are `name{row text}` with the row's last comma made a brace: two
 * memcpys from text in cache, no escaping.
 * Incremental: in a family whose rows stay contiguous (no extra label before the unique key; all but
 * the per-CPU, per-device and failure-type ones), a row's series are kept in its label entry's
 * rowcache, one segment per family in writing order: the number of series, each one's tail
 * ` value[ timestamp]\n`, and for series with extra labels their values and the constant prefix
 * `name{labels}` (the spliced, escaped text; without extras the prefix is the row's text, at hand).
 * While the row's label text and the epoch (options, machine info, which families are contiguous)
 * stay the same, the next render reuses them: prefixes and tails when the row's sample timestamp is
 * the same (nothing produced); else (the usual case: a new sample every collection) the row's records
 * are produced and sorted as for a fresh render and, when they are the same series as kept (their
 * number and extra label values, the strings compared), each is written as its prefix and a freshly
 * formatted tail, which is kept. From a family whose series differ (an interface came, went or was
 * renamed) on, the row is written afresh and kept, as is a row with other label text or under a new
 * epoch.
 * Only a render that ran to the end makes kept bytes reusable. container_last_seen (stamped with the
 * scrape time) is always written afresh. */
#include "wire/metrics_render.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/machine.h"
#include "wire/metrics_container.h"
#include "wire/metrics_family.h"
#include "wire/metrics_fmt.h"
#include "wire/metrics_labels.h"
#include "wire/metrics_machine.h"

enum {
    VK_U64,
    VK_SCALED,
    VK_I64,
    VK_F64,
};

struct prom_rec {
    uint32_t row;
    uint8_t vk;
    uint8_t scale;
    uint8_t has_ts;
    const char *ev[CADV_PROM_MAX_EXTRA];
    uint64_t v;
    int64_t ts_ms;
};

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
};

#define ARENA_CHUNK 65536

struct cadv_metrics_cache {
    struct cadv_prom_labels *labels;
    struct prom_rec *recs;
    size_t n_recs, recs_cap;
    uint32_t *idx, *tmp, *erank, *count, *hash;
    size_t idx_cap, count_cap, hash_cap;
    uint32_t **pr; /* prefix ranks per key position, this family's base */
    size_t pr_cap;
    const struct cadv_metrics_item **sel;
    size_t sel_cap;
    struct arena_chunk *arena, *arena_cur;
    struct cadv_buf mrow; /* the machine row */
    uint32_t moff[4];
    const char *mvals[3];
    struct cadv_prom_row mrow_row;
    const struct cadv_prom_row *mrow_ptr;
    /* Reuse of the rows' rendered series (struct cadv_prom_rowcache). */
    uint64_t render_seq;  /* renders started */
    uint64_t done_seq;    /* the last render that ran to the end */
    uint64_t epoch;       /* bumped when ctx changes */
    size_t rows_reused;   /* by the last render: all series copied */
    size_t rows_revalued; /* by the last render: prefixes copied, values written */
    struct render_ctx {
        uint32_t kinds;
        bool timestamps, has_machine;
        uint64_t machine_ts;
        size_t unique_prefix, n_keys;
    } ctx;
};

struct cadv_prom_emit {
    struct cadv_metrics_cache *c;
    const struct cadv_prom_family *f;
    uint32_t row;
    bool has_ts;
    int64_t ts_ms;
};

/* Extra labels of the family being written, in name order, with their insertion positions. */
struct layout {
    size_t m;
    size_t perm[CADV_PROM_MAX_EXTRA]; /* declared index of the j-th extra in name order */
    size_t pos[CADV_PROM_MAX_EXTRA];  /* number of base keys sorting before it */
    size_t name_len[CADV_PROM_MAX_EXTRA];
};

#define CADV_PROM_TAIL_MAX (CADV_PROM_VALUE_MAX + 24 + 2)

struct ts_cache {
    bool valid;
    int64_t ts_ms;
    size_t len;
    char text[24];
};

struct render {
    struct ts_cache *ts;
    struct cadv_metrics_cache *c;
    const struct cadv_metrics_input *in;
    struct cadv_buf *out;
    bool families_only;
    const struct cadv_metrics_item *const *items;
    struct cadv_prom_base bases[3];
};

/* ---- cache and scratch ---- */

struct cadv_metrics_cache *cadv_metrics_cache_new(void)
{
    struct cadv_metrics_cache *c = cadv_xcalloc(1, sizeof(*c));

    c->labels = cadv_prom_labels_new();
    cadv_buf_init(&c->mrow, 0);
    return c;
}

struct cadv_metrics_cache *cadv_metrics_cache_free(struct cadv_metrics_cache *c)
{
    if (!c)
        return NULL;
    cadv_prom_labels_free(c->labels);
    free(c->recs);
    free(c->idx);
    free(c->tmp);
    free(c->erank);
    free(c->count);
    free(c->hash);
    for (size_t i = 0; i < c->pr_cap; i++)
        free(c->pr[i]);
    free(c->pr);
    free(c->sel);
    while (c->arena) {
        struct arena_chunk *n = c->arena->next;

        free(c->arena);
        c->arena = n;
    }
    cadv_buf_done(&c->mrow);
    free(c);
    return NULL;
}

struct cadv_metrics_slot *cadv_metrics_cache_slot(struct cadv_metrics_cache *c, const char *name)
{
    return cadv_prom_labels_slot(c->labels, name);
}

size_t cadv_metrics_cache_rows_reused(const struct cadv_metrics_cache *c)
{
    return c->rows_reused;
}

size_t cadv_metrics_cache_rows_revalued(const struct cadv_metrics_cache *c)
{
    return c->rows_revalued;
}

static void arena_reset(struct cadv_metrics_cache *c)
{
    for (struct arena_chunk *a = c->arena; a; a = a->next)
        a->used = 0;
    c->arena_cur = c->arena;
}

static char *arena_alloc(struct cadv_metrics_cache *c, size_t n)
{
    struct arena_chunk *a = c->arena_cur;

    while (a && a->cap - a->used < n)
        a = a->next;
    if (!a) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

        a = cadv_xmalloc(sizeof(*a) + cap);
        a->used = 0;
        a->cap = cap;
        a->next = c->arena;
        c->arena = a;
    }
    c->arena_cur = a;
    a->used += n;
    return a->data + a->used - n;
}

/* ---- emitter ---- */

static void push(struct cadv_prom_emit *e, uint8_t vk, uint8_t scale, uint64_t v, const char *const *ev)
{
    struct cadv_metrics_cache *c = e->c;
    struct prom_rec *r;

    if (c->n_recs == c->recs_cap)
        cadv_xgrow((void **)&c->recs, &c->recs_cap, c->n_recs + 1, sizeof(*c->recs));
    r = &c->recs[c->n_recs++];
    r->row = e->row;
    r->vk = vk;
    r->scale = scale;
    r->has_ts = e->has_ts;
    r->ts_ms = e->ts_ms;
    r->v = v;
    for (size_t i = 0; i < e->f->n_extra; i++)
        r->ev[i] = ev && ev[i] ? ev[i] : "";
}

void cadv_prom_u64(struct cadv_prom_emit *e, uint64_t v, const char *const *ev)
{
    push(e, VK_U64, 0, v, ev);
}

void cadv_prom_scaled(struct cadv_prom_emit *e, uint64_t v, unsigned pow10, const char *const *ev)
{
    push(e, VK_SCALED, (uint8_t)pow10, v, ev);
}

void cadv_prom_i64(struct cadv_prom_emit *e, int64_t v, const char *const *ev)
{
    push(e, VK_I64, 0, (uint64_t)v, ev);
}

void cadv_prom_double(struct cadv_prom_emit *e, double v, const char *const *ev)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    push(e, VK_F64, 0, bits, ev);
}

const char *cadv_prom_num(struct cadv_prom_emit *e, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *s;

    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        tmp[n++] = '-';
    s = arena_alloc(e->c, n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = tmp[n - 1 - i];
    s[n] = '\0';
    return s;
}

const char *cadv_prom_str(struct cadv_prom_emit *e, const char *str)
{
    size_t n = strlen(str) + 1;

    return memcpy(arena_alloc(e->c, n), str, n);
}

bool cadv_metrics_selected(const regex_t *include, const regex_t *exclude, const char *name)
{
    if (include && regexec(include, name, 0, NULL, 0) != 0)
        return false;
    if (exclude && regexec(exclude, name, 0, NULL, 0) == 0)
        return false;
    return true;
}

/* ---- ordering ---- */

static void make_layout(const struct cadv_prom_family *f, const struct cadv_prom_base *b, struct layout *lo)
{
    lo->m = f->n_extra;
    for (size_t i = 0; i < lo->m; i++)
        lo->perm[i] = i;
    for (size_t i = 1; i < lo->m; i++) /* insertion sort of at most 4 names */
        for (size_t j = i; j > 0 && strcmp(f->extra[lo->perm[j - 1]], f->extra[lo->perm[j]]) > 0; j--) {
            size_t t = lo->perm[j];

            lo->perm[j] = lo->perm[j - 1];
            lo->perm[j - 1] = t;
        }
    for (size_t j = 0; j < lo->m; j++) {
        const char *name = f->extra[lo->perm[j]];
        size_t p = 0;

        while (p < b->n_keys && strcmp(b->keys[p], name) < 0)
            p++;
        lo->pos[j] = p;
        lo->name_len[j] = strlen(name);
    }
}

static int cmp_extras(const struct layout *lo, const struct prom_rec *a, const struct prom_rec *b)
{
    for (size_t j = 0; j < lo->m; j++) {
        int c = strcmp(a->ev[lo->perm[j]], b->ev[lo->perm[j]]);

        if (c)
            return c;
    }
    return 0;
}

/* Stable insertion sort of one row's records by their extra labels (runs are short or pre-sorted). */
static void sort_run(const struct layout *lo, struct prom_rec *r, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct prom_rec t;
        size_t j = i;

        if (cmp_extras(lo, &r[i - 1], &r[i]) <= 0)
            continue;
        t = r[i];
        while (j > 0 && cmp_extras(lo, &r[j - 1], &t) > 0) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = t;
    }
}

/* Dense rank of each row's first p label values (rows are sorted, so equal prefixes are adjacent). */
static const uint32_t *prefix_ranks(struct cadv_metrics_cache *c, const struct cadv_prom_base *b, size_t p)
{
    uint32_t *pr;

    if (c->pr_cap < b->n_keys + 1) {
        c->pr = cadv_xrealloc(c->pr, (b->n_keys + 1) * sizeof(*c->pr));
        memset(c->pr + c->pr_cap, 0, (b->n_keys + 1 - c->pr_cap) * sizeof(*c->pr));
        c->pr_cap = b->n_keys + 1;
    }
    c->pr[p] = pr = cadv_xrealloc(c->pr[p], (b->n_rows + 1) * sizeof(*pr));
    pr[0] = 0;
    for (size_t r = 1; r < b->n_rows; r++) {
        bool differs = false;

        for (size_t i = 0; i < p && !differs; i++)
            differs = strcmp(b->rows[r]->vals[i], b->rows[r - 1]->vals[i]) != 0;
        pr[r] = pr[r - 1] + (differs ? 1 : 0);
    }
    return pr;
}

static uint32_t hash_s(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

struct rank_ctx {
    const struct prom_rec *recs;
    const uint32_t *first;
    size_t k;
};

static int cmp_distinct(const void *a, const void *b, void *ctx)
{
    const struct rank_ctx *rc = ctx;

    return strcmp(rc->recs[rc->first[*(const uint32_t *)a]].ev[rc->k],
                  rc->recs[rc->first[*(const uint32_t *)b]].ev[rc->k]);
}

static void ensure_count(struct cadv_metrics_cache *c, size_t n)
{
    if (c->count_cap < n + 1) {
        c->count = cadv_xrealloc(c->count, (n + 1) * sizeof(*c->count));
        c->count_cap = n + 1;
    }
}

/* Sets c->erank[i] to the rank of record i's value of extra k among the distinct values (one hash
 * pass, then a sort of the distinct values only); returns the number of distinct values. */
static size_t rank_values(struct cadv_metrics_cache *c, size_t k)
{
    size_t n = c->n_recs, cap = 16, nd = 0;
    uint32_t *first = c->tmp; /* a record holding each distinct value */

    while (cap < 2 * n)
        cap *= 2;
    if (c->hash_cap < cap) {
        c->hash = cadv_xrealloc(c->hash, cap * sizeof(*c->hash));
        c->hash_cap = cap;
    }
    memset(c->hash, 0xff, cap * sizeof(*c->hash));
    for (uint32_t i = 0; i < n; i++) {
        const char *s = c->recs[i].ev[k];
        size_t h = hash_s(s) & (cap - 1);

        while (c->hash[h] != UINT32_MAX && strcmp(c->recs[first[c->hash[h]]].ev[k], s) != 0)
            h = (h + 1) & (cap - 1);
        if (c->hash[h] == UINT32_MAX) {
            first[nd] = i;
            c->hash[h] = (uint32_t)nd++;
        }
        c->erank[i] = c->hash[h];
    }
    for (uint32_t d = 0; d < nd; d++)
        c->idx[d] = d;
    qsort_r(c->idx, nd, sizeof(*c->idx), cmp_distinct, &(struct rank_ctx){c->recs, first, k});
    ensure_count(c, nd);
    for (uint32_t r = 0; r < nd; r++)
        c->count[c->idx[r]] = r;
    for (size_t i = 0; i < n; i++)
        c->erank[i] = c->count[c->erank[i]];
    return nd;
}

/* Stable counting sort of the record indices in[] into out[] by key[record] (< nkeys). */
static void counting_pass(struct cadv_metrics_cache *c, const uint32_t *in, uint32_t *out, size_t n,
                          const uint32_t *key, size_t nkeys)
{
    ensure_count(c, nkeys);
    memset(c->count, 0, (nkeys + 1) * sizeof(*c->count));
    for (size_t i = 0; i < n; i++)
        c->count[key[in[i]] + 1]++;
    for (size_t k = 1; k <= nkeys; k++)
        c->count[k] += c->count[k - 1];
    for (size_t i = 0; i < n; i++)
        out[c->count[key[in[i]]]++] = in[i];
}

struct full_ctx {
    const struct cadv_metrics_cache *c;
    const struct layout *lo;
    const struct cadv_prom_base *b;
};

static int cmp_full(const void *pa, const void *pb, void *ctx)
{
    const struct full_ctx *fc = ctx;
    const struct prom_rec *a = &fc->c->recs[*(const uint32_t *)pa], *b = &fc->c->recs[*(const uint32_t *)pb];

    for (size_t j = 0; j < fc->lo->m; j++) {
        size_t p = fc->lo->pos[j];
        uint32_t ra = p >= fc->b->unique_prefix ? a->row : fc->c->pr[p][a->row];
        uint32_t rb = p >= fc->b->unique_prefix ? b->row : fc->c->pr[p][b->row];
        int c;

        if (ra != rb)
            return ra < rb ? -1 : 1;
        c = strcmp(a->ev[fc->lo->perm[j]], b->ev[fc->lo->perm[j]]);
        if (c)
            return c;
    }
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Fills c->idx with the records in series order. */
static void order_records(struct cadv_metrics_cache *c, const struct layout *lo,
                          const struct cadv_prom_base *b)
{
    size_t n = c->n_recs;

    if (c->idx_cap < n + 1) {
        c->idx_cap = n + 1;
        c->idx = cadv_xrealloc(c->idx, c->idx_cap * sizeof(*c->idx));
        c->tmp = cadv_xrealloc(c->tmp, c->idx_cap * sizeof(*c->tmp));
        c->erank = cadv_xrealloc(c->erank, c->idx_cap * sizeof(*c->erank));
    }
    if (b->n_rows <= 1 || lo->m == 0 || lo->pos[0] >= b->unique_prefix) {
        for (uint32_t i = 0; i < n; i++)
            c->idx[i] = i;
        return;
    }
    if (lo->m == 1 || lo->pos[1] >= b->unique_prefix) {
        /* Stable: by extra value, then by the rows' prefix rank; ties keep generation order (row,
         * then the rest of the extras), which is the full order since later keys include "id". */
        const uint32_t *pr = prefix_ranks(c, b, lo->pos[0]);
        size_t nd = rank_values(c, lo->perm[0]);

        for (uint32_t i = 0; i < n; i++)
            c->tmp[i] = i;
        counting_pass(c, c->tmp, c->idx, n, c->erank, nd);
        for (size_t i = 0; i < n; i++) /* the value ranks are consumed: reuse them as group keys */
            c->erank[i] = pr[c->recs[i].row];
        memcpy(c->tmp, c->idx, n * sizeof(*c->tmp));
        counting_pass(c, c->tmp, c->idx, n, c->erank, pr[b->n_rows - 1] + 1);
        return;
    }
    for (size_t j = 0; j < lo->m; j++)
        if (lo->pos[j] < b->unique_prefix)
            (void)prefix_ranks(c, b, lo->pos[j]);
    for (uint32_t i = 0; i < n; i++)
        c->idx[i] = i;
    qsort_r(c->idx, n, sizeof(*c->idx), cmp_full, &(struct full_ctx){c, lo, b});
}

/* ---- writing ---- */

static size_t fmt_value(char *out, const struct prom_rec *r)
{
    double d;

    switch (r->vk) {
    case VK_U64:
        return cadv_prom_fmt_scaled(out, r->v, 0);
    case VK_SCALED:
        return cadv_prom_fmt_scaled(out, r->v, r->scale);
    case VK_I64:
        return cadv_prom_fmt_i64(out, (int64_t)r->v);
    default:
        memcpy(&d, &r->v, sizeof(d));
        return cadv_prom_fmt_double(out, d);
    }
}

static void write_header(struct cadv_buf *out, const struct cadv_prom_family *f)
{
    cadv_buf_puts(out, "# HELP ");
    cadv_buf_puts(out, f->name);
    cadv_buf_putc(out, ' ');
    cadv_prom_put_help(out, f->help);
    cadv_buf_puts(out, "\n# TYPE ");
    cadv_buf_puts(out, f->name);
    cadv_buf_puts(out, f->type == CADV_PROM_COUNTER ? " counter\n" : " gauge\n");
}

/* Formats a series' ` value[ timestamp]\n` into buf (CADV_PROM_TAIL_MAX bytes); returns its length. */
static size_t fmt_tail(const struct render *rd, const struct prom_rec *r, char *buf)
{
    size_t n;

    buf[0] = ' ';
    n = 1 + fmt_value(buf + 1, r);
    if (r->has_ts && rd->in->timestamps) {
        struct ts_cache *tc = rd->ts;

        if (!tc->valid || tc->ts_ms != r->ts_ms) { /* consecutive series mostly share one timestamp */
            tc->len = cadv_prom_fmt_int(tc->text, r->ts_ms);
            tc->ts_ms = r->ts_ms;
            tc->valid = true;
        }
        buf[n++] = ' ';
        memcpy(buf + n, tc->text, tc->len);
        n += tc->len;
    }
    buf[n++] = '\n';
    return n;
}

/* Writes `name{labels}` of a series without extra labels into p (name_len + the row's text + 2 bytes);
 * returns its length. */
static size_t put_plain_prefix(char *p, const struct cadv_prom_family *f, size_t name_len,
                               const struct cadv_prom_row *row, size_t n_keys)
{
    size_t n = row->off[n_keys];

    memcpy(p, f->name, name_len);
    if (n == 0) /* no labels at all */
        return name_len;
    p[name_len] = '{';
    memcpy(p + name_len + 1, row->s, n);
    p[name_len + n] = '}'; /* over the last pair's comma */
    return name_len + 1 + n;
}

/* Appends a series line: its prefix (the kept one, or else the plain one of row) and tail. */
static void put_line(struct cadv_buf *out, const char *prefix, size_t plen, const struct cadv_prom_family *f,
                     size_t name_len, const struct cadv_prom_row *row, size_t n_keys, const char *tail,
                     size_t tlen)
{
    size_t n = prefix ? plen : name_len + row->off[n_keys] + 1;
    char *p;

    if (!cadv_buf_reserve(out, n + tlen))
        return;
    p = out->data + out->len;
    n = prefix ? (memcpy(p, prefix, plen), plen) : put_plain_prefix(p, f, name_len, row, n_keys);
    memcpy(p + n, tail, tlen);
    out->len += n + tlen;
    out->data[out->len] = '\0';
}

/* Writes one series; returns the length of its prefix `name{labels}` (0 when out overflowed). */
static size_t write_series(const struct render *rd, const struct cadv_prom_family *f, size_t name_len,
                           const struct layout *lo, const struct cadv_prom_row *row, size_t n_keys,
                           const struct prom_rec *r)
{
    struct cadv_buf *out = rd->out;
    size_t line = out->len, start, prev = 0, pfx;
    char tail[CADV_PROM_TAIL_MAX];

    if (lo->m == 0) {
        size_t tl = fmt_tail(rd, r, tail);

        put_line(out, NULL, 0, f, name_len, row, n_keys, tail, tl);
        return out->overflow ? 0 : out->len - line - tl;
    }
    cadv_buf_append(out, f->name, name_len);
    start = out->len;
    cadv_buf_putc(out, '{');
    for (size_t j = 0; j < lo->m; j++) {
        cadv_buf_append(out, row->s + row->off[prev], row->off[lo->pos[j]] - row->off[prev]);
        cadv_buf_append(out, f->extra[lo->perm[j]], lo->name_len[j]);
        cadv_buf_append(out, "=\"", 2);
        cadv_prom_put_label_value(out, r->ev[lo->perm[j]]);
        cadv_buf_append(out, "\",", 2);
        prev = lo->pos[j];
    }
    cadv_buf_append(out, row->s + row->off[prev], row->off[n_keys] - row->off[prev]);
    if (out->overflow)
        return 0;
    if (out->len == start + 1) /* no labels at all */
        out->len = start;
    else
        out->data[out->len - 1] = '}';
    pfx = out->len - line;
    cadv_buf_append(out, tail, fmt_tail(rd, r, tail));
    return out->overflow ? 0 : pfx;
}

static bool same_series(const struct layout *lo, const struct prom_rec *a, const struct prom_rec *b)
{
    return a->row == b->row && cmp_extras(lo, a, b) == 0;
}

static void write_family_line(const struct render *rd, const struct cadv_prom_family *f,
                              const struct cadv_prom_base *b, const struct layout *lo)
{
    size_t j = 0;
    bool first = true;

    cadv_buf_puts(rd->out, f->name);
    cadv_buf_puts(rd->out, f->type == CADV_PROM_COUNTER ? " counter" : " gauge");
    for (size_t i = 0; i <= b->n_keys; i++) {
        for (; j < lo->m && lo->pos[j] == i; j++) {
            cadv_buf_puts(rd->out, first ? " " : ",");
            cadv_buf_puts(rd->out, f->extra[lo->perm[j]]);
            first = false;
        }
        if (i < b->n_keys) {
            cadv_buf_puts(rd->out, first ? " " : ",");
            cadv_buf_puts(rd->out, b->keys[i]);
            first = false;
        }
    }
    cadv_buf_putc(rd->out, '\n');
}

/* ---- producing a family ---- */

static void gen_scalar(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                       const struct cadv_sample *s)
{
    uint64_t v;

    if ((s->c.has & f->has) != f->has)
        return;
    memcpy(&v, (const char *)&s->c + f->off, sizeof(v));
    cadv_prom_scaled(e, v, f->scale, NULL);
}

static void set_ts(struct cadv_prom_emit *e, uint64_t ns)
{
    e->has_ts = ns != 0;
    e->ts_ms = (int64_t)(ns / CADV_NS_PER_MS);
}

void cadv_prom_emit_detail_ts(struct cadv_prom_emit *e, const struct cadv_sample *s)
{
    if (e->has_ts && s->c.detail_timestamp_ns)
        set_ts(e, s->c.detail_timestamp_ns);
}

static void produce_row(const struct render *rd, const struct cadv_prom_family *f,
                        const struct cadv_prom_base *b, struct cadv_prom_emit *e, uint32_t row)
{
    const struct cadv_metrics_item *it = NULL;

    e->row = row;
    e->has_ts = false;
    if (f->scope == CADV_PROM_CONTAINER) {
        it = rd->items[b->item_of_row[row]];
        if (f->flags & CADV_PROM_TS_NOW)
            set_ts(e, rd->in->now_ns);
        else if (!(f->flags & CADV_PROM_NO_TS))
            set_ts(e, f->flags & CADV_PROM_HOT || !it->sample->c.detail_timestamp_ns
                              ? it->sample->c.timestamp_ns
                              : it->sample->c.detail_timestamp_ns);
        if (!f->gen) {
            gen_scalar(e, f, it->sample);
            return;
        }
    } else if (f->scope == CADV_PROM_MACHINE && !(f->flags & CADV_PROM_NO_TS)) {
        set_ts(e, rd->in->machine->timestamp_ns);
    }
    f->gen(e, f, rd->in, it);
}

/* Whether a family's series are written row by row (each row's run contiguous, not interleaved with
 * other rows) and depend only on the row's label text, its sample, its spec and the epoch's inputs:
 * then a row's bytes can be kept until its sample or labels change. container_last_seen (stamped with
 * the scrape time) is written afresh every time. */
static bool row_cacheable(const struct render *rd, const struct cadv_prom_family *f,
                          const struct cadv_prom_base *b, const struct layout *lo)
{
    return f->scope == CADV_PROM_CONTAINER && !(f->flags & CADV_PROM_TS_NOW) && !rd->families_only &&
           (lo->m == 0 || lo->pos[0] >= b->unique_prefix);
}

/* ---- rows' kept series ---- */

enum {
    RC_COPY = 1, /* same sample: prefixes and tails copied */
    RC_VALUES,   /* new sample: prefixes copied, tails written and kept anew */
    RC_KEEP,     /* written afresh and kept from the cursor on */
};

static bool bytes_put(struct cadv_prom_bytes *b, const void *p, size_t n)
{
    if (b->len + n > UINT32_MAX)
        return false;
    if (b->len + n > b->cap) {
        size_t cap = b->len + n + (b->len + n) / 2 + 64;

        b->data = cadv_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n); /* data is NULL until the first non-empty put */
    b->len += n;
    return true;
}

static void bytes_trim(struct cadv_prom_bytes *b)
{
    if (b->cap > b->len + b->len / 4 + 512) { /* complete now: give back the slack */
        b->data = cadv_xrealloc(b->data, b->len + 64);
        b->cap = b->len + 64;
    }
}

/* Drops what is kept from the cursor on, to keep what this render writes from there. */
static void keep_from_cursor(struct cadv_metrics_cache *c, struct cadv_prom_rowcache *rc)
{
    rc->mode = RC_KEEP;
    rc->built = c->render_seq;
    rc->n_counts = rc->cursor;
    rc->n_plen = rc->series;
    rc->prefix.len = rc->pos;
    rc->extras.len = rc->epos;
    rc->tail.len = rc->tpos;
}

/* Starts a render's use of row's cache: all of it reused when kept (by a render that completed) from
 * the same sample under the same epoch and label text, the prefixes only when the sample is another,
 * else emptied to be filled again. */
static void visit_row(struct cadv_metrics_cache *c, struct cadv_prom_rowcache *rc, uint64_t ts_ns)
{
    if (rc->visit == c->render_seq)
        return;
    rc->visit = c->render_seq;
    rc->cursor = rc->series = rc->pos = rc->epos = rc->tpos = 0;
    if (rc->built == 0 || rc->built > c->done_seq || rc->epoch != c->epoch) {
        rc->epoch = c->epoch;
        rc->ts_ns = ts_ns;
        keep_from_cursor(c, rc);
        return;
    }
    bytes_trim(&rc->prefix);
    if (rc->ts_ns == ts_ns) {
        rc->mode = RC_COPY;
        c->rows_reused++;
        return;
    }
    rc->mode = RC_VALUES;
    c->rows_revalued++;
    rc->built = c->render_seq; /* the tails are rewritten: reusable once this render completes */
    rc->ts_ns = ts_ns;
    rc->tail.len = 0;
}

/* Keeps a written series: its tail, and with extra labels their values and its prefix (without, the
 * prefix is the row's label text, at hand). */
static void keep_series(struct cadv_prom_rowcache *rc, const struct layout *lo, const struct prom_rec *r,
                        const char *line, size_t pfx, size_t tail)
{
    bool ok = bytes_put(&rc->tail, line + pfx, tail) && (lo->m == 0 || bytes_put(&rc->prefix, line, pfx));

    for (size_t i = 0; i < lo->m && ok; i++)
        ok = bytes_put(&rc->extras, r->ev[i], strlen(r->ev[i]) + 1);
    if (!ok) {
        rc->built = 0; /* beyond 4 GiB: not kept */
        return;
    }
    if (lo->m == 0)
        return;
    cadv_xgrow((void **)&rc->plen, &rc->plen_cap, rc->n_plen + 1, sizeof(*rc->plen));
    rc->plen[rc->n_plen++] = (uint32_t)pfx;
}

static void end_segment(struct cadv_prom_rowcache *rc, size_t n_series)
{
    cadv_xgrow((void **)&rc->counts, &rc->counts_cap, rc->n_counts + 1, sizeof(*rc->counts));
    rc->counts[rc->n_counts++] = (uint32_t)n_series;
    rc->cursor = rc->n_counts;
    rc->series = rc->n_plen;
    rc->pos = rc->prefix.len;
    rc->epos = rc->extras.len;
    rc->tpos = rc->tail.len;
}

/* Copies the series of the segment at the cursor into out: kept prefixes (or the row's plain ones)
 * and kept tails. */
static void copy_segment(const struct render *rd, const struct cadv_prom_family *f, size_t name_len,
                         const struct layout *lo, const struct cadv_prom_row *row, size_t n_keys,
                         struct cadv_prom_rowcache *rc)
{
    size_t n = rc->counts[rc->cursor++];

    for (size_t k = 0; k < n; k++) {
        const char *t = rc->tail.data + rc->tpos;
        size_t tl = (size_t)((const char *)memchr(t, '\n', rc->tail.len - rc->tpos) - t) + 1;
        size_t pl = lo->m ? rc->plen[rc->series++] : 0;

        put_line(rd->out, lo->m ? rc->prefix.data + rc->pos : NULL, pl, f, name_len, row, n_keys, t, tl);
        rc->pos += pl;
        rc->tpos += tl;
        for (size_t i = 0; i < lo->m; i++)
            rc->epos += strlen(rc->extras.data + rc->epos) + 1;
    }
}

/* Writes the produced records (sorted, the same series once: the Go registry drops a series collected
 * twice and keeps the first) with the prefixes of the segment at the cursor and new tails, when they
 * are the same series with the same extra label values, in the same order; then keeps the tails and
 * returns true. Otherwise writes nothing and returns false. */
static bool write_values(const struct render *rd, const struct cadv_prom_family *f, size_t name_len,
                         const struct layout *lo, const struct cadv_prom_row *row, size_t n_keys,
                         struct cadv_prom_rowcache *rc)
{
    struct cadv_metrics_cache *c = rd->c;
    struct cadv_buf *out = rd->out;
    size_t n = rc->counts[rc->cursor], k = 0, kp = 0, pos = rc->pos, epos = rc->epos, len0 = out->len;
    const struct prom_rec *last = NULL;
    char tail[CADV_PROM_TAIL_MAX];

    for (size_t i = 0; i < c->n_recs; i++) {
        const struct prom_rec *r = &c->recs[i];
        size_t tl, pl = 0;

        if (last && same_series(lo, last, r))
            continue;
        last = r;
        if (k == n)
            goto differs;
        for (size_t j = 0; j < lo->m; j++) {
            const char *kept = rc->extras.data + epos;
            size_t kl = strlen(kept);

            if (strcmp(kept, r->ev[j]) != 0)
                goto differs;
            epos += kl + 1;
        }
        if (lo->m)
            pl = rc->plen[rc->series + kp++];
        tl = fmt_tail(rd, r, tail);
        put_line(out, lo->m ? rc->prefix.data + pos : NULL, pl, f, name_len, row, n_keys, tail, tl);
        if (!bytes_put(&rc->tail, tail, tl))
            rc->built = 0;
        pos += pl;
        k++;
    }
    if (k != n)
        goto differs;
    rc->cursor++;
    rc->series += kp;
    rc->pos = pos;
    rc->epos = epos;
    rc->tpos = rc->tail.len;
    return true;
differs:
    if (!out->overflow)
        out->len = len0;
    rc->tail.len = rc->tpos;
    return false;
}

/* Writes the produced records (see write_values), keeping them when the row keeps from here. */
static void write_row(const struct render *rd, const struct cadv_prom_family *f, size_t name_len,
                      const struct layout *lo, const struct cadv_prom_base *b, struct cadv_prom_rowcache *rc)
{
    struct cadv_metrics_cache *c = rd->c;
    const struct prom_rec *last = NULL;
    size_t n = 0;

    for (size_t i = 0; i < c->n_recs && !rd->out->overflow; i++) {
        const struct prom_rec *r = &c->recs[i];
        size_t line = rd->out->len, pfx;

        if (last && same_series(lo, last, r))
            continue;
        pfx = write_series(rd, f, name_len, lo, b->rows[r->row], b->n_keys, r);
        last = r;
        if (pfx && rc->built == c->render_seq)
            keep_series(rc, lo, r, rd->out->data + line, pfx, rd->out->len - line - pfx);
        n++;
    }
    if (!rd->out->overflow)
        end_segment(rc, n);
}

/* A family whose rows are contiguous: each row's series are copied from its cache, or produced and
 * written with the kept prefixes, or written and kept. The header goes before the first series. */
static void render_family_rows(const struct render *rd, const struct cadv_prom_family *f,
                               const struct cadv_prom_base *b, const struct layout *lo)
{
    struct cadv_metrics_cache *c = rd->c;
    struct cadv_buf *out = rd->out;
    struct cadv_prom_emit e = {.c = c, .f = f};
    size_t name_len = strlen(f->name);
    bool header = false;

    for (uint32_t row = 0; row < b->n_rows && !out->overflow; row++) {
        struct cadv_prom_rowcache *rc = b->rows[row]->cache;

        visit_row(c, rc, rd->items[b->item_of_row[row]]->sample->c.timestamp_ns);
        if (rc->mode != RC_KEEP && rc->cursor >= rc->n_counts)
            keep_from_cursor(c, rc); /* fewer segments than families: never expected */
        if (rc->mode == RC_COPY) {
            if (rc->counts[rc->cursor] > 0 && !header) {
                write_header(out, f);
                header = true;
            }
            copy_segment(rd, f, name_len, lo, b->rows[row], b->n_keys, rc);
            continue;
        }
        c->n_recs = 0;
        arena_reset(c);
        produce_row(rd, f, b, &e, row);
        if (lo->m > 0)
            sort_run(lo, c->recs, c->n_recs);
        if (c->n_recs > 0 && !header) {
            write_header(out, f);
            header = true;
        }
        if (rc->mode == RC_VALUES && write_values(rd, f, name_len, lo, b->rows[row], b->n_keys, rc))
            continue;
        if (rc->mode == RC_VALUES)
            keep_from_cursor(c, rc); /* another structure (a device came or went) */
        write_row(rd, f, name_len, lo, b, rc);
    }
}

static void render_family(const struct render *rd, const struct cadv_prom_family *f)
{
    struct cadv_metrics_cache *c = rd->c;
    const struct cadv_prom_base *b = &rd->bases[f->scope];
    struct cadv_prom_emit e = {.c = c, .f = f};
    struct layout lo;
    size_t name_len = strlen(f->name);
    const struct prom_rec *last = NULL;

    make_layout(f, b, &lo);
    if (row_cacheable(rd, f, b, &lo)) {
        render_family_rows(rd, f, b, &lo);
        return;
    }
    c->n_recs = 0;
    arena_reset(c);
    for (uint32_t row = 0; row < b->n_rows; row++) {
        size_t start = c->n_recs;

        produce_row(rd, f, b, &e, row);
        if (lo.m > 0 && c->recs) /* recs is NULL until the first record */
            sort_run(&lo, c->recs + start, c->n_recs - start);
    }
    if (c->n_recs == 0)
        return;
    if (rd->families_only) {
        write_family_line(rd, f, b, &lo);
        return;
    }
    order_records(c, &lo, b);
    write_header(rd->out, f);
    for (size_t i = 0; i < c->n_recs && !rd->out->overflow; i++) {
        const struct prom_rec *r = &c->recs[c->idx[i]];

        if (last && same_series(&lo, last, r))
            continue; /* the Go registry drops a series collected twice: keep the first */
        (void)write_series(rd, f, name_len, &lo, b->rows[r->row], b->n_keys, r);
        last = r;
    }
}

/* ---- bases ---- */

static void machine_base(struct render *rd)
{
    static const char *const keys[] = {"boot_id", "machine_id", "system_uuid"};
    static const uint32_t zero = 0;
    struct cadv_metrics_cache *c = rd->c;
    const struct cadv_machine_info *m = rd->in->machine;
    const char *vals[3];

    rd->bases[CADV_PROM_MACHINE] = (struct cadv_prom_base){.keys = keys, .n_keys = 3, .item_of_row = &zero};
    if (!m)
        return;
    vals[0] = m->boot_id ? m->boot_id : "";
    vals[1] = m->machine_id ? m->machine_id : "";
    vals[2] = m->system_uuid ? m->system_uuid : "";
    cadv_buf_clear(&c->mrow);
    for (size_t i = 0; i < 3; i++) {
        c->moff[i] = (uint32_t)c->mrow.len;
        c->mvals[i] = vals[i];
        cadv_buf_puts(&c->mrow, keys[i]);
        cadv_buf_append(&c->mrow, "=\"", 2);
        cadv_prom_put_label_value(&c->mrow, vals[i]);
        cadv_buf_append(&c->mrow, "\",", 2);
    }
    c->moff[3] = (uint32_t)c->mrow.len;
    c->mrow_row = (struct cadv_prom_row){.s = c->mrow.data, .off = c->moff, .vals = c->mvals};
    c->mrow_ptr = &c->mrow_row;
    rd->bases[CADV_PROM_MACHINE].rows = &c->mrow_ptr;
    rd->bases[CADV_PROM_MACHINE].n_rows = 1;
}

static void global_base(struct render *rd)
{
    static const uint32_t zero = 0;
    static const struct cadv_prom_row row = {.s = "", .off = &zero};
    static const struct cadv_prom_row *const rowp = &row;

    rd->bases[CADV_PROM_GLOBAL] = (struct cadv_prom_base){.n_rows = 1, .rows = &rowp, .item_of_row = &zero};
}

static void container_base(struct render *rd)
{
    struct cadv_metrics_cache *c = rd->c;
    const struct cadv_metrics_input *in = rd->in;
    size_t n = 0;

    rd->bases[CADV_PROM_CONTAINER] = (struct cadv_prom_base){0};
    rd->items = NULL;
    if (in->container_error)
        return;
    cadv_xgrow((void **)&c->sel, &c->sel_cap, in->n_items + 1, sizeof(*c->sel));
    for (size_t i = 0; i < in->n_items; i++) {
        const struct cadv_metrics_item *it = &in->items[i];

        if (it->sample && cadv_metrics_selected(in->include, in->exclude, it->name))
            c->sel[n++] = it;
    }
    cadv_prom_labels_build(c->labels, c->sel, n, in->store_container_labels, in->whitelisted_labels,
                           &rd->bases[CADV_PROM_CONTAINER]);
    rd->items = c->sel;
}

/* ---- the whole exposition ---- */

static int cmp_family(const void *a, const void *b)
{
    return strcmp((*(const struct cadv_prom_family *const *)a)->name,
                  (*(const struct cadv_prom_family *const *)b)->name);
}

/* What rows' kept series depend on besides their own sample and labels: which families are written and
 * how (kinds, timestamps, which are row-contiguous), and the machine info (device names). */
static void new_epoch_if_changed(struct cadv_metrics_cache *c, const struct cadv_metrics_input *in,
                                 const struct cadv_prom_base *b)
{
    struct render_ctx x = {
            .kinds = in->kinds,
            .timestamps = in->timestamps,
            .has_machine = in->machine != NULL,
            .machine_ts = in->machine ? in->machine->timestamp_ns : 0,
            .unique_prefix = b->unique_prefix,
            .n_keys = b->n_keys,
    };

    if (c->epoch == 0 || x.kinds != c->ctx.kinds || x.timestamps != c->ctx.timestamps ||
        x.has_machine != c->ctx.has_machine || x.machine_ts != c->ctx.machine_ts ||
        x.unique_prefix != c->ctx.unique_prefix || x.n_keys != c->ctx.n_keys) {
        c->ctx = x;
        c->epoch++;
    }
}

static void render(struct cadv_buf *out, const struct cadv_metrics_input *in,
                   struct cadv_metrics_cache *cache, bool families_only)
{
    size_t nf = cadv_prom_n_container_families + cadv_prom_n_machine_families, k = 0;
    const struct cadv_prom_family **fams = cadv_xmalloc(nf * sizeof(*fams));
    struct cadv_metrics_cache *own = cache ? NULL : cadv_metrics_cache_new();
    struct ts_cache ts = {0};
    struct render rd = {
            .ts = &ts, .c = cache ? cache : own, .in = in, .out = out, .families_only = families_only};

    for (size_t i = 0; i < cadv_prom_n_container_families; i++)
        fams[k++] = &cadv_prom_container_families[i];
    for (size_t i = 0; i < cadv_prom_n_machine_families; i++)
        fams[k++] = &cadv_prom_machine_families[i];
    qsort(fams, k, sizeof(*fams), cmp_family);
    container_base(&rd);
    machine_base(&rd);
    global_base(&rd);
    new_epoch_if_changed(rd.c, in, &rd.bases[CADV_PROM_CONTAINER]);
    rd.c->render_seq++;
    rd.c->rows_reused = 0;
    rd.c->rows_revalued = 0;
    for (size_t i = 0; i < k && !out->overflow; i++)
        if ((in->kinds & fams[i]->kind) == fams[i]->kind)
            render_family(&rd, fams[i]);
    if (!out->overflow)
        rd.c->done_seq = rd.c->render_seq;
    free(fams);
    cadv_metrics_cache_free(own);
}

void cadv_metrics_render(struct cadv_buf *out, const struct cadv_metrics_input *in,
                         struct cadv_metrics_cache *cache)
{
    render(out, in, cache, false);
}

void cadv_metrics_render_families(struct cadv_buf *out, const struct cadv_metrics_input *in)
{
    render(out, in, NULL, true);
}
