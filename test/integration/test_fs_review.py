"""What a second review of the built file system (issue 9) found, each reproduced here.

1. A link an earlier sandbox planted in its read_write tree, on the way to a path the
   policy lists, must not point the next run's mount at a host folder the policy never
   named; only links root placed are followed.
2. A real token file in a /run folder the policy lists must not be overwritten (nor the
   run refused) when its placeholder is put in place.
3. A mount point missing under a folder bound from the host is not created on the host.
4. /dev/tty inside must not reach a terminal sandbox-exec was not given on stdio.
"""
import fcntl
import os
import subprocess
import tempfile
import termios
import textwrap

import pytest

from conftest import AIRLOCK, run

SBX = 65534
PH = "openshell:resolve:env:"
NOTE = "a note the policy never names\n"


@pytest.fixture
def box(root):
    """A root-owned 0755 folder with WORK (the sandbox's uid owns it: its read_write tree)
    and HIDDEN (an ordinary world-readable host folder no policy here lists)."""
    d = tempfile.mkdtemp(prefix="airlock-fsreview-", dir="/var/tmp")
    os.chmod(d, 0o755)
    os.mkdir(f"{d}/work")
    os.chown(f"{d}/work", SBX, SBX)
    os.mkdir(f"{d}/hidden", 0o755)
    with open(f"{d}/hidden/note", "w") as f:
        f.write(NOTE)
    os.chmod(f"{d}/hidden/note", 0o644)
    yield d
    subprocess.run(["rm", "-rf", d])


def policy(box, fs, extra=""):
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = {SBX}:{SBX}
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc
            """) + textwrap.dedent(fs) + textwrap.dedent(extra))
    return path


def sandbox(pol, cmd, **kw):
    return run([AIRLOCK, "sandbox-exec", "--policy", pol, "--", "/bin/sh", "-c", cmd], **kw)


def test_link_planted_by_one_run_does_not_redirect_the_next_runs_mount(box):
    work = f"{box}/work"
    pol = policy(box, f"read_write = {work}\nread_only = {work}/sub\n")
    # Run 1: `sub` does not exist yet (so it is not mounted); the sandbox makes it a link
    # to a host folder the policy never names.
    r = sandbox(pol, f"ln -s {box}/hidden {work}/sub && echo planted")
    assert r.returncode == 0 and r.stdout == "planted\n", r.stderr
    assert os.lstat(f"{work}/sub").st_uid == SBX
    # Run 2 refuses, naming the entry, the link and what to do, before CMD runs.
    r = sandbox(pol, f"cat {work}/sub/note; cat {box}/hidden/note; touch {work}/ran")
    assert r.returncode == 125, r.stdout + r.stderr
    assert NOTE.strip() not in r.stdout
    assert (f"[filesystem] read_only {work}/sub: {work}/sub is a symbolic link (to "
            f"{box}/hidden) that root did not place (the link is uid {SBX}'s") in r.stderr
    assert "list the real path instead" in r.stderr
    assert not os.path.exists(f"{work}/ran")


def test_root_owned_link_in_a_folder_the_sandbox_owns_is_refused_too(box):
    work = f"{box}/work"
    os.symlink(f"{box}/hidden", f"{work}/sub")  # root's link, in the sandbox's folder
    pol = policy(box, f"read_write = {work}\nread_only = {work}/sub\n")
    r = sandbox(pol, f"cat {work}/sub/note")
    assert r.returncode == 125, r.stdout + r.stderr
    assert NOTE.strip() not in r.stdout
    assert f"in a folder of uid {SBX}'s with mode 0755" in r.stderr


def test_link_root_placed_is_followed_as_before(box):
    """/bin -> usr/bin style: root's link in root's 0755 folder still works, and resolves
    inside as on the host."""
    os.symlink(f"{box}/hidden", f"{box}/alias")
    pol = policy(box, f"read_only = {box}/alias\n")
    r = sandbox(pol, f"cat {box}/alias/note; readlink {box}/alias")
    assert r.returncode == 0, r.stderr
    assert r.stdout == NOTE + f"{box}/hidden\n"


@pytest.fixture
def run_folder(root):
    """A root-owned 0755 folder in the host's /run holding a real 0600 token."""
    d = tempfile.mkdtemp(prefix="airlock-fsreview-", dir="/run")
    os.chmod(d, 0o755)
    with open(f"{d}/token", "w") as f:
        f.write("real-run-token-31415926\n")
    os.chmod(f"{d}/token", 0o600)
    yield d
    subprocess.run(["rm", "-rf", d])


@pytest.mark.parametrize("listed", ["read_write", "read_only"])
def test_token_in_a_listed_run_folder_is_masked_not_overwritten(box, run_folder, listed):
    pol = policy(box, f"{listed} = {run_folder}\n", f"""\
        [secret RUN_TOKEN]
        hosts = api.example.test
        file = {run_folder}/token
        """)
    r = sandbox(pol, f"cat {run_folder}/token; ls {run_folder}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [PH + "RUN_TOKEN", "token"]
    assert "real-run-token" not in r.stdout + r.stderr
    with open(f"{run_folder}/token") as f:
        assert f.read() == "real-run-token-31415926\n"   # the operator's file is intact
    assert os.stat(f"{run_folder}/token").st_mode & 0o777 == 0o600


def test_mount_point_missing_under_a_host_folder_is_not_made_on_the_host(box):
    work = f"{box}/work"
    pol = policy(box, f"read_write = {work}\ntmpfs = {work}/cache\n")
    r = sandbox(pol, f"touch {work}/ran")
    assert r.returncode == 125, r.stdout + r.stderr
    assert (f"cannot create {work}/cache in the sandbox: {work} is a folder of the host "
            f"bound in by [filesystem], and airlock creates nothing on the host; create "
            f"{work}/cache on the host first") in r.stderr
    assert os.listdir(work) == []
    # Made on the host first, it becomes the sandbox's own tmpfs; the host's stays empty.
    os.mkdir(f"{work}/cache")
    r = sandbox(pol, f"echo x > {work}/cache/f && ls {work}/cache && stat -f -c %T {work}/cache")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["f", "tmpfs"]
    assert os.listdir(f"{work}/cache") == []


def open_tty_inside(box, give_terminal):
    """Runs sandbox-exec in a session whose controlling terminal is a new pty, with stdio
    on pipes (as the runner does) or on that pty; says whether /dev/tty opened inside."""
    master, slave = os.openpty()

    def own_terminal():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    pol = policy(box, "")
    script = "if (exec 3</dev/tty) 2>/dev/null; then echo opened; else echo none; fi"
    stdio = {"stdin": slave, "stdout": slave, "stderr": slave} if give_terminal else {
        "stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    try:
        p = subprocess.Popen([AIRLOCK, "sandbox-exec", "--policy", pol, "--", "/bin/sh",
                              "-c", script],
                             preexec_fn=own_terminal, pass_fds=(slave,), **stdio)
        if give_terminal:
            os.close(slave)
            slave = -1
            out = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            rc = p.wait(timeout=60)
            return rc, out.decode().replace("\r", "")
        out, err = p.communicate(timeout=60)
        return p.returncode, out.decode() + err.decode()
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def test_dev_tty_does_not_reach_a_terminal_cmd_was_not_given(box):
    rc, out = open_tty_inside(box, give_terminal=False)
    assert rc == 0, out
    assert out == "none\n"


def test_dev_tty_is_the_terminal_cmd_was_given(box):
    rc, out = open_tty_inside(box, give_terminal=True)
    assert rc == 0, out
    assert out.strip() == "opened"
