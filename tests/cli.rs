//! The command line end to end: exit codes, outputs, overrides and their precedence.

use crate::common::*;
// `g6sim(ARGS, ENV)` here: the shared helper with the variables a test sets.
use crate::common::g6sim_with as g6sim;
use g6sim::run_scenario;
use std::path::Path;
use std::process::Command;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scenario without expectations, so overrides cannot make it fail.
fn plain_scenario(dir: &Path) -> String {
    let path = dir.join("plain.ron");
    std::fs::write(
        &path,
        r#"Scenario(name: "plain", seed: 1, start: "2025-10-06T09:15:00+05:30", cycles: 6,
            indices: [(symbol: "NIFTY", expiries: ["this_week"])], config: (contract_cooldown: 2),
            expectations: [Total(of: Events(event: "zero_data"), is: Eq(0))])"#,
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

/// `g6sim run` streams its files cycle by cycle; they are the bytes the library writes from a whole run kept
/// in memory (`write_run`, `PlotData::from_run`), charts included, with TRACE events on and failing
/// expectations (their details name cycles), and no temporary is left behind.
#[test]
fn a_streamed_run_writes_the_bytes_of_the_in_memory_run() {
    let (streamed, kept) = (temp_dir("cli-streamed"), temp_dir("cli-kept"));
    let sets = ["trace=true", "expansion_step=4"];
    let mut args = vec!["run", "scenarios/strike_dropout_recovery.ron", "-q", "--plots", "--out"];
    args.push(streamed.to_str().unwrap());
    args.extend(sets.iter().flat_map(|s| ["--set", s]));
    let out = g6sim(&args, &[]);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    let loaded = g6sim::scenario::load_file(&root().join("scenarios/strike_dropout_recovery.ron")).unwrap();
    let options = g6sim::RunOptions { sets: sets.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    let run = run_scenario(&loaded, &options).unwrap();
    assert!(!run.passed());
    g6sim::output::write_run(&run, &kept).unwrap();
    g6sim::plot::render(&g6sim::plot::PlotData::from_run(&run).unwrap(), &kept.join("plots")).unwrap();
    let listing = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .chain(std::fs::read_dir(dir.join("plots")).unwrap())
            .map(|e| e.unwrap().path().strip_prefix(dir).unwrap().display().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(&streamed), listing(&kept));
    assert_eq!(listing(&streamed).len(), 4 + 1 + 8, "{:?}", listing(&streamed));
    for name in listing(&kept).iter().filter(|n| n.as_str() != "plots") {
        let (a, b) = (std::fs::read(streamed.join(name)).unwrap(), std::fs::read(kept.join(name)).unwrap());
        assert!(a == b, "{name}: the streamed run's {} bytes differ from the in-memory run's {}", a.len(), b.len());
    }
    let events = std::fs::read_to_string(streamed.join("events.jsonl")).unwrap();
    assert!(events.contains("\"instrument_coverage\""), "TRACE events are on");
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
    let dir = dir.join("out");
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

/// A `G6_*` value g6sim cannot apply is bad input, said once (no "sets" note before it), as a bad `--set` is;
/// `--no-env` gets past it.
#[test]
fn an_unparsable_environment_value_is_bad_input() {
    let dir = temp_dir("cli-env-bad");
    let scenario = plain_scenario(&dir);
    let out_dir = dir.join("out");
    for command in [vec!["run", &scenario, "-q"], vec!["check", &scenario]] {
        let mut args = command.clone();
        args.extend(["--out", out_dir.to_str().unwrap()].iter().filter(|_| command[0] == "run"));
        let out = g6sim(&args, &[("G6_CONTRACT_OK_CYCLES", "abc")]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(
            stderr.starts_with("error: environment G6_CONTRACT_OK_CYCLES=\"abc\": `abc` is not a whole number"),
            "{stderr}"
        );
        assert!(stderr.contains("--no-env") && !stderr.contains("note:") && !stderr.contains("warning"), "{stderr}");
        assert!(!out_dir.exists(), "{command:?}: nothing runs");
    }
    let mut args = vec!["run", &scenario, "-q", "--no-env", "--out", out_dir.to_str().unwrap()];
    let out = g6sim(&args, &[("G6_CONTRACT_OK_CYCLES", "abc")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    args.retain(|a| *a != "--no-env");
    let out = g6sim(&args, &[("G6_STRIKE_COVERAGE_OK", "1.5")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("strike_coverage_ok takes a ratio") || text(&out.stderr).contains("ratio"),
        "{}",
        text(&out.stderr)
    );
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
    let mut child = Spawned::spawn(
        g6sim_cmd()
            .args(["run", "scenarios/strike_dropout_recovery.ron", "-q", "--out", dir.to_str().unwrap()])
            .args(["--serve-metrics", "127.0.0.1:0", "--hold"])
            .stdout(std::process::Stdio::piped()),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
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
    drop(child);
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
    let refused = temp_dir("cli-serve-refused").join("run");
    let args = ["run", "scenarios/low_both.ron", "-q", "--out", refused.to_str().unwrap()];
    let out = g6sim(&[&args[..], &["--serve-metrics", "not-an-address"]].concat(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot serve metrics on not-an-address"), "{}", text(&out.stderr));
    assert!(!refused.exists(), "a bad address is refused before the output directory is made");
    let out = g6sim(&[&args[..], &["--hold"]].concat(), &[]);
    assert_eq!(out.status.code(), Some(2), "--hold needs --serve-metrics");
    assert!(!refused.exists());
}

#[test]
fn greeks_flag_adds_iv_and_greeks_to_the_per_expiry_output() {
    let dir = temp_dir("cli-greeks");
    let scenario = plain_scenario(&dir);
    let dir = dir.join("out");
    let out = g6sim(&["run", &scenario, "-q", "--greeks", "--cycles", "1", "--out", dir.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let line = std::fs::read_to_string(dir.join("cycles.jsonl")).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let a = &v["indices"][0]["expiries"][0]["analytics"];
    assert_eq!(a["iv_success"], 42);
    assert!(a["atm_call"]["greeks"]["vega"].as_f64().unwrap() > 0.0, "{a}");
    assert_eq!(manifest(&dir)["config"]["compute_greeks"], true);
    // The console says so too (one expiry, 42 quotes, one cycle); -q starts with the summary, not a blank line.
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("scenario plain (1 cycles"), "{stdout}");
    assert!(stdout.contains("  implied volatilities: 42 solved, 0 not solved"), "{stdout}");
    let plain = g6sim(&["run", &scenario, "-q", "--cycles", "1", "--out", dir.to_str().unwrap()], &[]);
    assert!(!text(&plain.stdout).contains("implied volatilities"), "{}", text(&plain.stdout));
}

#[test]
fn check_determinism_runs_twice_prints_one_line_and_writes_nothing() {
    let dir = temp_dir("cli-canary");
    let scenario = root().join("scenarios/healthy_baseline.ron");
    let out = g6sim_cmd()
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

/// Parity g6 reads a strike-scaling variable as the reference's Python does, and says so: a breach threshold
/// `int()` rejects means no scale change; the default refuses it before anything runs.
#[test]
fn a_strike_scaling_variable_python_rejects_is_said_in_parity_and_bad_input_by_default() {
    let dir = temp_dir("cli-env-python");
    let env = [("G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD", "3.0")];
    let out_dir = dir.join("out");
    let args = ["run", "scenarios/sla_limit_cycle.ron", "-q", "--out", out_dir.to_str().unwrap()];
    let out = g6sim(&[&args[..], &["--parity", "g6"]].concat(), &env);
    assert_eq!(out.status.code(), Some(1), "its expectations want the scale changes: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "warning: G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD=\"3.0\": parity g6 reads it as the reference does (int() \
         fails), so strike scaling never runs\n"
    );
    let events = std::fs::read_to_string(out_dir.join("events.jsonl")).unwrap();
    assert!(!events.contains("adaptive_scale_change"));
    let m = manifest(&out_dir);
    assert_eq!(m["config"]["parity_reads"], serde_json::json!({"G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD": "3.0"}));
    let cycles = std::fs::read_to_string(out_dir.join("cycles.jsonl")).unwrap();
    assert!(
        cycles.lines().all(|l| l.contains(r#""strike_scaling":{"scale":1.0,"breach_streak":0,"healthy_streak":0}"#))
    );
    std::fs::remove_dir_all(&out_dir).unwrap();
    let out = g6sim(&args, &env);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: environment G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD=\"3.0\": `3.0` is not a whole number \
             (strike_scaling_breach_threshold takes a whole number >= 0)\n  hint: fix or unset"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("note:") && !out_dir.exists(), "{stderr}");
}

#[test]
fn environment_overrides_are_announced_first_and_no_env_ignores_them() {
    let env = [("G6_CONTRACT_OK_CYCLES", "2")];
    let out = g6sim(&["check"], &env);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the variable changes verdicts: {}", text(&out.stdout));
    assert!(
        stderr.starts_with(
            "note: environment G6_CONTRACT_OK_CYCLES=2 sets contract_ok_cycles (--no-env ignores G6_* variables)\n"
        ),
        "{stderr}"
    );
    let out = g6sim(&["check", "--no-env"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(!text(&out.stderr).contains("G6_CONTRACT_OK_CYCLES"), "{}", text(&out.stderr));
    let dir = temp_dir("cli-no-env");
    let out = g6sim(&["run", "scenarios/healthy_baseline.ron", "--out", dir.to_str().unwrap(), "-q"], &env);
    assert!(text(&out.stderr).starts_with("note: environment G6_CONTRACT_OK_CYCLES=2"), "{}", text(&out.stderr));
    let out = g6sim(&["run", "scenarios/healthy_baseline.ron", "--out", dir.to_str().unwrap(), "-q", "--no-env"], &env);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(manifest(&dir)["config"]["contract_ok_cycles"], 5, "the variable was ignored");
    assert_eq!(manifest(&dir)["applied"], serde_json::json!([]));
}

#[test]
fn overrides_that_could_never_be_meant_are_bad_input_naming_the_choices() {
    let dir = temp_dir("cli-bad-overrides");
    let out_dir = dir.join("out");
    let cases: [(&[&str], &str); 7] = [
        (
            &["--set", "strike_step.NIFTY=30000"],
            "strike_step.NIFTY = 30000: 24800 is not an index price for NIFTY: expected a number from its strike step",
        ),
        (
            &["--set", "strike_step.NIFY=75"],
            "--set strike_step.NIFY=75: strike_step.NIFY names no index of this scenario (did you mean `NIFTY`?); its indices: NIFTY, BANKNIFTY",
        ),
        (
            &["--set", "adaptive_expansion=yes"],
            "--set adaptive_expansion=yes: `yes` is not a boolean (adaptive_expansion takes true or false)",
        ),
        (&["--set", "contract_step=0"], "--set contract_step=0: 0 is out of range: expected a whole number >= 1"),
        (&["--set", "contract_ok_cycle=3"], "unknown key (did you mean `contract_ok_cycles`?)"),
        (
            &["--set", "depth_max_itm=4"],
            "--set depth_max_itm=4: the expansion cap depth_max_itm = 4 is below NIFTY's baseline 10",
        ),
        (&["--cycles", "0"], "--cycles 0: a run has at least one cycle"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["run", "scenarios/healthy_baseline.ron", "--out", out_dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = g6sim(&args, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
        assert!(!out_dir.exists(), "{extra:?}: nothing simulated, nothing written");
    }
    let out = g6sim(&["check", "--set", "strike_step.NIFY=75", "scenarios/healthy_baseline.ron"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    // A variable naming an absent index warns (the reference reads it regardless) and the run goes on.
    let out = g6sim(
        &["run", "scenarios/healthy_baseline.ron", "--out", out_dir.to_str().unwrap(), "-q"],
        &[("G6_STRIKE_STEP_FOO", "25")],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("warning: G6_STRIKE_STEP_FOO: strike_step.FOO names no index"));
}

#[test]
fn the_output_directory_is_checked_before_simulating_and_owned_by_the_run() {
    let dir = temp_dir("cli-out-dir");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec!["run", "scenarios/healthy_baseline.ron", "--out", out.to_str().unwrap(), "-q"];
        args.extend_from_slice(extra);
        g6sim(&args, &[])
    };
    let out = run(&file, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("a-file: is a file, not a directory"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).is_empty(), "refused before simulating: {}", text(&out.stdout));
    // A non-empty directory that is not a g6sim run is refused, then written with --force (others kept).
    let foreign = dir.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let out = run(&foreign, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("holds no g6sim run") && text(&out.stderr).contains("--force"));
    assert!(text(&out.stdout).is_empty());
    assert_eq!(run(&foreign, &["--force"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(foreign.join("notes.txt")).unwrap(), "mine");
    assert!(foreign.join("manifest.json").is_file());
    // A second run into a run directory replaces it: no charts of the first run are left behind.
    let owned = dir.join("owned");
    assert_eq!(run(&owned, &["--plots"]).status.code(), Some(0));
    assert!(owned.join("plots/depth.svg").is_file());
    std::fs::write(owned.join(".events.jsonl.tmp-1"), "half").unwrap();
    assert_eq!(run(&owned, &[]).status.code(), Some(0), "a g6sim run directory is reused without --force");
    let mut left: Vec<String> =
        std::fs::read_dir(&owned).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["cycles.jsonl", "events.jsonl", "manifest.json", "metrics.prom"]);
}

#[test]
fn a_closed_pipe_stops_the_printing_not_the_run() {
    use std::io::{BufRead, BufReader};
    let dir = temp_dir("cli-pipe");
    let mut child = Spawned::start(&["run", "scenarios/strike_dropout_recovery.ron", "--out", dir.to_str().unwrap()]);
    // Read one line, as `| head -1` does, then close the pipe.
    let mut first = String::new();
    BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("cycle"), "{first}");
    let out = child.output();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert!(dir.join("manifest.json").is_file(), "the run still wrote its outputs");
}

/// The shipped `scenarios/walk.ron` (a low-priced index with a deep ladder on a random walk: with
/// `--set prefilter_max_instruments=90` some seeds clamp, [`walk_failures`]), copied under a name with a
/// space, which reproduction commands must quote.
fn walk_scenario(dir: &Path) -> String {
    let path = dir.join("walk seeds.ron");
    std::fs::copy(root().join("scenarios/walk.ron"), &path).unwrap();
    path.display().to_string()
}

/// The seeds of `seeds` under which `scenarios/walk.ron` with `prefilter_max_instruments=90` fails, computed
/// through the library: each with its first failure as the seed commands print it (`<expectation>;
/// <detail>`) and what its run came to (`expiries N OK, N PARTIAL, N EMPTY, N SYNTH; depth adjustments N;
/// expectations N/N passed`). Asserts that some seeds fail and some pass, and that none fails without the
/// override.
fn walk_failures(seeds: std::ops::RangeInclusive<u64>) -> Vec<(u64, String, String)> {
    use g6sim::events::Event;
    let loaded = g6sim::scenario::load_file(&root().join("scenarios/walk.ron")).unwrap();
    let run = |seed: u64, sets: &[&str]| {
        let sets = sets.iter().map(|s| s.to_string()).collect();
        run_scenario(&loaded, &g6sim::RunOptions { seed: Some(seed), sets, ..Default::default() }).unwrap()
    };
    let mut failures = Vec::new();
    for seed in seeds.clone() {
        assert!(run(seed, &[]).passed(), "seed {seed} fails without the override");
        let r = run(seed, &["prefilter_max_instruments=90"]);
        let Some(first) = r.outcomes.iter().find(|o| !o.passed) else { continue };
        let mut t = [0u32; 4];
        for c in &r.result.cycles {
            let s = &c.expiry_status_totals;
            t = [t[0] + s.ok, t[1] + s.partial, t[2] + s.empty, t[3] + s.synth];
        }
        let adjustments = r.result.events.iter().filter(|e| matches!(e.event, Event::StrikeDepthAdjustment(_))).count();
        let passed = r.outcomes.iter().filter(|o| o.passed).count();
        let described = format!(
            "expiries {} OK, {} PARTIAL, {} EMPTY, {} SYNTH; depth adjustments {adjustments}; expectations {passed}/{} passed",
            t[0],
            t[1],
            t[2],
            t[3],
            r.outcomes.len()
        );
        failures.push((seed, format!("{}; {}", first.expectation, first.detail), described));
    }
    let n = seeds.count();
    assert!(!failures.is_empty() && failures.len() < n, "some seeds of the {n} fail, not all: {failures:?}");
    failures
}

#[test]
fn check_seeds_passes_a_scenario_that_holds_under_every_seed() {
    let out = g6sim(&["check", "scenarios/healthy_baseline.ron", "--seeds", "1..4", "--no-env"], &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let expected = format!(
        "result {:<40} cycles  seeds\nPASS   {:<40}     20  seeds 4/4 passed\n\
         1 scenario x 4 seeds: 1 passed, 0 failed, 0 could not be loaded\n",
        "scenario", "scenarios/healthy_baseline.ron"
    );
    assert_eq!(stdout, expected);
}

#[test]
fn check_seeds_lists_the_failing_seeds_with_commands_that_reproduce_them() {
    let dir = temp_dir("cli-check-seeds");
    let scenario = walk_scenario(&dir);
    let args = ["--set", "prefilter_max_instruments=90", "--no-env"];
    let out = g6sim(&[&["check", scenario.as_str(), "--seeds", "1..8"][..], &args].concat(), &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let quoted = format!("'{scenario}'");
    let failures = walk_failures(1..=8);
    let failing: Vec<String> = failures.iter().map(|(seed, _, _)| seed.to_string()).collect();
    let repro: String = failures
        .iter()
        .map(|(seed, first, _)| {
            format!(
                "         g6sim run {quoted} --seed {seed} --set prefilter_max_instruments=90 --no-env  \
                 # first failure: {first}\n"
            )
        })
        .collect();
    let expected = format!(
        "result {:<40} cycles  seeds\nFAIL   {scenario:<40}     10  seeds {}/8 passed; failing seeds: {}\n{repro}\
         1 scenario x 8 seeds: 0 passed, 1 failed, 0 could not be loaded\n",
        "scenario",
        8 - failures.len(),
        failing.join(", ")
    );
    assert_eq!(stdout, expected);

    // Pasted into a shell (with the binary's path for `g6sim`), each line reruns the seed: exit 1 and the same
    // first failure. The run writes its default out/walk/ under the working directory.
    let lines: Vec<&str> = stdout.lines().filter_map(|l| l.trim_start().strip_prefix("g6sim ")).collect();
    assert_eq!(lines.len(), failures.len());
    for line in lines {
        let first = line.split_once("# first failure: ").unwrap().1;
        let work = dir.join(format!("repro-{}", line.len()));
        std::fs::create_dir_all(&work).unwrap();
        let mut sh = Command::new("sh");
        without_g6sim_env(&mut sh).arg("-c").arg(format!("'{}' {line}", bin().display())).current_dir(&work);
        let rerun = sh.output().unwrap();
        let rerun_out = text(&rerun.stdout);
        assert_eq!(rerun.status.code(), Some(1), "{line}\n{rerun_out}{}", text(&rerun.stderr));
        assert!(rerun_out.contains(&format!("expected {first}\n")), "{line}\n{rerun_out}");
        assert!(work.join("out/walk/manifest.json").is_file());
    }
    // The override is part of the reproduction: without it no seed fails.
    let out = g6sim(&["check", scenario.as_str(), "--seeds", "1..8", "--no-env"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn run_seeds_prints_a_line_per_seed_and_writes_each_seeds_run() {
    let dir = temp_dir("cli-run-seeds");
    let scenario = walk_scenario(&dir);
    let out_dir = dir.join("sweep");
    let run = |seeds: &str| {
        g6sim(
            &[
                "run",
                &scenario,
                "--seeds",
                seeds,
                "--out",
                out_dir.to_str().unwrap(),
                "--set",
                "prefilter_max_instruments=90",
                "--no-env",
            ],
            &[],
        )
    };
    let out = run("3..8");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let failures = walk_failures(3..=8);
    let fails = |seed: u64| failures.iter().any(|(s, _, _)| *s == seed);
    let verdicts: Vec<&str> = stdout.lines().filter(|l| l.starts_with("seed ")).map(|l| &l[..12]).collect();
    let expected: Vec<String> =
        (3..=8).map(|seed| format!("seed {seed}  {}", if fails(seed) { "FAIL" } else { "PASS" })).collect();
    assert_eq!(verdicts, expected, "{stdout}");
    for (seed, first, described) in &failures {
        assert!(stdout.contains(&format!("seed {seed}  FAIL  {described}\n")), "{stdout}");
        assert!(
            stdout.contains(&format!(
                "\n  g6sim run '{scenario}' --seed {seed} --set prefilter_max_instruments=90 --no-env  \
                 # first failure: {first}\n"
            )),
            "{stdout}"
        );
    }
    let failing: Vec<String> = failures.iter().map(|(seed, _, _)| seed.to_string()).collect();
    let summary = format!(
        "\nscenario walk (10 cycles, parity Off): seeds {}/6 passed; failing seeds: {}\n",
        6 - failures.len(),
        failing.join(", ")
    );
    assert!(stdout.contains(&summary), "{summary}\n{stdout}");
    let listing = |dir: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    assert_eq!(listing(&out_dir), ["seed-3", "seed-4", "seed-5", "seed-6", "seed-7", "seed-8"]);
    for seed in 3..=8 {
        let m = manifest(&out_dir.join(format!("seed-{seed}")));
        assert_eq!(m["seed"], seed);
        assert_eq!(m["expectations"]["failed"], u64::from(fails(seed)), "seed {seed}");
    }
    // A second sweep replaces the first: the other seeds' runs go, anything else is refused.
    assert_eq!(run("5,6").status.code(), Some(0));
    assert_eq!(listing(&out_dir), ["seed-5", "seed-6"]);
    std::fs::write(out_dir.join("notes.txt"), "mine").unwrap();
    let out = run("5");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("holds notes.txt besides seed-N run directories"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).is_empty(), "refused before simulating");
}

#[test]
fn a_bad_seeds_spec_or_seeds_with_seed_is_a_usage_error() {
    for args in [
        &["check", "scenarios/healthy_baseline.ron", "--seeds", "0"][..],
        &["check", "--seeds", "1..x"],
        &["run", "scenarios/healthy_baseline.ron", "--seeds", "4,4"],
        &["run", "scenarios/healthy_baseline.ron", "--seeds", "9..2"],
    ] {
        let out = g6sim(args, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: invalid value") && stderr.contains("for '--seeds <SPEC>'"), "{stderr}");
        assert!(text(&out.stdout).is_empty(), "{args:?}: nothing ran");
    }
    let out = g6sim(&["run", "scenarios/healthy_baseline.ron", "--seeds", "3", "--seed", "4"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("'--seeds <SPEC>' cannot be used with '--seed <SEED>'"),
        "{}",
        text(&out.stderr)
    );
}

/// Careless commands, each told its own mistake (not a message about something else).
#[test]
fn careless_commands_get_the_message_of_their_mistake() {
    let dir = temp_dir("cli-careless");
    for args in [&["sweep", "merg", "a", "b", "--out", "c"][..], &["sweep", "merg", "--out", "c"]] {
        let out = g6sim(args, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("(did you mean `merge`?)") && !stderr.contains("cannot be used with"), "{stderr}");
    }
    let empty = dir.join("empty.ron");
    std::fs::write(&empty, "// nothing yet\n\n").unwrap();
    let out = g6sim(&["run", empty.to_str().unwrap()], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("empty.ron:1:1: the file is empty") && !stderr.contains("struct's name"), "{stderr}");
    let json = dir.join("json.ron");
    std::fs::write(&json, "{\"name\": \"x\"}").unwrap();
    let stderr = text(&g6sim(&["run", json.to_str().unwrap()], &[]).stderr);
    assert!(stderr.contains("one `Scenario(...)`") && !stderr.contains("struct's name"), "{stderr}");
    // A scenario named twice is checked once.
    let stdout = text(&g6sim(&["check", "scenarios/walk.ron", "./scenarios/walk.ron", "--no-env"], &[]).stdout);
    assert!(stdout.ends_with("1 scenario: 1 passed, 0 failed, 0 could not be loaded\n"), "{stdout}");
    // A negative count is a bad value of its flag, not an unknown argument.
    let stderr = text(&g6sim(&["run", "scenarios/walk.ron", "--cycles", "-5"], &[]).stderr);
    assert!(stderr.contains("invalid value '-5' for '--cycles") && !stderr.contains("tip:"), "{stderr}");
    // `check` with no argument, where there is no scenarios/ directory.
    let out = g6sim_cmd().arg("check").current_dir(&dir).env_clear().output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no scenarios/ directory here") && !stderr.contains("with no argument runs"), "{stderr}");
}

/// Every command's `--help` stands alone: every argument and option described, no backlog labels (B1..B8)
/// that only the glossary explains.
#[test]
fn every_help_page_describes_every_argument() {
    let commands: [&[&str]; 12] = [
        &[],
        &["run"],
        &["replay"],
        &["plot"],
        &["check"],
        &["universe"],
        &["sweep"],
        &["sweep", "merge"],
        &["bench"],
        &["bench", "diff"],
        &["bench", "verify"],
        &["bench", "aggregate"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = g6sim(&args, &[]);
        let help = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{command:?}");
        // An argument or option line is indented two spaces; its description follows on the same line or the
        // next, more indented.
        let lines: Vec<&str> = help.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let item = line.starts_with("  ") && !line.starts_with("   ") && line.trim_start().starts_with(['-', '<']);
            if !item {
                continue;
            }
            let described = line.trim().contains("  ") || lines.get(i + 1).is_some_and(|n| n.starts_with("          "));
            assert!(described, "{command:?}: `{}` has no description:\n{help}", line.trim());
        }
        for label in ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "section 17", "matched by cycle order"] {
            assert!(!help.contains(label), "{command:?}: `{label}` in:\n{help}");
        }
    }
}

/// A scenario that fails and whose charts cannot be drawn counts once, as an error (exit 2).
#[test]
fn check_counts_a_scenario_once() {
    let dir = temp_dir("cli-check-once");
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).unwrap();
    std::fs::write(plots.join("walk"), "a file where the charts' directory would go").unwrap();
    for seeds in [&["--seeds", "4"][..], &[]] {
        let mut args = vec!["check", "scenarios/walk.ron", "--set", "prefilter_max_instruments=90", "--no-env"];
        args.extend(["--plots", plots.to_str().unwrap()]);
        args.extend(seeds);
        let out = g6sim(&args, &[]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{seeds:?}: {stdout}{}", text(&out.stderr));
        assert!(stdout.contains(": 0 passed, 0 failed, 1 could not be loaded"), "{seeds:?}: {stdout}");
    }
}

/// What could only fail or exhaust the machine later is refused before anything runs: a benchmark artifact
/// directory that is a file, a synthetic dump larger than a scenario can run.
#[test]
fn destinations_and_sizes_are_checked_before_anything_runs() {
    let dir = temp_dir("cli-before");
    let out = dir.join("out");
    let args = ["run", "scenarios/walk.ron", "-q", "--set", "benchmark_dump=scenarios/walk.ron", "--out"];
    let said = g6sim(&[&args[..], &[out.to_str().unwrap()]].concat(), &[]);
    let stderr = text(&said.stderr);
    assert_eq!(said.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("benchmark_dump scenarios/walk.ron: is a file, not a directory"), "{stderr}");
    assert!(!out.join("manifest.json").exists() && !stderr.contains("warning: cycle"), "{stderr}");
    let dump = dir.join("huge.csv");
    let said = g6sim(
        &[
            "universe",
            "--out",
            dump.to_str().unwrap(),
            "--weeks",
            "1000",
            "--months",
            "1000",
            "--strikes-per-side",
            "5000",
        ],
        &[],
    );
    let stderr = text(&said.stderr);
    assert_eq!(said.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at most 2000000") && stderr.contains("hint:"), "{stderr}");
    assert!(!dump.exists());
}

/// Mistakes that point at the right command or the flag the user wrote.
#[test]
fn mistakes_point_at_the_right_command() {
    let say = |args: &[&str]| {
        let out = g6sim(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        text(&out.stderr)
    };
    let e = say(&["run", "scenarios/history/banknifty_low_both.csv"]);
    assert!(e.contains("replay it with `g6sim replay FILE`"), "{e}");
    let e = say(&["replay", "scenarios/walk.ron"]);
    assert!(e.contains("run it with `g6sim run FILE`"), "{e}");
    let e = say(&["sweep", "scenarios/walk.ron", "--param", "contract_stpe=1..2", "--out", "/nonexistent/x"]);
    assert!(e.contains("--param contract_stpe: unknown key") && !e.contains("--set"), "{e}");
    let e = say(&["sweep", "scenarios/history/banknifty_low_both.csv", "--param", "contract_step=1,2", "--seeds", "4"]);
    assert!(e.contains("a replay draws no random numbers"), "{e}");
    let e = say(&["check", "scenarios/history"]);
    assert!(e.contains("no scenario files found in scenarios/history") && e.contains("name history"), "{e}");
}

/// A `G6_*` variable one slip away from one g6sim reads is named, since it changes nothing.
#[test]
fn a_misspelt_environment_variable_is_named() {
    let dir = temp_dir("cli-env-miss");
    let out = dir.join("out");
    let said =
        g6sim(&["run", "scenarios/walk.ron", "-q", "--out", out.to_str().unwrap()], &[("G6_CONTRACT_OK_CYCLE", "3")]);
    assert_eq!(said.status.code(), Some(0));
    assert!(
        text(&said.stderr)
            .contains("G6_CONTRACT_OK_CYCLE is no variable g6sim reads (did you mean G6_CONTRACT_OK_CYCLES?)")
    );
}
