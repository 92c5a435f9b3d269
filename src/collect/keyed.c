/* SPDX-License-Identifier: Apache-2.0 */
/* keyed.c - allocation-free parsers for cgroup file formats (see keyed.h). Spans, not strings:
 * nothing here writes to or NUL-terminates its input. */
#include "collect/keyed.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/parse.h"
#include "model/sample.h"

struct span {
    const char *p;
    size_t n;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Takes the next line (without its '\n') from *rest. */
static bool next_line(struct span *rest, struct span *line)
{
    const char *nl;

    if (rest->n == 0)
        return false;
    nl = memchr(rest->p, '\n', rest->n);
    line->p = rest->p;
    line->n = nl ? (size_t)(nl - rest->p) : rest->n;
    rest->p += line->n + (nl ? 1 : 0);
    rest->n -= line->n + (nl ? 1 : 0);
    return true;
}

/* Takes the next field separated by blanks (and by ':' too when colon is set). */
static bool next_field(struct span *line, struct span *field, bool colon)
{
    size_t i = 0, start;

    while (i < line->n && (is_blank(line->p[i]) || (colon && line->p[i] == ':')))
        i++;
    if (i == line->n) {
        line->p += i;
        line->n = 0;
        return false;
    }
    start = i;
    while (i < line->n && !is_blank(line->p[i]) && !(colon && line->p[i] == ':'))
        i++;
    field->p = line->p + start;
    field->n = i - start;
    line->p += i;
    line->n -= i;
    return true;
}

static void trim_right(struct span *s)
{
    while (s->n > 0 && is_blank(s->p[s->n - 1]))
        s->n--;
}

static bool span_eq(struct span s, const char *lit)
{
    size_t n = strlen(lit);

    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Go's strconv.ParseUint(s, 10, 64): digits only. */
static int parse_udec(const char *s, size_t n, uint64_t *ret)
{
    if (!all_digits(s, n))
        return -EINVAL;
    return cadv_parse_u64n(s, n, ret);
}

/* libcontainer's fscommon.ParseUint: decimal; a negative integer (any magnitude) gives 0. */
static int parse_u64(const char *s, size_t n, uint64_t *ret)
{
    if (n > 1 && s[0] == '-') {
        if (!all_digits(s + 1, n - 1))
            return -EINVAL;
        *ret = 0;
        return 0;
    }
    return parse_udec(s, n, ret);
}

int cadv_keyed_parse_value(const char *buf, size_t len, uint64_t *ret)
{
    struct span s = {buf, len};

    while (s.n > 0 && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    trim_right(&s);
    if (span_eq(s, "max")) {
        *ret = UINT64_MAX;
        return 0;
    }
    return parse_u64(s.p, s.n, ret) < 0 ? -EINVAL : 0;
}

int cadv_keyed_foreach(const char *buf, size_t len, cadv_keyed_cb cb, void *ctx)
{
    struct span rest = {buf, len}, line;
    int count = 0;

    while (next_line(&rest, &line)) {
        const char *sp = memchr(line.p, ' ', line.n);
        struct span val;
        uint64_t v;
        int r;

        if (!sp || sp == line.p)
            continue;
        val.p = sp + 1;
        val.n = line.n - (size_t)(sp + 1 - line.p);
        trim_right(&val);
        if (parse_u64(val.p, val.n, &v) < 0)
            continue;
        r = cb(ctx, line.p, (size_t)(sp - line.p), v);
        if (r < 0)
            return r;
        count++;
    }
    return count;
}

struct table_ctx {
    const char *const *keys;
    size_t n;
    uint64_t *values;
    uint64_t found;
    int matches;
};

static int table_cb(void *ctx, const char *key, size_t key_len, uint64_t value)
{
    struct table_ctx *t = ctx;

    for (size_t i = 0; i < t->n; i++) {
        const char *k = t->keys[i];

        if (k[0] == key[0] && strlen(k) == key_len && memcmp(k, key, key_len) == 0) {
            t->values[i] = value;
            t->found |= UINT64_C(1) << i;
            t->matches++;
            break;
        }
    }
    return 0;
}

int cadv_keyed_parse(const char *buf, size_t len, const char *const *keys, size_t n, uint64_t *values,
                     uint64_t *ret_found)
{
    struct table_ctx t = {keys, n, values, 0, 0};

    if (n > CADV_KEYED_MAX_KEYS)
        return -EINVAL;
    (void)cadv_keyed_foreach(buf, len, table_cb, &t);
    *ret_found = t.found;
    return t.matches;
}

/* "MAJ:MIN" -> major, minor. */
static bool parse_devno(struct span f, uint64_t *major, uint64_t *minor)
{
    const char *colon = memchr(f.p, ':', f.n);
    size_t a;

    if (!colon)
        return false;
    a = (size_t)(colon - f.p);
    return parse_udec(f.p, a, major) == 0 && parse_udec(colon + 1, f.n - a - 1, minor) == 0;
}

int cadv_nested_keyed_parse(const char *buf, size_t len, cadv_nested_cb cb, void *ctx)
{
    struct span rest = {buf, len}, line, f;
    int lines = 0;

    while (next_line(&rest, &line)) {
        uint64_t major, minor;

        if (!next_field(&line, &f, false) || !parse_devno(f, &major, &minor))
            continue;
        lines++;
        while (next_field(&line, &f, false)) {
            const char *eq = memchr(f.p, '=', f.n);
            size_t kn;
            uint64_t v;

            if (!eq || eq == f.p)
                continue;
            kn = (size_t)(eq - f.p);
            if (parse_udec(eq + 1, f.n - kn - 1, &v) < 0)
                continue;
            cb(ctx, major, minor, f.p, kn, v);
        }
    }
    return lines;
}

int cadv_blkio_parse(const char *buf, size_t len, cadv_blkio_cb cb, void *ctx)
{
    struct span rest = {buf, len}, line;
    int entries = 0;

    while (next_line(&rest, &line)) {
        struct span fld[5];
        size_t nf = 0;
        uint64_t major, minor, v;

        while (nf < 5 && next_field(&line, &fld[nf], true))
            nf++;
        if (nf == 0)
            continue;
        if (nf < 3) {
            if (nf == 2 && span_eq(fld[0], "Total"))
                continue;
            return -EBADMSG;
        }
        if (nf > 4 || parse_udec(fld[0].p, fld[0].n, &major) < 0 ||
            parse_udec(fld[1].p, fld[1].n, &minor) < 0 || parse_udec(fld[nf - 1].p, fld[nf - 1].n, &v) < 0)
            return -EBADMSG;
        if (cb)
            cb(ctx, major, minor, nf == 4 ? fld[2].p : "", nf == 4 ? fld[2].n : 0, v);
        entries++;
    }
    return entries;
}

/* "12.34" -> 1234 (hundredths; further digits are truncated). */
static int parse_centi(struct span s, uint64_t *ret)
{
    const char *dot = memchr(s.p, '.', s.n);
    size_t ilen = dot ? (size_t)(dot - s.p) : s.n;
    size_t flen = dot ? s.n - ilen - 1 : 0;
    uint64_t ip, frac = 0;

    if (ilen > 15 || parse_udec(s.p, ilen, &ip) < 0 || (flen > 0 && !all_digits(dot + 1, flen)))
        return -EBADMSG;
    if (flen > 0)
        frac = (uint64_t)(dot[1] - '0') * 10;
    if (flen > 1)
        frac += (uint64_t)(dot[2] - '0');
    *ret = ip * 100 + frac;
    return 0;
}

static int parse_psi_data(struct span line, struct cadv_psi_data *ret)
{
    struct cadv_psi_data d = *ret;
    struct span f;

    while (next_field(&line, &f, false)) {
        const char *eq = memchr(f.p, '=', f.n);
        struct span k, v;
        int r = 0;

        if (!eq)
            return -EBADMSG;
        k = (struct span){f.p, (size_t)(eq - f.p)};
        v = (struct span){eq + 1, f.n - k.n - 1};
        if (span_eq(k, "avg10"))
            r = parse_centi(v, &d.avg10_centi);
        else if (span_eq(k, "avg60"))
            r = parse_centi(v, &d.avg60_centi);
        else if (span_eq(k, "avg300"))
            r = parse_centi(v, &d.avg300_centi);
        else if (span_eq(k, "total"))
            r = parse_udec(v.p, v.n, &d.total_us);
        if (r < 0)
            return -EBADMSG;
    }
    *ret = d;
    return 0;
}

int cadv_psi_parse(const char *buf, size_t len, struct cadv_psi *ret)
{
    struct span rest = {buf, len}, line, f;
    struct cadv_psi psi = {0};

    while (next_line(&rest, &line)) {
        struct cadv_psi_data *d;

        if (!next_field(&line, &f, false))
            continue;
        if (span_eq(f, "some"))
            d = &psi.some;
        else if (span_eq(f, "full"))
            d = &psi.full;
        else
            continue;
        *d = (struct cadv_psi_data){0};
        if (parse_psi_data(line, d) < 0)
            return -EBADMSG;
    }
    *ret = psi;
    return 0;
}

int cadv_keyed_parse_list(const char *buf, size_t len, uint64_t *out, size_t cap)
{
    struct span rest = {buf, len}, f;
    size_t n = 0;

    while (next_field(&rest, &f, false)) {
        uint64_t v;

        if (parse_u64(f.p, f.n, &v) < 0)
            return -EBADMSG;
        if (n < cap)
            out[n++] = v;
    }
    return (int)n;
}

int cadv_numa_stat_parse(const char *buf, size_t len, cadv_numa_cb cb, void *ctx)
{
    struct span rest = {buf, len}, line, f;
    int lines = 0;

    while (next_line(&rest, &line)) {
        const char *eq;
        struct span key;

        if (!next_field(&line, &f, false) || !(eq = memchr(f.p, '=', f.n)))
            continue;
        key = (struct span){f.p, (size_t)(eq - f.p)};
        while (next_field(&line, &f, false)) {
            const char *e = memchr(f.p, '=', f.n);
            uint64_t node, pages;
            size_t kn;

            if (!e || f.n < 2 || f.p[0] != 'N')
                return -EBADMSG;
            kn = (size_t)(e - f.p);
            if (kn < 2 || parse_udec(f.p + 1, kn - 1, &node) < 0 || node > 255 ||
                parse_udec(e + 1, f.n - kn - 1, &pages) < 0)
                return -EBADMSG;
            cb(ctx, key.p, key.n, node, pages);
        }
        lines++;
    }
    return lines;
}
