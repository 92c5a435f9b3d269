/* SPDX-License-Identifier: Apache-2.0 */
/* elasticsearch.c - cAdvisor's "elasticsearch" storage driver: each sample as cAdvisor's JSON
 * document (detail.h: timestamp in µs, machine_name, container_Name, container_stats) indexed into
 * -storage_driver_es_index with document type -storage_driver_es_type (Elasticsearch 1.x-6.x), or
 * without a type when -storage_driver_es_typeless is set (Elasticsearch 7+, OpenSearch).
 *
 * cAdvisor sends one index request per sample; cadv sends a pop round's documents as one _bulk
 * request (the same documents). -storage_driver_es_enable_sniffer is accepted; cadv talks to the
 * configured host only. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "export/detail.h"
#include "export/drivers.h"
#include "export/post.h"

#define BATCH_MAX  (8u << 20)
#define RESP_MAX   (4u << 20)
#define TIMEOUT_MS 10000L

struct state {
    struct cadv_export_http http;
    char *action; /* {"index":{...}}\n */
    const char *hostname;
};

static int init(const struct cadv_export_env *env, void **ret_state, char *err, size_t err_len)
{
    const struct cadv_config *cfg = env->cfg;
    struct state *st;
    struct cadv_buf b;
    struct cadv_json w;
    const char *host = cfg->storage_driver_es_host;
    size_t hl = strlen(host);

    if (strncmp(host, "http://", 7) != 0 && strncmp(host, "https://", 8) != 0) {
        (void)snprintf(err, err_len, "-storage_driver_es_host '%s' is not an http:// or https:// URL", host);
        return -EINVAL;
    }
    if (!cfg->storage_driver_es_index[0]) {
        (void)snprintf(err, err_len, "-storage_driver_es_index is empty");
        return -EINVAL;
    }
    st = cadv_xcalloc(1, sizeof(*st));
    while (hl > 0 && host[hl - 1] == '/')
        hl--;
    cadv_buf_init(&b, 0);
    cadv_buf_printf(&b, "%.*s/_bulk", (int)hl, host);
    cadv_export_http_init(&st->http, cadv_buf_steal(&b, NULL), TIMEOUT_MS, env->abort_io);
    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_obj_begin(&w);
    cadv_json_key(&w, "index");
    cadv_json_obj_begin(&w);
    cadv_json_kstr(&w, "_index", cfg->storage_driver_es_index);
    if (!cfg->storage_driver_es_typeless)
        cadv_json_kstr(&w, "_type", cfg->storage_driver_es_type);
    cadv_json_obj_end(&w);
    cadv_json_obj_end(&w);
    cadv_buf_putc(&b, '\n');
    st->action = cadv_buf_steal(&b, NULL);
    st->hostname = env->hostname;
    *ret_state = st;
    return 0;
}

static int add_stats(void *state, const struct cadv_export_record *rec)
{
    struct state *st = state;

    cadv_buf_puts(&st->http.batch, st->action);
    cadv_export_detail_json(&st->http.batch, CADV_DETAIL_MICROS, st->hostname, rec);
    cadv_buf_putc(&st->http.batch, '\n');
    return st->http.batch.len >= BATCH_MAX;
}

/* A delivered bulk answer can still refuse items ("errors": true): the first item error goes into err. */
static int items_refused(const struct cadv_buf *resp, char *err, size_t err_len)
{
    json_t *root, *items, *it;
    size_t i;

    if (!resp->data || resp->overflow || !strstr(resp->data, "\"errors\":true"))
        return 0;
    root = json_loadb(resp->data, resp->len, 0, NULL);

    (void)snprintf(err, err_len, "Elasticsearch refused documents (bulk answer 'errors': true)");
    items = root ? json_object_get(root, "items") : NULL;
    json_array_foreach(items, i, it)
    {
        json_t *op = json_object_iter_value(json_object_iter(it));
        json_t *e = op ? json_object_get(op, "error") : NULL;
        if (e) {
            char *txt = json_dumps(e, JSON_COMPACT);
            (void)snprintf(err, err_len, "Elasticsearch refused documents: %.200s", txt ? txt : "?");
            free(txt);
            break;
        }
    }
    json_decref(root);
    return -EBADMSG;
}

static int flush(void *state, char *err, size_t err_len)
{
    static const char *const headers[] = {"Content-Type: application/x-ndjson", NULL};
    static const struct cadv_export_status statuses[] = {
            {200, 201, 0, true, false, NULL}, /* the items may still be refused: "errors": true */
            {400, 400, -EBADMSG, true, true, "Elasticsearch rejected the bulk request"},
            {401, 401, -EACCES, false, false, NULL},
            {403, 403, -EACCES, false, false, NULL},
    };
    const struct cadv_export_send how = {
            .headers = headers,
            .rules = statuses,
            .n_rules = sizeof(statuses) / sizeof(statuses[0]),
            .who = "Elasticsearch",
            .resp_max = RESP_MAX,
            .check = items_refused,
    };
    struct state *st = state;

    return cadv_export_http_send(&st->http, &how, NULL, 0, err, err_len);
}

static void close_driver(void *state)
{
    struct state *st = state;

    if (!st)
        return;
    cadv_export_http_done(&st->http);
    free(st->action);
    free(st);
}

const struct cadv_exporter cadv_exporter_elasticsearch = {
        .name = "elasticsearch",
        .init = init,
        .add_stats = add_stats,
        .flush = flush,
        .close = close_driver,
};
