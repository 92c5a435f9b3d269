/* SPDX-License-Identifier: Apache-2.0 */
/* perf_uncore.c - uncore PMU discovery and sysfs event encoding (see perf_uncore.h). */
#include "collect/perf_uncore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errmsg.h"
#include "core/fileio.h"
#include "core/parse.h"
#include "core/xalloc.h"

#define CPU_ID_MAX 65535u
#define TERM_MAX   64 /* bytes of a term name or value, NUL included */

static bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Trims whitespace at both ends of s[0..*len). */
static const char *trim(const char *s, size_t *len)
{
    while (*len > 0 && is_space(s[0]))
        s++, (*len)--;
    while (*len > 0 && is_space(s[*len - 1]))
        (*len)--;
    return s;
}

/* Decimal digits at s[*i..len) into *ret (at most max). */
static int take_uint(const char *s, size_t len, size_t *i, uint32_t max, uint32_t *ret)
{
    uint64_t v = 0;
    size_t start = *i;

    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (uint64_t)(s[*i] - '0');
        if (v > max)
            return -EINVAL;
        (*i)++;
    }
    if (*i == start)
        return -EINVAL;
    *ret = (uint32_t)v;
    return 0;
}

/* "a" or "a-b" at s[*i..len), a <= b <= max. */
static int take_range(const char *s, size_t len, size_t *i, uint32_t max, uint32_t *ret_a, uint32_t *ret_b)
{
    uint32_t a, b;

    if (take_uint(s, len, i, max, &a) < 0)
        return -EINVAL;
    b = a;
    if (*i < len && s[*i] == '-') {
        (*i)++;
        if (take_uint(s, len, i, max, &b) < 0 || b < a)
            return -EINVAL;
    }
    *ret_a = a;
    *ret_b = b;
    return 0;
}

int cadv_uncore_cpulist_parse(const char *s, size_t len, uint32_t *cpus, size_t cap, size_t *ret_n)
{
    size_t i = 0, n = 0;

    s = trim(s, &len);
    if (len == 0)
        return -EINVAL;
    for (;;) {
        uint32_t a, b;

        if (take_range(s, len, &i, CPU_ID_MAX, &a, &b) < 0)
            return -EINVAL;
        if ((uint64_t)b - a + 1 > cap - n)
            return -E2BIG;
        for (uint32_t c = a; c <= b; c++)
            cpus[n++] = c;
        if (i == len)
            break;
        if (s[i++] != ',')
            return -EINVAL;
    }
    *ret_n = n;
    return 0;
}

int cadv_uncore_format_parse(const char *s, size_t len, struct cadv_uncore_format *ret)
{
    struct cadv_uncore_format f = {0};
    size_t i = sizeof("config") - 1;

    s = trim(s, &len);
    if (len < i || memcmp(s, "config", i) != 0)
        return -EINVAL;
    if (i < len && (s[i] == '1' || s[i] == '2'))
        f.word = (uint32_t)(s[i++] - '0');
    if (i >= len || s[i++] != ':')
        return -EINVAL;
    for (;;) {
        uint32_t lo, hi;

        if (f.n_ranges == CADV_UNCORE_MAX_RANGES || take_range(s, len, &i, 63, &lo, &hi) < 0)
            return -EINVAL;
        f.lo[f.n_ranges] = (uint8_t)lo;
        f.hi[f.n_ranges++] = (uint8_t)hi;
        if (i == len)
            break;
        if (s[i++] != ',')
            return -EINVAL;
    }
    *ret = f;
    return 0;
}

/* Deposits v into the field's bit ranges of config. Returns -ERANGE if bits of v are left over. */
static int deposit(const struct cadv_uncore_format *f, uint64_t v, uint64_t config[3])
{
    for (uint32_t r = 0; r < f->n_ranges; r++) {
        unsigned width = (unsigned)(f->hi[r] - f->lo[r]) + 1;
        uint64_t mask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;

        config[f->word] = (config[f->word] & ~(mask << f->lo[r])) | ((v & mask) << f->lo[r]);
        v = width == 64 ? 0 : v >> width;
    }
    return v == 0 ? 0 : -ERANGE;
}

static bool term_name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= TERM_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return false;
    return true;
}

/* One "name[=value]" term into config. */
static int encode_term(const char *t, size_t n, cadv_uncore_format_lookup lookup, void *userdata,
                       uint64_t config[3], char *err, size_t cap)
{
    const char *eq = memchr(t, '=', n);
    size_t name_len = eq ? (size_t)(eq - t) : n;
    char name[TERM_MAX], value[TERM_MAX];
    struct cadv_uncore_format f;
    uint64_t v = 1;
    int r;

    if (!term_name_ok(t, name_len)) {
        cadv_errmsg(err, cap, "bad term \"%.*s\"", (int)(n < 64 ? n : 64), t);
        return -EINVAL;
    }
    memcpy(name, t, name_len);
    name[name_len] = '\0';
    if (eq) {
        size_t vlen = n - name_len - 1;

        if (vlen == 0 || vlen >= TERM_MAX) {
            cadv_errmsg(err, cap, "term \"%s\": bad value", name);
            return -EINVAL;
        }
        memcpy(value, eq + 1, vlen);
        value[vlen] = '\0';
        if (cadv_parse_go_uint(value, 0, 64, &v) < 0) {
            cadv_errmsg(err, cap, "term \"%s\": \"%s\" is not an unsigned number", name, value);
            return -EINVAL;
        }
    }
    r = lookup(userdata, name, &f);
    if (r == -ENOENT && strncmp(name, "config", 6) == 0 &&
        (name[6] == '\0' || strcmp(name + 6, "1") == 0 || strcmp(name + 6, "2") == 0)) {
        /* perf's built-in terms: a whole config word */
        f = (struct cadv_uncore_format){
                .word = name[6] ? (uint32_t)(name[6] - '0') : 0, .n_ranges = 1, .hi = {63}};
        r = 0;
    }
    if (r < 0) {
        cadv_errmsg(err, cap, "term \"%s\": %s", name, r == -ENOENT ? "no such format field" : strerror(-r));
        return r;
    }
    r = deposit(&f, v, config);
    if (r < 0)
        cadv_errmsg(err, cap, "term \"%s\": value 0x%llx wider than its field", name, (unsigned long long)v);
    return r;
}

int cadv_uncore_encode(const char *terms, size_t len, cadv_uncore_format_lookup lookup, void *userdata,
                       uint64_t config[3], char *err, size_t cap)
{
    uint64_t c[3] = {0, 0, 0};
    size_t n_terms = 0;
    const char *p, *end;

    terms = trim(terms, &len);
    if (len == 0) {
        cadv_errmsg(err, cap, "no terms");
        return -EINVAL;
    }
    for (p = terms, end = terms + len; p <= end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        size_t n = (size_t)(stop - p);
        const char *t = trim(p, &n);
        int r;

        if (++n_terms > CADV_UNCORE_MAX_TERMS) {
            cadv_errmsg(err, cap, "more than %d terms", CADV_UNCORE_MAX_TERMS);
            return -E2BIG;
        }
        r = encode_term(t, n, lookup, userdata, c, err, cap);
        if (r < 0)
            return r;
        p = stop + 1;
    }
    memcpy(config, c, sizeof(c));
    return 0;
}

/* Reads <dir>/<name> (at most CADV_UNCORE_FILE_MAX bytes) into buf. */
static int read_small(const char *dir, const char *name, char *buf, size_t *ret_len)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= sizeof(path))
        return -ENAMETOOLONG;
    return cadv_read_at(AT_FDCWD, path, buf, CADV_UNCORE_FILE_MAX, ret_len);
}

static int devices_dir(const char *sys_root, const char *pmu, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/bus/event_source/devices%s%s", sys_root, pmu ? "/" : "", pmu ? pmu : "");

    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int read_pmu(const char *dir, const char *name, struct cadv_uncore_pmu *ret)
{
    char *buf = cadv_xmalloc(CADV_UNCORE_FILE_MAX), path[4096];
    uint64_t type;
    size_t len;
    int r, n = snprintf(path, sizeof(path), "%s/%s", dir, name);

    r = n < 0 || (size_t)n >= sizeof(path) ? -ENAMETOOLONG : read_small(path, "type", buf, &len);
    if (r >= 0) {
        len = strcspn(buf, " \n");
        buf[len] = '\0';
        r = cadv_parse_go_uint(buf, 0, 32, &type);
    }
    if (r >= 0)
        r = read_small(path, "cpumask", buf, &len);
    if (r >= 0)
        r = cadv_uncore_cpulist_parse(buf, len, ret->cpus, CADV_UNCORE_MAX_CPUS, &ret->n_cpus);
    free(buf);
    if (r < 0)
        return r;
    (void)snprintf(ret->name, sizeof(ret->name), "%s", name);
    ret->type = (uint32_t)type;
    return 0;
}

static int pmu_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cadv_uncore_pmu *)a)->name, ((const struct cadv_uncore_pmu *)b)->name);
}

int cadv_uncore_pmus_discover(const char *sys_root, struct cadv_uncore_pmu **ret)
{
    struct cadv_uncore_pmu *pmus = NULL;
    char dir[4096];
    struct dirent *de;
    size_t n = 0;
    DIR *d;

    if (devices_dir(sys_root, NULL, dir, sizeof(dir)) < 0)
        return -ENAMETOOLONG;
    d = opendir(dir);
    if (!d)
        return -errno;
    while ((de = readdir(d)) != NULL && n < CADV_UNCORE_MAX_PMUS) {
        if (strncmp(de->d_name, "uncore", 6) != 0 || strlen(de->d_name) >= CADV_UNCORE_PMU_NAME_MAX)
            continue;
        if (n % 16 == 0)
            pmus = cadv_xrealloc(pmus, (n + 16) * sizeof(*pmus));
        if (read_pmu(dir, de->d_name, &pmus[n]) == 0)
            n++;
    }
    closedir(d);
    if (n == 0) {
        free(pmus);
        pmus = NULL;
    } else {
        qsort(pmus, n, sizeof(*pmus), pmu_cmp);
    }
    *ret = pmus;
    return (int)n;
}

struct format_dir {
    char dir[4096];
};

static int lookup_sysfs(void *userdata, const char *term, struct cadv_uncore_format *ret)
{
    const struct format_dir *fd = userdata;
    char buf[CADV_UNCORE_FILE_MAX];
    size_t len;
    int r = read_small(fd->dir, term, buf, &len);

    return r < 0 ? r : cadv_uncore_format_parse(buf, len, ret);
}

/* An alias name: no '/', not "." or "..", no control bytes. */
static bool alias_name_ok(const char *s)
{
    if (s[0] == '\0' || s[0] == '.' || strlen(s) >= 256)
        return false;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20)
            return false;
    return true;
}

int cadv_uncore_event_encode(const char *sys_root, const struct cadv_uncore_pmu *pmu, const char *event,
                             uint64_t config[3], char *err, size_t cap)
{
    struct format_dir fd;
    char pmu_dir[4096], *alias = NULL;
    const char *terms = event;
    size_t len = strlen(event);
    int r;

    r = devices_dir(sys_root, pmu->name, pmu_dir, sizeof(pmu_dir));
    if (r >= 0 && snprintf(fd.dir, sizeof(fd.dir), "%s/format", pmu_dir) >= (int)sizeof(fd.dir))
        r = -ENAMETOOLONG;
    if (r < 0) {
        cadv_errmsg(err, cap, "%s: path too long", pmu->name);
        return r;
    }
    if (!strchr(event, '=')) {
        char path[4096 + 64];

        if (!alias_name_ok(event)) {
            cadv_errmsg(err, cap, "not an event alias name");
            return -ENOENT;
        }
        (void)snprintf(path, sizeof(path), "%s/events", pmu_dir);
        alias = cadv_xmalloc(CADV_UNCORE_FILE_MAX);
        r = read_small(path, event, alias, &len);
        if (r < 0) {
            free(alias);
            cadv_errmsg(err, cap, "%s has no event alias \"%s\"", pmu->name, event);
            return r == -ENOENT ? -ENOENT : r;
        }
        terms = alias;
    }
    r = cadv_uncore_encode(terms, len, lookup_sysfs, &fd, config, err, cap);
    free(alias);
    return r;
}

int cadv_uncore_socket_of_cpu(const char *sys_root, uint32_t cpu)
{
    char path[4096], buf[32];
    size_t len;
    int64_t v;
    int n = snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%u/topology/physical_package_id", sys_root,
                     cpu);

    if (n < 0 || (size_t)n >= sizeof(path) || cadv_read_at(AT_FDCWD, path, buf, sizeof(buf), &len) < 0)
        return -1;
    buf[strcspn(buf, " \n")] = '\0';
    return cadv_parse_i64(buf, &v) < 0 || v < -1 || v > 1000000 ? -1 : (int)v;
}
