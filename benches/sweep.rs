//! Criterion benchmark of `g6sim sweep`: throughput in simulated expiry-cycles per second with 1 and 2
//! worker threads, on the hysteresis scenario docs/tuning.md walks through, on the lean
//! scoring path a sweep takes, and with every run in full (`--full`) for comparison. Figures are in the
//! docs/performance.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use g6sim::RunOptions;
use g6sim::scenario::load_file;
use g6sim::sweep::{Plan, Shard, Source, parse_param, parse_seeds};
use std::time::Duration;

fn sweep(c: &mut Criterion) {
    let loaded = load_file("scenarios/coverage_flapping.ron".as_ref()).expect("the shipped scenario loads");
    let params = ["contract_ok_cycles=3..6", "contract_cooldown=0,3"].iter().map(|p| parse_param(p).unwrap()).collect();
    let plan = Plan::new(vec![Source::of(loaded)], RunOptions::default(), params, parse_seeds("4").unwrap())
        .expect("the grid is valid");
    let s = &plan.members[0].loaded.scenario;
    let expiries: u64 = s.indices.iter().map(|i| i.expiries.len() as u64).sum();
    let expiry_cycles = plan.jobs() as u64 * s.cycles.get() * expiries;
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(expiry_cycles));
    // What each run pays before its first cycle: resolve the configuration, build the world and the schedule.
    group.throughput(Throughput::Elements(1));
    group.bench_function("build_one_run", |b| {
        b.iter(|| {
            let prepared =
                g6sim::prepare(&plan.members[0].loaded, &plan.options(&plan.settings[0], 1)).expect("prepares");
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

/// `g6sim explore`: explored expiry-cycles per second over 40 generated scenarios (every property checked,
/// reachability counted) with 1 and 2 worker threads; one failing seed found and shrunk (seed 4 without
/// hysteresis, 11 cycles and 4 indices shrunk to 2 cycles and 1 index, 20 candidate runs); and a failure late
/// in a 500-cycle run shrunk.
fn explore(c: &mut Criterion) {
    use g6sim::explore::{Exploration, load_properties, workload};
    use g6sim::internals::{first_failure, shrink_workload};
    use std::path::Path;
    let mut group = c.benchmark_group("explore");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    let probe = Exploration::new(RunOptions::default(), 1).unwrap().run(1..=40, || true, |_| {}).unwrap();
    group.throughput(Throughput::Elements(probe.expiry_cycles));
    for threads in [1, 2] {
        let exploration = Exploration::new(RunOptions::default(), threads).unwrap();
        group.bench_function(format!("40_seeds_{threads}_threads"), |b| {
            b.iter(|| exploration.run(1..=40, || true, |_| {}).expect("explores"))
        });
    }
    let sets = ["contract_ok_cycles=0", "contract_cooldown=0", "prefilter_max_instruments=50"];
    let options = RunOptions { sets: sets.map(String::from).to_vec(), ..RunOptions::default() };
    let exploration = Exploration::new(options, 1).unwrap();
    group.throughput(Throughput::Elements(1));
    group.bench_function("find_and_shrink_one_failure", |b| {
        b.iter(|| {
            let report = exploration.run(4..=4, || true, |_| {}).expect("explores");
            assert_eq!(report.failures.len(), 1);
            report
        })
    });
    // Seed 14's scenario (5 indices, 5 fault phases) stretched to 500 cycles, its faults as far from the end as
    // they were: under the defaults it breaks docs/explore.md's `user-1` (no EMPTY expiry) at cycle 456. Its
    // run, then the shrink (to one index, one expiry and one fault).
    let path = Path::new("tests/fixtures/docs/properties.ron");
    let exploration = Exploration::new(RunOptions::default(), 1).unwrap();
    let properties = load_properties(path, &exploration.indices()).expect("the fixture loads");
    let exploration = exploration.with_properties(path, properties);
    let mut long = workload(14).within(exploration.config());
    let later = 500 - long.cycles;
    long.cycles = 500;
    for phase in &mut long.phases {
        phase.window = (phase.window.0 + later, phase.window.1 + later);
    }
    assert_eq!(first_failure(&exploration, &long, "user-1").unwrap(), Some(456));
    group.bench_function("shrink_500_cycle_failure", |b| {
        b.iter(|| {
            let failure = shrink_workload(&exploration, long.clone(), "user-1").unwrap().expect("it breaks user-1");
            assert_eq!((failure.shrunk.indices, failure.shrunk.faults), (1, 1));
            failure
        })
    });
    group.finish();
}

criterion_group!(benches, sweep, explore);
criterion_main!(benches);
