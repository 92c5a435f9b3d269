/* SPDX-License-Identifier: Apache-2.0 */
/* stress_worker.c - the manager's thread helper (manager/worker.h) under churn: rounds of workers of
 * the three kinds the manager runs (one sleeping on a condition variable, one polling an eventfd, one
 * spinning on the stop flag) started and stopped from several threads at once, some stopped at once
 * after their start, some twice, and one never started. Checks that every stop returns (join), that
 * each started thread ran and saw the stop, and that a second stop is a no-op. Plain main() so that
 * it runs under TSan (the wake-up protocol of worker_stop) and ASan. Exits 0 when every check held. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "manager/worker.h"

#define N_STOPPERS 4
#define ROUNDS     50

static atomic_int failures;

#define CHECK(cond, ...)                                         \
    do {                                                         \
        if (!(cond) && atomic_fetch_add(&failures, 1) < 20) {    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                        \
            fputc('\n', stderr);                                 \
        }                                                        \
    } while (0)

/* A worker that sleeps on a condition variable (the collector and the metadata worker), stopped by
 * worker_stop_cond. */
struct cond_job {
    struct worker w;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_int ran, saw_stop;
};

static void *cond_main(void *arg)
{
    struct cond_job *j = arg;

    atomic_store(&j->ran, 1);
    pthread_mutex_lock(&j->lock);
    while (!worker_stopping(&j->w))
        pthread_cond_wait(&j->cond, &j->lock); /* no timeout: a lost wake-up hangs the test */
    pthread_mutex_unlock(&j->lock);
    atomic_store(&j->saw_stop, 1);
    return NULL;
}

/* A worker that poll()s an eventfd (the watcher and the OOM watcher). */
struct fd_job {
    struct worker w;
    int fd;
    atomic_int ran, saw_stop;
};

static void *fd_main(void *arg)
{
    struct fd_job *j = arg;

    atomic_store(&j->ran, 1);
    while (!worker_stopping(&j->w)) {
        struct pollfd p = {.fd = j->fd, .events = POLLIN};
        uint64_t v;

        if (poll(&p, 1, -1) > 0 && read(j->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
            break;
    }
    atomic_store(&j->saw_stop, worker_stopping(&j->w) ? 1 : 0);
    return NULL;
}

static void fd_wake(void *arg)
{
    struct fd_job *j = arg;
    uint64_t one = 1;

    CHECK(write(j->fd, &one, sizeof(one)) == sizeof(one), "eventfd write failed");
}

/* A worker that only polls the flag (no wake callback). */
struct spin_job {
    struct worker w;
    atomic_int ran, saw_stop;
};

static void *spin_main(void *arg)
{
    struct spin_job *j = arg;

    atomic_store(&j->ran, 1);
    while (!worker_stopping(&j->w))
        sched_yield();
    atomic_store(&j->saw_stop, 1);
    return NULL;
}

static void one_round(unsigned seed)
{
    struct cond_job cj = {0};
    struct fd_job fj = {0};
    struct spin_job sj = {0};
    struct worker never = {0};

    pthread_mutex_init(&cj.lock, NULL);
    pthread_cond_init(&cj.cond, NULL);
    fj.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    CHECK(fj.fd >= 0, "eventfd failed");
    CHECK(worker_start(&cj.w, "stress-cond", cond_main, &cj) == 0, "start cond");
    CHECK(worker_start(&fj.w, "stress-fd-worker-long-name", fd_main, &fj) == 0, "start fd");
    CHECK(worker_start(&sj.w, "stress-spin", spin_main, &sj) == 0, "start spin");
    if (seed % 3 != 0) /* else: stop at once, maybe before the threads ran */
        sched_yield();
    worker_stop_cond(&cj.w, &cj.lock, &cj.cond);
    worker_stop(&fj.w, fd_wake, &fj);
    worker_stop(&sj.w, NULL, NULL);
    if (seed % 2 == 0) { /* idempotent */
        worker_stop_cond(&cj.w, &cj.lock, &cj.cond);
        worker_stop(&sj.w, NULL, NULL);
    }
    worker_stop(&never, NULL, NULL); /* never started: a no-op */
    CHECK(atomic_load(&cj.ran) && atomic_load(&cj.saw_stop), "cond worker: ran %d saw_stop %d",
          atomic_load(&cj.ran), atomic_load(&cj.saw_stop));
    CHECK(atomic_load(&fj.ran) && atomic_load(&fj.saw_stop), "fd worker: ran %d saw_stop %d",
          atomic_load(&fj.ran), atomic_load(&fj.saw_stop));
    CHECK(atomic_load(&sj.ran) && atomic_load(&sj.saw_stop), "spin worker");
    CHECK(!cj.w.started && !fj.w.started && !sj.w.started && !never.started, "started flags");
    close(fj.fd);
    pthread_cond_destroy(&cj.cond);
    pthread_mutex_destroy(&cj.lock);
}

static void *stopper_main(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;

    for (unsigned i = 0; i < ROUNDS; i++)
        one_round(id * ROUNDS + i);
    return NULL;
}

int main(void)
{
    pthread_t t[N_STOPPERS];

    for (uintptr_t i = 0; i < N_STOPPERS; i++)
        if (pthread_create(&t[i], NULL, stopper_main, (void *)i) != 0)
            return 1;
    for (size_t i = 0; i < N_STOPPERS; i++)
        pthread_join(t[i], NULL);
    if (atomic_load(&failures) > 0) {
        fprintf(stderr, "%d check(s) failed\n", atomic_load(&failures));
        return 1;
    }
    printf("stress_worker: %d rounds of 3 workers on %d threads, every stop joined\n", N_STOPPERS * ROUNDS,
           N_STOPPERS);
    return 0;
}
