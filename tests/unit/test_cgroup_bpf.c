/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgroup_bpf.c - the -collector flag and the BPF collector's start/fallback/lookup rules; on a
 * host where it loads (root, BTF, v1 cpuacct), the root cgroup's figures against its own files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "collect/cgroup_bpf.h"
#include "collect/cgroup_internal.h"
#include "config.h"
#include "model/kinds.h"
#include "model/sample.h"

static int parse(char *arg, char **collector)
{
    struct cadv_config cfg;
    char *argv[] = {"cadv", arg};
    FILE *err = fopen("/dev/null", "w");
    int r;

    cadv_config_init(&cfg);
    r = cadv_config_parse(&cfg, arg ? 2 : 1, argv, err);
    fclose(err);
    *collector = cfg.collector ? strdup(cfg.collector) : NULL;
    cadv_config_done(&cfg);
    return r;
}

Test(cgroup_bpf, collector_flag)
{
    char *c = NULL;

    cr_assert_eq(parse(NULL, &c), 0);
    cr_expect_str_eq(c, "files");
    free(c);
    cr_assert_eq(parse("-collector=bpf", &c), 0);
    cr_expect_str_eq(c, "bpf");
    free(c);
    cr_assert_eq(parse("-collector=auto", &c), 0);
    cr_expect_str_eq(c, "auto");
    free(c);
    cr_expect_eq(parse("-collector=ebpf", &c), -EINVAL);
    free(c);
    cr_expect_eq(parse("-collector=", &c), -EINVAL);
    free(c);
}

/* A fixture tree is no cgroupfs: with any mode the start fails (not built, or cgroup_iter refuses the
 * directory) and every lookup answers "read the file". "files" starts nothing. */
Test(cgroup_bpf, fixture_tree_falls_back)
{
    char dir[] = "/tmp/cadv-bpf-XXXXXX", path[300];
    struct cadv_cgroup_root *root = NULL;
    struct cadv_cgroup *cg = NULL;
    uint64_t v = 7, u = 7, m = 7, f = 7;

    cr_assert_not_null(mkdtemp(dir));
    (void)snprintf(path, sizeof(path), "%s/cpuacct", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    (void)snprintf(path, sizeof(path), "%s/cpuacct/cpuacct.usage", dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("12345\n", fp);
    fclose(fp);
    cr_assert_eq(cadv_cgroup_root_open(dir, NULL, CADV_KIND_CPU, 16, &root), 0);
    cr_expect_not(cadv_cgroup_bpf_start(root, "files", 1000));
    cr_expect_not(cadv_cgroup_bpf_start(root, NULL, 1000));
    cr_expect_not(cadv_cgroup_bpf_start(root, "bpf", 1000));
    cr_expect_not(cadv_cgroup_bpf_start(root, "auto", 1000));
    cr_expect_not(cadv_cgroup_bpf_active(root));
    cr_assert_eq(cadv_cgroup_open(root, "/", &cg), 0);
    cr_expect_not(cadv_cgroup_bpf_cpu(cg, &v));
    cr_expect_not(cadv_cgroup_bpf_mem(cg, &u, &m, &f));
    cr_expect_eq(v, 7);
    cr_expect_eq(u + m + f, 21);
    cadv_cgroup_close(cg);
    cadv_cgroup_bpf_stop(root);
    cadv_cgroup_root_free(root);
    (void)snprintf(path, sizeof(path), "rm -rf %s", dir);
    cr_expect_eq(system(path), 0);
}

static uint64_t file_u64(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long long v = 0;

    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fscanf(f, "%llu", &v), 1);
    fclose(f);
    return v;
}

/* The real host: the root cgroup's cpuacct.usage through the BPF path lies between two reads of the
 * file around it, on the css walk (mode "bpf", which loads on this kernel) and on the cgroup_iter
 * fallback ("bpf-iter"). */
static void root_cpu_between_file_reads(const char *mode, const char *path)
{
    struct cadv_cgroup_root *root = NULL;
    struct cadv_cgroup *cg = NULL;
    uint64_t before, after, v = 0;

    if (!cadv_cgroup_bpf_built() || geteuid() != 0 || access("/sys/fs/cgroup/cpuacct/cpuacct.usage", R_OK)) {
        cr_log_warn("skipped: needs BPF support, root and a v1 cpuacct hierarchy");
        return;
    }
    cr_assert_eq(cadv_cgroup_root_open("/sys/fs/cgroup", NULL, CADV_KIND_CPU | CADV_KIND_MEMORY, 64, &root),
                 0);
    if (!cadv_cgroup_bpf_start(root, mode, 0)) { /* max age 0: every lookup runs a pass */
        cr_log_warn("skipped: the BPF collector does not load here");
        cadv_cgroup_root_free(root);
        return;
    }
    cr_expect(cadv_cgroup_bpf_active(root));
    cr_expect_str_eq(cadv_cgroup_bpf_path(root), path);
    cr_assert_eq(cadv_cgroup_open(root, "/", &cg), 0);
    for (int i = 0; i < 3; i++) {
        before = file_u64("/sys/fs/cgroup/cpuacct/cpuacct.usage");
        cr_assert(cadv_cgroup_bpf_cpu(cg, &v));
        after = file_u64("/sys/fs/cgroup/cpuacct/cpuacct.usage");
        cr_expect(before <= v && v <= after, "%llu not in [%llu, %llu]", (unsigned long long)v,
                  (unsigned long long)before, (unsigned long long)after);
    }
    /* The root's memory usage is global state, not its page counter: left to the file. */
    uint64_t u, m, f;
    cr_expect_not(cadv_cgroup_bpf_mem(cg, &u, &m, &f));
    cadv_cgroup_close(cg);
    cadv_cgroup_bpf_stop(root);
    cr_expect_not(cadv_cgroup_bpf_active(root));
    cr_expect_null(cadv_cgroup_bpf_path(root));
    cadv_cgroup_root_free(root);
}

Test(cgroup_bpf, real_root_cpu_between_file_reads_walk)
{
    root_cpu_between_file_reads("bpf", "walk");
}

Test(cgroup_bpf, real_root_cpu_between_file_reads_iter)
{
    root_cpu_between_file_reads("bpf-iter", "iter");
}

static uint64_t usage_usec(const char *dir)
{
    char path[300], key[32];
    unsigned long long v = 0;
    FILE *f;

    (void)snprintf(path, sizeof(path), "%s/cpu.stat", dir);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fscanf(f, "%31s %llu", key, &v), 2);
    cr_assert_str_eq(key, "usage_usec");
    fclose(f);
    return v;
}

/* cgroup2 (the hybrid mount opened as a cgroup2 root): a cgroup whose process burned some CPU and
 * exited has a fixed cpu.stat usage_usec, which the css walk (after its rstat flush) reports exactly;
 * and through cadv_cgroup_read_stats as the sample's total. */
Test(cgroup_bpf, cgroup2_cpu_stat_usage)
{
    const char *v2 = "/sys/fs/cgroup/unified";
    struct cadv_cgroup_root *root = NULL;
    struct cadv_cgroup *cg = NULL;
    char dir[200], name[64], procs[240];
    uint64_t v = 0, file;
    pid_t pid;
    int status;

    if (!cadv_cgroup_bpf_built() || geteuid() != 0 ||
        access("/sys/fs/cgroup/unified/cgroup.controllers", R_OK)) {
        cr_log_warn("skipped: needs BPF support, root and a cgroup2 mount at %s", v2);
        return;
    }
    (void)snprintf(name, sizeof(name), "/cadv-bpfut-%ld", (long)getpid());
    (void)snprintf(dir, sizeof(dir), "%s%s", v2, name);
    (void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
    cr_assert_eq(mkdir(dir, 0755), 0, "%s: %s", dir, strerror(errno));
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        FILE *f = fopen(procs, "w");
        volatile unsigned long x = 0;

        if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
            _exit(1);
        for (unsigned long i = 0; i < 100000000UL; i++)
            x += i;
        _exit(x == 1 ? 2 : 0); /* x is used (clang: set but not used) and never 1 */
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(cadv_cgroup_root_open(v2, NULL, CADV_KIND_CPU, 64, &root), 0);
    if (!cadv_cgroup_bpf_start(root, "bpf", 0)) {
        cr_log_warn("skipped: the BPF collector does not load on cgroup2 here");
    } else {
        cr_expect_str_eq(cadv_cgroup_bpf_path(root), "walk");
        cr_assert_eq(cadv_cgroup_open(root, name, &cg), 0);
        file = usage_usec(dir);
        cr_expect_gt(file, 0);
        cr_assert(cadv_cgroup_bpf_cpu(cg, &v));
        cr_expect_eq(v, file * 1000, "BPF %llu ns, cpu.stat %llu us", (unsigned long long)v,
                     (unsigned long long)file);
        cadv_cgroup_close(cg);
        /* The root's cpu.stat sums per-CPU kernel statistics: left to the file. */
        cr_assert_eq(cadv_cgroup_open(root, "/", &cg), 0);
        cr_expect_not(cadv_cgroup_bpf_cpu(cg, &v));
        cadv_cgroup_close(cg);
        cadv_cgroup_bpf_stop(root);
    }
    cadv_cgroup_root_free(root);
    cr_expect_eq(rmdir(dir), 0, "%s: %s", dir, strerror(errno));
}

/* The real host, one pass per interval: lookups within max_age share one snapshot (the root's usage,
 * which changes every tick, reads the same twice), and a cgroup opened while BPF serves its root
 * keeps no fd for cpuacct.usage, nor for the files read only when the pass shows them moving:
 * cpuacct.stat, and on the hybrid cpu.pressure and memory.pressure (the PSI state of the pass). */
Test(cgroup_bpf, one_snapshot_per_interval_and_closed_slots)
{
    struct cadv_cgroup_root *root = NULL;
    struct cadv_cgroup *cg = NULL;
    uint64_t a = 0, b = 1;
    int with_bpf, with_files, unneeded;

    if (!cadv_cgroup_bpf_built() || geteuid() != 0 || access("/sys/fs/cgroup/cpuacct/cpuacct.usage", R_OK)) {
        cr_log_warn("skipped: needs BPF support, root and a v1 cpuacct hierarchy");
        return;
    }
    cr_assert_eq(cadv_cgroup_root_open("/sys/fs/cgroup", NULL, CADV_KIND_CPU, 256, &root), 0);
    if (!cadv_cgroup_bpf_start(root, "bpf", 3600ULL * 1000000000)) {
        cr_log_warn("skipped: the BPF collector does not load here");
        cadv_cgroup_root_free(root);
        return;
    }
    cr_assert_eq(cadv_cgroup_open(root, "/", &cg), 0);
    with_bpf = atomic_load(&root->fds_held);
    unneeded = cadv_cgroup_bpf_psi_served(cg) ? 4 : 2;
    cr_assert(cadv_cgroup_bpf_cpu(cg, &a));
    usleep(20000);
    cr_assert(cadv_cgroup_bpf_cpu(cg, &b));
    cr_expect_eq(a, b, "a second pass within max_age: %llu, %llu", (unsigned long long)a,
                 (unsigned long long)b);
    cadv_cgroup_close(cg);
    cadv_cgroup_bpf_stop(root);
    cr_assert_eq(cadv_cgroup_open(root, "/", &cg), 0);
    with_files = atomic_load(&root->fds_held);
    cr_expect_eq(with_files - with_bpf, unneeded, "fds with BPF %d, with files %d", with_bpf, with_files);
    if (access("/sys/fs/cgroup/unified/cpu.pressure", R_OK) == 0)
        cr_expect_eq(unneeded, 4, "the hybrid's PSI state is served by the pass");
    cadv_cgroup_close(cg);
    cadv_cgroup_root_free(root);
}
