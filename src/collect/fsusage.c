/* SPDX-License-Identifier: Apache-2.0 */
/* fsusage.c - resumable, budgeted du of a container's writable layer (see fsusage.h). The walk is a
 * depth-first stack of open directories (one fd per level), so pausing costs nothing but those fds;
 * entries are fstatat'ed relative to their parent (no path building, no symlink following). */
#include "collect/fsusage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "collect/mountinfo.h"
#include "core/fileio.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/machine.h"
#include "model/sample.h"

/* The hard-link set stops growing here (8 bytes each); beyond it such inodes count again. */
#define INOSET_MAX    (1u << 22)
/* mountinfo of a busy node stays far below this. */
#define MOUNTINFO_MAX (8u << 20)

struct inoset {
    uint64_t *v; /* open addressing; 0 = empty (no inode is 0) */
    size_t cap, n;
};

static void inoset_clear(struct inoset *s)
{
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static size_t ino_hash(uint64_t ino, size_t cap)
{
    ino ^= ino >> 33;
    ino *= 0xff51afd7ed558ccdULL;
    ino ^= ino >> 33;
    return (size_t)ino & (cap - 1);
}

/* Open addressing probe: true if ino was absent (and is now stored). The table has a free slot. */
static bool inoset_put(uint64_t *v, size_t cap, uint64_t ino)
{
    size_t i;

    for (i = ino_hash(ino, cap); v[i]; i = (i + 1) & (cap - 1))
        if (v[i] == ino)
            return false;
    v[i] = ino;
    return true;
}

/* Inserts ino; returns true if it was new (or the set is full and cannot tell). */
static bool inoset_add(struct inoset *s, uint64_t ino)
{
    if (ino == 0)
        return true;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *v;

        if (s->cap >= INOSET_MAX)
            return true;
        v = cadv_xcalloc(cap, sizeof(uint64_t));
        for (size_t k = 0; k < s->cap; k++)
            if (s->v[k])
                (void)inoset_put(v, cap, s->v[k]);
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    if (!inoset_put(s->v, s->cap, ino))
        return false;
    s->n++;
    return true;
}

struct walk_dir {
    bool started, ok;
    dev_t dev;
    uint64_t bytes, inodes;
    struct inoset seen;
    DIR *stack[CADV_FSUSAGE_MAX_DEPTH];
    unsigned depth;
};

struct cadv_fsusage {
    char *dirs[2]; /* rootfs, extra; NULL when not counted */
    uint64_t min_period_ns, period_ns, next_due_ns;
    bool in_pass;
    unsigned phase; /* index into dirs of the walk in progress; 2 = done */
    struct walk_dir w[2];
    bool have_result;
    struct cadv_fsusage_result res;
};

static char *dup_dir(const char *s)
{
    return s && *s ? cadv_xstrdup(s) : NULL;
}

struct cadv_fsusage *cadv_fsusage_new(const char *rootfs_dir, const char *extra_dir, uint64_t period_ns)
{
    struct cadv_fsusage *u = cadv_xcalloc(1, sizeof(*u));

    u->dirs[0] = dup_dir(rootfs_dir);
    u->dirs[1] = dup_dir(extra_dir);
    u->min_period_ns = u->period_ns = period_ns ? period_ns : CADV_FSUSAGE_PERIOD_NS;
    u->phase = 2;
    return u;
}

static void walk_reset(struct walk_dir *w)
{
    while (w->depth > 0)
        (void)closedir(w->stack[--w->depth]);
    inoset_clear(&w->seen);
    memset(w, 0, sizeof(*w));
}

struct cadv_fsusage *cadv_fsusage_free(struct cadv_fsusage *u)
{
    if (!u)
        return NULL;
    walk_reset(&u->w[0]);
    walk_reset(&u->w[1]);
    free(u->dirs[0]);
    free(u->dirs[1]);
    free(u);
    return NULL;
}

bool cadv_fsusage_due(const struct cadv_fsusage *u, uint64_t now_ns)
{
    return u->in_pass || now_ns >= u->next_due_ns;
}

uint64_t cadv_fsusage_next_due(const struct cadv_fsusage *u)
{
    return u->in_pass ? 0 : u->next_due_ns;
}

int cadv_fsusage_result(const struct cadv_fsusage *u, struct cadv_fsusage_result *ret)
{
    if (!u->have_result)
        return -ENODATA;
    *ret = u->res;
    return 0;
}

/* Counts one entry as GetDirUsage does: blocks and one inode, hard links once. */
static void count(struct walk_dir *w, const struct stat *st)
{
    if (st->st_nlink > 1 && !inoset_add(&w->seen, (uint64_t)st->st_ino))
        return;
    w->bytes += (uint64_t)st->st_blocks * 512u;
    w->inodes++;
}

/* Opens a directory (relative to dirfd) and pushes it. Returns 0, or -errno; a directory that
 * vanished meanwhile is skipped (0). */
static int push_dir(struct walk_dir *w, int dirfd, const char *name)
{
    int fd;
    DIR *d;

    if (w->depth >= CADV_FSUSAGE_MAX_DEPTH)
        return 0;
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    d = fdopendir(fd);
    if (!d) {
        int r = -errno;

        close(fd);
        return r;
    }
    w->stack[w->depth++] = d;
    return 0;
}

static int start_dir(struct walk_dir *w, const char *path)
{
    struct stat st;

    w->started = true;
    if (lstat(path, &st) < 0)
        return -errno;
    w->dev = st.st_dev;
    count(w, &st);
    return S_ISDIR(st.st_mode) ? push_dir(w, AT_FDCWD, path) : 0;
}

/* Visits one entry of the top directory (or pops it when exhausted). Returns 1 if an entry was
 * stat'ed, 0 otherwise, or -errno. */
static int visit_one(struct walk_dir *w)
{
    DIR *d = w->stack[w->depth - 1];
    struct dirent *e;
    struct stat st;

    errno = 0;
    e = readdir(d);
    if (!e) {
        if (errno != 0)
            return -errno;
        (void)closedir(d);
        w->depth--;
        return 0;
    }
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        return 0;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 1 : -errno; /* files may vanish during the walk */
    if (st.st_dev != w->dev)
        return 1; /* another filesystem: neither counted nor descended into */
    count(w, &st);
    if (S_ISDIR(st.st_mode)) {
        int r = push_dir(w, dirfd(d), e->d_name);

        if (r < 0)
            return r;
    }
    return 1;
}

/* Walks dirs[phase] on for at most *budget entries. Returns 1 when it is complete (ok or failed,
 * see w->ok), 0 when the budget ran out. */
static int walk_some(struct cadv_fsusage *u, size_t *budget)
{
    struct walk_dir *w = &u->w[u->phase];
    int r = 0;

    if (!w->started) {
        r = start_dir(w, u->dirs[u->phase]);
        if (*budget > 0)
            (*budget)--;
    }
    while (r >= 0 && w->depth > 0 && *budget > 0) {
        r = visit_one(w);
        if (r > 0)
            (*budget)--;
    }
    if (r < 0) {
        while (w->depth > 0)
            (void)closedir(w->stack[--w->depth]);
        w->ok = false;
        return 1;
    }
    if (w->depth > 0)
        return 0;
    w->ok = true;
    return 1;
}

/* Publishes what the pass got, as cAdvisor's realFsHandler.update() does: successful parts are
 * applied even when the other failed. Returns 1 or -EIO if a part failed. */
static int finish_pass(struct cadv_fsusage *u, uint64_t now_ns)
{
    const struct walk_dir *root = &u->w[0], *extra = &u->w[1];
    bool failed = (u->dirs[0] && !root->ok) || (u->dirs[1] && !extra->ok);

    if (u->dirs[0] && root->ok) {
        u->res.inodes = root->inodes;
        u->res.base_bytes = root->bytes;
        u->res.total_bytes = root->bytes;
    }
    if (u->dirs[1] && extra->ok)
        u->res.total_bytes = (u->dirs[0] ? u->res.total_bytes : 0) + extra->bytes;
    if ((u->dirs[0] && root->ok) || (u->dirs[1] && extra->ok)) {
        u->have_result = true;
        u->res.timestamp_ns = cadv_now_ns();
    }
    walk_reset(&u->w[0]);
    walk_reset(&u->w[1]);
    u->in_pass = false;
    if (failed) {
        u->period_ns *= 2;
        if (u->period_ns > CADV_FSUSAGE_MAX_BACKOFF * u->min_period_ns)
            u->period_ns = CADV_FSUSAGE_MAX_BACKOFF * u->min_period_ns;
    } else {
        u->period_ns = u->min_period_ns;
    }
    u->next_due_ns = now_ns + u->period_ns;
    return failed ? -EIO : 1;
}

int cadv_fsusage_step(struct cadv_fsusage *u, size_t budget, uint64_t now_ns)
{
    if (!u->in_pass) {
        u->in_pass = true;
        u->phase = 0;
    }
    while (u->phase < 2) {
        if (!u->dirs[u->phase]) {
            u->phase++;
            continue;
        }
        if (walk_some(u, &budget) == 0)
            return 0;
        u->phase++;
    }
    return finish_pass(u, now_ns);
}

int cadv_fsusage_dir_dev(const char *dir, uint32_t *ret_major, uint32_t *ret_minor)
{
    struct stat st;

    if (stat(dir, &st) < 0)
        return -errno;
    *ret_major = major(st.st_dev);
    *ret_minor = minor(st.st_dev);
    return 0;
}

struct source_ctx {
    uint32_t major, minor;
    char *ret;
    size_t size;
    int r;
};

static int source_cb(const struct cadv_mountinfo_entry *e, void *userdata)
{
    struct source_ctx *c = userdata;
    size_t n;

    if (e->major != c->major || e->minor != c->minor)
        return 0;
    n = strlen(e->source);
    if (n + 1 > c->size) {
        c->r = -ENAMETOOLONG;
    } else {
        memcpy(c->ret, e->source, n + 1);
        c->r = 0;
    }
    return -ECANCELED; /* found: stop */
}

int cadv_fsusage_mount_source(int proc_dirfd, const char *path, uint32_t major, uint32_t minor, char *ret,
                              size_t size)
{
    struct source_ctx c = {.major = major, .minor = minor, .ret = ret, .size = size, .r = -ENOENT};
    char *buf = NULL;
    size_t len;
    int r;

    r = cadv_read_file_at(proc_dirfd, path, MOUNTINFO_MAX, &buf, &len);
    if (r < 0)
        return r;
    (void)cadv_mountinfo_parse(buf, len, source_cb, &c);
    free(buf);
    return c.r;
}

/* cAdvisor reports "vfs" for every statfs-based filesystem (docs/compatibility.md#filesystems). */
static const char *reported_type(const char *fstype)
{
    if (fstype && (strcmp(fstype, "zfs") == 0 || strcmp(fstype, "devicemapper") == 0))
        return fstype;
    return "vfs";
}

int cadv_fsusage_fill_stats(const struct cadv_fsusage_result *u, uint32_t major, uint32_t minor,
                            const struct cadv_machine_info *m, const struct cadv_fs_stats *root_fs,
                            size_t n_root_fs, struct cadv_fs_stats *ret)
{
    const struct cadv_fs_info *fs = NULL;
    struct cadv_fs_stats st;

    for (size_t i = 0; m && i < m->n_filesystems; i++) {
        if (m->filesystems[i].major == major && m->filesystems[i].minor == minor &&
            m->filesystems[i].device) {
            fs = &m->filesystems[i];
            break;
        }
    }
    if (!fs)
        return -ENOENT;
    memset(&st, 0, sizeof(st));
    for (size_t i = 0; root_fs && i < n_root_fs; i++) {
        if (strcmp(root_fs[i].device, fs->device) == 0) {
            st = root_fs[i]; /* disk I/O figures of the device */
            break;
        }
    }
    (void)snprintf(st.device, sizeof(st.device), "%s", fs->device);
    (void)snprintf(st.type, sizeof(st.type), "%s", reported_type(fs->type));
    st.capacity = fs->capacity;
    st.available = 0;
    st.has_inodes = 0;
    st.inodes_free = 0;
    st.usage = u->total_bytes;
    st.base_usage = u->base_bytes;
    st.inodes = u->inodes;
    *ret = st;
    return 0;
}
