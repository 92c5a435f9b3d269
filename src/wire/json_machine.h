/* SPDX-License-Identifier: Apache-2.0 */
/* json_machine.h - cAdvisor's MachineInfo (v1 /machine, v2 /machine) and v2 Attributes as JSON,
 * key for key in the newest cAdvisor's order (docs/compatibility.md#json-machine). NULL arrays of the model
 * are written as null, as Go writes nil slices. */
#pragma once

struct cadv_json;
struct cadv_machine_info;

/* Writes m as one MachineInfo object value. */
void cadv_json_machine_info(struct cadv_json *w, const struct cadv_machine_info *m);
/* Writes v2 Attributes: versions (docker ones "", cadvisor_version = version) plus m's fields. */
void cadv_json_attributes(struct cadv_json *w, const struct cadv_machine_info *m, const char *version);
