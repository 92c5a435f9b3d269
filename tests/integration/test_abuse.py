# SPDX-License-Identifier: Apache-2.0
"""Hostile HTTP clients against the real daemon, bounded in count and time, on loopback:
a slowloris of 2,000 connections, 40 clients that request the biggest body and never read it,
bursts of partial requests closed by the client, ~1,000 query parameters, conflicting
Content-Length headers, "%00" in paths, and a -prometheus_endpoint that would shadow another
endpoint. /healthz must keep answering, collection must stay on schedule (judged by the samples'
own timestamps), RSS must stay bounded and no sample may be stored wrong. The attackers use
other loopback source addresses than the well-behaved client (cadv limits connections per address).
The hostile clients live in bench/abuse.py, shared with the benchmark's abuse mode."""
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import CADV_BIN, REPO, wait_for

sys.path.insert(0, os.path.join(REPO, "bench"))
import abuse  # noqa: E402
import probe  # noqa: E402

BIG = "/api/v2.0/stats/?recursive=true&count=-1"


def raw(port, request, timeout=10.0):
    """Sends request bytes, returns (everything the server sent until it closed, seconds)."""
    return abuse.request(port, request, timeout=timeout)


def status_of(resp):
    return int(resp.split(b" ", 2)[1])


def test_query_parameters_escapes_and_content_length(daemon):
    d = daemon()
    many = "&".join("p=%d" % (i % 10) for i in range(1000))  # 4 KB: within the URI length limit
    for _ in range(20):  # a leak per request would show in the sanitizer run's report
        resp, took = raw(d.port, ("GET /api/v2.0/version?%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                  % many).encode())
        assert status_of(resp) == 400 and b"too many query parameters" in resp, resp[:300]
        assert took < 5, "took %.1f s" % took
    resp, _ = raw(d.port, ("GET /api/v2.0/version?%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                           % ("x" * 9000)).encode())
    assert status_of(resp) == 414, resp[:300]
    # A few parameters still work, percent-decoded.
    assert d.get("/api/v2.0/stats/?count=1&type=name&recursive=false").status == 200
    # "%00" is refused, not cut short: /healthz%00x used to answer as /healthz.
    for target in (b"/healthz%00abc", b"/api/v2.0/version%00/x", b"/api/v2.0/stats/?type=%00"):
        resp, _ = raw(d.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status_of(resp) == 400 and b'invalid URL escape "%00"' in resp, (target, resp[:300])
    post = b"POST /api/v1.3/containers/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    resp, _ = raw(d.port, post + b"Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}")
    assert status_of(resp) == 400 and b"conflicting Content-Length" in resp, resp[:300]
    resp, _ = raw(d.port, post + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}")
    assert status_of(resp) == 200, resp[:300]
    # libmicrohttpd answers a malformed Content-Length itself (see README: 0.9.75 repeats its status
    # line and headers; fixed in libmicrohttpd 1.0).
    resp, _ = raw(d.port, post + b"Content-Length: abc\r\n\r\n{}")
    assert status_of(resp) == 400, resp[:300]
    assert d.get("/healthz").status == 200


@pytest.mark.parametrize("endpoint,other", [
    ("/healthz", "/healthz"), ("/api", "/api"), ("/api/v2.0/stats", "/api"), ("/containers/x", "/containers"),
    ("/docker", "/docker"),
])
def test_prometheus_endpoint_that_shadows_another_exits_2(endpoint, other):
    p = subprocess.run([CADV_BIN, "-listen_ip=127.0.0.1", "-port=0", "-prometheus_endpoint=" + endpoint],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert lines == ['cadv: invalid value "%s" for flag -prometheus_endpoint: it collides with the %s endpoint'
                     % (endpoint, other)], p.stderr


def test_prometheus_endpoint_not_clean_exits_2():
    p = subprocess.run([CADV_BIN, "-port=0", "-prometheus_endpoint=/a/../metrics"], capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 2 and "not a clean path" in p.stderr, p.stderr


def close_wait(port):
    """Sockets of this host in CLOSE-WAIT on local port (cadv's side of connections the client closed)."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "08":
                n += 1
    return n


def root_samples(d):
    """The root container's samples as [(seconds since the epoch, cpu total)], oldest first."""
    stats = d.json("/api/v2.0/stats/?count=-1")["/"]
    return [(probe.parse_ts(s["timestamp"]), s["cpu"]["usage"]["total"]) for s in stats]


def test_slowloris_and_never_reading_clients(daemon, cgroups, monkeypatch):
    # Under ASan, freed memory sits in its quarantine (256 MB) and would read as growth.
    monkeypatch.setenv("ASAN_OPTIONS", (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0").lstrip(":"))
    assert abuse.raise_nofile(8192) >= 2400, "cannot raise RLIMIT_NOFILE for 2,000 client sockets"
    for i in range(40):
        cgroups.create("c%02d" % i)
    d = daemon("-housekeeping_interval=250ms", "-allow_dynamic_housekeeping=false", "-storage_duration=10s")
    # History fills: the biggest body (every container, every sample) grows to megabytes.
    wait_for(lambda: len(d.get(BIG).body) >= 2_000_000, timeout=30, interval=1, what="a 2 MB stats body")
    resp = d.get(BIG)
    body = len(resp.body)
    # Streamed in pieces, it is still one JSON object keyed by every container.
    assert resp.headers.get("Transfer-Encoding") == "chunked", resp.headers
    listed = json.loads(resp.body)
    assert {cgroups.path("c%02d" % i) for i in range(40)} <= set(listed), sorted(listed)[:5]
    rss0 = abuse.rss_kb(d.proc.pid)

    readers = abuse.never_readers(d.port, BIG, 40)
    loris, _refused = abuse.slowloris(d.port, 2000)
    try:
        # /healthz from another address answers throughout, for longer than the 10 s request timeout.
        rss_peak = rss0
        t_end = time.monotonic() + 12
        while time.monotonic() < t_end:
            status, took = abuse.healthz(d.port)
            assert status == 200, "/healthz failed under abuse (took %.1f s)" % took
            rss_peak = max(rss_peak, abuse.rss_kb(d.proc.pid))
            time.sleep(0.5)
        # The slowloris connections are cut: at once past the per-address limit, the rest by the
        # timeout for unfinished requests.
        cut = abuse.cut_count(loris, wait=10)
        assert cut == len(loris), "%d of %d unfinished requests still open" % (len(loris) - cut, len(loris))
        # A never-reading client holds a piece of its reply, not the whole body (was 40 x body).
        growth = (rss_peak - rss0) * 1024
        assert growth < 10 * body, "RSS grew %.1f MB with 40 never-reading clients of a %.1f MB body" % (
            growth / 1e6, body / 1e6)
        # Collection stayed on schedule through it (the 10 s of history are the abuse's, judged by
        # the samples' own timestamps), and no sample carries a failed read as zeros (the root's CPU
        # counter only grows).
        samples = root_samples(d)
    finally:
        abuse.close_all(loris)
        abuse.close_all(readers)
    ts = [t for t, _ in samples]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    assert len(ts) >= 10 and max(gaps) < 3.0, "root sample gaps under abuse: %s" % gaps
    totals = [c for _, c in samples]
    assert all(c > 0 for c in totals) and totals == sorted(totals), totals

    # Bursts of partial requests closed by the client: libmicrohttpd 0.9.75 may miss the close of
    # a connection whose data and FIN came in one go; the request timeout (10 s) reclaims those.
    for k in range(3):
        burst, _ = abuse.slowloris(d.port, 300, src="127.0.0.%d" % (10 + k))
        abuse.close_all(burst)
    assert abuse.healthz(d.port)[0] == 200
    wait_for(lambda: close_wait(d.port) == 0, timeout=15, what="no CLOSE-WAIT sockets on cadv's port")

    assert d.get(BIG).status == 200
