/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_metrics.c - the Prometheus renderer over arbitrary container names, image, aliases and labels
 * (cgroup directory names and runtime metadata are not ours to choose). The input is split on NUL
 * bytes into name, image, alias, label key, label value. Invariants: no crash; the exposition is valid
 * UTF-8; every series line closes its label quotes and has no raw newline inside a label value; a
 * render planned from the first one through a cache (a new sample) is what a render without one gives. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "model/kinds.h"
#include "model/sample.h"
#include "model/spec.h"
#include "wire/metrics_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_output(const char *s, size_t n)
{
    bool in_quote = false, comment = false;

    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t l = cadv_utf8_len((const unsigned char *)s + i, n - i, &cp);

        if (l == 0)
            abort(); /* not UTF-8 */
        if (i == 0 || s[i - 1] == '\n') {
            if (in_quote)
                abort(); /* a label value ran over its line */
            comment = s[i] == '#';
        }
        if (!comment && in_quote && s[i] == '\\') {
            if (i + 1 >= n || (s[i + 1] != '\\' && s[i + 1] != '"' && s[i + 1] != 'n'))
                abort();
            i += 2;
            continue;
        }
        if (!comment && s[i] == '"')
            in_quote = !in_quote;
        i += l;
    }
    if (in_quote)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *f[5] = {"", "", "", "", ""}, *p;
    struct cadv_spec spec;
    struct cadv_sample smp;
    struct cadv_metrics_item item;
    struct cadv_metrics_input in = {
            .kinds = CADV_KIND_ALL, .timestamps = true, .store_container_labels = true, .version = "v0"};
    struct cadv_metrics_cache *cache;
    struct cadv_buf out;
    size_t nf = 0;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (p = copy; nf < 5 && p <= copy + size; p += strlen(p) + 1)
        f[nf++] = p;
    cadv_spec_init(&spec);
    spec.has_cpu = spec.has_memory = true;
    if (f[1][0])
        spec.image = strdup(f[1]);
    if (f[2][0]) {
        spec.aliases = calloc(1, sizeof(char *));
        spec.aliases[0] = strdup(f[2]);
        spec.n_aliases = 1;
    }
    cadv_kv_set(&spec.labels, &spec.n_labels, f[3], f[4]);
    cadv_sample_init_scratch(&smp);
    smp.c.has = CADV_HAS_CPU | CADV_HAS_MEMORY;
    smp.c.timestamp_ns = 1;
    smp.c.cpu.total_ns = 7;
    item = (struct cadv_metrics_item){.name = f[0], .spec = &spec, .sample = &smp, .spec_version = 1};
    in.items = &item;
    in.n_items = 1;
    cadv_buf_init(&out, 0);
    cadv_metrics_render(&out, &in, NULL);
    check_output(out.data ? out.data : "", out.len);
    cadv_buf_done(&out);
    cache = cadv_metrics_cache_new();
    for (int round = 0; round < 2; round++) {
        struct cadv_buf fresh;

        smp.c.timestamp_ns += 1000000000;
        smp.c.cpu.total_ns = smp.c.cpu.total_ns * 1000 + 3;
        cadv_buf_init(&out, 0);
        cadv_buf_init(&fresh, 0);
        cadv_metrics_render(&out, &in, cache);
        cadv_metrics_render(&fresh, &in, NULL);
        if (out.len != fresh.len || (out.len && memcmp(out.data, fresh.data, out.len) != 0) ||
            cadv_metrics_cache_planned(cache) != (round == 1))
            abort();
        cadv_buf_done(&out);
        cadv_buf_done(&fresh);
    }
    cadv_metrics_cache_free(cache);
    cadv_sample_done(&smp);
    cadv_spec_done(&spec);
    free(copy);
    return 0;
}
