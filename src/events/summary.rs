//! The run's per-cycle summaries: one line of `cycles.jsonl` each, emitted by the summary phase, and what
//! expectations, metrics and sweeps read.

use super::LoggedEvent;
use crate::events::AnalyticsSummary;
use crate::events::Clamp;
use crate::events::MapStats;
use crate::events::ValidationReport;
use crate::vocab::Failure;
use crate::vocab::SkipCounts;
use crate::vocab::{ExpiryStatus, PartialReason, ReasonTotals};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// `expiry_status_totals`: how many expiries ended in each status this cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusTotals {
    pub ok: u32,
    pub partial: u32,
    pub empty: u32,
    pub synth: u32,
}

impl StatusTotals {
    pub fn add(&mut self, status: ExpiryStatus) {
        match status {
            ExpiryStatus::Ok => self.ok += 1,
            ExpiryStatus::Partial => self.partial += 1,
            ExpiryStatus::Empty => self.empty += 1,
            ExpiryStatus::Synth => self.synth += 1,
        }
    }
    pub fn merge(&mut self, other: &StatusTotals) {
        self.ok += other.ok;
        self.partial += other.partial;
        self.empty += other.empty;
        self.synth += other.synth;
    }
    pub fn get(&self, status: ExpiryStatus) -> u32 {
        match status {
            ExpiryStatus::Ok => self.ok,
            ExpiryStatus::Partial => self.partial,
            ExpiryStatus::Empty => self.empty,
            ExpiryStatus::Synth => self.synth,
        }
    }
}

/// Strikes per side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Depth {
    pub itm: u32,
    pub otm: u32,
}

impl std::fmt::Display for Depth {
    /// `itm 12 otm 10`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "itm {} otm {}", self.itm, self.otm)
    }
}

/// One expiry's pass in one cycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpirySummary {
    pub rule: String,
    pub expiry_date: Option<String>,
    /// `null` only in parity g6, for a failed expiry (the reference stores no status key).
    pub status: Option<ExpiryStatus>,
    pub partial_reason: Option<PartialReason>,
    pub strike_coverage: Option<f64>,
    pub field_coverage: Option<f64>,
    pub strikes_requested: u32,
    pub instruments: u32,
    pub options: u32,
    pub failure: Option<Failure>,
    pub clamp: Option<Clamp>,
    /// Served by synthetic placeholder quotes.
    pub synthetic: bool,
    /// What preventive validation dropped or reported (absent when nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationReport>,
    /// IV and Greeks (only with `compute_greeks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analytics: Option<AnalyticsSummary>,
}

/// One index in one cycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexSummary {
    pub index: String,
    pub status: ExpiryStatus,
    pub price: f64,
    /// Price and ATM came from the synthetic strategy (the provider reported neither).
    pub synthetic_price: bool,
    pub atm: f64,
    pub step: f64,
    /// Strikes per side of this cycle's ladder.
    pub ladder_depth: Depth,
    /// Depth after this cycle's adaptive step (the next cycle's ladder).
    pub depth: Depth,
    pub baseline: Depth,
    pub healthy_streak: u32,
    pub expiry_map: MapStats,
    pub expiries: Vec<ExpirySummary>,
}

/// How long a cycle took on the simulated clock (the cost model over what it did), against its SLA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CycleTime {
    pub elapsed_s: f64,
    /// The budget it is held to ([`crate::config::Config::sla_budget_s`]).
    pub sla_s: f64,
    /// `elapsed_s > sla_s`: the reference's `cycle_sla_breach`.
    pub breach: bool,
}

/// SLA-breach strike scaling after the cycle: the shared scale and the streaks.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScalingFigures {
    pub scale: f64,
    pub breach_streak: u32,
    pub healthy_streak: u32,
}

/// Memory pressure this cycle, in a run that can see it (a `MemoryPressure` fault, configured tiers or a
/// history's recorded tiers): the fraction of physical RAM sampled, the tier the manager chose and what it
/// does.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryFigures {
    /// The fraction of physical RAM the process held (`null` for a tier a replayed history recorded).
    pub fraction: Option<f64>,
    pub level: i64,
    pub tier: String,
    /// The level differs from the last cycle's (the first cycle's, from normal).
    pub changed: bool,
    /// The factor every ladder side is scaled by.
    pub depth_scale: f64,
    /// Whether IVs and Greeks may run (with `compute_greeks` on).
    pub greeks_enabled: bool,
    pub per_option_metrics_enabled: bool,
    pub seconds_in_level: f64,
    pub downgrade_pending: bool,
    /// The actions the tier applied this cycle (on a transition; in parity g6, every cycle under pressure).
    pub actions: Vec<String>,
}

/// One line of `cycles.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleSummary {
    pub cycle: u64,
    /// Simulated time, RFC 3339.
    pub time: String,
    pub ts: i64,
    pub cycle_time: CycleTime,
    /// With `strike_scaling` on: the scale after the cycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strike_scaling: Option<ScalingFigures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryFigures>,
    pub universe_rows: u32,
    /// Over an instruments dump: the universe rows the expiry map skipped (of no index of the run), per
    /// reason. Absent for the synthetic provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub universe_skipped: Option<SkipCounts>,
    pub indices: Vec<IndexSummary>,
    pub expiry_status_totals: StatusTotals,
    pub partial_reason_totals: ReasonTotals,
    /// Quote rows validation dropped this cycle, per reason (absent when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_drops: Option<OrderedMap<u32>>,
}

impl CycleSummary {
    pub fn index(&self, symbol: &str) -> Option<&IndexSummary> {
        self.indices.iter().find(|i| i.index.eq_ignore_ascii_case(symbol))
    }
}

impl IndexSummary {
    pub fn expiry(&self, rule: &str) -> Option<&ExpirySummary> {
        self.expiries.iter().find(|e| e.rule == rule)
    }
    /// The expiry of one rule (named by its token, as summaries name them).
    pub fn expiry_of(&self, rule: crate::calendar::ExpiryRule) -> Option<&ExpirySummary> {
        self.expiry(&rule.token())
    }
}

/// A map that keeps insertion order when serialized (Python dicts do).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<V> FromIterator<(String, V)> for OrderedMap<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A finished run's cycles, each with the events of its cycle number, as a streamed run hands them out
/// (events in run order; any numbered after the last cycle go with the last cycle).
pub fn by_cycle<'a>(
    cycles: &'a [CycleSummary],
    events: &'a [LoggedEvent],
) -> impl Iterator<Item = (&'a CycleSummary, &'a [LoggedEvent])> + 'a {
    let mut rest = events;
    cycles.iter().enumerate().map(move |(k, c)| {
        let take = if k + 1 == cycles.len() { rest.len() } else { rest.partition_point(|e| e.cycle <= c.cycle) };
        let (mine, after) = rest.split_at(take);
        rest = after;
        (c, mine)
    })
}
