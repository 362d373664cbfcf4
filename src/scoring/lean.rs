//! The lean scoring path: one sweep job run without a World, calling the cycle's own pure rules in the
//! schedule's order over flat per-index and per-expiry state, and scored by the same [`Scorer`] and
//! [`Evaluator`] a full run feeds. A sweep takes it whenever it models everything the sweep's runs do
//! ([`Lean::new`] says what it does not), and its scores equal a full run's (`src/sweep/differential.rs`
//! compares them job by job over every shipped scenario).
//!
//! What it leaves out, because no score and no expectation it accepts reads it:
//! - quote values: a fetched instrument's quote always has volume, oi and `avg_price` (each at least a lot
//!   or a tick), so only a field dropout's picks decide field coverage, and validation drops a real
//!   instrument only for its strike ([`check_row`] never reads a quote's values);
//! - the universe beyond the run's expiries: each expiry's rows are generated as the provider generates
//!   them ([`push_expiry_rows`]), when their inputs change;
//! - the events no score or accepted expectation reads (`option_match_stats`, `adaptive_summary`, ...), and
//!   the summary fields no score reads (`time`, `universe_rows`, `expiry_map`, `validation`, `analytics`).
//!
//! It does not model instruments dumps, recorded histories, Greeks, the faults the fault catalogue marks
//! refused ([`crate::fault::FaultKind::lean`]), or expectations that read what it leaves out ([`gives`]); a
//! sweep with any of those runs in full.

use super::score::{RunScore, Scorer};
use crate::calendar::{ExpiryRule, listed_expiries};
use crate::config::Config;
use crate::cycle::adaptive::{AdaptiveRules, Observation, adapt_index, decision_clock, depth_event};
use crate::cycle::coverage::{FieldStats, strike_coverage};
use crate::cycle::cycle_time::{ExpiryWork, judged, time_cycle};
use crate::cycle::director::ActiveFaults;
use crate::cycle::instruments::{ExpiryFault, fetch_into, match_ladder, provider_answers, zero_data_event};
use crate::cycle::ladder::{LadderScales, atm_strike, distinct_strikes_into, fill_ladder, ladder_sides};
use crate::cycle::memory::{Memory, in_play};
use crate::cycle::prefilter::{clamp_limit, clamp_of, select};
use crate::cycle::provider::{push_expiry_rows, push_strike_rows, reported_index, series_key, spot_after};
use crate::cycle::quotes::{field_dropout_picks, placeholders};
use crate::cycle::scaling::{Scaler, ScalingRules, scale_event};
use crate::cycle::status::{Classification, Thresholds, classify, reason_totals};
use crate::cycle::summary::{index_figures, index_summary};
use crate::cycle::validation::{QuoteRow, bad_row, check_row, instrument_row, reference_price, verdicts};
use crate::events::{Clamp, ClampStrategy};
use crate::events::{CycleSummary, ExpirySummary, LoggedEvent, StatusTotals};
use crate::fault::LeanSupport;
use crate::registry::IndexMeta;
use crate::scenario::{Evaluator, Scenario, Setting};
use crate::schema::Reads;
use crate::synthetic::distinct_keys;
use crate::vocab::ExpiryStatus;
use crate::vocab::{Failure, OptionKind};
use crate::world::{
    AdaptiveState, ExpiryOutcome, Quote, RandomSource, ReportedIndex, SimClock, StrikeDepth, StrikeLadder, UniverseRow,
};
use chrono::NaiveDate;

/// The events the lean path emits, with every field a full run gives them: the only ones expectations may
/// name for a sweep to take it.
pub(crate) const EVENTS: [&str; 4] =
    ["strike_depth_adjustment", "prefilter_clamp", "zero_data", "adaptive_scale_change"];

/// The events of a full cycle the lean path counts without building them ([`Lean::run_counting`]): all the
/// others.
pub(crate) const COUNTED: [&str; 9] = [
    "validation_drops",
    "synthetic_index_price",
    "synthetic_quotes_fallback",
    "adaptive_summary",
    "expiry_map_build",
    "instrument_coverage",
    "field_coverage",
    "option_match_stats",
    "cycle_status_summary",
];

/// How many of each [`COUNTED`] event a full cycle emits, in that order.
pub(crate) type Counted = [u32; COUNTED.len()];

/// Positions in [`Counted`].
mod counted {
    pub const VALIDATION_DROPS: usize = 0;
    pub const SYNTHETIC_INDEX_PRICE: usize = 1;
    pub const SYNTHETIC_QUOTES_FALLBACK: usize = 2;
    pub const ADAPTIVE_SUMMARY: usize = 3;
    pub const EXPIRY_MAP_BUILD: usize = 4;
    pub const INSTRUMENT_COVERAGE: usize = 5;
    pub const FIELD_COVERAGE: usize = 6;
    pub const OPTION_MATCH_STATS: usize = 7;
    pub const CYCLE_STATUS_SUMMARY: usize = 8;
}

/// What every job of a sweep shares: the scenario, its cycle count, and the faults in force.
pub(crate) struct Lean<'a> {
    scenario: &'a Scenario,
    cycles: u64,
    /// The faults in force from each cycle at which they change (cycle 1, and where a phase starts or
    /// ends), ascending: a few entries however long the run (they depend on the scenario only).
    faults: Vec<(u64, ActiveFaults)>,
}

/// One cycle's time and faults.
struct CycleInputs<'f> {
    today: NaiveDate,
    unix: i64,
    faults: &'f ActiveFaults,
}

/// Why a sweep's runs take no lean path and run in full: what the lean path does not model (each completes
/// "the lean path does not model ..."), or `--full`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotModelled {
    /// `--full`: every job runs in full, modelled or not.
    #[error("--full")]
    FullRuns,
    /// The scenario replays a recorded history.
    #[error("a recorded history")]
    RecordedHistory,
    /// The universe is an instruments dump.
    #[error("an instruments dump")]
    InstrumentsDump,
    /// A setting computes Greeks.
    #[error("Greeks (compute_greeks)")]
    Greeks,
    /// A fault the catalogue marks refused: the fault as the scenario writes it, its phase, and the reason.
    #[error("the fault {fault} (phase {phase:?}): {why}")]
    Fault { fault: String, phase: String, why: &'static str },
    /// An expectation that reads what the lean path leaves out, as the scenario writes it.
    #[error("the expectation `{expectation}`")]
    Expectation { expectation: String },
}

impl<'a> Lean<'a> {
    /// The lean path for runs of `scenario` over `cycles` cycles under each of `configs`, or why it does not
    /// model them (the sweep then runs in full).
    pub fn new(scenario: &'a Scenario, configs: &[&Config], cycles: u64, dump: bool) -> Result<Self, NotModelled> {
        if scenario.recorded.is_some() {
            return Err(NotModelled::RecordedHistory);
        }
        if dump || scenario.universe.is_some() {
            return Err(NotModelled::InstrumentsDump);
        }
        if configs.iter().any(|c| c.compute_greeks) {
            return Err(NotModelled::Greeks);
        }
        for phase in &scenario.phases {
            for f in &phase.faults {
                match f.kind().lean() {
                    LeanSupport::Modelled => {}
                    LeanSupport::Refused(why) => {
                        // The fault as the scenario writes it (`SlowProvider(0.5)`, not the Rust `Ratio(0.5)`).
                        let fault = ron::to_string(f).unwrap_or_else(|_| format!("{f:?}"));
                        return Err(NotModelled::Fault { fault, phase: phase.name.clone(), why });
                    }
                }
            }
        }
        for e in &scenario.expectations {
            match gives(e.reads()) {
                LeanSupport::Modelled => {}
                LeanSupport::Refused(_) => return Err(NotModelled::Expectation { expectation: e.to_string() }),
            }
        }
        let mut changes: Vec<u64> = std::iter::once(1)
            .chain(scenario.phases.iter().flat_map(|p| [p.cycles.first, p.cycles.last.saturating_add(1)]))
            .filter(|n| (1..=cycles).contains(n))
            .collect();
        changes.sort_unstable();
        changes.dedup();
        let faults = changes.into_iter().map(|n| (n, ActiveFaults::at(&scenario.phases, n))).collect();
        Ok(Self { scenario, cycles, faults })
    }

    /// Runs and scores one job: the scenario under `config` and `seed`.
    pub fn score(&self, config: &Config, seed: u64) -> RunScore {
        let mut evaluator = Evaluator::verdicts_only(&self.scenario.expectations, Setting::of(self.scenario, config));
        let mut scorer = Scorer::new(&self.scenario.phases);
        self.run(config, seed, |summary, events| {
            evaluator.observe(summary, events);
            scorer.observe(summary, events);
        });
        scorer.finish(evaluator.passed())
    }

    /// Runs one job, handing each cycle's summary and the events it emitted to `observe` (the summary's
    /// fields and the events the module doc lists are left out).
    pub fn run(&self, config: &Config, seed: u64, mut observe: impl FnMut(&CycleSummary, &[LoggedEvent])) {
        self.run_counting(config, seed, |summary, events, _| observe(summary, events));
    }

    /// [`Lean::run`], also handing `observe` how many of each event it leaves out a full cycle emits
    /// ([`COUNTED`]): what an exploration's reachability counts.
    pub fn run_counting(
        &self,
        config: &Config,
        seed: u64,
        mut observe: impl FnMut(&CycleSummary, &[LoggedEvent], &Counted),
    ) {
        let mut run = LeanRun::new(self.scenario, config, seed);
        for (n, faults) in (1..).zip(self.faults()) {
            run.cycle(n, faults);
            observe(&run.summary, &run.events, &run.counted);
        }
    }

    /// Each cycle's faults, from cycle 1: what a World's director gives it.
    fn faults(&self) -> impl Iterator<Item = &ActiveFaults> + '_ {
        let mut at = 0;
        (1..=self.cycles).map(move |n| {
            while self.faults.get(at + 1).is_some_and(|(from, _)| *from <= n) {
                at += 1;
            }
            &self.faults[at].1
        })
    }
}

/// Whether the lean path gives what an expectation reads ([`crate::schema::Expectation::reads`]): the summary's depths,
/// expiries and totals, and the [`EVENTS`] it emits; not the expiry map's counts, validation's drops or the
/// skipped universe rows, which it does not build.
pub fn gives(reads: Reads) -> LeanSupport {
    match reads {
        Reads::Depth | Reads::Expiry | Reads::Totals | Reads::CycleTime | Reads::Memory => LeanSupport::Modelled,
        Reads::Events(event) if EVENTS.contains(&event) => LeanSupport::Modelled,
        Reads::Events(_) => LeanSupport::Refused("events the lean path does not emit"),
        Reads::ExpiryMap => LeanSupport::Refused("the expiry map's counts, which the lean path does not build"),
        Reads::ValidationDrops => LeanSupport::Refused("validation's drops, which the lean path does not count"),
        Reads::UniverseSkipped => LeanSupport::Refused("skipped universe rows, which the lean path does not read"),
        // The catalogue reads the summary's expiries and depths, and the depth and zero-data events.
        Reads::Property => LeanSupport::Modelled,
    }
}

/// One index of a lean run.
struct IndexState {
    meta: IndexMeta,
    order: u16,
    spot: f64,
    depth: StrikeDepth,
    state: AdaptiveState,
    ladder: StrikeLadder,
    /// The listed expiries, and the day they were listed for.
    listed: Option<(NaiveDate, Vec<NaiveDate>)>,
}

/// One expiry of a lean run: its rows as the provider generates them, and this cycle's fetch.
struct ExpiryState {
    index: usize,
    rule: ExpiryRule,
    /// The key its rows were generated from.
    rows_key: Option<RowsKey>,
    rows: Vec<UniverseRow>,
    bucket: Vec<u32>,
    /// The ladder strikes `matched` was matched to (cleared when the rows change).
    matched_for: Option<Vec<f64>>,
    matched: Vec<u32>,
    candidates: Vec<u32>,
    strikes: Vec<f64>,
    quote_rows: Vec<QuoteRow>,
    dropped: Vec<bool>,
    /// The date its summary's `expiry_date` was written for.
    summary_date: Option<Option<NaiveDate>>,
    /// The day its rule was last resolved on, and to what (listed expiries change only with the day).
    resolved: Option<(NaiveDate, Option<NaiveDate>)>,
    /// What the fetched rows measured, and for which rows and ladder (its buffers kept when it is stale).
    measured: Measured,
    /// Whether this cycle's validation dropped a row (a `validation_drops` event).
    validation_dropped: bool,
    /// The rows of the last few keys before `rows_key`, least recent first: a market that walks back to an
    /// ATM finds its rows, and their ladder match, again.
    recent: Vec<Listing>,
}

/// What an expiry's rows are generated from: its date, the provider's ATM (as bits), the padding rows, and
/// whether the provider lists the date.
type RowsKey = (NaiveDate, u64, u32, bool);

/// How many earlier keys' rows an expiry keeps ([`ExpiryState::recent`]).
const RECENT_LISTINGS: usize = 8;

/// An expiry's rows for one key, and their last ladder match: what [`ExpiryState`] holds for its current key.
struct Listing {
    key: Option<RowsKey>,
    rows: Vec<UniverseRow>,
    bucket: Vec<u32>,
    matched_for: Option<Vec<f64>>,
    matched: Vec<u32>,
}

impl ExpiryState {
    /// Makes `key`'s rows the current ones: kept from a recent key, else generated by `generate` (which sees
    /// an empty vector, and the rows that were current). The current rows join the recent ones.
    fn list(&mut self, key: Option<RowsKey>, generate: impl FnOnce(&mut Vec<UniverseRow>, Option<&Listing>)) {
        use std::mem::take;
        let current = Listing {
            key: self.rows_key.take(),
            rows: take(&mut self.rows),
            bucket: take(&mut self.bucket),
            matched_for: self.matched_for.take(),
            matched: take(&mut self.matched),
        };
        // The least recent rows give their buffers to new ones.
        let mut spare = None;
        let had = current.key.is_some();
        if had {
            if self.recent.len() == RECENT_LISTINGS {
                spare = Some(self.recent.remove(0));
            }
            self.recent.push(current);
        }
        let listing = match self.recent.iter().position(|l| l.key == key) {
            Some(k) => self.recent.remove(k),
            None => {
                let (mut rows, mut bucket, mut matched) =
                    spare.map_or_else(Default::default, |l| (l.rows, l.bucket, l.matched));
                rows.clear();
                generate(&mut rows, if had { self.recent.last() } else { None });
                debug_assert!(rows.windows(2).all(|w| w[0].strike <= w[1].strike), "rows ascend by strike");
                bucket.clear();
                bucket.extend(0..rows.len() as u32);
                matched.clear();
                Listing { key, rows, bucket, matched_for: None, matched }
            }
        };
        (self.rows_key, self.rows, self.bucket, self.matched_for, self.matched) =
            (listing.key, listing.rows, listing.bucket, listing.matched_for, listing.matched);
    }
}

/// The fetched strikes' coverage of the ladder, and whether any is not a positive finite number.
#[derive(Default)]
struct Measured {
    /// Whether it is of the current rows: a new listing's rows may hold other strikes at the same positions.
    current: bool,
    candidates: Vec<u32>,
    ladder: Vec<f64>,
    unusual: bool,
    coverage: f64,
}

/// A lean run's state between cycles, and the last cycle's summary and events.
struct LeanRun<'a> {
    scenario: &'a Scenario,
    config: &'a Config,
    random: RandomSource,
    rules: AdaptiveRules,
    thresholds: Thresholds,
    indices: Vec<IndexState>,
    expiries: Vec<ExpiryState>,
    summary: CycleSummary,
    events: Vec<LoggedEvent>,
    counted: Counted,
    passes: Vec<Observation>,
    classifications: Vec<Classification>,
    statuses: Vec<Option<ExpiryStatus>>,
    /// The simulated clock, moved as the director moves it.
    clock: SimClock,
    /// SLA-breach strike scaling.
    scaler: Scaler,
    scaling: ScalingRules,
    depths: Vec<StrikeDepth>,
    per_side_s: Vec<f64>,
    memory: Memory,
}

impl<'a> LeanRun<'a> {
    fn new(scenario: &'a Scenario, config: &'a Config, seed: u64) -> Self {
        let mut indices = Vec::new();
        let mut expiries = Vec::new();
        let mut summaries = Vec::new();
        for (i, spec) in scenario.indices.iter().enumerate() {
            let meta = crate::cycle::spawn::run_meta(scenario, i, config, None);
            let depth = StrikeDepth::start(spec);
            summaries.push(index_summary(&meta.symbol, spec.expiries.iter().map(|r| empty_expiry(*r)).collect()));
            for &rule in &spec.expiries {
                expiries.push(ExpiryState {
                    index: i,
                    rule,
                    rows_key: None,
                    rows: Vec::new(),
                    bucket: Vec::new(),
                    matched_for: None,
                    matched: Vec::new(),
                    candidates: Vec::new(),
                    strikes: Vec::new(),
                    quote_rows: Vec::new(),
                    dropped: Vec::new(),
                    summary_date: None,
                    resolved: None,
                    measured: Measured::default(),
                    validation_dropped: false,
                    recent: Vec::new(),
                });
            }
            indices.push(IndexState {
                spot: spec.spot.unwrap_or(meta.synthetic_atm),
                meta,
                order: i as u16,
                depth,
                state: AdaptiveState::default(),
                ladder: StrikeLadder::default(),
                listed: None,
            });
        }
        let summary = CycleSummary {
            cycle: 0,
            time: String::new(),
            ts: 0,
            cycle_time: Default::default(),
            strike_scaling: None,
            memory: None,
            universe_rows: 0,
            universe_skipped: None,
            indices: summaries,
            expiry_status_totals: StatusTotals::default(),
            partial_reason_totals: Default::default(),
            validation_drops: None,
        };
        Self {
            scenario,
            config,
            random: RandomSource { seed },
            rules: AdaptiveRules::from_config(config),
            thresholds: Thresholds::from_config(config),
            indices,
            expiries,
            summary,
            events: Vec::new(),
            counted: Counted::default(),
            passes: Vec::new(),
            classifications: Vec::new(),
            statuses: Vec::new(),
            clock: SimClock::new(scenario.start, scenario.interval_s.get()),
            scaler: Scaler::default(),
            scaling: ScalingRules::from_config(config, scenario.interval_s.get()),
            depths: Vec::new(),
            per_side_s: Vec::new(),
            memory: Memory::new(config, in_play(scenario, config)),
        }
    }

    /// Runs cycle `n` under `faults`: the phases of the schedule, in its order.
    fn cycle(&mut self, n: u64, faults: &ActiveFaults) {
        let parity = self.config.parity.is_g6();
        // 0. the director: cycle 1 at the start, each later one an interval after the last, or after it ended
        if n == 1 {
            self.clock.set_cycle(1);
        } else {
            self.clock.next_cycle(self.summary.cycle_time.elapsed_s);
        }
        let inputs = &CycleInputs { today: self.clock.today(), unix: self.clock.unix(), faults };
        // 0b. memory pressure
        self.memory.step(faults.memory_fraction().unwrap_or(0.0), inputs.unix as f64);
        self.events.clear();
        self.counted = Counted::default();
        self.counted[counted::CYCLE_STATUS_SUMMARY] = 1;
        // 1-4. the market, what the provider reports and lists, the ladders
        let provider = &self.scenario.provider;
        for ix in &mut self.indices {
            ix.spot = spot_after(&self.scenario.market, &self.random, &ix.meta.symbol, n, ix.spot);
            let reported: ReportedIndex = reported_index(inputs.faults, &ix.meta, ix.spot);
            if ix.listed.as_ref().is_none_or(|(day, _)| *day != inputs.today) {
                let listed =
                    listed_expiries(inputs.today, ix.meta.weekly_dow, provider.weeks_listed, provider.months_listed);
                ix.listed = Some((inputs.today, listed));
            }
            let scales = LadderScales {
                strike: self.scaler.scale,
                memory: self.memory.depth_scale(),
                min_depth: self.config.strike_scaling_min,
            };
            let sides = ladder_sides(&ix.depth, parity, scales);
            fill_ladder(&mut ix.ladder, &ix.meta, &reported, sides);
            // The expiry map reports an index's rows with an invalid expiry (in mode off), or always when tracing.
            let map_report = self.config.trace || (!parity && inputs.faults.invalid_expiries(&ix.meta.symbol) > 0);
            self.counted[counted::EXPIRY_MAP_BUILD] += u32::from(map_report);
            self.counted[counted::SYNTHETIC_INDEX_PRICE] += u32::from(ix.ladder.synthetic);
            self.counted[counted::ADAPTIVE_SUMMARY] += 1;
        }
        // 5-8. per expiry: fetch, clamp, validation, coverage, status
        let mut at = 0;
        for (i, ix) in self.indices.iter().enumerate() {
            let summary = &mut self.summary.indices[i];
            for (e, out) in self.expiries[at..].iter_mut().take_while(|e| e.index == i).zip(&mut summary.expiries) {
                let listed = ix.listed.as_ref().map_or(&[][..], |(_, l)| l.as_slice());
                let date = match e.resolved {
                    Some((day, date)) if day == inputs.today => date,
                    _ => {
                        let date = e.rule.resolve(inputs.today, listed);
                        e.resolved = Some((inputs.today, date));
                        date
                    }
                };
                let per_side = self.scenario.provider.strikes_per_side;
                let (outcome, clamp) =
                    fetch(e, ix, date, n, inputs, per_side, self.config, &self.random, &mut self.events);
                let at = At { n, inputs, random: &self.random };
                let c = measure(e, ix, date, outcome, clamp, &at, self.config, self.thresholds, out);
                if out.failure.is_none() {
                    // Measured: matched (option_match_stats), traced, and validated.
                    let dropped = e.validation_dropped;
                    let traced = u32::from(self.config.trace);
                    self.counted[counted::OPTION_MATCH_STATS] += 1;
                    self.counted[counted::INSTRUMENT_COVERAGE] += traced;
                    // Field coverage is traced for an expiry with quotes.
                    self.counted[counted::FIELD_COVERAGE] += traced * u32::from(out.options > 0);
                    self.counted[counted::VALIDATION_DROPS] += u32::from(dropped);
                    self.counted[counted::SYNTHETIC_QUOTES_FALLBACK] += u32::from(out.synthetic);
                }
                self.classifications.push(c);
            }
            at += summary.expiries.len();
        }
        // The clamp phase runs after every expiry's fetch: its events follow the fetch's.
        let outs = self.summary.indices.iter().flat_map(|i| &i.expiries);
        for (e, out) in self.expiries.iter().zip(outs) {
            if let Some(clamp) = &out.clamp {
                let (symbol, date) = (&self.indices[e.index].meta.symbol, e.summary_date.flatten());
                self.events.push(LoggedEvent { cycle: n, event: clamp.event(symbol, date, e.rule, inputs.unix) });
            }
        }
        // 9. adaptive depth
        let cycle_num = decision_clock(self.config, inputs.unix, n);
        for (ix, summary) in self.indices.iter_mut().zip(&self.summary.indices) {
            self.passes.clear();
            self.passes.extend(
                summary.expiries.iter().zip(&self.scenario.indices[ix.order as usize].expiries).filter_map(
                    |(e, rule)| {
                        Observation::of_expiry(e.failure, e.strike_coverage, e.field_coverage, e.options, *rule)
                    },
                ),
            );
            let events = &mut self.events;
            adapt_index(&mut ix.depth, &mut ix.state, &self.passes, cycle_num, &self.rules, |obs, change| {
                let event = depth_event(&ix.meta.symbol, change, obs, inputs.unix, &self.rules);
                events.push(LoggedEvent { cycle: n, event });
            });
        }
        // 10. the cycle's time
        let interval_s = self.clock.interval_s;
        let outs = self.summary.indices.iter().flat_map(|i| &i.expiries);
        let work = self.expiries.iter().zip(outs).map(|(e, out)| {
            let ix = &self.indices[e.index];
            let late = faults.slow_provider(&ix.meta.symbol, e.rule) * interval_s as f64;
            let clamped = out.clamp.as_ref().map(|c| c.original);
            let resolved = out.failure != Some(Failure::Unresolved);
            (e.index, ExpiryWork::of(resolved, ix.ladder.strikes.len(), clamped, out.instruments, 0, late))
        });
        let spec = &self.scenario.cycle_time;
        let elapsed_s = time_cycle(spec, self.indices.len(), work, &mut self.per_side_s);
        self.summary.cycle_time = judged(elapsed_s, self.config, interval_s);
        // 11. strike scaling
        if self.scaling.enabled {
            self.depths.clear();
            self.depths.extend(self.indices.iter().map(|ix| ix.depth));
            let memory_scale = self.memory.depth_scale();
            if let Some(change) =
                self.scaler.step(&self.scaling, elapsed_s, memory_scale, &self.per_side_s, &mut self.depths)
            {
                for (ix, depth) in self.indices.iter_mut().zip(&self.depths) {
                    ix.depth = *depth;
                }
                self.events.push(LoggedEvent { cycle: n, event: scale_event(&change, self.scaling.passthrough) });
            }
            self.summary.strike_scaling = Some(self.scaler.figures());
        }
        // 12. the cycle's summary
        let mut totals = StatusTotals::default();
        for (ix, summary) in self.indices.iter().zip(&mut self.summary.indices) {
            self.statuses.clear();
            self.statuses.extend(summary.expiries.iter().map(|e| e.status));
            index_figures(summary, &self.statuses, &mut totals, &ix.ladder, &ix.depth, &ix.state);
        }
        self.summary.memory = self.memory.figures();
        self.summary.cycle = n;
        self.summary.ts = inputs.unix;
        self.summary.expiry_status_totals = totals;
        self.summary.partial_reason_totals = reason_totals(&self.classifications, parity);
        self.classifications.clear();
    }
}

fn empty_expiry(rule: ExpiryRule) -> ExpirySummary {
    ExpirySummary {
        rule: rule.to_string(),
        expiry_date: None,
        status: None,
        partial_reason: None,
        strike_coverage: None,
        field_coverage: None,
        strikes_requested: 0,
        instruments: 0,
        options: 0,
        failure: None,
        clamp: None,
        synthetic: false,
        validation: None,
        analytics: None,
    }
}

/// Phases 5-6 of one expiry: the provider's rows for its date (regenerated when their inputs change), the
/// ladder match, the fetch with its faults, and the clamp. Leaves the fetched rows in `e.candidates`.
#[allow(clippy::too_many_arguments)]
fn fetch(
    e: &mut ExpiryState,
    ix: &IndexState,
    date: Option<NaiveDate>,
    n: u64,
    inputs: &CycleInputs,
    per_side: u32,
    config: &Config,
    random: &RandomSource,
    events: &mut Vec<LoggedEvent>,
) -> (ExpiryOutcome, Option<Clamp>) {
    let ladder = &ix.ladder;
    let symbol = ix.meta.symbol.as_str();
    let mut outcome = ExpiryOutcome { strikes_requested: ladder.strikes.len() as u32, ..ExpiryOutcome::default() };
    e.candidates.clear();
    let Some(date) = date else {
        outcome.failure = Some(Failure::Unresolved);
        return (outcome, None);
    };
    let mut clamp = None;
    if provider_answers(inputs.faults, symbol, e.rule, ladder) {
        let provider_atm = atm_strike(ix.spot, ix.meta.step);
        let padding = inputs.faults.oversize(symbol);
        let listed = ix.listed.as_ref().map_or(&[][..], |(_, l)| l.as_slice());
        let key = (date, provider_atm.to_bits(), padding, listed.contains(&date));
        if e.rows_key != Some(key) {
            // The provider lists rows for the expiries it lists only (a dated rule may name another day).
            e.list(Some(key), |rows, previous| {
                let step = ix.meta.step;
                if listed.contains(&date) && !previous.is_some_and(|p| shifted(rows, p, key, ix.order, step, per_side))
                {
                    rows.reserve(2 * (2 * per_side as usize + 1) + padding as usize);
                    push_expiry_rows(rows, ix.order, date, provider_atm, step, per_side, padding);
                }
            });
            // What was measured on the old rows: their positions may now hold other strikes.
            e.measured.current = false;
        }
        if e.matched_for.as_deref() != Some(ladder.strikes.as_slice()) {
            // The provider's rows ascend by strike: only those between the ladder's ends can match it.
            let within = match (ladder.strikes.first(), ladder.strikes.last()) {
                (Some(lo), Some(hi)) => {
                    let from = e.rows.partition_point(|r| r.strike.total_cmp(lo).is_lt());
                    from..from + e.rows[from..].partition_point(|r| r.strike.total_cmp(hi).is_le())
                }
                _ => 0..0,
            };
            e.matched = match_ladder(&e.bucket[within], &e.rows, ladder);
            e.matched_for.get_or_insert_default().clone_from(&ladder.strikes);
        }
        let fault = ExpiryFault { faults: inputs.faults, symbol, rule: e.rule, random, cycle: n };
        fetch_into(&mut e.candidates, &e.matched, &e.bucket, &e.rows, ladder, &fault);
        let original = e.candidates.len();
        if let Some(max) = clamp_limit(original, config) {
            e.candidates = select(&e.candidates, &e.rows, ladder.atm, max, ClampStrategy::of(config));
            clamp = Some(clamp_of(original, e.candidates.len(), max, config));
        }
        outcome.instruments = e.candidates.len() as u32;
        if !e.candidates.is_empty() && inputs.faults.quotes_missing(symbol, e.rule) {
            // Placeholders stand in for the quotes; parity g6 keeps one instrument per placeholder key.
            outcome.synthetic = true;
            if config.parity.is_g6() {
                let placeholders = placeholders(&e.candidates, &e.rows, &ix.meta, date, inputs.unix);
                e.candidates = distinct_keys(&placeholders).iter().map(|&i| e.candidates[i]).collect();
            }
        }
    }
    if e.candidates.is_empty() {
        outcome.failure = Some(Failure::NoInstruments);
        let event = zero_data_event(symbol, date, e.rule.to_string(), ladder, inputs.unix);
        events.push(LoggedEvent { cycle: n, event });
    }
    (outcome, clamp)
}

/// The rows [`push_expiry_rows`] gives for `key`, into `rows`, made from `previous`'s rows (of the same listed
/// expiry, at an ATM fewer than a window away): the strikes both windows share are moved, only the new ones
/// generated. Only where that is exact: no padding (now or before), whole-number strikes (the ATMs and the
/// step), every strike of both windows positive. Whether it did.
fn shifted(
    rows: &mut Vec<UniverseRow>,
    previous: &Listing,
    key: RowsKey,
    index: u16,
    step: f64,
    per_side: u32,
) -> bool {
    let (Some((previous_date, previous_atm, 0, true)), (date, atm, 0, true)) = (previous.key, key) else {
        return false;
    };
    let (previous_atm, atm) = (f64::from_bits(previous_atm), f64::from_bits(atm));
    let whole = |x: f64| x.fract() == 0.0 && x.abs() < 1e15;
    let n = 2 * per_side + 1;
    let (half, shift) = (f64::from(per_side) * step, (atm - previous_atm) / step);
    let exact = previous_date == date && step > 0.0 && whole(step) && whole(atm) && whole(previous_atm);
    let near = shift.fract() == 0.0 && shift.abs() < f64::from(n);
    let positive = previous_atm - half > 0.0 && atm - half > 0.0;
    if !(exact && near && positive && previous.rows.len() == 2 * n as usize) {
        return false;
    }
    let series = series_key(index, Some(date));
    let strike = |i: u32| atm + (f64::from(i) - f64::from(per_side)) * step;
    rows.reserve(previous.rows.len());
    let d = shift.abs() as u32;
    if shift > 0.0 {
        rows.extend_from_slice(&previous.rows[2 * d as usize..]);
        for i in n - d..n {
            push_strike_rows(rows, series, index, date, strike(i), 0);
        }
    } else {
        for i in 0..d {
            push_strike_rows(rows, series, index, date, strike(i), 0);
        }
        rows.extend_from_slice(&previous.rows[..2 * (n - d) as usize]);
    }
    true
}

/// Validation of an expiry's fetched rows and the `injected` malformed rows a `BadRows` fault adds after them,
/// into `e.dropped` (the fetched rows'); whether it dropped any row. An instrument's row is judged on its
/// strike alone (its expiry is the resolved one, its type CE or PE, its quote has a last price and oi), and
/// the positive finite strikes [`check_row`] accepts form an interval (within the band around the reference
/// price): without injected rows, when every fetched strike is positive and finite (not `unusual`) and the
/// lowest and the highest (`e.strikes`' ends) pass, every row does; only otherwise is each row checked.
fn validate_rows(
    e: &mut ExpiryState,
    ladder: &StrikeLadder,
    date: NaiveDate,
    parity: bool,
    unusual: bool,
    injected: u32,
) -> bool {
    let quote = Quote::default();
    // The index price, when there is one (else the reference is the rows' median strike).
    let reference = reference_price(ladder.price, &[]);
    let passes = |strike: &f64| {
        check_row(&instrument_row(*strike, OptionKind::CE, date, &quote), reference, date, parity).is_ok()
    };
    if injected == 0
        && !unusual
        && reference > 0.0
        && e.strikes.first().is_none_or(passes)
        && e.strikes.last().is_none_or(passes)
    {
        return false;
    }
    let row_of = |r: u32| {
        let row = &e.rows[r as usize];
        instrument_row(row.strike, row.kind, date, &quote)
    };
    e.quote_rows.clear();
    e.quote_rows.extend(e.candidates.iter().map(|&r| row_of(r)));
    e.quote_rows.extend((0..injected).map(|k| bad_row(k, ladder.atm, date)));
    let mut any = false;
    for (k, verdict) in verdicts(&e.quote_rows, ladder.price, date, parity).enumerate() {
        any |= verdict.is_err();
        if let Some(dropped) = e.dropped.get_mut(k) {
            *dropped = verdict.is_err();
        }
    }
    any
}

/// Where a lean cycle is: its number, inputs and random source.
struct At<'a> {
    n: u64,
    inputs: &'a CycleInputs<'a>,
    random: &'a RandomSource,
}

/// Phases 6-8 of one expiry: validation's drops, strike and field coverage, status and partial reason,
/// written into its summary.
#[allow(clippy::too_many_arguments)]
fn measure(
    e: &mut ExpiryState,
    ix: &IndexState,
    date: Option<NaiveDate>,
    mut outcome: ExpiryOutcome,
    clamp: Option<Clamp>,
    at: &At,
    config: &Config,
    th: Thresholds,
    out: &mut ExpirySummary,
) -> Classification {
    let parity = config.parity.is_g6();
    let (mut strike, mut field) = (None, None);
    if let (None, Some(date)) = (outcome.failure, date) {
        let n = e.candidates.len();
        // The fetched strikes and their coverage of the ladder, kept while both are the same as last cycle's.
        let m = &e.measured;
        let same = m.current && m.candidates == e.candidates && m.ladder == ix.ladder.strikes;
        if !same {
            let mut unusual = false;
            let strikes = e.candidates.iter().map(|&r| e.rows[r as usize].strike);
            distinct_strikes_into(&mut e.strikes, strikes.inspect(|s| unusual |= !(*s > 0.0 && s.is_finite())));
            let coverage = strike_coverage(&ix.ladder.strikes, &e.strikes, parity);
            let m = &mut e.measured;
            m.current = true;
            m.candidates.clone_from(&e.candidates);
            m.ladder.clone_from(&ix.ladder.strikes);
            (m.unusual, m.coverage) = (unusual, coverage);
        }
        let Measured { unusual, coverage, .. } = e.measured;
        e.dropped.clear();
        e.dropped.resize(n, false);
        e.validation_dropped = config.validation && {
            let injected = at.inputs.faults.bad_rows(&ix.meta.symbol, e.rule);
            validate_rows(e, &ix.ladder, date, parity, unusual, injected)
        };
        let kept = e.dropped.iter().filter(|d| !**d).count();
        outcome.options = kept as u32;
        strike = Some(coverage);
        // Field coverage: every kept quote is full but those a field dropout hits.
        let symbol = ix.meta.symbol.as_str();
        let ratio = at.inputs.faults.field_dropout(symbol, e.rule);
        let mut full = kept;
        if outcome.synthetic {
            // A placeholder's fields are all 0.
            full = 0;
        } else if ratio > 0.0 {
            let mut stream = at.random.stream(symbol, &e.rule.token(), at.n, "field_dropout");
            full -= field_dropout_picks(n, ratio, &mut stream).into_iter().filter(|&i| !e.dropped[i]).count();
        }
        let stats = FieldStats { total: kept as u32, full: full as u32, ..FieldStats::default() };
        field = Some(stats.coverage(parity));
    }
    let strict = clamp.as_ref().is_some_and(|c| c.strict);
    let c = classify(&outcome, strike, field, strict, th, parity);
    if e.summary_date != Some(date) {
        out.expiry_date = date.map(|d| d.to_string());
        e.summary_date = Some(date);
    }
    out.status = c.status;
    out.partial_reason = c.reason;
    out.strike_coverage = strike;
    out.field_coverage = field;
    out.strikes_requested = outcome.strikes_requested;
    out.instruments = outcome.instruments;
    out.options = outcome.options;
    out.failure = outcome.failure;
    out.synthetic = outcome.synthetic;
    out.clamp = clamp;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events the lean path emits are events of the run, and among them the one `MaxFlips` reads.
    #[test]
    fn the_events_it_gives_are_the_runs() {
        for event in EVENTS {
            assert!(crate::events::EVENT_NAMES.contains(&event), "{event}");
        }
        assert_eq!(gives(Reads::Events(crate::schema::DEPTH_EVENT)), LeanSupport::Modelled);
    }

    /// Rows moved to another ATM are the rows generated there, wherever that is exact; elsewhere (a step
    /// that is no whole number, strikes at or below 0, an ATM a window away or more, another expiry, padding)
    /// none are made.
    #[test]
    fn shifted_rows_are_the_generated_rows() {
        let date = NaiveDate::from_ymd_opt(2025, 10, 30).unwrap();
        let listing = |atm: f64, step: f64, per_side: u32| {
            let mut rows = Vec::new();
            push_expiry_rows(&mut rows, 2, date, atm, step, per_side, 0);
            Listing {
                key: Some((date, atm.to_bits(), 0, true)),
                rows,
                bucket: vec![],
                matched_for: None,
                matched: vec![],
            }
        };
        for (step, per_side) in [(50.0, 40), (25.0, 3), (100.0, 0)] {
            let from = listing(24_800.0, step, per_side);
            for d in -(2 * per_side as i32 + 1)..=(2 * per_side as i32 + 1) {
                let atm = 24_800.0 + f64::from(d) * step;
                let mut rows = Vec::new();
                let moved = shifted(&mut rows, &from, (date, atm.to_bits(), 0, true), 2, step, per_side);
                let padded = (date, atm.to_bits(), 1, true);
                assert!(!shifted(&mut Vec::new(), &from, padded, 2, step, per_side), "padded now");
                assert_eq!(moved, d.unsigned_abs() < 2 * per_side + 1, "{step} {per_side} {d}");
                if moved {
                    assert_eq!(rows, listing(atm, step, per_side).rows, "{step} {per_side} {d}");
                }
            }
        }
        let refused = [(listing(100.5, 0.5, 5), 101.0, 0.5, 5), (listing(150.0, 50.0, 3), 200.0, 50.0, 3)];
        let other_day = Listing {
            key: Some((date.succ_opt().unwrap(), 24_800f64.to_bits(), 0, true)),
            ..listing(24_800.0, 50.0, 3)
        };
        let padded = Listing { key: Some((date, 24_800f64.to_bits(), 4, true)), ..listing(24_800.0, 50.0, 3) };
        for (from, atm, step, per_side) in
            refused.into_iter().chain([(other_day, 24_850.0, 50.0, 3), (padded, 24_850.0, 50.0, 3)])
        {
            let key = (date, f64::to_bits(atm), 0, true);
            assert!(!shifted(&mut Vec::new(), &from, key, 2, step, per_side), "{atm} {step}");
        }
    }

    /// Each cycle's faults are the director's at that cycle, and each cycle's time and cycle time a full run's,
    /// whatever the offset, the interval (days crossed or not; shorter than a cycle takes, or not) and the
    /// phases (overlapping, adjacent, at the run's ends; a slow provider's).
    #[test]
    fn cycle_times_and_faults_are_the_full_runs() {
        use crate::run::{RunOptions, run_scenario};
        let phases = r#"phases: [
            (name: "a", cycles: (1, 3), faults: [Outage]),
            (name: "b", cycles: (3, 9), index: "NIFTY", faults: [StrikeDropout(0.5)]),
            (name: "c", cycles: (10, 10), faults: [FieldDropout(0.2)]),
            (name: "d", cycles: (6, 40), rule: "this_week", faults: [StrayStrikes(2)]),
            (name: "e", cycles: (12, 14), rule: "next_week", faults: [SlowProvider(0.7)]),
        ]"#;
        for start in ["2025-10-06T09:15:00+05:30", "2025-12-31T23:59:59-09:30", "2024-02-28T00:00:00+14:00"] {
            for interval in [1, 59, 3600, 43_201, 86_399, 86_400, 172_813, 604_800] {
                let text = format!(
                    r#"Scenario(name: "t", start: "{start}", interval_s: {interval}, cycles: 40,
                        indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"])], {phases})"#
                );
                let scenario = crate::scenario::parse("t.ron", &text).unwrap();
                let config = Config::default();
                let lean = Lean::new(&scenario, &[&config], 40, false).unwrap();
                let loaded = crate::scenario::LoadedScenario::inline(scenario.clone(), "t.ron");
                let full = run_scenario(&loaded, &RunOptions::default()).unwrap();
                let mut n = 0;
                for faults in lean.faults() {
                    n += 1;
                    assert_eq!(
                        faults.0,
                        ActiveFaults::at(&scenario.phases, n).0,
                        "{start} every {interval} s, cycle {n}"
                    );
                }
                let mut summaries = Vec::new();
                lean.run(&config, 0, |summary, _| summaries.push((summary.ts, summary.cycle_time)));
                let expected: Vec<_> = full.result.cycles.iter().map(|c| (c.ts, c.cycle_time)).collect();
                assert_eq!(summaries, expected, "{start} every {interval} s");
                assert_eq!(n, 40);
                assert!(lean.faults.len() <= 8, "one entry per change, not per cycle");
            }
        }
    }
}
