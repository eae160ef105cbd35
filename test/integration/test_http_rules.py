"""HTTP rules per host (issue 13): `[http HOST]` says what may be done on an allowed host.

The gist case: with `access = read-only` for a fake api.github.com (mapped to a local TLS
server), curl inside can GET with the token injected, but POST /gists gets 403
(X-Airlock-Deny: http-rule) and the upstream never sees that request or the token.
"""
import json
import os
import textwrap

from test_mitm import (GIT_TOKEN, HERE, PH, MASKS, box, box_ca, pki, sandbox,  # noqa: F401
                       use_pki)
from tlsservers import TLSServer


def policy(box, port, rules):
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {box} {HERE}
            tmpfs = /tmp
            [network]
            allow = api.github.com
            map = api.github.com 127.0.0.1:{port}
            trust = {box_ca(box)}
            [secret GH_TOKEN]
            hosts = api.github.com
            """) + textwrap.dedent(rules))
    return path


def test_read_only_github_refuses_a_gist_before_anything_goes_upstream(box, pki):
    use_pki(box, pki)
    crt, key = pki.leaf("api.github.com")
    with TLSServer(crt, key, secrets=MASKS) as api:
        pol = policy(box, api.port, """\
            [http api.github.com]
            access = read-only
            """)
        u = "https://api.github.com"
        r, audit = sandbox(box, pol, f"""
            curl -sS -m 20 -H "Authorization: Bearer $GH_TOKEN" {u}/echo/user; echo
            curl -sS -m 20 -D - -H "Authorization: Bearer $GH_TOKEN" -d '{{"files":{{}}}}' {u}/gists
            """)
        assert r.returncode == 0, r.stderr
        first = json.loads(r.stdout.splitlines()[0])
        assert first["path"] == "/echo/user"
        assert ["Authorization", "Bearer <REAL:GH_TOKEN>"] in first["headers"]
        rest = r.stdout.split("\n", 1)[1]
        assert "HTTP/1.1 403 Forbidden" in rest, rest
        assert "X-Airlock-Deny: http-rule" in rest
        assert "POST /gists on api.github.com is refused by [http api.github.com] " \
               "access = read-only" in rest
        assert "allow = POST /gists" in rest
        # the upstream saw the GET only: not the POST, not the token with it
        assert [q["method"] for q in api.requests] == ["GET"]
        assert GIT_TOKEN not in r.stdout
        denied = [a for a in audit if a.get("status") == 403]
        assert denied and denied[0]["path"] == "/gists" and denied[0]["secrets"] == []


def test_globs_deny_over_allow_dot_segments_and_encodings(box, pki):
    use_pki(box, pki)
    crt, key = pki.leaf("api.github.com")
    with TLSServer(crt, key, secrets=MASKS) as api:
        pol = policy(box, api.port, """\
            [http api.github.com]
            access = read-only
            allow = POST /echo/repos/acme/*/pulls
            deny = * /echo/repos/acme/private/**
            """)
        u = "https://api.github.com"
        cases = [
            ("POST", "/echo/repos/acme/web/pulls", 200),           # allow glob
            ("POST", "/echo/repos/acme/web/x/pulls", 403),         # * is one segment
            ("GET", "/echo/repos/acme/private/README", 403),       # deny wins over level
            ("POST", "/echo/repos/acme/private/pulls", 403),       # deny wins over allow
            ("POST", "/echo/repos/acme/web/../../../gists", 403),  # dot-segments
            ("GET", "/echo/repos/acme/%70rivate/x", 403),          # percent-encoded
            ("GET", "/echo/repos/acme/public/x", 200),
        ]
        script = "\n".join(
            f"curl -sS -m 20 --path-as-is -o /dev/null -w '%{{http_code}}\\n' -X {m} "
            f"-d x {u}{p}" if m == "POST" else
            f"curl -sS -m 20 --path-as-is -o /dev/null -w '%{{http_code}}\\n' {u}{p}"
            for m, p, _ in cases)
        r, _ = sandbox(box, pol, script)
        assert r.returncode == 0, r.stderr
        assert [int(x) for x in r.stdout.split()] == [c[2] for c in cases], r.stdout
        assert len(api.requests) == 2
