/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - flags -> config -> wire modules -> run -> clean shutdown.
 *
 * DESIGN: threads (fixed set)
 *   main       parses flags, blocks SIGINT/SIGTERM in every thread (the mask is inherited) and waits
 *              for them with sigwait(); then stops the server, the manager, and frees everything.
 *   collector  manager: housekeeping scheduler, reads cgroup files, stores samples.
 *   watcher    manager: inotify on every cgroup hierarchy, periodic rescan, machine info refresh.
 *   metadata   manager: runtime API calls (docker, podman, ...) and slow figures, off the hot path.
 *   http       libmicrohttpd's thread pool: REST API, /metrics, /healthz.
 *   export     one per -storage_driver: drains that driver's bounded queue to its backend.
 * Shared mutable state lives only in the manager's registry and the per-container history rings. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/log.h"
#include "export/export.h"
#include "http/server.h"
#include "manager/manager.h"
#include "prom/metrics.h"

static enum cadv_log_level level_for_verbosity(int v)
{
    if (v >= 4)
        return CADV_LOG_DEBUG;
    if (v >= 2)
        return CADV_LOG_INFO;
    return CADV_LOG_NOTICE;
}

static int run(const struct cadv_config *cfg)
{
    struct cadv_manager *m = NULL;
    struct cadv_metrics *mx = NULL;
    struct cadv_server *srv = NULL;
    struct cadv_export *ex = NULL;
    sigset_t set;
    int sig = 0, r;

    r = cadv_manager_new(cfg, &m);
    if (r < 0)
        return r;
    r = cadv_metrics_new(m, cfg, &mx);
    if (r < 0)
        goto out;
    r = cadv_export_new(cfg, m, &ex);
    if (r < 0)
        goto out;
    if (ex) {
        cadv_manager_set_sample_hook(m, cadv_export_hook, ex);
        cadv_metrics_set_extra(mx, cadv_export_metrics, ex);
    }
    r = cadv_manager_start(m);
    if (r < 0)
        goto out;
    r = cadv_server_start(cfg, m, mx, &srv);
    if (r < 0)
        goto out;
    cadv_log(CADV_LOG_NOTICE, "cadv %s serving on %s:%d", CADV_VERSION,
             cfg->listen_ip[0] ? cfg->listen_ip : "*", cadv_server_port(srv));
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    do {
        r = sigwait(&set, &sig);
    } while (r == EINTR);
    cadv_log(CADV_LOG_NOTICE, "received %s, shutting down", strsignal(sig));
    r = 0;
out:
    srv = cadv_server_stop(srv);
    if (m)
        cadv_manager_stop(m);
    ex = cadv_export_free(ex); /* after the collector stopped: flushes within a bounded time */
    mx = cadv_metrics_free(mx);
    m = cadv_manager_free(m);
    return r;
}

int main(int argc, char **argv)
{
    struct cadv_config cfg;
    sigset_t set;
    int r;

    /* Hidden: the build generates the man page and the README's flag table from the option table. */
    if (argc == 2 && (strcmp(argv[1], "--help-man") == 0 || strcmp(argv[1], "--help-markdown") == 0)) {
        if (strcmp(argv[1], "--help-man") == 0)
            cadv_config_man(stdout);
        else
            cadv_config_markdown(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    cadv_config_init(&cfg);
    r = cadv_config_parse(&cfg, argc, argv, stderr);
    if (r >= 0 && !cfg.help && !cfg.version)
        r = cadv_server_check_config(&cfg, stderr);
    if (r < 0) {
        cadv_config_done(&cfg);
        return 2;
    }
    if (cfg.help) {
        cadv_config_usage(stdout);
        cadv_config_done(&cfg);
        return 0;
    }
    if (cadv_export_check(cfg.storage_driver, stderr) < 0) {
        cadv_config_done(&cfg);
        return 2;
    }
    if (cfg.version) {
        printf("cadv version %s (cadv)\n", CADV_VERSION);
        cadv_config_done(&cfg);
        return 0;
    }
    cadv_log_set_level(level_for_verbosity(cfg.verbosity));
    if (cadv_config_detect_rootfs(&cfg, "/rootfs") > 0)
        cadv_log(CADV_LOG_NOTICE,
                 "host root found at /rootfs: reading processes under %s, host files under %s", cfg.proc_root,
                 cfg.rootfs);
    if (cadv_server_check_files(&cfg) < 0) { /* bad auth or TLS files: a usage error */
        cadv_config_done(&cfg);
        return 2;
    }
    /* Large response bodies (/metrics, subcontainers: megabytes) go back to the kernel when freed.
     * Without a fixed threshold glibc raises it after the first large free, and every HTTP thread then
     * keeps a freed body's worth of memory (measured: 105 MB RSS instead of 27 MB at N=1000). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_ARENA_MAX, 4);
    /* Block the shutdown signals before any thread exists, so only main's sigwait() sees them. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    r = run(&cfg);
    if (r < 0)
        cadv_log_errno(CADV_LOG_ERROR, r, "cadv failed to start");
    cadv_config_done(&cfg);
    return r < 0 ? 1 : 0;
}
