//! The command line end to end: exit codes, outputs, overrides and their precedence.

use crate::common::*;
use g6sim::run_scenario;
use std::path::Path;
use std::process::{Command, Output};

fn g6sim(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(root());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("G6_")) {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scenario without expectations, so overrides cannot make it fail.
fn plain_scenario(dir: &Path) -> String {
    let path = dir.join("plain.ron");
    std::fs::write(
        &path,
        r#"Scenario(name: "plain", seed: 1, start: "2025-10-06T09:15:00+05:30", cycles: 6,
            indices: [(symbol: "NIFTY", expiries: ["this_week"])], config: (contract_cooldown: 2))"#,
    )
    .unwrap();
    path.display().to_string()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn run_writes_the_three_outputs_and_exits_zero() {
    let dir = temp_dir("cli-run");
    let out = g6sim(&["run", "scenarios/strike_dropout_recovery.ron", "--out", dir.to_str().unwrap()], &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("low_strike_cov 10/10 -> 12/12"), "the per-cycle table shows adjustments:\n{stdout}");
    assert!(stdout.contains("expectations: 12/12 passed"), "{stdout}");
    let cycles = std::fs::read_to_string(dir.join("cycles.jsonl")).unwrap();
    assert_eq!(cycles.lines().count(), 25);
    for line in cycles.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["partial_reason_totals"]["low_strike"].is_u64(), "{line}");
    }
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert_eq!(events.lines().filter(|l| l.contains("\"cycle_status_summary\"")).count(), 25);
    let m = manifest(&dir);
    assert_eq!(m["scenario"]["name"], "strike_dropout_recovery");
    assert_eq!(m["scenario"]["content_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["seed"], 7);
    assert_eq!(m["g6sim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["config"]["contract_ok_cycles"], 5);
    assert_eq!(m["expectations"]["failed"], 0);
}

#[test]
fn two_cli_runs_are_byte_identical() {
    let (a, b) = (temp_dir("cli-bytes-a"), temp_dir("cli-bytes-b"));
    for dir in [&a, &b] {
        let out = g6sim(&["run", "scenarios/coverage_flapping.ron", "--quiet", "--out", dir.to_str().unwrap()], &[]);
        assert_eq!(out.status.code(), Some(0));
    }
    for file in ["events.jsonl", "cycles.jsonl", "manifest.json"] {
        assert_eq!(std::fs::read(a.join(file)).unwrap(), std::fs::read(b.join(file)).unwrap(), "{file}");
    }
}

#[test]
fn a_failed_expectation_exits_one_and_says_what_and_where() {
    let dir = temp_dir("cli-fail");
    let scenario = dir.join("wrong.ron");
    std::fs::write(
        &scenario,
        r#"Scenario(name: "wrong", start: "2025-10-06T09:15:00+05:30", cycles: 4,
            indices: [(symbol: "NIFTY")],
            phases: [(name: "dip", cycles: (3, 3), faults: [StrikeDropout(0.5)])],
            expectations: [Always(Depth(index: "NIFTY", is: Eq(10)))])"#,
    )
    .unwrap();
    let out = g6sim(&["run", scenario.to_str().unwrap(), "--out", dir.join("out").to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("FAIL [cycle 3] expected always: NIFTY depth (Both) == 10; did not hold at cycle 3: NIFTY depth itm 12 otm 12"),
        "{stdout}"
    );
    assert!(dir.join("out/manifest.json").exists(), "outputs are still written");
    let out = g6sim(&["check", scenario.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("FAIL   "), "{}", text(&out.stdout));
}

#[test]
fn overrides_reach_the_run_with_scenario_env_set_precedence() {
    let dir = temp_dir("cli-overrides");
    let scenario = plain_scenario(&dir);
    let out = g6sim(
        &[
            "run",
            &scenario,
            "-q",
            "--out",
            dir.to_str().unwrap(),
            "--seed",
            "5",
            "--cycles",
            "3",
            "--set",
            "contract_step=4",
            "--parity",
            "g6",
        ],
        &[("G6_CONTRACT_STEP", "3"), ("G6_CONTRACT_COOLDOWN", "7"), ("G6_STRIKE_STEP_NIFTY", "100")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let m = manifest(&dir);
    assert_eq!((m["seed"].as_u64(), m["cycles"].as_u64()), (Some(5), Some(3)));
    assert_eq!(m["config"]["contract_step"], 4, "--set beats the environment");
    assert_eq!(m["config"]["contract_cooldown"], 7, "the environment beats the scenario");
    assert_eq!(m["config"]["strike_step"]["NIFTY"], 100.0);
    assert_eq!(m["config"]["parity"], "G6");
    let sources: Vec<String> =
        m["applied"].as_array().unwrap().iter().map(|a| format!("{}={}", a["key"], a["source"])).collect();
    assert!(sources.contains(&r#""contract_step"="set""#.to_string()), "{sources:?}");
    assert!(sources.contains(&r#""contract_cooldown"="env""#.to_string()), "{sources:?}");
    let cycles = std::fs::read_to_string(dir.join("cycles.jsonl")).unwrap();
    assert!(cycles.contains(r#""step":100.0"#), "the step override reaches the ladder");
}

#[test]
fn an_unparsable_environment_value_warns_and_keeps_the_default() {
    let dir = temp_dir("cli-env-warn");
    let scenario = plain_scenario(&dir);
    let out = g6sim(&["run", &scenario, "-q", "--out", dir.to_str().unwrap()], &[("G6_STRIKE_COVERAGE_OK", "1.5")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("warning: ignoring G6_STRIKE_COVERAGE_OK=\"1.5\""), "{}", text(&out.stderr));
    assert_eq!(manifest(&dir)["config"]["strike_coverage_ok"], 0.75);
}

#[test]
fn check_runs_the_shipped_scenarios_and_passes() {
    let out = g6sim(&["check"], &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("PASS   scenarios/healthy_baseline.ron"), "{stdout}");
    assert!(stdout.contains("0 failed, 0 could not be loaded"), "{stdout}");
}

#[test]
fn serve_metrics_answers_a_real_http_scrape_with_the_runs_metrics() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = temp_dir("cli-serve");
    let mut child = Command::new(bin())
        .args(["run", "scenarios/strike_dropout_recovery.ron", "-q", "--out", dir.to_str().unwrap()])
        .args(["--serve-metrics", "127.0.0.1:0", "--hold"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr =
        first.strip_prefix("serving metrics at http://").and_then(|r| r.strip_suffix("/metrics")).unwrap().to_string();
    for line in lines.by_ref() {
        if line.unwrap().starts_with("holding: ") {
            break;
        }
    }
    let scrape = |path: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/plain\r\n\r\n").unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        response
    };
    let response = scrape("/metrics");
    let _ = child.kill();
    let _ = child.wait();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK") && head.contains("text/plain; version=0.0.4"), "{head}");
    assert_eq!(body, std::fs::read_to_string(dir.join("metrics.prom")).unwrap(), "the endpoint serves the file's text");
    assert!(body.contains("g6_strike_depth_adjustments_total{index=\"NIFTY\",reason=\"contraction\"} 3"));
}

#[test]
fn serve_metrics_without_hold_exits_and_a_bad_address_is_bad_input() {
    let dir = temp_dir("cli-serve-nohold");
    let out = g6sim(
        &["run", "scenarios/low_both.ron", "-q", "--out", dir.to_str().unwrap(), "--serve-metrics", "127.0.0.1:0"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("serving metrics at http://127.0.0.1:"));
    let out = g6sim(&["run", "scenarios/low_both.ron", "-q", "--serve-metrics", "not-an-address"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot serve metrics on not-an-address"), "{}", text(&out.stderr));
    let out = g6sim(&["run", "scenarios/low_both.ron", "--hold"], &[]);
    assert_eq!(out.status.code(), Some(2), "--hold needs --serve-metrics");
}

#[test]
fn greeks_flag_adds_iv_and_greeks_to_the_per_expiry_output() {
    let dir = temp_dir("cli-greeks");
    let scenario = plain_scenario(&dir);
    let out = g6sim(&["run", &scenario, "-q", "--greeks", "--cycles", "1", "--out", dir.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let line = std::fs::read_to_string(dir.join("cycles.jsonl")).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let a = &v["indices"][0]["expiries"][0]["analytics"];
    assert_eq!(a["iv_success"], 42);
    assert!(a["atm_call"]["greeks"]["vega"].as_f64().unwrap() > 0.0, "{a}");
    assert_eq!(manifest(&dir)["config"]["compute_greeks"], true);
}

#[test]
fn check_determinism_runs_twice_prints_one_line_and_writes_nothing() {
    let dir = temp_dir("cli-canary");
    let scenario = root().join("scenarios/healthy_baseline.ron");
    let out = Command::new(bin())
        .args(["run", scenario.to_str().unwrap(), "--check-determinism", "--cycles", "5", "--greeks"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let run = run_scenario(
        &g6sim::scenario::load_file(&scenario).unwrap(),
        &g6sim::RunOptions { cycles: Some(5), sets: vec!["compute_greeks=true".into()], ..Default::default() },
    )
    .unwrap();
    let expected = format!(
        "determinism: identical (5 cycles, {} events, spawn order forward vs reverse)\n",
        run.result.events.len()
    );
    assert_eq!(stdout, expected);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no outputs: nothing under the working directory");

    let missing = g6sim(&["run", "scenarios/no_such.ron", "--check-determinism"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).starts_with("error: "), "{}", text(&missing.stderr));
    let both = g6sim(&["run", "scenarios/healthy_baseline.ron", "--check-determinism", "--out", "x"], &[]);
    assert_eq!(both.status.code(), Some(2), "--out conflicts: the check writes nothing");
}
