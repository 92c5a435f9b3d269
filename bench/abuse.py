# SPDX-License-Identifier: Apache-2.0
"""abuse.py - hostile HTTP clients for the benchmark's abuse mode (bench/run.py --abuse) and the
black-box abuse tests (tests/integration/test_abuse.py). Standard library only.

- never_readers(): clients that request a body and never read a byte of it (a tiny receive buffer,
  so the server cannot park the body in the kernel).
- slowloris(): connections that send part of a request and then nothing.
- healthz(): one timed GET /healthz on a fresh connection.

Clients bind to a chosen loopback source address (127.0.0.0/8 is all loopback on Linux), so that a
test can put the attackers on one address and the well-behaved client on another: cadv limits
connections per client address."""

import resource
import socket
import time


def raise_nofile(want):
    """Raises this process's soft RLIMIT_NOFILE towards want (up to the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _connect(port, src, rcvbuf=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def never_readers(port, path, n, src="127.0.0.3"):
    """n connections that each send GET path and never read. Returns the open sockets."""
    socks = []
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    for _ in range(n):
        s = _connect(port, src, rcvbuf=4096)
        s.sendall(req)
        socks.append(s)
    return socks


def idle_connections(port, n, src, send=b""):
    """n connections that send `send` (nothing by default) and then nothing more. Returns (open
    sockets, connections that failed at once)."""
    socks, failed = [], 0
    for _ in range(n):
        try:
            s = _connect(port, src, timeout=2.0)
            if send:
                s.sendall(send)
            socks.append(s)
        except OSError:
            failed += 1
    return socks, failed


def slowloris(port, n, src="127.0.0.2"):
    """n connections that each send an unfinished request (no blank line). Returns (open sockets,
    connections refused or reset at once)."""
    return idle_connections(port, n, src, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")


def cut_count(socks, wait=0.0):
    """How many of socks the server has closed (EOF or reset), looking for up to wait seconds."""
    deadline = time.monotonic() + wait
    closed = set()
    while True:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            s.setblocking(False)
            try:
                if s.recv(65536) == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
        if len(closed) == len(socks) or time.monotonic() >= deadline:
            return len(closed)
        time.sleep(0.2)


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def request(port, data, src="127.0.0.1", timeout=5.0):
    """Sends data (a raw request) on a fresh connection; returns (all the server sent until it
    closed, seconds). Raises OSError (socket.timeout included)."""
    t0 = time.monotonic()
    s = _connect(port, src, timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    finally:
        s.close()
    return out, time.monotonic() - t0


def healthz(port, src="127.0.0.1", timeout=5.0):
    """(status or None, seconds) of GET /healthz on a fresh connection."""
    t0 = time.monotonic()
    try:
        data, _ = request(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", src,
                          timeout)
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None
    except (OSError, ValueError, IndexError):
        status = None
    return status, time.monotonic() - t0


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
