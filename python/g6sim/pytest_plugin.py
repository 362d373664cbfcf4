"""The g6sim pytest plugin: ``pytest --g6sim scenarios/`` collects every scenario file (``*.ron``) as a test,
judged as ``g6sim check`` judges it.

A FAIL or EMPTY scenario fails its test with the first failing expectation and the command that reproduces
it; a scenario that does not load fails with every problem's file, line, column and hint. A recorded history
(``.jsonl``, ``.csv``, gzipped or not) is a test when it is named on the command line: it passes when its
replay reproduces every recorded status and depth. Options: ``--g6sim-seeds SPEC`` runs every scenario once
per seed, ``--g6sim-set KEY=VALUE`` (repeatable) and ``--g6sim-parity off|g6`` apply to every file. The
``G6_*`` environment is ignored, so a test's verdict depends on its files alone.
"""

from __future__ import annotations

import os

import pytest

import g6sim

HISTORY_SUFFIXES = (".jsonl", ".csv", ".jsonl.gz", ".csv.gz")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("g6sim", "g6sim scenarios as tests")
    group.addoption(
        "--g6sim",
        action="store_true",
        default=False,
        help="collect g6sim scenario files (*.ron), and histories named on the command line, as tests",
    )
    group.addoption("--g6sim-seeds", metavar="SPEC", default=None, help="run every scenario once per seed (N, a..b, a,b,c)")
    group.addoption(
        "--g6sim-set", metavar="KEY=VALUE", action="append", default=[], help="override a configuration key (repeatable)"
    )
    group.addoption("--g6sim-parity", metavar="MODE", choices=["off", "g6"], default=None, help="off or g6")


def pytest_configure(config: pytest.Config) -> None:
    """Options that cannot apply stop the session once, not each test."""
    if not config.getoption("g6sim"):
        return
    seeds, sets = config.getoption("g6sim_seeds"), config.getoption("g6sim_set")
    try:
        g6sim._check_options(seeds=seeds)
    except g6sim.ConfigError as e:
        raise pytest.UsageError(f"--g6sim-seeds {seeds}: {e}") from None
    try:
        g6sim._check_options(sets=sets)
    except g6sim.ConfigError as e:
        raise pytest.UsageError(f"--g6sim-set: {e}") from None


def pytest_collect_file(file_path, parent):
    config = parent.config
    if not config.getoption("g6sim"):
        return None
    name = file_path.name
    if name.endswith(".ron") or (name.endswith(HISTORY_SUFFIXES) and parent.session.isinitpath(file_path)):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    """A scenario or history file: one test."""

    def collect(self):
        yield ScenarioItem.from_parent(self, name=self.path.name)


class ScenarioFailed(Exception):
    """A scenario's verdict was not PASS."""


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        option = self.config.getoption
        # Named from where pytest was started, so that the reproduction command runs from there.
        result = g6sim.check(
            [os.path.relpath(self.path, self.config.invocation_params.dir)],
            seeds=option("g6sim_seeds"),
            sets=option("g6sim_set"),
            parity=option("g6sim_parity"),
        )
        for warning in result.warnings:
            self.warn(pytest.PytestWarning(f"g6sim: {warning}"))
        (row,) = result.rows
        if row.verdict is not g6sim.Verdict.PASS:
            raise ScenarioFailed(row)

    def repr_failure(self, excinfo, style=None):
        if not isinstance(excinfo.value, ScenarioFailed):
            return super().repr_failure(excinfo, style)
        row: g6sim.CheckRow = excinfo.value.args[0]
        if row.verdict is g6sim.Verdict.ERROR:
            return f"{row.file}: ERROR\n{row.error}"
        lines = [f"{row.file}: {row.verdict}", f"  {row.first_failure}"]
        failing = [str(seed) for seed, verdict in row.seeds if verdict is not g6sim.Verdict.PASS]
        if failing:
            lines.append(f"  failing seeds: {', '.join(failing)}")
        if row.reproduction:
            lines.append(f"  reproduce: {row.reproduction}")
        return "\n".join(lines)

    def reportinfo(self):
        return self.path, None, f"g6sim: {self.path.name}"
