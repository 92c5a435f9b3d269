/* SPDX-License-Identifier: Apache-2.0 */
/* ps.c - cadv_manager_ps (manager.h): the process listing of /api/v2.0/ps under -proc_root, read on
 * the caller's thread without any manager lock. */
#include "collect/ps.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "config.h"
#include "manager/manager.h"

int cadv_manager_ps(struct cadv_manager *m, const char *name,
                    void (*fn)(void *arg, const struct cadv_ps_info *p), void *arg)
{
    const struct cadv_config *cfg = cadv_manager_config(m);
    const char *proc_root = cfg && cfg->proc_root ? cfg->proc_root : "/proc";
    int fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -errno;
    rc = cadv_ps_walk(fd, name, fn, arg);
    close(fd);
    return rc;
}
