# SPDX-License-Identifier: Apache-2.0
"""The BPF collector (-collector=bpf) against the file collector on the same real cgroups.

Two daemons run side by side, one per collector, over a CPU burner, a memory toucher and a cgroup that
writes a file under a tight memory limit (so that memory.failcnt and the watermark move). Every counter
the BPF path replaces (cpuacct.usage, memory.usage_in_bytes, memory.max_usage_in_bytes, memory.failcnt;
the detail values of cpu.stat, cpuacct.usage_percpu, memory.kmem.usage_in_bytes and memory.oom_control on a throttled burner
and a cgroup that meets its limit) must lie, for each BPF sample, between the file daemon's samples around it (on cgroup2: cpu.stat
usage_usec, the hybrid host's cgroup2 mount opened as the root): by the samples' own timestamps, widened by the BPF snapshot's age bound (one housekeeping interval: one pass serves a
whole collection cycle) and the time a collection takes. The fallback test runs the daemon without any capability (setpriv) and
expects the one log line and the file path. A spec refresh takes the cpu and memory limits from the pass
(strace: no limit file opened while a change is seen)."""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import rfc3339_ns, wait_for

INTERVAL = "500ms"
# Snapshot age bound (one interval: one pass per collection cycle) plus what a loaded machine may take
# between a read and the stamp.
SLACK_NS = 500_000_000 + 400_000_000
HISTORY_S = 4
# Every cgroup at the base interval: with dynamic housekeeping an idle one (the memory toucher asleep)
# is sampled every 2, 4, 8... s, and a gauge's bracket needs two file samples within a few seconds.
STEADY = ["-allow_dynamic_housekeeping=false"]
# The figures the BPF path replaces: where each is in a sample, and whether it only grows.
FIELDS = {
    "cpu": (lambda s: s["cpu"]["usage"]["total"], True),
    "usage": (lambda s: s["memory"]["usage"], False),
    "max_usage": (lambda s: s["memory"]["max_usage"], True),
    "failcnt": (lambda s: s["memory"]["failcnt"], True),
    "periods": (lambda s: s["cpu"]["cfs"]["periods"], True),
    "throttled_periods": (lambda s: s["cpu"]["cfs"]["throttled_periods"], True),
    "throttled_time": (lambda s: s["cpu"]["cfs"]["throttled_time"], True),
    "kernel": (lambda s: s["memory"]["kernel"], False),
    "user": (lambda s: s["cpu"]["usage"]["user"], True),
    "system": (lambda s: s["cpu"]["usage"]["system"], True),
}
# The PSI totals (microseconds; counters) of the hybrid's cgroup2 mount, read only when the pass shows
# them moving.
for _g, _path in (("cpu", ("cpu", "psi")), ("mem", ("memory", "psi")), ("io", ("diskio", "psi"))):
    for _k in ("some", "full"):
        FIELDS["psi_%s_%s" % (_g, _k)] = (lambda s, p=_path, k=_k: s[p[0]]["psi"][k]["total"], True)
PSI_KEYS = [k for k in FIELDS if k.startswith("psi_")]
# Each CPU's counter of cpuacct.usage_percpu (a list as long as the machine has possible CPUs).
NCPU = len(open("/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu").read().split()) \
    if os.path.exists("/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu") else 0
for _i in range(NCPU):
    FIELDS["cpu%d" % _i] = (lambda s, i=_i: s["cpu"]["usage"]["per_cpu_usage"][i], True)
KEYS = ("cpu", "usage", "max_usage", "failcnt")
# The files of the detail values the pass carries on v1.
DETAIL_FILES = ("cpu.stat", "memory.kmem.usage_in_bytes", "memory.oom_control", "cpuacct.usage_percpu")

MEM_TOUCHER = [sys.executable, "-c",
               "import time\n"
               "b = bytearray(48 << 20)\n"
               "for i in range(0, len(b), 4096): b[i] = 1\n"
               "time.sleep(600)\n"]
CPU_BURNER = [sys.executable, "-c", "while True: pass\n"]


def _bpf_state(d):
    """'on', or the reason the daemon d logged for not using BPF."""
    def logged():
        log = d.logtext()
        for line in log.splitlines():
            if "BPF collector" in line:
                return line
        return None
    line = wait_for(logged, timeout=30, what="the BPF collector's log line")
    if "BPF collector unavailable" in line:
        return line.split("unavailable", 1)[1].strip()
    return "on"


def _samples(d, name):
    stats = d.json("/api/v1.3/containers" + name).get("stats") or []  # none before the first sample
    return [(rfc3339_ns(s["timestamp"]), s) for s in stats]


def _field(s, key):
    return FIELDS[key][0](s)


def _bracket(file_samples, t, key):
    """(lo, hi) the file daemon's values allow at BPF sample time t."""
    lo_t, hi_t = t - SLACK_NS, t + SLACK_NS
    if FIELDS[key][1]:
        before = [x for x in file_samples if x[0] <= lo_t]
        after = [x for x in file_samples if x[0] >= hi_t]
        if not before or not after:
            return None
        return _field(before[-1][1], key), _field(after[0][1], key)
    # A gauge: the file path must have watched the whole span the BPF figure may come from (the file
    # daemon starts after the BPF one, and a snapshot may be an interval old).
    if not any(ts <= lo_t for ts, _s in file_samples) or not any(ts >= hi_t for ts, _s in file_samples):
        return None
    window = [_field(s, key) for ts, s in file_samples if lo_t - 1_000_000_000 <= ts <= hi_t + 1_000_000_000]
    if len(window) < 2:
        return None
    return min(window), max(window)


def _compare_until(b, f, names, keys):
    """Every BPF sample of daemon b checked against daemon f's file samples around it, until each
    (cgroup, key) of keys had 2 comparable samples (on a loaded machine few may be: it waits)."""
    def compare():
        checked = {}
        for n in names:
            fs = _samples(f, n)
            for t, s in _samples(b, n):
                for key in FIELDS:
                    if (n, key) not in keys:
                        continue
                    br = _bracket(fs, t, key)
                    if br is None:
                        continue
                    v = _field(s, key)
                    assert br[0] <= v <= br[1], "%s %s: BPF %d not within the file path's [%d, %d] around %d" % (
                        n, key, v, br[0], br[1], t)
                    checked[(n, key)] = checked.get((n, key), 0) + 1
        return checked

    deadline = time.monotonic() + 40
    checked = compare()
    while any(checked.get(k, 0) < 2 for k in keys) and time.monotonic() < deadline:
        time.sleep(1)
        checked = compare()
    for k in keys:
        assert checked.get(k, 0) >= 2, "too few comparable samples for %s %s" % k


@pytest.fixture
def farm(cgroups):
    for n in ("cpu", "mem", "lim"):
        cgroups.create(n)
    limdir = [d for d in cgroups.dirs("lim") if os.path.exists(os.path.join(d, "memory.limit_in_bytes"))]
    if not limdir:
        pytest.skip("no v1 memory hierarchy")
    with open(os.path.join(limdir[0], "memory.limit_in_bytes"), "w") as f:
        f.write(str(8 << 20))
    cgroups.run("cpu", CPU_BURNER)
    cgroups.run("mem", MEM_TOUCHER)
    scratch = os.path.join("/var/tmp", cgroups.prefix + ".dat")
    cgroups.run("lim", ["sh", "-c", "while :; do dd if=/dev/zero of=%s bs=1M count=16 conv=notrunc "
                        "status=none; sleep 1; done" % scratch])
    yield cgroups
    for p in cgroups.procs:
        p.kill()
    if os.path.exists(scratch):
        os.unlink(scratch)


def test_bpf_matches_files(daemon, farm):
    args = ["-housekeeping_interval=" + INTERVAL, "-docker_only=false", "-storage_duration=1m0s"] + STEADY
    b = daemon("-collector=bpf", *args)
    state = _bpf_state(b)
    if state != "on":
        pytest.skip("BPF collector not usable here: " + state)
    f = daemon("-collector=files", *args)
    names = [farm.path(n) for n in ("cpu", "mem", "lim")]
    for d in (b, f):
        for n in names:
            wait_for(lambda: d.get("/api/v1.3/containers" + n).status == 200, timeout=30, what=n)
    time.sleep(HISTORY_S)
    keys = [(n, key) for n in names for key in KEYS if (n, key) != (farm.path("lim"), "usage")]
    # (the limited writer's usage is a gauge that moves both ways under the limit: no bracket holds it)
    _compare_until(b, f, names, keys)
    # The counters moved (a test of equal zeros would prove nothing).
    last = {n: _samples(b, n)[-1][1] for n in names}
    assert last[farm.path("cpu")]["cpu"]["usage"]["total"] > 0
    assert last[farm.path("mem")]["memory"]["usage"] >= 48 << 20
    assert last[farm.path("lim")]["memory"]["failcnt"] > 0
    assert last[farm.path("lim")]["memory"]["max_usage"] > 0
    # The collector in use, as a self-metric.
    bm, fm = b.get("/metrics").text, f.get("/metrics").text
    assert 'cadv_collector_info{collector="bpf",pass="walk"} 1' in bm or \
        'cadv_collector_info{collector="bpf",pass="iter"} 1' in bm, bm[-3000:]
    assert re.search(r"^cadv_bpf_pass_seconds \d", bm, re.M), "no cadv_bpf_pass_seconds"
    assert 'cadv_collector_info{collector="files",pass=""} 1' in fm and "cadv_bpf_pass_seconds" not in fm


def test_bpf_without_capability_falls_back(daemon, cgroups, monkeypatch, tmp_path):
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("setpriv (util-linux) not installed")
    probe = daemon("-collector=bpf")
    state = _bpf_state(probe)
    if "not built with BPF support" in state:
        pytest.skip("not built with BPF support")
    cgroups.create("x")
    cgroups.run("x", CPU_BURNER)
    import conftest
    wrapper = os.path.join(tmp_path, "cadv-nocaps")
    with open(wrapper, "w") as w:
        w.write('#!/bin/sh\nexec %s --inh-caps=-all --bounding-set=-all -- %s "$@"\n' % (setpriv, conftest.CADV_BIN))
    os.chmod(wrapper, 0o755)
    monkeypatch.setattr(conftest, "CADV_BIN", wrapper)
    d = daemon("-collector=bpf", "-housekeeping_interval=" + INTERVAL, "-docker_only=false")
    reason = _bpf_state(d)
    assert reason != "on", "the BPF collector loaded without any capability"
    assert "reading cgroup files" in d.logtext()
    assert d.logtext().count("BPF collector") == 1
    stats = wait_for(lambda: [s for s in (d.json("/api/v1.3/containers" + cgroups.path("x")).get("stats") or [])
                              if s["cpu"]["usage"]["total"] > 0], timeout=30, what="file-path CPU samples")
    assert stats


def test_files_collector_logs_nothing_about_bpf(daemon):
    import conftest
    d = daemon("-collector=files")
    time.sleep(0.5)
    assert "BPF collector" not in d.logtext()
    r = subprocess.run([conftest.CADV_BIN, "-collector=ebpf"], capture_output=True, text=True)
    assert r.returncode == 2 and "want files, bpf or auto" in r.stderr


def test_bpf_cgroup2_cpu_matches_files(daemon, cgroups):
    """A cgroup2 root (the test's own cgroup in the hybrid host's cgroup2 mount, opened as the root, as
    on a cgroup2-only host or in a cgroup namespace: the walk starts below the hierarchy's root):
    cpu.stat usage_usec from the css walk against the file path, on a CPU burner."""
    v2 = "/sys/fs/cgroup/unified"
    if not os.path.exists(os.path.join(v2, "cgroup.controllers")):
        pytest.skip("no cgroup2 mount at " + v2)
    cgroups.create("cpu")
    cgroups.run("cpu", CPU_BURNER)
    args = ["-cgroup_root=" + os.path.join(v2, cgroups.prefix), "-housekeeping_interval=" + INTERVAL,
            "-docker_only=false", "-storage_duration=1m0s"] + STEADY
    b = daemon("-collector=bpf", *args)
    state = _bpf_state(b)
    if state != "on":
        pytest.skip("BPF collector not usable here: " + state)
    assert "cgroup2" in b.logtext()
    f = daemon("-collector=files", *args)
    for d in (b, f):
        wait_for(lambda: d.get("/api/v1.3/containers/cpu").status == 200, timeout=30, what="/cpu")
    time.sleep(HISTORY_S)
    _compare_until(b, f, ["/cpu", "/"], [("/cpu", "cpu"), ("/", "cpu")])
    assert _samples(b, "/cpu")[-1][1]["cpu"]["usage"]["total"] > 0


def _set(dirs, file, value):
    """Writes value into `file` of the one directory of dirs that has it; returns that path or None."""
    for d in dirs:
        p = os.path.join(d, file)
        if os.path.exists(p):
            with open(p, "w") as f:
                f.write(str(value))
            return p
    return None


def _read_spec_files(paths):
    """The spec as the file reader takes it: each file's number, "-1" as 0."""
    out = {}
    for key, p in paths.items():
        v = open(p).read().strip()
        out[key] = 0 if v.startswith("-") else int(v)
    return out


def _spec_of(d, name):
    spec = d.json("/api/v1.3/containers" + name).get("spec") or {}
    cpu, mem = spec.get("cpu") or {}, spec.get("memory") or {}
    return {"shares": cpu.get("limit", 0), "quota": cpu.get("quota", 0), "period": cpu.get("period", 0),
            "limit": mem.get("limit", 0), "soft": mem.get("reservation", 0), "memsw": mem.get("swap_limit", 0)}


def test_bpf_spec_limits_from_the_pass(daemon, cgroups, tmp_path):
    """With -collector=bpf a spec refresh takes cpu.shares, cfs quota and period, and the memory limit,
    swap limit and soft limit from the pass: a change of each is seen within a refresh period, equal
    to the files, and no refresh opens those files meanwhile (strace)."""
    name = cgroups.create("lims")
    dirs = cgroups.dirs("lims")
    first = {"cpu.shares": 512, "cpu.cfs_period_us": 100000, "cpu.cfs_quota_us": 50000,
             "memory.limit_in_bytes": 64 << 20, "memory.soft_limit_in_bytes": 32 << 20}
    paths = {}
    for f, v in first.items():
        p = _set(dirs, f, v)
        if not p:
            pytest.skip("no v1 %s here" % f)
        paths[f] = p
    keys = {"shares": "cpu.shares", "quota": "cpu.cfs_quota_us", "period": "cpu.cfs_period_us",
            "limit": "memory.limit_in_bytes", "soft": "memory.soft_limit_in_bytes"}
    memsw = paths["memory.limit_in_bytes"].replace("memory.limit_in_bytes", "memory.memsw.limit_in_bytes")
    if os.path.exists(memsw):
        keys["memsw"] = "memory.memsw.limit_in_bytes"
        paths["memory.memsw.limit_in_bytes"] = memsw
    cgroups.run("lims", ["sleep", "600"])
    d = daemon("-collector=bpf", "-housekeeping_interval=500ms", "-docker_only=false")
    state = _bpf_state(d)
    if state != "on":
        pytest.skip("BPF collector not usable here: " + state)
    assert "cpu limits, memory limits" in d.logtext(), d.logtext()[-2000:]

    def expected():
        files = _read_spec_files({k: paths[f] for k, f in keys.items()})
        return files, {k: v for k, v in _spec_of(d, name).items() if k in files}

    def matches():
        files, got = expected()
        return got if got == files else None
    wait_for(matches, timeout=30, what="the first spec of " + name)
    if not shutil.which("strace"):
        pytest.skip("strace not installed: the no-file check of spec refreshes needs it")
    trace = tmp_path / "strace.log"  # a file: a pipe read only at the end would fill and stop the tracee
    tracer = subprocess.Popen(["strace", "-f", "-y", "-qq", "-e", "trace=openat", "-o", str(trace),
                               "-p", str(d.proc.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)  # attached
        second = {"cpu.shares": 256, "cpu.cfs_period_us": 50000, "cpu.cfs_quota_us": 25000,
                  "memory.soft_limit_in_bytes": 48 << 20, "memory.limit_in_bytes": 96 << 20}
        for f, v in second.items():
            _set(dirs, f, v)
        # A refresh comes every 10 s per container; on a loaded machine give it a few.
        got = wait_for(matches, timeout=45, interval=0.5, what="the changed limits of " + name)
    finally:
        tracer.send_signal(2)
        tracer.wait(timeout=30)
        log = trace.read_text()
    assert got["shares"] == 256 and got["quota"] == 25000 and got["period"] == 50000, got
    assert got["limit"] == 96 << 20 and got["soft"] == 48 << 20, got
    opened = [line for line in log.splitlines()
              if cgroups.prefix + "/lims/" in line and any(f in line for f in keys.values())]
    assert not opened, "spec refreshes opened limit files: %s" % opened[:5]


def _devices(sample):
    """The block devices each disk I/O list of a sample names (not their moving values, nor PSI)."""
    return sorted((k, e.get("major"), e.get("minor")) for k, v in (sample.get("diskio") or {}).items()
                  if isinstance(v, list) for e in v)


def test_bpf_detail_values_from_the_pass(daemon, cgroups, tmp_path):
    """On v1 the pass also carries cpu.stat's bandwidth figures, cpuacct.usage_percpu,
    memory.kmem.usage_in_bytes and memory.oom_control's oom_kill: a throttled burner's figures (each
    CPU's counter among them) and a memory toucher's kmem usage lie
    within the file daemon's samples around each BPF sample; an OOM kill is counted from the pass (no
    kernel log, -kmsg_path=/dev/null: the count can only come from the cgroup's own counter); and no
    detail read opens those files meanwhile (strace). The blkio state: a cgroup that never did I/O
    (no blkg) has its blkio files neither opened nor read, one that writes with O_DIRECT has them read;
    both report the same disk I/O as the file daemon. cpuacct.stat and, on the hybrid, the PSI files
    are read only when the pass shows them moving: an empty cgroup's are not opened, the O_DIRECT
    writer's io.pressure is; user and system time and every PSI total of each cgroup lie within the
    file daemon's samples around each BPF sample."""
    for n in ("thr", "mem", "oom", "idle", "dio"):
        cgroups.create(n)
    if not _set(cgroups.dirs("thr"), "cpu.cfs_quota_us", 10000):
        pytest.skip("no v1 cpu controller")
    _set(cgroups.dirs("thr"), "cpu.cfs_period_us", 100000)
    if not _set(cgroups.dirs("oom"), "memory.limit_in_bytes", 32 << 20):
        pytest.skip("no v1 memory hierarchy")
    _set(cgroups.dirs("oom"), "memory.memsw.limit_in_bytes", 32 << 20)
    cgroups.run("thr", CPU_BURNER)
    cgroups.run("mem", MEM_TOUCHER)
    scratch = os.path.join("/var/tmp", cgroups.prefix + ".dio")
    cgroups.run("dio", ["sh", "-c", "while :; do dd if=/dev/zero of=%s bs=64k count=4 oflag=direct "
                        "status=none; sleep 0.2; done" % scratch])
    args = ["-housekeeping_interval=" + INTERVAL, "-docker_only=false", "-storage_duration=1m0s",
            "-kmsg_path=/dev/null"] + STEADY
    b = daemon("-collector=bpf", *args)
    state = _bpf_state(b)
    if state != "on":
        pytest.skip("BPF collector not usable here: " + state)
    assert "cpu.stat, kmem usage, oom_kill, blkio state, per-CPU usage" in b.logtext(), b.logtext()[-2000:]
    psi = os.path.exists("/sys/fs/cgroup/unified/cgroup.procs")  # the hybrid's cgroup2 mount
    if psi:
        assert "per-CPU usage, PSI state from the pass" in b.logtext(), b.logtext()[-2000:]
    f = daemon("-collector=files", *args)
    names = [cgroups.path(n) for n in ("thr", "mem", "oom", "idle", "dio")]
    for d in (b, f):
        for n in names:
            wait_for(lambda: _samples(d, n), timeout=30, what="samples of " + n)
    if not shutil.which("strace"):
        pytest.skip("strace not installed: the no-file check of detail reads needs it")
    # The collector thread only (it does every scheduled read): tracing each pread64 of every thread
    # would slow the REST answers past their timeout.
    tasks = "/proc/%d/task" % b.proc.pid
    collector = [t for t in os.listdir(tasks) if open(os.path.join(tasks, t, "comm")).read().strip() == "cadv-collector"]
    assert len(collector) == 1, "no cadv-collector thread"
    trace = tmp_path / "strace.log"  # a file: a pipe read only at the end would fill and stop the tracee
    tracer = subprocess.Popen(["strace", "-qq", "-y", "-e", "trace=openat,pread64", "-o", str(trace),
                               "-p", collector[0]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)  # attached
        p = cgroups.run("oom", [sys.executable, "-c", "a = []\nwhile True: a.append(b'x' * (1 << 20))"])
        p.wait(timeout=60)
        assert p.returncode == -9, "killed by the OOM killer"
        oom = cgroups.path("oom")
        for d in (b, f):
            wait_for(lambda: _samples(d, oom)[-1][1].get("oom_events") == 1, timeout=30,
                     what="oom_events of %s at 1 from the cgroup's counter" % oom)
        time.sleep(HISTORY_S)
        keys = [(cgroups.path("thr"), k) for k in ("periods", "throttled_periods", "throttled_time")]
        keys.append((cgroups.path("mem"), "kernel"))
        keys += [(cgroups.path("thr"), "cpu%d" % i) for i in range(NCPU)]
        keys += [(n, k) for n in names for k in ("user", "system")]
        if psi:
            keys += [(n, k) for n in names for k in PSI_KEYS]
        _compare_until(b, f, names, keys)
        for n in ("idle", "dio"):
            got = [_devices(_samples(d, cgroups.path(n))[-1][1]) for d in (b, f)]
            assert got[0] == got[1], (n, got)
    finally:
        tracer.send_signal(2)
        tracer.wait(timeout=30)
        log = trace.read_text()
        if os.path.exists(scratch):
            os.unlink(scratch)
    lines = [line for line in log.splitlines() if cgroups.prefix + "/" in line]
    opened = [line for line in lines if any("/" + name + q in line for name in DETAIL_FILES for q in '">')]
    assert not opened, "detail reads opened files the pass carries: %s" % opened[:5]
    assert not [line for line in lines if "/idle/blkio." in line], "blkio files of a cgroup without I/O were read"
    assert [line for line in lines if "/dio/blkio." in line], "no blkio file read for the cgroup doing I/O"
    quiet = [line for line in lines if any("/idle/" + name in line for name in
                                           ("cpuacct.stat", "cpu.pressure", "memory.pressure", "io.pressure"))]
    assert not quiet, "files of an empty cgroup read again though the pass showed no change: %s" % quiet[:5]
    if psi:
        assert [line for line in lines if "/dio/io.pressure" in line], "no io.pressure read for the writer"
    last = _samples(b, cgroups.path("thr"))[-1][1]["cpu"]["cfs"]
    assert last["periods"] > 0 and last["throttled_periods"] > 0 and last["throttled_time"] > 0, last
    assert _samples(b, cgroups.path("mem"))[-1][1]["memory"]["kernel"] > 0
