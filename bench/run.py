#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""run.py - cadv's benchmark harness (see bench/README.md): what cadv costs per container, side by
side with the floor (the same cgroup files read through kept-open fds without parsing), measured in
the same run on this host.

    /usr/bin/python3 bench/run.py --n 1000 --cadv build/cadv --floor build/bench/floor
    /usr/bin/python3 bench/run.py --smoke ...        # N=10, 3 s window; what the test suite runs
    /usr/bin/python3 bench/run.py --soak ...         # 10 min of cgroup churn, RSS slope
    /usr/bin/python3 bench/run.py --abuse ...        # hostile clients: RSS, /healthz latency
    /usr/bin/python3 bench/run.py --ui ...           # one open UI page: cadv CPU, page load time
    /usr/bin/python3 bench/run.py --floor-only ...   # the farm and the floor, no cadv

Needs root (it creates cgroups). Everything it creates is removed at the end, also on Ctrl-C,
SIGTERM and errors; tenants, cadv and the floor die with it even if it is SIGKILLed.
Standard library only.
"""

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abuse  # noqa: E402
import app  # noqa: E402
import farm  # noqa: E402
import probe  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def log(msg):
    print("bench: %s" % msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --- cadv -------------------------------------------------------------------------------------


class Cadv:
    """One cadv process on 127.0.0.1 and a free port, logging to a file."""

    def __init__(self, binary, args, workdir):
        self.binary = os.path.abspath(binary)
        self.port_file = os.path.join(workdir, "port-%d" % time.monotonic_ns())
        self.log_path = self.port_file.replace("port-", "cadv-") + ".log"
        self.argv = [self.binary, "-listen_ip=127.0.0.1", "-port=0", "-port_file=" + self.port_file] + args
        self.proc = None
        self.port = None
        self.t_exec = None
        self.terminated = False  # stopped by the harness (else it exited by itself)

    def start(self):
        self.t_exec = time.monotonic()
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=logf,
                                         stderr=subprocess.STDOUT, preexec_fn=probe.die_with_parent)

    @property
    def pid(self):
        return self.proc.pid

    def check_alive(self):
        rc = self.proc.poll()
        if rc is not None:
            raise BenchError("cadv exited with status %d; last log lines:\n%s" % (rc, indent(self.log_tail())))

    def log_tail(self, lines=15):
        """The last lines of cadv's log, runs of the same message (up to its first quote) folded."""
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace").splitlines()
        except OSError:
            return ""
        out, key, count = [], None, 0
        for line in text:
            k = line.partition("] ")[2].split("'")[0]
            if k == key:
                count += 1
                continue
            if count:
                out.append("    (%d more like the line above)" % count)
            out.append(line)
            key, count = k, 0
        if count:
            out.append("    (%d more like the line above)" % count)
        return "\n".join(out[-lines:])

    def wait_healthy(self, timeout):
        """Seconds from exec to the first /healthz 200."""
        deadline = self.t_exec + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if self.port is None:
                try:
                    with open(self.port_file) as f:
                        self.port = int(f.read().strip())
                except (OSError, ValueError):
                    self.port = None
            if self.port is not None:
                try:
                    if probe.get(self.port, "/healthz", timeout=2).status == 200:
                        return time.monotonic() - self.t_exec
                except OSError:
                    pass
            time.sleep(0.01)
        raise BenchError("cadv not healthy after %.0f s (port file %s)" % (timeout, self.port_file))

    def stop(self):
        """SIGTERM, then SIGKILL after 10 s; returns the exit status (negative: signal)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.terminated = True
        self.proc.terminate()
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def count_tracked(port, prefix, method_hint):
    """(count of <prefix>/* containers cadv knows, method used). Tries the cheap listing endpoints
    first: v1.3 containers/<prefix> (subcontainer references), v2.0 spec recursive, then /metrics."""
    methods = ["v1", "v2", "metrics"]
    if method_hint in methods:
        methods.remove(method_hint)
        methods.insert(0, method_hint)
    for m in methods:
        try:
            if m == "v1":
                st, js = probe.get_json(port, "/api/v1.3/containers" + prefix)
                if st == 200 and isinstance(js, dict):
                    subs = js.get("subcontainers") or []
                    return sum(1 for s in subs if s.get("name", "").startswith(prefix + "/")), m
            elif m == "v2":
                st, js = probe.get_json(port, "/api/v2.0/spec%s?recursive=true" % prefix)
                if st == 200 and isinstance(js, dict):
                    return sum(1 for k in js if k.startswith(prefix + "/")), m
            else:
                r = probe.get(port, "/metrics")
                if r.status == 200:
                    ids = probe.metric_ids(r.body)
                    return sum(1 for i in ids if i.startswith(prefix.encode() + b"/")), m
        except OSError:
            pass
    return 0, method_hint


def first_sample_ts(port, name):
    """Timestamp (epoch s) of the container's first sample, or None if it has none yet."""
    try:
        st, js = probe.get_json(port, "/api/v2.0/stats%s?type=name&count=1" % name, timeout=5)
        if st == 200 and isinstance(js, dict) and js.get(name):
            return probe.parse_ts(js[name][0].get("timestamp")) or time.time()
        if st != 200:
            st, js = probe.get_json(port, "/api/v1.3/containers" + name, timeout=5)
            if st == 200 and isinstance(js, dict) and js.get("stats"):
                return probe.parse_ts(js["stats"][0].get("timestamp")) or time.time()
    except OSError:
        pass
    return None


# --- one measured mode --------------------------------------------------------------------------


class Window:
    """The fixed measurement window: cadv's CPU against the floor's, RSS samples, and a handful
    of cgroups created along the way, timed to their first sample."""

    def __init__(self, a, fm, cadv, mode_tag, res):
        self.a, self.fm, self.cadv, self.res = a, fm, cadv, res
        self.mode_tag = mode_tag
        self.probes = {}  # name -> [t_created_wall, t_last_poll, latency_s or None]

    def start_floor(self, list_path):
        argv = [self.a.floor, "read", "--list", list_path, "--interval-ms", str(self.a.interval_ms),
                "--duration-s", str(self.a.window)]
        if self.a.floor_fd_budget is not None:
            argv += ["--fd-budget", str(self.a.floor_fd_budget)]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, preexec_fn=probe.die_with_parent)
        ready = p.stdout.readline().split()
        if len(ready) != 3 or ready[0] != "ready":
            p.kill()
            p.wait()
            raise BenchError("floor did not start: %r" % ready)
        self.res["floor_files"], self.res["floor_kept"] = int(ready[1]), int(ready[2])
        return p

    def poll_probes(self, now_wall):
        for name, pr in self.probes.items():
            if pr[2] is not None or now_wall - pr[1] < 0.05 or now_wall - pr[0] > self.a.probe_timeout:
                continue
            pr[1] = now_wall
            ts = first_sample_ts(self.cadv.port, name) if self.cadv else None
            if ts is not None:
                pr[2] = ts - pr[0]

    def start_mkdir_lat(self):
        """`floor mkdir-lat` over the window: a new cgroup made and removed in the cpuacct and
        memory hierarchies and the cgroup2 mount about every 100 ms, each mkdir timed."""
        dirs = self.fm.mkdir_probe_dirs("mkdir-lat-%s" % self.mode_tag)
        if not dirs or not self.a.mkdir_interval_ms:
            return None
        argv = [self.a.floor, "mkdir-lat", "--interval-ms", str(self.a.mkdir_interval_ms),
                "--duration-s", str(self.a.window), "--parent", str(os.getpid())]
        for d in dirs:
            argv += ["--dir", d]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        if p.stdout.readline().strip() != "ready":
            p.kill()
            p.wait()
            raise BenchError("floor mkdir-lat did not start")
        self.res["mkdir_hiers"] = ", ".join(os.path.basename(d.split(self.fm.prefix)[0]) for d in dirs)
        return p

    def finish_mkdir_lat(self, p):
        out = p.stdout.read()
        p.wait()
        p.stdout.close()
        try:
            mj = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise BenchError("floor mkdir-lat gave no result: %r" % out[-200:])
        lat = mj["lat_us"]
        self.res["mkdir_n"], self.res["mkdir_errors"] = len(lat), mj["errors"]
        if lat:
            self.res["mk_p50"] = probe.percentile(lat, 50) / 1000.0
            self.res["mk_p99"] = probe.percentile(lat, 99) / 1000.0
            self.res["mk_max"] = max(lat) / 1000.0

    def run(self, list_path):
        floor = self.start_floor(list_path)
        mk = None
        try:
            mk = self.start_mkdir_lat()
            self.measure(floor)
            if mk is not None:
                self.finish_mkdir_lat(mk)
        finally:
            for p in (floor, mk):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait()
        self.fm.remove(list(self.probes))

    def measure(self, floor):
        a = self.a
        t0 = time.monotonic()
        c0 = probe.cpu_seconds(self.cadv.pid) if self.cadv else None
        due = [t0 + a.window * (i + 1) / (a.probes + 1) for i in range(a.probes)]
        rss, next_rss, c1, wall = [], t0, None, None
        while True:
            now = time.monotonic()
            if self.cadv:
                self.cadv.check_alive()
                if now >= next_rss:
                    rss.append(probe.status_kb(self.cadv.pid)["VmRSS"])
                    next_rss += 1.0
            if wall is None and now >= t0 + a.window:
                wall = now - t0
                c1 = probe.cpu_seconds(self.cadv.pid) if self.cadv else None
            while due and now >= due[0] and wall is None:
                due.pop(0)
                name, t_created = self.fm.add("probe-%s-%d" % (self.mode_tag, len(self.probes) + 1))
                self.probes[name] = [t_created, 0.0, None]
            self.poll_probes(time.time())
            pending = [p for p in self.probes.values()
                       if p[2] is None and time.time() - p[0] <= a.probe_timeout]
            if wall is not None and floor.poll() is not None and not pending:
                break
            time.sleep(0.02)
        out = floor.stdout.read()
        floor.wait()
        try:
            fj = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise BenchError("floor gave no result: %r" % out[-200:])
        self.res["floor_cpu"] = 100.0 * (fj["utime_s"] + fj["stime_s"]) / fj["wall_s"]
        self.res["floor_errors"] = fj["errors"]
        if self.cadv:
            self.res["cadv_cpu"] = 100.0 * (c1 - c0) / wall
            self.res["rss_mb"] = sum(rss) / len(rss) / 1024.0
        lat = [p[2] for p in self.probes.values() if p[2] is not None]
        self.res["probe_n"] = len(self.probes)
        self.res["probe_ok"] = len(lat)
        self.res["probe_p50_ms"] = None if not lat else 1000.0 * probe.percentile(lat, 50)
        self.res["probe_max_ms"] = None if not lat else 1000.0 * max(lat)


def wait_tracked(a, cadv, fm, res):
    """Polls cadv until every farm container is listed; returns seconds since exec."""
    deadline = time.monotonic() + a.track_timeout
    method, count = None, 0
    while time.monotonic() < deadline:
        cadv.check_alive()
        count, method = count_tracked(cadv.port, fm.prefix, method)
        if count >= a.n:
            res["track_method"] = method
            return time.monotonic() - cadv.t_exec
        time.sleep(0.1)
    res["track_method"] = method
    msg = "only %d of %d cgroups tracked after %.0f s" % (count, a.n, a.track_timeout)
    if not a.keep_going:
        raise BenchError(msg)
    res["notes"].append(msg)
    return None


RENDER_RE = re.compile(rb"^cadv_scrape_duration_seconds(?:\{[^}]*\})? (\S+)", re.M)


def scrape_metrics(a, port, res, key, who, gap_s=0.0):
    """--scrapes GETs of /metrics plain, then as many with Accept-Encoding: gzip, each on a fresh
    connection: latency p50/p99 and size into res[key + "_p50"], ... and res[key + "z_p50"], ...
    gap_s > 0: the plain scrapes that far apart, each body's cadv_scrape_duration_seconds (the
    previous scrape's render) into res[key + "_render_p50"] and _p99. Returns the body of the last
    plain scrape (None when too large to keep)."""
    body = None
    for gz in (False, True):
        times, sizes, enc, renders = [], [], None, []
        for i in range(a.scrapes):
            spaced = gap_s > 0 and not gz
            keep = (not gz and i == a.scrapes - 1) or spaced
            if spaced and i > 0:
                time.sleep(gap_s)
            r = probe.get(port, "/metrics", gzip=gz, keep=keep)
            if r.status != 200:
                raise BenchError("%s /metrics returned %d" % (who, r.status))
            if spaced and i > 0 and r.body is not None:
                m = RENDER_RE.search(r.body)
                if m:
                    renders.append(float(m.group(1)))
            if not gz and i == a.scrapes - 1:
                body = r.body
            times.append(r.seconds)
            sizes.append(r.size)
            enc = r.encoding
        if renders:
            res[key + "_render_p50"] = 1000.0 * probe.percentile(renders, 50)
            res[key + "_render_p99"] = 1000.0 * probe.percentile(renders, 99)
        k = key + ("z" if gz else "")
        res[k + "_p50"] = 1000.0 * probe.percentile(times, 50)
        res[k + "_p99"] = 1000.0 * probe.percentile(times, 99)
        res[k + "_mb"] = max(sizes) / 1e6
        if gz and enc != "gzip":
            res["notes"].append("%s /metrics with Accept-Encoding: gzip came back %s" % (
                who, enc or "uncompressed"))
    return body


def series_count(body):
    return sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))


def measure_metrics_floor(a, workdir, body, res):
    """The floor of /metrics: `floor serve-metrics` serves cadv's captured body, its values and
    timestamps formatted again on every request, and is scraped as cadv was."""
    if body is None:
        res["notes"].append("/metrics floor not measured: cadv's body was too large to keep")
        return
    path = os.path.join(workdir, "metrics-body")
    with open(path, "wb") as f:
        f.write(body)
    argv = [a.floor, "serve-metrics", "--body", path, "--parent", str(os.getpid()),
            "--duration-s", str(max(120, 10 * a.scrapes))]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=probe.die_with_parent)
    try:
        ready = p.stdout.readline().split()
        if len(ready) != 4 or ready[0] != "ready":
            p.kill()
            raise BenchError("floor serve-metrics did not start: %r %s" % (ready, p.stderr.read()[-300:]))
        series = series_count(body)
        if int(ready[2]) != series:
            res["notes"].append("/metrics floor has %s series, cadv's body %d" % (ready[2], series))
        res["m_series"] = series
        fbody = scrape_metrics(a, int(ready[1]), res, "fm", "floor")
        if fbody is not None and series_count(fbody) != series:
            res["notes"].append("/metrics floor served %d series, cadv %d" % (series_count(fbody), series))
    except (BenchError, OSError) as e:
        res["notes"].append("/metrics floor not measured: %s" % e)
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stdout.close()
        p.stderr.close()


def measure_http(a, cadv, fm, workdir, res):
    """/metrics (plain and gzip) and its floor, then /api/v1.3/subcontainers/, after the window."""
    body = scrape_metrics(a, cadv.port, res, "m", "cadv", a.scrape_gap_ms / 1000.0)
    if body is not None:
        res["tracked_total"] = len(probe.metric_ids(body))
        for line in body.split(b"\n"):
            name, _, val = line.partition(b" ")
            if name in (b"cadv_containers", b"cadv_history_bytes", b"cadv_derived_stats_bytes"):
                res[name.decode()] = float(val.split()[0])
    measure_metrics_floor(a, workdir, body, res)
    res["hwm_metrics"] = probe.status_kb(cadv.pid)["VmHWM"] / 1024.0
    rss0 = probe.status_kb(cadv.pid)["VmRSS"]
    times, size = [], 0
    for _ in range(a.sub_requests):
        r = probe.get(cadv.port, "/api/v1.3/subcontainers/", keep=False, timeout=600)
        if r.status != 200:
            raise BenchError("/api/v1.3/subcontainers/ returned %d" % r.status)
        times.append(r.seconds)
        size = max(size, r.size)
    time.sleep(1.0)
    res["sub_ms"] = 1000.0 * probe.percentile(times, 50)
    res["sub_mb"] = size / 1e6
    res["sub_growth_mb"] = (probe.status_kb(cadv.pid)["VmRSS"] - rss0) / 1024.0
    res["hwm_sub"] = probe.status_kb(cadv.pid)["VmHWM"] / 1024.0


def describe_kept_open(a, cadv, fm, res):
    """Compares the files cadv keeps open per container with the floor's list."""
    per = probe.kept_open(cadv.pid, fm.hiers, fm.names())
    floor_set = {"%s:%s" % (os.path.basename(h.path), f) for h, f in fm.files}
    union = set().union(*per.values()) if per else set()
    files = {x for x in union if not x.endswith(":/")}
    res["kept_containers"] = len(per)
    names = [fm.prefix + "/" + x for x in a.leaves]
    res["kept_cycle_files"] = sum(len(per.get(n, set()) & floor_set) for n in names)
    res["cycle_files"] = len(names) * len(floor_set)
    res["kept_files_per"] = len(files)
    res["kept_dirs_per"] = len(union) - len(files)
    if per and files != floor_set:
        res["notes"].append("cadv keeps open per container files not in the floor list: %s; floor files "
                            "cadv does not keep open: %s" % (", ".join(sorted(files - floor_set)) or "none",
                                                             ", ".join(sorted(floor_set - files)) or "none"))


def run_mode(a, fm, list_path, workdir, dynamic, res):
    """Measures one housekeeping mode into res (filled as far as it got when it raises);
    res["collector"], when set, is passed as -collector."""
    if a.floor_only:
        Window(a, fm, None, "floor", res).run(list_path)
        return res
    args = ["-housekeeping_interval=%s" % go_duration(a.interval_ms),
            "-allow_dynamic_housekeeping=%s" % ("true" if dynamic else "false"),
            "-storage_duration=%s" % a.storage_duration] + a.cadv_arg
    if res.get("collector") not in (None, "default"):
        args.append("-collector=%s" % res["collector"])
    cadv = Cadv(a.cadv, args, workdir)
    res["cadv_argv"] = shown_argv(cadv)
    cadv.start()
    try:
        res["startup_health_s"] = cadv.wait_healthy(a.track_timeout)
        res["startup_tracked_s"] = wait_tracked(a, cadv, fm, res)
        time.sleep(a.settle)
        tag = ("on" if dynamic else "off") + ("-" + res["collector"] if res.get("collector") else "")
        Window(a, fm, cadv, tag, res).run(list_path)
        res["fds"] = probe.fd_count(cadv.pid)
        res["hwm_window"] = probe.status_kb(cadv.pid)["VmHWM"] / 1024.0
        describe_kept_open(a, cadv, fm, res)
        measure_http(a, cadv, fm, workdir, res)
        res["rss_end_mb"] = probe.status_kb(cadv.pid)["VmRSS"] / 1024.0
        st = probe.status_kb(cadv.pid)
        res["peak_mb"] = st["VmHWM"] / 1024.0
        total = res.get("tracked_total") or a.n
        res["kb_per_container"] = res["rss_mb"] * 1024.0 / total
        cadv.check_alive()
    finally:
        check_exit(cadv, res)
    return res


# --- storage drivers: backends that take everything and answer at once --------------------------


class DriverSinks:
    """Loopback backends for --storage-driver runs: an HTTP sink (influxdb /write, elasticsearch
    _bulk, remote-write), a UDP socket nobody reads (statsd), redis-server and the Kafka mock."""

    def __init__(self, workdir):
        import http.server
        import socket
        import threading

        class Sink(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = b'{"errors":false,"items":[]}' if self.path.startswith("/_bulk") else b""
                self.send_response(200 if body else 204)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.procs, self.workdir = [], workdir

    def flags(self, driver):
        hp = "127.0.0.1:%d" % self.http.server_address[1]
        if driver == "statsd":
            return ["-storage_driver_host=127.0.0.1:%d" % self.udp.getsockname()[1]]
        if driver == "influxdb":
            return ["-storage_driver_host=" + hp, "-storage_driver_buffer_duration=1s"]
        if driver == "elasticsearch":
            return ["-storage_driver_es_host=http://" + hp]
        if driver == "remote_write":
            return ["-storage_driver_remote_write_url=http://%s/api/v1/write" % hp]
        if driver == "redis":
            port = free_port()
            self.start(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no"])
            time.sleep(1)
            return ["-storage_driver_host=127.0.0.1:%d" % port, "-storage_driver_buffer_duration=1s"]
        if driver == "kafka":
            p = self.start([os.path.join(REPO, "build", "tests", "kafka-mock"), "stats"], out=subprocess.PIPE)
            line = p.stdout.readline().split()
            p.stdout.close()  # its consumer's output is not needed
            return ["-storage_driver_kafka_broker_list=" + line[1]]
        return []

    def start(self, argv, out=subprocess.DEVNULL):
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.DEVNULL, text=True,
                             preexec_fn=probe.die_with_parent)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            p.terminate()
            p.wait()
        self.procs = []


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_drivers(a, fm, list_path, workdir, results):
    """One dynamic-off window per --storage-driver; notes its CPU over the no-driver run."""
    base = next((r for r in results if r.get("mode") == "dynamic off" and r.get("cadv_cpu") is not None), None)
    sinks = DriverSinks(workdir)
    try:
        for d in a.storage_driver:
            log("measuring storage driver %s" % d)
            res = {"n": a.n, "mode": "driver " + d, "notes": []}
            results.append(res)
            saved = a.cadv_arg
            a.cadv_arg = saved + ["-storage_driver=" + d] + sinks.flags(d)
            try:
                run_mode(a, fm, list_path, workdir, False, res)
                if base:
                    res["notes"].append("CPU %.1f%% over the no-driver run (%.1f%% vs %.1f%%)" % (
                        res["cadv_cpu"] - base["cadv_cpu"], res["cadv_cpu"], base["cadv_cpu"]))
            except (BenchError, OSError) as e:
                log("FAILED: %s" % e)
                res["error"] = str(e)
            finally:
                a.cadv_arg = saved
                sinks.close()
    finally:
        sinks.http.shutdown()


def run_perf(a, fm, list_path, workdir, results):
    """One dynamic-off window with -perf_events_config counting --perf-events in every container;
    notes its CPU over the run without it (both from this run)."""
    base = next((r for r in results if r.get("mode") == "dynamic off" and r.get("cadv_cpu") is not None), None)
    events = [e for e in a.perf_events.split(",") if e]
    cfg = os.path.join(workdir, "perf-events.json")
    with open(cfg, "w") as f:
        json.dump({"core": {"events": events}}, f)
    log("measuring perf events %s" % ",".join(events))
    res = {"n": a.n, "mode": "perf " + ",".join(events), "notes": []}
    results.append(res)
    saved = a.cadv_arg
    a.cadv_arg = saved + ["-perf_events_config=" + cfg]
    try:
        run_mode(a, fm, list_path, workdir, False, res)
        if base:
            res["notes"].append("perf_event kind: cadv CPU %.2f%% vs %.2f%% without it: x%.2f, +%.2f%% of a core; "
                                "fds %s vs %s; floor CPU %.2f%% vs %.2f%% (counting cgroup events also costs "
                                "every context switch of the host, which falls on the tenants, not on cadv)" % (
                                    res["cadv_cpu"], base["cadv_cpu"], res["cadv_cpu"] / base["cadv_cpu"],
                                    res["cadv_cpu"] - base["cadv_cpu"], res.get("fds"), base.get("fds"),
                                    res["floor_cpu"], base["floor_cpu"]))
    except (BenchError, OSError) as e:
        log("FAILED: %s" % e)
        res["error"] = str(e)
    finally:
        a.cadv_arg = saved


def check_exit(cadv, res):
    """Stops cadv; a non-zero exit or a sanitizer report in its log fails the run."""
    rc = cadv.stop()
    res["exit_status"] = rc
    if rc not in (0, None) and cadv.terminated:
        res["notes"].append("cadv exited with status %s after SIGTERM; log tail:\n%s" % (
            rc, indent(cadv.log_tail())))
        res["failed"] = True
    try:
        with open(cadv.log_path, "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        text = ""
    for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "ThreadSanitizer"):
        if marker in text:
            i = text.index(marker)
            res["notes"].append("sanitizer report in cadv's log:\n%s" % indent(text[max(0, i - 200):i + 1500]))
            res["failed"] = True
            break


def indent(text):
    return "\n".join("    " + line for line in text.splitlines())


def go_duration(ms):
    return "%ds" % (ms // 1000) if ms % 1000 == 0 else "%dms" % ms


def shown_argv(cadv):
    b = cadv.binary
    if b.startswith(REPO + "/"):
        b = os.path.relpath(b, REPO)
    return " ".join([b] + [x for x in cadv.argv[1:] if "port" not in x])


# --- report -------------------------------------------------------------------------------------

COLUMNS = [
    ("N", "n", "%d"), ("mode", "mode", "%s"), ("collector", "collector", "%s"), ("cadv CPU %", "cadv_cpu", "%.2f"),
    ("floor CPU %", "floor_cpu", "%.2f"), ("ratio", "ratio", "%.2f"), ("RSS MB", "rss_mb", "%.1f"),
    ("peak RSS MB", "peak_mb", "%.1f"), ("KB/container", "kb_per_container", "%.1f"), ("fds", "fds", "%d"),
    ("/metrics ms p50/p99", ("m_p50", "m_p99"), "%.1f/%.1f"),
    ("/metrics render ms p50/p99 (spaced)", ("m_render_p50", "m_render_p99"), "%.1f/%.1f"),
    ("/metrics floor ms p50/p99", ("fm_p50", "fm_p99"), "%.1f/%.1f"), ("/metrics ratio", "m_ratio", "%.2f"),
    ("/metrics MB", "m_mb", "%.2f"), ("gzip ms p50/p99", ("mz_p50", "mz_p99"), "%.1f/%.1f"),
    ("gzip floor ms p50/p99", ("fmz_p50", "fmz_p99"), "%.1f/%.1f"), ("gzip ratio", "mz_ratio", "%.2f"),
    ("gzip MB", "mz_mb", "%.2f"),
    ("subcontainers ms", "sub_ms", "%.0f"), ("subcontainers MB", "sub_mb", "%.1f"),
    ("RSS growth MB", "sub_growth_mb", "%.1f"), ("startup s healthz/tracked", ("startup_health_s",
                                                                          "startup_tracked_s"), "%.2f/%.2f"),
    ("create→sample ms p50/max", ("probe_p50_ms", "probe_max_ms"), "%.0f/%.0f"),
    ("mkdir ms p50/p99/max", ("mk_p50", "mk_p99", "mk_max"), "%.2f/%.2f/%.2f"),
]


def cell(res, key, fmt):
    keys = key if isinstance(key, tuple) else (key,)
    vals = [res.get(k) for k in keys]
    if any(v is None for v in vals):
        return "–" if all(v is None for v in vals) else "/".join("–" if v is None else "%.1f" % v for v in vals)
    return fmt % tuple(vals)


def table(results):
    lines = ["| " + " | ".join(c[0] for c in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in results:
        if r.get("cadv_cpu") is not None and r.get("floor_cpu"):
            r["ratio"] = r["cadv_cpu"] / r["floor_cpu"]
        for k in ("m", "mz"):
            if r.get(k + "_p50") is not None and r.get("f" + k + "_p50"):
                r[k + "_ratio"] = r[k + "_p50"] / r["f" + k + "_p50"]
        lines.append("| " + " | ".join(cell(r, k, f) for _, k, f in COLUMNS) + " |")
    return "\n".join(lines)


def git_desc():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return rev + (" (src modified)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.machine()


def report(a, fm, results, started):
    r0 = next((r for r in results if r.get("floor_files")), {})
    argv = next((r["cadv_argv"] for r in results if r.get("cadv_argv")), "(not run)")
    out = ["# cadv benchmark: N=%d, %s" % (a.n, time.strftime("%Y-%m-%d %H:%M", time.localtime(started))), "",
           "- host: Linux %s, %d CPUs (%s); commit %s" % (platform.release(), os.cpu_count(), cpu_model(),
                                                       a.commit),
           "- farm: %d cgroups under %s in %d hierarchies (%s), %d busy (%d µs of CPU every %d µs)" % (
               a.n, fm.prefix, len(fm.hiers), ", ".join(os.path.basename(h.path) for h in fm.hiers),
               len(a.busy_leaves), a.busy_us, a.busy_period_us),
           "- cadv: `%s`; window %g s after %g s settle" % (argv, a.window, a.settle),
           "- floor: %d files per container (%s), every %d ms; %s of %s files kept open" % (
               len(fm.files), ", ".join("%s:%s" % (os.path.basename(h.path), f) for h, f in fm.files),
               a.interval_ms, r0.get("floor_kept", "?"), r0.get("floor_files", "?")),
           "- reproduce: `make bench N=%d` (`/usr/bin/python3 bench/run.py --n %d --window %g`)" % (
               a.n, a.n, a.window), "",
           table(results), ""]
    for r in results:
        m = r["mode"] + (", -collector=" + r["collector"] if r.get("collector") else "")
        if r.get("mkdir_n") is not None:
            out.append("- %s: mkdir latency: %d mkdirs of a new cgroup in %s (one each about every %d ms, "
                       "random phase), %d failed" % (m, r["mkdir_n"], r.get("mkdir_hiers", "?"),
                                                     a.mkdir_interval_ms, r.get("mkdir_errors", 0)))
        if r.get("kept_containers") is not None:
            out.append("- %s: cadv keeps open up to %d files and %d directories per container (%d farm "
                       "containers seen), %d of the %d per-cycle files (%.0f%%); %s sampled creation→first "
                       "sample; tracked by %s; %s container ids in /metrics" % (
                           m, r["kept_files_per"], r["kept_dirs_per"], r["kept_containers"],
                           r["kept_cycle_files"], r["cycle_files"],
                           100.0 * r["kept_cycle_files"] / max(1, r["cycle_files"]),
                           "%d/%d" % (r.get("probe_ok", 0), r.get("probe_n", 0)), r.get("track_method"),
                           r.get("tracked_total", "?")))
        if r.get("fm_p50") is not None:
            out.append("- %s: /metrics floor: cadv's body of %d series served by `floor serve-metrics`, values "
                       "and timestamps formatted again per request: %.2f MB plain, %.2f MB gzip (cadv: %.2f, "
                       "%.2f)" % (m, r["m_series"], r["fm_mb"], r["fmz_mb"], r["m_mb"], r["mz_mb"]))
        if r.get("m_render_p50") is not None:
            out.append("- %s: /metrics render: cadv_scrape_duration_seconds of %d plain scrapes %d ms apart "
                       "(each the render of the scrape before it: past the interval no body is reused)" % (
                           m, a.scrapes - 1, a.scrape_gap_ms))
        if r.get("cadv_derived_stats_bytes") is not None and r.get("cadv_containers"):
            out.append("- %s: self metrics: %d containers, `cadv_derived_stats_bytes` %.1f MB (%.0f bytes per container), "
                       "`cadv_history_bytes` %.1f MB (%.0f per container)" % (
                           m, r["cadv_containers"], r["cadv_derived_stats_bytes"] / 1e6,
                           r["cadv_derived_stats_bytes"] / r["cadv_containers"], r.get("cadv_history_bytes", 0) / 1e6,
                           r.get("cadv_history_bytes", 0) / r["cadv_containers"]))
        if r.get("hwm_window") is not None:
            out.append("- %s: cadv VmHWM %.1f MB after the window, %.1f MB after the /metrics scrapes, "
                       "%.1f MB after /api/v1.3/subcontainers/; VmRSS %.1f MB at the end" % (
                           m, r["hwm_window"], r["hwm_metrics"], r["hwm_sub"], r["rss_end_mb"]))
        for n in r.get("notes", []):
            out.append("- %s: %s" % (m, n))
        if r.get("error"):
            out.append("- %s: FAILED: %s" % (m, r["error"]))
    return "\n".join(out).rstrip() + "\n"


# --- soak -----------------------------------------------------------------------------------------


def run_soak(a, fm, workdir):
    """cgroups created and removed continuously under a running cadv; RSS sampled every 10 s."""
    args = ["-housekeeping_interval=%s" % go_duration(a.interval_ms), "-storage_duration=%s" % a.storage_duration,
            "-allow_dynamic_housekeeping=%s" % ("false" if a.skip_dynamic else "true")] + a.cadv_arg
    cadv = Cadv(a.cadv, args, workdir)
    res = {"notes": []}
    cadv.start()
    samples, live, made = [], [], 0
    try:
        cadv.wait_healthy(a.track_timeout)
        wait_tracked(a, cadv, fm, res)
        t0 = time.monotonic()
        next_sample, next_churn = t0, t0
        while time.monotonic() < t0 + a.soak_duration:
            now = time.monotonic()
            cadv.check_alive()
            if now >= next_churn:
                for _ in range(a.churn):
                    made += 1
                    live.append(fm.add("s%06d" % made)[0])
                if len(live) > 10 * a.churn:
                    fm.remove(live[:a.churn])
                    del live[:a.churn]
                next_churn += 1.0
            if now >= next_sample:
                st = probe.status_kb(cadv.pid)
                samples.append((now - t0, st["VmRSS"], probe.fd_count(cadv.pid)))
                log("soak %4.0f s: RSS %.1f MB, %d fds, %d created" % (now - t0, st["VmRSS"] / 1024.0,
                                                                      samples[-1][2], made))
                next_sample += 10.0
            time.sleep(0.01)
        st = probe.status_kb(cadv.pid)
        samples.append((time.monotonic() - t0, st["VmRSS"], probe.fd_count(cadv.pid)))
        time.sleep(3.0)
        count, _ = count_tracked(cadv.port, fm.prefix, res.get("track_method"))
    finally:
        check_exit(cadv, res)
    warm = [s for s in samples if s[0] >= a.soak_warmup] or samples[len(samples) // 2:]
    slope = probe.slope_per_min([(t, kb) for t, kb, _ in warm])
    fd_slope = probe.slope_per_min([(t, fds) for t, _, fds in warm])
    out = ["# cadv soak: N=%d + %d cgroups created and removed per second for %g s, %s" % (
               a.n, a.churn, a.soak_duration, time.strftime("%Y-%m-%d %H:%M")), "",
           "- cadv: `%s`; commit %s" % (shown_argv(cadv), a.commit),
           "- %d cgroups created and %d removed; cadv lists %d of the %d alive at the end" % (
               made, made - len(live), count, a.n + len(live)),
           "- RSS slope after %g s warm-up: **%s KB/min**; fds slope: %s per min" % (
               a.soak_warmup, "–" if slope is None else "%.1f" % slope,
               "–" if fd_slope is None else "%.2f" % fd_slope), "",
           "| t s | RSS MB | fds |", "|---|---|---|"]
    out += ["| %.0f | %.1f | %d |" % (t, kb / 1024.0, fds) for t, kb, fds in samples]
    return "\n".join(out + [""] + ["- " + n for n in res["notes"]]).rstrip() + "\n", res.get("failed", False)


# --- abuse ----------------------------------------------------------------------------------------

BIGGEST = "/api/v2.0/stats/?recursive=true&count=-1"


def healthz_series(port, count, res, key):
    """count GET /healthz from 127.0.0.1, 0.1 s apart: answered count and p50/p99/max ms in res."""
    lat, ok = [], 0
    for _ in range(count):
        status, took = abuse.healthz(port, timeout=10.0)
        if status == 200:
            ok += 1
            lat.append(took)
        time.sleep(0.1)
    res[key + "_ok"] = ok
    res[key + "_n"] = count
    for q in (50, 99):
        res["%s_p%d" % (key, q)] = None if not lat else 1000.0 * probe.percentile(lat, q)
    res[key + "_max"] = None if not lat else 1000.0 * max(lat)


def run_abuse(a, fm, workdir):
    """Hostile clients against cadv tracking the farm (bench/README.md, "Abuse")."""
    args = ["-housekeeping_interval=%s" % go_duration(a.interval_ms), "-storage_duration=%s" % a.storage_duration,
            "-allow_dynamic_housekeeping=false"] + a.cadv_arg
    cadv = Cadv(a.cadv, args, workdir)
    res = {"notes": []}
    abuse.raise_nofile(a.abuse_idle + a.abuse_clients + 1024)
    cadv.start()
    try:
        cadv.wait_healthy(a.track_timeout)
        wait_tracked(a, cadv, fm, res)
        time.sleep(a.settle)
        big = probe.get(cadv.port, BIGGEST, keep=False)
        res["big_mb"], res["big_s"] = big.size / 1e6, big.seconds
        res["rss0"] = probe.status_kb(cadv.pid)["VmRSS"] / 1024.0
        healthz_series(cadv.port, a.abuse_probes, res, "hz_idle")
        # 40 clients request the biggest body and never read it.
        readers = abuse.never_readers(cadv.port, BIGGEST, a.abuse_clients)
        peak, t_end = res["rss0"], time.monotonic() + a.abuse_hold
        while time.monotonic() < t_end:
            cadv.check_alive()
            peak = max(peak, probe.status_kb(cadv.pid)["VmRSS"] / 1024.0)
            time.sleep(0.25)
        res["rss_readers"] = peak
        res["readers_cut"] = abuse.cut_count(readers)
        abuse.close_all(readers)
        # Idle connections (nothing sent): from one address, then spread over 40 addresses.
        for key, srcs in (("hz_one", ["127.0.0.2"]), ("hz_spread", ["127.0.0.%d" % (20 + i) for i in range(40)])):
            socks, refused = [], 0
            per = a.abuse_idle // len(srcs)
            t0 = time.monotonic()
            for src in srcs:
                got, bad = abuse.idle_connections(cadv.port, per, src)
                socks += got
                refused += bad
            res[key + "_open_s"] = time.monotonic() - t0
            time.sleep(0.5)
            res[key + "_held"] = len(socks) - abuse.cut_count(socks)
            res[key + "_refused"] = refused
            healthz_series(cadv.port, a.abuse_probes, res, key)
            abuse.close_all(socks)
            time.sleep(1.0)
        res["rss_end"] = probe.status_kb(cadv.pid)["VmRSS"] / 1024.0
        res["hwm_end"] = probe.status_kb(cadv.pid)["VmHWM"] / 1024.0
    finally:
        check_exit(cadv, res)
    return abuse_report(a, cadv, res), res.get("failed", False)


def abuse_report(a, cadv, res):
    def ms(key):
        return "%d/%d answered, p50 %s ms, p99 %s ms, max %s ms" % (
            res[key + "_ok"], res[key + "_n"], *("–" if res[key + k] is None else "%.1f" % res[key + k]
                                                 for k in ("_p50", "_p99", "_max")))
    out = ["# cadv abuse: N=%d, %s" % (a.n, time.strftime("%Y-%m-%d %H:%M")), "",
           "- cadv: `%s`; commit %s; host: %s, %d CPUs" % (shown_argv(cadv), a.commit, cpu_model(),
                                                            os.cpu_count()),
           "- biggest response `%s`: **%.1f MB**, read in %.2f s" % (BIGGEST, res["big_mb"], res["big_s"]),
           "- VmRSS before: %.1f MB; /healthz idle: %s" % (res["rss0"], ms("hz_idle")),
           "- **%d clients requesting it and never reading** (4 KB receive buffers), held %g s: peak VmRSS "
           "**%.1f MB** (+%.1f MB; %d of them cut by cadv's timeout meanwhile)" % (
               a.abuse_clients, a.abuse_hold, res["rss_readers"], res["rss_readers"] - res["rss0"],
               res["readers_cut"]),
           "- **%d idle connections from one address** (opened in %.1f s; %d still open 0.5 s later, the rest "
           "closed by cadv at once; %d failed to connect): /healthz from another address: **%s**" % (
               a.abuse_idle, res["hz_one_open_s"], res["hz_one_held"], res["hz_one_refused"], ms("hz_one")),
           "- %d idle connections spread over 40 addresses (%d still open 0.5 s later: held by cadv up to its "
           "connection limit, the rest waiting in its listen backlog; %d failed to connect): /healthz: %s" % (
               a.abuse_idle, res["hz_spread_held"], res["hz_spread_refused"], ms("hz_spread")),
           "- VmRSS at the end %.1f MB, VmHWM %.1f MB" % (res["rss_end"], res["hwm_end"])]
    return "\n".join(out + ["- " + n for n in res["notes"]]).rstrip() + "\n"


# --- ui -------------------------------------------------------------------------------------------

# Injected before any page script: marks (ms since navigation start, redirect included) when the
# first chart holds data, the subcontainer list and the machine overview are drawn, and the page's
# long tasks (main thread busy > 50 ms).
UI_MARKS = """(() => {
  const m = window.__bench = {longtasks: []};
  const mark = (k) => { if (!(k in m)) m[k] = performance.now(); };
  new MutationObserver(() => {
    if (document.querySelector('.chart[data-points]:not([data-points="0"])')) mark('chart');
    const l = document.getElementById('subs-list');
    if (l && l.children.length) mark('subs');
    const mc = document.getElementById('machine');
    if (mc && !mc.hidden) mark('machine');
  }).observe(document, {subtree: true, childList: true, attributes: true});
  try {
    new PerformanceObserver((l) => l.getEntries().forEach((e) => m.longtasks.push([e.startTime, e.duration])))
      .observe({type: 'longtask', buffered: true});
  } catch (e) { /* no long task API */ }
})();"""


def tree_cpu_seconds(pid):
    """utime + stime of pid and all its descendants alive now (for Chromium's processes)."""
    kids, total = {}, 0.0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    kids.setdefault(int(f.read().rpartition(")")[2].split()[1]), []).append(int(d))
            except OSError:
                pass
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            total += probe.cpu_seconds(p)
        except OSError:
            continue
        todo += kids.get(p, [])
    return total


UI_PAIRS = 3  # windows without and with the page, alternating, --window / UI_PAIRS seconds each


def cpu_window(a, cadv, length, browser=None):
    """cadv's CPU (and the browser's, with its children) over length seconds, in % of a core."""
    t0, c0 = time.monotonic(), probe.cpu_seconds(cadv.pid)
    b0 = tree_cpu_seconds(browser.proc.pid) if browser else None
    while time.monotonic() < t0 + length:
        cadv.check_alive()
        time.sleep(min(0.5, max(0.0, t0 + length - time.monotonic())))
    wall = time.monotonic() - t0
    c1 = probe.cpu_seconds(cadv.pid)
    b1 = tree_cpu_seconds(browser.proc.pid) if browser else None
    return 100.0 * (c1 - c0) / wall, None if browser is None else 100.0 * (b1 - b0) / wall


def load_page(b, url, root):
    """Navigates to url and waits until it is interactive: a chart drawn with data, the
    subcontainer list drawn and, on the root page, the machine overview. Returns the marks (ms)."""
    b.goto(url)
    need = "__bench.chart !== undefined && __bench.subs !== undefined"
    if root:
        need += " && __bench.machine !== undefined"
    b.wait("window.__bench && " + need, timeout=60, what="the page at " + url)
    m = b.eval("JSON.stringify(Object.assign({dcl: performance.getEntriesByType('navigation')[0]"
               ".domContentLoadedEventEnd, path: location.pathname}, __bench))")
    m = json.loads(m)
    m["interactive"] = max(m["chart"], m["subs"], m.get("machine", 0.0))
    m["longest"] = max([d for _, d in m["longtasks"]] or [0.0])
    return m


def run_ui(a, fm, workdir):
    """cadv's CPU with and without a headless Chromium keeping the root page open, and the page's
    load time (bench/README.md, "UI")."""
    import browser

    if not browser.chromium_path():
        raise BenchError("chromium is not installed (scripts/install-deps)")
    args = ["-housekeeping_interval=%s" % go_duration(a.interval_ms), "-storage_duration=%s" % a.storage_duration,
            "-allow_dynamic_housekeeping=%s" % ("false" if a.skip_dynamic else "true")] + a.cadv_arg
    cadv = Cadv(a.cadv, args, workdir)
    res = {"notes": []}
    cadv.start()
    b = None
    try:
        cadv.wait_healthy(a.track_timeout)
        wait_tracked(a, cadv, fm, res)
        time.sleep(a.settle)
        base = "http://127.0.0.1:%d" % cadv.port
        b = browser.Browser(preexec=probe.die_with_parent)
        res["chromium"] = "headless " + b.call("Browser.getVersion")["product"]
        b.call("Page.addScriptToEvaluateOnNewDocument", session=True, source=UI_MARKS)
        res["cold"] = load_page(b, base + "/", True)
        res["warm"] = load_page(b, base + "/", True)
        res["farm"] = load_page(b, base + "/containers" + fm.prefix, False)
        res["farm_subs"] = b.eval("document.getElementById('subs-count').textContent")
        # Alternating windows, the browser on about:blank (no page), then with / open: the host's
        # noise hits both alike.
        res["off"], res["on"], res["chromium_cpu"], res["requests_n"], paths = [], [], [], 0, set()
        for _ in range(UI_PAIRS):
            b.goto("about:blank")
            time.sleep(1.0)
            res["off"].append(cpu_window(a, cadv, a.window / UI_PAIRS)[0])
            res["root"] = load_page(b, base + "/", True)
            time.sleep(1.0)
            n0 = len(b.requests)
            cpu, chromium = cpu_window(a, cadv, a.window / UI_PAIRS, b)
            res["on"].append(cpu)
            res["chromium_cpu"].append(chromium)
            res["requests_n"] += len(b.requests) - n0
            paths |= {u.split("?")[0].replace(base, "") for u in b.requests[n0:]}
        res["requests"] = sorted(paths)
        # The same with the process table scrolled into view (it is refreshed only while on screen).
        b.eval("document.getElementById('procs').scrollIntoView()")
        time.sleep(1.0)
        n0 = len(b.requests)
        res["cpu_procs"], res["chromium_cpu_procs"] = cpu_window(a, cadv, a.window / UI_PAIRS, b)
        res["requests_procs"] = sorted({u.split("?")[0].replace(base, "") for u in b.requests[n0:]})
        res["requests_procs_n"] = len(b.requests) - n0
        res["foreign"] = [u for u in b.requests if not u.startswith(base) and not u.startswith("data:")]
        res["errors"] = list(b.errors)
    finally:
        if b is not None:
            b.close()
        check_exit(cadv, res)
    return ui_report(a, cadv, res), res.get("failed", False) or bool(res.get("errors") or res.get("foreign"))


def ui_report(a, cadv, res):
    off, on = probe.percentile(res["off"], 50), probe.percentile(res["on"], 50)

    def ratio(x):
        return "%.2f" % (x / off) if off else "–"

    out = ["# cadv UI cost: N=%d, %s" % (a.n, time.strftime("%Y-%m-%d %H:%M")), "",
           "- cadv: `%s`; commit %s; host: %s, %d CPUs; %s" % (
               shown_argv(cadv), a.commit, cpu_model(), os.cpu_count(), res["chromium"]),
           "- **cadv CPU with the root page open: %.2f%% of a core, without: %.2f%%: ratio %s, %+.2f%% of a "
           "core** (medians of %d alternating %g s windows each, the browser on about:blank without the "
           "page; without/with: %s)" % (
               on, off, ratio(on), on - off, UI_PAIRS, a.window / UI_PAIRS,
               ", ".join("%.2f/%.2f" % p for p in zip(res["off"], res["on"]))),
           "- Chromium (all its processes) meanwhile: %.1f%% of a core (median); the page made %d requests in "
           "those windows (%s)" % (probe.percentile(res["chromium_cpu"], 50), res["requests_n"],
                                   ", ".join("`%s`" % u for u in res["requests"])),
           "- the same page scrolled to the process table (refreshed every 5 s while on screen), one window: "
           "cadv **%.2f%%** of a core (ratio %s, %+.2f%%), Chromium %.1f%%, %d requests (%s)" % (
               res["cpu_procs"], ratio(res["cpu_procs"]), res["cpu_procs"] - off,
               res["chromium_cpu_procs"], res["requests_procs_n"],
               ", ".join("`%s`" % u for u in res["requests_procs"])),
           "",
           "| page | DOMContentLoaded ms | first chart with data ms | subcontainer list ms | machine ms | "
           "**interactive ms** | longest task ms |",
           "|---|---|---|---|---|---|---|"]
    for key, what in (("cold", "`/` → `/containers/`, first load (cold cache)"),
                      ("warm", "`/` → `/containers/`, again (cached assets)"),
                      ("farm", "`/containers%s` (the farm's parent: %s children)" % (
                          res["farm"]["path"].split("/containers", 1)[1], res["farm_subs"].strip("()"))),
                      ("root", "`/` → `/containers/`, the last of the %d loads between the windows" % UI_PAIRS)):
        m = res[key]
        out.append("| %s | %.0f | %.0f | %.0f | %s | **%.0f** | %.0f |" % (
            what, m["dcl"], m["chart"], m["subs"], "%.0f" % m["machine"] if "machine" in m else "–",
            m["interactive"], m["longest"]))
    out += ["", "- times from navigation start (the 307 redirect included) to the first chart drawn with data, "
            "the subcontainer list drawn and (root page) the machine overview shown; interactive: the last of "
            "them; long tasks: main thread busy over 50 ms during the load"]
    if res.get("errors"):
        out.append("- FAILED: console errors: %s" % "; ".join(res["errors"][:5]))
    if res.get("foreign"):
        out.append("- FAILED: requests to other hosts: %s" % ", ".join(res["foreign"][:5]))
    return "\n".join(out + ["- " + n for n in res["notes"]]).rstrip() + "\n"


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1000, help="cgroups in the farm (default 1000)")
    p.add_argument("--window", type=float, default=30.0, help="measurement window, s (default 30)")
    p.add_argument("--settle", type=float, default=5.0, help="wait after all are tracked, s (default 5)")
    p.add_argument("--interval-ms", type=int, default=1000, help="housekeeping/floor interval (1000)")
    p.add_argument("--storage-duration", default="2m", help="cadv -storage_duration (2m)")
    p.add_argument("--cadv", default=os.path.join(REPO, "build", "cadv"))
    p.add_argument("--floor", default=os.path.join(REPO, "build", "bench", "floor"))
    p.add_argument("--cadv-arg", action="append", default=[], help="extra cadv flag (repeatable)")
    p.add_argument("--cgroup-root", default=farm.CGROUP_ROOT)
    p.add_argument("--floor-fd-budget", type=int, default=None,
                   help="fds the floor keeps open (default: hard RLIMIT_NOFILE - 512)")
    p.add_argument("--busy-frac", type=float, default=0.05, help="share of busy cgroups (0.05)")
    p.add_argument("--busy-us", type=int, default=1000, help="busy tenants spin this long ... (1000)")
    p.add_argument("--busy-period-us", type=int, default=1000000, help="... every this long (1000000)")
    p.add_argument("--scrapes", type=int, default=20, help="/metrics scrapes, plain and gzip each (20)")
    p.add_argument("--scrape-gap-ms", type=int, default=0,
                   help="cadv's plain /metrics scrapes this far apart, and the render time of each from its "
                        "cadv_scrape_duration_seconds (past -housekeeping_interval, each renders new samples; "
                        "back to back, a body rendered once may serve several: 0, the default)")
    p.add_argument("--sub-requests", type=int, default=3, help="/api/v1.3/subcontainers/ requests (3)")
    p.add_argument("--probes", type=int, default=5, help="cgroups created during the window (5)")
    p.add_argument("--probe-timeout", type=float, default=15.0, help="wait for their first sample, s")
    p.add_argument("--track-timeout", type=float, default=None, help="wait for all tracked, s")
    p.add_argument("--collectors", default=None,
                   help="run every mode once per -collector of this comma list (e.g. files,bpf)")
    p.add_argument("--mkdir-interval-ms", type=int, default=100,
                   help="mkdir latency probe: a new cgroup about every this long during each window (100; 0: off)")
    p.add_argument("--skip-dynamic", action="store_true", help="only -allow_dynamic_housekeeping=false")
    p.add_argument("--keep-going", action="store_true", help="record a failed mode and go on")
    p.add_argument("--smoke", action="store_true", help="N=10, 3 s window, nothing written")
    p.add_argument("--floor-only", action="store_true", help="the farm and the floor, without cadv")
    p.add_argument("--soak", action="store_true", help="leak check: churn cgroups, sample RSS")
    p.add_argument("--soak-duration", type=float, default=600.0, help="soak length, s (600)")
    p.add_argument("--soak-warmup", type=float, default=150.0, help="soak samples ignored before, s (150)")
    p.add_argument("--churn", type=int, default=10, help="soak: cgroups created/removed per s (10)")
    p.add_argument("--abuse", action="store_true", help="hostile clients: RSS and /healthz latency")
    p.add_argument("--abuse-clients", type=int, default=40, help="abuse: never-reading clients (40)")
    p.add_argument("--abuse-hold", type=float, default=15.0, help="abuse: how long they stay, s (15)")
    p.add_argument("--abuse-idle", type=int, default=2000, help="abuse: idle connections (2000)")
    p.add_argument("--abuse-probes", type=int, default=50, help="abuse: /healthz requests per phase (50)")
    p.add_argument("--ui", action="store_true", help="cadv's CPU with a headless Chromium on the root page, "
                   "and the page's load time")
    p.add_argument("--storage-driver", action="append", default=[],
                   help="also measure cadv with this -storage_driver against a loopback sink (repeatable)")
    p.add_argument("--perf-events", default=None,
                   help="also measure cadv counting these perf events per container (comma list, e.g. "
                   "task-clock,context-switches)")
    p.add_argument("--app-containers", type=int, default=0,
                   help="also measure the app kind with this many docker containers serving metrics (bench/app.py)")
    p.add_argument("--out", default=None, help="result file (default bench/results/<date>-N<N>.md)")
    p.add_argument("--no-write", action="store_true", help="print the table only")
    a = p.parse_args(argv)
    if a.smoke:
        a.n, a.window, a.settle, a.scrapes, a.sub_requests, a.probes = 10, 3.0, 1.0, 3, 1, 1
        a.scrape_gap_ms = a.scrape_gap_ms or a.interval_ms + 100
        if a.ui:
            a.window = 1.0
        a.no_write = a.no_write or a.out is None
    if a.floor_only:
        a.probes = 0
    a.collectors = [c for c in (a.collectors or "").split(",") if c] or [None]
    if a.floor_only:
        a.collectors = [None]
    if a.track_timeout is None:
        a.track_timeout = 60.0 + a.n / 50.0
    if a.n < 1 or a.window <= 0:
        p.error("--n and --window must be positive")
    width = max(4, len(str(a.n)))
    a.leaves = ["c%0*d" % (width, i) for i in range(1, a.n + 1)]
    step = max(1, round(1 / a.busy_frac)) if a.busy_frac > 0 else 0
    a.busy_leaves = a.leaves[::step] if step else []
    return a


def result_path(a):
    if a.out:
        return a.out
    suffix = "-soak" if a.soak else "-abuse" if a.abuse else "-ui" if a.ui else ""
    return os.path.join(HERE, "results", "%s-N%d%s.md" % (time.strftime("%Y-%m-%d"), a.n, suffix))


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        log("needs root (it creates cgroups)")
        return 2
    for b in [a.floor] + ([] if a.floor_only else [a.cadv]):
        if not os.access(b, os.X_OK):
            log("%s is not built" % b)
            return 2
    a.floor, a.cadv = os.path.abspath(a.floor), os.path.abspath(a.cadv)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    farm.cleanup_stale(a.cgroup_root, log)
    started = time.time()
    a.commit = git_desc()  # the tree the binaries were (presumably) just built from
    workdir = tempfile.mkdtemp(prefix="cadv-bench-")
    fm = farm.Farm(a.floor, a.cgroup_root, log=log)
    results, text, failed = [], None, False
    try:
        t = time.monotonic()
        fm.open()
        fm.add_many(a.leaves, a.busy_leaves, (a.busy_us, a.busy_period_us))
        fm.resolve_files()
        log("farm: %d cgroups under %s in %d hierarchies in %.1f s" % (a.n, fm.prefix, len(fm.hiers),
                                                                        time.monotonic() - t))
        list_path = os.path.join(workdir, "floor-files")
        with open(list_path, "w") as f:
            f.write("\n".join(fm.paths([fm.prefix + "/" + x for x in a.leaves])) + "\n")
        if a.soak:
            text, failed = run_soak(a, fm, workdir)
        elif a.abuse:
            text, failed = run_abuse(a, fm, workdir)
        elif a.ui:
            text, failed = run_ui(a, fm, workdir)
        else:
            if not a.floor_only:
                # The baseline: the floor and the mkdir probe with cadv stopped.
                log("measuring with cadv stopped (floor, mkdir latency)")
                res = {"n": a.n, "mode": "cadv stopped", "notes": []}
                Window(a, fm, None, "stopped", res).run(list_path)
                results.append(res)
            for collector in a.collectors:
                for dynamic in ([False] if a.skip_dynamic or a.floor_only else [False, True]):
                    mode = "floor only" if a.floor_only else "dynamic %s" % ("on" if dynamic else "off")
                    log("measuring %s%s" % (mode, ", -collector=" + collector if collector else ""))
                    res = {"n": a.n, "mode": mode, "collector": collector, "notes": []}
                    results.append(res)
                    try:
                        run_mode(a, fm, list_path, workdir, dynamic, res)
                    except (BenchError, OSError) as e:
                        failed = True
                        log("FAILED: %s" % e)
                        res["error"] = str(e)
                        if not a.keep_going:
                            break
                if failed and not a.keep_going:
                    break
            if a.storage_driver:
                run_drivers(a, fm, list_path, workdir, results)
            if a.perf_events:
                run_perf(a, fm, list_path, workdir, results)
            if a.app_containers:
                app.run_app(sys.modules[__name__], a, fm, workdir, results)
            text = report(a, fm, results, started)
            failed = failed or any(r.get("failed") for r in results)
    except BenchError as e:
        log("FAILED: %s" % e)
        failed = True
    except KeyboardInterrupt:
        log("interrupted: removing the farm")
        text, failed = None, True
    finally:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        fm.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if text:
        print(text, end="")
        if not a.no_write:
            path = result_path(a)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            log("wrote %s" % os.path.relpath(path, os.getcwd()))
    if not failed:
        subprocess.run(["rm", "-rf", "--", workdir], check=False)
    else:
        log("cadv logs kept in %s" % workdir)
    return 1 if failed or fm.errors else 0


if __name__ == "__main__":
    sys.exit(main())
