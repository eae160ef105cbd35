"""`airlock init` as PID 1 of a real container, and airlock in an empty root.

The image is built FROM scratch out of the freshly built out/airlock plus init_sig (a
static musl helper from test/tools/init_sig.c), so nothing is pulled from a registry.
Podman runs with its own storage under a temporary directory (vfs driver, runc,
cgroupfs: what works on these machines, see /work/shared/notes.md), which is removed at
the end of the session together with every container and image.
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import textwrap
import time
import urllib.request
import uuid

import pytest

from conftest import TOP, fell_back_from_userns, free_port, run
from tlsservers import PKI, TLSServer

RUN_OPTS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000",
            "--network", "none"]


class Podman:
    def __init__(self, base):
        self.base = base
        self.cmd = ["podman", "--root", f"{base}/root", "--runroot", f"{base}/run",
                    "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
                    "--runtime", "runc"]

    def __call__(self, *args, timeout=60, check=False):
        r = run(self.cmd + list(args), timeout=timeout)
        if check:
            assert r.returncode == 0, f"podman {args}: {r.stderr}"
        return r


@pytest.fixture(scope="session")
def helper():
    """init_sig built static with musl, so that it runs in a FROM scratch image."""
    d = tempfile.mkdtemp(prefix="airlock-init-helper-")
    out = os.path.join(d, "init_sig")
    r = run(["musl-gcc", "-static", "-O2", "-std=c11", "-D_GNU_SOURCE", "-o", out,
             str(TOP / "test" / "tools" / "init_sig.c")], timeout=120)
    assert r.returncode == 0, r.stderr
    yield out
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def image(airlock, helper):
    """A FROM scratch image holding /airlock and /init_sig; yields (podman, name)."""
    assert os.geteuid() == 0, "the container tests need root (CI runs as root)"
    base = tempfile.mkdtemp(prefix="airlock-podman-")
    podman = Podman(base)
    ctx = pathlib.Path(base) / "ctx"
    ctx.mkdir()
    shutil.copy(airlock, ctx / "airlock")
    shutil.copy(helper, ctx / "init_sig")
    (ctx / "Containerfile").write_text(
        "FROM scratch\nCOPY airlock /airlock\nCOPY init_sig /init_sig\n"
        'ENTRYPOINT ["/airlock", "init", "--"]\n')
    name = f"localhost/airlock-init-test:{uuid.uuid4().hex[:8]}"
    try:
        podman("build", "-q", "-t", name, str(ctx), timeout=180, check=True)
        yield podman, name
    finally:
        podman("rm", "-a", "-f", "-t", "0", timeout=120)
        podman("rmi", "-a", "-f", timeout=120)
        run(["umount", "-R", f"{base}/root"], timeout=30)
        run(["umount", "-R", f"{base}/run"], timeout=30)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def container(image):
    """Starts detached containers; removes them at the end of the test."""
    podman, name = image
    started = []

    def start(*args):
        cname = f"airlock-init-{uuid.uuid4().hex[:10]}"
        podman("run", "-d", "--name", cname, *RUN_OPTS, "--entrypoint", "/airlock",
               name, *args, check=True)
        started.append(cname)
        return cname

    yield podman, start
    for c in started:
        podman("rm", "-f", "-t", "0", c, timeout=60)


def wait_log(podman, cname, text, timeout=20):
    end = time.monotonic() + timeout
    logs = ""
    while time.monotonic() < end:
        r = podman("logs", cname)
        logs = r.stdout + r.stderr
        if text in logs:
            return logs
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in the logs of {cname}: {logs!r}")


def container_pid1(podman, cname):
    """The command line of PID 1 in the container, as seen from the host."""
    pid = podman("inspect", "--format", "{{.State.Pid}}", cname, check=True).stdout.strip()
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().split(b"\0")[:2], pid


def test_exit_status_through_entrypoint(image, root):
    podman, name = image
    for n in (0, 3, 42, 255):
        r = podman("run", "--rm", *RUN_OPTS, name, "/init_sig", "exit", str(n))
        assert r.returncode == n, r.stderr
    r = podman("run", "--rm", *RUN_OPTS, name, "/airlock", "--version")
    assert r.returncode == 0 and r.stdout.startswith("airlock ")
    r = podman("run", "--rm", *RUN_OPTS, name, "/missing")
    assert r.returncode == 127
    assert "airlock: cannot run /missing: " in r.stderr


def test_signals_forwarded_by_pid1(container, root):
    podman, start = container
    c = start("init", "-v", "--", "/init_sig", "wait")
    wait_log(podman, c, "ready")
    argv, _ = container_pid1(podman, c)
    assert argv == [b"/airlock", b"init"]  # airlock itself is PID 1
    for sig, num in (("USR1", 10), ("HUP", 1), ("WINCH", 28)):
        podman("kill", "--signal", sig, c, check=True)
        wait_log(podman, c, f"got {num}")
    podman("kill", "--signal", "TERM", c, check=True)
    r = podman("wait", c, timeout=30)
    assert r.stdout.strip() == "42"
    logs = wait_log(podman, c, "got 15")
    assert "airlock: forwarded SIGTERM to pid" in logs


def test_stop_kills_stubborn_cmd_after_grace(container, root):
    podman, start = container
    c = start("init", "--grace", "1", "--", "/init_sig", "ignore")
    wait_log(podman, c, "ready")
    t0 = time.monotonic()
    podman("kill", "--signal", "TERM", c, check=True)
    r = podman("wait", c, timeout=30)
    took = time.monotonic() - t0
    assert r.stdout.strip() == "137"  # SIGKILL after the 1 s grace
    assert 0.8 < took < 1 + 1 + 3, took


def test_reaps_orphans_as_container_pid1(image, root):
    podman, name = image
    r = podman("run", "--rm", *RUN_OPTS, name, "/init_sig", "orphans", "200", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "zombies 0"


def test_runs_in_an_empty_root(airlock, root, tmp_path):
    # Nothing but the binary: no libc, no /etc, no /proc, no /dev.
    shutil.copy(airlock, tmp_path / "airlock")
    r = run(["chroot", str(tmp_path), "/airlock", "--version"], timeout=30)
    assert r.returncode == 0 and r.stdout.startswith("airlock ")
    r = run(["chroot", str(tmp_path), "/airlock", "init", "--", "/airlock", "--version"],
            timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("airlock ")
    r = run(["chroot", str(tmp_path), "/airlock", "init", "--user", "nobody", "--", "/x"],
            timeout=30)
    assert r.returncode == 125  # no /etc/passwd: only numeric ids work
    assert r.stderr.startswith("airlock: init: --user nobody: no user 'nobody'")
    assert os.listdir(tmp_path) == ["airlock"]


# --- sandbox-exec in containers (issue 11): no privilege, the runner's pod settings --------

HOST_RO = [a for d in ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc")
           for a in ("-v", f"{d}:{d}:ro")]
RESTRICTED = ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
UNMASKED = ["--security-opt", "unmask=/proc/*"]
SANDBOX_POLICY = """\
[sandbox]
user = 65534:65534
[filesystem]
read_only = /usr /lib /lib64 /bin /sbin /etc
tmpfs = /tmp
[network]
allow = api.example.test
"""
# What the sandbox sees of processes: for each one in /proc, its command and whether its
# environment could be read.
INSIDE = """id -u; grep CapEff /proc/self/status
for d in /proc/[0-9]*; do
  cmd=$(tr '\\0' ' ' < $d/cmdline 2>/dev/null | cut -c1-40)
  if cat $d/environ >/dev/null 2>&1; then e=readable; else e=closed; fi
  echo "proc: $e $cmd"
done"""
# Docker's default profile in small: no unshare or setns, clone3 ENOSYS (so libc uses
# clone), and clone refused when any namespace flag is set (one rule per flag: a clone
# without them, a plain fork, passes).
NS_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
            0x40000000)
DOCKER_LIKE = json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["unshare", "setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}] + [
    {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
     "args": [{"index": 0, "value": f, "valueTwo": f, "op": "SCMP_CMP_MASKED_EQ"}]}
    for f in NS_FLAGS]})


@pytest.fixture
def sandbox_in(image, tmp_path):
    """Runs `airlock sandbox-exec -v` in the FROM scratch image, the host's /usr, /lib,
    /etc... bound read-only for the clients; returns the podman result."""
    podman, name = image
    pol = tmp_path / "policy.ini"
    pol.write_text(SANDBOX_POLICY)
    os.chmod(tmp_path, 0o755)
    os.chmod(pol, 0o644)
    prof = tmp_path / "docker-like.json"
    prof.write_text(DOCKER_LIKE)

    def run_it(*opts, docker_like=False, holder=False):
        """`holder`: a process of the container's uid, dumpable, that is no part of the
        sandbox (`sleep 300`), runs beside it, as the runner's own processes do."""
        # A real image has a writable /tmp, where isolation unprivileged makes the
        # sandbox's private folder; this FROM scratch one gets a tmpfs there.
        extra = ["--security-opt", f"seccomp={prof}"] if docker_like else []
        wrap = ["/bin/sh", "-c", 'sleep 300 & exec "$@"', "sh"] if holder else []
        return podman("run", "--rm", *RUN_OPTS, *opts, *extra, "--tmpfs", "/tmp:mode=1777",
                      *HOST_RO, "-v",
                      f"{pol}:/policy.ini:ro", name, *wrap, "/airlock", "sandbox-exec", "-v",
                      "--policy", "/policy.ini", "--", "/bin/sh", "-c", INSIDE, timeout=120)
    run_it.image, run_it.profile = image, prof
    return run_it


@pytest.mark.parametrize("uid", ["1001", "1000680000"])
def test_sandbox_in_a_restricted_container_picks_userns(sandbox_in, root, uid):
    """The runner's pod: a non-root uid (OpenShift: one without a passwd entry), every
    capability dropped, no_new_privs, podman's default seccomp profile."""
    r = sandbox_in("--user", f"{uid}:{uid}", *RESTRICTED, *UNMASKED)
    if fell_back_from_userns(r):
        return
    assert r.returncode == 0, r.stderr
    assert "sandbox-exec: isolation userns" in r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == ["65534", "CapEff:\t0000000000000000"], r.stdout
    # A /proc of its own: only the sandbox's processes (its PID 1, the shell, cat...).
    procs = [l for l in lines if l.startswith("proc: ")]
    assert procs and not any("airlock init" in l or "sandbox-exec" in l for l in procs), procs


def test_container_with_masked_proc_shares_it_unreadable(sandbox_in, root):
    """With the runtime's default masks on /proc (the runner's pod as it is) the kernel
    refuses the sandbox a /proc of its own in a user namespace: the container's /proc is
    bound instead, its processes listed, but none outside the sandbox readable; -v says
    so. sandbox-exec's own command line holds nothing of CMD's arguments."""
    r = sandbox_in("--user", "1001:1001", *RESTRICTED, holder=True)
    if fell_back_from_userns(r):
        return
    assert r.returncode == 0, r.stderr
    assert "/proc is this container's" in r.stderr
    procs = [l for l in r.stdout.splitlines() if l.startswith("proc: ")]
    # The holder is the sandbox's uid and dumpable: only Landlock closes it.
    outside = [l for l in procs if "airlock init" in l or "sandbox-exec" in l or
               "sleep 300" in l]
    # airlock init, sleep 300, and sandbox-exec's monitor, proxy worker and CA process
    assert len(outside) == 5, procs
    assert all(l.startswith("proc: closed ") for l in outside), procs
    for supervisor in [l for l in outside if "sandbox-exec" in l]:
        assert "/bin/sh" not in supervisor and "for d in" not in supervisor, supervisor
    print("\n".join(procs))


def test_docker_like_profile_gives_unprivileged(sandbox_in, root):
    """Docker's default profile without CAP_SYS_ADMIN: no namespace at all. As a non-root
    uid and as root with the default capabilities, auto picks isolation unprivileged:
    the container's processes are listed, and none of those outside the sandbox (a
    dumpable holder of the same uid among them) is readable."""
    for opts, uid in ((["--user", "1001:1001", *RESTRICTED], "1001"), ([], "65534")):
        r = sandbox_in(*opts, *UNMASKED, docker_like=True, holder=True)
        assert r.returncode == 0, r.stderr
        assert "sandbox-exec: isolation unprivileged" in r.stderr
        lines = r.stdout.splitlines()
        assert lines[:2] == [uid, "CapEff:\t0000000000000000"], r.stdout
        procs = [l for l in lines if l.startswith("proc: ")]
        outside = [l for l in procs if "sleep 300" in l or "/airlock" in l]
        # airlock init, sleep 300, and sandbox-exec's monitor, proxy worker, CA process
        # and the sandbox's reaper (not dumpable)
        assert len(outside) >= 5, procs
        assert all(l.startswith("proc: closed ") for l in outside), procs
        assert any(l.startswith("proc: readable /bin/sh -c id -u") for l in procs), procs
    # The profile refuses namespaces only: processes are made as ever.
    podman, name = sandbox_in.image
    r = podman("run", "--rm", *RUN_OPTS, "--security-opt",
               f"seccomp={sandbox_in.profile}", *HOST_RO, name, "/bin/sh", "-c",
               "echo $(echo forked)", timeout=60)
    assert r.returncode == 0 and r.stdout == "forked\n", r.stderr


def test_root_with_default_capabilities_picks_userns(sandbox_in, root):
    """Root with the runtime's default capabilities (no CAP_SYS_ADMIN, no CAP_NET_ADMIN)
    cannot make the namespaces itself; its CAP_SETFCAP lets it map uid 0."""
    r = sandbox_in(*UNMASKED)
    if fell_back_from_userns(r):
        return
    assert r.returncode == 0, r.stderr
    assert "sandbox-exec: isolation userns" in r.stderr
    assert r.stdout.splitlines()[:2] == ["65534", "CapEff:\t0000000000000000"]


@pytest.mark.parametrize("profile", ["podman's", "docker-like"])
def test_the_runners_shape_end_to_end(image, root, tmp_path, profile):
    """The runner as it is deployed: `airlock init` as the image's ENTRYPOINT in front of
    uvicorn, as uid 1001 with every capability dropped and no_new_privs. An HTTP call to
    the app makes it spawn `sandbox-exec -- curl ...` as the runner spawns the CLI; curl
    goes through the MITM with the placeholder, the upstream gets the real token, the
    answer to the caller holds neither the token nor anything but what curl printed.
    `podman stop` ends it all within the grace period with the app's exit status.
    Under podman's seccomp profile that is isolation userns; under the Docker-like one
    (no namespaces), unprivileged."""
    podman, name = image
    # A real image has a writable /tmp (isolation unprivileged makes its private folder
    # there); this FROM scratch one gets a tmpfs.
    extra = ["--tmpfs", "/tmp:mode=1777"]
    if profile == "docker-like":
        prof = tmp_path / "docker-like.json"
        prof.write_text(DOCKER_LIKE)
        os.chmod(prof, 0o644)
        extra += ["--security-opt", f"seccomp={prof}"]
    token = "tok-runner-" + uuid.uuid4().hex
    app = tmp_path / "app"
    app.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(app, 0o755)
    shutil.copy(TOP / "test" / "integration" / "runner_app.py", app / "runner_app.py")
    pki = PKI(str(app / "pki"))
    crt, key = pki.leaf("api.example.test")
    port = free_port()
    with TLSServer(crt, key, secrets={token: "API_TOKEN"}) as api:
        (app / "policy.ini").write_text(SANDBOX_POLICY + textwrap.dedent(f"""\
            map = api.example.test 127.0.0.1:{api.port}
            trust = /app/pki/root-ca.pem
            [secret API_TOKEN]
            hosts = api.example.test
            """))
        for f in app.rglob("*"):
            os.chmod(f, 0o755 if f.is_dir() else 0o644)
        cname = f"airlock-runner-{uuid.uuid4().hex[:10]}"
        r = podman("run", "-d", "--name", cname, "--network", "host", "--ulimit",
                   "nofile=1024:1024", "--ulimit", "nproc=1000:1000", "--user", "1001:1001",
                   *RESTRICTED, *extra, *HOST_RO, "-v", f"{app}:/app:ro",
                   "-e", f"API_TOKEN={token}", "-e", "HOME=/tmp", name, "/usr/bin/python3",
                   "-m", "uvicorn", "--app-dir", "/app", "--host", "127.0.0.1", "--port",
                   str(port), "runner_app:app", timeout=60)
        assert r.returncode == 0, r.stderr
        try:
            body = None
            end = time.monotonic() + 30
            while time.monotonic() < end and body is None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/run",
                                                  timeout=60).read().decode()
                except OSError:
                    time.sleep(0.2)
            logs = podman("logs", cname)
            assert body is not None, logs.stdout + logs.stderr
            out, _, err = body.partition("\n--\n")
            assert token not in body
            # where no user namespace can be made, auto falls back to unprivileged
            assert out.startswith("status 0\n"), body
            assert '["Authorization", "Bearer <REAL:API_TOKEN>"]' in out, body
            got = [v for rec in api.requests for k, v in rec["headers"]
                   if k == "Authorization"]
            assert got == ["Bearer " + token]
            t0 = time.monotonic()
            podman("stop", "-t", "10", cname, timeout=60, check=True)
            assert time.monotonic() - t0 < 10
            code = podman("inspect", "--format", "{{.State.ExitCode}}", cname).stdout.strip()
            assert code == "0", podman("logs", cname).stderr
        finally:
            podman("rm", "-f", "-t", "0", cname, timeout=60)
