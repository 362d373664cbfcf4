//! Property tests of the pricing analytics: no NaN and no panic on any input, and IV round trips.

use g6sim::pricing::{Contract, IvParams, Model, greeks, implied_volatility, price};
use g6sim::vocab::OptionKind;
use proptest::prelude::*;

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        -1e6..1e6f64,
        1e-12..1e-3f64,
    ]
}

fn kind() -> impl Strategy<Value = OptionKind> {
    prop_oneof![Just(OptionKind::CE), Just(OptionKind::PE)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn never_nan_never_panics(kind in kind(), spot in any_f64(), strike in any_f64(), t in any_f64(), rate in any_f64(), sigma in any_f64(), market in any_f64()) {
        let c = Contract { kind, spot, strike, t_years: t, rate };
        prop_assert!(price(&c, sigma).is_finite());
        for model in [Model::Textbook, Model::G6] {
            let g = greeks(&c, sigma, model);
            prop_assert!([g.delta, g.gamma, g.theta, g.vega, g.rho].iter().all(|x| x.is_finite()), "{:?}", g);
        }
        if let Ok(sol) = implied_volatility(&c, market, IvParams::default()) {
            prop_assert!(sol.iv.is_finite() && (0.01..=5.0).contains(&sol.iv));
        }
    }

    #[test]
    fn iv_round_trips(kind in kind(), moneyness in 0.5..2.0f64, days in 1u32..1000, sigma in 0.02..4.9f64) {
        let c = Contract { kind, spot: 24800.0, strike: 24800.0 * moneyness, t_years: f64::from(days) / 365.0, rate: 0.05 };
        let p = price(&c, sigma);
        let sol = implied_volatility(&c, p, IvParams { precision: 1e-9, ..IvParams::default() });
        prop_assert!(sol.is_ok(), "{:?} at sigma {} price {}", sol, sigma, p);
        let sol = sol.unwrap();
        if p > 0.01 {
            prop_assert!((price(&c, sol.iv) - p).abs() < 1e-8, "{:?}", sol);
        }
    }
}

mod pipeline {
    use crate::common::*;
    use g6sim::config::Parity;
    use g6sim::cycle::greeks::OptionAnalytics;
    use g6sim::vocab::OptionKind;
    use g6sim::world::Instrument;
    use g6sim::{RunOptions, Simulation};
    use std::collections::BTreeMap;

    const SMILE: &str = r#"Scenario(
        name: "smile", seed: 4, start: "2025-10-06T09:15:00+05:30", cycles: 2,
        indices: [(symbol: "NIFTY", expiries: ["this_month"], depth: (itm: 12, otm: 12))],
        market: (implied_vol: 0.14, skew: -0.3, smile: 1.0),
        config: (compute_greeks: true),
    )"#;

    #[test]
    fn greeks_step_fills_every_quote_and_recovers_the_smile() {
        let loaded = scenario(SMILE);
        let mut sim = Simulation::new(&loaded.scenario, loaded.scenario.config.clone(), 4).unwrap();
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
        let run = run_text(SMILE, &RunOptions::default());
        let a = run.result.cycles[0].indices[0].expiries[0].analytics.clone().unwrap();
        assert_eq!((a.iv_success, a.iv_fail), (50, 0));
        let call = a.atm_call.unwrap();
        let g = call.greeks.unwrap();
        assert!(
            g.delta > 0.45 && g.delta < 0.6 && g.gamma > 0.0 && g.theta < 0.0 && g.vega > 0.0 && g.rho > 0.0,
            "{g:?}"
        );
        let put = a.atm_put.unwrap().greeks.unwrap();
        assert!(put.delta < 0.0 && put.rho < 0.0);
    }

    #[test]
    fn parity_fills_only_the_iv_and_the_step_is_off_by_default() {
        let parity = run_text(SMILE, &RunOptions { parity: Some(Parity::G6), ..RunOptions::default() });
        let call = parity.result.cycles[0].indices[0].expiries[0].analytics.clone().unwrap().atm_call.unwrap();
        assert!(call.iv.is_some() && call.greeks.is_none(), "the reference's Greeks block is dead code");
        let off = run_text(&SMILE.replace("config: (compute_greeks: true),", ""), &RunOptions::default());
        assert!(off.result.cycles[0].indices[0].expiries[0].analytics.is_none());
        let line = String::from_utf8(g6sim::output::cycles_jsonl(&off)).unwrap();
        assert!(!line.contains("analytics"), "outputs are unchanged when the step is off");
        let env: BTreeMap<String, String> = [("G6_DISABLE_GREEKS", "1"), ("G6_FORCE_GREEKS", "1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let disabled = run_text(SMILE, &RunOptions { env, ..RunOptions::default() });
        assert!(!disabled.prepared.config.compute_greeks, "G6_DISABLE_GREEKS wins over G6_FORCE_GREEKS");
        let env: BTreeMap<String, String> = [("G6_FORCE_GREEKS".to_string(), "yes".to_string())].into();
        let forced = run_text(
            &SMILE.replace("config: (compute_greeks: true),", ""),
            &RunOptions { env, ..RunOptions::default() },
        );
        assert!(forced.prepared.config.compute_greeks);
    }
}
