//! The schedule: one tick is one collection cycle, its phases in order, on a single thread, with
//! ambiguity detection set to error (two systems touching the same data unordered is a build error).
//!
//! `timing::phase_done` marks close each phase for the benchmark artifacts' `phase_times` (names follow the
//! reference's phase timers where one exists).
//!
//! The order follows the reference's per-expiry pipeline: instruments are fetched and matched to the
//! ladder first, then clamped (the clamp caps the matched list, as `prefilter.py` does), then quoted.

use super::*;
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{LogLevel, ScheduleBuildError, ScheduleBuildSettings, ScheduleLabel, SingleThreadedExecutor};

/// The label of the collection-cycle schedule.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct CollectionCycle;

fn new_schedule() -> Schedule {
    let mut schedule = Schedule::new(CollectionCycle);
    schedule.set_executor(SingleThreadedExecutor::default());
    schedule.set_build_settings(ScheduleBuildSettings { ambiguity_detection: LogLevel::Error, ..Default::default() });
    schedule
}

/// Builds the cycle schedule and checks it against the world.
pub fn build(world: &mut World) -> Result<Schedule, ScheduleBuildError> {
    let mut schedule = new_schedule();
    schedule.add_systems(
        (
            timing::start_cycle_clock,
            // 1-2. the scenario director, then the simulated provider
            (director::begin_cycle, director::activate_faults, provider::move_market, provider::report_index).chain(),
            (provider::list_expiries, provider::publish_universe, timing::phase_done("index_get_data")).chain(),
            // 3. B1 expiry map
            (expiry_map::build_expiry_map, timing::phase_done("expiry_map")).chain(),
            // 4. expiry rules and strike ladders
            (ladder::resolve_expiries, ladder::build_ladders, timing::phase_done("resolve_expiry")).chain(),
            // 5-6. fetch and B6 clamp, then quotes
            (instruments::fetch_instruments, prefilter::apply_prefilter_clamp, timing::phase_done("fetch_instruments"))
                .chain(),
            (quotes::fetch_quotes, timing::phase_done("enrich_quotes")).chain(),
            (validation::validate_quotes, timing::phase_done("preventive_validate")).chain(),
            // 7. coverage, then implied volatility and Greeks (when on)
            (coverage::measure_coverage, timing::phase_done("coverage_metrics")).chain(),
            (greeks::estimate_iv_and_greeks, timing::phase_done("greeks_compute")).chain(),
            // 8. status, partial reason, finalize
            (status::classify_expiries, summary::finalize_expiries, timing::phase_done("status_finalize")).chain(),
            // 9. adaptive depth (expansion, then contraction)
            (adaptive::adapt_strike_depth, timing::phase_done("adaptive_adjust")).chain(),
            // 10. the cycle's summary and rollup
            (summary::summarize_cycle, timing::phase_done("cycle_summary")).chain(),
        )
            .chain(),
    );
    schedule.initialize(world)?;
    Ok(schedule)
}

/// Builds a replay's cycle schedule: the recorded front phases ([`recorded`]) in place of the director,
/// provider, fetch, quote and coverage phases, then the same ladder, status, adaptive and summary systems as
/// [`build`]. `finalize_expiries` is left out: its `option_match_stats` count matched instrument legs, which
/// a history does not record. The world must hold a [`recorded::RecordedHistory`].
pub fn build_replay(world: &mut World) -> Result<Schedule, ScheduleBuildError> {
    let mut schedule = new_schedule();
    schedule.add_systems(
        (
            timing::start_cycle_clock,
            // 1-2. the recorded cycle and index prices
            (recorded::begin_recorded_cycle, recorded::report_recorded_index, timing::phase_done("index_get_data"))
                .chain(),
            // 4. strike ladders from the depth the replay has reached
            (ladder::build_ladders, timing::phase_done("resolve_expiry")).chain(),
            // 5-7. what the collector fetched and measured, as recorded
            (recorded::apply_recorded_rows, timing::phase_done("coverage_metrics")).chain(),
            // 8. status, partial reason
            (status::classify_expiries, timing::phase_done("status_finalize")).chain(),
            // 9. adaptive depth (expansion, then contraction)
            (adaptive::adapt_strike_depth, timing::phase_done("adaptive_adjust")).chain(),
            // 10. the cycle's summary and rollup
            (summary::summarize_cycle, timing::phase_done("cycle_summary")).chain(),
        )
            .chain(),
    );
    schedule.initialize(world)?;
    Ok(schedule)
}
