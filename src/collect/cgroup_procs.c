/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup_procs.c - the pids of a cgroup: cgroup.procs read in chunks (core/fileio.h's line iterator: any
 * size, no allocation), the bounded walk over a cgroup and its descendants, and schedstat sums with
 * cAdvisor's per-pid cache so that exited processes keep contributing (sched kind). Part of the cgroup.h
 * implementation. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "collect/cgroup_internal.h"
#include "collect/keyed.h"
#include "core/fileio.h"
#include "core/xalloc.h"
#include "model/sample.h"

struct sched_ent {
    uint32_t pid;
    uint64_t v[3]; /* run ns, runqueue ns, timeslices */
};

/* Per-pid schedstat of the last cycle, so exited pids keep contributing (as cAdvisor's cache). */
struct cadv_cg_sched {
    struct sched_ent *cur, *prev;
    size_t n_cur, cap_cur, n_prev, cap_prev;
    uint64_t saved[3];
    int proc_fd;
    int err;
};

void cadv_cgroup__sched_free(struct cadv_cg_sched *sc)
{
    if (!sc)
        return;
    free(sc->cur);
    free(sc->prev);
    free(sc);
}

/* ---- pids ---- */

typedef int (*pid_cb)(void *ctx, uint32_t pid);

/* Calls cb for each line of the open cgroup.procs fd (closed here), read in chunks (no size limit).
 * A cb result > 0 stops early and is returned. Returns 0, that result, or a negative errno (-ENOENT
 * when the cgroup was removed). */
static int foreach_pid_fd(int fd, pid_cb cb, void *ctx)
{
    char buf[CADV_CG_SMALL_BUF];
    struct cadv_lines it;
    const char *line;
    size_t len;
    int r;

    if (fd < 0)
        return fd == -ENODEV ? -ENOENT : fd;
    cadv_lines_init_fd(&it, fd, buf, sizeof(buf));
    while ((r = cadv_lines_next(&it, &line, &len)) != 0) {
        uint64_t pid;

        if (r == -EBADMSG)
            continue; /* a line longer than the buffer is not a pid */
        if (r < 0)
            break;
        r = 0;
        if (cadv_keyed_parse_value(line, len, &pid) == 0 && pid > 0 && pid <= UINT32_MAX)
            r = cb(ctx, (uint32_t)pid);
        if (r != 0)
            break;
    }
    cadv_lines_done(&it);
    return r;
}

/* foreach_pid_fd over dirfd/cgroup.procs. */
static int foreach_pid(int dirfd, pid_cb cb, void *ctx)
{
    int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);

    return foreach_pid_fd(fd >= 0 ? fd : -errno, cb, ctx);
}

/* foreach_pid_fd over the cgroup's <dir>/cgroup.procs. */
static int foreach_pid_in(const struct cadv_cgroup *cg, int dir, pid_cb cb, void *ctx)
{
    return foreach_pid_fd(cadv_cgroup__open_in(cg, dir, "cgroup.procs", O_RDONLY), cb, ctx);
}

static int count_cb(void *ctx, uint32_t pid)
{
    (void)pid;
    (*(uint64_t *)ctx)++;
    return 0;
}

int cadv_cgroup__count_procs(const struct cadv_cgroup *cg, int dir, uint64_t *ret)
{
    uint64_t n = 0;
    int r = foreach_pid_in(cg, dir, count_cb, &n);

    if (r < 0)
        return r == -ENOENT && !cadv_cgroup__dir_gone(cg, dir) ? -ENODATA : r;
    *ret = n;
    return 0;
}

struct pid_list {
    uint32_t *pids;
    size_t n, cap;
};

static int list_cb(void *ctx, uint32_t pid)
{
    struct pid_list *l = ctx;

    if (l->n == l->cap)
        return 1;
    l->pids[l->n++] = pid;
    return 0;
}

int cadv_cgroup_read_pids(struct cadv_cgroup *cg, uint32_t *pids, size_t cap)
{
    struct pid_list l = {pids, 0, cap};
    int dir = cg->root->ops->procs_dir(cg), r;

    if (dir < 0)
        return -ENOENT;
    r = foreach_pid_in(cg, dir, list_cb, &l);
    return r < 0 ? r : (int)l.n;
}

/* ---- schedstat (sched kind) ---- */

static int sched_pid_cb(void *ctx, uint32_t pid)
{
    struct cadv_cg_sched *sc = ctx;
    char path[32], buf[256];
    uint64_t v[4];
    size_t len;
    int r;

    if (sc->n_cur >= CADV_CG_SCHED_MAX_PIDS)
        return 1;
    (void)snprintf(path, sizeof(path), "%u/schedstat", pid);
    r = cadv_read_at(sc->proc_fd, path, buf, sizeof(buf), &len);
    if (r == -ENOENT || r == -ESRCH)
        return 0; /* exited since cgroup.procs was read */
    if (r >= 0 && cadv_keyed_parse_list(buf, len, v, 4) != 3)
        r = -EBADMSG;
    if (r < 0) {
        sc->err = r;
        return 1;
    }
    cadv_xgrow((void **)&sc->cur, &sc->cap_cur, sc->n_cur + 1, sizeof(*sc->cur));
    sc->cur[sc->n_cur++] = (struct sched_ent){pid, {v[0], v[1], v[2]}};
    return 0;
}

/* Opens the child cgroups of fd onto the stack, within the bounds. */
static void push_children(int fd, int *stack, size_t *sp, size_t cap, size_t *budget)
{
    _Alignas(8) char buf[CADV_CG_SMALL_BUF];

    for (;;) {
        ssize_t n = getdents64(fd, buf, sizeof(buf));

        if (n <= 0)
            return;
        for (ssize_t off = 0; off < n;) {
            const struct dirent64 *e = (const struct dirent64 *)(const void *)(buf + off);
            int c;

            off += e->d_reclen;
            if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) || strcmp(e->d_name, ".") == 0 ||
                strcmp(e->d_name, "..") == 0)
                continue;
            if (*sp >= cap || *budget == 0)
                return;
            c = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (c >= 0) {
                stack[(*sp)++] = c;
                (*budget)--;
            }
        }
    }
}

/* Calls cb for the pids of the cgroup's directory dir and of its descendants (bounded walk, no
 * allocation). */
static int walk_pids(const struct cadv_cgroup *cg, int dir, pid_cb cb, void *ctx)
{
    int stack[64], r = 0;
    size_t sp = 0, budget = CADV_CG_SCHED_MAX_DIRS - 1;
    int fd = cadv_cgroup__open_in(cg, dir, NULL, O_RDONLY | O_DIRECTORY);

    if (fd < 0)
        return fd;
    r = foreach_pid(fd, cb, ctx);
    if (r == 0)
        push_children(fd, stack, &sp, 64, &budget);
    close(fd);
    while (sp > 0) {
        fd = stack[--sp];
        if (r == 0) {
            r = foreach_pid(fd, cb, ctx);
            if (r == -ENOENT || r == -ENODEV)
                r = 0; /* a child cgroup removed meanwhile */
            if (r == 0)
                push_children(fd, stack, &sp, 64, &budget);
        }
        close(fd);
    }
    return r;
}

static int ent_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct sched_ent *)a)->pid, y = ((const struct sched_ent *)b)->pid;

    return x < y ? -1 : x > y;
}

/* Folds the pids gone since the last cycle into saved, then swaps the cycles. */
static void sched_fold(struct cadv_cg_sched *sc, uint64_t tot[3])
{
    size_t n = 0;

    if (sc->n_cur > 1)
        qsort(sc->cur, sc->n_cur, sizeof(*sc->cur), ent_cmp);
    for (size_t i = 0; i < sc->n_cur; i++)
        if (n == 0 || sc->cur[n - 1].pid != sc->cur[i].pid)
            sc->cur[n++] = sc->cur[i];
    sc->n_cur = n;
    for (size_t i = 0; i < sc->n_prev; i++)
        if (sc->n_cur == 0 || !bsearch(&sc->prev[i], sc->cur, sc->n_cur, sizeof(*sc->cur), ent_cmp))
            for (int k = 0; k < 3; k++)
                sc->saved[k] += sc->prev[i].v[k];
    for (int k = 0; k < 3; k++)
        tot[k] = sc->saved[k];
    for (size_t i = 0; i < sc->n_cur; i++)
        for (int k = 0; k < 3; k++)
            tot[k] += sc->cur[i].v[k];
    {
        struct sched_ent *p = sc->prev;
        size_t cap = sc->cap_prev;

        sc->prev = sc->cur;
        sc->cap_prev = sc->cap_cur;
        sc->n_prev = sc->n_cur;
        sc->cur = p;
        sc->cap_cur = cap;
        sc->n_cur = 0;
    }
}

int cadv_cgroup__read_sched(struct cadv_cgroup *cg, struct cadv_sample *s)
{
    struct cadv_cg_sched *sc = cg->sched;
    int dir = cg->root->ops->procs_dir(cg), r;
    uint64_t tot[3];

    if (dir < 0 || cg->root->proc_fd < 0)
        return 0;
    if (!sc)
        sc = cg->sched = cadv_xcalloc(1, sizeof(*sc));
    sc->n_cur = 0;
    sc->err = 0;
    sc->proc_fd = cg->root->proc_fd;
    r = walk_pids(cg, dir, sched_pid_cb, sc);
    if (r == -ENOENT || r == -ENODEV)
        return cadv_cgroup__dir_gone(cg, dir) ? -ENOENT : 0;
    if (r < 0 || sc->err < 0)
        return 0; /* as cAdvisor: an unreadable pid zeroes this sample's schedstat */
    sched_fold(sc, tot);
    s->c.cpu.sched_run_ns = tot[0];
    s->c.cpu.sched_runqueue_ns = tot[1];
    s->c.cpu.sched_run_periods = tot[2];
    return 0;
}
