/* SPDX-License-Identifier: Apache-2.0 */
/* runtime.c - helpers shared by the runtime plugin interface. */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "model/spec.h"

void cadv_runtime_info_done(struct cadv_runtime_info *info)
{
    if (!info)
        return;
    free(info->rootfs_dir);
    free(info->extra_dir);
    free(info->gpu_devices);
    free(info->ip_address);
    memset(info, 0, sizeof(*info));
}

void cadv_runtime_about_done(struct cadv_runtime_about *a)
{
    if (!a)
        return;
    free(a->docker_version);
    free(a->docker_api_version);
    free(a->docker_root);
    memset(a, 0, sizeof(*a));
}

void cadv_runtime_labels_from_json(json_t *labels, struct cadv_spec *spec)
{
    const char *key;
    json_t *v;
    size_t n = 0;

    if (!json_is_object(labels))
        return;
    json_object_foreach(labels, key, v)
    {
        if (json_is_string(v) && n++ < CADV_RT_MAX_LABELS)
            cadv_kv_set(&spec->labels, &spec->n_labels, key, json_string_value(v));
    }
}

bool cadv_runtime_label_room(const struct cadv_spec *spec)
{
    return spec->n_labels < CADV_RT_MAX_LABELS;
}

static bool whitelisted(const char *name, size_t len, char *const *wl)
{
    for (size_t i = 0; wl && wl[i]; i++) {
        size_t pl = strlen(wl[i]);

        if (pl > 0 && pl <= len && strncmp(name, wl[i], pl) == 0)
            return true;
    }
    return false;
}

void cadv_runtime_envs_from_json(json_t *env, char *const *wl, bool lower_keys, struct cadv_spec *spec)
{
    size_t i, n = 0;
    json_t *v;

    if (!json_is_array(env) || !wl)
        return;
    json_array_foreach(env, i, v)
    {
        const char *kv = json_string_value(v);
        const char *eq = kv ? strchr(kv, '=') : NULL;
        char *key;

        if (!eq || eq == kv || !whitelisted(kv, (size_t)(eq - kv), wl) || n++ >= CADV_RT_MAX_ENVS)
            continue;
        key = cadv_xstrndup(kv, (size_t)(eq - kv));
        if (lower_keys)
            for (char *p = key; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
        cadv_kv_set(&spec->envs, &spec->n_envs, key, eq + 1);
        free(key);
    }
}
