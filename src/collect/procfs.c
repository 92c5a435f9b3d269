/* SPDX-License-Identifier: Apache-2.0 */
/* procfs.c - bounded parsers of cpuinfo, meminfo, mountinfo, diskstats, os-release and sysfs cpu
 * lists, reproducing cAdvisor's regular expressions and Go's scanning rules (see procfs.h). */
#include "collect/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/parse.h"
#include "core/xalloc.h"

#define MOUNTINFO_MAX_FIELDS 128

int cadv_procfs_read_file(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
    size_t cap = 4096, len = 0;
    char *buf;
    int fd, r = 0;

    fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    buf = cadv_xmalloc(cap);
    for (;;) {
        ssize_t n;

        if (len + 1 >= cap) {
            if (cap > max) {
                r = -EFBIG;
                break;
            }
            cap *= 2;
            buf = cadv_xrealloc(buf, cap);
        }
        n = read(fd, buf + len, cap - 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (r == 0 && len > max)
        r = -EFBIG;
    if (r < 0) {
        free(buf);
        return r;
    }
    buf[len] = '\0';
    *ret = buf;
    if (ret_len)
        *ret_len = len;
    return 0;
}

int cadv_procfs_parse_btime(const char *buf, size_t len, uint64_t *ret)
{
    static const char key[] = "btime ";
    const size_t klen = sizeof(key) - 1;

    for (size_t at = 0; at < len;) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - buf) : len;

        if (end - at > klen && memcmp(buf + at, key, klen) == 0)
            return cadv_parse_u64n(buf + at + klen, end - at - klen, ret) == 0 ? 0 : -ENOENT;
        at = end + 1;
    }
    return -ENOENT;
}

int cadv_procfs_read_btime(int proc_dirfd, uint64_t *ret)
{
    char *buf;
    size_t len;
    int r = cadv_procfs_read_file(proc_dirfd, "stat", CADV_PROCFS_FILE_MAX, &buf, &len);

    if (r < 0)
        return r;
    r = cadv_procfs_parse_btime(buf, len, ret);
    free(buf);
    return r;
}

/* ---- readers of small sysfs files and directories ---- */

void cadv_procfs_trim(char *s)
{
    size_t a = 0, n = strlen(s);

    while (n > 0 && strchr(" \t\n\v\f\r", s[n - 1]))
        n--;
    while (a < n && strchr(" \t\n\v\f\r", s[a]))
        a++;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

/* Reads dirfd/path and trims it as Go's strings.TrimSpace. */
int cadv_procfs_read_trimmed(int dirfd, const char *path, char *buf, size_t cap)
{
    size_t len;
    int r = cadv_read_at(dirfd, path, buf, cap, &len);

    if (r < 0)
        return r;
    cadv_procfs_trim(buf);
    return 0;
}

/* strconv.Atoi of the trimmed file. */
int cadv_procfs_read_atoi(int dirfd, const char *path, int *ret)
{
    char buf[64];
    int64_t v;
    int r = cadv_procfs_read_trimmed(dirfd, path, buf, sizeof(buf));

    if (r < 0)
        return r;
    if (cadv_parse_i64(buf, &v) < 0 || v < INT_MIN || v > INT_MAX)
        return -EINVAL;
    *ret = (int)v;
    return 0;
}

/* fmt.Sscanf(file, "%d") into a signed or (want_unsigned) unsigned integer. */
int cadv_procfs_read_scan(int dirfd, const char *path, bool want_unsigned, int64_t *ret)
{
    char buf[64];
    size_t len;
    int64_t v;
    int r = cadv_read_at(dirfd, path, buf, sizeof(buf), &len);

    if (r < 0)
        return r;
    if (cadv_procfs_scan_i64(buf, len, &v, NULL) < 0 || (want_unsigned && v < 0))
        return -EINVAL;
    *ret = v;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cadv_name_list_done(struct cadv_name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (struct cadv_name_list){0};
}

/* Entries of dirfd/path (byte-sorted, as Go's ReadDir and Glob), filtered by keep(name, arg). */
int cadv_procfs_list_dir(int dirfd, const char *path, cadv_name_filter keep, const char *arg,
                         struct cadv_name_list *ret)
{
    struct cadv_name_list l = {0};
    size_t cap = 0;
    struct dirent *e;
    DIR *d;
    int fd;

    fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    d = fdopendir(fd);
    if (!d) {
        int r = -errno;

        close(fd);
        return r;
    }
    while ((e = readdir(d)) && l.n < CADV_PROCFS_DIR_MAX) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (keep && !keep(e->d_name, arg))
            continue;
        cadv_xgrow((void **)&l.v, &cap, l.n + 1, sizeof(*l.v));
        l.v[l.n++] = cadv_xstrdup(e->d_name);
    }
    closedir(d);
    if (l.n > 0)
        qsort(l.v, l.n, sizeof(*l.v), cmp_str);
    *ret = l;
    return 0;
}

struct statfs_job {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int refs; /* under lock */
    bool done;
    int r;
    int dirfd; /* owned by the worker */
    struct statvfs st;
    char path[];
};

static void job_release(struct statfs_job *j)
{
    bool last;

    last = --j->refs == 0;
    pthread_mutex_unlock(&j->lock);
    if (last) {
        pthread_cond_destroy(&j->cond);
        pthread_mutex_destroy(&j->lock);
        free(j);
    }
}

static int statvfs_now(int dirfd, const char *path, struct statvfs *ret)
{
    int fd = openat(dirfd, path, O_PATH | O_CLOEXEC), r = 0;

    if (fd < 0)
        return -errno;
    if (fstatvfs(fd, ret) < 0)
        r = -errno;
    close(fd);
    return r;
}

static void *statfs_worker(void *arg)
{
    struct statfs_job *j = arg;
    struct statvfs st = {0};
    int r = statvfs_now(j->dirfd, j->path, &st);

    close(j->dirfd);
    pthread_mutex_lock(&j->lock);
    j->r = r;
    j->st = st;
    j->done = true;
    pthread_cond_signal(&j->cond);
    job_release(j);
    return NULL;
}

static void job_free_unstarted(struct statfs_job *j)
{
    close(j->dirfd);
    pthread_cond_destroy(&j->cond);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

int cadv_procfs_statvfs_at(int dirfd, const char *path, uint64_t timeout_ns, struct statvfs *ret)
{
    size_t plen = strlen(path) + 1;
    struct statfs_job *j = cadv_xcalloc(1, sizeof(*j) + plen);
    pthread_condattr_t ca;
    pthread_attr_t attr;
    struct timespec until;
    pthread_t t;
    int r;

    memcpy(j->path, path, plen);
    j->refs = 2; /* the caller's and the worker's */
    j->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (j->dirfd < 0) {
        r = -errno;
        free(j);
        return r;
    }
    pthread_mutex_init(&j->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    r = pthread_create(&t, &attr, statfs_worker, j);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        job_free_unstarted(j);
        return statvfs_now(dirfd, path, ret); /* no thread: no timeout either */
    }
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(timeout_ns / 1000000000u);
    until.tv_nsec += (long)(timeout_ns % 1000000000u);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&j->lock);
    while (!j->done)
        if (pthread_cond_timedwait(&j->cond, &j->lock, &until) == ETIMEDOUT)
            break;
    r = j->done ? j->r : -ETIMEDOUT;
    if (r == 0)
        *ret = j->st;
    job_release(j);
    return r;
}

/* Go's regexp \s: [\t\n\f\r ]. */
static bool is_re_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Go's strings.TrimSpace for ASCII. */
static bool is_trim_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void trim_span(const char **s, size_t *len)
{
    while (*len > 0 && is_trim_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_trim_space((*s)[*len - 1]))
        (*len)--;
}

static bool has_prefix_at(const char *buf, size_t len, size_t at, const char *p)
{
    size_t n = strlen(p);

    return at <= len && len - at >= n && memcmp(buf + at, p, n) == 0;
}

int cadv_procfs_scan_i64(const char *s, size_t len, int64_t *ret, size_t *ret_used)
{
    size_t i = 0, start;
    uint64_t mag = 0;
    bool neg = false;

    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f'))
        i++;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    start = i;
    for (; i < len && is_digit(s[i]); i++) {
        unsigned d = (unsigned)(s[i] - '0');

        if (mag > (UINT64_MAX - d) / 10)
            return -ERANGE;
        mag = mag * 10 + d;
    }
    if (i == start)
        return -EINVAL;
    if (mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        return -ERANGE;
    *ret = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    if (ret_used)
        *ret_used = i;
    return 0;
}

/* ---- cpuinfo ---- */

struct id_set {
    uint64_t *v;
    size_t n, cap;
};

static void id_set_add(struct id_set *s, uint64_t v)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == v)
            return;
    if (s->n >= CADV_CPUINFO_MAX_IDS)
        return;
    cadv_xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
    s->v[s->n++] = v;
}

/* `(?m)^<key>\s*:\s*([0-9]+)$` on one line. */
static bool match_id_line(const char *l, size_t n, const char *key, uint64_t *ret)
{
    size_t i = strlen(key);

    if (n < i || memcmp(l, key, i) != 0)
        return false;
    while (i < n && is_re_space(l[i]))
        i++;
    if (i >= n || l[i++] != ':')
        return false;
    while (i < n && is_re_space(l[i]))
        i++;
    if (i >= n || !is_digit(l[i]) || cadv_parse_u64n(l + i, n - i, ret) < 0)
        return false;
    return true;
}

/* `vendor_id\s*:\s*(\w+)` at position at. */
static bool match_vendor(const char *buf, size_t len, size_t at, struct cadv_cpuinfo *c)
{
    size_t i = at + strlen("vendor_id"), start, n;

    if (!has_prefix_at(buf, len, at, "vendor_id"))
        return false;
    while (i < len && is_re_space(buf[i]))
        i++;
    if (i >= len || buf[i++] != ':')
        return false;
    while (i < len && is_re_space(buf[i]))
        i++;
    for (start = i; i < len && is_word(buf[i]); i++)
        ;
    if (i == start)
        return false;
    n = i - start < sizeof(c->vendor_id) - 1 ? i - start : sizeof(c->vendor_id) - 1;
    memcpy(c->vendor_id, buf + start, n);
    c->vendor_id[n] = '\0';
    return true;
}

/* `(?:cpu MHz|CPU MHz|clock)\s*:\s*([0-9]+\.[0-9]+)` at position at. */
static bool match_mhz(const char *buf, size_t len, size_t at, struct cadv_cpuinfo *c)
{
    static const char *const keys[] = {"cpu MHz", "CPU MHz", "clock"};
    char num[128];
    size_t i = 0, start;
    double v;

    for (size_t k = 0; k < 3 && i == 0; k++)
        if (has_prefix_at(buf, len, at, keys[k]))
            i = at + strlen(keys[k]);
    if (i == 0)
        return false;
    while (i < len && is_re_space(buf[i]))
        i++;
    if (i >= len || buf[i++] != ':')
        return false;
    while (i < len && is_re_space(buf[i]))
        i++;
    start = i;
    while (i < len && is_digit(buf[i]))
        i++;
    if (i == start || i >= len || buf[i] != '.' || i + 1 >= len || !is_digit(buf[i + 1]))
        return false;
    for (i++; i < len && is_digit(buf[i]); i++)
        ;
    /* A match whose value does not parse is an error in cAdvisor, as is no match: both leave
     * has_mhz false. */
    c->has_mhz = true;
    if (i - start >= sizeof(num)) {
        c->has_mhz = false;
        return true;
    }
    memcpy(num, buf + start, i - start);
    num[i - start] = '\0';
    if (cadv_parse_double(num, &v) < 0)
        c->has_mhz = false;
    else
        c->mhz = v;
    return true;
}

void cadv_procfs_parse_cpuinfo(const char *buf, size_t len, struct cadv_cpuinfo *ret)
{
    static const char *const id_keys[] = {"core id", "physical id", "book id", "drawer id"};
    struct cadv_cpuinfo c = {0};
    struct id_set sets[4] = {0};
    bool have_vendor = false, have_mhz = false;
    size_t pos = 0;

    for (size_t at = 0; at < len && !(have_vendor && have_mhz); at++) {
        if (!have_vendor && buf[at] == 'v')
            have_vendor = match_vendor(buf, len, at, &c);
        if (!have_mhz && (buf[at] == 'c' || buf[at] == 'C'))
            have_mhz = match_mhz(buf, len, at, &c);
    }
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        uint64_t v;

        for (size_t k = 0; k < 4; k++)
            if (match_id_line(buf + pos, n, id_keys[k], &v))
                id_set_add(&sets[k], v);
        pos += n + 1;
    }
    c.core_ids = (unsigned)sets[0].n;
    c.physical_ids = (unsigned)sets[1].n;
    c.book_ids = (unsigned)sets[2].n;
    c.drawer_ids = (unsigned)sets[3].n;
    for (size_t k = 0; k < 4; k++)
        free(sets[k].v);
    *ret = c;
}

/* ---- meminfo ---- */

int cadv_procfs_meminfo_bytes(const char *buf, size_t len, const char *key, uint64_t *ret_bytes)
{
    size_t klen = strlen(key);

    for (size_t at = 0; at + klen < len; at++) {
        size_t i = at + klen, start;
        uint64_t v;

        if (memcmp(buf + at, key, klen) != 0 || buf[i] != ':')
            continue;
        for (i++; i < len && is_re_space(buf[i]); i++)
            ;
        for (start = i; i < len && is_digit(buf[i]); i++)
            ;
        if (i == start || !has_prefix_at(buf, len, i, " kB"))
            continue;
        if (cadv_parse_u64n(buf + start, i - start, &v) < 0 || v > UINT64_MAX / 1024)
            return -ERANGE;
        *ret_bytes = v * 1024;
        return 0;
    }
    return -ENOENT;
}

/* ---- mountinfo ---- */

/* Decodes \ooo escapes in place; returns false on a bad escape. */
static bool unescape(char *s)
{
    char *w = s;

    for (const char *r = s; *r; r++) {
        unsigned v = 0;

        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        for (int j = 1; j <= 3; j++) {
            if (r[j] < '0' || r[j] > '7')
                return false;
            v = v * 8 + (unsigned)(r[j] - '0');
        }
        if (v > 255)
            return false;
        *w++ = (char)v;
        r += 3;
    }
    *w = '\0';
    return true;
}

static unsigned atoi_lenient(const char *s)
{
    uint64_t v;

    return cadv_parse_u64(s, &v) == 0 && v <= UINT32_MAX ? (unsigned)v : 0;
}

static int split_fields(char *line, size_t len, char **f, size_t max)
{
    size_t n = 0;

    if (memchr(line, '\0', len))
        return -EINVAL;
    f[n++] = line;
    for (size_t i = 0; i < len; i++) {
        if (line[i] != ' ')
            continue;
        if (n >= max)
            return -EINVAL;
        f[n++] = line + i + 1;
    }
    return (int)n;
}

int cadv_procfs_parse_mountinfo_line(char *line, size_t len, struct cadv_mountinfo_entry *ret)
{
    char *f[MOUNTINFO_MAX_FIELDS], *colon;
    int n, sep;

    n = split_fields(line, len, f, MOUNTINFO_MAX_FIELDS);
    if (n < 10)
        return -EINVAL;
    /* Terminate every field; optional fields (6 .. sep-1) keep their separating spaces. */
    for (int i = 1; i < n; i++)
        *(f[i] - 1) = '\0';
    line[len] = '\0';
    for (sep = n - 4; strcmp(f[sep], "-") != 0; sep--)
        if (sep == 6)
            return -EINVAL;
    for (int i = 7; i < sep; i++)
        *(f[i] - 1) = ' ';
    if (!unescape(f[4]) || !unescape(f[sep + 1]) || !unescape(f[sep + 2]) || !unescape(f[3]))
        return -EINVAL;
    colon = strchr(f[2], ':');
    if (!colon || strchr(colon + 1, ':'))
        return -EINVAL;
    *colon = '\0';
    *ret = (struct cadv_mountinfo_entry){
            .id = (int)atoi_lenient(f[0]),
            .parent = (int)atoi_lenient(f[1]),
            .major = atoi_lenient(f[2]),
            .minor = atoi_lenient(colon + 1),
            .root = f[3],
            .mountpoint = f[4],
            .options = f[5],
            .optional = sep > 6 ? f[6] : f[sep] + 1,
            .fstype = f[sep + 1],
            .source = f[sep + 2],
            .super_options = f[sep + 3],
    };
    return 0;
}

int cadv_procfs_parse_mountinfo(char *buf, size_t len, cadv_mountinfo_cb cb, void *userdata)
{
    size_t pos = 0;
    int skipped = 0;

    while (pos < len) {
        char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        struct cadv_mountinfo_entry e;
        int r;

        // cppcheck-suppress knownConditionTrueFalse ; an empty line has nl == buf + pos
        if (n == 0) {
            pos++;
            continue;
        }
        if (n > CADV_PROCFS_LINE_MAX || cadv_procfs_parse_mountinfo_line(buf + pos, n, &e) < 0)
            skipped++;
        else if ((r = cb(&e, userdata)) < 0)
            return r;
        pos += n + 1;
    }
    return skipped;
}

/* ---- diskstats ---- */

bool cadv_procfs_diskstats_name_wanted(const char *name)
{
    const char *p = name;

    if (strncmp(p, "dm-", 3) == 0) {
        p += 3;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
        return *p == '\0';
    }
    if (strncmp(p, "xvd", 3) == 0)
        p += 3;
    else if (strncmp(p, "sd", 2) == 0 || strncmp(p, "vd", 2) == 0)
        p += 2;
    else
        return false;
    if (*p < 'a' || *p > 'z')
        return false;
    while (*p >= 'a' && *p <= 'z')
        p++;
    while (is_digit(*p))
        p++;
    return *p == '\0';
}

static bool is_field_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Next whitespace-separated word of s[*pos..len); returns its length (0 at the end). */
static size_t next_word(const char *s, size_t len, size_t *pos, const char **ret)
{
    size_t i = *pos, start;

    while (i < len && is_field_space(s[i]))
        i++;
    for (start = i; i < len && !is_field_space(s[i]); i++)
        ;
    *ret = s + start;
    *pos = i;
    return i - start;
}

int cadv_procfs_parse_diskstats_line(const char *line, size_t len, struct cadv_diskstats_entry *ret)
{
    struct cadv_diskstats_entry e = {0};
    size_t pos = 0, n;
    const char *w;
    uint64_t v;

    for (int i = 0; i < 2; i++) {
        n = next_word(line, len, &pos, &w);
        if (n == 0 || cadv_parse_u64n(w, n, &v) < 0 || v > UINT32_MAX || *w == '+')
            return -EINVAL;
        if (i == 0)
            e.major = (unsigned)v;
        else
            e.minor = (unsigned)v;
    }
    n = next_word(line, len, &pos, &w);
    if (n == 0 || n >= sizeof(e.name) || memchr(w, '\0', n))
        return -EINVAL;
    memcpy(e.name, w, n);
    for (unsigned count = 0;; count++) {
        n = next_word(line, len, &pos, &w);
        if (n == 0) {
            if (count < 11)
                return -EINVAL;
            break;
        }
        if (*w == '+' || cadv_parse_u64n(w, n, &v) < 0)
            return -EINVAL;
        if (count < CADV_DISKSTATS_MAX_FIELDS) {
            e.fields[count] = v;
            e.n_fields = count + 1;
        }
    }
    *ret = e;
    return 0;
}

int cadv_procfs_parse_diskstats(const char *buf, size_t len, cadv_diskstats_cb cb, void *userdata)
{
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos, wpos = 0, wn = 0;
        const char *w = NULL;
        char name[64];
        struct cadv_diskstats_entry e;

        for (int i = 0; i < 3; i++)
            wn = next_word(buf + pos, n, &wpos, &w);
        if (wn > 0 && wn < sizeof(name) && !memchr(w, '\0', wn)) {
            memcpy(name, w, wn);
            name[wn] = '\0';
            if (cadv_procfs_diskstats_name_wanted(name)) {
                int r = cadv_procfs_parse_diskstats_line(buf + pos, n, &e);

                if (r < 0 || (r = cb(&e, userdata)) < 0)
                    return r;
            }
        }
        pos += n + 1;
    }
    return 0;
}

/* ---- os-release ---- */

void cadv_procfs_os_pretty_name(const char *buf, size_t len, char *ret, size_t cap)
{
    static const char key[] = "PRETTY_NAME=";
    const char *v = "Linux";
    size_t n = 5;

    if (cap == 0)
        return;
    for (size_t at = 0; at + sizeof(key) - 1 <= len; at++) {
        const char *nl;

        if (memcmp(buf + at, key, sizeof(key) - 1) != 0)
            continue;
        v = buf + at + sizeof(key) - 1;
        nl = memchr(v, '\n', len - (size_t)(v - buf));
        n = nl ? (size_t)(nl - v) : len - (size_t)(v - buf);
        while (n > 0 && *v == '"') {
            v++;
            n--;
        }
        while (n > 0 && v[n - 1] == '"')
            n--;
        break;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(ret, v, n);
    ret[n] = '\0';
}

/* ---- sysfs cpu lists and masks ---- */

/* strconv.ParseUint(s, 10, 16). */
static int parse_u16(const char *s, size_t n, unsigned *ret)
{
    uint64_t v;

    if (n == 0 || *s == '+' || cadv_parse_u64n(s, n, &v) < 0 || v > 65535)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

int cadv_procfs_cpulist_contains(const char *buf, size_t len, unsigned cpu)
{
    const char *s = buf;
    size_t n = len;

    if (len == 0)
        return -EINVAL;
    trim_span(&s, &n);
    cpu &= 0xffff; /* cAdvisor compares uint16 ids */
    for (size_t pos = 0; pos <= n;) {
        const char *comma = memchr(s + pos, ',', n - pos);
        size_t seg = comma ? (size_t)(comma - (s + pos)) : n - pos;
        const char *p = s + pos, *d1 = memchr(p, '-', seg);
        unsigned lo, hi;

        if (d1) {
            size_t l1 = (size_t)(d1 - p), l2 = seg - l1 - 1;

            if (memchr(d1 + 1, '-', l2))
                return -EINVAL;
            if (parse_u16(p, l1, &lo) < 0 || parse_u16(d1 + 1, l2, &hi) < 0 || lo > hi)
                return -EINVAL;
        } else {
            if (parse_u16(p, seg, &lo) < 0)
                return -EINVAL;
            hi = lo;
        }
        if (cpu >= lo && cpu <= hi)
            return 1;
        pos += seg + 1;
    }
    return 0;
}

int cadv_procfs_cpumask_weight(const char *buf, size_t len)
{
    int count = 0;

    for (size_t pos = 0; pos <= len;) {
        const char *comma = memchr(buf + pos, ',', len - pos);
        size_t seg = comma ? (size_t)(comma - (buf + pos)) : len - pos;
        const char *p = buf + pos;
        size_t n = seg;
        uint64_t v = 0;

        trim_span(&p, &n);
        if (n == 0)
            return -EINVAL;
        while (n > 1 && *p == '0') {
            p++;
            n--;
        }
        if (n > 16)
            return -EINVAL;
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            unsigned d;

            if (is_digit(c))
                d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                d = (unsigned)(c - 'A' + 10);
            else
                return -EINVAL;
            v = v << 4 | d;
        }
        count += __builtin_popcountll(v);
        pos += seg + 1;
    }
    return count;
}

/* ---- filesystem partitions (cAdvisor's fs.processMounts) ---- */

bool cadv_procfs_fs_type_claimed(const char *t)
{
    static const char *const vfs[] = {"xfs",  "squashfs", "f2fs", "jfs",   "reiserfs", "hfs", "hfsplus",
                                      "ntfs", "vfat",     "fat",  "msdos", "exfat",    "udf", "iso9660"};

    if (!strcmp(t, "zfs") || !strcmp(t, "btrfs") || !strcmp(t, "overlay") || !strcmp(t, "tmpfs") ||
        !strncmp(t, "nfs", 3) || !strncmp(t, "ext", 3))
        return true;
    for (size_t i = 0; i < sizeof(vfs) / sizeof(vfs[0]); i++)
        if (!strcmp(t, vfs[i]))
            return true;
    return false;
}

struct fs_scan {
    int rootfd;
    struct cadv_fs_partition *parts;
    size_t n, cap;
    bool have_root;
    struct cadv_mountinfo_entry root; /* the first "/" mount */
};

static struct cadv_fs_partition *find_part(struct fs_scan *s, const char *source)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->parts[i].source, source) == 0)
            return &s->parts[i];
    return NULL;
}

/* partitions[source] = {...}: a Go map assignment, keeping the first insertion's position. Takes
 * ownership of source. */
static void upsert_part(struct fs_scan *s, char *source, const struct cadv_mountinfo_entry *e, unsigned maj,
                        unsigned min)
{
    struct cadv_fs_partition *p = find_part(s, source);

    if (!p) {
        cadv_xgrow((void **)&s->parts, &s->cap, s->n + 1, sizeof(*s->parts));
        p = &s->parts[s->n++];
        p->source = source;
    } else {
        free(source);
        free(p->mountpoint);
        free(p->fstype);
    }
    p->mountpoint = cadv_xstrdup(e->mountpoint);
    p->fstype = cadv_xstrdup(e->fstype);
    p->major = maj;
    p->minor = min;
}

static const char *relative(const char *path)
{
    while (*path == '/')
        path++;
    return *path ? path : ".";
}

static int scan_mount(const struct cadv_mountinfo_entry *e, void *userdata)
{
    struct fs_scan *s = userdata;
    unsigned maj = e->major, min = e->minor;
    struct stat st;
    char *key;

    if (strcmp(e->mountpoint, "/") == 0 && !s->have_root) {
        s->root = *e;
        s->have_root = true;
    }
    if (!cadv_procfs_fs_type_claimed(e->fstype))
        return 0;
    if (strcmp(e->fstype, "tmpfs") == 0) {
        key = cadv_xstrdup(e->mountpoint); /* tmpfs allows duplicate sources */
    } else if (find_part(s, e->source)) {
        return 0; /* a bind mount of a seen source */
    } else if (strcmp(e->fstype, "overlay") == 0) {
        key = cadv_xasprintf("%s_%u-%u", e->source, e->major, e->minor);
    } else {
        key = cadv_xstrdup(e->source);
        if (strcmp(e->fstype, "btrfs") == 0 && maj == 0 && strncmp(e->source, "/dev/", 5) == 0 &&
            fstatat(s->rootfd, relative(e->source), &st, 0) == 0 && S_ISBLK(st.st_mode) &&
            fstatat(s->rootfd, relative(e->mountpoint), &st, 0) == 0) {
            maj = major(st.st_dev);
            min = minor(st.st_dev);
        }
    }
    upsert_part(s, key, e, maj, min);
    return 0;
}

void cadv_procfs_fs_partitions(char *mountinfo, size_t len, int rootfd, struct cadv_fs_partition **ret,
                               size_t *ret_n)
{
    struct fs_scan s = {.rootfd = rootfd};

    (void)cadv_procfs_parse_mountinfo(mountinfo, len, scan_mount, &s);
    if (s.have_root)
        upsert_part(&s, cadv_xstrdup(s.root.source), &s.root, s.root.major, s.root.minor);
    *ret = s.parts;
    *ret_n = s.n;
}

void cadv_procfs_fs_partitions_free(struct cadv_fs_partition *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].source);
        free(p[i].mountpoint);
        free(p[i].fstype);
    }
    free(p);
}
