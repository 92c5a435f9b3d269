/* SPDX-License-Identifier: Apache-2.0 */
/* test_fs.c - the machine's filesystems (collect/fs.h): partitions and labels from a mountinfo
 * fixture (tests/fixtures/proc/fs-host), the /dev/disk/by-uuid map, statvfs of real directories in
 * a temporary root, nfs partitions sharing one statfs, the diskstats match by device and by
 * major:minor, skipping, statvfs time-outs, and the pick of a sample's FsStats. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/fs.h"
#include "collect/mountinfo.h"
#include "core/fileio.h"
#include "model/sample.h"

#define PROC_DIR CADV_FIXTURES "/proc/fs-host"

static char root[64];
static int root_fd = -1, proc_fd = -1;

static void mkdirs(const char *rel)
{
    char path[512], *p;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        (void)mkdir(path, 0755);
        *p = '/';
    }
    cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
}

static void setup(void)
{
    strcpy(root, "/tmp/cadv-test-fs-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    /* Mount points that exist under the root; /data, /missing and /mnt/nfs2 do not. */
    mkdirs("run");
    mkdirs("dev/shm");
    mkdirs("var/lib/docker/overlay2/abc/merged");
    mkdirs("mnt/nfs1");
    mkdirs("nvme");
    mkdirs("backup");
    root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    proc_fd = open(PROC_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(root_fd, 0);
    cr_assert_geq(proc_fd, 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    if (root_fd >= 0)
        close(root_fd);
    if (proc_fd >= 0)
        close(proc_fd);
    if (root[0])
        nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(fs, .init = setup, .fini = teardown, .timeout = 30);

static const struct cadv_fs_part *part(const struct cadv_fs_inventory *inv, const char *device)
{
    long i = cadv_fs_inventory_find(inv, device);

    cr_assert_geq(i, 0, "no partition %s", device);
    return &inv->parts[i];
}

static void parse_fixture(const char *docker_root, struct cadv_fs_inventory *inv)
{
    size_t len;
    char *buf;

    cr_assert_eq(cadv_read_file_at(proc_fd, "self/mountinfo", 1 << 20, &buf, &len), 0);
    cadv_fs_inventory_parse(buf, len, root_fd, docker_root, inv);
    free(buf);
}

Test(fs, partitions_and_labels)
{
    static const char *const order[] = {
            "/dev/vda1",   "/run",         "/dev/shm",  "/dev/sdb",       "overlay_0-52",
            "srv:/export", "srv:/export2", "/dev/sdc1", "/dev/nvme0n1p1", "/dev/disk/by-label/backup"};
    struct cadv_fs_inventory inv;

    parse_fixture("/var/lib/docker", &inv);
    cr_assert_eq(inv.n_parts, sizeof(order) / sizeof(order[0]));
    for (size_t i = 0; i < inv.n_parts; i++)
        cr_expect_str_eq(inv.parts[i].device, order[i], "partition %zu", i);
    /* The bind mount of /dev/vda1 at /data does not replace the "/" mount. */
    cr_expect_str_eq(part(&inv, "/dev/vda1")->mountpoint, "/");
    cr_expect_eq(part(&inv, "/dev/vda1")->labels, CADV_FS_LABEL_ROOT);
    cr_expect_eq(part(&inv, "/dev/vda1")->major, 254);
    cr_expect_eq(part(&inv, "/dev/vda1")->minor, 1);
    /* The deepest mount among /, /var, /var/lib, /var/lib/docker and its driver dirs. */
    cr_expect_eq(part(&inv, "/dev/sdb")->labels, CADV_FS_LABEL_DOCKER_IMAGES);
    cr_expect_str_eq(part(&inv, "/dev/sdb")->fstype, "xfs");
    cr_expect_str_eq(part(&inv, "/run")->mountpoint, "/run");
    cr_expect_eq(part(&inv, "overlay_0-52")->labels, 0);
    cr_expect_str_eq(cadv_fs_inventory_label_device(&inv, "root"), "/dev/vda1");
    cr_expect_str_eq(cadv_fs_inventory_label_device(&inv, "docker-images"), "/dev/sdb");
    cr_expect_null(cadv_fs_inventory_label_device(&inv, "crio-images"));
    cr_expect_eq(cadv_fs_inventory_find(&inv, "/dev/sda"), -1);
    cadv_fs_inventory_done(&inv);
    cr_expect_eq(inv.n_parts, 0);
}

Test(fs, docker_images_label_needs_the_docker_root)
{
    struct cadv_fs_inventory inv;

    parse_fixture("/srv/docker", &inv); /* no such directory: docker is not installed */
    cr_expect_null(cadv_fs_inventory_label_device(&inv, "docker-images"));
    cadv_fs_inventory_done(&inv);
    parse_fixture("", &inv);
    cr_expect_null(cadv_fs_inventory_label_device(&inv, "docker-images"));
    cadv_fs_inventory_done(&inv);
}

Test(fs, docker_images_on_the_root_mount)
{
    char mi[] = "22 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
                "25 22 0:25 / /run rw - tmpfs tmpfs rw\n";
    struct cadv_fs_inventory inv;

    mkdirs("opt/docker");
    cadv_fs_inventory_parse(mi, sizeof(mi) - 1, root_fd, "/opt/docker/", &inv);
    cr_assert_eq(inv.n_parts, 2);
    cr_expect_eq(part(&inv, "/dev/vda1")->labels, CADV_FS_LABEL_ROOT | CADV_FS_LABEL_DOCKER_IMAGES);
    cr_expect_str_eq(part(&inv, "/dev/vda1")->mountpoint, "/");
    cadv_fs_inventory_done(&inv);
}

Test(fs, docker_images_on_an_unclaimed_mount_is_added)
{
    /* cAdvisor's updateContainerImagesPath writes the partition whatever its type. */
    char mi[] = "22 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
                "30 22 0:90 / /var/lib/docker rw - fuse.sshfs remote:/d rw\n";
    struct cadv_fs_inventory inv;

    cadv_fs_inventory_parse(mi, sizeof(mi) - 1, root_fd, "/var/lib/docker", &inv);
    cr_assert_eq(inv.n_parts, 2);
    cr_expect_str_eq(inv.parts[1].device, "remote:/d");
    cr_expect_str_eq(inv.parts[1].mountpoint, "/var/lib/docker");
    cr_expect_eq(inv.parts[1].labels, CADV_FS_LABEL_DOCKER_IMAGES);
    cadv_fs_inventory_done(&inv);
}

Test(fs, uuid_links)
{
    struct cadv_fs_inventory inv = {0};
    char path[512];
    int fd;

    cr_expect_eq(cadv_fs_inventory_read_uuids(&inv, root_fd, "dev/disk/by-uuid"), 0, "missing dir: none");
    cr_expect_eq(inv.n_uuids, 0);
    mkdirs("dev/disk/by-uuid");
    snprintf(path, sizeof(path), "%s/dev/disk/by-uuid/1111-aaaa", root);
    cr_assert_eq(symlink("../../vda1", path), 0);
    snprintf(path, sizeof(path), "%s/dev/disk/by-uuid/2222", root);
    cr_assert_eq(symlink("/dev/./sdb", path), 0);
    snprintf(path, sizeof(path), "%s/dev/disk/by-uuid/3333", root);
    cr_assert_eq(symlink("../../../../../sdz", path), 0);
    snprintf(path, sizeof(path), "%s/dev/disk/by-uuid/not-a-link", root);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(cadv_fs_inventory_read_uuids(&inv, root_fd, "dev/disk/by-uuid"), 0);
    cr_assert_eq(inv.n_uuids, 3);
    cr_expect_str_eq(cadv_fs_inventory_uuid_device(&inv, "1111-aaaa"), "/dev/vda1");
    cr_expect_str_eq(cadv_fs_inventory_uuid_device(&inv, "2222"), "/dev/sdb");
    cr_expect_str_eq(cadv_fs_inventory_uuid_device(&inv, "3333"), "/sdz");
    cr_expect_null(cadv_fs_inventory_uuid_device(&inv, "not-a-link"));
    cadv_fs_inventory_done(&inv);
}

/* The entry of device in m (the test fails when there is none). */
static const struct cadv_fs_stats *stats_of(const struct cadv_fs_inventory *inv,
                                            const struct cadv_fs_measurement *m, const char *device)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(inv->parts[m->part[i]].device, device) == 0)
            return &m->stats[i];
    cr_assert_fail("%s was not measured", device);
    abort();
}

Test(fs, measure_statvfs_and_diskstats)
{
    struct cadv_fs_inventory inv;
    struct cadv_fs_measurement m;
    const struct cadv_fs_stats *f, *n1, *n2;
    int status[16];

    cr_assert_eq(cadv_fs_inventory_read(proc_fd, root_fd, "/var/lib/docker", &inv), 0);
    cr_assert_eq(inv.n_parts, 10);
    cadv_fs_measure(&inv, proc_fd, root_fd, 2000000000u, NULL, status, &m);
    cr_expect_gt(m.timestamp_ns, 0);
    cr_assert_eq(m.n, 10, "every partition is measured");
    f = stats_of(&inv, &m, "/dev/vda1");
    cr_assert_not_null(f);
    cr_expect_str_eq(f->device, "/dev/vda1");
    cr_expect_str_eq(f->type, "vfs");
    cr_expect_gt(f->capacity, 0);
    cr_expect_leq(f->usage, f->capacity);
    cr_expect_leq(f->available, f->capacity);
    cr_expect_eq(f->has_inodes, 1);
    /* diskstats by "/dev/<name>": vda1, not vda */
    cr_expect_eq(f->reads_completed, 11);
    cr_expect_eq(f->reads_merged, 2);
    cr_expect_eq(f->sectors_read, 101);
    cr_expect_eq(f->read_time_ms, 6);
    cr_expect_eq(f->writes_completed, 21);
    cr_expect_eq(f->writes_merged, 3);
    cr_expect_eq(f->sectors_written, 201);
    cr_expect_eq(f->write_time_ms, 7);
    cr_expect_eq(f->io_in_progress, 1);
    cr_expect_eq(f->io_time_ms, 8);
    cr_expect_eq(f->weighted_io_time_ms, 9);
    f = stats_of(&inv, &m, "/dev/sdb"); /* a kernel with 11 statistics */
    cr_expect_eq(f->weighted_io_time_ms, 44);
    /* by major:minor when the source is not /dev/<disk> */
    cr_expect_eq(stats_of(&inv, &m, "/dev/disk/by-label/backup")->reads_completed, 70);
    /* nvme* is not among cAdvisor's disks */
    cr_expect_eq(stats_of(&inv, &m, "/dev/nvme0n1p1")->reads_completed, 0);
    cr_expect_gt(stats_of(&inv, &m, "/dev/nvme0n1p1")->capacity, 0);
    /* a mount point that does not exist: an entry without type or figures */
    f = stats_of(&inv, &m, "/dev/sdc1");
    cr_assert_not_null(f);
    cr_expect_str_eq(f->type, "");
    cr_expect_eq(f->capacity, 0);
    cr_expect_eq(f->has_inodes, 0);
    /* /mnt/nfs2 does not exist, but shares the statfs of nfs1 (same 0:77) */
    n1 = stats_of(&inv, &m, "srv:/export");
    n2 = stats_of(&inv, &m, "srv:/export2");
    cr_assert_not_null(n2);
    cr_expect_str_eq(n2->device, "srv:/export2");
    cr_expect_gt(n2->capacity, 0);
    cr_expect_eq(n2->capacity, n1->capacity);
    cr_expect_eq(n2->inodes, n1->inodes);
    for (size_t i = 0; i < inv.n_parts; i++)
        cr_expect_eq(status[i], CADV_FS_MEASURED, "status of %s", inv.parts[i].device);
    cadv_fs_measurement_done(&m);
    cadv_fs_inventory_done(&inv);
}

Test(fs, skipped_and_failing_partitions_are_left_out)
{
    char mi[] = "22 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
                "33 22 0:77 / /mnt/gone rw - nfs4 srv:/gone rw\n"
                "25 22 0:25 / /run rw - tmpfs tmpfs rw\n";
    struct cadv_fs_inventory inv;
    struct cadv_fs_measurement m;
    bool skip[3] = {false, false, true};
    int status[3];

    cadv_fs_inventory_parse(mi, sizeof(mi) - 1, root_fd, NULL, &inv);
    cr_assert_eq(inv.n_parts, 3);
    cadv_fs_measure(&inv, -1, root_fd, 2000000000u, skip, status, &m);
    cr_expect_eq(status[0], CADV_FS_MEASURED);
    cr_expect_eq(status[1], -ENOENT, "an nfs mount point is statfs'd without an existence check");
    cr_expect_eq(status[2], CADV_FS_SKIPPED);
    cr_assert_eq(m.n, 1);
    cr_expect_eq(m.part[0], 0);
    cr_expect_eq(m.stats[0].reads_completed, 0, "no proc: no disk stats");
    cadv_fs_measurement_done(&m);
    cadv_fs_inventory_done(&inv);
}

Test(fs, malformed_diskstats_change_nothing)
{
    static const char bad[] = "   8 0 sda 1 2 3\n";
    struct cadv_fs_inventory inv;
    struct cadv_fs_measurement m, copy;

    cr_assert_eq(cadv_fs_inventory_read(proc_fd, root_fd, NULL, &inv), 0);
    cadv_fs_measure(&inv, proc_fd, root_fd, 2000000000u, NULL, NULL, &m);
    cadv_fs_measurement_copy(&copy, &m);
    cr_expect_eq(cadv_fs_apply_diskstats(bad, sizeof(bad) - 1, &inv, &m), -EINVAL);
    cr_assert_eq(copy.n, m.n);
    cr_expect_eq(memcmp(copy.stats, m.stats, m.n * sizeof(*m.stats)), 0);
    cr_expect_eq(memcmp(copy.part, m.part, m.n * sizeof(*m.part)), 0);
    cadv_fs_measurement_done(&copy);
    cadv_fs_measurement_done(&m);
    cadv_fs_inventory_done(&inv);
}

Test(fs, pick_puts_labelled_filesystems_first)
{
    struct cadv_fs_inventory inv, dup;
    struct cadv_fs_measurement m;
    struct cadv_fs_stats out[CADV_MAX_FS];
    size_t n;

    parse_fixture("/var/lib/docker", &inv);
    cadv_fs_inventory_copy(&dup, &inv);
    cadv_fs_inventory_done(&inv);
    cadv_fs_measure(&dup, proc_fd, root_fd, 2000000000u, NULL, NULL, &m);
    n = cadv_fs_measurement_pick(&dup, &m, out, 3);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(out[0].device, "/dev/vda1");
    cr_expect_str_eq(out[1].device, "/dev/sdb");
    cr_expect_str_eq(out[2].device, "/run");
    cr_expect_eq(cadv_fs_measurement_pick(&dup, &m, out, CADV_MAX_FS), 10);
    cadv_fs_measurement_done(&m);
    cadv_fs_inventory_done(&dup);
}

Test(fs, timeouts_give_up_on_one_path_and_go_on)
{
    struct cadv_fs_inventory inv;
    struct cadv_fs_measurement m;
    int status[16];

    cr_assert_eq(cadv_fs_inventory_read(proc_fd, root_fd, NULL, &inv), 0);
    /* No time at all: each statvfs either beat the caller or was abandoned, and every one was tried. */
    for (int round = 0; round < 200; round++) {
        cadv_fs_measure(&inv, -1, root_fd, 0, NULL, status, &m);
        for (size_t i = 0; i < inv.n_parts; i++)
            cr_expect(status[i] == CADV_FS_MEASURED || status[i] == -ETIMEDOUT, "%s: %d", inv.parts[i].device,
                      status[i]);
        for (size_t i = 0; i < m.n; i++)
            cr_expect(m.stats[i].capacity > 0 || strcmp(m.stats[i].device, "/dev/sdc1") == 0, "%s",
                      m.stats[i].device);
        cadv_fs_measurement_done(&m);
    }
    /* A generous timeout: all of them. */
    cadv_fs_measure(&inv, -1, root_fd, 2000000000u, NULL, status, &m);
    cr_expect_eq(m.n, inv.n_parts);
    cadv_fs_measurement_done(&m);
    cadv_fs_inventory_done(&inv);
    usleep(100000); /* let abandoned helpers finish before the fixture goes */
}
