/* SPDX-License-Identifier: Apache-2.0 */
/* dynlib.h - optional shared libraries loaded when a flag asks for them (dlopen), so that the
 * binary's own dependencies (and the container image) stay small: librdkafka for
 * -storage_driver=kafka, libsnappy for remote_write, libhiredis for redis, libpfm4 for perf events.
 *
 * A module declares a struct of typed function pointers (`__typeof__(redisFree) *free;`, the library's
 * own prototypes from its -dev headers) and a table naming the symbol behind each field:
 *
 *   static struct { __typeof__(snappy_compress) *compress; } snappy;
 *   static const struct cadv_dynsym snappy_syms[] = {CADV_DYNSYM(snappy, compress, snappy_compress)};
 *   static struct cadv_dynlib snappy_lib = CADV_DYNLIB("libsnappy.so.1", snappy, snappy_syms);
 *
 * cadv_dynlib_load fills the struct once (thread-safe; later calls return the first outcome). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cadv_dynsym {
    const char *name; /* the symbol in the library */
    size_t offset;    /* of its function pointer in the module's struct */
};

#define CADV_DYNSYM(table, field, sym)                             \
    {                                                              \
        .name = #sym, .offset = offsetof(__typeof__(table), field) \
    }

struct cadv_dynlib {
    const char *soname; /* "librdkafka.so.1": the ABI the headers describe */
    const struct cadv_dynsym *syms;
    size_t n_syms;
    void *table;     /* the module's struct of function pointers */
    bool tried;      /* under the loader's lock */
    int result;      /* 0 or a negative errno, once tried */
    char error[192]; /* why not, when result < 0 */
};

#define CADV_DYNLIB(so, table_, syms_)                                                                    \
    {                                                                                                     \
        .soname = (so), .syms = (syms_), .n_syms = sizeof(syms_) / sizeof((syms_)[0]), .table = &(table_) \
    }

/* Loads lib->soname and resolves every symbol of the table. Returns 0, or -ENOENT (the library is
 * absent) / -ENOSYS (it lacks a symbol) with *ret_why (may be NULL) pointing to one line such as
 * "librdkafka.so.1: not found" (static storage in lib). The library stays loaded. */
int cadv_dynlib_load(struct cadv_dynlib *lib, const char **ret_why);
