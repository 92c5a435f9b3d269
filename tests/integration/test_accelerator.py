# SPDX-License-Identifier: Apache-2.0
"""NVIDIA GPUs per container (kind `accelerator`) through NVML loaded at run time.

There is no GPU on these machines: the daemon loads the fake NVML the build makes
(tests/helpers/fake_nvml.c, libfake-nvml.so next to the test programs) through CADV_NVML_LIBRARY, and
a real v1 devices cgroup allows the GPU's character device (c 195:0), as a runtime does for a
container given that GPU."""
import os
import re

import pytest

from conftest import CADV_BIN, wait_for

FAKE = os.path.join(os.path.dirname(CADV_BIN), "tests", "libfake-nvml.so")
DEVICES_ROOT = "/sys/fs/cgroup/devices"

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(DEVICES_ROOT, "devices.list")),
                                reason="needs the cgroup v1 devices hierarchy")


def gpus(memory_used):
    return ("0 GPU-5d1c2b3a-0000 17179869184 %d 20,40 Tesla T4\n"
            "1 GPU-5d1c2b3a-1111 42949672960 0 - NVIDIA A100-PCIE-40GB\n" % memory_used)


def allow_gpu0(cgroups, name):
    """Lets the cgroup's devices controller allow only /dev/nvidia0 (c 195:0) and /dev/null."""
    d = os.path.join(DEVICES_ROOT, cgroups.prefix, name)
    with open(os.path.join(d, "devices.deny"), "w") as f:
        f.write("a")
    for rule in ("c 195:0 rwm", "c 1:3 rwm"):
        with open(os.path.join(d, "devices.allow"), "w") as f:
            f.write(rule)
    assert "c 195:0 rwm" in open(os.path.join(d, "devices.list")).read().splitlines()


def newest(d, name):
    info = d.json("/api/v1.3/containers" + name)
    return info["stats"][-1] if info.get("stats") else {}


def test_gpu_of_a_devices_cgroup_in_json_and_metrics(daemon, cgroups, tmp_path, monkeypatch):
    assert os.path.exists(FAKE), FAKE + " not built"
    devices = tmp_path / "gpus"
    devices.write_text(gpus(1 << 30))
    monkeypatch.setenv("CADV_NVML_LIBRARY", FAKE)
    monkeypatch.setenv("FAKE_NVML_DEVICES", str(devices))
    name = cgroups.create("gpu")
    allow_gpu0(cgroups, "gpu")
    d = daemon("-housekeeping_interval=1s", "-allow_dynamic_housekeeping=false",
               "-raw_cgroup_prefix_whitelist=" + cgroups.path())
    assert "accelerator kind: 2 NVIDIA GPU(s) through NVML" in d.logtext()

    want = {"make": "nvidia", "model": "Tesla T4", "id": "GPU-5d1c2b3a-0000", "memory_total": 17179869184,
            "memory_used": 1 << 30, "duty_cycle": 30}
    st = wait_for(lambda: (lambda s: s if s.get("accelerators") else None)(newest(d, name)), timeout=30,
                  what="accelerators of " + name)
    assert st["accelerators"] == [want]
    # The parent allows every device ("a *:* rwm"): no GPU of its own, as in cAdvisor.
    assert "accelerators" not in newest(d, cgroups.path())
    v21 = d.json("/api/v2.1/stats" + name + "?count=1")
    assert [s["accelerators"] for s in v21[name]["stats"]] == [[want]]

    series = 'container_accelerator_memory_used_bytes{acc_id="GPU-5d1c2b3a-0000",id="%s",make="nvidia",' \
             'model="Tesla T4"}' % name
    text = d.get("/metrics").text
    assert "# TYPE container_accelerator_duty_cycle gauge" in text
    assert re.search(re.escape(series) + r" 1\.073741824e\+09 \d+\n", text), text[:3000]

    # The next collection reads the new figure.
    devices.write_text(gpus(3 << 30))
    wait_for(lambda: newest(d, name)["accelerators"][0]["memory_used"] == 3 << 30, timeout=30,
             what="memory_used to follow the device")
    wait_for(lambda: re.search(re.escape(series) + r" 3\.221225472e\+09 ", d.get("/metrics").text), timeout=30,
             what="the new figure in /metrics")


def test_without_nvml_or_with_the_kind_disabled(daemon, cgroups, tmp_path, monkeypatch):
    devices = tmp_path / "gpus"
    devices.write_text(gpus(1 << 30))
    monkeypatch.setenv("FAKE_NVML_DEVICES", str(devices))
    name = cgroups.create("gpu")
    allow_gpu0(cgroups, "gpu")
    monkeypatch.setenv("CADV_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1")
    flags = ("-housekeeping_interval=1s", "-raw_cgroup_prefix_whitelist=" + cgroups.path())
    missing = daemon(*flags)
    monkeypatch.setenv("CADV_NVML_LIBRARY", FAKE)
    disabled = daemon("-disable_metrics=accelerator", *flags)
    assert len(re.findall("accelerator kind: no NVIDIA GPU figures", missing.logtext())) == 1
    assert "/nonexistent/libnvidia-ml.so.1" in missing.logtext()
    assert "accelerator kind" not in disabled.logtext()
    for d in (missing, disabled):
        text = wait_for(lambda: (lambda t: t if 'id="%s"' % name in t else None)(d.get("/metrics").text),
                        timeout=30, what=name + " in /metrics")
        assert "container_accelerator" not in text
        assert "accelerators" not in newest(d, name)
