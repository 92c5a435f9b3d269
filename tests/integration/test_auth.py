# SPDX-License-Identifier: Apache-2.0
"""Black-box tests of HTTP auth (-http_auth_file htpasswd with every hash kind, -http_digest_file
htdigest, cadv's -auth_api) and HTTPS (-tls_cert_file, -tls_key_file), with files generated here:
hashes by openssl and htpasswd (apache2-utils), a self-signed certificate by openssl."""
import base64
import hashlib
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import CADV_BIN

USERS = {"bcrypt": "pw-b", "apr1": "pw-a", "sha": "pw-s", "sha512": "pw-6", "md5": "pw-1"}


def _basic(user, pw):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()}


def _openssl_passwd(kind, pw):
    return subprocess.run(["openssl", "passwd", kind, pw], check=True, capture_output=True, text=True).stdout.strip()


def _htpasswd(tmp):
    lines = ["apr1:" + _openssl_passwd("-apr1", USERS["apr1"]),
             "sha:{SHA}" + base64.b64encode(hashlib.sha1(USERS["sha"].encode()).digest()).decode(),
             "sha512:" + _openssl_passwd("-6", USERS["sha512"]),
             "md5:" + _openssl_passwd("-1", USERS["md5"])]
    if shutil.which("htpasswd"):
        out = subprocess.run(["htpasswd", "-nbB", "bcrypt", USERS["bcrypt"]], check=True, capture_output=True,
                             text=True).stdout.strip()
        assert out.startswith("bcrypt:$2y$")
        lines.append(out)
    path = os.path.join(tmp, "htpasswd")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path, [line.split(":")[0] for line in lines]


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="cadv-auth-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_htpasswd_every_hash_kind_protects_the_ui(daemon, tmp):
    path, users = _htpasswd(tmp)
    assert len(users) == 5 or not shutil.which("htpasswd")
    d = daemon("-http_auth_file=" + path, "-http_auth_realm=cadv test")
    for page in ("/containers/", "/docker/", "/static/cadv.js", "/containers"):
        r = d.get(page)
        assert r.status == 401, page
        assert r.headers["WWW-Authenticate"] == 'Basic realm="cadv test"'
    for user in users:
        assert d.get("/containers/", headers=_basic(user, USERS[user])).status == 200, user
        assert d.get("/containers/", headers=_basic(user, USERS[user] + "x")).status == 401, user
        assert d.get("/static/cadv.css", headers=_basic(user, USERS[user])).status == 200, user
    assert d.get("/containers/", headers=_basic("nobody", "pw-b")).status == 401
    assert d.get("/containers/", headers={"Authorization": "Basic !!!"}).status == 401
    # cAdvisor protects only the UI: the API, metrics and /healthz stay open.
    for open_path in ("/api/v1.0/machine", "/metrics", "/healthz"):
        assert d.get(open_path).status == 200, open_path


def test_auth_api_protects_everything_but_healthz(daemon, tmp):
    path, _users = _htpasswd(tmp)
    d = daemon("-http_auth_file=" + path, "-auth_api=true")
    for p in ("/api/v1.0/machine", "/api/v2.0/version", "/metrics", "/api/v1.3/events/?stream=true", "/validate/"):
        assert d.get(p).status == 401, p
    assert d.get("/api/v2.0/version", headers=_basic("sha", USERS["sha"])).status == 200
    assert d.get("/metrics", headers=_basic("apr1", USERS["apr1"])).status == 200
    assert d.get("/healthz").status == 200


def _digest_get(d, path, user, pw):
    """One Digest exchange (RFC 7616, MD5, qop=auth) by hand: urllib rejects libmicrohttpd's
    lower-case algorithm=md5."""
    chal = d.get(path).headers["WWW-Authenticate"]
    fields = dict(kv.split("=", 1) for kv in chal[len("Digest "):].split(","))
    fields = {k.strip(): v.strip().strip('"') for k, v in fields.items()}
    realm, nonce, cnonce, nc = fields["realm"], fields["nonce"], "0a4f113b", "00000001"
    md5 = lambda x: hashlib.md5(x.encode()).hexdigest()
    resp = md5("%s:%s:%s:%s:auth:%s" % (md5("%s:%s:%s" % (user, realm, pw)), nonce, nc, cnonce, md5("GET:" + path)))
    auth = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth, nc=%s, cnonce="%s", '
            'response="%s", opaque="%s", algorithm=MD5' % (user, realm, nonce, path, nc, cnonce, resp, fields["opaque"]))
    return d.get(path, headers={"Authorization": auth}).status


def test_htdigest(daemon, tmp):
    path = os.path.join(tmp, "htdigest")
    with open(path, "w") as f:
        for user, realm, pw in (("dan", "dr", "pw-d"), ("eve", "other", "pw-e")):
            f.write("%s:%s:%s\n" % (user, realm, hashlib.md5(("%s:%s:%s" % (user, realm, pw)).encode()).hexdigest()))
    d = daemon("-http_digest_file=" + path, "-http_digest_realm=dr")
    r = d.get("/containers/")
    assert r.status == 401 and r.headers["WWW-Authenticate"].startswith('Digest realm="dr"')
    assert _digest_get(d, "/containers/", "dan", "pw-d") == 200
    assert _digest_get(d, "/containers/", "dan", "wrong") == 401
    assert _digest_get(d, "/containers/", "eve", "pw-e") == 401  # another realm's line
    assert d.get("/api/v2.0/version").status == 200


def _start_fails(*args):
    p = subprocess.run([CADV_BIN, "-listen_ip=127.0.0.1", "-port=0"] + list(args), capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stderr


def test_bad_auth_and_tls_files_stop_the_start(tmp):
    bad = os.path.join(tmp, "bad")
    cases = [("", "no user"), ("alice\n", "line 1: expected user:hash"), ("a:$9$x\n", "unsupported or malformed"),
             ("a:{SHA}short\n", "unsupported or malformed")]
    for text, why in cases:
        with open(bad, "w") as f:
            f.write(text)
        rc, err = _start_fails("-http_auth_file=" + bad)
        assert rc == 2 and why in err, (text, err)
    rc, err = _start_fails("-http_auth_file=" + os.path.join(tmp, "missing"))
    assert rc == 2 and "cannot read the -http_auth_file" in err
    with open(bad, "w") as f:
        f.write("u:realm:nothex\n")
    rc, err = _start_fails("-http_digest_file=" + bad)
    assert rc == 2 and "32 hex digits" in err
    c1, k1 = _cert(tmp, "1")
    _c2, k2 = _cert(tmp, "2")
    for args, why in ((["-tls_cert_file=" + c1, "-tls_key_file=" + k2], "is not the private key"),
                      (["-tls_cert_file=" + c1], "go together"),
                      (["-tls_cert_file=" + bad, "-tls_key_file=" + k1], "holds no PEM certificate"),
                      (["-tls_cert_file=" + c1, "-tls_key_file=" + bad], "holds no unencrypted PEM private key")):
        rc, err = _start_fails(*args)
        assert rc == 2 and why in err, (args, err)


def _cert(tmp, tag):
    c, k = os.path.join(tmp, "c%s.pem" % tag), os.path.join(tmp, "k%s.pem" % tag)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
                    "-keyout", k, "-out", c], check=True, capture_output=True)
    return c, k


def test_tls(tmp):
    cert, key = _cert(tmp, "")
    port_file = os.path.join(tmp, "port")
    path, _users = _htpasswd(tmp)
    p = subprocess.Popen([CADV_BIN, "-listen_ip=127.0.0.1", "-port=0", "-port_file=" + port_file,
                          "-tls_cert_file=" + cert, "-tls_key_file=" + key, "-http_auth_file=" + path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            assert p.poll() is None and time.time() < deadline, "cadv did not start"
            time.sleep(0.05)
        base = "https://127.0.0.1:%s" % open(port_file).read().strip()
        ctx = ssl.create_default_context(cafile=cert)  # verifies the chain and the name
        with urllib.request.urlopen(base + "/healthz", context=ctx, timeout=30) as r:
            assert r.status == 200 and r.read() == b"ok"
        req = urllib.request.Request(base + "/containers/", headers=_basic("sha", USERS["sha"]))
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            assert r.status == 200 and b"cadv.js" in r.read()
        with pytest.raises(OSError):  # plain HTTP gets no answer
            urllib.request.urlopen(base.replace("https", "http") + "/healthz", timeout=10)
    finally:
        p.terminate()
        assert p.wait(timeout=20) == 0, p.stderr.read()
