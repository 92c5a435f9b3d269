/* SPDX-License-Identifier: Apache-2.0 */
/* tls.c - HTTPS certificate and key. They are parsed with GnuTLS (libmicrohttpd's TLS library) first,
 * only to say clearly which file is wrong (libmicrohttpd would just fail to start). */
#include "http/tls.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/log.h"
#include "core/xalloc.h"

#define TLS_MAX_FILE (1u << 20)

struct cadv_tls {
    char *cert, *key; /* PEM texts */
};

static char *read_pem(const char *path, const char *flag)
{
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;

    if (!f) {
        cadv_log(CADV_LOG_ERROR, "cannot read the %s file '%s': %s", flag, path, strerror(errno));
        return NULL;
    }
    buf = cadv_xmalloc(TLS_MAX_FILE + 1);
    n = fread(buf, 1, TLS_MAX_FILE + 1, f);
    (void)fclose(f);
    if (n == 0 || n > TLS_MAX_FILE) {
        cadv_log(CADV_LOG_ERROR, "the %s file '%s' is %s", flag, path, n ? "larger than 1 MiB" : "empty");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static gnutls_datum_t datum(char *pem)
{
    return (gnutls_datum_t){.data = (unsigned char *)pem, .size = (unsigned)strlen(pem)};
}

/* 0 if the PEM texts are a certificate and its key, else -EINVAL (logged). */
static int check_pair(const struct cadv_tls *t, const struct cadv_config *cfg)
{
    gnutls_datum_t cd = datum(t->cert), kd = datum(t->key);
    gnutls_x509_crt_t x = NULL;
    gnutls_x509_privkey_t k = NULL;
    gnutls_certificate_credentials_t pair = NULL;
    int e, r = 0;

    if ((e = gnutls_x509_crt_init(&x)) < 0 || (e = gnutls_x509_crt_import(x, &cd, GNUTLS_X509_FMT_PEM)) < 0)
        r = (cadv_log(CADV_LOG_ERROR, "-tls_cert_file '%s' holds no PEM certificate: %s", cfg->tls_cert_file,
                      gnutls_strerror(e)),
             -EINVAL);
    if (r == 0 && ((e = gnutls_x509_privkey_init(&k)) < 0 ||
                   (e = gnutls_x509_privkey_import(k, &kd, GNUTLS_X509_FMT_PEM)) < 0))
        r = (cadv_log(CADV_LOG_ERROR, "-tls_key_file '%s' holds no unencrypted PEM private key: %s",
                      cfg->tls_key_file, gnutls_strerror(e)),
             -EINVAL);
    if (r == 0 && ((e = gnutls_certificate_allocate_credentials(&pair)) < 0 ||
                   (e = gnutls_certificate_set_x509_key_mem(pair, &cd, &kd, GNUTLS_X509_FMT_PEM)) < 0))
        r = (cadv_log(CADV_LOG_ERROR,
                      "-tls_key_file '%s' is not the private key of the certificate in -tls_cert_file "
                      "'%s'%s%s",
                      cfg->tls_key_file, cfg->tls_cert_file,
                      e == GNUTLS_E_CERTIFICATE_KEY_MISMATCH ? "" : ": ",
                      e == GNUTLS_E_CERTIFICATE_KEY_MISMATCH ? "" : gnutls_strerror(e)),
             -EINVAL);
    if (pair)
        gnutls_certificate_free_credentials(pair);
    if (k)
        gnutls_x509_privkey_deinit(k);
    if (x)
        gnutls_x509_crt_deinit(x);
    return r;
}

int cadv_tls_new(const struct cadv_config *cfg, struct cadv_tls **ret)
{
    bool cert = cfg->tls_cert_file && *cfg->tls_cert_file, key = cfg->tls_key_file && *cfg->tls_key_file;
    struct cadv_tls *t;

    *ret = NULL;
    if (!cert && !key)
        return 0;
    if (!cert || !key)
        return (cadv_log(CADV_LOG_ERROR, "-tls_cert_file and -tls_key_file go together"), -EINVAL);
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return (cadv_log(CADV_LOG_ERROR, "this libmicrohttpd was built without TLS"), -EINVAL);
    t = cadv_xcalloc(1, sizeof(*t));
    t->cert = read_pem(cfg->tls_cert_file, "-tls_cert_file");
    t->key = t->cert ? read_pem(cfg->tls_key_file, "-tls_key_file") : NULL;
    if (!t->key || check_pair(t, cfg) < 0) {
        cadv_tls_free(t);
        return -EINVAL;
    }
    *ret = t;
    return 0;
}

struct cadv_tls *cadv_tls_free(struct cadv_tls *t)
{
    if (!t)
        return NULL;
    if (t->key)
        explicit_bzero(t->key, strlen(t->key));
    free(t->key);
    free(t->cert);
    free(t);
    return NULL;
}

size_t cadv_tls_mhd_options(const struct cadv_tls *t, struct MHD_OptionItem *items, size_t max)
{
    if (!t || max < 2)
        return 0;
    items[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, t->key};
    items[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, t->cert};
    return 2;
}
