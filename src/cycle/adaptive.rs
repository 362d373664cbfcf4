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
    if state.healthy_streak < r.ok_cycles || (depth.itm <= depth.baseline_itm && depth.otm <= depth.baseline_otm) {
        return None;
    }
    if let Some(last) = state.cycle_last_action
        && cycle_num - last < i64::from(r.cooldown)
    {
        return None;
    }
    let side = |cur: u32, baseline: u32| {
        let lowered = cur.saturating_sub(r.contract_step).max(baseline);
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
