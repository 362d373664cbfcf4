//! Phase 9: adaptive strike depth. Expansion when strike coverage is below the trigger (R1.14), then
//! contraction back toward the baseline after a healthy streak, with cooldown and step (B5). Each change
//! applied emits its own `strike_depth_adjustment` (an expansion and a contraction in one decision, possible
//! with `contract_ok_cycles: 0`, are two events), its coverages rounded to 3 places as the reference's
//! `round(x, 3)` writes them, in both modes; the new depth applies from the next cycle's ladder.
//!
//! Default mode (the backlog's design, with the quirks docs/differences.md lists fixed):
//! - one decision per index per cycle, on the cycle's worst strike coverage among its successful expiries;
//!   a cycle with no successful expiry leaves the state alone;
//! - the healthy streak counts cycles, the cooldown counts simulated cycles;
//! - the expansion cap binds: `depth_max_*`, or `max(10, baseline + 10)` when unset; an expansion never
//!   shrinks a side, and low coverage at the cap still breaks the streak.
//!
//! Parity g6 (the reference's `adaptive_adjust.py`): one decision per successful expiry pass, so the streak
//! counts passes; the cap `max(10, current + 10)` grows with the depth; a capped expansion counts as
//! healthy; the cooldown clock is `simulated unix time / cooldown_clock_s`; the baseline is snapshotted at
//! the first adaptive call (`depth or 2`). Both modes keep the state across cycles (the reference losing it
//! every cycle is a defect, not a behaviour).

use super::schedule::{CycleBuilder, Step};
use crate::calendar::ExpiryRule;
use crate::config::Config;
use crate::events::{Event, StrikeDepthAdjustment};
use crate::pyjson::py_round;
use crate::vocab::{AdjustReason, Failure};
use crate::world::{
    AdaptiveState, CycleCounter, EventLog, Expiry, ExpiryOrder, ExpiryOutcome, FieldCoverage, IndexInfo, IndexOrder,
    SimClock, StrikeCoverage, StrikeDepth,
};
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// The tunables of the state machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdaptiveRules {
    pub expansion_enabled: bool,
    pub trigger: f64,
    pub expansion_step: u32,
    pub depth_max_itm: Option<u32>,
    pub depth_max_otm: Option<u32>,
    pub ok_cycles: u32,
    pub cooldown: u32,
    pub contract_step: u32,
    pub parity_g6: bool,
}

impl AdaptiveRules {
    pub fn from_config(c: &Config) -> Self {
        Self {
            expansion_enabled: c.adaptive_expansion,
            trigger: c.expansion_trigger(),
            expansion_step: c.expansion_step,
            depth_max_itm: c.depth_max_itm,
            depth_max_otm: c.depth_max_otm,
            ok_cycles: c.contract_ok_cycles,
            cooldown: c.contract_cooldown,
            contract_step: c.contract_step,
            parity_g6: c.parity.is_g6(),
        }
    }
}

/// What one decision looks at: an expiry pass (parity g6) or a cycle's worst pass (default).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    pub strike_cov: Option<f64>,
    pub field_cov: Option<f64>,
    pub options: u32,
    pub rule: ExpiryRule,
}

impl Observation {
    /// What the adaptive step observes of one expiry this cycle: its coverages and options, or nothing when
    /// it failed (a failed expiry is no pass).
    pub fn of_expiry(
        failure: Option<Failure>,
        strike_cov: Option<f64>,
        field_cov: Option<f64>,
        options: u32,
        rule: ExpiryRule,
    ) -> Option<Self> {
        failure.is_none().then_some(Observation { strike_cov, field_cov, options, rule })
    }
}

/// The clock the contraction cooldown counts on: the cycle number, or in parity g6 the simulated time in
/// `cooldown_clock_s` units, as the reference counts it.
pub fn decision_clock(config: &Config, unix: i64, cycle: u64) -> i64 {
    if config.parity.is_g6() { unix.div_euclid(config.cooldown_clock_s.max(1) as i64) } else { cycle as i64 }
}

/// One depth change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthChange {
    pub reason: AdjustReason,
    pub prev: (u32, u32),
    pub new: (u32, u32),
}

/// The expansion cap of one side: explicit, or `max(10, anchor + 10)`.
pub fn expansion_cap(explicit: Option<u32>, anchor: u32) -> u32 {
    explicit.unwrap_or_else(|| anchor.saturating_add(10).max(10))
}

/// The reference's baseline snapshot: `int(depth or 2)`.
pub fn snapshot_baseline(depth: u32) -> u32 {
    if depth == 0 { 2 } else { depth }
}

/// Expansion: returns the change, and records `had_expansion` / `had_low_cov` on the state.
pub fn expand(
    depth: &mut StrikeDepth,
    state: &mut AdaptiveState,
    obs: &Observation,
    r: &AdaptiveRules,
) -> Option<DepthChange> {
    let low = obs.strike_cov.is_some_and(|s| s < r.trigger);
    #[cfg(test)]
    let low = low
        && !(super::planted::planted(super::planted::Bug::TriggerHalved)
            && obs.strike_cov.is_some_and(|s| s >= r.trigger / 2.0));
    if !r.expansion_enabled {
        // The reference returns before looking; default mode still counts the low coverage as unhealthy.
        state.had_low_cov |= low && !r.parity_g6;
        return None;
    }
    if !low {
        return None;
    }
    if obs.options == 0 {
        state.had_low_cov = true;
        return None;
    }
    let side = |cur: u32, baseline: u32, explicit: Option<u32>| {
        let anchor = if r.parity_g6 { cur } else { baseline };
        let grown = expansion_cap(explicit, anchor).min(cur.saturating_add(r.expansion_step));
        #[cfg(test)]
        let grown = if super::planted::planted(super::planted::Bug::ExpansionPastCap) {
            cur.saturating_add(r.expansion_step)
        } else {
            grown
        };
        if r.parity_g6 { grown } else { grown.max(cur) }
    };
    let prev = (depth.itm, depth.otm);
    let new =
        (side(depth.itm, depth.baseline_itm, r.depth_max_itm), side(depth.otm, depth.baseline_otm, r.depth_max_otm));
    if new.0 > prev.0 || new.1 > prev.1 {
        (depth.itm, depth.otm) = new;
        state.had_expansion = true;
        Some(DepthChange { reason: AdjustReason::Expansion, prev, new })
    } else {
        // At the cap. The reference sets no flag (counts as healthy); default mode does not.
        state.had_low_cov |= !r.parity_g6;
        None
    }
}

/// Contraction: updates the streak from this decision's flags, then contracts when the streak is long
/// enough, the depth is above the baseline and the cooldown has passed.
pub fn contract(
    depth: &mut StrikeDepth,
    state: &mut AdaptiveState,
    cycle_num: i64,
    r: &AdaptiveRules,
) -> Option<DepthChange> {
    let healthy = !(state.had_expansion || state.had_low_cov);
    state.healthy_streak = if healthy { state.healthy_streak + 1 } else { 0 };
    state.had_expansion = false;
    state.had_low_cov = false;
    let waits = state.healthy_streak < r.ok_cycles;
    #[cfg(test)]
    let waits = waits && !super::planted::planted(super::planted::Bug::ContractionWithoutStreak);
    if waits || (depth.itm <= depth.baseline_itm && depth.otm <= depth.baseline_otm) {
        return None;
    }
    if let Some(last) = state.cycle_last_action
        && cycle_num - last < i64::from(r.cooldown)
    {
        return None;
    }
    let side = |cur: u32, baseline: u32| {
        let lowered = cur.saturating_sub(r.contract_step).max(baseline);
        #[cfg(test)]
        let lowered = if super::planted::planted(super::planted::Bug::ContractionPastBaseline) {
            cur.saturating_sub(r.contract_step)
        } else if super::planted::planted(super::planted::Bug::ContractionStopsAboveBaseline) && cur > baseline {
            lowered.max(baseline + 1)
        } else {
            lowered
        };
        if r.parity_g6 { lowered } else { lowered.min(cur) }
    };
    let prev = (depth.itm, depth.otm);
    let new = (side(depth.itm, depth.baseline_itm), side(depth.otm, depth.baseline_otm));
    if new.0 >= prev.0 && new.1 >= prev.1 {
        return None;
    }
    (depth.itm, depth.otm) = new;
    state.cycle_last_action = Some(cycle_num);
    state.healthy_streak = 0;
    Some(DepthChange { reason: AdjustReason::Contraction, prev, new })
}

/// One full decision: expansion, then contraction. Returns every change applied, in order: with
/// `contract_ok_cycles` 0 and no cooldown pending, one decision can expand and then contract (two changes,
/// the second's `prev` the first's `new`).
pub fn decide(
    depth: &mut StrikeDepth,
    state: &mut AdaptiveState,
    obs: &Observation,
    cycle_num: i64,
    r: &AdaptiveRules,
) -> Vec<DepthChange> {
    if r.parity_g6 && !state.baseline_snapshot_taken {
        depth.baseline_itm = snapshot_baseline(depth.itm);
        depth.baseline_otm = snapshot_baseline(depth.otm);
    }
    state.baseline_snapshot_taken = true;
    let expanded = expand(depth, state, obs, r);
    let contracted = contract(depth, state, cycle_num, r);
    expanded.into_iter().chain(contracted).collect()
}

/// Default mode: the observation a cycle is judged on, the successful pass with the lowest strike coverage
/// (options summed over the passes). `None` when nothing succeeded.
pub fn worst_pass(passes: &[Observation]) -> Option<Observation> {
    let worst = passes
        .iter()
        .min_by(|a, b| a.strike_cov.unwrap_or(f64::INFINITY).total_cmp(&b.strike_cov.unwrap_or(f64::INFINITY)))?;
    Some(Observation { options: passes.iter().map(|p| p.options).sum(), ..*worst })
}

/// One index's decisions this cycle, from its successful passes in expiry order: each pass (parity g6) or
/// the worst one ([`worst_pass`], default mode), nothing without a pass. Calls `changed` with every change
/// applied and the observation it was decided on.
pub fn adapt_index(
    depth: &mut StrikeDepth,
    state: &mut AdaptiveState,
    passes: &[Observation],
    cycle_num: i64,
    rules: &AdaptiveRules,
    mut changed: impl FnMut(&Observation, DepthChange),
) {
    let worst;
    let decisions: &[Observation] = if rules.parity_g6 {
        passes
    } else {
        worst = worst_pass(passes);
        worst.as_slice()
    };
    for obs in decisions {
        for change in decide(depth, state, obs, cycle_num, rules) {
            changed(obs, change);
        }
    }
}

/// The `strike_depth_adjustment` event of one change.
pub fn depth_event(symbol: &str, change: DepthChange, obs: &Observation, ts: i64, rules: &AdaptiveRules) -> Event {
    let expansion = change.reason == AdjustReason::Expansion;
    Event::StrikeDepthAdjustment(StrikeDepthAdjustment {
        index: symbol.to_string(),
        reason: change.reason,
        prev_itm: change.prev.0,
        prev_otm: change.prev.1,
        new_itm: change.new.0,
        new_otm: change.new.1,
        ts,
        strike_cov: obs.strike_cov.map(|x| py_round(x, 3)),
        field_cov: obs.field_cov.map(|x| py_round(x, 3)),
        rule: Some(obs.rule.to_string()),
        threshold: expansion.then_some(rules.trigger),
    })
}

pub fn adapt_strike_depth(
    config: Res<Config>,
    clock: Res<SimClock>,
    counter: Res<CycleCounter>,
    mut indices: Query<(Entity, &IndexOrder, &IndexInfo, &mut StrikeDepth, &mut AdaptiveState)>,
    expiries: Query<(&ExpiryOrder, &Expiry, &ExpiryOutcome, &StrikeCoverage, &FieldCoverage)>,
    mut log: ResMut<EventLog>,
) {
    let rules = AdaptiveRules::from_config(&config);
    let mut passes: BTreeMap<Entity, Vec<Observation>> = BTreeMap::new();
    for (_, expiry, outcome, strike, field) in expiries.iter().sort::<&ExpiryOrder>() {
        if let Some(obs) = Observation::of_expiry(outcome.failure, strike.0, field.0, outcome.options, expiry.rule) {
            passes.entry(expiry.index).or_default().push(obs);
        }
    }
    let cycle_num = decision_clock(&config, clock.unix(), counter.0);
    for (entity, _, info, mut depth, mut state) in indices.iter_mut().sort::<&IndexOrder>() {
        let list = passes.remove(&entity).unwrap_or_default();
        adapt_index(&mut depth, &mut state, &list, cycle_num, &rules, |obs, change| {
            log.push(counter.0, depth_event(&info.meta.symbol, change, obs, clock.unix(), &rules));
        });
    }
}

/// Registers adaptive depth (B5).
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.add(Step::Adaptive, adapt_strike_depth);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(parity_g6: bool) -> AdaptiveRules {
        AdaptiveRules::from_config(&Config {
            parity: if parity_g6 { crate::config::Parity::G6 } else { crate::config::Parity::Off },
            ..Config::default()
        })
    }
    fn obs(cov: f64) -> Observation {
        Observation { strike_cov: Some(cov), field_cov: Some(1.0), options: 10, rule: ExpiryRule::ThisWeek }
    }
    fn depth(itm: u32, baseline: u32) -> StrikeDepth {
        StrikeDepth { itm, otm: itm, baseline_itm: baseline, baseline_otm: baseline }
    }

    /// The spec's intended trace (section 9): start 4/4, OK_CYCLES=3, COOLDOWN=0, STEP=2, coverage 0.3 x 3
    /// then 1.0 x 10 -> depth after each decision [6, 8, 10, 10, 10, 8, 8, 8, 6, 6, 6, 4, 4].
    #[test]
    fn reference_intended_trace() {
        for parity in [false, true] {
            let r = AdaptiveRules { ok_cycles: 3, cooldown: 0, contract_step: 2, ..rules(parity) };
            let (mut d, mut s) = (depth(4, 4), AdaptiveState::default());
            let trace: Vec<u32> = [0.3, 0.3, 0.3]
                .into_iter()
                .chain([1.0; 10])
                .enumerate()
                .map(|(i, c)| {
                    decide(&mut d, &mut s, &obs(c), i as i64 + 1, &r);
                    d.itm
                })
                .collect();
            assert_eq!(trace, vec![6, 8, 10, 10, 10, 8, 8, 8, 6, 6, 6, 4, 4], "parity {parity}");
        }
    }

    #[test]
    fn trigger_is_ninety_percent_of_the_threshold() {
        let c = Config { strike_coverage_ok: crate::config::Ratio::new(0.8).unwrap(), ..Config::default() };
        assert!((c.expansion_trigger() - 0.72).abs() < 1e-12);
        let r = rules(false);
        let (mut d, mut s) = (depth(10, 10), AdaptiveState::default());
        assert_eq!(expand(&mut d, &mut s, &obs(0.675), &r), None, "at the trigger: no expansion");
        assert!(expand(&mut d, &mut s, &obs(0.674), &r).is_some());
        assert_eq!((d.itm, d.otm), (12, 12));
    }

    #[test]
    fn cap_binds_in_default_mode_and_grows_in_parity() {
        let (mut d, mut s) = (depth(10, 10), AdaptiveState::default());
        let r = rules(false);
        for _ in 0..12 {
            decide(&mut d, &mut s, &obs(0.3), 1, &r);
        }
        assert_eq!(d.itm, 20, "max(10, baseline + 10)");
        assert_eq!(s.healthy_streak, 0, "low coverage at the cap is not healthy");
        let (mut d, mut s) = (depth(2, 2), AdaptiveState::default());
        let rp = rules(true);
        for _ in 0..12 {
            decide(&mut d, &mut s, &obs(0.3), 1, &rp);
        }
        assert_eq!(d.itm, 26, "the reference's run: 2 -> 26 in 12 low cycles");
        let explicit = AdaptiveRules { depth_max_itm: Some(14), depth_max_otm: Some(14), ..rp };
        let (mut d, mut s) = (depth(14, 14), AdaptiveState { baseline_snapshot_taken: true, ..Default::default() });
        decide(&mut d, &mut s, &obs(0.3), 1, &explicit);
        assert_eq!((d.itm, s.healthy_streak), (14, 1), "parity: capped low coverage counts as healthy");
    }

    #[test]
    fn expansion_never_shrinks_a_side_in_default_mode() {
        let r = AdaptiveRules { depth_max_itm: Some(8), depth_max_otm: Some(30), ..rules(false) };
        let (mut d, mut s) =
            (StrikeDepth { itm: 12, otm: 12, baseline_itm: 10, baseline_otm: 10 }, AdaptiveState::default());
        expand(&mut d, &mut s, &obs(0.3), &r);
        assert_eq!((d.itm, d.otm), (12, 14));
        let rp = AdaptiveRules { parity_g6: true, ..r };
        let (mut d, mut s) =
            (StrikeDepth { itm: 12, otm: 12, baseline_itm: 10, baseline_otm: 10 }, AdaptiveState::default());
        expand(&mut d, &mut s, &obs(0.3), &rp);
        assert_eq!((d.itm, d.otm), (8, 14), "the reference writes both sides, cutting ITM to its cap");
    }

    #[test]
    fn contraction_streak_cooldown_step_and_baseline_guard() {
        let r = rules(false); // ok 5, cooldown 3, step 2
        let (mut d, mut s) = (depth(16, 10), AdaptiveState::default());
        let mut changes = Vec::new();
        for cycle in 1..=40 {
            for c in decide(&mut d, &mut s, &obs(1.0), cycle, &r) {
                changes.push((cycle, c.new.0));
            }
        }
        assert_eq!(changes, vec![(5, 14), (10, 12), (15, 10)], "every 5 healthy cycles, step 2, stop at baseline");
        // Cooldown longer than the streak: the contraction waits for it.
        let r = AdaptiveRules { ok_cycles: 1, cooldown: 3, ..rules(false) };
        let (mut d, mut s) = (depth(16, 10), AdaptiveState::default());
        let cycles: Vec<i64> = (1..=12).filter(|&c| !decide(&mut d, &mut s, &obs(1.0), c, &r).is_empty()).collect();
        assert_eq!(cycles, vec![1, 4, 7]);
        // Step larger than the gap never goes below the baseline.
        let r = AdaptiveRules { ok_cycles: 1, cooldown: 0, contract_step: 5, ..rules(false) };
        let (mut d, mut s) = (depth(12, 10), AdaptiveState::default());
        decide(&mut d, &mut s, &obs(1.0), 1, &r);
        assert_eq!(d.itm, 10);
    }

    /// No streak and no cooldown required, so a low pass expands and the same decision
    /// contracts; both changes are returned, each with what it applied.
    #[test]
    fn one_decision_can_expand_and_contract_and_returns_both() {
        for parity in [false, true] {
            let r = AdaptiveRules { ok_cycles: 0, cooldown: 0, ..rules(parity) };
            let (mut d, mut s) = (depth(10, 10), AdaptiveState::default());
            let changes = decide(&mut d, &mut s, &obs(0.3), 1, &r);
            let expected = vec![
                DepthChange { reason: AdjustReason::Expansion, prev: (10, 10), new: (12, 12) },
                DepthChange { reason: AdjustReason::Contraction, prev: (12, 12), new: (10, 10) },
            ];
            assert_eq!(changes, expected, "parity {parity}");
            assert_eq!((d.itm, d.otm), (10, 10));
        }
    }

    #[test]
    fn what_breaks_the_streak() {
        let r = rules(false);
        let (mut d, mut s) = (depth(10, 10), AdaptiveState::default());
        decide(&mut d, &mut s, &obs(0.70), 1, &r);
        assert_eq!(s.healthy_streak, 1, "PARTIAL low_strike above the trigger is healthy");
        decide(&mut d, &mut s, &obs(0.5), 2, &r);
        assert_eq!(s.healthy_streak, 0, "an expansion resets");
        let no_options = Observation { options: 0, ..obs(0.5) };
        decide(&mut d, &mut s, &obs(1.0), 3, &r);
        decide(&mut d, &mut s, &no_options, 4, &r);
        assert_eq!(s.healthy_streak, 0, "low coverage without options resets");
    }

    #[test]
    fn parity_snapshots_the_baseline_at_the_first_call() {
        let rp = rules(true);
        let (mut d, mut s) =
            (StrikeDepth { itm: 0, otm: 12, baseline_itm: 99, baseline_otm: 99 }, AdaptiveState::default());
        decide(&mut d, &mut s, &obs(1.0), 1, &rp);
        assert_eq!((d.baseline_itm, d.baseline_otm), (2, 12), "depth or 2");
    }

    #[test]
    fn worst_pass_is_the_lowest_coverage() {
        let passes = [obs(0.9), obs(0.4), Observation { strike_cov: None, ..obs(0.0) }];
        let w = worst_pass(&passes).unwrap();
        assert_eq!((w.strike_cov, w.options), (Some(0.4), 30));
        assert_eq!(worst_pass(&[]), None);
    }
}

/// Properties over arbitrary coverage sequences and settings, in both modes where they hold in both; a
/// property that holds only in the default mode says which g6 quirk breaks it.
///
/// The controller is simulated cycle by cycle exactly as `adapt_strike_depth` drives it: default mode, one
/// [`decide`] per cycle on [`worst_pass`] of the cycle's successful passes (none: the state is left alone);
/// parity g6, one `decide` per pass, on a cooldown clock that may stand still or jump between cycles.
///
/// With `contract_ok_cycles: 0` and no cooldown pending, one decision can expand and then contract: `decide`
/// returns both changes, and the generators include `contract_ok_cycles: 0`.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::config::{Config, Parity, Ratio};
    use crate::world::{AdaptiveState, StrikeDepth};
    use proptest::prelude::*;

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
            .prop_map(|(strike_cov, field_cov, options, rule)| Observation {
                strike_cov,
                field_cov,
                options,
                rule,
            })
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
        #![proptest_config(crate::rng::proptest_config(256))]

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
}
