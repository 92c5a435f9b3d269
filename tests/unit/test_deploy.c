/* SPDX-License-Identifier: Apache-2.0 */
/* test_deploy.c - what the deployments rely on: the /rootfs layout detection (cadv in a container
 * with the host's root mounted at /rootfs) and the man page / README table written from the option
 * table. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* A fresh temporary directory; with_proc adds a proc/ inside. The caller frees the path. */
static char *tmp_root(int with_proc)
{
    char tmpl[] = "/tmp/cadv-rootfs-XXXXXX";
    char proc[64];

    cr_assert_not_null(mkdtemp(tmpl));
    snprintf(proc, sizeof(proc), "%s/proc", tmpl);
    if (with_proc)
        cr_assert_eq(mkdir(proc, 0755), 0);
    return strdup(tmpl);
}

static void rm_root(char *dir)
{
    char proc[64];

    snprintf(proc, sizeof(proc), "%s/proc", dir);
    rmdir(proc);
    cr_assert_eq(rmdir(dir), 0);
    free(dir);
}

Test(deploy, rootfs_with_proc_moves_default_roots)
{
    struct cadv_config cfg;
    char *dir = tmp_root(1), want[80];

    cadv_config_init(&cfg);
    cr_assert_eq(cadv_config_detect_rootfs(&cfg, dir), 1);
    snprintf(want, sizeof(want), "%s/proc", dir);
    cr_expect_str_eq(cfg.proc_root, want);
    cr_expect_str_eq(cfg.rootfs, dir);
    /* the id files stay as given: they are read under -rootfs and -proc_root */
    cr_expect_str_eq(cfg.machine_id_file, "/etc/machine-id,/var/lib/dbus/machine-id");
    cr_expect_str_eq(cfg.sys_root, "/sys");
    cr_expect_str_eq(cfg.cgroup_root, "/sys/fs/cgroup");
    cadv_config_done(&cfg);
    rm_root(dir);
}

Test(deploy, rootfs_without_proc_changes_nothing)
{
    struct cadv_config cfg;
    char *dir = tmp_root(0);

    cadv_config_init(&cfg);
    cr_assert_eq(cadv_config_detect_rootfs(&cfg, dir), 0);
    cr_expect_str_eq(cfg.proc_root, "/proc");
    cr_expect_str_eq(cfg.rootfs, "/");
    cadv_config_done(&cfg);
    rm_root(dir);
}

Test(deploy, rootfs_keeps_roots_given_on_the_command_line)
{
    struct cadv_config cfg;
    char *argv[] = {"cadv", "-proc_root=/host/proc", "-rootfs=/host"};
    char *dir = tmp_root(1);

    cadv_config_init(&cfg);
    cr_assert_eq(cadv_config_parse(&cfg, 3, argv, stderr), 0);
    cr_assert_eq(cadv_config_detect_rootfs(&cfg, dir), 0);
    cr_expect_str_eq(cfg.proc_root, "/host/proc");
    cr_expect_str_eq(cfg.rootfs, "/host");
    cadv_config_done(&cfg);
    rm_root(dir);
}

/* Runs f into a memory stream; the caller frees the text. */
static char *capture(void (*f)(FILE *))
{
    char *s = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&s, &n);

    cr_assert_not_null(out);
    f(out);
    fclose(out);
    return s;
}

/* Every flag of the usage text ("  -name ...") is in the man page and in the Markdown table. */
Test(deploy, man_page_and_table_list_every_flag_of_the_usage)
{
    char *usage = capture(cadv_config_usage), *man = capture(cadv_config_man),
         *md = capture(cadv_config_markdown);
    int n = 0;

    cr_assert(strncmp(man, ".TH CADV 8 ", 11) == 0);
    for (char *line = strtok(usage, "\n"); line; line = strtok(NULL, "\n")) {
        char name[80], want[100];

        if (sscanf(line, "  -%79[^ \t]", name) != 1)
            continue;
        n++;
        snprintf(want, sizeof(want), "| `-%s", name);
        cr_expect_not_null(strstr(md, want), "-%s missing from the table", name);
        /* troff: ".TP\n\fB\-name\fR" with every '-' of the name as "\-" */
        snprintf(want, sizeof(want), ".TP\n\\fB\\-");
        for (char *p = name, *w = want + strlen(want); *p && w < want + sizeof(want) - 3; p++) {
            if (*p == '-')
                *w++ = '\\';
            *w++ = *p;
            *w = '\0';
        }
        cr_expect_not_null(strstr(man, want), "-%s missing from the man page", name);
    }
    cr_expect_gt(n, 80);
    free(usage);
    free(man);
    free(md);
}
