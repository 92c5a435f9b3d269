# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of /metrics: the real daemon on real cgroups, read by promtool and by a real Prometheus
server (Debian `prometheus`) scraping cadv on loopback every second, checked through its query API."""
import gzip
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest

from conftest import CpuTrace, http, wait_for

BURN = ["/bin/sh", "-c", "while :; do :; done"]
# Prints one line once all 64 MiB are touched (closing a reopened /dev/stdout would not end a read()).
TOUCH_64M = ["/usr/bin/python3", "-c",
             "import sys, time\nb = bytearray(64 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n"
             "print('touched', flush=True)\ntime.sleep(600)"]
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"

# promtool lint warnings that cAdvisor's own names cause (kept for compatibility).
CADVISOR_LINT = (
    "cadvisor_version_info label names should be written in 'snake_case'",
    "container_cpu_load_d_average_10s metric names should not contain abbreviated units",
    "container_fs_inodes_total non-counter metrics should not have \"_total\" suffix",
    "container_hugetlb_failcnt counter metrics should have \"_total\" suffix",
    "container_memory_failcnt counter metrics should have \"_total\" suffix",
    "container_network_advance_tcp_stats_total non-counter",
    "container_network_tcp6_usage_total non-counter",
    "container_network_tcp_usage_total non-counter",
    "container_network_udp6_usage_total non-counter",
    "container_network_udp_usage_total non-counter",
    "machine_node_hugepages_count non-histogram and non-summary",
    "machine_thread_siblings_count non-histogram and non-summary",
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """A Prometheus server scraping one target every second, with its data in a temporary directory."""

    def __init__(self, target):
        self.dir = tempfile.mkdtemp(prefix="cadv-prom-")
        self.port = free_port()
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: cadv\n    static_configs:\n"
                    "      - targets: ['%s']\n" % target)
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self._ready(), timeout=30, what="prometheus to start")

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("prometheus exited: " + self.logtext())
        try:
            return http("http://127.0.0.1:%d/-/ready" % self.port, timeout=2).status == 200
        except OSError:
            return False

    def logtext(self):
        self.log.flush()
        with open(os.path.join(self.dir, "prometheus.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")[-5000:]

    def query(self, expr):
        r = http("http://127.0.0.1:%d/api/v1/query?%s" % (self.port, urllib.parse.urlencode({"query": expr})))
        assert r.status == 200, r.text
        data = r.json()
        assert data["status"] == "success", data
        return data["data"]["result"]

    def value(self, expr):
        """The single value of an instant query, or None when it has no result."""
        res = self.query(expr)
        assert len(res) <= 1, res
        return float(res[0]["value"][1]) if res else None

    def target_up(self):
        r = http("http://127.0.0.1:%d/api/v1/targets" % self.port).json()
        return [t for t in r["data"]["activeTargets"] if t["health"] == "up"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def prometheus():
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip("prometheus not installed")
    started = []

    def start(target):
        p = Prometheus(target)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def promtool_problems(text):
    """promtool's complaints about an exposition that are not cAdvisor's own naming."""
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert r.returncode in (0, 3), "promtool failed (%d): %s" % (r.returncode, (r.stdout + r.stderr)[:2000])
    lines = (r.stdout + r.stderr).splitlines()
    return [l for l in lines if l.strip() and not l.startswith(CADVISOR_LINT)]


def test_promtool_parses_a_live_scrape(daemon, cgroups):
    if not os.access(PROMTOOL, os.X_OK):
        pytest.skip("promtool not installed")
    name = cgroups.create("lint")
    cgroups.run("lint", ["/bin/sleep", "600"])
    d = daemon("-housekeeping_interval=1s", "-enable_metrics=cpu,percpu,memory,diskIO,disk,network,process,"
               "cpuLoad,oom_event,pressure,tcp,udp,hugetlb,cpuset,memory_numa,sched,cpu_topology")
    text = wait_for(lambda: (lambda r: r.text if 'id="%s"' % name in r.text else None)(d.get("/metrics")),
                    what=name + " in /metrics")
    assert promtool_problems(text) == []
    for family in ("container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "machine_cpu_cores",
                   "container_scrape_error", "cadvisor_version_info", "process_cpu_seconds_total",
                   "process_open_fds", "cadv_containers", "machine_thread_siblings_count"):
        assert "# TYPE %s " % family in text, family


def test_cgroup_name_not_utf8_keeps_metrics_valid(daemon, cgroups):
    """mkdir $'.../bad\\xff' (a legal cgroup name) made every scrape unparsable for promtool and
    Prometheus: label values must be UTF-8. Invalid bytes become U+FFFD, as in the JSON API."""
    if not os.access(PROMTOOL, os.X_OK):
        pytest.skip("promtool not installed")
    base = cgroups.dirs("")[0].encode()
    os.mkdir(base + b"/bad\xff\xfe")
    os.mkdir(base + b"/ok\xc3\xa9")
    d = daemon("-housekeeping_interval=1s")
    want = 'id="%s/bad\ufffd\ufffd"' % cgroups.path()
    body = wait_for(lambda: (lambda r: r.body if want.encode() in r.body else None)(d.get("/metrics")),
                    timeout=30, what=want + " in /metrics")
    text = body.decode("utf-8")  # strict: the whole exposition is UTF-8
    assert 'id="%s/ok\u00e9"' % cgroups.path() in text
    assert promtool_problems(text) == []
    assert d.json("/api/v1.3/containers" + urllib.parse.quote(cgroups.path() + "/ok\u00e9"))


def test_query_options_and_gzip(daemon, cgroups):
    name = cgroups.create("opts")
    d = daemon("-housekeeping_interval=1s")
    wait_for(lambda: 'id="%s"' % name in d.get("/metrics").text, what=name + " in /metrics")
    r = d.get("/metrics?type=bogus")
    assert r.status == 500
    assert r.text == "No metrics gathered, last error:\n\nunknown 'type' \"bogus\"\n"
    r = d.get("/metrics?max_age=soon")
    assert r.status == 500 and r.text.startswith("No metrics gathered, last error:\n\nfailed to parse 'max_age'")
    # type=docker: only docker containers (none on this host), machine metrics still there.
    r = d.get("/metrics?type=docker")
    assert r.status == 200 and 'id="%s"' % name not in r.text and "machine_memory_bytes{" in r.text
    # max_age forces a fresh collection: the sample is younger than the request.
    t0 = time.time()
    r = d.get("/metrics?max_age=0s")
    assert r.status == 200
    ts = [int(l.rsplit(" ", 1)[1]) for l in r.text.splitlines()
          if l.startswith("container_memory_usage_bytes{") and 'id="%s"' % name in l]
    assert ts and ts[0] >= int(t0 * 1000) - 50
    z = d.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert z.status == 200 and z.headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(z.body).startswith(b"# HELP ")
    assert d.get("/metrics").headers.get("Content-Type", "").startswith("text/plain; version=0.0.4")


def test_include_exclude(daemon, cgroups):
    a, b = cgroups.create("keep"), cgroups.create("drop")
    d = daemon("-housekeeping_interval=1s", "-metrics_include=^" + cgroups.path(), "-metrics_exclude=drop$")
    text = wait_for(lambda: (lambda t: t if 'id="%s"' % a in t else None)(d.get("/metrics").text),
                    what=a + " in /metrics")
    assert 'id="%s"' % b not in text
    assert 'id="/"' not in text


def test_prometheus_reads_cadv(daemon, cgroups, prometheus):
    """CPU rate, working set, staleness of a removed cgroup, machine cores, through a real Prometheus."""
    burn, mem, gone = cgroups.create("burn"), cgroups.create("mem"), cgroups.create("gone")
    d = daemon("-housekeeping_interval=1s", "-allow_dynamic_housekeeping=false", "-prometheus_timestamps=false")
    burner = cgroups.run("burn", BURN)
    trace = CpuTrace(burner.pid)
    p = cgroups.run("mem", TOUCH_64M, stdout=subprocess.PIPE)
    assert p.stdout.readline().strip() == b"touched"
    cgroups.run("gone", ["/bin/sleep", "600"])
    prom = prometheus("127.0.0.1:%d" % d.port)
    wait_for(prom.target_up, timeout=20, what="the cadv target to be up")

    assert wait_for(lambda: prom.value("machine_cpu_cores") is not None, timeout=20, what="machine_cpu_cores")
    assert prom.value("machine_cpu_cores") == os.cpu_count()

    # One busy loop: Prometheus' rate matches the CPU share the burner itself got over the same window
    # (a fixed 0.6..1.3 CPU failed when the machine was busy: the burner did not get a whole CPU).
    q = 'sum(rate(container_cpu_usage_seconds_total{id="%s"}[10s]))' % burn
    try:
        wait_for(lambda: prom.value(q) is not None, timeout=30, what=q)
        wait_for(lambda: time.time_ns() - trace.points[1][0] > 13e9, timeout=60, what="13 s of burning")
        res = prom.query(q)
        at_ns, rate = int(float(res[0]["value"][0]) * 1e9), float(res[0]["value"][1])
        wait_for(lambda: trace.points[-1][0] > at_ns, what="a CPU poll after the query")
    finally:
        trace.stop()
    lo, hi = trace.bounds(at_ns - 12 * 10**9, at_ns)
    own = (lo + hi) / 2 / 12e9
    assert own > 0.05, "the burner barely ran (%.2f CPU)" % own
    assert 0.5 * own - 0.05 < rate < 1.5 * own + 0.05, "burn rate %.2f, the burner's own %.2f CPU" % (rate, own)

    ws = wait_for(lambda: (lambda v: v if v and v >= 60 * 2 ** 20 else None)(
        prom.value('container_memory_working_set_bytes{id="%s"}' % mem)), timeout=30, what="64 MiB working set")
    assert ws < 512 * 2 ** 20

    # A removed cgroup's series go stale at the next scrape (no explicit timestamps).
    q = 'container_memory_usage_bytes{id="%s"}' % gone
    wait_for(lambda: prom.value(q) is not None, timeout=20, what=q)
    for proc in cgroups.procs:
        if proc.args == ["/bin/sleep", "600"] and proc.poll() is None:
            proc.kill()
            proc.wait()
    cgroups.remove("gone")
    wait_for(lambda: prom.value(q) is None, timeout=15, what="the removed cgroup's series to go stale")
    assert prom.value('container_memory_usage_bytes{id="%s"}' % burn) is not None


def test_explicit_timestamps_by_default(daemon, cgroups):
    name = cgroups.create("ts")
    d = daemon("-housekeeping_interval=1s")
    text = wait_for(lambda: (lambda t: t if 'id="%s"' % name in t else None)(d.get("/metrics").text),
                    what=name + " in /metrics")
    usage = [l for l in text.splitlines() if l.startswith("container_memory_usage_bytes{") and name in l]
    spec = [l for l in text.splitlines() if l.startswith("container_spec_cpu_shares{") and name in l]
    assert usage and len(usage[0].rsplit("}", 1)[1].split()) == 2  # value and ms timestamp
    assert spec and len(spec[0].rsplit("}", 1)[1].split()) == 1  # spec metrics: no timestamp
    now_ms = time.time() * 1000
    assert abs(int(usage[0].rsplit(" ", 1)[1]) - now_ms) < 120000
