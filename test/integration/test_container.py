"""`airlock init` as PID 1 of a real container, and airlock in an empty root.

The image is built FROM scratch out of the freshly built out/airlock plus init_sig (a
static musl helper from test/tools/init_sig.c), so nothing is pulled from a registry.
Podman runs with its own storage under a temporary directory (vfs driver, runc,
cgroupfs: what works on these machines, see /work/shared/notes.md), which is removed at
the end of the session together with every container and image.
"""
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

from conftest import TOP, run

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
