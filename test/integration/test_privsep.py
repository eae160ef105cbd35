"""Privilege separation (issue 10): sandbox-exec splits into a monitor, a proxy worker
and a CA process. The worker parses what the sandbox sends and holds the secrets, so it
runs as a uid of its own with no capabilities, no_new_privs, not dumpable and under a
seccomp filter; the CA key is in a process of its own; a helper that dies takes the
sandbox down with exit 125 and a message, and leaves no process behind.

Every check reads the kernel's view of the running processes (/proc/PID/status and the
owner of /proc/PID/status, which is root when a process is not dumpable).
"""
import os
import signal
import subprocess
import tempfile
import textwrap
import time

import pytest

from conftest import AIRLOCK, AS_CALLER, CALLER, refused_for_userns

SECRET = "s3cr3t-value-never-in-the-monitor"


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def comm(pid):
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def helpers(monitor, timeout=10):
    """{'airlock-proxy': pid, 'airlock-ca': pid} once the sandbox runs CMD."""
    end = time.time() + timeout
    while time.time() < end:
        found = {comm(c): c for c in children(monitor) if comm(c).startswith("airlock-")}
        if len(found) == 2 and len(children(monitor)) == 3:
            return found
        time.sleep(0.05)
    raise AssertionError("no proxy worker and CA process under %d: %r" %
                         (monitor, [(c, comm(c)) for c in children(monitor)]))


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def policy(root):
    d = tempfile.mkdtemp(prefix="airlock-privsep-", dir="/var/tmp")
    os.chmod(d, 0o755)
    path = os.path.join(d, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent("""\
            [sandbox]
            user = 65534:65534
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc
            [network]
            allow = api.example.test
            [secret API_TOKEN]
            hosts = api.example.test
            """))
    yield path
    subprocess.run(["rm", "-rf", d])


def start(policy, cmd=("sleep", "60"), prefix=(), **kw):
    env = dict(os.environ, API_TOKEN=SECRET)
    return subprocess.Popen(list(prefix) + [AIRLOCK, "sandbox-exec", "--policy", policy,
                                            "--"] + list(cmd),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def finish(p, timeout=15):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("sandbox-exec did not end: " + err)
    return p.returncode, out, err


def assert_confined(pid, not_uids):
    st = status(pid)
    uids = st["Uid"].split()
    assert len(set(uids)) == 1, st["Uid"]
    assert int(uids[0]) not in not_uids, st["Uid"]
    assert st["Groups"] == "", st["Groups"]
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(st[cap], 16) == 0, (cap, st[cap])
    assert st["NoNewPrivs"] == "1"
    assert st["Seccomp"] == "2"  # a filter
    # not dumpable: the kernel gives its /proc files to root, whatever its uid
    assert os.stat(f"/proc/{pid}/status").st_uid == 0
    # the runner's pipes to CMD are not held by a helper
    for fd in (0, 1):
        assert os.readlink(f"/proc/{pid}/fd/{fd}") == "/dev/null"
    return int(uids[0])


def test_worker_and_ca_run_unprivileged_each_as_a_uid_of_its_own(policy):
    p = start(policy)
    try:
        h = helpers(p.pid)
        worker = assert_confined(h["airlock-proxy"], {0, 65534})
        ca = assert_confined(h["airlock-ca"], {0, 65534})
        assert worker != ca
        # the monitor keeps root (it made the sandbox), and no longer holds the value:
        # its environment shows the variable blanked
        assert status(p.pid)["Uid"].split()[0] == "0"
        with open(f"/proc/{p.pid}/environ", "rb") as f:
            env = f.read()
        assert SECRET.encode() not in env
        assert b"API_TOKEN=" in env
    finally:
        p.send_signal(signal.SIGTERM)
        finish(p)


@pytest.mark.parametrize("victim,name", [("airlock-proxy", "the proxy worker"),
                                         ("airlock-ca", "the CA process")])
def test_a_helper_that_dies_takes_the_sandbox_down(policy, victim, name):
    p = start(policy, cmd=("sh", "-c", "echo ready; exec sleep 60"))
    assert p.stdout.readline() == "ready\n"  # CMD runs: the worker serves
    h = helpers(p.pid)
    sandbox = [c for c in children(p.pid) if c not in h.values()][0]
    inside = children(sandbox)
    os.kill(h[victim], signal.SIGSEGV)
    rc, out, err = finish(p)
    assert rc == 125, err
    assert f"{name} (pid {h[victim]}) was killed by signal 11" in err, err
    assert "the sandbox is stopped" in err
    time.sleep(0.2)
    for pid in list(h.values()) + [sandbox] + inside:
        assert not alive(pid), (pid, err)


def test_the_helpers_end_with_the_sandbox_and_ignore_group_signals(policy):
    # A runner that signals the whole process group reaches CMD (its status comes
    # back), not the helpers (which would turn it into 125).
    p = start(policy, start_new_session=True)
    h = helpers(p.pid)
    os.killpg(p.pid, signal.SIGTERM)
    rc, out, err = finish(p)
    assert rc == 128 + signal.SIGTERM, err
    time.sleep(0.2)
    assert not any(alive(x) for x in h.values())


def test_helpers_die_with_a_killed_monitor(policy):
    p = start(policy)
    h = helpers(p.pid)
    p.kill()
    finish(p)
    end = time.time() + 5
    while time.time() < end and any(alive(x) for x in h.values()):
        time.sleep(0.05)
    assert not any(alive(x) for x in h.values())


def test_userns_worker_keeps_the_callers_uid_with_nothing_else(policy):
    os.chmod(policy, 0o644)
    os.chmod(os.path.dirname(policy), 0o755)
    with open(policy) as f:
        text = f.read().replace("user = 65534:65534\n", "isolation = userns\n")
    with open(policy, "w") as f:
        f.write(text)
    p = start(policy, prefix=AS_CALLER)
    try:
        h = helpers(p.pid)
    except AssertionError:
        p.kill()
        rc, out, err = finish(p)
        r = subprocess.CompletedProcess(p.args, rc, out, err)
        assert refused_for_userns(r), err
        return
    try:
        for pid in h.values():
            st = status(pid)
            assert st["Uid"].split() == [str(CALLER)] * 4
            for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
                assert int(st[cap], 16) == 0
            assert st["NoNewPrivs"] == "1" and st["Seccomp"] == "2"
            assert os.stat(f"/proc/{pid}/status").st_uid == 0
    finally:
        p.send_signal(signal.SIGTERM)
        finish(p)


def test_no_helper_shows_cmds_arguments(policy):
    # CMD's arguments may hold real values (an MCP configuration): the helpers, forked
    # before the monitor wiped its own copy, wipe theirs too.
    marker = "mcp-config-" + SECRET
    p = start(policy, cmd=("sh", "-c", "sleep 60", marker))
    try:
        h = helpers(p.pid)
        for pid in list(h.values()) + [p.pid]:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                line = f.read()
            assert b"sandbox-exec" in line
            assert marker.encode() not in line and b"sleep 60" not in line, (pid, line)
    finally:
        p.send_signal(signal.SIGTERM)
        finish(p)
