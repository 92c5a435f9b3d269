/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_devices_list.c - the v1 devices.list parser of the accelerator collector: every minor found is
 * an NVIDIA GPU minor (< 128), unique, at most cap of them; formatting them back as "c 195:<m> rwm"
 * lines and parsing again gives the same list. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/nvml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t m[16], again[16];
    char out[16 * 20];
    size_t n, k, len = 0;
    /* An exact-size copy, so that ASan sees any read past the end. */
    char *buf = malloc(size ? size : 1);

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    n = cadv_nvml_parse_devices_list(buf, size, m, 16);
    assert(n <= 16);
    for (size_t i = 0; i < n; i++) {
        assert(m[i] < CADV_NVML_MAX_DEVICES);
        for (size_t j = 0; j < i; j++)
            assert(m[i] != m[j]);
        len += (size_t)snprintf(out + len, sizeof(out) - len, "c 195:%u rwm\n", (unsigned)m[i]);
    }
    k = cadv_nvml_parse_devices_list(out, len, again, 16);
    assert(k == n && memcmp(m, again, n * sizeof(*m)) == 0);
    free(buf);
    return 0;
}
