/* SPDX-License-Identifier: Apache-2.0 */
/* ps.c - the process listing of /api/v2.0/ps (see ps.h): the numeric entries of the proc directory,
 * each read by cadv_procstats_ps and filtered by cgroup as cAdvisor's parsePsLine does. */
#include "collect/ps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/procstats.h"
#include "core/xalloc.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* The numeric entries of the proc directory, sorted (ps -e order), at most CADV_PS_MAX_PROCS. *ret is
 * malloc'd. Returns 0 or a negative errno. */
static int list_pids(int proc_fd, uint32_t **ret, size_t *ret_n)
{
    int fd = openat(proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    uint32_t *pids = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    DIR *d;

    if (fd < 0)
        return -errno;
    d = fdopendir(fd);
    if (!d) {
        int r = -errno;

        close(fd);
        return r;
    }
    while ((e = readdir(d)) && n < CADV_PS_MAX_PROCS) {
        char *end;
        unsigned long v = strtoul(e->d_name, &end, 10);

        if (e->d_name[0] < '1' || e->d_name[0] > '9' || *end || v > UINT32_MAX)
            continue;
        cadv_xgrow((void **)&pids, &cap, n + 1, sizeof(*pids));
        pids[n++] = (uint32_t)v;
    }
    closedir(d);
    if (n)
        qsort(pids, n, sizeof(*pids), cmp_u32);
    *ret = pids;
    *ret_n = n;
    return 0;
}

int cadv_ps_walk(int proc_fd, const char *name, cadv_ps_fn fn, void *arg)
{
    bool root = strcmp(name, "/") == 0;
    struct cadv_ps_env env;
    struct cadv_ps_info info;
    uint32_t *pids = NULL;
    size_t n = 0;
    int r = cadv_procstats_ps_env(proc_fd, &env);

    if (r >= 0)
        r = list_pids(proc_fd, &pids, &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (cadv_procstats_ps(proc_fd, pids[i], &env, &info) < 0)
            continue; /* gone meanwhile */
        if (!root && strcmp(info.cgroup_path, name) != 0)
            continue;
        if (!root)
            info.cgroup_path[0] = '\0';
        fn(arg, &info);
    }
    free(pids);
    return 0;
}
