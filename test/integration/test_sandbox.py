"""sandbox-exec: namespaces, identity, environment, secrets out of reach, supervision.

Each test runs the real out/airlock as root and looks at the sandbox from inside it with
real programs (python3, sh, cat), reading what the kernel reports (/proc/self/status,
socket errors), so a layer that is missing makes its test fail.
"""
import hashlib
import os
import signal
import socket
import subprocess
import tempfile
import textwrap
import time

import pytest

from conftest import AIRLOCK, free_port, run

PY = "/usr/bin/python3"
SECRET = "ghp_realSecretValue_0123456789abcdef"


@pytest.fixture
def box(root):
    """A world-readable scratch folder (the sandbox user is not root) and a policy."""
    d = tempfile.mkdtemp(prefix="airlock-sbx-")
    os.chmod(d, 0o755)
    yield d
    subprocess.run(["rm", "-rf", d])


def write_policy(folder, extra="", user="65534:65534"):
    token = os.path.join(folder, "token")
    with open(token, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(token, 0o644)
    path = os.path.join(folder, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = {user}
            landlock = required
            seccomp = required

            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {folder}
            read_write = /tmp

            [network]
            allow = api.example.test

            [secret GITHUB_TOKEN]
            hosts = github.com api.github.com
            file = {token}
            """) + extra)
    return path


def sandbox(policy, cmd, env=None, **kw):
    args = [AIRLOCK, "sandbox-exec", "--policy", policy, "--"] + cmd
    return run(args, env=env, **kw)


def inside_py(policy, code, env=None, **kw):
    return sandbox(policy, [PY, "-c", textwrap.dedent(code)], env=env, **kw)


# --- exit status ------------------------------------------------------------------------

@pytest.mark.parametrize("code", [0, 1, 2, 42, 124, 125, 126, 127, 128, 200, 255])
def test_exit_status_is_cmds(box, code):
    p = write_policy(box)
    r = sandbox(p, ["/bin/sh", "-c", f"exit {code}"])
    assert r.returncode == code, r.stderr


def test_killed_by_signal_is_128_plus_n(box):
    p = write_policy(box)
    r = sandbox(p, ["/bin/sh", "-c", "kill -TERM $$"])
    assert r.returncode == 128 + signal.SIGTERM, r.stderr


def test_not_found_127_not_executable_126(box):
    p = write_policy(box)
    assert sandbox(p, ["/nonexistent/cmd"]).returncode == 127
    script = os.path.join(box, "noexec.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(script, 0o644)
    assert sandbox(p, [script]).returncode == 126


def test_usage_and_bad_policy_are_125_with_reason(box):
    r = run([AIRLOCK, "sandbox-exec"])
    assert r.returncode == 125 and r.stderr.startswith("airlock:"), r.stderr
    r = run([AIRLOCK, "sandbox-exec", "--bogus", "--", "true"])
    assert r.returncode == 125 and "--bogus" in r.stderr
    bad = os.path.join(box, "bad.ini")
    with open(bad, "w") as f:
        f.write("[sandbox]\nuser = 0\n")
    r = run([AIRLOCK, "sandbox-exec", "--policy", bad, "--", "true"])
    assert r.returncode == 125
    assert f"{bad}:2" in r.stderr, r.stderr


def test_full_mode_needs_root_says_so(box):
    """isolation = full is that mode or nothing: a non-root caller gets 125 and why (auto
    would take a user namespace: test_userns.py)."""
    p = write_policy(box)
    with open(p) as f:
        text = f.read().replace("seccomp = required\n", "seccomp = required\nisolation = full\n")
    with open(p, "w") as f:
        f.write(text)
    r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             AIRLOCK, "sandbox-exec", "--policy", p, "--", "/bin/true"])
    assert r.returncode == 125
    assert r.stderr == ("airlock: [sandbox] isolation = full: the sandbox's namespaces cannot "
                        "be made here: not root (run as root with CAP_SYS_ADMIN and "
                        "CAP_NET_ADMIN, under a seccomp profile that allows unshare; or set "
                        "isolation = auto)\n"), r.stderr


def test_invoked_as_sandbox_exec_link(box):
    p = write_policy(box)
    link = os.path.join(box, "sandbox-exec")
    os.symlink(AIRLOCK, link)
    r = run([link, "--policy", p, "--", "/bin/sh", "-c", "exit 7"])
    assert r.returncode == 7, r.stderr


# --- namespaces ---------------------------------------------------------------------------

def test_pid_namespace_has_fresh_proc(box):
    p = write_policy(box)
    r = inside_py(p, """
        import os
        pids = sorted(int(x) for x in os.listdir('/proc') if x.isdigit())
        print(os.getpid(), pids)
        """)
    assert r.returncode == 0, r.stderr
    me, pids = r.stdout.split(" ", 1)
    pids = eval(pids)
    # PID 1 is the sandbox's reaper, CMD is its child; nothing of the host is visible.
    assert pids[0] == 1 and max(pids) < 20 and len(pids) <= 3, r.stdout


def test_uts_and_ipc_and_mount_namespaces(box):
    p = write_policy(box)
    r = inside_py(p, """
        import os, socket
        print(socket.gethostname())
        print(os.readlink('/proc/self/ns/ipc'), os.readlink('/proc/self/ns/mnt'),
              os.readlink('/proc/self/ns/net'), os.readlink('/proc/self/ns/uts'))
        """)
    assert r.returncode == 0, r.stderr
    host_ns = [os.readlink(f"/proc/self/ns/{n}") for n in ("ipc", "mnt", "net", "uts")]
    lines = r.stdout.split("\n")
    assert lines[0] == "airlock"
    for inside, outside in zip(lines[1].split(), host_ns):
        assert inside != outside


def test_only_lo_and_nothing_but_the_proxy_is_reachable(box):
    p = write_policy(box)
    # A server on the host's loopback: the sandbox must not reach it.
    port = free_port()
    srv = socket.socket()
    srv.bind(("127.0.0.1", port))
    srv.listen()
    try:
        r = inside_py(p, f"""
            import errno, os, socket, time
            print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]))
            def tcp(fam, addr):
                s = socket.socket(fam)
                s.settimeout(5)
                t = time.monotonic()
                try:
                    s.connect(addr)
                    return 'connected'
                except OSError as e:
                    assert time.monotonic() - t < 2, 'connect did not fail at once'
                    return errno.errorcode[e.errno]
            print(tcp(socket.AF_INET, ('127.0.0.1', {port})))
            print(tcp(socket.AF_INET, ('10.1.2.3', 80)))
            print(tcp(socket.AF_INET, ('93.184.216.34', 443)))
            print(tcp(socket.AF_INET6, ('2001:db8::1', 443)))
            print(tcp(socket.AF_INET, ('127.0.0.1', 3128)))
            print(tcp(socket.AF_INET6, ('::1', 3128)))
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.sendto(b'x', ('8.8.8.8', 53))
                print('sent')
            except OSError as e:
                print(errno.errorcode[e.errno])
            """)
    finally:
        srv.close()
    assert r.returncode == 0, r.stderr
    out = r.stdout.split("\n")
    assert out[0] == "['lo']"
    assert out[1] == "ECONNREFUSED"         # the host's loopback is not ours
    assert out[2] == "ENETUNREACH"
    assert out[3] == "ENETUNREACH"
    assert out[4] == "ENETUNREACH"
    assert out[5] == "connected"            # the proxy listener, served from outside
    assert out[6] == "connected"
    assert out[7] == "ENETUNREACH"          # DNS goes nowhere


# --- identity -------------------------------------------------------------------------------

def status_fields(text):
    return dict(line.split(":", 1) for line in text.strip().split("\n") if ":" in line)


def test_identity_no_caps_no_groups_no_new_privs(box):
    p = write_policy(box, user="4242:4343")
    r = sandbox(p, ["/bin/cat", "/proc/self/status"])
    assert r.returncode == 0, r.stderr
    st = {k: v.split() for k, v in status_fields(r.stdout).items()}
    assert st["Uid"] == ["4242"] * 4
    assert st["Gid"] == ["4343"] * 4
    assert st["Groups"] == []
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(st[cap][0], 16) == 0, cap
    assert st["NoNewPrivs"] == ["1"]
    assert st["Seccomp"] == ["2"]


def test_core_dumps_off(box):
    p = write_policy(box)
    r = inside_py(p, "import resource; print(resource.getrlimit(resource.RLIMIT_CORE))")
    assert r.stdout.strip() == "(0, 0)", r.stderr


# --- environment and secrets ------------------------------------------------------------------

def test_environment_placeholders_and_proxy_variables(box):
    p = write_policy(box)
    env = dict(os.environ, GITHUB_TOKEN=SECRET, HTTPS_PROXY="http://corp.example:8080")
    r = sandbox(p, ["/usr/bin/env"], env=env)
    assert r.returncode == 0, r.stderr
    got = dict(l.split("=", 1) for l in r.stdout.strip().split("\n"))
    assert got["GITHUB_TOKEN"] == "openshell:resolve:env:GITHUB_TOKEN"
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
              "all_proxy"):
        assert got[k] == "http://127.0.0.1:3128", k
    assert got["NO_PROXY"] == "localhost,127.0.0.1,::1"
    assert got["NODE_USE_ENV_PROXY"] == "1"
    assert got["NODE_EXTRA_CA_CERTS"] == "/run/airlock/ca.pem"
    for k in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO",
              "PIP_CERT", "CARGO_HTTP_CAINFO", "AWS_CA_BUNDLE"):
        assert got[k] == "/run/airlock/bundle.pem", k
    assert SECRET not in r.stdout


def test_no_real_secret_anywhere_inside(box):
    """A program inside greps its environment, every /proc/*/environ it can see and the
    token file, and finds the placeholder only."""
    p = write_policy(box)
    token = os.path.join(box, "token")
    env = dict(os.environ, GITHUB_TOKEN=SECRET)
    # The probe gets the value in hex: as it is, it would be masked in its own argv.
    r = inside_py(p, f"""
        import os
        secret = bytes.fromhex({SECRET.encode().hex()!r}).decode()
        found = []
        if secret in repr(dict(os.environ)):
            found.append('environ')
        for pid in os.listdir('/proc'):
            if pid.isdigit():
                try:
                    if secret.encode() in open(f'/proc/{{pid}}/environ', 'rb').read():
                        found.append(pid)
                except OSError:
                    pass
        data = open({token!r}).read()
        if secret in data:
            found.append('token')
        print(found, data.strip())
        """, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[] openshell:resolve:env:GITHUB_TOKEN"
    # Outside, the file still holds the real token.
    assert open(token).read().strip() == SECRET


def test_supervisor_out_of_reach(box):
    p = write_policy(box)
    r = inside_py(p, """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        # The reaper (PID 1) and our parent: ptrace is denied.
        rc = libc.ptrace(16, 1, 0, 0)  # PTRACE_ATTACH
        print(rc, ctypes.get_errno())
        print(os.getppid())
        """)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[0] == "-1 1"     # EPERM
    assert lines[1] == "1"        # the parent is the in-sandbox reaper, not the supervisor


def test_run_airlock_is_read_only_with_ca_files(box):
    p = write_policy(box)
    r = sandbox(p, ["/bin/sh", "-c",
                    "test -s /run/airlock/bundle.pem && echo bundle; "
                    "touch /run/airlock/x 2>/dev/null || echo read-only"])
    assert r.stdout.split() == ["bundle", "read-only"], r.stdout + r.stderr


# --- supervision ------------------------------------------------------------------------------

def test_stdio_passes_through_byte_exact(box):
    p = write_policy(box)
    data = os.urandom(1 << 20) * 100  # 100 MiB
    r = subprocess.run([AIRLOCK, "sandbox-exec", "--policy", p, "--", "/bin/cat"],
                       input=data, capture_output=True, timeout=120)
    assert r.returncode == 0
    assert len(r.stdout) == len(data)
    assert hashlib.sha256(r.stdout).digest() == hashlib.sha256(data).digest()


def test_signals_reach_cmd(box):
    p = write_policy(box)
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGUSR1, lambda *a: sys.exit(42))\n"
            "print('ready', flush=True)\n"
            # short sleeps: CPython runs a handler between bytecodes, so a signal that
            # lands just before one long sleep's system call would wait it out
            "for _ in range(600): time.sleep(0.05)\n")
    proc = subprocess.Popen([AIRLOCK, "sandbox-exec", "--policy", p, "--", PY, "-c", code],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGUSR1)
        assert proc.wait(timeout=10) == 42
    finally:
        proc.kill()


def test_real_time_signal_34_reaches_cmd(box):
    """Signal 34 (SIGRTMIN of glibc, internal to musl's sigfillset) is forwarded too: the
    supervisor waits for exactly the set it blocks."""
    p = write_policy(box)
    code = ("import signal, sys, time\n"
            "signal.signal(34, lambda *a: sys.exit(34))\n"
            "print('ready', flush=True)\n"
            # short sleeps: CPython runs a handler between bytecodes, so a signal that
            # lands just before one long sleep's system call would wait it out
            "for _ in range(600): time.sleep(0.05)\n")
    proc = subprocess.Popen([AIRLOCK, "sandbox-exec", "--policy", p, "--", PY, "-c", code],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        os.kill(proc.pid, 34)
        assert proc.wait(timeout=10) == 34
    finally:
        proc.kill()


def test_sigterm_to_supervisor_ends_cmd(box):
    p = write_policy(box)
    proc = subprocess.Popen([AIRLOCK, "sandbox-exec", "--policy", p, "--", "/bin/sh", "-c",
                             "echo ready; exec sleep 30"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        proc.kill()


def test_sigkill_of_supervisor_leaves_no_sandbox(box):
    p = write_policy(box)
    marker = f"sleep 60.{os.getpid()}{time.monotonic_ns() % 1000000}"
    proc = subprocess.Popen([AIRLOCK, "sandbox-exec", "--policy", p, "--", "/bin/sh", "-c",
                             f"echo ready; exec {marker}"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    assert marker in run(["ps", "-eo", "args"]).stdout
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while marker in run(["ps", "-eo", "args"]).stdout:
        assert time.monotonic() < deadline, "sandbox survived its supervisor"
        time.sleep(0.1)


def test_workdir_and_callers_cwd(box):
    p = write_policy(box, extra="")
    r = sandbox(p, ["/bin/pwd"], cwd=box)
    assert r.stdout.strip() == box, r.stderr
    p2 = os.path.join(box, "wd.ini")
    text = open(p).read().replace("[sandbox]\n", "[sandbox]\nworkdir = /tmp\n", 1)
    open(p2, "w").write(text)
    r = sandbox(p2, ["/bin/pwd"], cwd=box)
    assert r.stdout.strip() == "/tmp", r.stderr


def test_ca_files_fresh_per_sandbox_and_in_bundle(box):
    p = write_policy(box)
    def ca_and_bundle():
        r = sandbox(p, ["/bin/sh", "-c", "cat /run/airlock/ca.pem; echo ====; "
                        "cat /run/airlock/bundle.pem"])
        assert r.returncode == 0, r.stderr
        return r.stdout.split("====\n")
    ca1, bundle = ca_and_bundle()
    ca2, _ = ca_and_bundle()
    assert ca1.startswith("-----BEGIN CERTIFICATE-----") and ca1 != ca2
    assert bundle.rstrip().endswith(ca1.rstrip())          # system roots + the CA
    assert bundle.count("BEGIN CERTIFICATE") > 1
    text = run(["openssl", "x509", "-noout", "-text"], input=ca1).stdout
    assert "CA:TRUE" in text and "Name Constraints" in text
    assert "DNS:api.example.test" in text


def test_ctrl_c_on_a_terminal_reaches_cmd_once(box):
    """Under a terminal, sandbox-exec, the sandbox's PID 1 and CMD share the foreground
    process group, so the kernel already delivers Ctrl-C to CMD: the supervisor must not
    forward it a second time."""
    import pty
    import select
    p = write_policy(box)
    code = ("import signal, sys, time\n"
            "n = [0]\n"
            "def h(*a): n[0] += 1\n"
            "signal.signal(signal.SIGINT, h)\n"
            "print('ready', flush=True)\n"
            "t = time.monotonic()\n"
            "while time.monotonic() - t < 3: time.sleep(0.05)\n"
            "print('count', n[0], flush=True)\n")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(AIRLOCK, [AIRLOCK, "sandbox-exec", "--policy", p, "--", PY, "-c", code])
    out = b""
    try:
        deadline = time.monotonic() + 30
        sent = False
        while time.monotonic() < deadline and b"count" not in out:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            if b"ready" in out and not sent:
                os.write(fd, b"\x03")
                sent = True
        while b"count" in out and not out.rstrip().endswith((b"0", b"1", b"2", b"3")):
            out += os.read(fd, 1024)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert sent, out
    assert b"count 1" in out, out
    assert os.waitstatus_to_exitcode(status) == 0


def test_host_unix_sockets_under_run_are_out_of_reach(box):
    """Landlock does not govern connect() to a named socket: /run is a fresh tmpfs inside,
    so a host service listening there (D-Bus, resolved, a container runtime) is not."""
    d = "/run/airlock-test-%d" % os.getpid()
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    path = os.path.join(d, "host.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    os.chmod(path, 0o777)
    srv.listen()
    p = write_policy(box, extra=f"")
    try:
        r = inside_py(p, f"""
            import errno, os, socket
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect({path!r})
                print('connected')
            except OSError as e:
                print(errno.errorcode[e.errno])
            print(os.path.exists({d!r}), os.path.exists('/run/airlock/ca.pem'))
            """)
    finally:
        srv.close()
        os.unlink(path)
        os.rmdir(d)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["ENOENT", "False True"], r.stdout


def test_callers_open_descriptors_do_not_reach_cmd(box):
    p = write_policy(box)
    secret = os.path.join(box, "host-only")
    with open(secret, "w") as f:
        f.write("root-only data\n")
    os.chmod(secret, 0o600)
    fd = os.open(secret, os.O_RDONLY)  # inheritable, as a careless caller leaves it
    os.set_inheritable(fd, True)
    try:
        code = (f"import os\n"
                f"try:\n    print(os.read({fd}, 100))\nexcept OSError as e:\n    print(e.errno)\n"
                f"print(sorted(os.listdir('/proc/self/fd')))\n")
        r = run([AIRLOCK, "sandbox-exec", "--policy", p, "--", PY, "-c", code], pass_fds=(fd,))
    finally:
        os.close(fd)
    assert "root-only data" not in r.stdout
    lines = r.stdout.split("\n")
    assert lines[0] == "9", r.stdout + r.stderr                 # EBADF
    assert lines[1] == "['0', '1', '2', '3']", r.stdout        # 3: listdir's own


def test_audit_file_must_be_a_regular_file_not_a_link(box):
    p = write_policy(box)
    target = os.path.join(box, "target")
    open(target, "w").close()
    link = os.path.join(box, "audit-link")
    os.symlink(target, link)
    r = run([AIRLOCK, "sandbox-exec", "--policy", p, "--audit", link, "--", "/bin/true"])
    assert r.returncode == 125 and "symbolic link" in r.stderr, r.stderr
    fifo = os.path.join(box, "audit-fifo")
    os.mkfifo(fifo)
    r = run([AIRLOCK, "sandbox-exec", "--policy", p, "--audit", fifo, "--", "/bin/true"],
            timeout=10)
    assert r.returncode == 125 and r.stderr.startswith("airlock:"), r.stderr
    assert os.path.getsize(target) == 0


def test_sandbox_pid1_holds_no_copy_of_the_supervisors_environment(box):
    """The sandbox's PID 1 starts as a copy of the supervisor, whose environment held
    the real token: that copy is wiped (read here from outside, as root). The proxy
    worker keeps its copy (it holds the values anyway): the probe's positive control."""
    p = write_policy(box)
    env = dict(os.environ, GITHUB_TOKEN=SECRET)
    proc = subprocess.Popen([AIRLOCK, "sandbox-exec", "--policy", p, "--", "/bin/sh", "-c",
                             "echo ready; exec sleep 30"], env=env, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        kids = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
        names = {k: open(f"/proc/{k}/comm").read().strip() for k in kids}
        sandbox = [k for k in kids if not names[k].startswith("airlock-")]
        assert len(sandbox) == 1, names
        reaper = sandbox[0]
        cmd = open(f"/proc/{reaper}/task/{reaper}/children").read().split()[0]
        worker = [k for k in kids if names[k] == "airlock-proxy"][0]
        assert SECRET.encode() in open(f"/proc/{worker}/environ", "rb").read()
        for pid in (reaper, cmd, proc.pid):
            assert SECRET.encode() not in open(f"/proc/{pid}/environ", "rb").read(), pid
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_landlock_required_fails_closed_best_effort_runs_and_says_so(box, tools):
    """On a kernel without Landlock (simulated: the calls fail with ENOSYS), `required`
    stops airlock with 125 before CMD runs; `best_effort` runs CMD and says so."""
    # under /tmp (read_write) but not in the box, which is mounted read-only
    scratch = tempfile.mkdtemp(prefix="airlock-sbx-rw-")
    os.chmod(scratch, 0o777)  # without Landlock the plain permissions decide
    marker = os.path.join(scratch, "ran")
    p = write_policy(box)
    r = run([str(tools / "no_landlock"), AIRLOCK, "sandbox-exec", "--policy", p, "--",
             "/bin/sh", "-c", f"touch {marker}"])
    assert r.returncode == 125, r.stderr
    assert r.stderr.startswith("airlock: landlock is required") and "best_effort" in r.stderr
    assert not os.path.exists(marker)
    text = open(p).read().replace("landlock = required", "landlock = best_effort")
    p2 = os.path.join(box, "best.ini")
    open(p2, "w").write(text)
    try:
        r = run([str(tools / "no_landlock"), AIRLOCK, "sandbox-exec", "--policy", p2, "--",
                 "/bin/sh", "-c", f"touch {marker} && echo ran"])
        assert r.returncode == 0 and r.stdout.strip() == "ran", r.stderr
        assert "warning: landlock is not available" in r.stderr
    finally:
        subprocess.run(["rm", "-rf", scratch])


# --- the file system is built, not filtered ----------------------------------------------

NOBODY = 65534


def test_metadata_of_read_only_files_cannot_change(box):
    """Landlock does not govern chmod, utime, xattrs or chown of a file the sandbox user
    owns: read_only paths are read-only mounts, so each of these gets EROFS."""
    f = os.path.join(box, "meta")
    with open(f, "w") as fh:
        fh.write("x\n")
    os.chown(f, NOBODY, NOBODY)  # its own file: DAC alone would let it do all of this
    os.chmod(f, 0o644)
    before = os.stat(f)
    p = write_policy(box)
    r = inside_py(p, f"""
        import errno, os
        f = {f!r}
        for name, call in [("chmod", lambda: os.chmod(f, 0o777)),
                           ("utime", lambda: os.utime(f, (1, 1))),
                           ("setxattr", lambda: os.setxattr(f, "user.x", b"1")),
                           ("removexattr", lambda: os.removexattr(f, "user.x")),
                           ("chown", lambda: os.chown(f, {NOBODY}, {NOBODY}))]:
            try:
                call()
                print(name, "ok")
            except OSError as e:
                print(name, errno.errorcode[e.errno])
        """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:-1] == ["chmod EROFS", "utime EROFS", "setxattr EROFS",
                                          "removexattr EROFS", "chown EROFS"], r.stdout
    after = os.stat(f)
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)
    assert "user.x" not in os.listxattr(f)


def test_paths_outside_the_policy_do_not_exist(box):
    """Outside the policy nothing can be stat'ed, read as a link, asked for xattrs,
    watched or listed: it is not in the sandbox's root."""
    out = tempfile.mkdtemp(prefix="airlock-outside-", dir="/var/tmp")
    try:
        os.chmod(out, 0o755)
        f = os.path.join(out, "f")
        open(f, "w").write("secret plans\n")
        os.chmod(f, 0o644)
        os.setxattr(f, "user.note", b"1")
        os.symlink("f", os.path.join(out, "l"))
        p = write_policy(box)
        r = inside_py(p, f"""
            import ctypes, errno, os
            libc = ctypes.CDLL(None, use_errno=True)
            def inotify(path):
                fd = libc.inotify_init1(0)
                if libc.inotify_add_watch(fd, path.encode(), 0xfff) < 0:
                    raise OSError(ctypes.get_errno(), "inotify_add_watch")
            out = {out!r}
            for name, call in [("stat", lambda: os.stat(out + "/f")),
                               ("lstat dir", lambda: os.lstat(out)),
                               ("readlink", lambda: os.readlink(out + "/l")),
                               ("getxattr", lambda: os.getxattr(out + "/f", "user.note")),
                               ("inotify", lambda: inotify(out)),
                               ("listdir", lambda: os.listdir(out))]:
                try:
                    call()
                    print(name, "ok")
                except OSError as e:
                    print(name, errno.errorcode[e.errno])
            """)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split("\n")[:-1] == [
            "stat ENOENT", "lstat dir ENOENT", "readlink ENOENT", "getxattr ENOENT",
            "inotify ENOENT", "listdir ENOENT"], r.stdout
    finally:
        subprocess.run(["rm", "-rf", out])


def test_symlinked_system_paths_resolve_as_on_the_host(box):
    """/bin, /lib, /lib64 and /sbin are links into /usr on merged-/usr systems: inside
    they are the same links, and what they lead to is there."""
    p = write_policy(box)
    names = [n for n in ("/bin", "/lib", "/lib64", "/sbin") if os.path.lexists(n)]
    r = inside_py(p, f"""
        import os
        for n in {names!r}:
            print(n, os.readlink(n) if os.path.islink(n) else "dir", sorted(os.listdir(n))[:5])
        """)
    assert r.returncode == 0, r.stderr
    want = "".join(f"{n} {os.readlink(n) if os.path.islink(n) else 'dir'} "
                   f"{sorted(os.listdir(n))[:5]}\n" for n in names)
    assert r.stdout == want


def test_host_ptys_are_out_of_reach_and_devpts_is_the_sandboxs_own(box):
    """A pty of the host owned by the sandbox's user, never given to sandbox-exec, cannot
    be opened inside; /dev/pts holds only the sandbox's own ptys."""
    m, s = os.openpty()
    try:
        name = os.ttyname(s)
        os.chown(name, NOBODY, NOBODY)
        p = write_policy(box)
        r = inside_py(p, f"""
            import errno, os
            try:
                os.close(os.open({name!r}, os.O_RDWR | os.O_NOCTTY))
                print("opened")
            except OSError as e:
                print(errno.errorcode[e.errno])
            print(sorted(os.listdir("/dev/pts")))
            m, s = os.openpty()
            print(os.ttyname(s), sorted(os.listdir("/dev/pts")))
            """)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split("\n")[:-1] == ["ENOENT", "['ptmx']",
                                              "/dev/pts/0 ['0', 'ptmx']"], r.stdout
    finally:
        os.close(m)
        os.close(s)


def test_terminal_given_to_sandbox_exec_still_works(box):
    """Run under a terminal, CMD still has it: on its descriptors (ioctls included) and
    as /dev/tty, its controlling terminal."""
    import pty
    import select
    p = write_policy(box)
    code = ("import fcntl, os, struct, sys, termios\n"
            "fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 99, 0, 0))\n"
            "rows, cols = struct.unpack('HHHH', fcntl.ioctl(1, termios.TIOCGWINSZ, bytes(8)))[:2]\n"
            "t = os.open('/dev/tty', os.O_RDWR)\n"
            "os.write(t, b'via-dev-tty\\n')\n"
            "print('isatty', os.isatty(0), os.isatty(1), os.isatty(2), rows, cols, flush=True)\n"
            "print('got', sys.stdin.readline().strip(), flush=True)\n")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(AIRLOCK, [AIRLOCK, "sandbox-exec", "--policy", p, "--", PY, "-c", code])
    out = b""
    try:
        deadline = time.monotonic() + 30
        sent = False
        while time.monotonic() < deadline and b"got" not in out:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            if b"33 99" in out and not sent:
                os.write(fd, b"hello\n")
                sent = True
        while b"got" in out and not out.rstrip().endswith(b"hello"):
            chunk = os.read(fd, 1024)
            if not chunk:
                break
            out += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert b"via-dev-tty" in out, out
    assert b"isatty True True True 33 99" in out, out
    assert b"got hello" in out, out
    assert os.waitstatus_to_exitcode(status) == 0


def test_secret_file_shows_its_placeholder_whatever_the_lists_say(box):
    """The masked `file` of a secret is readable inside even though its folder is not
    listed; nothing else of that folder appears."""
    folder = tempfile.mkdtemp(prefix="airlock-secretdir-", dir="/var/tmp")
    try:
        os.chmod(folder, 0o755)
        token = os.path.join(folder, "token")
        open(token, "w").write(SECRET + "\n")
        os.chmod(token, 0o600)
        sibling = os.path.join(folder, "sibling")
        open(sibling, "w").write("not for the sandbox\n")
        os.chmod(sibling, 0o644)
        p = write_policy(box, extra=f"""
            [secret OTHER_TOKEN]
            hosts = example.com
            file = {token}
            """.replace("\n            ", "\n"))
        r = inside_py(p, f"""
            import errno, os
            print(open({token!r}).read().strip())
            for name, call in [("list", lambda: os.listdir({folder!r})),
                               ("sibling", lambda: open({sibling!r}).read()),
                               ("write", lambda: open({token!r}, "w"))]:
                try:
                    print(name, call())
                except OSError as e:
                    print(name, errno.errorcode[e.errno])
            """)
        assert r.returncode == 0, r.stderr
        # the folder exists only as the way to the token, which Landlock lets nobody
        # list; the sibling is not in the sandbox at all; the placeholder is read-only
        assert r.stdout.split("\n")[:-1] == [
            "openshell:resolve:env:OTHER_TOKEN", "list EACCES", "sibling ENOENT",
            "write EROFS"], r.stdout
        assert SECRET not in r.stdout + r.stderr
    finally:
        subprocess.run(["rm", "-rf", folder])


# --- the process limit --------------------------------------------------------------------

FORK_BOMB = """\
import errno, os, sys, time, urllib.request
n, kids = 0, []
while n < 500:
    try:
        pid = os.fork()
    except OSError as e:
        print("stopped", errno.errorcode[e.errno], n, flush=True)
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    n += 1
    kids.append(pid)
else:
    print("never stopped", n, flush=True)
# the proxy, outside the limit, still serves the sandbox while it is full
print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode().strip(), flush=True)
for k in kids:
    os.kill(k, 9)
"""


# A uid of the test's own: other sandboxes on this machine run as 65534.
OWN_UID = 60000 + os.getpid() % 5000


def fork_bomb(box, wrap=(), user="65534:65534"):
    from test_proxy import clean_env, origin_server
    script = os.path.join(box, "bomb.py")
    open(script, "w").write(FORK_BOMB)
    os.chmod(script, 0o644)
    with origin_server() as o:
        p = write_policy(box, user=user)
        text = open(p).read().replace("[sandbox]\n", "[sandbox]\nmax_processes = 50\n", 1)
        text = text.replace("allow = api.example.test\n", "allow = api.example.test\n"
                            "allow = web.test:80\n"
                            f"map = web.test 127.0.0.1:{o.server_address[1]}\n")
        open(p, "w").write(text)
        return run(list(wrap) + [AIRLOCK, "sandbox-exec", "-v", "--policy", p, "--", PY,
                                 script, "http://web.test/hello"], env=clean_env(),
                   timeout=120)


def check_bomb(r):
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    word, err, n = lines[0].split()
    # 50 counts the sandbox's PID 1 and CMD too
    assert (word, err) == ("stopped", "EAGAIN") and 40 <= int(n) < 50, r.stdout
    assert lines[1] == "hello", r.stdout + r.stderr


def test_fork_bomb_stops_at_max_processes(box):
    """max_processes = 50: forks fail with EAGAIN below 50, and the proxy still answers.
    Where a pids cgroup can be made (cgroup v1's pids hierarchy here) it is the means."""
    r = fork_bomb(box)
    check_bomb(r)
    v1_pids = os.path.isdir("/sys/fs/cgroup/pids")
    if v1_pids:
        said = "process limit: 50 processes and threads, by the pids cgroup "
        assert said + "/sys/fs/cgroup/pids/airlock-" in r.stderr, r.stderr
        made = r.stderr.split(said, 1)[1].split()[0]
        assert not os.path.exists(made), "the sandbox's cgroup was not removed"
    else:
        assert "process limit: 50 processes and threads, by " in r.stderr, r.stderr


def test_without_a_pids_cgroup_rlimit_nproc_limits_the_sandboxs_uid(box):
    """No cgroup mounted (simulated in a mount namespace of the test): RLIMIT_NPROC on
    the sandbox's uid, which no other process uses, holds the fork bomb."""
    wrap = ["unshare", "-m", "--propagation", "private", "sh", "-c",
            'umount -l /sys/fs/cgroup 2>/dev/null; exec "$@"', "sh"]
    r = fork_bomb(box, wrap=wrap, user=f"{OWN_UID}:{OWN_UID}")
    check_bomb(r)
    assert f"by RLIMIT_NPROC on uid {OWN_UID}, which no other process uses (no pids cgroup: " \
           "no pids cgroup is mounted here)" in r.stderr, r.stderr


def test_rlimit_on_a_shared_uid_is_applied_with_a_warning(box):
    p = write_policy(box, user=f"{OWN_UID}:{OWN_UID}")
    sleeper = subprocess.Popen(["setpriv", f"--reuid={OWN_UID}", f"--regid={OWN_UID}",
                                "--clear-groups", "sleep", "60"])
    try:
        r = run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                 'umount -l /sys/fs/cgroup 2>/dev/null; exec "$@"', "sh",
                 AIRLOCK, "sandbox-exec", "--policy", p, "--", "/bin/sh", "-c",
                 "cat /proc/self/limits"], timeout=60)
        assert r.returncode == 0, r.stderr
        assert [line.split()[2:4] for line in r.stdout.split("\n")
                if line.startswith("Max processes")] == [["1024", "1024"]], r.stdout
        assert f"warning: max_processes = 1024 is enforced by RLIMIT_NPROC on uid {OWN_UID}, " \
               "which 1 other process(es) on this host also use" in r.stderr and "they count against the limit" in r.stderr, r.stderr
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)


def test_nested_lists_and_host_permissions_on_the_way(box):
    """A read_write folder inside a read_only one is writable and the reverse is not; a
    listed path beneath a folder the sandbox user cannot enter on the host stays out of
    reach (the new root's folders on the way have the host's owner and mode)."""
    for sub in ("a", "a/rw", "b", "b/ro", "closed", "closed/in"):
        os.mkdir(os.path.join(box, sub))
        os.chmod(os.path.join(box, sub), 0o777)
    os.chmod(os.path.join(box, "closed"), 0o700)
    p = write_policy(box, extra="")
    text = open(p).read().replace(
        "read_write = /tmp\n",
        f"read_write = /tmp {box}/a/rw {box}/b\nread_only = {box}/b/ro {box}/closed/in\n")
    open(p, "w").write(text)
    r = inside_py(p, f"""
        import errno, os
        for path in ["a/f", "a/rw/f", "b/f", "b/ro/f", "closed/in/f"]:
            try:
                open({box!r} + "/" + path, "w").write("x")
                print(path, "ok")
            except OSError as e:
                print(path, errno.errorcode[e.errno])
        """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:-1] == ["a/f EROFS", "a/rw/f ok", "b/f ok", "b/ro/f EROFS",
                                          "closed/in/f EACCES"], r.stdout


def test_unlisted_callers_directory_is_an_empty_folder_inside(box):
    """Without workdir CMD starts in the caller's directory; when the policy does not
    list it, it is an empty folder of the new root, not a way into the host's tree."""
    cwd = tempfile.mkdtemp(prefix="airlock-cwd-", dir="/var/tmp")
    try:
        os.chmod(cwd, 0o755)
        open(os.path.join(cwd, "host-file"), "w").write("x\n")
        p = write_policy(box)
        r = inside_py(p, """
            import errno, os
            print(os.getcwd())
            for path in (".", ".."):
                try:
                    print(sorted(os.listdir(path)))
                except OSError as e:
                    print(errno.errorcode[e.errno])
            print(os.path.exists("host-file"), os.stat("/").st_ino == os.stat("/..").st_ino)
            """, cwd=cwd)
        assert r.returncode == 0, r.stderr
        # Landlock grants nothing on the folder itself: listing it is refused too
        assert r.stdout.split("\n")[:-1] == [cwd, "EACCES", "EACCES", "False True"], r.stdout
    finally:
        subprocess.run(["rm", "-rf", cwd])
