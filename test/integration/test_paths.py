"""Paths the supervisor opens as root for the operator (issue 9, items 4 and 5).

A sandbox can write its read_write tree, and the next run's supervisor (root) opens files
there: the policy, the --audit file, trust files, secret files. A link planted in such a
path must not lead root elsewhere, and a token file the sandbox could change or rename
must be refused before anything runs. Each test plants what an earlier sandbox could, from
inside a real sandbox run where that is the point, and checks the next run's answer.
"""
import os
import subprocess
import tempfile
import textwrap

import pytest

from conftest import AIRLOCK, run

SBX = 65534
LINK_SENTENCE = ("is a symbolic link; airlock does not follow links in paths it opens as "
                 "root; give the real path")
TOUCH_SENTENCE = "a token file must live where the sandbox cannot touch it"
PH = "openshell:resolve:env:"


@pytest.fixture
def box(root):
    """A root-owned 0755 scratch folder with WORK, a folder the sandbox's uid owns (its
    read_write tree), and PROTECTED, a root-only folder."""
    d = tempfile.mkdtemp(prefix="airlock-paths-")
    os.chmod(d, 0o755)
    work = os.path.join(d, "work")
    os.mkdir(work)
    os.chown(work, SBX, SBX)
    os.mkdir(os.path.join(d, "protected"), 0o700)
    yield d
    subprocess.run(["rm", "-rf", d])


def policy(folder, extra="", name="policy.ini"):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = {SBX}:{SBX}

            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc
            read_write = {folder}/work /tmp

            [network]
            allow = api.example.test
            """) + textwrap.dedent(extra))
    return path


def sandbox(pol, cmd, *opts):
    return run([AIRLOCK, "sandbox-exec", "--policy", pol, *opts, "--", "/bin/sh", "-c", cmd])


def check(pol):
    return run([AIRLOCK, "policy", "check", pol])


def test_audit_path_through_a_link_planted_by_a_sandbox_is_refused(box):
    work, protected = os.path.join(box, "work"), os.path.join(box, "protected")
    pol = policy(box)
    r = sandbox(pol, f"ln -s {protected} {work}/logs")
    assert r.returncode == 0, r.stderr
    assert os.readlink(f"{work}/logs") == protected

    r = sandbox(pol, f"touch {work}/ran", "--audit", f"{work}/logs/audit.jsonl")
    assert r.returncode == 125, r.stderr
    assert r.stderr == (f"airlock: --audit {work}/logs/audit.jsonl: {work}/logs "
                        f"{LINK_SENTENCE}\n")
    assert os.listdir(protected) == []
    assert not os.path.exists(f"{work}/ran")


def test_audit_file_link_or_second_name_is_refused(box):
    work, protected = os.path.join(box, "work"), os.path.join(box, "protected")
    pol = policy(box)
    # A link as the last component, and a hard link to a root-only file.
    os.symlink(f"{protected}/new.jsonl", f"{work}/audit.jsonl")
    r = sandbox(pol, "true", "--audit", f"{work}/audit.jsonl")
    assert r.returncode == 125 and f"{work}/audit.jsonl {LINK_SENTENCE}" in r.stderr, r.stderr
    assert os.listdir(protected) == []
    with open(f"{protected}/log", "w") as f:
        f.write("root's own\n")
    os.link(f"{protected}/log", f"{work}/hard.jsonl")
    r = sandbox(pol, "true", "--audit", f"{work}/hard.jsonl")
    assert r.returncode == 125 and "hard links" in r.stderr, r.stderr
    with open(f"{protected}/log") as f:
        assert f.read() == "root's own\n"
    # The real path works, and the file is created 0600.
    os.mkdir(f"{box}/logs", 0o700)
    r = sandbox(pol, "true", "--audit", f"{box}/logs/audit.jsonl")
    assert r.returncode == 0, r.stderr
    assert os.stat(f"{box}/logs/audit.jsonl").st_mode & 0o777 == 0o600


def test_secret_folder_swapped_for_a_link_by_a_sandbox_is_refused(box):
    """Run 1 does `mv sec sec-old && ln -s /root-only/folder sec` in its read_write tree;
    run 2 must neither start nor read the root-only file as the secret's value."""
    work, protected = os.path.join(box, "work"), os.path.join(box, "protected")
    os.mkdir(f"{work}/sec", 0o755)
    with open(f"{work}/sec/token", "w") as f:
        f.write("ghp_REAL_TOKEN_0123456789\n")
    os.chmod(f"{work}/sec/token", 0o644)  # shown masked in place; readable once moved
    os.mkdir(f"{protected}/folder", 0o700)
    with open(f"{protected}/folder/token", "w") as f:
        f.write("ROOT_ONLY_CONTENT_42\n")
    os.chmod(f"{protected}/folder/token", 0o600)

    r = sandbox(policy(box, name="plain.ini"),
                f"cd {work} && mv sec sec-old && ln -s {protected}/folder sec")
    assert r.returncode == 0, r.stderr
    assert os.path.islink(f"{work}/sec")

    pol = policy(box, f"""\
        [secret TOK]
        hosts = api.example.test
        file = {work}/sec/token
        """)
    r = sandbox(pol, f"cat {work}/sec-old/token {work}/sec/token; touch {work}/ran")
    assert r.returncode == 125, r.stderr
    assert f"{pol}:12: file '{work}/sec/token': {work}/sec {LINK_SENTENCE}" in r.stderr, r.stderr
    assert not os.path.exists(f"{work}/ran")
    for out in (r.stdout, r.stderr):
        assert "ROOT_ONLY_CONTENT" not in out and "ghp_REAL_TOKEN" not in out
    r = check(pol)
    assert r.returncode == 2 and f"{work}/sec {LINK_SENTENCE}" in r.stderr, r.stderr


def test_secret_file_in_a_folder_the_sandbox_owns_is_refused(box):
    work = os.path.join(box, "work")
    os.mkdir(f"{work}/sec", 0o700)  # root's folder, but inside the sandbox's own
    with open(f"{work}/sec/token", "w") as f:
        f.write("ghp_REAL_TOKEN_0123456789\n")
    os.chmod(f"{work}/sec/token", 0o600)
    pol = policy(box, f"""\
        [secret TOK]
        hosts = api.example.test
        file = {work}/sec/token
        """)
    want = (f"{pol}:12: [secret TOK] file {work}/sec/token: the folder {work} is owned by "
            f"the sandbox's uid {SBX}, so the sandbox could rename {work}/sec or put a link "
            f"in its place; {TOUCH_SENTENCE}")
    r = sandbox(pol, f"touch {work}/ran")
    assert r.returncode == 125, r.stderr
    assert r.stderr.startswith("airlock: " + want), r.stderr
    assert not os.path.exists(f"{work}/ran")
    assert "ghp_REAL_TOKEN" not in r.stderr
    r = check(pol)
    assert r.returncode == 2 and r.stderr.startswith("airlock: " + want), r.stderr


def test_token_in_tmp_root_owned_works_sandbox_owned_is_refused(box):
    """/tmp is sticky: the sandbox cannot rename root's file there, so root's token in
    /tmp is fine; a token the sandbox's uid owns, or a folder it owns, is not."""
    fd, tok = tempfile.mkstemp(prefix="airlock-tok-", dir="/tmp")
    os.write(fd, b"ghp_TMP_TOKEN_0123456789\n")
    os.close(fd)
    sub = tempfile.mkdtemp(prefix="airlock-tokdir-", dir="/tmp")
    try:
        assert os.stat("/tmp").st_mode & 0o1777 == 0o1777
        pol = policy(box, f"""\
            [secret TOK]
            hosts = api.example.test
            file = {tok}
            """)
        r = sandbox(pol, f"cat {tok}")
        assert r.returncode == 0, r.stderr
        assert r.stdout == f"{PH}TOK\n", r.stdout
        assert check(pol).returncode == 0

        os.chown(tok, SBX, SBX)
        r = sandbox(pol, "true")
        assert r.returncode == 125, r.stderr
        assert f"{tok} is owned by the sandbox's uid {SBX}" in r.stderr, r.stderr
        assert TOUCH_SENTENCE in r.stderr

        os.chown(sub, SBX, SBX)
        with open(f"{sub}/token", "w") as f:
            f.write("ghp_TMP_TOKEN_0123456789\n")
        pol = policy(box, f"""\
            [secret TOK]
            hosts = api.example.test
            file = {sub}/token
            """, name="sub.ini")
        r = check(pol)
        assert r.returncode == 2, r.stderr
        assert (f"{sub} is owned by the sandbox's uid {SBX}, so the sandbox could rename it "
                f"or put a link in its place (the sticky folder /tmp lets it rename what it "
                f"owns); {TOUCH_SENTENCE}") in r.stderr, r.stderr
        assert "ghp_TMP_TOKEN" not in r.stderr
    finally:
        os.unlink(tok)
        subprocess.run(["rm", "-rf", sub])


def test_policy_through_a_linked_folder_is_refused(box):
    os.mkdir(f"{box}/real")
    pol = policy(f"{box}/real")
    os.mkdir(f"{box}/real/work")
    os.symlink(f"{box}/real", f"{box}/plink")
    want = f"airlock: {box}/plink/policy.ini: {box}/plink {LINK_SENTENCE}\n"
    r = check(f"{box}/plink/policy.ini")
    assert r.returncode == 2 and r.stderr == want, r.stderr
    r = sandbox(f"{box}/plink/policy.ini", "true")
    assert r.returncode == 125 and r.stderr.startswith(want), r.stderr
    assert check(pol).returncode == 0


def test_trust_file_through_a_linked_folder_is_refused(box):
    os.mkdir(f"{box}/pki")
    with open(f"{box}/pki/ca.pem", "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n")
    os.symlink(f"{box}/pki", f"{box}/work/pki")
    pol = policy(box, f"trust = {box}/work/pki/ca.pem\n")
    r = check(pol)
    assert r.returncode == 2, r.stderr
    assert (f"{pol}:10: trust '{box}/work/pki/ca.pem': {box}/work/pki {LINK_SENTENCE}"
            in r.stderr), r.stderr
    r = sandbox(pol, "true")
    assert r.returncode == 125 and f"{box}/work/pki {LINK_SENTENCE}" in r.stderr, r.stderr


def test_system_trust_store_default_path_still_works(box):
    """The default SSL_CERT_FILE path opens (Debian: a real file; elsewhere root's link),
    and it reaches the sandbox's bundle."""
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    assert os.path.isfile(bundle)
    env = {k: v for k, v in os.environ.items() if k != "SSL_CERT_FILE"}
    r = run([AIRLOCK, "sandbox-exec", "--policy", policy(box), "--", "/bin/sh", "-c",
             'grep -c "BEGIN CERTIFICATE" "$SSL_CERT_FILE"'], env=env)
    assert r.returncode == 0, r.stderr
    with open(bundle) as f:
        system = f.read().count("BEGIN CERTIFICATE")
    assert int(r.stdout) == system + 1  # the system roots plus the sandbox CA
