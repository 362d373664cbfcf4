//! A careless user must not hurt themselves: each test is a mistake found by trying (an absurd count, two
//! commands writing one directory, an interrupted rerun, Ctrl-C while holding, two scenarios drawing into
//! one directory, a file given for a directory), and what g6sim does about it.

use crate::common::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const HEALTHY: &str = "scenarios/healthy_baseline.ron";
const FLAPPING: &str = "scenarios/coverage_flapping.ron";
const HISTORY: &str = "scenarios/history/nifty_strike_dip.jsonl";
/// Longer than any test waits: a run of this many cycles is killed long before it ends.
const FOREVER: &str = "1000000";

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

/// Waits (at most [`PATIENCE`]) until `ready` holds.
fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < PATIENCE, "{what} did not happen within {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `dir` holds the temporary of a run file being written (a run has started writing).
fn writing(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().starts_with(".events.jsonl.tmp-"))
    })
}

/// The files of `dir` as [`tree_bytes`] sees them, less the temporaries a killed run leaves (hidden
/// `.NAME.tmp-PID` files, which the next run into the directory removes) and the lock file.
fn whole_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = tree_bytes(dir);
    files.retain(|name, _| {
        let base = name.rsplit('/').next().unwrap_or(name);
        !(base.starts_with('.') && base.contains(".tmp-")) && base != g6sim::output::LOCK_FILE
    });
    files
}

/// Asserts two trees hold the same files with the same bytes, naming the first difference (not dumping bytes).
fn same_files(now: &BTreeMap<String, Vec<u8>>, then: &BTreeMap<String, Vec<u8>>, context: &str) {
    let (names_now, names_then): (Vec<&String>, Vec<&String>) = (now.keys().collect(), then.keys().collect());
    assert_eq!(names_now, names_then, "{context}: the files differ");
    if let Some(name) = now.keys().find(|k| now[*k] != then[*k]) {
        panic!("{context}: {name} differs ({} bytes now, {} before)", now[name].len(), then[name].len());
    }
}

/// Holds `dir`'s lock as a g6sim command does (the same file, locked from this process).
fn hold_lock(dir: &Path) -> File {
    std::fs::create_dir_all(dir).unwrap();
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(g6sim::output::LOCK_FILE))
        .unwrap();
    file.try_lock().unwrap();
    file
}

/// Asserts a command was refused at once because `dir` is locked: exit 2, the directory and the reason
/// named, nothing run.
fn refused_as_locked(out: &Output, dir: &Path) {
    exits(out, 2);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(path(dir)), "the directory is named: {stderr}");
    assert!(stderr.contains("another g6sim command is writing"), "{stderr}");
    let stdout = text(&out.stdout);
    for ran in ["expectations", "PASS", "seed ", "scoring", "merged", "comparison"] {
        assert!(!stdout.contains(ran), "refused before anything runs, yet printed {ran:?}:\n{stdout}");
    }
}

/// Every command that writes a directory refuses one that another command holds, before it runs anything,
/// and leaves what is there as it was; once the lock is released the same command writes there, and leaves
/// no lock file behind.
#[test]
fn every_command_refuses_a_directory_another_command_is_writing() {
    let dir = temp_dir("safety-locked");
    let run = dir.join("run");
    exits(&g6sim(&["run", HEALTHY, "-q", "--plots", "--out", path(&run)]), 0);
    let before = tree_bytes(&run);
    assert!(!before.contains_key(g6sim::output::LOCK_FILE), "a finished command removes its lock file");
    {
        let _held = hold_lock(&run);
        refused_as_locked(&g6sim(&["run", HEALTHY, "-q", "--out", path(&run)]), &run);
        refused_as_locked(&g6sim(&["run", HEALTHY, "-q", "--force", "--out", path(&run)]), &run);
        refused_as_locked(&g6sim(&["replay", HISTORY, "-q", "--no-env", "--out", path(&run)]), &run);
        refused_as_locked(&g6sim(&["plot", path(&run)]), &run);
        same_files(&whole_files(&run), &before, "the locked directory is as it was");
    }
    exits(&g6sim(&["run", HEALTHY, "-q", "--plots", "--out", path(&run)]), 0);
    same_files(&tree_bytes(&run), &before, "unlocked, the same run writes the same bytes and no lock file");

    // A seed sweep locks its directory and each seed's.
    let seeds = dir.join("seeds");
    {
        let _held = hold_lock(&seeds);
        refused_as_locked(&g6sim(&["run", HEALTHY, "-q", "--seeds", "2", "--out", path(&seeds)]), &seeds);
    }
    let seed_2 = seeds.join("seed-2");
    {
        let _held = hold_lock(&seed_2);
        refused_as_locked(&g6sim(&["run", HEALTHY, "-q", "--seeds", "2", "--out", path(&seeds)]), &seed_2);
        assert!(!seeds.join("seed-1").join("manifest.json").exists(), "no seed ran");
    }
    exits(&g6sim(&["run", HEALTHY, "-q", "--seeds", "2", "--out", path(&seeds)]), 0);
    let seeds_tree = tree_bytes(&seeds);
    assert!(seeds_tree.keys().all(|k| !k.ends_with(g6sim::output::LOCK_FILE)), "{:?}", seeds_tree.keys());

    // Sweeps, shards and merges.
    let sweep_args = ["sweep", FLAPPING, "--no-env", "--param", "contract_step=1,2", "--seeds", "1"];
    let (sweep, shard, merged) = (dir.join("sweep"), dir.join("shard"), dir.join("merged"));
    {
        let _held = hold_lock(&sweep);
        refused_as_locked(&g6sim(&[&sweep_args[..], &["--out", path(&sweep)]].concat()), &sweep);
        refused_as_locked(&g6sim(&[&sweep_args[..], &["--shard", "0/2", "--out", path(&sweep)]].concat()), &sweep);
    }
    for i in ["0/2", "1/2"] {
        exits(&g6sim(&[&sweep_args[..], &["--shard", i, "--out", path(&shard)]].concat()), 0);
    }
    {
        let _held = hold_lock(&merged);
        refused_as_locked(&g6sim(&["sweep", "merge", path(&shard), "--out", path(&merged)]), &merged);
    }
    exits(&g6sim(&["sweep", "merge", path(&shard), "--out", path(&merged)]), 0);
    assert!(!merged.join(g6sim::output::LOCK_FILE).exists());

    // check --plots DIR.
    let plots = dir.join("plots");
    {
        let _held = hold_lock(&plots);
        refused_as_locked(&g6sim(&["check", HEALTHY, "--plots", path(&plots)]), &plots);
    }
    exits(&g6sim(&["check", HEALTHY, "--plots", path(&plots)]), 0);
    assert!(!plots.join(g6sim::output::LOCK_FILE).exists());
    assert!(plots.join("healthy_baseline/depth.svg").exists());
}

/// Two runs into one directory at once: the second is refused at once (exit 2, saying why) while the first
/// goes on, and what the directory held before (a finished run) stays whole until the first commits.
#[test]
fn a_second_run_into_a_directory_being_written_is_refused() {
    let dir = temp_dir("safety-two-runs");
    let out = dir.join("out");
    exits(&g6sim(&["run", HEALTHY, "-q", "--plots", "--out", path(&out)]), 0);
    let before = tree_bytes(&out);
    let mut first = Spawned::start(&["run", HEALTHY, "-q", "--cycles", FOREVER, "--out", path(&out)]);
    wait_until("the first run writing", || writing(&out));
    let second = g6sim(&["run", HEALTHY, "-q", "--plots", "--out", path(&out)]);
    refused_as_locked(&second, &out);
    assert_eq!(first.0.try_wait().unwrap(), None, "the first run goes on");
    drop(first);
    same_files(&whole_files(&out), &before, "the earlier run's files, charts included, are whole");
    // Killed, the first left its temporaries and lock file; the next run owns the directory and removes both.
    exits(&g6sim(&["run", HEALTHY, "-q", "--plots", "--out", path(&out)]), 0);
    same_files(&tree_bytes(&out), &before, "the next run");
}

/// A rerun into a finished run's directory, killed while it runs, leaves the previous run whole: its run
/// files and charts, consistent with its manifest. The same for a seed sweep rerun with fewer seeds: the
/// earlier seeds' directories stay until the rerun has written all of its own.
#[test]
fn an_interrupted_rerun_leaves_the_previous_run_whole() {
    let dir = temp_dir("safety-rerun");
    let out = dir.join("out");
    exits(&g6sim(&["run", HEALTHY, "-q", "--plots", "--out", path(&out)]), 0);
    let before = tree_bytes(&out);
    assert_eq!(before.keys().filter(|k| k.starts_with("plots/")).count(), 8, "{:?}", before.keys());
    let rerun =
        Spawned::start(&["run", HEALTHY, "-q", "--cycles", FOREVER, "--set", "expansion_step=4", "--out", path(&out)]);
    wait_until("the rerun writing", || writing(&out));
    drop(rerun);
    same_files(&whole_files(&out), &before, "the killed rerun left the previous run as it was");

    let seeds = dir.join("seeds");
    exits(&g6sim(&["run", HEALTHY, "-q", "--seeds", "3", "--out", path(&seeds)]), 0);
    let before = tree_bytes(&seeds);
    let rerun = Spawned::start(&["run", HEALTHY, "-q", "--seeds", "1", "--cycles", FOREVER, "--out", path(&seeds)]);
    let seed_1 = seeds.join("seed-1");
    wait_until("the seed rerun writing", || writing(&seed_1));
    drop(rerun);
    same_files(&whole_files(&seeds), &before, "the earlier seeds' directories are all there");
    // A whole rerun with fewer seeds removes the others once its own are written.
    exits(&g6sim(&["run", HEALTHY, "-q", "--seeds", "1", "--out", path(&seeds)]), 0);
    let after: Vec<String> = tree_bytes(&seeds).into_keys().collect();
    assert!(after.iter().all(|k| k.starts_with("seed-1/")), "{after:?}");
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
    let threads = (cores * g6sim::sweep::THREADS_PER_CORE).min(6);
    let note = format!("note: --jobs 1024: {threads} worker threads");
    assert!(text(&out.stderr).contains(&note), "{note} in:\n{}", text(&out.stderr));
    same_files(&tree_bytes(&wide), &tree_bytes(&reference), "the same bytes whatever the thread count");
}

/// Reads a child's standard output on a thread, line by line, into a channel.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// `run --serve-metrics ADDR --hold`, interrupted while holding (SIGINT, as Ctrl-C sends), prints the run's
/// verdict and exits with it: 0 when the expectations hold, 1 when one fails.
#[test]
fn an_interrupted_hold_prints_the_verdict_and_exits_with_it() {
    let dir = temp_dir("safety-hold");
    for (name, extra, code, verdict) in [
        ("pass", &[][..], 0, "  expectations: 6/6 passed"),
        ("fail", &["--cycles", "3"][..], 1, "  expectations: 5/6 passed"),
    ] {
        let out = dir.join(name);
        let args =
            [&["run", HEALTHY, "-q", "--out", path(&out), "--serve-metrics", "127.0.0.1:0", "--hold"][..], extra];
        let mut child = Spawned::start(&args.concat());
        let lines = lines_of(&mut child.0);
        let mut seen = Vec::new();
        while !seen.last().is_some_and(|l: &String| l.starts_with("holding: ")) {
            match lines.recv_timeout(PATIENCE) {
                Ok(line) => seen.push(line),
                Err(e) => panic!("no `holding:` line ({e}) after:\n{}", seen.join("\n")),
            }
        }
        assert!(seen.contains(&verdict.to_string()), "{name}: {seen:?}");
        let pid = child.0.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        let exit = child.wait();
        let after: Vec<String> = lines.try_iter().collect();
        let stderr = text(&{
            let mut e = Vec::new();
            std::io::Read::read_to_end(&mut child.0.stderr.take().unwrap(), &mut e).unwrap();
            e
        });
        assert_eq!(exit, Some(code), "{name}: stdout after holding: {after:?}\nstderr: {stderr}");
        assert!(after.iter().any(|l| l.starts_with("interrupted")), "{name}: {after:?}");
        assert!(after.contains(&verdict.to_string()), "{name}: the verdict again after the interrupt: {after:?}");
        assert!(out.join("manifest.json").exists() && !out.join(g6sim::output::LOCK_FILE).exists());
    }
}

/// Writes a scenario named `name` to `dir/file`.
fn named_scenario(dir: &Path, file: &str, name: &str) -> PathBuf {
    let path = dir.join(file);
    let text = std::fs::read_to_string(root().join(HEALTHY)).unwrap();
    std::fs::write(&path, text.replacen("name: \"healthy_baseline\"", &format!("name: {name:?}"), 1)).unwrap();
    path
}

/// `check --plots DIR` draws each scenario into `DIR/<scenario name>/`: two scenarios whose names give one
/// directory are refused before anything runs, naming both files (the same file given twice is not).
#[test]
fn check_plots_refuses_two_scenarios_drawing_into_one_directory() {
    let dir = temp_dir("safety-check-names");
    let a = named_scenario(&dir, "a.ron", "twin");
    let b = named_scenario(&dir, "b.ron", "twin");
    let c = named_scenario(&dir, "c.ron", "twin?");
    let d = named_scenario(&dir, "d.ron", "twin_");
    let plots = dir.join("plots");
    let out = g6sim(&["check", path(&a), path(&b), "--plots", path(&plots)]);
    exits(&out, 2);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(path(&a)) && stderr.contains(path(&b)) && stderr.contains("twin"), "{stderr}");
    assert!(!text(&out.stdout).contains("PASS"), "refused before anything runs: {}", text(&out.stdout));
    assert!(!plots.join("twin").exists());
    // Names that differ only in what a directory name cannot hold give one directory too.
    let out = g6sim(&["check", path(&c), path(&d), "--plots", path(&plots)]);
    exits(&out, 2);
    assert!(text(&out.stderr).contains(path(&c)) && text(&out.stderr).contains(path(&d)), "{}", text(&out.stderr));
    // With --seeds too; without --plots nothing is drawn and the names may repeat.
    exits(&g6sim(&["check", path(&a), path(&b), "--seeds", "2", "--plots", path(&plots)]), 2);
    exits(&g6sim(&["check", path(&a), path(&b)]), 0);
    // The same file twice draws the same charts: allowed.
    exits(&g6sim(&["check", path(&a), path(&a), "--plots", path(&plots)]), 0);
    assert!(plots.join("twin/depth.svg").exists());
}

/// `check --plots FILE` where FILE is a file: refused before anything runs, in words (exit 2, counted once);
/// chart errors are words, never debug text.
#[test]
fn check_plots_into_a_file_is_refused_in_words() {
    let dir = temp_dir("safety-check-file");
    let file = dir.join("FILE");
    std::fs::write(&file, "mine").unwrap();
    let out = g6sim(&["check", HEALTHY, "--plots", path(&file)]);
    exits(&out, 2);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains(path(&file)) && stderr.contains("is a file, not a directory"), "{stderr}");
    assert!(stderr.contains("--plots"), "the hint names the flag: {stderr}");
    assert!(!stderr.contains("Os {") && !stderr.contains("kind:"), "{stderr}");
    assert!(!stdout.contains("PASS") && !stdout.contains("could not be loaded"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    // The library's chart errors are words too.
    let run = run_scenario_file(HEALTHY);
    let data = g6sim::plot::PlotData::from_run(&run).unwrap();
    let e = g6sim::plot::render(&data, &file.join("plots")).unwrap_err().to_string();
    assert!(!e.contains("Os {") && e.contains("Not a directory"), "{e}");
}

fn run_scenario_file(file: &str) -> g6sim::Run {
    let loaded = g6sim::scenario::load_file(&root().join(file)).unwrap();
    g6sim::run_scenario(&loaded, &g6sim::RunOptions::default()).unwrap()
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

/// A shard count is at most the most runs a sweep has, and a merge missing shards names the first few of
/// them and counts the rest (a million missing shards is not a million names).
#[test]
fn shard_counts_are_bounded_and_a_merge_names_a_few_missing_shards() {
    let dir = temp_dir("safety-shards");
    let args = ["sweep", FLAPPING, "--no-env", "--param", "contract_step=1,2", "--seeds", "1"];
    let out = g6sim(&[&args[..], &["--shard", "0/10000001", "--out", path(&dir.join("refused"))]].concat());
    exits(&out, 2);
    assert!(text(&out.stderr).contains("at most 10000000 shards"), "{}", text(&out.stderr));
    let out = g6sim_with(
        &[&args[..], &["--shards", "10000001", "--out", path(&dir.join("refused"))]].concat(),
        &[("JOB_COMPLETION_INDEX", "3")],
    );
    exits(&out, 2);
    assert!(text(&out.stderr).contains("at most 10000000 shards"), "{}", text(&out.stderr));
    assert!(!dir.join("refused").exists());
    let shard = dir.join("shard");
    exits(&g6sim(&[&args[..], &["--shard", "1/1000000", "--out", path(&shard)]].concat()), 0);
    let merged = g6sim(&["sweep", "merge", path(&shard), "--out", path(&dir.join("merged"))]);
    exits(&merged, 2);
    let stderr = text(&merged.stderr);
    assert!(stderr.contains("shard(s) 0/1000000, 2/1000000, 3/1000000,"), "{stderr}");
    assert!(stderr.contains(", 20/1000000 and 999979 more missing: merge needs all 1000000 shards"), "{stderr}");
    assert!(stderr.len() < 2000, "{} bytes of error", stderr.len());
}
