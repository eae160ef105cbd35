"""The build: a static binary, offline builds from a folder of pinned tarballs (with no
network at all), and refusal of a tarball whose checksum does not match its pin."""
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import AIRLOCK, TOP, run

PINNED = ["bearssl_0.6+dfsg.1.orig.tar.xz", "libseccomp_2.5.4.orig.tar.gz",
          "libinih_59.orig.tar.gz"]


def test_binary_is_static_stripped_and_small(airlock):
    out = run(["file", "-L", airlock]).stdout
    assert "statically linked" in out and "stripped" in out and "not stripped" not in out
    assert "x86-64" in out
    # Under 1 MiB with everything in it (the brief's budget).
    assert os.path.getsize(airlock) < 1 << 20
    link = os.path.join(os.path.dirname(airlock), "sandbox-exec")
    assert os.path.realpath(link) == os.path.realpath(airlock)


@pytest.fixture
def tree():
    """A copy of the tracked sources, without any build output."""
    d = tempfile.mkdtemp(prefix="airlock-build-")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=TOP, capture_output=True,
                           check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = os.path.join(TOP, f.decode())
        dst = os.path.join(d, f.decode())
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def deps_dir(into):
    """The pinned orig tarballs the main build already fetched and verified."""
    os.makedirs(into, exist_ok=True)
    for name in PINNED:
        shutil.copy2(os.path.join(TOP, "out", "sources", name), into)
    return into


def test_offline_build_from_a_deps_folder_without_network(root, tree):
    deps = deps_dir(os.path.join(tree, "deps-offline"))
    # A new network namespace has no route anywhere: any download would fail.
    r = run(["unshare", "--net", "env", f"AIRLOCK_DEPS_DIR={deps}", "./build.sh"],
            cwd=tree, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    built = os.path.join(tree, "out", "airlock")
    assert "statically linked" in run(["file", built]).stdout
    assert run([built, "--version"]).stdout.startswith("airlock ")
    assert not os.path.exists(os.path.join(tree, "out", "apt")), "apt was used"


def test_tarball_with_wrong_checksum_is_refused(root, tree):
    deps = deps_dir(os.path.join(tree, "deps-bad"))
    with open(os.path.join(deps, "libinih_59.orig.tar.gz"), "r+b") as f:
        f.seek(100)
        f.write(b"tampered")
    r = run(["unshare", "--net", "env", f"AIRLOCK_DEPS_DIR={deps}", "./build.sh"],
            cwd=tree, timeout=600)
    assert r.returncode != 0
    assert "does not match its pinned SHA-256" in r.stderr
    assert "no pinned candidate of libinih" in r.stderr
    assert not os.path.exists(os.path.join(tree, "out", "airlock"))


def test_fetch_fills_a_folder_with_the_verified_tarballs_only(root, tree):
    """`./build.sh fetch DIR` downloads the pinned sources (through deb-src lines derived
    from this machine's apt sources) and keeps just the verified orig tarballs."""
    dest = os.path.join(tree, "fetched")
    r = run(["./build.sh", "fetch", dest], cwd=tree, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(os.listdir(dest)) == sorted(PINNED)
    pins = {}
    for line in open(os.path.join(tree, "deps.lock")):
        parts = line.split()
        if len(parts) == 5 and not line.startswith("#"):
            pins[parts[3]] = parts[4]
    for name in PINNED:
        digest = run(["sha256sum", os.path.join(dest, name)]).stdout.split()[0]
        assert digest == pins[name], name
