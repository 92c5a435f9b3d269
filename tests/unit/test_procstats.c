/* SPDX-License-Identifier: Apache-2.0 */
/* test_procstats.c - process/fd/socket counts and the open-files ulimit, on a fixture proc tree
 * (fd directories of symlinks like the kernel's) and live on this test process, including the
 * socket cache's rescan rules. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collect/procstats.h"
#include "model/sample.h"

static int proc_fd(const char *scenario)
{
    char path[512];
    int fd;

    snprintf(path, sizeof(path), "%s/proc/%s", CADV_FIXTURES, scenario);
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(fd, 0, "%s", path);
    return fd;
}

Test(procstats, fixture_counts_and_ulimit)
{
    static const uint32_t pids[] = {100, 101, 102, 555}; /* 555 vanished: a process without fds */
    struct cadv_procstats_cache *c = cadv_procstats_cache_new(0);
    struct cadv_process_stats ps = {.threads_current = 42};
    int fd = proc_fd("ps-basic");

    cr_assert_eq(cadv_procstats_read(fd, pids, 4, 100, c, &ps), 0);
    cr_expect_eq(ps.process_count, 4);
    cr_expect_eq(ps.fd_count, 7);
    cr_expect_eq(ps.socket_count, 3);
    cr_expect_eq(ps.has_ulimit, 1);
    cr_expect_eq((int64_t)ps.ulimit_soft, 1024);
    cr_expect_eq((int64_t)ps.ulimit_hard, -1);
    cr_expect_eq(ps.threads_current, 42, "thread fields are left alone");
    /* root pid whose limits line does not parse: no ulimit */
    cr_assert_eq(cadv_procstats_read(fd, pids, 2, 101, c, &ps), 0);
    cr_expect_eq(ps.has_ulimit, 0);
    cr_expect_eq(ps.process_count, 2);
    cr_expect_eq(ps.fd_count, 7);
    cr_assert_eq(cadv_procstats_read(fd, NULL, 0, 0, c, &ps), 0);
    cr_expect_eq(ps.process_count + ps.fd_count + ps.socket_count + ps.has_ulimit, 0);
    cr_expect_eq(cadv_procstats_read(fd, NULL, 1, 0, c, &ps), -EINVAL);
    cadv_procstats_cache_free(c);
    close(fd);
}

Test(procstats, limits_parser)
{
    static const char ok[] = "Limit Soft Hard Units\nMax open files   20000  20000  files\n";
    static const char upper[] = "Max open files   UNLIMITED  5  files";
    static const char four[] = "Max open files   1 2 files extra\n";
    static const char none[] = "Max processes 1 2 processes\n";
    int64_t s = 0, h = 0;

    cr_assert_eq(cadv_procstats_parse_limits(ok, sizeof(ok) - 1, &s, &h), 0);
    cr_expect_eq(s, 20000);
    cr_expect_eq(h, 20000);
    cr_assert_eq(cadv_procstats_parse_limits(upper, sizeof(upper) - 1, &s, &h), 0);
    cr_expect_eq(s, -1);
    cr_expect_eq(h, 5);
    cr_expect_eq(cadv_procstats_parse_limits(four, sizeof(four) - 1, &s, &h), -ENOENT);
    cr_expect_eq(cadv_procstats_parse_limits(none, sizeof(none) - 1, &s, &h), -ENOENT);
}

static struct cadv_process_stats read_self(int pfd, struct cadv_procstats_cache *c)
{
    uint32_t me = (uint32_t)getpid();
    struct cadv_process_stats ps = {0};

    cr_assert_eq(cadv_procstats_read(pfd, &me, 1, me, c, &ps), 0);
    return ps;
}

Test(procstats, live_socket_cache_rescan_rules)
{
    struct cadv_procstats_cache *c = cadv_procstats_cache_new(1000);
    int pfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct cadv_process_stats a, b;
    int f, s, s2;

    a = read_self(pfd, c);
    cr_expect_eq(a.has_ulimit, 1);
    /* A new socket changes the fd count: rescanned at once. */
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    b = read_self(pfd, c);
    cr_expect_eq(b.fd_count, a.fd_count + 1);
    cr_expect_eq(b.socket_count, a.socket_count + 1);
    /* A file swapped for a socket at the same fd count: the cached socket count is kept ... */
    f = open("/dev/null", O_RDONLY | O_CLOEXEC);
    a = read_self(pfd, c);
    close(f);
    s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    b = read_self(pfd, c);
    cr_expect_eq(b.fd_count, a.fd_count);
    cr_expect_eq(b.socket_count, a.socket_count, "not rescanned yet");
    cadv_procstats_cache_free(c);
    /* ... until the rescan period elapses: with a period of 1 every call rescans (cAdvisor's cost). */
    c = cadv_procstats_cache_new(1);
    b = read_self(pfd, c);
    cr_expect_eq(b.socket_count, a.socket_count + 1);
    close(s);
    close(s2);
    cadv_procstats_cache_free(c);
    close(pfd);
}

Test(procstats, rescan_period_counts_calls)
{
    struct cadv_procstats_cache *c = cadv_procstats_cache_new(3);
    int pfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct cadv_process_stats a, b;
    int f, s;

    f = open("/dev/null", O_RDONLY | O_CLOEXEC);
    a = read_self(pfd, c); /* scan */
    close(f);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    b = read_self(pfd, c); /* cached (age 1) */
    cr_expect_eq(b.socket_count, a.socket_count);
    b = read_self(pfd, c); /* cached (age 2) */
    cr_expect_eq(b.socket_count, a.socket_count);
    b = read_self(pfd, c); /* third call since the scan: rescanned */
    cr_expect_eq(b.socket_count, a.socket_count + 1);
    close(s);
    cadv_procstats_cache_free(c);
    close(pfd);
}
