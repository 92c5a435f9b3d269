/* SPDX-License-Identifier: Apache-2.0 */
/* dockerapi.h - the Docker Engine API's container inspect, shared by the docker and podman plugins
 * (podman serves the same API on its socket): GET /containers/<id>/json, turned into the spec's
 * identity as cAdvisor's docker handler does (docs/compatibility.md#runtime-docker, #runtime-podman);
 * and the daemon's /version and /info, for the docker version and root that cAdvisor reports.
 *
 * Blocking calls run on the metadata worker only. Thread-safe. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_http_endpoint;
struct cadv_runtime_about;
struct cadv_runtime_info;
struct cadv_spec;

/* Inspect bodies are a few KiB; a container with huge labels/env stays well under this. */
#define CADV_DOCKERAPI_MAX_BODY          (4u << 20)
/* Re-inspect period of containers with a health check (cAdvisor inspects every housekeeping). */
#define CADV_DOCKERAPI_HEALTH_REFRESH_NS (5ULL * 1000000000ULL)

enum cadv_dockerapi_flavor {
    CADV_DOCKERAPI_DOCKER,
    CADV_DOCKERAPI_PODMAN,
};

struct cadv_dockerapi_opts {
    const char *namespace_; /* "docker" or "podman" */
    enum cadv_dockerapi_flavor flavor;
    char *const *env_whitelist; /* NULL-terminated env name prefixes ("" entries skipped); may be NULL */
};

/* Fills spec (id, aliases [name, id], namespace, image, labels + restartcount, envs, pid, health,
 * creation and start times) and, if info is not NULL, the fs-usage dirs and network flags, from a
 * parsed inspect body. *ret_running says whether State.Running. Returns 0 or -EBADMSG when the body
 * lacks an Id. On failure spec and info may hold partial data: the caller frees them. */
int cadv_dockerapi_parse_inspect(const json_t *root, const struct cadv_dockerapi_opts *opts,
                                 struct cadv_spec *spec, struct cadv_runtime_info *info, bool *ret_running);

/* GET /containers/<id>/json and parse. Returns 0, -ENOENT when there is no such container, -EAGAIN
 * when it is not running (yet: its cgroup appears before the daemon says so), or another negative
 * errno when the daemon cannot be reached or answers oddly. Spec and info are written only on
 * success. */
int cadv_dockerapi_inspect(const struct cadv_http_endpoint *ep, const char *id, uint64_t timeout_ns,
                           const struct cadv_dockerapi_opts *opts, struct cadv_spec *spec,
                           struct cadv_runtime_info *info);
/* State.ExitCode of a stopped container; -EBUSY while it runs; -ENOENT if unknown. */
int cadv_dockerapi_exit_code(const struct cadv_http_endpoint *ep, const char *id, uint64_t timeout_ns,
                             int *ret_code);

/* Fills *ret (zeroed by the caller) from the bodies of GET /version (Version, ApiVersion) and
 * GET /info (DockerRootDir); either may be NULL. Strings longer than 255 bytes are cut. */
void cadv_dockerapi_parse_about(const json_t *version, const json_t *info, struct cadv_runtime_about *ret);
/* GET /version and /info and parse. Returns 0 (whatever fields the daemon gave) or a negative errno
 * when the daemon cannot be reached or /version does not answer 200. */
int cadv_dockerapi_about(const struct cadv_http_endpoint *ep, uint64_t timeout_ns,
                         struct cadv_runtime_about *ret);
