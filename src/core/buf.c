/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c - growable byte buffer with a hard cap. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void cadv_buf_init(struct cadv_buf *b, size_t max)
{
    *b = (struct cadv_buf){.max = max};
}

void cadv_buf_done(struct cadv_buf *b)
{
    free(b->data);
    *b = (struct cadv_buf){.max = b->max};
}

void cadv_buf_clear(struct cadv_buf *b)
{
    b->len = 0;
    b->overflow = false;
    if (b->data)
        b->data[0] = '\0';
}

bool cadv_buf_reserve(struct cadv_buf *b, size_t n)
{
    size_t need = b->len + n + 1;
    size_t c;

    if (b->overflow)
        return false;
    if (b->max && b->len + n > b->max) {
        b->overflow = true;
        return false;
    }
    if (need <= b->cap)
        return true;
    c = b->cap ? b->cap : 256;
    while (c < need)
        c *= 2;
    b->data = cadv_xrealloc(b->data, c);
    b->cap = c;
    return true;
}

void cadv_buf_append(struct cadv_buf *b, const void *p, size_t n)
{
    if (!cadv_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cadv_buf_puts(struct cadv_buf *b, const char *s)
{
    cadv_buf_append(b, s, strlen(s));
}

void cadv_buf_putc(struct cadv_buf *b, char c)
{
    if (!cadv_buf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void cadv_buf_printf(struct cadv_buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t room;
    int n;

    if (!cadv_buf_reserve(b, 64))
        return;
    room = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= room) {
        if (!cadv_buf_reserve(b, (size_t)n))
            return;
        va_start(ap, fmt);
        (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void cadv_buf_put_u64(struct cadv_buf *b, unsigned long long v)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    cadv_buf_append(b, tmp + i, sizeof(tmp) - i);
}

void cadv_buf_put_i64(struct cadv_buf *b, long long v)
{
    if (v < 0) {
        cadv_buf_putc(b, '-');
        cadv_buf_put_u64(b, 0ULL - (unsigned long long)v);
        return;
    }
    cadv_buf_put_u64(b, (unsigned long long)v);
}

char *cadv_buf_steal(struct cadv_buf *b, size_t *ret_len)
{
    char *p = b->data;

    if (!p)
        p = cadv_xstrdup("");
    if (ret_len)
        *ret_len = b->len;
    *b = (struct cadv_buf){.max = b->max};
    return p;
}
