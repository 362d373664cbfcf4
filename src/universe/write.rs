//! Writing the dump format, and a synthetic universe in it (`g6sim universe`).
//!
//! The synthetic universe, for a date D: a few equities (NSE and BSE, one with a comma in its name, one
//! ETF whose symbol starts with NIFTY), then per index in the order asked: a future per monthly expiry
//! listed, then its options: every expiry the calendar lists on D (`listed_expiries` with the
//! registry's weekly weekday), ascending; per expiry `2 x strikes_per_side + 1` strikes around the
//! registry's synthetic ATM at the registry's step, ascending, CE then PE; last, two options of
//! underlyings that are no registry index (a stock and NIFTYNXT50) that a reader must skip.
//!
//! Values: `name` = the index symbol (as Kite's current dumps have it), `last_price` 0, tick 0.05, the
//! registry's lot size, `expiry` as `YYYY-MM-DD`, numbers as Kite prints them (`24800.0`). Trading symbols:
//! monthly contracts (the last expiry on its weekday in the month) `NIFTY25OCT24800CE`, weekly ones
//! `NIFTY25O0924800CE` (`fields::option_symbol`), futures `NIFTY25OCTFUT`. Tokens: `exchange_token`
//! counts up per exchange in row order (NSE from 1001, BSE from 500001, NFO from 35001, BFO from 800001)
//! and `instrument_token = exchange_token x 256 + segment code` (NSE 1, NFO 2, BSE 4, BFO 5), Kite's
//! layout. The same spec always gives the same bytes.

use super::{COLUMNS, fields};
use crate::calendar::listed_expiries;
use crate::registry;
use crate::vocab::OptionKind;
use chrono::NaiveDate;
use std::fmt::Write as _;

/// One row of the format, as owned values.
#[derive(Clone, Debug, PartialEq)]
pub struct KiteRow {
    pub instrument_token: u64,
    pub exchange_token: u64,
    pub tradingsymbol: String,
    pub name: String,
    pub last_price: f64,
    pub expiry: Option<NaiveDate>,
    pub strike: f64,
    pub tick_size: f64,
    pub lot_size: u32,
    pub instrument_type: String,
    pub segment: String,
    pub exchange: String,
}

/// A field, quoted when it holds a comma, a quote or a line end.
fn push_field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// A number as Kite prints it: `24800.0`, `0.05` (the shortest text that reads back to the same value).
fn number(x: f64) -> String {
    format!("{x:?}")
}

/// The rows as a dump: the header in Kite's column order, `\n` line ends.
pub fn to_csv(rows: &[KiteRow]) -> Vec<u8> {
    let mut out = String::with_capacity(110 * (rows.len() + 1));
    out.push_str(&COLUMNS.join(","));
    out.push('\n');
    for r in rows {
        let _ = write!(out, "{},{},", r.instrument_token, r.exchange_token);
        push_field(&mut out, &r.tradingsymbol);
        out.push(',');
        push_field(&mut out, &r.name);
        let expiry = r.expiry.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        let _ = write!(
            out,
            ",{},{expiry},{},{},{},",
            number(r.last_price),
            number(r.strike),
            number(r.tick_size),
            r.lot_size
        );
        push_field(&mut out, &r.instrument_type);
        out.push(',');
        push_field(&mut out, &r.segment);
        out.push(',');
        push_field(&mut out, &r.exchange);
        out.push('\n');
    }
    out.into_bytes()
}

/// Gzips bytes (deterministic: no file name, no time in the header).
pub use crate::gzip::encode as gzip;

/// What `g6sim universe` writes.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticSpec {
    /// The day whose listed expiries are written.
    pub date: NaiveDate,
    /// Registry symbols, in the order written.
    pub indices: Vec<String>,
    pub strikes_per_side: u32,
    /// Weekly and monthly expiries listed (as the scenario provider's `weeks_listed`, `months_listed`).
    pub weeks: u32,
    pub months: u32,
}

impl Default for SyntheticSpec {
    /// Monday 2025-09-29, the five registry indices, the scenario provider's defaults (40 strikes a side,
    /// 6 weeks, 3 months).
    fn default() -> Self {
        Self {
            date: NaiveDate::from_ymd_opt(2025, 9, 29).unwrap_or_default(),
            indices: registry::known_symbols().map(str::to_string).collect(),
            strikes_per_side: 40,
            weeks: 6,
            months: 3,
        }
    }
}

/// Hands out tokens per exchange, in row order.
struct Tokens {
    next: [u64; 4],
}

impl Tokens {
    fn take(&mut self, exchange: &str) -> (u64, u64) {
        let (slot, code) = match exchange {
            "NSE" => (0, 1),
            "NFO" => (1, 2),
            "BSE" => (2, 4),
            _ => (3, 5),
        };
        self.next[slot] += 1;
        (self.next[slot] * 256 + code, self.next[slot])
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    tokens: &mut Tokens,
    symbol: String,
    name: &str,
    expiry: Option<NaiveDate>,
    strike: f64,
    lot_size: u32,
    instrument_type: &str,
    segment: &str,
    exchange: &str,
) -> KiteRow {
    let (instrument_token, exchange_token) = tokens.take(exchange);
    KiteRow {
        instrument_token,
        exchange_token,
        tradingsymbol: symbol,
        name: name.to_string(),
        last_price: 0.0,
        expiry,
        strike,
        tick_size: 0.05,
        lot_size,
        instrument_type: instrument_type.to_string(),
        segment: segment.to_string(),
        exchange: exchange.to_string(),
    }
}

/// Why a synthetic universe cannot be written. The messages speak of `g6sim universe`'s flags.
#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    /// No weekly and no monthly expiry: no index option would be written.
    #[error(
        "--weeks 0 --months 0 lists no expiry: the dump would hold no index option\n  \
         hint: list at least one weekly or monthly expiry"
    )]
    NoExpiry,
    /// More options than a scenario may run in one cycle.
    #[error(
        "{indices} indices x {expiries} expiries x {strikes} strikes x CE/PE = {options} options: at most {most}, \
         the rows a scenario may run in a cycle\n  hint: fewer --indices, --weeks, --months or --strikes-per-side"
    )]
    TooLarge { indices: usize, expiries: u64, strikes: u64, options: u64, most: u64 },
    /// An index the registry does not know; `suggestion` is a ` (did you mean ...?)` or empty.
    #[error("--indices: unknown index `{symbol}`{suggestion}: expected one of {}", known.join(", "))]
    UnknownIndex { symbol: String, suggestion: String, known: Vec<&'static str> },
    /// An index listed twice.
    #[error("--indices: index `{0}` named twice")]
    NamedTwice(String),
}

/// The synthetic universe's rows. An unknown index symbol is an error naming the known ones, and so is a
/// spec that lists no expiry (no index option would be written).
pub fn synthetic_rows(spec: &SyntheticSpec) -> Result<Vec<KiteRow>, SyntheticError> {
    if spec.weeks == 0 && spec.months == 0 {
        return Err(SyntheticError::NoExpiry);
    }
    // At most the rows a scenario may run in one cycle: a larger dump could not be run, and it is built in
    // memory before it is written.
    let options = (spec.indices.len() as u64)
        .saturating_mul(u64::from(spec.weeks) + u64::from(spec.months))
        .saturating_mul(2 * u64::from(spec.strikes_per_side) + 1)
        .saturating_mul(2);
    let most = crate::schema::MAX_ROWS_PER_CYCLE as u64;
    if options > most {
        return Err(SyntheticError::TooLarge {
            indices: spec.indices.len(),
            expiries: u64::from(spec.weeks) + u64::from(spec.months),
            strikes: 2 * u64::from(spec.strikes_per_side) + 1,
            options,
            most,
        });
    }
    let mut metas = Vec::new();
    for symbol in &spec.indices {
        let meta = registry::known(symbol).ok_or_else(|| {
            let known: Vec<&'static str> = registry::known_symbols().collect();
            SyntheticError::UnknownIndex {
                symbol: symbol.clone(),
                suggestion: crate::suggest::did_you_mean(&symbol.to_uppercase(), known.iter().copied()),
                known,
            }
        })?;
        if metas.iter().any(|m: &registry::IndexMeta| m.symbol == meta.symbol) {
            return Err(SyntheticError::NamedTwice(meta.symbol));
        }
        metas.push(meta);
    }
    let mut tokens = Tokens { next: [1000, 35000, 500000, 800000] };
    let mut rows = Vec::new();
    for (symbol, name, exchange, lot) in [
        ("RELIANCE", "RELIANCE INDUSTRIES", "NSE", 1),
        ("NIFTYBEES", "NIPPON INDIA ETF NIFTY BEES", "NSE", 1),
        ("INFY", "INFOSYS", "NSE", 1),
        ("TATASTEEL", "TATA STEEL, LTD.", "BSE", 1),
        ("HDFCBANK", "HDFC \"BANK\"", "BSE", 1),
    ] {
        rows.push(row(&mut tokens, symbol.to_string(), name, None, 0.0, lot, "EQ", exchange, exchange));
    }
    for meta in &metas {
        let listed = listed_expiries(spec.date, meta.weekly_dow, spec.weeks, spec.months);
        let pool = meta.exchange_pool.as_str();
        let (fut_segment, opt_segment) = (format!("{pool}-FUT"), format!("{pool}-OPT"));
        for &expiry in listed.iter().filter(|d| fields::is_monthly(**d)) {
            let symbol = fields::future_symbol(&meta.symbol, expiry);
            rows.push(row(
                &mut tokens,
                symbol,
                &meta.symbol,
                Some(expiry),
                0.0,
                meta.lot_size,
                "FUT",
                &fut_segment,
                pool,
            ));
        }
        let atm = (meta.synthetic_atm / meta.step).round() * meta.step;
        let n = i64::from(spec.strikes_per_side);
        for &expiry in &listed {
            for k in -n..=n {
                let strike = atm + k as f64 * meta.step;
                if strike <= 0.0 {
                    continue;
                }
                for kind in [OptionKind::CE, OptionKind::PE] {
                    let symbol = fields::option_symbol(&meta.symbol, expiry, strike, kind);
                    let t = if kind == OptionKind::CE { "CE" } else { "PE" };
                    rows.push(row(
                        &mut tokens,
                        symbol,
                        &meta.symbol,
                        Some(expiry),
                        strike,
                        meta.lot_size,
                        t,
                        &opt_segment,
                        pool,
                    ));
                }
            }
        }
    }
    // Options of underlyings that are no registry index: a reader must skip them.
    let expiry = listed_expiries(spec.date, 3, 0, 1).first().copied();
    if let Some(expiry) = expiry {
        for (underlying, strike, lot) in [("RELIANCE", 1400.0, 500), ("NIFTYNXT50", 68000.0, 25)] {
            let symbol = fields::option_symbol(underlying, expiry, strike, OptionKind::CE);
            rows.push(row(&mut tokens, symbol, underlying, Some(expiry), strike, lot, "CE", "NFO-OPT", "NFO"));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::listed_expiries;
    use crate::registry;
    use crate::universe::parse;
    use crate::vocab::SkipReason;

    /// The synthetic dump round trips, its summary matches the registry and the calendar, and it is
    /// deterministic.
    #[test]
    fn a_synthetic_universe_round_trips() {
        let spec = SyntheticSpec { strikes_per_side: 12, ..SyntheticSpec::default() };
        let rows = synthetic_rows(&spec).unwrap();
        let csv = to_csv(&rows);
        let dump = parse("synthetic.csv", &csv).unwrap();
        assert_eq!(dump.kite_rows(), rows, "identical rows");
        assert_eq!(to_csv(&dump.kite_rows()), csv, "and identical bytes written again");
        assert_eq!(
            dump.counts.skipped,
            [(SkipReason::NotAnOption, 20), (SkipReason::UnknownUnderlying, 2)].into_iter().collect()
        );
        assert_eq!(dump.indices.len(), 5);
        for (summary, symbol) in dump.indices.iter().zip(registry::known_symbols()) {
            let meta = registry::known(symbol).unwrap();
            let listed = listed_expiries(spec.date, meta.weekly_dow, spec.weeks, spec.months);
            assert_eq!(summary.symbol, symbol);
            assert_eq!(summary.expiries, listed, "{symbol}: the calendar's expiries");
            assert_eq!(summary.strike_step, Some(meta.step), "{symbol}");
            assert_eq!(summary.atm, Some(meta.synthetic_atm), "{symbol}");
            assert_eq!((summary.lot_size, summary.tick_size), (Some(meta.lot_size), Some(meta.tick_size)));
            assert_eq!(summary.expiry_weekday, Some(meta.weekly_dow), "{symbol}");
            assert_eq!(summary.options, listed.len() as u64 * 2 * 25, "{symbol}");
        }
        let tokens: std::collections::BTreeSet<u64> = rows.iter().map(|r| r.instrument_token).collect();
        assert_eq!(tokens.len(), rows.len(), "unique tokens");
        assert_eq!(synthetic_rows(&spec).unwrap(), rows, "deterministic");
        let e = synthetic_rows(&SyntheticSpec { indices: vec!["NIFTY".into(), "nifty".into()], ..spec.clone() });
        assert!(e.unwrap_err().to_string().contains("named twice"));
    }
}
