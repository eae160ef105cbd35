"""TLS termination and secret injection (spec section 4), seen by real clients INSIDE
`airlock sandbox-exec`: curl, Python urllib and requests, git, node and openssl talk
HTTPS through the proxy on 127.0.0.1:3128 to origins on the host's 127.0.0.1 that the
supervisor reaches through `map` and verifies against the test root CA (`trust`).

The supervisor holds the real token (its environment); inside, the variable holds the
placeholder. Each secret test checks both sides: the origin recorded the real value
exactly where the placeholder was, and nothing the sandbox saw (its output, the
answers, which show injected values as <REAL:NAME>), nor the audit or the supervisor's
log, contains the real value. Refusals are checked on the origin too: it received
nothing. Helpers (test PKI, recording servers, SSE, WebSocket, git) are in tlsservers.py.
"""
import base64
import json
import os
import secrets as pysecrets
import ssl
import subprocess
import tempfile
import textwrap
import urllib.parse

import pytest

from conftest import AIRLOCK, TOP, free_port as socket_free_port
from tlsservers import PKI, TLSServer, big_sha, servers, write_big

PY = "/usr/bin/python3"
PH = "openshell:resolve:env:"
HERE = str(TOP / "test" / "integration")
# Unreserved characters only, so the percent-encoded and plain forms are the same.
TOKEN = "tok_" + pysecrets.token_hex(16)
GIT_TOKEN = "ghp_" + pysecrets.token_hex(18)
PLAIN_TOKEN = "plain_" + pysecrets.token_hex(12)
FILE_TOKEN = "file_" + pysecrets.token_hex(12)
REALS = (TOKEN, GIT_TOKEN, PLAIN_TOKEN, FILE_TOKEN)
MASKS = {TOKEN: "TOKEN", GIT_TOKEN: "GH_TOKEN", PLAIN_TOKEN: "PLAIN", FILE_TOKEN: "FILETOK"}
PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


@pytest.fixture(scope="module")
def pki():
    """One test PKI for the module (openssl is slow enough to share it)."""
    d = tempfile.mkdtemp(prefix="airlock-pki-")
    try:
        yield PKI(d)
    finally:
        subprocess.run(["rm", "-rf", d], timeout=30)


@pytest.fixture
def box(root):
    """A world-readable scratch folder: the sandbox user (65534) reads policies and
    files from it."""
    d = tempfile.mkdtemp(prefix="airlock-mitm-")
    os.chmod(d, 0o755)
    try:
        yield d
    finally:
        subprocess.run(["rm", "-rf", d], timeout=30)


def clean_env(**extra):
    """The test's environment without proxy settings, plus the supervisor's secrets."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS}
    env.update(TOKEN=TOKEN, GH_TOKEN=GIT_TOKEN, PLAIN=PLAIN_TOKEN)
    env.pop("FILETOK", None)
    env.update(extra)
    return env


def write_policy(box, hosts, secrets="", trust=True):
    """A policy: hosts maps an `allow` item (host or host:port) to the 127.0.0.1 port
    it is mapped to; secrets is the [secret ...] sections' text; trust: name the test
    root CA (use_pki) in `trust`."""
    net = []
    for item, port in hosts.items():
        net.append("allow = " + item)
        net.append("map = %s 127.0.0.1:%d" % (item.split(":")[0], port))
    if trust:
        net.append("trust = " + box_ca(box))
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {box} {HERE}
            read_write = /tmp
            [network]
            """) + "\n".join(net) + "\n" + textwrap.dedent(secrets))
    return path


def box_ca(box):
    return os.path.join(box, "root-ca.pem")


def use_pki(box, pki):
    """Copies the test root CA into box (the policy's `trust`)."""
    with open(pki.root["crt"]) as f, open(box_ca(box), "w") as g:
        g.write(f.read())
    os.chmod(box_ca(box), 0o644)


TOKEN_SECTION = """\
[secret TOKEN]
hosts = api.example.test
"""


def sandbox(box, pol, script, env=None, timeout=120, verbose=False):
    """Runs `sh -c script` in the sandbox with an audit file; returns (result, audit)."""
    audit = os.path.join(box, "audit.jsonl")
    if os.path.exists(audit):
        os.unlink(audit)
    args = [AIRLOCK, "sandbox-exec", "--policy", pol, "--audit", audit]
    if verbose:
        args.append("-v")
    args += ["--", "/bin/sh", "-c", script]
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       env=env if env is not None else clean_env())
    lines = []
    if os.path.exists(audit):
        with open(audit) as f:
            raw = f.read()
        assert not any(v in raw for v in REALS), "a real secret value is in the audit"
        lines = [json.loads(line) for line in raw.splitlines()]
    return r, lines


def assert_no_real(*texts):
    """No real secret value in any of texts (sandbox output, logs, answers)."""
    for t in texts:
        for v in REALS:
            assert v not in t, "a real secret value leaked: %r" % t[:2000]


def answers(stdout):
    """The JSON objects the /echo endpoint returned, one per line of stdout."""
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def header(answer, name):
    return [v for k, v in answer["headers"] if k.lower() == name.lower()]


def api_server(pki, **kw):
    crt, key = pki.leaf("api.example.test")
    return TLSServer(crt, key, secrets=MASKS, **kw)


# --- secrets ------------------------------------------------------------------------------

def test_curl_secret_injected_in_target_and_headers(box, pki):
    """curl GET/POST with the placeholder in the query, percent-encoded in the path, as
    a whole header value, after Bearer and token, and inside Basic credentials: the
    origin gets the real token in each place; the sandbox, the audit and the verbose
    supervisor log never see it."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        enc = PH.replace(":", "%3A") + "TOKEN"
        script = f"""
            set -e
            u=https://api.example.test
            curl -sS -m 20 "$u/echo?key=$TOKEN&x=1"; echo
            curl -sS -m 20 "$u/enc/{enc}/x"; echo
            curl -sS -m 20 -H "X-Api-Key: $TOKEN" "$u/echo"; echo
            curl -sS -m 20 -H "Authorization: Bearer $TOKEN" "$u/echo"; echo
            curl -sS -m 20 -H "Authorization: token $TOKEN" "$u/echo"; echo
            curl -sS -m 20 -u "someone:$TOKEN" "$u/echo"; echo
            curl -sS -m 20 -H "Authorization: Bearer $TOKEN" -d 'hello=world' "$u/post"; echo
            curl -sS -m 20 --http2 -H "Authorization: Bearer $TOKEN" "$u/h2"; echo
            echo "inside=$TOKEN"
            cat /proc/self/environ | tr '\\0' '\\n' | grep '^TOKEN='
            """
        r, audit = sandbox(box, pol, script, verbose=True)
        assert r.returncode == 0, r.stderr
        got = answers(r.stdout)
        assert len(got) == 8, r.stdout
        # What the sandbox sees: the placeholder went in, the origin saw the real value.
        assert got[0]["path"] == "/echo?key=<REAL:TOKEN>&x=1"
        assert got[1]["unquoted_path"] == "/enc/<REAL:TOKEN>/x"
        assert header(got[2], "X-Api-Key") == ["<REAL:TOKEN>"]
        assert header(got[3], "Authorization") == ["Bearer <REAL:TOKEN>"]
        assert header(got[4], "Authorization") == ["token <REAL:TOKEN>"]
        assert header(got[5], "Authorization") == ["Basic someone:<REAL:TOKEN>"]
        assert got[6]["method"] == "POST" and got[6]["body"] == "hello=world"
        # curl asking for h2 gets http/1.1 (the only ALPN airlock offers) and works.
        assert header(got[7], "Authorization") == ["Bearer <REAL:TOKEN>"]
        assert "inside=" + PH + "TOKEN\n" in r.stdout
        assert "TOKEN=" + PH + "TOKEN\n" in r.stdout
        # What the origin received: the raw real value, never the placeholder.
        seen = api.requests
        assert len(seen) == 8
        assert seen[0]["path"] == f"/echo?key={TOKEN}&x=1"
        assert TOKEN in seen[1]["path"]
        assert ("X-Api-Key", TOKEN) in seen[2]["headers"]
        assert ("Authorization", "Bearer " + TOKEN) in seen[3]["headers"]
        assert ("Authorization", "token " + TOKEN) in seen[4]["headers"]
        basic = base64.b64encode(f"someone:{TOKEN}".encode()).decode()
        assert ("Authorization", "Basic " + basic) in seen[5]["headers"]
        assert PH not in api.raw_requests()
        assert_no_real(r.stdout, r.stderr)
        reqs = [a for a in audit if a["event"] == "request"]
        assert len(reqs) == 8
        assert all(a["secrets"] == ["TOKEN"] and a["status"] == 200 and
                   a["host"] == "api.example.test" and a["port"] == 443 for a in reqs)
        # The audit shows the target as the client sent it (placeholders, not values).
        assert reqs[0]["path"] == "/echo?key=" + PH + "TOKEN&x=1"
        assert reqs[6]["method"] == "POST"


def test_injected_value_is_percent_encoded_in_the_target(box, pki):
    """A value with URL-reserved characters, put in place of a placeholder in the path
    or the query, is percent-encoded: it cannot add query parameters or path
    segments. In a header it goes in as it is."""
    use_pki(box, pki)
    odd = "a&b=c d/e?f#g%+x" + TOKEN
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        script = """
            curl -sS -m 20 -o /dev/null "https://api.example.test/q?k=$TOKEN&z=1"
            curl -sS -m 20 -o /dev/null "https://api.example.test/p/$TOKEN/x"
            curl -sS -m 20 -o /dev/null -H "X-Key: $TOKEN" https://api.example.test/h
            """
        r, _ = sandbox(box, pol, script, env=clean_env(TOKEN=odd))
        assert r.returncode == 0, r.stderr
        q, p, h = api.requests
        url = urllib.parse.urlsplit(q["path"])
        assert urllib.parse.parse_qs(url.query) == {"k": [odd], "z": ["1"]}
        segs = urllib.parse.urlsplit(p["path"]).path.split("/")
        assert len(segs) == 4 and urllib.parse.unquote(segs[2]) == odd
        assert ("X-Key", odd) in h["headers"]
        assert odd not in r.stdout + r.stderr
        with open(os.path.join(box, "audit.jsonl")) as f:
            assert odd not in f.read()


def test_origin_ending_connections(box, pki):
    """Answers that end the origin's connection (Connection: close, a body delimited by
    EOF, a 401 to Expect: 100-continue before the body) reach the client whole, and
    the next request still works."""
    use_pki(box, pki)
    body = os.path.join(box, "body.bin")
    write_big(body, 3 << 20)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port})
        script = f"""
            u=https://api.example.test
            curl -sS -m 20 -w "%{{http_code}}\n" "$u/close" "$u/after-close" | grep -v '^{{'
            curl -sS -m 20 "$u/eof-body" | wc -c
            curl -sS -m 20 --expect100-timeout 60 -H 'Expect: 100-continue' -w "%{{http_code}}\n" \
                --data-binary @{body} "$u/reject" "$u/after-reject" | grep -v '^{{'
            """
        r, audit = sandbox(box, pol, script)
        assert r.stdout.split() == ["closing", "200", "200", "15000", "no", "401", "200"], \
            r.stdout + r.stderr
        assert [q["path"] for q in api.requests] == [
            "/close", "/after-close", "/eof-body", "/reject", "/after-reject"]
        assert [a["status"] for a in audit if a["event"] == "request"] == [200, 200, 200, 401, 200]


def test_placeholder_refused_for_unbound_host_and_unknown_secret(box, pki):
    """A placeholder going to an allowed host the secret is not bound to, or naming a
    secret the policy does not define, is a 403 that says why, and neither origin
    receives anything."""
    use_pki(box, pki)
    crt, key = pki.leaf("other.example.test")
    with api_server(pki) as api, TLSServer(crt, key, secrets=MASKS) as other:
        pol = write_policy(box, {"api.example.test": api.port,
                                 "other.example.test": other.port}, TOKEN_SECTION)
        script = """
            curl -sS -m 20 -i --suppress-connect-headers -H "Authorization: Bearer $TOKEN" https://other.example.test/echo
            echo "--"
            curl -sS -m 20 -i --suppress-connect-headers "https://other.example.test/echo?k=$TOKEN"
            echo "--"
            curl -sS -m 20 -i --suppress-connect-headers -H "X-Key: openshell:resolve:env:NOPE" https://api.example.test/echo
            echo "--"
            curl -sS -m 20 https://other.example.test/echo
            """
        r, audit = sandbox(box, pol, script)
        parts = r.stdout.split("--\n")
        assert len(parts) == 4, r.stdout
        for p in parts[:2]:
            assert p.startswith("HTTP/1.1 403"), r.stdout
            assert "TOKEN" in p and "api.example.test" in p and "other.example.test" in p
            assert "hosts" in p  # the policy line that would allow it
        assert parts[2].startswith("HTTP/1.1 403")
        assert "NOPE" in parts[2] and "not defined" in parts[2]
        # Without a placeholder the other host is fine: the refusals were the secrets.
        assert answers(parts[3])[0]["path"] == "/echo"
        assert [q["path"] for q in other.requests] == ["/echo"]
        assert api.requests == []
        assert_no_real(r.stdout, r.stderr)
        denies = [a for a in audit if a["decision"] == "deny"]
        assert len(denies) == 3, audit
        assert all(a["status"] == 403 and a["secrets"] == [] for a in denies)


def test_plain_http_injection_needs_plaintext_yes(box, pki):
    """Over plain http:// a secret is injected only when its section says
    plaintext = yes; otherwise the request is refused and never forwarded."""
    use_pki(box, pki)
    with TLSServer(None, None, secrets=MASKS, tls=False) as plain:
        pol = write_policy(box, {"plain.example.test:80": plain.port}, """\
            [secret TOKEN]
            hosts = plain.example.test
            [secret PLAIN]
            hosts = plain.example.test
            plaintext = yes
            """)
        script = """
            curl -sS -m 20 -i --suppress-connect-headers -H "Authorization: Bearer $TOKEN" http://plain.example.test/echo
            echo "--"
            curl -sS -m 20 -H "Authorization: Bearer $PLAIN" http://plain.example.test/echo
            """
        r, audit = sandbox(box, pol, script)
        refused, ok = r.stdout.split("--\n")
        assert refused.startswith("HTTP/1.1 403"), r.stdout
        assert "plaintext = yes" in refused and "TOKEN" in refused
        assert header(answers(ok)[0], "Authorization") == ["Bearer <REAL:PLAIN>"]
        assert len(plain.requests) == 1
        assert ("Authorization", "Bearer " + PLAIN_TOKEN) in plain.requests[0]["headers"]
        assert_no_real(r.stdout, r.stderr)
        assert [a["secrets"] for a in audit if a["event"] == "request" and
                a["status"] == 200] == [["PLAIN"]]


def test_secret_value_from_file(box, pki):
    """Without the variable in the supervisor's environment the value comes from the
    secret's file, which the sandbox sees with the placeholder as its content."""
    use_pki(box, pki)
    tokfile = os.path.join(box, "filetok")
    with open(tokfile, "w") as f:
        f.write(FILE_TOKEN + "\n")
    os.chmod(tokfile, 0o644)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, f"""\
            [secret FILETOK]
            hosts = api.example.test
            file = {tokfile}
            """)
        script = f"""
            echo "file=$(cat {tokfile})"
            curl -sS -m 20 -H "Authorization: Bearer {PH}FILETOK" https://api.example.test/echo
            """
        r, audit = sandbox(box, pol, script)
        assert f"file={PH}FILETOK\n" in r.stdout, r.stderr
        assert header(answers(r.stdout)[0], "Authorization") == ["Bearer <REAL:FILETOK>"]
        assert ("Authorization", "Bearer " + FILE_TOKEN) in api.requests[0]["headers"]
        assert_no_real(r.stdout, r.stderr)
        assert [a["secrets"] for a in audit if a["event"] == "request"] == [["FILETOK"]]


# --- the terminated connection ------------------------------------------------------------

def test_host_header_must_name_the_connect_host(box, pki):
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        script = """
            curl -sS -m 20 -i --suppress-connect-headers -H "Host: other.example.test" https://api.example.test/echo
            echo "--"
            curl -sS -m 20 -H "Host: api.example.test:443" https://api.example.test/echo
            """
        r, audit = sandbox(box, pol, script)
        bad, good = r.stdout.split("--\n")
        assert bad.startswith("HTTP/1.1 403"), r.stdout
        assert "other.example.test" in bad and "CONNECT api.example.test:443" in bad
        assert answers(good)[0]["method"] == "GET"
        assert len(api.requests) == 1
        assert any(a["status"] == 403 and a["decision"] == "deny" for a in audit)


def test_keepalive_requests_in_one_connection_each_checked(box, pki):
    """Several requests on one terminated connection (Python http.client through a
    CONNECT tunnel): each gets its secrets injected, and a later request naming another
    Host is still refused."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        py = textwrap.dedent("""\
            import http.client, os, ssl
            tok = os.environ['TOKEN']
            ctx = ssl.create_default_context()  # SSL_CERT_FILE: airlock's bundle
            c = http.client.HTTPSConnection('127.0.0.1', 3128, context=ctx, timeout=20)
            c.set_tunnel('api.example.test', 443)
            for path, hdrs in (('/one', {'Authorization': 'Bearer ' + tok}),
                               ('/two?k=' + tok, {}),
                               ('/three', {'X-Key': tok}),
                               ('/four', {'Host': 'other.example.test', 'X-Key': tok})):
                c.request('GET', path, headers=hdrs)
                r = c.getresponse()
                print(r.status, r.read().decode().strip())
            """)
        r, audit = sandbox(box, pol, f'{PY} -c "$PYCODE"', env=clean_env(PYCODE=py))
        lines = r.stdout.splitlines()
        assert len(lines) == 4, r.stdout + r.stderr
        assert lines[0].startswith("200 ") and "Bearer <REAL:TOKEN>" in lines[0]
        assert lines[1].startswith("200 ") and "/two?k=<REAL:TOKEN>" in lines[1]
        assert lines[2].startswith("200 ") and "<REAL:TOKEN>" in lines[2]
        assert lines[3].startswith("403 ") and "other.example.test" in lines[3]
        assert [q["path"].split("?")[0] for q in api.requests] == ["/one", "/two", "/three"]
        assert all(TOKEN in str(q) for q in api.requests)
        assert_no_real(r.stdout, r.stderr)
        # One CONNECT carried them all: a single client connection in the audit.
        reqs = [a for a in audit if a["event"] == "request"]
        assert [a["secrets"] for a in reqs] == [["TOKEN"]] * 3


def test_parallel_clients(box, pki):
    """Twenty concurrent curl processes, each with its own path and the placeholder:
    every answer matches its request and carries the injected token."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        script = """
            for i in $(seq 20); do
                curl -sS -m 30 -H "Authorization: Bearer $TOKEN" \
                    "https://api.example.test/p$i" >/tmp/par-$$-$i &
            done
            wait
            for i in $(seq 20); do cat /tmp/par-$$-$i; rm -f /tmp/par-$$-$i; done
            """
        r, audit = sandbox(box, pol, script)
        got = answers(r.stdout)
        assert sorted(a["path"] for a in got) == sorted("/p%d" % i for i in range(1, 21)), \
            r.stdout + r.stderr
        assert all(header(a, "Authorization") == ["Bearer <REAL:TOKEN>"] for a in got)
        assert len(api.requests) == 20
        assert_no_real(r.stdout, r.stderr)
        assert sum(a["event"] == "request" and a["status"] == 200 for a in audit) == 20


BAD_KINDS = {  # kind -> what the 502 body must say
    "expired": "expired",
    "self-signed": "not signed by a trusted",
    "wrong-host": "not for this host name",
    "untrusted": "not signed by a trusted",
    "tls13-only": "TLS 1.2",  # a good certificate, but the server wants TLS 1.3
}


def test_upstream_verification_failures_are_502_with_reason(box, pki):
    """Expired, self-signed, wrong-host and untrusted upstream certificates, and an
    upstream that speaks only TLS 1.3, each get a 502 that names the host and the
    reason, and an audit event; no request reaches those origins, while a good origin
    on the same policy answers."""
    use_pki(box, pki)
    specs, hosts = [], {}
    for kind in BAD_KINDS:
        if kind == "tls13-only":
            crt, key = pki.leaf(kind + ".example.test")
            specs.append({"crt": crt, "key": key, "tls_min": ssl.TLSVersion.TLSv1_3})
        else:
            crt, key = pki.leaf(kind + ".example.test", kind)
            specs.append({"crt": crt, "key": key})
    with api_server(pki) as api, servers(*specs) as bad:
        for kind, srv in zip(BAD_KINDS, bad):
            hosts[kind + ".example.test"] = srv.port
        hosts["api.example.test"] = api.port
        # The token is bound to every host: the 502 is verification, not a refusal,
        # and the token never goes to a host that failed it.
        pol = write_policy(box, hosts, "[secret TOKEN]\nhosts = %s\n" % " ".join(hosts))
        script = "".join(
            f'curl -sS -m 20 -i --suppress-connect-headers -H "Authorization: Bearer $TOKEN" '
            f'https://{kind}.example.test/echo; echo "--"\n' for kind in BAD_KINDS)
        script += "curl -sS -m 20 https://api.example.test/echo\n"
        r, audit = sandbox(box, pol, script)
        parts = r.stdout.split("--\n")
        assert len(parts) == len(BAD_KINDS) + 1, r.stdout + r.stderr
        for kind, part in zip(BAD_KINDS, parts):
            assert part.startswith("HTTP/1.1 502"), (kind, part)
            assert f"{kind}.example.test" in part and BAD_KINDS[kind] in part, (kind, part)
        assert answers(parts[-1])[0]["path"] == "/echo"
        for srv in bad:
            assert srv.requests == []
        for kind in BAD_KINDS:
            ev = [a for a in audit if a["host"] == f"{kind}.example.test" and
                  a["status"] == 502]
            assert ev, (kind, audit)
            assert BAD_KINDS[kind] in ev[0]["reason"]
        assert_no_real(r.stdout, r.stderr)


def test_trust_file_is_what_makes_the_test_ca_valid(box, pki):
    """The same origin without `trust` fails verification (the test CA is not a
    system root): the trust anchors are really checked, not skipped."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, trust=False)
        r, audit = sandbox(box, pol, "curl -sS -m 20 -i --suppress-connect-headers https://api.example.test/echo")
        assert r.stdout.startswith("HTTP/1.1 502"), r.stdout + r.stderr
        assert "not signed by a trusted" in r.stdout
        assert api.requests == []
        assert any(a["status"] == 502 for a in audit)


def test_client_not_trusting_the_ca_fails_and_proxy_keeps_serving(box, pki):
    """curl with another CA, and Python with only the system roots, refuse airlock's
    leaf; the next request on the same supervisor still works."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        other = os.path.join(box, "other-ca.pem")
        with open(pki.other["crt"]) as f, open(other, "w") as g:
            g.write(f.read())
        os.chmod(other, 0o644)
        py = ("import ssl,urllib.request\n"
              "ctx=ssl.create_default_context(cafile='/etc/ssl/certs/ca-certificates.crt')\n"
              "try:\n"
              " urllib.request.urlopen('https://api.example.test/echo',context=ctx,timeout=20)\n"
              " print('python: trusted')\n"
              "except Exception as e: print('python:', type(e.reason).__name__)\n")
        script = f"""
            curl -sS -m 20 --cacert {other} https://api.example.test/echo; echo "curl=$?"
            {PY} -c "$PYCODE"
            curl -sS -m 20 -H "Authorization: Bearer $TOKEN" https://api.example.test/echo
            """
        r, audit = sandbox(box, pol, script, env=clean_env(PYCODE=py))
        assert "curl=60" in r.stdout, r.stdout + r.stderr
        assert "python: SSLCertVerificationError" in r.stdout
        assert header(answers(r.stdout)[0], "Authorization") == ["Bearer <REAL:TOKEN>"]
        assert len(api.requests) == 1
        assert_no_real(r.stdout, r.stderr)
        # Both failed handshakes are in the audit, saying it was the sandbox's client.
        failed = [a for a in audit if a["event"] == "error" and "sandbox client" in a["reason"]]
        assert len(failed) == 2, audit


def test_tls12_only_alpn_http11_and_leaf_for_the_host(box, pki):
    """openssl s_client through the proxy: TLS 1.3 only fails, TLS 1.2 succeeds with
    http/1.1 as the only ALPN, and the leaf verifies against /run/airlock/ca.pem for
    the CONNECT host."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port})
        s = ("openssl s_client -proxy 127.0.0.1:3128 -connect api.example.test:443 "
             "-servername api.example.test -CAfile /run/airlock/ca.pem")
        script = f"""
            {s} -tls1_3 </dev/null >/tmp/t13 2>&1; echo "tls13=$?"
            {s} -tls1_2 -alpn h2,http/1.1 -verify_return_error -verify_hostname api.example.test \\
                </dev/null >/tmp/t12 2>&1; echo "tls12=$?"
            grep -E '^ *(Protocol|ALPN protocol|Verify return code)' /tmp/t12
            {s} -alpn h2 </dev/null 2>&1 | grep -E 'ALPN'
            {s} -showcerts </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName,basicConstraints,extendedKeyUsage
            for i in 1 2; do {s} </dev/null 2>/dev/null | openssl x509 -noout -serial; done
            for sni in other.example.test api.example.test; do
                printf 'GET /sni-%s HTTP/1.1\\r\\nHost: api.example.test\\r\\nConnection: close\\r\\n\\r\\n' $sni |
                openssl s_client -quiet -proxy 127.0.0.1:3128 -connect api.example.test:443 \\
                    -servername $sni 2>/dev/null | head -1 | sed "s/^/$sni: /"
            done
            """
        r, audit = sandbox(box, pol, script)
        out = r.stdout
        assert "tls13=1" in out, out + r.stderr
        assert "tls12=0" in out
        assert "Protocol  : TLSv1.2" in out
        assert "ALPN protocol: http/1.1" in out
        assert "Verify return code: 0 (ok)" in out
        assert "No ALPN negotiated" in out
        assert "DNS:api.example.test" in out and "CA:FALSE" in out
        assert "TLS Web Server Authentication" in out
        # One leaf per host, cached: both connections saw the same serial.
        serials = [l for l in out.splitlines() if l.startswith("serial=")]
        assert len(serials) == 2 and serials[0] == serials[1], out
        # A ClientHello naming another host than CONNECT is refused.
        assert "api.example.test: HTTP/1.1 200 OK" in out
        assert "other.example.test:" not in out
        assert any("SNI mismatch" in a["reason"] for a in audit), audit
        assert [q["path"] for q in api.requests] == ["/sni-api.example.test"]


def test_the_sandbox_side_takes_aes128_first_whatever_the_client_prefers(box, pki):
    """The MITM encrypts every byte of a download once more: its server side picks its
    own suite order (AES-128-GCM before AES-256-GCM), not the client's; a client that
    offers only AES-256-GCM still gets it."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port})
        s = ("openssl s_client -proxy 127.0.0.1:3128 -connect api.example.test:443 "
             "-servername api.example.test -CAfile /run/airlock/ca.pem -tls1_2")
        script = f"""
            {s} -cipher ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256 \
                </dev/null 2>/dev/null | grep -E '^ *Cipher *:' | sed 's/^/both: /'
            {s} -cipher ECDHE-ECDSA-AES256-GCM-SHA384 </dev/null 2>/dev/null |
                grep -E '^ *Cipher *:' | sed 's/^/only256: /'
            """
        r, _ = sandbox(box, pol, script)
        out = r.stdout
        assert "both:     Cipher    : ECDHE-ECDSA-AES128-GCM-SHA256" in out, out + r.stderr
        assert "only256:     Cipher    : ECDHE-ECDSA-AES256-GCM-SHA384" in out, out


# --- streaming ------------------------------------------------------------------------------

def test_sse_streams_as_it_arrives(box, pki):
    """The origin holds its second event until the client calls /release, which the
    clients do only after they received the first one: curl, Python requests and node
    each see `released=yes` only if the first event came through at once."""
    use_pki(box, pki)
    with api_server(pki, hold=15) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        py = textwrap.dedent("""\
            import os, requests
            u = 'https://api.example.test'
            h = {'Authorization': 'Bearer ' + os.environ['TOKEN']}
            with requests.get(u + '/sse', headers=h, stream=True, timeout=30) as r:
                for line in r.iter_lines(chunk_size=1):
                    if line:
                        print('requests:', line.decode(), flush=True)
                    if line == b'data: first':
                        requests.get(u + '/release', timeout=30)
            """)
        js = NODE_CONNECT + textwrap.dedent("""\
            get('api.example.test', '/sse', {}, (res) => {
              res.setEncoding('utf8');
              res.on('data', (d) => {
                for (const l of d.split('\\n')) if (l) console.log('node: ' + l);
                if (d.includes('data: first')) get('api.example.test', '/release', {}, (r) => r.resume());
              });
            });
            """)
        script = """
            curl -sS -N -m 30 -H "Authorization: Bearer $TOKEN" https://api.example.test/sse |
            while IFS= read -r line; do
                echo "curl: $line"
                case "$line" in *first*) curl -sS -m 20 https://api.example.test/release >/dev/null;; esac
            done
            /usr/bin/python3 -c "$PYCODE"
            node -e "$JSCODE"
            """
        r, audit = sandbox(box, pol, script, env=clean_env(PYCODE=py, JSCODE=js))
        for client in ("curl", "requests", "node"):
            assert f"{client}: data: first" in r.stdout, r.stdout + r.stderr
            assert f"{client}: data: second released=yes" in r.stdout, r.stdout + r.stderr
        assert ("Authorization", "Bearer " + TOKEN) in api.requests[0]["headers"]
        assert_no_real(r.stdout, r.stderr)
        sse = [a for a in audit if a["event"] == "request" and a["path"] == "/sse"]
        assert len(sse) == 3 and all(a["status"] == 200 for a in sse)


def test_large_bodies_stream_both_ways(box, pki):
    """50 MiB down and 50 MiB up (Content-Length and chunked) arrive intact."""
    use_pki(box, pki)
    n = 50 << 20
    up = os.path.join(box, "up.bin")
    write_big(up, n)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port})
        script = f"""
            u=https://api.example.test
            curl -sS -m 100 "$u/big?n={n}" | sha256sum
            curl -sS -m 100 -T {up} "$u/upload"
            curl -sS -m 100 -T - "$u/upload" <{up}
            """
        r, audit = sandbox(box, pol, script, timeout=300)
        want = big_sha(n)
        lines = r.stdout.splitlines()
        assert len(lines) == 3, r.stdout + r.stderr
        assert lines[0].split()[0] == want
        for line in lines[1:]:
            assert json.loads(line) == {"len": n, "sha256": want}
        uploads = [q for q in api.requests if q["path"] == "/upload"]
        assert [q["len"] for q in uploads] == [n, n]
        # The second upload really was chunked through the proxy.
        assert ("Transfer-Encoding", "chunked") in uploads[1]["headers"]
        big = [a for a in audit if a["event"] == "request"]
        assert big[0]["bytes_down"] >= n and big[1]["bytes_up"] >= n


def test_client_abort_mid_download_is_audited_and_proxy_keeps_serving(box, pki):
    """A client that hangs up in the middle of a 50 MiB answer: the exchange is audited
    as cut short and the next request on the same supervisor is answered."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port})
        script = """
            curl -sS -m 30 "https://api.example.test/big?n=52428800" | head -c 1000000 | wc -c
            curl -sS -m 20 -o /dev/null -w "%{http_code}\n" https://api.example.test/after
            """
        r, audit = sandbox(box, pol, script)
        assert r.stdout.split() == ["1000000", "200"], r.stdout + r.stderr
        cut = [a for a in audit if a["path"].startswith("/big")]
        assert len(cut) == 1 and cut[0]["event"] == "error", audit
        assert 1000000 <= cut[0]["bytes_down"] < 52428800
        assert [q["path"] for q in api.requests] == ["/big?n=52428800", "/after"]


def test_expect_100_continue(box, pki):
    """curl waits up to 60 s for `100 Continue` before sending its body and gives up
    after 30 s: the body arrives only if the 100 came through the proxy."""
    use_pki(box, pki)
    body = os.path.join(box, "body.bin")
    write_big(body, 300000)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port})
        script = (f"curl -sS -m 30 --expect100-timeout 60 -H 'Expect: 100-continue' "
                  f"--data-binary @{body} https://api.example.test/upload")
        r, _ = sandbox(box, pol, script, timeout=90)
        assert json.loads(r.stdout) == {"len": 300000, "sha256": big_sha(300000)}, r.stderr
        assert api.continues == ["/upload"]


def test_websocket_relayed_after_101(box, pki):
    """A stdlib WebSocket client inside (tlsservers.py ws) upgrades through the
    terminated connection, with the placeholder in its upgrade request, and gets its
    messages echoed, a 70 000-byte one too."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        big = "w" * 70000
        r, audit = sandbox(box, pol, f"{PY} {HERE}/tlsservers.py ws api.example.test /ws "
                                     f"-H \"Authorization: Bearer $TOKEN\" "
                                     f"hello 'second message' {big}")
        assert r.returncode == 0, r.stderr
        assert ("Authorization", "Bearer " + TOKEN) in api.requests[0]["headers"]
        assert_no_real(r.stdout, r.stderr)
        res = json.loads(r.stdout)
        assert res["status"].startswith("HTTP/1.1 101"), res
        assert res["accept_ok"]
        assert res["echoes"] == ["hello", "second message", big]
        assert api.ws_messages[:3] == [b"hello", b"second message", big.encode()]
        assert any(a["path"] == "/ws" and a["status"] == 101 and a["secrets"] == ["TOKEN"]
                   for a in audit), audit


# --- real clients -------------------------------------------------------------------------

NODE_CONNECT = textwrap.dedent("""\
    // Node 20 does not read HTTPS_PROXY by itself: CONNECT through it explicitly;
    // tls.connect trusts NODE_EXTRA_CA_CERTS (airlock's CA).
    const http = require('http'), https = require('https'), tls = require('tls');
    const proxy = new URL(process.env.HTTPS_PROXY);
    function get(host, path, opts, cb, body) {
      const c = http.request({host: proxy.hostname, port: proxy.port, method: 'CONNECT',
                              path: host + ':443', headers: {Host: host + ':443'}});
      c.on('connect', (res, socket) => {
        if (res.statusCode !== 200) { console.log('node: CONNECT ' + res.statusCode); return; }
        const r = https.request({host, port: 443, path, method: opts.method || 'GET',
                                 headers: opts.headers || {},
                                 createConnection: () => tls.connect({socket, servername: host})}, cb);
        r.on('error', (e) => console.log('node: error ' + e.code));
        r.end(body);
      });
      c.on('error', (e) => console.log('node: proxy error ' + e.code));
      c.end();
    }
    """)


def test_python_urllib_requests_and_node(box, pki):
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        py = textwrap.dedent("""\
            import json, os, urllib.request, requests
            u = 'https://api.example.test'
            tok = os.environ['TOKEN']
            req = urllib.request.Request(u + '/urllib', headers={'Authorization': 'Bearer ' + tok})
            print(urllib.request.urlopen(req, timeout=20).read().decode().strip())
            r = requests.post(u + '/requests', params={'key': tok}, json={'a': 1},
                              headers={'X-Api-Key': tok}, timeout=20)
            print(r.text.strip())
            """)
        js = NODE_CONNECT + textwrap.dedent("""\
            const tok = process.env.TOKEN;
            get('api.example.test', '/node', {method: 'POST',
                headers: {'Authorization': 'Bearer ' + tok, 'Content-Type': 'text/plain'}},
                (res) => { let b = ''; res.on('data', (d) => b += d);
                           res.on('end', () => console.log(b.trim())); }, 'from node');
            """)
        r, audit = sandbox(box, pol, f'{PY} -c "$PYCODE"; node -e "$JSCODE"',
                           env=clean_env(PYCODE=py, JSCODE=js))
        got = {a["path"].split("?")[0]: a for a in answers(r.stdout)}
        assert set(got) == {"/urllib", "/requests", "/node"}, r.stdout + r.stderr
        assert header(got["/urllib"], "Authorization") == ["Bearer <REAL:TOKEN>"]
        assert got["/requests"]["path"] == "/requests?key=<REAL:TOKEN>"
        assert header(got["/requests"], "X-Api-Key") == ["<REAL:TOKEN>"]
        assert got["/requests"]["body"] == '{"a": 1}'
        assert header(got["/node"], "Authorization") == ["Bearer <REAL:TOKEN>"]
        assert got["/node"]["body"] == "from node"
        raw = api.raw_requests()
        assert raw.count(TOKEN) == 4 and PH not in raw
        assert_no_real(r.stdout, r.stderr)
        assert all(a["secrets"] == ["TOKEN"] for a in audit if a["event"] == "request")


def _git(*args, cwd=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def test_git_clone_and_push_with_placeholder_credential(box, pki):
    """git's credential helper hands out the placeholder; git sends it as Basic
    credentials; the git server (http-backend behind TLS) only serves the real token.
    Clone and push work, the server recorded the real token, the sandbox never saw it."""
    use_pki(box, pki)
    root = os.path.join(box, "git")
    repo = os.path.join(root, "repo.git")
    seed = os.path.join(box, "seed")
    os.makedirs(root)
    _git("init", "-q", "--bare", "-b", "main", repo)
    _git("init", "-q", "-b", "main", seed)
    with open(os.path.join(seed, "README"), "w") as f:
        f.write("hello from the host\n")
    _git("-C", seed, "add", "README")
    _git("-C", seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    _git("-C", seed, "push", "-q", repo, "main")
    crt, key = pki.leaf("git.example.test")
    with TLSServer(crt, key, secrets=MASKS, git_root=root, git_token=GIT_TOKEN) as srv:
        pol = write_policy(box, {"git.example.test": srv.port}, """\
            [secret GH_TOKEN]
            hosts = git.example.test
            """)
        helper = '!f() { echo username=x-access-token; echo "password=$GH_TOKEN"; }; f'
        script = """
            set -e
            export HOME=/tmp/gh-home-$$ GIT_TERMINAL_PROMPT=0
            mkdir -p $HOME && cd $HOME
            git -c credential.helper="$HELPER" clone -q https://git.example.test/git/repo.git w
            cat w/README
            cd w
            echo "from the sandbox" >inside.txt
            git add inside.txt
            git -c user.name=s -c user.email=s@s commit -q -m two
            git -c credential.helper="$HELPER" push -q origin main
            echo pushed
            cd / && rm -rf $HOME
            """
        r, audit = sandbox(box, pol, script, env=clean_env(HELPER=helper))
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout == "hello from the host\npushed\n"
        log = subprocess.run(["git", "-C", repo, "log", "--format=%s", "main"],
                             capture_output=True, text=True, timeout=30).stdout
        assert log == "two\none\n"
        authed = [q for q in srv.requests if q.get("basic")]
        assert authed and all(q["basic"] == "x-access-token:" + GIT_TOKEN for q in authed)
        assert any("receive-pack" in q["path"] for q in authed)
        assert PH not in srv.raw_requests()
        assert_no_real(r.stdout, r.stderr)
        injected = [a for a in audit if a["event"] == "request" and a["secrets"]]
        assert injected and all(a["secrets"] == ["GH_TOKEN"] for a in injected)


def test_malformed_requests_inside_tls_get_their_error_page(box, pki):
    """A request the parser refuses inside a terminated connection is answered with its
    4xx (through TLS), like on the proxy port, and never reaches the upstream; the same
    holds for a malformed request after a good one on a keep-alive connection."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        script = r"""
            s_client() {
                openssl s_client -quiet -proxy 127.0.0.1:3128 -connect api.example.test:443 \
                    -servername api.example.test -CAfile /run/airlock/ca.pem 2>/dev/null
            }
            printf 'GET / HTTP/1.1\r\n\r\n' | s_client | head -c 300; echo; echo "--"
            printf 'POST / HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n' | s_client | head -c 300; echo; echo "--"
            printf 'GET /echo HTTP/1.1\r\nHost: api.example.test\r\n\r\nGET / HTTP/1.1\r\n\r\n' | s_client | grep -a -E '^HTTP/1.1 '
            """
        r, audit = sandbox(box, pol, script)
        first, second, third = r.stdout.split("--\n")
        assert first.startswith("HTTP/1.1 400"), r.stdout + r.stderr
        assert "X-Airlock-Error" in first
        assert second.startswith("HTTP/1.1 400"), r.stdout
        assert third.split("\n")[:2] == ["HTTP/1.1 200 OK", "HTTP/1.1 400 Bad Request"], third
        assert len(api.requests) == 1
        bad = [a for a in audit if a["status"] == 400]
        assert len(bad) == 3 and all(a["bytes_up"] < 200 for a in bad), bad


def test_upstream_verification_502_says_how_to_allow(box, pki):
    use_pki(box, pki)
    with api_server(pki) as api:
        # No trust file: the test CA is unknown to the supervisor.
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION, trust=False)
        r, audit = sandbox(box, pol, "curl -sS -m 20 -i --suppress-connect-headers "
                                     "https://api.example.test/echo")
        assert r.stdout.startswith("HTTP/1.1 502"), r.stdout
        assert "X-Airlock-Error: upstream-tls" in r.stdout
        assert "trust = FILE" in r.stdout and "[network]" in r.stdout
        assert len(api.requests) == 0


def test_framing_tricks_and_trace_are_refused(box, pki):
    """A Connection header naming Content-Length would have the body forwarded without
    its length, so the upstream would read it as requests airlock never checked (with
    secrets injected into what follows); TRACE would echo injected secrets back. Both are
    refused and nothing reaches the upstream."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        script = r"""
            smuggled='GET /smuggled HTTP/1.1\r\nHost: evil.example\r\nX-K: openshell:resolve:env:TOKEN\r\n\r\n'
            n=$(printf "$smuggled" | wc -c)
            printf "POST /first HTTP/1.1\r\nHost: api.example.test\r\nConnection: Content-Length\r\nContent-Length: $n\r\n\r\n$smuggled" \
                | openssl s_client -quiet -proxy 127.0.0.1:3128 -connect api.example.test:443 \
                    -servername api.example.test -CAfile /run/airlock/ca.pem 2>/dev/null | head -c 400
            echo; echo "--"
            curl -sS -m 20 -i --suppress-connect-headers -X TRACE -H "Authorization: Bearer $TOKEN" https://api.example.test/echo
            """
        r, audit = sandbox(box, pol, script)
        first, trace = r.stdout.split("--\n")
        assert first.startswith("HTTP/1.1 400"), r.stdout + r.stderr
        assert "frames the request" in first
        assert trace.startswith("HTTP/1.1 400"), trace
        assert "TRACE" in trace
        assert len(api.requests) == 0
        assert_no_real(r.stdout, r.stderr, json.dumps(audit))


def test_response_head_repeating_a_secret_gets_the_placeholder_back(box, pki):
    """A redirect that repeats the query and a header that echoes Authorization: the
    server got the real value, the sandbox sees only the placeholder in the head."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        r, audit = sandbox(box, pol, 'curl -sS -m 20 -i --suppress-connect-headers '
                                     '-H "Authorization: Bearer $TOKEN" '
                                     '"https://api.example.test/redirect?t=$TOKEN"')
        assert r.stdout.startswith("HTTP/1.1 302"), r.stdout + r.stderr
        assert "Location: /landing?t=openshell:resolve:env:TOKEN" in r.stdout
        assert "X-Echo-Authorization: Bearer openshell:resolve:env:TOKEN" in r.stdout
        seen = api.requests[0]
        assert TOKEN in seen["path"]
        assert ("Authorization", "Bearer " + TOKEN) in seen["headers"]
        assert_no_real(r.stdout, r.stderr, json.dumps(audit))


def test_response_head_echoing_basic_credentials_gives_back_what_the_sandbox_sent(box, pki):
    """curl -u "x:$TOKEN": the origin gets Basic base64("x:" + real value) and repeats it
    in its head whole, as the bare credentials under a lower-case name and
    percent-encoded in a cookie, cut across two TLS records. Each comes back to the
    sandbox as base64("x:" + placeholder), what curl sent; the upstream form, which
    decodes to the real value, never does."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        r, audit = sandbox(box, pol, 'curl -sS -m 20 -i --suppress-connect-headers '
                                     '-u "x:$TOKEN" https://api.example.test/echo-auth')
        sandbox_sent = base64.b64encode(f"x:{PH}TOKEN".encode()).decode()
        upstream = base64.b64encode(f"x:{TOKEN}".encode()).decode()
        assert ("Authorization", "Basic " + upstream) in api.requests[0]["headers"]
        assert r.stdout.startswith("HTTP/1.1 200"), r.stdout + r.stderr
        assert f"X-Echo-Auth: Basic {sandbox_sent}\n" in r.stdout, r.stdout
        assert f"x-echo-credentials: {sandbox_sent}\n" in r.stdout, r.stdout
        assert f"Set-Cookie: echo=Basic%20{sandbox_sent}\n" in r.stdout, r.stdout
        for form in (upstream, urllib.parse.quote(upstream, safe="")):
            assert form not in r.stdout
        assert_no_real(r.stdout, r.stderr, json.dumps(audit))
        assert [a["secrets"] for a in audit if a["event"] == "request"] == [["TOKEN"]]


def test_heads_that_grow_when_rewritten_with_a_full_buffer_behind_them(box, pki):
    """A request head whose placeholder becomes a value 20 times longer, followed at once
    by a large body (both in the proxy's buffer), and on that connection a large answer
    whose head is rewritten (the body is scrubbed, so it is re-framed chunked) with its
    body's first bytes behind it: both go through whole, never as a 431 or 502 saying
    the head does not fit."""
    use_pki(box, pki)
    long_value = "lv_" + pysecrets.token_hex(300)
    up = os.path.join(box, "up.bin")
    write_big(up, 4 << 20)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, """\
            [secret LONGTOK]
            hosts = api.example.test
            """)
        # Node writes a request's head and the first part of its body in one record.
        js = NODE_CONNECT + textwrap.dedent(f"""
            const body = require("fs").readFileSync("{up}");
            get("api.example.test", "/upload", {{method: "POST",
                headers: {{"X-Key": process.env.LONGTOK, "Content-Length": body.length}}}},
                res => {{ let d = ""; res.on("data", c => d += c);
                         res.on("end", () => console.log(d.trim())); }}, body);
            """)
        script = f"""
            u=https://api.example.test
            for i in 1 2 3; do
                curl -sS -m 60 -H "X-Key: $LONGTOK" --data-binary @{up} "$u/upload"; echo
                curl -sS -m 60 -H "X-Key: $LONGTOK" "$u/big?n=3000000" | sha256sum
            done
            node -e "$JSCODE"
            """
        r, audit = sandbox(box, pol, script, env=clean_env(LONGTOK=long_value, JSCODE=js))
        assert r.returncode == 0, r.stderr
        uploads = answers(r.stdout)
        assert uploads == [{"len": 4 << 20, "sha256": big_sha(4 << 20)}] * 4, r.stdout
        assert r.stdout.count(big_sha(3000000)) == 3, r.stdout
        assert long_value not in r.stdout + r.stderr
        assert ("X-Key", long_value) in api.requests[0]["headers"]
        assert all(a["status"] == 200 for a in audit if a["event"] == "request"), audit


def test_response_bodies_echoing_a_secret_give_the_placeholder_back(box, pki):
    """A bound host that echoes the injected token in its body, framed every way: a
    Content-Length body cut across two TLS records, chunks that split the token (and a
    trailer that repeats it, seen with curl --raw), an event stream whose events
    arrive one by one, and a later response on the same connection to a request that
    carried no secret. The sandbox gets the placeholder each time; the origin got the
    real token, and was asked for identity coding even where curl asked for gzip."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        url = "https://api.example.test/echo-raw?mode="
        script = f"""
            A="Authorization: Bearer $TOKEN"
            curl -sS -m 20 --compressed -H "$A" "{url}length"; echo "rc=$?"
            curl -sS -m 20 -H "$A" "{url}chunked"; echo "rc=$?"
            curl -sS -m 20 --raw -H "$A" "{url}chunked"; echo "rc=$?"
            curl -sS -m 20 -N -H "$A" "{url}sse"; echo "rc=$?"
            curl -sS -m 20 -H "$A" "{url}length" --next -sS -m 20 "{url}chunked"; echo "rc=$?"
            """
        r, audit = sandbox(box, pol, script)
        out = r.stdout
        assert out.count("rc=0") == 5, out + r.stderr
        assert out.count('{"you_sent": "%sTOKEN"}' % PH) == 2, out
        assert out.count("saw %sTOKEN end" % PH) == 2, out  # (and one raw, in chunks)
        assert "X-Echo: %sTOKEN" % PH in out, out  # the trailer, scrubbed
        assert 'data: {"token": "%sTOKEN"}' % PH in out, out
        assert "data: first" in out
        assert_no_real(out, r.stderr, json.dumps(audit))
        with_token = [q for q in api.requests if q["path"].startswith("/echo-raw")]
        assert len(with_token) == 6
        assert all(q["accept_encoding"] == "identity" for q in with_token[:5]), with_token
        assert ("Authorization", "Bearer " + TOKEN) in with_token[0]["headers"]
        # The last request carried no secret, yet its connection had: its answer was
        # scrubbed all the same, and it asked for identity coding too.
        assert not any(k == "Authorization" for k, _ in with_token[5]["headers"])
        assert with_token[5]["accept_encoding"] == "identity"


def test_a_coded_response_on_a_connection_with_secrets_is_refused(box, pki):
    """An origin that answers gzip though airlock asked for identity: the scrub cannot
    read the body, so the sandbox gets a 502 that says why, never the body."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        r, audit = sandbox(box, pol, 'curl -sS -m 20 -i --suppress-connect-headers '
                                     '-H "Authorization: Bearer $TOKEN" '
                                     '"https://api.example.test/echo-raw?mode=gzip"')
        assert r.stdout.startswith("HTTP/1.1 502"), r.stdout + r.stderr
        assert "Content-Encoding: gzip" in r.stdout
        assert "identity" in r.stdout
        assert_no_real(r.stdout, r.stderr, json.dumps(audit))


def test_response_bodies_pass_untouched_without_secrets(box, pki):
    """A connection that carried no secret keeps its bodies and codings as sent: curl's
    gzip request reaches the origin, the body is byte-exact."""
    use_pki(box, pki)
    with api_server(pki) as api:
        pol = write_policy(box, {"api.example.test": api.port}, TOKEN_SECTION)
        r, _ = sandbox(box, pol, 'curl -sS -m 20 -D - -o /tmp/big -H "Accept-Encoding: gzip" '
                                 '"https://api.example.test/big?n=100000" && sha256sum /tmp/big')
        assert r.returncode == 0, r.stderr
        assert "Content-Length: 100000" in r.stdout, r.stdout
        assert "Transfer-Encoding" not in r.stdout
        assert big_sha(100000) in r.stdout
        rec = [q for q in api.requests if q["path"].startswith("/big")][0]
        assert ("Accept-Encoding", "gzip") in rec["headers"]


REFRESH = "1//rt_" + pysecrets.token_hex(12)


def test_body_secret_is_put_into_a_form_body_for_its_host_only(box, pki):
    """[secret REFRESH] body = yes, bound to the token endpoint: Python requests posts
    a form with the placeholder (which it percent-encodes); the endpoint gets the real
    value, percent-encoded, with a Content-Length that fits it. The same form to a
    host REFRESH is not bound to is a 403 naming the secret, and that host gets
    nothing. A JSON body that merely quotes another secret's placeholder reaches its
    host as written. A chunked body (a generator) is re-framed with a length."""
    use_pki(box, pki)
    crt, key = pki.leaf("oauth.example.test")
    with api_server(pki) as api, TLSServer(crt, key) as oauth:
        pol = write_policy(box, {"api.example.test": api.port,
                                 "oauth.example.test": oauth.port}, TOKEN_SECTION + """
            [secret REFRESH]
            hosts = oauth.example.test
            body = yes
            """)
        py = textwrap.dedent("""\
            import os, requests
            rt = os.environ['REFRESH']
            form = {'grant_type': 'refresh_token', 'refresh_token': rt}
            r = requests.post('https://oauth.example.test/upload', data=form, timeout=20)
            print('oauth', r.status_code, r.text.strip())
            r = requests.post('https://api.example.test/upload', data=form, timeout=20)
            print('other', r.status_code, r.headers.get('X-Airlock-Deny'), r.text.strip())
            r = requests.post('https://api.example.test/upload', timeout=20,
                              json={'text': 'use openshell:resolve:env:TOKEN here'})
            print('quote', r.status_code)
            """)
        # requests sends a generator's chunks through a proxy without CONNECT (its
        # own bug), so curl sends the chunked body.
        chunked = ('printf "refresh=%s&x=1" "$REFRESH" | curl -sS -m 20 -H '
                   '"Transfer-Encoding: chunked" --data-binary @- '
                   'https://oauth.example.test/upload | sed "s/^/chunked 200 /"')
        # Expect: 100-continue, with curl told to wait for the 100 far longer than
        # the run may take: airlock, which holds the head, must answer it itself.
        expect = ('curl -sS -m 15 --expect100-timeout 60 -H "Expect: 100-continue" '
                  '-d "refresh=$REFRESH" https://oauth.example.test/upload '
                  '| sed "s/^/expect 200 /"')
        r, audit = sandbox(box, pol, f'{PY} -c "$PYCODE"; {chunked}; {expect}',
                           env=clean_env(PYCODE=py, REFRESH=REFRESH))
        out = r.stdout
        assert "oauth 200" in out and "chunked 200 {" in out, out + r.stderr
        assert "expect 200 {" in out, out + r.stderr
        assert "other 403 secret-not-bound" in out, out
        assert "secret REFRESH is bound to oauth.example.test, not api.example.test" in out
        assert "quote 200" in out
        form, chunked, expected = [q for q in oauth.requests if q["path"] == "/upload"]
        # curl -d sends a form: the value goes percent-encoded, as requests' did.
        quoted = urllib.parse.quote(REFRESH, safe="")
        assert expected["body"] == ("refresh=%s" % quoted).encode(), expected
        assert not any(k == "Expect" for k, _ in expected["headers"])
        want = "grant_type=refresh_token&refresh_token=" + urllib.parse.quote(REFRESH, safe="")
        assert form["body"] == want.encode()
        assert ("Content-Length", str(len(want))) in form["headers"]
        assert chunked["body"] == ("refresh=%s&x=1" % quoted).encode()
        assert not any(k == "Transfer-Encoding" for k, _ in chunked["headers"])
        assert ("Content-Length", str(len(chunked["body"]))) in chunked["headers"]
        to_api = [q for q in api.requests if q["path"] == "/upload"]
        assert len(to_api) == 1  # only the quoting JSON body
        assert to_api[0]["body"] == b'{"text": "use openshell:resolve:env:TOKEN here"}'
        assert REFRESH not in out + r.stderr + json.dumps(audit)
        assert [a["secrets"] for a in audit
                if a["event"] == "request" and a["host"] == "oauth.example.test"] == \
            [["REFRESH"]] * 3


def test_a_refreshed_token_reaches_the_sandbox_as_a_placeholder_only(box, pki):
    """The OAuth refresh the runner's MCP servers do: Python requests posts the
    refresh-token placeholder (body = yes) to a token endpoint, which sees the real
    refresh token; the access token it answers reaches the sandbox as the placeholder
    of [token ACCESS]; a following request with that placeholder reaches the bound host
    with the real access token; sent to a host the token is not bound to, it is a 403.
    A second refresh replaces the token: the next request carries the new one."""
    use_pki(box, pki)
    crt, key = pki.leaf("oauth.example.test")
    ocrt, okey = pki.leaf("other.example.test")
    with api_server(pki) as api, TLSServer(crt, key) as oauth, \
            TLSServer(ocrt, okey) as other:
        pol = write_policy(box, {"api.example.test": api.port,
                                 "oauth.example.test": oauth.port,
                                 "other.example.test": other.port}, """
            [secret REFRESH]
            hosts = oauth.example.test
            body = yes
            [token ACCESS]
            from = https://oauth.example.test/oauth-token
            hosts = api.example.test
            """)
        py = textwrap.dedent("""\
            import os, requests
            def refresh():
                r = requests.post('https://oauth.example.test/oauth-token', timeout=20,
                                  data={'grant_type': 'refresh_token',
                                        'refresh_token': os.environ['REFRESH']})
                print('refresh', r.status_code, r.json()['expires_in'])
                return r.json()['access_token']
            for round in (1, 2):
                tok = refresh()
                print('token', tok)
                h = {'Authorization': 'Bearer ' + tok}
                r = requests.get('https://api.example.test/echo', headers=h, timeout=20)
                print('api', r.status_code)
            r = requests.get('https://other.example.test/echo', headers=h, timeout=20)
            print('other', r.status_code, r.headers.get('X-Airlock-Deny'), r.text.strip())
            """)
        r, audit = sandbox(box, pol, f'{PY} -c "$PYCODE"',
                           env=clean_env(PYCODE=py, REFRESH=REFRESH))
        out = r.stdout
        assert out.count("refresh 200 3599") == 2, out + r.stderr
        assert out.count("token openshell:resolve:env:ACCESS") == 2, out
        assert out.count("api 200") == 2, out
        assert "other 403 secret-not-bound" in out, out
        assert "secret ACCESS is bound to api.example.test, not other.example.test" in out
        refreshes = [q for q in oauth.requests if q["path"] == "/oauth-token"]
        assert [q["refresh_token"] for q in refreshes] == [REFRESH, REFRESH]
        seen = [dict(q["headers"]).get("Authorization") for q in api.requests
                if q["path"] == "/echo"]
        assert seen == ["Bearer " + t for t in oauth.issued], (seen, oauth.issued)
        assert not [q for q in other.requests if q["path"] == "/echo"]
        for t in oauth.issued + [REFRESH]:
            assert t not in out + r.stderr + json.dumps(audit)
        assert [a["secrets"] for a in audit if a["event"] == "request"
                and a["host"] == "api.example.test"] == [["ACCESS"], ["ACCESS"]]


def test_body_secret_in_a_body_too_long_to_gather_is_refused(box, pki):
    """Past the 256 KiB a body is gathered up to, a Content-Length body to the bound
    host streams as it is, unless it holds the placeholder (413); a chunked one is
    refused with 413 either way."""
    use_pki(box, pki)
    crt, key = pki.leaf("oauth.example.test")
    with TLSServer(crt, key) as oauth:
        pol = write_policy(box, {"oauth.example.test": oauth.port}, """
            [secret REFRESH]
            hosts = oauth.example.test
            body = yes
            """)
        py = textwrap.dedent("""\
            import os, requests
            rt = os.environ['REFRESH']
            u = 'https://oauth.example.test/upload'
            big = b'x' * (300 << 10)
            r = requests.post(u, data=big, timeout=20)
            print('plain', r.status_code, r.text.strip())
            r = requests.post(u, data=big + rt.encode(), timeout=20)
            print('placeholder', r.status_code, r.headers.get('X-Airlock-Error'))
            open('/tmp/big', 'wb').write(big)
            """)
        chunked = ('curl -sS -m 20 -o /dev/null -w "chunked %{http_code}\\n" '
                   '-H "Transfer-Encoding: chunked" --data-binary @/tmp/big '
                   'https://oauth.example.test/upload')
        r, audit = sandbox(box, pol, f'{PY} -c "$PYCODE"; {chunked}',
                           env=clean_env(PYCODE=py, REFRESH=REFRESH))
        out = r.stdout
        assert "plain 200" in out and '"len": 307200' in out, out + r.stderr
        assert "placeholder 413 body-too-large" in out, out
        assert "chunked 413" in out, out
        assert REFRESH not in out + r.stderr + json.dumps(audit)
        assert all(REFRESH.encode() not in q["body"] for q in oauth.requests)


def test_placeholder_in_proxy_authorization_is_held_to_its_binding(box, pki):
    """Proxy-Authorization is addressed to airlock and never forwarded, but a
    placeholder in it is held to the secret's binding like anywhere else in a request
    head: to a host the secret is not bound to it is a 403 naming the secret, the host
    and the line that would allow it, on a CONNECT (curl --proxy-user) as on a plain
    http:// request (curl --proxy-header). To the bound host it is dropped: the request
    goes through, nothing is injected, the origin sees no Proxy-Authorization."""
    use_pki(box, pki)
    crt, key = pki.leaf("other.example.test")
    with api_server(pki) as api, TLSServer(crt, key, secrets=MASKS) as other, \
            TLSServer(None, None, secrets=MASKS, tls=False) as plain:
        pol = write_policy(box, {"api.example.test": api.port,
                                 "other.example.test": other.port,
                                 "plain.example.test:80": plain.port}, TOKEN_SECTION)
        script = """
            curl -sS -m 20 --proxy-user "x:$TOKEN" https://other.example.test/echo
            echo "rc=$?"
            echo "--"
            curl -sS -m 20 -i --proxy-header "Proxy-Authorization: Bearer $TOKEN" http://plain.example.test/echo
            echo "--"
            curl -sS -m 20 --proxy-user "x:$TOKEN" https://api.example.test/echo
            """
        r, audit = sandbox(box, pol, script)
        connect, http, bound = r.stdout.split("--\n")
        assert "rc=56" in connect, r.stdout + r.stderr  # curl: CONNECT answered 403
        assert "CONNECT tunnel failed, response 403" in r.stderr
        assert http.startswith("HTTP/1.1 403"), r.stdout
        assert "secret TOKEN is bound to api.example.test, not plain.example.test" in http
        assert "[secret TOKEN]" in http
        got = answers(bound)
        assert len(got) == 1 and header(got[0], "Proxy-Authorization") == [], r.stdout
        assert other.requests == [] and plain.requests == []
        assert [q["path"] for q in api.requests] == ["/echo"]
        assert_no_real(r.stdout, r.stderr, json.dumps(audit))
        denies = [a for a in audit if a["decision"] == "deny"]
        assert sorted((a["host"], a["method"]) for a in denies) == [
            ("other.example.test", "CONNECT"), ("plain.example.test", "GET")], audit
        assert all(a["status"] == 403 and "secret TOKEN is bound to api.example.test" in
                   a["reason"] for a in denies)
        assert [a["secrets"] for a in audit if a["event"] == "request"] == [[]]


TUNNEL_ENDS = textwrap.dedent("""\
    import socket, ssl, sys
    def connect(host):
        s = socket.create_connection(("127.0.0.1", 3128), timeout=20)
        s.sendall(b"CONNECT %s:443 HTTP/1.1\\r\\nHost: %s:443\\r\\n\\r\\n" % (host.encode(), host.encode()))
        head = b""
        while b"\\r\\n\\r\\n" not in head:
            piece = s.recv(1)
            if not piece:
                break
            head += piece
        print(host, head.split(b"\\r\\n")[0].decode(), flush=True)
        return s
    connect("close.example.test").close()
    s = connect("tls.example.test")
    t = ssl.create_default_context().wrap_socket(s, server_hostname="tls.example.test")
    print("handshake", t.version(), flush=True)
    t.close()
    s = connect("half.example.test")
    s.sendall(b"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03")  # a ClientHello cut short
    s.close()
    connect("pass.example.test").close()
    connect("down.example.test").close()
    """)


def test_every_tunnel_decision_has_one_audit_line_however_it_ends(box, pki):
    """An allowed CONNECT closed at once, after the TLS handshake with no request, and
    in the middle of the handshake; a passthrough CONNECT closed before its
    ClientHello; an allowed host whose upstream refuses the connection; and one used
    by curl: each CONNECT has exactly one audit line (its decision), and the request
    inside the used one has its own."""
    use_pki(box, pki)
    down = socket_free_port()
    names = ("api.example.test", "close.example.test", "tls.example.test",
             "half.example.test")
    crt, key = pki.leaf("tunnels.example.test", san=",DNS:".join(names))
    with TLSServer(crt, key, secrets=MASKS) as api:
        hosts = {h: api.port for h in names}
        hosts["down.example.test"] = down
        pol = write_policy(box, hosts, f"passthrough = pass.example.test\n"
                                       f"map = pass.example.test 127.0.0.1:{api.port}\n")
        r, audit = sandbox(box, pol, f'{PY} -c "$PYCODE"; curl -sS -m 20 '
                                     'https://api.example.test/echo >/dev/null; echo "rc=$?"',
                           env=clean_env(PYCODE=TUNNEL_ENDS))
        assert "rc=0" in r.stdout, r.stdout + r.stderr
        out = r.stdout.splitlines()
        assert "close.example.test HTTP/1.1 200 Connection established" in out
        assert "handshake TLSv1.2" in out
        assert "down.example.test HTTP/1.1 502 Bad Gateway" in out, out
        connects = {}
        for a in audit:
            if a["method"] == "CONNECT":
                connects.setdefault(a["host"], []).append(a)
        assert sorted(connects) == sorted(list(hosts) + ["pass.example.test"]), audit
        assert all(len(v) == 1 for v in connects.values()), connects
        line = {h: v[0] for h, v in connects.items()}
        for h in ("close.example.test", "tls.example.test", "half.example.test",
                  "api.example.test"):
            assert line[h]["decision"] == "allow" and line[h]["status"] == 200, line[h]
            assert line[h]["rule"] == h
        assert line["close.example.test"]["event"] == "connect"
        assert "before the TLS handshake completed" in line["close.example.test"]["reason"]
        assert line["tls.example.test"]["event"] == "connect"
        assert "no request after the TLS handshake" in line["tls.example.test"]["reason"]
        assert line["pass.example.test"]["decision"] == "passthrough"
        assert "before a TLS ClientHello" in line["pass.example.test"]["reason"]
        assert line["down.example.test"]["status"] == 502
        assert line["api.example.test"]["event"] == "connect"
        assert line["api.example.test"]["bytes_up"] > 0 and line["api.example.test"]["bytes_down"] > 0
        reqs = [a for a in audit if a["event"] == "request"]
        assert [(a["host"], a["method"], a["status"]) for a in reqs] == [
            ("api.example.test", "GET", 200)]
        assert api.requests and all(q["path"] == "/echo" for q in api.requests)


class OneFlightOrigin:
    """An HTTPS origin that answers each request with `Connection: close`, no length,
    and its head, body and close_notify in ONE send, so that the proxy reads the end of
    the TLS session together with the last bytes of the answer."""

    def __init__(self, crt, key, body):
        import socket
        import threading
        self.body = body
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(crt, key)
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        self.served = 0
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            try:
                c.settimeout(10)
                self._serve(c)
            except (OSError, ssl.SSLError):
                pass
            finally:
                c.close()

    def _serve(self, c):
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        o = self.ctx.wrap_bio(inc, out, server_side=True)

        def more():
            data = c.recv(65536)
            if not data:
                raise OSError("closed")
            inc.write(data)
        while True:
            try:
                o.do_handshake()
                break
            except ssl.SSLWantReadError:
                c.sendall(out.read())
                more()
        c.sendall(out.read())
        req = b""
        while b"\r\n\r\n" not in req:
            try:
                req += o.read(65536)
            except ssl.SSLWantReadError:
                more()
        o.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n" +
                self.body)
        try:
            o.unwrap()  # close_notify into the same buffer
        except ssl.SSLWantReadError:
            pass
        c.sendall(out.read())
        self.served += 1

    def close(self):
        self.ls.close()


def test_an_answer_ending_with_close_notify_in_the_same_read_ends_at_the_client(box, pki):
    """The origin sends an answer delimited by its close and its close_notify in one
    flight: the proxy must see that end though the engine met it while it was busy with
    the answer, and end the client's answer at once (it used to leave epoll and hang
    the client until the idle timeout)."""
    use_pki(box, pki)
    crt, key = pki.leaf("api.example.test")
    body = b"one flight " * 300
    origin = OneFlightOrigin(crt, key, body)
    try:
        pol = write_policy(box, {"api.example.test": origin.port})
        script = """
            for i in 1 2 3 4 5 6 7 8; do
                if out=$(curl -sS -m 15 https://api.example.test/x); then
                    echo "ok-${#out}"
                else
                    echo "curl-failed-$?"
                fi
            done
            """
        r, _ = sandbox(box, pol, script, timeout=200)
    finally:
        origin.close()
    # curl strips nothing here: the body has no trailing newline
    assert r.stdout.split() == ["ok-%d" % len(body)] * 8, r.stdout + r.stderr
    assert origin.served == 8


class StallOrigin:
    """An HTTPS origin that reads a request and never answers; it records when the
    proxy closes its side (the time from the request to that close)."""

    def __init__(self, crt, key):
        import socket
        import threading
        import time
        self.time = time
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(crt, key)
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(4)
        self.port = self.ls.getsockname()[1]
        self.closed_after = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        c, _ = self.ls.accept()
        try:
            t = self.ctx.wrap_socket(c, server_side=True)
            t.settimeout(120)
            req = b""
            while b"\r\n\r\n" not in req:
                req += t.recv(4096)
            start = self.time.monotonic()
            try:
                while t.recv(4096):
                    pass
            except (OSError, ssl.SSLError):
                pass
            self.closed_after = self.time.monotonic() - start
        except (OSError, ssl.SSLError):
            pass

    def close(self):
        self.ls.close()


def test_a_client_that_resets_while_the_answer_is_awaited_ends_the_exchange(box, pki):
    """The client is not read while an answer is awaited, but its reset is still seen:
    the proxy closes the upstream at once rather than when the idle timer fires (300 s;
    found by the load benchmark with impatient clients of a stalling origin)."""
    import time
    use_pki(box, pki)
    crt, key = pki.leaf("api.example.test")
    origin = StallOrigin(crt, key)
    client = os.path.join(box, "impatient.py")
    with open(client, "w") as f:
        f.write(textwrap.dedent("""\
            import os, socket, ssl, struct, time
            s = socket.create_connection(("127.0.0.1", 3128))
            s.sendall(b"CONNECT api.example.test:443 HTTP/1.1\\r\\nHost: api.example.test\\r\\n\\r\\n")
            head = b""
            while b"\\r\\n\\r\\n" not in head:
                head += s.recv(1)
            ctx = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
            t = ctx.wrap_socket(s, server_hostname="api.example.test")
            t.sendall(b"GET /never HTTP/1.1\\r\\nHost: api.example.test\\r\\n\\r\\n")
            time.sleep(1)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            t.close()  # a reset
            print("reset sent", flush=True)
            time.sleep(20)  # the sandbox (and its proxy) outlive the check
            """))
    os.chmod(client, 0o644)
    try:
        pol = write_policy(box, {"api.example.test": origin.port})
        r, _ = sandbox(box, pol, f"{PY} {client}", timeout=120)
        assert "reset sent" in r.stdout, r.stdout + r.stderr
    finally:
        origin.close()
    # The sandbox lived 20 s after the reset: the origin's side was closed within it.
    assert origin.closed_after is not None and origin.closed_after < 15, origin.closed_after
