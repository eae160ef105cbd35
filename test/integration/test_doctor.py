"""`airlock doctor` (spec section 1; issue 11): what isolation this process can have
here, tried in throwaway children, and the mode sandbox-exec would run in."""
import os
import subprocess

from conftest import AIRLOCK, userns_refusal


def doctor(uid=None):
    def drop():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    return subprocess.run([AIRLOCK, "doctor"], capture_output=True, text=True, timeout=60,
                          preexec_fn=drop if uid is not None else None)


def lines(r):
    return dict(l.split(": ", 1) for l in r.stdout.splitlines() if ": " in l)


def test_doctor_as_root_finds_the_full_mode(root):
    r = doctor()
    assert r.returncode == 0, r.stdout + r.stderr
    got = lines(r)
    assert got["sandbox-exec here"] == "full"
    assert got["mode full (root or CAP_SYS_ADMIN)"] == "available"
    assert "CAP_SYS_ADMIN yes" in got["capabilities"]
    assert got["seccomp filter"] == "yes"
    assert got["landlock"].startswith("ABI ") or got["landlock"].startswith("unavailable")
    assert r.stdout.startswith("uid 0 (in /etc/passwd)")


def test_doctor_without_privilege_and_without_a_passwd_entry(root):
    """An OpenShift-style arbitrary uid: no entry, no capabilities; the full mode is out
    of reach, and a user namespace gives the userns mode (exit 0) where the kernel
    allows one (tried first, with util-linux)."""
    r = doctor(uid=1000680000)
    got = lines(r)
    assert r.stdout.startswith("uid 1000680000 (no /etc/passwd entry)")
    assert "CAP_SYS_ADMIN no" in got["capabilities"]
    assert got["sandbox namespaces (network, PID, mount, IPC, UTS) with lo up"] == \
        "Operation not permitted"
    assert got["mode full (root or CAP_SYS_ADMIN)"] == "unavailable: not root"
    refused = userns_refusal()
    if refused:
        print("this kernel refuses unprivileged user namespaces here (%s): doctor must "
              "say the unprivileged mode is what works" % refused)
        assert got["mode userns (an unprivileged user namespace)"].startswith("unavailable")
        assert got["sandbox-exec here"].startswith("unprivileged (as this uid")
        assert r.returncode == 0
        return
    assert got["the same owned by a user namespace"] == "yes"
    assert got["mode userns (an unprivileged user namespace)"] == "available"
    assert got["sandbox-exec here"].startswith("userns (the policy's user inside")
    assert r.returncode == 0, r.stdout + r.stderr


def test_doctor_where_no_namespace_can_be_made(root, tools):
    """Under a Docker-like seccomp profile (no unshare, no namespace flags on clone) no
    namespace can be made: doctor says what would allow one, and that the unprivileged
    mode is what sandbox-exec gets (exit 0)."""
    r = subprocess.run(["setpriv", "--reuid=1001", "--regid=1001", "--clear-groups",
                        str(tools / "no_userns"), AIRLOCK, "doctor"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    got = lines(r)
    assert got["no_new_privs"] == "set"
    assert got["user namespace"] == "Operation not permitted"
    assert got["mode userns (an unprivileged user namespace)"].startswith(
        "unavailable: no user namespace owning the sandbox's namespaces can be made here")
    assert "securityContext.hostUsers: false" in got["mode userns (an unprivileged user namespace)"]
    assert got["mode unprivileged (Landlock and seccomp user notification)"].startswith(
        "available (no namespace")
    assert got["sandbox-exec here"].startswith("unprivileged (as this uid")
