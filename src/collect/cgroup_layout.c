/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup_layout.c - cgroup layout detection under --cgroup_root (cadv_cgroup_root_open and the
 * root's accessors; see cgroup.h). Part of the cgroup.h implementation.
 *
 * Detection looks at the tree itself so that fixture trees behave like real mounts: pure v2 if
 * <root>/cgroup.controllers exists; otherwise every subdirectory whose name is a list of known
 * controllers is a v1 hierarchy (symlinks such as cpu -> cpu,cpuacct are followed and deduplicated
 * by device and inode; when some of them hold a cgroup.procs, as every mounted hierarchy does, those
 * without one are stray directories on the tmpfs and are ignored), and <root>/unified with a cgroup.procs
 * makes the host hybrid. Only the hierarchies of the controllers the metric kinds need are tracked
 * (docs/compatibility.md#cgroup-discovery), as cAdvisor. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "collect/cgroup_internal.h"
#include "core/fileio.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/kinds.h"

static const char *const ctl_names[_CADV_CG_CTL_MAX] = {
        [CADV_CG_CPU] = "cpu",         [CADV_CG_CPUACCT] = "cpuacct", [CADV_CG_MEMORY] = "memory",
        [CADV_CG_BLKIO] = "blkio",     [CADV_CG_PIDS] = "pids",       [CADV_CG_CPUSET] = "cpuset",
        [CADV_CG_HUGETLB] = "hugetlb", [CADV_CG_DEVICES] = "devices", [CADV_CG_PERF_EVENT] = "perf_event",
};

/* v1 controllers cadv does not read but that may share a hierarchy name ("net_cls,net_prio"). */
static const char *const other_ctls[] = {"freezer", "net_cls", "net_prio", "rdma", "misc", "systemd"};

/* ---- layout detection ---- */

/* Controller bits of a hierarchy directory name, or 0 if it is not a controller list. */
static uint32_t parse_ctl_list(const char *name)
{
    uint32_t mask = 0;
    const char *p = name;

    while (*p) {
        size_t n = strcspn(p, ",");
        bool known = n > 5 && strncmp(p, "name=", 5) == 0;

        for (size_t c = 0; c < _CADV_CG_CTL_MAX && !known; c++)
            if (strlen(ctl_names[c]) == n && strncmp(p, ctl_names[c], n) == 0) {
                mask |= 1u << c;
                known = true;
            }
        for (size_t i = 0; i < sizeof(other_ctls) / sizeof(other_ctls[0]) && !known; i++)
            known = strlen(other_ctls[i]) == n && strncmp(p, other_ctls[i], n) == 0;
        if (!known || n == 0)
            return 0;
        p += n + (p[n] == ',');
    }
    return mask;
}

static uint32_t needed_ctls(uint32_t kinds)
{
    uint32_t m = 1u << CADV_CG_DEVICES; /* always tracked */

    if (kinds & CADV_KIND_CPU)
        m |= 1u << CADV_CG_CPU | 1u << CADV_CG_CPUACCT;
    if (kinds & CADV_KIND_MEMORY)
        m |= 1u << CADV_CG_MEMORY;
    if (kinds & CADV_KIND_HUGETLB)
        m |= 1u << CADV_CG_HUGETLB;
    if (kinds & CADV_KIND_PROCESS)
        m |= 1u << CADV_CG_PIDS;
    if (kinds & CADV_KIND_CPUSET)
        m |= 1u << CADV_CG_CPUSET;
    if (kinds & CADV_KIND_DISK_IO)
        m |= 1u << CADV_CG_BLKIO;
    if (kinds & CADV_KIND_PERF_EVENT)
        m |= 1u << CADV_CG_PERF_EVENT;
    return m;
}

/* A candidate v1 hierarchy while scanning the root directory. */
struct cand {
    dev_t dev;
    ino_t ino;
    uint32_t mask;
    bool symlink;
    bool has_procs; /* a mounted hierarchy's root has a cgroup.procs */
    char name[64];
};

static int cand_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cand *)a)->name, ((const struct cand *)b)->name);
}

/* Merges dir entries naming the same directory; keeps the real (non-symlink) name. */
static size_t cand_dedupe(struct cand *c, size_t n)
{
    size_t out = 0;

    for (size_t i = 0; i < n; i++) {
        size_t j;

        for (j = 0; j < out; j++)
            if (c[j].dev == c[i].dev && c[j].ino == c[i].ino)
                break;
        if (j == out) {
            c[out++] = c[i];
            continue;
        }
        c[j].mask |= c[i].mask;
        if (c[j].symlink && !c[i].symlink) {
            uint32_t mask = c[j].mask;

            c[j] = c[i];
            c[j].mask = mask;
        }
    }
    return out;
}

static size_t scan_v1(int rootfd, struct cand *c, size_t cap)
{
    int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    size_t n = 0;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    while ((e = readdir(d)) && n < cap) {
        struct stat st, lst;
        char procs[sizeof(c[0].name) + 16];
        uint32_t mask;

        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(c[0].name))
            continue;
        mask = parse_ctl_list(e->d_name);
        if (!mask || fstatat(rootfd, e->d_name, &st, 0) < 0 || !S_ISDIR(st.st_mode) ||
            fstatat(rootfd, e->d_name, &lst, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        (void)snprintf(c[n].name, sizeof(c[n].name), "%s", e->d_name);
        c[n].mask = mask;
        c[n].dev = st.st_dev;
        c[n].ino = st.st_ino;
        c[n].symlink = S_ISLNK(lst.st_mode);
        (void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", e->d_name);
        c[n].has_procs = faccessat(rootfd, procs, F_OK, 0) == 0;
        n++;
    }
    closedir(d);
    qsort(c, n, sizeof(*c), cand_cmp);
    return cand_dedupe(c, n);
}

static int add_hier(struct cadv_cgroup_root *root, const char *dir, const char *controllers, uint32_t mask,
                    bool is_v2)
{
    struct cadv_cg_hier *h = &root->hier[root->n_hier];
    int fd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    h->fd = fd;
    h->path = cadv_xstrdup(dir);
    h->controllers = cadv_xstrdup(controllers);
    h->ctl_mask = mask;
    h->is_v2 = is_v2;
    root->pub[root->n_hier] = (struct cadv_cgroup_hierarchy){h->path, h->controllers, is_v2};
    for (int c = 0; c < _CADV_CG_CTL_MAX; c++)
        if (mask & (1u << c) && root->ctl_hier[c] < 0)
            root->ctl_hier[c] = (int)root->n_hier;
    root->n_hier++;
    return 0;
}

static int detect_v1(struct cadv_cgroup_root *root, int rootfd)
{
    struct cand c[32];
    size_t n = scan_v1(rootfd, c, 32);
    uint32_t need = needed_ctls(root->kinds), claimed = 0;
    bool any_procs = false;

    for (size_t i = 0; i < n; i++)
        any_procs |= c[i].has_procs;
    for (size_t i = 0; i < n && root->n_hier < CADV_CG_MAX_HIER; i++) {
        uint32_t use = c[i].mask & need & ~claimed; /* first hierarchy per controller wins */
        char *dir;
        int r;

        if (!use || (any_procs && !c[i].has_procs))
            continue;
        dir = cadv_xasprintf("%s/%s", root->path, c[i].name);
        r = add_hier(root, dir, c[i].name, use, false);
        free(dir);
        if (r < 0)
            return r;
        claimed |= use;
    }
    if (root->n_hier == 0)
        return -ENOENT;
    if (faccessat(rootfd, "unified/cgroup.procs", F_OK, 0) == 0) {
        root->unified_fd = openat(rootfd, "unified", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root->unified_fd < 0)
            return -errno;
        root->mode = CADV_CGROUP_HYBRID;
    } else {
        root->mode = CADV_CGROUP_V1;
    }
    root->ops = &cadv_cgroup_v1_ops;
    return 0;
}

/* cAdvisor's bootTime: now - uptime (whole seconds), truncated to the minute. */
static uint64_t boot_time_from_proc(int proc_fd)
{
    char buf[128];
    size_t len, i = 0;
    uint64_t up = 0, now = cadv_now_ns();

    if (proc_fd < 0 || cadv_read_at(proc_fd, "uptime", buf, sizeof(buf), &len) < 0)
        return 0;
    while (i < len && buf[i] >= '0' && buf[i] <= '9' && up < UINT64_MAX / 100)
        up = up * 10 + (uint64_t)(buf[i++] - '0');
    if (i == 0 || up * CADV_NS_PER_SEC > now)
        return 0;
    now -= up * CADV_NS_PER_SEC;
    return now - now % (60 * CADV_NS_PER_SEC);
}

static bool is_cgroupfs(int fd)
{
    struct statfs sf;

    return fstatfs(fd, &sf) == 0 && (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC);
}

int cadv_cgroup_root_open(const char *root_path, const char *proc_root, uint32_t kinds, int fd_budget,
                          struct cadv_cgroup_root **ret)
{
    struct cadv_cgroup_root *root;
    long ncpu;
    int rootfd, r;

    rootfd = openat(AT_FDCWD, root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -errno;
    root = cadv_xcalloc(1, sizeof(*root));
    root->path = cadv_xstrdup(root_path);
    root->kinds = kinds;
    root->unified_fd = -1;
    root->fd_budget = fd_budget > 0 ? fd_budget : 0;
    atomic_init(&root->fds_held, 0);
    for (int c = 0; c < _CADV_CG_CTL_MAX; c++)
        root->ctl_hier[c] = -1;
    if (faccessat(rootfd, "cgroup.controllers", F_OK, 0) == 0) {
        root->mode = CADV_CGROUP_V2;
        root->ops = &cadv_cgroup_v2_ops;
        r = add_hier(root, root_path, "", (1u << _CADV_CG_CTL_MAX) - 1, true);
    } else {
        r = detect_v1(root, rootfd);
    }
    close(rootfd);
    if (r < 0) {
        cadv_cgroup_root_free(root);
        return r;
    }
    root->proc_fd = openat(AT_FDCWD, proc_root ? proc_root : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    root->boot_time_ns = boot_time_from_proc(root->proc_fd);
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    root->ncpus = ncpu > 0 ? (unsigned)ncpu : 1;
    root->check_liveness = !is_cgroupfs(root->hier[0].fd);
    *ret = root;
    return 0;
}

struct cadv_cgroup_root *cadv_cgroup_root_free(struct cadv_cgroup_root *root)
{
    if (!root)
        return NULL;
    for (size_t i = 0; i < root->n_hier; i++) {
        close(root->hier[i].fd);
        free(root->hier[i].path);
        free(root->hier[i].controllers);
    }
    if (root->unified_fd >= 0)
        close(root->unified_fd);
    if (root->proc_fd >= 0)
        close(root->proc_fd);
    free(root->path);
    free(root);
    return NULL;
}

enum cadv_cgroup_mode cadv_cgroup_root_mode(const struct cadv_cgroup_root *root)
{
    return root->mode;
}

size_t cadv_cgroup_root_hierarchies(const struct cadv_cgroup_root *root,
                                    const struct cadv_cgroup_hierarchy **ret)
{
    *ret = root->pub;
    return root->n_hier;
}

int cadv_cgroup_root_fds_held(const struct cadv_cgroup_root *root)
{
    return atomic_load(&root->fds_held);
}

void cadv_cgroup_root_set_boot_time(struct cadv_cgroup_root *root, uint64_t boot_time_ns)
{
    root->boot_time_ns = boot_time_ns;
}
