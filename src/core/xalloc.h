/* SPDX-License-Identifier: Apache-2.0 */
/* xalloc.h - allocation wrappers that abort on failure: a monitoring agent dies loudly rather than
 * running OOM paths nobody tested. Never return NULL. */
#pragma once

#include <stddef.h>

void *cadv_xmalloc(size_t n);
void *cadv_xcalloc(size_t nmemb, size_t size);
void *cadv_xrealloc(void *p, size_t n);
/* Grows *p (an array of elem_size elements with *cap capacity) to hold at least need elements. */
void cadv_xgrow(void **p, size_t *cap, size_t need, size_t elem_size);
char *cadv_xstrdup(const char *s);
char *cadv_xstrndup(const char *s, size_t n);
char *cadv_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
