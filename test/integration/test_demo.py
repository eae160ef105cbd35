"""The guided demo (`./build.sh demo`, i.e. test/demo.sh out/airlock) does what the
README promises: inside the sandbox the token is only a placeholder, the call to the
local HTTPS API is still authorized (airlock injected the real token), a host outside
the policy is refused with an explanation, and the audit log names the secret without
its value.
"""
import json
import re

from conftest import AIRLOCK, TOP, run

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# demo.sh makes its token as demo-real-token-<16 hex digits> and shows only the prefix.
REAL_TOKEN = re.compile(r"demo-real-token-[0-9a-f]{16}")


def test_demo_shows_placeholder_authorized_call_refusal_and_clean_audit(root):
    r = run([str(TOP / "test" / "demo.sh"), AIRLOCK], timeout=180)
    out = ANSI.sub("", r.stdout)
    assert r.returncode == 0, out + r.stderr
    # The sandbox sees the placeholder, never the value.
    assert "DEMO_TOKEN=openshell:resolve:env:DEMO_TOKEN" in out
    assert not REAL_TOKEN.search(out + r.stderr), "the real demo token was printed"
    assert "demo-real-token-" in out  # the prefix the demo shows: the pattern is live
    # The API call made with the placeholder was authorized.
    assert '"authorized": true' in out
    assert '"authorized": false' not in out
    # The host outside the policy: refused, with the reason and the line to add.
    assert "403" in out and "X-Airlock-Deny: not-allowed" in out
    assert "evil.example is not in [network] allow" in out
    assert "allow = evil.example" in out
    # Around the proxy nothing answers.
    assert "Couldn't connect" in out or "Failed to connect" in out
    # The audit: JSON lines, the injected secret by name, the refusals.
    audit = [json.loads(line) for line in out.splitlines() if line.startswith('{"time"')]
    assert audit, out
    calls = [a for a in audit if a["event"] == "request" and a["host"] == "api.demo.test"]
    assert len(calls) == 1
    assert calls[0]["status"] == 200 and calls[0]["secrets"] == ["DEMO_TOKEN"]
    denies = [a for a in audit if a["event"] == "deny" and a["host"] == "evil.example"]
    assert denies and all(a["status"] == 403 for a in denies)
