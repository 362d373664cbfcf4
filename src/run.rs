//! Running a scenario: resolve what a run needs ([`prepare`]: configuration, seed, cycle count, the
//! instruments dump), then drive the simulation cycle by cycle, keeping the results ([`Prepared::run`]) or
//! streaming them to an observer ([`Prepared::stream`]), and judge the expectations.

use crate::config::{Applied, Config, Parity};
use crate::cycle::{self, RunResult, Simulation};
use crate::events::{CycleSummary, LoggedEvent, StatusTotals};
use crate::scenario::{ExpectationOutcome, LoadedScenario, Scenario};
use crate::schema::MAX_CYCLES;
use crate::vocab::{ReasonTotals, SkipCounts};
use crate::{config, scenario, suggest, universe, world};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

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
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Scenario(scenario::ScenarioError),
    #[error("{0}")]
    Set(config::SetError),
    /// Options that cannot run (for example cycles beyond the calendar).
    #[error("{0}")]
    Input(String),
    #[error("the cycle schedule does not build: {0}")]
    Schedule(String),
    #[error("cannot write the outputs: {0}")]
    Output(std::io::Error),
    /// The instruments dump of `--universe` cannot be read.
    #[error("--universe: {0}\n  hint: a Kite Connect instruments dump (see docs/dumps.md)")]
    Universe(universe::DumpError),
}

impl From<bevy_ecs::schedule::ScheduleBuildError> for Error {
    fn from(e: bevy_ecs::schedule::ScheduleBuildError) -> Self {
        Error::Schedule(format!("{e:?}"))
    }
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

/// Loads a scenario file ([`load_scenario`]) and resolves what its run needs ([`prepare`]).
pub fn prepare_file(path: &Path, options: &RunOptions) -> Result<Prepared, Error> {
    prepare(&load_scenario(path, options).map_err(Error::Scenario)?, options)
}

/// Reads the instruments dump a run takes its universe from (`--universe FILE`); the error names the flag and
/// says what the file should be.
pub fn load_universe(path: &Path) -> Result<Arc<universe::DumpFile>, Error> {
    universe::load(path).map_err(Error::Universe)
}

/// What one `G6_*` variable does to a run, said before anything runs (a variable can change a verdict).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvNote {
    /// The variable sets a configuration key.
    Sets { var: String, value: String, key: String },
    /// The variable is no name g6sim reads, but close to one: it changes nothing.
    NearMiss { var: String, meant: &'static str },
}

/// The notes on the environment's `G6_*` variables, in order: those that set a key, then the near misses of a
/// name g6sim reads. A variable whose value cannot apply is bad input: every such error, and no note.
pub fn env_notes(env: &BTreeMap<String, String>) -> Result<Vec<EnvNote>, Vec<config::SetError>> {
    config::check_env(env)?;
    let sets = config::env_overrides(env).into_iter().map(|(var, value, key)| EnvNote::Sets { var, value, key });
    let misses = config::env_near_misses(env).into_iter().map(|(var, meant)| EnvNote::NearMiss { var, meant });
    Ok(sets.chain(misses).collect())
}

/// Resolves everything a run needs before it starts.
pub fn prepare(loaded: &LoadedScenario, options: &RunOptions) -> Result<Prepared, Error> {
    let scenario = &loaded.scenario;
    let mut base = scenario.config.clone();
    base.parity = options.parity.unwrap_or(scenario.parity);
    let (config, applied) = config::resolve(base, &options.env, &options.sets).map_err(Error::Set)?;
    let mut warnings = config.parity_read_warnings();
    check_overrides(scenario, &config, &applied, &mut warnings)?;
    if scenario.recorded.is_none() && scenario.universe.is_none() && options.universe.is_none() {
        for (i, spec) in scenario.indices.iter().enumerate() {
            let meta = cycle::spawn::run_meta(scenario, i, &config, None);
            price_within_step(&meta.symbol, spec.spot.unwrap_or(meta.synthetic_atm), meta.step)?;
        }
    }
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

/// An index's price must be at least its strike step under the configuration resolved (a `--set` or `G6_*`
/// strike step included), as the loader checks a scenario's own: below one step the ATM rounds to 0 and there is
/// no ladder.
pub(crate) fn price_within_step(symbol: &str, price: f64, step: f64) -> Result<(), Error> {
    if price >= step {
        return Ok(());
    }
    Err(Error::Input(format!(
        "strike_step.{symbol} = {step}: {price} is not an index price for {symbol}: expected a number from its \
         strike step {step} to 1e9\n  hint: a strike step of at most {price}"
    )))
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
    /// number of cycles. `g6sim run` writes its files from here (`output::RunWriter`).
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
        let mut sim = Simulation::from_seed(cycle::spawn::WorldSeed {
            scenario: &self.scenario.scenario,
            config: self.config.clone(),
            seed: self.seed,
            spawn_order,
            universe: self.universe.as_ref().map(|u| u as &dyn cycle::spawn::DumpSource),
        })?;
        let mut evaluator = scenario::Evaluator::new(
            &self.scenario.scenario.expectations,
            scenario::Setting::of(&self.scenario.scenario, &self.config),
        );
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

/// What a run's closing summary counts, folded in cycle by cycle ([`RunTotals::observe`]).
#[derive(Clone, Debug)]
pub struct RunTotals {
    /// Expiry statuses, summed over the cycles.
    pub statuses: StatusTotals,
    /// Partial reasons, summed over the cycles.
    pub reasons: ReasonTotals,
    /// `strike_depth_adjustment` events.
    pub adjustments: usize,
    /// `prefilter_clamp` events.
    pub clamps: usize,
    /// `zero_data` events.
    pub zero_data: usize,
    /// `adaptive_scale_change` events.
    pub scale_changes: usize,
    /// What the expiry map skipped of an instruments dump, last cycle.
    pub universe_skipped: Option<SkipCounts>,
    /// With Greeks on: implied volatilities solved and not solved, and the solver's iterations over the solved.
    pub iv_solved: u64,
    pub iv_failed: u64,
    pub iv_iterations: f64,
    /// Whether any expiry carried analytics (Greeks on).
    pub analytics: bool,
    /// Cycles counted, the sum and the largest of their modelled cycle times, and the SLA breaches.
    pub cycles: u64,
    pub elapsed_sum_s: f64,
    pub elapsed_max_s: f64,
    pub breaches: u64,
    /// The last cycle's SLA budget.
    pub sla_s: f64,
    /// With memory pressure in play: the highest tier's level and name, the cycles above normal, the cycles
    /// memory pressure turned Greeks off.
    pub memory_max: Option<(i64, String)>,
    pub memory_pressed: u64,
    pub memory_no_greeks: u64,
}

impl RunTotals {
    /// Nothing counted yet; the partial reasons counted as `parity` names them.
    pub fn new(parity: Parity) -> Self {
        Self {
            statuses: StatusTotals::default(),
            reasons: ReasonTotals::new(parity.is_g6()),
            adjustments: 0,
            clamps: 0,
            zero_data: 0,
            scale_changes: 0,
            universe_skipped: None,
            iv_solved: 0,
            iv_failed: 0,
            iv_iterations: 0.0,
            analytics: false,
            cycles: 0,
            elapsed_sum_s: 0.0,
            elapsed_max_s: 0.0,
            breaches: 0,
            sla_s: 0.0,
            memory_max: None,
            memory_pressed: 0,
            memory_no_greeks: 0,
        }
    }

    /// Folds in one cycle: its summary and the events it emitted.
    pub fn observe(&mut self, c: &CycleSummary, events: &[LoggedEvent]) {
        self.statuses.merge(&c.expiry_status_totals);
        self.reasons.merge(&c.partial_reason_totals);
        let count = |name: &str| events.iter().filter(|e| e.event.name() == name).count();
        self.adjustments += count("strike_depth_adjustment");
        self.clamps += count("prefilter_clamp");
        self.zero_data += count("zero_data");
        self.scale_changes += count("adaptive_scale_change");
        self.universe_skipped = c.universe_skipped;
        let t = c.cycle_time;
        self.cycles += 1;
        self.elapsed_sum_s += t.elapsed_s;
        self.elapsed_max_s = self.elapsed_max_s.max(t.elapsed_s);
        self.breaches += u64::from(t.breach);
        self.sla_s = t.sla_s;
        if let Some(m) = &c.memory {
            if self.memory_max.as_ref().is_none_or(|(level, _)| m.level > *level) {
                self.memory_max = Some((m.level, m.tier.clone()));
            }
            self.memory_pressed += u64::from(m.level > 0);
            self.memory_no_greeks += u64::from(!m.greeks_enabled);
        }
        for a in c.indices.iter().flat_map(|i| &i.expiries).filter_map(|e| e.analytics.as_ref()) {
            self.analytics = true;
            self.iv_solved += u64::from(a.iv_success);
            self.iv_failed += u64::from(a.iv_fail);
            self.iv_iterations += a.iv_iterations_avg * f64::from(a.iv_success);
        }
    }

    /// The mean modelled cycle time (0 before any cycle).
    pub fn elapsed_mean_s(&self) -> f64 {
        if self.cycles == 0 { 0.0 } else { self.elapsed_sum_s / self.cycles as f64 }
    }

    /// The solver's mean iterations over the solved implied volatilities (0 when none was solved).
    pub fn iv_iterations_mean(&self) -> f64 {
        if self.iv_solved == 0 { 0.0 } else { self.iv_iterations / self.iv_solved as f64 }
    }
}

/// Prepares and runs a scenario and checks its expectations.
pub fn run_scenario(loaded: &LoadedScenario, options: &RunOptions) -> Result<Run, Error> {
    prepare(loaded, options)?.run(|_| {})
}

/// `word` as a POSIX shell reads it back: unchanged when it holds only safe characters, else single-quoted. The
/// reproduction commands g6sim prints are built from such words.
pub(crate) fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A file's path as a command's word: quoted for the shell ([`shell_quote`]), and `./` before a relative path
/// that starts with `-`, which a command line would read as an option.
pub(crate) fn path_word(path: &str) -> String {
    shell_quote(&if path.starts_with('-') { format!("./{path}") } else { path.to_string() })
}
