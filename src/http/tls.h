/* SPDX-License-Identifier: Apache-2.0 */
/* tls.h - HTTPS for the server (cadv's -tls_cert_file and -tls_key_file): the PEM files are read
 * and checked at start-up; libmicrohttpd serves them through GnuTLS. */
#pragma once

#include <microhttpd.h>
#include <stddef.h>

struct cadv_config;
struct cadv_tls;

/* Reads and checks cfg's certificate and key (both or neither must be set; the key must match the
 * certificate; libmicrohttpd must have TLS). *ret is NULL when TLS is off. Returns 0 or -EINVAL
 * (logged). */
int cadv_tls_new(const struct cadv_config *cfg, struct cadv_tls **ret);
struct cadv_tls *cadv_tls_free(struct cadv_tls *t);
/* The MHD options that turn TLS on (the PEM texts stay owned by t, which must outlive the daemon);
 * writes up to max items and returns the count. */
size_t cadv_tls_mhd_options(const struct cadv_tls *t, struct MHD_OptionItem *items, size_t max);
