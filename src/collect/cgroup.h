/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup.h - reading containers' cgroups, whatever the host's layout: pure cgroup v2, v1
 * controllers, or the hybrid of both (v1 controllers plus a cgroup2 mount for PSI and cpu.stat).
 *
 * A `cadv_cgroup_root` describes the hierarchies found under --cgroup_root (detected once at start
 * from the tree itself, so fixture trees work like real mounts). A `cadv_cgroup` is one container's
 * open handles: directory fds per hierarchy and kept-open fds for the files read every cycle, within
 * a process-wide fd budget (beyond it, files are opened, read and closed on each read).
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

/* Opens root_path (e.g. /sys/fs/cgroup) and detects its layout. kinds (CADV_KIND_*) decides which v1
 * controllers are tracked, as cAdvisor does. proc_root is used for /proc/<pid> reads (schedstat).
 * fd_budget caps the kept-open fds of all cadv_cgroup objects together (0 = none kept). */
int cadv_cgroup_root_open(const char *root_path, const char *proc_root, uint32_t kinds, int fd_budget,
                          struct cadv_cgroup_root **ret);
struct cadv_cgroup_root *cadv_cgroup_root_free(struct cadv_cgroup_root *root);
enum cadv_cgroup_mode cadv_cgroup_root_mode(const struct cadv_cgroup_root *root);
/* The hierarchies to walk/watch; valid while root lives. */
size_t cadv_cgroup_root_hierarchies(const struct cadv_cgroup_root *root,
                                    const struct cadv_cgroup_hierarchy **ret);
/* Number of fds currently kept open by all cgroups of this root. */
int cadv_cgroup_root_fds_held(const struct cadv_cgroup_root *root);

/* Opens the container `name` ("/" or "/a/b"): the union over hierarchies where that directory
 * exists. Returns 0, or -ENOENT when it exists in none. */
int cadv_cgroup_open(struct cadv_cgroup_root *root, const char *name, struct cadv_cgroup **ret);
struct cadv_cgroup *cadv_cgroup_close(struct cadv_cgroup *cg);
/* Reads this cycle's figures into *s (a scratch sample, see sample.h), for the kinds given.
 * Sets s->c.has bits for what was read. Returns 0, or -ENOENT/-ENODEV if the cgroup vanished. */
int cadv_cgroup_read_stats(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s);
/* Reads limits and settings into the ContainerSpec part of *spec (creation time, has_*, cpu, memory,
 * processes); identity fields are left alone. */
int cadv_cgroup_read_spec(struct cadv_cgroup *cg, struct cadv_spec *spec);
/* Appends the pids in the container's cgroup.procs (own processes only) to pids (cap entries).
 * Returns the number written or a negative errno. */
int cadv_cgroup_read_pids(struct cadv_cgroup *cg, uint32_t *pids, size_t cap);
/* True if the name is not a container for cAdvisor (systemd *.mount units). */
bool cadv_cgroup_name_ignored(const char *name);
