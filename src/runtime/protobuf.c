/* SPDX-License-Identifier: Apache-2.0 */
/* protobuf.c - minimal protobuf wire format writer and reader (see protobuf.h). */
#include "runtime/protobuf.h"

#include <errno.h>
#include <string.h>

#include "core/buf.h"

static void put_varint(struct cadv_buf *out, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;

    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    cadv_buf_append(out, b, n);
}

void cadv_pb_put_bytes(struct cadv_buf *out, uint32_t field, const void *p, size_t n)
{
    if (n == 0)
        return;
    put_varint(out, (uint64_t)field << 3 | CADV_PB_LEN);
    put_varint(out, n);
    cadv_buf_append(out, p, n);
}

void cadv_pb_put_string(struct cadv_buf *out, uint32_t field, const char *s)
{
    cadv_pb_put_bytes(out, field, s, s ? strlen(s) : 0);
}

void cadv_pb_reader_init(struct cadv_pb_reader *r, const uint8_t *p, size_t n)
{
    r->p = p;
    r->end = p ? p + n : p;
}

static int get_varint(struct cadv_pb_reader *r, uint64_t *ret)
{
    uint64_t v = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        uint8_t b;

        if (r->p >= r->end)
            return -EBADMSG;
        b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *ret = v;
            return 0;
        }
    }
    return -EBADMSG; /* more than 10 bytes */
}

static int get_fixed(struct cadv_pb_reader *r, size_t n, uint64_t *ret)
{
    uint64_t v = 0;

    if ((size_t)(r->end - r->p) < n)
        return -EBADMSG;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    *ret = v;
    return 0;
}

int cadv_pb_next(struct cadv_pb_reader *r, struct cadv_pb_field *ret)
{
    struct cadv_pb_field f = {0};
    uint64_t key, len;
    int e;

    if (r->p >= r->end)
        return 0;
    if (get_varint(r, &key) < 0 || (key >> 3) == 0 || (key >> 3) > 0x1fffffff)
        return -EBADMSG;
    f.num = (uint32_t)(key >> 3);
    f.wire = (enum cadv_pb_wire)(key & 7);
    switch (key & 7) {
    case CADV_PB_VARINT:
        e = get_varint(r, &f.u);
        break;
    case CADV_PB_I64:
        e = get_fixed(r, 8, &f.u);
        break;
    case CADV_PB_I32:
        e = get_fixed(r, 4, &f.u);
        break;
    case CADV_PB_LEN:
        e = get_varint(r, &len);
        if (e == 0 && len > (uint64_t)(r->end - r->p))
            e = -EBADMSG;
        if (e == 0) {
            f.p = r->p;
            f.len = (size_t)len;
            r->p += len;
        }
        break;
    default:
        e = -EBADMSG; /* groups (3, 4) and reserved wire types */
    }
    if (e < 0)
        return e;
    *ret = f;
    return 1;
}

char *cadv_pb_strcpy(const struct cadv_pb_field *f, char *buf, size_t size)
{
    size_t n = f->wire == CADV_PB_LEN ? f->len : 0;

    if (size == 0)
        return buf;
    if (n > size - 1)
        n = size - 1;
    if (n)
        memcpy(buf, f->p, n);
    buf[n] = '\0';
    return buf;
}
