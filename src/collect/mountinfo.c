/* SPDX-License-Identifier: Apache-2.0 */
/* mountinfo.c - the /proc/<pid>/mountinfo parser (moby/sys/mountinfo's rules) and cAdvisor's
 * filesystem partitions built from it (see mountinfo.h). */
#include "collect/mountinfo.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/parse.h"
#include "core/xalloc.h"

#define MOUNTINFO_MAX_FIELDS 128

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

int cadv_mountinfo_parse_line(char *line, size_t len, struct cadv_mountinfo_entry *ret)
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

int cadv_mountinfo_parse(char *buf, size_t len, cadv_mountinfo_cb cb, void *userdata)
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
        if (n > CADV_MOUNTINFO_LINE_MAX || cadv_mountinfo_parse_line(buf + pos, n, &e) < 0)
            skipped++;
        else if ((r = cb(&e, userdata)) < 0)
            return r;
        pos += n + 1;
    }
    return skipped;
}

/* ---- filesystem partitions (cAdvisor's fs.processMounts) ---- */

bool cadv_mountinfo_fs_type_claimed(const char *t)
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
    if (!cadv_mountinfo_fs_type_claimed(e->fstype))
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

void cadv_mountinfo_partitions(char *mountinfo, size_t len, int rootfd, struct cadv_fs_partition **ret,
                               size_t *ret_n)
{
    struct fs_scan s = {.rootfd = rootfd};

    (void)cadv_mountinfo_parse(mountinfo, len, scan_mount, &s);
    if (s.have_root)
        upsert_part(&s, cadv_xstrdup(s.root.source), &s.root, s.root.major, s.root.minor);
    *ret = s.parts;
    *ret_n = s.n;
}

void cadv_mountinfo_partitions_free(struct cadv_fs_partition *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].source);
        free(p[i].mountpoint);
        free(p[i].fstype);
    }
    free(p);
}
