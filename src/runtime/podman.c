/* SPDX-License-Identifier: Apache-2.0 */
/* podman.c - the Podman runtime plugin (see podman.h; the inspect mapping is dockerapi.c's, as in
 * cAdvisor, which reuses its docker handler's fields for podman). Only libpod's own cgroup layouts
 * are claimed; podman's conmon monitor (libpod-conmon-<id>.scope, /libpod_parent/conmon) stays raw.
 * Writable layer: GraphDriver.Data.UpperDir (<graphroot>/overlay/<layer>/diff, the directory
 * cAdvisor derives from containers.json); extra directory <graphroot>/<driver>-containers/<id>. */
#include "runtime/podman.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/xalloc.h"
#include "runtime/dockerapi.h"
#include "runtime/http_unix.h"
#include "runtime/ids.h"

#define PODMAN_TIMEOUT_NS (5ULL * 1000000000ULL)

struct podman_state {
    struct cadv_http_endpoint ep;
    struct cadv_dockerapi_opts opts;
};

static int podman_init(const struct cadv_config *cfg, void **ret_state)
{
    struct podman_state *st;
    int r;

    /* cAdvisor's podman client supports only the unix scheme. */
    if (!cfg->podman || strncmp(cfg->podman, "unix://", 7) != 0)
        return -EINVAL;
    st = cadv_xcalloc(1, sizeof(*st));
    r = cadv_http_endpoint_parse(cfg->podman, "podman", false, NULL, NULL, NULL, &st->ep);
    if (r < 0) {
        free(st);
        return r;
    }
    st->opts.namespace_ = "podman";
    st->opts.flavor = CADV_DOCKERAPI_PODMAN;
    st->opts.env_whitelist = cfg->env_metadata_whitelist;
    *ret_state = st;
    return 0;
}

static enum cadv_claim podman_claims(void *state, const char *name, char *ret_id, unsigned id_size)
{
    char id[CADV_ID_LEN + 1];

    (void)state;
    if (cadv_ids_layout(name, id) != CADV_LAYOUT_PODMAN || !cadv_ids_is_hex_id(id, strlen(id)) ||
        id_size < sizeof(id))
        return CADV_CLAIM_NO;
    memcpy(ret_id, id, sizeof(id));
    return CADV_CLAIM_YES;
}

static int podman_inspect_full(void *state, const char *cgroup_name, const char *id, struct cadv_spec *spec,
                               struct cadv_runtime_info *ret_info)
{
    struct podman_state *st = state;

    (void)cgroup_name;
    return cadv_dockerapi_inspect(&st->ep, id, PODMAN_TIMEOUT_NS, &st->opts, spec, ret_info);
}

static int podman_exit_code(void *state, const char *id, int *ret_code)
{
    struct podman_state *st = state;

    return cadv_dockerapi_exit_code(&st->ep, id, PODMAN_TIMEOUT_NS, ret_code);
}

static void podman_done(void *state)
{
    struct podman_state *st = state;

    if (!st)
        return;
    cadv_http_endpoint_done(&st->ep);
    free(st);
}

const struct cadv_runtime cadv_runtime_podman = {
        .name = "podman",
        .init = podman_init,
        .claims = podman_claims,
        .done = podman_done,
        .inspect_full = podman_inspect_full,
        .exit_code = podman_exit_code,
};
