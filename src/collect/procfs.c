/* SPDX-License-Identifier: Apache-2.0 */
/* procfs.c - bounded parsers of /proc/cpuinfo, /proc/meminfo, /proc/stat's btime and os-release,
 * reproducing cAdvisor's regular expressions and Go's scanning rules (see procfs.h). */
#include "collect/procfs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/parse.h"
#include "core/xalloc.h"

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
    int r = cadv_read_file_at(proc_dirfd, "stat", CADV_PROCFS_FILE_MAX, &buf, &len);

    if (r < 0)
        return r;
    r = cadv_procfs_parse_btime(buf, len, ret);
    free(buf);
    return r;
}

/* Go's regexp \s: [\t\n\f\r ]. */
static bool is_re_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool has_prefix_at(const char *buf, size_t len, size_t at, const char *p)
{
    size_t n = strlen(p);

    return at <= len && len - at >= n && memcmp(buf + at, p, n) == 0;
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
