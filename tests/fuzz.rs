//! Fuzzing the scenario loader and the CLI, as proptest generators run for a bounded time with a
//! fixed seed: (a) arbitrary text, (b) mutations of every shipped `scenarios/*.ron` (byte flips, deletions,
//! duplications, spliced tokens such as `-1`, `1e308`, `NaN`, `inf`, `18446744073709551615`, huge counts,
//! deeply nested brackets, truncation). No input may panic or hang: `parse` returns Ok or Err, a parsed
//! scenario prepares and runs 3 cycles; the binary exits 0, 1 or 2, and 2 with `error:` when the file does
//! not load.
//!
//! Memory: a counting allocator measures each case's peak on its own thread and refuses (the process
//! aborts) past a hard cap, so an input that would allocate without bound fails loudly instead of taking
//! the machine down. The loader refuses universes over `MAX_ROWS_PER_CYCLE` (pinned by the tests at the
//! end); accepted inputs over `ROW_BUDGET` rows are only parsed, to keep the fuzz time bounded
//! in a debug build (a 1M-row universe runs in `tests/hostile.rs`).

use crate::common::{Spawned, proptest_config, temp_dir};
use g6sim::scenario::{Scenario, load_text, parse};
use g6sim::{RunOptions, prepare};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::LazyLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------------
// Memory accounting
// ---------------------------------------------------------------------------------------------------

/// Counts the live bytes of threads that opted in (the fuzz cases' worker threads); other threads of the
/// suite pay one thread-local read per allocation.
struct Counting;

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

/// A case that needs more than this at once is refused its allocation (and the process aborts).
const HARD_CAP: usize = 3 << 30;
/// A case that peaks above this is a finding: the loader's limits should have refused the scenario.
const SOFT_CAP: usize = 1 << 30;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if TRACKED.with(Cell::get) {
            let live = LIVE.with(Cell::get).saturating_add(layout.size());
            if live > HARD_CAP {
                return std::ptr::null_mut();
            }
            LIVE.with(|l| l.set(live));
            PEAK.with(|p| p.set(p.get().max(live)));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if TRACKED.with(Cell::get) {
            LIVE.with(|l| l.set(l.get().saturating_sub(layout.size())));
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if TRACKED.with(Cell::get) {
            let live = LIVE.with(Cell::get).saturating_sub(layout.size()).saturating_add(new_size);
            if live > HARD_CAP {
                return std::ptr::null_mut();
            }
            LIVE.with(|l| l.set(live));
            PEAK.with(|p| p.set(p.get().max(live)));
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak live bytes of the calling thread so far (tracked threads only, see [`guarded`]).
pub(crate) fn peak_so_far() -> usize {
    PEAK.with(Cell::get)
}

/// What one case did.
#[derive(Debug)]
enum Verdict {
    /// `parse` refused it.
    Rejected,
    /// Parsed, but too large to simulate (see the module doc).
    OverBudget,
    /// Parsed and prepared or refused by `prepare`; ran when prepared.
    Ran { prepared: bool },
}

/// Seconds a guarded run may take before it counts as a hang.
const HANG_S: u64 = 300;

/// Runs `f` on a fresh tracked thread with a hang guard; returns its value and peak bytes. A panic in `f`
/// comes back as an `Err` with its message. (`tests/hostile.rs` measures its runs with it too.)
pub(crate) fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<(T, usize), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            TRACKED.with(|t| t.set(true));
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let peak = PEAK.with(Cell::get);
            TRACKED.with(|t| t.set(false));
            let _ = tx.send(result.map(|v| (v, peak)).map_err(|e| {
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            }));
        })
        .expect("spawn a fuzz worker");
    // A generous hang guard: a debug-build 3-cycle run of a shipped scenario takes milliseconds, and the
    // longest guarded run (10,000 cycles) a few seconds, many times that on a loaded 2-core machine.
    match rx.recv_timeout(Duration::from_secs(HANG_S)) {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(panic)) => Err(format!("panicked: {panic}")),
        Err(_) => Err(format!("no answer within {HANG_S} s: a hang")),
    }
}

// ---------------------------------------------------------------------------------------------------
// What is too large to simulate
// ---------------------------------------------------------------------------------------------------

/// Universe rows per cycle (plus injected quote rows), the loader's upper bound.
fn estimated_rows(s: &Scenario) -> u128 {
    g6sim::scenario::rows_per_cycle(s).0
}

/// Rows per cycle the fuzz runs simulate; larger (accepted) scenarios are only parsed (module doc).
const ROW_BUDGET: u128 = 300_000;

/// The library leg of one input: parse; when it loads and fits, prepare and run 3 cycles.
fn run_library(text: String) -> Result<(Verdict, usize), String> {
    guarded(move || {
        // As if the text were a file of scenarios/ (a `universe` path is read from there).
        let dir = crate::common::root().join("scenarios");
        let Ok(loaded) = load_text("fuzz.ron", &text, &dir) else { return Verdict::Rejected };
        if estimated_rows(&loaded.scenario) > ROW_BUDGET {
            return Verdict::OverBudget;
        }
        match prepare(&loaded, &RunOptions { cycles: Some(3), ..RunOptions::default() }) {
            Ok(prepared) => {
                let run = prepared.run(|_| {});
                assert!(run.is_ok(), "a prepared run failed: {:?}", run.err());
                Verdict::Ran { prepared: true }
            }
            Err(_) => Verdict::Ran { prepared: false },
        }
    })
}

// ---------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------

/// Every shipped scenario, sorted by name.
static SEEDS: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let dir = crate::common::root().join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the shipped scenarios are missing from {}", dir.display());
    files
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
});

/// Tokens spliced into scenarios: numbers, strings and brackets at their edges, and settings at their bounds
/// ([`CATALOGUE_TOKENS`] adds every fault and check kind).
const TOKENS: &[&str] = &[
    "-1",
    "0",
    "0.0",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-308",
    "NaN",
    "inf",
    "-inf",
    "18446744073709551615",
    "18446744073709551616",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "5000",
    "5001",
    "1000",
    "10000000",
    "99999999999999999999999999",
    "0x7fffffff",
    "\"\"",
    "\"\\u{0}\"",
    "\"FOO\"",
    "\"nifty\"",
    "\"2025-13-01\"",
    "\"9999-12-31T23:59:59Z\"",
    "\"0001-01-01T00:00:00Z\"",
    "\"+262143-01-01T00:00:00Z\"",
    "\"2049-12-31T23:59:59+05:30\"",
    "()",
    "[]",
    "{}",
    "Some(",
    "None",
    "true",
    ",",
    ")",
    "]",
    "/*",
    "//",
    "r#\"",
    "'",
    "\\",
    "parity: G6,",
    "config: (prefilter_disable: true),",
    "config: (depth_max_itm: 4294967295, expansion_step: 4294967295),",
    "config: (strike_step: {\"NIFTY\": 1e-300}),",
    "config: (strike_step: {\"NIFTY\": 1e300}),",
    "provider: (strikes_per_side: 5000, weeks_listed: 1000, months_listed: 1000),",
    "depth: (itm: 5000, otm: 5000),",
    "interval_s: 18446744073709551615,",
    "\u{feff}",
    "é",
];

/// Every fault kind of the fault catalogue, at a moderate and at its largest parameter, and every check, tally
/// and expectation form of the check catalogue, as a scenario writes them: a new kind is fuzzed as it is added.
static CATALOGUE_TOKENS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    use g6sim::scenario::ExpiryRule;
    use g6sim::scenario::FaultKind;
    use g6sim::scenario::{Check, Expectation};
    fn ron(value: &impl serde::Serialize) -> &'static str {
        Box::leak(ron::to_string(value).expect("a catalogue value writes as RON").into_boxed_str())
    }
    let mut tokens = Vec::new();
    for &kind in FaultKind::ALL {
        tokens.push(ron(&kind.example()));
        tokens.push(ron(&kind.largest()));
    }
    let checks = Check::examples("NIFTY", ExpiryRule::ThisWeek);
    let expectations = Expectation::examples("NIFTY", ExpiryRule::ThisWeek, 3);
    tokens.extend(checks.iter().map(ron));
    tokens.extend(expectations.iter().map(ron));
    tokens
});

/// One edit; positions are taken modulo the text's length.
#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: usize, xor: u8 },
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize, to: usize },
    Insert { at: usize, token: &'static str },
    ReplaceNumber { nth: usize, token: &'static str },
    Nest { at: usize, open: u8, depth: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop_oneof![3 => prop::sample::select(TOKENS), 1 => prop::sample::select(CATALOGUE_TOKENS.clone())];
    prop_oneof![
        1 => (any::<usize>(), 1u8..=255).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        1 => (any::<usize>(), 1usize..=40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => (any::<usize>(), 1usize..=200, any::<usize>()).prop_map(|(at, len, to)| Mutation::Duplicate { at, len, to }),
        3 => (any::<usize>(), token.clone()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        8 => (any::<usize>(), token).prop_map(|(nth, token)| Mutation::ReplaceNumber { nth, token }),
        1 => (any::<usize>(), prop::sample::select(&b"([{"[..]), prop_oneof![1usize..=200, Just(100_000)])
            .prop_map(|(at, open, depth)| Mutation::Nest { at, open, depth }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

/// Byte ranges of the numeric literals in `text`.
fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let starts =
            text[i].is_ascii_digit() && (i == 0 || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_'));
        if starts {
            let start = if i > 0 && text[i - 1] == b'-' { i - 1 } else { i };
            let mut end = i;
            while end < text.len() && (text[end].is_ascii_alphanumeric() || text[end] == b'.' || text[end] == b'_') {
                end += 1;
            }
            out.push((start, end));
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

fn apply(mut text: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let n = text.len();
    let pos = |at: usize| if n == 0 { 0 } else { at % (n + 1) };
    match *m {
        Mutation::Flip { at, xor } if n > 0 => text[at % n] ^= xor,
        Mutation::Flip { .. } => {}
        Mutation::Delete { at, len } => {
            let a = pos(at);
            text.drain(a..(a + len).min(n));
        }
        Mutation::Duplicate { at, len, to } => {
            let a = pos(at);
            let piece = text[a..(a + len).min(n)].to_vec();
            let to = pos(to);
            text.splice(to..to, piece);
        }
        Mutation::Insert { at, token } => {
            let a = pos(at);
            text.splice(a..a, token.bytes());
        }
        Mutation::ReplaceNumber { nth, token } => {
            let found = numbers(&text);
            if !found.is_empty() {
                let (a, b) = found[nth % found.len()];
                text.splice(a..b, token.bytes());
            }
        }
        Mutation::Nest { at, open, depth } => {
            let a = pos(at);
            text.splice(a..a, std::iter::repeat_n(open, depth));
        }
        Mutation::Truncate { at } => text.truncate(pos(at)),
    }
    text
}

/// A shipped scenario with one to four edits: (scenario name, edits, the bytes).
fn mutated() -> impl Strategy<Value = (String, Vec<Mutation>, Vec<u8>)> {
    (
        0..SEEDS.len(),
        prop_oneof![3 => prop::collection::vec(mutation(), 1..=1), 1 => prop::collection::vec(mutation(), 2..=4)],
    )
        .prop_map(|(i, edits)| {
            let (name, bytes) = &SEEDS[i];
            let text = edits.iter().fold(bytes.clone(), apply);
            (name.clone(), edits, text)
        })
}

/// Text of the scenario language's alphabet, and arbitrary Unicode.
fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\n\t]{0,400}",
        "(Scenario)?\\((name|start|cycles|indices|phases|config|market|provider|expectations|symbol|faults): ?[-0-9a-zA-Z\"(){}\\[\\],:. ]{0,300}\\)?",
    ]
}

// ---------------------------------------------------------------------------------------------------
// The library leg
// ---------------------------------------------------------------------------------------------------

#[derive(Default, Debug)]
struct Tally {
    rejected: u32,
    over_budget: u32,
    refused_by_prepare: u32,
    ran: u32,
}

impl Tally {
    fn add(&mut self, v: &Verdict) {
        match v {
            Verdict::Rejected => self.rejected += 1,
            Verdict::OverBudget => self.over_budget += 1,
            Verdict::Ran { prepared: false } => self.refused_by_prepare += 1,
            Verdict::Ran { prepared: true } => self.ran += 1,
        }
    }
}

/// Runs `cases` inputs of `strategy` through the library; fails with the (shrunk) input on a panic, a
/// hang or a peak above the soft cap.
fn fuzz_library<S>(name: &str, cases: u32, strategy: S, text: impl Fn(&S::Value) -> String) -> Tally
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let tally = std::cell::RefCell::new(Tally::default());
    let mut runner = TestRunner::new(proptest_config(cases));
    let started = Instant::now();
    let result = runner.run(&strategy, |input| {
        let (verdict, peak) = run_library(text(&input)).map_err(TestCaseError::fail)?;
        prop_assert!(peak <= SOFT_CAP, "peak {} MiB: {:?}", peak >> 20, verdict);
        tally.borrow_mut().add(&verdict);
        Ok(())
    });
    let tally = tally.into_inner();
    eprintln!("fuzz {name}: {cases} cases in {:.1} s: {tally:?}", started.elapsed().as_secs_f64());
    if let Err(e) = result {
        panic!("fuzz {name}: {e}");
    }
    tally
}

#[test]
fn the_loader_never_panics_on_arbitrary_text() {
    let tally = fuzz_library("arbitrary text", 1500, arbitrary_text(), |s| s.clone());
    assert!(tally.rejected > 0);
}

#[test]
fn mutated_scenarios_load_or_fail_cleanly_and_run_three_cycles() {
    let tally =
        fuzz_library("mutated scenarios", 3000, mutated(), |(_, _, bytes)| String::from_utf8_lossy(bytes).into_owned());
    // The generator reaches both sides: inputs that load and run, and inputs the loader refuses.
    assert!(tally.ran >= 200 && tally.rejected >= 200, "{tally:?}");
}

#[test]
fn every_shipped_scenario_runs_under_the_fuzz_harness() {
    for (name, bytes) in SEEDS.iter() {
        let (verdict, _) = run_library(String::from_utf8(bytes.clone()).unwrap()).unwrap();
        assert!(matches!(verdict, Verdict::Ran { prepared: true }), "{name}: {verdict:?}");
    }
}

// ---------------------------------------------------------------------------------------------------
// The CLI leg
// ---------------------------------------------------------------------------------------------------

/// Runs the binary with a hang guard: its exit code (`None`: killed by a signal), stderr. Stderr goes to a
/// file, so a long message cannot fill a pipe nobody reads while the guard waits.
fn run_bin(args: &[&str], stderr_file: &std::path::Path) -> (Option<i32>, String) {
    let mut child = Spawned::spawn(
        crate::common::g6sim_cmd().args(args).stdout(Stdio::null()).stderr(std::fs::File::create(stderr_file).unwrap()),
    );
    let started = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            return (status.code(), String::from_utf8_lossy(&std::fs::read(stderr_file).unwrap()).into_owned());
        }
        if started.elapsed() > Duration::from_secs(60) {
            panic!("g6sim {args:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_binary_exits_0_1_or_2_on_mutated_files() {
    let dir = temp_dir("fuzz-cli");
    // The shipped scenarios' data, where their `universe` paths find it.
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let sample = "data/kite_instruments_sample.csv";
    std::fs::copy(crate::common::root().join("scenarios").join(sample), dir.join(sample)).unwrap();
    let mut runner = TestRunner::new(proptest_config(30));
    let strategy = mutated();
    let (mut loaded, mut refused) = (0, 0);
    for case in 0..30 {
        let (name, edits, bytes) = strategy.new_tree(&mut runner).unwrap().current();
        let file = dir.join(format!("case{case}.ron"));
        std::fs::write(&file, &bytes).unwrap();
        // Inputs the loader accepts but that are too large to simulate are the library leg's business.
        let parsed = std::str::from_utf8(&bytes).ok().map(|t| parse("fuzz.ron", t));
        if let Some(Ok(s)) = &parsed
            && estimated_rows(s) > ROW_BUDGET
        {
            continue;
        }
        let out = dir.join(format!("out{case}"));
        let args = ["run", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--cycles", "2"];
        let (code, stderr) = run_bin(&args, &dir.join(format!("stderr{case}.txt")));
        let shown: String = stderr.chars().take(2000).collect();
        let what = format!("case {case} ({name} with {edits:?}): exit {code:?}\n{shown}");
        assert!(matches!(code, Some(0..=2)), "{what}");
        assert!(!stderr.contains("panicked"), "{what}");
        if matches!(parsed, Some(Ok(_))) {
            loaded += 1;
        } else {
            refused += 1;
            assert_eq!(code, Some(2), "{what}");
            assert!(stderr.starts_with("error: "), "{what}");
        }
    }
    assert!(loaded > 0 && refused > 0, "both kinds reached: {loaded} loaded, {refused} refused");
}

// ---------------------------------------------------------------------------------------------------
// The loader's bound on the rows per cycle (`src/scenario/load.rs`, range validation)
// ---------------------------------------------------------------------------------------------------
//
// Each value within its own limit (`MAX_STRIKES_PER_SIDE`, `MAX_FAULT_ROWS`, `MAX_LISTED`) does not bound
// their product (universes of gigabytes and seconds per cycle): the loader bounds the rows per cycle
// (`MAX_ROWS_PER_CYCLE`).

/// One NIFTY expiry, with `top` spliced into the scenario and `faults` in a phase covering every cycle.
fn oversized(top: &str, faults: &str) -> String {
    format!(
        r#"Scenario(name: "x", start: "2025-10-06T09:15:00+05:30", cycles: 3,
            indices: [(symbol: "NIFTY", expiries: ["this_week", "next_month"])], {top}
            phases: [(name: "p", cycles: (1, 3), faults: [{faults}])])"#
    )
}

#[track_caller]
fn refused_as_too_large(text: &str) {
    match parse("big.ron", text) {
        Ok(s) => panic!("accepted a universe of about {} rows per cycle", estimated_rows(&s)),
        Err(e) => assert!(e.message.contains("too large"), "{e}"),
    }
}

/// `Oversize(10000000)` pads every listed expiry (9 by default): 90M rows per cycle; the binary aborts
/// with "memory allocation of 6442450944 bytes failed" (SIGABRT) instead of exiting 2.
#[test]
fn oversize_times_listed_expiries_is_refused() {
    refused_as_too_large(&oversized("", "Oversize(10000000)"));
}

/// `BadRows(10000000)` on two expiries: 20M quote rows per cycle, about 1.2 GB and 20 s per cycle in a
/// debug build (a 3-cycle run does not finish in 30 s).
#[test]
fn bad_rows_times_expiries_is_refused() {
    refused_as_too_large(&oversized("", "BadRows(10000000)"));
}

/// `provider: (strikes_per_side: 5000, weeks_listed: 1000, months_listed: 1000)`: 2000 listed expiries of
/// 20002 rows, 40M rows per index per cycle (1 GB and 2.7 s per cycle in a debug build; five indices, 5 GB).
#[test]
fn strikes_times_listed_expiries_is_refused() {
    refused_as_too_large(&oversized(
        "provider: (strikes_per_side: 5000, weeks_listed: 1000, months_listed: 1000),",
        "Outage",
    ));
}
