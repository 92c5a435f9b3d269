# SPDX-License-Identifier: Apache-2.0
"""The container image (deploy/image/build) under a real dockerd (a private one, as the docker tests
start it), run with cAdvisor's documented mount line: it must report the host's machine (its
machine-id and os-release, which the image does not have) and a second, named docker container with
its processes (from /rootfs/proc), with the same names, ids, image, labels and memory limit as cadv
run on the host reports (and the same list of docker containers), and stop within 2 s of SIGTERM.

The private dockerd runs with --bridge=none, so the image runs with --network=host (instead of
-p 8080:8080), on an ephemeral port written to a mounted directory; its socket and data root are
mounted where that dockerd keeps them, as /var/run and /var/lib/docker are for the host's dockerd.

The image is the default one: under the 15 MB budget, with the lean libcurl (HTTP to a storage
backend is checked with -storage_driver=influxdb posting to a receiver here; the docker runtime above
is its unix socket) and without librdkafka, so -storage_driver=kafka is refused with one line and exit
status 2."""
import datetime
import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import REPO, http, wait_for
from runtimes import Dockerd, busybox_tar, cleanup_dir, need, tmpdir, unique

BUSYBOX_IMAGE = "localhost/cadv-busybox:1"
BINARY = os.environ.get("CADV_IMAGE_BIN") or os.path.join(REPO, "build", "cadv")
CADVISOR_LINE = ["-v", "/:/rootfs:ro", "-v", "/var/run:/var/run:ro", "-v", "/sys:/sys:ro",
                 "-v", "/var/lib/docker/:/var/lib/docker:ro", "-v", "/dev/disk/:/dev/disk:ro", "--privileged",
                 "--device=/dev/kmsg"]


def cadvisor_line():
    """cAdvisor's line. Where root itself lacks a capability (this machine's root has no
    CAP_SYS_RESOURCE) --privileged cannot start (runc asks for all of them; docker 20.10 ignores
    --cap-drop with it): --privileged is then spelt out, every capability root has, no seccomp or
    AppArmor profile, /proc and /sys unmasked."""
    with open("/proc/self/status") as f:
        bnd = int([l.split()[1] for l in f if l.startswith("CapBnd:")][0], 16)
    if bnd & (1 << 24):
        return CADVISOR_LINE
    return [a for a in CADVISOR_LINE if a != "--privileged"] + [
        "--cap-add=ALL", "--cap-drop=SYS_RESOURCE", "--security-opt", "seccomp=unconfined",
        "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined"]


@pytest.fixture(scope="module")
def dockerd():
    need("dockerd", "/usr/bin/docker", "/bin/busybox", "containerd", "containerd-shim-runc-v2", "strip", "ldd")
    if not os.access(BINARY, os.X_OK):
        pytest.skip("%s not built" % BINARY)
    d = Dockerd(tmpdir("cadv-image-"))
    d.start()
    try:
        yield d
    finally:
        for cid in d.docker("ps", "-aq", "--filter", "label=io.cadv.test", check=False).split():
            d.docker("rm", "-f", cid, check=False)
        d.stop()
        cleanup_dir(d.dir)


def one(r):
    """The ContainerInfo of a /api/v1.3/docker/<name> answer (a map of one container, by name)."""
    d = r.json() if r.status == 200 else None
    return list(d.values())[0] if d and "name" not in d and len(d) == 1 else d


def parse_time(s):
    """Docker's RFC 3339 times with nanoseconds, as seconds since the epoch."""
    base, _, frac = s.rstrip("Z").partition(".")
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
    return t + float("0." + (frac or "0"))


class Receiver(BaseHTTPRequestHandler):
    """Records the influxdb driver's POSTs (path, headers, body) of the image's cadv."""
    posts = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        Receiver.posts.append((self.path, dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_image_with_cadvisor_mount_line(dockerd, daemon):
    tar = os.path.join(dockerd.dir, "cadv-image.tar")
    out = subprocess.run([os.path.join(REPO, "deploy", "image", "build"), "--binary", BINARY, "--output", tar,
                          "--tag", "localhost/cadv:test"], capture_output=True, text=True, check=True).stdout
    size = int(out.split(": ")[1].split()[0])
    assert size < 15e6, out  # the budget (README, Deploying)
    dockerd.docker("load", "-i", tar)
    # without librdkafka in the image, the kafka driver is a usage error, said in one line
    r = subprocess.run(["/usr/bin/docker", "-H", dockerd.addr, "run", "--rm", "localhost/cadv:test",
                        "-storage_driver=kafka"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "-storage_driver=kafka needs librdkafka.so.1: not found" in r.stderr, r.stderr
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    dockerd.docker("import", busybox_tar(dockerd.dir), BUSYBOX_IMAGE)
    name = unique("cadv-img-app")
    cid = dockerd.docker("run", "-d", "--name", name, "--label", "io.cadv.test=1", "--network", "none", "-m", "64m",
                         BUSYBOX_IMAGE, "sleep", "600")

    portdir = os.path.join(dockerd.dir, "port")
    os.makedirs(portdir)
    data = os.path.join(dockerd.dir, "data")
    cadv = dockerd.docker("run", "-d", "--name", unique("cadv-img"), "--label", "io.cadv.test=1", *cadvisor_line(),
                          "-v", "%s:%s:ro" % (data, data), "-v", portdir + ":/out", "--network", "host",
                          "localhost/cadv:test", "-listen_ip=127.0.0.1", "-port=0", "-port_file=/out/port",
                          "-docker=unix:///rootfs" + dockerd.sock, "-storage_driver=influxdb",
                          "-storage_driver_host=127.0.0.1:%d" % receiver.server_port,
                          "-storage_driver_buffer_duration=1s")
    try:
        port_file = os.path.join(portdir, "port")
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), timeout=30,
                 what="the image's cadv to listen")
        url = "http://127.0.0.1:%s" % open(port_file).read().strip()

        machine = http(url + "/api/v1.3/machine").json()
        with open("/etc/machine-id") as f:
            assert machine["machine_id"] == f.read().strip()  # the image has no /etc/machine-id
        with open("/proc/sys/kernel/random/boot_id") as f:
            assert machine["boot_id"] == f.read().strip()
        assert machine["num_cores"] == os.cpu_count()
        attrs = http(url + "/api/v2.0/attributes").json()
        with open("/etc/os-release") as f:
            pretty = [l.split("=", 1)[1].strip().strip('"') for l in f if l.startswith("PRETTY_NAME=")][0]
        assert attrs["container_os_version"] == pretty, attrs  # the image has no os-release

        info = wait_for(lambda: one(http(url + "/api/v1.3/docker/" + name)), timeout=30, interval=0.5,
                        what="the named docker container")
        assert info["name"] == "/docker/" + cid and name in info["aliases"], info.get("aliases")
        assert info["spec"]["image"] == BUSYBOX_IMAGE
        # the same container, name and figures as cadv on the host reports
        host = daemon("-docker=" + dockerd.addr)
        seen = wait_for(lambda: one(host.get("/api/v1.3/docker/" + name)), timeout=30, interval=0.5,
                        what="the host cadv to name the container")
        for key in ("name", "id", "aliases", "namespace"):
            assert info[key] == seen[key], key
        limit = lambda i: i["spec"]["memory"].get("limit")
        wait_for(lambda: limit(one(http(url + "/api/v1.3/docker/" + name))) == 64 << 20, timeout=15,
                 what="the 64 MiB limit in the image's cadv")
        wait_for(lambda: limit(one(host.get("/api/v1.3/docker/" + name))) == 64 << 20, timeout=15,
                 what="the 64 MiB limit in the host's cadv")
        for key in ("image", "labels"):
            assert info["spec"][key] == seen["spec"][key], key
        names = lambda d: sorted(c["name"] for c in d.values())
        assert names(http(url + "/api/v1.3/docker/").json()) == names(host.get("/api/v1.3/docker/").json())
        # the lean libcurl in the image: InfluxDB line protocol POSTs
        post = wait_for(lambda: Receiver.posts and Receiver.posts[0], timeout=30, what="an influxdb POST")
        assert post[0].startswith("/write?db=") and b"memory_usage," in post[2], post
        # processes come from the host's /proc at /rootfs/proc: the other container's sleep is seen
        ps = wait_for(lambda: [p for p in http(url + "/api/v2.0/ps/docker/" + cid).json() if p["cmd"] == "sleep"],
                      timeout=20, what="the app's process")
        assert ps[0]["pid"] == int(dockerd.docker("inspect", "-f", "{{.State.Pid}}", cid))

        # clean stop: exit 0 within 2 s of SIGTERM (dockerd's own timestamps)
        t0 = time.time()
        dockerd.docker("kill", "-s", "TERM", cadv)
        state = wait_for(lambda: (lambda s: not s["Running"] and s)(
            json.loads(dockerd.docker("inspect", "-f", "{{json .State}}", cadv))), timeout=15, what="cadv to stop")
        assert state["ExitCode"] == 0, dockerd.docker("logs", cadv)
        # from the moment cadv got the signal (dockerd's timestamp of the line it logs then; the
        # docker CLI alone can take seconds on a loaded machine) to its exit
        logs = subprocess.run(["/usr/bin/docker", "-H", dockerd.addr, "logs", "--timestamps", cadv],
                              capture_output=True, text=True).stderr
        got = [l.split()[0] for l in logs.splitlines() if "shutting down" in l]
        assert got, logs[-2000:]
        finished = parse_time(state["FinishedAt"])
        assert finished - parse_time(got[0]) < 2.0, (got[0], state["FinishedAt"])
        assert finished - t0 < 20
    finally:
        receiver.shutdown()
        logs = subprocess.run(["/usr/bin/docker", "-H", dockerd.addr, "logs", cadv], capture_output=True,
                              text=True).stderr
        print(logs[-3000:])
