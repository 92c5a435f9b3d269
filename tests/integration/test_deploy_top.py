# SPDX-License-Identifier: Apache-2.0
"""cadvtop, the terminal client, against a running cadv: --batch prints a test's cgroups with sane
figures (a CPU burner's CPU %, a memory holder's usage under its limit, one process each), sorting
works, and the live full-screen view runs under tmux (capture-pane) and re-sorts on a key press."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import CADV_BIN, wait_for

TOP = os.path.join(os.path.dirname(CADV_BIN), "tools", "cadvtop", "cadvtop")
MIB = 1 << 20
LIMIT = 256 * MIB


def set_memory_limit(cgroups, name, limit):
    for (mount, fstype, ctrls), d in zip(cgroups.mounts, cgroups.dirs(name)):
        for f in ("memory.limit_in_bytes", "memory.max"):
            if os.path.exists(os.path.join(d, f)):
                with open(os.path.join(d, f), "w") as out:
                    out.write(str(limit))


def batch(url, *args):
    r = subprocess.run([TOP, "--url", url, "--batch", "--raw"] + list(args), capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[0] == "NAME"
    rows = []
    for line in lines[1:]:
        f = line.split()
        # name cpu mem / limit mem% rx / tx read / write pids
        assert len(f) == 13 and f[3] == f[7] == f[10] == "/", line
        num = lambda s, conv=int: None if s == "-" else conv(s)
        rows.append(dict(name=f[0], cpu=num(f[1], float), mem=num(f[2]), limit=num(f[4]), rx=num(f[6]),
                         read=num(f[9]), pids=num(f[12])))
    return rows


@pytest.fixture
def workload(cgroups, daemon):
    if not os.path.exists(TOP):
        pytest.skip("cadvtop not built")
    busy, mem = cgroups.create("busy"), cgroups.create("mem")
    set_memory_limit(cgroups, "mem", LIMIT)
    cgroups.run("busy", ["sh", "-c", "while :; do :; done"])
    cgroups.run("mem", ["python3", "-c", "b = b'x' * (48 << 20); import time; time.sleep(600)"])
    d = daemon("-enable_metrics=cpu,memory,diskIO,network,process", "-docker_only",
               "-raw_cgroup_prefix_whitelist=" + cgroups.path())
    return d, busy, mem


def test_batch_shows_the_cgroups_with_sane_figures(workload):
    d, busy, mem = workload

    def ready():
        rows = {r["name"]: r for r in batch(d.url, "--sort", "cpu")}
        b, m = rows.get(busy), rows.get(mem)
        ok = b and m and b["cpu"] is not None and b["cpu"] > 5 and m["mem"] and m["mem"] >= 48 * MIB
        return ok and rows

    rows = wait_for(ready, timeout=30, interval=0.5, what="both cgroups with two samples")
    b, m = rows[busy], rows[mem]
    ncpu = os.cpu_count()
    assert 5 < b["cpu"] <= 100 * ncpu + 5
    assert m["cpu"] is not None and m["cpu"] < b["cpu"]
    assert 48 * MIB <= m["mem"] <= LIMIT and m["limit"] == LIMIT
    assert b["limit"] > LIMIT  # unlimited: the machine's memory
    assert b["pids"] == 1 and m["pids"] == 1
    assert b["rx"] is None  # a raw cgroup has no network
    # sorting: by memory the holder comes before the burner, by name reversed too ("mem" > "busy")
    names = [r["name"] for r in batch(d.url, "--sort", "mem")]
    assert names.index(mem) < names.index(busy)
    names = [r["name"] for r in batch(d.url, "--sort", "name", "--reverse")]
    assert names.index(mem) < names.index(busy) and names == sorted(names, reverse=True)
    # human units without --raw
    out = subprocess.run([TOP, "--url", d.url, "--batch", "--sort", "name"], capture_output=True, text=True,
                         timeout=30).stdout
    assert "256.0MiB" in [l for l in out.splitlines() if l.startswith(mem + " ")][0]


def test_batch_errors_clearly_when_nothing_listens():
    if not os.path.exists(TOP):
        pytest.skip("cadvtop not built")
    r = subprocess.run([TOP, "--url", "http://127.0.0.1:1", "--batch"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and r.stderr.startswith("cadvtop: http://127.0.0.1:1/api/v2.1/stats"), r.stderr
    r = subprocess.run([TOP, "--sort", "bogus"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "unknown sort key" in r.stderr


def test_live_view_under_tmux_resorts_on_key_press(workload):
    if not shutil.which("tmux"):
        pytest.skip("tmux not installed")
    d, busy, mem = workload
    sock = "cadvtop-test-%d" % os.getpid()
    tmux = lambda *a: subprocess.run(["tmux", "-L", sock] + list(a), capture_output=True, text=True, timeout=30)
    r = tmux("new-session", "-d", "-x", "220", "-y", "50", "%s --url %s" % (TOP, d.url))
    assert r.returncode == 0, r.stderr
    try:
        screen = lambda: tmux("capture-pane", "-p").stdout
        order = lambda s: [l.split()[0] for l in s.splitlines() if l.startswith(busy) or l.startswith(mem)]

        def sorted_by(label, first):
            s = screen()
            return ("sort: " + label) in s and order(s)[:1] == [first] and len(order(s)) == 2 and s

        s = wait_for(lambda: sorted_by("CPU %", busy), timeout=30, interval=0.3, what="the CPU-sorted view")
        assert "MEM USAGE / LIMIT" in s and "keys:" in s
        tmux("send-keys", "m")
        wait_for(lambda: sorted_by("MEM USAGE / LIMIT", mem), timeout=15, interval=0.2, what="the memory sort")
        tmux("send-keys", "q")
        wait_for(lambda: tmux("has-session").returncode != 0, timeout=10, what="cadvtop to quit on q")
    finally:
        tmux("kill-server")
