/* SPDX-License-Identifier: Apache-2.0 */
/* server.h - the HTTP server (libmicrohttpd, thread pool): routing under --url_base_prefix to the REST
 * API, /healthz, /metrics and the UI; request size caps; cAdvisor's redirects and error replies. */
#pragma once

#include <stdio.h>

struct cadv_config;
struct cadv_manager;
struct cadv_metrics;
struct cadv_server;

/* Checks the flags that shape the routes: -prometheus_endpoint must be a clean path that shadows no
 * other endpoint (/healthz, /api..., the UI pages, "/"). Returns 0, or -EINVAL after one line on err. */
int cadv_server_check_config(const struct cadv_config *cfg, FILE *err);
/* Starts listening on cfg->listen_ip:cfg->port (port 0 = any; the bound port is written to
 * cfg->port_file if set). mx may be NULL (no /metrics). Returns 0 or a negative errno (logged). */
int cadv_server_start(const struct cadv_config *cfg, struct cadv_manager *m, struct cadv_metrics *mx,
                      struct cadv_server **ret);
/* Checks the auth and TLS files of cfg (as start will load them). Returns 0 or -EINVAL (logged). */
int cadv_server_check_files(const struct cadv_config *cfg);
/* The bound TCP port. */
int cadv_server_port(const struct cadv_server *s);
/* Stops accepting, finishes in-flight requests, frees. Accepts NULL; returns NULL. */
struct cadv_server *cadv_server_stop(struct cadv_server *s);
