//! What an exploration writes: `explore.json` (the configuration under test, the seeds, each property's tally,
//! reachability, the failures) and one scenario file per shrunk failure in `failures/`. Nothing in them
//! depends on the machine, the clock or the number of threads.

use super::exploration::{Exploration, Report, config_fields};
use crate::output::{DirError, DirLock, claim_dir_for, is_own_entry, write_atomic};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The exploration's summary file.
pub const EXPLORE_FILE: &str = "explore.json";
/// The folder of shrunk failures.
pub const FAILURES_DIR: &str = "failures";

/// Checks, before anything runs, that `dir` can take an exploration's files and locks it (as
/// [`crate::output::claim_dir`] does for a run): a new or empty directory, or one an exploration wrote.
pub fn claim_dir(dir: &Path, force: bool) -> Result<DirLock, DirError> {
    claim_dir_for(dir, force, is_explore_dir, "no g6sim exploration (no explore.json)")
}

/// Whether every entry of `dir` is one an exploration writes.
fn is_explore_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).all(|e| {
            e.file_name().to_str().is_some_and(|n| is_own_entry(n, |n| n == EXPLORE_FILE || n == FAILURES_DIR))
        })
    })
}

/// `explore.json`.
#[derive(Serialize)]
struct Summary<'a> {
    g6sim_version: &'static str,
    /// `off` or `g6`.
    parity: &'static str,
    /// The configuration under test: the keys that differ from the defaults.
    config: serde_json::Map<String, serde_json::Value>,
    /// The seeds explored, as ranges (`1..200`) and single seeds.
    seeds: String,
    runs: usize,
    cycles: u64,
    expiry_cycles: u64,
    properties: &'a [super::PropertyTally],
    reach: &'a super::Reach,
    never_reached: Vec<String>,
    failures: &'a [super::Failure],
}

/// Writes `report`'s files into `dir` (claimed already): the failures first, then `explore.json`, each
/// atomically; failure files of an earlier exploration in `dir` are removed. Returns the paths written.
pub fn write(dir: &Path, exploration: &Exploration, report: &Report) -> std::io::Result<Vec<PathBuf>> {
    let failures = dir.join(FAILURES_DIR);
    if failures.is_dir() {
        for entry in std::fs::read_dir(&failures)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "ron") {
                std::fs::remove_file(&path)?;
            }
        }
    }
    let mut written = Vec::new();
    if !report.failures.is_empty() {
        std::fs::create_dir_all(&failures)?;
    }
    for failure in &report.failures {
        let path = failures.join(&failure.file);
        write_atomic(&path, failure.text.as_bytes())?;
        written.push(path);
    }
    let config = exploration.config();
    let config = config_fields(config)
        .iter()
        .filter_map(|field| {
            let (key, value) = field.split_once(": ")?;
            let value = serde_json::from_str(value).unwrap_or(serde_json::Value::Null);
            Some((key.to_string(), value))
        })
        .collect();
    let summary = Summary {
        g6sim_version: env!("CARGO_PKG_VERSION"),
        parity: if exploration.config().parity.is_g6() { "g6" } else { "off" },
        config,
        seeds: seed_ranges(&report.seeds),
        runs: report.seeds.len(),
        cycles: report.cycles,
        expiry_cycles: report.expiry_cycles,
        properties: &report.properties,
        reach: &report.reach,
        never_reached: report.reach.never_reached(),
        failures: &report.failures,
    };
    let mut json = serde_json::to_vec_pretty(&summary).map_err(std::io::Error::other)?;
    json.push(b'\n');
    let path = dir.join(EXPLORE_FILE);
    write_atomic(&path, &json)?;
    written.push(path);
    Ok(written)
}

/// Writes the scenario of every seed of `seeds` into `dir` as `explore-<seed>.ron`, as the exploration ran it:
/// its configuration and mode written in, the whole catalogue as its expectations, so `g6sim run` on it gives
/// that run. Returns how many files were written.
pub fn emit(dir: &Path, exploration: &Exploration, seeds: &[u64]) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    for &seed in seeds {
        let text = exploration.scenario_text(seed);
        write_atomic(&dir.join(format!("explore-{seed}.ron")), text.as_bytes())?;
    }
    Ok(seeds.len())
}

/// `1..5,9,12..14`: runs of consecutive seeds as ranges (inclusive), in the order given.
pub fn seed_ranges(seeds: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < seeds.len() {
        let mut end = k;
        while end + 1 < seeds.len() && seeds[end + 1] == seeds[end] + 1 {
            end += 1;
        }
        parts.push(if end == k { seeds[k].to_string() } else { format!("{}..{}", seeds[k], seeds[end]) });
        k = end + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_written_as_ranges() {
        assert_eq!(seed_ranges(&[1, 2, 3, 4, 5, 9, 12, 13, 14]), "1..5,9,12..14");
        assert_eq!(seed_ranges(&[7]), "7");
        assert_eq!(seed_ranges(&[]), "");
        assert_eq!(seed_ranges(&[3, 2, 1]), "3,2,1");
    }
}
