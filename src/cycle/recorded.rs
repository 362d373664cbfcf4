//! The replay's front phases: instead of the simulated provider, each cycle takes what a recorded history
//! says the collector saw (`g6sim replay`). They set the same components the provider,
//! fetch, quote and coverage phases set (the cycle number and time, the reported index price, each expiry's
//! outcome and coverages), so the back phases run unchanged: ladder, status and partial reason, adaptive
//! depth, summary.
//!
//! - The cycle number and time are the recorded ones; so is the cycle's elapsed time when the history
//!   recorded it ([`RecordedHistory::cycle_time_s`], which the cycle-time phase reads).
//! - The index price is the recorded one; without one the provider reported none, and the ladder phase's
//!   synthetic strategy supplies it (as the collector does), flagged `synthetic_price`.
//! - An expiry with a recorded strike coverage succeeded: its coverages and options count are the recorded
//!   ones, its instruments count its options (a history records no separate instrument count), its strikes
//!   requested the ladder's strikes. An expiry without a recorded strike coverage, or without a row this
//!   cycle, failed (no instruments): EMPTY, and no evidence for the adaptive step.

use super::schedule::{CycleBuilder, Step};
use crate::schema::{RecordedCycle, RecordedExpiry};
use crate::vocab::Failure;
use crate::world::{
    CycleCounter, Expiry, ExpiryDate, ExpiryOrder, ExpiryOutcome, FieldCoverage, IndexOrder, ReportedIndex, SimClock,
    StrikeCoverage, StrikeLadder,
};
use crate::{calendar::ExpiryRule, cycle::ladder::atm_strike, world::IndexInfo};
use bevy_ecs::prelude::*;
use std::sync::Arc;

/// The history a replay world runs, and how far it got.
#[derive(Resource, Clone, Debug, Default)]
pub struct RecordedHistory {
    pub cycles: Arc<[RecordedCycle]>,
    /// The cycle being replayed (an index into `cycles`), `None` before the first tick.
    pub current: Option<usize>,
}

impl RecordedHistory {
    pub fn new(cycles: Arc<[RecordedCycle]>) -> Self {
        Self { cycles, current: None }
    }
    /// The recorded cycle being replayed.
    pub fn this_cycle(&self) -> Option<&RecordedCycle> {
        self.cycles.get(self.current?)
    }
    /// The seconds the cycle being replayed took, when the history recorded them: the cycle-time phase's
    /// elapsed time in place of the cost model's.
    pub fn cycle_time_s(&self) -> Option<f64> {
        self.this_cycle()?.cycle_time_s
    }
}

/// An expiry's outcome and coverages from its recorded row (`None`: no row this cycle), with the ladder's
/// strike count as the strikes requested.
pub fn outcome_of(row: Option<&RecordedExpiry>, strikes_requested: u32) -> (ExpiryOutcome, Option<f64>, Option<f64>) {
    match row {
        Some(r) if r.strike_coverage.is_some() => (
            ExpiryOutcome {
                strikes_requested,
                instruments: r.options,
                options: r.options,
                failure: None,
                synthetic: r.synthetic,
            },
            r.strike_coverage,
            r.field_coverage,
        ),
        _ => (
            ExpiryOutcome { strikes_requested, failure: Some(Failure::NoInstruments), ..Default::default() },
            None,
            None,
        ),
    }
}

/// Moves to the next recorded cycle: its number and its time.
pub fn begin_recorded_cycle(
    mut history: ResMut<RecordedHistory>,
    mut counter: ResMut<CycleCounter>,
    mut clock: ResMut<SimClock>,
) {
    let next = history.current.map_or(0, |c| c + 1);
    history.current = Some(next);
    if let Some(cycle) = history.this_cycle() {
        counter.0 = cycle.cycle;
        clock.now = cycle.time;
    }
}

/// What the provider reported for each index: the recorded price, or nothing.
pub fn report_recorded_index(
    history: Res<RecordedHistory>,
    mut indices: Query<(&IndexOrder, &IndexInfo, &mut ReportedIndex)>,
) {
    let cycle = history.this_cycle();
    for (order, info, mut reported) in &mut indices {
        *reported = match cycle.and_then(|c| c.prices.get(&order.0)) {
            Some(&price) => ReportedIndex { price, atm: atm_strike(price, info.meta.step) },
            None => ReportedIndex::default(),
        };
    }
}

/// Sets each expiry's outcome and coverages from this cycle's row.
pub fn apply_recorded_rows(
    history: Res<RecordedHistory>,
    ladders: Query<&StrikeLadder>,
    mut expiries: Query<(
        &Expiry,
        &ExpiryOrder,
        &mut ExpiryDate,
        &mut ExpiryOutcome,
        &mut StrikeCoverage,
        &mut FieldCoverage,
    )>,
) {
    let cycle = history.this_cycle();
    for (expiry, order, mut date, mut outcome, mut strike, mut field) in &mut expiries {
        let row = cycle.and_then(|c| c.expiries.get(&(order.0, order.1)));
        let strikes = ladders.get(expiry.index).map_or(0, |l| l.strikes.len() as u32);
        (*outcome, strike.0, field.0) = outcome_of(row, strikes);
        date.0 = if let ExpiryRule::Date(d) = expiry.rule { Some(d) } else { None };
    }
}

/// Registers a replay's front phases: the recorded history, then each cycle's number, time and prices,
/// and after the ladders the recorded outcomes and coverages.
pub fn plugin(cycle: &mut CycleBuilder) {
    let cycles = cycle.seed.scenario.recorded.clone().unwrap_or_default();
    cycle.world.insert_resource(RecordedHistory::new(cycles));
    cycle.add(Step::RecordedCycle, (begin_recorded_cycle, report_recorded_index).chain());
    cycle.add(Step::RecordedRows, apply_recorded_rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_with_coverage_succeeds_and_anything_else_fails() {
        let row =
            RecordedExpiry { strike_coverage: Some(0.8), field_coverage: Some(0.9), options: 34, synthetic: false };
        let (outcome, s, f) = outcome_of(Some(&row), 21);
        assert_eq!(
            (outcome.failure, outcome.options, outcome.instruments, outcome.strikes_requested),
            (None, 34, 34, 21)
        );
        assert_eq!((s, f), (Some(0.8), Some(0.9)));
        let unmeasured = RecordedExpiry { strike_coverage: None, ..row };
        for failed in [outcome_of(Some(&unmeasured), 21), outcome_of(None, 21)] {
            assert_eq!(
                (failed.0.failure, failed.0.options, failed.1, failed.2),
                (Some(Failure::NoInstruments), 0, None, None)
            );
        }
        let synth = RecordedExpiry { synthetic: true, ..row };
        assert!(outcome_of(Some(&synth), 21).0.synthetic);
    }
}
