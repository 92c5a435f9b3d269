/* SPDX-License-Identifier: Apache-2.0 */
/* oom.c - the OOM watcher thread (manager/oom.h).
 *
 * DESIGN: one thread poll()s the kernel log fd and an eventfd (stop). /dev/kmsg returns one
 * record per read (EAGAIN when drained, EPIPE when records were overwritten before we read them);
 * a regular file or FIFO given as --kmsg_path (tests) returns many lines per read, so input is
 * split into lines either way and continuation lines (starting with a space) are skipped. At end
 * of file the thread waits 200 ms and reads again. Timestamps are boot time (CLOCK_REALTIME minus
 * CLOCK_BOOTTIME at start) plus the record's microseconds, as cAdvisor computes them.
 *
 * counts (name -> kills) is guarded by lock; n_names lets the collector skip the lookup while no
 * OOM was ever seen. */
#include "manager/oom.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "collect/kmsg.h"
#include "config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "events/store.h"
#include "manager/container.h"
#include "manager/hmap.h"
#include "manager/worker.h"
#include "model/sample.h"

#define KMSG_BUF     16384 /* a /dev/kmsg read needs room for a whole record (<= 8 KiB) */
#define MAX_NAMES    65536 /* counted cgroup names, like the registry's bound */
/* How long a kill counted by a cgroup may wait for its kernel log lines before it is reported
 * without them. */
#define OOM_GRACE_NS (2 * CADV_NS_PER_SEC)

struct cadv_oom_watch {
    struct cadv_events *events; /* borrowed */
    int fd;
    int stop_fd; /* eventfd: wakes the thread to stop */
    struct worker worker;
    uint64_t boot_ns;
    struct cadv_oom_parser parser;
    char buf[KMSG_BUF + 1];
    size_t len;
    pthread_mutex_t lock;
    struct cadv_hmap *counts; /* name -> uint64_t * */
    atomic_size_t n_names;
    bool full_logged;
};

static uint64_t boot_time_ns(void)
{
    struct timespec b;

    if (clock_gettime(CLOCK_BOOTTIME, &b) < 0)
        return 0;
    return cadv_now_ns() - ((uint64_t)b.tv_sec * CADV_NS_PER_SEC + (uint64_t)b.tv_nsec);
}

static void count_kill(struct cadv_oom_watch *w, const char *name)
{
    uint64_t *v;

    pthread_mutex_lock(&w->lock);
    v = cadv_hmap_get(w->counts, name, strlen(name));
    if (!v && cadv_hmap_count(w->counts) < MAX_NAMES) {
        v = cadv_xcalloc(1, sizeof(*v));
        cadv_hmap_put(w->counts, name, strlen(name), v);
        atomic_store(&w->n_names, cadv_hmap_count(w->counts));
    } else if (!v && !w->full_logged) {
        w->full_logged = true;
        cadv_log(CADV_LOG_WARNING, "OOM counts kept for %d cgroups already, '%s' is not counted", MAX_NAMES,
                 name);
    }
    if (v)
        (*v)++;
    pthread_mutex_unlock(&w->lock);
}

static void report(struct cadv_oom_watch *w, const struct cadv_oom *o)
{
    struct cadv_event ev = {.type = CADV_EVENT_OOM, .timestamp_ns = w->boot_ns + o->usec * CADV_NS_PER_US};

    cadv_log(CADV_LOG_NOTICE, "OOM kill of process %lld ('%s') in '%s' (limit of '%s', %s)",
             (long long)o->pid, o->process, o->container, o->victim,
             o->constraint[0] ? o->constraint : "no constraint given");
    ev.container_name = cadv_xstrdup(o->container);
    cadv_events_add(w->events, &ev);
    count_kill(w, o->container);
    free(ev.container_name);
    ev.type = CADV_EVENT_OOM_KILL;
    ev.container_name = cadv_xstrdup(o->victim);
    ev.pid = o->pid;
    ev.process_name = cadv_xstrdup(o->process);
    ev.constraint = cadv_xstrdup(o->constraint);
    cadv_events_add(w->events, &ev);
    cadv_event_done(&ev);
}

/* Feeds every complete line in the buffer to the parser; keeps a partial last line. */
static void feed_lines(struct cadv_oom_watch *w)
{
    size_t off = 0;

    for (;;) {
        char *nl = memchr(w->buf + off, '\n', w->len - off);
        size_t n = nl ? (size_t)(nl - (w->buf + off)) : 0;
        const char *msg;
        size_t mlen;
        uint64_t usec;
        struct cadv_oom o;

        if (!nl)
            break;
        if (n > 0 && w->buf[off] != ' ' && cadv_kmsg_parse_record(w->buf + off, n, &usec, &msg, &mlen) == 0 &&
            cadv_oom_parser_feed(&w->parser, usec, msg, mlen, &o) == 1)
            report(w, &o);
        off += n + 1;
    }
    if (off == 0 && w->len == KMSG_BUF)
        off = w->len; /* a line longer than the buffer: not a kmsg record, drop it */
    memmove(w->buf, w->buf + off, w->len - off);
    w->len -= off;
}

/* Reads what is available. Returns 1 to wait for input, 0 at end of file, < 0 on a fatal error. */
static int read_some(struct cadv_oom_watch *w)
{
    for (;;) {
        ssize_t n = read(w->fd, w->buf + w->len, KMSG_BUF - w->len);

        if (n < 0 && errno == EPIPE) {
            cadv_log(CADV_LOG_DEBUG, "Kernel log records were overwritten before they were read");
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 1;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        w->len += (size_t)n;
        feed_lines(w);
    }
}

static void *watch_main(void *arg)
{
    struct cadv_oom_watch *w = arg;

    for (;;) {
        struct pollfd fds[2] = {{.fd = w->stop_fd, .events = POLLIN}, {.fd = w->fd, .events = POLLIN}};
        int r = read_some(w), timeout = -1;

        if (r < 0) {
            cadv_log_errno(CADV_LOG_WARNING, r, "Reading the kernel log failed; OOM events are off from now");
            return NULL;
        }
        if (r == 0) { /* end of a file or FIFO: look again later */
            fds[1].fd = -1;
            timeout = 200;
        }
        if (poll(fds, 2, timeout) < 0 && errno != EINTR)
            return NULL;
        if (fds[0].revents || worker_stopping(&w->worker))
            return NULL;
    }
}

int oom_watch_start(const char *kmsg_path, struct cadv_events *events, struct cadv_oom_watch **ret)
{
    const char *path = kmsg_path && *kmsg_path ? kmsg_path : "/dev/kmsg";
    struct cadv_oom_watch *w;
    int fd, r;

    *ret = NULL;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        cadv_log_errno(CADV_LOG_WARNING, -errno,
                       "Could not open the kernel log '%s', OOM events from it are disabled", path);
        return 0;
    }
    w = cadv_xcalloc(1, sizeof(*w));
    w->events = events;
    w->fd = fd;
    w->boot_ns = boot_time_ns();
    cadv_oom_parser_init(&w->parser);
    pthread_mutex_init(&w->lock, NULL);
    w->counts = cadv_hmap_new(free);
    w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->stop_fd < 0) {
        r = -errno;
        goto fail;
    }
    r = worker_start(&w->worker, "cadv-oom", watch_main, w);
    if (r < 0)
        goto fail;
    *ret = w;
    return 0;
fail:
    cadv_log_errno(CADV_LOG_WARNING, r, "Could not start the OOM watcher, OOM events are disabled");
    if (w->stop_fd >= 0)
        close(w->stop_fd);
    close(fd);
    cadv_hmap_free(w->counts);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return 0;
}

static void wake(void *arg)
{
    struct cadv_oom_watch *w = arg;
    uint64_t one = 1;

    if (write(w->stop_fd, &one, sizeof(one)) < 0)
        cadv_log_errno(CADV_LOG_WARNING, -errno, "Waking the OOM watcher failed");
}

struct cadv_oom_watch *oom_watch_stop(struct cadv_oom_watch *w)
{
    if (!w)
        return NULL;
    worker_stop(&w->worker, wake, w);
    close(w->stop_fd);
    close(w->fd);
    cadv_hmap_free(w->counts);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return NULL;
}

/* OOM kills seen in the cgroup named name (0 if none or w is NULL). Cheap while none was seen. */
static uint64_t oom_watch_count(struct cadv_oom_watch *w, const char *name)
{
    const uint64_t *v;
    uint64_t n;

    if (!w || atomic_load(&w->n_names) == 0)
        return 0;
    pthread_mutex_lock(&w->lock);
    v = cadv_hmap_get(w->counts, name, strlen(name));
    n = v ? *v : 0;
    pthread_mutex_unlock(&w->lock);
    return n;
}

uint64_t oom_recheck_ns(const struct cadv_container *c, uint64_t now_ns)
{
    uint64_t due = c->oom_deficit_since + OOM_GRACE_NS;

    if (!c->oom_deficit_since)
        return UINT64_MAX;
    return due > now_ns ? due - now_ns : 0;
}

static void emit_unreported(struct cadv_events *events, struct cadv_container *c, uint64_t n, uint64_t now_ns)
{
    struct cadv_event ev = {.container_name = c->name, .timestamp_ns = now_ns};

    cadv_log(CADV_LOG_NOTICE, "%llu OOM kill(s) in '%s' counted by the cgroup but absent from the kernel log",
             (unsigned long long)n, c->name);
    for (uint64_t i = 0; i < n; i++) {
        ev.type = CADV_EVENT_OOM;
        cadv_events_add(events, &ev);
        ev.type = CADV_EVENT_OOM_KILL;
        cadv_events_add(events, &ev);
    }
}

uint64_t oom_account(struct cadv_oom_watch *w, struct cadv_events *events, struct cadv_container *c,
                     const struct cadv_sample *s, uint64_t now_ns)
{
    uint64_t kmsg = oom_watch_count(w, c->name), counted, reported;

    if (!(s->c.has & CADV_HAS_OOM_KILL))
        return kmsg + c->oom_synth;
    counted = s->c.memory.events_oom_kill;
    if (!c->oom_based || counted < c->oom_base) { /* first sight, or the cgroup was re-created */
        c->oom_based = true;
        c->oom_base = counted;
        c->oom_kmsg_base = kmsg;
        c->oom_deficit_since = 0;
    }
    counted -= c->oom_base;
    reported = kmsg - c->oom_kmsg_base + c->oom_synth;
    if (counted <= reported) {
        c->oom_deficit_since = 0;
    } else if (!c->oom_deficit_since) {
        c->oom_deficit_since = now_ns; /* the kernel log may still be on its way */
    } else if (now_ns - c->oom_deficit_since >= OOM_GRACE_NS) {
        emit_unreported(events, c, counted - reported, now_ns);
        c->oom_synth += counted - reported;
        c->oom_deficit_since = 0;
    }
    return kmsg + c->oom_synth;
}
