//! Runs over Kite instrument dumps: a 60k-row NFO+BFO dump run for two cycles and counted against
//! an independent count of its CSV rows, faults on top, what wins over the dump, weekday mismatches, the
//! `--universe` flag on run, check and sweep, errors pointing at the `universe` field, determinism.

use crate::common::{g6sim_cmd, root, temp_dir, tree_bytes};
use g6sim::scenario::load_file;
use g6sim::universe::SyntheticSpec;
use g6sim::universe::write::{gzip, synthetic_rows, to_csv};
use g6sim::vocab::SkipReason;
use g6sim::{RunOptions, run_scenario};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A scenario over `universe` (relative to the scenario file) starting Monday 2025-09-29, the synthetic
/// writer's default date.
fn scenario_text(universe: &str, indices: &str, extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "dump_run",
    seed: 5,
    start: "2025-09-29T09:15:00+05:30",
    cycles: 2,
    universe: "{universe}",
    indices: [{indices}],
    {extra}
    expectations: [Always(StatusTotal(status: SYNTH, is: Eq(0)))],
)"#
    )
}

/// Writes a synthetic dump and a scenario over it into `dir`; returns the scenario's path.
fn write_case(dir: &Path, spec: &SyntheticSpec, indices: &str, extra: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("dump.csv"), to_csv(&synthetic_rows(spec).unwrap())).unwrap();
    let path = dir.join("dump_run.ron");
    std::fs::write(&path, scenario_text("dump.csv", indices, extra)).unwrap();
    path
}

/// The independent count of a synthetic dump's CSV: plain splitting (the first three and last three fields of
/// each line: only equity names are quoted, and they sit in between), the underlying the longest registry
/// symbol followed by a digit.
#[derive(Default)]
struct CsvCount {
    rows: u64,
    not_option: u64,
    unknown: u64,
    /// Per index: (expiry text, strike) of each option row.
    options: BTreeMap<&'static str, Vec<(String, f64)>>,
}

fn count_csv(text: &str) -> CsvCount {
    // The registry's symbols, longest first.
    let known = ["MIDCPNIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX", "NIFTY"];
    let mut c = CsvCount::default();
    for line in text.lines().skip(1) {
        c.rows += 1;
        let head: Vec<&str> = line.splitn(4, ',').collect();
        let tail: Vec<&str> = line.rsplitn(8, ',').collect();
        // From the end: exchange, segment, instrument_type, lot_size, tick_size, strike, expiry.
        let (symbol, itype, segment, strike, expiry) = (head[2], tail[2], tail[1], tail[5], tail[6]);
        if itype != "CE" && itype != "PE" {
            c.not_option += 1;
            continue;
        }
        let index = known
            .iter()
            .copied()
            .find(|k| symbol.strip_prefix(k).is_some_and(|rest| rest.starts_with(|ch: char| ch.is_ascii_digit())));
        match index {
            Some(ix) if segment == if ix == "SENSEX" { "BFO-OPT" } else { "NFO-OPT" } => {
                c.options.entry(ix).or_default().push((expiry.to_string(), strike.parse().unwrap()))
            }
            _ => c.unknown += 1,
        }
    }
    c
}

#[test]
fn a_60k_row_nfo_bfo_dump_runs_and_counts_like_its_csv_rows() {
    let dir = temp_dir("dump-60k");
    let spec = SyntheticSpec { strikes_per_side: 500, ..SyntheticSpec::default() };
    let indices = r#"(symbol: "NIFTY", expiries: ["this_week", "next_month"], depth: (itm: 10, otm: 10)),
        (symbol: "SENSEX", expiries: ["this_week"], depth: (itm: 6, otm: 6))"#;
    let phases = r#"phases: [(name: "dropout", cycles: (2, 2), index: "NIFTY", rule: "this_week", faults: [StrikeDropout(0.5)]),
        (name: "padding", cycles: (2, 2), index: "SENSEX", faults: [Oversize(3000)])],"#;
    let path = write_case(&dir, &spec, indices, phases);
    let text = std::fs::read_to_string(dir.join("dump.csv")).unwrap();
    let csv = count_csv(&text);
    assert!(csv.rows >= 60_000, "{} rows", csv.rows);

    let loaded = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let run = run_scenario(&loaded, &RunOptions::default()).unwrap();
    let (c1, c2) = (&run.result.cycles[0], &run.result.cycles[1]);

    // Every row is in the universe; the expiry map skips the other indices', the equities and futures, the
    // stock options: by reason, as the plain count has them.
    assert_eq!(u64::from(c1.universe_rows), csv.rows);
    let skipped = c1.universe_skipped.expect("a dump run reports its skipped rows");
    assert_eq!(skipped.get(SkipReason::NotAnOption), csv.not_option);
    assert_eq!(skipped.get(SkipReason::UnknownUnderlying), csv.unknown);
    let other: u64 = ["BANKNIFTY", "FINNIFTY", "MIDCPNIFTY"].iter().map(|s| csv.options[s].len() as u64).sum();
    assert_eq!(skipped.get(SkipReason::OtherIndex), other);
    assert_eq!(skipped.total(), csv.not_option + csv.unknown + other);

    for (pos, (symbol, step, depth)) in [("NIFTY", 50.0, 10), ("SENSEX", 100.0, 6)].into_iter().enumerate() {
        let rows = &csv.options[symbol];
        let ix = &c1.indices[pos];
        // The map's stats: every option of the index, grouped by the dump's expiries.
        let expiries: BTreeSet<&str> = rows.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(u64::from(ix.expiry_map.total), rows.len() as u64, "{symbol}");
        assert_eq!((ix.expiry_map.unique_expiries as usize, ix.expiry_map.invalid_expiry), (expiries.len(), 0));
        // this_week: the first expiry on or after the start; the price starts at the median strike of its rows.
        let nearest = *expiries.iter().find(|e| **e >= "2025-09-29").unwrap();
        let mut strikes: Vec<f64> = rows.iter().filter(|(e, _)| e == nearest).map(|(_, s)| *s).collect();
        strikes.sort_by(f64::total_cmp);
        let atm = strikes[(strikes.len() - 1) / 2];
        assert_eq!((ix.price, ix.atm, ix.step), (atm, atm, step), "{symbol}");
        let week = ix.expiry("this_week").unwrap();
        assert_eq!(week.expiry_date.as_deref(), Some(nearest), "{symbol}");
        let ladder = |k: i32| atm + f64::from(k) * step;
        let expected = rows.iter().filter(|(e, s)| e == nearest && (-depth..=depth).any(|k| ladder(k) == *s)).count();
        assert_eq!((week.options as usize, week.strike_coverage), (expected, Some(1.0)), "{symbol}");
    }
    // NIFTY next_month: the second monthly anchor among the dump's expiries.
    let nifty: BTreeSet<&str> = csv.options["NIFTY"].iter().map(|(e, _)| e.as_str()).collect();
    let mut anchors: BTreeMap<&str, &str> = BTreeMap::new();
    for e in nifty.iter().filter(|e| **e >= "2025-09-29") {
        anchors.insert(&e[..7], e);
    }
    let next_month = anchors.values().nth(1).copied();
    assert_eq!(c1.indices[0].expiry("next_month").unwrap().expiry_date.as_deref(), next_month);

    // Cycle 2: faults on top of the dump. A dropout of half of NIFTY's 21 ladder strikes loses round(10.5) = 11
    // strikes (CE and PE each); SENSEX gets 3000 duplicate rows per listed expiry, spread over its 1001 strikes
    // from the lowest up as on a synthetic series: 3 each for the first 998, so 3 more on each ladder strike.
    let week = c2.indices[0].expiry("this_week").unwrap();
    assert_eq!(week.options, (21 - 11) * 2);
    assert_eq!(week.strike_coverage, Some(10.0 / 21.0));
    let sensex_listed = csv.options["SENSEX"].iter().map(|(e, _)| e.as_str()).filter(|e| *e >= "2025-09-29");
    let sensex_listed = sensex_listed.collect::<BTreeSet<_>>().len() as u32;
    assert_eq!(c2.universe_rows, c1.universe_rows + 3000 * sensex_listed);
    assert_eq!(c2.indices[1].expiry_map.total, c1.indices[1].expiry_map.total + 3000 * sensex_listed);
    let sensex_week = |c: &g6sim::events::CycleSummary| c.indices[1].expiry("this_week").unwrap().options;
    assert_eq!(sensex_week(c2), sensex_week(c1) + 3 * 13);
    assert_eq!(c2.universe_skipped, c1.universe_skipped, "padding is the run's own rows");
}

#[test]
fn the_runs_own_settings_win_over_the_dump_and_a_weekday_mismatch_is_reported() {
    let dir = temp_dir("dump-precedence");
    let spec = SyntheticSpec { strikes_per_side: 20, indices: vec!["NIFTY".into()], ..SyntheticSpec::default() };
    // Keep NIFTY's strikes on a 100 grid: the dump's step is 100, not the registry's 50.
    let rows: Vec<_> = synthetic_rows(&spec).unwrap().into_iter().filter(|r| r.strike % 100.0 == 0.0).collect();
    std::fs::write(dir.join("dump.csv"), to_csv(&rows)).unwrap();
    // The scenario's registry entry says Tuesday weeklies; the dump's are Thursdays.
    let entry = r#"(symbol: "NIFTY", registry: (step: 50.0, lot_size: 75, synthetic_atm: 20000.0, weekly_dow: 1))"#;
    let path = dir.join("dump_run.ron");
    std::fs::write(&path, scenario_text("dump.csv", entry, "")).unwrap();
    let loaded = load_file(&path).unwrap();

    let run = run_scenario(&loaded, &RunOptions::default()).unwrap();
    let nifty = &run.result.cycles[0].indices[0];
    assert_eq!((nifty.step, nifty.atm), (100.0, 24800.0), "the dump's step and ATM region");
    let date = nifty.expiry("this_week").unwrap().expiry_date.clone();
    assert_eq!(date.as_deref(), Some("2025-10-02"), "the dump's Thursday, not the registry's Tuesday");
    assert!(
        run.prepared.warnings.iter().any(|w| w.contains("NIFTY expiries fall on Thursday, the registry says Tuesday")),
        "{:?}",
        run.prepared.warnings
    );
    let manifest: serde_json::Value = serde_json::from_slice(&g6sim::output::manifest_json(&run)).unwrap();
    let used = &manifest["universe"]["indices"][0];
    assert_eq!((used["weekday_mismatch"].as_bool(), used["registry_weekday"].as_u64()), (Some(true), Some(1)));
    assert_eq!(manifest["universe"]["file"], "dump.csv");

    // A strike step the run sets wins over the dump's.
    let options = RunOptions { sets: vec!["strike_step.NIFTY=50".into()], ..RunOptions::default() };
    let run = run_scenario(&loaded, &options).unwrap();
    assert_eq!(run.result.cycles[0].indices[0].step, 50.0);
    // So does a starting price.
    let text = scenario_text("dump.csv", r#"(symbol: "NIFTY", spot: 25000.0)"#, "");
    std::fs::write(&path, text).unwrap();
    let run = run_scenario(&load_file(&path).unwrap(), &RunOptions::default()).unwrap();
    assert_eq!(run.result.cycles[0].indices[0].price, 25000.0);
}

#[test]
fn a_bad_universe_is_an_error_at_the_field() {
    let dir = temp_dir("dump-errors");
    let path = dir.join("s.ron");
    let check = |universe: &str, needles: &[&str]| {
        std::fs::write(&path, scenario_text(universe, r#"(symbol: "NIFTY")"#, "")).unwrap();
        let e = load_file(&path).unwrap_err();
        assert_eq!((e.line, e.col, e.path.as_str()), (6, 15, "universe"), "{e}");
        let text = e.to_string();
        for needle in needles {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
    };
    check(
        "missing.csv",
        &["s.ron:6:15: at `universe`", "missing.csv: expected a readable file", "relative to the scenario"],
    );
    std::fs::write(dir.join("bad.csv"), "symbol,price\nNIFTY,1\n").unwrap();
    check("bad.csv", &["bad.csv:1: found `symbol,price`: expected a Kite instruments dump", "g6sim universe --out"]);
    let short = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\n1,2,X\n";
    std::fs::write(dir.join("short.csv"), short).unwrap();
    check("short.csv", &["short.csv:2: column `name`", "expected 12 fields as in the header, found 3"]);
    std::fs::write(&path, scenario_text(" ", r#"(symbol: "NIFTY")"#, "")).unwrap();
    assert!(load_file(&path).unwrap_err().to_string().contains("an empty universe path"));

    // --universe: the same reader's error, exit 2, before anything runs.
    let out = g6sim_cmd()
        .args(["run", "scenarios/kite_sample.ron", "--universe"])
        .arg(dir.join("bad.csv"))
        .arg("--out")
        .arg(dir.join("out"))
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: --universe: ") && stderr.contains("bad.csv:1"), "{stderr}");
    assert!(!dir.join("out").exists());
}

/// A gzipped dump of NIFTY and BANKNIFTY for Monday 2025-10-06, the day `healthy_baseline.ron` starts.
fn healthy_dump(dir: &Path) -> std::path::PathBuf {
    let date = g6sim::universe::parse_iso_date("2025-10-06").unwrap();
    let spec = SyntheticSpec { date, indices: vec!["NIFTY".into(), "BANKNIFTY".into()], ..SyntheticSpec::default() };
    let path = dir.join("u.csv.gz");
    std::fs::write(&path, gzip(&to_csv(&synthetic_rows(&spec).unwrap()))).unwrap();
    path
}

/// Runs the binary from the repository root: exit code, stdout, stderr.
fn g6sim(args: &[&str]) -> (Option<i32>, String, String) {
    let out = g6sim_cmd().args(args).arg("--no-env").output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_universe_flag_runs_checks_and_sweeps_deterministically() {
    let dir = temp_dir("dump-cli");
    let dump = healthy_dump(&dir);
    let dump = dump.to_str().unwrap();
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let scenario = "scenarios/healthy_baseline.ron";

    // The synthetic scenario over a dump of the same instruments: the same verdicts.
    let (code, stdout, stderr) = g6sim(&["run", scenario, "-q", "--universe", dump, "--out", &out("a")]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("  universe: ") && stdout.contains("the reader skipped not_an_option"), "{stdout}");
    assert!(stdout.contains("expiry map skipped (last cycle): not_an_option"), "{stdout}");
    let cycles = std::fs::read_to_string(dir.join("a/cycles.jsonl")).unwrap();
    assert!(cycles.lines().all(|l| l.contains("\"universe_skipped\":{\"not_an_option\":")), "{cycles}");

    // Same dump and seed: the same bytes.
    let (code, ..) = g6sim(&["run", scenario, "-q", "--universe", dump, "--out", &out("b")]);
    assert_eq!(code, Some(0));
    assert_eq!(tree_bytes(&dir.join("a")), tree_bytes(&dir.join("b")));
    let (code, stdout, _) = g6sim(&["run", scenario, "--universe", dump, "--check-determinism"]);
    assert_eq!(code, Some(0), "{stdout}");

    // check and sweep take it too.
    let (code, stdout, _) = g6sim(&["check", scenario, "--universe", dump]);
    assert_eq!(code, Some(0), "{stdout}");
    let args = ["sweep", scenario, "--universe", dump, "--param", "contract_ok_cycles=2,3", "--seeds", "1"];
    let (code, stdout, stderr) = g6sim(&[&args[..], &["--out", &out("sweep"), "--jobs", "1"]].concat());
    assert_eq!(code, Some(0), "{stdout}{stderr}");

    // Without it, the synthetic provider: no universe fields.
    let (code, ..) = g6sim(&["run", scenario, "-q", "--out", &out("c")]);
    assert_eq!(code, Some(0));
    assert!(!std::fs::read_to_string(dir.join("c/cycles.jsonl")).unwrap().contains("universe_skipped"));
    assert!(!std::fs::read_to_string(dir.join("c/manifest.json")).unwrap().contains("\"universe\""));
}

/// `--universe` replaces the scenario's own `universe` file, so that file is not read: a scenario whose dump
/// is missing runs over the one given (run, check and sweep), and fails at its field without it.
#[test]
fn the_universe_flag_does_not_read_the_scenarios_own_dump() {
    let dir = temp_dir("dump-replaced");
    let dump = healthy_dump(&dir);
    let text = std::fs::read_to_string(root().join("scenarios/kite_sample.ron")).unwrap();
    let scenario = dir.join("moved.ron");
    std::fs::write(&scenario, text.replace("universe: \"data/", "universe: \"gone/")).unwrap();
    let (scenario, dump) = (scenario.to_str().unwrap(), dump.to_str().unwrap());
    let (code, _, stderr) = g6sim(&["run", scenario, "-q", "--out", dir.join("a").to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("at `universe`") && stderr.contains("gone/"), "{stderr}");
    let given = ["--universe", dump];
    let (code, stdout, stderr) =
        g6sim(&[&["run", scenario, "-q", "--out", dir.join("b").to_str().unwrap()][..], &given].concat());
    assert!(code == Some(0) || code == Some(1), "runs over the dump given: {stdout}{stderr}");
    assert!(stdout.contains("  universe: "), "{stdout}");
    let (code, stdout, stderr) = g6sim(&[&["check", scenario][..], &given].concat());
    assert!(code == Some(0) || code == Some(1), "{stdout}{stderr}");
    let sweep = ["sweep", scenario, "--param", "contract_step=1,2", "--seeds", "1", "--out"];
    let (code, stdout, stderr) = g6sim(&[&sweep[..], &[dir.join("s").to_str().unwrap()], &given].concat());
    assert_eq!(code, Some(0), "{stdout}{stderr}");
}
