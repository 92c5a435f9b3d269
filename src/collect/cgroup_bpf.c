/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup_bpf.c - the BPF collector (see cgroup_bpf.h): loads bpf/cgstat.bpf.c (CO-RE, skeleton from
 * bpftool), attaches one cgroup_iter link per v1 hierarchy root it serves (cpuacct, memory), runs a
 * pass when a reader finds the snapshot older than max_age, and indexes the mmapped records by
 * (hierarchy, cgroup id). Built without libbpf, every entry point reports "not built with BPF support"
 * and the file path is used. */
#include "collect/cgroup_bpf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "collect/cgroup_internal.h"
#include "core/log.h"

#ifdef CADV_HAVE_BPF
#    include <bpf/bpf.h>
#    include <bpf/btf.h>
#    include <bpf/libbpf.h>
#    include <dirent.h>
#    include <fcntl.h>
#    include <stdarg.h>
#    include <stdlib.h>
#    include <sys/mman.h>
#    include <unistd.h>

#    include "cgstat.h"
/* bpftool's generated skeleton: a const-casting create function and the object as one long string. */
#    pragma GCC diagnostic push
#    pragma GCC diagnostic ignored "-Wcast-qual"
#    pragma GCC diagnostic ignored "-Woverlength-strings"
#    include "cgstat.skel.h"
#    pragma GCC diagnostic pop
#    include "core/timeutil.h"
#    include "core/xalloc.h"

/* Records per pass (both hierarchies together); cgroups beyond it are read from their files. */
#    define MAX_RECS (1u << 17)
enum {
    H_CPU,
    H_MEM,
    N_H
};

static struct {
    pthread_mutex_t lock;
    struct cadv_cgroup_root *root;
    struct cgstat *skel;
    struct bpf_link *link[N_H];
    struct cgstat_rec *recs; /* the mmapped array map */
    size_t map_len;
    uint32_t *slots; /* open addressing: record index + 1, 0 empty */
    size_t n_slots;
    uint64_t max_age_ns, last_ns;
    bool active;
} st = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

static uint64_t key_hash(uint32_t h, uint64_t id)
{
    uint64_t x = (id << 1 | h) * 0x9E3779B97F4A7C15ULL;

    return x ^ (x >> 29);
}

static const struct cgstat_rec *find(uint32_t h, uint64_t id)
{
    size_t mask = st.n_slots - 1;

    for (size_t i = key_hash(h, id) & mask;; i = (i + 1) & mask) {
        uint32_t s = st.slots[i];

        if (!s)
            return NULL;
        if (st.recs[s - 1].id == id && st.recs[s - 1].hier == h)
            return &st.recs[s - 1];
    }
}

/* One pass over every hierarchy, then the index. Lock held. */
static int run_pass(void)
{
    char buf[64];
    uint32_t n;

    st.skel->bss->n_recs = 0;
    st.skel->bss->overflow = 0;
    for (uint32_t h = 0; h < N_H; h++) {
        ssize_t r;
        int fd;

        if (!st.link[h])
            continue;
        st.skel->bss->hier = h;
        fd = bpf_iter_create(bpf_link__fd(st.link[h]));
        if (fd < 0)
            return -errno;
        while ((r = read(fd, buf, sizeof(buf))) > 0)
            ;
        r = r < 0 ? -errno : 0;
        close(fd);
        if (r < 0)
            return (int)r;
    }
    n = st.skel->bss->n_recs < MAX_RECS ? st.skel->bss->n_recs : MAX_RECS;
    memset(st.slots, 0, st.n_slots * sizeof(*st.slots));
    for (uint32_t i = 0; i < n; i++) {
        size_t mask = st.n_slots - 1, j = key_hash(st.recs[i].hier, st.recs[i].id) & mask;

        while (st.slots[j])
            j = (j + 1) & mask;
        st.slots[j] = i + 1;
    }
    st.last_ns = cadv_mono_ns();
    return 0;
}

/* A snapshot no older than max_age, or false (the BPF path is then off for good). Lock held. */
static bool fresh(void)
{
    int r;

    if (!st.active)
        return false;
    if (st.last_ns && cadv_mono_ns() - st.last_ns < st.max_age_ns)
        return true;
    r = run_pass();
    if (r == 0)
        return true;
    cadv_log_errno(CADV_LOG_WARNING, r,
                   "BPF collector: a cgroup_iter pass failed, reading cgroup files from now on");
    st.active = false;
    return false;
}

static uint64_t dir_ino(int dirfd, const char *rel)
{
    struct stat sb;

    return fstatat(dirfd, rel, &sb, 0) == 0 ? (uint64_t)sb.st_ino : 0;
}

/* Section offset of the per-CPU variable `name` (DATASEC .data..percpu of the kernel's BTF). */
static int percpu_offset(const struct btf *btf, const char *name, uint64_t *ret)
{
    int id = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
    const struct btf_type *sec;
    const struct btf_var_secinfo *vi;

    if (id < 0)
        return -ENOENT;
    sec = btf__type_by_id(btf, (uint32_t)id);
    vi = btf_var_secinfos(sec);
    for (int i = 0; i < btf_vlen(sec); i++, vi++) {
        const struct btf_type *v = btf__type_by_id(btf, vi->type);

        if (v && strcmp(btf__name_by_offset(btf, v->name_off), name) == 0) {
            *ret = vi->offset;
            return 0;
        }
    }
    return -ENOENT;
}

static int read_u64_at(int dirfd, const char *path, uint64_t *v)
{
    char buf[64];
    ssize_t n;
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = 0;
    *v = strtoull(buf, NULL, 10);
    return 0;
}

/* The first pass checked against the files: the cpuacct root's usage lies between two reads of
 * cpuacct.usage around the pass, and a memory child's limit and failcnt equal its files. */
static int self_check(int cpu_fd, int mem_fd, char *why, size_t cap)
{
    const struct cgstat_rec *rec;
    uint64_t before = 0, after = 0;
    int r;

    if ((r = read_u64_at(cpu_fd, "cpuacct.usage", &before)) < 0 || (r = run_pass()) < 0 ||
        (r = read_u64_at(cpu_fd, "cpuacct.usage", &after)) < 0) {
        (void)snprintf(why, cap, "first pass: %s", strerror(-r));
        return r;
    }
    if (!st.skel->bss->pcpu_ok) {
        (void)snprintf(why, cap, "per-CPU offsets not derivable from the run queues (step %u)",
                       st.skel->bss->pcpu_err);
        return -ENOTSUP;
    }
    rec = find(H_CPU, dir_ino(cpu_fd, "."));
    if (!rec || !(rec->flags & CGSTAT_HAS_CPU) || rec->cpu_ns < before || rec->cpu_ns > after) {
        (void)snprintf(why, cap, "cpuacct.usage check failed (%llu not in [%llu, %llu])",
                       rec ? (unsigned long long)rec->cpu_ns : 0ULL, (unsigned long long)before,
                       (unsigned long long)after);
        return -EPROTO;
    }
    if (mem_fd >= 0) {
        DIR *d = fdopendir(dup(mem_fd));
        struct dirent *e;

        while (d && (e = readdir(d)))
            if (e->d_type == DT_DIR && e->d_name[0] != '.')
                break;
        if (d && e) {
            char path[300];
            uint64_t limit = 0;

            (void)snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", e->d_name);
            rec = find(H_MEM, dir_ino(mem_fd, e->d_name));
            if (read_u64_at(mem_fd, path, &limit) == 0 &&
                (!rec || !(rec->flags & CGSTAT_HAS_MEM) || rec->mem_limit != limit)) {
                (void)snprintf(why, cap, "memory.limit_in_bytes check failed for %.100s", e->d_name);
                closedir(d);
                return -EPROTO;
            }
        }
        if (d)
            closedir(d);
    }
    return 0;
}

static int hier_fd(const struct cadv_cgroup_root *root, enum cadv_cg_ctl c)
{
    int h = root->ctl_hier[c];

    return h >= 0 && !root->hier[h].is_v2 ? root->hier[h].fd : -1;
}

static void teardown(void)
{
    for (int h = 0; h < N_H; h++) {
        bpf_link__destroy(st.link[h]);
        st.link[h] = NULL;
    }
    if (st.recs)
        munmap(st.recs, st.map_len);
    st.recs = NULL;
    cgstat__destroy(st.skel);
    st.skel = NULL;
    free(st.slots);
    st.slots = NULL;
    st.root = NULL;
    st.active = false;
    st.last_ns = 0;
}

static int load(struct cadv_cgroup_root *root, char *why, size_t cap)
{
    int cpu_fd = hier_fd(root, CADV_CG_CPUACCT), mem_fd = hier_fd(root, CADV_CG_MEMORY), fds[N_H];
    struct btf *btf;
    uint64_t off_usage = 0, off_rq = 0;
    long ncpu = libbpf_num_possible_cpus(), page = sysconf(_SC_PAGESIZE);
    int r;

#    ifndef __x86_64__
    (void)snprintf(why, cap, "only x86-64 is supported");
    return -ENOTSUP;
#    endif
    if (root->mode == CADV_CGROUP_V2 || cpu_fd < 0) {
        (void)snprintf(why, cap, "needs the v1 cpuacct hierarchy (cgroup2-only hosts are not supported yet)");
        return -ENOTSUP;
    }
    if (ncpu <= 0 || ncpu > CGSTAT_MAX_CPUS) {
        (void)snprintf(why, cap, "%ld possible CPUs", ncpu);
        return -ENOTSUP;
    }
    btf = btf__load_vmlinux_btf();
    if (!btf) {
        (void)snprintf(why, cap, "no kernel BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno));
        return -ENOTSUP;
    }
    r = percpu_offset(btf, "root_cpuacct_cpuusage", &off_usage);
    if (r == 0)
        r = percpu_offset(btf, "runqueues", &off_rq);
    btf__free(btf);
    if (r < 0) {
        (void)snprintf(why, cap, "per-CPU variables runqueues/root_cpuacct_cpuusage not in the kernel's BTF");
        return r;
    }
    st.skel = cgstat__open();
    if (!st.skel) {
        (void)snprintf(why, cap, "opening the BPF object: %s", strerror(errno));
        return -errno;
    }
    st.skel->rodata->nr_cpus = (uint32_t)ncpu;
    st.skel->rodata->page_size = (uint64_t)page;
    st.skel->rodata->off_root_cpuusage = off_usage;
    st.skel->rodata->off_runqueues = off_rq;
    if ((r = bpf_map__set_max_entries(st.skel->maps.recs, MAX_RECS)) < 0 || (r = cgstat__load(st.skel)) < 0) {
        (void)snprintf(why, cap, "loading the BPF program (verifier, capability CAP_BPF+CAP_PERFMON): %s",
                       strerror(-r));
        return r;
    }
    st.map_len = (size_t)MAX_RECS * sizeof(struct cgstat_rec);
    st.recs = mmap(NULL, st.map_len, PROT_READ, MAP_SHARED, bpf_map__fd(st.skel->maps.recs), 0);
    if (st.recs == MAP_FAILED) {
        st.recs = NULL;
        (void)snprintf(why, cap, "mmap of the record array: %s", strerror(errno));
        return -errno;
    }
    st.n_slots = 2 * (size_t)MAX_RECS;
    st.slots = cadv_xcalloc(st.n_slots, sizeof(*st.slots));
    fds[H_CPU] = cpu_fd;
    fds[H_MEM] = mem_fd;
    for (int h = 0; h < N_H; h++) {
        union bpf_iter_link_info li = {
                .cgroup = {.cgroup_fd = (uint32_t)fds[h], .order = BPF_CGROUP_ITER_DESCENDANTS_PRE}};
        LIBBPF_OPTS(bpf_iter_attach_opts, o, .link_info = &li, .link_info_len = sizeof(li));

        if (fds[h] < 0)
            continue;
        st.link[h] = bpf_program__attach_iter(st.skel->progs.cgstat, &o);
        if (!st.link[h]) {
            r = -errno;
            (void)snprintf(why, cap, "attaching cgroup_iter: %s", strerror(-r));
            return r;
        }
    }
    st.active = true;
    return self_check(cpu_fd, mem_fd, why, cap);
}

bool cadv_cgroup_bpf_built(void)
{
    return true;
}

bool cadv_cgroup_bpf_start(struct cadv_cgroup_root *root, const char *mode, uint64_t max_age_ns)
{
    char why[256] = "";
    int r;

    if (!mode || strcmp(mode, "files") == 0)
        return false;
    pthread_mutex_lock(&st.lock);
    teardown();
    libbpf_set_print(silent_print);
    st.root = root;
    st.max_age_ns = max_age_ns;
    r = load(root, why, sizeof(why));
    if (r < 0) {
        teardown();
        pthread_mutex_unlock(&st.lock);
        cadv_log(CADV_LOG_WARNING, "BPF collector unavailable (%s): reading cgroup files", why);
        return false;
    }
    pthread_mutex_unlock(&st.lock);
    cadv_log(CADV_LOG_INFO,
             "BPF collector: cgroup_iter passes over the v1 cpuacct%s hierarchies, every %llu ms at most",
             st.link[H_MEM] ? " and memory" : "", (unsigned long long)(max_age_ns / 1000000));
    return true;
}

void cadv_cgroup_bpf_stop(const struct cadv_cgroup_root *root)
{
    pthread_mutex_lock(&st.lock);
    if (st.root == root)
        teardown();
    pthread_mutex_unlock(&st.lock);
}

bool cadv_cgroup_bpf_active(const struct cadv_cgroup_root *root)
{
    bool on;

    pthread_mutex_lock(&st.lock);
    on = st.active && st.root == root;
    pthread_mutex_unlock(&st.lock);
    return on;
}

void cadv_cgroup_bpf_setup(struct cadv_cgroup *cg)
{
    static const enum cadv_cg_ctl ctl[N_H] = {CADV_CG_CPUACCT, CADV_CG_MEMORY};

    for (int h = 0; h < N_H; h++) {
        int d = cadv_cgroup__ctl_dir(cg, ctl[h]);

        cg->bpf_id[h] = d >= 0 ? dir_ino(cg->root->hier[d].fd, cg->rel) : 0;
    }
}

/* The record of cg in hierarchy h with flag, copied into *out under the lock. */
static bool get(const struct cadv_cgroup *cg, uint32_t h, uint32_t flag, struct cgstat_rec *out)
{
    const struct cgstat_rec *rec;
    bool ok = false;

    if (!cg->bpf_id[h])
        return false;
    pthread_mutex_lock(&st.lock);
    if (st.root == cg->root && fresh()) {
        rec = find(h, cg->bpf_id[h]);
        if (rec && (rec->flags & flag)) {
            *out = *rec;
            ok = true;
        }
    }
    pthread_mutex_unlock(&st.lock);
    return ok;
}

bool cadv_cgroup_bpf_cpu(struct cadv_cgroup *cg, uint64_t *ns)
{
    struct cgstat_rec rec;

    if (!get(cg, H_CPU, CGSTAT_HAS_CPU, &rec))
        return false;
    *ns = rec.cpu_ns;
    return true;
}

bool cadv_cgroup_bpf_mem(struct cadv_cgroup *cg, uint64_t *usage, uint64_t *max_usage, uint64_t *failcnt)
{
    struct cgstat_rec rec;

    if (!get(cg, H_MEM, CGSTAT_HAS_MEM, &rec))
        return false;
    *usage = rec.mem_usage;
    *max_usage = rec.mem_max_usage;
    *failcnt = rec.mem_failcnt;
    return true;
}

#else /* !CADV_HAVE_BPF */

bool cadv_cgroup_bpf_built(void)
{
    return false;
}

bool cadv_cgroup_bpf_start(struct cadv_cgroup_root *root, const char *mode, uint64_t max_age_ns)
{
    (void)root;
    (void)max_age_ns;
    if (mode && strcmp(mode, "bpf") == 0)
        cadv_log(CADV_LOG_WARNING,
                 "BPF collector unavailable (not built with BPF support): reading cgroup files");
    return false;
}

void cadv_cgroup_bpf_stop(const struct cadv_cgroup_root *root)
{
    (void)root;
}

bool cadv_cgroup_bpf_active(const struct cadv_cgroup_root *root)
{
    (void)root;
    return false;
}

void cadv_cgroup_bpf_setup(struct cadv_cgroup *cg)
{
    cg->bpf_id[0] = cg->bpf_id[1] = 0;
}

bool cadv_cgroup_bpf_cpu(struct cadv_cgroup *cg, uint64_t *ns)
{
    (void)cg;
    (void)ns;
    return false;
}

bool cadv_cgroup_bpf_mem(struct cadv_cgroup *cg, uint64_t *usage, uint64_t *max_usage, uint64_t *failcnt)
{
    (void)cg;
    (void)usage;
    (void)max_usage;
    (void)failcnt;
    return false;
}

#endif
