/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_procstat.c - /proc/<pid>/stat lines for /api/v2.0/ps. Invariants: no crash; comm is
 * NUL-terminated within its buffer; the output is untouched on failure. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/procstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cadv_ps_stat st;

    memset(&st, 0x5a, sizeof(st));
    if (cadv_procstats_parse_stat((const char *)data, size, &st) == 0) {
        if (strnlen(st.comm, sizeof(st.comm)) == sizeof(st.comm))
            abort();
    } else if (st.state != 0x5a) {
        abort();
    }
    return 0;
}
