/* SPDX-License-Identifier: Apache-2.0 */
/* influxdb.c - cAdvisor's "influxdb" storage driver: InfluxDB 1.x HTTP /write in line protocol.
 *
 * Each sample becomes one point per figure (fields.h): measurement = the figure's series name,
 * single integer field `value`, tags machine (hostname) and container_name plus the figure's own
 * (instance, page_size, device/type, failure_type/scope), time = the sample's timestamp (ns).
 * Points of all containers accumulate and go out as one POST every -storage_driver_buffer_duration
 * (or sooner when the batch passes BATCH_MAX), as cAdvisor does. Like cAdvisor, the driver does not
 * create the database: a missing one is reported with the statement that creates it. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "export/drivers.h"
#include "export/fields.h"
#include "export/post.h"
#include "model/sample.h"

#define BATCH_MAX  (8u << 20)
#define RESP_MAX   1024
#define TIMEOUT_MS 10000L

struct state {
    struct cadv_export_http http;
    char *db, *user, *password;
    char *denied, *missing; /* the messages of 401/403 and 404 */
    struct cadv_export_status statuses[6];
    const char *hostname;
    /* add_stats scratch */
    const struct cadv_export_record *rec;
};

/* Line protocol escaping: measurement (',' and ' ') or tag key/value (also '='). */
static void put_escaped(struct cadv_buf *b, const char *s, bool tag)
{
    for (; *s; s++) {
        if (*s == ',' || *s == ' ' || (tag && *s == '='))
            cadv_buf_putc(b, '\\');
        if (*s == '\n')
            continue;
        cadv_buf_putc(b, *s);
    }
}

static void put_tag(struct cadv_buf *b, const char *k, const char *v)
{
    if (!v || !*v)
        return; /* InfluxDB rejects empty tag values; the Go client drops them too */
    cadv_buf_putc(b, ',');
    put_escaped(b, k, true);
    cadv_buf_putc(b, '=');
    put_escaped(b, v, true);
}

static int init(const struct cadv_export_env *env, void **ret_state, char *err, size_t err_len)
{
    const struct cadv_config *cfg = env->cfg;
    struct state *st = cadv_xcalloc(1, sizeof(*st));
    char *db = curl_easy_escape(NULL, cfg->storage_driver_db, 0);
    char *rp = curl_easy_escape(NULL, cfg->storage_driver_influxdb_retention_policy, 0);
    struct cadv_buf u;

    if (!db || !rp) {
        (void)snprintf(err, err_len, "cannot escape the database name");
        curl_free(db);
        curl_free(rp);
        free(st);
        return -ENOMEM;
    }
    cadv_buf_init(&u, 0);
    cadv_buf_printf(&u, "%s://%s/write?db=%s&precision=ns", cfg->storage_driver_secure ? "https" : "http",
                    cfg->storage_driver_host, db);
    if (rp[0])
        cadv_buf_printf(&u, "&rp=%s", rp);
    curl_free(db);
    curl_free(rp);
    cadv_export_http_init(&st->http, cadv_buf_steal(&u, NULL), TIMEOUT_MS, env->abort_io);
    st->db = cadv_xstrdup(cfg->storage_driver_db);
    st->user = cadv_xstrdup(cfg->storage_driver_user);
    st->password = cadv_xstrdup(cfg->storage_driver_password);
    st->hostname = env->hostname;
    cadv_buf_init(&u, 0);
    cadv_buf_printf(&u, "InfluxDB refused user '%s'", st->user);
    st->denied = cadv_buf_steal(&u, NULL);
    cadv_buf_init(&u, 0);
    cadv_buf_printf(&u, "InfluxDB database '%s' not found (create it: CREATE DATABASE \"%s\")", st->db,
                    st->db);
    st->missing = cadv_buf_steal(&u, NULL);
    /* 400: the points themselves were refused (a type conflict): retrying cannot help. */
    st->statuses[0] = (struct cadv_export_status){200, 200, 0, true, false, NULL};
    st->statuses[1] = (struct cadv_export_status){204, 204, 0, true, false, NULL};
    st->statuses[2] = (struct cadv_export_status){401, 401, -EACCES, false, true, st->denied};
    st->statuses[3] = (struct cadv_export_status){403, 403, -EACCES, false, true, st->denied};
    st->statuses[4] = (struct cadv_export_status){404, 404, -ENOENT, false, false, st->missing};
    st->statuses[5] =
            (struct cadv_export_status){400, 400, -EBADMSG, true, true, "InfluxDB rejected the batch"};
    *ret_state = st;
    return 0;
}

static void put_point(void *arg, const struct cadv_export_kv *kv)
{
    struct state *st = arg;
    struct cadv_buf *b = &st->http.batch;

    if (kv->flags & CADV_KV_NO_INFLUX)
        return;
    put_escaped(b, kv->measurement, false);
    put_tag(b, "container_name", st->rec->name);
    for (int i = 0; i < 2; i++)
        if (kv->tag_key[i])
            put_tag(b, kv->tag_key[i], kv->tag_value[i]);
    put_tag(b, "machine", st->hostname);
    /* The Go client converts the unsigned figures to int64. */
    cadv_buf_printf(b, " value=%lldi %llu\n", (long long)kv->value,
                    (unsigned long long)st->rec->s->c.timestamp_ns);
}

static int add_stats(void *state, const struct cadv_export_record *rec)
{
    struct state *st = state;

    st->rec = rec;
    cadv_export_fields(rec->s, put_point, st);
    st->rec = NULL;
    return st->http.batch.len >= BATCH_MAX;
}

static int flush(void *state, char *err, size_t err_len)
{
    static const char *const headers[] = {"Content-Type: text/plain; charset=utf-8", NULL};
    struct state *st = state;
    const struct cadv_export_send how = {
            .headers = headers,
            .user = st->user,
            .password = st->password,
            .rules = st->statuses,
            .n_rules = sizeof(st->statuses) / sizeof(st->statuses[0]),
            .who = "InfluxDB",
            .resp_max = RESP_MAX,
    };

    return cadv_export_http_send(&st->http, &how, NULL, 0, err, err_len);
}

static void close_driver(void *state)
{
    struct state *st = state;

    if (!st)
        return;
    cadv_export_http_done(&st->http);
    free(st->db);
    free(st->user);
    free(st->password);
    free(st->denied);
    free(st->missing);
    free(st);
}

const struct cadv_exporter cadv_exporter_influxdb = {
        .name = "influxdb",
        .buffered = true,
        .init = init,
        .add_stats = add_stats,
        .flush = flush,
        .close = close_driver,
};
