//! Every shipped scenario passes, and expectations really can fail.

use crate::common::*;
use g6sim::scenario::{Check, Expectation, Fault, Tally, load_file};
use g6sim::vocab::{ExpiryStatus, PartialReason};
use g6sim::{RunOptions, run_scenario};
use std::collections::BTreeSet;

#[test]
fn every_shipped_scenario_passes_its_expectations() {
    let files = scenario_files();
    assert!(files.len() >= 8, "at least eight shipped scenarios, found {}", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let loaded = load_file(file).unwrap_or_else(|e| panic!("{e}"));
        assert!(!loaded.scenario.expectations.is_empty(), "{} has no expectations", file.display());
        let run = run_scenario(&loaded, &RunOptions::default()).unwrap();
        for o in run.outcomes.iter().filter(|o| !o.passed) {
            failures.push(format!("{}: expected {}; {}", file.display(), o.expectation, o.detail));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The name of a fault's kind.
fn fault_name(fault: &Fault) -> String {
    format!("{:?}", fault.kind())
}

/// Every fault kind of the catalogue: a new kind joins the faults the shipped scenarios must cover.
fn fault_kinds() -> Vec<String> {
    g6sim::scenario::FaultKind::ALL.iter().map(|k| format!("{k:?}")).collect()
}

/// Faults no shipped scenario needs to use: the provider's stray strikes are the business of the inline
/// scenarios of `src/sweep/differential.rs` (the lean path against full runs), not of an example.
const NOT_SHIPPED: [&str; 1] = ["StrayStrikes"];

/// What an expectation requires to happen at least once: the statuses and partial reasons it needs seen
/// (`At`, `By`, `Always`, `AtLeastOnce` of a status or reason check, a per-cycle total or a run total that
/// 0 does not satisfy). `Never` and `MaxFlips` require nothing to happen.
fn required(e: &Expectation) -> (Vec<ExpiryStatus>, Vec<PartialReason>) {
    let check = match e {
        Expectation::At { check, .. } | Expectation::By { check, .. } => check,
        Expectation::Always(check) | Expectation::AtLeastOnce(check) => check,
        Expectation::Total { of: Tally::Status { status, .. }, is } if !is.holds(0.0) => {
            return (vec![*status], vec![]);
        }
        Expectation::Total { of: Tally::Reason { reason, .. }, is } if !is.holds(0.0) => {
            return (vec![], vec![*reason]);
        }
        _ => return (vec![], vec![]),
    };
    match check {
        Check::Status { is, .. } => (vec![*is], vec![]),
        Check::StatusTotal { status, is } if !is.holds(0.0) => (vec![*status], vec![]),
        Check::Reason { is, .. } => (vec![], vec![*is]),
        Check::ReasonTotal { reason, is } if !is.holds(0.0) => (vec![], vec![*reason]),
        _ => (vec![], vec![]),
    }
}

#[test]
fn shipped_scenarios_cover_every_fault_and_status() {
    let (mut faults, mut statuses, mut reasons) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let (mut strict, mut flips) = (false, false);
    for file in scenario_files() {
        let s = load_file(&file).unwrap_or_else(|e| panic!("{e}")).scenario;
        faults.extend(s.phases.iter().flat_map(|p| &p.faults).map(fault_name));
        strict |= s.config.prefilter_clamp_strict;
        for e in &s.expectations {
            let (st, re) = required(e);
            statuses.extend(st);
            reasons.extend(re);
            flips |= matches!(e, Expectation::MaxFlips { .. });
        }
    }
    for fault in fault_kinds().iter().filter(|f| !NOT_SHIPPED.contains(&f.as_str())) {
        assert!(faults.contains(fault), "no shipped scenario uses {fault}: {faults:?}");
    }
    assert!(strict, "no shipped scenario sets prefilter_clamp_strict");
    for status in [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth] {
        assert!(statuses.contains(&status), "no shipped scenario expects {status:?}: {statuses:?}");
    }
    for reason in
        [PartialReason::LowStrike, PartialReason::LowField, PartialReason::LowBoth, PartialReason::PrefilterClamp]
    {
        assert!(reasons.contains(&reason), "no shipped scenario expects {reason:?}: {reasons:?}");
    }
    assert!(flips, "no shipped scenario bounds the depth's direction flips (MaxFlips)");
}

const BASE: &str = r#"Scenario(
    name: "t", start: "2025-10-06T09:15:00+05:30", cycles: 6,
    indices: [(symbol: "NIFTY", expiries: ["this_week"])],
    phases: [(name: "dip", cycles: (2, 2), faults: [StrikeDropout(0.5)])],
    expectations: [EXPECT],
)"#;

fn verdict(expect: &str) -> g6sim::scenario::ExpectationOutcome {
    let run = run_text(&BASE.replace("EXPECT", expect), &RunOptions::default());
    run.outcomes.into_iter().next().unwrap()
}

/// What BASE's dip does at cycle 2, from its definition and the defaults: the ladder of the default depth
/// (10 + 10 strikes and the ATM: 21) loses `round(0.5 x 21)` = 11 strikes (half away from zero), so the
/// strike coverage is 10/21, under the expansion trigger; the depth grows by the default step, 10 + 2 = 12.
/// Returns (coverage, depth after the cycle).
fn dip_at_cycle_2() -> (f64, u32) {
    let loaded = scenario(&BASE.replace("EXPECT", r#"Never(Status(index: "NIFTY", is: EMPTY))"#));
    let s = &loaded.scenario;
    let depth = s.indices[0].depth;
    let Fault::StrikeDropout(ratio) = &s.phases[0].faults[0] else { panic!("{:?}", s.phases[0]) };
    assert_eq!((depth.itm, depth.otm, ratio.get(), s.phases[0].cycles.first), (10, 10, 0.5, 2));
    let ladder = depth.itm + depth.otm + 1;
    let dropped = (ratio.get() * f64::from(ladder)).round() as u32;
    let coverage = f64::from(ladder - dropped) / f64::from(ladder);
    assert_eq!((ladder, dropped, coverage), (21, 11, 10.0 / 21.0));
    let config = g6sim::config::Config::default();
    assert!(coverage < config.expansion_trigger(), "the dip triggers an expansion");
    (coverage, depth.itm + config.expansion_step)
}

#[test]
fn each_expectation_form_passes_and_fails_with_a_cycle_and_what_happened() {
    let (coverage, depth) = dip_at_cycle_2();
    assert_eq!(depth, 12);
    let at_2 = format!(r#"At(cycle: 2, check: Depth(index: "NIFTY", is: Eq({depth})))"#);
    let coverage_at_2 =
        format!(r#"At(cycle: 2, check: StrikeCoverage(index: "NIFTY", rule: "this_week", is: Eq({coverage:?})))"#);
    let pass = [
        at_2.as_str(),
        r#"By(cycle: 3, check: Depth(index: "NIFTY", side: Itm, is: Gt(10)))"#,
        r#"Always(Depth(index: "NIFTY", side: Otm, is: Ge(10)))"#,
        r#"Never(Status(index: "NIFTY", is: EMPTY))"#,
        r#"AtLeastOnce(Reason(index: "NIFTY", rule: "this_week", is: low_strike))"#,
        r#"MaxFlips(index: "NIFTY", flips: 0, window: 6)"#,
        r#"Total(of: Events(event: "strike_depth_adjustment", index: "NIFTY", reason: "low_strike_cov"), is: Eq(1))"#,
        r#"Total(of: Status(status: PARTIAL, index: "NIFTY", rule: "this_week"), is: Eq(1))"#,
        coverage_at_2.as_str(),
    ];
    for e in pass {
        let v = verdict(e);
        assert!(v.passed, "{e}: {}", v.detail);
    }
    let v = verdict(r#"At(cycle: 2, check: Depth(index: "NIFTY", is: Eq(10)))"#);
    assert!(!v.passed);
    assert_eq!(v.cycle, Some(2));
    assert_eq!(v.detail, format!("NIFTY depth itm {depth} otm {depth}"));
    let v = verdict(r#"Always(Status(index: "NIFTY", is: OK))"#);
    assert_eq!((v.passed, v.cycle), (false, Some(2)));
    assert!(v.detail.contains("PARTIAL"), "{}", v.detail);
    let v = verdict(r#"Never(Reason(index: "NIFTY", rule: "this_week", is: low_strike))"#);
    assert_eq!((v.passed, v.cycle), (false, Some(2)));
    let v = verdict(r#"By(cycle: 1, check: Status(index: "NIFTY", is: PARTIAL))"#);
    assert_eq!((v.passed, v.cycle), (false, Some(1)));
    // A run cut short by --cycles cannot meet an expectation at a later cycle.
    let short = RunOptions { cycles: Some(4), ..RunOptions::default() };
    let run = run_text(&BASE.replace("EXPECT", r#"At(cycle: 6, check: Status(index: "NIFTY", is: OK))"#), &short);
    let v = &run.outcomes[0];
    assert!(!v.passed && v.detail.contains("ended at cycle 4"), "{}", v.detail);
    let v = verdict(r#"Total(of: Events(event: "prefilter_clamp"), is: Ge(1))"#);
    assert!(!v.passed && v.detail.ends_with("= 0"), "{}", v.detail);
}

/// `Eventually` counts from the start or from the last fault window's end; `OutsideFaults` skips the fault
/// windows; `Keeps` names a property of the catalogue.
#[test]
fn eventually_outside_faults_and_keeps() {
    // The dip is cycle 2: the depth grows to 12, and contracts back after 5 healthy cycles, past the run's end.
    for (e, passed, cycle) in [
        (r#"Eventually(within: 1, after: LastFault, check: Status(index: "NIFTY", is: OK))"#, true, Some(3)),
        (r#"Eventually(within: 2, after: Start, check: Status(index: "NIFTY", is: PARTIAL))"#, true, Some(2)),
        (r#"Eventually(within: 1, after: Start, check: Status(index: "NIFTY", is: PARTIAL))"#, false, Some(1)),
        (r#"Eventually(within: 3, after: LastFault, check: AtBaseline(index: "NIFTY"))"#, false, Some(5)),
        (r#"Eventually(within: 40, after: LastFault, check: AtBaseline(index: "NIFTY"))"#, true, None),
        (r#"OutsideFaults(Status(index: "NIFTY", is: OK))"#, true, None),
        (r#"OutsideFaults(AtBaseline(index: "NIFTY"))"#, false, Some(3)),
        ("Keeps(depth_returns_to_baseline)", true, None),
    ] {
        let v = verdict(e);
        assert_eq!((v.passed, v.cycle), (passed, cycle), "{e}: {}", v.detail);
    }
    let v = verdict(r#"Eventually(within: 40, after: LastFault, check: AtBaseline(index: "NIFTY"))"#);
    assert!(v.detail.contains("before the deadline (cycle 42)"), "{}", v.detail);
    let v = verdict(r#"Eventually(within: 3, after: LastFault, check: AtBaseline(index: "NIFTY"))"#);
    assert!(v.detail.contains("did not hold in cycles 3..=5"), "{}", v.detail);
}

#[test]
fn max_flips_counts_direction_changes_in_a_sliding_window() {
    // Without hysteresis (contract after 1 healthy cycle, no cooldown) two dips make three flips.
    let text = BASE
        .replace(r#"phases: [(name: "dip", cycles: (2, 2), faults: [StrikeDropout(0.5)])]"#, r#"phases: [(name: "a", cycles: (2, 2), faults: [StrikeDropout(0.5)]), (name: "b", cycles: (4, 4), faults: [StrikeDropout(0.5)])]"#)
        .replace("cycles: 6,", "cycles: 6, config: (contract_ok_cycles: 1, contract_cooldown: 0),")
        .replace("EXPECT", r#"MaxFlips(index: "NIFTY", flips: 1, window: 10)"#);
    let run = run_text(&text, &RunOptions::default());
    let v = &run.outcomes[0];
    assert!(!v.passed);
    assert!(v.detail.starts_with("3 flip(s)"), "{}", v.detail);
}
