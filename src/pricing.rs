//! Black–Scholes prices for the simulated quotes (`option_greeks.py`'s model with `q = 0`).
//!
//! Transcendental functions come from `libm` (a pure-Rust port of musl's), not the platform's maths
//! library, so every machine computes the same bits.

use crate::world::OptionKind;

/// The standard normal CDF.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Black–Scholes price; intrinsic value when `t_years <= 0` or `sigma <= 0`.
pub fn bs_price(kind: OptionKind, spot: f64, strike: f64, t_years: f64, sigma: f64, rate: f64) -> f64 {
    if spot <= 0.0 || strike <= 0.0 {
        return 0.0;
    }
    if t_years <= 0.0 || sigma <= 0.0 {
        return match kind {
            OptionKind::CE => (spot - strike).max(0.0),
            OptionKind::PE => (strike - spot).max(0.0),
        };
    }
    let sqrt_t = libm::sqrt(t_years);
    let d1 = (libm::log(spot / strike) + (rate + 0.5 * sigma * sigma) * t_years) / (sigma * sqrt_t);
    let d2 = d1 - sigma * sqrt_t;
    let discount = libm::exp(-rate * t_years);
    match kind {
        OptionKind::CE => spot * norm_cdf(d1) - strike * discount * norm_cdf(d2),
        OptionKind::PE => strike * discount * norm_cdf(-d2) - spot * norm_cdf(-d1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_example_and_parity() {
        // Hull, Options Futures and Other Derivatives: S=42, K=40, r=0.1, sigma=0.2, T=0.5 -> c=4.76, p=0.81.
        let c = bs_price(OptionKind::CE, 42.0, 40.0, 0.5, 0.2, 0.1);
        let p = bs_price(OptionKind::PE, 42.0, 40.0, 0.5, 0.2, 0.1);
        assert!((c - 4.7594).abs() < 1e-3, "{c}");
        assert!((p - 0.8086).abs() < 1e-3, "{p}");
        let parity = c - p - (42.0 - 40.0 * (-0.1f64 * 0.5).exp());
        assert!(parity.abs() < 1e-10);
        assert_eq!(bs_price(OptionKind::CE, 42.0, 40.0, 0.0, 0.2, 0.1), 2.0);
        assert_eq!(bs_price(OptionKind::PE, 42.0, 40.0, 0.5, 0.0, 0.1), 0.0);
        assert!((norm_cdf(0.0) - 0.5).abs() < 1e-15);
    }
}
