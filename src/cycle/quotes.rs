//! Phase 6b: instruments become entities and get quotes.
//!
//! Each fetched row is matched by token to the expiry's existing instrument entities: a persisting
//! instrument is reused (only its quote changes), a new one is spawned, and one that dropped out is
//! despawned. Quotes are Black–Scholes prices on the simulated spot (tick 0.05), with seeded volume and
//! open interest that fall off away from the ATM, and an `avg_price` near the last price. A field dropout
//! zeroes one of volume / oi / avg_price in exactly `round(ratio x n)` quotes (zero counts as missing).
//! Under `QuotesMissing` placeholder quotes stand in (B4); parity g6 keeps one per `exchange:tradingsymbol`,
//! as the reference's dict does, so duplicate instrument rows get no quote (and no entity) of their own.

use super::director::{ActiveFaults, Script};
use super::greeks::OptionAnalytics;
use super::schedule::{CycleBuilder, Step};
use crate::calendar::ExpiryRule;
use crate::config::Config;
use crate::events::{Event, SyntheticQuotesFallback};
use crate::fault::Fault;
use crate::pricing::ExpiryTerms;
use crate::pyjson::round_to;
use crate::registry::IndexMeta;
use crate::rng::{Stream, below_of, unit_of};
use crate::schema::Market;
use crate::synthetic::{SyntheticInput, SyntheticQuote, build_synthetic_quotes, distinct_keys, tradingsymbol};
use crate::vocab::OptionKind;
use crate::world::{
    Candidates, CycleCounter, EventLog, Expiry, ExpiryDate, ExpiryOrder, ExpiryOutcome, IndexInfo, Instrument,
    InstrumentSet, Member, Quote, RandomSource, SimClock, SpawnOrder, Spot, Universe, UniverseRow,
};
use bevy_ecs::prelude::*;
use chrono::NaiveDate;

/// Quote enrichment's faults: they act on one expiry.
impl ActiveFaults {
    /// Fraction of quotes missing one of volume / oi / avg_price (`FieldDropout`, the largest active one).
    pub fn field_dropout(&self, index: &str, rule: ExpiryRule) -> f64 {
        self.matching(index, Some(rule))
            .filter_map(|f| if let Fault::FieldDropout(r) = f { Some(r.get()) } else { None })
            .fold(0.0, f64::max)
    }
    /// Quote enrichment returns nothing for this expiry (`QuotesMissing`).
    pub fn quotes_missing(&self, index: &str, rule: ExpiryRule) -> bool {
        self.matching(index, Some(rule)).any(|f| matches!(f, Fault::QuotesMissing))
    }
}

/// Market inputs of one expiry's quotes.
#[derive(Clone, Copy, Debug)]
pub struct PricingInputs<'a> {
    pub spot: f64,
    pub t_years: f64,
    pub market: &'a Market,
    pub rate: f64,
    pub tick: f64,
    pub lot: u32,
}

/// One quote: Black–Scholes on the market's volatility surface, rounded to the tick (at least one tick);
/// volume and open interest in whole lots, seeded, falling off away from the ATM; `avg_price` near the
/// last price.
#[cfg(test)]
pub fn quote_for(kind: OptionKind, strike: f64, p: PricingInputs, stream: &mut Stream) -> Quote {
    quote_at(Pricing::of(kind, strike, p), p, stream)
}

/// The deterministic part of a quote: the tick-rounded Black–Scholes price and the liquidity factor of one
/// (strike, kind) on an expiry's inputs. Duplicate rows of an instrument share it, so it is computed once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pricing {
    pub last_price: f64,
    pub liquidity: f64,
}

impl Pricing {
    /// One (strike, kind) alone: the definition [`Pricing::pair`] is tested against.
    #[cfg(test)]
    pub fn of(kind: OptionKind, strike: f64, p: PricingInputs) -> Self {
        let sigma = p.market.vol_at(p.spot, strike, p.t_years);
        let price = crate::pricing::bs_price(kind, p.spot, strike, p.t_years, sigma, p.rate);
        Self::from_price(price, strike, p)
    }

    /// The call's and the put's pricing at one strike, `[CE, PE]` (equal to `Pricing::of` for each, with
    /// the volatility, `d1`, `d2` and liquidity computed once).
    pub fn pair(strike: f64, terms: &ExpiryTerms, p: PricingInputs) -> [Self; 2] {
        let sigma = p.market.vol_at(p.spot, strike, p.t_years);
        let [call, put] = terms.price_pair(strike, sigma);
        let liquidity = Self::liquidity(strike, p);
        [Self::with_liquidity(call, liquidity, p), Self::with_liquidity(put, liquidity, p)]
    }

    #[cfg(test)]
    fn from_price(price: f64, strike: f64, p: PricingInputs) -> Self {
        Self::with_liquidity(price, Self::liquidity(strike, p), p)
    }

    fn with_liquidity(price: f64, liquidity: f64, p: PricingInputs) -> Self {
        Pricing { last_price: round_to_tick(price, p.tick).max(p.tick), liquidity }
    }

    fn liquidity(strike: f64, p: PricingInputs) -> f64 {
        let moneyness = ((strike - p.spot) / p.spot).abs();
        0.05 + libm::exp(-moneyness / 0.02)
    }
}

/// Prices an expiry's rows, computing the call and the put of a strike together ([`Pricing::pair`]) once
/// per run of equal strikes: rows arrive in provider order (ascending strike, duplicates next to their
/// instrument).
pub struct PricingCache {
    terms: ExpiryTerms,
    last: Option<(u64, [Pricing; 2])>,
}

impl PricingCache {
    pub fn new(p: PricingInputs) -> Self {
        Self { terms: ExpiryTerms::new(p.spot, p.t_years, p.rate), last: None }
    }

    pub fn get(&mut self, kind: OptionKind, strike: f64, p: PricingInputs) -> Pricing {
        let pair = match self.last {
            Some((bits, pair)) if bits == strike.to_bits() => pair,
            _ => {
                let pair = Pricing::pair(strike, &self.terms, p);
                self.last = Some((strike.to_bits(), pair));
                pair
            }
        };
        pair[usize::from(kind == OptionKind::PE)]
    }
}

/// A quote from its [`Pricing`]: the seeded volume, open interest and `avg_price` (see [`quote_for`]).
#[cfg(test)]
pub fn quote_at(pricing: Pricing, p: PricingInputs, stream: &mut Stream) -> Quote {
    let words = [(); QUOTE_WORDS].map(|_| stream.word());
    quote_of(pricing, p, words)
}

/// The random words one quote draws: volume, open interest, `avg_price`.
pub const QUOTE_WORDS: usize = 3;

/// `quote_at` from its drawn words (an expiry draws all its quotes' words at once: `Stream::words`).
pub fn quote_of(pricing: Pricing, p: PricingInputs, [volume, oi, avg]: [u64; QUOTE_WORDS]) -> Quote {
    let Pricing { last_price, liquidity } = pricing;
    let lot = u64::from(p.lot.max(1));
    let volume = lot * (1 + (below_of(volume, 400) as f64 * liquidity) as u64);
    let oi = lot * (10 + (below_of(oi, 4000) as f64 * liquidity) as u64);
    let avg_price = round_to(last_price * (1.0 + (unit_of(avg) - 0.5) * 0.01), 2).max(p.tick);
    Quote { last_price: round_to(last_price, 2), volume, oi, avg_price, synthetic: false }
}

/// `price` rounded to the nearest multiple of `tick`; unchanged when the tick is so fine that the count of
/// ticks overflows (a tick of 1e-320 would otherwise make every price infinite).
pub fn round_to_tick(price: f64, tick: f64) -> f64 {
    let ticks = (price / tick).round();
    if ticks.is_finite() { ticks * tick } else { price }
}

impl From<&SyntheticQuote> for Quote {
    /// A placeholder has no `avg_price`: it counts as missing.
    fn from(q: &SyntheticQuote) -> Self {
        Quote { last_price: q.last_price, volume: q.volume, oi: q.oi, avg_price: 0.0, synthetic: q.synthetic_quote }
    }
}

/// The placeholders the synthetic strategy stands in with for the `candidates` (positions in `rows`) of an
/// index's expiry `date` when enrichment returns nothing: one each, every field 0 (parity g6 keeps the first
/// of each key, [`distinct_keys`]).
pub fn placeholders(
    candidates: &[u32],
    rows: &[UniverseRow],
    meta: &IndexMeta,
    date: NaiveDate,
    unix: i64,
) -> Vec<SyntheticQuote> {
    let inputs: Vec<SyntheticInput> = candidates
        .iter()
        .map(|&r| {
            let row = &rows[r as usize];
            SyntheticInput {
                exchange: meta.exchange_pool.clone(),
                tradingsymbol: tradingsymbol(&meta.symbol, date, row.strike, row.kind),
                strike: row.strike,
                kind: row.kind,
            }
        })
        .collect();
    build_synthetic_quotes(&inputs, unix)
}

/// The quotes a field dropout of `ratio` hits among `n`: exactly `round(ratio x n)`, chosen by the stream.
pub fn field_dropout_picks(n: usize, ratio: f64, stream: &mut Stream) -> Vec<usize> {
    let k = (ratio * n as f64).round() as usize;
    stream.choose(n, k)
}

/// Zeroes one field in each quote [`field_dropout_picks`] chooses (which field: the stream's next draw).
pub fn apply_field_dropout(quotes: &mut [Quote], ratio: f64, stream: &mut Stream) {
    for i in field_dropout_picks(quotes.len(), ratio, stream) {
        match stream.below(3) {
            0 => quotes[i].volume = 0,
            1 => quotes[i].oi = 0,
            _ => quotes[i].avg_price = 0.0,
        }
    }
}

/// Buffers [`fetch_quotes`] reuses from cycle to cycle.
#[derive(Default)]
pub struct QuoteBuffers {
    /// Last cycle's table of the expiry being quoted, when its instruments changed.
    old: Vec<Member>,
    /// `old`'s (token, position) pairs in token order, to find a returning instrument.
    by_token: Vec<(u64, u32)>,
    /// Which members of `old` came back.
    used: Vec<bool>,
    /// This cycle's quotes, one per quoted row.
    fresh: Vec<Quote>,
    /// The random words of an expiry's quotes, and scratch bytes for them.
    words: Vec<u64>,
    bytes: Vec<u8>,
    /// New instrument entities (with their expiry's table position), spawned once every expiry is matched.
    pending: Vec<NewInstrument>,
}

pub fn fetch_quotes(
    mut commands: Commands,
    config: Res<Config>,
    script: Res<Script>,
    clock: Res<SimClock>,
    counter: Res<CycleCounter>,
    random: Res<RandomSource>,
    faults: Res<ActiveFaults>,
    universe: Res<Universe>,
    indices: Query<(&IndexInfo, &Spot)>,
    mut expiries: Query<(
        Entity,
        &ExpiryOrder,
        &Expiry,
        &ExpiryDate,
        &Candidates,
        &mut InstrumentSet,
        &mut ExpiryOutcome,
    )>,
    mut log: ResMut<EventLog>,
    order: Res<SpawnOrder>,
    mut buffers: Local<QuoteBuffers>,
) {
    let today = clock.today();
    let QuoteBuffers { old, by_token, used, fresh, words, bytes, pending } = &mut *buffers;
    pending.clear();
    for (expiry_entity, _, expiry, date, candidates, mut set, mut outcome) in expiries.iter_mut().sort::<&ExpiryOrder>()
    {
        let mut instruments = 0;
        let mut quoted_rows: &[u32] = &[];
        let mut collapsed: Option<Vec<u32>> = None;
        if let (Some(date), Ok((info, spot))) = (date.0, indices.get(expiry.index)) {
            let symbol = info.meta.symbol.as_str();
            let rule_token = expiry.rule.token();
            let rule = rule_token.as_ref();
            let inputs = PricingInputs {
                spot: spot.0,
                t_years: (date - today).num_days().max(0) as f64 / 365.0,
                market: &script.market,
                rate: script.market.risk_free_rate(),
                tick: info.meta.tick_size,
                lot: info.meta.lot_size,
            };
            random.stream(symbol, rule, counter.0, "quotes").words(QUOTE_WORDS * candidates.0.len(), bytes, words);
            instruments = candidates.0.len();
            // The rows that get a quote (and an entity): every candidate, unless placeholders collapse.
            let mut cache = PricingCache::new(inputs);
            fresh.clear();
            fresh.extend(candidates.0.iter().zip(words.chunks_exact(QUOTE_WORDS)).map(|(&r, w)| {
                let row = &universe.rows[r as usize];
                quote_of(cache.get(row.kind, row.strike, inputs), inputs, [w[0], w[1], w[2]])
            }));
            let dropout = faults.field_dropout(symbol, expiry.rule);
            if dropout > 0.0 {
                apply_field_dropout(fresh, dropout, &mut random.stream(symbol, rule, counter.0, "field_dropout"));
            }
            if faults.quotes_missing(symbol, expiry.rule) && !candidates.0.is_empty() {
                // Enrichment returned nothing: the synthetic strategy's placeholders stand in (B4).
                let placeholders = placeholders(&candidates.0, &universe.rows, &info.meta, date, clock.unix());
                fresh.clear();
                if config.parity.is_g6() {
                    let keep = distinct_keys(&placeholders);
                    fresh.extend(keep.iter().map(|&i| Quote::from(&placeholders[i])));
                    collapsed = Some(keep.iter().map(|&i| candidates.0[i]).collect());
                } else {
                    fresh.extend(placeholders.iter().map(Quote::from));
                }
                outcome.synthetic = true;
                let event = SyntheticQuotesFallback {
                    index: symbol.to_string(),
                    rule: rule.to_string(),
                    count: fresh.len() as u32,
                    ts: clock.unix(),
                };
                log.push(counter.0, Event::SyntheticQuotesFallback(event));
            }
            quoted_rows = collapsed.as_deref().unwrap_or(&candidates.0);
        }
        let rows = &universe.rows;
        let same = set.0.len() == quoted_rows.len()
            && set.0.iter().zip(quoted_rows).all(|(m, &r)| m.token == rows[r as usize].token);
        if same {
            // The same instruments in the same order (the steady state): only the quotes change.
            for (member, quote) in set.0.iter_mut().zip(fresh.iter()) {
                member.quote = *quote;
            }
        } else {
            // Rebuild the table in provider order, reusing the entity of each instrument that came back.
            std::mem::swap(old, &mut set.0);
            set.0.clear();
            by_token.clear();
            by_token.extend(old.iter().enumerate().map(|(i, m)| (m.token, i as u32)));
            by_token.sort_unstable();
            used.clear();
            used.resize(old.len(), false);
            for (&r, &quote) in quoted_rows.iter().zip(fresh.iter()) {
                let row = &rows[r as usize];
                let start = by_token.partition_point(|(t, _)| *t < row.token);
                let back = by_token[start..].iter().take_while(|(t, _)| *t == row.token).map(|(_, i)| *i as usize);
                let entity = match back.clone().find(|&i| !used[i]).or_else(|| back.clone().next()) {
                    Some(i) => {
                        used[i] = true;
                        old[i].entity
                    }
                    None => {
                        let instrument = Instrument {
                            expiry: expiry_entity,
                            token: row.token,
                            strike: row.strike,
                            kind: row.kind,
                            expiry_date: date.0.unwrap_or_default(),
                        };
                        pending.push(NewInstrument { instrument, slot: set.0.len() });
                        Entity::PLACEHOLDER
                    }
                };
                set.0.push(Member { token: row.token, entity, strike: row.strike, kind: row.kind, quote });
            }
            for (member, used) in old.iter().zip(used.iter()) {
                if !used {
                    commands.entity(member.entity).despawn();
                }
            }
        }
        outcome.instruments = instruments as u32;
        outcome.options = set.0.len() as u32;
    }
    // New instruments are spawned once every expiry is matched, in the world's spawn order, and take
    // their place (held by a placeholder) in their expiry's set.
    if *order == SpawnOrder::Reverse {
        pending.reverse();
    }
    for new in pending.drain(..) {
        let entity = commands.spawn((new.instrument, OptionAnalytics::default())).id();
        if let Ok((.., mut set, _)) = expiries.get_mut(new.instrument.expiry)
            && let Some(member) = set.0.get_mut(new.slot)
        {
            member.entity = entity;
        }
    }
}

/// An instrument entity to spawn at the end of [`fetch_quotes`].
pub struct NewInstrument {
    instrument: Instrument,
    /// Its position in its expiry's table.
    slot: usize,
}

/// Registers the quotes phase.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.add(Step::Quotes, fetch_quotes);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKET: Market = Market {
        drift_per_cycle: 0.0,
        volatility_per_cycle: 0.0,
        implied_vol: 0.15,
        skew: -0.1,
        smile: 0.5,
        term_slope: 0.0,
        risk_free_rate: 0.05,
        levels: Vec::new(),
    };
    const P: PricingInputs =
        PricingInputs { spot: 24800.0, t_years: 7.0 / 365.0, market: &MARKET, rate: 0.05, tick: 0.05, lot: 75 };

    #[test]
    fn quotes_have_every_field_and_respect_the_tick() {
        let mut s = Stream::new(1, "NIFTY", "this_week", 1, "quotes");
        for strike in [22000.0, 24800.0, 27000.0] {
            for kind in [OptionKind::CE, OptionKind::PE] {
                let q = quote_for(kind, strike, P, &mut s);
                assert!(q.last_price >= 0.05 && q.volume > 0 && q.oi > 0 && q.avg_price > 0.0, "{q:?}");
                assert!(q.volume.is_multiple_of(75) && q.oi.is_multiple_of(75), "whole lots: {q:?}");
                assert!(((q.last_price / 0.05) - (q.last_price / 0.05).round()).abs() < 1e-6);
            }
        }
        let atm = quote_for(OptionKind::CE, 24800.0, P, &mut s);
        assert!(atm.last_price > 100.0 && atm.last_price < 400.0, "{atm:?}");
    }

    #[test]
    fn the_pricing_cache_matches_pricing_each_row() {
        for p in [P, PricingInputs { t_years: 0.0, ..P }, PricingInputs { spot: 31_337.5, ..P }] {
            let mut cache = PricingCache::new(p);
            for strike in [24700.0, 24700.0, 24750.0, 24750.0, 24700.0, f64::NAN, f64::NAN, -0.0, 0.0, 1e9] {
                for kind in [OptionKind::CE, OptionKind::PE, OptionKind::CE] {
                    let (a, b) = (cache.get(kind, strike, p), Pricing::of(kind, strike, p));
                    assert_eq!(
                        (a.last_price.to_bits(), a.liquidity.to_bits()),
                        (b.last_price.to_bits(), b.liquidity.to_bits())
                    );
                }
            }
        }
    }

    #[test]
    fn quotes_from_words_drawn_at_once_equal_quotes_drawn_one_by_one() {
        let strikes: Vec<f64> = (0..50).map(|i| 23_800.0 + 50.0 * f64::from(i / 2)).collect();
        let mut one = Stream::new(8, "NIFTY", "this_week", 4, "quotes");
        let (mut bytes, mut words) = (Vec::new(), Vec::new());
        Stream::new(8, "NIFTY", "this_week", 4, "quotes").words(QUOTE_WORDS * strikes.len(), &mut bytes, &mut words);
        for (i, (&strike, w)) in strikes.iter().zip(words.chunks_exact(QUOTE_WORDS)).enumerate() {
            let kind = if i % 2 == 0 { OptionKind::CE } else { OptionKind::PE };
            let pricing = Pricing::of(kind, strike, P);
            assert_eq!(quote_at(pricing, P, &mut one), quote_of(pricing, P, [w[0], w[1], w[2]]), "row {i}");
        }
    }

    #[test]
    fn a_tick_too_fine_to_count_leaves_the_price_finite() {
        assert_eq!(round_to_tick(123.456, 0.05), 123.45);
        assert_eq!(round_to_tick(123.456, 1e-320), 123.456);
        let q = quote_for(
            OptionKind::CE,
            24800.0,
            PricingInputs { tick: 1e-320, ..P },
            &mut Stream::new(1, "N", "w", 1, "q"),
        );
        assert!(q.last_price.is_finite() && q.avg_price.is_finite() && q.last_price > 100.0, "{q:?}");
    }

    #[test]
    fn field_dropout_zeroes_an_exact_count() {
        let mut s = Stream::new(1, "NIFTY", "this_week", 1, "quotes");
        let mut quotes: Vec<Quote> =
            (0..20).map(|i| quote_for(OptionKind::CE, 24000.0 + f64::from(i) * 50.0, P, &mut s)).collect();
        apply_field_dropout(&mut quotes, 0.5, &mut Stream::new(1, "NIFTY", "this_week", 1, "field_dropout"));
        let missing = quotes.iter().filter(|q| q.volume == 0 || q.oi == 0 || q.avg_price == 0.0).count();
        assert_eq!(missing, 10);
    }
}
