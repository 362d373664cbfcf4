//! A sweep's suite: the scenarios, recorded histories and generated workloads every setting is scored on,
//! and how a sweep's jobs are laid out over settings, members and seeds.
//!
//! A path on the command line is a member, except a directory that holds no benchmark artifacts: it stands
//! for its scenario (`.ron`) and history (`.jsonl`, `.csv`, gzipped too) files, by file name, not its
//! subdirectories (`g6sim sweep scenarios/ scenarios/history/` is every shipped scenario and both recorded
//! histories). A directory of benchmark artifacts (`benchmark_cycle_*.json`) is one history, as `replay`
//! reads it. `--explore N` adds the generated workloads of seeds 1 to N (`explore-1` ...) after them.
//!
//! A scenario or a generated workload runs under every seed; a history runs once, under the first seed (a
//! replay draws no random numbers, so more seeds would replay the same).

use super::spec::Param;
use crate::config::{self, Config};
use crate::run::{Error, RunOptions};
use crate::scenario::LoadedScenario;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a member of a suite is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    /// A scenario file.
    Scenario,
    /// A recorded history, replayed.
    History,
    /// A workload `g6sim explore` generates from a seed, judged by the property catalogue.
    Generated,
}

/// A member as a sweep's manifest names it: shards of one sweep agree on every member byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberEntry {
    /// The scenario's name (a history's file stem, `explore-<seed>` for a generated workload).
    pub name: String,
    pub kind: MemberKind,
    /// sha256 of the scenario's text, the history's bytes, or the generated scenario's text.
    pub sha256: String,
    /// The seeds its runs take: the sweep's, or the first of them for a history.
    pub seeds: Vec<u64>,
}

/// A member before planning: what it is, the scenario it runs, where it came from (for errors).
#[derive(Clone, Debug)]
pub struct Source {
    pub kind: MemberKind,
    pub loaded: LoadedScenario,
    pub sha256: String,
    /// The path as given, or `--explore seed N`.
    pub origin: String,
}

impl Source {
    /// A loaded scenario or history as a member: a history when it replays a recorded one.
    pub fn of(loaded: LoadedScenario) -> Self {
        let kind = if loaded.scenario.recorded.is_some() { MemberKind::History } else { MemberKind::Scenario };
        Self { kind, sha256: loaded.content_sha256.clone(), origin: loaded.file.clone(), loaded }
    }
}

/// Why the paths given name no suite.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SuiteError {
    /// A directory without a scenario, a history or a benchmark artifact.
    #[error(
        "{}: holds no scenario (.ron), no history (.jsonl, .csv) and no benchmark artifact (benchmark_cycle_*.json)\n  \
         hint: pass the scenario files, or the directory that holds them",
        dir.display()
    )]
    EmptyDirectory { dir: PathBuf },
    /// A directory that cannot be read.
    #[error("{}: cannot read the directory: {why}", dir.display())]
    Unreadable { dir: PathBuf, why: String },
    /// Two members with the same content: one would weigh twice in the suite's aggregates.
    #[error(
        "{second} is the same {what} as {first} (sha256 {sha}): it would weigh twice in the suite's aggregates\n  \
         hint: pass it once"
    )]
    Twice { first: String, second: String, what: &'static str, sha: String },
}

/// The member files the paths stand for, in the order given, each directory's files by name (see the module
/// doc). A path that does not exist stays as it is, for the loader to say so.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SuiteError> {
    let mut out = Vec::new();
    for path in paths {
        if !path.is_dir() || crate::artifact::list(path).is_ok_and(|files| !files.is_empty()) {
            out.push(path.clone());
            continue;
        }
        let entries =
            std::fs::read_dir(path).map_err(|e| SuiteError::Unreadable { dir: path.clone(), why: e.to_string() })?;
        let mut files: Vec<PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file() && is_member_file(p)).collect();
        if files.is_empty() {
            return Err(SuiteError::EmptyDirectory { dir: path.clone() });
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// Whether a file in a directory of members is one: a scenario (`.ron`) or a history.
fn is_member_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("ron")) || crate::replay::is_history(path)
}

/// Refuses two members of the same content.
pub(crate) fn refuse_twins(sources: &[Source]) -> Result<(), SuiteError> {
    for (i, s) in sources.iter().enumerate() {
        if let Some(first) = sources[..i].iter().find(|f| f.sha256 == s.sha256 && !s.sha256.is_empty()) {
            let what = match s.kind {
                MemberKind::Scenario => "scenario",
                MemberKind::History => "history",
                MemberKind::Generated => "generated workload",
            };
            return Err(SuiteError::Twice {
                first: first.origin.clone(),
                second: s.origin.clone(),
                what,
                sha: s.sha256.clone(),
            });
        }
    }
    Ok(())
}

/// The generated workloads of seeds 1 to `count` as members: each within the smallest expansion caps any
/// setting has (so every setting runs the same scenario), and with its drawn strike scaling only when neither
/// the shared options nor a swept key set a `strike_scaling*` key (as `explore` keeps it).
pub(crate) fn generated(count: u64, options: &RunOptions, params: &[Param]) -> Result<Vec<Source>, Error> {
    if count == 0 {
        return Ok(Vec::new());
    }
    // A swept key moves only its own field, so the smallest caps of the grid are the smallest of the shared
    // options with one swept value at a time.
    let resolve = |extra: Option<String>| {
        let base = Config { parity: options.parity.unwrap_or_default(), ..Config::default() };
        let sets: Vec<String> = options.sets.iter().cloned().chain(extra).collect();
        config::resolve(base, &options.env, &sets).map_err(Error::Set)
    };
    let (mut caps, applied) = resolve(None)?;
    let keep_scaling = !applied.iter().any(|a| a.key.starts_with("strike_scaling"))
        && !params.iter().any(|p| p.key.starts_with("strike_scaling"));
    let smaller = |a: Option<u32>, b: Option<u32>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    for p in params.iter().filter(|p| p.key.starts_with("depth_max")) {
        for v in &p.values {
            // A value `--set` refuses is said by the plan, of the setting it belongs to.
            if let Ok((c, _)) = resolve(Some(format!("{}={v}", p.key))) {
                caps.depth_max_itm = smaller(caps.depth_max_itm, c.depth_max_itm);
                caps.depth_max_otm = smaller(caps.depth_max_otm, c.depth_max_otm);
            }
        }
    }
    (1..=count)
        .map(|seed| {
            let (loaded, sha256) = crate::explore::suite_member(seed, keep_scaling, &caps)?;
            Ok(Source { kind: MemberKind::Generated, loaded, sha256, origin: format!("--explore seed {seed}") })
        })
        .collect()
}

/// How a sweep's jobs are numbered: setting-major, then members in suite order, then each member's seeds.
/// With one member, job `j` is setting `j / seeds` under seed number `j % seeds`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Where each member's runs start within a setting's, and (last) the runs per setting.
    offsets: Vec<usize>,
    settings: usize,
}

impl Layout {
    /// `settings` settings, each run `seeds[m]` times on member `m`.
    pub(crate) fn new(settings: usize, seeds: impl IntoIterator<Item = usize>) -> Self {
        let mut offsets: Vec<usize> = vec![0];
        for n in seeds {
            offsets.push(offsets.last().copied().unwrap_or(0).saturating_add(n));
        }
        Self { offsets, settings }
    }

    /// The runs of one setting: every member's seeds.
    pub(crate) fn runs_per_setting(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// Every job of the sweep.
    pub(crate) fn jobs(&self) -> usize {
        self.settings.saturating_mul(self.runs_per_setting())
    }

    pub(crate) fn settings(&self) -> usize {
        self.settings
    }

    pub(crate) fn members(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The runs of member `m` in each setting.
    pub(crate) fn seeds_of(&self, member: usize) -> usize {
        self.offsets[member + 1] - self.offsets[member]
    }

    /// Job `j`'s setting, member and seed number.
    pub(crate) fn locate(&self, job: usize) -> (usize, usize, usize) {
        let per = self.runs_per_setting();
        let (setting, r) = (job / per, job % per);
        let member = self.offsets.partition_point(|&o| o <= r) - 1;
        (setting, member, r - self.offsets[member])
    }

    /// The jobs of one setting on one member, in seed order.
    pub(crate) fn jobs_of(&self, setting: usize, member: usize) -> std::ops::Range<usize> {
        let start = setting * self.runs_per_setting() + self.offsets[member];
        start..start + self.seeds_of(member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_member_numbers_jobs_as_setting_then_seed() {
        let layout = Layout::new(3, [4]);
        assert_eq!((layout.jobs(), layout.runs_per_setting(), layout.members()), (12, 4, 1));
        for j in 0..12 {
            assert_eq!(layout.locate(j), (j / 4, 0, j % 4));
        }
        assert_eq!(layout.jobs_of(2, 0), 8..12);
    }

    #[test]
    fn members_follow_each_other_within_a_setting_and_every_job_round_trips() {
        let layout = Layout::new(5, [3, 1, 0, 4]);
        assert_eq!(layout.runs_per_setting(), 8);
        let mut seen = Vec::new();
        for s in 0..5 {
            for m in 0..4 {
                for (k, j) in layout.jobs_of(s, m).enumerate() {
                    assert_eq!(layout.locate(j), (s, m, k));
                    seen.push(j);
                }
            }
        }
        assert_eq!(seen, (0..layout.jobs()).collect::<Vec<_>>());
    }

    #[test]
    fn a_directory_stands_for_its_scenarios_and_histories_by_name() {
        let scenarios = expand(&[PathBuf::from("scenarios/history"), PathBuf::from("scenarios/walk.ron")]).unwrap();
        assert_eq!(
            scenarios,
            [
                "scenarios/history/banknifty_low_both.csv",
                "scenarios/history/nifty_strike_dip.jsonl",
                "scenarios/walk.ron"
            ]
            .map(PathBuf::from)
        );
        let all = expand(&[PathBuf::from("scenarios")]).unwrap();
        assert!(all.iter().all(|p| p.extension().is_some_and(|e| e == "ron")), "{all:?}");
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        let empty = std::env::temp_dir().join(format!("g6sim-suite-empty-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        assert!(matches!(expand(std::slice::from_ref(&empty)), Err(SuiteError::EmptyDirectory { .. })));
        std::fs::remove_dir_all(&empty).unwrap();
        let missing = PathBuf::from("no/such.ron");
        assert_eq!(expand(std::slice::from_ref(&missing)).unwrap(), vec![missing]);
    }

    fn param(text: &str) -> Param {
        super::super::spec::parse_param(text).unwrap()
    }

    #[test]
    fn generated_members_keep_within_the_smallest_cap_swept_and_drop_their_scaling_when_it_is_swept() {
        let options = RunOptions::default();
        let members = generated(6, &options, &[param("depth_max_itm=4,9"), param("depth_max_otm=3")]).unwrap();
        assert_eq!(members.len(), 6);
        for (seed, m) in (1..).zip(&members) {
            assert_eq!((m.kind, m.loaded.scenario.name.clone()), (MemberKind::Generated, format!("explore-{seed}")));
            assert!(!m.loaded.scenario.expectations.is_empty(), "judged by the property catalogue");
            for index in &m.loaded.scenario.indices {
                assert!(index.depth.itm <= 4 && index.depth.otm <= 3, "{seed}: {:?}", index.depth);
            }
        }
        let drawn = (1..200).find(|&s| crate::explore::workload(s).scaling.is_some()).expect("some seed draws scaling");
        let kept = generated(drawn, &options, &[param("contract_ok_cycles=2,3")]).unwrap();
        let dropped = generated(drawn, &options, &[param("strike_scaling_min=2,3")]).unwrap();
        let set = RunOptions { sets: vec!["strike_scaling=false".into()], ..RunOptions::default() };
        let dropped_by_set = generated(drawn, &set, &[]).unwrap();
        let last = |m: &[Source]| m.last().unwrap().loaded.scenario.config.clone();
        assert_ne!(last(&kept), Config::default(), "seed {drawn} keeps its drawn scaling");
        assert_eq!(last(&dropped), Config::default());
        assert_eq!(last(&dropped_by_set), Config::default());
        assert_ne!(kept.last().unwrap().sha256, dropped.last().unwrap().sha256, "the manifest tells them apart");
    }
}
