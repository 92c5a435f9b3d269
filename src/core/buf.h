/* SPDX-License-Identifier: Apache-2.0 */
/* buf.h - growable byte buffer with a hard cap. Appends past the cap are dropped and set
 * `overflow`, so writers never fail mid-way; the caller checks overflow once at the end.
 * Not thread-safe; the data is always NUL-terminated. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cadv_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 = unlimited */
    bool overflow;
};

/* Initialises an empty buffer that will hold at most max bytes (0 = no cap). */
void cadv_buf_init(struct cadv_buf *b, size_t max);
/* Frees the storage; the buffer may be initialised again. */
void cadv_buf_done(struct cadv_buf *b);
/* Empties the buffer, keeping its storage. */
void cadv_buf_clear(struct cadv_buf *b);
/* Ensures room for n more bytes; returns false (and sets overflow) if that would pass the cap. */
bool cadv_buf_reserve(struct cadv_buf *b, size_t n);
void cadv_buf_append(struct cadv_buf *b, const void *p, size_t n);
void cadv_buf_puts(struct cadv_buf *b, const char *s);
void cadv_buf_putc(struct cadv_buf *b, char c);
void cadv_buf_printf(struct cadv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cadv_buf_put_u64(struct cadv_buf *b, unsigned long long v);
void cadv_buf_put_i64(struct cadv_buf *b, long long v);
/* Hands the storage to the caller (who frees it) and resets the buffer. */
char *cadv_buf_steal(struct cadv_buf *b, size_t *ret_len);
