//! Helpers shared by the integration tests.

use g6sim::scenario::{LoadedScenario, parse};
use g6sim::{Run, RunOptions, run_scenario};
use std::path::PathBuf;

/// The repository root (tests run with the package directory as working directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parses scenario text, panicking with the error's text.
pub fn scenario(text: &str) -> LoadedScenario {
    let scenario = parse("inline.ron", text).unwrap_or_else(|e| panic!("{e}"));
    LoadedScenario { scenario, file: "inline.ron".into(), content_sha256: String::new() }
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
