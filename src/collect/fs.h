/* SPDX-License-Identifier: Apache-2.0 */
/* fs.h - the machine's filesystems as cAdvisor's fs.RealFsInfo knows them
 * (docs/compatibility.md#filesystems): the inventory (partitions from mountinfo with their labels "root" and
 * "docker-images", and the /dev/disk/by-uuid map) and a measurement of it (statvfs with a timeout, and the
 * /proc/diskstats counters matched by device, else by major:minor), which is the root container's FsStats.
 *
 * Inventories and measurements are plain values owned by their holder; nothing here keeps state
 * between calls or logs. statvfs runs on a helper thread (one per measurement, and one more after each
 * mount that timed out), so a hung NFS server costs the caller timeout_ns, not its thread: call it
 * off the collection path. This is cadv's only statvfs-with-timeout path: the manager's published
 * measurement and MachineInfo.filesystems both come from it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_fs_stats;

/* At most this many partitions are kept from one mountinfo (a busy Kubernetes node has hundreds of
 * overlay and tmpfs mounts, each a partition as in cAdvisor). */
#define CADV_FS_MAX_PARTS 4096u
/* At most this many /dev/disk/by-uuid entries are read. */
#define CADV_FS_MAX_UUIDS 4096u

/* Labels a partition may carry (cAdvisor's fs.LabelSystemRoot, fs.LabelDockerImages). */
enum cadv_fs_label {
    CADV_FS_LABEL_ROOT = 1u << 0,
    CADV_FS_LABEL_DOCKER_IMAGES = 1u << 1,
};
#define CADV_FS_N_LABELS 2u

struct cadv_fs_part {
    char *device; /* the partition key: mount source, the mount point for tmpfs, "<source>_<maj>-<min>"
                   * for overlay */
    char *mountpoint;
    char *fstype; /* the mount's type (ext4, tmpfs, nfs4...) */
    unsigned major, minor;
    unsigned labels; /* enum cadv_fs_label bits */
};

struct cadv_fs_uuid {
    char *uuid;
    char *device; /* the link's target as an absolute, cleaned path ("/dev/vda1") */
};

struct cadv_fs_inventory {
    struct cadv_fs_part *parts; /* mountinfo order (first sighting of each key) */
    size_t n_parts;
    struct cadv_fs_uuid *uuids; /* /dev/disk/by-uuid order (byte-sorted names) */
    size_t n_uuids;
};

/* Builds the partitions of a mountinfo buffer (modified in place; mountinfo[len] must be writable, as
 * after cadv_read_file_at) as cAdvisor's NewFsInfo: cadv_mountinfo_partitions, the "root" label
 * on the source of the first "/" mount, and, when docker_root (e.g. "/var/lib/docker") is non-empty
 * and exists under root_fd, the "docker-images" label on the deepest mount among "/", docker_root,
 * its ancestors and its storage-driver directories. No uuids (see cadv_fs_inventory_read_uuids).
 * *ret is initialised here; release it with cadv_fs_inventory_done. */
void cadv_fs_inventory_parse(char *mountinfo, size_t len, int root_fd, const char *docker_root,
                             struct cadv_fs_inventory *ret);
/* Fills inv->uuids from the symlinks of dir_path ("dev/disk/by-uuid") under root_fd, each target
 * resolved lexically against "/" + dir_path as Go's filepath.Abs. A missing directory gives none.
 * Returns 0 or a negative errno (inv unchanged then). */
int cadv_fs_inventory_read_uuids(struct cadv_fs_inventory *inv, int root_fd, const char *dir_path);
/* Reads proc_fd/self/mountinfo and root_fd/dev/disk/by-uuid and builds *ret. Returns 0 or a negative
 * errno from reading mountinfo (*ret untouched then); a by-uuid failure only leaves uuids empty. */
int cadv_fs_inventory_read(int proc_fd, int root_fd, const char *docker_root, struct cadv_fs_inventory *ret);
/* Deep copy into *dst (initialised here). */
void cadv_fs_inventory_copy(struct cadv_fs_inventory *dst, const struct cadv_fs_inventory *src);
/* Frees the contents; accepts a zeroed inventory and leaves one. */
void cadv_fs_inventory_done(struct cadv_fs_inventory *inv);

/* Index of the partition whose key is device, or -1. */
long cadv_fs_inventory_find(const struct cadv_fs_inventory *inv, const char *device);
/* The device carrying a label given by name ("root", "docker-images"), or NULL (unknown label, or no
 * partition carries it). Borrowed from inv. */
const char *cadv_fs_inventory_label_device(const struct cadv_fs_inventory *inv, const char *label);
/* The device of a filesystem uuid (/dev/disk/by-uuid), or NULL. Borrowed from inv. */
const char *cadv_fs_inventory_uuid_device(const struct cadv_fs_inventory *inv, const char *uuid);
/* The name of label bit i (0 .. CADV_FS_N_LABELS-1): "root", "docker-images". */
const char *cadv_fs_label_name(unsigned i);

/* One measurement of an inventory: the partitions that could be measured, in inventory order. */
struct cadv_fs_measurement {
    uint64_t timestamp_ns; /* wall clock when taken */
    struct cadv_fs_stats *stats;
    uint32_t *part; /* index into the inventory of each stats entry */
    size_t n;
};

/* What happened to partition i in cadv_fs_measure. */
enum cadv_fs_status {
    CADV_FS_MEASURED = 0,
    CADV_FS_SKIPPED = 1, /* skip[i] was set */
    /* anything else: the negative errno of statvfs (-ETIMEDOUT after timeout_ns) */
};

/* Measures every partition of inv, as cAdvisor's GetGlobalFsInfo: statvfs of the mount point under
 * root_fd (timeout_ns each; nfs and zfs partitions sharing a major:minor share one statvfs) gives
 * capacity, usage = capacity - free, available and the inode counts, type "vfs"; a mount point that
 * does not exist gives an entry with no type and zeros; a statvfs that fails leaves the partition
 * out. Then the /proc/diskstats counters of the matching disk (proc_fd < 0: none). skip (optional)
 * marks partitions not to touch (a caller backing off a hung mount); status (optional, n_parts
 * entries) gets each one's outcome (enum cadv_fs_status or -errno). *ret is initialised here; release
 * it with cadv_fs_measurement_done. */
void cadv_fs_measure(const struct cadv_fs_inventory *inv, int proc_fd, int root_fd, uint64_t timeout_ns,
                     const bool *skip, int *status, struct cadv_fs_measurement *ret);
/* Adds the counters of a /proc/diskstats buffer to the entries of meas (cAdvisor's diskStatsMap: the
 * line whose "/dev/<name>" is the entry's device, else the first with its major:minor; only the
 * names cadv_diskstats_name_wanted accepts). Returns 0 or -EINVAL for a malformed file
 * (entries untouched then). */
int cadv_fs_apply_diskstats(const char *buf, size_t len, const struct cadv_fs_inventory *inv,
                            struct cadv_fs_measurement *meas);
/* Deep copy into *dst (initialised here). */
void cadv_fs_measurement_copy(struct cadv_fs_measurement *dst, const struct cadv_fs_measurement *src);
/* Frees the contents; accepts a zeroed measurement and leaves one. */
void cadv_fs_measurement_done(struct cadv_fs_measurement *meas);
/* Picks at most cap entries of meas for a sample (the root container's FsStats): labelled
 * partitions first, then the others, each group in inventory order. Returns the number written. */
size_t cadv_fs_measurement_pick(const struct cadv_fs_inventory *inv, const struct cadv_fs_measurement *meas,
                                struct cadv_fs_stats *out, size_t cap);
