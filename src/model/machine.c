/* SPDX-License-Identifier: Apache-2.0 */
/* machine.c - lifetime of the shared machine description, and disk lookups by device number. */
#include "model/machine.h"

#include <stdlib.h>

#include "core/xalloc.h"

struct cadv_machine_info *cadv_machine_info_new(void)
{
    struct cadv_machine_info *m = cadv_xcalloc(1, sizeof(*m));

    atomic_init(&m->refs, 1);
    return m;
}

struct cadv_machine_info *cadv_machine_info_ref(struct cadv_machine_info *m)
{
    if (m)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

static void free_core(struct cadv_core_info *c)
{
    free(c->thread_ids);
    free(c->caches);
    free(c->uncore_caches);
    free(c->book_id);
    free(c->drawer_id);
}

static void free_node(struct cadv_node_info *n)
{
    free(n->hugepages);
    for (size_t i = 0; i < n->n_cores; i++)
        free_core(&n->cores[i]);
    free(n->cores);
    free(n->caches);
    free(n->distances);
}

void cadv_machine_topology_free(struct cadv_node_info *nodes, size_t n)
{
    for (size_t i = 0; nodes && i < n; i++)
        free_node(&nodes[i]);
}

static void machine_free(struct cadv_machine_info *m)
{
    free(m->vendor_id);
    for (size_t i = 0; i < m->n_memory_by_type; i++)
        free(m->memory_by_type[i].type);
    free(m->memory_by_type);
    free(m->hugepages);
    free(m->machine_id);
    free(m->system_uuid);
    free(m->boot_id);
    for (size_t i = 0; i < m->n_filesystems; i++) {
        free(m->filesystems[i].device);
        free(m->filesystems[i].mountpoint);
        free(m->filesystems[i].type);
        free(m->filesystems[i].kind);
    }
    free(m->filesystems);
    for (size_t i = 0; i < m->n_disks; i++) {
        free(m->disks[i].name);
        free(m->disks[i].dev_path);
        free(m->disks[i].scheduler);
    }
    free(m->disks);
    for (size_t i = 0; i < m->n_netdevs; i++) {
        free(m->netdevs[i].name);
        free(m->netdevs[i].mac_address);
    }
    free(m->netdevs);
    cadv_machine_topology_free(m->topology, m->n_nodes);
    free(m->topology);
    free(m->cloud_provider);
    free(m->instance_type);
    free(m->instance_id);
    free(m->kernel_version);
    free(m->os_version);
    free(m->docker_version);
    free(m->docker_api_version);
    free(m);
}

struct cadv_machine_info *cadv_machine_info_unref(struct cadv_machine_info *m)
{
    if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
        machine_free(m);
    return NULL;
}

const char *cadv_machine_disk_name(const struct cadv_machine_info *m, uint64_t major, uint64_t minor)
{
    if (!m)
        return NULL;
    for (size_t i = 0; i < m->n_disks; i++)
        if (m->disks[i].major == major && m->disks[i].minor == minor)
            return m->disks[i].dev_path;
    return NULL;
}
