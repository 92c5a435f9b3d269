/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_docker_json.c - Docker/podman inspect bodies (what a daemon, or anything listening on its
 * socket, sends) into spec identity. Invariants: no crash or leak; a successful parse has an id,
 * the id is the last alias, labels and envs are sorted by key. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/spec.h"
#include "runtime/dockerapi.h"
#include "runtime/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *wl[] = {"", "P", "MY_", NULL};
    struct cadv_dockerapi_opts o = {.namespace_ = "docker", .env_whitelist = wl};
    struct cadv_runtime_info info = {0};
    struct cadv_spec s;
    bool running;
    json_t *j = json_loadb((const char *)data, size, 0, NULL);

    if (!j)
        return 0;
    cadv_spec_init(&s);
    for (int flavor = 0; flavor < 2; flavor++) {
        o.flavor = flavor ? CADV_DOCKERAPI_PODMAN : CADV_DOCKERAPI_DOCKER;
        if (cadv_dockerapi_parse_inspect(j, &o, &s, &info, &running) == 0) {
            if (!s.id || s.n_aliases == 0 || strcmp(s.aliases[s.n_aliases - 1], s.id) != 0)
                abort();
            for (size_t i = 1; i < s.n_labels; i++)
                if (strcmp(s.labels[i - 1].key, s.labels[i].key) >= 0)
                    abort();
            for (size_t i = 1; i < s.n_envs; i++)
                if (strcmp(s.envs[i - 1].key, s.envs[i].key) >= 0)
                    abort();
        }
        cadv_spec_done(&s);
        cadv_runtime_info_done(&info);
    }
    /* /version and /info bodies: bounded strings, nothing leaked */
    {
        struct cadv_runtime_about a = {0};

        cadv_dockerapi_parse_about(j, j, &a);
        if ((a.docker_version && strlen(a.docker_version) > 255) ||
            (a.docker_root && strlen(a.docker_root) > 255))
            abort();
        cadv_runtime_about_done(&a);
    }
    json_decref(j);
    return 0;
}
