# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of collection robustness on real cgroups: inotify watches under cgroup churn."""
import os

from conftest import wait_for


def inotify_watched_inodes(pid):
    """The inode numbers watched by the inotify instances of process pid (from /proc/pid/fdinfo)."""
    inos = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "anon_inode:inotify":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                for line in f:
                    if line.startswith("inotify wd:"):
                        fields = dict(kv.split(":", 1) for kv in line.split()[1:] if ":" in kv)
                        inos.append(int(fields["ino"], 16))
        except OSError:
            continue  # an fd closed meanwhile
    return inos


def test_inotify_watches_follow_cgroup_churn(daemon, cgroups):
    """Each removed cgroup directory must lose its watch. On cgroupfs no IN_IGNORED arrives for a
    removed directory (the watch pins its inode), and cadv dropped watches only on moves: 500 cgroups
    created and removed left 500 watches for good, until the user's inotify limit ran out. Only the
    watches of our own directories are counted (other cgroups on the host come and go)."""
    # The cpu hierarchy (watched on a v1 or hybrid host), else cgroup2 (a v2 host).
    mount = next((m for m, t, c in cgroups.mounts if t == "cgroup" and "cpu" in c.split(",")),
                 next((m for m, t, _c in cgroups.mounts if t == "cgroup2"), cgroups.mounts[0][0]))
    base = os.path.join(mount, cgroups.prefix)
    d = daemon("-housekeeping_interval=10s", "-allow_dynamic_housekeeping=false")
    pid = d.proc.pid
    wait_for(lambda: os.stat(base).st_ino in inotify_watched_inodes(pid), timeout=30,
             what="a watch on " + base)
    for rnd in range(2):
        dirs = [os.path.join(base, "churn%d-%03d" % (rnd, i)) for i in range(250)]
        for p in dirs:
            os.mkdir(p)
        ours = {os.stat(p).st_ino for p in dirs}
        wait_for(lambda: len(ours & set(inotify_watched_inodes(pid))) == len(ours), timeout=60,
                 what="watches on the %d new cgroups" % len(ours))
        for p in dirs:
            os.rmdir(p)
        wait_for(lambda: not (ours & set(inotify_watched_inodes(pid))), timeout=30,
                 what="the watches of the %d removed cgroups to go" % len(ours))
    # cadv still works and still sees new cgroups through inotify.
    late = cgroups.create("late")
    wait_for(lambda: d.get("/api/v1.3/containers" + late).status == 200, timeout=30, what=late)
    assert d.get("/healthz").status == 200
