# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of the Docker runtime against a real dockerd 20.10 (Debian's docker.io), started
with its own data root and socket (docs/architecture.md#test-runtimes) and --live-restore so that its
containers outlive it. cadv is pointed at that socket with -docker."""
import os

import pytest

from conftest import wait_for
from runtimes import (Dockerd, Veth, busybox_tar, cgroup_name, cleanup_dir, container_info, fs_usage, gone,
                      iface, latest_stats, metric_lines, named, need, tmpdir, unique)

IMAGE = "localhost/cadv-busybox:1"


@pytest.fixture(scope="module")
def dockerd():
    need("dockerd", "/usr/bin/docker", "/bin/busybox", "ip", "nsenter")
    need("containerd", "containerd-shim-runc-v2")
    d = Dockerd(tmpdir("cadv-dockerd-"))
    d.start()
    try:
        d.docker("import", busybox_tar(d.dir), IMAGE)
        yield d
    finally:
        if d.daemon.proc is None:
            d.daemon.start()
        for cid in d.docker("ps", "-aq", "--filter", "label=io.cadv.test", check=False).split():
            d.docker("rm", "-f", cid, check=False)
        d.stop()
        cleanup_dir(d.dir)


def start(dockerd, *args, cmd=("sleep", "600")):
    name = unique("cadv-it")
    cid = dockerd.docker("run", "-d", "--name", name, "--label", "io.cadv.test=1", *args, IMAGE, *cmd)
    pid = int(dockerd.docker("inspect", "-f", "{{.State.Pid}}", cid))
    return name, cid, pid


def test_container_named_with_labels_image_limit_and_metrics(daemon, dockerd):
    d = daemon("-docker=" + dockerd.addr, "-env_metadata_whitelist=CADV_")
    name, cid, pid = start(dockerd, "--network", "none", "-m", "64m", "--label", "team=blue",
                           "-e", "CADV_MODE=test", "-e", "SECRET=x")
    cg = cgroup_name(pid)
    assert cg == "/docker/" + cid
    info = named(d, cg, name)
    assert info["id"] == cid
    assert info["aliases"] == [name, cid]
    assert info["namespace"] == "docker"
    spec = info["spec"]
    assert spec["image"] == IMAGE
    assert spec["labels"]["team"] == "blue"
    assert spec["labels"]["io.cadv.test"] == "1"
    assert spec["envs"] == {"cadv_mode": "test"}
    # the limits are read from the cgroup, which runc fills just after creating it: re-read shortly
    wait_for(lambda: container_info(d, cg)["spec"]["memory"].get("limit") == 64 << 20, timeout=15,
             what="the 64 MiB memory limit")

    # /api/v1.3/docker/<name>, by unique id prefix, and the v2 spec by docker alias
    r = d.json("/api/v1.3/docker/" + name)
    assert list(r.keys()) == [cg] and r[cg]["aliases"] == [name, cid]
    assert list(d.json("/api/v1.3/docker/" + cid[:12]).keys()) == [cg]
    assert cg in d.json("/api/v1.3/docker/")
    assert d.json("/api/v2.0/spec/%s?type=docker" % name)[cg]["image"] == IMAGE

    lines = wait_for(lambda: metric_lines(d, "container_memory_usage_bytes", name=name), timeout=15,
                     what="metrics of " + name)
    assert 'image="%s"' % IMAGE in lines[0]
    assert 'container_label_team="blue"' in lines[0]
    assert 'id="%s"' % cg in lines[0]
    spec_lines = metric_lines(d, "container_spec_memory_limit_bytes", name=name)
    assert spec_lines and spec_lines[0].split()[1] in ("6.7108864e+07", "67108864")


def test_drop_in_fields_from_issue_8(daemon, dockerd):
    """What real cAdvisor clients saw missing: the limits together with the name, the deprecated
    env whitelist flag, spec.has_filesystem with the v2 filesystem block, and the docker version
    and docker-images label taken from the daemon."""
    d = daemon("-docker=" + dockerd.addr, "-docker_env_metadata_whitelist=CADV_")
    name, cid, pid = start(dockerd, "--network", "none", "-m", "64m", "-e", "CADV_MODE=alias", "-e", "OTHER=x")
    cg = cgroup_name(pid)
    # The first answer that knows the name already has the limit runc wrote (no later re-read).
    first = wait_for(lambda: (lambda r: r.json() if r.status == 200 else None)(d.get("/api/v1.3/docker/" + name)),
                     timeout=30, interval=0.05, what="/api/v1.3/docker/" + name)
    spec = first[cg]["spec"]
    assert spec["memory"]["limit"] == 64 << 20
    assert spec["envs"] == {"cadv_mode": "alias"}
    assert "-docker_env_metadata_whitelist is deprecated" in d.logtext()

    # The writable layer is measured: the spec says so, and the v2 stats carry it as v1 does.
    assert spec["has_filesystem"]
    assert d.json("/api/v2.0/spec/%s?type=docker" % name)[cg]["has_filesystem"]
    v2 = wait_for(lambda: (lambda s: s if s and "filesystem" in s[-1] else None)(
        d.json("/api/v2.0/stats/%s?type=docker&count=1" % name).get(cg)), timeout=30, what="v2.0 filesystem")
    assert v2[-1]["has_filesystem"] and v2[-1]["filesystem"][0]["usage"] >= v2[-1]["filesystem"][0]["base_usage"]
    v21 = d.json("/api/v2.1/stats/%s?type=docker&count=1" % name)[cg]
    assert v21["spec"]["has_filesystem"]
    assert v21["stats"][-1]["filesystem"]["totalUsageBytes"] >= v21["stats"][-1]["filesystem"]["baseUsageBytes"]

    # Docker's version and root come from its /version and /info.
    version = dockerd.docker("version", "-f", "{{.Server.Version}}")
    api = dockerd.docker("version", "-f", "{{.Server.APIVersion}}")
    attrs = wait_for(lambda: (lambda a: a if a["docker_version"] else None)(d.json("/api/v2.0/attributes")),
                     timeout=15, what="docker_version in attributes")
    assert attrs["docker_version"] == version and attrs["docker_api_version"] == api
    assert metric_lines(d, "cadvisor_version_info", dockerVersion=version)
    storage = wait_for(lambda: (lambda r: r.json() if r.status == 200 else None)(
        d.get("/api/v2.0/storage?label=docker-images")), timeout=15, what="the docker-images filesystem")
    mount = dockerd.docker("info", "-f", "{{.DockerRootDir}}")
    while not os.path.ismount(mount):
        mount = os.path.dirname(mount)
    assert len(storage) == 1 and "docker-images" in storage[0]["labels"]
    assert storage[0]["mountpoint"] == mount


def test_network_counters_move_with_traffic(daemon, dockerd):
    d = daemon("-docker=" + dockerd.addr)
    name, cid, pid = start(dockerd, "--network", "none")
    cg = cgroup_name(pid)
    named(d, cg, name)
    veth = Veth(pid)
    try:
        first = wait_for(lambda: iface(latest_stats(d, cg), "eth0"), timeout=15, what="eth0 in stats")
        veth.send(200, 1000)
        moved = wait_for(lambda: (lambda i: i if i and i["rx_bytes"] >= first["rx_bytes"] + 200000 else None)(
            iface(latest_stats(d, cg), "eth0")), timeout=15, what="eth0 rx_bytes to grow")
        assert moved["rx_packets"] >= first["rx_packets"] + 200
        # lo is skipped, as cAdvisor does; the first interface is also flattened into network
        stats = latest_stats(d, cg)
        assert all(i["name"] != "lo" for i in stats["network"]["interfaces"])
        assert stats["network"]["name"] == "eth0"
        rx = metric_lines(d, "container_network_receive_bytes_total", name=name, interface="eth0")
        assert rx and float(rx[0].split()[1]) >= 200000
    finally:
        veth.remove()


def test_file_written_inside_shows_in_fs_usage(daemon, dockerd):
    d = daemon("-docker=" + dockerd.addr)
    # The file goes into the container's writable layer before it starts, so the first usage walk
    # (done when cadv names the container; later ones come every minute, as in cAdvisor) sees it.
    name = unique("cadv-it")
    big = os.path.join(dockerd.dir, "big-" + name)
    with open(big, "wb") as f:
        f.write(b"\1" * (24 << 20))
    cid = dockerd.docker("create", "--name", name, "--label", "io.cadv.test=1", "--network", "none", IMAGE,
                         "sleep", "600")
    dockerd.docker("cp", big, cid + ":/big")
    os.unlink(big)
    dockerd.docker("start", cid)
    pid = int(dockerd.docker("inspect", "-f", "{{.State.Pid}}", cid))
    cg = cgroup_name(pid)
    named(d, cg, name)
    stats = wait_for(lambda: (lambda s: s if fs_usage(s) >= 24 << 20 else None)(latest_stats(d, cg)),
                     timeout=30, interval=0.5, what="filesystem usage >= 24 MiB")
    fs = [f for f in stats["filesystem"] if f["usage"] >= 24 << 20][0]
    assert fs["base_usage"] >= 24 << 20
    assert fs["usage"] >= fs["base_usage"]  # plus containers/<id> (config, logs)
    assert fs["capacity"] > fs["usage"]
    assert fs["inodes"] > 0
    assert fs["device"]
    usage = metric_lines(d, "container_fs_usage_bytes", name=name)
    assert usage and float(usage[0].split()[1]) >= 24 << 20


def test_stopped_container_disappears(daemon, dockerd):
    d = daemon("-docker=" + dockerd.addr)
    name, cid, pid = start(dockerd, "--network", "none")
    cg = cgroup_name(pid)
    named(d, cg, name)
    dockerd.docker("stop", "-t", "1", name)
    gone(d, cg)
    assert d.get("/api/v1.3/docker/" + name).status == 500
    assert not metric_lines(d, "container_memory_usage_bytes", name=name)


def test_docker_down_and_back(daemon, dockerd):
    d = daemon("-docker=" + dockerd.addr)
    name, cid, pid = start(dockerd, "--network", "none")
    cg = cgroup_name(pid)
    named(d, cg, name)
    dockerd.daemon.stop()
    try:
        # cadv keeps serving, and keeps collecting the container (live-restore keeps it running)
        assert d.get("/healthz").status == 200
        before = latest_stats(d, cg)["timestamp"]
        wait_for(lambda: latest_stats(d, cg)["timestamp"] != before, timeout=10, what="new samples")
        # a cadv started while docker is down sees the container as raw ...
        d2 = daemon("-docker=" + dockerd.addr)
        info = wait_for(lambda: container_info(d2, cg), timeout=15, what="raw container")
        assert name not in (info.get("aliases") or [])
    finally:
        dockerd.daemon.start()
    # ... and names it once docker is back
    info = named(d2, cg, name, timeout=75)  # the manager retries a runtime that is down with back-off
    assert info["spec"]["image"] == IMAGE
    assert d.get("/healthz").status == 200


def test_process_and_socket_kinds(daemon, dockerd):
    d = daemon("-docker=" + dockerd.addr, "-enable_metrics=cpu,memory,network,tcp,udp,process,disk")
    name, cid, pid = start(dockerd, "--network", "none", "--ulimit", "nofile=1000:2000",
                           cmd=("sh", "-c", "nc -l -p 9999 & nc -l -p 9998 & sleep 600"))
    cg = cgroup_name(pid)
    named(d, cg, name)

    def ready():
        s = latest_stats(d, cg)
        p = (s or {}).get("processes") or {}
        # ulimits come from the container's init process, known once the runtime answered: a sample
        # collected before that has none.
        return s if p.get("socket_count", 0) >= 2 and p.get("process_count", 0) >= 3 and "ulimits" in p else None

    stats = wait_for(ready, timeout=30, what="3 processes, 2 sockets and the init process's ulimits")
    p = stats["processes"]
    assert p["process_count"] == 3  # two nc and sleep (busybox sh execs its last command)
    assert p["fd_count"] >= 2 * 3
    assert p["ulimits"] == [{"name": "max_open_files", "soft_limit": 1000, "hard_limit": 2000}]
    # busybox nc listens on a dual-stack IPv6 socket
    assert stats["network"]["tcp6"]["Listen"] == 2 and stats["network"]["tcp"]["Listen"] == 0
    assert metric_lines(d, "container_sockets", name=name)[0].split()[1] == "2"
    assert float(metric_lines(d, "container_processes", name=name)[0].split()[1]) == 3
    assert metric_lines(d, "container_ulimits_soft", name=name, ulimit="max_open_files")[0].split()[1] == "1000"
    assert metric_lines(d, "container_network_tcp6_usage_total", name=name, tcp_state="listen")[0].split()[1] == "2"


def test_docker_only_drops_raw_cgroups(daemon, dockerd, cgroups):
    raw = cgroups.create("plain")
    d = daemon("-docker=" + dockerd.addr, "-docker_only")
    name, cid, pid = start(dockerd, "--network", "none")
    cg = cgroup_name(pid)
    named(d, cg, name)
    assert container_info(d, raw) is None
    assert container_info(d, "/") is not None
    d2 = daemon("-docker=" + dockerd.addr, "-docker_only", "-raw_cgroup_prefix_whitelist=/" + cgroups.prefix)
    wait_for(lambda: container_info(d2, raw), timeout=15, what="whitelisted raw cgroup")
    named(d2, cg, name)


def test_health_status_starting_then_healthy(daemon, dockerd):
    d = daemon("-docker=" + dockerd.addr)
    name, cid, pid = start(dockerd, "--network", "none", "--health-cmd", "test -e /tmp/ok",
                           "--health-interval", "1s", cmd=("sh", "-c", "sleep 4; touch /tmp/ok; sleep 600"))
    cg = cgroup_name(pid)
    named(d, cg, name)
    health = lambda: ((latest_stats(d, cg) or {}).get("health") or {}).get("status")
    wait_for(lambda: health() in ("starting", "unhealthy"), timeout=10, what="health starting")
    wait_for(lambda: health() == "healthy", timeout=20, what="health healthy")
    assert metric_lines(d, "container_health_state", name=name)[0].split()[1] == "1"


def test_creation_and_deletion_events(daemon, dockerd):
    """cAdvisor's events name a docker container by its cgroup; its aliases come from /docker/."""
    d = daemon("-docker=" + dockerd.addr)
    name, cid, pid = start(dockerd, "--network", "none")
    cg = cgroup_name(pid)
    q = "/api/v2.0/events%s?creation_events=true&deletion_events=true" % cg
    evs = wait_for(lambda: d.json(q), what="the creation event of " + cg)
    assert [(e["event_type"], e["container_name"]) for e in evs] == [("containerCreation", cg)]
    assert named(d, cg, name)["aliases"] == [name, cid]
    dockerd.docker("stop", "-t", "1", name)
    evs = wait_for(lambda: (lambda e: e if len(e) == 2 else None)(d.json(q)), timeout=20,
                   what="the deletion event of " + cg)
    assert [e["event_type"] for e in evs] == ["containerCreation", "containerDeletion"]
    assert d.json("/api/v1.3/events/docker?deletion_events=true&subcontainers=true")[-1]["container_name"] == cg
