//! B3: the central index metadata registry.
//!
//! The only place the per-index numbers live: strike step, weekly expiry weekday, exchange pool and the
//! synthetic ATM. Mirrors the reference's `src/utils/index_registry.py`: five known symbols, a per-index
//! step override (`G6_STRIKE_STEP_<SYM>`, through [`crate::config::Config::strike_step`]) and a fallback
//! for unknown symbols.

use serde::{Deserialize, Serialize};

/// Metadata of one index, as the reference's frozen `IndexMeta` dataclass carries it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexMeta {
    /// Upper-cased symbol (`NIFTY`).
    pub symbol: String,
    /// Human name (`Nifty 50`).
    pub display: String,
    /// Strike step in index points.
    pub step: f64,
    /// Exchange pool the options trade in (`NFO`, `BFO`).
    pub exchange_pool: String,
    /// Weekly expiry weekday, 0 = Monday.
    pub weekly_dow: u32,
    /// Synthetic ATM used when the provider gives neither price nor ATM.
    pub synthetic_atm: f64,
    /// Contract lot size (quantity per lot).
    pub lot_size: u32,
    /// Price tick of its options.
    pub tick_size: f64,
}

struct Entry {
    symbol: &'static str,
    display: &'static str,
    step: f64,
    exchange_pool: &'static str,
    weekly_dow: u32,
    synthetic_atm: f64,
    lot_size: u32,
}

const KNOWN: [Entry; 5] = [
    Entry {
        symbol: "NIFTY",
        display: "Nifty 50",
        step: 50.0,
        exchange_pool: "NFO",
        weekly_dow: 3,
        synthetic_atm: 24800.0,
        lot_size: 75,
    },
    Entry {
        symbol: "BANKNIFTY",
        display: "Bank Nifty",
        step: 100.0,
        exchange_pool: "NFO",
        weekly_dow: 3,
        synthetic_atm: 54000.0,
        lot_size: 35,
    },
    Entry {
        symbol: "FINNIFTY",
        display: "Fin Nifty",
        step: 50.0,
        exchange_pool: "NFO",
        weekly_dow: 1,
        synthetic_atm: 25950.0,
        lot_size: 65,
    },
    Entry {
        symbol: "MIDCPNIFTY",
        display: "Midcap Nifty Select",
        step: 50.0,
        exchange_pool: "NFO",
        weekly_dow: 3,
        synthetic_atm: 12000.0,
        lot_size: 140,
    },
    Entry {
        symbol: "SENSEX",
        display: "BSE Sensex",
        step: 100.0,
        exchange_pool: "BFO",
        weekly_dow: 4,
        synthetic_atm: 81000.0,
        lot_size: 20,
    },
];

/// The symbols the registry knows, in registry order.
pub fn known_symbols() -> impl Iterator<Item = &'static str> {
    KNOWN.iter().map(|e| e.symbol)
}

/// The registry's entry for a known symbol (case-insensitive), `None` for any other.
pub fn known(symbol: &str) -> Option<IndexMeta> {
    let upper = symbol.trim().to_uppercase();
    KNOWN.iter().find(|e| e.symbol == upper).map(|e| IndexMeta {
        symbol: e.symbol.to_string(),
        display: e.display.to_string(),
        step: e.step,
        exchange_pool: e.exchange_pool.to_string(),
        weekly_dow: e.weekly_dow,
        synthetic_atm: e.synthetic_atm,
        lot_size: e.lot_size,
        tick_size: 0.05,
    })
}

/// An entry a scenario declares for `symbol`.
pub fn declared(symbol: &str, entry: &RegistryEntry) -> IndexMeta {
    let upper = symbol.trim().to_uppercase();
    IndexMeta {
        display: entry.display.clone().unwrap_or_else(|| title_case(&upper)),
        symbol: upper,
        step: entry.step,
        exchange_pool: entry.exchange_pool.clone(),
        weekly_dow: entry.weekly_dow,
        synthetic_atm: entry.synthetic_atm,
        lot_size: entry.lot_size,
        tick_size: 0.05,
    }
}

/// Looks a symbol up (case-insensitive). `step_override` replaces the step when it is a positive number,
/// as `G6_STRIKE_STEP_<SYM>` does in the reference. An unknown symbol gets the reference's fallback:
/// display = title case, step 50, pool NFO, Thursday weeklies, synthetic ATM 20000. (Scenarios never reach
/// the fallback: an unknown symbol must declare its entry, see [`declared`].)
pub fn index_meta(symbol: &str, step_override: Option<f64>) -> IndexMeta {
    let upper = symbol.trim().to_uppercase();
    let mut meta = known(&upper).unwrap_or_else(|| IndexMeta {
        display: title_case(&upper),
        symbol: upper,
        step: 50.0,
        exchange_pool: "NFO".to_string(),
        weekly_dow: 3,
        synthetic_atm: 20000.0,
        lot_size: 1,
        tick_size: 0.05,
    });
    meta.apply_step_override(step_override);
    meta
}

impl IndexMeta {
    /// Replaces the step when the override is a positive number.
    pub fn apply_step_override(&mut self, step_override: Option<f64>) {
        if let Some(step) = step_override.filter(|s| s.is_finite() && *s > 0.0) {
            self.step = step;
        }
    }
}

fn title_case(upper: &str) -> String {
    let mut chars = upper.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
        None => String::new(),
    }
}

/// A registry entry written in the scenario (the numbers `crate::registry::IndexMeta` carries).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_indices_carry_the_reference_numbers() {
        let nifty = index_meta("nifty", None);
        assert_eq!((nifty.step, nifty.weekly_dow, nifty.synthetic_atm), (50.0, 3, 24800.0));
        assert_eq!(nifty.display, "Nifty 50");
        let bank = index_meta("BANKNIFTY", None);
        assert_eq!((bank.step, bank.synthetic_atm), (100.0, 54000.0));
        let fin = index_meta("FinNifty", None);
        assert_eq!((fin.step, fin.weekly_dow, fin.synthetic_atm), (50.0, 1, 25950.0));
        let midcp = index_meta("MIDCPNIFTY", None);
        assert_eq!((midcp.step, midcp.synthetic_atm), (50.0, 12000.0));
        let sensex = index_meta("SENSEX", None);
        assert_eq!((sensex.step, sensex.exchange_pool.as_str(), sensex.weekly_dow), (100.0, "BFO", 4));
        assert_eq!(known_symbols().count(), 5);
        let lots: Vec<u32> = known_symbols().map(|s| index_meta(s, None).lot_size).collect();
        assert_eq!(lots, [75, 35, 65, 140, 20]);
        assert!(known_symbols().all(|s| index_meta(s, None).tick_size == 0.05));
    }

    #[test]
    fn step_override_changes_only_the_step() {
        let base = index_meta("NIFTY", None);
        let over = index_meta("NIFTY", Some(75.0));
        assert_eq!(over.step, 75.0);
        assert_eq!(IndexMeta { step: 50.0, ..over }, base);
        assert_eq!(index_meta("NIFTY", Some(0.0)).step, 50.0, "non-positive override ignored");
        assert_eq!(index_meta("NIFTY", Some(-5.0)).step, 50.0);
    }

    #[test]
    fn unknown_symbol_falls_back() {
        let foo = index_meta("fooidx", None);
        assert_eq!(foo.symbol, "FOOIDX");
        assert_eq!(foo.display, "Fooidx");
        assert_eq!((foo.step, foo.weekly_dow, foo.synthetic_atm), (50.0, 3, 20000.0));
        assert_eq!(foo.exchange_pool, "NFO");
        assert_eq!(index_meta("fooidx", Some(25.0)).step, 25.0);
    }
}
