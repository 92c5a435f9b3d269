/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_fmt.h - the Prometheus text format's scalar encodings as the Go client writes them: sample
 * values (strconv.FormatFloat(v, 'g', -1, 64) with expfmt's shortcuts), escaped label values and HELP
 * texts, sanitised label names. Pure functions; no allocation except growing the output buffer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cadv_buf;

/* Longest text any of the value writers below produces. */
#define CADV_PROM_VALUE_MAX 32

/* Writes v as Go's client does ("0", "1", "-1", "NaN", "+Inf", else shortest 'g' with an e+XX exponent
 * from 1e+06 up and below 1e-04) into out (at least CADV_PROM_VALUE_MAX bytes); returns the length. */
size_t cadv_prom_fmt_double(char *out, double v);
/* float64(v) / 10^pow10 (pow10 <= 18), as Go computes and prints it; exact fast path for the usual
 * counters (ns -> s, us -> s). */
size_t cadv_prom_fmt_scaled(char *out, uint64_t v, unsigned pow10);
/* float64(v) for signed integers. */
size_t cadv_prom_fmt_i64(char *out, int64_t v);

/* Writes v as a plain decimal integer (timestamps); returns the length. */
size_t cadv_prom_fmt_int(char *out, int64_t v);

/* Appends s with \\, \" and \n escaped (a label value). */
void cadv_prom_put_label_value(struct cadv_buf *b, const char *s);
/* Appends s with \\ and \n escaped (a HELP text). */
void cadv_prom_put_help(struct cadv_buf *b, const char *s);
/* Replaces every byte outside [a-zA-Z0-9_] by '_' in place (cAdvisor's sanitizeLabelName). */
void cadv_prom_sanitize(char *s);
