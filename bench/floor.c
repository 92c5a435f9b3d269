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
 *   floor serve-metrics --body FILE [--port-file FILE] [--duration-s 600] [--parent PID]
 *       The floor of a /metrics scrape: loads a Prometheus text body (cadv's, captured by the
 *       harness), splits every series line into its constant part (HELP/TYPE lines, name and label
 *       set: rendered once, as cadv renders label sets once per container) and its value and
 *       timestamp, kept as numbers. Listens on 127.0.0.1 (a port the kernel picks, written to the
 *       port file), prints "ready <port> <series> <bytes>", and answers each GET, one connection at
 *       a time, by formatting every value and timestamp again into one buffer (integer arithmetic
 *       for values held as integer / 10^k, "%.17g" for the rest) between the constant parts, gzipped
 *       with zlib level 1 when Accept-Encoding lists gzip; HTTP/1.1, Content-Length, Connection:
 *       close. Exits after the duration, or when PID (the harness) dies.
 *   floor farm PARENT_PID
 *       The farm's tenant server: reads commands from stdin, one a line, and answers each with one
 *       line. "add BUSY_US PERIOD_US DIR..." forks a tenant (BUSY_US 0: it sleeps; else it spins
 *       BUSY_US of every PERIOD_US), which moves itself into each DIR (writes DIR/cgroup.procs),
 *       and answers "pid N". "sync" waits until every tenant added since the last sync has joined
 *       its cgroups and answers "ok", or "err ERRNO PID" (a tenant that failed exits). Tenants
 *       join in parallel: the kernel's migrations mostly wait, and a batch waits together.
 *       "kill PID..." (up to 1024) SIGKILLs and reaps those of its tenants and answers "ok". At EOF on stdin
 * it kills and reaps every tenant left and exits. Forking from this small process costs a fraction of a spawn
 * from the harness, and no exec; tenants die with it, and it with the harness (PARENT_PID). floor mkdir-lat
 * --dir PATH... [--interval-ms 100] [--duration-s 30] [--parent PID] mkdir latency: about every interval
 * (each delay drawn from [0.5, 1.5) x the interval, so that the phase wanders against cadv's cycle), mkdir of
 * each PATH (a new cgroup, timed with CLOCK_MONOTONIC) and its rmdir (untimed). Prints "ready" first and at
 * the end one JSON line:
 *       {"lat_us": [...], "errors": N}.
 *   floor sleep PARENT_PID
 *       Sleeps until killed, or until PARENT_PID (the harness) dies.
 *   floor burn PARENT_PID BUSY_US PERIOD_US
 *       Spins BUSY_US microseconds of every PERIOD_US, until killed or PARENT_PID dies.
 *
 * Linked against libc (and zlib, for serve-metrics only), so that its cost is the kernel's (and
 * zlib's) and nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

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
    /* Ends at t_end even when a cycle takes longer than the interval (a loaded host, past the fd
     * budget): the result is CPU over wall time, and the window must stay the window. */
    for (int64_t t = t0; t < t_end && now_ns() < t_end; t += interval_ns) {
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

_Noreturn static void tenant_run(int64_t busy_ns, int64_t period_ns);

static int cmd_burn(int argc, char **argv)
{
    int64_t busy_ns, period_ns;

    if (argc != 5 || watch_parent(argv[2]) < 0)
        return 2;
    busy_ns = strtoll(argv[3], NULL, 10) * 1000;
    period_ns = strtoll(argv[4], NULL, 10) * 1000;
    if (busy_ns < 0 || period_ns <= 0 || busy_ns > period_ns)
        return 2;
    tenant_run(busy_ns, period_ns);
}

/* --- farm: the tenant server ----------------------------------------------------------------------- */

struct tenant {
    pid_t pid;
    bool alive;
};

static struct tenant *tenants;
static size_t n_tenants, cap_tenants;

_Noreturn static void tenant_run(int64_t busy_ns, int64_t period_ns)
{
    if (busy_ns <= 0)
        for (;;)
            pause();
    for (int64_t t = now_ns();; t += period_ns) {
        while (now_ns() < t + busy_ns)
            ;
        sleep_until_ns(t + period_ns);
    }
}

/* SIGKILLs pid if it is a live tenant; returns its index, or -1. */
static long kill_tenant(pid_t pid)
{
    for (size_t i = 0; i < n_tenants; i++) {
        if (tenants[i].pid == pid && tenants[i].alive) {
            (void)kill(pid, SIGKILL);
            return (long)i;
        }
    }
    return -1;
}

static void reap_tenant(long i)
{
    if (i < 0 || !tenants[i].alive)
        return;
    while (waitpid(tenants[i].pid, NULL, 0) < 0 && errno == EINTR)
        ;
    tenants[i].alive = false;
}

static int write_pid(const char *dir, pid_t pid)
{
    char path[4096], buf[32];
    int fd, len = snprintf(buf, sizeof(buf), "%d", (int)pid), r = 0;

    if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= sizeof(path))
        return -ENAMETOOLONG;
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (write(fd, buf, (size_t)len) != len)
        r = -errno;
    close(fd);
    return r;
}

/* A tenant's report on joining its cgroups, written whole (atomic) into the join pipe. */
struct join_report {
    int32_t pid;
    int32_t err; /* errno of the first failed cgroup.procs write, or 0 */
};

static int join_pipe[2] = {-1, -1};
static size_t joins_pending;

/* The tenant (child) side of "add": joins every DIR itself, so that a batch of tenants waits on the
 * kernel's cgroup migrations in parallel, reports, then runs. */
_Noreturn static void tenant_join_and_run(char *save, int64_t busy_ns, int64_t period_ns, pid_t server)
{
    struct join_report rep = {.pid = (int32_t)getpid(), .err = 0};
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    char *dir;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != server)
        _exit(2);
    if (null_fd >= 0) { /* let go of the server's pipes to the harness */
        (void)dup2(null_fd, STDIN_FILENO);
        (void)dup2(null_fd, STDOUT_FILENO);
        close(null_fd);
    }
    close(join_pipe[0]);
    while ((dir = strtok_r(NULL, " ", &save)) && rep.err == 0)
        rep.err = -write_pid(dir, 0);
    if (write(join_pipe[1], &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
        _exit(3);
    close(join_pipe[1]);
    if (rep.err)
        _exit(1);
    tenant_run(busy_ns, period_ns);
}

/* "add BUSY_US PERIOD_US DIR...": one tenant, which joins every DIR (see "sync"). */
static void farm_add(char *args)
{
    char *save = NULL, *busy = strtok_r(args, " ", &save), *period = strtok_r(NULL, " ", &save);
    int64_t busy_ns, period_ns;
    pid_t me = getpid(), pid;

    if (!busy || !period) {
        printf("err %d -\n", EINVAL);
        return;
    }
    busy_ns = strtoll(busy, NULL, 10) * 1000;
    period_ns = strtoll(period, NULL, 10) * 1000;
    if (busy_ns < 0 || period_ns <= 0 || busy_ns > period_ns) {
        printf("err %d -\n", EINVAL);
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        printf("err %d -\n", errno);
        return;
    }
    if (pid == 0)
        tenant_join_and_run(save, busy_ns, period_ns, me);
    if (n_tenants == cap_tenants) {
        cap_tenants = cap_tenants ? 2 * cap_tenants : 1024;
        tenants = realloc(tenants, cap_tenants * sizeof(*tenants));
        if (!tenants)
            abort();
    }
    tenants[n_tenants++] = (struct tenant){.pid = pid, .alive = true};
    joins_pending++;
    printf("pid %d\n", (int)pid);
}

/* "sync": waits for every tenant added since the last sync to have joined its cgroups. */
static void farm_sync(void)
{
    struct join_report rep;
    int err = 0, bad_pid = 0;

    for (; joins_pending > 0; joins_pending--) {
        ssize_t got;

        while ((got = read(join_pipe[0], &rep, sizeof(rep))) < 0 && errno == EINTR)
            ;
        if (got != (ssize_t)sizeof(rep)) {
            err = got < 0 ? errno : EIO;
            joins_pending = 0;
            break;
        }
        if (rep.err && !err) {
            err = rep.err;
            bad_pid = rep.pid;
        }
    }
    if (err)
        printf("err %d %d\n", err, bad_pid);
    else
        printf("ok\n");
}

#define FARM_KILL_MAX 1024 /* pids per "kill" line */

static int cmd_farm(int argc, char **argv)
{
    static long killed[FARM_KILL_MAX];
    char *line = NULL, *save = NULL, *tok;
    size_t len = 0;
    ssize_t got;

    if (argc != 3 || watch_parent(argv[2]) < 0 || pipe2(join_pipe, O_CLOEXEC) < 0)
        return 2;
    while ((got = getline(&line, &len, stdin)) > 0) {
        if (line[got - 1] == '\n')
            line[got - 1] = '\0';
        if (strncmp(line, "add ", 4) == 0) {
            farm_add(line + 4);
        } else if (strncmp(line, "kill ", 5) == 0) {
            /* all killed first, then reaped: their exits overlap */
            size_t k = 0;

            for (tok = strtok_r(line + 5, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
                if (k < FARM_KILL_MAX)
                    killed[k++] = kill_tenant((pid_t)strtol(tok, NULL, 10));
            for (size_t i = 0; i < k; i++)
                reap_tenant(killed[i]);
            printf("ok\n");
        } else if (strcmp(line, "sync") == 0) {
            farm_sync();
        } else {
            printf("err %d -\n", EINVAL);
        }
        fflush(stdout);
    }
    free(line);
    for (size_t i = 0; i < n_tenants; i++)
        if (tenants[i].alive)
            (void)kill(tenants[i].pid, SIGKILL);
    for (size_t i = 0; i < n_tenants; i++)
        reap_tenant((long)i);
    free(tenants);
    return 0;
}

/* --- mkdir-lat: how long creating a cgroup takes -------------------------------------------------- */

#define MKDIR_MAX_DIRS 16

static int cmd_mkdir_lat(int argc, char **argv)
{
    static const struct option longopts[] = {
            {"dir", required_argument, NULL, 'D'},
            {"interval-ms", required_argument, NULL, 'i'},
            {"duration-s", required_argument, NULL, 'd'},
            {"parent", required_argument, NULL, 'p'},
            {NULL, 0, NULL, 0},
    };
    const char *dirs[MKDIR_MAX_DIRS];
    size_t n_dirs = 0, n_lat = 0, cap_lat = 1024;
    long interval_ms = 100;
    double duration_s = 30.0;
    uint64_t errors = 0;
    int64_t *lat = malloc(cap_lat * sizeof(*lat)), t_end;
    int c;

    if (!lat)
        abort();
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'D' && n_dirs < MKDIR_MAX_DIRS)
            dirs[n_dirs++] = optarg;
        else if (c == 'i')
            interval_ms = strtol(optarg, NULL, 10);
        else if (c == 'd')
            duration_s = strtod(optarg, NULL);
        else if (c != 'p' || watch_parent(optarg) < 0)
            goto usage;
    }
    if (n_dirs == 0 || interval_ms <= 0 || duration_s <= 0)
        goto usage;
    srand48((long)now_ns() ^ (long)getpid());
    printf("ready\n");
    fflush(stdout);
    t_end = now_ns() + (int64_t)(duration_s * 1e9);
    for (int64_t t = now_ns(); t < t_end;) {
        t += (int64_t)((0.5 + drand48()) * (double)interval_ms * 1e6);
        sleep_until_ns(t < t_end ? t : t_end);
        if (t >= t_end)
            break;
        for (size_t i = 0; i < n_dirs; i++) {
            int64_t t0 = now_ns();

            if (mkdir(dirs[i], 0755) < 0) {
                errors++;
                continue;
            }
            if (n_lat == cap_lat) {
                cap_lat *= 2;
                lat = realloc(lat, cap_lat * sizeof(*lat));
                if (!lat)
                    abort();
            }
            lat[n_lat++] = now_ns() - t0;
            for (int k = 0; rmdir(dirs[i]) < 0 && errno == EBUSY && k < 100; k++)
                usleep(1000);
        }
    }
    printf("{\"errors\": %llu, \"lat_us\": [", (unsigned long long)errors);
    for (size_t i = 0; i < n_lat; i++)
        printf("%s%.1f", i ? ", " : "", (double)lat[i] / 1e3);
    printf("]}\n");
    fflush(stdout);
    free(lat);
    return 0;
usage:
    fprintf(stderr,
            "usage: floor mkdir-lat --dir PATH... [--interval-ms MS] [--duration-s S] [--parent PID]\n");
    free(lat);
    return 2;
}

/* --- serve-metrics: the floor of a /metrics scrape ------------------------------------------------ */

#define SERIES_FIXED  0 /* mant / 10^scale, printed with integer arithmetic */
#define SERIES_DOUBLE 1 /* printed with "%.17g" (or NaN, +Inf, -Inf) */
#define SCALE_MAX     40
#define VALUE_MAX     (SCALE_MAX + 24) /* "-0." + zeros + 20 digits */
#define TS_MAX        24
#define REQ_MAX       16384

/* One series line: the constant text before its value (HELP/TYPE lines since the previous series,
 * then name, label set and the space, all as cadv rendered them), its value and timestamp. */
struct series {
    size_t pre_off;
    size_t pre_len;
    uint64_t mant;
    double dbl;
    int64_t ts;
    unsigned char kind;
    unsigned char scale;
    bool neg;
    bool has_ts;
};

struct metrics_body {
    char *text; /* the captured body: the constant parts are read from it in place */
    size_t len;
    struct series *s;
    size_t n;
    size_t tail_off; /* constant text after the last series line */
    size_t out_cap;  /* enough for any rendering */
};

/* Parses a Prometheus sample value: NaN/±Inf and anything beyond 18 significant digits become a
 * double, the rest mant / 10^scale (e-notation folded in), which is what an exporter of integer
 * counters divided by 1e9 or 1e6 holds. */
static int parse_value(const char *p, size_t n, struct series *s)
{
    const char *e = p + n, *q = p;
    unsigned digits = 0, seen = 0;
    long frac = 0, exp = 0, scale;
    uint64_t m = 0;
    char tmp[64];

    if (n == 0 || n >= sizeof(tmp))
        return -EINVAL;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    s->kind = SERIES_DOUBLE;
    s->dbl = strtod(tmp, NULL);
    s->neg = *q == '-';
    if (*q == '-' || *q == '+')
        q++;
    for (bool dot = false; q < e && ((*q >= '0' && *q <= '9') || (*q == '.' && !dot)); q++) {
        if (*q == '.') {
            dot = true;
            continue;
        }
        seen++;
        if (m == 0 && *q == '0' && !dot)
            continue;
        if (++digits > 18)
            return 0;
        m = m * 10 + (uint64_t)(*q - '0');
        frac += dot;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        char *end;

        exp = strtol(tmp + (q + 1 - p), &end, 10);
        if (end == tmp + (q + 1 - p) || !seen)
            return -EINVAL;
        if (exp < -SCALE_MAX || exp > SCALE_MAX)
            return 0;
        q = p + (end - tmp);
    }
    if (q != e) { /* NaN and ±Inf stay the double strtod() made of them; the rest is no number */
        const char *w = tmp + (q - p);

        return !seen && (strcasecmp(w, "NaN") == 0 || strcasecmp(w, "Inf") == 0) ? 0 : -EINVAL;
    }
    if (!seen)
        return -EINVAL;
    for (scale = frac - exp; scale < 0; scale++) {
        if (m > UINT64_MAX / 10 || ++digits > 19)
            return 0;
        m *= 10;
    }
    if (scale > SCALE_MAX)
        return 0;
    s->kind = SERIES_FIXED;
    s->mant = m;
    s->scale = (unsigned char)scale;
    return 0;
}

/* Finds the end of "name{labels}" in [p, e): quoted label values may hold braces and spaces. */
static const char *series_name_end(const char *p, const char *e)
{
    bool quoted = false;

    while (p < e && *p != '{' && *p != ' ')
        p++;
    if (p == e || *p == ' ')
        return p;
    for (p++; p < e; p++) {
        if (quoted && *p == '\\')
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == '}')
            return p + 1;
    }
    return NULL;
}

/* Splits the series line [line, e) (no newline): fills s's value and timestamp and returns the
 * offset in the line where the value starts, or -EINVAL. */
static long parse_series_line(const char *line, const char *e, struct series *s)
{
    const char *v = series_name_end(line, e), *sp;
    char ts[TS_MAX], *end;

    if (!v || v == line || v == e || *v != ' ')
        return -EINVAL;
    v++;
    sp = memchr(v, ' ', (size_t)(e - v));
    if (parse_value(v, (size_t)((sp ? sp : e) - v), s) < 0)
        return -EINVAL;
    s->has_ts = sp != NULL;
    if (sp) {
        if (e - sp - 1 <= 0 || e - sp - 1 >= TS_MAX)
            return -EINVAL;
        memcpy(ts, sp + 1, (size_t)(e - sp - 1));
        ts[e - sp - 1] = '\0';
        errno = 0;
        s->ts = strtoll(ts, &end, 10);
        if (errno || *end)
            return -EINVAL;
    }
    return v - line;
}

static int read_file(const char *path, char **ret, size_t *ret_len)
{
    FILE *f = fopen(path, "re");
    size_t cap = 1 << 20, len = 0, got;
    char *buf = malloc(cap);

    if (!f || !buf) {
        free(buf);
        if (f)
            fclose(f);
        return f ? -ENOMEM : -errno;
    }
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap && !(buf = realloc(buf, cap *= 2)))
            abort();
    }
    fclose(f);
    *ret = buf;
    *ret_len = len;
    return 0;
}

/* Loads a captured /metrics body (Prometheus text) and splits each series line. */
static int load_body(const char *path, struct metrics_body *mb)
{
    size_t cap = 0, pre = 0, line_no = 0;
    char *p, *e;
    int r;

    *mb = (struct metrics_body){0};
    r = read_file(path, &mb->text, &mb->len);
    if (r < 0)
        return r;
    for (p = mb->text, e = mb->text + mb->len; p < e; p = p + 1) {
        char *nl = memchr(p, '\n', (size_t)(e - p));
        struct series s = {0};
        long voff;

        line_no++;
        if (!nl)
            nl = e;
        if (p == nl || *p == '#') {
            p = nl;
            continue;
        }
        voff = parse_series_line(p, nl, &s);
        if (voff < 0) {
            fprintf(stderr, "floor: %s:%zu: not a series line: %.*s\n", path, line_no,
                    (int)(nl - p > 200 ? 200 : nl - p), p);
            return -EINVAL;
        }
        s.pre_off = pre;
        s.pre_len = (size_t)(p - mb->text) + (size_t)voff - pre;
        if (mb->n == cap && !(mb->s = realloc(mb->s, (cap = cap ? cap * 2 : 4096) * sizeof(*mb->s))))
            abort();
        mb->s[mb->n++] = s;
        pre = nl < e ? (size_t)(nl + 1 - mb->text) : mb->len;
        p = nl;
    }
    mb->tail_off = pre;
    mb->out_cap = mb->len + mb->n * (VALUE_MAX + TS_MAX + 2) + 1;
    return 0;
}

/* Writes v in decimal; returns the length. */
static size_t fmt_u64(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(out, tmp + sizeof(tmp) - n, n);
    return n;
}

static size_t fmt_value(char *out, const struct series *s)
{
    char d[20], *p = out;
    size_t nd;

    if (s->kind == SERIES_DOUBLE) {
        if (s->dbl != s->dbl) {
            memcpy(out, "NaN", 3);
            return 3;
        }
        if (s->dbl > DBL_MAX || s->dbl < -DBL_MAX) {
            memcpy(out, s->dbl < 0 ? "-Inf" : "+Inf", 4);
            return 4;
        }
        return (size_t)snprintf(out, VALUE_MAX, "%.17g", s->dbl);
    }
    if (s->neg)
        *p++ = '-';
    nd = fmt_u64(d, s->mant);
    if (nd > s->scale) {
        memcpy(p, d, nd - s->scale);
        p += nd - s->scale;
        if (s->scale) {
            *p++ = '.';
            memcpy(p, d + nd - s->scale, s->scale);
            p += s->scale;
        }
        return (size_t)(p - out);
    }
    *p++ = '0';
    *p++ = '.';
    memset(p, '0', s->scale - nd);
    p += s->scale - nd;
    memcpy(p, d, nd);
    return (size_t)(p + nd - out);
}

/* The per-scrape work: every constant part copied, every value and timestamp formatted. */
static size_t render_body(const struct metrics_body *mb, char *out)
{
    char *p = out;

    for (size_t i = 0; i < mb->n; i++) {
        const struct series *s = &mb->s[i];

        memcpy(p, mb->text + s->pre_off, s->pre_len);
        p += s->pre_len;
        p += fmt_value(p, s);
        if (s->has_ts) {
            *p++ = ' ';
            if (s->ts < 0) {
                *p++ = '-';
                p += fmt_u64(p, (uint64_t)0 - (uint64_t)s->ts);
            } else {
                p += fmt_u64(p, (uint64_t)s->ts);
            }
        }
        *p++ = '\n';
    }
    memcpy(p, mb->text + mb->tail_off, mb->len - mb->tail_off);
    return (size_t)(p - out) + mb->len - mb->tail_off;
}

/* Reads the request head; true in *ret_gzip when an Accept-Encoding header lists gzip. */
static int read_request(int fd, bool *ret_gzip)
{
    char req[REQ_MAX + 1];
    size_t len = 0;
    char *end = NULL, *h;

    while (!end) {
        ssize_t n = recv(fd, req + len, REQ_MAX - len, 0);

        if (n <= 0)
            return n < 0 ? -errno : -ECONNRESET;
        len += (size_t)n;
        req[len] = '\0';
        end = strstr(req, "\r\n\r\n");
        if (!end && len == REQ_MAX)
            return -E2BIG;
    }
    if (strncmp(req, "GET ", 4) != 0)
        return -EINVAL;
    *ret_gzip = false;
    for (h = strstr(req, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n")) {
        char *eol = strstr(h + 2, "\r\n");

        if (strncasecmp(h + 2, "Accept-Encoding:", 16) == 0 && eol &&
            memmem(h + 18, (size_t)(eol - h - 18), "gzip", 4))
            *ret_gzip = true;
    }
    return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

struct scrape_bufs {
    char *plain;
    char *gz;
    size_t gz_cap;
    z_stream zs;
};

/* One connection: one request, one response (rendered, and compressed when asked), then close. */
static void serve_one(int fd, const struct metrics_body *mb, struct scrape_bufs *b)
{
    static const char bad[] =
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    char head[256];
    const char *body;
    size_t len;
    bool gz;
    int hn;

    if (read_request(fd, &gz) < 0) {
        (void)send_all(fd, bad, sizeof(bad) - 1);
        return;
    }
    body = b->plain;
    len = render_body(mb, b->plain);
    if (gz) {
        deflateReset(&b->zs);
        b->zs.next_in = (Bytef *)b->plain;
        b->zs.avail_in = (uInt)len;
        b->zs.next_out = (Bytef *)b->gz;
        b->zs.avail_out = (uInt)b->gz_cap;
        if (deflate(&b->zs, Z_FINISH) != Z_STREAM_END)
            abort(); /* the output has deflateBound() room */
        body = b->gz;
        len = b->zs.total_out;
    }
    hn = snprintf(head, sizeof(head),
                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                  "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
                  len, gz ? "Content-Encoding: gzip\r\n" : "");
    if (send_all(fd, head, (size_t)hn) == 0)
        (void)send_all(fd, body, len);
}

struct serve_opts {
    const char *body;
    const char *port_file;
    const char *parent;
    double duration_s;
};

static int parse_serve_opts(int argc, char **argv, struct serve_opts *o)
{
    static const struct option longopts[] = {
            {"body", required_argument, NULL, 'b'},
            {"port-file", required_argument, NULL, 'p'},
            {"duration-s", required_argument, NULL, 'd'},
            {"parent", required_argument, NULL, 'P'},
            {NULL, 0, NULL, 0},
    };
    int c;

    *o = (struct serve_opts){.duration_s = 600.0};
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            o->body = optarg;
            break;
        case 'p':
            o->port_file = optarg;
            break;
        case 'd':
            o->duration_s = strtod(optarg, NULL);
            break;
        case 'P':
            o->parent = optarg;
            break;
        default:
            return -EINVAL;
        }
    }
    if (!o->body || o->duration_s <= 0)
        return -EINVAL;
    return 0;
}

/* A listening socket on 127.0.0.1 and a port the kernel chose. */
static int listen_loopback(int *ret_fd, int *ret_port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    *ret_fd = fd;
    *ret_port = ntohs(sa.sin_port);
    return 0;
}

static int write_port_file(const char *path, int port)
{
    FILE *f = fopen(path, "we");
    int r = 0;

    if (!f)
        return -errno;
    if (fprintf(f, "%d\n", port) < 0)
        r = -EIO;
    if (fclose(f) != 0 && r == 0)
        r = -errno;
    return r;
}

/* Accepts and answers one connection at a time until the deadline. */
static void serve_loop(int lfd, int64_t t_end, const struct metrics_body *mb, struct scrape_bufs *b)
{
    struct timeval tmo = {.tv_sec = 10};
    struct pollfd pfd = {.fd = lfd, .events = POLLIN};
    int one = 1;

    while (now_ns() < t_end) {
        int fd;

        if (poll(&pfd, 1, 1000) <= 0)
            continue;
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        serve_one(fd, mb, b);
        close(fd);
    }
}

static int cmd_serve_metrics(int argc, char **argv)
{
    struct metrics_body mb;
    struct scrape_bufs b = {0};
    struct serve_opts o;
    int lfd = -1, port = 0, r;

    if (parse_serve_opts(argc, argv, &o) < 0) {
        fprintf(stderr, "usage: floor serve-metrics --body FILE [--port-file FILE] [--duration-s S] "
                        "[--parent PID]\n");
        return 2;
    }
    if (o.parent && watch_parent(o.parent) < 0)
        return 2;
    r = load_body(o.body, &mb);
    if (r < 0) {
        fprintf(stderr, "floor: cannot load %s: %s\n", o.body, strerror(-r));
        return 1;
    }
    r = listen_loopback(&lfd, &port);
    if (r == 0 && o.port_file)
        r = write_port_file(o.port_file, port);
    if (r < 0) {
        fprintf(stderr, "floor: cannot listen on 127.0.0.1: %s\n", strerror(-r));
        return 1;
    }
    if (deflateInit2(&b.zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    b.gz_cap = deflateBound(&b.zs, (uLong)mb.out_cap);
    b.plain = malloc(mb.out_cap);
    b.gz = malloc(b.gz_cap);
    if (!b.plain || !b.gz)
        abort();
    printf("ready %d %zu %zu\n", port, mb.n, render_body(&mb, b.plain));
    fflush(stdout);
    serve_loop(lfd, now_ns() + (int64_t)(o.duration_s * 1e9), &mb, &b);
    close(lfd);
    deflateEnd(&b.zs);
    free(b.plain);
    free(b.gz);
    free(mb.s);
    free(mb.text);
    return 0;
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
    if (argc >= 2 && strcmp(argv[1], "serve-metrics") == 0)
        return cmd_serve_metrics(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "farm") == 0)
        return cmd_farm(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "mkdir-lat") == 0)
        return cmd_mkdir_lat(argc - 1, argv + 1);
    fprintf(stderr, "usage: floor read|serve-metrics|farm|mkdir-lat|sleep|burn ... (see bench/floor.c)\n");
    return 2;
}
