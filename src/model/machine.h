/* SPDX-License-Identifier: Apache-2.0 */
/* machine.h - the host's description (cAdvisor's MachineInfo and v2 Attributes). Built by
 * collect/machine.c, immutable once built and shared by reference counting: readers take a ref,
 * the refresher swaps in a new object.
 *
 * Arrays follow Go's nil/empty distinction, which shows in the JSON: a NULL array is Go's nil slice
 * (JSON null), a non-NULL array with n == 0 is an empty one ([] or {}). Every pointer and string is
 * owned by the object and freed with it. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_cache_info {
    int id;
    uint64_t size_bytes;
    char type[16]; /* "Data", "Instruction", "Unified" */
    int level;
};

struct cadv_core_info {
    int core_id;
    int socket_id;
    int *thread_ids;
    size_t n_threads;
    struct cadv_cache_info *caches;
    size_t n_caches;
    struct cadv_cache_info *uncore_caches;
    size_t n_uncore_caches;
    char *book_id;   /* NULL unless s390x */
    char *drawer_id; /* NULL unless s390x */
};

struct cadv_hugepages_info {
    uint64_t page_size_kb;
    uint64_t num_pages;
};

struct cadv_node_info {
    int node_id;
    uint64_t memory_bytes;
    struct cadv_hugepages_info *hugepages;
    size_t n_hugepages;
    struct cadv_core_info *cores;
    size_t n_cores;
    struct cadv_cache_info *caches;
    size_t n_caches;
    uint64_t *distances;
    size_t n_distances;
};

struct cadv_fs_info {
    char *device;
    char *mountpoint;
    char *type; /* fs type from mountinfo (ext4, xfs, tmpfs, ...) */
    char *kind; /* cAdvisor's reported type (JSON "type"): "vfs" for statfs-based figures */
    uint32_t major, minor;
    uint64_t capacity;
    uint64_t free_bytes;
    uint64_t available;
    uint64_t inodes;
    uint64_t inodes_free;
    bool has_inodes;
};

struct cadv_disk_info {
    char *name;     /* "sda" as in the machine JSON disk_map */
    char *dev_path; /* "/dev/sda" as in diskio device fields */
    uint64_t major, minor;
    uint64_t size_bytes;
    char *scheduler;
};

struct cadv_netdev_info {
    char *name;
    char *mac_address;
    int64_t speed_mbps;
    int64_t mtu;
};

struct cadv_memory_type_info {
    char *type;
    uint64_t capacity;
    unsigned dimm_count;
};

struct cadv_machine_info {
    atomic_int refs;
    uint64_t timestamp_ns;
    char *vendor_id;
    int num_cores;
    int num_physical_cores;
    int num_sockets;
    int num_books, num_drawers;
    uint64_t cpu_frequency_khz;
    uint64_t memory_capacity;
    uint64_t swap_capacity;
    struct cadv_memory_type_info *memory_by_type;
    size_t n_memory_by_type;
    struct cadv_hugepages_info *hugepages;
    size_t n_hugepages;
    char *machine_id;
    char *system_uuid;
    char *boot_id;
    struct cadv_fs_info *filesystems;
    size_t n_filesystems;
    struct cadv_disk_info *disks;
    size_t n_disks;
    struct cadv_netdev_info *netdevs;
    size_t n_netdevs;
    struct cadv_node_info *topology;
    size_t n_nodes;
    char *cloud_provider; /* "Unknown" */
    char *instance_type;  /* "Unknown" */
    char *instance_id;    /* "" */
    char *kernel_version; /* uname -r */
    char *os_version;     /* PRETTY_NAME */
    /* The docker daemon's /version (the manager sets them; NULL: unknown, reported as ""). */
    char *docker_version;
    char *docker_api_version;
};

/* A zeroed object with one reference. Never returns NULL. */
struct cadv_machine_info *cadv_machine_info_new(void);
/* Takes a reference; returns m. */
struct cadv_machine_info *cadv_machine_info_ref(struct cadv_machine_info *m);
/* Drops a reference, freeing on the last; accepts NULL; returns NULL. */
struct cadv_machine_info *cadv_machine_info_unref(struct cadv_machine_info *m);
/* Frees what n nodes own (cores, caches, hugepages, distances), not the array itself. */
void cadv_machine_topology_free(struct cadv_node_info *nodes, size_t n);
/* "/dev/<name>" of the disk with that major:minor, or NULL. Valid while m lives. */
const char *cadv_machine_disk_name(const struct cadv_machine_info *m, uint64_t major, uint64_t minor);
