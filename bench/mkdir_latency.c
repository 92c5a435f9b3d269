/* SPDX-License-Identifier: Apache-2.0 */
/* mkdir_latency.c - how long mkdir of a new cgroup waits while the BPF collector's passes run
 * (cgroup_iter holds the kernel's global cgroup_mutex for a whole pass, and mkdir/rmdir need it).
 *
 * Creates N empty cgroups /cadv-mkdirlat-<pid>/c00000... in the cpuacct and memory hierarchies and in
 * the cgroup2 mount, then for each phase times mkdir+rmdir of a probe cgroup in each of them:
 *   idle     no passes;
 *   v1 iter  back-to-back passes of the v1 cgroup_iter path (cpuacct + memory, root /sys/fs/cgroup),
 *            the fallback, which holds cgroup_mutex for each whole pass;
 *   v1 walk  the same with the css walk under RCU (the default path);
 *   v2 walk  the cgroup2 path (root /sys/fs/cgroup/unified, or the mount given): its rstat flush under
 *            cgroup_mutex, then the css walk.
 * Back-to-back is the worst case (cadv runs one pass per housekeeping interval): a probe almost always
 * lands in a pass. Prints mkdir latency percentiles per hierarchy and phase and the pass time per
 * hierarchy. Removes everything it created (also what a killed run left: /cadv-mkdirlat-<pid> whose
 * pid is gone). Needs root and a BPF-enabled build. See bench/README.md.
 * Usage: mkdir_latency [N [PROBES [V1_ROOT [V2_ROOT]]]] (10000, 200, /sys/fs/cgroup,
 * /sys/fs/cgroup/unified). */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "collect/cgroup_bpf.h"
#include "model/kinds.h"

#define PREFIX   "cadv-mkdirlat-"
#define N_MOUNT  3
#define MAX_PASS 100000

static const char *const mount_name[N_MOUNT] = {"cpuacct", "memory", "unified"};
static char mounts[N_MOUNT][300];

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Removes <dir> and its child directories c* (the farm's layout: no deeper levels). */
static void remove_farm(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    while (d && (e = readdir(d)))
        if (e->d_type == DT_DIR && e->d_name[0] != '.') {
            (void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            (void)rmdir(path);
        }
    if (d)
        closedir(d);
    (void)rmdir(dir);
}

/* Farms of killed runs: /cadv-mkdirlat-<pid> whose pid is gone. */
static void remove_stale(const char *mnt)
{
    DIR *d = opendir(mnt);
    struct dirent *e;
    char path[512];

    while (d && (e = readdir(d))) {
        long pid;

        if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) != 0)
            continue;
        pid = strtol(e->d_name + strlen(PREFIX), NULL, 10);
        if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
            (void)snprintf(path, sizeof(path), "%s/%s", mnt, e->d_name);
            remove_farm(path);
        }
    }
    if (d)
        closedir(d);
}

static atomic_bool stop;
static uint64_t pass_ns[CADV_BPF_N_H + 1][MAX_PASS]; /* per hierarchy, then under cgroup_mutex */
static size_t n_pass;

static void *passes(void *arg)
{
    struct cadv_cgroup *cg = arg;

    while (!atomic_load(&stop)) {
        uint64_t v, ns[CADV_BPF_N_H], locked;

        if (!cadv_cgroup_bpf_cpu(cg, &v)) /* max age 0: every lookup runs a pass */
            break;
        cadv_cgroup_bpf_pass_ns(ns, &locked);
        if (n_pass < MAX_PASS) {
            for (int h = 0; h < CADV_BPF_N_H; h++)
                pass_ns[h][n_pass] = ns[h];
            pass_ns[CADV_BPF_N_H][n_pass] = locked;
            n_pass++;
        }
    }
    return NULL;
}

static void report(const char *what, uint64_t *v, size_t n)
{
    if (n == 0)
        return;
    qsort(v, n, sizeof(v[0]), cmp_u64);
    printf("| %-34s | %6zu | %8.3f | %8.3f | %8.3f |\n", what, n, (double)v[n / 2] / 1e6,
           (double)v[n * 99 / 100] / 1e6, (double)v[n - 1] / 1e6);
}

/* One phase: probes mkdir+rmdir in every mount while passes over root_path run (NULL: none) in mode
 * ("bpf": the css walk; "bpf-iter": the cgroup_iter path). Passes are driven by lookups of the farm's
 * first cgroup, farm. */
static int phase(const char *label, const char *root_path, const char *mode, const char *farm, int probes)
{
    static uint64_t lat[N_MOUNT][10000];
    struct cadv_cgroup_root *root = NULL;
    struct cadv_cgroup *cg = NULL;
    pthread_t t;
    char name[400];

    if (probes > 10000)
        probes = 10000;
    if (root_path) {
        if (cadv_cgroup_root_open(root_path, NULL, CADV_KIND_CPU | CADV_KIND_MEMORY, 64, &root) < 0 ||
            !cadv_cgroup_bpf_start(root, mode, 0) || cadv_cgroup_open(root, farm, &cg) < 0) {
            fprintf(stderr, "%s: the BPF collector does not start on %s\n", label, root_path);
            if (root)
                cadv_cgroup_root_free(root);
            return -1;
        }
        atomic_store(&stop, false);
        n_pass = 0;
        pthread_create(&t, NULL, passes, cg);
        usleep(100000);
    }
    for (int i = 0; i < probes; i++)
        for (int m = 0; m < N_MOUNT; m++) {
            uint64_t t0;

            if (!mounts[m][0])
                continue;
            (void)snprintf(name, sizeof(name), "%.300s/probe", mounts[m]);
            t0 = now_ns();
            if (mkdir(name, 0755) < 0) {
                perror(name);
                return -1;
            }
            lat[m][i] = now_ns() - t0;
            (void)rmdir(name);
            usleep(1000 + (unsigned)(rand() % 2000)); /* not in step with the passes */
        }
    for (int m = 0; m < N_MOUNT; m++) {
        char what[80];

        if (!mounts[m][0])
            continue;
        (void)snprintf(what, sizeof(what), "%s: mkdir in %s", label, mount_name[m]);
        report(what, lat[m], (size_t)probes);
    }
    if (root_path) {
        atomic_store(&stop, true);
        pthread_join(t, NULL);
        for (int h = 0; h <= CADV_BPF_N_H; h++) {
            static const char *const hn[CADV_BPF_N_H + 1] = {
                    "pass over cpu hier",   "pass over memory hier",        "pass over cpu-controller hier",
                    "pass over blkio hier", "pass over unified hier (PSI)", "cgroup_mutex held per pass"};
            char what[80];
            size_t k = 0;

            for (size_t i = 0; i < n_pass; i++)
                if (pass_ns[h][i] || h == CADV_BPF_N_H)
                    pass_ns[h][k++] = pass_ns[h][i];
            (void)snprintf(what, sizeof(what), "%s: %s", label, hn[h]);
            report(what, pass_ns[h], k);
        }
        cadv_cgroup_close(cg);
        cadv_cgroup_bpf_stop(root);
        cadv_cgroup_root_free(root);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000, probes = argc > 2 ? atoi(argv[2]) : 200;
    const char *v1 = argc > 3 ? argv[3] : "/sys/fs/cgroup",
               *v2 = argc > 4 ? argv[4] : "/sys/fs/cgroup/unified";
    char path[400];
    uint64_t t0;
    int r = 0;

    if (geteuid() != 0 || !cadv_cgroup_bpf_built()) {
        fprintf(stderr, "needs root and a BPF-enabled build\n");
        return 2;
    }
    signal(SIGINT, SIG_IGN); /* the farm is removed at the end; a killed run's by the next */
    t0 = now_ns();
    for (int m = 0; m < N_MOUNT; m++) {
        char mnt[256];

        (void)snprintf(mnt, sizeof(mnt), "%.200s/%s", m == 2 ? v2 : v1, m == 2 ? "" : mount_name[m]);
        if (access(mnt, W_OK) < 0)
            continue;
        remove_stale(mnt);
        (void)snprintf(mounts[m], sizeof(mounts[m]), "%.256s/" PREFIX "%ld", mnt, (long)getpid());
        if (mkdir(mounts[m], 0755) < 0) {
            perror(mounts[m]);
            mounts[m][0] = 0;
            continue;
        }
        for (int i = 0; i < n; i++) {
            (void)snprintf(path, sizeof(path), "%.300s/c%05d", mounts[m], i % 100000);
            if (mkdir(path, 0755) < 0) {
                perror(path);
                r = 1;
                break;
            }
        }
    }
    printf("%d cgroups in each of cpuacct, memory, cgroup2 created in %.1f s; %ld CPUs\n\n", n,
           (double)(now_ns() - t0) / 1e9, sysconf(_SC_NPROCESSORS_ONLN));
    printf("| %-34s | %6s | %8s | %8s | %8s |\n|---|---:|---:|---:|---:|\n", "ms", "count", "p50", "p99",
           "max");
    (void)snprintf(path, sizeof(path), "/" PREFIX "%ld/c00000", (long)getpid());
    if (r == 0 &&
        (phase("idle", NULL, NULL, NULL, probes) < 0 || phase("v1 iter", v1, "bpf-iter", path, probes) < 0 ||
         phase("v1 walk", v1, "bpf", path, probes) < 0))
        r = 1;
    if (r == 0 && access(v2, R_OK) == 0 && phase("v2 walk", v2, "bpf", path, probes) < 0)
        r = 1;
    for (int m = 0; m < N_MOUNT; m++)
        if (mounts[m][0])
            remove_farm(mounts[m]);
    return r;
}
