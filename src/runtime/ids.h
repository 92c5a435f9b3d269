/* SPDX-License-Identifier: Apache-2.0 */
/* ids.h - container ids and runtime layouts read from cgroup names, as cAdvisor reads them
 * (ContainerNameToId and each factory's CanHandle, docs/compatibility.md#container-names), for the cgroupfs
 * and systemd cgroup drivers on cgroup v1 and v2 (the names are the same on both). Pure string functions: no
 * I/O, no allocation, thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CADV_ID_LEN 64

/* The shape of a cgroup name's basename (after podman's rootless "/container" is dropped). */
enum cadv_id_layout {
    CADV_LAYOUT_NONE = 0,       /* no 64-char id in the basename */
    CADV_LAYOUT_MOUNT,          /* systemd *.mount unit: never a container */
    CADV_LAYOUT_DOCKER,         /* docker-<id>.scope, or <id> whose parent is "docker" (/docker/<id>) */
    CADV_LAYOUT_PODMAN,         /* libpod-<id>.scope, libpod-<id>, .../libpod-<id>.scope/container */
    CADV_LAYOUT_PODMAN_CONMON,  /* libpod-conmon-<id>.scope: podman's monitor, not the container */
    CADV_LAYOUT_CRIO,           /* crio-<id>.scope (systemd driver) or crio-<id> (cgroupfs driver) */
    CADV_LAYOUT_CRIO_CONMON,    /* crio-conmon-<id>.scope */
    CADV_LAYOUT_CONTAINERD_CRI, /* cri-containerd-<id>.scope (containerd's CRI, systemd driver) */
    CADV_LAYOUT_BARE_ID,        /* the basename is the id itself: /kubepods/.../pod<uid>/<id> */
    CADV_LAYOUT_OTHER_ID,       /* a 64-char id inside a basename of unknown shape */
};

/* Length of the basename of name (after the last '/'); *ret_base points at it. */
size_t cadv_ids_basename(const char *name, const char **ret_base);
/* True for a run of CADV_ID_LEN characters from [a-z0-9] at s (cAdvisor's id alphabet). */
bool cadv_ids_is_id(const char *s, size_t n);
/* True when s (n bytes) is all lower-case hex digits and n == CADV_ID_LEN (a docker/podman id). */
bool cadv_ids_is_hex_id(const char *s, size_t n);
/* cAdvisor's ContainerNameToId: the first 64-char [a-z0-9] run in the basename, else the basename
 * itself; podman's rootless trailing "/container" is dropped first. Writes a NUL-terminated id.
 * Returns 0, -EINVAL for an empty basename, or -ENAMETOOLONG if it does not fit in size. */
int cadv_ids_container_id(const char *name, char *ret_id, size_t size);
/* Classifies name and, for layouts other than NONE and MOUNT, writes the 64-char id
 * (ret_id must hold CADV_ID_LEN + 1 bytes; may be NULL). */
enum cadv_id_layout cadv_ids_layout(const char *name, char *ret_id);
/* containerd's own layout "/<namespace>/<id>" (exactly two components, the first equal to ns, the
 * second a valid containerd id). Writes the id (NUL-terminated) and returns 0, or -ENOENT when the
 * name has another shape, or -ENAMETOOLONG. */
int cadv_ids_containerd_ns_id(const char *name, const char *ns, char *ret_id, size_t size);
/* Name of a layout for logs and tests ("docker", "bare-id", ...). */
const char *cadv_ids_layout_name(enum cadv_id_layout l);
