/* SPDX-License-Identifier: Apache-2.0 */
/* crio.h - the CRI-O runtime plugin: containers named crio-<id>.scope (systemd cgroup driver) or
 * crio-<id> (cgroupfs driver), described by CRI-O's HTTP inspect API on /var/run/crio/crio.sock
 * (GET /info, GET /containers/<id>; a fixed path, as in cAdvisor; -crio_client_timeout bounds
 * each call). Namespace "crio". */
#pragma once

#include <stdint.h>

#include "runtime/runtime.h"

extern const struct cadv_runtime cadv_runtime_crio;

#define CADV_CRIO_SOCKET "/var/run/crio/crio.sock"

/* The plugin's init with another socket path (tests; the daemon uses CADV_CRIO_SOCKET). timeout_ns
 * 0 means cadv's default. */
int cadv_crio_init_at(const char *socket_path, uint64_t timeout_ns, void **ret_state);
