# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of the Podman runtime against real podman 4.3 (rootful, runc, cgroupfs manager,
storage under a temporary directory: docs/architecture.md#test-runtimes) and its Docker-compatible API served
by `podman system service` on a unique socket, which cadv reaches with -podman. Rootless podman
needs cgroup v2 delegation, which these hybrid-cgroup machines lack; its cgroup layout
(.../libpod-<id>.scope/container) is covered by tests/unit/test_runtime_ids.c."""
import os

import pytest

from conftest import wait_for
from runtimes import (Podman, Veth, busybox_tar, cgroup_name, cleanup_dir, container_info, fs_usage, gone,
                      iface, latest_stats, metric_lines, named, need, tmpdir, unique)

IMAGE = "localhost/cadv-busybox:1"


@pytest.fixture(scope="module")
def podman():
    need("podman", "runc", "/bin/busybox", "ip", "nsenter")
    p = Podman(tmpdir("cadv-podman-"))
    p.podman("import", busybox_tar(p.dir), IMAGE)
    p.daemon.start()
    try:
        yield p
    finally:
        for cid in p.podman("ps", "-aq", "--filter", "label=io.cadv.test", check=False).split():
            p.podman("rm", "-f", "-t", "0", cid, check=False)
        p.daemon.stop()
        cleanup_dir(p.dir)


def start(podman, *args, cmd=("sleep", "600")):
    name = unique("cadv-it")
    cid = podman.podman("run", "-d", "--name", name, "--label", "io.cadv.test=1", *args, IMAGE, *cmd)
    pid = int(podman.podman("inspect", "-f", "{{.State.Pid}}", cid))
    return name, cid, pid


def test_container_named_with_labels_image_limit_and_metrics(daemon, podman):
    d = daemon("-podman=" + podman.addr, "-env_metadata_whitelist=CADV_")
    name, cid, pid = start(podman, "-m", "64m", "--label", "team=green", "-e", "CADV_MODE=pm")
    cg = cgroup_name(pid)
    assert cg == "/libpod_parent/libpod-" + cid
    info = named(d, cg, name)
    assert info["id"] == cid
    assert info["aliases"] == [name, cid]
    assert info["namespace"] == "podman"
    assert info["spec"]["image"] == IMAGE
    assert info["spec"]["labels"]["team"] == "green"
    assert info["spec"]["envs"] == {"cadv_mode": "pm"}
    wait_for(lambda: container_info(d, cg)["spec"]["memory"].get("limit") == 64 << 20, timeout=15,
             what="the 64 MiB memory limit")
    assert d.json("/api/v2.0/spec/%s?type=podman" % name)[cg]["image"] == IMAGE
    lines = wait_for(lambda: metric_lines(d, "container_memory_usage_bytes", name=name), timeout=15,
                     what="metrics of " + name)
    assert 'image="%s"' % IMAGE in lines[0] and 'container_label_team="green"' in lines[0]
    # podman's conmon monitor is not a container of its own: it stays raw
    conmon = container_info(d, "/libpod_parent/conmon")
    assert conmon is None or not conmon.get("namespace")


def test_network_counters_move_with_traffic(daemon, podman):
    d = daemon("-podman=" + podman.addr)
    name, cid, pid = start(podman)
    cg = cgroup_name(pid)
    named(d, cg, name)
    veth = Veth(pid)
    try:
        first = wait_for(lambda: iface(latest_stats(d, cg), "eth0"), timeout=15, what="eth0 in stats")
        veth.send(200, 1000)
        wait_for(lambda: (lambda i: i and i["rx_bytes"] >= first["rx_bytes"] + 200000)(
            iface(latest_stats(d, cg), "eth0")), timeout=15, what="eth0 rx_bytes to grow")
    finally:
        veth.remove()


def test_file_written_inside_shows_in_fs_usage(daemon, podman):
    d = daemon("-podman=" + podman.addr)
    # written into the writable layer before the start, so the first usage walk sees it
    name = unique("cadv-it")
    big = os.path.join(podman.dir, "big-" + name)
    with open(big, "wb") as f:
        f.write(b"\1" * (24 << 20))
    cid = podman.podman("create", "--name", name, "--label", "io.cadv.test=1", IMAGE, "sleep", "600")
    podman.podman("cp", big, cid + ":/big")
    os.unlink(big)
    podman.podman("start", cid)
    cg = cgroup_name(int(podman.podman("inspect", "-f", "{{.State.Pid}}", cid)))
    named(d, cg, name)
    stats = wait_for(lambda: (lambda s: s if fs_usage(s) >= 24 << 20 else None)(latest_stats(d, cg)),
                     timeout=30, interval=0.5, what="filesystem usage >= 24 MiB")
    assert max(f["base_usage"] for f in stats["filesystem"]) >= 24 << 20
    # the spec says so and the v2.0 stats carry the block as v1 does (issue 8)
    assert d.json("/api/v2.0/spec" + cg)[cg]["has_filesystem"]
    assert max(f["base_usage"] for f in d.json("/api/v2.0/stats%s?count=1" % cg)[cg][-1]["filesystem"]) >= 24 << 20
    assert d.json("/api/v2.1/stats%s?count=1" % cg)[cg]["stats"][-1]["filesystem"]["baseUsageBytes"] >= 24 << 20


def test_stopped_container_disappears(daemon, podman):
    d = daemon("-podman=" + podman.addr)
    name, cid, pid = start(podman)
    cg = cgroup_name(pid)
    named(d, cg, name)
    podman.podman("stop", "-t", "1", name)
    gone(d, cg)
    assert not metric_lines(d, "container_memory_usage_bytes", name=name)


def test_service_down_and_back(daemon, podman):
    d = daemon("-podman=" + podman.addr)
    name, cid, pid = start(podman)
    cg = cgroup_name(pid)
    named(d, cg, name)
    podman.daemon.stop()  # conmon keeps the container running without the API service
    try:
        assert d.get("/healthz").status == 200
        d2 = daemon("-podman=" + podman.addr)
        info = wait_for(lambda: container_info(d2, cg), timeout=15, what="raw container")
        assert name not in (info.get("aliases") or [])
    finally:
        podman.daemon.start()
    assert named(d2, cg, name, timeout=75)["namespace"] == "podman"
