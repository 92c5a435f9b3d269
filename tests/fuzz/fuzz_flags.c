/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_flags.c - the command line: the input's lines are argv[1..]. cadv_config_parse must never
 * crash or leak, must answer 0 or -EINVAL, must explain a failure in lines starting "cadv: ", and
 * on success must leave a configuration that satisfies the validation rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "model/kinds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32

static void check_ok(const struct cadv_config *c)
{
    size_t n = strlen(c->url_base_prefix);

    if (c->port < 0 || c->port > 65535 || c->housekeeping_interval_ns <= 0 ||
        c->max_housekeeping_interval_ns <= 0 || c->global_housekeeping_interval_ns <= 0 ||
        c->update_machine_info_interval_ns <= 0 || c->storage_duration_ns <= 0 ||
        c->crio_client_timeout_ns < 0 || c->fd_budget < 0 || c->initial_splay_factor <= 0 ||
        c->jitter_factor <= 0 || (c->metric_kinds & ~CADV_KIND_ALL) || c->prometheus_endpoint[0] != '/' ||
        (n > 0 && c->url_base_prefix[n - 1] == '/') || !c->raw_cgroup_prefix_whitelist ||
        !c->raw_cgroup_prefix_whitelist[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf, *argv[MAX_ARGS + 1], *out = NULL;
    struct cadv_config cfg;
    int argc = 1, r;
    size_t len = 0;
    FILE *err;

    if (size > 4096)
        return 0;
    buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    argv[0] = "cadv";
    for (char *p = buf, *nl; argc < MAX_ARGS && p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        argv[argc++] = p;
    }
    argv[argc] = NULL;
    err = open_memstream(&out, &len);
    if (!err)
        abort();
    cadv_config_init(&cfg);
    r = cadv_config_parse(&cfg, argc, argv, err);
    fclose(err);
    if (r == 0 && !cfg.help)
        check_ok(&cfg);
    if (r != 0 && (r != -EINVAL || len == 0 || out[len - 1] != '\n'))
        abort();
    for (char *line = out; line && *line; line = strchr(line, '\n') + 1)
        if (strncmp(line, "cadv: ", 6) != 0)
            abort();
    cadv_config_done(&cfg);
    free(out);
    free(buf);
    return 0;
}
