"""`airlock doctor` (spec section 1; issue 11): what isolation this process can have
here, tried in throwaway children, and the mode sandbox-exec would run in."""
import os
import subprocess

from conftest import AIRLOCK


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
    of reach and doctor says why (exit 1); what the kernel would allow is still tried."""
    r = doctor(uid=1000680000)
    assert r.returncode == 1, r.stdout + r.stderr
    got = lines(r)
    assert r.stdout.startswith("uid 1000680000 (no /etc/passwd entry)")
    assert "CAP_SYS_ADMIN no" in got["capabilities"]
    assert got["sandbox namespaces (network, PID, mount, IPC, UTS) with lo up"] == \
        "Operation not permitted"
    assert got["mode full (root or CAP_SYS_ADMIN)"].startswith("unavailable: the sandbox's "
                                                               "namespaces cannot be made")
    assert got["sandbox-exec here"] == "none; it would exit 125"
    # an unprivileged user namespace is tried, not guessed: the answer is the kernel's
    assert got["user namespace"] in ("yes", "Operation not permitted", "No space left on device")
