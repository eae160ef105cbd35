"""`airlock policy check FILE` and `airlock policy default` on the real binary."""
import os
import re

from conftest import TOP, run

GOOD = """\
; a policy with every key
[sandbox]
user = 1000:1000
workdir = /workspace
landlock = best_effort

[filesystem]
read_only = /usr /lib   ; two items
read_only = ${AIRLOCK_IT_HOME}/.gitconfig
read_write = /tmp .

[network]
allow = API.Example.test *.githubusercontent.test:443
allow = [::1]:8443
passthrough = *.tunnel.test:443
map = api.example.test 127.0.0.1:8443
trust = TRUST
upstream_proxy = none
forward = 8090

[secret GITHUB_TOKEN]
hosts = github.test api.github.test
plaintext = no
body = yes
"""

BAD = """\
[sandbox]
user = 0
landlock = maybe
[filesystem]
read_only = relative/path
[network]
allow = *bad.test a..b.test
forward = 3128
trust = /no/such/ca.pem
[secret 9LIVES]
[secret EMPTY]
[bogus]
"""

# The line and a fragment of the message of every error in BAD, in file order.
BAD_ERRORS = [
    (2, "user: '0' is uid 0 (root)"),
    (3, "landlock = 'maybe' is not a mode"),
    (5, "read_only 'relative/path' is a relative path"),
    (7, "allow '*bad.test' has '*' where only a leading '*.' is allowed"),
    (7, "allow 'a..b.test' has an empty label"),
    (8, "forward 3128 is the proxy's own port"),
    (9, "trust '/no/such/ca.pem': No such file or directory"),
    (10, "bad secret name in [secret 9LIVES]"),
    (11, "[secret EMPTY] has no hosts"),
    (12, "unknown section [bogus]"),
]


def env_with(**kw):
    env = dict(os.environ)
    env.update(kw)
    return env


def test_check_good_file_prints_effective_policy(airlock, tmp_path):
    trust = tmp_path / "ca.pem"
    trust.write_text("not checked here\n")
    policy = tmp_path / "good.ini"
    policy.write_text(GOOD.replace("TRUST", str(trust)))
    r = run([airlock, "policy", "check", str(policy)], cwd=str(tmp_path),
            env=env_with(AIRLOCK_IT_HOME="/home/it"), timeout=10)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout
    for line in [
        "user = 1000:1000 ; uid 1000, gid 1000",
        "workdir = /workspace",
        "landlock = best_effort",
        "seccomp = required",  # the default, written out
        "read_only = /usr",
        "read_only = /lib",
        "read_only = /home/it/.gitconfig ; does not exist here: skipped",
        "read_write = /tmp",
        f"read_write = {tmp_path}",  # '.' is the working directory
        "allow = api.example.test",
        "allow = *.githubusercontent.test:443",
        "allow = [::1]:8443",
        "passthrough = *.tunnel.test:443",
        "map = api.example.test 127.0.0.1:8443",
        f"trust = {trust}",
        "upstream_proxy = none",
        "forward = 8090",
        "[secret GITHUB_TOKEN]",
        "hosts = github.test",
        "hosts = api.github.test",
        "plaintext = no",
        "body = yes",
    ]:
        assert line in out.splitlines(), f"missing {line!r} in:\n{out}"


def test_check_output_loads_again_unchanged(airlock, tmp_path):
    trust = tmp_path / "ca.pem"
    trust.write_text("x\n")
    first = tmp_path / "first.ini"
    first.write_text(GOOD.replace("TRUST", str(trust)))
    env = env_with(AIRLOCK_IT_HOME="/home/it")
    a = run([airlock, "policy", "check", str(first)], env=env, cwd=str(tmp_path), timeout=10)
    assert a.returncode == 0, a.stderr
    second = tmp_path / "second.ini"
    second.write_text(a.stdout)
    b = run([airlock, "policy", "check", str(second)], env=env, cwd=str(tmp_path), timeout=10)
    assert b.returncode == 0, b.stderr
    assert b.stdout == a.stdout


def test_check_bad_file_lists_every_error(airlock, tmp_path):
    policy = tmp_path / "bad.ini"
    policy.write_text(BAD)
    r = run([airlock, "policy", "check", str(policy)], timeout=10)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == len(BAD_ERRORS), r.stderr
    for line in lines:
        assert re.match(rf"airlock: {re.escape(str(policy))}:\d+: ", line), line
    for (lineno, text), line in zip(BAD_ERRORS, lines):
        assert line.startswith(f"airlock: {policy}:{lineno}: "), (lineno, line)
        assert text in line, (text, line)


def test_check_missing_file(airlock, tmp_path):
    missing = tmp_path / "nope.ini"
    r = run([airlock, "policy", "check", str(missing)], timeout=10)
    assert r.returncode == 2
    assert r.stderr == f"airlock: {missing}: cannot open the policy: No such file or directory " \
                       "(give the path of a readable policy file)\n"


def test_default_prints_embedded_profile(airlock):
    r = run([airlock, "policy", "default"], timeout=10)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    for want in ["[sandbox]", "[filesystem]", "[network]", "allow = api.anthropic.com",
                 "allow = *.anthropic.com", "allow = *.githubusercontent.com",
                 "allow = gitlab.com", "[secret ANTHROPIC_API_KEY]", "[secret GITHUB_TOKEN]",
                 "[secret GH_TOKEN]", "[secret GITLAB_TOKEN]", "read_write = .",
                 "${HOME}/.claude"]:
        assert want in text, want


def test_default_checks_and_round_trips(airlock, tmp_path):
    d = tmp_path / "default.ini"
    d.write_text(run([airlock, "policy", "default"], timeout=10).stdout)
    env = env_with(HOME="/home/someone")
    a = run([airlock, "policy", "check", str(d)], env=env, cwd=str(tmp_path), timeout=10)
    assert a.returncode == 0, a.stderr
    # ${HOME}/.claude does not exist here: printed with a comment saying it is skipped.
    assert "read_write = /home/someone/.claude ; does not exist here: skipped" \
        in a.stdout.splitlines()
    assert f"read_write = {tmp_path}" in a.stdout.splitlines()
    e = tmp_path / "effective.ini"
    e.write_text(a.stdout)
    b = run([airlock, "policy", "check", str(e)], env=env, cwd=str(tmp_path), timeout=10)
    assert b.returncode == 0, b.stderr
    assert b.stdout == a.stdout


def test_default_without_home_names_the_variable(airlock, tmp_path):
    d = tmp_path / "default.ini"
    d.write_text(run([airlock, "policy", "default"], timeout=10).stdout)
    env = {k: v for k, v in os.environ.items() if k != "HOME"}
    r = run([airlock, "policy", "check", str(d)], env=env, timeout=10)
    assert r.returncode == 2
    assert "uses ${HOME}, which is not set in the environment" in r.stderr
    assert all(line.startswith(f"airlock: {d}:") for line in r.stderr.splitlines())


def test_secret_value_never_printed(airlock, tmp_path):
    policy = tmp_path / "p.ini"
    policy.write_text("[filesystem]\nread_only = ${IT_TOKEN}/x\n"
                      "[secret IT_TOKEN]\nhosts = a.test\n")
    r = run([airlock, "policy", "check", str(policy)],
            env=env_with(IT_TOKEN="/ghp_itsecretvalue"), timeout=10)
    assert r.returncode == 2
    assert "uses ${IT_TOKEN}, which is a secret" in r.stderr
    assert "ghp_itsecretvalue" not in r.stderr + r.stdout


def test_usage_errors(airlock):
    for args, what in [
        ([], "no sub-command given"),
        (["check"], "no FILE given"),
        (["check", ""], "no FILE given"),
        (["check", "a", "b"], "takes one FILE only"),
        (["default", "x"], "takes no arguments"),
        (["frobnicate"], "unknown sub-command 'frobnicate'"),
    ]:
        r = run([airlock, "policy", *args], timeout=10)
        assert r.returncode == 125, args
        assert r.stdout == ""
        last = r.stderr.splitlines()[-1]
        assert last.startswith("airlock: policy"), r.stderr
        assert what in last, (what, last)


def test_help(airlock):
    r = run([airlock, "policy", "--help"], timeout=10)
    assert r.returncode == 0
    assert "airlock policy check FILE" in r.stdout


def test_example_policies_are_valid(airlock):
    examples = sorted((TOP / "test" / "policies").glob("*.ini"))
    assert examples, "no example policies under test/policies"
    for path in examples:
        r = run([airlock, "policy", "check", str(path)], timeout=10)
        assert r.returncode == 0, (path, r.stderr)
        assert "[network]" in r.stdout
