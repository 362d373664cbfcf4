//! Phase 7: strike coverage and field coverage (`helpers/coverage.py`).
//!
//! - Strike coverage: distinct positive strikes among the expiry's instruments (after the clamp, before
//!   quotes matter) over the ladder size; 0 for an empty ladder. Default mode counts only ladder strikes, so
//!   it never exceeds 1.0; parity g6 counts every realized strike, as the reference does (above 1.0 when
//!   the provider returns off-ladder strikes).
//! - Field coverage: quotes with volume, oi and avg_price all non-zero over all quotes (0 when none). The
//!   default divides once, `full / total` (the correctly rounded ratio); parity g6 keeps the reference's
//!   round trip through the percent, `(full / total * 100) / 100`, which is one ulp off for some fractions
//!   and flips the status when a threshold equals the fraction (2/3 against `field_coverage_ok`
//!   0.6666666666666666: default OK, parity PARTIAL `low_field`).

use super::ladder::distinct_strikes_into;
use super::schedule::{CycleBuilder, Step};
use super::validation::ExpiryValidation;
use crate::config::Config;
use crate::events::{
    Event, FIELD_SAMPLE, FieldCoverage as FieldCoverageEvent, FieldSample, InstrumentCoverage, MissingCounts,
};
use crate::pyjson::py_round;
use crate::registry::IndexMeta;
use crate::synthetic::tradingsymbol;
use crate::world::{
    CycleCounter, EventLog, Expiry, ExpiryDate, ExpiryOrder, ExpiryOutcome, FieldCoverage, IndexInfo, InstrumentSet,
    Member, Quote, StrikeCoverage, StrikeLadder,
};
use bevy_ecs::prelude::*;
use chrono::NaiveDate;

/// Distinct realized strikes (positive), ascending.
#[cfg(test)]
pub fn realized_strikes(strikes: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v = Vec::new();
    distinct_strikes_into(&mut v, strikes);
    v
}

/// Strike coverage of a ladder by the realized strikes (both ascending: a ladder, and `realized_strikes`).
pub fn strike_coverage(ladder: &[f64], realized: &[f64], parity_g6: bool) -> f64 {
    if ladder.is_empty() {
        return 0.0;
    }
    let counted = if parity_g6 {
        realized.len()
    } else {
        // Both ascending: one walk down the ladder finds each realized strike (as a binary search would).
        let mut rest = ladder;
        realized
            .iter()
            .filter(|s| {
                let below = rest.iter().take_while(|l| l.total_cmp(s).is_lt()).count();
                rest = &rest[below..];
                rest.first().is_some_and(|l| l.total_cmp(s).is_eq())
            })
            .count()
    };
    counted as f64 / ladder.len() as f64
}

/// Field-coverage counts over a set of quotes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldStats {
    pub total: u32,
    pub full: u32,
    pub missing_volume: u32,
    pub missing_oi: u32,
    pub missing_avg_price: u32,
}

impl FieldStats {
    pub fn measure<'a>(quotes: impl IntoIterator<Item = &'a Quote>) -> Self {
        let mut s = Self::default();
        for q in quotes {
            s.total += 1;
            let (v, o, a) = (q.volume == 0, q.oi == 0, q.avg_price == 0.0);
            s.missing_volume += u32::from(v);
            s.missing_oi += u32::from(o);
            s.missing_avg_price += u32::from(a);
            s.full += u32::from(!(v || o || a));
        }
        s
    }
    /// The share of full quotes, in percent: `full / total * 100` (0 without quotes).
    pub fn pct(&self) -> f64 {
        if self.total == 0 { 0.0 } else { f64::from(self.full) / f64::from(self.total) * 100.0 }
    }
    /// The share of full quotes: `full / total`, or in parity g6 the reference's `pct / 100` (0 without
    /// quotes).
    pub fn coverage(&self, parity_g6: bool) -> f64 {
        if self.total == 0 {
            0.0
        } else if parity_g6 {
            self.pct() / 100.0
        } else {
            f64::from(self.full) / f64::from(self.total)
        }
    }
}

/// `field_coverage`'s sample: the first [`FIELD_SAMPLE`] of `quotes` (in quote order) missing a field, each
/// keyed as the quotes are (`exchange:tradingsymbol`); a placeholder has no average price.
pub fn field_sample<'a>(
    quotes: impl IntoIterator<Item = &'a Member>,
    meta: &IndexMeta,
    date: NaiveDate,
) -> Vec<FieldSample> {
    quotes
        .into_iter()
        .filter(|m| m.quote.volume == 0 || m.quote.oi == 0 || m.quote.avg_price == 0.0)
        .take(FIELD_SAMPLE)
        .map(|m| FieldSample {
            avg_price: (!m.quote.synthetic).then_some(m.quote.avg_price),
            oi: m.quote.oi,
            strike: m.strike,
            sym: format!("{}:{}", meta.exchange_pool, tradingsymbol(&meta.symbol, date, m.strike, m.kind)),
            kind: m.kind,
            vol: m.quote.volume,
        })
        .collect()
}

pub fn measure_coverage(
    config: Res<Config>,
    counter: Res<CycleCounter>,
    indices: Query<(&IndexInfo, &StrikeLadder)>,
    mut expiries: Query<(
        &ExpiryOrder,
        &Expiry,
        &ExpiryDate,
        &ExpiryOutcome,
        &InstrumentSet,
        &ExpiryValidation,
        &mut StrikeCoverage,
        &mut FieldCoverage,
    )>,
    mut log: ResMut<EventLog>,
    mut strikes: Local<Vec<f64>>,
) {
    let parity = config.parity.is_g6();
    for (_, expiry, date, outcome, set, validation, mut strike_cov, mut field_cov) in
        expiries.iter_mut().sort::<&ExpiryOrder>()
    {
        strike_cov.0 = None;
        field_cov.0 = None;
        let Ok((info, ladder)) = indices.get(expiry.index) else { continue };
        if outcome.failure.is_some() {
            continue;
        }
        // Strikes count from the instruments (before validation), fields from the validated quotes.
        distinct_strikes_into(&mut strikes, set.0.iter().map(|m| m.strike));
        let realized = strikes.as_slice();
        let fields = FieldStats::measure(set.0.iter().filter(|m| !validation.dropped(m.token)).map(|m| &m.quote));
        let s = strike_coverage(&ladder.strikes, realized, parity);
        strike_cov.0 = Some(s);
        field_cov.0 = Some(fields.coverage(parity));
        if config.trace {
            let (symbol, rule, expiry_date) =
                (info.meta.symbol.clone(), expiry.rule.to_string(), date.0.map(|d| d.to_string()).unwrap_or_default());
            let sample_missing: Vec<f64> = ladder
                .strikes
                .iter()
                .copied()
                .filter(|l| realized.binary_search_by(|r| r.total_cmp(l)).is_err())
                .take(10)
                .collect();
            log.push(
                counter.0,
                Event::InstrumentCoverage(InstrumentCoverage {
                    expiry: expiry_date.clone(),
                    index: symbol.clone(),
                    pct: py_round(s * 100.0, 2),
                    realized: realized.len() as u32,
                    requested: ladder.strikes.len() as u32,
                    rule: rule.clone(),
                    sample_missing,
                }),
            );
            // The reference reports field coverage only for an expiry with quotes.
            if let (true, Some(date)) = (fields.total > 0, date.0) {
                let kept = set.0.iter().filter(|m| !validation.dropped(m.token));
                log.push(
                    counter.0,
                    Event::FieldCoverage(FieldCoverageEvent {
                        expiry: expiry_date,
                        full: fields.full,
                        index: symbol,
                        missing_counts: MissingCounts {
                            avg_price: fields.missing_avg_price,
                            oi: fields.missing_oi,
                            volume: fields.missing_volume,
                        },
                        pct: py_round(fields.pct(), 2),
                        rule,
                        sample: field_sample(kept, &info.meta, date),
                        total: fields.total,
                    }),
                );
            }
        }
    }
}

/// Registers the coverage phase.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.add(Step::Coverage, measure_coverage);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk down the ladder counts what a binary search per realized strike counts.
    #[test]
    fn the_ladder_walk_counts_what_binary_searches_count() {
        let mut stream = crate::rng::Stream::new(9, "coverage", "", 0, "");
        let mut realized = Vec::new();
        for _ in 0..500 {
            let step = [25.0, 50.0, 100.0, 0.5][stream.below(4) as usize];
            let atm = step * (stream.below(40) as f64 + 1.0);
            let ladder =
                super::super::ladder::build_ladder(atm, step, stream.below(30) as u32, stream.below(30) as u32);
            let strikes: Vec<f64> = (0..stream.below(90))
                .map(|_| atm + step * (stream.below(80) as f64 - 40.0) + [0.0, 0.25][stream.below(2) as usize])
                .collect();
            distinct_strikes_into(&mut realized, strikes);
            let searched =
                realized.iter().filter(|s| ladder.binary_search_by(|l| l.total_cmp(s)).is_ok()).count() as f64;
            let expected = if ladder.is_empty() { 0.0 } else { searched / ladder.len() as f64 };
            assert_eq!(strike_coverage(&ladder, &realized, false), expected, "{ladder:?} {realized:?}");
        }
    }

    #[test]
    fn strike_coverage_in_both_modes() {
        let ladder = [100.0, 110.0, 120.0, 130.0];
        let realized = realized_strikes([100.0, 100.0, 110.0, 140.0, 150.0, 0.0, -5.0]);
        assert_eq!(realized, vec![100.0, 110.0, 140.0, 150.0]);
        assert_eq!(strike_coverage(&ladder, &realized, false), 0.5, "only ladder strikes count");
        assert_eq!(strike_coverage(&ladder, &realized, true), 1.0, "every realized strike counts");
        let wide = realized_strikes((0..11).map(|i| 100.0 + f64::from(i) * 10.0));
        assert!(strike_coverage(&ladder, &wide, true) > 2.7, "the reference's 2.727-style overshoot");
        assert_eq!(strike_coverage(&ladder, &wide, false), 1.0);
        assert_eq!(strike_coverage(&[], &realized, false), 0.0);
    }

    #[test]
    fn field_coverage_counts_zero_as_missing() {
        let full = Quote { last_price: 1.0, volume: 1, oi: 1, avg_price: 1.0, synthetic: false };
        let quotes = [full, Quote { volume: 0, ..full }, Quote { oi: 0, avg_price: 0.0, ..full }, full];
        let s = FieldStats::measure(&quotes);
        assert_eq!((s.total, s.full, s.missing_volume, s.missing_oi, s.missing_avg_price), (4, 2, 1, 1, 1));
        assert_eq!((s.coverage(false), s.coverage(true), s.pct()), (0.5, 0.5, 50.0));
        assert_eq!(FieldStats::measure(&[]).coverage(false), 0.0);
        assert_eq!(FieldStats::measure(&[]).coverage(true), 0.0);
    }

    #[test]
    fn field_coverage_arithmetic_in_both_modes() {
        let s = |full, total| FieldStats { full, total, ..FieldStats::default() };
        // 2/3: the reference's round trip through the percent lands one ulp under the ratio.
        assert_eq!(s(2, 3).coverage(false), 2.0 / 3.0);
        assert_eq!(s(2, 3).coverage(true), 0.6666666666666665);
        assert_eq!(s(12, 18).coverage(true), s(2, 3).coverage(true));
        // Where the modes differ, by at most an ulp; the default is always the correctly rounded ratio.
        let all = (1..=100u32).flat_map(|t| (0..=t).map(move |f| s(f, t)));
        let differ: Vec<FieldStats> = all.filter(|x| x.coverage(true) != x.coverage(false)).collect();
        assert!(!differ.is_empty());
        for x in differ {
            let (d, p) = (x.coverage(false), x.coverage(true));
            assert!((d - p).abs() <= f64::EPSILON * d, "{x:?}: {d} vs {p}");
        }
    }
}
