"""The egress proxy as programs inside `airlock sandbox-exec` see it: real clients
(curl, Python urllib, git, node, openssl) run INSIDE the sandbox, where the only way
out is the proxy on 127.0.0.1:3128; servers run on the host's 127.0.0.1 and are reached
through the policy's `map`.
"""
import json
import os
import socket
import subprocess
import tempfile
import textwrap
import threading
import http.server

import pytest

from conftest import AIRLOCK
from test_proxy import (EchoServer, FakeDNS, RecordingProxy, _Threaded, clean_env,
                        origin_server, tls_server)

PY = "/usr/bin/python3"


@pytest.fixture
def box(root):
    """A world-readable scratch folder: the sandbox user (65534) reads policy files,
    certificates and repositories from it."""
    d = tempfile.mkdtemp(prefix="airlock-proxy-")
    os.chmod(d, 0o755)
    yield d
    subprocess.run(["rm", "-rf", d], timeout=30)


def policy(box, network):
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {box}
            read_write = /tmp
            [network]
            """) + textwrap.dedent(network))
    return path


def sandbox(pol, cmd, env=None, audit=None, timeout=60, wrap=None):
    args = [AIRLOCK, "sandbox-exec", "--policy", pol]
    if audit:
        args += ["--audit", audit]
    args += ["--"] + cmd
    if wrap:
        args = wrap + args
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env=env if env is not None else clean_env())


def audit_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_curl_inside_allowed_denied_and_audit(box):
    with origin_server() as o:
        pol = policy(box, f"""\
            allow = web.test:80
            map = web.test 127.0.0.1:{o.server_address[1]}
            """)
        audit = os.path.join(box, "audit.jsonl")
        r = sandbox(pol, ["sh", "-c",
                          "curl -sS -m 10 http://web.test/hello; "
                          "curl -sS -m 10 -i http://evil.test/; "
                          "curl -sS -m 10 https://evil.test/ 2>&1; "
                          "curl -sS -m 5 --noproxy '*' http://127.0.0.1:%d/hello 2>&1; true"
                          % o.server_address[1]], audit=audit)
        assert r.returncode == 0, r.stderr
        out = r.stdout
        assert out.startswith("hello\n")
        assert "HTTP/1.1 403 Forbidden" in out and "X-Airlock-Deny: not-allowed" in out
        assert "allow = evil.test" in out
        assert "CONNECT tunnel failed, response 403" in out
        # Without the proxy nothing is reachable from inside.
        assert "Failed to connect" in out or "Couldn't connect" in out
        lines = audit_lines(audit)
        assert any(a["event"] == "request" and a["host"] == "web.test" and a["status"] == 200
                   for a in lines)
        assert sum(a["event"] == "deny" and a["host"] == "evil.test" for a in lines) == 2


def test_tls_passthrough_and_sni_inside(box):
    with tls_server(box, "tls.test") as (port, crt, _srv):
        os.chmod(crt, 0o644)
        pol = policy(box, f"""\
            passthrough = tls.test
            passthrough = other.test
            map = tls.test 127.0.0.1:{port}
            map = other.test 127.0.0.1:{port}
            """)
        r = sandbox(pol, ["sh", "-c",
                          f"curl -sS -m 10 --cacert {crt} https://tls.test/hello; "
                          f"echo | openssl s_client -proxy 127.0.0.1:3128 -connect other.test:443 "
                          f"-servername tls.test -brief >/dev/null 2>&1; echo mismatch=$?"])
        assert r.stdout.startswith("hello\n"), r.stderr
        assert "mismatch=1" in r.stdout
        assert "SNI mismatch" in r.stderr  # the supervisor's notice (no audit file)


def test_python_urllib_git_and_node_inside(box):
    srv_dir = os.path.join(box, "srv")
    repo = os.path.join(srv_dir, "repo.git")
    os.makedirs(srv_dir)
    work = os.path.join(box, "work")
    for cmd in (["git", "init", "-q", "--bare", repo], ["git", "init", "-q", work],
                ["git", "-C", work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q",
                 "--allow-empty", "-m", "one"],
                ["git", "-C", work, "push", "-q", repo, "HEAD:refs/heads/main"],
                ["git", "-C", repo, "update-server-info"]):
        subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    head = subprocess.run(["git", "-C", work, "rev-parse", "HEAD"], capture_output=True,
                          text=True, timeout=20).stdout.strip()

    class Files(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=srv_dir, **kw)

        def log_message(self, *a):
            pass
    srv = _Threaded(("127.0.0.1", 0), Files)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    try:
        pol = policy(box, f"""\
            allow = git.test:80
            map = git.test 127.0.0.1:{srv.server_address[1]}
            """)
        py = ("import urllib.request,urllib.error\n"
              "print(urllib.request.urlopen('http://git.test/repo.git/HEAD',timeout=10).read().decode().strip())\n"
              "try:\n urllib.request.urlopen('http://other.test/',timeout=10)\n"
              "except urllib.error.HTTPError as e: print(e.code, e.headers['X-Airlock-Deny'])\n")
        js = ("const http=require('http');const u=new URL(process.env.HTTP_PROXY);"
              "http.get({host:u.hostname,port:u.port,path:'http://git.test/repo.git/HEAD',"
              "headers:{Host:'git.test'}},r=>{let b='';r.on('data',d=>b+=d);"
              "r.on('end',()=>console.log('node',r.statusCode,b.trim()))})")
        r = sandbox(pol, ["sh", "-c",
                          f"HOME=/tmp git ls-remote http://git.test/repo.git; {PY} -c \"$PYCODE\"; "
                          "node -e \"$JSCODE\""],
                    env=clean_env(PYCODE=py, JSCODE=js))
        assert f"{head}\trefs/heads/main" in r.stdout, r.stderr
        assert "ref: refs/heads/" in r.stdout
        assert "403 not-allowed" in r.stdout
        assert "node 200 ref: refs/heads/" in r.stdout, r.stderr
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)


def test_forward_inside_reaches_host_sidecar(box):
    with EchoServer() as e:
        pol = policy(box, f"forward = {e.port}\n")
        code = (f"import socket;s=socket.create_connection(('127.0.0.1',{e.port}),timeout=10);"
                "s.sendall(b'mcp hello');print(s.recv(100).decode())")
        r = sandbox(pol, [PY, "-c", code])
        assert r.stdout.strip() == "mcp hello", r.stderr
        # Other host loopback ports stay unreachable.
        with EchoServer() as other:
            code = (f"import socket\ntry:\n socket.create_connection(('127.0.0.1',{other.port}),timeout=5)\n"
                    " print('reached')\nexcept OSError as x: print('refused')")
            r = sandbox(pol, [PY, "-c", code])
            assert r.stdout.strip() == "refused"


def test_ssrf_guard_with_dns_inside(box):
    """The supervisor resolves through /etc/resolv.conf (a fake DNS server in a private
    mount namespace); a name answering 127.0.0.1 is refused with a 502; a denied name
    is never looked up."""
    resolv = os.path.join(box, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver 127.0.0.154\noptions timeout:2 attempts:1\n")
    os.chmod(resolv, 0o644)
    with FakeDNS("127.0.0.154", {"loop.test": "127.0.0.1"}) as dns:
        pol = policy(box, "allow = loop.test:80\n")
        r = sandbox(pol, ["sh", "-c", "curl -sS -m 10 -i http://loop.test/; "
                                      "curl -sS -m 10 -i http://denied.test/"],
                    wrap=["unshare", "-m", "sh", "-c",
                          f"mount --bind {resolv} /etc/resolv.conf && exec \"$@\"", "sh"])
        assert "HTTP/1.1 502" in r.stdout and "X-Airlock-Error: ssrf-guard" in r.stdout, r.stderr
        assert "map = loop.test 127.0.0.1" in r.stdout
        assert "HTTP/1.1 403" in r.stdout
        asked = {n for n, _ in dns.queries}
        assert "loop.test" in asked and "denied.test" not in asked


def test_upstream_proxy_from_supervisor_env(box):
    """The supervisor's HTTPS_PROXY chains airlock to a corporate proxy, while CMD's
    own HTTPS_PROXY points at airlock."""
    with tls_server(box, "secure.test") as (port, crt, _srv):
        os.chmod(crt, 0o644)
        with RecordingProxy({"secure.test:443": port}) as up:
            pol = policy(box, "passthrough = secure.test\n")
            env = clean_env(HTTPS_PROXY=f"http://127.0.0.1:{up.port}")
            r = sandbox(pol, ["sh", "-c", f"echo $HTTPS_PROXY; curl -sS -m 10 --cacert {crt} "
                                          "https://secure.test/hello"], env=env)
            assert r.stdout == "http://127.0.0.1:3128\nhello\n", r.stderr
            assert up.lines == ["CONNECT secure.test:443 HTTP/1.1"]
