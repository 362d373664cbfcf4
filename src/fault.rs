//! The fault kinds a scenario's phases switch on, and their catalogue. Beside the [`Fault`] enum, each kind's
//! facts are decided here by exhaustive `match`: what it does ([`FaultKind::describe`]), what it acts on
//! ([`FaultKind::scope`]), the rows it injects ([`Fault::parameter`], [`Fault::rows`]), the cycle phase that
//! applies it ([`FaultKind::phase`]) and whether the lean scoring path models it ([`FaultKind::lean`]).
//! The loader, the lean path, the docs and the tests ask the catalogue, so a new kind compiles only once each
//! of these is decided.

use crate::config::Ratio;
use crate::vocab::closed_set;
use serde::{Deserialize, Serialize};

/// The most rows one fault may add (`Oversize`, `InvalidExpiries`, `StrayStrikes`, `BadRows`): each fault's
/// own bound; `schema::MAX_ROWS_PER_CYCLE` bounds what they add up to.
pub const MAX_FAULT_ROWS: u32 = 10_000_000;

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
    /// Each fetch of the expiry's instruments answers this fraction of the cycle interval late: when a cycle's
    /// fetches add up to more than the interval, the next cycle starts that much later.
    SlowProvider(Ratio),
    /// The process's resident memory is this fraction of physical RAM: the memory-pressure tier follows it.
    MemoryPressure(Ratio),
}

closed_set! {
    /// A fault without its parameter: the catalogue's key ([`Fault::kind`]).
    pub enum FaultKind {
        StrikeDropout,
        FieldDropout,
        Outage,
        Oversize,
        InvalidExpiries,
        StrayStrikes,
        IndexPriceMissing,
        QuotesMissing,
        BadRows,
        SlowProvider,
        MemoryPressure,
    }
}

/// What a fault acts on, and so how a phase may scope it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One expiry at a time: a phase may narrow it to an index and an expiry rule.
    Expiry,
    /// The whole universe of an index: a phase may narrow it to an index, not to an expiry rule.
    Index,
    /// The collector's process: a phase may narrow it to neither an index nor an expiry rule.
    Process,
}

/// A fault's parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Parameter {
    /// None: the fault is on or off.
    Switch,
    /// A fraction of something, from 0 to 1.
    Ratio(Ratio),
    /// A count of rows the fault injects (at most [`MAX_FAULT_ROWS`]), and what it counts them per.
    Rows(u32, RowUnit),
}

/// What a fault's row count is counted per, in the order the rows bound adds them up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowUnit {
    /// Per expiry the provider lists for the index (universe rows).
    ListedExpiry,
    /// Once per index (universe rows).
    Index,
    /// Per expiry rule of the index, twice: a call and a put per stray strike; a malformed quote row
    /// counts as two as well (an upper bound).
    Expiry,
}

/// What the rows bound knows of one index: the expiries the provider lists for it and the expiry rules the
/// run follows for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowShape {
    pub listed: u128,
    pub expiries: u128,
}

impl RowUnit {
    /// The rows `n` of this unit come to for an index of this shape.
    pub fn rows(self, n: u32, shape: RowShape) -> u128 {
        let n = u128::from(n);
        match self {
            RowUnit::ListedExpiry => shape.listed * n,
            RowUnit::Index => n,
            RowUnit::Expiry => shape.expiries * 2 * n,
        }
    }
}

/// The phase of the cycle that applies a fault (its module of `src/cycle/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CyclePhase {
    /// What the provider reports and publishes: the index price, the universe's rows.
    Provider,
    /// The fetch of each expiry's instruments.
    Instruments,
    /// Quote enrichment.
    Quotes,
    /// Preventive validation of the quote rows.
    Validation,
    /// The cycle's elapsed time on the simulated clock.
    CycleTime,
    /// Memory pressure, before the ladders are built.
    Memory,
}

impl CyclePhase {
    /// The phase's module, from `src/`.
    pub fn module(self) -> &'static str {
        match self {
            CyclePhase::Provider => "cycle/provider.rs",
            CyclePhase::Instruments => "cycle/instruments.rs",
            CyclePhase::Quotes => "cycle/quotes.rs",
            CyclePhase::Validation => "cycle/validation.rs",
            CyclePhase::CycleTime => "cycle/cycle_time.rs",
            CyclePhase::Memory => "cycle/memory.rs",
        }
    }
}

/// Whether the lean scoring path (`scoring::lean`) gives what a full run gives under something a sweep's runs
/// do: a fault, or what an expectation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeanSupport {
    /// It does: a sweep may score on the lean path.
    Modelled,
    /// It does not, for this reason: a sweep with it runs every job in full.
    Refused(&'static str),
}

impl Fault {
    /// The fault's kind.
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::StrikeDropout(_) => FaultKind::StrikeDropout,
            Fault::FieldDropout(_) => FaultKind::FieldDropout,
            Fault::Outage => FaultKind::Outage,
            Fault::Oversize(_) => FaultKind::Oversize,
            Fault::InvalidExpiries(_) => FaultKind::InvalidExpiries,
            Fault::StrayStrikes(_) => FaultKind::StrayStrikes,
            Fault::IndexPriceMissing => FaultKind::IndexPriceMissing,
            Fault::QuotesMissing => FaultKind::QuotesMissing,
            Fault::BadRows(_) => FaultKind::BadRows,
            Fault::SlowProvider(_) => FaultKind::SlowProvider,
            Fault::MemoryPressure(_) => FaultKind::MemoryPressure,
        }
    }

    /// The fault's parameter: a switch, a ratio, or rows and what they are counted per.
    pub fn parameter(&self) -> Parameter {
        match *self {
            Fault::StrikeDropout(r) | Fault::FieldDropout(r) | Fault::SlowProvider(r) | Fault::MemoryPressure(r) => {
                Parameter::Ratio(r)
            }
            Fault::Outage | Fault::IndexPriceMissing | Fault::QuotesMissing => Parameter::Switch,
            Fault::Oversize(n) => Parameter::Rows(n, RowUnit::ListedExpiry),
            Fault::InvalidExpiries(n) => Parameter::Rows(n, RowUnit::Index),
            Fault::StrayStrikes(n) | Fault::BadRows(n) => Parameter::Rows(n, RowUnit::Expiry),
        }
    }

    /// The row count the fault's parameter sets, if it injects rows (each bounded by [`MAX_FAULT_ROWS`]).
    pub fn injected_rows(&self) -> Option<u32> {
        match self.parameter() {
            Parameter::Rows(n, _) => Some(n),
            Parameter::Switch | Parameter::Ratio(_) => None,
        }
    }

    /// The rows the fault adds to one cycle of an index of this shape (an upper bound; 0 for a fault that
    /// injects none): what `scenario::rows_per_cycle` adds up against `schema::MAX_ROWS_PER_CYCLE`.
    pub fn rows(&self, shape: RowShape) -> u128 {
        match self.parameter() {
            Parameter::Rows(n, unit) => unit.rows(n, shape),
            Parameter::Switch | Parameter::Ratio(_) => 0,
        }
    }

    /// What the fault acts on.
    pub fn scope(&self) -> Scope {
        self.kind().scope()
    }

    /// One fault of every kind ([`FaultKind::example`]), in the kinds' order: what the tests generate
    /// scenarios, fuzz tokens and lean comparisons from.
    pub fn examples() -> Vec<Fault> {
        FaultKind::ALL.iter().map(|k| k.example()).collect()
    }
}

impl FaultKind {
    /// The fault of this kind with `ratio` (a rate's parameter) or `rows` (a row count); a switch takes
    /// neither.
    pub fn with(self, ratio: Ratio, rows: u32) -> Fault {
        match self {
            FaultKind::StrikeDropout => Fault::StrikeDropout(ratio),
            FaultKind::FieldDropout => Fault::FieldDropout(ratio),
            FaultKind::Outage => Fault::Outage,
            FaultKind::Oversize => Fault::Oversize(rows),
            FaultKind::InvalidExpiries => Fault::InvalidExpiries(rows),
            FaultKind::StrayStrikes => Fault::StrayStrikes(rows),
            FaultKind::IndexPriceMissing => Fault::IndexPriceMissing,
            FaultKind::QuotesMissing => Fault::QuotesMissing,
            FaultKind::BadRows => Fault::BadRows(rows),
            FaultKind::SlowProvider => Fault::SlowProvider(ratio),
            FaultKind::MemoryPressure => Fault::MemoryPressure(ratio),
        }
    }

    /// A fault of this kind with a moderate parameter: a ratio of 0.4, 3 rows.
    pub fn example(self) -> Fault {
        self.with(Ratio::new(0.4).expect("0.4 is a ratio"), 3)
    }

    /// The fault of this kind with the largest parameter a scenario may give: a ratio of 1, [`MAX_FAULT_ROWS`].
    pub fn largest(self) -> Fault {
        self.with(Ratio::new(1.0).expect("1 is a ratio"), MAX_FAULT_ROWS)
    }

    /// How a scenario writes it: the variant, with `(r)` for a ratio and `(n)` for rows.
    pub fn syntax(self) -> String {
        match self.example().parameter() {
            Parameter::Switch => format!("{self:?}"),
            Parameter::Ratio(_) => format!("{self:?}(r)"),
            Parameter::Rows(..) => format!("{self:?}(n)"),
        }
    }

    /// What the fault does, for a scenario's author (the fault table of docs/scenarios.md).
    pub fn describe(self) -> &'static str {
        match self {
            FaultKind::StrikeDropout => {
                "exactly `round(r x n)` of the ladder's `n` strikes come back with no instruments (picked by the seed)"
            }
            FaultKind::FieldDropout => {
                "exactly `round(r x n)` of the quotes miss one of volume, OI, average price (zero counts as missing)"
            }
            FaultKind::Outage => "the provider returns nothing for the expiry: a `zero_data` event, status EMPTY",
            FaultKind::Oversize => {
                "`n` extra rows per listed expiry of the index, duplicate series spread over the strikes"
            }
            FaultKind::InvalidExpiries => {
                "`n` rows with a missing or malformed expiry, which the expiry map counts and skips"
            }
            FaultKind::StrayStrikes => "the fetch also returns the `n` strikes just above the ladder",
            FaultKind::IndexPriceMissing => {
                "the provider reports neither index price nor ATM: the synthetic ATM stands in"
            }
            FaultKind::QuotesMissing => {
                "quote enrichment returns nothing: placeholder quotes, status SYNTH, field coverage 0"
            }
            FaultKind::BadRows => {
                "`n` malformed quote rows, one defect each, cycling through validation's eight drop reasons"
            }
            FaultKind::SlowProvider => {
                "each fetch of the expiry answers `r x interval_s` late, which adds to the cycle's time; when a \
                 cycle takes longer than the interval, the next cycle starts that much later (whole seconds), as \
                 the collector's loop sleeps `max(0, interval - elapsed)`"
            }
            FaultKind::MemoryPressure => {
                "the process's resident memory is `r` of physical RAM: its tier (0.70 elevated, 0.80 high, 0.90 \
                 critical by default) scales every ladder down and, from high, turns IVs and Greeks off; \
                 overlapping phases take the largest `r`"
            }
        }
    }

    /// What the fault acts on: the index-wide faults act on the universe of an index, not on one expiry.
    pub fn scope(self) -> Scope {
        match self {
            FaultKind::Oversize | FaultKind::InvalidExpiries | FaultKind::IndexPriceMissing => Scope::Index,
            FaultKind::StrikeDropout
            | FaultKind::FieldDropout
            | FaultKind::Outage
            | FaultKind::StrayStrikes
            | FaultKind::QuotesMissing
            | FaultKind::BadRows
            | FaultKind::SlowProvider => Scope::Expiry,
            FaultKind::MemoryPressure => Scope::Process,
        }
    }

    /// The phase of the cycle that applies the fault.
    pub fn phase(self) -> CyclePhase {
        match self {
            FaultKind::Oversize | FaultKind::InvalidExpiries | FaultKind::IndexPriceMissing => CyclePhase::Provider,
            FaultKind::StrikeDropout | FaultKind::Outage | FaultKind::StrayStrikes => CyclePhase::Instruments,
            FaultKind::FieldDropout | FaultKind::QuotesMissing => CyclePhase::Quotes,
            FaultKind::BadRows => CyclePhase::Validation,
            FaultKind::SlowProvider => CyclePhase::CycleTime,
            FaultKind::MemoryPressure => CyclePhase::Memory,
        }
    }

    /// Whether the lean scoring path models the fault. The sweep's differential tests hold it to that: under every
    /// modelled kind the lean path's scores, summaries and events equal a full run's, and a sweep with a
    /// refused kind runs in full.
    pub fn lean(self) -> LeanSupport {
        match self {
            FaultKind::StrikeDropout
            | FaultKind::FieldDropout
            | FaultKind::Outage
            | FaultKind::Oversize
            | FaultKind::StrayStrikes
            | FaultKind::IndexPriceMissing => LeanSupport::Modelled,
            // The lean clock times the last cycle's fetches as the director does.
            FaultKind::SlowProvider => LeanSupport::Modelled,
            // The expiry map skips these rows before any expiry's fetch: nothing the lean path gives reads them.
            FaultKind::InvalidExpiries => LeanSupport::Modelled,
            // Lean measurement knows a placeholder's fields are all 0, and collapses them as the reference does.
            FaultKind::QuotesMissing => LeanSupport::Modelled,
            // Lean validation checks the injected rows after the fetched ones, row by row.
            FaultKind::BadRows => LeanSupport::Modelled,
            // The lean run evaluates the memory manager and scales its ladders as the memory phase does.
            FaultKind::MemoryPressure => LeanSupport::Modelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `FaultKind::ALL` holds each kind once, and each kind's example is of that kind: the kinds and the
    /// faults are one set.
    #[test]
    fn every_kind_has_its_example_and_back() {
        let kinds: Vec<FaultKind> = Fault::examples().iter().map(Fault::kind).collect();
        assert_eq!(kinds, FaultKind::ALL);
        let mut sorted = kinds.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), FaultKind::ALL.len());
        for &kind in FaultKind::ALL {
            assert_eq!(kind.largest().kind(), kind);
            // The serde name is the kind's name.
            let text = ron::to_string(&kind.example()).unwrap();
            assert!(text.starts_with(&format!("{kind:?}")), "{text}");
            let back: Fault = ron::from_str(&text).unwrap();
            assert_eq!(back, kind.example());
        }
    }

    /// A fault injects rows exactly when its parameter is a row count, and the rows bound counts padding per
    /// listed expiry, invalid rows once, stray strikes and bad rows twice per expiry rule.
    #[test]
    fn rows_follow_the_parameter() {
        let shape = RowShape { listed: 9, expiries: 2 };
        let rows: Vec<(FaultKind, u128)> = FaultKind::ALL.iter().map(|&k| (k, k.example().rows(shape))).collect();
        assert_eq!(
            rows,
            [
                (FaultKind::StrikeDropout, 0),
                (FaultKind::FieldDropout, 0),
                (FaultKind::Outage, 0),
                (FaultKind::Oversize, 27),
                (FaultKind::InvalidExpiries, 3),
                (FaultKind::StrayStrikes, 12),
                (FaultKind::IndexPriceMissing, 0),
                (FaultKind::QuotesMissing, 0),
                (FaultKind::BadRows, 12),
                (FaultKind::SlowProvider, 0),
                (FaultKind::MemoryPressure, 0),
            ]
        );
        for fault in Fault::examples() {
            let counted = fault.kind().syntax().ends_with("(n)");
            assert_eq!(fault.injected_rows().is_some(), counted, "{fault:?}");
        }
    }

    /// The index-wide kinds are the ones the provider applies to an index's universe.
    #[test]
    fn the_index_wide_faults_are_the_providers() {
        for &kind in FaultKind::ALL {
            if kind.scope() == Scope::Index {
                assert_eq!(kind.phase(), CyclePhase::Provider, "{kind:?}");
            }
        }
    }

    /// The process-wide kinds are the memory phase's.
    #[test]
    fn the_process_wide_faults_are_the_memory_phases() {
        for &kind in FaultKind::ALL {
            assert_eq!(kind.scope() == Scope::Process, kind.phase() == CyclePhase::Memory, "{kind:?}");
        }
    }

    /// Every phase named is a module of the cycle.
    #[test]
    fn every_phase_is_a_module() {
        for &kind in FaultKind::ALL {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(kind.phase().module());
            assert!(path.is_file(), "{kind:?}: {}", path.display());
        }
    }
}
