/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_netdev.c - /proc/<pid>/net/dev. Invariants: no crash; at most cap interfaces; names are
 * NUL-terminated, non-empty, and never one of the skipped prefixes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect/net.h"
#include "model/sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cadv_iface_stats ifs[8];
    size_t n = 0;

    if (cadv_net_parse_dev((const char *)data, size, ifs, 8, &n) < 0)
        return 0;
    if (n > 8)
        abort();
    for (size_t i = 0; i < n; i++) {
        size_t l = strnlen(ifs[i].name, sizeof(ifs[i].name));

        if (l == 0 || l == sizeof(ifs[i].name) || strncasecmp(ifs[i].name, "lo", 2) == 0)
            abort();
    }
    return 0;
}
