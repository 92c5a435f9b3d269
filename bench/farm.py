# SPDX-License-Identifier: Apache-2.0
"""farm.py - the benchmark's cgroup farm.

N real cgroups under one unique prefix (/cadv-bench-<pid>/c0001, ...) in every cgroup hierarchy
mounted under the cgroup root (each v1 hierarchy and the cgroup2 mount), each holding one tenant
process (sleeping, or a CPU burner) forked by `floor farm`, the tenant server, which dies with the
harness even after a SIGKILL, and its tenants with it. Everything is removed afterwards: tenants
are killed and reaped by the server, then the directories are removed leaves first (with any
directory left below the prefix, such as a `floor mkdir-lat` probe).

Only cgroups created here are ever written or removed, and only processes started here are killed.
HYBRID_FILES and V2_FILES are the one list of the files cadv reads per container per cycle (what
the floor reads).
"""

import errno
import os
import re
import subprocess
import time

CGROUP_ROOT = "/sys/fs/cgroup"
PREFIX_RE = re.compile(r"^cadv-bench-(\d+)$")

# The cgroup files cadv reads per container per cycle, with its default metric kinds, for an idle
# container; the floor reads exactly these, through kept-open fds. Keep in step with the slots
# read by v1_read_stats()/v2_read_stats() in src/collect/cgroup_v1.c and cgroup_v2.c (files read only
# when the spec is refreshed - limits, shares, quotas - do not belong here; pids.current is read
# only with the `process` kind, memory.numa_stat only with `memory_numa`, both off by default).
# Each entry: (controller whose hierarchy holds the file, file name, condition); "cgroup2" is the
# unified mount. Entries whose file does not exist on this host are dropped (see Farm.resolve_files).
# Conditions: "no-cpuacct" = only when there is no v1 cpuacct hierarchy; "blkio-probe" = the first
# file of each of libcontainer's blkio groups, all read in turn when none has entries (idle cgroups).
HYBRID_FILES = [
    ("cpuacct", "cpuacct.usage", None),
    ("cpuacct", "cpuacct.stat", None),
    ("cpuacct", "cpuacct.usage_percpu", None),
    ("cpu", "cpu.stat", None),
    ("cgroup2", "cpu.stat", "no-cpuacct"),
    ("cgroup2", "cpu.pressure", None),
    ("cgroup2", "memory.pressure", None),
    ("memory", "memory.stat", None),
    ("memory", "memory.usage_in_bytes", None),
    ("memory", "memory.max_usage_in_bytes", None),
    ("memory", "memory.failcnt", None),
    ("memory", "memory.kmem.usage_in_bytes", None),
    ("cgroup2", "io.pressure", None),
    ("blkio", "blkio.bfq.sectors_recursive", "blkio-probe"),
    ("blkio", "blkio.bfq.io_serviced_recursive", "blkio-probe"),
    ("blkio", "blkio.sectors_recursive", "blkio-probe"),
    ("blkio", "blkio.throttle.io_serviced_recursive", "blkio-probe"),
    ("blkio", "blkio.throttle.io_serviced", "blkio-probe"),
]
# On a pure cgroup v2 host (every controller in the unified mount).
V2_FILES = [
    ("cgroup2", "cpu.stat", None),
    ("cgroup2", "cpu.pressure", None),
    ("cgroup2", "memory.events", None),
    ("cgroup2", "memory.pressure", None),
    ("cgroup2", "memory.stat", None),
    ("cgroup2", "memory.current", None),
    ("cgroup2", "memory.peak", None),
    ("cgroup2", "memory.swap.current", None),
    ("cgroup2", "io.pressure", None),
    ("cgroup2", "io.stat", None),
]

V1_CONTROLLERS = {
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio",
    "perf_event", "hugetlb", "pids", "rdma", "misc",
}


class Hierarchy:
    def __init__(self, path, controllers, is_v2):
        self.path = path
        self.controllers = frozenset(controllers)
        self.is_v2 = is_v2

    def __repr__(self):
        return "%s(%s)" % (self.path, "cgroup2" if self.is_v2 else ",".join(sorted(self.controllers)))


def _unescape(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def discover(cgroup_root=CGROUP_ROOT, mountinfo="/proc/self/mountinfo"):
    """Every cgroup hierarchy mounted under cgroup_root, once each (by device)."""
    hiers, seen = [], set()
    root = cgroup_root.rstrip("/")
    with open(mountinfo) as f:
        for line in f:
            left, sep, right = line.partition(" - ")
            if not sep:
                continue
            lf, rf = left.split(), right.split()
            if len(lf) < 5 or len(rf) < 3 or rf[0] not in ("cgroup", "cgroup2"):
                continue
            path = _unescape(lf[4])
            if not (path == root or path.startswith(root + "/")) or lf[2] in seen:
                continue
            seen.add(lf[2])
            if rf[0] == "cgroup2":
                hiers.append(Hierarchy(path, (), True))
            else:
                ctrls = [o for o in rf[2].split(",") if o in V1_CONTROLLERS or o.startswith("name=")]
                hiers.append(Hierarchy(path, ctrls, False))
    return hiers


def floor_files(hiers):
    """(hierarchy, file name) for each per-cycle file of this host's layout (existence unchecked)."""
    v1 = any(not h.is_v2 and h.controllers & V1_CONTROLLERS for h in hiers)
    cpuacct = any("cpuacct" in h.controllers for h in hiers)
    spec = HYBRID_FILES if v1 else V2_FILES
    out = []
    for ctrl, fname, cond in spec:
        if cond == "no-cpuacct" and cpuacct:
            continue
        for h in hiers:
            if (ctrl == "cgroup2" and h.is_v2) or (ctrl != "cgroup2" and ctrl in h.controllers):
                out.append((h, fname))
                break
    return out


def _write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)


def _read(path):
    with open(path) as f:
        return f.read().strip()


def _rmdir(path, patience_s=5.0):
    """Removes one cgroup directory, waiting for just-killed tasks to leave it. Returns an error
    string or None."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            os.rmdir(path)
            return None
        except FileNotFoundError:
            return None
        except OSError as e:
            if e.errno != errno.EBUSY or time.monotonic() > deadline:
                return "%s: %s" % (path, e.strerror)
            time.sleep(0.01)


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def cleanup_stale(cgroup_root=CGROUP_ROOT, log=print):
    """Removes the empty cgroups left by an earlier harness that died (its PID is gone). Kills
    nothing: its tenants died with it; a non-empty cgroup is left alone and reported."""
    for h in discover(cgroup_root):
        try:
            names = os.listdir(h.path)
        except OSError:
            continue
        for d in names:
            m = PREFIX_RE.match(d)
            if not m or int(m.group(1)) == os.getpid() or _alive(int(m.group(1))):
                continue
            top = os.path.join(h.path, d)
            errs = []
            for leaf in sorted(os.listdir(top)):
                if os.path.isdir(os.path.join(top, leaf)):
                    errs.append(_rmdir(os.path.join(top, leaf), 0.2))
            errs.append(_rmdir(top, 0.2))
            errs = [e for e in errs if e]
            log("farm: removed stale %s%s" % (top, " (left: %s)" % "; ".join(errs[:3]) if errs else ""))


BATCH = 128  # containers per round trip to the tenant server


class Farm:
    """The cgroups and tenants of one harness run. Use from the main thread only."""

    def __init__(self, tenant_bin, cgroup_root=CGROUP_ROOT, prefix=None, log=print):
        self.tenant_bin = os.path.abspath(tenant_bin)
        self.hiers = discover(cgroup_root)
        if not self.hiers:
            raise RuntimeError("no cgroup hierarchy mounted under %s" % cgroup_root)
        self.prefix = prefix or "/cadv-bench-%d" % os.getpid()
        self.log = log
        self.files = floor_files(self.hiers)
        self._top = []       # prefix directories made, one per hierarchy
        self._dirs = {}      # name -> [directories made], creation order
        self._pids = {}      # name -> tenant pid
        self._server = None  # `floor farm`: forks the tenants, kills and reaps them
        self.errors = []

    # --- setup -------------------------------------------------------------------------------

    def open(self):
        self._server = subprocess.Popen([self.tenant_bin, "farm", str(os.getpid())], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        for h in self.hiers:
            d = h.path + self.prefix
            os.mkdir(d)
            self._top.append(d)
            if "cpuset" in h.controllers:
                self._copy_cpuset(h.path, d)

    @staticmethod
    def _copy_cpuset(parent, child):
        for f in ("cpuset.cpus", "cpuset.mems"):
            _write(os.path.join(child, f), _read(os.path.join(parent, f)))

    def _ask(self, lines):
        """Sends command lines to the tenant server; returns its answers, one per line."""
        if self._server is None or self._server.poll() is not None:
            raise RuntimeError("the tenant server (floor farm) is not running")
        self._server.stdin.write("".join(line + "\n" for line in lines))
        self._server.stdin.flush()
        return [self._server.stdout.readline().strip() for _ in lines]

    def _mkdirs(self, leaf):
        name = "%s/%s" % (self.prefix, leaf)
        if name in self._dirs:
            raise ValueError("cgroup %s exists" % name)
        made = self._dirs[name] = []
        for h in self.hiers:
            d = h.path + name
            os.mkdir(d)
            made.append(d)
            if "cpuset" in h.controllers:
                self._copy_cpuset(h.path + self.prefix, d)
        return name

    def _populate(self, names, busy):
        """One tenant per container (busy[i]: (busy_us, period_us) or None), in one round trip."""
        cmds = ["add %d %d %s" % ((busy[i] or (0, 1))[0], (busy[i] or (0, 1))[1], " ".join(self._dirs[n]))
                for i, n in enumerate(names)]
        answers = self._ask(cmds + ["sync"])
        for n, ans in zip(names, answers):
            kind, _, val = ans.partition(" ")
            if kind != "pid":
                raise OSError("tenant of %s: %s" % (n, ans or "the tenant server exited"))
            self._pids[n] = int(val)
        if answers[-1] != "ok":
            raise OSError("tenants joining their cgroups: %s" % (answers[-1] or "the tenant server exited"))

    def add(self, leaf, busy=None):
        """Creates <prefix>/<leaf> in every hierarchy with one tenant (busy=(busy_us, period_us)
        makes it a CPU burner). Returns (name, wall time just before the first mkdir)."""
        t_created = time.time()
        name = self._mkdirs(leaf)
        self._populate([name], [busy])
        return name, t_created

    def add_many(self, leaves, busy_leaves=(), busy=(1000, 1000000)):
        busy_leaves = set(busy_leaves)
        leaves = list(leaves)
        for i in range(0, len(leaves), BATCH):
            chunk = leaves[i:i + BATCH]
            names = [self._mkdirs(leaf) for leaf in chunk]
            self._populate(names, [busy if leaf in busy_leaves else None for leaf in chunk])

    def resolve_files(self):
        """Drops the per-cycle files that this kernel does not have (checked in the first
        container). Call after the first add."""
        first = next(iter(self._dirs))
        self.files = [(h, f) for h, f in self.files if os.path.exists(h.path + first + "/" + f)]

    def mkdir_probe_dirs(self, leaf):
        """<prefix>/<leaf> in the cpuacct and memory hierarchies and the cgroup2 mount (those that
        exist): where `floor mkdir-lat` makes and removes its cgroup. Left-overs go in close()."""
        out = []
        for h in self.hiers:
            if h.is_v2 or h.controllers & {"cpuacct", "memory"}:
                out.append(h.path + self.prefix + "/" + leaf)
        return out

    def names(self):
        return list(self._dirs)

    def paths(self, names=None):
        """Absolute paths of the per-cycle files of the given containers (default: all)."""
        out = []
        for name in names if names is not None else self._dirs:
            for h, fname in self.files:
                out.append(h.path + name + "/" + fname)
        return out

    # --- teardown ------------------------------------------------------------------------------

    def _kill(self, names):
        pids = [str(self._pids.pop(n)) for n in names if n in self._pids]
        for i in range(0, len(pids), 1000):
            if self._server is not None and self._server.poll() is None:
                self._ask(["kill " + " ".join(pids[i:i + 1000])])

    def remove(self, names):
        """Kills the tenants of these containers and removes their directories."""
        names = [n for n in names if n in self._dirs]
        self._kill(names)
        for n in names:
            for d in reversed(self._dirs.pop(n)):
                err = _rmdir(d)
                if err:
                    self.errors.append(err)

    def close(self):
        """Removes everything this farm made; safe to call twice and after a partial open/add."""
        self.remove(list(reversed(list(self._dirs))))
        if self._server is not None:
            self._server.stdin.close()  # EOF: it kills and reaps any tenant left, and exits
            self._server.wait()
            self._server.stdout.close()
            self._server = None
        while self._top:
            top = self._top.pop()
            try:
                left = [os.path.join(top, d) for d in os.listdir(top) if os.path.isdir(os.path.join(top, d))]
            except OSError:
                left = []
            for d in left:  # e.g. a mkdir-lat probe killed between its mkdir and rmdir
                err = _rmdir(d)
                if err:
                    self.errors.append(err)
            err = _rmdir(top)
            if err:
                self.errors.append(err)
        for e in self.errors[:10]:
            self.log("farm: could not remove %s" % e)
