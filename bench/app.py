# SPDX-License-Identifier: Apache-2.0
"""The cost of the `app` kind (application metrics) next to the farm: K real docker containers
(busybox httpd on each container's loopback, --network none, serving a Prometheus text file of
SERIES series; label io.cadvisor.metric.prometheus naming a config polled every second, as
tests/integration/test_appmetrics.py does) under a dockerd of its own. cadv runs twice on the same
farm and containers: with the kind off (-disable_metrics=<defaults>,app) and on; each window gives
cadv's CPU, and cadv_app_scrapes_total over the window gives the scrapes made, hence the CPU per
scrape. Called from run.py (--app-containers K)."""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

SERIES = 100  # per endpoint: 10 metric families x 10 label values
PORT = 8080
DEFAULT_DISABLED = "advtcp,cpu_topology,cpuset,hugetlb,memory_numa,process,referenced_memory,resctrl,sched,tcp,udp"
IMAGE = "localhost/cadv-busybox:bench"


def prom_text():
    out = []
    for m in range(SERIES // 10):
        out.append("# HELP app_metric_%d_total A bench series.\n# TYPE app_metric_%d_total counter\n" % (m, m))
        for v in range(10):
            out.append('app_metric_%d_total{shard="%d",code="200"} %d\n' % (m, v, 1000 * m + v))
    return "".join(out)


class AppContainers:
    """dockerd (tests/integration/runtimes.py's, its own state and socket) and K httpd containers."""

    def __init__(self, k, log):
        import runtimes  # noqa: E402 (needs tests/integration on sys.path)
        self.rt, self.k, self.log = runtimes, k, log
        self.dir = runtimes.tmpdir("cadv-bench-app-")
        self.dockerd = runtimes.Dockerd(self.dir)
        self.ids = []

    def start(self):
        www, cfg = os.path.join(self.dir, "www"), os.path.join(self.dir, "cfg")
        os.makedirs(www)
        os.makedirs(cfg)
        with open(os.path.join(www, "metrics"), "w") as f:
            f.write(prom_text())
        with open(os.path.join(cfg, "prom.json"), "w") as f:
            f.write('{"endpoint": "http://127.0.0.1:%d/metrics", "polling_frequency": 1000000000}\n' % PORT)
        self.dockerd.start()
        self.dockerd.docker("import", self.rt.busybox_tar(self.dockerd.dir), IMAGE)
        for i in range(self.k):
            self.ids.append(self.dockerd.docker(
                "run", "-d", "--name", "cadv-bench-app-%d" % i, "--network", "none", "--label", "io.cadv.test=1",
                "--label", "io.cadvisor.metric.prometheus=/cfg/prom.json", "-v", www + ":/www:ro", "-v",
                cfg + ":/cfg:ro", IMAGE, "httpd", "-f", "-p", "127.0.0.1:%d" % PORT, "-h", "/www").strip())
        self.log("app: %d containers serving %d series each" % (self.k, SERIES))

    def close(self):
        for cid in self.ids:
            self.dockerd.docker("rm", "-f", cid, check=False)
        try:
            self.dockerd.stop()
        finally:
            self.rt.cleanup_dir(self.dir)


def scrapes_total(probe, port):
    """cadv_app_scrapes_total and when it was read (the middle of a /metrics request that takes
    seconds on a host with many cgroups)."""
    t = time.monotonic()
    r = probe.get(port, "/metrics", timeout=120)
    m = re.search(rb"^cadv_app_scrapes_total (\d+)", r.body or b"", re.M)
    return (int(m.group(1)) if m else 0), (t + time.monotonic()) / 2


def window(run, a, fm, workdir, extra, res, k_expect):
    """Starts cadv with extra flags, waits for the farm and (app on) for every container's scrapes,
    then measures cadv's CPU and its scrapes over --window seconds."""
    probe = run.probe
    args = ["-housekeeping_interval=%s" % run.go_duration(a.interval_ms), "-allow_dynamic_housekeeping=false",
            "-storage_duration=%s" % a.storage_duration] + a.cadv_arg + extra
    cadv = run.Cadv(a.cadv, args, workdir)
    res["cadv_argv"] = run.shown_argv(cadv)
    cadv.start()
    try:
        res["startup_health_s"] = cadv.wait_healthy(a.track_timeout)
        res["startup_tracked_s"] = run.wait_tracked(a, cadv, fm, res)
        deadline = time.monotonic() + 60
        while k_expect and time.monotonic() < deadline and scrapes_total(probe, cadv.port)[0] < 3 * k_expect:
            cadv.check_alive()
            time.sleep(0.5)
        time.sleep(a.settle)
        (s0, ts0), t0, c0 = scrapes_total(probe, cadv.port), time.monotonic(), probe.cpu_seconds(cadv.pid)
        while time.monotonic() < t0 + a.window:
            cadv.check_alive()
            time.sleep(0.5)
        wall, c1 = time.monotonic() - t0, probe.cpu_seconds(cadv.pid)
        s1, ts1 = scrapes_total(probe, cadv.port)
        res["cadv_cpu"] = 100.0 * (c1 - c0) / wall
        res["scrapes_per_s"] = (s1 - s0) / (ts1 - ts0)
        res["rss_mb"] = probe.status_kb(cadv.pid)["VmRSS"] / 1024.0
        res["fds"] = probe.fd_count(cadv.pid)
    finally:
        run.check_exit(cadv, res)


def run_app(run, a, fm, workdir, results):
    """The --app-containers windows: kind off, then on, with the same containers; notes the cost."""
    base = next((r for r in results if r.get("mode") == "dynamic off" and r.get("cadv_cpu") is not None), None)
    k = a.app_containers
    apps = AppContainers(k, run.log)
    off = {"n": a.n, "mode": "app off, %d containers" % k, "notes": []}
    on = {"n": a.n, "mode": "app on, %d containers" % k, "notes": []}
    try:
        apps.start()
        dock = ["-docker=" + apps.dockerd.addr]
        for res, extra, expect in ((off, ["-disable_metrics=%s,app" % DEFAULT_DISABLED], 0), (on, [], k)):
            results.append(res)
            run.log("measuring %s" % res["mode"])
            try:
                window(run, a, fm, workdir, dock + extra, res, expect)
            except (run.BenchError, OSError) as e:
                run.log("FAILED: %s" % e)
                res["error"] = str(e)
        if off.get("cadv_cpu") is not None and on.get("cadv_cpu") is not None:
            d = on["cadv_cpu"] - off["cadv_cpu"]
            per = on["scrapes_per_s"] or float("nan")
            on["notes"].append(
                "app kind: cadv CPU %.2f%% vs %.2f%% with it off: x%.2f, %+.2f%% of a core for %d endpoints "
                "of %d series; %.1f scrapes/s (%.1f expected at 1 s polling), %.0f µs of CPU per scrape "
                "(parse, store, netns switch, HTTP); RSS %.1f vs %.1f MB, fds %s vs %s" % (
                    on["cadv_cpu"], off["cadv_cpu"], on["cadv_cpu"] / off["cadv_cpu"], d, k, SERIES,
                    on["scrapes_per_s"], float(k), 1e4 * d / per, on["rss_mb"], off["rss_mb"], on.get("fds"),
                    off.get("fds")))
            if base:
                on["notes"].append("against the plain farm run (no containers, no dockerd): cadv CPU %.2f%% "
                                   "vs %.2f%%: x%.2f" % (on["cadv_cpu"], base["cadv_cpu"],
                                                         on["cadv_cpu"] / base["cadv_cpu"]))
    finally:
        apps.close()
