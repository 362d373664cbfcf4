//! Phase 7b: implied volatility and Greeks (`iv_estimation`, `greeks_compute`), when `compute_greeks` is on and
//! memory pressure has not turned them off (a tier with `skip_greeks`).
//!
//! For every quote with a positive last price (placeholders excluded) the IV is solved back from the
//! price (the reference's bounds, tolerance and iteration cap, safeguarded by bisection; failures are
//! counted, not guessed) and, in the default mode, the Greeks are computed at that IV. Parity g6 fills
//! only the IV: the reference's Greeks block is dead code (a broken import). The expiry keeps success and
//! failure counts, mean iterations, and the ATM call's and put's figures for the run's output.

use super::schedule::{CycleBuilder, Step};
use crate::config::Config;
use crate::events::{AnalyticsSummary, InstrumentFigures};
use crate::pricing::{Contract, Greeks, IvParams, Model, greeks, implied_volatility};
use crate::schema::Market;
use crate::vocab::OptionKind;
use crate::world::*;
use bevy_ecs::prelude::*;
use serde::Serialize;

/// IV and Greeks of one instrument this cycle.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OptionAnalytics {
    pub iv: Option<f64>,
    pub greeks: Option<Greeks>,
}

/// The expiry's IV and Greeks summary this cycle (`None` when the step is off).
#[derive(Component, Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExpiryAnalytics(pub Option<AnalyticsSummary>);

/// Solves IVs and computes Greeks for every quoted instrument of every successful expiry.
pub fn estimate_iv_and_greeks(
    config: Res<Config>,
    clock: Res<SimClock>,
    script: Res<crate::cycle::director::Script>,
    memory: Res<super::memory::Memory>,
    indices: Query<(&Spot, &StrikeLadder)>,
    mut expiries: Query<(&ExpiryOrder, &Expiry, &ExpiryDate, &ExpiryOutcome, &InstrumentSet, &mut ExpiryAnalytics)>,
    mut instruments: Query<&mut OptionAnalytics>,
) {
    let market: &Market = &script.market;
    let model = if config.parity.is_g6() { None } else { Some(Model::Textbook) };
    for (_, expiry, date, outcome, set, mut summary) in expiries.iter_mut().sort::<&ExpiryOrder>() {
        summary.0 = None;
        let (Ok((spot, ladder)), Some(date), None, true) = (
            indices.get(expiry.index),
            date.0,
            outcome.failure,
            config.compute_greeks && memory.flags.greeks_allowed(),
        ) else {
            continue;
        };
        let t_years = (date - clock.today()).num_days() as f64 / 365.0;
        let mut s =
            AnalyticsSummary { iv_success: 0, iv_fail: 0, iv_iterations_avg: 0.0, atm_call: None, atm_put: None };
        let mut iterations = 0u64;
        for instrument in &set.0 {
            let quote = &instrument.quote;
            let Ok(mut analytics) = instruments.get_mut(instrument.entity) else { continue };
            *analytics = OptionAnalytics::default();
            if quote.synthetic || quote.last_price <= 0.0 {
                continue;
            }
            let c = Contract {
                kind: instrument.kind,
                spot: spot.0,
                strike: instrument.strike,
                t_years,
                rate: market.risk_free_rate(),
            };
            match implied_volatility(&c, quote.last_price, IvParams::default()) {
                Ok(sol) => {
                    s.iv_success += 1;
                    iterations += u64::from(sol.iterations);
                    analytics.iv = Some(sol.iv);
                    analytics.greeks = model.map(|m| greeks(&c, sol.iv, m));
                }
                Err(_) => s.iv_fail += 1,
            }
            if instrument.strike == ladder.atm {
                let figures = InstrumentFigures {
                    strike: instrument.strike,
                    last_price: quote.last_price,
                    iv: analytics.iv,
                    greeks: analytics.greeks,
                };
                match instrument.kind {
                    OptionKind::CE => s.atm_call = s.atm_call.or(Some(figures)),
                    OptionKind::PE => s.atm_put = s.atm_put.or(Some(figures)),
                }
            }
        }
        s.iv_iterations_avg = if s.iv_success == 0 { 0.0 } else { iterations as f64 / f64::from(s.iv_success) };
        summary.0 = Some(s);
    }
}

/// Registers implied volatilities and Greeks.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.add(Step::Greeks, estimate_iv_and_greeks);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::Simulation;
    use crate::schema::Scenario;
    use std::collections::BTreeMap;

    /// The step fills every quote's analytics, and the solved IVs give the market's smile back.
    #[test]
    fn greeks_step_fills_every_quote_and_recovers_the_smile() {
        let scenario = Scenario::from_ron(
            r#"Scenario(
                name: "smile", seed: 4, start: "2025-10-06T09:15:00+05:30", cycles: 2,
                indices: [(symbol: "NIFTY", expiries: ["this_month"], depth: (itm: 12, otm: 12))],
                market: (implied_vol: 0.14, skew: -0.3, smile: 1.0),
                config: (compute_greeks: true),
            )"#,
        );
        let mut sim = Simulation::new(&scenario, scenario.config.clone(), 4).unwrap();
        sim.tick();
        let world = sim.world_mut();
        let mut q = world.query::<(&Instrument, &OptionAnalytics)>();
        let ivs: BTreeMap<(u64, bool), f64> = q
            .iter(world)
            .map(|(i, a)| ((i.strike as u64, i.kind == OptionKind::CE), a.iv.expect("every market quote solves")))
            .collect();
        assert_eq!(ivs.len(), 50);
        let (low_put, atm_call, high_call) = (ivs[&(24200, false)], ivs[&(24800, true)], ivs[&(25400, true)]);
        assert!((atm_call - 0.14).abs() < 0.002, "ATM IV {atm_call}");
        assert!(low_put > atm_call && atm_call > high_call - 0.01, "skew: {low_put} {atm_call} {high_call}");
    }
}
