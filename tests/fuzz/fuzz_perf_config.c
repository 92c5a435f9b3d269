/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_perf_config.c - the -perf_events_config parser: any input parses or fails with a message;
 * a parsed config resolves, and its events have bounded, non-empty names. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "collect/perf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cadv_perf_config *cfg = NULL;
    char err[256] = "";
    size_t n;

    if (cadv_perf_config_parse((const char *)data, size, &cfg, err, sizeof(err)) < 0) {
        assert(cfg == NULL && err[0] != '\0');
        return 0;
    }
    n = cadv_perf_config_n_events(cfg);
    assert(n <= CADV_PERF_MAX_EVENTS);
    assert(cadv_perf_config_resolve(cfg, NULL, NULL) <= n);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(cadv_perf_config_event_name(cfg, i));

        assert(len > 0 && len < CADV_PERF_NAME_MAX);
    }
    cadv_perf_config_free(cfg);
    return 0;
}
