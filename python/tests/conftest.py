"""Fixtures of the Python package's tests: the checkout (every test runs in it, as the docs' commands do) and
the package's `g6sim` command beside the interpreter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Read before any test clears the G6SIM* variables.
BINARY = os.environ.get("G6SIM_BINARY")

pytest_plugins = ["pytester"]


def read_by_g6sim(name):
    """Whether g6sim reads the variable (as `read_by_g6sim` of tests/common.rs says): the settings `G6_*`, a
    sweep's shard (`SLURM_*`, `JOB_COMPLETION_INDEX`), clap's colour switches, GitHub's step summary."""
    fixed = ("JOB_COMPLETION_INDEX", "CLICOLOR_FORCE", "CLICOLOR", "NO_COLOR", "GITHUB_STEP_SUMMARY")
    return name.startswith(("G6_", "G6SIM", "SLURM_")) or name in fixed


@pytest.fixture(autouse=True)
def in_checkout(monkeypatch):
    """Every test runs in the checkout, and neither it nor a command it starts sees a variable g6sim reads."""
    monkeypatch.chdir(REPO)
    for name in [n for n in os.environ if read_by_g6sim(n)]:
        monkeypatch.delenv(name)


def command(*args, cwd=None):
    """Runs the package's `g6sim` command (the console script of this environment)."""
    script = Path(sys.executable).parent / "g6sim"
    return subprocess.run([str(script), *args], capture_output=True, text=True, cwd=cwd)


def binary():
    """The Rust binary `cargo test` built, which the package's command must match byte for byte."""
    assert BINARY, "G6SIM_BINARY names the g6sim binary to compare with (scripts/test sets it)"
    return Path(BINARY)
