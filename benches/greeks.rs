//! Criterion benchmarks of the analytics: IV solves and Greeks, in options per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use g6sim::internals::{Contract, IvParams, Model, greeks, implied_volatility, price};
use g6sim::vocab::OptionKind;
use std::hint::black_box;
use std::time::Duration;

/// A chain: 41 strikes x CE/PE x 4 expiries around 24800, priced on a smile.
fn chain() -> Vec<(Contract, f64, f64)> {
    let mut out = Vec::new();
    for days in [3.0, 10.0, 31.0, 59.0] {
        for i in -20..=20 {
            let strike = 24800.0 + f64::from(i) * 50.0;
            let sigma = 0.15 - 0.1 * (strike / 24800.0f64).ln();
            for kind in [OptionKind::CE, OptionKind::PE] {
                let c = Contract { kind, spot: 24800.0, strike, t_years: days / 365.0, rate: 0.05 };
                out.push((c, sigma, price(&c, sigma)));
            }
        }
    }
    out
}

fn analytics(c: &mut Criterion) {
    let chain = chain();
    let mut group = c.benchmark_group("analytics");
    group.sample_size(30).measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(chain.len() as u64));
    group.bench_function("iv_solve_chain", |b| {
        b.iter(|| {
            chain.iter().filter_map(|(c, _, p)| implied_volatility(black_box(c), *p, IvParams::default()).ok()).count()
        })
    });
    group.bench_function("greeks_chain", |b| {
        b.iter(|| chain.iter().map(|(c, sigma, _)| greeks(black_box(c), *sigma, Model::Textbook).delta).sum::<f64>())
    });
    group.finish();
}

criterion_group!(benches, analytics);
criterion_main!(benches);
