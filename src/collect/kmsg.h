/* SPDX-License-Identifier: Apache-2.0 */
/* kmsg.h - the kernel log's OOM reports, as cAdvisor's utils/oomparser reads them from /dev/kmsg.
 *
 * A /dev/kmsg record is "prio,seq,usec_since_boot,flags[,...];message" followed by optional
 * continuation lines starting with a space. The OOM parser is cAdvisor's state machine: a message
 * containing "invoked oom-killer:" opens an instance (container and victim "/"); the >= 5.0 line
 * "oom-kill:constraint=C,nodemask=..,cpuset=..,mems_allowed=..,oom_memcg=M,task_memcg=T,task=N,
 * pid=P,uid=.." completes it; on older kernels "Task in X killed as a result of limit of Y" names
 * the cgroups and "Killed process P (N)" completes it. Pure functions, no I/O; every field is
 * bounded (longer values are cut). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CADV_OOM_NAME_MAX       1024 /* cgroup paths */
#define CADV_OOM_PROCESS_MAX    256
#define CADV_OOM_CONSTRAINT_MAX 64

/* A completed OOM instance. container: the killed task's cgroup (task_memcg; cAdvisor's
 * ContainerName, which gets the "oom" event); victim: the cgroup whose limit was hit (oom_memcg;
 * cAdvisor's VictimContainerName, which gets "oomKill"). */
struct cadv_oom {
    uint64_t usec; /* since boot, of the completing line */
    int64_t pid;
    char container[CADV_OOM_NAME_MAX];
    char victim[CADV_OOM_NAME_MAX];
    char process[CADV_OOM_PROCESS_MAX];
    char constraint[CADV_OOM_CONSTRAINT_MAX];
};

struct cadv_oom_parser {
    bool in_instance;
    struct cadv_oom cur;
};

/* Splits one record's first line (len bytes, no NUL needed) into its timestamp and message.
 * Returns 0, or -EINVAL if it is not a kmsg record. */
int cadv_kmsg_parse_record(const char *rec, size_t len, uint64_t *ret_usec, const char **ret_msg,
                           size_t *ret_msg_len);

/* Initialises (or resets) the state machine. */
void cadv_oom_parser_init(struct cadv_oom_parser *p);
/* Feeds one message logged at usec. Returns 1 and fills *ret when it completed an instance,
 * else 0. */
int cadv_oom_parser_feed(struct cadv_oom_parser *p, uint64_t usec, const char *msg, size_t len,
                         struct cadv_oom *ret);
