//! Criterion benchmark of `g6sim sweep`: throughput in simulated expiry-cycles per second with 1 and 2
//! worker threads, on the hysteresis scenario docs/tuning.md walks through, on the lean
//! scoring path a sweep takes, and with every run in full (`--full`) for comparison. Figures are in the
//! docs/performance.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use g6sim::RunOptions;
use g6sim::scenario::load_file;
use g6sim::sweep::{Plan, Shard, parse_param, parse_seeds};
use std::time::Duration;

fn sweep(c: &mut Criterion) {
    let loaded = load_file("scenarios/coverage_flapping.ron".as_ref()).expect("the shipped scenario loads");
    let params = ["contract_ok_cycles=3..6", "contract_cooldown=0,3"].iter().map(|p| parse_param(p).unwrap()).collect();
    let plan = Plan::new(loaded, RunOptions::default(), params, parse_seeds("4").unwrap()).expect("the grid is valid");
    let s = &plan.scenario.scenario;
    let expiries: u64 = s.indices.iter().map(|i| i.expiries.len() as u64).sum();
    let expiry_cycles = plan.jobs() as u64 * s.cycles.get() * expiries;
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(expiry_cycles));
    // What each run pays before its first cycle: resolve the configuration, build the world and the schedule.
    group.throughput(Throughput::Elements(1));
    group.bench_function("build_one_run", |b| {
        b.iter(|| {
            let prepared = g6sim::prepare(&plan.scenario, &plan.options(&plan.settings[0], 1)).expect("prepares");
            g6sim::internals::Simulation::new(&prepared.scenario.scenario, prepared.config.clone(), 1).expect("builds")
        })
    });
    group.throughput(Throughput::Elements(expiry_cycles));
    for threads in [1, 2] {
        group.bench_function(format!("coverage_flapping_32_runs_{threads}_threads"), |b| {
            b.iter(|| plan.run(Shard::ALL, threads, |_| {}).expect("the sweep runs"))
        });
    }
    let mut full = plan.clone();
    full.full_runs = true;
    for threads in [1, 2] {
        group.bench_function(format!("coverage_flapping_32_full_runs_{threads}_threads"), |b| {
            b.iter(|| full.run(Shard::ALL, threads, |_| {}).expect("the sweep runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
