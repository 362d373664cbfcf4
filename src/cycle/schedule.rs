//! The schedule: one tick is one collection cycle, its steps in order, on a single thread, with ambiguity
//! detection set to error (two systems touching the same data unordered is a build error).
//!
//! Each phase module registers itself (the plugin idiom): its `plugin` function inserts the phase's resources
//! and puts its systems, in order, into its [`Step`]. This module only says which phases a cycle has
//! ([`PHASES`], [`REPLAY_PHASES`]) and the order of the steps ([`CYCLE`], [`REPLAY_CYCLE`]), which read top
//! to bottom like the cycle itself. A [`Step::Mark`] closes a phase timer of the benchmark artifacts'
//! `phase_times` (names follow the reference's phase timers).
//!
//! The order follows the reference's per-expiry pipeline: instruments are fetched and matched to the
//! ladder first, then clamped (the clamp caps the matched list, as `prefilter.py` does), then quoted.

use super::spawn::WorldSeed;
use super::*;
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{
    Chain, LogLevel, ScheduleBuildError, ScheduleBuildSettings, ScheduleConfigs, ScheduleLabel, SingleThreadedExecutor,
};
use bevy_ecs::system::ScheduleSystem;

/// The label of the collection-cycle schedule.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct CollectionCycle;

/// Where a phase's systems run in the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The phase clock starts.
    Clock,
    /// The cycle number, the simulated time and the active faults.
    Director,
    /// Memory pressure: the tier, the depth scale, Greeks on or off.
    Memory,
    /// The simulated provider: index prices, listed expiries, the raw universe.
    Provider,
    /// A replay's recorded cycle number, time and index prices.
    RecordedCycle,
    /// B1: the universe grouped by (index, expiry).
    ExpiryMap,
    /// Expiry rules to dates, the ATM, the strike ladders.
    Ladder,
    /// Instruments matched to the ladders.
    Fetch,
    /// B6: the prefilter clamp.
    Clamp,
    /// Quotes.
    Quotes,
    /// Preventive validation of the quote rows.
    Validation,
    /// Strike and field coverage.
    Coverage,
    /// A replay's recorded outcomes and coverages.
    RecordedRows,
    /// Implied volatilities and Greeks (when on).
    Greeks,
    /// Status and partial reason.
    Status,
    /// Per-expiry finalisation (`option_match_stats`).
    Finalize,
    /// B5: adaptive depth.
    Adaptive,
    /// The cycle's elapsed time on the simulated clock, and its SLA breach.
    CycleTime,
    /// SLA-breach strike scaling, from the cycle time.
    StrikeScaling,
    /// B2: the cycle summary and its roll-up.
    Summary,
    /// The phase timer named here closes.
    Mark(&'static str),
}

/// The steps of a simulated cycle, in order.
pub const CYCLE: &[Step] = &[
    Step::Clock,
    Step::Director,
    Step::Memory,
    Step::Provider,
    Step::Mark("index_get_data"),
    Step::ExpiryMap,
    Step::Mark("expiry_map"),
    Step::Ladder,
    Step::Mark("resolve_expiry"),
    Step::Fetch,
    Step::Clamp,
    Step::Mark("fetch_instruments"),
    Step::Quotes,
    Step::Mark("enrich_quotes"),
    Step::Validation,
    Step::Mark("preventive_validate"),
    Step::Coverage,
    Step::Mark("coverage_metrics"),
    Step::Greeks,
    Step::Mark("greeks_compute"),
    Step::Status,
    Step::Finalize,
    Step::Mark("status_finalize"),
    Step::Adaptive,
    Step::Mark("adaptive_adjust"),
    Step::CycleTime,
    Step::StrikeScaling,
    Step::Summary,
    Step::Mark("cycle_summary"),
];

/// The steps of a replayed cycle: the recorded front steps in place of the director, provider, expiry map,
/// fetch, clamp, quote, validation and coverage steps; no Greeks and no per-expiry finalisation (its
/// `option_match_stats` count matched instrument legs, which a history does not record).
pub const REPLAY_CYCLE: &[Step] = &[
    Step::Clock,
    Step::RecordedCycle,
    Step::Memory,
    Step::Mark("index_get_data"),
    Step::Ladder,
    Step::Mark("resolve_expiry"),
    Step::RecordedRows,
    Step::Mark("coverage_metrics"),
    Step::Status,
    Step::Mark("status_finalize"),
    Step::Adaptive,
    Step::Mark("adaptive_adjust"),
    Step::CycleTime,
    Step::StrikeScaling,
    Step::Summary,
    Step::Mark("cycle_summary"),
];

/// A phase registering itself: its resources into the world, its systems into their steps.
pub type Plugin = fn(&mut CycleBuilder<'_, '_>);

/// The phases of a simulated cycle.
pub const PHASES: &[Plugin] = &[
    timing::plugin,
    director::plugin,
    memory::plugin,
    provider::plugin,
    expiry_map::plugin,
    ladder::plugin,
    instruments::plugin,
    prefilter::plugin,
    quotes::plugin,
    validation::plugin,
    coverage::plugin,
    greeks::plugin,
    status::plugin,
    summary::plugin,
    adaptive::plugin,
    cycle_time::plugin,
    scaling::plugin,
];

/// The phases of a replayed cycle (the world holds a recorded history).
pub const REPLAY_PHASES: &[Plugin] = &[
    timing::plugin,
    recorded::plugin,
    memory::plugin,
    ladder::plugin,
    status::plugin,
    summary::plugin,
    adaptive::plugin,
    cycle_time::plugin,
    scaling::plugin,
];

/// What a phase registers itself with: the world, the schedule, what the world is built from, and the steps
/// this cycle has (a phase adds systems only to those).
pub struct CycleBuilder<'w, 's> {
    pub world: &'w mut World,
    pub seed: &'w WorldSeed<'s>,
    steps: &'static [Step],
    /// Per step of `steps`, the systems added to it, in the order they were added.
    systems: Vec<Vec<ScheduleConfigs<ScheduleSystem>>>,
}

impl CycleBuilder<'_, '_> {
    /// Whether this cycle has `step`.
    pub fn has(&self, step: Step) -> bool {
        self.steps.contains(&step)
    }

    /// Adds `systems` to `step`, after what the step already holds. A step this cycle does not have is a bug
    /// of the phase: it panics.
    pub fn add<M>(&mut self, step: Step, systems: impl IntoScheduleConfigs<ScheduleSystem, M>) {
        let Some(at) = self.steps.iter().position(|s| *s == step) else {
            panic!("{step:?} is no step of this cycle");
        };
        self.systems[at].push(systems.into_configs());
    }

    /// The step marks of this cycle, in order.
    pub fn marks(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.steps.iter().filter_map(|s| match s {
            Step::Mark(name) => Some(*name),
            _ => None,
        })
    }
}

/// Builds the cycle schedule of the world `seed` describes (a replay's when it holds a recorded history):
/// every phase registers itself, the steps are chained, and the schedule is checked against the world.
pub fn build(world: &mut World, seed: &WorldSeed<'_>) -> Result<Schedule, ScheduleBuildError> {
    let replay = seed.scenario.recorded.is_some();
    let (phases, steps) = if replay { (REPLAY_PHASES, REPLAY_CYCLE) } else { (PHASES, CYCLE) };
    let mut builder = CycleBuilder { world, seed, steps, systems: steps.iter().map(|_| Vec::new()).collect() };
    for plugin in phases {
        plugin(&mut builder);
    }
    let CycleBuilder { world, systems, .. } = builder;
    // One chain, step after step: every system ordered, as the single-threaded cycle runs them.
    let configs = systems.into_iter().flatten().collect();
    let cycle = ScheduleConfigs::Configs { configs, collective_conditions: Vec::new(), metadata: Chain::Unchained };
    let mut schedule = Schedule::new(CollectionCycle);
    schedule.set_executor(SingleThreadedExecutor::default());
    schedule.set_build_settings(ScheduleBuildSettings { ambiguity_detection: LogLevel::Error, ..Default::default() });
    schedule.add_systems(cycle.chain());
    schedule.initialize(world)?;
    Ok(schedule)
}
