/* SPDX-License-Identifier: Apache-2.0 */
/* test_kmsg.c - /dev/kmsg records and cAdvisor's OOM state machine on the kernel log of several
 * kernel versions: 3.10 and 4.15 (the "Task in ... killed as a result of limit of ..." and "Killed
 * process" form), 5.4 (the oom-kill: line, nested memcg), 5.10 (a global OOM, which cAdvisor
 * attributes to "/"), and 6.18 (recorded on our machines from a real cgroup v1 OOM kill). The
 * older files are rebuilt from the kernels' format strings. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/kmsg.h"

/* Feeds every record of a fixture; returns the completed instances (at most max). */
static size_t run_file(const char *name, struct cadv_oom *out, size_t max)
{
    char path[512], line[8192];
    struct cadv_oom_parser p;
    size_t n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/kmsg/%s", CADV_FIXTURES, name);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    cadv_oom_parser_init(&p);
    while (fgets(line, sizeof(line), f)) {
        const char *msg;
        size_t len;
        uint64_t usec;

        if (line[0] == ' ')
            continue;
        cr_assert_eq(cadv_kmsg_parse_record(line, strlen(line), &usec, &msg, &len), 0, "%s", line);
        if (n < max && cadv_oom_parser_feed(&p, usec, msg, len, &out[n]) == 1)
            n++;
    }
    fclose(f);
    return n;
}

Test(kmsg, record)
{
    const char rec[] = "6,560,1069441400,-,caller=T12;hello world\n SUBSYSTEM=x\n";
    const char *msg;
    size_t len;
    uint64_t usec;

    cr_assert_eq(cadv_kmsg_parse_record(rec, sizeof(rec) - 1, &usec, &msg, &len), 0);
    cr_expect_eq(usec, 1069441400u);
    cr_expect_eq(len, 11);
    cr_expect_eq(memcmp(msg, "hello world", 11), 0);
    cr_expect_eq(cadv_kmsg_parse_record("6,1,x,-;m", 9, &usec, &msg, &len), -EINVAL);
    cr_expect_eq(cadv_kmsg_parse_record("no semicolon", 12, &usec, &msg, &len), -EINVAL);
    cr_expect_eq(cadv_kmsg_parse_record("6,1;m", 5, &usec, &msg, &len), -EINVAL);
}

Test(kmsg, linux_3_10_legacy_lines)
{
    struct cadv_oom o[4];

    cr_assert_eq(run_file("linux-3.10-memcg.txt", o, 4), 1);
    cr_expect_str_eq(o[0].container, "/mem2");
    cr_expect_str_eq(o[0].victim, "/mem3");
    cr_expect_eq(o[0].pid, 19667);
    cr_expect_str_eq(o[0].process, "evil-program2");
    cr_expect_str_eq(o[0].constraint, "");
    cr_expect_eq(o[0].usec, 62278816300u, "the completing line's time");
}

Test(kmsg, linux_4_15_docker)
{
    struct cadv_oom o[4];

    cr_assert_eq(run_file("linux-4.15-memcg.txt", o, 4), 1, "oom_reaper's line starts nothing");
    cr_expect_str_eq(o[0].container, "/docker/4d6a0b1b0f3d");
    cr_expect_str_eq(o[0].victim, "/docker/4d6a0b1b0f3d");
    cr_expect_eq(o[0].pid, 2525);
    cr_expect_str_eq(o[0].process, "stress");
}

Test(kmsg, linux_5_4_oom_kill_line_nested)
{
    struct cadv_oom o[4];

    cr_assert_eq(run_file("linux-5.4-memcg-nested.txt", o, 4), 1, "the later Killed process line is ignored");
    cr_expect_str_eq(o[0].container, "/kubepods/burstable/pod1f2e/abc123");
    cr_expect_str_eq(o[0].victim, "/kubepods/burstable/pod1f2e");
    cr_expect_str_eq(o[0].constraint, "CONSTRAINT_MEMCG");
    cr_expect_eq(o[0].pid, 777);
    cr_expect_str_eq(o[0].process, "java");
    cr_expect_eq(o[0].usec, 1069441400u);
}

Test(kmsg, linux_5_10_global_oom_as_cadvisor)
{
    struct cadv_oom o[4];

    /* "global_oom" replaces oom_memcg=, so cAdvisor's pattern misses and "Killed process" completes
     * the instance with the default "/" names. */
    cr_assert_eq(run_file("linux-5.10-global.txt", o, 4), 1);
    cr_expect_str_eq(o[0].container, "/");
    cr_expect_str_eq(o[0].victim, "/");
    cr_expect_eq(o[0].pid, 5000);
    cr_expect_str_eq(o[0].process, "chrome");
}

Test(kmsg, linux_6_18_recorded)
{
    struct cadv_oom o[4];

    cr_assert_eq(run_file("linux-6.18-memcg-v1.txt", o, 4), 1);
    cr_expect_str_eq(o[0].container, "/evt-oomprobe-6595");
    cr_expect_str_eq(o[0].victim, "/evt-oomprobe-6595");
    cr_expect_str_eq(o[0].constraint, "CONSTRAINT_MEMCG");
    cr_expect_eq(o[0].pid, 405);
    cr_expect_str_eq(o[0].process, "python3");
}

static int feed(struct cadv_oom_parser *p, const char *msg, struct cadv_oom *o)
{
    return cadv_oom_parser_feed(p, 7, msg, strlen(msg), o);
}

Test(kmsg, state_machine_edges)
{
    struct cadv_oom_parser p;
    struct cadv_oom o;

    cadv_oom_parser_init(&p);
    cr_expect_eq(feed(&p, "Killed process 1 (init)", &o), 0, "no instance open");
    cr_expect_eq(feed(&p, "x invoked oom-killer: gfp_mask=0", &o), 0);
    cr_expect_eq(feed(&p, "Task in /a/../b//c/ killed as a result of limit of b", &o), 0);
    cr_expect_eq(feed(&p, "Killed process abc (x)", &o), 0, "pid must be digits");
    cr_expect_eq(feed(&p, "Killed process 12 (a (b) c) total-vm:1kB", &o), 1);
    cr_expect_str_eq(o.container, "/b/c", "path.Join(\"/\", ...)");
    cr_expect_str_eq(o.victim, "/b");
    cr_expect_str_eq(o.process, "a (b) c", "greedy up to the last parenthesis");
    /* Greedy groups: separators inside a value are taken at their last position. */
    cr_expect_eq(feed(&p, "y invoked oom-killer:", &o), 0);
    cr_expect_eq(feed(&p,
                      "oom-kill:constraint=C,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/m,"
                      "task_memcg=/t,task=we,ird,pid=3,uid=0",
                      &o),
                 1);
    cr_expect_str_eq(o.process, "we,ird");
    cr_expect_eq(o.pid, 3);
    /* A bad pid in the oom-kill: line does not complete (cAdvisor: Atoi error). */
    cr_expect_eq(feed(&p, "y invoked oom-killer:", &o), 0);
    cr_expect_eq(feed(&p,
                      "oom-kill:constraint=C,nodemask=,cpuset=,mems_allowed=,oom_memcg=/m,task_memcg=/t,"
                      "task=x,pid=zz,uid=0",
                      &o),
                 0);
    /* Overlong values are cut, never overflow. */
    {
        char big[3 * CADV_OOM_NAME_MAX];

        memset(big, 'a', sizeof(big));
        memcpy(big, "Task in /", 9);
        memcpy(big + sizeof(big) - 40, " killed as a result of limit of /z", 34);
        big[sizeof(big) - 6] = '\0';
        cr_expect_eq(feed(&p, big, &o), 0);
        cr_expect_eq(feed(&p, "Killed process 9 (q)", &o), 1);
        cr_expect_eq(strlen(o.container), CADV_OOM_NAME_MAX - 1);
    }
}
