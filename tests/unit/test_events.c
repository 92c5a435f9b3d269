/* SPDX-License-Identifier: Apache-2.0 */
/* test_events.c - the event store: the limit flags' syntax, eviction by count and age, query
 * semantics (type selection, container and subcontainers, time range, max_events), the JSON form,
 * and watches (matching, bounded queues that drop and count, park/wake, close). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "events/store.h"

#define S 1000000000ULL

static struct cadv_events *store_with(const char *age, const char *count)
{
    struct cadv_event_limits lim;
    struct cadv_buf err;

    cadv_buf_init(&err, 0);
    cr_assert_eq(cadv_event_limits_parse(age, count, &lim, &err), 0, "%s", err.data ? err.data : "");
    cadv_buf_done(&err);
    return cadv_events_new(&lim);
}

static void add(struct cadv_events *e, enum cadv_event_type t, const char *name, uint64_t ts)
{
    char buf[64];
    struct cadv_event ev = {.type = t, .timestamp_ns = ts, .container_name = buf};

    snprintf(buf, sizeof(buf), "%s", name);
    cadv_events_add(e, &ev);
}

static size_t query(struct cadv_events *e, uint32_t types, const char *name, bool sub, uint64_t start,
                    uint64_t end, int64_t max, struct cadv_event **ret)
{
    struct cadv_event_query q = {.types = types,
                                 .container = name,
                                 .subcontainers = sub,
                                 .start_ns = start,
                                 .end_ns = end,
                                 .max_events = max};
    size_t n;

    cr_assert_eq(cadv_events_query(e, &q, ret, &n), 0);
    return n;
}

#define T(t) (1u << (t))

Test(events, limits_syntax)
{
    struct cadv_event_limits lim;
    struct cadv_buf err;

    cadv_buf_init(&err, 0);
    cr_assert_eq(cadv_event_limits_parse("default=24h", "default=100000", &lim, &err), 0);
    for (int t = 0; t < _CADV_EVENT_TYPE_MAX; t++) {
        cr_expect_eq(lim.max_age_ns[t], 24 * 3600 * S);
        cr_expect_eq(lim.max_count[t], 100000);
    }
    cr_assert_eq(cadv_event_limits_parse("oom=1h,default=2h,creation=5m",
                                         "containerDeletion=0,default=7,oomKill=-1", &lim, &err),
                 0);
    cr_expect_eq(lim.max_age_ns[CADV_EVENT_OOM], 3600 * S);
    cr_expect_eq(lim.max_age_ns[CADV_EVENT_OOM_KILL], 7200 * S);
    cr_expect_eq(lim.max_age_ns[CADV_EVENT_CREATION], 300 * S);
    cr_expect_eq(lim.max_count[CADV_EVENT_DELETION], 0);
    cr_expect_eq(lim.max_count[CADV_EVENT_OOM], 7);
    cr_expect_eq(lim.max_count[CADV_EVENT_OOM_KILL], -1);
    cr_assert_eq(cadv_event_limits_parse("", "", &lim, &err), 0); /* empty: cAdvisor's defaults */
    cr_expect_eq(lim.max_count[CADV_EVENT_OOM], 100000);
    cr_expect_eq(cadv_event_limits_parse("default", "", &lim, &err), -EINVAL);
    cr_expect_eq(cadv_event_limits_parse("oom=abc", "", &lim, &err), -EINVAL);
    cr_expect_eq(cadv_event_limits_parse("", "default=x", &lim, &err), -EINVAL);
    cr_expect_eq(cadv_event_limits_parse("", "bogus=1", &lim, &err), -EINVAL);
    cr_expect_eq(cadv_event_limits_parse("oom=1h=2", "", &lim, &err), -EINVAL);
    cr_expect(strstr(err.data, "bogus") != NULL);
    cadv_buf_done(&err);
}

Test(events, count_limit_keeps_newest_and_zero_disables)
{
    struct cadv_events *e = store_with("default=24h", "default=3,containerDeletion=0");
    struct cadv_event *ev;
    size_t n;

    for (uint64_t i = 1; i <= 5; i++)
        add(e, CADV_EVENT_CREATION, "/a", i * S);
    add(e, CADV_EVENT_DELETION, "/a", 6 * S);
    n = query(e, CADV_EVENT_ALL_TYPES, "/a", false, 0, 0, -1, &ev);
    cr_assert_eq(n, 3);
    cr_expect_eq(ev[0].timestamp_ns, 3 * S);
    cr_expect_eq(ev[2].timestamp_ns, 5 * S);
    cadv_event_array_free(ev, n);
    cr_expect_eq(cadv_events_count(e), 3);
    /* An event older than all kept ones in a full store is not kept; one in between is. */
    add(e, CADV_EVENT_CREATION, "/a", 1 * S);
    add(e, CADV_EVENT_CREATION, "/a", 4 * S + 1);
    n = query(e, T(CADV_EVENT_CREATION), "/a", false, 0, 0, -1, &ev);
    cr_assert_eq(n, 3);
    cr_expect_eq(ev[0].timestamp_ns, 4 * S);
    cr_expect_eq(ev[1].timestamp_ns, 4 * S + 1);
    cadv_event_array_free(ev, n);
    e = cadv_events_free(e);
}

Test(events, age_limit_is_relative_to_newest)
{
    struct cadv_events *e = store_with("default=10s", "default=100");
    struct cadv_event *ev;
    size_t n;

    add(e, CADV_EVENT_OOM, "/a", 100 * S);
    add(e, CADV_EVENT_OOM, "/a", 105 * S);
    add(e, CADV_EVENT_OOM, "/a", 50 * S); /* out of order and already too old: evicted at once */
    add(e, CADV_EVENT_OOM, "/a", 112 * S);
    n = query(e, T(CADV_EVENT_OOM), "/a", false, 0, 0, -1, &ev);
    cr_assert_eq(n, 2);
    cr_expect_eq(ev[0].timestamp_ns, 105 * S);
    cr_expect_eq(ev[1].timestamp_ns, 112 * S);
    cadv_event_array_free(ev, n);
    e = cadv_events_free(e);
}

Test(events, query_semantics)
{
    struct cadv_events *e = store_with("default=24h", "default=100");
    struct cadv_event *ev;
    size_t n;

    add(e, CADV_EVENT_CREATION, "/", 1 * S);
    add(e, CADV_EVENT_CREATION, "/a", 2 * S);
    add(e, CADV_EVENT_CREATION, "/a/b", 3 * S);
    add(e, CADV_EVENT_CREATION, "/ab", 4 * S);
    add(e, CADV_EVENT_OOM, "/a/b", 5 * S);
    add(e, CADV_EVENT_DELETION, "/a/b", 6 * S);
    add(e, CADV_EVENT_OOM_KILL, "/a", 7 * S);

    cr_expect_eq(query(e, 0, "/a", true, 0, 0, 10, &ev), 0, "no type selected: nothing");
    n = query(e, T(CADV_EVENT_CREATION), "/a", false, 0, 0, 10, &ev);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(ev[0].container_name, "/a");
    cadv_event_array_free(ev, n);
    /* Subcontainers: "/a/b" but never "/ab"; results oldest first across types. */
    n = query(e, CADV_EVENT_ALL_TYPES, "/a", true, 0, 0, 10, &ev);
    cr_assert_eq(n, 5);
    cr_expect_str_eq(ev[0].container_name, "/a");
    cr_expect_str_eq(ev[1].container_name, "/a/b");
    cr_expect_eq(ev[2].type, CADV_EVENT_OOM);
    cr_expect_eq(ev[3].type, CADV_EVENT_DELETION);
    cr_expect_eq(ev[4].type, CADV_EVENT_OOM_KILL);
    cadv_event_array_free(ev, n);
    n = query(e, CADV_EVENT_ALL_TYPES, "/", true, 0, 0, -1, &ev);
    cr_expect_eq(n, 7, "/ with subcontainers is everything");
    cadv_event_array_free(ev, n);
    /* Time range is inclusive at both ends. */
    n = query(e, CADV_EVENT_ALL_TYPES, "/", true, 3 * S, 6 * S, -1, &ev);
    cr_assert_eq(n, 4);
    cr_expect_eq(ev[0].timestamp_ns, 3 * S);
    cr_expect_eq(ev[3].timestamp_ns, 6 * S);
    cadv_event_array_free(ev, n);
    /* max_events keeps the newest after filtering; 0 gives none; negative all. */
    n = query(e, CADV_EVENT_ALL_TYPES, "/", true, 0, 0, 2, &ev);
    cr_assert_eq(n, 2);
    cr_expect_eq(ev[0].timestamp_ns, 6 * S);
    cr_expect_eq(ev[1].timestamp_ns, 7 * S);
    cadv_event_array_free(ev, n);
    cr_expect_eq(query(e, CADV_EVENT_ALL_TYPES, "/", true, 0, 0, 0, &ev), 0);
    n = query(e, T(CADV_EVENT_CREATION), "/a", true, 0, 0, 1, &ev);
    cr_assert_eq(n, 1, "the limit applies after the container filter");
    cr_expect_str_eq(ev[0].container_name, "/a/b");
    cadv_event_array_free(ev, n);
    e = cadv_events_free(e);
}

Test(events, json)
{
    char name[] = "/t", proc[] = "python3", cons[] = "CONSTRAINT_MEMCG";
    struct cadv_event ev = {.type = CADV_EVENT_OOM_KILL,
                            .timestamp_ns = 1700000000123456789ULL,
                            .container_name = name,
                            .pid = 42,
                            .process_name = proc,
                            .constraint = cons};
    struct cadv_buf b;

    setenv("TZ", "UTC", 1);
    cadv_buf_init(&b, 0);
    cadv_event_json(&b, &ev);
    cr_expect_str_eq(b.data,
                     "{\"container_name\":\"/t\",\"timestamp\":\"2023-11-14T22:13:20.123456789Z\","
                     "\"event_type\":\"oomKill\",\"event_data\":{\"oom\":{\"pid\":42,\"process_name\":"
                     "\"python3\",\"constraint\":\"CONSTRAINT_MEMCG\"}}}");
    cadv_buf_clear(&b);
    ev.type = CADV_EVENT_CREATION;
    cadv_event_json(&b, &ev);
    cr_expect_str_eq(b.data, "{\"container_name\":\"/t\",\"timestamp\":\"2023-11-14T22:13:20.123456789Z\","
                             "\"event_type\":\"containerCreation\",\"event_data\":{}}");
    cadv_buf_done(&b);
}

static int wakes, parks;
static void on_wake(void *ctx)
{
    (void)ctx;
    wakes++;
}
static void on_park(void *ctx)
{
    (void)ctx;
    parks++;
}

Test(events, watch_queue_drops_and_counts)
{
    struct cadv_events *e = store_with("default=24h", "default=0"); /* storage off: watches still fed */
    struct cadv_event_query q = {.types = T(CADV_EVENT_OOM), .container = "/a", .subcontainers = true};
    struct cadv_event_watch *w = cadv_events_watch(e, &q, 2, on_wake, NULL);
    struct cadv_event ev;

    cr_expect_eq(cadv_event_watch_pop(w, &ev, on_park, NULL), -EAGAIN);
    cr_expect_eq(parks, 1);
    add(e, CADV_EVENT_OOM, "/a/x", 1 * S);
    cr_expect_eq(wakes, 1, "a parked consumer is woken");
    add(e, CADV_EVENT_CREATION, "/a/x", 2 * S); /* other type */
    add(e, CADV_EVENT_OOM, "/b", 3 * S);        /* other container */
    add(e, CADV_EVENT_OOM, "/a", 4 * S);
    add(e, CADV_EVENT_OOM, "/a", 5 * S); /* queue full: dropped */
    cr_expect_eq(wakes, 1, "not parked: no more wakes");
    cr_expect_eq(cadv_event_watch_dropped(w), 1);
    cr_expect_eq(cadv_events_dropped_total(e), 1);
    cr_expect_eq(cadv_events_count(e), 0);
    cr_assert_eq(cadv_event_watch_pop(w, &ev, on_park, NULL), 0);
    cr_expect_eq(ev.timestamp_ns, 1 * S);
    cadv_event_done(&ev);
    cr_assert_eq(cadv_event_watch_pop(w, &ev, on_park, NULL), 0);
    cr_expect_eq(ev.timestamp_ns, 4 * S);
    cadv_event_done(&ev);
    cr_expect_eq(cadv_event_watch_pop(w, &ev, on_park, NULL), -EAGAIN);
    cadv_event_watch_close(w);
    cr_expect_eq(wakes, 2, "close wakes a parked consumer");
    cr_expect_eq(cadv_event_watch_pop(w, &ev, on_park, NULL), -EPIPE);
    cadv_events_unwatch(e, w);
    add(e, CADV_EVENT_OOM, "/a", 6 * S);
    cr_expect_eq(wakes, 2);
    e = cadv_events_free(e);
}
