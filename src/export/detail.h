/* SPDX-License-Identifier: Apache-2.0 */
/* detail.h - the JSON record cAdvisor's redis, elasticsearch and kafka drivers write per sample
 * (their "detailSpec"), with the v1 ContainerStats of the sample. Thread-safe (no state). */
#pragma once

#include <stdbool.h>

struct cadv_buf;
struct cadv_export_record;

enum cadv_detail_kind {
    /* {"timestamp": <sample time, µs>, "machine_name", "container_Name", "container_stats"} */
    CADV_DETAIL_MICROS,
    /* {"timestamp": <now, RFC3339Nano>, "machine_name", "container_Name", "container_Id",
     *  "container_labels", "container_stats"} (kafka) */
    CADV_DETAIL_KAFKA,
};

/* Appends the record (no trailing newline) to out. */
void cadv_export_detail_json(struct cadv_buf *out, enum cadv_detail_kind kind, const char *hostname,
                             const struct cadv_export_record *rec);
