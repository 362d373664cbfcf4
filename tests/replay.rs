//! `g6sim replay`: recorded history (JSONL, CSV, B7 artifact directories) through the status, partial-reason
//! and adaptive steps; the shipped example histories; the round trip through a run's own B7 artifacts; the
//! comparison; determinism; precise errors; sweeps on a history.

use crate::common::*;
use g6sim::artifact::ArtifactWriter;
use g6sim::config::Parity;
use g6sim::replay::{self, History, HistoryOptions};
use g6sim::scenario::load_file;
use g6sim::sweep::{Plan, Source, parse_param};
use g6sim::{Run, RunOptions, prepare};
use std::path::{Path, PathBuf};

const JSONL: &str = "scenarios/history/nifty_strike_dip.jsonl";
const CSV: &str = "scenarios/history/banknifty_low_both.csv";

fn load(path: &Path) -> History {
    replay::load(path, &HistoryOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn replay_with(history: &History, sets: &[&str]) -> Run {
    let options = RunOptions { sets: sets.iter().map(|s| s.to_string()).collect(), ..RunOptions::default() };
    prepare(&history.loaded, &options).unwrap_or_else(|e| panic!("{e}")).run(|_| {}).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The history's text written to a temporary file; the error of loading it.
fn load_error(name: &str, body: &str) -> String {
    let dir = temp_dir("replay-errors");
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    let e = replay::load(&path, &HistoryOptions::default()).expect_err("the history must not load");
    e.to_string().replace(&dir.display().to_string(), "DIR")
}

#[test]
fn the_jsonl_example_replays_to_its_own_record() {
    let history = load(&root().join(JSONL));
    assert_eq!((history.rows, history.statuses.len(), history.depths.len()), (48, 48, 24));
    let run = replay_with(&history, &[]);
    assert_eq!(run.result.cycles.len(), 24);
    let c = replay::compare(&history, &run.result.cycles);
    assert!(c.agrees(), "{}", c.text(50, ""));
    assert_eq!((c.statuses_compared, c.depths_compared), (48, 24));
    assert_eq!((c.flips[0].recorded, c.flips[0].replayed), (Some(1), 1));
    // The dip: three expansions 10 -> 16, then three contractions back to 10, at the recorded times.
    let depths: Vec<u32> = run.result.cycles.iter().map(|c| c.indices[0].ladder_depth.itm).collect();
    assert_eq!(depths[..8], [10, 10, 10, 10, 10, 12, 14, 16]);
    assert_eq!(depths[23], 10);
    assert_eq!(run.result.cycles[0].time, "2025-10-06T09:15:00+05:30");
    assert_eq!(run.result.cycles[0].indices[0].price, 24803.25, "the recorded price builds the ladder");
    assert!(!run.result.cycles[0].indices[0].synthetic_price);
    // The recorded dip is the replay's fault window.
    let phases = &history.loaded.scenario.phases;
    assert_eq!(phases.len(), 1);
    assert_eq!((phases[0].cycles.first, phases[0].cycles.last), (5, 7));
}

/// The CSV example's rows: (cycle, strike coverage, recorded depth), by plain splitting (no field is quoted).
fn csv_rows() -> Vec<(u64, Option<f64>, u32)> {
    let text = std::fs::read_to_string(root().join(CSV)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (cycle, coverage, depth) = (col("cycle"), col("strike_coverage"), col("depth"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[cycle].parse().unwrap(), f[coverage].parse().ok(), f[depth].parse().unwrap())
        })
        .collect()
}

/// The depth (strikes per side of the ladder) of each cycle of the CSV example under `contract_ok_cycles`
/// and the other defaults, worked out by hand from the default mode's rules rather than by the replay: the
/// first recorded depth is the baseline and the start; a cycle whose strike coverage is under the trigger
/// widens the ladder by the expansion step (up to `max(10, baseline + 10)`) and breaks the healthy streak; a
/// covered cycle extends it, and once it is `contract_ok_cycles` long and `contract_cooldown` cycles have
/// passed since the last contraction, the ladder narrows by the contraction step (not below the baseline)
/// and the streak starts again; a failed expiry (no coverage) decides nothing. Each decision sets the next
/// cycle's ladder. Returns (cycle, depth) per row.
fn csv_depths_by_hand(contract_ok_cycles: u32) -> Vec<(u64, u32)> {
    let c = g6sim::config::Config { contract_ok_cycles, ..Default::default() };
    let trigger = c.expansion_trigger();
    let rows = csv_rows();
    let baseline = rows[0].2;
    let cap = (baseline + 10).max(10);
    let (mut depth, mut streak, mut last) = (baseline, 0, None::<u64>);
    let mut out = Vec::new();
    for (cycle, coverage, _) in rows {
        out.push((cycle, depth));
        let Some(coverage) = coverage else { continue };
        if coverage < trigger {
            depth = (depth + c.expansion_step).min(cap);
            streak = 0;
            continue;
        }
        streak += 1;
        let cooled = last.is_none_or(|l| cycle - l >= u64::from(c.contract_cooldown));
        if streak >= contract_ok_cycles && depth > baseline && cooled {
            depth = depth.saturating_sub(c.contract_step).max(baseline);
            (streak, last) = (0, Some(cycle));
        }
    }
    out
}

/// The cycles whose depth by hand under `contract_ok_cycles` differs from the record, with both depths.
fn csv_differences(contract_ok_cycles: u32) -> Vec<(u64, u32, u32)> {
    let recorded = csv_rows();
    csv_depths_by_hand(contract_ok_cycles)
        .into_iter()
        .zip(recorded)
        .filter(|((_, mine), (_, _, theirs))| mine != theirs)
        .map(|((cycle, mine), (_, _, theirs))| (cycle, theirs, mine))
        .collect()
}

/// Depth direction changes (a rise after a fall or back) over a sequence of depths.
fn flips(depths: impl IntoIterator<Item = u32>) -> usize {
    let mut last = None;
    let mut previous: Option<u32> = None;
    let mut n = 0;
    for d in depths {
        if let Some(p) = previous
            && d != p
        {
            let up = d > p;
            n += usize::from(last.is_some_and(|l| l != up));
            last = Some(up);
        }
        previous = Some(d);
    }
    n
}

#[test]
fn the_hand_worked_depths_reproduce_production_and_differ_under_the_defaults() {
    // Production ran with contract_ok_cycles=3: the model gives its record exactly.
    assert_eq!(csv_differences(3), [], "{:?}", csv_depths_by_hand(3));
    let default = g6sim::config::Config::default().contract_ok_cycles;
    assert_ne!(default, 3);
    assert!(!csv_differences(default).is_empty(), "the defaults contract later");
}

#[test]
fn the_csv_example_shows_where_the_settings_differ_from_production() {
    let history = load(&root().join(CSV));
    assert_eq!(history.loaded.scenario.indices[0].depth.itm, 8, "the first recorded depth");
    // Production ran with contract_ok_cycles=3: the defaults contract later, where the hand-worked depths
    // say.
    let by_hand = csv_differences(g6sim::config::Config::default().contract_ok_cycles);
    let c = replay::compare(&history, &replay_with(&history, &[]).result.cycles);
    assert_eq!(c.differing_cycles, by_hand.iter().map(|d| d.0).collect::<Vec<_>>());
    assert!(c.differences.iter().all(|d| d.field == "depth"), "{}", c.text(50, ""));
    let found: Vec<(u64, String, String)> =
        c.differences.iter().map(|d| (d.cycle, d.recorded.clone(), d.replayed.clone())).collect();
    let expected: Vec<(u64, String, String)> =
        by_hand.iter().map(|(cycle, recorded, mine)| (*cycle, recorded.to_string(), mine.to_string())).collect();
    assert_eq!(found, expected);
    let c = replay::compare(&history, &replay_with(&history, &["contract_ok_cycles=3"]).result.cycles);
    assert!(c.agrees(), "{}", c.text(50, ""));
    // The outage row (no coverage) is a failed expiry: EMPTY, and no evidence for the adaptive step.
    let run = replay_with(&history, &["contract_ok_cycles=3"]);
    let e = &run.result.cycles[11].indices[0].expiries[0];
    assert_eq!((e.status.map(|s| s.as_str()), e.failure.is_some()), (Some("EMPTY"), true));
    assert_eq!(run.result.cycles[11].time, "1970-01-01T00:11:00+00:00", "cycles without timestamps");
    assert!(run.result.cycles[0].indices[0].synthetic_price, "no recorded price: the synthetic strategy");
}

/// Runs a shipped scenario with B7 artifacts on (plain or gzipped) into `dir`; the run.
fn run_with_artifacts(name: &str, dir: &Path, compress: bool, parity: Parity) -> Run {
    let loaded = load_file(&root().join("scenarios").join(name)).unwrap();
    let mut sets = vec![format!("benchmark_dump={}", dir.display())];
    if compress {
        sets.push("benchmark_compress=true".into());
    }
    let prepared = prepare(&loaded, &RunOptions { sets, parity: Some(parity), ..RunOptions::default() }).unwrap();
    let mut writer = ArtifactWriter::from_config(&prepared.config).unwrap();
    prepared.run(|view| drop(writer.write_cycle(view).unwrap())).unwrap()
}

/// A run's own B7 artifacts replay to the run's statuses and depths: the comparison finds no difference, and
/// every cycle's statuses, partial reasons, coverages, ladder depth and depth after the adaptive step are
/// the run's.
#[test]
fn a_runs_b7_artifacts_replay_to_the_runs_statuses_and_depths() {
    for (name, compress, parity) in [
        ("strike_dropout_recovery.ron", true, Parity::Off),
        ("strike_dropout_recovery.ron", false, Parity::G6),
        ("coverage_flapping.ron", false, Parity::Off),
        ("coverage_flapping.ron", true, Parity::G6),
        ("provider_outage.ron", true, Parity::Off),
        ("provider_outage.ron", false, Parity::G6),
        ("low_both.ron", false, Parity::Off),
        ("synthetic_fallback.ron", false, Parity::Off),
    ] {
        let dir = temp_dir(&format!("replay-b7-{name}-{parity:?}"));
        let run = run_with_artifacts(name, &dir, compress, parity);
        let spec = &run.prepared.scenario.scenario;
        // The artifacts record no depth: each index starts at the scenario's, as `--depth SYMBOL=N` says.
        let mut options = HistoryOptions::default();
        for i in &spec.indices {
            assert_eq!(i.depth.itm, i.depth.otm, "{name}: one depth per index");
            options.add_depth(&format!("{}={}", i.symbol, i.depth.itm)).unwrap();
        }
        let mut history = replay::load(&dir, &options).unwrap_or_else(|e| panic!("{e}"));
        // The replay runs under the run's configuration (production's, for a real collector's artifacts).
        history.loaded.scenario.config = spec.config.clone();
        history.loaded.scenario.parity = parity;
        let replayed = replay_with(&history, &[]);
        let c = replay::compare(&history, &replayed.result.cycles);
        assert!(c.agrees(), "{name} {parity:?}: {}", c.text(50, ""));
        // Every status the run gave (parity g6 gives a failed expiry none) is compared.
        let given = run.result.cycles.iter().flat_map(|c| &c.indices).flat_map(|i| &i.expiries);
        assert_eq!(c.statuses_compared, given.filter(|e| e.status.is_some()).count(), "{name} {parity:?}");
        assert_eq!(replayed.result.cycles.len(), run.result.cycles.len(), "{name}");
        for (a, b) in run.result.cycles.iter().zip(&replayed.result.cycles) {
            assert_eq!((a.cycle, a.ts), (b.cycle, b.ts), "{name}");
            for (i, j) in a.indices.iter().zip(&b.indices) {
                assert_eq!(
                    (i.status, i.ladder_depth, i.depth, i.baseline),
                    (j.status, j.ladder_depth, j.depth, j.baseline),
                    "{name} cycle {}",
                    a.cycle
                );
                for (e, f) in i.expiries.iter().zip(&j.expiries) {
                    assert_eq!(
                        (e.status, e.partial_reason, e.strike_coverage, e.field_coverage, e.options),
                        (f.status, f.partial_reason, f.strike_coverage, f.field_coverage, f.options),
                        "{name} cycle {}",
                        a.cycle
                    );
                }
            }
            assert_eq!(a.partial_reason_totals, b.partial_reason_totals);
        }
        let adjustments =
            |r: &Run| r.result.events.iter().filter(|e| e.event.name() == "strike_depth_adjustment").count();
        assert_eq!(adjustments(&run), adjustments(&replayed), "{name}");
    }
}

/// The example of recorded cycle times in docs/replay.md: NIFTY, two expiries, six cycles a minute apart, each
/// recording its cycle time and memory tier; cycle 3 took 500 s (recorded on its first row only).
const SLOW_CYCLE: &str = "tests/fixtures/docs/slow_cycle.jsonl";

/// Each line of a replay's `cycles.jsonl`, as JSON.
fn cycles_of(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("cycles.jsonl")).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A recorded cycle time is the replayed cycle's elapsed time in `cycles.jsonl`: a 500 s cycle breaches the
/// 51 s SLA of a 60 s interval, and strike scaling (after one breach) scales every later ladder from it. The
/// memory tier is kept with the recorded cycle. Without recorded times the cost model times the cycles.
#[test]
fn recorded_cycle_times_drive_the_sla_and_strike_scaling() {
    let history = load(&root().join(SLOW_CYCLE));
    let recorded = history.loaded.scenario.recorded.as_deref().unwrap();
    let times: Vec<Option<f64>> = recorded.iter().map(|c| c.cycle_time_s).collect();
    let want = [4.2, 4.0, 500.0, 4.1, 3.8, 4.0];
    assert_eq!(times, want.map(Some), "cycle 3's time, on one of its rows, is the cycle's");
    let tiers: Vec<Option<u8>> = recorded.iter().map(|c| c.memory_tier).collect();
    assert_eq!(tiers, [0, 0, 2, 1, 0, 0].map(Some));
    assert_eq!(history.loaded.scenario.interval_s.get(), 60);

    let dir = temp_dir("replay-cycle-time");
    let out = dir.display().to_string();
    let scaling = ["--set", "strike_scaling=true", "--set", "strike_scaling_breach_threshold=1"];
    let said = g6sim(&[&["replay", SLOW_CYCLE, "--out", &out, "--no-env", "-q"][..], &scaling].concat());
    assert_eq!(said.status.code(), Some(0), "{}{}", text(&said.stdout), text(&said.stderr));
    assert!(text(&said.stdout).contains("SLA breaches: 1 (budget 51.0 s); strike scale changes: 1"));
    let cycles = cycles_of(&dir);
    let elapsed: Vec<f64> = cycles.iter().map(|c| c["cycle_time"]["elapsed_s"].as_f64().unwrap()).collect();
    assert_eq!(elapsed, want);
    let breaches: Vec<bool> = cycles.iter().map(|c| c["cycle_time"]["breach"].as_bool().unwrap()).collect();
    assert_eq!(breaches, [false, false, true, false, false, false]);
    let scales: Vec<f64> = cycles.iter().map(|c| c["strike_scaling"]["scale"].as_f64().unwrap()).collect();
    assert_eq!(scales, [1.0, 1.0, 0.8, 0.8, 0.8, 0.8]);
    let ladders: Vec<u64> = cycles.iter().map(|c| c["indices"][0]["ladder_depth"]["itm"].as_u64().unwrap()).collect();
    // The strike scale applies from the next cycle; the recorded memory tier (2 high in cycle 3, 1 elevated in
    // cycle 4) to its own cycle: 10 x 0.6 = 6, then 10 x 0.8 x 0.85 = 6.8, 7 a side.
    assert_eq!(ladders, [10, 10, 6, 7, 8, 8]);
    let tiers: Vec<i64> = cycles.iter().map(|c| c["memory"]["level"].as_i64().unwrap()).collect();
    assert_eq!(tiers, [0, 0, 2, 1, 0, 0]);
    assert_eq!(cycles[2]["memory"]["tier"], "high");
    assert_eq!(cycles[2]["memory"]["greeks_enabled"], false);
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let change = r#"{"cycle":3,"event":"adaptive_scale_change","data":{"old_scale":1.0,"new_scale":0.8,"#;
    assert!(events.contains(change), "{events}");

    // The same history without its recorded times: the cost model's cycles, well within the SLA.
    let mut stripped = history.clone();
    let cycles: Vec<_> = recorded
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.cycle_time_s = None;
            c
        })
        .collect();
    stripped.loaded.scenario.recorded = Some(cycles.into());
    let modelled = replay_with(&stripped, &["strike_scaling=true", "strike_scaling_breach_threshold=1"]);
    for c in &modelled.result.cycles {
        assert!(!c.cycle_time.breach && c.cycle_time.elapsed_s < 10.0, "{:?}", c.cycle_time);
        assert_eq!(c.strike_scaling.map(|s| s.scale), Some(1.0));
    }
}

/// A B7 artifact's `duration_s` is its cycle's recorded time (absent or null: the cost model's); a bad one is
/// refused at `duration_s`. g6sim's own artifacts record the wall-clock time the run took, which their replay
/// replays.
#[test]
fn a_b7_artifacts_duration_is_the_replayed_cycle_time() {
    let dir = temp_dir("replay-b7-duration");
    let artifact = |stamp: &str, duration: &str| {
        let body = format!(
            r#"{{"timestamp": "{stamp}", {duration}"indices": [{{"index": "NIFTY", "expiries": [{{"rule": "this_week", "status": "OK", "options": 42, "strike_coverage": 1.0, "field_coverage": 1.0}}]}}]}}"#
        );
        std::fs::write(dir.join(format!("benchmark_cycle_{stamp}.json")), body).unwrap();
    };
    artifact("20251006T034500000000Z", r#""duration_s": 2.5, "#);
    artifact("20251006T034600000000Z", r#""duration_s": 75, "#);
    artifact("20251006T034700000000Z", r#""duration_s": null, "#);
    artifact("20251006T034800000000Z", "");
    let history = load(&dir);
    let times: Vec<Option<f64>> =
        history.loaded.scenario.recorded.as_deref().unwrap().iter().map(|c| c.cycle_time_s).collect();
    assert_eq!(times, [Some(2.5), Some(75.0), None, None]);
    let run = replay_with(&history, &[]);
    let timed: Vec<(f64, bool)> =
        run.result.cycles.iter().map(|c| (c.cycle_time.elapsed_s, c.cycle_time.breach)).collect();
    let modelled = run.result.cycles[3].cycle_time.elapsed_s;
    assert!(modelled > 0.0 && modelled < 10.0, "{modelled}");
    assert_eq!(timed, [(2.5, false), (75.0, true), (modelled, false), (modelled, false)]);
    for (duration, message) in [("\"slow\"", "\"slow\" is not a number"), ("-1", "-1 is not a cycle time")] {
        artifact("20251006T034900000000Z", &format!(r#""duration_s": {duration}, "#));
        let e = replay::load(&dir, &HistoryOptions::default()).unwrap_err().to_string();
        let at = format!("benchmark_cycle_20251006T034900000000Z.json: at `duration_s`: {message}");
        assert!(e.contains(&at), "{e}");
    }

    // g6sim's own artifacts: each replayed cycle took the `duration_s` its artifact records.
    let own = temp_dir("replay-b7-own-duration");
    run_with_artifacts("strike_dropout_recovery.ron", &own, false, Parity::Off);
    let durations: Vec<f64> = g6sim::artifact::list(&own)
        .unwrap()
        .iter()
        .map(|p| g6sim::artifact::read(p).unwrap()["duration_s"].as_f64().unwrap())
        .collect();
    let replayed = replay_with(&load(&own), &[]);
    let elapsed: Vec<f64> = replayed.result.cycles.iter().map(|c| c.cycle_time.elapsed_s).collect();
    assert_eq!(elapsed, durations);
}

/// Same history and settings, same bytes: every file of the replay's directory, twice, and with entities
/// spawned in reverse (the determinism canary's order).
#[test]
fn a_replay_is_deterministic() {
    let dirs: Vec<PathBuf> = (0..2).map(|k| temp_dir(&format!("replay-det-{k}"))).collect();
    for dir in &dirs {
        let out = g6sim(&["replay", JSONL, "--out", &dir.display().to_string(), "--no-env", "-q", "--plots"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let (a, b) = (tree_bytes(&dirs[0]), tree_bytes(&dirs[1]));
    assert!(a.contains_key("comparison.json") && a.contains_key("plots/depth.svg"), "{:?}", a.keys());
    assert_eq!(a, b);
    let history = load(&root().join(JSONL));
    let prepared = prepare(&history.loaded, &RunOptions::default()).unwrap();
    let forward = prepared.clone().run_in_order(g6sim::canary::SpawnOrder::Forward, |_| {}).unwrap();
    let reverse = prepared.run_in_order(g6sim::canary::SpawnOrder::Reverse, |_| {}).unwrap();
    assert_eq!(g6sim::output::cycles_jsonl(&forward), g6sim::output::cycles_jsonl(&reverse));
    assert_eq!(g6sim::output::events_jsonl(&forward), g6sim::output::events_jsonl(&reverse));
}

#[test]
fn the_cli_prints_the_comparison_writes_it_and_exits_by_it() {
    let dir = temp_dir("replay-cli");
    let out_dir = dir.join("out");
    let out = g6sim(&["replay", CSV, "--out", &out_dir.display().to_string(), "--no-env"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a difference exits 1: {stdout}{}", text(&out.stderr));
    let rows = csv_rows().len();
    let by_hand = csv_differences(g6sim::config::Config::default().contract_ok_cycles);
    let n = by_hand.len();
    let head = format!(
        "comparison with the history: {rows} statuses and {rows} depths compared; {n} differ, in {n} of {rows} cycles"
    );
    assert!(stdout.contains(&head), "{head}\n{stdout}");
    let (cycle, recorded, replayed) = by_hand[0];
    let first = format!("cycle {cycle:>5}  BANKNIFTY              depth: recorded {recorded}, replayed {replayed}");
    assert!(stdout.contains(&first), "{first}\n{stdout}");
    let recorded_flips = flips(csv_rows().into_iter().map(|r| r.2));
    let default = g6sim::config::Config::default().contract_ok_cycles;
    let replayed_flips = flips(csv_depths_by_hand(default).into_iter().map(|d| d.1));
    let flips_line = format!("depth direction flips BANKNIFTY: recorded {recorded_flips}, replayed {replayed_flips}");
    assert!(stdout.contains(&flips_line), "{flips_line}\n{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(json["differing_cycles"], serde_json::json!(by_hand.iter().map(|d| d.0).collect::<Vec<_>>()));
    assert_eq!(json["differences"][0]["field"], "depth");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["scenario"]["file"], "banknifty_low_both.csv");
    // The directory now holds a run: a second replay may write into it; the settings production ran agree.
    let out = g6sim(&[
        "replay",
        CSV,
        "--out",
        &out_dir.display().to_string(),
        "--no-env",
        "-q",
        "--set",
        "contract_ok_cycles=3",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("the replay reproduces every one"));
    // A run written over a replay leaves no stale comparison behind.
    let run =
        g6sim(&["run", "scenarios/healthy_baseline.ron", "--out", &out_dir.display().to_string(), "--no-env", "-q"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(!out_dir.join("comparison.json").exists());
    // A directory holding other files is refused before anything runs, as for `run`.
    let foreign = dir.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let out = g6sim(&["replay", CSV, "--out", &foreign.display().to_string(), "--no-env"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("holds no g6sim run"), "{}", text(&out.stderr));
    assert!(!foreign.join("cycles.jsonl").exists());
    // Bad input: exit 2 with the file, line and column.
    let out = g6sim(&["replay", "scenarios/history/missing.jsonl", "--no-env"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read the history"), "{}", text(&out.stderr));
    let out = g6sim(&["replay", CSV, "--depth", "NIFTI=4", "--no-env"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `NIFTY`"), "{}", text(&out.stderr));
}

#[test]
fn bad_histories_are_refused_with_file_line_column_field_and_hint() {
    let row = |extra: &str| {
        format!(
            "{{\"cycle\": 1, \"index\": \"NIFTY\", \"rule\": \"this_week\", \"strike_coverage\": 1.0, \"options\": 42{extra}}}\n"
        )
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("h.jsonl", row(", \"strike_cov\": 1"), "DIR/h.jsonl:1:92: at `strike_cov`: unknown field `strike_cov`"),
        ("h.jsonl", row(", \"status\": \"GOOD\""), "DIR/h.jsonl:1:92: at `status`: unknown status `GOOD`"),
        (
            "h.jsonl",
            format!("{}{}", row(""), row("").replace("this_week", "next_wek")),
            "DIR/h.jsonl:2:32: at `rule`: unknown expiry rule `next_wek`",
        ),
        (
            "h.jsonl",
            row("").replace("NIFTY", "NIFTI"),
            "DIR/h.jsonl:1:14: at `index`: unknown index `NIFTI` (did you mean `NIFTY`?)",
        ),
        (
            "h.jsonl",
            format!("{}{}", row(""), row("")),
            "DIR/h.jsonl:2:32: at `rule`: cycle 1 has two rows for NIFTY this_week (line 1)",
        ),
        (
            "h.jsonl",
            format!("{}{}", row(", \"depth\": 10"), row(", \"depth\": 12").replace("this_week", "next_week")),
            "DIR/h.jsonl:2:92: at `depth`: NIFTY has depth 12 here and 10 (line 1) in cycle 1",
        ),
        (
            "h.jsonl",
            format!("{}{}", row(""), row("").replace("\"cycle\": 1", "\"timestamp\": \"2025-10-06T09:15:00+05:30\"")),
            "DIR/h.jsonl:2:2: the row lacks `cycle`, unlike the first row (line 1)",
        ),
        (
            "h.jsonl",
            row("").replace("\"cycle\": 1", "\"timestamp\": \"09:15\""),
            "DIR/h.jsonl:1:2: at `timestamp`: `09:15` is not an RFC 3339 time",
        ),
        (
            "h.jsonl",
            row(", \"field_coverage\": 1.5"),
            "DIR/h.jsonl:1:92: at `field_coverage`: 1.5 is not a field coverage",
        ),
        ("h.jsonl", "{\"cycle\": 1, \"index\": \"NIFTY\"}\n".into(), "DIR/h.jsonl:1:30: missing field `rule`"),
        ("h.jsonl", "".into(), "DIR/h.jsonl: the history holds no rows"),
        (
            "h.jsonl",
            format!("{}  [1, 2]\n", row("")),
            "DIR/h.jsonl:2:3: expected a JSON object `{...}`, found `[1, 2]`",
        ),
        (
            "h.txt",
            "cycle,index,rule,options\n".into(),
            "DIR/h.txt:1:1: expected a JSON object `{...}`, found `cycle,index,rule,opti...`",
        ),
        ("h.jsonl", "{\"cycle\": 1,}\n".into(), "DIR/h.jsonl:1:13: not JSON: trailing comma"),
        (
            "h.csv",
            "cycle,index,rule,strike_coverage,options,depht\n".into(),
            "DIR/h.csv:1:42: at `depht`: unknown column `depht` (did you mean `depth`?)",
        ),
        (
            "h.csv",
            "cycle,index,rule,strike_coverage\n".into(),
            "DIR/h.csv:1:1: at `options`: the header has no `options` column",
        ),
        (
            "h.csv",
            "cycle,index,rule,strike_coverage,options\n1,NIFTY,this_week,x,4\n".into(),
            "DIR/h.csv:2:19: at `strike_coverage`: `x` is not a number",
        ),
        (
            "h.csv",
            "cycle,index,rule,strike_coverage,options\n1,NIFTY,this_week,1.0\n".into(),
            "DIR/h.csv:2:1: 4 cells, the header has 5 columns",
        ),
        (
            "h.csv",
            "cycle,index,rule,strike_coverage,options\n0,NIFTY,this_week,1.0,4\n".into(),
            "DIR/h.csv:2:1: at `cycle`: cycle 0: cycles count from 1",
        ),
    ];
    let mut wrong = Vec::new();
    for (name, body, expected) in cases {
        let e = load_error(name, &body);
        if !e.starts_with(expected) || !e.contains("\n  hint: ") {
            wrong.push(format!("expected {expected}\n     got {e}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Cycles out of time order; a B7 directory without artifacts; an artifact with a bad field.
    let e = load_error(
        "t.jsonl",
        "{\"cycle\": 1, \"timestamp\": \"2025-10-06T09:16:00Z\", \"index\": \"NIFTY\", \"rule\": \"this_week\", \"options\": 0}\n{\"cycle\": 2, \"timestamp\": \"2025-10-06T09:15:00Z\", \"index\": \"NIFTY\", \"rule\": \"this_week\", \"options\": 0}\n",
    );
    assert!(
        e.contains("t.jsonl:2:14: at `timestamp`: cycle 2 is timed 2025-10-06T09:15:00+00:00, before cycle 1"),
        "{e}"
    );
    let empty = temp_dir("replay-b7-empty");
    let e = replay::load(&empty, &HistoryOptions::default()).unwrap_err().to_string();
    assert!(e.contains("holds no benchmark_cycle_*.json or .json.gz artifact"), "{e}");
    assert!(e.contains("hint: pass the directory the collector's G6_BENCHMARK_DUMP"), "{e}");
    // A directory of history files is no B7 directory: the hint names one of them.
    let e = replay::load(&root().join("scenarios/history"), &HistoryOptions::default()).unwrap_err().to_string();
    assert!(e.contains("hint: the directory holds 2 history files: pass one, for example "), "{e}");
    assert!(e.ends_with("scenarios/history/banknifty_low_both.csv"), "{e}");
    std::fs::write(
        empty.join("benchmark_cycle_20251006T034700000000Z.json"),
        r#"{"timestamp": "20251006T034700000000Z", "indices": [{"index": "NIFTY", "expiries": [{"rule": "this_week", "options": -3}]}]}"#,
    )
    .unwrap();
    let e = replay::load(&empty, &HistoryOptions::default()).unwrap_err().to_string();
    assert!(e.contains("benchmark_cycle_20251006T034700000000Z.json: at `indices[0].expiries[0].options`: -3 is not a count of options"), "{e}");
}

/// `run`'s options a replay has no use for are refused with why (not as unknown flags), before anything is
/// written.
#[test]
fn run_options_a_replay_cannot_use_are_refused_with_why() {
    let dir = temp_dir("replay-refused");
    let out = dir.join("out").display().to_string();
    for (flag, value, why) in [
        ("--seeds", "3", "a replay draws no random numbers"),
        ("--seed", "7", "a replay draws no random numbers"),
        ("--cycles", "5", "a replay runs every cycle the history recorded"),
        ("--universe", "dump.csv", "a replay takes no universe"),
        ("--greeks", "", "a replay prices no quotes"),
    ] {
        let mut args = vec!["replay", JSONL, flag, value, "--out", &out, "--no-env"];
        args.retain(|a| !a.is_empty());
        let said = g6sim(&args);
        let stderr = text(&said.stderr);
        assert_eq!(said.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with(&format!("error: {flag}: {why}")) && stderr.contains("\n  hint: "), "{stderr}");
        assert!(!dir.join("out").exists(), "{flag}: nothing written");
    }
}

/// A gzipped history (`.jsonl.gz`, `.csv.gz`) replays as the plain file does, and is a history to `sweep`;
/// a truncated one is refused as such, not as text that is no UTF-8.
#[test]
fn gzipped_histories_replay_as_the_plain_files() {
    use std::io::Write;
    let dir = temp_dir("replay-gzip");
    for example in [JSONL, CSV] {
        let plain = root().join(example);
        let name = plain.file_name().unwrap().to_string_lossy().into_owned();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&std::fs::read(&plain).unwrap()).unwrap();
        let bytes = enc.finish().unwrap();
        let gz = dir.join(format!("{name}.gz"));
        std::fs::write(&gz, &bytes).unwrap();
        assert!(replay::is_history(&gz), "{}", gz.display());
        let (a, b) = (load(&plain), load(&gz));
        assert_eq!(a.loaded.scenario.name, b.loaded.scenario.name);
        assert_eq!(a.loaded.scenario.recorded, b.loaded.scenario.recorded, "{name}");
        assert_eq!((a.statuses, a.depths), (b.statuses, b.depths), "{name}");
        let cut = dir.join(format!("cut-{name}.gz"));
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let e = replay::load(&cut, &HistoryOptions::default()).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{}: expected a complete gzip stream", cut.display())) && e.contains("\n  hint: "),
            "{e}"
        );
    }
    assert!(!replay::is_history(Path::new("scenarios/healthy_baseline.ron")));
}

/// A B7 directory's errors name the artifact once, with the line:column of bad JSON and the field path of a
/// bad field (an index's symbol is `indices[i].index`, the time the artifact's `timestamp`); the same
/// artifact kept plain and gzipped is refused rather than replayed as two cycles.
#[test]
fn b7_directory_errors_name_the_artifact_once_and_the_field_path() {
    let artifact = |stamp: &str, index: &str| {
        format!(
            r#"{{"timestamp": "{stamp}", "indices": [{{"index": "{index}", "expiries": [{{"rule": "this_week", "options": 3, "strike_coverage": 1.0}}]}}]}}"#
        )
    };
    let name = |stamp: &str| format!("benchmark_cycle_{stamp}.json");
    let (t1, t2) = ("20251006T034700000000Z", "20251006T034800000000Z");
    type Files = Vec<(String, Vec<u8>)>;
    let error = |files: &Files| {
        let dir = temp_dir("replay-b7-errors");
        for (file, bytes) in files {
            std::fs::write(dir.join(file), bytes).unwrap();
        }
        let e = replay::load(&dir, &HistoryOptions::default()).expect_err("the directory must not load");
        e.to_string().replace(&dir.display().to_string(), "DIR")
    };
    let gz = |text: &str| {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap()
    };
    let good = (name(t1), artifact(t1, "NIFTY").into_bytes());
    let cases: Vec<(Files, &str)> = vec![
        (
            vec![good.clone(), (name(t2), b"{\n  \"timestamp\": oops\n}".to_vec())],
            "DIR/benchmark_cycle_20251006T034800000000Z.json:2:16: not JSON: expected value\n  hint: ",
        ),
        (
            vec![good.clone(), (format!("{}.gz", name(t2)), gz(&artifact(t2, "NIFTY"))[..20].to_vec())],
            "DIR/benchmark_cycle_20251006T034800000000Z.json.gz: not gzip: ",
        ),
        (
            vec![good.clone(), (name(t2), artifact(t2, "NIFTI").into_bytes())],
            "DIR/benchmark_cycle_20251006T034800000000Z.json: at `indices[0].index`: unknown index `NIFTI`",
        ),
        (
            vec![good.clone(), (name(t2), artifact(t1, "NIFTY").replace("034700", "034600").into_bytes())],
            "DIR/benchmark_cycle_20251006T034800000000Z.json: at `timestamp`: cycle 2 is timed 2025-10-06T03:46:00+00:00, before cycle 1",
        ),
        (
            vec![good.clone(), (format!("{}.gz", name(t1)), gz(&artifact(t1, "NIFTY")))],
            "DIR/benchmark_cycle_20251006T034700000000Z.json.gz: the artifact DIR/benchmark_cycle_20251006T034700000000Z.json again, gzipped",
        ),
    ];
    let mut wrong = Vec::new();
    for (files, expected) in cases {
        let e = error(&files);
        if !e.starts_with(expected) || !e.contains("\n  hint: ") || e.contains(": DIR/benchmark_cycle_20251006T0348") {
            wrong.push(format!("expected {expected}\n     got {e}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `g6sim sweep` on a history scores settings exactly as on a scenario: the recorded dips are the fault
/// windows, one seed by default (a replay draws no random numbers), the same files.
#[test]
fn a_sweep_runs_on_a_history() {
    let history = load(&root().join(CSV));
    let params = vec![parse_param("contract_ok_cycles=3,5").unwrap()];
    let plan = Plan::new(vec![Source::of(history.loaded.clone())], RunOptions::default(), params, vec![1]).unwrap();
    let jobs = plan.run(g6sim::sweep::Shard::ALL, 1, |_| {}).unwrap();
    assert_eq!(jobs.len(), 2);
    for (job, ok_cycles) in jobs.iter().zip(["3", "5"]) {
        let run = replay_with(&history, &[&format!("contract_ok_cycles={ok_cycles}")]);
        let expected =
            g6sim::sweep::score(&run.result.cycles, &run.result.events, &run.outcomes, &history.loaded.scenario.phases);
        assert_eq!(job.score, expected, "contract_ok_cycles={ok_cycles}");
    }
    // Quicker contraction is cheaper on this day, and recovers from the dip (cycles 4-6) sooner.
    assert!(jobs[0].score.mean_depth < jobs[1].score.mean_depth);
    assert!(jobs[0].score.recovery_cycles < jobs[1].score.recovery_cycles);
    // With contract_ok_cycles=3 the hand-worked ladder is back at the baseline in cycle B + 1: cycle B's step
    // brought it back, B - (the dip's last cycle) cycles after the dip.
    let dip_end = history.loaded.scenario.phases[0].cycles.last;
    let depths = csv_depths_by_hand(3);
    let baseline = depths[0].1;
    let back = depths.iter().find(|(cycle, depth)| *cycle > dip_end && *depth == baseline).unwrap().0 - 1;
    assert_eq!(jobs[0].score.recovery_cycles, (back - dip_end) as f64, "{depths:?}, the dip ends in cycle {dip_end}");
    let dir = temp_dir("replay-sweep");
    let out = g6sim(&[
        "sweep",
        CSV,
        "--param",
        "contract_ok_cycles=3,5",
        "--out",
        &dir.display().to_string(),
        "--no-env",
        "--jobs",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("sweep banknifty_low_both: 2 settings x 1 seed = 2 runs"),
        "{}",
        text(&out.stdout)
    );
    for f in ["sweep.json", "runs.jsonl", "results.csv", "results.json", "pareto.txt"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    // 24 cycles: the recommendation's worst flips per 10 cycles (10 / 24) reads as the table does, 3 decimals.
    let jsonl_dir = dir.join("jsonl").display().to_string();
    let out = g6sim(&["sweep", JSONL, "--param", "contract_ok_cycles=2,3", "--out", &jsonl_dir, "--no-env"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("; worst 0.417 flips per 10 cycles (meets"), "{}", text(&out.stdout));
    let out =
        g6sim(&["sweep", "scenarios/low_both.ron", "--param", "contract_ok_cycles=3,5", "--depth", "4", "--no-env"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--depth applies to a history"), "{}", text(&out.stderr));
}

/// Every shipped history loads, replays and is described in docs/replay.md.
#[test]
fn every_shipped_history_replays_and_is_documented() {
    let readme = std::fs::read_to_string(root().join("docs/replay.md")).unwrap();
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(root().join("scenarios/history")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 2, "a JSONL and a CSV example");
    for path in &files {
        assert!(replay::is_history(path), "{}", path.display());
        let history = load(path);
        let run = replay_with(&history, &[]);
        assert_eq!(run.result.cycles.len() as u64, history.loaded.scenario.cycles.get());
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(readme.contains(&*name), "docs/replay.md describes {name}");
    }
}

/// `g6sim check` takes history files beside scenarios: a history passes when its replay reproduces every
/// recorded status and depth (as `replay` exits 0), fails with the first differences otherwise; `--seeds`
/// does not apply to one.
#[test]
fn check_replays_history_files_beside_scenarios() {
    let out = g6sim(&[
        "check",
        "scenarios/history/nifty_strike_dip.jsonl",
        "scenarios/history/banknifty_low_both.csv",
        "scenarios/healthy_baseline.ron",
        "--no-env",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("PASS   scenarios/history/nifty_strike_dip.jsonl"), "{stdout}");
    assert!(stdout.contains("FAIL   scenarios/history/banknifty_low_both.csv"), "{stdout}");
    assert!(stdout.contains("9 differ"), "{stdout}");
    assert!(stdout.contains("`g6sim replay scenarios/history/banknifty_low_both.csv` lists them all"), "{stdout}");
    assert!(stdout.contains("PASS   scenarios/healthy_baseline.ron"), "{stdout}");
    assert!(stdout.contains("3 scenarios: 2 passed, 1 failed, 0 could not be loaded"), "{stdout}");
    // With the setting that reproduces it, the failing history passes.
    let out =
        g6sim(&["check", "scenarios/history/banknifty_low_both.csv", "--set", "contract_ok_cycles=3", "--no-env"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let out = g6sim(&["check", "scenarios/history/nifty_strike_dip.jsonl", "--seeds", "2", "--no-env"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a replay draws no random numbers"));
}

/// `replay --check-determinism` runs the canary on a replay: twice, entities spawned forward then reversed,
/// writing nothing.
#[test]
fn the_determinism_canary_runs_on_a_replay() {
    for history in ["scenarios/history/nifty_strike_dip.jsonl", "scenarios/history/banknifty_low_both.csv"] {
        let out = g6sim(&["replay", history, "--check-determinism", "--no-env"]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        assert!(stdout.starts_with("determinism: identical (") && stdout.contains("forward vs reverse"), "{stdout}");
    }
    let out = g6sim(&["replay", "scenarios/history/nifty_strike_dip.jsonl", "--check-determinism", "--plots"]);
    assert_eq!(out.status.code(), Some(2), "writes nothing, so --plots is refused");
}
