//! Tuning: one scenario run over a grid of configuration settings and seeds, each run scored, the settings
//! ranked ([`results`]), on one machine (threads) or many (shards merged back into the same files).
//!
//! Files of a sweep directory: `sweep.json` (what was swept), `runs.jsonl` (every run's scores, in job
//! order), `results.csv` and `results.json` (one row per setting), `pareto.txt` (the Pareto front) and
//! `heatmaps/` (the scores of every pair of swept keys, SVG and PNG: [`heatmap::render_sweep`]). A shard
//! writes `sweep.json` and `runs-shard-I-of-N.jsonl`; [`merge`] turns a set of shard directories into the
//! files of the whole sweep, byte for byte.

pub(crate) mod heatmap;
pub(crate) mod lean;
pub(crate) mod plan;
pub(crate) mod results;
pub(crate) mod score;
pub(crate) mod seeds;
pub(crate) mod spec;

pub use lean::{EVENTS as LEAN_EVENTS, gives as lean_gives};
pub use plan::{JobScore, Plan, Setting, Shard, THREADS_PER_CORE, parse_threads, shard_from, threads_note};
pub use results::{Recommendation, SettingResult, SweepManifest};
pub use score::{Better, OverSeeds, RunScore, Score, score};
pub use seeds::{SeedList, SeedOutcome, reproductions, run_seed, run_seeds};
pub use spec::{Param, SpecError, parse_param, parse_seeds, parse_values};

use crate::output::{DirError, DirLock, is_own_entry, write_atomic};
use std::path::{Path, PathBuf};

/// The sweep's own description, in every sweep and shard directory.
pub const MANIFEST: &str = "sweep.json";

/// The files of a whole sweep besides its heat maps.
pub const FILES: [&str; 5] = [MANIFEST, "runs.jsonl", "results.csv", "results.json", "pareto.txt"];

/// Whether `dir` holds a sweep or shards of one: its `sweep.json` is a sweep manifest, or every entry is one
/// a sweep writes (a sweep killed before its manifest).
pub fn is_sweep_dir(dir: &Path) -> bool {
    let manifest = std::fs::read(dir.join(MANIFEST)).ok();
    let own = |name: &str| {
        FILES.contains(&name)
            || name == heatmap::HEATMAPS
            || name.strip_prefix("runs-shard-").is_some_and(|n| n.ends_with(".jsonl"))
    };
    manifest.is_some_and(|b| serde_json::from_slice::<SweepManifest>(&b).is_ok())
        || std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.filter_map(Result::ok).all(|e| e.file_name().to_str().is_some_and(|n| is_own_entry(n, own)))
        })
}

/// Checks, before anything runs, that `dir` can take a sweep's (or a shard's) files, and locks it until the
/// returned lock is dropped ([`crate::output::lock`]): missing, empty, or a sweep's directory
/// ([`is_sweep_dir`]: shards may share one, one after another); anything else is refused unless `force`, and
/// so is a directory another g6sim command is writing.
pub fn claim_dir(dir: &Path, force: bool) -> Result<DirLock, DirError> {
    crate::output::claim_dir_for(dir, force, is_sweep_dir, "no g6sim sweep (no sweep.json)")
}

/// Missing shards named in a merge's error before `and K more`.
const LISTED_SHARDS: usize = 20;

/// The file of one shard's run scores.
pub fn shard_file(shard: Shard) -> String {
    format!("runs-shard-{}-of-{}.jsonl", shard.index, shard.count)
}

fn manifest_bytes(manifest: &SweepManifest) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(manifest).expect("the sweep manifest serializes to JSON");
    out.push(b'\n');
    out
}

/// What a whole sweep concluded.
pub struct Outcome {
    pub files: Vec<PathBuf>,
    pub results: Vec<SettingResult>,
    pub recommended: Option<Recommendation>,
}

/// Writes a whole sweep's files from every job's scores (in job order).
pub fn write_sweep(dir: &Path, manifest: &SweepManifest, jobs: &[JobScore]) -> std::io::Result<Outcome> {
    std::fs::create_dir_all(dir)?;
    let settings = manifest.settings();
    let results = results::summarize(&settings, manifest.seeds.len(), jobs);
    let recommended = results::recommend(&results);
    let params: Vec<String> = manifest.params.iter().map(|(k, _)| k.clone()).collect();
    let files = [
        (MANIFEST, manifest_bytes(manifest)),
        ("runs.jsonl", results::runs_jsonl(jobs)),
        ("results.csv", results::results_csv(&params, &results).into_bytes()),
        ("results.json", results::results_json(manifest, &results, &recommended)),
        ("pareto.txt", results::pareto_text(&results, recommended.as_ref()).into_bytes()),
    ];
    let mut written = Vec::new();
    for (name, bytes) in files {
        write_atomic(&dir.join(name), &bytes)?;
        written.push(dir.join(name));
    }
    let charts = heatmap::render_sweep(dir, manifest, &results, recommended.as_ref()).map_err(std::io::Error::other)?;
    written.extend(charts);
    Ok(Outcome { files: written, results, recommended })
}

/// Writes one shard's files.
pub fn write_shard(
    dir: &Path,
    manifest: &SweepManifest,
    shard: Shard,
    jobs: &[JobScore],
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let files = [(MANIFEST.to_string(), manifest_bytes(manifest)), (shard_file(shard), results::runs_jsonl(jobs))];
    let mut written = Vec::new();
    for (name, bytes) in files {
        write_atomic(&dir.join(&name), &bytes)?;
        written.push(dir.join(name));
    }
    Ok(written)
}

/// Reads shard directories back into the sweep they slice: the manifests must be identical, every job must
/// be there exactly once.
pub fn merge(dirs: &[PathBuf]) -> Result<(SweepManifest, Vec<JobScore>), String> {
    let mut manifest: Option<(Vec<u8>, PathBuf)> = None;
    let mut found: Vec<(Shard, PathBuf)> = Vec::new();
    for dir in dirs {
        let path = dir.join(MANIFEST);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("{}: {e} (not a sweep or shard directory?)", path.display()))?;
        match &manifest {
            None => manifest = Some((bytes, path)),
            Some((first, from)) if *first != bytes => {
                return Err(format!(
                    "{} and {} describe different sweeps: merge shards of one sweep only",
                    from.display(),
                    path.display()
                ));
            }
            Some(_) => {}
        }
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("runs-shard-"))
            .collect();
        names.sort();
        for name in names {
            let shard = name
                .strip_prefix("runs-shard-")
                .and_then(|n| n.strip_suffix(".jsonl"))
                .and_then(|n| n.split_once("-of-"))
                .and_then(|(i, n)| Shard::parse(&format!("{i}/{n}")).ok())
                .ok_or_else(|| {
                    format!("{}: not a shard file name (runs-shard-I-of-N.jsonl)", dir.join(&name).display())
                })?;
            found.push((shard, dir.join(name)));
        }
    }
    let (bytes, from) = manifest.ok_or("no directory to merge")?;
    let manifest: SweepManifest =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: not a sweep manifest: {e}", from.display()))?;
    let Some(count) = found.first().map(|(s, _)| s.count) else {
        return Err("no runs-shard-I-of-N.jsonl file in the directories given".into());
    };
    if let Some((s, path)) = found.iter().find(|(s, _)| s.count != count) {
        return Err(format!("{}: shard {s}, but another file is a shard of {count}", path.display()));
    }
    found.sort_by_key(|(s, _)| s.index);
    if let Some(pair) = found.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!("shard {} is given twice: {} and {}", pair[0].0, pair[0].1.display(), pair[1].1.display()));
    }
    if found.len() < count {
        // The first few missing shards are named (a count as large as a sweep's runs is no list to print).
        let mut at = found.iter().map(|(s, _)| s.index).peekable();
        let missing: Vec<String> = (0..count)
            .filter(|i| {
                while at.next_if(|a| a < i).is_some() {}
                at.peek() != Some(i)
            })
            .take(LISTED_SHARDS)
            .map(|i| format!("{i}/{count}"))
            .collect();
        let more = count - found.len() - missing.len();
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        return Err(format!("shard(s) {}{more} missing: merge needs all {count} shards", missing.join(", ")));
    }
    let mut jobs: Vec<Option<JobScore>> = vec![None; manifest.jobs];
    for (shard, path) in &found {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            let job: JobScore = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: not a run's scores: {e}", path.display(), n + 1))?;
            let slot = jobs
                .get_mut(job.job)
                .filter(|_| shard.owns(job.job))
                .ok_or_else(|| format!("{}:{}: job {} is not one of shard {shard}", path.display(), n + 1, job.job))?;
            if slot.is_some() {
                return Err(format!("{}:{}: job {} appears twice", path.display(), n + 1, job.job));
            }
            *slot = Some(job);
        }
    }
    let absent = jobs.iter().filter(|j| j.is_none()).count();
    if absent > 0 {
        return Err(format!(
            "{absent} of {} runs are missing from the shard files (an interrupted shard?)",
            manifest.jobs
        ));
    }
    Ok((manifest, jobs.into_iter().flatten().collect()))
}
