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
#include "config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "manager/appwire.h"
#include "manager/container.h"
#include "manager/lifecycle.h"
#include "manager/machinefs.h"
#include "manager/manager.h"
#include "manager/registry.h"
#include "manager/worker.h"
#include "model/kinds.h"
#include "model/machine.h"
#include "model/sample.h"
#include "model/spec.h"
#include "runtime/raw.h"
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

struct md_fs;

struct metadata {
    struct metadata_deps d;

    /* Runtime plugins: the table and the state of each (NULL when its init failed); set by
     * metadata_runtimes_init before any thread starts, read-only afterwards. */
    const struct cadv_runtime *const *runtimes;
    size_t n_runtimes;
    void **rt_states;
    bool *rt_ok;
    bool runtimes_inited;
    /* Worker thread only. */
    bool *rt_down_logged;     /* "runtime down" was logged since its last answer */
    uint64_t *about_due_mono; /* when each runtime's about() is asked next */
    struct md_fs *fsq;        /* filesystem usage walks of runtime containers' writable layers */
    size_t n_fsq, cap_fsq, fs_next;

    /* lock (+ cond, CLOCK_MONOTONIC): the bounded queue of containers to inspect. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct md_item *q;
    size_t n_q, cap_q;
    struct worker worker;
    _Atomic uint64_t dropped_total; /* requests dropped by a full queue */
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
static void fs_track(struct metadata *md, struct cadv_container *c, const struct cadv_runtime_info *info)
{
    struct md_fs *e;

    if (c->fs_tracked || !info->rootfs_dir || !info->rootfs_dir[0] || !(md->d.kinds & CADV_KIND_DISK) ||
        md->n_fsq >= CADV_MANAGER_MAX_CONTAINERS)
        return;
    cadv_xgrow((void **)&md->fsq, &md->cap_fsq, md->n_fsq + 1, sizeof(*md->fsq));
    e = &md->fsq[md->n_fsq++];
    *e = (struct md_fs){
            .c = cadv_container_ref(c),
            .u = cadv_fsusage_new(info->rootfs_dir, info->extra_dir, 0),
            .rootfs_dir = cadv_xstrdup(info->rootfs_dir),
    };
    c->fs_tracked = true;
}

/* Turns a completed pass into the container's FsStats. */
static void fs_publish(struct metadata *md, struct md_fs *e)
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
    mi = cadv_manager_machine_info(md->d.m);
    memset(&fs, 0, sizeof(fs));
    /* The root container's per-device I/O figures are not copied in (NULL): they are not kept. */
    r = cadv_fsusage_fill_stats(&res, e->major, e->minor, mi, NULL, 0, &fs);
    cadv_machine_info_unref(mi);
    pthread_mutex_lock(&e->c->collect_lock);
    e->c->fs = fs;
    e->c->has_fs = r >= 0;
    pthread_mutex_unlock(&e->c->collect_lock);
}

/* When the next walk step is due (now for a dead container to drop). md->lock held (the walks are
 * the worker's own). */
static uint64_t fs_next_due(const struct metadata *md, uint64_t now)
{
    uint64_t due = UINT64_MAX;

    for (size_t i = 0; i < md->n_fsq; i++) {
        uint64_t d = atomic_load(&md->fsq[i].c->alive) ? cadv_fsusage_next_due(md->fsq[i].u) : 0;

        if (d < now)
            d = now; /* 0: a pass is in progress */
        if (d < due)
            due = d;
    }
    return due;
}

/* One bounded piece of work: drops a dead container's walk or steps one due walk (round robin). */
static void fs_step(struct metadata *md, uint64_t now)
{
    for (size_t k = 0; k < md->n_fsq; k++) {
        size_t i = (md->fs_next + k) % md->n_fsq;
        struct md_fs *e = &md->fsq[i];
        int r;

        if (!atomic_load(&e->c->alive)) {
            fs_entry_done(e);
            md->fsq[i] = md->fsq[--md->n_fsq];
            return;
        }
        if (!cadv_fsusage_due(e->u, now))
            continue;
        r = cadv_fsusage_step(e->u, FS_STEP_ENTRIES, now);
        if (r > 0)
            fs_publish(md, e);
        else if (r < 0)
            cadv_log_errno(CADV_LOG_DEBUG, r, "Filesystem usage of '%s' failed, backing off", e->c->name);
        md->fs_next = i + 1;
        return;
    }
}

struct metadata *metadata_new(const struct metadata_deps *deps)
{
    struct metadata *md = cadv_xcalloc(1, sizeof(*md));
    pthread_condattr_t attr;

    md->d = *deps;
    pthread_mutex_init(&md->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&md->cond, &attr);
    pthread_condattr_destroy(&attr);
    return md;
}

static void runtimes_done(struct metadata *md)
{
    if (!md->runtimes_inited)
        return;
    for (size_t i = 0; i < md->n_runtimes; i++)
        if (md->rt_ok[i] && md->runtimes[i]->done)
            md->runtimes[i]->done(md->rt_states[i]);
    free(md->rt_states);
    free(md->rt_ok);
    free(md->rt_down_logged);
    free(md->about_due_mono);
}

struct metadata *metadata_free(struct metadata *md)
{
    if (!md)
        return NULL;
    for (size_t i = 0; i < md->n_fsq; i++)
        fs_entry_done(&md->fsq[i]);
    free(md->fsq);
    for (size_t i = 0; i < md->n_q; i++)
        cadv_container_unref(md->q[i].c);
    free(md->q);
    runtimes_done(md);
    pthread_cond_destroy(&md->cond);
    pthread_mutex_destroy(&md->lock);
    free(md);
    return NULL;
}

void metadata_runtimes_init(struct metadata *md, const struct cadv_runtime *const *runtimes)
{
    md->runtimes = runtimes;
    while (md->runtimes[md->n_runtimes])
        md->n_runtimes++;
    md->rt_states = cadv_xcalloc(md->n_runtimes + 1, sizeof(*md->rt_states));
    md->rt_ok = cadv_xcalloc(md->n_runtimes + 1, sizeof(*md->rt_ok));
    md->rt_down_logged = cadv_xcalloc(md->n_runtimes + 1, sizeof(*md->rt_down_logged));
    md->about_due_mono = cadv_xcalloc(md->n_runtimes + 1, sizeof(*md->about_due_mono));
    for (size_t i = 0; i < md->n_runtimes; i++) {
        const struct cadv_runtime *rt = md->runtimes[i];
        int r = rt->init ? rt->init(md->d.cfg, &md->rt_states[i]) : 0;

        if (r < 0)
            cadv_log_errno(CADV_LOG_WARNING, r, "Runtime %s unavailable, its containers are raw", rt->name);
        md->rt_ok[i] = r >= 0 && rt->claims;
    }
    md->runtimes_inited = true;
}

int metadata_claim(struct metadata *md, const char *name, char *id)
{
    for (size_t i = 0; i < md->n_runtimes; i++) {
        enum cadv_claim c;

        if (!md->rt_ok[i])
            continue;
        c = md->runtimes[i]->claims(md->rt_states[i], name, id, CADV_RT_ID_MAX);
        if (c == CADV_CLAIM_IGNORE)
            return -2;
        if (c == CADV_CLAIM_YES || c == CADV_CLAIM_MAYBE)
            return (int)i; /* later MAYBE owners are tried by the worker on -ENOENT (fall_through) */
    }
    return cadv_raw_accepts(md->d.cfg->docker_only, md->d.cfg->raw_cgroup_prefix_whitelist, name) ? -1 : -2;
}

/* Queues c, taking over the caller's reference (dropped if the queue is full). */
static void push(struct metadata *md, struct cadv_container *c, uint64_t not_before, unsigned attempts,
                 bool enoent_retried)
{
    bool full;

    pthread_mutex_lock(&md->lock);
    full = md->n_q >= MD_QUEUE_MAX;
    if (!full) {
        cadv_xgrow((void **)&md->q, &md->cap_q, md->n_q + 1, sizeof(*md->q));
        md->q[md->n_q++] = (struct md_item){.c = c,
                                            .not_before_mono = not_before,
                                            .attempts = attempts,
                                            .enoent_retried = enoent_retried};
        pthread_cond_signal(&md->cond);
    }
    pthread_mutex_unlock(&md->lock);
    if (full) {
        if (atomic_fetch_add(&md->dropped_total, 1) == 0)
            cadv_log(CADV_LOG_WARNING, "Metadata queue full (%d), container '%s' stays raw, skipping",
                     MD_QUEUE_MAX, c->name);
        cadv_container_unref(c);
    }
}

void metadata_enqueue(struct metadata *md, struct cadv_container *c)
{
    push(md, cadv_container_ref(c), 0, 0, false);
}

/* The inspect of c->rt_index said "no such container": the next plugin that claims the name (YES or
 * MAYBE), else raw, whose rule may drop the container. Takes c's reference. */
static void fall_through(struct metadata *md, struct cadv_container *c)
{
    for (size_t j = (size_t)c->rt_index + 1; j < md->n_runtimes; j++) {
        const struct cadv_runtime *rt = md->runtimes[j];
        char id[CADV_RT_ID_MAX] = "";
        enum cadv_claim claim;

        if (!md->rt_ok[j])
            continue;
        claim = rt->claims(md->rt_states[j], c->name, id, sizeof(id));
        if (claim == CADV_CLAIM_NO)
            continue;
        if (claim == CADV_CLAIM_IGNORE) {
            manager_reject_container(md->d.m, c);
            break;
        }
        c->rt_index = (int)j;
        memcpy(c->rt_id, id, sizeof(id));
        push(md, c, 0, 0, false);
        return;
    }
    if (c->rt_index >= 0 &&
        !cadv_raw_accepts(md->d.cfg->docker_only, md->d.cfg->raw_cgroup_prefix_whitelist, c->name)) {
        cadv_log(CADV_LOG_DEBUG, "Container '%s' is no runtime's and not accepted as raw, dropping it",
                 c->name);
        manager_reject_container(md->d.m, c);
    }
    c->rt_index = -1;
    cadv_container_unref(c);
}

/* Calls the plugin's inspect_full. */
static int inspect(struct metadata *md, struct cadv_container *c, struct cadv_spec *spec,
                   struct cadv_runtime_info *info)
{
    const struct cadv_runtime *rt = md->runtimes[c->rt_index];
    void *state = md->rt_states[c->rt_index];

    if (!md->rt_ok[c->rt_index])
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
        container_set_limits(c, &limits);
    pthread_mutex_unlock(&c->collect_lock);
    cadv_spec_done(&limits);
}

/* Inspects one container; takes the item's reference. */
static void process(struct metadata *md, struct md_item *it)
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
    rt_name = md->runtimes[c->rt_index]->name;
    cadv_spec_init(&spec);
    r = inspect(md, c, &spec, &info);
    if (r >= 0) {
        uint64_t again = info.refresh_interval_ns;

        fs_track(md, c, &info);
        /* The spec says a filesystem exactly when its writable layer is measured, so that the v2
         * stats carry the block the v1 stats do (cAdvisor: the disk kind is on and the storage
         * driver is one it measures). */
        spec.has_filesystem = c->fs_tracked;
        refresh_limits(c);
        container_set_identity(c, &spec, &info);
        registry_set_identity(md->d.registry, c, &spec);
        cadv_appwire_identity(md->d.m, c, &spec);
        cadv_log(CADV_LOG_DEBUG, "Container '%s' identified by %s", c->name, rt_name);
        if (md->rt_down_logged[c->rt_index]) {
            cadv_log(CADV_LOG_INFO, "Runtime %s answers again", rt_name);
            md->about_due_mono[c->rt_index] = 0; /* it may have restarted as another version */
        }
        md->rt_down_logged[c->rt_index] = false;
        if (again)
            push(md, c, cadv_mono_ns() + again, 0, false);
        else
            cadv_container_unref(c);
    } else if (r == -ENOENT && !it->enoent_retried) {
        /* A runtime may not know a container whose cgroup it is still creating (docker reports it
         * running only once started): ask once more before passing it on (cAdvisor retries such
         * cgroups at its next global housekeeping). */
        push(md, c, cadv_mono_ns() + ENOENT_RETRY_NS, it->attempts, true);
    } else if (r == -ENOENT) {
        fall_through(md, c);
    } else {
        unsigned shift = it->attempts < 6 ? it->attempts : 6;
        uint64_t backoff = CADV_NS_PER_SEC << shift;

        if (backoff > MD_BACKOFF_MAX)
            backoff = MD_BACKOFF_MAX;
        /* Once per outage of a runtime, not once per container. */
        if (!md->rt_down_logged[c->rt_index])
            cadv_log_errno(CADV_LOG_INFO, r, "Inspecting '%s' with %s failed, retrying with back-off",
                           c->name, rt_name);
        md->rt_down_logged[c->rt_index] = true;
        push(md, c, cadv_mono_ns() + backoff, it->attempts + 1, it->enoent_retried);
    }
    cadv_runtime_info_done(&info);
    cadv_spec_done(&spec);
}

/* Runtimes' own descriptions (runtime.h about): docker's version for the attributes and
 * cadvisor_version_info, its root for the docker-images filesystem label. Asked at start, every
 * ABOUT_REFRESH_NS and as soon as the runtime answers again after an outage (a restarted daemon
 * may be another version); the last answer is kept while the runtime is down. */

static uint64_t about_next_due(const struct metadata *md)
{
    uint64_t due = UINT64_MAX;

    for (size_t j = 0; j < md->n_runtimes; j++)
        if (md->rt_ok[j] && md->runtimes[j]->about && md->about_due_mono[j] < due)
            due = md->about_due_mono[j];
    return due;
}

static void about_publish(struct metadata *md, const struct cadv_runtime_about *a)
{
    if (a->docker_root && a->docker_root[0] == '/')
        cadv_machinefs_set_docker_root(md->d.machinefs, a->docker_root);
    manager_set_docker_versions(md->d.m, a->docker_version, a->docker_api_version);
}

static void about_step(struct metadata *md, uint64_t now)
{
    for (size_t j = 0; j < md->n_runtimes; j++) {
        struct cadv_runtime_about a = {0};
        int r;

        if (!md->rt_ok[j] || !md->runtimes[j]->about || md->about_due_mono[j] > now)
            continue;
        r = md->runtimes[j]->about(md->rt_states[j], &a);
        md->about_due_mono[j] = cadv_mono_ns() + (r < 0 ? ABOUT_RETRY_NS : ABOUT_REFRESH_NS);
        if (r >= 0)
            about_publish(md, &a);
        else
            cadv_log_errno(CADV_LOG_DEBUG, r, "Asking %s about itself failed, retrying later",
                           md->runtimes[j]->name);
        cadv_runtime_about_done(&a);
    }
}

/* Index of the item due first. md->lock held, queue not empty. */
static size_t first_due(const struct metadata *md)
{
    size_t best = 0;

    for (size_t i = 1; i < md->n_q; i++)
        if (md->q[i].not_before_mono < md->q[best].not_before_mono)
            best = i;
    return best;
}

static void *md_main(void *arg)
{
    struct metadata *md = arg;

    pthread_mutex_lock(&md->lock);
    while (!worker_stopping(&md->worker)) {
        uint64_t now = cadv_mono_ns(), due = UINT64_MAX, fs_due;
        size_t i = md->n_q > 0 ? first_due(md) : SIZE_MAX;
        struct md_item it;

        if (i != SIZE_MAX && md->q[i].not_before_mono <= now) {
            it = md->q[i];
            md->q[i] = md->q[--md->n_q];
            pthread_mutex_unlock(&md->lock);
            process(md, &it);
            pthread_mutex_lock(&md->lock);
            continue;
        }
        fs_due = fs_next_due(md, now);
        if (fs_due <= now) {
            pthread_mutex_unlock(&md->lock);
            fs_step(md, now);
            pthread_mutex_lock(&md->lock);
            continue;
        }
        if (cadv_machinefs_next_due(md->d.machinefs) <= now) {
            pthread_mutex_unlock(&md->lock);
            cadv_machinefs_update(md->d.machinefs, now);
            pthread_mutex_lock(&md->lock);
            continue;
        }
        if (about_next_due(md) <= now) {
            pthread_mutex_unlock(&md->lock);
            about_step(md, now);
            pthread_mutex_lock(&md->lock);
            continue;
        }
        if (cadv_machinefs_next_due(md->d.machinefs) < fs_due)
            fs_due = cadv_machinefs_next_due(md->d.machinefs);
        if (about_next_due(md) < fs_due)
            fs_due = about_next_due(md);
        due = i != SIZE_MAX ? md->q[i].not_before_mono : UINT64_MAX;
        if (fs_due < due)
            due = fs_due;
        if (due == UINT64_MAX) {
            pthread_cond_wait(&md->cond, &md->lock);
        } else {
            struct timespec ts = {.tv_sec = (time_t)(due / CADV_NS_PER_SEC),
                                  .tv_nsec = (long)(due % CADV_NS_PER_SEC)};

            (void)pthread_cond_timedwait(&md->cond, &md->lock, &ts);
        }
    }
    pthread_mutex_unlock(&md->lock);
    return NULL;
}

int metadata_start(struct metadata *md)
{
    return worker_start(&md->worker, "cadv-metadata", md_main, md);
}

void metadata_stop(struct metadata *md)
{
    worker_stop_cond(&md->worker, &md->lock, &md->cond);
}
