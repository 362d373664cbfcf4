//! Kill safety: a run SIGKILLed at any moment leaves only complete, valid files (every write goes through
//! a temporary sibling and a rename). Runs write per-cycle benchmark artifacts, then the outputs, then the
//! charts. The test first runs to the end and times it, then kills runs at fractions of that duration spread
//! over the whole run (a fixed seed: the same fractions every time), and requires that at least half of the
//! kills land while the run is still going (SIGKILL ends the process, not the run's own exit). The fractions
//! are denser early: in a debug build the artifacts and outputs take the first quarter of a run and the
//! charts the rest, and the kills should reach every stage.

use crate::common::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const SCENARIO: &str = "scenarios/strike_dropout_recovery.ron";
/// Enough cycles for the artifacts to take a while; the charts follow the outputs.
const CYCLES: &str = "100";
/// What the second run into an existing directory changes, so that its files differ from the first's.
const SECOND: [&str; 4] = ["--set", "expansion_step=4", "--set", "strike_coverage_ok=0.8"];
/// The seeds of the kill fractions into fresh directories and into a finished run's directories.
const FRESH_SEED: u64 = 0x6_5EED_C0DE;
const AGAIN_SEED: u64 = 0xA6A1_42ED;
/// The most rounds of kills: a round whose kills mostly land after the end (the machine got faster than when
/// the run was timed) is run again with the run timed anew.
const ROUNDS: usize = 3;

/// `n` numbers, one drawn in each of `n` equal slices of [0, 1) by xorshift64 (shifts 13, 7, 17) from
/// `seed`: the same list every run, spread over the whole interval.
fn fractions(n: u32, mut seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (f64::from(i) + (seed >> 11) as f64 / (1u64 << 53) as f64) / f64::from(n)
        })
        .collect()
}

/// A run in `case`, writing `case/out/` and its artifacts to `case/artifacts/` (relative paths, so the
/// manifest is the same whichever case directory the run is in).
fn command(case: &Path, cycles: &str, extra: &[&str]) -> Command {
    std::fs::create_dir_all(case).unwrap();
    let mut cmd = g6sim_cmd();
    cmd.arg("run")
        .arg(root().join(SCENARIO))
        .args(["-q", "--cycles", cycles, "--plots", "--out", "out", "--set", "benchmark_dump=artifacts"])
        .args(extra)
        .current_dir(case)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Runs to the end; panics unless the run passes or fails its expectations normally (0 or 1). How long the
/// run took, from its start to its exit.
fn complete(case: &Path, cycles: &str, extra: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Spawned::spawn(&mut command(case, cycles, extra)).wait_status();
    assert!(matches!(status.code(), Some(0 | 1)), "{status}");
    start.elapsed()
}

/// Whether SIGKILL ended the process (a run that ended before the kill shows its own exit code instead).
fn ended_by_sigkill(status: ExitStatus) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::process::ExitStatusExt::signal(&status) == Some(9)
    }
    #[cfg(not(unix))]
    {
        !matches!(status.code(), Some(0 | 1))
    }
}

/// Starts a run and SIGKILLs it `delay` after its start. Whether the kill landed mid-run: the process was
/// still going, so the kill ended it; otherwise the run had finished normally (exit 0 or 1) before.
fn killed(case: &Path, extra: &[&str], delay: Duration) -> bool {
    let mut child = Spawned::spawn(&mut command(case, CYCLES, extra));
    std::thread::sleep(delay);
    let _ = child.0.kill(); // SIGKILL on unix; an exited child that is not reaped yet takes it without effect
    let status = child.wait_status();
    let mid_run = ended_by_sigkill(status);
    assert!(mid_run || matches!(status.code(), Some(0 | 1)), "neither killed nor a normal end: {status}");
    mid_run
}

/// The fraction of a run's duration at which to kill it for a number `u` of [`fractions`]: `u²`, so that as
/// many kills land in the first quarter of the run (the artifacts and the outputs) as in the rest (the charts).
fn kill_at(u: f64) -> f64 {
    u * u
}

/// Kills runs at [`kill_at`] of `fractions` of a run's duration `took` (`kill(name, delay)` kills one in a
/// case directory of that name, checks what it left and says whether it landed mid-run), and asserts that at least half of a round's kills landed mid-run.
/// A round short of that is run again, at most [`ROUNDS`] in all, with the duration measured anew by
/// `retime`. The log: one line per kill.
fn kill_rounds(
    fractions: &[f64],
    mut took: Duration,
    retime: impl Fn() -> Duration,
    mut kill: impl FnMut(String, Duration) -> (bool, String),
) -> Vec<String> {
    let mut log = Vec::new();
    for round in 1..=ROUNDS {
        let mut mid_run = 0;
        for (i, fraction) in fractions.iter().enumerate() {
            let delay = took.mul_f64(kill_at(*fraction));
            let (during, left) = kill(format!("{round}-{i}"), delay);
            mid_run += usize::from(during);
            let when = if during { "mid-run" } else { "after the end" };
            log.push(format!("round {round}: {:.3} of {took:.2?} = {delay:.2?}, {when}: {left}", kill_at(*fraction)));
        }
        if 2 * mid_run >= fractions.len() {
            return log;
        }
        if round < ROUNDS {
            took = retime();
        }
    }
    panic!("in each of {ROUNDS} rounds fewer than half of the kills landed mid-run:\n  {}", log.join("\n  "));
}

/// Whether a file is one a killed run leaves for the next to remove: a temporary, or its lock file.
fn is_temporary(name: &str) -> bool {
    (name.starts_with('.') && name.contains(".tmp-")) || name == g6sim::output::LOCK_FILE
}

/// Every final file under `dir` (relative path -> bytes), temporaries left out; how many temporaries.
fn files(dir: &Path) -> (BTreeMap<PathBuf, Vec<u8>>, usize) {
    fn walk(base: &Path, dir: &Path, found: &mut BTreeMap<PathBuf, Vec<u8>>, temps: &mut usize) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(base, &path, found, temps);
            } else if is_temporary(&name) {
                *temps += 1;
            } else {
                found.insert(path.strip_prefix(base).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let (mut found, mut temps) = (BTreeMap::new(), 0);
    walk(dir, dir, &mut found, &mut temps);
    (found, temps)
}

/// Why a file is not a complete, valid output (`None`: it is).
fn invalid(path: &Path, bytes: &[u8]) -> Option<String> {
    let name = path.file_name().unwrap().to_string_lossy();
    let json = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).err().map(|e| format!("not JSON: {e}"));
    if name.ends_with(".jsonl") {
        if !bytes.ends_with(b"\n") {
            return Some("does not end with a newline".into());
        }
        bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).find_map(json)
    } else if name.ends_with(".json.gz") {
        let mut text = Vec::new();
        match flate2::read::GzDecoder::new(bytes).read_to_end(&mut text) {
            Ok(_) => json(&text),
            Err(e) => Some(format!("does not decompress: {e}")),
        }
    } else if name.ends_with(".json") {
        json(bytes)
    } else if name == "metrics.prom" {
        (!bytes.starts_with(b"# HELP") || !bytes.ends_with(b"\n")).then(|| "not a whole exposition".into())
    } else if name.ends_with(".png") {
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some("no PNG signature".into());
        }
        image::load_from_memory_with_format(bytes, image::ImageFormat::Png).err().map(|e| format!("PNG: {e}"))
    } else if name.ends_with(".svg") {
        (!(bytes.ends_with(b"</svg>\n") || bytes.ends_with(b"</svg>"))).then(|| "SVG not closed".into())
    } else {
        Some("a file no run writes".into())
    }
}

/// Checks every final file of the directories; returns how many there were and how many temporaries.
fn check(dirs: &[&Path], context: &str) -> (usize, usize) {
    let (mut count, mut temps) = (0, 0);
    for dir in dirs {
        let (found, t) = files(dir);
        for (path, bytes) in &found {
            if let Some(why) = invalid(path, bytes) {
                panic!("{context}: {}: {why} ({} bytes)", dir.join(path).display(), bytes.len());
            }
        }
        count += found.len();
        temps += t;
    }
    (count, temps)
}

#[test]
fn a_killed_run_leaves_only_complete_files() {
    let base = temp_dir("kill");
    // Two runs to the end, the second with other settings: what a killed run's files are compared with, and
    // how long a run takes here, which places the kills.
    let (first_case, second_case) = (base.join("first"), base.join("second"));
    let first_took = complete(&first_case, CYCLES, &[]);
    let second_took = complete(&second_case, CYCLES, &SECOND);
    // The shorter of the two (their settings cost about the same): a moment of load while one ran does not
    // push the kills past the end.
    let took = first_took.min(second_took);
    let (first_out, first_art, second_out) =
        (first_case.join("out"), first_case.join("artifacts"), second_case.join("out"));
    let (first, _) = files(&first_out);
    let (second, _) = files(&second_out);
    let first_artifacts = files(&first_art).0;
    assert_eq!(first.len(), 12, "4 outputs and 8 charts: {:?}", first.keys());
    assert_eq!(first_artifacts.len(), 100);
    assert!(first.iter().any(|(p, b)| second.get(p) != Some(b)), "the second run must write other bytes");

    // Into fresh directories: whatever stage the kill lands in, what is there is whole.
    let retime = |extra: &'static [&'static str]| {
        let base = &base;
        move || {
            let case = base.join("retime");
            let _ = std::fs::remove_dir_all(&case);
            complete(&case, CYCLES, extra)
        }
    };
    let log = kill_rounds(&fractions(8, FRESH_SEED), took, retime(&[]), |name, delay| {
        let case = base.join(format!("fresh{name}"));
        let mid_run = killed(&case, &[], delay);
        let context = format!("killed after {delay:?}");
        let (outputs, _) = check(&[&case.join("out")], &context);
        let (artifacts, temps) = check(&[&case.join("artifacts")], &context);
        if !mid_run {
            assert_eq!((outputs, artifacts), (12, 100), "{context}: a run that ended wrote everything");
        }
        (mid_run, format!("{artifacts} artifacts, {outputs} outputs, {temps} temporaries"))
    });
    eprintln!("fresh directories:\n  {}", log.join("\n  "));

    // The second run into a finished first run's directories: the run files are all there and every file is
    // either the first run's or the second's complete version (charts may be gone: the run owns them).
    let log = kill_rounds(&fractions(4, AGAIN_SEED), took, retime(&SECOND), |name, delay| {
        let case = base.join(format!("again{name}"));
        let (out, artifacts) = (case.join("out"), case.join("artifacts"));
        copy_dir(&first_out, &out);
        copy_dir(&first_art, &artifacts);
        let mid_run = killed(&case, &SECOND, delay);
        let context = format!("second run killed after {delay:?}");
        let (_, temps) = check(&[&out, &artifacts], &context);
        let (now, _) = files(&out);
        // The run files are always there. Until the second run's manifest is in place the first run is whole,
        // charts included; after it, the second run removes the first's charts and draws its own, so a chart
        // may be missing then (never half-written).
        let is_chart = |p: &Path| p.starts_with("plots");
        let run_files = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().filter(|p| !is_chart(p)).cloned().collect::<Vec<_>>();
        assert_eq!(run_files(&now), run_files(&first), "{context}");
        assert!(now.keys().all(|p| first.contains_key(p)), "{context}: {:?}", now.keys());
        let manifest = Path::new("manifest.json");
        if now[manifest] == first[manifest] {
            assert_eq!(now.len(), first.len(), "{context}: the first run's manifest without all its charts");
        }
        let mut replaced = 0;
        for (path, bytes) in &now {
            let (old, new) = (&first[path], &second[path]);
            assert!(bytes == old || bytes == new, "{context}: {} is neither run's complete file", path.display());
            replaced += usize::from(bytes != old);
        }
        if !mid_run {
            assert_eq!(&now, &second, "{context}: a run that ended replaced every output");
        }
        let (arts, _) = files(&artifacts);
        for (path, bytes) in &first_artifacts {
            assert_eq!(arts.get(path), Some(bytes), "{context}: the first run's {} changed", path.display());
        }
        let added = arts.len() - first_artifacts.len();
        (mid_run, format!("{added} new artifacts, {replaced} outputs replaced, {temps} temporaries"))
    });
    eprintln!("second run into a finished run's directories:\n  {}", log.join("\n  "));
    std::fs::remove_dir_all(&base).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The rounds of kills: a round whose kills mostly land after the end is run again on a duration measured
/// anew, and the test fails when no round of [`ROUNDS`] has half of its kills mid-run (no process: a kill
/// lands mid-run here when its delay is under a made-up run's duration).
#[test]
fn kills_that_miss_the_run_are_placed_again_then_fail_the_test() {
    let second = Duration::from_secs(1);
    let in_time = |_: String, delay: Duration| (delay < second, String::new());
    // Timed at 10 s, the run takes 1 s: 3 of 8 kills land in time (u² x 10 s < 1 s for u = 0.07, 0.23, 0.26);
    // timed anew at 1 s, all 8 do.
    let retimed = std::cell::Cell::new(0);
    let log = kill_rounds(
        &fractions(8, FRESH_SEED),
        10 * second,
        || {
            retimed.set(retimed.get() + 1);
            second
        },
        in_time,
    );
    assert_eq!((retimed.get(), log.len()), (1, 16), "{log:?}");
    assert_eq!(log.iter().filter(|l| l.starts_with("round 1:") && l.contains("mid-run")).count(), 3, "{log:?}");
    assert_eq!(log.iter().filter(|l| l.starts_with("round 2:") && l.contains("mid-run")).count(), 8, "{log:?}");
    // A run that always ends before the kills fails the test after the last round.
    let missed = std::panic::catch_unwind(|| {
        kill_rounds(&fractions(4, AGAIN_SEED), second, || second, |_, _| (false, String::new()))
    });
    let message = *missed.expect_err("no kill landed mid-run").downcast::<String>().unwrap();
    assert!(message.starts_with(&format!("in each of {ROUNDS} rounds")), "{message}");
}

/// The fractions against a second, independent computation of the same generator: Python's integers, masked
/// to 64 bits, printed with `repr` (the same IEEE doubles, the same operations in the same order):
///
/// ```python
/// def fractions(n, seed):
///     out, m = [], (1 << 64) - 1
///     for i in range(n):
///         seed ^= (seed << 13) & m; seed ^= seed >> 7; seed ^= (seed << 17) & m
///         out.append((i + (seed >> 11) / 2**53) / n)
///     return out
/// ```
#[test]
fn the_kill_fractions_are_fixed_and_spread() {
    let fresh = [
        0.07255631858521645,
        0.22979523197897941,
        0.2553390413298363,
        0.3764731992021314,
        0.5221118670081396,
        0.7345502397796037,
        0.7698415013677627,
        0.9748590677591302,
    ];
    assert_eq!(fractions(8, FRESH_SEED), fresh);
    assert_eq!(
        fractions(4, AGAIN_SEED),
        [0.04099409649318017, 0.3502760394636774, 0.530321452838734, 0.9977028607486004]
    );
    // One in each slice: the kills cover the start, the middle and the end of a run.
    for n in [1, 4, 8, 13] {
        let f = fractions(n, FRESH_SEED);
        for (i, x) in f.iter().enumerate() {
            let slice = i as f64 / f64::from(n)..(i + 1) as f64 / f64::from(n);
            assert!(slice.contains(x), "{n} fractions: {x} outside {slice:?}");
        }
    }
    assert_ne!(fractions(8, FRESH_SEED), fractions(8, AGAIN_SEED), "the seed matters");
    // Half of the kills in the first quarter of a run, the other half after it, the last one near the end.
    let at: Vec<f64> = fresh.iter().map(|u| kill_at(*u)).collect();
    assert_eq!(at.iter().filter(|f| **f < 0.25).count(), 4, "{at:?}");
    assert!(at[7] > 0.9, "{at:?}");
}

#[test]
fn the_checks_reject_half_written_files() {
    let cut = |b: &[u8]| b[..b.len() / 2].to_vec();
    let dir = temp_dir("kill-checks");
    complete(&dir.join("plain"), "3", &[]);
    let (out, _) = files(&dir.join("plain/out"));
    let (arts, _) = files(&dir.join("plain/artifacts"));
    assert_eq!((out.len(), arts.len()), (12, 3));
    for (path, bytes) in out.iter().chain(&arts) {
        assert_eq!(invalid(path, bytes), None, "{}", path.display());
        assert!(invalid(path, &cut(bytes)).is_some(), "half of {} passes", path.display());
    }
    complete(&dir.join("gz"), "2", &["--set", "benchmark_compress=true"]);
    let (gz, _) = files(&dir.join("gz/artifacts"));
    assert_eq!(gz.len(), 2);
    for (path, bytes) in &gz {
        assert!(path.to_string_lossy().ends_with(".json.gz"));
        assert_eq!(invalid(path, bytes), None);
        assert!(invalid(path, &cut(bytes)).is_some());
    }
    assert!(invalid(Path::new("x.txt"), b"").is_some() && is_temporary(".events.jsonl.tmp-42"));
    std::fs::remove_dir_all(&dir).unwrap();
}
