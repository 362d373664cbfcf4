//! The sweep's grid: every setting (one value per swept key) times every member of the suite times its
//! seeds, numbered so a slice of it (a shard) can run anywhere and the pieces merge back.
//!
//! Settings are the cartesian product of the `--param` values in the order given, the first key varying
//! slowest (nested loops). Jobs are numbered setting by setting, within a setting member by member, within
//! a member seed by seed (`super::suite::Layout`): with one scenario, job `j` is setting `j / seeds` under
//! seed `j % seeds`. Shard `I` of `N` (counted
//! from 0, as Kubernetes' `JOB_COMPLETION_INDEX` and a Slurm array `--array=0-(N-1)` count) runs the jobs
//! `j` with `j % N == I`: round robin, so costly settings spread over the shards.

use super::design::Design;
use super::halving::Halving;
use super::require::Objectives;
use super::results::Aggregate;
use super::spec::Param;
use super::suite::{Layout, MemberEntry, MemberKind, Source};
use crate::config::Config;
use crate::run::{Error, RunOptions, prepare};
use crate::scenario::LoadedScenario;
use crate::scoring::lean::{Lean, NotModelled};
use crate::scoring::score::{RunScore, Scorer};
use crate::scoring::workers::{pool, worker_threads};
use serde::{Deserialize, Serialize};
use std::fmt;

/// At most this many (setting, member, seed) jobs in one sweep.
pub(crate) const MAX_JOBS: usize = 10_000_000;

/// At most this many settings in one sweep, and (setting, member) pairs in a suite's: each pair is prepared
/// (its configuration resolved and kept) before anything runs, and each setting is a row of every results
/// file and a cell of every heat map (a million settings take half a gigabyte and a minute of a debug build
/// before the first run).
pub(crate) const MAX_SETTINGS: usize = 1_000_000;

/// One point of the grid: the value of each swept key, as `--set` takes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub index: usize,
    pub values: Vec<(String, String)>,
}

impl Setting {
    /// `key=value key=value`.
    pub fn label(&self) -> String {
        self.values.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
    }
    /// The `--set` pairs.
    pub fn sets(&self) -> Vec<String> {
        self.values.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}

/// A slice of the grid: shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// A `--shard` value that names no shard: each carries the value as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not `I/N` with whole numbers `0 <= I < N`.
    #[error("--shard {text}: expected I/N with 0 <= I < N, for example 0/4 (shards count from 0)")]
    Malformed { text: String },
    /// More shards than `MAX_JOBS`, the most runs a sweep has.
    #[error("--shard {text}: at most {MAX_JOBS} shards (the most runs a sweep has)")]
    TooMany { text: String },
}

impl Shard {
    /// The whole grid.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` (0 <= I < N <= `MAX_JOBS`: more shards than a sweep can have runs would be empty).
    pub fn parse(text: &str) -> Result<Self, ShardError> {
        let bad = || ShardError::Malformed { text: text.to_string() };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) =
            (i.trim().parse::<usize>().map_err(|_| bad())?, n.trim().parse::<usize>().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        if count > MAX_JOBS {
            return Err(ShardError::TooMany { text: text.to_string() });
        }
        Ok(Self { index, count })
    }

    /// Whether job `j` belongs to this shard.
    pub fn owns(&self, job: usize) -> bool {
        job % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why the shard this process runs cannot be told from `--shards` and the batch engine's variables.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardFromError {
    /// `--shards 0`.
    #[error("--shards 0: expected at least 1")]
    NoShards,
    /// `--shards N` without a variable giving the shard index.
    #[error(
        "--shards N takes the shard index from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm), and neither is set; or pass --shard I/N"
    )]
    NoIndex,
    /// A variable whose value is not a whole number.
    #[error("{var}={value:?} is not a whole number")]
    NotANumber { var: String, value: String },
    /// More shards than `MAX_JOBS`, the most runs a sweep has; `from` names the flag or variables.
    #[error("{from} {count}: at most {MAX_JOBS} shards (the most runs a sweep has)")]
    TooMany { from: String, count: usize },
    /// A shard index at or past the shard count; `from` names the flag or variables.
    #[error("{from}: shard {index} of {count} does not exist")]
    NoSuchShard { from: String, index: usize, count: usize },
}

/// The shard this process runs: `--shard I/N` when given; else, with `--shards N`, Kubernetes' Indexed Job
/// index `JOB_COMPLETION_INDEX`; else a Slurm job array (`SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN`, of
/// `SLURM_ARRAY_TASK_COUNT`); else the whole grid. An empty variable counts as unset, as a `G6_*` one does.
pub fn shard_from(
    shard: Option<Shard>,
    shards: Option<usize>,
    env: &std::collections::BTreeMap<String, String>,
) -> Result<Shard, ShardFromError> {
    let number = |var: &str| -> Result<Option<usize>, ShardFromError> {
        env.get(var)
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| ShardFromError::NotANumber { var: var.to_string(), value: v.clone() })
            })
            .transpose()
    };
    let checked = |index: usize, count: usize, from: &str| {
        if count > MAX_JOBS {
            return Err(ShardFromError::TooMany { from: from.to_string(), count });
        }
        Shard::parse(&format!("{index}/{count}")).map_err(|_| ShardFromError::NoSuchShard {
            from: from.to_string(),
            index,
            count,
        })
    };
    if let Some(shard) = shard {
        return Ok(shard);
    }
    if let Some(count) = shards {
        if count == 0 {
            return Err(ShardFromError::NoShards);
        }
        let index = number("JOB_COMPLETION_INDEX")?
            .or(number("SLURM_ARRAY_TASK_ID")?
                .map(|id| id.saturating_sub(number("SLURM_ARRAY_TASK_MIN").ok().flatten().unwrap_or(0))))
            .ok_or(ShardFromError::NoIndex)?;
        return checked(index, count, "--shards");
    }
    match (number("SLURM_ARRAY_TASK_ID")?, number("SLURM_ARRAY_TASK_COUNT")?) {
        (Some(id), Some(count)) => {
            let index = id.saturating_sub(number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0));
            checked(index, count, "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT")
        }
        _ => Ok(Shard::ALL),
    }
}

/// One member of a sweep's suite, planned: what it is, its scenario, its seeds, and each setting's
/// configuration on it.
#[derive(Clone, Debug)]
pub struct Member {
    pub entry: MemberEntry,
    pub loaded: LoadedScenario,
    /// Each setting's resolved configuration on this member (the seed changes nothing in it).
    configs: Vec<Config>,
    /// Cycles per run, and whether a run's universe is an instruments dump (the same for every setting).
    cycles: u64,
    dump: bool,
}

impl Member {
    /// The lean scoring path for this member's runs, or why they run in full.
    fn lean(&self, full_runs: bool) -> Result<Lean<'_>, NotModelled> {
        if full_runs {
            return Err(NotModelled::FullRuns);
        }
        let configs: Vec<&Config> = self.configs.iter().collect();
        Lean::new(&self.loaded.scenario, &configs, self.cycles, self.dump)
    }
}

/// What a sweep runs: the suite's members, the options every run shares, the swept keys and the seeds.
#[derive(Clone, Debug)]
pub struct Plan {
    pub members: Vec<Member>,
    pub base: RunOptions,
    pub params: Vec<Param>,
    pub seeds: Vec<u64>,
    pub settings: Vec<Setting>,
    /// How a setting's scores on the members combine into the suite's (one member: its own scores).
    pub aggregate: Aggregate,
    /// The constraints settings must meet and the score the recommendation minimizes.
    pub objectives: Objectives,
    /// The design the settings are drawn from (`None`: the full grid).
    pub design: Option<Design>,
    /// Successive halving over seeds (`None`: every setting runs every seed); set by [`Plan::halve`].
    pub halving: Option<Halving>,
    /// Run every job in full (a World and its schedule) even where the lean path models it: slower, the
    /// same scores (`g6sim sweep --full`).
    pub full_runs: bool,
    /// What preparing the settings' shared configuration warned of (a dump without one of the indices, a
    /// variable parity g6 reads as the reference does), for the caller to say.
    pub warnings: Vec<String>,
}

/// A halving's next rung, as one shard runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextRung {
    /// The rung's number, from 1, of `rungs`.
    pub number: usize,
    pub rungs: usize,
    /// The rung's settings and runs (every shard's).
    pub settings: usize,
    pub runs: usize,
    /// The jobs of the rung the shard owns, in job order.
    pub jobs: Vec<usize>,
}

/// One finished job: which setting, member and seed, and the run's scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobScore {
    pub job: usize,
    pub setting: usize,
    /// The member of the suite (absent for the first, and so in a sweep of one scenario).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub member: usize,
    pub seed: u64,
    pub score: RunScore,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Plan {
    /// Builds the grid and checks every setting on every member before anything runs: each key and value
    /// must be one `--set` takes, and each setting must prepare (a cap below a baseline, for example, is an
    /// error here). A history member runs under the first seed only.
    pub fn new(sources: Vec<Source>, base: RunOptions, params: Vec<Param>, seeds: Vec<u64>) -> Result<Self, Error> {
        Self::designed(sources, base, params, seeds, None)
    }

    /// [`Plan::new`] over the settings of `design` (a sample or a Saltelli design drawn from the `--param`
    /// ranges) instead of the full grid.
    pub fn designed(
        sources: Vec<Source>,
        base: RunOptions,
        params: Vec<Param>,
        seeds: Vec<u64>,
        design: Option<Design>,
    ) -> Result<Self, Error> {
        if seeds.is_empty() {
            return Err(Error::Input("a sweep needs at least one seed (--seeds)".into()));
        }
        if sources.is_empty() {
            return Err(Error::Input("a sweep needs a scenario, a history or --explore N".into()));
        }
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.key == p.key) {
                return Err(Error::Input(format!("--param {}: the key is swept twice", p.key)));
            }
            if base.sets.iter().any(|s| s.split_once('=').is_some_and(|(k, _)| k.trim() == p.key)) {
                return Err(Error::Input(format!("--param {}: the key is also fixed with --set; drop one", p.key)));
            }
        }
        let member_seeds = |kind: MemberKind| if kind == MemberKind::History { vec![seeds[0]] } else { seeds.clone() };
        let runs_per_setting: usize = sources.iter().map(|s| member_seeds(s.kind).len()).sum();
        let design = design.map(|d| d.with_ranges(&params, MAX_SETTINGS)).transpose().map_err(|e| Error::Input(e.0))?;
        let count = match &design {
            Some(d) => d.settings_count(params.len()),
            None => params.iter().try_fold(1usize, |n, p| n.checked_mul(p.values.len())),
        };
        let jobs = count.and_then(|n| n.checked_mul(runs_per_setting));
        match jobs {
            Some(j) if j <= MAX_JOBS => {}
            _ => {
                return Err(Error::Input(format!(
                    "the grid is too large: at most {MAX_JOBS} (setting, member, seed) runs; sweep fewer values or seeds"
                )));
            }
        }
        let prepared = count.and_then(|n| n.checked_mul(sources.len()));
        if let Some(settings) = count.filter(|_| prepared.is_none_or(|p| p > MAX_SETTINGS)) {
            return Err(Error::Input(if sources.len() == 1 {
                format!("the grid is too large: {settings} settings, at most {MAX_SETTINGS}; sweep fewer values")
            } else {
                format!(
                    "the grid is too large: {settings} settings on {} members, at most {MAX_SETTINGS} (setting, \
                     member) pairs; sweep fewer values or members",
                    sources.len()
                )
            }));
        }
        let settings = match &design {
            Some(d) => d.settings().map_err(|e| Error::Input(e.0))?,
            None => grid(params.iter().map(|p| (p.key.as_str(), p.values.as_slice()))),
        };
        let suite = sources.len() > 1;
        // A float range without a step is continuous to a design, but steps by 1 on a grid: say what it runs.
        let mut grid_notes = Vec::new();
        if design.is_none() {
            for p in params.iter().filter(|p| p.domain.is_continuous()) {
                grid_notes.push(format!(
                    "--param {}={}: a float range without a step steps by 1 on a grid: {} ({}); give a step \
                     (for example {}:0.05) or draw from the range with --sample",
                    p.key,
                    p.text,
                    if p.values.len() == 1 { "one value".to_string() } else { format!("{} values", p.values.len()) },
                    p.values.join(", "),
                    p.text
                ));
            }
        }
        let mut plan = Self {
            members: Vec::new(),
            base,
            params,
            seeds: seeds.clone(),
            settings,
            aggregate: Aggregate::Mean,
            objectives: Objectives::default(),
            design,
            halving: None,
            full_runs: false,
            warnings: grid_notes,
        };
        for source in sources {
            let entry = MemberEntry {
                name: source.loaded.scenario.name.clone(),
                kind: source.kind,
                sha256: source.sha256,
                seeds: member_seeds(source.kind),
            };
            // In a suite, what goes wrong is said of the member it goes wrong on.
            let of = |e: String| if suite { format!("{}: {e}", source.origin) } else { e };
            let mut member = Member { entry, loaded: source.loaded, configs: Vec::new(), cycles: 0, dump: false };
            // What every setting shares first (a bad --set is not one setting's fault), then each setting.
            let shared = RunOptions { seed: Some(member.entry.seeds[0]), ..plan.base.clone() };
            let warnings = prepare(&member.loaded, &shared).map_err(|e| match e {
                Error::Input(e) => Error::Input(of(e)),
                other => other,
            })?;
            plan.warnings.extend(warnings.warnings.into_iter().map(of));
            for s in &plan.settings {
                // A swept key's value is applied as `--set` applies one; the error names the flag the user wrote.
                let swept = |e: &str| {
                    let named = plan.params.iter().any(|p| e.starts_with(&format!("--set {}", p.key)));
                    if named { e.replacen("--set ", "--param ", 1) } else { e.to_string() }
                };
                let options = plan.options(s, member.entry.seeds[0]);
                let prepared = prepare(&member.loaded, &options).map_err(|e| match e {
                    Error::Set(e) => Error::Input(of(format!("setting {}: {}", s.label(), swept(&e.0)))),
                    Error::Input(e) => Error::Input(of(format!("setting {}: {}", s.label(), swept(&e)))),
                    other => other,
                })?;
                (member.cycles, member.dump) = (prepared.cycles, prepared.universe.is_some());
                member.configs.push(prepared.config);
            }
            plan.members.push(member);
        }
        Ok(plan)
    }

    /// The sweep's name: its scenario's or history's, or `suite` for several members.
    pub fn name(&self) -> String {
        match self.members.as_slice() {
            [one] => one.entry.name.clone(),
            _ => super::results::SUITE.to_string(),
        }
    }

    /// How the jobs are numbered over settings, members and seeds.
    pub(crate) fn layout(&self) -> Layout {
        Layout::new(self.settings.len(), self.members.iter().map(|m| m.entry.seeds.len()))
    }

    /// Each member's lean scoring path, or why its runs go in full.
    pub(crate) fn leans(&self) -> Vec<Result<Lean<'_>, NotModelled>> {
        self.members.iter().map(|m| m.lean(self.full_runs)).collect()
    }

    /// The number of (setting, member, seed) jobs: the full grid's, which numbers them.
    pub fn jobs(&self) -> usize {
        self.layout().jobs()
    }

    /// The runs the sweep makes: every job, or in a halving each rung's ([`Halving::runs`]).
    pub fn runs(&self) -> usize {
        match &self.halving {
            Some(h) => h.runs(&self.layout(), self.seeds.len()),
            None => self.jobs(),
        }
    }

    /// Makes the sweep a successive halving keeping the best `1/keep` of each rung ([`Halving::new`]);
    /// refused for a Saltelli design, whose indices need every setting on every seed.
    pub fn halve(&mut self, keep: usize) -> Result<(), Error> {
        if self.design.as_ref().is_some_and(|d| d.kind == super::design::DesignKind::Saltelli) {
            return Err(Error::Input(
                "--search halving: --importance needs every setting of its design on every seed; drop one of them"
                    .into(),
            ));
        }
        let halving = Halving::new(keep, self.settings.len(), self.seeds.len());
        if halving.rungs(self.seeds.len()).len() == 1 {
            self.warnings.push(format!(
                "--search halving: one rung of {} for {} settings: every setting runs every seed, as without \
                 halving (more seeds, more settings or a smaller k make rungs)",
                if self.seeds.len() == 1 { "1 seed".to_string() } else { format!("{} seeds", self.seeds.len()) },
                self.settings.len()
            ));
        }
        self.halving = Some(halving);
        Ok(())
    }

    /// The run options of one setting under one seed.
    pub fn options(&self, setting: &Setting, seed: u64) -> RunOptions {
        let mut options = self.base.clone();
        options.seed = Some(seed);
        options.sets.extend(setting.sets());
        options
    }

    /// Job `j`'s setting, member and seed.
    fn job(&self, layout: &Layout, job: usize) -> (&Setting, &Member, u64) {
        let (setting, member, k) = layout.locate(job);
        let member = &self.members[member];
        (&self.settings[setting], member, member.entry.seeds[k])
    }

    /// Runs job `j` in full (a World and its schedule, no file written) and scores it.
    pub fn run_job_full(&self, job: usize) -> Result<JobScore, Error> {
        let layout = self.layout();
        let (setting, member, seed) = self.job(&layout, job);
        let mut scorer = Scorer::new(&member.loaded.scenario.phases);
        let streamed =
            prepare(&member.loaded, &self.options(setting, seed))?.stream(|v| scorer.observe(v.summary, v.events))?;
        let score = scorer.finish(streamed.outcomes.iter().all(|o| o.passed));
        Ok(JobScore { job, setting: setting.index, member: layout.locate(job).1, seed, score })
    }

    /// Setting `s`'s resolved configuration on member `m`.
    pub fn config(&self, member: usize, setting: usize) -> &Config {
        &self.members[member].configs[setting]
    }

    /// Scores job `j` on the lean path of its member.
    pub(crate) fn run_job_lean(&self, layout: &Layout, lean: &Lean, job: usize) -> JobScore {
        let (setting, m, k) = layout.locate(job);
        let member = &self.members[m];
        let seed = member.entry.seeds[k];
        JobScore { job, setting, member: m, seed, score: lean.score(&member.configs[setting], seed) }
    }

    /// Runs the jobs of `shard` on `threads` threads (0: one per core; fewer when there are fewer jobs or
    /// cores: `worker_threads`), each member's on the lean path when it models the member's runs (its scores
    /// are a full run's) and `full_runs` is off, else in full; results in job order whatever the thread
    /// count, so the outputs are the same bytes.
    ///
    /// A halving runs its rungs one after another, each rung's settings chosen from the runs before
    /// ([`super::halving::progress`]); its shards run one rung at a time ([`Plan::next_rung`]).
    pub fn run(&self, shard: Shard, threads: usize, progress: impl Fn(usize) + Sync) -> Result<Vec<JobScore>, Error> {
        if self.halving.is_none() {
            let jobs: Vec<usize> = (0..self.jobs()).filter(|j| shard.owns(*j)).collect();
            return self.run_jobs(&jobs, threads, progress);
        }
        if shard != Shard::ALL {
            return Err(Error::Input("a shard of a halving runs one rung: Plan::next_rung".into()));
        }
        let mut runs: Vec<JobScore> = Vec::new();
        while let Some(rung) = self.next_rung(&runs, Shard::ALL)? {
            let before = runs.len();
            runs.extend(self.run_rung(&rung, threads, |done| progress(before + done))?);
            runs.sort_by_key(|j| j.job);
        }
        Ok(runs)
    }

    /// The next rung of this halving after the runs `earlier` (in job order; none: the first rung), with the
    /// jobs of it that `shard` owns (by position in the rung, so shards share it evenly); `None` when the
    /// halving is done. An error for a sweep that is no halving.
    pub fn next_rung(&self, earlier: &[JobScore], shard: Shard) -> Result<Option<NextRung>, Error> {
        let halving = self.halving.ok_or_else(|| Error::Input("the sweep is no halving (--search halving)".into()))?;
        let manifest = super::results::SweepManifest::of(self);
        let ranking = super::results::Ranking::of(&manifest).map_err(|e| Error::Input(e.to_string()))?;
        let progress = super::halving::progress(&halving, &manifest, earlier, &ranking);
        Ok(progress.next.map(|(r, jobs)| {
            let layout = self.layout();
            let mut settings: Vec<usize> = jobs.iter().map(|j| layout.locate(*j).0).collect();
            settings.dedup();
            NextRung {
                number: r + 1,
                rungs: halving.rungs(self.seeds.len()).len(),
                settings: settings.len(),
                runs: jobs.len(),
                jobs: jobs.into_iter().enumerate().filter(|(p, _)| shard.owns(*p)).map(|(_, j)| j).collect(),
            }
        }))
    }

    /// Runs a rung's jobs on `threads` threads; results in job order.
    pub fn run_rung(
        &self,
        rung: &NextRung,
        threads: usize,
        progress: impl Fn(usize) + Sync,
    ) -> Result<Vec<JobScore>, Error> {
        self.run_jobs(&rung.jobs, threads, progress)
    }

    /// Runs `jobs` (in job order) on `threads` threads; results in the same order.
    fn run_jobs(
        &self,
        jobs: &[usize],
        threads: usize,
        progress: impl Fn(usize) + Sync,
    ) -> Result<Vec<JobScore>, Error> {
        use rayon::prelude::*;
        let layout = self.layout();
        let leans: Vec<Option<Lean>> = self.leans().into_iter().map(Result::ok).collect();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let run = |j: &usize| {
            let r = match &leans[layout.locate(*j).1] {
                Some(lean) => Ok(self.run_job_lean(&layout, lean, *j)),
                None => self.run_job_full(*j),
            };
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
            r
        };
        // One thread runs the jobs itself; more get a pool sized to the work and the machine.
        let threads = worker_threads(threads, jobs.len());
        if threads == 1 {
            return jobs.iter().map(run).collect();
        }
        pool(threads)?.install(|| jobs.par_iter().map(run).collect())
    }
}

/// The cartesian product of each key's values, the first key varying slowest.
pub(crate) fn grid<'a>(params: impl Iterator<Item = (&'a str, &'a [String])>) -> Vec<Setting> {
    let mut settings = vec![Vec::new()];
    for (key, values) in params {
        settings = settings
            .into_iter()
            .flat_map(|s: Vec<(String, String)>| {
                values.iter().map(move |v| {
                    let mut s = s.clone();
                    s.push((key.to_string(), v.clone()));
                    s
                })
            })
            .collect();
    }
    settings.into_iter().enumerate().map(|(index, values)| Setting { index, values }).collect()
}
