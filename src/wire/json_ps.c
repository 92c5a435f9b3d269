/* SPDX-License-Identifier: Apache-2.0 */
/* json_ps.c - ProcessInfo (see json_ps.h). percent_cpu and percent_mem are Go float32s holding ps's
 * one-decimal figures; a double of the same tenths prints the same shortest digits. */
#include "wire/json_ps.h"

#include <string.h>

#include "collect/procstats.h"
#include "core/json.h"

#define KEY(w, lit)           cadv_json_key_lit((w), "" lit, sizeof(lit) - 1)
#define KSTRN(w, lit, v, max) (KEY(w, lit), cadv_json_strn((w), (v), strnlen((v), (max))))

void cadv_json_ps_info(struct cadv_json *w, const struct cadv_ps_info *p)
{
    cadv_json_obj_begin(w);
    KSTRN(w, "user", p->user, sizeof(p->user));
    KEY(w, "pid");
    cadv_json_u64(w, p->pid);
    KEY(w, "parent_pid");
    cadv_json_u64(w, p->ppid);
    KSTRN(w, "start_time", p->start_time, sizeof(p->start_time));
    KEY(w, "percent_cpu");
    cadv_json_double(w, p->percent_cpu);
    KEY(w, "percent_mem");
    cadv_json_double(w, p->percent_mem);
    KEY(w, "rss");
    cadv_json_u64(w, p->rss_bytes);
    KEY(w, "virtual_size");
    cadv_json_u64(w, p->virtual_size_bytes);
    KSTRN(w, "status", p->status, sizeof(p->status));
    KSTRN(w, "running_time", p->running_time, sizeof(p->running_time));
    KSTRN(w, "cgroup_path", p->cgroup_path, sizeof(p->cgroup_path));
    KSTRN(w, "cmd", p->cmd, sizeof(p->cmd));
    KEY(w, "fd_count");
    cadv_json_i64(w, p->fd_count);
    KEY(w, "psr");
    cadv_json_i64(w, p->psr);
    cadv_json_obj_end(w);
}
