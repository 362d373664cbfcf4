use crate::events::{CycleSummary, Event, LoggedEvent};
use crate::rng::Stream;
use crate::vocab::OptionKind;
use crate::vocab::SkipReason;
use bevy_ecs::prelude::*;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};

/// The simulated clock: a scenario start time and a cycle interval. Never the wall clock.
#[derive(Resource, Debug, Clone, Copy)]
pub struct SimClock {
    pub start: DateTime<FixedOffset>,
    pub interval_s: u64,
    pub now: DateTime<FixedOffset>,
}

impl SimClock {
    pub fn new(start: DateTime<FixedOffset>, interval_s: u64) -> Self {
        Self { start, interval_s, now: start }
    }
    /// The time of cycle `cycle` (1-based), `start + (cycle - 1) x interval`; `None` past chrono's calendar.
    pub fn time_of(&self, cycle: u64) -> Option<DateTime<FixedOffset>> {
        let secs = i64::try_from(cycle.saturating_sub(1).checked_mul(self.interval_s)?).ok()?;
        self.start.checked_add_signed(TimeDelta::try_seconds(secs)?)
    }
    /// Moves the clock to cycle `cycle`. [`crate::run_scenario`] checks that every cycle of a run has a
    /// time; past the calendar the clock stays where it was rather than panic.
    pub fn set_cycle(&mut self, cycle: u64) {
        if let Some(t) = self.time_of(cycle) {
            self.now = t;
        }
    }
    /// Moves the clock from the last cycle's start to the next one's: `interval_s` later, or, when the last
    /// cycle took longer (`elapsed_s`), that long rounded up to whole seconds (the collector's loop sleeps
    /// `max(0, interval - elapsed)`). Past chrono's calendar the clock stays where it was.
    pub fn next_cycle(&mut self, elapsed_s: f64) {
        let step_s = (self.interval_s as f64).max(elapsed_s.ceil());
        let step = TimeDelta::try_seconds(step_s.min(i64::MAX as f64) as i64);
        if let Some(t) = step.and_then(|d| self.now.checked_add_signed(d)) {
            self.now = t;
        }
    }
    /// The simulated date (in the scenario's UTC offset).
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
    /// Simulated unix seconds, the `ts` of every event.
    pub fn unix(&self) -> i64 {
        self.now.timestamp()
    }
}

/// The cycle being run, 1-based (0 before the first tick).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleCounter(pub u64);

/// The seeded random source: hands out independent streams keyed by (index, expiry, cycle, purpose).
#[derive(Resource, Debug, Clone, Copy)]
pub struct RandomSource {
    pub seed: u64,
}

impl RandomSource {
    pub fn stream(&self, index: &str, expiry: &str, cycle: u64, purpose: &str) -> Stream {
        Stream::new(self.seed, index, expiry, cycle, purpose)
    }
}

/// The expiry field of a raw universe row, as a provider may send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawExpiry {
    Date(NaiveDate),
    /// Text that the expiry map must parse (only strict `YYYY-MM-DD` is valid).
    Text(&'static str),
    Missing,
}

/// One row of the raw instrument universe: compact (40 bytes) and flat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UniverseRow {
    pub token: u64,
    pub strike: f64,
    pub expiry: RawExpiry,
    /// Scenario position of the underlying index ([`UniverseRow::NO_INDEX`] for a skipped row).
    pub index: u16,
    pub kind: OptionKind,
    /// `None` for an option of one of the run's indices; else why the expiry map skips the row (a dump's
    /// equities, futures, other exchanges' and other indices' rows stay in the universe, as in a real one).
    pub skip: Option<SkipReason>,
}

impl UniverseRow {
    /// The `index` of a row that belongs to no index of the run.
    pub const NO_INDEX: u16 = u16::MAX;

    /// An option of the run's index at position `index`.
    pub fn option(token: u64, strike: f64, expiry: RawExpiry, index: u16, kind: OptionKind) -> Self {
        Self { token, strike, expiry, index, kind, skip: None }
    }
}

/// The run's universe when it comes from an instruments dump (the resource is absent for the synthetic
/// provider): every row of the dump as a universe row, built once per run, and per scenario index its
/// series: each expiry the dump lists (ascending) with its distinct strikes (ascending).
#[derive(Resource, Debug, Clone, Default)]
pub struct DumpUniverse {
    pub rows: Vec<UniverseRow>,
    pub series: Vec<Vec<(NaiveDate, Vec<f64>)>>,
}

impl DumpUniverse {
    /// Groups the options among `rows` by (index, expiry) for `index_count` indices.
    pub fn new(rows: Vec<UniverseRow>, index_count: usize) -> Self {
        let mut grouped: Vec<std::collections::BTreeMap<NaiveDate, Vec<f64>>> = vec![Default::default(); index_count];
        for row in rows.iter().filter(|r| r.skip.is_none()) {
            if let (Some(series), RawExpiry::Date(d)) = (grouped.get_mut(usize::from(row.index)), row.expiry) {
                series.entry(d).or_default().push(row.strike);
            }
        }
        let series = grouped
            .into_iter()
            .map(|by_date| {
                by_date
                    .into_iter()
                    .map(|(d, mut strikes)| {
                        strikes.sort_by(f64::total_cmp);
                        strikes.dedup();
                        (d, strikes)
                    })
                    .collect()
            })
            .collect();
        Self { rows, series }
    }

    /// The expiries of index `index` on or after `today`, ascending.
    pub fn listed(&self, index: u16, today: NaiveDate) -> impl Iterator<Item = NaiveDate> + '_ {
        self.series.get(usize::from(index)).into_iter().flatten().map(|(d, _)| *d).filter(move |d| *d >= today)
    }

    /// The distinct strikes of one series (empty when the dump has none).
    pub fn strikes(&self, index: u16, expiry: NaiveDate) -> &[f64] {
        let series = self.series.get(usize::from(index)).map(Vec::as_slice).unwrap_or_default();
        series.iter().find(|(d, _)| *d == expiry).map(|(_, s)| s.as_slice()).unwrap_or_default()
    }
}

/// This cycle's raw instrument universe: every listed expiry of every index, plus scripted noise.
#[derive(Resource, Debug, Clone, Default)]
pub struct Universe {
    pub rows: Vec<UniverseRow>,
    /// What changed since the last cycle, for the phases that keep state derived from the rows (the expiry map).
    pub change: UniverseChange,
}

impl Universe {
    /// Whether the rows of the index at position `index` are exactly last cycle's (state derived from them,
    /// such as an expiry's ladder match or clamp, still holds).
    pub fn unchanged_for(&self, index: u16) -> bool {
        match &self.change {
            UniverseChange::All => false,
            UniverseChange::Unchanged => true,
            UniverseChange::Indices(changed) => changed.iter().all(|(i, _)| *i != index),
        }
    }
}

/// How this cycle's universe differs from the last one's.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum UniverseChange {
    /// Any row may have changed, positions included.
    #[default]
    All,
    /// Not a row changed.
    Unchanged,
    /// Only these indices' rows were rewritten, in place: each index position's rows are exactly the range
    /// given, no other row moved, and no skipped row changed.
    Indices(Vec<(u16, std::ops::Range<u32>)>),
}

/// The run's structured event log, in emission order.
#[derive(Resource, Debug, Clone, Default)]
pub struct EventLog {
    pub events: Vec<LoggedEvent>,
}

impl EventLog {
    pub fn push(&mut self, cycle: u64, event: Event) {
        self.events.push(LoggedEvent { cycle, event });
    }
}

/// The cycle time of the cycle that ran last: the cycle-time phase writes it, the director starts the next
/// cycle from it.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct LastCycleTime {
    pub time: crate::events::CycleTime,
    /// Per index (in index order): the seconds one more strike on one side of its ladder would have added.
    pub per_side_s: Vec<f64>,
}

/// One summary per finished cycle.
#[derive(Resource, Debug, Clone, Default)]
pub struct CycleLog {
    pub cycles: Vec<CycleSummary>,
}

/// The order a world's entities are spawned in. Outputs must not depend on it: every system whose
/// iteration order reaches an output sorts by a stable key. [`SpawnOrder::Reverse`] exists to prove that
/// (the determinism canary): index and expiry entities are spawned last-first, and each
/// cycle's new instrument entities too.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SpawnOrder {
    /// Scenario order (the normal run).
    #[default]
    Forward,
    /// Reverse scenario order.
    Reverse,
}

impl SpawnOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            SpawnOrder::Forward => "forward",
            SpawnOrder::Reverse => "reverse",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_is_unchanged_unless_the_change_names_it() {
        let with = |change| Universe { rows: Vec::new(), change };
        assert!(!with(UniverseChange::All).unchanged_for(0));
        assert!(with(UniverseChange::Unchanged).unchanged_for(0));
        let one = with(UniverseChange::Indices(vec![(1, 10..20)]));
        assert!(one.unchanged_for(0) && !one.unchanged_for(1) && one.unchanged_for(2));
    }
}
