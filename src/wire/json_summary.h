/* SPDX-License-Identifier: Apache-2.0 */
/* json_summary.h - cAdvisor's v2 DerivedStats JSON (/api/v2.0/summary). */
#pragma once

struct cadv_derived;
struct cadv_json;

/* Writes d as a DerivedStats object (timestamp, latest_usage, minute/hour/day_usage). */
void cadv_json_derived(struct cadv_json *w, const struct cadv_derived *d);
