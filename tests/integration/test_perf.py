# SPDX-License-Identifier: Apache-2.0
"""perf events per container (-perf_events_config): software events counted on a real cgroup.

These machines have no hardware PMU, so only the kernel's software events are exercised here
(task-clock, context-switches, page-faults and a custom raw software event); hardware and uncore
events are untested (see README)."""
import json
import os
import subprocess
import sys

import pytest

from conftest import wait_for

CONFIG = {
    "core": {
        "events": ["task-clock", ["context-switches", "cpu-migrations-custom"], "page-faults", "no-such-event"],
        "custom_events": [{"type": 1, "config": ["0x4"], "name": "cpu-migrations-custom"}],
    }
}

# Burns one second of its own CPU time, then prints the CPU time the whole process used (ns).
BURN = [sys.executable, "-c",
        "import time\n"
        "while time.process_time() < 1.0: pass\n"
        "print(time.clock_gettime_ns(time.CLOCK_PROCESS_CPUTIME_ID), flush=True)\n"]


def perf_sum(d, name, event):
    """(timestamp, {event: summed value}) of the newest sample of container name."""
    info = d.json("/api/v1.3/containers" + name)
    st = info["stats"][-1] if info.get("stats") else {}
    sums = {}
    for p in st.get("perf_stats", []):
        sums[p["name"]] = sums.get(p["name"], 0) + p["value"]
    return st.get("timestamp"), sums


@pytest.mark.skipif(not os.path.exists("/proc/sys/kernel/perf_event_paranoid"), reason="no perf_event support")
def test_perf_software_events_follow_the_workload(daemon, cgroups, tmp_path):
    cfg = tmp_path / "perf.json"
    cfg.write_text(json.dumps(CONFIG))
    name = cgroups.create("perf")
    # Only this test's cgroups: on a shared machine thousands of others would spend the counters' fds.
    d = daemon("-housekeeping_interval=1s", "-allow_dynamic_housekeeping=false", "-perf_events_config=" + str(cfg),
               "-raw_cgroup_prefix_whitelist=" + cgroups.path())
    # The unknown event is reported by name; the others are counted.
    assert 'perf event "no-such-event" is not counted' in d.logtext()
    _, before = wait_for(lambda: (lambda t: t if "task-clock" in t[1] else None)(perf_sum(d, name, "")),
                         timeout=20, what="perf_stats of the empty cgroup")
    assert set(before) == {"task-clock", "context-switches", "cpu-migrations-custom", "page-faults"}

    p = cgroups.run("perf", BURN, stdout=subprocess.PIPE)
    out, _ = p.communicate(timeout=60)
    burned_ns = int(out.decode().strip())
    assert burned_ns >= 1e9

    # Once the cgroup is idle again, two samples in a row agree: that is the final count.
    state = {"last": None}

    def settled():
        ts, sums = perf_sum(d, name, "")
        prev, state["last"] = state["last"], (ts, sums.get("task-clock"))
        return sums if prev and prev[0] != ts and prev[1] == sums.get("task-clock") else None

    after = wait_for(settled, timeout=30, interval=0.5, what="task-clock to settle")
    counted = after["task-clock"] - before["task-clock"]
    # task-clock counts the burner's own CPU time (plus its exit path): compare with what it measured.
    assert 0.9 * burned_ns <= counted <= 1.1 * burned_ns + 50e6, (counted, burned_ns)
    assert after["page-faults"] > before["page-faults"]  # a Python start faults in thousands of pages
    assert after["context-switches"] >= before["context-switches"]

    m = d.get("/metrics").text
    rows = [line for line in m.splitlines() if line.startswith("container_perf_events_total{") and
            'id="%s"' % name in line and 'event="task-clock"' in line]
    assert rows and all('cpu="' in r for r in rows)
    assert any(line.startswith("container_perf_events_scaling_ratio{") and 'id="%s"' % name in line
               for line in m.splitlines())


def test_perf_config_that_does_not_parse_stops_the_daemon(tmp_path):
    from conftest import CADV_BIN
    cfg = tmp_path / "perf.json"
    cfg.write_text('{"core": {"events": [42]}}')
    r = subprocess.run([CADV_BIN, "-listen_ip=127.0.0.1", "-port=0", "-perf_events_config=" + str(cfg)],
                       capture_output=True, timeout=30)
    assert r.returncode != 0
    assert b"-perf_events_config" in r.stderr + r.stdout and b"names" in r.stderr + r.stdout
