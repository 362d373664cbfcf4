//! The lean scoring path against full runs: every shipped scenario it models, a scenario per fault kind of
//! the catalogue with every expectation the check catalogue generates, and inline scenarios at the edges;
//! cycle by cycle, event by event, verdict by verdict and score by score, in both modes.

use super::{Plan, Source, parse_param};
use crate::run::{RunOptions, run_scenario};
use crate::scenario::{Evaluator, ExpectationOutcome, LoadedScenario, Setting, load_file, parse};
use std::path::PathBuf;

/// Scenario text, parsed (panicking with the error).
fn scenario(text: &str) -> LoadedScenario {
    LoadedScenario::inline(parse("inline.ron", text).unwrap_or_else(|e| panic!("{e}")), "inline.ron")
}

/// The shipped scenarios, by name.
fn scenario_files() -> Vec<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

/// Two indices on a random walk, three expiry rules and a dated one, and every fault the lean path models,
/// scoped to an index, a rule or neither, overlapping; its expectations are ones the lean path evaluates,
/// some holding and some failing. `Total(of: Events(event: "prefilter_clamp"), is: Eq(0))` holds under the
/// default maximum of 2500 instruments and fails under the sweep's 60
/// (`lean_stress_clamps_only_under_a_low_maximum`).
const LEAN_STRESS: &str = r#"Scenario(
    name: "lean_stress",
    seed: 5,
    start: "2025-10-06T15:20:00+05:30",
    interval_s: 300,
    cycles: 30,
    market: (volatility_per_cycle: 0.004, drift_per_cycle: 0.0005),
    indices: [
        (symbol: "NIFTY", expiries: ["this_week", "next_week", "this_month"], depth: (itm: 6, otm: 8)),
        (symbol: "BANKNIFTY", expiries: ["this_month", "2025-10-28"], depth: (itm: 4, otm: 4), baseline: (itm: 3, otm: 4)),
        (symbol: "FINNIFTY", expiries: ["this_week"], spot: 1000.0, depth: (itm: 8, otm: 9)),
    ],
    phases: [
        (name: "dip", cycles: (3, 6), index: "NIFTY", rule: "this_week", faults: [StrikeDropout(0.4)]),
        (name: "fields", cycles: (5, 9), faults: [FieldDropout(0.5)]),
        (name: "stray", cycles: (8, 10), index: "BANKNIFTY", faults: [StrayStrikes(3), Oversize(300)]),
        (name: "dark", cycles: (11, 12), index: "NIFTY", rule: "next_week", faults: [Outage]),
        (name: "no price", cycles: (12, 14), index: "BANKNIFTY", faults: [IndexPriceMissing, InvalidExpiries(9)]),
        (name: "wide", cycles: (15, 18), faults: [Oversize(120), StrikeDropout(0.2)]),
    ],
    expectations: [
        MaxFlips(index: "NIFTY", flips: 2, window: 10),
        Always(Depth(index: "BANKNIFTY", side: Itm, is: Le(30))),
        AtLeastOnce(Status(index: "NIFTY", rule: "this_week", is: PARTIAL)),
        By(cycle: 28, check: AtBaseline(index: "NIFTY")),
        Never(FieldCoverage(index: "NIFTY", rule: "this_month", is: Lt(0.3))),
        At(cycle: 11, check: Events(event: "zero_data", index: "NIFTY", is: Eq(1))),
        Total(of: Events(event: "prefilter_clamp"), is: Eq(0)),
        Total(of: Reason(reason: low_field, index: "NIFTY"), is: Ge(1)),
        Total(of: Status(status: EMPTY), is: Eq(2)),
        Always(StatusTotal(status: SYNTH, is: Eq(0))),
        AtLeastOnce(ReasonTotal(reason: low_both, is: Ge(1))),
        AtLeastOnce(StrikeCoverage(index: "BANKNIFTY", rule: "this_month", is: Lt(1.0))),
        At(cycle: 12, check: Reason(index: "NIFTY", rule: "this_week", is: low_field)),
        Always(Status(index: "FINNIFTY", rule: "this_week", is: OK)),
    ],
)"#;

/// LEAN_STRESS's clamp expectation can fail. Derived from the scenario: an expiry's instruments are at most
/// the provider's listing (2 x 40 strikes per side + the ATM, a call and a put each: 162) plus every
/// `Oversize` row and two per stray strike of all its phases together (300 + 120 + 2 x 3 = 426), 588 in all,
/// under the default maximum of 2500: no clamp, the expectation holds. Under the maximum of 60 that
/// `the_lean_path_gives_what_full_runs_give` sweeps, clamps fire and it fails, in both modes.
#[test]
fn lean_stress_clamps_only_under_a_low_maximum() {
    use crate::config::{Config, Parity};
    use crate::scenario::Fault;
    let loaded = scenario(LEAN_STRESS);
    let s = &loaded.scenario;
    let listed = 2 * (2 * s.provider.strikes_per_side + 1);
    let extra: u32 = s
        .phases
        .iter()
        .flat_map(|p| &p.faults)
        .map(|f| match f {
            Fault::Oversize(n) => *n,
            Fault::StrayStrikes(n) => 2 * n,
            _ => 0,
        })
        .sum();
    assert_eq!((listed, extra), (162, 426));
    assert!(listed + extra < Config::default().prefilter_max_instruments);
    let clamp = s.expectations.iter().position(|e| e.to_string().contains("prefilter_clamp")).unwrap();
    for parity in [Parity::Off, Parity::G6] {
        for (max, holds) in [(2500, true), (60, false)] {
            let options = RunOptions {
                parity: Some(parity),
                sets: vec![format!("prefilter_max_instruments={max}")],
                ..RunOptions::default()
            };
            let run = run_scenario(&loaded, &options).unwrap();
            let o = &run.outcomes[clamp];
            assert_eq!(o.passed, holds, "{parity:?} max {max}: {} {}", o.expectation, o.detail);
        }
    }
}

/// SLA-breach strike scaling against expansion and contraction: a cost in proportion to the depth, a slow
/// provider that makes the cycles breach, strike dropouts that expand, two indices of different depths (the
/// floor), and a baseline below the depth (a pending contraction).
const LEAN_SCALING: &str = r#"Scenario(
    name: "lean_scaling",
    seed: 5,
    start: "2025-10-06T09:15:00+05:30",
    interval_s: 60,
    cycles: 60,
    config: (strike_scaling: true, strike_scaling_restore_healthy: 4, strike_scaling_breach_threshold: 2),
    cycle_time: (per_strike_s: 0.9),
    indices: [
        (symbol: "NIFTY", expiries: ["this_week", "next_week"], depth: (itm: 12, otm: 10), baseline: (itm: 8, otm: 8)),
        (symbol: "BANKNIFTY", expiries: ["this_week"], depth: (itm: 3, otm: 5)),
    ],
    phases: [
        (name: "slow", cycles: (5, 30), faults: [SlowProvider(0.15)]),
        (name: "dip", cycles: (8, 9), index: "NIFTY", rule: "this_week", faults: [StrikeDropout(0.5)]),
        (name: "dip again", cycles: (40, 41), index: "BANKNIFTY", faults: [StrikeDropout(0.6)]),
    ],
    expectations: [Total(of: Events(event: "adaptive_scale_change"), is: Ge(2))],
)"#;

/// The provider's rows move while the ladder stands: the index price is missing (the ladder sits on the
/// registry's synthetic ATM, at its cap, so it never changes), the provider lists a few strikes around the
/// moving market inside that wide ladder, so the same row positions are fetched every cycle, at other
/// strikes. At cycle 4 they leave validation's band (every row dropped: EMPTY), at cycle 8 they come back.
const LEAN_MOVING_ROWS: &str = r#"Scenario(
    name: "lean_moving_rows",
    seed: 9,
    start: "2025-10-06T10:00:00+05:30",
    interval_s: 60,
    cycles: 10,
    config: (depth_max_itm: 250, depth_max_otm: 250),
    provider: (strikes_per_side: 2, weeks_listed: 2, months_listed: 1),
    market: (levels: [(cycle: 4, index: "NIFTY", price: 35050.0), (cycle: 8, index: "NIFTY", price: 24900.0)]),
    indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"], depth: (itm: 250, otm: 250))],
    phases: [(name: "no price", cycles: (1, 10), faults: [IndexPriceMissing])],
    expectations: [
        Total(of: Status(status: EMPTY, index: "NIFTY"), is: Eq(8)),
        At(cycle: 5, check: Status(index: "NIFTY", is: EMPTY)),
        At(cycle: 8, check: Status(index: "NIFTY", rule: "next_week", is: PARTIAL)),
    ],
)"#;

/// The calendar's and the numbers' edges: half-day cycles across nights, a weekend, expiry days and the
/// new year into 2050 (whose expiries validation drops as dummy far-future ones: EMPTY with instruments),
/// a dated rule never listed, a declared index with Saturday expiries and a 0.5 step, an index at 9e7
/// (where the stray strikes' window takes in the ladder's top strike again), a depth of 0 below its
/// baseline, and faults scoped by index and rule.
const LEAN_EDGES: &str = r#"Scenario(
    name: "lean_edges",
    seed: 3,
    start: "2049-12-24T15:25:00+05:30",
    interval_s: 43201,
    cycles: 16,
    provider: (strikes_per_side: 3, weeks_listed: 1, months_listed: 1),
    market: (volatility_per_cycle: 0.02, drift_per_cycle: 0.001),
    indices: [
        (symbol: "NIFTY", expiries: ["this_week", "next_week", "next_month", "2049-12-28"], depth: (itm: 0, otm: 3), baseline: (itm: 0, otm: 2)),
        (symbol: "FOO", registry: (step: 0.5, lot_size: 1, synthetic_atm: 3.0, weekly_dow: 5), expiries: ["this_week", "this_month"], spot: 2.0, depth: (itm: 9, otm: 1)),
        (symbol: "SENSEX", expiries: ["this_month"], spot: 90000000.0, depth: (itm: 2, otm: 2)),
    ],
    phases: [
        (name: "stray", cycles: (2, 9), faults: [StrayStrikes(4)]),
        (name: "pad", cycles: (4, 7), index: "SENSEX", faults: [Oversize(90), FieldDropout(0.34)]),
        (name: "no price", cycles: (6, 11), index: "FOO", faults: [IndexPriceMissing, StrikeDropout(0.5)]),
        (name: "dark", cycles: (10, 10), index: "NIFTY", rule: "this_week", faults: [Outage]),
    ],
    expectations: [
        Total(of: Events(event: "zero_data", index: "nifty"), is: Ge(16)),
        AtLeastOnce(Events(event: "prefilter_clamp", index: "SENSEX", is: Ge(1))),
        At(cycle: 4, check: Status(index: "FOO", is: EMPTY)),
        MaxFlips(index: "FOO", flips: 1, window: 5),
        Total(of: Status(status: EMPTY, index: "NIFTY", rule: "next_month"), is: Ge(3)),
    ],
)"#;

/// Every expectation the check catalogue generates about NIFTY's `this_week` expiry: each form
/// (`ExpectationKind`) around each check kind, over each tally kind, repeats dropped.
fn catalogue_expectations() -> Vec<crate::scenario::Expectation> {
    crate::scenario::Expectation::examples("NIFTY", crate::scenario::ExpiryRule::ThisWeek, 6)
}

/// Two indices on a random walk, three expiries, `fault` in two overlapping phases (one narrowed to NIFTY, and
/// to its `this_week` expiry when the fault acts on an expiry; one on every index) and `expectations`.
fn catalogue_scenario(
    name: &str,
    fault: Option<&crate::scenario::Fault>,
    expectations: &[crate::scenario::Expectation],
) -> crate::scenario::LoadedScenario {
    use crate::scenario::Scope;
    let phases = match fault {
        Some(f) => {
            let narrow = match f.scope() {
                Scope::Expiry => r#"index: "NIFTY", rule: "this_week", "#,
                Scope::Index => r#"index: "NIFTY", "#,
                Scope::Process => "",
            };
            let f = ron::to_string(f).unwrap();
            format!(
                r#"(name: "narrow", cycles: (3, 6), {narrow}faults: [{f}]),
                   (name: "wide", cycles: (5, 9), faults: [{f}]),"#
            )
        }
        None => String::new(),
    };
    let expectations: Vec<String> = expectations.iter().map(|e| ron::to_string(e).unwrap()).collect();
    scenario(&format!(
        r#"Scenario(
            name: "{name}",
            seed: 11,
            start: "2025-10-06T14:30:00+05:30",
            interval_s: 900,
            cycles: 14,
            market: (volatility_per_cycle: 0.003),
            indices: [
                (symbol: "NIFTY", expiries: ["this_week", "next_week"], depth: (itm: 6, otm: 6)),
                (symbol: "BANKNIFTY", expiries: ["this_month"], depth: (itm: 4, otm: 4)),
            ],
            phases: [{phases}],
            expectations: [{}],
        )"#,
        expectations.join(",\n")
    ))
}

/// The catalogue's expectations the lean path evaluates, and those it refuses.
fn catalogue_expectations_by_lean() -> (Vec<crate::scenario::Expectation>, Vec<crate::scenario::Expectation>) {
    use crate::scenario::LeanSupport;
    catalogue_expectations().into_iter().partition(|e| crate::scoring::lean::gives(e.reads()) == LeanSupport::Modelled)
}

/// A scenario per fault kind the lean path models ([`catalogue_scenario`]), with every expectation it
/// evaluates.
fn catalogue_scenarios() -> Vec<(String, crate::scenario::LoadedScenario)> {
    use crate::scenario::{FaultKind, LeanSupport};
    let (modelled, _) = catalogue_expectations_by_lean();
    FaultKind::ALL
        .iter()
        .filter(|k| k.lean() == LeanSupport::Modelled)
        .map(|k| (format!("generated: {k:?}"), catalogue_scenario(&format!("{k:?}"), Some(&k.example()), &modelled)))
        .collect()
}

/// Every fault kind of the catalogue gets a scenario, and every check, tally and expectation form an
/// expectation: under a kind the lean path models, each expectation's verdict and what it saw equal a full
/// run's, in both modes; a kind it refuses, and an expectation reading what it leaves out, make the sweep run
/// in full, saying why. A new kind is compared or refused here as the catalogue says, without a test edit.
#[test]
fn every_fault_and_check_kind_is_compared_or_refused() {
    use crate::config::Parity;
    use crate::scenario::{CheckKind, Evaluator, Expectation, ExpectationKind, TallyKind};
    use crate::scenario::{FaultKind, LeanSupport};
    let (modelled, refused) = catalogue_expectations_by_lean();
    // The generator reaches every kind.
    let all = catalogue_expectations();
    let checks = |e: &Expectation| match e {
        Expectation::At { check, .. }
        | Expectation::By { check, .. }
        | Expectation::Always(check)
        | Expectation::Never(check)
        | Expectation::AtLeastOnce(check)
        | Expectation::Eventually { check, .. }
        | Expectation::OutsideFaults(check) => Some(check.kind()),
        Expectation::MaxFlips { .. } | Expectation::Total { .. } | Expectation::Keeps(_) => None,
    };
    for kind in CheckKind::ALL {
        assert!(all.iter().any(|e| checks(e) == Some(*kind)), "{kind:?}");
    }
    for kind in TallyKind::ALL {
        assert!(all.iter().any(|e| matches!(e, Expectation::Total { of, .. } if of.kind() == *kind)), "{kind:?}");
    }
    for kind in ExpectationKind::ALL {
        assert!(all.iter().any(|e| e.kind() == *kind), "{kind:?}");
    }
    let (mut held, mut failed) = (0, 0);
    for &kind in FaultKind::ALL {
        let loaded = catalogue_scenario(&format!("{kind:?}"), Some(&kind.example()), &modelled);
        for parity in [Parity::Off, Parity::G6] {
            let what = format!("{kind:?} {parity:?}");
            let base = RunOptions { parity: Some(parity), ..RunOptions::default() };
            let p = Plan::new(vec![Source::of(loaded.clone())], base, Vec::new(), vec![1]).unwrap();
            match (kind.lean(), p.leans().swap_remove(0)) {
                (LeanSupport::Modelled, Ok(lean)) => {
                    let run = run_scenario(&p.members[0].loaded, &p.options(&p.settings[0], 1)).unwrap();
                    let mut evaluator = Evaluator::new(
                        &p.members[0].loaded.scenario.expectations,
                        Setting::of(&p.members[0].loaded.scenario, p.config(0, 0)),
                    );
                    lean.run(p.config(0, 0), 1, |summary, events| evaluator.observe(summary, events));
                    let lean = evaluator.finish();
                    for (lean, full) in lean.iter().zip(&run.outcomes) {
                        assert_eq!(lean, full, "{what}");
                    }
                    assert_eq!(lean.len(), run.outcomes.len(), "{what}");
                    held += run.outcomes.iter().filter(|o| o.passed).count();
                    failed += run.outcomes.iter().filter(|o| !o.passed).count();
                }
                (LeanSupport::Refused(_), Err(why)) => {
                    assert!(why.to_string().starts_with(&format!("the fault {kind:?}")), "{what}: {why}");
                }
                (expected, got) => panic!("{what}: the catalogue says {expected:?}, the lean path {:?}", got.err()),
            }
        }
    }
    assert!(held > 0 && failed > 0, "the verdicts compared go both ways: {held} held, {failed} failed");
    for e in &refused {
        let p = Plan::new(
            vec![Source::of(catalogue_scenario("refused", None, std::slice::from_ref(e)))],
            RunOptions::default(),
            Vec::new(),
            vec![1],
        )
        .unwrap();
        assert_eq!(p.leans()[0].as_ref().err().map(|e| e.to_string()), Some(format!("the expectation `{e}`")));
    }
}

/// What a cycle summary says that the lean path fills (its module doc lists what it leaves out).
fn lean_view(c: &crate::events::CycleSummary) -> String {
    let mut out = format!(
        "cycle {} ts {} time {:?} scaling {:?} totals {:?} {:?}\n",
        c.cycle, c.ts, c.cycle_time, c.strike_scaling, c.expiry_status_totals, c.partial_reason_totals
    );
    for i in &c.indices {
        out += &format!(
            "  {} {:?} price {} synth {} atm {} step {} ladder {:?} depth {:?} baseline {:?} streak {}\n",
            i.index,
            i.status,
            i.price,
            i.synthetic_price,
            i.atm,
            i.step,
            i.ladder_depth,
            i.depth,
            i.baseline,
            i.healthy_streak
        );
        for e in &i.expiries {
            out += &format!(
                "    {} {:?} {:?} {:?} strike {:?} field {:?} req {} inst {} opt {} {:?} {:?} {}\n",
                e.rule,
                e.expiry_date,
                e.status,
                e.partial_reason,
                e.strike_coverage,
                e.field_coverage,
                e.strikes_requested,
                e.instruments,
                e.options,
                e.failure,
                e.clamp,
                e.synthetic
            );
        }
    }
    out
}

/// The lean path against full runs, cycle by cycle and score by score: every shipped scenario it models,
/// in both modes, under several seeds and settings of the keys a sweep tunes (the oversized scenarios with a
/// clamp maximum that fires and one that does not).
#[test]
fn the_lean_path_gives_what_full_runs_give() {
    use crate::config::Parity;
    use crate::events::Event;
    let mut modelled = Vec::new();
    let mut scenarios: Vec<(String, crate::scenario::LoadedScenario)> =
        scenario_files().into_iter().map(|p| (p.display().to_string(), load_file(&p).unwrap())).collect();
    scenarios.push(("inline: every fault the lean path models".into(), scenario(LEAN_STRESS)));
    scenarios.push(("inline: rows that move under a standing ladder".into(), scenario(LEAN_MOVING_ROWS)));
    scenarios.push(("inline: strike scaling against the adaptive depth".into(), scenario(LEAN_SCALING)));
    scenarios.push(("inline: the calendar's and the numbers' edges".into(), scenario(LEAN_EDGES)));
    scenarios.extend(catalogue_scenarios());
    for (path, loaded) in scenarios {
        for parity in [Parity::Off, Parity::G6] {
            let base = RunOptions { parity: Some(parity), ..RunOptions::default() };
            let params = ["contract_ok_cycles=0,5", "contract_cooldown=0,3", "prefilter_max_instruments=60,2500"];
            let params = params.iter().map(|p| parse_param(p).unwrap()).collect();
            let p = Plan::new(vec![Source::of(loaded.clone())], base, params, vec![1, 2]).unwrap();
            let Ok(lean) = p.leans().swap_remove(0) else { continue };
            modelled.push(format!("{path} {parity:?}"));
            for job in 0..p.jobs() {
                let (setting, seed) = (&p.settings[job / 2], p.seeds[job % 2]);
                let what = format!("{path} {parity:?} {} seed {seed}", setting.label());
                let full = p.run_job_full(job).unwrap();
                assert_eq!(p.run_job_lean(&p.layout(), &lean, job), full, "{what}");
                if job % 5 != 0 {
                    continue;
                }
                let run = run_scenario(&p.members[0].loaded, &p.options(setting, seed)).unwrap();
                let mut evaluator = Evaluator::new(
                    &p.members[0].loaded.scenario.expectations,
                    Setting::of(&p.members[0].loaded.scenario, p.config(0, setting.index)),
                );
                let mut n = 0;
                lean.run(p.config(0, setting.index), seed, |summary, events| {
                    evaluator.observe(summary, events);
                    let c = &run.result.cycles[n];
                    assert_eq!(lean_view(summary), lean_view(c), "{what}");
                    let kept = |e: &&crate::events::LoggedEvent| {
                        e.cycle == c.cycle && crate::scoring::lean::EVENTS.contains(&e.event.name())
                    };
                    let full: Vec<&Event> = run.result.events.iter().filter(kept).map(|e| &e.event).collect();
                    let lean: Vec<&Event> = events.iter().map(|e| &e.event).collect();
                    assert_eq!(lean, full, "{what} cycle {}", c.cycle);
                    n += 1;
                });
                assert_eq!(n, run.result.cycles.len());
                // Each expectation's verdict and cycle, not only whether all held (a scenario failing one
                // expectation in every job would hide the verdicts of the others).
                let verdicts = |o: &[ExpectationOutcome]| {
                    o.iter().map(|o| (o.expectation.clone(), o.passed, o.cycle)).collect::<Vec<_>>()
                };
                assert_eq!(verdicts(&evaluator.finish()), verdicts(&run.outcomes), "{what}");
            }
        }
    }
    assert!(modelled.len() >= 18, "the lean path models most shipped scenarios: {modelled:?}");
}
