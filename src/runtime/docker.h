/* SPDX-License-Identifier: Apache-2.0 */
/* docker.h - the Docker runtime plugin: containers named /docker/<id> (cgroupfs driver) or
 * docker-<id>.scope (systemd driver), described by the Docker Engine API at -docker
 * (unix:///var/run/docker.sock by default; tcp:// with -docker-tls*). Namespace "docker". */
#pragma once

#include "runtime/runtime.h"

extern const struct cadv_runtime cadv_runtime_docker;
