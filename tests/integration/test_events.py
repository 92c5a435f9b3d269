# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of events: creation and deletion of real cgroups, the query parameters and their
errors, streams (including a client that never reads), and a real OOM kill in a cgroup v1 memory
limit seen through the kernel log."""
import calendar
import json
import os
import re
import socket
import sys
import time
import urllib.parse

import pytest

from conftest import CpuTrace, rfc3339_ns, wait_for

ALL = "all_events=true&subcontainers=true&max_events=-1"


def events(d, name, query):
    return d.json("/api/v2.0/events%s?%s" % (name, query))


def epoch(rfc3339):
    """Seconds since the epoch of a UTC RFC3339Nano timestamp (Go's form, "Z")."""
    whole, _, frac = rfc3339.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


def kinds(evs, name=None):
    return [(e["event_type"], e["container_name"]) for e in evs if name is None or e["container_name"] == name]


class Stream:
    """A raw HTTP/1.1 client of a stream=true response: reads chunks, yields events."""

    def __init__(self, d, path, rcvbuf=None, src=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if src:
            self.s.bind((src, 0))
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.connect(("127.0.0.1", d.port))
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
        self.buf = b""
        self.events = []
        self.eof = False

    def head(self, timeout=10):
        self.s.settimeout(timeout)
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode()

    def poll(self, timeout=0.2):
        """Reads what arrives within timeout; parses complete chunks into events."""
        self.s.settimeout(timeout)
        try:
            data = self.s.recv(1 << 20)
            if data:
                self.buf += data
            else:
                self.eof = True
        except socket.timeout:
            pass
        while True:
            m = re.match(rb"([0-9a-fA-F]+)\r\n", self.buf)
            if not m:
                break
            n = int(m.group(1), 16)
            start = m.end()
            if len(self.buf) < start + n + 2:
                break
            self.pending = getattr(self, "pending", b"") + self.buf[start:start + n]
            self.buf = self.buf[start + n + 2:]
            while b"\n" in self.pending:
                line, self.pending = self.pending.split(b"\n", 1)
                self.events.append(json.loads(line))
        return self.events

    def close(self):
        self.s.close()


def test_creation_deletion_queries_and_errors(daemon, cgroups):
    d = daemon()
    top = cgroups.path()
    a = cgroups.create("a")
    b = cgroups.create("a/b")
    wait_for(lambda: len(kinds(events(d, a, "creation_events=true&subcontainers=true"))) == 2,
             what="creation events of %s and %s" % (a, b))
    cgroups.remove("a/b")
    wait_for(lambda: ("containerDeletion", b) in kinds(events(d, b, "deletion_events=true")),
             what="deletion event of " + b)
    evs = events(d, top, ALL)
    assert kinds(evs, a) == [("containerCreation", a)]
    assert kinds(evs, b) == [("containerCreation", b), ("containerDeletion", b)]
    assert [epoch(e["timestamp"]) for e in evs] == sorted(epoch(e["timestamp"]) for e in evs), "oldest first"
    assert all(e["event_data"] == {} for e in evs)
    # Without subcontainers only the container's own events; no type selected: nothing.
    assert kinds(events(d, a, "all_events=true")) == [("containerCreation", a)]
    assert events(d, a, "subcontainers=true") == []
    # The same through v1.3.
    assert d.json("/api/v1.3/events%s?%s" % (top, ALL)) == evs
    # max_events keeps the newest; the default is 10; an invalid value is ignored as in cAdvisor.
    assert kinds(events(d, top, "all_events=true&subcontainers=true&max_events=1")) == [("containerDeletion", b)]
    assert events(d, top, "all_events=true&subcontainers=true&max_events=abc") == \
        events(d, top, "all_events=true&subcontainers=true")
    assert events(d, top, "all_events=true&subcontainers=true&max_events=0") == []
    # Time range (RFC3339, inclusive); malformed times are ignored as in cAdvisor.
    dele = kinds(evs, b)[1]
    t_del = [e["timestamp"] for e in evs if (e["event_type"], e["container_name"]) == dele][0]
    q = urllib.parse.quote(t_del)
    assert kinds(events(d, top, ALL + "&start_time=" + q)) == [dele]
    assert dele not in kinds(events(d, top, ALL + "&end_time=2000-01-01T00:00:00Z"))
    assert events(d, top, ALL + "&start_time=yesterday") == evs
    # A stream cannot have a time range: cAdvisor's 500.
    r = d.get("/api/v2.0/events%s?stream=true&all_events=true&start_time=%s" % (top, q))
    assert r.status == 500
    assert r.text == "for a call to watch, request.StartTime and request.EndTime must be uninitialized\n"


def test_streams_and_a_client_that_never_reads(daemon, cgroups):
    d = daemon("-housekeeping_interval=1s")
    top = cgroups.path()
    stuck = Stream(d, "/api/v2.0/events/?stream=true&all_events=true&subcontainers=true", rcvbuf=4096)
    live = Stream(d, "/api/v1.3/events%s?stream=true&creation_events=true&deletion_events=true"
                     "&subcontainers=true" % top)
    head = live.head()
    assert head.startswith("HTTP/1.1 200") and "chunked" in head.lower()
    # A flood of creations and deletions (one hierarchy suffices for a container): the stuck client
    # fills its socket and then its queue, and drops; the live one keeps up.
    mnt = cgroups.mounts[0][0]
    flood = os.path.join(mnt, cgroups.prefix, "flood")
    os.mkdir(flood)
    n = 1500
    for i in range(n):
        os.mkdir(os.path.join(flood, "c%d" % i))
    deadline = time.time() + 60
    while time.time() < deadline and sum(1 for e in live.poll() if e["event_type"] == "containerCreation") < n + 1:
        pass
    for i in range(n):
        os.rmdir(os.path.join(flood, "c%d" % i))
    os.rmdir(flood)
    marker = cgroups.create("marker")
    t0 = time.time()
    try:
        wait_for(lambda: ("containerCreation", marker) in kinds(live.poll(0.05)), timeout=30,
                 what="the live stream to see " + marker)
    except AssertionError as e:
        # Which part failed: the stream (closed, or stalled) or the daemon (never found the marker)?
        stored = kinds(events(d, top, ALL))
        raise AssertionError("%s; stream closed: %s; seen %d creations, %d deletions; marker in the stored "
                             "events: %s; /api/v1.3/containers%s: %d; log:\n%s" % (
                                 e, live.eof, len(kinds([x for x in live.events
                                                         if x["event_type"] == "containerCreation"])),
                                 len([x for x in live.events if x["event_type"] == "containerDeletion"]),
                                 ("containerCreation", marker) in stored, marker,
                                 d.get("/api/v1.3/containers" + marker).status, d.logtext()[-4000:]))
    creations = [e for e in live.events if e["event_type"] == "containerCreation"]
    deletions = [e for e in live.events if e["event_type"] == "containerDeletion"]
    assert len(creations) == n + 2 and len(deletions) == n + 1, "the live stream lost nothing"
    assert time.time() - t0 < 10
    dropped = wait_for(lambda: int(re.search(r"^cadv_events_dropped_total (\d+)", d.get("/metrics").text,
                                             re.M).group(1)), what="dropped events counted")
    assert dropped > 0
    assert "dropped" in d.logtext()
    # Collection stayed on schedule meanwhile (the root's own sample timestamps, 1 s apart).
    stats = wait_for(lambda: (lambda st: st if len(st) >= 4 else None)(d.json("/api/v1.3/containers/")["stats"]),
                     timeout=20, what="four samples of /")
    ts = [epoch(s["timestamp"]) for s in stats]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    assert max(gaps) <= 5, gaps
    # Both clients hang up: their streams are noticed and freed (the daemon stops cleanly after).
    stuck.close()
    live.close()


def v1_memory_mount(cgroups):
    for m, fstype, ctrls in cgroups.mounts:
        if fstype == "cgroup" and "memory" in ctrls.split(","):
            return m
    return None


def test_oom_kill_events_stream_and_counter(daemon, cgroups):
    mem = v1_memory_mount(cgroups)
    if not mem or not os.access("/dev/kmsg", os.R_OK):
        pytest.skip("needs a cgroup v1 memory hierarchy and a readable /dev/kmsg")
    d = daemon("-housekeeping_interval=1s")
    name = cgroups.create("oom")
    d_mem = os.path.join(mem, cgroups.prefix, "oom")
    with open(os.path.join(d_mem, "memory.limit_in_bytes"), "w") as f:
        f.write(str(32 << 20))
    if os.path.exists(os.path.join(d_mem, "memory.memsw.limit_in_bytes")):
        with open(os.path.join(d_mem, "memory.memsw.limit_in_bytes"), "w") as f:
            f.write(str(32 << 20))
    metric = re.compile(r'^container_oom_events_total\{[^}]*id="%s"[^}]*\} (\d+)' % re.escape(name), re.M)
    wait_for(lambda: metric.search(d.get("/metrics").text), what=name + " in /metrics")
    assert int(metric.search(d.get("/metrics").text).group(1)) == 0
    stream = Stream(d, "/api/v2.0/events%s?stream=true&oom_events=true&oom_kill_events=true" % name)
    assert stream.head().startswith("HTTP/1.1 200")
    p = cgroups.run("oom", ["/usr/bin/python3", "-c",
                            "a = []\nwhile True: a.append(b'x' * (1 << 20))"])
    p.wait(timeout=60)
    assert p.returncode == -9, "killed by the OOM killer"
    t_dead = time.time()
    q = "oom_events=true&oom_kill_events=true"
    evs = wait_for(lambda: (lambda e: e if len(e) == 2 else None)(events(d, name, q)), timeout=2,
                   interval=0.05, what="oom and oomKill events")
    assert time.time() - t_dead <= 2.5
    assert kinds(evs) == [("oom", name), ("oomKill", name)]
    assert evs[0]["event_data"] == {}
    assert evs[1]["event_data"] == {"oom": {"pid": p.pid, "process_name": "python3",
                                            "constraint": "CONSTRAINT_MEMCG"}}
    got = wait_for(lambda: (lambda e: e if len(e) == 2 else None)(stream.poll(0.1)), timeout=5,
                   what="the events in the open stream")
    assert got == evs
    stream.close()
    wait_for(lambda: (lambda m: m and int(m.group(1)) == 1)(metric.search(d.get("/metrics").text)), timeout=15,
             what="container_oom_events_total of %s at 1" % name)
    assert d.json("/api/v1.3/containers" + name)["stats"][-1]["oom_events"] == 1
    # The cgroup's own counter (memory.oom_control oom_kill) saw the same kill: past its grace period
    # it is still one kill, two events.
    time.sleep(2.5)
    assert len(events(d, name, q)) == 2
    assert int(metric.search(d.get("/metrics").text).group(1)) == 1


def test_summary_latest_usage_follows_the_samples(daemon, cgroups):
    """/api/v2.0/summary: latest_usage is the CPU rate between the last two samples (milli-cores)
    and the working set of the last; checked against the samples' own counters and timestamps."""
    name = cgroups.create("burn")
    d = daemon("-housekeeping_interval=1s", "-allow_dynamic_housekeeping=false")
    cgroups.run("burn", ["/bin/sh", "-c", "while :; do :; done"])

    def consistent():
        before = d.json("/api/v1.3/containers" + name)["stats"]
        summ = d.json("/api/v2.0/summary" + name)[name]
        after = d.json("/api/v1.3/containers" + name)["stats"]
        if len(before) < 3 or before[-1]["timestamp"] != after[-1]["timestamp"]:
            return None  # a collection happened in between: try again
        if summ["timestamp"] != before[-1]["timestamp"]:
            return None
        a, b = before[-2], before[-1]
        rate = (b["cpu"]["usage"]["total"] - a["cpu"]["usage"]["total"]) * 1000 // int(
            round((epoch(b["timestamp"]) - epoch(a["timestamp"])) * 1e9))
        return summ, rate, b

    summ, rate, last = wait_for(consistent, timeout=20, what="a summary of the latest sample")
    assert summ["latest_usage"]["cpu"] > 0
    assert abs(summ["latest_usage"]["cpu"] - rate) <= max(2, rate // 100), (summ["latest_usage"], rate)
    assert summ["latest_usage"]["memory"] == last["memory"]["working_set"]
    assert summ["minute_usage"]["cpu"]["present"] is False  # no minute before 60 s
    assert summ["day_usage"]["percent_complete"] == 0


def test_hundreds_of_streams_get_events_and_are_freed_on_hang_up(daemon, cgroups):
    d = daemon("-v=4")
    top = cgroups.path()
    # From 4 client addresses: cadv takes at most 64 connections per address.
    streams = [Stream(d, "/api/v2.0/events%s?stream=true&creation_events=true&subcontainers=true" % top,
                      src="127.0.0.%d" % (10 + i % 4)) for i in range(200)]
    for s in streams:
        assert s.head().startswith("HTTP/1.1 200")
    name = cgroups.create("many")
    for s in streams:
        wait_for(lambda: ("containerCreation", name) in kinds(s.poll(0.05)), timeout=20,
                 what="every stream to see " + name)
    for s in streams:
        s.close()
    wait_for(lambda: d.logtext().count("events: a stream of '%s' ended" % top) == 200, timeout=20,
             what="all 200 streams noticed as gone and freed")


DUTY_BURNER = """
import time
while True:  # busy 50 ms of its own CPU time, then sleep 50 ms
    t = time.process_time()
    while time.process_time() - t < 0.05:
        pass
    time.sleep(0.05)
"""


def test_summary_minute_of_a_duty_cycle_burner(daemon, cgroups):
    """A burner busy 50 ms / asleep 50 ms: the first minute record's CPU mean is within 10% of the
    burner's CPU share between the minute's first and last sample timestamps, measured from the
    burner's own CPU time (on a loaded machine it gets less than its nominal 500 milli-cores); the
    hour and day then hold that one minute (percent_complete 1 and 0, documented as minutes * 100 /
    60 and / 1440)."""
    name = cgroups.create("duty")
    burner = cgroups.run("duty", [sys.executable, "-c", DUTY_BURNER])
    trace = CpuTrace(burner.pid)
    try:
        d = daemon("-housekeeping_interval=1s", "-allow_dynamic_housekeeping=false")
        early = wait_for(lambda: d.json("/api/v2.0/summary" + name).get(name), timeout=20,
                         what="a summary of " + name)
        assert early["minute_usage"]["cpu"]["present"] is False
        assert [early[k]["percent_complete"] for k in ("minute_usage", "hour_usage", "day_usage")] == [0, 0, 0]
        summ = wait_for(lambda: (lambda s: s if s["minute_usage"]["cpu"]["present"] else None)(
            d.json("/api/v2.0/summary" + name)[name]), timeout=90, interval=0.5, what="the first minute record")
        stats = d.json("/api/v2.0/stats%s?type=name&count=200" % name)[name]
    finally:
        trace.stop()
    ts = sorted(rfc3339_ns(s["timestamp"]) for s in stats)
    # The minute is made by the first sample more than 60 s after the first one.
    t_end = next(t for t in ts if t - ts[0] > 60 * 10**9)
    lo, hi = trace.bounds(ts[0], t_end)
    span = (t_end - ts[0]) / 1e3  # µs: CPU ns per µs of wall = milli-cores
    minute = summ["minute_usage"]
    mean = minute["cpu"]["mean"]
    assert lo / span * 0.9 <= mean <= hi / span * 1.1, (minute["cpu"], lo / span, hi / span)
    assert mean > 50, "the burner ran: %r" % minute["cpu"]
    assert minute["percent_complete"] == 100 and minute["memory"]["present"]
    hour, day = summ["hour_usage"], summ["day_usage"]
    assert hour["percent_complete"] == 1 and day["percent_complete"] == 0
    for u in (hour, day):
        assert u["cpu"]["count"] == 1 and u["cpu"]["mean"] == mean
        assert u["cpu"]["ninety"] == minute["cpu"]["ninety"]
        assert u["memory"]["count"] == 1
