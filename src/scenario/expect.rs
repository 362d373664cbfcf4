//! Expectations: what a scenario asserts about its run, checked cycle by cycle as the run goes
//! ([`Evaluator`]) and decided after the last cycle.
//!
//! Temporal forms: `At(cycle, check)`, `By(cycle, check)` (eventually, at or before the cycle),
//! `Always(check)`, `Never(check)`, `AtLeastOnce(check)`; run-wide forms: `MaxFlips(index, flips, window)`
//! (depth direction changes in any window of cycles) and `Total(of, is)` (counts summed over the run).
//! Each failure says what was expected, what happened and at which cycle.

use super::property::{Setting, Watch, check as check_property};
use crate::calendar::ExpiryRule;
use crate::events::{CycleSummary, Event, LoggedEvent};
use crate::schema::{Anchor, Check, Cmp, Expectation, Side, Tally, tally_label};
use crate::vocab::AdjustReason;
use crate::vocab::{ExpiryStatus, PartialReason};
use serde::Serialize;
use std::fmt;

/// The verdict on one expectation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectationOutcome {
    pub expectation: String,
    pub passed: bool,
    /// What happened (on failure: what was seen instead, and where).
    pub detail: String,
    /// The cycle the verdict points at, if any.
    pub cycle: Option<u64>,
}

impl ExpectationOutcome {
    /// What a failed expectation says wherever it is shown: `[cycle N] expected <expectation>; <detail>` (no
    /// cycle part when the verdict points at none).
    pub fn failure_text(&self) -> String {
        let at = self.cycle.map(|c| format!("[cycle {c}] ")).unwrap_or_default();
        format!("{at}expected {}; {}", self.expectation, self.detail)
    }
}

/// What a run's expectations come to: the one rule every command applies (`run`, `run --seeds`, `check`,
/// `check --seeds`). A run that checks nothing is [`Verdict::Empty`] and fails like a failed expectation
/// (exit code 1): a CI check that asserts nothing must not pass. Sweep scores count runs whose expectations
/// all held (`pass_share`), vacuously so for a scenario without expectations. Bad input has no verdict: it
/// exits with [`Verdict::BAD_INPUT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every expectation held, and there is at least one.
    Pass,
    /// An expectation failed.
    Fail,
    /// The scenario has no expectations: nothing was checked.
    Empty,
}

impl Verdict {
    /// The verdict of these outcomes (one per expectation of the scenario).
    pub fn of(outcomes: &[ExpectationOutcome]) -> Self {
        Self::of_counts(outcomes.len(), outcomes.iter().filter(|o| !o.passed).count())
    }

    /// The verdict of `expectations` expectations of which `failed` failed.
    pub fn of_counts(expectations: usize, failed: usize) -> Self {
        match (expectations, failed) {
            (0, _) => Verdict::Empty,
            (_, 0) => Verdict::Pass,
            _ => Verdict::Fail,
        }
    }

    /// The verdict of several runs of one scenario (seeds): `Empty` when the scenario checks nothing, else
    /// `Pass` only when every run passed.
    pub fn all(verdicts: impl IntoIterator<Item = Verdict>) -> Self {
        verdicts.into_iter().fold(Verdict::Pass, |acc, v| match (acc, v) {
            (Verdict::Empty, _) | (_, Verdict::Empty) => Verdict::Empty,
            (Verdict::Fail, _) | (_, Verdict::Fail) => Verdict::Fail,
            _ => Verdict::Pass,
        })
    }

    /// `PASS`, `FAIL` or `EMPTY`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Empty => "EMPTY",
        }
    }

    /// The process exit code of a command with this verdict: 0 pass, 1 fail or empty.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail | Verdict::Empty => 1,
        }
    }

    /// The process exit code of bad input, where no verdict is reached: a file that cannot be loaded, run or
    /// written, a flag or a value that cannot apply. It outranks every verdict: `g6sim check` exits with it
    /// when one file is an ERROR, whatever the others' verdicts.
    pub const BAD_INPUT: u8 = 2;

    /// The line that explains an empty verdict.
    pub const EMPTY_HINT: &str = "no expectations: nothing was checked (add `expectations` to the scenario)";
}

impl Check {
    /// The index the check is about, if any.
    pub fn index(&self) -> Option<&str> {
        match self {
            Check::Depth { index, .. }
            | Check::AtBaseline { index }
            | Check::Status { index, .. }
            | Check::Reason { index, .. }
            | Check::StrikeCoverage { index, .. }
            | Check::FieldCoverage { index, .. }
            | Check::InvalidExpiries { index, .. } => Some(index),
            Check::Events { index, .. } => index.as_deref(),
            Check::StatusTotal { .. }
            | Check::ReasonTotal { .. }
            | Check::ValidationDrops { .. }
            | Check::UniverseSkipped { .. }
            | Check::CycleTime { .. }
            | Check::SlaBreach
            | Check::ScaleFactor { .. }
            | Check::MemoryTier { .. } => None,
        }
    }

    /// Whether the check holds at this cycle, and what was seen.
    pub fn observe(&self, cycle: &CycleSummary, events: &[LoggedEvent]) -> (bool, String) {
        self.judge(cycle, events, true)
    }

    /// Whether the check holds at this cycle ([`Check::observe`] without writing what was seen).
    pub fn holds(&self, cycle: &CycleSummary, events: &[LoggedEvent]) -> bool {
        self.judge(cycle, events, false).0
    }

    /// The verdict, and what was seen when `detail` (else an empty string: the verdict of every cycle is
    /// needed, what was seen only at the cycle that decides).
    fn judge(&self, cycle: &CycleSummary, events: &[LoggedEvent], detail: bool) -> (bool, String) {
        let note = |text: fmt::Arguments| if detail { text.to_string() } else { String::new() };
        let index = |name: &str| cycle.index(name).ok_or_else(|| format!("index {name} absent"));
        let expiry = |name: &str, rule: &ExpiryRule| {
            index(name).and_then(|i| i.expiry_of(*rule).ok_or_else(|| format!("{name} has no expiry {rule}")))
        };
        let cmp = |x: f64, is: &Cmp, what: fmt::Arguments| (is.holds(x), note(format_args!("{what} = {x}")));
        let result: Result<(bool, String), String> = (|| {
            Ok(match self {
                Check::Depth { index: name, side, is } => {
                    let i = index(name)?;
                    let (itm, otm) = (f64::from(i.depth.itm), f64::from(i.depth.otm));
                    let holds = match side {
                        Side::Itm => is.holds(itm),
                        Side::Otm => is.holds(otm),
                        Side::Both => is.holds(itm) && is.holds(otm),
                    };
                    (holds, note(format_args!("{name} depth itm {itm} otm {otm}")))
                }
                Check::AtBaseline { index: name } => {
                    let i = index(name)?;
                    (
                        i.depth == i.baseline,
                        note(format_args!(
                            "{name} depth {}/{} baseline {}/{}",
                            i.depth.itm, i.depth.otm, i.baseline.itm, i.baseline.otm
                        )),
                    )
                }
                Check::Status { index: name, rule: None, is } => {
                    let i = index(name)?;
                    (i.status == *is, note(format_args!("{name} status {}", i.status.as_str())))
                }
                Check::Status { index: name, rule: Some(rule), is } => {
                    let e = expiry(name, rule)?;
                    (
                        e.status == Some(*is),
                        note(format_args!("{name} {rule} status {}", e.status.map_or("none", ExpiryStatus::as_str))),
                    )
                }
                Check::Reason { index: name, rule, is } => {
                    let e = expiry(name, rule)?;
                    (
                        e.partial_reason == Some(*is),
                        note(format_args!(
                            "{name} {rule} partial_reason {}",
                            e.partial_reason.map_or("none", PartialReason::as_str)
                        )),
                    )
                }
                Check::StrikeCoverage { index: name, rule, is } => match expiry(name, rule)?.strike_coverage {
                    Some(x) => cmp(x, is, format_args!("{name} {rule} strike coverage")),
                    None => (false, note(format_args!("{name} {rule} strike coverage not measured"))),
                },
                Check::FieldCoverage { index: name, rule, is } => match expiry(name, rule)?.field_coverage {
                    Some(x) => cmp(x, is, format_args!("{name} {rule} field coverage")),
                    None => (false, note(format_args!("{name} {rule} field coverage not measured"))),
                },
                Check::StatusTotal { status, is } => cmp(
                    f64::from(cycle.expiry_status_totals.get(*status)),
                    is,
                    format_args!("{} expiries", status.as_str()),
                ),
                Check::ReasonTotal { reason, is } => cmp(
                    f64::from(cycle.partial_reason_totals.get(*reason)),
                    is,
                    format_args!("{} total", reason.as_str()),
                ),
                Check::Events { event, index, reason, is } => {
                    let n = events
                        .iter()
                        .filter(|e| {
                            e.cycle == cycle.cycle
                                && event_matches(&e.event, event, index.as_deref(), reason.as_deref())
                        })
                        .count();
                    cmp(n as f64, is, format_args!("{event} events"))
                }
                Check::InvalidExpiries { index: name, is } => {
                    cmp(f64::from(index(name)?.expiry_map.invalid_expiry), is, format_args!("{name} invalid expiries"))
                }
                Check::ValidationDrops { reason, is } => {
                    let drops = cycle.validation_drops.as_ref();
                    let n = drops.and_then(|d| d.0.iter().find(|(r, _)| r == reason.as_str())).map_or(0, |(_, n)| *n);
                    cmp(f64::from(n), is, format_args!("{} drops", reason.as_str()))
                }
                Check::UniverseSkipped { reason, is } => {
                    let n = cycle.universe_skipped.map_or(0, |s| s.get(*reason));
                    cmp(n as f64, is, format_args!("{reason} rows skipped"))
                }
                Check::CycleTime { is } => cmp(cycle.cycle_time.elapsed_s, is, format_args!("cycle time (s)")),
                Check::SlaBreach => {
                    let t = cycle.cycle_time;
                    (t.breach, note(format_args!("cycle time {} s, SLA {} s", t.elapsed_s, t.sla_s)))
                }
                Check::ScaleFactor { is } => {
                    let scale = cycle.strike_scaling.map_or(1.0, |s| s.scale);
                    cmp(scale, is, format_args!("strike scale"))
                }
                Check::MemoryTier { is } => {
                    let level = cycle.memory.as_ref().map_or(0, |m| m.level);
                    cmp(level as f64, is, format_args!("memory tier"))
                }
            })
        })();
        result.unwrap_or_else(|missing| (false, missing))
    }
}

fn event_matches(e: &Event, name: &str, index: Option<&str>, reason: Option<&str>) -> bool {
    e.name() == name
        && index.is_none_or(|i| e.index().is_some_and(|x| x.eq_ignore_ascii_case(i)))
        && reason.is_none_or(|r| e.reason() == Some(r))
}

/// The cycles at which an index's depth changed direction (an expansion after a contraction or back).
pub fn direction_flips(events: &[LoggedEvent], index: &str) -> Vec<u64> {
    let mut last: Option<AdjustReason> = None;
    let mut flips = Vec::new();
    for e in events {
        if let Event::StrikeDepthAdjustment(a) = &e.event
            && a.index.eq_ignore_ascii_case(index)
        {
            if last.is_some_and(|l| l != a.reason) {
                flips.push(e.cycle);
            }
            last = Some(a.reason);
        }
    }
    flips
}

/// One expectation's verdict so far.
#[derive(Clone, Debug)]
enum Progress {
    /// `At`, `By`, `Always`, `Never`, `AtLeastOnce`: the (passed, detail, cycle) once decided.
    Decided(Option<(bool, String, Option<u64>)>),
    /// `MaxFlips`: the depth direction of the last adjustment and the cycles of every flip.
    Flips { last: Option<AdjustReason>, at: Vec<u64> },
    /// `Total`: the count so far.
    Count(u64),
    /// `Keeps`: what the property remembers of the run, until it is decided (broken).
    Keeps(Watch),
}

/// Checks expectations one cycle at a time, keeping a few numbers per expectation (a `MaxFlips` keeps the
/// cycles of its index's direction flips, which its verdict lists), never the cycles or events themselves:
/// a run streams its cycles to disk and still gets its verdicts. [`evaluate`] is the same over a finished run.
#[derive(Clone, Debug)]
pub struct Evaluator<'a> {
    expectations: &'a [Expectation],
    /// What the properties of `Keeps` are judged against.
    setting: Setting,
    progress: Vec<Progress>,
    cycles: usize,
    last: u64,
    /// Whether verdicts say what happened (not for [`Evaluator::verdicts_only`]).
    detail: bool,
}

impl<'a> Evaluator<'a> {
    /// An evaluator of `expectations` over a run in `setting` (its configuration and fault windows).
    pub fn new(expectations: &'a [Expectation], setting: Setting) -> Self {
        let progress = expectations
            .iter()
            .map(|e| match e {
                Expectation::MaxFlips { .. } => Progress::Flips { last: None, at: Vec::new() },
                Expectation::Total { .. } => Progress::Count(0),
                Expectation::Keeps(_) => Progress::Keeps(Watch::default()),
                Expectation::At { .. }
                | Expectation::By { .. }
                | Expectation::Always(_)
                | Expectation::Never(_)
                | Expectation::AtLeastOnce(_)
                | Expectation::Eventually { .. }
                | Expectation::OutsideFaults(_) => Progress::Decided(None),
            })
            .collect();
        Self { expectations, setting, progress, cycles: 0, last: 0, detail: true }
    }

    /// An evaluator that decides the same verdicts without saying what happened (every `detail` empty): a
    /// sweep needs only whether each expectation held.
    pub fn verdicts_only(expectations: &'a [Expectation], setting: Setting) -> Self {
        Self { detail: false, ..Self::new(expectations, setting) }
    }

    /// Folds in one finished cycle and the events it emitted (cycles in run order).
    pub fn observe(&mut self, cycle: &CycleSummary, events: &[LoggedEvent]) {
        self.cycles += 1;
        self.last = cycle.cycle;
        let n = cycle.cycle;
        let detail = self.detail;
        let note = |text: fmt::Arguments| if detail { text.to_string() } else { String::new() };
        let seen = |check: &Check| check.judge(cycle, events, detail).1;
        for (e, progress) in self.expectations.iter().zip(&mut self.progress) {
            match (e, &mut *progress) {
                (_, Progress::Decided(Some(_))) => {}
                (Expectation::At { cycle: at, check }, Progress::Decided(decided)) if n == *at => {
                    let (holds, seen) = check.judge(cycle, events, detail);
                    *decided = Some((holds, seen, Some(n)));
                }
                (Expectation::By { cycle: by, check }, Progress::Decided(decided)) if n <= *by => {
                    if check.holds(cycle, events) {
                        *decided = Some((true, note(format_args!("held at cycle {n}")), Some(n)));
                    } else if n == *by {
                        let seen = seen(check);
                        *decided = Some((false, note(format_args!("never held; at cycle {by}: {seen}")), Some(n)));
                    }
                }
                (Expectation::Always(check), Progress::Decided(decided)) if !check.holds(cycle, events) => {
                    let seen = seen(check);
                    *decided = Some((false, note(format_args!("did not hold at cycle {n}: {seen}")), Some(n)));
                }
                (Expectation::Never(check), Progress::Decided(decided)) if check.holds(cycle, events) => {
                    let seen = seen(check);
                    *decided = Some((false, note(format_args!("held at cycle {n}: {seen}")), Some(n)));
                }
                (Expectation::AtLeastOnce(check), Progress::Decided(decided)) if check.holds(cycle, events) => {
                    *decided = Some((true, note(format_args!("held at cycle {n}")), Some(n)));
                }
                (Expectation::MaxFlips { index, .. }, Progress::Flips { last, at }) => {
                    for e in events {
                        if let Event::StrikeDepthAdjustment(a) = &e.event
                            && a.index.eq_ignore_ascii_case(index)
                        {
                            if last.is_some_and(|l| l != a.reason) {
                                at.push(e.cycle);
                            }
                            *last = Some(a.reason);
                        }
                    }
                }
                (Expectation::Total { of, .. }, Progress::Count(count)) => *count += tally(of, cycle, events),
                (Expectation::Eventually { within, after, check }, Progress::Decided(decided)) => {
                    let from = anchor(&self.setting, *after);
                    let deadline = from.saturating_add(*within);
                    if n > from && n <= deadline && check.holds(cycle, events) {
                        *decided = Some((true, note(format_args!("held at cycle {n}")), Some(n)));
                    } else if n == deadline {
                        let seen = seen(check);
                        let text = format_args!(
                            "did not hold in cycles {}..={deadline}; at cycle {deadline}: {seen}",
                            from + 1
                        );
                        *decided = Some((false, note(text), Some(n)));
                    }
                }
                (Expectation::OutsideFaults(check), Progress::Decided(decided))
                    if !self.setting.faults.iter().any(|w| w.contains(n)) && !check.holds(cycle, events) =>
                {
                    let seen = seen(check);
                    *decided = Some((
                        false,
                        note(format_args!("did not hold at cycle {n}, outside the faults: {seen}")),
                        Some(n),
                    ));
                }
                (Expectation::Keeps(property), Progress::Keeps(watch)) => {
                    if let Some(broken) = check_property(*property, &self.setting, watch, cycle, events) {
                        // The outcome's cycle says where: the detail says what.
                        *progress = Progress::Decided(Some((false, note(format_args!("{broken}")), Some(n))));
                    }
                }
                // Nothing decided this cycle: not the form's cycle, or its check held where it must (failed where
                // it must fail).
                (
                    Expectation::At { .. }
                    | Expectation::By { .. }
                    | Expectation::Always(_)
                    | Expectation::Never(_)
                    | Expectation::AtLeastOnce(_)
                    | Expectation::MaxFlips { .. }
                    | Expectation::Total { .. }
                    | Expectation::Keeps(_)
                    | Expectation::Eventually { .. }
                    | Expectation::OutsideFaults(_),
                    _,
                ) => {}
            }
        }
    }

    /// The verdicts, in the expectations' order.
    pub fn finish(self) -> Vec<ExpectationOutcome> {
        (0..self.expectations.len())
            .map(|k| {
                let (passed, detail, cycle) = self.verdict(k, true);
                ExpectationOutcome { expectation: self.expectations[k].to_string(), passed, detail, cycle }
            })
            .collect()
    }

    /// Whether every expectation held ([`Evaluator::finish`] without writing the verdicts).
    pub fn passed(&self) -> bool {
        (0..self.expectations.len()).all(|k| self.verdict(k, false).0)
    }

    /// Expectation `k`'s verdict: passed, what happened (when `detail`, else an empty string) and the cycle.
    fn verdict(&self, k: usize, detail: bool) -> (bool, String, Option<u64>) {
        let (last, cycles) = (self.last, self.cycles);
        let detail = detail && self.detail;
        let note = |text: fmt::Arguments| if detail { text.to_string() } else { String::new() };
        let not_reached =
            |cycle: u64| (false, note(format_args!("the run ended at cycle {last}, before cycle {cycle}")), None);
        match (&self.expectations[k], &self.progress[k]) {
            (_, Progress::Decided(Some((passed, seen, cycle)))) => {
                (*passed, if detail { seen.clone() } else { String::new() }, *cycle)
            }
            (Expectation::At { cycle, .. } | Expectation::By { cycle, .. }, _) => not_reached(*cycle),
            (Expectation::Always(_), _) => (true, note(format_args!("held in all {cycles} cycles")), None),
            (Expectation::Never(_), _) => (true, note(format_args!("never held in {cycles} cycles")), None),
            (Expectation::AtLeastOnce(_), _) => (false, note(format_args!("never held in {cycles} cycles")), None),
            (Expectation::MaxFlips { flips, window, .. }, Progress::Flips { at, .. }) => {
                let window = (*window).max(1);
                let worst = (1..=last.max(1))
                    .map(|start| (start, at.iter().filter(|c| (start..start + window).contains(c)).count()))
                    .max_by_key(|(start, n)| (*n, std::cmp::Reverse(*start)))
                    .unwrap_or((1, 0));
                let (start, n) = worst;
                let detail =
                    note(format_args!("{n} flip(s) in cycles {start}..={} (flips at {:?})", start + window - 1, at));
                (n as u32 <= *flips, detail, (n > 0).then_some(start))
            }
            (Expectation::Total { of, is }, Progress::Count(n)) => {
                (is.holds(*n as f64), note(format_args!("{} = {n}", tally_label(of))), None)
            }
            (Expectation::Keeps(_), _) => (true, note(format_args!("kept in all {cycles} cycles")), None),
            (Expectation::OutsideFaults(_), _) => {
                (true, note(format_args!("held in every cycle outside the faults ({cycles} cycles run)")), None)
            }
            // The run ended before the deadline without the check holding: it had no chance to.
            (Expectation::Eventually { within, after, .. }, _) => {
                let deadline = anchor(&self.setting, *after).saturating_add(*within);
                (
                    true,
                    note(format_args!("the run ended at cycle {last}, before the deadline (cycle {deadline})")),
                    None,
                )
            }
            (e, progress) => unreachable!("{e}: progress {progress:?} is made for another expectation"),
        }
    }
}

/// The cycle an `Eventually` counts from: 0 (before the first cycle), or the last fault window's last.
fn anchor(setting: &Setting, after: Anchor) -> u64 {
    match after {
        Anchor::Start => 0,
        Anchor::LastFault => setting.last_fault().unwrap_or(0),
    }
}

fn scoped_expiries<'a>(
    cycle: &'a CycleSummary,
    index: &'a Option<String>,
    rule: &Option<ExpiryRule>,
) -> impl Iterator<Item = &'a crate::events::ExpirySummary> + 'a {
    let rule = rule.map(|r| r.token());
    cycle
        .indices
        .iter()
        .filter(move |i| index.as_ref().is_none_or(|n| i.index.eq_ignore_ascii_case(n)))
        .flat_map(|i| i.expiries.iter())
        .filter(move |e| rule.as_ref().is_none_or(|r| e.rule == *r))
}

/// What one cycle adds to a run-wide count.
fn tally(t: &Tally, cycle: &CycleSummary, events: &[LoggedEvent]) -> u64 {
    match t {
        Tally::Events { event, index, reason } => {
            events.iter().filter(|e| event_matches(&e.event, event, index.as_deref(), reason.as_deref())).count() as u64
        }
        Tally::Status { status, index, rule } => {
            scoped_expiries(cycle, index, rule).filter(|e| e.status == Some(*status)).count() as u64
        }
        Tally::Reason { reason, index, rule } => scoped_expiries(cycle, index, rule)
            .filter(|e| e.status == Some(ExpiryStatus::Partial) && e.partial_reason == Some(*reason))
            .count() as u64,
    }
}

/// Checks every expectation against a finished run, cycle by cycle ([`crate::events::by_cycle`]).
pub fn evaluate(
    expectations: &[Expectation],
    setting: Setting,
    cycles: &[CycleSummary],
    events: &[LoggedEvent],
) -> Vec<ExpectationOutcome> {
    let mut evaluator = Evaluator::new(expectations, setting);
    for (c, events) in crate::events::by_cycle(cycles, events) {
        evaluator.observe(c, events);
    }
    evaluator.finish()
}
