/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_limits.c - /proc/<pid>/limits ("Max open files" soft/hard). Invariant: no crash; a success
 * gives limits >= -1 (a number or "unlimited"), or what a signed decimal holds. */
#include <stdint.h>
#include <stdlib.h>

#include "collect/procstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t soft = 7, hard = 7;

    if (cadv_procstats_parse_limits((const char *)data, size, &soft, &hard) < 0 && (soft != 7 || hard != 7))
        abort(); /* out-params untouched on failure */
    return 0;
}
