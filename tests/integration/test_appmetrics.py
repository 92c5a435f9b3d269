# SPDX-License-Identifier: Apache-2.0
"""Black-box test of application metrics (cAdvisor's io.cadvisor.metric.* collectors) against a real
docker container: busybox httpd listens on the container's loopback only (--network none), serving
Prometheus text, a JSON status document, a CGI script that hangs, a 10 MB body and malformed text. The
container's labels point cadv at config files inside it (a bind mount). Values must show in
/api/v2.0/appmetrics, the v1 spec and samples (custom_metrics) and /metrics, and follow the
application's values (compared with the values' own timestamps); the bad endpoints cost only their own
scrapes and are counted."""
import calendar
import json
import os
import time

import pytest

from conftest import wait_for
from runtimes import cgroup_name, cleanup_dir, metric_lines, named, tmpdir
from test_docker import IMAGE, dockerd, start  # noqa: F401 (the dockerd fixture)

PORT = 8080


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def prom_text(requests, temp):
    return ("# HELP app_requests_total Requests served.\n# TYPE app_requests_total counter\n"
            'app_requests_total{code="200",path="/a"} %d\napp_requests_total{code="500",path="/a"} 1\n'
            "# TYPE app_temperature gauge\napp_temperature %s\n" % (requests, temp))


@pytest.fixture
def app_dir():
    d = tmpdir("cadv-app-")
    os.makedirs(os.path.join(d, "www", "cgi-bin"))
    os.makedirs(os.path.join(d, "cfg"))
    www, cfg = os.path.join(d, "www"), os.path.join(d, "cfg")
    write(os.path.join(www, "metrics"), prom_text(5, "21.5"))
    write(os.path.join(www, "status.json"), '{"requests": 7, "load": 0.25}\n')
    write(os.path.join(www, "bad"), "app_x{oops 1\n")
    with open(os.path.join(www, "big"), "wb") as f:
        f.write(b"a" * (10 << 20))
    write(os.path.join(www, "cgi-bin", "hang"), "#!/bin/sh\nsleep 600\n")
    os.chmod(os.path.join(www, "cgi-bin", "hang"), 0o755)
    url = "http://127.0.0.1:%d" % PORT
    write(os.path.join(cfg, "prom.json"), json.dumps({"endpoint": url + "/metrics",
                                                      "polling_frequency": 1000000000}))
    write(os.path.join(cfg, "generic.json"), json.dumps({
        "endpoint": {"protocol": "http", "port": str(PORT), "path": "/status.json"},
        "metrics_config": [
            {"name": "requests", "metric_type": "cumulative", "units": "requests", "data_type": "int",
             "polling_frequency": 1000000000, "regex": '"requests": *([0-9]+)'},
            {"name": "load", "metric_type": "gauge", "units": "ratio", "data_type": "float",
             "polling_frequency": 1000000000, "regex": '"load": *([0-9.]+)'}]}))
    for bad in ("hang", "big", "bad"):
        path = "/cgi-bin/hang" if bad == "hang" else "/" + bad
        write(os.path.join(cfg, bad + ".json"), json.dumps({"endpoint": url + path}))
    yield d
    cleanup_dir(d)


def ns(ts):
    """An RFC 3339 UTC timestamp with up to 9 fractional digits, in ns since the epoch."""
    base, _, frac = ts.rstrip("Z").partition(".")
    return int(calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))) * 10**9 + int((frac + "000000000")[:9])


def appmetrics(d, cg):
    return d.json("/api/v2.0/appmetrics" + cg)[cg]


def test_appmetrics_from_container_loopback(daemon, dockerd, app_dir):  # noqa: F811
    d = daemon("-docker=" + dockerd.addr, "-housekeeping_interval=1s", "-allow_dynamic_housekeeping=false")
    labels = []
    for coll, cfg in (("prometheus_app", "prom"), ("status", "generic"), ("prometheus_hang", "hang"),
                      ("prometheus_big", "big"), ("prometheus_bad", "bad")):
        labels += ["--label", "io.cadvisor.metric.%s=/etc/cadv/%s.json" % (coll, cfg)]
    name, cid, pid = start(dockerd, "--network", "none", *labels,
                           "-v", os.path.join(app_dir, "www") + ":/www",
                           "-v", os.path.join(app_dir, "cfg") + ":/etc/cadv:ro",
                           cmd=("httpd", "-f", "-p", "127.0.0.1:%d" % PORT, "-h", "/www"))
    cg = cgroup_name(pid)
    named(d, cg, name)

    # Prometheus and generic values, from an application that only listens on the container's loopback.
    m = wait_for(lambda: (lambda x: x if "app_temperature" in x and "requests" in x else None)(appmetrics(d, cg)),
                 timeout=30, what="application metrics of " + name)
    # cAdvisor joins the pairs with 0xFF, which Go's JSON encoder writes as U+FFFD (invalid UTF-8).
    ok = '__name__=app_requests_total\ufffdcode=200\ufffdpath=/a'
    assert m["app_requests_total"][ok][-1]["float_value"] == 5
    assert m["app_temperature"]["__name__=app_temperature"][-1]["float_value"] == 21.5
    assert m["requests"][""][-1]["int_value"] == 7
    assert m["load"][""][-1]["float_value"] == 0.25
    t0 = m["app_requests_total"][ok][-1]["timestamp"]

    # The v1 spec declares them: the generic metrics as configured, the Prometheus families as scraped.
    spec = d.json("/api/v1.3/containers" + cg)["spec"]
    assert spec["has_custom_metrics"] is True
    assert sorted(tuple(x[k] for k in ("name", "type", "format", "units")) for x in spec["custom_metrics"]) == [
        ("app_requests_total", "cumulative", "float", ""), ("app_temperature", "gauge", "float", ""),
        ("load", "gauge", "float", "ratio"), ("requests", "cumulative", "int", "requests")]

    # A v1 stats sample carries each endpoint's newest scrape taken at or before it.
    def sample_with_values():
        for st in reversed(d.json("/api/v1.3/containers" + cg).get("stats", [])):
            cm = st.get("custom_metrics", {})
            if "app_temperature" in cm and "requests" in cm:
                return st
        return None
    st = wait_for(sample_with_values, timeout=20, what="custom_metrics in a v1 sample")
    cm = st["custom_metrics"]
    req = [v for v in cm["app_requests_total"] if v["label"] == ok]
    assert len(req) == 1 and req[0]["float_value"] == 5 and req[0]["labels"] == {"code": "200", "path": "/a"}
    temp = cm["app_temperature"]
    assert temp == [{"label": "__name__=app_temperature", "timestamp": temp[0]["timestamp"], "float_value": 21.5}]
    assert cm["requests"][0]["int_value"] == 7 and "label" not in cm["requests"][0]
    assert cm["load"][0]["float_value"] == 0.25
    assert ns(temp[0]["timestamp"]) <= ns(st["timestamp"])

    # /metrics: a gauge per name with the container's labels and app_<label>.
    lines = metric_lines(d, "app_requests_total", name=name)
    assert any('app_code="200"' in ln and 'app_path="/a"' in ln and ln.endswith(" 5") for ln in lines), lines
    assert metric_lines(d, "load", id=cg) and metric_lines(d, "load", id=cg)[0].endswith(" 0.25")
    text = d.get("/metrics").text
    assert "# HELP app_temperature Custom application metric.\n# TYPE app_temperature gauge\n" in text

    # The application's values change: the next scrapes see them, with later timestamps.
    write(os.path.join(app_dir, "www", "metrics"), prom_text(9, "22"))
    write(os.path.join(app_dir, "www", "status.json"), '{"requests": 8, "load": 0.5}\n')

    def changed():
        x = appmetrics(d, cg)
        v = x["app_requests_total"][ok][-1]
        return x if v["float_value"] == 9 and x["requests"][""][-1]["int_value"] == 8 else None
    m = wait_for(changed, timeout=30, what="the new application values")
    assert m["app_requests_total"][ok][-1]["timestamp"] > t0
    assert m["load"][""][-1]["float_value"] == 0.5
    wait_for(lambda: any(ln.endswith(" 9") for ln in metric_lines(d, "app_requests_total", name=name)),
             timeout=30, what="the new value in /metrics")

    # The hanging, oversized and malformed endpoints: counted, logged, and the others kept polling.
    def errors():
        for ln in d.get("/metrics").text.splitlines():
            if ln.startswith("cadv_app_scrape_errors_total "):
                return float(ln.split()[1])
        return 0
    wait_for(lambda: errors() >= 3, timeout=30, what="scrape errors counted")
    log = d.logtext()
    assert "Application metrics of '%s'" % cg in log, log
    assert d.get("/healthz").status == 200
    assert "app_x" not in appmetrics(d, cg)
    dockerd.docker("rm", "-f", cid)
