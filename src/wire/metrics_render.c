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
 * Planned: a full render through a cache also records where each series' value starts and ends, and
 * which row it belongs to. From that it keeps a plan: the body's constant text (HELP and TYPE lines,
 * each series' `name{labels} `, in order) with the length before each value, each row's series in
 * writing order (a stable counting sort of the series by row), and each row's shape (per family its
 * number of series and their extra label values). While the rows are the same (their label text, known
 * by its stamp) under the same epoch (options, machine info), the next render produces the records row
 * by row (each row's sample is read once, while in cache), checks each family's series against the
 * row's shape and stores their values in series order; then it writes the body as the floor of
 * bench/render_bench does: each series' constant text copied from one contiguous text, in order, then
 * its value and timestamp formatted (a timestamp's text is formatted once per row). A row whose
 * sample is the one its values were stored from is skipped (container_last_seen, the scrape time, is
 * written from the render's own time). A row whose
 * series differ (an interface came, went or was renamed), or other rows, end the plan: that render is
 * a full one and plans anew. Plans that went unused twice in a row (containers come and go before
 * every render; a cache that renders one container at a time) are built only every PLAN_RETRY-th
 * render. */
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
    VK_NOW, /* planned only: the scrape time in seconds, stamped now (container_last_seen) */
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

/* Extra labels of the family being written, in name order, with their insertion positions. */
struct layout {
    size_t m;
    size_t perm[CADV_PROM_MAX_EXTRA]; /* declared index of the j-th extra in name order */
    size_t pos[CADV_PROM_MAX_EXTRA];  /* number of base keys sorting before it */
    size_t name_len[CADV_PROM_MAX_EXTRA];
};

/* The value of one series, as its record gives it (fmt_tail writes it). */
struct plan_val {
    uint64_t v;
    int64_t ts_ms;
    uint32_t ts_ref; /* in a planned render: its timestamp's text, plan.tst[ts_ref] */
    uint8_t vk, scale, has_ts;
};

/* A timestamp's text: formatted once per row and value, not once per series. */
struct plan_ts {
    char s[24];
    uint8_t len;
};

/* A family the plan writes (in writing order), with its extra labels' layout. */
struct plan_fam {
    const struct cadv_prom_family *f;
    struct layout lo;
};

/* The last full render, split into constant text and values (see the DESIGN note above). Rows are
 * numbered globally: the container rows in their order, then the machine's, then the global one. */
struct plan {
    bool valid;
    uint64_t epoch;
    struct plan_fam *fams;
    size_t n_fams, fams_cap;
    uint64_t *stamps; /* the container rows' */
    size_t n_stamps, stamps_cap;
    size_t n_rows; /* global rows */
    /* Series k is text[...seg[k]] after the previous one's value; the text's rest ends the body. */
    char *text;
    size_t text_len, text_cap;
    size_t tails_len; /* the values' bytes (with spaces, timestamps, newlines) of the last body */
    uint32_t *seg;
    struct plan_val *vals;
    size_t n_series, series_cap;
    struct plan_ts *tst; /* the timestamps of the values: reset per extraction */
    size_t n_tst, tst_cap;
    /* Row-major: row r's series (indices k) in writing order are kidx[row_k[r] .. row_k[r + 1]); its
     * shape is st[row_st[r] .. row_st[r + 1]): for each family of its scope, the number of series
     * (4 bytes), then their extra label values, each NUL-terminated. */
    uint32_t *kidx;
    size_t *row_k, *row_st;
    uint64_t *row_ts; /* the sample timestamp each container row's values were stored from (0: none) */
    uint8_t *row_pin; /* rows whose values must be produced every time (timestamps beyond TS_SLOTS) */
    size_t rows_cap;
    char *st;
    size_t st_len, st_cap;
};

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
    uint64_t render_seq; /* renders started */
    uint64_t epoch;      /* bumped when ctx changes */
    struct plan plan;
    bool last_planned;    /* the last render wrote the plan */
    bool plan_used;       /* the plan was written at least once */
    size_t unused_plans;  /* plans built in a row and dropped unused */
    uint64_t plans_built; /* in all */
    /* The series a recording render wrote, in order: global row, end of prefix, end of line. */
    uint32_t *rec_row;
    size_t *rec_tail, *rec_end;
    size_t n_rec, rec_cap;
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
    bool plan_rec; /* record the series written, to plan the next render from them */
    const struct cadv_metrics_item *const *items;
    struct cadv_prom_base bases[3];
};

/* ---- cache and scratch ---- */

static void plan_free(struct plan *p)
{
    free(p->fams);
    free(p->stamps);
    free(p->text);
    free(p->seg);
    free(p->vals);
    free(p->tst);
    free(p->kidx);
    free(p->row_k);
    free(p->row_st);
    free(p->row_ts);
    free(p->row_pin);
    free(p->st);
}

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
    plan_free(&c->plan);
    free(c->rec_row);
    free(c->rec_tail);
    free(c->rec_end);
    free(c);
    return NULL;
}

struct cadv_metrics_slot *cadv_metrics_cache_slot(struct cadv_metrics_cache *c, const char *name)
{
    return cadv_prom_labels_slot(c->labels, name);
}

bool cadv_metrics_cache_planned(const struct cadv_metrics_cache *c)
{
    return c->last_planned;
}

uint64_t cadv_metrics_cache_plans_built(const struct cadv_metrics_cache *c)
{
    return c->plans_built;
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

static size_t fmt_value(char *out, const struct plan_val *pv)
{
    double d;

    switch (pv->vk) {
    case VK_U64:
        return cadv_prom_fmt_scaled(out, pv->v, 0);
    case VK_SCALED:
        return cadv_prom_fmt_scaled(out, pv->v, pv->scale);
    case VK_I64:
        return cadv_prom_fmt_i64(out, (int64_t)pv->v);
    default:
        memcpy(&d, &pv->v, sizeof(d));
        return cadv_prom_fmt_double(out, d);
    }
}

static struct plan_val val_of(const struct prom_rec *r)
{
    return (struct plan_val){
            .v = r->v, .ts_ms = r->ts_ms, .ts_ref = 0, .vk = r->vk, .scale = r->scale, .has_ts = r->has_ts};
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
static size_t fmt_tail_of(const struct render *rd, const struct plan_val *pv, char *buf)
{
    size_t n;

    buf[0] = ' ';
    n = 1 + fmt_value(buf + 1, pv);
    if (pv->has_ts && rd->in->timestamps) {
        struct ts_cache *tc = rd->ts;

        if (!tc->valid || tc->ts_ms != pv->ts_ms) { /* consecutive series mostly share one timestamp */
            tc->len = cadv_prom_fmt_int(tc->text, pv->ts_ms);
            tc->ts_ms = pv->ts_ms;
            tc->valid = true;
        }
        buf[n++] = ' ';
        memcpy(buf + n, tc->text, tc->len);
        n += tc->len;
    }
    buf[n++] = '\n';
    return n;
}

static size_t fmt_tail(const struct render *rd, const struct prom_rec *r, char *buf)
{
    struct plan_val pv = val_of(r);

    return fmt_tail_of(rd, &pv, buf);
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

/* ---- the plan ---- */

static size_t global_row(const struct render *rd, enum cadv_prom_scope scope, uint32_t row)
{
    size_t n = rd->bases[CADV_PROM_CONTAINER].n_rows;

    return scope == CADV_PROM_CONTAINER ? row : scope == CADV_PROM_MACHINE ? n : n + 1;
}

/* A recording render wrote a series of global row gr: its value starts at tail, its line ends at end. */
static void plan_record(struct cadv_metrics_cache *c, size_t gr, size_t tail, size_t end)
{
    if (c->n_rec == c->rec_cap) {
        c->rec_cap = c->rec_cap ? 2 * c->rec_cap : 4096;
        c->rec_row = cadv_xrealloc(c->rec_row, c->rec_cap * sizeof(*c->rec_row));
        c->rec_tail = cadv_xrealloc(c->rec_tail, c->rec_cap * sizeof(*c->rec_tail));
        c->rec_end = cadv_xrealloc(c->rec_end, c->rec_cap * sizeof(*c->rec_end));
    }
    c->rec_row[c->n_rec] = (uint32_t)gr;
    c->rec_tail[c->n_rec] = tail;
    c->rec_end[c->n_rec] = end;
    c->n_rec++;
}

static void st_put(struct plan *p, const void *v, size_t n)
{
    if (p->st_len + n > p->st_cap) {
        p->st_cap = (p->st_len + n) * 2;
        p->st = cadv_xrealloc(p->st, p->st_cap);
    }
    memcpy(p->st + p->st_len, v, n);
    p->st_len += n;
}

/* Produces family pf's records of global row gr (its records sorted by their extra labels). */
static void plan_produce(const struct render *rd, const struct plan_fam *pf, struct cadv_prom_emit *e,
                         uint32_t row)
{
    struct cadv_metrics_cache *c = rd->c;

    c->n_recs = 0;
    arena_reset(c);
    e->f = pf->f;
    produce_row(rd, pf->f, &rd->bases[pf->f->scope], e, row);
    if (pf->lo.m > 0 && c->n_recs > 1)
        sort_run(&pf->lo, c->recs, c->n_recs);
}

/* The timestamps of the row being produced, with their texts in plan.tst: TS_SLOTS per row at fixed
 * places (a row skipped because its sample is the same keeps them), more in a part after all rows',
 * rewritten by every production (a row that needs it is pinned: never skipped). */
#define TS_SLOTS 4

struct ts_refs {
    size_t base;
    int64_t ms[TS_SLOTS];
    size_t n;
    bool pin;
};

static uint32_t ts_ref(struct plan *p, struct ts_refs *tr, int64_t ms)
{
    struct plan_ts *t;
    size_t at;

    for (size_t i = 0; i < tr->n; i++)
        if (tr->ms[i] == ms)
            return (uint32_t)(tr->base + i);
    if (tr->n < TS_SLOTS) {
        at = tr->base + tr->n;
        tr->ms[tr->n++] = ms;
    } else {
        cadv_xgrow((void **)&p->tst, &p->tst_cap, p->n_tst + 1, sizeof(*p->tst));
        at = p->n_tst++;
        tr->pin = true;
    }
    t = &p->tst[at];
    t->len = (uint8_t)cadv_prom_fmt_int(t->s, ms);
    return (uint32_t)at;
}

/* Checks (record false) that family pf of a row has the series of its shape at *stp, and stores their
 * values at the row's indices from *kp on; or (record true) appends that shape. Advances both. */
static bool plan_family(const struct render *rd, const struct plan_fam *pf, bool record, struct ts_refs *tr,
                        size_t *stp, size_t *kp, size_t kend)
{
    struct cadv_metrics_cache *c = rd->c;
    struct plan *p = &c->plan;
    const struct prom_rec *last = NULL;
    size_t at = *stp, k = *kp;
    uint32_t want = 0, n = 0;

    if (record) {
        at = p->st_len;
        st_put(p, &n, sizeof(n));
    } else {
        if (at + sizeof(want) > p->row_st[p->n_rows])
            return false;
        memcpy(&want, p->st + at, sizeof(want));
        at += sizeof(want);
    }
    for (size_t i = 0; i < c->n_recs; i++) {
        const struct prom_rec *r = &c->recs[i];

        if (last && same_series(&pf->lo, last, r))
            continue; /* the Go registry keeps the first of a series collected twice */
        last = r;
        if (k == kend || (!record && n == want))
            return false;
        for (size_t j = 0; j < pf->lo.m; j++) {
            const char *v = r->ev[pf->lo.perm[j]];
            size_t len = strlen(v) + 1;

            if (record) {
                st_put(p, v, len);
            } else {
                if (at + len > p->st_len || memcmp(p->st + at, v, len) != 0)
                    return false;
                at += len;
            }
        }
        p->vals[p->kidx[k]] = val_of(r);
        if (pf->f->flags & CADV_PROM_TS_NOW)
            p->vals[p->kidx[k]].vk = VK_NOW; /* the scrape time, written as such every render */
        else if (r->has_ts)
            p->vals[p->kidx[k]].ts_ref = ts_ref(p, tr, r->ts_ms);
        k++;
        n++;
    }
    if (record)
        memcpy(p->st + at, &n, sizeof(n)); /* at: where the count went */
    else if (n != want)
        return false;
    *stp = record ? p->st_len : at;
    *kp = k;
    return true;
}

/* Produces every row's series, row by row (each row's sample is read while in cache), and either
 * checks them against the plan's shapes and stores their values (record false: false when anything
 * differs), or records the shapes (record true, right after the plan was built). */
static bool plan_rows(const struct render *rd, bool record)
{
    struct plan *p = &rd->c->plan;
    struct cadv_prom_emit e = {.c = rd->c};
    size_t st = 0;

    if (record)
        p->st_len = 0;
    p->n_tst = p->n_rows * TS_SLOTS;
    cadv_xgrow((void **)&p->tst, &p->tst_cap, p->n_tst + 1, sizeof(*p->tst));
    for (size_t gr = 0; gr < p->n_rows; gr++) {
        size_t n_cont = rd->bases[CADV_PROM_CONTAINER].n_rows;
        enum cadv_prom_scope scope = gr < n_cont    ? CADV_PROM_CONTAINER
                                     : gr == n_cont ? CADV_PROM_MACHINE
                                                    : CADV_PROM_GLOBAL;
        uint32_t row = scope == CADV_PROM_CONTAINER ? (uint32_t)gr : 0;
        size_t k = p->row_k[gr];
        struct ts_refs tr = {.base = gr * TS_SLOTS, .n = 0, .pin = false};
        uint64_t ts = scope == CADV_PROM_CONTAINER && row < rd->bases[scope].n_rows
                              ? rd->items[rd->bases[scope].item_of_row[row]]->sample->c.timestamp_ns
                              : 0;

        if (record)
            p->row_st[gr] = p->st_len;
        else if (st != p->row_st[gr])
            return false;
        if (!record && ts && p->row_ts[gr] == ts && !p->row_pin[gr]) {
            st = p->row_st[gr + 1]; /* the same sample: its values are stored already */
            continue;
        }
        if (row < rd->bases[scope].n_rows)
            for (size_t fi = 0; fi < p->n_fams; fi++) {
                if (p->fams[fi].f->scope != scope)
                    continue;
                plan_produce(rd, &p->fams[fi], &e, row);
                if (!plan_family(rd, &p->fams[fi], record, &tr, &st, &k, p->row_k[gr + 1]))
                    return false;
            }
        if (k != p->row_k[gr + 1])
            return false;
        p->row_ts[gr] = ts;
        p->row_pin[gr] = tr.pin;
    }
    if (record)
        p->row_st[p->n_rows] = p->st_len;
    return st == p->row_st[p->n_rows];
}

/* Whether the plan was made for this render's rows (their label text) and epoch. */
static bool plan_fits(const struct render *rd)
{
    const struct plan *p = &rd->c->plan;
    const struct cadv_prom_base *b = &rd->bases[CADV_PROM_CONTAINER];

    if (!p->valid || p->epoch != rd->c->epoch || p->n_stamps != b->n_rows)
        return false;
    for (size_t i = 0; i < b->n_rows; i++)
        if (p->stamps[i] != b->rows[i]->stamp)
            return false;
    return true;
}

/* The scrape time's value (seconds) and timestamp texts, for VK_NOW. */
struct now_text {
    char v[CADV_PROM_VALUE_MAX], ts[24];
    size_t v_len, ts_len;
};

/* Writes a planned series' ` value[ timestamp]\n` into o (CADV_PROM_TAIL_MAX bytes); returns its length. */
static size_t plan_tail(const struct render *rd, const struct plan *p, const struct now_text *now,
                        const struct plan_val *pv, char *o)
{
    size_t n = 1;

    o[0] = ' ';
    if (pv->vk == VK_NOW) {
        memcpy(o + n, now->v, now->v_len);
        n += now->v_len;
        if (rd->in->timestamps && rd->in->now_ns) {
            o[n++] = ' ';
            memcpy(o + n, now->ts, now->ts_len);
            n += now->ts_len;
        }
    } else {
        n += fmt_value(o + n, pv);
        if (pv->has_ts && rd->in->timestamps) {
            const struct plan_ts *t = &p->tst[pv->ts_ref];

            o[n++] = ' ';
            memcpy(o + n, t->s, sizeof(t->s)); /* whole: a fixed-size copy */
            n += t->len;
        }
    }
    o[n++] = '\n';
    return n;
}

/* The end of what may be written into out now: its storage, or its cap. */
static char *plan_end(const struct cadv_buf *out)
{
    size_t lim = out->cap - 1;

    if (out->max && out->max < lim)
        lim = out->max;
    return out->data + lim;
}

/* Writes the body from the plan: each series' constant text, then its value. Room is reserved for the
 * values' length of the last render (never more than out's cap); a series that does not fit in what is
 * left is appended exactly, which grows out (or marks it overflowed) as any append does. */
static void plan_write(const struct render *rd)
{
    struct plan *p = &rd->c->plan;
    struct cadv_buf *out = rd->out;
    const char *t = p->text;
    size_t start = out->len, want = p->text_len + p->tails_len + p->tails_len / 16 + 4096, rest;
    struct now_text now;
    char *o, *end;

    now.v_len = cadv_prom_fmt_scaled(now.v, rd->in->now_ns / CADV_NS_PER_SEC, 0);
    now.ts_len = cadv_prom_fmt_int(now.ts, (int64_t)(rd->in->now_ns / CADV_NS_PER_MS));

    if (out->max && out->len + want > out->max)
        want = out->max - out->len;
    if (!cadv_buf_reserve(out, want))
        return;
    o = out->data + out->len;
    end = plan_end(out);
    for (size_t k = 0; k < p->n_series; k++) {
        if ((size_t)(end - o) < p->seg[k] + CADV_PROM_TAIL_MAX) {
            char tail[CADV_PROM_TAIL_MAX];
            size_t tl = plan_tail(rd, p, &now, &p->vals[k], tail);

            out->len = (size_t)(o - out->data);
            cadv_buf_append(out, t, p->seg[k]);
            cadv_buf_append(out, tail, tl);
            if (out->overflow)
                return;
            t += p->seg[k];
            o = out->data + out->len;
            end = plan_end(out);
            continue;
        }
        memcpy(o, t, p->seg[k]);
        o += p->seg[k];
        t += p->seg[k];
        o += plan_tail(rd, p, &now, &p->vals[k], o);
    }
    out->len = (size_t)(o - out->data);
    rest = p->text_len - (size_t)(t - p->text);
    cadv_buf_append(out, t, rest);
    if (out->overflow)
        return;
    out->data[out->len] = '\0';
    p->tails_len = out->len - start - p->text_len;
}

/* Whether storage of cap elements for need is over twice too large (containers went away): the plan
 * gives it back when it is built again. */
static bool too_roomy(size_t cap, size_t need)
{
    return cap > 2 * need + 1024;
}

/* After a recording render of fams (written from out->data + start): splits the body into the plan's
 * text and series, maps each row's series to their places, and records the rows' shapes. */
static void plan_build(const struct render *rd, const struct cadv_prom_family *const *fams, size_t nf,
                       size_t start)
{
    struct cadv_metrics_cache *c = rd->c;
    struct plan *p = &c->plan;
    const struct cadv_prom_base *b = &rd->bases[CADV_PROM_CONTAINER];
    const char *body = rd->out->data;
    size_t prev = start, n = c->n_rec, body_len = rd->out->len - start;

    p->valid = false;
    if (n > UINT32_MAX || body_len > UINT32_MAX)
        return;
    p->epoch = c->epoch;
    p->n_fams = 0;
    for (size_t i = 0; i < nf; i++) {
        cadv_xgrow((void **)&p->fams, &p->fams_cap, p->n_fams + 1, sizeof(*p->fams));
        p->fams[p->n_fams].f = fams[i];
        make_layout(fams[i], &rd->bases[fams[i]->scope], &p->fams[p->n_fams].lo);
        p->n_fams++;
    }
    cadv_xgrow((void **)&p->stamps, &p->stamps_cap, b->n_rows + 1, sizeof(*p->stamps));
    for (size_t i = 0; i < b->n_rows; i++)
        p->stamps[i] = b->rows[i]->stamp;
    p->n_stamps = b->n_rows;
    p->n_rows = b->n_rows + 2;
    if (p->series_cap < n + 1 || too_roomy(p->series_cap, n + 1)) {
        p->series_cap = n + 1;
        p->seg = cadv_xrealloc(p->seg, p->series_cap * sizeof(*p->seg));
        p->vals = cadv_xrealloc(p->vals, p->series_cap * sizeof(*p->vals));
        p->kidx = cadv_xrealloc(p->kidx, p->series_cap * sizeof(*p->kidx));
    }
    if (p->rows_cap < p->n_rows + 1 || too_roomy(p->rows_cap, p->n_rows + 1)) {
        p->rows_cap = p->n_rows + 1;
        p->row_k = cadv_xrealloc(p->row_k, p->rows_cap * sizeof(*p->row_k));
        p->row_st = cadv_xrealloc(p->row_st, p->rows_cap * sizeof(*p->row_st));
        p->row_ts = cadv_xrealloc(p->row_ts, p->rows_cap * sizeof(*p->row_ts));
        p->row_pin = cadv_xrealloc(p->row_pin, p->rows_cap * sizeof(*p->row_pin));
    }
    /* The text: the body without the values. */
    if (p->text_cap < body_len + 1 || too_roomy(p->text_cap, body_len + 1)) {
        p->text_cap = body_len + 1;
        p->text = cadv_xrealloc(p->text, p->text_cap);
    }
    p->text_len = 0;
    for (size_t k = 0; k < n; k++) {
        size_t len = c->rec_tail[k] - prev;

        memcpy(p->text + p->text_len, body + prev, len);
        p->text_len += len;
        p->seg[k] = (uint32_t)len;
        prev = c->rec_end[k];
    }
    memcpy(p->text + p->text_len, body + prev, rd->out->len - prev);
    p->text_len += rd->out->len - prev;
    p->tails_len = body_len - p->text_len;
    p->n_series = n;
    /* Each row's series in writing order (a stable counting sort of the series by row): a row's
     * series come family by family, and within one family in the order of its sorted records. */
    memset(p->row_k, 0, (p->n_rows + 1) * sizeof(*p->row_k));
    for (size_t k = 0; k < n; k++)
        p->row_k[c->rec_row[k] + 1]++;
    for (size_t r = 0; r < p->n_rows; r++)
        p->row_k[r + 1] += p->row_k[r];
    for (size_t k = 0; k < n; k++)
        p->kidx[p->row_k[c->rec_row[k]]++] = (uint32_t)k;
    for (size_t r = p->n_rows; r > 0; r--) /* back to starts */
        p->row_k[r] = p->row_k[r - 1];
    p->row_k[0] = 0;
    p->valid = plan_rows(rd, true);
    if (too_roomy(p->st_cap, p->st_len)) {
        p->st_cap = p->st_len;
        p->st = cadv_xrealloc(p->st, p->st_cap ? p->st_cap : 1);
    }
    c->plans_built++;
    /* Only a recording render needs these: 20 bytes per series, not kept between plans. */
    free(c->rec_row);
    free(c->rec_tail);
    free(c->rec_end);
    c->rec_row = NULL;
    c->rec_tail = c->rec_end = NULL;
    c->n_rec = c->rec_cap = 0;
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
        size_t line = rd->out->len, pfx = write_series(rd, f, name_len, &lo, b->rows[r->row], b->n_keys, r);

        if (rd->plan_rec && pfx)
            plan_record(c, global_row(rd, f->scope, r->row), line + pfx, rd->out->len);
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

/* Plans are built only while they get used: after PLAN_UNUSED_MAX plans in a row were dropped unused
 * (containers came or went before every next render, or a cache renders one container at a time),
 * only every PLAN_RETRY-th render builds one. */
#define PLAN_UNUSED_MAX 2
#define PLAN_RETRY      8

static void render(struct cadv_buf *out, const struct cadv_metrics_input *in,
                   struct cadv_metrics_cache *cache, bool families_only)
{
    size_t nf = cadv_prom_n_container_families + cadv_prom_n_machine_families, k = 0, start = out->len;
    const struct cadv_prom_family **fams = cadv_xmalloc(nf * sizeof(*fams));
    struct cadv_metrics_cache *own = cache ? NULL : cadv_metrics_cache_new();
    struct ts_cache ts = {0};
    struct render rd = {
            .ts = &ts, .c = cache ? cache : own, .in = in, .out = out, .families_only = families_only};
    struct cadv_metrics_cache *c = rd.c;
    bool plannable = cache && !families_only;

    for (size_t i = 0; i < cadv_prom_n_container_families; i++)
        if ((in->kinds & cadv_prom_container_families[i].kind) == cadv_prom_container_families[i].kind)
            fams[k++] = &cadv_prom_container_families[i];
    for (size_t i = 0; i < cadv_prom_n_machine_families; i++)
        if ((in->kinds & cadv_prom_machine_families[i].kind) == cadv_prom_machine_families[i].kind)
            fams[k++] = &cadv_prom_machine_families[i];
    qsort(fams, k, sizeof(*fams), cmp_family);
    container_base(&rd);
    machine_base(&rd);
    global_base(&rd);
    new_epoch_if_changed(c, in, &rd.bases[CADV_PROM_CONTAINER]);
    c->render_seq++;
    c->last_planned = false;
    if (plannable && plan_fits(&rd) && plan_rows(&rd, false)) {
        plan_write(&rd);
        c->last_planned = c->plan_used = true;
        c->unused_plans = 0;
        free(fams);
        return;
    }
    if (c->plan.valid && !c->plan_used)
        c->unused_plans++;
    c->plan.valid = c->plan_used = false;
    rd.plan_rec = plannable && (c->unused_plans < PLAN_UNUSED_MAX || c->render_seq % PLAN_RETRY == 0);
    c->n_rec = 0;
    for (size_t i = 0; i < k && !out->overflow; i++)
        render_family(&rd, fams[i]);
    if (rd.plan_rec && !out->overflow)
        plan_build(&rd, fams, k, start);
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
