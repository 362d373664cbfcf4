//! Structured events, with the reference's names and fields in the reference's order.
//!
//! Each line of `events.jsonl` is `{"cycle":N,"event":"<name>","data":{...}}`: the reference's STRUCT line
//! `STRUCT <name> | <json>` with the cycle added. Every `ts` is simulated unix seconds. The payload keys
//! keep the order listed in the reference (`struct_events.py`); TRACE events appear only with `trace` on.
//!
//! The cycle's summary rows (a line of `cycles.jsonl` each, [`CycleSummary`]) are payloads too: the summary
//! phase emits one per cycle, and outputs, expectations, metrics and sweeps read them.

use crate::vocab::{AdjustReason, OptionKind};
use crate::vocab::{ExpiryStatus, PartialReason, ReasonTotals};
use serde::Serialize;

mod reports;
mod summary;

pub use crate::pricing::Greeks;
pub use reports::{AnalyticsSummary, Clamp, ClampStrategy, InstrumentFigures, MapStats, ValidationReport};

pub use summary::{
    CycleSummary, CycleTime, Depth, ExpirySummary, IndexSummary, MemoryFigures, OrderedMap, ScalingFigures,
    StatusTotals, by_cycle,
};

/// One entry of the event log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoggedEvent {
    pub cycle: u64,
    #[serde(flatten)]
    pub event: Event,
}

/// Every event g6sim emits.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// STRUCT, per index before its expiries: the depth going into the cycle.
    AdaptiveSummary(AdaptiveSummary),
    /// TRACE in the reference (never emitted there); here also whenever invalid expiries were skipped.
    ExpiryMapBuild(ExpiryMapBuild),
    /// STRUCT: an expiry got no instruments.
    ZeroData(ZeroData),
    /// STRUCT: the B6 clamp fired.
    PrefilterClamp(PrefilterClamp),
    /// TRACE: strike coverage detail.
    InstrumentCoverage(InstrumentCoverage),
    /// TRACE: field coverage detail.
    FieldCoverage(FieldCoverage),
    /// STRUCT: per successful expiry.
    OptionMatchStats(OptionMatchStats),
    /// Quote rows dropped by preventive validation.
    ValidationDrops(ValidationDrops),
    /// TRACE in the reference (always logged here): the synthetic strategy supplied price and ATM.
    SyntheticIndexPrice(SyntheticIndexPrice),
    /// TRACE in the reference (always logged here): placeholder quotes served an expiry.
    SyntheticQuotesFallback(SyntheticQuotesFallback),
    /// STRUCT: expansion or contraction.
    StrikeDepthAdjustment(StrikeDepthAdjustment),
    /// STRUCT: once per cycle.
    CycleStatusSummary(CycleStatusSummary),
    /// The event log's (not the STRUCT stream's): SLA-breach strike scaling moved its scale.
    AdaptiveScaleChange(AdaptiveScaleChange),
}

/// Every event name, for scenario validation.
pub(crate) const EVENT_NAMES: [&str; 13] = [
    "validation_drops",
    "synthetic_index_price",
    "synthetic_quotes_fallback",
    "adaptive_summary",
    "expiry_map_build",
    "zero_data",
    "prefilter_clamp",
    "instrument_coverage",
    "field_coverage",
    "option_match_stats",
    "strike_depth_adjustment",
    "cycle_status_summary",
    "adaptive_scale_change",
];

/// The values an event's `reason` field takes (empty: the event has no reason).
pub(crate) fn event_reasons(name: &str) -> &'static [&'static str] {
    match name {
        "strike_depth_adjustment" => &["low_strike_cov", "contraction"],
        _ => &[],
    }
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Self::AdaptiveSummary(_) => "adaptive_summary",
            Self::ExpiryMapBuild(_) => "expiry_map_build",
            Self::ZeroData(_) => "zero_data",
            Self::PrefilterClamp(_) => "prefilter_clamp",
            Self::InstrumentCoverage(_) => "instrument_coverage",
            Self::FieldCoverage(_) => "field_coverage",
            Self::OptionMatchStats(_) => "option_match_stats",
            Self::ValidationDrops(_) => "validation_drops",
            Self::SyntheticIndexPrice(_) => "synthetic_index_price",
            Self::SyntheticQuotesFallback(_) => "synthetic_quotes_fallback",
            Self::StrikeDepthAdjustment(_) => "strike_depth_adjustment",
            Self::CycleStatusSummary(_) => "cycle_status_summary",
            Self::AdaptiveScaleChange(_) => "adaptive_scale_change",
        }
    }
    /// The reference's TRACE events (gated by `trace`); the rest are STRUCT events.
    pub fn is_trace(&self) -> bool {
        matches!(self, Self::InstrumentCoverage(_) | Self::FieldCoverage(_))
    }
    /// The index the event is about, if any.
    pub fn index(&self) -> Option<&str> {
        match self {
            Self::AdaptiveSummary(e) => Some(&e.index),
            Self::ExpiryMapBuild(e) => Some(&e.index),
            Self::ZeroData(e) => Some(&e.index),
            Self::PrefilterClamp(e) => Some(&e.index),
            Self::InstrumentCoverage(e) => Some(&e.index),
            Self::FieldCoverage(e) => Some(&e.index),
            Self::OptionMatchStats(e) => Some(&e.index),
            Self::ValidationDrops(e) => Some(&e.index),
            Self::SyntheticIndexPrice(e) => Some(&e.index),
            Self::SyntheticQuotesFallback(e) => Some(&e.index),
            Self::StrikeDepthAdjustment(e) => Some(&e.index),
            Self::CycleStatusSummary(_) | Self::AdaptiveScaleChange(_) => None,
        }
    }
    /// The event's `reason` field, if it has one (`low_strike_cov`, `contraction`).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::StrikeDepthAdjustment(e) => Some(e.reason.as_str()),
            _ => None,
        }
    }
}

/// The depth an index goes into its expiries with. The reference drops the keys it has no value for:
/// before an index's first adaptive step it has no contraction state and writes only the index and the depth;
/// after it, the baseline, the healthy streak and the cycle's `had_low_cov` / `had_expansion` flags. Parity g6
/// writes exactly those keys; the default mode writes the depth, the baseline and the streak every cycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdaptiveSummary {
    pub index: String,
    pub strikes_itm: u32,
    pub strikes_otm: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_itm: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_otm: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_streak: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub had_low_cov: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub had_expansion: Option<bool>,
}

/// A change of the strike-scaling factor: the reference's context (its scales rounded to 6 places, the streaks
/// after the change, `mutating` or `passthrough`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdaptiveScaleChange {
    pub old_scale: f64,
    pub new_scale: f64,
    pub breach_streak: u32,
    pub healthy_streak: u32,
    pub mode: &'static str,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValidationDrops {
    pub index: String,
    pub rule: String,
    pub expiry: String,
    pub dropped: u32,
    /// Drop reason -> rows, in the validator's order.
    pub reasons: crate::events::OrderedMap<u32>,
}

/// The reference's fields in its (sorted, TRACE) order, plus the simulated `ts`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyntheticIndexPrice {
    pub atm: f64,
    pub index: String,
    pub price: f64,
    pub strategy: bool,
    pub ts: i64,
}

/// A TRACE event: the reference's fields in its tracer's (sorted) order, plus the simulated `ts`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyntheticQuotesFallback {
    pub count: u32,
    pub index: String,
    pub rule: String,
    pub ts: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpiryMapBuild {
    pub index: String,
    pub unique: u32,
    pub stats: MapStats,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZeroData {
    pub index: String,
    pub expiry: Option<String>,
    pub rule: String,
    pub atm: f64,
    pub strike_count: u32,
    pub ts: i64,
    pub event: &'static str,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrefilterClamp {
    pub index: String,
    pub expiry: String,
    pub rule: String,
    pub original: u32,
    pub kept: u32,
    pub dropped: u32,
    pub max_allowed: u32,
    pub strategy: &'static str,
    pub ts: i64,
    pub disabled: bool,
    pub strict: bool,
}

/// A TRACE event: the reference's fields in its tracer's (sorted) order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstrumentCoverage {
    pub expiry: String,
    pub index: String,
    /// Percent, rounded to 2 decimals.
    pub pct: f64,
    pub realized: u32,
    pub requested: u32,
    pub rule: String,
    /// Up to 10 ladder strikes not realized.
    pub sample_missing: Vec<f64>,
}

/// Quotes missing each field (a zero counts as missing), in the tracer's (sorted) order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MissingCounts {
    pub avg_price: u32,
    pub oi: u32,
    pub volume: u32,
}

/// A TRACE event, emitted for an expiry with quotes: the reference's fields in its tracer's (sorted) order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldCoverage {
    pub expiry: String,
    pub full: u32,
    pub index: String,
    pub missing_counts: MissingCounts,
    /// Percent, rounded to 2 decimals.
    pub pct: f64,
    pub rule: String,
    /// The first [`FIELD_SAMPLE`] quotes missing a field, in quote order.
    pub sample: Vec<FieldSample>,
    pub total: u32,
}

/// How many quotes missing a field `field_coverage` shows.
pub const FIELD_SAMPLE: usize = 8;

/// One quote of `field_coverage`'s sample, as the reference writes it (sorted keys): its average price (`null`
/// for a placeholder, which has none), open interest, strike, key (`exchange:tradingsymbol`), type and volume.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldSample {
    pub avg_price: Option<f64>,
    pub oi: u64,
    pub strike: f64,
    pub sym: String,
    #[serde(rename = "type")]
    pub kind: OptionKind,
    pub vol: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionMatchStats {
    pub index: String,
    pub expiry: String,
    pub rule: String,
    pub strike_count: u32,
    pub legs: u32,
    pub ce: u32,
    pub pe: u32,
    pub strike_min: f64,
    pub strike_max: f64,
    pub step: u64,
    pub sample: Vec<String>,
    pub ce_per_strike: f64,
    pub pe_per_strike: f64,
    pub synthetic: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strike_cov: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_cov: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_reason: Option<PartialReason>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrikeDepthAdjustment {
    pub index: String,
    pub reason: AdjustReason,
    pub prev_itm: u32,
    pub prev_otm: u32,
    pub new_itm: u32,
    pub new_otm: u32,
    pub ts: i64,
    /// The decision's strike coverage, `round(x, 3)` as the reference writes it (raw in `cycles.jsonl`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strike_cov: Option<f64>,
    /// The decision's field coverage, `round(x, 3)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_cov: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The expansion trigger (expansions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryExpiry {
    pub rule: String,
    pub status: Option<ExpiryStatus>,
    pub strike_cov: Option<f64>,
    pub field_cov: Option<f64>,
    pub options: u32,
    pub synthetic: bool,
    pub partial_reason: Option<PartialReason>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryIndex {
    pub index: String,
    pub status: ExpiryStatus,
    pub expiries: Vec<SummaryExpiry>,
}

/// `cycle_status_summary` (no `duration_s`: wall time is not deterministic and has no meaning on the
/// simulated clock).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleStatusSummary {
    pub cycle_ts: i64,
    pub index_count: u32,
    pub expiry_status_totals: StatusTotals,
    pub indices: Vec<SummaryIndex>,
    pub partial_reason_totals: ReasonTotals,
}
