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

/// Builds the cycle schedule and checks it against the world.
pub fn build(world: &mut World) -> Result<Schedule, ScheduleBuildError> {
    let mut schedule = Schedule::new(CollectionCycle);
    schedule.set_executor(SingleThreadedExecutor::default());
    schedule.set_build_settings(ScheduleBuildSettings { ambiguity_detection: LogLevel::Error, ..Default::default() });
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
