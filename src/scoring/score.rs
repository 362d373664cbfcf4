//! What one run of a setting is worth: the scores a sweep ranks settings by, as pure functions of a finished
//! run (cycle summaries, events, expectation verdicts) and the scenario's fault windows, and their table
//! ([`Score::info`]): each score's name, caption, unit, direction, how seeds combine it, its definition and
//! its value in a run. A setting's results, `results.csv`'s columns, the heat maps' panels and the score
//! table of docs/tuning.md are written from it.
//!
//! `recovery_cycles` counts, for every fault window and every index it scopes, the cycles from the window's
//! last cycle until the index's depth is back at its baseline (0 when it never left), averaged over those
//! pairs; a pair that never comes back within the run counts the cycles to the run's end plus one, and is
//! counted in `unrecovered`. The backlog's target for hysteresis is `flips_per_10` at most 1.

use crate::events::{CycleSummary, Event, LoggedEvent};
use crate::scenario::{ExpectationOutcome, Phase};
use crate::vocab::AdjustReason;
use crate::vocab::{ExpiryStatus, closed_set};
use serde::{Deserialize, Serialize};

closed_set! {
    /// A score of the table ([`Score::info`]).
    pub enum Score {
        PassShare,
        FlipsPer10,
        RecoveryCycles,
        Unrecovered,
        MeanDepth,
        StrikesPerCycle,
        InstrumentsPerCycle,
        PartialExpiryCycles,
        ClampEvents,
        BreachCycles,
        ScaleChanges,
    }
}

/// Which way a score is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// How the runs of a setting's seeds make its figures of a score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverSeeds {
    /// The share of seeds whose run scored 1: one column.
    Share,
    /// The mean, the 95th percentile and the worst: columns `_mean`, `_p95`, `_worst`.
    Stat,
    /// The sum over seeds (a count): one column.
    Sum,
}

/// One row of the score table.
#[derive(Clone, Copy, Debug)]
pub struct ScoreInfo {
    /// Its key in `results.json` and its column (or columns' stem) in `results.csv`.
    pub name: &'static str,
    /// The field of [`RunScore`] (`runs.jsonl`) it is read from.
    pub field: &'static str,
    /// What a chart or a table calls it (a heat map panel's title).
    pub caption: &'static str,
    /// The heading of its column in the printed Pareto front.
    pub heading: &'static str,
    pub unit: &'static str,
    pub better: Better,
    pub over_seeds: OverSeeds,
    /// What it measures (docs/tuning.md).
    pub definition: &'static str,
    /// Its value in one run.
    pub value: fn(&RunScore) -> f64,
}

/// The objectives of the Pareto front a recommendation is chosen from (means over seeds, each better lower),
/// in the order the front prints them and the heat maps draw them.
pub const OBJECTIVES: [Score; 3] = [Score::FlipsPer10, Score::MeanDepth, Score::PartialExpiryCycles];

impl Score {
    /// The score's row of the table.
    pub fn info(self) -> ScoreInfo {
        let row = |name, caption, heading, unit, over_seeds, definition, value| ScoreInfo {
            name,
            field: name,
            caption,
            heading,
            unit,
            better: Better::Lower,
            over_seeds,
            definition,
            value,
        };
        match self {
            Score::PassShare => ScoreInfo {
                field: "passed",
                better: Better::Higher,
                ..row(
                    "pass_share",
                    "share of seeds that pass",
                    "pass",
                    "share of seeds",
                    OverSeeds::Share,
                    "per setting: the share of its seeds whose expectations all held",
                    |s| if s.passed { 1.0 } else { 0.0 },
                )
            },
            Score::FlipsPer10 => row(
                "flips_per_10",
                "flips per 10 cycles",
                "flips/10",
                "flips per 10 cycles",
                OverSeeds::Stat,
                "depth direction changes (an expansion after a contraction, or back), summed over indices, per 10 \
                 cycles",
                |s| s.flips_per_10,
            ),
            Score::RecoveryCycles => row(
                "recovery_cycles",
                "cycles back to baseline",
                "recovery",
                "cycles",
                OverSeeds::Stat,
                "per fault window and index it scopes: cycles from the window's end until the depth is back at \
                 baseline",
                |s| s.recovery_cycles,
            ),
            Score::Unrecovered => row(
                "unrecovered",
                "windows never recovered",
                "unrecovered",
                "(window, index) pairs",
                OverSeeds::Sum,
                "(fault window, index) pairs whose depth never came back to baseline within the run",
                |s| f64::from(s.unrecovered),
            ),
            Score::MeanDepth => row(
                "mean_depth",
                "mean depth (strikes per side)",
                "mean depth",
                "strikes per side",
                OverSeeds::Stat,
                "strikes per side, (itm + otm) / 2, averaged over index-cycles: the cost of a setting",
                |s| s.mean_depth,
            ),
            Score::StrikesPerCycle => row(
                "strikes_per_cycle",
                "strikes requested per cycle",
                "strikes/cycle",
                "strikes per cycle",
                OverSeeds::Stat,
                "strikes requested per cycle, summed over expiries: the cost as the provider sees it",
                |s| s.strikes_per_cycle,
            ),
            Score::InstrumentsPerCycle => row(
                "instruments_per_cycle",
                "instruments fetched per cycle",
                "instruments/cycle",
                "instruments per cycle",
                OverSeeds::Stat,
                "instruments fetched per cycle, summed over expiries",
                |s| s.instruments_per_cycle,
            ),
            Score::PartialExpiryCycles => row(
                "partial_expiry_cycles",
                "PARTIAL expiry-cycles per run",
                "PARTIAL/run",
                "expiry-cycles per run",
                OverSeeds::Stat,
                "expiry-cycles whose status is PARTIAL: the price of contracting too early",
                |s| s.partial_expiry_cycles as f64,
            ),
            Score::ClampEvents => row(
                "clamp_events",
                "prefilter clamps per run",
                "clamps/run",
                "events per run",
                OverSeeds::Stat,
                "`prefilter_clamp` events",
                |s| s.clamp_events as f64,
            ),
            Score::BreachCycles => row(
                "breach_cycles",
                "SLA breaches per run",
                "breaches/run",
                "cycles per run",
                OverSeeds::Stat,
                "cycles whose modelled time exceeded their SLA (`cycle_sla_breach`)",
                |s| s.breach_cycles as f64,
            ),
            Score::ScaleChanges => row(
                "scale_changes",
                "strike scale changes per run",
                "scalings/run",
                "events per run",
                OverSeeds::Stat,
                "`adaptive_scale_change` events: how often strike scaling moved (with `strike_scaling`)",
                |s| s.scale_changes as f64,
            ),
        }
    }
}

/// The scores of one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunScore {
    pub flips_per_10: f64,
    pub recovery_cycles: f64,
    pub unrecovered: u32,
    pub mean_depth: f64,
    pub strikes_per_cycle: f64,
    pub instruments_per_cycle: f64,
    pub partial_expiry_cycles: u64,
    pub clamp_events: u64,
    #[serde(default)]
    pub breach_cycles: u64,
    #[serde(default)]
    pub scale_changes: u64,
    pub passed: bool,
}

/// Scores a finished run (a `Scorer` fed every cycle).
pub fn score(
    cycles: &[CycleSummary],
    events: &[LoggedEvent],
    outcomes: &[ExpectationOutcome],
    phases: &[Phase],
) -> RunScore {
    let mut scorer = Scorer::new(phases);
    for (cycle, events) in crate::events::by_cycle(cycles, events) {
        scorer.observe(cycle, events);
    }
    scorer.finish(outcomes.iter().all(|o| o.passed))
}

/// Scores a run one cycle at a time, keeping a few numbers per index and per fault window (module doc),
/// never the cycles: full runs and the lean path ([`super::lean`]) feed it the same way.
#[derive(Clone, Debug)]
pub struct Scorer<'a> {
    phases: &'a [Phase],
    /// The run's indices (from its first cycle), with the direction of each one's last depth change.
    indices: Vec<(String, Option<AdjustReason>)>,
    /// Per fault window, per index: the first cycle at or after the window's end with the depth at baseline.
    back: Vec<Vec<Option<u64>>>,
    cycles: u64,
    last: u64,
    flips: u64,
    depth_sum: f64,
    index_cycles: u64,
    strikes: u64,
    instruments: u64,
    partial: u64,
    clamps: u64,
    breaches: u64,
    scale_changes: u64,
}

impl<'a> Scorer<'a> {
    pub fn new(phases: &'a [Phase]) -> Self {
        Self {
            phases,
            indices: Vec::new(),
            back: Vec::new(),
            cycles: 0,
            last: 0,
            flips: 0,
            depth_sum: 0.0,
            index_cycles: 0,
            strikes: 0,
            instruments: 0,
            partial: 0,
            clamps: 0,
            breaches: 0,
            scale_changes: 0,
        }
    }

    /// Folds in one cycle and its events (cycles in run order).
    pub fn observe(&mut self, cycle: &CycleSummary, events: &[LoggedEvent]) {
        if self.cycles == 0 {
            self.indices = cycle.indices.iter().map(|i| (i.index.clone(), None)).collect();
            self.back = vec![vec![None; self.indices.len()]; self.phases.len()];
        }
        self.cycles += 1;
        self.last = cycle.cycle;
        self.breaches += u64::from(cycle.cycle_time.breach);
        for e in events {
            match &e.event {
                Event::StrikeDepthAdjustment(a) => {
                    for (name, last) in &mut self.indices {
                        if a.index.eq_ignore_ascii_case(name) {
                            self.flips += u64::from(last.is_some_and(|l| l != a.reason));
                            *last = Some(a.reason);
                        }
                    }
                }
                Event::PrefilterClamp(_) => self.clamps += 1,
                Event::AdaptiveScaleChange(_) => self.scale_changes += 1,
                _ => {}
            }
        }
        for i in &cycle.indices {
            self.depth_sum += f64::from(i.depth.itm + i.depth.otm) / 2.0;
            self.index_cycles += 1;
            for e in &i.expiries {
                self.strikes += u64::from(e.strikes_requested);
                self.instruments += u64::from(e.instruments);
                self.partial += u64::from(e.status == Some(ExpiryStatus::Partial));
            }
        }
        for (phase, back) in self.phases.iter().zip(&mut self.back) {
            if cycle.cycle < phase.cycles.last {
                continue;
            }
            for ((name, _), back) in self.indices.iter().zip(back.iter_mut()) {
                if back.is_none() && cycle.index(name).is_some_and(|i| i.depth == i.baseline) {
                    *back = Some(cycle.cycle);
                }
            }
        }
    }

    /// The scores, given whether every expectation held.
    pub fn finish(self, passed: bool) -> RunScore {
        let n = self.cycles.max(1) as f64;
        let (mut total, mut pairs, mut unrecovered) = (0u64, 0u64, 0u32);
        for (phase, back) in self.phases.iter().zip(&self.back) {
            let end = phase.cycles.last;
            if end > self.last {
                continue;
            }
            let scoped = self
                .indices
                .iter()
                .zip(back)
                .filter(|((name, _), _)| phase.index.as_ref().is_none_or(|p| p.eq_ignore_ascii_case(name)));
            for (_, back) in scoped {
                total += match back {
                    Some(cycle) => cycle - end,
                    None => {
                        unrecovered += 1;
                        self.last - end + 1
                    }
                };
                pairs += 1;
            }
        }
        RunScore {
            flips_per_10: self.flips as f64 * 10.0 / n,
            recovery_cycles: if pairs == 0 { 0.0 } else { total as f64 / pairs as f64 },
            unrecovered,
            mean_depth: if self.index_cycles == 0 { 0.0 } else { self.depth_sum / self.index_cycles as f64 },
            strikes_per_cycle: self.strikes as f64 / n,
            instruments_per_cycle: self.instruments as f64 / n,
            partial_expiry_cycles: self.partial,
            clamp_events: self.clamps,
            breach_cycles: self.breaches,
            scale_changes: self.scale_changes,
            passed,
        }
    }
}
