"""The package's `g6sim` command is the Rust binary's command line: same bytes, same exit statuses."""

import signal
import subprocess
import sys
import time
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


def test_help_is_the_binarys():
    for args in (["--help"], ["run", "--help"]):
        assert command(*args).stdout == subprocess.run([str(binary()), *args], capture_output=True, text=True).stdout


def test_ctrl_c_stops_the_command_as_it_stops_the_binary(tmp_path):
    codes = []
    for program in [str(Path(sys.executable).parent / "g6sim"), str(binary())]:
        args = ["sweep", "scenarios/walk.ron", "--param", "contract_ok_cycles=2..5", "--seeds", "3000", "--jobs", "1"]
        child = subprocess.Popen([program, *args, "--out", str(tmp_path / "sweep"), "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.5)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
        assert b"Traceback" not in err, err
        codes.append(child.returncode)
    # A sweep does not catch Ctrl-C: both die of it, as any program does (a shell shows 130).
    assert codes == [-signal.SIGINT, -signal.SIGINT]
