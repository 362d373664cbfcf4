"""g6sim from Python: run, replay, sweep and check G6 collector scenarios.

Each function runs the same deterministic simulation as the ``g6sim`` command (installed with this package)
and returns its results as Python objects, with the per-cycle summaries, the events and a sweep's rows as
``pyarrow.Table`` (``polars.from_arrow(table)`` and ``table.to_pandas()`` read them as they are). Options are
keyword-only; the ``G6_*`` environment is ignored unless ``use_env=True``, so a notebook's environment cannot
change a verdict. A scenario that does not load raises :class:`ScenarioError`, with the file, line, column and
hint of every problem. See docs/python.md.
"""

from __future__ import annotations

import enum
import json
import operator
import os
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as pa

from . import _native

__version__ = _native.__version__

__all__ = [
    "CheckResult",
    "CheckRow",
    "ConfigError",
    "Error",
    "Expectation",
    "Problem",
    "Recommendation",
    "Replay",
    "Run",
    "ScenarioError",
    "Sweep",
    "Verdict",
    "check",
    "replay",
    "run",
    "sweep",
]

PathLike = Union[str, "os.PathLike[str]"]


class Error(Exception):
    """A g6sim call that could not do its work; ``str()`` is what the command line prints after ``error:``."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Problem:
    """One problem of a scenario or history file: where it is (``line`` and ``column`` 1-based, 0 when the
    problem has no position), the field's ``path``, what is wrong and a hint."""

    file: str
    line: int
    column: int
    path: str
    message: str
    hint: str


class ScenarioError(Error, ValueError):
    """A scenario or history that does not load. The attributes are those of its first problem; ``problems``
    lists every problem found (all are reported at once)."""

    def __init__(self, text: str, problems: Sequence[Problem]):
        super().__init__(text)
        self.problems = tuple(problems)
        first = self.problems[0]
        self.file, self.line, self.column = first.file, first.line, first.column
        self.path, self.message, self.hint = first.path, first.message, first.hint

    def __reduce__(self):
        # Pickled (to another process, say) with its problems.
        return (type(self), (self.text, self.problems))


class ConfigError(Error, ValueError):
    """Options that cannot apply: a bad ``sets`` pair, parity, seed list or ``params`` spec, cycles beyond
    the calendar. (In :func:`check`, a ``sets`` pair that cannot apply makes each file an ERROR row, as in
    ``g6sim check``.)"""


class Verdict(str, enum.Enum):
    """A verdict, as ``g6sim`` prints it; true only for ``PASS``. ``ERROR`` is a check row's only."""

    PASS = "PASS"
    FAIL = "FAIL"
    EMPTY = "EMPTY"
    ERROR = "ERROR"

    def __bool__(self) -> bool:
        return self is Verdict.PASS

    def __str__(self) -> str:
        return self.value

    @property
    def exit_code(self) -> int:
        """The command line's exit status for this verdict: 0 pass, 1 fail or empty, 2 error."""
        return {"PASS": 0, "FAIL": 1, "EMPTY": 1, "ERROR": 2}[self.value]


@dataclass(frozen=True)
class Expectation:
    """One expectation of a scenario and its outcome (``cycle``: the cycle the verdict points at, if any)."""

    expectation: str
    passed: bool
    detail: str
    cycle: Optional[int]


@dataclass(frozen=True)
class Run:
    """A scenario's run. ``cycles``: one row per cycle, index and expiry (the fields of ``cycles.jsonl``);
    ``events``: one row per event of ``events.jsonl``."""

    name: str
    file: str
    seed: int
    cycle_count: int
    parity: str
    verdict: Verdict
    expectations: Tuple[Expectation, ...]
    warnings: Tuple[str, ...]
    cycles: pa.Table
    events: pa.Table

    @property
    def failures(self) -> Tuple[Expectation, ...]:
        """The expectations that failed, in order."""
        return tuple(e for e in self.expectations if not e.passed)


@dataclass(frozen=True)
class Replay:
    """A recorded history replayed and compared with what it recorded (``differences``: one line each)."""

    name: str
    file: str
    cycle_count: int
    verdict: Verdict
    differences: Tuple[str, ...]
    statuses_compared: int
    depths_compared: int
    warnings: Tuple[str, ...]
    cycles: pa.Table
    events: pa.Table


@dataclass(frozen=True)
class CheckRow:
    """One file of a check, as ``g6sim check`` prints it. ``first_failure`` and ``reproduction`` (the command
    that reruns it) are ``None`` for a PASS; ``error`` is an ERROR's reason; ``seeds`` pairs each seed with its
    verdict when the check ran seeds."""

    file: str
    verdict: Verdict
    first_failure: Optional[str]
    reproduction: Optional[str]
    error: Optional[str]
    seeds: Tuple[Tuple[int, Verdict], ...]


@dataclass(frozen=True)
class CheckResult:
    """Every file's row, and the exit status ``g6sim check`` would give."""

    rows: Tuple[CheckRow, ...]
    exit_code: int
    warnings: Tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True)
class Recommendation:
    """The setting a sweep recommends (its number, the swept keys' values) and why."""

    setting: int
    values: Mapping[str, str]
    why: str


@dataclass(frozen=True)
class Sweep:
    """A sweep's results: one row per setting (the columns of ``results.csv``), a suite's per setting and member
    (``members.csv``), the recommendation, and the directory written (``None`` when nothing was)."""

    name: str
    runs: int
    results: pa.Table
    members: Optional[pa.Table]
    recommended: Optional[Recommendation]
    warnings: Tuple[str, ...]
    out: Optional[str]


_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(), "string": pa.string()}


def _table(columns: Sequence[Mapping[str, Any]]) -> pa.Table:
    def values(column: Mapping[str, Any]) -> list:
        if column["type"] == "float64":
            # JSON has no NaN or infinity: such a value comes as its text.
            return [float(v) if isinstance(v, str) else v for v in column["values"]]
        return column["values"]

    return pa.table({c["name"]: pa.array(values(c), type=_TYPES[c["type"]]) for c in columns})


def _call(function, *args) -> Any:
    answer = json.loads(function(*args))
    if "ok" in answer:
        return answer["ok"]
    error = answer["error"]
    kind, text = error["kind"], error["text"]
    if kind == "scenario":
        raise ScenarioError(text, [Problem(**p) for p in error["problems"]])
    if kind == "config":
        raise ConfigError(text)
    if kind == "output":
        raise OSError(text)
    raise Error(text)


def _strings(values: Union[None, str, Iterable[str]], what: str) -> list:
    """One string or an iterable of strings (never a string's characters)."""
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    if isinstance(values, (bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{what}: expected a string or a list of strings, not {type(values).__name__}")
    return [_word(v) for v in values]


def _sets(sets: Union[None, str, Mapping[str, Any], Iterable[str]]) -> list:
    if isinstance(sets, Mapping):
        return [f"{key}={_word(value)}" for key, value in sets.items()]
    return _strings(sets, "sets")


def _word(value: Any) -> str:
    """A value as the command line writes it: ``true``/``false`` for a bool."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (bytes, Mapping)):
        raise TypeError(f"expected a number or a string, not {type(value).__name__}")
    return str(value)


def _seed(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a seed is a whole number, not a bool")
    return operator.index(value)


def _seeds(seeds: Union[None, int, str, Iterable[int]]) -> Optional[str]:
    """A seeds spec as the command line takes it: a count N (seeds 1..N), a range ``a..b[:step]``, a list."""
    if seeds is None or isinstance(seeds, str):
        return seeds
    if hasattr(seeds, "__index__"):
        return str(_seed(seeds))
    if isinstance(seeds, (bytes, Mapping)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds: expected a count, a spec or a list of seeds, not {type(seeds).__name__}")
    listed = [str(_seed(s)) for s in seeds]
    if not listed:
        raise ConfigError("seeds: the list is empty")
    # One number alone is a count: one seed is the range from it to itself.
    return f"{listed[0]}..{listed[0]}" if len(listed) == 1 else ",".join(listed)


def _path(path: PathLike) -> str:
    return os.fsdecode(path)


def _paths(paths: Union[None, PathLike, Iterable[PathLike]]) -> list:
    if paths is None:
        return []
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [_path(paths)]
    return [_path(p) for p in paths]


def _check_options(seeds=None, sets=None, parity=None) -> None:
    """Raises :class:`ConfigError` for options no file can run with (the pytest plugin checks its own once)."""
    _call(_native.check_options, _seeds(seeds), _sets(sets), parity)


def run(
    scenario: PathLike,
    *,
    seed: Optional[int] = None,
    cycles: Optional[int] = None,
    sets: Union[None, Mapping[str, Any], Iterable[str]] = None,
    parity: Optional[str] = None,
    use_env: bool = False,
) -> Run:
    """Runs a scenario file, as ``g6sim run SCENARIO`` does (nothing is written).

    ``sets`` overrides configuration keys (a mapping, or ``"key=value"`` strings, as ``--set``); ``parity`` is
    ``"off"`` or ``"g6"``."""
    r = _call(_native.run, _path(scenario), seed, cycles, _sets(sets), parity, use_env)
    return Run(
        name=r["name"],
        file=r["file"],
        seed=r["seed"],
        cycle_count=r["cycle_count"],
        parity=r["parity"],
        verdict=Verdict(r["verdict"]),
        expectations=tuple(Expectation(**e) for e in r["expectations"]),
        warnings=tuple(r["warnings"]),
        cycles=_table(r["tables"]["cycles"]),
        events=_table(r["tables"]["events"]),
    )


def replay(
    history: PathLike,
    *,
    sets: Union[None, Mapping[str, Any], Iterable[str]] = None,
    parity: Optional[str] = None,
    depth: Union[None, str, Iterable[str]] = None,
    use_env: bool = False,
) -> Replay:
    """Replays a recorded history (JSONL, CSV or a directory of benchmark artifacts), as ``g6sim replay`` does.

    ``depth`` gives starting depths as ``--depth`` does: ``N`` for every index or ``"SYMBOL=N"``, or a list."""
    depths = [str(_seed(depth))] if hasattr(depth, "__index__") else _strings(depth, "depth")
    r = _call(_native.replay, _path(history), _sets(sets), parity, depths, use_env)
    return Replay(
        name=r["name"],
        file=r["file"],
        cycle_count=r["cycle_count"],
        verdict=Verdict(r["verdict"]),
        differences=tuple(r["differences"]),
        statuses_compared=r["statuses_compared"],
        depths_compared=r["depths_compared"],
        warnings=tuple(r["warnings"]),
        cycles=_table(r["tables"]["cycles"]),
        events=_table(r["tables"]["events"]),
    )


def check(
    paths: Union[None, PathLike, Iterable[PathLike]] = None,
    *,
    seeds: Union[None, int, str, Iterable[int]] = None,
    sets: Union[None, Mapping[str, Any], Iterable[str]] = None,
    parity: Optional[str] = None,
    use_env: bool = False,
) -> CheckResult:
    """Checks scenario files, directories and histories, as ``g6sim check`` does (none: ``scenarios/`` of the
    working directory). A file that does not load is an ERROR row, not an exception; what stops the whole
    check (no file to check) raises :class:`Error`."""
    if paths is not None and not _paths(paths):
        raise Error("no file to check: `paths` is empty (leave it out to check scenarios/)")
    r = _call(_native.check, _paths(paths), _seeds(seeds), _sets(sets), parity, use_env)
    rows = tuple(
        CheckRow(
            file=row["file"],
            verdict=Verdict(row["verdict"]),
            first_failure=row["first_failure"],
            reproduction=row["reproduction"],
            error=row["error"],
            seeds=tuple((s["seed"], Verdict(s["verdict"])) for s in row["seeds"]),
        )
        for row in r["rows"]
    )
    return CheckResult(rows=rows, exit_code=r["exit_code"], warnings=tuple(r["warnings"]))


def sweep(
    scenarios: Union[PathLike, Iterable[PathLike]],
    params: Union[Mapping[str, Any], Iterable[str]],
    *,
    seeds: Union[None, int, str, Iterable[int]] = None,
    sets: Union[None, Mapping[str, Any], Iterable[str]] = None,
    parity: Optional[str] = None,
    out: Optional[PathLike] = None,
    force: bool = False,
    jobs: Optional[int] = None,
    use_env: bool = False,
) -> Sweep:
    """Sweeps settings over seeds, as ``g6sim sweep`` does: one scenario, or a suite of several.

    ``params`` maps each key to its values (a list, or a spec such as ``"1,2,3"`` or ``"0.5..0.9:0.1"``), or
    lists ``"key=spec"`` strings. ``seeds`` is a count, a spec or a list (default: the sweep's, 1..8). With
    ``out`` the sweep writes its files and charts into that directory, as ``--out`` does; without, it writes
    nothing. ``jobs`` threads (default: every core)."""
    if isinstance(params, Mapping):
        words = []
        for key, values in params.items():
            listed = isinstance(values, Iterable) and not isinstance(values, (str, bytes, Mapping))
            spec = ",".join(_word(v) for v in values) if listed else _word(values)
            words.append(f"{key}={spec}")
    else:
        words = _strings(params, "params")
    if not words:
        raise ConfigError("params: nothing to sweep: give each key its values, for example {'contract_ok_cycles': [2, 3]}")
    target = None if out is None else _path(out)
    if target == "":
        raise ConfigError("out: an empty path: name the sweep's directory")
    r = _call(
        _native.sweep, _paths(scenarios), words, _seeds(seeds), _sets(sets), parity, use_env, target, force, jobs or 0
    )
    recommended = r["recommended"]
    return Sweep(
        name=r["name"],
        runs=r["runs"],
        results=_table(r["results"]),
        members=None if r["members"] is None else _table(r["members"]),
        recommended=None if recommended is None else Recommendation(**recommended),
        warnings=tuple(r["warnings"]),
        out=r["out"],
    )
