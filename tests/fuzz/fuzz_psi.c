/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_psi.c - the PSI parser (*.pressure): parse, format back in the kernel's layout, parse again
 * and compare. */
#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/keyed.h"
#include "model/sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int format_line(char *out, size_t cap, const char *name, const struct cadv_psi_data *d)
{
    return snprintf(out, cap,
                    "%s avg10=%" PRIu64 ".%02" PRIu64 " avg60=%" PRIu64 ".%02" PRIu64 " avg300=%" PRIu64
                    ".%02" PRIu64 " total=%" PRIu64 "\n",
                    name, d->avg10_centi / 100, d->avg10_centi % 100, d->avg60_centi / 100,
                    d->avg60_centi % 100, d->avg300_centi / 100, d->avg300_centi % 100, d->total_us);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1), out[512];
    struct cadv_psi p, q;
    int n;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (cadv_psi_parse(buf, size, &p) == 0) {
        n = format_line(out, sizeof(out), "some", &p.some);
        assert(n > 0 && (size_t)n < sizeof(out));
        n += format_line(out + n, sizeof(out) - (size_t)n, "full", &p.full);
        assert((size_t)n < sizeof(out));
        assert(cadv_psi_parse(out, (size_t)n, &q) == 0);
        assert(memcmp(&p, &q, sizeof(p)) == 0);
    }
    free(buf);
    return 0;
}
