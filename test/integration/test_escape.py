"""The escape battery (issue 15): test/escape/battery.py runs INSIDE `airlock
sandbox-exec` (the real static binary, as root, the sandbox user 65534) and tries each
attack; the same program run outside with --outside gives the positive controls that
must be run on the host. This test builds what the attacks aim at (listeners on the
host's loopback and addresses, UNIX sockets of a host process in /tmp, /run and
/var/tmp, an abstract one, a host process, a host pty, a secret file beside another
secret, a host-only file, a setuid-root binary, recording HTTPS origins behind `map`),
then asserts per case that it was BLOCKED with its control shown, and that no real
secret value reached the sandbox (its output and everything its attacks received), the
audit, the log, or the host that is not bound to it.
"""
import ctypes
import json
import os
import secrets as pysecrets
import shutil
import socket
import subprocess
import tempfile
import textwrap
import threading

import pytest

from conftest import AIRLOCK, AS_CALLER, CALLER, TOP, userns_refusal
from tlsservers import PKI, TLSServer

PY = "/usr/bin/python3"
BATTERY = str(TOP / "test" / "escape" / "battery.py")
TOKEN = "tok_" + pysecrets.token_hex(16)
FILE_TOKEN = "file_" + pysecrets.token_hex(12)
SIBLING = "sib_" + pysecrets.token_hex(12)
HOST_ONLY = "host_" + pysecrets.token_hex(12)
REALS = (TOKEN, FILE_TOKEN, SIBLING, HOST_ONLY)
MASKS = {TOKEN: "TOKEN", FILE_TOKEN: "FILETOK"}
MAX_PROCESSES = 64
KERNEL_LACKS = ("ENOSYS", "EAFNOSUPPORT")
USERNS_CASES = ("unshare-user-namespace", "clone-new-user-namespace")


def root_userns_refused():
    """Whether even root is refused a user namespace here (a chroot)."""
    return subprocess.run(["unshare", "-U", "true"], capture_output=True).returncode != 0


class Listeners:
    """Host-side things the sandbox must not reach; each records what it received."""

    def __init__(self, tmp):
        self.got = []          # (listener, bytes)
        self.socks = []
        self.stop = threading.Event()
        self.cfg = {}
        self._tcp("tcp_port", socket.AF_INET, "127.0.0.1")
        self._tcp("tcp_any_port", socket.AF_INET, "0.0.0.0")
        self._tcp("tcp6_port", socket.AF_INET6, "::1")
        self._udp("udp_port", socket.AF_INET, "127.0.0.1")
        self._udp("udp_any_port", socket.AF_INET, "0.0.0.0")
        self._udp("udp6_port", socket.AF_INET6, "::1")
        # The fake resolver answers whatever it is asked, on UDP and TCP of one port
        # (one free for both: a port the kernel gave the UDP socket may be taken for TCP).
        for _ in range(50):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind(("127.0.0.1", 0))
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                t.bind(("127.0.0.1", u.getsockname()[1]))
                break
            except OSError:
                u.close()
                t.close()
        else:
            raise OSError("no port free for both UDP and TCP on 127.0.0.1")
        t.listen(16)
        self.cfg["dns_port"] = self.cfg["dns_tcp"] = u.getsockname()[1]
        self._serve("dns_port", u, False)
        self._serve("dns_tcp", t, True)
        tag = pysecrets.token_hex(6)
        self.cfg["abstract"] = "airlock-escape-" + tag
        self._unix("abstract", "\0" + self.cfg["abstract"])
        for key, folder in (("unix_tmp", "/tmp"), ("unix_run", "/run"),
                            ("unix_var_tmp", "/var/tmp")):
            path = os.path.join(folder, "airlock-escape-%s.sock" % tag)
            self.cfg[key] = path
            self._unix(key, path)
            os.chmod(path, 0o777)

    def _serve(self, name, s, stream):
        def loop():
            while not self.stop.is_set():
                try:
                    if stream:
                        c, _ = s.accept()
                        c.settimeout(2)
                        c.sendall(b"hi from the host\n")
                        try:
                            self.got.append((name, c.recv(512)))
                        except OSError:
                            pass
                        c.close()
                    else:
                        data, peer = s.recvfrom(2048)
                        self.got.append((name, data))
                        s.sendto(b"host answer", peer)
                except OSError:
                    continue
        s.settimeout(0.2)
        threading.Thread(target=loop, daemon=True).start()
        self.socks.append(s)

    def _tcp(self, key, family, addr, port=0):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(16)
        self.cfg[key] = s.getsockname()[1]
        self._serve(key, s, True)
        return self.cfg[key]

    def _udp(self, key, family, addr):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind((addr, 0))
        self.cfg[key] = s.getsockname()[1]
        self._serve(key, s, False)
        return self.cfg[key]

    def _unix(self, key, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(4)
        self._serve(key, s, True)

    def close(self):
        self.stop.set()
        for s in self.socks:
            s.close()
        for key in ("unix_tmp", "unix_run", "unix_var_tmp"):
            if os.path.exists(self.cfg[key]):
                os.unlink(self.cfg[key])


def host_ip():
    """The host's own non-loopback IPv4 address (the one a default route leaves by)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.254", 9))
        return s.getsockname()[0]
    except OSError:
        return socket.gethostbyname(socket.gethostname())
    finally:
        s.close()


def file_handle(path):
    """name_to_handle_at(path) as hex bytes of a struct file_handle."""
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(8 + 128)
    ctypes.memmove(buf, (128).to_bytes(4, "little"), 4)
    mount_id = ctypes.c_int()
    r = libc.syscall(303, -100, path.encode(), buf, ctypes.byref(mount_id), 0)
    assert r == 0, "name_to_handle_at failed on the host: errno %d" % ctypes.get_errno()
    n = int.from_bytes(buf.raw[:4], "little")
    return buf.raw[:8 + n].hex()


def parse(out):
    res = {}
    for line in out.splitlines():
        name, _, rest = line.partition(" ")
        result, _, detail = rest.partition(" ")
        res[name] = (result, detail)
    return res


# Cases that do not apply in a mode (the battery prints them as NA, with why).
NOT_APPLICABLE = {
    "full": {"supervisor-environ-and-memory-closed"},
    "userns": {"supervisor-environ-and-memory-closed"},
    "unprivileged": {"netlink-route-shows-host-interfaces", "supervisor-not-visible"},
}
AS_CALLER_MODES = ("userns", "unprivileged")


@pytest.fixture(params=["full", "userns", "unprivileged"])
def world(root, request):
    mode = request.param
    # Who the sandbox is on the host: unprivileged and userns run as the runner does
    # (a uid of its own, no capabilities); full as root with the policy's user.
    owner = CALLER if mode in AS_CALLER_MODES else 65534
    made = []

    def mk(prefix, mode=0o755):
        d = tempfile.mkdtemp(prefix=prefix)
        os.chmod(d, mode)
        made.append(d)
        return d
    box = mk("airlock-escape-")
    listeners = Listeners(box)
    # A host process and a host pty of the sandbox's own host uid: the closest targets.
    sleeper = subprocess.Popen(["sleep", "600"], user=owner, group=owner)
    master, slave = os.openpty()
    os.chown(os.ttyname(slave), owner, -1)
    try:
        yield mode, owner, mk, box, listeners, sleeper, os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)
        sleeper.kill()
        sleeper.wait()
        listeners.close()
        for d in made:
            shutil.rmtree(d, ignore_errors=True)


def test_escape_battery(world):
    mode, owner, mk, box, listeners, sleeper, host_pty = world
    pki = PKI(os.path.join(box, "pki"))
    ro = os.path.join(box, "ro")
    rw = os.path.join(box, "rw")
    os.mkdir(ro)
    os.mkdir(rw)
    os.chown(rw, owner, owner)
    with open(os.path.join(ro, "file"), "w") as f:
        f.write("read-only content\n")
    os.chmod(os.path.join(ro, "file"), 0o644)
    # A setuid-root binary that prints its effective uid, under a read-only path.
    suid = os.path.join(ro, "suid-id")
    shutil.copy("/usr/bin/id", suid)
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)
    # The secret's file beside another secret file of the host; a host-only file.
    secret_dir = mk("airlock-escape-secret-")
    secret_file = os.path.join(secret_dir, "token")
    sibling = os.path.join(secret_dir, "other-token")
    for path, value in ((secret_file, FILE_TOKEN), (sibling, SIBLING)):
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o644)
    host_dir = mk("airlock-escape-host-")
    host_only = os.path.join(host_dir, "host-only")
    with open(host_only, "w") as f:
        f.write(HOST_ONLY + "\n")
    os.chmod(host_only, 0o644)
    scratch = mk("airlock-escape-scratch-")
    received = os.path.join(rw, "received.bin")
    # A host process's socket in the sandbox's read-write folder, open to everyone.
    listeners.cfg["unix_work"] = os.path.join(rw, "host-agent.sock")
    listeners._unix("unix_work", listeners.cfg["unix_work"])
    os.chmod(listeners.cfg["unix_work"], 0o777)

    api_crt, api_key = pki.leaf("api.example.test")
    other_crt, other_key = pki.leaf("other.example.test")
    with TLSServer(api_crt, api_key, secrets=MASKS) as api, \
            TLSServer(other_crt, other_key, secrets=MASKS) as other:
        cfg = dict(listeners.cfg, host_ip=host_ip(), host_pid=sleeper.pid, host_pty=host_pty,
                   api_port=api.port, secret_file=secret_file, sibling=sibling,
                   sibling_name=os.path.basename(sibling), host_only=host_only,
                   handle=file_handle(host_only), handle_dir=host_dir, ro=ro,
                   ro_file=os.path.join(ro, "file"), rw=rw, suid_id=suid, scratch=scratch,
                   received=received, max_processes=MAX_PROCESSES, bomb_cap=200,
                   mode=mode)
        cfg_path = os.path.join(box, "config.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        os.chmod(cfg_path, 0o644)
        policy = os.path.join(box, "policy.ini")
        with open(policy, "w") as f:
            f.write(textwrap.dedent(f"""\
                [sandbox]
                user = 65534:65534
                isolation = {mode}
                max_processes = {MAX_PROCESSES}
                [filesystem]
                read_only = /usr /lib /lib64 /bin /sbin /etc {box} {TOP / "test" / "escape"}
                read_write = {rw}
                tmpfs = /tmp
                [network]
                allow = api.example.test
                map = api.example.test 127.0.0.1:{api.port}
                allow = other.example.test
                map = other.example.test 127.0.0.1:{other.port}
                trust = {pki.root["crt"]}
                [secret TOKEN]
                hosts = api.example.test
                [secret FILETOK]
                hosts = api.example.test
                file = {secret_file}
                """))
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["TOKEN"] = TOKEN
        outside = subprocess.run([PY, BATTERY, "--outside", cfg_path], capture_output=True,
                                 text=True, timeout=300)
        before = len(listeners.got)
        audit_dir = mk("airlock-escape-audit-")
        os.chown(audit_dir, owner, owner)
        audit = os.path.join(audit_dir, "audit.jsonl")
        # A secret on the command line, as the runner's MCP configs are: the battery
        # reads every command line it can see.
        mcp = json.dumps({"mcpServers": {"x": {"env": {"TOKEN": TOKEN}}}})
        # Unprivileged mode opens no new terminal, only the one on stdio: the terminal
        # cases use the one given here (another than the host pty they must not reach).
        term = os.openpty() if mode == "unprivileged" else None
        if term:
            os.chown(os.ttyname(term[1]), owner, -1)
        try:
            inside = subprocess.run((AS_CALLER if mode in AS_CALLER_MODES else []) + [
                AIRLOCK, "sandbox-exec", "-v", "--policy", policy, "--audit", audit, "--",
                PY, BATTERY, "--mcp-config", mcp, cfg_path], capture_output=True, text=True,
                timeout=600, env=env, stdin=term[1] if term else subprocess.DEVNULL)
        finally:
            for fd in term or ():
                os.close(fd)
        after = listeners.got[before:]
        other_seen = other.raw_requests()
        api_paths = [r["path"] for r in api.requests]

    refused = userns_refusal() if mode == "userns" else None
    if refused:
        print("escape battery (userns): this kernel refuses unprivileged user namespaces "
              "here (%s); sandbox-exec must refuse too" % refused)
        assert inside.returncode == 125, inside.stdout + inside.stderr
        assert "a user namespace cannot be made here" in inside.stderr, inside.stderr
        assert inside.stdout == ""
        return
    outs, ins = parse(outside.stdout), parse(inside.stdout)
    assert outside.returncode == 0, outside.stderr
    assert inside.returncode == 0, inside.stdout + inside.stderr
    problems, absent = [], []
    na = {name for name, (result, _) in ins.items() if result == "NA"}
    assert na == NOT_APPLICABLE[mode], "not applicable in %s: %s" % (mode, ins)
    assert na == {name for name, (result, _) in outs.items() if result == "NA"}
    for name, (result, detail) in ins.items():
        if result == "NA":
            continue
        if result != "BLOCKED":
            problems.append("%s: %s %s" % (name, result, detail))
    for name, (result, detail) in outs.items():
        if name not in ins:
            problems.append("%s: no result inside" % name)
        if result == "NA" or detail.startswith("ok"):
            continue
        # A kernel built without the call or the socket family (no module support, no
        # AF_ALG, no kexec): the attack cannot work here either. Said, not skipped: the
        # case must still be blocked inside, and the list is printed.
        if detail.rstrip().endswith(KERNEL_LACKS):
            absent.append(name)
        elif name in USERNS_CASES and root_userns_refused():
            # A chroot: the kernel refuses user namespaces even to root, outside too.
            absent.append(name)
        else:
            problems.append("%s: the control outside failed: %s" % (name, detail))
    assert f"sandbox-exec: isolation {mode}" in inside.stderr, inside.stderr
    blocked = sum(1 for r, _ in ins.values() if r == "BLOCKED")
    print("escape battery (%s): %d cases, %d blocked; not applicable: %s" % (
        mode, len(ins) - len(na), blocked, ", ".join(sorted(na))))
    for name in ("fork-bomb-stops-at-max-processes", "connection-flood-at-the-proxy",
                 "fd-exhaustion-stops-at-the-limit"):
        print("escape battery (%s): %s: %s" % (mode, name, ins[name][1][:300]))
    if absent:
        print("escape battery: no %s here at all (the control outside got ENOSYS or "
              "EAFNOSUPPORT, or user namespaces are refused even to root, as in a "
              "chroot); blocked inside too" % ", ".join(absent))
    assert not problems, "\n".join(problems) + "\n" + inside.stderr

    # Nothing the sandbox sent reached the host's listeners (the controls outside did).
    assert after == [], "the host's listeners received from inside: %r" % after
    assert sleeper.poll() is None, "the host process was killed from inside"
    # No real value anywhere the sandbox could read or send it.
    with open(received, "rb") as f:
        got = f.read()
    with open(audit) as f:
        audit_text = f.read()
    for value in REALS:
        for where, text in (("the sandbox's output", inside.stdout + inside.stderr),
                            ("what the attacks received", got.decode("latin-1")),
                            ("the audit", audit_text),
                            ("the host not bound to it", other_seen)):
            assert value not in text, "a real secret value reached %s" % where
    assert "/smuggled" not in api_paths and "/smuggled" not in other_seen, api_paths
    # The denied name was decided from its name alone: a denial, never an address.
    denied = [json.loads(line) for line in audit_text.splitlines()
              if "denied.example.test" in line]
    assert denied and all(a["decision"] == "deny" for a in denied), denied
    assert blocked >= 60, "only %d cases" % blocked
