//! Criterion benchmarks: one collection cycle, a 100k-row universe, and B1's expiry map against the
//! per-expiry scan it replaces. Figures are in the README's performance table.

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use g6sim::Simulation;
use g6sim::cycle::expiry_map::{ExpiryMap, scan_universe};
use g6sim::cycle::provider::{push_expiry_rows, push_invalid_rows};
use g6sim::scenario::parse;
use g6sim::world::{Universe, UniverseRow};
use std::hint::black_box;
use std::time::Duration;

const FIVE: &str = r#"Scenario(
    name: "bench", seed: 1, start: "2025-10-06T09:15:00+05:30", cycles: 1000000,
    indices: [
        (symbol: "NIFTY", expiries: ["this_week", "next_week", "this_month", "next_month"]),
        (symbol: "BANKNIFTY", expiries: ["this_week", "next_week", "this_month", "next_month"]),
        (symbol: "FINNIFTY", expiries: ["this_week", "next_week", "this_month", "next_month"]),
        (symbol: "MIDCPNIFTY", expiries: ["this_week", "next_week", "this_month", "next_month"]),
        (symbol: "SENSEX", expiries: ["this_week", "next_week", "this_month", "next_month"]),
    ],
    market: (volatility_per_cycle: 0.0005),
    PHASES
)"#;

fn simulation(phases: &str) -> Simulation {
    let scenario = parse("bench.ron", &FIVE.replace("PHASES", phases)).expect("bench scenario parses");
    let mut sim = Simulation::new(&scenario, scenario.config.clone(), scenario.seed).expect("schedule builds");
    for _ in 0..3 {
        sim.tick();
    }
    sim
}

fn universe_rows(sim: &Simulation) -> u64 {
    sim.world().resource::<Universe>().rows.len() as u64
}

fn cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("cycle");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    let mut sim = simulation("");
    group.throughput(Throughput::Elements(universe_rows(&sim)));
    group.bench_function("default_5_indices", |b| b.iter(|| sim.tick()));
    // 2600 padding rows per listed expiry: about 100k universe rows per cycle.
    let mut sim = simulation(r#"phases: [(name: "oversized", cycles: (1, 1000000), faults: [Oversize(2600)])],"#);
    let rows = universe_rows(&sim);
    assert!(rows >= 100_000, "{rows} rows");
    group.throughput(Throughput::Elements(rows));
    group.bench_function("oversized_100k", |b| b.iter(|| sim.tick()));
    group.finish();
}

/// Five indices x eight expiries, padded to about 100k rows, with some invalid expiries.
fn universe_100k() -> (Vec<UniverseRow>, Vec<(u16, NaiveDate)>) {
    let first = NaiveDate::from_ymd_opt(2025, 10, 9).expect("valid date");
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for index in 0..5u16 {
        for week in 0..8 {
            let expiry = first + chrono::Duration::weeks(week);
            push_expiry_rows(&mut rows, index, expiry, 25_000.0, 50.0, 40, 2_330);
            keys.push((index, expiry));
        }
        push_invalid_rows(&mut rows, index, 25_000.0, 50.0, 60);
    }
    (rows, keys)
}

fn expiry_map(c: &mut Criterion) {
    let (rows, keys) = universe_100k();
    let mut group = c.benchmark_group("expiry_map");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function("build_100k", |b| {
        b.iter(|| {
            let map = ExpiryMap::build(black_box(&rows), 5);
            keys.iter().map(|(i, d)| map.bucket(*i, *d).map_or(0, <[u32]>::len)).sum::<usize>()
        })
    });
    group.bench_function("rebuild_100k", |b| {
        b.iter_batched_ref(
            || ExpiryMap::build(&rows, 5),
            |map| {
                map.rebuild(black_box(&rows));
                keys.iter().map(|(i, d)| map.bucket(*i, *d).map_or(0, <[u32]>::len)).sum::<usize>()
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("scan_100k", |b| {
        b.iter(|| keys.iter().map(|(i, d)| scan_universe(black_box(&rows), *i, *d).len()).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, cycle, expiry_map);
criterion_main!(benches);
