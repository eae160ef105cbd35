"""Shared fixtures for the integration tests.

The tests drive the real static binary (AIRLOCK, set by ./build.sh) with real clients.
They need root (as CI has): a test that needs it fails without it; nothing is skipped.
"""
import os
import pathlib
import socket
import subprocess

import pytest

TOP = pathlib.Path(__file__).resolve().parents[2]
AIRLOCK = os.environ.get("AIRLOCK", str(TOP / "out" / "airlock"))
TOOLS = TOP / "out" / "test" / "tools"


@pytest.fixture(scope="session")
def airlock():
    """Path of the static airlock binary under test."""
    assert os.path.exists(AIRLOCK), f"{AIRLOCK} missing: run ./build.sh first"
    return AIRLOCK


@pytest.fixture(scope="session")
def tools():
    """Folder of the test tools built from test/tools/*.c."""
    return TOOLS


@pytest.fixture
def root():
    """Tests that need root take this fixture; without root they fail, never skip."""
    assert os.geteuid() == 0, "this test needs root (CI runs as root)"


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, timeout=60, **kw):
    """subprocess.run with text output captured and a timeout."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(args, timeout=timeout, **kw)
