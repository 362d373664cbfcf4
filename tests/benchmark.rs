//! Benchmark artifacts (B7/B8) and the `g6sim bench` tools.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a shipped scenario with artifacts into `dir/artifacts`, plus extra `--set`s.
fn dump(dir: &Path, scenario: &str, sets: &[&str]) -> PathBuf {
    let artifacts = dir.join("artifacts");
    let dump = format!("benchmark_dump={}", artifacts.display());
    let out_dir = dir.join("out");
    let mut args = vec!["run", scenario, "-q", "--out", out_dir.to_str().unwrap(), "--set", &dump];
    for s in sets {
        args.extend(["--set", s]);
    }
    let out = g6sim(&args);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out.stderr));
    artifacts
}

fn artifacts(dir: &Path) -> Vec<PathBuf> {
    g6sim::artifact::list(dir).unwrap()
}

#[test]
fn one_artifact_per_cycle_with_the_reference_schema_and_key_order() {
    let dir = temp_dir("bench-schema");
    let files = artifacts(&dump(&dir, "scenarios/provider_outage.ron", &[]));
    assert_eq!(files.len(), 16);
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(name, "benchmark_cycle_20251006T034500000000Z.json", "simulated clock, UTC");
    let body = std::fs::read_to_string(&files[4]).unwrap();
    let top: Vec<&str> =
        body.lines().filter(|l| l.starts_with("  \"")).map(|l| l.trim().split('"').nth(1).unwrap()).collect();
    assert_eq!(
        top,
        [
            "version",
            "timestamp",
            "duration_s",
            "phase_times",
            "phase_failures",
            "options_total",
            "indices",
            "partial_reason_totals",
            "digest_sha256"
        ]
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["phase_failures"]["fetch_instruments"], 2, "cycle 5: both NIFTY expiries got nothing");
    assert_eq!(v["options_total"], 34);
    let expiry = v["indices"][1]["expiries"][0].as_object().unwrap();
    let keys: Vec<&str> = expiry.keys().map(String::as_str).collect();
    let mut in_file: Vec<&str> = vec![];
    for k in ["rule", "status", "options", "strike_coverage", "field_coverage", "partial_reason"] {
        assert!(keys.contains(&k));
        in_file.push(k);
    }
    let block = &body[body.find("\"rule\": ").unwrap()..];
    let pos: Vec<usize> = in_file.iter().map(|k| block.find(&format!("\"{k}\": ")).unwrap()).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "expiry keys in the reference's order");
    assert_eq!(
        v["partial_reason_totals"],
        serde_json::json!({"low_strike": 0, "low_field": 0, "low_both": 0, "unknown": 0, "prefilter_clamp": 0}),
        "filled, where the reference left null"
    );
    let phases: Vec<&String> = v["phase_times"].as_object().unwrap().keys().collect();
    assert!(phases.contains(&&"fetch_instruments".to_string()) && phases.len() == 11, "{phases:?}");
}

const PY_CHECK: &str = r#"
import glob, gzip, hashlib, json, sys
n = 0
for f in sorted(glob.glob(sys.argv[1] + "/benchmark_cycle_*.json*")):
    text = gzip.open(f, "rt").read() if f.endswith(".gz") else open(f).read()
    d = json.loads(text)
    assert json.dumps(d, indent=2, ensure_ascii=False) == text, f + ": not json.dump(indent=2) text"
    stored = d.pop("digest_sha256")
    assert hashlib.sha256(json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest() == stored, f
    n += 1
print(n)
"#;

#[test]
fn python_reads_the_artifacts_as_its_own_and_recomputes_every_digest() {
    let dir = temp_dir("bench-python");
    let plain =
        dump(&dir.join("plain"), "scenarios/strike_dropout_recovery.ron", &["benchmark_annotate_outliers=true"]);
    let gz = dump(&dir.join("gz"), "scenarios/low_both.ron", &["benchmark_compress=true"]);
    for (d, n) in [(&plain, "25"), (&gz, "8")] {
        let out = python().args(["-c", PY_CHECK, d.to_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout).trim(), n);
        let out = g6sim(&["bench", "verify", d.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    }
    // gzip's own reader.
    let first = &artifacts(&gz)[0];
    assert!(first.to_str().unwrap().ends_with(".json.gz"));
    let out = Command::new("gzip").args(["-dc", first.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("{\n  \"version\": 1,"));
    // Annotations appear from the sixth cycle (five points of history).
    let a: Value = serde_json::from_str(&std::fs::read_to_string(&artifacts(&plain)[5]).unwrap()).unwrap();
    assert_eq!(a["anomalies"]["options_total"]["history_len"], 5);
    assert_eq!(a["anomalies"]["options_total"]["threshold"], 3.5);
    assert!(a["anomaly_summary"]["active_flags"].is_array());
    let early: Value = serde_json::from_str(&std::fs::read_to_string(&artifacts(&plain)[4]).unwrap()).unwrap();
    assert!(early.get("anomalies").is_none());
}

#[test]
fn only_duration_and_phase_times_vary_between_runs() {
    let dir = temp_dir("bench-vary");
    let (a, b) = (
        dump(&dir.join("a"), "scenarios/field_dropout.ron", &[]),
        dump(&dir.join("b"), "scenarios/field_dropout.ron", &[]),
    );
    let strip = |p: &PathBuf| {
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        for k in ["duration_s", "phase_times", "digest_sha256"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    let (fa, fb) = (artifacts(&a), artifacts(&b));
    assert_eq!(fa.len(), 14);
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.file_name(), y.file_name());
        assert_eq!(strip(x), strip(y));
    }
}

#[test]
fn retention_keeps_exactly_the_newest_n_and_nothing_else_is_touched() {
    let dir = temp_dir("bench-keep");
    let artifacts_dir = dir.join("artifacts");
    std::fs::create_dir_all(&artifacts_dir).unwrap();
    for other in ["notes.txt", "benchmark_cycle_old.txt", "benchmark_cycle_20000101T000000000000Z.csv"] {
        std::fs::write(artifacts_dir.join(other), "keep me").unwrap();
    }
    dump(&dir, "scenarios/oversized_clamp.ron", &["benchmark_keep_n=3", "benchmark_compress=true"]);
    let names: Vec<String> =
        artifacts(&artifacts_dir).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(
        names,
        [
            "benchmark_cycle_20251006T035400000000Z.json.gz",
            "benchmark_cycle_20251006T035500000000Z.json.gz",
            "benchmark_cycle_20251006T035600000000Z.json.gz"
        ]
    );
    for other in ["notes.txt", "benchmark_cycle_old.txt", "benchmark_cycle_20000101T000000000000Z.csv"] {
        assert!(artifacts_dir.join(other).exists(), "{other} is not an artifact and stays");
    }
    // A second run into the same directory takes collision suffixes, and retention still counts both kinds.
    dump(&dir, "scenarios/oversized_clamp.ron", &["benchmark_keep_n=4", "benchmark_compress=true"]);
    let names: Vec<String> =
        artifacts(&artifacts_dir).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(
        names,
        [
            "benchmark_cycle_20251006T035500000000Z.json.gz",
            "benchmark_cycle_20251006T035500000000Z_1.json.gz",
            "benchmark_cycle_20251006T035600000000Z.json.gz",
            "benchmark_cycle_20251006T035600000000Z_1.json.gz"
        ]
    );
}

#[test]
fn a_killed_run_leaves_only_whole_artifacts() {
    let dir = temp_dir("bench-kill");
    let artifacts_dir = dir.join("artifacts");
    let dump = format!("benchmark_dump={}", artifacts_dir.display());
    let mut child = Spawned::spawn(
        g6sim_cmd()
            .args([
                "run",
                "scenarios/healthy_baseline.ron",
                "-q",
                "--cycles",
                "100000",
                "--out",
                dir.to_str().unwrap(),
                "--set",
                &dump,
            ])
            .stdout(std::process::Stdio::null()),
    );
    // Wait until some whole artifacts exist (not counting the temporary file of a write in flight), then kill
    // the process mid-write.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // Count artifacts only: a hidden temporary of the write in progress is not one.
    let whole = || g6sim::artifact::list(&artifacts_dir).map_or(0, |f| f.len());
    while whole() < 20 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.0.kill().unwrap();
    child.wait_status();
    let files = artifacts(&artifacts_dir);
    assert!(files.len() >= 20, "{}", files.len());
    let out = g6sim(&["bench", "verify", artifacts_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "every artifact is whole: {}", text(&out.stdout));
}

/// Two hand-made artifacts with known numbers (their digests are recomputed by the tools).
fn known_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let old = serde_json::json!({
        "version": 1, "timestamp": "20251006T034500000000Z", "duration_s": 0.054,
        "phase_times": {"fetch_instruments": 0.02, "coverage_metrics": 0.004, "old_phase": 0.1},
        "phase_failures": {}, "options_total": 28,
        "indices": [
            {"index": "NIFTY", "status": "OK", "expiries": [{"rule": "this_week", "status": "OK", "options": 28, "strike_coverage": 1.0, "field_coverage": 1.0, "partial_reason": null}]},
            {"index": "SENSEX", "status": "OK", "expiries": []}
        ],
        "partial_reason_totals": {"low_strike": 0, "low_field": 1},
    });
    let new = serde_json::json!({
        "version": 1, "timestamp": "20251006T034600000000Z", "duration_s": 0.010,
        "phase_times": {"fetch_instruments": 0.025, "coverage_metrics": 0.003, "new_phase": 0.123},
        "phase_failures": {}, "options_total": 12,
        "indices": [
            {"index": "NIFTY", "status": "PARTIAL", "expiries": [{"rule": "this_week", "status": "PARTIAL", "options": 12, "strike_coverage": 0.5, "field_coverage": 1.0, "partial_reason": "low_strike"}]},
            {"index": "BANKNIFTY", "status": "OK", "expiries": [{"rule": "this_month", "status": "OK", "options": 40, "strike_coverage": 1.0, "field_coverage": 1.0, "partial_reason": null}]}
        ],
        "partial_reason_totals": {"low_strike": 1, "low_field": 1},
    });
    let write = |name: &str, mut v: Value| {
        let digest = g6sim::artifact::digest(&v);
        v.as_object_mut().unwrap().insert("digest_sha256".into(), Value::String(digest));
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        path
    };
    (
        write("benchmark_cycle_20251006T034500000000Z.json", old),
        write("benchmark_cycle_20251006T034600000000Z.json", new),
    )
}

#[test]
fn diff_prints_the_references_report() {
    let dir = temp_dir("bench-diff");
    let (old, new) = known_pair(&dir);
    let out = g6sim(&["bench", "diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let expected = format!(
        "Benchmark Diff: {} -> {}
Cycle Duration: 54.000ms -> 10.000ms (-81.5%)
Options Total: 28 -> 12 (-57.1%)

Phase Timings:
  coverage_metrics     4.000ms -> 3.000ms (-25.0%)
  fetch_instruments    20.000ms -> 25.000ms (+25.0%)
  new_phase            added 123.000ms
  old_phase            removed (was 100.000ms)

Partial Reason Totals:
  low_field    1 -> 1 (+0.0%)
  low_strike   0 -> 1 (n/a)

Per-Index:
  NIFTY      status OK -> PARTIAL | options 28 -> 12 (-57.1%)
  SENSEX     removed
  BANKNIFTY  added | status OK | options 40
",
        old.display(),
        new.display()
    );
    assert_eq!(text(&out.stdout), expected);
    // JSON form.
    let out = g6sim(&["bench", "diff", old.to_str().unwrap(), new.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["report"]["options_total"]["old"], 28.0);
    // duration_s went from 0.054 to 0.010 (`known_pair`): a change of (0.010 - 0.054) / 0.054 = -81.48...%.
    let pct = (0.010 - 0.054) / 0.054 * 100.0;
    assert!((v["report"]["duration_s"]["pct"].as_f64().unwrap() - pct).abs() < 1e-9, "{}", v["report"]["duration_s"]);
    assert_eq!(v["report"]["phase_times"][2]["change"], "added");
    assert_eq!((v["old_artifacts"].as_u64(), v["new_artifacts"].as_u64()), (Some(1), Some(1)));
    assert_eq!(v["fields"][0]["field"], "duration_s");
    assert_eq!(v["fields"][0]["old"]["median"], 0.054);
    // --fail-over: options fell 57.1%, duration fell (an improvement), fetch_instruments rose 25%.
    let code = |field: &str, pct: &str| {
        g6sim(&["bench", "diff", old.to_str().unwrap(), new.to_str().unwrap(), "--fail-over", pct, "--field", field])
            .status
            .code()
    };
    assert_eq!(code("options_total", "50"), Some(1));
    assert_eq!(code("options_total", "60"), Some(0));
    assert_eq!(code("duration_s", "1"), Some(0));
    assert_eq!(code("phase.fetch_instruments", "20"), Some(1));
    assert_eq!(code("phase.fetch_instruments", "30"), Some(0));
    assert_eq!(code("bogus", "30"), Some(2));
    assert_eq!(code("phase.nosuch", "5"), Some(2), "a gate on a phase the artifacts lack could never fire");
    assert_eq!(code("duration_s", "-5"), Some(2));
    let out = g6sim(&[
        "bench",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--fail-over",
        "5",
        "--field",
        "phase.fetch_instrument",
    ]);
    assert!(
        text(&out.stderr).contains("not a field of these artifacts (did you mean `phase.fetch_instruments`?); choose one of: duration_s, options_total, phase."),
        "{}",
        text(&out.stderr)
    );
}

/// A directory of `n` artifacts whose `duration_s` and `fetch_instruments` phase are `base` times a factor
/// that wanders from 0.9 to 1.3 (a long tail, as real cycle timings have), plus `shift` percent.
fn artifact_set(dir: &Path, n: usize, base: f64, shift: f64) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let factor = [0.9, 1.0, 1.0, 1.05, 1.1, 0.95, 1.0, 1.3][i % 8] * (1.0 + shift / 100.0);
        let mut v = serde_json::json!({
            "version": 1, "timestamp": format!("20251006T0345{i:02}000000Z"), "duration_s": base * factor,
            "phase_times": {"fetch_instruments": base * factor / 2.0}, "phase_failures": {}, "options_total": 28,
            "indices": [], "partial_reason_totals": {},
        });
        let digest = g6sim::artifact::digest(&v);
        v.as_object_mut().unwrap().insert("digest_sha256".into(), Value::String(digest));
        let name = format!("benchmark_cycle_20251006T0345{i:02}000000Z.json");
        std::fs::write(dir.join(name), serde_json::to_string_pretty(&v).unwrap()).unwrap();
    }
    dir.to_path_buf()
}

#[test]
fn directories_compare_medians_with_a_noise_floor_not_cycle_against_cycle() {
    let dir = temp_dir("bench-sets");
    let old = artifact_set(&dir.join("old"), 24, 0.0004, 0.0);
    // The same distribution, rotated: cycle against cycle it "regresses" by up to 44%, the medians agree.
    let same = dir.join("same");
    std::fs::create_dir_all(&same).unwrap();
    let names: Vec<PathBuf> = artifacts(&old);
    for (i, f) in names.iter().enumerate() {
        std::fs::copy(&names[(i + 7) % names.len()], same.join(f.file_name().unwrap())).unwrap();
    }
    let slower = artifact_set(&dir.join("slower"), 24, 0.0004, 25.0);
    let slightly = artifact_set(&dir.join("slightly"), 24, 0.0004, 3.5);
    let diff = |new: &Path, field: &str| {
        g6sim(&["bench", "diff", old.to_str().unwrap(), new.to_str().unwrap(), "--fail-over", "3", "--field", field])
    };
    let out = diff(&same, "duration_s");
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("(24 artifacts) ->") && report.contains("medians and 95th percentiles"), "{report}");
    assert!(report.contains("  duration_s                  400.0µs  520.0µs     400.0µs  520.0µs   +0.0%"), "{report}");
    // +3.5% on the median: above --fail-over 3 but inside the uncertainty of a median of 24 cycles this noisy
    // (1.96 x 1.2533 x 1.4826 x MAD 5% / sqrt(24) = 3.7%).
    let out = diff(&slightly, "duration_s");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("within noise"), "{}", text(&out.stdout));
    let out = diff(&slower, "phase.fetch_instruments");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("REGRESSION: phase.fetch_instruments median worse by 25.0%"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("phase.fetch_instruments     200.0µs  260.0µs     250.0µs  325.0µs  +25.0%  worse"),
        "{}",
        text(&out.stdout)
    );
    // One JSON shape for files and directories.
    let out = g6sim(&["bench", "diff", old.to_str().unwrap(), slower.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["old_artifacts"].as_u64(), v["new_artifacts"].as_u64()), (Some(24), Some(24)));
    assert_eq!(v["report"], Value::Null);
    assert_eq!(v["fields"][1]["field"], "options_total");
    assert!((v["fields"][0]["pct"].as_f64().unwrap() - 25.0).abs() < 1e-9);
    // A file against a directory is bad input.
    let one = artifacts(&old)[0].clone();
    assert_eq!(g6sim(&["bench", "diff", one.to_str().unwrap(), slower.to_str().unwrap()]).status.code(), Some(2));
}

#[test]
fn verify_catches_tampering_missing_digests_and_unreadable_files() {
    let dir = temp_dir("bench-verify");
    let (old, new) = known_pair(&dir);
    let verify = || g6sim(&["bench", "verify", dir.to_str().unwrap()]);
    assert_eq!(verify().status.code(), Some(0));
    let tampered = std::fs::read_to_string(&new).unwrap().replace("\"options_total\": 12", "\"options_total\": 13");
    std::fs::write(&new, tampered).unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("MISMATCH benchmark_cycle_20251006T034600000000Z.json"),
        "{}",
        text(&out.stdout)
    );
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&old).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("digest_sha256");
    std::fs::write(&old, v.to_string()).unwrap();
    assert!(text(&verify().stdout).contains("MISSING_DIGEST benchmark_cycle_20251006T034500000000Z.json"));
    std::fs::write(dir.join("benchmark_cycle_20251006T034700000000Z.json.gz"), b"not gzip").unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).contains("UNREADABLE benchmark_cycle_20251006T034700000000Z.json.gz"));
    assert_eq!(g6sim(&["bench", "verify", temp_dir("bench-verify-empty").to_str().unwrap()]).status.code(), Some(3));
}

#[test]
fn aggregate_writes_the_table_and_the_statistics() {
    let dir = temp_dir("bench-aggregate");
    known_pair(&dir);
    let csv = dir.join("out.csv");
    let stats = dir.join("stats.json");
    let out = g6sim(&[
        "bench",
        "aggregate",
        dir.to_str().unwrap(),
        "--out",
        csv.to_str().unwrap(),
        "--include-index-breakdown",
        "--stats-out",
        stats.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "timestamp,duration_s,options_total,indices_count,phase_coverage_metrics,phase_fetch_instruments,phase_new_phase,phase_old_phase,partial_reason_low_field,partial_reason_low_strike,per_index_BANKNIFTY_options,per_index_NIFTY_options,per_index_SENSEX_options\n\
         20251006T034500000000Z,0.054,28,2,0.004,0.02,,0.1,1,0,,28,0\n\
         20251006T034600000000Z,0.01,12,2,0.003,0.025,0.123,,1,1,40,12,\n"
    );
    let s: Value = serde_json::from_slice(&std::fs::read(&stats).unwrap()).unwrap();
    let options = s.as_array().unwrap().iter().find(|c| c["column"] == "options_total").unwrap();
    assert_eq!(
        (options["count"].as_u64(), options["min"].as_f64(), options["max"].as_f64()),
        (Some(2), Some(12.0), Some(28.0))
    );
    assert_eq!((options["mean"].as_f64(), options["p50"].as_f64()), (Some(20.0), Some(20.0)));
    assert!((options["p95"].as_f64().unwrap() - 27.2).abs() < 1e-9);
    assert!(text(&out.stdout).contains("options_total"));
}

#[test]
fn digests_survive_a_parse_for_awkward_floats() {
    // Daily cycles, a moving market, parity g6 (coverage above 1.0, null statuses) and annotations: many
    // floats whose shortest form must parse back to the same bits (serde_json's float_roundtrip).
    let dir = temp_dir("bench-floats");
    let scenario = dir.join("daily.ron");
    std::fs::write(
        &scenario,
        r#"Scenario(name: "daily", seed: 1, start: "2025-10-06T15:00:00+05:30", interval_s: 86400, cycles: 40, parity: G6,
            indices: [(symbol: "NIFTY", expiries: ["this_week", "next_month", "2025-10-30"]), (symbol: "FOO", depth: (itm: 0, otm: 0), registry: (step: 50.0, lot_size: 1, synthetic_atm: 20000.0))],
            market: (volatility_per_cycle: 0.01),
            phases: [(name: "all", cycles: (1, 40), faults: [StrikeDropout(0.1), FieldDropout(0.05), StrayStrikes(2)])])"#,
    )
    .unwrap();
    let artifacts = dump(&dir, scenario.to_str().unwrap(), &["benchmark_annotate_outliers=true"]);
    let out = g6sim(&["bench", "verify", artifacts.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = python().args(["-c", PY_CHECK, artifacts.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "40");
}
