/* SPDX-License-Identifier: Apache-2.0 */
/* discovery.c - cgroup discovery (cAdvisor's raw watcher and global housekeeping,
 * docs/compatibility.md#discovery).
 *
 * A container's name is its directory's path below a hierarchy root. Bookkeeping is per name: the
 * set (bitmask) of hierarchies where its directory is known to exist. A name is "dirty" when its set
 * changed; after each batch of inotify events (or a full scan) dirty names are reconciled with the
 * registry: the container is created when its set becomes non-empty, removed when it becomes empty,
 * and its cgroup handle is re-opened when a hierarchy appeared after it was opened (cgroup v1 tools
 * create one controller directory after another). Watches are added before a directory is read, so
 * a child created during the walk is either read or reported.
 *
 * Watches are removed by us whenever a directory is found gone: its parent's IN_DELETE, its own
 * IN_DELETE_SELF, a move, a re-check or a rescan that no longer finds it. The kernel's IN_IGNORED is
 * not waited for: on cgroupfs the watch itself pins the removed directory's inode, so it never comes
 * and every removed cgroup would keep a watch (and count against the user's inotify limit). */
#include "manager/discovery.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "manager/container.h"
#include "manager/hmap.h"
#include "manager/lifecycle.h"
#include "manager/manager.h"
#include "manager/scheduler.h"
#include "manager/worker.h"

#define MAX_HIERARCHIES  64
#define MAX_NAMES        (4 * CADV_MANAGER_MAX_CONTAINERS)
#define RECHECK_DELAY_NS (1 * CADV_NS_PER_SEC)
#define RECHECK_MAX      4096
#define WATCH_MASK       (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR)

struct watch {
    size_t hier;
    char *name;
    uint64_t ino; /* the watched directory's inode number, 0 if not known */
};

struct recheck {
    char *name;
    uint64_t due_mono;
};

struct node {
    uint64_t mask;   /* hierarchies where the directory exists */
    uint64_t seen;   /* hierarchies where the current full scan found it */
    uint64_t opened; /* hierarchies present when the container's cgroup was opened */
    bool dirty;
};

struct discovery {
    struct cadv_manager *m;
    const struct cadv_cgroup_hierarchy *hier;
    size_t n_hier;
    int ifd;                   /* inotify, -1 if unavailable */
    struct cadv_hmap *watches; /* wd (int) -> struct watch */
    struct cadv_hmap *wd_of;   /* wd_key(hierarchy, name) -> int wd, the inverse of watches */
    struct cadv_hmap *nodes;   /* name -> struct node */
    char **dirty;              /* names to reconcile */
    size_t n_dirty, cap_dirty;
    bool overflow; /* events were lost: rescan */
    bool watch_limit_logged;
    bool names_full_logged;
    struct scheduler *sched; /* borrowed: pokes */
    uint64_t global_ns, machine_ns;
    struct worker worker; /* the watcher */
    int wake_fd;          /* eventfd: wakes the watcher (stop, recheck) */
    /* recheck_lock: names whose container a collection found gone, which the watcher re-checks a
     * second later, so that a wrong "gone" heals without waiting for the rescan. */
    pthread_mutex_t recheck_lock;
    struct recheck *recheck;
    size_t n_recheck, cap_recheck;
};

static void watch_free(void *p)
{
    struct watch *w = p;

    free(w->name);
    free(w);
}

int discovery_new(struct cadv_manager *m, struct cadv_cgroup_root *root, struct scheduler *sched,
                  uint64_t global_ns, uint64_t machine_ns, struct discovery **ret)
{
    struct discovery *d;
    int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    if (wake_fd < 0)
        return cadv_log_errno(CADV_LOG_ERROR, -errno, "Creating an eventfd failed");
    d = cadv_xcalloc(1, sizeof(*d));
    d->m = m;
    d->sched = sched;
    d->global_ns = global_ns;
    d->machine_ns = machine_ns;
    d->wake_fd = wake_fd;
    pthread_mutex_init(&d->recheck_lock, NULL);
    d->n_hier = cadv_cgroup_root_hierarchies(root, &d->hier);
    if (d->n_hier > MAX_HIERARCHIES) {
        cadv_log(CADV_LOG_WARNING, "%zu cgroup hierarchies, only the first %d are watched", d->n_hier,
                 MAX_HIERARCHIES);
        d->n_hier = MAX_HIERARCHIES;
    }
    d->watches = cadv_hmap_new(watch_free);
    d->wd_of = cadv_hmap_new(free);
    d->nodes = cadv_hmap_new(free);
    d->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (d->ifd < 0)
        cadv_log_errno(CADV_LOG_WARNING, -errno,
                       "inotify unavailable, new cgroups are found by the periodic rescan only");
    *ret = d;
    return 0;
}

struct discovery *discovery_free(struct discovery *d)
{
    if (!d)
        return NULL;
    if (d->ifd >= 0)
        close(d->ifd);
    close(d->wake_fd);
    for (size_t i = 0; i < d->n_recheck; i++)
        free(d->recheck[i].name);
    free(d->recheck);
    pthread_mutex_destroy(&d->recheck_lock);
    cadv_hmap_free(d->watches);
    cadv_hmap_free(d->wd_of);
    cadv_hmap_free(d->nodes);
    for (size_t i = 0; i < d->n_dirty; i++)
        free(d->dirty[i]);
    free(d->dirty);
    free(d);
    return NULL;
}

/* "/" + child, or parent + "/" + child. */
static char *join_name(const char *parent, const char *child)
{
    return strcmp(parent, "/") == 0 ? cadv_xasprintf("/%s", child) : cadv_xasprintf("%s/%s", parent, child);
}

/* The absolute path of name in hierarchy h; false if it does not fit. */
static bool dir_path(const struct discovery *d, size_t h, const char *name, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s%s", d->hier[h].path, strcmp(name, "/") == 0 ? "" : name);

    return n > 0 && (size_t)n < size;
}

static void set_dirty(struct discovery *d, const char *name, struct node *n)
{
    if (n->dirty)
        return;
    n->dirty = true;
    cadv_xgrow((void **)&d->dirty, &d->cap_dirty, d->n_dirty + 1, sizeof(*d->dirty));
    d->dirty[d->n_dirty++] = cadv_xstrdup(name);
}

/* Records that name's directory exists in hierarchy h. Returns false at the name cap. */
static bool mark(struct discovery *d, size_t h, const char *name)
{
    uint64_t bit = 1ULL << h;
    size_t len = strlen(name);
    struct node *n = cadv_hmap_get(d->nodes, name, len);

    if (!n) {
        if (cadv_hmap_count(d->nodes) >= (size_t)MAX_NAMES) {
            if (!d->names_full_logged)
                cadv_log(CADV_LOG_WARNING, "More than %d cgroups, '%s' and later ones are not tracked",
                         MAX_NAMES, name);
            d->names_full_logged = true;
            return false;
        }
        n = cadv_xcalloc(1, sizeof(*n));
        cadv_hmap_put(d->nodes, name, len, n);
        manager_forget_rejected(d->m, name); /* a new directory: judge it afresh */
    }
    n->seen |= bit;
    if (!(n->mask & bit)) {
        n->mask |= bit;
        set_dirty(d, name, n);
    }
    return true;
}

static void drop_watch_of(struct discovery *d, size_t h, const char *name);

/* Records that name's directory is gone from hierarchy h, and drops its watch. */
static void unmark(struct discovery *d, size_t h, const char *name)
{
    uint64_t bit = 1ULL << h;
    struct node *n = cadv_hmap_get(d->nodes, name, strlen(name));

    if (n && (n->mask & bit)) {
        n->mask &= ~bit;
        set_dirty(d, name, n);
    }
    drop_watch_of(d, h, name);
}

/* The key of (hierarchy h, name) in wd_of: one byte for h (< MAX_HIERARCHIES), then the name.
 * Returns its length, 0 if the name does not fit. */
static size_t wd_key(size_t h, const char *name, char *buf, size_t size)
{
    size_t n = strlen(name);

    if (n + 1 > size)
        return 0;
    buf[0] = (char)h;
    memcpy(buf + 1, name, n); // NOLINT(bugprone-not-null-terminated-result): a counted key, not a string
    return n + 1;
}

/* Drops w's name -> wd entry if it still points to wd. */
static void unlink_name(struct discovery *d, const struct watch *w, int wd)
{
    char key[PATH_MAX + 1];
    size_t klen = wd_key(w->hier, w->name, key, sizeof(key));
    const int *cur = klen > 0 ? cadv_hmap_get(d->wd_of, key, klen) : NULL;

    if (cur && *cur == wd)
        cadv_hmap_del(d->wd_of, key, klen);
}

/* Forgets watch wd (and removes it from the inotify instance when rm). */
static void forget_wd(struct discovery *d, int wd, bool rm)
{
    const struct watch *w = cadv_hmap_get(d->watches, &wd, sizeof(wd));

    if (!w)
        return;
    unlink_name(d, w, wd);
    if (rm)
        (void)inotify_rm_watch(d->ifd, wd); /* EINVAL if the kernel dropped it already */
    cadv_hmap_del(d->watches, &wd, sizeof(wd));
}

/* name's directory in hierarchy h is gone: drop its watch. */
static void drop_watch_of(struct discovery *d, size_t h, const char *name)
{
    char key[PATH_MAX + 1];
    size_t klen = wd_key(h, name, key, sizeof(key));
    const int *wd = klen > 0 ? cadv_hmap_get(d->wd_of, key, klen) : NULL;

    if (wd)
        forget_wd(d, *wd, true);
}

/* The most watches discovery holds, as if fs.inotify.max_user_watches were reached there: lets a
 * test exercise the ENOSPC path without lowering the host's (global) limit. */
static size_t watch_cap = SIZE_MAX;

void discovery_test_set_watch_cap(size_t n)
{
    watch_cap = n;
}

/* True if (h, name) holds a watch on the directory of inode ino (0: not known, false). */
static bool watched_as(const struct discovery *d, size_t h, const char *name, uint64_t ino)
{
    char key[PATH_MAX + 1];
    size_t klen = ino ? wd_key(h, name, key, sizeof(key)) : 0;
    const int *wd = klen > 0 ? cadv_hmap_get(d->wd_of, key, klen) : NULL;
    const struct watch *w = wd ? cadv_hmap_get(d->watches, wd, sizeof(*wd)) : NULL;

    return w && w->ino == ino && w->hier == h && strcmp(w->name, name) == 0;
}

/* Watches path, the directory of (h, name) with inode number ino (0: not known). Returns true if a
 * watch is held on it. */
static bool add_watch(struct discovery *d, size_t h, const char *path, const char *name, uint64_t ino)
{
    struct watch *w;
    char key[PATH_MAX + 1];
    size_t klen;
    const int *old;
    int wd, *v;

    if (d->ifd < 0)
        return false;
    /* On cgroup v2 also IN_MODIFY: the kernel notifies memory.events when it counts an OOM kill,
     * reported on the directory's watch with the file's name (handle_event). */
    if (cadv_hmap_count(d->watches) >= watch_cap) {
        wd = -1;
        errno = ENOSPC;
    } else {
        wd = inotify_add_watch(d->ifd, path, WATCH_MASK | (d->hier[h].is_v2 ? IN_MODIFY : 0));
    }
    if (wd < 0) {
        /* Logged once: past the limit every new directory fails alike. Nothing is missed: the
         * rescan (every global housekeeping interval) walks every directory, watched or not. */
        if (errno == ENOSPC && !d->watch_limit_logged) {
            cadv_log(CADV_LOG_WARNING,
                     "inotify watch limit reached at '%s' (%zu watches held): cgroups created "
                     "below unwatched directories are found by the periodic rescan only, every "
                     "%.0f s (raise fs.inotify.max_user_watches)",
                     path, cadv_hmap_count(d->watches), (double)d->global_ns / 1e9);
            d->watch_limit_logged = true;
        }
        return false;
    }
    w = cadv_hmap_get(d->watches, &wd, sizeof(wd));
    if (w && w->hier == h && strcmp(w->name, name) == 0) {
        w->ino = ino;
        return true;
    }
    klen = wd_key(h, name, key, sizeof(key));
    /* The name had another watch: a directory removed (and maybe re-created) unseen. */
    old = klen > 0 ? cadv_hmap_get(d->wd_of, key, klen) : NULL;
    if (old && *old != wd)
        forget_wd(d, *old, true);
    if (w)
        forget_wd(d, wd, false); /* the same directory under another name (moved): re-keyed */
    w = cadv_xmalloc(sizeof(*w));
    w->hier = h;
    w->name = cadv_xstrdup(name);
    w->ino = ino;
    cadv_hmap_put(d->watches, &wd, sizeof(wd), w);
    if (klen > 0) {
        v = cadv_xmalloc(sizeof(*v));
        *v = wd;
        cadv_hmap_put(d->wd_of, key, klen, v);
    }
    return true;
}

/* Tests: rescans done (high 32 bits) and directories they read (low 32), added at the end of each. */
static _Atomic uint64_t scan_counts;

void discovery_test_scan_counts(size_t *scans, size_t *dirs_read)
{
    uint64_t v = atomic_load(&scan_counts);

    *scans = (size_t)(v >> 32);
    *dirs_read = (size_t)(v & 0xffffffffu);
}

/* A directory to walk: its name, and what its parent's listing told of it (0: not known). */
struct walk_item {
    char *name;
    uint64_t ino;
    nlink_t nlink;
};

/* Pushes the subdirectories of `name` (whose directory is dir) onto the walk stack, with their inode
 * numbers and link counts (one fstatat each, relative to dir). */
static void push_children(DIR *dir, const char *name, struct walk_item **stack, size_t *n, size_t *cap)
{
    const struct dirent *de;

    while ((de = readdir(dir))) {
        struct stat st;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
            fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
            continue;
        cadv_xgrow((void **)stack, cap, *n + 1, sizeof(**stack));
        (*stack)[(*n)++] = (struct walk_item){join_name(name, de->d_name), (uint64_t)st.st_ino, st.st_nlink};
    }
}

/* Watches and marks `start` and every directory below it in hierarchy h (iteratively: no recursion
 * on input depth). Names of cadv_cgroup_name_ignored (systemd mounts) are neither watched nor
 * descended into, as in cAdvisor. A directory already watched (the same inode) is not watched again,
 * and one that is also a leaf (a link count of 2: no subdirectory; cgroupfs, like most file systems,
 * counts them) is not read: a child created since is reported by its watch. The rescan at 10,000
 * containers in 10 hierarchies cost ~1 s of CPU before (a watch and a read per directory). */
static size_t walk(struct discovery *d, size_t h, const char *start)
{
    struct walk_item *stack = NULL;
    char path[PATH_MAX];
    size_t n = 0, cap = 0, read = 0;

    cadv_xgrow((void **)&stack, &cap, 1, sizeof(*stack));
    stack[n++] = (struct walk_item){cadv_xstrdup(start), 0, 0};
    while (n > 0) {
        struct walk_item it = stack[--n];
        bool known;
        DIR *dir;

        if ((strcmp(it.name, "/") != 0 && cadv_cgroup_name_ignored(it.name)) ||
            !dir_path(d, h, it.name, path, sizeof(path)))
            goto next;
        known = watched_as(d, h, it.name, it.ino);
        if (!known)
            (void)add_watch(d, h, path, it.name, it.ino);
        if (!mark(d, h, it.name))
            goto next;
        if (known && it.nlink == 2)
            goto next; /* a watched leaf (watched before its link count was read) */
        dir = opendir(path);
        if (!dir)
            goto next; /* vanished meanwhile: its deletion event follows */
        push_children(dir, it.name, &stack, &n, &cap);
        closedir(dir);
        read++;
next:
        free(it.name);
    }
    free(stack);
    return read;
}

/* Creates, removes or re-opens the container `name` to match its node (NULL: no directory). */
static void reconcile_name(struct discovery *d, const char *name, struct node *n)
{
    struct cadv_container *c;

    if (strcmp(name, "/") == 0)
        return; /* the root container lives as long as the manager */
    c = cadv_manager_get(d->m, name);
    if (!n || n->mask == 0) {
        manager_forget_rejected(d->m, name);
        if (c)
            manager_remove_container(d->m, c);
    } else if (!c) {
        if (manager_add_container(d->m, name) > 0)
            n->opened = n->mask;
    } else if (n->mask & ~n->opened) {
        manager_reopen_container(d->m, c);
        n->opened = n->mask;
    }
    cadv_container_unref(c);
}

static void reconcile_dirty(struct discovery *d)
{
    for (size_t i = 0; i < d->n_dirty; i++) {
        size_t len = strlen(d->dirty[i]);
        struct node *n = cadv_hmap_get(d->nodes, d->dirty[i], len);

        if (n)
            n->dirty = false;
        reconcile_name(d, d->dirty[i], n);
        if (n && n->mask == 0)
            cadv_hmap_del(d->nodes, d->dirty[i], len);
        free(d->dirty[i]);
    }
    d->n_dirty = 0;
}

static bool scan_start(const char *key, size_t len, void *value, void *ud)
{
    struct node *n = value;

    (void)key, (void)len, (void)ud;
    n->seen = 0;
    return false;
}

/* After a full walk: hierarchies not seen lose the name; every live name is queued for a check. */
static bool scan_finish(const char *key, size_t len, void *value, void *ud)
{
    struct discovery *d = ud;
    struct node *n = value;

    (void)len;
    for (size_t h = 0; h < d->n_hier; h++)
        if ((n->mask & ~n->seen) & (1ULL << h))
            drop_watch_of(d, h, key);
    n->mask &= n->seen;
    n->dirty = false;
    set_dirty(d, key, n);
    return false;
}

void discovery_scan(struct discovery *d)
{
    struct cadv_container **all;
    size_t n_all, read = 0;

    cadv_hmap_foreach(d->nodes, scan_start, NULL);
    for (size_t h = 0; h < d->n_hier; h++)
        read += walk(d, h, "/");
    atomic_fetch_add(&scan_counts, (1ULL << 32) + (read & 0xffffffffu));
    for (size_t i = 0; i < d->n_dirty; i++)
        free(d->dirty[i]);
    d->n_dirty = 0;
    cadv_hmap_foreach(d->nodes, scan_finish, d);
    reconcile_dirty(d);
    /* Containers the collector removed, or whose name the walk no longer found. */
    (void)cadv_manager_list(d->m, "/", true, &all, &n_all);
    for (size_t i = 0; i < n_all; i++)
        if (!all[i]->is_root && !cadv_hmap_get(d->nodes, all[i]->name, all[i]->name_len))
            manager_remove_container(d->m, all[i]);
    cadv_containers_unref(all, n_all);
}

struct subtree {
    struct discovery *d;
    size_t hier;
    const char *name;
    size_t len;
};

static bool in_subtree(const struct subtree *t, const char *name)
{
    return strncmp(name, t->name, t->len) == 0 && (name[t->len] == '\0' || name[t->len] == '/');
}

static bool unmark_node(const char *key, size_t len, void *value, void *ud)
{
    struct subtree *t = ud;
    struct node *n = value;

    (void)len;
    if (in_subtree(t, key) && (n->mask & (1ULL << t->hier))) {
        n->mask &= ~(1ULL << t->hier);
        set_dirty(t->d, key, n);
    }
    return false;
}

static bool drop_watch(const char *key, size_t len, void *value, void *ud)
{
    struct subtree *t = ud;
    struct watch *w = value;
    int wd;

    if (w->hier != t->hier || !in_subtree(t, w->name) || len != sizeof(wd))
        return false;
    memcpy(&wd, key, sizeof(wd));
    (void)inotify_rm_watch(t->d->ifd, wd);
    unlink_name(t->d, w, wd);
    return true;
}

/* A directory was moved away: it and everything below it left this hierarchy. */
static void moved_away(struct discovery *d, size_t h, const char *name)
{
    struct subtree t = {.d = d, .hier = h, .name = name, .len = strlen(name)};

    cadv_hmap_foreach(d->nodes, unmark_node, &t);
    cadv_hmap_foreach(d->watches, drop_watch, &t);
}

static void recheck_name(struct discovery *d, const char *name);

/* A container's memory.events changed (an OOM kill, or a memory.high/max event): its next sample
 * is taken now and its housekeeping backoff reset, so that the kill's event and count do not wait
 * for a backed-off interval (manager/oom.c). */
static void memory_events_changed(struct discovery *d, const char *name)
{
    struct cadv_container *c = cadv_manager_get(d->m, name);

    if (!c)
        return;
    scheduler_poke(d->sched, c);
    cadv_container_unref(c);
}

static void handle_event(struct discovery *d, const struct inotify_event *ev)
{
    const struct watch *w;
    char *child;

    if (ev->mask & IN_Q_OVERFLOW) {
        d->overflow = true;
        return;
    }
    w = cadv_hmap_get(d->watches, &ev->wd, sizeof(ev->wd));
    if (!w)
        return;
    if (ev->mask & IN_IGNORED) {
        forget_wd(d, ev->wd, false);
        return;
    }
    /* A directory's own deletion: its watch goes, and the name is checked again (its parent's
     * IN_DELETE normally unmarks it already). IN_DELETE_SELF comes when the last reference to the
     * directory goes (an fd we still held), possibly after a new directory of the same name was
     * created: the re-check then watches the new one. */
    if (ev->mask & IN_DELETE_SELF) {
        char *name = cadv_xstrdup(w->name);

        if (strcmp(name, "/") == 0)
            cadv_log(CADV_LOG_WARNING, "cgroup hierarchy '%s' was removed", d->hier[w->hier].path);
        forget_wd(d, ev->wd, true);
        if (strcmp(name, "/") != 0 && !cadv_cgroup_name_ignored(name))
            recheck_name(d, name);
        free(name);
        return;
    }
    if ((ev->mask & (IN_MODIFY | IN_ISDIR)) == IN_MODIFY && ev->len > 0 &&
        (strcmp(ev->name, "memory.events") == 0 || strcmp(ev->name, "memory.events.local") == 0)) {
        memory_events_changed(d, w->name);
        return;
    }
    if (!(ev->mask & IN_ISDIR) || ev->len == 0 || ev->name[0] == '\0')
        return;
    child = join_name(w->name, ev->name);
    if (ev->mask & (IN_CREATE | IN_MOVED_TO))
        walk(d, w->hier, child);
    else if (ev->mask & IN_DELETE)
        unmark(d, w->hier, child);
    else if (ev->mask & IN_MOVED_FROM)
        moved_away(d, w->hier, child);
    free(child);
}

/* Reads and handles every queued inotify event, then reconciles the names they touched. */
static void drain_events(struct discovery *d)
{
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));

    for (;;) {
        ssize_t len = read(d->ifd, buf, sizeof(buf));
        size_t off = 0;

        if (len <= 0)
            break; /* EAGAIN: drained */
        while (off + sizeof(struct inotify_event) <= (size_t)len) {
            const struct inotify_event *ev = (const struct inotify_event *)(const void *)(buf + off);

            if (off + sizeof(*ev) + ev->len > (size_t)len)
                break;
            handle_event(d, ev);
            off += sizeof(*ev) + ev->len;
        }
    }
    reconcile_dirty(d);
}

static void wake(void *arg)
{
    struct discovery *d = arg;
    uint64_t one = 1;

    if (write(d->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        cadv_log_errno(CADV_LOG_WARNING, -errno, "Waking the watcher failed");
}

void discovery_recheck(struct discovery *d, const char *name)
{
    bool queued = false;

    pthread_mutex_lock(&d->recheck_lock);
    if (d->n_recheck < RECHECK_MAX) {
        cadv_xgrow((void **)&d->recheck, &d->cap_recheck, d->n_recheck + 1, sizeof(*d->recheck));
        d->recheck[d->n_recheck++] =
                (struct recheck){.name = cadv_xstrdup(name), .due_mono = cadv_mono_ns() + RECHECK_DELAY_NS};
        queued = true;
    }
    pthread_mutex_unlock(&d->recheck_lock);
    if (queued)
        wake(d);
}

/* Stats name's directory in every hierarchy and reconciles it (watcher thread). */
static void recheck_name(struct discovery *d, const char *name)
{
    char path[PATH_MAX];
    struct node *n;
    struct stat st;

    for (size_t h = 0; h < d->n_hier; h++) {
        if (!dir_path(d, h, name, path, sizeof(path)))
            return;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            walk(d, h, name); /* (re-)watches it too */
        else
            unmark(d, h, name);
    }
    /* Its hierarchies may not have changed, but the container may have to come back. */
    n = cadv_hmap_get(d->nodes, name, strlen(name));
    if (n)
        set_dirty(d, name, n);
}

/* Runs the re-checks that are due; returns the due time of the next one (UINT64_MAX: none). */
static uint64_t run_rechecks(struct discovery *d)
{
    uint64_t now = cadv_mono_ns(), next = UINT64_MAX;

    for (;;) {
        char *name = NULL;

        pthread_mutex_lock(&d->recheck_lock);
        for (size_t i = 0; i < d->n_recheck && !name; i++) {
            if (d->recheck[i].due_mono <= now) {
                name = d->recheck[i].name;
                d->recheck[i] = d->recheck[--d->n_recheck];
            }
        }
        if (!name)
            for (size_t i = 0; i < d->n_recheck; i++)
                if (d->recheck[i].due_mono < next)
                    next = d->recheck[i].due_mono;
        pthread_mutex_unlock(&d->recheck_lock);
        if (!name)
            break;
        if (strcmp(name, "/") != 0 && !cadv_cgroup_name_ignored(name))
            recheck_name(d, name);
        free(name);
    }
    reconcile_dirty(d);
    return next;
}

static int poll_timeout_ms(uint64_t now, uint64_t due)
{
    uint64_t ms;

    if (due <= now)
        return 0;
    ms = (due - now + CADV_NS_PER_MS - 1) / CADV_NS_PER_MS;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a < b ? a : b;

    return m < c ? m : c;
}

static void *watcher_main(void *arg)
{
    struct discovery *d = arg;
    uint64_t now = cadv_mono_ns(), next_recheck = UINT64_MAX;
    uint64_t next_scan = now + d->global_ns, next_machine = now + d->machine_ns;

    discovery_scan(d); /* closes the race between the first walk and this thread (cAdvisor) */
    while (!worker_stopping(&d->worker)) {
        struct pollfd fds[2] = {{.fd = d->wake_fd, .events = POLLIN}, {.fd = d->ifd, .events = POLLIN}};
        int timeout = poll_timeout_ms(cadv_mono_ns(), min3(next_scan, next_machine, next_recheck));
        int r = poll(fds, d->ifd >= 0 ? 2 : 1, timeout);
        uint64_t count;

        if (r < 0 && errno != EINTR) {
            cadv_log_errno(CADV_LOG_ERROR, -errno, "Watcher poll failed, stopping discovery");
            break;
        }
        if (r > 0 && fds[0].revents && read(d->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
            cadv_log_errno(CADV_LOG_WARNING, -errno, "Reading the watcher's eventfd failed");
        if (worker_stopping(&d->worker))
            break;
        if (r > 0 && d->ifd >= 0 && fds[1].revents)
            drain_events(d);
        next_recheck = run_rechecks(d);
        now = cadv_mono_ns();
        if (d->overflow || now >= next_scan) {
            if (d->overflow)
                cadv_log(CADV_LOG_INFO, "inotify queue overflowed, rescanning cgroups");
            d->overflow = false;
            discovery_scan(d);
            next_scan = cadv_mono_ns() + d->global_ns;
        }
        if (now >= next_machine) {
            manager_update_machine_info(d->m);
            next_machine = cadv_mono_ns() + d->machine_ns;
        }
    }
    return NULL;
}

int discovery_start(struct discovery *d)
{
    return worker_start(&d->worker, "cadv-watcher", watcher_main, d);
}

void discovery_stop(struct discovery *d)
{
    if (d)
        worker_stop(&d->worker, wake, d);
}
