"""A private /tmp (issue 13): `[filesystem] tmpfs = PATH` gives the sandbox an empty,
size-limited tmpfs of its own there, gone when it ends; the default policy uses it for
/tmp instead of the host's, where the runner keeps token files and other sessions'
files and sockets. The Claude Code CLI needs a writable /tmp/claude-UID (it exits 0
silently without one): a stand-in checks that start-up step works.
"""
import os
import subprocess
import tempfile
import textwrap

import pytest

from conftest import AIRLOCK

PH = "openshell:resolve:env:"


@pytest.fixture
def box(root):
    d = tempfile.mkdtemp(prefix="airlock-tmpfs-", dir="/var/tmp")
    os.chmod(d, 0o755)
    yield d
    subprocess.run(["rm", "-rf", d])


def policy(box, extra="", fs="tmpfs = /tmp\n"):
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {box}
            """) + fs + textwrap.dedent(extra))
    return path


def run_sh(pol, script, env=None, args=()):
    return subprocess.run([AIRLOCK, "sandbox-exec", "--policy", pol, *args, "--",
                           "/bin/sh", "-c", script], capture_output=True, text=True,
                          timeout=60, env=env)


def test_private_tmp_is_empty_writable_and_gone(box):
    marker = tempfile.NamedTemporaryFile(prefix="airlock-host-file-", dir="/tmp", delete=False)
    marker.close()
    inner = "/tmp/airlock-made-inside-%d" % os.getpid()
    try:
        r = run_sh(policy(box), f"""
            ls -A /tmp; echo ---
            stat -c '%a %U' /tmp
            echo hi > {inner} && cat {inner}
            mkdir -p /tmp/claude-$(id -u) && echo made
            test -e {marker.name} || echo host-file-absent
            """)
        assert r.returncode == 0, r.stderr
        listing, rest = r.stdout.split("---\n")
        assert listing == ""                       # empty inside
        assert rest.splitlines() == ["1777 root", "hi", "made", "host-file-absent"]
        assert not os.path.exists(inner)           # nothing of it reached the host
        assert os.path.exists(marker.name)
    finally:
        os.unlink(marker.name)
        if os.path.exists(inner):
            os.unlink(inner)


def test_claude_cli_start_up_step_works_with_the_default_policy(box):
    """The default policy's /tmp: the stand-in creates /tmp/claude-UID as the CLI does
    and writes there; the host's /tmp is not what it sees."""
    env = dict(os.environ, HOME=box)
    probe = tempfile.NamedTemporaryFile(prefix="airlock-default-", dir="/tmp", delete=False)
    probe.close()
    try:
        r = subprocess.run([AIRLOCK, "sandbox-exec", "--", "/bin/sh", "-c",
                            f"d=/tmp/claude-$(id -u); mkdir -m 700 $d && echo ok > $d/x && "
                            f"cat $d/x; test -e {probe.name} || echo private"],
                           capture_output=True, text=True, timeout=60, env=env, cwd=box)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["ok", "private"]
    finally:
        os.unlink(probe.name)


def test_tmpfs_size_is_enforced(box):
    r = run_sh(policy(box, fs="tmpfs = /tmp\ntmpfs_size = 1M\n"),
               "head -c 2000000 /dev/zero > /tmp/big; echo rc=$?; wc -c < /tmp/big")
    assert "rc=1" in r.stdout or "rc=2" in r.stdout, r.stdout + r.stderr
    assert int(r.stdout.split()[-1]) <= 1 << 20
    assert "No space left on device" in r.stderr


def test_masked_secret_file_under_private_tmp_shows_its_placeholder(box):
    """A token file the runner keeps in the host's /tmp still shows its placeholder at
    the same path inside the private /tmp, and nothing else of the host's /tmp is there."""
    fd, token = tempfile.mkstemp(prefix=".ambient_token_", dir="/tmp")
    os.write(fd, b"real-token-value-0123456789\n")
    os.close(fd)
    os.chmod(token, 0o600)
    try:
        pol = policy(box, f"""\
            [secret GITHUB_TOKEN]
            hosts = github.com
            file = {token}
            """)
        r = run_sh(pol, f"cat {token}; ls -A /tmp")
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines() == [PH + "GITHUB_TOKEN", os.path.basename(token)]
        assert "real-token-value" not in r.stdout
    finally:
        os.unlink(token)


def test_tmpfs_at_a_path_missing_on_the_host_and_policy_check(box):
    missing = "/airlock-scratch-not-on-host"
    pol = policy(box, fs=f"tmpfs = /tmp {missing}\n")
    r = run_sh(pol, f"touch {missing}/f && ls {missing}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "f"
    assert not os.path.exists(missing)
    chk = subprocess.run([AIRLOCK, "policy", "check", pol], capture_output=True, text=True,
                         timeout=30)
    assert chk.returncode == 0, chk.stderr
    assert f"\ntmpfs = /tmp\ntmpfs = {missing}\ntmpfs_size = 512M ;" in chk.stdout
