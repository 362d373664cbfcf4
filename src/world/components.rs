use crate::calendar::ExpiryRule;
use crate::events::Clamp;
use crate::registry::IndexMeta;
use crate::vocab::{ExpiryStatus, PartialReason};
use crate::vocab::{Failure, OptionKind};
use bevy_ecs::prelude::*;
use chrono::NaiveDate;
use serde::Serialize;

/// An index entity: its position in the scenario (the sort key of every output) and its registry entry.
#[derive(Component, Debug, Clone)]
pub struct IndexInfo {
    pub meta: IndexMeta,
}

/// Scenario position of an index; entities are sorted by it wherever order reaches an output.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexOrder(pub u16);

/// The index price the market is at this cycle.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Spot(pub f64);

/// What the provider reports for the index this cycle: price and ATM (0 when it reports nothing).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct ReportedIndex {
    pub price: f64,
    pub atm: f64,
}

/// The expiries the provider lists for the index on the current simulated date.
#[derive(Component, Debug, Clone, Default)]
pub struct ListedExpiries(pub Vec<NaiveDate>);

/// Strikes per side: the current depth and the baseline contraction returns to.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StrikeDepth {
    pub itm: u32,
    pub otm: u32,
    pub baseline_itm: u32,
    pub baseline_otm: u32,
}

/// The adaptive state machine's memory, kept across cycles.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdaptiveState {
    /// Consecutive healthy cycles (parity g6: expiry passes).
    pub healthy_streak: u32,
    /// Cycle number of the last contraction (parity g6: on the wall-clock-like cooldown clock).
    pub cycle_last_action: Option<i64>,
    pub had_expansion: bool,
    pub had_low_cov: bool,
    /// Parity g6: the baseline was snapshotted at the first adaptive call.
    pub baseline_snapshot_taken: bool,
}

/// This cycle's strike ladder: ATM, step and the requested strikes (ascending, deduplicated).
#[derive(Component, Debug, Clone, Default, PartialEq)]
pub struct StrikeLadder {
    /// The index price the ladder was built from (synthesized when the provider gave none).
    pub price: f64,
    /// Price and ATM came from the synthetic strategy.
    pub synthetic: bool,
    pub atm: f64,
    pub step: f64,
    pub strikes: Vec<f64>,
}

impl StrikeLadder {
    /// Exact membership, as the reference's `strike in set(ladder)`.
    #[cfg(test)]
    pub fn contains(&self, strike: f64) -> bool {
        self.strikes.binary_search_by(|s| s.total_cmp(&strike)).is_ok()
    }
}

/// An expiry entity: which index and which rule of its list.
#[derive(Component, Debug, Clone)]
pub struct Expiry {
    pub index: Entity,
    pub rule: ExpiryRule,
}

/// (index position, expiry position): the sort key of expiry entities.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpiryOrder(pub u16, pub u16);

/// The rule resolved to a date this cycle (`None`: nothing listed qualifies; the expiry fails).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryDate(pub Option<NaiveDate>);

/// Universe rows fetched for this expiry this cycle (after ladder match, faults and clamp).
#[derive(Component, Debug, Clone, Default)]
pub struct Candidates(pub Vec<u32>);

/// What the prefilter clamp did to this expiry this cycle, if it fired.
#[derive(Component, Debug, Clone, Default, PartialEq)]
pub struct ClampMeta(pub Option<Clamp>);

/// One instrument of an expiry's [`InstrumentSet`]: its entity, and what the phases after the fetch read of
/// it, stored next to each other so that validation, coverage, the match stats and Greeks walk one array
/// instead of looking each instrument up by entity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    pub token: u64,
    pub entity: Entity,
    pub strike: f64,
    pub kind: OptionKind,
    /// This cycle's quote.
    pub quote: Quote,
}

/// The expiry's instruments this cycle, in provider order (the order the fetch returned their rows): the
/// expiry's flat instrument table (see [`Member`]). When the same rows come back, the table keeps its
/// layout and only the quotes change.
#[derive(Component, Debug, Clone, Default)]
pub struct InstrumentSet(pub Vec<Member>);

impl InstrumentSet {
    /// The instrument entities, in table order.
    #[cfg(test)]
    pub fn entities(&self) -> impl Iterator<Item = Entity> + '_ {
        self.0.iter().map(|m| m.entity)
    }
}

/// Strike coverage of this cycle (`None` when not measured: the expiry failed).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct StrikeCoverage(pub Option<f64>);

/// Field coverage of this cycle (`None` when not measured).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct FieldCoverage(pub Option<f64>);

/// Counts of this cycle's pass over the expiry.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct ExpiryOutcome {
    pub strikes_requested: u32,
    pub instruments: u32,
    pub options: u32,
    pub failure: Option<Failure>,
    /// Served by synthetic placeholder quotes (B4): the expiry is SYNTH.
    pub synthetic: bool,
}

/// Status of this cycle (`None`: parity g6 leaves failed expiries without a status).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Status(pub Option<ExpiryStatus>);

/// Partial reason of this cycle.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reason(pub Option<PartialReason>);

/// Call or put.
/// An option instrument matched to a ladder.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Instrument {
    pub expiry: Entity,
    pub token: u64,
    pub strike: f64,
    pub kind: OptionKind,
    pub expiry_date: NaiveDate,
}

/// An instrument's quote this cycle (kept in its expiry's [`InstrumentSet`]). A zero field counts as missing,
/// as in the reference.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Quote {
    pub last_price: f64,
    pub volume: u64,
    pub oi: u64,
    pub avg_price: f64,
    /// A placeholder from the synthetic fallback (B4), not a market quote.
    pub synthetic: bool,
}
