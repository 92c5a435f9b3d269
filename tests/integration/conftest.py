# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures of the black-box tests: the real cadv daemon, real cgroups with real processes.

- `daemon` starts build/cadv (or $CADV_BIN) on 127.0.0.1 with an ephemeral port and stops it with
  SIGTERM at the end, failing the test if it did not exit 0 (clean shutdown, no sanitizer report).
- `cgroups` creates cgroups under a unique prefix in every cgroup hierarchy mounted on this host
  (v1 controllers and cgroup2) and removes them afterwards, killing only the processes it started.

Tests that need root and a cgroup hierarchy are skipped elsewhere."""
import calendar
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CADV_BIN = os.environ.get("CADV_BIN") or os.path.join(REPO, "build", "cadv")
FIXTURES = os.path.join(REPO, "tests", "fixtures")


def is_root():
    return os.geteuid() == 0


def cgroup_mounts():
    """[(mount point, fstype, controllers)] of the cgroup hierarchies, first mount per controller set."""
    out, seen = [], set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            mnt = left.split()[4]
            fstype, _src, opts = right.split()[:3]
            if fstype not in ("cgroup", "cgroup2"):
                continue
            ctrls = ",".join(sorted(o for o in opts.split(",") if o not in ("rw", "ro") and "=" not in o
                                    and o not in ("relatime", "nsdelegate", "memory_recursiveprot")))
            if fstype == "cgroup" and "name=" in opts and not ctrls:
                continue  # named hierarchies (systemd) hold no controller
            key = (fstype, ctrls)
            if key in seen:
                continue
            seen.add(key)
            out.append((mnt, fstype, ctrls))
    return out


class HTTPResult:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(url, data=None, headers=None, method=None, timeout=30):
    if isinstance(data, str):
        data = data.encode()
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _opener.open(req, timeout=timeout) as r:
            return HTTPResult(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return HTTPResult(e.code, dict(e.headers), e.read())


class Daemon:
    def __init__(self, args, tmpdir):
        self.tmpdir = tmpdir
        self.port_file = os.path.join(tmpdir, "port")
        self.log_path = os.path.join(tmpdir, "cadv.log")
        self.args = [CADV_BIN, "-listen_ip=127.0.0.1", "-port=0", "-port_file=" + self.port_file] + list(args)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        self.prefix = ""
        for a in args:
            if a.lstrip("-").startswith("url_base_prefix="):
                self.prefix = a.split("=", 1)[1].rstrip("/")
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("cadv exited with %s at start:\n%s" % (self.proc.returncode, self.logtext()))
            if os.path.exists(self.port_file):
                txt = open(self.port_file).read().strip()
                if txt:
                    self.port = int(txt)
                    try:
                        if self.get(self.prefix + "/healthz").status == 200:
                            return
                    except OSError:
                        pass
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError("cadv did not become healthy:\n" + self.logtext())

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def get(self, path, data=None, headers=None, method=None):
        return http(self.url + path, data=data, headers=headers, method=method)

    def json(self, path, data=None):
        r = self.get(path, data=data)
        assert r.status == 200, "%s -> %d %s" % (path, r.status, r.text[:500])
        return r.json()

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-20000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("cadv did not stop within 20 s of SIGTERM:\n" + self.logtext())
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def daemon():
    """Factory: daemon(*flags) starts cadv; all started daemons are stopped (and checked) at the end."""
    started = []
    tmp = tempfile.mkdtemp(prefix="cadv-it-")

    def start(*args):
        d = Daemon(args, tempfile.mkdtemp(dir=tmp))
        started.append(d)
        return d

    yield start
    errors = []
    for d in started:
        rc = d.stop()
        log = d.logtext()
        if rc != 0:
            errors.append("cadv exited %s after SIGTERM:\n%s" % (rc, log))
        elif "ERROR: AddressSanitizer" in log or "runtime error:" in log or "LeakSanitizer" in log:
            errors.append("sanitizer report:\n" + log)
    if errors:
        pytest.fail("\n\n".join(errors))


class CgroupFarm:
    """Real cgroups under /<prefix>/ in every hierarchy, with real processes."""

    def __init__(self):
        self.prefix = "cadv-test-%d-%06d" % (os.getpid(), random.randrange(10**6))
        self.mounts = cgroup_mounts()
        self.names = []
        self.procs = []

    def dirs(self, name):
        return [os.path.join(m, self.prefix, name.strip("/")) if name.strip("/") else os.path.join(m, self.prefix)
                for m, _t, _c in self.mounts]

    def path(self, name=""):
        """The container name cadv reports for it: /<prefix>/<name>."""
        return "/" + self.prefix + ("/" + name.strip("/") if name.strip("/") else "")

    def create(self, name=""):
        for (m, fstype, ctrls), d in zip(self.mounts, self.dirs(name)):
            os.makedirs(d, exist_ok=True)
            if "cpuset" in ctrls.split(","):
                # A v1 cpuset cgroup takes tasks only once cpus and mems are set: copy the parent's.
                parent = os.path.dirname(d)
                for f in ("cpuset.cpus", "cpuset.mems"):
                    dst = os.path.join(d, f)
                    if os.path.exists(dst) and not open(dst).read().strip():
                        with open(dst, "w") as out:
                            out.write(open(os.path.join(parent, f)).read().strip() or "0")
        full = self.path(name)
        if full not in self.names:
            self.names.append(full)
        return full

    def run(self, name, argv, **kw):
        """Starts argv inside cgroup `name` (in every hierarchy) and returns the Popen."""
        dirs = self.dirs(name)

        def enter():
            pid = str(os.getpid())
            for d in dirs:
                try:
                    with open(os.path.join(d, "cgroup.procs"), "w") as f:
                        f.write(pid)
                except OSError:
                    pass  # e.g. a v2 dir with controllers that take no processes

        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        p = subprocess.Popen(argv, preexec_fn=enter, **kw)
        self.procs.append(p)
        return p

    def remove(self, name):
        for d in self.dirs(name):
            _rmtree_cgroup(d)
        full = self.path(name)
        if full in self.names:
            self.names.remove(full)

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for m, _t, _c in self.mounts:
            _rmtree_cgroup(os.path.join(m, self.prefix))


def _rmtree_cgroup(d):
    if not os.path.isdir(d):
        return
    for entry in os.listdir(d):
        sub = os.path.join(d, entry)
        if os.path.isdir(sub) and not os.path.islink(sub):
            _rmtree_cgroup(sub)
    for _ in range(50):
        try:
            os.rmdir(d)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)  # processes still exiting


@pytest.fixture
def cgroups():
    if not is_root() or not cgroup_mounts():
        pytest.skip("needs root and a mounted cgroup hierarchy")
    farm = CgroupFarm()
    farm.create()
    yield farm
    farm.cleanup()


def wait_for(pred, timeout=10.0, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" % (timeout, what, last))


def proc_cpu_ns(pid):
    """utime+stime of a process, in ns."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks * 1e9 / os.sysconf("SC_CLK_TCK")


def rfc3339_ns(s):
    """Nanoseconds since the epoch of an RFC 3339 UTC time with up to 9 fractional digits."""
    main, _, frac = s.rstrip("Z").partition(".")
    secs = calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S"))
    return secs * 10**9 + int((frac + "000000000")[:9])


class CpuTrace:
    """The CPU time of a process over wall-clock time, polled on a thread, so that a test can compare a
    sample's counter with what the process itself used by the sample's own timestamps, not with a
    wall-clock delta of its own (which a loaded machine makes meaningless). bounds(t0, t1) brackets
    the CPU used between wall times t0 and t1 (ns) by the polls around them, however late a poll was."""

    def __init__(self, pid, interval=0.02):
        self.pid, self.interval = pid, interval
        self.points = [(0, 0.0)]  # the process had used nothing before it started
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                cpu = proc_cpu_ns(self.pid)
            except OSError:
                return
            self.points.append((time.time_ns(), cpu))
            time.sleep(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()

    def now(self):
        return self.points[-1][1]

    def _around(self, t):
        before = max((p for p in self.points if p[0] <= t), default=self.points[0])
        after = min((p for p in self.points if p[0] >= t), default=None)
        assert after is not None, "no CPU poll after %d yet" % t
        return before[1], after[1]

    def bounds(self, t0, t1):
        """(least, most) CPU ns the process can have used between t0 and t1, plus a tick each way."""
        lo0, hi0 = self._around(t0)
        lo1, hi1 = self._around(t1)
        tick = 1e9 / os.sysconf("SC_CLK_TCK")
        return max(0.0, lo1 - hi0 - tick), hi1 - lo0 + tick


def pytest_collection_modifyitems(session, config, items):
    """The container image test runs last: make check builds the image's lean libcurl (minutes on a
    fresh clone) in the background while the other tests run."""
    items.sort(key=lambda item: os.path.basename(str(item.fspath)) == "test_deploy_image.py")
