/* SPDX-License-Identifier: Apache-2.0 */
/* validate.c - the /validate/ report, section by section as cAdvisor's validate package writes
 * it: "<Title>: [<verdict>]\n\t<details>\n\n". Every fact is read from this host (uname, /proc/cgroups,
 * /proc/mounts, /sys/block/<dev>/queue/scheduler, the manager's containers) under -proc_root,
 * -sys_root and -rootfs. */
#include "http/validate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "config.h"
#include "core/buf.h"
#include "manager/manager.h"
#include "model/spec.h"
#include "wire/http.h"

#define V_UNKNOWN     "[Unknown]"
#define V_UNSUPPORTED "[Unsupported]"
#define V_SUPPORTED   "[Supported, but not recommended]"
#define V_RECOMMENDED "[Supported and recommended]"

static FILE *open_under(const char *root, const char *path)
{
    char full[4096];
    int n = snprintf(full, sizeof(full), "%s%s", strcmp(root, "/") == 0 ? "" : root, path);

    if (n < 0 || (size_t)n >= sizeof(full)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    return fopen(full, "re");
}

static void os_version(struct cadv_buf *b, const struct cadv_config *cfg)
{
    FILE *f = open_under(cfg->rootfs, "/etc/os-release");
    char line[512], name[512] = "Unknown";

    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "PRETTY_NAME=", 12) != 0)
            continue;
        (void)snprintf(name, sizeof(name), "%s", line + 12 + (line[12] == '"')); /* as long as line */
        name[strcspn(name, "\"\n")] = '\0';
    }
    if (f)
        (void)fclose(f); /* opened read-only */
    cadv_buf_printf(b, "OS version: %s\n\n", name);
}

static void kernel(struct cadv_buf *b)
{
    struct utsname u;
    int major = 0, minor = 0;
    const char *v = V_UNKNOWN;

    /* NOLINTNEXTLINE(cert-err34-c): an absurd kernel release only misclassifies this advisory line */
    if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2)
        v = major >= 3 ? V_RECOMMENDED : (major == 2 && minor >= 6) ? V_SUPPORTED : V_UNSUPPORTED;
    cadv_buf_printf(b,
                    "Kernel version: %s\n\tKernel version is %s. Versions >= 2.6 are supported. 3.0+ are "
                    "recommended.\n\n",
                    v, u.release);
}

/* /proc/cgroups: the required and recommended controllers, and hierarchical memory accounting. */
static void cgroups(struct cadv_buf *b, const struct cadv_config *cfg)
{
    static const char *const required[] = {"cpu", "cpuacct"};
    static const char *const recommended[] = {"memory", "blkio", "cpuset", "devices", "freezer"};
    FILE *f = open_under(cfg->proc_root, "/cgroups");
    char line[256], names[32][32];
    int enabled[32], n = 0, hier, num, en;
    struct cadv_buf d;
    bool missing_required = false, missing_recommended = false;
    FILE *h;

    cadv_buf_init(&d, 0);
    cadv_buf_puts(&d, "Available cgroups: map[");
    while (f && n < 32 && fgets(line, sizeof(line), f)) {
        /* NOLINTNEXTLINE(cert-err34-c): kernel-written numbers, only shown in this report */
        if (line[0] != '#' && sscanf(line, "%31s %d %d %d", names[n], &hier, &num, &en) == 4) {
            enabled[n] = en;
            cadv_buf_printf(&d, "%s%s:%d", n ? " " : "", names[n], en);
            n++;
        }
    }
    if (f)
        (void)fclose(f); /* opened read-only */
    cadv_buf_puts(&d, "]\n");
    for (size_t i = 0; i < 2 + 5; i++) {
        const char *want = i < 2 ? required[i] : recommended[i - 2];
        bool found = false;

        for (int j = 0; j < n; j++)
            found = found || (strcmp(names[j], want) == 0 && enabled[j]);
        if (!found && i < 2)
            missing_required = true;
        else if (!found)
            missing_recommended = true;
        if (!found)
            cadv_buf_printf(&d, "\t%s cgroup is %s.\n", want,
                            i < 2 ? "required but missing" : "recommended but missing");
    }
    cadv_buf_puts(&d, "\tFollowing cgroups are required: [cpu cpuacct]\n"
                      "\tFollowing other cgroups are recommended: [memory blkio cpuset devices freezer]\n");
    h = open_under(cfg->sys_root, "/fs/cgroup/memory/memory.use_hierarchy");
    if (h) {
        bool on = fgets(line, sizeof(line), h) && line[0] == '1';

        cadv_buf_puts(
                &d,
                on ? "\tHierarchical memory accounting enabled. Reported memory usage includes memory used "
                     "by child containers.\n"
                   : "\tHierarchical memory accounting disabled. Memory usage does not include usage from "
                     "child containers.\n");
        (void)fclose(h); /* opened read-only */
    } else {
        cadv_buf_puts(&d, "\tcgroup v2 memory accounting is always hierarchical.\n");
    }
    cadv_buf_printf(b, "Cgroup setup: %s\n\t%s\n",
                    missing_required      ? V_UNSUPPORTED
                    : missing_recommended ? V_SUPPORTED
                                          : V_RECOMMENDED,
                    d.data);
    cadv_buf_done(&d);
}

static void mounts(struct cadv_buf *b, const struct cadv_config *cfg)
{
    FILE *f = open_under(cfg->proc_root, "/mounts");
    char line[1024], dev[256], dir[512], type[64];
    struct cadv_buf d;
    bool any = false, std = false;

    cadv_buf_init(&d, 0);
    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%255s %511s %63s", dev, dir, type) != 3 ||
            (strcmp(type, "cgroup") != 0 && strcmp(type, "cgroup2") != 0))
            continue;
        any = true;
        std = std || strncmp(dir, "/sys/fs/cgroup", 14) == 0;
        cadv_buf_printf(&d, "\t%s", line);
    }
    if (f)
        (void)fclose(f); /* opened read-only */
    cadv_buf_printf(
            b,
            "Cgroup mount setup: %s\n\t%s\n\tAny cgroup mount point that is detectible and accessible is "
            "supported. /sys/fs/cgroup is recommended as a standard location.\n\tCgroup mounts:\n%s\n",
            !any  ? V_UNSUPPORTED
            : std ? V_RECOMMENDED
                  : V_SUPPORTED,
            !any  ? "No cgroup mounts found."
            : std ? "Cgroups are mounted at /sys/fs/cgroup."
                  : "Cgroups are not mounted at /sys/fs/cgroup.",
            d.data ? d.data : "");
    cadv_buf_done(&d);
}

static void block_devices(struct cadv_buf *b, const struct cadv_config *cfg)
{
    char path[512], line[256];
    struct cadv_buf d;
    bool cfq = false, any = false;
    int n;
    DIR *dir;
    struct dirent *de;

    n = snprintf(path, sizeof(path), "%s/block", cfg->sys_root);
    dir = n < 0 || (size_t)n >= sizeof(path) ? NULL : opendir(path);
    cadv_buf_init(&d, 0);
    while (dir && (de = readdir(dir)) != NULL) {
        FILE *f;
        char *open, *close;

        if (de->d_name[0] == '.')
            continue;
        (void)snprintf(path, sizeof(path), "/block/%s/queue/scheduler", de->d_name); /* d_name < 256 */
        f = open_under(cfg->sys_root, path);
        if (!f)
            continue;
        if (fgets(line, sizeof(line), f) && (open = strchr(line, '[')) && (close = strchr(open, ']'))) {
            *close = '\0';
            any = true;
            cfq = cfq || strcmp(open + 1, "cfq") == 0;
            cadv_buf_printf(&d, "\t Disk \"%s\" Scheduler type \"%s\".\n", de->d_name, open + 1);
        }
        (void)fclose(f); /* opened read-only */
    }
    if (dir)
        closedir(dir);
    cadv_buf_printf(b, "Block device setup: %s\n\t%s\n%s\n",
                    !any  ? V_UNKNOWN
                    : cfq ? V_RECOMMENDED
                          : V_SUPPORTED,
                    !any  ? "No block devices found."
                    : cfq ? "At least one device supports 'cfq' I/O scheduler."
                          : "None of the devices support 'cfq' I/O scheduler. cadv "
                            "reads disk stats from any scheduler.",
                    d.data ? d.data : "");
    cadv_buf_done(&d);
}

static void managed(struct cadv_buf *b, struct cadv_manager *m)
{
    struct cadv_container **arr = NULL;
    size_t n = 0;

    cadv_buf_puts(b, "Managed containers: \n");
    if (cadv_manager_list(m, "/", true, &arr, &n) < 0)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        struct cadv_spec spec = {0};

        cadv_container_spec(arr[i], &spec);
        cadv_buf_printf(b, "\t%s\n", cadv_container_name(arr[i]));
        if (spec.namespace_)
            cadv_buf_printf(b, "\t\tNamespace: %s\n", spec.namespace_);
        if (spec.n_aliases) {
            cadv_buf_puts(b, "\t\tAliases:\n");
            for (size_t j = 0; j < spec.n_aliases; j++)
                cadv_buf_printf(b, "\t\t\t%s\n", spec.aliases[j]);
        }
        cadv_spec_done(&spec);
    }
    cadv_containers_unref(arr, n);
    cadv_buf_puts(b, "\n");
}

void cadv_validate_handle(struct cadv_manager *m, struct cadv_http_reply *rep)
{
    const struct cadv_config *cfg = cadv_manager_config(m);
    struct cadv_buf b;
    size_t n;
    char *s;

    cadv_buf_init(&b, 0);
    cadv_buf_printf(&b, "cAdvisor version: %s\n\n", CADV_VERSION);
    os_version(&b, cfg);
    kernel(&b);
    cgroups(&b, cfg);
    mounts(&b, cfg);
    cadv_buf_puts(&b,
                  "Docker version: [Unknown]\n\tcadv does not report the docker daemon's version here (as "
                  "cAdvisor, whose version info leaves it empty).\n\n");
    block_devices(&b, cfg);
    managed(&b, m);
    s = cadv_buf_steal(&b, &n);
    rep->status = 200;
    rep->content_type = "text/plain; charset=utf-8";
    rep->body = s;
    rep->len = n;
}
