/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_accel.c - container_accelerator_* series (see metrics_accel.h). */
#include "wire/metrics_accel.h"

#include <stdint.h>
#include <string.h>

#include "collect/nvml.h"
#include "model/sample.h"

void cadv_prom_gen_accel(struct cadv_prom_emit *e, const struct cadv_prom_family *f,
                         const struct cadv_metrics_input *in, const struct cadv_metrics_item *it)
{
    const struct cadv_sample *s = it->sample;
    uint32_t n = s->n_accel < CADV_MAX_ACCEL ? s->n_accel : CADV_MAX_ACCEL;

    (void)in;
    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    for (uint32_t i = 0; i < n; i++) {
        const struct cadv_accel_entry *a = &s->accel[i];
        uint64_t v;

        if (f->off > sizeof(*a) - sizeof(v))
            return;
        memcpy(&v, (const char *)a + f->off, sizeof(v));
        cadv_prom_u64(e, v,
                      (const char *[]){"nvidia", cadv_nvml_device_model(a->device),
                                       cadv_nvml_device_uuid(a->device)});
    }
}
