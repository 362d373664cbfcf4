//! SLA-breach strike scaling (`orchestrator/adaptive.py`'s `update_strike_scaling`): after each cycle, a streak
//! of cycles over their SLA scales every index's strike depth down by a shared factor, and a streak of healthy
//! cycles scales it back up. The new depth applies from the next cycle.
//!
//! The rule ([`Scaler::step`]) follows the reference step for step: the streaks; after `breach_threshold`
//! breaches the scale times `reduction` (not below a floor), the breach streak reset whether or not the scale
//! moved; after `restore_healthy` healthy cycles the scale times `1 / reduction` (1.0 from above 0.999), the
//! healthy streak reset. The modes differ in what the scale acts on and how it is bounded:
//!
//! - **parity g6** reproduces the reference: the SLA is `G6_CYCLE_INTERVAL x 0.85` (whatever
//!   `cycle_sla_fraction`); the floor is `min / min(current depths)` over every index, so it is relative and
//!   global (with baseline 10, min 2 and reduction 0.8 it stops at 0.4096, depth 4); the baseline is captured
//!   after the first cycle, expansions included; every change overwrites each depth with
//!   `max(min, round_half_even(baseline x scale))`, discarding what expansion and contraction did.
//! - **the default** holds every cycle to one SLA (the cycle time's, `interval_s x cycle_sla_fraction`); it
//!   never writes the depth: the ladder is built from the adaptive depth times the scale
//!   ([`scaled_side`]), so an expansion or a pending contraction survives a change and a restore returns to
//!   the adaptive depth; the floor is `min` strikes per side of each index; and a restore waits until the
//!   cycle, projected to the restored ladders, would keep its SLA (hysteresis: no limit cycle).

use super::schedule::{CycleBuilder, Step};
use crate::config::Config;
use crate::events::{AdaptiveScaleChange, Event, ScalingFigures};
use crate::pyjson::py_round;
use crate::world::{CycleCounter, EventLog, IndexOrder, LastCycleTime, SimClock, StrikeDepth};
use bevy_ecs::prelude::*;

/// The reference's fixed SLA fraction for scaling (`BREACH_RATIO`), whatever `G6_CYCLE_SLA_FRACTION` says.
pub const BREACH_RATIO: f64 = 0.85;

/// The share of the SLA a restored cycle must stay under beyond the projection (a relative rounding margin).
const RESTORE_MARGIN: f64 = 1e-9;

/// The settings of strike scaling, resolved for the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScalingRules {
    pub enabled: bool,
    pub breach_threshold: u32,
    pub restore_healthy: u32,
    pub reduction: f64,
    /// Strikes per side no scaling goes below.
    pub min_depth: u32,
    /// Parity g6: the scale moves, the depth is not written.
    pub passthrough: bool,
    pub parity_g6: bool,
    /// Seconds a cycle may take before it counts as a breach.
    pub sla_s: f64,
    /// Parity g6: a variable of the scaling's that Python's `int()` rejects
    /// ([`Config::strike_scaling_unparsed`]): the reference's update fails every cycle before it saves
    /// anything, so the scale stays 1 and the streaks 0.
    pub unparsed: bool,
}

impl ScalingRules {
    /// The rules `config` gives, for cycles `interval_s` apart.
    pub fn from_config(config: &Config, interval_s: u64) -> Self {
        let parity_g6 = config.parity.is_g6();
        let sla_s = if parity_g6 {
            // `interval * 0.85 if interval > 0 else inf`, on G6_CYCLE_INTERVAL.
            config.cooldown_clock_s as f64 * BREACH_RATIO
        } else {
            config.sla_budget_s(interval_s)
        };
        ScalingRules {
            enabled: config.strike_scaling,
            breach_threshold: config.strike_scaling_breach_threshold,
            restore_healthy: config.strike_scaling_restore_healthy,
            reduction: config.strike_scaling_reduction,
            min_depth: config.strike_scaling_min,
            passthrough: config.strike_scaling_passthrough,
            parity_g6,
            sla_s,
            unparsed: config.strike_scaling_unparsed().is_some(),
        }
    }
}

/// One change of the scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleChange {
    pub old: f64,
    pub new: f64,
    /// The streaks after the change (reset).
    pub breach_streak: u32,
    pub healthy_streak: u32,
}

/// The controller's state across cycles.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct Scaler {
    pub scale: f64,
    pub breach_streak: u32,
    pub healthy_streak: u32,
    /// Parity g6: each index's depth when the first cycle ended (`adaptive_baseline`), once captured.
    pub baseline: Option<Vec<(u32, u32)>>,
}

impl Default for Scaler {
    fn default() -> Self {
        Scaler { scale: 1.0, breach_streak: 0, healthy_streak: 0, baseline: None }
    }
}

/// The reference's write of one side (`max(min_depth, int(round(int(b or 2) * scale)))`): Python's `round`
/// is half to even.
pub fn parity_side(baseline: u32, scale: f64, min_depth: u32) -> u32 {
    let b = if baseline == 0 { 2 } else { baseline };
    let scaled = (f64::from(b) * scale).round_ties_even();
    (scaled.clamp(0.0, f64::from(u32::MAX)) as u32).max(min_depth)
}

/// The default mode's side of the ladder at `scale`: the adaptive depth `depth` scaled (half away from zero),
/// never below `min_depth` unless the depth itself is.
pub fn scaled_side(depth: u32, scale: f64, min_depth: u32) -> u32 {
    if scale >= 1.0 {
        return depth;
    }
    let scaled = (f64::from(depth) * scale).round() as u32;
    scaled.max(depth.min(min_depth))
}

impl Scaler {
    /// One cycle's step after a cycle of `elapsed_s` seconds, over every index's `depths` (in index order),
    /// each index's strikes costing `per_side_s` a side ([`super::cycle_time::per_side_s`]; missing: free).
    /// Parity g6 writes the depths on a change (unless passthrough); the default only moves the scale, which
    /// [`scaled_side`] applies at the ladder. The change, if the scale moved.
    pub fn step(
        &mut self,
        r: &ScalingRules,
        elapsed_s: f64,
        memory_scale: f64,
        per_side_s: &[f64],
        depths: &mut [StrikeDepth],
    ) -> Option<ScaleChange> {
        if !r.enabled || r.unparsed {
            return None;
        }
        let breached = elapsed_s > r.sla_s;
        if breached {
            self.breach_streak += 1;
            self.healthy_streak = 0;
        } else {
            self.healthy_streak += 1;
            self.breach_streak = 0;
        }
        let old = self.scale;
        let mut changed = false;
        if breached && self.breach_streak >= r.breach_threshold && self.scale > 0.05 {
            let mut new = self.scale * r.reduction;
            let floor = self.floor(r, depths);
            if new < floor {
                new = floor;
            }
            if new < self.scale {
                self.scale = new;
                changed = true;
            }
            self.breach_streak = 0;
        } else if !breached && self.healthy_streak >= r.restore_healthy && self.scale < 0.999 {
            let inverse = if r.reduction > 0.0 { 1.0 / r.reduction } else { 1.25 };
            let mut new = self.scale * inverse;
            if new > 0.999 {
                new = 1.0;
            }
            let guarded = !r.parity_g6;
            #[cfg(test)]
            let guarded = guarded && !super::planted::planted(super::planted::Bug::RestoreIgnoresProjection);
            if new > self.scale
                && (!guarded || self.restore_keeps_sla(r, elapsed_s, new, memory_scale, per_side_s, depths))
            {
                self.scale = new;
                changed = true;
            }
            self.healthy_streak = 0;
        }
        if r.parity_g6 && self.baseline.is_none() {
            self.baseline = Some(depths.iter().map(|d| (d.itm, d.otm)).collect());
        }
        if !changed {
            return None;
        }
        if r.parity_g6 && !r.passthrough {
            let baseline = self.baseline.as_deref().unwrap_or_default();
            for (k, d) in depths.iter_mut().enumerate() {
                // An index without a captured baseline scales from its current depth.
                let (b_itm, b_otm) = baseline.get(k).copied().unwrap_or((d.itm, d.otm));
                d.itm = parity_side(b_itm, self.scale, r.min_depth);
                d.otm = parity_side(b_otm, self.scale, r.min_depth);
            }
        }
        Some(ScaleChange {
            old,
            new: self.scale,
            breach_streak: self.breach_streak,
            healthy_streak: self.healthy_streak,
        })
    }

    /// The lowest scale a scale-down may reach: parity g6 `min / max(m, 1)` with `m` the smallest side of any
    /// index's current depth (2 without indices); by default the scale at which the deepest index's ladder is
    /// at `min` strikes per side (1 when no index is deeper than `min`: nothing to scale).
    fn floor(&self, r: &ScalingRules, depths: &[StrikeDepth]) -> f64 {
        let min_depth = f64::from(r.min_depth);
        if r.parity_g6 {
            let m = depths.iter().map(|d| d.itm.min(d.otm)).min().unwrap_or(2);
            min_depth / f64::from(m.max(1))
        } else {
            let deepest = depths.iter().map(|d| d.itm.max(d.otm)).max().unwrap_or(0);
            if deepest > r.min_depth { min_depth / f64::from(deepest) } else { 1.0 }
        }
    }

    /// The default mode's restore guard: the cycle, with each index's ladder at the restored scale (its strikes
    /// costing `per_side_s` a side), keeps its SLA. Only the strikes' cost moves: the rest of the cycle (its
    /// fixed part, a slow provider's latency) is the same at any depth. The cycle ran with its ladders also
    /// scaled by memory pressure (`memory_scale`); the restored ladders are weighed without it, as they are once
    /// the pressure lifts, so a restore under memory pressure does not step into a breach when it does.
    fn restore_keeps_sla(
        &self,
        r: &ScalingRules,
        elapsed_s: f64,
        new: f64,
        memory_scale: f64,
        per_side_s: &[f64],
        depths: &[StrikeDepth],
    ) -> bool {
        let sides = |d: &StrikeDepth, scale: f64| {
            f64::from(scaled_side(d.itm, scale, r.min_depth) + scaled_side(d.otm, scale, r.min_depth))
        };
        let now = self.scale * memory_scale;
        let added: f64 = depths
            .iter()
            .enumerate()
            .map(|(k, d)| per_side_s.get(k).copied().unwrap_or(0.0) * (sides(d, new) - sides(d, now)))
            .sum();
        // The projection sums in another order than the cycle's timer: a restore that lands within rounding of
        // the SLA would breach it by an ulp, so it waits.
        elapsed_s + added <= r.sla_s - RESTORE_MARGIN * r.sla_s.abs().max(1.0)
    }

    /// What a cycle's summary shows of the controller.
    pub fn figures(&self) -> ScalingFigures {
        ScalingFigures { scale: self.scale, breach_streak: self.breach_streak, healthy_streak: self.healthy_streak }
    }
}

/// The `adaptive_scale_change` event of a change: the reference's context, its scales rounded to 6 places.
pub fn scale_event(change: &ScaleChange, passthrough: bool) -> Event {
    Event::AdaptiveScaleChange(AdaptiveScaleChange {
        old_scale: py_round(change.old, 6),
        new_scale: py_round(change.new, 6),
        breach_streak: change.breach_streak,
        healthy_streak: change.healthy_streak,
        mode: if passthrough { "passthrough" } else { "mutating" },
    })
}

/// Scales the strike depths after the cycle's collection, from its cycle time.
pub fn scale_strike_depth(
    config: Res<Config>,
    clock: Res<SimClock>,
    counter: Res<CycleCounter>,
    cycle_time: Res<LastCycleTime>,
    memory: Res<super::memory::Memory>,
    mut scaler: ResMut<Scaler>,
    mut indices: Query<(&IndexOrder, &mut StrikeDepth)>,
    mut log: ResMut<EventLog>,
    mut depths: Local<Vec<StrikeDepth>>,
) {
    let rules = ScalingRules::from_config(&config, clock.interval_s);
    if !rules.enabled {
        return;
    }
    depths.clear();
    depths.extend(indices.iter().sort::<&IndexOrder>().map(|(_, d)| *d));
    let (elapsed_s, memory_scale) = (cycle_time.time.elapsed_s, memory.depth_scale());
    if let Some(change) = scaler.step(&rules, elapsed_s, memory_scale, &cycle_time.per_side_s, &mut depths) {
        for ((_, mut depth), scaled) in indices.iter_mut().sort::<&IndexOrder>().zip(depths.iter()) {
            if *depth != *scaled {
                *depth = *scaled;
            }
        }
        log.push(counter.0, scale_event(&change, rules.passthrough));
    }
}

/// Registers strike scaling: its state, and its step after the cycle time.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.world.insert_resource(Scaler::default());
    cycle.add(Step::StrikeScaling, scale_strike_depth);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(parity_g6: bool) -> ScalingRules {
        ScalingRules {
            enabled: true,
            breach_threshold: 3,
            restore_healthy: 10,
            reduction: 0.8,
            min_depth: 2,
            passthrough: false,
            parity_g6,
            sla_s: 51.0,
            unparsed: false,
        }
    }

    /// A strike per side costs 3.5 s (one expiry, 7 s per strike per side: the spec's traces).
    const COST: &[f64] = &[3.5];

    fn depth(d: u32) -> StrikeDepth {
        StrikeDepth { itm: d, otm: d, baseline_itm: 10, baseline_otm: 10 }
    }

    /// The reference's `test_adaptive_strike_scaling.py`: threshold 3, restore 5, reduction 0.8, depth 10;
    /// three breaches scale to 0.8 (depth 8), four healthy cycles do not restore, the fifth restores exactly
    /// 1.0 and depth 10.
    #[test]
    fn the_reference_test_of_strike_scaling() {
        let r = ScalingRules { restore_healthy: 5, ..rules(true) };
        let (mut s, mut d) = (Scaler::default(), [depth(10)]);
        assert_eq!(s.step(&r, 55.0, 1.0, COST, &mut d), None);
        assert_eq!(s.step(&r, 56.0, 1.0, COST, &mut d), None);
        let change = s.step(&r, 57.0, 1.0, COST, &mut d).unwrap();
        assert_eq!(change, ScaleChange { old: 1.0, new: 0.8, breach_streak: 0, healthy_streak: 0 });
        assert_eq!((d[0].itm, d[0].otm), (8, 8));
        for _ in 0..4 {
            assert_eq!(s.step(&r, 40.0, 1.0, COST, &mut d), None);
        }
        assert_eq!((d[0].itm, s.scale), (8, 0.8));
        let change = s.step(&r, 40.0, 1.0, COST, &mut d).unwrap();
        assert_eq!((change.new, d[0].itm, d[0].otm), (1.0, 10, 10));
        let event = serde_json::to_string(&scale_event(&change, false)).unwrap();
        assert_eq!(
            event,
            r#"{"event":"adaptive_scale_change","data":{"old_scale":0.8,"new_scale":1.0,"breach_streak":0,"healthy_streak":0,"mode":"mutating"}}"#
        );
    }

    /// Trace 4.3 of the spec in parity g6 (elapsed 7 s per strike per side): the scale goes 0.8, then
    /// 0.6400000000000001, then alternates with 0.8000000000000002 in a 13-cycle limit cycle, the depth 8 and 6,
    /// never 10 again.
    #[test]
    fn trace_4_3_is_a_limit_cycle_in_parity() {
        let r = rules(true);
        let (mut s, mut d) = (Scaler::default(), [depth(10)]);
        let mut changes = Vec::new();
        let mut used = Vec::new();
        for cycle in 1..=45 {
            used.push(d[0].itm);
            if let Some(c) = s.step(&r, 7.0 * f64::from(d[0].itm), 1.0, COST, &mut d) {
                changes.push((cycle, c.new, d[0].itm));
            }
        }
        let at: Vec<(u32, u32)> = changes.iter().map(|&(cycle, _, depth)| (cycle, depth)).collect();
        assert_eq!(at, [(3, 8), (6, 6), (16, 8), (19, 6), (29, 8), (32, 6), (42, 8), (45, 6)]);
        let scales: Vec<f64> = changes.iter().take(3).map(|c| c.1).collect();
        assert_eq!(scales, [0.8, 0.6400000000000001, 0.8000000000000002]);
        assert!(!used[5..].contains(&10), "{used:?}");
        assert_eq!(&used[..6], [10, 10, 10, 8, 8, 8]);
        assert_eq!(&used[6..19], [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 8, 8, 8]);
    }

    /// Under constant overload parity g6 stops at 0.4096 and depth 4 (`2 / 4 = 0.5` is above `0.32768`); the
    /// breach streak still resets every third cycle.
    #[test]
    fn the_parity_floor_is_relative_to_the_current_depth() {
        let r = rules(true);
        let (mut s, mut d) = (Scaler::default(), [depth(10)]);
        let mut used = Vec::new();
        for _ in 0..30 {
            used.push(d[0].itm);
            s.step(&r, 1000.0, 1.0, COST, &mut d);
        }
        assert_eq!(&used[..15], [10, 10, 10, 8, 8, 8, 6, 6, 6, 5, 5, 5, 4, 4, 4]);
        assert!(used[12..].iter().all(|&u| u == 4), "{used:?}");
        assert_eq!((s.scale, s.breach_streak), (0.40960000000000013, 0));
        // An index at depth 1 blocks every index's scaling: the floor is 2 / 1.
        let (mut s, mut d) = (Scaler::default(), [depth(10), depth(1)]);
        for _ in 0..9 {
            assert_eq!(s.step(&r, 1000.0, 1.0, COST, &mut d), None);
        }
    }

    /// Parity g6 with a variable Python's `int()` rejects: the reference's update fails before it saves
    /// anything, so the scale stays 1, the streaks 0, the baseline uncaptured and the depths unwritten.
    #[test]
    fn an_unparsed_variable_keeps_parity_scaling_inert() {
        let r = ScalingRules { unparsed: true, ..rules(true) };
        let (mut s, mut d) = (Scaler::default(), [depth(10)]);
        for elapsed in [1000.0, 1000.0, 1000.0, 1000.0, 10.0] {
            assert_eq!(s.step(&r, elapsed, 1.0, COST, &mut d), None);
        }
        assert_eq!((s, d[0].itm), (Scaler::default(), 10));
    }

    /// The reductions parity g6 may read from the environment: the reference's arithmetic, no panic. Above 1 or
    /// NaN the scale never moves (a NaN fails every comparison, and a restore's inverse is then 1.25); 0 cuts
    /// to the floor at once and a negative reduction too (the floor is not negative: the two negative together
    /// are refused); infinity never cuts.
    #[test]
    fn any_float_reduction_is_the_references_arithmetic() {
        let run = |reduction: f64| {
            let r = ScalingRules { reduction, ..rules(true) };
            let (mut s, mut d) = (Scaler::default(), [depth(10)]);
            let scales: Vec<f64> = (0..30)
                .map(|k| {
                    s.step(&r, if k < 20 { 1000.0 } else { 10.0 }, 1.0, COST, &mut d);
                    s.scale
                })
                .collect();
            (scales[19], scales[29], d[0].itm)
        };
        assert_eq!(run(1.5), (1.0, 1.0, 10));
        assert_eq!(run(f64::NAN), (1.0, 1.0, 10));
        assert_eq!(run(f64::INFINITY), (1.0, 1.0, 10));
        // 0 and -0.5: straight to the floor 2 / 10, then 2 / 2 = 1 blocks any further cut; ten healthy cycles
        // restore by 1.25 (the inverse of a reduction that is not above 0).
        assert_eq!(run(0.0), (0.2, 0.25, 2));
        assert_eq!(run(-0.5), (0.2, 0.25, 2));
    }

    /// Python's `round` is half to even; `int(b or 2)` makes a 0 baseline 2; the write never goes below `min`.
    #[test]
    fn parity_writes_round_half_to_even() {
        assert_eq!(parity_side(5, 0.5, 0), 2);
        assert_eq!(parity_side(7, 0.5, 0), 4);
        assert_eq!(parity_side(0, 1.0, 0), 2);
        assert_eq!(parity_side(10, 0.1, 2), 2);
    }

    /// By default the restore waits until the restored ladder would keep the SLA: trace 4.3 settles at 6 per
    /// side (scale 0.64) with two changes, and the depth (the adaptive one) is never written.
    #[test]
    fn by_default_trace_4_3_settles() {
        let r = rules(false);
        let (mut s, mut d) = (Scaler::default(), [depth(10)]);
        let mut changes = 0;
        let mut used = Vec::new();
        for _ in 0..45 {
            let side = scaled_side(d[0].itm, s.scale, r.min_depth);
            used.push(side);
            changes += usize::from(s.step(&r, 7.0 * f64::from(side), 1.0, COST, &mut d).is_some());
        }
        assert_eq!(changes, 2);
        assert_eq!(&used[..8], [10, 10, 10, 8, 8, 8, 6, 6]);
        assert!(used[6..].iter().all(|&u| u == 6), "{used:?}");
        assert_eq!(d[0].itm, 10, "the adaptive depth is untouched");
        // Once the cycles are fast again, it restores step by step to the full depth.
        for _ in 0..30 {
            s.step(&r, 20.0, 1.0, COST, &mut d);
        }
        assert_eq!(s.scale, 1.0);
    }

    /// By default a restore weighs only what the strikes cost: a cycle mostly fixed cost (45 s) and a slow spell
    /// cut the ladder to its floor; once the provider recovers the ladder is restored step by step, where a
    /// projection of the whole cycle in proportion to the strikes would hold it at the floor for good.
    #[test]
    fn by_default_a_restore_weighs_only_the_strikes_cost() {
        let r = rules(false);
        let (mut s, mut d) = (Scaler::default(), [depth(10)]);
        let elapsed = |s: &Scaler, slow: f64| 45.0 + 0.1 * f64::from(2 * scaled_side(10, s.scale, 2)) + slow;
        for _ in 0..40 {
            let t = elapsed(&s, 15.0);
            s.step(&r, t, 1.0, &[0.1], &mut d);
        }
        assert_eq!(scaled_side(10, s.scale, 2), 2, "cut to the floor while slow");
        for _ in 0..100 {
            let t = elapsed(&s, 0.0);
            s.step(&r, t, 1.0, &[0.1], &mut d);
        }
        assert_eq!(s.scale, 1.0);
    }

    /// By default a restore under memory pressure weighs the restored ladders without it: 15 s plus 4 s per strike
    /// a side, at scale 0.8 and memory x0.6 (5 a side) the cycle takes 35 s; restored and with the pressure gone
    /// it would take 55 s, over the 51 s SLA, so the scale stays (weighed from the unscaled 8 a side, the
    /// restore would look like 43 s).
    #[test]
    fn by_default_a_restore_under_memory_pressure_weighs_the_full_ladder() {
        let r = rules(false);
        let mut s = Scaler { scale: 0.8, ..Scaler::default() };
        let mut d = [depth(10)];
        for _ in 0..30 {
            let t = 15.0 + 2.0 * 2.0 * f64::from(scaled_side(10, s.scale * 0.6, 2));
            assert_eq!(s.step(&r, t, 0.6, &[2.0], &mut d), None);
        }
        assert_eq!(s.scale, 0.8);
        // Without the pressure the same cycles restore only when the full ladder keeps the SLA: never here.
        for _ in 0..30 {
            let t = 15.0 + 2.0 * 2.0 * f64::from(scaled_side(10, s.scale, 2));
            s.step(&r, t, 1.0, &[2.0], &mut d);
        }
        assert_eq!(s.scale, 0.8);
    }

    /// By default the floor is `min` strikes per side of the deepest index, and a side never goes below it.
    #[test]
    fn by_default_constant_overload_reaches_the_floor() {
        let r = rules(false);
        let (mut s, mut d) = (Scaler::default(), [depth(10)]);
        let mut used = Vec::new();
        for _ in 0..40 {
            used.push(scaled_side(d[0].itm, s.scale, r.min_depth));
            s.step(&r, 1000.0, 1.0, COST, &mut d);
        }
        assert_eq!(used.last(), Some(&2));
        assert_eq!(s.scale, 0.2);
        assert_eq!(scaled_side(1, 0.2, 2), 1, "a side already under the floor stays");
        assert_eq!(scaled_side(10, 0.25, 2), 3, "half away from zero: 2.5 is 3");
    }
}
