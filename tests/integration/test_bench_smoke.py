# SPDX-License-Identifier: Apache-2.0
"""The benchmark harness (bench/run.py) in smoke mode - N=10 cgroups, 3 s window - against the real
daemon: it must complete, print its table with figures in it, and leave no cgroup behind. A
benchmark, not a test of speed: nothing here looks at a timing (bench/README.md)."""
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CADV_BIN = os.environ.get("CADV_BIN") or os.path.join(REPO, "build", "cadv")
FLOOR_BIN = os.environ.get("CADV_FLOOR") or os.path.join(os.path.dirname(CADV_BIN), "bench", "floor")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates cgroups: needs root")


def cgroup_mount_points():
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] in (["cgroup"], ["cgroup2"]):
                out.append(left.split()[4])
    return out


def test_bench_smoke():
    for b in (CADV_BIN, FLOOR_BIN):
        assert os.access(b, os.X_OK), "%s is not built" % b
    p = subprocess.run([PYTHON, os.path.join(REPO, "bench", "run.py"), "--smoke", "--cadv", CADV_BIN,
                        "--floor", FLOOR_BIN], capture_output=True, text=True, timeout=600, cwd=REPO)
    out = p.stdout + "\n--- stderr ---\n" + p.stderr
    assert p.returncode == 0, out
    header = [c.strip() for c in p.stdout.split("\n| N | ", 1)[1].split("\n", 1)[0].split("|")][:-1]
    header = ["N"] + header
    assert header[:5] == ["N", "mode", "cadv CPU %", "floor CPU %", "ratio"], out
    rows = [line for line in p.stdout.splitlines() if re.match(r"^\| 10 \| dynamic (off|on) \|", line)]
    assert len(rows) == 2, out
    for row in rows:
        cells = dict(zip(header, [c.strip() for c in row.strip("|").split("|")]))
        for col in ("cadv CPU %", "floor CPU %", "RSS MB", "peak RSS MB", "fds", "/metrics MB",
                    "subcontainers MB"):
            float(cells[col])  # a figure, not "–"
    prefix = re.search(r"cgroups under (/cadv-bench-\d+) ", p.stdout).group(1)
    left = [m + prefix for m in cgroup_mount_points() if os.path.exists(m + prefix)]
    assert not left, "harness left cgroups behind: %s" % left
