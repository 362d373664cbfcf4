"""Fixtures of the Python package's tests: the checkout (every test runs in it, as the docs' commands do) and
the package's `g6sim` command beside the interpreter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def in_checkout(monkeypatch):
    monkeypatch.chdir(REPO)
    for name in [n for n in os.environ if n.startswith("G6_")]:
        monkeypatch.delenv(name)


def command(*args, cwd=None):
    """Runs the package's `g6sim` command (the console script of this environment)."""
    script = Path(sys.executable).parent / "g6sim"
    return subprocess.run([str(script), *args], capture_output=True, text=True, cwd=cwd)


def binary():
    """The Rust binary `cargo test` built, which the package's command must match byte for byte."""
    path = os.environ.get("G6SIM_BINARY")
    assert path, "G6SIM_BINARY names the g6sim binary to compare with (scripts/test sets it)"
    return Path(path)
