/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_promtext.c - the Prometheus text parser: any input parses or fails with a line number inside
 * the input; every sample has a valid, bounded name and at most the label cap. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "app/promtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *arg, const struct cadv_promtext_sample *s)
{
    (void)arg;
    assert(s->name_len > 0 && s->name_len < CADV_PROMTEXT_NAME_MAX);
    assert(s->family_len > 0 && s->family_len <= s->name_len);
    assert(s->n_labels <= CADV_PROMTEXT_MAX_LABELS);
    for (size_t i = 0; i < s->n_labels; i++)
        assert(s->labels[i].name_len > 0 && s->labels[i].value_len <= CADV_PROMTEXT_VALUE_MAX);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t line = 0, lines = 1;
    int n = cadv_promtext_parse((const char *)data, size, check, NULL, &line);

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (n < 0)
        assert(line >= 1 && line <= lines);
    else
        assert((size_t)n <= lines);
    return 0;
}
