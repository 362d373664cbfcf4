//! Huge and degenerate inputs: a 1M-row universe, 10,000 cycles, 100 indices, empty lists, and
//! NaN / inf / negative / zero values in the market path. Each gets a clear load error naming the field, or a
//! correct run within bounded memory (measured with the counting allocator of `tests/fuzz.rs`).

use crate::common::{run_text, scenario};
use crate::fuzz::{guarded, peak_so_far};
use g6sim::events::CycleSummary;
use g6sim::output::{RunWriter, cycles_jsonl, events_jsonl, manifest_json, metrics_prom};
use g6sim::scenario::{LoadedScenario, ScenarioError, parse, rows_per_cycle};
use g6sim::vocab::ExpiryStatus;
use g6sim::{RunOptions, RunResult, prepare, run_scenario};
use std::time::Instant;

const MIB: usize = 1 << 20;

/// A scenario with `indices` spliced in as the index list and `rest` appended after it.
fn text(cycles: u64, indices: &str, rest: &str) -> String {
    format!(
        r#"Scenario(name: "hostile", start: "2025-10-06T09:15:00+05:30", cycles: {cycles},
            indices: [{indices}], {rest})"#
    )
}

const NIFTY: &str = r#"(symbol: "NIFTY", expiries: ["this_week"])"#;

/// Runs `f` on a tracked thread and hands back its value and the thread's peak live bytes.
fn measured<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> (T, usize) {
    guarded(f).unwrap_or_else(|e| panic!("{e}"))
}

/// Every problem `text` gets from the loader (none when it loads).
fn problems(text: &str) -> Vec<ScenarioError> {
    match parse("hostile.ron", text) {
        Ok(_) => Vec::new(),
        Err(e) => e.all().cloned().collect(),
    }
}

/// The loader refuses `text` with a problem at `path`, positioned in the text, with a message and a hint.
#[track_caller]
fn refused_at(text: &str, path: &str) -> ScenarioError {
    let found = problems(text);
    let Some(e) = found.iter().find(|e| e.path == path) else {
        panic!(
            "no problem at `{path}`: {:?}",
            found.iter().map(|e| format!("{}: {}", e.path, e.message)).collect::<Vec<_>>()
        )
    };
    assert!(e.line > 0 && e.col > 0, "{e}: no position");
    assert!(!e.message.is_empty() && !e.hint.is_empty(), "{e}: no message or hint");
    e.clone()
}

/// Every float of `result` is finite, and JSON holds `null` only where the schema has an optional value.
///
/// serde_json writes NaN and +-inf as `null` without an error, so the JSON text alone cannot tell a NaN from
/// an absent optional number: the floats are checked through RON, which writes them as `NaN` / `inf`.
#[track_caller]
fn no_non_finite(result: &RunResult) {
    assert_eq!(serde_json::to_string(&f64::NAN).unwrap(), "null");
    assert_eq!(serde_json::to_string(&f64::INFINITY).unwrap(), "null");
    for (what, ron, json) in
        result.cycles.iter().map(|c| ("cycle", ron::to_string(c).unwrap(), serde_json::to_value(c).unwrap())).chain(
            result.events.iter().map(|e| ("event", ron::to_string(e).unwrap(), serde_json::to_value(e).unwrap())),
        )
    {
        let words = ron.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        assert!(!words.clone().any(|w| w == "NaN" || w == "inf"), "a non-finite number in a {what}: {ron}");
        nulls_only_where_optional(&json, "", &ron);
    }
}

/// Keys of the cycle summary and events whose value is optional (`null` when absent).
const OPTIONAL: [&str; 20] = [
    "expiry_date",
    "status",
    "partial_reason",
    "strike_coverage",
    "field_coverage",
    "failure",
    "clamp",
    "expiry",
    "strike_cov",
    "field_cov",
    "rule",
    "threshold",
    "iv",
    "greeks",
    "atm_call",
    "atm_put",
    "prefilter_clamp",
    "last_price",
    "oi",
    "volume",
];

#[track_caller]
fn nulls_only_where_optional(v: &serde_json::Value, key: &str, whole: &str) {
    match v {
        serde_json::Value::Null => assert!(OPTIONAL.contains(&key), "`{key}` is null: {whole}"),
        serde_json::Value::Array(items) => items.iter().for_each(|x| nulls_only_where_optional(x, key, whole)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, x)| nulls_only_where_optional(x, k, whole)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------------
// A 1M-row universe
// ---------------------------------------------------------------------------------------------------

/// Four listed weeklies of 81 strikes (162 rows) each, padded by `Oversize(249_838)`: exactly 1,000,000
/// universe rows per cycle. Each ladder strike carries its share of the padding, so the 21-strike ladder
/// matches tens of thousands of instruments and the clamp (2500) fires on both expiries every cycle, keeping
/// one call and one put per ladder strike: coverage stays whole and both expiries are OK.
#[test]
fn a_million_row_universe_runs_two_cycles_in_bounded_memory() {
    const PADDING: u32 = 249_838;
    let text = text(
        2,
        r#"(symbol: "NIFTY", expiries: ["this_week", "next_week"])"#,
        &format!(
            "provider: (strikes_per_side: 40, weeks_listed: 4, months_listed: 0),
             phases: [(name: \"huge\", cycles: (1, 2), faults: [Oversize({PADDING})])],"
        ),
    );
    let loaded = scenario(&text);
    assert_eq!(rows_per_cycle(&loaded.scenario), (1_000_000, 1));
    let started = Instant::now();
    let (run, peak) = measured(move || run_scenario(&loaded, &RunOptions::default()).unwrap());
    eprintln!("hostile: 1M-row universe, 2 cycles: peak {} MiB, {:.1} s", peak / MIB, started.elapsed().as_secs_f64());
    assert!(peak < 1 << 30, "peak {} MiB", peak / MIB);

    // The ladder's strikes are the provider's strikes 30..=50 of 0..=80: the padding's remainder (34 rows)
    // goes one each to strikes 0..34, so strikes 30..34 carry 3085 duplicates and the others 3084.
    let (share, extra) = (PADDING / 81, PADDING % 81);
    let matched: u32 = (30..=50).map(|i| 2 + share + u32::from(i < extra)).sum();
    assert_eq!(matched, 64_810);
    assert_eq!(run.result.cycles.len(), 2);
    for c in &run.result.cycles {
        assert_eq!(c.universe_rows, 1_000_000, "cycle {}", c.cycle);
        let nifty = c.index("NIFTY").unwrap();
        assert_eq!(nifty.status, ExpiryStatus::Ok, "cycle {}", c.cycle);
        assert_eq!(nifty.expiries.len(), 2);
        for e in &nifty.expiries {
            let what = format!("cycle {} {}", c.cycle, e.rule);
            assert_eq!(e.status, Some(ExpiryStatus::Ok), "{what}");
            assert_eq!((e.strike_coverage, e.field_coverage), (Some(1.0), Some(1.0)), "{what}");
            let clamp = e.clamp.as_ref().unwrap_or_else(|| panic!("{what}: no clamp"));
            assert_eq!(
                (clamp.original, clamp.kept, clamp.dropped, clamp.max_allowed),
                (matched, 2500, matched - 2500, 2500)
            );
            assert_eq!((e.instruments, e.options), (2500, 2500), "{what}");
        }
        assert_eq!((c.expiry_status_totals.ok, c.expiry_status_totals.partial), (2, 0));
    }
    let clamps = run.result.events.iter().filter(|e| e.event.name() == "prefilter_clamp").count();
    assert_eq!(clamps, 4, "one clamp per expiry per cycle");
    assert!(run.passed());
}

// ---------------------------------------------------------------------------------------------------
// 10,000 cycles
// ---------------------------------------------------------------------------------------------------

/// One index, one expiry, a walk that moves the ATM (instrument entities come and go) and a fault window
/// (expansion, then contraction) every 50 cycles.
fn long_run(cycles: u64) -> LoadedScenario {
    let phases: Vec<String> = (0..cycles / 50)
        .map(|k| format!("(name: \"dip\", cycles: ({}, {}), faults: [StrikeDropout(0.4)])", k * 50 + 10, k * 50 + 12))
        .collect();
    scenario(&text(cycles, NIFTY, &format!("market: (volatility_per_cycle: 0.002), phases: [{}],", phases.join(", "))))
}

/// A streamed run (what `g6sim run` does: `Prepared::stream` into a `RunWriter`, expectations checked as the
/// cycles go) does not grow with its length: the peak after 2,000 cycles is the peak after 500. That covers
/// the world (its change trackers are cleared every cycle: left alone, bevy's removed-component buffers would
/// grow by about 200 bytes per cycle here, 300 KiB over the 1,500 cycles compared), the drained logs, the writer and the
/// expectations (a `MaxFlips` keeps its flips' cycle numbers, 8 bytes each); keeping the cycles' summaries
/// would add about 1 KiB a cycle. 2,000 rather than 10,000 cycles keeps the debug suite lean; the files are
/// checked against the in-memory run of the same scenario.
#[test]
fn a_streamed_run_does_not_grow_with_its_length() {
    let expectations = r#"expectations: [
        MaxFlips(index: "NIFTY", flips: 2, window: 20),
        Always(Status(index: "NIFTY", rule: "this_week", is: OK)),
        Total(of: Events(event: "strike_depth_adjustment"), is: Ge(80)),
    ],"#;
    let phases: Vec<String> = (0..2_000 / 50)
        .map(|k| format!("(name: \"dip\", cycles: ({}, {}), faults: [StrikeDropout(0.4)])", k * 50 + 10, k * 50 + 12))
        .collect();
    let rest = format!("market: (volatility_per_cycle: 0.002), phases: [{}], {expectations}", phases.join(", "));
    let loaded = scenario(&text(2_000, NIFTY, &rest));
    let dir = crate::common::temp_dir("hostile-stream");
    let started = Instant::now();
    let out = dir.join("out");
    let ((at_500, at_2k, streamed), _) = measured(move || {
        let prepared = prepare(&loaded, &RunOptions::default()).unwrap();
        let mut writer = RunWriter::create(&out, &prepared.config).unwrap();
        let mut at_500 = 0;
        let streamed = prepared
            .stream(|view| {
                writer.cycle(view.summary, view.events);
                if view.summary.cycle == 500 {
                    at_500 = peak_so_far();
                }
            })
            .unwrap();
        let at_2k = peak_so_far();
        writer.finish(&streamed.prepared, streamed.events, &streamed.outcomes).unwrap();
        (at_500, at_2k, streamed)
    });
    eprintln!(
        "hostile: 2,000 cycles streamed: peak {} KiB at 500 cycles, {} KiB at 2,000, {:.1} s",
        at_500 >> 10,
        at_2k >> 10,
        started.elapsed().as_secs_f64()
    );
    // Each of the 40 dips expands, and the healthy stretch after it contracts back; the verdicts are the
    // in-memory run's, and so are the files.
    let outcomes: Vec<_> = streamed.outcomes.iter().map(|o| (o.passed, o.detail.as_str())).collect();
    assert!(outcomes[2].0, "{outcomes:?}");
    let run = streamed.prepared.clone().run(|_| {}).unwrap();
    assert_eq!(run.outcomes, streamed.outcomes);
    assert_eq!(run.result.events.len(), streamed.events);
    for (name, bytes) in [
        ("events.jsonl", events_jsonl(&run)),
        ("cycles.jsonl", cycles_jsonl(&run)),
        ("metrics.prom", metrics_prom(&run)),
        ("manifest.json", manifest_json(&run)),
    ] {
        assert!(std::fs::read(dir.join("out").join(name)).unwrap() == bytes, "{name} differs from the in-memory run's");
    }
    assert!(at_2k - at_500 <= 64 << 10, "the run grew by {} KiB from 500 to 2,000 cycles", (at_2k - at_500) >> 10);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Through the library's `run`, the logs are kept in memory (they are the run's result; `g6sim run` streams
/// instead, see above): over 10,000 cycles memory grows by the logs only, a bounded amount per cycle.
#[test]
fn ten_thousand_cycles_grow_by_their_logs_only() {
    let loaded = long_run(10_000);
    let started = Instant::now();
    let ((at_1k, at_10k, events_1k, run), _) = measured(move || {
        let (mut at_1k, mut events_1k, mut seen) = (0, 0, 0);
        let run = prepare(&loaded, &RunOptions::default())
            .unwrap()
            .run(|view| {
                seen += view.events.len();
                if view.summary.cycle == 1_000 {
                    (at_1k, events_1k) = (peak_so_far(), seen);
                }
            })
            .unwrap();
        (at_1k, peak_so_far(), events_1k, run)
    });
    let per_cycle = (at_10k - at_1k) / 9_000;
    eprintln!(
        "hostile: 10,000 cycles, logs kept: peak {} KiB at 1,000 cycles ({events_1k} events), {} KiB at 10,000 \
         ({} events): {per_cycle} bytes per cycle, {:.1} s",
        at_1k >> 10,
        at_10k >> 10,
        run.result.events.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(run.result.cycles.len(), 10_000);
    assert!(run.result.cycles.iter().enumerate().all(|(i, c)| c.cycle == i as u64 + 1));
    assert!(run.passed());
    assert!(per_cycle <= 8 << 10, "{per_cycle} bytes per cycle");
}

// ---------------------------------------------------------------------------------------------------
// 100 indices
// ---------------------------------------------------------------------------------------------------

/// 100 declared indices (not in name order) with one expiry each: every index is reported every cycle, in
/// declaration order, and OK.
#[test]
fn a_hundred_declared_indices_are_reported_in_declaration_order() {
    let symbols: Vec<String> = (0..100).map(|i| format!("IDX{:03}", (i * 37) % 100)).collect();
    let indices: Vec<String> = symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let atm = 10_000 + 100 * i;
            format!(
                r#"(symbol: "{s}", expiries: ["this_week"], registry: (step: 50.0, lot_size: 25, synthetic_atm: {atm}.0))"#
            )
        })
        .collect();
    let text = text(3, &indices.join(", "), "market: (volatility_per_cycle: 0.001),");
    let run = run_text(&text, &RunOptions::default());
    assert_eq!(run.result.cycles.len(), 3);
    for c in &run.result.cycles {
        let reported: Vec<&str> = c.indices.iter().map(|i| i.index.as_str()).collect();
        assert_eq!(reported, symbols, "cycle {}", c.cycle);
        for (i, index) in c.indices.iter().enumerate() {
            assert_eq!(index.status, ExpiryStatus::Ok, "cycle {} {}", c.cycle, index.index);
            assert_eq!(index.expiries.len(), 1);
            if c.cycle == 1 {
                assert_eq!(index.price, 10_000.0 + 100.0 * i as f64, "{} starts at its synthetic ATM", index.index);
            }
        }
        assert_eq!(c.expiry_status_totals.ok, 100);
    }
    let summaries = run.result.events.iter().filter(|e| e.event.name() == "adaptive_summary").count();
    assert_eq!(summaries, 300, "one adaptive_summary per index per cycle");
}

// ---------------------------------------------------------------------------------------------------
// Empty lists
// ---------------------------------------------------------------------------------------------------

#[test]
fn no_index_and_no_expiry_are_clear_load_errors() {
    let e = refused_at(&text(3, "", ""), "indices");
    assert!(e.message.contains("no index"), "{e}");
    let e = refused_at(&text(3, r#"(symbol: "NIFTY", expiries: [])"#, ""), "indices[0].expiries");
    assert!(e.message.contains("no expiry rule"), "{e}");
}

/// `phases: []`, `faults: []`, `levels: []` and `expectations: []` run exactly as the scenario without them.
#[test]
fn empty_phases_faults_levels_and_expectations_change_nothing() {
    let plain = run_text(&text(8, NIFTY, "market: (volatility_per_cycle: 0.002),"), &RunOptions::default());
    assert!(plain.outcomes.is_empty() && plain.passed());
    for rest in [
        "phases: [],",
        r#"phases: [(name: "nothing", cycles: (2, 5), faults: [])],"#,
        "expectations: [],",
        "phases: [], expectations: [],",
    ] {
        let run = run_text(
            &text(8, NIFTY, &format!("market: (volatility_per_cycle: 0.002), {rest}")),
            &RunOptions::default(),
        );
        assert_eq!(run.result, plain.result, "{rest}");
        assert!(run.outcomes.is_empty() && run.passed(), "{rest}: no expectation passes vacuously");
    }
    let run = run_text(&text(8, NIFTY, "market: (volatility_per_cycle: 0.002, levels: []),"), &RunOptions::default());
    assert_eq!(run.result, plain.result, "levels: []");
}

/// A scenario with no expectation checks nothing: `check`, `check --seeds`, `run` and `run --seeds` all call
/// it EMPTY and exit 1 (one rule, `Verdict`).
#[test]
fn every_command_fails_a_scenario_without_expectations() {
    let dir = crate::common::temp_dir("hostile-check");
    let file = dir.join("vacuous.ron");
    std::fs::write(&file, text(3, NIFTY, "expectations: [],")).unwrap();
    let g6sim = |args: &[&str]| {
        let out = crate::common::g6sim_cmd().args(args).arg(&file).arg("--no-env").output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {text}");
        assert!(text.contains("no expectations: nothing was checked"), "{args:?}: {text}");
        assert!(!text.contains("PASS"), "{args:?}: {text}");
        text
    };
    let check = g6sim(&["check"]);
    assert!(check.contains("EMPTY") && check.contains("0/0"), "{check}");
    assert!(check.contains("1 scenario: 0 passed, 1 failed"), "{check}");
    let seeds = g6sim(&["check", "--seeds", "2"]);
    assert!(seeds.contains("EMPTY") && seeds.contains("2 seeds run, no expectations"), "{seeds}");
    let out = dir.join("out");
    let run = g6sim(&["run", "-q", "--out", out.to_str().unwrap()]);
    assert!(run.contains("expectations: EMPTY"), "{run}");
    let seeds_out = dir.join("seeds");
    let run_seeds = g6sim(&["run", "--seeds", "1..2", "--out", seeds_out.to_str().unwrap()]);
    assert!(run_seeds.contains("seed 1  EMPTY") && run_seeds.contains("2 seeds run, no expectations"), "{run_seeds}");
}

// ---------------------------------------------------------------------------------------------------
// NaN, inf, negative and zero in the market path
// ---------------------------------------------------------------------------------------------------

/// A NIFTY scenario with `index` spliced into its index entry and `market` into `market: (..)`, Greeks on.
fn market_text(index: &str, market: &str, cycles: u64) -> String {
    text(
        cycles,
        &format!(r#"(symbol: "NIFTY", expiries: ["this_week", "next_month"], {index})"#),
        &format!("config: (compute_greeks: true), market: ({market}), provider: (weeks_listed: 2, months_listed: 2),"),
    )
}

const NON_FINITE: [&str; 3] = ["NaN", "inf", "-inf"];

/// (where the value goes: `index` or `market`, the field, the path of the error).
const FIELDS: [(&str, &str, &str); 12] = [
    ("market", "drift_per_cycle", "market.drift_per_cycle"),
    ("market", "volatility_per_cycle", "market.volatility_per_cycle"),
    ("market", "implied_vol", "market.implied_vol"),
    ("market", "skew", "market.skew"),
    ("market", "smile", "market.smile"),
    ("market", "term_slope", "market.term_slope"),
    ("market", "risk_free_rate", "market.risk_free_rate"),
    ("market", "levels", "market.levels[0].price"),
    ("index", "spot", "indices[0].spot"),
    ("index", "tick_size", "indices[0].tick_size"),
    ("index", "synthetic_atm", "indices[0].registry.synthetic_atm"),
    ("index", "step", "indices[0].registry.step"),
];

/// The scenario text with `field` set to `value`.
fn with_value(place: &str, field: &str, value: &str) -> String {
    let (index, market) = match (place, field) {
        (_, "levels") => (String::new(), format!(r#"levels: [(cycle: 2, index: "NIFTY", price: {value})]"#)),
        (_, "synthetic_atm") => {
            (format!("registry: (step: 50.0, lot_size: 75, synthetic_atm: {value}),"), String::new())
        }
        (_, "step") => (format!("registry: (step: {value}, lot_size: 75, synthetic_atm: 24800.0),"), String::new()),
        ("index", _) => (format!("{field}: {value},"), String::new()),
        _ => (String::new(), format!("{field}: {value}")),
    };
    let walk = if field == "volatility_per_cycle" { "" } else { "volatility_per_cycle: 0.001, " };
    market_text(&index, &format!("{walk}{market}"), 4)
}

#[test]
fn non_finite_market_values_are_load_errors_naming_the_field() {
    for (place, field, path) in FIELDS {
        for value in NON_FINITE {
            let e = refused_at(&with_value(place, field, value), path);
            assert!(e.message.contains(value), "{field}: {value}: {e}");
        }
    }
}

/// Negative and zero values: refused where the field has no meaning for them, else a run with only finite
/// numbers in its summaries and events.
#[test]
fn negative_and_zero_market_values_are_refused_or_run_finite() {
    let allowed = |field: &str, value: &str| match field {
        // Log drift may be negative; zero volatility is a flat path; zero implied vol and rate mean the
        // defaults (0.15, 0.05); the surface's skew, smile and term slope may have either sign; a negative
        // rate is a market.
        "drift_per_cycle" | "skew" | "smile" | "term_slope" | "risk_free_rate" => true,
        "volatility_per_cycle" | "implied_vol" => value != "-0.05",
        _ => false,
    };
    let (mut refused, mut ran) = (0, 0);
    for (place, field, path) in FIELDS {
        for value in ["-0.05", "0.0", "-0.0"] {
            let text = with_value(place, field, value);
            if allowed(field, value) {
                let run = run_text(&text, &RunOptions::default());
                assert_eq!(run.result.cycles.len(), 4);
                no_non_finite(&run.result);
                ran += 1;
            } else {
                refused_at(&text, path);
                refused += 1;
            }
        }
    }
    assert_eq!((refused, ran), (17, 19));
}

/// The extremes each field's range allows run with only finite numbers in the outputs; just past them the
/// loader refuses (a price below one strike step has an ATM of 0 and no ladder; a step of 1e-300 collapses
/// the ladder onto the ATM; a tick of 1e-320 overflows the rounding: all refused).
#[test]
fn extreme_allowed_market_values_run_finite() {
    use ExpiryStatus::Ok;
    for (place, field, value, statuses) in [
        ("market", "implied_vol", "3.0", [Ok; 4]),
        ("market", "skew", "-100.0", [Ok; 4]),
        ("market", "skew", "100.0", [Ok; 4]),
        ("market", "smile", "100.0", [Ok; 4]),
        ("market", "smile", "-100.0", [Ok; 4]),
        ("market", "term_slope", "-100.0", [Ok; 4]),
        ("market", "term_slope", "100.0", [Ok; 4]),
        ("market", "risk_free_rate", "-1.0", [Ok; 4]),
        ("market", "risk_free_rate", "1.0", [Ok; 4]),
        ("market", "levels", "1e9", [Ok; 4]),
        ("index", "spot", "1e9", [Ok; 4]),
        ("index", "tick_size", "0.0001", [Ok; 4]),
        ("index", "tick_size", "10000.0", [Ok; 4]),
        ("index", "step", "0.01", [Ok; 4]),
        ("index", "synthetic_atm", "1e9", [Ok; 4]),
    ] {
        let text = with_value(place, field, value);
        let run =
            run_scenario(&scenario(&text), &RunOptions::default()).unwrap_or_else(|e| panic!("{field}: {value}: {e}"));
        let got: Vec<ExpiryStatus> = run.result.cycles.iter().map(|c| c.indices[0].status).collect();
        assert_eq!(got, statuses, "{field}: {value}");
        no_non_finite(&run.result);
    }
    for (place, field, value) in [
        ("market", "implied_vol", "3.5"),
        ("market", "levels", "1e-300"),
        ("market", "levels", "49.0"),
        ("index", "spot", "1e-300"),
        ("index", "spot", "1e10"),
        ("index", "tick_size", "1e-320"),
        ("index", "tick_size", "1e300"),
        ("index", "step", "1e-300"),
        ("index", "step", "1e9"),
        ("index", "synthetic_atm", "0.01"),
    ] {
        let path = FIELDS.iter().find(|f| f.1 == field).unwrap().2;
        let e = refused_at(&with_value(place, field, value), path);
        assert!(e.message.contains("expected a number from"), "{field}: {value}: {e}");
    }
}

// ---------------------------------------------------------------------------------------------------
// The walk at its extremes
// ---------------------------------------------------------------------------------------------------

/// Every index price of the run is finite and positive, and the run's outputs hold no non-finite number.
#[track_caller]
fn prices_stay_finite(cycles: &[CycleSummary], what: &str) {
    for c in cycles {
        for i in &c.indices {
            assert!(i.price.is_finite() && i.price > 0.0, "{what}: cycle {}: {} at {}", c.cycle, i.index, i.price);
        }
    }
}

/// The walk at the loader's maximum drift (up and down) and volatility for 250 cycles: 0.1 x 250 = 25 log
/// units, e^25 = 7e10 times the start, so without a bound the price leaves the loader's own range of index
/// prices (at most 1e9) after 100 cycles, and over a few thousand cycles reaches inf (or 0, going down).
#[test]
fn the_walk_at_its_extremes_keeps_prices_finite_and_in_range() {
    for (drift, vol) in [(0.1, 0.0), (-0.1, 0.0), (0.1, 0.5), (-0.1, 0.5), (0.0, 0.5)] {
        let text = text(
            250,
            NIFTY,
            &format!(
                "market: (drift_per_cycle: {drift}, volatility_per_cycle: {vol}), provider: (weeks_listed: 1, months_listed: 0),"
            ),
        );
        let run = run_text(&text, &RunOptions::default());
        let what = format!("drift {drift}, volatility {vol}");
        prices_stay_finite(&run.result.cycles, &what);
        no_non_finite(&run.result);
        let prices: Vec<f64> = run.result.cycles.iter().map(|c| c.indices[0].price).collect();
        let (low, high) = prices.iter().fold((f64::MAX, 0.0f64), |(l, h), &p| (l.min(p), h.max(p)));
        eprintln!("hostile: walk {what}: price from {low} to {high}");
        assert!(high <= 1e9 && low >= 0.01, "{what}: the price went from {low} to {high}");
        if drift > 0.0 && vol == 0.0 {
            assert_eq!(prices.last(), Some(&1e9), "{what}: the walk rests at its ceiling");
        }
        if drift < 0.0 && vol == 0.0 {
            // 0.01 is below half a strike step: ATM 0, no ladder, EMPTY (and said so), never NaN.
            assert_eq!(prices.last(), Some(&0.01), "{what}: the walk rests at its floor");
            assert_eq!(run.result.cycles.last().unwrap().indices[0].status, ExpiryStatus::Empty, "{what}");
        }
    }
}
