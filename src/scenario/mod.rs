//! The user's language: the RON scenario schema, loading with precise errors, and expectations.
//!
//! A scenario holds a name, a seed, a simulated start time and interval, the indices (with expiry rules and
//! depths), configuration overrides, the market path, fault **phases** (cycle windows) and the
//! **expectations** checked after the run. Unknown fields are rejected everywhere.

mod expect;
mod load;
mod validate;

pub use expect::{
    Check, Cmp, Evaluator, Expectation, ExpectationOutcome, Side, Tally, Verdict, direction_flips, evaluate,
};
pub use load::{LoadedScenario, ScenarioError, load_file, load_file_without_universe, load_text, parse};
pub use validate::{
    MAX_CYCLES, MAX_DRIFT_PER_CYCLE, MAX_FAULT_ROWS, MAX_IMPLIED_VOL, MAX_LISTED, MAX_ROWS_PER_CYCLE,
    MAX_STRIKES_PER_SIDE, MAX_VOLATILITY_PER_CYCLE, STEP_RANGE, rows_per_cycle,
};

use crate::calendar::ExpiryRule;
use crate::config::{Config, Parity, Ratio};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer, Serialize};
use std::num::NonZeroU64;

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub seed: u64,
    /// Simulated start, RFC 3339 (`"2025-10-06T09:15:00+05:30"`).
    #[serde(deserialize_with = "rfc3339")]
    pub start: DateTime<FixedOffset>,
    /// Seconds between cycles.
    #[serde(default = "default_interval")]
    pub interval_s: NonZeroU64,
    /// Number of cycles to run.
    pub cycles: NonZeroU64,
    /// `Off` (default) or `G6`.
    #[serde(default)]
    pub parity: Parity,
    pub indices: Vec<IndexSpec>,
    /// Overrides of [`Config`]'s defaults.
    #[serde(default)]
    pub config: Config,
    #[serde(default)]
    pub market: Market,
    #[serde(default)]
    pub provider: ProviderSpec,
    /// A Kite instruments dump (CSV, plain or gzipped) the universe comes from instead of the synthetic
    /// provider, relative to the scenario file. `--universe FILE` replaces it.
    #[serde(default)]
    pub universe: Option<String>,
    #[serde(default)]
    pub phases: Vec<Phase>,
    #[serde(default)]
    pub expectations: Vec<Expectation>,
    /// A replay's recorded cycles (never in a scenario file: [`crate::replay`] builds such a scenario from a
    /// history). When set, the run replays them instead of simulating the provider.
    #[serde(skip)]
    pub recorded: Option<std::sync::Arc<[crate::cycle::recorded::RecordedCycle]>>,
}

fn default_interval() -> NonZeroU64 {
    NonZeroU64::new(60).expect("60 is not zero")
}

fn rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
    let text = String::deserialize(d)?;
    DateTime::parse_from_rfc3339(&text).map_err(|e| {
        serde::de::Error::custom(format!(
            "`{text}` is not an RFC 3339 time ({e}); expected for example \"2025-10-06T09:15:00+05:30\""
        ))
    })
}

/// One index of the scenario.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpec {
    /// Registry symbol (`NIFTY`). A symbol the registry does not know needs `registry`.
    pub symbol: String,
    /// The index's registry entry, declared by the scenario: required for a symbol the registry does not
    /// know (so a misspelt `"BANKNIFY"` is an error, not a silent fallback), and replacing the registry's
    /// entry for a known one.
    #[serde(default)]
    pub registry: Option<RegistryEntry>,
    /// Expiry rules, processed in order (`["this_week", "next_week"]`).
    #[serde(default = "default_expiries")]
    pub expiries: Vec<ExpiryRule>,
    /// Initial strikes per side.
    #[serde(default)]
    pub depth: DepthSpec,
    /// Where contraction returns to (defaults to `depth`).
    #[serde(default)]
    pub baseline: Option<DepthSpec>,
    /// Initial index price (defaults to the registry's synthetic ATM).
    #[serde(default)]
    pub spot: Option<f64>,
    /// Contract lot size (defaults to the registry's).
    #[serde(default)]
    pub lot_size: Option<u32>,
    /// Option price tick (defaults to the registry's 0.05).
    #[serde(default)]
    pub tick_size: Option<f64>,
}

fn default_expiries() -> Vec<ExpiryRule> {
    vec![ExpiryRule::ThisWeek]
}

/// A registry entry written in the scenario (the numbers [`crate::registry::IndexMeta`] carries).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryEntry {
    /// Strike step in index points (> 0).
    pub step: f64,
    /// Contract lot size (>= 1).
    pub lot_size: u32,
    /// The ATM the synthetic strategy uses when the provider gives neither price nor ATM (> 0).
    pub synthetic_atm: f64,
    /// Human name (defaults to the symbol in title case).
    #[serde(default)]
    pub display: Option<String>,
    /// Exchange pool (default `NFO`).
    #[serde(default = "default_pool")]
    pub exchange_pool: String,
    /// Weekly expiry weekday, 0 = Monday .. 6 = Sunday (default 3, Thursday).
    #[serde(default = "default_weekly_dow")]
    pub weekly_dow: u32,
}

fn default_pool() -> String {
    "NFO".into()
}

fn default_weekly_dow() -> u32 {
    3
}

/// Strikes per side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DepthSpec {
    pub itm: u32,
    pub otm: u32,
}

impl Default for DepthSpec {
    fn default() -> Self {
        Self { itm: 10, otm: 10 }
    }
}

/// The index price path: a seeded random walk per index, with scripted levels that override it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Market {
    /// Log drift per cycle.
    pub drift_per_cycle: f64,
    /// Log volatility per cycle (standard deviation of the per-cycle log return).
    pub volatility_per_cycle: f64,
    /// Annualised at-the-money implied volatility used to price quotes (0.15 when 0).
    pub implied_vol: f64,
    /// Smile slope: volatility added per unit of log-moneyness `ln(K / S)` (negative: puts richer).
    pub skew: f64,
    /// Smile curvature: volatility added per unit of squared log-moneyness.
    pub smile: f64,
    /// Term structure: relative change of the ATM volatility per year of expiry beyond 30 days.
    pub term_slope: f64,
    /// Risk-free rate used to price quotes (the reference's default 0.05 when 0).
    pub risk_free_rate: f64,
    /// Scripted index prices at given cycles.
    pub levels: Vec<Level>,
}

impl Market {
    pub fn implied_vol(&self) -> f64 {
        if self.implied_vol > 0.0 { self.implied_vol } else { 0.15 }
    }
    pub fn risk_free_rate(&self) -> f64 {
        if self.risk_free_rate > 0.0 { self.risk_free_rate } else { 0.05 }
    }
    /// The volatility surface quotes are priced on: `atm x (1 + term_slope x (T - 30/365)) + skew x m +
    /// smile x m^2` with `m = ln(K / S)`, floored at 0.01.
    pub fn vol_at(&self, spot: f64, strike: f64, t_years: f64) -> f64 {
        let m = if spot > 0.0 && strike > 0.0 { libm::log(strike / spot) } else { 0.0 };
        let atm = self.implied_vol() * (1.0 + self.term_slope * (t_years - 30.0 / 365.0));
        (atm + self.skew * m + self.smile * m * m).max(0.01)
    }
}

/// The index price of `index` at `cycle` (the walk continues from there).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub cycle: u64,
    pub index: String,
    pub price: f64,
}

/// The simulated provider's universe shape.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderSpec {
    /// Strikes listed on each side of the provider's own ATM, per expiry.
    pub strikes_per_side: u32,
    /// Weekly expiries listed.
    pub weeks_listed: u32,
    /// Monthly expiries listed (current month first).
    pub months_listed: u32,
}

impl Default for ProviderSpec {
    fn default() -> Self {
        Self { strikes_per_side: 40, weeks_listed: 6, months_listed: 3 }
    }
}

/// A window of cycles, inclusive on both ends: `(3, 8)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    pub first: u64,
    pub last: u64,
}

impl Window {
    pub fn contains(&self, cycle: u64) -> bool {
        (self.first..=self.last).contains(&cycle)
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (first, last) = <(u64, u64)>::deserialize(d)?;
        if first == 0 || last < first {
            return Err(serde::de::Error::custom(format!(
                "({first}, {last}) is not a cycle window: expected (first, last) with 1 <= first <= last"
            )));
        }
        Ok(Self { first, last })
    }
}

/// A scripted stretch of cycles with faults, scoped to one index (or all) and one expiry rule (or all).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: String,
    pub cycles: Window,
    #[serde(default)]
    pub index: Option<String>,
    #[serde(default)]
    pub rule: Option<ExpiryRule>,
    pub faults: Vec<Fault>,
}

/// What can go wrong with the provider.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub enum Fault {
    /// This fraction of the ladder's strikes comes back with no instruments (exactly `round(f x n)`,
    /// chosen by the seeded stream).
    StrikeDropout(Ratio),
    /// This fraction of quotes miss one of volume, oi, avg_price.
    FieldDropout(Ratio),
    /// The provider returns nothing.
    Outage,
    /// This many extra rows per listed expiry, spread over the strikes (duplicate series), interleaved in
    /// provider order. Index-wide (no `rule` scope).
    Oversize(u32),
    /// This many rows with a missing or malformed expiry in the index's universe. Index-wide.
    InvalidExpiries(u32),
    /// The provider's fetch also returns this many strikes just above the ladder (each CE and PE).
    StrayStrikes(u32),
    /// The provider reports neither index price nor ATM: the synthetic strategy supplies both. Index-wide.
    IndexPriceMissing,
    /// Quote enrichment returns nothing: synthetic placeholder quotes, status SYNTH.
    QuotesMissing,
    /// This many malformed quote rows (one defect each, cycling through validation's eight drop reasons)
    /// arrive with the expiry's quotes.
    BadRows(u32),
}

impl Fault {
    /// Faults that act on the whole universe of an index and cannot be scoped to an expiry rule.
    pub fn is_index_wide(&self) -> bool {
        matches!(self, Fault::Oversize(_) | Fault::InvalidExpiries(_) | Fault::IndexPriceMissing)
    }
}
