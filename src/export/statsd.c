/* SPDX-License-Identifier: Apache-2.0 */
/* statsd.c - cAdvisor's "statsd" storage driver: for each sample one UDP datagram per figure,
 * `<storage_driver_db>.<container name>.<key>:<value>|g` (fields.h keys; the load average is
 * cpu_load_average, and there is no timestamp). -storage_driver_host is the UDP host:port. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "export/drivers.h"
#include "export/fields.h"
#include "export/post.h"

#define BATCH_MAX (1u << 20)

struct state {
    char *host, *port, *prefix;
    int fd;
    struct cadv_buf batch; /* datagrams separated by '\n' */
    size_t sent_off;       /* bytes of batch already sent (a retry resumes there) */
    const char *name;      /* add_stats scratch */
};

static int init(const struct cadv_export_env *env, void **ret_state, char *err, size_t err_len)
{
    struct state *st = cadv_xcalloc(1, sizeof(*st));

    if (cadv_export_split_host_port(env->cfg->storage_driver_host, &st->host, &st->port) < 0) {
        (void)snprintf(err, err_len, "-storage_driver_host '%s' is not host:port",
                       env->cfg->storage_driver_host);
        free(st);
        return -EINVAL;
    }
    st->prefix = cadv_xstrdup(env->cfg->storage_driver_db);
    st->fd = -1;
    cadv_buf_init(&st->batch, 0);
    *ret_state = st;
    return 0;
}

static void put_kv(void *arg, const struct cadv_export_kv *kv)
{
    struct state *st = arg;

    cadv_buf_printf(&st->batch, "%s.%s.%s:%llu|g\n", st->prefix, st->name,
                    (kv->flags & CADV_KV_LOAD) ? "cpu_load_average" : kv->key, (unsigned long long)kv->value);
}

static int add_stats(void *state, const struct cadv_export_record *rec)
{
    struct state *st = state;

    st->name = rec->name;
    cadv_export_fields(rec->s, put_kv, st);
    return st->batch.len >= BATCH_MAX;
}

static int connect_udp(struct state *st, char *err, size_t err_len)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai = NULL;
    int r = getaddrinfo(st->host, st->port, &hints, &ai);

    if (r != 0) {
        (void)snprintf(err, err_len, "resolve '%s:%s': %s", st->host, st->port, gai_strerror(r));
        return -EHOSTUNREACH;
    }
    st->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (st->fd < 0 || connect(st->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        r = -errno;
        (void)snprintf(err, err_len, "connect udp '%s:%s': %s", st->host, st->port, strerror(-r));
        if (st->fd >= 0)
            close(st->fd);
        st->fd = -1;
        freeaddrinfo(ai);
        return r;
    }
    freeaddrinfo(ai);
    return 0;
}

static int flush(void *state, char *err, size_t err_len)
{
    struct state *st = state;
    int r;

    if (st->fd < 0 && (r = connect_udp(st, err, err_len)) < 0)
        return r;
    while (st->sent_off < st->batch.len) {
        const char *p = st->batch.data + st->sent_off;
        const char *nl = memchr(p, '\n', st->batch.len - st->sent_off);
        size_t n = nl ? (size_t)(nl - p) : st->batch.len - st->sent_off;

        if (send(st->fd, p, n, MSG_NOSIGNAL) < 0) {
            r = -errno;
            (void)snprintf(err, err_len, "send to statsd '%s:%s': %s", st->host, st->port, strerror(-r));
            close(st->fd); /* reconnect (and re-resolve) on the retry */
            st->fd = -1;
            return r;
        }
        st->sent_off += n + 1;
    }
    cadv_buf_clear(&st->batch);
    st->sent_off = 0;
    return 0;
}

static void close_driver(void *state)
{
    struct state *st = state;

    if (!st)
        return;
    if (st->fd >= 0)
        close(st->fd);
    cadv_buf_done(&st->batch);
    free(st->host);
    free(st->port);
    free(st->prefix);
    free(st);
}

const struct cadv_exporter cadv_exporter_statsd = {
        .name = "statsd",
        .init = init,
        .add_stats = add_stats,
        .flush = flush,
        .close = close_driver,
};
