/* SPDX-License-Identifier: Apache-2.0 */
/* docker.c - the Docker runtime plugin (see docker.h and dockerapi.h for the field mapping).
 * Claims are by name only: docker's own layouts say YES, a bare 64-hex basename (Kubernetes with
 * dockershim and the cgroupfs driver, or --cgroup-parent) says MAYBE; a container that docker does
 * not know, or that is not running, stays raw (cAdvisor: "cannot handle", falls through to raw). */
#include "runtime/docker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/xalloc.h"
#include "runtime/dockerapi.h"
#include "runtime/http_unix.h"
#include "runtime/ids.h"
#include "runtime/runtime.h"

/* cAdvisor uses 10 s per call; the metadata worker is shared by every container, so a hung daemon
 * should cost less. */
#define DOCKER_TIMEOUT_NS (5ULL * 1000000000ULL)

struct docker_state {
    struct cadv_http_endpoint ep;
    struct cadv_dockerapi_opts opts;
};

static int docker_init(const struct cadv_config *cfg, void **ret_state)
{
    struct docker_state *st = cadv_xcalloc(1, sizeof(*st));
    int r;

    r = cadv_http_endpoint_parse(cfg->docker, "docker", cfg->docker_tls, cfg->docker_tls_cert,
                                 cfg->docker_tls_key, cfg->docker_tls_ca, &st->ep);
    if (r < 0) {
        free(st);
        return r;
    }
    st->opts.namespace_ = "docker";
    st->opts.flavor = CADV_DOCKERAPI_DOCKER;
    st->opts.env_whitelist = cfg->env_metadata_whitelist;
    *ret_state = st;
    return 0;
}

static enum cadv_claim docker_claims(void *state, const char *name, char *ret_id, unsigned id_size)
{
    char id[CADV_ID_LEN + 1];
    enum cadv_id_layout l = cadv_ids_layout(name, id);
    enum cadv_claim c;

    (void)state;
    if ((l != CADV_LAYOUT_DOCKER && l != CADV_LAYOUT_BARE_ID) || !cadv_ids_is_hex_id(id, strlen(id)))
        return CADV_CLAIM_NO;
    if (l == CADV_LAYOUT_DOCKER)
        c = CADV_CLAIM_YES;
    else if (l == CADV_LAYOUT_BARE_ID)
        c = CADV_CLAIM_MAYBE;
    else
        return CADV_CLAIM_NO;
    if (id_size < sizeof(id))
        return CADV_CLAIM_NO;
    memcpy(ret_id, id, sizeof(id));
    return c;
}

static int docker_inspect_full(void *state, const char *cgroup_name, const char *id, struct cadv_spec *spec,
                               struct cadv_runtime_info *ret_info)
{
    struct docker_state *st = state;

    int r = cadv_dockerapi_inspect(&st->ep, id, DOCKER_TIMEOUT_NS, &st->opts, spec, ret_info);

    /* A bare id is only MAYBE docker's: with no docker daemon to ask (a containerd-only Kubernetes
     * node), let the next runtime have it rather than retry docker forever. */
    if (r == -ECONNREFUSED && cadv_ids_layout(cgroup_name, NULL) == CADV_LAYOUT_BARE_ID)
        r = -ENOENT;
    return r;
}

static int docker_exit_code(void *state, const char *id, int *ret_code)
{
    struct docker_state *st = state;

    return cadv_dockerapi_exit_code(&st->ep, id, DOCKER_TIMEOUT_NS, ret_code);
}

static int docker_about(void *state, struct cadv_runtime_about *ret)
{
    struct docker_state *st = state;

    return cadv_dockerapi_about(&st->ep, DOCKER_TIMEOUT_NS, ret);
}

static void docker_done(void *state)
{
    struct docker_state *st = state;

    if (!st)
        return;
    cadv_http_endpoint_done(&st->ep);
    free(st);
}

const struct cadv_runtime cadv_runtime_docker = {
        .name = "docker",
        .init = docker_init,
        .claims = docker_claims,
        .done = docker_done,
        .inspect_full = docker_inspect_full,
        .exit_code = docker_exit_code,
        .about = docker_about,
};
