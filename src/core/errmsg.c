/* SPDX-License-Identifier: Apache-2.0 */
/* errmsg.c - see errmsg.h. */
#include "core/errmsg.h"

#include <stdarg.h>
#include <stdio.h>

void cadv_errmsg(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (!err || cap == 0)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}
