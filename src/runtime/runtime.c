/* SPDX-License-Identifier: Apache-2.0 */
/* runtime.c - helpers shared by the runtime plugin interface. */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

void cadv_runtime_info_done(struct cadv_runtime_info *info)
{
    if (!info)
        return;
    free(info->rootfs_dir);
    free(info->extra_dir);
    memset(info, 0, sizeof(*info));
}
