//! A careless user must not hurt themselves: each test is a mistake found by trying (an absurd count, two
//! commands writing one directory, an interrupted rerun, Ctrl-C while holding, two scenarios drawing into
//! one directory, a file given for a directory), and what g6sim does about it.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const FLAPPING: &str = "scenarios/coverage_flapping.ron";

/// A `g6sim` command in the repository, without the environment's `G6_*` and batch-engine variables.
fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(root());
    for (k, _) in
        std::env::vars().filter(|(k, _)| k.starts_with("G6_") || k.starts_with("SLURM_") || k == "JOB_COMPLETION_INDEX")
    {
        cmd.env_remove(k);
    }
    cmd
}

fn g6sim(args: &[&str]) -> Output {
    command(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Asserts a command exited with `code`, showing its output otherwise.
fn exits(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "stdout:\n{}\nstderr:\n{}", text(&out.stdout), text(&out.stderr));
}

/// Asserts two trees hold the same files with the same bytes, naming the first difference (not dumping bytes).
fn same_files(now: &BTreeMap<String, Vec<u8>>, then: &BTreeMap<String, Vec<u8>>, context: &str) {
    let (names_now, names_then): (Vec<&String>, Vec<&String>) = (now.keys().collect(), then.keys().collect());
    assert_eq!(names_now, names_then, "{context}: the files differ");
    if let Some(name) = now.keys().find(|k| now[*k] != then[*k]) {
        panic!("{context}: {name} differs ({} bytes now, {} before)", now[name].len(), then[name].len());
    }
}

/// `--jobs` takes 1 to 1024 (refused at argument parsing otherwise, exit 2); a sweep never starts more
/// worker threads than it has runs, nor more than a few per core, and says so when it starts fewer than
/// asked for.
#[test]
fn absurd_job_counts_are_refused_and_thread_counts_capped() {
    let dir = temp_dir("safety-jobs");
    let args = ["sweep", FLAPPING, "--no-env", "--param", "contract_step=1,2,3", "--seeds", "2"];
    for jobs in ["0", "1025", "100000", "many"] {
        let out = g6sim(&[&args[..], &["--jobs", jobs, "--out", path(&dir.join("refused"))]].concat());
        exits(&out, 2);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("--jobs") && stderr.contains(jobs), "{stderr}");
        assert!(!dir.join("refused").exists(), "refused before anything ran");
    }
    let out = g6sim(&["sweep", "--help"]);
    exits(&out, 0);
    assert!(text(&out.stdout).contains("Worker threads, 1 to 1024"), "{}", text(&out.stdout));
    let reference = dir.join("one");
    exits(&g6sim(&[&args[..], &["--jobs", "1", "--out", path(&reference)]].concat()), 0);
    let wide = dir.join("wide");
    let out = g6sim(&[&args[..], &["--jobs", "1024", "--out", path(&wide)]].concat());
    exits(&out, 0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = (cores * g6sim::sweep::plan::THREADS_PER_CORE).min(6);
    let note = format!("note: --jobs 1024: {threads} worker threads");
    assert!(text(&out.stderr).contains(&note), "{note} in:\n{}", text(&out.stderr));
    same_files(&tree_bytes(&wide), &tree_bytes(&reference), "the same bytes whatever the thread count");
}

/// A grid of more settings than a sweep can prepare (each is resolved and kept before anything runs) is
/// refused at once, as a grid of too many runs is.
#[test]
fn a_grid_of_too_many_settings_is_refused_at_once() {
    let dir = temp_dir("safety-grid");
    let out = g6sim(&[
        "sweep",
        FLAPPING,
        "--no-env",
        "--param",
        "contract_ok_cycles=1..1001",
        "--param",
        "contract_cooldown=0..999",
        "--seeds",
        "1",
        "--out",
        path(&dir.join("sweep")),
    ]);
    exits(&out, 2);
    assert!(text(&out.stderr).contains("1001000 settings, at most 1000000"), "{}", text(&out.stderr));
    assert!(!dir.join("sweep").exists());
}
