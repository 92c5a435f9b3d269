/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_kmsg.c - /dev/kmsg records through cAdvisor's OOM state machine, one record per line.
 * Invariants: no crash; every completed instance's strings are NUL-terminated within their
 * buffers; container and victim are never empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/kmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct cadv_oom *o)
{
    if (strnlen(o->container, sizeof(o->container)) == sizeof(o->container) ||
        strnlen(o->victim, sizeof(o->victim)) == sizeof(o->victim) ||
        strnlen(o->process, sizeof(o->process)) == sizeof(o->process) ||
        strnlen(o->constraint, sizeof(o->constraint)) == sizeof(o->constraint))
        abort();
    if (!o->container[0] || !o->victim[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    static struct cadv_oom_parser parser;
    static struct cadv_oom o;

    cadv_oom_parser_init(&parser);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *msg;
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), len;
        uint64_t usec;

        if (cadv_kmsg_parse_record(p, n, &usec, &msg, &len) == 0) {
            if (msg < p || msg + len > p + n)
                abort();
            if (cadv_oom_parser_feed(&parser, usec, msg, len, &o) == 1)
                check(&o);
        }
        p += n + 1;
    }
    return 0;
}
