/* SPDX-License-Identifier: Apache-2.0 */
/* json_storage.h - cAdvisor's v2 FsInfo (/api/v2.0/storage, docs/compatibility.md#json-storage) as JSON, key
 * for key in the newest cAdvisor's order. */
#pragma once

#include <stddef.h>

struct cadv_fs_inventory;
struct cadv_fs_measurement;
struct cadv_json;

/* Writes entry i of meas (a measurement of inv) as one FsInfo object value: the measurement's time,
 * the partition's device and mount point, capacity/available/usage, its labels (null when none, in
 * label order; cAdvisor's come from a Go map, in no order) and, when known, the inode counts. */
void cadv_json_fs_info(struct cadv_json *w, const struct cadv_fs_inventory *inv,
                       const struct cadv_fs_measurement *meas, size_t i);
