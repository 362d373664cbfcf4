//! `g6sim._native`, the extension module under the `g6sim` Python package (`python/g6sim/`).
//!
//! It speaks JSON: each function takes plain values and returns one JSON text, `{"ok": ...}` or
//! `{"error": ...}`, which the package turns into its objects, `pyarrow` tables and exceptions. The tables'
//! columns come from [`g6sim::output::columns`], which reads the very bytes `g6sim run` writes, so a table's
//! values are the files' values. Every call runs with the interpreter's lock released.
//!
//! The package's `g6sim` command is the binary's command line ([`cli`]), compiled in from the binary's own
//! source: a wheel cannot carry a Rust binary beside an extension module.

use cli::args::Overrides;
use g6sim::check::{self, Checked, Reported};
use g6sim::config::Parity;
use g6sim::output::columns::{self, Column};
use g6sim::replay::{self, HistoryOptions};
use g6sim::scenario::ScenarioError;
use g6sim::sweep::{self, SeedList, Shard, SweepManifest};
use g6sim::{RunOptions, prepare};
use pyo3::prelude::*;
use serde_json::{Value, json};
use std::ffi::OsString;
use std::path::PathBuf;

// The binary uses parts of the command line this module does not (the conversion into a process exit code).
#[allow(dead_code)]
#[path = "../../src/bin/g6sim/cli/mod.rs"]
mod cli;

/// A failure as the package raises it: `kind` picks the exception (`scenario`: `ScenarioError`, `config`:
/// `ConfigError`, `output`: `OSError`, `check`: `Error`), `text` is what the command line prints.
struct Failure(Value);

impl Failure {
    fn new(kind: &str, text: impl ToString) -> Self {
        Failure(json!({ "kind": kind, "text": text.to_string() }))
    }

    fn scenario(e: &ScenarioError) -> Self {
        let mut failure = Self::new("scenario", e);
        failure.0["problems"] = std::iter::once(e).chain(&e.more).map(problem).collect();
        failure
    }
}

fn problem(e: &ScenarioError) -> Value {
    json!({ "file": e.file, "line": e.line, "column": e.col, "path": e.path, "message": e.message, "hint": e.hint })
}

impl From<g6sim::Error> for Failure {
    fn from(e: g6sim::Error) -> Self {
        match &e {
            g6sim::Error::Scenario(s) => Self::scenario(s),
            g6sim::Error::Set(_) | g6sim::Error::Input(_) | g6sim::Error::Universe(_) => Self::new("config", e),
            g6sim::Error::Output(_) => Self::new("output", e),
            g6sim::Error::Schedule(_) => Self::new("check", e),
        }
    }
}

/// The JSON text handed back to the package.
fn answer(result: Result<Value, Failure>) -> String {
    match result {
        Ok(value) => json!({ "ok": value }),
        Err(Failure(error)) => json!({ "error": error }),
    }
    .to_string()
}

/// Runs `f` with the interpreter's lock released and answers with what it gives.
fn call(py: Python<'_>, f: impl FnOnce() -> Result<Value, Failure> + Send) -> String {
    py.detach(|| answer(f()))
}

/// A seed list as `--seeds` takes it.
fn seed_list(spec: Option<String>) -> Result<Option<Vec<u64>>, Failure> {
    spec.map(|s| SeedList::parse(&s).map(|l| l.0)).transpose().map_err(|e| Failure::new("config", e))
}

/// The run options of a call: `--set` pairs, a parity, and the `G6_*` environment only when asked for.
fn options(sets: Vec<String>, parity: Option<&str>, use_env: bool) -> Result<RunOptions, Failure> {
    overrides(sets, parity, use_env)?.options().map_err(|e| Failure::new("config", e))
}

/// A call's options as the command line's overrides (`--set`, `--parity`, and `--no-env` unless `use_env`):
/// what they mean, and how a reproduction command words them, are the command line's.
fn overrides(sets: Vec<String>, parity: Option<&str>, use_env: bool) -> Result<Overrides, Failure> {
    let parity = parity.map(Parity::parse).transpose().map_err(|e| Failure::new("config", e))?;
    Ok(Overrides { sets, parity, no_env: !use_env, ..Overrides::default() })
}

fn tables(run: &g6sim::Run) -> Value {
    let cycles = columns::cycles(&g6sim::output::cycles_jsonl(run)).expect("cycles.jsonl reads back");
    let events = columns::events(&g6sim::output::events_jsonl(run)).expect("events.jsonl reads back");
    json!({ "cycles": cycles, "events": events })
}

#[pyfunction]
#[pyo3(name = "run", signature = (scenario, seed=None, cycles=None, sets=Vec::new(), parity=None, use_env=false))]
fn run_scenario(
    py: Python<'_>,
    scenario: PathBuf,
    seed: Option<u64>,
    cycles: Option<u64>,
    sets: Vec<String>,
    parity: Option<String>,
    use_env: bool,
) -> String {
    call(py, || {
        let options = RunOptions { seed, cycles, ..options(sets, parity.as_deref(), use_env)? };
        let run = g6sim::prepare_file(&scenario, &options)?.run(|_| {})?;
        let expectations: Vec<Value> = run.outcomes.iter().map(|o| json!(o)).collect();
        Ok(json!({
            "name": run.prepared.scenario.scenario.name,
            "file": scenario.display().to_string(),
            "seed": run.prepared.seed,
            "cycle_count": run.prepared.cycles,
            "parity": if run.prepared.config.parity.is_g6() { "g6" } else { "off" },
            "verdict": run.verdict().label(),
            "expectations": expectations,
            "warnings": run.prepared.warnings,
            "tables": tables(&run),
        }))
    })
}

#[pyfunction]
#[pyo3(name = "replay", signature = (history, sets=Vec::new(), parity=None, depth=Vec::new(), use_env=false))]
fn replay_history(
    py: Python<'_>,
    history: PathBuf,
    sets: Vec<String>,
    parity: Option<String>,
    depth: Vec<String>,
    use_env: bool,
) -> String {
    call(py, || {
        let options = options(sets, parity.as_deref(), use_env)?;
        let mut history_options = HistoryOptions::default();
        for d in &depth {
            history_options.add_depth(d).map_err(|e| Failure::new("config", e))?;
        }
        let loaded = replay::load(&history, &history_options).map_err(|e| Failure::scenario(&e))?;
        let run = prepare(&loaded.loaded, &options)?.run(|_| {})?;
        let comparison = replay::compare(&loaded, &run.result.cycles);
        let differences: Vec<String> = comparison.differences.iter().map(|d| d.describe()).collect();
        Ok(json!({
            "name": run.prepared.scenario.scenario.name,
            "file": history.display().to_string(),
            "cycle_count": run.prepared.cycles,
            "verdict": check::replay_verdict(&comparison).label(),
            "differences": differences,
            "statuses_compared": comparison.statuses_compared,
            "depths_compared": comparison.depths_compared,
            "warnings": run.prepared.warnings,
            "tables": tables(&run),
        }))
    })
}

#[pyfunction]
#[pyo3(name = "check", signature = (paths, seeds=None, sets=Vec::new(), parity=None, use_env=false))]
fn check_paths(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    seeds: Option<String>,
    sets: Vec<String>,
    parity: Option<String>,
    use_env: bool,
) -> String {
    call(py, || {
        let overrides = overrides(sets, parity.as_deref(), use_env)?;
        let options = overrides.options().map_err(|e| Failure::new("config", e))?;
        let seeds = seed_list(seeds)?;
        let args = overrides.args();
        let request = check::Request { paths, plots: None, options, seeds, args: args.clone() };
        let mut record = check::Record::default();
        let mut warnings = Vec::new();
        let ended = check::check(&request, |event| {
            if let check::Event::Warning(w) = &event {
                warnings.push(w.clone());
            }
            record.event(&event);
        });
        let tally = ended.map_err(|e| Failure::new("check", e.problems().join("\n")))?;
        let rows: Vec<Value> = record
            .reported
            .iter()
            .filter_map(|r| match r {
                Reported::Row(row) => Some(row),
                Reported::ChartError { .. } => None,
            })
            .map(|row| {
                let seeds: Vec<Value> = match &row.checked {
                    Checked::Seeds { outcomes, .. } => {
                        outcomes.iter().map(|o| json!({ "seed": o.seed, "verdict": o.verdict().label() })).collect()
                    }
                    _ => Vec::new(),
                };
                json!({
                    "file": row.file.display().to_string(),
                    "verdict": row.label(),
                    "first_failure": row.first_failure(),
                    "reproduction": row.reproduction(&args),
                    "error": row.verdict().err(),
                    "seeds": seeds,
                })
            })
            .collect();
        Ok(json!({ "rows": rows, "exit_code": tally.exit_code(), "warnings": warnings }))
    })
}

// The keyword arguments of `g6sim.sweep`, one parameter each.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(name = "sweep", signature = (paths, params, seeds=None, sets=Vec::new(), parity=None, use_env=false, out=None, force=false, jobs=0))]
fn sweep_grid(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    params: Vec<String>,
    seeds: Option<String>,
    sets: Vec<String>,
    parity: Option<String>,
    use_env: bool,
    out: Option<PathBuf>,
    force: bool,
    jobs: usize,
) -> String {
    call(py, || {
        let options = options(sets, parity.as_deref(), use_env)?;
        let params = params
            .iter()
            .map(|p| sweep::parse_param(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::new("config", e))?;
        let seeds = seed_list(seeds)?;
        let suite = sweep::Suite { paths, generated: 0 };
        let plan =
            sweep::plan_for(&suite, options, params, seeds, &HistoryOptions::default(), None).map_err(|e| match e {
                sweep::PlanError::Run(e) => Failure::from(e),
                e => Failure::new("config", e),
            })?;
        let lock = out.as_deref().map(|dir| sweep::claim_dir(dir, force)).transpose();
        let _lock = lock.map_err(|e| Failure::new("output", e))?;
        let scores = plan.run(Shard::ALL, jobs, |_| {})?;
        let manifest = SweepManifest::of(&plan);
        let outcome = match &out {
            Some(dir) => sweep::write_sweep(dir, &manifest, &scores),
            None => sweep::analyse(&manifest, &scores),
        }
        .map_err(|e| Failure::new("output", e))?;
        let members: Option<Vec<Column>> = (!manifest.members.is_empty()).then(|| outcome.members_columns(&manifest));
        let recommended =
            outcome.recommended.as_ref().map(|r| json!({ "setting": r.setting, "values": r.values, "why": r.why }));
        Ok(json!({
            "name": plan.name(),
            "runs": outcome.runs,
            "results": outcome.results_columns(&manifest),
            "members": members,
            "recommended": recommended,
            "warnings": plan.warnings,
            "out": out.map(|d| d.display().to_string()),
        }))
    })
}

/// Checks options before any file runs, as far as they can be checked without one: the parity, the seed list,
/// and each `--set` pair's key and value (against the default configuration).
#[pyfunction]
#[pyo3(signature = (seeds=None, sets=Vec::new(), parity=None))]
fn check_options(seeds: Option<String>, sets: Vec<String>, parity: Option<String>) -> String {
    answer((|| {
        options(Vec::new(), parity.as_deref(), false)?;
        seed_list(seeds)?;
        let none = Default::default();
        g6sim::config::resolve(Default::default(), &none, &sets).map_err(|e| Failure::new("config", e))?;
        Ok(Value::Null)
    })())
}

/// The `g6sim` command: runs the command line `args` (the program's name first) and returns its exit status.
#[pyfunction]
fn main(py: Python<'_>, args: Vec<OsString>) -> u8 {
    py.detach(|| cli::main(args).0)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(replay_history, m)?)?;
    m.add_function(wrap_pyfunction!(check_paths, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_grid, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(check_options, m)?)?;
    Ok(())
}
