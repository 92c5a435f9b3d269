/* SPDX-License-Identifier: Apache-2.0 */
/* floor.c - the benchmark's floor, and the tenants of its cgroups (see bench/README.md).
 *
 *   floor read --list FILE [--interval-ms 1000] [--duration-s 30] [--fd-budget N] [--eof-read]
 *       The floor: the cheapest way to read the cgroup files cadv reads. Opens every path of FILE
 *       (one per line), keeping up to N fds open (default: hard RLIMIT_NOFILE minus 512; beyond
 *       that a file is opened, read and closed each cycle), prints "ready <files> <kept>" and then,
 *       every interval for the duration, preads each file at offset 0 into one buffer without
 *       parsing or storing it. --eof-read adds the second pread at the end of the data that a
 *       read-until-EOF loop makes. At the end it prints one JSON line with its own CPU time over the
 *       read loop (getrusage).
 *   floor sleep PARENT_PID
 *       Sleeps until killed, or until PARENT_PID (the harness) dies.
 *   floor burn PARENT_PID BUSY_US PERIOD_US
 *       Spins BUSY_US microseconds of every PERIOD_US, until killed or PARENT_PID dies.
 *
 * Linked against libc only, so that its cost is the kernel's and nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define FD_RESERVE 512
#define READ_BUF   (256 * 1024)

struct floor_file {
    char *path;
    int fd; /* -1: opened, read and closed each cycle */
};

struct floor_stats {
    uint64_t reads;
    uint64_t errors;
    uint64_t bytes;
};

static char read_buf[READ_BUF];

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t)
{
    struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Loads FILE into one buffer and points each entry at one of its lines. */
static int load_list(const char *list, struct floor_file **ret_files, size_t *ret_n)
{
    FILE *f = fopen(list, "re");
    struct floor_file *files = NULL;
    size_t n = 0, cap = 0, len = 0;
    char *line = NULL;
    ssize_t got;

    if (!f)
        return -errno;
    while ((got = getline(&line, &len, f)) > 0) {
        if (line[got - 1] == '\n')
            line[got - 1] = '\0';
        if (line[0] == '\0')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            files = realloc(files, cap * sizeof(*files));
            if (!files)
                abort();
        }
        files[n].path = strdup(line);
        if (!files[n].path)
            abort();
        files[n].fd = -1;
        n++;
    }
    free(line);
    fclose(f);
    *ret_files = files;
    *ret_n = n;
    return 0;
}

/* Raises the soft fd limit to the hard one and returns the default budget. */
static long default_budget(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 0;
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576)
        rl.rlim_cur = 1048576;
    return rl.rlim_cur > FD_RESERVE ? (long)rl.rlim_cur - FD_RESERVE : 0;
}

static void read_fd(int fd, bool eof_read, struct floor_stats *st)
{
    ssize_t n = pread(fd, read_buf, sizeof(read_buf), 0);

    st->reads++;
    if (n < 0) {
        st->errors++;
        return;
    }
    st->bytes += (uint64_t)n;
    if (eof_read)
        (void)pread(fd, read_buf, sizeof(read_buf), (off_t)n);
}

static void read_cycle(struct floor_file *files, size_t n, bool eof_read, struct floor_stats *st)
{
    for (size_t i = 0; i < n; i++) {
        int fd = files[i].fd;

        if (fd >= 0) {
            read_fd(fd, eof_read, st);
            continue;
        }
        fd = open(files[i].path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            st->reads++;
            st->errors++;
            continue;
        }
        read_fd(fd, eof_read, st);
        close(fd);
    }
}

struct read_opts {
    const char *list;
    long interval_ms;
    double duration_s;
    long fd_budget;
    bool eof_read;
};

static int parse_read_opts(int argc, char **argv, struct read_opts *o)
{
    static const struct option longopts[] = {
            {"list", required_argument, NULL, 'l'},       {"interval-ms", required_argument, NULL, 'i'},
            {"duration-s", required_argument, NULL, 'd'}, {"fd-budget", required_argument, NULL, 'b'},
            {"eof-read", no_argument, NULL, 'e'},         {NULL, 0, NULL, 0},
    };
    int c;

    *o = (struct read_opts){.interval_ms = 1000, .duration_s = 30.0, .fd_budget = -1};
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            o->list = optarg;
            break;
        case 'i':
            o->interval_ms = strtol(optarg, NULL, 10);
            break;
        case 'd':
            o->duration_s = strtod(optarg, NULL);
            break;
        case 'b':
            o->fd_budget = strtol(optarg, NULL, 10);
            break;
        case 'e':
            o->eof_read = true;
            break;
        default:
            return -EINVAL;
        }
    }
    if (!o->list || o->interval_ms <= 0 || o->duration_s <= 0)
        return -EINVAL;
    return 0;
}

static int cmd_read(int argc, char **argv)
{
    struct floor_stats st = {0};
    struct floor_file *files = NULL;
    struct rusage ru0, ru1;
    struct read_opts o;
    int64_t t0, t_end, interval_ns;
    size_t n = 0, kept = 0;
    uint64_t cycles = 0;
    long budget;
    int r;

    if (parse_read_opts(argc, argv, &o) < 0) {
        fprintf(stderr, "usage: floor read --list FILE [--interval-ms MS] [--duration-s S] "
                        "[--fd-budget N] [--eof-read]\n");
        return 2;
    }
    r = load_list(o.list, &files, &n);
    if (r < 0) {
        fprintf(stderr, "floor: cannot read %s: %s\n", o.list, strerror(-r));
        return 1;
    }
    budget = default_budget();
    if (o.fd_budget >= 0)
        budget = o.fd_budget;
    for (size_t i = 0; i < n && kept < (size_t)budget; i++) {
        files[i].fd = open(files[i].path, O_RDONLY | O_CLOEXEC);
        if (files[i].fd >= 0)
            kept++;
    }
    printf("ready %zu %zu\n", n, kept);
    fflush(stdout);

    interval_ns = o.interval_ms * 1000000;
    t0 = now_ns();
    t_end = t0 + (int64_t)(o.duration_s * 1e9);
    getrusage(RUSAGE_SELF, &ru0);
    for (int64_t t = t0; t < t_end; t += interval_ns) {
        sleep_until_ns(t);
        read_cycle(files, n, o.eof_read, &st);
        cycles++;
    }
    sleep_until_ns(t_end);
    getrusage(RUSAGE_SELF, &ru1);

    printf("{\"files\": %zu, \"kept_open\": %zu, \"cycles\": %llu, \"reads\": %llu, \"errors\": %llu, "
           "\"bytes\": %llu, \"utime_s\": %.6f, \"stime_s\": %.6f, \"wall_s\": %.6f}\n",
           n, kept, (unsigned long long)cycles, (unsigned long long)st.reads, (unsigned long long)st.errors,
           (unsigned long long)st.bytes, tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime),
           tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime), (double)(now_ns() - t0) / 1e9);
    fflush(stdout);
    for (size_t i = 0; i < n; i++) {
        if (files[i].fd >= 0)
            close(files[i].fd);
        free(files[i].path);
    }
    free(files);
    return 0;
}

/* Dies with the harness, so that no tenant outlives it even after a SIGKILL. */
static int watch_parent(const char *arg)
{
    long parent = strtol(arg, NULL, 10);

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return -errno;
    if (getppid() != (pid_t)parent)
        return -ESRCH;
    return 0;
}

static int cmd_burn(int argc, char **argv)
{
    int64_t busy_ns, period_ns, t;

    if (argc != 5 || watch_parent(argv[2]) < 0)
        return 2;
    busy_ns = strtoll(argv[3], NULL, 10) * 1000;
    period_ns = strtoll(argv[4], NULL, 10) * 1000;
    if (busy_ns < 0 || period_ns <= 0 || busy_ns > period_ns)
        return 2;
    for (t = now_ns();; t += period_ns) {
        while (now_ns() < t + busy_ns)
            ;
        sleep_until_ns(t + period_ns);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "read") == 0)
        return cmd_read(argc - 1, argv + 1);
    if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
        if (watch_parent(argv[2]) < 0)
            return 2;
        for (;;)
            pause();
    }
    if (argc >= 2 && strcmp(argv[1], "burn") == 0)
        return cmd_burn(argc, argv);
    fprintf(stderr, "usage: floor read|sleep|burn ... (see bench/floor.c)\n");
    return 2;
}
