/* SPDX-License-Identifier: Apache-2.0 */
/* json_summary.c - DerivedStats as cAdvisor's info/v2 writes it: Percentiles are
 * {present, mean, std, max, fifty, ninety, ninetyfive, count}, Usage {percent_complete, cpu, memory}. */
#include "wire/json_summary.h"

#include "core/json.h"
#include "store/summary.h"

static void percentiles(struct cadv_json *w, const char *key, const struct cadv_percentiles *p)
{
    cadv_json_key(w, key);
    cadv_json_obj_begin(w);
    cadv_json_kbool(w, "present", p->present);
    cadv_json_ku64(w, "mean", p->mean);
    cadv_json_ku64(w, "std", p->std);
    cadv_json_ku64(w, "max", p->max);
    cadv_json_ku64(w, "fifty", p->fifty);
    cadv_json_ku64(w, "ninety", p->ninety);
    cadv_json_ku64(w, "ninetyfive", p->ninetyfive);
    cadv_json_ku64(w, "count", p->count);
    cadv_json_obj_end(w);
}

static void usage(struct cadv_json *w, const char *key, const struct cadv_usage *u)
{
    cadv_json_key(w, key);
    cadv_json_obj_begin(w);
    cadv_json_ki64(w, "percent_complete", u->percent_complete);
    percentiles(w, "cpu", &u->cpu);
    percentiles(w, "memory", &u->memory);
    cadv_json_obj_end(w);
}

void cadv_json_derived(struct cadv_json *w, const struct cadv_derived *d)
{
    cadv_json_obj_begin(w);
    cadv_json_ktime(w, "timestamp", d->timestamp_ns);
    cadv_json_key(w, "latest_usage");
    cadv_json_obj_begin(w);
    cadv_json_ku64(w, "cpu", d->latest_cpu);
    cadv_json_ku64(w, "memory", d->latest_memory);
    cadv_json_obj_end(w);
    usage(w, "minute_usage", &d->minute);
    usage(w, "hour_usage", &d->hour);
    usage(w, "day_usage", &d->day);
    cadv_json_obj_end(w);
}
