/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup.c - the version-independent part of the cgroup readers: per-container handles (kept-open
 * file slots within the fd budget), dispatch to cgroup_v1.c / cgroup_v2.c and creation time. Layout
 * detection is in cgroup_layout.c, pids and schedstat in cgroup_procs.c.
 *
 * A handle holds no directory fds: files are reached through the hierarchy's root fd and the
 * cgroup's relative path, so what a container keeps open is only its file slots, all within the fd
 * budget; past the budget it holds nothing between reads (openat, pread, close per file). */
#include "collect/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/cgroup_internal.h"
#include "collect/keyed.h"
#include "core/fileio.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/kinds.h"
#include "model/sample.h"
#include "model/spec.h"

/* ---- handles ---- */

/* "/" -> ".", "/a/b" -> "a/b"; NULL for names that are not clean absolute paths. */
static char *name_to_rel(const char *name)
{
    const char *p;

    if (name[0] != '/')
        return NULL;
    if (name[1] == '\0')
        return cadv_xstrdup(".");
    for (p = name; *p;) {
        size_t n;

        p++; /* the '/' */
        n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return NULL;
        p += n;
    }
    return cadv_xstrdup(name + 1);
}

static int dir_base(const struct cadv_cgroup_root *root, int dir)
{
    return dir == CADV_CG_UDIR ? root->unified_fd : root->hier[dir].fd;
}

static bool is_dir_at(int base, const char *rel)
{
    struct stat st;

    return base >= 0 && fstatat(base, rel, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

int cadv_cgroup_open(struct cadv_cgroup_root *root, const char *name, struct cadv_cgroup **ret)
{
    struct cadv_cgroup *cg;
    char *rel = name_to_rel(name);

    if (!rel)
        return -EINVAL;
    if (strlen(rel) >= PATH_MAX - 64) {
        free(rel);
        return -ENAMETOOLONG;
    }
    cg = cadv_xcalloc(1, sizeof(*cg));
    cg->root = root;
    cg->name = cadv_xstrdup(name);
    cg->rel = rel;
    cg->rel_len = strlen(rel);
    /* Before any early return: cadv_cgroup_close closes every slot's fd, and calloc's 0 is stdin. */
    for (size_t i = 0; i < CADV_CG_MAX_FILES; i++)
        cg->files[i] = (struct cadv_cg_file){CADV_CG_FILE_ABSENT, -1, NULL, false};
    for (size_t i = 0; i < root->n_hier; i++)
        if (is_dir_at(root->hier[i].fd, rel))
            cg->dirs |= UINT32_C(1) << i;
    if (!cg->dirs) {
        cadv_cgroup_close(cg);
        return -ENOENT;
    }
    if (is_dir_at(root->unified_fd, rel))
        cg->dirs |= UINT32_C(1) << CADV_CG_UDIR;
    cg->blkio_group = -1;
    root->ops->setup(cg);
    *ret = cg;
    return 0;
}

struct cadv_cgroup *cadv_cgroup_close(struct cadv_cgroup *cg)
{
    if (!cg)
        return NULL;
    for (size_t i = 0; i < CADV_CG_MAX_FILES; i++)
        if (cg->files[i].fd >= 0) {
            close(cg->files[i].fd);
            atomic_fetch_sub(&cg->root->fds_held, 1);
        }
    cadv_cgroup__sched_free(cg->sched);
    free(cg->name);
    free(cg->rel);
    free(cg);
    return NULL;
}

const char *cadv_cgroup_name(const struct cadv_cgroup *cg)
{
    return cg->name;
}

bool cadv_cgroup__has_dir(const struct cadv_cgroup *cg, int dir)
{
    return dir >= 0 && dir <= CADV_CG_UDIR && (cg->dirs & (UINT32_C(1) << dir));
}

int cadv_cgroup__ctl_dir(const struct cadv_cgroup *cg, enum cadv_cg_ctl c)
{
    int h = cg->root->ctl_hier[c];

    return cadv_cgroup__has_dir(cg, h) ? h : -1;
}

int cadv_cgroup__udir(const struct cadv_cgroup *cg)
{
    return cadv_cgroup__has_dir(cg, CADV_CG_UDIR) ? CADV_CG_UDIR : -1;
}

int cadv_cgroup__open_in(const struct cadv_cgroup *cg, int dir, const char *name, int flags)
{
    char path[PATH_MAX];
    const char *p = path;
    size_t n = name ? strlen(name) : 0;
    int fd;

    if (!cadv_cgroup__has_dir(cg, dir))
        return -ENODATA;
    if (!name)
        p = cg->rel;
    else if (cg->rel[0] == '.' && cg->rel[1] == '\0')
        p = name;
    else if (cg->rel_len + 1 + n < sizeof(path)) {
        memcpy(path, cg->rel, cg->rel_len);
        path[cg->rel_len] = '/';
        memcpy(path + cg->rel_len + 1, name, n + 1);
    } else
        return -ENAMETOOLONG;
    fd = openat(dir_base(cg->root, dir), p, flags | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

bool cadv_cgroup__is_root(const struct cadv_cgroup *cg)
{
    return cg->name[1] == '\0';
}

/* ---- file slots ---- */

bool cadv_cgroup__dir_gone(const struct cadv_cgroup *cg, int dir)
{
    if (!cadv_cgroup__has_dir(cg, dir))
        return true;
    return faccessat(dir_base(cg->root, dir), cg->rel, F_OK, 0) < 0 && (errno == ENOENT || errno == ENODEV);
}

static bool take_budget(struct cadv_cgroup_root *root)
{
    if (atomic_fetch_add(&root->fds_held, 1) < root->fd_budget)
        return true;
    atomic_fetch_sub(&root->fds_held, 1);
    return false;
}

static void file_probe(struct cadv_cgroup *cg, struct cadv_cg_file *f)
{
    int fd;

    if (!cadv_cgroup__has_dir(cg, f->dir))
        return;
    fd = cadv_cgroup__open_in(cg, f->dir, f->name, O_RDONLY | O_NOCTTY);
    if (fd < 0) {
        f->fd = fd == -ENOENT ? CADV_CG_FILE_ABSENT : CADV_CG_FILE_REOPEN;
        return;
    }
    if (f->keep && take_budget(cg->root)) {
        f->fd = fd;
        return;
    }
    close(fd);
    f->fd = CADV_CG_FILE_REOPEN;
}

void cadv_cgroup__file_add(struct cadv_cgroup *cg, unsigned slot, int dir, const char *name, bool keep)
{
    struct cadv_cg_file *f = &cg->files[slot];

    if (f->fd >= 0) {
        close(f->fd);
        atomic_fetch_sub(&cg->root->fds_held, 1);
    }
    *f = (struct cadv_cg_file){CADV_CG_FILE_ABSENT, dir, name, keep};
    file_probe(cg, f);
}

static bool dir_is_v2(const struct cadv_cgroup_root *root, int dir)
{
    return dir == CADV_CG_UDIR || (dir >= 0 && root->hier[dir].is_v2);
}

/* Probes absent slots again: on cgroup2 at every spec refresh (a parent may enable a controller any
 * time); on v1 only every CADV_CG_V1_REPROBE refreshes, since v1 files appear only when a module adds
 * them (bfq), and a failed lookup is one of the dearest calls of a refresh. */
static void files_reprobe(struct cadv_cgroup *cg)
{
    bool v1_too = ++cg->spec_reads % CADV_CG_V1_REPROBE == 0;

    for (size_t i = 0; i < CADV_CG_MAX_FILES; i++)
        if (cg->files[i].fd == CADV_CG_FILE_ABSENT && cg->files[i].name &&
            (v1_too || dir_is_v2(cg->root, cg->files[i].dir)))
            file_probe(cg, &cg->files[i]);
}

int cadv_cgroup__read_at(const struct cadv_cgroup *cg, int dir, const char *name, char *buf, size_t cap,
                         size_t *ret_len)
{
    int fd = cadv_cgroup__open_in(cg, dir, name, O_RDONLY | O_NOCTTY), r;

    if (fd >= 0) {
        r = cadv_pread_all(fd, buf, cap, ret_len);
        close(fd);
    } else
        r = fd;
    if (r == -ENODEV)
        return -ENOENT;
    if (r == -ENOENT && !cadv_cgroup__dir_gone(cg, dir))
        return -ENODATA;
    return r;
}

int cadv_cgroup__file_read(struct cadv_cgroup *cg, unsigned slot, char *buf, size_t cap, size_t *ret_len)
{
    struct cadv_cg_file *f = &cg->files[slot];
    int r;

    if (f->fd == CADV_CG_FILE_ABSENT)
        return -ENODATA;
    if (f->fd < 0) {
        r = cadv_cgroup__read_at(cg, f->dir, f->name, buf, cap, ret_len);
        if (r == -ENODATA)
            f->fd = CADV_CG_FILE_ABSENT;
        return r;
    }
    r = cadv_pread_all(f->fd, buf, cap, ret_len);
    return r == -ENODEV ? -ENOENT : r;
}

static int parse_one(int r, const char *buf, size_t len, uint64_t *ret)
{
    if (r < 0)
        return r;
    return cadv_keyed_parse_value(buf, len, ret);
}

int cadv_cgroup__file_u64(struct cadv_cgroup *cg, unsigned slot, uint64_t *ret)
{
    char buf[64];
    size_t len = 0;
    int r = cadv_cgroup__file_read(cg, slot, buf, sizeof(buf), &len);

    return parse_one(r, buf, len, ret);
}

int cadv_cgroup__u64_at(const struct cadv_cgroup *cg, int dir, const char *name, uint64_t *ret)
{
    char buf[64];
    size_t len = 0;
    int r = cadv_cgroup__read_at(cg, dir, name, buf, sizeof(buf), &len);

    return parse_one(r, buf, len, ret);
}

uint64_t cadv_cgroup__spec_u64(const struct cadv_cgroup *cg, int dir, const char *name, bool *gone)
{
    uint64_t v = 0;
    int r = cadv_cgroup__u64_at(cg, dir, name, &v);

    if (r == -ENOENT)
        *gone = true;
    return r < 0 ? 0 : v;
}

int cadv_cgroup__file_psi(struct cadv_cgroup *cg, unsigned slot, struct cadv_psi *ret)
{
    char buf[512];
    size_t len = 0;
    int r = cadv_cgroup__file_read(cg, slot, buf, sizeof(buf), &len);

    if (r == -ENOENT)
        return r;
    if (r < 0 || cadv_psi_parse(buf, len, ret) < 0)
        return -ENODATA; /* also EOPNOTSUPP: PSI turned off by the kernel */
    return 0;
}

void cadv_cgroup__psi_begin(struct cadv_cgroup *cg)
{
    uint64_t stall = 0;
    bool stalling = false, known = cadv_cgroup_bpf_psi(cg, &stall, &stalling);

    /* The files were last read after the pass that gave psi_stall_ns (every entry was refreshed after
     * it); this pass follows those reads. The stall time sum only grows, so the same sum means none
     * was recorded in between, and none running now means none is still to be: every total stands
     * (bpf/cgstat.bpf.c psi_state), and averages at zero stay at zero. */
    cg->psi_quiet = known && cg->psi_known && !stalling && stall == cg->psi_stall_ns;
    if (!cg->psi_quiet)
        for (unsigned i = 0; i < 3; i++)
            cg->psi_last[i].zero = false;
    cg->psi_known = known;
    cg->psi_stall_ns = stall;
}

int cadv_cgroup__psi_read(struct cadv_cgroup *cg, unsigned slot, unsigned which, struct cadv_psi *ret)
{
    int r;

    if (which < 3 && cg->psi_quiet && cg->psi_last[which].zero) {
        memset(ret, 0, sizeof(*ret));
        ret->some.total_us = cg->psi_last[which].some_us;
        ret->full.total_us = cg->psi_last[which].full_us;
        return 0;
    }
    r = cadv_cgroup__file_psi(cg, slot, ret);
    if (which < 3) {
        cg->psi_last[which].some_us = ret->some.total_us;
        cg->psi_last[which].full_us = ret->full.total_us;
        cg->psi_last[which].zero =
                r == 0 && !(ret->some.avg10_centi | ret->some.avg60_centi | ret->some.avg300_centi |
                            ret->full.avg10_centi | ret->full.avg60_centi | ret->full.avg300_centi);
    }
    return r;
}

/* ---- shared helpers for the version files ---- */

uint64_t cadv_cgroup__pagesize_bytes(const char *size)
{
    uint64_t v = 0;
    const char *p = size;

    while (*p >= '0' && *p <= '9' && v < (UINT64_C(1) << 40))
        v = v * 10 + (uint64_t)(*p++ - '0');
    if (p == size)
        return 0;
    if (strcmp(p, "KB") == 0)
        return v << 10;
    if (strcmp(p, "MB") == 0)
        return v << 20;
    if (strcmp(p, "GB") == 0)
        return v << 30;
    return 0;
}

static int huge_cmp(const void *a, const void *b)
{
    uint64_t x = cadv_cgroup__pagesize_bytes(((const struct cadv_cg_hugetlb *)a)->size);
    uint64_t y = cadv_cgroup__pagesize_bytes(((const struct cadv_cg_hugetlb *)b)->size);

    return x < y ? -1 : x > y;
}

/* Notes hugetlb.<size><suffix> or hugetlb.<size>.rsvd<suffix> in cg->huge. */
static void huge_note(struct cadv_cgroup *cg, const char *fname, const char *suffix)
{
    size_t n = strlen(fname), sl = strlen(suffix), sz;
    const char *size = fname + 8;
    bool rsvd = false;
    unsigned i;

    if (n <= 8 + sl || strncmp(fname, "hugetlb.", 8) != 0 || strcmp(fname + n - sl, suffix) != 0)
        return;
    sz = n - 8 - sl;
    if (sz > 5 && strncmp(size + sz - 5, ".rsvd", 5) == 0) {
        rsvd = true;
        sz -= 5;
    }
    if (sz == 0 || sz >= sizeof(cg->huge[0].size) || memchr(size, '.', sz))
        return;
    for (i = 0; i < cg->n_huge; i++)
        if (strncmp(cg->huge[i].size, size, sz) == 0 && cg->huge[i].size[sz] == '\0')
            break;
    if (i == cg->n_huge) {
        if (i == CADV_MAX_HUGETLB)
            return;
        memcpy(cg->huge[i].size, size, sz);
        cg->huge[i].size[sz] = '\0';
        cg->huge[i].rsvd = false;
        if (cadv_cgroup__pagesize_bytes(cg->huge[i].size) == 0)
            return;
        cg->n_huge++;
    }
    cg->huge[i].rsvd |= rsvd;
}

void cadv_cgroup__scan_hugetlb(struct cadv_cgroup *cg, int dir, const char *suffix)
{
    int fd = cadv_cgroup__open_in(cg, dir, NULL, O_RDONLY | O_DIRECTORY);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;

    cg->n_huge = 0;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((e = readdir(d)))
        huge_note(cg, e->d_name, suffix);
    closedir(d);
    qsort(cg->huge, cg->n_huge, sizeof(cg->huge[0]), huge_cmp);
}

void cadv_cgroup__set_mask(const struct cadv_cgroup *cg, struct cadv_spec *spec, const char *mask)
{
    if (mask[0])
        (void)snprintf(spec->cpu_mask, sizeof(spec->cpu_mask), "%s", mask);
    else if (cg->root->ncpus > 1)
        (void)snprintf(spec->cpu_mask, sizeof(spec->cpu_mask), "0-%u", cg->root->ncpus - 1);
    else
        (void)snprintf(spec->cpu_mask, sizeof(spec->cpu_mask), "0");
}

void cadv_cgroup__io_add(struct cadv_sample *s, uint64_t major, uint64_t minor, enum cadv_io_stat stat,
                         enum cadv_io_op op, uint64_t value)
{
    struct cadv_io_entry *e = NULL;

    for (uint32_t i = 0; i < s->n_io; i++)
        if (s->io[i].major == major && s->io[i].minor == minor && s->io[i].stat == (uint64_t)stat) {
            e = &s->io[i];
            break;
        }
    if (!e) {
        if (s->n_io >= CADV_MAX_IO || !s->io)
            return;
        e = &s->io[s->n_io++];
        memset(e, 0, sizeof(*e));
        e->major = major;
        e->minor = minor;
        e->stat = stat;
    }
    e->opmask |= UINT64_C(1) << op;
    e->v[op] = value;
}

/* ---- dispatch ---- */

static bool cgroup_gone(const struct cadv_cgroup *cg)
{
    for (size_t i = 0; i < cg->root->n_hier; i++)
        if (cadv_cgroup__has_dir(cg, (int)i))
            return cadv_cgroup__dir_gone(cg, (int)i);
    return true;
}

int cadv_cgroup_read_stats(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s)
{
    int r;

    if (cg->root->check_liveness && cgroup_gone(cg))
        return -ENOENT;
    r = cg->root->ops->read_stats(cg, kinds, s);
    if (r < 0)
        return r == -ENODEV ? -ENOENT : r;
    if (kinds & CADV_KIND_SCHED) {
        r = cadv_cgroup__read_sched(cg, s);
        if (r < 0)
            return r;
        s->c.has |= CADV_HAS_SCHED;
    }
    return 0;
}

int cadv_cgroup_read_hot(struct cadv_cgroup *cg, struct cadv_sample *s)
{
    struct cadv_memory_stats *m = &s->c.memory;
    int r;

    if (cg->root->check_liveness && cgroup_gone(cg))
        return -ENOENT;
    r = cg->root->ops->read_hot(cg, s);
    if (r < 0)
        return r == -ENODEV ? -ENOENT : r;
    s->c.has |= CADV_HAS_CPU | CADV_HAS_MEMORY;
    /* cAdvisor's working set: usage - inactive_file, clamped at 0 (inactive_file is 0 when absent). */
    m->working_set = m->usage < m->total_inactive_file ? 0 : m->usage - m->total_inactive_file;
    return 0;
}

static uint64_t ts_ns(const struct timespec *t)
{
    return t->tv_sec < 0 ? UINT64_MAX : (uint64_t)t->tv_sec * CADV_NS_PER_SEC + (uint64_t)t->tv_nsec;
}

/* docs/compatibility.md#spec: min mtime of the cgroup directories and their marker files, clamped to boot. */
static uint64_t creation_time(const struct cadv_cgroup *cg)
{
    uint64_t now = cadv_now_ns(), low = now;

    for (size_t i = 0; i < cg->root->n_hier; i++) {
        char path[PATH_MAX];
        int base = cg->root->hier[i].fd;
        struct stat st;

        if (!cadv_cgroup__has_dir(cg, (int)i))
            continue;
        if (fstatat(base, cg->rel, &st, 0) == 0 && ts_ns(&st.st_mtim) < low)
            low = ts_ns(&st.st_mtim);
        (void)snprintf(path, sizeof(path), "%s/%s", cg->rel, cg->root->ops->creation_marker);
        if (fstatat(base, path, &st, 0) == 0 && ts_ns(&st.st_mtim) < low)
            low = ts_ns(&st.st_mtim);
    }
    if (low < cg->root->boot_time_ns)
        low = cg->root->boot_time_ns;
    return low == now ? 0 : low;
}

/* The raw handler's root spec: the machine's memory and swap capacity (/proc/meminfo). */
static void root_memory(const struct cadv_cgroup *cg, struct cadv_spec *spec)
{
    char buf[CADV_CG_SMALL_BUF * 2];
    uint64_t mem = 0, swap = 0;
    const char *p;
    size_t len;

    spec->has_memory = false;
    if (cg->root->proc_fd < 0 || cadv_read_at(cg->root->proc_fd, "meminfo", buf, sizeof(buf), &len) < 0)
        return;
    if ((p = strstr(buf, "MemTotal:")))
        mem = strtoull(p + 9, NULL, 10);
    if ((p = strstr(buf, "SwapTotal:")))
        swap = strtoull(p + 10, NULL, 10);
    if (mem == 0)
        return;
    spec->has_memory = true;
    spec->memory_limit = mem * 1024;
    spec->memory_swap_limit = swap * 1024;
}

int cadv_cgroup_read_spec(struct cadv_cgroup *cg, struct cadv_spec *spec)
{
    struct cadv_spec t;
    int r;

    if (cg->root->check_liveness && cgroup_gone(cg))
        return -ENOENT;
    files_reprobe(cg);
    cadv_spec_init(&t);
    /* Computed once: later mtimes only move forward (children come and go, markers are not
     * written), so the first minimum stands (it would cost 2 stats per hierarchy per refresh). */
    if (cg->creation_ns == 0)
        cg->creation_ns = creation_time(cg);
    t.creation_time_ns = cg->creation_ns;
    r = cg->root->ops->read_spec(cg, &t);
    if (r < 0)
        return r == -ENODEV ? -ENOENT : r;
    if (cadv_cgroup__is_root(cg))
        root_memory(cg, &t);
    spec->creation_time_ns = t.creation_time_ns;
    spec->has_cpu = t.has_cpu;
    spec->cpu_limit = t.cpu_limit;
    spec->cpu_max_limit = 0;
    memcpy(spec->cpu_mask, t.cpu_mask, sizeof(spec->cpu_mask));
    spec->cpu_quota = t.cpu_quota;
    spec->cpu_period = t.cpu_period;
    spec->has_memory = t.has_memory;
    spec->memory_limit = t.memory_limit;
    spec->memory_reservation = t.memory_reservation;
    spec->memory_swap_limit = t.memory_swap_limit;
    spec->has_hugetlb = t.has_hugetlb;
    spec->has_processes = t.has_processes;
    spec->processes_limit = t.processes_limit;
    spec->has_diskio = t.has_diskio;
    return 0;
}

bool cadv_cgroup_name_ignored(const char *name)
{
    size_t n = strlen(name);

    return n >= 6 && strcmp(name + n - 6, ".mount") == 0;
}
