/* SPDX-License-Identifier: Apache-2.0 */
/* nvml.h - NVIDIA GPUs per container through NVML (cAdvisor <= v0.46's accelerators/nvidia.go):
 * libnvidia-ml.so.1 is loaded with dlopen at run time (no build-time dependency on NVIDIA headers
 * or libraries: the few NVML types and prototypes used are declared in nvml.c), its devices are
 * enumerated once (minor number, name, UUID), and a container's GPUs are those of the device list
 * its runtime reports (cadv_nvml_read_devices: cgroup v2 has no devices.list), else the entries
 * "c 195:<minor> ..." (minor < 128) of its v1 devices cgroup's devices.list.
 *
 * Per collection and GPU: memory total and used (nvmlDeviceGetMemoryInfo) and the duty cycle, the
 * mean of the GPU utilisation samples of the last 10 s (nvmlDeviceGetSamples), as cAdvisor did.
 *
 * The device table is process-wide: cadv_nvml_install() publishes it before collection starts and
 * samples carry indices into it (cadv_nvml_device_model/uuid). Thread-safety: reads of a
 * struct cadv_nvml are made by one thread at a time (the collector). Nothing here logs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cadv_sample;
struct cadv_nvml;

/* The library cadv loads unless told otherwise (the driver's soname). */
#define CADV_NVML_LIBRARY          "libnvidia-ml.so.1"
/* At most this many GPUs are tracked (NVIDIA's minors 0..127). */
#define CADV_NVML_MAX_DEVICES      128
/* The devices.list files read are at most this long. */
#define CADV_NVML_DEVICES_LIST_MAX (64 * 1024)

/* Loads library (a soname or path), initialises NVML and enumerates its devices. Returns 0 with
 * *ret set, -ENOENT (the library cannot be loaded or lacks a symbol), -EIO (nvmlInit failed) or
 * -ENODEV (no device). why (cap bytes, may be NULL) says what failed. */
int cadv_nvml_open(const char *library, struct cadv_nvml **ret, char *why, size_t cap);
/* Shuts NVML down and unloads the library. Accepts NULL; returns NULL. */
struct cadv_nvml *cadv_nvml_free(struct cadv_nvml *n);
size_t cadv_nvml_n_devices(const struct cadv_nvml *n);

/* Publishes n's device table for cadv_nvml_device_model/uuid (call before readers; NULL clears). */
void cadv_nvml_install(const struct cadv_nvml *n);
/* Model name and UUID of device idx of the installed table, or "" when out of range / none. The
 * strings live as long as the installed table. */
const char *cadv_nvml_device_model(uint64_t idx);
const char *cadv_nvml_device_uuid(uint64_t idx);

/* Parses a v1 devices.list (buf[0..len), not NUL-terminated) into the NVIDIA GPU minors it allows:
 * "c 195:<minor> <access>" with minor < 128; wildcards ("a *:* rwm", "c 195:* m") and the control
 * devices (195:254, 195:255) are not GPUs. Returns the number of minors written to ret_minors (at
 * most cap, in file order, duplicates dropped). */
size_t cadv_nvml_parse_devices_list(const char *buf, size_t len, uint32_t *ret_minors, size_t cap);

/* Writes the path of container name's devices.list under cgroup_root into buf (the v1 devices
 * hierarchy). Returns 0, -ENOENT when there is no devices hierarchy, -ENAMETOOLONG. */
int cadv_nvml_devices_list_path(const char *cgroup_root, const char *name, char *buf, size_t cap);

/* Longest token of a runtime device list (a UUID is 40 bytes). */
#define CADV_NVML_TOKEN_MAX 96
/* Matches a runtime's device list against n's GPUs: "all", or comma-separated tokens each
 * "/dev/nvidia<minor>", an NVML index ("0") or a UUID ("GPU-..."); tokens NVML does not know are
 * left out. Writes the minors (list order, no duplicates, at most cap) and returns their number. */
size_t cadv_nvml_match_devices(const struct cadv_nvml *n, const char *list, uint32_t *ret_minors, size_t cap);
/* Like cadv_nvml_read for the GPUs of a runtime's device list (cadv_nvml_match_devices). */
int cadv_nvml_read_devices(struct cadv_nvml *n, const char *list, struct cadv_sample *s);

/* Reads the GPUs allowed by the devices.list at path into s->accel (one entry per GPU known to n, in
 * devices.list order). An NVML error on any GPU drops all of them (cAdvisor aborts the container's
 * update). Returns the number of entries, or a negative errno (-ENOENT: the cgroup is gone; -EIO: an
 * NVML call failed). */
int cadv_nvml_read(struct cadv_nvml *n, const char *devices_list_path, struct cadv_sample *s);
