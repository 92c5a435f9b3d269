# SPDX-License-Identifier: Apache-2.0
"""deploy/kubernetes: the YAML parses, the kustomization lists what exists, the DaemonSet mounts
what cAdvisor's mounts (read-only), probes /healthz on its port, carries Prometheus scrape
annotations and resource requests, and every flag it passes is one cadv accepts (parsed by the real
binary). No Kubernetes cluster is available here: nothing is applied."""
import os
import re
import subprocess

import pytest

from conftest import CADV_BIN, REPO

yaml = pytest.importorskip("yaml")
DIR = os.path.join(REPO, "deploy", "kubernetes")
# cAdvisor's DaemonSet and docker line: host path -> mount path, all read-only
MOUNTS = {"/": "/rootfs", "/var/run": "/var/run", "/sys": "/sys", "/var/lib/docker": "/var/lib/docker",
          "/dev/disk": "/dev/disk"}


def load(name):
    with open(os.path.join(DIR, name)) as f:
        return list(yaml.safe_load_all(f))


def daemonset():
    return [d for d in load("daemonset.yaml") if d["kind"] == "DaemonSet"][0]


def test_kustomization_lists_existing_documents():
    (k,) = load("kustomization.yaml")
    assert k["kind"] == "Kustomization"
    kinds = set()
    for r in k["resources"]:
        for doc in load(r):
            kinds.add(doc["kind"])
            assert doc["apiVersion"] and doc["metadata"]["name"] == "cadv"
    assert kinds == {"Namespace", "ServiceAccount", "DaemonSet"}


def test_daemonset_mounts_probes_annotations_and_requests():
    ds = daemonset()
    spec = ds["spec"]["template"]["spec"]
    assert ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()
    assert not spec.get("hostPID")  # cAdvisor reads the host's processes under /rootfs/proc
    (c,) = spec["containers"]
    volumes = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
    mounts = {volumes[m["name"]]: m["mountPath"] for m in c["volumeMounts"]}
    assert mounts == MOUNTS and all(m.get("readOnly") for m in c["volumeMounts"])
    port = {p["name"]: p["containerPort"] for p in c["ports"]}
    for probe in (c["readinessProbe"], c["livenessProbe"]):
        assert probe["httpGet"]["path"] == "/healthz" and probe["httpGet"]["port"] in port
    ann = ds["spec"]["template"]["metadata"]["annotations"]
    assert ann["prometheus.io/scrape"] == "true" and int(ann["prometheus.io/port"]) == port["http"]
    assert ann["prometheus.io/path"] == "/metrics"
    req, lim = c["resources"]["requests"], c["resources"]["limits"]
    assert re.fullmatch(r"\d+m", req["cpu"]) and re.fullmatch(r"\d+Mi", req["memory"])
    assert int(req["memory"][:-2]) <= int(lim["memory"][:-2]) and int(req["cpu"][:-1]) <= int(lim["cpu"][:-1])


def test_every_flag_passed_is_accepted_by_cadv():
    c = daemonset()["spec"]["template"]["spec"]["containers"][0]
    args = c.get("args", [])
    assert args and all(a.startswith("-") for a in args)
    # the real parser: a flag cadv does not define, or a bad value, exits 2
    r = subprocess.run([CADV_BIN] + args + ["-version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "not defined" not in r.stderr and "invalid" not in r.stderr
    # and the port the probes and annotations use is cadv's (default 8080 unless -port is passed)
    port = [a.split("=", 1)[1] for a in args if a.lstrip("-").startswith("port=")] or ["8080"]
    assert int(port[-1]) == c["ports"][0]["containerPort"]
