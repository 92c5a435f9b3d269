/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_api_parse.c - the request parsers of the REST API (untrusted network input): Go path cleaning,
 * the /api path split, v2 query options and the v1 JSON body. Input: up to five NUL-separated parts
 * (path, type, count, max_age, body). Invariants: cleaning is idempotent and rooted; a parsed path's
 * rest is "" or starts with "/"; failures always leave a message. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_parse.h"
#include "core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *s)
{
    char *a = cadv_http_clean_path(s), *b = cadv_http_clean_path(a), *c = cadv_path_clean(s), *d;

    assert(a[0] == '/');
    assert(strcmp(a, b) == 0);
    d = cadv_path_clean(c);
    assert(strcmp(c, d) == 0);
    free(a);
    free(b);
    free(c);
    free(d);
}

static void check_path(const char *s)
{
    struct cadv_api_path p;
    struct cadv_buf msg;
    unsigned status = 0;
    char *api = malloc(strlen(s) + 6), *name;

    memcpy(api, "/api/", 5);
    strcpy(api + 5, s);
    cadv_buf_init(&msg, 0);
    if (cadv_api_parse_path(api, &p, &status, &msg) == 0) {
        assert(p.type_len > 0);
        assert(p.rest[0] == '\0' || p.rest[0] == '/');
        name = cadv_api_container_name(p.rest);
        assert(name[0] == '/');
        free(name);
    } else {
        assert(msg.len > 0 && (status == 400 || status == 500));
    }
    cadv_buf_done(&msg);
    free(api);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    const char *part[5] = {"", "", "", "", ""};
    struct cadv_api_info_request q;
    struct cadv_api_options o;
    struct cadv_buf msg;
    size_t off = 0, body_off = 0;

    memcpy(buf, data, size);
    buf[size] = '\0';
    for (int i = 0; i < 5 && off <= size; i++) {
        part[i] = buf + off;
        if (i == 4)
            body_off = off;
        off += strlen(buf + off) + 1;
    }
    check_clean(part[0]);
    check_path(part[0]);
    cadv_buf_init(&msg, 0);
    if (cadv_api_parse_options(part[1], part[2], "true", part[3], &o, &msg) == 0)
        assert(o.count >= -1);
    else
        assert(msg.len > 0);
    cadv_buf_clear(&msg);
    if (body_off > 0 && body_off <= size) {
        if (cadv_api_parse_info_request(buf + body_off, size - body_off, &q, &msg) < 0)
            assert(msg.len > 0);
    }
    cadv_buf_clear(&msg);
    cadv_go_quote(&msg, buf, size);
    assert(msg.len >= 2);
    cadv_buf_done(&msg);
    free(buf);
    return 0;
}
