//! Property tests of whole runs: replaying the emitted depth adjustments reproduces every depth, in both
//! modes; and a strict clamp on an expiry without options. The rules' own properties (the adaptive
//! controller, the prefilter clamp, the status reducer) are unit tests beside them.

use crate::common::proptest_config;
use g6sim::config::Parity;
use g6sim::vocab::ExpiryStatus;
use proptest::prelude::*;

fn any_mode() -> impl Strategy<Value = Parity> {
    prop_oneof![Just(Parity::Off), Just(Parity::G6)]
}

/// A whole run's scenario text: one index with up to three expiries, a dip (strike dropout, and a field
/// dropout from none to every quote) at random cycles, and contraction settings that include no streak and
/// no cooldown.
fn adjustment_scenario() -> impl Strategy<Value = String> {
    (
        (1usize..=3, 6u32..=14, 0u32..=3, 0u32..=3),
        (1u32..=3, 1u32..=3, 1u32..=14, 0u32..=4, prop::sample::select(vec![0.2, 0.4, 0.6])),
        prop::sample::select(vec![0.0, 0.3, 0.7, 1.0]),
    )
        .prop_map(|((expiries, depth, ok, cooldown), (step, contract_step, from, len, dropout), fields)| {
            let rules = ["\"this_week\"", "\"next_week\"", "\"this_month\""][..expiries].join(", ");
            format!(
                r#"Scenario(
                    name: "replay", start: "2025-10-06T09:15:00+05:30", cycles: 14,
                    indices: [(symbol: "NIFTY", expiries: [{rules}], depth: (itm: {depth}, otm: {depth}))],
                    config: (contract_ok_cycles: {ok}, contract_cooldown: {cooldown}, expansion_step: {step},
                             contract_step: {contract_step}),
                    phases: [(name: "dip", cycles: ({from}, {to}), faults: [StrikeDropout({dropout}), FieldDropout({fields:?})])],
                )"#,
                to = (from + len).min(14)
            )
        })
}

proptest! {
    #![proptest_config(proptest_config(48))]

    /// Both modes, whole runs: replaying the emitted `strike_depth_adjustment` events
    /// from the starting depth reproduces every cycle's depth, and each event's `prev` is the depth it
    /// changed. An expansion and a contraction in one decision are two events.
    #[test]
    fn replaying_the_emitted_adjustments_reproduces_every_depth(text in adjustment_scenario(), mode in any_mode()) {
        let options = g6sim::RunOptions { parity: Some(mode), ..g6sim::RunOptions::default() };
        let run = crate::common::run_text(&text, &options);
        let start = run.result.cycles[0].indices[0].ladder_depth;
        let mut replay = (start.itm, start.otm);
        for cycle in &run.result.cycles {
            for e in run.result.events.iter().filter(|e| e.cycle == cycle.cycle) {
                if let g6sim::events::Event::StrikeDepthAdjustment(a) = &e.event {
                    prop_assert_eq!((a.prev_itm, a.prev_otm), replay, "cycle {}: {:?}", cycle.cycle, a);
                    replay = (a.new_itm, a.new_otm);
                }
            }
            let d = cycle.indices[0].depth;
            prop_assert_eq!(replay, (d.itm, d.otm), "after cycle {}", cycle.cycle);
        }
    }
}

/// A strict clamp on an expiry whose quotes validation all dropped (a calendar in 2050: every row is a
/// `dummy_far_future_expiry`) leaves it with 0 options: it is EMPTY, not PARTIAL `prefilter_clamp`, and
/// nothing is counted under `prefilter_clamp` (a case `classify_gives_one_status_and_reason` reaches).
#[test]
fn strict_clamp_on_an_expiry_without_options_is_empty() {
    let text = r#"Scenario(
        name: "empty_strict",
        start: "2050-01-03T09:15:00+05:30",
        cycles: 1,
        indices: [(symbol: "NIFTY", depth: (itm: 30, otm: 30))],
        config: (prefilter_clamp_strict: true, prefilter_max_instruments: 50),
    )"#;
    let run = crate::common::run_text(text, &g6sim::RunOptions::default());
    let cycle = &run.result.cycles[0];
    let expiry = &cycle.indices[0].expiries[0];
    assert!(expiry.clamp.is_some(), "the clamp fired: {expiry:?}");
    assert_eq!((expiry.options, expiry.status, expiry.partial_reason), (0, Some(ExpiryStatus::Empty), None));
    assert_eq!(cycle.partial_reason_totals.prefilter_clamp, Some(0));
    assert_eq!(cycle.expiry_status_totals.empty, 1);
}

/// A restore whose projected cycle lands on the SLA itself waits: the cycle's timer sums it an ulp over.
#[test]
fn a_restore_projected_onto_the_sla_waits() {
    let path = crate::common::root().join("tests/fixtures/explore/restore_at_the_sla.ron");
    let text = std::fs::read_to_string(path).unwrap();
    let run = crate::common::run_text(&text, &g6sim::RunOptions::default());
    assert!(run.passed(), "{:?}", run.outcomes);
    let scales: Vec<f64> = run.result.cycles.iter().map(|c| c.strike_scaling.unwrap().scale).collect();
    let cuts_after_restore = scales.windows(3).filter(|w| w[1] > w[0] && w[2] < w[1]).count();
    assert_eq!(cuts_after_restore, 0, "{scales:?}");
}
