//! Criterion benchmark of `g6sim sweep`: throughput in simulated expiry-cycles per second with 1 and 2
//! worker threads, on the hysteresis scenario docs/tuning.md walks through, on the lean
//! scoring path a sweep takes, and with every run in full (`--full`) for comparison; a suite sweep of a
//! 5-key Sobol sample over 12 members; and successive halving against the full grid on the same question.
//! Figures are in the docs/performance.md.

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

/// Whether criterion runs the benchmarks to measure them (`cargo bench`), not once each as a test.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The 12-member suite: the 11 shipped scenarios the lean path models, and one generated workload.
const SUITE: [&str; 11] = [
    "scenarios/coverage_flapping.ron",
    "scenarios/field_dropout.ron",
    "scenarios/healthy_baseline.ron",
    "scenarios/low_both.ron",
    "scenarios/oversized_clamp.ron",
    "scenarios/oversized_clamp_strict.ron",
    "scenarios/provider_outage.ron",
    "scenarios/sla_limit_cycle.ron",
    "scenarios/slow_provider.ron",
    "scenarios/strike_dropout_recovery.ron",
    "scenarios/walk.ron",
];

/// Five keys of the hysteresis and the coverage rule, as ranges for a design (or 3 values each for a grid).
const KEYS: [&str; 5] = [
    "contract_ok_cycles=1..8",
    "contract_cooldown=0..5",
    "contract_step=1..4",
    "strike_coverage_ok=0.6..0.95",
    "expansion_step=1..5",
];
const GRID_KEYS: [&str; 5] = [
    "contract_ok_cycles=2,5,8",
    "contract_cooldown=0,2,5",
    "contract_step=1,2,4",
    "strike_coverage_ok=0.6,0.8,0.95",
    "expansion_step=1,2,5",
];

/// The plan of a sweep over `paths` (and `generated` workloads) of `keys`, under `seeds` seeds, drawn by
/// `sample` (`sobol:N`) or the full grid.
fn suite_plan(paths: &[&str], generated: u64, keys: &[&str], seeds: &str, sample: Option<&str>) -> Plan {
    use g6sim::sweep::{Design, Suite, plan_for};
    let suite = Suite { paths: paths.iter().map(|p| p.into()).collect(), generated };
    let params = keys.iter().map(|k| parse_param(k).unwrap()).collect();
    let design = sample.map(|s| Design::parse_sample(s, 1).unwrap());
    let history = g6sim::replay::HistoryOptions::default();
    plan_for(&suite, RunOptions::default(), params, Some(parse_seeds(seeds).unwrap()), &history, design)
        .expect("the suite plans")
}

/// The expiry-cycles of a set of runs.
fn expiry_cycles(plan: &Plan, jobs: &[g6sim::sweep::JobScore]) -> u64 {
    let per_member: Vec<u64> = plan
        .members
        .iter()
        .map(|m| {
            let s = &m.loaded.scenario;
            s.cycles.get() * s.indices.iter().map(|i| i.expiries.len() as u64).sum::<u64>()
        })
        .collect();
    jobs.iter().map(|j| per_member[j.member]).sum()
}

/// A 5-key Sobol sample of 1,000 settings x 32 seeds x the 12-member suite (384,000 runs) on the lean path,
/// 1 and 2 threads: one tenth of it, shard 1 of 10 (38,400 runs dealt round robin, so the same mix of
/// settings, members and seeds), to keep a sample near ten seconds. Successive halving against the full
/// grid on one question: 3 values of each of the 5 keys (243 settings) x 32 seeds x 3 members. Under `cargo
/// test`, each runs once at a small size.
fn sweep_suite(c: &mut Criterion) {
    let full = measuring();
    let (sample, seeds) = if full { ("sobol:1000", "32") } else { ("sobol:8", "2") };
    let plan = suite_plan(&SUITE, 1, &KEYS, seeds, Some(sample));
    assert_eq!(plan.members.len(), 12);
    let shard = Shard::parse("0/10").unwrap();
    let probe = plan.run(shard, 2, |_| {}).unwrap();
    let mut group = c.benchmark_group("sweep_suite");
    group.sample_size(10).sampling_mode(criterion::SamplingMode::Flat).measurement_time(Duration::from_secs(60));
    group.throughput(Throughput::Elements(expiry_cycles(&plan, &probe)));
    let size = format!("{}x{seeds}x12", plan.settings.len());
    for threads in [1, 2] {
        group.bench_function(format!("sobol_{size}_shard_1_of_10_{threads}_threads"), |b| {
            b.iter(|| plan.run(shard, threads, |_| {}).expect("the sweep runs"))
        });
    }
    let (seeds, members) = if full { ("32", &SUITE[..]) } else { ("2", &SUITE[..1]) };
    let keys: &[&str] = if full { &GRID_KEYS } else { &GRID_KEYS[..2] };
    let trio = ["scenarios/coverage_flapping.ron", "scenarios/strike_dropout_recovery.ron", "scenarios/walk.ron"];
    let grid = suite_plan(if full { &trio } else { members }, 0, keys, seeds, None);
    let mut halving = grid.clone();
    halving.halve(3).unwrap();
    for (name, plan) in [("grid", &grid), ("halving", &halving)] {
        let probe = plan.run(Shard::ALL, 2, |_| {}).unwrap();
        group.throughput(Throughput::Elements(expiry_cycles(plan, &probe)));
        let size = format!("{}x{seeds}x{}", plan.settings.len(), plan.members.len());
        group.bench_function(format!("{name}_{size}_{}_runs_2_threads", probe.len()), |b| {
            b.iter(|| plan.run(Shard::ALL, 2, |_| {}).expect("the sweep runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, sweep, explore, sweep_suite);
criterion_main!(benches);
