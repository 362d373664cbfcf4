//! # g6sim
//!
//! A deterministic, data-oriented simulation of the G6 options-chain collector pipeline. Every tick of an
//! ECS schedule is one collection cycle: resolve expiries, build strike ladders, fetch and clamp
//! instruments, quote them, measure coverage, classify each expiry OK / PARTIAL / EMPTY with a partial
//! reason, and adapt strike depth with hysteresis. Scenarios are RON files with scripted market paths,
//! provider faults and expectations.
//!
//! ```no_run
//! use g6sim::{run_scenario, RunOptions, scenario::load_file};
//! let loaded = load_file("scenarios/healthy_baseline.ron".as_ref()).unwrap();
//! let run = run_scenario(&loaded, &RunOptions::default()).unwrap();
//! assert!(run.passed());
//! ```
//!
//! A recorded history (JSONL, CSV, or a directory of B7 artifacts) replays through the same status and
//! adaptive systems instead of the simulated provider: [`replay`].
//!
//! The same scenario, seed and configuration always give the same bytes: no wall clock, no hash-order
//! iteration, a single-threaded schedule, and random streams derived from (seed, index, expiry, cycle).

// ECS systems declare their data as parameters and queries: long parameter lists and nested query
// types are the idiom (as in bevy's own crates), not a smell.
#![allow(clippy::too_many_arguments, clippy::type_complexity)]
// A scenario error carries the file, position, path, message and hint of every problem found: errors are the
// cold path, and boxing them would only add noise at every `?`.
#![allow(clippy::result_large_err)]

pub mod bench;
pub mod calendar;
pub mod canary;
pub mod config;
pub mod cycle;
pub mod events;
pub mod gzip;
pub mod output;
pub mod plot;
pub mod pricing;
pub mod registry;
pub mod replay;
pub mod rng;
pub mod scenario;
pub mod suggest;
pub mod sweep;
pub mod synthetic;
pub mod universe;
pub mod world;

use bevy_ecs::prelude::*;
use config::{Applied, Config, Parity};
use events::CycleSummary;
use events::LoggedEvent;
use scenario::{ExpectationOutcome, LoadedScenario, Scenario};
use std::collections::BTreeMap;
use std::fmt;

/// How to run a scenario: command-line overrides and the environment read at start-up.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub seed: Option<u64>,
    pub cycles: Option<u64>,
    pub parity: Option<Parity>,
    /// `key=value` pairs (`--set`).
    pub sets: Vec<String>,
    /// `G6_*` variables (see [`config::g6_env`]).
    pub env: BTreeMap<String, String>,
    /// An instruments dump to take the universe from (`--universe`), replacing the scenario's `universe`.
    pub universe: Option<std::sync::Arc<universe::DumpFile>>,
}

/// Why a run could not start.
#[derive(Debug)]
pub enum Error {
    Scenario(scenario::ScenarioError),
    Set(config::SetError),
    /// Options that cannot run (for example cycles beyond the calendar).
    Input(String),
    Schedule(String),
    Output(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Scenario(e) => write!(f, "{e}"),
            Error::Set(e) => write!(f, "{e}"),
            Error::Input(e) => write!(f, "{e}"),
            Error::Schedule(e) => write!(f, "the cycle schedule does not build: {e}"),
            Error::Output(e) => write!(f, "cannot write the outputs: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// A world and its cycle schedule.
pub struct Simulation {
    world: World,
    schedule: Schedule,
}

impl Simulation {
    /// Builds the world for a scenario with a resolved configuration and seed.
    pub fn new(scenario: &Scenario, config: Config, seed: u64) -> Result<Self, Error> {
        Self::with_spawn_order(scenario, config, seed, world::SpawnOrder::Forward)
    }

    /// As [`Simulation::new`], spawning entities in `spawn_order` (the determinism canary runs both).
    pub fn with_spawn_order(
        scenario: &Scenario,
        config: Config,
        seed: u64,
        spawn_order: world::SpawnOrder,
    ) -> Result<Self, Error> {
        Self::from_seed(world::WorldSeed { scenario, config, seed, spawn_order, universe: None })
    }

    /// Builds the world a [`world::WorldSeed`] describes (with an instruments dump, its universe; with a
    /// recorded history, the replay schedule).
    pub fn from_seed(seed: world::WorldSeed<'_>) -> Result<Self, Error> {
        let replay = seed.scenario.recorded.is_some();
        let mut world = world::build_world(seed);
        let schedule =
            if replay { cycle::schedule::build_replay(&mut world) } else { cycle::schedule::build(&mut world) };
        let schedule = schedule.map_err(|e| Error::Schedule(format!("{e:?}")))?;
        Ok(Self { world, schedule })
    }

    /// Runs one collection cycle.
    pub fn tick(&mut self) {
        self.schedule.run(&mut self.world);
        // The world's per-frame bookkeeping (an `App` does this every update): without it bevy keeps every
        // despawned instrument's removed-component record, and memory grows with the run's length.
        self.world.clear_trackers();
    }

    /// The world, for inspection.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The world, for inspection with queries.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Runs `cycles` cycles and hands back what they produced.
    pub fn run(mut self, cycles: u64) -> RunResult {
        for _ in 0..cycles {
            self.tick();
        }
        self.finish()
    }

    /// Hands back what the cycles run so far produced.
    pub fn finish(mut self) -> RunResult {
        let events = std::mem::take(&mut self.world.resource_mut::<world::EventLog>().events);
        let cycles = std::mem::take(&mut self.world.resource_mut::<world::CycleLog>().cycles);
        RunResult { cycles, events }
    }
}

/// What a run produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunResult {
    pub cycles: Vec<CycleSummary>,
    pub events: Vec<LoggedEvent>,
}

/// A finished run: what was run, what it produced, and the expectation verdicts.
#[derive(Clone, Debug)]
pub struct Run {
    pub prepared: Prepared,
    pub result: RunResult,
    pub outcomes: Vec<ExpectationOutcome>,
}

impl Run {
    /// Every expectation held (vacuously so when there is none: see [`Self::verdict`]).
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }

    /// The verdict of the run's expectations (`EMPTY` when there is none).
    pub fn verdict(&self) -> scenario::Verdict {
        scenario::Verdict::of(&self.outcomes)
    }
}

/// A scenario ready to run: configuration resolved (scenario < environment < `--set`), seed and cycle
/// count fixed, the calendar checked, the instruments dump (if any) chosen (`--universe` < the scenario's).
#[derive(Clone, Debug)]
pub struct Prepared {
    pub scenario: LoadedScenario,
    pub config: Config,
    pub applied: Vec<Applied>,
    pub warnings: Vec<String>,
    pub seed: u64,
    pub cycles: u64,
    /// The dump the universe comes from, as this scenario uses it (`None`: the synthetic provider).
    pub universe: Option<universe::UniverseUse>,
}

/// What an observer sees after each cycle.
pub struct CycleView<'a> {
    pub summary: &'a CycleSummary,
    /// The events this cycle emitted.
    pub events: &'a [LoggedEvent],
    /// Wall-clock phase timings of this cycle (not deterministic; benchmark artifacts only).
    pub phase_times: &'a cycle::timing::PhaseTimes,
}

/// Loads a scenario file for a run with `options`: its `universe` file too, unless the run brings its own
/// (`--universe`), which replaces it unread.
pub fn load_scenario(path: &std::path::Path, options: &RunOptions) -> Result<LoadedScenario, scenario::ScenarioError> {
    if options.universe.is_some() { scenario::load_file_without_universe(path) } else { scenario::load_file(path) }
}

/// Resolves everything a run needs before it starts.
pub fn prepare(loaded: &LoadedScenario, options: &RunOptions) -> Result<Prepared, Error> {
    let scenario = &loaded.scenario;
    let mut base = scenario.config.clone();
    base.parity = options.parity.unwrap_or(scenario.parity);
    let (config, applied) = config::resolve(base, &options.env, &options.sets).map_err(Error::Set)?;
    let mut warnings = Vec::new();
    check_overrides(scenario, &config, &applied, &mut warnings)?;
    let seed = options.seed.unwrap_or(scenario.seed);
    if options.cycles == Some(0) {
        return Err(Error::Input("--cycles 0: a run has at least one cycle".into()));
    }
    let cycles = options.cycles.unwrap_or(scenario.cycles.get());
    if cycles > MAX_CYCLES {
        return Err(Error::Input(format!(
            "{cycles} cycles: at most {MAX_CYCLES} in one run (a year of one-minute cycles is about 525,600; a run \
             writes some kilobytes a cycle)\n  hint: a shorter run, or several runs"
        )));
    }
    if let Some(recorded) = scenario.recorded.as_ref().filter(|r| cycles > r.len() as u64) {
        return Err(Error::Input(format!(
            "--cycles {cycles}: the history records {} cycles; a replay runs at most those",
            recorded.len()
        )));
    }
    // Every cycle needs a date, with a century to spare for the expiries listed after it.
    let clock = world::SimClock::new(scenario.start, scenario.interval_s.get());
    let spare = chrono::TimeDelta::days(100 * 366);
    if clock.time_of(cycles).and_then(|t| t.checked_add_signed(spare)).is_none() {
        return Err(Error::Input(format!(
            "{} cycles of {} s from {} run past the end of the calendar: use fewer cycles or a shorter interval",
            cycles, scenario.interval_s, scenario.start
        )));
    }
    if scenario.recorded.is_some() && options.universe.is_some() {
        return Err(Error::Input(
            "--universe applies to a scenario: a history replays recorded coverage, not a universe".into(),
        ));
    }
    let source = options.universe.clone().or_else(|| loaded.universe.clone());
    if let (None, Some(name)) = (&source, &scenario.universe) {
        return Err(Error::Input(format!(
            "{}: the universe `{name}` was not read: load the scenario with scenario::load_file",
            loaded.file
        )));
    }
    let universe = source.map(|s| universe::UniverseUse::new(s, scenario));
    warnings.extend(universe.iter().flat_map(universe::UniverseUse::warnings));
    Ok(Prepared { scenario: loaded.clone(), config, applied, warnings, seed, cycles, universe })
}

/// What the environment and `--set` applied must still make sense for this scenario: a strike step names
/// one of its indices (a `--set` naming another is an error, a variable a warning), and no baseline is
/// above an expansion cap.
fn check_overrides(
    scenario: &Scenario,
    config: &Config,
    applied: &[Applied],
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let declared: Vec<&str> = scenario.indices.iter().map(|i| i.symbol.as_str()).collect();
    for a in applied {
        let Some(symbol) = a.key.strip_prefix("strike_step.") else { continue };
        if declared.iter().any(|d| d.eq_ignore_ascii_case(symbol)) {
            continue;
        }
        let what = format!(
            "strike_step.{symbol} names no index of this scenario{}; its indices: {}",
            suggest::did_you_mean(symbol, declared.iter().copied()),
            declared.join(", ")
        );
        match &a.env {
            Some(var) => warnings.push(format!("{var}: {what}")),
            None => return Err(Error::Set(config::SetError(format!("--set {}={}: {what}", a.key, a.value)))),
        }
    }
    for spec in &scenario.indices {
        let baseline = spec.baseline.unwrap_or(spec.depth);
        for (side, value, cap) in
            [("itm", baseline.itm, config.depth_max_itm), ("otm", baseline.otm, config.depth_max_otm)]
        {
            if let Some(cap) = cap.filter(|cap| value > *cap) {
                let source = applied.iter().rev().find(|a| a.key == format!("depth_max_{side}"));
                let from = source.map_or("the scenario".to_string(), |a| match &a.env {
                    Some(var) => format!("{var}={}", a.value),
                    None => format!("--set {}={}", a.key, a.value),
                });
                return Err(Error::Input(format!(
                    "{from}: the expansion cap depth_max_{side} = {cap} is below {}'s baseline {value}: \
                     contraction could never reach the baseline; use a cap of at least {value}",
                    spec.symbol
                )));
            }
        }
    }
    Ok(())
}

impl Prepared {
    /// Runs every cycle, calling `observe` after each, then checks the expectations. The run's cycles and
    /// events are kept in memory (the [`Run`]'s result): [`Prepared::stream`] runs without keeping them.
    pub fn run(self, observe: impl FnMut(&CycleView)) -> Result<Run, Error> {
        self.run_in_order(world::SpawnOrder::Forward, observe)
    }

    /// As [`Prepared::run`], spawning entities in `spawn_order`.
    pub fn run_in_order(
        self,
        spawn_order: world::SpawnOrder,
        mut observe: impl FnMut(&CycleView),
    ) -> Result<Run, Error> {
        let mut result = RunResult::default();
        let streamed = self.drive(spawn_order, |summary, mut events, phase_times| {
            observe(&CycleView { summary: &summary, events: &events, phase_times });
            result.cycles.push(summary);
            result.events.append(&mut events);
        })?;
        Ok(Run { prepared: streamed.prepared, result, outcomes: streamed.outcomes })
    }

    /// Runs every cycle, handing each cycle's summary and events to `observe` and then dropping them, and
    /// checks the expectations as the cycles go ([`scenario::Evaluator`]): memory does not grow with the
    /// number of cycles. `g6sim run` writes its files from here ([`output::RunWriter`]).
    pub fn stream(self, observe: impl FnMut(&CycleView)) -> Result<Streamed, Error> {
        let mut observe = observe;
        self.drive(world::SpawnOrder::Forward, |summary, events, phase_times| {
            observe(&CycleView { summary: &summary, events: &events, phase_times })
        })
    }

    /// The one cycle loop: ticks, takes the cycle's summary and events out of the world (its logs stay
    /// empty between cycles), folds them into the expectations and hands them to `take`.
    fn drive(
        self,
        spawn_order: world::SpawnOrder,
        mut take: impl FnMut(CycleSummary, Vec<LoggedEvent>, &cycle::timing::PhaseTimes),
    ) -> Result<Streamed, Error> {
        let mut sim = Simulation::from_seed(world::WorldSeed {
            scenario: &self.scenario.scenario,
            config: self.config.clone(),
            seed: self.seed,
            spawn_order,
            universe: self.universe.as_ref(),
        })?;
        let mut evaluator = scenario::Evaluator::new(&self.scenario.scenario.expectations);
        let mut logged = 0;
        for _ in 0..self.cycles {
            sim.tick();
            let world = sim.world_mut();
            let events = std::mem::take(&mut world.resource_mut::<world::EventLog>().events);
            let summary = world.resource_mut::<world::CycleLog>().cycles.pop();
            let Some(summary) = summary else { continue };
            evaluator.observe(&summary, &events);
            logged += events.len();
            take(summary, events, world.resource::<cycle::timing::PhaseTimes>());
        }
        let outcomes = evaluator.finish();
        Ok(Streamed { prepared: self, events: logged, outcomes })
    }
}

/// A run streamed to its observer: what was run, how many events it logged, and the expectation verdicts
/// (the cycles and events themselves went to the observer).
#[derive(Clone, Debug)]
pub struct Streamed {
    pub prepared: Prepared,
    /// Events logged, of every kind (before the `struct_events` and `trace` filters of `events.jsonl`).
    pub events: usize,
    pub outcomes: Vec<ExpectationOutcome>,
}

impl Streamed {
    /// Every expectation held (vacuously so when there is none: see [`Self::verdict`]).
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }

    /// The verdict of the run's expectations (`EMPTY` when there is none).
    pub fn verdict(&self) -> scenario::Verdict {
        scenario::Verdict::of(&self.outcomes)
    }
}

pub use scenario::MAX_CYCLES;

/// Prepares and runs a scenario and checks its expectations.
pub fn run_scenario(loaded: &LoadedScenario, options: &RunOptions) -> Result<Run, Error> {
    prepare(loaded, options)?.run(|_| {})
}
