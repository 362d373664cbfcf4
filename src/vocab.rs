//! The domain's words: the statuses and partial reasons an expiry gets, why an expiry failed, why a row was
//! dropped or skipped, which way depth moved, and call or put. The cycle's phases decide them, its events and
//! summaries report them, and a scenario's checks name them; each has one spelling, its `as_str`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a closed set of kinds, a fieldless enum, and its `ALL` list from one list, so `ALL` cannot miss a
/// kind: the catalogues (faults, checks, scores) enumerate their kinds through it, and a `match` over a kind
/// without a wildcard makes every new kind a decision. A kind's `Debug` is its variant's name.
macro_rules! closed_set {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$kind_meta:meta])* $kind:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $($(#[$kind_meta])* $kind),+
        }

        impl $name {
            /// Every kind, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$kind),+];
        }
    };
}
pub(crate) use closed_set;

/// Status of one expiry (or, aggregated, one index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ExpiryStatus {
    #[serde(rename = "OK", alias = "Ok")]
    Ok,
    #[serde(rename = "PARTIAL", alias = "Partial")]
    Partial,
    #[serde(rename = "EMPTY", alias = "Empty")]
    Empty,
    #[serde(rename = "SYNTH", alias = "Synth")]
    Synth,
}

impl ExpiryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Partial => "PARTIAL",
            Self::Empty => "EMPTY",
            Self::Synth => "SYNTH",
        }
    }
}

/// Why an expiry is PARTIAL. The label set is fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialReason {
    #[serde(alias = "LowStrike")]
    LowStrike,
    #[serde(alias = "LowField")]
    LowField,
    #[serde(alias = "LowBoth")]
    LowBoth,
    #[serde(alias = "Unknown")]
    Unknown,
    #[serde(alias = "PrefilterClamp")]
    PrefilterClamp,
}

impl PartialReason {
    pub const ALL: [PartialReason; 5] =
        [Self::LowStrike, Self::LowField, Self::LowBoth, Self::Unknown, Self::PrefilterClamp];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LowStrike => "low_strike",
            Self::LowField => "low_field",
            Self::LowBoth => "low_both",
            Self::Unknown => "unknown",
            Self::PrefilterClamp => "prefilter_clamp",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReasonTotals {
    pub low_strike: u32,
    pub low_field: u32,
    pub low_both: u32,
    pub unknown: u32,
    /// Absent in parity g6 (the reference's label set has four tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefilter_clamp: Option<u32>,
}

impl ReasonTotals {
    pub fn new(parity_g6: bool) -> Self {
        Self { prefilter_clamp: (!parity_g6).then_some(0), ..Self::default() }
    }
    pub fn add(&mut self, reason: PartialReason, n: u32) {
        match reason {
            PartialReason::LowStrike => self.low_strike += n,
            PartialReason::LowField => self.low_field += n,
            PartialReason::LowBoth => self.low_both += n,
            PartialReason::Unknown => self.unknown += n,
            PartialReason::PrefilterClamp => *self.prefilter_clamp.get_or_insert(0) += n,
        }
    }
    pub fn merge(&mut self, other: &ReasonTotals) {
        for reason in PartialReason::ALL {
            let n = other.get(reason);
            if n > 0 {
                self.add(reason, n);
            }
        }
    }
    pub fn get(&self, reason: PartialReason) -> u32 {
        match reason {
            PartialReason::LowStrike => self.low_strike,
            PartialReason::LowField => self.low_field,
            PartialReason::LowBoth => self.low_both,
            PartialReason::Unknown => self.unknown,
            PartialReason::PrefilterClamp => self.prefilter_clamp.unwrap_or(0),
        }
    }
}

/// Why an expiry failed this cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The rule matched no listed expiry.
    Unresolved,
    /// The provider returned no instruments (zero data).
    NoInstruments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum OptionKind {
    CE,
    PE,
}

/// Why a row was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    NonNumericStrike,
    NonPositiveStrike,
    StrikeOutOfBand,
    UnparseableExpiry,
    DummyFarFutureExpiry,
    ForeignExpiry,
    BadInstrumentType,
    EmptyQuote,
}

impl DropReason {
    pub const ALL: [DropReason; 8] = [
        Self::NonNumericStrike,
        Self::NonPositiveStrike,
        Self::StrikeOutOfBand,
        Self::UnparseableExpiry,
        Self::DummyFarFutureExpiry,
        Self::ForeignExpiry,
        Self::BadInstrumentType,
        Self::EmptyQuote,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NonNumericStrike => "non_numeric_strike",
            Self::NonPositiveStrike => "non_positive_strike",
            Self::StrikeOutOfBand => "strike_out_of_band",
            Self::UnparseableExpiry => "unparseable_expiry",
            Self::DummyFarFutureExpiry => "dummy_far_future_expiry",
            Self::ForeignExpiry => "foreign_expiry",
            Self::BadInstrumentType => "bad_instrument_type",
            Self::EmptyQuote => "empty_quote",
        }
    }
}

/// Why a row is not an index option. The order is the order of the checks and of every report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    BadToken,
    NotAnOption,
    UnknownUnderlying,
    WrongSegment,
    BadExpiry,
    BadStrike,
    BadLotSize,
    BadTickSize,
    DuplicateToken,
    /// A valid option of a registry index the run does not declare (counted by a run, never by the reader).
    OtherIndex,
}

impl SkipReason {
    pub const ALL: [SkipReason; 10] = [
        SkipReason::BadToken,
        SkipReason::NotAnOption,
        SkipReason::UnknownUnderlying,
        SkipReason::WrongSegment,
        SkipReason::BadExpiry,
        SkipReason::BadStrike,
        SkipReason::BadLotSize,
        SkipReason::BadTickSize,
        SkipReason::DuplicateToken,
        SkipReason::OtherIndex,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::BadToken => "bad_token",
            SkipReason::NotAnOption => "not_an_option",
            SkipReason::UnknownUnderlying => "unknown_underlying",
            SkipReason::WrongSegment => "wrong_segment",
            SkipReason::BadExpiry => "bad_expiry",
            SkipReason::BadStrike => "bad_strike",
            SkipReason::BadLotSize => "bad_lot_size",
            SkipReason::BadTickSize => "bad_tick_size",
            SkipReason::DuplicateToken => "duplicate_token",
            SkipReason::OtherIndex => "other_index",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rows skipped per reason, in [`SkipReason`] order: a fixed array (no allocation in the cycle), serialised
/// as a map of the reasons that have rows, in that order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkipCounts(pub [u64; SkipReason::ALL.len()]);

impl SkipCounts {
    pub fn add(&mut self, reason: SkipReason) {
        self.add_n(reason, 1);
    }

    pub fn add_n(&mut self, reason: SkipReason, n: u64) {
        self.0[reason as usize] += n;
    }

    pub fn get(&self, reason: SkipReason) -> u64 {
        self.0[reason as usize]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The reasons with rows and their counts, in order.
    pub fn iter(&self) -> impl Iterator<Item = (SkipReason, u64)> + '_ {
        SkipReason::ALL.into_iter().map(|r| (r, self.get(r))).filter(|(_, n)| *n > 0)
    }

    /// `reason n, reason n` (`none` when no row is skipped).
    pub fn text(&self) -> String {
        let parts: Vec<String> = self.iter().map(|(r, n)| format!("{r} {n}")).collect();
        if parts.is_empty() { "none".into() } else { parts.join(", ") }
    }
}

impl Serialize for SkipCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (reason, n) in self.iter() {
            map.serialize_entry(reason.as_str(), &n)?;
        }
        map.end()
    }
}

/// Direction of a depth adjustment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AdjustReason {
    #[serde(rename = "low_strike_cov")]
    Expansion,
    #[serde(rename = "contraction")]
    Contraction,
}

impl AdjustReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expansion => "low_strike_cov",
            Self::Contraction => "contraction",
        }
    }
}
