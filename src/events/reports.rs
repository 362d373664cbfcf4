//! The figures phases report and the cycle summary carries: an index's expiry-map statistics, an expiry's
//! clamp, validation drops and IV/Greeks summary. They live with the events, below the phases that fill them.

use super::{Event, OrderedMap, PrefilterClamp};
use crate::calendar::ExpiryRule;
use crate::config::Config;
use crate::pricing::Greeks;
use crate::vocab::DropReason;
use chrono::NaiveDate;
use serde::Serialize;

/// The reference's map statistics for one index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MapStats {
    pub total: u32,
    pub unique_expiries: u32,
    pub invalid_expiry: u32,
    pub valid: u32,
    pub avg_per_expiry: f64,
}

/// One instrument's figures in the expiry summary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InstrumentFigures {
    pub strike: f64,
    pub last_price: f64,
    pub iv: Option<f64>,
    pub greeks: Option<Greeks>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalyticsSummary {
    pub iv_success: u32,
    pub iv_fail: u32,
    /// Mean solver iterations over the successes.
    pub iv_iterations_avg: f64,
    pub atm_call: Option<InstrumentFigures>,
    pub atm_put: Option<InstrumentFigures>,
}

/// How a clamp picks the survivors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClampStrategy {
    Head,
    LadderSpread,
}

impl ClampStrategy {
    /// The mode's strategy: `head` in parity g6, else `ladder_spread`.
    pub fn of(config: &Config) -> Self {
        if config.parity.is_g6() { Self::Head } else { Self::LadderSpread }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Head => "head",
            Self::LadderSpread => "ladder_spread",
        }
    }
}

/// Clamp metadata kept on the expiry (the reference's `prefilter_*` record fields).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clamp {
    pub original: u32,
    pub kept: u32,
    pub dropped: u32,
    pub max_allowed: u32,
    pub strategy: ClampStrategy,
    pub strict: bool,
}

impl Clamp {
    pub fn new(original: usize, kept: usize, max: usize, strategy: ClampStrategy, strict: bool) -> Self {
        Self {
            original: original as u32,
            kept: kept as u32,
            dropped: (original - kept) as u32,
            max_allowed: max as u32,
            strategy,
            strict,
        }
    }

    /// Its `prefilter_clamp` event.
    pub fn event(&self, symbol: &str, date: Option<NaiveDate>, rule: ExpiryRule, ts: i64) -> Event {
        Event::PrefilterClamp(PrefilterClamp {
            index: symbol.to_string(),
            expiry: date.map(|d| d.to_string()).unwrap_or_default(),
            rule: rule.to_string(),
            original: self.original,
            kept: self.kept,
            dropped: self.dropped,
            max_allowed: self.max_allowed,
            strategy: self.strategy.as_str(),
            ts,
            disabled: false,
            strict: self.strict,
        })
    }
}

/// Counts per drop reason (fixed order, zeros omitted) and the report-only findings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ValidationReport {
    #[serde(serialize_with = "reason_map")]
    pub dropped: Vec<(DropReason, u32)>,
    pub issues: Vec<&'static str>,
    pub ok: bool,
}

fn reason_map<S: serde::Serializer>(dropped: &[(DropReason, u32)], s: S) -> Result<S::Ok, S::Error> {
    dropped.iter().map(|(r, n)| (r.as_str().to_string(), *n)).collect::<OrderedMap<u32>>().serialize(s)
}

impl ValidationReport {
    pub fn dropped_total(&self) -> u32 {
        self.dropped.iter().map(|(_, n)| n).sum()
    }
    pub fn count(&self, reason: DropReason) -> u32 {
        self.dropped.iter().find(|(r, _)| *r == reason).map_or(0, |(_, n)| *n)
    }
}
