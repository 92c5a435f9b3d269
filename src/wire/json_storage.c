/* SPDX-License-Identifier: Apache-2.0 */
/* json_storage.c - FsInfo (see json_storage.h). */
#include "wire/json_storage.h"

#include <stdint.h>

#include "collect/fs.h"
#include "core/json.h"
#include "model/sample.h"

#define KEY(w, lit) cadv_json_key_lit((w), "" lit, sizeof(lit) - 1)

static void labels(struct cadv_json *w, unsigned bits)
{
    KEY(w, "labels");
    if (!bits) {
        cadv_json_null(w); /* a nil []string */
        return;
    }
    cadv_json_arr_begin(w);
    for (unsigned b = 0; b < CADV_FS_N_LABELS; b++)
        if (bits & (1u << b))
            cadv_json_str(w, cadv_fs_label_name(b));
    cadv_json_arr_end(w);
}

void cadv_json_fs_info(struct cadv_json *w, const struct cadv_fs_inventory *inv,
                       const struct cadv_fs_measurement *meas, size_t i)
{
    const struct cadv_fs_stats *f = &meas->stats[i];
    const struct cadv_fs_part *p = meas->part[i] < inv->n_parts ? &inv->parts[meas->part[i]] : NULL;

    cadv_json_obj_begin(w);
    KEY(w, "timestamp");
    cadv_json_time(w, meas->timestamp_ns);
    KEY(w, "device");
    cadv_json_str(w, p ? p->device : f->device);
    KEY(w, "mountpoint");
    cadv_json_str(w, p ? p->mountpoint : "");
    KEY(w, "capacity");
    cadv_json_u64(w, f->capacity);
    KEY(w, "available");
    cadv_json_u64(w, f->available);
    KEY(w, "usage");
    cadv_json_u64(w, f->usage);
    labels(w, p ? p->labels : 0);
    if (f->has_inodes) {
        KEY(w, "inodes");
        cadv_json_u64(w, f->inodes);
        KEY(w, "inodes_free");
        cadv_json_u64(w, f->inodes_free);
    }
    cadv_json_obj_end(w);
}
