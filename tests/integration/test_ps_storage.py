# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of /api/v2.0/ps and of the machine's filesystems: /api/v2.0/storage, the root
container's FsStats in v1 and in /api/v2.1/machinestats (with its "inline" disk stats), and the
container_fs_* series of id="/" in /metrics."""
import os
import re
import subprocess

from conftest import wait_for

# Allocates and touches 32 MiB, then closes its stdout to say so, then sleeps.
HOLD_32M = ["/usr/bin/python3", "-c",
            "import os, time\nb = bytearray(32 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\n"
            "os.close(1)\ntime.sleep(600)"]


def root_mount():
    """(source, fstype) of the first "/" mount of this process's mount table."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            if left.split()[4] == "/":
                fstype, source = right.split()[:2]
                return source, fstype
    raise AssertionError("no / mount")


def started(cgroups, name, argv):
    p = cgroups.run(name, argv, stdout=subprocess.PIPE)
    p.stdout.read()  # EOF once the memory is touched
    return p


def test_ps_of_a_container_and_of_the_root(daemon, cgroups):
    name = cgroups.create("ps")
    p = started(cgroups, "ps", HOLD_32M)
    d = daemon()
    wait_for(lambda: d.get("/api/v1.3/containers" + name).status == 200, what="container " + name)

    procs = d.json("/api/v2.0/ps" + name)
    assert [x["pid"] for x in procs] == [p.pid], procs
    mine = procs[0]
    assert list(mine) == ["user", "pid", "parent_pid", "start_time", "percent_cpu", "percent_mem", "rss",
                          "virtual_size", "status", "running_time", "cgroup_path", "cmd", "fd_count", "psr"]
    assert mine["cmd"] == "python3"
    assert mine["user"] == "root"
    assert mine["parent_pid"] == os.getpid()
    assert mine["rss"] >= 32 << 20, mine
    assert mine["virtual_size"] >= mine["rss"]
    assert mine["cgroup_path"] == ""  # blanked for a container
    assert mine["fd_count"] >= 1
    assert mine["status"][0] in "SR"
    assert re.fullmatch(r"\d\d:\d\d", mine["start_time"]), mine["start_time"]
    assert re.fullmatch(r"(\d+-)?\d\d:\d\d:\d\d", mine["running_time"])

    # The root lists every process of the host, each with its cgroup; recursive is ignored.
    everything = d.json("/api/v2.0/ps/?recursive=true")
    by_pid = {x["pid"]: x for x in everything}
    assert by_pid[p.pid]["cgroup_path"] == name
    assert 1 in by_pid and os.getpid() in by_pid
    assert by_pid[os.getpid()]["cgroup_path"] != name
    assert len(everything) >= len([e for e in os.listdir("/proc") if e.isdigit()]) // 2

    # A container with no process of its own: an empty list.
    empty = cgroups.create("ps/empty")
    wait_for(lambda: d.get("/api/v1.3/containers" + empty).status == 200, what="container " + empty)
    assert d.json("/api/v2.0/ps" + empty) == []

    r = d.get("/api/v2.0/ps/no-such-container")
    assert r.status == 500 and r.text == 'unknown container "/no-such-container"\n'
    r = d.get("/api/v2.0/ps/x?type=docker")
    assert r.status == 500


def test_storage_lists_the_root_filesystem(daemon):
    source, _fstype = root_mount()
    st = os.statvfs("/")
    d = daemon()
    fs = d.json("/api/v2.0/storage")
    assert isinstance(fs, list) and fs
    root = [x for x in fs if x["device"] == source]
    assert len(root) == 1, fs
    root = root[0]
    assert list(root)[:7] == ["timestamp", "device", "mountpoint", "capacity", "available", "usage", "labels"]
    assert root["mountpoint"] == "/"
    assert "root" in root["labels"]
    assert root["capacity"] == st.f_frsize * st.f_blocks > 0
    assert 0 < root["usage"] <= root["capacity"]
    assert abs(root["available"] - st.f_frsize * st.f_bavail) < 1 << 30
    assert root["inodes"] == st.f_files
    assert len({x["device"] for x in fs}) == len(fs)

    only = d.json("/api/v2.0/storage?label=root")
    assert [x["device"] for x in only] == [source]
    r = d.get("/api/v2.0/storage?label=bogus")
    assert r.status == 500 and r.text == 'non-existent label "bogus"\n'
    r = d.get("/api/v2.0/storage?uuid=00000000-no-such-uuid")
    assert r.status == 500 and r.text == "cadvisor: no such device\n"
    if os.path.isdir("/dev/disk/by-uuid"):
        for u in os.listdir("/dev/disk/by-uuid"):
            dev = os.path.realpath(os.path.join("/dev/disk/by-uuid", u))
            if dev == source:
                one = d.json("/api/v2.0/storage?uuid=" + u)
                assert one["device"] == source and one["mountpoint"] == "/"


def test_root_samples_carry_the_filesystems(daemon):
    source, _fstype = root_mount()
    st = os.statvfs("/")
    d = daemon()

    v1 = d.json("/api/v1.3/containers/")
    assert v1["spec"]["has_filesystem"] is True
    fs = wait_for(lambda: d.json("/api/v1.3/containers/")["stats"][-1].get("filesystem"), what="filesystem of /")
    root = [x for x in fs if x["device"] == source][0]
    assert root["type"] == "vfs" and root["has_inodes"] is True
    assert root["capacity"] == st.f_frsize * st.f_blocks

    ms = d.json("/api/v2.1/machinestats?count=1")
    mfs = [x for x in ms[-1]["filesystem"] if x["device"] == source]
    assert len(mfs) == 1
    assert set(mfs[0]["inline"]) == {"reads_completed", "reads_merged", "sectors_read", "read_duration",
                                     "writes_completed", "writes_merged", "sectors_written", "write_duration",
                                     "io_in_progress", "io_duration", "weighted_io_duration"}
    assert mfs[0]["capacity"] == root["capacity"]

    text = d.get("/metrics").text
    want = 'container_fs_limit_bytes{device="%s",id="/"} ' % source
    lines = [l for l in text.splitlines() if l.startswith(want)]
    assert len(lines) == 1, [l for l in text.splitlines() if l.startswith("container_fs_limit_bytes")]
    assert float(lines[0].split()[1]) == root["capacity"]
    for family in ("container_fs_usage_bytes", "container_fs_inodes_total", "container_fs_inodes_free"):
        assert '%s{device="%s",id="/"} ' % (family, source) in text, family
