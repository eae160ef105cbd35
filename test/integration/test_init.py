"""`airlock init` (spec section 2): exit statuses, signal forwarding, reaping, shutdown
with grace, job control on a terminal, --user and -v.

CMDs are small Python or shell programs run by the real out/airlock. Every subprocess
has a timeout; every test kills what it started.
"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

from conftest import run

PY = "/usr/bin/python3"


def py(code):
    """argv running `code` (dedented) with the system Python."""
    return [PY, "-c", textwrap.dedent(code)]


class Proc:
    """A Popen with line reading under a deadline and guaranteed cleanup."""

    def __init__(self, args, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        self.p = subprocess.Popen(args, **kw)

    def readline(self, timeout=10):
        ready, _, _ = select.select([self.p.stdout], [], [], timeout)
        assert ready, f"no output within {timeout}s"
        return self.p.stdout.readline().strip()

    def expect(self, want, timeout=10):
        line = self.readline(timeout)
        assert line == want, f"expected {want!r}, got {line!r}"

    def wait(self, timeout=15):
        return self.p.wait(timeout=timeout)

    def kill(self, sig):
        os.kill(self.p.pid, sig)

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(timeout=10)
        for f in (self.p.stdout, self.p.stderr):
            if f:
                f.close()


@pytest.fixture
def procs():
    """Processes started by a test, killed at its end whatever happened."""
    started = []

    def start(args, **kw):
        p = Proc(args, **kw)
        started.append(p)
        return p

    yield start
    for p in started:
        p.close()


def alive(pid):
    """Whether pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for(cond, timeout=10, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


# --- exit statuses -----------------------------------------------------------------


def test_exit_status_every_value(airlock):
    # One shell runs all 256 so the test stays quick; each line is "N STATUS".
    script = 'for n in $(seq 0 255); do "$0" init -- sh -c "exit $n"; echo "$n $?"; done'
    r = run(["sh", "-c", script, airlock], timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")[:256]
    assert lines == [f"{n} {n}" for n in range(256)]


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT, signal.SIGKILL,
                                 signal.SIGTERM, signal.SIGUSR1, signal.SIGABRT])
def test_exit_status_when_killed_by_signal(airlock, sig):
    code = f"""
        import os, signal, time
        if {int(sig)} != signal.SIGKILL:
            signal.signal({int(sig)}, signal.SIG_DFL)
        os.kill(os.getpid(), {int(sig)})
        time.sleep(10)
    """
    r = run([airlock, "init", "--", *py(code)], timeout=20)
    assert r.returncode == 128 + sig


def test_command_not_found_is_127(airlock):
    r = run([airlock, "init", "--", "/nonexistent/cmd-xyz"])
    assert r.returncode == 127
    assert r.stderr.startswith("airlock: cannot run /nonexistent/cmd-xyz: ")
    r = run([airlock, "init", "--", "no-such-command-in-path-xyz"])
    assert r.returncode == 127
    assert "No such file" in r.stderr


def test_command_not_executable_is_126(airlock, tmp_path):
    f = tmp_path / "script"
    f.write_text("#!/bin/sh\necho hi\n")
    f.chmod(0o644)
    r = run([airlock, "init", "--", str(f)])
    assert r.returncode == 126
    assert r.stderr.startswith(f"airlock: cannot run {f}: ")
    assert r.stdout == ""


@pytest.mark.parametrize("args, words", [
    ([], "no command"),
    (["--"], "no command"),
    (["--bogus", "--", "true"], "unknown option '--bogus'"),
    (["--grace"], "--grace needs a value"),
    (["--grace", "soon", "--", "true"], "--grace 'soon'"),
    (["--grace=-1", "--", "true"], "--grace '-1'"),
    (["--grace", "nan", "--", "true"], "--grace 'nan'"),
    (["--user"], "--user needs a value"),
])
def test_bad_usage_is_125_with_one_line(airlock, args, words):
    r = run([airlock, "init", *args])
    assert r.returncode == 125
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("airlock: "), r.stderr
    assert words in lines[0]


def test_options_without_double_dash_and_equals_form(airlock):
    r = run([airlock, "init", "--grace=1", "-v", "sh", "-c", "exit 9"])
    assert r.returncode == 9
    assert "airlock: reaped pid" in r.stderr


def test_stdio_passes_through(airlock):
    r = run([airlock, "init", "--", "sh", "-c", "cat; echo err >&2"], input="line 1\nline 2\n")
    assert r.returncode == 0
    assert r.stdout == "line 1\nline 2\n" and r.stderr == "err\n"


def test_inherited_ignored_signals_stay_ignored(airlock):
    # As a shell does for background jobs: what airlock's starter ignored, CMD ignores.
    code = "import signal; print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)"
    r = run([airlock, "init", "--", *py(code)],
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert r.stdout.strip() == "True", r.stderr
    r = run([airlock, "init", "--", *py(code)])
    assert r.stdout.strip() == "False", r.stderr


# --- signals -----------------------------------------------------------------------

FORWARDED = [signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE,
             signal.SIGALRM, signal.SIGCONT, signal.SIGWINCH, signal.SIGURG, signal.SIGTSTP,
             signal.SIGTTIN, signal.SIGTTOU, signal.SIGXCPU, signal.SIGXFSZ, signal.SIGVTALRM,
             signal.SIGPROF, signal.SIGIO, signal.SIGPWR, 34, 40, 64, signal.SIGINT]

CATCHER = """
    import os, signal, sys, time
    sigs = [int(s) for s in sys.argv[1].split(",")]
    def h(n, f):
        print("got", n, os.getpgid(0) == os.getpid(), flush=True)
        if n in (signal.SIGTERM, signal.SIGINT):
            sys.exit(7)
    for s in sigs:
        signal.signal(s, h)
    print("ready", flush=True)
    while True:
        time.sleep(1)
"""


def test_forwards_every_catchable_signal(airlock, procs):
    p = procs([airlock, "init", "--", *py(CATCHER), ",".join(str(int(s)) for s in FORWARDED)])
    p.expect("ready")
    for s in FORWARDED:
        p.kill(s)
        # The CMD shares our process group without --pgroup and a terminal.
        p.expect(f"got {int(s)} False")
    # SIGINT was last: CMD exits 7, and init with it.
    assert p.wait() == 7


def test_pgroup_forwards_to_the_whole_group(airlock, procs, tmp_path):
    code = """
        import os, signal, sys, time
        out = sys.argv[1]
        def h(n, f):
            open(f"{out}/{os.getpid()}", "w").write("usr1")
        signal.signal(signal.SIGUSR1, h)
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        print(os.getpgid(0) == os.getpid(), pid, flush=True)
        time.sleep(30)
    """
    for pgroup in (True, False):
        d = tmp_path / str(pgroup)
        d.mkdir()
        p = procs([airlock, "init", "--grace", "1"] + (["--pgroup"] if pgroup else [])
                  + ["--", *py(code), str(d)])
        leader, child = p.readline().split()
        assert leader == str(pgroup)
        time.sleep(0.3)
        p.kill(signal.SIGUSR1)
        assert wait_for(lambda: len(os.listdir(d)) >= 1)
        time.sleep(0.5)
        assert (child in os.listdir(d)) == pgroup
        assert len(os.listdir(d)) == (2 if pgroup else 1)
        p.kill(signal.SIGTERM)
        assert p.wait() == 128 + signal.SIGTERM


def test_signal_pending_before_start_reaches_cmd(airlock, procs):
    # SIGUSR1 is already pending (blocked) when airlock starts: it must be queued and
    # forwarded once CMD exists, not lost. CMD unblocks it after setting its handler.
    code = """
        import signal, time, sys
        signal.signal(signal.SIGUSR1, lambda n, f: (print("got usr1", flush=True), sys.exit(3)))
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
        time.sleep(10)
        print("lost", flush=True)
    """

    def pend():
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        os.kill(os.getpid(), signal.SIGUSR1)

    p = procs([airlock, "init", "--", *py(code)], preexec_fn=pend)
    p.expect("got usr1")
    assert p.wait() == 3


def past_blocking(pid):
    """Whether airlock (pid) has blocked its signals: SigBlk shows them while it starts
    CMD; once it waits in sigtimedwait() they show as unblocked, but it has a child."""
    try:
        with open(f"/proc/{pid}/status") as f:
            if any(l.startswith("SigBlk:") and int(l.split()[1], 16) for l in f):
                return True
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return f.read().strip() != ""
    except FileNotFoundError:
        return False


def test_sigterm_while_cmd_starts_is_not_lost(airlock, procs):
    # A SIGTERM that arrives while CMD is being started (after airlock has blocked
    # signals, its first act; no program can close the microseconds before that) must
    # reach CMD: it ends in CMD's status 128+15, never in airlock dying of it, and
    # never in a CMD that keeps running.
    for i in range(40):
        p = procs([airlock, "init", "--", "sleep", "30"])
        assert wait_for(lambda: past_blocking(p.p.pid), timeout=5, step=0)
        time.sleep(0.0005 * (i % 4))  # the fork, the exec, or just after
        p.kill(signal.SIGTERM)
        assert p.wait(timeout=15) == 128 + signal.SIGTERM


def test_verbose_logs_forwards_and_reaps(airlock, procs):
    p = procs([airlock, "init", "-v", "--", *py(CATCHER), str(int(signal.SIGUSR1))])
    p.expect("ready")
    p.kill(signal.SIGUSR1)
    p.expect(f"got {int(signal.SIGUSR1)} False")
    p.kill(signal.SIGTERM)
    assert p.wait() == 128 + signal.SIGTERM
    err = p.p.stderr.read()
    assert re.search(r"^airlock: forwarded SIGUSR1 to pid \d+$", err, re.M), err
    assert re.search(r"^airlock: forwarded SIGTERM to pid \d+$", err, re.M), err
    assert re.search(r"^airlock: reaped pid \d+ \(CMD\) \(killed by SIGTERM\)$", err, re.M), err


def test_quiet_without_verbose(airlock):
    r = run([airlock, "init", "--", "sh", "-c", "sleep 0.1 & exit 0"])
    assert r.returncode == 0 and r.stderr == ""


# --- reaping -----------------------------------------------------------------------

ORPHANS = """
    import os, sys, time
    n = int(sys.argv[1])
    r, w = os.pipe()
    for i in range(n):
        pid = os.fork()
        if pid == 0:
            mid = os.getpid()
            if os.fork() == 0:
                # Wait until reparented, then tell who the new parent is and exit.
                while os.getppid() == mid:
                    time.sleep(0.001)
                os.write(w, b"%d\\n" % os.getppid())
                os._exit(0)
            os._exit(0)
        os.waitpid(pid, 0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    parents = set(data.split())
    # Zombies among our parent's children, polled until none or 10 s.
    init = os.getppid()
    def zombies():
        z = 0
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    st = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if st[0] == "Z" and int(st[1]) == init:
                    z += 1
        return z
    end = time.monotonic() + 10
    while zombies() and time.monotonic() < end:
        time.sleep(0.05)
    print(len(data.split()), sorted(int(p) for p in parents), init, zombies(), flush=True)
"""


def test_reaps_orphans_when_not_pid1(airlock):
    r = run([airlock, "init", "--", *py(ORPHANS), "1000"], timeout=120)
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"(\d+) \[(\d+)\] (\d+) (\d+)", r.stdout.strip())
    assert m, r.stdout
    count, parent, init, zombies = (int(x) for x in m.groups())
    assert count == 1000
    assert parent == init  # subreaper: every orphan came to airlock, not to PID 1
    assert zombies == 0


def test_reaps_orphans_as_pid1(airlock, root):
    r = run(["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", airlock, "init", "--",
             *py(ORPHANS), "1000"], timeout=120)
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"(\d+) \[(\d+)\] (\d+) (\d+)", r.stdout.strip())
    assert m, r.stdout
    count, parent, init, zombies = (int(x) for x in m.groups())
    assert (count, parent, init, zombies) == (1000, 1, 1, 0)


# --- shutdown ----------------------------------------------------------------------

# A grandchild (not in CMD's process group, so only airlock can reach it) that needs 2 s
# in its SIGTERM handler, or that ignores SIGTERM. It writes its pid, then "done" when
# its handler finishes.
GRANDCHILD = """
    import os, signal, sys, time
    out, mode = sys.argv[1], sys.argv[2]
    os.setsid()
    def term(n, f):
        time.sleep(2)
        open(out + ".done", "w").write("done")
        sys.exit(0)
    signal.signal(signal.SIGTERM, term if mode == "slow" else signal.SIG_IGN)
    open(out + ".pid", "w").write(str(os.getpid()))
    while True:
        time.sleep(1)
"""


def start_family(procs, airlock, out, mode, grace, cmd_exits=None, pid1=False):
    """init -> sh (CMD) -> python grandchild in its own session. CMD either waits (and
    dies of SIGTERM) or exits by itself with `cmd_exits`."""
    gc = " ".join(f"'{a}'" for a in py(GRANDCHILD)) + f" '{out}' {mode}"
    tail = f"exit {cmd_exits}" if cmd_exits is not None else "while :; do sleep 1; done"
    script = f"{gc} & while [ ! -s '{out}.pid' ]; do sleep 0.05; done; echo started; {tail}"
    pre = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"] if pid1 else []
    p = procs(pre + [airlock, "init", "--grace", str(grace), "--", "sh", "-c", script])
    return p


def test_sigterm_waits_for_descendants_within_grace(airlock, procs, tmp_path):
    out = str(tmp_path / "gc")
    p = start_family(procs, airlock, out, "slow", grace=8)
    p.expect("started")
    gc = int(open(out + ".pid").read())
    t0 = time.monotonic()
    p.kill(signal.SIGTERM)
    assert p.wait(timeout=20) == 128 + signal.SIGTERM  # CMD's status
    took = time.monotonic() - t0
    # The grandchild got SIGTERM from airlock and finished its 2 s handler.
    assert os.path.exists(out + ".done")
    assert 1.5 < took < 8, took
    assert not alive(gc)


def test_sigterm_then_sigkill_after_grace(airlock, procs, tmp_path):
    out = str(tmp_path / "gc")
    p = start_family(procs, airlock, out, "ignore", grace=2)
    p.expect("started")
    gc = int(open(out + ".pid").read())
    t0 = time.monotonic()
    p.kill(signal.SIGTERM)
    assert p.wait(timeout=20) == 128 + signal.SIGTERM
    took = time.monotonic() - t0
    assert 1.5 < took < 2 + 1 + 1.5, took  # grace honoured, then done within grace+1 s
    assert wait_for(lambda: not alive(gc), timeout=2)


def test_cmd_exit_terminates_remaining_descendants(airlock, procs, tmp_path):
    out = str(tmp_path / "gc")
    p = start_family(procs, airlock, out, "slow", grace=8, cmd_exits=3)
    p.expect("started")
    gc = int(open(out + ".pid").read())
    assert p.wait(timeout=20) == 3
    assert os.path.exists(out + ".done")  # got SIGTERM and its time to finish
    assert not alive(gc)


def test_cmd_exit_kills_stubborn_descendants_after_grace(airlock, procs, tmp_path):
    out = str(tmp_path / "gc")
    t0 = time.monotonic()
    p = start_family(procs, airlock, out, "ignore", grace=1, cmd_exits=4)
    p.expect("started")
    gc = int(open(out + ".pid").read())
    assert p.wait(timeout=20) == 4
    assert time.monotonic() - t0 < 1 + 1 + 3
    assert wait_for(lambda: not alive(gc), timeout=2)


def test_shutdown_as_pid1_kills_the_namespace(airlock, procs, tmp_path, root):
    out = str(tmp_path / "gc")
    p = start_family(procs, airlock, out, "ignore", grace=1, pid1=True)
    p.expect("started")
    # unshare's child is airlock, PID 1 of the new namespace.
    init = int(subprocess.check_output(["pgrep", "-P", str(p.p.pid)], text=True, timeout=5))
    t0 = time.monotonic()
    os.kill(init, signal.SIGTERM)
    assert p.wait(timeout=20) == 128 + signal.SIGTERM
    assert time.monotonic() - t0 < 1 + 1 + 3


def test_sigkill_of_cmd_after_grace_gives_137(airlock, procs):
    code = """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(60)
    """
    p = procs([airlock, "init", "--grace", "0.5", "--", *py(code)])
    p.expect("ready")
    p.kill(signal.SIGTERM)
    assert p.wait(timeout=10) == 128 + signal.SIGKILL


# --- terminal job control ------------------------------------------------------------


class Pty:
    """A program under a new pseudo-terminal (its controlling terminal)."""

    def __init__(self, argv, env=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(argv[0], argv, env or os.environ)
            finally:
                os._exit(127)
        self.buf = b""

    def send(self, data):
        os.write(self.fd, data)

    def expect(self, pattern, timeout=10):
        """Reads until `pattern` (a regex on bytes) shows up; returns the match."""
        end = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            assert left > 0, f"{pattern!r} not seen; got {self.buf[-500:]!r}"
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"terminal closed; {pattern!r} not seen in {self.buf[-500:]!r}"
                self.buf += chunk

    def wait_running(self, argv, timeout=10):
        """Waits until a process of this terminal's session runs `argv` (so that a key
        sent next reaches it, not the shell's line editor)."""
        want = ("\0".join(argv) + "\0").encode()

        def found():
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    with open(f"/proc/{d}/cmdline", "rb") as f:
                        if f.read() != want:
                            continue
                    with open(f"/proc/{d}/stat") as f:
                        st = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(st[3]) == self.pid and st[0] in "SR":  # same session, running
                    return True
            return False

        assert wait_for(found, timeout), f"{argv} never ran under the terminal"
        time.sleep(0.2)  # let it settle into its wait

    def wait(self, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = None
                return os.waitstatus_to_exitcode(st)
            time.sleep(0.05)
        raise AssertionError("process under the terminal did not exit")

    def close(self):
        if self.pid:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def ptys():
    made = []

    def make(argv, env=None):
        t = Pty(argv, env)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


def shell_env():
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "dumb",
            "PS1": "PROMPT$ ", "HOME": "/tmp"}


def test_interactive_bash_job_control(airlock, ptys):
    t = ptys([airlock, "init", "--", "/bin/bash", "--norc", "--noprofile", "-i"],
             env=shell_env())
    t.expect(rb"PROMPT\$ ")
    # Ctrl-C interrupts the foreground job, not the shell.
    t.send(b"sleep 30\n")
    t.wait_running(["sleep", "30"])
    t.send(b"\x03")
    t.expect(rb"PROMPT\$ ")
    t.send(b"echo status=$?\n")
    t.expect(rb"status=130")
    # Ctrl-Z stops it, `fg` brings it back, Ctrl-C then ends it.
    t.send(b"sleep 30\n")
    t.wait_running(["sleep", "30"])
    t.send(b"\x1a")
    t.expect(rb"Stopped\s+sleep 30")
    t.expect(rb"PROMPT\$ ")
    t.send(b"jobs -l\n")
    t.expect(rb"Stopped\s+sleep 30")
    t.send(b"fg\n")
    t.expect(rb"sleep 30")
    t.wait_running(["sleep", "30"])
    t.send(b"\x03")
    t.expect(rb"PROMPT\$ ")
    t.send(b"echo status=$?; exit 6\n")
    t.expect(rb"status=130")
    assert t.wait() == 6


@pytest.mark.parametrize("pid1", [False, True])
def test_ctrl_c_reaches_cmd_not_init(airlock, ptys, pid1):
    # A program without job control of its own (a REPL catching Ctrl-C): the terminal's
    # SIGINT must reach it once, and not start airlock's shutdown (which would SIGKILL
    # the program once the grace of 1 s had passed). Not PID 1, airlock gives CMD the
    # terminal; as PID 1 of a PID namespace whose process group lives outside it cannot,
    # so CMD shares its group and airlock must not act on (or pass on) the copy it got.
    code = """
        import signal, sys, time
        n = 0
        def intr(sig, frame):
            raise KeyboardInterrupt
        signal.signal(signal.SIGINT, intr)
        while True:
            try:
                if n == 0:
                    print("ready", flush=True)
                line = sys.stdin.readline()
                if not line or line.strip() == "quit":
                    sys.exit(5)
                print("echo", line.strip(), flush=True)
            except KeyboardInterrupt:
                n += 1
                print("interrupted", n, flush=True)
    """
    pre = ["/usr/bin/unshare", "--pid", "--fork", "--kill-child", "--mount-proc"] if pid1 else []
    t = ptys(pre + [airlock, "init", "--grace", "1", "--", *py(code)])
    t.expect(rb"ready")
    t.send(b"\x03")
    t.expect(rb"interrupted 1\r?\n")
    time.sleep(2.5)  # well past the grace
    assert b"interrupted" not in t.buf  # one Ctrl-C, one SIGINT
    t.send(b"\x03")
    t.expect(rb"interrupted 2\r?\n")
    t.send(b"hello\n")
    t.expect(rb"echo hello")
    t.send(b"quit\n")
    assert t.wait() == 5


def test_ctrl_z_stops_init_for_the_outer_shell(airlock, ptys):
    # airlock init run from an interactive shell: Ctrl-Z stops CMD, and airlock stops
    # with it so that the shell sees a stopped job; `fg` resumes both.
    t = ptys(["/bin/bash", "--norc", "--noprofile", "-i"], env=shell_env())
    t.expect(rb"PROMPT\$ ")
    t.send(f"{airlock} init -- sleep 30\n".encode())
    t.wait_running(["sleep", "30"])
    t.send(b"\x1a")
    t.expect(rb"Stopped\s+\S*airlock init -- sleep 30")
    t.expect(rb"PROMPT\$ ")
    t.send(b"echo shell-is-back\n")
    t.expect(rb"shell-is-back")
    t.send(b"fg\n")
    t.expect(rb"airlock init -- sleep 30")
    t.wait_running(["sleep", "30"])
    t.send(b"\x03")
    t.expect(rb"PROMPT\$ ")
    t.send(b"echo status=$?; exit 0\n")
    t.expect(rb"status=130")
    assert t.wait() == 0


# --- --user ------------------------------------------------------------------------

STATUS = """
    import os, sys, time
    print(open("/proc/self/status").read(), flush=True)
    print("parent-uid", [l for l in open(f"/proc/{os.getppid()}/status")
                         if l.startswith("Uid:")][0].split()[1], flush=True)
"""


def status_fields(text):
    f = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        f[k] = v.split()
    return f


def test_user_switch_with_groups_from_files(airlock, tmp_path, root):
    # Fixture users: bind-mounted over /etc/passwd and /etc/group in a private mount
    # namespace, so the machine's own files are untouched.
    (tmp_path / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nalice:x:2345:2345::/home/alice:/bin/sh\n")
    (tmp_path / "group").write_text(
        "root:x:0:\nalice:x:2345:\nwheel:x:2401:bob,alice\naudio:x:2402:alice\nvideo:x:2403:bob\n")
    script = (f"mount --bind {tmp_path}/passwd /etc/passwd && "
              f"mount --bind {tmp_path}/group /etc/group && exec \"$@\"")
    base = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", airlock, "init"]

    r = run(base + ["--user", "alice", "--", *py(STATUS)], timeout=30)
    assert r.returncode == 0, r.stderr
    f = status_fields(r.stdout)
    assert f["Uid"] == ["2345"] * 4
    assert f["Gid"] == ["2345"] * 4
    assert sorted(f["Groups"]) == ["2345", "2401", "2402"]
    assert "parent-uid 0" in r.stdout  # init keeps its own identity

    r = run(base + ["--user", "alice:video", "--", *py(STATUS)], timeout=30)
    assert r.returncode == 0, r.stderr
    f = status_fields(r.stdout)
    assert f["Gid"] == ["2403"] * 4 and sorted(f["Groups"]) == ["2401", "2402", "2403"]

    r = run(base + ["--user", "4321:4322", "--", *py(STATUS)], timeout=30)
    assert r.returncode == 0, r.stderr
    f = status_fields(r.stdout)
    assert f["Uid"] == ["4321"] * 4 and f["Gid"] == ["4322"] * 4 and f["Groups"] == ["4322"]

    r = run(base + ["--user", "mallory", "--", "true"], timeout=30)
    assert r.returncode == 125
    assert r.stderr.startswith("airlock: init: --user mallory: no user 'mallory'")
    assert len(r.stderr.splitlines()) == 1


def test_user_switch_failure_is_125(airlock, root):
    # As a non-root user airlock cannot switch to another one: CMD never runs.
    r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", airlock, "init",
             "--user", "1234", "--", "sh", "-c", "echo ran"], timeout=30)
    assert r.returncode == 125
    assert r.stdout == ""
    assert r.stderr.startswith("airlock: cannot run sh: cannot set the supplementary groups")
