"""isolation userns (issue 11): sandbox-exec run by an unprivileged uid with no passwd
entry, as the runner runs on OpenShift (`USER 1001`, all capabilities dropped). The
sandbox's namespaces are owned by a user namespace of its own; the policy's user inside
is the caller outside. The same core checks as the full mode: the MITM swaps a
placeholder for the real secret (the upstream sees it, the sandbox never does), a denied
host is refused, a direct connect around the proxy fails, a process outside holding the
secret cannot be read, stdio is byte-exact, signals and exit statuses are relayed.

Where the kernel refuses unprivileged user namespaces (a chroot always does), each test
checks that sandbox-exec refuses with the reason instead, and says so.
"""
import os
import signal
import subprocess
import tempfile
import textwrap
import time

import pytest

from conftest import AIRLOCK, AS_CALLER, CALLER, refused_for_userns
from tlsservers import PKI, TLSServer

PH = "openshell:resolve:env:"
TOKEN = "tok-userns-5f3a9c0e7d2b4a61"


@pytest.fixture
def box(root):
    """A root-owned 0755 folder; WORK is the caller's (the sandbox's read_write tree)."""
    d = tempfile.mkdtemp(prefix="airlock-userns-", dir="/var/tmp")
    os.chmod(d, 0o755)
    os.mkdir(f"{d}/work")
    os.chown(f"{d}/work", CALLER, CALLER)
    yield d
    subprocess.run(["rm", "-rf", d])


def policy(box, extra="", isolation="userns", fs=""):
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            isolation = {isolation}
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {box}
            read_write = {box}/work
            tmpfs = /tmp
            """) + textwrap.dedent(fs) + textwrap.dedent(extra))
    return path


def sandbox(pol, script, wrap=(), env=None, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 120)
    return subprocess.run(list(wrap) + AS_CALLER + [AIRLOCK, "sandbox-exec", "-v", "--policy",
                                                    pol, "--", "/bin/sh", "-c", script],
                          env=env if env is not None else {"PATH": "/usr/bin:/bin"}, **kw)


def test_core_checks_in_userns(box):
    pki = PKI(os.path.join(box, "pki"))
    crt, key = pki.leaf("api.example.test")
    # A process of the caller's uid outside, holding the real value in its environment.
    holder = subprocess.Popen(["sleep", "300"], user=CALLER, group=CALLER,
                              env={"TOKEN": TOKEN})
    try:
        with TLSServer(crt, key, secrets={TOKEN: "TOKEN"}) as api:
            pol = policy(box, f"""\
                [network]
                allow = api.example.test
                map = api.example.test 127.0.0.1:{api.port}
                trust = {pki.root["crt"]}
                [secret TOKEN]
                hosts = api.example.test
                """)
            script = f"""
                id -u; id -g
                curl -sS -m 20 -H "Authorization: Bearer $TOKEN" https://api.example.test/echo
                echo; echo "--"
                /usr/bin/python3 -c 'import os, urllib.request as u; print(u.urlopen("https://api.example.test/echo?k=" + os.environ["TOKEN"], timeout=20).read().decode())'
                echo "--"
                curl -sS -m 10 -o /dev/null -w "%{{http_code}}\\n" https://denied.example.test/ 2>&1
                curl -sS -m 5 --noproxy '*' https://127.0.0.1:{api.port}/ 2>&1 && echo DIRECT-OPEN
                cat /proc/{holder.pid}/environ 2>&1 || echo environ-unreadable
                echo "$TOKEN" > {box}/work/written
                """
            r = sandbox(pol, script, env={"PATH": "/usr/bin:/bin", "TOKEN": TOKEN}, text=True)
            if refused_for_userns(r):
                return
            assert r.returncode == 0, r.stderr
            assert "sandbox-exec: isolation userns" in r.stderr
            out = r.stdout
            assert out.startswith("65534\n65534\n"), out
            assert TOKEN not in out + r.stderr
            # The echo origin masks the real value it got as <REAL:TOKEN>.
            curl_part, python_part = out.split("--")[:2]
            assert '["Authorization", "Bearer <REAL:TOKEN>"]' in curl_part, out
            assert '"path": "/echo?k=<REAL:TOKEN>"' in python_part, out
            assert "DIRECT-OPEN" not in out
            assert "environ-unreadable" in out
            # The upstream got the real value, in both requests.
            got = [v for rec in api.requests for k, v in rec["headers"] if k == "Authorization"]
            assert got == ["Bearer " + TOKEN]
            assert any(TOKEN in rec["path"] for rec in api.requests)
            # A file CMD wrote is the caller's on the host, holding the placeholder only.
            st = os.stat(f"{box}/work/written")
            assert (st.st_uid, st.st_gid) == (CALLER, CALLER)
            with open(f"{box}/work/written") as f:
                assert f.read() == PH + "TOKEN\n"
    finally:
        holder.kill()
        holder.wait()


def test_stdio_byte_exact_and_exit_status_in_userns(box):
    data = os.urandom(1 << 20)
    r = sandbox(policy(box), "cat; exit 7", input=data)
    if refused_for_userns(r):
        return
    assert r.returncode == 7, r.stderr
    assert r.stdout == data
    r = sandbox(policy(box), "kill -TERM $$")
    assert r.returncode == 128 + signal.SIGTERM, r.stderr


def test_signal_to_sandbox_exec_reaches_cmd_in_userns(box):
    p = subprocess.Popen(AS_CALLER + [AIRLOCK, "sandbox-exec", "--policy", policy(box), "--",
                                      "/bin/sh", "-c",
                                      "trap 'echo got-term; exit 42' TERM; echo ready; "
                                      "while :; do sleep 0.1; done"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()
    if first != "ready\n":
        out, err = p.communicate(timeout=60)
        assert refused_for_userns(subprocess.CompletedProcess(p.args, p.returncode, out, err))
        return
    time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 42, err
    assert out == "got-term\n"


def test_token_file_of_the_caller_shows_its_placeholder_in_userns(box):
    """The runner's case: a 0600 token file of its own uid in the host's /tmp."""
    fd, token = tempfile.mkstemp(prefix=".ambient_token_", dir="/tmp")
    os.write(fd, (TOKEN + "\n").encode())
    os.close(fd)
    os.chown(token, CALLER, CALLER)
    os.chmod(token, 0o600)
    try:
        pol = policy(box, f"""\
            [secret GH]
            hosts = api.example.test
            file = {token}
            """)
        r = sandbox(pol, f"cat {token}; ls -A /tmp", text=True)
        if refused_for_userns(r):
            return
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines() == [PH + "GH", os.path.basename(token)]
        with open(token) as f:
            assert f.read() == TOKEN + "\n"
    finally:
        os.unlink(token)


def test_token_file_in_a_read_write_path_is_refused_in_userns(box):
    """The sandbox is the caller's uid on the host: a token file in its read_write tree
    could be changed or renamed by one run for the next."""
    token = f"{box}/work/token"
    with open(token, "w") as f:
        f.write(TOKEN + "\n")
    os.chown(token, CALLER, CALLER)
    os.chmod(token, 0o600)
    pol = policy(box, f"""\
        [secret GH]
        hosts = api.example.test
        file = {token}
        """)
    r = sandbox(pol, f"touch {box}/work/ran", text=True)
    if refused_for_userns(r):
        return
    assert r.returncode == 125, r.stderr
    assert (f"[secret GH] file {token} lies in the read_write path {box}/work, where the "
            f"sandbox (uid {CALLER} on the host, isolation userns) could change or rename "
            f"it") in r.stderr
    assert not os.path.exists(f"{box}/work/ran")
    assert TOKEN not in r.stderr


def test_named_modes_are_that_mode_or_nothing(box, tools):
    r = sandbox(policy(box, isolation="full"), "echo ran", text=True)
    assert r.returncode == 125 and r.stdout == ""
    assert ("[sandbox] isolation = full: the sandbox's namespaces cannot be made here: not "
            "root") in r.stderr
    # Under a Docker-like seccomp profile no user namespace can be made: userns refuses,
    # naming what would allow it; auto finds the unprivileged mode.
    r = subprocess.run(AS_CALLER + [str(tools / "no_userns"), AIRLOCK, "sandbox-exec",
                                    "--policy", policy(box, isolation="userns"), "--",
                                    "/bin/echo", "ran"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 125 and r.stdout == "", r.stderr
    assert "a user namespace cannot be made here: Operation not permitted" in r.stderr
    assert "securityContext.hostUsers: false" in r.stderr
    r = subprocess.run(AS_CALLER + [str(tools / "no_userns"), AIRLOCK, "sandbox-exec", "-v",
                                    "--policy", policy(box, isolation="auto"), "--",
                                    "/bin/echo", "ran"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stdout == "ran\n", r.stderr
    assert "sandbox-exec: isolation unprivileged" in r.stderr


def test_root_without_cap_sys_admin_gets_userns(box):
    """Root with a container's default capabilities but not CAP_SYS_ADMIN or
    CAP_NET_ADMIN (under a profile that allows user namespaces): root cannot make the
    namespaces itself, auto finds a user namespace. Root's CAP_SETUID and CAP_SETGID map
    the policy's user to itself, so the sandbox is uid 65534 on the host, never root:
    root-only files stay closed and what it writes is 65534's."""
    os.chmod(f"{box}/work", 0o777)
    r = subprocess.run(["setpriv", "--bounding-set=-sys_admin,-net_admin", AIRLOCK,
                        "sandbox-exec", "-v", "--policy", policy(box), "--", "/bin/sh", "-c",
                        f"id -u; grep -E '^(CapEff|Groups)' /proc/self/status; "
                        f"cat /etc/shadow >/dev/null 2>&1 || echo shadow-closed; "
                        f"touch {box}/work/made"], capture_output=True, text=True,
                       timeout=60)
    if refused_for_userns(r):
        return
    assert r.returncode == 0, r.stderr
    assert "sandbox-exec: isolation userns" in r.stderr
    assert [l.split() for l in r.stdout.splitlines()[:4]] == [
        ["65534"], ["Groups:"], ["CapEff:", "0000000000000000"], ["shadow-closed"]], r.stdout
    st = os.stat(f"{box}/work/made")
    assert (st.st_uid, st.st_gid) == (65534, 65534)
