/* SPDX-License-Identifier: Apache-2.0 */
/* raw.h - the raw "runtime": every cgroup that no runtime plugin claimed. It is not in
 * cadv_runtimes[] (it is always tried last) and has no API to inspect; it only decides whether a
 * cgroup is tracked at all (cAdvisor's raw factory CanHandleAndAccept,
 * docs/compatibility.md#container-names). */
#pragma once

#include <stdbool.h>

/* True when an unclaimed cgroup `name` is tracked: "/" always; with docker_only and an empty
 * whitelist (NULL, no entry, or a first entry "") never; otherwise iff name starts with one of the
 * NULL-terminated whitelist prefixes (the default {""} matches everything). Pure; thread-safe. */
bool cadv_raw_accepts(bool docker_only, char *const *whitelist, const char *name);
