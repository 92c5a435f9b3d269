/* SPDX-License-Identifier: Apache-2.0 */
/* kafka_mock.c - a Kafka broker for the storage driver tests: librdkafka's mock cluster (it speaks
 * the Kafka protocol on 127.0.0.1; no real broker is packaged for Debian). Prints "bootstrap
 * <host:port>" on the first line, then consumes the topic given as argv[1] and prints each message
 * value on its own line, until stdin is closed. */
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char e[256];

    if (rd_kafka_conf_set(c, k, v, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kafka_mock: %s: %s\n", k, e);
        return -1;
    }
    return 0;
}

static bool stdin_closed(void)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    char buf[64];

    if (poll(&p, 1, 0) <= 0)
        return false;
    return read(0, buf, sizeof(buf)) <= 0;
}

int main(int argc, char **argv)
{
    rd_kafka_conf_t *mc = rd_kafka_conf_new(), *cc = rd_kafka_conf_new();
    rd_kafka_t *mrk, *consumer;
    rd_kafka_mock_cluster_t *cluster;
    rd_kafka_topic_partition_list_t *topics;
    char e[512];
    const char *topic = argc > 1 ? argv[1] : "stats";

    /* The mock cluster lives in a client handle of its own. */
    mrk = rd_kafka_new(RD_KAFKA_PRODUCER, mc, e, sizeof(e));
    if (!mrk) {
        fprintf(stderr, "kafka_mock: %s\n", e);
        return 1;
    }
    cluster = rd_kafka_mock_cluster_new(mrk, 1);
    if (!cluster || rd_kafka_mock_topic_create(cluster, topic, 1, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka_mock: cannot create the mock cluster\n");
        return 1;
    }
    printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(cluster));
    fflush(stdout);
    if (set(cc, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(cluster)) < 0 ||
        set(cc, "group.id", "cadv-test") < 0 || set(cc, "auto.offset.reset", "earliest") < 0)
        return 1;
    consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, e, sizeof(e));
    if (!consumer) {
        fprintf(stderr, "kafka_mock: %s\n", e);
        return 1;
    }
    rd_kafka_poll_set_consumer(consumer);
    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    while (!stdin_closed()) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 200);

        if (!m)
            continue;
        if (!m->err) {
            fwrite(m->payload, 1, m->len, stdout);
            fputc('\n', stdout);
            fflush(stdout);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(mrk);
    return 0;
}
