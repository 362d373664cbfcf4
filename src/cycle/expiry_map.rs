//! Phase 3, B1: the expiry map. The universe is grouped once per cycle into, per index, expiry date ->
//! universe rows (insertion-ordered buckets, rows untouched), counting and skipping invalid expiries.
//!
//! Normalisation follows `expiry_map.py`: a date is itself; text is accepted only as strict `YYYY-MM-DD`;
//! anything else, or a missing expiry, is invalid. The reference builds one map per index from that
//! index's universe; g6sim's universe spans every index, so the buckets are keyed by (index, expiry),
//! which is the same map per index. Stats per index: `total, unique_expiries, invalid_expiry, valid,
//! avg_per_expiry`. Unlike the reference (which only counts them, although the backlog says "counted &
//! logged"), skipped rows are also reported: an `expiry_map_build` event whenever an index had any.
//!
//! Rows of no index of the run (a dump's equities, futures, other exchanges and indices, and its invalid
//! rows: [`UniverseRow::skip`]) are skipped first, at the cost of one branch, and counted per reason in
//! [`ExpiryMap::skipped`]; a `bad_expiry` row of a run's index is an invalid expiry of that index.

use super::schedule::{CycleBuilder, Step};
use crate::calendar::parse_iso_date;
use crate::config::Config;
use crate::events::MapStats;
use crate::events::{Event, ExpiryMapBuild};
use crate::vocab::SkipCounts;
use crate::world::{CycleCounter, EventLog, IndexInfo, IndexOrder, RawExpiry, Universe, UniverseChange, UniverseRow};
use bevy_ecs::prelude::*;
use chrono::NaiveDate;

/// One index's buckets, in first-seen order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexBuckets {
    pub buckets: Vec<(NaiveDate, Vec<u32>)>,
    pub stats: MapStats,
}

impl IndexBuckets {
    /// Empties the buckets (keeping their allocations) and the stats.
    fn clear(&mut self) {
        self.stats = MapStats::default();
        for (_, bucket) in &mut self.buckets {
            bucket.clear();
        }
    }

    /// Adds the rows of `index` among `rows[range]`, in order.
    fn add_rows(&mut self, rows: &[UniverseRow], range: std::ops::Range<usize>, index: u16) {
        for run in runs(rows, range) {
            let row = &rows[run.start];
            if row.skip.is_none() && row.index == index {
                self.add_run(&row.expiry, run);
            }
        }
    }

    /// Adds a run of rows of this index that share one raw expiry: normalized once, bucketed at once.
    fn add_run(&mut self, expiry: &RawExpiry, run: std::ops::Range<usize>) {
        let n = run.len() as u32;
        self.stats.total += n;
        let Some(date) = normalize_expiry(expiry) else {
            self.stats.invalid_expiry += n;
            return;
        };
        let slot = self.slot(date);
        self.buckets[slot].1.extend(run.start as u32..run.end as u32);
    }

    /// The bucket of `date`, added last when new.
    fn slot(&mut self, date: NaiveDate) -> usize {
        match self.buckets.iter().position(|(d, _)| *d == date) {
            Some(slot) => slot,
            None => {
                self.buckets.push((date, Vec::new()));
                self.buckets.len() - 1
            }
        }
    }

    /// Drops emptied buckets and derives the stats.
    fn finish(&mut self) {
        self.buckets.retain(|(_, rows)| !rows.is_empty());
        let s = &mut self.stats;
        s.unique_expiries = self.buckets.len() as u32;
        s.valid = s.total - s.invalid_expiry;
        s.avg_per_expiry = if s.unique_expiries == 0 { 0.0 } else { f64::from(s.valid) / f64::from(s.unique_expiries) };
    }
}

/// The expiry map of this cycle, one entry per index position.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct ExpiryMap {
    pub indices: Vec<IndexBuckets>,
    /// Rows of no index of the run, per reason.
    pub skipped: SkipCounts,
}

/// The expiry of a raw row, if it is valid.
pub fn normalize_expiry(raw: &RawExpiry) -> Option<NaiveDate> {
    match raw {
        RawExpiry::Date(d) => Some(*d),
        RawExpiry::Text(t) => parse_iso_date(t.trim()),
        RawExpiry::Missing => None,
    }
}

impl ExpiryMap {
    /// Builds the map in one pass over the universe. Buckets hold row positions in universe order.
    #[cfg(any(test, feature = "internals"))]
    pub fn build(rows: &[UniverseRow], index_count: usize) -> Self {
        let mut map = ExpiryMap { indices: vec![IndexBuckets::default(); index_count], skipped: SkipCounts::default() };
        map.rebuild(rows);
        map
    }

    /// Brings the map up to date with a universe that changed by `change` since the map was built from it.
    pub fn update(&mut self, rows: &[UniverseRow], change: &UniverseChange) {
        match change {
            UniverseChange::All => self.rebuild(rows),
            UniverseChange::Unchanged => {}
            UniverseChange::Indices(changed) => {
                for (index, range) in changed {
                    let Some(ix) = self.indices.get_mut(usize::from(*index)) else { continue };
                    ix.clear();
                    ix.add_rows(rows, range.start as usize..range.end as usize, *index);
                    ix.finish();
                }
            }
        }
    }

    /// Rebuilds in place, reusing the bucket allocations of the previous cycle where dates repeat.
    pub fn rebuild(&mut self, rows: &[UniverseRow]) {
        for ix in &mut self.indices {
            ix.clear();
        }
        self.skipped = SkipCounts::default();
        for run in runs(rows, 0..rows.len()) {
            let row = &rows[run.start];
            if let Some(reason) = row.skip {
                self.skipped.add_n(reason, run.len() as u64);
                continue;
            }
            if let Some(ix) = self.indices.get_mut(usize::from(row.index)) {
                ix.add_run(&row.expiry, run);
            }
        }
        for ix in &mut self.indices {
            ix.finish();
        }
    }

    /// The rows of one index's expiry (`None`: no such bucket).
    pub fn bucket(&self, index: u16, date: NaiveDate) -> Option<&[u32]> {
        let ix = self.indices.get(usize::from(index))?;
        ix.buckets.iter().find(|(d, _)| *d == date).map(|(_, rows)| rows.as_slice())
    }

    pub fn stats(&self, index: u16) -> MapStats {
        self.indices.get(usize::from(index)).map(|i| i.stats).unwrap_or_default()
    }
}

/// The runs of consecutive rows in `range` that share their index, raw expiry and skip reason: a provider
/// sends an expiry's rows together, so the map handles each run once instead of each row.
fn runs(rows: &[UniverseRow], range: std::ops::Range<usize>) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let end = range.end;
    let mut start = range.start;
    std::iter::from_fn(move || {
        if start >= end {
            return None;
        }
        let head = &rows[start];
        let same = |r: &UniverseRow| r.index == head.index && r.skip == head.skip && r.expiry == head.expiry;
        let len = 1 + rows[start + 1..end].iter().take_while(|r| same(r)).count();
        let run = start..start + len;
        start += len;
        Some(run)
    })
}

/// The path without the map (`expiry_map = false`): scan the whole universe for one expiry.
pub fn scan_universe(rows: &[UniverseRow], index: u16, date: NaiveDate) -> Vec<u32> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| r.skip.is_none() && r.index == index && normalize_expiry(&r.expiry) == Some(date))
        .map(|(pos, _)| pos as u32)
        .collect()
}

/// Builds the map (when enabled) and reports skipped rows.
pub fn build_expiry_map(
    config: Res<Config>,
    universe: Res<Universe>,
    counter: Res<CycleCounter>,
    indices: Query<(&IndexOrder, &IndexInfo)>,
    mut map: ResMut<ExpiryMap>,
    mut log: ResMut<EventLog>,
) {
    let count = indices.iter().count();
    // The map is a pure function of the universe: only what changed since last cycle is rebuilt (an
    // unchanged universe keeps it whole; see `publish_universe`).
    if map.indices.len() != count {
        map.indices = vec![IndexBuckets::default(); count];
        map.rebuild(&universe.rows);
    } else {
        map.update(&universe.rows, &universe.change);
    }
    for (order, info) in indices.iter().sort::<&IndexOrder>() {
        let stats = map.stats(order.0);
        let report = config.trace || (!config.parity.is_g6() && stats.invalid_expiry > 0);
        if report {
            let event = ExpiryMapBuild { index: info.meta.symbol.clone(), unique: stats.unique_expiries, stats };
            log.push(counter.0, Event::ExpiryMapBuild(event));
        }
    }
}

/// Registers the expiry map (B1).
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.world.insert_resource(ExpiryMap::default());
    cycle.add(Step::ExpiryMap, build_expiry_map);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::OptionKind;

    fn row(index: u16, expiry: RawExpiry, strike: f64) -> UniverseRow {
        UniverseRow::option(strike as u64, strike, expiry, index, OptionKind::CE)
    }
    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    #[test]
    fn reference_cases() {
        // Three rows, one expiry (date and text forms) -> one bucket of 3.
        let rows = [
            row(0, RawExpiry::Date(d("2025-10-09")), 1.0),
            row(0, RawExpiry::Text("2025-10-09"), 2.0),
            row(0, RawExpiry::Date(d("2025-10-09")), 3.0),
        ];
        let map = ExpiryMap::build(&rows, 1);
        assert_eq!(map.bucket(0, d("2025-10-09")), Some(&[0u32, 1, 2][..]));
        assert_eq!(
            map.stats(0),
            MapStats { total: 3, unique_expiries: 1, invalid_expiry: 0, valid: 3, avg_per_expiry: 3.0 }
        );
        // Mixed valid and invalid: valid 2, invalid 3.
        let rows = [
            row(0, RawExpiry::Date(d("2025-10-09")), 1.0),
            row(0, RawExpiry::Text("2025-10-16"), 2.0),
            row(0, RawExpiry::Text("2025-13-01"), 3.0),
            row(0, RawExpiry::Text("not-a-date"), 4.0),
            row(0, RawExpiry::Missing, 5.0),
        ];
        let stats = ExpiryMap::build(&rows, 1).stats(0);
        assert_eq!((stats.valid, stats.invalid_expiry, stats.unique_expiries), (2, 3, 2));
        assert_eq!(stats.avg_per_expiry, 1.0);
        // Empty universe.
        assert_eq!(ExpiryMap::build(&[], 1).stats(0), MapStats::default());
    }

    #[test]
    fn keyed_per_index_and_equal_to_the_scan() {
        let rows = [
            row(0, RawExpiry::Date(d("2025-10-09")), 1.0),
            row(1, RawExpiry::Date(d("2025-10-09")), 2.0),
            row(0, RawExpiry::Date(d("2025-10-16")), 3.0),
            row(0, RawExpiry::Date(d("2025-10-09")), 4.0),
        ];
        let map = ExpiryMap::build(&rows, 2);
        assert_eq!(map.bucket(0, d("2025-10-09")), Some(&[0u32, 3][..]));
        assert_eq!(map.bucket(1, d("2025-10-09")), Some(&[1u32][..]));
        assert_eq!(map.bucket(1, d("2025-10-16")), None);
        for (ix, date) in [(0, "2025-10-09"), (0, "2025-10-16"), (1, "2025-10-09")] {
            assert_eq!(map.bucket(ix, d(date)).unwrap(), scan_universe(&rows, ix, d(date)).as_slice());
        }
        // Rows of no index of the run are counted per reason, never bucketed.
        let mut skipped = row(0, RawExpiry::Date(d("2025-10-09")), 9.0);
        skipped.skip = Some(crate::vocab::SkipReason::NotAnOption);
        skipped.index = UniverseRow::NO_INDEX;
        let with_skipped = [rows[0], skipped, skipped];
        let map2 = ExpiryMap::build(&with_skipped, 2);
        assert_eq!(map2.bucket(0, d("2025-10-09")), Some(&[0u32][..]));
        assert_eq!((map2.stats(0).total, map2.skipped.total()), (1, 2));
        assert_eq!(map2.skipped.get(crate::vocab::SkipReason::NotAnOption), 2);
        assert_eq!(scan_universe(&with_skipped, 0, d("2025-10-09")), vec![0]);
        // Rebuilding over a different universe drops stale buckets.
        let mut map = map;
        map.rebuild(&rows[..1]);
        assert_eq!(map.bucket(0, d("2025-10-16")), None);
        let mut map2 = map2;
        map2.rebuild(&rows[..1]);
        assert_eq!(map2.skipped.total(), 0, "counts start again");
        assert_eq!(map.stats(1).total, 0);
    }

    #[test]
    fn updating_the_indices_that_changed_equals_a_full_rebuild() {
        use crate::cycle::provider::{push_expiry_rows, push_invalid_rows};
        let (w1, w2) = (d("2025-10-09"), d("2025-10-16"));
        let segment = |index: u16, atm: f64, dates: &[NaiveDate], invalid: u32| {
            let mut rows = Vec::new();
            for &date in dates {
                push_expiry_rows(&mut rows, index, date, atm, 50.0, 3, 4);
            }
            push_invalid_rows(&mut rows, index, atm, 50.0, invalid);
            rows
        };
        let before = [segment(0, 24800.0, &[w1, w2], 2), segment(1, 54000.0, &[w1], 0), segment(2, 100.0, &[w2], 1)];
        // Index 1's ATM moves (same row count), and its rows now carry other expiries too.
        let after = [before[0].clone(), segment(1, 54050.0, &[w2], 0), before[2].clone()];
        let flat = |s: &[Vec<UniverseRow>]| s.concat();
        let mut map = ExpiryMap::build(&flat(&before), 3);
        let start = before[0].len() as u32;
        let change = UniverseChange::Indices(vec![(1, start..start + after[1].len() as u32)]);
        map.update(&flat(&after), &change);
        assert_eq!(map, ExpiryMap::build(&flat(&after), 3));
        map.update(&flat(&after), &UniverseChange::Unchanged);
        assert_eq!(map, ExpiryMap::build(&flat(&after), 3));
    }
}
