"""http:// response bodies through splice(2) (proxy/splice.h): a body nothing needs to
see goes from the upstream socket to the client's through a pipe. These tests check that
it does (a pipe is open in the proxy while such a body is under way, in the proxy alone
and in sandbox-exec's worker under its seccomp allow-list) and that the bytes, their
order and the framing stay exactly as with the buffers: a slow client, keep-alive after a
spliced body, a body that ends with the connection, an upstream that stops early, and a
connection that carried a secret, whose bodies are scrubbed and so never spliced."""
import hashlib
import os
import socket
import threading
import time

from test_proxy import clean_env, harness, tmp  # noqa: F401 (fixture)
from test_proxy_sandbox import box, policy, sandbox  # noqa: F401 (fixture)

SIZE = 24 << 20


def blob(n, seed=b"airlock"):
    """n deterministic bytes that differ everywhere (a reordering would show)."""
    out = bytearray()
    block = hashlib.sha256(seed).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:n])


class Origin:
    """A raw HTTP/1.1 origin on 127.0.0.1. Paths: /big (SIZE bytes, Content-Length),
    /small, /close (SIZE bytes until close, no length), /short (a length it does not
    keep), /echo?v=X (X back in a body of SIZE bytes)."""

    def __init__(self):
        self.body = blob(SIZE)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                head, _, buf = buf.partition(b"\r\n\r\n")
                path = head.split(b" ")[1].decode()
                if path == "/big":
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % SIZE)
                    c.sendall(self.body)
                elif path == "/small":
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nsmall")
                elif path == "/close":
                    c.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + self.body)
                    return
                elif path == "/short":
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % SIZE)
                    c.sendall(self.body[:SIZE // 3])
                    return
                elif path.startswith("/echo?v="):
                    v = path[len("/echo?v="):].encode()
                    body = (v + b"\n") * (SIZE // (len(v) + 1))
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
                    c.sendall(body)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.sock.close()


def read_response(s, slow=False):
    """One response from socket s: (head, body); the body by Content-Length, or until
    close without one. slow: small reads with pauses, so the proxy meets a full client."""
    data = b""
    while b"\r\n\r\n" not in data:
        d = s.recv(65536)
        assert d, data
        data += d
    head, _, body = data.partition(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while length is None or len(body) < length:
        d = s.recv(4096 if slow else 1 << 20)
        if not d:
            break
        body += d
        if slow and len(body) < 4 << 20:
            time.sleep(0.002)
    return head, body


def pipes_of(pid):
    """How many pipes process pid holds."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("pipe:")
        except OSError:
            pass
    return n


POLICY = """
[network]
allow = web.test:80
map = web.test 127.0.0.1:{port}
"""


def test_a_body_goes_through_a_pipe_whole_and_in_order(tmp):  # noqa: F811
    o = Origin()
    try:
        with harness(tmp, POLICY.format(port=o.port)) as h:
            before = pipes_of(h.proc.pid)
            s = socket.create_connection(("127.0.0.1", h.port), timeout=20)
            s.sendall(b"GET http://web.test/big HTTP/1.1\r\nHost: web.test\r\n\r\n")
            head = s.recv(64)  # the head has come; the body is under way, the client slow
            assert head.startswith(b"HTTP/1.1 200"), head
            time.sleep(0.3)
            during = pipes_of(h.proc.pid)
            rest_head, body = read_response_after(s, head, slow=True)
            assert hashlib.sha256(body).digest() == hashlib.sha256(o.body).digest()
            assert during == before + 2, "no pipe while a plain body was relayed"
            # Keep-alive: the next request on the same connection, a small answer.
            s.sendall(b"GET http://web.test/small HTTP/1.1\r\nHost: web.test\r\n\r\n")
            head2, body2 = read_response(s)
            assert head2.startswith(b"HTTP/1.1 200") and body2 == b"small"
            s.close()
            # The proxy writes a request's line once its answer is out: the client can
            # have read that answer a moment before.
            deadline = time.monotonic() + 10
            while True:
                lines = [a for a in h.audit() if a["event"] == "request"]
                if len(lines) >= 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert [a["path"] for a in lines] == ["/big", "/small"]
            assert lines[0]["bytes_down"] >= SIZE and lines[0]["status"] == 200
    finally:
        o.close()


def read_response_after(s, first, slow=False):
    """read_response() for a socket of which `first` was read already."""

    class Prefixed:
        def __init__(self):
            self.pending = first

        def recv(self, n):
            if self.pending:
                d, self.pending = self.pending, b""
                return d
            return s.recv(n)

    return read_response(Prefixed(), slow=slow)


def test_a_body_until_close_and_one_cut_short(tmp):  # noqa: F811
    o = Origin()
    try:
        with harness(tmp, POLICY.format(port=o.port)) as h:
            s = socket.create_connection(("127.0.0.1", h.port), timeout=20)
            s.sendall(b"GET http://web.test/close HTTP/1.1\r\nHost: web.test\r\n\r\n")
            head, body = read_response(s)
            assert b"200" in head.split(b"\r\n")[0]
            assert body == o.body  # all of it, then the end of the connection
            s.close()
            # A Content-Length the upstream does not keep: the client gets a prefix of
            # the body and then the end of the connection (a reset, which says the
            # answer is cut), never a hang and never bytes that were not sent.
            s = socket.create_connection(("127.0.0.1", h.port), timeout=20)
            s.sendall(b"GET http://web.test/short HTTP/1.1\r\nHost: web.test\r\n\r\n")
            t = time.monotonic()
            got = b""
            try:
                while True:
                    d = s.recv(1 << 20)
                    if not d:
                        break
                    got += d
            except ConnectionResetError:
                pass
            assert time.monotonic() - t < 15
            assert got.startswith(b"HTTP/1.1 200")
            body = got.partition(b"\r\n\r\n")[2]
            assert body == o.body[:len(body)] and len(body) <= SIZE // 3
            s.close()
            # Still serving.
            s = socket.create_connection(("127.0.0.1", h.port), timeout=20)
            s.sendall(b"GET http://web.test/small HTTP/1.1\r\nHost: web.test\r\n\r\n")
            assert read_response(s)[1] == b"small"
            s.close()
    finally:
        o.close()


def test_a_body_that_may_echo_a_secret_is_scrubbed_not_spliced(box):  # noqa: F811
    """The connection carried the real value upstream, so its answers are scrubbed: the
    echo comes back as the placeholder, which a spliced body would not be."""
    o = Origin()
    value = "tok-splice-0c9e4b1f7a"
    try:
        pol = policy(box, POLICY.format(port=o.port) + """
            [secret SPLICE_TOKEN]
            hosts = web.test
            plaintext = yes
            """)
        r = sandbox(pol, ["/bin/sh", "-c", "curl -sS -H \"X-T: $SPLICE_TOKEN\" "
                          "'http://web.test/echo?v=openshell:resolve:env:SPLICE_TOKEN'"],
                    env=clean_env(SPLICE_TOKEN=value))
        assert r.returncode == 0, r.stderr
        assert value not in r.stdout
        assert r.stdout.count("openshell:resolve:env:SPLICE_TOKEN\n") > 100000, r.stdout[:300]
    finally:
        o.close()


def test_the_worker_splices_under_its_seccomp_filter(box):  # noqa: F811
    o = Origin()
    try:
        pol = policy(box, POLICY.format(port=o.port))
        out = os.path.join(box, "out")
        os.mkdir(out)
        os.chmod(out, 0o777)
        pol_text = open(pol).read().replace("read_write = /tmp", f"read_write = /tmp {out}")
        with open(pol, "w") as f:
            f.write(pol_text)
        seen = {}

        def watch():
            # The worker is sandbox-exec's process named airlock-proxy.
            end = time.monotonic() + 30
            while time.monotonic() < end and "pipes" not in seen:
                for pid in os.listdir("/proc"):
                    try:
                        if pid.isdigit() and open(f"/proc/{pid}/comm").read().strip() \
                                == "airlock-proxy" and pipes_of(pid) >= 2:
                            seen["pipes"] = pipes_of(pid)
                    except OSError:
                        pass
                time.sleep(0.01)

        t = threading.Thread(target=watch)
        t.start()
        r = sandbox(pol, ["/bin/sh", "-c",
                          f"curl -sS --limit-rate 20M -o {out}/big http://web.test/big"])
        t.join()
        assert r.returncode == 0, r.stderr
        with open(f"{out}/big", "rb") as f:
            assert hashlib.sha256(f.read()).digest() == hashlib.sha256(o.body).digest()
        assert seen.get("pipes", 0) >= 2, "the worker relayed the body without a pipe"
    finally:
        o.close()
