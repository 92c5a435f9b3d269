/* SPDX-License-Identifier: Apache-2.0 */
/* resctrl.h - Intel RDT / AMD QoS monitoring per container through the resctrl filesystem, as
 * cAdvisor does it: a monitoring group "cadvisor-<name>" (slashes of the name turned into dashes)
 * in the mon_groups of the control group that holds the container's first process, the container's
 * pids written to its tasks, and per L3 domain (mon_data/mon_L3_*, in name order = node_id) the
 * mbm_total_bytes, mbm_local_bytes and llc_occupancy files. The root container reads the resctrl
 * root itself. Nothing here logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_sample;

#define CADV_RESCTRL_ROOT "/sys/fs/resctrl"

/* True when root is a resctrl mount with monitoring (root/info and root/mon_data exist). */
bool cadv_resctrl_available(const char *root);
/* Creates (or reuses) container name's monitoring group under root and writes pids into its tasks
 * file (pids that exited meanwhile are skipped). For "/" the group is root itself and nothing is
 * written. On success the group's directory is written to ret_dir. Returns 0, -EINVAL (no pid for
 * a non-root container), -ENAMETOOLONG, or the errno of mkdir/open. */
int cadv_resctrl_prepare(const char *root, const char *name, const uint32_t *pids, size_t n_pids,
                         char *ret_dir, size_t cap);
/* Reads the group's mon_data into s->resctrl (one entry per L3 domain). Returns the number of
 * domains or a negative errno. */
int cadv_resctrl_read(const char *group_dir, struct cadv_sample *s);
/* Removes a monitoring group made by cadv_resctrl_prepare (never root). Returns 0 or -errno. */
int cadv_resctrl_remove(const char *root, const char *group_dir);
