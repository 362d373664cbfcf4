//! The values of a dump's fields: numbers, dates and option trading symbols, read tolerantly and written
//! the way Kite writes them.

use crate::calendar::parse_iso_date;
use crate::registry;
use crate::vocab::OptionKind;
use chrono::{Datelike, Duration, NaiveDate};

/// Trims ASCII whitespace.
pub fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// A non-negative integer, also written as a float with a zero fraction (`75.0`, `7.5E1`): spreadsheets
/// re-save integer columns that way. `None` for empty, negative, fractional or non-numeric text, and for
/// floats past 2^53 (no longer exact).
pub(crate) fn parse_uint(b: &[u8]) -> Option<u64> {
    let b = trim(b);
    if b.is_empty() {
        return None;
    }
    if b.iter().all(u8::is_ascii_digit) {
        return std::str::from_utf8(b).ok()?.parse().ok();
    }
    let f = parse_f64(b)?;
    (f >= 0.0 && f.fract() == 0.0 && f <= 9_007_199_254_740_992.0).then_some(f as u64)
}

/// A finite number; `None` for empty or non-numeric text, infinities and NaN.
pub(crate) fn parse_f64(b: &[u8]) -> Option<f64> {
    let b = trim(b);
    if b.is_empty() || b.len() > 64 {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// An expiry: `YYYY-MM-DD` (Kite's form) or `DD-MM-YYYY` / `DD/MM/YYYY` (a spreadsheet's re-save), a real
/// calendar date. `None` for anything else.
pub(crate) fn parse_date(b: &[u8]) -> Option<NaiveDate> {
    let b = trim(b);
    let text = std::str::from_utf8(b).ok()?;
    if let Some(d) = parse_iso_date(text) {
        return Some(d);
    }
    let sep = *b.get(2)?;
    let shape_ok = b.len() == 10
        && (sep == b'-' || sep == b'/')
        && b[5] == sep
        && b.iter().enumerate().all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(num(6..10)? as i32, num(3..5)?, num(0..2)?)
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/// Kite's one-character month of a weekly symbol: `1`..`9` for January to September, `O`, `N`, `D`.
fn weekly_month_code(month: u32) -> char {
    match month {
        1..=9 => char::from(b'0' + month as u8),
        10 => 'O',
        11 => 'N',
        _ => 'D',
    }
}

/// The length of the date part at the start of `s` (what follows the underlying in an option symbol):
/// `YYMON` (monthly, `25OCT`) or `YYMDD` (weekly: `25O09` for 9 October, `25109` for 9 January).
fn date_part_len(s: &[u8]) -> Option<usize> {
    if s.len() < 5 || !s[0].is_ascii_digit() || !s[1].is_ascii_digit() {
        return None;
    }
    if MONTHS.iter().any(|m| s[2..5] == *m.as_bytes()) {
        return Some(5);
    }
    let month_ok = matches!(s[2], b'1'..=b'9' | b'O' | b'N' | b'D');
    let day = (s[3].wrapping_sub(b'0'), s[4].wrapping_sub(b'0'));
    let day_ok = day.0 <= 3 && day.1 <= 9 && (1..=31).contains(&(day.0 * 10 + day.1));
    (month_ok && day_ok).then_some(5)
}

/// What an index option's trading symbol says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct OptionSymbol {
    /// Position of the underlying in [`registry::known_symbols`].
    pub underlying: u8,
    pub strike: f64,
    pub kind: OptionKind,
}

/// Reads an index option's trading symbol: the longest registry symbol that is followed by a date part
/// (so `NIFTYIT25OCT...` is not NIFTY), a positive strike, then `CE` or `PE`. `None` for anything else
/// (stock options, other underlyings, futures).
pub(crate) fn parse_option_symbol(symbol: &str) -> Option<OptionSymbol> {
    let b = symbol.trim().as_bytes();
    let kind = match b.get(b.len().checked_sub(2)?..)? {
        b"CE" => OptionKind::CE,
        b"PE" => OptionKind::PE,
        _ => return None,
    };
    let body = &b[..b.len() - 2];
    let mut best: Option<OptionSymbol> = None;
    let mut best_len = 0;
    for (pos, sym) in registry::known_symbols().enumerate() {
        let Some(rest) = body.strip_prefix(sym.as_bytes()) else { continue };
        if sym.len() <= best_len {
            continue;
        }
        let Some(n) = date_part_len(rest) else { continue };
        let strike_text = &rest[n..];
        if strike_text.is_empty() || !strike_text.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
            continue;
        }
        let Some(strike) = parse_f64(strike_text).filter(|s| *s > 0.0) else { continue };
        best = Some(OptionSymbol { underlying: pos as u8, strike, kind });
        best_len = sym.len();
    }
    best
}

/// Whether an expiry is its month's monthly contract: the last expiry on its weekday in the month.
pub(crate) fn is_monthly(expiry: NaiveDate) -> bool {
    (expiry + Duration::days(7)).month() != expiry.month()
}

/// A strike as symbols print it: `24800`, `24812.5`.
pub(crate) fn strike_text(strike: f64) -> String {
    if strike.fract() == 0.0 && strike.abs() < 1e15 { format!("{}", strike as i64) } else { format!("{strike}") }
}

/// An option's trading symbol in Kite's form: monthly contracts `NIFTY25OCT24800CE` (`{UNDERLYING}{YY}{MON}
/// {STRIKE}{CE|PE}`), weekly ones `NIFTY25O0924800CE` (`{UNDERLYING}{YY}{M}{DD}{STRIKE}{CE|PE}`, `M` = `1`..`9`
/// for January to September, `O`, `N`, `D`).
pub(crate) fn option_symbol(underlying: &str, expiry: NaiveDate, strike: f64, kind: OptionKind) -> String {
    let yy = expiry.year().rem_euclid(100);
    let kind = if kind == OptionKind::CE { "CE" } else { "PE" };
    let strike = strike_text(strike);
    if is_monthly(expiry) {
        format!("{underlying}{yy:02}{}{strike}{kind}", MONTHS[expiry.month0() as usize])
    } else {
        format!("{underlying}{yy:02}{}{:02}{strike}{kind}", weekly_month_code(expiry.month()), expiry.day())
    }
}

/// A future's trading symbol: `NIFTY25OCTFUT`.
pub(crate) fn future_symbol(underlying: &str, expiry: NaiveDate) -> String {
    format!("{underlying}{:02}{}FUT", expiry.year().rem_euclid(100), MONTHS[expiry.month0() as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    #[test]
    fn integers_written_as_floats() {
        assert_eq!(parse_uint(b"75"), Some(75));
        assert_eq!(parse_uint(b" 75.0 "), Some(75));
        assert_eq!(parse_uint(b"7.5E1"), Some(75));
        assert_eq!(parse_uint(b"12073986.00"), Some(12073986));
        for bad in [&b""[..], b"75.5", b"-1", b"abc", b"1e300", b"NaN", b"inf"] {
            assert_eq!(parse_uint(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn dates_in_both_orders() {
        assert_eq!(parse_date(b"2025-10-09"), Some(d("2025-10-09")));
        assert_eq!(parse_date(b"09-10-2025"), Some(d("2025-10-09")));
        assert_eq!(parse_date(b" 09/10/2025 "), Some(d("2025-10-09")));
        for bad in [&b""[..], b"2025-13-01", b"31-02-2025", b"09-10/2025", b"9-10-2025", b"25-Oct-2025", b"2025/10/09"]
        {
            assert_eq!(parse_date(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn option_symbols_read_and_write() {
        let p = |s| parse_option_symbol(s).map(|o| (o.underlying, o.strike, o.kind));
        assert_eq!(p("BANKNIFTY18JAN23500CE"), Some((1, 23500.0, OptionKind::CE)));
        assert_eq!(p("NIFTY25O0924800PE"), Some((0, 24800.0, OptionKind::PE)));
        assert_eq!(p("NIFTY2510924800CE"), Some((0, 24800.0, OptionKind::CE)));
        assert_eq!(p("FINNIFTY25OCT25950CE"), Some((2, 25950.0, OptionKind::CE)));
        assert_eq!(p("MIDCPNIFTY25OCT12000.5PE"), Some((3, 12000.5, OptionKind::PE)));
        assert_eq!(p("SENSEX25O1081000CE"), Some((4, 81000.0, OptionKind::CE)));
        for other in [
            "NIFTYIT25OCT35000CE",
            "NIFTYNXT5025OCT70000CE",
            "ADANIPORTS17DEC490PE",
            "NIFTY25OCTFUT",
            "NIFTY25OCTCE",
            "NIFTY25O3224800CE",
            "NIFTY",
            "CE",
            "",
        ] {
            assert_eq!(p(other), None, "{other}");
        }
        // Thursday 2025-10-09 is a weekly, Thursday 2025-10-30 the October monthly.
        assert_eq!(option_symbol("NIFTY", d("2025-10-09"), 24800.0, OptionKind::CE), "NIFTY25O0924800CE");
        assert_eq!(option_symbol("NIFTY", d("2025-10-30"), 24800.0, OptionKind::PE), "NIFTY25OCT24800PE");
        assert_eq!(option_symbol("NIFTY", d("2026-01-08"), 24812.5, OptionKind::PE), "NIFTY2610824812.5PE");
        assert_eq!(future_symbol("SENSEX", d("2025-10-31")), "SENSEX25OCTFUT");
        for (u, e, s, k) in
            [("NIFTY", "2025-10-09", 24800.0, OptionKind::CE), ("SENSEX", "2025-12-26", 81000.0, OptionKind::PE)]
        {
            let parsed = parse_option_symbol(&option_symbol(u, d(e), s, k)).unwrap();
            assert_eq!(registry::known_symbols().nth(usize::from(parsed.underlying)), Some(u));
            assert_eq!((parsed.strike, parsed.kind), (s, k));
        }
    }
}
