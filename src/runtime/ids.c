/* SPDX-License-Identifier: Apache-2.0 */
/* ids.c - container ids and runtime layouts from cgroup names (see ids.h). The names come from:
 * docker  cgroupfs /docker/<id>                  systemd /system.slice/docker-<id>.scope
 * podman  cgroupfs /libpod_parent/libpod-<id>    systemd /machine.slice/libpod-<id>.scope
 *         rootless .../user@1000.service/user.slice/libpod-<id>.scope/container
 * crio    cgroupfs /kubepods/.../pod<uid>/crio-<id>   systemd .../kubepods-...-pod<uid>.slice/crio-<id>.scope
 * containerd CRI  cgroupfs /kubepods/.../pod<uid>/<id>  systemd .../cri-containerd-<id>.scope
 * containerd (ctr, nerdctl) /<namespace>/<id>
 * They are identical on cgroup v1 (per controller) and v2 (one tree). */
#include "runtime/ids.h"

#include <errno.h>
#include <string.h>

static bool is_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

size_t cadv_ids_basename(const char *name, const char **ret_base)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;

    *ret_base = base;
    return strlen(base);
}

bool cadv_ids_is_id(const char *s, size_t n)
{
    if (n != CADV_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_id_char(s[i]))
            return false;
    return true;
}

bool cadv_ids_is_hex_id(const char *s, size_t n)
{
    if (n != CADV_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'f') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* The leftmost run of at least 64 id characters in s (Go's regexp `([a-z0-9]{64})` picks it):
 * returns its offset, or -1. */
static long find_id(const char *s, size_t n)
{
    size_t run = 0;

    for (size_t i = 0; i < n; i++) {
        if (!is_id_char(s[i])) {
            run = 0;
            continue;
        }
        if (++run == CADV_ID_LEN)
            return (long)(i + 1 - CADV_ID_LEN);
    }
    return -1;
}

/* Length of name[0, len) without podman's rootless "/container" leaf. */
static size_t strip_rootless(const char *name, size_t len)
{
    static const char leaf[] = "/container";
    const size_t ll = sizeof(leaf) - 1;

    if (len > ll && memcmp(name + len - ll, leaf, ll) == 0)
        return len - ll;
    return len;
}

/* Basename of name[0, len): offset of its first byte. */
static size_t base_off(const char *name, size_t len)
{
    size_t i = len;

    while (i > 0 && name[i - 1] != '/')
        i--;
    return i;
}

int cadv_ids_container_id(const char *name, char *ret_id, size_t size)
{
    size_t len = strip_rootless(name, strlen(name));
    size_t b = base_off(name, len);
    long off = find_id(name + b, len - b);
    const char *src = name + b;
    size_t n = len - b;

    if (off >= 0) {
        src += off;
        n = CADV_ID_LEN;
    }
    if (n == 0)
        return -EINVAL;
    if (n + 1 > size)
        return -ENAMETOOLONG;
    memcpy(ret_id, src, n);
    ret_id[n] = '\0';
    return 0;
}

static bool span_eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* Is the component before the basename (ending at name[b-1] == '/') exactly "docker"? */
static bool parent_is_docker(const char *name, size_t b)
{
    size_t end, start;

    if (b < 2)
        return false;
    end = b - 1;
    start = base_off(name, end);
    return span_eq(name + start, end - start, "docker");
}

static enum cadv_id_layout classify(const char *name, size_t b, const char *pre, size_t np, const char *suf,
                                    size_t ns)
{
    bool scope = span_eq(suf, ns, ".scope");

    if (np == 0 && ns == 0)
        return parent_is_docker(name, b) ? CADV_LAYOUT_DOCKER : CADV_LAYOUT_BARE_ID;
    if (span_eq(pre, np, "docker-") && scope)
        return CADV_LAYOUT_DOCKER;
    if (span_eq(pre, np, "libpod-conmon-"))
        return CADV_LAYOUT_PODMAN_CONMON;
    if (span_eq(pre, np, "libpod-") && (scope || ns == 0))
        return CADV_LAYOUT_PODMAN;
    if (span_eq(pre, np, "crio-conmon-"))
        return CADV_LAYOUT_CRIO_CONMON;
    if (span_eq(pre, np, "crio-") && (scope || ns == 0))
        return CADV_LAYOUT_CRIO;
    if (span_eq(pre, np, "cri-containerd-") && scope)
        return CADV_LAYOUT_CONTAINERD_CRI;
    return CADV_LAYOUT_OTHER_ID;
}

enum cadv_id_layout cadv_ids_layout(const char *name, char *ret_id)
{
    static const char mount_sfx[] = ".mount";
    size_t full = strlen(name);
    size_t len, b;
    long off;

    if (full >= sizeof(mount_sfx) - 1 && strcmp(name + full - (sizeof(mount_sfx) - 1), mount_sfx) == 0)
        return CADV_LAYOUT_MOUNT;
    len = strip_rootless(name, full);
    b = base_off(name, len);
    off = find_id(name + b, len - b);
    if (off < 0)
        return CADV_LAYOUT_NONE;
    if (ret_id) {
        memcpy(ret_id, name + b + off, CADV_ID_LEN);
        ret_id[CADV_ID_LEN] = '\0';
    }
    return classify(name, b, name + b, (size_t)off, name + b + off + CADV_ID_LEN,
                    len - b - (size_t)off - CADV_ID_LEN);
}

/* containerd's identifier rule: [A-Za-z0-9]+([._-][A-Za-z0-9]+)*, at most 76 characters. */
static bool containerd_id_valid(const char *s, size_t n)
{
    bool prev_sep = true;

    if (n == 0 || n > 76)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

        if (alnum) {
            prev_sep = false;
        } else if (c == '.' || c == '_' || c == '-') {
            if (prev_sep)
                return false;
            prev_sep = true;
        } else {
            return false;
        }
    }
    return !prev_sep;
}

int cadv_ids_containerd_ns_id(const char *name, const char *ns, char *ret_id, size_t size)
{
    size_t nsl = strlen(ns);
    const char *id;
    size_t n;

    if (nsl == 0 || name[0] != '/' || strncmp(name + 1, ns, nsl) != 0 || name[1 + nsl] != '/')
        return -ENOENT;
    id = name + 2 + nsl;
    n = strlen(id);
    if (!containerd_id_valid(id, n))
        return -ENOENT;
    if (n + 1 > size)
        return -ENAMETOOLONG;
    memcpy(ret_id, id, n + 1);
    return 0;
}

const char *cadv_ids_layout_name(enum cadv_id_layout l)
{
    switch (l) {
    case CADV_LAYOUT_NONE:
        return "none";
    case CADV_LAYOUT_MOUNT:
        return "mount";
    case CADV_LAYOUT_DOCKER:
        return "docker";
    case CADV_LAYOUT_PODMAN:
        return "podman";
    case CADV_LAYOUT_PODMAN_CONMON:
        return "podman-conmon";
    case CADV_LAYOUT_CRIO:
        return "crio";
    case CADV_LAYOUT_CRIO_CONMON:
        return "crio-conmon";
    case CADV_LAYOUT_CONTAINERD_CRI:
        return "cri-containerd";
    case CADV_LAYOUT_BARE_ID:
        return "bare-id";
    case CADV_LAYOUT_OTHER_ID:
        return "other-id";
    }
    return "?";
}
