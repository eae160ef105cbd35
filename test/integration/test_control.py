"""sandbox-exec --control PATH (issue 13): a UNIX socket outside the sandbox, mode 0600,
owned by the caller, speaking one JSON object per line. A denial appears on the
`denials` stream with the line that would allow it; `allow` makes the next request
succeed without restarting CMD; `revoke` takes it back; `reload` rereads the file as
SIGHUP does; malformed JSON gets an error object and the socket keeps serving; a peer
of another uid is refused; the socket is gone when the sandbox ends.
"""
import json
import os
import socket
import stat
import subprocess

from conftest import AIRLOCK
from test_reload import box, step, web, write  # noqa: F401 (fixtures)

SCRIPT = """
for n in 1 2 3 4; do
  while [ ! -e {box}/go$n ]; do sleep 0.05; done
  [ $n = 2 ] && curl -s -o /dev/null -w "c %{{http_connect}}\\n" https://new.example.test/ >> {box}/w/out
  curl -s -o /dev/null -w "$n %{{http_code}}\\n" http://new.example.test/ >> {box}/w/out
done
echo done
"""


class Control:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(path)
        self.f = self.s.makefile("rw")

    def ask(self, req):
        self.f.write((req if isinstance(req, str) else json.dumps(req)) + "\n")
        self.f.flush()
        return json.loads(self.f.readline())

    def next(self):
        return json.loads(self.f.readline())


def start(box, web, ctl):
    pol = os.path.join(box, "policy.ini")
    audit = os.path.join(box, "audit.jsonl")
    write(pol, web)
    os.mkdir(os.path.join(box, "w"))
    os.chmod(os.path.join(box, "w"), 0o777)
    proc = subprocess.Popen([AIRLOCK, "sandbox-exec", "--policy", pol, "--audit", audit,
                             "--control", ctl, "--", "/bin/sh", "-c",
                             SCRIPT.format(box=box)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        if os.path.exists(ctl) or proc.poll() is not None:
            break
        subprocess.run(["sleep", "0.05"])
    assert os.path.exists(ctl), proc.communicate()
    return pol, audit, proc


def test_control_socket_grants_streams_denials_and_reloads(box, web):
    ctl = os.path.join(box, "ctl.sock")
    pol, audit, proc = start(box, web, ctl)
    try:
        st = os.lstat(ctl)
        assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
        assert st.st_uid == os.getuid()
        c = Control(ctl)
        status = c.ask({"cmd": "status"})
        assert status["ok"] and status["mode"] and status["grants"] == []
        assert c.ask("{not json")["ok"] is False      # an error object, and it goes on
        assert c.ask({"cmd": "fly"})["error"].startswith("unknown \"cmd\"")
        assert "needs \"host\"" in c.ask({"cmd": "allow"})["error"]
        bad = c.ask({"cmd": "allow", "host": "a b"})
        assert bad["ok"] is False
        assert c.ask({"cmd": "denials"}) == {"ok": True, "stream": "denials"}

        assert step(box, proc, 1) == "403"             # denied, and reported
        d = c.next()
        assert (d["event"], d["host"], d["port"], d["method"]) == \
            ("denial", "new.example.test", 80, "GET")
        assert d["allow"] == "allow = new.example.test"  # port 80 is http://'s default

        g = c.ask({"cmd": "allow", "host": "new.example.test:80"})
        assert g == {"ok": True, "rule": "allow = new.example.test:80"}, g
        # with --control the CA has no name constraints: a granted host's CONNECT is
        # terminated like any allow host's (no ca-cannot-sign note, no 403)
        g = c.ask({"cmd": "allow", "host": "new.example.test"})
        assert g == {"ok": True, "rule": "allow = new.example.test"}, g
        assert c.ask({"cmd": "status"})["grants"] == ["allow = new.example.test:80",
                                                      "allow = new.example.test"]
        assert step(box, proc, 2) == "200"             # the next request passes
        assert "c 200\n" in open(os.path.join(box, "w", "out")).read()

        assert c.ask({"cmd": "revoke", "host": "new.example.test"})["ok"]
        assert c.ask({"cmd": "revoke", "host": "new.example.test:80"})["ok"]
        assert c.ask({"cmd": "revoke", "host": "new.example.test:80"})["ok"] is False
        assert step(box, proc, 3) == "403"
        assert c.next()["host"] == "new.example.test"

        write(pol, web, "allow = new.example.test\n")
        assert c.ask({"cmd": "reload"})["ok"]
        for _ in range(100):
            if "policy reload applied" in open(audit).read() or \
                    '"decision":"applied"' in open(audit).read():
                break
            subprocess.run(["sleep", "0.05"])
        assert step(box, proc, 4) == "200"             # allowed by the reloaded file
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and stdout.strip() == "done", stderr
    assert not os.path.exists(ctl)                     # removed at the end
    lines = [json.loads(l) for l in open(audit)]
    changes = [(l["decision"], l["rule"]) for l in lines if l["event"] == "control"]
    assert changes == [("granted", "allow = new.example.test:80"),
                       ("granted", "allow = new.example.test"),
                       ("revoked", "allow = new.example.test"),
                       ("revoked", "allow = new.example.test:80")]
    assert [l["decision"] for l in lines if l["event"] == "reload"] == ["applied"]


def test_control_socket_refuses_another_uid(box, web):
    ctl = os.path.join(box, "ctl.sock")
    _, _, proc = start(box, web, ctl)
    try:
        os.chmod(ctl, 0o666)  # past the file mode: the peer check must still refuse
        code = ("import socket,os,sys\n"
                "os.setgid(12345); os.setuid(12345)\n"
                "s=socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])\n"
                # the refusal comes at once, unasked (a request sent after it
                # could meet the closed socket's reset)
                "print(s.makefile().readline().strip())\n")
        r = subprocess.run(["python3", "-c", code, ctl], capture_output=True, text=True,
                           timeout=30)
        assert r.stdout, r.stderr
        answer = json.loads(r.stdout)
        assert answer["ok"] is False and "refused" in answer["error"], r
        assert Control(ctl).ask({"cmd": "status"})["ok"]   # the owner still is served
    finally:
        for n in range(1, 5):
            open(os.path.join(box, f"go{n}"), "w").close()
        _, stderr = proc.communicate(timeout=30)
    assert "control: refused a connection from uid 12345" in stderr


def test_control_path_in_use_is_refused(box):
    path = os.path.join(box, "not-a-socket")
    open(path, "w").close()
    r = subprocess.run([AIRLOCK, "sandbox-exec", "--control", path, "--", "true"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 125
    assert "something that is not a socket is there" in r.stderr
