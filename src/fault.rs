//! The fault kinds a scenario's phases switch on: what each does to the provider.

use crate::config::Ratio;
use serde::{Deserialize, Serialize};

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
