/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the optional-library loader (core/dynlib.h): an absent library and a missing symbol
 * give one clear line, a present one fills the typed table (zlib stands in: it is always there). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "core/dynlib.h"

static struct {
    __typeof__(zlibVersion) *version;
    __typeof__(crc32) *crc;
} z;
static const struct cadv_dynsym z_syms[] = {CADV_DYNSYM(z, version, zlibVersion), CADV_DYNSYM(z, crc, crc32)};

Test(dynlib, present_library_fills_the_table)
{
    struct cadv_dynlib lib = CADV_DYNLIB("libz.so.1", z, z_syms);
    const char *why = "untouched";

    cr_assert_eq(cadv_dynlib_load(&lib, &why), 0);
    cr_expect_str_eq(why, "untouched");
    cr_expect_str_eq(z.version(), zlibVersion());
    cr_expect_eq(z.crc(0, (const Bytef *)"cadv", 4), crc32(0, (const Bytef *)"cadv", 4));
    cr_expect_eq(cadv_dynlib_load(&lib, NULL), 0, "a second call gives the first outcome");
}

Test(dynlib, absent_library_is_one_clear_line)
{
    static struct {
        __typeof__(zlibVersion) *version;
    } t;
    static const struct cadv_dynsym syms[] = {CADV_DYNSYM(t, version, zlibVersion)};
    struct cadv_dynlib lib = CADV_DYNLIB("libcadv-absent.so.7", t, syms);
    const char *why = NULL;

    cr_assert_eq(cadv_dynlib_load(&lib, &why), -ENOENT);
    cr_expect_str_eq(why, "libcadv-absent.so.7: not found");
    cr_expect_null(t.version);
    why = NULL;
    cr_expect_eq(cadv_dynlib_load(&lib, &why), -ENOENT, "the failure is remembered");
    cr_expect_str_eq(why, "libcadv-absent.so.7: not found");
}

Test(dynlib, missing_symbol_names_it)
{
    static struct {
        __typeof__(zlibVersion) *version;
        __typeof__(zlibVersion) *other;
    } t;
    static const struct cadv_dynsym syms[] = {CADV_DYNSYM(t, version, zlibVersion),
                                              {"cadv_no_such_symbol", offsetof(__typeof__(t), other)}};
    struct cadv_dynlib lib = CADV_DYNLIB("libz.so.1", t, syms);
    const char *why = NULL;

    cr_assert_eq(cadv_dynlib_load(&lib, &why), -ENOSYS);
    cr_expect_str_eq(why, "libz.so.1 lacks cadv_no_such_symbol (another version?)");
}

Test(dynlib, broken_library_says_what_the_loader_said)
{
    static struct {
        __typeof__(zlibVersion) *version;
    } t;
    static const struct cadv_dynsym syms[] = {CADV_DYNSYM(t, version, zlibVersion)};
    /* a path to a file that is not a shared object: dlerror's own text follows the name */
    struct cadv_dynlib lib = CADV_DYNLIB("/proc/self/status", t, syms);
    const char *why = NULL;

    cr_assert_eq(cadv_dynlib_load(&lib, &why), -ENOENT);
    cr_expect(strncmp(why, "/proc/self/status: ", 19) == 0 && !strstr(why, "not found"), "%s", why);
}
