"""Credential placeholders (spec sections 3 to 5): the secret store and the rewriter
against the bytes real clients send.

A recorder on 127.0.0.1 answers 401 with a Basic challenge and keeps every request head;
git (with a credential helper that hands out a placeholder), curl, Python requests and
node send their requests to it. test/tools/secrets_rewrite then loads a real policy file
and the real values (from its environment or a token file) and rewrites the recorded head
as the proxy does for a request to a given host. The recorded bytes show the placeholder
as each client really sends it; the rewritten head must carry the real value exactly
where the placeholder was, and only for a host the secret is bound to.
"""
import base64
import json
import os
import secrets as pysecrets
import socket
import subprocess
import threading
import time

import pytest

from conftest import TOP, TOOLS, run

PY = "/usr/bin/python3"
PH = "openshell:resolve:env:"


@pytest.fixture(scope="session")
def rewrite_tool():
    """out/test/tools/secrets_rewrite, (re)built from the tree with the project's make rules."""
    out = TOP / "out"
    tool = TOOLS / "secrets_rewrite"
    r = run(["make", "-s", "-f", str(TOP / "airlock.mk"), f"TOP={TOP}", f"OUT={out}",
             f"DEPS={out / 'deps'}", str(tool)], timeout=300)
    assert r.returncode == 0, r.stderr
    return str(tool)


class Recorder:
    """Answers every request with 401 + a Basic challenge and records its head."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.heads = []
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    self.heads.append(data.partition(b"\r\n\r\n")[0] + b"\r\n\r\n")
                    conn.sendall(b"HTTP/1.1 401 Unauthorized\r\n"
                                 b"WWW-Authenticate: Basic realm=\"test\"\r\n"
                                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


def client_env(tmp_path):
    """An environment without proxies or the user's git/curl configuration."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=str(tmp_path), GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1",
               LC_ALL="C")
    return env


def write_policy(tmp_path, body):
    p = tmp_path / "policy.ini"
    p.write_text("[sandbox]\nuser = 65534\n" + body)
    return str(p)


GH_POLICY = "[secret GITHUB_TOKEN]\nhosts = github.com api.github.com\n"


def rewrite(tool, policy, host, scheme, head, env_extra=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    r = subprocess.run([tool, policy, host, scheme], input=head, capture_output=True,
                       timeout=30, env=env)
    return r


def verdict(r):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def header(head, name):
    """The value of header `name` in a head (str), or None."""
    for line in head.split("\r\n")[1:]:
        k, sep, v = line.partition(":")
        if sep and k.strip().lower() == name.lower():
            return v.strip()
    return None


def git_capture(recorder, tmp_path):
    """What git sends when its credential helper answers with a placeholder password."""
    helper = f"!f() {{ echo username=x-access-token; echo password={PH}GITHUB_TOKEN; }}; f"
    run(["git", "-c", "credential.helper=", "-c", f"credential.helper={helper}",
         "ls-remote", f"http://127.0.0.1:{recorder.port}/owner/repo.git"],
        timeout=60, env=client_env(tmp_path))
    for _ in range(50):
        if any(b"Authorization:" in h for h in recorder.heads):
            break
        time.sleep(0.1)
    withauth = [h for h in recorder.heads if b"\r\nAuthorization:" in h]
    assert withauth, recorder.heads
    return withauth[0]


def test_git_basic_credentials_get_the_real_token(rewrite_tool, recorder, tmp_path):
    head = git_capture(recorder, tmp_path)
    sent = header(head.decode(), "Authorization")
    assert sent.startswith("Basic ")
    # git really sends the placeholder inside base64: that is why the rewriter decodes.
    assert base64.b64decode(sent[6:]) == f"x-access-token:{PH}GITHUB_TOKEN".encode()

    token = "ghp_" + pysecrets.token_hex(18)
    policy = write_policy(tmp_path, GH_POLICY)
    v = verdict(rewrite(rewrite_tool, policy, "github.com", "https", head,
                        {"GITHUB_TOKEN": token}))
    assert v["result"] == 0, v
    assert v["injected"] == "GITHUB_TOKEN"
    got = header(v["head"], "Authorization")
    assert got.startswith("Basic ")
    assert base64.b64decode(got[6:], validate=True) == f"x-access-token:{token}".encode()
    # Everything else of the head is as git sent it.
    assert v["head"].split("\r\n")[0] == head.decode().split("\r\n")[0]
    assert header(v["head"], "User-Agent") == header(head.decode(), "User-Agent")


def test_git_credentials_to_unbound_host_are_refused(rewrite_tool, recorder, tmp_path):
    head = git_capture(recorder, tmp_path)
    token = "ghp_" + pysecrets.token_hex(18)
    policy = write_policy(tmp_path, GH_POLICY)
    r = rewrite(rewrite_tool, policy, "evil.example", "https", head, {"GITHUB_TOKEN": token})
    v = verdict(r)
    assert v["result"] == 1
    assert v["head"] == ""
    assert "GITHUB_TOKEN" in v["reason"] and "evil.example" in v["reason"]
    assert "[secret GITHUB_TOKEN]" in v["reason"]
    assert token not in r.stdout.decode() and token not in r.stderr.decode()
    encoded = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert encoded[:20] not in r.stdout.decode()


def test_curl_bearer_header_and_encoded_query(rewrite_tool, recorder, tmp_path):
    url = (f"http://127.0.0.1:{recorder.port}/v1/items?"
           f"key=openshell%3Aresolve%3Aenv%3AAPI_KEY&page=2")
    run(["curl", "-sS", "--max-time", "20", "--noproxy", "*",
         "-H", f"Authorization: Bearer {PH}API_KEY",
         "-H", f"X-Other: a={PH}API_KEY;b", url], timeout=30, env=client_env(tmp_path))
    assert recorder.heads, "curl sent nothing"
    head = recorder.heads[0]
    value = "k3y+with/=special chars"
    policy = write_policy(tmp_path, "[secret API_KEY]\nhosts = api.example.test\n")
    v = verdict(rewrite(rewrite_tool, policy, "api.example.test", "https", head,
                        {"API_KEY": value}))
    assert v["result"] == 0, v
    line = v["head"].split("\r\n")[0]
    assert line == ("GET /v1/items?key=k3y%2Bwith%2F%3Dspecial%20chars&page=2 HTTP/1.1")
    assert header(v["head"], "Authorization") == f"Bearer {value}"
    assert header(v["head"], "X-Other") == f"a={value};b"
    assert v["injected"] == "API_KEY"


def test_python_requests_basic_auth(rewrite_tool, recorder, tmp_path):
    code = ("import requests, sys\n"
            "requests.get(sys.argv[1], auth=('bot', sys.argv[2]), timeout=20,"
            " proxies={'http': None, 'https': None})\n")
    run([PY, "-c", code, f"http://127.0.0.1:{recorder.port}/x", f"{PH}API_KEY"],
        timeout=30, env=client_env(tmp_path))
    assert recorder.heads, "requests sent nothing"
    head = recorder.heads[0]
    policy = write_policy(tmp_path, "[secret API_KEY]\nhosts = *.example.test\n")
    v = verdict(rewrite(rewrite_tool, policy, "api.example.test", "https", head,
                        {"API_KEY": "pw-123"}))
    assert v["result"] == 0, v
    got = header(v["head"], "Authorization")
    assert base64.b64decode(got[6:], validate=True) == b"bot:pw-123"


def test_node_token_header(rewrite_tool, recorder, tmp_path):
    code = ("const http = require('http');"
            "const r = http.get(process.argv[1], {headers: {authorization: 'token ' + process.argv[2]}},"
            " res => { res.resume(); });"
            "r.setTimeout(20000, () => r.destroy()); r.on('error', () => {});")
    run(["node", "-e", code, f"http://127.0.0.1:{recorder.port}/repos", f"{PH}GITHUB_TOKEN"],
        timeout=30, env=client_env(tmp_path))
    assert recorder.heads, "node sent nothing"
    head = recorder.heads[0]
    policy = write_policy(tmp_path, GH_POLICY)
    v = verdict(rewrite(rewrite_tool, policy, "api.github.com", "https", head,
                        {"GITHUB_TOKEN": "ghp_node"}))
    assert v["result"] == 0, v
    assert header(v["head"], "authorization") == "token ghp_node"


def test_value_from_token_file(rewrite_tool, tmp_path):
    tokfile = tmp_path / "token"
    tokfile.write_text("ghp_from_file\n")
    policy = write_policy(tmp_path, GH_POLICY + f"file = {tokfile}\n")
    head = f"GET /user HTTP/1.1\r\nHost: api.github.com\r\nAuthorization: Bearer {PH}GITHUB_TOKEN\r\n\r\n"
    v = verdict(rewrite(rewrite_tool, policy, "api.github.com", "https", head.encode(),
                        drop=("GITHUB_TOKEN",)))
    assert v["result"] == 0, v
    assert header(v["head"], "Authorization") == "Bearer ghp_from_file"
    # The environment wins over the file.
    v = verdict(rewrite(rewrite_tool, policy, "api.github.com", "https", head.encode(),
                        {"GITHUB_TOKEN": "ghp_env"}))
    assert header(v["head"], "Authorization") == "Bearer ghp_env"


def test_missing_value_refuses_the_request_not_the_start(rewrite_tool, tmp_path):
    policy = write_policy(tmp_path, GH_POLICY)
    head = f"GET /user HTTP/1.1\r\nAuthorization: Bearer {PH}GITHUB_TOKEN\r\n\r\n".encode()
    v = verdict(rewrite(rewrite_tool, policy, "api.github.com", "https", head,
                        drop=("GITHUB_TOKEN",)))
    assert v["result"] == 1
    assert "secret GITHUB_TOKEN has no value" in v["reason"]
    # A request without the placeholder still goes through unchanged.
    plain = b"GET /user HTTP/1.1\r\nHost: api.github.com\r\n\r\n"
    v = verdict(rewrite(rewrite_tool, policy, "api.github.com", "https", plain,
                        drop=("GITHUB_TOKEN",)))
    assert v["result"] == 0 and v["head"].encode() == plain


def test_value_with_line_break_is_refused_at_load(rewrite_tool, tmp_path):
    policy = write_policy(tmp_path, GH_POLICY)
    head = b"GET / HTTP/1.1\r\n\r\n"
    r = rewrite(rewrite_tool, policy, "api.github.com", "https", head,
                {"GITHUB_TOKEN": "ghp_abc\r\nX-Injected: yes"})
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "secret GITHUB_TOKEN" in err and "line break" in err
    assert "ghp_abc" not in err and "X-Injected" not in err


def test_plaintext_rules(rewrite_tool, tmp_path):
    policy = write_policy(tmp_path, GH_POLICY + "[secret LOCAL_KEY]\nhosts = svc.test\nplaintext = yes\n")
    env = {"GITHUB_TOKEN": "ghp_x", "LOCAL_KEY": "local-1"}
    head = f"GET / HTTP/1.1\r\nAuthorization: Bearer {PH}GITHUB_TOKEN\r\n\r\n".encode()
    v = verdict(rewrite(rewrite_tool, policy, "api.github.com", "http", head, env))
    assert v["result"] == 1 and "plaintext = yes" in v["reason"]
    head = f"GET /?k={PH}LOCAL_KEY HTTP/1.1\r\n\r\n".encode()
    v = verdict(rewrite(rewrite_tool, policy, "svc.test", "http", head, env))
    assert v["result"] == 0 and v["head"].startswith("GET /?k=local-1 HTTP/1.1")
