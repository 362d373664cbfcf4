//! Phase 5, B6: the prefilter safety valve. Caps the instruments of one index's expiry at
//! `max(50, prefilter_max_instruments)` (default 2500) and reports each clamp with a `prefilter_clamp`
//! event carrying the reference's fields.
//!
//! Which instruments survive:
//! - parity g6, `head`: the first `max` in provider order (ascending strike, so the highest strikes go,
//!   and strike coverage collapses when duplicates pile up at each strike);
//! - default, `ladder_spread`: every (strike, type) pair's first instrument before any duplicate, nearest
//!   the ATM first; ties by strike, type, token. Independent of provider order, and strike coverage is
//!   kept whenever `max` allows one call and one put per ladder strike.

use super::schedule::{CycleBuilder, Step};
use crate::config::Config;
use crate::events::{Clamp, ClampStrategy};
use crate::vocab::OptionKind;
use crate::world::{
    Candidates, ClampMeta, CycleCounter, EventLog, Expiry, ExpiryDate, ExpiryOrder, IndexInfo, IndexOrder, SimClock,
    StrikeLadder, Universe, UniverseRow,
};
use bevy_ecs::prelude::*;

/// Whether a clamp fires: `Some(max_allowed)` when enabled and `n > max_allowed`.
pub fn clamp_limit(n: usize, config: &Config) -> Option<usize> {
    let max = config.prefilter_max_allowed();
    (!config.prefilter_disable && n > max).then_some(max)
}

/// The clamp that kept `kept` of `original` instruments, its limit `max`, as the configuration reports it
/// (its strategy, and whether a strict clamp marks the expiry).
pub fn clamp_of(original: usize, kept: usize, max: usize, config: &Config) -> Clamp {
    Clamp::new(original, kept, max, ClampStrategy::of(config), config.prefilter_clamp_strict)
}

/// The survivors of a clamp to `max`, returned in provider order.
pub fn select(rows: &[u32], universe: &[UniverseRow], atm: f64, max: usize, strategy: ClampStrategy) -> Vec<u32> {
    #[cfg(test)]
    let max = if super::planted::planted(super::planted::Bug::ClampKeepsOneMore) { max + 1 } else { max };
    match strategy {
        ClampStrategy::Head => rows.iter().copied().take(max).collect(),
        ClampStrategy::LadderSpread => {
            // Each row's rank within its (strike, type) pair, pairs ordered by token: sorting plain keys
            // copied out of the universe once, not rows looked up at every comparison.
            let mut by_pair: Vec<(u64, bool, u64, u32)> = rows
                .iter()
                .map(|&r| {
                    let row = &universe[r as usize];
                    (row.strike.to_bits(), row.kind == OptionKind::PE, row.token, r)
                })
                .collect();
            by_pair.sort_unstable();
            // (rank, distance to the ATM, strike, type, token, row): the survivors are the `max` smallest.
            let mut ranked: Vec<(u32, u64, u64, bool, u64, u32)> = Vec::with_capacity(by_pair.len());
            let mut rank = 0;
            for (i, &(strike_bits, pe, token, r)) in by_pair.iter().enumerate() {
                let same_pair = i > 0 && by_pair[i - 1].0 == strike_bits && by_pair[i - 1].1 == pe;
                rank = if same_pair { rank + 1 } else { 0 };
                let strike = f64::from_bits(strike_bits);
                ranked.push((rank, total_order((strike - atm).abs()), total_order(strike), pe, token, r));
            }
            if max < ranked.len() {
                ranked.select_nth_unstable(max);
                ranked.truncate(max);
            }
            let mut keep: Vec<u32> = ranked.into_iter().map(|k| k.5).collect();
            keep.sort_unstable(); // universe positions are provider order
            keep
        }
    }
}

/// A key that orders floats as [`f64::total_cmp`] does.
fn total_order(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// Last cycle's clamp of one expiry: its input rows and survivors, kept while the index's rows are
/// unchanged ([`select`] is a pure function of the rows, the ATM, the maximum and the strategy).
#[derive(Default)]
pub struct ClampMemo {
    key: Option<(u64, usize, ClampStrategy)>,
    input: Vec<u32>,
    kept: Vec<u32>,
}

/// Clamps each expiry's instruments and reports it.
pub fn apply_prefilter_clamp(
    config: Res<Config>,
    clock: Res<SimClock>,
    counter: Res<CycleCounter>,
    universe: Res<Universe>,
    indices: Query<(&IndexOrder, &IndexInfo, &StrikeLadder)>,
    mut expiries: Query<(&ExpiryOrder, &Expiry, &ExpiryDate, &mut Candidates, &mut ClampMeta)>,
    mut log: ResMut<EventLog>,
    mut memos: Local<Vec<ClampMemo>>,
) {
    let strategy = ClampStrategy::of(&config);
    for (pos, (_, expiry, date, mut candidates, mut meta)) in expiries.iter_mut().sort::<&ExpiryOrder>().enumerate() {
        meta.0 = None;
        if memos.len() <= pos {
            memos.resize_with(pos + 1, ClampMemo::default);
        }
        let memo = &mut memos[pos];
        let Ok((order, info, ladder)) = indices.get(expiry.index) else { continue };
        if !universe.unchanged_for(order.0) {
            memo.key = None;
        }
        let original = candidates.0.len();
        let Some(max) = clamp_limit(original, &config) else { continue };
        let key = Some((ladder.atm.to_bits(), max, strategy));
        if memo.key != key || memo.input != candidates.0 {
            memo.kept = select(&candidates.0, &universe.rows, ladder.atm, max, strategy);
            memo.input.clone_from(&candidates.0);
            memo.key = key;
        }
        candidates.0.clone_from(&memo.kept);
        let clamp = clamp_of(original, candidates.0.len(), max, &config);
        log.push(counter.0, clamp.event(&info.meta.symbol, date.0, expiry.rule, clock.unix()));
        meta.0 = Some(clamp);
    }
}

/// Registers the prefilter clamp (B6).
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.add(Step::Clamp, apply_prefilter_clamp);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::RawExpiry;

    fn cfg(max: u32, disable: bool) -> Config {
        Config { prefilter_max_instruments: max, prefilter_disable: disable, ..Config::default() }
    }

    #[test]
    fn limits_follow_the_references_tests() {
        assert_eq!(clamp_limit(100, &cfg(120, false)), None);
        assert_eq!(clamp_limit(300, &cfg(120, false)), Some(120));
        assert_eq!(clamp_limit(200, &cfg(80, true)), None, "disabled");
        assert_eq!(clamp_limit(120, &cfg(60, false)), Some(60));
        assert_eq!(clamp_limit(20, &cfg(50, false)), None, "under the floor");
        assert_eq!(clamp_limit(30, &cfg(5, false)), None, "floor 50 leaves 30 rows untouched");
        assert_eq!(clamp_limit(51, &cfg(5, false)), Some(50));
        assert_eq!(clamp_limit(2500, &Config::default()), None);
        assert_eq!(clamp_limit(2501, &Config::default()), Some(2500));
    }

    /// Three strikes, each CE and PE with two duplicates: 12 rows in provider order.
    fn universe() -> Vec<UniverseRow> {
        let mut rows = Vec::new();
        for (i, strike) in [90.0, 100.0, 110.0].into_iter().enumerate() {
            for dup in 0..2u64 {
                for kind in [OptionKind::CE, OptionKind::PE] {
                    let token = i as u64 * 10 + dup * 2 + u64::from(kind == OptionKind::PE);
                    rows.push(UniverseRow::option(token, strike, RawExpiry::Missing, 0, kind));
                }
            }
        }
        rows
    }

    #[test]
    fn head_keeps_provider_order_and_loses_high_strikes() {
        let u = universe();
        let all: Vec<u32> = (0..u.len() as u32).collect();
        let kept = select(&all, &u, 100.0, 6, ClampStrategy::Head);
        assert_eq!(kept, vec![0, 1, 2, 3, 4, 5]);
        let strikes: std::collections::BTreeSet<u64> = kept.iter().map(|&r| u[r as usize].strike as u64).collect();
        assert_eq!(strikes.len(), 2, "110 is gone");
    }

    #[test]
    fn ladder_spread_keeps_every_strike_and_ignores_provider_order() {
        let u = universe();
        let all: Vec<u32> = (0..u.len() as u32).collect();
        let kept = select(&all, &u, 100.0, 6, ClampStrategy::LadderSpread);
        let pairs: std::collections::BTreeSet<(u64, OptionKind)> =
            kept.iter().map(|&r| (u[r as usize].strike as u64, u[r as usize].kind)).collect();
        assert_eq!(pairs.len(), 6, "one CE and one PE per strike");
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(select(&reversed, &u, 100.0, 6, ClampStrategy::LadderSpread), kept);
        // With room for only two, the ATM pair wins.
        let two = select(&all, &u, 100.0, 2, ClampStrategy::LadderSpread);
        assert!(two.iter().all(|&r| u[r as usize].strike == 100.0));
    }

    #[test]
    fn ladder_spread_equals_the_comparator_sort() {
        let mut stream = crate::rng::Stream::new(5, "clamp", "", 0, "");
        for case in 0..200u64 {
            let n = 1 + stream.below(300) as usize;
            let rows: Vec<UniverseRow> = (0..n)
                .map(|_| {
                    let token = stream.below(1 << 40);
                    let strike = 100.0 + 5.0 * stream.below(9) as f64 - if case % 7 == 0 { 300.0 } else { 0.0 };
                    let kind = if stream.below(2) == 0 { OptionKind::CE } else { OptionKind::PE };
                    UniverseRow::option(token, strike, RawExpiry::Missing, 0, kind)
                })
                .collect();
            let rows: Vec<UniverseRow> = rows
                .into_iter()
                .enumerate()
                .map(|(i, r)| UniverseRow { token: r.token * 1000 + i as u64, ..r }) // unique, as provider tokens are
                .collect();
            let all: Vec<u32> = (0..n as u32).collect();
            let atm = 95.0 + stream.below(20) as f64;
            let max = stream.below(n as u64 + 2) as usize;
            assert_eq!(
                select(&all, &rows, atm, max, ClampStrategy::LadderSpread),
                select_by_comparator(&all, &rows, atm, max, ClampStrategy::LadderSpread),
                "case {case}"
            );
        }
    }

    /// The clamp as first written (a sort with a comparator): the oracle [`select`] must agree with.
    fn select_by_comparator(
        rows: &[u32],
        universe: &[UniverseRow],
        atm: f64,
        max: usize,
        strategy: ClampStrategy,
    ) -> Vec<u32> {
        match strategy {
            ClampStrategy::Head => rows.iter().copied().take(max).collect(),
            ClampStrategy::LadderSpread => {
                let row = |r: u32| &universe[r as usize];
                let key = |r: u32| (row(r).strike.to_bits(), row(r).kind, row(r).token);
                // Rank of each row within its (strike, type) pair.
                let mut by_pair: Vec<u32> = rows.to_vec();
                by_pair.sort_unstable_by_key(|&r| key(r));
                let mut ranked: Vec<(u32, u32)> = Vec::with_capacity(by_pair.len());
                for (i, &r) in by_pair.iter().enumerate() {
                    let same_pair = i > 0 && {
                        let (a, b) = (row(by_pair[i - 1]), row(r));
                        a.strike == b.strike && a.kind == b.kind
                    };
                    let rank = if same_pair { ranked[i - 1].0 + 1 } else { 0 };
                    ranked.push((rank, r));
                }
                ranked.sort_unstable_by(|&(ra, a), &(rb, b)| {
                    let dist = |r: u32| (row(r).strike - atm).abs();
                    ra.cmp(&rb)
                        .then(dist(a).total_cmp(&dist(b)))
                        .then(row(a).strike.total_cmp(&row(b).strike))
                        .then((row(a).kind == OptionKind::PE).cmp(&(row(b).kind == OptionKind::PE)))
                        .then(row(a).token.cmp(&row(b).token))
                });
                let mut keep: Vec<u32> = ranked.into_iter().take(max).map(|(_, r)| r).collect();
                keep.sort_unstable(); // universe positions are provider order
                keep
            }
        }
    }
}

/// Properties of the clamp over arbitrary universes of one expiry.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::vocab::OptionKind;
    use crate::world::{RawExpiry, UniverseRow};
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    const ATM: f64 = 24800.0;
    const STEP: f64 = 50.0;

    /// A universe of one expiry in provider order (ascending strike, CE before PE, duplicates after), from
    /// (strike offset from the ATM, put, duplicates) triples; tokens are unique.
    fn universe() -> impl Strategy<Value = Vec<UniverseRow>> {
        prop::collection::vec((-12i32..=12, any::<bool>(), 1u64..=4), 0..=160).prop_map(|pairs| {
            let mut keys: Vec<(i32, bool, u64)> = pairs;
            keys.sort_by_key(|&(o, pe, _)| (o, pe));
            keys.dedup_by_key(|&mut (o, pe, _)| (o, pe));
            let mut rows = Vec::new();
            for (offset, pe, copies) in keys {
                for dup in 0..copies {
                    let kind = if pe { OptionKind::PE } else { OptionKind::CE };
                    let strike = ATM + f64::from(offset) * STEP;
                    rows.push(UniverseRow::option(rows.len() as u64 * 7 + dup, strike, RawExpiry::Missing, 0, kind));
                }
            }
            rows
        })
    }

    fn pair(row: &UniverseRow) -> (i64, OptionKind) {
        (row.strike as i64, row.kind)
    }

    proptest! {
        #![proptest_config(crate::rng::proptest_config(256))]

        /// Both modes (the limit does not depend on the mode): a clamp fires exactly when enabled and the
        /// expiry has more than `max(50, prefilter_max_instruments)`; its ceiling is never under the floor.
        #[test]
        fn clamp_fires_over_the_floored_ceiling(n in 0usize..5000, max in prop_oneof![0u32..200, any::<u32>()], off: bool) {
            let config = Config { prefilter_max_instruments: max, prefilter_disable: off, ..Config::default() };
            let limit = clamp_limit(n, &config);
            let ceiling = (max as usize).max(50);
            prop_assert_eq!(limit, (!off && n > ceiling).then_some(ceiling));
            if let Some(l) = limit {
                prop_assert!(l >= 50 && l < n);
            }
        }

        /// Both strategies (head is parity g6's, ladder_spread the default's): the survivors are exactly
        /// `max` distinct rows of the input (so kept <= max, kept + dropped = original, and the floor of 50
        /// holds), in provider order.
        #[test]
        fn clamp_keeps_max_distinct_rows_in_provider_order(
            u in universe(),
            max_instruments in 0u32..=200,
            strategy in prop_oneof![Just(ClampStrategy::Head), Just(ClampStrategy::LadderSpread)],
        ) {
            let rows: Vec<u32> = (0..u.len() as u32).collect();
            let config = Config { prefilter_max_instruments: max_instruments, ..Config::default() };
            let Some(max) = clamp_limit(rows.len(), &config) else {
                prop_assert!(rows.len() <= (max_instruments as usize).max(50));
                return Ok(());
            };
            let kept = select(&rows, &u, ATM, max, strategy);
            let dropped = rows.len() - kept.len();
            prop_assert_eq!(kept.len(), max);
            prop_assert!(kept.len() >= 50 && kept.len() + dropped == rows.len() && dropped > 0);
            prop_assert!(kept.windows(2).all(|w| w[0] < w[1]), "provider order, no duplicate: {:?}", kept);
            prop_assert!(kept.iter().all(|r| (*r as usize) < u.len()));
            if strategy == ClampStrategy::Head {
                prop_assert_eq!(&kept[..], &rows[..max], "head keeps the first rows");
            }
        }

        /// Default mode only (`ladder_spread`; parity g6's head clamp keeps provider order instead, quirk 10):
        /// the survivors do not depend on provider order, every (strike, type) pair survives when `max` leaves
        /// room for one each, and otherwise the surviving pairs are the ones nearest the ATM.
        #[test]
        fn ladder_spread_keeps_the_nearest_pairs_whatever_the_order(
            u in universe(),
            max in 1usize..=120,
            order: u64,
        ) {
            let rows: Vec<u32> = (0..u.len() as u32).collect();
            let kept = select(&rows, &u, ATM, max, ClampStrategy::LadderSpread);
            prop_assert_eq!(kept.len(), max.min(rows.len()));
            // The same rows in another order.
            let mut shuffled = rows.clone();
            let mut state = order | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(select(&shuffled, &u, ATM, max, ClampStrategy::LadderSpread), kept.clone());
            let all: BTreeSet<(i64, OptionKind)> = u.iter().map(pair).collect();
            let survivors: BTreeSet<(i64, OptionKind)> = kept.iter().map(|&r| pair(&u[r as usize])).collect();
            if all.len() <= max {
                prop_assert_eq!(&survivors, &all, "room for every pair");
            } else {
                prop_assert_eq!(survivors.len(), max, "one row per pair before any duplicate");
                let dist = |p: &(i64, OptionKind)| (p.0 as f64 - ATM).abs();
                let farthest_kept = survivors.iter().map(dist).fold(0.0, f64::max);
                let nearest_dropped = all.difference(&survivors).map(dist).fold(f64::INFINITY, f64::min);
                prop_assert!(farthest_kept <= nearest_dropped, "{farthest_kept} > {nearest_dropped}");
            }
        }
    }
}
