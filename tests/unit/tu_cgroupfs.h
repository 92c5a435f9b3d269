/* SPDX-License-Identifier: Apache-2.0 */
/* tu_cgroupfs.h - unit-test helpers shared by the tests that run a real manager over a temporary
 * cgroup v2 tree (test_manager, test_http_api, test_metrics_handler): files as the kernel would
 * populate a cgroup v2 directory. Header-only; include from one test file each. */
#pragma once

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void tu_write_file(const char *dir, const char *name, const char *content)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(content, f);
    fclose(f);
}

/* Rewrites dir/name in place with one pwrite and no truncation, as the kernel changes a cgroup file: a
 * reader sees the old text or the new, never an emptied file, and inotify reports one IN_MODIFY, after
 * the write (fopen "w" reports two: the truncation, then the write, and a reader poked by the first
 * sees an empty file). content must be as long as the file's text. */
static inline void tu_rewrite_file(const char *dir, const char *name, const char *content)
{
    char path[512];
    struct stat st;
    size_t len = strlen(content);
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq((size_t)st.st_size, len, "%s: %lld bytes, the new text %zu", path, (long long)st.st_size,
                 len);
    cr_assert_eq(pwrite(fd, content, len, 0), (ssize_t)len, "%s: %s", path, strerror(errno));
    close(fd);
}

/* Creates the directory path with the files of a cgroup v2 container; cpu_stat is cpu.stat's text. */
static inline void tu_make_v2_cgroup(const char *path, const char *controllers, const char *cpu_stat)
{
    cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s: %s", path, strerror(errno));
    tu_write_file(path, "cgroup.controllers", controllers);
    tu_write_file(path, "cgroup.procs", "");
    tu_write_file(path, "cgroup.subtree_control", "");
    tu_write_file(path, "cpu.stat", cpu_stat);
    tu_write_file(path, "cpu.max", "max 100000\n");
    tu_write_file(path, "cpu.weight", "100\n");
    tu_write_file(path, "memory.current", "1048576\n");
    tu_write_file(path, "memory.max", "max\n");
    tu_write_file(path, "memory.stat", "anon 4096\nfile 8192\nactive_file 4096\ninactive_file 4096\n");
    tu_write_file(path, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
    tu_write_file(path, "io.stat", "");
    tu_write_file(path, "pids.current", "1\n");
    tu_write_file(path, "pids.max", "max\n");
}

static inline void tu_replace_str(char **field, const char *value)
{
    free(*field);
    *field = strdup(value);
}
