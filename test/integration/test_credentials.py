"""Every credential the runner holds (issue 12): its whole environment and CMD's argv.

The agent runner hands the CLI its whole environment (dozens of tokens) and starts it
with `--mcp-config '<json>'` whose server entries carry expanded secrets. Inside the
sandbox, a variable named like a credential that the policy does not declare is absent
(declared: its placeholder; listed in `pass`: as it is), and a declared secret's value
on the command line is its placeholder, in /proc/self/cmdline and /proc/1/cmdline alike;
an MCP-like child started from that JSON sends the placeholder, which the proxy swaps
for the real value on the bound host only.
"""
import json
import os
import textwrap

from conftest import AIRLOCK
import subprocess

from test_mitm import (HERE, MASKS, PH, PROXY_VARS, TOKEN, box, box_ca, header,  # noqa: F401
                       pki, use_pki)
from tlsservers import TLSServer

PY = "/usr/bin/python3"
JIRA = "jira_" + TOKEN[4:]          # a second real value, declared as a secret
STRAYS = {                          # what the runner also holds, declared nowhere
    "GITLAB_TOKEN": "glpat-stray-1", "JIRA_API_TOKEN": "stray-jira-2",
    "GOOGLE_OAUTH_CLIENT_SECRET": "stray-gsecret-3", "CODERABBIT_API_KEY": "stray-cr-4",
    "AGUI_TOKEN": "stray-agui-5", "LANGFUSE_SECRET_KEY": "stray-lf-6",
    "MLFLOW_TRACKING_AUTH": "stray-mlflow-7", "MCP_JIRA_API_TOKEN": "stray-mcp-8",
    "GOOGLE_APPLICATION_CREDENTIALS": "/app/vertex/key.json",
}


def policy(box, api_port, extra=""):
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {box} {HERE}
            read_write = /tmp
            [network]
            allow = api.example.test
            map = api.example.test 127.0.0.1:{api_port}
            trust = {box_ca(box)}
            [secret TOKEN]
            hosts = api.example.test
            [secret MCP_TOKEN]
            hosts = api.example.test
            """) + textwrap.dedent(extra))
    return path


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS}
    for k in list(e):
        if "TOKEN" in k or "KEY" in k or "SECRET" in k:
            del e[k]
    e.update(STRAYS, TOKEN=TOKEN, MCP_TOKEN=JIRA, LANGFUSE_PUBLIC_KEY="pk-lf-public",
             PLAIN_SETTING="kept")
    e.update(extra)
    return e


def run_in(box, pol, argv, verbose=False, environ=None, timeout=120):
    args = [AIRLOCK, "sandbox-exec", "--policy", pol] + (["-v"] if verbose else [])
    return subprocess.run(args + ["--"] + argv, capture_output=True, text=True,
                          timeout=timeout, env=environ or env())


def test_undeclared_credentials_are_absent_inside(box, pki):
    use_pki(box, pki)
    pol = policy(box, 1, "[environment]\npass = LANGFUSE_PUBLIC_KEY\n")
    r = run_in(box, pol, ["/usr/bin/env"], verbose=True)
    assert r.returncode == 0, r.stderr
    inside = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    for name in STRAYS:
        assert name not in inside, name
    assert inside["TOKEN"] == PH + "TOKEN"            # declared: its placeholder
    assert inside["MCP_TOKEN"] == PH + "MCP_TOKEN"
    assert inside["LANGFUSE_PUBLIC_KEY"] == "pk-lf-public"  # listed in pass
    assert inside["PLAIN_SETTING"] == "kept"          # not named like a credential
    # -v names what was left out, by name only, and says what would pass it
    for name, value in STRAYS.items():
        assert f"{name} left out of the environment" in r.stderr
        assert value not in r.stderr and value not in r.stdout
    assert "LANGFUSE_PUBLIC_KEY left out" not in r.stderr
    assert TOKEN not in r.stdout + r.stderr


def test_credentials_list_is_editable(box, pki):
    """`credentials` replaces the default list; `policy check` prints the lists."""
    use_pki(box, pki)
    pol = policy(box, 1, "[environment]\ncredentials = AGUI_* PLAIN_*\n")
    r = run_in(box, pol, ["/usr/bin/env"])
    assert r.returncode == 0, r.stderr
    names = {line.split("=", 1)[0] for line in r.stdout.splitlines() if "=" in line}
    assert "AGUI_TOKEN" not in names and "PLAIN_SETTING" not in names
    assert "GITLAB_TOKEN" in names  # no longer a pattern: the user's explicit choice
    chk = subprocess.run([AIRLOCK, "policy", "check", pol], capture_output=True, text=True,
                         timeout=30, env=env())
    assert chk.returncode == 0, chk.stderr
    assert "\n[environment]\n" in chk.stdout
    assert "\ncredentials = AGUI_* PLAIN_*\n" in chk.stdout
    default = subprocess.run([AIRLOCK, "policy", "check", policy(box, 1)],
                             capture_output=True, text=True, timeout=30, env=env())
    assert "\ncredentials = *TOKEN* *SECRET*" in default.stdout


def test_secret_values_in_argv_become_placeholders(box, pki):
    """What /proc/self/cmdline and /proc/1/cmdline show inside: placeholders only."""
    use_pki(box, pki)
    pol = policy(box, 1)
    cfg = json.dumps({"mcpServers": {"jira": {"command": "x", "env": {"T": JIRA}}}})
    script = ("tr '\\0' '\\n' < /proc/self/cmdline; echo ---; "
              "tr '\\0' '\\n' < /proc/1/cmdline; echo; echo ---; echo \"$1\"")
    r = run_in(box, pol, ["/bin/sh", "-c", script, "sh", f"--token={TOKEN}", cfg],
               verbose=True)
    assert r.returncode == 0, r.stderr
    assert TOKEN not in r.stdout and JIRA not in r.stdout
    own, pid1, arg1 = r.stdout.split("---\n")
    assert f"--token={PH}TOKEN" in own
    assert json.loads(own.splitlines()[-1])["mcpServers"]["jira"]["env"]["T"] == PH + "MCP_TOKEN"
    assert arg1.strip() == f"--token={PH}TOKEN"
    assert "secret value(s) in the command's arguments replaced" in r.stderr


def test_secret_values_in_other_variables_become_placeholders(box, pki):
    """A variable not named like a credential may still carry a declared secret's value
    (an MCP configuration in the environment): inside it holds the placeholder."""
    use_pki(box, pki)
    pol = policy(box, 1)
    cfg = json.dumps({"mcpServers": {"jira": {"env": {"T": JIRA}}}})
    r = run_in(box, pol, ["/bin/sh", "-c", 'echo "$MCP_CONFIG"; echo "$GIT_OPTS"'],
               environ=env(MCP_CONFIG=cfg, GIT_OPTS=f"-c http.extraHeader=x:{TOKEN}"))
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    assert json.loads(first)["mcpServers"]["jira"]["env"]["T"] == PH + "MCP_TOKEN"
    assert second == f"-c http.extraHeader=x:{PH}TOKEN"
    assert TOKEN not in r.stdout and JIRA not in r.stdout


def test_mcp_child_from_argv_config_gets_injected_upstream(box, pki):
    """A tiny MCP-like child reads its token from the JSON config on its argv and sends
    it to the bound host: the upstream sees the real value, the sandbox never does."""
    use_pki(box, pki)
    child = os.path.join(box, "mcp_child.py")
    with open(child, "w") as f:
        f.write(textwrap.dedent("""\
            import json, subprocess, sys
            cfg = json.loads(sys.argv[1])
            tok = cfg["mcpServers"]["jira"]["env"]["JIRA_API_TOKEN"]
            out = subprocess.run(["curl", "-sS", "-m", "20", "-H",
                                  "Authorization: Bearer " + tok,
                                  "https://api.example.test/echo"],
                                 capture_output=True, text=True)
            print(out.stdout)
            print("token-inside=" + tok)
            """))
    os.chmod(child, 0o644)
    cfg = json.dumps({"mcpServers": {"jira": {"command": "mcp-jira",
                                              "env": {"JIRA_API_TOKEN": JIRA}}}})
    crt, key = pki.leaf("api.example.test")
    # the echo masks real values in its answers (body echoes are another matter)
    with TLSServer(crt, key, secrets={**MASKS, JIRA: "MCP_TOKEN"}) as api:
        pol = policy(box, api.port)
        r = run_in(box, pol, [PY, child, cfg])
        assert r.returncode == 0, r.stderr
        assert ("Authorization", "Bearer " + JIRA) in api.requests[0]["headers"]
        assert "token-inside=" + PH + "MCP_TOKEN" in r.stdout
        answer = json.loads(r.stdout.splitlines()[0])
        assert header(answer, "Authorization") == ["Bearer <REAL:MCP_TOKEN>"]
        assert JIRA not in r.stdout + r.stderr


OAUTH = ('{\n  "token": {"access_token": "ya29.REAL-%s", "expiry": "2026-12-03T10:00:00Z"},\n'
         '  "refresh_token" : "1//REAL-%s",\n  "client_id": "123.apps.googleusercontent.com",\n'
         '  "client_secret": "GOCSPX-REAL\\/%s",\n  "scopes": ["a", "b"]\n}\n')


def test_json_credential_file_shows_placeholders_in_its_members(box, pki):
    """A Google Workspace OAuth file: inside, the named members hold placeholders and
    every other byte is as it was; a request with the file's access token reaches the
    bound host with the real one."""
    use_pki(box, pki)
    sec = os.path.join(box, "sec")
    os.mkdir(sec, 0o700)
    tag = TOKEN[4:12]
    path = os.path.join(sec, "oauth.json")
    text = OAUTH % (tag, tag, tag)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    real = json.loads(text)
    crt, key = pki.leaf("api.example.test")
    masks = {**MASKS, real["token"]["access_token"]: "GW_ACCESS"}
    with TLSServer(crt, key, secrets=masks) as api:
        pol = policy(box, api.port, f"""\
            [secret GW_ACCESS]
            hosts = api.example.test
            file = {path}
            json = token.access_token
            [secret GW_REFRESH]
            hosts = oauth2.example.test
            file = {path}
            json = refresh_token
            [secret GW_CLIENT]
            hosts = oauth2.example.test
            file = {path}
            json = client_secret
            """)
        script = textwrap.dedent(f"""\
            import json, subprocess, sys
            raw = open({path!r}).read()
            print(json.dumps(raw))
            tok = json.loads(raw)["token"]["access_token"]
            out = subprocess.run(["curl", "-sS", "-m", "20", "-H", "Authorization: Bearer " + tok,
                                  "https://api.example.test/echo"], capture_output=True, text=True)
            print(out.stdout)
            """)
        r = run_in(box, pol, [PY, "-c", script])
        assert r.returncode == 0, r.stderr
        inside = json.loads(r.stdout.splitlines()[0])
        want = (text.replace(real["token"]["access_token"], PH + "GW_ACCESS")
                    .replace(real["refresh_token"], PH + "GW_REFRESH")
                    .replace("GOCSPX-REAL\\/" + tag, PH + "GW_CLIENT"))
        assert inside == want  # byte-identical but for the three members
        for v in (real["token"]["access_token"], real["refresh_token"], real["client_secret"]):
            assert v not in r.stdout and v.replace("/", "\\/") not in r.stdout
        assert ("Authorization", "Bearer " + real["token"]["access_token"]) in \
            api.requests[0]["headers"]
        assert "Bearer <REAL:GW_ACCESS>" in r.stdout  # what the echo says it received
    # Outside, the file is untouched.
    assert open(path).read() == text
