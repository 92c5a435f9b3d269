# SPDX-License-Identifier: Apache-2.0
"""Helpers of the container-runtime black-box tests (test_docker.py, test_podman.py,
test_containerd.py, test_crio.py): real daemons started as docs/architecture.md#test-runtimes
describes, without touching the host's configuration (state under a temporary directory, sockets
at unique paths), a busybox image built from Debian's busybox-static, veth plumbing into a container's network
namespace, and small readers of cadv's REST API and /metrics. Everything started here is stopped
by PID."""
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time

import pytest

from conftest import wait_for

BUSYBOX = "/bin/busybox"


def need(*tools):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    for t in tools:
        if not (os.path.exists(t) if t.startswith("/") else shutil.which(t)):
            pytest.skip("%s is not installed (scripts/install-deps installs it)" % t)


def unique(prefix):
    return "%s-%d-%05d" % (prefix, os.getpid(), random.randrange(10**5))


def busybox_tar(tmpdir):
    """A rootfs tarball with a static busybox and its applets (the image every test runs)."""
    root = os.path.join(tmpdir, "rootfs")
    for d in ("bin", "proc", "sys", "dev", "tmp", "etc"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for a in applets:
        if a != "busybox":
            os.symlink("busybox", os.path.join(root, "bin", a))
    with open(os.path.join(root, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    tar = os.path.join(tmpdir, "busybox.tar")
    with tarfile.open(tar, "w") as t:
        t.add(root, arcname=".")
    return tar


def docker_archive(tmpdir, tag):
    """A docker-archive image (what `docker save` writes) of the busybox rootfs, for `ctr image
    import`: manifest.json, the image config and one layer."""
    import hashlib
    layer = busybox_tar(tmpdir)
    with open(layer, "rb") as f:
        layer_sha = hashlib.sha256(f.read()).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_sha]}}).encode()
    config_sha = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": config_sha + ".json", "RepoTags": [tag],
                            "Layers": [layer_sha + "/layer.tar"]}]).encode()
    out = os.path.join(tmpdir, "image.tar")
    with tarfile.open(out, "w") as t:
        for name, data in ((config_sha + ".json", config), ("manifest.json", manifest)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        t.add(layer, arcname=layer_sha + "/layer.tar")
    return out


def run(argv, env=None, check=True, timeout=120):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("%s -> %d\n%s\n%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r.stdout.strip()


def cgroup_name(pid):
    """The container name cadv gives the cgroup of pid (the memory hierarchy's path on v1, the
    unified path on v2)."""
    unified = None
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if "memory" in ctrls.split(","):
                return path
            if ctrls == "":
                unified = path
    return unified


def stop_pid(pid, timeout=20):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Daemon:
    """A runtime daemon started by us: argv, a readiness probe, stop/start by PID."""

    def __init__(self, argv, log, ready, env=None):
        self.argv, self.log_path, self.ready, self.env = argv, log, ready, env
        self.proc = None

    def start(self, timeout=30):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT, env=self.env,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("%s exited %s:\n%s" % (self.argv[0], self.proc.returncode, self.logtext()))
            if self.ready():
                return self
            time.sleep(0.1)
        raise AssertionError("%s not ready:\n%s" % (self.argv[0], self.logtext()))

    def stop(self):
        # waits on the child itself: an exited but unreaped child still answers kill(pid, 0), so
        # stop_pid() would wait out its whole timeout for every daemon
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None

    def logtext(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-5000:]
        except OSError:
            return ""


def unix_http_ok(path, url="/_ping"):
    """True when an HTTP server answers 200 on the unix socket."""
    if not os.path.exists(path):
        return False
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        s.connect(path)
        s.sendall(b"GET " + url.encode() + b" HTTP/1.0\r\nHost: d\r\n\r\n")
        data = s.recv(64)
        s.close()
        return b" 200 " in data
    except OSError:
        return False


class Dockerd:
    """dockerd 20.10 with its own state, exec root and socket, on a containerd of its own (without
    --containerd, dockerd would use whatever containerd listens on /run/containerd/containerd.sock,
    another test's or the host's); --live-restore keeps containers running while it is stopped.
    start()/stop() handle both daemons; tests stop and start dockerd alone through .daemon."""

    def __init__(self, tmpdir):
        self.dir = tmpdir
        self.sock = os.path.join(tmpdir, "docker.sock")
        self.containerd = Containerd(os.path.join(tmpdir, "ctd"))
        argv = ["dockerd", "-H", "unix://" + self.sock, "--containerd", self.containerd.sock, "--live-restore",
                "--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=overlay2",
                "--data-root", os.path.join(tmpdir, "data"), "--exec-root", os.path.join(tmpdir, "exec"),
                "--pidfile", os.path.join(tmpdir, "dockerd.pid")]
        self.daemon = Daemon(argv, os.path.join(tmpdir, "dockerd.log"), lambda: unix_http_ok(self.sock))

    def start(self):
        self.containerd.daemon.start()
        self.daemon.start()

    def stop(self):
        self.daemon.stop()
        self.containerd.daemon.stop()

    @property
    def addr(self):
        return "unix://" + self.sock

    def docker(self, *args, check=True):
        return run(["/usr/bin/docker", "-H", self.addr] + list(args), check=check)


class Podman:
    """podman 4.3 with runc, the cgroupfs manager and storage under tmpdir
    (docs/architecture.md#test-runtimes), and its Docker-compatible API from `podman system service`
    on a unique socket."""

    def __init__(self, tmpdir):
        self.dir = tmpdir
        self.sock = os.path.join(tmpdir, "podman.sock")
        conf, storage = os.path.join(tmpdir, "containers.conf"), os.path.join(tmpdir, "storage.conf")
        with open(conf, "w") as f:
            f.write('[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n'
                    'netns = "none"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                    'runtime = "runc"\n')
        with open(storage, "w") as f:
            f.write('[storage]\ndriver = "overlay"\ngraphroot = "%s/root"\nrunroot = "%s/run"\n' % (tmpdir, tmpdir))
        self.env = dict(os.environ, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage)
        argv = ["podman", "system", "service", "--time=0", "unix://" + self.sock]
        self.daemon = Daemon(argv, os.path.join(tmpdir, "service.log"), lambda: unix_http_ok(self.sock),
                             env=self.env)

    @property
    def addr(self):
        return "unix://" + self.sock

    def podman(self, *args, check=True):
        return run(["podman"] + list(args), env=self.env, check=check)


class Containerd:
    """containerd 1.6 with its own root, state and socket, the CRI plugin disabled
    (docs/architecture.md#test-runtimes)."""

    def __init__(self, tmpdir):
        self.dir = tmpdir
        os.makedirs(tmpdir, exist_ok=True)
        self.sock = os.path.join(tmpdir, "containerd.sock")
        cfg = os.path.join(tmpdir, "config.toml")
        with open(cfg, "w") as f:
            f.write('version = 2\nroot = "%s/root"\nstate = "%s/state"\n'
                    'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s"\n'
                    '[ttrpc]\n  address = "%s.ttrpc"\n' % (tmpdir, tmpdir, self.sock, self.sock))
        self.daemon = Daemon(["containerd", "--config", cfg], os.path.join(tmpdir, "containerd.log"),
                             lambda: self.ctr("version", check=False, ns="default") is not None)

    def ctr(self, *args, check=True, ns="cadvtest"):
        r = subprocess.run(["ctr", "--address", self.sock, "-n", ns] + list(args), capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0:
            if check:
                raise AssertionError("ctr %s -> %d\n%s" % (" ".join(args), r.returncode, r.stderr))
            return None
        return r.stdout.strip()


class Veth:
    """A veth pair whose one end is eth0 in the network namespace of pid, with /30 addresses, so
    that traffic sent to ctr_ip from the host flows through the container's eth0."""

    def __init__(self, pid):
        n = random.randrange(1, 16000)
        self.host = "cadvh%d" % n
        peer = "cadvc%d" % n
        base = (10 << 24) | (201 << 16) | (n * 4)
        ip = lambda x: socket.inet_ntoa((base + x).to_bytes(4, "big"))
        self.host_ip, self.ctr_ip = ip(1), ip(2)
        run(["ip", "link", "add", self.host, "type", "veth", "peer", "name", peer])
        try:
            run(["ip", "link", "set", peer, "netns", str(pid)])
            ns = ["nsenter", "-t", str(pid), "-n"]
            run(ns + ["ip", "link", "set", peer, "name", "eth0"])
            run(ns + ["ip", "addr", "add", self.ctr_ip + "/30", "dev", "eth0"])
            run(ns + ["ip", "link", "set", "eth0", "up"])
            run(["ip", "addr", "add", self.host_ip + "/30", "dev", self.host])
            run(["ip", "link", "set", self.host, "up"])
        except Exception:
            self.remove()
            raise

    def send(self, n=50, size=1000):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(n):
            s.sendto(b"x" * size, (self.ctr_ip, 9))
        s.close()

    def remove(self):
        subprocess.run(["ip", "link", "del", self.host], capture_output=True)


def container_info(d, name):
    """The v1.3 ContainerInfo of cgroup `name` with its newest stats, or None (not tracked)."""
    r = d.get("/api/v1.3/containers" + name, data=json.dumps({"num_stats": 5}))
    return r.json() if r.status == 200 else None


def named(d, name, alias, timeout=30):
    """ContainerInfo once cadv gives the container `name` the alias `alias`."""
    def probe():
        info = container_info(d, name)
        return info if info and alias in (info.get("aliases") or []) else None
    return wait_for(probe, timeout=timeout, interval=0.3, what="%s named %s" % (name, alias))


def latest_stats(d, name):
    info = container_info(d, name)
    return info["stats"][-1] if info and info.get("stats") else None


def iface(stats, ifname):
    for i in (stats or {}).get("network", {}).get("interfaces") or []:
        if i["name"] == ifname:
            return i
    return None


def metric_lines(d, metric, **labels):
    """The /metrics lines of `metric` whose labels include all of `labels`."""
    text = d.get("/metrics").text
    out = []
    for line in text.splitlines():
        if not line.startswith(metric + "{"):
            continue
        if all('%s="%s"' % (k, v) in line for k, v in labels.items()):
            out.append(line)
    return out


def fs_usage(stats):
    fs = (stats or {}).get("filesystem") or []
    return max((f.get("usage", 0) for f in fs), default=0)


def gone(d, name):
    return wait_for(lambda: container_info(d, name) is None, timeout=30, interval=0.3,
                    what="%s to disappear" % name)


def tmpdir(prefix):
    return tempfile.mkdtemp(prefix=prefix, dir="/tmp")


def cleanup_dir(path):
    """Removes a daemon's state directory once its daemons are stopped: first the mounts they left
    under it (dockerd bind-mounts its data root, podman its overlay directory), deepest first."""
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mnt = line.split()[4].replace("\\040", " ")
            if mnt == path or mnt.startswith(path.rstrip("/") + "/"):
                mounts.append(mnt)
    for mnt in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", mnt], capture_output=True)
    shutil.rmtree(path, ignore_errors=True)
