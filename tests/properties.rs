//! Property tests of the pure rules: the adaptive controller over arbitrary coverage sequences
//! and settings, the prefilter clamp, and the status reducer. Each property runs in both modes where it
//! holds in both; a property that holds only in the default mode says which g6 quirk breaks it.
//!
//! The controller is simulated cycle by cycle exactly as `adapt_strike_depth` drives it: default mode, one
//! `decide` per cycle on `worst_pass` of the cycle's successful passes (none: the state is left alone);
//! parity g6, one `decide` per pass, on a cooldown clock that may stand still or jump between cycles.
//!
//! With `contract_ok_cycles: 0` and no cooldown pending, one decision can expand and then contract: `decide`
//! returns both changes, and the generators include `contract_ok_cycles: 0`.

use crate::common::proptest_config;
use g6sim::calendar::ExpiryRule;
use g6sim::config::{Config, Parity, Ratio};
use g6sim::cycle::adaptive::{AdaptiveRules, DepthChange, Observation, decide, expansion_cap, worst_pass};
use g6sim::cycle::prefilter::{clamp_limit, select};
use g6sim::cycle::status::{
    Classification, Thresholds, aggregate_cycle_status, classify, expiry_status, partial_reason, reason_totals,
};
use g6sim::events::ClampStrategy;
use g6sim::vocab::AdjustReason;
use g6sim::vocab::{ExpiryStatus, PartialReason};
use g6sim::vocab::{Failure, OptionKind};
use g6sim::world::{AdaptiveState, ExpiryOutcome, RawExpiry, StrikeDepth, UniverseRow};
use proptest::prelude::*;
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------------------
// The adaptive controller
// ---------------------------------------------------------------------------------------------------

/// Rules from a configuration, as the system builds them (`contract_ok_cycles` from 0).
fn rules(parity: Parity) -> impl Strategy<Value = AdaptiveRules> {
    (
        prop::bool::weighted(0.9),
        0.0..=1.0f64,
        0u32..=5,
        prop::option::weighted(0.5, 0u32..=40),
        prop::option::weighted(0.5, 0u32..=40),
        0u32..=8,
        0u32..=6,
        0u32..=5,
    )
        .prop_map(move |(enabled, ok, step, max_itm, max_otm, ok_cycles, cooldown, contract_step)| {
            AdaptiveRules::from_config(&Config {
                parity,
                adaptive_expansion: enabled,
                strike_coverage_ok: Ratio::new(ok).unwrap(),
                expansion_step: step,
                depth_max_itm: max_itm,
                depth_max_otm: max_otm,
                contract_ok_cycles: ok_cycles,
                contract_cooldown: cooldown,
                contract_step,
                ..Config::default()
            })
        })
}

fn coverage() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        1 => Just(None),
        8 => (0.0..=1.0f64).prop_map(Some),
        2 => Just(Some(1.0)),
        1 => Just(Some(0.0)),
    ]
}

/// One pass: strike and field coverage each unmeasured, anywhere in [0, 1], or at either end.
fn observation() -> impl Strategy<Value = Observation> {
    (
        coverage(),
        coverage(),
        prop_oneof![1 => Just(0u32), 9 => 1u32..200],
        prop::sample::select(vec![ExpiryRule::ThisWeek, ExpiryRule::NextWeek]),
    )
        .prop_map(|(strike_cov, field_cov, options, rule)| Observation { strike_cov, field_cov, options, rule })
}

/// One cycle: its successful passes (none: every expiry failed) and how far the parity cooldown clock
/// moves (0: two cycles within one clock unit).
fn cycles(max: usize) -> impl Strategy<Value = Vec<(Vec<Observation>, i64)>> {
    prop::collection::vec((prop::collection::vec(observation(), 0..=3), 0i64..=2), 1..=max)
}

/// A side's cap as the rules apply it: explicit, else `max(10, baseline + 10)` (default mode) or
/// `max(10, current + 10)` (parity g6, quirk 4: it grows with the depth).
fn cap(r: &AdaptiveRules, explicit: Option<u32>, baseline: u32, current: u32) -> u32 {
    expansion_cap(explicit, if r.parity_g6 { current } else { baseline })
}

/// One `decide` call and what it saw.
#[derive(Clone, Debug)]
struct Decision {
    cycle_num: i64,
    obs: Observation,
    before: (StrikeDepth, AdaptiveState),
    after: (StrikeDepth, AdaptiveState),
    /// Every change applied, in order.
    changes: Vec<DepthChange>,
}

impl Decision {
    fn change(&self, reason: AdjustReason) -> Option<DepthChange> {
        self.changes.iter().copied().find(|c| c.reason == reason)
    }
    fn expanded(&self) -> bool {
        self.change(AdjustReason::Expansion).is_some()
    }
    /// Seen on the state too, not only on the returned changes, so a contraction left unreported shows.
    fn contracted(&self) -> bool {
        self.change(AdjustReason::Contraction).is_some()
            || self.after.1.cycle_last_action != self.before.1.cycle_last_action
    }
    /// The depth (itm, otm) before the contraction: after the decision's expansion, if any.
    fn before_contraction(&self) -> (u32, u32) {
        self.change(AdjustReason::Expansion).map_or((self.before.0.itm, self.before.0.otm), |c| c.new)
    }
    fn low(&self, r: &AdaptiveRules) -> bool {
        self.obs.strike_cov.is_some_and(|s| s < r.trigger)
    }
    /// What breaks the healthy streak, from the outside. Default mode: any coverage under the trigger
    /// (expanded, at the cap, expansion off or no options). Parity g6: only an expansion or low coverage
    /// without options (quirk 5: low coverage at the cap, or with expansion off, counts as healthy).
    fn unhealthy(&self, r: &AdaptiveRules) -> bool {
        if r.parity_g6 {
            r.expansion_enabled && self.low(r) && (self.obs.options == 0 || self.expanded())
        } else {
            self.low(r)
        }
    }
}

/// Runs the controller over `cycles` from `start`, as `adapt_strike_depth` does.
fn simulate(
    r: &AdaptiveRules,
    depth: &mut StrikeDepth,
    state: &mut AdaptiveState,
    first_cycle: i64,
    cycles: &[(Vec<Observation>, i64)],
) -> Vec<Decision> {
    let mut out = Vec::new();
    let mut cycle_num = first_cycle;
    for (i, (passes, clock_step)) in cycles.iter().enumerate() {
        cycle_num = if r.parity_g6 { cycle_num + clock_step } else { first_cycle + i as i64 };
        let decisions: Vec<Observation> =
            if r.parity_g6 { passes.clone() } else { worst_pass(passes).into_iter().collect() };
        for obs in decisions {
            let before = (*depth, *state);
            let changes = decide(depth, state, &obs, cycle_num, r);
            out.push(Decision { cycle_num, obs, before, after: (*depth, *state), changes });
        }
    }
    out
}

/// A start inside the bounds: baseline <= depth <= cap on each side, the explicit cap (when set) at or above
/// the baseline. Parity g6 snapshots the baseline from the depth at the first call (`depth or 2`, quirk 12),
/// so there the depth starts at 1 or more.
fn bounded_start(r: AdaptiveRules) -> impl Strategy<Value = (AdaptiveRules, StrikeDepth)> {
    (0u32..=20, 0u32..=20, 0u32..=30, 0u32..=30, any::<u32>(), any::<u32>()).prop_map(
        move |(b_itm, b_otm, room_itm, room_otm, pick_itm, pick_otm)| {
            let mut r = r;
            let lo = |b: u32| if r.parity_g6 { b.max(1) } else { b };
            let lift = |cap: &mut Option<u32>, base: u32, room: u32| {
                if let Some(c) = cap.as_mut() {
                    *c = (*c).max(lo(base)) + room % 3;
                }
            };
            lift(&mut r.depth_max_itm, b_itm, room_itm);
            lift(&mut r.depth_max_otm, b_otm, room_otm);
            let side = |b: u32, explicit: Option<u32>, pick: u32| {
                let hi = expansion_cap(explicit, b);
                lo(b) + pick % (hi - lo(b) + 1)
            };
            let depth = StrikeDepth {
                itm: side(b_itm, r.depth_max_itm, pick_itm),
                otm: side(b_otm, r.depth_max_otm, pick_otm),
                baseline_itm: b_itm,
                baseline_otm: b_otm,
            };
            (r, depth)
        },
    )
}

fn any_mode() -> impl Strategy<Value = Parity> {
    prop_oneof![Just(Parity::Off), Just(Parity::G6)]
}

proptest! {
    #![proptest_config(proptest_config(256))]

    /// Both modes: from a start within the bounds, depth never goes below the baseline nor above the cap.
    /// The cap: explicit, or `max(10, baseline + 10)`; parity g6 with no explicit cap has no fixed upper
    /// bound (quirk 4: `max(10, current + 10)` never binds), so only its lower bound is checked.
    #[test]
    fn depth_stays_between_baseline_and_cap(
        (r, start) in any_mode().prop_flat_map(rules).prop_flat_map(bounded_start),
        cycles in cycles(40),
    ) {
        let (mut depth, mut state) = (start, AdaptiveState::default());
        for d in simulate(&r, &mut depth, &mut state, 1, &cycles) {
            let a = d.after.0;
            for (side, cur, base, explicit) in
                [("itm", a.itm, a.baseline_itm, r.depth_max_itm), ("otm", a.otm, a.baseline_otm, r.depth_max_otm)]
            {
                prop_assert!(cur >= base, "{side} {cur} below baseline {base}: {d:?}");
                if !(r.parity_g6 && explicit.is_none()) {
                    let cap = expansion_cap(explicit, base);
                    prop_assert!(cur <= cap, "{side} {cur} above cap {cap}: {d:?}");
                }
            }
        }
    }

    /// Both modes: replaying the changes `decide` returns, from the starting depth,
    /// reproduces the depth after every decision; each change starts where the previous one left it.
    #[test]
    fn replaying_the_changes_reproduces_every_depth(
        r in any_mode().prop_flat_map(rules),
        (itm, otm, b_itm, b_otm) in (0u32..=40, 0u32..=40, 0u32..=40, 0u32..=40),
        cycles in cycles(40),
    ) {
        let mut depth = StrikeDepth { itm, otm, baseline_itm: b_itm, baseline_otm: b_otm };
        let mut state = AdaptiveState::default();
        let mut replay = (itm, otm);
        for d in simulate(&r, &mut depth, &mut state, 1, &cycles) {
            for c in &d.changes {
                prop_assert_eq!(c.prev, replay, "{:?}", d);
                replay = c.new;
            }
            prop_assert_eq!(replay, (d.after.0.itm, d.after.0.otm), "{:?}", d);
        }
    }

    /// Default mode only: from any start (below the baseline, above the cap, a cap under the baseline), no
    /// decision takes a side across a bound, an expansion never lowers a side and adds at most the step, a
    /// contraction never raises one and removes at most the step. Parity g6 breaks this on purpose: an
    /// expansion writes both sides and cuts one above an explicit cap down to it (quirk 6), and a
    /// contraction lifts a side below its baseline up to it (`max(current - step, baseline)`).
    #[test]
    fn no_decision_crosses_a_bound_in_default_mode(
        r in rules(Parity::Off),
        (itm, otm, b_itm, b_otm) in (0u32..=40, 0u32..=40, 0u32..=40, 0u32..=40),
        cycles in cycles(40),
    ) {
        let mut depth = StrikeDepth { itm, otm, baseline_itm: b_itm, baseline_otm: b_otm };
        let mut state = AdaptiveState::default();
        for d in simulate(&r, &mut depth, &mut state, 1, &cycles) {
            let (b, a) = (d.before.0, d.after.0);
            prop_assert!(d.contracted() == d.change(AdjustReason::Contraction).is_some(), "unreported: {d:?}");
            // Each change from where the previous one left the depth; no change, no move.
            let mut at = (b.itm, b.otm);
            for c in &d.changes {
                prop_assert_eq!(c.prev, at, "{:?}", d);
                for (before, after, base, explicit) in
                    [(c.prev.0, c.new.0, b.baseline_itm, r.depth_max_itm), (c.prev.1, c.new.1, b.baseline_otm, r.depth_max_otm)]
                {
                    let cap = expansion_cap(explicit, base);
                    prop_assert!(before < base || after >= base, "crossed the baseline {base}: {d:?}");
                    prop_assert!(before > cap || after <= cap, "crossed the cap {cap}: {d:?}");
                    if c.reason == AdjustReason::Expansion {
                        prop_assert!(after >= before && after - before <= r.expansion_step, "{d:?}");
                    } else {
                        prop_assert!(after <= before && before - after <= r.contract_step, "{d:?}");
                    }
                }
                at = c.new;
            }
            prop_assert_eq!(at, (a.itm, a.otm), "a side moved without an adjustment: {:?}", d);
        }
    }

    /// Both modes: a contraction needs `contract_ok_cycles` healthy decisions in a row since the last
    /// unhealthy one and the last contraction, and at least `contract_cooldown` clock units after the last
    /// contraction; it comes in the same decision as an expansion only when no streak is required
    /// (`contract_ok_cycles: 0`), and is then reported as its own change.
    #[test]
    fn contractions_wait_for_a_full_streak_and_the_cooldown(
        r in any_mode().prop_flat_map(rules),
        (itm, otm, b_itm, b_otm) in (0u32..=40, 0u32..=40, 0u32..=40, 0u32..=40),
        cycles in cycles(60),
    ) {
        let mut depth = StrikeDepth { itm, otm, baseline_itm: b_itm, baseline_otm: b_otm };
        let mut state = AdaptiveState::default();
        let decisions = simulate(&r, &mut depth, &mut state, 1, &cycles);
        let mut last_contraction: Option<(usize, i64)> = None;
        for (k, d) in decisions.iter().enumerate() {
            if !d.contracted() {
                continue;
            }
            prop_assert!(!d.expanded() || r.ok_cycles == 0, "expanded and contracted at once: {d:?}");
            prop_assert!(d.change(AdjustReason::Contraction).is_some(), "a contraction not reported: {d:?}");
            let need = r.ok_cycles as usize;
            prop_assert!(k + 1 >= need, "contraction at decision {k} before {need} decisions: {d:?}");
            let streak = &decisions[k + 1 - need..=k];
            prop_assert!(streak.iter().all(|s| !s.unhealthy(&r)), "an unhealthy decision inside the streak: {streak:?}");
            if let Some((j, at)) = last_contraction {
                prop_assert!(j < k + 1 - need, "streak not restarted after the contraction at {j}: {d:?}");
                prop_assert!(
                    d.cycle_num - at >= i64::from(r.cooldown),
                    "contraction at {} inside the cooldown {} of the one at {at}", d.cycle_num, r.cooldown
                );
            }
            let (b, a) = (d.before_contraction(), d.after.0);
            // The baseline as the decision saw it (parity g6 snapshots it at the first call).
            let base = (d.after.0.baseline_itm, d.after.0.baseline_otm);
            prop_assert!(b.0 > base.0 || b.1 > base.1, "contracted at the baseline: {d:?}");
            prop_assert!(a.itm < b.0 || a.otm < b.1, "a contraction lowers a side: {d:?}");
            last_contraction = Some((k, d.cycle_num));
        }
    }

    /// Both modes: a decision expands exactly when expansion is on, coverage is under the trigger, the
    /// expiry has options and a side has room (a step > 0 and a depth under its cap). Default mode also
    /// pins the amount: each side grows by the step, up to its cap.
    #[test]
    fn expansion_whenever_coverage_is_under_the_trigger_and_room_remains(
        r in any_mode().prop_flat_map(rules),
        (itm, otm, b_itm, b_otm) in (0u32..=40, 0u32..=40, 0u32..=40, 0u32..=40),
        cycles in cycles(40),
    ) {
        let mut depth = StrikeDepth { itm, otm, baseline_itm: b_itm, baseline_otm: b_otm };
        let mut state = AdaptiveState::default();
        for d in simulate(&r, &mut depth, &mut state, 1, &cycles) {
            let b = d.before.0;
            let cap_itm = cap(&r, r.depth_max_itm, b.baseline_itm, b.itm);
            let cap_otm = cap(&r, r.depth_max_otm, b.baseline_otm, b.otm);
            let room = r.expansion_step > 0 && (b.itm < cap_itm || b.otm < cap_otm);
            let expected = r.expansion_enabled && d.low(&r) && d.obs.options > 0 && room;
            prop_assert_eq!(d.expanded(), expected, "trigger {}, caps ({}, {}): {:?}", r.trigger, cap_itm, cap_otm, d);
            if expected && !r.parity_g6 {
                let grow = |cur: u32, cap: u32| if cur < cap { cur + r.expansion_step.min(cap - cur) } else { cur };
                let new = d.change(AdjustReason::Expansion).unwrap().new;
                prop_assert_eq!(new, (grow(b.itm, cap_itm), grow(b.otm, cap_otm)));
            }
        }
    }

    /// Both modes: whatever came before, a long enough healthy stretch (contraction step >= 1) brings the
    /// depth back to the baseline without ever raising it, and then nothing moves.
    #[test]
    fn a_healthy_stretch_returns_to_the_baseline_and_stays(
        (r, start) in any_mode().prop_flat_map(rules).prop_flat_map(bounded_start),
        cycles in cycles(30),
        field_cov in coverage(),
    ) {
        let r = AdaptiveRules { contract_step: r.contract_step.max(1), ..r };
        let (mut depth, mut state) = (start, AdaptiveState::default());
        let prefix = simulate(&r, &mut depth, &mut state, 1, &cycles);
        let next = prefix.last().map_or(1, |d| d.cycle_num + 1);
        let excess = (depth.itm - depth.baseline_itm).max(depth.otm - depth.baseline_otm);
        let per_contraction = (r.ok_cycles + r.cooldown + 1) as usize;
        let n = (excess / r.contract_step + 1) as usize * per_contraction + r.ok_cycles as usize;
        let healthy = Observation { strike_cov: Some(1.0), field_cov, options: 10, rule: ExpiryRule::ThisWeek };
        let stretch = vec![(vec![healthy], 1); n];
        let decisions = simulate(&r, &mut depth, &mut state, next, &stretch);
        for d in &decisions {
            prop_assert!(!d.expanded());
            prop_assert!(d.after.0.itm <= d.before.0.itm && d.after.0.otm <= d.before.0.otm, "{d:?}");
        }
        prop_assert_eq!((depth.itm, depth.otm), (depth.baseline_itm, depth.baseline_otm), "after {} healthy cycles", n);
        let settled = decisions.iter().rposition(|d| !d.changes.is_empty()).map_or(0, |k| k + 1);
        prop_assert!(decisions[settled..].iter().all(|d| d.after.0 == depth));
    }

    /// Both modes: the controller judges strike coverage only, so field coverage (unmeasured or any value)
    /// changes no decision: the same cycles with every pass's field coverage replaced give the same
    /// changes, depths and states.
    #[test]
    fn field_coverage_changes_no_decision(
        (r, start) in any_mode().prop_flat_map(rules).prop_flat_map(bounded_start),
        cycles in cycles(40),
        replacement in coverage(),
    ) {
        let replaced: Vec<(Vec<Observation>, i64)> = cycles
            .iter()
            .map(|(passes, clock)| (passes.iter().map(|o| Observation { field_cov: replacement, ..*o }).collect(), *clock))
            .collect();
        let (mut a_depth, mut a_state) = (start, AdaptiveState::default());
        let (mut b_depth, mut b_state) = (start, AdaptiveState::default());
        let a = simulate(&r, &mut a_depth, &mut a_state, 1, &cycles);
        let b = simulate(&r, &mut b_depth, &mut b_state, 1, &replaced);
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!((x.after, &x.changes), (y.after, &y.changes), "{:?}\n{:?}", x, y);
        }
    }
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

// ---------------------------------------------------------------------------------------------------
// The prefilter clamp
// ---------------------------------------------------------------------------------------------------

const ATM: f64 = 24800.0;
const STEP: f64 = 50.0;

/// A universe of one expiry in provider order (ascending strike, CE before PE, duplicates after), from
/// (strike offset from the ATM, put, duplicates) triples; tokens are unique.
fn universe() -> impl Strategy<Value = Vec<UniverseRow>> {
    prop::collection::vec((-12i32..=12, any::<bool>(), 1u64..=4), 0..=160).prop_map(|pairs| {
        let mut keys: Vec<(i32, bool, u64)> = pairs;
        keys.sort_by_key(|&(o, pe, _)| (o, pe));
        keys.dedup_by_key(|&mut (o, pe, _)| (o, pe));
        let mut rows = Vec::new();
        for (offset, pe, copies) in keys {
            for dup in 0..copies {
                let kind = if pe { OptionKind::PE } else { OptionKind::CE };
                let strike = ATM + f64::from(offset) * STEP;
                rows.push(UniverseRow::option(rows.len() as u64 * 7 + dup, strike, RawExpiry::Missing, 0, kind));
            }
        }
        rows
    })
}

fn pair(row: &UniverseRow) -> (i64, OptionKind) {
    (row.strike as i64, row.kind)
}

proptest! {
    #![proptest_config(proptest_config(256))]

    /// Both modes (the limit does not depend on the mode): a clamp fires exactly when enabled and the
    /// expiry has more than `max(50, prefilter_max_instruments)`; its ceiling is never under the floor.
    #[test]
    fn clamp_fires_over_the_floored_ceiling(n in 0usize..5000, max in prop_oneof![0u32..200, any::<u32>()], off: bool) {
        let config = Config { prefilter_max_instruments: max, prefilter_disable: off, ..Config::default() };
        let limit = clamp_limit(n, &config);
        let ceiling = (max as usize).max(50);
        prop_assert_eq!(limit, (!off && n > ceiling).then_some(ceiling));
        if let Some(l) = limit {
            prop_assert!(l >= 50 && l < n);
        }
    }

    /// Both strategies (head is parity g6's, ladder_spread the default's): the survivors are exactly
    /// `max` distinct rows of the input (so kept <= max, kept + dropped = original, and the floor of 50
    /// holds), in provider order.
    #[test]
    fn clamp_keeps_max_distinct_rows_in_provider_order(
        u in universe(),
        max_instruments in 0u32..=200,
        strategy in prop_oneof![Just(ClampStrategy::Head), Just(ClampStrategy::LadderSpread)],
    ) {
        let rows: Vec<u32> = (0..u.len() as u32).collect();
        let config = Config { prefilter_max_instruments: max_instruments, ..Config::default() };
        let Some(max) = clamp_limit(rows.len(), &config) else {
            prop_assert!(rows.len() <= (max_instruments as usize).max(50));
            return Ok(());
        };
        let kept = select(&rows, &u, ATM, max, strategy);
        let dropped = rows.len() - kept.len();
        prop_assert_eq!(kept.len(), max);
        prop_assert!(kept.len() >= 50 && kept.len() + dropped == rows.len() && dropped > 0);
        prop_assert!(kept.windows(2).all(|w| w[0] < w[1]), "provider order, no duplicate: {:?}", kept);
        prop_assert!(kept.iter().all(|r| (*r as usize) < u.len()));
        if strategy == ClampStrategy::Head {
            prop_assert_eq!(&kept[..], &rows[..max], "head keeps the first rows");
        }
    }

    /// Default mode only (`ladder_spread`; parity g6's head clamp keeps provider order instead, quirk 10):
    /// the survivors do not depend on provider order, every (strike, type) pair survives when `max` leaves
    /// room for one each, and otherwise the surviving pairs are the ones nearest the ATM.
    #[test]
    fn ladder_spread_keeps_the_nearest_pairs_whatever_the_order(
        u in universe(),
        max in 1usize..=120,
        order: u64,
    ) {
        let rows: Vec<u32> = (0..u.len() as u32).collect();
        let kept = select(&rows, &u, ATM, max, ClampStrategy::LadderSpread);
        prop_assert_eq!(kept.len(), max.min(rows.len()));
        // The same rows in another order.
        let mut shuffled = rows.clone();
        let mut state = order | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(select(&shuffled, &u, ATM, max, ClampStrategy::LadderSpread), kept.clone());
        let all: BTreeSet<(i64, OptionKind)> = u.iter().map(pair).collect();
        let survivors: BTreeSet<(i64, OptionKind)> = kept.iter().map(|&r| pair(&u[r as usize])).collect();
        if all.len() <= max {
            prop_assert_eq!(&survivors, &all, "room for every pair");
        } else {
            prop_assert_eq!(survivors.len(), max, "one row per pair before any duplicate");
            let dist = |p: &(i64, OptionKind)| (p.0 as f64 - ATM).abs();
            let farthest_kept = survivors.iter().map(dist).fold(0.0, f64::max);
            let nearest_dropped = all.difference(&survivors).map(dist).fold(f64::INFINITY, f64::min);
            prop_assert!(farthest_kept <= nearest_dropped, "{farthest_kept} > {nearest_dropped}");
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The status reducer
// ---------------------------------------------------------------------------------------------------

/// Coverage as the reducer may see it: unmeasured, in range, and out of range (negative, above 1, NaN).
fn any_coverage() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        2 => Just(None),
        10 => (0.0..=1.0f64).prop_map(Some),
        1 => prop::sample::select(vec![0.0, 0.55, 0.75, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY]).prop_map(Some),
    ]
}

fn thresholds() -> impl Strategy<Value = Thresholds> {
    (0.0..=1.0f64, 0.0..=1.0f64).prop_map(|(strike, field)| Thresholds { strike, field })
}

fn outcome() -> impl Strategy<Value = ExpiryOutcome> {
    (
        prop_oneof![2 => Just(0u32), 8 => 1u32..500],
        prop::bool::weighted(0.15),
        prop::option::weighted(0.15, prop_oneof![Just(Failure::Unresolved), Just(Failure::NoInstruments)]),
    )
        .prop_map(|(options, synthetic, failure)| ExpiryOutcome {
            strikes_requested: 21,
            instruments: options,
            options,
            failure,
            synthetic,
        })
}

fn measured(c: Option<f64>) -> Option<f64> {
    c.filter(|v| *v >= 0.0)
}

proptest! {
    #![proptest_config(proptest_config(512))]

    /// Both modes: every (coverage, options) maps to exactly one status, by the reducer's table: no
    /// options EMPTY, synthetic SYNTH, both coverages measured OK iff both reach their threshold, else
    /// PARTIAL; unmeasured (missing, negative or NaN) OK. A reason exactly for PARTIAL, matching which
    /// coverage is low.
    #[test]
    fn every_coverage_maps_to_one_status_and_reason(
        options in prop_oneof![1 => Just(0u32), 5 => 1u32..1000],
        synthetic in prop::bool::weighted(0.1),
        strike in any_coverage(),
        field in any_coverage(),
        th in thresholds(),
    ) {
        let status = expiry_status(options, synthetic, strike, field, th);
        let expected = match (options, synthetic, measured(strike), measured(field)) {
            (0, _, _, _) => ExpiryStatus::Empty,
            (_, true, _, _) => ExpiryStatus::Synth,
            (_, _, Some(s), Some(f)) if s >= th.strike && f >= th.field => ExpiryStatus::Ok,
            (_, _, Some(_), Some(_)) => ExpiryStatus::Partial,
            _ => ExpiryStatus::Ok,
        };
        prop_assert_eq!(status, expected);
        for candidate in [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth] {
            let reason = partial_reason(candidate, strike, field, th);
            prop_assert_eq!(reason.is_some(), candidate == ExpiryStatus::Partial);
        }
        if let Some(reason) = partial_reason(status, strike, field, th) {
            let (s, f) = (measured(strike).unwrap(), measured(field).unwrap());
            let expected = match (s < th.strike, f < th.field) {
                (true, true) => PartialReason::LowBoth,
                (true, false) => PartialReason::LowStrike,
                (false, true) => PartialReason::LowField,
                (false, false) => unreachable!("PARTIAL with both coverages at their thresholds"),
            };
            prop_assert_eq!(reason, expected);
        }
    }

    /// Both modes: more coverage never turns OK into PARTIAL, and higher thresholds never turn PARTIAL
    /// into OK.
    #[test]
    fn status_is_monotone_in_coverage_and_thresholds(
        (s, f, ds, df) in (0.0..=1.0f64, 0.0..=1.0f64, 0.0..=1.0f64, 0.0..=1.0f64),
        th in thresholds(),
        (dts, dtf) in (0.0..=1.0f64, 0.0..=1.0f64),
    ) {
        let at = |s: f64, f: f64, th: Thresholds| expiry_status(10, false, Some(s), Some(f), th);
        let base = at(s, f, th);
        if base == ExpiryStatus::Ok {
            prop_assert_eq!(at((s + ds).min(1.0), (f + df).min(1.0), th), ExpiryStatus::Ok);
        } else {
            let stricter = Thresholds { strike: (th.strike + dts).min(1.0), field: (th.field + dtf).min(1.0) };
            prop_assert_eq!(at(s, f, stricter), ExpiryStatus::Partial);
        }
    }

    /// `classify`, the whole pass. Both modes: a failed expiry has no reason (default EMPTY, parity g6 no
    /// status, quirk 11); an expiry without options is EMPTY and one served by placeholders SYNTH, whatever
    /// the clamp; a PARTIAL expiry always has a reason. Default mode: a reason exactly when PARTIAL, and a
    /// strict clamp makes an expiry with options PARTIAL `prefilter_clamp`. Parity g6 keeps the reference's
    /// tag on OK expiries (quirk 7) and otherwise follows the coverage.
    #[test]
    fn classify_gives_one_status_and_reason(
        outcome in outcome(),
        strike in any_coverage(),
        field in any_coverage(),
        strict: bool,
        th in thresholds(),
        parity_g6: bool,
    ) {
        let c = classify(&outcome, strike, field, strict, th, parity_g6);
        if outcome.failure.is_some() {
            let status = (!parity_g6).then_some(ExpiryStatus::Empty);
            prop_assert_eq!(c, Classification { status, reason: None });
            return Ok(());
        }
        let status = c.status.expect("a pass that did not fail has a status");
        let plain = expiry_status(outcome.options, outcome.synthetic, strike, field, th);
        if outcome.options == 0 {
            prop_assert_eq!(status, ExpiryStatus::Empty, "no options is EMPTY, strict clamp or not: {:?}", c);
        } else if outcome.synthetic {
            // Parity g6 keeps a strict clamp's tag, set before the synthetic fallback.
            let reason = (strict && parity_g6).then_some(PartialReason::PrefilterClamp);
            prop_assert_eq!(c, Classification { status: Some(ExpiryStatus::Synth), reason });
        } else if strict && !parity_g6 {
            prop_assert_eq!(c.reason, Some(PartialReason::PrefilterClamp));
        } else {
            prop_assert_eq!(status, plain);
        }
        if status == ExpiryStatus::Partial {
            prop_assert!(c.reason.is_some());
        }
        if !parity_g6 {
            prop_assert_eq!(c.reason.is_some(), status == ExpiryStatus::Partial, "{:?}", c);
        } else if c.reason.is_some() && status != ExpiryStatus::Partial {
            prop_assert_eq!(c.reason, Some(PartialReason::PrefilterClamp), "only the clamp tag survives: {:?}", c);
        }
    }

    /// Both modes: `partial_reason_totals` counts each PARTIAL expiry exactly once (parity folds the
    /// clamp into `unknown`), and the index's aggregate follows its expiries, whatever their order.
    #[test]
    fn totals_and_aggregate_count_every_expiry(
        passes in prop::collection::vec((outcome(), any_coverage(), any_coverage(), any::<bool>()), 0..12),
        th in thresholds(),
        parity_g6: bool,
    ) {
        let classes: Vec<Classification> =
            passes.iter().map(|(o, s, f, strict)| classify(o, *s, *f, *strict, th, parity_g6)).collect();
        let totals = reason_totals(&classes, parity_g6);
        let partial = classes.iter().filter(|c| c.status == Some(ExpiryStatus::Partial)).count() as u32;
        let sum: u32 = PartialReason::ALL.iter().map(|&r| totals.get(r)).sum();
        prop_assert_eq!(sum, partial);
        prop_assert_eq!(totals.prefilter_clamp.is_none(), parity_g6, "fixed label set per mode");
        if !parity_g6 {
            for r in PartialReason::ALL {
                let n = classes.iter().filter(|c| c.status == Some(ExpiryStatus::Partial) && c.reason == Some(r)).count();
                prop_assert_eq!(totals.get(r), n as u32, "{:?}", r);
            }
        }
        let statuses: Vec<Option<ExpiryStatus>> = classes.iter().map(|c| c.status).collect();
        let of = |s: &Option<ExpiryStatus>| s.unwrap_or(ExpiryStatus::Empty);
        let expected = if statuses.iter().all(|s| of(s) == ExpiryStatus::Empty) {
            ExpiryStatus::Empty
        } else if statuses.iter().all(|s| matches!(of(s), ExpiryStatus::Ok | ExpiryStatus::Synth)) {
            ExpiryStatus::Ok
        } else {
            ExpiryStatus::Partial
        };
        let aggregate = aggregate_cycle_status(&statuses);
        prop_assert_eq!(aggregate, expected);
        let mut reversed = statuses.clone();
        reversed.reverse();
        prop_assert_eq!(aggregate_cycle_status(&reversed), aggregate);
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
