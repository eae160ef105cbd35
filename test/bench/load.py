#!/usr/bin/python3
"""load.py: load and faults through airlock's TLS-terminating proxy, beside squid.

A benchmark, not a test: it prints, never asserts (exit 0 unless setup fails).

In one run, a load client holds CONNS concurrent MITM connections and pushes REQUESTS
requests through them while the origins and some of the clients misbehave on purpose:

  good              keep-alive GETs of a small fixed answer (80% of the connections)
  reset-mid-body    origin sends the head (Content-Length 1000), 500 bytes, then an RST
  stall             origin never answers the head (the client gives up after 3 s)
  garbage-tls       origin answers the ClientHello with random bytes
  slow-drip         origin sends its answer one byte every 50 ms
  close-after-head  origin sends the head (Content-Length 1000), then close_notify + FIN
  abort-mid-request client sends half a request head, then an RST
  half-close        client sends a request, shutdown(SHUT_WR), still reads the answer
  never-read        client pipelines 16 GETs of 64 KiB, never reads, RST after 2 s

Every slot opens its first connection before the load starts (that is the held set);
a good slot keeps it, a faulty one makes up to 8 attempts (a fresh connection each),
paced by the well-behaved requests sent, so every proxy gets the same work. The client
runs inside `airlock sandbox-exec` (proxy at 127.0.0.1:3128, CA in SSL_CERT_FILE), then
outside it against squid-openssl (ssl_bump) with the same origins. It prints requests
served, outcomes by cause, well-behaved requests lost, their p50/p99 latency, CPU, and
each proxy process's fd count and VmRSS before the load, at its peak and after it (once
the client has closed everything), with the TCP sockets a proxy still holds then.

  test/bench/load.py out/airlock [--conns 1000] [--requests 100000] [--no-squid]
                     [--faults reset-mid-body,stall,...] [--settle 30]

Needs root (sandbox-exec), openssl; squid-openssl is optional (apt-get install
squid-openssl). The same file is the origins (`_origins DIR`) and the client
(`_client JSON`); it copies itself to a temp dir the sandbox may read.
"""
import argparse
import asyncio
import collections
import json
import os
import queue
import random
import resource
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256"  # BearSSL has no TLS 1.3: same suite everywhere
UPSTREAM = ["reset-mid-body", "stall", "garbage-tls", "slow-drip", "close-after-head"]
CLIENT = ["abort-mid-request", "half-close", "never-read"]
FAULTS = UPSTREAM + CLIENT
NAMES = ["good"] + UPSTREAM  # one origin (name, port) each; client faults use good
SMALL = b"x" * 100
BIG = b"y" * 65536
PIPELINE = 16  # never-read: GETs of BIG per connection
STALL_WAIT = 3.0  # the client's patience with the stalling origin
ATTEMPTS = 8  # per faulty slot, at most; spread over the well-behaved load's progress
TIMEOUT = 30.0  # a well-behaved request, a connection
FAULT_WAIT = 5.0  # an answer on a faulty pair (slow-drip's takes 2.4 s)


def host_of(name):
    return name + ".test"


def no_linger(sock):
    """Makes close() send an RST instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def tls12(ctx):
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(CIPHERS)
    return ctx


def quiet_loop():
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda loop, ctx: None)  # resets are the point here
    return loop


# --- origins -----------------------------------------------------------------------------


def response(body, extra=b""):
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (len(body), extra) + body


class Origin(asyncio.Protocol):
    """Reads request heads; answer() does what this origin does with each."""

    def connection_made(self, t):
        self.t, self.buf, self.paused, self.gone = t, b"", False, False

    def data_received(self, d):
        self.buf += d
        self.serve()

    def serve(self):
        while not self.paused and not self.gone:
            i = self.buf.find(b"\r\n\r\n")
            if i < 0:
                return
            head, self.buf = self.buf[:i], self.buf[i + 4:]
            self.answer(head)

    # A client that does not read stops this one reading (never-read must not pile up here).
    def pause_writing(self):
        self.paused = True
        self.t.pause_reading()

    def resume_writing(self):
        self.paused = False
        self.t.resume_reading()
        self.serve()

    def connection_lost(self, exc):
        self.gone = True

    def eof_received(self):
        return False


class Good(Origin):
    def answer(self, head):
        self.t.write(response(BIG) if head.startswith(b"GET /big") else response(SMALL))


class ResetMidBody(Origin):
    def answer(self, head):
        self.t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"r" * 500)
        self.gone = True
        asyncio.get_running_loop().call_later(0.05, self.rst)  # let the 500 bytes leave first

    def rst(self):
        no_linger(self.t.get_extra_info("socket"))
        self.t.abort()


class Stall(Origin):
    def answer(self, head):
        pass


class SlowDrip(Origin):
    def answer(self, head):
        self.pending = response(b"d" * 10)
        self.paused = True  # one answer at a time
        self.drip()

    def drip(self):
        if self.gone:
            return
        self.t.write(self.pending[:1])
        self.pending = self.pending[1:]
        if self.pending:
            asyncio.get_running_loop().call_later(0.05, self.drip)
        else:
            self.paused = False
            self.serve()


class CloseAfterHead(Origin):
    def answer(self, head):
        self.t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        self.gone = True
        self.t.close()


class Garbage(asyncio.Protocol):
    """Plain TCP: random bytes where a ServerHello should be."""

    def connection_made(self, t):
        self.t = t

    def data_received(self, d):
        self.t.write(os.urandom(2048))
        asyncio.get_running_loop().call_later(0.1, self.t.close)


async def origins(tmp):
    ctx = tls12(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    ctx.load_cert_chain(os.path.join(tmp, "origin.pem"), os.path.join(tmp, "origin.key"))
    kinds = {"good": Good, "reset-mid-body": ResetMidBody, "stall": Stall,
             "slow-drip": SlowDrip, "close-after-head": CloseAfterHead, "garbage-tls": Garbage}
    loop = asyncio.get_running_loop()
    ports = {}
    for name, cls in kinds.items():
        srv = await loop.create_server(cls, "127.0.0.1", 0, backlog=4096,
                                       ssl=None if cls is Garbage else ctx)
        ports[name] = srv.sockets[0].getsockname()[1]
    print(json.dumps(ports), flush=True)
    await loop.create_future()


# --- the load client ---------------------------------------------------------------------


class Fail(Exception):
    """A request's outcome other than a complete 200: str() is its cause."""


def cause_of(e, phase):
    if isinstance(e, Fail):
        return str(e)
    if isinstance(e, TimeoutError):
        return phase + ": timeout"
    if isinstance(e, asyncio.IncompleteReadError):
        return phase + ": closed" + (" (after %d bytes)" % len(e.partial) if e.partial else "")
    if isinstance(e, ConnectionResetError):
        return phase + ": reset"
    if isinstance(e, ssl.SSLError):
        return phase + ": TLS " + (e.reason or type(e).__name__)
    if isinstance(e, OSError) and e.errno:
        return phase + ": " + os.strerror(e.errno)
    return phase + ": " + type(e).__name__


class Load:
    def __init__(self, cfg):
        self.cfg = cfg
        proxy = cfg["proxy"] or os.environ["HTTPS_PROXY"]
        host, _, port = proxy.rpartition("/")[2].rpartition(":")
        self.proxy = (host, int(port))
        self.ctx = tls12(ssl.create_default_context(cafile=cfg["cafile"] or os.environ["SSL_CERT_FILE"]))
        n = cfg["conns"]
        nbad = n - round(n * 0.8)
        self.kinds = ["good"] * (n - nbad) + [cfg["faults"][i % len(cfg["faults"])] for i in range(nbad)]
        # Faulty slots make a fixed number of attempts, paced by the well-behaved requests
        # sent, so that both proxies get the same work however fast they are; at most a
        # tenth of the requests.
        cost = sum(PIPELINE if k == "never-read" else 1 for k in self.kinds[n - nbad:])
        self.attempts = ATTEMPTS
        while self.attempts > 1 and self.attempts * cost > cfg["requests"] / 10:
            self.attempts -= 1
        self.left = self.good_budget = max(0, cfg["requests"] - self.attempts * cost)
        self.good_done = False
        self.stats = {k: {"sent": 0, "served": 0, "causes": collections.Counter()} for k in ["good"] + FAULTS}
        self.lat = []
        self.conns = set()  # open writers
        self.peak = self.tried = 0
        self.t_good = 0.0  # when the last well-behaved answer came

    def take(self):
        """A ticket from the well-behaved slots' shared budget of requests."""
        if self.left <= 0:
            return False
        self.left -= 1
        return True

    def target(self, name):
        return "%s:%d" % (host_of(name), self.cfg["ports"][name])

    async def connect(self, name):
        """TCP to the proxy, CONNECT, TLS to the proxy's leaf for the name."""
        phase = "connect"
        w = None
        try:
            async with asyncio.timeout(TIMEOUT):
                r, w = await asyncio.open_connection(*self.proxy, limit=1 << 20)
                self.conns.add(w)
                self.peak = max(self.peak, len(self.conns))
                w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                t = self.target(name).encode()
                w.write(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (t, t))
                phase = "CONNECT"
                head = await r.readuntil(b"\r\n\r\n")
                if not head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
                    raise Fail("CONNECT answer " + head[9:12].decode("latin-1"))
                phase = "TLS handshake"
                await w.start_tls(self.ctx, server_hostname=host_of(name))
            return r, w
        except BaseException as e:
            self.drop(w)
            raise Fail(cause_of(e, phase)) from None

    def drop(self, w, rst=False):
        if w is None or w not in self.conns:
            return
        self.conns.discard(w)
        if rst:
            try:
                no_linger(w.get_extra_info("socket"))
            except OSError:
                pass
        w.transport.abort()

    async def close(self, w):
        """A well-behaved close: close_notify, then FIN."""
        self.conns.discard(w)
        w.close()
        try:
            async with asyncio.timeout(5):
                await w.wait_closed()
        except BaseException:
            w.transport.abort()

    def request(self, name, path=b"/s", close=False):
        extra = b"Connection: close\r\n" if close else b""
        return b"GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: airlock-load\r\n%s\r\n" % (
            path, self.target(name).encode(), extra)

    async def answer(self, r, wait):
        """Reads one answer; its status, or Fail."""
        phase = "answer head"
        try:
            async with asyncio.timeout(wait):
                head = await r.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                n = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        n = int(v)
                phase = "answer body"
                await r.readexactly(n)
        except BaseException as e:
            raise Fail(cause_of(e, phase)) from None
        if status != 200:
            raise Fail("status %d" % status)
        return status

    def outcome(self, kind, cause=None, n=1):
        s = self.stats[kind]
        s["sent"] += n
        if cause is None:
            s["served"] += n
        else:
            s["causes"][cause] += n

    async def good(self, go):
        """One keep-alive connection for the whole run; reconnects only after a failure."""
        conn = None
        try:
            conn = await self.connect("good")
        except Fail as e:
            self.stats["good"]["causes"]["(first connection, no request) " + str(e)] += 1
        self.tried += 1
        await go.wait()
        req = self.request("good")
        while self.take():
            try:
                if conn is None:
                    conn = await self.connect("good")
                r, w = conn
                t0 = time.perf_counter()
                w.write(req)
                await self.answer(r, TIMEOUT)
                self.t_good = time.perf_counter()
                self.lat.append(self.t_good - t0)
                self.outcome("good")
            except Fail as e:
                self.outcome("good", str(e))
                if conn:
                    self.drop(conn[1])
                conn = None
        if conn:
            await self.close(conn[1])

    async def faulty(self, kind, go):
        name = kind if kind in UPSTREAM else "good"
        conn = None
        try:
            conn = await self.connect(name)  # held from the start, like the good ones
        except Fail as e:
            self.stats[kind]["causes"]["(first connection, no request) " + str(e)] += 1
        self.tried += 1
        await go.wait()
        phase = random.random()
        n = PIPELINE if kind == "never-read" else 1
        for j in range(self.attempts):
            due = self.good_budget * (j + phase) / self.attempts
            while self.stats["good"]["sent"] < due and not self.good_done:
                await asyncio.sleep(0.1)
            w = None
            try:
                r, w = conn or await self.connect(name)
                conn = None
                await self.attempt(kind, r, w, n)
            except Fail as e:
                self.outcome(kind, str(e), n)
            self.drop(w)
            if conn:
                self.drop(conn[1])
                conn = None
        if conn:
            self.drop(conn[1])

    async def attempt(self, kind, r, w, n):
        if kind == "abort-mid-request":
            w.write(self.request("good")[:20])
            await asyncio.sleep(0.05)
            self.drop(w, rst=True)
            self.outcome(kind, "aborted by the client (by design)")
        elif kind == "half-close":
            w.write(self.request("good"))
            await asyncio.sleep(0.01)  # the TLS records leave before the FIN
            w.get_extra_info("socket").shutdown(socket.SHUT_WR)
            await self.answer(r, FAULT_WAIT)
            self.outcome(kind)
        elif kind == "never-read":
            w.write(self.request("good", b"/big") * n)
            await asyncio.sleep(2)
            self.drop(w, rst=True)
            self.outcome(kind, "never read (by design)", n)
        else:
            w.write(self.request(kind))
            await self.answer(r, STALL_WAIT if kind == "stall" else FAULT_WAIT)
            self.outcome(kind)

    async def warm(self):
        """Mints every leaf and loads the upstream trust before the baseline is taken."""
        for name in NAMES:
            try:
                r, w = await self.connect(name)
                if name == "good":
                    w.write(self.request("good"))
                    await self.answer(r, TIMEOUT)
                self.drop(w)
            except Fail as e:
                print("load: warm-up of %s: %s" % (name, e), file=sys.stderr)

    async def run(self):
        await self.warm()
        print("idle", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.readline)  # the driver's baseline
        go = asyncio.Event()
        n = len(self.kinds)
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(self.good(go) if k == "good" else self.faulty(k, go)) for k in self.kinds]
        good = [t for t, k in zip(tasks, self.kinds) if k == "good"]
        while self.tried < n:  # every slot has tried its first connection: the held set
            await asyncio.sleep(0.05)
        held, t1 = len(self.conns), time.perf_counter()
        cpu0 = time.process_time()
        go.set()
        await asyncio.gather(*good)
        self.good_done = True
        await asyncio.gather(*tasks)
        t2 = time.perf_counter()
        self.lat.sort()
        pct = lambda q: self.lat[min(len(self.lat) - 1, int(q * len(self.lat)))] * 1000 if self.lat else None
        out = {"held": held, "peak": self.peak, "open_s": t1 - t0, "load_s": t2 - t1,
               "good_s": max(self.t_good - t1, 1e-9), "client_cpu_s": time.process_time() - cpu0,
               "attempts": self.attempts,
               "p50_ms": pct(0.5), "p99_ms": pct(0.99), "stats": self.stats}
        print("done " + json.dumps(out), flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)  # the driver's last reading


def client_main(cfg):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # one fd per connection
    loop = quiet_loop()
    loop.run_until_complete(Load(cfg).run())


# --- the driver --------------------------------------------------------------------------


def say(*a):
    print("load:", *a, flush=True)


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def pki(tmp):
    """A test CA and one ECDSA P-256 leaf naming every origin, with the openssl CLI."""
    def ca(name):
        sh("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{tmp}/{name}.key")
        sh("openssl", "req", "-x509", "-new", "-key", f"{tmp}/{name}.key", "-subj", f"/CN=airlock load {name}",
           "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", f"{tmp}/{name}.pem")
    ca("ca")
    ca("squidca")
    sh("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{tmp}/origin.key")
    sh("openssl", "req", "-new", "-key", f"{tmp}/origin.key", "-subj", "/CN=good.test", "-out", f"{tmp}/origin.csr")
    with open(f"{tmp}/origin.ext", "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                "keyUsage=critical,digitalSignature\n" % ",".join("DNS:" + host_of(n) for n in NAMES))
    sh("openssl", "x509", "-req", "-in", f"{tmp}/origin.csr", "-CA", f"{tmp}/ca.pem", "-CAkey", f"{tmp}/ca.key",
       "-set_serial", "7", "-days", "2", "-extfile", f"{tmp}/origin.ext", "-out", f"{tmp}/origin.pem")
    for f in os.listdir(tmp):
        os.chmod(os.path.join(tmp, f), 0o644)  # squid reads its key as the proxy user


def proc(pid):
    """(fds, VmRSS KiB, CPU ticks) of pid, or None once it is gone."""
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        with open(f"/proc/{pid}/stat") as f:
            st = f.read().rpartition(")")[2].split()
        return fds, rss, int(st[11]) + int(st[12])
    except (OSError, StopIteration, ValueError):
        return None


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def airlock_procs(sup):
    out = [("supervisor (sandbox-exec)", sup)]
    for c in children(sup):
        if comm(c).startswith("airlock-"):
            out.append((comm(c), c))
    return out


TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}


def held_sockets(pids, ns_pids, ports, proxy_port):
    """What the TCP sockets open in pids are: (side, state) -> count. The tables come
    from the network namespace of each of ns_pids (the sandbox's is not the host's)."""
    table = {}
    for n in ns_pids:
        for f in ("tcp", "tcp6"):
            try:
                with open(f"/proc/{n}/net/{f}") as fh:
                    next(fh)
                    for l in fh:
                        v = l.split()
                        table[v[9]] = (int(v[1].rsplit(":", 1)[1], 16), int(v[2].rsplit(":", 1)[1], 16),
                                       int(v[3], 16))
            except OSError:
                pass
    by_port = {p: n for n, p in ports.items()}
    out = collections.Counter()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if not link.startswith("socket:["):
                continue
            t = table.get(link[8:-1])
            if t is None or t[2] == 10:
                continue
            side = ("upstream " + by_port[t[1]]) if t[1] in by_port else \
                "client side" if t[0] == proxy_port else "to port %d" % t[1]
            out[(side, TCP_STATES.get(t[2], str(t[2])))] += 1
    return out


def squid_procs(pid):
    return [("squid", pid)] + [("%s %d" % (comm(c), c), c) for c in children(pid)]


class Reading:
    """Per-process fds and RSS: before, peak, after."""

    def __init__(self, procs):
        self.procs = procs  # a function giving [(label, pid)]
        self.before = self.snap()
        self.peak = {k: list(v[:2]) for k, v in self.before.items()}
        self.after = None
        self.settle_s = None

    def snap(self):
        out = {}
        for label, pid in self.procs():
            v = proc(pid)
            if v:
                out[label] = v
        return out

    def sample(self):
        for k, v in self.snap().items():
            p = self.peak.setdefault(k, [0, 0])
            p[0], p[1] = max(p[0], v[0]), max(p[1], v[1])

    def finish(self, linger=3.0, patience=30.0):
        """After linger seconds, then until each fd count is back (at most patience)."""
        time.sleep(linger)
        t0 = time.monotonic()
        while True:
            self.after = self.snap()
            # squid holds one fd per certgen helper, and starts helpers on demand
            grown = {"squid": len(self.after) - len(self.before)}
            back = all(self.after.get(k, (None,))[0] == v[0] + grown.get(k, 0) for k, v in self.before.items())
            if back or time.monotonic() - t0 > patience:
                self.settle_s = linger + time.monotonic() - t0 if back else None
                return
            time.sleep(1)

    def cpu_s(self):
        hz = os.sysconf("SC_CLK_TCK")
        return sum(self.after[k][2] - self.before[k][2] for k in self.before if k in self.after) / hz

    def lines(self):
        out = []
        for k in sorted(set(self.before) | set(self.after or {}), key=lambda k: (k != "squid", k)):
            b, p, a = self.before.get(k), self.peak.get(k), (self.after or {}).get(k)
            f = lambda v, i: "-" if v is None else str(v[i])
            out.append("%-28s fds %5s -> peak %5s -> %5s   VmRSS KiB %7s -> peak %7s -> %7s" % (
                k, f(b, 0), f(p, 0), f(a, 0), f(b, 1), f(p, 1), f(a, 1)))
        return out


def run_client(argv, env, procs_of, cwd, sockets_of, origins_pid, settle):
    """Runs the client, reading the proxy processes before, during and after; its result."""
    err = open(os.path.join(cwd, "client.err.%d" % len(os.listdir(cwd))), "w+")
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env, text=True)
    RUNNING.append(p)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in p.stdout] + [lines.put(None)], daemon=True).start()

    def line(timeout):
        t = time.monotonic() + timeout
        while time.monotonic() < t:
            try:
                return lines.get(timeout=0.5)
            except queue.Empty:
                if reading:
                    reading.sample()
        return None

    reading = None
    l = line(120)
    if l is None or l.strip() != "idle":
        err.seek(0)
        raise SystemExit("load: the client did not start: %r\n%s" % (l, err.read()[-2000:]))
    time.sleep(2.5)  # past the proxy's 2 s linger of the warm-up connections
    reading = Reading(lambda: procs_of(p.pid))
    o0 = proc(origins_pid)
    p.stdin.write("go\n")
    p.stdin.flush()
    l = line(1800)
    if l is None or not l.startswith("done "):
        err.seek(0)
        raise SystemExit("load: the client did not finish: %r\n%s" % (l, err.read()[-2000:]))
    res = json.loads(l[5:])
    res["origins_cpu_s"] = (proc(origins_pid)[2] - o0[2]) / os.sysconf("SC_CLK_TCK")
    reading.finish(patience=settle)
    res["left_open"] = sockets_of(p.pid)
    p.stdin.write("exit\n")
    p.stdin.flush()
    p.wait(60)
    res["reading"] = reading
    res["cpu_s"] = reading.cpu_s()
    err.seek(0)
    res["stderr"] = err.read()
    return res


RUNNING = []  # processes to end at exit


def start_squid(tmp, ports):
    sq = f"{tmp}/squid"
    os.makedirs(sq)
    with open(f"{sq}/hosts", "w") as f:
        f.write("127.0.0.1 %s\n" % " ".join(host_of(n) for n in NAMES))
    subprocess.run(["/usr/lib/squid/security_file_certgen", "-c", "-s", f"{sq}/ssl_db", "-M", "16MB"],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.chown(sq, "proxy", "proxy")
    for root, dirs, files in os.walk(sq):
        for d in dirs + files:
            shutil.chown(os.path.join(root, d), "proxy", "proxy")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    # as test/bench/mitm.sh: bump every CONNECT, upstream trust = the test CA
    conf = f"""http_port 127.0.0.1:{port} ssl-bump tls-cert={tmp}/squidca.pem tls-key={tmp}/squidca.key generate-host-certificates=on dynamic_cert_mem_cache_size=16MB
sslcrtd_program /usr/lib/squid/security_file_certgen -s {sq}/ssl_db -M 16MB
sslcrtd_children 5 startup=1 idle=1
acl step1 at_step SslBump1
ssl_bump peek step1
ssl_bump bump all
tls_outgoing_options cafile={tmp}/ca.pem min-version=1.2
http_access allow all
cache deny all
cache_mem 8 MB
hosts_file {sq}/hosts
access_log none
cache_log {sq}/cache.log
pid_filename {sq}/squid.pid
coredump_dir {sq}
visible_hostname airlock-load
pinger_enable off
shutdown_lifetime 0 seconds
max_filedescriptors 8192
"""
    with open(f"{tmp}/squid.conf", "w") as f:
        f.write(conf)
    p = subprocess.Popen(["/usr/sbin/squid", "-N", "-f", f"{tmp}/squid.conf"],
                         stdout=open(f"{sq}/out.log", "w"), stderr=subprocess.STDOUT)
    RUNNING.append(p)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p, port
        except OSError:
            time.sleep(0.1)
        if p.poll() is not None:
            break
    say("note: squid did not start; squid left out")
    return None, None


def report(args, cols):
    names = list(cols)
    w = 16

    def row(label, vals):
        print("%-44s" % label + "".join("%*s" % (w, v) for v in vals))

    def fmt(v, spec="%.0f"):
        return "-" if v is None else spec % v

    print()
    row("", names)
    get = lambda f: [f(cols[n]) for n in names]
    good = lambda r: r["stats"]["good"]
    row("connections held at once (client count)", get(lambda r: r["held"]))
    row("  peak open", get(lambda r: r["peak"]))
    row("  seconds to open them", get(lambda r: "%.1f" % r["open_s"]))
    row("requests sent", get(lambda r: sum(s["sent"] for s in r["stats"].values())))
    row("requests served (complete 200)", get(lambda r: sum(s["served"] for s in r["stats"].values())))
    row("seconds under load (until every slot ended)", get(lambda r: "%.1f" % r["load_s"]))
    row("  until the last well-behaved answer", get(lambda r: "%.1f" % r["good_s"]))
    row("well-behaved served per second", get(lambda r: "%.0f" % (good(r)["served"] / r["good_s"])))
    row("well-behaved: sent", get(lambda r: good(r)["sent"]))
    row("well-behaved: served", get(lambda r: good(r)["served"]))
    row("well-behaved: LOST", get(lambda r: good(r)["sent"] - good(r)["served"]))
    row("well-behaved: p50 ms", get(lambda r: fmt(r["p50_ms"], "%.2f")))
    row("well-behaved: p99 ms", get(lambda r: fmt(r["p99_ms"], "%.2f")))
    row("proxy CPU seconds (all its processes)", get(lambda r: "%.1f" % r["cpu_s"]))
    row("proxy CPU us per served request", get(
        lambda r: "%.0f" % (r["cpu_s"] * 1e6 / max(1, sum(s["served"] for s in r["stats"].values())))))
    row("client CPU seconds (one Python process)", get(lambda r: "%.1f" % r["client_cpu_s"]))
    row("origins CPU seconds (one Python process)", get(lambda r: "%.1f" % r["origins_cpu_s"]))
    print()
    print("outcomes by pair (sent / served; then every other outcome by cause; each faulty slot makes %s"
          " attempts):" % "/".join(sorted({str(cols[n]["attempts"]) for n in names})))
    for k in ["good"] + FAULTS:
        row("  %s: sent / served" % k, get(lambda r: "%d / %d" % (r["stats"][k]["sent"], r["stats"][k]["served"])))
        causes = sorted(set().union(*(cols[n]["stats"][k]["causes"] for n in names)))
        for c in causes:
            row("    " + c[:40], get(lambda r: r["stats"][k]["causes"].get(c, 0)))
    print()
    for n in names:
        r = cols[n]["reading"]
        settle = ("fds back to the start after %.0f s" % r.settle_s) if r.settle_s is not None else \
            "fds NOT back to the start %.0f s after the load" % (3 + args.settle)
        print("%s processes (before the load -> peak -> after it; %s):" % (n, settle))
        for l in r.lines():
            print("  " + l)
        if n == "squid":
            print("  (squid holds one fd per certgen helper it runs; it starts them on demand: counted as back)")
        held = cols[n]["left_open"]
        if held:
            print("  TCP sockets the proxy still holds after the load: " + ", ".join(
                "%d %s %s" % (v, side, st) for (side, st), v in sorted(held.items())))
        if cols[n]["stderr"].strip():
            lines = cols[n]["stderr"].strip().splitlines()
            print("  stderr of the run (%d lines, last 10):" % len(lines))
            for l in lines[-10:]:
                print("    " + l[:160])


def main():
    ap = argparse.ArgumentParser(description="load and faults through airlock, beside squid")
    ap.add_argument("airlock")
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--no-squid", action="store_true")
    ap.add_argument("--settle", type=float, default=30,
                    help="seconds to wait for each proxy's fds to come back after the load (default 30)")
    ap.add_argument("--faults", default=",".join(FAULTS),
                    help="the faulty kinds to mix in, comma-separated (default: all)")
    args = ap.parse_args()
    faults = [f for f in args.faults.split(",") if f]
    if not faults or set(faults) - set(FAULTS):
        ap.error("--faults: a comma-separated list of " + ", ".join(FAULTS))
    airlock = os.path.realpath(args.airlock)
    py = "/usr/bin/python3"
    tmp = tempfile.mkdtemp(prefix="airlock-load.")
    os.chmod(tmp, 0o755)  # the sandbox user reads the client from here

    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # also when started in the background (SIG_IGN)
    try:
        me = os.path.join(tmp, "load.py")
        shutil.copy(os.path.abspath(__file__), me)  # Landlock lets the sandbox read tmp only
        os.chmod(me, 0o644)
        pki(tmp)
        o = subprocess.Popen([py, me, "_origins", tmp], stdout=subprocess.PIPE,
                             stderr=open(f"{tmp}/origins.err", "w"), text=True)
        RUNNING.append(o)
        ports = json.loads(o.stdout.readline())
        cfg = {"conns": args.conns, "requests": args.requests, "ports": ports, "proxy": None, "cafile": None,
               "faults": faults}
        nbad = args.conns - round(args.conns * 0.8)
        say("%s; squid %s; origins: Python asyncio TLS 1.2 (%s) on 127.0.0.1" % (
            subprocess.run([airlock, "--version"], capture_output=True, text=True).stdout.strip(),
            "-" if args.no_squid or not os.path.exists("/usr/sbin/squid") else
            subprocess.run(["/usr/sbin/squid", "-v"], capture_output=True, text=True).stdout.split()[3], CIPHERS))
        say("%d connections (%d good, %d faulty round-robin over %d kinds), %d requests" % (
            args.conns, args.conns - nbad, nbad, len(faults), args.requests))
        cols = {}

        with open(f"{tmp}/policy.ini", "w") as f:
            f.write("[sandbox]\nuser = 65534:65534\n[filesystem]\n"
                    f"read_only = /usr /lib /lib64 /bin /sbin /etc {tmp}\nread_write = /tmp\n[network]\n")
            for n in NAMES:
                f.write(f"allow = {host_of(n)}:{ports[n]}\nmap = {host_of(n)} 127.0.0.1:{ports[n]}\n")
            f.write(f"trust = {tmp}/ca.pem\n")
        env = {k: v for k, v in os.environ.items() if k.lower() not in
               ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        say("airlock: running (client inside sandbox-exec)")
        cols["airlock"] = run_client(
            [airlock, "sandbox-exec", "--policy", f"{tmp}/policy.ini", "--", py, me, "_client", json.dumps(cfg)],
            env, airlock_procs, tmp,
            lambda sup: held_sockets([p for _, p in airlock_procs(sup)], [sup] + children(sup), ports, 3128),
            o.pid, args.settle)

        if args.no_squid:
            pass
        elif not (os.path.exists("/usr/sbin/squid") and os.path.exists("/usr/lib/squid/security_file_certgen")
                  and "--with-openssl" in subprocess.run(["/usr/sbin/squid", "-v"], capture_output=True,
                                                         text=True).stdout):
            say("note: squid with OpenSSL not installed (apt-get install squid-openssl); squid left out")
        else:
            sp, sport = start_squid(tmp, ports)
            if sp:
                say("squid: running (the same client, outside any sandbox)")
                scfg = dict(cfg, proxy=f"127.0.0.1:{sport}", cafile=f"{tmp}/squidca.pem")
                cols["squid"] = run_client([py, me, "_client", json.dumps(scfg)], env,
                                           lambda _: squid_procs(sp.pid), tmp,
                                           lambda _: held_sockets([sp.pid], [sp.pid], ports, sport), o.pid,
                                           args.settle)
        report(args, cols)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        for p in RUNNING:
            if p.poll() is None:
                p.terminate()
        for p in RUNNING:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_origins":
        quiet_loop().run_until_complete(origins(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_client":
        client_main(json.loads(sys.argv[2]))
    else:
        sys.exit(main())
