/* SPDX-License-Identifier: Apache-2.0 */
/* xalloc.c - allocation wrappers that abort on failure. */
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "cadv: out of memory allocating %zu bytes\n", n);
    abort();
}

void *cadv_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        oom(n);
    return p;
}

void *cadv_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (!p)
        oom(nmemb * size);
    return p;
}

void *cadv_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        oom(n);
    return q;
}

void cadv_xgrow(void **p, size_t *cap, size_t need, size_t elem_size)
{
    size_t c = *cap;

    if (need <= c)
        return;
    if (c < 8)
        c = 8;
    while (c < need)
        c *= 2;
    *p = cadv_xrealloc(*p, c * elem_size);
    *cap = c;
}

char *cadv_xstrdup(const char *s)
{
    return cadv_xstrndup(s, strlen(s));
}

char *cadv_xstrndup(const char *s, size_t n)
{
    char *p = cadv_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cadv_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    int r;

    va_start(ap, fmt);
    r = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (r < 0)
        oom(0);
    return p;
}
