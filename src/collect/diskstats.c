/* SPDX-License-Identifier: Apache-2.0 */
/* diskstats.c - the /proc/diskstats parser (see diskstats.h). */
#include "collect/diskstats.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/parse.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool cadv_diskstats_name_wanted(const char *name)
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

int cadv_diskstats_parse_line(const char *line, size_t len, struct cadv_diskstats_entry *ret)
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

int cadv_diskstats_parse(const char *buf, size_t len, cadv_diskstats_cb cb, void *userdata)
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
            if (cadv_diskstats_name_wanted(name)) {
                int r = cadv_diskstats_parse_line(buf + pos, n, &e);

                if (r < 0 || (r = cb(&e, userdata)) < 0)
                    return r;
            }
        }
        pos += n + 1;
    }
    return 0;
}
