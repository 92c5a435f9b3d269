/* SPDX-License-Identifier: Apache-2.0 */
/* validate.h - /validate/: cAdvisor's plain-text report on whether this host suits it (kernel,
 * cgroup controllers and mounts, block device schedulers, the containers being managed). */
#pragma once

struct cadv_manager;
struct cadv_http_reply;

/* Fills rep with the report (text/plain), read fresh from the host on every request. */
void cadv_validate_handle(struct cadv_manager *m, struct cadv_http_reply *rep);
