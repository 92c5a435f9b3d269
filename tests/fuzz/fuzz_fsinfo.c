/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_fsinfo.c - the filesystem inventory (collect/fs.h) built from a mountinfo, with a docker root
 * that exists (a temporary directory holding var/lib/docker), and the /proc/diskstats match over it
 * (the same bytes read as diskstats). Invariants: no crash, leak or out-of-bounds access; partition
 * keys are unique and capped; each label is on at most one partition, "root" on one mounted at "/";
 * a malformed diskstats changes no entry. */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/fs.h"
#include "model/sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];
static int root_fd = -1;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    if (root_fd >= 0)
        close(root_fd);
    nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void init_root(void)
{
    char path[128];

    strcpy(root, "/tmp/cadv-fuzz-fs-XXXXXX");
    if (!mkdtemp(root))
        abort();
    (void)snprintf(path, sizeof(path), "%s/var", root);
    (void)mkdir(path, 0755);
    (void)snprintf(path, sizeof(path), "%s/var/lib", root);
    (void)mkdir(path, 0755);
    (void)snprintf(path, sizeof(path), "%s/var/lib/docker", root);
    (void)mkdir(path, 0755);
    root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        abort();
    if (atexit(cleanup) != 0)
        abort();
}

static void check_inventory(const struct cadv_fs_inventory *inv)
{
    unsigned seen = 0;

    if (inv->n_parts > CADV_FS_MAX_PARTS)
        abort();
    for (size_t i = 0; i < inv->n_parts; i++) {
        if (!inv->parts[i].device || !inv->parts[i].mountpoint || !inv->parts[i].fstype)
            abort();
        if (inv->parts[i].labels & seen)
            abort();
        seen |= inv->parts[i].labels;
        for (size_t j = i + 1; j < inv->n_parts; j++)
            if (strcmp(inv->parts[i].device, inv->parts[j].device) == 0)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cadv_fs_measurement meas = {0}, before;
    struct cadv_fs_inventory inv;
    char *buf = malloc(size + 1);
    long root_part;

    if (!buf)
        return 0;
    if (root_fd < 0)
        init_root();
    memcpy(buf, data, size);
    cadv_fs_inventory_parse(buf, size, root_fd, "/var/lib/docker", &inv);
    check_inventory(&inv);
    /* The root label is on the partition keyed by the "/" mount's source, which always exists. */
    root_part = -1;
    for (size_t i = 0; i < inv.n_parts; i++)
        if (inv.parts[i].labels & CADV_FS_LABEL_ROOT)
            root_part = (long)i;
    if (root_part >= 0 && strcmp(inv.parts[root_part].mountpoint, "/") != 0)
        abort();

    meas.n = inv.n_parts;
    meas.stats = calloc(meas.n + 1, sizeof(*meas.stats));
    meas.part = calloc(meas.n + 1, sizeof(*meas.part));
    if (meas.stats && meas.part) {
        for (size_t i = 0; i < meas.n; i++)
            meas.part[i] = (uint32_t)i;
        cadv_fs_measurement_copy(&before, &meas);
        if (cadv_fs_apply_diskstats((const char *)data, size, &inv, &meas) < 0 && meas.n &&
            memcmp(before.stats, meas.stats, meas.n * sizeof(*meas.stats)) != 0)
            abort();
        cadv_fs_measurement_done(&before);
    }
    cadv_fs_measurement_done(&meas);
    cadv_fs_inventory_done(&inv);
    free(buf);
    return 0;
}
