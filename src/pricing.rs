//! Black–Scholes–Merton analytics (`analytics/option_greeks.py` with `q = 0`): prices, Greeks and a
//! safeguarded implied-volatility solver.
//!
//! Conventions (the reference's): `T` in calendar days / 365, risk-free rate 0.05 by default, theta per
//! calendar day, vega per volatility point, rho per 1% of rate. Transcendental functions come from `libm`
//! (a pure-Rust port of musl's), so every machine computes the same bits.
//!
//! Differences from the reference, both pinned by tests: the put theta has the textbook sign on its
//! `r K e^(-rT) N(-d2)` term (the reference subtracts it; [`Model::G6`] keeps that), and the IV solver
//! brackets Newton's method with bisection, so it converges inside [0.01, 5.0] whenever a solution exists
//! and reports failure instead of returning its last iterate.

use crate::vocab::OptionKind;

/// The standard normal CDF.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// The standard normal density.
pub fn norm_pdf(x: f64) -> f64 {
    libm::exp(-0.5 * x * x) / (2.0 * std::f64::consts::PI).sqrt()
}

/// Inputs of one option valuation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contract {
    pub kind: OptionKind,
    pub spot: f64,
    pub strike: f64,
    /// Years to expiry (calendar days / 365).
    pub t_years: f64,
    pub rate: f64,
}

impl Contract {
    fn valid(&self) -> bool {
        [self.spot, self.strike, self.t_years, self.rate].iter().all(|x| x.is_finite())
            && self.spot > 0.0
            && self.strike > 0.0
    }
    fn d1_d2(&self, sigma: f64) -> (f64, f64) {
        let sqrt_t = libm::sqrt(self.t_years);
        let d1 =
            (libm::log(self.spot / self.strike) + (self.rate + 0.5 * sigma * sigma) * self.t_years) / (sigma * sqrt_t);
        (d1, d1 - sigma * sqrt_t)
    }
    fn intrinsic(&self) -> f64 {
        match self.kind {
            OptionKind::CE => (self.spot - self.strike).max(0.0),
            OptionKind::PE => (self.strike - self.spot).max(0.0),
        }
    }
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// Black–Scholes price; intrinsic value when `t_years <= 0` or `sigma <= 0`; 0 for invalid inputs.
#[cfg(test)]
pub fn bs_price(kind: OptionKind, spot: f64, strike: f64, t_years: f64, sigma: f64, rate: f64) -> f64 {
    price(&Contract { kind, spot, strike, t_years, rate }, sigma)
}

/// Black–Scholes price of a contract at `sigma`.
pub fn price(c: &Contract, sigma: f64) -> f64 {
    if !c.valid() || !sigma.is_finite() {
        return 0.0;
    }
    if c.t_years <= 0.0 || sigma <= 0.0 {
        return c.intrinsic();
    }
    let (d1, d2) = c.d1_d2(sigma);
    let discount = libm::exp(-c.rate * c.t_years);
    finite_or_zero(match c.kind {
        OptionKind::CE => c.spot * norm_cdf(d1) - c.strike * discount * norm_cdf(d2),
        OptionKind::PE => c.strike * discount * norm_cdf(-d2) - c.spot * norm_cdf(-d1),
    })
}

/// What every strike of one expiry shares when it is priced: `sqrt(T)` and the discount `exp(-rT)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpiryTerms {
    pub spot: f64,
    pub t_years: f64,
    pub rate: f64,
    sqrt_t: f64,
    discount: f64,
}

impl ExpiryTerms {
    pub fn new(spot: f64, t_years: f64, rate: f64) -> Self {
        Self { spot, t_years, rate, sqrt_t: libm::sqrt(t_years), discount: libm::exp(-rate * t_years) }
    }

    /// The call's and the put's price at `strike` and `sigma`, `[CE, PE]`: the same bits as two calls of
    /// [`price`], computing `d1`, `d2`, `sqrt(T)` and the discount once instead of twice.
    pub fn price_pair(&self, strike: f64, sigma: f64) -> [f64; 2] {
        let c = Contract { kind: OptionKind::CE, spot: self.spot, strike, t_years: self.t_years, rate: self.rate };
        if !c.valid() || !sigma.is_finite() {
            return [0.0, 0.0];
        }
        if c.t_years <= 0.0 || sigma <= 0.0 {
            return [c.intrinsic(), Contract { kind: OptionKind::PE, ..c }.intrinsic()];
        }
        let d1 = (libm::log(c.spot / c.strike) + (c.rate + 0.5 * sigma * sigma) * c.t_years) / (sigma * self.sqrt_t);
        let d2 = d1 - sigma * self.sqrt_t;
        [
            finite_or_zero(c.spot * norm_cdf(d1) - c.strike * self.discount * norm_cdf(d2)),
            finite_or_zero(c.strike * self.discount * norm_cdf(-d2) - c.spot * norm_cdf(-d1)),
        ]
    }
}

/// Which Greeks conventions to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Textbook Black–Scholes.
    Textbook,
    /// The reference's put theta: `-S φ σ / (2√T) - r K e^(-rT) N(-d2)` (wrong sign on the rate term).
    G6,
}

/// Greeks of one option.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Greeks {
    pub delta: f64,
    pub gamma: f64,
    /// Per calendar day.
    pub theta: f64,
    /// Per volatility point (0.01).
    pub vega: f64,
    /// Per 1% of rate.
    pub rho: f64,
}

/// Greeks at `sigma`. Expired or zero-volatility options get the intrinsic delta and zero elsewhere;
/// invalid inputs get zeros. Never NaN.
pub fn greeks(c: &Contract, sigma: f64, model: Model) -> Greeks {
    if !c.valid() || !sigma.is_finite() {
        return Greeks::default();
    }
    if c.t_years <= 0.0 || sigma <= 0.0 {
        let delta = match c.kind {
            OptionKind::CE => f64::from(u8::from(c.spot > c.strike)),
            OptionKind::PE => -f64::from(u8::from(c.spot < c.strike)),
        };
        return Greeks { delta, ..Greeks::default() };
    }
    let (d1, d2) = c.d1_d2(sigma);
    let sqrt_t = libm::sqrt(c.t_years);
    let discount = libm::exp(-c.rate * c.t_years);
    let pdf = norm_pdf(d1);
    let decay = -c.spot * pdf * sigma / (2.0 * sqrt_t);
    let (delta, theta_year, rho) = match c.kind {
        OptionKind::CE => (
            norm_cdf(d1),
            decay - c.rate * c.strike * discount * norm_cdf(d2),
            c.strike * c.t_years * discount * norm_cdf(d2),
        ),
        OptionKind::PE => {
            let carry = c.rate * c.strike * discount * norm_cdf(-d2);
            let theta = if model == Model::G6 { decay - carry } else { decay + carry };
            (norm_cdf(d1) - 1.0, theta, -c.strike * c.t_years * discount * norm_cdf(-d2))
        }
    };
    Greeks {
        delta: finite_or_zero(delta),
        gamma: finite_or_zero(pdf / (c.spot * sigma * sqrt_t)),
        theta: finite_or_zero(theta_year / 365.0),
        vega: finite_or_zero(c.spot * pdf * sqrt_t / 100.0),
        rho: finite_or_zero(rho / 100.0),
    }
}

/// The IV solver's settings (the reference's defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IvParams {
    pub min_iv: f64,
    pub max_iv: f64,
    /// Absolute price tolerance.
    pub precision: f64,
    pub max_iterations: u32,
}

impl Default for IvParams {
    fn default() -> Self {
        Self { min_iv: 0.01, max_iv: 5.0, precision: 1e-5, max_iterations: 100 }
    }
}

/// A solved implied volatility.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IvSolution {
    pub iv: f64,
    pub iterations: u32,
}

/// Why no implied volatility was returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IvFailure {
    /// Expired, non-positive or non-finite inputs.
    InvalidInput,
    /// The price is outside what any volatility in [min, max] gives (below intrinsic, for instance).
    NoSolutionInBounds,
    /// The iteration cap was reached (cannot happen with the bisection safeguard and a cap >= 60).
    NotConverged,
}

/// Implied volatility: Newton's method from 0.30, kept inside a shrinking bracket by bisection.
///
/// As in the reference, a price at or below 0.01 returns `min_iv`. Otherwise the price must lie between
/// the prices at `min_iv` and `max_iv` (within `precision`), else [`IvFailure::NoSolutionInBounds`].
pub fn implied_volatility(c: &Contract, market_price: f64, p: IvParams) -> Result<IvSolution, IvFailure> {
    if !(c.valid() && market_price.is_finite() && c.t_years > 0.0 && p.min_iv > 0.0 && p.max_iv > p.min_iv) {
        return Err(IvFailure::InvalidInput);
    }
    if market_price <= 0.01 {
        return Ok(IvSolution { iv: p.min_iv, iterations: 0 });
    }
    let f = |sigma: f64| price(c, sigma) - market_price;
    let (mut lo, mut hi) = (p.min_iv, p.max_iv);
    let (f_lo, f_hi) = (f(lo), f(hi));
    if f_lo.abs() < p.precision {
        return Ok(IvSolution { iv: lo, iterations: 0 });
    }
    if f_hi.abs() < p.precision {
        return Ok(IvSolution { iv: hi, iterations: 0 });
    }
    if f_lo > 0.0 || f_hi < 0.0 {
        return Err(IvFailure::NoSolutionInBounds);
    }
    let mut sigma = 0.30f64.clamp(lo, hi);
    for iteration in 1..=p.max_iterations {
        let diff = f(sigma);
        if diff.abs() < p.precision {
            return Ok(IvSolution { iv: sigma, iterations: iteration });
        }
        if diff < 0.0 {
            lo = sigma;
        } else {
            hi = sigma;
        }
        let vega = greeks(c, sigma, Model::Textbook).vega * 100.0;
        let newton = sigma - diff / vega;
        sigma = if vega > 1e-10 && newton > lo && newton < hi { newton } else { 0.5 * (lo + hi) };
    }
    Err(IvFailure::NotConverged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OptionKind::{CE, PE};

    fn contract(kind: OptionKind, spot: f64, strike: f64, t_years: f64, rate: f64) -> Contract {
        Contract { kind, spot, strike, t_years, rate }
    }

    #[test]
    fn hull_prices_and_put_call_parity() {
        // Hull, Options, Futures and Other Derivatives: S=42, K=40, r=0.1, sigma=0.2, T=0.5 -> c=4.76, p=0.81.
        let c = bs_price(CE, 42.0, 40.0, 0.5, 0.2, 0.1);
        let p = bs_price(PE, 42.0, 40.0, 0.5, 0.2, 0.1);
        assert!((c - 4.7594).abs() < 1e-4, "{c}");
        assert!((p - 0.8086).abs() < 1e-4, "{p}");
        assert!((c - p - (42.0 - 40.0 * (-0.05f64).exp())).abs() < 1e-12);
        assert_eq!(bs_price(CE, 42.0, 40.0, 0.0, 0.2, 0.1), 2.0);
        assert_eq!(bs_price(PE, 42.0, 40.0, 0.5, 0.0, 0.1), 0.0);
    }

    #[test]
    fn hull_greeks() {
        // Hull's Greek letters example: S=49, K=50, r=0.05, sigma=0.2, T=20 weeks (0.3846).
        let c = contract(CE, 49.0, 50.0, 0.3846, 0.05);
        let g = greeks(&c, 0.2, Model::Textbook);
        assert!((g.delta - 0.522).abs() < 5e-4, "{g:?}");
        assert!((g.gamma - 0.066).abs() < 5e-4);
        assert!((g.theta * 365.0 - -4.31).abs() < 5e-3, "theta per year {}", g.theta * 365.0);
        assert!((g.vega - 0.121).abs() < 5e-4);
        assert!((g.rho - 0.0891).abs() < 5e-4);
    }

    #[test]
    fn greeks_match_finite_differences() {
        for kind in [CE, PE] {
            for (s, k, t, sigma) in
                [(24800.0, 25000.0, 30.0 / 365.0, 0.15), (100.0, 80.0, 1.0, 0.4), (100.0, 130.0, 0.1, 0.25)]
            {
                let c = contract(kind, s, k, t, 0.05);
                let g = greeks(&c, sigma, Model::Textbook);
                let at = |c: Contract, sigma: f64| price(&c, sigma);
                let h = s * 1e-4;
                let up = Contract { spot: s + h, ..c };
                let down = Contract { spot: s - h, ..c };
                let fd_delta = (at(up, sigma) - at(down, sigma)) / (2.0 * h);
                let fd_gamma = (at(up, sigma) - 2.0 * at(c, sigma) + at(down, sigma)) / (h * h);
                let dt = 1.0 / 365.0;
                let fd_theta = at(Contract { t_years: t - dt, ..c }, sigma) - at(c, sigma);
                let fd_vega = (at(c, sigma + 1e-4) - at(c, sigma - 1e-4)) / 2e-4 / 100.0;
                let fd_rho = (at(Contract { rate: 0.05 + 1e-5, ..c }, sigma)
                    - at(Contract { rate: 0.05 - 1e-5, ..c }, sigma))
                    / 2e-5
                    / 100.0;
                let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * (1.0 + b.abs());
                assert!(close(g.delta, fd_delta, 1e-6), "{kind:?} delta {} vs {fd_delta}", g.delta);
                assert!(close(g.gamma, fd_gamma, 1e-4), "{kind:?} gamma {} vs {fd_gamma}", g.gamma);
                assert!(close(g.theta, fd_theta, 2e-2), "{kind:?} theta {} vs {fd_theta}", g.theta);
                assert!(close(g.vega, fd_vega, 1e-6), "{kind:?} vega {} vs {fd_vega}", g.vega);
                assert!(close(g.rho, fd_rho, 1e-6), "{kind:?} rho {} vs {fd_rho}", g.rho);
            }
        }
    }

    #[test]
    fn put_theta_sign_fixed_and_reference_kept_in_g6_model() {
        // The spec's run: S=24800, K=25000, 30 days, sigma 0.15, r 0.05: put theta -8.93/day at the reference,
        // about -5.27 by a one-day finite difference; the analytic textbook value is -5.216.
        let c = contract(PE, 24800.0, 25000.0, 30.0 / 365.0, 0.05);
        let fixed = greeks(&c, 0.15, Model::Textbook).theta;
        let reference = greeks(&c, 0.15, Model::G6).theta;
        assert!((fixed - -5.216).abs() < 0.001, "{fixed}");
        let one_day = price(&Contract { t_years: 29.0 / 365.0, ..c }, 0.15) - price(&c, 0.15);
        assert!((one_day - -5.27).abs() < 0.01, "{one_day}");
        assert!((reference - -8.93).abs() < 0.01, "{reference}");
        let call = contract(CE, 24800.0, 25000.0, 30.0 / 365.0, 0.05);
        assert_eq!(greeks(&call, 0.15, Model::Textbook), greeks(&call, 0.15, Model::G6));
    }

    #[test]
    fn iv_round_trips_within_1e_8_over_a_grid() {
        let tight = IvParams { precision: 1e-10, ..IvParams::default() };
        let mut solved = 0;
        for kind in [CE, PE] {
            for strike in [50.0, 80.0, 95.0, 100.0, 105.0, 120.0, 200.0] {
                for t in [1.0 / 365.0, 7.0 / 365.0, 0.25, 1.0, 3.0] {
                    for sigma in [0.02, 0.1, 0.3, 0.8, 2.0, 4.5] {
                        let c = contract(kind, 100.0, strike, t, 0.05);
                        let p = price(&c, sigma);
                        match implied_volatility(&c, p, tight) {
                            Ok(sol) => {
                                assert!((0.01..=5.0).contains(&sol.iv));
                                if p > 0.01 {
                                    assert!(
                                        (price(&c, sol.iv) - p).abs() < 1e-8,
                                        "{kind:?} K={strike} T={t} s={sigma}: {sol:?}"
                                    );
                                    solved += 1;
                                }
                            }
                            Err(e) => panic!("{kind:?} K={strike} T={t} s={sigma} p={p}: {e:?}"),
                        }
                    }
                }
            }
        }
        assert!(solved > 300, "{solved}");
    }

    #[test]
    fn iv_failures_are_reported_not_guessed() {
        let c = contract(CE, 100.0, 80.0, 0.5, 0.05);
        assert_eq!(
            implied_volatility(&c, 5.0, IvParams::default()),
            Err(IvFailure::NoSolutionInBounds),
            "below intrinsic"
        );
        assert_eq!(
            implied_volatility(&c, 150.0, IvParams::default()),
            Err(IvFailure::NoSolutionInBounds),
            "above the spot"
        );
        assert_eq!(
            implied_volatility(&Contract { t_years: 0.0, ..c }, 21.0, IvParams::default()),
            Err(IvFailure::InvalidInput)
        );
        assert_eq!(implied_volatility(&c, f64::NAN, IvParams::default()), Err(IvFailure::InvalidInput));
        assert_eq!(implied_volatility(&c, 0.005, IvParams::default()).unwrap().iv, 0.01, "the reference's floor");
        let sol = implied_volatility(&c, price(&c, 0.25), IvParams::default()).unwrap();
        assert!((sol.iv - 0.25).abs() < 1e-3 && sol.iterations <= 10, "{sol:?}");
    }

    #[test]
    fn no_nan_on_hostile_inputs() {
        let values = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0, 1e-300, 1e300, 1.0, 100.0];
        for kind in [CE, PE] {
            for &s in &values {
                for &k in &values {
                    for &t in &values {
                        for &sigma in &values {
                            let c = contract(kind, s, k, t, 0.05);
                            assert!(price(&c, sigma).is_finite());
                            let g = greeks(&c, sigma, Model::Textbook);
                            assert!(
                                [g.delta, g.gamma, g.theta, g.vega, g.rho].iter().all(|x| x.is_finite()),
                                "{c:?} {sigma}"
                            );
                            if let Ok(sol) = implied_volatility(&c, sigma, IvParams::default()) {
                                assert!(sol.iv.is_finite());
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_pair_is_two_prices_to_the_bit() {
        let mut stream = crate::rng::Stream::new(9, "pricing", "", 0, "");
        for case in 0..2000 {
            let spot = 100.0 + stream.unit() * 50_000.0;
            let strike = if case % 97 == 0 { -1.0 } else { spot * (0.5 + stream.unit()) };
            let t_years = [0.0, 1.0 / 365.0, 0.25, stream.unit() * 2.0][case % 4];
            let rate = [0.05, 0.0, 0.1][case % 3];
            let sigma = match case % 11 {
                0 => 0.0,
                1 => f64::NAN,
                _ => 0.01 + stream.unit(),
            };
            let pair = ExpiryTerms::new(spot, t_years, rate).price_pair(strike, sigma);
            for (i, kind) in [OptionKind::CE, OptionKind::PE].into_iter().enumerate() {
                let one = price(&Contract { kind, spot, strike, t_years, rate }, sigma);
                assert_eq!(pair[i].to_bits(), one.to_bits(), "case {case} {kind:?}");
            }
        }
    }
}

/// Properties over any input: no NaN and no panic, and IV round trips.
#[cfg(test)]
mod properties {
    use super::*;
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
        #![proptest_config(crate::rng::proptest_config(2000))]

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
}
