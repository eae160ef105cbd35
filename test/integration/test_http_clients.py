"""airlock's HTTP head parser (proxy/proto/http.h) against the bytes real clients and servers send.

The parser is strict on purpose; these tests make sure that strictness refuses nothing a
real client sends through a proxy. A fake proxy on 127.0.0.1 records what curl, Python
requests, node, git and openssl send to it (absolute-form, CONNECT, bodies with
Content-Length, chunked uploads, Expect: 100-continue); real servers (Python's
http.server, node's http) answer raw requests, and test/tools/http_parse runs the
parser, and the chunked validator, on the recorded bytes.
"""
import json
import os
import socket
import subprocess
import threading
import time

import pytest

from conftest import TOP, TOOLS, free_port, run

PY = "/usr/bin/python3"


@pytest.fixture(scope="session")
def http_parse():
    """out/test/tools/http_parse, (re)built from the tree with the project's make rules."""
    out = TOP / "out"
    tool = TOOLS / "http_parse"
    r = run(["make", "-s", "-f", str(TOP / "airlock.mk"), f"TOP={TOP}", f"OUT={out}",
             f"DEPS={out / 'deps'}", str(tool)], timeout=300)
    assert r.returncode == 0, r.stderr
    return str(tool)


def parse(tool, data, kind="request", method=None):
    args = [tool, kind] + ([method] if method else [])
    r = subprocess.run(args, input=data, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def read_message(conn, data=b""):
    """Reads one request (head and body) from conn without using the parser under test:
    Content-Length or a chunked body ending in 0 CRLF CRLF. Sends 100 Continue when asked."""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    low = head.lower()
    if b"\r\nexpect: 100-continue" in low:
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    if b"\r\ntransfer-encoding: chunked" in low:
        while not (rest == b"0\r\n\r\n" or rest.endswith(b"\r\n0\r\n\r\n")):
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
    else:
        for line in low.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                n = int(line.split(b":", 1)[1])
                while len(rest) < n:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    rest += chunk
    return head + b"\r\n\r\n" + rest


class Recorder:
    """A fake proxy: records each request's bytes, answers 403 and closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.messages = []
        self.stop = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.messages.append(read_message(conn))
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                except OSError:
                    pass

    def one(self, timeout=10):
        end = time.time() + timeout
        while not self.messages and time.time() < end:
            time.sleep(0.02)
        assert self.messages, "the client sent nothing to the recording proxy"
        return self.messages.pop(0)

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


def proxy_url(rec):
    return f"http://127.0.0.1:{rec.port}"


# --- what clients send ------------------------------------------------------------------

def test_curl_absolute_form_get(http_parse, recorder):
    run(["curl", "-sS", "-m", "10", "-x", proxy_url(recorder),
         "http://Example.TEST:8080/a/b?q=1"], timeout=20)
    p = parse(http_parse, recorder.one())
    assert p["result"] > 0, p["why"]
    assert (p["method"], p["form"], p["host"], p["port"], p["path"]) == \
        ("GET", "absolute", "example.test", 8080, "/a/b?q=1")
    assert p["keep_alive"] == 1 and p["body"] == "none"


def test_curl_connect(http_parse, recorder):
    run(["curl", "-sS", "-m", "10", "-x", proxy_url(recorder), "https://api.example.test/"],
        timeout=20)
    p = parse(http_parse, recorder.one())
    assert p["result"] > 0, p["why"]
    assert (p["method"], p["form"], p["is_connect"], p["host"], p["port"]) == \
        ("CONNECT", "authority", 1, "api.example.test", 443)


def test_curl_http10_proxy_connect(http_parse, recorder):
    run(["curl", "-sS", "-m", "10", "--proxy1.0", f"127.0.0.1:{recorder.port}",
         "https://[::1]:8443/"], timeout=20)
    p = parse(http_parse, recorder.one())
    assert p["result"] > 0, p["why"]
    assert (p["version_minor"], p["host"], p["port"], p["keep_alive"]) == (0, "::1", 8443, 0)


def test_curl_post_with_length(http_parse, recorder):
    run(["curl", "-sS", "-m", "10", "-x", proxy_url(recorder), "-d", "hello=world",
         "http://h.test/post"], timeout=20)
    p = parse(http_parse, recorder.one())
    assert p["result"] > 0, p["why"]
    assert (p["body"], p["content_length"], p["body_rest"]) == ("length", 11, 11)


def test_curl_chunked_upload_with_expect(http_parse, recorder):
    body = b"x" * 100000
    run(["curl", "-sS", "-m", "10", "-x", proxy_url(recorder), "-H", "Transfer-Encoding: chunked",
         "-H", "Expect: 100-continue", "--data-binary", "@-", "http://h.test/up"],
        input=body, text=False, timeout=20)
    p = parse(http_parse, recorder.one())
    assert p["result"] > 0, p["why"]
    assert p["body"] == "chunked" and p["expect_continue"] == 1
    assert p["chunked_done"] == 1 and p["chunked_taken"] == p["body_rest"], p


def test_python_requests_http_and_https(http_parse, recorder):
    script = (
        "import requests, sys\n"
        "p = {'http': sys.argv[1], 'https': sys.argv[1]}\n"
        "for u in ('http://py.test/x?y=%20z', 'https://py.test:444/'):\n"
        "    try:\n"
        "        requests.get(u, proxies=p, timeout=5)\n"
        "    except Exception:\n"
        "        pass\n")
    run([PY, "-c", script, proxy_url(recorder)], timeout=30)
    get = parse(http_parse, recorder.one())
    assert get["result"] > 0, get["why"]
    assert (get["form"], get["host"], get["path"]) == ("absolute", "py.test", "/x?y=%20z")
    conn = parse(http_parse, recorder.one())
    assert conn["result"] > 0, conn["why"]
    assert (conn["is_connect"], conn["host"], conn["port"]) == (1, "py.test", 444)


NODE_CLIENT = r"""
const http = require('http');
const port = +process.argv[2];
function send(opts, body) {
  return new Promise((resolve) => {
    const req = http.request(Object.assign({host: '127.0.0.1', port, timeout: 5000}, opts));
    req.on('response', (r) => { r.resume(); r.on('end', resolve); });
    req.on('connect', (r, s) => { s.destroy(); resolve(); });
    req.on('error', resolve);
    req.on('timeout', () => { req.destroy(); resolve(); });
    if (body) { for (const b of body) req.write(b); }
    req.end();
  });
}
(async () => {
  await send({method: 'GET', path: 'http://node.test/get', headers: {Host: 'node.test'}});
  await send({method: 'CONNECT', path: 'node.test:443'});
  await send({method: 'POST', path: 'http://node.test/up', headers: {Host: 'node.test'}},
             ['abc', 'defgh', '']);
})();
"""


def test_node_http_client(http_parse, recorder, tmp_path):
    js = tmp_path / "client.js"
    js.write_text(NODE_CLIENT)
    run(["node", str(js), str(recorder.port)], timeout=30)
    get = parse(http_parse, recorder.one())
    assert get["result"] > 0, get["why"]
    assert (get["form"], get["host"], get["path"]) == ("absolute", "node.test", "/get")
    conn = parse(http_parse, recorder.one())
    assert conn["result"] > 0, conn["why"]
    assert (conn["is_connect"], conn["host"], conn["port"]) == (1, "node.test", 443)
    post = parse(http_parse, recorder.one())
    assert post["result"] > 0, post["why"]
    assert post["body"] == "chunked" and post["chunked_done"] == 1
    assert post["chunked_taken"] == post["body_rest"]


def test_git_smart_http_and_https(http_parse, recorder, tmp_path):
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", HOME=str(tmp_path))
    for url in ("http://git.test/org/repo.git", "https://git.test/org/repo.git"):
        run(["git", "-c", f"http.proxy={proxy_url(recorder)}", "ls-remote", url],
            env=env, timeout=30)
    get = parse(http_parse, recorder.one())
    assert get["result"] > 0, get["why"]
    assert (get["host"], get["path"]) == \
        ("git.test", "/org/repo.git/info/refs?service=git-upload-pack")
    conn = parse(http_parse, recorder.one())
    assert conn["result"] > 0, conn["why"]
    assert (conn["is_connect"], conn["host"], conn["port"]) == (1, "git.test", 443)


def test_openssl_s_client_proxy(http_parse, recorder):
    subprocess.run(["openssl", "s_client", "-proxy", f"127.0.0.1:{recorder.port}",
                    "-connect", "tls.test:8443", "-servername", "tls.test"],
                   input=b"", capture_output=True, timeout=20)
    p = parse(http_parse, recorder.one())
    assert p["result"] > 0, p["why"]
    assert (p["is_connect"], p["host"], p["port"]) == (1, "tls.test", 8443)


def test_smuggling_attempt_refused(http_parse):
    """The same bytes a desync attack sends: refused, whatever comes after the head."""
    p = parse(http_parse, b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nG")
    assert p["result"] == -400 and "Transfer-Encoding" in p["why"]


# --- what servers answer ----------------------------------------------------------------

NODE_SERVER = r"""
const http = require('http');
const srv = http.createServer((req, res) => {
  if (req.url === '/chunks') { res.write('a'); res.write('bb'); res.end('ccc'); }
  else if (req.url === '/trailers') {
    res.setHeader('Trailer', 'X-Sum');
    res.write('data');
    res.addTrailers({'X-Sum': 'abc'});
    res.end();
  }
  else if (req.url === '/sse') {
    res.writeHead(200, {'Content-Type': 'text/event-stream'});
    res.write('data: one\n\n'); res.end('data: two\n\n');
  }
  else if (req.url === '/empty') { res.writeHead(204); res.end(); }
  else { res.setHeader('Content-Length', 5); res.end('hello'); }
});
srv.on('checkContinue', (req, res) => {
  res.writeContinue();
  req.resume();
  req.on('end', () => { res.setHeader('Content-Length', 2); res.end('ok'); });
});
srv.listen(+process.argv[2], '127.0.0.1', () => console.log('ready'));
"""


def wait_port(port, proc, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        assert proc.poll() is None, "the server exited early"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture
def node_server(tmp_path):
    js = tmp_path / "server.js"
    js.write_text(NODE_SERVER)
    port = free_port()
    proc = subprocess.Popen(["node", str(js), str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        yield port
    finally:
        proc.kill()
        proc.wait(timeout=10)


def fetch_raw(port, request):
    """Sends request bytes, returns every byte the server sent until it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


def get(path, method=b"GET", extra=b""):
    return method + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + \
        extra + b"\r\n"


@pytest.mark.parametrize("path", [b"/chunks", b"/trailers", b"/sse"])
def test_node_chunked_responses(http_parse, node_server, path):
    raw = fetch_raw(node_server, get(path))
    p = parse(http_parse, raw, "response", "GET")
    assert p["result"] > 0, p["why"]
    assert p["status"] == 200 and p["body"] == "chunked"
    assert p["chunked_done"] == 1 and p["chunked_taken"] == p["body_rest"], p


def test_node_length_head_and_204(http_parse, node_server):
    p = parse(http_parse, fetch_raw(node_server, get(b"/len")), "response", "GET")
    assert (p["body"], p["content_length"], p["body_rest"]) == ("length", 5, 5)
    head = parse(http_parse, fetch_raw(node_server, get(b"/len", b"HEAD")), "response", "HEAD")
    assert (head["body"], head["body_rest"]) == ("none", 0)
    empty = parse(http_parse, fetch_raw(node_server, get(b"/empty")), "response", "GET")
    assert (empty["status"], empty["body"]) == (204, "none")


def test_node_100_continue(http_parse, node_server):
    with socket.create_connection(("127.0.0.1", node_server), timeout=5) as s:
        s.sendall(b"POST /up HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                  b"Expect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        first = s.recv(65536)
        p = parse(http_parse, first, "response", "POST")
        assert (p["status"], p["body"]) == (100, "none"), p
        rest = first[p["result"]:]
        s.sendall(b"abc")
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
    final = parse(http_parse, rest, "response", "POST")
    assert (final["status"], final["body"], final["content_length"]) == (200, "length", 2)


def test_python_http_server_http10(http_parse, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"0123456789")
    port = free_port()
    proc = subprocess.Popen([PY, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        p = parse(http_parse, fetch_raw(port, get(b"/f.txt")), "response", "GET")
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert p["result"] > 0, p["why"]
    assert (p["version_minor"], p["keep_alive"]) == (0, 0)
    assert (p["body"], p["content_length"], p["body_rest"]) == ("length", 10, 10)
