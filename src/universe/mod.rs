//! Real inputs: Kite Connect instrument dumps.
//!
//! [`read_file`] / [`parse`] read a dump, the CSV Kite Connect serves at `/instruments`, with the 12 columns
//! of `COLUMNS`, plain or gzipped (detected by the gzip magic bytes), columns found by header name in any
//! order (extra columns are ignored). Real-world re-saves are tolerated: `YYYY-MM-DD`, `DD-MM-YYYY` and
//! `DD/MM/YYYY` expiries, integers written as floats (`75.0`), empty `name` or `strike`, CRLF, a UTF-8 BOM,
//! quoted fields (with commas, line ends and doubled quotes inside), blank lines, text that is not UTF-8 in
//! names (replaced, never an error).
//!
//! Every row is kept, in a compact typed form ([`Instrument`], strings in one arena), whatever its exchange
//! or type: the cycle's expiry map and matching must skip equities, futures and other exchanges themselves.
//! Each row is classified ([`RowClass`]): an index option, or skipped for the first [`SkipReason`] found,
//! checked in this order:
//!
//! 1. `bad_token`: `instrument_token` is not a non-negative integer;
//! 2. `not_an_option`: `instrument_type` is not `CE` or `PE` (equities, futures, ...);
//! 3. `unknown_underlying`: the underlying is no registry index. It is `name` (NIFTY, BANKNIFTY, FINNIFTY,
//!    MIDCPNIFTY, SENSEX, case-insensitive) or, when `name` is empty, the trading symbol's prefix: the
//!    longest registry symbol followed by the date part, so `NIFTYIT...` or `NIFTYNXT50...` is not NIFTY
//!    (`fields::parse_option_symbol`);
//! 4. `wrong_segment`: `segment` is not the index's pool + `-OPT` (`NFO-OPT`, `BFO-OPT` for SENSEX);
//! 5. `bad_expiry`: the expiry is missing or no date;
//! 6. `bad_strike`: the strike is not a positive number (an empty strike is read from the trading symbol);
//! 7. `bad_lot_size`, `bad_tick_size`: not a positive integer / number;
//! 8. `duplicate_token`: an index option whose token an earlier index option already has.
//!
//! A run adds one reason of its own ([`SkipReason::OtherIndex`], never found by the reader): a valid option
//! of a registry index the scenario does not declare.
//!
//! Numbers of rows that are not index options are read leniently (unreadable = 0, no date = none).
//! A file that is not such a dump is an error ([`DumpError`]) naming the file, the line (1-based, the header
//! is line 1), the column, the value found and what was expected: no header, a missing or repeated column,
//! a row with fewer or more fields than the header, a quoted field never closed, bytes that do not gunzip.
//!
//! Per index, [`IndexSummary`]: the expiries present, the strike step (the most common gap between adjacent
//! strikes of the nearest expiry), lot and tick sizes (the most common), the expiries' weekday and the ATM
//! region (the median strike of the nearest expiry's options). [`write`](mod@write) writes the same format, and a
//! synthetic universe from the registry and the calendar ([`write::synthetic_rows`]). `run` is a dump as
//! runs use it: read once, shared, and a scenario's view of it.

pub(crate) mod csv;
pub(crate) mod fields;
pub(crate) mod run;
pub mod write;

use crate::gzip;
use crate::registry;
use crate::vocab::OptionKind;
use crate::vocab::SkipReason;
use crate::world::{RawExpiry, UniverseRow};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

pub use crate::calendar::parse_iso_date;
pub use run::{DumpFile, IndexUse, UniverseUse, load};
pub use write::{KiteRow, SyntheticError, SyntheticSpec};

/// The 12 columns of a Kite instruments dump, in Kite's order.
pub(crate) const COLUMNS: [&str; 12] = [
    "instrument_token",
    "exchange_token",
    "tradingsymbol",
    "name",
    "last_price",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
    "exchange",
];

const TOKEN: usize = 0;
const EXCHANGE_TOKEN: usize = 1;
const SYMBOL: usize = 2;
const NAME: usize = 3;
const LAST_PRICE: usize = 4;
const EXPIRY: usize = 5;
const STRIKE: usize = 6;
const TICK: usize = 7;
const LOT: usize = 8;
const TYPE: usize = 9;
const SEGMENT: usize = 10;
const EXCHANGE: usize = 11;

/// What a row is to the collector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowClass {
    IndexOption,
    Skipped(SkipReason),
}

/// A string of the dump's text arena.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Text {
    start: u32,
    len: u32,
}

/// An interned label (`instrument_type`, `segment`, `exchange`: a handful of distinct values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(u32);

/// One row of the dump, typed. Strings live in the [`Dump`]'s arena ([`Dump::symbol`], [`Dump::name`],
/// [`Dump::label`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Instrument {
    /// `instrument_token` (0 when unreadable: the row is then `bad_token`).
    pub token: u64,
    pub exchange_token: u64,
    pub last_price: f64,
    /// The strike (from the trading symbol when the column is empty); 0 when none.
    pub strike: f64,
    pub tick_size: f64,
    pub expiry: Option<NaiveDate>,
    pub lot_size: u32,
    /// The line the row starts on (1-based; the header is line 1).
    pub line: u32,
    pub symbol: Text,
    pub name: Text,
    pub instrument_type: Label,
    pub segment: Label,
    pub exchange: Label,
    /// `CE` / `PE`, whatever the underlying.
    pub kind: Option<OptionKind>,
    /// The registry index this option's underlying is (position in `registry::known_symbols`), set
    /// for every CE/PE row whose underlying is one, also when a later check skips it.
    pub underlying: Option<u8>,
    pub class: RowClass,
}

/// Rows per class: `rows == index_options + sum(skipped)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub rows: u64,
    pub index_options: u64,
    /// Skipped rows by reason, in [`SkipReason`] order; reasons with no row are absent.
    pub skipped: BTreeMap<SkipReason, u64>,
}

/// What the dump says about one registry index.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexSummary {
    pub symbol: String,
    /// The segment its options must be in (`NFO-OPT`, `BFO-OPT`).
    pub segment: String,
    /// Its valid option rows.
    pub options: u64,
    /// The distinct expiries of those rows, ascending.
    pub expiries: Vec<NaiveDate>,
    /// The expiry the step and ATM come from: the first on or after the `as_of` date (the earliest
    /// without one); `None` when every expiry is before `as_of`.
    pub nearest_expiry: Option<NaiveDate>,
    /// The most common gap between adjacent distinct strikes of the nearest expiry (the smallest on a
    /// tie); `None` with fewer than two strikes.
    pub strike_step: Option<f64>,
    /// The median strike of the nearest expiry's option rows (the lower middle on an even count: always
    /// a listed strike).
    pub atm: Option<f64>,
    /// The most common lot size / tick size of its options (the smallest on a tie).
    pub lot_size: Option<u32>,
    pub tick_size: Option<f64>,
    /// The most common weekday of its expiries (0 = Monday, the smallest on a tie): compare with the
    /// registry's `weekly_dow`.
    pub expiry_weekday: Option<u32>,
}

/// A read dump.
#[derive(Clone, Debug, Default)]
pub struct Dump {
    /// The file name (or what the caller called the bytes).
    pub source: String,
    pub gzipped: bool,
    /// Every row, in file order.
    pub rows: Vec<Instrument>,
    pub counts: Counts,
    /// Per registry index with at least one valid option, in registry order; nearest expiry = earliest.
    pub indices: Vec<IndexSummary>,
    text: String,
    labels: Vec<Box<str>>,
}

/// What kind of problem makes a file no dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpErrorKind {
    Io,
    Gzip,
    Empty,
    /// The first line names none of the 12 columns.
    NotADump,
    MissingColumn,
    DuplicateColumn,
    /// A row with fewer or more fields than the header.
    FieldCount,
    UnterminatedQuote,
    /// A header and no row.
    NoRows,
    /// Over 4 GiB of text.
    TooLarge,
}

/// A file that is not a Kite instruments dump: where, which column, what was found and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}{}{}: expected {expected}", line.map(|l| format!(":{l}")).unwrap_or_default(),
    column.as_ref().map(|c| format!(": column `{c}`")).unwrap_or_default(),
    value.as_ref().map(|v| format!(": found `{v}`")).unwrap_or_default())]
pub struct DumpError {
    pub kind: DumpErrorKind,
    pub file: String,
    /// 1-based; the header is line 1.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub expected: String,
}

/// Reads a dump file, plain or gzipped.
pub fn read_file(path: &Path) -> Result<Dump, DumpError> {
    let (file, bytes) = read_bytes(path)?;
    parse(&file, &bytes)
}

/// A dump file's name as errors show it, and its bytes.
pub(crate) fn read_bytes(path: &Path) -> Result<(String, Vec<u8>), DumpError> {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((file, bytes)),
        Err(e) => Err(DumpError {
            kind: DumpErrorKind::Io,
            file,
            line: None,
            column: None,
            value: None,
            expected: format!("a readable file ({e})"),
        }),
    }
}

/// Reads a dump from bytes, plain or gzipped; `source` names it in errors.
pub fn parse(source: &str, bytes: &[u8]) -> Result<Dump, DumpError> {
    let plain = gzip::decode(bytes).map_err(|e| DumpError {
        kind: DumpErrorKind::Gzip,
        file: source.to_string(),
        line: None,
        column: None,
        value: None,
        expected: format!("a complete gzip stream (it starts with the gzip magic bytes): {e}"),
    })?;
    let mut dump = parse_plain(source, &plain)?;
    dump.gzipped = gzip::is_gzip(bytes);
    Ok(dump)
}

fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// At most `max` characters of `s`, with `...` when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

fn joined(rec: &csv::Record) -> String {
    let fields: Vec<Cow<str>> = rec.fields().map(lossy).collect();
    clip(&fields.join(","), 160)
}

/// The registry's indices with the segment their options trade in.
fn registry_segments() -> Vec<(&'static str, String)> {
    registry::known_symbols()
        .map(|s| (s, registry::known(s).map(|m| format!("{}-OPT", m.exchange_pool)).unwrap_or_default()))
        .collect()
}

struct Builder {
    text: String,
    labels: Vec<Box<str>>,
    label_ids: BTreeMap<Box<str>, u32>,
}

impl Builder {
    fn text(&mut self, s: &str) -> Option<Text> {
        let start = u32::try_from(self.text.len()).ok()?;
        let len = u32::try_from(s.len()).ok()?;
        start.checked_add(len)?;
        self.text.push_str(s);
        Some(Text { start, len })
    }

    fn label(&mut self, s: &str) -> Label {
        if let Some(&id) = self.label_ids.get(s) {
            return Label(id);
        }
        let id = self.labels.len() as u32;
        self.labels.push(s.into());
        self.label_ids.insert(s.into(), id);
        Label(id)
    }
}

fn parse_plain(source: &str, bytes: &[u8]) -> Result<Dump, DumpError> {
    let err = |kind, line: Option<u64>, column: Option<&str>, value: Option<String>, expected: String| DumpError {
        kind,
        file: source.to_string(),
        line,
        column: column.map(str::to_string),
        value,
        expected,
    };
    let unterminated = |e: csv::UnterminatedQuote| {
        err(
            DumpErrorKind::UnterminatedQuote,
            Some(e.line),
            None,
            None,
            "a closing `\"` for the quoted field that starts on this line".into(),
        )
    };
    let mut reader = csv::Reader::new(bytes);
    let mut rec = csv::Record::default();
    if !reader.read(&mut rec).map_err(unterminated)? {
        return Err(err(
            DumpErrorKind::Empty,
            None,
            None,
            None,
            format!("a Kite instruments dump: a header naming the 12 columns {}", COLUMNS.join(",")),
        ));
    }
    // The header: each of the 12 columns exactly once, by name (trimmed, case-insensitive).
    let header: Vec<String> = rec.fields().map(|f| lossy(fields::trim(f)).to_lowercase()).collect();
    let header_line = rec.line;
    let found = clip(&header.join(","), 200);
    let mut col = [usize::MAX; 12];
    for (i, name) in header.iter().enumerate() {
        if let Some(c) = COLUMNS.iter().position(|c| c == name) {
            if col[c] != usize::MAX {
                return Err(err(
                    DumpErrorKind::DuplicateColumn,
                    Some(header_line),
                    Some(COLUMNS[c]),
                    Some(found),
                    format!("each column once; `{}` is columns {} and {}", COLUMNS[c], col[c] + 1, i + 1),
                ));
            }
            col[c] = i;
        }
    }
    if col.iter().all(|&c| c == usize::MAX) {
        return Err(err(
            DumpErrorKind::NotADump,
            Some(header_line),
            None,
            Some(found),
            format!("a Kite instruments dump: a header naming the 12 columns {}", COLUMNS.join(",")),
        ));
    }
    let missing: Vec<&str> = (0..12).filter(|&c| col[c] == usize::MAX).map(|c| COLUMNS[c]).collect();
    if let Some(first) = missing.first() {
        return Err(err(
            DumpErrorKind::MissingColumn,
            Some(header_line),
            Some(first),
            Some(found),
            format!("a header with all 12 Kite columns; missing: {}", missing.join(", ")),
        ));
    }

    let segments = registry_segments();
    let mut b = Builder { text: String::new(), labels: Vec::new(), label_ids: BTreeMap::new() };
    let mut rows = Vec::new();
    let mut counts = Counts::default();
    let mut option_tokens: HashSet<u64> = HashSet::new();
    let width = header.len();
    while reader.read(&mut rec).map_err(unterminated)? {
        if rec.len() != width {
            let (column, expected) = if rec.len() < width {
                (header[rec.len()].as_str(), format!("{width} fields as in the header, found {}", rec.len()))
            } else {
                ("", format!("{width} fields as in the header, found {} (quote fields holding commas)", rec.len()))
            };
            let column = (!column.is_empty()).then_some(column);
            return Err(err(DumpErrorKind::FieldCount, Some(rec.line), column, Some(joined(&rec)), expected));
        }
        let f = |c: usize| rec.get(col[c]).unwrap_or_default();
        let too_large =
            || err(DumpErrorKind::TooLarge, Some(rec.line), None, None, "under 4 GiB of names and symbols".into());
        let symbol_text = lossy(fields::trim(f(SYMBOL)));
        let name_text = lossy(fields::trim(f(NAME)));
        let symbol = b.text(&symbol_text).ok_or_else(too_large)?;
        let name = b.text(&name_text).ok_or_else(too_large)?;
        let type_text = lossy(fields::trim(f(TYPE)));
        let segment_text = lossy(fields::trim(f(SEGMENT)));
        let instrument_type = b.label(&type_text);
        let segment = b.label(&segment_text);
        let exchange = b.label(&lossy(fields::trim(f(EXCHANGE))));
        let token = fields::parse_uint(f(TOKEN));
        let kind = if type_text.eq_ignore_ascii_case("CE") {
            Some(OptionKind::CE)
        } else if type_text.eq_ignore_ascii_case("PE") {
            Some(OptionKind::PE)
        } else {
            None
        };
        let parsed_symbol =
            (kind.is_some() && name_text.is_empty()).then(|| fields::parse_option_symbol(&symbol_text)).flatten();
        let underlying = match kind {
            None => None,
            Some(_) if name_text.is_empty() => parsed_symbol.map(|p| p.underlying),
            Some(_) => segments.iter().position(|(s, _)| s.eq_ignore_ascii_case(&name_text)).map(|p| p as u8),
        };
        let expiry = fields::parse_date(f(EXPIRY));
        let strike_field = fields::trim(f(STRIKE));
        let strike = if strike_field.is_empty() {
            // Empty: the trading symbol's strike, for an index option.
            match parsed_symbol {
                Some(p) => Some(p.strike),
                None => underlying.and_then(|_| fields::parse_option_symbol(&symbol_text)).map(|p| p.strike),
            }
        } else {
            fields::parse_f64(strike_field)
        };
        let lot_size = fields::parse_uint(f(LOT)).and_then(|l| u32::try_from(l).ok());
        let tick_size = fields::parse_f64(f(TICK));
        let class = match (token, kind, underlying) {
            (None, _, _) => RowClass::Skipped(SkipReason::BadToken),
            (_, None, _) => RowClass::Skipped(SkipReason::NotAnOption),
            (_, _, None) => RowClass::Skipped(SkipReason::UnknownUnderlying),
            (Some(token), Some(_), Some(u)) => {
                let reason = if !segments[usize::from(u)].1.eq_ignore_ascii_case(&segment_text) {
                    Some(SkipReason::WrongSegment)
                } else if expiry.is_none() {
                    Some(SkipReason::BadExpiry)
                } else if !strike.is_some_and(|s| s > 0.0) {
                    Some(SkipReason::BadStrike)
                } else if lot_size.is_none_or(|l| l == 0) {
                    Some(SkipReason::BadLotSize)
                } else if !tick_size.is_some_and(|t| t > 0.0) {
                    Some(SkipReason::BadTickSize)
                } else if !option_tokens.insert(token) {
                    Some(SkipReason::DuplicateToken)
                } else {
                    None
                };
                reason.map_or(RowClass::IndexOption, RowClass::Skipped)
            }
        };
        match class {
            RowClass::IndexOption => counts.index_options += 1,
            RowClass::Skipped(reason) => *counts.skipped.entry(reason).or_default() += 1,
        }
        counts.rows += 1;
        rows.push(Instrument {
            token: token.unwrap_or(0),
            exchange_token: fields::parse_uint(f(EXCHANGE_TOKEN)).unwrap_or(0),
            last_price: fields::parse_f64(f(LAST_PRICE)).unwrap_or(0.0),
            strike: strike.unwrap_or(0.0),
            tick_size: tick_size.unwrap_or(0.0),
            expiry,
            lot_size: lot_size.unwrap_or(0),
            line: u32::try_from(rec.line).unwrap_or(u32::MAX),
            symbol,
            name,
            instrument_type,
            segment,
            exchange,
            kind,
            underlying,
            class,
        });
    }
    if rows.is_empty() {
        return Err(err(
            DumpErrorKind::NoRows,
            Some(header_line),
            None,
            None,
            "instrument rows after the header; the file holds only the header".into(),
        ));
    }
    let mut dump = Dump {
        source: source.to_string(),
        gzipped: false,
        rows,
        counts,
        indices: Vec::new(),
        text: b.text,
        labels: b.labels,
    };
    dump.indices = dump.summarize(None);
    Ok(dump)
}

/// The most common key (the smallest on a tie).
fn mode<K: Ord + Copy>(counts: &BTreeMap<K, u64>) -> Option<K> {
    let mut best: Option<(K, u64)> = None;
    for (&k, &n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((k, n));
        }
    }
    best.map(|(k, _)| k)
}

/// The most common gap between adjacent distinct strikes (the smallest on a tie), to a thousandth.
pub fn strike_step(strikes: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = strikes.iter().copied().filter(|s| s.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let mut gaps: BTreeMap<i64, u64> = BTreeMap::new();
    for w in sorted.windows(2) {
        *gaps.entry(((w[1] - w[0]) * 1000.0).round() as i64).or_default() += 1;
    }
    mode(&gaps).map(|g| g as f64 / 1000.0)
}

/// The median strike (the lower middle on an even count).
pub(crate) fn median_strike(strikes: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = strikes.iter().copied().filter(|s| s.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

impl Dump {
    /// A row's trading symbol.
    pub fn symbol(&self, row: &Instrument) -> &str {
        self.str(row.symbol)
    }

    /// A row's `name` (often empty for options).
    pub fn name(&self, row: &Instrument) -> &str {
        self.str(row.name)
    }

    /// A label's text.
    pub fn label(&self, label: Label) -> &str {
        self.labels.get(label.0 as usize).map_or("", |l| l)
    }

    fn str(&self, t: Text) -> &str {
        self.text.get(t.start as usize..(t.start + t.len) as usize).unwrap_or("")
    }

    /// The registry symbol of a row's underlying index.
    pub fn underlying_symbol(row: &Instrument) -> Option<&'static str> {
        registry::known_symbols().nth(usize::from(row.underlying?))
    }

    /// The valid index options, in file order.
    pub fn index_options(&self) -> impl Iterator<Item = &Instrument> {
        self.rows.iter().filter(|r| r.class == RowClass::IndexOption)
    }

    /// A row as owned values (what [`write::to_csv`] writes; normalised: dates as dates, numbers as numbers).
    pub fn kite_row(&self, row: &Instrument) -> KiteRow {
        KiteRow {
            instrument_token: row.token,
            exchange_token: row.exchange_token,
            tradingsymbol: self.symbol(row).to_string(),
            name: self.name(row).to_string(),
            last_price: row.last_price,
            expiry: row.expiry,
            strike: row.strike,
            tick_size: row.tick_size,
            lot_size: row.lot_size,
            instrument_type: self.label(row.instrument_type).to_string(),
            segment: self.label(row.segment).to_string(),
            exchange: self.label(row.exchange).to_string(),
        }
    }

    /// Every row as owned values.
    pub fn kite_rows(&self) -> Vec<KiteRow> {
        self.rows.iter().map(|r| self.kite_row(r)).collect()
    }

    /// The summary of one index (case-insensitive), if the dump has valid options of it.
    pub fn summary(&self, symbol: &str) -> Option<&IndexSummary> {
        self.indices.iter().find(|s| s.symbol.eq_ignore_ascii_case(symbol))
    }

    /// Per registry index with valid options, in registry order, the nearest expiry being the first on or
    /// after `as_of` (the earliest when `None`).
    pub fn summarize(&self, as_of: Option<NaiveDate>) -> Vec<IndexSummary> {
        let segments = registry_segments();
        let mut per: Vec<BTreeMap<NaiveDate, Vec<f64>>> = vec![BTreeMap::new(); segments.len()];
        let mut lots: Vec<BTreeMap<u32, u64>> = vec![BTreeMap::new(); segments.len()];
        let mut ticks: Vec<BTreeMap<u64, u64>> = vec![BTreeMap::new(); segments.len()];
        let mut options = vec![0u64; segments.len()];
        for row in self.index_options() {
            let (Some(u), Some(expiry)) = (row.underlying, row.expiry) else { continue };
            let u = usize::from(u);
            options[u] += 1;
            per[u].entry(expiry).or_default().push(row.strike);
            *lots[u].entry(row.lot_size).or_default() += 1;
            *ticks[u].entry(row.tick_size.to_bits()).or_default() += 1;
        }
        let mut out = Vec::new();
        for (u, (symbol, segment)) in segments.iter().enumerate() {
            if options[u] == 0 {
                continue;
            }
            let expiries: Vec<NaiveDate> = per[u].keys().copied().collect();
            let nearest = match as_of {
                Some(day) => expiries.iter().copied().find(|d| *d >= day),
                None => expiries.first().copied(),
            };
            let strikes = nearest.and_then(|d| per[u].get(&d)).map(Vec::as_slice).unwrap_or_default();
            let mut weekdays: BTreeMap<u32, u64> = BTreeMap::new();
            for d in &expiries {
                *weekdays.entry(d.weekday().num_days_from_monday()).or_default() += 1;
            }
            out.push(IndexSummary {
                symbol: symbol.to_string(),
                segment: segment.clone(),
                options: options[u],
                expiries,
                nearest_expiry: nearest,
                strike_step: strike_step(strikes),
                atm: median_strike(strikes),
                lot_size: mode(&lots[u]),
                tick_size: mode(&ticks[u]).map(f64::from_bits),
                expiry_weekday: mode(&weekdays),
            });
        }
        out
    }

    /// Every row as a row of a cycle's universe, in file order, for a scenario's indices: `positions` maps
    /// registry symbols (case-insensitive) to scenario index positions. The valid options of those indices are
    /// the run's options, and their `bad_expiry` rows options with a `RawExpiry::Missing` expiry (the expiry
    /// map counts them as it counts a provider's malformed expiries). Every other row stays in the universe,
    /// as in a real one, skipped for its reason: the reader's, or [`SkipReason::OtherIndex`] for a valid
    /// option of an index the run does not declare.
    pub(crate) fn universe_rows(&self, positions: &[(&str, u16)]) -> Vec<UniverseRow> {
        let mut by_underlying: [Option<u16>; 256] = [None; 256];
        for (pos, sym) in registry::known_symbols().enumerate() {
            by_underlying[pos] = positions.iter().find(|(s, _)| s.eq_ignore_ascii_case(sym)).map(|(_, p)| *p);
        }
        self.rows
            .iter()
            .map(|row| {
                let index = row.underlying.and_then(|u| by_underlying[usize::from(u)]);
                let expiry = row.expiry.map_or(RawExpiry::Missing, RawExpiry::Date);
                let skip = match (row.class, index) {
                    (RowClass::IndexOption, Some(_)) | (RowClass::Skipped(SkipReason::BadExpiry), Some(_)) => None,
                    (RowClass::IndexOption, None) => Some(SkipReason::OtherIndex),
                    (RowClass::Skipped(reason), _) => Some(reason),
                };
                UniverseRow {
                    token: row.token,
                    strike: row.strike,
                    expiry,
                    index: index.filter(|_| skip.is_none()).unwrap_or(UniverseRow::NO_INDEX),
                    kind: row.kind.unwrap_or(OptionKind::CE),
                    skip,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange";

    #[test]
    fn steps_and_medians() {
        assert_eq!(strike_step(&[100.0, 200.0, 150.0, 250.0, 400.0]), Some(50.0));
        assert_eq!(strike_step(&[23600.0, 23900.0, 24000.0]), Some(100.0), "tie: the smallest");
        assert_eq!(strike_step(&[1.0]), None);
        assert_eq!(median_strike(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_strike(&[4.0, 1.0, 2.0, 3.0]), Some(2.0));
        assert_eq!(median_strike(&[]), None);
    }

    #[test]
    fn universe_rows_keep_bad_expiries_as_missing() {
        let text = format!(
            "{HEADER}\n1,1,NIFTY25O0924800CE,NIFTY,0,2025-10-09,24800,0.05,75,CE,NFO-OPT,NFO\n\
             2,2,NIFTY25O0924800PE,NIFTY,0,,24800,0.05,75,PE,NFO-OPT,NFO\n\
             3,3,SENSEX25O1081000CE,SENSEX,0,2025-10-10,81000,0.05,20,CE,BFO-OPT,BFO\n\
             4,4,INFY,INFOSYS,0,,0,0.05,1,EQ,NSE,NSE\n"
        );
        let dump = parse("t.csv", text.as_bytes()).unwrap();
        let rows = dump.universe_rows(&[("sensex", 0), ("NIFTY", 1)]);
        assert_eq!(rows.len(), 4, "every row stays");
        assert_eq!((rows[0].index, rows[0].kind, rows[0].token, rows[0].skip), (1, OptionKind::CE, 1, None));
        assert_eq!((rows[1].expiry, rows[1].skip), (RawExpiry::Missing, None));
        assert_eq!((rows[2].index, rows[2].strike), (0, 81000.0));
        assert_eq!((rows[3].index, rows[3].skip), (UniverseRow::NO_INDEX, Some(SkipReason::NotAnOption)));
        let other = dump.universe_rows(&[("BANKNIFTY", 0)]);
        let skips: Vec<_> = other.iter().map(|r| (r.index, r.skip)).collect();
        use SkipReason::*;
        let none = UniverseRow::NO_INDEX;
        assert_eq!(
            skips,
            [(none, Some(OtherIndex)), (none, Some(BadExpiry)), (none, Some(OtherIndex)), (none, Some(NotAnOption))]
        );
    }
}
