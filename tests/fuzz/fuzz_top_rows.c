/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_top_rows.c - cadvtop's rows from an arbitrary /api/v2.x stats answer (first half) and spec
 * answer (second half): never a crash, every row formats. */
#include <stddef.h>
#include <stdint.h>

#include "rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct top_table t;
    char why[128], line[4096];
    size_t half = size / 2;

    if (top_table_parse((const char *)data, half, (const char *)data + half, size - half, 1 << 30, &t, why,
                        sizeof(why)) < 0)
        return 0;
    for (int k = TOP_SORT_NAME; k <= TOP_SORT_PIDS; k++)
        top_table_sort(&t, (enum top_sort)k, k % 2);
    for (size_t i = 0; i < t.n; i++)
        top_row_format(&t.rows[i], line, sizeof(line), 30, i % 2);
    top_table_done(&t);
    return 0;
}
