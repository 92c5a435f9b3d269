/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_duration.c - Go durations (flag values): cadv_parse_duration must never crash, and whatever it
 * accepts, or any int64, must survive cadv_format_duration -> cadv_parse_duration unchanged, with
 * the formatted text stable (Go's Duration.String() / time.ParseDuration round trip). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* format(ns) must parse back to ns, and formatting that again must give the same text. */
static void round_trip(int64_t ns)
{
    struct cadv_buf a, b;
    int64_t back = 0;

    cadv_buf_init(&a, 64);
    cadv_buf_init(&b, 64);
    cadv_format_duration(&a, ns);
    if (a.overflow || cadv_parse_duration(a.data, &back) != 0 || back != ns)
        abort();
    cadv_format_duration(&b, back);
    if (b.len != a.len || memcmp(a.data, b.data, a.len) != 0)
        abort();
    cadv_buf_done(&a);
    cadv_buf_done(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    int64_t ns;
    int r;

    if (size > 4096)
        return 0;
    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    r = cadv_parse_duration(s, &ns);
    if (r == 0)
        round_trip(ns);
    else if (r != -22 /* EINVAL */ && r != -34 /* ERANGE */)
        abort();
    free(s);
    /* The raw bytes as an int64: every value Go can print must parse back. */
    if (size >= sizeof(int64_t)) {
        uint64_t u = 0;

        for (size_t i = 0; i < sizeof(u); i++)
            u = u << 8 | data[i];
        round_trip((int64_t)u);
    }
    return 0;
}
