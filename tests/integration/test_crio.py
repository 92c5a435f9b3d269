# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of the CRI-O runtime. CRI-O is not packaged for Debian 12, so these run against a
small fake CRI-O written here: an HTTP server on CRI-O's fixed socket /var/run/crio/crio.sock that
answers GET /info and GET /containers/<id> with CRI-O's documented JSON (its types.CrioInfo and
types.ContainerInfo), for real cgroups named like CRI-O's cgroupfs driver names them
(.../crio-<id>) holding real processes."""
import http.server
import json
import os
import random
import socketserver
import threading

import pytest

from conftest import wait_for
from runtimes import (Veth, cleanup_dir, container_info, fs_usage, gone, iface, latest_stats, metric_lines,
                      named, need, tmpdir)

SOCK = "/var/run/crio/crio.sock"


class FakeCrio:
    """CRI-O's inspect API: /info and /containers/<id> from a dict the test fills."""

    def __init__(self, storage_root):
        self.containers = {}
        self.info = {"storage_driver": "overlay", "storage_root": storage_root, "storage_image": "",
                     "cgroup_driver": "cgroupfs", "default_id_mappings": {"uids": None, "gids": None}}
        self.server = None

    def start(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/info":
                    code, body = 200, fake.info
                elif self.path.startswith("/containers/") and self.path[12:] in fake.containers:
                    code, body = 200, fake.containers[self.path[12:]]
                else:
                    code, body = 404, {"message": "can't find the container with id %s" % self.path[12:]}
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

            def address_string(self):
                return "unix"

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        if os.path.exists(SOCK):
            os.unlink(SOCK)
        self.server = Server(SOCK, Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            os.unlink(SOCK)


@pytest.fixture
def crio():
    need("/bin/busybox", "ip", "nsenter", "unshare")
    if os.path.exists(SOCK):
        pytest.skip("something already listens on " + SOCK)
    made_dir = not os.path.isdir(os.path.dirname(SOCK))
    os.makedirs(os.path.dirname(SOCK), exist_ok=True)
    fake = FakeCrio(tmpdir("cadv-crio-"))
    fake.start()
    yield fake
    fake.stop()
    cleanup_dir(fake.info["storage_root"])
    if made_dir:
        os.rmdir(os.path.dirname(SOCK))


def new_id():
    return "%064x" % random.getrandbits(256)


def add_container(crio, cgroups, name, kube_name, argv, restart=0, layer_bytes=0):
    """A real cgroup .../pod<name>/crio-<id> running argv, CRI-O's record of it and its writable
    layer (holding a file of layer_bytes). Returns (cgroup, id, Popen)."""
    cid = new_id()
    layer = os.path.join(crio.info["storage_root"], "overlay", new_id())
    os.makedirs(os.path.join(layer, "diff"))
    if layer_bytes:
        with open(os.path.join(layer, "diff", "big"), "wb") as f:
            f.write(b"\0" * layer_bytes)
            os.fsync(f.fileno())
    cgroups.create("pod" + name)
    cg = cgroups.create("pod%s/crio-%s" % (name, cid))
    log = os.path.join(crio.info["storage_root"], "%s.log" % name)
    with open(log, "w") as f:
        f.write("log line\n")
    crio.containers[cid] = {
        "name": "k8s_%s_%s_default_0e6a6b6c_%d" % (kube_name, name, restart), "pid": 0,
        "image": "registry.example/%s:1.0" % name, "image_ref": "", "created_time": 1795824790913701209,
        "labels": {"io.kubernetes.container.name": kube_name, "io.kubernetes.pod.name": name,
                   "io.kubernetes.pod.namespace": "default"},
        "annotations": {"io.kubernetes.container.restartCount": str(restart)}, "crio_annotations": {},
        "log_path": log, "root": os.path.join(layer, "merged"), "sandbox": cid, "ip_addresses": ["10.85.0.7"]}
    p = cgroups.run(cg[len("/" + cgroups.prefix) + 1:], argv)
    crio.containers[cid]["pid"] = p.pid
    return cg, cid, p


def test_container_named_with_labels_image_and_fs(daemon, cgroups, crio):
    d = daemon()
    cg, cid, p = add_container(crio, cgroups, "web", "web", ["/bin/sleep", "600"], restart=2, layer_bytes=8 << 20)
    info = named(d, cg, cid)
    k8s_name = crio.containers[cid]["name"]
    assert info["aliases"] == [k8s_name, cid]
    assert info["namespace"] == "crio"
    assert info["spec"]["image"] == "registry.example/web:1.0"
    assert info["spec"]["labels"]["io.kubernetes.pod.name"] == "web"
    assert info["spec"]["labels"]["restartcount"] == "2"
    lines = wait_for(lambda: metric_lines(d, "container_memory_usage_bytes", id=cg), timeout=15,
                     what="metrics of " + cg)
    assert 'image="registry.example/web:1.0"' in lines[0]
    assert 'container_label_io_kubernetes_pod_name="web"' in lines[0]
    # usage of the writable layer: root without /merged, plus /diff (and the log file)
    stats = wait_for(lambda: (lambda s: s if fs_usage(s) >= 8 << 20 else None)(latest_stats(d, cg)), timeout=75,
                     interval=1, what="filesystem usage >= 8 MiB")
    fs = [f for f in stats["filesystem"] if f["usage"] >= 8 << 20][0]
    assert fs["usage"] > fs["base_usage"] >= 8 << 20  # the log file counts in usage only


def test_pod_infra_container_has_network(daemon, cgroups, crio):
    d = daemon()
    cg, cid, p = add_container(crio, cgroups, "net", "POD", ["unshare", "-n", "/bin/sleep", "600"])
    wait_for(lambda: os.readlink("/proc/%d/exe" % p.pid).endswith("sleep"), timeout=10, what="exec")
    named(d, cg, cid)
    veth = Veth(p.pid)
    try:
        first = wait_for(lambda: iface(latest_stats(d, cg), "eth0"), timeout=15, what="eth0 in stats")
        veth.send(100, 1000)
        wait_for(lambda: (lambda i: i and i["rx_bytes"] >= first["rx_bytes"] + 100000)(
            iface(latest_stats(d, cg), "eth0")), timeout=15, what="eth0 rx_bytes to grow")
    finally:
        veth.remove()


def test_removed_container_disappears(daemon, cgroups, crio):
    d = daemon()
    cg, cid, p = add_container(crio, cgroups, "gone", "app", ["/bin/sleep", "600"])
    named(d, cg, cid)
    p.kill()
    p.wait()
    cgroups.remove(cg[len("/" + cgroups.prefix) + 1:])
    del crio.containers[cid]
    gone(d, cg)


def test_crio_down_and_back(daemon, cgroups, crio):
    d = daemon()
    cg, cid, p = add_container(crio, cgroups, "flaky", "app", ["/bin/sleep", "600"])
    named(d, cg, cid)
    crio.stop()
    try:
        assert d.get("/healthz").status == 200
        d2 = daemon()
        info = wait_for(lambda: container_info(d2, cg), timeout=15, what="raw container")
        assert info.get("namespace") != "crio"
    finally:
        crio.start()
    assert named(d2, cg, cid, timeout=75)["namespace"] == "crio"


def test_conmon_cgroup_stays_raw(daemon, cgroups, crio):
    d = daemon()
    cid = new_id()
    cgroups.create("podc")
    cg = cgroups.create("podc/crio-conmon-" + cid)
    cgroups.run(cg[len("/" + cgroups.prefix) + 1:], ["/bin/sleep", "600"])
    info = wait_for(lambda: container_info(d, cg), timeout=15, what="conmon cgroup")
    assert not info.get("namespace")
