/* SPDX-License-Identifier: Apache-2.0 */
/* fsusage.h - filesystem usage of a container's writable layer, computed in-process (cAdvisor's
 * realFsHandler, docs/compatibility.md#fs-usage), never by forking du.
 *
 * A `cadv_fsusage` walks the container's rootfs directory (overlay upperdir) and an extra directory
 * (docker: containers/<id> with the json logs) like cAdvisor's GetDirUsage: the sum of st_blocks*512
 * and the count of every entry (the root included), hard-linked inodes (nlink > 1) counted once,
 * not crossing into other devices, files that vanish during the walk ignored, symlinks not followed.
 * The walk is resumable: each cadv_fsusage_step() visits at most `budget` entries, so one worker
 * can serve thousands of containers without a long stall. A completed pass publishes the result;
 * passes repeat every period (cAdvisor: 1 minute); a failed pass doubles the period, up to 20 times
 * the base, and a success resets it.
 *
 * A cadv_fsusage is used by one thread at a time (the metadata worker); the caller copies results
 * out to where readers see them. Nothing here logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_fs_stats;
struct cadv_machine_info;
struct cadv_fsusage;

#define CADV_FSUSAGE_PERIOD_NS   (60ULL * 1000000000ULL)
#define CADV_FSUSAGE_MAX_BACKOFF 20
/* Directories nested deeper than this are not descended into (each level holds one open fd). */
#define CADV_FSUSAGE_MAX_DEPTH   128

struct cadv_fsusage_result {
    uint64_t base_bytes;   /* the rootfs directory (cAdvisor's BaseUsageBytes) */
    uint64_t total_bytes;  /* rootfs + extra directory (TotalUsageBytes) */
    uint64_t inodes;       /* entries of the rootfs directory (InodeUsage) */
    uint64_t timestamp_ns; /* when the pass completed (wall clock) */
};

/* rootfs_dir and extra_dir may be NULL or "" (not counted); both are copied. period_ns 0 means
 * CADV_FSUSAGE_PERIOD_NS. The first pass is due at once. Never returns NULL. */
struct cadv_fsusage *cadv_fsusage_new(const char *rootfs_dir, const char *extra_dir, uint64_t period_ns);
/* Accepts NULL; returns NULL. Closes the directories a paused walk holds open. */
struct cadv_fsusage *cadv_fsusage_free(struct cadv_fsusage *u);

/* True when a pass is in progress or the next one is due at now_ns (monotonic clock). */
bool cadv_fsusage_due(const struct cadv_fsusage *u, uint64_t now_ns);
/* Monotonic time at which the next pass is due (0 while one is in progress). */
uint64_t cadv_fsusage_next_due(const struct cadv_fsusage *u);
/* Visits at most budget entries (starting a pass if none is in progress). Returns 1 when a pass
 * completed (the result was updated), 0 when the pass is paused with work left, or a negative errno
 * when the pass failed (a directory could not be read; the previous result is kept, the period
 * backs off). now_ns is the monotonic clock used for scheduling. */
int cadv_fsusage_step(struct cadv_fsusage *u, size_t budget, uint64_t now_ns);
/* The last completed pass's result. Returns 0, or -ENODATA before the first one completed. */
int cadv_fsusage_result(const struct cadv_fsusage *u, struct cadv_fsusage_result *ret);

/* major:minor of the filesystem holding dir (stat). Returns 0 or -errno. */
int cadv_fsusage_dir_dev(const char *dir, uint32_t *ret_major, uint32_t *ret_minor);
/* The device name (mount source, e.g. "/dev/vda1") of major:minor from a mountinfo file (opened at
 * proc_dirfd/path, e.g. "self/mountinfo"): the first mount of it. Returns 0, -ENOENT, -ENAMETOOLONG
 * or -errno. */
int cadv_fsusage_mount_source(int proc_dirfd, const char *path, uint32_t major, uint32_t minor, char *ret,
                              size_t size);
/* The FsStats cAdvisor reports for a docker/podman/crio container: the machine filesystem with the
 * writable layer's major:minor gives device, type and capacity; usage = total, base_usage = base,
 * inodes = the layer's inode count. Disk I/O figures are copied from root_fs (the root container's
 * filesystems of the same device; may be NULL). Returns 0, or -ENOENT when no machine filesystem
 * has that major:minor (cAdvisor then reports no filesystem for the container). */
int cadv_fsusage_fill_stats(const struct cadv_fsusage_result *u, uint32_t major, uint32_t minor,
                            const struct cadv_machine_info *m, const struct cadv_fs_stats *root_fs,
                            size_t n_root_fs, struct cadv_fs_stats *ret);
