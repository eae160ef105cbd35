"""The top-level command line (spec section 1): --version, --help, and a clear 125 for
anything else."""
from conftest import run


def test_version_and_help(airlock):
    r = run([airlock, "--version"])
    assert r.returncode == 0 and r.stdout.startswith("airlock ") and r.stderr == ""
    r = run([airlock, "--help"])
    assert r.returncode == 0
    for usage in ("airlock init", "airlock sandbox-exec", "airlock policy check",
                  "airlock policy default", "--version"):
        assert usage in r.stdout, usage


def test_unknown_or_missing_command_is_125_with_one_reason(airlock):
    r = run([airlock, "frobnicate"])
    assert r.returncode == 125
    assert r.stderr == "airlock: unknown command 'frobnicate' (see airlock --help)\n"
    r = run([airlock])
    assert r.returncode == 125
    assert r.stderr.splitlines()[-1].startswith("airlock: no command given")
