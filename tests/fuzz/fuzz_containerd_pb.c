/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_containerd_pb.c - containerd gRPC responses (Containers.Get, Tasks.Get, Snapshots.Mounts)
 * through the hand-written protobuf reader. Invariants: no crash or leak; a parsed container has an
 * id and sorted labels; a mounts result is NULL or an absolute path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/spec.h"
#include "runtime/containerd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *wl[] = {"", "MY_", "P", NULL};
    struct cadv_containerd_container c = {0};
    struct cadv_spec s;
    uint32_t pid, status, ex;
    char *dir = NULL;

    cadv_spec_init(&s);
    if (cadv_containerd_parse_container(data, size, wl, &s, &c) == 0) {
        if (!s.id || !*s.id)
            abort();
        for (size_t i = 1; i < s.n_labels; i++)
            if (strcmp(s.labels[i - 1].key, s.labels[i].key) >= 0)
                abort();
    }
    cadv_containerd_container_done(&c);
    cadv_spec_done(&s);
    (void)cadv_containerd_parse_task(data, size, &pid, &status, &ex);
    if (cadv_containerd_parse_mounts(data, size, &dir) == 0 && dir && dir[0] != '/')
        abort();
    free(dir);
    return 0;
}
