/* SPDX-License-Identifier: Apache-2.0 */
/* sample.h - one collection of a container's figures (cAdvisor's ContainerStats), in cAdvisor's units.
 *
 * A sample is a fixed core of uint64_t words plus small variable arrays (per-CPU usage, per-device
 * I/O, hugetlb page sizes, interfaces, filesystems, NUMA nodes, socket tables). The arrays live in
 * one arena owned by the sample, so copying and freeing is one call each. The store keeps samples
 * packed (varint words, ~100-200 bytes) rather than as this struct.
 *
 * Every field of the core is a uint64_t so that the packer can treat it as an array of words:
 * PSI averages are kept in hundredths of a percent (the kernel prints two decimals), signed values
 * (load averages) are stored two's complement. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_buf;

/* Capacities of the variable arrays (inputs beyond them are dropped by readers). */
#define CADV_MAX_PERCPU  1024
#define CADV_MAX_IO      128
#define CADV_MAX_HUGETLB 8
#define CADV_MAX_IFACES  64
#define CADV_MAX_FS      16
#define CADV_MAX_NUMA    64
#define CADV_MAX_PERF    2048 /* perf counters: events x CPUs */
#define CADV_MAX_RESCTRL 64   /* resctrl L3 monitoring domains */
#define CADV_MAX_ACCEL   32   /* accelerators (GPUs) of one container */

/* Which parts of a sample were collected (cAdvisor omits the others from JSON and /metrics). */
enum {
    CADV_HAS_CPU = 1u << 0,
    CADV_HAS_MEMORY = 1u << 1,
    CADV_HAS_DISKIO = 1u << 2,
    CADV_HAS_HUGETLB = 1u << 3,
    CADV_HAS_NETWORK = 1u << 4,
    CADV_HAS_PROCESSES = 1u << 5,
    CADV_HAS_FILESYSTEM = 1u << 6,
    CADV_HAS_CPU_PSI = 1u << 7,
    CADV_HAS_MEMORY_PSI = 1u << 8,
    CADV_HAS_IO_PSI = 1u << 9,
    CADV_HAS_SCHED = 1u << 10,
    CADV_HAS_CPUSET = 1u << 11,
    CADV_HAS_REFERENCED = 1u << 12,
    CADV_HAS_MEMORY_EVENTS = 1u << 13, /* memory.events was read (cgroup v2) */
    CADV_HAS_BURST = 1u << 14,         /* cpu.stat had nr_bursts */
    CADV_HAS_TCP = 1u << 15,
    CADV_HAS_UDP = 1u << 16,
    CADV_HAS_ADVTCP = 1u << 17,
    CADV_HAS_NUMA = 1u << 18,
    CADV_HAS_OOM_KILL = 1u << 19, /* memory.events_oom_kill is the cgroup's own OOM kill count */
};

struct cadv_psi_data {
    uint64_t total_us;
    uint64_t avg10_centi; /* avg10 * 100 */
    uint64_t avg60_centi;
    uint64_t avg300_centi;
};

struct cadv_psi {
    struct cadv_psi_data some;
    struct cadv_psi_data full;
};

struct cadv_cpu_stats {
    uint64_t total_ns;
    uint64_t user_ns;
    uint64_t system_ns;
    uint64_t periods;
    uint64_t throttled_periods;
    uint64_t throttled_ns;
    uint64_t burst_periods;
    uint64_t burst_ns;
    uint64_t sched_run_ns;
    uint64_t sched_runqueue_ns;
    uint64_t sched_run_periods;
    uint64_t load_average;   /* int32 two's complement, x1000 */
    uint64_t load_d_average; /* int32 two's complement, x1000 */
    uint64_t nr_sleeping, nr_running, nr_stopped, nr_uninterruptible, nr_io_wait; /* task_stats */
    struct cadv_psi psi;
};

struct cadv_memory_stats {
    uint64_t usage;
    uint64_t max_usage;
    uint64_t cache;
    uint64_t rss;
    uint64_t swap;
    uint64_t mapped_file;
    uint64_t working_set;
    uint64_t total_active_file;
    uint64_t total_inactive_file;
    uint64_t file_dirty;
    uint64_t file_writeback;
    uint64_t pgscan;
    uint64_t pgsteal;
    uint64_t workingset_refault_file;
    uint64_t workingset_refault_anon;
    uint64_t failcnt;
    uint64_t kernel;
    uint64_t pgfault; /* container_data and hierarchical_data carry the same values */
    uint64_t pgmajfault;
    uint64_t events_high; /* memory.events (cgroup v2) */
    uint64_t events_max;
    uint64_t events_oom;
    uint64_t events_oom_kill; /* with CADV_HAS_OOM_KILL: kills of this cgroup's tasks only (v1
                               * memory.oom_control, v2 memory.events.local), for OOM events */
    struct cadv_psi psi;
};

/* ProcessStats, plus pids.current/pids.max which cAdvisor reports as threads. */
struct cadv_process_stats {
    uint64_t process_count;
    uint64_t fd_count;
    uint64_t socket_count;
    uint64_t threads_current;
    uint64_t threads_max;
    uint64_t has_ulimit;  /* bool */
    uint64_t ulimit_soft; /* int64 two's complement; -1 = unlimited */
    uint64_t ulimit_hard;
};

/* The fixed part of a sample: words only (see the file comment). */
struct cadv_sample_core {
    uint64_t timestamp_ns;
    uint64_t has; /* CADV_HAS_* */
    struct cadv_cpu_stats cpu;
    struct cadv_memory_stats memory;
    struct cadv_psi io_psi;
    struct cadv_process_stats processes;
    uint64_t memory_migrate;
    uint64_t referenced_memory;
    uint64_t oom_events;
    uint64_t health; /* enum cadv_health */
    /* When the detail tier (everything but the hot counters: README, collection cadence) was read:
     * timestamp_ns after a full read, older in a sample that carries the detail of an earlier one.
     * Rates over detail counters use it (0 in a sample from elsewhere: take timestamp_ns). */
    uint64_t detail_timestamp_ns;
};

enum cadv_health {
    CADV_HEALTH_NONE = 0, /* "" */
    CADV_HEALTH_STARTING,
    CADV_HEALTH_HEALTHY,
    CADV_HEALTH_UNHEALTHY,
};

enum cadv_io_stat {
    CADV_IO_SERVICE_BYTES,
    CADV_IO_SERVICED,
    CADV_IO_QUEUED,
    CADV_IO_SECTORS,
    CADV_IO_SERVICE_TIME,
    CADV_IO_WAIT_TIME,
    CADV_IO_MERGED,
    CADV_IO_TIME,
    CADV_IO_COST_USAGE,
    CADV_IO_COST_WAIT,
    CADV_IO_COST_INDEBT,
    CADV_IO_COST_INDELAY,
    _CADV_IO_STAT_MAX,
};

enum cadv_io_op {
    CADV_IO_OP_READ,
    CADV_IO_OP_WRITE,
    CADV_IO_OP_SYNC,
    CADV_IO_OP_ASYNC,
    CADV_IO_OP_DISCARD,
    CADV_IO_OP_TOTAL,
    CADV_IO_OP_COUNT,
    _CADV_IO_OP_MAX,
};

/* One (device, stat) pair: the ops present are the bits of opmask. */
struct cadv_io_entry {
    uint64_t major;
    uint64_t minor;
    uint64_t stat;   /* enum cadv_io_stat */
    uint64_t opmask; /* 1 << enum cadv_io_op */
    uint64_t v[_CADV_IO_OP_MAX];
};

struct cadv_hugetlb_entry {
    uint64_t pagesize_bytes;
    uint64_t usage;
    uint64_t max_usage;
    uint64_t failcnt;
};

struct cadv_iface_stats {
    char name[16]; /* IFNAMSIZ */
    uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
    uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

/* FsStats. Device and type are short strings. */
struct cadv_fs_stats {
    char device[128];
    char type[16];
    uint64_t capacity, usage, base_usage, available;
    uint64_t has_inodes, inodes, inodes_free;
    uint64_t reads_completed, reads_merged, sectors_read, read_time_ms;
    uint64_t writes_completed, writes_merged, sectors_written, write_time_ms;
    uint64_t io_in_progress, io_time_ms, weighted_io_time_ms;
};

/* memory.numa_stat pages per node, container and hierarchical. */
struct cadv_numa_entry {
    uint64_t node;
    uint64_t file, anon, unevictable;
    uint64_t h_file, h_anon, h_unevictable;
};

/* One perf counter reading (cAdvisor's PerfStat): event is an index into the installed perf config
 * (collect/perf.h cadv_perf_event_name), scaling_ratio the bits of a double. */
struct cadv_perf_entry {
    uint64_t event;
    uint64_t cpu;
    uint64_t value;
    uint64_t scaling_ratio;
};

/* One resctrl L3 monitoring domain (cAdvisor's ResctrlStats element; node_id = index). has: bits
 * 1 mbm_total_bytes, 2 mbm_local_bytes, 4 llc_occupancy were read. */
struct cadv_resctrl_entry {
    uint64_t has;
    uint64_t mbm_total_bytes;
    uint64_t mbm_local_bytes;
    uint64_t llc_occupancy;
};

/* One GPU of the container (cAdvisor's AcceleratorStats): device is an index into the installed
 * NVML device table (collect/nvml.h cadv_nvml_device_model/uuid); memory in bytes, duty_cycle in
 * percent. */
struct cadv_accel_entry {
    uint64_t device;
    uint64_t memory_total;
    uint64_t memory_used;
    uint64_t duty_cycle;
};

enum cadv_tcp_state {
    CADV_TCP_ESTABLISHED,
    CADV_TCP_SYN_SENT,
    CADV_TCP_SYN_RECV,
    CADV_TCP_FIN_WAIT1,
    CADV_TCP_FIN_WAIT2,
    CADV_TCP_TIME_WAIT,
    CADV_TCP_CLOSE,
    CADV_TCP_CLOSE_WAIT,
    CADV_TCP_LAST_ACK,
    CADV_TCP_LISTEN,
    CADV_TCP_CLOSING,
    _CADV_TCP_STATE_MAX,
};

#define CADV_TCPADV_MAX 112

/* Socket tables and TCP counters of the container's network namespace (kinds tcp, udp, advtcp). */
struct cadv_net_extra {
    uint64_t tcp[_CADV_TCP_STATE_MAX];
    uint64_t tcp6[_CADV_TCP_STATE_MAX];
    uint64_t udp[4]; /* Listen, Dropped, RxQueued, TxQueued */
    uint64_t udp6[4];
    uint64_t tcp_adv[CADV_TCPADV_MAX]; /* indexed like cadv_tcpadv_names; int64 two's complement */
};

/* Names of TcpAdvancedStat fields in cAdvisor's JSON order; NULL-terminated. */
extern const char *const cadv_tcpadv_names[];
extern const char *const cadv_tcp_state_names[_CADV_TCP_STATE_MAX]; /* "Established", ... */
extern const char *const cadv_io_stat_names[_CADV_IO_STAT_MAX];     /* "io_service_bytes", ... */
extern const char *const cadv_io_op_names[_CADV_IO_OP_MAX];         /* "Read", ... "Count" */

struct cadv_sample {
    struct cadv_sample_core c;
    uint32_t n_percpu, n_io, n_hugetlb, n_ifaces, n_fs, n_numa, n_perf, n_resctrl, n_accel;
    uint64_t *percpu; /* ns per CPU */
    struct cadv_io_entry *io;
    struct cadv_hugetlb_entry *hugetlb;
    struct cadv_iface_stats *ifaces;
    struct cadv_fs_stats *fs;
    struct cadv_numa_entry *numa;
    struct cadv_perf_entry *perf;
    struct cadv_resctrl_entry *resctrl;
    struct cadv_accel_entry *accel;
    struct cadv_net_extra *net; /* NULL unless HAS_TCP/UDP/ADVTCP */
    /* Storage of the arrays above; owned by the sample. */
    void *arena;
    size_t arena_cap;
};

/* The hugetlb page-size text cAdvisor uses as map key and label ("64KB", "2MB", "1GB": Go's
 * units.CustomSize "%g%s" with base 1024) into out. */
void cadv_hugetlb_size_text(uint64_t pagesize_bytes, char *out, size_t size);

/* Initialises an empty sample (no arrays). */
void cadv_sample_init(struct cadv_sample *s);
/* Initialises a scratch sample whose arrays all have their maximal capacity, for collectors to
 * fill in place (set the n_* counts; set net to NULL if unused). Free with cadv_sample_done. */
void cadv_sample_init_scratch(struct cadv_sample *s);
/* Frees the arena; s may be initialised again. */
void cadv_sample_done(struct cadv_sample *s);
/* Frees an array of n samples (each done, then the array); arr may be NULL. */
void cadv_samples_free(struct cadv_sample *arr, size_t n);
/* Resets the core and the counts of a (scratch) sample, keeping its storage. */
void cadv_sample_clear(struct cadv_sample *s);
/* Packs a sample into a compact byte string appended to out (varint words). */
void cadv_sample_pack(const struct cadv_sample *s, struct cadv_buf *out);
/* Unpacks bytes written by cadv_sample_pack into dst (initialised; its arena is reused).
 * Returns 0 or -EBADMSG for malformed input. */
int cadv_sample_unpack(const uint8_t *p, size_t n, struct cadv_sample *dst);
/* True when the figures of a and b are equal, timestamps ignored (cAdvisor's "stats-equal" used by
 * dynamic housekeeping). */
bool cadv_sample_stats_equal(const struct cadv_sample *a, const struct cadv_sample *b);
