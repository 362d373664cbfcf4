//! Phase 6c: preventive validation of quote rows (`validation/preventive_validator.py`).
//!
//! Each row is dropped for the first rule it breaks, in this order: `non_numeric_strike`,
//! `non_positive_strike`, `strike_out_of_band` (|K - ref| / ref > 0.40, ref = the index price, else the
//! median positive strike), `unparseable_expiry` (formats `%Y-%m-%d`, `%d-%m-%Y`, `%Y%m%d`; a missing expiry
//! is imputed), `dummy_far_future_expiry` (year >= 2050), `foreign_expiry` (not the resolved expiry),
//! `bad_instrument_type` (not CE/PE), `empty_quote` (no last price and no oi). Report-only checks:
//! `insufficient_strike_coverage` (< 10 distinct strikes; `ok` stays true with >= 3) and
//! `excess_zero_volume` (> 90% of rows with zero volume; not ok); nothing surviving is not ok.
//!
//! One deliberate difference: the reference tests a foreign expiry before a far-future one, so a dummy
//! 2099 expiry is always counted as foreign and `dummy_far_future_expiry` never fires; g6sim checks the
//! dummy first so each reason is reachable (parity g6 keeps the reference's order). The `BadRows(n)` fault injects malformed rows (one defect
//! each, cycling through the eight) next to the real quotes; they never become instrument entities.

use super::director::ActiveFaults;
use super::ladder::distinct_strikes_into;
use super::schedule::{CycleBuilder, Step};
use crate::calendar::ExpiryRule;
use crate::config::Config;
use crate::events::ValidationReport;
use crate::events::{Event, ValidationDrops};
use crate::fault::Fault;
use crate::vocab::{DropReason, OptionKind};
use crate::world::*;
use bevy_ecs::prelude::*;
use chrono::{Datelike, NaiveDate};

/// Validation's fault: it acts on one expiry.
impl ActiveFaults {
    /// Malformed quote rows injected into this expiry (`BadRows`, the largest active count).
    pub fn bad_rows(&self, index: &str, rule: ExpiryRule) -> u32 {
        self.matching(index, Some(rule))
            .filter_map(|f| if let Fault::BadRows(n) = f { Some(*n) } else { None })
            .max()
            .unwrap_or(0)
    }
}

/// A strike as a row may carry it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RawStrike {
    Number(f64),
    Text(&'static str),
    // The rule handles every shape a reference row may take; the simulated provider never leaves this field out.
    #[cfg_attr(not(test), allow(dead_code))]
    Missing,
}

/// A row's expiry as it may carry it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RowExpiry {
    Date(NaiveDate),
    Text(&'static str),
    // The rule handles every shape a reference row may take; the simulated provider never leaves this field out.
    #[cfg_attr(not(test), allow(dead_code))]
    Missing,
}

/// One quote row, as validation sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuoteRow {
    pub strike: RawStrike,
    pub expiry: RowExpiry,
    pub instrument_type: &'static str,
    pub last_price: Option<f64>,
    pub oi: Option<u64>,
    pub volume: Option<u64>,
}

fn parse_expiry(text: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%d-%m-%Y", "%Y%m%d"].iter().find_map(|f| NaiveDate::parse_from_str(text.trim(), f).ok())
}

/// The first rule a row breaks, if any. `reference_order` (parity g6) tests a foreign expiry before a
/// far-future one, as the reference does.
pub fn check_row(
    row: &QuoteRow,
    reference_price: f64,
    resolved: NaiveDate,
    reference_order: bool,
) -> Result<(), DropReason> {
    let strike = match row.strike {
        RawStrike::Number(k) if k.is_finite() => k,
        RawStrike::Text(t) => {
            t.trim().parse::<f64>().ok().filter(|k| k.is_finite()).ok_or(DropReason::NonNumericStrike)?
        }
        RawStrike::Number(_) | RawStrike::Missing => return Err(DropReason::NonNumericStrike),
    };
    if strike <= 0.0 {
        return Err(DropReason::NonPositiveStrike);
    }
    if reference_price > 0.0 && (strike - reference_price).abs() / reference_price > 0.40 {
        return Err(DropReason::StrikeOutOfBand);
    }
    let expiry = match row.expiry {
        RowExpiry::Date(d) => Some(d),
        RowExpiry::Text(t) => Some(parse_expiry(t).ok_or(DropReason::UnparseableExpiry)?),
        RowExpiry::Missing => None, // imputed to the resolved expiry
    };
    if let Some(d) = expiry {
        if reference_order && d != resolved {
            return Err(DropReason::ForeignExpiry);
        }
        if d.year() >= 2050 {
            return Err(DropReason::DummyFarFutureExpiry);
        }
        if d != resolved {
            return Err(DropReason::ForeignExpiry);
        }
    }
    if row.instrument_type != "CE" && row.instrument_type != "PE" {
        return Err(DropReason::BadInstrumentType);
    }
    if row.last_price.is_none() && row.oi.is_none() {
        return Err(DropReason::EmptyQuote);
    }
    Ok(())
}

/// The price the strike band is measured from: the index price, else the median positive numeric strike
/// of the rows (0 without one).
pub fn reference_price(index_price: f64, rows: &[QuoteRow]) -> f64 {
    if index_price > 0.0 {
        return index_price;
    }
    let mut strikes: Vec<f64> = rows
        .iter()
        .filter_map(|r| if let RawStrike::Number(k) = r.strike { Some(k) } else { None })
        .filter(|k| *k > 0.0)
        .collect();
    strikes.sort_by(f64::total_cmp);
    match strikes.len() {
        0 => 0.0,
        n if n % 2 == 1 => strikes[n / 2],
        n => (strikes[n / 2 - 1] + strikes[n / 2]) / 2.0,
    }
}

/// An instrument's quote row: its expiry is the one it was fetched for (its token carries the series).
pub fn instrument_row(strike: f64, kind: OptionKind, resolved: NaiveDate, quote: &Quote) -> QuoteRow {
    QuoteRow {
        strike: RawStrike::Number(strike),
        expiry: RowExpiry::Date(resolved),
        instrument_type: if kind == OptionKind::CE { "CE" } else { "PE" },
        last_price: Some(quote.last_price),
        oi: Some(quote.oi),
        volume: Some(quote.volume),
    }
}

/// Each row's verdict ([`check_row`]), the strike band measured from the index price, else from the rows'
/// median strike ([`reference_price`]).
pub fn verdicts(
    rows: &[QuoteRow],
    index_price: f64,
    resolved: NaiveDate,
    reference_order: bool,
) -> impl Iterator<Item = Result<(), DropReason>> + '_ {
    let reference_price = reference_price(index_price, rows);
    rows.iter().map(move |r| check_row(r, reference_price, resolved, reference_order))
}

/// Validates rows: which to keep, and the report.
pub fn validate(
    rows: &[QuoteRow],
    index_price: f64,
    resolved: NaiveDate,
    reference_order: bool,
) -> (Vec<bool>, ValidationReport) {
    let verdicts: Vec<Result<(), DropReason>> = verdicts(rows, index_price, resolved, reference_order).collect();
    let mut counts = [0u32; DropReason::ALL.len()];
    for reason in verdicts.iter().filter_map(|v| v.err()) {
        counts[reason as usize] += 1;
    }
    let mut report = ValidationReport { ok: true, ..ValidationReport::default() };
    report.dropped = DropReason::ALL.into_iter().zip(counts).filter(|(_, n)| *n > 0).collect();
    let kept: Vec<&QuoteRow> = rows.iter().zip(&verdicts).filter(|(_, v)| v.is_ok()).map(|(r, _)| r).collect();
    let mut strikes = Vec::new();
    distinct_strikes_into(
        &mut strikes,
        kept.iter().filter_map(|r| if let RawStrike::Number(k) = r.strike { Some(k) } else { None }),
    );
    if strikes.len() < 10 {
        report.issues.push("insufficient_strike_coverage");
        report.ok &= strikes.len() >= 3;
    }
    if !kept.is_empty() && kept.iter().filter(|r| r.volume.unwrap_or(0) == 0).count() * 10 > kept.len() * 9 {
        report.issues.push("excess_zero_volume");
        report.ok = false;
    }
    if kept.is_empty() {
        report.ok = false;
    }
    (verdicts.iter().map(Result::is_ok).collect(), report)
}

/// The malformed row a `BadRows` fault injects as its `k`-th row (one defect each, cycling).
pub fn bad_row(k: u32, atm: f64, resolved: NaiveDate) -> QuoteRow {
    let good = QuoteRow {
        strike: RawStrike::Number(atm),
        expiry: RowExpiry::Date(resolved),
        instrument_type: "CE",
        last_price: Some(1.0),
        oi: Some(100),
        volume: Some(10),
    };
    match DropReason::ALL[k as usize % DropReason::ALL.len()] {
        DropReason::NonNumericStrike => QuoteRow { strike: RawStrike::Text("n/a"), ..good },
        DropReason::NonPositiveStrike => QuoteRow { strike: RawStrike::Number(0.0), ..good },
        DropReason::StrikeOutOfBand => QuoteRow { strike: RawStrike::Number(atm * 2.0), ..good },
        DropReason::UnparseableExpiry => QuoteRow { expiry: RowExpiry::Text("2025.10.30"), ..good },
        DropReason::DummyFarFutureExpiry => {
            QuoteRow { expiry: RowExpiry::Date(NaiveDate::from_ymd_opt(2099, 12, 31).unwrap_or(resolved)), ..good }
        }
        DropReason::ForeignExpiry => QuoteRow { expiry: RowExpiry::Date(resolved + chrono::Duration::days(7)), ..good },
        DropReason::BadInstrumentType => QuoteRow { instrument_type: "FUT", ..good },
        DropReason::EmptyQuote => QuoteRow { last_price: None, oi: None, ..good },
    }
}

/// This cycle's validation of the expiry: the report, and the instrument tokens it dropped.
#[derive(Component, Debug, Clone, Default, PartialEq)]
pub struct ExpiryValidation {
    pub report: Option<ValidationReport>,
    /// Ascending.
    pub dropped_tokens: Vec<u64>,
}

impl ExpiryValidation {
    /// Whether validation dropped the instrument with this token.
    pub fn dropped(&self, token: u64) -> bool {
        !self.dropped_tokens.is_empty() && self.dropped_tokens.binary_search(&token).is_ok()
    }
}

/// Validates every successful expiry's quote rows (its instruments' quotes plus injected bad rows).
pub fn validate_quotes(
    config: Res<Config>,
    counter: Res<CycleCounter>,
    faults: Res<ActiveFaults>,
    indices: Query<(&IndexInfo, &StrikeLadder)>,
    mut expiries: Query<(
        &ExpiryOrder,
        &Expiry,
        &ExpiryDate,
        &InstrumentSet,
        &mut ExpiryOutcome,
        &mut ExpiryValidation,
    )>,
    mut log: ResMut<EventLog>,
    mut rows: Local<Vec<QuoteRow>>,
) {
    for (_, expiry, date, set, mut outcome, mut validation) in expiries.iter_mut().sort::<&ExpiryOrder>() {
        validation.report = None;
        validation.dropped_tokens.clear();
        let (Ok((info, ladder)), Some(resolved), None) = (indices.get(expiry.index), date.0, outcome.failure) else {
            continue;
        };
        if !config.validation {
            continue;
        }
        rows.clear();
        rows.extend(set.0.iter().map(|m| instrument_row(m.strike, m.kind, resolved, &m.quote)));
        let injected = faults.bad_rows(&info.meta.symbol, expiry.rule);
        rows.extend((0..injected).map(|k| bad_row(k, ladder.atm, resolved)));
        let (keep, report) = validate(&rows, ladder.price, resolved, config.parity.is_g6());
        validation.dropped_tokens.extend(set.0.iter().zip(&keep).filter(|(_, k)| !**k).map(|(m, _)| m.token));
        validation.dropped_tokens.sort_unstable();
        outcome.options = outcome.options.saturating_sub(validation.dropped_tokens.len() as u32);
        if report.dropped_total() > 0 {
            log.push(
                counter.0,
                Event::ValidationDrops(ValidationDrops {
                    index: info.meta.symbol.clone(),
                    rule: expiry.rule.token().into_owned(),
                    expiry: resolved.to_string(),
                    dropped: report.dropped_total(),
                    reasons: report.dropped.iter().map(|(r, n)| (r.as_str().to_string(), *n)).collect(),
                }),
            );
        }
        if report.dropped_total() > 0 || !report.issues.is_empty() {
            validation.report = Some(report);
        }
    }
}

/// Registers preventive validation.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.add(Step::Validation, validate_quotes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn each_rule_in_order() {
        let resolved = d("2025-10-30");
        for k in 0..8 {
            let row = bad_row(k, 24800.0, resolved);
            assert_eq!(check_row(&row, 24800.0, resolved, false), Err(DropReason::ALL[k as usize]), "row {k}: {row:?}");
        }
        let dummy = bad_row(4, 24800.0, resolved);
        assert_eq!(check_row(&dummy, 24800.0, resolved, true), Err(DropReason::ForeignExpiry), "the reference's order");
        let good = QuoteRow {
            strike: RawStrike::Text(" 24850 "),
            expiry: RowExpiry::Text("30-10-2025"),
            instrument_type: "PE",
            last_price: None,
            oi: Some(5),
            volume: None,
        };
        assert_eq!(check_row(&good, 24800.0, resolved, false), Ok(()), "numeric text, other date format, oi alone");
        let no_strike = QuoteRow { strike: RawStrike::Missing, ..good };
        assert_eq!(check_row(&no_strike, 24800.0, resolved, false), Err(DropReason::NonNumericStrike), "no strike");
        let imputed = QuoteRow { expiry: RowExpiry::Missing, ..good };
        assert_eq!(check_row(&imputed, 24800.0, resolved, false), Ok(()), "a missing expiry is imputed");
        assert_eq!(
            check_row(&QuoteRow { expiry: RowExpiry::Text("20251030"), ..good }, 24800.0, resolved, false),
            Ok(())
        );
        let edge = QuoteRow { strike: RawStrike::Number(24800.0 * 1.4), ..good };
        assert_eq!(check_row(&edge, 24800.0, resolved, false), Ok(()), "40% is inside the band");
    }

    #[test]
    fn report_only_checks() {
        let resolved = d("2025-10-30");
        let row = |k: f64, volume: u64| QuoteRow {
            strike: RawStrike::Number(k),
            expiry: RowExpiry::Date(resolved),
            instrument_type: "CE",
            last_price: Some(1.0),
            oi: Some(1),
            volume: Some(volume),
        };
        let few: Vec<QuoteRow> = (0..5).map(|i| row(24800.0 + f64::from(i) * 50.0, 10)).collect();
        let (keep, r) = validate(&few, 24800.0, resolved, false);
        assert!(keep.iter().all(|k| *k));
        assert_eq!(
            (r.issues.clone(), r.ok),
            (vec!["insufficient_strike_coverage"], true),
            "5 strikes: reported, still ok"
        );
        let zero: Vec<QuoteRow> = (0..20).map(|i| row(24000.0 + f64::from(i) * 50.0, u64::from(i == 0))).collect();
        let (_, r) = validate(&zero, 24800.0, resolved, false);
        assert_eq!((r.issues.clone(), r.ok), (vec!["excess_zero_volume"], false));
        let (_, r) = validate(&[bad_row(0, 24800.0, resolved)], 24800.0, resolved, false);
        assert!(!r.ok && r.count(DropReason::NonNumericStrike) == 1);
        // Without an index price the median strike is the reference.
        let (keep, _) = validate(&[row(100.0, 1), row(110.0, 1), row(120.0, 1), row(500.0, 1)], 0.0, resolved, false);
        assert_eq!(keep, vec![true, true, true, false]);
    }
}
