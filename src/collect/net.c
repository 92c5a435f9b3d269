/* SPDX-License-Identifier: Apache-2.0 */
/* net.c - network figures of a process's network namespace (see net.h). Each file type has a line
 * consumer; the same consumer is fed the lines of the real file (core/fileio.h's line iterator
 * over a fixed stack buffer, so /proc/<pid>/net/tcp of a busy host costs no allocation) or of a
 * whole buffer (tests, fuzzers). Lines are split like Go's bufio.ScanLines (a trailing '\r' is dropped). */
#include "collect/net.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/parse.h"
#include "model/kinds.h"
#include "model/sample.h"

typedef int (*line_fn)(const char *line, size_t len, void *ctx);

static int feed_line(const char *line, size_t len, line_fn fn, void *ctx)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    return fn(line, len, ctx);
}

/* Feeds the lines of it to fn until the end, fn's error or the iterator's (an over-long line is
 * -EBADMSG). */
static int feed_lines(struct cadv_lines *it, line_fn fn, void *ctx)
{
    const char *line;
    size_t len;
    int r;

    while ((r = cadv_lines_next(it, &line, &len)) > 0) {
        r = feed_line(line, len, fn, ctx);
        if (r < 0)
            break;
    }
    cadv_lines_done(it);
    return r;
}

/* Splits buf into lines (the last one may lack its '\n') and feeds them; stops at fn's error. */
static int split_lines(const char *buf, size_t len, line_fn fn, void *ctx)
{
    struct cadv_lines it;

    cadv_lines_init_mem(&it, buf, len, SIZE_MAX);
    return feed_lines(&it, fn, ctx);
}

/* Reads dirfd/path in chunks and feeds its lines. A line longer than CADV_NET_LINE_MAX is -EBADMSG. */
static int read_lines(int dirfd, const char *path, line_fn fn, void *ctx)
{
    char buf[CADV_NET_LINE_MAX + 1];
    struct cadv_lines it;
    int r = cadv_lines_open_at(&it, dirfd, path, buf, sizeof(buf));

    return r < 0 ? r : feed_lines(&it, fn, ctx);
}

/* Go's strings.Fields on ASCII: the next whitespace-separated field at or after *pos. */
static bool next_field(const char *s, size_t len, size_t *pos, const char **ret, size_t *ret_len)
{
    size_t i = *pos, start;

    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\v' || s[i] == '\f' || s[i] == '\r'))
        i++;
    if (i >= len)
        return false;
    start = i;
    while (i < len && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\v' || s[i] == '\f' || s[i] == '\r'))
        i++;
    *ret = s + start;
    *ret_len = i - start;
    *pos = i;
    return true;
}

/* ---- net/dev ---- */

struct dev_ctx {
    struct cadv_iface_stats *ifaces;
    size_t cap, n;
    unsigned lineno;
};

static bool ignored_iface(const char *name, size_t n)
{
    static const char *const prefixes[] = {"lo", "veth", "docker", "nerdctl"};

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);

        if (n >= pl && strncasecmp(name, prefixes[i], pl) == 0)
            return true;
    }
    return false;
}

static int dev_line(const char *line, size_t len, void *vctx)
{
    struct dev_ctx *c = vctx;
    char clean[CADV_NET_LINE_MAX];
    const char *f[17];
    size_t fl[17], k = 0, pos = 0, n = 0;
    struct cadv_iface_stats st = {0};
    uint64_t *const dst[8] = {&st.rx_bytes, &st.rx_packets, &st.rx_errors, &st.rx_dropped,
                              &st.tx_bytes, &st.tx_packets, &st.tx_errors, &st.tx_dropped};
    static const unsigned src[8] = {1, 2, 3, 4, 9, 10, 11, 12};

    if (c->lineno++ < 2)
        return 0;
    if (len >= sizeof(clean))
        return -EBADMSG;
    for (size_t i = 0; i < len; i++) /* cAdvisor removes every ':' before splitting */
        if (line[i] != ':')
            clean[n++] = line[i];
    while (k < 17 && next_field(clean, n, &pos, &f[k], &fl[k]))
        k++;
    if (k != 17 || next_field(clean, n, &pos, &f[0], &fl[0]) || memchr(f[0], '\0', fl[0]))
        return -EBADMSG;
    if (ignored_iface(f[0], fl[0]))
        return 0;
    for (unsigned i = 0; i < 8; i++)
        if (cadv_parse_u64n(f[src[i]], fl[src[i]], dst[i]) < 0)
            return -EBADMSG;
    memcpy(st.name, f[0], fl[0] < sizeof(st.name) ? fl[0] : sizeof(st.name) - 1);
    if (c->n < c->cap)
        c->ifaces[c->n++] = st;
    return 0;
}

int cadv_net_parse_dev(const char *buf, size_t len, struct cadv_iface_stats *ifaces, size_t cap,
                       size_t *ret_n)
{
    struct dev_ctx c = {.ifaces = ifaces, .cap = cap};
    int r = split_lines(buf, len, dev_line, &c);

    if (r < 0)
        return r;
    *ret_n = c.n;
    return 0;
}

/* ---- net/tcp, net/tcp6 ---- */

struct tcp_ctx {
    uint64_t counts[_CADV_TCP_STATE_MAX];
    unsigned lineno;
};

int cadv_net_tcp_line(const char *line, size_t len, uint64_t *counts)
{
    const char *f = NULL;
    size_t fl = 0, pos = 0;
    unsigned st;

    for (int i = 0; i < 4; i++)
        if (!next_field(line, len, &pos, &f, &fl))
            return -EBADMSG;
    /* The kernel prints the state as %02X: exactly "01" to "0B" (cAdvisor's map keys). */
    if (fl != 2 || f[0] != '0')
        return -EBADMSG;
    if (f[1] >= '1' && f[1] <= '9')
        st = (unsigned)(f[1] - '0');
    else if (f[1] == 'A' || f[1] == 'B')
        st = (unsigned)(f[1] - 'A' + 10);
    else
        return -EBADMSG;
    counts[st - 1]++;
    return 0;
}

static int tcp_line(const char *line, size_t len, void *vctx)
{
    struct tcp_ctx *c = vctx;

    if (c->lineno++ == 0)
        return 0;
    return cadv_net_tcp_line(line, len, c->counts);
}

int cadv_net_parse_tcp(const char *buf, size_t len, uint64_t *counts)
{
    struct tcp_ctx c = {0};
    int r = split_lines(buf, len, tcp_line, &c);

    if (r < 0)
        return r;
    memcpy(counts, c.counts, sizeof(c.counts));
    return 0;
}

/* ---- net/udp, net/udp6 ---- */

struct udp_ctx {
    uint64_t udp[4];
    unsigned lineno;
};

/* Go's fmt.Sscanf("%X:%X"): two hex numbers; a failure leaves the rest 0. */
static void scan_hex_pair(const char *s, size_t n, uint64_t *a, uint64_t *b)
{
    uint64_t *dst[2] = {a, b};
    size_t i = 0;

    for (int k = 0; k < 2; k++) {
        uint64_t v = 0;
        size_t start = i;

        for (; i < n; i++) {
            char ch = s[i];
            unsigned d;

            if (ch >= '0' && ch <= '9')
                d = (unsigned)(ch - '0');
            else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
                d = (unsigned)((ch | 0x20) - 'a' + 10);
            else
                break;
            if (v >> 60)
                return; /* overflow: Sscanf fails */
            v = v << 4 | d;
        }
        if (i == start)
            return;
        *dst[k] = v;
        if (k == 0) {
            if (i >= n || s[i] != ':')
                return;
            i++;
        }
    }
}

/* One line of net/udp or net/udp6 after the header, into udp[4] = {Listen, Dropped, RxQueued,
 * TxQueued}: every line is one Listen; 13-field lines add tx_queue to RxQueued and rx_queue to
 * TxQueued (cAdvisor swaps them) and drops to Dropped. Never fails. */
static void parse_udp_line(const char *line, size_t len, uint64_t *udp)
{
    const char *f[14];
    size_t fl[14], k = 0, pos = 0;
    uint64_t rx = 0, tx = 0;
    int64_t drops;

    udp[0]++; /* Listen: every line */
    while (k < 14 && next_field(line, len, &pos, &f[k], &fl[k]))
        k++;
    if (k != 13)
        return;
    scan_hex_pair(f[4], fl[4], &rx, &tx);
    udp[2] += rx;
    udp[3] += tx;
    if (cadv_parse_i64n(f[12], fl[12], &drops) == 0)
        udp[1] += (uint64_t)drops;
}

static int udp_line(const char *line, size_t len, void *vctx)
{
    struct udp_ctx *c = vctx;

    if (c->lineno++ > 0)
        parse_udp_line(line, len, c->udp);
    return 0;
}

void cadv_net_parse_udp(const char *buf, size_t len, uint64_t *udp)
{
    struct udp_ctx c = {0};

    (void)split_lines(buf, len, udp_line, &c);
    memcpy(udp, c.udp, sizeof(c.udp));
}

/* ---- net/netstat, net/snmp ---- */

struct netstat_ctx {
    char names[CADV_NET_LINE_MAX];
    size_t names_len;
    bool have_names;
    uint64_t *tcp_adv;
};

/* strings.Split(s, " "): the next field (possibly empty) starting at *pos; false past the end. */
static bool next_split(const char *s, size_t len, size_t *pos, const char **ret, size_t *ret_len)
{
    const char *sp;
    size_t end;

    if (*pos > len)
        return false;
    sp = memchr(s + *pos, ' ', len - *pos);
    end = sp ? (size_t)(sp - s) : len;
    *ret = s + *pos;
    *ret_len = end - *pos;
    *pos = end + 1;
    return true;
}

static int tcpadv_index(const char *name, size_t n)
{
    for (int i = 0; i < CADV_TCPADV_MAX && cadv_tcpadv_names[i]; i++)
        if (strlen(cadv_tcpadv_names[i]) == n && strncasecmp(cadv_tcpadv_names[i], name, n) == 0)
            return i;
    return -1;
}

static size_t count_split(const char *s, size_t len)
{
    size_t n = 1;

    for (size_t i = 0; i < len; i++)
        n += s[i] == ' ';
    return n;
}

static int netstat_pair(const char *names, size_t nl, const char *vals, size_t vl, uint64_t *tcp_adv)
{
    size_t np = 0, vp = 0, fn, fv;
    const char *n, *v;

    (void)next_split(names, nl, &np, &n, &fn);
    /* cAdvisor drops the last character of the first field (the ':') and keeps Tcp and TcpExt. */
    if (fn == 0 ||
        !((fn - 1 == 3 && strncmp(n, "Tcp", 3) == 0) || (fn - 1 == 6 && strncmp(n, "TcpExt", 6) == 0)))
        return 0;
    if (count_split(names, nl) != count_split(vals, vl))
        return -EBADMSG;
    (void)next_split(vals, vl, &vp, &v, &fv);
    while (next_split(names, nl, &np, &n, &fn) && next_split(vals, vl, &vp, &v, &fv)) {
        int idx = tcpadv_index(n, fn);
        uint64_t u;
        int64_t i64;

        if (memchr(v, '-', fv)) {
            if (cadv_parse_i64n(v, fv, &i64) < 0)
                return -EBADMSG;
            u = (uint64_t)i64;
        } else if (fv == 0 || v[0] == '+' || cadv_parse_u64n(v, fv, &u) < 0) {
            return -EBADMSG; /* Go's ParseUint takes no sign */
        }
        if (idx >= 0)
            tcp_adv[idx] = u;
    }
    return 0;
}

static int netstat_line(const char *line, size_t len, void *vctx)
{
    struct netstat_ctx *c = vctx;

    if (!c->have_names) {
        if (len >= sizeof(c->names))
            return -EBADMSG;
        memcpy(c->names, line, len);
        c->names_len = len;
        c->have_names = true;
        return 0;
    }
    c->have_names = false;
    return netstat_pair(c->names, c->names_len, line, len, c->tcp_adv);
}

static int netstat_finish(struct netstat_ctx *c)
{
    /* A names line without its values line: Go's scanner yields "" for the values. */
    if (c->have_names) {
        c->have_names = false;
        return netstat_pair(c->names, c->names_len, "", 0, c->tcp_adv);
    }
    return 0;
}

int cadv_net_parse_netstat(const char *buf, size_t len, uint64_t *tcp_adv)
{
    static struct netstat_ctx zero;
    struct netstat_ctx c = zero;
    int r;

    c.tcp_adv = tcp_adv;
    r = split_lines(buf, len, netstat_line, &c);
    return r < 0 ? r : netstat_finish(&c);
}

/* ---- reading a process's files ---- */

static int read_netstat_file(int dirfd, const char *path, uint64_t *tcp_adv)
{
    struct netstat_ctx c;
    int r;

    c.have_names = false;
    c.names_len = 0;
    c.tcp_adv = tcp_adv;
    r = read_lines(dirfd, path, netstat_line, &c);
    return r < 0 ? r : netstat_finish(&c);
}

/* The file could not be read because the process exited (its /proc directory is gone), as opposed
 * to a file this namespace lacks (tcp6 without IPv6) or a malformed one. base is "<pid>/net". */
static bool gone(int proc_dirfd, const char *base, int r)
{
    char pid[24];
    const char *slash = strchr(base, '/');
    size_t n = slash ? (size_t)(slash - base) : 0;

    if (r != -ENOENT && r != -ESRCH)
        return false;
    if (n == 0 || n >= sizeof(pid))
        return true;
    memcpy(pid, base, n);
    pid[n] = '\0';
    return faccessat(proc_dirfd, pid, F_OK, 0) != 0;
}

static int read_ifaces(int proc_dirfd, const char *base, struct cadv_sample *s)
{
    struct dev_ctx c = {.ifaces = s->ifaces, .cap = s->ifaces ? CADV_MAX_IFACES : 0};
    char path[64];
    int r;

    (void)snprintf(path, sizeof(path), "%s/dev", base);
    r = read_lines(proc_dirfd, path, dev_line, &c);
    if (gone(proc_dirfd, base, r))
        return -ESRCH;
    s->n_ifaces = r < 0 ? 0 : (uint32_t)c.n; /* a malformed file: no interfaces, as cAdvisor */
    s->c.has |= CADV_HAS_NETWORK;
    return 0;
}

static int read_tcp(int proc_dirfd, const char *base, const char *file, uint64_t *counts)
{
    struct tcp_ctx c = {0};
    char path[64];
    int r;

    (void)snprintf(path, sizeof(path), "%s/%s", base, file);
    r = read_lines(proc_dirfd, path, tcp_line, &c);
    if (gone(proc_dirfd, base, r))
        return -ESRCH;
    if (r < 0)
        memset(c.counts, 0, sizeof(c.counts));
    memcpy(counts, c.counts, sizeof(c.counts));
    return 0;
}

static int read_udp(int proc_dirfd, const char *base, const char *file, uint64_t *udp)
{
    struct udp_ctx c = {0};
    char path[64];
    int r;

    (void)snprintf(path, sizeof(path), "%s/%s", base, file);
    r = read_lines(proc_dirfd, path, udp_line, &c);
    if (gone(proc_dirfd, base, r))
        return -ESRCH;
    if (r < 0)
        memset(c.udp, 0, sizeof(c.udp));
    memcpy(udp, c.udp, sizeof(c.udp));
    return 0;
}

static int read_advtcp(int proc_dirfd, const char *base, uint64_t *tcp_adv)
{
    uint64_t tmp[CADV_TCPADV_MAX] = {0};
    char path[64];
    int r;

    (void)snprintf(path, sizeof(path), "%s/netstat", base);
    r = read_netstat_file(proc_dirfd, path, tmp);
    if (r == 0) {
        (void)snprintf(path, sizeof(path), "%s/snmp", base);
        r = read_netstat_file(proc_dirfd, path, tmp);
    }
    if (gone(proc_dirfd, base, r))
        return -ESRCH;
    if (r < 0) /* cAdvisor keeps nothing from a failed pair of files */
        memset(tmp, 0, sizeof(tmp));
    memcpy(tcp_adv, tmp, sizeof(tmp));
    return 0;
}

int cadv_net_read(int proc_dirfd, uint64_t pid, uint32_t kinds, struct cadv_sample *s)
{
    char base[40];
    struct cadv_net_extra *x = s->net;
    int r = 0;

    if (pid == 0 || pid > 0xffffffffu)
        return -ESRCH;
    (void)snprintf(base, sizeof(base), "%llu/net", (unsigned long long)pid);
    if (kinds & CADV_KIND_NETWORK)
        r = read_ifaces(proc_dirfd, base, s);
    if (r == 0 && x && (kinds & CADV_KIND_TCP)) {
        r = read_tcp(proc_dirfd, base, "tcp", x->tcp);
        if (r == 0)
            r = read_tcp(proc_dirfd, base, "tcp6", x->tcp6);
        if (r == 0)
            s->c.has |= CADV_HAS_TCP;
    }
    if (r == 0 && x && (kinds & CADV_KIND_UDP)) {
        r = read_udp(proc_dirfd, base, "udp", x->udp);
        if (r == 0)
            r = read_udp(proc_dirfd, base, "udp6", x->udp6);
        if (r == 0)
            s->c.has |= CADV_HAS_UDP;
    }
    if (r == 0 && x && (kinds & CADV_KIND_ADVTCP)) {
        r = read_advtcp(proc_dirfd, base, x->tcp_adv);
        if (r == 0)
            s->c.has |= CADV_HAS_ADVTCP;
    }
    if (r < 0)
        s->c.has &= ~(uint64_t)(CADV_HAS_NETWORK | CADV_HAS_TCP | CADV_HAS_UDP | CADV_HAS_ADVTCP);
    return r;
}
