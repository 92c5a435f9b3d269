/* SPDX-License-Identifier: Apache-2.0 */
/* promtext.c - the Prometheus text format parser (see promtext.h). One pass over the input, line by
 * line; a cursor never moves past the line's end, so every read is bounded by len. */
#include "app/promtext.h"

#include <errno.h>
#include <string.h>

#include "core/parse.h"

struct line {
    const char *p, *end;
};

struct parser {
    cadv_promtext_cb cb;
    void *arg;
    /* The last # TYPE line. */
    char type_name[CADV_PROMTEXT_NAME_MAX];
    size_t type_name_len;
    enum cadv_promtext_type type;
    /* Unescaped label values of the current sample. */
    char values[CADV_PROMTEXT_MAX_LABELS][CADV_PROMTEXT_VALUE_MAX];
    struct cadv_promtext_label labels[CADV_PROMTEXT_MAX_LABELS];
};

static void skip_blank(struct line *l)
{
    while (l->p < l->end && (*l->p == ' ' || *l->p == '\t'))
        l->p++;
}

static bool name_start(char c, bool colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool name_char(char c, bool colon)
{
    return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* A metric name (colon true) or a label name at the cursor; returns its length, 0 if none or too
 * long. */
static size_t take_name(struct line *l, bool colon, const char **ret)
{
    const char *s = l->p;

    if (l->p >= l->end || !name_start(*l->p, colon))
        return 0;
    while (l->p < l->end && name_char(*l->p, colon))
        l->p++;
    if ((size_t)(l->p - s) >= CADV_PROMTEXT_NAME_MAX)
        return 0;
    *ret = s;
    return (size_t)(l->p - s);
}

/* The next blank-separated token; its length (0 at the end of the line). */
static size_t take_token(struct line *l, const char **ret)
{
    const char *s;

    skip_blank(l);
    s = l->p;
    while (l->p < l->end && *l->p != ' ' && *l->p != '\t')
        l->p++;
    *ret = s;
    return (size_t)(l->p - s);
}

static bool token_eq(const char *t, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(t, lit, n) == 0;
}

static int parse_type(struct parser *ps, struct line *l)
{
    static const char *const names[] = {"untyped", "counter", "gauge", "summary", "histogram"};
    const char *name, *t;
    size_t n, tn;

    skip_blank(l);
    n = take_name(l, true, &name);
    if (n == 0)
        return -EBADMSG;
    tn = take_token(l, &t);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (token_eq(t, tn, names[i])) {
            skip_blank(l);
            if (l->p != l->end)
                return -EBADMSG;
            memcpy(ps->type_name, name, n);
            ps->type_name_len = n;
            ps->type = (enum cadv_promtext_type)i;
            return 0;
        }
    }
    return -EBADMSG;
}

/* "# HELP name text", "# TYPE name type", or any other comment. */
static int parse_comment(struct parser *ps, struct line *l)
{
    const char *kw, *name;
    size_t n;

    l->p++; /* '#' */
    n = take_token(l, &kw);
    if (token_eq(kw, n, "TYPE"))
        return parse_type(ps, l);
    if (token_eq(kw, n, "HELP")) {
        skip_blank(l);
        if (take_name(l, true, &name) == 0)
            return -EBADMSG;
        /* The text may hold \\ and \n escapes; anything else after a backslash is an error. */
        for (; l->p < l->end; l->p++)
            if (*l->p == '\\' && (++l->p == l->end || (*l->p != '\\' && *l->p != 'n')))
                return -EBADMSG;
    }
    return 0;
}

/* A quoted label value at the cursor, unescaped into out. Returns its length or -EBADMSG. */
static int take_value(struct line *l, char *out)
{
    size_t n = 0;

    if (l->p >= l->end || *l->p != '"')
        return -EBADMSG;
    for (l->p++; l->p < l->end; l->p++) {
        char c = *l->p;

        if (c == '"') {
            l->p++;
            return (int)n;
        }
        if (c == '\\') {
            if (++l->p == l->end)
                return -EBADMSG;
            c = (char)(*l->p == 'n' ? '\n' : *l->p);
            if (c != '\n' && c != '\\' && c != '"')
                return -EBADMSG;
        }
        if (n >= CADV_PROMTEXT_VALUE_MAX)
            return -EBADMSG;
        out[n++] = c;
    }
    return -EBADMSG;
}

/* "{a="x",b="y",}" at the cursor; fills ps->labels. Returns the count or -EBADMSG. */
static int parse_labels(struct parser *ps, struct line *l)
{
    size_t n = 0;

    l->p++; /* '{' */
    for (;;) {
        struct cadv_promtext_label *lb;
        const char *name;
        size_t len;
        int v;

        skip_blank(l);
        if (l->p < l->end && *l->p == '}') {
            l->p++;
            return (int)n;
        }
        if (n == CADV_PROMTEXT_MAX_LABELS)
            return -EBADMSG;
        len = take_name(l, false, &name);
        if (len == 0)
            return -EBADMSG;
        for (size_t i = 0; i < n; i++)
            if (ps->labels[i].name_len == len && memcmp(ps->labels[i].name, name, len) == 0)
                return -EBADMSG; /* duplicate label name */
        skip_blank(l);
        if (l->p >= l->end || *l->p != '=')
            return -EBADMSG;
        l->p++;
        skip_blank(l);
        v = take_value(l, ps->values[n]);
        if (v < 0)
            return v;
        lb = &ps->labels[n++];
        *lb = (struct cadv_promtext_label){name, len, ps->values[n - 1], (size_t)v};
        skip_blank(l);
        if (l->p < l->end && *l->p == ',')
            l->p++;
        else if (l->p >= l->end || *l->p != '}')
            return -EBADMSG;
    }
}

/* Copies a token into a NUL-terminated buffer for the number parsers. */
static bool token_cstr(const char *t, size_t n, char *buf, size_t size)
{
    if (n == 0 || n >= size)
        return false;
    memcpy(buf, t, n);
    buf[n] = '\0';
    return true;
}

/* Which family a sample belongs to: the last # TYPE name when the sample's name is it, or it plus
 * _bucket/_sum/_count for histograms and summaries (and _created... are left untyped, as expfmt). */
static void family_of(const struct parser *ps, struct cadv_promtext_sample *s)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    size_t tn = ps->type_name_len;

    s->family = s->name;
    s->family_len = s->name_len;
    s->type = CADV_PROMTEXT_UNTYPED;
    if (tn == 0 || s->name_len < tn || memcmp(s->name, ps->type_name, tn) != 0)
        return;
    if (s->name_len != tn) {
        bool match = false;

        if (ps->type != CADV_PROMTEXT_SUMMARY && ps->type != CADV_PROMTEXT_HISTOGRAM)
            return;
        for (size_t i = 0; i < 3; i++)
            if (token_eq(s->name + tn, s->name_len - tn, suffixes[i]))
                match = !(i == 0 && ps->type == CADV_PROMTEXT_SUMMARY);
        if (!match)
            return;
    }
    s->family = ps->type_name;
    s->family_len = tn;
    s->type = ps->type;
}

static int parse_sample(struct parser *ps, struct line *l)
{
    struct cadv_promtext_sample s = {0};
    const char *t;
    char num[64];
    size_t n;
    int r;

    s.name_len = take_name(l, true, &s.name);
    if (s.name_len == 0)
        return -EBADMSG;
    skip_blank(l);
    if (l->p < l->end && *l->p == '{') {
        r = parse_labels(ps, l);
        if (r < 0)
            return r;
        s.n_labels = (size_t)r;
        s.labels = ps->labels;
    }
    n = take_token(l, &t);
    if (!token_cstr(t, n, num, sizeof(num)) || cadv_parse_go_float(num, &s.value) < 0)
        return -EBADMSG;
    n = take_token(l, &t);
    if (n > 0) {
        if (!token_cstr(t, n, num, sizeof(num)) || cadv_parse_go_int(num, 10, 64, &s.timestamp_ms) < 0)
            return -EBADMSG;
        s.has_timestamp = true;
        skip_blank(l);
        if (l->p != l->end)
            return -EBADMSG;
    }
    family_of(ps, &s);
    return ps->cb ? ps->cb(ps->arg, &s) : 0;
}

int cadv_promtext_parse(const char *text, size_t len, cadv_promtext_cb cb, void *arg, size_t *ret_line)
{
    /* The label scratch (32 KiB) lives in thread-local storage, not on a poller's stack. */
    static _Thread_local struct parser tls;
    struct parser *ps = &tls;
    const char *p = text, *end = text + len;
    size_t line_no = 0;
    int n = 0, r = 0;

    ps->type_name_len = 0;
    ps->type = CADV_PROMTEXT_UNTYPED;
    ps->cb = cb;
    ps->arg = arg;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct line l = {p, nl ? nl : end};

        line_no++;
        p = nl ? nl + 1 : end;
        skip_blank(&l);
        if (l.p == l.end)
            continue;
        if (memchr(l.p, '\0', (size_t)(l.end - l.p))) {
            r = -EBADMSG;
            break;
        }
        if (*l.p == '#') {
            r = parse_comment(ps, &l);
        } else {
            r = parse_sample(ps, &l);
            if (r >= 0 && n < INT32_MAX)
                n++;
        }
        if (r < 0)
            break;
    }
    if (r < 0) {
        if (r == -EBADMSG && ret_line)
            *ret_line = line_no;
        return r;
    }
    return n;
}

const char *cadv_promtext_spec_type(enum cadv_promtext_type t)
{
    switch (t) {
    case CADV_PROMTEXT_COUNTER:
        return "cumulative";
    case CADV_PROMTEXT_GAUGE:
        return "gauge";
    case CADV_PROMTEXT_SUMMARY:
        return "SUMMARY";
    case CADV_PROMTEXT_HISTOGRAM:
        return "HISTOGRAM";
    default:
        return "UNTYPED";
    }
}
