/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c - the runtime plugin table (runtime.h): one line per plugin, tried in this order.
 * raw is not listed: the manager applies it last (raw.h). */
#include <stddef.h>

#include "runtime/containerd.h"
#include "runtime/crio.h"
#include "runtime/docker.h"
#include "runtime/podman.h"
#include "runtime/runtime.h"

const struct cadv_runtime *const cadv_runtimes[] = {
        &cadv_runtime_docker, &cadv_runtime_podman, &cadv_runtime_crio, &cadv_runtime_containerd, NULL,
};
