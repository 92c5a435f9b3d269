/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_btime.c - the btime line of /proc/stat (process_start_time_seconds, /api/v2.0/ps). Invariants:
 * no crash or read outside the input; the output is untouched on failure. */
#include <stdint.h>
#include <stdlib.h>

#include "collect/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t bt = 0x5a5a5a5a5a5a5a5aULL;

    if (cadv_procfs_parse_btime((const char *)data, size, &bt) < 0 && bt != 0x5a5a5a5a5a5a5a5aULL)
        abort();
    return 0;
}
