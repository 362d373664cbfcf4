//! Tuning: settings of the configuration, each scored on a suite of scenarios, histories and generated
//! workloads under several seeds, the settings ranked (`results`), on one machine (threads) or many (shards
//! merged back into the same files). The settings are a grid of the `--param` values or a design drawn from
//! their ranges (`design`); a successive halving (`halving`) runs only the promising ones on every seed.
//!
//! Files of a sweep directory: `sweep.json` (what was swept), `runs.jsonl` (every run's scores, in job
//! order), `results.csv` and `results.json` (one row per setting), `members.csv` (a suite's, per setting and
//! member), `pareto.txt` (the Pareto front), and the charts: `heatmaps/`, `pareto/`, `importance/`. A shard
//! writes `sweep.json` and `runs-shard-I-of-N.jsonl`; [`merge`] turns a set of shard directories into the
//! files of the whole sweep, byte for byte (a halving's, rung by rung: [`read_rungs`], [`write_rungs`]).

pub(crate) mod bootstrap;
pub(crate) mod design;
#[cfg(test)]
mod differential;
pub(crate) mod halving;
pub(crate) mod heatmap;
pub(crate) mod importance;
pub(crate) mod knobs;
pub(crate) mod plan;
pub(crate) mod require;
pub(crate) mod results;
pub(crate) mod sample;
pub(crate) mod scatter;
pub(crate) mod seeds;
pub(crate) mod spec;
pub(crate) mod suite;

pub use crate::scoring::score::{Better, OverSeeds, RunScore, Score, ScoreInfo, score};
pub use crate::scoring::workers::{THREADS_PER_CORE, ThreadsError, parse_threads, threads_note};
pub use design::{Design, DesignError, DesignKind, parse_importance};
pub use halving::{Halving, KeepError, Rung, parse_keep};
pub use importance::Index;
pub use plan::{JobScore, Member, NextRung, Plan, Setting, Shard, ShardError, ShardFromError, shard_from};
pub use require::{Objectives, ObjectivesError};
pub use results::{
    Aggregate, Figures, Importance, Intervals, MemberResult, Ranking, Recommendation, Scores, SettingResult, Stat,
    SweepManifest,
};
pub use seeds::{SeedList, SeedOutcome, reproductions, run_seed, run_seeds};
pub use spec::{Domain, Param, SpecError, parse_param, parse_seeds};
pub use suite::{MemberEntry, MemberKind, Source, SuiteError};

use crate::output::{DirError, DirLock, is_own_entry, write_atomic};
use crate::replay::{self, HistoryOptions};
use crate::run::{Error, RunOptions};
use std::path::{Path, PathBuf};

/// The sweep's own description, in every sweep and shard directory.
pub(crate) const MANIFEST: &str = "sweep.json";
/// The folders of a sweep's charts, in the order a report shows them.
pub(crate) const CHART_DIRS: [&str; 3] = [heatmap::HEATMAPS, scatter::PARETO, knobs::IMPORTANCE];

/// The files of a whole sweep besides its charts (`members.csv` in a suite's only).
pub(crate) const FILES: [&str; 6] = [MANIFEST, "runs.jsonl", "results.csv", "results.json", "pareto.txt", MEMBERS];

/// A suite's results per setting and member.
pub(crate) const MEMBERS: &str = "members.csv";

/// Whether `dir` holds a sweep or shards of one: its `sweep.json` is a sweep manifest, or every entry is one
/// a sweep writes (a sweep killed before its manifest).
pub(crate) fn is_sweep_dir(dir: &Path) -> bool {
    let manifest = std::fs::read(dir.join(MANIFEST)).ok();
    let own = |name: &str| {
        FILES.contains(&name)
            || name == heatmap::HEATMAPS
            || name == scatter::PARETO
            || name == knobs::IMPORTANCE
            || name == crate::output::REPORT_FILE
            || name.strip_prefix("runs-shard-").is_some_and(|n| n.ends_with(".jsonl"))
    };
    manifest.is_some_and(|b| serde_json::from_slice::<SweepManifest>(&b).is_ok())
        || std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.filter_map(Result::ok).all(|e| e.file_name().to_str().is_some_and(|n| is_own_entry(n, own)))
        })
}

/// Checks, before anything runs, that `dir` can take a sweep's (or a shard's) files, and locks it until the
/// returned lock is dropped (`crate::output::lock`): missing, empty, or a sweep's directory
/// (`is_sweep_dir`: shards may share one, one after another); anything else is refused unless `force`, and
/// so is a directory another g6sim command is writing.
pub fn claim_dir(dir: &Path, force: bool) -> Result<DirLock, DirError> {
    crate::output::claim_dir_for(dir, force, is_sweep_dir, "no g6sim sweep (no sweep.json)")
}

/// The seeds a sweep runs when none are given: 1 to 8 when a member is a scenario or a generated workload
/// (their runs differ by seed), 1 when every member is a history (a replay draws no random numbers).
pub(crate) fn default_seeds(history: bool) -> Vec<u64> {
    if history { vec![1] } else { (1..=8).collect() }
}

/// The most generated workloads a suite takes (`--explore N`): each is prepared for every setting.
pub const MAX_GENERATED: u64 = 10_000;

/// The most seeds a sweep takes: the paired bootstrap of the recommendation counts each seed's draws in 16 bits.
pub const MAX_SEEDS: usize = u16::MAX as usize;

/// What a sweep scores every setting on: scenario files, histories and directories of them
/// ([`suite::expand`]), and the generated workloads of seeds 1 to `generated` (`--explore N`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suite {
    pub paths: Vec<PathBuf>,
    pub generated: u64,
}

impl Suite {
    /// A suite of one scenario or history.
    pub fn one(path: impl Into<PathBuf>) -> Self {
        Self { paths: vec![path.into()], generated: 0 }
    }
}

/// Why a sweep cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Several seeds of a history, which draws no random numbers: every seed would replay the same.
    #[error(
        "--seeds: {seeds} seeds of a history: a replay draws no random numbers, so every seed replays the same\n  \
         hint: leave --seeds out on a history (one replay per setting)"
    )]
    SeedsOfHistory { seeds: usize },
    /// Starting depths given for a scenario, which sets its own.
    #[error(
        "--depth applies to a history (a .jsonl or .csv file, or a directory of benchmark artifacts), not to a \
         scenario: set the scenario's `depth`"
    )]
    DepthOfScenario,
    /// `--explore` with more workloads than [`MAX_GENERATED`].
    #[error("--explore {0}: at most {MAX_GENERATED} generated workloads in a suite")]
    TooManyGenerated(u64),
    /// `--seeds` with more seeds than [`MAX_SEEDS`].
    #[error(
        "--seeds: {0} seeds: a sweep takes at most {MAX_SEEDS}\n  hint: fewer seeds; a few dozen usually tell \
         settings apart (see the confidence intervals of results.csv)"
    )]
    TooManySeeds(usize),
    /// The paths name no suite: an empty directory, a member given twice.
    #[error(transparent)]
    Suite(#[from] SuiteError),
    /// A scenario or history does not load, or the grid does not plan.
    #[error(transparent)]
    Run(#[from] Error),
}

/// The plan of a sweep over `suite`: its scenarios, its histories ([`replay::is_history`]) replayed from the
/// starting depths of `history`, and its generated workloads; the settings the grid of `params`, or the
/// `design` drawn from their ranges. Refused: several seeds when every member is a
/// history (every seed replays the same) and starting depths when no member is a history. `seeds` default
/// to `default_seeds`.
pub fn plan_for(
    suite: &Suite,
    options: RunOptions,
    params: Vec<Param>,
    seeds: Option<Vec<u64>>,
    history: &HistoryOptions,
    design: Option<Design>,
) -> Result<Plan, PlanError> {
    if suite.generated > MAX_GENERATED {
        return Err(PlanError::TooManyGenerated(suite.generated));
    }
    if let Some(seeds) = seeds.as_ref().filter(|s| s.len() > MAX_SEEDS) {
        return Err(PlanError::TooManySeeds(seeds.len()));
    }
    let files = suite::expand(&suite.paths)?;
    let histories = files.iter().filter(|p| replay::is_history(p)).count();
    let only_histories = histories == files.len() && suite.generated == 0;
    if let Some(seeds) = seeds.as_ref().filter(|s| only_histories && s.len() > 1) {
        return Err(PlanError::SeedsOfHistory { seeds: seeds.len() });
    }
    if histories == 0 && !history.is_empty() {
        return Err(PlanError::DepthOfScenario);
    }
    let mut sources = Vec::new();
    for path in &files {
        let origin = path.display().to_string();
        let (kind, loaded) = if replay::is_history(path) {
            (MemberKind::History, replay::load(path, history).map_err(Error::Scenario)?.loaded)
        } else {
            (MemberKind::Scenario, crate::run::load_scenario(path, &options).map_err(Error::Scenario)?)
        };
        sources.push(Source { kind, sha256: loaded.content_sha256.clone(), loaded, origin });
    }
    sources.extend(suite::generated(suite.generated, &options, &params)?);
    suite::refuse_twins(&sources)?;
    Ok(Plan::designed(sources, options, params, seeds.unwrap_or_else(|| default_seeds(only_histories)), design)?)
}

/// Missing shards named in a merge's error before `and K more`.
const LISTED_SHARDS: usize = 20;

/// The file of one shard's run scores.
pub(crate) fn shard_file(shard: Shard) -> String {
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
    /// A suite's results per setting and member (setting-major); none for one scenario.
    pub members: Vec<MemberResult>,
    pub recommended: Option<Recommendation>,
    pub ranking: Ranking,
    /// A Saltelli design's Sobol indices (`--importance N`).
    pub importance: Option<Importance>,
    /// A halving's rungs, as they ran.
    pub rungs: Option<Vec<Rung>>,
    /// The runs the sweep made, and the full grid's (the same but in a halving).
    pub runs: usize,
    pub grid_runs: usize,
}

impl Outcome {
    /// `results.csv`'s text: one row per setting (see docs/sweeps.md).
    pub fn results_csv(&self, manifest: &SweepManifest) -> String {
        results::results_csv(&manifest.param_keys(), &self.results)
    }

    /// `results.csv` as columns ([`results::column_type`]).
    pub fn results_columns(&self, manifest: &SweepManifest) -> Vec<crate::output::columns::Column> {
        let typed = |name: &str| results::column_type(manifest, name);
        crate::output::columns::csv(&self.results_csv(manifest), typed).expect("results.csv reads back")
    }

    /// `members.csv` as columns, a suite's ([`results::column_type`]).
    pub fn members_columns(&self, manifest: &SweepManifest) -> Vec<crate::output::columns::Column> {
        let typed = |name: &str| results::column_type(manifest, name);
        crate::output::columns::csv(&self.members_csv(manifest), typed).expect("members.csv reads back")
    }

    /// `members.csv`'s text, a suite's: one row per setting and member.
    pub fn members_csv(&self, manifest: &SweepManifest) -> String {
        let names = manifest.member_names();
        results::members_csv(&manifest.param_keys(), &names, &manifest.settings(), &self.members)
    }
}

/// What a whole sweep concludes from every job's scores (in job order), without writing anything: the
/// [`Outcome`] of [`write_sweep`] but its `files`.
pub fn analyse(manifest: &SweepManifest, jobs: &[JobScore]) -> std::io::Result<Outcome> {
    let settings = manifest.settings();
    let ranking = results::Ranking::of(manifest).map_err(std::io::Error::other)?;
    let rungs = manifest.halving.map(|h| halving::progress(&h, manifest, jobs, &ranking));
    let complete = match &rungs {
        None => jobs.len() == manifest.jobs,
        Some(progress) => {
            let layout = manifest.layout();
            progress.next.is_none()
                && jobs.len() == halving::runs_of(&layout, progress.done.iter().map(|r| (r.seeds, r.settings.len())))
        }
    };
    let rungs = rungs.map(|p| p.done);
    if settings.len() != manifest.settings || !complete {
        return Err(std::io::Error::other(format!(
            "the manifest's {} settings and {} runs do not rebuild from its keys and design (edited by hand?)",
            manifest.settings, manifest.jobs
        )));
    }
    let (results, members) = results::summarize(manifest, jobs, &ranking, rungs.as_deref());
    let mut recommended = results::recommend(&results, &ranking);
    if let Some(rec) = recommended.as_mut() {
        results::settle(rec, manifest, jobs, &results, &ranking);
    }
    let importance = results::Importance::of(manifest, &results);
    Ok(Outcome {
        files: Vec::new(),
        results,
        members,
        recommended,
        ranking,
        importance,
        rungs,
        runs: jobs.len(),
        grid_runs: manifest.jobs,
    })
}

/// Writes a whole sweep's files from every job's scores (in job order).
pub fn write_sweep(dir: &Path, manifest: &SweepManifest, jobs: &[JobScore]) -> std::io::Result<Outcome> {
    let outcome = analyse(manifest, jobs)?;
    std::fs::create_dir_all(dir)?;
    let Outcome { results, recommended, ranking, importance, rungs, .. } = &outcome;
    let mut files = vec![
        (MANIFEST, manifest_bytes(manifest)),
        ("runs.jsonl", results::runs_jsonl(jobs)),
        ("results.csv", outcome.results_csv(manifest).into_bytes()),
        (
            "results.json",
            results::results_json(manifest, results, recommended, ranking, importance.as_ref(), rungs.as_deref()),
        ),
        ("pareto.txt", results::pareto_text(results, recommended.as_ref(), ranking).into_bytes()),
    ];
    if !manifest.members.is_empty() {
        files.push((MEMBERS, outcome.members_csv(manifest).into_bytes()));
    } else {
        // A sweep of one scenario rewriting a suite's directory leaves no stale per-member file.
        crate::output::remove_if_there(&dir.join(MEMBERS))?;
    }
    // A report of an earlier sweep into this directory would tell of other results.
    crate::output::remove_if_there(&dir.join(crate::output::REPORT_FILE))?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        write_atomic(&dir.join(name), &bytes)?;
        written.push(dir.join(name));
    }
    let charts = heatmap::render_sweep(dir, manifest, results, recommended.as_ref()).map_err(std::io::Error::other)?;
    written.extend(charts);
    let rivals = recommended.as_ref().map(|r| r.indistinguishable.as_slice()).unwrap_or_default();
    let scatter = scatter::render_sweep(dir, manifest, results, recommended.as_ref(), ranking, rivals)
        .map_err(std::io::Error::other)?;
    written.extend(scatter);
    let knobs = knobs::render_sweep(dir, manifest, importance.as_ref(), ranking).map_err(std::io::Error::other)?;
    written.extend(knobs);
    Ok(Outcome { files: written, ..outcome })
}

/// Writes one shard's files, and removes what an earlier sweep left in the directory that a merge would
/// read with them: a shard file of another split (shards of one split may share a directory) and a whole
/// sweep's files.
pub fn write_shard(
    dir: &Path,
    manifest: &SweepManifest,
    shard: Shard,
    jobs: &[JobScore],
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mine = shard_file(shard);
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let split = format!("-of-{}.jsonl", shard.count);
        let stale_shard = name.starts_with("runs-shard-") && name.ends_with(".jsonl") && !name.ends_with(&split);
        if stale_shard || (FILES.contains(&name.as_str()) && name != MANIFEST) {
            std::fs::remove_file(dir.join(&name))?;
        }
    }
    let files = [(MANIFEST.to_string(), manifest_bytes(manifest)), (mine, results::runs_jsonl(jobs))];
    let mut written = Vec::new();
    for (name, bytes) in files {
        write_atomic(&dir.join(&name), &bytes)?;
        written.push(dir.join(name));
    }
    Ok(written)
}

/// Why shard directories do not merge into one sweep.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A directory has no readable `sweep.json`.
    #[error("{}: {source} (not a sweep or shard directory?)", path.display())]
    NoManifest { path: PathBuf, source: std::io::Error },
    /// A directory or shard file cannot be read.
    #[error("{}: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    /// Two directories hold the manifests of different sweeps.
    #[error("{} and {} describe different sweeps: merge shards of one sweep only", first.display(), second.display())]
    DifferentSweeps { first: PathBuf, second: PathBuf },
    /// A `runs-shard-*` file whose name is no shard's.
    #[error("{}: not a shard file name (runs-shard-I-of-N.jsonl)", path.display())]
    NotAShardFile { path: PathBuf },
    /// No directory was given.
    #[error("no directory to merge")]
    NoDirectory,
    /// The manifest is no sweep manifest.
    #[error("{}: not a sweep manifest: {source}", path.display())]
    BadManifest { path: PathBuf, source: serde_json::Error },
    /// The directories hold no shard file.
    #[error("no runs-shard-I-of-N.jsonl file in the directories given")]
    NoShards,
    /// Shard files of different splits.
    #[error("{}: shard {shard}, but another file is a shard of {count}", path.display())]
    MixedSplits { path: PathBuf, shard: Shard, count: usize },
    /// One shard's file given twice.
    #[error("shard {shard} is given twice: {} and {}", first.display(), second.display())]
    Twice { shard: Shard, first: PathBuf, second: PathBuf },
    /// Shards missing: the first few are listed, then how many more.
    #[error("shard(s) {}{} missing: merge needs all {count} shards", listed.join(", "), if *more > 0 { format!(" and {more} more") } else { String::new() })]
    MissingShards { listed: Vec<String>, more: usize, count: usize },
    /// A line of a shard file is no run's scores.
    #[error("{}:{line}: not a run's scores: {source}", path.display())]
    BadLine { path: PathBuf, line: usize, source: serde_json::Error },
    /// A run's scores in the file of a shard that does not own the run.
    #[error("{}:{line}: job {job} is not one of shard {shard}", path.display())]
    ForeignJob { path: PathBuf, line: usize, job: usize, shard: Shard },
    /// A run's scores twice.
    #[error("{}:{line}: job {job} appears twice", path.display())]
    RepeatedJob { path: PathBuf, line: usize, job: usize },
    /// Runs that no shard file holds.
    #[error("{absent} of {jobs} runs are missing from the shard files (an interrupted shard?)")]
    AbsentRuns { absent: usize, jobs: usize },
    /// `--after DIR`, or a merge past a halving's first rung, where DIR holds no merged rung of a halving.
    #[error(
        "{}: holds no merged rung of a halving\n  hint: merge the first rung's shards into it first \
         (g6sim sweep merge SHARD... --out {})", dir.display(), dir.display()
    )]
    NoRungs { dir: PathBuf },
    /// A halving's merged rungs that belong to another sweep than the one run or merged.
    #[error("{}: its merged rungs are of another sweep (scenario, keys, seeds, options or version differ)", dir.display())]
    OtherHalving { dir: PathBuf },
    /// Shards of one halving that ran different rungs, or one rung after different merged rungs.
    #[error(
        "{} and {} are shards of one halving but {}: merge one rung's shards, all run after the same merged rungs",
        first.display(),
        second.display(),
        match (a, b) {
            (Some(a), Some(b)) if a != b => format!("of rungs {a} and {b}"),
            _ => "ran after different merged rungs".to_string(),
        }
    )]
    MixedRungs { first: PathBuf, second: PathBuf, a: Option<usize>, b: Option<usize> },
    /// A halving whose every rung is merged.
    #[error("{}: the halving is done (every rung is merged): nothing left to run", dir.display())]
    Finished { dir: PathBuf },
    /// Merged rungs whose manifest and runs disagree: an interrupted merge, or an edit.
    #[error(
        "{}: its merged rungs do not add up (an interrupted merge, or an edit): sweep.json says {held}, runs.jsonl \
         holds {runs} runs\n  hint: merge rung 1's shards into it again, then each later rung's", dir.display()
    )]
    Damaged { dir: PathBuf, held: String, runs: usize },
    /// A merge of a rung into a directory that holds later rungs of the same halving.
    #[error(
        "{}: holds rungs 1 to {held} of this halving; merging rung {rung}'s shards would drop the later ones\n  \
         hint: merge them into a new directory to start over from rung {rung}", dir.display()
    )]
    Rewind { dir: PathBuf, rung: usize, held: usize },
    /// Shards of a rung that do not continue the merged rungs in the output directory.
    #[error(
        "these shards ran rung {rung} after {}, but {} holds {}\n  hint: {}",
        if *rung == 1 { "nothing".to_string() } else { format!("rung {}", rung - 1) },
        dir.display(),
        if *held == 0 { "no merged rung".to_string() } else { format!("rungs 1 to {held} (other runs)") },
        if *held == 0 {
            format!("merge rung 1's shards (run without --after) into {} first", dir.display())
        } else {
            format!("run rung {}'s shards with --after {} and merge those", held + 1, dir.display())
        }
    )]
    StaleRung { rung: usize, held: usize, dir: PathBuf },
}

/// A halving's merged rungs (`sweep merge` writes them between rungs, and the whole sweep after the last):
/// the whole sweep's manifest, the runs so far (in job order), the rungs they hold, and the sha256 of their
/// `runs.jsonl`.
#[derive(Clone, Debug)]
pub struct Rungs {
    pub manifest: SweepManifest,
    pub jobs: Vec<JobScore>,
    pub held: usize,
    pub done: Vec<Rung>,
    pub sha256: String,
}

/// The runs of a `runs.jsonl` or shard file (`path`, for errors), one per line, in the file's order.
fn parse_runs(path: &Path, text: &str) -> Result<Vec<JobScore>, MergeError> {
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            serde_json::from_str(line).map_err(|source| MergeError::BadLine {
                path: path.to_path_buf(),
                line: n + 1,
                source,
            })
        })
        .collect()
}

/// The sha256 of some bytes, in hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the merged rungs of a halving in `dir` (a finished halving's too), checking that its manifest and
/// its runs agree.
pub fn read_rungs(dir: &Path) -> Result<Rungs, MergeError> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(|_| MergeError::NoRungs { dir: dir.to_path_buf() })?;
    let manifest: SweepManifest =
        serde_json::from_slice(&bytes).map_err(|source| MergeError::BadManifest { path: path.clone(), source })?;
    let (halving, held) = match (manifest.halving, manifest.rung) {
        (Some(h), Some(held)) if manifest.after_sha256.is_none() => (h, Some(held)),
        // A whole halving's files: every rung (or a last merge stopped before its runs: damaged).
        (Some(h), None) => (h, None),
        _ => return Err(MergeError::NoRungs { dir: dir.to_path_buf() }),
    };
    let runs_path = dir.join("runs.jsonl");
    let text = std::fs::read(&runs_path).map_err(|source| match source.kind() {
        // A shard's directory holds its rung's manifest but no merged runs.
        std::io::ErrorKind::NotFound => MergeError::NoRungs { dir: dir.to_path_buf() },
        _ => MergeError::Unreadable { path: runs_path.clone(), source },
    })?;
    let sha256 = sha256_hex(&text);
    let jobs = parse_runs(&runs_path, &String::from_utf8_lossy(&text))?;
    let whole = manifest.whole();
    let damaged = |jobs: &[JobScore]| MergeError::Damaged {
        dir: dir.to_path_buf(),
        held: held.map_or("the halving is done".to_string(), |h| format!("{h} rungs are merged")),
        runs: jobs.len(),
    };
    if jobs.windows(2).any(|w| w[0].job >= w[1].job) {
        return Err(damaged(&jobs));
    }
    let ranking = results::Ranking::of(&whole)
        .map_err(|e| MergeError::BadManifest { path: path.clone(), source: serde::de::Error::custom(e) })?;
    let progress = halving::progress(&halving, &whole, &jobs, &ranking);
    let runs = halving::runs_of(&whole.layout(), progress.done.iter().map(|r| (r.seeds, r.settings.len())));
    let consistent = match held {
        Some(held) => progress.done.len() == held && progress.next.is_some(),
        None => progress.next.is_none(),
    };
    if !consistent || jobs.len() != runs {
        return Err(damaged(&jobs));
    }
    Ok(Rungs { manifest: whole, jobs, held: progress.done.len(), done: progress.done, sha256 })
}

/// Writes a halving's merged rungs: `sweep.json` (with the rungs it holds) and `runs.jsonl`; the files of a
/// finished sweep an earlier run left there are removed (they are not this halving's yet).
pub fn write_rungs(
    dir: &Path,
    manifest: &SweepManifest,
    held: usize,
    jobs: &[JobScore],
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    for stale in FILES.iter().filter(|f| **f != MANIFEST && **f != "runs.jsonl") {
        match std::fs::remove_file(dir.join(stale)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    let state = SweepManifest { rung: Some(held), after_sha256: None, ..manifest.whole() };
    // The runs first: a merge stopped between the two leaves a manifest that disagrees with them, which
    // `read_rungs` refuses, never one that passes for the next rung's.
    let files = [("runs.jsonl", results::runs_jsonl(jobs)), (MANIFEST, manifest_bytes(&state))];
    let mut written = Vec::new();
    for (name, bytes) in files {
        write_atomic(&dir.join(name), &bytes)?;
        written.push(dir.join(name));
    }
    Ok(written)
}

/// What a merge gives: the whole sweep's manifest and runs (in job order), and in a halving with rungs left,
/// the rungs merged so far and how many there are.
#[derive(Clone, Debug)]
pub struct Merged {
    pub manifest: SweepManifest,
    pub jobs: Vec<JobScore>,
    /// A halving not done yet: (rungs merged, rungs).
    pub rungs_left: Option<(usize, usize)>,
}

/// Reads shard directories back into the sweep they slice: the manifests must be identical, every job must
/// be there exactly once. The shards of a halving's rung continue the rungs merged into `out` before (none
/// for the first rung), and their runs join them.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged, MergeError> {
    let mut manifest: Option<(Vec<u8>, PathBuf)> = None;
    let mut found: Vec<(Shard, PathBuf)> = Vec::new();
    for dir in dirs {
        let path = dir.join(MANIFEST);
        let bytes = std::fs::read(&path).map_err(|source| MergeError::NoManifest { path: path.clone(), source })?;
        match &manifest {
            None => manifest = Some((bytes, path)),
            Some((first, from)) if *first != bytes => {
                // Shards of one halving's different rungs, or of one rung after different merged rungs.
                let parse = |b: &[u8]| serde_json::from_slice::<SweepManifest>(b).ok();
                if let (Some(a), Some(b)) = (parse(first), parse(&bytes))
                    && a.halving.is_some()
                    && a.whole() == b.whole()
                {
                    return Err(MergeError::MixedRungs { first: from.clone(), second: path, a: a.rung, b: b.rung });
                }
                return Err(MergeError::DifferentSweeps { first: from.clone(), second: path });
            }
            Some(_) => {}
        }
        let entries = std::fs::read_dir(dir).map_err(|source| MergeError::Unreadable { path: dir.clone(), source })?;
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
                .ok_or_else(|| MergeError::NotAShardFile { path: dir.join(&name) })?;
            found.push((shard, dir.join(name)));
        }
    }
    let (bytes, from) = manifest.ok_or(MergeError::NoDirectory)?;
    let manifest: SweepManifest =
        serde_json::from_slice(&bytes).map_err(|source| MergeError::BadManifest { path: from, source })?;
    let Some(count) = found.first().map(|(s, _)| s.count) else {
        return Err(MergeError::NoShards);
    };
    if let Some((s, path)) = found.iter().find(|(s, _)| s.count != count) {
        return Err(MergeError::MixedSplits { path: path.clone(), shard: *s, count });
    }
    found.sort_by_key(|(s, _)| s.index);
    if let Some(pair) = found.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(MergeError::Twice { shard: pair[0].0, first: pair[0].1.clone(), second: pair[1].1.clone() });
    }
    if found.len() < count {
        // The first few missing shards are named (a count as large as a sweep's runs is no list to print).
        let mut at = found.iter().map(|(s, _)| s.index).peekable();
        let listed: Vec<String> = (0..count)
            .filter(|i| {
                while at.next_if(|a| a < i).is_some() {}
                at.peek() != Some(i)
            })
            .take(LISTED_SHARDS)
            .map(|i| format!("{i}/{count}"))
            .collect();
        let more = count - found.len() - listed.len();
        return Err(MergeError::MissingShards { listed, more, count });
    }
    // The jobs the shards hold between them, in order; a shard owns the ones at its positions.
    let (earlier, expected): (Vec<JobScore>, Vec<usize>) = match (&manifest.halving, manifest.rung) {
        (Some(halving), Some(rung)) => {
            let stale = |held: usize| MergeError::StaleRung { rung, held, dir: out.to_path_buf() };
            let earlier = if rung == 1 && manifest.after_sha256.is_none() {
                // The first rung starts the halving afresh, but never drops later rungs of the same one.
                match read_rungs(out) {
                    Ok(held) if held.manifest == manifest.whole() && held.held > 1 => {
                        return Err(MergeError::Rewind { dir: out.to_path_buf(), rung, held: held.held });
                    }
                    _ => Vec::new(),
                }
            } else {
                let held = match read_rungs(out) {
                    Ok(held) => held,
                    Err(MergeError::NoRungs { .. }) => return Err(stale(0)),
                    Err(e) => return Err(e),
                };
                if held.manifest != manifest.whole() {
                    return Err(MergeError::OtherHalving { dir: out.to_path_buf() });
                }
                if held.held > rung {
                    return Err(MergeError::Rewind { dir: out.to_path_buf(), rung, held: held.held });
                }
                if held.held + 1 < rung {
                    return Err(stale(held.held));
                }
                // The rungs before this one (all of them, or, merging this rung again, all but it).
                let layout = held.manifest.layout();
                let earlier = halving::runs_of_rungs(&layout, &held.done, &held.jobs, rung - 1);
                if manifest.after_sha256.as_deref() != Some(sha256_hex(&results::runs_jsonl(&earlier)).as_str()) {
                    return Err(stale(held.held));
                }
                earlier
            };
            let whole = manifest.whole();
            let ranking = results::Ranking::of(&whole).map_err(|e| MergeError::BadManifest {
                path: out.join(MANIFEST),
                source: serde::de::Error::custom(e),
            })?;
            match halving::progress(halving, &whole, &earlier, &ranking).next {
                Some((r, jobs)) if r + 1 == rung => (earlier, jobs),
                _ => return Err(MergeError::StaleRung { rung, held: rung.saturating_sub(1), dir: out.to_path_buf() }),
            }
        }
        _ => (Vec::new(), (0..manifest.jobs).collect()),
    };
    let mut jobs: Vec<Option<JobScore>> = vec![None; expected.len()];
    for (shard, path) in &found {
        let text =
            std::fs::read_to_string(path).map_err(|source| MergeError::Unreadable { path: path.clone(), source })?;
        for (n, job) in parse_runs(path, &text)?.into_iter().enumerate() {
            let at = expected.binary_search(&job.job).ok().filter(|p| shard.owns(*p));
            let slot = at.and_then(|p| jobs.get_mut(p)).ok_or_else(|| MergeError::ForeignJob {
                path: path.clone(),
                line: n + 1,
                job: job.job,
                shard: *shard,
            })?;
            if slot.is_some() {
                return Err(MergeError::RepeatedJob { path: path.clone(), line: n + 1, job: job.job });
            }
            *slot = Some(job);
        }
    }
    let absent = jobs.iter().filter(|j| j.is_none()).count();
    if absent > 0 {
        return Err(MergeError::AbsentRuns { absent, jobs: expected.len() });
    }
    let mut all = earlier;
    all.extend(jobs.into_iter().flatten());
    all.sort_by_key(|j| j.job);
    let rungs_left = match (&manifest.halving, manifest.rung) {
        (Some(halving), Some(rung)) => {
            let rungs = halving.rungs(manifest.seeds.len()).len();
            (rung < rungs).then_some((rung, rungs))
        }
        _ => None,
    };
    Ok(Merged { manifest: manifest.whole(), jobs: all, rungs_left })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusals a program can match on, and their defaults.
    #[test]
    fn a_plan_refuses_seeds_of_a_history_and_depths_of_a_scenario() {
        let history = Path::new("scenarios/history/nifty_strike_dip.jsonl");
        let scenario = Path::new("scenarios/coverage_flapping.ron");
        let none = HistoryOptions::default();
        let seeds = plan_for(&Suite::one(history), RunOptions::default(), Vec::new(), Some(vec![1, 2]), &none, None);
        assert!(matches!(seeds, Err(PlanError::SeedsOfHistory { seeds: 2 })));
        let mut depth = HistoryOptions::default();
        depth.add_depth("12").unwrap();
        let depth = plan_for(&Suite::one(scenario), RunOptions::default(), Vec::new(), None, &depth, None);
        assert!(matches!(depth, Err(PlanError::DepthOfScenario)));
        let many = Some((1..=MAX_SEEDS as u64 + 1).collect());
        let many = plan_for(&Suite::one(scenario), RunOptions::default(), Vec::new(), many, &none, None);
        assert!(matches!(many, Err(PlanError::TooManySeeds(65_536))));
        assert_eq!(
            plan_for(&Suite::one(history), RunOptions::default(), Vec::new(), None, &none, None).unwrap().seeds,
            vec![1]
        );
        assert_eq!(
            plan_for(&Suite::one(scenario), RunOptions::default(), Vec::new(), None, &none, None).unwrap().seeds,
            default_seeds(false)
        );
        assert_eq!(default_seeds(false), (1..=8).collect::<Vec<_>>());
        let missing =
            plan_for(&Suite::one(Path::new("no/such.ron")), RunOptions::default(), Vec::new(), None, &none, None);
        assert!(matches!(missing, Err(PlanError::Run(Error::Scenario(_)))));
    }
}
