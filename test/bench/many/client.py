"""client.py: the client inside each sandbox of test/bench/many.sh.

One keep-alive HTTPS connection through the sandbox's own proxy (http.client, CONNECT
tunnel to 127.0.0.1:3128, TLS verified against the sandbox CA with Python's default
context: what an agent's HTTP library does), GETs of /s in a loop.

  client.py --target HOST:PORT --go FILE [--proxy IP:PORT] [--cafile FILE] [--bomb LIMIT]

It connects and makes a few warm-up requests, prints {"kind": "ready"}, then waits for
FILE (written by run.py once every sandbox is ready: "START END BOMB_AT BOMB_UNTIL", wall
clock seconds) and requests from START to END. A failed request (an exception, a status
other than 200, a body other than "ok") is counted, its first reason kept, and the
connection made again. At the end it prints one JSON line: kind "serve", ok, failed,
first_error, median_us, p99_us.

With --bomb LIMIT a child of it runs a fork loop from BOMB_AT: it forks children that
only sleep until fork fails (or until LIMIT + 64 children, so a missing limit never turns
into a real fork bomb), counts the tasks (processes and threads) the sandbox's own /proc
shows then, tries once more after 0.5 s, holds them until BOMB_UNTIL while the requests
go on, kills them, checks that fork works again, and prints one JSON line: kind "bomb",
forked, error, tasks, limit, again_failed, recovered.
"""
import argparse
import errno
import http.client
import json
import os
import signal
import ssl
import statistics
import sys
import time


def emit(d):
    sys.stdout.write(json.dumps(d) + "\n")
    sys.stdout.flush()


def wait_go(path):
    while True:
        try:
            with open(path) as f:
                parts = f.read().split()
            if len(parts) == 4:
                return [float(x) for x in parts]
        except FileNotFoundError:
            pass
        time.sleep(0.01)


def tasks():
    """Processes and threads in this PID namespace (the sandbox's own /proc)."""
    n = 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                n += len(os.listdir(f"/proc/{d}/task"))
            except OSError:
                pass
    return n


def bomb(go, limit):
    _, _, at, until = wait_go(go)
    time.sleep(max(0.0, at - time.time()))
    kids, error = [], None
    while len(kids) < limit + 64:
        try:
            pid = os.fork()
        except OSError as e:
            error = errno.errorcode.get(e.errno, str(e.errno))
            break
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            time.sleep(120)
            os._exit(0)
        kids.append(pid)
    at_limit = tasks()
    time.sleep(0.5)
    again_failed = False
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    except OSError:
        again_failed = True
    time.sleep(max(0.0, until - time.time()))
    for pid in kids:
        os.kill(pid, signal.SIGKILL)
    for pid in kids:
        os.waitpid(pid, 0)
    recovered = False
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        recovered = True
    except OSError:
        pass
    emit({"kind": "bomb", "forked": len(kids), "error": error, "tasks": at_limit,
          "limit": limit, "again_failed": again_failed, "recovered": recovered})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--go", required=True)
    ap.add_argument("--proxy", default="127.0.0.1:3128")
    ap.add_argument("--cafile", default="/run/airlock/ca.pem")
    ap.add_argument("--bomb", type=int)
    a = ap.parse_args()
    host, _, port = a.target.rpartition(":")
    phost, _, pport = a.proxy.rpartition(":")
    ctx = ssl.create_default_context(cafile=a.cafile)

    def connect():
        c = http.client.HTTPSConnection(phost, int(pport), context=ctx, timeout=30)
        c.set_tunnel(host, int(port))
        return c

    def get(c):
        c.request("GET", "/s")
        r = c.getresponse()
        body = r.read()
        if r.status != 200 or body != b"ok":
            raise RuntimeError(f"answer {r.status} {body[:80]!r}")

    ok = failed = 0
    first_error = None
    times = []
    c = connect()
    try:
        for _ in range(20):  # warm-up: the leaf is minted, the upstream connection made
            get(c)
    except Exception as e:  # noqa: BLE001 (any failure counts)
        failed += 1
        first_error = f"warm-up: {type(e).__name__}: {e}"
        c.close()
        c = connect()
    if a.bomb:
        if os.fork() == 0:
            try:
                bomb(a.go, a.bomb)
            finally:
                os._exit(0)
    emit({"kind": "ready"})
    start, end, _, _ = wait_go(a.go)
    time.sleep(max(0.0, start - time.time()))
    while True:
        t = time.perf_counter()
        if time.time() >= end:
            break
        try:
            get(c)
            ok += 1
            times.append(time.perf_counter() - t)
        except Exception as e:  # noqa: BLE001
            failed += 1
            if first_error is None:
                first_error = f"{type(e).__name__}: {e}"
            c.close()
            time.sleep(0.05)
            c = connect()
    c.close()
    if a.bomb:
        try:
            os.wait()
        except ChildProcessError:
            pass
    times.sort()
    emit({"kind": "serve", "ok": ok, "failed": failed, "first_error": first_error,
          "median_us": round(statistics.median(times) * 1e6, 1) if times else None,
          "p99_us": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1e6, 1)
          if times else None})


if __name__ == "__main__":
    main()
