//! Each deliberate difference from the reference, shown in both modes: the default fixes the quirk of the
//! spec's section 17, `parity g6` reproduces it.

use crate::common::*;
use g6sim::config::Parity;
use g6sim::events::Event;
use g6sim::scenario::load_file;
use g6sim::vocab::{ExpiryStatus, PartialReason};
use g6sim::{Run, RunOptions, run_scenario};

fn both(text: &str) -> (Run, Run) {
    let default = run_text(text, &RunOptions::default());
    let parity = run_text(text, &RunOptions { parity: Some(Parity::G6), ..RunOptions::default() });
    assert!(!default.prepared.config.parity.is_g6() && parity.prepared.config.parity.is_g6());
    (default, parity)
}

fn shipped_both(name: &str) -> (Run, Run) {
    let loaded = load_file(&root().join("scenarios").join(name)).unwrap();
    let default = run_scenario(&loaded, &RunOptions::default()).unwrap();
    let parity = run_scenario(&loaded, &RunOptions { parity: Some(Parity::G6), ..RunOptions::default() }).unwrap();
    (default, parity)
}

/// (cycle, reason, new itm) of every depth adjustment.
fn adjustments(run: &Run) -> Vec<(u64, &'static str, u32)> {
    run.result
        .events
        .iter()
        .filter_map(|e| match &e.event {
            Event::StrikeDepthAdjustment(a) => Some((e.cycle, a.reason.as_str(), a.new_itm)),
            _ => None,
        })
        .collect()
}

fn depth(run: &Run, cycle: u64) -> u32 {
    run.result.cycles[cycle as usize - 1].index("NIFTY").unwrap().depth.itm
}

#[test]
fn healthy_streak_counts_cycles_not_expiry_passes() {
    // Three expiries, one bad cycle. Default: one decision per cycle (one expansion, contraction after 5
    // healthy cycles). Parity: one decision per expiry pass (three expansions in the bad cycle, and the
    // streak reaches 5 after two healthy cycles).
    let text = r#"Scenario(
        name: "passes", start: "2025-10-06T09:15:00+05:30", cycles: 12,
        indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week", "this_month"])],
        phases: [(name: "dip", cycles: (2, 2), faults: [StrikeDropout(0.5)])],
    )"#;
    let (default, parity) = both(text);
    assert_eq!(adjustments(&default), vec![(2, "low_strike_cov", 12), (7, "contraction", 10)]);
    assert_eq!(
        adjustments(&parity),
        vec![
            (2, "low_strike_cov", 12),
            (2, "low_strike_cov", 14),
            (2, "low_strike_cov", 16),
            (4, "contraction", 14),
            (7, "contraction", 12),
            (10, "contraction", 10)
        ]
    );
    // Contraction state survives across cycles in both modes (the reference loses it every cycle).
    assert_eq!(depth(&default, 12), 10);
    assert_eq!(depth(&parity, 12), 10);
}

#[test]
fn expansion_cap_binds_by_default_and_grows_in_parity() {
    let text = r#"Scenario(
        name: "cap", start: "2025-10-06T09:15:00+05:30", cycles: 12,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        phases: [(name: "persistent", cycles: (1, 12), faults: [StrikeDropout(0.5)])],
    )"#;
    let (default, parity) = both(text);
    assert_eq!(depth(&default, 12), 20, "max(10, baseline + 10)");
    assert_eq!(depth(&parity, 12), 34, "max(10, current + 10) never binds: 10 + 12 x 2");
    // An explicit cap binds in both modes.
    let capped = text.replace("cycles: 12,", "cycles: 12, config: (depth_max_itm: 14, depth_max_otm: 14),");
    let (default, parity) = both(&capped);
    assert_eq!((depth(&default, 12), depth(&parity, 12)), (14, 14));
}

#[test]
fn capped_low_coverage_is_unhealthy_by_default_and_healthy_in_parity() {
    let text = r#"Scenario(
        name: "capped", start: "2025-10-06T09:15:00+05:30", cycles: 12,
        indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 12, otm: 12), baseline: (itm: 10, otm: 10))],
        config: (depth_max_itm: 12, depth_max_otm: 12),
        phases: [(name: "persistent", cycles: (1, 12), faults: [StrikeDropout(0.5)])],
    )"#;
    let (default, parity) = both(text);
    assert!(adjustments(&default).is_empty(), "low coverage at the cap never counts as healthy");
    assert_eq!(default.result.cycles[11].index("NIFTY").unwrap().healthy_streak, 0);
    // Parity snapshots the baseline at 12 (its first call), then counts capped passes as healthy.
    let streaks: Vec<u32> = parity.result.cycles.iter().map(|c| c.index("NIFTY").unwrap().healthy_streak).collect();
    assert_eq!(&streaks[..6], &[1, 2, 3, 4, 5, 6]);
}

#[test]
fn strict_clamp_is_partial_and_counted_by_default_ok_and_uncounted_in_parity() {
    // A clamp that only trims the top strikes, so coverage stays above the threshold in both modes.
    let text = r#"Scenario(
        name: "strict", start: "2025-10-06T09:15:00+05:30", cycles: 4,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        config: (prefilter_max_instruments: 1000, prefilter_clamp_strict: true),
        phases: [(name: "oversized", cycles: (4, 4), faults: [Oversize(4000)])],
    )"#;
    let (default, parity) = both(text);
    let at = |run: &Run| run.result.cycles[3].index("NIFTY").unwrap().expiries[0].clone();
    let (d, p) = (at(&default), at(&parity));
    assert_eq!((d.status, d.partial_reason), (Some(ExpiryStatus::Partial), Some(PartialReason::PrefilterClamp)));
    assert_eq!((p.status, p.partial_reason), (Some(ExpiryStatus::Ok), Some(PartialReason::PrefilterClamp)));
    assert!(p.strike_coverage.unwrap() >= 0.75 && p.strike_coverage.unwrap() < 1.0, "{:?}", p.strike_coverage);
    let totals = |run: &Run| serde_json::to_string(&run.result.cycles[3].partial_reason_totals).unwrap();
    assert_eq!(totals(&default), r#"{"low_strike":0,"low_field":0,"low_both":0,"unknown":0,"prefilter_clamp":1}"#);
    assert_eq!(
        totals(&parity),
        r#"{"low_strike":0,"low_field":0,"low_both":0,"unknown":0}"#,
        "the reference's four labels"
    );
}

#[test]
fn strike_coverage_counts_only_ladder_strikes_by_default() {
    let text = r#"Scenario(
        name: "stray", start: "2025-10-06T09:15:00+05:30", cycles: 2,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        phases: [(name: "loose fetch", cycles: (1, 2), faults: [StrayStrikes(5)])],
    )"#;
    let (default, parity) = both(text);
    let cov = |run: &Run| run.result.cycles[0].index("NIFTY").unwrap().expiries[0].strike_coverage.unwrap();
    assert_eq!(cov(&default), 1.0);
    assert_eq!(cov(&parity), 26.0 / 21.0, "the reference counts off-ladder strikes: above 1.0");
}

#[test]
fn depth_below_two_is_honoured_by_default_and_floored_in_parity() {
    let text = r#"Scenario(
        name: "thin", start: "2025-10-06T09:15:00+05:30", cycles: 1,
        indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 1, otm: 0))],
    )"#;
    let (default, parity) = both(text);
    let requested = |run: &Run| run.result.cycles[0].index("NIFTY").unwrap().expiries[0].strikes_requested;
    assert_eq!(requested(&default), 2, "1 ITM + ATM");
    assert_eq!(requested(&parity), 5, "the reference's max(2, depth) per side");
}

#[test]
fn clamp_keeps_the_ladder_spread_by_default_and_the_provider_head_in_parity() {
    let (default, parity) = shipped_both("oversized_clamp.ron");
    let e = |run: &Run| run.result.cycles[2].index("NIFTY").unwrap().expiries[0].clone();
    let (d, p) = (e(&default), e(&parity));
    assert_eq!(d.clamp.as_ref().unwrap().kept, 500);
    assert_eq!(p.clamp.as_ref().unwrap().kept, 500);
    assert_eq!(d.strike_coverage, Some(1.0));
    assert!(p.strike_coverage.unwrap() < 0.5, "head keeps the lowest strikes only: {:?}", p.strike_coverage);
    assert_eq!(p.partial_reason, Some(PartialReason::LowStrike));
    assert!(!adjustments(&parity).is_empty(), "the starved chain then drives expansions");
    let strategy = |run: &Run| {
        run.result.events.iter().find_map(|e| match &e.event {
            Event::PrefilterClamp(c) => Some(c.strategy),
            _ => None,
        })
    };
    assert_eq!((strategy(&default), strategy(&parity)), (Some("ladder_spread"), Some("head")));
}

#[test]
fn cooldown_counts_cycles_by_default_and_clock_minutes_in_parity() {
    // 20-second cycles: a cooldown of 3 is 3 cycles by default, 3 minutes (9 cycles) on the reference's
    // `time // 60` clock.
    let text = r#"Scenario(
        name: "cooldown", start: "2025-10-06T09:15:00+05:30", interval_s: 20, cycles: 24,
        indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 16, otm: 16), baseline: (itm: 10, otm: 10))],
        config: (contract_ok_cycles: 1, contract_cooldown: 3),
    )"#;
    let default = run_text(text, &RunOptions::default());
    let contractions: Vec<u64> = adjustments(&default).iter().map(|a| a.0).collect();
    assert_eq!(contractions, vec![1, 4, 7]);
    // Parity snapshots the baseline at the starting depth, so give it room by starting lower and expanding.
    let text = text
        .replace("depth: (itm: 16, otm: 16), baseline: (itm: 10, otm: 10)", "depth: (itm: 10, otm: 10)")
        .replace("config: (", r#"phases: [(name: "dip", cycles: (1, 3), faults: [StrikeDropout(0.5)])], config: ("#);
    let (default, parity) = both(&text);
    let contractions =
        |run: &Run| adjustments(run).iter().filter(|a| a.1 == "contraction").map(|a| a.0).collect::<Vec<_>>();
    assert_eq!(contractions(&default), vec![4, 7, 10]);
    assert_eq!(contractions(&parity), vec![4, 13, 22]);
}

#[test]
fn failed_expiries_are_empty_by_default_and_carry_no_status_in_parity() {
    let (default, parity) = shipped_both("provider_outage.ron");
    let c = |run: &Run| run.result.cycles[4].clone();
    let (d, p) = (c(&default), c(&parity));
    assert_eq!(d.index("NIFTY").unwrap().expiries[0].status, Some(ExpiryStatus::Empty));
    assert_eq!(d.expiry_status_totals.empty, 2);
    assert_eq!(p.index("NIFTY").unwrap().expiries[0].status, None);
    assert_eq!(p.expiry_status_totals.empty, 0, "the reference's totals miss failed expiries");
    assert_eq!(p.index("NIFTY").unwrap().status, ExpiryStatus::Empty, "but the index still aggregates them as EMPTY");
}

#[test]
fn expansion_never_cuts_a_side_by_default() {
    let text = r#"Scenario(
        name: "sides", start: "2025-10-06T09:15:00+05:30", cycles: 1,
        indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 12, otm: 12), baseline: (itm: 8, otm: 8))],
        config: (depth_max_itm: 8),
        phases: [(name: "dip", cycles: (1, 1), faults: [StrikeDropout(0.5)])],
    )"#;
    let (default, parity) = both(text);
    let d = |run: &Run| run.result.cycles[0].index("NIFTY").unwrap().depth;
    assert_eq!((d(&default).itm, d(&default).otm), (12, 14));
    assert_eq!((d(&parity).itm, d(&parity).otm), (8, 14), "the reference writes both sides, cutting ITM to its cap");
}

#[test]
fn an_unknown_symbol_needs_a_declared_registry_entry() {
    let text = r#"Scenario(
        name: "custom", start: "2025-10-06T09:15:00+05:30", cycles: 2,
        indices: [(symbol: "BANKNIFY", expiries: ["this_week"] REGISTRY)],
    )"#;
    let e = g6sim::scenario::parse("custom.ron", &text.replace("REGISTRY", "")).unwrap_err();
    assert!(e.message.contains("index `BANKNIFY` is not in the registry (did you mean `BANKNIFTY`?)"), "{e}");
    assert!(e.hint.contains("registry: (step:"), "{e}");
    // Declared, it runs in both modes on its own numbers.
    let declared =
        text.replace("REGISTRY", ", registry: (step: 25.0, lot_size: 40, synthetic_atm: 18000.0, weekly_dow: 1)");
    let (default, parity) = both(&declared);
    for run in [&default, &parity] {
        let i = run.result.cycles[0].index("BANKNIFY").unwrap();
        assert_eq!((i.step, i.price), (25.0, 18000.0), "{i:?}");
    }
}

/// The `option_match_stats` events of a run.
fn match_stats(run: &Run) -> Vec<(u64, g6sim::events::OptionMatchStats)> {
    run.result
        .events
        .iter()
        .filter_map(|e| match &e.event {
            Event::OptionMatchStats(s) => Some((e.cycle, s.clone())),
            _ => None,
        })
        .collect()
}

/// The `strike_depth_adjustment` events of a run.
fn adjustment_events(run: &Run) -> Vec<(u64, g6sim::events::StrikeDepthAdjustment)> {
    run.result
        .events
        .iter()
        .filter_map(|e| match &e.event {
            Event::StrikeDepthAdjustment(a) => Some((e.cycle, a.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn ce_and_pe_per_strike_divide_each_side_by_the_ladder() {
    // Both modes divide each side by the ladder. One duplicate call per listed strike: 9 ladder strikes
    // carry 18 CE and 9 PE legs.
    let text = r#"Scenario(
        name: "legs", start: "2025-10-06T09:15:00+05:30", cycles: 1,
        indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 4, otm: 4))],
        phases: [(name: "duplicates", cycles: (1, 1), faults: [Oversize(81)])],
    )"#;
    let (default, parity) = both(text);
    for run in [&default, &parity] {
        let stats = match_stats(run);
        assert_eq!(stats.len(), 1);
        let s = &stats[0].1;
        assert_eq!((s.strike_count, s.legs, s.ce, s.pe), (9, 27, 18, 9));
        assert_eq!(s.ce_per_strike, 2.0, "CE legs / ladder strikes");
        assert_eq!(s.pe_per_strike, 1.0, "PE legs / ladder strikes");
    }
}

#[test]
fn an_expansion_and_a_contraction_in_one_decision_are_both_reported() {
    // Both modes. With no streak and no cooldown required, the dip's decision expands 10 -> 12 and contracts
    // 12 -> 10 at once: two events, two counts, each with what it applied.
    let text = r#"Scenario(
        name: "both", start: "2025-10-06T09:15:00+05:30", cycles: 3,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        config: (contract_ok_cycles: 0, contract_cooldown: 0),
        phases: [(name: "dip", cycles: (2, 2), faults: [StrikeDropout(0.5)])],
    )"#;
    let (default, parity) = both(text);
    for run in [&default, &parity] {
        let adjustments: Vec<_> = adjustment_events(run)
            .iter()
            .map(|(c, a)| (*c, a.reason.as_str(), (a.prev_itm, a.prev_otm), (a.new_itm, a.new_otm)))
            .collect();
        assert_eq!(
            adjustments,
            vec![(2, "low_strike_cov", (10, 10), (12, 12)), (2, "contraction", (12, 12), (10, 10))],
            "parity {}",
            run.prepared.config.parity.is_g6()
        );
        assert_eq!(depth(run, 2), 10);
        let metrics = String::from_utf8(g6sim::output::metrics_prom(run)).unwrap();
        for reason in ["low_strike_cov", "contraction"] {
            let line = format!("g6_strike_depth_adjustments_total{{index=\"NIFTY\",reason=\"{reason}\"}} 1\n");
            assert!(metrics.contains(&line), "{line} missing from:\n{metrics}");
        }
    }
}

#[test]
fn strict_clamp_tag_survives_on_a_synth_expiry_in_parity() {
    // The reference sets `prefilter_clamp` before the synthetic fallback, so a SYNTH expiry
    // keeps it (uncounted: it is not PARTIAL). Default: SYNTH, no reason.
    let text = r#"Scenario(
        name: "strict synth", start: "2025-10-06T09:15:00+05:30", cycles: 1,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        config: (prefilter_max_instruments: 1000, prefilter_clamp_strict: true),
        phases: [(name: "oversized, no quotes", cycles: (1, 1), faults: [Oversize(4000), QuotesMissing])],
    )"#;
    let (default, parity) = both(text);
    let at = |run: &Run| run.result.cycles[0].index("NIFTY").unwrap().expiries[0].clone();
    let (d, p) = (at(&default), at(&parity));
    assert!(d.clamp.is_some() && p.clamp.is_some());
    assert_eq!((d.status, d.partial_reason), (Some(ExpiryStatus::Synth), None));
    assert_eq!((p.status, p.partial_reason), (Some(ExpiryStatus::Synth), Some(PartialReason::PrefilterClamp)));
    assert_eq!(parity.result.cycles[0].partial_reason_totals.unknown, 0, "not counted");
}

#[test]
fn option_match_stats_names_a_reason_only_for_partial_expiries() {
    // Parity's strict clamp leaves an OK expiry tagged `prefilter_clamp` (in the cycle
    // summary); the reference's `option_match_stats` carries the reason only for PARTIAL expiries.
    let text = r#"Scenario(
        name: "strict", start: "2025-10-06T09:15:00+05:30", cycles: 1,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        config: (prefilter_max_instruments: 1000, prefilter_clamp_strict: true),
        phases: [(name: "oversized", cycles: (1, 1), faults: [Oversize(4000)])],
    )"#;
    let (default, parity) = both(text);
    let p = parity.result.cycles[0].index("NIFTY").unwrap().expiries[0].clone();
    assert_eq!((p.status, p.partial_reason), (Some(ExpiryStatus::Ok), Some(PartialReason::PrefilterClamp)));
    assert_eq!(match_stats(&parity)[0].1.partial_reason, None, "OK: no reason in option_match_stats");
    assert_eq!(match_stats(&default)[0].1.partial_reason, Some(PartialReason::PrefilterClamp), "PARTIAL");
}

#[test]
fn depth_adjustment_coverages_are_rounded_to_three_places_in_both_modes() {
    // The reference writes `strike_cov`/`field_cov` of `strike_depth_adjustment` with
    // `round(x, 3)`; the default writes them the same way (the raw values are in cycles.jsonl).
    let text = r#"Scenario(
        name: "rounded", start: "2025-10-06T09:15:00+05:30", cycles: 2,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        phases: [(name: "dip", cycles: (1, 1), faults: [StrikeDropout(0.4), FieldDropout(0.3)])],
    )"#;
    let (default, parity) = both(text);
    for run in [&default, &parity] {
        let e = run.result.cycles[0].index("NIFTY").unwrap().expiries[0].clone();
        assert_eq!(e.strike_coverage, Some(13.0 / 21.0), "raw in the summary");
        let (_, a) = adjustment_events(run).into_iter().next().unwrap();
        assert_eq!(a.strike_cov, Some(0.619));
        let field = e.field_coverage.unwrap();
        // Python's round(x, 3): the 3-place decimal nearest the exact binary value.
        assert_eq!(a.field_cov, Some(format!("{field:.3}").parse().unwrap()));
        assert_ne!(a.field_cov, Some(field), "{field} has more than 3 places");
    }
}

#[test]
fn field_coverage_is_the_exact_ratio_by_default_and_the_percent_round_trip_in_parity() {
    // 12 of 18 quotes full: the reference's `(12 / 18 * 100) / 100` is one ulp under
    // 2/3, so a threshold of exactly 2/3 makes it PARTIAL `low_field`; the default's `12 / 18` is OK.
    // The threshold and the dropout written as the nearest doubles to 2/3 and 1/3 (4 + 4 strikes and the ATM,
    // a call and a put each: 18 quotes; round(18 / 3) = 6 lose a field, 12 stay full).
    let text = format!(
        r#"Scenario(
        name: "ulp", start: "2025-10-06T09:15:00+05:30", cycles: 1,
        indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 4, otm: 4))],
        config: (field_coverage_ok: {:?}),
        phases: [(name: "thin", cycles: (1, 1), faults: [FieldDropout({:?})])],
    )"#,
        2.0 / 3.0,
        1.0 / 3.0
    );
    let (default, parity) = both(&text);
    let at = |run: &Run| run.result.cycles[0].index("NIFTY").unwrap().expiries[0].clone();
    let (d, p) = (at(&default), at(&parity));
    assert_eq!(d.field_coverage, Some(12.0 / 18.0));
    assert_eq!((d.status, d.partial_reason), (Some(ExpiryStatus::Ok), None));
    assert_eq!(p.field_coverage, Some((12.0 / 18.0 * 100.0) / 100.0));
    assert!(p.field_coverage.unwrap() < 2.0 / 3.0);
    assert_eq!((p.status, p.partial_reason), (Some(ExpiryStatus::Partial), Some(PartialReason::LowField)));
}

#[test]
fn synthetic_quotes_collapse_duplicate_rows_in_parity_only() {
    // 15 instrument rows (5 strikes x CE/PE, plus one duplicate call each) and no quotes:
    // the reference keys its placeholders by `exchange:tradingsymbol`, so the duplicates collapse (10
    // options); the default serves every row, as its real quotes do (15).
    let text = r#"Scenario(
        name: "dups", start: "2025-10-06T09:15:00+05:30", cycles: 1,
        indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 2, otm: 2))],
        phases: [(name: "dups, no quotes", cycles: (1, 1), faults: [Oversize(81), QuotesMissing])],
    )"#;
    let (default, parity) = both(text);
    let at = |run: &Run| run.result.cycles[0].index("NIFTY").unwrap().expiries[0].clone();
    let (d, p) = (at(&default), at(&parity));
    assert_eq!((d.instruments, d.options, d.status), (15, 15, Some(ExpiryStatus::Synth)));
    assert_eq!((p.instruments, p.options, p.status), (15, 10, Some(ExpiryStatus::Synth)));
    let count = |run: &Run| {
        run.result.events.iter().find_map(|e| match &e.event {
            Event::SyntheticQuotesFallback(s) => Some(s.count),
            _ => None,
        })
    };
    assert_eq!((count(&default), count(&parity)), (Some(15), Some(10)));
    let legs = |run: &Run| {
        let s = &match_stats(run)[0].1;
        (s.legs, s.ce, s.pe)
    };
    assert_eq!(legs(&default), (15, 10, 5));
    assert_eq!(legs(&parity), (10, 5, 5));
}

/// Every key of `value`'s JSON text in the order it is written, nested objects' keys where they stand.
fn written_keys(value: &impl serde::Serialize) -> Vec<String> {
    let text = serde_json::to_string(value).unwrap();
    // A key is a string followed by `:`; none of these payloads' values is such a string.
    let mut keys = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("\":") {
        let start = rest[..at].rfind('"').unwrap();
        keys.push(rest[start + 1..at].to_string());
        rest = &rest[at + 2..];
    }
    keys
}

/// The written keys of each `name` event's data, cycle by cycle.
fn keys(run: &Run, name: &str) -> Vec<(u64, Vec<String>)> {
    run.result
        .events
        .iter()
        .filter(|e| e.event.name() == name)
        .map(|e| {
            let keys = written_keys(&e.event);
            assert_eq!(keys[..2], ["event", "data"]);
            (e.cycle, keys[2..].to_vec())
        })
        .collect()
}

#[test]
fn adaptive_summary_has_the_references_keys_in_parity() {
    // Parity: before the index's first adaptive step the reference has no state and writes the depth only;
    // after it, the baseline, the streak and the (reset) flags. Default: depth, baseline and streak always.
    let text = r#"Scenario(
        name: "summary", start: "2025-10-06T09:15:00+05:30", cycles: 3,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        phases: [(name: "dip", cycles: (2, 2), faults: [StrikeDropout(0.5)])],
    )"#;
    let (default, parity) = both(text);
    let words = |w: &[&str]| w.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let depth = words(&["index", "strikes_itm", "strikes_otm"]);
    let stated = words(&["index", "strikes_itm", "strikes_otm", "baseline_itm", "baseline_otm", "healthy_streak"]);
    let flagged = [stated.clone(), words(&["had_low_cov", "had_expansion"])].concat();
    assert_eq!(keys(&default, "adaptive_summary"), vec![(1, stated.clone()), (2, stated.clone()), (3, stated)]);
    assert_eq!(keys(&parity, "adaptive_summary"), vec![(1, depth), (2, flagged.clone()), (3, flagged)]);
    let summary = |run: &Run, cycle: u64| {
        let e = run.result.events.iter().find(|e| e.cycle == cycle && e.event.name() == "adaptive_summary");
        serde_json::to_value(&e.unwrap().event).unwrap()["data"].clone()
    };
    // Cycle 3 starts from cycle 2's expansion; the flags are the state's, reset after each decision.
    let third = summary(&parity, 3);
    assert_eq!((third["strikes_itm"].as_u64(), third["baseline_itm"].as_u64()), (Some(12), Some(10)));
    assert_eq!((third["had_low_cov"].as_bool(), third["had_expansion"].as_bool()), (Some(false), Some(false)));
}

#[test]
fn trace_payloads_are_the_references_sorted_keys_in_both_modes() {
    // The reference's tracer sorts keys, nested ones too; `field_coverage` shows up to 8 quotes missing a field.
    let text = r#"Scenario(
        name: "trace", start: "2025-10-06T09:15:00+05:30", cycles: 2,
        indices: [(symbol: "NIFTY", expiries: ["this_week"], depth: (itm: 4, otm: 4))],
        config: (trace: true),
        phases: [
            (name: "thin", cycles: (1, 1), faults: [FieldDropout(0.5)]),
            (name: "none", cycles: (2, 2), faults: [QuotesMissing]),
        ],
    )"#;
    let words = |w: &str| w.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let quote = "avg_price oi strike sym type vol ";
    for run in <[Run; 2]>::from(both(text)) {
        let instruments = words("expiry index pct realized requested rule sample_missing");
        assert_eq!(keys(&run, "instrument_coverage"), vec![(1, instruments.clone()), (2, instruments)]);
        let fields = |n: usize| {
            words(&format!(
                "expiry full index missing_counts avg_price oi volume pct rule sample {}total",
                quote.repeat(n)
            ))
        };
        assert_eq!(keys(&run, "field_coverage"), vec![(1, fields(8)), (2, fields(8))]);
        assert_eq!(keys(&run, "synthetic_quotes_fallback"), vec![(2, words("count index rule ts"))]);
        let data: Vec<serde_json::Value> = run
            .result
            .events
            .iter()
            .filter(|e| e.event.name() == "field_coverage")
            .map(|e| serde_json::to_value(&e.event).unwrap()["data"].clone())
            .collect();
        // 18 quotes, round(0.5 x 18) = 9 lose a field: the first 8 of them are shown.
        assert_eq!((data[0]["total"].as_u64(), data[0]["full"].as_u64()), (Some(18), Some(9)));
        for q in data[0]["sample"].as_array().unwrap() {
            assert!(q["vol"] == 0 || q["oi"] == 0 || q["avg_price"] == 0.0, "{q}");
            let sym = q["sym"].as_str().unwrap();
            assert!(sym.starts_with("NFO:NIFTY25OCT") && sym.ends_with(q["type"].as_str().unwrap()), "{q}");
        }
        // Placeholders have no average price.
        assert!(data[1]["sample"].as_array().unwrap().iter().all(|q| q["avg_price"].is_null()), "{}", data[1]);
    }
}

/// Each cycle's ladder strikes per side (ITM) of `index`.
fn ladder(run: &Run, index: &str) -> Vec<u32> {
    run.result.cycles.iter().map(|c| c.index(index).unwrap().ladder_depth.itm).collect()
}

/// The cycles of `adaptive_scale_change` events and their new scales.
fn scale_changes(run: &Run) -> Vec<(u64, f64)> {
    run.result
        .events
        .iter()
        .filter_map(|e| match &e.event {
            Event::AdaptiveScaleChange(c) => Some((e.cycle, c.new_scale)),
            _ => None,
        })
        .collect()
}

/// The spec's trace 4.3 (one expiry, 7 s per strike per side, SLA 51 s) with `extra` RON fields.
fn trace_4_3(extra: &str) -> String {
    format!(
        r#"Scenario(
        name: "trace_4_3", start: "2025-10-06T09:15:00+05:30", cycles: 45,
        indices: [(symbol: "NIFTY", expiries: ["this_week"])],
        config: (strike_scaling: true{extra}),
        cycle_time: (fixed_s: 0.0, per_index_s: 0.0, per_expiry_s: 0.0, per_quote_call_s: 0.0, per_instrument_s: 0.0,
                     per_quote_s: 0.0, per_strike_s: 3.5),
        market: (volatility_per_cycle: 0.0),
    )"#
    )
}

#[test]
fn strike_scaling_is_the_references_in_parity_and_settles_by_default() {
    // Trace 4.3: parity g6 goes round a 13-cycle limit cycle (three cycles at 8 per side, ten at 6) and never
    // comes back to 10; the default settles at 6 after two changes.
    let (default, parity) = both(&trace_4_3(""));
    let cycle = [8, 8, 8, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6];
    let expected: Vec<u32> =
        [10, 10, 10, 8, 8, 8].into_iter().chain([6; 10]).chain(cycle.into_iter().cycle().take(29)).collect();
    assert_eq!(ladder(&parity, "NIFTY"), expected);
    let at: Vec<u64> = scale_changes(&parity).iter().map(|c| c.0).collect();
    assert_eq!(at, [3, 6, 16, 19, 29, 32, 42, 45]);
    assert_eq!(scale_changes(&parity)[..3], [(3, 0.8), (6, 0.64), (16, 0.8)]);
    let settled: Vec<u32> = [10, 10, 10, 8, 8, 8].into_iter().chain([6; 39]).collect();
    assert_eq!(ladder(&default, "NIFTY"), settled);
    assert_eq!(scale_changes(&default), [(3, 0.8), (6, 0.64)]);
    // The adaptive depth: parity's scaling writes it, the default's scales the ladder only.
    assert_eq!((depth(&parity, 45), depth(&default, 45)), (6, 10));
    // The scaling's SLA in parity is 0.85 of G6_CYCLE_INTERVAL whatever `cycle_sla_fraction`, which only moves
    // the breach count: at 0.95 (57 s) the 56 s cycles are no breach, and the scaling still cuts.
    let (default, parity) = both(&trace_4_3(", cycle_sla_fraction: 0.95"));
    assert_eq!(ladder(&parity, "NIFTY")[..8], [10, 10, 10, 8, 8, 8, 6, 6]);
    assert!(!parity.result.cycles[4].cycle_time.breach && parity.result.cycles[4].cycle_time.elapsed_s == 56.0);
    assert_eq!(ladder(&default, "NIFTY")[..8], [10, 10, 10, 8, 8, 8, 8, 8], "by default 56 s keeps a 57 s SLA");
    // The shipped scenario: a slow provider for 40 cycles. Parity goes round the limit cycle while it lasts; the
    // default settles one step down and restores once it is over.
    let (default, parity) = shipped_both("sla_limit_cycle.ron");
    assert_eq!(scale_changes(&default), [(3, 0.8), (43, 1.0)]);
    assert_eq!(ladder(&default, "NIFTY")[3..43], [8; 40]);
    assert_eq!(scale_changes(&parity).len(), 6);
    assert!(default.outcomes.iter().all(|o| o.passed) && !parity.outcomes.iter().all(|o| o.passed));
}

#[test]
fn trace_4_4_expansions_are_overwritten_in_parity() {
    // The spec's trace 4.4: 6 s per strike per side over two expiries; the first expiry's coverage is 0.48 in
    // cycles 1 and 5. Cycle 1's expansion (10 -> 12) becomes the scaling's baseline, so the first cut writes
    // round(12 x 0.8) = 10; cycle 5's expansion is discarded by the next cut, round(12 x 0.64) = 8. With the
    // default healthy streak (5 passes) parity g6 also contracts 12 -> 10 at cycle 3, where the cut writes 10
    // anyway; with 6 it does not.
    let text = |extra: &str| {
        format!(
            r#"Scenario(
            name: "trace_4_4", start: "2025-10-06T09:15:00+05:30", cycles: 30,
            indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"])],
            config: (strike_scaling: true{extra}),
            cycle_time: (fixed_s: 0.0, per_index_s: 0.0, per_expiry_s: 0.0, per_quote_call_s: 0.0,
                         per_instrument_s: 0.0, per_quote_s: 0.0, per_strike_s: 1.5),
            market: (volatility_per_cycle: 0.0),
            phases: [
                (name: "dip", cycles: (1, 1), index: "NIFTY", rule: "this_week", faults: [StrikeDropout(0.5)]),
                (name: "dip again", cycles: (5, 5), index: "NIFTY", rule: "this_week", faults: [StrikeDropout(0.5)]),
            ],
        )"#
        )
    };
    let expected: Vec<u32> =
        [10, 12, 12, 10, 10, 12].into_iter().chain([8; 10]).chain([10; 3]).chain([8; 10]).chain([10]).collect();
    for extra in ["", ", contract_ok_cycles: 6"] {
        let (_, parity) = both(&text(extra));
        assert_eq!(ladder(&parity, "NIFTY"), expected, "{extra}");
        let at: Vec<u64> = scale_changes(&parity).iter().map(|c| c.0).collect();
        assert_eq!(at, [3, 6, 16, 19, 29], "{extra}");
        let contractions = if extra.is_empty() { vec![(3, "contraction", 10)] } else { vec![] };
        let depth_changes = adjustments(&parity);
        assert_eq!(depth_changes.iter().filter(|a| a.1 == "contraction").copied().collect::<Vec<_>>(), contractions);
        assert_eq!(
            depth_changes.iter().filter(|a| a.1 == "low_strike_cov").copied().collect::<Vec<_>>(),
            [(1, "low_strike_cov", 12), (5, "low_strike_cov", 12)]
        );
    }
}

#[test]
fn strike_scaling_variables_python_rejects_are_the_references_in_parity_and_refused_by_default() {
    // The shipped scenario scales 6 times in parity. A breach threshold Python's int() rejects, empty included,
    // makes the reference's update fail every cycle before it saves anything: no change, the scale 1, the
    // streaks 0. A reduction float() rejects is 0.8, the same run as without it. The default refuses the text,
    // and ignores an empty value.
    let loaded = load_file(&root().join("scenarios").join("sla_limit_cycle.ron")).unwrap();
    let run = |parity: Option<Parity>, var: &str, text: &str| {
        let env = [(var.to_string(), text.to_string())].into();
        run_scenario(&loaded, &RunOptions { parity, env, ..RunOptions::default() })
    };
    let (default, parity) = shipped_both("sla_limit_cycle.ron");
    assert_eq!(scale_changes(&parity).len(), 6);
    const THRESHOLD: &str = "G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD";
    for text in ["3.0", "", "abc"] {
        let inert = run(Some(Parity::G6), THRESHOLD, text).unwrap();
        assert_eq!(scale_changes(&inert), [], "{text:?}");
        let figures: Vec<_> =
            inert.result.cycles.iter().map(|c| c.strike_scaling.map(|s| (s.scale, s.breach_streak))).collect();
        assert_eq!(figures, [Some((1.0, 0)); 60], "{text:?}");
        assert_eq!(ladder(&inert, "NIFTY"), [10; 60], "{text:?}");
        assert_eq!(
            inert.prepared.warnings,
            [format!(
                "{THRESHOLD}={text:?}: parity g6 reads it as the reference does (int() fails), so strike scaling never runs"
            )]
        );
    }
    let refused = run(None, THRESHOLD, "3.0").unwrap_err().to_string();
    assert!(refused.starts_with(&format!("environment {THRESHOLD}=\"3.0\": `3.0` is not a whole number")), "{refused}");
    assert_eq!(scale_changes(&run(None, THRESHOLD, "").unwrap()), scale_changes(&default), "empty: ignored");
    for (var, text) in [("G6_ADAPTIVE_STRIKE_RESTORE_HEALTHY", "10.0"), ("G6_ADAPTIVE_STRIKE_MIN", " ")] {
        assert_eq!(scale_changes(&run(Some(Parity::G6), var, text).unwrap()), [], "{var}={text:?}");
        assert!(run(None, var, text).is_err() != text.trim().is_empty(), "{var}={text:?}");
    }
    let reduction = run(Some(Parity::G6), "G6_ADAPTIVE_STRIKE_REDUCTION", "abc").unwrap();
    assert_eq!(scale_changes(&reduction), scale_changes(&parity));
    assert_eq!(ladder(&reduction, "NIFTY"), ladder(&parity, "NIFTY"));
    assert_eq!(reduction.prepared.config.strike_scaling_reduction, 0.8);
    assert!(run(None, "G6_ADAPTIVE_STRIKE_REDUCTION", "abc").is_err());
    // What Python reads is read: "1_0" healthy cycles before a restore.
    let restore = run(Some(Parity::G6), "G6_ADAPTIVE_STRIKE_RESTORE_HEALTHY", "1_0").unwrap();
    assert_eq!(scale_changes(&restore), scale_changes(&parity));
}

#[test]
fn memory_pressure_is_memoryless_in_parity_and_smoothed_by_default() {
    // 75% of RAM in cycles 3-7, 85% in 8-12, 97% in 13-17, then none. Parity g6's tier is each cycle's fraction's,
    // and its ladder truncates: 10 x 0.85 = 8, 10 x 0.6 = 6, 10 x 0.32 = 3. The default's EMA enters each tier
    // two cycles late and rounds (8.5 is 9); the critical tier holds one cycle past the pressure (60 s).
    let (default, parity) = shipped_both("memory_pressure.ron");
    let tiers =
        |run: &Run| -> Vec<i64> { run.result.cycles.iter().map(|c| c.memory.as_ref().unwrap().level).collect() };
    let expected: Vec<i64> = [0, 0].into_iter().chain([1; 5]).chain([2; 5]).chain([3; 5]).chain([0; 8]).collect();
    assert_eq!(tiers(&parity), expected);
    let expected: Vec<i64> = [0; 7].into_iter().chain([1; 2]).chain([2; 4]).chain([3; 5]).chain([0; 7]).collect();
    assert_eq!(tiers(&default), expected);
    let expected: Vec<u32> = [10, 10].into_iter().chain([8; 5]).chain([6; 5]).chain([3; 5]).chain([10; 8]).collect();
    assert_eq!(ladder(&parity, "NIFTY"), expected);
    let expected: Vec<u32> =
        [10; 7].into_iter().chain([9; 2]).chain([6; 4]).chain([4, 4, 3, 3, 4]).chain([10; 7]).collect();
    assert_eq!(ladder(&default, "NIFTY"), expected);
    // Every cycle under pressure is a transition from normal in parity: the tier's actions are applied again.
    let applied = |run: &Run, cycle: usize| run.result.cycles[cycle - 1].memory.as_ref().unwrap().actions.len();
    assert_eq!((applied(&parity, 9), applied(&default, 9)), (4, 0));
    // Greeks are off from the high tier on; the default turns them back on 120 s after the last cycle at a tier
    // that turned them off.
    let greeks = |run: &Run| -> Vec<u64> {
        let on = |c: &g6sim::events::CycleSummary| c.indices[0].expiries[0].analytics.is_some();
        run.result.cycles.iter().filter(|c| !on(c)).map(|c| c.cycle).collect()
    };
    assert_eq!(greeks(&parity), (8..=17).collect::<Vec<_>>());
    assert_eq!(greeks(&default), (10..=20).collect::<Vec<_>>());
    // The adaptive depth never moves: memory pressure scales the cycle's ladder only.
    assert!(default.result.cycles.iter().chain(&parity.result.cycles).all(|c| c.indices[0].depth.itm == 10));
    assert!(default.outcomes.iter().all(|o| o.passed) && !parity.outcomes.iter().all(|o| o.passed));
}
