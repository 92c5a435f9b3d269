/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_nettcp.c - /proc/<pid>/net/tcp{,6} and udp{,6} socket tables. Invariants: no crash; a
 * successful tcp parse counts at most one state per line; udp's Listen is the number of lines after
 * the header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/net.h"
#include "model/sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    uint64_t tcp[_CADV_TCP_STATE_MAX] = {0}, udp[4] = {0}, total = 0, lines = 0;

    for (size_t i = 0; i < size; i++)
        lines += buf[i] == '\n';
    if (size > 0 && buf[size - 1] != '\n')
        lines++;
    if (cadv_net_parse_tcp(buf, size, tcp) == 0) {
        for (int i = 0; i < _CADV_TCP_STATE_MAX; i++)
            total += tcp[i];
        if (total > lines)
            abort();
    }
    cadv_net_parse_udp(buf, size, udp);
    if (udp[0] > lines)
        abort();
    return 0;
}
