/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_app.c - application metrics families of /metrics (see metrics_app.h). */
#include "prom/metrics_app.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "model/spec.h"
#include "wire/metrics_fmt.h"

static int cmp_str(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* A valid metric name that cannot clash with a family cadv writes itself. */
static bool exportable(const char *name)
{
    static const char *const own[] = {"container_", "machine_", "cadvisor_", "cadv_", "process_"};

    if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') || *name == '_' || *name == ':'))
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == ':'))
            return false;
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (strncmp(name, own[i], strlen(own[i])) == 0)
            return false;
    return true;
}

static void put_label(struct cadv_buf *out, bool *first, const char *name, const char *value)
{
    cadv_buf_putc(out, *first ? '{' : ',');
    *first = false;
    cadv_buf_puts(out, name);
    cadv_buf_puts(out, "=\"");
    cadv_prom_put_label_value(out, value);
    cadv_buf_putc(out, '"');
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const struct cadv_kv *)a)->key, ((const struct cadv_kv *)b)->key);
}

static void write_series(struct cadv_buf *out, const struct cadv_app_series *s)
{
    struct cadv_kv *kv = cadv_xcalloc(s->n_labels ? s->n_labels : 1, sizeof(*kv));
    char num[64];
    bool first = true;

    /* app_<label> names sanitised as cAdvisor does; they sort before id, image and name. */
    for (size_t i = 0; i < s->n_labels; i++) {
        size_t len = strlen(s->labels[i].key);
        char *k = cadv_xmalloc(len + 5);

        memcpy(k, "app_", 4); // NOLINT(bugprone-not-null-terminated-result): the next copy ends it
        memcpy(k + 4, s->labels[i].key, len + 1);
        cadv_prom_sanitize(k);
        kv[i] = (struct cadv_kv){k, s->labels[i].value};
    }
    qsort(kv, s->n_labels, sizeof(*kv), cmp_kv);
    cadv_buf_puts(out, s->metric);
    for (size_t i = 0; i < s->n_labels; i++)
        put_label(out, &first, kv[i].key, kv[i].value);
    put_label(out, &first, "id", s->id);
    if (*s->image)
        put_label(out, &first, "image", s->image);
    put_label(out, &first, "name", s->alias);
    cadv_buf_puts(out, "} ");
    cadv_buf_append(out, num, cadv_prom_fmt_double(num, s->value));
    cadv_buf_putc(out, '\n');
    for (size_t i = 0; i < s->n_labels; i++)
        free(kv[i].key);
    free(kv);
}

void cadv_metrics_app(struct cadv_app *a, struct cadv_buf *out, const char *const *ids, size_t n)
{
    struct cadv_app_snapshot snap;
    struct cadv_app_stats st;

    if (!a)
        return;
    cadv_app_snapshot(a, &snap);
    for (size_t i = 0; i < snap.n; i++) {
        const struct cadv_app_series *s = &snap.series[i];

        if (n == 0 || !exportable(s->metric) || !bsearch(s->id, ids, n, sizeof(*ids), cmp_str))
            continue;
        if (i == 0 || strcmp(s->metric, snap.series[i - 1].metric) != 0)
            cadv_buf_printf(out, "# HELP %s Custom application metric.\n# TYPE %s gauge\n", s->metric,
                            s->metric);
        write_series(out, s);
    }
    cadv_app_snapshot_done(&snap);
    cadv_app_get_stats(a, &st);
    cadv_buf_printf(
            out,
            "# HELP cadv_app_endpoints Application metrics endpoints (io.cadvisor.metric.* collectors) "
            "polled.\n# TYPE cadv_app_endpoints gauge\ncadv_app_endpoints %llu\n"
            "# HELP cadv_app_scrapes_total Application metrics scrapes finished.\n"
            "# TYPE cadv_app_scrapes_total counter\ncadv_app_scrapes_total %llu\n"
            "# HELP cadv_app_scrape_errors_total Application metrics scrapes that failed (timeout, "
            "connection, body over the cap, malformed text, HTTP status).\n"
            "# TYPE cadv_app_scrape_errors_total counter\ncadv_app_scrape_errors_total %llu\n"
            "# HELP cadv_app_config_errors_total Containers whose application metrics configs could "
            "not be read or parsed.\n# TYPE cadv_app_config_errors_total counter\n"
            "cadv_app_config_errors_total %llu\n",
            (unsigned long long)st.endpoints, (unsigned long long)st.scrapes_total,
            (unsigned long long)st.errors_total, (unsigned long long)st.config_errors_total);
}
