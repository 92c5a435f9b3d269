/* SPDX-License-Identifier: Apache-2.0 */
/* test_nvml.c - the accelerator collector against the fake NVML library the build makes
 * (tests/helpers/fake_nvml.c; no GPU on these machines): loading and its failures, device
 * enumeration, devices.list parsing, per-container figures (memory, mean utilisation), an NVML error
 * dropping the container's GPUs, the AcceleratorStats JSON and the container_accelerator_* families. */
#include <criterion/criterion.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/nvml.h"
#include "core/buf.h"
#include "core/json.h"
#include "model/kinds.h"
#include "model/sample.h"
#include "model/spec.h"
#include "tu_render.h"
#include "wire/json_accel.h"
#include "wire/metrics_render.h"

static char lib[PATH_MAX], devfile[64], listfile[64];

/* The fake is built next to the test executables (build/tests/). */
static void setup(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    int fd;

    cr_assert_gt(n, 0);
    exe[n] = '\0';
    snprintf(lib, sizeof(lib), "%s/libfake-nvml.so", dirname(exe));
    cr_assert_eq(access(lib, R_OK), 0, "%s not built", lib);
    snprintf(devfile, sizeof(devfile), "/tmp/cadv-nvml-dev-XXXXXX");
    fd = mkstemp(devfile);
    cr_assert_geq(fd, 0);
    close(fd);
    snprintf(listfile, sizeof(listfile), "/tmp/cadv-nvml-list-XXXXXX");
    fd = mkstemp(listfile);
    cr_assert_geq(fd, 0);
    close(fd);
    setenv("FAKE_NVML_DEVICES", devfile, 1);
}

static void teardown(void)
{
    unlink(devfile);
    unlink(listfile);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

#define TWO_GPUS                                                 \
    "0 GPU-aaaa-0000 17179869184 1073741824 30,50,70 Tesla T4\n" \
    "1 GPU-bbbb-1111 42949672960 0 - NVIDIA A100-PCIE-40GB\n"

TestSuite(nvml, .init = setup, .fini = teardown);

Test(nvml, devices_list_parse)
{
    static const char list[] = "c 195:1 rwm\n"
                               "c 195:255 rw\n" /* nvidiactl */
                               "c 195:254 rw\n" /* nvidia-modeset */
                               "c 195:* m\n"
                               "a *:* rwm\n"
                               "b 195:3 rwm\n"
                               "c 1950:4 rwm\n"
                               "c 195:0 rwm\n"
                               "c 195:1 r\n"
                               "c 195:127 rwm\n"
                               "c 195:128 rwm\n"
                               "c 195:5";
    uint32_t m[8];

    cr_assert_eq(cadv_nvml_parse_devices_list(list, strlen(list), m, 8), 4);
    cr_expect_eq(m[0], 1);
    cr_expect_eq(m[1], 0);
    cr_expect_eq(m[2], 127);
    cr_expect_eq(m[3], 5);
    cr_expect_eq(cadv_nvml_parse_devices_list(list, strlen(list), m, 1), 1);
    cr_expect_eq(cadv_nvml_parse_devices_list("a *:* rwm\n", 10, m, 8), 0);
    cr_expect_eq(cadv_nvml_parse_devices_list("", 0, m, 8), 0);
    /* Not NUL-terminated: the length bounds the parse. */
    cr_expect_eq(cadv_nvml_parse_devices_list("c 195:12", 7, m, 8), 1);
    cr_expect_eq(m[0], 1);
}

Test(nvml, open_failures)
{
    struct cadv_nvml *n = NULL;
    char why[256] = "";

    cr_expect_eq(cadv_nvml_open("/nonexistent/libnvidia-ml.so.1", &n, why, sizeof(why)), -ENOENT);
    cr_expect_neq(why[0], '\0');
    /* A library without NVML's symbols. */
    cr_expect_eq(cadv_nvml_open("libm.so.6", &n, why, sizeof(why)), -ENOENT);
    cr_expect(strstr(why, "nvmlInit_v2"), "%s", why);
    /* nvmlInit fails (the fake has no device file). */
    unsetenv("FAKE_NVML_DEVICES");
    cr_expect_eq(cadv_nvml_open(lib, &n, why, sizeof(why)), -EIO);
    cr_expect(strstr(why, "nvmlInit"), "%s", why);
    /* No GPU. */
    setenv("FAKE_NVML_DEVICES", devfile, 1);
    write_file(devfile, "");
    cr_expect_eq(cadv_nvml_open(lib, &n, why, sizeof(why)), -ENODEV);
    cr_expect_null(n);
}

Test(nvml, per_container_figures)
{
    struct cadv_nvml *n = NULL;
    struct cadv_sample s;
    char why[256];

    write_file(devfile, TWO_GPUS);
    cr_assert_eq(cadv_nvml_open(lib, &n, why, sizeof(why)), 0, "%s", why);
    cr_expect_eq(cadv_nvml_n_devices(n), 2);
    cadv_nvml_install(n);
    cr_expect_str_eq(cadv_nvml_device_model(0), "Tesla T4");
    cr_expect_str_eq(cadv_nvml_device_uuid(1), "GPU-bbbb-1111");
    cr_expect_str_eq(cadv_nvml_device_model(2), "");
    cadv_sample_init_scratch(&s);

    write_file(listfile, "c 1:3 rwm\nc 195:1 rwm\nc 195:255 rwm\nc 195:0 rw\n");
    cr_assert_eq(cadv_nvml_read(n, listfile, &s), 2);
    cr_assert_eq(s.n_accel, 2);
    cr_expect_eq(s.accel[0].device, 1);
    cr_expect_eq(s.accel[0].memory_total, 42949672960ULL);
    cr_expect_eq(s.accel[0].memory_used, 0);
    cr_expect_eq(s.accel[0].duty_cycle, 0); /* no sample in the window */
    cr_expect_eq(s.accel[1].device, 0);
    cr_expect_eq(s.accel[1].memory_used, 1073741824ULL);
    cr_expect_eq(s.accel[1].duty_cycle, 50); /* mean of 30, 50, 70 */

    /* Figures are read at each collection. */
    write_file(devfile, "0 GPU-aaaa-0000 17179869184 2147483648 90 Tesla T4\n"
                        "1 GPU-bbbb-1111 42949672960 0 - NVIDIA A100-PCIE-40GB\n");
    cr_assert_eq(cadv_nvml_read(n, listfile, &s), 2);
    cr_expect_eq(s.accel[1].memory_used, 2147483648ULL);
    cr_expect_eq(s.accel[1].duty_cycle, 90);

    /* No GPU allowed; a GPU NVML does not know (cAdvisor: none for the container). */
    write_file(listfile, "a *:* rwm\n");
    cr_expect_eq(cadv_nvml_read(n, listfile, &s), 0);
    write_file(listfile, "c 195:0 rwm\nc 195:7 rwm\n");
    cr_expect_eq(cadv_nvml_read(n, listfile, &s), 0);
    cr_expect_eq(s.n_accel, 0);
    /* A gone cgroup. */
    cr_expect_eq(cadv_nvml_read(n, "/nonexistent/devices.list", &s), -ENOENT);

    cadv_sample_done(&s);
    n = cadv_nvml_free(n);
    cr_expect_str_eq(cadv_nvml_device_model(0), "");
}

/* cgroup v2: the runtime's device list (docker's /dev/nvidia<N>, NVML indices, UUIDs, "all"). */
Test(nvml, runtime_device_list)
{
    struct cadv_nvml *n = NULL;
    struct cadv_sample s;
    uint32_t m[8];

    write_file(devfile, TWO_GPUS);
    cr_assert_eq(cadv_nvml_open(lib, &n, NULL, 0), 0);
    cr_expect_eq(cadv_nvml_match_devices(n, "all", m, 8), 2);
    cr_expect(m[0] == 0 && m[1] == 1);
    cr_assert_eq(cadv_nvml_match_devices(n, "GPU-bbbb-1111,/dev/nvidia0,1,/dev/nvidia7,GPU-x,9,", m, 8), 2);
    cr_expect(m[0] == 1 && m[1] == 0);
    cr_expect_eq(cadv_nvml_match_devices(n, "", m, 8), 0);
    cr_expect_eq(cadv_nvml_match_devices(n, "/dev/nvidia,/dev/nvidia0x,-1,,", m, 8), 0);
    cadv_sample_init_scratch(&s);
    cr_assert_eq(cadv_nvml_read_devices(n, "/dev/nvidia1", &s), 1);
    cr_expect_eq(s.accel[0].device, 1);
    cr_expect_eq(s.accel[0].memory_total, 42949672960ULL);
    cr_expect_eq(cadv_nvml_read_devices(n, "", &s), 0);
    cr_expect_eq(s.n_accel, 0);
    cadv_sample_done(&s);
    cadv_nvml_free(n);
}

Test(nvml, nvml_error_drops_the_container)
{
    struct cadv_nvml *n = NULL;
    struct cadv_sample s;

    write_file(devfile, TWO_GPUS);
    cr_assert_eq(cadv_nvml_open(lib, &n, NULL, 0), 0);
    cadv_sample_init_scratch(&s);
    write_file(listfile, "c 195:0 rwm\nc 195:1 rwm\n");
    write_file(devfile, "0 GPU-aaaa-0000 17179869184 1073741824 30 Tesla T4\n"
                        "1 GPU-bbbb-1111 42949672960 0 err NVIDIA A100-PCIE-40GB\n");
    cr_expect_eq(cadv_nvml_read(n, listfile, &s), -EIO);
    cr_expect_eq(s.n_accel, 0);
    cadv_sample_done(&s);
    cadv_nvml_free(n);
}

Test(nvml, json_and_pack)
{
    struct cadv_nvml *n = NULL;
    struct cadv_sample s, u;
    struct cadv_json w;
    struct cadv_buf b;

    write_file(devfile, TWO_GPUS);
    cr_assert_eq(cadv_nvml_open(lib, &n, NULL, 0), 0);
    cadv_nvml_install(n);
    cadv_sample_init_scratch(&s);
    write_file(listfile, "c 195:0 rwm\n");
    cr_assert_eq(cadv_nvml_read(n, listfile, &s), 1);

    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_obj_begin(&w);
    cadv_json_accelerators(&w, &s);
    cadv_json_obj_end(&w);
    cr_expect_str_eq(
            b.data, "{\"accelerators\":[{\"make\":\"nvidia\",\"model\":\"Tesla T4\",\"id\":\"GPU-aaaa-0000\","
                    "\"memory_total\":17179869184,\"memory_used\":1073741824,\"duty_cycle\":50}]}");

    /* The store keeps the entries (pack/unpack) and compares them (dynamic housekeeping). */
    cadv_buf_clear(&b);
    cadv_sample_pack(&s, &b);
    cadv_sample_init(&u);
    cr_assert_eq(cadv_sample_unpack((const uint8_t *)b.data, b.len, &u), 0);
    cr_expect_eq(u.n_accel, 1);
    cr_expect_eq(u.accel[0].memory_used, 1073741824ULL);
    cr_expect(cadv_sample_stats_equal(&s, &u));
    u.accel[0].duty_cycle = 51;
    cr_expect_not(cadv_sample_stats_equal(&s, &u));

    /* Without GPUs the key is omitted (omitempty). */
    s.n_accel = 0;
    cadv_buf_clear(&b);
    cadv_json_init(&w, &b);
    cadv_json_obj_begin(&w);
    cadv_json_accelerators(&w, &s);
    cadv_json_obj_end(&w);
    cr_expect_str_eq(b.data, "{}");
    cadv_buf_done(&b);
    cadv_sample_done(&u);
    cadv_sample_done(&s);
    cadv_nvml_free(n);
}

Test(nvml, metrics)
{
    struct cadv_nvml *n = NULL;
    struct cadv_sample s;
    char *out;

    write_file(devfile, TWO_GPUS);
    cr_assert_eq(cadv_nvml_open(lib, &n, NULL, 0), 0);
    cadv_nvml_install(n);
    cadv_sample_init_scratch(&s);
    s.net = NULL;
    write_file(listfile, "c 195:0 rwm\nc 195:1 rwm\n");
    cr_assert_eq(cadv_nvml_read(n, listfile, &s), 2);

    out = tu_render(&s, CADV_KIND_ACCELERATOR);
    cr_expect(strstr(out,
                     "# HELP container_accelerator_duty_cycle Percent of time over the past sample period "
                     "during which the accelerator was actively processing.\n"
                     "# TYPE container_accelerator_duty_cycle gauge\n"
                     "container_accelerator_duty_cycle{acc_id=\"GPU-aaaa-0000\",id=\"/c\",make=\"nvidia\","
                     "model=\"Tesla T4\"} 50\n"),
              "%s", out);
    cr_expect(strstr(out, "container_accelerator_memory_total_bytes{acc_id=\"GPU-bbbb-1111\",id=\"/"
                          "c\",make=\"nvidia\","
                          "model=\"NVIDIA A100-PCIE-40GB\"} 4.294967296e+10\n"),
              "%s", out);
    cr_expect(strstr(out, "container_accelerator_memory_used_bytes{acc_id=\"GPU-aaaa-0000\",id=\"/"
                          "c\",make=\"nvidia\","
                          "model=\"Tesla T4\"} 1.073741824e+09\n"),
              "%s", out);
    free(out);
    /* -disable_metrics=accelerator */
    out = tu_render(&s, CADV_KIND_ALL & ~CADV_KIND_ACCELERATOR);
    cr_expect(strstr(out, "container_accelerator") == NULL);
    free(out);
    cadv_sample_done(&s);
    cadv_nvml_free(n);
}
