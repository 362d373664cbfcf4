//! Bad input gets a clear error, never a panic: file, line:column, the field's path, what was expected
//! and a hint; and nothing already written is lost.

use crate::common::*;
use g6sim::scenario::{ScenarioError, parse};

const GOOD: &str = r#"Scenario(
    name: "b",
    start: "2025-10-06T09:15:00+05:30",
    cycles: 5,
    indices: [
        (symbol: "NIFTY", expiries: ["this_week"]),
        (symbol: "BANKNIFTY"),
    ],
    phases: [
        (name: "p", cycles: (2, 3), faults: [StrikeDropout(0.1)]),
    ],
    expectations: [
        Always(Status(index: "NIFTY", is: OK)),
    ],
)"#;

/// Parses GOOD with one replacement; the error it must give.
fn broken(from: &str, to: &str) -> ScenarioError {
    broken_all(&[(from, to)])
}

/// GOOD with the replacements made in order.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = GOOD.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// Parses GOOD with several replacements; the error it must give.
fn broken_all(edits: &[(&str, &str)]) -> ScenarioError {
    parse("broken.ron", &edited(edits)).expect_err("the scenario must be rejected")
}

/// GOOD's expectation (line 13, column 9) replaced; the error it must give.
fn expecting(to: &str) -> ScenarioError {
    broken(EXPECTATION, to)
}

const EXPECTATION: &str = r#"Always(Status(index: "NIFTY", is: OK))"#;

#[track_caller]
fn expect(e: &ScenarioError, line: usize, col: usize, path: &str, message: &str, hint: &str) {
    assert_eq!((e.file.as_str(), e.line, e.col, e.path.as_str()), ("broken.ron", line, col, path), "{e}");
    assert!(e.message.contains(message), "message: {e}");
    assert!(e.hint.contains(hint), "hint: {e}");
    assert!(e.to_string().starts_with(&format!("broken.ron:{line}:{col}: ")), "{e}");
}

#[test]
fn the_base_scenario_is_good() {
    parse("good.ron", GOOD).unwrap();
}

#[test]
fn syntax_errors_and_truncation() {
    let e = broken("    cycles: 5,", "    cycles: 5");
    expect(&e, 5, 5, "", "Expected comma", "commas just before");
    let truncated: String = GOOD.lines().take(8).collect::<Vec<_>>().join("\n");
    let e = parse("broken.ron", &truncated).unwrap_err();
    expect(&e, 8, 6, "", "Unexpected end of RON", "ends early");
}

#[test]
fn unknown_fields_top_level_and_nested() {
    let e = broken("    cycles: 5,", "    cycles: 5,\n    colour: 1,");
    expect(&e, 5, 5, "colour", "Unexpected field named `colour` in `Scenario`", "unknown fields are rejected");
    assert!(e.message.contains("`expectations`"), "lists what is expected: {e}");
    let e = broken(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFTY", dept: (itm: 1, otm: 1))"#);
    expect(&e, 7, 31, "indices[1].dept", "Unexpected field named `dept` in `IndexSpec`", "remove or rename");
    let e = broken("StrikeDropout(0.1)", "StrikeDropout(0.1)], colour: [1");
    expect(&e, 10, 67, "phases[0].colour", "Unexpected field named `colour`", "remove or rename");
}

#[test]
fn wrong_types_and_counts() {
    let e = broken("    cycles: 5,", "    cycles: 5,\n    seed: \"abc\",");
    expect(&e, 5, 11, "seed", "Expected integer", "whole number");
    let e = broken("    cycles: 5,", "    cycles: -3,");
    expect(&e, 4, 14, "cycles", "`-3` is out of range for a whole number >= 0", ">= 0");
    let e = broken("    cycles: 5,", "    cycles: 0,");
    expect(&e, 4, 13, "cycles", "`0` is out of range", "starts at 1");
}

#[test]
fn unknown_enum_variants() {
    let e = broken("StrikeDropout", "StrikeDropot");
    expect(
        &e,
        10,
        46,
        "phases[0].faults[0]",
        "Unexpected variant named `StrikeDropot` in enum `Fault`",
        "variants listed",
    );
    assert!(e.message.contains("`StrikeDropout`"), "{e}");
    let e = broken("is: OK", "is: Fine");
    expect(&e, 13, 43, "expectations[0].Always.Status.is", "`Fine` in enum `ExpiryStatus`", "variants listed");
}

#[test]
fn values_out_of_range() {
    let e = broken("StrikeDropout(0.1)", "StrikeDropout(1.5)");
    expect(&e, 10, 60, "phases[0].faults[0].StrikeDropout", "1.5 is not a ratio", "fractions");
    let e = broken("    cycles: 5,", "    cycles: 5,\n    config: (strike_coverage_ok: 2.0),");
    expect(&e, 5, 34, "config.strike_coverage_ok", "2 is not a ratio", "fractions");
    let e = broken("cycles: (2, 3)", "cycles: (8, 3)");
    expect(&e, 10, 34, "phases[0].cycles", "(8, 3) is not a cycle window", "counted from 1");
    let e = broken("\"2025-10-06T09:15:00+05:30\"", "\"yesterday\"");
    expect(&e, 3, 13, "start", "`yesterday` is not an RFC 3339 time", "2025-10-06T09:15:00+05:30");
    let e = broken("\"this_week\"", "\"current_week\"");
    expect(&e, 6, 39, "indices[0].expiries[0]", "unknown expiry rule `current_week`", "this_month");
}

#[test]
fn references_checked_after_parsing() {
    let e = broken(r#"(name: "p", "#, r#"(name: "p", index: "FOO", "#);
    expect(&e, 10, 28, "phases[0].index", "index `FOO` is not declared", "declared indices: NIFTY, BANKNIFTY");
    let e = broken(r#"Status(index: "NIFTY""#, r#"Status(index: "SENSEX""#);
    expect(&e, 13, 30, "expectations[0].index", "index `SENSEX` is not declared", "NIFTY, BANKNIFTY");
    let e = broken(r#"Always(Status(index: "NIFTY", is: OK))"#, r#"Total(of: Events(event: "clamp"), is: Eq(0))"#);
    expect(&e, 13, 33, "expectations[0].of.event", "unknown event `clamp`", "prefilter_clamp");
    let e = broken(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "nifty")"#);
    expect(&e, 7, 18, "indices[1].symbol", "index `nifty` is declared twice", "once");
    let e = broken("faults: [StrikeDropout(0.1)]", r#"rule: "this_week", faults: [Oversize(10)]"#);
    expect(&e, 10, 65, "phases[0].faults[0]", "cannot be scoped to an expiry rule", "without `rule`");
    let e2 = broken_all(&[
        (r#"(name: "p", "#, r#"(name: "p", index: "NIFTY", "#),
        ("StrikeDropout(0.1)", "MemoryPressure(0.9)"),
    ]);
    let message = "MemoryPressure acts on the whole process and cannot be scoped to an index or an expiry rule";
    expect(&e2, 10, 62, "phases[0].faults[0]", message, "without `index` and `rule`");
    let e = broken("faults: [StrikeDropout(0.1)]", r#"rule: "next_month", faults: [Outage]"#);
    expect(&e, 10, 43, "phases[0].rule", "no scoped index lists the expiry rule `next_month`", "drop `rule`");
    let e = broken("        (symbol: \"NIFTY\", expiries: [\"this_week\"]),\n        (symbol: \"BANKNIFTY\"),\n", "");
    expect(&e, 5, 14, "indices", "no index", "NIFTY");
}

#[test]
fn missing_required_fields() {
    let e = broken("    cycles: 5,\n", "");
    expect(&e, 14, 1, "", "missing field named `cycles`", "no default");
    let e = broken("    start: \"2025-10-06T09:15:00+05:30\",\n", "");
    expect(&e, 14, 1, "", "missing field named `start`", "no default");
}

#[test]
fn the_binary_exits_two_with_the_position_and_never_panics() {
    let dir = temp_dir("bad-input-bin");
    let file = dir.join("broken.ron");
    std::fs::write(&file, GOOD.replace("StrikeDropout", "StrikeDropot")).unwrap();
    let out = g6sim(&["run", file.to_str().unwrap(), "--out", dir.join("out").to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with(&format!("error: {}:10:46: at `phases[0].faults[0]`", file.display())), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.join("out").exists(), "nothing is written for a scenario that does not load");

    let out = g6sim(&["run", dir.join("missing.ron").to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("cannot read the scenario") && stderr.contains("hint: check the path"), "{stderr}");

    let out = g6sim(&["run", "scenarios/healthy_baseline.ron", "--set", "strike_coverage_ok=abc"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("--set strike_coverage_ok=abc: `abc` is not a number (strike_coverage_ok takes a ratio"),
        "{stderr}"
    );
    let out = g6sim(&["run", "scenarios/healthy_baseline.ron", "--parity", "g7"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects an unknown parity mode");
}

#[test]
fn check_reports_the_good_and_exits_two_for_the_broken() {
    let dir = temp_dir("bad-input-check");
    std::fs::write(dir.join("a_good.ron"), GOOD).unwrap();
    std::fs::write(dir.join("b_broken.ron"), GOOD.replace("cycles: 5,", "cycles: 5")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a scenario").unwrap();
    let out = g6sim(&["check", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("PASS") && stdout.contains("a_good.ron"), "{stdout}");
    assert!(stdout.contains("ERROR") && stdout.contains("b_broken.ron"), "{stdout}");
    assert!(stdout.contains("2 scenarios: 1 passed, 0 failed, 1 could not be loaded"), "{stdout}");
    assert!(stderr.contains("b_broken.ron:5:5"), "{stderr}");
    let out = g6sim(&["check", dir.join("empty-dir-that-is-not-there").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_failed_write_keeps_what_was_there_and_leaves_no_temporary() {
    let dir = temp_dir("bad-input-write");
    let out_dir = dir.join("out");
    let first = g6sim(&["run", "scenarios/healthy_baseline.ron", "-q", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(first.status.code(), Some(0));
    let before = std::fs::read(out_dir.join("cycles.jsonl")).unwrap();
    // Make manifest.json unwritable by turning it into a directory: the run must fail cleanly.
    std::fs::remove_file(out_dir.join("manifest.json")).unwrap();
    std::fs::create_dir(out_dir.join("manifest.json")).unwrap();
    let out =
        g6sim(&["run", "scenarios/healthy_baseline.ron", "-q", "--seed", "8", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the outputs"));
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_ne!(
        std::fs::read(out_dir.join("cycles.jsonl")).unwrap(),
        before,
        "files before the failure were replaced whole"
    );
}

#[test]
fn sizes_beyond_memory_are_refused_with_their_limit() {
    let e = broken("    cycles: 5,", "    cycles: 5,\n    provider: (strikes_per_side: 100000),");
    expect(&e, 5, 34, "provider.strikes_per_side", "100000 is too large: at most 5000 strikes per side", "scale");
    let e = broken("StrikeDropout(0.1)", "Oversize(20000000)");
    expect(&e, 10, 55, "phases[0].faults[0]", "20000000 is too large: at most 10000000 rows", "scale");
    let e = broken(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFTY", depth: (itm: 9000, otm: 1))"#);
    expect(&e, 7, 44, "indices[1].depth.itm", "9000 is too large", "scale");
}

#[test]
fn a_run_past_the_calendar_is_bad_input_not_a_panic() {
    // More cycles than a run may have (its files would fill a disk) are refused before anything runs.
    for (cycles, says) in [("18446744073709551615", "at most 1000000 in one run"), ("1000001", "at most 1000000")] {
        let out = g6sim(&["run", "scenarios/healthy_baseline.ron", "--cycles", cycles]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says) && stderr.contains("hint:"), "{stderr}");
    }
    let past = GOOD.replace("    cycles: 5,", "    cycles: 5,\n    interval_s: 9000000000000,");
    let run =
        g6sim::run_scenario(&scenario(&past), &g6sim::RunOptions { cycles: Some(1_000_000), ..Default::default() });
    assert!(
        matches!(&run, Err(g6sim::Error::Input(e)) if e.contains("run past the end of the calendar")),
        "{:?}",
        run.err()
    );
    let huge = GOOD.replace("    cycles: 5,", "    cycles: 5,\n    interval_s: 9000000000000000,");
    let run = g6sim::run_scenario(&scenario(&huge), &g6sim::RunOptions::default());
    assert!(matches!(run, Err(g6sim::Error::Input(_))));
}

#[test]
fn event_reasons_and_names_are_checked_with_did_you_mean() {
    // A misspelt reason is an error: as a filter it would match no event, count 0 and pass `Eq(0)`.
    let e = expecting(r#"Total(of: Events(event: "strike_depth_adjustment", reason: "contractoin"), is: Eq(0))"#);
    expect(
        &e,
        13,
        68,
        "expectations[0].of.reason",
        "unknown reason `contractoin` for strike_depth_adjustment (did you mean `contraction`?)",
        "strike_depth_adjustment reasons: low_strike_cov, contraction",
    );
    assert!(e.more.is_empty(), "{e}");
    let e = expecting(r#"Always(Events(event: "strike_depth_adjustment", reason: "expansion", is: Eq(0)))"#);
    expect(&e, 13, 65, "expectations[0].reason", "unknown reason `expansion`", "low_strike_cov, contraction");
    assert!(!e.message.contains("did you mean"), "nothing close: {e}");
    let e = expecting(r#"Total(of: Events(event: "zero_data", reason: "contraction"), is: Eq(0))"#);
    expect(&e, 13, 54, "expectations[0].of.reason", "`zero_data` events carry no reason", "drop `reason`");
    let e = expecting(r#"Always(Events(event: "zero_dta", is: Eq(0)))"#);
    expect(&e, 13, 30, "expectations[0].event", "unknown event `zero_dta` (did you mean `zero_data`?)", "events: ");
    assert!(e.hint.contains("strike_depth_adjustment") && e.hint.contains("prefilter_clamp"), "{e}");
    let e = expecting(r#"Never(Events(event: "strike_depth_adjustmnet", reason: "contractoin", is: Gt(0)))"#);
    expect(&e, 13, 29, "expectations[0].event", "(did you mean `strike_depth_adjustment`?)", "events: ");
    assert!(e.more.is_empty(), "the reason of an unknown event is not judged: {e}");
    // Both known reasons pass.
    for reason in ["low_strike_cov", "contraction"] {
        let text = edited(&[(
            EXPECTATION,
            &format!(r#"Total(of: Events(event: "strike_depth_adjustment", reason: "{reason}"), is: Eq(0))"#),
        )]);
        parse("good.ron", &text).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn an_undeclared_index_is_an_error_wherever_it_is_named() {
    let declared = "declared indices: NIFTY, BANKNIFTY";
    let nify = "index `NIFY` is not declared in `indices` (did you mean `NIFTY`?)";
    let e = expecting(r#"Always(Depth(index: "NIFY", is: Ge(1)))"#);
    expect(&e, 13, 29, "expectations[0].index", nify, declared);
    let e = expecting(r#"At(cycle: 2, check: AtBaseline(index: "NIFY"))"#);
    expect(&e, 13, 47, "expectations[0].index", nify, declared);
    let e = expecting(r#"Always(Events(event: "zero_data", index: "NIFY", is: Eq(0)))"#);
    expect(&e, 13, 50, "expectations[0].index", nify, declared);
    let e = expecting(r#"Total(of: Events(event: "zero_data", index: "NIFY"), is: Eq(0))"#);
    expect(&e, 13, 53, "expectations[0].of.index", nify, declared);
    let e = expecting(r#"Total(of: Status(status: OK, index: "NIFY"), is: Eq(0))"#);
    expect(&e, 13, 45, "expectations[0].of.index", nify, declared);
    let e = expecting(r#"MaxFlips(index: "NIFY", flips: 1, window: 3)"#);
    expect(&e, 13, 25, "expectations[0].index", nify, declared);
    let e = broken(r#"(name: "p", "#, r#"(name: "p", index: "NIFY", "#);
    expect(&e, 10, 28, "phases[0].index", nify, declared);
    let e =
        broken("    cycles: 5,", "    cycles: 5,\n    market: (levels: [(cycle: 2, index: \"NIFY\", price: 100.0)]),");
    expect(&e, 5, 41, "market.levels[0].index", nify, declared);
    let e = broken("    cycles: 5,", "    cycles: 5,\n    config: (strike_step: {\"NIFY\": 50.0}),");
    expect(
        &e,
        5,
        28,
        "config.strike_step.NIFY",
        "strike_step names `NIFY`, which is not declared in `indices` (did you mean `NIFTY`?)",
        declared,
    );
    // A known index the scenario does not declare is as wrong as a misspelt one, without a suggestion.
    let e = expecting(r#"Always(Depth(index: "FINNIFTY", is: Ge(1)))"#);
    expect(&e, 13, 29, "expectations[0].index", "index `FINNIFTY` is not declared", declared);
    assert!(!e.message.contains("did you mean"), "{e}");
    // Symbols match whatever their case.
    parse("good.ron", &edited(&[(EXPECTATION, r#"Always(Depth(index: "nifty", is: Ge(1)))"#)])).unwrap();
}

#[test]
fn each_problem_points_at_its_own_occurrence() {
    // The same wrong value twice: each error at its own line, not both at the first.
    let e = expecting(
        r#"Always(Status(index: "NIFY", is: OK)),
        Never(Status(index: "NIFY", is: OK))"#,
    );
    expect(&e, 13, 30, "expectations[0].index", "`NIFY`", "declared");
    assert_eq!(e.more.len(), 1, "{e}");
    assert_eq!((e.more[0].line, e.more[0].col, e.more[0].path.as_str()), (14, 29, "expectations[1].index"), "{e}");
    // A rule one index lists and the other does not: the error is at the second expectation.
    let e = broken_all(&[
        (r#"["this_week"]"#, r#"["this_week", "next_week"]"#),
        (
            EXPECTATION,
            r#"Always(Status(index: "NIFTY", rule: "next_week", is: OK)),
        Always(Status(index: "BANKNIFTY", rule: "next_week", is: OK))"#,
        ),
    ]);
    expect(&e, 14, 49, "expectations[1].rule", "BANKNIFTY does not list the expiry rule `next_week`", "this_week");
    // A duplicate expiry rule: at the repeated entry, not at the first.
    let e = broken(r#"["this_week"]"#, r#"["this_week", "next_week", "this_week"]"#);
    expect(&e, 6, 64, "indices[0].expiries[2]", "the expiry rule `this_week` is listed twice", "once");
    // Text in a comment is not the value.
    let e = broken_all(&[
        ("    phases: [", "    // MaxFlips(index: \"NIFTY\", flips: 1, window: 0)\n    phases: ["),
        (EXPECTATION, r#"MaxFlips(index: "NIFTY", flips: 1, window: 0)"#),
    ]);
    expect(&e, 14, 52, "expectations[0].window", "a window of 0 cycles", "consecutive cycles");
}

#[test]
fn a_fraction_where_a_whole_number_is_expected_is_named_at_its_literal() {
    let hint = "write it without a fraction, for example";
    let e = broken("    cycles: 5,", "    cycles: 10.0,");
    expect(&e, 4, 13, "cycles", "`10.0` is not a whole number: this field takes an integer", &format!("{hint} 10"));
    assert!(!e.to_string().contains("Expected comma"), "{e}");
    let e = broken(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFTY", depth: (itm: 10.5, otm: 1))"#);
    expect(&e, 7, 44, "indices[1].depth.itm", "`10.5` is not a whole number", &format!("{hint} 10"));
    let e = broken("StrikeDropout(0.1)", "Oversize(3.0)");
    expect(&e, 10, 55, "phases[0].faults[0].Oversize", "`3.0` is not a whole number", &format!("{hint} 3"));
    let e = expecting(r#"MaxFlips(index: "NIFTY", flips: 1, window: 2.5)"#);
    expect(&e, 13, 52, "expectations[0].MaxFlips.window", "`2.5` is not a whole number", &format!("{hint} 2"));
    let e = broken("    cycles: 5,", "    cycles: 5,\n    seed: 1e3,");
    expect(&e, 5, 11, "seed", "`1e3` is not a whole number", &format!("{hint} 1000"));
    // A ratio takes a fraction: no such message there.
    parse("good.ron", &edited(&[("StrikeDropout(0.1)", "StrikeDropout(0.5)")])).unwrap();
}

#[test]
fn an_unknown_symbol_needs_its_registry_entry() {
    let e = broken(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFY")"#);
    expect(
        &e,
        7,
        18,
        "indices[1].symbol",
        "index `BANKNIFY` is not in the registry (did you mean `BANKNIFTY`?)",
        "known indices: NIFTY, BANKNIFTY, FINNIFTY, MIDCPNIFTY, SENSEX; for another index declare its entry",
    );
    assert!(e.more.is_empty(), "the expectations naming it are not errors on top: {e}");
    let e = broken(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "GIFTNIFTY50")"#);
    expect(&e, 7, 18, "indices[1].symbol", "index `GIFTNIFTY50` is not in the registry", "registry: (step:");
    assert!(!e.message.contains("did you mean"), "{e}");
    let e = broken(
        r#"(symbol: "BANKNIFTY")"#,
        r#"(symbol: "FOO", registry: (step: 0.0, lot_size: 0, synthetic_atm: -1.0, weekly_dow: 7))"#,
    );
    let hint = "the registry entry holds the index's own numbers";
    expect(&e, 7, 42, "indices[1].registry.step", "0 is out of range: expected a number from 0.01 to 1000000", hint);
    let more: Vec<_> = e.more.iter().map(|m| (m.line, m.col, m.path.as_str())).collect();
    assert_eq!(
        more,
        [
            (7, 57, "indices[1].registry.lot_size"),
            (7, 75, "indices[1].registry.synthetic_atm"),
            (7, 93, "indices[1].registry.weekly_dow")
        ],
        "{e}"
    );
    assert!(e.more[0].message.contains("a lot size of 0: expected a whole number >= 1"), "{e}");
    assert!(
        e.more[1].message.contains("-1 is not an index price for FOO: expected a number from its strike step 0 to 1e9"),
        "{e}"
    );
    assert!(e.more[2].message.contains("7 is not a weekday: expected 0 (Monday) to 6 (Sunday)"), "{e}");
    let e = broken(
        r#"(symbol: "BANKNIFTY")"#,
        r#"(symbol: "FOO", registry: (step: NaN, lot_size: 1, synthetic_atm: 1.0))"#,
    );
    expect(&e, 7, 42, "indices[1].registry.step", "NaN is out of range", hint);
}

#[test]
fn a_declared_registry_entry_runs_with_its_numbers() {
    let text = edited(&[(
        r#"(symbol: "BANKNIFTY")"#,
        r#"(symbol: "BANKNIFY", registry: (step: 25.0, lot_size: 15, synthetic_atm: 30000.0))"#,
    )]);
    let run = run_text(&text, &g6sim::RunOptions::default());
    assert_eq!(run.result.cycles.len(), 5);
    for cycle in &run.result.cycles {
        let index = &cycle.indices[1];
        assert_eq!((index.index.as_str(), index.step, index.price), ("BANKNIFY", 25.0, 30000.0), "{index:?}");
        assert_eq!(index.atm % 25.0, 0.0, "the ATM sits on the declared step: {index:?}");
    }
    // A known symbol's entry is replaced by a declared one.
    let text = edited(&[(
        r#"(symbol: "BANKNIFTY")"#,
        r#"(symbol: "BANKNIFTY", registry: (step: 20.0, lot_size: 1, synthetic_atm: 1000.0))"#,
    )]);
    let run = run_text(&text, &g6sim::RunOptions::default());
    assert_eq!((run.result.cycles[0].indices[1].step, run.result.cycles[0].indices[1].price), (20.0, 1000.0));
    assert_eq!(run.result.cycles[0].indices[0].step, 50.0, "NIFTY keeps the registry's step");
}

#[test]
fn expiry_rules_an_expectation_names_must_be_listed() {
    let e = expecting(r#"Always(Status(index: "NIFTY", rule: "next_week", is: OK))"#);
    expect(
        &e,
        13,
        45,
        "expectations[0].rule",
        "NIFTY does not list the expiry rule `next_week`",
        "rules listed: this_week",
    );
    let e = expecting(r#"Always(StrikeCoverage(index: "BANKNIFTY", rule: "this_month", is: Ge(0.5)))"#);
    expect(&e, 13, 57, "expectations[0].rule", "BANKNIFTY does not list the expiry rule `this_month`", "drop `rule`");
    let e = expecting(r#"Total(of: Status(status: OK, index: "NIFTY", rule: "next_month"), is: Eq(0))"#);
    expect(&e, 13, 60, "expectations[0].of.rule", "NIFTY does not list the expiry rule `next_month`", "this_week");
    let e = expecting(r#"Total(of: Status(status: OK, rule: "2025-10-30"), is: Eq(0))"#);
    expect(&e, 13, 44, "expectations[0].of.rule", "no scoped index lists the expiry rule `2025-10-30`", "this_week");
    // Unknown index and rule: the index is the error, the rule is not judged against nothing.
    let e = expecting(r#"Always(Status(index: "NIFY", rule: "next_week", is: OK))"#);
    assert_eq!((e.path.as_str(), e.more.len()), ("expectations[0].index", 0), "{e}");
}

#[test]
fn cycles_and_windows_lie_inside_the_run() {
    let outside = "cycles are counted from 1 to the scenario's `cycles`";
    let e = expecting(r#"At(cycle: 0, check: Status(index: "NIFTY", is: OK))"#);
    expect(&e, 13, 19, "expectations[0].cycle", "cycle 0 is outside the run: expected a cycle from 1 to 5", outside);
    let e = expecting(r#"By(cycle: 6, check: Status(index: "NIFTY", is: OK))"#);
    expect(&e, 13, 19, "expectations[0].cycle", "cycle 6 is outside the run: expected a cycle from 1 to 5", outside);
    for cycle in [1, 5] {
        let text = edited(&[(EXPECTATION, &format!(r#"At(cycle: {cycle}, check: Status(index: "NIFTY", is: OK))"#))]);
        parse("good.ron", &text).unwrap_or_else(|e| panic!("{e}"));
    }
    let e = broken("cycles: (2, 3)", "cycles: (2, 6)");
    expect(&e, 10, 29, "phases[0].cycles", "the window (2, 6) ends after the run's last cycle 5", "inside the run");
    let e = expecting(r#"MaxFlips(index: "NIFTY", flips: 1, window: 0)"#);
    expect(&e, 13, 52, "expectations[0].window", "a window of 0 cycles: expected a whole number >= 1", "consecutive");
    let e =
        broken("    cycles: 5,", "    cycles: 5,\n    market: (levels: [(cycle: 0, index: \"NIFTY\", price: 100.0)]),");
    expect(&e, 5, 31, "market.levels[0].cycle", "cycle 0 is outside the run", outside);
    let e =
        broken("    cycles: 5,", "    cycles: 5,\n    market: (levels: [(cycle: 9, index: \"NIFTY\", price: -5.0)]),");
    expect(&e, 5, 31, "market.levels[0].cycle", "cycle 9 is outside the run", outside);
    assert_eq!((e.more[0].line, e.more[0].col, e.more[0].path.as_str()), (5, 57, "market.levels[0].price"), "{e}");
    assert!(
        e.more[0]
            .message
            .contains("-5 is not an index price for NIFTY: expected a number from its strike step 50 to 1e9"),
        "{e}"
    );
    let e = broken("    cycles: 5,", "    cycles: 5,\n    interval_s: 0,");
    expect(&e, 5, 17, "interval_s", "`0` is out of range", "starts at 1");
}

#[test]
fn a_baseline_above_an_explicit_cap_is_refused_a_depth_above_it_is_not() {
    let capped = |bank: &str| {
        edited(&[(
            "(symbol: \"BANKNIFTY\"),\n    ],",
            &format!("(symbol: \"BANKNIFTY\", {bank}),\n    ],\n    config: (depth_max_itm: 12),"),
        )])
    };
    let e = parse("broken.ron", &capped("baseline: (itm: 13, otm: 3)")).unwrap_err();
    expect(
        &e,
        7,
        47,
        "indices[1].baseline.itm",
        "baseline 13 is above the expansion cap depth_max_itm = 12",
        "raise config.depth_max_itm, or give a baseline at most 12",
    );
    let e = parse("broken.ron", &capped("depth: (itm: 14, otm: 3)")).unwrap_err();
    expect(
        &e,
        7,
        44,
        "indices[1].depth.itm",
        "(the depth, as no baseline is given) 14 is above the expansion cap",
        "12",
    );
    parse("good.ron", &capped("depth: (itm: 14, otm: 3), baseline: (itm: 12, otm: 3)"))
        .unwrap_or_else(|e| panic!("{e}"));
    parse("good.ron", &capped("baseline: (itm: 3, otm: 300)")).unwrap_or_else(|e| panic!("no otm cap: {e}"));
    // No cap: any baseline (within memory) goes.
    parse(
        "good.ron",
        &edited(&[(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFTY", baseline: (itm: 400, otm: 3))"#)]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The default depth (10) above a cap of 8: each index is named at its entry.
    let e = broken("    cycles: 5,", "    cycles: 5,\n    config: (depth_max_itm: 8),");
    expect(&e, 7, 9, "indices[0].depth.itm", "10 is above the expansion cap depth_max_itm = 8", "at most 8");
    assert_eq!((e.more[0].line, e.more[0].col, e.more[0].path.as_str()), (8, 9, "indices[1].depth.itm"), "{e}");
}

#[test]
fn comparisons_and_market_values_in_range() {
    let e = expecting(r#"Always(Depth(index: "NIFTY", is: Between(5, 1)))"#);
    expect(&e, 13, 42, "expectations[0].is", "Between(5, 1) is empty: expected low <= high", "Between(low, high)");
    let e = expecting(r#"Total(of: Events(event: "zero_data"), is: Between(3, 2.5))"#);
    expect(&e, 13, 51, "expectations[0].is", "Between(3, 2.5) is empty", "Between(low, high)");
    parse("good.ron", &edited(&[(EXPECTATION, r#"Always(Depth(index: "NIFTY", is: Between(3, 3)))"#)])).unwrap();
    let e = expecting(r#"Always(Depth(index: "NIFTY", is: Ge(NaN)))"#);
    expect(&e, 13, 42, "expectations[0].is", "`>= NaN` compares with a number that is not finite", "");
    let market = |m: &str| broken("    cycles: 5,", &format!("    cycles: 5,\n    market: ({m}),"));
    let hint = "per cycle (log returns) or annualised";
    let e = market("drift_per_cycle: NaN");
    expect(&e, 5, 31, "market.drift_per_cycle", "NaN is out of range: expected a number from -0.1 to 0.1", hint);
    let e = market("implied_vol: inf");
    expect(&e, 5, 27, "market.implied_vol", "inf is out of range: expected a number from 0 to 3", hint);
    let e = market("volatility_per_cycle: -0.1");
    expect(&e, 5, 36, "market.volatility_per_cycle", "-0.1 is out of range: expected a number from 0 to 0.5", hint);
    let e = market("risk_free_rate: -inf, skew: 101.0");
    expect(&e, 5, 30, "market.risk_free_rate", "-inf is out of range: expected a number from -1 to 1", hint);
    assert_eq!((e.more[0].col, e.more[0].path.as_str()), (42, "market.skew"), "{e}");
    let costs = |c: &str| broken("    cycles: 5,", &format!("    cycles: 5,\n    cycle_time: ({c}),"));
    let e = costs("per_quote_s: -0.5, quote_batch: 0");
    let hint = "seconds per unit of its work";
    expect(&e, 5, 31, "cycle_time.per_quote_s", "-0.5 is out of range: expected a number from 0 to 3600", hint);
    assert_eq!((e.more[0].col, e.more[0].path.as_str()), (50, "cycle_time.quote_batch"), "{e}");
    assert!(e.more[0].message.contains("expected a whole number from 1 to 1000000"), "{e}");
    let e = costs("per_strike_s: inf");
    expect(&e, 5, 32, "cycle_time.per_strike_s", "inf is out of range: expected a number from 0 to 3600", hint);
    let e = broken(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFTY", spot: -100.0, tick_size: 0.0)"#);
    expect(&e, 7, 37, "indices[1].spot", "-100 is not an index price", "leave spot out");
    assert_eq!((e.more[0].col, e.more[0].path.as_str()), (56, "indices[1].tick_size"), "{e}");
    assert!(e.more[0].message.contains("0 is out of range: expected a number from 0.0001 to 10000"), "{e}");
}

#[test]
fn configuration_values_in_range() {
    let config = |c: &str| broken("    cycles: 5,", &format!("    cycles: 5,\n    config: ({c}),"));
    let hint = "docs/configuration.md";
    let whole = "0 is out of range: expected a whole number >= 1";
    expect(&config("expansion_step: 0"), 5, 30, "config.expansion_step", whole, hint);
    expect(&config("cooldown_clock_s: 0"), 5, 32, "config.cooldown_clock_s", whole, hint);
    let e = config("benchmark_anomaly_threshold: 0.0");
    expect(&e, 5, 43, "config.benchmark_anomaly_threshold", "0 is out of range: expected a number > 0", hint);
    let e = config("strike_step: {\"NIFTY\": -5.0}");
    expect(
        &e,
        5,
        28,
        "config.strike_step.NIFTY",
        "`-5` is not a strike step: expected a number from 0.01 to 1000000",
        hint,
    );
    // All at once, in text order.
    let e = config("cooldown_clock_s: 0, contract_step: 0, expansion_step: 0");
    let found: Vec<_> = e.all().map(|e| (e.line, e.col, e.path.as_str())).collect();
    assert_eq!(
        found,
        [(5, 32, "config.cooldown_clock_s"), (5, 50, "config.contract_step"), (5, 69, "config.expansion_step")],
        "{e}"
    );
    let e = config("adaptive_expansion: 1");
    expect(&e, 5, 34, "config.adaptive_expansion", "Expected boolean", "true or false");
}

#[test]
fn misspelt_statuses_variants_and_fields_get_a_suggestion() {
    let e = expecting(r#"Always(Status(index: "NIFTY", is: PARTAIL))"#);
    expect(&e, 13, 43, "expectations[0].Always.Status.is", "(did you mean `PARTIAL`?)", "variants listed");
    let e = expecting(r#"Total(of: Status(status: SYNHT), is: Eq(0))"#);
    expect(&e, 13, 34, "expectations[0].Total.of.Status.status", "(did you mean `SYNTH`?)", "variants listed");
    let e = broken("StrikeDropout", "StrikeDropot");
    assert!(e.message.ends_with("(did you mean `StrikeDropout`?)"), "{e}");
    let e = broken(r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFTY", dept: (itm: 1, otm: 1))"#);
    assert!(e.message.ends_with("(did you mean `depth`?)"), "{e}");
    let e = expecting(r#"Always(Status(index: "NIFTY", is: Fine))"#);
    assert!(!e.message.contains("did you mean"), "nothing close to `Fine`: {e}");
}

/// GOOD with five problems, written out of the validator's order: an expectation (line 13), a phase (10), an
/// index (7), the market (5) and a misspelt event reason (14).
fn five_problems() -> String {
    edited(&[
        ("    cycles: 5,", "    cycles: 5,\n    market: (implied_vol: -1.0),"),
        (r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFY")"#),
        ("cycles: (2, 3)", "cycles: (2, 9)"),
        (
            EXPECTATION,
            r#"Always(Status(index: "NIFY", is: OK)),
        Total(of: Events(event: "strike_depth_adjustment", reason: "contractoin"), is: Eq(0))"#,
        ),
    ])
}

#[test]
fn all_problems_at_once_in_text_order() {
    let e = parse("broken.ron", &five_problems()).unwrap_err();
    let found: Vec<_> = e.all().map(|e| (e.line, e.col, e.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (5, 27, "market.implied_vol"),
            (8, 18, "indices[1].symbol"),
            (11, 29, "phases[0].cycles"),
            (14, 30, "expectations[0].index"),
            (15, 68, "expectations[1].of.reason"),
        ],
        "{e}"
    );
    assert!(e.all().all(|p| p.file == "broken.ron" && !p.hint.is_empty()), "{e:?}");
    assert!(e.more.iter().all(|p| p.more.is_empty()), "one level: {e:?}");
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("broken.ron:5:27: at `market.implied_vol`: -1 is out of range"), "{text}");
    let errors: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("error: ")).collect();
    assert_eq!(errors.len(), 4, "each further problem on its own `error: ` line:\n{text}");
    for (line, (l, c, path)) in errors.iter().zip(&found[1..]) {
        assert!(line.starts_with(&format!("broken.ron:{l}:{c}: at `{path}`: ")), "{line}");
    }
    assert_eq!(lines.iter().filter(|l| l.starts_with("  hint: ")).count(), 5, "{text}");
    assert_eq!(*lines.last().unwrap(), "5 problems in broken.ron", "{text}");
    // One problem: no count.
    let one = broken("cycles: (2, 3)", "cycles: (2, 9)");
    assert!(!one.to_string().contains("problems in"), "{one}");
}

/// Problems the parser stops at (unknown fields and variants, a fraction in a whole number, a repeated field)
/// come all at once with the checks after parsing, in file order: one run shows a file's every problem.
#[test]
fn parse_problems_come_all_at_once_with_the_checks() {
    let text = edited(&[
        ("    cycles: 5,", "    cycles: 5.0,\n    seeed: 7,"),
        (r#"(symbol: "BANKNIFTY")"#, r#"(symbol: "BANKNIFY", dept: (itm: 1, otm: 1))"#),
        ("StrikeDropout", "StrikeDropot"),
        (
            EXPECTATION,
            r#"Always(Status(index: "NIFTY", is: PARTAIL)),
        Total(of: Events(event: "strike_depth_adjustment", reason: "contractoin"), is: Eq(0))"#,
        ),
    ]);
    let e = parse("six.ron", &text).unwrap_err();
    let found: Vec<_> = e.all().map(|e| (e.line, e.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (4, "cycles"),
            (5, "seeed"),
            (8, "indices[1].symbol"),
            (8, "indices[1].dept"),
            (11, "phases[0].faults[0]"),
            (14, "expectations[0].Always.Status.is"),
            (15, "expectations[1].of.reason"),
        ],
        "{e}"
    );
    let text_of = e.to_string();
    for said in ["not a whole number", "did you mean `seed`", "did you mean `BANKNIFTY`", "did you mean `depth`"] {
        assert!(text_of.contains(said), "{said}: {text_of}");
    }
    assert!(text_of.ends_with("7 problems in six.ron"), "{text_of}");
    // Columns stay the original text's, after a repair that changed a line's length.
    let dropot = e.all().find(|p| p.path == "phases[0].faults[0]").unwrap();
    let line = text.lines().nth(dropot.line - 1).unwrap();
    assert_eq!(line.chars().skip(dropot.col - 1).take(12).collect::<String>(), "StrikeDropot", "{line}");
    let partail = e.all().find(|p| p.path.ends_with(".is")).unwrap();
    let line = text.lines().nth(partail.line - 1).unwrap();
    assert_eq!(line.chars().skip(partail.col - 1).take(7).collect::<String>(), "PARTAIL", "{line}");
    // Values their own type refuses while parsing (a time, an expiry rule, ratios, a window) do not stop it.
    let refused = r#"Scenario(
    name: "r",
    seeed: 1,
    start: "2025-10-06 09:15",
    cycles: 5,
    indices: [(symbol: "NIFTY", expiries: ["this_wek"])],
    config: (strike_coverage_ok: 1.5),
    phases: [(name: "x", cycles: (4, 2), faults: [StrikeDropout(1.5)])],
    expectations: [Always(Status(index: "NIFTY", is: OKK))],
)"#;
    let e = parse("r.ron", refused).unwrap_err();
    let found: Vec<_> = e.all().map(|e| (e.line, e.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (3, "seeed"),
            (4, "start"),
            (6, "indices[0].expiries[0]"),
            (7, "config.strike_coverage_ok"),
            (8, "phases[0].cycles"),
            (8, "phases[0].faults[0].StrikeDropout"),
            (9, "expectations[0].Always.Status.is"),
        ],
        "{e}"
    );
    // Counts out of their type's range do not stop it either.
    let counts = GOOD.replace("    cycles: 5,", "    cycles: 0,\n    interval_s: 0,\n    seed: -1,");
    let e = parse("c.ron", &counts).unwrap_err();
    let paths: Vec<&str> = e.all().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["cycles", "interval_s", "seed"], "{e}");
    assert!(e.all().all(|p| !p.message.contains("u64") && !p.message.contains("nonzero")), "{e}");
    assert!(e.more[1].message.contains("`-1` is out of range"), "{e}");
    // Nothing close to repair with: the problems up to it.
    let e = parse("x.ron", &edited(&[("    cycles: 5,", "    cycles: 5,\n    seeed: 7,"), ("StrikeDropout", "Zzz")]))
        .unwrap_err();
    assert_eq!(e.all().count(), 2, "{e}");
}

#[test]
fn the_binary_reports_every_problem_and_exits_two() {
    let dir = temp_dir("bad-input-all");
    let file = dir.join("broken.ron");
    std::fs::write(&file, five_problems()).unwrap();
    let out_dir = dir.join("out");
    for args in
        [vec!["run", file.to_str().unwrap(), "--out", out_dir.to_str().unwrap()], vec!["check", file.to_str().unwrap()]]
    {
        let command = args[0];
        let out = g6sim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
        let name = file.display().to_string();
        let at: Vec<String> = errors
            .iter()
            .map(|l| l.trim_start_matches("error: ").trim_start_matches(&name).split(": ").next().unwrap().to_string())
            .collect();
        assert_eq!(at, [":5:27", ":8:18", ":11:29", ":14:30", ":15:68"], "{command}: {stderr}");
        assert!(stderr.contains("(did you mean `contraction`?)"), "{stderr}");
        assert!(stderr.contains(&format!("5 problems in {name}")), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!dir.join("out").exists(), "nothing is written");
    }
    // The misspelt reason alone, under an `Eq(0)` it would pass vacuously: still bad input, exit 2.
    std::fs::write(
        &file,
        edited(&[(
            EXPECTATION,
            r#"Total(of: Events(event: "strike_depth_adjustment", reason: "contractoin"), is: Eq(0))"#,
        )]),
    )
    .unwrap();
    let out = g6sim(&["check", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(":13:68: at `expectations[0].of.reason`: unknown reason `contractoin`"), "{stderr}");
}
