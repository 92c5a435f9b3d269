/* SPDX-License-Identifier: Apache-2.0 */
/* protobuf.h - the protobuf wire format, just enough for the few containerd gRPC messages cadv
 * sends and reads (containers.Get, tasks.Get, snapshots.Mounts, version.Version): a writer of
 * string/varint fields into a capped buffer and a bounds-checked field reader. No allocation in the
 * reader; every length is checked against the input. Thread-safe (no state). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_buf;

enum cadv_pb_wire {
    CADV_PB_VARINT = 0,
    CADV_PB_I64 = 1,
    CADV_PB_LEN = 2,
    CADV_PB_I32 = 5,
};

/* Appends field `field` as a length-delimited string/bytes value (skipped when n == 0, as proto3
 * omits empty strings). */
void cadv_pb_put_bytes(struct cadv_buf *out, uint32_t field, const void *p, size_t n);
void cadv_pb_put_string(struct cadv_buf *out, uint32_t field, const char *s);

/* One decoded field: for VARINT, I64 and I32 the value is in u; for LEN, p/len point into the input. */
struct cadv_pb_field {
    uint32_t num;
    enum cadv_pb_wire wire;
    uint64_t u;
    const uint8_t *p;
    size_t len;
};

struct cadv_pb_reader {
    const uint8_t *p, *end;
};

void cadv_pb_reader_init(struct cadv_pb_reader *r, const uint8_t *p, size_t n);
/* Reads the next field. Returns 1 with *ret filled, 0 at the end of the input, or -EBADMSG for
 * malformed input (bad varint, length past the end, wire types 3/4/6/7, field number 0). */
int cadv_pb_next(struct cadv_pb_reader *r, struct cadv_pb_field *ret);
/* Copies a LEN field as a NUL-terminated string into buf (truncated to size-1; NULs inside are
 * kept, so callers treating it as a C string see a prefix). Returns buf. */
char *cadv_pb_strcpy(const struct cadv_pb_field *f, char *buf, size_t size);
