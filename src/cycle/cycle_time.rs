//! The cycle's elapsed time on the simulated clock (`cycle.py`'s `elapsed`), and its SLA breach.
//!
//! The time is a cost model over what the cycle did ([`cycle_time_s`]): a fixed part, a part per index, and
//! per expiry the provider's calls (its lookup, the instruments fetched, one quote request per `quote_batch`
//! quotes), the quotes handled, the ladder's strikes and the IV solves; a slow provider's latency adds to it.
//! The scenario's `cycle_time: (...)` sets the costs. The cycle breaches its SLA when it takes longer than
//! [`Config::sla_budget_s`]. The director starts the next cycle from it: an interval later, or later still when
//! the cycle took longer than the interval.
//!
//! A replayed cycle whose history recorded its elapsed time (`cycle_time_s`) took the recorded time: the
//! breach and strike scaling follow the recorded times. The cost model still gives each index's cost of a
//! strike per side ([`per_side_s`]), which strike scaling's restore guard weighs.

use super::greeks::ExpiryAnalytics;
use super::recorded::RecordedHistory;
use super::schedule::{CycleBuilder, Step};
use crate::calendar::ExpiryRule;
use crate::config::Config;
use crate::cycle::director::ActiveFaults;
use crate::events::CycleTime;
use crate::fault::Fault;
use crate::schema::CycleTimeSpec;
use crate::vocab::Failure;
use crate::world::{ClampMeta, Expiry, ExpiryOrder, ExpiryOutcome, IndexInfo, LastCycleTime, SimClock, StrikeLadder};
use bevy_ecs::prelude::*;

/// What one expiry did this cycle, as the cost model counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExpiryWork {
    /// Its rule resolved (a replay's recorded expiry did) and its ladder has strikes: the provider was asked
    /// for its instruments.
    pub fetched: bool,
    /// The ladder's strikes beside the ATM.
    pub strikes: u32,
    /// Instruments the provider returned (before the clamp).
    pub instruments: u32,
    /// Quotes asked for (after the clamp).
    pub quoted: u32,
    /// IV solves.
    pub greeks: u32,
    /// Seconds its fetches answered late (a slow provider).
    pub latency_s: f64,
}

impl ExpiryWork {
    /// An expiry's work from what its phases left: whether its rule `resolved`, its ladder's size, the clamp's original
    /// count when it cut the instruments (else the instruments kept), the instruments kept, the IV solves.
    pub fn of(
        resolved: bool,
        ladder_strikes: usize,
        clamp_original: Option<u32>,
        instruments: u32,
        greeks: u32,
        latency_s: f64,
    ) -> Self {
        ExpiryWork {
            fetched: resolved && ladder_strikes > 0,
            strikes: ladder_strikes.saturating_sub(1) as u32,
            instruments: clamp_original.unwrap_or(instruments),
            quoted: instruments,
            greeks,
            latency_s,
        }
    }
}

/// A cycle's elapsed seconds: `spec`'s costs over `indices` indices and the work of each expiry (summed in
/// expiry order, so that every path computing it gets the same bits).
pub fn cycle_time_s(spec: &CycleTimeSpec, indices: usize, expiries: impl IntoIterator<Item = ExpiryWork>) -> f64 {
    let mut t = spec.fixed_s + spec.per_index_s * indices as f64;
    for e in expiries {
        t += spec.per_expiry_s;
        if e.fetched {
            let calls = e.quoted.div_ceil(spec.quote_batch.max(1));
            t += spec.per_quote_call_s * f64::from(calls)
                + spec.per_instrument_s * f64::from(e.instruments)
                + spec.per_quote_s * f64::from(e.quoted)
                + spec.per_strike_s * f64::from(e.strikes);
        }
        t += spec.per_greeks_s * f64::from(e.greeks) + e.latency_s;
    }
    t
}

/// The seconds one more strike on one side of an index's ladder adds to a cycle in which `fetched` of its
/// expiries were fetched: per fetched expiry the strike, and its call and put fetched and quoted (quote
/// requests aside, which a strike changes only at a batch's edge).
pub fn per_side_s(spec: &CycleTimeSpec, fetched: u32) -> f64 {
    f64::from(fetched) * (spec.per_strike_s + 2.0 * (spec.per_instrument_s + spec.per_quote_s))
}

/// A cycle's elapsed seconds ([`cycle_time_s`]) from the work of its expiries, each given with its index's
/// position, and into `per_side` each index's [`per_side_s`] from its expiries fetched: what every path that
/// times a cycle calls.
pub fn time_cycle(
    spec: &CycleTimeSpec,
    indices: usize,
    work: impl IntoIterator<Item = (usize, ExpiryWork)>,
    per_side: &mut Vec<f64>,
) -> f64 {
    // Counts of fetched expiries first (whole numbers, exact in an f64), then their cost.
    per_side.clear();
    per_side.resize(indices, 0.0);
    let work = work.into_iter().map(|(index, e)| {
        if let Some(fetched) = per_side.get_mut(index) {
            *fetched += f64::from(u8::from(e.fetched));
        }
        e
    });
    let elapsed_s = cycle_time_s(spec, indices, work);
    for side in per_side.iter_mut() {
        *side = per_side_s(spec, *side as u32);
    }
    elapsed_s
}

/// The cycle time of `elapsed_s` against its SLA under `config`, for cycles `interval_s` apart.
pub fn judged(elapsed_s: f64, config: &Config, interval_s: u64) -> CycleTime {
    let sla_s = config.sla_budget_s(interval_s);
    CycleTime { elapsed_s, sla_s, breach: elapsed_s > sla_s }
}

impl ActiveFaults {
    /// The fraction of the interval each fetch of the expiry answers late: overlapping phases add up.
    pub fn slow_provider(&self, index: &str, rule: ExpiryRule) -> f64 {
        self.matching(index, Some(rule))
            .filter_map(|f| if let Fault::SlowProvider(r) = f { Some(r.get()) } else { None })
            .sum()
    }
}

/// The scenario's cost model.
#[derive(Resource, Debug, Clone, Copy)]
pub struct CycleCost(pub CycleTimeSpec);

/// Times the cycle that just ran: the cost model over what it did, or in a replay the recorded time when the
/// history recorded one.
#[allow(clippy::type_complexity)]
pub fn measure_cycle_time(
    config: Res<Config>,
    cost: Res<CycleCost>,
    clock: Res<SimClock>,
    active: Option<Res<ActiveFaults>>,
    history: Option<Res<RecordedHistory>>,
    indices: Query<(&IndexInfo, &StrikeLadder)>,
    expiries: Query<(&ExpiryOrder, &Expiry, &ExpiryOutcome, Option<&ClampMeta>, Option<&ExpiryAnalytics>)>,
    mut last: ResMut<LastCycleTime>,
) {
    let work = expiries.iter().sort::<&ExpiryOrder>().map(|(order, expiry, outcome, clamp, analytics)| {
        let (symbol, ladder) = match indices.get(expiry.index) {
            Ok((info, ladder)) => (info.meta.symbol.as_str(), ladder.strikes.len()),
            Err(_) => ("", 0),
        };
        let late = active.as_ref().map_or(0.0, |a| a.slow_provider(symbol, expiry.rule));
        let greeks = analytics.and_then(|a| a.0.as_ref()).map_or(0, |a| a.iv_success + a.iv_fail);
        let original = clamp.and_then(|c| c.0.as_ref()).map(|c| c.original);
        let resolved = outcome.failure != Some(Failure::Unresolved);
        let late_s = late * clock.interval_s as f64;
        (usize::from(order.0), ExpiryWork::of(resolved, ladder, original, outcome.instruments, greeks, late_s))
    });
    let mut per_side = std::mem::take(&mut last.per_side_s);
    let modelled_s = time_cycle(&cost.0, indices.iter().len(), work, &mut per_side);
    let elapsed_s = history.and_then(|h| h.cycle_time_s()).unwrap_or(modelled_s);
    *last = LastCycleTime { time: judged(elapsed_s, &config, clock.interval_s), per_side_s: per_side };
}

/// Registers the cycle-time phase: the cost model, the last cycle's time, and its measurement after the
/// adaptive step.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.world.insert_resource(CycleCost(cycle.seed.scenario.cycle_time));
    cycle.world.insert_resource(LastCycleTime::default());
    cycle.add(Step::CycleTime, measure_cycle_time);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One index, two expiries of 21 strikes and 42 instruments each, under the default costs.
    #[test]
    fn the_default_costs_time_a_small_cycle() {
        let e = ExpiryWork::of(true, 21, None, 42, 0, 0.0);
        assert_eq!((e.strikes, e.instruments, e.quoted), (20, 42, 42));
        let t = cycle_time_s(&CycleTimeSpec::default(), 1, [e, e]);
        assert!((t - (0.5 + 0.2 + 2.0 * (0.1 + 1.0 + 42.0 * 0.0002 + 42.0 * 0.001))).abs() < 1e-12, "{t}");
    }

    /// A quote request carries at most `quote_batch` instruments; nothing to quote, no request.
    #[test]
    fn quote_requests_are_batched() {
        let spec = CycleTimeSpec { fixed_s: 0.0, per_index_s: 0.0, per_expiry_s: 0.0, ..CycleTimeSpec::default() };
        let only_calls = CycleTimeSpec { per_instrument_s: 0.0, per_quote_s: 0.0, ..spec };
        let calls = |quoted: u32| cycle_time_s(&only_calls, 0, [ExpiryWork::of(true, 3, None, quoted, 0, 0.0)]);
        assert_eq!([calls(0), calls(1), calls(500), calls(501), calls(1000)], [0.0, 1.0, 1.0, 2.0, 2.0]);
    }

    /// An expiry whose rule did not resolve costs its lookup and its latency only; the clamp's original count
    /// is what was fetched, the kept instruments what was quoted.
    #[test]
    fn unfetched_expiries_cost_their_lookup() {
        let spec = CycleTimeSpec { fixed_s: 0.0, per_index_s: 0.0, per_strike_s: 1.0, ..CycleTimeSpec::default() };
        assert_eq!(cycle_time_s(&spec, 0, [ExpiryWork::of(false, 21, None, 0, 0, 30.0)]), 0.1 + 30.0);
        let clamped = ExpiryWork::of(true, 21, Some(600), 50, 0, 0.0);
        assert_eq!((clamped.instruments, clamped.quoted), (600, 50));
        let t = cycle_time_s(&spec, 0, [clamped]);
        assert!((t - (0.1 + 1.0 + 600.0 * 0.0002 + 50.0 * 0.001 + 20.0)).abs() < 1e-12, "{t}");
    }

    /// A slow provider's fractions of the interval add up over the expiries it scopes (and over overlapping
    /// phases); the next cycle starts an interval later, or after the whole cycle, in whole seconds.
    #[test]
    fn a_slow_provider_delays_the_next_cycle() {
        use crate::config::Ratio;
        use crate::cycle::director::ActiveFault;
        let r = |v| Ratio::new(v).unwrap();
        let faults = ActiveFaults(vec![
            ActiveFault { index: Some("NIFTY".into()), rule: None, fault: Fault::SlowProvider(r(0.5)) },
            ActiveFault { index: None, rule: Some(ExpiryRule::NextWeek), fault: Fault::SlowProvider(r(0.26)) },
        ]);
        assert_eq!(faults.slow_provider("NIFTY", ExpiryRule::ThisWeek), 0.5);
        assert_eq!(faults.slow_provider("NIFTY", ExpiryRule::NextWeek), 0.76);
        assert_eq!(faults.slow_provider("BANKNIFTY", ExpiryRule::ThisWeek), 0.0);
        let free = CycleTimeSpec { fixed_s: 0.0, per_index_s: 0.0, per_expiry_s: 0.0, ..CycleTimeSpec::default() };
        let late = |f: f64| ExpiryWork::of(false, 0, None, 0, 0, f * 60.0);
        // 0.5 x 60 + (0.5 + 0.26) x 60 + 0 = 75.6 s
        let elapsed = cycle_time_s(&free, 2, [late(0.5), late(0.76), late(0.0)]);
        assert!((elapsed - 75.6).abs() < 1e-9, "{elapsed}");
        let start = chrono::DateTime::parse_from_rfc3339("2025-10-06T09:15:00+05:30").unwrap();
        let mut clock = SimClock::new(start, 60);
        clock.next_cycle(3.2);
        assert_eq!(clock.now, clock.time_of(2).unwrap(), "a cycle within the interval keeps the interval");
        clock.next_cycle(elapsed);
        assert_eq!((clock.now - start).num_seconds(), 60 + 76, "an overrun, rounded up to whole seconds");
    }

    /// A replayed cycle whose history recorded its time took that long, its breach judged on it; a replayed
    /// cycle without one, like a simulated cycle, is timed by the cost model (no index: its fixed part).
    #[test]
    fn a_replayed_cycle_takes_its_recorded_time() {
        use crate::cycle::recorded::RecordedHistory;
        use crate::schema::RecordedCycle;
        let start = chrono::DateTime::parse_from_rfc3339("2025-10-06T09:15:00+05:30").unwrap();
        let recorded = |cycle, cycle_time_s| RecordedCycle {
            cycle,
            time: start,
            prices: Default::default(),
            expiries: Default::default(),
            cycle_time_s,
            memory_tier: None,
        };
        let mut world = World::new();
        world.insert_resource(Config::default());
        world.insert_resource(CycleCost(CycleTimeSpec::default()));
        world.insert_resource(SimClock::new(start, 60));
        world.insert_resource(LastCycleTime::default());
        let mut schedule = Schedule::default();
        schedule.add_systems(measure_cycle_time);
        let mut timed = |world: &mut World| {
            schedule.run(world);
            world.resource::<LastCycleTime>().time
        };
        let modelled = CycleTime { elapsed_s: 0.5, sla_s: 51.0, breach: false };
        assert_eq!(timed(&mut world), modelled, "a simulated cycle");
        let cycles = vec![recorded(1, Some(500.0)), recorded(2, None)];
        world.insert_resource(RecordedHistory { cycles: cycles.into(), current: Some(0) });
        assert_eq!(timed(&mut world), CycleTime { elapsed_s: 500.0, sla_s: 51.0, breach: true });
        world.resource_mut::<RecordedHistory>().current = Some(1);
        assert_eq!(timed(&mut world), modelled, "a replayed cycle without a recorded time");
    }

    /// The breach is strict, against the mode's budget: the scenario's interval by default, `G6_CYCLE_INTERVAL`
    /// in parity g6.
    #[test]
    fn a_breach_is_a_cycle_over_its_budget() {
        let mut config = Config { cooldown_clock_s: 100, ..Config::default() };
        assert_eq!(judged(51.0, &config, 60), CycleTime { elapsed_s: 51.0, sla_s: 51.0, breach: false });
        assert!(judged(51.5, &config, 60).breach);
        config.parity = crate::config::Parity::G6;
        assert_eq!(judged(51.5, &config, 60), CycleTime { elapsed_s: 51.5, sla_s: 85.0, breach: false });
    }
}
