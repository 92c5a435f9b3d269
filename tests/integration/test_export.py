# SPDX-License-Identifier: Apache-2.0
"""Storage drivers (-storage_driver) against real backends started here on loopback: InfluxDB 1.x,
Redis, Etsy's statsd (npm, console backend) and a Kafka broker from librdkafka's mock cluster (no
Kafka broker is packaged for Debian). No Elasticsearch server is packaged either: its driver is
checked against a small fake _bulk endpoint written below, which records what it receives.

The daemon runs with -docker_only, so it tracks the root container "/" only: real figures that
change every second, so it is collected every housekeeping interval."""
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import CADV_BIN, REPO, http
from test_prometheus import PROMETHEUS, Prometheus

BUILD = os.path.dirname(CADV_BIN)
KAFKA_MOCK = os.path.join(BUILD, "tests", "kafka-mock")
STATSD_JS = os.path.join(REPO, "tests", ".node", "node_modules", "statsd", "stats.js")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def rfc3339_ns(ts):
    """Go's RFC3339Nano (any zone) -> ns since the epoch."""
    m = re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", ts)
    assert m, ts
    import calendar
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    frac = int((m.group(7) or "0").ljust(9, "0")[:9])
    secs = calendar.timegm((y, mo, d, h, mi, s))
    z = m.group(8)
    if z != "Z":
        sign = 1 if z[0] == "+" else -1
        secs -= sign * (int(z[1:3]) * 3600 + int(z[4:6]) * 60)
    return secs * 10**9 + frac


def root_stats(d):
    """The root container's stored samples from the REST API, keyed by timestamp (ns)."""
    info = d.json("/api/v1.3/containers/", data=json.dumps({"num_stats": 1000}))
    return {rfc3339_ns(s["timestamp"]): s for s in info["stats"]}


def storage_counters(d):
    """{(family, driver): value} of the cadv_storage_* families in /metrics."""
    out = {}
    for line in d.get("/metrics").text.splitlines():
        m = re.match(r'(cadv_storage_\w+)\{driver="(\w+)"\} (\d+)', line)
        if m:
            out[(m.group(1), m.group(2))] = int(m.group(3))
    return out


class Proc:
    def __init__(self, args, cwd=None, stdin=None):
        self.log = tempfile.NamedTemporaryFile(prefix="cadv-backend-", suffix=".log", delete=False)
        self.p = subprocess.Popen(args, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                  stdin=stdin)

    def text(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        os.unlink(self.log.name)


# ---- flags ----

def test_unknown_driver_exits_2_naming_the_known_ones():
    r = subprocess.run([CADV_BIN, "-storage_driver=stdout,nosuch"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert "unknown storage driver 'nosuch'" in r.stderr
    for name in ("stdout", "influxdb", "redis", "statsd", "kafka", "elasticsearch"):
        assert name in r.stderr
    r = subprocess.run([CADV_BIN, "-storage_driver=bigquery"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2 and "'bigquery' is not supported" in r.stderr and "influxdb" in r.stderr


# ---- stdout, statsd, elasticsearch (fake) and kafka (mock cluster) in one daemon ----

class FakeES:
    """A _bulk endpoint that records request bodies; hang=True accepts and never answers."""

    def __init__(self, hang=False):
        self.bodies, self.paths = [], []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hang:
                    time.sleep(3600)
                outer.paths.append((self.path, self.headers.get("Content-Type")))
                outer.bodies.append(body.decode())
                reply = json.dumps({"took": 1, "errors": False, "items": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def docs(self):
        """[(action, document)] from every bulk body received."""
        out = []
        for b in list(self.bodies):
            lines = [x for x in b.split("\n") if x]
            assert len(lines) % 2 == 0, b[:300]
            out += [(json.loads(lines[i]), json.loads(lines[i + 1])) for i in range(0, len(lines), 2)]
        return out

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def statsd():
    if not os.path.exists(STATSD_JS) or not shutil.which("node"):
        pytest.skip("statsd from npm is not installed (scripts/install-deps)")
    port, mgmt = free_port(), free_port()
    tmp = tempfile.mkdtemp(prefix="cadv-statsd-")
    cfg = os.path.join(tmp, "config.js")
    with open(cfg, "w") as f:
        f.write('{port:%d,address:"127.0.0.1",mgmt_port:%d,mgmt_address:"127.0.0.1",'
                'backends:["./backends/console"],dumpMessages:true,flushInterval:1000}' % (port, mgmt))
    p = Proc(["node", STATSD_JS, cfg], cwd=os.path.dirname(STATSD_JS))
    wait_for(lambda: "server is up" in p.text() or p.p.poll() is not None, 30, "statsd")
    assert p.p.poll() is None, p.text()
    yield port, p
    p.stop()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def kafka():
    if not os.path.exists(KAFKA_MOCK):
        pytest.skip("tests/kafka-mock was not built")
    p = Proc([KAFKA_MOCK, "cadvstats"], stdin=subprocess.PIPE)
    bs = wait_for(lambda: re.search(r"^bootstrap (\S+)$", p.text(), re.M), 20, "kafka mock cluster").group(1)
    yield bs, p
    p.p.stdin.close()
    p.stop()


def test_stdout_statsd_elasticsearch_kafka(daemon, statsd, kafka):
    es = FakeES()
    sport, sproc = statsd
    bootstrap, kproc = kafka
    try:
        d = daemon("-docker_only", "-storage_driver=stdout,statsd,elasticsearch,kafka",
                   "-storage_driver_host=127.0.0.1:%d" % sport, "-storage_driver_db=cadvtest",
                   "-storage_driver_es_host=http://127.0.0.1:%d" % es.port,
                   "-storage_driver_kafka_broker_list=" + bootstrap, "-storage_driver_kafka_topic=cadvstats")
        wait_for(lambda: len(es.docs()) >= 2 and kproc.text().count("container_stats") >= 2
                 and "cadvtest./.memory_usage:" in sproc.text() and "cName=/ " in d.logtext(), 40,
                 "deliveries to all four drivers")
        stats = root_stats(d)

        # stdout: cAdvisor's line, with -storage_driver_host as host=.
        line = next(x for x in d.logtext().splitlines() if x.startswith("cName=/ "))
        kv = dict(x.split("=", 1) for x in line.split()[1:])
        assert kv["host"] == "127.0.0.1:%d" % sport
        for k in ("timestamp", "cpu_usage_total", "cpu_cumulative_usage", "cpu_usage_per_cpu.0", "load_average",
                  "memory_usage", "memory_working_set", "memory_failure.hierarchical.pgmajfault",
                  "fs_summary.fs_usage"):
            assert k in kv and kv[k].isdigit(), (k, line)
        assert kv["cpu_usage_total"] == kv["cpu_cumulative_usage"]

        # statsd: <db>.<container name>.<key>:<value>|g, the load as cpu_load_average.
        st = sproc.text()
        assert re.search(r"cadvtest\./\.cpu_usage_total:\d+\|g", st)
        assert re.search(r"cadvtest\./\.cpu_load_average:\d+\|g", st)
        assert "cadvtest./.load_average" not in st

        # elasticsearch: typed bulk actions; cAdvisor's document with the sample's time in µs.
        assert es.paths[0] == ("/_bulk", "application/x-ndjson")
        action, doc = es.docs()[0]
        assert action == {"index": {"_index": "cadvisor", "_type": "stats"}}
        assert list(doc) == ["timestamp", "machine_name", "container_Name", "container_stats"]
        assert doc["container_Name"] == "/" and doc["machine_name"] == socket.gethostname()
        ts_ns = rfc3339_ns(doc["container_stats"]["timestamp"])
        assert doc["timestamp"] == ts_ns // 1000
        assert doc["container_stats"] == json.loads(json.dumps(stats[ts_ns])), "ES document differs from REST"

        # kafka: one message per sample, cAdvisor's JSON with "now" as an RFC3339 time.
        msgs = [json.loads(x) for x in kproc.text().splitlines() if x.startswith("{")]
        m = msgs[0]
        assert list(m) == ["timestamp", "machine_name", "container_Name", "container_stats"]
        assert m["container_Name"] == "/"
        ts_ns = rfc3339_ns(m["container_stats"]["timestamp"])
        assert rfc3339_ns(m["timestamp"]) >= ts_ns
        assert m["container_stats"] == stats[ts_ns]

        c = storage_counters(d)
        for drv in ("stdout", "statsd", "elasticsearch", "kafka"):
            assert c[("cadv_storage_sent_total", drv)] >= 1
            assert c[("cadv_storage_dropped_total", drv)] == 0
    finally:
        es.stop()


def test_elasticsearch_typeless_and_a_backend_that_never_answers(daemon):
    es, hang = FakeES(), FakeES(hang=True)
    try:
        d = daemon("-docker_only", "-storage_driver=elasticsearch",
                   "-storage_driver_es_host=http://127.0.0.1:%d/" % es.port, "-storage_driver_es_typeless",
                   "-storage_driver_es_index=cadv-idx")
        wait_for(lambda: es.docs(), 30, "a bulk request")
        assert es.docs()[0][0] == {"index": {"_index": "cadv-idx"}}

        # A backend that accepts and never answers: delivery waits, collection goes on.
        h = daemon("-docker_only", "-storage_driver=elasticsearch",
                   "-storage_driver_es_host=http://127.0.0.1:%d" % hang.port)
        first = root_stats(h)
        wait_for(lambda: storage_counters(h).get(("cadv_storage_queue_length", "elasticsearch"), 0) >= 2, 30,
                 "samples queued behind the stuck request")
        later = root_stats(h)
        assert len(later) > len(first) and max(later) > max(first), "collection stalled"
        assert storage_counters(h)[("cadv_storage_sent_total", "elasticsearch")] == 0
        t0 = time.time()
        assert h.stop() == 0
        assert time.time() - t0 < 15, "shutdown was not bounded"
        assert "not delivered at shutdown" in h.logtext()
    finally:
        es.stop()
        hang.stop()


# ---- influxdb ----

class Influx:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="cadv-influx-")
        self.port = free_port()
        cfg = subprocess.run(["influxd", "config"], capture_output=True, text=True, check=True).stdout
        cfg = cfg.replace("/var/lib/influxdb", self.tmp)
        cfg = cfg.replace('bind-address = "127.0.0.1:8088"', 'bind-address = "127.0.0.1:%d"' % free_port())
        cfg = cfg.replace('bind-address = ":8086"', 'bind-address = "127.0.0.1:%d"' % self.port)
        cfg = cfg.replace("auth-enabled = false", "auth-enabled = true")
        cfg = cfg.replace("store-enabled = true", "store-enabled = false")
        path = os.path.join(self.tmp, "influxdb.conf")
        with open(path, "w") as f:
            f.write(cfg)
        self.proc = Proc(["influxd", "-config", path])
        wait_for(lambda: self._ping(), 60, "influxd")
        self.query("CREATE USER admin WITH PASSWORD 'secret' WITH ALL PRIVILEGES", auth=False)
        self.query('CREATE DATABASE "cadvisor"')

    def _ping(self):
        assert self.proc.p.poll() is None, self.proc.text()[-3000:]
        try:
            return http("http://127.0.0.1:%d/ping" % self.port, timeout=2).status == 204
        except OSError:
            return False

    def query(self, q, auth=True):
        params = {"q": q, "db": "cadvisor", "epoch": "ns"}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(b"admin:secret").decode()
        r = http("http://127.0.0.1:%d/query" % self.port, data=urllib.parse.urlencode(params), headers=headers)
        assert r.status == 200, r.text
        return r.json()

    def points(self, q):
        res = self.query(q)["results"][0]
        out = []
        for s in res.get("series", []):
            out += [dict(zip(s["columns"], v), **s.get("tags", {})) for v in s["values"]]
        return out

    def stop(self):
        self.proc.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def test_influxdb_points_match_the_rest_api_and_bad_credentials_are_reported(daemon):
    if not shutil.which("influxd"):
        pytest.skip("influxd is not installed (scripts/install-deps)")
    ix = Influx()
    try:
        host = "-storage_driver_host=127.0.0.1:%d" % ix.port
        d = daemon("-docker_only", "-storage_driver=influxdb", host, "-storage_driver_user=admin",
                   "-storage_driver_password=secret", "-storage_driver_buffer_duration=1s")
        bad = daemon("-docker_only", "-storage_driver=influxdb", host, "-storage_driver_buffer_duration=1s")
        pts = wait_for(lambda: ix.points("SELECT value FROM memory_usage WHERE container_name = '/' "
                                         "GROUP BY * ORDER BY time DESC LIMIT 3"), 40, "points in InfluxDB")
        stats = root_stats(d)
        p = pts[0]
        assert p["machine"] == socket.gethostname()
        assert p["time"] in stats, "point time is not a sample time"
        assert p["value"] == stats[p["time"]]["memory"]["usage"]
        cpu = ix.points("SELECT value FROM cpu_usage_per_cpu WHERE time = %d GROUP BY instance" % p["time"])
        per_cpu = stats[p["time"]]["cpu"]["usage"]["per_cpu_usage"]
        assert sorted((int(x["instance"]), x["value"]) for x in cpu) == list(enumerate(per_cpu))
        fails = ix.points("SELECT value FROM memory_failure WHERE time = %d GROUP BY *" % p["time"])
        assert {(x["failure_type"], x["scope"]) for x in fails} == {
            ("pgfault", "container"), ("pgmajfault", "container"), ("pgfault", "hierarchical"),
            ("pgmajfault", "hierarchical")}
        # The legacy stdout alias and the fs_summary sums are not InfluxDB series.
        assert not ix.points("SELECT value FROM cpu_cumulative_usage LIMIT 1")

        wait_for(lambda: "InfluxDB refused user 'root'" in bad.logtext(), 30, "the credentials error")
        assert bad.logtext().count("delivery failed") == 1, "the failure episode was logged more than once"
        assert storage_counters(bad)[("cadv_storage_errors_total", "influxdb")] >= 1
    finally:
        ix.stop()


# ---- redis, with the backend stopped and restarted mid-run ----

class Redis:
    def __init__(self, port=None, tmp=None):
        self.port = port or free_port()
        self.tmp = tmp or tempfile.mkdtemp(prefix="cadv-redis-")
        self.proc = Proc(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", self.tmp, "--dbfilename", "dump.rdb"])
        wait_for(lambda: self.cli("PING") == "PONG", 30, "redis-server")

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.port), "--raw"] + list(args), capture_output=True,
                           text=True, timeout=30)
        return r.stdout.strip()

    def records(self):
        out = self.cli("LRANGE", "cadvisor", "0", "-1")
        return [json.loads(x) for x in out.splitlines() if x.startswith("{")]

    def shutdown_saving(self):
        self.cli("SHUTDOWN", "SAVE")
        self.proc.p.wait(timeout=30)


def test_redis_outage_drops_are_counted_and_delivery_resumes(daemon):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (scripts/install-deps)")
    rd = Redis()
    try:
        d = daemon("-docker_only", "-storage_driver=redis", "-storage_driver_host=127.0.0.1:%d" % rd.port,
                   "-storage_driver_buffer_duration=1s", "-storage_driver_queue_size=3")
        wait_for(lambda: len(rd.records()) >= 2, 30, "records in redis")
        rec = rd.records()[0]
        assert list(rec) == ["timestamp", "machine_name", "container_Name", "container_stats"]
        assert rec["timestamp"] == rfc3339_ns(rec["container_stats"]["timestamp"]) // 1000

        rd.shutdown_saving()  # the list survives the restart
        outage_start = time.time_ns()
        wait_for(lambda: storage_counters(d)[("cadv_storage_dropped_total", "redis")] >= 3, 40, "drops")
        rd = Redis(port=rd.port, tmp=rd.tmp)
        outage_end = time.time_ns()
        wait_for(lambda: "delivery resumed" in d.logtext(), 40, "delivery to resume")
        # Everything collected until a little before the newest delivered sample was sent or dropped.
        wait_for(lambda: max(r["timestamp"] for r in rd.records()) * 1000 > outage_end + 3 * 10**9, 40,
                 "samples collected after the restart")
        delivered = {r["timestamp"] for r in rd.records()}
        cutoff = max(delivered) - 2 * 10**6
        stored = {ts // 1000 for ts in root_stats(d)}
        dropped = storage_counters(d)[("cadv_storage_dropped_total", "redis")]
        assert {t for t in delivered if t <= cutoff} <= stored
        lost = {t for t in stored if t <= cutoff} - delivered
        assert len(lost) == dropped, (len(lost), dropped)
        # Collection kept its schedule during the outage (sample timestamps, not wall-clock waits).
        during = sorted(t for t in stored if outage_start // 1000 <= t <= outage_end // 1000)
        assert during and max(b - a for a, b in zip(during, during[1:] or during)) < 5 * 10**6
        log = d.logtext()
        assert "queue full" in log and log.count("delivery failed") == 1
    finally:
        rd.proc.stop()
        shutil.rmtree(rd.tmp, ignore_errors=True)


# ---- Prometheus remote-write (beyond cAdvisor) ----

class RemoteWritePrometheus(Prometheus):
    """A Prometheus that scrapes nothing and takes remote-write pushes."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.dir = tempfile.mkdtemp(prefix="cadv-promrw-")
        self.port = free_port()
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  evaluation_interval: 1s\n")
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn",
             "--web.enable-remote-write-receiver"], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self._ready(), timeout=30, what="prometheus to start")


def series_labels(text, name, **match):
    """Label dicts of the /metrics series of a family whose labels include match."""
    out = []
    for line in text.splitlines():
        if line.startswith(name + "{"):
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', line[len(name):line.rindex("}") + 1]))
            if all(labels.get(k) == v for k, v in match.items()):
                out.append(labels)
    return out


def test_remote_write_pushes_the_metrics_series(daemon):
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip("prometheus not installed")
    prom = RemoteWritePrometheus()
    try:
        d = daemon("-docker_only", "-storage_driver=remote_write",
                   "-storage_driver_remote_write_url=http://127.0.0.1:%d/api/v1/write" % prom.port)
        res = wait_for(lambda: prom.query('container_memory_usage_bytes{id="/"}'), 40, "pushed series")
        assert len(res) == 1
        pushed = dict(res[0]["metric"])
        assert pushed.pop("__name__") == "container_memory_usage_bytes"
        assert [pushed] == series_labels(d.get("/metrics").text, "container_memory_usage_bytes", id="/")
        ts = prom.query('timestamp(container_memory_usage_bytes{id="/"})')[0]["value"][1]
        value = float(prom.query('container_memory_usage_bytes{id="/"}')[0]["value"][1])
        ts_ms = round(float(ts) * 1000)
        stats = {t // 10**6: s for t, s in root_stats(d).items()}
        assert value == stats[ts_ms]["memory"]["usage"]
        per_cpu = prom.query('container_cpu_usage_seconds_total{id="/"}')
        assert {r["metric"]["cpu"] for r in per_cpu} == {
            x["cpu"] for x in series_labels(d.get("/metrics").text, "container_cpu_usage_seconds_total", id="/")}
        assert storage_counters(d)[("cadv_storage_errors_total", "remote_write")] == 0
    finally:
        prom.stop()
