//! One function per subcommand, between the parsed command line and the library: each calls the library,
//! prints what `g6sim::render` words (or the library's errors, as `error: ...`) and returns the exit code the
//! library decides. Bad input exits with `Verdict::BAD_INPUT`.

use super::ExitCode;
use super::args::{BenchTool, ExploreArgs, Overrides, SweepArgs, SweepTool, history_options};
use g6sim::artifact::{self, ArtifactWriter};
use g6sim::bench::{aggregate, diff, verify};
use g6sim::check::{self, Event};
use g6sim::output::{self, RunWriter, dir_name, serve::MetricsServer};
use g6sim::plot::{self, PlotSeries};
use g6sim::replay::{self, HistoryOptions};
use g6sim::sweep::{self, SeedList, SeedOutcome, Shard, SweepManifest};
use g6sim::{Error, Prepared, RunOptions, RunTotals, Streamed, Verdict, canary, render};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How `run` and `replay` present themselves.
pub struct RunFlags {
    pub quiet: bool,
    pub plots: bool,
    /// Also write the run's report page (`--report`).
    pub report: bool,
    pub force: bool,
    pub serve_metrics: Option<String>,
    pub hold: bool,
}

/// A seed sweep's seeds, and the overrides its reproduction commands repeat.
#[derive(Clone, Copy)]
pub struct SeedSweep<'a> {
    pub seeds: &'a [u64],
    pub args: &'a [String],
}

/// The exit code of bad input.
pub fn bad_input() -> ExitCode {
    ExitCode::from(Verdict::BAD_INPUT)
}

/// Prints bad input (`error: ...`) and gives its exit code.
pub fn fail(e: impl Display) -> ExitCode {
    errln!("error: {e}");
    bad_input()
}

/// Says, before anything runs, what the `G6_*` variables change (they can change verdicts); a variable that
/// cannot apply is bad input, and nothing is announced.
fn announce_env(env: &BTreeMap<String, String>) -> Result<(), ExitCode> {
    match g6sim::env_notes(env) {
        Ok(notes) => {
            for note in &notes {
                err!("{}", render::env_note(note));
            }
            Ok(())
        }
        Err(bad) => {
            bad.iter().for_each(|e| errln!("error: {e}"));
            Err(bad_input())
        }
    }
}

/// Announces the environment, loads and prepares a scenario, and prints its warnings.
fn load_announced(path: &Path, options: &RunOptions) -> Result<Prepared, ExitCode> {
    announce_env(&options.env)?;
    let prepared = g6sim::prepare_file(path, options).map_err(fail)?;
    for w in &prepared.warnings {
        errln!("warning: {w}");
    }
    Ok(prepared)
}

/// `g6sim run`: streams the run into its directory (and the live metrics), prints the table and summary.
pub fn run(path: &Path, out: Option<PathBuf>, options: &RunOptions, flags: RunFlags) -> ExitCode {
    let prepared = match load_announced(path, options) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // The destinations are checked before anything is simulated.
    if let Some(Err(e)) = ArtifactWriter::from_config(&prepared.config).map(|w| w.check()) {
        return fail(e);
    }
    // A bad address is refused before the output directory is touched.
    let server = match flags.serve_metrics.as_deref().map(MetricsServer::start).transpose() {
        Ok(server) => server,
        Err(e) => {
            return fail(format_args!("cannot serve metrics on {}: {e}", flags.serve_metrics.unwrap_or_default()));
        }
    };
    let dir = out.unwrap_or_else(|| Path::new("out").join(dir_name(&prepared.scenario.scenario.name)));
    let lock = match output::claim_dir(&dir, flags.force) {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    if let Some(s) = &server {
        out!("{}", render::serving(s.addr()));
    }
    // Each cycle goes to the files as it ends (temporaries renamed at the end): memory stays flat however
    // many cycles run. The charts keep their compact series only when asked for.
    let mut writer = match RunWriter::create(&dir, &prepared.config) {
        Ok(writer) => writer,
        Err(e) => return fail(format_args!("{}: {}", dir.display(), Error::Output(e))),
    };
    let mut series = flags.plots.then(PlotSeries::new);
    let mut totals = RunTotals::new(prepared.config.parity);
    let mut artifacts = ArtifactWriter::from_config(&prepared.config);
    let mut written = 0usize;
    let run = prepared.stream(|view| {
        writer.cycle(view.summary, view.events);
        if let Some(s) = &server {
            s.publish(writer.metrics().render());
        }
        if let Some(series) = series.as_mut() {
            series.observe(view.summary, view.events);
        }
        if !flags.quiet {
            out!("{}", render::cycle_rows(view.summary, view.events));
        }
        totals.observe(view.summary, view.events);
        if let Some(writer) = artifacts.as_mut() {
            // As in the reference, a failed artifact never stops the collector: warn and go on.
            match writer.write_cycle(view) {
                Ok(_) => written += 1,
                Err(e) => errln!("warning: cycle {}: benchmark artifact not written: {e}", view.summary.cycle),
            }
        }
    });
    let run = match run {
        Ok(run) => run,
        Err(e) => return fail(e),
    };
    out!("{}", render::run_summary(&run.prepared, &totals, &run.outcomes, !flags.quiet));
    match writer.finish(&run.prepared, run.events, &run.outcomes) {
        Ok(files) => out!("{}", render::wrote(&files)),
        Err(e) => return fail(format_args!("{}: {}", dir.display(), Error::Output(e))),
    }
    if let Some(series) = series {
        let plots = dir.join("plots");
        match plot::draw(series, &run, &plots) {
            Ok(files) => out!("{}", render::drew(&files, &plots)),
            Err(e) => return fail(format_args!("cannot draw the charts: {e}")),
        }
    }
    if flags.report
        && let Err(code) = write_report_page(&dir)
    {
        return code;
    }
    if let Some(dump) = &run.prepared.config.benchmark_dump {
        out!("{}", render::artifacts_written(written, dump));
    }
    // Holding serves the finished run's metrics and writes nothing more: the directory is free again.
    drop(lock);
    if let (Some(server), true) = (&server, flags.hold) {
        // Interrupted while holding, the run ends as it would have without --hold: its verdict, its exit code.
        let interrupts = output::serve::Interrupts::catch();
        out!("{}", render::holding(server.addr()));
        match interrupts {
            Ok(interrupts) => interrupts.wait(),
            Err(e) => {
                errln!("warning: {e}: an interrupt ends g6sim without the verdict");
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(3600));
                }
            }
        }
        out!("{}", render::interrupted(server.addr()));
        out!("{}", render::expectations(&run.outcomes));
    }
    ExitCode::from(run.verdict().exit_code())
}

/// `g6sim run --check-determinism` and `replay --check-determinism`: the canary's verdict, 0 identical,
/// 1 they differ.
pub fn canary_verdict(checked: Result<canary::Report, String>) -> ExitCode {
    match checked {
        Ok(report) => {
            out!("{}", render::canary(&report));
            ExitCode::from(report.exit_code())
        }
        Err(e) => fail(e),
    }
}

/// `g6sim replay --check-determinism`: the determinism canary on a replay.
pub fn replay_canary(path: &Path, options: &RunOptions, history: &HistoryOptions) -> ExitCode {
    if let Err(code) = announce_env(&options.env) {
        return code;
    }
    let checked = replay::load(path, history)
        .map_err(|e| e.to_string())
        .and_then(|h| g6sim::prepare(&h.loaded, options).map_err(|e| e.to_string()))
        .and_then(|p| canary::check(&p).map_err(|e| e.to_string()));
    canary_verdict(checked)
}

/// `g6sim replay`: replays the history, prints the table, summary and comparison, writes the run's outputs.
pub fn replay(
    path: &Path,
    out: Option<PathBuf>,
    options: &RunOptions,
    history: &HistoryOptions,
    flags: RunFlags,
) -> ExitCode {
    if let Err(code) = announce_env(&options.env) {
        return code;
    }
    let history = match replay::load(path, history) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let prepared = match g6sim::prepare(&history.loaded, options) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    for w in &prepared.warnings {
        errln!("warning: {w}");
    }
    let dir =
        out.unwrap_or_else(|| Path::new("out").join(format!("replay-{}", dir_name(&prepared.scenario.scenario.name))));
    let _lock = match output::claim_dir(&dir, flags.force) {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    if let Some(dump) = &prepared.config.benchmark_dump {
        errln!("note: a replay writes no benchmark artifacts (benchmark_dump {dump} is ignored)");
    }
    let run = match prepared.run(|_| {}) {
        Ok(run) => run,
        Err(e) => return fail(e),
    };
    // A history is as long as it is: the replay keeps its cycles for the comparison.
    let mut totals = RunTotals::new(run.prepared.config.parity);
    for (c, events) in g6sim::events::by_cycle(&run.result.cycles, &run.result.events) {
        if !flags.quiet {
            out!("{}", render::cycle_rows(c, events));
        }
        totals.observe(c, events);
    }
    out!("{}", render::run_summary(&run.prepared, &totals, &run.outcomes, !flags.quiet));
    let comparison = replay::compare(&history, &run.result.cycles);
    out!("{}", comparison.text(20, "all in comparison.json"));
    let written = output::write_run(&run, &dir).and_then(|mut files| {
        let path = dir.join(output::COMPARISON_FILE);
        output::write_atomic(&path, &replay::comparison_json(&comparison))?;
        files.push(path);
        Ok(files)
    });
    match written {
        Ok(files) => out!("{}", render::wrote(&files)),
        Err(e) => return fail(format_args!("{}: {}", dir.display(), Error::Output(e))),
    }
    if flags.plots {
        let plots = dir.join("plots");
        match plot::PlotData::from_run(&run).and_then(|data| plot::render(&data, &plots)) {
            Ok(files) => out!("{}", render::drew(&files, &plots)),
            Err(e) => return fail(format_args!("cannot draw the charts: {e}")),
        }
    }
    if flags.report
        && let Err(code) = write_report_page(&dir)
    {
        return code;
    }
    ExitCode::from(check::replay_verdict(&comparison).exit_code())
}

/// Writes `dir`'s report page beside its files (`--report`), saying so.
fn write_report_page(dir: &Path) -> Result<(), ExitCode> {
    match g6sim::report::write(dir, None) {
        Ok(file) => {
            out!("{}", render::wrote(&[file]));
            Ok(())
        }
        Err(e) => Err(fail(e)),
    }
}

/// `g6sim report`: the report page of a run, sweep or exploration directory.
pub fn report(dir: &Path, out: Option<&Path>) -> ExitCode {
    if let Some(Err(e)) = out.map(|file| output::claim_file(file, "--out", "<!doctype html")) {
        return fail(e);
    }
    // The directory is locked while it is read, so no command rewrites it under the report.
    let lock = dir.is_dir().then(|| output::lock_dir(dir)).transpose();
    let _lock = match lock {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    match g6sim::report::write(dir, out) {
        Ok(file) => {
            out!("{}", render::wrote(&[file]));
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Renames one seed's streamed run into `dir` (and draws its charts into `dir/plots/`).
fn finish_seed_run(
    writer: RunWriter,
    series: Option<PlotSeries>,
    report: bool,
    run: &Streamed,
    dir: &Path,
) -> Result<(), String> {
    writer
        .finish(&run.prepared, run.events, &run.outcomes)
        .map_err(|e| format!("{}: {}", dir.display(), Error::Output(e)))?;
    if let Some(series) = series {
        let target = dir.join("plots");
        plot::draw(series, run, &target).map_err(|e| format!("{}: cannot draw the charts: {e}", target.display()))?;
    }
    if report {
        g6sim::report::write(dir, None).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `run --seeds`: the scenario once per seed, a line each, each seed's run written into OUT/seed-N/.
pub fn run_seeds(
    path: &Path,
    out: Option<PathBuf>,
    options: &RunOptions,
    sweep: SeedSweep,
    flags: RunFlags,
) -> ExitCode {
    let prepared = match load_announced(path, options) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let dir =
        out.unwrap_or_else(|| Path::new("out").join(format!("{}-seeds", dir_name(&prepared.scenario.scenario.name))));
    let claimed = match output::claim_seed_dirs(&dir, sweep.seeds, flags.force) {
        Ok(claimed) => claimed,
        Err(e) => return fail(e),
    };
    if let Some(dump) = &prepared.config.benchmark_dump {
        errln!("note: --seeds writes no benchmark artifacts (benchmark_dump {dump} is ignored): run one seed for them");
    }
    let width = render::seed_width(sweep.seeds);
    let mut outcomes = Vec::with_capacity(sweep.seeds.len());
    for &seed in sweep.seeds {
        // Each seed's files are streamed into its directory as the run goes, as a single run's are.
        let seed_dir = output::seed_dir(&dir, seed);
        let _seed_lock = match output::lock_dir(&seed_dir) {
            Ok(lock) => lock,
            Err(e) => return fail(e),
        };
        let mut writer = match RunWriter::create(&seed_dir, &prepared.config) {
            Ok(writer) => writer,
            Err(e) => return fail(format_args!("{}: {}", seed_dir.display(), Error::Output(e))),
        };
        let mut series = flags.plots.then(PlotSeries::new);
        let ran = sweep::run_seed(&prepared, seed, |view| {
            writer.cycle(view.summary, view.events);
            if let Some(series) = series.as_mut() {
                series.observe(view.summary, view.events);
            }
        });
        let (run, outcome) = match ran {
            Ok(ran) => ran,
            Err(e) => return fail(e),
        };
        out!("{}", render::seed_line(&outcome, width));
        if let Err(e) = finish_seed_run(writer, series, flags.report, &run, &seed_dir) {
            return fail(e);
        }
        outcomes.push(outcome);
    }
    if let Err(e) = claimed.remove_earlier() {
        return fail(e);
    }
    let reproductions = sweep::reproductions(&path.display().to_string(), &outcomes, sweep.args);
    out!("{}", render::seeds_summary(&prepared, &outcomes, &reproductions));
    out!("{}", render::seed_dirs(outcomes.len(), &dir, flags.plots, flags.report));
    ExitCode::from(Verdict::all(outcomes.iter().map(SeedOutcome::verdict)).exit_code())
}

/// `g6sim check`: prints each row as the library decides it, then the tally; writes the JUnit report and the
/// step summary, also when the check could not start.
pub fn check(
    paths: Vec<PathBuf>,
    plots: Option<PathBuf>,
    overrides: &Overrides,
    seeds: Option<SeedList>,
    junit: Option<&Path>,
) -> ExitCode {
    if let Some(Err(e)) = junit.map(|file| output::claim_file(file, "--junit", "<?xml")) {
        return fail(e);
    }
    if let (Some(file), Some(dir)) = (junit, &plots)
        && (file.starts_with(dir) || same_dir(file, dir))
    {
        return fail(format_args!(
            "--junit {}: inside --plots {}, where the charts go\n  hint: write the report beside the charts' directory",
            file.display(),
            dir.display()
        ));
    }
    let summary = match step_summary() {
        Ok(summary) => summary,
        Err(code) => return code,
    };
    let args = overrides.args();
    let mut record = check::Record::default();
    let code = match overrides.options() {
        Ok(options) => {
            let request = check::Request { paths, plots, options, seeds: seeds.map(|s| s.0), args: args.clone() };
            run_check(&request, &mut record)
        }
        Err(e) => {
            errln!("error: {e}");
            record.stopped = vec![e];
            bad_input()
        }
    };
    if let Some(Err(code)) = junit.map(|file| write_report(file, g6sim::junit::check(&record, &args).as_bytes())) {
        return code;
    }
    if let Some(file) = summary {
        let markdown = render::check_markdown(&record, &args);
        let appended =
            std::fs::OpenOptions::new().append(true).open(&file).and_then(|mut f| f.write_all(markdown.as_bytes()));
        if let Err(e) = appended {
            return fail(format_args!("{STEP_SUMMARY}={}: cannot append the summary: {e}", file.display()));
        }
    }
    code
}

/// Runs a check, printing as it goes and keeping what it reports in `record`; its exit code.
fn run_check(request: &check::Request, record: &mut check::Record) -> ExitCode {
    let checked = check::check(request, |event| {
        record.event(&event);
        match event {
            Event::Env(note) => err!("{}", render::env_note(&note)),
            Event::Warning(w) => errln!("warning: {w}"),
            Event::Header { seeds } => out!("{}", render::check_header(seeds)),
            Event::Row(row) => {
                out!("{}", render::check_row(row));
                if let Err(e) = row.verdict() {
                    errln!("error: {e}");
                }
            }
            Event::ChartError { message, .. } => errln!("error: {message}"),
        }
    });
    record.end(&checked);
    match &checked {
        Ok(tally) => {
            out!("{}", render::check_tally(tally));
            ExitCode::from(tally.exit_code())
        }
        Err(e) => {
            e.problems().iter().for_each(|p| errln!("error: {p}"));
            bad_input()
        }
    }
}

/// The file a GitHub Actions step's summary page is read from: `check` appends its Markdown summary to it.
const STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";

/// The step summary file to append to, checked before anything runs: `None` when `STEP_SUMMARY` is unset or
/// empty; an error (bad input) when it cannot be appended to.
fn step_summary() -> Result<Option<PathBuf>, ExitCode> {
    let Some(file) = std::env::var_os(STEP_SUMMARY).filter(|v| !v.is_empty()).map(PathBuf::from) else {
        return Ok(None);
    };
    match std::fs::OpenOptions::new().append(true).create(true).open(&file) {
        Ok(_) => Ok(Some(file)),
        Err(e) => Err(fail(format_args!(
            "{STEP_SUMMARY}={}: cannot append the summary: {e}\n  hint: unset {STEP_SUMMARY} outside a GitHub \
             Actions step, or point it at a writable file",
            file.display()
        ))),
    }
}

/// Writes a report file (`--junit FILE`) whole; the error, printed, is bad input's exit code.
fn write_report(file: &Path, bytes: &[u8]) -> Result<(), ExitCode> {
    output::write_atomic(file, bytes).map_err(|e| fail(format_args!("{}: cannot write: {e}", file.display())))
}

/// `g6sim sweep` (or `sweep merge`): plans the grid, runs this shard's share, writes the shard or the sweep.
pub fn sweep(args: SweepArgs) -> ExitCode {
    if let Some(SweepTool::Merge { dirs, out, force }) = args.tool {
        return sweep_merge(&dirs, &out, force);
    }
    let suite = sweep::Suite { paths: args.scenarios, generated: args.explore.unwrap_or(0) };
    let objectives = match sweep::Objectives::parse(&args.require, args.minimize.as_deref()) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let options = match args.overrides.options() {
        Ok(options) => RunOptions { cycles: args.cycles, ..options },
        Err(e) => return fail(e),
    };
    if let Err(code) = announce_env(&options.env) {
        return code;
    }
    let shard = match sweep::shard_from(args.shard, args.shards, &shard_env()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let seeds = args.seeds.map(|s| s.0);
    let seed = args.design_seed.unwrap_or(1);
    let design = match (&args.sample, args.importance) {
        (Some(sample), _) => match sweep::Design::parse_sample(sample, seed) {
            Ok(d) => Some(d),
            Err(e) => return fail(e),
        },
        (None, Some(rows)) => Some(sweep::Design::saltelli(rows, seed)),
        (None, None) if args.design_seed.is_some() => {
            return fail("--design-seed seeds a drawn design: give --sample sobol:N, --sample lhs:N or --importance N");
        }
        (None, None) => None,
    };
    let plan = match sweep::plan_for(&suite, options, args.params, seeds, &history_options(&args.depth), design) {
        Ok(mut p) => {
            (p.full_runs, p.aggregate, p.objectives) = (args.full, args.aggregate, objectives);
            if args.search.is_some()
                && let Err(e) = p.halve(args.keep.unwrap_or(3))
            {
                return fail(e);
            }
            p
        }
        Err(e) => return fail(e),
    };
    for w in &plan.warnings {
        errln!("warning: {w}");
    }
    let dir = args.out.unwrap_or_else(|| Path::new("out").join(format!("sweep-{}", dir_name(&plan.name()))));
    if plan.halving.is_some() && (shard != Shard::ALL || args.after.is_some()) {
        return sweep_rung(&plan, shard, args.after.as_deref(), &dir, args.force, args.jobs.unwrap_or(0));
    }
    let _lock = match sweep::claim_dir(&dir, args.force) {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    let mine = if plan.halving.is_some() { plan.runs() } else { (0..plan.jobs()).filter(|j| shard.owns(*j)).count() };
    out!("{}", render::sweep_start(&plan, shard, mine));
    if let Some(note) = sweep::threads_note(args.jobs.unwrap_or(0), mine) {
        errln!("note: {note}");
    }
    let progress = Progress::new(mine);
    let jobs = match plan.run(shard, args.jobs.unwrap_or(0), |done| progress.show(done)) {
        Ok(j) => j,
        Err(e) => return fail(e),
    };
    progress.finish();
    let manifest = SweepManifest::of(&plan);
    if shard != Shard::ALL {
        return match sweep::write_shard(&dir, &manifest, shard, &jobs) {
            Ok(files) => {
                out!("{}", render::shard_written(&files, shard));
                ExitCode::SUCCESS
            }
            Err(e) => fail(format_args!("{}: {e}", dir.display())),
        };
    }
    write_sweep_outcome(&dir, &manifest, &jobs)
}

/// One shard of a halving's next rung: after the rungs merged into `after` (none: the first rung), the
/// shard's runs of the rung, written as a shard for `sweep merge --out AFTER`.
fn sweep_rung(
    plan: &sweep::Plan,
    shard: Shard,
    after: Option<&Path>,
    dir: &Path,
    force: bool,
    threads: usize,
) -> ExitCode {
    let same =
        |a: &Path, b: &Path| std::fs::canonicalize(a).ok().is_some_and(|a| std::fs::canonicalize(b).ok() == Some(a));
    if let Some(after) = after.filter(|a| same(a, dir)) {
        return fail(format_args!(
            "--out {}: is the --after directory, which holds the merged rungs: a shard writes its own directory\n  \
             hint: give each shard another --out, and merge the shards into {}",
            dir.display(),
            after.display()
        ));
    }
    let rungs = match after.map(sweep::read_rungs).transpose() {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let manifest = SweepManifest::of(plan);
    if let (Some(held), Some(after)) = (&rungs, after)
        && held.manifest != manifest
    {
        return fail(sweep::MergeError::OtherHalving { dir: after.to_path_buf() });
    }
    let next = match plan.next_rung(rungs.as_ref().map(|r| r.jobs.as_slice()).unwrap_or_default(), shard) {
        Ok(Some(next)) => next,
        Ok(None) => return fail(sweep::MergeError::Finished { dir: after.unwrap_or(dir).to_path_buf() }),
        Err(e) => return fail(e),
    };
    let _lock = match sweep::claim_dir(dir, force) {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    out!("{}", render::sweep_start(plan, Shard::ALL, next.jobs.len()));
    out!("{}", render::rung_start(&next, shard));
    if let Some(note) = sweep::threads_note(threads, next.jobs.len()) {
        errln!("note: {note}");
    }
    let progress = Progress::new(next.jobs.len());
    let jobs = match plan.run_rung(&next, threads, |done| progress.show(done)) {
        Ok(j) => j,
        Err(e) => return fail(e),
    };
    progress.finish();
    let manifest = SweepManifest { rung: Some(next.number), after_sha256: rungs.map(|r| r.sha256), ..manifest };
    match sweep::write_shard(dir, &manifest, shard, &jobs) {
        Ok(files) => {
            out!("{}", render::rung_written(&files, shard, after));
            ExitCode::SUCCESS
        }
        Err(e) => fail(format_args!("{}: {e}", dir.display())),
    }
}

/// Writes a whole sweep and prints its Pareto front and recommendation.
fn write_sweep_outcome(dir: &Path, manifest: &SweepManifest, jobs: &[sweep::JobScore]) -> ExitCode {
    match sweep::write_sweep(dir, manifest, jobs) {
        Ok(outcome) => {
            out!("{}", render::sweep_outcome(&outcome));
            ExitCode::SUCCESS
        }
        Err(e) => fail(format_args!("{}: {e}", dir.display())),
    }
}

/// `g6sim sweep merge`: the shards' runs, written as the whole sweep.
fn sweep_merge(dirs: &[PathBuf], out: &Path, force: bool) -> ExitCode {
    match sweep::merge(dirs, out) {
        Ok(merged) => {
            let _lock = match sweep::claim_dir(out, force) {
                Ok(lock) => lock,
                Err(e) => return fail(e),
            };
            if let Some((held, rungs)) = merged.rungs_left {
                return match sweep::write_rungs(out, &merged.manifest, held, &merged.jobs) {
                    Ok(files) => {
                        out!("{}", render::rung_merged(held, rungs, merged.jobs.len(), dirs.len(), &files, out));
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(format_args!("{}: {e}", out.display())),
                };
            }
            out!("{}", render::merged(merged.jobs.len(), &merged.manifest.scenario, dirs.len()));
            write_sweep_outcome(out, &merged.manifest, &merged.jobs)
        }
        Err(e) => fail(e),
    }
}

/// `g6sim explore`: claims the output directory, explores the seeds (or seeds 1, 2, ... until the budget is
/// spent or Ctrl-C), writes the report and the shrunk failures; 1 when a property broke.
pub fn explore(args: ExploreArgs) -> ExitCode {
    use g6sim::explore::{self, Exploration};
    if let Some(super::args::ExploreTool::Merge { dirs, out, plots, force, junit }) = args.tool {
        return explore_merge(&dirs, &out, plots, force, junit.as_deref());
    }
    if let Some(Err(e)) = args.junit.as_deref().map(|file| output::claim_file(file, "--junit", "<?xml")) {
        return fail(e);
    }
    let shard = match sweep::shard_from(args.shard, args.shards, &shard_env()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if shard != Shard::ALL && args.budget.is_some() {
        return fail(
            "--budget and shards: a budget's seeds depend on each machine's speed\n  hint: shard a plan of --seeds",
        );
    }
    let env = if args.no_env { BTreeMap::new() } else { g6sim::config::g6_env() };
    if let Err(code) = announce_env(&env) {
        return code;
    }
    let options = RunOptions { parity: args.parity, sets: args.sets, env, ..RunOptions::default() };
    let threads = args.jobs.unwrap_or(0);
    let exploration = match &args.from {
        Some(path) => Exploration::from_file(path, options, threads),
        None => Exploration::new(options, threads),
    };
    let exploration = match exploration {
        Ok(e) if args.full => e.full_runs(),
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    for w in exploration.warnings() {
        errln!("warning: {w}");
    }
    let exploration = match &args.properties {
        Some(file) => match explore::load_properties(file, &exploration.indices()) {
            Ok(properties) => exploration.with_properties(file, properties),
            Err(e) => return fail(e),
        },
        None => exploration,
    };
    let dir = args.out.unwrap_or_else(|| Path::new("out").join("explore"));
    if args.emit.as_deref().is_some_and(|emit| same_dir(emit, &dir)) {
        return fail(
            "--emit DIR must differ from --out: the scenarios would mix with the exploration's files\n  hint: --emit out/explore-scenarios",
        );
    }
    if let Some(file) = args.junit.as_deref().filter(|f| f.starts_with(&dir) || same_dir(f, &dir)) {
        return fail(format_args!(
            "--junit {}: inside --out {}, which holds only the exploration's files\n  hint: write the report beside \
             it, for example --junit {}.xml",
            file.display(),
            dir.display(),
            dir.display()
        ));
    }
    let _lock = match explore::claim_dir(&dir, args.force) {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    let _emit_lock = match args.emit.as_deref().map(|d| output::claim_shared_dir(d, "--emit")).transpose() {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    let runs = args.seeds.as_ref().map_or(usize::MAX, |s| s.0.len());
    if let Some(note) = sweep::threads_note(args.jobs.unwrap_or(0), runs) {
        errln!("note: {note}");
    }
    let interrupts = output::serve::Interrupts::catch().ok();
    let stop = || interrupts.as_ref().is_some_and(|i| i.requested());
    let mut shard_of = None;
    let report = match (args.budget, args.seeds) {
        (Some(budget), _) => {
            let time = match budget.as_secs() {
                s if s % 3600 == 0 => format!("{}h", s / 3600),
                s if s % 60 == 0 => format!("{}m", s / 60),
                s => format!("{s}s"),
            };
            out!("{}", render::explore_start(&format!("seeds 1, 2, ... for {time}"), &exploration));
            // The budget decides how many seeds run, never what a seed's run gives: explore.json names the seeds.
            let start = std::time::Instant::now();
            let progress = Progress::budget(&time);
            let more = || {
                let spent = start.elapsed() >= budget;
                if spent {
                    progress.spent(&time);
                }
                !spent && !stop()
            };
            let report = exploration.run(1.., more, |done| progress.show(done));
            progress.finish();
            report
        }
        (None, seeds) => {
            let plan = seeds.map_or_else(|| (1..=100).collect::<Vec<u64>>(), |s| s.0);
            let seeds: Vec<u64> = plan.iter().enumerate().filter(|(j, _)| shard.owns(*j)).map(|(_, s)| *s).collect();
            let what = if shard == Shard::ALL {
                format!("{} seeds", seeds.len())
            } else {
                shard_of = Some(explore::ShardOf {
                    shard: shard.to_string(),
                    plan: explore::seed_ranges(&plan),
                    plots: args.plots,
                });
                format!("shard {shard}: {} of {} seeds", seeds.len(), plan.len())
            };
            out!("{}", render::explore_start(&what, &exploration));
            let progress = Progress::new(seeds.len());
            let report = exploration.run(seeds, || !stop(), |done| progress.show(done));
            progress.finish();
            report
        }
    };
    let report = match report {
        Ok(r) if args.plots => r.with_charts(),
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let interrupted = stop();
    if interrupted {
        errln!("interrupted: the report covers the {} seeds explored", report.seeds.len());
    }
    let mut written = match explore::write(&dir, &explore::Header::of(&exploration), shard_of.as_ref(), &report) {
        Ok(w) => w,
        Err(e) => return fail(format_args!("{}: {e}", dir.display())),
    };
    if let Some(emit) = &args.emit {
        match explore::emit(emit, &exploration, &report.seeds) {
            Ok(n) => out!("{}", render::emitted(n, emit)),
            Err(e) => return fail(format_args!("{}: {e}", emit.display())),
        }
    }
    if let Some(file) = &args.junit {
        if let Err(code) = write_report(file, g6sim::junit::exploration(&report, &dir, interrupted).as_bytes()) {
            return code;
        }
        written.push(file.clone());
    }
    written.sort();
    out!("{}", render::explore_summary(&report, &dir, &written));
    // Interrupted, the exploration is cut short whatever it found: 130, as a shell reports Ctrl-C.
    ExitCode::from(if interrupted { 130 } else { report.exit_code() })
}

/// Whether two paths name one directory (the same text, or the same place once resolved).
fn same_dir(a: &Path, b: &Path) -> bool {
    a == b || a.canonicalize().ok().zip(b.canonicalize().ok()).is_some_and(|(a, b)| a == b)
}

/// `g6sim explore merge`: the shards' reports, written as the whole exploration.
fn explore_merge(dirs: &[PathBuf], out: &Path, plots: bool, force: bool, junit: Option<&Path>) -> ExitCode {
    use g6sim::explore;
    if let Some(shard) = dirs.iter().find(|d| same_dir(d, out)) {
        return fail(format_args!(
            "{}: --out is one of the shards, which the merge would overwrite
  hint: --out out/explore-merged",
            shard.display()
        ));
    }
    if let Some(Err(e)) = junit.map(|file| output::claim_file(file, "--junit", "<?xml")) {
        return fail(e);
    }
    if let Some(file) = junit.filter(|f| f.starts_with(out) || same_dir(f, out)) {
        return fail(format_args!(
            "--junit {}: inside --out {}, which holds only the exploration's files\n  hint: write the report beside it",
            file.display(),
            out.display()
        ));
    }
    let (header, report) = match explore::merge(dirs) {
        Ok((header, report)) if plots => (header, report.with_charts()),
        Ok(merged) => merged,
        Err(e) => return fail(e),
    };
    let _lock = match explore::claim_dir(out, force) {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    let mut written = match explore::write(out, &header, None, &report) {
        Ok(w) => w,
        Err(e) => return fail(format_args!("{}: {e}", out.display())),
    };
    if let Some(file) = junit {
        if let Err(code) = write_report(file, g6sim::junit::exploration(&report, out, false).as_bytes()) {
            return code;
        }
        written.push(file.to_path_buf());
    }
    written.sort();
    out!("merged {} shards: {} seeds\n", dirs.len(), report.seeds.len());
    out!("{}", render::explore_summary(&report, out, &written));
    ExitCode::from(report.exit_code())
}

/// The environment variables a sweep reads its shard from (not only `G6_*`).
fn shard_env() -> BTreeMap<String, String> {
    std::env::vars().filter(|(k, _)| k.starts_with("SLURM_ARRAY_TASK_") || k == "JOB_COMPLETION_INDEX").collect()
}

/// A progress bar (indicatif) on standard error when it is a terminal; nothing on a pipe or file.
struct Progress(indicatif::ProgressBar);

impl Progress {
    fn new(total: usize) -> Self {
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return Self(indicatif::ProgressBar::hidden());
        }
        let bar = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ~{eta} left")
        {
            bar.set_style(style);
        }
        Self(bar)
    }
    /// A spinner for an exploration on a time budget (`time`, as `10m`): the seeds explored so far and the time
    /// spent of the budget, redrawn every tick.
    fn budget(time: &str) -> Self {
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return Self(indicatif::ProgressBar::hidden());
        }
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} seeds explored: {pos}, {elapsed} of {msg}")
        {
            bar.set_style(style);
        }
        bar.set_message(time.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Self(bar)
    }
    /// The budget `time` is spent: what is left is shrinking the failures.
    fn spent(&self, time: &str) {
        self.0.set_message(format!("{time}, spent: shrinking what broke"));
    }
    /// `done` runs so far (a halving may run more than its least, when settings tie at a rung's cut).
    fn show(&self, done: usize) {
        if self.0.length().is_some_and(|len| done as u64 > len) {
            self.0.set_length(done as u64);
        }
        self.0.set_position(done as u64);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// `g6sim bench diff|verify|aggregate`.
pub fn bench(tool: BenchTool) -> ExitCode {
    match tool {
        BenchTool::Diff { old, new, json, fail_over, field } => bench_diff(&old, &new, json, fail_over, &field),
        BenchTool::Verify { dir } => {
            let (lines, code) = verify::verify_dir(&dir);
            for line in lines {
                outln!("{line}");
            }
            ExitCode::from(code)
        }
        BenchTool::Aggregate { dir, out, include_index_breakdown, stats_out } => {
            let table = match aggregate::table(&dir, include_index_breakdown) {
                Ok(t) => t,
                Err(e) => return fail(e),
            };
            let stats = table.stats();
            let mut writes = vec![(out.clone(), table.csv().into_bytes())];
            if let Some(path) = stats_out {
                let mut json = serde_json::to_vec_pretty(&stats).unwrap_or_default();
                json.push(b'\n');
                writes.push((path, json));
            }
            for (path, bytes) in writes {
                if let Err(e) = output::write_atomic(&path, &bytes) {
                    return fail(format_args!("cannot write {}: {e}", path.display()));
                }
            }
            out!("{}", aggregate::stats_text(&stats));
            outln!("wrote {} ({} artifacts)", out.display(), table.rows.len());
            ExitCode::SUCCESS
        }
    }
}

/// The artifacts of one side of a diff: a file, or every artifact of a directory in name order.
fn diff_side(path: &Path) -> Result<Vec<serde_json::Value>, String> {
    let files = if path.is_dir() {
        let list = artifact::list(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if list.is_empty() {
            return Err(format!("{}: holds no benchmark_cycle_*.json[.gz] artifacts", path.display()));
        }
        list
    } else {
        vec![path.to_path_buf()]
    };
    files.iter().map(|f| artifact::read(f).map_err(|e| e.to_string())).collect()
}

/// `g6sim bench diff`: the comparison, and with `--fail-over` exit 1 on a regression of the watched field.
fn bench_diff(old: &Path, new: &Path, json: bool, fail_over: Option<f64>, field: &str) -> ExitCode {
    if let Some(pct) = fail_over.filter(|p| !(p.is_finite() && *p >= 0.0)) {
        return fail(format_args!("--fail-over {pct}: expected a percentage >= 0 (5 means 5%)"));
    }
    if old.is_dir() != new.is_dir() {
        return fail("compare two files or two directories");
    }
    let (a, b) = match (diff_side(old), diff_side(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let comparison = diff::compare_sets(&old.display().to_string(), &a, &new.display().to_string(), &b);
    if fail_over.is_some()
        && let Err(e) = comparison.check_field(field)
    {
        return fail(e);
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(&comparison).unwrap_or_default());
    } else {
        out!("{}", comparison.text());
    }
    match fail_over.and_then(|limit| comparison.regression(field, limit)) {
        Some(regression) => {
            errln!("{regression}");
            ExitCode::from(Verdict::Fail.exit_code())
        }
        None => ExitCode::SUCCESS,
    }
}

/// `g6sim universe`: a synthetic universe in the Kite dump format, written only once it reads back as a dump.
pub fn universe(spec: &g6sim::universe::SyntheticSpec, out: &Path, gzip: bool) -> ExitCode {
    use g6sim::universe::{self, write};
    let rows = match write::synthetic_rows(spec) {
        Ok(rows) => rows,
        Err(e) => return fail(e),
    };
    let csv = write::to_csv(&rows);
    let dump = match universe::parse(&out.display().to_string(), &csv) {
        Ok(dump) => dump,
        Err(e) => {
            return fail(format_args!("{}: the dump does not read back, so it was not written: {e}", out.display()));
        }
    };
    let bytes = if gzip { write::gzip(&csv) } else { csv };
    if let Err(e) = output::write_atomic(out, &bytes) {
        return fail(format_args!(
            "cannot write {}: {e}\n  hint: --out names the dump file to write, in a directory that exists",
            out.display()
        ));
    }
    out!("{}", render::universe_dump(out, &dump, bytes.len()));
    ExitCode::SUCCESS
}

/// `g6sim plot`: draws an existing run directory's charts into RUN_DIR/plots/.
pub fn plot(run_dir: &Path) -> ExitCode {
    let lock = run_dir.is_dir().then(|| output::lock_dir(run_dir)).transpose();
    let _lock = match lock {
        Ok(lock) => lock,
        Err(e) => return fail(e),
    };
    let out = run_dir.join("plots");
    match plot::load_dir(run_dir).and_then(|data| plot::render(&data, &out)) {
        Ok(files) => {
            out!("{}", render::drew(&files, &out));
            ExitCode::SUCCESS
        }
        Err(e) => fail(format_args!(
            "{e}\n  hint: pass a directory written by `g6sim run` (cycles.jsonl, events.jsonl, manifest.json)"
        )),
    }
}
