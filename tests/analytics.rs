//! Property tests of the pricing analytics: no NaN and no panic on any input, and IV round trips.

use g6sim::pricing::{Contract, IvParams, Model, greeks, implied_volatility, price};
use g6sim::world::OptionKind;
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
