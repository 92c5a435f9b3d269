/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_netstat.c - /proc/<pid>/net/netstat and net/snmp name/value line pairs. Invariant: no crash
 * and nothing written past CADV_TCPADV_MAX (guard words around the array). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/net.h"
#include "model/sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct {
        uint64_t before;
        uint64_t adv[CADV_TCPADV_MAX];
        uint64_t after;
    } g = {.before = 0x5a5a, .after = 0xa5a5};

    (void)cadv_net_parse_netstat((const char *)data, size, g.adv);
    if (g.before != 0x5a5a || g.after != 0xa5a5)
        abort();
    return 0;
}
