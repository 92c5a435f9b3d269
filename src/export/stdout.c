/* SPDX-License-Identifier: Apache-2.0 */
/* stdout.c - cAdvisor's "stdout" storage driver: one line per sample on standard output,
 * `cName=<name> host=<storage_driver_host> timestamp=<ns> key=value ...` (fields.h keys), where the
 * timestamp is the wall clock at write time as in cAdvisor. Lines of a pop round go out in one write. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "core/buf.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "export/drivers.h"
#include "export/fields.h"

#define BATCH_MAX (4u << 20)

struct state {
    char *host;
    struct cadv_buf batch;
};

static int init(const struct cadv_export_env *env, void **ret_state, char *err, size_t err_len)
{
    struct state *st = cadv_xcalloc(1, sizeof(*st));

    (void)err;
    (void)err_len;
    st->host = cadv_xstrdup(env->cfg->storage_driver_host);
    cadv_buf_init(&st->batch, 0);
    *ret_state = st;
    return 0;
}

static void put_kv(void *arg, const struct cadv_export_kv *kv)
{
    struct cadv_buf *b = arg;

    cadv_buf_printf(b, " %s=%llu", kv->key, (unsigned long long)kv->value);
}

static int add_stats(void *state, const struct cadv_export_record *rec)
{
    struct state *st = state;

    cadv_buf_printf(&st->batch, "cName=%s host=%s timestamp=%llu", rec->name, st->host,
                    (unsigned long long)cadv_now_ns());
    cadv_export_fields(rec->s, put_kv, &st->batch);
    cadv_buf_putc(&st->batch, '\n');
    return st->batch.len >= BATCH_MAX;
}

static int flush(void *state, char *err, size_t err_len)
{
    struct state *st = state;
    size_t off = 0;

    while (off < st->batch.len) {
        ssize_t k = write(STDOUT_FILENO, st->batch.data + off, st->batch.len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int r = -errno;
            (void)snprintf(err, err_len, "write to standard output: %s", strerror(-r));
            /* Drop what was written, keep the rest for the retry. */
            memmove(st->batch.data, st->batch.data + off, st->batch.len - off);
            st->batch.len -= off;
            return r;
        }
        off += (size_t)k;
    }
    cadv_buf_clear(&st->batch);
    return 0;
}

static void close_driver(void *state)
{
    struct state *st = state;

    if (!st)
        return;
    cadv_buf_done(&st->batch);
    free(st->host);
    free(st);
}

const struct cadv_exporter cadv_exporter_stdout = {
        .name = "stdout",
        .init = init,
        .add_stats = add_stats,
        .flush = flush,
        .close = close_driver,
};
