//! Helpers shared by the integration tests.

use g6sim::scenario::{LoadedScenario, parse};
use g6sim::{Run, RunOptions, run_scenario};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root (tests run with the package directory as working directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parses scenario text, panicking with the error's text.
pub fn scenario(text: &str) -> LoadedScenario {
    let scenario = parse("inline.ron", text).unwrap_or_else(|e| panic!("{e}"));
    LoadedScenario::inline(scenario, "inline.ron")
}

/// Runs inline scenario text with options.
pub fn run_text(text: &str, options: &RunOptions) -> Run {
    run_scenario(&scenario(text), options).unwrap_or_else(|e| panic!("{e}"))
}

/// A fresh temporary directory under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The path of the built `g6sim` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_g6sim"))
}

/// The environment variable naming the Python interpreter to use instead of the searched ones.
pub const PYTHON_VAR: &str = "G6SIM_PYTHON";

/// A `Command` for the Python interpreter the tests use (Python with `prometheus_client`; the benchmark tests
/// need only the standard library). `G6SIM_PYTHON` when set (and then only it), else the virtual environment
/// `.ci/run` creates under the target directory, else `python3` on the PATH. Fails the test with what to install
/// when none of them runs.
pub fn python() -> Command {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match FOUND.get_or_init(|| find_python(&python_candidates())) {
        Ok(path) => Command::new(path),
        Err(message) => panic!("{message}"),
    }
}

/// The interpreters `python()` tries, in order.
fn python_candidates() -> Vec<PathBuf> {
    if let Some(explicit) = std::env::var_os(PYTHON_VAR).filter(|v| !v.is_empty()) {
        return vec![PathBuf::from(explicit)];
    }
    vec![venv_python(), PathBuf::from("python3")]
}

/// The interpreter of the virtual environment `.ci/run` creates: `<target>/pyenv` (`CARGO_TARGET_TMPDIR` is
/// `<target>/tmp`, so this follows `CARGO_TARGET_DIR`).
pub fn venv_python() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("CARGO_TARGET_TMPDIR has a parent");
    if cfg!(windows) { target.join("pyenv/Scripts/python.exe") } else { target.join("pyenv/bin/python") }
}

/// The first candidate that starts and runs Python 3, or a message saying what was tried and how to fix it.
pub fn find_python(candidates: &[PathBuf]) -> Result<PathBuf, String> {
    let mut tried = vec![];
    for candidate in candidates {
        match Command::new(candidate).args(["-c", "import sys; assert sys.version_info[0] == 3"]).output() {
            Ok(out) if out.status.success() => return Ok(candidate.clone()),
            Ok(out) => tried.push(format!("  {}: exited with {}", candidate.display(), out.status)),
            Err(e) => tried.push(format!("  {}: {e}", candidate.display())),
        }
    }
    Err(format!(
        "this test needs Python 3 with prometheus_client, and no interpreter runs:\n{}\n\
         fix: run `bash .ci/run` (it creates a virtual environment with prometheus_client==0.26.0, whose interpreter is {}; \
         it needs python3 with its venv module: on Debian/Ubuntu `apt-get install python3-venv`), \
         or set {PYTHON_VAR} to a Python 3 that has prometheus_client",
        tried.join("\n"),
        venv_python().display()
    ))
}

#[test]
fn a_missing_python_fails_with_what_to_install() {
    let missing = [PathBuf::from("/nonexistent/python3"), PathBuf::from("g6sim-no-such-python")];
    let message = find_python(&missing).unwrap_err();
    for needle in ["/nonexistent/python3", "g6sim-no-such-python", "bash .ci/run", "python3-venv", PYTHON_VAR] {
        assert!(message.contains(needle), "{needle} missing from:\n{message}");
    }
}

#[test]
fn the_first_python_that_runs_wins() {
    let python = find_python(&python_candidates()).unwrap_or_else(|m| panic!("{m}"));
    let candidates = [PathBuf::from("/nonexistent/python3"), python.clone()];
    assert_eq!(find_python(&candidates), Ok(python));
}

/// A reproducible proptest configuration: `cases` cases from a fixed seed (unless `PROPTEST_RNG_SEED`
/// names another), ChaCha, and no failure files written into the tree.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngAlgorithm, RngSeed};
    let default = Config::default();
    Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: match default.rng_seed {
            RngSeed::Random => RngSeed::Fixed(0x0006_5117),
            chosen => chosen,
        },
        ..default
    }
}

/// Every file below `dir` (recursively), by its path relative to `dir` (`heatmaps/a.svg`), with its bytes.
/// Hidden files count too: a finished command removes its lock file (`g6sim::output::LOCK_FILE`), so a
/// directory it wrote holds only its outputs.
pub fn tree_bytes(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            out.extend(tree_bytes(&e.path()).into_iter().map(|(k, v)| (format!("{name}/{k}"), v)));
        } else {
            out.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

/// The files of a whole sweep of the two keys `contract_ok_cycles` and `contract_cooldown` (one heat map).
pub const TWO_KEY_SWEEP_FILES: [&str; 7] = [
    "heatmaps/contract_ok_cycles__contract_cooldown.png",
    "heatmaps/contract_ok_cycles__contract_cooldown.svg",
    "pareto.txt",
    "results.csv",
    "results.json",
    "runs.jsonl",
    "sweep.json",
];

/// The shipped scenarios (`scenarios/*.ron`), in name order.
pub fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}
