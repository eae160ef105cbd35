"""isolation unprivileged (issue 11): no namespace at all, as under Docker's default
seccomp profile without CAP_SYS_ADMIN. The sandbox shares the host's mounts, network and
PIDs; Landlock (files, TCP ports, ptrace, signals, abstract sockets) and seccomp, whose
connect() the sandbox's reaper performs itself, hold it. The same core checks as the
other modes, run by an OpenShift-style uid without a passwd entry (the sandbox is that
uid) and by root (the sandbox is the policy's user)."""
import os
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import time

import pytest

from conftest import AIRLOCK, AS_CALLER, CALLER
from tlsservers import PKI, TLSServer

PH = "openshell:resolve:env:"
TOKEN = "tok-unpriv-8e1d6c2b9a4f7035"


@pytest.fixture
def box(root):
    d = tempfile.mkdtemp(prefix="airlock-unpriv-", dir="/var/tmp")
    os.chmod(d, 0o755)
    os.mkdir(f"{d}/work")
    os.chown(f"{d}/work", CALLER, CALLER)
    yield d
    subprocess.run(["rm", "-rf", d])


def policy(box, extra=""):
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            isolation = unprivileged
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {box}
            read_write = {box}/work
            """) + textwrap.dedent(extra))
    return path


def sandbox(pol, script, as_caller=True, env=None, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 120)
    return subprocess.run((AS_CALLER if as_caller else []) +
                          [AIRLOCK, "sandbox-exec", "-v", "--policy", pol, "--", "/bin/sh",
                           "-c", script],
                          env=env if env is not None else {"PATH": "/usr/bin:/bin"}, **kw)


def unix_server(path=None, abstract=None):
    """A host process's UNIX socket that greets whoever connects."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path if path else "\0" + abstract)
    if path:
        os.chmod(path, 0o777)
    s.listen(8)

    def serve():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            c.sendall(b"hello-from-host\n")
            c.close()
    threading.Thread(target=serve, daemon=True).start()
    return s


def test_core_checks_in_unprivileged(box):
    pki = PKI(os.path.join(box, "pki"))
    crt, key = pki.leaf("api.example.test")
    holder = subprocess.Popen(["sleep", "300"], user=CALLER, group=CALLER,
                              env={"TOKEN": TOKEN})
    fd, token_file = tempfile.mkstemp(prefix=".ambient_token_", dir="/tmp")
    os.write(fd, (TOKEN + "\n").encode())
    os.close(fd)
    os.chown(token_file, CALLER, CALLER)
    os.chmod(token_file, 0o600)
    host_sock = f"/tmp/airlock-unpriv-{os.getpid()}.sock"
    work_sock = f"{box}/work/agent.sock"
    servers = [unix_server(host_sock), unix_server(work_sock),
               unix_server(abstract=f"airlock-unpriv-{os.getpid()}")]
    try:
        with TLSServer(crt, key, secrets={TOKEN: "TOKEN"}) as api:
            pol = policy(box, f"""\
                [network]
                allow = api.example.test
                map = api.example.test 127.0.0.1:{api.port}
                trust = {pki.root["crt"]}
                [secret TOKEN]
                hosts = api.example.test
                [secret GH]
                hosts = api.example.test
                file = {token_file}
                """)
            probe = (
                "import socket, sys\n"
                "def un(a):\n"
                "    s = socket.socket(socket.AF_UNIX)\n"
                "    try:\n"
                "        s.connect(a); return s.recv(64).decode().strip()\n"
                "    except OSError as e: return type(e).__name__\n"
                f"print('work-sock', un('{work_sock}'))\n"
                # its own socket in the workspace, served by a child: reachable
                "import os, time\n"
                f"own = '{box}/work/own.sock'\n"
                "os.path.exists(own) and os.unlink(own)  # the control's, outside\n"
                "l = socket.socket(socket.AF_UNIX); l.bind(own); l.listen(1)\n"
                "if os.fork() == 0:\n"
                "    c, _ = l.accept(); c.sendall(b'own-served'); os._exit(0)\n"
                "l.close()\n"
                "print('own-sock', un(own))\n"
                f"print('host-sock', un('{host_sock}'))\n"
                f"print('abstract', un('\\0airlock-unpriv-{os.getpid()}'))\n"
                "try:\n"
                "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM); print('udp open')\n"
                "except OSError as e: print('udp', e.errno)\n"
                "s = socket.socket()\n"
                "try:\n"
                "    s.bind(('127.0.0.1', 0)); s.listen(); print('bind open')\n"
                "except OSError as e: print('bind', e.errno)\n"
                # a filter of its own with a listener would take its connects: EBUSY
                "import ctypes, struct\n"
                "libc = ctypes.CDLL(None, use_errno=True)\n"
                "libc.prctl(38, 1, 0, 0, 0)\n"
                "ins = ctypes.create_string_buffer(struct.pack('<HBBI', 6, 0, 0, 0x7fff0000))\n"
                "class P(ctypes.Structure):\n"
                "    _fields_ = [('n', ctypes.c_ushort), ('f', ctypes.c_void_p)]\n"
                "r = libc.syscall(317, 1, 8, ctypes.byref(P(1, ctypes.addressof(ins))))\n"
                "print('listener', ctypes.get_errno() if r < 0 else 'taken')\n")
            with open(f"{box}/probe.py", "w") as f:
                f.write(probe)
            # the control: outside, the same probe gets its listener
            ctl = subprocess.run(AS_CALLER + ["/usr/bin/python3", f"{box}/probe.py"],
                                 capture_output=True, text=True, timeout=60)
            assert "listener taken" in ctl.stdout.splitlines(), ctl.stdout + ctl.stderr
            script = f"""
                id -u
                curl -sS -m 20 -H "Authorization: Bearer $TOKEN" https://api.example.test/echo
                echo; echo "--"
                /usr/bin/python3 -c 'import os, urllib.request as u; print(u.urlopen("https://api.example.test/echo?k=" + os.environ["TOKEN"], timeout=20).read().decode())'
                echo "--"
                curl -sS -m 10 -o /dev/null -w "%{{http_code}}\\n" https://denied.example.test/ 2>&1
                curl -sS -m 5 --noproxy '*' https://127.0.0.1:{api.port}/ 2>&1 && echo DIRECT-OPEN
                cat /proc/{holder.pid}/environ 2>&1 || echo environ-unreadable
                kill -0 {holder.pid} 2>/dev/null || echo signal-refused
                cat {token_file} 2>/dev/null || echo token-file-hidden
                echo "view: $(cat $AIRLOCK_SECRETS_DIR/GH)"
                ls /tmp >/dev/null 2>&1 || echo host-tmp-closed
                echo tmp > "$TMPDIR/t" && echo "tmpdir: $(cat $TMPDIR/t)"
                [ "$CLAUDE_CODE_TMPDIR" = "$TMPDIR" ] && echo claude-tmpdir-same
                /usr/bin/python3 {box}/probe.py
                echo "$TOKEN" > {box}/work/written
                """
            r = sandbox(pol, script, env={"PATH": "/usr/bin:/bin", "TOKEN": TOKEN}, text=True)
            assert r.returncode == 0, r.stderr
            assert "sandbox-exec: isolation unprivileged" in r.stderr
            out = r.stdout
            assert TOKEN not in out + r.stderr
            assert out.startswith(f"{CALLER}\n"), out
            curl_part, python_part = out.split("--")[:2]
            assert '["Authorization", "Bearer <REAL:TOKEN>"]' in curl_part, out
            assert '"path": "/echo?k=<REAL:TOKEN>"' in python_part, out
            lines = out.splitlines()
            assert "CONNECT tunnel failed, response 403" in out, out
            # redirected to the proxy: TLS to an address names no server, so it is cut
            assert "DIRECT-OPEN" not in out and "Connection reset by peer" in out, out
            assert len(api.requests) == 2, api.requests
            for word in ("environ-unreadable", "signal-refused", "token-file-hidden",
                         "view: " + PH + "GH", "host-tmp-closed", "tmpdir: tmp",
                         "claude-tmpdir-same",
                         "work-sock PermissionError", "own-sock own-served",
                         "host-sock PermissionError",
                         "abstract PermissionError", "udp 1", "bind 13", "listener 16"):
                assert word in lines, (word, out)
            got = [v for rec in api.requests for k, v in rec["headers"] if k == "Authorization"]
            assert got == ["Bearer " + TOKEN]
            st = os.stat(f"{box}/work/written")
            assert (st.st_uid, st.st_gid) == (CALLER, CALLER)
            with open(f"{box}/work/written") as f:
                assert f.read() == PH + "TOKEN\n"
            # the private folder is gone with the sandbox
            assert not [n for n in os.listdir("/tmp") if n.startswith("airlock-")
                        and os.stat("/tmp/" + n).st_uid == CALLER]
    finally:
        holder.kill()
        holder.wait()
        os.unlink(token_file)
        for s in servers:
            s.close()
        os.unlink(host_sock)


def test_root_runs_the_policys_user_in_unprivileged(box):
    os.chmod(f"{box}/work", 0o777)
    r = sandbox(policy(box), f"id -u; grep ^CapEff /proc/self/status; "
                             f"cat /etc/shadow >/dev/null 2>&1 || echo shadow-closed",
                as_caller=False, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["65534", "CapEff:", "0000000000000000", "shadow-closed"], \
        r.stdout


def test_isolation_unprivileged_never_tries_a_namespace(box):
    """With isolation = unprivileged no namespace is tried, not even by the probe that
    auto and full use (where unshare is watched, trying it would raise an alarm): as
    root, who could make them, no unshare and no clone asks for one. The control: with
    isolation = auto the same trace shows them."""
    def namespaces_asked(pol):
        trace = os.path.join(box, "trace")
        r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=unshare,clone,clone3",
                            "-o", trace, AIRLOCK, "sandbox-exec", "--policy", pol, "--",
                            "/bin/true"], capture_output=True, text=True, timeout=120,
                           env={"PATH": "/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        with open(trace) as f:
            return [l for l in f if "CLONE_NEW" in l]
    assert namespaces_asked(policy(box)) == []
    auto = os.path.join(box, "auto.ini")
    with open(policy(box)) as f, open(auto, "w") as g:
        g.write(f.read().replace("isolation = unprivileged", "isolation = auto"))
    assert any("CLONE_NEWNET" in l for l in namespaces_asked(auto))


def test_stdio_signals_and_status_in_unprivileged(box):
    data = os.urandom(1 << 20)
    r = sandbox(policy(box), "cat; exit 7", input=data)
    assert r.returncode == 7, r.stderr
    assert r.stdout == data
    r = sandbox(policy(box), "kill -TERM $$")
    assert r.returncode == 128 + signal.SIGTERM, r.stderr
    p = subprocess.Popen(AS_CALLER + [AIRLOCK, "sandbox-exec", "--policy", policy(box), "--",
                                      "/bin/sh", "-c",
                                      "trap 'echo got-term; exit 42' TERM; echo ready; "
                                      "while :; do sleep 0.1; done"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "ready\n"
    time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 42, err
    assert out == "got-term\n"


def test_a_secret_file_in_a_given_folder_is_refused_in_unprivileged(box):
    """No mount namespace can mask it: a token file in a folder the sandbox is given
    would be readable, so the start is refused."""
    token = f"{box}/token"
    with open(token, "w") as f:
        f.write(TOKEN + "\n")
    pol = policy(box, f"""\
        [secret GH]
        hosts = api.example.test
        file = {token}
        """)
    r = sandbox(pol, f"touch {box}/work/ran", text=True)
    assert r.returncode == 125, r.stderr
    assert (f"a [secret] file {token} lies in {box}, which the sandbox is given: isolation "
            "unprivileged has no mount namespace to mask it") in r.stderr
    assert not os.path.exists(f"{box}/work/ran")
    assert TOKEN not in r.stderr


def test_direct_connects_are_redirected_to_the_proxy_and_decided_by_policy(box):
    """A tool that ignores the proxy variables connects straight to an address: the
    reaper hands the connection to the proxy with the port it asked for, and the policy
    decides by the TLS SNI (or the HTTP Host) as for a CONNECT: an allowed name gets the
    MITM with the secret swapped in, whatever address the tool aimed at; a denied one,
    or TLS without a name, is cut off."""
    pki = PKI(os.path.join(box, "pki"))
    crt, key = pki.leaf("api.example.test")
    with TLSServer(crt, key, secrets={TOKEN: "TOKEN"}) as api:
        pol = policy(box, f"""\
            [network]
            allow = api.example.test
            map = api.example.test 127.0.0.1:{api.port}
            trust = {pki.root["crt"]}
            [secret TOKEN]
            hosts = api.example.test
            """)
        script = """
            curl -sS -m 20 --noproxy '*' --resolve api.example.test:443:192.0.2.7 \
                -H "Authorization: Bearer $TOKEN" https://api.example.test/echo; echo
            echo "--"
            curl -sS -m 20 --noproxy '*' --resolve denied.example.test:443:192.0.2.7 \
                https://denied.example.test/ >/dev/null 2>&1 || echo denied-cut
            curl -sS -m 20 --noproxy '*' -k https://192.0.2.7/ >/dev/null 2>&1 || echo no-sni-cut
            """
        r = sandbox(pol, script, env={"PATH": "/usr/bin:/bin", "TOKEN": TOKEN}, text=True)
        assert r.returncode == 0, r.stderr
        assert TOKEN not in r.stdout + r.stderr
        first, rest = r.stdout.split("--", 1)
        assert '["Authorization", "Bearer <REAL:TOKEN>"]' in first, r.stdout + r.stderr
        assert "denied-cut" in rest and "no-sni-cut" in rest, r.stdout
        got = [v for rec in api.requests for k, v in rec["headers"] if k == "Authorization"]
        assert got == ["Bearer " + TOKEN]


def test_plain_http_around_the_proxy_is_decided_by_its_host(box):
    from conftest import free_port
    port = free_port()
    os.makedirs(f"{box}/www", exist_ok=True)
    with open(f"{box}/www/hello", "w") as f:
        f.write("hello-plain\n")
    srv = subprocess.Popen(["python3", "-m", "http.server", "-b", "127.0.0.1", str(port)],
                           cwd=f"{box}/www", stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        pol = policy(box, f"""\
            [network]
            allow = plain.example.test:{port}
            map = plain.example.test 127.0.0.1:{port}
            """)
        script = f"""
            curl -sS -m 20 --noproxy '*' --resolve plain.example.test:{port}:192.0.2.7 \
                http://plain.example.test:{port}/hello
            curl -sS -m 20 --noproxy '*' -o /dev/null -w '%{{http_code}}\\n' \
                --resolve other.example.test:{port}:192.0.2.7 http://other.example.test:{port}/
            /usr/bin/python3 -c 'import socket; s = socket.create_connection(("192.0.2.7", 80), 20); s.sendall(b"CONNECT plain.example.test:{port} HTTP/1.1\\r\\n\\r\\n"); print(s.recv(200).decode().splitlines()[0])'
            """
        r = sandbox(pol, script, text=True)
        assert r.returncode == 0, r.stderr
        # a CONNECT sent around the proxy gets a refusal, not a wait for a 200
        assert r.stdout.splitlines() == ["hello-plain", "403", "HTTP/1.1 400 Bad Request"], \
            r.stdout + r.stderr
    finally:
        srv.kill()
        srv.wait()


def test_only_the_terminal_on_stdio_is_open_in_unprivileged(box):
    """The host's /dev/pts is shared: another session's terminal of the same uid must
    stay closed (it would read keystrokes, write into someone's screen); the terminal CMD
    was given on stdio works."""
    other_m, other_s = os.openpty()
    own_m, own_s = os.openpty()
    other, own = os.ttyname(other_s), os.ttyname(own_s)
    for name in (other, own):
        os.chown(name, CALLER, -1)
    try:
        ctl = subprocess.run(AS_CALLER + ["/bin/sh", "-c", f"echo x > {other} && echo opened"],
                             capture_output=True, text=True, timeout=30)
        assert ctl.stdout == "opened\n", ctl.stderr  # the control: outside, it opens
        r = subprocess.run(AS_CALLER + [AIRLOCK, "sandbox-exec", "--policy", policy(box),
                                        "--", "/bin/sh", "-c",
                                        f"(echo x > {other}) 2>/dev/null || echo other-closed; "
                                        f"[ \"$(tty)\" = {own} ] && echo own-tty; "
                                        "echo to-tty > $(tty) && echo tty-written"],
                           stdin=own_s, stdout=own_s, stderr=subprocess.PIPE, timeout=60,
                           env={"PATH": "/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        os.set_blocking(own_m, False)
        out = b""
        try:
            while True:
                chunk = os.read(own_m, 4096)
                if not chunk:
                    break
                out += chunk
        except (BlockingIOError, OSError):
            pass
        text = out.decode(errors="replace").replace("\r", "")
        for word in ("other-closed", "own-tty", "to-tty", "tty-written"):
            assert word in text.split("\n"), (word, text)
    finally:
        for fd in (other_m, other_s, own_m, own_s):
            os.close(fd)
