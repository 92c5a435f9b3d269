/* SPDX-License-Identifier: Apache-2.0 */
/* machine.c - reads the host description the way cAdvisor's lib/machine, lib/utils/sysinfo,
 * lib/utils/sysfs and lib/fs do (docs/compatibility.md#machine-info), through directory fds of the proc, sys
 * and host roots. Where cAdvisor iterates a Go map (filesystems, package nodes) the order here is the stable
 * one of the source files. */
#include "collect/machine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "collect/fs.h"
#include "collect/mountinfo.h"
#include "collect/procfs.h"
#include "collect/sysfs.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "model/machine.h"
#include "model/sample.h"

#define SMALL_FILE_MAX    4096
#define STATFS_TIMEOUT_NS (2 * CADV_NS_PER_SEC)
#define CPU_DIR           "devices/system/cpu"

struct ctx {
    int proc, sys, root; /* directory fds of the roots */
    bool s390x, no_cpuinfo_clock;
    int online_r; /* reading CPU_DIR/online: 0 or -errno */
    char online[SMALL_FILE_MAX];
    size_t online_len;
};

/* ---- small helpers ---- */

static int pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pathf(char *buf, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, PATH_MAX, fmt, ap);
    va_end(ap);
    return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* Digits right after prefix in name ("cpu12" -> 12), or -1. */
static int id_after(const char *name, const char *prefix)
{
    uint64_t v = 0;
    size_t i = strlen(prefix), start = i;

    for (; name[i] >= '0' && name[i] <= '9' && v <= INT_MAX; i++)
        v = v * 10 + (uint64_t)(name[i] - '0');
    return i == start || v > INT_MAX ? -1 : (int)v;
}

/* Glob "<prefix>*[0-9]". */
static bool glob_digit_end(const char *name, const char *prefix)
{
    size_t n = strlen(name);

    return has_prefix(name, prefix) && n > strlen(prefix) && name[n - 1] >= '0' && name[n - 1] <= '9';
}

static bool str_eq(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Appends *elem to a malloc'd array of *n elements (arrays here stay small). */
static void push(void *arrp, size_t *n, const void *elem, size_t size)
{
    void **arr = arrp;

    *arr = cadv_xrealloc(*arr, (*n + 1) * size);
    memcpy((char *)*arr + *n * size, elem, size);
    (*n)++;
}

/* ---- CPU: clock, physical cores, sockets ---- */

static int read_clock_khz(struct ctx *c, const struct cadv_cpuinfo *ci, uint64_t *ret)
{
    const char *max_freq = CPU_DIR "/cpu0/cpufreq/cpuinfo_max_freq";
    struct stat st;
    int64_t v;

    if (fstatat(c->sys, max_freq, &st, 0) == 0) {
        int r = cadv_sysfs_read_scan(c->sys, max_freq, true, &v);

        if (r < 0)
            return r;
        *ret = (uint64_t)v;
        return 0;
    }
    if (c->no_cpuinfo_clock) {
        *ret = 0;
        return 0;
    }
    if (!ci->has_mhz)
        return -EINVAL;
    *ret = ci->mhz * 1000 >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)(ci->mhz * 1000);
    return 0;
}

static bool cpu_online(struct ctx *c, int cpu)
{
    if (c->online_r == -ENOENT)
        return true;
    if (c->online_r < 0 || c->online_len == 0)
        return false;
    return cadv_sysfs_cpulist_contains(c->online, c->online_len, (unsigned)cpu) == 1;
}

static bool keep_cpu_dir(const char *name, const char *unused)
{
    (void)unused;
    return glob_digit_end(name, "cpu");
}

/* sysfs.GetUniqueCPUPropertyCount: distinct "<prop>_<package>" over online CPUs. */
static unsigned unique_cpu_property(struct ctx *c, const char *prop)
{
    struct cadv_name_list cpus, seen = {0};
    unsigned count;

    if (cadv_sysfs_list_dir(c->sys, CPU_DIR, keep_cpu_dir, NULL, &cpus) < 0)
        return 0;
    for (size_t i = 0; i < cpus.n; i++) {
        char path[PATH_MAX], val[64] = "0", pkg[64] = "0", key[130];
        int id = id_after(cpus.v[i], "cpu");
        bool dup = false;

        if (id < 0) {
            cadv_name_list_done(&seen);
            cadv_name_list_done(&cpus);
            return 0;
        }
        if (c->online_r != -ENOENT && !cpu_online(c, id))
            continue;
        if (pathf(path, CPU_DIR "/%s/topology/%s", cpus.v[i], prop) < 0 ||
            cadv_sysfs_read_trimmed(c->sys, path, val, sizeof(val)) < 0)
            (void)strcpy(val, "0");
        if (pathf(path, CPU_DIR "/%s/topology/physical_package_id", cpus.v[i]) < 0 ||
            cadv_sysfs_read_trimmed(c->sys, path, pkg, sizeof(pkg)) < 0)
            (void)strcpy(pkg, "0");
        (void)snprintf(key, sizeof(key), "%s_%s", val, pkg);
        for (size_t j = 0; j < seen.n && !dup; j++)
            dup = strcmp(seen.v[j], key) == 0;
        if (!dup) {
            char *k = cadv_xstrdup(key);

            push(&seen.v, &seen.n, &k, sizeof(k));
        }
    }
    count = (unsigned)seen.n;
    cadv_name_list_done(&seen);
    cadv_name_list_done(&cpus);
    return count;
}

/* ---- memory ---- */

static bool keep_contains(const char *name, const char *word)
{
    /* regexp "<word>[0-9]+" unanchored */
    for (const char *p = strstr(name, word); p; p = strstr(p + 1, word))
        if (p[strlen(word)] >= '0' && p[strlen(word)] <= '9')
            return true;
    return false;
}

static int cmp_mem_type(const void *a, const void *b)
{
    return strcmp(((const struct cadv_memory_type_info *)a)->type,
                  ((const struct cadv_memory_type_info *)b)->type);
}

static int add_dimm(struct ctx *c, struct cadv_machine_info *m, const char *mc, const char *dimm)
{
    char path[PATH_MAX], type[256], size[64];
    int64_t mb;
    size_t i;

    if (pathf(path, "devices/system/edac/mc/%s/%s/dimm_mem_type", mc, dimm) < 0 ||
        cadv_sysfs_read_trimmed(c->sys, path, type, sizeof(type)) < 0)
        return -EINVAL;
    if (pathf(path, "devices/system/edac/mc/%s/%s/size", mc, dimm) < 0 ||
        cadv_sysfs_read_trimmed(c->sys, path, size, sizeof(size)) < 0 || cadv_parse_i64(size, &mb) < 0 ||
        mb < 0 || mb > (int64_t)(UINT64_MAX >> 20))
        return -EINVAL;
    for (i = 0; i < m->n_memory_by_type && strcmp(m->memory_by_type[i].type, type) != 0; i++)
        ;
    if (i == m->n_memory_by_type) {
        struct cadv_memory_type_info t = {.type = cadv_xstrdup(type)};

        push(&m->memory_by_type, &m->n_memory_by_type, &t, sizeof(t));
    }
    m->memory_by_type[i].capacity += (uint64_t)mb << 20;
    m->memory_by_type[i].dimm_count++;
    return 0;
}

/* EDAC DIMMs by type. cAdvisor fails the whole machine info on a malformed DIMM; here the map is
 * left empty instead. Always non-NULL ({} in JSON). */
static void read_memory_by_type(struct ctx *c, struct cadv_machine_info *m)
{
    struct cadv_name_list mcs = {0};
    int r = 0;

    m->memory_by_type = cadv_xcalloc(1, sizeof(*m->memory_by_type));
    if (cadv_sysfs_list_dir(c->sys, "devices/system/edac/mc", keep_contains, "mc", &mcs) < 0)
        return;
    for (size_t i = 0; i < mcs.n && r == 0; i++) {
        struct cadv_name_list dimms = {0};
        char path[PATH_MAX];

        r = pathf(path, "devices/system/edac/mc/%s", mcs.v[i]);
        if (r == 0)
            r = cadv_sysfs_list_dir(c->sys, path, keep_contains, "dimm", &dimms);
        for (size_t j = 0; r == 0 && j < dimms.n; j++)
            r = add_dimm(c, m, mcs.v[i], dimms.v[j]);
        cadv_name_list_done(&dimms);
    }
    cadv_name_list_done(&mcs);
    if (r < 0) {
        for (size_t i = 0; i < m->n_memory_by_type; i++)
            free(m->memory_by_type[i].type);
        m->n_memory_by_type = 0;
    }
    if (m->n_memory_by_type > 1)
        qsort(m->memory_by_type, m->n_memory_by_type, sizeof(*m->memory_by_type), cmp_mem_type);
}

/* sysinfo.GetHugePagesInfo over dirfd/dir ("…/hugepages"): NULL when the directory is missing or
 * empty. Returns -EINVAL on an entry cAdvisor cannot parse. */
static int read_hugepages(int dirfd, const char *dir, struct cadv_hugepages_info **ret, size_t *ret_n)
{
    struct cadv_hugepages_info *hp = NULL;
    struct cadv_name_list l;
    size_t n = 0;
    int r = 0;

    if (cadv_sysfs_list_dir(dirfd, dir, NULL, NULL, &l) < 0) {
        *ret = NULL;
        *ret_n = 0;
        return 0;
    }
    for (size_t i = 0; i < l.n && r == 0; i++) {
        const char *dash = strchr(l.v[i], '-'), *kb;
        struct cadv_hugepages_info h;
        char path[PATH_MAX];
        int64_t nr;

        kb = dash ? strstr(dash + 1, "kB") : NULL;
        if (!dash ||
            cadv_parse_u64n(dash + 1, kb ? (size_t)(kb - dash - 1) : strlen(dash + 1), &h.page_size_kb) < 0 ||
            dash[1] == '+') {
            r = -EINVAL;
            break;
        }
        r = pathf(path, "%s/%s/nr_hugepages", dir, l.v[i]);
        if (r == 0)
            r = cadv_sysfs_read_scan(dirfd, path, true, &nr);
        if (r == 0) {
            h.num_pages = (uint64_t)nr;
            push(&hp, &n, &h, sizeof(h));
        }
    }
    cadv_name_list_done(&l);
    if (r < 0) {
        free(hp);
        return r;
    }
    *ret = hp;
    *ret_n = n;
    return 0;
}

/* ---- topology ---- */

struct raw_cache {
    struct cadv_cache_info info;
    int cpus;
};

static int read_cache(struct ctx *c, int cpu, const char *index, struct raw_cache *ret)
{
    struct raw_cache rc = {0};
    char path[PATH_MAX], buf[64];
    int64_t v = 0;
    size_t len, used;
    int r;

    if (!c->s390x) {
        if ((r = pathf(path, CPU_DIR "/cpu%d/cache/%s/id", cpu, index)) < 0 ||
            (r = cadv_sysfs_read_scan(c->sys, path, false, &v)) < 0)
            return r;
        rc.info.id = (int)v;
    }
    if ((r = pathf(path, CPU_DIR "/cpu%d/cache/%s/size", cpu, index)) < 0 ||
        (r = cadv_read_at(c->sys, path, buf, sizeof(buf), &len)) < 0)
        return r;
    if (cadv_sysfs_scan_i64(buf, len, &v, &used) < 0 || v < 0 || used >= len || buf[used] != 'K' ||
        (uint64_t)v > UINT64_MAX / 1024)
        return -EINVAL;
    rc.info.size_bytes = (uint64_t)v * 1024;
    if ((r = pathf(path, CPU_DIR "/cpu%d/cache/%s/level", cpu, index)) < 0 ||
        (r = cadv_sysfs_read_scan(c->sys, path, false, &v)) < 0)
        return r;
    rc.info.level = (int)v;
    if ((r = pathf(path, CPU_DIR "/cpu%d/cache/%s/type", cpu, index)) < 0 ||
        (r = cadv_sysfs_read_trimmed(c->sys, path, buf, sizeof(buf))) < 0)
        return r;
    len = strnlen(buf, sizeof(rc.info.type) - 1);
    memcpy(rc.info.type, buf, len);
    rc.info.type[len] = '\0';
    if ((r = pathf(path, CPU_DIR "/cpu%d/cache/%s/shared_cpu_map", cpu, index)) < 0 ||
        (r = cadv_read_at(c->sys, path, buf, sizeof(buf), &len)) < 0)
        return r;
    if ((rc.cpus = cadv_sysfs_cpumask_weight(buf, len)) < 0)
        return -EINVAL;
    *ret = rc;
    return 0;
}

static bool cache_in(const struct cadv_cache_info *arr, size_t n, const struct cadv_cache_info *c)
{
    for (size_t i = 0; i < n; i++)
        if (arr[i].id == c->id && arr[i].size_bytes == c->size_bytes && arr[i].level == c->level &&
            strcmp(arr[i].type, c->type) == 0)
            return true;
    return false;
}

static bool keep_index(const char *name, const char *unused)
{
    (void)unused;
    return has_prefix(name, "index");
}

/* Places one cache as sysinfo.addCacheInfo does: level <= 2 shared by exactly the core's threads
 * on the core, level >= 3 shared by the node's threads on the node (once), other level >= 3 in the
 * core's uncore caches (once); any other cache is dropped. */
static void place_cache(struct cadv_node_info *node, struct cadv_core_info *core, const struct raw_cache *rc)
{
    int per_core = (int)core->n_threads, per_node = (int)node->n_cores * per_core;

    if (rc->info.level <= 2) {
        if (rc->cpus == per_core)
            push(&core->caches, &core->n_caches, &rc->info, sizeof(rc->info));
    } else if (rc->cpus == per_node) {
        if (!cache_in(node->caches, node->n_caches, &rc->info))
            push(&node->caches, &node->n_caches, &rc->info, sizeof(rc->info));
    } else if (!cache_in(core->uncore_caches, core->n_uncore_caches, &rc->info)) {
        push(&core->uncore_caches, &core->n_uncore_caches, &rc->info, sizeof(rc->info));
    }
}

/* sysinfo.addCacheInfo: caches of each core's first thread; stops at the first unreadable one,
 * keeping what was placed. */
static void add_caches(struct ctx *c, struct cadv_node_info *node)
{
    for (size_t ci = 0; ci < node->n_cores; ci++) {
        struct cadv_core_info *core = &node->cores[ci];
        struct cadv_name_list idx;
        int r = 0;
        char path[PATH_MAX];

        if (pathf(path, CPU_DIR "/cpu%d/cache", core->thread_ids[0]) < 0 ||
            cadv_sysfs_list_dir(c->sys, path, keep_index, NULL, &idx) < 0)
            return;
        for (size_t i = 0; i < idx.n && r == 0; i++) {
            struct raw_cache rc;

            r = read_cache(c, core->thread_ids[0], idx.v[i], &rc);
            if (r == 0)
                place_cache(node, core, &rc);
        }
        cadv_name_list_done(&idx);
        if (r < 0)
            return;
    }
}

static int read_s390_id(struct ctx *c, const char *base, const char *cpu, const char *what, char **ret)
{
    char path[PATH_MAX], buf[64];
    int r = pathf(path, "%s/%s/topology/%s", base, cpu, what);

    if (r == 0)
        r = cadv_sysfs_read_trimmed(c->sys, path, buf, sizeof(buf));
    if (r == 0)
        *ret = cadv_xstrdup(buf);
    return r;
}

/* One CPU of sysinfo.getCoresInfo: 1 if added, 0 if skipped, or a negative errno. */
static int add_cpu(struct ctx *c, const char *base, const char *name, struct cadv_core_info **cores,
                   size_t *n)
{
    char path[PATH_MAX], *book = NULL, *drawer = NULL;
    int cpu = id_after(name, "cpu"), core_id, pkg, r;
    struct cadv_core_info *core = NULL;

    if (cpu < 0)
        return -EINVAL;
    if (!cpu_online(c, cpu))
        return 0;
    if ((r = pathf(path, "%s/%s/topology/core_id", base, name)) < 0 ||
        (r = cadv_sysfs_read_atoi(c->sys, path, &core_id)) < 0)
        return r == -ENOENT ? 0 : r;
    if ((r = pathf(path, "%s/%s/topology/physical_package_id", base, name)) < 0 ||
        (r = cadv_sysfs_read_atoi(c->sys, path, &pkg)) < 0)
        return r == -ENOENT ? 0 : r;
    if (c->s390x) {
        r = read_s390_id(c, base, name, "book_id", &book);
        if (r == 0)
            r = read_s390_id(c, base, name, "drawer_id", &drawer);
        if (r < 0) {
            free(book);
            return r == -ENOENT ? 0 : r;
        }
    }
    for (size_t i = 0; i < *n; i++) {
        struct cadv_core_info *k = &(*cores)[i];

        if (k->core_id == core_id && k->socket_id == pkg &&
            (!c->s390x || (str_eq(k->book_id, book) && str_eq(k->drawer_id, drawer))))
            core = k;
    }
    if (!core) {
        struct cadv_core_info k = {.core_id = core_id, .socket_id = pkg};

        push(cores, n, &k, sizeof(k));
        core = &(*cores)[*n - 1];
    }
    free(core->book_id);
    free(core->drawer_id);
    core->book_id = book;
    core->drawer_id = drawer;
    push(&core->thread_ids, &core->n_threads, &cpu, sizeof(cpu));
    return 1;
}

/* sysinfo.getCoresInfo over the CPU directories names of base. Always a non-NULL array. */
static int read_cores(struct ctx *c, const char *base, char **names, size_t n_names,
                      struct cadv_node_info *node)
{
    struct cadv_core_info *cores = cadv_xcalloc(1, sizeof(*cores));
    size_t n = 0;

    for (size_t i = 0; i < n_names; i++) {
        int r = add_cpu(c, base, names[i], &cores, &n);

        if (r < 0) {
            struct cadv_node_info partial = {.cores = cores, .n_cores = n};

            cadv_machine_topology_free(&partial, 1);
            return r;
        }
    }
    node->cores = cores;
    node->n_cores = n;
    return 0;
}

static int read_distances(struct ctx *c, const char *node_dir, struct cadv_node_info *node)
{
    char path[PATH_MAX], buf[SMALL_FILE_MAX];
    int r = pathf(path, "%s/distance", node_dir);

    if (r < 0)
        return r;
    if (cadv_sysfs_read_trimmed(c->sys, path, buf, sizeof(buf)) < 0)
        return 0; /* no distances: null */
    node->distances = cadv_xcalloc(1, sizeof(*node->distances));
    for (char *save = NULL, *p = buf;; p = NULL) {
        char *tok = strtok_r(p, " ", &save);
        uint64_t d;

        if (!tok && node->n_distances > 0)
            break;
        if (!tok || *tok == '+' || cadv_parse_u64(tok, &d) < 0)
            return -EINVAL;
        push(&node->distances, &node->n_distances, &d, sizeof(d));
    }
    return 0;
}

static int read_numa_node(struct ctx *c, const char *name, struct cadv_node_info *node)
{
    char dir[PATH_MAX], path[PATH_MAX], *meminfo;
    struct cadv_name_list cpus = {0};
    size_t len;
    int r;

    node->node_id = id_after(name, "node");
    if (node->node_id < 0 || pathf(dir, "devices/system/node/%s", name) < 0)
        return -EINVAL;
    if (cadv_sysfs_list_dir(c->sys, dir, keep_cpu_dir, NULL, &cpus) == 0 && cpus.n > 0) {
        r = read_cores(c, dir, cpus.v, cpus.n, node);
        cadv_name_list_done(&cpus);
        if (r < 0)
            return r;
    }
    add_caches(c, node);
    if ((r = pathf(path, "%s/meminfo", dir)) < 0)
        return r;
    if (cadv_read_file_at(c->sys, path, CADV_PROCFS_FILE_MAX, &meminfo, &len) == 0) {
        r = cadv_procfs_meminfo_bytes(meminfo, len, "MemTotal", &node->memory_bytes);
        free(meminfo);
        if (r < 0)
            return -EINVAL;
    }
    if ((r = pathf(path, "%s/hugepages", dir)) < 0 ||
        (r = read_hugepages(c->sys, path, &node->hugepages, &node->n_hugepages)) < 0)
        return r;
    return read_distances(c, dir, node);
}

struct package {
    int id;
    struct cadv_name_list cpus;
};

static int cmp_package(const void *a, const void *b)
{
    const struct package *x = a, *y = b;

    return (x->id > y->id) - (x->id < y->id);
}

/* Groups CPU directories by physical package (sysinfo.getCpusByPhysicalPackageID). */
static int group_packages(struct ctx *c, const struct cadv_name_list *cpus, struct package **ret,
                          size_t *ret_n)
{
    struct package *pk = NULL;
    size_t n = 0, i;
    int r = 0;

    for (size_t k = 0; k < cpus->n && r == 0; k++) {
        char path[PATH_MAX], *name;
        int id = 0;

        r = pathf(path, CPU_DIR "/%s/topology/physical_package_id", cpus->v[k]);
        if (r == 0 && (r = cadv_sysfs_read_atoi(c->sys, path, &id)) == -ENOENT) {
            r = 0;
            continue;
        }
        if (r < 0)
            break;
        for (i = 0; i < n && pk[i].id != id; i++)
            ;
        if (i == n) {
            struct package p = {.id = id};

            push(&pk, &n, &p, sizeof(p));
        }
        name = cadv_xstrdup(cpus->v[k]);
        push(&pk[i].cpus.v, &pk[i].cpus.n, &name, sizeof(name));
    }
    if (n > 1)
        qsort(pk, n, sizeof(*pk), cmp_package);
    *ret = pk;
    *ret_n = n;
    return r;
}

/* sysinfo.getCPUTopology: "nodes" are physical packages; num_cores counts every CPU directory. */
static int read_package_topology(struct ctx *c, struct cadv_machine_info *m)
{
    struct cadv_name_list cpus = {0};
    struct package *pk = NULL;
    size_t n_pk = 0;
    int r;

    if (cadv_sysfs_list_dir(c->sys, CPU_DIR, keep_cpu_dir, NULL, &cpus) < 0 || cpus.n == 0) {
        cadv_name_list_done(&cpus);
        return -ENOENT;
    }
    r = group_packages(c, &cpus, &pk, &n_pk);
    if (r == 0 && n_pk > 0) {
        m->topology = cadv_xcalloc(n_pk, sizeof(*m->topology));
        for (size_t i = 0; i < n_pk && r == 0; i++, m->n_nodes++) {
            m->topology[i].node_id = pk[i].id;
            r = read_cores(c, CPU_DIR, pk[i].cpus.v, pk[i].cpus.n, &m->topology[i]);
            if (r == 0)
                add_caches(c, &m->topology[i]);
        }
    }
    for (size_t i = 0; i < n_pk; i++)
        cadv_name_list_done(&pk[i].cpus);
    free(pk);
    if (r == 0)
        m->num_cores = (int)cpus.n;
    cadv_name_list_done(&cpus);
    return r;
}

static bool keep_node_dir(const char *name, const char *unused)
{
    (void)unused;
    return glob_digit_end(name, "node");
}

/* sysinfo.GetNodesInfo: on any error the topology is null and num_cores 0, as in cAdvisor. */
static void read_topology(struct ctx *c, struct cadv_machine_info *m)
{
    struct cadv_name_list nodes = {0};
    int r = 0;

    if (cadv_sysfs_list_dir(c->sys, "devices/system/node", keep_node_dir, NULL, &nodes) < 0 || nodes.n == 0) {
        cadv_name_list_done(&nodes);
        r = read_package_topology(c, m);
    } else {
        m->topology = cadv_xcalloc(nodes.n, sizeof(*m->topology));
        for (size_t i = 0; i < nodes.n && r == 0; i++) {
            r = read_numa_node(c, nodes.v[i], &m->topology[i]);
            m->n_nodes++;
            for (size_t k = 0; k < m->topology[i].n_cores; k++)
                m->num_cores += (int)m->topology[i].cores[k].n_threads;
        }
        cadv_name_list_done(&nodes);
    }
    if (r < 0) {
        cadv_log(CADV_LOG_DEBUG, "machine: topology unavailable: %s", strerror(-r));
        cadv_machine_topology_free(m->topology, m->n_nodes);
        free(m->topology);
        m->topology = NULL;
        m->n_nodes = 0;
        m->num_cores = 0;
    }
}

/* ---- block and network devices ---- */

/* regexp `.*\[(.*)\].*` on the first line holding "[...]"; "none" otherwise. */
static char *parse_scheduler(const char *buf, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        const char *rb = NULL, *lb = NULL;

        for (size_t i = 0; i < n; i++)
            if (line[i] == ']')
                rb = line + i;
        for (const char *p = line; rb && p < rb; p++)
            if (*p == '[')
                lb = p;
        if (lb)
            return cadv_xstrndup(lb + 1, (size_t)(rb - lb - 1));
        pos += n + 1;
    }
    return cadv_xstrdup("none");
}

static int read_disk(struct ctx *c, const char *name, struct cadv_disk_info *ret)
{
    char path[PATH_MAX], buf[SMALL_FILE_MAX];
    int64_t major, minor;
    size_t len, used;
    uint64_t size;
    int r;

    if ((r = pathf(path, "block/%s/hidden", name)) < 0)
        return r;
    r = cadv_sysfs_read_trimmed(c->sys, path, buf, sizeof(buf));
    if (r == 0 && strcmp(buf, "1") == 0)
        return 0;
    if (r < 0 && r != -ENOENT)
        return r;
    if ((r = pathf(path, "block/%s/dev", name)) < 0 ||
        (r = cadv_read_at(c->sys, path, buf, sizeof(buf), &len)) < 0)
        return r;
    if (cadv_sysfs_scan_i64(buf, len, &major, &used) < 0 || major < 0 || used >= len || buf[used] != ':' ||
        cadv_sysfs_scan_i64(buf + used + 1, len - used - 1, &minor, NULL) < 0 || minor < 0)
        return -EINVAL;
    if ((r = pathf(path, "block/%s/size", name)) < 0 ||
        (r = cadv_sysfs_read_trimmed(c->sys, path, buf, sizeof(buf))) < 0)
        return r;
    if (*buf == '+' || cadv_parse_u64(buf, &size) < 0)
        return -EINVAL;
    *ret = (struct cadv_disk_info){
            .name = cadv_xstrdup(name),
            .dev_path = cadv_xasprintf("/dev/%s", name),
            .major = (uint64_t)major,
            .minor = (uint64_t)minor,
            .size_bytes = size * 512,
    };
    if (pathf(path, "block/%s/queue/scheduler", name) == 0 &&
        cadv_read_at(c->sys, path, buf, sizeof(buf), &len) == 0)
        ret->scheduler = parse_scheduler(buf, len);
    else
        ret->scheduler = cadv_xstrdup("none");
    return 1;
}

static int cmp_disk_key(const void *a, const void *b)
{
    const struct cadv_disk_info *x = a, *y = b;
    char kx[48], ky[48];

    (void)snprintf(kx, sizeof(kx), "%llu:%llu", (unsigned long long)x->major, (unsigned long long)x->minor);
    (void)snprintf(ky, sizeof(ky), "%llu:%llu", (unsigned long long)y->major, (unsigned long long)y->minor);
    return strcmp(kx, ky);
}

/* sysinfo.GetBlockDeviceInfo; sorted by "major:minor" as Go writes map keys. NULL on any error. */
static void read_disks(struct ctx *c, struct cadv_machine_info *m)
{
    struct cadv_disk_info *disks;
    struct cadv_name_list l;
    size_t n = 0;
    int r = 0;

    if (cadv_sysfs_list_dir(c->sys, "block", NULL, NULL, &l) < 0)
        return;
    disks = cadv_xcalloc(1, sizeof(*disks));
    for (size_t i = 0; i < l.n && r >= 0; i++) {
        struct cadv_disk_info d;

        if (has_prefix(l.v[i], "loop") || has_prefix(l.v[i], "ram") || has_prefix(l.v[i], "sr"))
            continue;
        r = read_disk(c, l.v[i], &d);
        if (r > 0)
            push(&disks, &n, &d, sizeof(d));
    }
    cadv_name_list_done(&l);
    if (r < 0) {
        cadv_log(CADV_LOG_DEBUG, "machine: disk map unavailable: %s", strerror(-r));
        for (size_t i = 0; i < n; i++) {
            free(disks[i].name);
            free(disks[i].dev_path);
            free(disks[i].scheduler);
        }
        free(disks);
        return;
    }
    if (n > 1)
        qsort(disks, n, sizeof(*disks), cmp_disk_key);
    m->disks = disks;
    m->n_disks = n;
}

static int read_netdev(struct ctx *c, const char *name, struct cadv_netdev_info *ret)
{
    char path[PATH_MAX], addr[SMALL_FILE_MAX];
    int64_t mtu, speed = 0;
    size_t len;
    int r;

    if ((r = pathf(path, "class/net/%s/address", name)) < 0 ||
        (r = cadv_sysfs_read_trimmed(c->sys, path, addr, sizeof(addr) / 2)) < 0)
        return r;
    if ((r = pathf(path, "class/net/%s/mtu", name)) < 0 ||
        (r = cadv_sysfs_read_scan(c->sys, path, false, &mtu)) < 0)
        return r;
    /* speed is optional: unreadable (link down, virtual device) gives 0; readable but not a number
     * fails the whole list, as in cAdvisor. */
    if ((r = pathf(path, "class/net/%s/speed", name)) < 0)
        return r;
    if (cadv_read_at(c->sys, path, addr + sizeof(addr) / 2, sizeof(addr) / 2, &len) == 0 &&
        cadv_sysfs_scan_i64(addr + sizeof(addr) / 2, len, &speed, NULL) < 0)
        return -EINVAL;
    *ret = (struct cadv_netdev_info){
            .name = cadv_xstrdup(name),
            .mac_address = cadv_xstrdup(addr),
            .speed_mbps = speed,
            .mtu = mtu,
    };
    return 0;
}

/* sysinfo.GetNetworkDevices: non-NULL (possibly empty) unless something is unreadable. */
static void read_netdevs(struct ctx *c, struct cadv_machine_info *m)
{
    static const char *const skip[] = {"lo", "veth", "docker", "nerdctl"};
    struct cadv_netdev_info *devs;
    struct cadv_name_list l;
    size_t n = 0;
    int r = 0;

    if (cadv_sysfs_list_dir(c->sys, "class/net", NULL, NULL, &l) < 0)
        return;
    devs = cadv_xcalloc(1, sizeof(*devs));
    for (size_t i = 0; i < l.n && r == 0; i++) {
        struct cadv_netdev_info d;
        char path[PATH_MAX];
        struct stat st;
        bool skipped = false;

        if (pathf(path, "class/net/%s", l.v[i]) < 0 || fstatat(c->sys, path, &st, 0) < 0 ||
            !S_ISDIR(st.st_mode))
            continue;
        for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
            skipped = skipped || has_prefix(l.v[i], skip[k]);
        if (skipped)
            continue;
        r = read_netdev(c, l.v[i], &d);
        if (r == 0)
            push(&devs, &n, &d, sizeof(d));
    }
    cadv_name_list_done(&l);
    if (r < 0) {
        cadv_log(CADV_LOG_DEBUG, "machine: network devices unavailable: %s", strerror(-r));
        for (size_t i = 0; i < n; i++) {
            free(devs[i].name);
            free(devs[i].mac_address);
        }
        free(devs);
        return;
    }
    m->netdevs = devs;
    m->n_netdevs = n;
}

/* ---- filesystems ---- */

static const char *rel(const char *path)
{
    while (*path == '/')
        path++;
    return *path ? path : ".";
}

static void add_fs(struct cadv_machine_info *m, const struct cadv_fs_part *p, const struct cadv_fs_stats *st)
{
    struct cadv_fs_info f = {
            .device = cadv_xstrdup(p->device),
            .mountpoint = cadv_xstrdup(p->mountpoint),
            .type = cadv_xstrdup(p->fstype),
            .kind = cadv_xstrdup("vfs"),
            .major = p->major,
            .minor = p->minor,
            .capacity = st->capacity,
            .free_bytes = st->capacity - st->usage,
            .available = st->available,
            .inodes = st->inodes,
            .inodes_free = st->inodes_free,
            .has_inodes = true,
    };

    push(&m->filesystems, &m->n_filesystems, &f, sizeof(f));
}

/* MachineInfo.Filesystems from a measured inventory: the partitions a cAdvisor plugin claims (the
 * "/" mount of another type is in the inventory for its label only) that statvfs measured (a
 * missing mount point has no figures; a failed or timed-out statvfs is not in meas). */
static void fill_filesystems(struct cadv_machine_info *m, const struct cadv_fs_inventory *inv,
                             const struct cadv_fs_measurement *meas)
{
    for (size_t i = 0; i < meas->n; i++) {
        const struct cadv_fs_part *p = meas->part[i] < inv->n_parts ? &inv->parts[meas->part[i]] : NULL;

        if (p && cadv_mountinfo_fs_type_claimed(p->fstype) && meas->stats[i].type[0])
            add_fs(m, p, &meas->stats[i]);
    }
}

/* fs.NewFsInfo + GetGlobalFsInfo: the filesystem inventory and its measurement (collect/fs.h), the
 * caller's when given, else read and measured here. */
static void read_filesystems(struct ctx *c, const struct cadv_machine_roots *roots,
                             struct cadv_machine_info *m)
{
    struct cadv_fs_inventory inv;
    struct cadv_fs_measurement meas;
    size_t len;
    char *buf;

    if (roots->fs_inventory && roots->fs_measurement) {
        fill_filesystems(m, roots->fs_inventory, roots->fs_measurement);
        return;
    }
    if (cadv_read_file_at(c->proc, "self/mountinfo", CADV_MOUNTINFO_FILE_MAX, &buf, &len) < 0)
        return;
    cadv_fs_inventory_parse(buf, len, c->root, NULL, &inv);
    free(buf);
    cadv_fs_measure(&inv, -1, c->root, STATFS_TIMEOUT_NS, NULL, NULL, &meas);
    fill_filesystems(m, &inv, &meas);
    cadv_fs_measurement_done(&meas);
    cadv_fs_inventory_done(&inv);
}

/* ---- identity and versions ---- */

/* Reads the first readable file of a comma list (machine.getInfoFromFiles); "" if none. */
static char *read_id_files(struct ctx *c, const char *list)
{
    char *copy = cadv_xstrdup(list), *save = NULL, buf[SMALL_FILE_MAX];

    for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        int fd = has_prefix(p, "/proc/") ? c->proc : c->root;
        const char *path = has_prefix(p, "/proc/") ? p + strlen("/proc/") : rel(p);

        if (cadv_sysfs_read_trimmed(fd, path, buf, sizeof(buf)) == 0) {
            free(copy);
            return cadv_xstrdup(buf);
        }
    }
    free(copy);
    return cadv_xstrdup("");
}

/* sysfs.GetSystemUUID. */
static char *read_system_uuid(struct ctx *c)
{
    static const char *const dt[] = {"device-tree/system-id", "device-tree/vm,uuid"};
    char buf[SMALL_FILE_MAX];
    size_t len;

    if (cadv_sysfs_read_trimmed(c->sys, "class/dmi/id/product_uuid", buf, sizeof(buf)) == 0)
        return cadv_xstrdup(buf);
    for (size_t i = 0; i < 2; i++) {
        if (cadv_read_at(c->proc, dt[i], buf, sizeof(buf), &len) < 0)
            continue;
        while (len > 0 && buf[len - 1] == '\0')
            len--;
        buf[len] = '\0';
        cadv_sysfs_trim(buf);
        return cadv_xstrdup(buf);
    }
    if (cadv_sysfs_read_trimmed(c->root, "etc/machine-id", buf, sizeof(buf)) == 0)
        return cadv_xstrdup(buf);
    return cadv_xstrdup("");
}

static void read_versions(struct ctx *c, struct cadv_machine_info *m)
{
    char buf[SMALL_FILE_MAX], name[1024];
    struct utsname u;
    size_t len;
    int r;

    if (cadv_sysfs_read_trimmed(c->proc, "sys/kernel/osrelease", buf, sizeof(buf)) == 0)
        m->kernel_version = cadv_xstrdup(buf);
    else
        m->kernel_version = cadv_xstrdup(uname(&u) == 0 ? u.release : "Unknown");
    r = cadv_read_at(c->root, "etc/os-release", buf, sizeof(buf), &len);
    if (r == -ENOENT)
        r = cadv_read_at(c->root, "usr/lib/os-release", buf, sizeof(buf), &len);
    if (r < 0) {
        m->os_version = cadv_xstrdup("Unknown");
        return;
    }
    cadv_procfs_os_pretty_name(buf, len, name, sizeof(name));
    m->os_version = cadv_xstrdup(name);
}

/* ---- entry point ---- */

static int read_cpu_memory(struct ctx *c, struct cadv_machine_info *m)
{
    struct cadv_cpuinfo ci;
    char *buf;
    size_t len;
    int r;

    if ((r = cadv_read_file_at(c->proc, "cpuinfo", CADV_PROCFS_FILE_MAX, &buf, &len)) < 0)
        return r;
    cadv_procfs_parse_cpuinfo(buf, len, &ci);
    free(buf);
    if ((r = read_clock_khz(c, &ci, &m->cpu_frequency_khz)) < 0)
        return r;
    m->vendor_id = cadv_xstrdup(ci.vendor_id);
    m->num_physical_cores = ci.core_ids ? (int)ci.core_ids : (int)unique_cpu_property(c, "core_id");
    m->num_sockets =
            ci.physical_ids ? (int)ci.physical_ids : (int)unique_cpu_property(c, "physical_package_id");
    if (c->s390x) {
        m->num_books = ci.book_ids ? (int)ci.book_ids : (int)unique_cpu_property(c, "book_id");
        m->num_drawers = ci.drawer_ids ? (int)ci.drawer_ids : (int)unique_cpu_property(c, "drawer_id");
    }
    if ((r = cadv_read_file_at(c->proc, "meminfo", CADV_PROCFS_FILE_MAX, &buf, &len)) < 0)
        return r;
    r = cadv_procfs_meminfo_bytes(buf, len, "MemTotal", &m->memory_capacity);
    if (r == 0)
        r = cadv_procfs_meminfo_bytes(buf, len, "SwapTotal", &m->swap_capacity);
    free(buf);
    return r < 0 ? -EINVAL : 0;
}

static int open_root(const char *path, const char *def)
{
    int fd = open(path ? path : def, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    return fd < 0 ? -errno : fd;
}

static int ctx_open(struct ctx *c, const struct cadv_machine_roots *roots)
{
    static const struct cadv_machine_roots none = {0};
    struct utsname u;

    if (!roots)
        roots = &none;
    *c = (struct ctx){.proc = -1, .sys = -1, .root = -1};
    if ((c->proc = open_root(roots->proc_root, "/proc")) < 0 ||
        (c->sys = open_root(roots->sys_root, "/sys")) < 0 || (c->root = open_root(roots->rootfs, "/")) < 0)
        return c->proc < 0 ? c->proc : c->sys < 0 ? c->sys : c->root;
    if (uname(&u) == 0) {
        c->s390x = strstr(u.machine, "390") != NULL;
        c->no_cpuinfo_clock = c->s390x || strstr(u.machine, "mips64") || strstr(u.machine, "aarch64") ||
                              strstr(u.machine, "arm") || strstr(u.machine, "riscv64");
    }
    c->online_r = cadv_read_at(c->sys, CPU_DIR "/online", c->online, sizeof(c->online), &c->online_len);
    return 0;
}

static void ctx_close(struct ctx *c)
{
    if (c->proc >= 0)
        close(c->proc);
    if (c->sys >= 0)
        close(c->sys);
    if (c->root >= 0)
        close(c->root);
}

int cadv_machine_info_read(const struct cadv_machine_roots *roots, struct cadv_machine_info **ret)
{
    static const struct cadv_machine_roots none = {0};
    const char *machine_id_files = roots && roots->machine_id_files
                                           ? roots->machine_id_files
                                           : "/etc/machine-id,/var/lib/dbus/machine-id";
    const char *boot_id_files =
            roots && roots->boot_id_files ? roots->boot_id_files : "/proc/sys/kernel/random/boot_id";
    struct cadv_machine_info *m;
    struct ctx c;
    int r;

    if (!roots)
        roots = &none;
    r = ctx_open(&c, roots);
    if (r < 0) {
        ctx_close(&c);
        return r;
    }
    m = cadv_machine_info_new();
    m->timestamp_ns = cadv_now_ns();
    r = read_cpu_memory(&c, m);
    if (r < 0) {
        ctx_close(&c);
        cadv_machine_info_unref(m);
        return r;
    }
    read_memory_by_type(&c, m);
    if (read_hugepages(c.sys, "kernel/mm/hugepages", &m->hugepages, &m->n_hugepages) < 0)
        m->hugepages = NULL;
    read_filesystems(&c, roots, m);
    read_disks(&c, m);
    read_netdevs(&c, m);
    read_topology(&c, m);
    m->machine_id = read_id_files(&c, machine_id_files);
    m->system_uuid = read_system_uuid(&c);
    m->boot_id = read_id_files(&c, boot_id_files);
    m->cloud_provider = cadv_xstrdup("Unknown");
    m->instance_type = cadv_xstrdup("Unknown");
    m->instance_id = cadv_xstrdup("");
    read_versions(&c, m);
    ctx_close(&c);
    *ret = m;
    return 0;
}
