"""The sandbox CA and its leaf certificates, checked with real TLS stacks.

certtool (test/tools/certtool.c) runs airlock's own certificate code; openssl, Python's
ssl, curl (OpenSSL), git (libcurl with GnuTLS) and node judge what it made. The key
checks: leaves verify under -x509_strict / VERIFY_X509_STRICT for allowed hosts, and a
leaf the CA signed for a host outside its name constraints is refused.
"""
import datetime
import os
import pathlib
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from conftest import TOP, TOOLS, free_port, run

ALLOW = ["api.example.test", "*.example.org", "127.0.0.1"]


@pytest.fixture(scope="session")
def certtool(tmp_path_factory):
    """out/test/tools/certtool, (re)built from the tree with the project's make rules,
    then copied aside so that a rebuild of out/ during the run cannot swap it midway."""
    out = TOP / "out"
    r = run(["make", "-s", "-f", str(TOP / "airlock.mk"), f"TOP={TOP}", f"OUT={out}",
             f"DEPS={out / 'deps'}", str(TOOLS / "certtool")], timeout=300)
    assert r.returncode == 0, r.stderr
    copy = tmp_path_factory.mktemp("certtool") / "certtool"
    shutil.copy2(TOOLS / "certtool", copy)
    return str(copy)


def mint(certtool, tmp_path, allow, hosts, now=None):
    """Runs certtool mint; returns the output folder."""
    args = [certtool, "mint", str(tmp_path)]
    if now is not None:
        args += ["--now", str(now)]
    r = run(args + list(allow) + ["--"] + list(hosts), timeout=30)
    assert r.returncode == 0, r.stderr
    return tmp_path


def openssl_verify(d, host):
    return run(["openssl", "verify", "-x509_strict", "-purpose", "sslserver",
                "-CAfile", str(d / "ca.pem"), str(d / f"{host}.pem")], timeout=30)


def x509_text(path):
    r = run(["openssl", "x509", "-noout", "-text", "-in", str(path)], timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def x509_dates(path):
    r = run(["openssl", "x509", "-noout", "-startdate", "-enddate", "-in", str(path)],
            timeout=30)
    assert r.returncode == 0, r.stderr
    fields = dict(line.split("=", 1) for line in r.stdout.splitlines())
    parse = lambda s: datetime.datetime.strptime(s, "%b %d %H:%M:%S %Y GMT").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    return parse(fields["notBefore"]), parse(fields["notAfter"])


# --- openssl -------------------------------------------------------------------------------

def test_openssl_strict_accepts_allowed_leaves(certtool, tmp_path):
    hosts = ["api.example.test", "a.example.org", "deep.b.example.org", "127.0.0.1"]
    d = mint(certtool, tmp_path, ALLOW, hosts)
    assert run(["openssl", "verify", "-x509_strict", "-CAfile", str(d / "ca.pem"),
                str(d / "ca.pem")], timeout=30).returncode == 0
    for h in hosts:
        r = openssl_verify(d, h)
        assert r.returncode == 0 and ": OK" in r.stdout, (h, r.stdout, r.stderr)


@pytest.mark.parametrize("host,why", [
    ("example.org", "permitted subtree violation"),     # *.x covers subdomains only
    ("evil.test", "permitted subtree violation"),
    ("api.example.test.evil", "permitted subtree violation"),
    ("10.0.0.1", "permitted subtree violation"),
    ("::1", "permitted subtree violation"),
])
def test_openssl_refuses_leaves_outside_constraints(certtool, tmp_path, host, why):
    d = mint(certtool, tmp_path, ALLOW, [host])
    r = openssl_verify(d, host)
    assert r.returncode != 0
    assert why in r.stdout + r.stderr


def test_openssl_dns_only_policy_excludes_every_ip(certtool, tmp_path):
    d = mint(certtool, tmp_path, ["a.test"], ["a.test", "10.0.0.1", "::1"])
    text = x509_text(d / "ca.pem")
    assert "IP:0.0.0.0/0.0.0.0" in text and "Excluded:" in text
    assert openssl_verify(d, "a.test").returncode == 0
    for h in ["10.0.0.1", "::1"]:
        r = openssl_verify(d, h)
        assert r.returncode != 0 and "excluded subtree violation" in r.stdout + r.stderr


def test_openssl_ip_only_policy_excludes_every_dns_name(certtool, tmp_path):
    d = mint(certtool, tmp_path, ["10.0.0.1", "::1"], ["10.0.0.1", "::1", "a.test", "10.0.0.2"])
    assert openssl_verify(d, "10.0.0.1").returncode == 0
    assert openssl_verify(d, "::1").returncode == 0
    r = openssl_verify(d, "a.test")
    assert r.returncode != 0 and "excluded subtree violation" in r.stdout + r.stderr
    r = openssl_verify(d, "10.0.0.2")
    assert r.returncode != 0 and "permitted subtree violation" in r.stdout + r.stderr


def test_openssl_text_shows_every_extension(certtool, tmp_path):
    d = mint(certtool, tmp_path, ALLOW, ["api.example.test"])
    ca = x509_text(d / "ca.pem")
    for want in ["Version: 3 (0x2)", "Signature Algorithm: ecdsa-with-SHA256",
                 "Issuer: O = airlock, CN = airlock sandbox CA",
                 "Subject: O = airlock, CN = airlock sandbox CA", "ASN1 OID: prime256v1",
                 "X509v3 Basic Constraints: critical", "CA:TRUE, pathlen:0",
                 "X509v3 Key Usage: critical", "Certificate Sign, CRL Sign",
                 "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier",
                 "X509v3 Name Constraints: critical", "DNS:api.example.test",
                 "DNS:.example.org", "IP:127.0.0.1/255.255.255.255"]:
        assert want in ca, want
    leaf = x509_text(d / "api.example.test.pem")
    for want in ["Version: 3 (0x2)", "Issuer: O = airlock, CN = airlock sandbox CA",
                 "Subject: CN = api.example.test", "X509v3 Basic Constraints: critical",
                 "CA:FALSE", "X509v3 Key Usage: critical", "Digital Signature",
                 "X509v3 Extended Key Usage", "TLS Web Server Authentication",
                 "X509v3 Subject Alternative Name", "DNS:api.example.test",
                 "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier"]:
        assert want in leaf, want
    # The leaf's AKI is the CA's SKI.
    ski = ca.split("X509v3 Subject Key Identifier:")[1].split()[0]
    aki = leaf.split("X509v3 Authority Key Identifier:")[1].split()[0]
    assert aki.replace("keyid:", "") == ski
    # Serials: positive, up to 128 bits, different each time.
    serials = set()
    for p in ["ca.pem", "api.example.test.pem"]:
        r = run(["openssl", "x509", "-noout", "-serial", "-in", str(d / p)], timeout=30)
        serial = int(r.stdout.strip().split("=")[1], 16)
        assert 0 < serial < 2 ** 128
        serials.add(serial)
    assert len(serials) == 2


def test_validity_periods(certtool, tmp_path):
    d = mint(certtool, tmp_path, ALLOW, ["api.example.test"])
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    ca_from, ca_to = x509_dates(d / "ca.pem")
    leaf_from, leaf_to = x509_dates(d / "api.example.test.pem")
    assert abs(ca_from - (now - 3600)) < 120 and abs(leaf_from - (now - 3600)) < 120
    assert abs(ca_to - (now + 7 * 86400)) < 120
    assert abs(leaf_to - (now + 3 * 86400)) < 120 and leaf_to < ca_to


def test_long_host_has_no_cn_and_critical_san(certtool, tmp_path):
    host = "a" * 60 + ".x.example.org"
    d = mint(certtool, tmp_path, ALLOW, [host])
    text = x509_text(d / f"{host}.pem")
    assert "Subject: \n" in text or "Subject:\n" in text
    assert "X509v3 Subject Alternative Name: critical" in text
    assert openssl_verify(d, host).returncode == 0


def test_times_after_2049_are_generalized(certtool, tmp_path):
    later = 2556144000  # 2051-01-01
    d = mint(certtool, tmp_path, ALLOW, ["api.example.test"], now=later)
    r = run(["openssl", "asn1parse", "-in", str(d / "api.example.test.pem")], timeout=30)
    assert r.stdout.count("GENERALIZEDTIME") == 2 and "UTCTIME" not in r.stdout
    assert ":20501231230000Z" in r.stdout          # notBefore = now - 1 h
    assert ":20510104000000Z" in r.stdout          # notAfter = now + 3 days
    (tmp_path / "2027").mkdir()
    d2 = mint(certtool, tmp_path / "2027", ALLOW, ["api.example.test"], now=1800000000)
    r = run(["openssl", "asn1parse", "-in", str(d2 / "api.example.test.pem")], timeout=30)
    assert r.stdout.count("UTCTIME") == 2 and "GENERALIZEDTIME" not in r.stdout


# --- live TLS: Python's ssl, curl, git (GnuTLS), node ----------------------------------------

class TlsServer:
    """A TLS server on 127.0.0.1 with a minted leaf; answers each request with 200 "ok"."""

    def __init__(self, d, host):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(d / f"{host}.chain.pem"), str(d / "key.pem"))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            c.settimeout(5)
            try:
                with self.ctx.wrap_socket(c, server_side=True) as s:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                              b"Connection: close\r\n\r\nok")
            except (ssl.SSLError, OSError):
                pass  # the client refused our certificate: that is what some tests want
            finally:
                c.close()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def tls_server():
    servers = []

    def start(d, host):
        s = TlsServer(d, host)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


def python_get(d, port, host):
    ctx = ssl.create_default_context(cafile=str(d / "ca.pem"))
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            return s.recv(100)


def test_python_strict_accepts_allowed_host(certtool, tmp_path, tls_server):
    d = mint(certtool, tmp_path, ALLOW, ["api.example.test", "a.example.org", "127.0.0.1"])
    for host in ["api.example.test", "a.example.org", "127.0.0.1"]:
        srv = tls_server(d, host)
        assert python_get(d, srv.port, host).endswith(b"ok")


def test_python_refuses_leaf_outside_constraints(certtool, tmp_path, tls_server):
    d = mint(certtool, tmp_path, ALLOW, ["evil.test", "example.org", "127.0.0.2"])
    for host in ["evil.test", "example.org", "127.0.0.2"]:
        srv = tls_server(d, host)
        with pytest.raises(ssl.SSLCertVerificationError, match="permitted subtree violation"):
            python_get(d, srv.port, host)


def test_python_refuses_other_host_name(certtool, tmp_path, tls_server):
    d = mint(certtool, tmp_path, ALLOW, ["api.example.test"])
    srv = tls_server(d, "api.example.test")
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch|match"):
        python_get(d, srv.port, "b.example.org")


def curl(d, port, host):
    return run(["curl", "-sS", "--max-time", "10", "--cacert", str(d / "ca.pem"),
                "--resolve", f"{host}:{port}:127.0.0.1", f"https://{host}:{port}/"],
               timeout=30)


def test_curl_accepts_allowed_and_refuses_outside(certtool, tmp_path, tls_server):
    d = mint(certtool, tmp_path, ALLOW, ["a.example.org", "evil.test"])
    srv = tls_server(d, "a.example.org")
    r = curl(d, srv.port, "a.example.org")
    assert r.returncode == 0 and r.stdout == "ok", r.stderr
    srv = tls_server(d, "evil.test")
    r = curl(d, srv.port, "evil.test")
    assert r.returncode == 60, r.stderr  # CURLE_PEER_FAILED_VERIFICATION
    assert "permitted subtree violation" in r.stderr


def git_remote(d, port, host, home):
    env = dict(os.environ, HOME=str(home), GIT_SSL_CAINFO=str(d / "ca.pem"),
               GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1")
    return run(["git", "-c", f"http.curloptResolve={host}:{port}:127.0.0.1", "ls-remote",
                f"https://{host}:{port}/repo.git"], timeout=30, env=env)


@pytest.mark.parametrize("allow,good,bad", [
    (ALLOW, "a.example.org", "example.org"),  # the leading-dot form for *.x
    (["a.test"], "a.test", "127.0.0.1"),       # no IP allowed: 0.0.0.0/0 excluded
    (["127.0.0.1"], "127.0.0.1", "a.test"),    # no DNS allowed: "" excluded
])
def test_git_gnutls_honours_constraints(certtool, tmp_path, tls_server, allow, good, bad):
    """git's libcurl uses GnuTLS here: a second, independent check of the constraints."""
    d = mint(certtool, tmp_path, allow, [good, bad])
    srv = tls_server(d, good)
    r = git_remote(d, srv.port, good, tmp_path)
    # TLS passed: git then complains about our non-git answer, not about certificates.
    assert "certificate" not in r.stderr.lower() and "verif" not in r.stderr.lower(), r.stderr
    srv = tls_server(d, bad)
    r = git_remote(d, srv.port, bad, tmp_path)
    assert r.returncode != 0 and "certificate verification failed" in r.stderr, r.stderr


NODE_GET = r"""
const https = require('https');
const [host, port] = [process.argv[1], Number(process.argv[2])];
const req = https.get({host: '127.0.0.1', servername: host, port, path: '/',
                       headers: {Host: host}, timeout: 5000}, (res) => {
  let body = ''; res.on('data', (c) => body += c); res.on('end', () => console.log('BODY ' + body));
});
req.on('error', (e) => { console.log('ERROR ' + e.code + ' ' + e.message); process.exit(3); });
"""


def test_node_with_extra_ca_certs(certtool, tmp_path, tls_server):
    d = mint(certtool, tmp_path, ALLOW, ["api.example.test", "evil.test"])
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=str(d / "ca.pem"))
    srv = tls_server(d, "api.example.test")
    r = run(["node", "-e", NODE_GET, "api.example.test", str(srv.port)], timeout=30, env=env)
    assert r.returncode == 0 and "BODY ok" in r.stdout, r.stdout + r.stderr
    srv = tls_server(d, "evil.test")
    r = run(["node", "-e", NODE_GET, "evil.test", str(srv.port)], timeout=30, env=env)
    assert r.returncode == 3 and "PERMITTED_SUBTREE" in r.stdout.upper().replace(" ", "_"), \
        r.stdout + r.stderr


# --- the trust store ---------------------------------------------------------------------------

def test_trust_loads_system_bundle(certtool):
    env = {k: v for k, v in os.environ.items() if k != "SSL_CERT_FILE"}
    r = run([certtool, "trust", "--system"], timeout=30, env=env)
    assert r.returncode == 0, r.stderr
    count = int(r.stdout.split()[1])
    expected = pathlib.Path("/etc/ssl/certs/ca-certificates.crt").read_text().count(
        "BEGIN CERTIFICATE")
    unusable = int(r.stdout.split()[3])
    assert count + unusable == expected and count > 50


def test_trust_honours_ssl_cert_file_and_extra_files(certtool, tmp_path):
    d = mint(certtool, tmp_path, ALLOW, [])
    env = dict(os.environ, SSL_CERT_FILE=str(d / "ca.pem"))
    r = run([certtool, "trust", "--system", str(d / "ca.pem")], timeout=30, env=env)
    assert r.returncode == 0 and r.stdout.strip() == "anchors 2 unusable 0", r.stderr
    env["SSL_CERT_FILE"] = str(tmp_path / "nope.pem")
    r = run([certtool, "trust", "--system"], timeout=30, env=env)
    assert r.returncode == 1 and "nope.pem" in r.stderr and "SSL_CERT_FILE" in r.stderr


def test_trust_bad_files_name_file_and_entry(certtool, tmp_path):
    d = mint(certtool, tmp_path, ALLOW, ["api.example.test"])
    good = (d / "ca.pem").read_text()
    lines = (d / "api.example.test.pem").read_text().splitlines(keepends=True)
    bad_b64 = good + "".join(lines[:2]) + "!!!!\n" + "".join(lines[2:])
    (tmp_path / "bad64.pem").write_text(bad_b64)
    r = run([certtool, "trust", str(tmp_path / "bad64.pem")], timeout=30)
    assert r.returncode == 1 and "bad64.pem" in r.stderr and "entry 2" in r.stderr, r.stderr
    (tmp_path / "garbage.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n")
    r = run([certtool, "trust", str(tmp_path / "garbage.pem")], timeout=30)
    assert r.returncode == 1 and "garbage.pem: entry 1" in r.stderr
    assert "not a valid X.509 certificate" in r.stderr
    (tmp_path / "key.pem").write_text((d / "key.pem").read_text())
    r = run([certtool, "trust", str(tmp_path / "key.pem")], timeout=30)
    assert r.returncode == 1 and "no certificate" in r.stderr
    # Random bytes never crash it.
    (tmp_path / "random.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\n" +
                                          os.urandom(3000) + b"\n-----END CERTIFICATE-----\n")
    r = run([certtool, "trust", str(tmp_path / "random.pem")], timeout=30)
    assert r.returncode == 1 and "random.pem" in r.stderr


# --- the CA airlock makes for a real policy -----------------------------------------------------

def test_sandbox_ca_constrained_to_policy_allow_hosts(airlock, root, tmp_path):
    """End to end: the policy loader's rules -> ca_names_from_policy -> the CA a sandbox
    sees in /run/airlock/ca.pem. Passthrough hosts get no constraint (no leaf is ever
    minted for them)."""
    os.chmod(tmp_path, 0o755)
    policy = tmp_path / "policy.ini"
    policy.write_text(
        "[sandbox]\nuser = 65534:65534\n\n"
        "[filesystem]\nread_only = /usr /lib /lib64 /bin /etc\n\n"
        "[network]\n"
        "allow = api.example.test\n"
        "allow = *.example.org:443\n"
        "allow = 10.1.2.3:8443\n"
        "allow = [::1]:8443\n"
        "passthrough = *.googleapis.com:443\n")
    r = run([airlock, "sandbox-exec", "--policy", str(policy), "--", "/bin/cat",
             "/run/airlock/ca.pem"], timeout=60)
    assert r.returncode == 0, r.stderr
    (tmp_path / "ca.pem").write_text(r.stdout)
    r = run(["openssl", "x509", "-noout", "-ext", "nameConstraints", "-in",
             str(tmp_path / "ca.pem")], timeout=30)
    assert r.returncode == 0, r.stderr
    lines = [line.strip() for line in r.stdout.splitlines()]
    assert lines[0] == "X509v3 Name Constraints: critical"
    assert lines[1:] == ["Permitted:", "DNS:api.example.test", "DNS:.example.org",
                         "IP:10.1.2.3/255.255.255.255",
                         "IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF"], lines
    assert run(["openssl", "verify", "-x509_strict", "-CAfile", str(tmp_path / "ca.pem"),
                str(tmp_path / "ca.pem")], timeout=30).returncode == 0
