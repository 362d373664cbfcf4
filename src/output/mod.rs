//! Writers for a run's output files. The cycle never touches the file system: [`RunWriter`] takes each
//! finished cycle from [`crate::run::Prepared::stream`] and appends it to `events.jsonl` and `cycles.jsonl` as it
//! ends, so nothing of a cycle stays in memory; the byte builders below ([`events_jsonl`], ...) read a
//! finished in-memory [`Run`] and give the same bytes. Every file is written atomically (a temporary file in
//! the same directory, streamed into, then a rename), so an interrupted run never leaves a half-written
//! output.

pub mod columns;
pub(crate) mod lock;
pub(crate) mod metrics;
pub mod serve;

pub use lock::{DirLock, LOCK_FILE, lock_dir};
pub use metrics::{METRICS, Metric, MetricKind, MetricsState};

use crate::config::Config;
use crate::events::{CycleSummary, Event, LoggedEvent};
use crate::run::{Prepared, Run};
use crate::scenario::ExpectationOutcome;
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written through a temporary sibling `.NAME.tmp-PID`: [`AtomicFile::commit`] renames it into
/// place; dropped uncommitted (an error on the way), the temporary is removed. A killed process leaves the
/// temporary, which the next run into the directory removes ([`remove_stale`]).
pub(crate) struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> io::Result<Self> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("output");
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = BufWriter::with_capacity(1 << 16, File::create(&tmp)?);
        Ok(Self { path: path.to_path_buf(), tmp, file: Some(file) })
    }

    /// Flushes, syncs and renames the temporary into place; on failure the temporary is removed.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let Some(file) = self.file.take() else { return Ok(self.path.clone()) };
        let done = file
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.path));
        if done.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        done.map(|()| self.path.clone())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().map_or(Ok(0), |f| f.write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), |f| f.flush())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The charts of a run, by file stem (each written as `.svg` and `.png`; `plot` draws them).
pub const CHARTS: [&str; 4] = ["depth", "coverage", "status", "clamp"];

/// Writes `bytes` to `path` through a temporary sibling and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit().map(drop)
}

fn json_line<T: Serialize>(out: &mut impl Write, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// Whether an event goes to `events.jsonl`: STRUCT events unless `struct_events` is off; TRACE events when
/// `trace` is on.
fn keeps(config: &Config, e: &LoggedEvent) -> bool {
    match &e.event {
        // The reference writes it to its event log, which `struct_events` does not silence.
        Event::AdaptiveScaleChange(_) => true,
        event if event.is_trace() => config.trace,
        _ => config.struct_events,
    }
}

/// `events.jsonl`: one event per line. STRUCT events unless `struct_events` is off; TRACE events when
/// `trace` is on; the event log's (`adaptive_scale_change`) always.
pub fn events_jsonl(run: &Run) -> Vec<u8> {
    let mut out = Vec::new();
    for e in run.result.events.iter().filter(|e| keeps(&run.prepared.config, e)) {
        json_line(&mut out, e).expect("run outputs serialize to JSON");
    }
    out
}

/// `cycles.jsonl`: one cycle summary per line.
pub fn cycles_jsonl(run: &Run) -> Vec<u8> {
    let mut out = Vec::new();
    for c in &run.result.cycles {
        json_line(&mut out, c).expect("run outputs serialize to JSON");
    }
    out
}

/// Writes a run's files as its cycles end: each cycle's events and summary are appended to the temporaries
/// of `events.jsonl` and `cycles.jsonl` and folded into the metrics; [`RunWriter::finish`] writes
/// `metrics.prom` and `manifest.json` and renames all four into place, in `RUN_FILES` order. What it keeps
/// between cycles is the metrics' series (a few per index and expiry) and two 64 KiB write buffers.
pub struct RunWriter {
    dir: PathBuf,
    config: Config,
    events: AtomicFile,
    cycles: AtomicFile,
    metrics: MetricsState,
    /// The first write error: the run goes on, [`RunWriter::finish`] reports it and renames nothing.
    error: Option<io::Error>,
}

impl RunWriter {
    /// Starts a run's files in `dir` (created if needed), after removing the temporaries a killed run left
    /// (`remove_temporaries`). What an earlier run wrote there stays whole until [`RunWriter::finish`] has
    /// renamed this run's files into place.
    pub fn create(dir: &Path, config: &Config) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        remove_temporaries(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            config: config.clone(),
            events: AtomicFile::create(&dir.join(RUN_FILES[0]))?,
            cycles: AtomicFile::create(&dir.join(RUN_FILES[1]))?,
            metrics: MetricsState::new(config.parity.is_g6()),
            error: None,
        })
    }

    /// Appends one finished cycle: its events (those `events.jsonl` keeps), then its summary.
    pub fn cycle(&mut self, summary: &CycleSummary, events: &[LoggedEvent]) {
        self.metrics.observe(summary, events);
        if self.error.is_some() {
            return;
        }
        let written = (|| {
            for e in events.iter().filter(|e| keeps(&self.config, e)) {
                json_line(&mut self.events, e)?;
            }
            json_line(&mut self.cycles, summary)
        })();
        self.error = written.err();
    }

    /// The metrics so far (what `--serve-metrics` publishes).
    pub fn metrics(&self) -> &MetricsState {
        &self.metrics
    }

    /// Writes `metrics.prom` and `manifest.json` and renames every file into place (the manifest last), then
    /// removes what an earlier run left that this one does not replace (`remove_stale`: its charts, its
    /// comparison, temporaries); the paths written. Until then an earlier run's files are all there: a run
    /// interrupted or failing before this leaves the earlier run whole.
    pub fn finish(
        self,
        prepared: &Prepared,
        events: usize,
        outcomes: &[ExpectationOutcome],
    ) -> io::Result<Vec<PathBuf>> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut written = vec![self.events.commit()?, self.cycles.commit()?];
        for (name, bytes) in
            RUN_FILES[2..].iter().zip([self.metrics.render().into_bytes(), manifest(prepared, events, outcomes)])
        {
            let path = self.dir.join(name);
            write_atomic(&path, &bytes)?;
            written.push(path);
        }
        remove_stale(&self.dir)?;
        Ok(written)
    }
}

#[derive(Serialize)]
struct ManifestScenario<'a> {
    name: &'a str,
    description: &'a str,
    file: String,
    content_sha256: &'a str,
}

#[derive(Serialize)]
struct ManifestExpectations<'a> {
    passed: usize,
    failed: usize,
    results: &'a [crate::scenario::ExpectationOutcome],
}

#[derive(Serialize)]
struct Manifest<'a> {
    g6sim_version: &'static str,
    scenario: ManifestScenario<'a>,
    seed: u64,
    cycles: u64,
    start: String,
    interval_s: u64,
    config: &'a crate::config::Config,
    applied: &'a [crate::config::Applied],
    /// The scenario's fault phases (charts shade their windows).
    phases: &'a [crate::scenario::Phase],
    /// The instruments dump the universe came from (absent for the synthetic provider).
    #[serde(skip_serializing_if = "Option::is_none")]
    universe: Option<&'a crate::universe::UniverseUse>,
    events: usize,
    expectations: ManifestExpectations<'a>,
}

/// `manifest.json`: what was run (scenario name and content hash, seed, resolved configuration and what
/// overrode it, crate version, the instruments dump with its hash and what the run took from it) and the
/// expectation verdicts.
pub fn manifest_json(run: &Run) -> Vec<u8> {
    manifest(&run.prepared, run.result.events.len(), &run.outcomes)
}

/// `manifest.json` of a run of `prepared` that logged `events` events and gave `outcomes`.
pub fn manifest(prepared: &Prepared, events: usize, outcomes: &[ExpectationOutcome]) -> Vec<u8> {
    let s = &prepared.scenario.scenario;
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let manifest = Manifest {
        g6sim_version: env!("CARGO_PKG_VERSION"),
        scenario: ManifestScenario {
            name: &s.name,
            description: &s.description,
            file: Path::new(&prepared.scenario.file)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            content_sha256: &prepared.scenario.content_sha256,
        },
        seed: prepared.seed,
        cycles: prepared.cycles,
        start: s.start.to_rfc3339(),
        interval_s: s.interval_s.get(),
        config: &prepared.config,
        phases: &s.phases,
        universe: prepared.universe.as_ref(),
        applied: &prepared.applied,
        events,
        expectations: ManifestExpectations { passed, failed: outcomes.len() - passed, results: outcomes },
    };
    let mut out = serde_json::to_vec_pretty(&manifest).expect("the manifest serializes to JSON");
    out.push(b'\n');
    out
}

/// `metrics.prom`: the run's Prometheus metrics.
pub fn metrics_prom(run: &Run) -> Vec<u8> {
    metrics::render_run(&run.result.cycles, &run.result.events, run.prepared.config.parity.is_g6()).into_bytes()
}

/// The files a run writes into its directory, in writing order (the manifest last: it marks a whole run).
pub(crate) const RUN_FILES: [&str; 4] = ["events.jsonl", "cycles.jsonl", "metrics.prom", "manifest.json"];
/// The file a replay writes besides `RUN_FILES` (after them): its comparison with the history.
pub const COMPARISON_FILE: &str = "comparison.json";
/// The folder of a run's charts.
pub(crate) const PLOTS_DIR: &str = "plots";
/// The report page a command writes into the directory it reports on (`g6sim report`, `run --report`).
pub const REPORT_FILE: &str = "report.html";

/// Writes a finished in-memory run's `events.jsonl`, `cycles.jsonl`, `metrics.prom` and `manifest.json` into
/// `dir` (created if needed) through a [`RunWriter`], cycle by cycle as a streamed run writes them.
pub fn write_run(run: &Run, dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut writer = RunWriter::create(dir, &run.prepared.config)?;
    for (c, events) in crate::events::by_cycle(&run.result.cycles, &run.result.events) {
        writer.cycle(c, events);
    }
    writer.finish(&run.prepared, run.result.events.len(), &run.outcomes)
}

/// The name, before the process id, of the empty file [`claim_dir`] writes and removes to check that a
/// directory is writable (a run killed in between leaves it: it is one of g6sim's temporaries).
const PROBE: &str = ".g6sim-probe.tmp-";

/// Whether a directory entry's name is one g6sim writes into a run directory: the run files, the charts'
/// folder, the hidden temporary of an interrupted atomic write of a run file, a writability probe, or the
/// lock file.
fn is_run_entry(name: &str) -> bool {
    is_own_entry(name, is_run_output)
}

/// Whether a name is one of a run directory's outputs.
fn is_run_output(name: &str) -> bool {
    RUN_FILES.contains(&name) || name == COMPARISON_FILE || name == PLOTS_DIR || name == REPORT_FILE
}

/// Whether a directory entry's name is `own` (a file or folder g6sim writes there), the hidden temporary of
/// an interrupted atomic write of an `own` file, a writability probe, or the lock file ([`LOCK_FILE`]).
pub(crate) fn is_own_entry(name: &str, own: impl Fn(&str) -> bool) -> bool {
    own(name) || name == LOCK_FILE || is_temporary(name, own)
}

/// Whether a directory entry's name is a temporary that g6sim writes and renames or removes (what a killed
/// command leaves): the hidden `.NAME.tmp-PID` of an atomic write of an `own` file, or a writability probe.
fn is_temporary(name: &str, own: impl Fn(&str) -> bool) -> bool {
    name.starts_with(PROBE) || name.strip_prefix('.').and_then(|n| n.split_once(".tmp-")).is_some_and(|(f, _)| own(f))
}

/// Whether `dir` holds a g6sim run: its `manifest.json` names a g6sim version, or every entry is one g6sim
/// writes (a run killed before its manifest).
pub(crate) fn is_run_dir(dir: &Path) -> bool {
    let manifest = std::fs::read(dir.join("manifest.json")).ok();
    let by_manifest = manifest
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("g6sim_version").is_some());
    by_manifest
        || std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.filter_map(Result::ok).all(|e| e.file_name().to_str().is_some_and(is_run_entry))
        })
}

/// Why a run cannot write into its output directory.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}\n  hint: {hint}", dir.display())]
pub struct DirError {
    pub dir: PathBuf,
    pub message: String,
    pub hint: String,
}

/// Checks, before anything is simulated, that `dir` can take a run's outputs and locks it (`lock`):
/// creates it when missing, and refuses a path that is a file, a directory it cannot write, a directory
/// another g6sim command is writing, and a non-empty directory that holds no g6sim run (unless `force`: then
/// g6sim's own files are replaced and nothing else is touched). The directory stays locked until the
/// returned lock is dropped.
pub fn claim_dir(dir: &Path, force: bool) -> Result<DirLock, DirError> {
    claim_dir_for(dir, force, is_run_dir, "no g6sim run (no g6sim manifest.json)")
}

/// [`claim_dir`] for outputs that `owns` recognises (a directory they were written to before), `what` naming
/// what a refused directory lacks.
pub(crate) fn claim_dir_for(
    dir: &Path,
    force: bool,
    owns: impl Fn(&Path) -> bool,
    what: &str,
) -> Result<DirLock, DirError> {
    make_dir(dir, "--out")?;
    let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
    if !empty && !force && !owns(dir) {
        return Err(DirError {
            dir: dir.to_path_buf(),
            message: format!("is not empty and holds {what}: g6sim would mix its files with others"),
            hint: "choose an empty or new --out, or pass --force to write g6sim's files into it anyway".into(),
        });
    }
    let lock = lock_dir(dir)?;
    probe(dir)?;
    Ok(lock)
}

/// Checks, before anything is drawn, that `dir` can take charts (the `--plots DIR` of `check`) and locks it:
/// creates it when missing, and refuses a path that is a file, a directory it cannot write and a directory
/// another g6sim command is writing. Other files in it stay: charts go to its subdirectories.
pub(crate) fn claim_plots_dir(dir: &Path) -> Result<DirLock, DirError> {
    claim_shared_dir(dir, "--plots")
}

/// Checks, before anything runs, that `dir` (the value of `flag`) can take files written beside others', and
/// locks it: creates it when missing, and refuses a path that is a file, a directory it cannot write and a
/// directory another g6sim command is writing. Other files in it stay.
pub fn claim_shared_dir(dir: &Path, flag: &str) -> Result<DirLock, DirError> {
    make_dir(dir, flag)?;
    let lock = lock_dir(dir)?;
    probe(dir)?;
    Ok(lock)
}

/// Checks, before anything runs, that `check --plots DIR` can draw every scenario of `files` into
/// `DIR/<scenario name>/` ([`dir_name`]) and locks `DIR` ([`claim_plots_dir`]). Two files whose scenario
/// names give one directory (the same name, or names that differ only in characters a directory name
/// replaces) are refused, naming both: one's charts would overwrite the other's. A file given twice is one
/// scenario. `name_of` gives a file's scenario name; a file without one (it does not load) is left to the
/// run that reports it.
pub(crate) fn claim_check_plots(
    dir: &Path,
    files: &[PathBuf],
    name_of: impl Fn(&Path) -> Option<String>,
) -> Result<DirLock, DirError> {
    let mut seen: std::collections::BTreeMap<String, (PathBuf, String)> = std::collections::BTreeMap::new();
    for file in files {
        let Some(name) = name_of(file) else { continue };
        let sub = dir_name(&name);
        match seen.get(&sub) {
            Some((other, _)) if same_file(other, file) => {}
            Some((other, other_name)) => {
                return Err(DirError {
                    dir: dir.to_path_buf(),
                    message: format!(
                        "{} (scenario {other_name:?}) and {} (scenario {name:?}) would both draw their charts into {}",
                        other.display(),
                        file.display(),
                        dir.join(&sub).display()
                    ),
                    hint: "give the scenarios different names, or check them with separate --plots directories".into(),
                });
            }
            None => {
                seen.insert(sub, (file.clone(), name));
            }
        }
    }
    claim_plots_dir(dir)
}

/// Whether two paths name one file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Checks, before anything runs, that the report file `file` (the value of `flag`, written whole when the
/// command ends) can be written: creates its folder when missing, and refuses a directory, anything but a
/// regular file (a device such as `/dev/null`, a link, a pipe: the whole-file write would replace it), a
/// folder it cannot write, and a file that is there but does not start with `own` (the start of the report's
/// own format): that is someone's file, perhaps a scenario named by a slip of the command line.
pub fn claim_file(file: &Path, flag: &str, own: &str) -> Result<(), DirError> {
    let refuse = |message: String, hint: String| Err(DirError { dir: file.to_path_buf(), message, hint });
    if file.is_dir() || file.as_os_str().to_string_lossy().ends_with(std::path::MAIN_SEPARATOR) {
        let example = file.join("g6sim-report").display().to_string();
        return refuse(
            "is a directory, not a file".into(),
            format!("name the file to write, for example {flag} {example}"),
        );
    }
    if let Ok(meta) = std::fs::symlink_metadata(file) {
        if !meta.file_type().is_file() {
            return refuse(
                "is not a regular file (a link, a device or a pipe), which writing the report would replace".into(),
                format!("name a regular file for {flag} (a link's target itself)"),
            );
        }
        let mut start = vec![0u8; own.len()];
        let read = std::fs::File::open(file).and_then(|mut f| std::io::Read::read(&mut f, &mut start));
        if meta.len() > 0 && !read.is_ok_and(|n| start[..n].eq_ignore_ascii_case(own.as_bytes())) {
            return refuse(
                format!("is there and is not a report g6sim writes (it does not start with {own})"),
                format!("choose another {flag}, or remove the file if it is not needed"),
            );
        }
    }
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    make_dir(folder, flag)?;
    probe(folder)
}

/// Creates `dir` when missing; refuses a file. `flag` names the option that gave it, for the hints.
fn make_dir(dir: &Path, flag: &str) -> Result<(), DirError> {
    let fail = |message: String, hint: String| DirError { dir: dir.to_path_buf(), message, hint };
    if dir.exists() && !dir.is_dir() {
        return Err(fail("is a file, not a directory".into(), format!("choose another {flag}, or remove the file")));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| fail(format!("cannot create the directory: {e}"), format!("choose another {flag}")))
}

/// Checks that `dir` can be written, with an empty file written and removed.
fn probe(dir: &Path) -> Result<(), DirError> {
    let probe = dir.join(format!("{PROBE}{}", std::process::id()));
    std::fs::write(&probe, b"").and_then(|()| std::fs::remove_file(&probe)).map_err(|e| DirError {
        dir: dir.to_path_buf(),
        message: format!("cannot write into the output directory: {e}"),
        hint: "check its permissions".into(),
    })
}

/// A scenario name as a directory name: anything but letters, digits, `-`, `_` and `.` becomes `_` (a name
/// of dots only, or empty, becomes `scenario`).
pub fn dir_name(name: &str) -> String {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    if safe.trim_matches('.').is_empty() { "scenario".to_string() } else { safe }
}

/// The run directory of one seed of a seed sweep: `DIR/seed-N`.
pub fn seed_dir(dir: &Path, seed: u64) -> PathBuf {
    dir.join(format!("seed-{seed}"))
}

/// A seed sweep's directory, claimed ([`claim_seed_dirs`]): locked until dropped, and the run directories of
/// an earlier sweep's other seeds, which [`SeedDirs::remove_earlier`] removes once this sweep's are written.
#[derive(Debug)]
pub struct SeedDirs {
    _lock: DirLock,
    earlier: Vec<PathBuf>,
}

impl SeedDirs {
    /// Removes the `seed-N` run directories of an earlier sweep's other seeds (g6sim's files only: a
    /// directory holding anything else stays), so the directory shows this sweep alone. Called once every
    /// seed of this sweep is written: until then the earlier sweep is whole.
    pub fn remove_earlier(self) -> Result<(), DirError> {
        for old in &self.earlier {
            let fail = |e: String| DirError {
                dir: old.clone(),
                message: format!("cannot remove this earlier seed's run: {e}"),
                hint: "check its permissions, or remove it by hand".into(),
            };
            let lock = lock_dir(old)?;
            remove_stale(old).map_err(|e| fail(e.to_string()))?;
            for name in RUN_FILES {
                match std::fs::remove_file(old.join(name)) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(fail(e.to_string())),
                    _ => {}
                }
            }
            drop(lock);
            let _ = std::fs::remove_dir(old);
        }
        Ok(())
    }
}

/// Checks, before anything is simulated, that `dir` can take a seed sweep's runs (`run --seeds`) and locks it:
/// `dir` may be missing, empty, or hold `seed-N` directories only (an earlier sweep); each `seed-N` of
/// `seeds` is then claimed as a run directory ([`claim_dir`]: one another command is writing is refused).
/// The `seed-N` run directories of an earlier sweep's other seeds are listed for
/// [`SeedDirs::remove_earlier`]. With `force`, other entries of `dir` are left alone instead of refused.
pub fn claim_seed_dirs(dir: &Path, seeds: &[u64], force: bool) -> Result<SeedDirs, DirError> {
    let fail = |message: String, hint: &str| DirError { dir: dir.to_path_buf(), message, hint: hint.to_string() };
    make_dir(dir, "--out")?;
    let mut earlier = Vec::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| fail(format!("cannot read the directory: {e}"), "check its permissions"))?;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let seed = name.to_str().and_then(|n| n.strip_prefix("seed-")).and_then(|n| n.parse::<u64>().ok());
        match seed {
            Some(seed) if entry.path().is_dir() => {
                if !seeds.contains(&seed) && is_run_dir(&entry.path()) {
                    earlier.push(entry.path());
                }
            }
            _ if force || name == LOCK_FILE => {}
            _ => {
                return Err(fail(
                    format!(
                        "holds {} besides seed-N run directories: g6sim would mix its files with others",
                        name.to_string_lossy()
                    ),
                    "choose an empty or new --out, or pass --force to write the seed-N directories into it anyway",
                ));
            }
        }
    }
    earlier.sort();
    let lock = lock_dir(dir)?;
    for &seed in seeds {
        // Each seed's directory is locked again while its run writes it.
        drop(claim_dir(&seed_dir(dir, seed), force)?);
    }
    Ok(SeedDirs { _lock: lock, earlier })
}

/// Removes what an earlier run wrote into `dir` that this run may not replace: the charts in `plots/` (and
/// the folder, when that leaves it empty), an earlier replay's `comparison.json` (a replay writes its own
/// after the run files), and temporaries an interrupted write left ([`remove_temporaries`]). Other files
/// stay, the lock file too.
pub(crate) fn remove_stale(dir: &Path) -> io::Result<()> {
    for file in [COMPARISON_FILE, REPORT_FILE] {
        remove_if_there(&dir.join(file))?;
    }
    remove_temporaries(dir)?;
    let plots = dir.join(PLOTS_DIR);
    if plots.is_dir() {
        for entry in std::fs::read_dir(&plots)?.filter_map(Result::ok) {
            let name = entry.file_name();
            if name.to_str().is_some_and(is_chart) {
                std::fs::remove_file(entry.path())?;
            }
        }
        let _ = std::fs::remove_dir(&plots);
    }
    Ok(())
}

/// Removes `file` when it is there.
pub(crate) fn remove_if_there(file: &Path) -> io::Result<()> {
    match std::fs::remove_file(file) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Whether a file name is one of a run's charts (`plots/depth.svg`, ...).
fn is_chart(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| CHARTS.contains(&stem) && (ext == "png" || ext == "svg"))
}

/// Removes the temporaries that interrupted writes left in a run directory `dir` and its `plots/` (what a
/// killed command leaves: a command holding the directory's lock is the only one writing there). A run
/// removes them as it starts, unlike the earlier run's files, which stay until it has written its own.
pub(crate) fn remove_temporaries(dir: &Path) -> io::Result<()> {
    for (dir, own) in [(dir.to_path_buf(), is_run_output as fn(&str) -> bool), (dir.join(PLOTS_DIR), is_chart)] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.filter_map(Result::ok) {
            if entry.file_name().to_str().is_some_and(|n| is_temporary(n, own)) {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("g6sim-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A failed write (the target is a directory) keeps what was there and cleans up.
        std::fs::create_dir_all(dir.join("d")).unwrap();
        assert!(write_atomic(&dir.join("d"), b"x").is_err());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A run killed between writing and removing its writability probe leaves a directory the next run still
    /// owns, and that run removes the probe.
    #[test]
    fn a_left_probe_is_one_of_g6sims_temporaries() {
        let dir = std::env::temp_dir().join(format!("g6sim-probe-left-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let probe = dir.join(format!("{PROBE}12345"));
        std::fs::write(&probe, b"").unwrap();
        assert!(is_run_dir(&dir));
        claim_dir(&dir, false).unwrap();
        remove_stale(&dir).unwrap();
        assert!(!probe.exists());
        std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
        assert!(!is_run_dir(&dir), "a file g6sim does not write makes it someone else's directory");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A run starting in a directory removes the temporaries a killed run left (its charts' too) and keeps
    /// the earlier run's files, charts included, until it finishes.
    #[test]
    fn a_run_removes_temporaries_as_it_starts_and_stale_files_as_it_ends() {
        let dir = std::env::temp_dir().join(format!("g6sim-temporaries-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(PLOTS_DIR)).unwrap();
        let (temporary, chart_temporary) = (dir.join(".events.jsonl.tmp-1"), dir.join("plots/.depth.svg.tmp-1"));
        let (chart, comparison) = (dir.join("plots/depth.svg"), dir.join(COMPARISON_FILE));
        for file in [&temporary, &chart_temporary, &chart, &comparison] {
            std::fs::write(file, b"old").unwrap();
        }
        remove_temporaries(&dir).unwrap();
        assert!(!temporary.exists() && !chart_temporary.exists());
        assert!(chart.exists() && comparison.exists(), "the earlier run's files stay");
        remove_stale(&dir).unwrap();
        assert!(!chart.exists() && !comparison.exists() && !dir.join(PLOTS_DIR).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// What a killed run leaves is what a reader sees at the moment of the kill: with the rename, only ever
    /// a whole version (a writer that truncates and streams into the target fails this at once).
    #[test]
    fn a_reader_only_ever_sees_whole_versions() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = std::env::temp_dir().join(format!("g6sim-atomic-reader-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.jsonl");
        let version = |c: u8, n: usize| -> Vec<u8> { [c, b'\n'].repeat(n) };
        let versions = [version(b'a', 300_000), version(b'b', 200_000)];
        write_atomic(&path, &versions[0]).unwrap();
        let done = AtomicBool::new(false);
        let reads = std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut reads = 0;
                while !done.load(Ordering::Relaxed) {
                    let bytes = std::fs::read(&path).unwrap();
                    assert!(versions.contains(&bytes), "a reader saw {} bytes: a partial file", bytes.len());
                    reads += 1;
                }
                reads
            });
            for k in 0..12 {
                write_atomic(&path, &versions[k % 2]).unwrap();
            }
            done.store(true, Ordering::Relaxed);
            reader.join().unwrap()
        });
        assert!(reads > 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
