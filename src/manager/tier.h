/* SPDX-License-Identifier: Apache-2.0 */
/* tier.h - the tiered cadence (-detail_housekeeping_interval): which collection of a container reads
 * the detail tier (every figure) and which only the hot tier (CPU usage total, memory usage, max
 * usage, failcnt). Each container's detail reads keep a phase of their own within the detail interval
 * (a hash of its name), so that at N containers about N * base / detail of them read detail per
 * housekeeping interval instead of all of them at once. Pure functions; no state of their own. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The phase of name's detail reads: an offset in [base_ns, detail_ns] (base_ns when detail_ns <= base_ns),
 * deterministic for a name (FNV-1a). */
uint64_t cadv_tier_phase_ns(const char *name, uint64_t base_ns, uint64_t detail_ns);

/* Decides whether a collection at now_mono reads the detail tier, given *due_mono, the container's
 * next detail due time (0 before its first collection). Detail when detail_ns <= base_ns (the tier
 * is off), at the first collection (then *due_mono = now_mono + phase_ns), or once now_mono has
 * reached *due_mono (then *due_mono moves on by whole detail intervals past now_mono, so the phase
 * holds however late the collection came). Returns false, *due_mono untouched, for a hot-only one. */
bool cadv_tier_take_detail(uint64_t *due_mono, uint64_t now_mono, uint64_t base_ns, uint64_t detail_ns,
                           uint64_t phase_ns);
