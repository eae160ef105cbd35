"""The Landlock and seccomp layers of the sandbox, seen from inside.

test/tools/sandbox_probe runs inside the sandbox and reports what the kernel answered
to each thing it tried. Each test runs it twice: under the real `airlock sandbox-exec`,
and under test/tools/layers_exec, which applies only these two layers (same policy file,
same user) so that the same probe can also run *without* a layer as a reference. The
reference run is what makes each test fail when a layer is missing: the refusals seen
inside must be ones the kernel does not make by itself.

Needs the test tools (./build.sh unit builds them, ./build.sh test runs it first).
"""
import os
import signal
import socket
import subprocess
import tempfile
import textwrap

import pytest

from conftest import AIRLOCK, TOOLS, run

PROBE = str(TOOLS / "sandbox_probe")
LAYERS = str(TOOLS / "layers_exec")
USER = "65534:65534"

# (ABI, call) -> what the probe must see inside the sandbox. clone3 answers ENOSYS so
# that libc falls back to clone(), whose flags the filter can read.
DENIED = {}
for _call in """ptrace process_vm_readv process_vm_writev pidfd_getfd kcmp bpf
        perf_event_open userfaultfd io_uring_setup io_uring_enter io_uring_register keyctl
        add_key request_key mount umount2 pivot_root move_mount open_tree fsopen fsconfig
        fsmount fspick mount_setattr setns unshare unshare(CLONE_NEWUSER)
        open_by_handle_at fanotify_init kexec_load kexec_file_load init_module finit_module
        delete_module reboot swapon swapoff acct settimeofday clock_settime clock_adjtime
        syslog iopl ioperm clone(CLONE_NEWUSER) clone(CLONE_NEWNS) clone(CLONE_NEWNET)
        clone(CLONE_NEWPID) clone(CLONE_NEWIPC) clone(CLONE_NEWUTS)
        clone(CLONE_NEWCGROUP) ioctl(TIOCSTI) ioctl(TIOCSTI|1<<32) ioctl(TIOCLINUX)
        socket(AF_NETLINK,SOCK_DIAG) socket(AF_NETLINK|1<<32,SOCK_DIAG) socket(AF_PACKET) socket(AF_VSOCK)
        socketpair(AF_NETLINK) personality(ADDR_NO_RANDOMIZE)
        personality(PER_LINUX32)""".split():
    DENIED[("x86_64", _call)] = "EPERM"
for _call in """ptrace mount unshare(CLONE_NEWUSER) setns bpf keyctl perf_event_open
        userfaultfd io_uring_setup fanotify_init socket(AF_NETLINK,SOCK_DIAG) socketcall(SYS_SOCKET)
        ioctl(TIOCSTI) personality(ADDR_NO_RANDOMIZE)""".split():
    DENIED[("i386", _call)] = "EPERM"
for _call in """ptrace process_vm_readv mount unshare(CLONE_NEWUSER) bpf
        socket(AF_NETLINK,SOCK_DIAG) ioctl(TIOCSTI)""".split():
    DENIED[("x32", _call)] = "EPERM"
for _abi in ("x86_64", "i386", "x32"):
    DENIED[(_abi, "clone3")] = "ENOSYS"

ALLOWED = {
    ("x86_64", "socket(AF_INET)"): {"ok"},
    ("x86_64", "socket(AF_INET6)"): {"ok"},
    ("x86_64", "socket(AF_UNIX)"): {"ok"},
    ("x86_64", "socketpair(AF_UNIX)"): {"ok"},
    ("x86_64", "socket(AF_NETLINK,ROUTE)"): {"ok"},  # getifaddrs(): only lo inside
    ("x86_64", "fork"): {"ok"},
    ("x86_64", "personality(query)"): {"ok"},
    ("i386", "getpid"): {"ok"},
    # not killed by the filter; ENOSYS where the kernel is built without x32
    ("x32", "getpid"): {"ok", "ENOSYS"},
}

# Calls the kernel already refuses to an unprivileged user without capabilities, or
# (x32 on a kernel without x32) does not have: inside they cannot be told apart from
# the filter's answer. The unit tests (test_seccomp.c) prove their rules as root.
KERNEL_REFUSES_ANYWAY = {("x86_64", c) for c in """pivot_root move_mount fsopen fsmount
        fspick reboot swapon swapoff acct syslog clone(CLONE_NEWNS) clone(CLONE_NEWNET)
        clone(CLONE_NEWPID) clone(CLONE_NEWIPC) clone(CLONE_NEWUTS)
        clone(CLONE_NEWCGROUP) socket(AF_PACKET)""".split()} | {("x32", "clone3")}
# Kernels before 5.13 refuse fanotify_init to a user without CAP_SYS_ADMIN; from 5.13 on
# the reference run shows it succeeding, which is what makes the case count there.
KERNEL_REFUSES_ANYWAY |= {("x86_64", "fanotify_init"), ("i386", "fanotify_init")}

NO_I386 = str(TOOLS / "no_i386")
I386_NOTE = ("i386 entry: int $0x80 is killed by the kernel here even without a filter "
             "({}): the ABI cannot be reached, so it cannot be used to get around the "
             "filter; its rules are proven over the exported BPF (test_seccomp_bpf.c)")


def i386_usable(results):
    """Whether the probe could make i386 system calls at all ("i386 entry ok")."""
    return results.get(("i386", "entry")) == "ok"


def split_i386(results, want):
    """When the i386 entry is unusable: checks that every i386 call was killed (none
    returned), prints the note, and gives `want` without its i386 cases."""
    if i386_usable(results):
        return want
    entry = results.get(("i386", "entry"))
    assert entry and entry.startswith("killed-"), f"i386 entry probe: {entry}"
    returned = {k: v for k, v in results.items()
                if k[0] == "i386" and not v.startswith("killed-")}
    assert not returned, f"i386 calls returned though the entry is unusable: {returned}"
    print(I386_NOTE.format(entry))
    return {k: v for k, v in want.items() if k[0] != "i386"}


def layers_cmd(policy, args, skip=()):
    cmd = [LAYERS]
    for s in skip:
        cmd += ["--skip", s]
    return cmd + [policy, "--", PROBE] + list(args)


def sandbox_cmd(policy, args):
    return [AIRLOCK, "sandbox-exec", "--policy", policy, "--", PROBE] + list(args)


@pytest.fixture
def box(root):
    """A scratch tree the sandbox user (nobody) can traverse, and a policy over it."""
    assert os.path.exists(PROBE) and os.path.exists(LAYERS), \
        "test tools missing: run ./build.sh unit (it builds out/test/tools)"
    d = tempfile.mkdtemp(prefix="airlock-layers-")
    os.chmod(d, 0o755)
    for sub in ("ro", "rw", "out"):
        os.mkdir(os.path.join(d, sub))
        os.chmod(os.path.join(d, sub), 0o777)  # only Landlock may refuse
    for sub in ("ro", "out"):
        with open(os.path.join(d, sub, "f"), "w") as f:
            f.write("data\n")
        os.chmod(os.path.join(d, sub, "f"), 0o666)
    script = os.path.join(d, "out", "script.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o755)
    policy = os.path.join(d, "policy.ini")
    with open(policy, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = {USER}
            landlock = required
            seccomp = required

            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {TOOLS} {d}/ro
            read_write = {d}/rw
            """))
    os.chmod(policy, 0o644)
    yield {"dir": d, "policy": policy}
    subprocess.run(["rm", "-rf", d], timeout=30)


@pytest.fixture(params=["layers_exec", "sandbox-exec"])
def inside(request, box):
    """Runs the probe with both layers: under layers_exec, or the real sandbox-exec."""
    def go(*args, timeout=60):
        if request.param == "layers_exec":
            cmd = layers_cmd(box["policy"], args)
        else:
            cmd = sandbox_cmd(box["policy"], args)
        return run(cmd, timeout=timeout)
    go.kind = request.param
    return go


def free(box, *args, skip=("landlock", "seccomp")):
    """The probe as the same user, without the layers named in `skip`."""
    return run(layers_cmd(box["policy"], args, skip=skip), timeout=60)


def parse_syscalls(r):
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stdout.splitlines():
        abi, call, result = line.split()
        out[(abi, call)] = result
    return out


# --- seccomp ----------------------------------------------------------------------------

def check_denied(got):
    denied = split_i386(got, DENIED)
    wrong = {k: got.get(k) for k, want in denied.items() if got.get(k) != want}
    assert not wrong, f"denied calls that were not refused as expected: {wrong}"
    for k, want in split_i386(got, ALLOWED).items():
        assert got.get(k) in want, f"{k}: {got.get(k)}, want one of {want}"


def test_denied_calls_fail_on_every_abi(inside):
    check_denied(parse_syscalls(inside("syscalls")))


def test_kernel_without_i386_entry(box):
    """The branch taken on kernels that kill `int $0x80`, exercised on this one: no_i386
    kills any i386 call (SIGSYS), as such a kernel does (SIGSEGV). The sandbox's probe
    then reports every i386 call killed and the x86_64 and x32 rules still hold, and the
    unit tests of the filter still pass, saying why they do not probe i386 live."""
    got = parse_syscalls(run([NO_I386] + sandbox_cmd(box["policy"], ["syscalls"]),
                             timeout=60))
    # The kernel's own answer, with no filter at all: where it serves the entry,
    # no_i386's rule is what kills (SIGSYS); where it kills `int $0x80` itself, that
    # happens before any filter runs, with the kernel's signal.
    bare = parse_syscalls(run([PROBE, "syscalls"], timeout=60))[("i386", "entry")]
    if bare == "ok":
        assert got[("i386", "entry")] == "killed-SIGSYS"
    else:
        print(f"this kernel answers int $0x80 by itself: {bare}")
        assert bare.startswith("killed-"), bare
        assert got[("i386", "entry")] == bare
    check_denied(got)
    unit = TOOLS.parent / "unit_tests"
    r = run([NO_I386, str(unit), "seccomp"], timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "i386 entry: int $0x80 is killed by" in r.stdout
    assert "0 failed" in r.stdout


def test_refusals_come_from_the_filter(box):
    """Without the filter, the same user gets other answers for the same calls."""
    layered = parse_syscalls(run(layers_cmd(box["policy"], ["syscalls"]), timeout=60))
    no_filter = parse_syscalls(free(box, "syscalls", skip=("seccomp",)))
    denied = split_i386(no_filter, DENIED)
    same = {k for k in denied if no_filter.get(k) == layered.get(k)}
    # Where the kernel refuses new user namespaces by itself (a chroot, or
    # user.max_user_namespaces = 0) those cases cannot show the filter live; their rules
    # are proven over the exported program (test_seccomp_bpf.c).
    userns = {k for k in same if "CLONE_NEWUSER" in k[1] and no_filter[k] == "EPERM"}
    if userns:
        print(f"user namespaces refused here without the filter too: {sorted(userns)}")
        same -= userns
        denied = {k: v for k, v in denied.items() if k not in userns}
    assert same <= KERNEL_REFUSES_ANYWAY, \
        f"refused even without the filter, so not proven here: {same - KERNEL_REFUSES_ANYWAY}"
    # the namespace, netlink and terminal-injection refusals are the filter's own
    for k in [("x86_64", "unshare(CLONE_NEWUSER)"), ("x86_64", "socket(AF_NETLINK,SOCK_DIAG)"),
              ("x86_64", "ioctl(TIOCSTI)"), ("i386", "socket(AF_NETLINK,SOCK_DIAG)"),
              ("x32", "ptrace")]:
        if k in denied:
            assert no_filter[k] != "EPERM", (k, no_filter[k])


def test_status_shows_filter_and_no_new_privs(inside):
    r = inside("status")
    assert r.returncode == 0, r.stderr
    st = dict(line.split(" ", 1) for line in r.stdout.splitlines() if " " in line)
    assert st["no_new_privs"] == "1"
    assert st["Seccomp"] == "2"
    assert int(st["Seccomp_filters"]) >= 1
    assert st["uid"] == "65534" and st["gid"] == "65534"


# --- Landlock ---------------------------------------------------------------------------

def fs_results(runner, d):
    """What the probe sees on each path of the tree (runner: args -> CompletedProcess)."""
    checks = {
        "read ro": ("read", f"{d}/ro/f"),
        "write ro": ("write", f"{d}/ro/f"),
        "create in ro": ("write", f"{d}/ro/new"),
        "write rw": ("write", f"{d}/rw/new"),
        "mkdir rw": ("mkdir", f"{d}/rw/sub"),
        "read out": ("read", f"{d}/out/f"),
        "list out": ("list", f"{d}/out"),
        "write out": ("write", f"{d}/out/new"),
        "exec out": ("exec", f"{d}/out/script.sh"),
        "exec /bin/true": ("exec", "/bin/true"),
        "write /dev/null": ("write", "/dev/null"),
        "read /dev/urandom": ("read", "/dev/urandom"),
        "write /dev/urandom": ("write", "/dev/urandom"),
        "read /proc/self/status": ("read", "/proc/self/status"),
        "list /proc": ("list", "/proc"),
        "list parent": ("list", d),
    }
    res = {}
    for name, args in checks.items():
        r = runner(*args)
        # exec prints nothing when the program ran (and exited 0)
        res[name] = r.stdout.strip() or ("ok" if r.returncode == 0 else f"rc {r.returncode}")
    return res


def test_file_system_is_limited_to_the_policy(inside, box):
    d = box["dir"]
    got = fs_results(inside, d)
    want = {
        "read ro": "ok",
        "write ro": "EACCES",
        "create in ro": "EACCES",
        "write rw": "ok",
        "mkdir rw": "ok",
        "read out": "EACCES",
        "list out": "EACCES",
        "write out": "EACCES",
        "exec out": "EACCES",
        "exec /bin/true": "ok",
        "write /dev/null": "ok",
        "read /dev/urandom": "ok",
        "write /dev/urandom": "EACCES",
        "read /proc/self/status": "ok",
        "list /proc": "ok",
        # the parent of listed paths: sandbox-exec has it as an empty folder of its own
        # root, which Landlock (still on, second layer) does not let it list
        "list parent": "EACCES",
    }
    if inside.kind == "sandbox-exec":
        # sandbox-exec builds the file system: what is not listed does not exist, and
        # what is read_only is a read-only mount (before Landlock is asked)
        want.update({"write ro": "EROFS", "create in ro": "EROFS", "read out": "ENOENT",
                     "list out": "ENOENT", "write out": "ENOENT", "exec out": "ENOENT"})
    assert got == want


def test_file_refusals_come_from_landlock(box):
    """The same user without Landlock reaches everything the test above saw refused."""
    got = fs_results(lambda *a: free(box, *a, skip=("landlock",)), box["dir"])
    assert set(got.values()) == {"ok"}, got


def test_real_programs_under_the_layers(inside, box):
    d = box["dir"]
    if inside.kind == "layers_exec":
        prefix = [LAYERS, box["policy"], "--"]
    else:
        prefix = [AIRLOCK, "sandbox-exec", "--policy", box["policy"], "--"]
    # a shell redirecting to /dev/null (O_TRUNC) works; cat of a file outside does not
    refused = "Permission denied" if inside.kind == "layers_exec" else "No such file"
    r = run(prefix + ["/bin/sh", "-c", f"echo hi >/dev/null && cat {d}/out/f"], timeout=60)
    assert r.returncode != 0 and refused in r.stderr, (r.returncode, r.stderr)
    r = run(prefix + ["/usr/bin/python3", "-c", textwrap.dedent(f"""\
        import errno
        open("{d}/rw/py", "w").write("x")
        try:
            open("{d}/ro/py", "w")
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EROFS):
                print("refused")
        """)], timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "refused", r.stderr
    assert open(f"{d}/rw/py").read() == "x"


# --- scoping: signals and abstract UNIX sockets -------------------------------------------

def test_signals_work_within_the_sandbox(inside):
    """The sandbox's reaper and CMD share a domain: signals inside it still work."""
    r = inside("signal-child")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == ["child-to-parent", "ok", "parent-to-child", "ok"]


def test_no_abstract_sockets_out_of_the_domain(box):
    """Landlock scoping (ABI 6): no connecting to an abstract socket made outside."""
    name = f"airlock-layers-{os.getpid()}"
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lst.bind("\0" + name)
        lst.listen(4)
        layered = run(layers_cmd(box["policy"], ["connect-abstract", name]), timeout=60)
        ref = free(box, "connect-abstract", name, skip=("landlock",))
        assert layered.stdout.strip() == "EPERM", layered.stdout + layered.stderr
        assert ref.stdout.strip() == "ok", ref.stdout + ref.stderr
    finally:
        lst.close()


def test_kill_refusal_comes_from_landlock(box):
    """A process of the same user outside the domain: signalable without Landlock only."""
    sleeper = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                "sleep", "60"])
    try:
        pid = str(sleeper.pid)
        ref = free(box, "kill", pid, "0", skip=("landlock",))
        layered = run(layers_cmd(box["policy"], ["kill", pid, "0"]), timeout=60)
        assert ref.stdout.strip() == "ok", ref.stdout + ref.stderr
        assert layered.stdout.strip() == "EPERM", layered.stdout + layered.stderr
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)


def test_signals_from_outside_reach_the_sandboxed_process(box):
    """Scoping limits what the sandbox sends, not what the supervisor sends to it."""
    name = f"airlock-layers-wait-{os.getpid()}"
    p = subprocess.Popen(layers_cmd(box["policy"], ["listen-abstract", name, "30"]),
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == -signal.SIGTERM
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)
        p.stdout.close()


# --- the baseline and the policy's lists ---------------------------------------------------

PTY_SCRIPT = """\
import fcntl, os, pty, struct, termios
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
rows, cols = struct.unpack("HHHH", fcntl.ioctl(s, termios.TIOCGWINSZ, bytes(8)))[:2]
os.write(s, b"x\\n")
print(os.ttyname(s).startswith("/dev/pts/"), rows, cols, os.read(m, 16))
"""


def test_pty_devices_work_inside(inside, box):
    """The baseline grants /dev/ptmx and /dev/pts read, write and ioctl."""
    script = os.path.join(box["dir"], "ro", "open_a_pty.py")
    with open(script, "w") as f:
        f.write(PTY_SCRIPT)
    os.chmod(script, 0o644)
    if inside.kind == "layers_exec":
        cmd = [LAYERS, box["policy"], "--"]
    else:
        cmd = [AIRLOCK, "sandbox-exec", "--policy", box["policy"], "--"]
    r = run(cmd + ["/usr/bin/python3", script], timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True 24 80 b'x\\r\\n'"


def test_missing_paths_are_skipped_and_reported(box):
    d = box["dir"]
    with open(box["policy"], "a") as f:
        f.write(f"read_only = {d}/not-here\nread_write = {d}/nor-here/x\n")
    r = run([AIRLOCK, "sandbox-exec", "-v", "--policy", box["policy"], "--", PROBE, "read",
             f"{d}/ro/f"], timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
    assert f"skipping {d}/not-here: it does not exist" in r.stderr
    assert f"skipping {d}/nor-here/x: it does not exist" in r.stderr
    # and the rest of the policy still holds
    r = run(layers_cmd(box["policy"], ["read", f"{d}/out/f"]), timeout=60)
    assert r.stdout.strip() == "EACCES"
