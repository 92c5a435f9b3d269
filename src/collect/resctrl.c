/* SPDX-License-Identifier: Apache-2.0 */
/* resctrl.c - resctrl monitoring groups per container (see resctrl.h). */
#include "collect/resctrl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "model/sample.h"

#define TASKS_MAX (4u << 20) /* bytes of a control group's tasks file read to find a pid */
#define PATH_CAP  4096

/* out = a "/" b. Returns 0 or -ENAMETOOLONG. */
static int join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s/%s", a, b);

    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static bool exists(const char *root, const char *rel)
{
    char p[PATH_CAP];

    return join(p, sizeof(p), root, rel) == 0 && access(p, F_OK) == 0;
}

bool cadv_resctrl_available(const char *root)
{
    return exists(root, "info") && exists(root, "mon_data");
}

/* True if pid is a line of dir/tasks. */
static bool tasks_hold(const char *dir, uint32_t pid)
{
    char p[PATH_CAP], want[16], *buf, *line, *save = NULL;
    size_t len = 0;
    bool found = false;

    if (join(p, sizeof(p), dir, "tasks") < 0)
        return false;
    (void)snprintf(want, sizeof(want), "%u", pid); /* a uint32_t fits */
    buf = cadv_xmalloc(TASKS_MAX + 1);
    if (cadv_read_at(AT_FDCWD, p, buf, TASKS_MAX, &len) >= 0) {
        buf[len] = '\0';
        for (line = strtok_r(buf, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save))
            found = strcmp(line, want) == 0;
    }
    free(buf);
    return found;
}

/* The control group (root or a CTRL_MON directory directly under it) whose tasks hold pid. */
static int control_group_of(const char *root, uint32_t pid, char *out, size_t cap)
{
    DIR *d;
    struct dirent *e;
    int n = snprintf(out, cap, "%s", root);

    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    d = opendir(root);
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char sub[PATH_CAP];

        if (e->d_name[0] == '.' || strcmp(e->d_name, "info") == 0 || strcmp(e->d_name, "mon_groups") == 0 ||
            strcmp(e->d_name, "mon_data") == 0)
            continue;
        if (join(sub, sizeof(sub), root, e->d_name) < 0 || !exists(sub, "tasks") ||
            !exists(sub, "mon_groups"))
            continue;
        if (tasks_hold(sub, pid)) {
            n = snprintf(out, cap, "%s", sub);
            break;
        }
    }
    closedir(d);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int cadv_resctrl_prepare(const char *root, const char *name, const uint32_t *pids, size_t n_pids,
                         char *ret_dir, size_t cap)
{
    char ctrl[PATH_CAP], dir[PATH_CAP], group[PATH_CAP], tasks[PATH_CAP];
    size_t g = 0;
    int fd, n;

    if (strcmp(name, "/") == 0) {
        n = snprintf(ret_dir, cap, "%s", root);
        return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
    }
    if (n_pids == 0)
        return -EINVAL;
    /* "cadvisor-" + the name without its leading slash, slashes as dashes. */
    g = (size_t)snprintf(group, sizeof(group), "cadvisor-");
    for (const char *p = name[0] == '/' ? name + 1 : name; *p && g + 1 < sizeof(group); p++)
        group[g++] = (char)(*p == '/' ? '-' : *p);
    group[g] = '\0';
    if (strlen(name) + 10 >= sizeof(group))
        return -ENAMETOOLONG;
    if (control_group_of(root, pids[0], ctrl, sizeof(ctrl)) < 0)
        return -ENAMETOOLONG;
    n = snprintf(dir, sizeof(dir), "%s/mon_groups/%s", ctrl, group);
    if (n < 0 || (size_t)n >= sizeof(dir) || (size_t)n >= cap)
        return -ENAMETOOLONG;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    if (join(tasks, sizeof(tasks), dir, "tasks") < 0)
        return -ENAMETOOLONG;
    fd = open(tasks, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644); /* O_CREAT: for fixture trees */
    if (fd < 0)
        return -errno;
    for (size_t i = 0; i < n_pids; i++) {
        char buf[16];
        int len = snprintf(buf, sizeof(buf), "%u\n", pids[i]);

        (void)!write(fd, buf, (size_t)len); /* ESRCH: the process exited meanwhile */
    }
    close(fd);
    (void)snprintf(ret_dir, cap, "%s", dir); /* fits: n < cap was checked above */
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads one counter file of a domain; "Unavailable" (the kernel's text for a domain it cannot read)
 * and absent files leave the bit off. */
static void read_counter(const char *dom, const char *file, uint64_t bit, uint64_t *out, uint64_t *has)
{
    char p[PATH_CAP], buf[64];
    size_t len;
    uint64_t v;

    if (join(p, sizeof(p), dom, file) < 0 || cadv_read_at(AT_FDCWD, p, buf, sizeof(buf), &len) < 0)
        return;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        buf[--len] = '\0';
    if (cadv_parse_u64(buf, &v) >= 0) {
        *out = v;
        *has |= bit;
    }
}

int cadv_resctrl_read(const char *group_dir, struct cadv_sample *s)
{
    char p[PATH_CAP], *names[CADV_MAX_RESCTRL];
    size_t n = 0;
    struct dirent *e;
    DIR *d;

    s->n_resctrl = 0;
    if (join(p, sizeof(p), group_dir, "mon_data") < 0)
        return -ENAMETOOLONG;
    d = opendir(p);
    if (!d)
        return -errno;
    while ((e = readdir(d)) && n < CADV_MAX_RESCTRL)
        if (strncmp(e->d_name, "mon_L3_", 7) == 0)
            names[n++] = cadv_xstrdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        struct cadv_resctrl_entry *r = &s->resctrl[i];
        char dom[PATH_CAP];

        memset(r, 0, sizeof(*r));
        if (join(dom, sizeof(dom), p, names[i]) == 0) {
            read_counter(dom, "mbm_total_bytes", 1, &r->mbm_total_bytes, &r->has);
            read_counter(dom, "mbm_local_bytes", 2, &r->mbm_local_bytes, &r->has);
            read_counter(dom, "llc_occupancy", 4, &r->llc_occupancy, &r->has);
        }
        free(names[i]);
    }
    s->n_resctrl = (uint32_t)n;
    return (int)n;
}

int cadv_resctrl_remove(const char *root, const char *group_dir)
{
    if (strcmp(root, group_dir) == 0)
        return 0;
    return rmdir(group_dir) < 0 ? -errno : 0;
}
