/* SPDX-License-Identifier: Apache-2.0 */
/* machine.h - builds the host description (cAdvisor's MachineInfo, docs/compatibility.md#machine-info) from
 * /proc, /sys and the host root, each opened once as a directory fd and read with openat, so
 * fixture trees can stand in for them. Slow-ish (unless given a measured filesystem inventory it
 * statfs's every filesystem, with a 2 s timeout each, as cAdvisor does); meant to run at start-up and every
 * --update_machine_info_interval. Thread-safe (no shared state). */
#pragma once

struct cadv_fs_inventory;
struct cadv_fs_measurement;
struct cadv_machine_info;

struct cadv_machine_roots {
    const char *proc_root; /* NULL = "/proc": cpuinfo, meminfo, self/mountinfo, sys/kernel/osrelease */
    const char *sys_root;  /* NULL = "/sys": topology, caches, hugepages, block, net, dmi, edac */
    const char *rootfs;    /* NULL = "/": etc/os-release, statfs of mount points */
    /* Comma lists as cAdvisor's -machine_id_file / -boot_id_file; the first readable file wins.
     * NULL = cAdvisor's defaults. Paths under /proc/ are read below proc_root, all others below
     * rootfs (cAdvisor prefixes only the first path of the list with /rootfs: a quirk not kept). */
    const char *machine_id_files;
    const char *boot_id_files;
    /* MachineInfo.filesystems comes from the filesystem inventory (collect/fs.h). When both are set
     * (the inventory and measurement the manager keeps up to date), they are used as they are, with
     * no I/O; else one is read and measured here (statvfs with cAdvisor's 2 s timeout per mount).
     * Borrowed for the call. */
    const struct cadv_fs_inventory *fs_inventory;
    const struct cadv_fs_measurement *fs_measurement;
};

/* Builds a new machine description (refs = 1) into *ret; roots may be NULL for all defaults.
 * Sources that are missing or malformed leave their fields empty exactly where cAdvisor does.
 * Returns 0, or a negative errno where cAdvisor fails to start: a root that cannot be opened,
 * /proc/cpuinfo or /proc/meminfo unreadable, no MemTotal/SwapTotal, or (on x86 and others without
 * cpufreq) no clock speed in cpuinfo. */
int cadv_machine_info_read(const struct cadv_machine_roots *roots, struct cadv_machine_info **ret);
