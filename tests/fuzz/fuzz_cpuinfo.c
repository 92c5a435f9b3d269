/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_cpuinfo.c - /proc/cpuinfo, plus the small sysfs and /etc text formats read next to it (cpu
 * lists, cpu masks, os-release, Go-style "%d" scans). Invariants: no crash or out-of-bounds read
 * (the input is copied to an exact-size buffer), results stay within their documented ranges. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/procfs.h"
#include "collect/sysfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_word(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void check_small_formats(const char *buf, size_t size)
{
    char name[32];
    int64_t v;
    size_t used = 0;
    int r;

    cadv_procfs_os_pretty_name(buf, size, name, sizeof(name));
    if (strlen(name) >= sizeof(name) || strchr(name, '\n'))
        abort();
    for (unsigned cpu = 0; cpu < 70000; cpu += 4099) {
        r = cadv_sysfs_cpulist_contains(buf, size, cpu);
        if (r != 0 && r != 1 && r != -EINVAL)
            abort();
    }
    r = cadv_sysfs_cpumask_weight(buf, size);
    if (r < -EINVAL || (r >= 0 && (size_t)r > 64 * (size / 2 + 1)))
        abort();
    r = cadv_sysfs_scan_i64(buf, size, &v, &used);
    if (r == 0 && (used == 0 || used > size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    struct cadv_cpuinfo c;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    cadv_procfs_parse_cpuinfo(buf, size, &c);
    for (const char *p = c.vendor_id; *p; p++)
        if (!is_word(*p))
            abort();
    if (c.core_ids > CADV_CPUINFO_MAX_IDS || c.physical_ids > CADV_CPUINFO_MAX_IDS ||
        c.book_ids > CADV_CPUINFO_MAX_IDS || c.drawer_ids > CADV_CPUINFO_MAX_IDS)
        abort();
    if (c.has_mhz && !(c.mhz >= 0))
        abort();
    check_small_formats(buf, size);
    free(buf);
    return 0;
}
