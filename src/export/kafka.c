/* SPDX-License-Identifier: Apache-2.0 */
/* kafka.c - cAdvisor's "kafka" storage driver through librdkafka: one message per sample on
 * -storage_driver_kafka_topic, no key, value = cAdvisor's JSON (detail.h, kafka form: timestamp
 * RFC3339Nano now, machine_name, container_Name, container_Id, container_stats), acks=all.
 *
 * TLS is on when cert, key and CA are all set, as in cAdvisor. cAdvisor wires
 * -storage_driver_kafka_ssl_verify to "skip verification" (inverted); cadv verifies when it is true
 * (README, deliberate differences). A flush produces the batch and waits for every delivery report;
 * messages not acknowledged are produced again on the retry. */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/buf.h"
#include "core/dynlib.h"
#include "core/xalloc.h"
#include "export/detail.h"
#include "export/drivers.h"

#define BATCH_MAX        (8u << 20)
#define FLUSH_TIMEOUT_MS 15000
#define FLUSH_SLICE_MS   500
#define MSG_TIMEOUT_MS   "10000"

/* librdkafka, loaded when -storage_driver names kafka (export.h's library) */
static struct {
    __typeof__(rd_kafka_conf_destroy) *conf_destroy;
    __typeof__(rd_kafka_conf_new) *conf_new;
    __typeof__(rd_kafka_conf_set) *conf_set;
    __typeof__(rd_kafka_conf_set_dr_msg_cb) *conf_set_dr_msg_cb;
    __typeof__(rd_kafka_conf_set_opaque) *conf_set_opaque;
    __typeof__(rd_kafka_destroy) *destroy;
    __typeof__(rd_kafka_err2str) *err2str;
    __typeof__(rd_kafka_flush) *flush;
    __typeof__(rd_kafka_last_error) *last_error;
    __typeof__(rd_kafka_new) *new;
    __typeof__(rd_kafka_poll) *poll;
    __typeof__(rd_kafka_produce) *produce;
    __typeof__(rd_kafka_purge) *purge;
    __typeof__(rd_kafka_topic_destroy) *topic_destroy;
    __typeof__(rd_kafka_topic_new) *topic_new;
} rdk;
static const struct cadv_dynsym rdk_syms[] = {
        CADV_DYNSYM(rdk, conf_destroy, rd_kafka_conf_destroy),
        CADV_DYNSYM(rdk, conf_new, rd_kafka_conf_new),
        CADV_DYNSYM(rdk, conf_set, rd_kafka_conf_set),
        CADV_DYNSYM(rdk, conf_set_dr_msg_cb, rd_kafka_conf_set_dr_msg_cb),
        CADV_DYNSYM(rdk, conf_set_opaque, rd_kafka_conf_set_opaque),
        CADV_DYNSYM(rdk, destroy, rd_kafka_destroy),
        CADV_DYNSYM(rdk, err2str, rd_kafka_err2str),
        CADV_DYNSYM(rdk, flush, rd_kafka_flush),
        CADV_DYNSYM(rdk, last_error, rd_kafka_last_error),
        CADV_DYNSYM(rdk, new, rd_kafka_new),
        CADV_DYNSYM(rdk, poll, rd_kafka_poll),
        CADV_DYNSYM(rdk, produce, rd_kafka_produce),
        CADV_DYNSYM(rdk, purge, rd_kafka_purge),
        CADV_DYNSYM(rdk, topic_destroy, rd_kafka_topic_destroy),
        CADV_DYNSYM(rdk, topic_new, rd_kafka_topic_new),
};
static struct cadv_dynlib rdk_lib = CADV_DYNLIB("librdkafka.so.1", rdk, rdk_syms);

struct msg {
    size_t off, len; /* in batch */
    int state;       /* 0 pending, 1 delivered, -1 failed */
};

struct state {
    rd_kafka_t *rk;
    rd_kafka_topic_t *topic;
    const char *hostname;
    const _Atomic bool *abort_io;
    struct cadv_buf batch;
    struct msg *msgs;
    size_t n, cap;
    char last_err[160];
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct state *st = opaque;
    struct msg *msg = m->_private;

    (void)rk;
    if (!msg)
        return;
    msg->state = m->err ? -1 : 1;
    if (m->err)
        (void)snprintf(st->last_err, sizeof(st->last_err), "%s", rdk.err2str(m->err));
}

static int set(rd_kafka_conf_t *c, const char *k, const char *v, char *err, size_t err_len)
{
    char e[256];

    if (rdk.conf_set(c, k, v, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
        (void)snprintf(err, err_len, "kafka setting %s='%s': %s", k, v, e);
        return -EINVAL;
    }
    return 0;
}

static int configure(const struct cadv_config *cfg, rd_kafka_conf_t *c, char *err, size_t err_len)
{
    const char *kv[16][2] = {
            {"bootstrap.servers", cfg->storage_driver_kafka_broker_list},
            {"acks", "all"},
            {"message.timeout.ms", MSG_TIMEOUT_MS},
            {"log_level", "3"},
    };
    size_t n = 4;

    if (cfg->storage_driver_kafka_ssl_cert[0] && cfg->storage_driver_kafka_ssl_key[0] &&
        cfg->storage_driver_kafka_ssl_ca[0]) {
        kv[n][0] = "security.protocol", kv[n++][1] = "ssl";
        kv[n][0] = "ssl.certificate.location", kv[n++][1] = cfg->storage_driver_kafka_ssl_cert;
        kv[n][0] = "ssl.key.location", kv[n++][1] = cfg->storage_driver_kafka_ssl_key;
        kv[n][0] = "ssl.ca.location", kv[n++][1] = cfg->storage_driver_kafka_ssl_ca;
        kv[n][0] = "enable.ssl.certificate.verification";
        kv[n++][1] = cfg->storage_driver_kafka_ssl_verify ? "true" : "false";
    }
    for (size_t i = 0; i < n; i++) {
        int r = set(c, kv[i][0], kv[i][1], err, err_len);
        if (r < 0)
            return r;
    }
    return 0;
}

static int init(const struct cadv_export_env *env, void **ret_state, char *err, size_t err_len)
{
    struct state *st = cadv_xcalloc(1, sizeof(*st));
    rd_kafka_conf_t *c = rdk.conf_new();
    char e[512];
    int r;

    r = configure(env->cfg, c, err, err_len);
    if (r < 0) {
        rdk.conf_destroy(c);
        free(st);
        return r;
    }
    rdk.conf_set_dr_msg_cb(c, on_delivery);
    rdk.conf_set_opaque(c, st);
    st->rk = rdk.new(RD_KAFKA_PRODUCER, c, e, sizeof(e)); /* takes c on success */
    if (!st->rk) {
        (void)snprintf(err, err_len, "kafka producer: %s", e);
        rdk.conf_destroy(c);
        free(st);
        return -EINVAL;
    }
    st->topic = rdk.topic_new(st->rk, env->cfg->storage_driver_kafka_topic, NULL);
    if (!st->topic) {
        (void)snprintf(err, err_len, "kafka topic '%s': %s", env->cfg->storage_driver_kafka_topic,
                       rdk.err2str(rdk.last_error()));
        rdk.destroy(st->rk);
        free(st);
        return -EINVAL;
    }
    st->hostname = env->hostname;
    st->abort_io = env->abort_io;
    cadv_buf_init(&st->batch, 0);
    *ret_state = st;
    return 0;
}

static int add_stats(void *state, const struct cadv_export_record *rec)
{
    struct state *st = state;
    size_t off = st->batch.len;

    cadv_export_detail_json(&st->batch, CADV_DETAIL_KAFKA, st->hostname, rec);
    cadv_xgrow((void **)&st->msgs, &st->cap, st->n + 1, sizeof(*st->msgs));
    st->msgs[st->n++] = (struct msg){.off = off, .len = st->batch.len - off};
    return st->batch.len >= BATCH_MAX;
}

static int flush(void *state, char *err, size_t err_len)
{
    struct state *st = state;
    size_t failed = 0;

    st->last_err[0] = '\0';
    for (size_t i = 0; i < st->n; i++) {
        struct msg *m = &st->msgs[i];

        if (m->state == 1)
            continue;
        m->state = 0;
        if (rdk.produce(st->topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, st->batch.data + m->off,
                        m->len, NULL, 0, m) < 0) {
            m->state = -1;
            (void)snprintf(st->last_err, sizeof(st->last_err), "%s", rdk.err2str(rdk.last_error()));
        }
        rdk.poll(st->rk, 0);
    }
    /* Wait for the delivery reports in slices, so that shutdown can cut the wait short. */
    for (int waited = 0; waited < FLUSH_TIMEOUT_MS && !(st->abort_io && atomic_load(st->abort_io));
         waited += FLUSH_SLICE_MS)
        if (rdk.flush(st->rk, FLUSH_SLICE_MS) == RD_KAFKA_RESP_ERR_NO_ERROR)
            break;
    for (size_t i = 0; i < st->n; i++)
        failed += st->msgs[i].state != 1;
    if (failed) {
        /* Undelivered messages still queued inside librdkafka must not come back to the stale
         * msg pointers: purge them (their reports arrive with an error during the next poll). */
        (void)rdk.purge(st->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        (void)rdk.flush(st->rk, 1000);
        (void)snprintf(err, err_len, "kafka: %zu of %zu messages not delivered: %s", failed, st->n,
                       st->last_err[0] ? st->last_err : "timed out");
        return -EIO;
    }
    cadv_buf_clear(&st->batch);
    st->n = 0;
    return 0;
}

static void close_driver(void *state)
{
    struct state *st = state;

    if (!st)
        return;
    (void)rdk.purge(st->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    (void)rdk.flush(st->rk, 1000);
    rdk.topic_destroy(st->topic);
    rdk.destroy(st->rk);
    cadv_buf_done(&st->batch);
    free(st->msgs);
    free(st);
}

const struct cadv_exporter cadv_exporter_kafka = {
        .name = "kafka",
        .library = &rdk_lib,
        .init = init,
        .add_stats = add_stats,
        .flush = flush,
        .close = close_driver,
};
