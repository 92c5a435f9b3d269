/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - streaming JSON writer compatible with Go's encoding/json output. */
#include "core/json.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "core/utf8.h"

void cadv_json_init(struct cadv_json *w, struct cadv_buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

static void before_value(struct cadv_json *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth])
        cadv_buf_putc(w->out, ',');
    w->need_comma[w->depth] = true;
}

static void open_container(struct cadv_json *w, char c)
{
    before_value(w);
    cadv_buf_putc(w->out, c);
    assert(w->depth + 1 < CADV_JSON_MAX_DEPTH);
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_container(struct cadv_json *w, char c)
{
    assert(w->depth > 0);
    w->depth--;
    cadv_buf_putc(w->out, c);
}

void cadv_json_obj_begin(struct cadv_json *w)
{
    open_container(w, '{');
}

void cadv_json_obj_end(struct cadv_json *w)
{
    close_container(w, '}');
}

void cadv_json_arr_begin(struct cadv_json *w)
{
    open_container(w, '[');
}

void cadv_json_arr_end(struct cadv_json *w)
{
    close_container(w, ']');
}

static const char hexdig[] = "0123456789abcdef";

static void json_escape(struct cadv_buf *out, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, start = 0;

    while (i < n) {
        unsigned char c = s[i];
        unsigned cp;
        size_t l;

        if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            l = cadv_utf8_len(s + i, n - i, &cp);
            if (l > 0 && cp != 0x2028 && cp != 0x2029) {
                i += l;
                continue;
            }
            cadv_buf_append(out, s + start, i - start);
            if (l == 0) {
                cadv_buf_puts(out, "\\ufffd");
                i++;
            } else {
                cadv_buf_puts(out, cp == 0x2028 ? "\\u2028" : "\\u2029");
                i += l;
            }
            start = i;
            continue;
        }
        cadv_buf_append(out, s + start, i - start);
        switch (c) {
        case '"':
            cadv_buf_puts(out, "\\\"");
            break;
        case '\\':
            cadv_buf_puts(out, "\\\\");
            break;
        case '\n':
            cadv_buf_puts(out, "\\n");
            break;
        case '\r':
            cadv_buf_puts(out, "\\r");
            break;
        case '\t':
            cadv_buf_puts(out, "\\t");
            break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};
            cadv_buf_append(out, e, sizeof(e));
        }
        }
        i++;
        start = i;
    }
    cadv_buf_append(out, s + start, n - start);
}

void cadv_json_key(struct cadv_json *w, const char *key)
{
    before_value(w);
    cadv_buf_putc(w->out, '"');
    json_escape(w->out, key, strlen(key));
    cadv_buf_puts(w->out, "\":");
    w->after_key = true;
}

void cadv_json_key_lit(struct cadv_json *w, const char *key, size_t n)
{
    before_value(w);
    w->after_key = true;
    if (!cadv_buf_reserve(w->out, n + 3))
        return;
    w->out->data[w->out->len++] = '"';
    memcpy(w->out->data + w->out->len, key, n);
    w->out->len += n;
    w->out->data[w->out->len++] = '"';
    w->out->data[w->out->len++] = ':';
    w->out->data[w->out->len] = '\0';
}

void cadv_json_strn(struct cadv_json *w, const char *s, size_t n)
{
    before_value(w);
    cadv_buf_putc(w->out, '"');
    json_escape(w->out, s, n);
    cadv_buf_putc(w->out, '"');
}

void cadv_json_str(struct cadv_json *w, const char *s)
{
    cadv_json_strn(w, s ? s : "", s ? strlen(s) : 0);
}

void cadv_json_u64(struct cadv_json *w, uint64_t v)
{
    before_value(w);
    cadv_buf_put_u64(w->out, v);
}

void cadv_json_i64(struct cadv_json *w, int64_t v)
{
    before_value(w);
    cadv_buf_put_i64(w->out, v);
}

void cadv_format_go_float(struct cadv_buf *out, double v)
{
    char tmp[40], digits[24];
    int prec, exp10, nd = 0;
    double a = fabs(v);
    char *e;

    if (isnan(v) || isinf(v)) {
        /* Go's encoder refuses these; Prometheus text uses NaN/+Inf. Callers of the JSON writer never
         * pass them; render something parseable rather than invalid output. */
        cadv_buf_puts(out, isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf"));
        return;
    }
    if (v == 0) {
        cadv_buf_puts(out, signbit(v) ? "-0" : "0");
        return;
    }
    /* Shortest round-tripping precision. */
    for (prec = 1; prec <= 17; prec++) {
        (void)snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, a); /* tmp fits any double */
        if (strtod(tmp, NULL) == a)
            break;
    }
    e = strchr(tmp, 'e');
    exp10 = (int)strtol(e + 1, NULL, 10);
    for (char *p = tmp; p < e; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    if (v < 0)
        cadv_buf_putc(out, '-');
    if (a < 1e-6 || a >= 1e21) {
        cadv_buf_putc(out, digits[0]);
        if (nd > 1) {
            cadv_buf_putc(out, '.');
            cadv_buf_append(out, digits + 1, (size_t)nd - 1);
        }
        cadv_buf_printf(out, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        return;
    }
    if (exp10 < 0) {
        cadv_buf_puts(out, "0.");
        for (int i = -1; i > exp10; i--)
            cadv_buf_putc(out, '0');
        cadv_buf_append(out, digits, (size_t)nd);
    } else if (exp10 + 1 >= nd) {
        cadv_buf_append(out, digits, (size_t)nd);
        for (int i = nd; i <= exp10; i++)
            cadv_buf_putc(out, '0');
    } else {
        cadv_buf_append(out, digits, (size_t)exp10 + 1);
        cadv_buf_putc(out, '.');
        cadv_buf_append(out, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
    }
}

void cadv_json_double(struct cadv_json *w, double v)
{
    before_value(w);
    cadv_format_go_float(w->out, v);
}

void cadv_json_bool(struct cadv_json *w, bool v)
{
    before_value(w);
    cadv_buf_puts(w->out, v ? "true" : "false");
}

void cadv_json_null(struct cadv_json *w)
{
    before_value(w);
    cadv_buf_puts(w->out, "null");
}

void cadv_json_time(struct cadv_json *w, uint64_t ns)
{
    char tmp[64];

    cadv_format_rfc3339(ns, tmp, sizeof(tmp));
    before_value(w);
    cadv_buf_putc(w->out, '"');
    cadv_buf_puts(w->out, tmp);
    cadv_buf_putc(w->out, '"');
}

void cadv_json_raw(struct cadv_json *w, const char *s, size_t n)
{
    before_value(w);
    cadv_buf_append(w->out, s, n);
}

void cadv_json_kstr(struct cadv_json *w, const char *key, const char *s)
{
    cadv_json_key(w, key);
    cadv_json_str(w, s);
}

void cadv_json_ku64(struct cadv_json *w, const char *key, uint64_t v)
{
    cadv_json_key(w, key);
    cadv_json_u64(w, v);
}

void cadv_json_ki64(struct cadv_json *w, const char *key, int64_t v)
{
    cadv_json_key(w, key);
    cadv_json_i64(w, v);
}

void cadv_json_kbool(struct cadv_json *w, const char *key, bool v)
{
    cadv_json_key(w, key);
    cadv_json_bool(w, v);
}

void cadv_json_ktime(struct cadv_json *w, const char *key, uint64_t ns)
{
    cadv_json_key(w, key);
    cadv_json_time(w, ns);
}
