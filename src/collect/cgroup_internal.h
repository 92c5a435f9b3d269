/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup_internal.h - what cgroup.c (layout detection, handles, fd budget, dispatch) shares with the
 * version-specific readers cgroup_v1.c and cgroup_v2.c: the root and handle structs, the ops table
 * and helpers for kept-open file slots. Private to src/collect/cgroup*.c.
 *
 * Directories: a cgroup holds no directory fds. Its directory in hierarchy i is named by the id i
 * (CADV_CG_UDIR for the hybrid unified mount) and reached as <root fd of i>/<rel>/<file> with
 * openat, so the only fds a container keeps are file slots, all counted in the root's fd budget.
 *
 * File slots: each version numbers the files it reads every cycle; at open a slot is probed once and
 * either kept open (fd within the budget), marked to be opened on each read, or marked absent (the
 * file does not exist in this cgroup: the reader then sees -ENODATA without a syscall). Absent slots
 * are probed again by cadv_cgroup_read_spec (cgroup2 ones at each refresh, v1 ones at every
 * CADV_CG_V1_REPROBE-th), since a parent may enable a controller later (or a module such as bfq add
 * files to v1 hierarchies). */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/cgroup.h"
#include "collect/cgroup_bpf.h"
#include "model/sample.h"

struct cadv_spec;

/* The v1 controllers cadv tracks (cAdvisor's needed subsystems); on v2 all map to the one root. */
enum cadv_cg_ctl {
    CADV_CG_CPU,
    CADV_CG_CPUACCT,
    CADV_CG_MEMORY,
    CADV_CG_BLKIO,
    CADV_CG_PIDS,
    CADV_CG_CPUSET,
    CADV_CG_HUGETLB,
    CADV_CG_DEVICES,
    CADV_CG_PERF_EVENT,
    _CADV_CG_CTL_MAX,
};

#define CADV_CG_MAX_HIER       16
/* Absent v1 file slots are probed again at every this many spec refreshes (cgroup2 ones at each). */
#define CADV_CG_V1_REPROBE     6
/* Directory id of the hybrid unified (cgroup2) directory; 0..n_hier-1 are the root's hierarchies. */
#define CADV_CG_UDIR           CADV_CG_MAX_HIER
#define CADV_CG_MAX_FILES      40
/* Scratch buffer sizes: the largest file read (memory.stat, io.stat, usage_percpu) and small ones. */
#define CADV_CG_BIG_BUF        65536
#define CADV_CG_SMALL_BUF      4096
/* Bounds of the schedstat walk (sched kind). */
#define CADV_CG_SCHED_MAX_PIDS 4096
#define CADV_CG_SCHED_MAX_DIRS 256

enum {
    CADV_CG_FILE_REOPEN = -1, /* present, opened on each read (budget exhausted or keep=false) */
    CADV_CG_FILE_ABSENT = -2, /* not in this cgroup (or its directory is not) */
};

struct cadv_cg_hier {
    int fd;
    char *path;        /* absolute */
    char *controllers; /* directory name ("cpu,cpuacct"), "" for cgroup2 */
    uint32_t ctl_mask; /* 1 << enum cadv_cg_ctl */
    bool is_v2;
};

struct cadv_cgroup;

struct cadv_cgroup_ops {
    const char *name;
    /* Registers file slots and caches settings, after the directories are open. */
    void (*setup)(struct cadv_cgroup *cg);
    int (*read_stats)(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s);
    /* The hot tier only (cgroup.h cadv_cgroup_read_hot). */
    int (*read_hot)(struct cadv_cgroup *cg, struct cadv_sample *s);
    /* Fills the cgroup part of the spec (creation time is done by cgroup.c). */
    int (*read_spec)(struct cadv_cgroup *cg, struct cadv_spec *spec);
    /* Directory id whose cgroup.procs lists the container's own processes, or -1. */
    int (*procs_dir)(const struct cadv_cgroup *cg);
    /* Name of the file whose mtime joins the creation time ("cgroup.clone_children"/"cgroup.events"). */
    const char *creation_marker;
};

extern const struct cadv_cgroup_ops cadv_cgroup_v1_ops;
extern const struct cadv_cgroup_ops cadv_cgroup_v2_ops;

struct cadv_cgroup_root {
    char *path;
    enum cadv_cgroup_mode mode;
    const struct cadv_cgroup_ops *ops;
    uint32_t kinds;
    struct cadv_cg_hier hier[CADV_CG_MAX_HIER]; /* hierarchies walked/watched, each fd owned */
    struct cadv_cgroup_hierarchy pub[CADV_CG_MAX_HIER];
    size_t n_hier;
    int ctl_hier[_CADV_CG_CTL_MAX]; /* index into hier, -1 if the controller is not tracked */
    int unified_fd;                 /* hybrid: <root>/unified (owned); -1 otherwise */
    int proc_fd;                    /* proc_root, -1 if it could not be opened */
    int fd_budget;
    atomic_int fds_held;
    uint64_t boot_time_ns;
    unsigned ncpus;
    bool check_liveness; /* not a cgroupfs (fixture tree): kept fds do not see rmdir */
};

struct cadv_cg_file {
    int fd;           /* >= 0 kept open, or CADV_CG_FILE_REOPEN / CADV_CG_FILE_ABSENT */
    int dir;          /* directory id, -1 for none */
    const char *name; /* static string */
    bool keep;
};

struct cadv_cg_hugetlb {
    char size[12]; /* "2MB", "1GB", "64KB" */
    bool rsvd;     /* the hugetlb.<size>.rsvd.* files exist and are preferred */
};

struct cadv_cg_sched;

struct cadv_cgroup {
    struct cadv_cgroup_root *root;
    char *name; /* "/" or "/a/b" */
    char *rel;  /* "." or "a/b" */
    size_t rel_len;
    uint32_t dirs; /* bit d: the cgroup's directory d exists (d < n_hier, or CADV_CG_UDIR) */
    struct cadv_cg_file files[CADV_CG_MAX_FILES];
    /* Settings cached by setup/read_spec for read_stats. */
    bool use_hierarchy;
    uint64_t threads_max;
    uint64_t memory_migrate;
    struct cadv_cg_hugetlb huge[CADV_MAX_HUGETLB];
    unsigned n_huge;
    struct cadv_cg_sched *sched; /* lazily allocated by the sched kind */
    uint64_t creation_ns;        /* computed by the first spec read (0: not yet) */
    unsigned spec_reads;         /* spec refreshes so far (paces the v1 re-probe) */
    /* v1 blkio: the file group in use (its first file had entries), -1 while none has; a full probe
     * in libcontainer's order is due when blkio_probe is set (spec refresh) or the group empties. */
    int blkio_group;
    bool blkio_probe;
    /* v1 cpuacct.stat as last read (stat_known), and the cpuacct.usage read before it. The file prints
     * cputime_adjust's split of that usage, which changes only when the usage does, so while the usage
     * is the same its figures are reused (cgroup_v1.c v1_cpuacct). */
    bool stat_known;
    uint64_t stat_usage_ns, stat_user_ns, stat_system_ns;
    /* The hybrid's PSI files as last read (cgroup.c cadv_cgroup__psi_read): per file (cpu, memory,
     * io), its totals where it showed all averages at zero; the BPF pass's stall time sum that preceded
     * those reads, and whether this read found it unchanged with no stall running (psi_quiet). */
    struct {
        uint64_t some_us, full_us;
        bool zero;
    } psi_last[3];
    uint64_t psi_stall_ns;
    bool psi_known, psi_quiet;
    uint64_t bpf_id[CADV_BPF_N_H]; /* cgroup_bpf.c: inode numbers in the hierarchies it walks (0: none) */
    /* cgroup_bpf.c: where its record was in the last snapshot looked up, per hierarchy (a hint, checked
     * against the record's id before use: passes list the cgroups in the same order while none comes
     * or goes). */
    _Atomic uint32_t bpf_hint[CADV_BPF_N_H];
};

/* Directory id of the cgroup in controller c's hierarchy (v2: the one root), or -1 if it has none. */
int cadv_cgroup__ctl_dir(const struct cadv_cgroup *cg, enum cadv_cg_ctl c);
/* The hybrid unified directory's id, or -1 (not hybrid, or no such directory). */
int cadv_cgroup__udir(const struct cadv_cgroup *cg);
/* True if dir (a directory id, or -1) is one of the cgroup's directories. */
bool cadv_cgroup__has_dir(const struct cadv_cgroup *cg, int dir);
bool cadv_cgroup__is_root(const struct cadv_cgroup *cg);
/* openat of <dir>/name (name NULL: the directory itself) with flags | O_CLOEXEC. Returns the fd, -ENODATA
 * if dir is not one of the cgroup's directories, -ENAMETOOLONG, or -errno. */
int cadv_cgroup__open_in(const struct cadv_cgroup *cg, int dir, const char *name, int flags);

/* Probes <dir>/name into slot (dir -1 gives an absent slot; an old kept fd is closed first). */
void cadv_cgroup__file_add(struct cadv_cgroup *cg, unsigned slot, int dir, const char *name, bool keep);
/* Reads a slot: 0, -ENODATA if absent, -ENOENT if the cgroup is gone, -EFBIG, or another -errno. */
int cadv_cgroup__file_read(struct cadv_cgroup *cg, unsigned slot, char *buf, size_t cap, size_t *ret_len);
/* Reads a slot holding one number ("max" = UINT64_MAX); -EINVAL if it is not one. */
int cadv_cgroup__file_u64(struct cadv_cgroup *cg, unsigned slot, uint64_t *ret);
/* Reads a PSI slot: 0, -ENODATA if absent or unreadable (PSI disabled), or -ENOENT if gone. */
int cadv_cgroup__file_psi(struct cadv_cgroup *cg, unsigned slot, struct cadv_psi *ret);
/* The hybrid's PSI files, read at most once per pass that shows them moving: psi_begin at the start of
 * a stats read asks the BPF snapshot; psi_read then reads slot (which: its cache entry, 0..2) as
 * file_psi does, or gives its last figures where they cannot have changed (its averages at zero, no
 * stall time recorded since, none running). */
void cadv_cgroup__psi_begin(struct cadv_cgroup *cg);
int cadv_cgroup__psi_read(struct cadv_cgroup *cg, unsigned slot, unsigned which, struct cadv_psi *ret);
/* Like file_read/file_u64 for <dir>/name, a file that is not a slot (settings, hugetlb). */
int cadv_cgroup__read_at(const struct cadv_cgroup *cg, int dir, const char *name, char *buf, size_t cap,
                         size_t *ret_len);
int cadv_cgroup__u64_at(const struct cadv_cgroup *cg, int dir, const char *name, uint64_t *ret);
/* A settings file read as cAdvisor's readUInt64: absent or unparsable gives 0, "max" UINT64_MAX;
 * sets *gone on -ENOENT. */
uint64_t cadv_cgroup__spec_u64(const struct cadv_cgroup *cg, int dir, const char *name, bool *gone);
/* True when the cgroup's directory dir has been removed. */
bool cadv_cgroup__dir_gone(const struct cadv_cgroup *cg, int dir);

/* Counts the lines of <dir>/cgroup.procs (any size). */
int cadv_cgroup__count_procs(const struct cadv_cgroup *cg, int dir, uint64_t *ret);
/* Scans <dir> for hugetlb.<size><suffix> files into cg->huge (suffix ".usage_in_bytes"/".current"). */
void cadv_cgroup__scan_hugetlb(struct cadv_cgroup *cg, int dir, const char *suffix);
/* "2MB" -> 2097152; 0 if malformed. */
uint64_t cadv_cgroup__pagesize_bytes(const char *size);
/* Sets spec->cpu_mask to mask, or to cAdvisor's "all cores" fallback when mask is empty. */
void cadv_cgroup__set_mask(const struct cadv_cgroup *cg, struct cadv_spec *spec, const char *mask);
/* Adds value to the sample's I/O entry (major, minor, stat), creating it if there is room. */
void cadv_cgroup__io_add(struct cadv_sample *s, uint64_t major, uint64_t minor, enum cadv_io_stat stat,
                         enum cadv_io_op op, uint64_t value);
void cadv_cgroup__sched_free(struct cadv_cg_sched *sc);
/* Schedstat over the pids of the cgroup and its descendants (sched kind). */
int cadv_cgroup__read_sched(struct cadv_cgroup *cg, struct cadv_sample *s);
