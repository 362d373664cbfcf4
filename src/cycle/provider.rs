//! Phase 2: the simulated provider. Moves each index price along the scripted path, lists the expiries it
//! trades, and publishes the raw instrument universe: every listed expiry of every index (ascending strike,
//! CE before PE per strike, as the Kite provider orders them), plus scripted padding and invalid rows.
//!
//! Over an instruments dump ([`DumpUniverse`]) the listed expiries are the dump's (not past the simulated
//! day) and the universe is every row of the dump, in file order (equities, futures, other exchanges and
//! indices included: the expiry map skips them), then the same scripted rows: per listed expiry `Oversize`
//! duplicates spread over the dump's strikes of that series, and `InvalidExpiries` rows around the ATM.

use super::director::{ActiveFaults, Script};
use super::ladder::atm_strike;
use super::schedule::{CycleBuilder, Step};
use crate::calendar::listed_expiries;
use crate::fault::Fault;
use crate::registry::IndexMeta;
use crate::rng::mix_words;
use crate::schema::Market;
use crate::vocab::OptionKind;
use crate::world::{
    CycleCounter, DumpUniverse, IndexInfo, IndexOrder, ListedExpiries, RandomSource, RawExpiry, ReportedIndex,
    SimClock, Spot, Universe, UniverseChange, UniverseRow,
};
use bevy_ecs::prelude::*;
use chrono::NaiveDate;

/// Malformed expiries a provider may send; the expiry map must count and skip them.
pub const INVALID_EXPIRY_SAMPLES: [RawExpiry; 6] = [
    RawExpiry::Missing,
    RawExpiry::Text("2025-13-01"),
    RawExpiry::Text("25-Oct-2025"),
    RawExpiry::Text("07-10-2025"),
    RawExpiry::Text("2025-10-07T15:30:00"),
    RawExpiry::Text("not-a-date"),
];

/// The band the walk keeps the index price in: the loader's range of index prices (at most 1e9) and the
/// smallest synthetic ATM it accepts (0.01). Without it the walk at the loader's maximum drift leaves that
/// range after about 100 cycles and reaches inf (or 0, drifting down) within a few thousand.
pub const WALK_PRICE_BAND: (f64, f64) = (0.01, 1e9);

/// The next index price: a scripted level if there is one, else `spot x exp(drift + vol x z)`, kept inside
/// [`WALK_PRICE_BAND`]. Cycle 1 keeps the initial price unless a level is scripted for it.
pub fn next_spot(spot: f64, level: Option<f64>, cycle: u64, drift: f64, vol: f64, z: f64) -> f64 {
    match level {
        Some(price) => price,
        None if cycle <= 1 => spot,
        None => (spot * libm::exp(drift + vol * z)).clamp(WALK_PRICE_BAND.0, WALK_PRICE_BAND.1),
    }
}

/// One index's price after cycle `cycle`'s move along the scripted path ([`next_spot`], its normal draw from
/// the (index, cycle) `spot` stream).
pub fn spot_after(market: &Market, random: &RandomSource, symbol: &str, cycle: u64, spot: f64) -> f64 {
    let level =
        market.levels.iter().rev().find(|l| l.cycle == cycle && l.index.eq_ignore_ascii_case(symbol)).map(|l| l.price);
    let z = if market.volatility_per_cycle != 0.0 { random.stream(symbol, "", cycle, "spot").normal() } else { 0.0 };
    next_spot(spot, level, cycle, market.drift_per_cycle, market.volatility_per_cycle, z)
}

/// Moves each index price one cycle along its path.
pub fn move_market(
    script: Res<Script>,
    counter: Res<CycleCounter>,
    random: Res<RandomSource>,
    mut indices: Query<(&IndexInfo, &mut Spot)>,
) {
    for (info, mut spot) in &mut indices {
        spot.0 = spot_after(&script.market, &random, &info.meta.symbol, counter.0, spot.0);
    }
}

/// The provider's faults: they act on an index's whole universe.
impl ActiveFaults {
    /// The provider reports no index price or ATM for the index (`IndexPriceMissing`).
    pub fn index_price_missing(&self, index: &str) -> bool {
        self.matching(index, None).any(|f| matches!(f, Fault::IndexPriceMissing))
    }
    /// Padding rows per listed expiry of the index (`Oversize`, summed over active phases).
    pub fn oversize(&self, index: &str) -> u32 {
        self.matching(index, None).filter_map(|f| if let Fault::Oversize(n) = f { Some(*n) } else { None }).sum()
    }
    /// Rows with an invalid expiry added to the index's universe (`InvalidExpiries`, summed over active
    /// phases).
    pub fn invalid_expiries(&self, index: &str) -> u32 {
        self.matching(index, None).filter_map(|f| if let Fault::InvalidExpiries(n) = f { Some(*n) } else { None }).sum()
    }
}

/// What the provider reports for one index: its price and ATM, or nothing under `IndexPriceMissing`.
pub fn reported_index(faults: &ActiveFaults, meta: &IndexMeta, spot: f64) -> ReportedIndex {
    if faults.index_price_missing(&meta.symbol) {
        ReportedIndex::default()
    } else {
        ReportedIndex { price: spot, atm: atm_strike(spot, meta.step) }
    }
}

/// What the provider reports for each index.
pub fn report_index(faults: Res<ActiveFaults>, mut indices: Query<(&IndexInfo, &Spot, &mut ReportedIndex)>) {
    for (info, spot, mut reported) in &mut indices {
        *reported = reported_index(&faults, &info.meta, spot.0);
    }
}

/// Lists each index's expiries for the simulated date: the calendar's, or the dump's not past today.
pub fn list_expiries(
    script: Res<Script>,
    clock: Res<SimClock>,
    dump: Option<Res<DumpUniverse>>,
    mut indices: Query<(&IndexOrder, &IndexInfo, &mut ListedExpiries)>,
) {
    let p = &script.provider;
    let today = clock.today();
    for (order, info, mut listed) in &mut indices {
        match &dump {
            Some(dump) => {
                listed.0.clear();
                listed.0.extend(dump.listed(order.0, today));
            }
            None => listed.0 = listed_expiries(today, info.meta.weekly_dow, p.weeks_listed, p.months_listed),
        }
    }
}

/// The token key of one (index, expiry) series; [`token`] mixes a row into it.
pub fn series_key(index: u16, expiry: Option<NaiveDate>) -> u64 {
    let day = expiry.map_or(u64::MAX, |d| d.num_days_from_ce() as u64);
    mix_words(&[u64::from(index), day])
}

/// An instrument token: a stable mix of (series, strike, kind, duplicate number). The same instrument
/// gets the same token every cycle, which is how its entity is found again.
pub fn token(series: u64, strike: f64, kind: OptionKind, dup: u32) -> u64 {
    mix_words(&[series ^ strike.to_bits(), u64::from(kind == OptionKind::PE) | u64::from(dup) << 1])
}

use chrono::Datelike;

/// Appends one index's rows for one listed expiry: `2 x strikes_per_side + 1` strikes around the
/// provider's ATM, CE then PE, each strike followed by its share of `padding` duplicate rows.
pub fn push_expiry_rows(
    rows: &mut impl Extend<UniverseRow>,
    index: u16,
    expiry: NaiveDate,
    atm: f64,
    step: f64,
    per_side: u32,
    padding: u32,
) {
    let n = 2 * per_side + 1;
    let series = series_key(index, Some(expiry));
    for i in 0..n {
        let strike = atm + (f64::from(i) - f64::from(per_side)) * step;
        if strike <= 0.0 {
            continue;
        }
        push_strike_rows(rows, series, index, expiry, strike, padding_share(padding, n, i));
    }
}

/// One strike's rows of an expiry's series (`series_key`): CE, PE, then its `share` of padding rows.
pub fn push_strike_rows(
    rows: &mut impl Extend<UniverseRow>,
    series: u64,
    index: u16,
    expiry: NaiveDate,
    strike: f64,
    share: u32,
) {
    rows.extend(
        [OptionKind::CE, OptionKind::PE].map(|kind| {
            UniverseRow::option(token(series, strike, kind, 0), strike, RawExpiry::Date(expiry), index, kind)
        }),
    );
    push_padding(rows, series, index, expiry, strike, share);
}

/// Strike `i` of `n`'s share of `padding` duplicate rows (the first `padding % n` strikes take one more).
fn padding_share(padding: u32, n: u32, i: u32) -> u32 {
    padding / n + u32::from(i < padding % n)
}

/// `share` duplicate rows of one strike, alternately CE and PE.
fn push_padding(
    rows: &mut impl Extend<UniverseRow>,
    series: u64,
    index: u16,
    expiry: NaiveDate,
    strike: f64,
    share: u32,
) {
    rows.extend((0..share).map(|dup| {
        let kind = if dup % 2 == 0 { OptionKind::CE } else { OptionKind::PE };
        let token = token(series, strike, kind, dup / 2 + 1);
        UniverseRow::option(token, strike, RawExpiry::Date(expiry), index, kind)
    }));
}

/// Appends `padding` duplicate rows for one series of a dump, spread over its `strikes` as over a synthetic
/// series' strikes.
pub fn push_dump_padding(
    rows: &mut impl Extend<UniverseRow>,
    index: u16,
    expiry: NaiveDate,
    strikes: &[f64],
    padding: u32,
) {
    let Ok(n) = u32::try_from(strikes.len()) else { return };
    if n == 0 || padding == 0 {
        return;
    }
    let series = series_key(index, Some(expiry));
    for (i, &strike) in (0..n).zip(strikes) {
        push_padding(rows, series, index, expiry, strike, padding_share(padding, n, i));
    }
}

/// Appends `count` rows with a missing or malformed expiry, at strikes around the ATM.
pub fn push_invalid_rows(rows: &mut impl Extend<UniverseRow>, index: u16, atm: f64, step: f64, count: u32) {
    rows.extend((0..count).map(|k| {
        let strike = atm + f64::from(k % 5) * step;
        let kind = if k % 2 == 0 { OptionKind::CE } else { OptionKind::PE };
        let expiry = INVALID_EXPIRY_SAMPLES[k as usize % INVALID_EXPIRY_SAMPLES.len()];
        UniverseRow::option(token(series_key(index, None), strike, kind, k), strike, expiry, index, kind)
    }));
}

/// Writes rows over a slice in order (an index's rows rewritten in place), noting whether they fit exactly.
struct Overwrite<'a> {
    slice: &'a mut [UniverseRow],
    written: usize,
    overflow: bool,
}

impl Extend<UniverseRow> for Overwrite<'_> {
    fn extend<I: IntoIterator<Item = UniverseRow>>(&mut self, rows: I) {
        for row in rows {
            match self.slice.get_mut(self.written) {
                Some(slot) => {
                    *slot = row;
                    self.written += 1;
                }
                None => self.overflow = true,
            }
        }
    }
}

impl Overwrite<'_> {
    fn exact(&self) -> bool {
        !self.overflow && self.written == self.slice.len()
    }
}

/// What one index's share of the universe was generated from, and how many rows it has: when none of the
/// inputs changed (the ATM moves only when the price crosses a strike step) its rows stand, and when they
/// did, rows as many as before are written over the old ones in place.
#[derive(Default)]
pub struct UniverseSegment {
    key: Option<SegmentKey>,
    len: usize,
}

#[derive(Clone, PartialEq)]
struct SegmentKey {
    index: u16,
    atm: u64,
    step: u64,
    per_side: u32,
    padding: u32,
    invalid: u32,
    listed: Vec<NaiveDate>,
}

/// Generates one index's rows from its key into `rows`.
fn generate(rows: &mut impl Extend<UniverseRow>, key: &SegmentKey, dump: Option<&DumpUniverse>) {
    let (atm, step) = (f64::from_bits(key.atm), f64::from_bits(key.step));
    for &expiry in &key.listed {
        match dump {
            Some(dump) => push_dump_padding(rows, key.index, expiry, dump.strikes(key.index, expiry), key.padding),
            None => push_expiry_rows(rows, key.index, expiry, atm, step, key.per_side, key.padding),
        }
    }
    push_invalid_rows(rows, key.index, atm, step, key.invalid);
}

/// Publishes this cycle's raw universe (the allocation is reused across cycles, and each index's rows
/// are regenerated only when their inputs changed). Over a dump, an index's own rows are only the scripted
/// ones, after the dump's. Without one, an index whose regenerated rows are as many as before is written
/// over its old rows in place, and [`Universe::change`] names it, so the expiry map rebuilds only that index.
pub fn publish_universe(
    script: Res<Script>,
    faults: Res<ActiveFaults>,
    dump: Option<Res<DumpUniverse>>,
    indices: Query<(&IndexOrder, &IndexInfo, &Spot, &ListedExpiries)>,
    mut universe: ResMut<Universe>,
    mut segments: Local<Vec<UniverseSegment>>,
) {
    let per_side = script.provider.strikes_per_side;
    let dump = dump.as_deref();
    let keys: Vec<SegmentKey> = indices
        .iter()
        .sort::<&IndexOrder>()
        .map(|(order, info, spot, listed)| {
            let padding = faults.oversize(&info.meta.symbol);
            let invalid = faults.invalid_expiries(&info.meta.symbol);
            // Over a dump the price reaches the rows only through the invalid ones.
            let (atm, step) = match (dump, invalid) {
                (Some(_), 0) => (0.0, 0.0),
                _ => (atm_strike(spot.0, info.meta.step), info.meta.step),
            };
            SegmentKey {
                index: order.0,
                atm: atm.to_bits(),
                step: step.to_bits(),
                per_side,
                padding,
                invalid,
                listed: listed.0.clone(),
            }
        })
        .collect();
    let universe = &mut *universe;
    let dump_rows = dump.map_or(0, |d| d.rows.len());
    // The universe holds exactly what the segments describe (not so in a new world, or after a failed rewrite).
    let laid_out = segments.len() == keys.len()
        && universe.rows.len() == dump_rows + segments.iter().map(|s| s.len).sum::<usize>();
    let dirty: Vec<usize> =
        (0..keys.len()).filter(|&p| segments.get(p).and_then(|s| s.key.as_ref()) != Some(&keys[p])).collect();
    if laid_out && dirty.is_empty() {
        // Unchanged inputs: last cycle's universe stands.
        universe.change = UniverseChange::Unchanged;
        return;
    }
    // Over a dump an index's rows are not one range (its options are among the dump's rows): any change there
    // rebuilds the whole universe.
    if laid_out && dump.is_none() {
        let mut changed = Vec::with_capacity(dirty.len());
        for &pos in &dirty {
            let start: usize = segments[..pos].iter().map(|s| s.len).sum();
            let end = start + segments[pos].len;
            let mut rows = Overwrite { slice: &mut universe.rows[start..end], written: 0, overflow: false };
            generate(&mut rows, &keys[pos], None);
            if !rows.exact() {
                changed.clear();
                break;
            }
            segments[pos].key = Some(keys[pos].clone());
            changed.push((keys[pos].index, start as u32..end as u32));
        }
        if changed.len() == dirty.len() {
            universe.change = UniverseChange::Indices(changed);
            return;
        }
    }
    universe.rows.clear();
    if let Some(dump) = dump {
        universe.rows.extend_from_slice(&dump.rows);
    }
    segments.clear();
    for key in keys {
        let start = universe.rows.len();
        generate(&mut universe.rows, &key, dump);
        segments.push(UniverseSegment { len: universe.rows.len() - start, key: Some(key) });
    }
    universe.change = UniverseChange::All;
}

/// Registers the simulated provider: the universe it publishes (and, over an instruments dump, the dump's
/// rows), then moving and reporting prices, listing expiries and publishing the universe.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.world.insert_resource(Universe::default());
    if let Some(dump) = cycle.seed.universe {
        let indices = &cycle.seed.scenario.indices;
        let positions: Vec<(&str, u16)> =
            indices.iter().enumerate().map(|(i, spec)| (spec.symbol.trim(), i as u16)).collect();
        let rows = dump.universe_rows(&positions);
        cycle.world.insert_resource(DumpUniverse::new(rows, indices.len()));
    }
    cycle.add(Step::Provider, (move_market, report_index, list_expiries, publish_universe).chain());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_provider_order_with_padding_interleaved() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 9).unwrap();
        let mut rows = Vec::new();
        push_expiry_rows(&mut rows, 0, d, 24800.0, 50.0, 2, 7);
        assert_eq!(rows.len(), 5 * 2 + 7);
        assert!(rows.windows(2).all(|w| w[0].strike <= w[1].strike), "ascending strikes");
        assert_eq!((rows[0].kind, rows[1].kind), (OptionKind::CE, OptionKind::PE));
        assert_eq!(rows[0].strike, 24700.0);
        let mut tokens: Vec<u64> = rows.iter().map(|r| r.token).collect();
        tokens.sort_unstable();
        tokens.dedup();
        assert_eq!(tokens.len(), rows.len(), "tokens are unique");
    }

    #[test]
    fn dump_padding_spreads_like_synthetic_padding() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 9).unwrap();
        let strikes: Vec<f64> = (0..5).map(|i| 24700.0 + f64::from(i) * 50.0).collect();
        let mut synthetic = Vec::new();
        push_expiry_rows(&mut synthetic, 0, d, 24800.0, 50.0, 2, 7);
        let mut padded = Vec::new();
        push_dump_padding(&mut padded, 0, d, &strikes, 7);
        assert_eq!(padded.len(), 7);
        // The synthetic series' padding rows are the same rows (its ladder rows are the two per strike).
        let synthetic_padding: Vec<UniverseRow> = synthetic
            .iter()
            .filter(|r| r.token != token(series_key(0, Some(d)), r.strike, r.kind, 0))
            .copied()
            .collect();
        assert_eq!(padded, synthetic_padding);
        assert!(padded.iter().all(|r| r.skip.is_none() && r.index == 0));
        let mut none = Vec::new();
        push_dump_padding(&mut none, 0, d, &[], 7);
        assert!(none.is_empty(), "a series the dump does not have gets no padding");
    }

    #[test]
    fn invalid_rows_cycle_through_the_samples() {
        let mut rows = Vec::new();
        push_invalid_rows(&mut rows, 1, 54000.0, 100.0, 7);
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[0].expiry, RawExpiry::Missing);
        assert_eq!(rows[6].expiry, RawExpiry::Missing);
        assert_eq!(rows[1].expiry, RawExpiry::Text("2025-13-01"));
    }

    #[test]
    fn spot_path() {
        assert_eq!(next_spot(100.0, None, 1, 0.1, 0.1, 1.0), 100.0);
        assert_eq!(next_spot(100.0, Some(120.0), 1, 0.0, 0.0, 0.0), 120.0);
        assert!((next_spot(100.0, None, 2, 0.01, 0.0, 0.0) - 100.0 * 0.01f64.exp()).abs() < 1e-9);
    }

    #[test]
    fn the_walk_stays_in_its_band_at_the_loaders_extremes() {
        for (drift, z) in [(0.1, 3.0), (-0.1, -3.0), (0.1, 0.0), (-0.1, 0.0)] {
            let price = (2..=10_000).fold(24800.0, |p, cycle| next_spot(p, None, cycle, drift, 0.5, z));
            let edge = if drift > 0.0 { WALK_PRICE_BAND.1 } else { WALK_PRICE_BAND.0 };
            assert_eq!(price, edge, "drift {drift}, z {z}");
        }
        // A scripted level is the price, whatever the band.
        assert_eq!(next_spot(24800.0, Some(1e-300), 5, 0.0, 0.0, 0.0), 1e-300);
    }
}
