/* SPDX-License-Identifier: Apache-2.0 */
/* ps.h - cAdvisor's process listing (manager.GetProcessList, /api/v2.0/ps): the processes of a proc
 * tree with the figures `ps` prints (collect/procstats.h), for the host or one container. */
#pragma once

struct cadv_ps_info;

/* Processes listed per walk, at most. */
#define CADV_PS_MAX_PROCS 65536u

/* Receives one process of a walk; p is valid during the call only. */
typedef void (*cadv_ps_fn)(void *arg, const struct cadv_ps_info *p);

/* Passes to fn, in pid order (ps -e order), every process under proc_fd for name "/" (with its cgroup
 * path); for another container only those whose cgroup path is name, with the path blanked (cAdvisor's
 * parsePsLine). Processes that vanish meanwhile are skipped. Returns 0, or a negative errno before
 * any call of fn. */
int cadv_ps_walk(int proc_fd, const char *name, cadv_ps_fn fn, void *arg);
