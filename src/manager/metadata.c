/* SPDX-License-Identifier: Apache-2.0 */
/* metadata.c - the metadata worker thread. A container claimed by a runtime plugin is collected as
 * raw at once; its identity (names, labels, image...) comes later from the plugin's inspect, which
 * may be slow (runtime API calls), so it runs here. -ENOENT passes the cgroup to the next plugin
 * that claims it (runtime.h: MAYBE), then to raw; other errors are retried with exponential backoff
 * (1 s .. 60 s); a plugin that asks for it (refresh_interval_ns) is inspected again periodically.
 * In between, it steps the writable-layer usage walks and measures the machine's filesystems
 * (machinefs.h). */
#include "manager/metadata.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect/cgroup.h"
#include "collect/fsusage.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "manager/internal.h"
#include "manager/machinefs.h"
#include "manager/manager.h"
#include "manager/registry.h"
#include "model/kinds.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"
#include "runtime/runtime.h"

#define MD_QUEUE_MAX     4096
#define MD_BACKOFF_MAX   (60 * CADV_NS_PER_SEC)
#define ENOENT_RETRY_NS  (2 * CADV_NS_PER_SEC)
#define FS_STEP_ENTRIES  4096                   /* directory entries visited per step of a usage walk */
#define ABOUT_REFRESH_NS (60 * CADV_NS_PER_SEC) /* docker's version and root, asked again */
#define ABOUT_RETRY_NS   (10 * CADV_NS_PER_SEC) /* ... while the runtime does not answer */

struct md_item {
    struct cadv_container *c; /* reference held by the queue */
    uint64_t not_before_mono;
    unsigned attempts;   /* failures other than -ENOENT so far */
    bool enoent_retried; /* -ENOENT was answered once already */
};

/* Filesystem usage of writable layers (cAdvisor's realFsHandler): one resumable walk per runtime
 * container that has a writable layer, stepped a bounded number of entries at a time so that
 * inspections are not held up; a completed pass is published to the container for the collector. */

struct md_fs {
    struct cadv_container *c; /* reference */
    struct cadv_fsusage *u;
    char *rootfs_dir;
    uint32_t major, minor;
    bool have_dev;
};

static void fs_entry_done(struct md_fs *e)
{
    cadv_fsusage_free(e->u);
    free(e->rootfs_dir);
    cadv_container_unref(e->c);
}

/* Starts measuring c's writable layer (metadata worker). */
static void fs_track(struct cadv_manager *m, struct cadv_container *c, const struct cadv_runtime_info *info)
{
    struct md_fs *e;

    if (c->fs_tracked || !info->rootfs_dir || !info->rootfs_dir[0] || !(m->kinds & CADV_KIND_DISK) ||
        m->n_fsq >= CADV_MANAGER_MAX_CONTAINERS)
        return;
    cadv_xgrow((void **)&m->fsq, &m->cap_fsq, m->n_fsq + 1, sizeof(*m->fsq));
    e = &m->fsq[m->n_fsq++];
    *e = (struct md_fs){
            .c = cadv_container_ref(c),
            .u = cadv_fsusage_new(info->rootfs_dir, info->extra_dir, 0),
            .rootfs_dir = cadv_xstrdup(info->rootfs_dir),
    };
    c->fs_tracked = true;
}

/* Turns a completed pass into the container's FsStats. */
static void fs_publish(struct cadv_manager *m, struct md_fs *e)
{
    struct cadv_fsusage_result res;
    struct cadv_machine_info *mi;
    struct cadv_fs_stats fs;
    int r;

    if (cadv_fsusage_result(e->u, &res) < 0)
        return;
    if (!e->have_dev)
        e->have_dev = cadv_fsusage_dir_dev(e->rootfs_dir, &e->major, &e->minor) == 0;
    if (!e->have_dev)
        return;
    mi = cadv_manager_machine_info(m);
    memset(&fs, 0, sizeof(fs));
    /* The root container's per-device I/O figures are not copied in (NULL): they are not kept. */
    r = cadv_fsusage_fill_stats(&res, e->major, e->minor, mi, NULL, 0, &fs);
    cadv_machine_info_unref(mi);
    pthread_mutex_lock(&e->c->collect_lock);
    e->c->fs = fs;
    e->c->has_fs = r >= 0;
    pthread_mutex_unlock(&e->c->collect_lock);
}

/* When the next walk step is due (now for a dead container to drop). md_lock held (the walks are
 * the worker's own). */
static uint64_t fs_next_due(const struct cadv_manager *m, uint64_t now)
{
    uint64_t due = UINT64_MAX;

    for (size_t i = 0; i < m->n_fsq; i++) {
        uint64_t d = atomic_load(&m->fsq[i].c->alive) ? cadv_fsusage_next_due(m->fsq[i].u) : 0;

        if (d < now)
            d = now; /* 0: a pass is in progress */
        if (d < due)
            due = d;
    }
    return due;
}

/* One bounded piece of work: drops a dead container's walk or steps one due walk (round robin). */
static void fs_step(struct cadv_manager *m, uint64_t now)
{
    for (size_t k = 0; k < m->n_fsq; k++) {
        size_t i = (m->fs_next + k) % m->n_fsq;
        struct md_fs *e = &m->fsq[i];
        int r;

        if (!atomic_load(&e->c->alive)) {
            fs_entry_done(e);
            m->fsq[i] = m->fsq[--m->n_fsq];
            return;
        }
        if (!cadv_fsusage_due(e->u, now))
            continue;
        r = cadv_fsusage_step(e->u, FS_STEP_ENTRIES, now);
        if (r > 0)
            fs_publish(m, e);
        else if (r < 0)
            cadv_log_errno(CADV_LOG_DEBUG, r, "Filesystem usage of '%s' failed, backing off", e->c->name);
        m->fs_next = i + 1;
        return;
    }
}

void cadv_metadata_init(struct cadv_manager *m)
{
    pthread_condattr_t attr;

    pthread_mutex_init(&m->md_lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&m->md_cond, &attr);
    pthread_condattr_destroy(&attr);
}

void cadv_metadata_done(struct cadv_manager *m)
{
    for (size_t i = 0; i < m->n_fsq; i++)
        fs_entry_done(&m->fsq[i]);
    free(m->fsq);
    m->fsq = NULL;
    m->n_fsq = m->cap_fsq = 0;
    for (size_t i = 0; i < m->n_mdq; i++)
        cadv_container_unref(m->mdq[i].c);
    free(m->mdq);
    m->mdq = NULL;
    m->n_mdq = m->cap_mdq = 0;
    pthread_cond_destroy(&m->md_cond);
    pthread_mutex_destroy(&m->md_lock);
}

/* Queues c, taking over the caller's reference (dropped if the queue is full). */
static void push(struct cadv_manager *m, struct cadv_container *c, uint64_t not_before, unsigned attempts,
                 bool enoent_retried)
{
    bool full;

    pthread_mutex_lock(&m->md_lock);
    full = m->n_mdq >= MD_QUEUE_MAX;
    if (!full) {
        cadv_xgrow((void **)&m->mdq, &m->cap_mdq, m->n_mdq + 1, sizeof(*m->mdq));
        m->mdq[m->n_mdq++] = (struct md_item){.c = c,
                                              .not_before_mono = not_before,
                                              .attempts = attempts,
                                              .enoent_retried = enoent_retried};
        pthread_cond_signal(&m->md_cond);
    }
    pthread_mutex_unlock(&m->md_lock);
    if (full) {
        if (atomic_fetch_add(&m->md_dropped_total, 1) == 0)
            cadv_log(CADV_LOG_WARNING, "Metadata queue full (%d), container '%s' stays raw, skipping",
                     MD_QUEUE_MAX, c->name);
        cadv_container_unref(c);
    }
}

void cadv_metadata_enqueue(struct cadv_manager *m, struct cadv_container *c)
{
    push(m, cadv_container_ref(c), 0, 0, false);
}

/* The inspect of c->rt_index said "no such container": the next plugin that claims the name (YES or
 * MAYBE), else raw, whose rule may drop the container. Takes c's reference. */
static void fall_through(struct cadv_manager *m, struct cadv_container *c)
{
    for (size_t j = (size_t)c->rt_index + 1; j < m->n_runtimes; j++) {
        const struct cadv_runtime *rt = m->runtimes[j];
        char id[CADV_RT_ID_MAX] = "";
        enum cadv_claim claim;

        if (!m->rt_ok[j])
            continue;
        claim = rt->claims(m->rt_states[j], c->name, id, sizeof(id));
        if (claim == CADV_CLAIM_NO)
            continue;
        if (claim == CADV_CLAIM_IGNORE) {
            cadv_manager_reject_container(m, c);
            break;
        }
        c->rt_index = (int)j;
        memcpy(c->rt_id, id, sizeof(id));
        push(m, c, 0, 0, false);
        return;
    }
    if (c->rt_index >= 0 && !cadv_manager_raw_accepts(m, c->name)) {
        cadv_log(CADV_LOG_DEBUG, "Container '%s' is no runtime's and not accepted as raw, dropping it",
                 c->name);
        cadv_manager_reject_container(m, c);
    }
    c->rt_index = -1;
    cadv_container_unref(c);
}

/* Calls the plugin's inspect_full. */
static int inspect(struct cadv_manager *m, struct cadv_container *c, struct cadv_spec *spec,
                   struct cadv_runtime_info *info)
{
    const struct cadv_runtime *rt = m->runtimes[c->rt_index];
    void *state = m->rt_states[c->rt_index];

    if (!m->rt_ok[c->rt_index])
        return -ENOENT; /* its init failed: it owns nothing */
    return rt->inspect_full(state, c->name, c->rt_id, spec, info);
}

/* Re-reads c's limits from its cgroup. A runtime writes them just after creating the cgroup, which
 * is when cadv first read them; by the time its API answers for the container it has written them,
 * so reading here, before the identity is published, lets name and limits appear together. */
static void refresh_limits(struct cadv_container *c)
{
    struct cadv_spec limits;

    cadv_spec_init(&limits);
    pthread_mutex_lock(&c->collect_lock);
    if (c->cg && cadv_cgroup_read_spec(c->cg, &limits) >= 0)
        cadv_container_set_limits(c, &limits);
    pthread_mutex_unlock(&c->collect_lock);
    cadv_spec_done(&limits);
}

/* Inspects one container; takes the item's reference. */
static void process(struct cadv_manager *m, struct md_item *it)
{
    struct cadv_container *c = it->c;
    struct cadv_runtime_info info = {0};
    struct cadv_spec spec;
    const char *rt_name;
    int r;

    if (!atomic_load(&c->alive) || c->rt_index < 0) {
        cadv_container_unref(c);
        return;
    }
    rt_name = m->runtimes[c->rt_index]->name;
    cadv_spec_init(&spec);
    r = inspect(m, c, &spec, &info);
    if (r >= 0) {
        uint64_t again = info.refresh_interval_ns;

        fs_track(m, c, &info);
        /* The spec says a filesystem exactly when its writable layer is measured, so that the v2
         * stats carry the block the v1 stats do (cAdvisor: the disk kind is on and the storage
         * driver is one it measures). */
        spec.has_filesystem = c->fs_tracked;
        refresh_limits(c);
        cadv_container_set_identity(m, c, &spec, &info);
        cadv_log(CADV_LOG_DEBUG, "Container '%s' identified by %s", c->name, rt_name);
        if (m->rt_down_logged[c->rt_index]) {
            cadv_log(CADV_LOG_INFO, "Runtime %s answers again", rt_name);
            m->about_due_mono[c->rt_index] = 0; /* it may have restarted as another version */
        }
        m->rt_down_logged[c->rt_index] = false;
        if (again)
            push(m, c, cadv_mono_ns() + again, 0, false);
        else
            cadv_container_unref(c);
    } else if (r == -ENOENT && !it->enoent_retried) {
        /* A runtime may not know a container whose cgroup it is still creating (docker reports it
         * running only once started): ask once more before passing it on (cAdvisor retries such
         * cgroups at its next global housekeeping). */
        push(m, c, cadv_mono_ns() + ENOENT_RETRY_NS, it->attempts, true);
    } else if (r == -ENOENT) {
        fall_through(m, c);
    } else {
        unsigned shift = it->attempts < 6 ? it->attempts : 6;
        uint64_t backoff = CADV_NS_PER_SEC << shift;

        if (backoff > MD_BACKOFF_MAX)
            backoff = MD_BACKOFF_MAX;
        /* Once per outage of a runtime, not once per container. */
        if (!m->rt_down_logged[c->rt_index])
            cadv_log_errno(CADV_LOG_INFO, r, "Inspecting '%s' with %s failed, retrying with back-off",
                           c->name, rt_name);
        m->rt_down_logged[c->rt_index] = true;
        push(m, c, cadv_mono_ns() + backoff, it->attempts + 1, it->enoent_retried);
    }
    cadv_runtime_info_done(&info);
    cadv_spec_done(&spec);
}

/* Runtimes' own descriptions (runtime.h about): docker's version for the attributes and
 * cadvisor_version_info, its root for the docker-images filesystem label. Asked at start, every
 * ABOUT_REFRESH_NS and as soon as the runtime answers again after an outage (a restarted daemon
 * may be another version); the last answer is kept while the runtime is down. */

static uint64_t about_next_due(const struct cadv_manager *m)
{
    uint64_t due = UINT64_MAX;

    for (size_t j = 0; j < m->n_runtimes; j++)
        if (m->rt_ok[j] && m->runtimes[j]->about && m->about_due_mono[j] < due)
            due = m->about_due_mono[j];
    return due;
}

/* Replaces *dst with a copy of src when they differ. Returns true if it did. */
static bool swap_str(char **dst, const char *src)
{
    if (!src || (*dst && strcmp(*dst, src) == 0))
        return false;
    free(*dst);
    *dst = cadv_xstrdup(src);
    return true;
}

static void about_publish(struct cadv_manager *m, const struct cadv_runtime_about *a)
{
    bool changed;

    if (a->docker_root && a->docker_root[0] == '/')
        cadv_machinefs_set_docker_root(m->machinefs, a->docker_root);
    pthread_mutex_lock(&m->mi_lock);
    changed = swap_str(&m->docker_version, a->docker_version);
    changed = swap_str(&m->docker_api_version, a->docker_api_version) || changed;
    pthread_mutex_unlock(&m->mi_lock);
    if (!changed)
        return;
    cadv_log(CADV_LOG_INFO, "Docker version '%s' (API '%s')", a->docker_version ? a->docker_version : "",
             a->docker_api_version ? a->docker_api_version : "");
    cadv_manager_update_machine_info(m); /* publishes the versions */
}

static void about_step(struct cadv_manager *m, uint64_t now)
{
    for (size_t j = 0; j < m->n_runtimes; j++) {
        struct cadv_runtime_about a = {0};
        int r;

        if (!m->rt_ok[j] || !m->runtimes[j]->about || m->about_due_mono[j] > now)
            continue;
        r = m->runtimes[j]->about(m->rt_states[j], &a);
        m->about_due_mono[j] = cadv_mono_ns() + (r < 0 ? ABOUT_RETRY_NS : ABOUT_REFRESH_NS);
        if (r >= 0)
            about_publish(m, &a);
        else
            cadv_log_errno(CADV_LOG_DEBUG, r, "Asking %s about itself failed, retrying later",
                           m->runtimes[j]->name);
        cadv_runtime_about_done(&a);
    }
}

/* Index of the item due first. md_lock held, queue not empty. */
static size_t first_due(const struct cadv_manager *m)
{
    size_t best = 0;

    for (size_t i = 1; i < m->n_mdq; i++)
        if (m->mdq[i].not_before_mono < m->mdq[best].not_before_mono)
            best = i;
    return best;
}

static void *md_main(void *arg)
{
    struct cadv_manager *m = arg;

    pthread_mutex_lock(&m->md_lock);
    while (!m->md_stop) {
        uint64_t now = cadv_mono_ns(), due = UINT64_MAX, fs_due;
        size_t i = m->n_mdq > 0 ? first_due(m) : SIZE_MAX;
        struct md_item it;

        if (i != SIZE_MAX && m->mdq[i].not_before_mono <= now) {
            it = m->mdq[i];
            m->mdq[i] = m->mdq[--m->n_mdq];
            pthread_mutex_unlock(&m->md_lock);
            process(m, &it);
            pthread_mutex_lock(&m->md_lock);
            continue;
        }
        fs_due = fs_next_due(m, now);
        if (fs_due <= now) {
            pthread_mutex_unlock(&m->md_lock);
            fs_step(m, now);
            pthread_mutex_lock(&m->md_lock);
            continue;
        }
        if (cadv_machinefs_next_due(m->machinefs) <= now) {
            pthread_mutex_unlock(&m->md_lock);
            cadv_machinefs_update(m->machinefs, now);
            pthread_mutex_lock(&m->md_lock);
            continue;
        }
        if (about_next_due(m) <= now) {
            pthread_mutex_unlock(&m->md_lock);
            about_step(m, now);
            pthread_mutex_lock(&m->md_lock);
            continue;
        }
        if (cadv_machinefs_next_due(m->machinefs) < fs_due)
            fs_due = cadv_machinefs_next_due(m->machinefs);
        if (about_next_due(m) < fs_due)
            fs_due = about_next_due(m);
        due = i != SIZE_MAX ? m->mdq[i].not_before_mono : UINT64_MAX;
        if (fs_due < due)
            due = fs_due;
        if (due == UINT64_MAX) {
            pthread_cond_wait(&m->md_cond, &m->md_lock);
        } else {
            struct timespec ts = {.tv_sec = (time_t)(due / CADV_NS_PER_SEC),
                                  .tv_nsec = (long)(due % CADV_NS_PER_SEC)};

            (void)pthread_cond_timedwait(&m->md_cond, &m->md_lock, &ts);
        }
    }
    pthread_mutex_unlock(&m->md_lock);
    return NULL;
}

int cadv_metadata_start(struct cadv_manager *m)
{
    int r;

    m->md_stop = false;
    r = pthread_create(&m->md_thread, NULL, md_main, m);
    if (r != 0)
        return -r;
    m->md_started = true;
    return 0;
}

void cadv_metadata_stop(struct cadv_manager *m)
{
    if (!m->md_started)
        return;
    pthread_mutex_lock(&m->md_lock);
    m->md_stop = true;
    pthread_cond_broadcast(&m->md_cond);
    pthread_mutex_unlock(&m->md_lock);
    pthread_join(m->md_thread, NULL);
    m->md_started = false;
}
