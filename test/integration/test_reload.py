"""SIGHUP to sandbox-exec reloads the policy (spec section 3; issue 13): [network] and
[http] rules change for new connections while CMD runs; a change to what was built into
the sandbox (here [filesystem]) is refused with its reason, as is a file that does not
load, and the policy in force stays. SIGHUP is not forwarded: CMD goes on.
"""
import http.server
import json
import os
import signal
import subprocess
import tempfile
import textwrap
import threading
import time

import pytest

from conftest import AIRLOCK


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def web():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def box(root):
    d = tempfile.mkdtemp(prefix="airlock-reload-", dir="/var/tmp")
    os.chmod(d, 0o755)
    yield d
    subprocess.run(["rm", "-rf", d])


def write(path, port, extra_net="", fs="/usr /lib /lib64 /bin /sbin /etc"):
    d = os.path.dirname(path)
    with open(path + ".tmp", "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            [filesystem]
            read_only = {fs} {d}
            read_write = {d}/w
            [network]
            allow = old.example.test
            map = old.example.test 127.0.0.1:{port}
            map = new.example.test 127.0.0.1:{port}
            """) + extra_net)
    os.rename(path + ".tmp", path)


# CMD: one request each time the test says "go N" (a file in the listed box).
SCRIPT = """
for n in 1 2 3 4; do
  while [ ! -e {box}/go$n ]; do sleep 0.05; done
  [ $n = 2 ] && curl -s -o /dev/null -w "c %{{http_connect}}\\n" https://new.example.test/ >> {box}/w/out
  curl -s -o /dev/null -w "$n %{{http_code}}\\n" http://new.example.test/ >> {box}/w/out
done
echo done
"""


def step(box, proc, n, timeout=20):
    open(os.path.join(box, f"go{n}"), "w").close()
    end = time.time() + timeout
    while time.time() < end:
        p = os.path.join(box, "w", "out")
        if os.path.exists(p) and any(l.startswith(f"{n} ") for l in open(p)):
            return [l.split()[1] for l in open(p) if l.startswith(f"{n} ")][0]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError(f"step {n} did not finish")


def test_sighup_reloads_network_rules_refuses_fixed_parts_and_keeps_cmd(box, web):
    pol = os.path.join(box, "policy.ini")
    audit = os.path.join(box, "audit.jsonl")
    write(pol, web)
    os.mkdir(os.path.join(box, "w"))
    os.chmod(os.path.join(box, "w"), 0o777)
    proc = subprocess.Popen([AIRLOCK, "sandbox-exec", "--policy", pol, "--audit", audit,
                             "--", "/bin/sh", "-c", SCRIPT.format(box=box)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert step(box, proc, 1) == "403"           # not allowed yet
        write(pol, web, "allow = new.example.test\n")
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert step(box, proc, 2) == "200"           # allowed after the reload
        write(pol, web, "allow = new.example.test\n", fs="/usr /lib /lib64 /bin /sbin /etc /opt")
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert step(box, proc, 3) == "200"           # refused reload: old policy stays
        with open(pol, "w") as f:
            f.write("[bogus]\n")
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert step(box, proc, 4) == "200"           # broken file: old policy stays
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr              # SIGHUP never reached CMD
    assert stdout.strip() == "done"
    assert "policy reload applied" in stderr
    assert "[filesystem] differs from the running sandbox's" in stderr
    assert "restart sandbox-exec for the rest" in stderr
    assert f"policy reload refused: {pol}:1: unknown section [bogus]" in stderr
    reloads = [json.loads(l) for l in open(audit) if '"reload"' in l]
    assert [r["decision"] for r in reloads] == ["applied", "refused", "refused"]
    # a host allowed by a reload: http:// works, but the CA made at start cannot sign
    # for it, so its CONNECT is refused with that reason
    assert "c 403\n" in open(os.path.join(box, "w", "out")).read()
    cas = [json.loads(l) for l in open(audit) if "ca-cannot-sign" in l or
           "cannot sign" in l]
    assert cas and cas[0]["host"] == "new.example.test"
    assert "[filesystem] differs" in reloads[1]["reason"]
    assert "unknown section [bogus]" in reloads[2]["reason"]


def test_sighup_with_the_default_policy_says_there_is_nothing_to_reload(box):
    env = dict(os.environ, HOME=box)
    proc = subprocess.Popen([AIRLOCK, "sandbox-exec", "--", "/bin/sh", "-c",
                             "sleep 1; echo still-here"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=box)
    time.sleep(0.4)
    proc.send_signal(signal.SIGHUP)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0 and stdout.strip() == "still-here", stderr
    assert "there is no policy file to reload" in stderr
