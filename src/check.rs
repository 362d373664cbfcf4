//! `g6sim check`, the deterministic CI test: every scenario named is run (once, or once per seed) and judged
//! on its expectations, every history named is replayed and compared with what it recorded. Each file comes
//! to one [`Row`]: PASS, FAIL, EMPTY (nothing was checked) or ERROR (it could not be loaded or run). The rows
//! go to the caller as they are decided, with what goes to standard error around them ([`Event`]); the
//! [`Tally`] comes back with its exit code.

use crate::output::{self, dir_name};
use crate::plot::{self, PlotSeries};
use crate::replay::{self, Comparison, HistoryOptions};
use crate::run::{EnvNote, Prepared, RunOptions, env_notes, prepare, prepare_file};
use crate::scenario::{self, ExpectationOutcome, Verdict};
use crate::sweep::seeds::{self as seed_sweep, SeedOutcome};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The directory `g6sim check` reads when no file is named.
pub(crate) const DEFAULT_DIR: &str = "scenarios";
/// The folder of `DEFAULT_DIR` that `g6sim check` also checks by default: scenarios kept so a bug found once
/// (by `g6sim explore`, whose shrunk failures are such files) stays found.
pub const REGRESSIONS_DIR: &str = "regressions";

/// What to check, and how.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Scenario files, directories (their `*.ron` files) and history files; none: `DEFAULT_DIR`.
    pub paths: Vec<PathBuf>,
    /// Draw each file's charts into `DIR/<scenario name>/` (with seeds, `DIR/<scenario name>/seed-N/`).
    pub plots: Option<PathBuf>,
    pub options: RunOptions,
    /// Run every scenario once per seed, its own seed replaced (`--seeds`).
    pub seeds: Option<Vec<u64>>,
    /// The overrides as command-line words, repeated by the reproduction command of a failing seed.
    pub args: Vec<String>,
}

/// What a check reports as it goes, in order.
#[derive(Debug)]
pub enum Event<'a> {
    /// Before anything runs: what one `G6_*` variable does (standard error).
    Env(EnvNote),
    /// A warning about the file about to be checked, file name first (standard error, before its row).
    Warning(String),
    /// The table begins: its header (`seeds`: the last column counts seeds).
    Header { seeds: bool },
    /// A file's row (standard output; an ERROR's reason to standard error).
    Row(&'a Row),
    /// A file's charts (with seeds, one seed's) could not be drawn (standard error): the file counts as an
    /// error, whatever its row says.
    ChartError { file: &'a Path, seed: Option<u64>, message: String },
}

/// One file's row: the file, and what checking it came to.
#[derive(Clone, Debug)]
pub struct Row {
    pub file: PathBuf,
    pub checked: Checked,
}

/// What checking one file came to.
#[derive(Clone, Debug)]
pub enum Checked {
    /// A scenario run once: the outcome of each of its expectations.
    Run { cycles: u64, outcomes: Vec<ExpectationOutcome> },
    /// A scenario run once per seed: each seed's outcome, and the commands that rerun the failing seeds.
    Seeds { cycles: u64, outcomes: Vec<SeedOutcome>, reproductions: Vec<String> },
    /// A history replayed: the replay compared with what the history recorded.
    Replay { cycles: u64, comparison: Box<Comparison> },
    /// The file could not be loaded or run: why.
    Error(String),
}

impl Row {
    /// PASS, FAIL or EMPTY (a replay passes when it reproduces every recorded status and depth); the reason
    /// of an ERROR.
    pub fn verdict(&self) -> Result<Verdict, &str> {
        match &self.checked {
            Checked::Run { outcomes, .. } => Ok(Verdict::of(outcomes)),
            Checked::Seeds { outcomes, .. } => Ok(Verdict::all(outcomes.iter().map(SeedOutcome::verdict))),
            Checked::Replay { comparison, .. } => Ok(replay_verdict(comparison)),
            Checked::Error(e) => Err(e),
        }
    }

    /// `PASS`, `FAIL`, `EMPTY` or `ERROR`.
    pub fn label(&self) -> &'static str {
        self.verdict().map_or("ERROR", Verdict::label)
    }

    /// What failed first, in one line: the first failed expectation (`[cycle N] expected ...; what happened`;
    /// with seeds, `seed S: ` before it), the replay's first difference, why nothing was checked (EMPTY), or
    /// the first line of an ERROR's reason. `None` for a PASS.
    pub fn first_failure(&self) -> Option<String> {
        match &self.checked {
            Checked::Run { outcomes, .. } => match Verdict::of(outcomes) {
                Verdict::Pass => None,
                Verdict::Empty => Some(Verdict::EMPTY_HINT.to_string()),
                Verdict::Fail => outcomes.iter().find(|o| !o.passed).map(ExpectationOutcome::failure_text),
            },
            Checked::Seeds { outcomes, .. } => outcomes.iter().find(|o| o.verdict() != Verdict::Pass).map(|o| {
                let text = o.first_failure().map_or(Verdict::EMPTY_HINT.to_string(), ExpectationOutcome::failure_text);
                format!("seed {}: {text}", o.seed)
            }),
            Checked::Replay { comparison, .. } => {
                comparison.differences.first().map(|d| format!("replay differs at {}", d.describe()))
            }
            Checked::Error(e) => Some(e.lines().next().unwrap_or_default().to_string()),
        }
    }

    /// The command that reruns what failed first, with the overrides of the check (`args`): `g6sim run FILE`
    /// (with seeds, `--seed S` of the first failing seed), or `g6sim replay FILE` for a history. `None` for a
    /// PASS and an ERROR (nothing ran to rerun).
    pub fn reproduction(&self, args: &[String]) -> Option<String> {
        let file = self.file.display().to_string();
        match &self.checked {
            Checked::Run { outcomes, .. } => {
                (Verdict::of(outcomes) != Verdict::Pass).then(|| seed_sweep::run_command(&file, None, args))
            }
            Checked::Seeds { outcomes, .. } => outcomes
                .iter()
                .find(|o| o.verdict() != Verdict::Pass)
                .map(|o| seed_sweep::reproduction(&file, o.seed, args)),
            Checked::Replay { comparison, .. } => {
                (!comparison.agrees()).then(|| seed_sweep::replay_command(&file, args))
            }
            Checked::Error(_) => None,
        }
    }
}

/// What a check reported, kept for the reports written after it (the JUnit XML, the Markdown summary): every
/// row and chart error in order, and how it ended.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub reported: Vec<Reported>,
    /// The tally, once the check ended; `None` while it runs and when it stopped before any file ran.
    pub tally: Option<Tally>,
    /// What stopped the check before any file ran, one problem each ([`CheckError::problems`]).
    pub stopped: Vec<String>,
}

/// A row, or a chart error, as the check reported it.
#[derive(Clone, Debug)]
pub enum Reported {
    Row(Row),
    ChartError { file: PathBuf, seed: Option<u64>, message: String },
}

impl Record {
    /// Keeps what `event` reports of a file (a row, a chart error).
    pub fn event(&mut self, event: &Event) {
        match event {
            Event::Row(row) => self.reported.push(Reported::Row((*row).clone())),
            Event::ChartError { file, seed, message } => {
                let (file, seed, message) = (file.to_path_buf(), *seed, message.clone());
                self.reported.push(Reported::ChartError { file, seed, message });
            }
            Event::Env(_) | Event::Warning(_) | Event::Header { .. } => {}
        }
    }

    /// Records how the check ended.
    pub fn end(&mut self, ended: &Result<Tally, CheckError>) {
        match ended {
            Ok(tally) => self.tally = Some(*tally),
            Err(e) => self.stopped = e.problems(),
        }
    }
}

/// A replay's verdict, as `g6sim replay` and `g6sim check` give it: PASS when the replay reproduces every status
/// and depth the history recorded (or none is recorded), else FAIL.
pub fn replay_verdict(comparison: &Comparison) -> Verdict {
    if comparison.agrees() { Verdict::Pass } else { Verdict::Fail }
}

/// How many files were checked, and what they came to. Each file counts once: an error (it could not be
/// loaded, run or drawn) over a failure (FAIL or EMPTY).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub files: usize,
    pub failed: usize,
    pub errors: usize,
    /// Seeds each scenario ran under (`--seeds`).
    pub seeds: Option<usize>,
}

impl Tally {
    /// The files that passed.
    pub fn passed(&self) -> usize {
        self.files.saturating_sub(self.failed + self.errors)
    }

    /// The exit code of `g6sim check`: [`Verdict::BAD_INPUT`] when a file is an ERROR, else 1 when one failed or
    /// is EMPTY, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            Verdict::BAD_INPUT
        } else if self.failed > 0 {
            Verdict::Fail.exit_code()
        } else {
            Verdict::Pass.exit_code()
        }
    }
}

/// What stops a check before any file runs.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// No file named, and no `scenarios/` directory to check.
    #[error(
        "no scenarios/ directory here: `g6sim check` with no argument checks the *.ron files of ./scenarios\n  \
         hint: name scenario files or directories, for example `g6sim check my-scenarios/`"
    )]
    NoScenariosDir,
    /// The paths named (or `scenarios/`) hold no scenario file.
    #[error(
        "no scenario files found in {named}\n  hint: a directory contributes its *.ron scenarios; name history \
         files (.jsonl, .csv) one by one"
    )]
    NoFiles { named: String },
    /// `G6_*` variables whose values cannot apply: every one of them.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Env(Vec<crate::config::SetError>),
    /// The charts directory cannot be claimed.
    #[error("{0}")]
    Plots(crate::output::DirError),
}

impl CheckError {
    /// Each problem on its own (one line of `error:` each).
    pub fn problems(&self) -> Vec<String> {
        match self {
            CheckError::Env(errors) => errors.iter().map(ToString::to_string).collect(),
            CheckError::NoScenariosDir | CheckError::NoFiles { .. } | CheckError::Plots(_) => vec![self.to_string()],
        }
    }
}

/// Checks every file of `request`, handing each event to `report` as it happens, and returns the tally. What
/// stops the check before any file runs (no file to check, a `G6_*` variable that cannot apply, a charts
/// directory that cannot be claimed) is the error, and nothing is reported but the environment's notes.
pub fn check(request: &Request, mut report: impl FnMut(Event)) -> Result<Tally, CheckError> {
    if request.paths.is_empty() && !Path::new(DEFAULT_DIR).is_dir() {
        return Err(CheckError::NoScenariosDir);
    }
    let notes = env_notes(&request.options.env).map_err(CheckError::Env)?;
    for note in notes {
        report(Event::Env(note));
    }
    let files = scenario_files(&request.paths);
    if files.is_empty() {
        let named: Vec<String> = request.paths.iter().map(|p| p.display().to_string()).collect();
        let named = if named.is_empty() { format!("{DEFAULT_DIR}/") } else { named.join(", ") };
        return Err(CheckError::NoFiles { named });
    }
    let name_of = |file: &Path| {
        if is_history(file) {
            Some(replay::history_name(file))
        } else {
            scenario::load_file_without_universe(file).ok().map(|loaded| loaded.scenario.name)
        }
    };
    let plots = request.plots.as_deref();
    let lock = plots.map(|dir| output::claim_check_plots(dir, &files, name_of)).transpose();
    let _lock = lock.map_err(CheckError::Plots)?;
    report(Event::Header { seeds: request.seeds.is_some() });
    let mut tally = Tally { files: files.len(), seeds: request.seeds.as_ref().map(Vec::len), ..Tally::default() };
    for file in &files {
        let (failed, error) = if is_history(file) {
            check_history(file, request, &mut report)
        } else if let Some(seeds) = &request.seeds {
            check_seeds(file, seeds, request, &mut report)
        } else {
            check_one(file, request, &mut report)
        };
        if error {
            tally.errors += 1;
        } else if failed {
            tally.failed += 1;
        }
    }
    Ok(tally)
}

/// Whether `file` is checked as a recorded history (a `.jsonl` or `.csv` file, plain or gzipped).
fn is_history(file: &Path) -> bool {
    file.is_file() && replay::is_history(file)
}

/// Scenario files named by `paths` (when none, `DEFAULT_DIR` and its `REGRESSIONS_DIR` when present): files as
/// given, directories' `*.ron` files sorted by name, each file once.
pub fn scenario_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let regressions = Path::new(DEFAULT_DIR).join(REGRESSIONS_DIR);
    let mut default = vec![PathBuf::from(DEFAULT_DIR)];
    default.extend(regressions.is_dir().then_some(regressions));
    let paths = if paths.is_empty() { &default[..] } else { paths };
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map(|rd| {
                    rd.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.extension().is_some_and(|x| x == "ron"))
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    // A file named twice (or as part of its directory too) is checked once.
    let mut seen = BTreeSet::new();
    files.retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    files
}

/// Reports an ERROR row. Returns (failed, error).
fn error_row(file: &Path, e: String, report: &mut impl FnMut(Event)) -> (bool, bool) {
    report(Event::Row(&Row { file: file.to_path_buf(), checked: Checked::Error(e) }));
    (false, true)
}

/// Loads and prepares one scenario, reporting its warnings (a dump without one of its indices, ...) under its
/// file name.
fn load_warned(file: &Path, options: &RunOptions, report: &mut impl FnMut(Event)) -> Result<Prepared, String> {
    let prepared = prepare_file(file, options).map_err(|e| e.to_string())?;
    for w in &prepared.warnings {
        report(Event::Warning(format!("{}: {w}", file.display())));
    }
    Ok(prepared)
}

/// One scenario run once: its row, then its charts. Returns (failed, error).
fn check_one(file: &Path, request: &Request, report: &mut impl FnMut(Event)) -> (bool, bool) {
    // The verdict comes from the streamed run; the charts' series are kept only when asked for.
    let mut series = request.plots.is_some().then(PlotSeries::new);
    let streamed = load_warned(file, &request.options, report).and_then(|p| {
        p.stream(|view| {
            if let Some(series) = series.as_mut() {
                series.observe(view.summary, view.events);
            }
        })
        .map_err(|e| e.to_string())
    });
    let run = match streamed {
        Ok(run) => run,
        Err(e) => return error_row(file, e, report),
    };
    let checked = Checked::Run { cycles: run.prepared.cycles, outcomes: run.outcomes.clone() };
    report(Event::Row(&Row { file: file.to_path_buf(), checked }));
    if let (Some(dir), Some(series)) = (&request.plots, series) {
        let target = dir.join(dir_name(&run.prepared.scenario.scenario.name));
        if let Err(e) = plot::draw(series, &run, &target) {
            report(Event::ChartError {
                file,
                seed: None,
                message: format!("{}: cannot draw the charts: {e}", target.display()),
            });
            return (true, true);
        }
    }
    (run.verdict() != Verdict::Pass, false)
}

/// One scenario run once per seed: the charts of each seed, then its row. Returns (failed, error).
fn check_seeds(file: &Path, seeds: &[u64], request: &Request, report: &mut impl FnMut(Event)) -> (bool, bool) {
    let prepared = match load_warned(file, &request.options, report) {
        Ok(p) => p,
        Err(e) => return error_row(file, e, report),
    };
    let target = request.plots.as_ref().map(|dir| dir.join(dir_name(&prepared.scenario.scenario.name)));
    let mut charts_failed = false;
    let mut outcomes = Vec::with_capacity(seeds.len());
    for &seed in seeds {
        let mut series = target.is_some().then(PlotSeries::new);
        let ran = seed_sweep::run_seed(&prepared, seed, |view| {
            if let Some(series) = series.as_mut() {
                series.observe(view.summary, view.events);
            }
        });
        let (run, outcome) = match ran {
            Ok(ran) => ran,
            Err(e) => return error_row(file, e.to_string(), report),
        };
        if let (Some(target), Some(series)) = (&target, series) {
            let target = output::seed_dir(target, seed);
            if let Err(e) = plot::draw(series, &run, &target) {
                report(Event::ChartError {
                    file,
                    seed: Some(seed),
                    message: format!("{}: cannot draw the charts: {e}", target.display()),
                });
                charts_failed = true;
            }
        }
        outcomes.push(outcome);
    }
    let reproductions = seed_sweep::reproductions(&file.display().to_string(), &outcomes, &request.args);
    let row =
        Row { file: file.to_path_buf(), checked: Checked::Seeds { cycles: prepared.cycles, outcomes, reproductions } };
    report(Event::Row(&row));
    (row.verdict() != Ok(Verdict::Pass), charts_failed)
}

/// One recorded history, replayed: its row, then its charts. It passes when the replay reproduces every
/// recorded status and depth, as `g6sim replay` exits 0. Returns (failed, error).
fn check_history(file: &Path, request: &Request, report: &mut impl FnMut(Event)) -> (bool, bool) {
    if request.seeds.is_some() {
        let e = format!("{}: --seeds applies to scenarios: a replay draws no random numbers", file.display());
        return error_row(file, e, report);
    }
    let replayed = replay::load(file, &HistoryOptions::default()).map_err(|e| e.to_string()).and_then(|history| {
        let prepared = prepare(&history.loaded, &request.options).map_err(|e| e.to_string())?;
        let run = prepared.run(|_| {}).map_err(|e| e.to_string())?;
        Ok((replay::compare(&history, &run.result.cycles), run))
    });
    let (comparison, run) = match replayed {
        Ok(replayed) => replayed,
        Err(e) => return error_row(file, e, report),
    };
    let agrees = comparison.agrees();
    let checked = Checked::Replay { cycles: run.prepared.cycles, comparison: Box::new(comparison) };
    report(Event::Row(&Row { file: file.to_path_buf(), checked }));
    if let Some(dir) = &request.plots {
        let target = dir.join(dir_name(&run.prepared.scenario.scenario.name));
        if let Err(e) = plot::PlotData::from_run(&run).and_then(|data| plot::render(&data, &target)) {
            report(Event::ChartError {
                file,
                seed: None,
                message: format!("{}: cannot draw the charts: {e}", target.display()),
            });
            return (!agrees, true);
        }
    }
    (!agrees, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_outranks_a_failure_and_a_failure_a_pass() {
        let tally = |failed, errors| Tally { files: 3, failed, errors, seeds: None };
        assert_eq!((tally(0, 0).exit_code(), tally(0, 0).passed()), (0, 3));
        assert_eq!((tally(2, 0).exit_code(), tally(2, 0).passed()), (1, 1));
        assert_eq!((tally(1, 1).exit_code(), tally(1, 1).passed()), (2, 1));
        assert_eq!(Verdict::BAD_INPUT, 2);
    }

    #[test]
    fn a_row_is_pass_fail_empty_or_error() {
        let passed =
            |passed| ExpectationOutcome { expectation: "e".into(), passed, detail: String::new(), cycle: None };
        let run = |outcomes| Row { file: "a.ron".into(), checked: Checked::Run { cycles: 1, outcomes } };
        assert_eq!(run(vec![passed(true)]).label(), "PASS");
        assert_eq!(run(vec![passed(true), passed(false)]).label(), "FAIL");
        assert_eq!(run(vec![]).label(), "EMPTY");
        let error = Row { file: "a.ron".into(), checked: Checked::Error("bad".into()) };
        assert_eq!((error.label(), error.verdict()), ("ERROR", Err("bad")));
    }

    #[test]
    fn files_are_named_once_directories_give_their_scenarios_in_order() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = root.join("scenarios");
        let walk = dir.join("walk.ron");
        let files = scenario_files(&[walk.clone(), dir.clone(), walk.clone()]);
        assert_eq!(files[0], walk);
        assert_eq!(files.iter().filter(|f| f.ends_with("walk.ron")).count(), 1);
        assert!(files.iter().all(|f| f.extension().is_some_and(|x| x == "ron")));
        let names: Vec<&PathBuf> = files[1..].iter().collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    }
}
