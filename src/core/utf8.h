/* SPDX-License-Identifier: Apache-2.0 */
/* utf8.h - UTF-8 validation as Go's unicode/utf8 decodes: shortest forms only, no surrogates, at most
 * U+10FFFF. Used where invalid bytes must become U+FFFD (JSON strings, Prometheus label values). */
#pragma once

#include <stddef.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define CADV_UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Length (1..4) of the valid UTF-8 sequence at s (reading at most n >= 1 bytes), with its code point
 * in *ret_cp; 0 if the bytes there are not valid UTF-8 (*ret_cp untouched). */
size_t cadv_utf8_len(const unsigned char *s, size_t n, unsigned *ret_cp);
