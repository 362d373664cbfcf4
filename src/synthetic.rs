//! B4: the synthetic strategy (`src/synthetic/strategy.py`), the one place synthetic fallbacks live.
//!
//! - [`build_synthetic_index_context`]: step, base price and ATM of an index from the registry;
//! - [`synthesize_index_price`]: substitutes the registry's price and ATM **only when both** the provider's
//!   price and ATM are invalid (not positive and finite), as the reference does: a zero price with a valid
//!   ATM passes through unchanged;
//! - [`build_synthetic_quotes`]: deterministic placeholder quotes with the reference's exact values, the
//!   simulated clock standing in for its wall-clock timestamp. They carry no `avg_price`, so field
//!   coverage is 0, and an expiry served by them is `SYNTH`;
//! - [`distinct_keys`]: the reference keys its placeholders by `exchange:tradingsymbol` (a dict), so
//!   duplicate instrument rows collapse into one quote each. Parity g6 collapses them; the default serves
//!   every instrument row, as its real quotes do (options = instruments).

use crate::registry::IndexMeta;
use crate::vocab::OptionKind;
use serde::Serialize;

/// The reference's `SyntheticIndexContext`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyntheticIndexContext {
    pub symbol: String,
    pub step: f64,
    pub base_price: f64,
    pub atm: f64,
}

/// Registry step (50 when unset), base price = synthetic ATM, ATM = `round(base / step) x step`.
pub fn build_synthetic_index_context(meta: &IndexMeta) -> SyntheticIndexContext {
    let step = if meta.step > 0.0 { meta.step } else { 50.0 };
    let base_price = meta.synthetic_atm;
    SyntheticIndexContext {
        symbol: meta.symbol.to_uppercase(),
        step,
        base_price,
        atm: (base_price / step).round_ties_even() * step,
    }
}

fn valid(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// `(price, atm, used)`: the registry's context when both inputs are invalid, else the inputs.
pub fn synthesize_index_price(meta: &IndexMeta, price: f64, atm: f64) -> (f64, f64, bool) {
    if !valid(price) && !valid(atm) {
        let ctx = build_synthetic_index_context(meta);
        return (ctx.base_price, ctx.atm, true);
    }
    let keep = |x: f64| if x.is_finite() { x } else { 0.0 };
    (keep(price), keep(atm), false)
}

/// An instrument as the fallback sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticInput {
    pub exchange: String,
    pub tradingsymbol: String,
    pub strike: f64,
    pub kind: OptionKind,
}

/// The reference's placeholder OHLC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Ohlc {
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
}

/// One placeholder quote, with the reference's keys and values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyntheticQuote {
    /// `"<exchange>:<tradingsymbol>"`.
    #[serde(skip)]
    pub key: String,
    pub last_price: f64,
    pub volume: u64,
    pub oi: u64,
    /// Simulated unix seconds (the reference's `time.time()`, the same for the batch).
    pub timestamp: i64,
    pub ohlc: Ohlc,
    pub strike: f64,
    pub instrument_type: &'static str,
    pub synthetic_quote: bool,
}

/// Placeholder quotes for instruments whose enrichment returned nothing.
pub fn build_synthetic_quotes(instruments: &[SyntheticInput], timestamp: i64) -> Vec<SyntheticQuote> {
    instruments
        .iter()
        .map(|i| {
            let exchange = if i.exchange.is_empty() { "NFO" } else { i.exchange.as_str() };
            let instrument_type = match i.kind {
                OptionKind::CE => "CE",
                OptionKind::PE => "PE",
            };
            let key = if i.tradingsymbol.is_empty() {
                format!("{exchange}:{}:{instrument_type}", i.strike)
            } else {
                format!("{exchange}:{}", i.tradingsymbol)
            };
            SyntheticQuote {
                key,
                last_price: 0.0,
                volume: 0,
                oi: 0,
                timestamp,
                ohlc: Ohlc::default(),
                strike: i.strike,
                instrument_type,
                synthetic_quote: true,
            }
        })
        .collect()
}

/// The placeholders a dict keyed by `key` keeps: the first of each key, in order (indices into `quotes`).
pub fn distinct_keys(quotes: &[SyntheticQuote]) -> Vec<usize> {
    let mut seen = std::collections::BTreeSet::new();
    (0..quotes.len()).filter(|&i| seen.insert(quotes[i].key.as_str())).collect()
}

/// A Kite-style trading symbol, `NIFTY25OCT24800CE` (the monthly form, used for every expiry).
pub fn tradingsymbol(symbol: &str, expiry: chrono::NaiveDate, strike: f64, kind: OptionKind) -> String {
    let kind = if kind == OptionKind::CE { "CE" } else { "PE" };
    format!("{symbol}{}{strike:.0}{kind}", expiry.format("%y%b").to_string().to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{index_meta, known_symbols};

    #[test]
    fn contexts_come_from_the_registry() {
        let nifty = build_synthetic_index_context(&index_meta("nifty", None));
        assert_eq!(
            nifty,
            SyntheticIndexContext { symbol: "NIFTY".into(), step: 50.0, base_price: 24800.0, atm: 24800.0 }
        );
        let atms: Vec<f64> = known_symbols().map(|s| build_synthetic_index_context(&index_meta(s, None)).atm).collect();
        assert_eq!(atms, [24800.0, 54000.0, 25950.0, 12000.0, 81000.0]);
        assert_eq!(build_synthetic_index_context(&index_meta("FOOIDX", None)).atm, 20000.0);
        for ctx in known_symbols().map(|s| build_synthetic_index_context(&index_meta(s, None))) {
            assert_eq!(ctx.atm % ctx.step, 0.0, "ATM on the step grid");
        }
    }

    #[test]
    fn index_price_substitutes_only_when_both_are_invalid() {
        let bank = index_meta("BANKNIFTY", None);
        assert_eq!(synthesize_index_price(&index_meta("NIFTY", None), 0.0, 0.0), (24800.0, 24800.0, true));
        assert_eq!(synthesize_index_price(&bank, f64::NAN, -1.0), (54000.0, 54000.0, true));
        assert_eq!(synthesize_index_price(&bank, 54000.0, 54000.0), (54000.0, 54000.0, false));
        assert_eq!(
            synthesize_index_price(&bank, 0.0, 54000.0),
            (0.0, 54000.0, false),
            "price 0 with a valid ATM stays 0"
        );
        assert_eq!(synthesize_index_price(&bank, 54010.0, 0.0), (54010.0, 0.0, false));
    }

    #[test]
    fn placeholder_quotes_have_the_reference_values() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 10, 30).unwrap();
        let inputs = [
            SyntheticInput {
                exchange: "NFO".into(),
                tradingsymbol: tradingsymbol("NIFTY", d, 24800.0, OptionKind::CE),
                strike: 24800.0,
                kind: OptionKind::CE,
            },
            SyntheticInput {
                exchange: String::new(),
                tradingsymbol: String::new(),
                strike: 24850.0,
                kind: OptionKind::PE,
            },
        ];
        let q = build_synthetic_quotes(&inputs, 1_759_722_300);
        assert_eq!(q[0].key, "NFO:NIFTY25OCT24800CE");
        assert_eq!(q[1].key, "NFO:24850:PE");
        let json = serde_json::to_string(&q[0]).unwrap();
        assert_eq!(
            json,
            r#"{"last_price":0.0,"volume":0,"oi":0,"timestamp":1759722300,"ohlc":{"open":0.0,"high":0.0,"low":0.0,"close":0.0},"strike":24800.0,"instrument_type":"CE","synthetic_quote":true}"#
        );
        assert!(q.iter().all(|x| x.timestamp == 1_759_722_300), "one timestamp for the batch");
    }

    #[test]
    fn duplicate_rows_share_a_key() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 10, 30).unwrap();
        let input = |strike: f64, kind| SyntheticInput {
            exchange: "NFO".into(),
            tradingsymbol: tradingsymbol("NIFTY", d, strike, kind),
            strike,
            kind,
        };
        let rows = [
            input(24800.0, OptionKind::CE),
            input(24800.0, OptionKind::PE),
            input(24800.0, OptionKind::CE),
            input(24850.0, OptionKind::CE),
            input(24800.0, OptionKind::CE),
        ];
        let q = build_synthetic_quotes(&rows, 0);
        assert_eq!(q.len(), 5, "one placeholder per row");
        assert_eq!(distinct_keys(&q), vec![0, 1, 3], "a dict keyed by exchange:tradingsymbol keeps three");
        assert_eq!(distinct_keys(&[]), Vec::<usize>::new());
    }
}
