/* SPDX-License-Identifier: Apache-2.0 */
/* json_accel.c - AcceleratorStats JSON (see json_accel.h). */
#include "wire/json_accel.h"

#include <stdint.h>

#include "collect/nvml.h"
#include "core/json.h"
#include "model/sample.h"

void cadv_json_accelerators(struct cadv_json *w, const struct cadv_sample *s)
{
    uint32_t n = s->n_accel < CADV_MAX_ACCEL ? s->n_accel : CADV_MAX_ACCEL;

    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    if (n == 0)
        return;
    cadv_json_key(w, "accelerators");
    cadv_json_arr_begin(w);
    // cppcheck-suppress knownConditionTrueFalse ; n is the sample's count, capped (false positive)
    for (uint32_t i = 0; i < n; i++) {
        const struct cadv_accel_entry *e = &s->accel[i];

        cadv_json_obj_begin(w);
        cadv_json_kstr(w, "make", "nvidia");
        cadv_json_kstr(w, "model", cadv_nvml_device_model(e->device));
        cadv_json_kstr(w, "id", cadv_nvml_device_uuid(e->device));
        cadv_json_ku64(w, "memory_total", e->memory_total);
        cadv_json_ku64(w, "memory_used", e->memory_used);
        cadv_json_ku64(w, "duty_cycle", e->duty_cycle);
        cadv_json_obj_end(w);
    }
    cadv_json_arr_end(w);
}
