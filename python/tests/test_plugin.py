"""`pytest --g6sim`: scenarios as test items, failures with their expectation and reproduction."""

import shutil
import xml.etree.ElementTree as ET

import pytest
from conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "docs"


def scenarios(pytester):
    for name in ["walk.ron", "empty.ron", "broken.ron"]:
        shutil.copy(FIXTURES / name if name != "walk.ron" else REPO / "scenarios" / name, pytester.path / name)


def test_each_scenario_is_a_test_that_fails_with_its_reason(pytester):
    scenarios(pytester)
    result = pytester.runpytest("--g6sim", "-p", "no:cacheprovider", "--junitxml=report.xml")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "broken.ron: ERROR",
            "broken.ron:6:13: at `cycles`: `10.0` is not a whole number: this field takes an integer",
            "  hint: write it without a fraction, for example 10",
            "empty.ron: EMPTY",
            "  no expectations: nothing was checked (add `expectations` to the scenario)",
            "  reproduce: g6sim run empty.ron --no-env",
        ]
    )
    suite = ET.parse(pytester.path / "report.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")


def test_seeds_and_sets_apply_to_every_scenario(pytester):
    scenarios(pytester)
    result = pytester.runpytest(
        "--g6sim", "--g6sim-seeds", "3..4", "--g6sim-set", "prefilter_max_instruments=90", "walk.ron", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "walk.ron: FAIL",
            "  seed 4: ?cycle 10? expected never: prefilter_clamp events >= 1; held at cycle 10*",
            "  failing seeds: 4",
            "  reproduce: g6sim run walk.ron --seed 4 --set prefilter_max_instruments=90 --no-env",
        ]
    )


def test_without_the_flag_nothing_is_collected_and_histories_only_by_name(pytester):
    scenarios(pytester)
    shutil.copy(REPO / "scenarios" / "history" / "nifty_strike_dip.jsonl", pytester.path)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes()
    pytester.runpytest("--g6sim", "-p", "no:cacheprovider", "walk.ron", "nifty_strike_dip.jsonl").assert_outcomes(passed=2)


def test_the_shipped_scenarios_pass(pytester):
    result = pytester.runpytest("--g6sim", "-p", "no:cacheprovider", str(REPO / "scenarios"))
    ron = sorted(REPO.glob("scenarios/**/*.ron"))
    result.assert_outcomes(passed=len(ron))


def test_options_that_cannot_apply_stop_the_session_once(pytester):
    scenarios(pytester)
    for flag, value, words in [
        ("--g6sim-set", "bogus=1", "--g6sim-set: --set bogus: unknown key"),
        ("--g6sim-set", "contract_step=0", "--g6sim-set: --set contract_step=0: 0 is out of range"),
        ("--g6sim-seeds", "0", "--g6sim-seeds 0: expected a count from 1"),
    ]:
        result = pytester.runpytest("--g6sim", flag, value, "-p", "no:cacheprovider")
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([f"ERROR: {words}*"])
