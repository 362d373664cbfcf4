//! Phase 6a: fetch each expiry's option instruments: the expiry-map bucket (or, with the map off, a scan of
//! the universe) filtered to the ladder's strikes by exact equality, as `fetch_instruments` does. Provider
//! faults act here: an outage returns nothing, a strike dropout loses some ladder strikes, stray strikes
//! add instruments just above the ladder. An expiry left with nothing emits `zero_data`.

use super::director::ActiveFaults;
use super::expiry_map::{ExpiryMap, scan_universe};
use super::schedule::{CycleBuilder, Step};
use crate::calendar::ExpiryRule;
use crate::config::Config;
use crate::events::{Event, ZeroData};
use crate::fault::Fault;
use crate::rng::Stream;
use crate::vocab::Failure;
use crate::world::{
    Candidates, CycleCounter, EventLog, Expiry, ExpiryDate, ExpiryOrder, ExpiryOutcome, IndexInfo, IndexOrder,
    RandomSource, SimClock, StrikeLadder, Universe, UniverseRow,
};
use bevy_ecs::prelude::*;
use chrono::NaiveDate;

/// The fetch's faults: they act on one expiry.
impl ActiveFaults {
    /// The provider returns nothing for this expiry (`Outage`).
    pub fn outage(&self, index: &str, rule: ExpiryRule) -> bool {
        self.matching(index, Some(rule)).any(|f| matches!(f, Fault::Outage))
    }
    /// Fraction of ladder strikes the provider drops for this expiry (`StrikeDropout`, the largest active one).
    pub fn strike_dropout(&self, index: &str, rule: ExpiryRule) -> f64 {
        self.matching(index, Some(rule))
            .filter_map(|f| if let Fault::StrikeDropout(r) = f { Some(r.get()) } else { None })
            .fold(0.0, f64::max)
    }
    /// Off-ladder strikes (each CE and PE) the provider adds to this expiry's instruments (`StrayStrikes`, the
    /// largest active count).
    pub fn stray_strikes(&self, index: &str, rule: ExpiryRule) -> u32 {
        self.matching(index, Some(rule))
            .filter_map(|f| if let Fault::StrayStrikes(n) = f { Some(*n) } else { None })
            .max()
            .unwrap_or(0)
    }
}

/// Whether the provider answers an expiry's fetch: no `Outage` on it, and a ladder to match its rows to.
pub fn provider_answers(faults: &ActiveFaults, symbol: &str, rule: ExpiryRule, ladder: &StrikeLadder) -> bool {
    !faults.outage(symbol, rule) && !ladder.strikes.is_empty()
}

/// Rows whose strike is on the ladder, in provider order.
/// Rows arrive in provider order, a strike's rows (and its duplicates) together, so the ladder lookup of
/// the previous row's strike is reused; and in ascending strike order, so the lookup of a higher strike
/// walks on from where the last one stopped (a lower one searches the whole ladder again). Either way the
/// lookup is `StrikeLadder::contains`: the first ladder strike not below the row's, equal to it.
pub fn match_ladder(rows: &[u32], universe: &[UniverseRow], ladder: &StrikeLadder) -> Vec<u32> {
    let strikes = ladder.strikes.as_slice();
    let mut last: Option<(f64, bool)> = None;
    // Ladder strikes before `cursor` are below the last strike looked up.
    let mut cursor = 0;
    let mut matched = Vec::with_capacity(rows.len().min(2 * strikes.len() + 16));
    for &r in rows {
        let strike = universe[r as usize].strike;
        let hit = match last {
            Some((prev, hit)) if prev.to_bits() == strike.to_bits() => hit,
            _ => {
                if last.is_some_and(|(prev, _)| prev.total_cmp(&strike).is_lt()) {
                    cursor += strikes[cursor..].iter().take_while(|l| l.total_cmp(&strike).is_lt()).count();
                } else {
                    cursor = strikes.partition_point(|l| l.total_cmp(&strike).is_lt());
                }
                let hit = strikes.get(cursor).is_some_and(|l| l.total_cmp(&strike).is_eq());
                last = Some((strike, hit));
                hit
            }
        };
        if hit {
            matched.push(r);
        }
    }
    matched
}

/// The ladder strikes a strike dropout of `ratio` loses: exactly `round(ratio x n)` of them.
pub fn dropped_strikes(ladder: &[f64], ratio: f64, stream: &mut Stream) -> Vec<f64> {
    let k = (ratio * ladder.len() as f64).round() as usize;
    stream.choose(ladder.len(), k).into_iter().map(|i| ladder[i]).collect()
}

/// Rows of the bucket at the `n` strikes just above the ladder (a provider that does not filter exactly):
/// strikes above the ladder's top, up to `n` steps above it (with a tolerance for the steps' rounding that
/// grows with the price, so it never reaches back to the top strike or misses the last step at any price).
pub fn stray_rows(rows: &[u32], universe: &[UniverseRow], ladder: &StrikeLadder, n: u32) -> Vec<u32> {
    let Some(&top) = ladder.strikes.last() else { return Vec::new() };
    let limit = top + f64::from(n) * ladder.step;
    let limit = limit + 1e-9_f64.max(limit.abs() * 1e-12);
    rows.iter()
        .copied()
        .filter(|&r| {
            let strike = universe[r as usize].strike;
            strike > top && strike <= limit
        })
        .collect()
}

/// The faults in force on one expiry this cycle, and where their random draws come from.
pub struct ExpiryFault<'a> {
    pub faults: &'a ActiveFaults,
    pub symbol: &'a str,
    pub rule: ExpiryRule,
    pub random: &'a RandomSource,
    pub cycle: u64,
}

/// What the provider returns for one expiry, into `out`: its ladder-matched rows (`matched`, from
/// [`match_ladder`] over `bucket`) less the strikes a strike dropout loses, plus any stray strikes.
pub fn fetch_into(
    out: &mut Vec<u32>,
    matched: &[u32],
    bucket: &[u32],
    rows: &[UniverseRow],
    ladder: &StrikeLadder,
    at: &ExpiryFault,
) {
    out.clear();
    out.extend_from_slice(matched);
    let dropout = at.faults.strike_dropout(at.symbol, at.rule);
    if dropout > 0.0 {
        let mut stream = at.random.stream(at.symbol, &at.rule.token(), at.cycle, "strike_dropout");
        let lost = dropped_strikes(&ladder.strikes, dropout, &mut stream);
        out.retain(|&r| !lost.contains(&rows[r as usize].strike));
    }
    let stray = at.faults.stray_strikes(at.symbol, at.rule);
    if stray > 0 {
        out.extend(stray_rows(bucket, rows, ladder, stray));
    }
}

/// The `zero_data_expiry` event of an expiry left with nothing.
pub fn zero_data_event(symbol: &str, date: NaiveDate, rule: String, ladder: &StrikeLadder, ts: i64) -> Event {
    Event::ZeroData(ZeroData {
        index: symbol.to_string(),
        expiry: Some(date.to_string()),
        rule,
        atm: ladder.atm,
        strike_count: ladder.strikes.len() as u32,
        ts,
        event: "zero_data_expiry",
    })
}

/// Last cycle's ladder match of one expiry: kept while the index's rows, the ladder and the date stay the
/// same (the match is a pure function of them), so an unchanged expiry skips the walk of its bucket.
#[derive(Default)]
pub struct MatchMemo {
    key: Option<(NaiveDate, Vec<f64>)>,
    matched: Vec<u32>,
}

pub fn fetch_instruments(
    config: Res<Config>,
    clock: Res<SimClock>,
    counter: Res<CycleCounter>,
    random: Res<RandomSource>,
    faults: Res<ActiveFaults>,
    universe: Res<Universe>,
    map: Res<ExpiryMap>,
    indices: Query<(&IndexOrder, &IndexInfo, &StrikeLadder)>,
    mut expiries: Query<(&ExpiryOrder, &Expiry, &ExpiryDate, &mut Candidates, &mut ExpiryOutcome)>,
    mut log: ResMut<EventLog>,
    mut memos: Local<Vec<MatchMemo>>,
) {
    let rows = universe.rows.as_slice();
    for (pos, (_, expiry, date, mut candidates, mut outcome)) in expiries.iter_mut().sort::<&ExpiryOrder>().enumerate()
    {
        candidates.0.clear();
        if memos.len() <= pos {
            memos.resize_with(pos + 1, MatchMemo::default);
        }
        let memo = &mut memos[pos];
        let Ok((order, info, ladder)) = indices.get(expiry.index) else { continue };
        if !universe.unchanged_for(order.0) {
            memo.key = None;
        }
        let symbol = info.meta.symbol.as_str();
        *outcome = ExpiryOutcome { strikes_requested: ladder.strikes.len() as u32, ..ExpiryOutcome::default() };
        let Some(date) = date.0 else {
            outcome.failure = Some(Failure::Unresolved);
            continue;
        };
        let rule = expiry.rule.to_string();
        if provider_answers(&faults, symbol, expiry.rule, ladder) {
            let scanned;
            let bucket: &[u32] = if config.expiry_map {
                map.bucket(order.0, date).unwrap_or_default()
            } else {
                scanned = scan_universe(rows, order.0, date);
                &scanned
            };
            if memo.key.as_ref().is_none_or(|(d, strikes)| *d != date || *strikes != ladder.strikes) {
                memo.matched = match_ladder(bucket, rows, ladder);
                memo.key = Some((date, ladder.strikes.clone()));
            }
            let fault = ExpiryFault { faults: &faults, symbol, rule: expiry.rule, random: &random, cycle: counter.0 };
            fetch_into(&mut candidates.0, &memo.matched, bucket, rows, ladder, &fault);
        }
        if candidates.0.is_empty() {
            outcome.failure = Some(Failure::NoInstruments);
            log.push(counter.0, zero_data_event(symbol, date, rule, ladder, clock.unix()));
        }
    }
}

/// Registers the fetch of instruments.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.add(Step::Fetch, fetch_instruments);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::OptionKind;
    use crate::world::RawExpiry;

    fn rows(strikes: &[f64]) -> Vec<UniverseRow> {
        strikes.iter().map(|&s| UniverseRow::option(s as u64, s, RawExpiry::Missing, 0, OptionKind::CE)).collect()
    }
    fn ladder() -> StrikeLadder {
        StrikeLadder { price: 100.0, synthetic: false, atm: 100.0, step: 10.0, strikes: vec![90.0, 100.0, 110.0] }
    }

    #[test]
    fn exact_ladder_match_in_provider_order() {
        let u = rows(&[80.0, 90.0, 95.0, 100.0, 110.0, 110.0, 120.0, 130.0]);
        let all: Vec<u32> = (0..u.len() as u32).collect();
        assert_eq!(match_ladder(&all, &u, &ladder()), vec![1, 3, 4, 5]);
        assert_eq!(stray_rows(&all, &u, &ladder(), 1), vec![6]);
        assert_eq!(stray_rows(&all, &u, &ladder(), 2), vec![6, 7]);
    }

    /// At any price the stray strikes are the ones above the top, never the top again (at 9e7 `top + 1e-9`
    /// is `top`), and the last step is kept however the steps round.
    #[test]
    fn stray_strikes_stay_above_the_ladder_at_any_price() {
        for (atm, step) in [(100.0, 10.0), (24_800.0, 50.0), (9e7, 0.5), (1.7e7, 50.0), (1e9, 100.0), (0.3, 0.1)] {
            let strikes = crate::cycle::ladder::build_ladder(atm, step, 2, 2);
            let top = *strikes.last().unwrap();
            let ladder = StrikeLadder { price: atm, synthetic: false, atm, step, strikes };
            let u = rows(&(-4..8).map(|i| atm + f64::from(i) * step).collect::<Vec<_>>());
            let all: Vec<u32> = (0..u.len() as u32).collect();
            let stray: Vec<f64> = stray_rows(&all, &u, &ladder, 3).iter().map(|&r| u[r as usize].strike).collect();
            assert_eq!(stray.len(), 3, "{atm}/{step}: {stray:?}");
            assert!(stray.iter().all(|s| *s > top), "{atm}/{step}: {stray:?} above {top}");
        }
    }

    /// The walking match finds what a lookup per row finds, whatever the rows' order (ascending runs, jumps
    /// down, duplicates, strikes off the ladder, below and above it, zero, negative and NaN).
    #[test]
    fn the_walking_match_equals_a_lookup_per_row() {
        let mut stream = Stream::new(4, "match", "", 0, "");
        for _ in 0..400 {
            let step = [50.0, 100.0, 0.5][stream.below(3) as usize];
            let atm = step * (stream.below(30) as f64 + 1.0);
            let strikes =
                super::super::ladder::build_ladder(atm, step, stream.below(25) as u32, stream.below(25) as u32);
            let ladder = StrikeLadder { price: atm, synthetic: false, atm, step, strikes };
            let mut strike = atm - 40.0 * step;
            let u: Vec<UniverseRow> = (0..stream.below(200))
                .map(|_| {
                    strike = match stream.below(10) {
                        0 => atm + step * (stream.below(80) as f64 - 40.0),
                        1 => [f64::NAN, 0.0, -0.0, -step][stream.below(4) as usize],
                        2 => strike,
                        3 => strike + step / 2.0,
                        _ => strike + step,
                    };
                    UniverseRow::option(0, strike, RawExpiry::Missing, 0, OptionKind::CE)
                })
                .collect();
            let all: Vec<u32> = (0..u.len() as u32).collect();
            let expected: Vec<u32> = all.iter().copied().filter(|&r| ladder.contains(u[r as usize].strike)).collect();
            assert_eq!(match_ladder(&all, &u, &ladder), expected);
        }
    }

    #[test]
    fn dropout_loses_an_exact_count() {
        let strikes: Vec<f64> = (0..21).map(|i| f64::from(i) * 50.0).collect();
        let mut s = Stream::new(1, "NIFTY", "this_week", 3, "strike_dropout");
        let lost = dropped_strikes(&strikes, 0.4, &mut s);
        assert_eq!(lost.len(), 8);
        assert!(dropped_strikes(&strikes, 0.0, &mut s).is_empty());
        assert_eq!(dropped_strikes(&strikes, 1.0, &mut s).len(), 21);
    }
}
