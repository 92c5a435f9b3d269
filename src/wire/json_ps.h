/* SPDX-License-Identifier: Apache-2.0 */
/* json_ps.h - cAdvisor's v2 ProcessInfo (/api/v2.0/ps, docs/compatibility.md#json-ps) as JSON, key for key in
 * the newest cAdvisor's order. */
#pragma once

struct cadv_json;
struct cadv_ps_info;

/* Writes p as one ProcessInfo object value. */
void cadv_json_ps_info(struct cadv_json *w, const struct cadv_ps_info *p);
