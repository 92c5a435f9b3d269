/* SPDX-License-Identifier: Apache-2.0 */
/* test_resctrl.c - resctrl monitoring groups on a fixture tree shaped like /sys/fs/resctrl (these
 * machines have no RDT hardware and no resctrl mount): control group lookup, group naming, tasks
 * written, mon_data domains read in order with unavailable counters left out, removal, and the
 * ResctrlStats JSON. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/resctrl.h"
#include "core/buf.h"
#include "core/json.h"
#include "model/sample.h"
#include "wire/json_container.h"

static char root[64];

static void put(const char *rel, const char *content)
{
    char p[512], dir[512], *slash;
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", root, rel);
    snprintf(dir, sizeof(dir), "%s", p);
    for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        (void)mkdir(dir, 0755);
        *slash = '/';
    }
    if (!content) {
        (void)mkdir(p, 0755);
        return;
    }
    f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs(content, f);
    fclose(f);
}

static char *slurp(const char *rel)
{
    static char buf[4096];
    char p[512];
    size_t n;
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", root, rel);
    f = fopen(p, "r");
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/cadv-resctrl-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    put("info/L3_MON/mon_features", "llc_occupancy\nmbm_total_bytes\nmbm_local_bytes\n");
    put("tasks", "1\n2\n");
    put("mon_groups", NULL);
    put("mon_data/mon_L3_01/llc_occupancy", "8192\n");
    put("mon_data/mon_L3_01/mbm_total_bytes", "Unavailable\n");
    put("mon_data/mon_L3_00/mbm_total_bytes", "1000\n");
    put("mon_data/mon_L3_00/mbm_local_bytes", "600\n");
    put("mon_data/mon_L3_00/llc_occupancy", "4096\n");
    put("cg1/tasks", "100\n4242\n"); /* a CTRL_MON group of its own */
    put("cg1/mon_groups", NULL);
}

static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(resctrl, .init = setup, .fini = teardown);

Test(resctrl, available)
{
    cr_expect(cadv_resctrl_available(root));
    cr_expect_not(cadv_resctrl_available("/nonexistent"));
}

Test(resctrl, root_container_reads_the_root_group)
{
    struct cadv_sample s;
    char dir[512];

    cr_assert_eq(cadv_resctrl_prepare(root, "/", NULL, 0, dir, sizeof(dir)), 0);
    cr_expect_str_eq(dir, root);
    cadv_sample_init_scratch(&s);
    cr_assert_eq(cadv_resctrl_read(dir, &s), 2);
    cr_expect_eq(s.resctrl[0].has, 7);
    cr_expect_eq(s.resctrl[0].mbm_total_bytes, 1000);
    cr_expect_eq(s.resctrl[0].mbm_local_bytes, 600);
    cr_expect_eq(s.resctrl[0].llc_occupancy, 4096);
    cr_expect_eq(s.resctrl[1].has, 4); /* "Unavailable" and absent counters are left out */
    cr_expect_eq(s.resctrl[1].llc_occupancy, 8192);
    cr_expect_eq(s.resctrl[1].mbm_total_bytes, 0);
    cr_expect_eq(cadv_resctrl_remove(root, dir), 0); /* never removes the root */
    cr_expect(cadv_resctrl_available(root));
    cadv_sample_done(&s);
}

Test(resctrl, group_in_the_control_group_of_the_first_pid)
{
    const uint32_t pids[] = {4242, 4243};
    char dir[512], want[512];

    cr_assert_eq(cadv_resctrl_prepare(root, "/docker/abc", pids, 2, dir, sizeof(dir)), 0);
    snprintf(want, sizeof(want), "%s/cg1/mon_groups/cadvisor-docker-abc", root);
    cr_expect_str_eq(dir, want);
    cr_expect_str_eq(slurp("cg1/mon_groups/cadvisor-docker-abc/tasks"), "4242\n4243\n");
    /* Preparing again (-resctrl_interval) reuses the group. */
    cr_assert_eq(cadv_resctrl_prepare(root, "/docker/abc", pids, 1, dir, sizeof(dir)), 0);
    cr_expect_str_eq(dir, want);
    cr_expect_str_eq(slurp("cg1/mon_groups/cadvisor-docker-abc/tasks"), "4242\n4243\n4242\n");
    /* The kernel creates mon_data in a new group; here it has none yet. */
    {
        struct cadv_sample s;

        cadv_sample_init_scratch(&s);
        cr_expect_eq(cadv_resctrl_read(dir, &s), -ENOENT);
        cr_expect_eq(s.n_resctrl, 0);
        cadv_sample_done(&s);
    }
    cr_expect_eq(unlink(strcat(strcpy(want, dir), "/tasks")), 0); /* rmdir needs an empty directory here */
    cr_expect_eq(cadv_resctrl_remove(root, dir), 0);
    cr_expect_eq(access(dir, F_OK), -1);
}

Test(resctrl, default_control_group_and_errors)
{
    const uint32_t pid = 77;
    char dir[512], want[512];

    cr_assert_eq(cadv_resctrl_prepare(root, "/raw", &pid, 1, dir, sizeof(dir)), 0);
    snprintf(want, sizeof(want), "%s/mon_groups/cadvisor-raw", root);
    cr_expect_str_eq(dir, want);
    cr_expect_str_eq(slurp("mon_groups/cadvisor-raw/tasks"), "77\n");
    cr_expect_eq(cadv_resctrl_prepare(root, "/empty", NULL, 0, dir, sizeof(dir)), -EINVAL);
    cr_expect_eq(cadv_resctrl_prepare(root, "/raw", &pid, 1, dir, 8), -ENAMETOOLONG);
    cr_expect_eq(cadv_resctrl_prepare("/nonexistent", "/raw", &pid, 1, dir, sizeof(dir)), -ENOENT);
}

Test(resctrl, json_as_cadvisor)
{
    struct cadv_sample s;
    struct cadv_json w;
    struct cadv_buf b;

    cadv_sample_init_scratch(&s);
    s.net = NULL;
    cr_assert_eq(cadv_resctrl_read(root, &s), 2);
    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_v1_stats(&w, &s, NULL);
    cadv_buf_append(&b, "", 1);
    cr_expect(strstr(b.data,
                     "\"resctrl\":{\"memory_bandwidth\":[{\"mbm_total_bytes\":1000,\"mbm_local_bytes\":600},"
                     "{}],\"cache\":[{\"llc_occupancy\":4096},{\"llc_occupancy\":8192}]}") != NULL,
              "%s", b.data);
    cadv_buf_clear(&b);
    cadv_json_init(&w, &b);
    s.n_resctrl = 0;
    cadv_json_v1_stats(&w, &s, NULL);
    cadv_buf_append(&b, "", 1);
    cr_expect(strstr(b.data, "\"resctrl\":{}") != NULL, "%s", b.data);
    cadv_buf_done(&b);
    cadv_sample_done(&s);
}
