/* SPDX-License-Identifier: Apache-2.0 */
/* test_fsusage.c - the budgeted, resumable du: totals checked against an independent nftw walk of a
 * real tree (hard links, symlinks, nested directories), pausing and resuming, the extra directory,
 * failure back-off, and the device lookups (stat, mountinfo fixture, machine filesystems). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "collect/fsusage.h"
#include "model/machine.h"
#include "model/sample.h"

static char tree[256];

static void write_file(const char *rel, size_t bytes)
{
    char path[512];
    char *buf = calloc(1, bytes + 1);
    int fd;

    memset(buf, 'x', bytes);
    snprintf(path, sizeof(path), "%s/%s", tree, rel);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0, "%s", path);
    cr_assert_eq(write(fd, buf, bytes), (ssize_t)bytes);
    cr_assert_eq(fsync(fd), 0);
    close(fd);
    free(buf);
}

static void mk(const char *rel)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", tree, rel);
    cr_assert_eq(mkdir(path, 0755), 0, "%s", path);
}

static void make_tree(void)
{
    char a[512], b[512];

    snprintf(tree, sizeof(tree), "/tmp/cadv-test-fsusage-%d", (int)getpid());
    cr_assert_eq(mkdir(tree, 0755), 0);
    mk("upper");
    mk("upper/etc");
    mk("upper/var");
    mk("upper/var/log");
    mk("upper/var/log/deep");
    write_file("upper/etc/hosts", 100);
    write_file("upper/var/log/a.log", 70000);
    write_file("upper/var/log/deep/b.bin", 300000);
    snprintf(a, sizeof(a), "%s/upper/var/log/a.log", tree);
    snprintf(b, sizeof(b), "%s/upper/etc/a-hardlink", tree);
    cr_assert_eq(link(a, b), 0);
    snprintf(b, sizeof(b), "%s/upper/etc/to-outside", tree);
    cr_assert_eq(symlink("/usr/bin", b), 0);
    mk("extra");
    write_file("extra/c-json.log", 5000);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static void rm_tree(void)
{
    (void)nftw(tree, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* The independent reference: nftw without following symlinks, not crossing mounts, hard links once. */
static uint64_t ref_bytes, ref_inodes;
static ino_t ref_seen[64];
static int ref_n;

static int ref_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)p;
    (void)flag;
    (void)f;
    if (st->st_nlink > 1) {
        for (int i = 0; i < ref_n; i++)
            if (ref_seen[i] == st->st_ino)
                return 0;
        ref_seen[ref_n++] = st->st_ino;
    }
    ref_bytes += (uint64_t)st->st_blocks * 512;
    ref_inodes++;
    return 0;
}

static void reference(const char *dir)
{
    ref_bytes = ref_inodes = 0;
    ref_n = 0;
    cr_assert_eq(nftw(dir, ref_cb, 16, FTW_PHYS | FTW_MOUNT), 0);
}

TestSuite(fsusage, .init = make_tree, .fini = rm_tree);

Test(fsusage, full_pass_matches_reference)
{
    char up[300], ex[300];
    struct cadv_fsusage_result r;
    struct cadv_fsusage *u;
    uint64_t up_bytes, up_inodes;

    snprintf(up, sizeof(up), "%s/upper", tree);
    snprintf(ex, sizeof(ex), "%s/extra", tree);
    u = cadv_fsusage_new(up, ex, 0);
    cr_expect(cadv_fsusage_due(u, 0));
    cr_expect_eq(cadv_fsusage_result(u, &r), -ENODATA);
    cr_assert_eq(cadv_fsusage_step(u, 1000000, 1000), 1);
    cr_assert_eq(cadv_fsusage_result(u, &r), 0);
    reference(up);
    up_bytes = ref_bytes;
    up_inodes = ref_inodes;
    cr_expect_eq(up_inodes, 9); /* 5 dirs, 3 files, 1 symlink; the hard link once */
    cr_expect_eq(r.inodes, up_inodes);
    cr_expect_eq(r.base_bytes, up_bytes);
    cr_expect_geq(r.base_bytes, 370000);
    reference(ex);
    cr_expect_eq(r.total_bytes, up_bytes + ref_bytes);
    cr_expect_gt(r.timestamp_ns, 0);
    /* scheduled one period later */
    cr_expect_not(cadv_fsusage_due(u, 1000 + CADV_FSUSAGE_PERIOD_NS - 1));
    cr_expect(cadv_fsusage_due(u, 1000 + CADV_FSUSAGE_PERIOD_NS));
    cr_expect_eq(cadv_fsusage_next_due(u), 1000 + CADV_FSUSAGE_PERIOD_NS);
    cadv_fsusage_free(u);
}

Test(fsusage, budgeted_steps_resume_to_the_same_result)
{
    char up[300];
    struct cadv_fsusage_result full, part;
    struct cadv_fsusage *u;
    int steps = 0, r;

    snprintf(up, sizeof(up), "%s/upper", tree);
    u = cadv_fsusage_new(up, NULL, 0);
    cr_assert_eq(cadv_fsusage_step(u, 1000000, 1), 1);
    cr_assert_eq(cadv_fsusage_result(u, &full), 0);
    cadv_fsusage_free(u);

    u = cadv_fsusage_new(up, NULL, 0);
    while ((r = cadv_fsusage_step(u, 2, 1)) == 0) {
        steps++;
        cr_expect(cadv_fsusage_due(u, 0), "a pass in progress is always due");
        cr_expect_eq(cadv_fsusage_result(u, &part), -ENODATA);
    }
    cr_assert_eq(r, 1);
    cr_expect_geq(steps, 3);
    cr_assert_eq(cadv_fsusage_result(u, &part), 0);
    cr_expect_eq(part.base_bytes, full.base_bytes);
    cr_expect_eq(part.inodes, full.inodes);
    cr_expect_eq(part.total_bytes, full.base_bytes);
    cadv_fsusage_free(u);
}

Test(fsusage, growth_is_seen_on_the_next_pass_and_paused_walks_free_cleanly)
{
    char up[300];
    struct cadv_fsusage_result a, b;
    struct cadv_fsusage *u;

    snprintf(up, sizeof(up), "%s/upper", tree);
    u = cadv_fsusage_new(up, NULL, 1);
    cr_assert_eq(cadv_fsusage_step(u, 1000, 0), 1);
    cr_assert_eq(cadv_fsusage_result(u, &a), 0);
    write_file("upper/var/new.bin", 1 << 20);
    cr_assert_eq(cadv_fsusage_step(u, 1000, 10), 1);
    cr_assert_eq(cadv_fsusage_result(u, &b), 0);
    cr_expect_geq(b.base_bytes, a.base_bytes + (1 << 20));
    cr_expect_eq(b.inodes, a.inodes + 1);
    /* leave a walk paused inside nested directories: free must close them (ASan/fd checks) */
    cr_assert_eq(cadv_fsusage_step(u, 3, 20), 0);
    cadv_fsusage_free(u);
}

Test(fsusage, missing_dir_fails_and_backs_off)
{
    char missing[300], ex[300];
    struct cadv_fsusage_result r;
    struct cadv_fsusage *u;
    const uint64_t p = 1000;

    snprintf(missing, sizeof(missing), "%s/nope", tree);
    snprintf(ex, sizeof(ex), "%s/extra", tree);
    u = cadv_fsusage_new(missing, NULL, p);
    cr_expect_lt(cadv_fsusage_step(u, 100, 0), 0);
    cr_expect_eq(cadv_fsusage_result(u, &r), -ENODATA);
    cr_expect_eq(cadv_fsusage_next_due(u), 2 * p);
    for (int i = 0; i < 10; i++)
        cr_expect_lt(cadv_fsusage_step(u, 100, 0), 0);
    cr_expect_eq(cadv_fsusage_next_due(u), CADV_FSUSAGE_MAX_BACKOFF * p, "capped at 20 periods");
    cadv_fsusage_free(u);

    /* the part that worked is still published (cAdvisor applies each part on its own) */
    u = cadv_fsusage_new(missing, ex, p);
    cr_expect_lt(cadv_fsusage_step(u, 100, 0), 0);
    cr_assert_eq(cadv_fsusage_result(u, &r), 0);
    cr_expect_eq(r.base_bytes, 0);
    cr_expect_gt(r.total_bytes, 0);
    cadv_fsusage_free(u);
}

Test(fsusage, devices)
{
    char src[128];
    uint32_t maj = 0, min = 0;
    int pfd = open(CADV_FIXTURES "/proc/fs-mounts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    cr_assert_geq(pfd, 0);
    cr_assert_eq(cadv_fsusage_mount_source(pfd, "self/mountinfo", 8, 16, src, sizeof(src)), 0);
    cr_expect_str_eq(src, "/dev/sdb");
    cr_assert_eq(cadv_fsusage_mount_source(pfd, "self/mountinfo", 254, 1, src, sizeof(src)), 0);
    cr_expect_str_eq(src, "/dev/vda1", "the first mount of the device");
    cr_assert_eq(cadv_fsusage_mount_source(pfd, "self/mountinfo", 0, 60, src, sizeof(src)), 0);
    cr_expect_str_eq(src, "tmp fs");
    cr_expect_eq(cadv_fsusage_mount_source(pfd, "self/mountinfo", 9, 9, src, sizeof(src)), -ENOENT);
    cr_expect_eq(cadv_fsusage_mount_source(pfd, "self/mountinfo", 8, 16, src, 4), -ENAMETOOLONG);
    cr_expect_eq(cadv_fsusage_mount_source(pfd, "self/nope", 8, 16, src, sizeof(src)), -ENOENT);
    close(pfd);
    cr_assert_eq(cadv_fsusage_dir_dev(tree, &maj, &min), 0);
    {
        struct stat st;

        cr_assert_eq(stat(tree, &st), 0);
        cr_expect_eq(maj, major(st.st_dev));
        cr_expect_eq(min, minor(st.st_dev));
    }
    cr_expect_eq(cadv_fsusage_dir_dev("/nonexistent/x", &maj, &min), -ENOENT);
}

Test(fsusage, fill_stats_from_machine_filesystems)
{
    struct cadv_fs_info fss[2] = {
            {.device = "/dev/vda1", .type = "ext4", .major = 254, .minor = 1, .capacity = 1000},
            {.device = "/dev/sdb", .type = "zfs", .major = 8, .minor = 16, .capacity = 5000},
    };
    struct cadv_machine_info m = {.filesystems = fss, .n_filesystems = 2};
    struct cadv_fs_stats root[1] = {{.device = "/dev/sdb", .reads_completed = 77, .available = 9}};
    struct cadv_fsusage_result u = {.base_bytes = 10, .total_bytes = 15, .inodes = 3};
    struct cadv_fs_stats st;

    cr_assert_eq(cadv_fsusage_fill_stats(&u, 254, 1, &m, root, 1, &st), 0);
    cr_expect_str_eq(st.device, "/dev/vda1");
    cr_expect_str_eq(st.type, "vfs");
    cr_expect_eq(st.capacity, 1000);
    cr_expect_eq(st.usage, 15);
    cr_expect_eq(st.base_usage, 10);
    cr_expect_eq(st.inodes, 3);
    cr_expect_eq(st.reads_completed, 0);
    cr_assert_eq(cadv_fsusage_fill_stats(&u, 8, 16, &m, root, 1, &st), 0);
    cr_expect_str_eq(st.type, "zfs");
    cr_expect_eq(st.reads_completed, 77, "disk I/O from the root's entry of the device");
    cr_expect_eq(st.available, 0, "cAdvisor leaves available unset for containers");
    cr_expect_eq(cadv_fsusage_fill_stats(&u, 1, 1, &m, NULL, 0, &st), -ENOENT);
}
