/* SPDX-License-Identifier: Apache-2.0 */
/* procstats.h - the `process` kind of a container (cAdvisor's ProcessStats, docs/compatibility.md#processes):
 * the number of its processes (the pids of its cgroup.procs), their open file descriptors and sockets
 * (entries of /proc/<pid>/fd, and those that are sockets), and the open-files ulimit of its root
 * process (/proc/<pid>/limits).
 *
 * Without a readlink storm: cAdvisor readlinks every fd of every process on every housekeeping.
 * Here, counting fds is one getdents per process per cycle (no readlink), and the per-process socket
 * count comes from a cache kept per container: a process's fds are readlink'ed again only when it
 * is new (or its pid was reused), when its fd count changed since the last scan, or every
 * `rescan_every` cycles (default CADV_PROCSTATS_RESCAN_EVERY). A process that swaps a file for a
 * socket without changing its fd count is thus seen up to that many cycles late; in exchange a
 * stable container with thousands of fds costs a few getdents per cycle.
 *
 * No allocation per cycle in steady state (the cache grows to the largest process count seen); no
 * logging. A cache is used by one thread at a time (the collector). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cadv_process_stats;
struct cadv_procstats_cache;

#define CADV_PROCSTATS_RESCAN_EVERY 10

/* rescan_every: full socket rescan period in calls (0 = CADV_PROCSTATS_RESCAN_EVERY; 1 = every
 * call, cAdvisor's cost). Never returns NULL. */
struct cadv_procstats_cache *cadv_procstats_cache_new(unsigned rescan_every);
/* Accepts NULL; returns NULL. */
struct cadv_procstats_cache *cadv_procstats_cache_free(struct cadv_procstats_cache *c);

/* Fills process_count (= n), fd_count, socket_count and, when root_pid > 0 and its limits file has
 * a "Max open files" line, has_ulimit/ulimit_soft/ulimit_hard (-1 = unlimited) of *ret; the thread
 * fields are left alone (they come from the pids cgroup). pids are the container's own processes
 * (cadv_cgroup_read_pids); a pid that vanished meanwhile counts as a process with no fds, as in
 * cAdvisor. Returns 0 or -EINVAL. */
int cadv_procstats_read(int proc_dirfd, const uint32_t *pids, size_t n, uint64_t root_pid,
                        struct cadv_procstats_cache *cache, struct cadv_process_stats *ret);

/* Parses a /proc/<pid>/limits file: the "Max open files" line's soft and hard limits ("unlimited"
 * = -1). Returns 0, or -ENOENT when there is no such line that parses. */
int cadv_procstats_parse_limits(const char *buf, size_t len, int64_t *ret_soft, int64_t *ret_hard);

/* ---- /api/v2.0/ps: cAdvisor runs `ps -e -o user,pid,ppid,stime,pcpu,pmem,rss,vsz,stat,time,comm,
 * psr,cgroup`; these read the same figures from /proc and format them as procps does. ---- */

/* Host facts the ps figures are relative to (read once per request). */
struct cadv_ps_env {
    uint64_t now_s;        /* wall clock, seconds */
    uint64_t boot_time_s;  /* btime of /proc/stat */
    double uptime_s;       /* /proc/uptime */
    uint64_t mem_total_kb; /* MemTotal of /proc/meminfo */
    long hz;               /* clock ticks per second */
};

/* One row of cAdvisor's ProcessInfo (docs/compatibility.md#json-ps), as its ps parsing yields it. */
struct cadv_ps_info {
    char user[64]; /* effective user's name, or the uid in decimal */
    uint32_t pid, ppid;
    char start_time[16]; /* procps STIME: "15:04" today, "Jan02" this year, else "2006" */
    double percent_cpu;  /* procps %CPU (tenths): cpu time / elapsed time */
    double percent_mem;  /* procps %MEM (tenths): rss / MemTotal */
    uint64_t rss_bytes;
    uint64_t virtual_size_bytes;
    char status[8];        /* procps STAT: state, then < N L s l + */
    char running_time[32]; /* procps TIME: [D-]HH:MM:SS of user+system time */
    char cmd[64];          /* comm */
    char cgroup_path[512]; /* cAdvisor's pick from the ps cgroup column (a "cpu" controller's path) */
    int fd_count;
    int psr; /* CPU it last ran on */
};

/* Reads the host facts under proc_dirfd. Returns 0 or -errno/-EBADMSG. */
int cadv_procstats_ps_env(int proc_dirfd, struct cadv_ps_env *ret);
/* Reads process pid (any thread-group leader under proc_dirfd). Returns 0, -ENOENT when it is gone,
 * or -EBADMSG. */
int cadv_procstats_ps(int proc_dirfd, uint32_t pid, const struct cadv_ps_env *env, struct cadv_ps_info *ret);

/* The fields of /proc/<pid>/stat that ps uses. */
struct cadv_ps_stat {
    char comm[64];
    char state;
    uint32_t ppid;
    int64_t pgrp, session, tty, tpgid;
    uint64_t utime, stime; /* ticks */
    int64_t nice;
    int64_t num_threads;
    uint64_t starttime; /* ticks after boot */
    uint64_t vsize;     /* bytes */
    uint64_t rss_pages;
    int64_t processor;
};
/* Parses a /proc/<pid>/stat line (comm may hold spaces and parentheses: it ends at the last ')').
 * Exposed for tests and fuzzing. Returns 0 or -EBADMSG. */
int cadv_procstats_parse_stat(const char *buf, size_t len, struct cadv_ps_stat *ret);
