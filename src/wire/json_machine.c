/* SPDX-License-Identifier: Apache-2.0 */
/* json_machine.c - MachineInfo and v2 Attributes JSON writers. */
#include "wire/json_machine.h"

#include <stdio.h>

#include "core/json.h"
#include "model/machine.h"

static void hugepages(struct cadv_json *w, const struct cadv_hugepages_info *hp, size_t n)
{
    cadv_json_key(w, "hugepages");
    if (!hp) {
        cadv_json_null(w);
        return;
    }
    cadv_json_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        cadv_json_obj_begin(w);
        cadv_json_ku64(w, "page_size", hp[i].page_size_kb);
        cadv_json_ku64(w, "num_pages", hp[i].num_pages);
        cadv_json_obj_end(w);
    }
    cadv_json_arr_end(w);
}

static void caches(struct cadv_json *w, const char *key, const struct cadv_cache_info *c, size_t n)
{
    cadv_json_key(w, key);
    if (!c) {
        cadv_json_null(w);
        return;
    }
    cadv_json_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        cadv_json_obj_begin(w);
        cadv_json_ki64(w, "id", c[i].id);
        cadv_json_ku64(w, "size", c[i].size_bytes);
        cadv_json_kstr(w, "type", c[i].type);
        cadv_json_ki64(w, "level", c[i].level);
        cadv_json_obj_end(w);
    }
    cadv_json_arr_end(w);
}

static void core(struct cadv_json *w, const struct cadv_core_info *c)
{
    cadv_json_obj_begin(w);
    cadv_json_ki64(w, "core_id", c->core_id);
    cadv_json_key(w, "thread_ids");
    if (!c->thread_ids) {
        cadv_json_null(w);
    } else {
        cadv_json_arr_begin(w);
        for (size_t i = 0; i < c->n_threads; i++)
            cadv_json_i64(w, c->thread_ids[i]);
        cadv_json_arr_end(w);
    }
    caches(w, "caches", c->caches, c->n_caches);
    caches(w, "uncore_caches", c->uncore_caches, c->n_uncore_caches);
    cadv_json_ki64(w, "socket_id", c->socket_id);
    if (c->book_id && *c->book_id)
        cadv_json_kstr(w, "book_id", c->book_id);
    if (c->drawer_id && *c->drawer_id)
        cadv_json_kstr(w, "drawer_id", c->drawer_id);
    cadv_json_obj_end(w);
}

static void node(struct cadv_json *w, const struct cadv_node_info *n)
{
    cadv_json_obj_begin(w);
    cadv_json_ki64(w, "node_id", n->node_id);
    cadv_json_ku64(w, "memory", n->memory_bytes);
    hugepages(w, n->hugepages, n->n_hugepages);
    cadv_json_key(w, "cores");
    if (!n->cores) {
        cadv_json_null(w);
    } else {
        cadv_json_arr_begin(w);
        for (size_t i = 0; i < n->n_cores; i++)
            core(w, &n->cores[i]);
        cadv_json_arr_end(w);
    }
    caches(w, "caches", n->caches, n->n_caches);
    cadv_json_key(w, "distances");
    if (!n->distances) {
        cadv_json_null(w);
    } else {
        cadv_json_arr_begin(w);
        for (size_t i = 0; i < n->n_distances; i++)
            cadv_json_u64(w, n->distances[i]);
        cadv_json_arr_end(w);
    }
    cadv_json_obj_end(w);
}

/* hugepages, filesystems, disk_map, network_devices, topology: shared by both objects. */
static void devices(struct cadv_json *w, const struct cadv_machine_info *m, bool with_hugepages)
{
    if (with_hugepages)
        hugepages(w, m->hugepages, m->n_hugepages);
    cadv_json_key(w, "filesystems");
    if (!m->filesystems) {
        cadv_json_null(w);
    } else {
        cadv_json_arr_begin(w);
        for (size_t i = 0; i < m->n_filesystems; i++) {
            const struct cadv_fs_info *f = &m->filesystems[i];

            cadv_json_obj_begin(w);
            cadv_json_kstr(w, "device", f->device);
            cadv_json_ku64(w, "capacity", f->capacity);
            cadv_json_kstr(w, "type", f->kind ? f->kind : "vfs");
            cadv_json_ku64(w, "inodes", f->has_inodes ? f->inodes : 0);
            cadv_json_kbool(w, "has_inodes", f->has_inodes);
            cadv_json_obj_end(w);
        }
        cadv_json_arr_end(w);
    }
    cadv_json_key(w, "disk_map");
    if (!m->disks) {
        cadv_json_null(w);
    } else {
        cadv_json_obj_begin(w);
        for (size_t i = 0; i < m->n_disks; i++) {
            const struct cadv_disk_info *d = &m->disks[i];
            char key[48];

            (void)snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)d->major,
                           (unsigned long long)d->minor);
            cadv_json_key(w, key);
            cadv_json_obj_begin(w);
            cadv_json_kstr(w, "name", d->name);
            cadv_json_ku64(w, "major", d->major);
            cadv_json_ku64(w, "minor", d->minor);
            cadv_json_ku64(w, "size", d->size_bytes);
            cadv_json_kstr(w, "scheduler", d->scheduler ? d->scheduler : "none");
            cadv_json_obj_end(w);
        }
        cadv_json_obj_end(w);
    }
    cadv_json_key(w, "network_devices");
    if (!m->netdevs) {
        cadv_json_null(w);
    } else {
        cadv_json_arr_begin(w);
        for (size_t i = 0; i < m->n_netdevs; i++) {
            cadv_json_obj_begin(w);
            cadv_json_kstr(w, "name", m->netdevs[i].name);
            cadv_json_kstr(w, "mac_address", m->netdevs[i].mac_address);
            cadv_json_ki64(w, "speed", m->netdevs[i].speed_mbps);
            cadv_json_ki64(w, "mtu", m->netdevs[i].mtu);
            cadv_json_obj_end(w);
        }
        cadv_json_arr_end(w);
    }
    cadv_json_key(w, "topology");
    if (!m->topology) {
        cadv_json_null(w);
    } else {
        cadv_json_arr_begin(w);
        for (size_t i = 0; i < m->n_nodes; i++)
            node(w, &m->topology[i]);
        cadv_json_arr_end(w);
    }
}

static const char *str_or(const char *s, const char *def)
{
    return s ? s : def;
}

void cadv_json_machine_info(struct cadv_json *w, const struct cadv_machine_info *m)
{
    cadv_json_obj_begin(w);
    cadv_json_ktime(w, "timestamp", m->timestamp_ns);
    cadv_json_kstr(w, "vendor_id", str_or(m->vendor_id, ""));
    cadv_json_ki64(w, "num_cores", m->num_cores);
    cadv_json_ki64(w, "num_physical_cores", m->num_physical_cores);
    cadv_json_ki64(w, "num_sockets", m->num_sockets);
    if (m->num_books)
        cadv_json_ki64(w, "num_books", m->num_books);
    if (m->num_drawers)
        cadv_json_ki64(w, "num_drawers", m->num_drawers);
    cadv_json_ku64(w, "cpu_frequency_khz", m->cpu_frequency_khz);
    cadv_json_ku64(w, "memory_capacity", m->memory_capacity);
    cadv_json_ku64(w, "swap_capacity", m->swap_capacity);
    cadv_json_key(w, "memory_by_type");
    cadv_json_obj_begin(w);
    for (size_t i = 0; i < m->n_memory_by_type; i++) {
        cadv_json_key(w, m->memory_by_type[i].type);
        cadv_json_obj_begin(w);
        cadv_json_ku64(w, "capacity", m->memory_by_type[i].capacity);
        cadv_json_ku64(w, "dimm_count", m->memory_by_type[i].dimm_count);
        cadv_json_obj_end(w);
    }
    cadv_json_obj_end(w);
    cadv_json_key(w, "nvm");
    cadv_json_obj_begin(w);
    cadv_json_ku64(w, "memory_mode_capacity", 0);
    cadv_json_ku64(w, "app direct_mode_capacity", 0);
    cadv_json_ku64(w, "avg_power_budget", 0);
    cadv_json_obj_end(w);
    hugepages(w, m->hugepages, m->n_hugepages);
    cadv_json_kstr(w, "machine_id", str_or(m->machine_id, ""));
    cadv_json_kstr(w, "system_uuid", str_or(m->system_uuid, ""));
    cadv_json_kstr(w, "boot_id", str_or(m->boot_id, ""));
    devices(w, m, false);
    cadv_json_kstr(w, "cloud_provider", str_or(m->cloud_provider, "Unknown"));
    cadv_json_kstr(w, "instance_type", str_or(m->instance_type, "Unknown"));
    cadv_json_kstr(w, "instance_id", str_or(m->instance_id, ""));
    cadv_json_obj_end(w);
}

void cadv_json_attributes(struct cadv_json *w, const struct cadv_machine_info *m, const char *version)
{
    cadv_json_obj_begin(w);
    cadv_json_kstr(w, "kernel_version", str_or(m->kernel_version, "Unknown"));
    cadv_json_kstr(w, "container_os_version", str_or(m->os_version, "Unknown"));
    cadv_json_kstr(w, "docker_version", str_or(m->docker_version, ""));
    cadv_json_kstr(w, "docker_api_version", str_or(m->docker_api_version, ""));
    cadv_json_kstr(w, "cadvisor_version", str_or(version, ""));
    cadv_json_ki64(w, "num_cores", m->num_cores);
    cadv_json_ku64(w, "cpu_frequency_khz", m->cpu_frequency_khz);
    cadv_json_ku64(w, "memory_capacity", m->memory_capacity);
    cadv_json_kstr(w, "machine_id", str_or(m->machine_id, ""));
    cadv_json_kstr(w, "system_uuid", str_or(m->system_uuid, ""));
    devices(w, m, true);
    cadv_json_kstr(w, "cloud_provider", str_or(m->cloud_provider, "Unknown"));
    cadv_json_kstr(w, "instance_type", str_or(m->instance_type, "Unknown"));
    cadv_json_obj_end(w);
}
