/* SPDX-License-Identifier: Apache-2.0 */
/* podman.h - the Podman runtime plugin: containers named libpod-<id> (cgroupfs manager),
 * libpod-<id>.scope (systemd manager) or .../libpod-<id>.scope/container (rootless), described by
 * podman's Docker-compatible API on the -podman unix socket (unix:///var/run/podman/podman.sock by
 * default; `podman system service` serves it). Namespace "podman". */
#pragma once

#include "runtime/runtime.h"

extern const struct cadv_runtime cadv_runtime_podman;
