/* SPDX-License-Identifier: Apache-2.0 */
/* machinefs.c - the machine's filesystems on the metadata worker (see machinefs.h), and
 * cadv_manager_machine_fs for the HTTP side. */
#include "manager/machinefs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/fs.h"
#include "collect/machine.h"
#include "config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "manager/internal.h"
#include "manager/manager.h"
#include "model/kinds.h"
#include "model/sample.h"

#define STATFS_TIMEOUT_NS (2 * CADV_NS_PER_SEC) /* cAdvisor's statfs timeout */
#define BACKOFF_MIN_NS    (30 * CADV_NS_PER_SEC)
#define BACKOFF_MAX_NS    (300 * CADV_NS_PER_SEC)

/* Back-off of one partition whose statvfs timed out (a hung NFS server): each try leaves a helper
 * thread blocked in the kernel, so it is retried rarely. */
struct part_state {
    uint64_t retry_mono; /* 0: measure normally */
    unsigned timeouts;   /* consecutive */
};

struct cadv_machinefs {
    int proc_fd; /* borrowed */
    int root_fd; /* owned; -1 when rootfs cannot be opened */
    char *docker_root;
    bool enabled;
    uint64_t interval_ns, inventory_interval_ns;

    /* Updating thread only. */
    uint64_t next_measure_mono, next_inventory_mono;
    bool have_inv;
    struct part_state *ps; /* one per partition of inv */
    bool *skip;
    int *status;
    bool logged_inv_error;

    /* lock: what readers see. inv is written under it by the updating thread, which alone reads it
     * without the lock. */
    pthread_mutex_t lock;
    struct cadv_fs_inventory inv;
    struct cadv_fs_measurement meas;
    bool measured;
    struct cadv_fs_stats picked[CADV_MAX_FS];
    size_t n_picked;
};

struct cadv_machinefs *cadv_machinefs_new(const struct cadv_config *cfg, int proc_fd, uint32_t kinds,
                                          uint64_t interval_ns, uint64_t inventory_interval_ns)
{
    struct cadv_machinefs *f = cadv_xcalloc(1, sizeof(*f));
    const char *rootfs = cfg->rootfs && cfg->rootfs[0] ? cfg->rootfs : "/";

    f->proc_fd = proc_fd;
    f->root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (f->root_fd < 0)
        cadv_log_errno(CADV_LOG_WARNING, -errno, "Cannot open rootfs '%s': no filesystem figures", rootfs);
    f->docker_root = cadv_xstrdup(cfg->docker_root ? cfg->docker_root : "");
    f->enabled = (kinds & CADV_KIND_DISK) && proc_fd >= 0 && f->root_fd >= 0;
    f->interval_ns = interval_ns;
    f->inventory_interval_ns = inventory_interval_ns;
    pthread_mutex_init(&f->lock, NULL);
    return f;
}

struct cadv_machinefs *cadv_machinefs_free(struct cadv_machinefs *f)
{
    if (!f)
        return NULL;
    cadv_fs_inventory_done(&f->inv);
    cadv_fs_measurement_done(&f->meas);
    free(f->ps);
    free(f->skip);
    free(f->status);
    free(f->docker_root);
    if (f->root_fd >= 0)
        close(f->root_fd);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return NULL;
}

void cadv_machinefs_set_docker_root(struct cadv_machinefs *f, const char *root)
{
    if (!f || !root || strcmp(f->docker_root, root) == 0)
        return;
    free(f->docker_root);
    f->docker_root = cadv_xstrdup(root);
    f->next_inventory_mono = 0;
    f->next_measure_mono = 0;
}

uint64_t cadv_machinefs_next_due(const struct cadv_machinefs *f)
{
    if (!f || !f->enabled)
        return UINT64_MAX;
    return f->next_measure_mono < f->next_inventory_mono ? f->next_measure_mono : f->next_inventory_mono;
}

/* Reads a new inventory into *ret and gives it fresh per-partition arrays; the back-off of a
 * partition that is still there carries over. Returns false (logged once) when it cannot be read. */
static bool read_inventory(struct cadv_machinefs *f, struct cadv_fs_inventory *ret)
{
    struct part_state *ps;
    int r = cadv_fs_inventory_read(f->proc_fd, f->root_fd, f->docker_root, ret);

    if (r < 0) {
        if (!f->logged_inv_error)
            cadv_log_errno(CADV_LOG_WARNING, r, "Reading the mount table failed, keeping the last one");
        f->logged_inv_error = true;
        return false;
    }
    f->logged_inv_error = false;
    ps = ret->n_parts ? cadv_xcalloc(ret->n_parts, sizeof(*ps)) : NULL;
    for (size_t i = 0; i < ret->n_parts && f->have_inv; i++) {
        long j = cadv_fs_inventory_find(&f->inv, ret->parts[i].device);

        if (j >= 0)
            ps[i] = f->ps[j];
    }
    free(f->ps);
    free(f->skip);
    free(f->status);
    f->ps = ps;
    f->skip = ret->n_parts ? cadv_xcalloc(ret->n_parts, sizeof(*f->skip)) : NULL;
    f->status = ret->n_parts ? cadv_xcalloc(ret->n_parts, sizeof(*f->status)) : NULL;
    return true;
}

/* Updates the back-off of each partition of inv after a measurement. */
static void account(struct cadv_machinefs *f, const struct cadv_fs_inventory *inv, uint64_t now_mono)
{
    for (size_t i = 0; i < inv->n_parts; i++) {
        struct part_state *p = &f->ps[i];
        uint64_t wait;

        if (f->status[i] == CADV_FS_SKIPPED)
            continue;
        if (f->status[i] != -ETIMEDOUT) {
            if (p->timeouts)
                cadv_log(CADV_LOG_INFO, "Filesystem at '%s' answers statfs again", inv->parts[i].mountpoint);
            p->timeouts = 0;
            p->retry_mono = 0;
            continue;
        }
        wait = BACKOFF_MIN_NS << (p->timeouts < 4 ? p->timeouts : 4);
        if (wait > BACKOFF_MAX_NS)
            wait = BACKOFF_MAX_NS;
        if (p->timeouts++ == 0)
            cadv_log(CADV_LOG_WARNING, "statfs of '%s' timed out, retrying it every %llu s at most, skipping",
                     inv->parts[i].mountpoint, (unsigned long long)(BACKOFF_MAX_NS / CADV_NS_PER_SEC));
        p->retry_mono = now_mono + wait;
    }
}

/* Measures inv (the current inventory, or a new one that takes its place) and publishes both. */
static void measure(struct cadv_machinefs *f, struct cadv_fs_inventory *new_inv, uint64_t now_mono)
{
    const struct cadv_fs_inventory *inv = new_inv ? new_inv : &f->inv;
    struct cadv_fs_inventory old_inv = {0};
    struct cadv_fs_measurement meas, old;

    for (size_t i = 0; i < inv->n_parts; i++)
        f->skip[i] = f->ps[i].retry_mono > now_mono;
    cadv_fs_measure(inv, f->proc_fd, f->root_fd, STATFS_TIMEOUT_NS, f->skip, f->status, &meas);
    account(f, inv, cadv_mono_ns());
    pthread_mutex_lock(&f->lock);
    if (new_inv) {
        old_inv = f->inv;
        f->inv = *new_inv;
    }
    old = f->meas;
    f->meas = meas;
    f->measured = true;
    f->n_picked = cadv_fs_measurement_pick(&f->inv, &f->meas, f->picked, CADV_MAX_FS);
    pthread_mutex_unlock(&f->lock);
    cadv_fs_measurement_done(&old);
    cadv_fs_inventory_done(&old_inv);
    if (new_inv)
        f->have_inv = true;
}

void cadv_machinefs_update(struct cadv_machinefs *f, uint64_t now_mono)
{
    struct cadv_fs_inventory inv;
    bool fresh = false;

    if (!f || !f->enabled)
        return;
    if (now_mono >= f->next_inventory_mono) {
        fresh = read_inventory(f, &inv);
        f->next_inventory_mono = now_mono + f->inventory_interval_ns;
    }
    if (fresh || (f->have_inv && now_mono >= f->next_measure_mono)) {
        measure(f, fresh ? &inv : NULL, now_mono);
        f->next_measure_mono = now_mono + f->interval_ns;
    }
    if (!f->have_inv)
        f->next_measure_mono = f->next_inventory_mono;
}

void cadv_machinefs_fill(struct cadv_machinefs *f, struct cadv_sample *s)
{
    size_t room = s->n_fs < CADV_MAX_FS ? CADV_MAX_FS - s->n_fs : 0, n;

    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    n = f->n_picked < room ? f->n_picked : room;
    if (n)
        memcpy(&s->fs[s->n_fs], f->picked, n * sizeof(*s->fs));
    pthread_mutex_unlock(&f->lock);
    s->n_fs += (uint32_t)n;
    if (n)
        s->c.has |= CADV_HAS_FILESYSTEM;
}

int cadv_manager_machine_fs(struct cadv_manager *m, struct cadv_fs_inventory *ret_inv,
                            struct cadv_fs_measurement *ret_meas)
{
    struct cadv_machinefs *f = m->machinefs;
    int r = -ENOENT;

    if (!f)
        return r;
    pthread_mutex_lock(&f->lock);
    if (f->measured) {
        cadv_fs_inventory_copy(ret_inv, &f->inv);
        cadv_fs_measurement_copy(ret_meas, &f->meas);
        r = 0;
    }
    pthread_mutex_unlock(&f->lock);
    return r;
}

int cadv_machinefs_machine_info_read(struct cadv_machinefs *f, const struct cadv_machine_roots *roots,
                                     struct cadv_machine_info **ret)
{
    struct cadv_machine_roots r = roots ? *roots : (struct cadv_machine_roots){0};
    struct cadv_fs_inventory inv = {0};
    struct cadv_fs_measurement meas = {0};
    bool have = false;
    int rc;

    if (f) {
        pthread_mutex_lock(&f->lock);
        if (f->measured) {
            cadv_fs_inventory_copy(&inv, &f->inv);
            cadv_fs_measurement_copy(&meas, &f->meas);
            have = true;
        }
        pthread_mutex_unlock(&f->lock);
    }
    r.fs_inventory = have ? &inv : NULL;
    r.fs_measurement = have ? &meas : NULL;
    rc = cadv_machine_info_read(&r, ret);
    cadv_fs_measurement_done(&meas);
    cadv_fs_inventory_done(&inv);
    return rc;
}
