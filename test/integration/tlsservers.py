"""tlsservers.py: TLS test infrastructure for the TLS-termination tests (test_mitm*.py).

Everything here uses the Python standard library and the openssl command only, so the
same file also runs INSIDE the sandbox as a client (`python3 tlsservers.py ws ...`).

- PKI: a test root CA made with openssl, leaf certificates for names, and the broken
  variants an upstream can present (expired, self-signed, wrong host, issued by a CA
  nobody trusts). Every file is world-readable: the sandbox user reads the CA.
- TLSServer: a threaded HTTPS origin on 127.0.0.1 that records every request it
  receives (method, target, headers, body length and SHA-256) and serves
    /echo...          any method: the request as JSON, real secret values masked
    /echo-auth        Authorization repeated in the answer's head, several ways
    /sse              an event stream that holds its second event until /release
    /release          lets the held event go
    /big?n=N          N deterministic bytes (big_sha(N) is their SHA-256)
    /upload           POST/PUT: length and SHA-256 of the body, hashed as it streams
    /ws               a WebSocket echo (RFC 6455)
    /close            an answer with Connection: close (the origin hangs up)
    /eof-body         a body without length, ended by closing the connection
    /reject           401 at once, without reading the body
    /git/...          `git http-backend` (CGI) behind Basic auth checked against the
                      real token
- ws_client(): a WebSocket client through the sandbox's HTTPS proxy (CONNECT + TLS).

Secrets the servers know (TLSServer.secrets, real value -> name) are masked as
<REAL:NAME> in everything they send back, so a test can see from inside the sandbox
that the proxy injected a secret without the real value ever entering the sandbox; the
recorded requests (host side) keep the raw bytes.
"""
import base64
import contextlib
import gzip
import hashlib
import http.server
import json
import os
import random
import socket
import socketserver
import ssl
import struct
import tempfile
import subprocess
import sys
import threading
import time
import urllib.parse

OPENSSL_TIMEOUT = 30
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B85"


# --- certificates -----------------------------------------------------------------------

def _openssl(*args, cwd=None):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True,
                       timeout=OPENSSL_TIMEOUT, cwd=cwd)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], r.stderr.strip()))
    return r.stdout


_CA_CONF = """\
[ca]
default_ca = test_ca
[test_ca]
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
[any_name]
commonName = supplied
"""


class PKI:
    """Test certificates in `folder` (made world-readable). `root` signs the good
    leaves and is what the policy's `trust` names; `other` is a CA nobody trusts."""

    def __init__(self, folder):
        self.dir = folder
        os.makedirs(folder, exist_ok=True)
        os.chmod(folder, 0o755)
        self.root = self._ca("root", "airlock test root CA")
        self.other = self._ca("other", "some other CA")

    def _path(self, name):
        return os.path.join(self.dir, name)

    def _readable(self, *paths):
        for p in paths:
            os.chmod(p, 0o644)

    def _ca(self, tag, cn):
        key, crt = self._path(tag + "-ca.key"), self._path(tag + "-ca.pem")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", key, "-out", crt, "-days", "3", "-subj", "/CN=" + cn,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        cadir = self._path(tag + "-ca.d")
        os.makedirs(cadir, exist_ok=True)
        open(os.path.join(cadir, "index.txt"), "w").close()
        with open(os.path.join(cadir, "serial"), "w") as f:
            f.write("%016X\n" % random.getrandbits(63))
        with open(os.path.join(cadir, "ca.cnf"), "w") as f:
            f.write(_CA_CONF.format(dir=cadir))
        self._readable(crt)
        return {"key": key, "crt": crt, "dir": cadir}

    def leaf(self, name, kind="good", san=None):
        """A certificate and key for `name`; returns (crt, key) paths.
        kind: "good" (root, valid now), "expired" (root, valid only in 2020),
        "self-signed", "wrong-host" (root, but for `san` or wrong.invalid),
        "untrusted" (signed by the other CA)."""
        tag = "%s-%s" % (name, kind)
        key, csr, crt = (self._path(tag + ext) for ext in (".key", ".csr", ".pem"))
        names = san or ("wrong-name.invalid" if kind == "wrong-host" else name)
        ext = self._path(tag + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:%s\nbasicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                    % names)
        if kind == "self-signed":
            _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj",
                     "/CN=" + name, "-addext", "subjectAltName=DNS:" + names)
        else:
            ca = self.other if kind == "untrusted" else self.root
            _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
            if kind == "expired":
                dates = ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"]
            else:
                dates = ["-days", "2"]
            _openssl("ca", "-batch", "-notext", "-config", os.path.join(ca["dir"], "ca.cnf"),
                     "-cert", ca["crt"], "-keyfile", ca["key"], "-in", csr, "-out", crt,
                     "-extfile", ext, *dates)
        self._readable(crt)
        return crt, key


# --- deterministic big bodies -----------------------------------------------------------

_BLOCK = random.Random(5).randbytes(1 << 20)


def big_chunks(n):
    """n deterministic bytes, in pieces of at most 1 MiB."""
    while n > 0:
        k = min(n, len(_BLOCK))
        yield _BLOCK[:k]
        n -= k


def big_sha(n):
    """SHA-256 (hex) of the n bytes big_chunks(n) yields."""
    h = hashlib.sha256()
    for c in big_chunks(n):
        h.update(c)
    return h.hexdigest()


def write_big(path, n):
    """Writes big_chunks(n) to path (world-readable)."""
    with open(path, "wb") as f:
        for c in big_chunks(n):
            f.write(c)
    os.chmod(path, 0o644)


# --- the HTTPS origin -------------------------------------------------------------------

class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        # A refused handshake (airlock rejecting this server's certificate) lands here:
        # count it, do not print a traceback.
        self.errors.append(repr(sys.exc_info()[1]))


def mask(text, secrets):
    """text with every real secret value (secrets: value -> NAME) shown as <REAL:NAME>."""
    for value, name in secrets.items():
        text = text.replace(value, "<REAL:%s>" % name)
    return text


def _basic_decoded(value):
    """'Basic dXNlcjpwdw==' -> 'user:pw'; None when it is not Basic."""
    scheme, _, cred = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(cred.strip(), validate=True).decode("utf-8", "replace")
    except ValueError:
        return "<bad base64>"


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves the endpoints listed in the module comment; records every request in
    server.requests before answering it."""
    protocol_version = "HTTP/1.1"
    timeout = 60

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        # Head and body are separate writes: without this, Nagle and delayed ACKs add
        # 40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- bodies --
    def _body_chunks(self):
        """The request body as it arrives (Content-Length or chunked)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("request body cut short")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                while size > 0:
                    piece = self.rfile.read(min(size, 1 << 16))
                    if not piece:
                        raise ConnectionError("request body cut short")
                    size -= len(piece)
                    yield piece
                self.rfile.readline(16)
        else:
            left = int(self.headers.get("Content-Length", "0") or "0")
            while left > 0:
                piece = self.rfile.read(min(left, 1 << 16))
                if not piece:
                    raise ConnectionError("request body cut short")
                left -= len(piece)
                yield piece

    def _consume(self, keep=1 << 20):
        """Reads the whole body; returns (first `keep` bytes, length, sha256 hex)."""
        h, n, kept = hashlib.sha256(), 0, bytearray()
        for piece in self._body_chunks():
            h.update(piece)
            n += len(piece)
            if len(kept) < keep:
                kept += piece[:keep - len(kept)]
        return bytes(kept), n, h.hexdigest()

    def _record(self, body=b"", length=0, sha=""):
        rec = {"method": self.command, "path": self.path, "peer": self.client_address[1],
               "headers": [(k, v) for k, v in self.headers.items()],
               "body": body, "len": length, "sha256": sha, "time": time.monotonic()}
        self.server.requests.append(rec)
        return rec

    def _reply(self, code, body, ctype="text/plain", extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_expect_100(self):
        self.server.continues.append(self.path)
        if urllib.parse.urlsplit(self.path).path == "/reject":
            # Refused in place of "100 Continue", so the client never sends the body:
            # closing with an unread body would reset the connection and could destroy
            # the answer in flight (a race that made this test flaky).
            self._record()
            self.close_connection = True
            self._reply(401, "no\n", extra=[("Connection", "close")])
            return False
        return super().handle_expect_100()

    # -- dispatch --
    def _dispatch(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/git/") and self.server.git_root:
            return self._git()
        if path == "/sse":
            return self._sse()
        if path == "/redirect":
            # Repeats the request in its head, as redirects and echo endpoints do.
            self._record()
            query = urllib.parse.urlsplit(self.path).query
            return self._reply(302, "moved\n", extra=(
                ("Location", "/landing?" + query),
                ("X-Echo-Authorization", self.headers.get("Authorization", ""))))
        if path == "/echo-auth":
            return self._echo_auth()
        if path == "/echo-raw":
            return self._echo_raw()
        if path == "/oauth-token":
            return self._oauth_token()
        if path == "/jwt-token":
            return self._jwt_token()
        if path == "/release":
            self._record()
            self.server.release.set()
            return self._reply(200, "released\n")
        if path == "/big":
            return self._big()
        if path == "/upload":
            body, n, sha = self._consume()
            self._record(body, n, sha)
            return self._reply(200, json.dumps({"len": n, "sha256": sha}) + "\n",
                               "application/json")
        if path == "/ws":
            return self._ws()
        if path == "/close":
            # The origin ends its keep-alive connection after this answer.
            self._record()
            self.close_connection = True
            return self._reply(200, "closing\n", extra=[("Connection", "close")])
        if path == "/eof-body":
            # No length, no chunking: the body ends where the connection does.
            self._record()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"body until EOF\n" * 1000)
            self.close_connection = True
            return None
        if path == "/reject":
            # Refuses before reading the body (e.g. 401 to Expect: 100-continue).
            self._record()
            self.close_connection = True
            return self._reply(401, "no\n", extra=[("Connection", "close")])
        return self._echo()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def _echo(self):
        body, n, sha = self._consume()
        self._record(body, n, sha)
        secrets = self.server.secrets
        headers = []
        for k, v in self.headers.items():
            shown = mask(v, secrets)
            basic = _basic_decoded(v) if k.lower() == "authorization" else None
            if basic is not None:
                shown = "Basic " + mask(basic, secrets)
            headers.append([k, shown])
        out = {"method": self.command, "path": mask(self.path, secrets),
               "unquoted_path": mask(urllib.parse.unquote(self.path), secrets),
               "headers": headers, "len": n,
               "body": mask(body.decode("utf-8", "replace"), secrets)}
        self._reply(200, json.dumps(out) + "\n", "application/json")

    def _echo_auth(self):
        """Repeats the request's Authorization in the answer's head the ways servers
        do: whole (X-Echo-Auth), the credentials alone under a lower-case name, and
        percent-encoded into a cookie; the head goes out in two writes (two TLS
        records) cut inside the credentials."""
        self._record()
        auth = self.headers.get("Authorization", "")
        cred = auth.partition(" ")[2].strip()
        head = ("HTTP/1.1 200 OK\r\nX-Echo-Auth: %s\r\nx-echo-credentials: %s\r\n"
                "Set-Cookie: echo=%s\r\nContent-Type: text/plain\r\n"
                "Content-Length: 3\r\n\r\nok\n"
                % (auth, cred, urllib.parse.quote(auth, safe=""))).encode()
        cut = head.find(cred.encode()) + len(cred) // 2 if cred else len(head) // 2
        self.wfile.write(head[:cut])
        self.wfile.flush()
        time.sleep(0.05)
        self.wfile.write(head[cut:])
        self.wfile.flush()

    def _oauth_token(self):
        """A token endpoint: a form with grant_type=refresh_token gets a fresh access
        token in a JSON answer (issued tokens in server.issued, the form's refresh
        token recorded as it arrived)."""
        body, n, sha = self._consume()
        rec = self._record(body, n, sha)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        rec["refresh_token"] = form.get("refresh_token", [""])[0]
        if form.get("grant_type") != ["refresh_token"]:
            return self._reply(400, json.dumps({"error": "unsupported_grant_type"}),
                               "application/json")
        issued = getattr(self.server, "issued", None)
        if issued is None:
            issued = self.server.issued = []
        token = "ya29.%s" % os.urandom(12).hex()
        issued.append(token)
        return self._reply(200, json.dumps({"access_token": token, "expires_in": 3599,
                                            "scope": "x", "token_type": "Bearer"}),
                           "application/json")

    def _jwt_token(self):
        """A service-account token endpoint (RFC 7523): the form's assertion must be a
        JWT whose RS256 signature verifies with server.jwt_pubkey (a PEM file, checked
        with openssl); its header and claims are recorded (server.grants), and a fresh
        access token is issued (server.issued)."""
        body, n, sha = self._consume()
        self._record(body, n, sha)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        grants = getattr(self.server, "grants", None)
        if grants is None:
            grants = self.server.grants = []
        bad = lambda why: self._reply(400, json.dumps({"error": "invalid_grant",
                                                       "error_description": why}),
                                      "application/json")
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return bad("grant_type")
        parts = form.get("assertion", [""])[0].split(".")
        if len(parts) != 3:
            return bad("not a JWT")
        unb64 = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        with tempfile.NamedTemporaryFile() as sig:
            sig.write(unb64(parts[2]))
            sig.flush()
            v = subprocess.run(["openssl", "dgst", "-sha256", "-verify",
                                self.server.jwt_pubkey, "-signature", sig.name],
                               input=(parts[0] + "." + parts[1]).encode(),
                               capture_output=True, timeout=30)
        header, claims = json.loads(unb64(parts[0])), json.loads(unb64(parts[1]))
        grants.append({"header": header, "claims": claims,
                       "verified": v.returncode == 0})
        if v.returncode != 0:
            return bad("Invalid JWT Signature.")
        issued = getattr(self.server, "issued", None)
        if issued is None:
            issued = self.server.issued = []
        token = "ya29.c.%s" % os.urandom(16).hex()
        issued.append(token)
        return self._reply(200, json.dumps({"access_token": token, "expires_in": 3599,
                                            "token_type": "Bearer"}), "application/json")

    def _echo_raw(self):
        """Hands the bearer token it got back in the body, unmasked, as a server that
        echoes credentials would. ?mode= says how: `length` (one Content-Length body,
        written in two TLS records cut inside the token), `chunked` (the token split
        across two chunks, and again in a trailer field), `sse` (an event stream, an
        event per chunk, the token cut across chunks with a pause between), `gzip`
        (Content-Encoding: gzip, whatever was asked). Without a token in this request
        it echoes the last one any request brought (a later response on the same
        connection)."""
        self._consume()
        rec = self._record()
        rec["accept_encoding"] = self.headers.get("Accept-Encoding")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            self.server.last_token = auth[7:]
        tok = (getattr(self.server, "last_token", "") or "").encode()
        mode = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get(
            "mode", ["length"])[0]
        half = len(tok) // 2

        def pause():
            self.wfile.flush()
            time.sleep(0.05)
        if mode == "gzip":
            body = gzip.compress(b'{"you_sent": "%s"}\n' % tok)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if mode == "length":
            body = b'{"you_sent": "%s"}\n' % tok
            cut = body.find(tok) + half
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:cut])
            pause()
            self.wfile.write(body[cut:])
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream" if mode == "sse" else "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        if mode == "chunked":
            self.send_header("Trailer", "X-Echo")
        self.end_headers()

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        if mode == "sse":
            chunk(b"event: message\ndata: first\n\n")
            pause()
            chunk(b"data: {\"token\": \"" + tok[:half])
            pause()
            chunk(tok[half:] + b"\"}\n\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            chunk(b"saw " + tok[:half])
            pause()
            chunk(tok[half:] + b" end\n")
            self.wfile.write(b"0\r\nX-Echo: %s\r\n\r\n" % tok)
        self.wfile.flush()

    def _sse(self):
        """Event one at once; event two only after /release (or after server.hold
        seconds, saying it was not released): a client that receives event one and
        then calls /release proves the response was relayed as it arrived."""
        self._record()
        self.server.release.clear()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        chunk(b"event: message\ndata: first\n\n")
        released = self.server.release.wait(self.server.hold)
        chunk(b"data: second released=%s\n\n" % (b"yes" if released else b"no"))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _big(self):
        self._record()
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        n = int(q.get("n", ["0"])[0])
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        for c in big_chunks(n):
            self.wfile.write(c)

    # -- WebSocket echo --
    def _ws(self):
        self._record()
        key = self.headers.get("Sec-WebSocket-Key", "")
        if self.headers.get("Upgrade", "").lower() != "websocket" or not key:
            return self._reply(400, "websocket upgrade expected\n")
        accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            frame = ws_read_frame(self.rfile)
            if frame is None:
                break
            opcode, payload = frame
            self.server.ws_messages.append(payload)
            if opcode == 8:
                self.wfile.write(ws_frame(8, payload[:2], masked=False))
                self.wfile.flush()
                break
            if opcode == 9:
                opcode = 10
            self.wfile.write(ws_frame(opcode, payload, masked=False))
            self.wfile.flush()
        self.close_connection = True

    # -- git http-backend --
    def _git(self):
        body, n, sha = self._consume(keep=64 << 20)
        rec = self._record(body[:4096], n, sha)
        auth = self.headers.get("Authorization", "")
        cred = _basic_decoded(auth) or ""
        rec["basic"] = cred
        user, _, password = cred.partition(":")
        want = self.server.git_token
        if not want or password != want:
            return self._reply(401, "credentials needed\n",
                               extra=[("WWW-Authenticate", 'Basic realm="airlock test"')])
        url = urllib.parse.urlsplit(self.path)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "GIT_PROJECT_ROOT": self.server.git_root, "GIT_HTTP_EXPORT_ALL": "1",
               "REQUEST_METHOD": self.command, "PATH_INFO": url.path[len("/git"):],
               "QUERY_STRING": url.query, "REMOTE_USER": user, "REMOTE_ADDR": "127.0.0.1",
               "CONTENT_TYPE": self.headers.get("Content-Type", ""),
               "CONTENT_LENGTH": str(len(body)), "GATEWAY_INTERFACE": "CGI/1.1",
               "SERVER_PROTOCOL": "HTTP/1.1"}
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        r = subprocess.run(["git", "http-backend"], input=body, env=env,
                           capture_output=True, timeout=60)
        out = r.stdout
        sep = min((i for i in (out.find(b"\r\n\r\n"), out.find(b"\n\n")) if i >= 0),
                  default=-1)
        if r.returncode != 0 or sep < 0:
            return self._reply(500, b"git http-backend failed: " + r.stderr[-500:])
        head, rest = out[:sep], out[sep:].lstrip(b"\r\n")
        code, extra, ctype = 200, [], "text/plain"
        for line in head.decode("latin-1").splitlines():
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k.lower() == "status":
                code = int(v.split()[0])
            elif k.lower() == "content-type":
                ctype = v
            elif k and k.lower() not in ("content-length", "transfer-encoding"):
                extra.append((k, v))
        self._reply(code, rest, ctype, extra)


class TLSServer:
    """A threaded HTTPS origin on 127.0.0.1 with certificate `crt`/`key`.

    Attributes: port, requests (recorded dicts), continues (targets that got a 100),
    ws_messages, errors (failed connections, e.g. refused handshakes), secrets
    (real value -> name, masked in answers), git_root/git_token for /git/, hold
    (seconds /sse waits for /release). tls=False serves plain HTTP; tls_min sets the
    lowest TLS version the server accepts. Use as a context manager; stops on exit."""

    def __init__(self, crt, key, secrets=None, git_root=None, git_token=None, hold=15,
                 tls=True, tls_min=None):
        srv = _Server(("127.0.0.1", 0), Handler)
        srv.requests, srv.continues, srv.ws_messages, srv.errors = [], [], [], []
        srv.secrets = dict(secrets or {})
        srv.git_root, srv.git_token, srv.hold = git_root, git_token, hold
        srv.release = threading.Event()
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(crt, key)
            if tls_min:
                ctx.minimum_version = tls_min  # e.g. ssl.TLSVersion.TLSv1_3
            # The handshake happens in the handler thread, so a client that refuses
            # our certificate cannot stall the accept loop.
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                         do_handshake_on_connect=False)
        self.srv = srv
        self.port = srv.server_address[1]
        self.thread = threading.Thread(target=srv.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)

    def __getattr__(self, name):
        return getattr(self.srv, name)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.srv.release.set()
        self.srv.shutdown()
        self.srv.server_close()
        self.thread.join(10)

    def raw_requests(self):
        """Every recorded request as one text (target, headers, body start), for
        searching the bytes the origin received."""
        parts = []
        for r in self.srv.requests:
            parts.append("%s %s" % (r["method"], r["path"]))
            parts += ["%s: %s" % kv for kv in r["headers"]]
            if r.get("basic"):
                parts.append("basic=" + r["basic"])
            parts.append(r["body"].decode("utf-8", "replace"))
        return "\n".join(parts)


@contextlib.contextmanager
def servers(*specs):
    """Starts several TLSServers (each a dict of TLSServer kwargs); yields the list and
    stops them all however the block ends."""
    started = []
    try:
        for spec in specs:
            s = TLSServer(**spec)
            s.__enter__()
            started.append(s)
        yield started
    finally:
        for s in reversed(started):
            s.__exit__(None, None, None)


# --- WebSocket framing (both sides) -----------------------------------------------------

def ws_frame(opcode, payload, masked=True):
    """One final WebSocket frame; client frames are masked (RFC 6455 5.3)."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 1 << 16:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def _read_exact(f, n):
    data = b""
    while len(data) < n:
        piece = f.read(n - len(data))
        if not piece:
            return None
        data += piece
    return data


def ws_read_frame(f):
    """Reads one frame from the file-like f; returns (opcode, payload) or None at EOF."""
    h = _read_exact(f, 2)
    if h is None:
        return None
    opcode, n, masked = h[0] & 0x0F, h[1] & 0x7F, h[1] & 0x80
    if n == 126:
        n = struct.unpack("!H", _read_exact(f, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(f, 8))[0]
    key = _read_exact(f, 4) if masked else None
    payload = _read_exact(f, n) if n else b""
    if payload is None:
        return None
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return opcode, payload


def ws_client(host, path, messages, proxy=("127.0.0.1", 3128), cafile=None, timeout=20,
              headers=()):
    """Opens wss://host{path} through the HTTPS proxy (CONNECT, then TLS verified with
    cafile, default $SSL_CERT_FILE), with extra request headers ("Name: value"), sends
    each message as a text frame and returns
    {"status": upgrade status line, "accept_ok": bool, "echoes": [...]}."""
    s = socket.create_connection(proxy, timeout=timeout)
    s.sendall(b"CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n" % (host.encode(), host.encode()))
    head = b""
    while b"\r\n\r\n" not in head:
        piece = s.recv(1)
        if not piece:
            raise ConnectionError("proxy closed during CONNECT")
        head += piece
    if b" 200 " not in head.split(b"\r\n")[0]:
        return {"status": head.split(b"\r\n")[0].decode(), "accept_ok": False, "echoes": []}
    ctx = ssl.create_default_context(cafile=cafile or os.environ["SSL_CERT_FILE"])
    t = ctx.wrap_socket(s, server_hostname=host)
    key = base64.b64encode(os.urandom(16))
    extra = b"".join(h.encode() + b"\r\n" for h in headers)
    t.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n"
              % (path.encode(), host.encode(), key, extra))
    f = t.makefile("rb")
    lines = []
    while True:
        line = f.readline(8192)
        if line in (b"\r\n", b"\n", b""):
            break
        lines.append(line.decode("latin-1").strip())
    status = lines[0] if lines else ""
    want = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
    accept_ok = any(l.lower().startswith("sec-websocket-accept:") and
                    l.split(":", 1)[1].strip() == want for l in lines)
    echoes = []
    if " 101 " in status + " ":
        for m in messages:
            t.sendall(ws_frame(1, m.encode()))
            frame = ws_read_frame(f)
            echoes.append(None if frame is None else frame[1].decode("utf-8", "replace"))
        t.sendall(ws_frame(8, struct.pack("!H", 1000)))
        ws_read_frame(f)
    t.close()
    return {"status": status, "accept_ok": accept_ok, "echoes": echoes}


def _main(argv):
    """Client side, run inside the sandbox: `tlsservers.py ws HOST PATH [-H HEADER]...
    MSG...` prints ws_client()'s answer as JSON."""
    if len(argv) >= 3 and argv[0] == "ws":
        rest, headers = argv[3:], []
        while len(rest) >= 2 and rest[0] == "-H":
            headers.append(rest[1])
            rest = rest[2:]
        print(json.dumps(ws_client(argv[1], argv[2], rest, headers=headers)))
        return 0
    print("usage: tlsservers.py ws HOST PATH [-H HEADER]... MSG...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
