/* SPDX-License-Identifier: Apache-2.0 */
/* worker.c - start, stop and join of the manager's threads (see worker.h). */
#include "manager/worker.h"

#include <stdio.h>

int worker_start(struct worker *w, const char *name, void *(*fn)(void *), void *arg)
{
    char short_name[16];
    int r;

    atomic_store(&w->stop, false);
    r = pthread_create(&w->thread, NULL, fn, arg);
    if (r != 0)
        return -r;
    w->started = true;
    /* Linux limits a thread name to 15 bytes; the name only helps ps and debuggers. */
    (void)snprintf(short_name, sizeof(short_name), "%s", name);
    (void)pthread_setname_np(w->thread, short_name);
    return 0;
}

bool worker_stopping(struct worker *w)
{
    return atomic_load(&w->stop);
}

void worker_stop(struct worker *w, void (*wake)(void *arg), void *arg)
{
    if (!w->started)
        return;
    atomic_store(&w->stop, true);
    if (wake)
        wake(arg);
    (void)pthread_join(w->thread, NULL);
    w->started = false;
}

struct cond_wake {
    pthread_mutex_t *lock;
    pthread_cond_t *cond;
};

/* Under the lock: the thread checks the stop flag under it before it waits, so the broadcast cannot
 * fall between its check and its wait. */
static void wake_cond(void *arg)
{
    const struct cond_wake *cw = arg;

    pthread_mutex_lock(cw->lock);
    pthread_cond_broadcast(cw->cond);
    pthread_mutex_unlock(cw->lock);
}

void worker_stop_cond(struct worker *w, pthread_mutex_t *lock, pthread_cond_t *cond)
{
    struct cond_wake cw = {.lock = lock, .cond = cond};

    worker_stop(w, wake_cond, &cw);
}
