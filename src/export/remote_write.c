/* SPDX-License-Identifier: Apache-2.0 */
/* remote_write.c - Prometheus remote-write 1.0 (beyond cAdvisor): every sample pushed as the same
 * container_* series and labels that /metrics serves, to -storage_driver_remote_write_url
 * (Prometheus with --web.enable-remote-write-receiver, Mimir, Thanos receive, VictoriaMetrics...).
 *
 * Each sample is rendered by /metrics' own renderer (one container per render, so that the same
 * series of one container at two times never meet in one render) with the sample's timestamp, and
 * the exposition text is turned into WriteRequest.timeseries: labels sorted by name with __name__,
 * one sample each. A pop round's samples go out as one snappy-compressed protobuf POST with the
 * 1.0 headers. Machine and self families are not pushed: a receiver gets those by scraping. */
#include <errno.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/buf.h"
#include "core/dynlib.h"
#include "core/xalloc.h"
#include "export/drivers.h"
#include "export/post.h"
#include "model/sample.h"
#include "model/spec.h"
#include "wire/metrics_render.h"

#define BATCH_MAX  (16u << 20)
#define RESP_MAX   1024
#define TIMEOUT_MS 10000L
#define MAX_LABELS 64
#define TEXT_MAX   (16u << 20)

/* libsnappy, loaded when -storage_driver names remote_write (export.h's library; it brings libstdc++) */
static struct {
    __typeof__(snappy_max_compressed_length) *max_compressed_length;
    __typeof__(snappy_compress) *compress;
} snappy;
static const struct cadv_dynsym snappy_syms[] = {
        CADV_DYNSYM(snappy, max_compressed_length, snappy_max_compressed_length),
        CADV_DYNSYM(snappy, compress, snappy_compress),
};
static struct cadv_dynlib snappy_lib = CADV_DYNLIB("libsnappy.so.1", snappy, snappy_syms);

struct state {
    struct cadv_export_http http; /* batch: WriteRequest body, repeated TimeSeries (field 1) */
    const struct cadv_config *cfg;
    struct cadv_metrics_cache *cache;
    struct cadv_buf text; /* one render */
    struct cadv_buf ts;   /* scratch: one TimeSeries */
    struct cadv_buf comp; /* snappy output */
};

/* ---- protobuf (proto3 wire format) ---- */

static void put_varint(struct cadv_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;

    do {
        tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    cadv_buf_append(b, tmp, n);
}

static void put_len(struct cadv_buf *b, uint32_t field, const void *p, size_t n)
{
    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, n);
    cadv_buf_append(b, p, n);
}

struct label {
    const char *name, *value;
    size_t name_len, value_len;
};

static int label_cmp(const void *a, const void *b)
{
    const struct label *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);

    return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

/* TimeSeries{labels=1 Label{name=1,value=2}, samples=2 Sample{value=1 double, timestamp=2 int64 ms}}
 * appended to st->http.batch as WriteRequest field 1. */
static void put_series(struct state *st, struct label *l, size_t n, double v, int64_t ts_ms)
{
    struct cadv_buf lb, sb;
    uint64_t bits;

    qsort(l, n, sizeof(*l), label_cmp);
    cadv_buf_clear(&st->ts);
    cadv_buf_init(&lb, 0);
    for (size_t i = 0; i < n; i++) {
        cadv_buf_clear(&lb);
        put_len(&lb, 1, l[i].name, l[i].name_len);
        put_len(&lb, 2, l[i].value, l[i].value_len);
        put_len(&st->ts, 1, lb.data, lb.len);
    }
    cadv_buf_init(&sb, 0);
    memcpy(&bits, &v, sizeof(bits));
    put_varint(&sb, 1 << 3 | 1);
    for (int i = 0; i < 8; i++)
        cadv_buf_putc(&sb, (char)(bits >> (8 * i)));
    put_varint(&sb, 2 << 3); /* field 2, wire type 0 (varint) */
    put_varint(&sb, (uint64_t)ts_ms);
    put_len(&st->ts, 2, sb.data, sb.len);
    put_len(&st->http.batch, 1, st->ts.data, st->ts.len);
    cadv_buf_done(&lb);
    cadv_buf_done(&sb);
}

/* ---- the exposition text ---- */

/* Unescapes a label value (\\, \", \n) in place; returns its new length. */
static size_t unescape(char *p, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n) {
            i++;
            p[o++] = (char)(p[i] == 'n' ? '\n' : p[i]);
        } else {
            p[o++] = p[i];
        }
    }
    return o;
}

/* Parses one series line `name{a="x",b="y"} value [ts]` (in place) into labels. Returns the label
 * count, or -EBADMSG. */
static int parse_line(char *line, struct label *l, double *ret_v, int64_t *ret_ts, bool *ret_has_ts)
{
    char *p = line, *end;
    int n = 0;

    l[n].name = "__name__";
    l[n].name_len = 8;
    l[n].value = p;
    while (*p && *p != '{' && *p != ' ')
        p++;
    l[n].value_len = (size_t)(p - line);
    n++;
    if (*p == '{') {
        p++;
        while (*p && *p != '}') {
            char *eq = strchr(p, '='), *v, *q;

            if (!eq || eq[1] != '"' || n >= MAX_LABELS)
                return -EBADMSG;
            l[n].name = p;
            l[n].name_len = (size_t)(eq - p);
            v = q = eq + 2;
            while (*q && *q != '"')
                q += (*q == '\\' && q[1]) ? 2 : 1;
            if (*q != '"')
                return -EBADMSG;
            l[n].value = v;
            l[n].value_len = unescape(v, (size_t)(q - v));
            n++;
            p = q + 1;
            if (*p == ',')
                p++;
        }
        if (*p != '}')
            return -EBADMSG;
        p++;
    }
    if (*p != ' ')
        return -EBADMSG;
    *ret_v = strtod(p + 1, &end);
    if (end == p + 1)
        return -EBADMSG;
    *ret_has_ts = *end == ' ';
    if (*ret_has_ts)
        *ret_ts = strtoll(end + 1, NULL, 10);
    return n;
}

static void text_to_series(struct state *st, int64_t sample_ms)
{
    struct label l[MAX_LABELS];
    char *line = st->text.data;

    while (line && *line) {
        char *nl = strchr(line, '\n');
        double v;
        int64_t ts = sample_ms;
        bool has_ts;
        int n;

        if (nl)
            *nl = '\0';
        /* Container series only: machine figures are the same in every render. */
        if (strncmp(line, "container_", 10) == 0 && (n = parse_line(line, l, &v, &ts, &has_ts)) > 0)
            put_series(st, l, (size_t)n, v, has_ts ? ts : sample_ms);
        line = nl ? nl + 1 : NULL;
    }
}

/* ---- the driver ---- */

static int init(const struct cadv_export_env *env, void **ret_state, char *err, size_t err_len)
{
    const char *url = env->cfg->storage_driver_remote_write_url;
    struct state *st;

    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        (void)snprintf(err, err_len,
                       "-storage_driver_remote_write_url '%s' is not an http:// or https:// URL", url);
        return -EINVAL;
    }
    st = cadv_xcalloc(1, sizeof(*st));
    cadv_export_http_init(&st->http, cadv_xstrdup(url), TIMEOUT_MS, env->abort_io);
    st->cfg = env->cfg;
    st->cache = cadv_metrics_cache_new();
    cadv_buf_init(&st->text, TEXT_MAX);
    cadv_buf_init(&st->ts, 0);
    cadv_buf_init(&st->comp, 0);
    *ret_state = st;
    return 0;
}

static int add_stats(void *state, const struct cadv_export_record *rec)
{
    struct state *st = state;
    const struct cadv_config *cfg = st->cfg;
    struct cadv_metrics_item item = {
            .name = rec->cgroup_name,
            .spec = rec->spec,
            .sample = rec->s,
            .spec_version = 0, /* the label cache is keyed by name; specs may change between calls */
    };
    struct cadv_metrics_input in = {
            .items = &item,
            .n_items = 1,
            .machine = rec->machine,
            .kinds = cfg->metric_kinds,
            .timestamps = true,
            .store_container_labels = cfg->store_container_labels,
            .whitelisted_labels = cfg->whitelisted_container_labels,
            .now_ns = rec->s->c.timestamp_ns,
            .version = CADV_VERSION,
    };

    cadv_buf_clear(&st->text);
    st->text.overflow = false;
    cadv_metrics_render(&st->text, &in, st->cache);
    if (!st->text.overflow)
        text_to_series(st, (int64_t)(rec->s->c.timestamp_ns / 1000000));
    return st->http.batch.len >= BATCH_MAX;
}

static int flush(void *state, char *err, size_t err_len)
{
    static const char *const headers[] = {"Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                                          "X-Prometheus-Remote-Write-Version: 0.1.0", NULL};
    /* 4xx but 429: refused data (out of order, duplicate...): the 1.0 spec says not to retry. */
    static const struct cadv_export_status statuses[] = {
            {200, 299, 0, true, false, NULL},
            {429, 429, -EIO, false, false, NULL},
            {400, 499, -EBADMSG, true, true, "remote write refused the batch"},
    };
    const struct cadv_export_send how = {
            .headers = headers,
            .rules = statuses,
            .n_rules = sizeof(statuses) / sizeof(statuses[0]),
            .who = "remote write",
            .resp_max = RESP_MAX,
    };
    struct state *st = state;
    struct cadv_buf *batch = &st->http.batch;
    size_t clen = snappy.max_compressed_length(batch->len);

    cadv_buf_clear(&st->comp);
    if (!cadv_buf_reserve(&st->comp, clen) ||
        snappy.compress(batch->data, batch->len, st->comp.data, &clen) != SNAPPY_OK) {
        (void)snprintf(err, err_len, "snappy compression failed");
        cadv_buf_clear(batch);
        return -EBADMSG;
    }
    return cadv_export_http_send(&st->http, &how, st->comp.data, clen, err, err_len);
}

static void close_driver(void *state)
{
    struct state *st = state;

    if (!st)
        return;
    cadv_export_http_done(&st->http);
    cadv_metrics_cache_free(st->cache);
    cadv_buf_done(&st->text);
    cadv_buf_done(&st->ts);
    cadv_buf_done(&st->comp);
    free(st);
}

const struct cadv_exporter cadv_exporter_remote_write = {
        .name = "remote_write",
        .library = &snappy_lib,
        .init = init,
        .add_stats = add_stats,
        .flush = flush,
        .close = close_driver,
};
