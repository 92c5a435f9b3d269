/* SPDX-License-Identifier: Apache-2.0 */
/* stress_bpf.c - four threads look up the BPF collector's snapshot of the host's root cgroup while it
 * expires every millisecond, so lock-free lookups race the passes that replace and free snapshots.
 * Each thread checks that the cpuacct usage it sees never goes backwards. Needs root, a v1 cpuacct
 * hierarchy and a BPF-enabled build; elsewhere it says so and passes (nothing to race). Plain main()
 * so that it runs under TSan. Exits 0 when every check held. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "collect/cgroup.h"
#include "collect/cgroup_bpf.h"
#include "model/kinds.h"

#define THREADS 4
#define LOOKUPS 20000

static struct cadv_cgroup *cg;
static atomic_int failures;
static atomic_long hits;

static void *reader(void *arg)
{
    uint64_t last = 0, v = 0;

    (void)arg;
    for (int i = 0; i < LOOKUPS; i++) {
        if (!cadv_cgroup_bpf_cpu(cg, &v)) {
            atomic_fetch_add(&failures, 1);
            break;
        }
        if (v < last) {
            fprintf(stderr, "cpuacct usage went back: %llu after %llu\n", (unsigned long long)v,
                    (unsigned long long)last);
            atomic_fetch_add(&failures, 1);
        }
        last = v;
        atomic_fetch_add(&hits, 1);
    }
    return NULL;
}

int main(void)
{
    struct cadv_cgroup_root *root = NULL;
    pthread_t t[THREADS];

    if (!cadv_cgroup_bpf_built() || geteuid() != 0 || access("/sys/fs/cgroup/cpuacct/cpuacct.usage", R_OK) ||
        cadv_cgroup_root_open("/sys/fs/cgroup", NULL, CADV_KIND_CPU, 64, &root) < 0) {
        printf("skipped: needs BPF support, root and a v1 cpuacct hierarchy\n");
        return 0;
    }
    if (!cadv_cgroup_bpf_start(root, "bpf", 1000000)) {
        printf("skipped: the BPF collector does not load here\n");
        cadv_cgroup_root_free(root);
        return 0;
    }
    if (cadv_cgroup_open(root, "/", &cg) < 0) {
        fprintf(stderr, "cannot open the root cgroup\n");
        return 1;
    }
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    cadv_cgroup_close(cg);
    cadv_cgroup_bpf_stop(root);
    cadv_cgroup_root_free(root);
    printf("%ld lookups, %d failures\n", (long)atomic_load(&hits), atomic_load(&failures));
    return atomic_load(&failures) ? 1 : 0;
}
