/* SPDX-License-Identifier: Apache-2.0 */
/* api_events.c - the events endpoint (api/api_events.h); cAdvisor's getEventRequest,
 * handleEventRequest and streamResults (cmd/internal/api/handler.go).
 *
 * DESIGN
 *
 * Query: stream, subcontainers, all_events and the per-type booleans are Go ParseBools whose invalid
 * values are ignored; max_events (default 10) an Atoi, start_time/end_time RFC3339, both also
 * ignored when malformed, exactly as cAdvisor does. A stream with a start or end time is cAdvisor's
 * 500 "for a call to watch, request.StartTime and request.EndTime must be uninitialized".
 *
 * Streams: each has a watch with STREAM_QUEUE slots. MHD calls read_cb on one of its threads; it
 * renders queued events (one JSON object and "\n" each) into the stream's pending buffer and copies
 * out what fits. With nothing queued it returns 0 after cadv_event_watch_pop parked the stream,
 * i.e. suspended the connection under the watch's lock; the producer that queues the next event
 * resumes it under the same lock, so a resume never precedes its suspend.
 *
 * Threads and locks: streams_lock guards the list of open streams and the monitor's state. The
 * monitor thread wakes every MONITOR_MS, poll()s the sockets of all open streams for a hang-up
 * (POLLRDHUP) and closes the watch of each (which resumes a parked stream; read_cb then ends it).
 * The monitor also logs each stream's new drops (dropped_logged is the monitor's, then free_cb's).
 * The stream is freed by MHD's response free callback (after the connection completed), which
 * removes it from the list under streams_lock, so the monitor never sees a freed stream. */
#include "api/api_events.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api/api_parse.h"
#include "api/reply.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "events/store.h"
#include "manager/manager.h"
#include "wire/http.h"

#define STREAM_QUEUE   1024u /* events queued per stream before drops */
#define STREAM_BLOCK   4096u
#define STREAM_MAX     4096u /* open streams (MHD's connection limit is lower) */
#define MONITOR_MS     250
#define EVENT_JSON_MAX (64u * 1024u)
/* Kernel send buffer of a stream's socket: without it autotuning lets a client that stops reading
 * pin megabytes per stream; events are small and rare, so a stuck client should reach its queue. */
#define STREAM_SNDBUF  (32 * 1024)

struct stream {
    struct MHD_Connection *con;
    struct cadv_events *events;
    struct cadv_event_watch *w;
    int fd;
    char *name;
    struct cadv_buf pending;
    size_t off;
    uint64_t dropped_logged;
    size_t idx; /* in streams[] */
};

static pthread_mutex_t streams_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stream **streams;
static size_t n_streams, cap_streams;
static bool monitor_running, monitor_stop, shut_down;
static pthread_t monitor;
static pthread_cond_t monitor_cond;

/* ---- query ---- */

struct events_request {
    struct cadv_event_query q;
    bool stream;
    char *name;
};

static void query_bool(const struct cadv_http_request *req, const char *key, bool *v)
{
    const char *s = cadv_http_query(req, key);

    if (s)
        (void)cadv_parse_bool(s, v); /* cAdvisor ignores an invalid value */
}

static void parse_request(const struct cadv_http_request *req, const struct cadv_api_path *p,
                          struct events_request *r)
{
    static const struct {
        const char *key;
        enum cadv_event_type t;
    } types[] = {{"oom_events", CADV_EVENT_OOM},
                 {"oom_kill_events", CADV_EVENT_OOM_KILL},
                 {"creation_events", CADV_EVENT_CREATION},
                 {"deletion_events", CADV_EVENT_DELETION}};
    const char *s;
    bool all = false;
    int64_t n;
    uint64_t t;

    memset(r, 0, sizeof(*r));
    r->q.max_events = 10;
    query_bool(req, "stream", &r->stream);
    query_bool(req, "subcontainers", &r->q.subcontainers);
    query_bool(req, "all_events", &all);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        bool v = false;

        query_bool(req, types[i].key, &v);
        if (all || v)
            r->q.types |= 1u << types[i].t;
    }
    s = cadv_http_query(req, "max_events");
    if (s && cadv_parse_go_int(s, 10, 64, &n) == 0)
        r->q.max_events = n;
    s = cadv_http_query(req, "start_time");
    if (s && cadv_parse_rfc3339(s, &t) == 0)
        r->q.start_ns = t ? t : 1; /* 0 means unbounded here; the epoch is a real bound */
    s = cadv_http_query(req, "end_time");
    if (s && cadv_parse_rfc3339(s, &t) == 0)
        r->q.end_ns = t ? t : 1;
    r->name = cadv_api_container_name(p->rest);
    r->q.container = r->name;
}

static void reply_list(struct cadv_manager *m, struct events_request *r, struct cadv_http_reply *rep)
{
    struct cadv_event *ev = NULL;
    struct cadv_json w;
    struct cadv_buf b;
    size_t n = 0;

    (void)cadv_events_query(cadv_manager_events(m), &r->q, &ev, &n);
    cadv_api_json_begin(&b, &w);
    cadv_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            cadv_buf_putc(&b, ',');
        cadv_event_json(&b, &ev[i]);
    }
    cadv_buf_putc(&b, ']');
    cadv_event_array_free(ev, n);
    cadv_api_reply_json(rep, &b);
}

/* ---- streams ---- */

static void on_park(void *ctx)
{
    struct stream *s = ctx;

    MHD_suspend_connection(s->con);
}

static void on_wake(void *ctx)
{
    struct stream *s = ctx;

    MHD_resume_connection(s->con);
}

static void log_drops(struct stream *s)
{
    uint64_t d = cadv_event_watch_dropped(s->w);

    if (d > s->dropped_logged) {
        cadv_log(CADV_LOG_WARNING,
                 "events: a stream of '%s' dropped %llu events (%llu in all): the client reads too slowly",
                 s->name, (unsigned long long)(d - s->dropped_logged), (unsigned long long)d);
        s->dropped_logged = d;
    }
}

static ssize_t read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    size_t n;

    (void)pos;
    while (s->off == s->pending.len) {
        struct cadv_event ev;
        /* Park only when nothing is pending: a parked stream must return 0 (nothing written). */
        int r = cadv_event_watch_pop(s->w, &ev, on_park, s);

        cadv_buf_clear(&s->pending);
        s->off = 0;
        if (r == -EAGAIN)
            return 0; /* suspended; the next event resumes us */
        if (r < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        cadv_event_json(&s->pending, &ev);
        cadv_event_done(&ev);
        if (s->pending.overflow) {
            cadv_log(CADV_LOG_WARNING, "events: an event of '%s' is too large to stream, skipping", s->name);
            cadv_buf_clear(&s->pending);
            continue;
        }
        cadv_buf_putc(&s->pending, '\n');
        /* Batch what else is queued now, without parking. */
        while (s->pending.len < max && cadv_event_watch_pop(s->w, &ev, NULL, NULL) == 0) {
            size_t before = s->pending.len;

            cadv_event_json(&s->pending, &ev);
            cadv_event_done(&ev);
            cadv_buf_putc(&s->pending, '\n');
            if (s->pending.overflow) {
                s->pending.len = before;
                s->pending.overflow = false;
                break;
            }
        }
    }
    n = s->pending.len - s->off;
    if (n > max)
        n = max;
    memcpy(buf, s->pending.data + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void free_cb(void *cls)
{
    struct stream *s = cls;

    pthread_mutex_lock(&streams_lock);
    streams[s->idx] = streams[--n_streams];
    streams[s->idx]->idx = s->idx;
    pthread_mutex_unlock(&streams_lock);
    log_drops(s);
    cadv_events_unwatch(s->events, s->w);
    cadv_buf_done(&s->pending);
    cadv_log(CADV_LOG_DEBUG, "events: a stream of '%s' ended", s->name);
    free(s->name);
    free(s);
}

static void *monitor_main(void *arg)
{
    struct pollfd *fds = NULL;
    size_t cap = 0;

    (void)arg;
    pthread_mutex_lock(&streams_lock);
    while (!monitor_stop) {
        struct timespec ts;
        size_t n = n_streams;

        cadv_xgrow((void **)&fds, &cap, n + 1, sizeof(*fds));
        for (size_t i = 0; i < n; i++)
            fds[i] = (struct pollfd){.fd = streams[i]->fd, .events = POLLRDHUP};
        /* poll with timeout 0 does not block: fine under the lock. */
        if (n > 0 && poll(fds, n, 0) > 0)
            for (size_t i = 0; i < n; i++)
                if (fds[i].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
                    cadv_event_watch_close(streams[i]->w);
        /* Drops are logged here, within MONITOR_MS, even for a client that never reads again. */
        for (size_t i = 0; i < n; i++)
            log_drops(streams[i]);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += MONITOR_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&monitor_cond, &streams_lock, &ts);
    }
    pthread_mutex_unlock(&streams_lock);
    free(fds);
    return NULL;
}

/* Registers s; starts the monitor on first use. Returns 0 or a negative errno. streams_lock held. */
static int register_stream(struct stream *s)
{
    if (shut_down || n_streams >= STREAM_MAX)
        return -EBUSY;
    if (!monitor_running) {
        pthread_condattr_t a;
        int r;

        pthread_condattr_init(&a);
        pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        pthread_cond_init(&monitor_cond, &a);
        pthread_condattr_destroy(&a);
        monitor_stop = false;
        r = pthread_create(&monitor, NULL, monitor_main, NULL);
        if (r != 0) {
            pthread_cond_destroy(&monitor_cond);
            return -r;
        }
        monitor_running = true;
    }
    cadv_xgrow((void **)&streams, &cap_streams, n_streams + 1, sizeof(*streams));
    s->idx = n_streams;
    streams[n_streams++] = s;
    return 0;
}

int cadv_api_events_send(struct MHD_Connection *con, struct cadv_http_reply *rep)
{
    struct stream *s = rep->stream;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct MHD_Response *resp;
    enum MHD_Result ret;
    int r;

    rep->stream = NULL;
    s->con = con;
    s->fd = ci ? ci->connect_fd : -1;
    if (s->fd >= 0) {
        int v = STREAM_SNDBUF;

        (void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
    }
    pthread_mutex_lock(&streams_lock);
    r = register_stream(s);
    pthread_mutex_unlock(&streams_lock);
    if (r < 0) {
        cadv_events_unwatch(s->events, s->w);
        cadv_buf_done(&s->pending);
        free(s->name);
        free(s);
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        ret = MHD_queue_response(con, r == -EBUSY ? 503 : 500, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, read_cb, s, free_cb);
    if (!resp) {
        free_cb(s);
        return MHD_NO;
    }
    ret = MHD_queue_response(con, 200, resp);
    MHD_destroy_response(resp); /* MHD keeps its own reference; free_cb runs when it is done */
    return ret;
}

void cadv_api_events_startup(void)
{
    pthread_mutex_lock(&streams_lock);
    shut_down = false;
    pthread_mutex_unlock(&streams_lock);
}

void cadv_api_events_shutdown(void)
{
    bool join;

    pthread_mutex_lock(&streams_lock);
    shut_down = true;
    for (size_t i = 0; i < n_streams; i++)
        cadv_event_watch_close(streams[i]->w);
    join = monitor_running;
    monitor_stop = true;
    if (join)
        pthread_cond_signal(&monitor_cond);
    monitor_running = false;
    pthread_mutex_unlock(&streams_lock);
    if (join) {
        pthread_join(monitor, NULL);
        pthread_cond_destroy(&monitor_cond);
    }
}

uint64_t cadv_api_events_streams(void)
{
    uint64_t n;

    pthread_mutex_lock(&streams_lock);
    n = n_streams;
    pthread_mutex_unlock(&streams_lock);
    return n;
}

static void start_stream(struct cadv_manager *m, struct events_request *r, struct cadv_http_reply *rep)
{
    struct stream *s;

    if (r->q.start_ns || r->q.end_ns) {
        cadv_http_reply_error(
                rep, 500, "for a call to watch, request.StartTime and request.EndTime must be uninitialized");
        return;
    }
    s = cadv_xcalloc(1, sizeof(*s));
    s->events = cadv_manager_events(m);
    s->name = r->name;
    r->name = NULL;
    r->q.container = s->name;
    cadv_buf_init(&s->pending, EVENT_JSON_MAX);
    s->w = cadv_events_watch(s->events, &r->q, STREAM_QUEUE, on_wake, s);
    rep->status = 200;
    rep->stream = s;
}

void cadv_api_events_handle(struct cadv_manager *m, const struct cadv_http_request *req,
                            const struct cadv_api_path *p, struct cadv_http_reply *rep)
{
    struct events_request r;

    parse_request(req, p, &r);
    if (r.stream)
        start_stream(m, &r, rep);
    else
        reply_list(m, &r, rep);
    free(r.name);
}
