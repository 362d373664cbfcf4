//! Phase 4: resolve each index's expiry rules to dates, and build the strike ladder from the ATM, the
//! registry step and the current depth (`strikes.py::build_strikes`).
//!
//! Ladder = `{atm - i x step : i = 1..itm} ∪ {atm} ∪ {atm + i x step : i = 1..otm}`, ascending. The ATM is
//! `round(price / step) x step` with half-to-even rounding (24825 / 50 = 496.5 -> 24800). Parity g6 keeps
//! the reference's floor of 2 strikes per side whatever the configured depth.

use super::memory::Memory;
use super::scaling::{Scaler, scaled_side};
use super::schedule::{CycleBuilder, Step};
use crate::config::Config;
use crate::events::{AdaptiveSummary, Event, SyntheticIndexPrice};
use crate::registry::IndexMeta;
use crate::schema::MAX_STRIKES_PER_SIDE;
use crate::synthetic::synthesize_index_price;
use crate::world::{
    AdaptiveState, CycleCounter, EventLog, Expiry, ExpiryDate, IndexInfo, IndexOrder, ListedExpiries, ReportedIndex,
    SimClock, StrikeDepth, StrikeLadder,
};
use bevy_ecs::prelude::*;

/// `round(price / step) x step`, ties to even; 0 when either is not positive.
pub fn atm_strike(price: f64, step: f64) -> f64 {
    if price > 0.0 && step > 0.0 { (price / step).round_ties_even() * step } else { 0.0 }
}

/// The requested strikes, ascending; empty when the ATM is not positive.
#[cfg(test)]
pub fn build_ladder(atm: f64, step: f64, itm: u32, otm: u32) -> Vec<f64> {
    let mut strikes = Vec::new();
    build_ladder_into(&mut strikes, atm, step, itm, otm);
    strikes
}

/// `build_ladder` into a reused buffer.
pub fn build_ladder_into(strikes: &mut Vec<f64>, atm: f64, step: f64, itm: u32, otm: u32) {
    strikes.clear();
    if atm <= 0.0 || step <= 0.0 {
        return;
    }
    strikes.extend(
        (1..=itm)
            .rev()
            .map(|i| atm - f64::from(i) * step)
            .chain(std::iter::once(atm))
            .chain((1..=otm).map(|i| atm + f64::from(i) * step)),
    );
    strikes.dedup();
}

/// The distinct positive strikes among `strikes`, ascending, into a reused buffer (equal to collecting,
/// sorting and deduplicating them). An expiry's instruments sit on a few dozen ladder strikes, so each new
/// strike is inserted in place, and a run of equal strikes costs one comparison a row.
pub fn distinct_strikes_into(v: &mut Vec<f64>, strikes: impl IntoIterator<Item = f64>) {
    v.clear();
    let mut last = f64::NAN;
    for s in strikes {
        if s == last || s.is_nan() || s <= 0.0 {
            continue;
        }
        last = s;
        // Rows mostly arrive in ascending strike order: a strike above every one so far is appended.
        if v.last().is_none_or(|l| l.total_cmp(&s).is_lt()) {
            v.push(s);
        } else if let Err(at) = v.binary_search_by(|x| x.total_cmp(&s)) {
            v.insert(at, s);
        }
    }
}

/// Strikes per side the ladder is built with: the depth, or at least 2 in parity g6 (the reference's
/// `max(2, int(depth x depth_scale))`); never more than [`MAX_STRIKES_PER_SIDE`], whatever a configured
/// cap lets the depth grow to.
pub fn ladder_depth(depth: u32, parity_g6: bool) -> u32 {
    let depth = depth.min(MAX_STRIKES_PER_SIDE);
    if parity_g6 { depth.max(2) } else { depth }
}

/// The scales a ladder is built at this cycle: strike scaling's and memory pressure's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LadderScales {
    /// Strike scaling's factor (parity g6's scaling writes the depth itself instead).
    pub strike: f64,
    /// Memory pressure's depth scale.
    pub memory: f64,
    /// Strikes per side the default's scaling never goes below (`strike_scaling_min`).
    pub min_depth: u32,
}

/// Strikes per side of an index's ladder this cycle, from its depth ([`ladder_depth`]): parity g6 truncates
/// the memory scale's product and keeps 2 a side ([`crate::memory::parity_side`]); the default scales by both
/// factors at once, half away from zero, not below `min_depth` ([`scaled_side`]).
pub fn ladder_sides(depth: &StrikeDepth, parity_g6: bool, scales: LadderScales) -> (u32, u32) {
    let side = |d: u32| {
        let d = ladder_depth(d, parity_g6);
        if parity_g6 {
            crate::memory::parity_side(d, scales.memory)
        } else {
            scaled_side(d, scales.strike * scales.memory, scales.min_depth)
        }
    };
    (side(depth.itm), side(depth.otm))
}

/// One index's ladder for this cycle: the provider's ATM, else one from its price, then the synthetic
/// strategy (the reference's order); `sides` strikes on each side ([`ladder_sides`], `build_ladder`).
pub fn fill_ladder(ladder: &mut StrikeLadder, meta: &IndexMeta, reported: &ReportedIndex, (itm, otm): (u32, u32)) {
    let step = meta.step;
    let atm = if reported.atm > 0.0 { reported.atm } else { atm_strike(reported.price, step) };
    let (price, atm, synthetic) = synthesize_index_price(meta, reported.price, atm);
    ladder.price = price;
    ladder.synthetic = synthetic;
    ladder.atm = atm;
    ladder.step = step;
    build_ladder_into(&mut ladder.strikes, atm, step, itm, otm);
}

/// Resolves every expiry rule against its index's listed expiries.
pub fn resolve_expiries(
    clock: Res<SimClock>,
    indices: Query<&ListedExpiries>,
    mut expiries: Query<(&Expiry, &mut ExpiryDate)>,
) {
    let today = clock.today();
    for (expiry, mut date) in &mut expiries {
        let listed = indices.get(expiry.index).map(|l| l.0.as_slice()).unwrap_or_default();
        date.0 = expiry.rule.resolve(today, listed);
    }
}

/// The depth `symbol` goes into its expiries with, and what the mode reports with it: in parity g6 the
/// reference's keys (the baseline, the streak and the flags only once its first adaptive step has made its
/// state), by default the depth, the baseline and the streak.
pub fn adaptive_summary(symbol: &str, depth: &StrikeDepth, state: &AdaptiveState, parity_g6: bool) -> AdaptiveSummary {
    let stated = !parity_g6 || state.baseline_snapshot_taken;
    let flags = parity_g6 && state.baseline_snapshot_taken;
    AdaptiveSummary {
        index: symbol.to_string(),
        strikes_itm: depth.itm,
        strikes_otm: depth.otm,
        baseline_itm: stated.then_some(depth.baseline_itm),
        baseline_otm: stated.then_some(depth.baseline_otm),
        healthy_streak: stated.then_some(state.healthy_streak),
        had_low_cov: flags.then_some(state.had_low_cov),
        had_expansion: flags.then_some(state.had_expansion),
    }
}

/// Builds each index's ladder for this cycle and reports the depth going into it (`adaptive_summary`).
pub fn build_ladders(
    config: Res<Config>,
    counter: Res<CycleCounter>,
    clock: Res<SimClock>,
    scaler: Res<Scaler>,
    memory: Res<Memory>,
    mut indices: Query<(&IndexOrder, &IndexInfo, &ReportedIndex, &StrikeDepth, &AdaptiveState, &mut StrikeLadder)>,
    mut log: ResMut<EventLog>,
) {
    let parity = config.parity.is_g6();
    for (_, info, reported, depth, state, mut ladder) in indices.iter_mut().sort::<&IndexOrder>() {
        let scales =
            LadderScales { strike: scaler.scale, memory: memory.depth_scale(), min_depth: config.strike_scaling_min };
        let sides = ladder_sides(depth, parity, scales);
        fill_ladder(&mut ladder, &info.meta, reported, sides);
        if ladder.synthetic {
            let (atm, price) = (ladder.atm, ladder.price);
            let event =
                SyntheticIndexPrice { atm, index: info.meta.symbol.clone(), price, strategy: true, ts: clock.unix() };
            log.push(counter.0, Event::SyntheticIndexPrice(event));
        }
        log.push(counter.0, Event::AdaptiveSummary(adaptive_summary(&info.meta.symbol, depth, state, parity)));
    }
}

/// Registers the ladder phase: expiry rules to dates (a replay's dates are recorded), then the ladders.
pub fn plugin(cycle: &mut CycleBuilder) {
    if cycle.has(Step::RecordedCycle) {
        cycle.add(Step::Ladder, build_ladders);
    } else {
        cycle.add(Step::Ladder, (resolve_expiries, build_ladders).chain());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_ladder_cases() {
        assert_eq!(build_ladder(20000.0, 50.0, 2, 2), vec![19900.0, 19950.0, 20000.0, 20050.0, 20100.0]);
        assert_eq!(build_ladder(54000.0, 100.0, 1, 1), vec![53900.0, 54000.0, 54100.0]);
        assert_eq!(build_ladder(20000.0, 50.0, 0, 0), vec![20000.0]);
        assert!(build_ladder(0.0, 50.0, 2, 2).is_empty());
        assert_eq!(build_ladder(20000.0, 25.0, 1, 1), vec![19975.0, 20000.0, 20025.0]);
        assert_eq!(build_ladder(20000.0, 50.0, 3, 1).len(), 5);
    }

    #[test]
    fn atm_rounds_half_to_even() {
        assert_eq!(atm_strike(24825.0, 50.0), 24800.0);
        assert_eq!(atm_strike(24875.0, 50.0), 24900.0);
        assert_eq!(atm_strike(24830.0, 50.0), 24850.0);
        assert_eq!(atm_strike(54049.0, 100.0), 54000.0);
        assert_eq!(atm_strike(0.0, 50.0), 0.0);
    }

    #[test]
    fn parity_keeps_two_per_side() {
        assert_eq!(ladder_depth(1, true), 2);
        assert_eq!(ladder_depth(0, true), 2);
        assert_eq!(ladder_depth(1, false), 1);
        assert_eq!(ladder_depth(10, true), 10);
        assert_eq!(ladder_depth(u32::MAX, false), MAX_STRIKES_PER_SIDE);
    }

    #[test]
    fn distinct_strikes_equal_sort_and_dedup() {
        let mut stream = crate::rng::Stream::new(3, "strikes", "", 0, "");
        let mut v = Vec::new();
        for _ in 0..300 {
            let n = stream.below(200) as usize;
            let strikes: Vec<f64> =
                (0..n).map(|_| (stream.below(60) as f64 - 5.0) * 50.0 + [0.0, 0.5][stream.below(2) as usize]).collect();
            let mut expected: Vec<f64> = strikes.iter().copied().filter(|s| *s > 0.0).collect();
            expected.sort_unstable_by(f64::total_cmp);
            expected.dedup();
            distinct_strikes_into(&mut v, strikes.iter().copied());
            assert_eq!(v, expected);
        }
        distinct_strikes_into(&mut v, [f64::NAN, 0.0, -1.0, 2.0, 2.0, 1.0]);
        assert_eq!(v, vec![1.0, 2.0]);
    }
}
