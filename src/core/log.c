/* SPDX-License-Identifier: Apache-2.0 */
/* log.c - levelled logging to stderr, one write(2) per line. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int max_level = CADV_LOG_NOTICE;

static const char level_char[] = {'E', 'W', 'N', 'I', 'D'};

void cadv_log_set_level(enum cadv_log_level max)
{
    atomic_store(&max_level, (int)max);
}

bool cadv_log_enabled(enum cadv_log_level level)
{
    return (int)level <= atomic_load(&max_level);
}

static void log_line(enum cadv_log_level level, int err, const char *fmt, va_list ap)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int w;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    w = snprintf(line, sizeof(line), "%c%02d%02d %02d:%02d:%02d.%06ld cadv] ", level_char[level],
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
    n = w > 0 ? (size_t)w : 0;
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): both callers va_start ap first. */
    w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    if (w > 0)
        n += (size_t)w;
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    if (err != 0) {
        w = snprintf(line + n, sizeof(line) - n, ": %s", strerror(err));
        if (w > 0)
            n += (size_t)w;
        if (n > sizeof(line) - 2)
            n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}

void cadv_log(enum cadv_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (!cadv_log_enabled(level))
        return;
    va_start(ap, fmt);
    log_line(level, 0, fmt, ap);
    va_end(ap);
}

int cadv_log_errno(enum cadv_log_level level, int r, const char *fmt, ...)
{
    va_list ap;

    if (!cadv_log_enabled(level))
        return r;
    va_start(ap, fmt);
    log_line(level, r < 0 ? -r : r, fmt, ap);
    va_end(ap);
    return r;
}
