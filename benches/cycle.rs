//! Criterion benchmarks of the cycle, each group with its throughput; figures are in docs/performance.md,
//! one row per id.
//!
//! - `expiry_map`: B1's expiry map against the per-expiry scan it replaces, at 10k, 100k and 500k rows.
//! - `cycle`: one collection cycle of five indices x four expiries (`benches/scenarios/five_indices.ron`), at
//!   6.5k, 100k and 500k universe rows, quotes on, Greeks off and on. Every cycle's logs are drained, as a
//!   streamed `g6sim run` drains them, so the cost per cycle does not depend on how many cycles ran before.
//! - `run`: a 500-cycle run end to end, as `g6sim run` does it: prepare, stream every cycle into the run's
//!   files, check the expectations, write the metrics and manifest.
//! - `phase_100k`: what each phase of the 100k-row cycle costs: every iteration runs a whole cycle and
//!   reports only the named phase's wall time (the benchmark artifacts' `phase_times` clock).
//!
//! Run a group with `cargo bench --bench cycle -- <group>/`; `cargo test --benches` runs each id once.

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use g6sim::internals::{
    CycleLog, EventLog, ExpiryMap, PhaseTimes, Simulation, Universe, UniverseRow, push_expiry_rows, push_invalid_rows,
    scan_universe,
};
use g6sim::output::RunWriter;
use g6sim::scenario::{load_file, parse};
use g6sim::{RunOptions, prepare};
use std::hint::black_box;
use std::time::Duration;

const SCENARIO: &str = "benches/scenarios/five_indices.ron";

/// The benchmarks' scenario with `Oversize(padding)` on every index from the first cycle (none at 0), Greeks
/// on or off, and cycles enough for any number of iterations.
fn simulation(padding: u32, greeks: bool) -> Simulation {
    let text = std::fs::read_to_string(SCENARIO).expect("the benchmarks' scenario is readable");
    let phases = match padding {
        0 => String::new(),
        n => format!(r#"(name: "oversized", cycles: (1, 1000000), faults: [Oversize({n})])"#),
    };
    let edited = text
        .replace("cycles: 500,", "cycles: 1000000,")
        .replace("phases: [],", &format!("config: (compute_greeks: {greeks}), phases: [{phases}],"));
    assert!(edited.contains("cycles: 1000000,") && edited.contains("compute_greeks"), "{SCENARIO} changed shape");
    let scenario = parse(SCENARIO, &edited).expect("the benchmarks' scenario parses");
    let mut sim = Simulation::new(&scenario, scenario.config.clone(), scenario.seed).expect("schedule builds");
    for _ in 0..3 {
        step(&mut sim);
    }
    sim
}

/// One cycle, its logs dropped afterwards (what a streamed run keeps of them).
fn step(sim: &mut Simulation) {
    sim.tick();
    let world = sim.world_mut();
    world.resource_mut::<EventLog>().events.clear();
    world.resource_mut::<CycleLog>().cycles.clear();
}

fn universe_rows(sim: &Simulation) -> u64 {
    sim.world().resource::<Universe>().rows.len() as u64
}

/// The cycle's sizes: (id, `Oversize` padding per listed expiry, rows at least). 2,600 padding rows give
/// about 110k universe rows, 12,400 about 502k (`five_indices_500k.ron`).
const SIZES: [(&str, u32, u64); 3] =
    [("default_5_indices", 0, 6_000), ("oversized_100k", 2_600, 100_000), ("oversized_500k", 12_400, 500_000)];

fn cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("cycle");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    for greeks in [false, true] {
        for (name, padding, at_least) in SIZES {
            let mut sim = simulation(padding, greeks);
            let rows = universe_rows(&sim);
            assert!(rows >= at_least, "{name}: {rows} rows");
            group.throughput(Throughput::Elements(rows));
            let id = if greeks { format!("{name}_greeks") } else { name.to_string() };
            group.bench_function(id, |b| b.iter(|| step(&mut sim)));
        }
    }
    group.finish();
}

/// A 500-cycle run of the benchmarks' scenario, end to end, its files streamed into a scratch directory.
fn run(c: &mut Criterion) {
    let loaded = load_file(SCENARIO.as_ref()).expect("the benchmarks' scenario loads");
    let cycles = loaded.scenario.cycles.get();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-run-500");
    let mut group = c.benchmark_group("run");
    group.sample_size(10).measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(cycles));
    group.bench_function(format!("five_indices_{cycles}_cycles"), |b| {
        b.iter(|| {
            let prepared = prepare(&loaded, &RunOptions::default()).expect("prepares");
            let mut writer = RunWriter::create(&dir, &prepared.config).expect("the scratch directory is writable");
            let streamed = prepared.stream(|view| writer.cycle(view.summary, view.events)).expect("runs");
            writer.finish(&streamed.prepared, streamed.events, &streamed.outcomes).expect("the files are written");
            assert!(streamed.passed());
        })
    });
    group.finish();
}

/// Each phase of the 100k-row cycle: whole cycles run, the phase's own time is what is measured.
fn phases(c: &mut Criterion) {
    let mut sim = simulation(2_600, false);
    let rows = universe_rows(&sim);
    let names: Vec<&'static str> = sim.world().resource::<PhaseTimes>().phases.iter().map(|(n, _)| *n).collect();
    let mut group = c.benchmark_group("phase_100k");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(rows));
    for name in names {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    step(&mut sim);
                    let times = &sim.world().resource::<PhaseTimes>().phases;
                    let seconds = times.iter().find(|(n, _)| *n == name).map_or(0.0, |(_, s)| *s);
                    spent += Duration::from_secs_f64(seconds);
                }
                spent
            })
        });
    }
    group.finish();
}

/// Five indices x eight expiries with `padding` duplicate rows per expiry, and 60 invalid expiries per
/// index: 9,980 rows at 80, 99,980 at 2,330, 499,980 at 12,330.
fn universe(padding: u32) -> (Vec<UniverseRow>, Vec<(u16, NaiveDate)>) {
    let first = NaiveDate::from_ymd_opt(2025, 10, 9).expect("valid date");
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for index in 0..5u16 {
        for week in 0..8 {
            let expiry = first + chrono::Duration::weeks(week);
            push_expiry_rows(&mut rows, index, expiry, 25_000.0, 50.0, 40, padding);
            keys.push((index, expiry));
        }
        push_invalid_rows(&mut rows, index, 25_000.0, 50.0, 60);
    }
    (rows, keys)
}

fn expiry_map(c: &mut Criterion) {
    let mut group = c.benchmark_group("expiry_map");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    for (size, padding) in [("10k", 80), ("100k", 2_330), ("500k", 12_330)] {
        let (rows, keys) = universe(padding);
        group.throughput(Throughput::Elements(rows.len() as u64));
        group.bench_function(format!("build_{size}"), |b| {
            b.iter(|| {
                let map = ExpiryMap::build(black_box(&rows), 5);
                keys.iter().map(|(i, d)| map.bucket(*i, *d).map_or(0, <[u32]>::len)).sum::<usize>()
            })
        });
        if size == "100k" {
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
        }
        group.bench_function(format!("scan_{size}"), |b| {
            b.iter(|| keys.iter().map(|(i, d)| scan_universe(black_box(&rows), *i, *d).len()).sum::<usize>())
        });
    }
    group.finish();
}

criterion_group!(benches, cycle, run, phases, expiry_map);
criterion_main!(benches);
