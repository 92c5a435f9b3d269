# SPDX-License-Identifier: Apache-2.0
"""The benchmark harness (bench/run.py) in smoke mode - N=10 cgroups, 3 s window - against the real
daemon: it must complete, print its table with figures in it, and leave no cgroup behind. A
benchmark, not a test of speed: nothing here looks at a timing (bench/README.md)."""
import gzip
import http.client
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CADV_BIN = os.environ.get("CADV_BIN") or os.path.join(REPO, "build", "cadv")
FLOOR_BIN = os.environ.get("CADV_FLOOR") or os.path.join(os.path.dirname(CADV_BIN), "bench", "floor")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="creates cgroups: needs root")


def cgroup_mount_points():
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] in (["cgroup"], ["cgroup2"]):
                out.append(left.split()[4])
    return out


@needs_root
def test_bench_smoke():
    for b in (CADV_BIN, FLOOR_BIN):
        assert os.access(b, os.X_OK), "%s is not built" % b
    p = subprocess.run([PYTHON, os.path.join(REPO, "bench", "run.py"), "--smoke", "--cadv", CADV_BIN,
                        "--floor", FLOOR_BIN], capture_output=True, text=True, timeout=600, cwd=REPO)
    out = p.stdout + "\n--- stderr ---\n" + p.stderr
    assert p.returncode == 0, out
    header = [c.strip() for c in p.stdout.split("\n| N | ", 1)[1].split("\n", 1)[0].split("|")][:-1]
    header = ["N"] + header
    assert header[:6] == ["N", "mode", "collector", "cadv CPU %", "floor CPU %", "ratio"], out
    rows = [line for line in p.stdout.splitlines() if re.match(r"^\| 10 \| dynamic (off|on) \|", line)]
    assert len(rows) == 2, out
    # the baseline: the floor and the mkdir probe with cadv stopped
    stopped = [line for line in p.stdout.splitlines() if line.startswith("| 10 | cadv stopped |")]
    assert len(stopped) == 1, out
    for row in rows + stopped:
        cells = dict(zip(header, [c.strip() for c in row.strip("|").split("|")]))
        assert re.match(r"^\d+\.\d\d/\d+\.\d\d/\d+\.\d\d$", cells["mkdir ms p50/p99/max"]), (row, out)
    for row in rows:
        cells = dict(zip(header, [c.strip() for c in row.strip("|").split("|")]))
        for col in ("cadv CPU %", "floor CPU %", "RSS MB", "peak RSS MB", "fds", "/metrics MB",
                    "subcontainers MB", "/metrics ratio", "gzip ratio"):
            float(cells[col])  # a figure, not "–"
        # /metrics and its floor (`floor serve-metrics` serving the same series), plain and gzip
        # smoke mode spaces cadv's plain scrapes past the interval: each reports the render before it
        for col in ("/metrics ms p50/p99", "/metrics floor ms p50/p99", "gzip ms p50/p99",
                    "gzip floor ms p50/p99", "/metrics render ms p50/p99 (spaced)"):
            assert re.match(r"^\d+\.\d/\d+\.\d$", cells[col]), (col, cells[col], out)
    assert re.search(r"dynamic off: /metrics floor: cadv's body of \d+ series", p.stdout), out
    assert "/metrics floor not measured" not in p.stdout, out
    prefix = re.search(r"cgroups under (/cadv-bench-\d+) ", p.stdout).group(1)
    left = [m + prefix for m in cgroup_mount_points() if os.path.exists(m + prefix)]
    assert not left, "harness left cgroups behind: %s" % left


# A body with what the floor's line splitter must get right: label values holding spaces, braces,
# escaped quotes and "} ", series without labels or timestamps, NaN/Inf, e-notation, negatives.
FLOOR_BODY = b"""# HELP a_total A counter.
# TYPE a_total counter
a_total{id="/x",name="with space"} 12.5 1700000000123
a_total{id="/y",name="br}ace \\"q\\" } x"} 3.3554432e+07 1700000000124
# HELP b Gauge.
# TYPE b gauge
b 1e-09
b_nan NaN
b_inf{le="+Inf"} +Inf
b_neg -Inf
b_minus -0.25 -5
b_big 1.795829446e+09
b_long 0.30000000000000004
b_int 18446744073709551615
"""


def sample_values(body):
    """[(name and labels, value as float, timestamp or None)] of a Prometheus text body."""
    out = []
    for line in body.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([^ {]+(?:\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?) (\S+)(?: (-?\d+))?$', line)
        assert m, line
        out.append((m.group(1), float(m.group(2)), m.group(3)))
    return out


def test_floor_serve_metrics(tmp_path):
    """`floor serve-metrics` (the /metrics floor) serves the body it was given: the same series,
    values and timestamps, plain and gzip, with Content-Length."""
    assert os.access(FLOOR_BIN, os.X_OK), "%s is not built" % FLOOR_BIN
    body = tmp_path / "body"
    body.write_bytes(FLOOR_BODY)
    p = subprocess.Popen([FLOOR_BIN, "serve-metrics", "--body", str(body), "--duration-s", "30"],
                         stdout=subprocess.PIPE, text=True)
    try:
        ready = p.stdout.readline().split()
        assert ready[:1] == ["ready"] and ready[2] == "10", ready
        for gz in (False, True):
            conn = http.client.HTTPConnection("127.0.0.1", int(ready[1]), timeout=10)
            conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"} if gz else {})
            r = conn.getresponse()
            data = r.read()
            conn.close()
            assert r.status == 200 and int(r.getheader("Content-Length")) == len(data)
            assert r.getheader("Content-Encoding") == ("gzip" if gz else None)
            got = gzip.decompress(data) if gz else data
            want = sample_values(FLOOR_BODY)
            have = sample_values(got)
            assert len(have) == len(want) == 10
            for (n1, v1, t1), (n2, v2, t2) in zip(want, have):
                assert n1 == n2 and t1 == t2 and (v1 == v2 or (v1 != v1 and v2 != v2)), (n1, v1, t1, n2, v2, t2)
            assert [l for l in got.splitlines() if l.startswith(b"#")] == \
                [l for l in FLOOR_BODY.splitlines() if l.startswith(b"#")]
    finally:
        p.kill()
        p.wait()
