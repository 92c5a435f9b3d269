/* SPDX-License-Identifier: Apache-2.0 */
/* tu_render.h - unit-test helper shared by the tests of collector families in /metrics
 * (test_metrics_collectors, test_nvml): the exposition of one container "/c" with sample s under the
 * given kinds. Header-only. */
#pragma once

#include <stdint.h>

#include "core/buf.h"
#include "model/sample.h"
#include "model/spec.h"
#include "wire/metrics_render.h"

/* The caller frees the result. */
static inline char *tu_render(const struct cadv_sample *s, uint32_t kinds)
{
    struct cadv_spec spec;
    struct cadv_metrics_item item;
    struct cadv_metrics_input in;
    struct cadv_buf b;
    char *out;

    cadv_spec_init(&spec);
    item = (struct cadv_metrics_item){"/c", &spec, s, 1};
    in = (struct cadv_metrics_input){.items = &item, .n_items = 1, .kinds = kinds, .version = "v"};
    cadv_buf_init(&b, 0);
    cadv_metrics_render(&b, &in, NULL);
    out = cadv_buf_steal(&b, NULL);
    cadv_spec_done(&spec);
    return out;
}
