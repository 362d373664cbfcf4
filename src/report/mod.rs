//! `g6sim report DIR`: one self-contained HTML page of a run directory, a sweep directory or an exploration,
//! for a CI job to publish or a browser to open offline. Styles and charts (SVG) are inline; nothing is
//! fetched and nothing runs (no script; the page's Content-Security-Policy forbids both). The page is built
//! from the directory's files alone, so the same directory always gives the same bytes.
//!
//! - A **run** (or replay) directory: the verdict and each expectation (a replay's differences from the
//!   history), the scenario and what changed its configuration, the totals, the four charts, and the
//!   per-cycle table in a collapsed block (the first [`MAX_CYCLE_ROWS`] cycles).
//! - A **sweep** directory: the recommendation and the Pareto front, what was swept, every setting's scores,
//!   and the charts the sweep drew (heat maps, Pareto charts, importance).
//! - An **exploration**: each property's tally, what was never reached, and each shrunk failure with its
//!   reproduction, its scenario file and its charts (when drawn).

mod explore;
mod page;
mod run;
mod sweep;

pub use run::MAX_CYCLE_ROWS;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The report's file name in the directory it reports on: a command's own output, replaced by the next.
pub const REPORT_FILE: &str = crate::output::REPORT_FILE;

/// What a directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Run,
    Sweep,
    Exploration,
}

/// Why a report cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: no such directory\n  hint: name a directory g6sim run, sweep or explore wrote (--out)", .0.display())]
    NoDir(PathBuf),
    #[error(
        "{}: holds no g6sim run, sweep or exploration (no manifest.json, sweep.json or explore.json)\n  hint: \
         name the --out directory of g6sim run, replay, sweep (a whole sweep or a merge, not a shard) or explore",
        .0.display()
    )]
    Unknown(PathBuf),
    #[error("{}: holds {what} without {missing}\n  hint: {hint}", dir.display())]
    Incomplete { dir: PathBuf, what: &'static str, missing: &'static str, hint: &'static str },
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: {message}\n  hint: the file is damaged; write the directory again", path.display())]
    Json { path: PathBuf, line: usize, message: String },
    #[error("cannot draw the charts: {0}")]
    Charts(String),
    #[error("{}: cannot write: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// What `dir` holds: a run (its `manifest.json` and `cycles.jsonl`), a sweep (`sweep.json` and
/// `results.json`) or an exploration (`explore.json`).
pub fn kind_of(dir: &Path) -> Result<Kind, Error> {
    if !dir.is_dir() {
        return Err(Error::NoDir(dir.to_path_buf()));
    }
    let has = |name: &str| dir.join(name).is_file();
    let incomplete = |what, missing, hint| Err(Error::Incomplete { dir: dir.to_path_buf(), what, missing, hint });
    if has("manifest.json") {
        if has("cycles.jsonl") {
            Ok(Kind::Run)
        } else {
            incomplete("a run's manifest.json", "cycles.jsonl", "run the scenario again into this directory")
        }
    } else if has(crate::sweep::MANIFEST) {
        if has("results.json") {
            Ok(Kind::Sweep)
        } else {
            incomplete(
                "a sweep's sweep.json",
                "results.json (a shard, or a sweep cut short)",
                "merge the shards with `g6sim sweep merge DIRS --out DIR` and report DIR",
            )
        }
    } else if has(crate::explore::EXPLORE_FILE) {
        Ok(Kind::Exploration)
    } else {
        Err(Error::Unknown(dir.to_path_buf()))
    }
}

/// The report page of `dir`, as HTML.
pub fn html(dir: &Path) -> Result<String, Error> {
    match kind_of(dir)? {
        Kind::Run => run::page(dir),
        Kind::Sweep => sweep::page(dir),
        Kind::Exploration => explore::page(dir),
    }
}

/// Writes the report page of `dir` into `out` (by default `DIR/report.html`), whole; the file written.
pub fn write(dir: &Path, out: Option<&Path>) -> Result<PathBuf, Error> {
    let page = html(dir)?;
    let out = out.map_or_else(|| dir.join(REPORT_FILE), Path::to_path_buf);
    crate::output::write_atomic(&out, page.as_bytes()).map_err(|source| Error::Write { path: out.clone(), source })?;
    Ok(out)
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })
}

fn read_json(path: &Path) -> Result<Value, Error> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| Error::Json {
        path: path.to_path_buf(),
        line: e.line(),
        message: e.to_string(),
    })
}

/// A JSON Lines file, one value per line (blank lines skipped).
fn read_lines(path: &Path) -> Result<Vec<Value>, Error> {
    let text = read_text(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::Json {
                path: path.to_path_buf(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// A JSON value as a page shows it: a string without quotes, `null` as nothing, anything else as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
