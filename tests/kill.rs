//! Kill safety: a run SIGKILLed at any moment leaves only complete, valid files (every write goes through
//! a temporary sibling and a rename). Runs write per-cycle benchmark artifacts, then the outputs, then the
//! charts; the kill moments come from a fixed seed and spread over all three stages in a debug build.

use crate::common::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const SCENARIO: &str = "scenarios/strike_dropout_recovery.ron";
/// Enough cycles for the artifacts to take a while; the charts follow the outputs.
const CYCLES: &str = "100";
/// What the second run into an existing directory changes, so that its files differ from the first's.
const SECOND: [&str; 4] = ["--set", "expansion_step=4", "--set", "strike_coverage_ok=0.8"];

/// `n` kill moments from 5 ms to 1.5 s, one drawn in each of `n` equal slices of the log scale (a fixed
/// xorshift seed: the same list every run).
fn moments(n: u32, mut seed: u64) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let u = (f64::from(i) + (seed >> 11) as f64 / (1u64 << 53) as f64) / f64::from(n);
            Duration::from_micros((5_000.0 * 300f64.powf(u)) as u64)
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

/// Runs to the end; panics unless the run passes or fails its expectations normally (0 or 1).
fn complete(case: &Path, cycles: &str, extra: &[&str]) {
    let status = command(case, cycles, extra).status().unwrap();
    assert!(matches!(status.code(), Some(0 | 1)), "{status}");
}

/// Starts a run and SIGKILLs it after `delay` (it may have finished by then).
fn killed(case: &Path, extra: &[&str], delay: Duration) {
    let mut child = Spawned::spawn(&mut command(case, CYCLES, extra));
    std::thread::sleep(delay);
    let _ = child.0.kill(); // SIGKILL on unix; an error only means it already exited
    child.wait_status();
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
    // Into fresh directories: whatever stage the kill lands in, what is there is whole.
    let fresh = moments(8, 0x6_5EED_C0DE);
    let mut left = Vec::new();
    for (i, delay) in fresh.iter().enumerate() {
        let case = base.join(format!("fresh{i}"));
        killed(&case, &[], *delay);
        let (outputs, _) = check(&[&case.join("out")], &format!("killed after {delay:?}"));
        let (artifacts, temps) = check(&[&case.join("artifacts")], &format!("killed after {delay:?}"));
        left.push(format!("{delay:?}: {artifacts} artifacts, {outputs} outputs, {temps} temporaries"));
    }
    eprintln!("fresh directories:\n  {}", left.join("\n  "));

    // A second run (other settings) into a finished run's directories: the run files are all there and every
    // file is either the first run's or the second's complete version (charts may be gone: the run owns them).
    let (first_case, second_case) = (base.join("first"), base.join("second"));
    std::thread::scope(|s| {
        s.spawn(|| complete(&first_case, CYCLES, &[]));
        s.spawn(|| complete(&second_case, CYCLES, &SECOND));
    });
    let (first_out, first_art, second_out) =
        (first_case.join("out"), first_case.join("artifacts"), second_case.join("out"));
    let (first, _) = files(&first_out);
    let (second, _) = files(&second_out);
    let first_artifacts = files(&first_art).0;
    assert_eq!(first.len(), 12, "4 outputs and 8 charts: {:?}", first.keys());
    assert_eq!(first_artifacts.len(), 100);
    assert!(first.iter().any(|(p, b)| second.get(p) != Some(b)), "the second run must write other bytes");
    let mut left = Vec::new();
    for (i, delay) in moments(4, 0xA6A1_42ED).iter().enumerate() {
        let case = base.join(format!("again{i}"));
        let (out, artifacts) = (case.join("out"), case.join("artifacts"));
        copy_dir(&first_out, &out);
        copy_dir(&first_art, &artifacts);
        killed(&case, &SECOND, *delay);
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
        let (arts, _) = files(&artifacts);
        for (path, bytes) in &first_artifacts {
            assert_eq!(arts.get(path), Some(bytes), "{context}: the first run's {} changed", path.display());
        }
        let added = arts.len() - first_artifacts.len();
        left.push(format!("{delay:?}: {added} new artifacts, {replaced} outputs replaced, {temps} temporaries"));
    }
    eprintln!("second run into a finished run's directories:\n  {}", left.join("\n  "));
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

#[test]
fn the_moments_are_fixed_and_spread() {
    let m = moments(8, 0x6_5EED_C0DE);
    assert_eq!(m, moments(8, 0x6_5EED_C0DE));
    assert!(m.windows(2).all(|w| w[0] < w[1]), "{m:?}");
    assert!(m[0] >= Duration::from_millis(5) && m[7] <= Duration::from_millis(1500), "{m:?}");
    assert!(m[0] < Duration::from_millis(10) && m[7] > Duration::from_millis(700), "{m:?}");
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
