# SPDX-License-Identifier: Apache-2.0
"""probe.py - what the harness measures about a running process and its HTTP server: CPU time,
RSS, fds from /proc/<pid>, and timed GETs (stdlib http.client, streaming, so that a huge response
is counted rather than held)."""

import calendar
import collections
import ctypes
import http.client
import json
import math
import os
import re
import signal
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_PDEATHSIG = 1

# --- /proc ------------------------------------------------------------------------------------


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rpartition(")")[2].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def status_kb(pid, keys=("VmRSS", "VmHWM")):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in keys:
                out[k] = int(v.split()[0])
    return out


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def fd_targets(pid):
    out = []
    d = "/proc/%d/fd" % pid
    for fd in os.listdir(d):
        try:
            out.append(os.readlink(os.path.join(d, fd)))
        except OSError:
            pass
    return out


def kept_open(pid, hiers, names):
    """What the process keeps open of the given cgroups: {name: set("<hierarchy>:<file>")} where a
    directory fd shows as "<hierarchy>:/"."""
    names = set(names)
    per = collections.defaultdict(set)
    for t in fd_targets(pid):
        for h in hiers:
            if not t.startswith(h.path + "/"):
                continue
            rest = t[len(h.path):]
            if rest in names:
                per[rest].add("%s:/" % os.path.basename(h.path))
            else:
                d, _, fname = rest.rpartition("/")
                if d in names:
                    per[d].add("%s:%s" % (os.path.basename(h.path), fname))
            break
    return per


def die_with_parent():
    """preexec_fn: the child gets SIGTERM when the harness dies, even by SIGKILL."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


# --- statistics -------------------------------------------------------------------------------


def percentile(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    v = sorted(values)
    return v[max(0, min(len(v) - 1, math.ceil(p / 100.0 * len(v)) - 1))]


def slope_per_min(points):
    """Least-squares slope of [(t_s, y)], per minute; None with fewer than 3 points."""
    if len(points) < 3:
        return None
    n = len(points)
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    if den == 0:
        return None
    return sum((t - mt) * (y - my) for t, y in points) / den * 60.0


TS_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def parse_ts(s):
    """RFC 3339 (Go's time.Time JSON, nanoseconds allowed) to epoch seconds; None if unparsable."""
    m = TS_RE.match(s or "")
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(x) for x in m.groups()[:6])
    t = calendar.timegm((y, mo, d, hh, mi, ss, 0, 0, 0)) + float(m.group(7) or 0)
    z = m.group(8)
    if z != "Z":
        off = int(z[1:3]) * 3600 + int(z[4:6]) * 60
        t -= off if z[0] == "+" else -off
    return t


# --- HTTP -------------------------------------------------------------------------------------

Resp = collections.namedtuple("Resp", "status size seconds body encoding")


def get(port, path, gzip=False, timeout=120.0, keep=True, max_keep=256 << 20):
    """One GET on a fresh connection, timed to the last byte. body is None when not kept or larger
    than max_keep. Raises OSError/HTTPException when the server cannot be reached."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    t = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        chunks, size = [], 0
        while True:
            b = r.read(1 << 20)
            if not b:
                break
            size += len(b)
            if keep and size <= max_keep:
                chunks.append(b)
            else:
                keep, chunks = False, []
        return Resp(r.status, size, time.perf_counter() - t, b"".join(chunks) if keep else None,
                    r.getheader("Content-Encoding"))
    finally:
        conn.close()


def get_json(port, path, timeout=30.0):
    """(status, parsed JSON or None)."""
    r = get(port, path, timeout=timeout)
    if r.status != 200 or r.body is None:
        return r.status, None
    try:
        return r.status, json.loads(r.body)
    except ValueError:
        return r.status, None


def metric_ids(body):
    """Distinct id="..." label values of a Prometheus text body."""
    return set(re.findall(rb'[{,]id="([^"]*)"', body or b""))
