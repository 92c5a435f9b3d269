/* SPDX-License-Identifier: Apache-2.0 */
/* appconfig.c - application metrics collector configs (see appconfig.h). */
#include "app/appconfig.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/parse.h"
#include "core/xalloc.h"

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

enum cadv_app_kind cadv_app_kind_of(const char *collector_name)
{
    return strncasecmp(collector_name, "prometheus", 10) == 0 ? CADV_APP_PROMETHEUS : CADV_APP_GENERIC;
}

/* Go's encoding/json field lookup: an exact key wins, else a case-insensitive match. */
static json_t *field(json_t *obj, const char *name)
{
    const char *k;
    json_t *v, *exact = json_object_get(obj, name);

    if (exact)
        return exact;
    json_object_foreach(obj, k, v)
    {
        if (strcasecmp(k, name) == 0)
            return v;
    }
    return NULL;
}

/* A string field (absent or null: def). Returns 0 or -EINVAL. */
static int str_field(json_t *obj, const char *name, const char *def, size_t max, char **ret, char *err,
                     size_t cap)
{
    json_t *v = field(obj, name);
    const char *s = def;

    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return fail(err, cap, "\"%s\" must be a string", name);
        s = json_string_value(v);
        if (json_string_length(v) != strlen(s))
            return fail(err, cap, "\"%s\" holds a NUL character", name);
    }
    if (strlen(s) > max)
        return fail(err, cap, "\"%s\" is longer than %zu bytes", name, max);
    *ret = cadv_xstrdup(s);
    return 0;
}

/* A Go time.Duration: a JSON integer of nanoseconds (absent or null: 0). */
static int duration_field(json_t *obj, const char *name, int64_t *ret, char *err, size_t cap)
{
    json_t *v = field(obj, name);

    *ret = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return fail(err, cap, "\"%s\" must be an integer of nanoseconds", name);
    *ret = json_integer_value(v);
    return 0;
}

static int parse_endpoint(struct cadv_app_config *c, json_t *root, char *err, size_t cap)
{
    json_t *e = field(root, "endpoint"), *port;
    uint64_t pnum;
    int r;

    if (!e || json_is_null(e))
        return fail(err, cap, "no \"endpoint\"");
    if (json_is_string(e)) {
        if (json_string_length(e) == 0 || json_string_length(e) > CADV_APPCONFIG_URL_MAX ||
            json_string_length(e) != strlen(json_string_value(e)))
            return fail(err, cap, "\"endpoint\" must be a URL of 1 to %d bytes", CADV_APPCONFIG_URL_MAX);
        c->url = cadv_xstrdup(json_string_value(e));
        return 0;
    }
    if (!json_is_object(e))
        return fail(err, cap, "\"endpoint\" must be a URL string or an object");
    r = str_field(e, "protocol", "http", 16, &c->protocol, err, cap);
    if (r >= 0)
        r = str_field(e, "path", "", CADV_APPCONFIG_URL_MAX - 64, &c->path, err, cap);
    if (r < 0)
        return r;
    if (strcmp(c->protocol, "http") != 0 && strcmp(c->protocol, "https") != 0)
        return fail(err, cap, "\"protocol\" must be http or https");
    port = field(e, "port");
    if (!port || json_is_null(port)) {
        c->port = cadv_xstrdup("8000");
    } else if (json_is_integer(port) && json_integer_value(port) > 0 && json_integer_value(port) < 65536) {
        char tmp[16];

        (void)snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(port));
        c->port = cadv_xstrdup(tmp);
    } else if (json_is_string(port) && json_string_length(port) <= 5 &&
               cadv_parse_u64(json_string_value(port), &pnum) == 0 && pnum > 0 && pnum < 65536) {
        c->port = cadv_xstrdup(json_string_value(port));
    } else {
        return fail(err, cap, "\"port\" must be a port number");
    }
    return 0;
}

/* Go's RE2 classes \d \s \w (and negations) as POSIX bracket expressions. */
static int translate_regex(const char *re, struct cadv_buf *out)
{
    bool in_bracket = false;

    /* re is set whenever we get here, but fail() is variadic, so the analyzer cannot see it is < 0. */
    /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): false positive, see above */
    for (const char *p = re; *p; p++) {
        const char *cls = NULL;

        if (*p == '\\' && p[1]) {
            switch (p[1]) {
            case 'd':
                cls = in_bracket ? "0-9" : "[0-9]";
                break;
            case 'D':
                cls = in_bracket ? NULL : "[^0-9]";
                break;
            case 's':
                cls = in_bracket ? "[:space:]" : "[[:space:]]";
                break;
            case 'S':
                cls = in_bracket ? NULL : "[^[:space:]]";
                break;
            case 'w':
                cls = in_bracket ? "[:alnum:]_" : "[[:alnum:]_]";
                break;
            case 'W':
                cls = in_bracket ? NULL : "[^[:alnum:]_]";
                break;
            default:
                break;
            }
            if (cls) {
                cadv_buf_puts(out, cls);
                p++;
                continue;
            }
            if (in_bracket && strchr("dDsSwW", p[1]))
                return -EINVAL; /* a negated class inside brackets has no POSIX form */
            cadv_buf_putc(out, *p++);
            cadv_buf_putc(out, *p);
            continue;
        }
        if (!in_bracket && *p == '[') {
            in_bracket = true;
            cadv_buf_putc(out, *p);
            if (p[1] == '^')
                cadv_buf_putc(out, *++p);
            if (p[1] == ']')
                cadv_buf_putc(out, *++p);
            continue;
        }
        if (in_bracket && *p == ']')
            in_bracket = false;
        cadv_buf_putc(out, *p);
    }
    return out->overflow ? -EINVAL : 0;
}

/* Go's RE2 rejects a repetition of a repetition ("a**", "a++"; a lazy "?" after one is no repetition)
 * and repeat counts above REGEX_REPEAT_MAX. glibc's regcomp accepts both and expands each "+" and
 * bounded repetition by copying its operand, so nested repetitions take exponential time and memory
 * (30 "+" in a row: over a GB). Rejects what Go rejects, and any pattern whose copies would pass
 * REGEX_COPIES_MAX nodes (Go's own limit is higher: such patterns have no use in a metric's regex). */
#define REGEX_REPEAT_MAX 1000
#define REGEX_COPIES_MAX 10000

/* Parses a Go repeat "{n}", "{n,}" or "{n,m}" at p; sets *lo, *hi (0: unbounded) and *end (at '}').
 * Returns false when p starts no repeat (Go then takes '{' literally). */
static bool parse_repeat(const char *p, unsigned long *lo, unsigned long *hi, const char **end)
{
    char *q;

    if (p[1] < '0' || p[1] > '9')
        return false;
    *lo = strtoul(p + 1, &q, 10);
    *hi = *lo;
    if (*q == ',') {
        if (q[1] == '}') {
            *hi = 0;
            q++;
        } else if (q[1] >= '0' && q[1] <= '9') {
            *hi = strtoul(q + 1, &q, 10);
        } else {
            return false;
        }
    }
    if (*q != '}')
        return false;
    *end = q;
    return true;
}

/* The end of the bracket expression starting at p ('['), at its ']'; NULL when it does not end. */
static const char *bracket_end(const char *p)
{
    p++;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    for (; *p && *p != ']'; p++) {
        if (*p == '[' && p[1] == ':') {
            const char *c = strstr(p + 2, ":]");

            if (!c)
                return NULL;
            p = c + 1;
        } else if (*p == '\\' && p[1]) {
            p++;
        }
    }
    return *p ? p : NULL;
}

static bool regex_bounded(const char *re)
{
    /* As in translate_regex: re is set here; fail() being variadic hides that from the analyzer. */
    /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): false positive, see above */
    size_t n = strlen(re) + 2, depth = 0;
    uint64_t *size = cadv_xcalloc(n, sizeof(*size)), *last = cadv_xcalloc(n, sizeof(*last));
    bool repeated = false, lazy_ok = false, ok = true;

    for (const char *p = re; *p && ok; p++) {
        unsigned long lo, hi;
        uint64_t item = 1, mult = 0;

        if (*p == '\\' && p[1]) {
            p++;
        } else if (*p == '[') {
            const char *e = bracket_end(p);

            if (!e)
                break; /* regcomp says what is wrong */
            p = e;
        } else if (*p == '(') {
            depth++;
            size[depth] = last[depth] = 0;
            repeated = false;
            continue;
        } else if (*p == ')' && depth > 0) {
            item = size[depth] ? size[depth] : 1;
            depth--;
        } else if (*p == '|') {
            last[depth] = 0;
            repeated = false;
            continue;
        } else if (*p == '*' || *p == '?') {
            mult = 1;
        } else if (*p == '+') {
            mult = 2;
        } else if (*p == '{' && parse_repeat(p, &lo, &hi, &p)) {
            ok = lo <= REGEX_REPEAT_MAX && hi <= REGEX_REPEAT_MAX && (hi == 0 || lo <= hi);
            mult = hi ? hi : lo + 1;
        }
        if (mult) {
            if (repeated) { /* only a lazy "?" may follow a repetition, once */
                ok = ok && *p == '?' && lazy_ok;
                lazy_ok = false;
                continue;
            }
            repeated = lazy_ok = true;
            size[depth] += last[depth] * (mult - 1);
            last[depth] *= mult;
        } else {
            repeated = lazy_ok = false;
            size[depth] += item;
            last[depth] = item;
        }
        ok = ok && size[depth] <= REGEX_COPIES_MAX && last[depth] <= REGEX_COPIES_MAX;
    }
    free(size);
    free(last);
    return ok;
}

static int compile_regex(struct cadv_app_metric *m, const char *re, char *err, size_t cap)
{
    struct cadv_buf b;
    int r;

    cadv_buf_init(&b, 4 * CADV_APPCONFIG_REGEX_MAX);
    r = regex_bounded(re) ? translate_regex(re, &b) : -EINVAL;
    if (r >= 0 && regcomp(&m->re, b.data ? b.data : "", REG_EXTENDED) != 0)
        r = -EINVAL;
    cadv_buf_done(&b);
    if (r < 0)
        return fail(err, cap, "invalid regexp '%s' for metric '%s'", re, m->name);
    if (m->re.re_nsub < 1) {
        regfree(&m->re);
        return fail(err, cap, "regexp '%s' for metric '%s' has no capture group", re, m->name);
    }
    return 0;
}

static int parse_metric(struct cadv_app_metric *m, json_t *o, char *err, size_t cap)
{
    char *data_type = NULL, *re = NULL;
    int r;

    if (!json_is_object(o))
        return fail(err, cap, "each of \"metrics_config\" must be an object");
    r = str_field(o, "name", "", CADV_APPCONFIG_NAME_MAX, &m->name, err, cap);
    if (r >= 0 && !*m->name)
        r = fail(err, cap, "a metric has no \"name\"");
    if (r >= 0)
        r = str_field(o, "metric_type", "", CADV_APPCONFIG_NAME_MAX, &m->metric_type, err, cap);
    if (r >= 0)
        r = str_field(o, "units", "", CADV_APPCONFIG_NAME_MAX, &m->units, err, cap);
    if (r >= 0)
        r = str_field(o, "data_type", "", CADV_APPCONFIG_NAME_MAX, &data_type, err, cap);
    /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): as in translate_regex */
    if (r >= 0 && strcmp(data_type, "int") != 0 && strcmp(data_type, "float") != 0)
        r = fail(err, cap, "metric '%s': \"data_type\" must be int or float", m->name);
    if (r >= 0)
        r = duration_field(o, "polling_frequency", &m->polling_frequency_ns, err, cap);
    if (r >= 0)
        r = str_field(o, "regex", "", CADV_APPCONFIG_REGEX_MAX, &re, err, cap);
    if (r >= 0) {
        m->is_float = strcmp(data_type, "float") == 0;
        r = compile_regex(m, re, err, cap);
    }
    free(data_type);
    free(re);
    return r;
}

static int parse_generic(struct cadv_app_config *c, json_t *root, int limit, char *err, size_t cap)
{
    json_t *list = field(root, "metrics_config");
    int64_t min = 0;
    size_t n;

    if (list && !json_is_null(list) && !json_is_array(list))
        return fail(err, cap, "\"metrics_config\" must be an array");
    n = list ? json_array_size(list) : 0;
    if (n == 0)
        return fail(err, cap, "no metrics provided in config");
    if (n > (size_t)limit)
        return fail(err, cap, "too many metrics defined: %zu limit: %d", n, limit);
    c->metrics = cadv_xcalloc(n, sizeof(*c->metrics));
    for (size_t i = 0; i < n; i++) {
        int r = parse_metric(&c->metrics[i], json_array_get(list, i), err, cap);

        if (r < 0) {
            /* The failed metric owns its strings but no compiled regex. */
            free(c->metrics[i].name);
            free(c->metrics[i].metric_type);
            free(c->metrics[i].units);
            return r;
        }
        c->n_metrics++;
        if (c->metrics[i].polling_frequency_ns > 0 && (min == 0 || c->metrics[i].polling_frequency_ns < min))
            min = c->metrics[i].polling_frequency_ns;
    }
    c->poll_ns = (uint64_t)min;
    return 0;
}

static int parse_prometheus(struct cadv_app_config *c, json_t *root, int limit, char *err, size_t cap)
{
    json_t *list = field(root, "metrics_config");
    int64_t freq;
    size_t n;
    int r;

    r = duration_field(root, "polling_frequency", &freq, err, cap);
    if (r < 0)
        return r;
    c->poll_ns = freq > 0 ? (uint64_t)freq : 0;
    if (list && !json_is_null(list) && !json_is_array(list))
        return fail(err, cap, "\"metrics_config\" must be an array of names");
    n = list ? json_array_size(list) : 0;
    if (n > (size_t)limit)
        return fail(err, cap, "too many metrics defined: %zu limit %d", n, limit);
    c->names = n ? cadv_xcalloc(n, sizeof(*c->names)) : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(list, i);

        if (!json_is_string(v) || json_string_length(v) == 0 ||
            json_string_length(v) > CADV_APPCONFIG_NAME_MAX)
            return fail(err, cap, "\"metrics_config\" must be an array of metric names");
        c->names[c->n_names++] = cadv_xstrdup(json_string_value(v));
    }
    return 0;
}

int cadv_app_config_parse(enum cadv_app_kind kind, const char *json, size_t len, int count_limit,
                          struct cadv_app_config **ret, char *err, size_t cap)
{
    struct cadv_app_config *c;
    json_error_t jerr;
    json_t *root;
    int r;

    if (len > CADV_APPCONFIG_MAX_BYTES) {
        (void)snprintf(err, cap, "config larger than %d bytes", CADV_APPCONFIG_MAX_BYTES);
        return -E2BIG;
    }
    if (count_limit < 0)
        return fail(err, cap, "metric count limit must be greater than or equal to 0");
    root = json_loadb(json, len, 0, &jerr);
    if (!root)
        return fail(err, cap, "invalid JSON at line %d: %s", jerr.line, jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return fail(err, cap, "the config must be a JSON object");
    }
    c = cadv_xcalloc(1, sizeof(*c));
    c->kind = kind;
    r = parse_endpoint(c, root, err, cap);
    if (r >= 0)
        r = kind == CADV_APP_PROMETHEUS ? parse_prometheus(c, root, count_limit, err, cap)
                                        : parse_generic(c, root, count_limit, err, cap);
    json_decref(root);
    if (r < 0) {
        cadv_app_config_free(c);
        return r;
    }
    if (c->poll_ns < CADV_APPCONFIG_MIN_POLL_NS)
        c->poll_ns = CADV_APPCONFIG_MIN_POLL_NS;
    *ret = c;
    return 0;
}

struct cadv_app_config *cadv_app_config_free(struct cadv_app_config *c)
{
    if (!c)
        return NULL;
    for (size_t i = 0; i < c->n_metrics; i++) {
        free(c->metrics[i].name);
        free(c->metrics[i].metric_type);
        free(c->metrics[i].units);
        regfree(&c->metrics[i].re);
    }
    for (size_t i = 0; i < c->n_names; i++)
        free(c->names[i]);
    free(c->metrics);
    free(c->names);
    free(c->url);
    free(c->protocol);
    free(c->port);
    free(c->path);
    free(c);
    return NULL;
}

int cadv_app_config_url(const struct cadv_app_config *c, const char *host, char *out, size_t size)
{
    int n;

    if (c->url)
        n = snprintf(out, size, "%s", c->url);
    else
        n = snprintf(out, size, "%s://%s:%s%s", c->protocol, host, c->port, c->path);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool cadv_app_config_keeps(const struct cadv_app_config *c, const char *name, size_t len)
{
    if (c->n_names == 0)
        return true;
    for (size_t i = 0; i < c->n_names; i++)
        if (strlen(c->names[i]) == len && memcmp(c->names[i], name, len) == 0)
            return true;
    return false;
}
