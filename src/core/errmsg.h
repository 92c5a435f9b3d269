/* SPDX-License-Identifier: Apache-2.0 */
/* errmsg.h - the one formatter of the caller-supplied error buffers ("char *err, size_t cap") of
 * parsers that return a negative errno and say why. Nothing here logs. */
#pragma once

#include <stddef.h>

/* printf into err (cap bytes, always NUL-terminated when cap > 0); a NULL err or cap 0 is a no-op. */
__attribute__((format(printf, 3, 4))) void cadv_errmsg(char *err, size_t cap, const char *fmt, ...);
