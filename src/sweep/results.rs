//! From job scores to a verdict per setting: statistics over seeds, the Pareto front, the recommendation,
//! and the files a sweep writes (the same bytes whether it ran on one machine or in merged shards).

use super::design::Design;
use super::halving::Halving;
use super::importance::Index;
use super::plan::{JobScore, Plan, Setting};
use super::require::{Constraint, Objectives, ObjectivesError};
use super::suite::{Layout, MemberEntry};
use crate::bench::aggregate::quantile;
use crate::events::OrderedMap;
use crate::output::columns::ColumnType;
use crate::scoring::score::{Better, OBJECTIVES, OverSeeds, RunScore, Score};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt::Write as _;

/// A score over the seeds of one setting: mean, 95th percentile (linear between ranks) and worst (the
/// largest for a score better lower, the smallest for one better higher).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stat {
    pub mean: f64,
    pub p95: f64,
    pub worst: f64,
}

impl Stat {
    fn of(mut values: Vec<f64>, better: Better) -> Self {
        values.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        let worst = match better {
            Better::Lower => values.last(),
            Better::Higher => values.first(),
        };
        Self { mean, p95: quantile(&values, 0.95), worst: worst.copied().unwrap_or(f64::NAN) }
    }
}

/// One score of a setting over its seeds, as the score table says to combine it ([`OverSeeds`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figures {
    Share(f64),
    Stat(Stat),
    Sum(u64),
}

impl Figures {
    fn of(score: Score, runs: &[&RunScore]) -> Self {
        let info = score.info();
        let values = runs.iter().map(|r| (info.value)(r));
        match info.over_seeds {
            OverSeeds::Share => Figures::Share(values.filter(|v| *v == 1.0).count() as f64 / runs.len().max(1) as f64),
            OverSeeds::Stat => Figures::Stat(Stat::of(values.collect(), info.better)),
            OverSeeds::Sum => Figures::Sum(values.map(|v| v as u64).sum()),
        }
    }

    /// The figure settings are compared on: the share, the mean over seeds, the sum.
    pub fn headline(&self) -> f64 {
        match *self {
            Figures::Share(x) => x,
            Figures::Stat(s) => s.mean,
            Figures::Sum(n) => n as f64,
        }
    }

    /// The worst seed's value (of a statistic; the headline of a share or a sum).
    pub fn worst(&self) -> f64 {
        match *self {
            Figures::Stat(s) => s.worst,
            Figures::Share(_) | Figures::Sum(_) => self.headline(),
        }
    }
}

/// Every score of the table over a setting's seeds, in the table's order; serialised as a map from each
/// score's name.
#[derive(Clone, Debug, PartialEq)]
pub struct Scores(Vec<Figures>);

impl Scores {
    fn of(runs: &[&RunScore]) -> Self {
        Self(Score::ALL.iter().map(|&s| Figures::of(s, runs)).collect())
    }

    pub fn get(&self, score: Score) -> &Figures {
        &self.0[score as usize]
    }

    /// A setting's scores over a suite from its scores on each member, by `rule`: a share, a statistic's mean
    /// and its p95 the members' mean or worst (by the score's direction); a statistic's worst the worst of
    /// any member's, whatever the rule (the worst seed of the suite); a sum summed. One member's scores are
    /// its own, whatever the rule.
    fn combine(members: &[&Scores], rule: Aggregate) -> Self {
        let n = members.len().max(1) as f64;
        let pick = |better: Better, values: &mut dyn Iterator<Item = f64>| match rule {
            Aggregate::Mean => values.sum::<f64>() / n,
            Aggregate::Worst => match better {
                Better::Lower => values.fold(f64::NEG_INFINITY, f64::max),
                Better::Higher => values.fold(f64::INFINITY, f64::min),
            },
        };
        let figures = Score::ALL
            .iter()
            .map(|&score| {
                let better = score.info().better;
                let all = || members.iter().map(move |m| *m.get(score));
                match score.info().over_seeds {
                    OverSeeds::Share => Figures::Share(pick(better, &mut all().map(|f| f.headline()))),
                    OverSeeds::Sum => Figures::Sum(all().map(|f| f.headline() as u64).sum()),
                    OverSeeds::Stat => {
                        let field = |field: fn(&Stat) -> f64| {
                            all().map(move |f| match f {
                                Figures::Stat(s) => field(&s),
                                Figures::Share(_) | Figures::Sum(_) => f.headline(),
                            })
                        };
                        // The worst seed is the worst of any member's, whatever the rule: a suite is as bad as
                        // its worst run there.
                        let worst = match better {
                            Better::Lower => field(|s| s.worst).fold(f64::NEG_INFINITY, f64::max),
                            Better::Higher => field(|s| s.worst).fold(f64::INFINITY, f64::min),
                        };
                        Figures::Stat(Stat {
                            mean: pick(better, &mut field(|s| s.mean)),
                            p95: pick(better, &mut field(|s| s.p95)),
                            worst,
                        })
                    }
                }
            })
            .collect();
        Self(figures)
    }
}

/// How a setting's scores on a suite's members combine into the suite's, which rank the settings: each
/// figure's mean over the members, or its worst member's (`g6sim sweep --aggregate mean|worst`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Each member counts alike: a figure is the mean of the members' figures.
    #[default]
    Mean,
    /// A setting is as good as its worst member: a figure is the worst of the members' (the largest of a
    /// score better lower, the smallest of one better higher).
    Worst,
}

impl Aggregate {
    /// Parses `mean` or `worst`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "mean" => Ok(Self::Mean),
            "worst" => Ok(Self::Worst),
            other => Err(format!(
                "`{other}`: expected mean or worst{}",
                crate::suggest::did_you_mean(other, ["mean", "worst"])
            )),
        }
    }

    /// `mean` or `worst`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Worst => "worst",
        }
    }
}

impl Serialize for Scores {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (score, figures) in Score::ALL.iter().zip(&self.0) {
            map.serialize_entry(score.info().name, figures)?;
        }
        map.end()
    }
}

/// The 95% interval of each score's headline (a share, a mean over seeds; combined over a suite's members
/// by its rule) over the seeds: a seeded bootstrap ([`super::bootstrap`]), the same resamples for every
/// setting. A sum has none. Serialised as a map from each score's name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Intervals(Vec<Option<[f64; 2]>>);

impl Intervals {
    /// The intervals, each widened to hold its headline: the bootstrap sums the same values in another order,
    /// which can move a mean by its last bit, and an interval should never exclude its own estimate.
    fn holding(&self, scores: &Scores) -> Self {
        Self(
            Score::ALL
                .iter()
                .zip(&self.0)
                .map(|(&score, i)| {
                    let x = scores.get(score).headline();
                    i.map(|[lo, hi]| [lo.min(x), hi.max(x)])
                })
                .collect(),
        )
    }

    /// The interval of `score`, if it has one.
    pub fn get(&self, score: Score) -> Option<[f64; 2]> {
        self.0.get(score as usize).copied().flatten()
    }
}

impl Serialize for Intervals {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (score, interval) in Score::ALL.iter().zip(&self.0) {
            if let Some(interval) = interval {
                map.serialize_entry(score.info().name, interval)?;
            }
        }
        map.end()
    }
}

/// The bootstrap's seed: one constant, so a sweep's intervals are the same bytes on every machine and run.
const BOOTSTRAP_SEED: u64 = 95;

/// A sweep's bootstrap: its resamples, and how runs and members make a setting's values.
pub(crate) struct Bootstrap<'a> {
    layout: Layout,
    /// One resampling per count of runs on each member (a grid's settings all have the same; a halving's
    /// have one per rung), so settings that ran the same seeds are paired.
    resamplings: std::collections::BTreeMap<Vec<usize>, super::bootstrap::Resampling>,
    rule: Aggregate,
    jobs: &'a [JobScore],
}

impl<'a> Bootstrap<'a> {
    pub(crate) fn new(manifest: &SweepManifest, jobs: &'a [JobScore]) -> Self {
        let layout = manifest.layout();
        let mut resamplings = std::collections::BTreeMap::new();
        for s in 0..layout.settings() {
            let sizes = runs_per_member(&layout, jobs, s);
            if sizes.iter().all(|n| *n > 0) && !resamplings.contains_key(&sizes) {
                let resampling = super::bootstrap::Resampling::new(&sizes, super::bootstrap::RESAMPLES, BOOTSTRAP_SEED);
                resamplings.insert(sizes, resampling);
            }
        }
        Self { layout, resamplings, rule: manifest.aggregate.unwrap_or_default(), jobs }
    }

    /// The resampled headlines of `score` for `setting`: one per resample, paired across settings that ran
    /// the same seeds (none when a member has no run of the setting).
    pub(crate) fn draws(&self, setting: usize, score: Score) -> Vec<f64> {
        let info = score.info();
        let values: Vec<Vec<f64>> = (0..self.layout.members())
            .map(|m| {
                runs_in(self.jobs, self.layout.jobs_of(setting, m)).iter().map(|j| (info.value)(&j.score)).collect()
            })
            .collect();
        let sizes: Vec<usize> = values.iter().map(Vec::len).collect();
        let Some(resampling) = self.resamplings.get(&sizes) else {
            return Vec::new();
        };
        let values: Vec<&[f64]> = values.iter().map(Vec::as_slice).collect();
        let aggregate = match self.rule {
            Aggregate::Mean => super::bootstrap::Aggregate::Mean,
            Aggregate::Worst => super::bootstrap::Aggregate::Worst(info.better),
        };
        resampling.draws(&values, aggregate)
    }

    /// Every interval of `setting`: each share's and statistic's.
    fn intervals(&self, setting: usize) -> Intervals {
        Intervals(
            Score::ALL
                .iter()
                .map(|&score| match score.info().over_seeds {
                    OverSeeds::Share | OverSeeds::Stat => {
                        let draws = self.draws(setting, score);
                        (!draws.is_empty()).then(|| super::bootstrap::interval(&draws))
                    }
                    OverSeeds::Sum => None,
                })
                .collect(),
        )
    }
}

/// One setting's results over its seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingResult {
    pub setting: usize,
    pub values: OrderedMap<String>,
    /// The setting's runs: its seeds, on every member of a suite (a history once).
    pub seeds: usize,
    /// In a halving: the rung the setting stopped at (from 1; the last rung's settings ran every seed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rung: Option<usize>,
    /// Whether the setting may be recommended: every setting of a grid or a sample, the last rung's of a
    /// halving.
    #[serde(skip)]
    pub candidate: bool,
    /// In a suite: the share of members whose expectations held under every seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_pass_share: Option<f64>,
    /// Each score of the table over the seeds (and a suite's members, by its aggregate rule).
    #[serde(flatten)]
    pub scores: Scores,
    /// The 95% interval of each share's and statistic's headline.
    pub ci95: Intervals,
    /// Whether every `--require` constraint holds (absent without constraints).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feasible: Option<bool>,
    /// On the front the recommendation is chosen from: one of the feasible settings (without constraints,
    /// the `eligible` ones), and not dominated by another of them on the `OBJECTIVES`, means over seeds.
    pub pareto: bool,
}

impl SettingResult {
    /// The headline figure of a score (`Figures::headline`): a share, a mean over seeds, a sum.
    pub fn mean(&self, score: Score) -> f64 {
        self.scores.get(score).headline()
    }

    /// The worst seed's value of a score (`Figures::worst`).
    pub fn worst(&self, score: Score) -> f64 {
        self.scores.get(score).worst()
    }

    /// The share of seeds whose expectations all held.
    pub fn pass_share(&self) -> f64 {
        self.mean(Score::PassShare)
    }

    /// The value of a `results.csv` score column (`pass_share`, `unrecovered`, `flips_per_10_worst`, ...), or
    /// `member_pass_share` (of one scenario: 1 when every seed passed, else 0); `None` for another name.
    pub fn column(&self, name: &str) -> Option<f64> {
        if name == super::require::MEMBER_PASS_SHARE {
            return Some(self.member_pass_share.unwrap_or(if self.pass_share() == 1.0 { 1.0 } else { 0.0 }));
        }
        Score::ALL.iter().find_map(|&score| {
            let info = score.info();
            let figures = self.scores.get(score);
            match (info.over_seeds, figures) {
                (OverSeeds::Share | OverSeeds::Sum, _) => (name == info.name).then(|| figures.headline()),
                (OverSeeds::Stat, Figures::Stat(stat)) => match name.strip_prefix(info.name)? {
                    "_mean" => Some(stat.mean),
                    "_p95" => Some(stat.p95),
                    "_worst" => Some(stat.worst),
                    _ => None,
                },
                (OverSeeds::Stat, _) => None,
            }
        })
    }
}

/// One setting's results on one member of a suite, over the member's seeds (`members.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct MemberResult {
    pub setting: usize,
    pub member: usize,
    pub seeds: usize,
    pub scores: Scores,
}

/// The setting a sweep recommends and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recommendation {
    pub setting: usize,
    pub values: OrderedMap<String>,
    pub why: String,
    /// The settings the recommendation is chosen among whose objective a paired bootstrap over seeds cannot
    /// tell from the recommended one's (95%): as good a choice, as far as the seeds show.
    pub indistinguishable: Vec<usize>,
}

/// The header of every sweep output: what was swept (shards of one sweep must agree on it byte for byte).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    pub g6sim_version: String,
    pub scenario: String,
    pub scenario_sha256: String,
    pub sets: Vec<String>,
    pub parity: Option<String>,
    pub env: Vec<(String, String)>,
    pub params: Vec<(String, Vec<String>)>,
    pub seeds: Vec<u64>,
    pub settings: usize,
    pub jobs: usize,
    /// `--cycles`, when given (absent otherwise, as in sweeps written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles: Option<u64>,
    /// The sha256 of the `--universe` dump, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universe_sha256: Option<String>,
    /// A suite's members, in job order (absent for one scenario or history: `scenario` names it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberEntry>,
    /// How a suite's members combine (absent for one scenario or history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<Aggregate>,
    /// The `--require` constraints, as checked (absent without).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub require: Vec<String>,
    /// The `--minimize` column (absent for the default, mean depth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimize: Option<String>,
    /// The design the settings were drawn from (absent for the full grid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<Design>,
    /// The successive halving that chose which settings run on which seeds (absent: every setting ran every
    /// seed). `jobs` still counts the full grid's runs: a job keeps its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halving: Option<Halving>,
    /// A halving's shard: the rung it ran (from 1); a halving's merged state: the rungs it holds (absent
    /// from a whole sweep's files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rung: Option<usize>,
    /// A halving's shard past the first rung: the sha256 of the merged `runs.jsonl` it continued (`--after`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_sha256: Option<String>,
}

impl SweepManifest {
    pub fn of(plan: &Plan) -> Self {
        let suite = plan.members.len() > 1;
        let (scenario, scenario_sha256) = match plan.members.as_slice() {
            [one] => (one.entry.name.clone(), one.loaded.content_sha256.clone()),
            many => {
                use sha2::Digest;
                let shas: Vec<&str> = many.iter().map(|m| m.entry.sha256.as_str()).collect();
                let sha = sha2::Sha256::digest(shas.join("\n").as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
                (SUITE.to_string(), sha)
            }
        };
        Self {
            g6sim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario,
            scenario_sha256,
            sets: plan.base.sets.clone(),
            parity: plan.base.parity.map(|p| format!("{p:?}")),
            env: plan.base.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            params: plan.params.iter().map(|p| (p.key.clone(), p.values.clone())).collect(),
            seeds: plan.seeds.clone(),
            settings: plan.settings.len(),
            jobs: plan.jobs(),
            cycles: plan.base.cycles,
            universe_sha256: plan.base.universe.as_ref().map(|u| u.sha256.clone()),
            members: if suite { plan.members.iter().map(|m| m.entry.clone()).collect() } else { Vec::new() },
            aggregate: suite.then_some(plan.aggregate),
            require: plan.objectives.require.clone(),
            minimize: plan.objectives.minimize.clone(),
            design: plan.design.clone(),
            halving: plan.halving,
            rung: None,
            after_sha256: None,
        }
    }

    /// The manifest of the whole sweep: a halving's shard's or merged state's without its rung.
    pub fn whole(&self) -> Self {
        Self { rung: None, after_sha256: None, ..self.clone() }
    }

    /// How the jobs are numbered (`super::suite::Layout`).
    pub(crate) fn layout(&self) -> Layout {
        let settings = self.settings;
        if self.members.is_empty() {
            Layout::new(settings, [self.seeds.len()])
        } else {
            Layout::new(settings, self.members.iter().map(|m| m.seeds.len()))
        }
    }

    /// The swept keys, in `--param` order.
    pub fn param_keys(&self) -> Vec<String> {
        self.params.iter().map(|(k, _)| k.clone()).collect()
    }

    /// The members' names, in job order (one scenario: its name).
    pub fn member_names(&self) -> Vec<&str> {
        if self.members.is_empty() {
            vec![self.scenario.as_str()]
        } else {
            self.members.iter().map(|m| m.name.as_str()).collect()
        }
    }

    /// The settings, rebuilt from the swept keys or the design (the same order as [`Plan`]'s); none when a
    /// design's ranges do not parse (a manifest edited by hand).
    pub fn settings(&self) -> Vec<Setting> {
        match &self.design {
            Some(design) => design.settings().unwrap_or_default(),
            None => super::plan::grid(self.params.iter().map(|(k, v)| (k.as_str(), v.as_slice()))),
        }
    }
}

/// The `scenario` a suite's manifest names.
pub(crate) const SUITE: &str = "suite";

/// The jobs numbered in `range` among `jobs` (in job order): every one of a grid's, those a halving ran.
pub(crate) fn runs_in(jobs: &[JobScore], range: std::ops::Range<usize>) -> &[JobScore] {
    let start = jobs.partition_point(|j| j.job < range.start);
    let end = jobs.partition_point(|j| j.job < range.end);
    &jobs[start..end]
}

/// How many runs of `setting` each member has among `jobs`.
fn runs_per_member(layout: &Layout, jobs: &[JobScore], setting: usize) -> Vec<usize> {
    (0..layout.members()).map(|m| runs_in(jobs, layout.jobs_of(setting, m)).len()).collect()
}

/// One setting's results over the runs among `jobs` of its first `seeds` seeds on each member (a member's
/// own seeds when fewer), and in a suite its results per member; no interval, not yet ranked.
fn setting_result(
    manifest: &SweepManifest,
    layout: &Layout,
    jobs: &[JobScore],
    setting: &Setting,
    seeds: usize,
) -> (SettingResult, Vec<MemberResult>) {
    let suite = !manifest.members.is_empty();
    let on: Vec<MemberResult> = (0..layout.members())
        .map(|m| {
            let runs: Vec<&RunScore> = runs_in(jobs, layout.jobs_of(setting.index, m))
                .iter()
                .take_while(|j| layout.locate(j.job).2 < seeds)
                .map(|j| &j.score)
                .collect();
            MemberResult { setting: setting.index, member: m, seeds: runs.len(), scores: Scores::of(&runs) }
        })
        .collect();
    let scores =
        Scores::combine(&on.iter().map(|m| &m.scores).collect::<Vec<_>>(), manifest.aggregate.unwrap_or_default());
    let passed = on.iter().filter(|m| m.scores.get(Score::PassShare).headline() == 1.0).count();
    let result = SettingResult {
        setting: setting.index,
        values: setting.values.iter().cloned().collect(),
        seeds: on.iter().map(|m| m.seeds).sum(),
        rung: None,
        candidate: true,
        member_pass_share: suite.then(|| passed as f64 / on.len() as f64),
        ci95: Intervals(Vec::new()),
        scores,
        feasible: None,
        pareto: false,
    };
    (result, if suite { on } else { Vec::new() })
}

/// The results of `settings` over their first `seeds` seeds among `jobs` (a halving's rung, ranked before
/// its survivors are chosen), each marked feasible or not by the ranking; no interval.
pub(crate) fn prefix_results(
    manifest: &SweepManifest,
    jobs: &[JobScore],
    settings: &[usize],
    seeds: usize,
    ranking: &Ranking,
) -> Vec<SettingResult> {
    let layout = manifest.layout();
    let all = manifest.settings();
    settings
        .iter()
        .map(|&s| {
            let mut r = setting_result(manifest, &layout, jobs, &all[s], seeds).0;
            r.feasible = ranking.feasible(&r);
            r
        })
        .collect()
}

/// Statistics per setting (and, in a suite, per setting and member), the Pareto front marked. `jobs` holds
/// every job the sweep ran, in job order; in a halving (its `rungs`, as they ran), each setting is marked
/// with the rung it stopped at, and only the last rung's are candidates.
pub fn summarize(
    manifest: &SweepManifest,
    jobs: &[JobScore],
    ranking: &Ranking,
    rungs: Option<&[super::halving::Rung]>,
) -> (Vec<SettingResult>, Vec<MemberResult>) {
    let layout = manifest.layout();
    let bootstrap = Bootstrap::new(manifest, jobs);
    let intervals: Vec<Intervals> = {
        use rayon::prelude::*;
        (0..manifest.settings).into_par_iter().map(|s| bootstrap.intervals(s)).collect()
    };
    // A halving's rung of each setting: the last it ran in.
    let rungs: Option<(Vec<usize>, usize)> = rungs.map(|done| {
        let mut rung = vec![0; manifest.settings];
        for (r, step) in done.iter().enumerate() {
            for &s in &step.settings {
                rung[s] = r + 1;
            }
        }
        (rung, done.len())
    });
    let mut members = Vec::new();
    let mut results: Vec<SettingResult> = manifest
        .settings()
        .iter()
        .map(|s| {
            let (mut result, on) = setting_result(manifest, &layout, jobs, s, usize::MAX);
            result.ci95 = intervals[s.index].holding(&result.scores);
            if let Some((rung, last)) = &rungs {
                result.rung = Some(rung[s.index]);
                result.candidate = rung[s.index] == *last;
            }
            members.extend(on);
            result
        })
        .collect();
    mark_front(&mut results, ranking);
    (results, members)
}

/// Sets [`SettingResult::feasible`] and [`SettingResult::pareto`]: the settings of the ranking's pool (the
/// feasible ones, or without constraints the [`eligible`] ones) that no other of the pool dominates.
fn mark_front(results: &mut [SettingResult], ranking: &Ranking) {
    for r in results.iter_mut() {
        r.feasible = ranking.feasible(r);
    }
    let (pool, _) = ranking.pool(results);
    let objectives = |r: &SettingResult| OBJECTIVES.map(|s| r.mean(s));
    let front: Vec<bool> = (0..results.len())
        .map(|i| {
            let a = objectives(&results[i]);
            pool[i]
                && !results.iter().zip(&pool).filter(|(_, p)| **p).any(|(o, _)| {
                    let b = objectives(o);
                    b.iter().zip(&a).all(|(b, a)| b <= a) && b.iter().zip(&a).any(|(b, a)| b < a)
                })
        })
        .collect();
    for (r, on_front) in results.iter_mut().zip(front) {
        r.pareto = on_front;
    }
}

/// The hysteresis target of the collector's backlog: at most this many depth direction flips per 10 cycles.
pub(crate) const FLIPS_PER_10_TARGET: f64 = 1.0;

/// The settings a recommendation may come from: those with the best pass share and, when any of them meets
/// the hysteresis target in every seed (worst flips per 10 cycles at most [`FLIPS_PER_10_TARGET`]), only
/// those.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eligible {
    pub pass_share: f64,
    /// Whether some setting of the best pass share meets the target (then only those are eligible).
    pub meets_target: bool,
}

impl Eligible {
    pub fn admits(&self, r: &SettingResult) -> bool {
        r.candidate
            && r.pass_share() == self.pass_share
            && (!self.meets_target || r.worst(Score::FlipsPer10) <= FLIPS_PER_10_TARGET)
    }

    /// `the 16 settings with the best pass share (100%) that meet the hysteresis target (worst flips/10 <= 1)`.
    pub fn describe(&self, results: &[SettingResult]) -> String {
        let count = results.iter().filter(|r| self.admits(r)).count();
        let (settings, meet) = if count == 1 { ("setting", "meets") } else { ("settings", "meet") };
        let target = if self.meets_target {
            format!("that {meet} the hysteresis target (worst flips/10 <= 1)")
        } else {
            "(none meets the hysteresis target of worst flips/10 <= 1)".to_string()
        };
        format!("the {count} {settings} with the best pass share ({:.0}%) {target}", self.pass_share * 100.0)
    }
}

/// Which settings are [`Eligible`] (of the candidates: in a halving, the last rung's).
pub fn eligible(results: &[SettingResult]) -> Eligible {
    let candidates = || results.iter().filter(|r| r.candidate);
    let pass_share = candidates().map(|r| r.pass_share()).fold(f64::NEG_INFINITY, f64::max);
    let meets_target =
        candidates().any(|r| r.pass_share() == pass_share && r.worst(Score::FlipsPer10) <= FLIPS_PER_10_TARGET);
    Eligible { pass_share, meets_target }
}

/// What a sweep's figures are and how it ranks its settings: over how many members, combined by which rule;
/// the constraints a setting must meet (`--require`) and the score the recommendation minimizes
/// (`--minimize`).
#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    pub members: usize,
    pub aggregate: Aggregate,
    pub(crate) constraints: Vec<Constraint>,
    /// The column minimized first; `None`: the mean depth.
    pub(crate) objective: Option<String>,
}

impl Ranking {
    /// The ranking a sweep's manifest asks for; refused when its constraints or objective are none a sweep
    /// takes (a manifest edited by hand).
    pub fn of(manifest: &SweepManifest) -> Result<Self, ObjectivesError> {
        let objectives = Objectives { require: manifest.require.clone(), minimize: manifest.minimize.clone() };
        let checked = Objectives::parse(&objectives.require, objectives.minimize.as_deref())?;
        Ok(Self {
            members: manifest.members.len().max(1),
            aggregate: manifest.aggregate.unwrap_or_default(),
            constraints: checked.constraints().map_err(|e| ObjectivesError(e.to_string()))?,
            objective: checked.minimize,
        })
    }

    /// What a figure is: `means over seeds`, and in a suite `then the mean of 18 members` or `then the worst
    /// of 18 members`.
    pub fn basis(&self) -> String {
        match (self.members, self.aggregate) {
            (0 | 1, _) => "means over seeds".to_string(),
            (n, Aggregate::Mean) => format!("means over seeds, then the mean of {n} members"),
            (n, Aggregate::Worst) => format!("means over seeds, then the worst of {n} members"),
        }
    }

    /// How many of a suite's members pass under every seed, as a clause (nothing for one member).
    fn members_passing(&self, r: &SettingResult) -> String {
        match r.member_pass_share.filter(|_| self.members > 1) {
            Some(share) => {
                format!(" ({} of {} members under every seed)", (share * self.members as f64).round(), self.members)
            }
            None => String::new(),
        }
    }

    /// Whether `r` meets every constraint (`None` without constraints).
    pub(crate) fn feasible(&self, r: &SettingResult) -> Option<bool> {
        (!self.constraints.is_empty()).then(|| self.failed(r) == 0)
    }

    /// How many constraints `r` fails.
    pub(crate) fn failed(&self, r: &SettingResult) -> usize {
        self.constraints.iter().filter(|c| !c.holds(r.column(&c.column).unwrap_or(f64::NAN))).count()
    }

    /// The column the recommendation minimizes first (`--minimize`, by default `mean_depth_mean`).
    pub(crate) fn objective_column(&self) -> &str {
        self.objective.as_deref().unwrap_or(super::require::DEFAULT_MINIMIZE)
    }

    /// The score the recommendation minimizes first, by the table's name (`mean_depth`).
    pub fn objective_score(&self) -> &'static str {
        let column = self.objective.as_deref().unwrap_or(super::require::DEFAULT_MINIMIZE);
        Score::ALL
            .iter()
            .map(|s| s.info().name)
            .filter(|name| column.starts_with(name))
            .max_by_key(|name| name.len())
            .unwrap_or("mean_depth")
    }

    /// `flips_per_10_worst<=1, pass_share==1`.
    fn constraint_list(&self) -> String {
        self.constraints.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The settings the front is drawn from: the feasible ones, or without constraints the [`eligible`] ones;
    /// described for the front's heading.
    pub(crate) fn pool(&self, results: &[SettingResult]) -> (Vec<bool>, String) {
        if self.constraints.is_empty() {
            let eligible = eligible(results);
            return (results.iter().map(|r| eligible.admits(r)).collect(), eligible.describe(results));
        }
        let admitted: Vec<bool> = results.iter().map(|r| r.candidate && r.feasible == Some(true)).collect();
        let count = admitted.iter().filter(|a| **a).count();
        let settings = if count == 1 { "setting" } else { "settings" };
        (admitted, format!("the {count} feasible {settings} ({})", self.constraint_list()))
    }

    /// Why no setting is feasible: each constraint with how many settings fail it, the most binding first.
    pub fn infeasible(&self, results: &[SettingResult]) -> Option<String> {
        let results: Vec<&SettingResult> = results.iter().filter(|r| r.candidate).collect();
        if self.constraints.is_empty() || results.iter().any(|r| r.feasible == Some(true)) {
            return None;
        }
        let rows: Vec<Vec<f64>> = results
            .iter()
            .map(|r| self.constraints.iter().map(|c| r.column(&c.column).unwrap_or(f64::NAN)).collect())
            .collect();
        let fails = super::require::binding(&self.constraints, &rows);
        let mut order: Vec<usize> = (0..fails.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(fails[i]), i));
        let listed: Vec<String> = order
            .iter()
            .map(|&i| format!("{} (fails {} of {} settings)", self.constraints[i].text, fails[i], results.len()))
            .collect();
        // The closest: the fewest constraints failed, then the least total violation, each relative to its
        // bound (a share and a count weigh alike), then the lowest setting number.
        let distance = |row: &Vec<f64>| {
            let failed = self.constraints.iter().zip(row).filter(|(c, v)| !c.holds(**v)).count();
            let violation: f64 =
                self.constraints.iter().zip(row).map(|(c, v)| c.violation(*v) / c.bound.abs().max(1.0)).sum();
            (failed, violation)
        };
        let closest = (0..results.len())
            .min_by(|&a, &b| {
                let (da, db) = (distance(&rows[a]), distance(&rows[b]));
                da.0.cmp(&db.0).then(da.1.total_cmp(&db.1)).then(a.cmp(&b))
            })
            .map(|i| {
                let failed: Vec<&str> = self
                    .constraints
                    .iter()
                    .zip(&rows[i])
                    .filter(|(c, v)| !c.holds(**v))
                    .map(|(c, _)| c.text.as_str())
                    .collect();
                format!("; the closest: setting {} (fails {})", results[i].setting, failed.join(", "))
            })
            .unwrap_or_default();
        Some(format!(
            "no setting is feasible; the constraint that binds most often: {}{}{closest}",
            listed[0],
            if listed.len() > 1 { format!("; then {}", listed[1..].join("; ")) } else { String::new() }
        ))
    }
}

/// The recommended setting: on the front (see [`SettingResult::pareto`]) the lowest `--minimize` score
/// (by default the cheapest: mean depth), then the fewest PARTIAL expiry-cycles, the quickest recovery, the
/// lowest setting number.
pub fn recommend(results: &[SettingResult], ranking: &Ranking) -> Option<Recommendation> {
    let meets_target = eligible(results).meets_target;
    let front: Vec<&SettingResult> = results.iter().filter(|r| r.pareto).collect();
    // The order of preference, each criterion with the words that say it decided.
    let objective = ranking.objective.clone();
    let first: (String, Box<dyn Fn(&SettingResult) -> f64>) = match objective {
        None => ("the cheapest (mean depth)".to_string(), Box::new(|r: &SettingResult| r.mean(Score::MeanDepth))),
        Some(column) => (
            format!("the lowest {column}"),
            Box::new(move |r: &SettingResult| r.column(&column).unwrap_or(f64::INFINITY)),
        ),
    };
    let of = if ranking.objective.is_none() { "of the cheapest" } else { "of those" };
    let criteria: [(String, Box<dyn Fn(&SettingResult) -> f64>); 3] = [
        first,
        (format!("the fewest PARTIAL expiry-cycles {of}"), Box::new(|r| r.mean(Score::PartialExpiryCycles))),
        (format!("the quickest recovery {of}"), Box::new(|r| r.mean(Score::RecoveryCycles))),
    ];
    let key = |r: &SettingResult| criteria.each_ref().map(|(_, f)| f(r));
    let best = *front.iter().min_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.iter()
            .zip(&kb)
            .fold(std::cmp::Ordering::Equal, |o, (x, y)| o.then(x.total_cmp(y)))
            .then(a.setting.cmp(&b.setting))
    })?;
    // What set it apart from the rest of the front: the first criterion on which every other point is worse.
    let mut rivals: Vec<&SettingResult> = front.iter().copied().filter(|r| r.setting != best.setting).collect();
    let mut decided = if rivals.is_empty() { "the only setting on the front".to_string() } else { String::new() };
    for (words, f) in &criteria {
        if decided.is_empty() && rivals.iter().all(|r| f(r) > f(best)) {
            decided = format!("{words} of the {} on the front", front.len());
        }
        rivals.retain(|r| f(r) == f(best));
    }
    if decided.is_empty() {
        let others = if rivals.len() == 1 { "other" } else { "others" };
        decided = format!("ties with {} {others} on the front on every score: the lowest setting number", rivals.len());
    }
    let why = format!(
        "{decided}; {:.0}% of seeds pass{}; {}; mean depth {:.2} strikes per side; \
         {:.2} PARTIAL expiry-cycles and {:.2} cycles back to baseline per run ({})",
        best.pass_share() * 100.0,
        ranking.members_passing(best),
        match (ranking.constraints.is_empty(), meets_target) {
            (false, _) => format!(
                "meets every constraint ({}); worst {} flips per 10 cycles",
                ranking.constraint_list(),
                short(best.worst(Score::FlipsPer10))
            ),
            (true, true) => {
                format!(
                    "worst {} flips per 10 cycles (meets the target of at most 1)",
                    short(best.worst(Score::FlipsPer10))
                )
            }
            (true, false) => format!(
                "worst {} flips per 10 cycles (no setting meets the target of at most 1)",
                short(best.worst(Score::FlipsPer10))
            ),
        },
        best.mean(Score::MeanDepth),
        best.mean(Score::PartialExpiryCycles),
        best.mean(Score::RecoveryCycles),
        ranking.basis(),
    );
    Some(Recommendation { setting: best.setting, values: best.values.clone(), why, indistinguishable: Vec::new() })
}

/// Most settings a recommendation's sentence names as indistinguishable from it (all are in `results.json`).
const NAMED_RIVALS: usize = 20;

/// Finds the settings of the ranking's pool indistinguishable from the recommendation on its objective's
/// headline (a paired bootstrap over seeds: the 95% interval of their difference, resample by resample,
/// holds 0), records them, and says so at the end of its `why`.
pub(crate) fn settle(
    rec: &mut Recommendation,
    manifest: &SweepManifest,
    jobs: &[JobScore],
    results: &[SettingResult],
    ranking: &Ranking,
) {
    use rayon::prelude::*;
    let name = ranking.objective_score();
    let score = *Score::ALL.iter().find(|s| s.info().name == name).expect("an objective is a score of the table");
    let layout = manifest.layout();
    if (0..layout.members()).all(|m| layout.seeds_of(m) < 2) {
        rec.why.push_str("; one run per member and setting: no interval tells settings apart");
        return;
    }
    let bootstrap = Bootstrap::new(manifest, jobs);
    let best = bootstrap.draws(rec.setting, score);
    let (pool, _) = ranking.pool(results);
    let rivals: Vec<usize> = results
        .iter()
        .zip(&pool)
        .filter(|(r, admitted)| **admitted && r.setting != rec.setting)
        .map(|(r, _)| r.setting)
        .collect();
    rec.indistinguishable = rivals
        .par_iter()
        .filter(|&&s| super::bootstrap::indistinguishable(&bootstrap.draws(s, score), &best))
        .copied()
        .collect();
    let others = if ranking.constraints.is_empty() { "eligible" } else { "feasible" };
    match rec.indistinguishable.as_slice() {
        [] if rivals.is_empty() => {}
        [] => rec.why.push_str(&format!(
            "; its {name} is clearly better than every other {others} setting's (95% paired bootstrap over seeds)"
        )),
        list => {
            let named: Vec<String> = list.iter().take(NAMED_RIVALS).map(usize::to_string).collect();
            let more = if list.len() > NAMED_RIVALS {
                format!(" and {} more", list.len() - NAMED_RIVALS)
            } else {
                String::new()
            };
            let (n, are) = if list.len() == 1 {
                ("1 setting".to_string(), "is")
            } else {
                (format!("{} settings", list.len()), "are")
            };
            rec.why.push_str(&format!(
                "; {n} {are} statistically indistinguishable from it on {name} (95% paired bootstrap over seeds): {}{more}; \
                 the top choice is not clearly better",
                named.join(", ")
            ));
        }
    }
}

/// A score for a sentence: at most 3 decimals, no trailing zeros (`0.417`, `0.25`, `2`).
fn short(x: f64) -> String {
    let s = format!("{x:.3}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// The scores in `results.csv`'s column order: the shares, the statistics, the sums (each in table order).
fn csv_order() -> Vec<Score> {
    [OverSeeds::Share, OverSeeds::Stat, OverSeeds::Sum]
        .iter()
        .flat_map(|over| Score::ALL.iter().copied().filter(move |s| s.info().over_seeds == *over))
        .collect()
}

/// The column of `results.csv` that gives `score` over a setting's seeds: a share's or a sum's one column, a
/// statistic's `_mean`.
pub(crate) fn headline_column(score: Score) -> String {
    let info = score.info();
    match info.over_seeds {
        OverSeeds::Share | OverSeeds::Sum => info.name.to_string(),
        OverSeeds::Stat => format!("{}_mean", info.name),
    }
}

/// The type of a column of `results.csv` or `members.csv`: whole numbers for `setting`, `seeds`, `rung` and
/// a sum's column, text for `member`, `true`/`false` for `feasible` and `pareto`, a float for every other score
/// column; `None` for a swept key, whose values tell.
pub fn column_type(manifest: &SweepManifest, name: &str) -> Option<ColumnType> {
    if manifest.params.iter().any(|(key, _)| key == name) {
        return None;
    }
    let sum = Score::ALL.iter().any(|s| s.info().over_seeds == OverSeeds::Sum && s.info().name == name);
    Some(match name {
        "setting" | "seeds" | "rung" => ColumnType::Int64,
        "member" => ColumnType::String,
        "feasible" | "pareto" => ColumnType::Bool,
        _ if sum => ColumnType::Int64,
        _ => ColumnType::Float64,
    })
}

/// The score columns of `results.csv` and `members.csv`: a share or a sum one column, a statistic its
/// `_mean`, `_p95` and `_worst`; with `intervals`, a share's `_lo` and `_hi` after it and a statistic's
/// `_mean_lo` and `_mean_hi` after its `_worst` (the 95% interval of its headline); in a suite's
/// `results.csv`, `member_pass_share` after the shares.
fn score_header(out: &mut String, member_pass_share: bool, intervals: bool) {
    let mut shares_done = false;
    for s in csv_order() {
        let info = s.info();
        if member_pass_share && !shares_done && info.over_seeds != OverSeeds::Share {
            out.push_str(",member_pass_share");
            shares_done = true;
        }
        let name = info.name;
        let _ = match (info.over_seeds, intervals) {
            (OverSeeds::Share, true) => write!(out, ",{name},{name}_lo,{name}_hi"),
            (OverSeeds::Share | OverSeeds::Sum, _) => write!(out, ",{name}"),
            (OverSeeds::Stat, false) => write!(out, ",{name}_mean,{name}_p95,{name}_worst"),
            (OverSeeds::Stat, true) => {
                write!(out, ",{name}_mean,{name}_p95,{name}_worst,{name}_mean_lo,{name}_mean_hi")
            }
        };
    }
}

/// The score cells of one row, in [`score_header`]'s order.
fn score_cells(out: &mut String, scores: &Scores, member_pass_share: Option<f64>, intervals: Option<&Intervals>) {
    let mut shares_done = false;
    for s in csv_order() {
        if let Some(m) = member_pass_share.filter(|_| !shares_done && s.info().over_seeds != OverSeeds::Share) {
            let _ = write!(out, ",{m}");
            shares_done = true;
        }
        let _ = match *scores.get(s) {
            Figures::Share(x) => write!(out, ",{x}"),
            Figures::Stat(s) => write!(out, ",{},{},{}", s.mean, s.p95, s.worst),
            Figures::Sum(n) => write!(out, ",{n}"),
        };
        if let Some([lo, hi]) = intervals.and_then(|i| i.get(s)) {
            let _ = write!(out, ",{lo},{hi}");
        }
    }
}

/// A value as a CSV field: quoted (its quotes doubled) when it holds a comma, a quote or a line break.
fn field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

/// `results.csv`: one row per setting: `setting`, the swept keys, `seeds` (the setting's runs), in a halving
/// `rung` (the rung it stopped at), the scores of
/// the table (a share or a sum one column, a statistic its `_mean`, `_p95` and `_worst`; a suite's by its
/// aggregate rule, and its `member_pass_share`), `pareto`.
pub(crate) fn results_csv(params: &[String], results: &[SettingResult]) -> String {
    let suite = results.iter().any(|r| r.member_pass_share.is_some());
    let mut out = String::from("setting");
    for p in params {
        let _ = write!(out, ",{p}");
    }
    let halving = results.iter().any(|r| r.rung.is_some());
    out.push_str(if halving { ",seeds,rung" } else { ",seeds" });
    score_header(&mut out, suite, true);
    let constrained = results.iter().any(|r| r.feasible.is_some());
    out.push_str(if constrained { ",feasible,pareto\n" } else { ",pareto\n" });
    for r in results {
        let _ = write!(out, "{}", r.setting);
        for (_, v) in &r.values.0 {
            let _ = write!(out, ",{}", field(v));
        }
        let _ = write!(out, ",{}", r.seeds);
        if let Some(rung) = r.rung {
            let _ = write!(out, ",{rung}");
        }
        score_cells(&mut out, &r.scores, r.member_pass_share, Some(&r.ci95));
        if let Some(feasible) = r.feasible {
            let _ = write!(out, ",{feasible}");
        }
        let _ = writeln!(out, ",{}", r.pareto);
    }
    out
}

/// `members.csv`, a suite's: one row per setting and member (setting-major, members in suite order):
/// `setting`, `member` (its name), the swept keys, `seeds`, the scores over the member's seeds.
pub(crate) fn members_csv(params: &[String], names: &[&str], settings: &[Setting], members: &[MemberResult]) -> String {
    let mut out = String::from("setting,member");
    for p in params {
        let _ = write!(out, ",{p}");
    }
    out.push_str(",seeds");
    score_header(&mut out, false, false);
    out.push('\n');
    for m in members {
        let _ = write!(out, "{},{}", m.setting, field(names[m.member]));
        for (_, v) in &settings[m.setting].values {
            let _ = write!(out, ",{}", field(v));
        }
        let _ = write!(out, ",{}", m.seeds);
        score_cells(&mut out, &m.scores, None, None);
        out.push('\n');
    }
    out
}

/// `results.json`: the manifest, every setting's results and the recommendation.
pub(crate) fn results_json(
    manifest: &SweepManifest,
    results: &[SettingResult],
    rec: &Option<Recommendation>,
    ranking: &Ranking,
    importance: Option<&Importance>,
    rungs: Option<&[super::halving::Rung]>,
) -> Vec<u8> {
    #[derive(Serialize)]
    struct Doc<'a> {
        sweep: &'a SweepManifest,
        recommended: &'a Option<Recommendation>,
        /// Why nothing is recommended: no setting meets the constraints.
        #[serde(skip_serializing_if = "Option::is_none")]
        infeasible: Option<String>,
        /// A Saltelli design's Sobol indices.
        #[serde(skip_serializing_if = "Option::is_none")]
        importance: Option<&'a Importance>,
        /// A halving's rungs as they ran: each one's seeds and settings.
        #[serde(skip_serializing_if = "Option::is_none")]
        rungs: Option<&'a [super::halving::Rung]>,
        settings: &'a [SettingResult],
    }
    let infeasible = ranking.infeasible(results);
    let mut out = serde_json::to_vec_pretty(&Doc {
        sweep: manifest,
        recommended: rec,
        infeasible,
        importance,
        rungs,
        settings: results,
    })
    .expect("sweep results serialize to JSON");
    out.push(b'\n');
    out
}

/// The front the recommendation is chosen from, as a table: a heading naming the eligible settings, then
/// setting, the three objectives (means over seeds; in a suite, combined by its rule), pass share and values;
/// the recommended row marked `*`.
pub(crate) fn pareto_text(
    results: &[SettingResult],
    recommended: Option<&Recommendation>,
    ranking: &Ranking,
) -> String {
    pareto_text_at_most(results, recommended, ranking, usize::MAX)
}

/// Rows of the front a sweep prints; `pareto.txt` holds them all.
pub(crate) const PRINTED_FRONT: usize = 20;

/// [`pareto_text`] with at most `most` rows (the recommended one among them), then how many more there are.
pub(crate) fn pareto_text_at_most(
    results: &[SettingResult],
    recommended: Option<&Recommendation>,
    ranking: &Ranking,
    most: usize,
) -> String {
    let rivals = recommended.is_some_and(|rec| !rec.indistinguishable.is_empty());
    let mut out = format!(
        "Pareto front (flips per 10 cycles, mean depth, PARTIAL expiry-cycles; {}) of\n\
         {}; * recommended{}:\n",
        ranking.basis(),
        ranking.pool(results).1,
        if rivals { ", ~ indistinguishable from it" } else { "" }
    );
    out.push_str(" setting");
    for s in OBJECTIVES {
        let _ = write!(out, "  {}", s.info().heading);
    }
    out.push_str("  pass  values\n");
    let is_recommended = |r: &SettingResult| recommended.is_some_and(|rec| rec.setting == r.setting);
    let front: Vec<&SettingResult> = results.iter().filter(|r| r.pareto).collect();
    // The first rows, and the recommended one wherever it stands.
    let shown: Vec<&SettingResult> = front
        .iter()
        .enumerate()
        .filter(|(i, r)| *i < most.saturating_sub(1) || is_recommended(r) || front.len() <= most)
        .map(|(_, r)| *r)
        .collect();
    for r in &shown {
        let values: Vec<String> = r.values.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let rival = recommended.is_some_and(|rec| rec.indistinguishable.contains(&r.setting));
        let mark = if is_recommended(r) {
            '*'
        } else if rival {
            '~'
        } else {
            ' '
        };
        let _ = write!(out, "{mark}{:>7}", r.setting);
        for s in OBJECTIVES {
            let _ = write!(out, "  {:>w$.3}", r.mean(s), w = s.info().heading.len());
        }
        let _ = writeln!(out, "  {:>3.0}%  {}", r.pass_share() * 100.0, values.join(" "));
    }
    if shown.len() < front.len() {
        let _ = writeln!(out, "... and {} more settings on the front (all in pareto.txt)", front.len() - shown.len());
    }
    out
}

/// `runs.jsonl`: every job's scores, in job order.
pub(crate) fn runs_jsonl(jobs: &[JobScore]) -> Vec<u8> {
    let mut out = Vec::new();
    for j in jobs {
        serde_json::to_writer(&mut out, j).expect("job scores serialize to JSON");
        out.push(b'\n');
    }
    out
}

/// How much of each score's variance over a Saltelli design (`--importance N`) each swept key explains: per
/// score (table order), per key (`--param` order), its Sobol indices; `None` for a score the design does not
/// move (its variance is 0).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Importance(pub OrderedMap<Option<OrderedMap<Index>>>);

impl Importance {
    /// The indices of `score` over a Saltelli design's results (in the design's order), or `None` when the
    /// sweep's settings are no Saltelli design.
    pub(crate) fn of(manifest: &SweepManifest, results: &[SettingResult]) -> Option<Self> {
        let design = manifest.design.as_ref().filter(|d| d.kind == super::design::DesignKind::Saltelli)?;
        let keys: Vec<&String> = manifest.params.iter().map(|(k, _)| k).collect();
        let scores = Score::ALL
            .iter()
            .map(|&score| {
                let f: Vec<f64> = results.iter().map(|r| r.mean(score)).collect();
                let indices = super::importance::indices(&f, keys.len(), super::bootstrap::RESAMPLES, design.seed);
                let by_key = indices.map(|v| OrderedMap(keys.iter().map(|k| k.to_string()).zip(v).collect()));
                (score.info().name.to_string(), by_key)
            })
            .collect();
        Some(Self(OrderedMap(scores)))
    }

    /// The indices of one score by key (`None`: the design does not move it).
    pub fn of_score(&self, score: &str) -> Option<&OrderedMap<Index>> {
        self.0.0.iter().find(|(name, _)| name == score).and_then(|(_, v)| v.as_ref())
    }

    /// The key with the largest total index of `score`.
    pub fn most(&self, score: &str) -> Option<(&str, &Index)> {
        self.of_score(score)?.0.iter().fold(None, |best: Option<(&str, &Index)>, (k, i)| match best {
            Some((_, b)) if b.total >= i.total => best,
            _ => Some((k.as_str(), i)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sweep of one scenario.
    const ONE: Ranking = Ranking { members: 1, aggregate: Aggregate::Mean, constraints: Vec::new(), objective: None };

    /// A setting with these means (every seed alike) and pass share.
    fn setting(n: usize, pass_share: f64, flips: f64, depth: f64, partial: f64) -> SettingResult {
        let stat = |x: f64| Figures::Stat(Stat { mean: x, p95: x, worst: x });
        let scores = Score::ALL
            .iter()
            .map(|s| match s {
                Score::PassShare => Figures::Share(pass_share),
                Score::FlipsPer10 => stat(flips),
                Score::MeanDepth => stat(depth),
                Score::PartialExpiryCycles => stat(partial),
                Score::Unrecovered => Figures::Sum(0),
                Score::RecoveryCycles
                | Score::StrikesPerCycle
                | Score::InstrumentsPerCycle
                | Score::ClampEvents
                | Score::BreachCycles
                | Score::ScaleChanges => stat(0.0),
            })
            .collect();
        SettingResult {
            setting: n,
            values: [("k".to_string(), n.to_string())].into_iter().collect(),
            member_pass_share: None,
            seeds: 4,
            rung: None,
            candidate: true,
            scores: Scores(scores),
            ci95: Intervals::default(),
            feasible: None,
            pareto: false,
        }
    }

    fn with_front(mut results: Vec<SettingResult>) -> Vec<SettingResult> {
        mark_front(&mut results, &ONE);
        results
    }

    /// Cheap settings that fail every seed would form the front over all settings; the printed front is the
    /// one the recommendation comes from, and the recommendation is on it, marked.
    #[test]
    fn the_front_is_the_one_the_recommendation_is_chosen_from() {
        let results = with_front(vec![
            setting(0, 0.0, 2.0, 10.0, 10.0),  // cheap, flaps, fails
            setting(1, 0.0, 0.5, 12.0, 10.0),  // cheap, calm, fails
            setting(2, 1.0, 0.5, 18.0, 10.0),  // passes, calm
            setting(3, 1.0, 0.25, 20.0, 10.0), // passes, calmer, dearer
            setting(4, 1.0, 0.5, 19.0, 12.0),  // passes, dominated by 2
            setting(5, 1.0, 3.0, 15.0, 10.0),  // passes, flaps: not eligible while calm ones pass
        ]);
        let front: Vec<usize> = results.iter().filter(|r| r.pareto).map(|r| r.setting).collect();
        assert_eq!(front, [2, 3]);
        let rec = recommend(&results, &ONE).unwrap();
        assert_eq!(rec.setting, 2);
        assert!(
            rec.why.starts_with("the cheapest (mean depth) of the 2 on the front; 100% of seeds pass"),
            "{}",
            rec.why
        );
        let text = pareto_text(&results, Some(&rec), &ONE);
        assert!(
            text.contains("the 3 settings with the best pass share (100%) that meet the hysteresis target"),
            "{text}"
        );
        let rows: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert!(rows[0].starts_with("*      2") && rows[1].starts_with("       3"), "{text}");
    }

    #[test]
    fn a_long_front_prints_its_first_rows_and_the_recommendation() {
        // Each setting calmer and dearer than the next: all 30 on the front, the cheapest last.
        let many = (0..30).map(|n| setting(n, 1.0, 0.01 * n as f64, 30.0 - n as f64, 4.0)).collect();
        let results = with_front(many);
        let rec = recommend(&results, &ONE).unwrap();
        assert_eq!(rec.setting, 29, "the cheapest");
        let text = pareto_text_at_most(&results, Some(&rec), &ONE, 5);
        let rows: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(rows.len(), 6, "{text}");
        assert!(rows[3].starts_with("       3") && rows[4].starts_with("*     29"), "{text}");
        assert_eq!(rows[5], "... and 25 more settings on the front (all in pareto.txt)", "{text}");
        assert_eq!(pareto_text(&results, Some(&rec), &ONE).lines().count(), 3 + 30);
    }

    #[test]
    fn the_reason_names_what_set_the_recommendation_apart() {
        let tie = with_front(vec![setting(0, 1.0, 0.5, 10.0, 4.0), setting(1, 1.0, 0.5, 10.0, 4.0)]);
        let why = recommend(&tie, &ONE).unwrap().why;
        assert!(why.starts_with("ties with 1 other on the front on every score: the lowest setting number"), "{why}");
        let partial = with_front(vec![setting(0, 1.0, 0.25, 10.0, 6.0), setting(1, 1.0, 0.5, 10.0, 4.0)]);
        let rec = recommend(&partial, &ONE).unwrap();
        assert_eq!(rec.setting, 1);
        assert!(rec.why.starts_with("the fewest PARTIAL expiry-cycles of the cheapest"), "{}", rec.why);
        let alone = with_front(vec![setting(0, 0.5, 3.0, 10.0, 6.0), setting(1, 0.25, 0.5, 8.0, 4.0)]);
        let rec = recommend(&alone, &ONE).unwrap();
        assert_eq!(rec.setting, 0, "the best pass share first, though it flaps");
        assert!(rec.why.starts_with("the only setting on the front; 50% of seeds pass"), "{}", rec.why);
        assert!(rec.why.contains("no setting meets the target"), "{}", rec.why);
        assert!(pareto_text(&alone, Some(&rec), &ONE).contains("(none meets the hysteresis target"));
    }

    #[test]
    fn the_objective_picks_on_the_front_and_constraints_draw_it() {
        // Two settings on the front: the cheaper one loses more coverage.
        let mut results =
            vec![setting(0, 1.0, 0.5, 10.0, 5.0), setting(1, 1.0, 0.5, 12.0, 1.0), setting(2, 1.0, 3.0, 14.0, 6.0)];
        mark_front(&mut results, &ONE);
        assert_eq!(results.iter().map(|r| r.pareto).collect::<Vec<_>>(), [true, true, false]);
        assert_eq!(recommend(&results, &ONE).unwrap().setting, 0, "the cheapest by default");
        let partial = Ranking { objective: Some("partial_expiry_cycles_mean".into()), ..ONE };
        let rec = recommend(&results, &partial).unwrap();
        assert_eq!(rec.setting, 1);
        assert!(rec.why.starts_with("the lowest partial_expiry_cycles_mean of the 2 on the front"), "{}", rec.why);
        // A constraint that only the third meets: the front is the feasible settings, however dominated.
        let constrained = Ranking {
            constraints: super::super::require::parse_all(&["mean_depth_mean>=13".to_string()]).unwrap(),
            ..ONE
        };
        mark_front(&mut results, &constrained);
        assert_eq!(
            results.iter().map(|r| (r.feasible, r.pareto)).collect::<Vec<_>>(),
            [(Some(false), false), (Some(false), false), (Some(true), true)]
        );
        let rec = recommend(&results, &constrained).unwrap();
        assert_eq!(rec.setting, 2);
        assert!(rec.why.contains("meets every constraint (mean_depth_mean>=13); worst 3 flips"), "{}", rec.why);
        assert!(constrained.infeasible(&results).is_none());
        let impossible =
            Ranking { constraints: super::super::require::parse_all(&["mean_depth<5".to_string()]).unwrap(), ..ONE };
        mark_front(&mut results, &impossible);
        assert!(recommend(&results, &impossible).is_none());
        assert_eq!(
            impossible.infeasible(&results).unwrap(),
            "no setting is feasible; the constraint that binds most often: mean_depth_mean<5 (fails 3 of 3 settings); \
             the closest: setting 0 (fails mean_depth_mean<5)"
        );
    }
}
