/* SPDX-License-Identifier: Apache-2.0 */
/* auth.h - HTTP authentication as cAdvisor's -http_auth_file (htpasswd, Basic) and
 * -http_digest_file (htdigest, Digest) flags give it, for the web UI, and with cadv's -auth_api for
 * everything but /healthz. Thread-safe after creation. */
#pragma once

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

struct cadv_config;
struct cadv_auth;

/* Loads the htpasswd file (or, when there is none, the htdigest file) of cfg. *ret is NULL when
 * neither flag is set. Returns 0, or -EINVAL for a missing, unreadable or malformed file (logged with
 * the file name and line). */
int cadv_auth_new(const struct cadv_config *cfg, struct cadv_auth **ret);
struct cadv_auth *cadv_auth_free(struct cadv_auth *a);

/* Parses htpasswd text ("user:hash" lines) or htdigest text ("user:realm:md5hex" lines) into a; on
 * error writes "line N: why" into err and returns -EINVAL. For the loader and the unit tests. */
int cadv_auth_parse(struct cadv_auth *a, const char *text, char *err, size_t errlen);
/* A new empty store: digest false = htpasswd (Basic), true = htdigest (Digest). */
struct cadv_auth *cadv_auth_alloc(bool digest, const char *realm, bool protect_api);
/* Whether password is user's in an htpasswd store (any supported hash kind). */
bool cadv_auth_password_ok(struct cadv_auth *a, const char *user, const char *password);

/* For a request of url (raw, still with the prefix): true when it may proceed (the path needs no
 * auth or the credentials are good); otherwise queues a 401 with the WWW-Authenticate challenge on
 * con and stores what MHD must be told in *ret. */
bool cadv_auth_check(struct cadv_auth *a, const char *prefix, struct MHD_Connection *con, const char *url,
                     enum MHD_Result *ret);

/* MHD options the daemon needs for Digest auth (nonce key); writes up to max items, returns the
 * count. */
size_t cadv_auth_mhd_options(const struct cadv_auth *a, struct MHD_OptionItem *items, size_t max);
