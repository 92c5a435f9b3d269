/* SPDX-License-Identifier: Apache-2.0 */
/* machinefs.h - the machine's filesystems, which cAdvisor reports as the root container's FsStats
 * (docs/compatibility.md#filesystems) and serves at /api/v2.0/storage. The inventory (collect/fs.h) is
 * re-read every inventory interval and measured (statvfs with a 2 s timeout, diskstats) every interval, both
 * on the metadata worker, never on the collection path; a mount whose statvfs timed out is backed off. The
 * collector only copies the published FsStats into each root sample (no I/O, no allocation). Internal to
 * src/manager/.
 *
 * Threads: cadv_machinefs_update and _next_due belong to one thread at a time (the manager's start,
 * then the metadata worker); _fill (collector) and cadv_manager_machine_fs (HTTP) take its lock.
 * All accept a NULL cadv_machinefs (nothing to do). */
#pragma once

#include <stdint.h>

struct cadv_config;
struct cadv_machine_info;
struct cadv_machine_roots;
struct cadv_machinefs;
struct cadv_sample;

/* proc_fd (borrowed, may be -1) gives self/mountinfo and diskstats; cfg->rootfs the mount points and
 * /dev/disk/by-uuid; cfg->docker_root the docker-images label. Nothing is measured unless kinds has
 * CADV_KIND_DISK. Never returns NULL. */
struct cadv_machinefs *cadv_machinefs_new(const struct cadv_config *cfg, int proc_fd, uint32_t kinds,
                                          uint64_t interval_ns, uint64_t inventory_interval_ns);
/* Accepts NULL; returns NULL. */
struct cadv_machinefs *cadv_machinefs_free(struct cadv_machinefs *f);
/* Monotonic time at which cadv_machinefs_update has work (UINT64_MAX: never). */
uint64_t cadv_machinefs_next_due(const struct cadv_machinefs *f);
/* Re-reads the inventory if due, measures it if due, and publishes the result. Does I/O (statvfs may
 * wait for its timeout): call without locks. */
void cadv_machinefs_update(struct cadv_machinefs *f, uint64_t now_mono);
/* Uses root (docker info's DockerRootDir) for the docker-images label from now on; a change re-reads
 * the inventory at the next update. Same thread as cadv_machinefs_update. */
void cadv_machinefs_set_docker_root(struct cadv_machinefs *f, const char *root);
/* Appends the published FsStats (labelled filesystems first) to s, up to CADV_MAX_FS entries in all,
 * and sets CADV_HAS_FILESYSTEM when it added any. */
void cadv_machinefs_fill(struct cadv_machinefs *f, struct cadv_sample *s);
/* cadv_machine_info_read (collect/machine.h) with MachineInfo.filesystems taken from f's published
 * inventory and measurement, so that a refresh does no statvfs (a hung NFS mount costs it nothing);
 * before the first measurement (or with f NULL or disabled) machine.c measures as it would alone.
 * roots' fs_inventory and fs_measurement are ignored. Takes f's lock briefly. */
int cadv_machinefs_machine_info_read(struct cadv_machinefs *f, const struct cadv_machine_roots *roots,
                                     struct cadv_machine_info **ret);
