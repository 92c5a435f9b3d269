/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup.h - reading containers' cgroups, whatever the host's layout: pure cgroup v2, v1
 * controllers, or the hybrid of both (v1 controllers plus a cgroup2 mount for PSI and cpu.stat).
 *
 * A `cadv_cgroup_root` describes the hierarchies found under --cgroup_root (detected once at start
 * from the tree itself, so fixture trees work like real mounts). A `cadv_cgroup` is one container's
 * handle: kept-open fds for the files read every cycle, within a process-wide fd budget (beyond it,
 * files are opened by path relative to the hierarchy's root fd, read and closed on each read). A
 * handle holds no directory fds, so the budget bounds every fd the cgroups of a root hold.
 *
 * The differences between v1 and v2 live behind `struct cadv_cgroup_ops` in cgroup_v1.c and
 * cgroup_v2.c; no other file names a cgroup control file.
 *
 * Thread-safety: a cadv_cgroup_root is immutable after open (safe to share). A cadv_cgroup is used
 * by one thread at a time (the collector). Errors are negative errno; -ENOENT/-ENODEV mean the cgroup
 * is gone. Nothing here logs above debug. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_sample;
struct cadv_spec;
struct cadv_cgroup_root;
struct cadv_cgroup;

enum cadv_cgroup_mode {
    CADV_CGROUP_V1 = 1,     /* v1 controllers only */
    CADV_CGROUP_V2 = 2,     /* pure unified hierarchy */
    CADV_CGROUP_HYBRID = 3, /* v1 controllers + cgroup2 (PSI, cpu.stat) */
};

/* One directory tree that discovery must walk and watch. */
struct cadv_cgroup_hierarchy {
    const char *path;        /* absolute path of the hierarchy's root directory */
    const char *controllers; /* "cpu,cpuacct", "memory", "" for cgroup2, ... */
    bool is_v2;
};

/* Opens root_path (e.g. /sys/fs/cgroup) and detects its layout from the tree itself: pure v2 if
 * root_path/cgroup.controllers exists; else v1 controller directories ("cpu,cpuacct", "memory", ...,
 * symlinks followed and deduplicated), hybrid if root_path/unified/cgroup.procs exists too. kinds
 * (CADV_KIND_*) decides which v1 controllers are tracked, as cAdvisor does (devices always).
 * proc_root (NULL = "/proc") is used for uptime, meminfo and /proc/<pid>/schedstat.
 * fd_budget caps the fds all cadv_cgroup objects hold together (0 = none kept between reads).
 * Returns 0, -ENOENT if no tracked hierarchy is found, or another negative errno. */
int cadv_cgroup_root_open(const char *root_path, const char *proc_root, uint32_t kinds, int fd_budget,
                          struct cadv_cgroup_root **ret);
struct cadv_cgroup_root *cadv_cgroup_root_free(struct cadv_cgroup_root *root);
enum cadv_cgroup_mode cadv_cgroup_root_mode(const struct cadv_cgroup_root *root);
/* The hierarchies discovery must walk/watch, valid while root lives: the tracked v1 controller
 * hierarchies (deduplicated, sorted by directory name), or the single v2 root. The hybrid unified
 * mount is not one of them (it is only read for PSI and cpu.stat). */
size_t cadv_cgroup_root_hierarchies(const struct cadv_cgroup_root *root,
                                    const struct cadv_cgroup_hierarchy **ret);
/* Number of fds currently held by all cgroups of this root (at most fd_budget): kept-open files only,
 * as handles hold no directory fds. A read holds one more fd (more for the sched walk) while it runs. */
int cadv_cgroup_root_fds_held(const struct cadv_cgroup_root *root);
/* Overrides the boot time that creation times are clamped to (default: from <proc_root>/uptime,
 * truncated to the minute, as cAdvisor; 0 = no clamp). Call before sharing the root. */
void cadv_cgroup_root_set_boot_time(struct cadv_cgroup_root *root, uint64_t boot_time_ns);

/* Opens the container `name` ("/" or "/a/b"): the union over hierarchies where that directory
 * exists. Returns 0, -EINVAL for a name with empty, "." or ".." components, or -ENOENT when it
 * exists in none (-ENAMETOOLONG for a name near PATH_MAX). Keeps the files read every cycle open
 * within the root's fd budget; reads the settings read_stats needs (memory.use_hierarchy, pids.max,
 * cpuset.memory_migrate) once. */
int cadv_cgroup_open(struct cadv_cgroup_root *root, const char *name, struct cadv_cgroup **ret);
/* Closes all fds (returning kept ones to the budget) and frees cg. Accepts NULL; returns NULL. */
struct cadv_cgroup *cadv_cgroup_close(struct cadv_cgroup *cg);
/* The name given to cadv_cgroup_open; valid while cg lives. */
const char *cadv_cgroup_name(const struct cadv_cgroup *cg);
/* Reads this cycle's figures into *s, a scratch sample (see sample.h) cleared by the caller: this
 * writes only the cgroup-derived fields (cpu, memory, diskio, hugetlb, threads, cpuset, numa,
 * schedstat, PSI) and ORs s->c.has. cpu and memory are always marked present (as cAdvisor); the
 * kinds decide which other parts are read (docs/compatibility.md#metric-kinds). Allocation-free (the sched
 * kind grows a per-cgroup pid table now and then). Returns 0, -ENOENT if the cgroup vanished, or another
 * negative errno (-EFBIG for a file larger than its buffer); s may be partly written on failure. */
int cadv_cgroup_read_stats(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s);
/* Reads the hot tier into *s, a sample that already holds this container's previous figures (the
 * detail tier carried forward): CPU usage total, memory usage, max usage and failcnt (cgroup v1;
 * cgroup v2 has no failcnt), exactly what the BPF path reads, so that with it a hot read opens no file.
 * Recomputes the working set from the new usage and the carried inactive_file (clamped at 0, as
 * cAdvisor). Leaves every other field alone; a figure whose file is absent keeps its carried value.
 * Allocation-free. Returns 0, -ENOENT if the cgroup vanished, or another negative errno. */
int cadv_cgroup_read_hot(struct cadv_cgroup *cg, struct cadv_sample *s);
/* Reads limits and settings into the ContainerSpec part of *spec: creation_time, has_cpu, cpu_*,
 * has_memory, memory_*, has_hugetlb, has_processes, processes_limit, has_diskio. Identity fields,
 * start_time, has_network, has_filesystem and has_custom_metrics are left alone. For "/" the memory
 * limits are the machine's (MemTotal/SwapTotal of <proc_root>/meminfo), as cAdvisor's raw handler.
 * Also refreshes the settings cached for read_stats. Returns 0 or -ENOENT (spec untouched). */
int cadv_cgroup_read_spec(struct cadv_cgroup *cg, struct cadv_spec *spec);
/* Writes the pids in the container's cgroup.procs (own processes only; the cpu hierarchy on v1) to
 * pids (at most cap entries). Returns the number written or a negative errno. */
int cadv_cgroup_read_pids(struct cadv_cgroup *cg, uint32_t *pids, size_t cap);
/* True if the name is not a container for cAdvisor (systemd *.mount units). */
bool cadv_cgroup_name_ignored(const char *name);
