/* SPDX-License-Identifier: Apache-2.0 */
/* test_procstats.c - process/fd/socket counts and the open-files ulimit, on a fixture proc tree
 * (fd directories of symlinks like the kernel's) and live on this test process, including the
 * socket cache's rescan rules. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/procstats.h"
#include "collect/ps.h"
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

Test(procstats, parse_stat_with_odd_comm)
{
    static const char line[] =
            "4242 (we (ird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 "
            "12345 10485760 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    struct cadv_ps_stat st;

    cr_assert_eq(cadv_procstats_parse_stat(line, sizeof(line) - 1, &st), 0);
    cr_expect_str_eq(st.comm, "we (ird) name");
    cr_expect_eq(st.state, 'S');
    cr_expect_eq(st.ppid, 1);
    cr_expect_eq(st.session, 4242);
    cr_expect_eq(st.tpgid, -1);
    cr_expect_eq(st.utime, 250);
    cr_expect_eq(st.stime, 50);
    cr_expect_eq(st.num_threads, 3);
    cr_expect_eq(st.starttime, 12345);
    cr_expect_eq(st.vsize, 10485760);
    cr_expect_eq(st.rss_pages, 300);
    cr_expect_eq(st.processor, 1);
    cr_expect_eq(cadv_procstats_parse_stat(line, 40, &st), -EBADMSG);
    cr_expect_eq(cadv_procstats_parse_stat("1 (x", 4, &st), -EBADMSG);
}

/* A sleeping child through cadv and through procps's ps, with cAdvisor's column list. */
static pid_t start_sleeper(void)
{
    pid_t child = fork();
    char comm[32] = "";

    cr_assert_geq(child, 0);
    if (child == 0) {
        execl("/bin/sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && strcmp(comm, "sleep\n") != 0; i++) {
        char path[64];
        FILE *f;

        usleep(10000);
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)child);
        f = fopen(path, "r");
        if (f) {
            if (!fgets(comm, sizeof(comm), f))
                comm[0] = '\0';
            fclose(f);
        }
    }
    usleep(50000); /* asleep in nanosleep */
    return child;
}

static int count_dir(pid_t pid)
{
    char path[64];
    struct dirent *e;
    DIR *d;
    int n = 0;

    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    d = opendir(path);
    cr_assert_not_null(d);
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

Test(procstats, ps_matches_procps)
{
    int pfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct cadv_ps_env env;
    struct cadv_ps_info pi, after;
    char cmd[256], out[512] = "", user[64], stime[32], stat[16], time_s[32], comm[64];
    unsigned pid, ppid, psr;
    unsigned long rss, vsz;
    double pcpu, pmem;
    pid_t child = start_sleeper();
    int fds;
    FILE *p;

    cr_assert_eq(cadv_procstats_ps_env(pfd, &env), 0);
    cr_expect_gt(env.boot_time_s, 1000000000);
    cr_expect_gt(env.mem_total_kb, 0);
    cr_assert_eq(cadv_procstats_ps(pfd, (uint32_t)child, &env, &pi), 0);
    fds = count_dir(child);
    snprintf(cmd, sizeof(cmd),
             "ps --no-headers -o user,pid,ppid,stime,pcpu,pmem,rss,vsz,stat,time,comm,psr -p %d", (int)child);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    cr_assert_not_null(fgets(out, sizeof(out), p));
    pclose(p);
    /* %CPU is CPU time over the time since start: it moves between our read and ps's (a loaded machine
     * may still be running the sleeper's start-up), so ps's figure must lie between a read before and a
     * read after it, each with its own uptime (the same one would give the same figure twice). */
    cr_assert_eq(cadv_procstats_ps_env(pfd, &env), 0);
    cr_assert_eq(cadv_procstats_ps(pfd, (uint32_t)child, &env, &after), 0);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    cr_assert_eq(sscanf(out, "%63s %u %u %31s %lf %lf %lu %lu %15s %31s %63s %u", user, &pid, &ppid, stime,
                        &pcpu, &pmem, &rss, &vsz, stat, time_s, comm, &psr),
                 12, "%s", out);
    cr_expect_str_eq(pi.user, user);
    cr_expect_eq(pi.pid, pid);
    cr_expect_eq(pi.ppid, ppid);
    cr_expect_str_eq(pi.start_time, stime);
    cr_expect_str_eq(pi.status, stat);
    cr_expect_str_eq(pi.running_time, time_s);
    cr_expect_str_eq(pi.cmd, comm);
    cr_expect_eq(pi.psr, (int)psr);
    cr_expect_eq(pi.rss_bytes, (uint64_t)rss * 1024, "%llu vs %lu kB", (unsigned long long)pi.rss_bytes, rss);
    cr_expect_eq(pi.virtual_size_bytes, (uint64_t)vsz * 1024);
    cr_expect(pi.percent_mem >= pmem - 0.05 && pi.percent_mem <= pmem + 0.05, "%f vs %f", pi.percent_mem,
              pmem);
    cr_expect(pcpu >= fmin(pi.percent_cpu, after.percent_cpu) - 0.05 &&
                      pcpu <= fmax(pi.percent_cpu, after.percent_cpu) + 0.05,
              "ps %f, cadv %f before and %f after", pcpu, pi.percent_cpu, after.percent_cpu);
    cr_expect_eq(pi.fd_count, fds, "%d vs %d", pi.fd_count, fds);
    cr_expect_neq(pi.cgroup_path[0], '\0');
    close(pfd);
}

Test(procstats, ps_gone_process)
{
    int pfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct cadv_ps_env env;
    struct cadv_ps_info pi;

    cr_assert_eq(cadv_procstats_ps_env(pfd, &env), 0);
    cr_expect_eq(cadv_procstats_ps(pfd, 999999999u, &env, &pi), -ENOENT);
    close(pfd);
}

struct walk_seen {
    size_t n;
    uint32_t last_pid;
    bool sorted, self, blank_paths;
};

static void on_process(void *arg, const struct cadv_ps_info *p)
{
    struct walk_seen *w = arg;

    w->sorted &= w->n == 0 || p->pid > w->last_pid;
    w->self |= p->pid == (uint32_t)getpid();
    w->blank_paths &= p->cgroup_path[0] == '\0';
    w->last_pid = p->pid;
    w->n++;
}

/* The /api/v2.0/ps walk (collect/ps.h): every process in pid order for "/", this process among
 * them; only the processes of that cgroup (with the path blanked) for a container. */
Test(procstats, ps_walk_lists_and_filters)
{
    int pfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct cadv_ps_env env;
    struct cadv_ps_info self;
    struct walk_seen all = {.sorted = true, .blank_paths = true};
    struct walk_seen mine = {.sorted = true, .blank_paths = true};
    struct walk_seen none = {.sorted = true, .blank_paths = true};

    cr_assert_geq(pfd, 0);
    cr_assert_eq(cadv_procstats_ps_env(pfd, &env), 0);
    cr_assert_eq(cadv_procstats_ps(pfd, (uint32_t)getpid(), &env, &self), 0);
    cr_assert_eq(cadv_ps_walk(pfd, "/", on_process, &all), 0);
    cr_expect_gt(all.n, 1);
    cr_expect(all.sorted);
    cr_expect(all.self);
    if (self.cgroup_path[0]) {
        cr_assert_eq(cadv_ps_walk(pfd, self.cgroup_path, on_process, &mine), 0);
        cr_expect(mine.self);
        cr_expect(mine.sorted);
        cr_expect(mine.blank_paths);
        cr_expect_leq(mine.n, all.n);
    }
    cr_assert_eq(cadv_ps_walk(pfd, "/no/such/cgroup/of/cadv", on_process, &none), 0);
    cr_expect_eq(none.n, 0);
    close(pfd);
    cr_expect_eq(cadv_ps_walk(-1, "/", on_process, &none), -EBADF);
    cr_expect_eq(none.n, 0);
}

/* cmd as cAdvisor gives it: its ps line's fields between `time` and `psr` joined by one space, the
 * `comm` column of procps, cut to 15 characters as it is not the last column (issue 8). Checked
 * against ps itself for kernel threads, whose names are longer than 15 characters on recent
 * kernels, and for a task named with blanks and a tab. */
static bool ps_comm_as_cadvisor(pid_t pid, char *out, size_t size)
{
    char cmd[96], line[256] = "", *tok[32], *save = NULL;
    size_t n = 0, nt = 0;
    bool got;
    FILE *p;

    snprintf(cmd, sizeof(cmd), "ps --no-headers -o time,comm,psr -p %d", (int)pid);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    got = fgets(line, sizeof(line), p) != NULL;
    pclose(p);
    if (!got)
        return false; /* gone (kernel workers come and go) */
    for (char *t = strtok_r(line, " \n", &save); t && nt < 32; t = strtok_r(NULL, " \n", &save))
        tok[nt++] = t;
    cr_assert_geq(nt, 3, "%s", line);
    out[0] = '\0';
    for (size_t i = 1; i + 1 < nt; i++) /* between time and psr */
        n += (size_t)snprintf(out + n, size - n, "%s%s", i > 1 ? " " : "", tok[i]);
    return true;
}

Test(procstats, ps_cmd_matches_cadvisor_for_kernel_threads_and_odd_names)
{
    int pfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct cadv_ps_env env;
    struct cadv_ps_info pi;
    char want[128], after[128];
    int fds[2], checked = 0;
    pid_t child;

    cr_assert_eq(cadv_procstats_ps_env(pfd, &env), 0);
    for (pid_t pid = 2; pid < 40; pid++) {
        /* a kernel worker's name follows the work it picks up: ps before and after brackets ours */
        if (!ps_comm_as_cadvisor(pid, want, sizeof(want)) ||
            cadv_procstats_ps(pfd, (uint32_t)pid, &env, &pi) < 0 || pi.ppid != 2 ||
            !ps_comm_as_cadvisor(pid, after, sizeof(after)))
            continue; /* not a kernel thread (kthreadd's children), or gone */
        cr_expect(strcmp(pi.cmd, want) == 0 || strcmp(pi.cmd, after) == 0, "pid %d: '%s' vs ps '%s', '%s'",
                  (int)pid, pi.cmd, want, after);
        checked++;
    }
    cr_expect_gt(checked, 0);

    cr_assert_eq(pipe(fds), 0);
    child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        /* comm is what prctl(PR_SET_NAME) writes; /proc/self/comm sets the same */
        FILE *f = fopen("/proc/self/comm", "w");

        if (f) {
            fputs(" a  b\tc ", f);
            fclose(f);
        }
        close(fds[0]);
        close(fds[1]);
        pause();
        _exit(0);
    }
    close(fds[1]);
    {
        char b;

        cr_assert_eq(read(fds[0], &b, 1), 0); /* the child closed its end: named by now */
    }
    close(fds[0]);
    cr_assert_eq(cadv_procstats_ps(pfd, (uint32_t)child, &env, &pi), 0);
    cr_assert(ps_comm_as_cadvisor(child, want, sizeof(want)));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    cr_expect_str_eq(want, "a b?c");
    cr_expect_str_eq(pi.cmd, want);
    close(pfd);
}
