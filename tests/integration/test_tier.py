# SPDX-License-Identifier: Apache-2.0
"""The tiered cadence (-detail_housekeeping_interval) on a real cgroup, with both collectors.

A burner spins and rewrites a file (page cache moves). With -housekeeping_interval=1s and
-detail_housekeeping_interval=5s its CPU usage total (hot tier) must grow at every sample, while its user
time (cpuacct.stat) and cache (memory.stat), both detail tier, change only at detail reads: by the samples'
own timestamps, at least ~4 s apart (5 s, less the lateness of one collection), never between them. With
-collector=bpf a hot-only collection must read no file of the container (strace -y over the daemon: its
reads of the burner's files come in bursts, one per detail read, far fewer than the samples taken)."""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import CADV_BIN, rfc3339_ns, wait_for
from test_bpf import _bpf_state

DETAIL_S = 5
# The smallest gap allowed between two detail reads: the interval less one collection's lateness (the
# jitter is small here; a loaded machine makes collections later, never earlier than due).
MIN_GAP_NS = (DETAIL_S - 1.2) * 1e9
ARGS = ["-housekeeping_interval=1s", "-detail_housekeeping_interval=%ds" % DETAIL_S, "-jitter_factor=0.05",
        "-allow_dynamic_housekeeping=false", "-docker_only=false", "-storage_duration=1m0s"]


def burner(scratch):
    return [sys.executable, "-c",
            "import os, time\n"
            "buf = b'x' * (1 << 20)\n"
            "n = 0\n"
            "while True:\n"
            "    t = time.time()\n"
            "    while time.time() - t < 0.2: pass\n"
            "    with open(%r, 'ab') as f: f.write(buf)\n"
            "    n += 1\n"
            "    if n %% 64 == 0: os.truncate(%r, 0)\n" % (scratch, scratch)]


@pytest.fixture
def burn(cgroups):
    cgroups.create("burn")
    scratch = os.path.join("/var/tmp", cgroups.prefix + ".dat")
    cgroups.run("burn", burner(scratch))
    yield cgroups
    for p in cgroups.procs:
        p.kill()
    if os.path.exists(scratch):
        os.unlink(scratch)


def _series(d, name):
    stats = d.json("/api/v1.3/containers" + name)["stats"]
    return [(rfc3339_ns(s["timestamp"]), s["cpu"]["usage"]["total"], s["cpu"]["usage"]["user"],
             s["memory"]["cache"]) for s in stats]


def _check_tiers(series):
    """Asserts the cadence on (ts, total, user, cache) samples; returns the detail read times."""
    detail_ts = []
    for prev, cur in zip(series, series[1:]):
        assert cur[0] > prev[0]
        assert cur[1] > prev[1], "CPU usage total did not advance between samples at %d and %d" % (prev[0], cur[0])
        if cur[2] != prev[2] or cur[3] != prev[3]:
            detail_ts.append(cur[0])
    for a, b in zip(detail_ts, detail_ts[1:]):
        assert b - a >= MIN_GAP_NS, "detail figures changed %.2f s apart: %s" % ((b - a) / 1e9, series)
    return detail_ts


def _wait_cadence(d, name):
    """Samples until two detail reads and hot-only samples between them show; generous on a loaded host."""
    def enough():
        s = _series(d, name)
        detail = _check_tiers(s)
        return (s, detail) if len(detail) >= 2 and len(s) >= len(detail) + 4 else None
    return wait_for(enough, timeout=40, interval=1.0, what="two detail reads of " + name)


def _strace_reads(pid, prefix, seconds):
    """Times (s) of the daemon's read syscalls on files under the test's cgroups, over `seconds`."""
    out = subprocess.run(["timeout", "-s", "INT", str(seconds), "strace", "-f", "-y", "-ttt", "-qq",
                          "-e", "trace=read,pread64,openat", "-p", str(pid)],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True).stderr
    times = []
    for line in out.splitlines():
        m = re.match(r"(?:\[pid\s+\d+\]\s+)?(\d+\.\d+)\s+(\w+)\((.*)", line)
        if m and ("/" + prefix + "/burn/") in m.group(3):
            times.append(float(m.group(1)))
    return out, times


@pytest.mark.parametrize("collector", ["files", "bpf"])
def test_hot_every_sample_detail_at_its_interval(daemon, burn, collector):
    d = daemon("-collector=" + collector, *ARGS)
    if collector == "bpf":
        state = _bpf_state(d)
        if state != "on":
            pytest.skip("BPF collector not usable here (fell back to files): " + state)
    name = burn.path("burn")
    wait_for(lambda: d.get("/api/v1.3/containers" + name).status == 200, timeout=30, what=name)
    series, detail = _wait_cadence(d, name)
    hot_only = [s for s in series if s[0] not in detail]
    assert len(hot_only) > len(detail), series
    if collector != "bpf":
        return
    if not shutil.which("strace"):
        pytest.skip("strace not installed: the no-file check of hot-only collections needs it")
    before = len(_series(d, name))
    log, reads = _strace_reads(d.proc.pid, burn.prefix, DETAIL_S + 2)
    taken = len(_series(d, name)) - before
    bursts = sum(1 for a, b in zip([0.0] + reads, reads) if b - a > 0.5)
    assert reads or "attach" not in log, "strace could not attach: " + log[-500:]
    # One burst per detail read (at most 2 in the window), while the daemon took a sample every second.
    assert bursts <= 2 and taken >= bursts + 3, "reads of the burner's files at %s; %d samples taken" % (
        reads, taken)


def test_detail_interval_validation():
    for bad, why in (("500ms", "at least -housekeeping_interval"), ("-1s", "negative"), ("soon", "")):
        r = subprocess.run([CADV_BIN, "-detail_housekeeping_interval=" + bad], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 2, (bad, r.stderr)
        assert "-detail_housekeeping_interval" in r.stderr and why in r.stderr, r.stderr
    r = subprocess.run([CADV_BIN, "-housekeeping_interval=10s", "-detail_housekeeping_interval=5s"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "at least -housekeeping_interval (10.000s)" in r.stderr, r.stderr
