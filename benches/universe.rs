//! Criterion benchmark of reading a Kite instruments dump (a 100k-row dump ingests well under a second in
//! release): a 100k-row synthetic NFO+BFO dump, generated in memory, plain and gzipped.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use g6sim::universe::write::{gzip, synthetic_rows, to_csv};
use g6sim::universe::{SyntheticSpec, parse};
use std::hint::black_box;
use std::time::Duration;

/// 100,000 rows: the five registry indices' options (with a few equities and futures first), cut to size.
fn dump_100k() -> Vec<u8> {
    let spec = SyntheticSpec { strikes_per_side: 800, ..SyntheticSpec::default() };
    let mut rows = synthetic_rows(&spec).expect("registry indices");
    assert!(rows.len() >= 100_000, "{} rows", rows.len());
    rows.truncate(100_000);
    to_csv(&rows)
}

fn ingest(c: &mut Criterion) {
    let csv = dump_100k();
    let gz = gzip(&csv);
    let check = parse("bench.csv", &csv).expect("the dump reads");
    assert_eq!(check.counts.rows, 100_000);
    let mut group = c.benchmark_group("universe");
    group.sample_size(20).measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("ingest_100k_rows_csv", |b| {
        b.iter(|| parse("bench.csv", black_box(&csv)).map(|d| d.counts.index_options))
    });
    group.bench_function("ingest_100k_rows_gzip", |b| {
        b.iter(|| parse("bench.csv.gz", black_box(&gz)).map(|d| d.counts.index_options))
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
