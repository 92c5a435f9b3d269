/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the htpasswd / htdigest parsers and password checks (vectors from openssl passwd). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>

#include "http/auth.h"

Test(http_auth, htpasswd_hash_kinds)
{
    struct cadv_auth *a = cadv_auth_alloc(false, "r", false);
    char err[256] = "";

    cr_assert_eq(cadv_auth_parse(a,
                                 "# comment\n"
                                 "apr:$apr1$saltsalt$553eXAj/BD3irf9w9nutz/\r\n"
                                 "empty:$apr1$ab$S8K6Sgp3W8c9Jb6LxgywZ.\n"
                                 "\n"
                                 "sha:{SHA}EfatjsUqKYSrqv18O1FlA3hcIHI=\n"
                                 "md5:$1$abc$OGyl6dDvZCDiGmIVbeuCq/\n",
                                 err, sizeof(err)),
                 0, "%s", err);
    cr_expect(cadv_auth_password_ok(a, "apr", "p\xc3\xa4ssword"));
    cr_expect(cadv_auth_password_ok(a, "apr", "p\xc3\xa4ssword")); /* the cached path */
    cr_expect_not(cadv_auth_password_ok(a, "apr", "password"));
    cr_expect(cadv_auth_password_ok(a, "empty", ""));
    cr_expect_not(cadv_auth_password_ok(a, "empty", "x"));
    cr_expect(cadv_auth_password_ok(a, "md5", "x"));
    cr_expect_not(cadv_auth_password_ok(a, "md5", "y"));
    cr_expect(cadv_auth_password_ok(a, "sha", "x"));
    cr_expect_not(cadv_auth_password_ok(a, "sha", "y"));
    cr_expect_not(cadv_auth_password_ok(a, "nobody", "x"));
    cadv_auth_free(a);
}

Test(http_auth, malformed_files)
{
    static const char *const bad[] = {"",
                                      "# only a comment\n",
                                      "user\n",
                                      ":$apr1$ab$S8K6Sgp3W8c9Jb6LxgywZ.\n",
                                      "u:$apr1$ab$short\n",
                                      "u:{SHA}abc\n",
                                      "u:$7$x\n"};
    char err[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cadv_auth *a = cadv_auth_alloc(false, "r", false);

        cr_expect_eq(cadv_auth_parse(a, bad[i], err, sizeof(err)), -EINVAL, "%s", bad[i]);
        cadv_auth_free(a);
    }
}

Test(http_auth, htdigest)
{
    struct cadv_auth *a = cadv_auth_alloc(true, "r", false);
    char err[256] = "";

    cr_expect_eq(cadv_auth_parse(
                         a,
                         "u:r:0123456789abcdef0123456789ABCDEF\nv:other:0123456789abcdef0123456789abcdef\n",
                         err, sizeof(err)),
                 0, "%s", err);
    cadv_auth_free(a);
    a = cadv_auth_alloc(true, "r", false);
    cr_expect_eq(cadv_auth_parse(a, "u:r:0123456789abcdef0123456789abcdeg\n", err, sizeof(err)), -EINVAL);
    cr_expect_str_eq(err, "line 1: the hash is not 32 hex digits (MD5)");
    cadv_auth_free(a);
    a = cadv_auth_alloc(true, "r", false);
    cr_expect_eq(cadv_auth_parse(a, "u:other:0123456789abcdef0123456789abcdef\n", err, sizeof(err)), -EINVAL);
    cadv_auth_free(a);
}
