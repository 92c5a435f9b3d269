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

void cadv_runtime_about_done(struct cadv_runtime_about *a)
{
    if (!a)
        return;
    free(a->docker_version);
    free(a->docker_api_version);
    free(a->docker_root);
    memset(a, 0, sizeof(*a));
}
