# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of the web UI: cAdvisor's UI paths under -url_base_prefix, the embedded static
files, escaping and path traversal, and the pages themselves in a real headless Chromium (see
bench/browser.py, shared with the benchmark harness) against cadv watching real cgroups and a real
docker container. Screenshots are written to tests/artifacts/ui/ (git-ignored)."""
import os
import sys
import urllib.parse

import pytest

from conftest import REPO, wait_for
from test_docker import dockerd, start as docker_run  # noqa: F401 (a fixture)

sys.path.insert(0, os.path.join(REPO, "bench"))
from browser import Browser, chromium_path  # noqa: E402

PREFIX = "/ui-pfx"
ARTIFACTS = os.path.join(REPO, "tests", "artifacts", "ui")
# A cgroup name that would run script if a page put it into HTML unescaped.
EVIL = "q\"'<script>window.pwned=1<"  # (no "/": it is one directory name)
BUSY = "import time\nwhile True:\n    t = time.time()\n    while time.time() - t < 0.03:\n        pass\n    time.sleep(0.2)\n"


def test_ui_paths_under_the_prefix(daemon):
    d = daemon("-url_base_prefix=" + PREFIX + "/")
    r = d.get(PREFIX + "/")
    assert r.status == 307 and r.headers["Location"] == PREFIX + "/containers/"
    for bare in ("containers", "docker", "podman"):
        r = d.get(PREFIX + "/" + bare)
        assert r.status == 301 and r.headers["Location"] == PREFIX + "/" + bare + "/", bare
    for page in ("/containers/", "/containers/system.slice", "/docker/", "/docker/abc", "/podman/"):
        r = d.get(PREFIX + page)
        assert r.status == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8", page
        assert 'src="%s/static/cadv.js"' % PREFIX in r.text
    for name, ctype in (("cadv.js", "text/javascript"), ("cadv.css", "text/css"), ("uPlot.iife.min.js", "text/javascript"),
                        ("favicon.svg", "image/svg+xml")):
        r = d.get(PREFIX + "/static/" + name)
        assert r.status == 200 and r.headers["Content-Type"].startswith(ctype), name
        gz = d.get(PREFIX + "/static/" + name, headers={"Accept-Encoding": "gzip"})
        assert gz.headers.get("Content-Encoding") == "gzip" and len(gz.body) < len(r.body)
    for missing in ("/static/nope.js", "/static/index.html", "/static/"):
        assert d.get(PREFIX + missing).status == 404, missing
    assert d.get("/containers/").status == 404  # outside the prefix


def test_traversal_and_escaping(daemon):
    d = daemon()
    for path in ("/containers/../../etc/passwd", "/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                 "/docker/../static/../../etc/shadow"):
        r = d.get(path)
        assert r.status in (301, 307, 404), path
        assert "root:" not in r.text and r.headers.get("Location", "/").startswith("/"), path
    r = d.get("/containers/" + urllib.parse.quote(EVIL + "\"><img src=x onerror=alert(1)>"))
    assert r.status == 200
    assert "<script>window" not in r.text and "<img" not in r.text
    assert "&lt;script&gt;window.pwned=1" in r.text and "&#34;&gt;&lt;img" in r.text


def _assert_local(b, port):
    base = "http://127.0.0.1:%d/" % port
    foreign = [u for u in b.requests if not (u.startswith(base) or u.startswith("data:") or u == "about:blank")]
    assert not foreign, foreign


def _charts_drawn(b, ids):
    cond = " && ".join("typeof charts !== 'undefined' && charts[%r] && charts[%r].u.data[0].length >= 3" % (i, i)
                       for i in ids)
    b.wait(cond, timeout=40, what="charts " + ", ".join(ids))


@pytest.fixture
def browser():
    if not chromium_path():
        pytest.skip("needs chromium (scripts/install-deps)")
    b = Browser()
    yield b
    b.close()


def test_pages_in_headless_chromium(daemon, cgroups, browser):
    b = browser
    name = cgroups.create("web")
    evil = cgroups.create(EVIL)
    cgroups.run("web", [sys.executable, "-c", BUSY])
    cgroups.run(EVIL, ["sleep", "600"])
    d = daemon("-url_base_prefix=" + PREFIX, "-housekeeping_interval=1s")
    base = d.url + PREFIX

    # Root: redirect, machine overview, subcontainers, live charts.
    b.goto(base + "/")
    b.wait("location.pathname === %r" % (PREFIX + "/containers/"), what="the redirect")
    b.wait("!document.getElementById('machine').hidden && "
           "document.getElementById('machine-info').textContent.includes('Cores')", what="machine overview")
    _charts_drawn(b, ["cpu-total", "memory"])
    b.wait("[...document.querySelectorAll('#subs-list a')].some(a => a.textContent === %r)" % ("/" + cgroups.prefix),
           what="the test cgroup in the subcontainer list")
    b.screenshot(os.path.join(ARTIFACTS, "root.png"))

    # A cgroup with a busy process: its CPU charts show usage (per core only where the cgroup
    # reports per-CPU figures: cgroup v2 does not).
    b.goto(base + "/containers" + name)
    _charts_drawn(b, ["cpu-total", "cpu-breakdown", "memory"])
    b.wait("charts['cpu-total'].u.data[1].some(v => v > 0)", what="CPU usage > 0")
    percpu = d.json(PREFIX + "/api/v1.0/containers" + name)["stats"][-1]["cpu"]["usage"].get("per_cpu_usage")
    assert b.eval("!!charts['cpu-per-core']") == bool(percpu)
    assert b.eval("document.getElementById('title').textContent") == name
    assert b.eval("[...document.querySelectorAll('#crumbs a')].map(a => a.textContent)") == ["root", cgroups.prefix]
    assert "CPU shares" in b.eval("document.getElementById('iso').textContent")
    b.wait("!document.getElementById('procs').hidden && document.getElementById('ps').textContent.includes('python')",
           what="the process table")
    b.screenshot(os.path.join(ARTIFACTS, "container.png"))

    # The hostile name is shown as text and runs nothing.
    b.goto(base + "/containers" + urllib.parse.quote(evil))
    _charts_drawn(b, ["memory"])
    assert b.eval("document.getElementById('title').textContent") == evil
    assert b.eval("window.pwned === undefined && document.scripts.length === 2")
    assert b.eval("document.title") == "cadv: " + evil

    # The docker root page (the daemon's facts; the container list is tested with dockerd below).
    b.goto(base + "/docker/")
    b.wait("!document.getElementById('runtime').hidden", what="the docker page")
    assert "Kernel version" in b.eval("document.getElementById('runtime-info').textContent")
    b.screenshot(os.path.join(ARTIFACTS, "docker-empty.png"))

    _assert_local(b, d.port)
    assert not b.errors, b.errors


def test_validate_reports_this_host(daemon, cgroups):
    name = cgroups.create("v")
    d = daemon()
    assert d.get("/validate").status == 301
    r = d.get("/validate/")
    assert r.status == 200 and r.headers["Content-Type"] == "text/plain; charset=utf-8"
    t = r.text
    assert t.startswith("cAdvisor version: v")
    assert "Kernel version: [Supported and recommended]\n\tKernel version is %s." % os.uname().release in t
    with open("/proc/cgroups") as f:
        enabled = {line.split()[0] for line in f if not line.startswith("#") and line.split()[3] == "1"}
    verdict = "[Supported and recommended]" if {"cpu", "cpuacct", "memory", "blkio"} <= enabled else "["
    assert "Cgroup setup: " + verdict in t
    with open("/proc/mounts") as f:
        cg = [line for line in f if line.split()[2] in ("cgroup", "cgroup2")]
    assert all("\t" + line in t for line in cg)
    assert "Block device setup: [" in t
    # The manager tracks new cgroups on its own schedule: poll.
    wait_for(lambda: "\n\t%s\n" % name in d.get("/validate/").text, timeout=30, what="the test cgroup in the report")


def test_docker_pages_in_headless_chromium(daemon, browser, dockerd):
    b = browser
    name, cid, _pid = docker_run(dockerd, "--network", "none", "-m", "64m", cmd=("sleep", "600"))
    d = daemon("-docker=" + dockerd.addr)
    wait_for(lambda: cid in str(d.get("/api/v2.0/spec/?type=docker&recursive=true").text), timeout=30,
             what="the container tracked")
    b.goto(d.url + "/docker/")
    b.wait("[...document.querySelectorAll('#runtime-images a')].some(a => a.textContent.startsWith(%r))" % name,
           what="the container in the docker list")
    assert "Containers" in b.eval("document.getElementById('runtime-info').textContent")
    b.screenshot(os.path.join(ARTIFACTS, "docker.png"))
    b.eval("[...document.querySelectorAll('#runtime-images a')].find(a => a.textContent.startsWith(%r)).click()" % name)
    b.wait("location.pathname === '/docker/%s'" % cid, what="the container page")
    _charts_drawn(b, ["cpu-total", "memory"])
    assert b.eval("document.getElementById('title').textContent") == "%s (/docker/%s)" % (name, cid)
    assert "64.0 MiB" in b.eval("document.getElementById('iso').textContent")
    b.wait("charts['memory'].u.series.some(s => s.label === 'limit')", what="the memory limit line")
    b.screenshot(os.path.join(ARTIFACTS, "docker-container.png"))
    _assert_local(b, d.port)
    assert not b.errors, b.errors
