"""The build: a static binary, offline builds from a folder of pinned tarballs (with no
network at all), and refusal of a tarball whose checksum does not match its pin."""
import os
import re
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


# --- the Debian packages each command installs (debian.packages) -------------------------

def package_groups(top=TOP):
    """{group: (why, [packages])} from debian.packages, the tree's one list."""
    groups = {}
    for line in open(os.path.join(top, "debian.packages")):
        if line.startswith("#") or line.count("|") != 2:
            continue
        name, why, pkgs = (f.strip() for f in line.split("|"))
        groups[name] = (why, pkgs.split())
    return groups


def all_packages():
    """Every package named, a cmd:NAME entry as its package NAME."""
    return sorted({p.removeprefix("cmd:") for _, pkgs in package_groups().values()
                   for p in pkgs})


def fake_dpkg(admindir, installed):
    """A dpkg database in which exactly `installed` are installed."""
    os.makedirs(os.path.join(admindir, "updates"), exist_ok=True)
    with open(os.path.join(admindir, "status"), "w") as f:
        for p in installed:
            f.write(f"Package: {p}\nStatus: install ok installed\nPriority: optional\n"
                    f"Maintainer: test\nArchitecture: amd64\nVersion: 1\n"
                    f"Description: fake\n\n")
    return admindir


def fake_apt_get(bindir, log):
    """An apt-get first in PATH that only records how it was called."""
    os.makedirs(bindir, exist_ok=True)
    path = os.path.join(bindir, "apt-get")
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\necho "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >>{log}\n')
    os.chmod(path, 0o755)
    return bindir


@pytest.mark.parametrize("command,missing,why", [
    ("build", "gperf", "to build the static binary"),
    ("demo", "curl", "for the demo"),
    ("test", "clang", "to build the fuzzers"),
])
def test_missing_package_without_root_prints_the_apt_line_and_builds_nothing(
        root, tree, command, missing, why):
    admin = fake_dpkg(os.path.join(tree, "dpkg"), [p for p in all_packages() if p != missing])
    subprocess.run(["chown", "-R", "65534:65534", tree], check=True)
    os.chmod(tree, 0o755)
    r = run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
             "env", f"AIRLOCK_DPKG_ADMINDIR={admin}", "./build.sh", command], cwd=tree)
    assert r.returncode != 0
    assert r.stderr.splitlines() == [
        f"build.sh: missing Debian packages: {missing} ({why}). Not root, so not "
        f"installing them; as root, run: apt-get install --no-install-recommends {missing}"]
    assert not os.path.exists(os.path.join(tree, "out")), "it went on to build"


def test_missing_packages_without_apt_get_print_the_apt_line_and_build_nothing(root, tree):
    admin = fake_dpkg(os.path.join(tree, "dpkg"),
                      [p for p in all_packages() if p not in ("gperf", "musl-tools")])
    # A PATH holding every command of this machine but apt-get.
    farm = os.path.join(tree, "bin")
    os.makedirs(farm)
    for d in ("/usr/sbin", "/usr/bin"):
        for name in os.listdir(d):
            if name != "apt-get" and not os.path.exists(os.path.join(farm, name)):
                os.symlink(os.path.join(d, name), os.path.join(farm, name))
    r = run(["env", f"PATH={farm}", f"AIRLOCK_DPKG_ADMINDIR={admin}", "./build.sh"],
            cwd=tree)
    assert r.returncode != 0
    assert r.stderr.splitlines() == [
        "build.sh: missing Debian packages: musl-tools gperf (to build the static binary). "
        "apt-get not found, so not installing them; install them as: "
        "apt-get install --no-install-recommends musl-tools gperf"]
    assert not os.path.exists(os.path.join(tree, "out")), "it went on to build"


def test_missing_packages_as_root_are_installed_with_one_line(root, tree):
    log = os.path.join(tree, "apt-get.calls")
    bindir = fake_apt_get(os.path.join(tree, "fakebin"), log)
    admin = fake_dpkg(os.path.join(tree, "dpkg"),
                      [p for p in all_packages() if p not in ("gperf", "curl", "python3")])
    r = run(["env", f"PATH={bindir}:{os.environ['PATH']}", f"AIRLOCK_DPKG_ADMINDIR={admin}",
             "./build.sh", "deps", "demo"], cwd=tree)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [
        "build.sh: installing gperf (to build the static binary), curl python3 (for the demo)"]
    assert open(log).read().splitlines() == [
        "DEBIAN_FRONTEND=noninteractive -q update",
        "DEBIAN_FRONTEND=noninteractive -q -y install --no-install-recommends gperf curl python3"]


def test_nothing_is_installed_when_everything_is_there(root, tree):
    log = os.path.join(tree, "apt-get.calls")
    bindir = fake_apt_get(os.path.join(tree, "fakebin"), log)
    admin = fake_dpkg(os.path.join(tree, "dpkg"), all_packages())
    for command in ("build", "demo", "unit", "fuzz", "integration", "test", "bench"):
        r = run(["env", f"PATH={bindir}:{os.environ['PATH']}", f"AIRLOCK_DPKG_ADMINDIR={admin}",
                 "./build.sh", "deps", command], cwd=tree)
        assert (r.returncode, r.stderr) == (0, ""), command
    # This machine's own database: the suite runs after ./build.sh put everything there.
    r = run(["env", f"PATH={bindir}:{os.environ['PATH']}", "./build.sh", "deps",
             "integration"], cwd=tree)
    assert (r.returncode, r.stderr) == (0, "")
    assert not os.path.exists(log), "apt-get was called"


def test_a_cmd_package_is_installed_only_when_its_command_is_missing(root, tree):
    # npm: Debian's would replace a nodejs not from Debian, which brings its own npm.
    assert "cmd:npm" in package_groups()["integration"][1]
    log = os.path.join(tree, "apt-get.calls")
    bindir = fake_apt_get(os.path.join(tree, "fakebin"), log)
    admin = fake_dpkg(os.path.join(tree, "dpkg"), [p for p in all_packages() if p != "npm"])
    # A PATH with every command of this machine but npm.
    farm = os.path.join(tree, "bin")
    os.makedirs(farm)
    for d in ("/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for name in os.listdir(d) if os.path.isdir(d) else ():
            if name not in ("npm", "apt-get") and not os.path.exists(os.path.join(farm, name)):
                os.symlink(os.path.join(d, name), os.path.join(farm, name))
    r = run(["env", f"PATH={bindir}:{farm}", f"AIRLOCK_DPKG_ADMINDIR={admin}",
             "./build.sh", "deps", "integration"], cwd=tree)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == ["build.sh: installing npm (for the integration tests)"]
    assert open(log).read().splitlines()[-1].endswith("--no-install-recommends npm")
    # An npm on PATH, not in dpkg's database (NodeSource's nodejs brings one): nothing.
    os.remove(log)
    with open(os.path.join(bindir, "npm"), "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(os.path.join(bindir, "npm"), 0o755)
    r = run(["env", f"PATH={bindir}:{farm}", f"AIRLOCK_DPKG_ADMINDIR={admin}",
             "./build.sh", "deps", "integration"], cwd=tree)
    assert (r.returncode, r.stderr) == (0, "")
    assert not os.path.exists(log), "apt-get was called"


def test_the_package_list_is_in_one_place():
    groups = package_groups()
    assert "gperf" in groups["build"][1], "libseccomp's configure needs gperf"
    names = all_packages()
    # .ci/run runs what a user runs, and lists no package itself.
    ci = [l.strip() for l in open(os.path.join(TOP, ".ci", "run"))
          if l.strip() and not l.startswith("#")]
    assert ci == ["set -euo pipefail", 'cd "$(dirname "$0")/.."',
                  "export DEBIAN_FRONTEND=noninteractive", "./build.sh test"]
    # The Containerfile's build stage takes its packages from build.sh too.
    stage = open(os.path.join(TOP, "Containerfile")).read().split("AS build")[1]
    stage = stage.split("\nFROM ")[0]
    assert "./build.sh deps build" in stage
    assert "apt-get install" not in stage
    # build.sh installs only what debian.packages says.
    script = open(os.path.join(TOP, "build.sh")).read()
    installs = [l for l in script.splitlines() if "install --no-install-recommends" in l]
    assert installs and all("$missing" in l or "${missing}" in l for l in installs)
    for name in names:
        assert not re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", stage), name
