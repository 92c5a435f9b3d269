/* SPDX-License-Identifier: Apache-2.0 */
/* tier.c - the tiered cadence's decisions (see tier.h). */
#include "manager/tier.h"

uint64_t cadv_tier_phase_ns(const char *name, uint64_t base_ns, uint64_t detail_ns)
{
    uint64_t h = 14695981039346656037ULL;

    if (detail_ns <= base_ns)
        return base_ns;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    /* At least one base interval: the first detail read just happened. */
    return base_ns + h % (detail_ns - base_ns + 1);
}

bool cadv_tier_take_detail(uint64_t *due_mono, uint64_t now_mono, uint64_t base_ns, uint64_t detail_ns,
                           uint64_t phase_ns)
{
    if (detail_ns <= base_ns)
        return true;
    if (*due_mono == 0) {
        *due_mono = now_mono + phase_ns;
        return true;
    }
    if (now_mono < *due_mono)
        return false;
    *due_mono += ((now_mono - *due_mono) / detail_ns + 1) * detail_ns;
    return true;
}
