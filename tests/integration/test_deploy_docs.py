# SPDX-License-Identifier: Apache-2.0
"""`cadv --help`, the man page cadv(8) the build writes from the option table, and the README's flag
table list the same flags: none can drift from the others."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import CADV_BIN, REPO


def help_flags():
    out = subprocess.run([CADV_BIN, "--help"], capture_output=True, text=True, check=True).stdout
    flags = re.findall(r"^  -(\S+)", out, re.M)
    assert len(flags) > 80, out[:500]
    return flags


def test_every_flag_is_in_help_man_page_and_readme():
    man_path = os.path.join(os.path.dirname(CADV_BIN), "cadv.8")
    with open(man_path) as f:
        man = f.read()
    with open(os.path.join(REPO, "README.md")) as f:
        readme = f.read()
    block = re.search(r"<!-- flags:begin[^\n]*-->\n(.*?)<!-- flags:end -->", readme, re.S)
    assert block, "README.md lost its flags:begin/flags:end block"
    man_flags = set(re.findall(r"^\.TP\n\\fB\\-(\S+?)\\fR", man, re.M))
    readme_flags = set(re.findall(r"^\| `-([^` ]+)", block.group(1), re.M))
    for flag in help_flags():
        assert flag.replace("-", "\\-") in man_flags, "-%s missing from %s" % (flag, man_path)
        assert flag in readme_flags, "-%s missing from the README's flag table (run scripts/readme-flags)" % flag
    # the table is exactly what the binary writes: help texts and defaults cannot drift either
    table = subprocess.run([CADV_BIN, "--help-markdown"], capture_output=True, text=True, check=True).stdout
    assert block.group(1) == table, "README flag table is stale: run scripts/readme-flags"


def test_man_page_renders_without_warnings():
    # (long unbreakable lists such as -disable_metrics' default cannot be adjusted: -Wbreak)
    if not shutil.which("groff"):
        pytest.skip("groff not installed")
    man_path = os.path.join(os.path.dirname(CADV_BIN), "cadv.8")
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-Wbreak", "-z", man_path], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = subprocess.run(["groff", "-man", "-Tascii", "-Wbreak", man_path], capture_output=True, text=True,
                       check=True)
    text = re.sub(".\b", "", r.stdout)  # bold and underline are overstruck
    assert "-housekeeping_interval duration" in text and "SYNOPSIS" in text
