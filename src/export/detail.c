/* SPDX-License-Identifier: Apache-2.0 */
/* detail.c - cAdvisor's per-sample JSON record of the redis, elasticsearch and kafka drivers. */
#include "export/detail.h"

#include "core/json.h"
#include "core/timeutil.h"
#include "export/export.h"
#include "model/sample.h"
#include "wire/json_container.h"

void cadv_export_detail_json(struct cadv_buf *out, enum cadv_detail_kind kind, const char *hostname,
                             const struct cadv_export_record *rec)
{
    struct cadv_json w;

    cadv_json_init(&w, out);
    cadv_json_obj_begin(&w);
    if (kind == CADV_DETAIL_KAFKA)
        cadv_json_ktime(&w, "timestamp", cadv_now_ns());
    else
        cadv_json_ku64(&w, "timestamp", rec->s->c.timestamp_ns / 1000);
    /* omitempty strings, as the Go structs declare them */
    if (hostname && *hostname)
        cadv_json_kstr(&w, "machine_name", hostname);
    if (rec->name && *rec->name)
        cadv_json_kstr(&w, "container_Name", rec->name);
    if (kind == CADV_DETAIL_KAFKA && rec->id && *rec->id)
        cadv_json_kstr(&w, "container_Id", rec->id);
    /* container_labels: cAdvisor passes drivers a ContainerInfo without a spec, so its labels map is
     * always empty and omitted; cadv writes what cAdvisor writes. */
    cadv_json_key(&w, "container_stats");
    cadv_json_v1_stats(&w, rec->s, rec->machine);
    cadv_json_obj_end(&w);
}
