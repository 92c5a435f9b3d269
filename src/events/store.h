/* SPDX-License-Identifier: Apache-2.0 */
/* store.h - cAdvisor's events (container creation and deletion, OOM, OOM kill): one time-ordered
 * store per event type, bounded by -event_storage_age_limit / -event_storage_event_limit, queried
 * by type, container (optionally with its subcontainers), time range and count; and watches, the
 * live feeds behind stream=true, each with its own bounded queue.
 *
 * All functions are thread-safe. Producers (discovery, the OOM watcher) never block on a consumer:
 * a watch whose queue is full drops the event for that watch and counts the drop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cadv_buf;
struct cadv_events;
struct cadv_event_watch;

enum cadv_event_type {
    CADV_EVENT_OOM,
    CADV_EVENT_OOM_KILL,
    CADV_EVENT_CREATION,
    CADV_EVENT_DELETION,
    _CADV_EVENT_TYPE_MAX,
};

#define CADV_EVENT_ALL_TYPES ((1u << _CADV_EVENT_TYPE_MAX) - 1u)
/* Per-type count when the limit is negative (cAdvisor: unlimited): memory stays bounded. */
#define CADV_EVENTS_HARD_MAX 1000000

/* One event; its strings are owned (malloc'd). */
struct cadv_event {
    enum cadv_event_type type;
    uint64_t timestamp_ns;
    char *container_name;
    /* oomKill only (cAdvisor's OomKillEventData); process_name/constraint NULL otherwise. */
    int64_t pid;
    char *process_name;
    char *constraint;
};

/* "oom", "oomKill", "containerCreation", "containerDeletion". */
const char *cadv_event_type_name(enum cadv_event_type t);
/* Frees the strings of ev (accepts a zeroed event). */
void cadv_event_done(struct cadv_event *ev);
/* Frees an array of n events from cadv_events_query (accepts NULL). */
void cadv_event_array_free(struct cadv_event *a, size_t n);
/* Appends ev as cAdvisor's JSON Event (container_name, timestamp, event_type, event_data). */
void cadv_event_json(struct cadv_buf *out, const struct cadv_event *ev);

/* Storage limits per type: max_age_ns 0 = no age limit; max_count 0 = not stored (watches still
 * get the events), otherwise at most that many (a negative limit means CADV_EVENTS_HARD_MAX). */
struct cadv_event_limits {
    uint64_t max_age_ns[_CADV_EVENT_TYPE_MAX];
    int64_t max_count[_CADV_EVENT_TYPE_MAX];
};

/* Parses the two flags' "type=value,..." lists ("default" applies to unlisted types; a type is its
 * event_type string, or "creation"/"deletion" as the flags' help text suggests). Returns 0, or
 * -EINVAL with a message appended to err. */
int cadv_event_limits_parse(const char *age_list, const char *count_list, struct cadv_event_limits *ret,
                            struct cadv_buf *err);

/* What a query or watch selects. container NULL or "" selects every container. */
struct cadv_event_query {
    uint32_t types; /* bit (1u << type) per wanted type; 0 selects nothing */
    const char *container;
    bool subcontainers; /* also container + "/..." ("/" then selects all) */
    uint64_t start_ns;  /* inclusive; 0 = unbounded */
    uint64_t end_ns;    /* inclusive; 0 = unbounded */
    int64_t max_events; /* newest N kept; 0 gives none, negative all */
};

/* Never returns NULL. */
struct cadv_events *cadv_events_new(const struct cadv_event_limits *lim);
/* Accepts NULL; returns NULL. Every watch must have been removed. */
struct cadv_events *cadv_events_free(struct cadv_events *e);
/* Stores a copy of ev (per its type's limits) and queues a copy to every matching watch. */
void cadv_events_add(struct cadv_events *e, const struct cadv_event *ev);
/* The matching stored events, oldest first, copied into *ret (caller frees with
 * cadv_event_array_free; NULL when *ret_n is 0). Always returns 0. */
int cadv_events_query(struct cadv_events *e, const struct cadv_event_query *q, struct cadv_event **ret,
                      size_t *ret_n);
/* Events stored now (all types), for tests and self-metrics. */
size_t cadv_events_count(struct cadv_events *e);
/* Events dropped by full watch queues since start (cadv_events_dropped_total). */
uint64_t cadv_events_dropped_total(struct cadv_events *e);

/* Called with the watch's lock held, so they must not call back into this module. wake: the
 * queue went from empty to non-empty after a pop returned -EAGAIN, or the watch was closed. */
typedef void (*cadv_event_wake_fn)(void *ctx);
typedef void (*cadv_event_park_fn)(void *ctx);

/* Starts a watch of future events matching q (start/end/max ignored) with a queue of queue_cap
 * events. wake(ctx) is called as described above until cadv_events_unwatch returns. */
struct cadv_event_watch *cadv_events_watch(struct cadv_events *e, const struct cadv_event_query *q,
                                           size_t queue_cap, cadv_event_wake_fn wake, void *ctx);
/* Moves the oldest queued event into *ret (caller owns it; cadv_event_done). Returns 0; -EAGAIN if
 * the queue is empty, after calling park(ctx) with the lock held, so that a wake cannot slip in
 * between (park NULL: nothing is parked, no wake follows); -EPIPE once the watch was closed and its
 * queue is drained. */
int cadv_event_watch_pop(struct cadv_event_watch *w, struct cadv_event *ret, cadv_event_park_fn park,
                         void *ctx);
/* Marks the watch closed (consumer gone or shutting down) and wakes a parked consumer. */
void cadv_event_watch_close(struct cadv_event_watch *w);
/* Events this watch dropped because its queue was full. */
uint64_t cadv_event_watch_dropped(struct cadv_event_watch *w);
/* Removes and frees the watch (accepts NULL); wake is never called after this returns. */
void cadv_events_unwatch(struct cadv_events *e, struct cadv_event_watch *w);
