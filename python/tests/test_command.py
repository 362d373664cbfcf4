"""The package's `g6sim` command is the Rust binary's command line: same bytes, same exit statuses."""

import subprocess
import sys
from pathlib import Path

from conftest import binary, command


def test_the_command_writes_the_binarys_bytes(tmp_path):
    for name, program in [("package", None), ("binary", binary())]:
        args = ["run", "scenarios/memory_pressure.ron", "--no-env", "--out", str(tmp_path / name)]
        done = command(*args) if program is None else subprocess.run([str(program), *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        (tmp_path / f"{name}.stdout").write_text(done.stdout.replace(str(tmp_path / name), "OUT"))
    assert (tmp_path / "package.stdout").read_text() == (tmp_path / "binary.stdout").read_text()
    for file in ["events.jsonl", "cycles.jsonl", "metrics.prom", "manifest.json"]:
        assert (tmp_path / "package" / file).read_bytes() == (tmp_path / "binary" / file).read_bytes(), file


def test_the_command_exits_as_the_binary_does():
    version = command("--version")
    assert version.returncode == 0
    assert version.stdout == subprocess.run([str(binary()), "--version"], capture_output=True, text=True).stdout
    assert command("check", "scenarios/walk.ron", "--seeds", "3,4", "--set", "prefilter_max_instruments=90", "--no-env").returncode == 1
    bad = command("run", "scenarios/walk.ron", "--set", "bogus=1")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --set bogus: unknown key")
    typo = command("rnu")
    assert typo.returncode == 2 and "unrecognized subcommand 'rnu'" in typo.stderr and "Usage: g6sim" in typo.stderr


def test_a_closed_pipe_ends_no_command_with_a_traceback():
    script = f"'{Path(sys.executable).parent / 'g6sim'}' check --no-env | head -1"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert done.stdout.startswith("result scenario") and "Traceback" not in done.stderr, done.stderr
