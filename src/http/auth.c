/* SPDX-License-Identifier: Apache-2.0 */
/* auth.c - htpasswd (Basic) and htdigest (Digest) authentication.
 *
 * htpasswd hashes: bcrypt ($2y$, $2a$, $2b$), SHA-crypt ($5$, $6$), MD5-crypt ($1$) and DES through
 * libxcrypt's crypt_rn(); Apache's $apr1$ (MD5-crypt with another magic, which libxcrypt lacks) and
 * {SHA} (base64 SHA-1) on nettle's digests (nettle is GnuTLS's, already loaded by libmicrohttpd). Every hash
 * is tried once at load time, so a file with a hash no library understands fails at start-up, not at the
 * first login. Comparisons are constant-time.
 *
 * A bcrypt check costs tens of milliseconds by design, and a page polls the API several times a
 * second: the last password that was verified for each user is remembered as a salted SHA-256, so a
 * repeated login costs one SHA-256 (the cache never makes a wrong password right: it only answers
 * for the exact bytes that passed the real check).
 *
 * htdigest lines hold HA1 = MD5(user:realm:password); libmicrohttpd checks the Digest response
 * against it (MHD_digest_auth_check_digest2) and keeps the nonces. Only lines whose realm is
 * -http_digest_realm can log in. */
#include "http/auth.h"

#include <crypt.h>
#include <errno.h>
#include <nettle/base64.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "config.h"
#include "core/log.h"
#include "core/xalloc.h"

#define AUTH_MAX_FILE   (4u << 20) /* bytes of an auth file */
#define AUTH_MAX_FIELD  1024u      /* bytes of a user name, realm or hash */
#define AUTH_NONCE_SEED 32u

struct entry {
    char *user;
    char *hash;            /* htpasswd: the hash; htdigest: NULL */
    unsigned char ha1[16]; /* htdigest */
    bool cached;           /* htpasswd: ok_sum holds the last verified password's SHA-256 */
    unsigned char ok_sum[32];
};

struct cadv_auth {
    bool digest;
    bool protect_api;
    char *realm;
    struct entry *e;
    size_t n, cap;
    unsigned char salt[16];              /* for the cache's SHA-256 */
    unsigned char seed[AUTH_NONCE_SEED]; /* MHD's digest nonce key */
    char opaque[33];
    pthread_mutex_t lock; /* the cache */
};

struct cadv_auth *cadv_auth_alloc(bool digest, const char *realm, bool protect_api)
{
    struct cadv_auth *a = cadv_xcalloc(1, sizeof(*a));
    unsigned char op[16];

    a->digest = digest;
    a->protect_api = protect_api;
    a->realm = cadv_xstrdup(realm ? realm : "localhost");
    /* getrandom of at most 256 bytes is never cut short once the kernel's pool is up */
    if (getrandom(a->salt, sizeof(a->salt), 0) != (ssize_t)sizeof(a->salt) ||
        getrandom(a->seed, sizeof(a->seed), 0) != (ssize_t)sizeof(a->seed) ||
        getrandom(op, sizeof(op), 0) != (ssize_t)sizeof(op))
        abort();
    for (size_t i = 0; i < sizeof(op); i++)
        (void)snprintf(a->opaque + 2 * i, 3, "%02x", op[i]);
    pthread_mutex_init(&a->lock, NULL);
    return a;
}

struct cadv_auth *cadv_auth_free(struct cadv_auth *a)
{
    if (!a)
        return NULL;
    for (size_t i = 0; i < a->n; i++) {
        free(a->e[i].user);
        free(a->e[i].hash);
    }
    free(a->e);
    free(a->realm);
    pthread_mutex_destroy(&a->lock);
    free(a);
    return NULL;
}

/* ---- hashes ---- */

/* out = md(p1 p2), out holding md->digest_size bytes (md: nettle_sha1 or nettle_sha256). */
static void digest_of(const struct nettle_hash *md, const void *p1, size_t n1, const void *p2, size_t n2,
                      unsigned char *out)
{
    union {
        struct sha1_ctx sha1;
        struct sha256_ctx sha256;
    } c;

    if (md->context_size > sizeof(c))
        abort();
    md->init(&c);
    md->update(&c, n1, p1);
    if (n2)
        md->update(&c, n2, p2);
    md->digest(&c, md->digest_size, out);
}

static void to64(char **p, unsigned long v, int n)
{
    static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    while (n-- > 0) {
        *(*p)++ = itoa64[v & 0x3f];
        v >>= 6;
    }
}

static void md5_add(struct md5_ctx *c, const void *p, size_t n)
{
    md5_update(c, n, p);
}

/* Apache's $apr1$: the MD5-crypt scheme (Poul-Henning Kamp's) with the magic "$apr1$", on nettle's
 * MD5. Writes "$apr1$salt$hash" into out (at least 64 bytes). */
static bool apr1(const char *pw, const char *setting, char *out)
{
    static const char magic[] = "$apr1$";
    const char *salt = setting + strlen(magic);
    size_t sl = strcspn(salt, "$"), pl = strlen(pw);
    unsigned char fin[16], alt[16];
    struct md5_ctx c;
    char *p;

    if (sl > 8)
        sl = 8;
    /* alt = MD5(pw salt pw) */
    md5_init(&c);
    md5_add(&c, pw, pl);
    md5_add(&c, salt, sl);
    md5_add(&c, pw, pl);
    md5_digest(&c, sizeof(alt), alt);
    md5_add(&c, pw, pl); /* md5_digest started c afresh */
    md5_add(&c, magic, strlen(magic));
    md5_add(&c, salt, sl);
    for (size_t i = pl; i > 0; i -= i > 16 ? 16 : i)
        md5_add(&c, alt, i > 16 ? 16 : i);
    for (size_t i = pl; i; i >>= 1)
        md5_add(&c, (i & 1) ? "" : pw, 1);
    md5_digest(&c, sizeof(fin), fin);
    for (int i = 0; i < 1000; i++) {
        if (i & 1)
            md5_add(&c, pw, pl);
        else
            md5_add(&c, fin, 16);
        if (i % 3 != 0)
            md5_add(&c, salt, sl);
        if (i % 7 != 0)
            md5_add(&c, pw, pl);
        if (i & 1)
            md5_add(&c, fin, 16);
        else
            md5_add(&c, pw, pl);
        md5_digest(&c, sizeof(fin), fin);
    }
    p = out + sprintf(out, "%s%.*s$", magic, (int)sl, salt);
    to64(&p, ((unsigned long)fin[0] << 16) | ((unsigned long)fin[6] << 8) | fin[12], 4);
    to64(&p, ((unsigned long)fin[1] << 16) | ((unsigned long)fin[7] << 8) | fin[13], 4);
    to64(&p, ((unsigned long)fin[2] << 16) | ((unsigned long)fin[8] << 8) | fin[14], 4);
    to64(&p, ((unsigned long)fin[3] << 16) | ((unsigned long)fin[9] << 8) | fin[15], 4);
    to64(&p, ((unsigned long)fin[4] << 16) | ((unsigned long)fin[10] << 8) | fin[5], 4);
    to64(&p, fin[11], 2);
    *p = '\0';
    return true;
}

/* Computes the hash of pw in the scheme (and with the salt) of hash; false if no library knows it.
 * out holds at least CRYPT_OUTPUT_SIZE bytes. */
static bool hash_like(const char *hash, const char *pw, char *out, size_t outlen)
{
    if (strncmp(hash, "{SHA}", 5) == 0) {
        unsigned char md[20];

        if (outlen < 5 + BASE64_ENCODE_RAW_LENGTH(sizeof(md)) + 1)
            return false;
        digest_of(&nettle_sha1, pw, strlen(pw), NULL, 0, md);
        memcpy(out, "{SHA}", 5);
        base64_encode_raw(out + 5, sizeof(md), md);
        out[5 + BASE64_ENCODE_RAW_LENGTH(sizeof(md))] = '\0';
        return true;
    }
    if (strncmp(hash, "$apr1$", 6) == 0)
        return outlen >= 64 && apr1(pw, hash, out);
    {
        struct crypt_data *cd = cadv_xcalloc(1, sizeof(*cd));
        /* crypt_rn, not crypt_r: GCC's ASan intercepts crypt_r and cannot find libxcrypt's. */
        const char *r = crypt_rn(pw, hash, cd, (int)sizeof(*cd));
        bool ok = r && r[0] != '*' && strlen(r) < outlen;

        if (ok)
            strcpy(out, r);
        free(cd);
        return ok;
    }
}

bool cadv_auth_password_ok(struct cadv_auth *a, const char *user, const char *password)
{
    char out[CRYPT_OUTPUT_SIZE];
    unsigned char sum[32];
    struct entry *e = NULL;
    bool ok, hit;

    for (size_t i = 0; i < a->n && !e; i++)
        if (strcmp(a->e[i].user, user) == 0)
            e = &a->e[i];
    if (!e || !e->hash)
        return false;
    digest_of(&nettle_sha256, a->salt, sizeof(a->salt), password, strlen(password), sum);
    pthread_mutex_lock(&a->lock);
    hit = e->cached && memeql_sec(e->ok_sum, sum, sizeof(sum));
    pthread_mutex_unlock(&a->lock);
    if (hit)
        return true;
    ok = hash_like(e->hash, password, out, sizeof(out)) && strlen(out) == strlen(e->hash) &&
         memeql_sec(out, e->hash, strlen(out));
    if (ok) {
        pthread_mutex_lock(&a->lock);
        memcpy(e->ok_sum, sum, sizeof(sum));
        e->cached = true;
        pthread_mutex_unlock(&a->lock);
    }
    return ok;
}

/* ---- files ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses one line (NUL-terminated, no newline) into a new entry; NULL = fine, else the reason. */
static const char *parse_line(struct cadv_auth *a, char *line)
{
    char *f[3] = {line, NULL, NULL};
    size_t nf = 1, want = a->digest ? 3 : 2;
    char out[CRYPT_OUTPUT_SIZE];
    struct entry e = {0};

    for (char *p = line; *p && nf < want; p++)
        if (*p == ':') {
            *p = '\0';
            f[nf++] = p + 1;
        }
    if (nf != want)
        return a->digest ? "expected user:realm:hash" : "expected user:hash";
    for (size_t i = 0; i < nf; i++)
        if (strlen(f[i]) > AUTH_MAX_FIELD)
            return "field too long";
    if (!*f[0])
        return "empty user name";
    if (a->digest) {
        if (strlen(f[2]) != 32)
            return "the hash is not 32 hex digits (MD5)";
        for (int i = 0; i < 16; i++) {
            int hi = hexval(f[2][2 * i]), lo = hexval(f[2][2 * i + 1]);

            if (hi < 0 || lo < 0)
                return "the hash is not 32 hex digits (MD5)";
            e.ha1[i] = (unsigned char)(hi << 4 | lo);
        }
        if (strcmp(f[1], a->realm) != 0)
            return NULL; /* another realm's line: it can never log in here */
    } else if (!hash_like(f[1], "", out, sizeof(out)) || strlen(out) != strlen(f[1])) {
        return "unsupported or malformed password hash (bcrypt $2y$, $apr1$, {SHA}, $1$, $5$, $6$ or crypt)";
    }
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 8;
        a->e = cadv_xrealloc(a->e, a->cap * sizeof(*a->e));
    }
    e.user = cadv_xstrdup(f[0]);
    e.hash = a->digest ? NULL : cadv_xstrdup(f[1]);
    a->e[a->n++] = e;
    return NULL;
}

int cadv_auth_parse(struct cadv_auth *a, const char *text, char *err, size_t errlen)
{
    char *copy = cadv_xstrdup(text), *save = NULL;
    unsigned lineno = 0;
    int r = 0;

    for (char *p = copy; p && r == 0; p = save) {
        char *nl = strchr(p, '\n');
        const char *why;

        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        if (nl && nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        if (!*p || *p == '#')
            continue;
        why = parse_line(a, p);
        if (why) {
            (void)snprintf(err, errlen, "line %u: %s", lineno, why);
            r = -EINVAL;
        }
    }
    free(copy);
    if (r == 0 && a->n == 0) {
        (void)snprintf(err, errlen, "no user%s", a->digest ? " of the realm" : "");
        r = -EINVAL;
    }
    return r;
}

static int read_file(const char *path, char **ret)
{
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;

    if (!f)
        return -errno;
    buf = cadv_xmalloc(AUTH_MAX_FILE + 1);
    n = fread(buf, 1, AUTH_MAX_FILE + 1, f);
    if (ferror(f) || n > AUTH_MAX_FILE || memchr(buf, '\0', n)) {
        int r = ferror(f) ? -EIO : n > AUTH_MAX_FILE ? -EFBIG : -EINVAL;

        (void)fclose(f);
        free(buf);
        return r;
    }
    (void)fclose(f);
    buf[n] = '\0';
    *ret = buf;
    return 0;
}

int cadv_auth_new(const struct cadv_config *cfg, struct cadv_auth **ret)
{
    bool basic = cfg->http_auth_file && *cfg->http_auth_file;
    bool digest = !basic && cfg->http_digest_file && *cfg->http_digest_file;
    const char *path = basic ? cfg->http_auth_file : cfg->http_digest_file;
    struct cadv_auth *a;
    char err[256], *text = NULL;
    int r;

    *ret = NULL;
    if (!basic && !digest)
        return 0;
    r = read_file(path, &text);
    if (r < 0)
        return (cadv_log(CADV_LOG_ERROR, "cannot read the %s file '%s': %s",
                         basic ? "-http_auth_file" : "-http_digest_file", path, strerror(-r)),
                -EINVAL);
    a = cadv_auth_alloc(digest, basic ? cfg->http_auth_realm : cfg->http_digest_realm, cfg->auth_api);
    r = cadv_auth_parse(a, text, err, sizeof(err));
    free(text);
    if (r < 0) {
        cadv_auth_free(a);
        return (cadv_log(CADV_LOG_ERROR, "invalid %s file '%s': %s",
                         basic ? "-http_auth_file (htpasswd)" : "-http_digest_file (htdigest)", path, err),
                -EINVAL);
    }
    *ret = a;
    return 0;
}

/* ---- requests ---- */

static bool is_under(const char *p, const char *dir)
{
    size_t n = strlen(dir);

    return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static bool protects(const struct cadv_auth *a, const char *prefix, const char *url)
{
    static const char *const ui[] = {"/containers", "/docker", "/podman", "/static"};
    size_t pl = strlen(prefix);
    const char *p = url;

    if (strncmp(url, prefix, pl) == 0)
        p = url + pl;
    if (a->protect_api)
        return strcmp(p, "/healthz") != 0;
    for (size_t i = 0; i < sizeof(ui) / sizeof(ui[0]); i++)
        if (is_under(p, ui[i]))
            return true;
    return false;
}

static struct MHD_Response *unauthorized(void)
{
    static const char body[] = "401 Unauthorized\n";
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
                                                             MHD_RESPMEM_PERSISTENT);

    if (r)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
}

static bool digest_ok(struct cadv_auth *a, struct MHD_Connection *con, bool *ret_stale)
{
    char *user = MHD_digest_auth_get_username(con);
    int r = MHD_NO;

    *ret_stale = false;
    if (!user)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->e[i].user, user) != 0)
            continue;
        r = MHD_digest_auth_check_digest2(con, a->realm, user, a->e[i].ha1, sizeof(a->e[i].ha1), 300,
                                          MHD_DIGEST_ALG_MD5);
        break;
    }
    MHD_free(user);
    *ret_stale = r == MHD_INVALID_NONCE;
    return r == MHD_YES;
}

bool cadv_auth_check(struct cadv_auth *a, const char *prefix, struct MHD_Connection *con, const char *url,
                     enum MHD_Result *ret)
{
    struct MHD_Response *resp;
    bool stale = false;

    if (!protects(a, prefix, url))
        return true;
    if (a->digest) {
        if (digest_ok(a, con, &stale))
            return true;
    } else {
        char *pass = NULL, *user = MHD_basic_auth_get_username_password(con, &pass);
        bool ok = user && pass && cadv_auth_password_ok(a, user, pass);

        if (pass) {
            explicit_bzero(pass, strlen(pass));
            MHD_free(pass);
        }
        if (user)
            MHD_free(user);
        if (ok)
            return true;
    }
    resp = unauthorized();
    if (!resp) {
        *ret = MHD_NO;
        return false;
    }
    if (a->digest)
        *ret = MHD_queue_auth_fail_response2(con, a->realm, a->opaque, resp, stale ? MHD_YES : MHD_NO,
                                             MHD_DIGEST_ALG_MD5);
    else
        *ret = MHD_queue_basic_auth_fail_response(con, a->realm, resp);
    MHD_destroy_response(resp);
    return false;
}

size_t cadv_auth_mhd_options(const struct cadv_auth *a, struct MHD_OptionItem *items, size_t max)
{
    if (!a || !a->digest || max < 1)
        return 0;
    items[0] = (struct MHD_OptionItem){MHD_OPTION_DIGEST_AUTH_RANDOM, (intptr_t)sizeof(a->seed),
                                       (void *)(uintptr_t)a->seed};
    return 1;
}
