/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_perf_uncore.c - the uncore sysfs parsers: the first byte picks a cpumask (CPU list), a
 * format/ field, or an events/ alias encoded through a fixed table of format fields; the rest is
 * the file's content. Each parses or fails cleanly, and what parses is in bounds. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "collect/perf_uncore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(void *userdata, const char *term, struct cadv_uncore_format *ret)
{
    static const char *const fields[][2] = {
            {"event", "config:0-7"},    {"umask", "config:8-15,32-35"}, {"edge", "config:18"},
            {"thresh", "config:24-31"}, {"filter", "config1:0-63"},     {"ch", "config2:0-3,60-63"},
    };

    (void)userdata;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (strcmp(term, fields[i][0]) == 0)
            return cadv_uncore_format_parse(fields[i][1], strlen(fields[i][1]), ret);
    return -ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data + 1;
    struct cadv_uncore_format f;
    uint32_t cpus[CADV_UNCORE_MAX_CPUS];
    uint64_t config[3] = {0, 0, 0};
    char err[128] = "";
    size_t n = 0;

    if (size == 0)
        return 0;
    switch (data[0] % 3) {
    case 0:
        if (cadv_uncore_cpulist_parse(s, size - 1, cpus, CADV_UNCORE_MAX_CPUS, &n) == 0)
            for (size_t i = 0; i < n; i++)
                assert(n <= CADV_UNCORE_MAX_CPUS && cpus[i] <= 65535);
        break;
    case 1:
        if (cadv_uncore_format_parse(s, size - 1, &f) == 0) {
            assert(f.word <= 2 && f.n_ranges >= 1 && f.n_ranges <= CADV_UNCORE_MAX_RANGES);
            for (uint32_t i = 0; i < f.n_ranges; i++)
                assert(f.lo[i] <= f.hi[i] && f.hi[i] <= 63);
        }
        break;
    default:
        if (cadv_uncore_encode(s, size - 1, lookup, NULL, config, err, sizeof(err)) < 0)
            assert(err[0] != '\0' && config[0] == 0 && config[1] == 0 && config[2] == 0);
        break;
    }
    return 0;
}
