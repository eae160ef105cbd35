"""TLS session resumption toward the upstream (proxy/tls/session_cache.h), seen from the
upstream's side: sandboxed curl processes make separate connections through the MITM
proxy to a TLS 1.2-only origin on loopback that records, for every handshake, the
server name and the session ID the ClientHello offered (read from the socket before
OpenSSL takes it), whether OpenSSL resumed, and the session ID it gave.

Shown here: a second connection to the same mapped host resumes; a server that lost
its session cache is answered with a full handshake and the request still succeeds;
a server that breaks off a resumed handshake makes the proxy forget the session (the
next connection is a full handshake again); a host is never offered another host's
session, even when both are mapped to the same server.
"""
import socket
import ssl
import struct
import threading
import time

from test_mitm import box, pki, sandbox, use_pki, write_policy  # noqa: F401 (fixtures)

HOSTS = ("a.resume.test", "b.resume.test")


def client_hello(conn, timeout=5.0):
    """(server name, offered session ID) of the ClientHello waiting on conn, peeked so
    that OpenSSL still reads it whole. (None, None) when it is not one."""
    conn.settimeout(timeout)
    data = b""
    for _ in range(200):
        data = conn.recv(16384, socket.MSG_PEEK)
        if not data or (len(data) >= 5 and len(data) >= 5 + struct.unpack("!H", data[3:5])[0]):
            break
        time.sleep(0.01)
    if len(data) < 5 + 4 + 35 or data[0] != 0x16 or data[5] != 1:
        return None, None
    body = data[9:]
    sid_len = body[34]
    sid = body[35:35 + sid_len]
    off = 35 + sid_len
    off += 2 + struct.unpack("!H", body[off:off + 2])[0]  # cipher suites
    off += 1 + body[off]                                  # compression methods
    end = off + 2 + struct.unpack("!H", body[off:off + 2])[0]
    off += 2
    name = ""
    while off + 4 <= end:
        etype, elen = struct.unpack("!HH", body[off:off + 4])
        if etype == 0:  # server_name: list length, type 0, name length, name
            nlen = struct.unpack("!H", body[off + 7:off + 9])[0]
            name = body[off + 9:off + 9 + nlen].decode()
        off += 4 + elen
    return name, sid


class ResumeServer:
    """A TLS 1.2-only HTTPS origin on 127.0.0.1 with OpenSSL's server-side session cache
    (session IDs; no tickets). Every connection answers one request with 200 "ok PATH",
    then closes with close_notify. `handshakes` has one dict per connection: sni,
    offered (hex), resumed, issued (hex), path.

    GET /new-cache gives the server a fresh SSL context: an empty session cache, as
    after a restart. GET /break?MODE makes the next connection that offers a session
    ID end before OpenSSL sees it: MODE close (FIN) or reset (RST)."""

    def __init__(self, crt, key):
        self.crt, self.key = crt, key
        self.ctx = self._context()
        self.handshakes, self.errors = [], []
        self.break_mode = None
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.crt, self.key)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.options |= ssl.OP_NO_TICKET
        return ctx

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _break(self, conn, offered):
        """Ends a connection that offers a session while a /break is pending: True."""
        with self.lock:
            mode = self.break_mode if offered else None
            if mode:
                self.break_mode = None
        if mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if mode:
            self.handshakes.append({"offered": offered.hex(), "broken": mode})
            conn.close()
        return bool(mode)

    def _serve(self, conn):
        try:
            name, offered = client_hello(conn)
            if offered is None or self._break(conn, offered):
                return
            with self.lock:
                ctx = self.ctx
            self._tls(conn, ctx, name, offered)
        except (OSError, ssl.SSLError, ValueError) as e:
            self.errors.append(repr(e))
        finally:
            conn.close()

    def _tls(self, conn, ctx, name, offered):
        """One exchange, with TLS through memory BIOs so that OpenSSL never meets the
        socket's end itself: it drops a session from its cache when the connection
        that made it ends in an error, which a client hanging up at once (as the proxy
        may) would make the server's own shutdown meet, racing the next handshake."""
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        t = ctx.wrap_bio(inc, out, server_side=True)

        def step(op, *a):
            while True:
                try:
                    return op(*a)
                except ssl.SSLWantReadError:
                    conn.sendall(out.read())
                    data = conn.recv(16384)
                    if not data:
                        raise ConnectionError("the client closed")
                    inc.write(data)

        step(t.do_handshake)
        conn.sendall(out.read())
        rec = {"sni": name, "offered": offered.hex(), "resumed": t.session_reused,
               "issued": t.session.id.hex() if t.session else ""}
        head = b""
        while b"\r\n\r\n" not in head:
            head += step(t.read, 4096)
        path = head.split(b" ")[1].decode()
        rec["path"] = path
        self.handshakes.append(rec)
        if path == "/new-cache":
            with self.lock:
                self.ctx = self._context()
        elif path.startswith("/break?"):
            with self.lock:
                self.break_mode = path.split("?", 1)[1]
        body = ("ok %s\n" % path).encode()
        t.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n%s" % (len(body), body))
        # close_notify goes out (the session stays cached); the peer's is not awaited.
        try:
            t.unwrap()
        except ssl.SSLWantReadError:
            pass
        conn.sendall(out.read())


def origin(pki):
    crt, key = pki.leaf(HOSTS[0], san=",DNS:".join(HOSTS))
    return ResumeServer(crt, key)


def run(box, srv, paths):
    """One sandbox running one curl process (one connection) per (host, path) in turn;
    returns ["STATUS BODY'S FIRST LINE", ...] and the sandbox's result."""
    pol = write_policy(box, {h: srv.port for h in HOSTS})
    script = "\n".join(
        'echo "$(curl -sS -m 20 -o /tmp/body -w %%{http_code} https://%s%s) '
        '$(head -n 1 /tmp/body)"' % (h, p) for h, p in paths)
    r, _ = sandbox(box, pol, script)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.splitlines(), r


def handshakes(srv, n):
    hs = srv.handshakes
    assert len(hs) == n, hs
    return hs


def test_second_connection_to_a_host_resumes(box, pki):
    """Two curl processes, two connections through the proxy, two upstream handshakes:
    the first full, the second offering (and the origin resuming) the first's
    session."""
    use_pki(box, pki)
    with origin(pki) as srv:
        out, r = run(box, srv, [(HOSTS[0], "/1"), (HOSTS[0], "/2")])
        assert out == ["200 ok /1", "200 ok /2"], r.stdout + r.stderr
        first, second = handshakes(srv, 2)
        assert first["sni"] == second["sni"] == HOSTS[0]
        assert first["offered"] == "" and not first["resumed"] and first["issued"]
        assert second["offered"] == first["issued"] and second["resumed"], srv.handshakes
        assert not srv.errors, srv.errors


def test_refused_resumption_falls_back_to_a_full_handshake(box, pki):
    """The origin loses its session cache (a restart): the proxy's cached session is
    refused, the handshake is a full one (a new session, the certificate verified
    again) and the request succeeds; the connection after that resumes the new
    session."""
    use_pki(box, pki)
    h = HOSTS[0]
    with origin(pki) as srv:
        out, r = run(box, srv, [(h, "/1"), (h, "/new-cache"), (h, "/2"), (h, "/3")])
        assert out == ["200 ok /1", "200 ok /new-cache", "200 ok /2", "200 ok /3"], \
            r.stdout + r.stderr
        first, again, refused, after = handshakes(srv, 4)
        assert again["offered"] == first["issued"] and again["resumed"]
        # Offered to a server that no longer knows it: a full handshake, a new session.
        assert refused["offered"] == first["issued"] and not refused["resumed"]
        assert refused["issued"] and refused["issued"] != first["issued"]
        assert after["offered"] == refused["issued"] and after["resumed"], srv.handshakes
        assert not srv.errors, srv.errors


def test_broken_resumption_drops_the_session(box, pki):
    """An origin that hangs up on a ClientHello offering a session (closing, then
    resetting): the proxy forgets that session, so the next upstream connection is a
    full handshake instead of failing the same way. The handshake starts at CONNECT, so
    when the hang-up comes before the request the proxy dials again at once and the
    request succeeds; when the request was already waiting it gets a 502."""
    use_pki(box, pki)
    h = HOSTS[0]
    with origin(pki) as srv:
        paths = [(h, "/break?close"), (h, "/1"), (h, "/2"),
                 (h, "/break?reset"), (h, "/3"), (h, "/4")]
        out, r = run(box, srv, paths)
        assert [line.split(" ", 1)[0] for line in out] in (
            ["200", code1, "200", "200", code3, "200"]
            for code1 in ("200", "502") for code3 in ("200", "502")), r.stdout + r.stderr
        assert out[2] == "200 ok /2" and out[5] == "200 ok /4", out
        hs = srv.handshakes
        broken = [i for i, x in enumerate(hs) if "broken" in x]
        assert [hs[i]["broken"] for i in broken] == ["close", "reset"], hs
        for i in broken:
            # It was offered the session the connection before it had just made...
            assert hs[i]["offered"] == hs[i - 1]["issued"] != "", hs
            # ...and the next upstream handshake offered nothing: a full one.
            after = hs[i + 1]
            assert after["offered"] == "" and not after["resumed"] and after["issued"], hs
            # Resumption works again, with the new session.
            if i + 2 < len(hs) and "broken" not in hs[i + 2]:
                assert hs[i + 2]["offered"] == after["issued"] and hs[i + 2]["resumed"], hs
        assert not srv.errors, srv.errors


def test_a_host_is_never_offered_another_hosts_session(box, pki):
    """a and b are mapped to the same origin (one certificate names both): each host
    resumes its own session and is never offered the other's."""
    use_pki(box, pki)
    a, b = HOSTS
    with origin(pki) as srv:
        out, r = run(box, srv, [(a, "/a1"), (b, "/b1"), (a, "/a2"), (b, "/b2")])
        assert out == ["200 ok /a1", "200 ok /b1", "200 ok /a2", "200 ok /b2"], \
            r.stdout + r.stderr
        a1, b1, a2, b2 = handshakes(srv, 4)
        assert [x["sni"] for x in (a1, b1, a2, b2)] == [a, b, a, b]
        assert b1["offered"] == "" and not b1["resumed"]
        assert a2["offered"] == a1["issued"] and a2["resumed"], srv.handshakes
        assert b2["offered"] == b1["issued"] and b2["resumed"]
        issued = {"a": {a1["issued"]}, "b": {b1["issued"]}}
        assert a1["issued"] != b1["issued"]
        assert not {x["offered"] for x in (b1, b2)} & issued["a"]
        assert not {x["offered"] for x in (a1, a2)} & issued["b"]
        assert not srv.errors, srv.errors
