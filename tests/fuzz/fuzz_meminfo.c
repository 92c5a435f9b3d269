/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_meminfo.c - /proc/meminfo and sysfs node meminfo ("Node 0 MemTotal: ..."). Invariants: no
 * crash or out-of-bounds read; a found value is a whole number of kB that formats back to a line
 * parsing to the same value. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"MemTotal", "SwapTotal", "HugePages_Total", "M"};
    char *buf = malloc(size ? size : 1);

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        uint64_t v, again;
        char line[128];
        int n;

        if (cadv_procfs_meminfo_bytes(buf, size, keys[k], &v) < 0)
            continue;
        if (v % 1024 != 0)
            abort();
        n = snprintf(line, sizeof(line), "Node 3 %s:\t%" PRIu64 " kB\n", keys[k], v / 1024);
        if (cadv_procfs_meminfo_bytes(line, (size_t)n, keys[k], &again) != 0 || again != v)
            abort();
    }
    free(buf);
    return 0;
}
