"""client.py: the one TLS client of the MITM benchmark (test/bench/mitm.sh).

The same code runs every path, so the paths differ only by what sits between client and
server: direct to the server's address, or through an HTTP proxy's CONNECT tunnel (with
TLS then started inside it, as curl and every other client do). TLS 1.2 with
ECDHE-ECDSA-AES128-GCM-SHA256 everywhere: BearSSL has no TLS 1.3, and the same suite on
every path keeps the crypto cost equal.

  client.py latency N      N keep-alive GETs of /s on one connection
  client.py handshakes N   N fresh connections (TCP, CONNECT, TLS), one GET of /s each
  client.py hold N SECS    N connections, each after one GET, held open for SECS

latency and handshakes print one line: "median_us p99_us count". hold prints "idle"
(before connecting, so a caller can read a baseline), then "ready N" once every
connection is open, then sleeps. Every socket operation has a timeout; any failure
(a non-200 answer, a refused CONNECT, a certificate that does not verify) exits 1 with
the reason on stderr, so a broken path never prints numbers.

Options: --target HOST:PORT (the name the certificate and Host header carry),
--addr IP:PORT (where to connect directly; default: the target), --proxy IP:PORT
(connect there and CONNECT to the target), --cafile FILE (trust anchors).
"""
import argparse
import re
import resource
import socket
import ssl
import statistics
import sys
import time

CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256"
TIMEOUT = 30
LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d+)")


def parse_hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


class Client:
    def __init__(self, args):
        self.target = args.target
        self.host, self.port = parse_hostport(args.target)
        self.addr = parse_hostport(args.addr) if args.addr else (self.host, self.port)
        self.proxy = parse_hostport(args.proxy) if args.proxy else None
        ctx = ssl.create_default_context(cafile=args.cafile)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(CIPHERS)
        self.ctx = ctx
        host = self.host if self.port == 443 else self.target
        self.request = b"GET /s HTTP/1.1\r\nHost: %s\r\nUser-Agent: airlock-bench\r\n\r\n" % host.encode()

    def connect(self):
        """A TLS connection to the target, through the proxy when there is one."""
        if self.proxy is None:
            raw = socket.create_connection(self.addr, timeout=TIMEOUT)
        else:
            raw = socket.create_connection(self.proxy, timeout=TIMEOUT)
            raw.sendall(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % ((self.target.encode(),) * 2))
            head = b""
            while b"\r\n\r\n" not in head:
                d = raw.recv(4096)
                if not d:
                    sys.exit(f"client.py: the proxy closed the CONNECT to {self.target}")
                head += d
            if not head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
                sys.exit(f"client.py: CONNECT {self.target} refused: {head[:200]!r}")
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.ctx.wrap_socket(raw, server_hostname=self.host)

    def get(self, s, buf):
        """One GET of /s; leaves bytes after the answer in buf."""
        s.sendall(self.request)
        while True:
            i = buf.find(b"\r\n\r\n")
            if i >= 0:
                break
            d = s.recv(65536)
            if not d:
                sys.exit("client.py: connection closed before the answer")
            buf += d
        head = bytes(buf[:i])
        if not head.startswith(b"HTTP/1.1 200"):
            sys.exit(f"client.py: answer is not 200: {head[:300]!r}")
        m = LENGTH.search(head)
        if not m:
            sys.exit("client.py: answer without Content-Length")
        need = i + 4 + int(m.group(1))
        while len(buf) < need:
            d = s.recv(65536)
            if not d:
                sys.exit("client.py: connection closed inside the body")
            buf += d
        del buf[:need]


def percentiles(times):
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return f"{statistics.median(times) * 1e6:.1f} {p99 * 1e6:.1f} {len(times)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["latency", "handshakes", "hold"])
    ap.add_argument("n", type=int)
    ap.add_argument("secs", type=float, nargs="?", default=3.0)
    ap.add_argument("--target", required=True)
    ap.add_argument("--addr")
    ap.add_argument("--proxy")
    ap.add_argument("--cafile")
    args = ap.parse_args()
    c = Client(args)
    if args.mode == "latency":
        s, buf, times = c.connect(), bytearray(), []
        for _ in range(50):  # warm-up: leaf cache, upstream connection, allocator
            c.get(s, buf)
        for _ in range(args.n):
            t = time.perf_counter()
            c.get(s, buf)
            times.append(time.perf_counter() - t)
        s.close()
        print(percentiles(times))
    elif args.mode == "handshakes":
        times = []
        for i in range(args.n + 5):
            t = time.perf_counter()
            s = c.connect()
            c.get(s, bytearray())
            if i >= 5:  # the first few mint the leaf and warm caches
                times.append(time.perf_counter() - t)
            s.close()
        print(percentiles(times))
    else:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        print("idle", flush=True)
        time.sleep(1)
        held = []
        for _ in range(args.n):
            s = c.connect()
            c.get(s, bytearray())
            held.append(s)
        print(f"ready {len(held)}", flush=True)
        time.sleep(args.secs)


if __name__ == "__main__":
    main()
