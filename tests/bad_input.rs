//! Bad input gets a clear error, never a panic: file, line:column, the field's path, what was expected
//! and a hint; and nothing already written is lost.

use crate::common::*;
use g6sim::scenario::{ScenarioError, parse};
use std::process::Command;

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
    assert!(GOOD.contains(from), "{from}");
    parse("broken.ron", &GOOD.replacen(from, to, 1)).expect_err("the scenario must be rejected")
}

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
    expect(&e, 5, 10, "seed", "Expected integer", "whole number");
    let e = broken("    cycles: 5,", "    cycles: -3,");
    expect(&e, 4, 14, "cycles", "out of bounds", ">= 0");
    let e = broken("    cycles: 5,", "    cycles: 0,");
    expect(&e, 4, 13, "cycles", "nonzero", "starts at 1");
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

fn g6sim(args: &[&str]) -> std::process::Output {
    Command::new(bin()).args(args).current_dir(root()).output().unwrap()
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
    let out = g6sim(&["run", "scenarios/healthy_baseline.ron", "--cycles", "18446744073709551615"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("run past the end of the calendar"), "{stderr}");
    let huge = GOOD.replace("    cycles: 5,", "    cycles: 5,\n    interval_s: 9000000000000000,");
    let run = g6sim::run_scenario(&scenario(&huge), &g6sim::RunOptions::default());
    assert!(matches!(run, Err(g6sim::Error::Input(_))));
}
