//! The scenario schema: what a RON scenario file holds, as plain data (the indices, the configuration, the
//! market path, fault phases and expectations), and the bounds every scenario respects. The simulation is
//! built from these types; the `scenario` module loads and validates them and judges the expectations.

use crate::calendar::ExpiryRule;
use crate::config::{Config, Parity};
use crate::fault::Fault;
use crate::registry::RegistryEntry;
use crate::vocab::{DropReason, ExpiryStatus, PartialReason, SkipReason, closed_set};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU64;

/// Bounds that keep a scenario's world in memory: strikes per side (depth, baseline, provider), rows
/// added by one fault (the fault catalogue's), listed expiries, and a simulated calendar that stays within
/// chrono's range.
pub const MAX_STRIKES_PER_SIDE: u32 = 5_000;
pub use crate::fault::MAX_FAULT_ROWS;
pub const MAX_LISTED: u32 = 1_000;
/// Universe rows (plus injected quote rows) one cycle may hold: each value above has its own bound, this
/// bounds their product (a 1M-row universe runs; tens of millions would take gigabytes).
pub const MAX_ROWS_PER_CYCLE: u128 = 2_000_000;
/// Bounds of the market path's per-cycle log drift and volatility (a per-cycle move beyond these is not a
/// market, and the walk would leave the floating-point range within a run).
pub const MAX_DRIFT_PER_CYCLE: f64 = 0.1;
pub const MAX_VOLATILITY_PER_CYCLE: f64 = 0.5;
/// Below the implied-volatility solver's upper bound (5.0), so quotes priced on the smile can be solved back.
pub const MAX_IMPLIED_VOL: f64 = 3.0;
pub use crate::config::STEP_RANGE;

/// The most cycles one run may have (`cycles` or `--cycles`): a run's files grow by some kilobytes a cycle.
pub const MAX_CYCLES: u64 = 1_000_000;

/// The largest cost of one unit of a cycle's work (`cycle_time`), in seconds.
pub const MAX_COST_S: f64 = 3_600.0;

/// The most instruments one quote request of the cost model may carry.
pub const MAX_QUOTE_BATCH: u32 = 1_000_000;

/// The longest cycle a recorded history may record (`cycle_time_s`, a B7 artifact's `duration_s`): a day.
pub const MAX_RECORDED_CYCLE_TIME_S: f64 = 86_400.0;
pub const TICK_RANGE: (f64, f64) = (1e-4, 1e4);

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
    /// What a cycle's work costs on the simulated clock (`cycle_time: (...)`).
    #[serde(default)]
    pub cycle_time: CycleTimeSpec,
    /// A Kite instruments dump (CSV, plain or gzipped) the universe comes from instead of the synthetic
    /// provider, relative to the scenario file. `--universe FILE` replaces it.
    #[serde(default)]
    pub universe: Option<String>,
    #[serde(default)]
    pub phases: Vec<Phase>,
    #[serde(default)]
    pub expectations: Vec<Expectation>,
    /// A replay's recorded cycles (never in a scenario file: `g6sim replay` builds such a scenario from a
    /// history). When set, the run replays them instead of simulating the provider.
    #[serde(skip)]
    pub recorded: Option<std::sync::Arc<[RecordedCycle]>>,
}

impl Scenario {
    /// How a scenario's RON is read: `Some` may be left out (`depth: (itm: 12)`, not `Some(12)`).
    pub(crate) fn ron_options() -> ron::Options {
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
    }

    /// A scenario from RON text, read as the loader reads it but without its checks: the unit tests' way to
    /// build a world.
    #[cfg(test)]
    pub fn from_ron(text: &str) -> Self {
        Self::ron_options().from_str(text).unwrap_or_else(|e| panic!("{e}"))
    }
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
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
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

/// Seconds a cycle spends per unit of its work (`cycle_time: (...)`): the model of a cycle's elapsed time.
/// The defaults are derived in docs/cycle.md ("Cycle time"): the two quote-request figures from the
/// provider's documented limits, the rest estimates of the collector's own work.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CycleTimeSpec {
    /// Per cycle: the market gate, the status summary, logging.
    pub fixed_s: f64,
    /// Per index: its price and ATM requests.
    pub per_index_s: f64,
    /// Per expiry attempted: resolving its rule and looking its instruments up.
    pub per_expiry_s: f64,
    /// Per quote request (at most `quote_batch` instruments each).
    pub per_quote_call_s: f64,
    /// Instruments one quote request carries.
    pub quote_batch: u32,
    /// Per instrument fetched (before the clamp).
    pub per_instrument_s: f64,
    /// Per quote handled (after the clamp): validation, coverage, writing the row.
    pub per_quote_s: f64,
    /// Per ladder strike beside the ATM, per fetched expiry: a cost in proportion to the depth.
    pub per_strike_s: f64,
    /// Per implied-volatility solve, when Greeks are computed.
    pub per_greeks_s: f64,
}

impl Default for CycleTimeSpec {
    fn default() -> Self {
        Self {
            fixed_s: 0.5,
            per_index_s: 0.2,
            per_expiry_s: 0.1,
            per_quote_call_s: 1.0,
            quote_batch: 500,
            per_instrument_s: 0.0002,
            per_quote_s: 0.001,
            per_strike_s: 0.0,
            per_greeks_s: 0.002,
        }
    }
}

impl CycleTimeSpec {
    /// The costs in seconds, by field name: what the loader bounds.
    pub fn costs_s(&self) -> [(&'static str, f64); 8] {
        [
            ("fixed_s", self.fixed_s),
            ("per_index_s", self.per_index_s),
            ("per_expiry_s", self.per_expiry_s),
            ("per_quote_call_s", self.per_quote_call_s),
            ("per_instrument_s", self.per_instrument_s),
            ("per_quote_s", self.per_quote_s),
            ("per_strike_s", self.per_strike_s),
            ("per_greeks_s", self.per_greeks_s),
        ]
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

/// A comparison against a number.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
pub enum Cmp {
    Eq(f64),
    Ne(f64),
    Lt(f64),
    Le(f64),
    Gt(f64),
    Ge(f64),
    /// Inclusive on both ends.
    Between(f64, f64),
}

impl Cmp {
    pub fn holds(&self, x: f64) -> bool {
        const EPS: f64 = 1e-9;
        match *self {
            Cmp::Eq(v) => (x - v).abs() <= EPS,
            Cmp::Ne(v) => (x - v).abs() > EPS,
            Cmp::Lt(v) => x < v,
            Cmp::Le(v) => x <= v + EPS,
            Cmp::Gt(v) => x > v,
            Cmp::Ge(v) => x >= v - EPS,
            Cmp::Between(a, b) => x >= a - EPS && x <= b + EPS,
        }
    }
}

impl fmt::Display for Cmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmp::Eq(v) => write!(f, "== {v}"),
            Cmp::Ne(v) => write!(f, "!= {v}"),
            Cmp::Lt(v) => write!(f, "< {v}"),
            Cmp::Le(v) => write!(f, "<= {v}"),
            Cmp::Gt(v) => write!(f, "> {v}"),
            Cmp::Ge(v) => write!(f, ">= {v}"),
            Cmp::Between(a, b) => write!(f, "in [{a}, {b}]"),
        }
    }
}

/// Which side of the ladder a depth check reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum Side {
    Itm,
    Otm,
    /// Both sides must satisfy the comparison.
    #[default]
    Both,
}

/// A fact about one cycle.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Check {
    /// Depth after the cycle's adaptive step.
    Depth {
        index: String,
        #[serde(default)]
        side: Side,
        is: Cmp,
    },
    /// Depth equals the baseline on both sides.
    AtBaseline {
        index: String,
    },
    /// An expiry's status, or the index's aggregated status when `rule` is left out.
    Status {
        index: String,
        #[serde(default)]
        rule: Option<ExpiryRule>,
        is: ExpiryStatus,
    },
    /// An expiry's partial reason.
    Reason {
        index: String,
        rule: ExpiryRule,
        is: PartialReason,
    },
    StrikeCoverage {
        index: String,
        rule: ExpiryRule,
        is: Cmp,
    },
    FieldCoverage {
        index: String,
        rule: ExpiryRule,
        is: Cmp,
    },
    /// This cycle's `expiry_status_totals` entry.
    StatusTotal {
        status: ExpiryStatus,
        is: Cmp,
    },
    /// This cycle's `partial_reason_totals` entry.
    ReasonTotal {
        reason: PartialReason,
        is: Cmp,
    },
    /// How many events of a kind this cycle emitted (optionally for one index and one `reason`).
    Events {
        event: String,
        #[serde(default)]
        index: Option<String>,
        #[serde(default)]
        reason: Option<String>,
        is: Cmp,
    },
    /// Invalid expiries the expiry map skipped for an index this cycle.
    InvalidExpiries {
        index: String,
        is: Cmp,
    },
    /// Quote rows preventive validation dropped this cycle for one reason (all indices).
    ValidationDrops {
        reason: DropReason,
        is: Cmp,
    },
    /// Universe rows of no index of the run the expiry map skipped this cycle for one reason (over an
    /// instruments dump; 0 for the synthetic provider).
    UniverseSkipped {
        reason: SkipReason,
        is: Cmp,
    },
    /// The cycle's modelled time, seconds.
    CycleTime {
        is: Cmp,
    },
    /// The cycle took longer than its SLA.
    SlaBreach,
    /// Strike scaling's factor after the cycle (1 when `strike_scaling` is off).
    ScaleFactor {
        is: Cmp,
    },
    /// The memory-pressure tier's level this cycle (0, normal, in a run without memory pressure).
    MemoryTier {
        is: Cmp,
    },
}

/// A count summed over the whole run.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Tally {
    Events {
        event: String,
        #[serde(default)]
        index: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    /// Expiries that ended in `status` (optionally one index, one rule).
    Status {
        status: ExpiryStatus,
        #[serde(default)]
        index: Option<String>,
        #[serde(default)]
        rule: Option<ExpiryRule>,
    },
    /// PARTIAL expiries with `reason`.
    Reason {
        reason: PartialReason,
        #[serde(default)]
        index: Option<String>,
        #[serde(default)]
        rule: Option<ExpiryRule>,
    },
}

/// One expectation of a scenario.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Expectation {
    At {
        cycle: u64,
        check: Check,
    },
    By {
        cycle: u64,
        check: Check,
    },
    Always(Check),
    Never(Check),
    AtLeastOnce(Check),
    MaxFlips {
        index: String,
        flips: u32,
        window: u64,
    },
    Total {
        of: Tally,
        is: Cmp,
    },
    /// A property of the catalogue holds in every cycle of the run (`Keeps(depth_at_least_baseline)`).
    Keeps(Property),
    /// `check` holds at some cycle of the `within` cycles after `after` (`Eventually(within: 20, after:
    /// LastFault, check: AtBaseline(index: "NIFTY"))`).
    Eventually {
        within: u64,
        after: Anchor,
        check: Check,
    },
    /// `check` holds in every cycle outside the fault windows.
    OutsideFaults(Check),
}

/// Where an `Eventually` starts counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Anchor {
    /// Before the first cycle.
    Start,
    /// The last cycle of the last fault window (before the first cycle when the scenario has no fault).
    LastFault,
}

closed_set! {
    /// A property every run must keep whatever its scenario, judged against the run's configuration and fault
    /// windows: the catalogue `g6sim explore` checks every generated run against, which any scenario may also
    /// expect (`Keeps(name)`). Each property is defined in docs/properties.md and checked in
    /// `scenario::property`; where parity reproduces a quirk of the reference, the property says so.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Property {
        /// The cycle's status totals count each expiry once, under its status.
        StatusTotalsAddUp,
        /// The cycle's partial-reason totals count each PARTIAL expiry once, under its reason.
        ReasonTotalsAddUp,
        /// A PARTIAL expiry has a partial reason; any other status has none, except a SYNTH expiry that keeps
        /// `prefilter_clamp` in parity g6 (the reference tags the clamp before the synthetic fallback).
        ReasonMatchesStatus,
        /// An index's depth is never below its baseline, on either side.
        DepthAtLeastBaseline,
        /// Depth moves only by its adjustments, an expansion up to the mode's cap and a contraction by its step.
        DepthWithinCap,
        /// A contraction only after `contract_ok_cycles` healthy decisions and `contract_cooldown` on the mode's clock.
        ContractionWaits,
        /// An expansion exactly when a decision's strike coverage is under the trigger, with options and room.
        ExpandsWhenLow,
        /// A clamp keeps exactly the maximum allowed, `max(50, prefilter_max_instruments)`, of more instruments.
        ClampWithinLimit,
        /// Each expiry's status (and a PARTIAL one's reason) is what its coverages classify, in the mode's rules.
        StatusMatchesCoverage,
        /// An EMPTY expiry has a cause: an unresolved rule, zero data, or validation dropping every quote.
        EmptyHasCause,
        /// After the last fault, depth is back at the baseline within the bound its settings give, and stays.
        DepthReturnsToBaseline,
        /// From the first cycle after the last fault, every expiry is OK (unless unresolved or clamped).
        ExpiriesRecover,
        /// At most one expansion/contraction direction flip per 10 cycles of a fault-free stretch.
        FewDepthFlips,
        /// Default mode: in a stretch with no fault in force and no depth adjustment, the strike-scaling scale is
        /// never cut, restored and cut again (no limit cycle); parity g6 (the reference's limit cycle) is not judged.
        ScaleSettles,
    }
}

impl Property {
    /// The property's name, as scenarios, outputs and files write it.
    pub fn name(self) -> &'static str {
        match self {
            Property::StatusTotalsAddUp => "status_totals_add_up",
            Property::ReasonTotalsAddUp => "reason_totals_add_up",
            Property::ReasonMatchesStatus => "reason_matches_status",
            Property::DepthAtLeastBaseline => "depth_at_least_baseline",
            Property::DepthWithinCap => "depth_within_cap",
            Property::ContractionWaits => "contraction_waits",
            Property::ExpandsWhenLow => "expands_when_low",
            Property::ClampWithinLimit => "clamp_within_limit",
            Property::StatusMatchesCoverage => "status_matches_coverage",
            Property::EmptyHasCause => "empty_has_cause",
            Property::DepthReturnsToBaseline => "depth_returns_to_baseline",
            Property::ExpiriesRecover => "expiries_recover",
            Property::FewDepthFlips => "few_depth_flips",
            Property::ScaleSettles => "scale_settles",
        }
    }

    /// The property of this name.
    pub fn named(name: &str) -> Option<Property> {
        Property::ALL.iter().copied().find(|p| p.name() == name)
    }
}

closed_set! {
    /// A check without its fields: the check catalogue's key ([`Check::kind`]).
    pub enum CheckKind {
        Depth,
        AtBaseline,
        Status,
        Reason,
        StrikeCoverage,
        FieldCoverage,
        StatusTotal,
        ReasonTotal,
        Events,
        InvalidExpiries,
        ValidationDrops,
        UniverseSkipped,
        CycleTime,
        SlaBreach,
        ScaleFactor,
        MemoryTier,
    }
}

closed_set! {
    /// A tally without its fields ([`Tally::kind`]).
    pub enum TallyKind {
        Events,
        Status,
        Reason,
    }
}

closed_set! {
    /// An expectation's form ([`Expectation::kind`]).
    pub enum ExpectationKind {
        At,
        By,
        Always,
        Never,
        AtLeastOnce,
        MaxFlips,
        Total,
        Keeps,
        Eventually,
        OutsideFaults,
    }
}

/// What a check, a tally or an expectation reads of a cycle: what a path that computes less than a full run
/// (the lean scoring path) must give for it to be judged alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads<'a> {
    /// An index's depth and baseline after the adaptive step.
    Depth,
    /// An expiry's status, partial reason, strike or field coverage, or an index's aggregated status.
    Expiry,
    /// The cycle's status and partial reason totals.
    Totals,
    /// The events of this name.
    Events(&'a str),
    /// The expiry map's counts of an index (its invalid expiries).
    ExpiryMap,
    /// Validation's drops.
    ValidationDrops,
    /// The universe rows of no index of the run the expiry map skipped.
    UniverseSkipped,
    /// The cycle's time, its SLA breach and strike scaling's factor.
    CycleTime,
    /// The memory-pressure tier.
    Memory,
    /// Whatever a property of the catalogue reads: any part of a cycle's summary and events.
    Property,
}

/// The event whose reasons `MaxFlips` counts the direction changes of.
pub const DEPTH_EVENT: &str = "strike_depth_adjustment";

impl Check {
    /// The check's kind.
    pub fn kind(&self) -> CheckKind {
        match self {
            Check::Depth { .. } => CheckKind::Depth,
            Check::AtBaseline { .. } => CheckKind::AtBaseline,
            Check::Status { .. } => CheckKind::Status,
            Check::Reason { .. } => CheckKind::Reason,
            Check::StrikeCoverage { .. } => CheckKind::StrikeCoverage,
            Check::FieldCoverage { .. } => CheckKind::FieldCoverage,
            Check::StatusTotal { .. } => CheckKind::StatusTotal,
            Check::ReasonTotal { .. } => CheckKind::ReasonTotal,
            Check::Events { .. } => CheckKind::Events,
            Check::InvalidExpiries { .. } => CheckKind::InvalidExpiries,
            Check::ValidationDrops { .. } => CheckKind::ValidationDrops,
            Check::UniverseSkipped { .. } => CheckKind::UniverseSkipped,
            Check::CycleTime { .. } => CheckKind::CycleTime,
            Check::SlaBreach => CheckKind::SlaBreach,
            Check::ScaleFactor { .. } => CheckKind::ScaleFactor,
            Check::MemoryTier { .. } => CheckKind::MemoryTier,
        }
    }

    /// What the check reads of a cycle.
    pub fn reads(&self) -> Reads<'_> {
        match self {
            Check::Depth { .. } | Check::AtBaseline { .. } => Reads::Depth,
            Check::Status { .. }
            | Check::Reason { .. }
            | Check::StrikeCoverage { .. }
            | Check::FieldCoverage { .. } => Reads::Expiry,
            Check::StatusTotal { .. } | Check::ReasonTotal { .. } => Reads::Totals,
            Check::Events { event, .. } => Reads::Events(event),
            Check::InvalidExpiries { .. } => Reads::ExpiryMap,
            Check::ValidationDrops { .. } => Reads::ValidationDrops,
            Check::UniverseSkipped { .. } => Reads::UniverseSkipped,
            Check::CycleTime { .. } | Check::SlaBreach | Check::ScaleFactor { .. } => Reads::CycleTime,
            Check::MemoryTier { .. } => Reads::Memory,
        }
    }

    /// One check of every kind ([`CheckKind::example`]) about `index` and its expiry `rule`, in the kinds'
    /// order: what the tests generate expectations and fuzz tokens from.
    pub fn examples(index: &str, rule: ExpiryRule) -> Vec<Check> {
        CheckKind::ALL.iter().map(|k| k.example(index, rule)).collect()
    }
}

impl CheckKind {
    /// A check of this kind about `index` and its expiry `rule`, one a run may pass or fail.
    pub fn example(self, index: &str, rule: ExpiryRule) -> Check {
        let index = index.to_string();
        match self {
            CheckKind::Depth => Check::Depth { index, side: Side::Both, is: Cmp::Ge(10.0) },
            CheckKind::AtBaseline => Check::AtBaseline { index },
            CheckKind::Status => Check::Status { index, rule: Some(rule), is: ExpiryStatus::Partial },
            CheckKind::Reason => Check::Reason { index, rule, is: PartialReason::LowStrike },
            CheckKind::StrikeCoverage => Check::StrikeCoverage { index, rule, is: Cmp::Lt(1.0) },
            CheckKind::FieldCoverage => Check::FieldCoverage { index, rule, is: Cmp::Lt(1.0) },
            CheckKind::StatusTotal => Check::StatusTotal { status: ExpiryStatus::Ok, is: Cmp::Ge(2.0) },
            CheckKind::ReasonTotal => Check::ReasonTotal { reason: PartialReason::LowStrike, is: Cmp::Ge(1.0) },
            CheckKind::Events => {
                Check::Events { event: "zero_data".into(), index: Some(index), reason: None, is: Cmp::Ge(1.0) }
            }
            CheckKind::InvalidExpiries => Check::InvalidExpiries { index, is: Cmp::Ge(1.0) },
            CheckKind::ValidationDrops => {
                Check::ValidationDrops { reason: DropReason::StrikeOutOfBand, is: Cmp::Ge(1.0) }
            }
            CheckKind::UniverseSkipped => Check::UniverseSkipped { reason: SkipReason::OtherIndex, is: Cmp::Eq(0.0) },
            CheckKind::CycleTime => Check::CycleTime { is: Cmp::Lt(51.0) },
            CheckKind::SlaBreach => Check::SlaBreach,
            CheckKind::ScaleFactor => Check::ScaleFactor { is: Cmp::Eq(1.0) },
            CheckKind::MemoryTier => Check::MemoryTier { is: Cmp::Eq(0.0) },
        }
    }
}

impl Tally {
    /// The tally's kind.
    pub fn kind(&self) -> TallyKind {
        match self {
            Tally::Events { .. } => TallyKind::Events,
            Tally::Status { .. } => TallyKind::Status,
            Tally::Reason { .. } => TallyKind::Reason,
        }
    }

    /// What the tally reads of each cycle.
    pub fn reads(&self) -> Reads<'_> {
        match self {
            Tally::Events { event, .. } => Reads::Events(event),
            Tally::Status { .. } | Tally::Reason { .. } => Reads::Expiry,
        }
    }

    /// One tally of every kind ([`TallyKind::example`]) about `index` and its expiry `rule`.
    pub fn examples(index: &str, rule: ExpiryRule) -> Vec<Tally> {
        TallyKind::ALL.iter().map(|k| k.example(index, rule)).collect()
    }
}

impl TallyKind {
    /// A tally of this kind about `index` and its expiry `rule`.
    pub fn example(self, index: &str, rule: ExpiryRule) -> Tally {
        let index = Some(index.to_string());
        match self {
            TallyKind::Events => Tally::Events { event: DEPTH_EVENT.into(), index, reason: None },
            TallyKind::Status => Tally::Status { status: ExpiryStatus::Partial, index, rule: Some(rule) },
            TallyKind::Reason => Tally::Reason { reason: PartialReason::LowStrike, index, rule: Some(rule) },
        }
    }
}

impl Expectation {
    /// The expectation's form.
    pub fn kind(&self) -> ExpectationKind {
        match self {
            Expectation::At { .. } => ExpectationKind::At,
            Expectation::By { .. } => ExpectationKind::By,
            Expectation::Always(_) => ExpectationKind::Always,
            Expectation::Never(_) => ExpectationKind::Never,
            Expectation::AtLeastOnce(_) => ExpectationKind::AtLeastOnce,
            Expectation::MaxFlips { .. } => ExpectationKind::MaxFlips,
            Expectation::Total { .. } => ExpectationKind::Total,
            Expectation::Keeps(_) => ExpectationKind::Keeps,
            Expectation::Eventually { .. } => ExpectationKind::Eventually,
            Expectation::OutsideFaults(_) => ExpectationKind::OutsideFaults,
        }
    }

    /// What the expectation reads of each cycle: its check's, its tally's, or the depth events `MaxFlips`
    /// counts.
    pub fn reads(&self) -> Reads<'_> {
        match self {
            Expectation::At { check, .. }
            | Expectation::By { check, .. }
            | Expectation::Always(check)
            | Expectation::Never(check)
            | Expectation::AtLeastOnce(check)
            | Expectation::Eventually { check, .. }
            | Expectation::OutsideFaults(check) => check.reads(),
            Expectation::MaxFlips { .. } => Reads::Events(DEPTH_EVENT),
            Expectation::Total { of, .. } => of.reads(),
            Expectation::Keeps(_) => Reads::Property,
        }
    }
}

impl Check {
    /// The index the check names, to rewrite.
    pub fn index_mut(&mut self) -> Option<&mut String> {
        match self {
            Check::Depth { index, .. }
            | Check::AtBaseline { index }
            | Check::Status { index, .. }
            | Check::Reason { index, .. }
            | Check::StrikeCoverage { index, .. }
            | Check::FieldCoverage { index, .. }
            | Check::InvalidExpiries { index, .. } => Some(index),
            Check::Events { index, .. } => index.as_mut(),
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
}

impl Expectation {
    /// The index the expectation names (its check's, its tally's or its own), to rewrite.
    pub fn index_mut(&mut self) -> Option<&mut String> {
        match self {
            Expectation::At { check, .. }
            | Expectation::By { check, .. }
            | Expectation::Always(check)
            | Expectation::Never(check)
            | Expectation::AtLeastOnce(check)
            | Expectation::Eventually { check, .. }
            | Expectation::OutsideFaults(check) => check.index_mut(),
            Expectation::MaxFlips { index, .. } => Some(index),
            Expectation::Total {
                of: Tally::Events { index, .. } | Tally::Status { index, .. } | Tally::Reason { index, .. },
                ..
            } => index.as_mut(),
            Expectation::Keeps(_) => None,
        }
    }
}

impl ExpectationKind {
    /// An expectation of this form about `index`: a temporal form around `check` (at or by `cycle`), a
    /// `Total` of `tally`, at most one depth flip in any 5 cycles, or the catalogue's first property.
    pub fn example(self, check: &Check, tally: &Tally, index: &str, cycle: u64) -> Expectation {
        let check = check.clone();
        match self {
            ExpectationKind::At => Expectation::At { cycle, check },
            ExpectationKind::By => Expectation::By { cycle, check },
            ExpectationKind::Always => Expectation::Always(check),
            ExpectationKind::Never => Expectation::Never(check),
            ExpectationKind::AtLeastOnce => Expectation::AtLeastOnce(check),
            ExpectationKind::MaxFlips => Expectation::MaxFlips { index: index.to_string(), flips: 1, window: 5 },
            ExpectationKind::Total => Expectation::Total { of: tally.clone(), is: Cmp::Ge(1.0) },
            ExpectationKind::Keeps => Expectation::Keeps(Property::ALL[0]),
            ExpectationKind::Eventually => Expectation::Eventually { within: cycle, after: Anchor::LastFault, check },
            ExpectationKind::OutsideFaults => Expectation::OutsideFaults(check),
        }
    }
}

impl Expectation {
    /// Every expectation the catalogue generates about `index`'s `rule` expiry: each form around each check kind
    /// (at or by `cycle`), over each tally kind, repeats dropped, in the catalogue's order. What the fuzz and
    /// the lean comparison take their expectations from.
    pub fn examples(index: &str, rule: ExpiryRule, cycle: u64) -> Vec<Expectation> {
        let (checks, tallies) = (Check::examples(index, rule), Tally::examples(index, rule));
        let mut out = Vec::new();
        for &form in ExpectationKind::ALL {
            for check in &checks {
                for tally in &tallies {
                    let e = form.example(check, tally, index, cycle);
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
        }
        out
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Depth { index, side, is } => write!(f, "{index} depth ({side:?}) {is}"),
            Check::AtBaseline { index } => write!(f, "{index} depth at baseline"),
            Check::Status { index, rule: None, is } => write!(f, "{index} status {}", is.as_str()),
            Check::Status { index, rule: Some(r), is } => write!(f, "{index} {r} status {}", is.as_str()),
            Check::Reason { index, rule, is } => write!(f, "{index} {rule} partial_reason {}", is.as_str()),
            Check::StrikeCoverage { index, rule, is } => write!(f, "{index} {rule} strike coverage {is}"),
            Check::FieldCoverage { index, rule, is } => write!(f, "{index} {rule} field coverage {is}"),
            Check::StatusTotal { status, is } => write!(f, "{} expiries {is}", status.as_str()),
            Check::ReasonTotal { reason, is } => write!(f, "{} total {is}", reason.as_str()),
            Check::Events { event, index, reason, is } => {
                write!(f, "{event} events")?;
                if let Some(i) = index {
                    write!(f, " for {i}")?;
                }
                if let Some(r) = reason {
                    write!(f, " with reason {r}")?;
                }
                write!(f, " {is}")
            }
            Check::InvalidExpiries { index, is } => write!(f, "{index} invalid expiries {is}"),
            Check::ValidationDrops { reason, is } => write!(f, "{} drops {is}", reason.as_str()),
            Check::UniverseSkipped { reason, is } => write!(f, "{reason} rows skipped {is}"),
            Check::CycleTime { is } => write!(f, "cycle time (s) {is}"),
            Check::SlaBreach => write!(f, "the cycle breaches its SLA"),
            Check::ScaleFactor { is } => write!(f, "strike scale {is}"),
            Check::MemoryTier { is } => write!(f, "memory tier {is}"),
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expectation::At { cycle, check } => write!(f, "at cycle {cycle}: {check}"),
            Expectation::By { cycle, check } => write!(f, "by cycle {cycle}: {check}"),
            Expectation::Always(c) => write!(f, "always: {c}"),
            Expectation::Never(c) => write!(f, "never: {c}"),
            Expectation::AtLeastOnce(c) => write!(f, "at least once: {c}"),
            Expectation::MaxFlips { index, flips, window } => {
                write!(f, "{index}: at most {flips} depth direction flip(s) in any {window} cycles")
            }
            Expectation::Total { of, is } => write!(f, "total {} {is}", tally_label(of)),
            Expectation::Keeps(p) => write!(f, "keeps {}", p.name()),
            Expectation::Eventually { within, after: Anchor::Start, check } => {
                write!(f, "within {within} cycles of the start: {check}")
            }
            Expectation::Eventually { within, after: Anchor::LastFault, check } => {
                write!(f, "within {within} cycles after the last fault: {check}")
            }
            Expectation::OutsideFaults(c) => write!(f, "outside the faults: {c}"),
        }
    }
}

pub(crate) fn tally_label(t: &Tally) -> String {
    let scope = |index: &Option<String>, rule: &Option<ExpiryRule>| {
        let mut s = String::new();
        if let Some(i) = index {
            s += &format!(" for {i}");
        }
        if let Some(r) = rule {
            s += &format!(" {r}");
        }
        s
    };
    match t {
        Tally::Events { event, index, reason } => format!(
            "{event} events{}{}",
            scope(index, &None),
            reason.as_ref().map(|r| format!(" with reason {r}")).unwrap_or_default()
        ),
        Tally::Status { status, index, rule } => format!("{} expiries{}", status.as_str(), scope(index, rule)),
        Tally::Reason { reason, index, rule } => format!("{} expiries{}", reason.as_str(), scope(index, rule)),
    }
}

/// What the collector saw for one expiry in one cycle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecordedExpiry {
    /// `None`: not measured, the expiry failed.
    pub strike_coverage: Option<f64>,
    pub field_coverage: Option<f64>,
    pub options: u32,
    /// Served by synthetic placeholder quotes (B4).
    pub synthetic: bool,
}

/// One recorded cycle: its number, its time, each index's price (by index position), each expiry's
/// row (by (index position, expiry position)), and what the collector measured of the cycle as a whole.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedCycle {
    pub cycle: u64,
    pub time: DateTime<FixedOffset>,
    pub prices: BTreeMap<u16, f64>,
    pub expiries: BTreeMap<(u16, u16), RecordedExpiry>,
    /// The seconds the cycle took (finite, 0 to [`MAX_RECORDED_CYCLE_TIME_S`]): the replay's elapsed time
    /// in place of the cost model's. `None`: not recorded, the cost model times the cycle.
    pub cycle_time_s: Option<f64>,
    /// The memory-pressure tier the cycle ran under (the reference's levels: 0 normal .. 3 critical).
    pub memory_tier: Option<u8>,
}
