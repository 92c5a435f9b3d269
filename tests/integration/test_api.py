# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of the foundation: the real daemon on real cgroups, through the REST API."""
import os
import socket
import subprocess
import time

import pytest

from conftest import CADV_BIN, CpuTrace, http, rfc3339_ns, wait_for

BURN = ["/bin/sh", "-c", "while :; do :; done"]
# Touches 64 MiB page by page, then closes its stdout to say so, then sleeps.
TOUCH_64M = ["/usr/bin/python3", "-c",
             "import os, time\nb = bytearray(64 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n"
             "os.close(1)\ntime.sleep(600)"]


def latest(d, name):
    info = d.json("/api/v1.3/containers" + name)
    return info["stats"][-1] if info.get("stats") else None


def test_healthz_and_machine(daemon):
    d = daemon()
    r = d.get("/healthz")
    assert r.status == 200 and r.text == "ok"
    m = d.json("/api/v1.3/machine")
    assert m["num_cores"] == os.cpu_count()
    with open("/proc/meminfo") as f:
        memtotal = int(f.readline().split()[1]) * 1024
    assert m["memory_capacity"] == memtotal
    assert m["machine_id"] and m["boot_id"]
    assert m["topology"] and m["topology"][0]["cores"]
    v2 = d.json("/api/v2.0/machine")
    assert v2["num_cores"] == m["num_cores"]


def test_cpu_burner_usage_grows_at_burn_rate(daemon, cgroups):
    """The cgroup's CPU counter between two samples matches what the burner itself used between the
    samples' own timestamps (it once compared with a wall-clock delta of the test's, and failed on a
    busy machine: 'cgroup usage 2.32s vs burned 3.90s')."""
    name = cgroups.create("burn")
    d = daemon("-housekeeping_interval=1s", "-allow_dynamic_housekeeping=false")
    p = cgroups.run("burn", BURN)
    trace = CpuTrace(p.pid)
    try:
        s1 = wait_for(lambda: (lambda s: s if s and s["cpu"]["usage"]["total"] > 0 else None)(latest(d, name)),
                      timeout=30, what="cpu usage of " + name)
        # However loaded the machine, let the burner use a CPU second after s1, then take a later sample.
        c1 = trace.now()
        wait_for(lambda: trace.now() - c1 > 1e9, timeout=120, what="the burner to use 1 s of CPU")
        mark = time.time_ns()
        s2 = wait_for(lambda: (lambda s: s if rfc3339_ns(s["timestamp"]) > mark else None)(latest(d, name)),
                      timeout=30, what="a sample after the burner ran")
        t1, t2 = rfc3339_ns(s1["timestamp"]), rfc3339_ns(s2["timestamp"])
        wait_for(lambda: trace.points[-1][0] > t2, what="a CPU poll after the second sample")
    finally:
        trace.stop()
    used = s2["cpu"]["usage"]["total"] - s1["cpu"]["usage"]["total"]
    lo, hi = trace.bounds(t1, t2)
    assert hi > 1e9, "the burner barely ran (%.2fs)" % (hi / 1e9)
    assert 0.95 * lo <= used <= 1.05 * hi, "cgroup usage %.3fs, burner used %.3fs..%.3fs between the samples" % (
        used / 1e9, lo / 1e9, hi / 1e9)
    assert s2["cpu"]["usage"]["user"] + s2["cpu"]["usage"]["system"] > 0


def test_memory_toucher_shows_in_usage_and_working_set(daemon, cgroups):
    name = cgroups.create("mem")
    d = daemon("-housekeeping_interval=1s")
    p = cgroups.run("mem", TOUCH_64M, stdout=subprocess.PIPE)
    p.stdout.read()  # the toucher closes stdout once all 64 MiB are touched
    s = wait_for(lambda: (lambda x: x if x and x.get("memory", {}).get("working_set", 0) >= 64 << 20 else None)(
        latest(d, name)), timeout=15, what="64 MiB in the working set")
    assert s["memory"]["usage"] >= 64 << 20
    assert s["memory"]["rss"] >= 60 << 20
    assert s["memory"]["working_set"] <= s["memory"]["usage"]


def test_cgroup_created_after_start_appears_and_removed_disappears(daemon, cgroups):
    # With the rescan an hour away, only inotify can report the cgroup: no wall-clock bound needed
    # (a 2 s one failed on a loaded machine).
    d = daemon("-global_housekeeping_interval=1h")
    name = cgroups.path("late")
    assert d.get("/api/v1.3/containers" + name).status == 500
    cgroups.create("late")
    wait_for(lambda: d.get("/api/v1.3/containers" + name).status == 200, timeout=60, interval=0.05,
             what=name + " to appear")
    cgroups.remove("late")
    wait_for(lambda: d.get("/api/v1.3/containers" + name).status == 500, timeout=60, interval=0.05,
             what=name + " to disappear")


def test_subcontainers_returns_the_subtree(daemon, cgroups):
    for n in ("a", "a/x", "a/y", "b"):
        cgroups.create(n)
    d = daemon()
    root = cgroups.path()
    infos = wait_for(lambda: (lambda r: r.json() if r.status == 200 and len(r.json()) >= 5 else None)(
        d.get("/api/v1.1/subcontainers" + root)), what="subtree")
    names = sorted(i["name"] for i in infos)
    assert names == sorted([root] + [cgroups.path(n) for n in ("a", "a/x", "a/y", "b")])
    sub = d.json("/api/v1.3/subcontainers" + cgroups.path("a"))
    assert sorted(i["name"] for i in sub) == sorted(cgroups.path(n) for n in ("a", "a/x", "a/y"))
    info = d.json("/api/v1.3/containers" + cgroups.path("a"))
    assert sorted(s["name"] for s in info["subcontainers"]) == [cgroups.path("a/x"), cgroups.path("a/y")]


def test_v13_container_and_v20_stats_agree(daemon, cgroups):
    name = cgroups.create("agree")
    cgroups.run("agree", ["/bin/sleep", "600"])
    d = daemon("-housekeeping_interval=1s")
    wait_for(lambda: len(d.json("/api/v1.3/containers" + name).get("stats", [])) >= 2, what="two samples")
    v1 = d.json("/api/v1.3/containers" + name, data='{"num_stats": 5}')
    v2 = d.json("/api/v2.0/stats" + name + "?count=10")[name]
    by_ts = {s["timestamp"]: s for s in v2}
    common = [s for s in v1["stats"] if s["timestamp"] in by_ts]
    assert common, "no sample in both answers"
    for s in common:
        o = by_ts[s["timestamp"]]
        assert s["cpu"]["usage"] == o["cpu"]["usage"]
        assert s["memory"]["usage"] == o["memory"]["usage"]
        assert s["memory"]["working_set"] == o["memory"]["working_set"]
        assert o["has_cpu"] and o["has_memory"]


def test_num_stats_and_v21_stats(daemon, cgroups):
    name = cgroups.create("n")
    d = daemon("-housekeeping_interval=1s", "-allow_dynamic_housekeeping=false")
    wait_for(lambda: len(d.json("/api/v1.3/containers" + name).get("stats", [])) >= 3, what="three samples")
    assert len(d.json("/api/v1.3/containers" + name, data='{"num_stats": 2}')["stats"]) == 2
    assert "stats" not in d.json("/api/v1.3/containers" + name, data='{"num_stats": 0}')
    v21 = d.json("/api/v2.1/stats" + name + "?count=2")
    assert len(v21[name]["stats"]) == 2 and "spec" in v21[name]
    spec = d.json("/api/v2.0/spec" + name)
    assert spec[name]["has_cpu"] and spec[name]["has_memory"]

    # The bodies cAdvisor's Go client sends: Go's zero time for an unset bound (issue 8).
    zero = '{"num_stats":1,"start":"0001-01-01T00:00:00Z","end":"0001-01-01T00:00:00Z"}'
    for path in ("/api/v1.3/containers" + name, "/api/v1.3/subcontainers" + name, "/api/v1.3/docker/"):
        r = d.get(path, data=zero)
        assert r.status == 200, (path, r.status, r.text)
    assert len(d.json("/api/v1.3/containers" + name, data=zero)["stats"]) == 1
    assert len(d.json("/api/v1.3/subcontainers" + name, data=zero)[0]["stats"]) == 1
    stats = d.json("/api/v1.3/containers" + name, data='{"num_stats": 60}')["stats"]
    since = stats[-2]["timestamp"]
    got = d.json("/api/v1.3/containers" + name,
                 data='{"num_stats":60,"start":"%s","end":"0001-01-01T00:00:00Z"}' % since)["stats"]
    assert got[0]["timestamp"] == since and len(got) >= 2
    # before 1970 is legal: a start there bounds nothing, an end there matches nothing
    old = d.json("/api/v1.3/containers" + name, data='{"start":"1960-05-01T12:00:00.5-07:00"}')["stats"]
    assert len(old) >= 3
    assert "stats" not in d.json("/api/v1.3/containers" + name, data='{"end":"1969-12-31T23:59:59Z"}')
    r = d.get("/api/v1.3/containers" + name, data='{"start":"2026-02-29T00:00:00Z"}')
    assert r.status == 500 and "not an RFC 3339 time" in r.text


def test_errors(daemon):
    d = daemon()
    r = d.get("/api/v1.3/containers/no/such/container")
    assert r.status == 500
    # Go's http.Error: the text plus a newline.
    assert r.text == 'failed to get container "/no/such/container" with error: unknown container ' \
                     '"/no/such/container"\n'
    r = d.get("/api")
    assert r.status == 400 and r.text.rstrip("\n") == "Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0,v2.1"
    r = d.get("/api/v9.9/containers/")
    assert r.status == 500 and r.text.rstrip("\n") == 'unsupported API version "v9.9"'
    r = d.get("/api/v2.0/stats/?count=abc")
    assert r.status == 500
    r = d.get("/api/v1.3/containers/", data="{not json")
    assert 400 <= r.status < 600
    # A 4 MiB body is refused as soon as its headers arrive.
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as sk:
        sk.sendall(b"POST /api/v1.3/containers/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4194304\r\n\r\n" + b"x" * 1024)
        head = sk.recv(4096).decode("latin-1")
    assert head.split()[1] == "413", head
    r = d.get("/" + "a" * 100000)
    assert 400 <= r.status < 500
    r = d.get("/nothing-here")
    assert r.status == 307 and r.headers["Location"].endswith("/containers/")
    # The daemon is still healthy after all of that.
    assert d.get("/healthz").status == 200


@pytest.mark.parametrize("args,needle", [
    (["-no_such_flag"], "flag provided but not defined: -no_such_flag"),
    (["-port=abc"], "-port"),
    (["-housekeeping_interval=10"], "-housekeeping_interval"),
    (["-disable_metrics=cpu,bogus"], "bogus"),
    # Out of range: a huge jitter factor reached an undefined float->uint64 cast; a 1ns interval spun.
    (["-jitter_factor=1e300"], "-jitter_factor: must be at most 100"),
    (["-initial_splay_factor=101"], "-initial_splay_factor: must be at most 100"),
    (["-update_machine_info_interval=1ns"], "-update_machine_info_interval: must be at least 1s"),
    (["-housekeeping_interval=1ms"], "-housekeeping_interval: must be at least 10ms"),
])
def test_bad_flags_exit_2_with_one_clear_message(args, needle):
    r = subprocess.run([CADV_BIN] + args, capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 2


def test_version_and_help():
    r = subprocess.run([CADV_BIN, "-version"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0 and r.stdout.startswith("cadv version ")
    r = subprocess.run([CADV_BIN, "--help"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0 and "-housekeeping_interval" in r.stdout


def test_url_base_prefix(daemon):
    d = daemon("-url_base_prefix=/cadv")
    assert d.get("/cadv/healthz").text == "ok"
    assert d.json("/cadv/api/v2.0/version")
    r = d.get("/cadv/")
    assert r.status == 307 and r.headers["Location"] == "/cadv/containers/"


def test_fixture_root_v2(daemon):
    root = os.path.join(os.path.dirname(__file__), "..", "fixtures", "cgroupfs", "v2")
    if not os.path.isdir(root):
        pytest.skip("no v2 fixture tree")
    d = daemon("-cgroup_root=" + os.path.abspath(root), "-housekeeping_interval=1s")
    # Listed from discovery on, with stats from their first collection (up to the scheduler's slack later).
    subs = wait_for(lambda: (lambda r: r.json() if r.status == 200 and len(r.json()) > 1 and all(
        s.get("stats") for s in r.json() if "docker-" in s["name"]) else None)(
        d.get("/api/v1.3/subcontainers/")), what="fixture containers with stats")
    names = [s["name"] for s in subs]
    assert "/" in names
    docker = [s for s in subs if "docker-" in s["name"]]
    assert docker and docker[0]["spec"]["has_memory"]
    assert docker[0]["stats"][-1]["memory"]["usage"] > 0
