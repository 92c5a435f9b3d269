# SPDX-License-Identifier: Apache-2.0
"""`make install` (Meson install) and `make deb` (installed with dpkg --root into a scratch root) put
the binaries, man pages, systemd unit and flags file where the unit and man page say, and the unit
passes `systemd-analyze verify` (run against the staged tree with --root: nothing is installed on
this machine)."""
import glob
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import CADV_BIN, REPO

BUILD = os.path.dirname(CADV_BIN)


def meson_install(destdir):
    subprocess.run(["meson", "install", "-C", BUILD, "--destdir", destdir, "--no-rebuild", "--quiet"], check=True,
                   capture_output=True, timeout=120)
    return destdir


def verify_unit(root, unit):
    """systemd-analyze verify on a unit of a staged root, with the host's targets (the unit's default
    dependencies) copied in. Returns its output (empty when clean)."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    targets = os.path.join(root, "usr/lib/systemd/system")
    os.makedirs(targets, exist_ok=True)
    for t in glob.glob("/usr/lib/systemd/system/*.target"):
        if not os.path.exists(os.path.join(targets, os.path.basename(t))):
            shutil.copy(t, targets)
    man = [d for d in glob.glob(os.path.join(root, "usr/**/share/man"), recursive=True)]
    env = dict(os.environ, MANPATH=":".join(man))
    r = subprocess.run(["systemd-analyze", "verify", "--root=" + root, unit], capture_output=True, text=True,
                       env=env, timeout=60)
    return r.returncode, (r.stdout + r.stderr).strip()


def unit_paths(text):
    """The binary and flags file a unit names."""
    exe = re.search(r"^ExecStart=(\S+)", text, re.M).group(1)
    env = re.search(r"^EnvironmentFile=-?(\S+)", text, re.M).group(1)
    return exe, env


def test_meson_install_layout_and_unit_verifies():
    root = tempfile.mkdtemp(prefix="cadv-install-")
    try:
        meson_install(root)
        units = glob.glob(os.path.join(root, "**/lib/systemd/system/cadv.service"), recursive=True)
        assert len(units) == 1, units
        unit = units[0][len(root):]
        with open(units[0]) as f:
            text = f.read()
        exe, env = unit_paths(text)
        prefix = os.path.dirname(os.path.dirname(exe))
        assert unit == prefix + "/lib/systemd/system/cadv.service"
        assert os.access(root + exe, os.X_OK), exe
        assert os.path.isfile(root + env), env
        assert os.path.isfile(root + prefix + "/share/man/man8/cadv.8")
        assert os.access(root + prefix + "/bin/cadvtop", os.X_OK)
        assert os.path.isfile(root + prefix + "/share/man/man1/cadvtop.1")
        for key in ("ProtectSystem=strict", "NoNewPrivileges=yes", "Restart=on-failure", "ReadOnlyPaths=",
                    "CapabilityBoundingSet="):
            assert key in text, key
        # the man page names the flags file (/etc/default/cadv for the package's /usr prefix)
        with open(root + prefix + "/share/man/man8/cadv.8") as f:
            assert "/etc/default/cadv" in f.read() and env.endswith("/etc/default/cadv")
        rc, out = verify_unit(root, unit)
        assert rc == 0 and out == "", out
        # the installed binary is the built one and runs
        r = subprocess.run([root + exe, "-version"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and "cadv version" in r.stdout
    finally:
        shutil.rmtree(root)


def dpkg(root, *args):
    return subprocess.run(["dpkg", "--root=" + root, "--force-script-chrootless", "--log=/dev/null"] + list(args),
                          capture_output=True, text=True, timeout=120)


def test_deb_builds_and_installs_into_a_scratch_root():
    """make deb's package, installed with dpkg --root into an empty root (its library dependencies
    are not installed there: --force-depends), then removed and purged."""
    if not shutil.which("dpkg-deb") or not shutil.which("dpkg-shlibdeps"):
        pytest.skip("dpkg-dev not installed")
    work = tempfile.mkdtemp(prefix="cadv-deb-")
    try:
        out = subprocess.run([os.path.join(REPO, "deploy", "debian", "build-deb"), BUILD, work],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        deb = out.stdout.strip()
        fields = subprocess.run(["dpkg-deb", "-f", deb, "Package", "Depends"], capture_output=True, text=True,
                                check=True).stdout
        assert "Package: cadv" in fields and "libmicrohttpd12" in fields and "libjansson4" in fields
        root = os.path.join(work, "root")
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"):
            os.makedirs(os.path.join(root, d))
        open(os.path.join(root, "var/lib/dpkg/status"), "w").close()
        r = dpkg(root, "--force-depends", "-i", deb)
        assert r.returncode == 0, r.stdout + r.stderr

        with open(os.path.join(root, "lib/systemd/system/cadv.service")) as f:
            exe, env = unit_paths(f.read())
        assert (exe, env) == ("/usr/sbin/cadv", "/etc/default/cadv")
        for path in (exe, env, "/usr/bin/cadvtop", "/usr/share/man/man8/cadv.8.gz", "/usr/share/man/man1/cadvtop.1.gz"):
            assert os.path.isfile(root + path), path
        listed = dpkg(root, "-L", "cadv").stdout.split()
        assert "/usr/sbin/cadv" in listed and "/lib/systemd/system/cadv.service" in listed
        with open(os.path.join(root, "var/lib/dpkg/info/cadv.conffiles")) as f:
            assert f.read().split() == ["/etc/default/cadv"]
        rc, msg = verify_unit(root, "/lib/systemd/system/cadv.service")
        assert rc == 0 and msg == "", msg
        r = subprocess.run([root + exe, "-version"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and "cadv version" in r.stdout

        assert dpkg(root, "-r", "cadv").returncode == 0
        assert not os.path.exists(root + exe) and os.path.exists(root + env)  # a conffile stays until purge
        assert dpkg(root, "-P", "cadv").returncode == 0
        assert not os.path.exists(root + env)
    finally:
        shutil.rmtree(work)
