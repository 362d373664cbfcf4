//! What an exploration writes: `explore.json` (the configuration under test, the seeds, each property's tally,
//! reachability, the failures), one scenario file per shrunk failure in `failures/` and, when asked, the charts
//! of each failure's run beside it. Nothing in them depends on the machine, the clock or the number of threads:
//! a failure's charts are drawn from its file's text alone.

use super::exploration::{Exploration, FromScenario, Report, config_changes};
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
    claim_dir_for(dir, force, is_explore_dir, "files no exploration writes (it writes explore.json and failures/)")
}

/// Whether every entry of `dir` is one an exploration writes.
fn is_explore_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).all(|e| {
            e.file_name().to_str().is_some_and(|n| {
                is_own_entry(n, |n| n == EXPLORE_FILE || n == FAILURES_DIR || n == crate::output::REPORT_FILE)
            })
        })
    })
}

/// What an exploration ran under, as `explore.json` writes it: the scenario its workloads were drawn around
/// (`--from`: the file as given and its sha256, so shards of different scenarios do not merge), the mode and
/// the configuration's keys that differ from the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Header {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<FromScenario>,
    /// `off` or `g6`.
    pub parity: String,
    pub config: serde_json::Map<String, serde_json::Value>,
}

impl Header {
    /// The header of `exploration`.
    pub fn of(exploration: &Exploration) -> Self {
        let config = config_changes(exploration.config());
        let parity = if exploration.config().parity.is_g6() { "g6" } else { "off" };
        Header { from: exploration.from().cloned(), parity: parity.to_string(), config }
    }
}

/// A shard's place: which of how many, and every seed of the whole exploration (as ranges), so a merge knows
/// when it has them all; and whether the shard drew its failures' charts, so the merge draws them too.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ShardOf {
    pub shard: String,
    pub plan: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plots: bool,
}

/// `explore.json`.
#[derive(Serialize)]
struct Summary<'a> {
    g6sim_version: &'static str,
    #[serde(flatten)]
    header: &'a Header,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<&'a ShardOf>,
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

/// Writes `report`'s files into `dir` (claimed already): the failures first (each one's charts after its file,
/// when [`Report::with_charts`] asked for them), then `explore.json`, each atomically; the failure files and
/// charts of an earlier exploration in `dir` are removed. Returns the paths written but the charts, which
/// each failure's `charts` names.
pub fn write(dir: &Path, header: &Header, shard: Option<&ShardOf>, report: &Report) -> std::io::Result<Vec<PathBuf>> {
    let failures = dir.join(FAILURES_DIR);
    if failures.is_dir() {
        remove_earlier(&failures)?;
    }
    // A report of an earlier exploration into this directory would tell of other findings.
    crate::output::remove_if_there(&dir.join(crate::output::REPORT_FILE))?;
    let mut written = Vec::new();
    if !report.failures.is_empty() {
        std::fs::create_dir_all(&failures)?;
    }
    for failure in &report.failures {
        let path = failures.join(&failure.file);
        write_atomic(&path, failure.text.as_bytes())?;
        written.push(path);
        if let Some(charts) = &failure.charts {
            let target = failures.join(charts);
            draw_charts(failure, &target)
                .map_err(|e| std::io::Error::other(format!("{}: cannot draw the charts: {e}", target.display())))?;
        }
    }
    let summary = Summary {
        g6sim_version: env!("CARGO_PKG_VERSION"),
        header,
        shard,
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

/// Whether `stem` is a failure's name as an exploration writes it, `<property>-<8 hex digits>`.
fn failure_stem(stem: &str) -> bool {
    stem.rsplit_once('-').is_some_and(|(property, hash)| {
        !property.is_empty() && hash.len() == 8 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Removes what an earlier exploration wrote into `failures`: its scenario files, and its chart folders (the
/// charts in them, then each folder once it is empty); files and folders named otherwise are left alone.
fn remove_earlier(failures: &Path) -> std::io::Result<()> {
    let ours = |path: &Path, extensions: &[&str]| path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x));
    for entry in std::fs::read_dir(failures)? {
        let path = entry?.path();
        if !path.file_stem().and_then(|s| s.to_str()).is_some_and(failure_stem) {
            continue;
        }
        if path.is_dir() {
            for chart in std::fs::read_dir(&path)? {
                let chart = chart?.path();
                if ours(&chart, &["svg", "png"]) {
                    std::fs::remove_file(&chart)?;
                }
            }
            if std::fs::read_dir(&path)?.next().is_none() {
                std::fs::remove_dir(&path)?;
            }
        } else if ours(&path, &["ron"]) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Draws the charts of a failure's run into `target`, as `g6sim run FILE --no-env --plots` draws them: its
/// file's text loaded and run under the configuration written in it, without the environment.
fn draw_charts(failure: &super::Failure, target: &Path) -> Result<Vec<PathBuf>, String> {
    let scenario = crate::scenario::parse(&failure.file, &failure.text).map_err(|e| e.to_string())?;
    let loaded = crate::scenario::LoadedScenario::inline(scenario, &failure.file);
    let prepared = crate::run::prepare(&loaded, &crate::run::RunOptions::default()).map_err(|e| e.to_string())?;
    let mut series = crate::plot::PlotSeries::new();
    let run = prepared.stream(|view| series.observe(view.summary, view.events)).map_err(|e| e.to_string())?;
    crate::plot::draw(series, &run, target).map_err(|e| e.to_string())
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

/// `explore.json` read back (a shard's, for `explore merge`).
#[derive(serde::Deserialize)]
struct Written {
    #[serde(flatten)]
    header: Header,
    shard: Option<ShardOf>,
    seeds: String,
    cycles: u64,
    expiry_cycles: u64,
    properties: Vec<super::PropertyTally>,
    reach: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
    failures: Vec<super::Failure>,
}

/// Why shards cannot be merged.
#[derive(Debug, thiserror::Error)]
#[error("{0}\n  hint: name every shard directory of one exploration once (each holds explore.json with its shard)")]
pub struct MergeError(String);

/// The exploration the shard directories `dirs` make together, as one machine would have reported it: the
/// header, the whole plan's seeds, counts summed, and the failures of each property's lowest failing seeds (with
/// their charts asked for when a shard drew its own).
pub fn merge(dirs: &[PathBuf]) -> Result<(Header, Report), MergeError> {
    let bad = |dir: &Path, why: String| MergeError(format!("{}: {why}", dir.display()));
    let mut shards: Vec<(PathBuf, Written)> = Vec::new();
    for dir in dirs {
        let bytes =
            std::fs::read(dir.join(EXPLORE_FILE)).map_err(|e| bad(dir, format!("cannot read {EXPLORE_FILE}: {e}")))?;
        let mut written: Written =
            serde_json::from_slice(&bytes).map_err(|e| bad(dir, format!("{EXPLORE_FILE}: {e}")))?;
        for f in &mut written.failures {
            f.text = std::fs::read_to_string(dir.join(FAILURES_DIR).join(&f.file))
                .map_err(|e| bad(dir, format!("{}: {e}", f.file)))?;
        }
        shards.push((dir.clone(), written));
    }
    let Some((first_dir, first)) =
        shards.first().map(|(d, w)| (d.clone(), (w.header.clone(), w.shard.clone(), w.properties.clone())))
    else {
        return Err(MergeError("no shard directory".into()));
    };
    let first_dir = &first_dir;
    let (first_header, first_shard, first_properties) = first;
    let Some(of) = first_shard else { return Err(bad(first_dir, "not a shard (no `shard` in explore.json)".into())) };
    let count: usize = of.shard.split_once('/').and_then(|(_, n)| n.parse().ok()).unwrap_or(0);
    let mut seen = vec![false; count];
    for (dir, w) in &shards {
        let Some(this) = &w.shard else { return Err(bad(dir, "not a shard (no `shard` in explore.json)".into())) };
        if this.plan != of.plan || w.header != first_header || w.properties.len() != first_properties.len() {
            return Err(bad(dir, format!("a shard of another exploration than {}", first_dir.display())));
        }
        let index = this
            .shard
            .split_once('/')
            .and_then(|(i, n)| (n.parse() == Ok(count)).then(|| i.parse::<usize>().ok()).flatten());
        match index {
            Some(i) if i < count && !seen[i] => seen[i] = true,
            Some(i) if i < count => return Err(bad(dir, format!("shard {i}/{count} is given twice"))),
            _ => return Err(bad(dir, format!("shard {} is not one of {count}", this.shard))),
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(MergeError(format!("shard {missing}/{count} is missing")));
    }
    let mut report = Report {
        seeds: parse_ranges(&of.plan).ok_or_else(|| bad(first_dir, format!("`{}` is not a seed plan", of.plan)))?,
        cycles: 0,
        expiry_cycles: 0,
        properties: first_properties
            .iter()
            .map(|p| super::PropertyTally { runs: 0, failed: 0, failing_seeds: Vec::new(), ..p.clone() })
            .collect(),
        reach: super::Reach::default(),
        failures: Vec::new(),
    };
    let mut failures = Vec::new();
    let mut explored = 0;
    let mut plots = false;
    for (dir, w) in shards {
        explored += parse_ranges(&w.seeds).map_or(0, |s| s.len());
        report.cycles += w.cycles;
        report.expiry_cycles += w.expiry_cycles;
        for (tally, theirs) in report.properties.iter_mut().zip(&w.properties) {
            tally.runs += theirs.runs;
            tally.failed += theirs.failed;
            tally.failing_seeds.extend(&theirs.failing_seeds);
        }
        for (category, counts) in &w.reach {
            for (name, n) in counts {
                report.reach.add_named(category, name, *n).map_err(|e| bad(&dir, e))?;
            }
        }
        failures.extend(w.failures);
        plots |= w.shard.as_ref().is_some_and(|s| s.plots);
    }
    if explored != report.seeds.len() {
        return Err(MergeError(format!(
            "the shards explored {explored} of the plan's {} seeds: a shard was cut short",
            report.seeds.len()
        )));
    }
    // As one machine picks them: each property's lowest failing seeds, in the properties' order.
    for tally in &mut report.properties {
        tally.failing_seeds.sort_unstable();
        for seed in tally.failing_seeds.iter().take(super::SHRUNK_PER_PROPERTY) {
            if let Some(f) = failures.iter().find(|f| f.property == tally.property && f.seed == *seed)
                && !report.failures.iter().any(|g| g.file == f.file)
            {
                report.failures.push(f.clone());
            }
        }
    }
    // A shard drew its failures' charts: the merge draws every failure's, as one machine would have.
    let report = if plots { report.with_charts() } else { report };
    Ok((first_header, report))
}

/// The seeds of `1..5,9` (what [`seed_ranges`] writes).
fn parse_ranges(text: &str) -> Option<Vec<u64>> {
    let mut seeds = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        match part.split_once("..") {
            Some((a, b)) => seeds.extend(a.parse::<u64>().ok()?..=b.parse::<u64>().ok()?),
            None => seeds.push(part.parse().ok()?),
        }
    }
    Some(seeds)
}

/// `1..5,9,12..14`: runs of consecutive seeds as ranges (inclusive), in the order given.
pub fn seed_ranges(seeds: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < seeds.len() {
        let mut end = k;
        while end + 1 < seeds.len() && seeds[end].checked_add(1) == Some(seeds[end + 1]) {
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
    fn only_failure_names_are_an_explorations() {
        assert!(failure_stem("few_depth_flips-6c0b6076") && failure_stem("user-1-0a1b2c3d"));
        for other in ["mine", "few_depth_flips", "x-6c0b607", "x-6C0B6076", "-6c0b6076", "x-6c0b6076g"] {
            assert!(!failure_stem(other), "{other}");
        }
    }

    #[test]
    fn seeds_are_written_as_ranges() {
        assert_eq!(seed_ranges(&[1, 2, 3, 4, 5, 9, 12, 13, 14]), "1..5,9,12..14");
        assert_eq!(seed_ranges(&[7]), "7");
        assert_eq!(seed_ranges(&[]), "");
        assert_eq!(seed_ranges(&[3, 2, 1]), "3,2,1");
        assert_eq!(
            seed_ranges(&[u64::MAX, 1, u64::MAX - 1, u64::MAX]),
            format!("{},1,{}..{}", u64::MAX, u64::MAX - 1, u64::MAX)
        );
    }
}
