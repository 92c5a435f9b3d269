/* SPDX-License-Identifier: Apache-2.0 */
/* kmsg.c - /dev/kmsg records and cAdvisor's OOM state machine (collect/kmsg.h). The patterns are
 * cAdvisor's regular expressions, whose (.*) groups are greedy: each separator is therefore found
 * at its last possible position, which is what the right-to-left searches below do. */
#include "collect/kmsg.h"

#include <errno.h>
#include <string.h>

#include "core/parse.h"

/* Last occurrence of needle (nlen bytes) in [s, s + len), or NULL. */
static const char *memrmem(const char *s, size_t len, const char *needle, size_t nlen)
{
    if (nlen > len)
        return NULL;
    for (size_t i = len - nlen + 1; i-- > 0;)
        if (memcmp(s + i, needle, nlen) == 0)
            return s + i;
    return NULL;
}

static void copy_field(char *dst, size_t size, const char *s, size_t n)
{
    n = strnlen(s, n); /* a NUL inside a record ends the field, as it ends the copied string */
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Go's path.Join("/", s): rooted, "." and ".." resolved, no repeated or trailing "/". */
static void clean_path(char *dst, size_t size, const char *s, size_t n)
{
    size_t o = 0, i = 0;

    dst[o++] = '/';
    while (i < n) {
        size_t j = i, seg;

        while (j < n && s[j] != '/')
            j++;
        seg = j - i;
        if (seg == 0 || (seg == 1 && s[i] == '.')) {
            /* empty or "." */
        } else if (seg == 2 && s[i] == '.' && s[i + 1] == '.') {
            while (o > 1 && dst[o - 1] != '/')
                o--;
            if (o > 1)
                o--;
        } else {
            if (o > 1 && o < size - 1)
                dst[o++] = '/';
            for (size_t k = i; k < j && o < size - 1; k++)
                dst[o++] = s[k];
        }
        i = j + 1;
    }
    dst[o] = '\0';
}

int cadv_kmsg_parse_record(const char *rec, size_t len, uint64_t *ret_usec, const char **ret_msg,
                           size_t *ret_msg_len)
{
    const char *semi = memchr(rec, ';', len), *nl, *c1, *c2, *c3;
    uint64_t usec;

    if (!semi)
        return -EINVAL;
    c1 = memchr(rec, ',', (size_t)(semi - rec));
    c2 = c1 ? memchr(c1 + 1, ',', (size_t)(semi - c1 - 1)) : NULL;
    if (!c2)
        return -EINVAL;
    c3 = memchr(c2 + 1, ',', (size_t)(semi - c2 - 1));
    if (!c3)
        c3 = semi;
    if (cadv_parse_u64n(c2 + 1, (size_t)(c3 - c2 - 1), &usec) < 0)
        return -EINVAL;
    nl = memchr(semi + 1, '\n', len - (size_t)(semi + 1 - rec));
    *ret_usec = usec;
    *ret_msg = semi + 1;
    *ret_msg_len = (nl ? (size_t)(nl - semi - 1) : len - (size_t)(semi + 1 - rec));
    return 0;
}

void cadv_oom_parser_init(struct cadv_oom_parser *p)
{
    memset(p, 0, sizeof(*p));
}

/* The >= 5.0 line: oom-kill:constraint=(.*),nodemask=(.*),cpuset=(.*),mems_allowed=(.*),
 * oom_memcg=(.*),task_memcg=(.*),task=(.*),pid=(.*),uid=(.*). Returns 1 if it matched. */
static int parse_oom_kill(struct cadv_oom *o, const char *msg, size_t len)
{
    static const char *const seps[] = {",nodemask=",   ",cpuset=", ",mems_allowed=", ",oom_memcg=",
                                       ",task_memcg=", ",task=",   ",pid=",          ",uid="};
    const size_t nseps = sizeof(seps) / sizeof(seps[0]);
    const char *start = memmem(msg, len, "oom-kill:constraint=", 20), *at[8 + 1];
    const char *end = msg + len;
    struct cadv_oom t;
    int64_t pid;

    if (!start)
        return 0;
    start += 20;
    /* Right to left: each separator at its last position before the next one. */
    for (size_t i = nseps; i-- > 0;) {
        size_t sl = strlen(seps[i]);

        at[i] = memrmem(start, (size_t)(end - start), seps[i], sl);
        if (!at[i])
            return 0;
        end = at[i];
    }
    /* pid: Go's strconv.Atoi of the group; a bad one is an error in cAdvisor (no event). */
    if (cadv_parse_i64n(at[6] + 5, (size_t)(at[7] - at[6] - 5), &pid) < 0)
        return 0;
    /* Into a copy: a record refused here must leave the instance as it was. */
    t = *o;
    copy_field(t.constraint, sizeof(t.constraint), start, (size_t)(at[0] - start));
    copy_field(t.victim, sizeof(t.victim), at[3] + 11, (size_t)(at[4] - at[3] - 11));
    copy_field(t.container, sizeof(t.container), at[4] + 12, (size_t)(at[5] - at[4] - 12));
    copy_field(t.process, sizeof(t.process), at[5] + 6, (size_t)(at[6] - at[5] - 6));
    if (!t.container[0] || !t.victim[0]) /* not a kernel's record (a NUL where a path belongs) */
        return 0;
    t.pid = pid;
    *o = t;
    return 1;
}

/* "Task in (.*) killed as a result of limit of (.*)" (kernels before 5.0). */
static void parse_legacy_names(struct cadv_oom *o, const char *msg, size_t len)
{
    static const char sep[] = " killed as a result of limit of ";
    const char *in = memmem(msg, len, "Task in ", 8), *k;

    if (!in)
        return;
    in += 8;
    k = memrmem(in, len - (size_t)(in - msg), sep, sizeof(sep) - 1);
    if (!k)
        return;
    clean_path(o->container, sizeof(o->container), in, (size_t)(k - in));
    k += sizeof(sep) - 1;
    clean_path(o->victim, sizeof(o->victim), k, len - (size_t)(k - msg));
}

/* "Killed process ([0-9]+) \((.+)\)". Returns 1 if it matched. */
static int parse_killed_process(struct cadv_oom *o, const char *msg, size_t len)
{
    const char *p = memmem(msg, len, "Killed process ", 15), *end = msg + len, *d, *close;
    int64_t pid;

    while (p) {
        p += 15;
        d = p;
        while (d < end && *d >= '0' && *d <= '9')
            d++;
        if (d > p && end - d >= 4 && d[0] == ' ' && d[1] == '(') {
            close = memrmem(d + 2, (size_t)(end - d - 2), ")", 1);
            if (close && close > d + 2 && cadv_parse_i64n(p, (size_t)(d - p), &pid) == 0) {
                o->pid = pid;
                copy_field(o->process, sizeof(o->process), d + 2, (size_t)(close - d - 2));
                return 1;
            }
        }
        p = memmem(p, (size_t)(end - p), "Killed process ", 15);
    }
    return 0;
}

int cadv_oom_parser_feed(struct cadv_oom_parser *p, uint64_t usec, const char *msg, size_t len,
                         struct cadv_oom *ret)
{
    if (memmem(msg, len, "invoked oom-killer:", 19)) {
        /* Also restarts an instance that never completed (its lines were lost). */
        memset(&p->cur, 0, sizeof(p->cur));
        strcpy(p->cur.container, "/");
        strcpy(p->cur.victim, "/");
        p->cur.usec = usec;
        p->in_instance = true;
        return 0;
    }
    if (!p->in_instance)
        return 0;
    if (!parse_oom_kill(&p->cur, msg, len)) {
        parse_legacy_names(&p->cur, msg, len);
        if (!parse_killed_process(&p->cur, msg, len))
            return 0;
    }
    p->cur.usec = usec;
    p->in_instance = false;
    *ret = p->cur;
    return 1;
}
