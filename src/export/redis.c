/* SPDX-License-Identifier: Apache-2.0 */
/* redis.c - cAdvisor's "redis" storage driver: each sample as cAdvisor's JSON record (detail.h,
 * timestamp in µs) pushed with `LPUSH <storage_driver_db> <json>` to -storage_driver_host.
 *
 * cAdvisor sends at most one sample per -storage_driver_buffer_duration and silently discards the
 * others; cadv keeps them all and sends the window's samples as one pipeline of LPUSHes (README,
 * deliberate differences). A failed pipeline resumes after the last acknowledged command. */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/buf.h"
#include "core/dynlib.h"
#include "core/xalloc.h"
#include "export/detail.h"
#include "export/drivers.h"
#include "export/post.h"

#define BATCH_MAX (8u << 20)

/* libhiredis, loaded when -storage_driver names redis (export.h's library) */
static struct {
    __typeof__(redisConnectWithTimeout) *connect_with_timeout;
    __typeof__(redisSetTimeout) *set_timeout;
    __typeof__(redisAppendCommand) *append_command;
    __typeof__(redisGetReply) *get_reply;
    __typeof__(redisFree) *free;
    __typeof__(freeReplyObject) *free_reply;
} hiredis;
static const struct cadv_dynsym hiredis_syms[] = {
        CADV_DYNSYM(hiredis, connect_with_timeout, redisConnectWithTimeout),
        CADV_DYNSYM(hiredis, set_timeout, redisSetTimeout),
        CADV_DYNSYM(hiredis, append_command, redisAppendCommand),
        CADV_DYNSYM(hiredis, get_reply, redisGetReply),
        CADV_DYNSYM(hiredis, free, redisFree),
        CADV_DYNSYM(hiredis, free_reply, freeReplyObject),
};
static struct cadv_dynlib hiredis_lib = CADV_DYNLIB("libhiredis.so.0.14", hiredis, hiredis_syms);

struct state {
    char *host, *key;
    int port;
    const char *hostname;
    redisContext *rc;
    struct cadv_buf batch; /* records, each followed by '\n' (JSON never holds a raw newline) */
    size_t done_off;       /* bytes of batch acknowledged by the server */
};

static int init(const struct cadv_export_env *env, void **ret_state, char *err, size_t err_len)
{
    struct state *st = cadv_xcalloc(1, sizeof(*st));
    char *port = NULL;
    long p;
    char *end;

    if (cadv_export_split_host_port(env->cfg->storage_driver_host, &st->host, &port) < 0 ||
        (p = strtol(port, &end, 10), *end || p <= 0 || p > 65535)) {
        (void)snprintf(err, err_len, "-storage_driver_host '%s' is not host:port",
                       env->cfg->storage_driver_host);
        free(st->host);
        free(port);
        free(st);
        return -EINVAL;
    }
    free(port);
    st->port = (int)p;
    st->key = cadv_xstrdup(env->cfg->storage_driver_db);
    st->hostname = env->hostname;
    cadv_buf_init(&st->batch, 0);
    *ret_state = st;
    return 0;
}

static int add_stats(void *state, const struct cadv_export_record *rec)
{
    struct state *st = state;

    cadv_export_detail_json(&st->batch, CADV_DETAIL_MICROS, st->hostname, rec);
    cadv_buf_putc(&st->batch, '\n');
    return st->batch.len >= BATCH_MAX;
}

static void disconnect(struct state *st)
{
    if (st->rc)
        hiredis.free(st->rc);
    st->rc = NULL;
}

static int connect_redis(struct state *st, char *err, size_t err_len)
{
    const struct timeval tv = {.tv_sec = 5}, io = {.tv_sec = 10};

    st->rc = hiredis.connect_with_timeout(st->host, st->port, tv);
    if (!st->rc || st->rc->err) {
        (void)snprintf(err, err_len, "connect to redis %s:%d: %s", st->host, st->port,
                       st->rc ? st->rc->errstr : "out of memory");
        disconnect(st);
        return -ECONNREFUSED;
    }
    (void)hiredis.set_timeout(st->rc, io);
    return 0;
}

static int flush(void *state, char *err, size_t err_len)
{
    struct state *st = state;
    size_t off = st->done_off;
    int r = 0;

    if (!st->rc && (r = connect_redis(st, err, err_len)) < 0)
        return r;
    while (off < st->batch.len) {
        const char *p = st->batch.data + off;
        const char *nl = memchr(p, '\n', st->batch.len - off);
        size_t n = (size_t)(nl - p);

        (void)hiredis.append_command(st->rc, "LPUSH %s %b", st->key, p, n);
        off += n + 1;
    }
    while (st->done_off < st->batch.len) {
        const char *p = st->batch.data + st->done_off;
        const char *nl = memchr(p, '\n', st->batch.len - st->done_off);
        redisReply *reply = NULL;

        if (hiredis.get_reply(st->rc, (void **)&reply) != REDIS_OK || !reply) {
            (void)snprintf(err, err_len, "redis %s:%d: %s", st->host, st->port, st->rc->errstr);
            disconnect(st);
            return -EIO;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            (void)snprintf(err, err_len, "redis %s:%d refused LPUSH %s: %.200s", st->host, st->port, st->key,
                           reply->str);
            hiredis.free_reply(reply);
            disconnect(st); /* pending replies would be misattributed on this connection */
            return -EIO;
        }
        hiredis.free_reply(reply);
        st->done_off += (size_t)(nl - p) + 1;
    }
    cadv_buf_clear(&st->batch);
    st->done_off = 0;
    return 0;
}

static void close_driver(void *state)
{
    struct state *st = state;

    if (!st)
        return;
    disconnect(st);
    cadv_buf_done(&st->batch);
    free(st->host);
    free(st->key);
    free(st);
}

const struct cadv_exporter cadv_exporter_redis = {
        .name = "redis",
        .library = &hiredis_lib,
        .buffered = true,
        .init = init,
        .add_stats = add_stats,
        .flush = flush,
        .close = close_driver,
};
