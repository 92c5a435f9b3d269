/* SPDX-License-Identifier: Apache-2.0 */
/* fs.c - the machine's filesystems (see fs.h): cAdvisor's fs.NewFsInfo (partitions, labels, uuid
 * map) and GetGlobalFsInfo (statfs and diskstats per partition), over the partition logic of
 * procfs.c. Paths are resolved under injected directory fds; every input is bounded. */
#include "collect/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "collect/diskstats.h"
#include "collect/mountinfo.h"
#include "collect/sysfs.h"
#include "core/fileio.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/sample.h"

/* Lines of /proc/diskstats kept per measurement (a host has a handful of disks). */
#define DISKSTATS_MAX_ENTRIES 4096u
#define DISKSTATS_FILE_MAX    (4u << 20)

static const char *const label_names[CADV_FS_N_LABELS] = {"root", "docker-images"};

const char *cadv_fs_label_name(unsigned i)
{
    return i < CADV_FS_N_LABELS ? label_names[i] : "";
}

static const char *rel(const char *path)
{
    while (*path == '/')
        path++;
    return *path ? path : ".";
}

/* Go's path.Clean of an absolute path, lexically ("/a/./b/../c/" -> "/a/c"). Returns malloc'd. */
static char *clean_abs(const char *path)
{
    size_t n = strlen(path), o = 0;
    char *out = cadv_xmalloc(n + 2);

    out[o++] = '/';
    for (size_t i = 0; i < n;) {
        size_t j = i;

        while (j < n && path[j] != '/')
            j++;
        if (j - i == 2 && path[i] == '.' && path[i + 1] == '.') {
            while (o > 1 && out[o - 1] != '/')
                o--;
            if (o > 1)
                o--; /* the '/' before the dropped element */
        } else if (j > i && !(j - i == 1 && path[i] == '.')) {
            if (o > 1)
                out[o++] = '/';
            memcpy(out + o, path + i, j - i);
            o += j - i;
        }
        i = j + 1;
    }
    out[o] = '\0';
    return out;
}

/* ---- inventory ---- */

/* The mounts NewFsInfo looks at besides processMounts: the first "/" mount, and the deepest mount
 * among the docker image paths. */
struct mount_scan {
    char **docker_paths; /* cleaned candidates; NULL when docker-images is not looked for */
    size_t n_docker_paths;
    bool have_root, have_docker;
    struct cadv_mountinfo_entry root, docker;
};

static int scan_mount(const struct cadv_mountinfo_entry *e, void *userdata)
{
    struct mount_scan *s = userdata;

    if (!s->have_root && strcmp(e->mountpoint, "/") == 0) {
        s->root = *e;
        s->have_root = true;
    }
    for (size_t i = 0; i < s->n_docker_paths; i++) {
        if (strcmp(e->mountpoint, s->docker_paths[i]) != 0)
            continue;
        /* updateContainerImagesPath: a strictly longer mount point wins, so the first of equals */
        if (!s->have_docker || strlen(s->docker.mountpoint) < strlen(e->mountpoint)) {
            s->docker = *e;
            s->have_docker = true;
        }
        break;
    }
    return 0;
}

/* getDockerImagePaths: "/", <root>/<driver dir> for each storage driver, and root with its
 * ancestors. */
static void docker_paths(const char *docker_root, struct mount_scan *s)
{
    static const char *const drivers[] = {"devicemapper", "btrfs", "aufs", "overlay", "overlay2", "zfs"};
    char *root = clean_abs(docker_root);
    size_t cap = 0;

    cadv_xgrow((void **)&s->docker_paths, &cap, 2 + sizeof(drivers) / sizeof(drivers[0]) + strlen(root),
               sizeof(char *));
    s->docker_paths[s->n_docker_paths++] = cadv_xstrdup("/");
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        s->docker_paths[s->n_docker_paths++] =
                cadv_xasprintf("%s/%s", strcmp(root, "/") == 0 ? "" : root, drivers[i]);
    while (strcmp(root, "/") != 0) {
        char *slash = strrchr(root, '/');

        s->docker_paths[s->n_docker_paths++] = cadv_xstrdup(root);
        slash[slash == root ? 1 : 0] = '\0';
    }
    free(root);
}

static struct cadv_fs_part *add_part(struct cadv_fs_inventory *inv, size_t *cap, const char *device)
{
    struct cadv_fs_part *p;

    cadv_xgrow((void **)&inv->parts, cap, inv->n_parts + 1, sizeof(*inv->parts));
    p = &inv->parts[inv->n_parts++];
    memset(p, 0, sizeof(*p));
    p->device = cadv_xstrdup(device);
    return p;
}

/* partitions[e.source] = e (the docker-images mount), then the label. */
static void label_docker(struct cadv_fs_inventory *inv, size_t *cap, const struct mount_scan *s)
{
    const struct cadv_mountinfo_entry *e = &s->docker;
    long i = cadv_fs_inventory_find(inv, e->source);
    struct cadv_fs_part *p;

    if (i < 0 && inv->n_parts >= CADV_FS_MAX_PARTS)
        return;
    p = i >= 0 ? &inv->parts[i] : add_part(inv, cap, e->source);
    /* cAdvisor adds the root label after this: the "/" mount wins a shared source. */
    if (i < 0 || !s->have_root || strcmp(s->root.source, e->source) != 0) {
        free(p->mountpoint);
        free(p->fstype);
        p->mountpoint = cadv_xstrdup(e->mountpoint);
        p->fstype = cadv_xstrdup(e->fstype);
        p->major = e->major;
        p->minor = e->minor;
    }
    p->labels |= CADV_FS_LABEL_DOCKER_IMAGES;
}

static bool docker_root_exists(int root_fd, const char *docker_root)
{
    struct stat st;

    return docker_root && docker_root[0] && fstatat(root_fd, rel(docker_root), &st, 0) == 0 &&
           S_ISDIR(st.st_mode);
}

void cadv_fs_inventory_parse(char *mountinfo, size_t len, int root_fd, const char *docker_root,
                             struct cadv_fs_inventory *ret)
{
    struct cadv_fs_inventory inv = {0};
    struct cadv_fs_partition *parts;
    struct mount_scan s = {0};
    size_t n, cap = 0;
    char *copy = cadv_xmalloc(len + 1);
    long i;

    memcpy(copy, mountinfo, len);
    copy[len] = '\0';
    cadv_mountinfo_partitions(mountinfo, len, root_fd, &parts, &n);
    for (size_t k = 0; k < n; k++) {
        struct cadv_fs_part *p;

        if (inv.n_parts >= CADV_FS_MAX_PARTS)
            break;
        p = add_part(&inv, &cap, parts[k].source);
        p->mountpoint = cadv_xstrdup(parts[k].mountpoint);
        p->fstype = cadv_xstrdup(parts[k].fstype);
        p->major = parts[k].major;
        p->minor = parts[k].minor;
    }
    cadv_mountinfo_partitions_free(parts, n);
    if (docker_root_exists(root_fd, docker_root))
        docker_paths(docker_root, &s);
    (void)cadv_mountinfo_parse(copy, len, scan_mount, &s);
    if (s.have_docker)
        label_docker(&inv, &cap, &s);
    if (s.have_root && (i = cadv_fs_inventory_find(&inv, s.root.source)) >= 0)
        inv.parts[i].labels |= CADV_FS_LABEL_ROOT;
    for (size_t k = 0; k < s.n_docker_paths; k++)
        free(s.docker_paths[k]);
    free(s.docker_paths);
    free(copy);
    *ret = inv;
}

int cadv_fs_inventory_read_uuids(struct cadv_fs_inventory *inv, int root_fd, const char *dir_path)
{
    struct cadv_name_list names = {0};
    struct cadv_fs_uuid *v = NULL;
    size_t n = 0, cap = 0;
    int r = cadv_sysfs_list_dir(root_fd, dir_path, NULL, NULL, &names);

    if (r == -ENOENT || r == -ENOTDIR)
        return 0;
    if (r < 0)
        return r;
    for (size_t i = 0; i < names.n && n < CADV_FS_MAX_UUIDS; i++) {
        char *path = cadv_xasprintf("%s/%s", dir_path, names.v[i]), target[PATH_MAX], *full;
        ssize_t len = readlinkat(root_fd, path, target, sizeof(target) - 1);

        free(path);
        if (len < 0)
            continue; /* not a link: cAdvisor warns and skips it */
        target[len] = '\0';
        full = target[0] == '/' ? cadv_xstrdup(target) : cadv_xasprintf("/%s/%s", rel(dir_path), target);
        cadv_xgrow((void **)&v, &cap, n + 1, sizeof(*v));
        v[n].uuid = cadv_xstrdup(names.v[i]);
        v[n++].device = clean_abs(full);
        free(full);
    }
    cadv_name_list_done(&names);
    for (size_t i = 0; i < inv->n_uuids; i++) {
        free(inv->uuids[i].uuid);
        free(inv->uuids[i].device);
    }
    free(inv->uuids);
    inv->uuids = v;
    inv->n_uuids = n;
    return 0;
}

int cadv_fs_inventory_read(int proc_fd, int root_fd, const char *docker_root, struct cadv_fs_inventory *ret)
{
    struct cadv_fs_inventory inv;
    size_t len;
    char *buf;
    int r = cadv_read_file_at(proc_fd, "self/mountinfo", CADV_MOUNTINFO_FILE_MAX, &buf, &len);

    if (r < 0)
        return r;
    cadv_fs_inventory_parse(buf, len, root_fd, docker_root, &inv);
    free(buf);
    (void)cadv_fs_inventory_read_uuids(&inv, root_fd, "dev/disk/by-uuid");
    *ret = inv;
    return 0;
}

void cadv_fs_inventory_copy(struct cadv_fs_inventory *dst, const struct cadv_fs_inventory *src)
{
    struct cadv_fs_inventory d = {
            .parts = src->n_parts ? cadv_xcalloc(src->n_parts, sizeof(*d.parts)) : NULL,
            .n_parts = src->n_parts,
            .uuids = src->n_uuids ? cadv_xcalloc(src->n_uuids, sizeof(*d.uuids)) : NULL,
            .n_uuids = src->n_uuids,
    };

    for (size_t i = 0; i < src->n_parts; i++) {
        d.parts[i] = src->parts[i];
        d.parts[i].device = cadv_xstrdup(src->parts[i].device);
        d.parts[i].mountpoint = cadv_xstrdup(src->parts[i].mountpoint);
        d.parts[i].fstype = cadv_xstrdup(src->parts[i].fstype);
    }
    for (size_t i = 0; i < src->n_uuids; i++) {
        d.uuids[i].uuid = cadv_xstrdup(src->uuids[i].uuid);
        d.uuids[i].device = cadv_xstrdup(src->uuids[i].device);
    }
    *dst = d;
}

void cadv_fs_inventory_done(struct cadv_fs_inventory *inv)
{
    for (size_t i = 0; i < inv->n_parts; i++) {
        free(inv->parts[i].device);
        free(inv->parts[i].mountpoint);
        free(inv->parts[i].fstype);
    }
    for (size_t i = 0; i < inv->n_uuids; i++) {
        free(inv->uuids[i].uuid);
        free(inv->uuids[i].device);
    }
    free(inv->parts);
    free(inv->uuids);
    memset(inv, 0, sizeof(*inv));
}

long cadv_fs_inventory_find(const struct cadv_fs_inventory *inv, const char *device)
{
    for (size_t i = 0; i < inv->n_parts; i++)
        if (strcmp(inv->parts[i].device, device) == 0)
            return (long)i;
    return -1;
}

const char *cadv_fs_inventory_label_device(const struct cadv_fs_inventory *inv, const char *label)
{
    for (unsigned b = 0; b < CADV_FS_N_LABELS; b++) {
        if (strcmp(label, label_names[b]) != 0)
            continue;
        for (size_t i = 0; i < inv->n_parts; i++)
            if (inv->parts[i].labels & (1u << b))
                return inv->parts[i].device;
    }
    return NULL;
}

const char *cadv_fs_inventory_uuid_device(const struct cadv_fs_inventory *inv, const char *uuid)
{
    for (size_t i = 0; i < inv->n_uuids; i++)
        if (strcmp(inv->uuids[i].uuid, uuid) == 0)
            return inv->uuids[i].device;
    return NULL;
}

/* ---- measurement ---- */

/* nfs partitions (and zfs ones: cAdvisor's /dev/zfs check never holds, so they fall through to the
 * nfs case) share the statfs of their major:minor. */
static bool shares_by_dev(const char *fstype)
{
    return strncmp(fstype, "nfs", 3) == 0 || strcmp(fstype, "zfs") == 0;
}

static void fill_statvfs(struct cadv_fs_stats *f, const struct statvfs *st)
{
    uint64_t frsize = st->f_frsize;

    (void)snprintf(f->type, sizeof(f->type), "vfs");
    f->capacity = frsize * st->f_blocks;
    f->available = frsize * st->f_bavail;
    f->usage = f->capacity - frsize * st->f_bfree;
    f->has_inodes = 1;
    f->inodes = st->f_files;
    f->inodes_free = st->f_ffree;
}

/* ---- statvfs of many mount points on one helper thread ----
 *
 * A thread per mount would cost a node with hundreds of mounts measured every second more in thread
 * creation than in statfs. One helper thread takes the paths
 * in order and the caller waits for each at most timeout_ns; a path that does not answer (a hung NFS
 * server) is given -ETIMEDOUT, its helper is left to finish on its own (it stops after that call),
 * and the remaining paths go to a new helper. */

struct statfs_batch {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    unsigned refs;       /* the caller's and the helper's */
    bool abandoned;      /* the caller gave up on this batch */
    int dirfd;           /* owned */
    size_t n, next;
    char **paths; /* owned copies */
    struct statvfs *st;
    int *res;
    bool *done;
};

static int statvfs_now(int dirfd, const char *path, struct statvfs *ret)
{
    int fd = openat(dirfd, path, O_PATH | O_CLOEXEC), r = 0;

    if (fd < 0)
        return -errno;
    if (fstatvfs(fd, ret) < 0)
        r = -errno;
    close(fd);
    return r;
}

/* Drops one reference; b->lock is held on entry and released. */
static void batch_release(struct statfs_batch *b)
{
    bool last = --b->refs == 0;

    pthread_mutex_unlock(&b->lock);
    if (!last)
        return;
    for (size_t i = 0; i < b->n; i++)
        free(b->paths[i]);
    free(b->paths);
    free(b->st);
    free(b->res);
    free(b->done);
    close(b->dirfd);
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

static void *batch_worker(void *arg)
{
    struct statfs_batch *b = arg;

    pthread_mutex_lock(&b->lock);
    while (b->next < b->n && !b->abandoned) {
        size_t i = b->next++;
        struct statvfs st = {0};
        int r;

        pthread_mutex_unlock(&b->lock);
        r = statvfs_now(b->dirfd, b->paths[i], &st);
        pthread_mutex_lock(&b->lock);
        b->st[i] = st;
        b->res[i] = r;
        b->done[i] = true;
        pthread_cond_signal(&b->cond);
    }
    batch_release(b);
    return NULL;
}

/* Starts a helper over paths[0..n). Returns NULL when no thread could be started. */
static struct statfs_batch *batch_start(int dirfd, const char *const *paths, size_t n)
{
    struct statfs_batch *b = cadv_xcalloc(1, sizeof(*b));
    pthread_condattr_t ca;
    pthread_attr_t attr;
    pthread_t t;
    int r;

    b->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (b->dirfd < 0) {
        free(b);
        return NULL;
    }
    b->refs = 2;
    b->n = n;
    b->paths = cadv_xcalloc(n, sizeof(*b->paths));
    for (size_t i = 0; i < n; i++)
        b->paths[i] = cadv_xstrdup(paths[i]);
    b->st = cadv_xcalloc(n, sizeof(*b->st));
    b->res = cadv_xcalloc(n, sizeof(*b->res));
    b->done = cadv_xcalloc(n, sizeof(*b->done));
    pthread_mutex_init(&b->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    r = pthread_create(&t, &attr, batch_worker, b);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        pthread_mutex_lock(&b->lock);
        b->refs = 1;
        batch_release(b);
        return NULL;
    }
    return b;
}

/* Collects the results of b in order, each waited for at most timeout_ns, into st/res. Returns the
 * number of paths done with (a timed-out one included); drops the caller's reference. */
static size_t batch_collect(struct statfs_batch *b, uint64_t timeout_ns, struct statvfs *st, int *res)
{
    size_t k;

    pthread_mutex_lock(&b->lock);
    for (k = 0; k < b->n; k++) {
        uint64_t until_ns = cadv_mono_ns() + timeout_ns;
        struct timespec until = {.tv_sec = (time_t)(until_ns / CADV_NS_PER_SEC),
                                 .tv_nsec = (long)(until_ns % CADV_NS_PER_SEC)};

        while (!b->done[k])
            if (pthread_cond_timedwait(&b->cond, &b->lock, &until) == ETIMEDOUT)
                break;
        if (!b->done[k]) {
            res[k] = -ETIMEDOUT;
            b->abandoned = true;
            k++;
            break;
        }
        st[k] = b->st[k];
        res[k] = b->res[k];
    }
    batch_release(b);
    return k;
}

/* statvfs of dirfd/paths[i] into st[i] and res[i] (0 or -errno) for each i < n. */
static void statvfs_many(int dirfd, const char *const *paths, size_t n, uint64_t timeout_ns,
                         struct statvfs *st, int *res)
{
    for (size_t i = 0; i < n;) {
        struct statfs_batch *b = batch_start(dirfd, paths + i, n - i);

        if (!b) { /* no thread: no timeout either */
            for (; i < n; i++)
                res[i] = statvfs_now(dirfd, paths[i], &st[i]);
            return;
        }
        i += batch_collect(b, timeout_ns, st + i, res + i);
    }
}

/* ---- measurement ---- */

/* What cadv_fs_measure does with a partition. */
enum plan {
    PLAN_SKIP,
    PLAN_MISSING, /* utils.FileExists failed: an entry without type or figures */
    PLAN_STATFS,
    PLAN_SHARE, /* the statfs of an earlier nfs/zfs partition of the same major:minor */
};

struct plan_item {
    enum plan plan;
    size_t slot; /* PLAN_STATFS: index in the statvfs list; PLAN_SHARE: that of the partition shared */
};

/* Decides what each partition needs and lists the mount points to statvfs (borrowed from inv). */
static size_t make_plan(const struct cadv_fs_inventory *inv, int root_fd, const bool *skip,
                        struct plan_item *plan, const char **paths)
{
    size_t n = 0;

    for (size_t i = 0; i < inv->n_parts; i++) {
        const struct cadv_fs_part *p = &inv->parts[i];
        struct stat sb;

        plan[i].plan = PLAN_STATFS;
        if (skip && skip[i]) {
            plan[i].plan = PLAN_SKIP;
        } else if (shares_by_dev(p->fstype)) {
            for (size_t j = 0; j < i && plan[i].plan == PLAN_STATFS; j++)
                if (plan[j].plan == PLAN_STATFS && shares_by_dev(inv->parts[j].fstype) &&
                    inv->parts[j].major == p->major && inv->parts[j].minor == p->minor)
                    plan[i] = (struct plan_item){.plan = PLAN_SHARE, .slot = plan[j].slot};
        } else if (fstatat(root_fd, rel(p->mountpoint), &sb, 0) < 0 && errno == ENOENT) {
            plan[i].plan = PLAN_MISSING;
        }
        if (plan[i].plan == PLAN_STATFS) {
            plan[i].slot = n;
            paths[n++] = rel(p->mountpoint);
        }
    }
    return n;
}

void cadv_fs_measure(const struct cadv_fs_inventory *inv, int proc_fd, int root_fd, uint64_t timeout_ns,
                     const bool *skip, int *status, struct cadv_fs_measurement *ret)
{
    struct cadv_fs_measurement m = {0};
    struct plan_item *plan = NULL;
    const char **paths = NULL;
    struct statvfs *st = NULL;
    int *res = NULL;
    size_t len, n_stat;
    char *buf;

    if (inv->n_parts) {
        m.stats = cadv_xcalloc(inv->n_parts, sizeof(*m.stats));
        m.part = cadv_xcalloc(inv->n_parts, sizeof(*m.part));
        plan = cadv_xcalloc(inv->n_parts, sizeof(*plan));
        paths = cadv_xcalloc(inv->n_parts, sizeof(*paths));
        st = cadv_xcalloc(inv->n_parts, sizeof(*st));
        res = cadv_xcalloc(inv->n_parts, sizeof(*res));
    }
    n_stat = make_plan(inv, root_fd, skip, plan, paths);
    statvfs_many(root_fd, paths, n_stat, timeout_ns, st, res);
    for (size_t i = 0; i < inv->n_parts; i++) {
        struct cadv_fs_stats *f = &m.stats[m.n];
        int r = plan[i].plan == PLAN_SKIP      ? CADV_FS_SKIPPED
                : plan[i].plan == PLAN_MISSING ? 0
                                               : res[plan[i].slot];

        if (status)
            status[i] = r;
        if (r != 0)
            continue;
        (void)snprintf(f->device, sizeof(f->device), "%s", inv->parts[i].device);
        if (plan[i].plan != PLAN_MISSING)
            fill_statvfs(f, &st[plan[i].slot]);
        m.part[m.n++] = (uint32_t)i;
    }
    m.timestamp_ns = cadv_now_ns();
    if (proc_fd >= 0 && m.n && cadv_read_file_at(proc_fd, "diskstats", DISKSTATS_FILE_MAX, &buf, &len) == 0) {
        (void)cadv_fs_apply_diskstats(buf, len, inv, &m);
        free(buf);
    }
    free(plan);
    free(paths);
    free(st);
    free(res);
    *ret = m;
}

struct disk_list {
    struct cadv_diskstats_entry *v;
    size_t n, cap;
};

static int collect_disk(const struct cadv_diskstats_entry *e, void *userdata)
{
    struct disk_list *l = userdata;

    if (l->n >= DISKSTATS_MAX_ENTRIES)
        return 0;
    cadv_xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
    l->v[l->n++] = *e;
    return 0;
}

static const struct cadv_diskstats_entry *match_disk(const struct disk_list *l, const struct cadv_fs_part *p)
{
    if (strncmp(p->device, "/dev/", 5) == 0)
        for (size_t i = 0; i < l->n; i++)
            if (strcmp(l->v[i].name, p->device + 5) == 0)
                return &l->v[i];
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].major == p->major && l->v[i].minor == p->minor)
            return &l->v[i];
    return NULL;
}

int cadv_fs_apply_diskstats(const char *buf, size_t len, const struct cadv_fs_inventory *inv,
                            struct cadv_fs_measurement *meas)
{
    struct disk_list l = {0};
    int r = cadv_diskstats_parse(buf, len, collect_disk, &l);

    for (size_t i = 0; r >= 0 && i < meas->n; i++) {
        const struct cadv_diskstats_entry *d =
                meas->part[i] < inv->n_parts ? match_disk(&l, &inv->parts[meas->part[i]]) : NULL;
        struct cadv_fs_stats *f = &meas->stats[i];

        if (!d)
            continue;
        f->reads_completed = d->fields[0];
        f->reads_merged = d->fields[1];
        f->sectors_read = d->fields[2];
        f->read_time_ms = d->fields[3];
        f->writes_completed = d->fields[4];
        f->writes_merged = d->fields[5];
        f->sectors_written = d->fields[6];
        f->write_time_ms = d->fields[7];
        f->io_in_progress = d->fields[8];
        f->io_time_ms = d->fields[9];
        f->weighted_io_time_ms = d->fields[10];
    }
    free(l.v);
    return r < 0 ? r : 0;
}

void cadv_fs_measurement_copy(struct cadv_fs_measurement *dst, const struct cadv_fs_measurement *src)
{
    struct cadv_fs_measurement d = {.timestamp_ns = src->timestamp_ns, .n = src->n};

    if (src->n) {
        d.stats = cadv_xmalloc(src->n * sizeof(*d.stats));
        d.part = cadv_xmalloc(src->n * sizeof(*d.part));
        memcpy(d.stats, src->stats, src->n * sizeof(*d.stats));
        memcpy(d.part, src->part, src->n * sizeof(*d.part));
    }
    *dst = d;
}

void cadv_fs_measurement_done(struct cadv_fs_measurement *meas)
{
    free(meas->stats);
    free(meas->part);
    memset(meas, 0, sizeof(*meas));
}

size_t cadv_fs_measurement_pick(const struct cadv_fs_inventory *inv, const struct cadv_fs_measurement *meas,
                                struct cadv_fs_stats *out, size_t cap)
{
    size_t n = 0;

    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < meas->n && n < cap; i++) {
            bool labelled = meas->part[i] < inv->n_parts && inv->parts[meas->part[i]].labels != 0;

            if (labelled == (pass == 0))
                out[n++] = meas->stats[i];
        }
    return n;
}
