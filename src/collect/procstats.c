/* SPDX-License-Identifier: Apache-2.0 */
/* procstats.c - process, fd and socket counts with a per-container socket cache (see procstats.h). */
#include "collect/procstats.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collect/procfs.h"
#include "core/fileio.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "model/sample.h"

/* Bounds: entries of one fd directory read per process per call; limits file size. */
#define FD_MAX     (1u << 20)
#define LIMITS_MAX 4096
#define DENTS_BUF  8192

struct proc_entry {
    uint32_t pid;
    uint64_t ino;     /* inode of /proc/<pid>/fd: a reused pid gets another */
    uint64_t fds;     /* fd count at the last socket scan */
    uint64_t sockets; /* sockets at the last socket scan */
    unsigned age;     /* calls since the last socket scan */
};

struct cadv_procstats_cache {
    struct proc_entry *cur, *next; /* cur sorted by pid */
    size_t n_cur, cap;
    unsigned rescan_every;
};

struct cadv_procstats_cache *cadv_procstats_cache_new(unsigned rescan_every)
{
    struct cadv_procstats_cache *c = cadv_xcalloc(1, sizeof(*c));

    c->rescan_every = rescan_every ? rescan_every : CADV_PROCSTATS_RESCAN_EVERY;
    return c;
}

struct cadv_procstats_cache *cadv_procstats_cache_free(struct cadv_procstats_cache *c)
{
    if (c) {
        free(c->cur);
        free(c->next);
        free(c);
    }
    return NULL;
}

/* The kernel's getdents64 record (its layout is ABI: every member must be there). */
struct linux_dirent64 {
    uint64_t d_ino; /* cppcheck-suppress unusedStructMember */
    int64_t d_off;  /* cppcheck-suppress unusedStructMember */
    unsigned short d_reclen;
    unsigned char d_type; /* cppcheck-suppress unusedStructMember */
    char d_name[];
};

/* Counts the fds of an open /proc/<pid>/fd directory with getdents64 (no readdir: it allocates),
 * and, if want_sockets, readlinks each to count "socket:[...]" targets. */
static int count_fds(int dfd, bool want_sockets, uint64_t *ret_fds, uint64_t *ret_sockets)
{
    union {
        char b[DENTS_BUF];
        struct linux_dirent64 align; /* cppcheck-suppress unusedStructMember */
    } buf;
    uint64_t fds = 0, sockets = 0;

    for (;;) {
        long n = syscall(SYS_getdents64, dfd, buf.b, sizeof(buf.b));

        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            const struct linux_dirent64 *d = (const struct linux_dirent64 *)(const void *)(buf.b + off);
            char target[8];

            if (d->d_reclen == 0)
                return -EIO;
            off += d->d_reclen;
            if (d->d_name[0] == '.')
                continue;
            fds++;
            /* readlinkat truncates to the buffer: the first 7 bytes decide "socket:" */
            if (want_sockets && readlinkat(dfd, d->d_name, target, sizeof(target)) >= 7 &&
                memcmp(target, "socket:", 7) == 0)
                sockets++;
        }
        if (fds >= FD_MAX)
            break;
    }
    *ret_fds = fds;
    *ret_sockets = sockets;
    return 0;
}

static const struct proc_entry *find(const struct cadv_procstats_cache *c, uint32_t pid)
{
    size_t lo = 0, hi = c->n_cur;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (c->cur[mid].pid == pid)
            return &c->cur[mid];
        if (c->cur[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
    uint32_t x = ((const struct proc_entry *)a)->pid, y = ((const struct proc_entry *)b)->pid;

    return (x > y) - (x < y);
}

/* One process: its fd count now, and its socket count (cached unless a rescan is due). Returns false
 * when the process is gone or unreadable (it counts as a process without fds). */
static bool one_process(int proc_dirfd, struct cadv_procstats_cache *c, uint32_t pid, struct proc_entry *out)
{
    const struct proc_entry *old = find(c, pid);
    char path[32];
    uint64_t fds, sockets;
    struct stat st;
    bool rescan;
    int dfd;

    (void)snprintf(path, sizeof(path), "%u/fd", pid);
    dfd = openat(proc_dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return false;
    if (fstat(dfd, &st) < 0 || count_fds(dfd, false, &fds, &sockets) < 0) {
        close(dfd);
        return false;
    }
    rescan = !old || old->ino != (uint64_t)st.st_ino || old->fds != fds || old->age + 1 >= c->rescan_every;
    if (rescan) {
        if (lseek(dfd, 0, SEEK_SET) < 0 || count_fds(dfd, true, &fds, &sockets) < 0) {
            close(dfd);
            return false;
        }
        *out = (struct proc_entry){.pid = pid, .ino = (uint64_t)st.st_ino, .fds = fds, .sockets = sockets};
    } else {
        *out = *old;
        out->age++;
    }
    close(dfd);
    return true;
}

static void fill_ulimit(int proc_dirfd, uint64_t root_pid, struct cadv_process_stats *ret)
{
    char path[40], buf[LIMITS_MAX];
    int64_t soft, hard;
    size_t len;

    ret->has_ulimit = 0;
    if (root_pid == 0 || root_pid > 0xffffffffu)
        return;
    (void)snprintf(path, sizeof(path), "%llu/limits", (unsigned long long)root_pid);
    if (cadv_read_at(proc_dirfd, path, buf, sizeof(buf), &len) < 0)
        return;
    if (cadv_procstats_parse_limits(buf, len, &soft, &hard) < 0)
        return;
    ret->has_ulimit = 1;
    ret->ulimit_soft = (uint64_t)soft;
    ret->ulimit_hard = (uint64_t)hard;
}

int cadv_procstats_read(int proc_dirfd, const uint32_t *pids, size_t n, uint64_t root_pid,
                        struct cadv_procstats_cache *c, struct cadv_process_stats *ret)
{
    uint64_t fds = 0, sockets = 0;
    size_t kept = 0;
    struct proc_entry *tmp;

    if (!c || (n && !pids))
        return -EINVAL;
    if (n > c->cap) {
        free(c->next);
        c->next = cadv_xcalloc(n, sizeof(*c->next));
        c->cur = cadv_xrealloc(c->cur, n * sizeof(*c->cur));
        c->cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        struct proc_entry e;

        if (!one_process(proc_dirfd, c, pids[i], &e))
            continue;
        fds += e.fds;
        sockets += e.sockets;
        c->next[kept++] = e;
    }
    if (kept > 1) /* qsort on a NULL array of 0 elements is undefined behaviour */
        qsort(c->next, kept, sizeof(*c->next), cmp_pid);
    tmp = c->cur;
    c->cur = c->next;
    c->next = tmp;
    c->n_cur = kept;
    ret->process_count = n;
    ret->fd_count = fds;
    ret->socket_count = sockets;
    fill_ulimit(proc_dirfd, root_pid, ret);
    return 0;
}

/* Go's strconv.ParseInt, else "unlimited" (any case) = -1. */
static int parse_ulimit(const char *s, size_t n, int64_t *ret)
{
    if (cadv_parse_i64n(s, n, ret) == 0)
        return 0;
    if (n == 9 && strncasecmp(s, "unlimited", 9) == 0) {
        *ret = -1;
        return 0;
    }
    return -EINVAL;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* "Max open files            1024                 1048576              files": after the prefix,
 * exactly three whitespace-separated fields, soft and hard first. */
static int parse_open_files_line(const char *s, size_t n, int64_t *ret_soft, int64_t *ret_hard)
{
    const char *f[3];
    size_t fl[3], k = 0, i = 0;
    int64_t soft, hard;

    while (i < n) {
        while (i < n && is_space(s[i]))
            i++;
        if (i >= n)
            break;
        if (k == 3)
            return -EINVAL;
        f[k] = s + i;
        while (i < n && !is_space(s[i]))
            i++;
        fl[k] = (size_t)(s + i - f[k]);
        k++;
    }
    if (k != 3 || parse_ulimit(f[0], fl[0], &soft) < 0 || parse_ulimit(f[1], fl[1], &hard) < 0)
        return -EINVAL;
    *ret_soft = soft;
    *ret_hard = hard;
    return 0;
}

int cadv_procstats_parse_limits(const char *buf, size_t len, int64_t *ret_soft, int64_t *ret_hard)
{
    static const char prefix[] = "Max open files";
    const size_t pl = sizeof(prefix) - 1;
    size_t start = 0;

    while (start < len) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;

        if (end - start >= pl && memcmp(buf + start, prefix, pl) == 0 &&
            parse_open_files_line(buf + start + pl, end - start - pl, ret_soft, ret_hard) == 0)
            return 0;
        start = end + 1;
    }
    return -ENOENT;
}

/* ---- ps ---- */

#define STAT_MAX   2048
#define STATUS_MAX 8192
#define CGROUP_MAX 8192

/* A stat field: signed (tpgid -1, nice) or an unsigned 64-bit one (rsslim is often UINT64_MAX). */
static int parse_stat_num(const char *s, size_t n, int64_t *ret)
{
    uint64_t u;

    if (n > 0 && s[0] == '-')
        return cadv_parse_i64n(s, n, ret);
    if (cadv_parse_u64n(s, n, &u) < 0)
        return -EINVAL;
    *ret = (int64_t)u;
    return 0;
}

int cadv_procstats_parse_stat(const char *buf, size_t len, struct cadv_ps_stat *ret)
{
    const char *open = memchr(buf, '(', len), *close = NULL, *p, *end = buf + len;
    struct cadv_ps_stat st = {0};
    int64_t v[37];
    size_t n = 0, cl;

    for (const char *q = buf + len; q > buf; q--)
        if (q[-1] == ')') {
            close = q - 1;
            break;
        }
    if (!open || !close || close < open || end - close < 4 || close[1] != ' ')
        return -EBADMSG;
    cl = (size_t)(close - open - 1);
    if (cl >= sizeof(st.comm))
        cl = sizeof(st.comm) - 1;
    memcpy(st.comm, open + 1, cl);
    st.state = close[2];
    /* the numeric fields from ppid (field 4) to processor (field 39) */
    for (p = close + 3; n < 37 && p < end;) {
        const char *f;

        while (p < end && *p == ' ')
            p++;
        f = p;
        while (p < end && *p != ' ' && *p != '\n')
            p++;
        if (p == f || parse_stat_num(f, (size_t)(p - f), &v[n]) < 0)
            return -EBADMSG;
        n++;
        if (p < end && *p == '\n')
            break;
    }
    if (n < 37)
        return -EBADMSG;
    st.ppid = (uint32_t)v[0];
    st.pgrp = v[1];
    st.session = v[2];
    st.tty = v[3];
    st.tpgid = v[4];
    st.utime = (uint64_t)v[10];
    st.stime = (uint64_t)v[11];
    st.nice = v[15];
    st.num_threads = v[16];
    st.starttime = (uint64_t)v[18];
    st.vsize = (uint64_t)v[19];
    st.rss_pages = (uint64_t)v[20];
    st.processor = v[35];
    *ret = st;
    return 0;
}

/* The value after "key:" on the line of a status file, as the first (or second) number. */
static bool status_field(const char *buf, size_t len, const char *key, int which, uint64_t *ret)
{
    size_t kl = strlen(key);

    for (size_t start = 0; start < len;) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;

        if (end - start > kl && memcmp(buf + start, key, kl) == 0 && buf[start + kl] == ':') {
            const char *p = buf + start + kl + 1, *e = buf + end;

            for (int k = 0; k <= which; k++) {
                const char *f;

                while (p < e && (*p == ' ' || *p == '\t'))
                    p++;
                f = p;
                while (p < e && *p >= '0' && *p <= '9')
                    p++;
                if (p == f)
                    return false;
                if (k == which)
                    return cadv_parse_u64n(f, (size_t)(p - f), ret) == 0;
            }
        }
        start = end + 1;
    }
    return false;
}

int cadv_procstats_ps_env(int proc_dirfd, struct cadv_ps_env *ret)
{
    char buf[16384], *end;
    struct cadv_ps_env env = {0};
    size_t len;
    double up;
    int r;

    r = cadv_read_at(proc_dirfd, "uptime", buf, sizeof(buf), &len);
    if (r < 0)
        return r;
    errno = 0;
    up = strtod(buf, &end);
    if (end == buf || errno != 0 || up < 0)
        return -EBADMSG;
    env.uptime_s = up;
    r = cadv_read_at(proc_dirfd, "meminfo", buf, sizeof(buf), &len);
    if (r < 0)
        return r;
    if (!status_field(buf, len, "MemTotal", 0, &env.mem_total_kb))
        return -EBADMSG;
    r = cadv_procfs_read_btime(proc_dirfd, &env.boot_time_s);
    if (r < 0)
        return r == -ENOENT ? -EBADMSG : r;
    env.hz = sysconf(_SC_CLK_TCK);
    if (env.hz <= 0)
        env.hz = 100;
    env.now_s = (uint64_t)time(NULL);
    *ret = env;
    return 0;
}

/* procps pr_stime: "%H:%M" today, "%b%d" this year, else "%Y" (local time). */
static void format_stime(const struct cadv_ps_env *env, uint64_t start_s, char *out, size_t size)
{
    time_t now = (time_t)env->now_s, t = (time_t)start_s;
    struct tm tn, tp;
    const char *fmt = "%H:%M";

    if (!localtime_r(&now, &tn) || !localtime_r(&t, &tp) || strftime(out, size, "%H:%M", &tp) == 0) {
        (void)snprintf(out, size, "?");
        return;
    }
    if (tn.tm_yday != tp.tm_yday)
        fmt = "%b%d";
    if (tn.tm_year != tp.tm_year)
        fmt = "%Y";
    if (strftime(out, size, fmt, &tp) == 0)
        (void)snprintf(out, size, "?");
}

/* procps pr_time: [D-]HH:MM:SS */
static void format_time(uint64_t secs, char *out, size_t size)
{
    uint64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, s = secs % 60;

    if (d)
        (void)snprintf(out, size, "%" PRIu64 "-%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, d, h, m, s);
    else
        (void)snprintf(out, size, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, h, m, s);
}

/* procps STAT: the state letter, then < (high priority), N (low), L (locked pages), s (session
 * leader), l (multi-threaded), + (foreground process group). */
static void format_stat(const struct cadv_ps_stat *st, uint32_t pid, uint64_t vmlck_kb, char *out,
                        size_t size)
{
    size_t n = 0;

    out[n++] = st->state;
    if (st->nice < 0)
        out[n++] = '<';
    else if (st->nice > 0)
        out[n++] = 'N';
    if (vmlck_kb > 0)
        out[n++] = 'L';
    if (st->session == (int64_t)pid)
        out[n++] = 's';
    if (st->num_threads > 1)
        out[n++] = 'l';
    if (st->tpgid != -1 && st->pgrp == st->tpgid)
        out[n++] = '+';
    out[n < size ? n : size - 1] = '\0';
}

/* cAdvisor's getCgroupPath over ps's cgroup column (the lines of /proc/<pid>/cgroup joined by ','):
 * a leading "0::" line's path, else the path of the first entry that mentions "cpu". */
/* True if the comma list ctrls (n bytes) holds the controller name. */
static bool has_controller(const char *ctrls, size_t n, const char *name)
{
    size_t l = strlen(name);

    for (size_t i = 0; i < n;) {
        const char *comma = memchr(ctrls + i, ',', n - i);
        size_t e = comma ? (size_t)(comma - ctrls) : n;

        if (e - i == l && memcmp(ctrls + i, name, l) == 0)
            return true;
        i = e + 1;
    }
    return false;
}

/* The path of the line of /proc/<pid>/cgroup whose controller list holds name, or false. */
static bool controller_path(const char *buf, size_t len, const char *name, char *out, size_t size)
{
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;
        const char *line = buf + start, *c1, *c2;

        if ((c1 = memchr(line, ':', end - start)) &&
            (c2 = memchr(c1 + 1, ':', (size_t)(buf + end - c1 - 1))) &&
            has_controller(c1 + 1, (size_t)(c2 - c1 - 1), name)) {
            (void)snprintf(out, size, "%.*s", (int)(buf + end - c2 - 1), c2 + 1);
            return true;
        }
        start = end + 1;
    }
    return false;
}

/* cAdvisor's ps cgroup column: the unified path on a pure cgroup v2 host ("0::<path>" only), else the
 * memory controller's path, else the cpu controller's, else "/". */
static void pick_cgroup(const char *buf, size_t len, char *out, size_t size)
{
    const char *nl = memchr(buf, '\n', len);

    (void)snprintf(out, size, "/");
    if (len >= 3 && memcmp(buf, "0::", 3) == 0 && (!nl || (size_t)(nl - buf) + 1 >= len)) {
        (void)snprintf(out, size, "%.*s", (int)((nl ? (size_t)(nl - buf) : len) - 3), buf + 3);
        return;
    }
    if (!controller_path(buf, len, "memory", out, size))
        (void)controller_path(buf, len, "cpu", out, size);
}

static void user_name(uint64_t uid, char *out, size_t size)
{
    struct passwd pw, *res = NULL;
    char buf[4096];

    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_name)
        (void)snprintf(out, size, "%s", res->pw_name);
    else
        (void)snprintf(out, size, "%" PRIu64, uid);
}

/* procps's %CPU and %MEM in tenths, capped as procps prints them. procps 4 divides the CPU time in
 * whole milliseconds by the elapsed time in fractional seconds (uptime - start), and truncates. */
static void ps_percentages(const struct cadv_ps_stat *st, const struct cadv_ps_env *env, uint64_t rss_kb,
                           struct cadv_ps_info *ret)
{
    uint64_t hz = (uint64_t)env->hz, pcpu = 0, pmem = 0, whole;
    double start = (double)st->starttime / (double)hz;
    double seconds = env->uptime_s > start ? env->uptime_s - start : 0;

    if (seconds > 0) {
        uint64_t ms = (st->utime + st->stime) * 1000u / hz; /* whole milliseconds, as procps */
        double v = (double)ms / seconds;

        pcpu = v < 1e9 ? (uint64_t)v : 999999999u;
    }
    whole = pcpu / 10; /* procps prints %CPU >= 100 without its tenth */
    ret->percent_cpu = pcpu > 999 ? (double)whole : (double)pcpu / 10.0;
    if (env->mem_total_kb)
        pmem = rss_kb * 1000u / env->mem_total_kb;
    ret->percent_mem = (double)(pmem > 999 ? 999 : pmem) / 10.0;
}

/* procps's width of the `comm` column, to which ps cuts it when it is not the last column. */
#define PS_COMM_WIDTH 15

/* cAdvisor's cmd: the `comm` column of `ps -o ...,time,comm,psr,cgroup`. procps prints the kernel's
 * task name with control characters as '?' and, comm not being the last column, cut to 15
 * characters (kernel workers have longer names, e.g. "kworker/u8:0-events_unbound", shown as
 * "kworker/u8:0-ev"); cAdvisor then splits the line on blanks and joins the command's fields with
 * one space (strings.Fields). */
static void ps_cmd(const char *comm, char *out, size_t size)
{
    size_t n = 0, chars = 0;
    bool gap = false;

    if (size == 0)
        return;
    for (const char *p = comm; *p; p++) {
        unsigned char ch = (unsigned char)*p;

        if ((ch & 0xc0) != 0x80 && chars++ == PS_COMM_WIDTH)
            break; /* the start of character 16 (UTF-8 continuation bytes stay with theirs) */
        if (ch == ' ') {
            gap = n > 0;
            continue;
        }
        if (n + (gap ? 2 : 1) >= size)
            break;
        if (gap)
            out[n++] = ' ';
        gap = false;
        out[n++] = (char)(ch < 0x20 || ch == 0x7f ? '?' : ch);
    }
    out[n] = '\0';
}

int cadv_procstats_ps(int proc_dirfd, uint32_t pid, const struct cadv_ps_env *env, struct cadv_ps_info *ret)
{
    char path[48], buf[CGROUP_MAX];
    struct cadv_ps_info info;
    struct cadv_ps_stat st;
    uint64_t euid = 0, vmlck = 0, fds = 0, sockets = 0, rss_kb = UINT64_MAX;
    size_t len;
    int r, dfd;

    memset(&info, 0, sizeof(info));
    (void)snprintf(path, sizeof(path), "%u/stat", pid);
    r = cadv_read_at(proc_dirfd, path, buf, STAT_MAX, &len);
    if (r < 0)
        return r == -ESRCH ? -ENOENT : r;
    r = cadv_procstats_parse_stat(buf, len, &st);
    if (r < 0)
        return r;
    (void)snprintf(path, sizeof(path), "%u/status", pid);
    if (cadv_read_at(proc_dirfd, path, buf, STATUS_MAX, &len) == 0) {
        (void)status_field(buf, len, "Uid", 1, &euid);
        (void)status_field(buf, len, "VmLck", 0, &vmlck);
        /* procps takes RSS from VmRSS: stat's rss lags behind (per-thread counter caching) */
        if (!status_field(buf, len, "VmRSS", 0, &rss_kb))
            rss_kb = UINT64_MAX;
    }
    (void)snprintf(path, sizeof(path), "%u/cgroup", pid);
    if (cadv_read_at(proc_dirfd, path, buf, sizeof(buf), &len) < 0)
        len = 0;
    pick_cgroup(buf, len, info.cgroup_path, sizeof(info.cgroup_path));
    (void)snprintf(path, sizeof(path), "%u/fd", pid);
    dfd = openat(proc_dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)count_fds(dfd, false, &fds, &sockets);
        close(dfd);
    }
    if (rss_kb == UINT64_MAX)
        rss_kb = st.rss_pages * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
    user_name(euid, info.user, sizeof(info.user));
    info.pid = pid;
    info.ppid = st.ppid;
    format_stime(env, env->boot_time_s + st.starttime / (uint64_t)env->hz, info.start_time,
                 sizeof(info.start_time));
    ps_percentages(&st, env, rss_kb, &info);
    info.rss_bytes = rss_kb * 1024;
    info.virtual_size_bytes = st.vsize / 1024 * 1024; /* ps prints kB */
    format_stat(&st, pid, vmlck, info.status, sizeof(info.status));
    format_time((st.utime + st.stime) / (uint64_t)env->hz, info.running_time, sizeof(info.running_time));
    ps_cmd(st.comm, info.cmd, sizeof(info.cmd));
    info.fd_count = fds > INT32_MAX ? INT32_MAX : (int)fds;
    info.psr = (int)st.processor;
    *ret = info;
    return 0;
}
