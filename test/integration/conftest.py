"""Shared fixtures for the integration tests.

The tests drive the real static binary (AIRLOCK, set by ./build.sh) with real clients.
They need root (as CI has): a test that needs it fails without it; nothing is skipped.
"""
import os
import pathlib
import signal
import socket
import subprocess

import pytest

TOP = pathlib.Path(__file__).resolve().parents[2]
AIRLOCK = os.environ.get("AIRLOCK", str(TOP / "out" / "airlock"))
TOOLS = TOP / "out" / "test" / "tools"

# A runner started in the background of a non-interactive shell (`.ci/run &`, nohup)
# hands down SIGINT and SIGQUIT ignored, and an ignored signal stays ignored across exec:
# the tests' children (Ctrl-C on a pty, airlock init's inherited dispositions) must start
# with what a user at a terminal has.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
if signal.getsignal(signal.SIGQUIT) == signal.SIG_IGN:
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


@pytest.fixture(scope="session")
def airlock():
    """Path of the static airlock binary under test."""
    assert os.path.exists(AIRLOCK), f"{AIRLOCK} missing: run ./build.sh first"
    return AIRLOCK


@pytest.fixture(scope="session")
def tools():
    """Folder of the test tools built from test/tools/*.c."""
    return TOOLS


@pytest.fixture
def root():
    """Tests that need root take this fixture; without root they fail, never skip."""
    assert os.geteuid() == 0, "this test needs root (CI runs as root)"


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, timeout=60, **kw):
    """subprocess.run with text output captured and a timeout."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(args, timeout=timeout, **kw)


# isolation userns: sandbox-exec run by an unprivileged uid. Some kernels or places
# refuse unprivileged user namespaces (a chroot always does; a sysctl can); there the
# userns tests check that sandbox-exec refuses with the reason, and say so.
CALLER = 1000680000  # an OpenShift-style uid with no /etc/passwd entry
AS_CALLER = ["setpriv", f"--reuid={CALLER}", f"--regid={CALLER}", "--clear-groups"]


def userns_refusal():
    """None when CALLER can make a user namespace owning a network namespace here, else
    what the kernel said (tried with util-linux's unshare, not with airlock)."""
    r = subprocess.run(AS_CALLER + ["unshare", "-U", "-n", "true"], capture_output=True,
                       text=True, timeout=30)
    return None if r.returncode == 0 else (r.stderr.strip() or "refused")


def fell_back_from_userns(r):
    """Where user namespaces are refused (a chroot, a container started from one):
    asserts that isolation auto (result `r`) picked unprivileged and CMD ran, says so,
    and returns True. Elsewhere returns False and the caller checks the mode itself."""
    reason = userns_refusal()
    if not reason:
        return False
    print("this kernel refuses unprivileged user namespaces here (%s): checking that "
          "auto picks unprivileged" % reason)
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode()
    assert r.returncode == 0, err
    assert "sandbox-exec: isolation unprivileged" in err, err
    return True


def refused_for_userns(r):
    """Where user namespaces are refused (a chroot refuses them, and so does every
    container started from one): asserts that sandbox-exec (result `r`) exited 125 with
    the reason and ran nothing, says so, and returns True. Elsewhere returns False and
    the caller checks the mode itself."""
    reason = userns_refusal()
    if not reason:
        return False
    print("this kernel refuses unprivileged user namespaces here (%s): checking that "
          "sandbox-exec refuses" % reason)
    out = r.stdout if isinstance(r.stdout, str) else r.stdout.decode()
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode()
    assert r.returncode == 125 and out == "", out + err
    assert "a user namespace cannot be made here" in err, err
    return True
