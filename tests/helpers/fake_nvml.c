/* SPDX-License-Identifier: Apache-2.0 */
/* fake_nvml.c - a stand-in for NVIDIA's libnvidia-ml.so.1 exporting the NVML entry points cadv uses,
 * for the accelerator tests on machines without a GPU. cadv loads it through CADV_NVML_LIBRARY.
 *
 * Devices come from the file named by FAKE_NVML_DEVICES, read again at every call so that a test
 * can change figures while the daemon runs. One device per line:
 *     <minor> <uuid> <memory_total> <memory_used> <utilisation samples> <model name...>
 * where the samples are a comma list of percentages ("30,50,70"; "-" for none; "err" makes
 * nvmlDeviceGetSamples fail). No file (or an unreadable one) makes nvmlInit_v2 fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NVML_SUCCESS                 0
#define NVML_ERROR_INVALID_ARGUMENT  2
#define NVML_ERROR_NOT_SUPPORTED     3
#define NVML_ERROR_NOT_FOUND         6
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_UNINITIALIZED     1
#define NVML_ERROR_LIBRARY_NOT_FOUND 12

#define MAX_DEV     16
#define MAX_SAMPLES 32

struct memory {
    unsigned long long total, free, used;
};

struct sample {
    unsigned long long timestamp_us;
    union {
        double d;
        unsigned int ui;
        unsigned long long ull;
    } value;
};

struct device {
    unsigned int minor;
    char uuid[96];
    char name[96];
    unsigned long long total, used;
    int n_samples; /* -1: GetSamples fails */
    unsigned int samples[MAX_SAMPLES];
};

static struct device devs[MAX_DEV];
static unsigned int n_devs;
static int initialised;

int nvmlInit_v2(void);
int nvmlShutdown(void);
int nvmlDeviceGetCount_v2(unsigned int *count);
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, struct device **ret);
int nvmlDeviceGetMinorNumber(struct device *d, unsigned int *minor);
int nvmlDeviceGetName(struct device *d, char *buf, unsigned int len);
int nvmlDeviceGetUUID(struct device *d, char *buf, unsigned int len);
int nvmlDeviceGetMemoryInfo(struct device *d, struct memory *m);
int nvmlDeviceGetSamples(struct device *d, int type, unsigned long long since, int *vtype,
                         unsigned int *count, struct sample *out);

static void parse_samples(struct device *d, char *s)
{
    d->n_samples = 0;
    if (strcmp(s, "err") == 0) {
        d->n_samples = -1;
        return;
    }
    if (strcmp(s, "-") == 0)
        return;
    for (char *tok = strtok(s, ","); tok && d->n_samples < MAX_SAMPLES; tok = strtok(NULL, ","))
        d->samples[d->n_samples++] = (unsigned int)strtoul(tok, NULL, 10);
}

/* Reads the device file; keeps the device order (handles are indices into devs). */
static int load(void)
{
    const char *path = getenv("FAKE_NVML_DEVICES");
    char line[512], samples[256];
    FILE *f;

    if (!path || !(f = fopen(path, "r")))
        return -1;
    n_devs = 0;
    while (n_devs < MAX_DEV && fgets(line, sizeof(line), f)) {
        struct device *d = &devs[n_devs];
        int off = 0;

        if (sscanf(line, "%u %95s %llu %llu %255s %n", &d->minor, d->uuid, &d->total, &d->used, samples,
                   &off) < 5 ||
            off == 0)
            continue;
        snprintf(d->name, sizeof(d->name), "%s", line + off);
        d->name[strcspn(d->name, "\n")] = '\0';
        parse_samples(d, samples);
        n_devs++;
    }
    fclose(f);
    return 0;
}

int nvmlInit_v2(void)
{
    if (load() < 0)
        return NVML_ERROR_LIBRARY_NOT_FOUND;
    initialised = 1;
    return NVML_SUCCESS;
}

int nvmlShutdown(void)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    initialised = 0;
    return NVML_SUCCESS;
}

int nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!initialised)
        return NVML_ERROR_UNINITIALIZED;
    *count = n_devs;
    return NVML_SUCCESS;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int i, struct device **ret)
{
    if (!initialised || i >= n_devs)
        return NVML_ERROR_INVALID_ARGUMENT;
    *ret = &devs[i];
    return NVML_SUCCESS;
}

int nvmlDeviceGetMinorNumber(struct device *d, unsigned int *minor)
{
    *minor = d->minor;
    return NVML_SUCCESS;
}

static int copy_str(const char *s, char *buf, unsigned int len)
{
    if (strlen(s) >= len)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(buf, s, strlen(s) + 1);
    return NVML_SUCCESS;
}

int nvmlDeviceGetName(struct device *d, char *buf, unsigned int len)
{
    return copy_str(d->name, buf, len);
}

int nvmlDeviceGetUUID(struct device *d, char *buf, unsigned int len)
{
    return copy_str(d->uuid, buf, len);
}

int nvmlDeviceGetMemoryInfo(struct device *d, struct memory *m)
{
    (void)load();
    m->total = d->total;
    m->used = d->used;
    m->free = d->total - d->used;
    return NVML_SUCCESS;
}

/* Like NVML: with out NULL, *count is the number of samples; NOT_FOUND when there is none. */
int nvmlDeviceGetSamples(struct device *d, int type, unsigned long long since, int *vtype,
                         unsigned int *count, struct sample *out)
{
    struct timespec ts;
    unsigned int n;

    (void)since;
    (void)load();
    if (type != 1 || d->n_samples < 0)
        return NVML_ERROR_NOT_SUPPORTED;
    if (d->n_samples == 0)
        return NVML_ERROR_NOT_FOUND;
    *vtype = 1; /* NVML_VALUE_TYPE_UNSIGNED_INT */
    if (!out) {
        *count = (unsigned int)d->n_samples;
        return NVML_SUCCESS;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    n = *count < (unsigned int)d->n_samples ? *count : (unsigned int)d->n_samples;
    for (unsigned int i = 0; i < n; i++) {
        out[i].timestamp_us = (unsigned long long)ts.tv_sec * 1000000ULL;
        out[i].value.ui = d->samples[i];
    }
    *count = n;
    return NVML_SUCCESS;
}
