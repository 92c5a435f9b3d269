/* SPDX-License-Identifier: Apache-2.0 */
/* test_machine.c - machine info: procfs parsers, the fixture machines under fixtures/machine/
 * (every field), the MachineInfo and v2 Attributes JSON key order against real cAdvisor output,
 * and the real host. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collect/diskstats.h"
#include "collect/machine.h"
#include "collect/mountinfo.h"
#include "collect/procfs.h"
#include "collect/sysfs.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "model/machine.h"
#include "wire/json_machine.h"

#define FIX   CADV_FIXTURES "/machine"
/* A string literal and its length. */
#define SL(s) (s), strlen(s)

static struct cadv_machine_info *load(const char *name)
{
    char proc[512], sys[512], root[512];
    struct cadv_machine_roots roots = {.proc_root = proc, .sys_root = sys, .rootfs = root};
    struct cadv_machine_info *m = NULL;

    (void)snprintf(proc, sizeof(proc), FIX "/%s/proc", name);
    (void)snprintf(sys, sizeof(sys), FIX "/%s/sys", name);
    (void)snprintf(root, sizeof(root), FIX "/%s/rootfs", name);
    cr_assert_eq(cadv_machine_info_read(&roots, &m), 0, "reading fixture %s", name);
    cr_assert_not_null(m);
    return m;
}

/* ---- parsers ---- */

Test(procfs, cpuinfo)
{
    static const char in[] = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2100.123\n"
                             "physical id\t: 0\ncore id\t\t: 0\n\nprocessor\t: 1\nvendor_id\t: Other\n"
                             "physical id\t: 1\ncore id\t\t: 0\ncore id\t\t: 3x\ncore id : 7\n"
                             "xcore id : 9\ncore id: +4\n";
    struct cadv_cpuinfo c;

    cadv_procfs_parse_cpuinfo(in, sizeof(in) - 1, &c);
    cr_expect_str_eq(c.vendor_id, "GenuineIntel");
    cr_expect(c.has_mhz);
    cr_expect_eq((uint64_t)(c.mhz * 1000), 2100123u);
    cr_expect_eq(c.core_ids, 2u); /* 0 and 7: "3x", "xcore id", "+4" do not match */
    cr_expect_eq(c.physical_ids, 2u);
    cr_expect_eq(c.book_ids, 0u);

    cadv_procfs_parse_cpuinfo(SL("clock\t\t: 4000.000000MHz\n"), &c);
    cr_expect(c.has_mhz);
    cr_expect_eq((uint64_t)(c.mhz * 1000), 4000000u);
    cadv_procfs_parse_cpuinfo(SL("cpu MHz : 2100\nvendor_id :\n"), &c);
    cr_expect(!c.has_mhz, "cAdvisor's regexp needs a decimal point");
    cr_expect_str_eq(c.vendor_id, "");
}

Test(procfs, meminfo)
{
    static const char in[] =
            "MemFree:  5 kB\nSwapTotal:   12 MB\nMemTotal:\t  32768000 kB\nSwapTotal: 7 kB\n";
    uint64_t v = 0;

    cr_expect_eq(cadv_procfs_meminfo_bytes(in, sizeof(in) - 1, "MemTotal", &v), 0);
    cr_expect_eq(v, 32768000ull * 1024);
    cr_expect_eq(cadv_procfs_meminfo_bytes(in, sizeof(in) - 1, "SwapTotal", &v), 0);
    cr_expect_eq(v, 7ull * 1024, "the first line whose whole pattern matches");
    cr_expect_eq(cadv_procfs_meminfo_bytes(in, sizeof(in) - 1, "Cached", &v), -ENOENT);
    cr_expect_eq(cadv_procfs_meminfo_bytes(SL("Node 1 MemTotal: 9 kB"), "MemTotal", &v), 0);
    cr_expect_eq(v, 9ull * 1024);
    cr_expect_eq(cadv_procfs_meminfo_bytes(SL("MemTotal: 99999999999999999999 kB"), "MemTotal", &v), -ERANGE);
}

static int collect_mount(const struct cadv_mountinfo_entry *e, void *userdata)
{
    char *out = userdata;
    size_t n = strlen(out);

    (void)snprintf(out + n, 4096 - n, "%d|%d|%u:%u|%s|%s|%s|%s|%s|%s\n", e->id, e->parent, e->major, e->minor,
                   e->root, e->mountpoint, e->optional, e->fstype, e->source, e->super_options);
    return 0;
}

Test(procfs, mountinfo)
{
    char in[] = "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
                "37 35 0:51 / /mnt/my\\040disk rw shared:4 master:2 - tmpfs tm\\011p rw\n"
                "38 35 0:52 / /x rw - cifs //srv/My Docs rw,unc=//srv/My Docs\n"
                "bad line\n"
                "39 35 1:2:3 / /y rw - ext4 /dev/y rw\n"
                "40 35 1:2 / /bad\\9 rw - ext4 /dev/z rw\n"
                "41 35 0:53 / /last rw - proc proc rw";
    char out[4096] = "";

    cr_expect_eq(cadv_mountinfo_parse(in, strlen(in), collect_mount, out), 3, "3 malformed lines");
    cr_expect_str_eq(out, "36|35|98:0|/mnt1|/mnt2|master:1|ext3|/dev/root|rw,errors=continue\n"
                          "37|35|0:51|/|/mnt/my disk|shared:4 master:2|tmpfs|tm\tp|rw\n"
                          "38|35|0:52|/|/x||cifs|//srv/My|Docs\n"
                          "41|35|0:53|/|/last||proc|proc|rw\n");
}

static int collect_disk(const struct cadv_diskstats_entry *e, void *userdata)
{
    char *out = userdata;
    size_t n = strlen(out);

    (void)snprintf(out + n, 1024 - n, "%u:%u %s %u %llu %llu\n", e->major, e->minor, e->name, e->n_fields,
                   (unsigned long long)e->fields[0], (unsigned long long)e->fields[e->n_fields - 1]);
    return 0;
}

Test(procfs, diskstats)
{
    static const char in[] = "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
                             " 259 0 nvme0n1 1 2 3 4 5 6 7 8 9 10 11\n"
                             " 253 3 dm-3 1 2 3 4 5 6 7 8 9 10 11\n"
                             " 202 16 xvdb1 9 2 3 4 5 6 7 8 9 10 12\n"
                             "7 0\n";
    struct cadv_diskstats_entry e;
    char out[1024] = "";

    cr_expect_eq(cadv_diskstats_parse(in, sizeof(in) - 1, collect_disk, out), 0);
    cr_expect_str_eq(out, "8:0 sda 17 1 17\n253:3 dm-3 11 1 11\n202:16 xvdb1 11 9 12\n");
    cr_expect_eq(cadv_diskstats_parse_line(SL(" 8 0 sda 1 2 3"), &e), -EINVAL);
    cr_expect_eq(cadv_diskstats_parse(SL(" 8 0 sda 1 2 x 4 5 6 7 8 9 10 11\n"), collect_disk, out), -EINVAL);
    cr_expect(cadv_diskstats_name_wanted("vda"));
    cr_expect(cadv_diskstats_name_wanted("sdab12"));
    cr_expect(!cadv_diskstats_name_wanted("sd"));
    cr_expect(!cadv_diskstats_name_wanted("dm-"));
    cr_expect(!cadv_diskstats_name_wanted("sda1b"));
    cr_expect(!cadv_diskstats_name_wanted("nvme0n1p1"));
}

Test(procfs, small_formats)
{
    char name[64];
    int64_t v;
    size_t used;

    cadv_procfs_os_pretty_name(SL("ID=x\nPRETTY_NAME=\"Ubuntu 24.04 LTS\"\nNAME=u\n"), name, sizeof(name));
    cr_expect_str_eq(name, "Ubuntu 24.04 LTS");
    cadv_procfs_os_pretty_name(SL("ID=x\n"), name, sizeof(name));
    cr_expect_str_eq(name, "Linux");
    cadv_procfs_os_pretty_name(SL("PRETTY_NAME=abc"), name, 3);
    cr_expect_str_eq(name, "ab");

    cr_expect_eq(cadv_sysfs_cpulist_contains(SL("0-3,8,10-11\n"), 9), 0);
    cr_expect_eq(cadv_sysfs_cpulist_contains(SL("0-3,8,10-11\n"), 8), 1);
    cr_expect_eq(cadv_sysfs_cpulist_contains(SL("0-3,8,10-11\n"), 11), 1);
    cr_expect_eq(cadv_sysfs_cpulist_contains(SL("0-3,x"), 2), 1, "stops at the first match, as cAdvisor");
    cr_expect_eq(cadv_sysfs_cpulist_contains(SL("0-3,x"), 5), -EINVAL);
    cr_expect_eq(cadv_sysfs_cpulist_contains(SL("3-1"), 2), -EINVAL);
    cr_expect_eq(cadv_sysfs_cpulist_contains(SL("1-2-3"), 2), -EINVAL);
    cr_expect_eq(cadv_sysfs_cpulist_contains(SL("\n"), 0), -EINVAL);

    cr_expect_eq(cadv_sysfs_cpumask_weight("00000000,00000011\n", 18), 2);
    cr_expect_eq(cadv_sysfs_cpumask_weight("ffffffff,ffffffff,000000000000000001", 36), 65);
    cr_expect_eq(cadv_sysfs_cpumask_weight("0,,1", 4), -EINVAL);
    cr_expect_eq(cadv_sysfs_cpumask_weight("g", 1), -EINVAL);

    cr_expect_eq(cadv_sysfs_scan_i64(SL("  -12K"), &v, &used), 0);
    cr_expect_eq(v, -12);
    cr_expect_eq(used, 5u);
    cr_expect_eq(cadv_sysfs_scan_i64(SL("K"), &v, NULL), -EINVAL);
    cr_expect_eq(cadv_sysfs_scan_i64(SL("99999999999999999999"), &v, NULL), -ERANGE);
}

/* A /proc/stat of a 512-CPU host: the cpu lines and the intr line put btime past 40 KiB (it was read
 * into a 16 KiB buffer, and process_start_time_seconds came out as if booted in 1970). */
Test(procfs, btime_of_a_large_host)
{
    char dir[] = "/tmp/cadv-test-btime-XXXXXX", path[64];
    struct cadv_buf b;
    uint64_t bt = 0;
    FILE *f;
    int fd;

    cr_assert_not_null(mkdtemp(dir));
    cadv_buf_init(&b, 0);
    cadv_buf_puts(&b, "cpu  1 2 3 4 5 6 7 8 0 0\n");
    for (int i = 0; i < 512; i++)
        cadv_buf_printf(&b, "cpu%d 123456 789 234567 98765432 1234 0 5678 0 0 0\n", i);
    cadv_buf_puts(&b, "intr 123456789");
    for (int i = 0; i < 8192; i++)
        cadv_buf_printf(&b, " %d", i % 7);
    cadv_buf_puts(&b, "\nctxt 1\nbtime 1764547200\nprocesses 9\n");
    cr_assert_gt(b.len, 40000u); /* the old buffer held 16 KiB */
    snprintf(path, sizeof(path), "%s/stat", dir);
    cr_assert_not_null(f = fopen(path, "w"));
    cr_assert_eq(fwrite(b.data, 1, b.len, f), b.len);
    fclose(f);
    cr_assert_geq(fd = open(dir, O_RDONLY | O_DIRECTORY), 0);
    cr_expect_eq(cadv_procfs_read_btime(fd, &bt), 0);
    cr_expect_eq(bt, 1764547200u);
    close(fd);
    unlink(path);
    rmdir(dir);
    cr_expect_eq(cadv_procfs_parse_btime(b.data, b.len, &bt), 0);
    /* The parser is bounded by len, anchored at line starts, and wants a number. */
    cr_expect_eq(cadv_procfs_parse_btime(SL("btime 42"), &bt), 0);
    cr_expect_eq(bt, 42u);
    cr_expect_eq(cadv_procfs_parse_btime("btime 42", 6, &bt), -ENOENT);
    cr_expect_eq(cadv_procfs_parse_btime(SL("xbtime 42\n"), &bt), -ENOENT);
    cr_expect_eq(cadv_procfs_parse_btime(SL("btime x\n"), &bt), -ENOENT);
    cr_expect_eq(cadv_procfs_parse_btime(SL("cpu 1\nbtime \n"), &bt), -ENOENT);
    cadv_buf_done(&b);
}

/* ---- the fixture machines ---- */

static void expect_cache(const struct cadv_cache_info *c, int id, uint64_t size, const char *type, int level)
{
    cr_expect_eq(c->id, id);
    cr_expect_eq(c->size_bytes, size);
    cr_expect_str_eq(c->type, type);
    cr_expect_eq(c->level, level);
}

static void expect_core(const struct cadv_core_info *c, int core_id, int socket, int t0, int t1)
{
    cr_expect_eq(c->core_id, core_id);
    cr_expect_eq(c->socket_id, socket);
    cr_assert_eq(c->n_threads, 2u);
    cr_expect_eq(c->thread_ids[0], t0);
    cr_expect_eq(c->thread_ids[1], t1);
    cr_expect_null(c->book_id);
}

Test(machine, numa2_cpu_memory_identity)
{
    struct cadv_machine_info *m = load("numa2");
    uint64_t now = cadv_now_ns();

    cr_expect(m->timestamp_ns <= now && m->timestamp_ns + 60 * CADV_NS_PER_SEC > now);
    cr_expect_str_eq(m->vendor_id, "GenuineIntel");
    cr_expect_eq(m->num_cores, 8, "online threads; cpu8 is offline");
    cr_expect_eq(m->num_physical_cores, 2, "cAdvisor's quirk: distinct 'core id' values only");
    cr_expect_eq(m->num_sockets, 2);
    cr_expect_eq(m->num_books, 0);
    cr_expect_eq(m->cpu_frequency_khz, 3900000u, "cpufreq cpuinfo_max_freq wins over cpuinfo");
    cr_expect_eq(m->memory_capacity, 32768000ull * 1024);
    cr_expect_eq(m->swap_capacity, 2097148ull * 1024);
    cr_assert_eq(m->n_memory_by_type, 2u);
    cr_expect_str_eq(m->memory_by_type[0].type, "Registered-DDR4");
    cr_expect_eq(m->memory_by_type[0].capacity, 8192ull << 20);
    cr_expect_eq(m->memory_by_type[0].dimm_count, 1u);
    cr_expect_str_eq(m->memory_by_type[1].type, "Unbuffered-DDR4");
    cr_expect_eq(m->memory_by_type[1].capacity, 32768ull << 20);
    cr_expect_eq(m->memory_by_type[1].dimm_count, 2u);
    cr_assert_eq(m->n_hugepages, 2u);
    cr_expect_eq(m->hugepages[0].page_size_kb, 1048576u);
    cr_expect_eq(m->hugepages[0].num_pages, 1u);
    cr_expect_eq(m->hugepages[1].page_size_kb, 2048u);
    cr_expect_eq(m->hugepages[1].num_pages, 512u);
    cr_expect_str_eq(m->machine_id, "3d1219c7c4c5404aaa1f6d2a48adfda4");
    cr_expect_str_eq(m->system_uuid, "4C4C4544-0042-3510-8051-B7C04F4E3232");
    cr_expect_str_eq(m->boot_id, "f7c9e1a2-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
    cr_expect_str_eq(m->cloud_provider, "Unknown");
    cr_expect_str_eq(m->instance_type, "Unknown");
    cr_expect_str_eq(m->instance_id, "");
    cr_expect_str_eq(m->kernel_version, "6.1.0-18-amd64");
    cr_expect_str_eq(m->os_version, "Debian GNU/Linux 12 (bookworm)");
    cadv_machine_info_unref(m);
}

Test(machine, numa2_topology)
{
    struct cadv_machine_info *m = load("numa2");
    const struct cadv_node_info *n0, *n1;

    cr_assert_eq(m->n_nodes, 2u);
    n0 = &m->topology[0];
    n1 = &m->topology[1];
    cr_expect_eq(n0->node_id, 0);
    cr_expect_eq(n0->memory_bytes, 16384000ull * 1024);
    cr_assert_eq(n0->n_hugepages, 2u);
    cr_expect_eq(n0->hugepages[1].page_size_kb, 2048u);
    cr_expect_eq(n0->hugepages[1].num_pages, 512u);
    cr_assert_eq(n0->n_cores, 2u);
    expect_core(&n0->cores[0], 0, 0, 0, 4);
    expect_core(&n0->cores[1], 1, 0, 1, 5);
    for (size_t i = 0; i < 2; i++) {
        const struct cadv_core_info *c = &n0->cores[i];

        cr_assert_eq(c->n_caches, 3u);
        expect_cache(&c->caches[0], (int)i, 32768, "Data", 1);
        expect_cache(&c->caches[1], (int)i, 32768, "Instruction", 1);
        expect_cache(&c->caches[2], (int)i, 1048576, "Unified", 2);
        cr_expect_null(c->uncore_caches);
    }
    cr_assert_eq(n0->n_caches, 1u, "the L3 shared by the node's 4 threads, once");
    expect_cache(&n0->caches[0], 0, 16384ull * 1024, "Unified", 3);
    cr_assert_eq(n0->n_distances, 2u);
    cr_expect_eq(n0->distances[0], 10u);
    cr_expect_eq(n0->distances[1], 21u);

    cr_expect_eq(n1->node_id, 1);
    cr_expect_eq(n1->memory_bytes, 8192000ull * 1024);
    cr_assert_eq(n1->n_hugepages, 2u);
    cr_expect_eq(n1->hugepages[0].num_pages, 0u);
    cr_assert_eq(n1->n_cores, 2u, "offline cpu8 is left out");
    expect_core(&n1->cores[0], 0, 1, 2, 6);
    expect_core(&n1->cores[1], 1, 1, 3, 7);
    for (size_t i = 0; i < 2; i++) {
        const struct cadv_core_info *c = &n1->cores[i];

        cr_assert_eq(c->n_caches, 3u, "the L2 shared by 4 threads is dropped");
        expect_cache(&c->caches[2], 2 + (int)i, 1048576, "Unified", 2);
        cr_assert_eq(c->n_uncore_caches, 1u);
        expect_cache(&c->uncore_caches[0], 1 + (int)i, 8192ull * 1024, "Unified", 3);
    }
    cr_expect_null(n1->caches);
    cr_expect_eq(n1->distances[0], 21u);
    cadv_machine_info_unref(m);
}

Test(machine, numa2_devices)
{
    struct cadv_machine_info *m = load("numa2");

    cr_assert_eq(m->n_disks, 3u, "loop, sr, ram and hidden devices are skipped");
    cr_expect_str_eq(m->disks[0].name, "dm-0", "sorted by the \"major:minor\" key");
    cr_expect_eq(m->disks[0].major, 253u);
    cr_expect_eq(m->disks[0].size_bytes, 204800ull * 512);
    cr_expect_str_eq(m->disks[0].scheduler, "none");
    cr_expect_str_eq(m->disks[1].name, "nvme0n1");
    cr_expect_str_eq(m->disks[1].scheduler, "none");
    cr_expect_str_eq(m->disks[2].name, "sda");
    cr_expect_str_eq(m->disks[2].dev_path, "/dev/sda");
    cr_expect_eq(m->disks[2].major, 8u);
    cr_expect_eq(m->disks[2].minor, 0u);
    cr_expect_eq(m->disks[2].size_bytes, 1953525168ull * 512);
    cr_expect_str_eq(m->disks[2].scheduler, "bfq");
    cr_expect_str_eq(cadv_machine_disk_name(m, 259, 0), "/dev/nvme0n1");
    cr_expect_null(cadv_machine_disk_name(m, 7, 0));

    cr_assert_eq(m->n_netdevs, 3u, "lo, veth*, docker* and plain files are skipped");
    cr_expect_str_eq(m->netdevs[0].name, "ens5");
    cr_expect_str_eq(m->netdevs[0].mac_address, "02:42:ac:11:00:02");
    cr_expect_eq(m->netdevs[0].speed_mbps, 0, "no speed file");
    cr_expect_eq(m->netdevs[0].mtu, 9001);
    cr_expect_str_eq(m->netdevs[1].name, "eth0", "a symlink to a device directory");
    cr_expect_eq(m->netdevs[1].speed_mbps, 10000);
    cr_expect_eq(m->netdevs[1].mtu, 1500);
    cr_expect_str_eq(m->netdevs[2].name, "wlan0");
    cr_expect_eq(m->netdevs[2].speed_mbps, -1);
    cadv_machine_info_unref(m);
}

static void expect_fs(const struct cadv_fs_info *f, const char *device, const char *mp, const char *type)
{
    char path[1024];
    struct statvfs st;

    cr_expect_str_eq(f->device, device);
    cr_expect_str_eq(f->mountpoint, mp);
    cr_expect_str_eq(f->type, type);
    cr_expect_str_eq(f->kind, "vfs");
    cr_expect(f->has_inodes);
    (void)snprintf(path, sizeof(path), FIX "/numa2/rootfs%s", mp);
    cr_assert_eq(statvfs(path, &st), 0);
    cr_expect_eq(f->capacity, (uint64_t)st.f_frsize * st.f_blocks, "%s", mp);
    cr_expect_eq(f->inodes, st.f_files);
}

Test(machine, numa2_filesystems)
{
    struct cadv_machine_info *m = load("numa2");

    cr_assert_eq(m->n_filesystems, 6u);
    expect_fs(&m->filesystems[0], "/dev/sda1", "/", "ext4");
    cr_expect_eq(m->filesystems[0].major, 8u);
    cr_expect_eq(m->filesystems[0].minor, 1u);
    expect_fs(&m->filesystems[1], "/dev/shm", "/dev/shm", "tmpfs");
    expect_fs(&m->filesystems[2], "/run", "/run", "tmpfs");
    expect_fs(&m->filesystems[3], "/dev/sdb1", "/mnt/data", "xfs");
    expect_fs(&m->filesystems[4], "overlay_0-50", "/var/lib/docker/overlay2/abc123/merged", "overlay");
    expect_fs(&m->filesystems[5], "/mnt/my disk", "/mnt/my disk", "tmpfs");
    /* /var/lib/kubelet (bind mount of /dev/sda1), proc, cgroup2 and /mnt/gone (no mount point) are out. */
    cadv_machine_info_unref(m);
}

Test(machine, packages_without_numa)
{
    struct cadv_machine_info *m = load("pkg");
    struct utsname u;

    cr_expect_str_eq(m->vendor_id, "ARM");
    cr_assert_eq(uname(&u), 0);
    if (strstr(u.machine, "x86"))
        cr_expect_eq(m->cpu_frequency_khz, 1500500u, "\"CPU MHz\" without cpufreq");
    cr_expect_eq(m->num_physical_cores, 3, "distinct core_id/package over online CPUs");
    cr_expect_eq(m->num_sockets, 2);
    cr_expect_eq(m->num_cores, 4, "cAdvisor counts every CPU directory here, offline ones too");
    cr_assert_eq(m->n_nodes, 2u);
    cr_expect_eq(m->topology[0].node_id, 0);
    cr_assert_eq(m->topology[0].n_cores, 2u);
    cr_expect_eq(m->topology[0].cores[1].thread_ids[0], 1);
    cr_expect_eq(m->topology[1].node_id, 1);
    cr_assert_eq(m->topology[1].n_cores, 1u, "cpu3 is offline");
    cr_expect_eq(m->topology[1].cores[0].thread_ids[0], 2);
    cr_expect_eq(m->topology[1].cores[0].socket_id, 1);
    cr_expect_null(m->topology[0].hugepages);
    cr_expect_null(m->topology[0].distances);
    cr_expect_null(m->topology[0].cores[0].caches);
    cr_expect_eq(m->swap_capacity, 0u);
    cadv_machine_info_unref(m);
}

Test(machine, bare_has_nulls_where_cadvisor_has_nil)
{
    struct cadv_machine_info *m = load("bare");
    struct cadv_buf b;
    struct cadv_json w;
    struct utsname u;

    cr_expect_eq(m->memory_capacity, 1024ull * 1024);
    cr_expect_null(m->topology);
    cr_expect_eq(m->num_cores, 0);
    cr_expect_null(m->disks);
    cr_expect_null(m->netdevs);
    cr_expect_null(m->hugepages);
    cr_expect_null(m->filesystems);
    cr_expect_not_null(m->memory_by_type);
    cr_expect_str_eq(m->machine_id, "");
    cr_expect_str_eq(m->boot_id, "");
    cr_expect_str_eq(m->system_uuid, "");
    cr_expect_str_eq(m->os_version, "Unknown");
    cr_assert_eq(uname(&u), 0);
    cr_expect_str_eq(m->kernel_version, u.release);
    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_machine_info(&w, m);
    cr_expect(strstr(b.data, "\"memory_by_type\":{},\"nvm\":{\"memory_mode_capacity\":0,"
                             "\"app direct_mode_capacity\":0,\"avg_power_budget\":0},\"hugepages\":null,"));
    cr_expect(strstr(b.data, "\"filesystems\":null,\"disk_map\":null,\"network_devices\":null,"
                             "\"topology\":null,\"cloud_provider\":\"Unknown\",\"instance_type\":\"Unknown\","
                             "\"instance_id\":\"\"}"));
    cadv_buf_done(&b);
    cadv_machine_info_unref(m);
}

Test(machine, missing_meminfo_fails)
{
    struct cadv_machine_roots roots = {.proc_root = FIX "/numa2/sys", .sys_root = FIX "/numa2/sys"};
    struct cadv_machine_info *m = NULL;

    cr_expect_lt(cadv_machine_info_read(&roots, &m), 0);
    cr_expect_null(m);
    roots.proc_root = FIX "/no-such-root";
    cr_expect_eq(cadv_machine_info_read(&roots, &m), -ENOENT);
}

Test(machine, refcount)
{
    struct cadv_machine_info *m = load("bare");

    cr_expect_eq(cadv_machine_info_ref(m), m);
    cr_expect_eq(atomic_load(&m->refs), 2);
    cr_expect_null(cadv_machine_info_unref(m));
    cr_expect_eq(atomic_load(&m->refs), 1);
    cr_expect_null(cadv_machine_info_unref(m));
    cr_expect_null(cadv_machine_info_unref(NULL));
}

/* ---- JSON ---- */

static json_t *render(const struct cadv_machine_info *m, bool attributes)
{
    struct cadv_buf b;
    struct cadv_json w;
    json_error_t err;
    json_t *j;

    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    if (attributes)
        cadv_json_attributes(&w, m, "v0.1.0");
    else
        cadv_json_machine_info(&w, m);
    cr_assert(!b.overflow);
    j = json_loads(b.data, 0, &err);
    cr_assert_not_null(j, "invalid JSON: %s: %s", err.text, b.data);
    cadv_buf_done(&b);
    return j;
}

/* Keys that the newest cAdvisor writes and the v0.36 sample predates (docs/compatibility.md#versions,
 * #json-machine). */
static bool newer_key(const char *k)
{
    static const char *const keys[] = {"timestamp",   "vendor_id", "swap_capacity", "num_books",
                                       "num_drawers", "id",        "uncore_caches", "socket_id",
                                       "book_id",     "drawer_id", "distances"};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(k, keys[i]) == 0)
            return true;
    return false;
}

/* Compares the key sequence of ours with the sample's, recursively (as deep as the sample is); map-valued
 * objects (disk_map, memory_by_type) compare their first values only. Values may differ; JSON types must
 * agree. */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by the sample's depth */
static void same_shape(json_t *ours, json_t *sample, const char *path)
{
    if (json_is_null(ours) || json_is_null(sample))
        return;
    cr_assert_eq(json_typeof(ours), json_typeof(sample), "type at %s", path);
    if (json_is_array(ours)) {
        if (json_array_size(ours) > 0 && json_array_size(sample) > 0)
            same_shape(json_array_get(ours, 0), json_array_get(sample, 0), path);
    } else if (json_is_object(ours)) {
        bool is_map = strstr(path, "disk_map") || strstr(path, "memory_by_type");
        const char *k_ours, *k_sample;
        void *it_ours = json_object_iter(ours), *it_sample = json_object_iter(sample);

        if (is_map) {
            if (it_ours && it_sample)
                same_shape(json_object_iter_value(it_ours), json_object_iter_value(it_sample), "map value");
            return;
        }
        for (;;) {
            while (it_ours && newer_key(json_object_iter_key(it_ours)))
                it_ours = json_object_iter_next(ours, it_ours);
            if (!it_ours || !it_sample)
                break;
            k_ours = json_object_iter_key(it_ours);
            k_sample = json_object_iter_key(it_sample);
            cr_assert_str_eq(k_ours, k_sample, "key order at %s", path);
            {
                char sub[512];

                (void)snprintf(sub, sizeof(sub), "%s/%s", path, k_ours);
                same_shape(json_object_iter_value(it_ours), json_object_iter_value(it_sample), sub);
            }
            it_ours = json_object_iter_next(ours, it_ours);
            it_sample = json_object_iter_next(sample, it_sample);
        }
        cr_assert(!it_ours && !it_sample, "extra key at %s: %s", path,
                  it_ours ? json_object_iter_key(it_ours) : json_object_iter_key(it_sample));
    }
}

static void expect_keys(json_t *obj, const char *const *want, size_t n)
{
    size_t i = 0;

    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), i++) {
        cr_assert_lt(i, n, "extra key %s", json_object_iter_key(it));
        cr_expect_str_eq(json_object_iter_key(it), want[i]);
    }
    cr_expect_eq(i, n);
}

Test(json, machine_info_matches_cadvisor)
{
    static const char *const top[] = {"timestamp",       "vendor_id",
                                      "num_cores",       "num_physical_cores",
                                      "num_sockets",     "cpu_frequency_khz",
                                      "memory_capacity", "swap_capacity",
                                      "memory_by_type",  "nvm",
                                      "hugepages",       "machine_id",
                                      "system_uuid",     "boot_id",
                                      "filesystems",     "disk_map",
                                      "network_devices", "topology",
                                      "cloud_provider",  "instance_type",
                                      "instance_id"};
    static const char *const core[] = {"core_id", "thread_ids", "caches", "uncore_caches", "socket_id"};
    static const char *const node[] = {"node_id", "memory", "hugepages", "cores", "caches", "distances"};
    static const char *const cache[] = {"id", "size", "type", "level"};
    struct cadv_machine_info *m = load("numa2");
    json_t *ours = render(m, false), *sample, *n1;
    json_error_t err;

    sample = json_load_file(FIX "/machine-v1.3.json", 0, &err);
    cr_assert_not_null(sample, "%s", err.text);
    same_shape(ours, sample, "");
    expect_keys(ours, top, sizeof(top) / sizeof(top[0]));
    n1 = json_array_get(json_object_get(ours, "topology"), 1);
    expect_keys(n1, node, 6);
    expect_keys(json_array_get(json_object_get(n1, "cores"), 0), core, 5);
    expect_keys(json_array_get(
                        json_object_get(json_array_get(json_object_get(n1, "cores"), 0), "uncore_caches"), 0),
                cache, 4);
    cr_expect(json_is_null(json_object_get(n1, "caches")));
    cr_expect_eq(json_integer_value(json_object_get(ours, "num_cores")), 8);
    cr_expect_str_eq(json_string_value(json_object_get(
                             json_object_get(json_object_get(ours, "disk_map"), "8:0"), "scheduler")),
                     "bfq");
    cr_expect_eq(json_integer_value(json_object_get(
                         json_object_get(json_object_get(ours, "memory_by_type"), "Unbuffered-DDR4"),
                         "dimm_count")),
                 2);
    cr_expect_str_eq(json_string_value(json_object_get(
                             json_array_get(json_object_get(ours, "filesystems"), 4), "type")),
                     "vfs");
    json_decref(sample);
    json_decref(ours);
    cadv_machine_info_unref(m);
}

Test(json, attributes_match_cadvisor)
{
    struct cadv_machine_info *m = load("numa2");
    json_t *ours = render(m, true), *sample;
    json_error_t err;

    sample = json_load_file(FIX "/v2-attributes.json", 0, &err);
    cr_assert_not_null(sample, "%s", err.text);
    same_shape(ours, sample, "");
    cr_expect_str_eq(json_string_value(json_object_get(ours, "kernel_version")), "6.1.0-18-amd64");
    cr_expect_str_eq(json_string_value(json_object_get(ours, "container_os_version")),
                     "Debian GNU/Linux 12 (bookworm)");
    cr_expect_str_eq(json_string_value(json_object_get(ours, "docker_version")), "");
    cr_expect_str_eq(json_string_value(json_object_get(ours, "docker_api_version")), "");
    cr_expect_str_eq(json_string_value(json_object_get(ours, "cadvisor_version")), "v0.1.0");
    cr_expect_eq(json_array_size(json_object_get(ours, "hugepages")), 2u);
    cr_expect_null(json_object_get(ours, "instance_id"));
    json_decref(sample);
    json_decref(ours);
    cadv_machine_info_unref(m);
}

/* ---- the real host ---- */

Test(machine, real_host)
{
    struct cadv_machine_info *m = NULL;
    unsigned long long kb = 0;
    char line[256];
    FILE *f;

    cr_assert_eq(cadv_machine_info_read(NULL, &m), 0);
    cr_expect_eq(m->num_cores, sysconf(_SC_NPROCESSORS_ONLN));
    f = fopen("/proc/meminfo", "r");
    cr_assert_not_null(f);
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
            break;
    fclose(f);
    cr_expect_eq(m->memory_capacity, kb * 1024);
    cr_expect_gt(m->num_sockets, 0);
    cr_expect_not_null(m->topology);
    cr_expect_not_null(m->filesystems, "a host has at least its root filesystem");
    cadv_machine_info_unref(m);
}
