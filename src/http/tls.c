/* SPDX-License-Identifier: Apache-2.0 */
/* tls.c - HTTPS certificate and key. They are parsed with OpenSSL first, only to say clearly which
 * file is wrong (libmicrohttpd would just fail to start); GnuTLS (inside libmicrohttpd) serves. */
#include "http/tls.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
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
    fclose(f);
    if (n == 0 || n > TLS_MAX_FILE) {
        cadv_log(CADV_LOG_ERROR, "the %s file '%s' is %s", flag, path, n ? "larger than 1 MiB" : "empty");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static const char *ssl_error(void)
{
    unsigned long e = ERR_get_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;

    ERR_clear_error();
    return why ? why : "not PEM";
}

/* 0 if the PEM texts are a certificate and its key, else -EINVAL (logged). */
static int check_pair(const struct cadv_tls *t, const struct cadv_config *cfg)
{
    BIO *cb = BIO_new_mem_buf(t->cert, -1), *kb = BIO_new_mem_buf(t->key, -1);
    X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k;
    int r = 0;

    if (!x)
        r = (cadv_log(CADV_LOG_ERROR, "-tls_cert_file '%s' holds no PEM certificate: %s", cfg->tls_cert_file,
                      ssl_error()),
             -EINVAL);
    k = r == 0 && kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    if (r == 0 && !k)
        r = (cadv_log(CADV_LOG_ERROR, "-tls_key_file '%s' holds no unencrypted PEM private key: %s",
                      cfg->tls_key_file, ssl_error()),
             -EINVAL);
    if (r == 0 && X509_check_private_key(x, k) != 1)
        r = (cadv_log(CADV_LOG_ERROR,
                      "-tls_key_file '%s' is not the private key of the certificate in -tls_cert_file '%s'",
                      cfg->tls_key_file, cfg->tls_cert_file),
             -EINVAL);
    ERR_clear_error();
    EVP_PKEY_free(k);
    X509_free(x);
    BIO_free(cb);
    BIO_free(kb);
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
        OPENSSL_cleanse(t->key, strlen(t->key));
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
