/* SPDX-License-Identifier: Apache-2.0 */
/* test_fileio.c - core/fileio.h: whole-file readers and the line iterator on real kernel seq files
 * that span several pages, on generated files larger than the buffer, at the cap, and on files of a
 * process that exited. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fileio.h"

/* A temporary file of len bytes: lines of growing length ("x", "xx", ...), the last without '\n'. */
static char *make_file(char *path, size_t len)
{
    char *data = malloc(len + 1);
    size_t at = 0, n = 1;
    int fd;

    cr_assert(data);
    while (at < len) {
        for (size_t i = 0; i < n && at < len; i++)
            data[at++] = (char)('a' + (n % 26));
        if (at < len)
            data[at++] = '\n';
        n = n * 3 % 200 + 1;
    }
    data[len] = '\0';
    strcpy(path, "/tmp/cadv-fileio-XXXXXX");
    fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return data;
}

/* Lines counted in a buffer, and the number of lines starting with prefix. */
static size_t count_prefixed(const char *buf, size_t len, const char *prefix)
{
    size_t n = 0, plen = strlen(prefix);

    for (size_t at = 0; at < len;) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - buf) : len;

        n += end - at >= plen && memcmp(buf + at, prefix, plen) == 0;
        at = end + 1;
    }
    return n;
}

Test(fileio, multi_page_seq_file_is_read_to_the_end)
{
    /* smaps is a seq file handing out about a page per read(); a reader stopping at the first
     * short read would keep only the first mappings. Each mapping ends with its VmFlags line. */
    char *buf = NULL;
    size_t len = 0;

    cr_assert_eq(cadv_read_file_at(AT_FDCWD, "/proc/self/smaps", 64u << 20, &buf, &len), 0);
    cr_expect_gt(len, 3 * 4096u);
    cr_expect_eq(buf[len], '\0');
    cr_expect_eq(buf[len - 1], '\n');
    cr_expect_gt(count_prefixed(buf, len, "VmFlags:"), 10u);
    cr_expect_eq(count_prefixed(buf, len, "VmFlags:"), count_prefixed(buf, len, "Rss:"));
    free(buf);
}

Test(fileio, fixed_buffer_reads_a_seq_file_whole)
{
    static char buf[8u << 20];
    size_t len = 0, n_lines = 0, n_vmflags = 0;
    struct cadv_lines it;
    const char *line;
    size_t ll;
    int r;

    cr_assert_eq(cadv_read_at(AT_FDCWD, "/proc/self/smaps", buf, sizeof(buf), &len), 0);
    cr_expect_gt(len, 3 * 4096u);
    cr_expect_eq(count_prefixed(buf, len, "VmFlags:"), count_prefixed(buf, len, "Rss:"));
    /* The iterator through a buffer smaller than a page sees every line of mountinfo and smaps. */
    cr_assert_eq(cadv_lines_open_at(&it, AT_FDCWD, "/proc/self/smaps", buf, 512), 0);
    while ((r = cadv_lines_next(&it, &line, &ll)) > 0) {
        n_lines++;
        n_vmflags += ll >= 8 && memcmp(line, "VmFlags:", 8) == 0;
        cr_assert_null(memchr(line, '\n', ll));
    }
    cadv_lines_done(&it);
    cr_expect_eq(r, 0);
    cr_expect_gt(n_vmflags, 10u);
    cr_expect_gt(n_lines, 10 * n_vmflags);
    n_lines = 0;
    cr_assert_eq(cadv_lines_open_at(&it, AT_FDCWD, "/proc/self/mountinfo", buf, 4096), 0);
    while ((r = cadv_lines_next(&it, &line, &ll)) > 0)
        n_lines++;
    cadv_lines_done(&it);
    cr_expect_eq(r, 0);
    cr_expect_gt(n_lines, 0u);
}

Test(fileio, cap_hit_is_efbig)
{
    char path[64], buf[5001];
    char *data = make_file(path, 5000), *got = NULL;
    size_t len = 0;

    cr_expect_eq(cadv_read_at(AT_FDCWD, path, buf, 4096, &len), -EFBIG);
    cr_expect_eq(cadv_read_at(AT_FDCWD, path, buf, 5000, &len), -EFBIG);
    cr_assert_eq(cadv_read_at(AT_FDCWD, path, buf, 5001, &len), 0);
    cr_expect_eq(len, 5000u);
    cr_expect_eq(memcmp(buf, data, 5000), 0);
    cr_expect_eq(cadv_read_at(AT_FDCWD, path, buf, 0, &len), -EINVAL);
    cr_expect_eq(cadv_read_file_at(AT_FDCWD, path, 4999, &got, &len), -EFBIG);
    cr_expect_null(got);
    cr_assert_eq(cadv_read_file_at(AT_FDCWD, path, 5000, &got, &len), 0);
    cr_expect_eq(len, 5000u);
    cr_expect_str_eq(got, data);
    free(got);
    cr_assert_eq(cadv_read_file_at(AT_FDCWD, path, 1u << 20, &got, NULL), 0);
    cr_expect_str_eq(got, data);
    free(got);
    unlink(path);
    free(data);
}

Test(fileio, lines_through_a_small_buffer_match_memory)
{
    char path[64], buf[64];
    char *data = make_file(path, 100000);
    struct cadv_lines f, m;
    size_t n = 0, n_long = 0;

    cr_assert_eq(cadv_lines_open_at(&f, AT_FDCWD, path, buf, sizeof(buf)), 0);
    cadv_lines_init_mem(&m, data, 100000, sizeof(buf) - 1);
    for (;;) {
        const char *fl = NULL, *ml = NULL;
        size_t fn = 0, mn = 0;
        int fr = cadv_lines_next(&f, &fl, &fn), mr = cadv_lines_next(&m, &ml, &mn);

        cr_assert_eq(fr, mr, "line %zu", n);
        if (fr == 0)
            break;
        if (fr == -EBADMSG) {
            n_long++;
            continue;
        }
        cr_assert_eq(fn, mn);
        cr_assert_eq(memcmp(fl, ml, fn), 0);
        n++;
    }
    cadv_lines_done(&f);
    cadv_lines_done(&m);
    cr_expect_gt(n, 100u);
    cr_expect_gt(n_long, 100u);
    unlink(path);
    free(data);
}

Test(fileio, memory_lines)
{
    struct cadv_lines it;
    const char *l;
    size_t n;

    cadv_lines_init_mem(&it, "a\n\nbc\r\nd", 8, SIZE_MAX);
    cr_assert_eq(cadv_lines_next(&it, &l, &n), 1);
    cr_expect_eq(n, 1u);
    cr_assert_eq(cadv_lines_next(&it, &l, &n), 1);
    cr_expect_eq(n, 0u);
    cr_assert_eq(cadv_lines_next(&it, &l, &n), 1);
    cr_expect_eq(n, 3u); /* the '\r' is kept */
    cr_assert_eq(cadv_lines_next(&it, &l, &n), 1);
    cr_expect_eq(n, 1u);
    cr_expect_eq(*l, 'd');
    cr_expect_eq(cadv_lines_next(&it, &l, &n), 0);
    cr_expect_eq(cadv_lines_next(&it, &l, &n), 0);
    cadv_lines_done(&it);
}

Test(fileio, vanished_process_is_enoent)
{
    char path[64], buf[4096];
    struct cadv_lines it;
    const char *l;
    size_t n;
    int p[2], dirfd, status;
    pid_t pid;

    cr_assert_eq(pipe(p), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char c;

        close(p[1]);
        (void)!read(p[0], &c, 1);
        _exit(0);
    }
    close(p[0]);
    (void)snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(dirfd, 0);
    cr_assert_eq(cadv_read_at(dirfd, "stat", buf, sizeof(buf), &n), 0);
    cr_assert_eq(cadv_lines_open_at(&it, dirfd, "stat", buf, sizeof(buf)), 0);
    close(p[1]); /* the child exits */
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect_eq(cadv_lines_next(&it, &l, &n), -ENOENT); /* read: ESRCH */
    cr_expect_eq(cadv_lines_next(&it, &l, &n), -ENOENT); /* sticky */
    cadv_lines_done(&it);
    cr_expect_eq(cadv_read_at(dirfd, "stat", buf, sizeof(buf), &n), -ENOENT); /* openat: ESRCH */
    cr_expect_eq(cadv_read_at(AT_FDCWD, "/nonexistent/cadv", buf, sizeof(buf), &n), -ENOENT);
    cr_expect_eq(cadv_lines_open_at(&it, AT_FDCWD, "/nonexistent/cadv", buf, sizeof(buf)), -ENOENT);
    close(dirfd);
}

Test(fileio, pread_all_at_the_cap)
{
    char path[64], buf[101];
    char *data = make_file(path, 100);
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    cr_assert_geq(fd, 0);
    cr_assert_eq(cadv_pread_all(fd, buf, sizeof(buf), &len), 0);
    cr_expect_eq(len, 100u);
    cr_expect_str_eq(buf, data);
    cr_expect_eq(cadv_pread_all(fd, buf, 100, &len), -EFBIG);
    close(fd);
    unlink(path);
    free(data);
}
