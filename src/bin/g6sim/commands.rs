//! What each subcommand does, between the parsed command line and the library.

use crate::args::*;
use g6sim::artifact::{self, ArtifactWriter};
use g6sim::bench::{aggregate, diff, verify};
use g6sim::config::env_overrides;
use g6sim::events::Event;
use g6sim::events::StatusTotals;
use g6sim::output::RunWriter;
use g6sim::output::serve::MetricsServer;
use g6sim::plot::PlotSeries;
use g6sim::replay::{self as replay_mod, HistoryOptions};
use g6sim::scenario::{LoadedScenario, Verdict};
use g6sim::sweep::seeds::{self as seed_sweep, SeedList, SeedOutcome};
use g6sim::sweep::{self, Plan, Shard, SweepManifest};
use g6sim::vocab::ReasonTotals;
use g6sim::{Error, Prepared, RunOptions, Streamed, load_scenario, prepare};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How `run` presents itself.
pub struct RunFlags {
    pub quiet: bool,
    pub plots: bool,
    pub force: bool,
    pub serve_metrics: Option<String>,
    pub hold: bool,
}

/// Reports an error that becomes exit code 2.
pub fn report(e: impl std::fmt::Display) {
    errln!("error: {e}");
}

/// Loads and prepares a scenario; the error as text.
pub fn load(path: &Path, options: &RunOptions) -> Result<Prepared, String> {
    let loaded = load_scenario(path, options).map_err(|e| e.to_string())?;
    prepare(&loaded, options).map_err(|e| e.to_string())
}

/// Loads and prepares one scenario of `check`, printing its warnings (a dump without one of its indices, ...)
/// under its file name.
pub fn load_warned(path: &Path, options: &RunOptions) -> Result<Prepared, String> {
    let prepared = load(path, options)?;
    for w in &prepared.warnings {
        errln!("warning: {}: {w}", path.display());
    }
    Ok(prepared)
}

/// Announces the environment's overrides, loads and prepares a scenario, and prints its warnings; bad input
/// is reported and becomes exit code 2.
pub fn load_announced(path: &Path, options: &RunOptions) -> Result<Prepared, ExitCode> {
    announce_env(&options.env)?;
    let prepared = load(path, options).map_err(|e| {
        errln!("error: {e}");
        ExitCode::from(2)
    })?;
    for w in &prepared.warnings {
        errln!("warning: {w}");
    }
    Ok(prepared)
}

/// Says, before anything runs, which `G6_*` variables change the configuration (they can change verdicts);
/// a variable that cannot be applied is bad input (exit code 2), and nothing is announced.
pub fn announce_env(env: &BTreeMap<String, String>) -> Result<(), ExitCode> {
    if let Err(bad) = g6sim::config::check_env(env) {
        for e in bad {
            errln!("error: {e}");
        }
        return Err(ExitCode::from(2));
    }
    for (var, value, key) in env_overrides(env) {
        errln!("note: environment {var}={value} sets {key} (--no-env ignores G6_* variables)");
    }
    for (var, meant) in g6sim::config::env_near_misses(env) {
        errln!("warning: environment {var} is no variable g6sim reads (did you mean {meant}?): it changes nothing");
    }
    Ok(())
}

pub fn run(path: &Path, out: Option<PathBuf>, options: &RunOptions, flags: RunFlags) -> ExitCode {
    let prepared = match load_announced(path, options) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // The destinations are checked before anything is simulated.
    if let Some(Err(e)) = ArtifactWriter::from_config(&prepared.config).map(|w| w.check()) {
        errln!("error: {e}");
        return ExitCode::from(2);
    }
    let dir = out.unwrap_or_else(|| Path::new("out").join(dir_name(&prepared.scenario.scenario.name)));
    let Ok(lock) = g6sim::output::claim_dir(&dir, flags.force).map_err(report) else { return ExitCode::from(2) };
    let server = match flags.serve_metrics.as_deref().map(MetricsServer::start).transpose() {
        Ok(server) => server,
        Err(e) => {
            errln!("error: cannot serve metrics on {}: {e}", flags.serve_metrics.unwrap_or_default());
            return ExitCode::from(2);
        }
    };
    if let Some(s) = &server {
        outln!("serving metrics at http://{}/metrics", s.addr());
    }
    // Each cycle goes to the files as it ends (temporaries renamed at the end): memory stays flat however
    // many cycles run. The charts keep their compact series only when asked for.
    let mut writer = match g6sim::output::RunWriter::create(&dir, &prepared.config) {
        Ok(writer) => writer,
        Err(e) => {
            errln!("error: {}: {}", dir.display(), Error::Output(e));
            return ExitCode::from(2);
        }
    };
    let mut series = flags.plots.then(PlotSeries::new);
    let mut totals = RunTotals::new(prepared.config.parity.is_g6());
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
            print_cycle(view.summary, view.events);
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
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    print_summary(&run.prepared, &totals, &run.outcomes, !flags.quiet);
    match writer.finish(&run.prepared, run.events, &run.outcomes) {
        Ok(files) => outln!("wrote {}", files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")),
        Err(e) => {
            errln!("error: {}: {}", dir.display(), Error::Output(e));
            return ExitCode::from(2);
        }
    }
    if let Some(series) = series {
        match draw(series, &run, &dir.join("plots")) {
            Ok(files) => outln!("{}", drew(&files, &dir.join("plots"))),
            Err(e) => {
                errln!("error: cannot draw the charts: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(dir) = &run.prepared.config.benchmark_dump {
        outln!("wrote {written} benchmark artifact(s) to {dir}");
    }
    // Holding serves the finished run's metrics and writes nothing more: the directory is free again.
    drop(lock);
    if let (Some(server), true) = (&server, flags.hold) {
        // Interrupted while holding, the run ends as it would have without --hold: its verdict, its exit code.
        let interrupts = g6sim::output::serve::Interrupts::catch();
        outln!("holding: serving http://{}/metrics until interrupted (Ctrl-C)", server.addr());
        match interrupts {
            Ok(interrupts) => interrupts.wait(),
            Err(e) => {
                errln!("warning: {e}: an interrupt ends g6sim without the verdict");
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(3600));
                }
            }
        }
        outln!("interrupted: stopped serving http://{}/metrics", server.addr());
        print_expectations(&run.outcomes);
    }
    ExitCode::from(run.verdict().exit_code())
}

/// `g6sim replay --check-determinism`: the determinism canary on a replay.
pub fn replay_canary(path: &Path, options: &RunOptions, history: &HistoryOptions) -> ExitCode {
    if let Err(code) = announce_env(&options.env) {
        return code;
    }
    let checked = replay_mod::load(path, history)
        .map_err(|e| e.to_string())
        .and_then(|h| prepare(&h.loaded, options).map_err(|e| e.to_string()))
        .and_then(|p| g6sim::canary::check(&p).map_err(|e| e.to_string()));
    canary_verdict(checked)
}

/// Prints the canary's verdict: exit 0 identical, 1 they differ, 2 bad input.
pub fn canary_verdict(checked: Result<g6sim::canary::Report, String>) -> ExitCode {
    match checked {
        Ok(report) => {
            outln!("determinism: {report}");
            ExitCode::from(u8::from(!report.verdict.identical()))
        }
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `g6sim replay`: loads the history, replays it, prints and writes the run's outputs and the comparison.
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
    let history = match replay_mod::load(path, history) {
        Ok(h) => h,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let prepared = match prepare(&history.loaded, options) {
        Ok(p) => p,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for w in &prepared.warnings {
        errln!("warning: {w}");
    }
    let dir =
        out.unwrap_or_else(|| Path::new("out").join(format!("replay-{}", dir_name(&prepared.scenario.scenario.name))));
    let Ok(_lock) = g6sim::output::claim_dir(&dir, flags.force).map_err(report) else { return ExitCode::from(2) };
    if let Some(dump) = &prepared.config.benchmark_dump {
        errln!("note: a replay writes no benchmark artifacts (benchmark_dump {dump} is ignored)");
    }
    let run = match prepared.run(|_| {}) {
        Ok(run) => run,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // A history is as long as it is: the replay keeps its cycles for the comparison.
    let mut totals = RunTotals::new(run.prepared.config.parity.is_g6());
    for (c, events) in g6sim::events::by_cycle(&run.result.cycles, &run.result.events) {
        if !flags.quiet {
            print_cycle(c, events);
        }
        totals.observe(c, events);
    }
    print_summary(&run.prepared, &totals, &run.outcomes, !flags.quiet);
    let comparison = replay_mod::compare(&history, &run.result.cycles);
    out!("{}", comparison.text(20, "all in comparison.json"));
    let written = g6sim::output::write_run(&run, &dir).and_then(|mut files| {
        let path = dir.join(g6sim::output::COMPARISON_FILE);
        g6sim::output::write_atomic(&path, &replay_mod::compare::comparison_json(&comparison))?;
        files.push(path);
        Ok(files)
    });
    match written {
        Ok(files) => outln!("wrote {}", files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")),
        Err(e) => {
            errln!("error: {}: {}", dir.display(), Error::Output(e));
            return ExitCode::from(2);
        }
    }
    if flags.plots {
        match g6sim::plot::PlotData::from_run(&run).and_then(|data| g6sim::plot::render(&data, &dir.join("plots"))) {
            Ok(files) => outln!("{}", drew(&files, &dir.join("plots"))),
            Err(e) => {
                errln!("error: cannot draw the charts: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if comparison.agrees() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// A seed sweep's seeds, and the overrides its reproduction commands repeat.
#[derive(Clone, Copy)]
pub struct SeedSweep<'a> {
    pub seeds: &'a [u64],
    pub args: &'a [String],
}

/// `drew 4 charts (8 files, PNG and SVG) in DIR`: each chart is drawn twice.
pub fn drew(files: &[PathBuf], dir: &Path) -> String {
    format!("drew {} charts ({} files, PNG and SVG) in {}", files.len() / 2, files.len(), dir.display())
}

/// Draws a streamed run's charts into `target` from the series kept while it ran.
pub fn draw(series: PlotSeries, run: &Streamed, target: &Path) -> Result<Vec<PathBuf>, String> {
    let manifest = g6sim::output::manifest(&run.prepared, run.events, &run.outcomes);
    let data = g6sim::plot::manifest_value(&manifest).and_then(|m| series.finish(&m))?;
    g6sim::plot::render(&data, target)
}

/// Renames one seed's streamed run into `dir` (and draws its charts into `dir/plots/`).
pub fn finish_seed_run(
    writer: RunWriter,
    series: Option<PlotSeries>,
    run: &Streamed,
    dir: &Path,
) -> Result<(), String> {
    writer
        .finish(&run.prepared, run.events, &run.outcomes)
        .map_err(|e| format!("{}: {}", dir.display(), Error::Output(e)))?;
    if let Some(series) = series {
        let target = dir.join("plots");
        draw(series, run, &target).map_err(|e| format!("{}: cannot draw the charts: {e}", target.display()))?;
    }
    Ok(())
}

/// `run --seeds`: the scenario once per seed, a summary line each, each seed's run written into OUT/seed-N/.
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
    let name = &prepared.scenario.scenario.name;
    let dir = out.unwrap_or_else(|| Path::new("out").join(format!("{}-seeds", dir_name(name))));
    let Ok(claimed) = g6sim::output::claim_seed_dirs(&dir, sweep.seeds, flags.force).map_err(report) else {
        return ExitCode::from(2);
    };
    if let Some(dump) = &prepared.config.benchmark_dump {
        errln!("note: --seeds writes no benchmark artifacts (benchmark_dump {dump} is ignored): run one seed for them");
    }
    let width = sweep.seeds.iter().map(|s| s.to_string().len()).max().unwrap_or(1);
    let mut outcomes = Vec::with_capacity(sweep.seeds.len());
    for &seed in sweep.seeds {
        // Each seed's files are streamed into its directory as the run goes, as a single run's are.
        let seed_dir = g6sim::output::seed_dir(&dir, seed);
        let Ok(_seed_lock) = g6sim::output::lock_dir(&seed_dir).map_err(report) else { return ExitCode::from(2) };
        let mut writer = match RunWriter::create(&seed_dir, &prepared.config) {
            Ok(writer) => writer,
            Err(e) => {
                errln!("error: {}: {}", seed_dir.display(), Error::Output(e));
                return ExitCode::from(2);
            }
        };
        let mut series = flags.plots.then(PlotSeries::new);
        let ran = seed_sweep::run_seed(&prepared, seed, |view| {
            writer.cycle(view.summary, view.events);
            if let Some(series) = series.as_mut() {
                series.observe(view.summary, view.events);
            }
        });
        let (run, o) = match ran {
            Ok(ran) => ran,
            Err(e) => {
                errln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        outln!("seed {:<width$}  {}  {}", o.seed, o.verdict().label(), o.describe());
        if let Err(e) = finish_seed_run(writer, series, &run, &seed_dir) {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
        outcomes.push(o);
    }
    if claimed.remove_earlier().map_err(report).is_err() {
        return ExitCode::from(2);
    }
    outln!();
    outln!(
        "scenario {name} ({} cycles, parity {:?}): {}",
        prepared.cycles,
        prepared.config.parity,
        seed_sweep::summary(&outcomes)
    );
    for line in seed_sweep::reproductions(&path.display().to_string(), &outcomes, sweep.args) {
        outln!("  {line}");
    }
    let verdict = Verdict::all(outcomes.iter().map(SeedOutcome::verdict));
    if verdict == Verdict::Empty {
        outln!("  {}", Verdict::EMPTY_HINT);
    }
    let plots = if flags.plots { " (charts in seed-N/plots/)" } else { "" };
    outln!("wrote {} run directories: {}{plots}", outcomes.len(), dir.join("seed-N").display());
    ExitCode::from(verdict.exit_code())
}

/// One scenario of `check --seeds`: its row and reproduction lines. Returns (failed, broken).
pub fn check_seeds(file: &Path, plots: Option<&Path>, options: &RunOptions, sweep: SeedSweep) -> (bool, bool) {
    let prepared = match load_warned(file, options) {
        Ok(p) => p,
        Err(e) => {
            outln!("{:<6} {}", "ERROR", file.display());
            errln!("error: {e}");
            return (false, true);
        }
    };
    let target = plots.map(|dir| dir.join(dir_name(&prepared.scenario.scenario.name)));
    let mut broken = false;
    let mut outcomes = Vec::with_capacity(sweep.seeds.len());
    for &seed in sweep.seeds {
        let mut series = target.is_some().then(PlotSeries::new);
        let ran = seed_sweep::run_seed(&prepared, seed, |view| {
            if let Some(series) = series.as_mut() {
                series.observe(view.summary, view.events);
            }
        });
        let (run, o) = match ran {
            Ok(ran) => ran,
            Err(e) => {
                outln!("{:<6} {}", "ERROR", file.display());
                errln!("error: {e}");
                return (false, true);
            }
        };
        if let (Some(target), Some(series)) = (&target, series) {
            let target = g6sim::output::seed_dir(target, seed);
            if let Err(e) = draw(series, &run, &target) {
                errln!("error: {}: cannot draw the charts: {e}", target.display());
                broken = true;
            }
        }
        outcomes.push(o);
    }
    let verdict = Verdict::all(outcomes.iter().map(SeedOutcome::verdict));
    let (label, file_name) = (verdict.label(), file.display());
    outln!("{label:<6} {file_name:<40} {:>6}  {}", prepared.cycles, seed_sweep::summary(&outcomes));
    for line in seed_sweep::reproductions(&file.display().to_string(), &outcomes, sweep.args) {
        outln!("         {line}");
    }
    if verdict == Verdict::Empty {
        outln!("         {}", Verdict::EMPTY_HINT);
    }
    (verdict != Verdict::Pass, broken)
}

/// `check` on a recorded history (a `.jsonl` or `.csv` file, plain or gzipped): replays it and passes when the
/// replay reproduces every recorded status and depth, as `g6sim replay` exits 0. Returns (failed, broken).
pub fn check_history(file: &Path, plots: Option<&Path>, options: &RunOptions, seeds: bool) -> (bool, bool) {
    let error = |e: String| {
        outln!("{:<6} {}", "ERROR", file.display());
        errln!("error: {e}");
        (false, true)
    };
    if seeds {
        return error(format!("{}: --seeds applies to scenarios: a replay draws no random numbers", file.display()));
    }
    let history = match replay_mod::load(file, &HistoryOptions::default()) {
        Ok(h) => h,
        Err(e) => return error(e.to_string()),
    };
    let prepared = match prepare(&history.loaded, options) {
        Ok(p) => p,
        Err(e) => return error(e.to_string()),
    };
    let run = match prepared.run(|_| {}) {
        Ok(run) => run,
        Err(e) => return error(e.to_string()),
    };
    let comparison = replay_mod::compare(&history, &run.result.cycles);
    let verdict = if comparison.agrees() { "PASS" } else { "FAIL" };
    let what = format!(
        "replay: {} statuses, {} depths compared, {} differ",
        comparison.statuses_compared,
        comparison.depths_compared,
        comparison.differences.len()
    );
    outln!("{verdict:<6} {:<40} {:>6}  {what}", file.display(), run.prepared.cycles);
    if !comparison.agrees() {
        let rest = format!("`g6sim replay {}` lists them all", file.display());
        for line in comparison.text(3, &rest).lines() {
            outln!("         {line}");
        }
    }
    let mut broken = false;
    if let Some(dir) = plots {
        let target = dir.join(dir_name(&run.prepared.scenario.scenario.name));
        let drawn = g6sim::plot::PlotData::from_run(&run).and_then(|data| g6sim::plot::render(&data, &target));
        if let Err(e) = drawn {
            errln!("error: {}: cannot draw the charts: {e}", target.display());
            broken = true;
        }
    }
    (!comparison.agrees(), broken)
}

/// A scenario name as a directory name ([`g6sim::output::dir_name`]).
pub fn dir_name(name: &str) -> String {
    g6sim::output::dir_name(name)
}

/// One cycle's rows of `run`'s table (the header before the first cycle's).
pub fn print_cycle(c: &g6sim::events::CycleSummary, events: &[g6sim::events::LoggedEvent]) {
    if c.cycle == 1 {
        outln!(
            "{:>5}  {:<8}  {:<10} {:<7} {:>5}  expiries (status strike/field coverage)",
            "cycle",
            "time",
            "index",
            "status",
            "depth"
        );
    }
    let time = c.time.get(11..19).unwrap_or(&c.time);
    for (k, i) in c.indices.iter().enumerate() {
        let expiries: Vec<String> = i
            .expiries
            .iter()
            .map(|e| {
                let cov = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.2}"));
                let status = e.status.map_or("-", |s| s.as_str());
                let reason = e.partial_reason.map(|r| format!("({})", r.as_str())).unwrap_or_default();
                format!("{} {status}{reason} {}/{}", e.rule, cov(e.strike_coverage), cov(e.field_coverage))
            })
            .collect();
        let (cycle, time) = if k == 0 { (c.cycle.to_string(), time) } else { (String::new(), "") };
        let depth = format!("{}/{}", i.ladder_depth.itm, i.ladder_depth.otm);
        outln!("{cycle:>5}  {time:<8}  {:<10} {:<7} {depth:>5}  {}", i.index, i.status.as_str(), expiries.join("  "));
    }
    for e in events.iter().filter(|e| e.cycle == c.cycle) {
        match &e.event {
            Event::StrikeDepthAdjustment(a) => outln!(
                "{:>17}-> {} {} {}/{} -> {}/{} (strike coverage {})",
                "",
                a.index,
                a.reason.as_str(),
                a.prev_itm,
                a.prev_otm,
                a.new_itm,
                a.new_otm,
                a.strike_cov.map_or("-".into(), |s| format!("{s:.3}"))
            ),
            Event::PrefilterClamp(p) => {
                outln!("{:>17}-> {} {} clamp kept {} of {} ({})", "", p.index, p.rule, p.kept, p.original, p.strategy)
            }
            _ => {}
        }
    }
}

/// The run summary's universe lines: the dump, what its reader and the expiry map skipped, per index what
/// the run took from it and any weekday mismatch.
pub fn print_universe(u: &g6sim::universe::UniverseUse, map_skipped: Option<g6sim::vocab::SkipCounts>) {
    let reader: Vec<String> = u.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
    outln!(
        "  universe: {} ({} rows, {} index options; the reader skipped {})",
        u.source.path,
        u.rows,
        u.index_options,
        if reader.is_empty() { "none".to_string() } else { reader.join(", ") }
    );
    if let Some(skipped) = map_skipped {
        outln!("  expiry map skipped (last cycle): {}", skipped.text());
    }
    for ix in &u.indices {
        let Some(s) = &ix.summary else {
            outln!("    {}: no valid option in the dump", ix.index);
            continue;
        };
        let num = |x: Option<f64>| x.map_or("-".to_string(), |v| v.to_string());
        let weekday = s.expiry_weekday.map_or("-", g6sim::universe::run::weekday_name);
        let mismatch = if ix.weekday_mismatch {
            format!(
                " (MISMATCH: the registry says {}; the dump's expiries are used)",
                g6sim::universe::run::weekday_name(ix.registry_weekday)
            )
        } else {
            String::new()
        };
        outln!(
            "    {}: {} options, {} expiries, step {}, lot {}, tick {}, ATM region {}, weekly on {weekday}{mismatch}",
            ix.index,
            s.options,
            s.expiries.len(),
            num(s.strike_step),
            s.lot_size.map_or("-".to_string(), |l| l.to_string()),
            num(s.tick_size),
            num(s.atm)
        );
    }
}

/// What `run`'s closing summary counts, folded in cycle by cycle.
pub struct RunTotals {
    pub statuses: StatusTotals,
    pub reasons: ReasonTotals,
    pub adjustments: usize,
    pub clamps: usize,
    pub zero_data: usize,
    /// What the expiry map skipped of an instruments dump, last cycle.
    pub universe_skipped: Option<g6sim::vocab::SkipCounts>,
    /// With Greeks on: implied volatilities solved and not solved, and the solver's iterations over the solved.
    pub iv_solved: u64,
    pub iv_failed: u64,
    pub iv_iterations: f64,
    /// Whether any expiry carried analytics (Greeks on).
    pub analytics: bool,
}

impl RunTotals {
    pub fn new(parity_g6: bool) -> Self {
        Self {
            statuses: StatusTotals::default(),
            reasons: ReasonTotals::new(parity_g6),
            adjustments: 0,
            clamps: 0,
            zero_data: 0,
            universe_skipped: None,
            iv_solved: 0,
            iv_failed: 0,
            iv_iterations: 0.0,
            analytics: false,
        }
    }

    pub fn observe(&mut self, c: &g6sim::events::CycleSummary, events: &[g6sim::events::LoggedEvent]) {
        self.statuses.merge(&c.expiry_status_totals);
        self.reasons.merge(&c.partial_reason_totals);
        let count = |name: &str| events.iter().filter(|e| e.event.name() == name).count();
        self.adjustments += count("strike_depth_adjustment");
        self.clamps += count("prefilter_clamp");
        self.zero_data += count("zero_data");
        self.universe_skipped = c.universe_skipped;
        for a in c.indices.iter().flat_map(|i| &i.expiries).filter_map(|e| e.analytics.as_ref()) {
            self.analytics = true;
            self.iv_solved += u64::from(a.iv_success);
            self.iv_failed += u64::from(a.iv_fail);
            self.iv_iterations += a.iv_iterations_avg * f64::from(a.iv_success);
        }
    }
}

/// The run's closing summary; `after_table`: a blank line first, to part it from the per-cycle table.
pub fn print_summary(
    prepared: &Prepared,
    totals: &RunTotals,
    outcomes: &[g6sim::scenario::ExpectationOutcome],
    after_table: bool,
) {
    let s = &prepared.scenario.scenario;
    let t = &totals.statuses;
    if after_table {
        outln!();
    }
    if s.recorded.is_some() {
        outln!(
            "replay {} ({} cycles of {}, parity {:?})",
            s.name,
            prepared.cycles,
            prepared.scenario.file,
            prepared.config.parity
        );
    } else {
        outln!(
            "scenario {} ({} cycles, seed {}, parity {:?})",
            s.name,
            prepared.cycles,
            prepared.seed,
            prepared.config.parity
        );
    }
    outln!("  expiries: {} OK, {} PARTIAL, {} EMPTY, {} SYNTH", t.ok, t.partial, t.empty, t.synth);
    outln!("  partial reasons: {}", serde_json::to_string(&totals.reasons).unwrap_or_default());
    outln!(
        "  depth adjustments: {}, prefilter clamps: {}, zero-data expiries: {}",
        totals.adjustments,
        totals.clamps,
        totals.zero_data
    );
    if totals.analytics {
        let mean = if totals.iv_solved == 0 { 0.0 } else { totals.iv_iterations / totals.iv_solved as f64 };
        outln!(
            "  implied volatilities: {} solved, {} not solved, {mean:.1} solver iterations on average \
             (IV and Greeks per expiry in cycles.jsonl)",
            totals.iv_solved,
            totals.iv_failed
        );
    }
    if let Some(u) = &prepared.universe {
        print_universe(u, totals.universe_skipped);
    }
    if s.recorded.is_some() {
        return;
    }
    print_expectations(outcomes);
}

/// The summary's verdict: how many expectations passed, and each that failed.
pub fn print_expectations(outcomes: &[g6sim::scenario::ExpectationOutcome]) {
    let passed = outcomes.iter().filter(|o| o.passed).count();
    match Verdict::of(outcomes) {
        Verdict::Empty => outln!("  expectations: EMPTY, {}", Verdict::EMPTY_HINT),
        _ => outln!("  expectations: {passed}/{} passed", outcomes.len()),
    }
    for o in outcomes.iter().filter(|o| !o.passed) {
        let at = o.cycle.map(|c| format!(" [cycle {c}]")).unwrap_or_default();
        outln!("  FAIL{at} expected {}; {}", o.expectation, o.detail);
    }
}

/// Scenario files named by the arguments: files as given, directories' `*.ron` files sorted by name, each once.
pub fn scenario_files(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let paths = if paths.is_empty() { vec![PathBuf::from("scenarios")] } else { paths };
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&p)
                .map(|rd| {
                    rd.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.extension().is_some_and(|x| x == "ron"))
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            files.extend(found);
        } else {
            files.push(p);
        }
    }
    // A file named twice (or as part of its directory too) is checked once.
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    files
}

pub fn plot(run_dir: &Path) -> ExitCode {
    let lock = run_dir.is_dir().then(|| g6sim::output::lock_dir(run_dir)).transpose();
    let Ok(_lock) = lock.map_err(report) else { return ExitCode::from(2) };
    let out = run_dir.join("plots");
    match g6sim::plot::load_dir(run_dir).and_then(|data| g6sim::plot::render(&data, &out)) {
        Ok(files) => {
            outln!("{}", drew(&files, &out));
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!(
                "error: {e}\n  hint: pass a directory written by `g6sim run` (cycles.jsonl, events.jsonl, manifest.json)"
            );
            ExitCode::from(2)
        }
    }
}

pub fn check(paths: Vec<PathBuf>, plots: Option<PathBuf>, options: &RunOptions, sweep: Option<SeedSweep>) -> ExitCode {
    if paths.is_empty() && !Path::new("scenarios").is_dir() {
        errln!(
            "error: no scenarios/ directory here: `g6sim check` with no argument checks the *.ron files of ./scenarios\n  \
             hint: name scenario files or directories, for example `g6sim check my-scenarios/`"
        );
        return ExitCode::from(2);
    }
    if let Err(code) = announce_env(&options.env) {
        return code;
    }
    let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let files = scenario_files(paths);
    if files.is_empty() {
        errln!(
            "error: no scenario files found in {}\n  hint: a directory contributes its *.ron scenarios; name history \
             files (.jsonl, .csv) one by one",
            if named.is_empty() { "scenarios/".to_string() } else { named.join(", ") }
        );
        return ExitCode::from(2);
    }
    let name_of = |file: &Path| {
        if file.is_file() && g6sim::replay::is_history(file) {
            Some(g6sim::replay::history_name(file))
        } else {
            g6sim::scenario::load_file_without_universe(file).ok().map(|loaded| loaded.scenario.name)
        }
    };
    let lock = plots.as_deref().map(|dir| g6sim::output::claim_check_plots(dir, &files, name_of)).transpose();
    let Ok(_lock) = lock.map_err(report) else { return ExitCode::from(2) };
    let (mut failed, mut broken) = (0, 0);
    let column = if sweep.is_some() { "seeds" } else { "expectations" };
    outln!("{:<6} {:<40} {:>6}  {column}", "result", "scenario", "cycles");
    for file in &files {
        // Each scenario counts once: an error (it could not be loaded, run or drawn) over a failure.
        let (f, b) = if file.is_file() && replay_mod::is_history(file) {
            check_history(file, plots.as_deref(), options, sweep.is_some())
        } else if let Some(sweep) = sweep {
            check_seeds(file, plots.as_deref(), options, sweep)
        } else {
            check_one(file, plots.as_deref(), options)
        };
        if b {
            broken += 1;
        } else if f {
            failed += 1;
        }
    }
    let under = sweep.map(|s| format!(" x {} seeds", s.seeds.len())).unwrap_or_default();
    outln!(
        "{} {}{under}: {} passed, {} failed, {} could not be loaded",
        files.len(),
        if files.len() == 1 { "scenario" } else { "scenarios" },
        files.len().saturating_sub(failed + broken),
        failed,
        broken
    );
    if broken > 0 {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One scenario of `check` (without `--seeds`): its row, its failures, its charts. Returns (failed, broken).
pub fn check_one(file: &Path, plots: Option<&Path>, options: &RunOptions) -> (bool, bool) {
    // Verdicts come from the streamed run; the charts' series are kept only when asked for.
    let mut series = plots.is_some().then(PlotSeries::new);
    let streamed = load_warned(file, options).and_then(|p| {
        p.stream(|view| {
            if let Some(series) = series.as_mut() {
                series.observe(view.summary, view.events);
            }
        })
        .map_err(|e| e.to_string())
    });
    match streamed {
        Ok(run) => {
            let passed = run.outcomes.iter().filter(|o| o.passed).count();
            let verdict = run.verdict();
            outln!(
                "{:<6} {:<40} {:>6}  {passed}/{}",
                verdict.label(),
                file.display(),
                run.prepared.cycles,
                run.outcomes.len()
            );
            for o in run.outcomes.iter().filter(|o| !o.passed) {
                let at = o.cycle.map(|c| format!(" [cycle {c}]")).unwrap_or_default();
                outln!("         FAIL{at} expected {}; {}", o.expectation, o.detail);
            }
            if verdict == Verdict::Empty {
                outln!("         {}", Verdict::EMPTY_HINT);
            }
            if let (Some(dir), Some(series)) = (plots, series) {
                let target = dir.join(dir_name(&run.prepared.scenario.scenario.name));
                if let Err(e) = draw(series, &run, &target) {
                    errln!("error: {}: cannot draw the charts: {e}", target.display());
                    return (true, true);
                }
            }
            (verdict != Verdict::Pass, false)
        }
        Err(e) => {
            outln!("{:<6} {}", "ERROR", file.display());
            errln!("error: {e}");
            (false, true)
        }
    }
}

pub fn sweep(args: SweepArgs) -> ExitCode {
    if let Some(SweepTool::Merge { dirs, out, force }) = args.tool {
        return sweep_merge(&dirs, &out, force);
    }
    let Some(path) = args.scenario else { return ExitCode::from(2) };
    let options = match args.overrides.options() {
        Ok(options) => RunOptions { cycles: args.cycles, ..options },
        Err(code) => return code,
    };
    if let Err(code) = announce_env(&options.env) {
        return code;
    }
    let shard = match sweep::plan::shard_from(args.shard, args.shards, &g6_env_all()) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let history = replay_mod::is_history(&path);
    let loaded: Result<LoadedScenario, String> = match (history, args.depth.is_empty()) {
        (true, _) => {
            replay_mod::load(&path, &history_options(&args.depth)).map(|h| h.loaded).map_err(|e| e.to_string())
        }
        (false, false) => Err("--depth applies to a history (a .jsonl or .csv file, or a directory of benchmark artifacts), not to a scenario: set the scenario's `depth`".into()),
        (false, true) => load_scenario(&path, &options).map_err(|e| e.to_string()),
    };
    if let Some(SeedList(seeds)) = args.seeds.as_ref().filter(|s| history && s.0.len() > 1) {
        errln!(
            "error: --seeds: {} seeds of a history: a replay draws no random numbers, so every seed replays the same\n  \
             hint: leave --seeds out on a history (one replay per setting)",
            seeds.len()
        );
        return ExitCode::from(2);
    }
    let seeds = args.seeds.map_or_else(|| if history { vec![1] } else { (1..=8).collect() }, |s| s.0);
    let plan = match loaded.and_then(|l| Plan::new(l, options, args.params, seeds).map_err(|e| e.to_string())) {
        Ok(mut p) => {
            p.full_runs = args.full;
            p
        }
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let dir =
        args.out.unwrap_or_else(|| Path::new("out").join(format!("sweep-{}", dir_name(&plan.scenario.scenario.name))));
    let Ok(_lock) = sweep::claim_dir(&dir, args.force).map_err(report) else { return ExitCode::from(2) };
    let mine = (0..plan.jobs()).filter(|j| shard.owns(*j)).count();
    outln!(
        "sweep {}: {} settings x {} seeds = {} runs{}",
        plan.scenario.scenario.name,
        plan.settings.len(),
        plan.seeds.len(),
        plan.jobs(),
        if shard == Shard::ALL { String::new() } else { format!("; shard {shard}: {mine} runs") }
    );
    match plan.lean() {
        Ok(_) => outln!("scoring on the lean path (the same scores as full runs, faster; --full runs them in full)"),
        Err(_) if plan.full_runs => outln!("scoring full runs (--full)"),
        Err(why) => outln!("scoring full runs: the lean path does not model {why}"),
    }
    if let Some(note) = sweep::plan::threads_note(args.jobs.unwrap_or(0), mine) {
        errln!("note: {note}");
    }
    let progress = Progress::new(mine);
    let jobs = match plan.run(shard, args.jobs.unwrap_or(0), |done| progress.show(done)) {
        Ok(j) => j,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    progress.finish();
    let manifest = SweepManifest::of(&plan);
    if shard != Shard::ALL {
        return match sweep::write_shard(&dir, &manifest, shard, &jobs) {
            Ok(files) => {
                outln!("wrote {}", files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "));
                outln!("merge all {} shards with: g6sim sweep merge DIR... --out DIR", shard.count);
                ExitCode::SUCCESS
            }
            Err(e) => {
                errln!("error: {}: {e}", dir.display());
                ExitCode::from(2)
            }
        };
    }
    write_sweep_outcome(&dir, &manifest, &jobs)
}

/// Writes a whole sweep and prints its Pareto front and recommendation.
pub fn write_sweep_outcome(dir: &Path, manifest: &SweepManifest, jobs: &[sweep::JobScore]) -> ExitCode {
    match sweep::write_sweep(dir, manifest, jobs) {
        Ok(outcome) => {
            let most = sweep::results::PRINTED_FRONT;
            out!("{}", sweep::results::pareto_text_at_most(&outcome.results, outcome.recommended.as_ref(), most));
            if let Some(r) = &outcome.recommended {
                let values: Vec<String> = r.values.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
                outln!("recommended: setting {} ({}): {}", r.setting, values.join(" "), r.why);
            }
            outln!("wrote {}", outcome.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!("error: {}: {e}", dir.display());
            ExitCode::from(2)
        }
    }
}

pub fn sweep_merge(dirs: &[PathBuf], out: &Path, force: bool) -> ExitCode {
    match sweep::merge(dirs) {
        Ok((manifest, jobs)) => {
            let Ok(_lock) = sweep::claim_dir(out, force).map_err(report) else { return ExitCode::from(2) };
            outln!("merged {} runs of sweep {} from {} directories", jobs.len(), manifest.scenario, dirs.len());
            write_sweep_outcome(out, &manifest, &jobs)
        }
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The environment variables a sweep reads its shard from (not only `G6_*`).
pub fn g6_env_all() -> BTreeMap<String, String> {
    std::env::vars().filter(|(k, _)| k.starts_with("SLURM_ARRAY_TASK_") || k == "JOB_COMPLETION_INDEX").collect()
}

/// A progress bar (indicatif) on standard error when it is a terminal; nothing on a pipe or file.
pub struct Progress(indicatif::ProgressBar);

impl Progress {
    pub fn new(total: usize) -> Self {
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
    pub fn show(&self, done: usize) {
        self.0.set_position(done as u64);
    }
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

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
                Err(e) => {
                    errln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let stats = table.stats();
            let mut writes = vec![(out.clone(), table.csv().into_bytes())];
            if let Some(path) = stats_out {
                let mut json = serde_json::to_vec_pretty(&stats).unwrap_or_default();
                json.push(b'\n');
                writes.push((path, json));
            }
            for (path, bytes) in writes {
                if let Err(e) = g6sim::output::write_atomic(&path, &bytes) {
                    errln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
            out!("{}", aggregate::stats_text(&stats));
            outln!("wrote {} ({} artifacts)", out.display(), table.rows.len());
            ExitCode::SUCCESS
        }
    }
}

/// The artifacts of one side of a diff: a file, or every artifact of a directory in name order.
pub fn diff_side(path: &Path) -> Result<Vec<serde_json::Value>, String> {
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

pub fn bench_diff(old: &Path, new: &Path, json: bool, fail_over: Option<f64>, field: &str) -> ExitCode {
    if let Some(pct) = fail_over.filter(|p| !(p.is_finite() && *p >= 0.0)) {
        errln!("error: --fail-over {pct}: expected a percentage >= 0 (5 means 5%)");
        return ExitCode::from(2);
    }
    if old.is_dir() != new.is_dir() {
        errln!("error: compare two files or two directories");
        return ExitCode::from(2);
    }
    let (a, b) = match (diff_side(old), diff_side(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let comparison = diff::compare_sets(&old.display().to_string(), &a, &new.display().to_string(), &b);
    if fail_over.is_some()
        && let Err(e) = comparison.check_field(field)
    {
        errln!("error: {e}");
        return ExitCode::from(2);
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(&comparison).unwrap_or_default());
    } else {
        out!("{}", comparison.text());
    }
    let Some(limit) = fail_over else { return ExitCode::SUCCESS };
    let watched = comparison.fields.iter().find(|f| f.field == field);
    match watched.and_then(|f| f.worse_by().filter(|w| *w > limit).map(|w| (w, f.noise_pct))) {
        Some((worse, noise)) => {
            errln!(
                "REGRESSION: {field} median worse by {worse:.1}% (> {limit}%, beyond the noise of {noise:.1}%): {} -> {}",
                comparison.old,
                comparison.new
            );
            ExitCode::from(1)
        }
        None => ExitCode::SUCCESS,
    }
}

/// `g6sim universe`: writes a synthetic universe in the Kite dump format, then reads it back for the summary.
pub fn universe(spec: &g6sim::universe::SyntheticSpec, out: &Path, gzip: bool) -> ExitCode {
    use g6sim::universe::{self, write};
    let rows = match write::synthetic_rows(spec) {
        Ok(rows) => rows,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let csv = write::to_csv(&rows);
    let dump = universe::parse(&out.display().to_string(), &csv);
    let bytes = if gzip { write::gzip(&csv) } else { csv };
    if let Err(e) = g6sim::output::write_atomic(out, &bytes) {
        errln!(
            "error: cannot write {}: {e}\n  hint: --out names the dump file to write, in a directory that exists",
            out.display()
        );
        return ExitCode::from(2);
    }
    let dump = match dump {
        Ok(dump) => dump,
        Err(e) => {
            errln!("error: {} was written but does not read back as a dump: {e}", out.display());
            return ExitCode::from(2);
        }
    };
    outln!(
        "wrote {}: {} rows, {} index options, {} bytes",
        out.display(),
        dump.counts.rows,
        dump.counts.index_options,
        bytes.len()
    );
    for s in &dump.indices {
        // One strike per expiry has no step between strikes.
        let step = s.strike_step.map_or("-".to_string(), |step| step.to_string());
        outln!(
            "  {:<10} {:>7} options  {} expiries  step {step}  lot {}",
            s.symbol,
            s.options,
            s.expiries.len(),
            s.lot_size.unwrap_or(0)
        );
    }
    let skipped: Vec<String> = dump.counts.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
    outln!("  skipped by a reader: {}", skipped.join(", "));
    ExitCode::SUCCESS
}
