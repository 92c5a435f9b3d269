/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_app_config.c - the application metrics collector config parser (both kinds): any input
 * parses or fails with a message; a parsed config is bounded and yields a bounded URL. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "app/appconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int k = 0; k < 2; k++) {
        struct cadv_app_config *c = NULL;
        char err[256] = "", url[CADV_APPCONFIG_URL_MAX + 64];

        if (cadv_app_config_parse(k ? CADV_APP_PROMETHEUS : CADV_APP_GENERIC, (const char *)data, size, 100,
                                  &c, err, sizeof(err)) < 0) {
            assert(c == NULL && err[0] != '\0');
            continue;
        }
        assert(c->poll_ns >= CADV_APPCONFIG_MIN_POLL_NS);
        assert(c->n_metrics <= 100 && c->n_names <= 100);
        assert(k == 1 || c->n_metrics > 0);
        for (size_t i = 0; i < c->n_metrics; i++)
            assert(c->metrics[i].name[0] && strlen(c->metrics[i].name) <= CADV_APPCONFIG_NAME_MAX);
        assert(cadv_app_config_url(c, "127.0.0.1", url, sizeof(url)) == 0);
        cadv_app_config_free(c);
    }
    return 0;
}
