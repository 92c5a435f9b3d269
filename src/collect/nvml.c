/* SPDX-License-Identifier: Apache-2.0 */
/* nvml.c - NVIDIA GPUs per container through a dlopen'ed NVML (see nvml.h). */
#include "collect/nvml.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/errmsg.h"
#include "core/fileio.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "model/sample.h"

/* The part of NVML's public ABI (nvml.h of the CUDA toolkit) cadv uses, declared here so that the
 * build needs nothing from NVIDIA. */
typedef int nvml_return;
typedef struct nvml_device_opaque *nvml_device;
#define NVML_SUCCESS                 0
#define NVML_ERROR_NOT_FOUND         6
#define NVML_GPU_UTILIZATION_SAMPLES 1
#define NVML_DEVICE_NAME_BUFFER_SIZE 96 /* NVML_DEVICE_NAME_V2_BUFFER_SIZE */
#define NVML_DEVICE_UUID_BUFFER_SIZE 96 /* NVML_DEVICE_UUID_V2_BUFFER_SIZE */
#define NVIDIA_MAJOR                 195

/* Layouts fixed by NVML's ABI: every member must be there even where cadv reads none of it. */
struct nvml_memory {
    unsigned long long total;
    // cppcheck-suppress unusedStructMember ; NVML's ABI
    unsigned long long free;
    unsigned long long used;
};

union nvml_value {
    // cppcheck-suppress unusedStructMember ; NVML's ABI (sets the union's size)
    unsigned long long ull;
    unsigned int ui;
};

struct nvml_sample {
    // cppcheck-suppress unusedStructMember ; NVML's ABI
    unsigned long long timestamp_us;
    union nvml_value value;
};

struct nvml_api {
    nvml_return (*init)(void);
    nvml_return (*shutdown)(void);
    nvml_return (*get_count)(unsigned int *);
    nvml_return (*get_handle)(unsigned int, nvml_device *);
    nvml_return (*get_minor)(nvml_device, unsigned int *);
    nvml_return (*get_name)(nvml_device, char *, unsigned int);
    nvml_return (*get_uuid)(nvml_device, char *, unsigned int);
    nvml_return (*get_memory)(nvml_device, struct nvml_memory *);
    nvml_return (*get_samples)(nvml_device, int, unsigned long long, int *, unsigned int *,
                               struct nvml_sample *);
};

/* cAdvisor averaged the utilisation samples of this window. */
#define DUTY_WINDOW_US (10ULL * 1000 * 1000)
/* NVML keeps a short ring of samples; more than this are not asked for. */
#define MAX_SAMPLES    512

struct device {
    nvml_device handle;
    uint32_t minor;
    uint32_t index; /* NVML's index (nvidia-container-toolkit's device numbers) */
    char model[NVML_DEVICE_NAME_BUFFER_SIZE];
    char uuid[NVML_DEVICE_UUID_BUFFER_SIZE];
};

struct cadv_nvml {
    void *lib;
    struct nvml_api api;
    struct device *dev;
    size_t n_dev;
    int16_t by_minor[CADV_NVML_MAX_DEVICES]; /* index into dev, -1 when no device has that minor */
    struct nvml_sample samples[MAX_SAMPLES];
};

static _Atomic(const struct cadv_nvml *) installed;

/* dlsym of NVML entry points; the _v2 names are what nvml.h maps the plain names to. */
static int load_api(void *lib, struct nvml_api *api, char *why, size_t cap)
{
    static const struct {
        const char *name;
        size_t off;
    } syms[] = {
            {"nvmlInit_v2", offsetof(struct nvml_api, init)},
            {"nvmlShutdown", offsetof(struct nvml_api, shutdown)},
            {"nvmlDeviceGetCount_v2", offsetof(struct nvml_api, get_count)},
            {"nvmlDeviceGetHandleByIndex_v2", offsetof(struct nvml_api, get_handle)},
            {"nvmlDeviceGetMinorNumber", offsetof(struct nvml_api, get_minor)},
            {"nvmlDeviceGetName", offsetof(struct nvml_api, get_name)},
            {"nvmlDeviceGetUUID", offsetof(struct nvml_api, get_uuid)},
            {"nvmlDeviceGetMemoryInfo", offsetof(struct nvml_api, get_memory)},
            {"nvmlDeviceGetSamples", offsetof(struct nvml_api, get_samples)},
    };

    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        void *f = dlsym(lib, syms[i].name);

        if (!f) {
            cadv_errmsg(why, cap, "the library has no %s", syms[i].name);
            return -ENOENT;
        }
        /* POSIX guarantees function pointers round-trip through void * for dlsym. */
        memcpy((char *)api + syms[i].off, &f, sizeof(f));
    }
    return 0;
}

static int enumerate(struct cadv_nvml *n, char *why, size_t cap)
{
    unsigned int count = 0;
    nvml_return r;

    r = n->api.get_count(&count);
    if (r != NVML_SUCCESS) {
        cadv_errmsg(why, cap, "nvmlDeviceGetCount failed (NVML error %d)", r);
        return -EIO;
    }
    if (count > CADV_NVML_MAX_DEVICES)
        count = CADV_NVML_MAX_DEVICES;
    n->dev = cadv_xcalloc(count ? count : 1, sizeof(*n->dev));
    for (unsigned int i = 0; i < count; i++) {
        struct device *d = &n->dev[n->n_dev];
        unsigned int minor;

        /* A device NVML cannot describe is left out, as cAdvisor skipped it. */
        if (n->api.get_handle(i, &d->handle) != NVML_SUCCESS ||
            n->api.get_minor(d->handle, &minor) != NVML_SUCCESS || minor >= CADV_NVML_MAX_DEVICES ||
            n->by_minor[minor] >= 0 ||
            n->api.get_name(d->handle, d->model, sizeof(d->model)) != NVML_SUCCESS ||
            n->api.get_uuid(d->handle, d->uuid, sizeof(d->uuid)) != NVML_SUCCESS)
            continue;
        d->model[sizeof(d->model) - 1] = '\0';
        d->uuid[sizeof(d->uuid) - 1] = '\0';
        d->minor = minor;
        d->index = i;
        n->by_minor[minor] = (int16_t)n->n_dev++;
    }
    if (n->n_dev == 0) {
        cadv_errmsg(why, cap, "NVML reports no usable GPU (%u devices)", count);
        return -ENODEV;
    }
    return 0;
}

int cadv_nvml_open(const char *library, struct cadv_nvml **ret, char *why, size_t cap)
{
    struct cadv_nvml *n;
    const char *err;
    nvml_return nr;
    int r;

    n = cadv_xcalloc(1, sizeof(*n));
    for (size_t i = 0; i < CADV_NVML_MAX_DEVICES; i++)
        n->by_minor[i] = -1;
    n->lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!n->lib) {
        err = dlerror();
        cadv_errmsg(why, cap, "%s", err ? err : "dlopen failed");
        free(n);
        return -ENOENT;
    }
    r = load_api(n->lib, &n->api, why, cap);
    if (r < 0)
        goto fail;
    nr = n->api.init();
    if (nr != NVML_SUCCESS) {
        cadv_errmsg(why, cap, "nvmlInit failed (NVML error %d)", nr);
        r = -EIO;
        goto fail;
    }
    r = enumerate(n, why, cap);
    if (r < 0) {
        (void)n->api.shutdown();
        goto fail;
    }
    *ret = n;
    return 0;
fail:
    (void)dlclose(n->lib);
    free(n->dev);
    free(n);
    return r;
}

struct cadv_nvml *cadv_nvml_free(struct cadv_nvml *n)
{
    if (!n)
        return NULL;
    if (atomic_load(&installed) == n)
        atomic_store(&installed, NULL);
    (void)n->api.shutdown();
    (void)dlclose(n->lib);
    free(n->dev);
    free(n);
    return NULL;
}

size_t cadv_nvml_n_devices(const struct cadv_nvml *n)
{
    return n ? n->n_dev : 0;
}

void cadv_nvml_install(const struct cadv_nvml *n)
{
    atomic_store(&installed, n);
}

const char *cadv_nvml_device_model(uint64_t idx)
{
    const struct cadv_nvml *n = atomic_load(&installed);

    return n && idx < n->n_dev ? n->dev[idx].model : "";
}

const char *cadv_nvml_device_uuid(uint64_t idx)
{
    const struct cadv_nvml *n = atomic_load(&installed);

    return n && idx < n->n_dev ? n->dev[idx].uuid : "";
}

/* Parses a decimal number of at most 10 digits at p[0..len). Returns the digits consumed (0: none). */
static size_t parse_num(const char *p, size_t len, uint32_t *ret)
{
    uint64_t v = 0;
    size_t i = 0;

    while (i < len && i < 10 && p[i] >= '0' && p[i] <= '9')
        v = v * 10 + (uint64_t)(p[i++] - '0');
    if (i == 0 || (i < len && p[i] >= '0' && p[i] <= '9') || v > UINT32_MAX)
        return 0;
    *ret = (uint32_t)v;
    return i;
}

/* One devices.list line ("<type> <major>:<minor> <access>"): true with *ret_minor for a GPU. */
static bool gpu_line(const char *p, size_t len, uint32_t *ret_minor)
{
    uint32_t major, minor;
    size_t k;

    if (len < 2 || p[0] != 'c' || p[1] != ' ')
        return false;
    p += 2, len -= 2;
    k = parse_num(p, len, &major);
    if (k == 0 || major != NVIDIA_MAJOR || k >= len || p[k] != ':')
        return false;
    p += k + 1, len -= k + 1;
    k = parse_num(p, len, &minor);
    if (k == 0 || (k < len && p[k] != ' ') || minor >= CADV_NVML_MAX_DEVICES)
        return false;
    *ret_minor = minor;
    return true;
}

size_t cadv_nvml_parse_devices_list(const char *buf, size_t len, uint32_t *ret_minors, size_t cap)
{
    size_t n = 0, pos = 0;

    while (pos < len && n < cap) {
        const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        uint32_t minor;
        bool dup = false;

        pos += llen + 1;
        if (!gpu_line(line, llen, &minor))
            continue;
        for (size_t i = 0; i < n; i++)
            dup = dup || ret_minors[i] == minor;
        if (!dup)
            ret_minors[n++] = minor;
    }
    return n;
}

int cadv_nvml_devices_list_path(const char *cgroup_root, const char *name, char *buf, size_t cap)
{
    struct stat st;
    char probe[PATH_MAX];
    int k;

    k = snprintf(probe, sizeof(probe), "%s/devices/devices.list", cgroup_root);
    if (k < 0 || (size_t)k >= sizeof(probe))
        return -ENAMETOOLONG;
    if (stat(probe, &st) < 0)
        return -ENOENT;
    if (strcmp(name, "/") == 0)
        name = "";
    k = snprintf(buf, cap, "%s/devices%s/devices.list", cgroup_root, name);
    return k < 0 || (size_t)k >= cap ? -ENAMETOOLONG : 0;
}

/* The mean of the GPU utilisation samples newer than since_us (gonvml's AverageGPUUtilization: it
 * asks for the count first, then the samples). No sample in the window counts as 0 %. */
static int duty_cycle(struct cadv_nvml *n, nvml_device dev, unsigned long long since_us, uint64_t *ret)
{
    unsigned int count = 0;
    uint64_t sum = 0;
    int type = 0;
    nvml_return r;

    r = n->api.get_samples(dev, NVML_GPU_UTILIZATION_SAMPLES, since_us, &type, &count, NULL);
    if (r == NVML_ERROR_NOT_FOUND || (r == NVML_SUCCESS && count == 0)) {
        *ret = 0;
        return 0;
    }
    if (r != NVML_SUCCESS)
        return -EIO;
    if (count > MAX_SAMPLES)
        count = MAX_SAMPLES;
    r = n->api.get_samples(dev, NVML_GPU_UTILIZATION_SAMPLES, since_us, &type, &count, n->samples);
    if (r == NVML_ERROR_NOT_FOUND) {
        *ret = 0;
        return 0;
    }
    if (r != NVML_SUCCESS)
        return -EIO;
    if (count > MAX_SAMPLES)
        count = MAX_SAMPLES;
    for (unsigned int i = 0; i < count; i++)
        sum += n->samples[i].value.ui;
    *ret = count ? sum / count : 0;
    return 0;
}

static unsigned long long window_start_us(void)
{
    struct timespec ts;
    unsigned long long now_us;

    (void)clock_gettime(CLOCK_REALTIME, &ts);
    now_us = (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
    return now_us > DUTY_WINDOW_US ? now_us - DUTY_WINDOW_US : 0;
}

/* The figures of the GPUs with the given minors into s->accel. */
static int read_minors(struct cadv_nvml *n, const uint32_t *minors, size_t n_minors, struct cadv_sample *s)
{
    unsigned long long since_us = window_start_us();
    uint32_t k = 0;

    for (size_t i = 0; i < n_minors; i++) {
        int idx = n->by_minor[minors[i]];
        struct cadv_accel_entry *e = &s->accel[k];
        struct nvml_memory mem;

        if (idx < 0) /* a GPU NVML does not know: cAdvisor reported none for the container */
            return 0;
        if (n->api.get_memory(n->dev[idx].handle, &mem) != NVML_SUCCESS ||
            duty_cycle(n, n->dev[idx].handle, since_us, &e->duty_cycle) < 0)
            return -EIO;
        e->device = (uint64_t)idx;
        e->memory_total = mem.total;
        e->memory_used = mem.used;
        k++;
    }
    s->n_accel = k;
    return (int)k;
}

int cadv_nvml_read(struct cadv_nvml *n, const char *devices_list_path, struct cadv_sample *s)
{
    char buf[CADV_NVML_DEVICES_LIST_MAX];
    uint32_t minors[CADV_MAX_ACCEL];
    size_t len, n_minors;
    int r;

    s->n_accel = 0;
    r = cadv_read_at(AT_FDCWD, devices_list_path, buf, sizeof(buf), &len);
    if (r < 0)
        return r;
    n_minors = cadv_nvml_parse_devices_list(buf, len, minors, CADV_MAX_ACCEL);
    return read_minors(n, minors, n_minors, s);
}

/* The minor of one token of a runtime's device list, or -1 when NVML knows no such GPU. */
static int token_minor(const struct cadv_nvml *n, const char *t, size_t len)
{
    char tok[CADV_NVML_TOKEN_MAX];
    uint64_t v;

    if (len == 0 || len >= sizeof(tok))
        return -1;
    memcpy(tok, t, len);
    tok[len] = '\0';
    if (strncmp(tok, "/dev/nvidia", 11) == 0)
        return cadv_parse_u64(tok + 11, &v) == 0 && v < CADV_NVML_MAX_DEVICES && n->by_minor[v] >= 0 ? (int)v
                                                                                                     : -1;
    if (cadv_parse_u64(tok, &v) == 0) {
        for (size_t i = 0; i < n->n_dev; i++)
            if (n->dev[i].index == v)
                return (int)n->dev[i].minor;
        return -1;
    }
    for (size_t i = 0; i < n->n_dev; i++)
        if (strcmp(n->dev[i].uuid, tok) == 0)
            return (int)n->dev[i].minor;
    return -1;
}

size_t cadv_nvml_match_devices(const struct cadv_nvml *n, const char *list, uint32_t *ret_minors, size_t cap)
{
    size_t k = 0, len = strlen(list);

    if (strcmp(list, "all") == 0) {
        for (size_t i = 0; i < n->n_dev && k < cap; i++)
            ret_minors[k++] = n->dev[i].minor;
        return k;
    }
    for (size_t i = 0; i < len && k < cap;) {
        size_t tl = strcspn(list + i, ",");
        int m = token_minor(n, list + i, tl);
        bool dup = false;

        for (size_t j = 0; j < k && m >= 0; j++)
            dup |= ret_minors[j] == (uint32_t)m;
        if (m >= 0 && !dup)
            ret_minors[k++] = (uint32_t)m;
        i += tl + 1;
    }
    return k;
}

int cadv_nvml_read_devices(struct cadv_nvml *n, const char *list, struct cadv_sample *s)
{
    uint32_t minors[CADV_MAX_ACCEL];
    size_t n_minors;

    s->n_accel = 0;
    n_minors = cadv_nvml_match_devices(n, list, minors, CADV_MAX_ACCEL);
    return read_minors(n, minors, n_minors, s);
}
