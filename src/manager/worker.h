/* SPDX-License-Identifier: Apache-2.0 */
/* worker.h - one named thread of the manager (collector, metadata worker, watcher, OOM watcher):
 * start, signal stop, join. The stop flag is atomic; a thread that sleeps on a condition variable
 * or a poll() checks worker_stopping() under the same lock (or after the same wake-up) that its
 * wake callback takes (or writes), so that a stop is never missed. Internal to src/manager/. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Embedded in its owner; zero-initialised means "not started". */
struct worker {
    pthread_t thread;
    atomic_bool stop;
    bool started; /* owner's thread only (start and stop) */
};

/* Starts fn(arg) on a new thread named name (truncated to 15 characters). Returns 0 or a negative
 * errno (nothing started). */
int worker_start(struct worker *w, const char *name, void *(*fn)(void *), void *arg);
/* True once worker_stop was called. Any thread. */
bool worker_stopping(struct worker *w);
/* Sets the stop flag, calls wake(arg) (wakes the thread wherever it sleeps), and joins it. Idempotent;
 * a no-op if the thread was not started. */
void worker_stop(struct worker *w, void (*wake)(void *arg), void *arg);
/* worker_stop for a thread that sleeps on cond with lock: wakes it with a broadcast under lock. */
void worker_stop_cond(struct worker *w, pthread_mutex_t *lock, pthread_cond_t *cond);
