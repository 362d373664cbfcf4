"""The module's functions against the command line's files: the same runs, the same values."""

import csv
import json
import pickle

import pyarrow as pa
import pytest

import g6sim
from conftest import REPO, command

# Where each column of the cycles table is in cycles.jsonl: the record (cycle, index or expiry) and its keys.
CYCLE_COLUMNS = {
    "cycle": ("cycle", ["cycle"], pa.int64()),
    "time": ("cycle", ["time"], pa.string()),
    "elapsed_s": ("cycle", ["cycle_time", "elapsed_s"], pa.float64()),
    "sla_breach": ("cycle", ["cycle_time", "breach"], pa.bool_()),
    "index": ("index", ["index"], pa.string()),
    "index_status": ("index", ["status"], pa.string()),
    "price": ("index", ["price"], pa.float64()),
    "atm": ("index", ["atm"], pa.float64()),
    "depth_itm": ("index", ["depth", "itm"], pa.int64()),
    "depth_otm": ("index", ["depth", "otm"], pa.int64()),
    "ladder_itm": ("index", ["ladder_depth", "itm"], pa.int64()),
    "ladder_otm": ("index", ["ladder_depth", "otm"], pa.int64()),
    "healthy_streak": ("index", ["healthy_streak"], pa.int64()),
    "rule": ("expiry", ["rule"], pa.string()),
    "expiry_date": ("expiry", ["expiry_date"], pa.string()),
    "status": ("expiry", ["status"], pa.string()),
    "partial_reason": ("expiry", ["partial_reason"], pa.string()),
    "strike_coverage": ("expiry", ["strike_coverage"], pa.float64()),
    "field_coverage": ("expiry", ["field_coverage"], pa.float64()),
    "strikes_requested": ("expiry", ["strikes_requested"], pa.int64()),
    "instruments": ("expiry", ["instruments"], pa.int64()),
    "options": ("expiry", ["options"], pa.int64()),
    "failure": ("expiry", ["failure"], pa.string()),
    "clamp_dropped": ("expiry", ["clamp", "dropped"], pa.int64()),
    "synthetic": ("expiry", ["synthetic"], pa.bool_()),
}


def dig(record, keys):
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def expected_cycle_rows(path):
    rows = []
    for line in path.read_text().splitlines():
        cycle = json.loads(line)
        for index in cycle["indices"]:
            for expiry in index["expiries"] or [None]:
                records = {"cycle": cycle, "index": index, "expiry": expiry}
                rows.append({name: dig(records[level], keys) for name, (level, keys, _) in CYCLE_COLUMNS.items()})
    return rows


def files_of(tmp_path, *args):
    out = tmp_path / "out"
    done = command(*args, "--no-env", "-q", "--out", str(out))
    assert done.returncode in (0, 1), done.stderr
    return out


@pytest.mark.parametrize(
    "scenario, parity",
    [("scenarios/oversized_clamp.ron", None), ("scenarios/provider_outage.ron", "g6"), ("scenarios/memory_pressure.ron", None)],
)
def test_a_runs_tables_hold_the_values_of_its_jsonl_files(tmp_path, scenario, parity):
    run = g6sim.run(scenario, parity=parity)
    out = files_of(tmp_path, "run", scenario, *(["--parity", parity] if parity else []))
    assert run.cycles.schema == pa.schema([(name, kind) for name, (_, _, kind) in CYCLE_COLUMNS.items()])
    expected = expected_cycle_rows(out / "cycles.jsonl")
    assert run.cycles.num_rows == len(expected) > 0
    assert run.cycles.to_pylist() == expected
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert run.events.schema == pa.schema([("cycle", pa.int64()), ("event", pa.string()), ("index", pa.string()), ("data", pa.string())])
    assert run.events.num_rows == len(events) > 0
    got = [(r["cycle"], r["event"], r["index"], json.loads(r["data"])) for r in run.events.to_pylist()]
    assert got == [(e["cycle"], e["event"], e["data"].get("index"), e["data"]) for e in events]


def test_a_run_is_deterministic_and_takes_its_options():
    first, second = g6sim.run("scenarios/walk.ron", seed=4), g6sim.run("scenarios/walk.ron", seed=4)
    assert first.cycles.equals(second.cycles) and first.events.equals(second.events)
    assert (first.name, first.seed, first.cycle_count, first.parity) == ("walk", 4, 10, "off")
    assert first.verdict is g6sim.Verdict.PASS and first.verdict and first.failures == ()
    assert not first.cycles.equals(g6sim.run("scenarios/walk.ron", seed=5).cycles)

    failed = g6sim.run("scenarios/walk.ron", seed=4, sets={"prefilter_max_instruments": 90}, cycles=10)
    assert failed.verdict is g6sim.Verdict.FAIL and not failed.verdict and failed.verdict.exit_code == 1
    (failure,) = failed.failures
    assert failure == g6sim.Expectation(
        expectation="never: prefilter_clamp events >= 1", passed=False, detail=failure.detail, cycle=10
    )
    assert g6sim.run("scenarios/walk.ron", parity="g6").parity == "g6"
    assert g6sim.run("scenarios/walk.ron", cycles=3).cycles.column("cycle").to_pylist() == [1, 2, 3]
    assert g6sim.run("tests/fixtures/docs/empty.ron").verdict is g6sim.Verdict.EMPTY


def test_the_environment_applies_only_when_asked(monkeypatch):
    monkeypatch.setenv("G6_PREFILTER_MAX_INSTRUMENTS", "90")
    assert g6sim.run("scenarios/walk.ron", seed=4).verdict is g6sim.Verdict.PASS
    assert g6sim.run("scenarios/walk.ron", seed=4, use_env=True).verdict is g6sim.Verdict.FAIL


def test_a_broken_scenario_raises_every_problem_with_its_position():
    with pytest.raises(g6sim.ScenarioError) as raised:
        g6sim.run("tests/fixtures/docs/broken.ron")
    e = raised.value
    assert isinstance(e, ValueError) and isinstance(e, g6sim.Error)
    assert (e.file, e.line, e.column, e.path) == ("tests/fixtures/docs/broken.ron", 6, 13, "cycles")
    assert e.hint == "write it without a fraction, for example 10"
    assert len(e.problems) == 7 and e.problems[-1].path == "expectations[0].reason"
    done = command("run", "tests/fixtures/docs/broken.ron", "--no-env")
    assert done.returncode == 2 and done.stderr == f"error: {e}\n"


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: g6sim.run("scenarios/walk.ron", sets={"contract_ok_cycle": 2}), "did you mean `contract_ok_cycles`"),
        (lambda: g6sim.run("scenarios/walk.ron", sets=["strike_coverage_ok=2"]), "strike_coverage_ok"),
        (lambda: g6sim.run("scenarios/walk.ron", parity="G7"), "unknown parity mode"),
        (lambda: g6sim.run("scenarios/walk.ron", cycles=0), "at least one cycle"),
        (lambda: g6sim.check("scenarios/walk.ron", seeds="3..1"), "the range is empty"),
        (lambda: g6sim.sweep("scenarios/walk.ron", {"contract_ok_cycles": "1,1"}), "listed twice"),
        (lambda: g6sim.replay("scenarios/history/nifty_strike_dip.jsonl", depth="NIFTY=x"), "NIFTY=x"),
    ],
)
def test_options_that_cannot_apply_raise_a_config_error(call, words):
    with pytest.raises(g6sim.ConfigError, match=words.replace("(", r"\(")):
        call()


def test_a_missing_file_raises_a_scenario_error_without_a_position():
    with pytest.raises(g6sim.ScenarioError) as raised:
        g6sim.run("scenarios/no_such.ron")
    assert (raised.value.file, raised.value.line, raised.value.column) == ("scenarios/no_such.ron", 0, 0)


def test_a_replay_matches_the_command(tmp_path):
    history = "scenarios/history/nifty_strike_dip.jsonl"
    replay = g6sim.replay(history)
    assert replay.verdict is g6sim.Verdict.PASS and replay.differences == () and replay.statuses_compared > 0
    out = files_of(tmp_path, "replay", history)
    assert replay.cycles.to_pylist() == expected_cycle_rows(out / "cycles.jsonl")
    deep = files_of(tmp_path / "deep", "replay", history, "--depth", "NIFTY=12")
    assert g6sim.replay(history, depth=["NIFTY=12"]).cycles.to_pylist() == expected_cycle_rows(deep / "cycles.jsonl")
    steeper = g6sim.replay(history, sets={"expansion_step": 4})
    assert steeper.verdict is g6sim.Verdict.FAIL and steeper.differences[0].startswith("cycle ")


def test_a_check_gives_the_commands_rows_and_exit_status():
    files = ["scenarios/walk.ron", "tests/fixtures/docs/empty.ron", "tests/fixtures/docs/broken.ron"]
    result = g6sim.check(files, seeds=[3, 4], sets={"prefilter_max_instruments": 90})
    verdicts = [(row.file, row.verdict) for row in result.rows]
    V = g6sim.Verdict
    assert verdicts == [(files[0], V.FAIL), (files[1], V.EMPTY), (files[2], V.ERROR)]
    walk, empty, broken = result.rows
    assert walk.seeds == ((3, V.PASS), (4, V.FAIL))
    assert walk.first_failure.startswith("seed 4: [cycle 10] expected never: prefilter_clamp events >= 1")
    assert walk.reproduction == "g6sim run scenarios/walk.ron --seed 4 --set prefilter_max_instruments=90 --no-env"
    (g6,) = g6sim.check(files[0], seeds=[4], sets={"prefilter_max_instruments": 90}, parity="G6").rows
    assert g6.reproduction == "g6sim run scenarios/walk.ron --seed 4 --set prefilter_max_instruments=90 --parity g6 --no-env"
    assert empty.reproduction == "g6sim run tests/fixtures/docs/empty.ron --seed 3 --set prefilter_max_instruments=90 --no-env"
    assert broken.error.startswith("tests/fixtures/docs/broken.ron:6:13:") and broken.reproduction is None
    (history,) = g6sim.check("scenarios/history/nifty_strike_dip.jsonl", sets={"expansion_step": 4}).rows
    assert history.verdict is V.FAIL and history.first_failure.startswith("replay differs at cycle ")
    assert history.reproduction == "g6sim replay scenarios/history/nifty_strike_dip.jsonl --set expansion_step=4 --no-env"
    done = command("check", *files, "--seeds", "3,4", "--set", "prefilter_max_instruments=90", "--no-env")
    assert result.exit_code == done.returncode == 2 and not result.passed
    assert g6sim.check().passed, "the shipped scenarios pass"
    with pytest.raises(g6sim.Error, match="no scenario"):
        g6sim.check(str(REPO / "docs"))


def cell(kind, text):
    if text == "":
        return None
    return {pa.int64(): int, pa.float64(): float, pa.bool_(): lambda t: t == "true", pa.string(): str}[kind](text)


def test_a_sweeps_rows_are_its_results_csv(tmp_path):
    out = tmp_path / "sweep"
    params = {"contract_ok_cycles": [1, 3], "contract_cooldown": "0,2"}
    swept = g6sim.sweep("scenarios/coverage_flapping.ron", params, seeds=3, out=out)
    assert (swept.runs, swept.results.num_rows, swept.out, swept.members) == (12, 4, str(out), None)
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    schema = swept.results.schema
    assert schema.names == list(rows[0]) and schema.field("contract_ok_cycles").type == pa.int64()
    assert schema.field("pareto").type == pa.bool_() and schema.field("pass_share").type == pa.float64()
    assert schema.field("unrecovered").type == pa.int64() and schema.field("seeds").type == pa.int64()
    expected = [{name: cell(schema.field(name).type, row[name]) for name in schema.names} for row in rows]
    assert swept.results.to_pylist() == expected
    recommended = json.loads((out / "results.json").read_text())["recommended"]
    assert swept.recommended == g6sim.Recommendation(**{k: recommended[k] for k in ("setting", "values", "why")})
    assert (out / "heatmaps").is_dir()

    again = g6sim.sweep("scenarios/coverage_flapping.ron", params, seeds=[1, 2, 3])
    assert again.out is None and again.results.equals(swept.results)
    with pytest.raises(OSError, match="--force"):
        g6sim.sweep("scenarios/coverage_flapping.ron", params, seeds=3, out=REPO / "scenarios")


def test_a_suites_sweep_has_a_row_per_member():
    suite = ["scenarios/coverage_flapping.ron", "scenarios/strike_dropout_recovery.ron"]
    swept = g6sim.sweep(suite, ["contract_ok_cycles=1,2"], seeds=2)
    assert swept.members.num_rows == 4 and swept.members.column("member").to_pylist()[:2] == ["coverage_flapping", "strike_dropout_recovery"]
    assert "member_pass_share" in swept.results.column_names


def test_a_scenario_error_survives_pickling_with_its_problems():
    with pytest.raises(g6sim.ScenarioError) as raised:
        g6sim.run(b"tests/fixtures/docs/broken.ron")
    copy = pickle.loads(pickle.dumps(raised.value))
    assert (str(copy), copy.problems, copy.line, copy.hint) == (
        str(raised.value),
        raised.value.problems,
        6,
        raised.value.hint,
    )


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: g6sim.check([]), g6sim.Error, "`paths` is empty"),
        (lambda: g6sim.sweep("scenarios/walk.ron", {}), g6sim.ConfigError, "nothing to sweep"),
        (lambda: g6sim.sweep("scenarios/walk.ron", ["contract_ok_cycles=2"], out=""), g6sim.ConfigError, "empty path"),
        (lambda: g6sim.sweep("scenarios/walk.ron", {"contract_ok_cycles": 2}, seeds=70_000), g6sim.ConfigError, "at most 65535"),
        (lambda: g6sim.check("scenarios/walk.ron", seeds=True), TypeError, "not a bool"),
        (lambda: g6sim.check("scenarios/walk.ron", seeds=[1.5, 2]), TypeError, "float"),
        (lambda: g6sim.check("scenarios/walk.ron", seeds={1: 2}), TypeError, "dict"),
        (lambda: g6sim.check("scenarios/walk.ron", seeds=[]), g6sim.ConfigError, "the list is empty"),
        (lambda: g6sim.run("scenarios/walk.ron", sets={"trace": None}), TypeError, "NoneType"),
    ],
)
def test_careless_arguments_are_refused_before_anything_runs(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_one_string_is_one_param_and_one_value_is_one_value():
    by_text = g6sim.sweep("scenarios/walk.ron", "contract_ok_cycles=2,3", seeds=2)
    by_map = g6sim.sweep("scenarios/walk.ron", {"contract_ok_cycles": "2,3"}, seeds=[1, 2])
    assert by_text.results.equals(by_map.results) and by_text.results.num_rows == 2
    assert g6sim.sweep("scenarios/walk.ron", {"contract_ok_cycles": 3}, seeds=1).results.num_rows == 1
    assert g6sim.__version__ == g6sim._native.__version__
