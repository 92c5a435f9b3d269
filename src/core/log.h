/* SPDX-License-Identifier: Apache-2.0 */
/* log.h - levelled logging to stderr. Thread-safe (one write(2) per line).
 * core/, model/ and collect/ log at debug at most; deciders (manager, http, main) log once. */
#pragma once

#include <stdbool.h>

enum cadv_log_level {
    CADV_LOG_ERROR = 0,
    CADV_LOG_WARNING = 1,
    CADV_LOG_NOTICE = 2,
    CADV_LOG_INFO = 3,
    CADV_LOG_DEBUG = 4,
};

/* Sets the most verbose level printed. cAdvisor's -v N maps: 0..1 notice, 2..3 info, >=4 debug. */
void cadv_log_set_level(enum cadv_log_level max);
bool cadv_log_enabled(enum cadv_log_level level);

void cadv_log(enum cadv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs fmt followed by ": <strerror(-r)>" and returns r (a negative errno), so callers can
 * `return cadv_log_errno(CADV_LOG_WARNING, r, "...")`. */
int cadv_log_errno(enum cadv_log_level level, int r, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
