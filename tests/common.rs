//! Helpers shared by the integration tests.

use g6sim::scenario::{LoadedScenario, parse};
use g6sim::{Run, RunOptions, run_scenario};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// The variables besides the `G6_*`, `G6SIM*` and `SLURM_*` families that change what g6sim does or prints:
/// Kubernetes' Indexed Job index (a sweep's shard, as `SLURM_ARRAY_TASK_*` are), clap's colour switches
/// (`CLICOLOR_FORCE` colours the messages even on a pipe; `NO_COLOR` and `CLICOLOR` turn colour off), and
/// GitHub Actions' step summary file, which `check` appends to (the suite run inside a GitHub job must not).
pub const G6SIM_READS: [&str; 5] =
    ["JOB_COMPLETION_INDEX", "CLICOLOR_FORCE", "CLICOLOR", "NO_COLOR", "GITHUB_STEP_SUMMARY"];

/// Whether a test's child must not inherit the variable `name`: g6sim reads it (the settings `G6_*`, a
/// sweep's shard `SLURM_ARRAY_TASK_*` and `JOB_COMPLETION_INDEX`, clap's colour switches), or a script of
/// `examples/` that runs g6sim does (`G6SIM`, `G6SIM_*`, the rest of `SLURM_*`).
pub fn read_by_g6sim(name: &str) -> bool {
    name.starts_with("G6_") || name.starts_with("G6SIM") || name.starts_with("SLURM_") || G6SIM_READS.contains(&name)
}

/// The names of this process's variables that a child must not inherit ([`read_by_g6sim`]; a name that is
/// not UTF-8 is none of them).
pub fn inherited_g6sim_vars() -> Vec<String> {
    std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).filter(|k| read_by_g6sim(k)).collect()
}

/// `cmd` without any inherited variable [`read_by_g6sim`]: a test sets the ones it needs explicitly.
pub fn without_g6sim_env(cmd: &mut Command) -> &mut Command {
    for var in inherited_g6sim_vars() {
        cmd.env_remove(var);
    }
    cmd
}

/// The `g6sim` binary as a command, run in the repository root, without an inherited variable it reads
/// ([`without_g6sim_env`]). Every test that starts the binary starts it from here.
pub fn g6sim_cmd() -> Command {
    let mut cmd = Command::new(bin());
    without_g6sim_env(&mut cmd).current_dir(root());
    cmd
}

/// Runs `g6sim ARGS` ([`g6sim_cmd`]) with `env` set, to the end; its output.
pub fn g6sim_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    g6sim_cmd().args(args).envs(env.iter().copied()).output().unwrap_or_else(|e| panic!("g6sim {args:?}: {e}"))
}

/// Runs `g6sim ARGS` ([`g6sim_cmd`]) to the end; its output.
pub fn g6sim(args: &[&str]) -> Output {
    g6sim_with(args, &[])
}

/// How long a test waits for a spawned command to reach a state or end (generous: the machine is shared).
pub const PATIENCE: Duration = Duration::from_secs(300);

/// A spawned child process, SIGKILLed and reaped when dropped: a test that fails (panics) while the child
/// runs, or holds (`--hold`), leaves no process behind.
pub struct Spawned(pub Child);

impl Spawned {
    /// Starts `g6sim ARGS` ([`g6sim_cmd`]) with its standard output and error piped.
    pub fn start(args: &[&str]) -> Self {
        Self::spawn(g6sim_cmd().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()))
    }

    /// Starts `cmd` as it is set up.
    pub fn spawn(cmd: &mut Command) -> Self {
        Self(cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}")))
    }

    /// Waits (at most [`PATIENCE`]) for the process to end; how it ended.
    pub fn wait_status(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < PATIENCE, "the command did not end within {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (at most [`PATIENCE`]) for the process to end; its exit code (`None`: ended by a signal).
    pub fn wait(&mut self) -> Option<i32> {
        self.wait_status().code()
    }

    /// Reads the piped standard output and error to their end, then waits (at most [`PATIENCE`]) for the
    /// process to end: what `Child::wait_with_output` gives, under the guard.
    pub fn output(&mut self) -> Output {
        use std::io::Read;
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    pipe.read_to_end(&mut bytes).unwrap();
                }
                bytes
            })
        };
        let stdout = drain(self.0.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let stderr = drain(self.0.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let status = self.wait_status();
        Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The environment variable naming the Python interpreter to use instead of the tests' own environment.
pub const PYTHON_VAR: &str = "G6SIM_PYTHON";

/// The Python packages the tests need, pinned (`prometheus_client`: the official Prometheus text parser, the
/// oracle of the metrics test; the benchmark tests need only the standard library).
pub const PYTHON_REQUIREMENTS: &str = "tests/python-requirements.txt";

/// A `Command` for the Python interpreter the tests use: `G6SIM_PYTHON` when set, else the tests' own virtual
/// environment `<target>/pyenv`, created and filled from [`PYTHON_REQUIREMENTS`] on first use (see
/// [`ensure_venv`]). Fails the test with what to install when it cannot be made.
pub fn python() -> Command {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| match std::env::var_os(PYTHON_VAR).filter(|v| !v.is_empty()) {
        Some(explicit) => Ok(PathBuf::from(explicit)),
        None => ensure_venv(Path::new("python3"), &venv_dir(), &root().join(PYTHON_REQUIREMENTS)),
    });
    match found {
        Ok(path) => Command::new(path),
        Err(message) => panic!("{message}"),
    }
}

/// The tests' virtual environment: `<target>/pyenv` (`CARGO_TARGET_TMPDIR` is `<target>/tmp`, so this follows
/// `CARGO_TARGET_DIR`).
pub fn venv_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("CARGO_TARGET_TMPDIR has a parent").join("pyenv")
}

/// The interpreter of the virtual environment at `dir`.
fn venv_python(dir: &Path) -> PathBuf {
    if cfg!(windows) { dir.join("Scripts/python.exe") } else { dir.join("bin/python") }
}

/// Makes `dir` a virtual environment of `base` holding the pinned `requirements`, once: the file
/// `dir/requirements.txt` records what was installed, so a second call (or a second test process) finds it and
/// returns at once, and a changed pin rebuilds it. An exclusive lock on `dir.lock` keeps concurrent test
/// processes from building it twice. Returns the environment's interpreter, or what failed and how to fix it.
pub fn ensure_venv(base: &Path, dir: &Path, requirements: &Path) -> Result<PathBuf, String> {
    let fail = |what: String| {
        Err(format!(
            "the tests' Python environment {} cannot be made: {what}\n\
             fix: install python3 with its venv module (Debian/Ubuntu: `apt-get install python3-venv`), or set \
             {PYTHON_VAR} to a Python 3 that has the packages of {}",
            dir.display(),
            requirements.display()
        ))
    };
    let wanted = match std::fs::read_to_string(requirements) {
        Ok(text) => text,
        Err(e) => return fail(format!("{}: {e}", requirements.display())),
    };
    let parent = dir.parent().expect("the environment's directory has a parent");
    if let Err(e) = std::fs::create_dir_all(parent) {
        return fail(format!("{}: {e}", parent.display()));
    }
    let lock_path = dir.with_extension("lock");
    let lock = match std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path) {
        Ok(file) => file,
        Err(e) => return fail(format!("{}: {e}", lock_path.display())),
    };
    if let Err(e) = lock.lock() {
        return fail(format!("locking {}: {e}", lock_path.display()));
    }
    let stamp = dir.join("requirements.txt");
    let python = venv_python(dir);
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == wanted) && python.exists() {
        return Ok(python);
    }
    let steps: [(&Path, Vec<&std::ffi::OsStr>); 2] = [
        (base, vec!["-m".as_ref(), "venv".as_ref(), "--clear".as_ref(), dir.as_os_str()]),
        (
            &python,
            vec![
                "-m".as_ref(),
                "pip".as_ref(),
                "install".as_ref(),
                "--quiet".as_ref(),
                "--disable-pip-version-check".as_ref(),
                "-r".as_ref(),
                requirements.as_os_str(),
            ],
        ),
    ];
    for (program, args) in steps {
        let shown = format!(
            "`{} {}`",
            program.display(),
            args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
        );
        match Command::new(program).args(&args).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                return fail(format!(
                    "{shown} exited with {}:\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim_end()
                ));
            }
            Err(e) => return fail(format!("{shown}: {e}")),
        }
    }
    match std::fs::write(&stamp, &wanted) {
        Ok(()) => Ok(python),
        Err(e) => fail(format!("{}: {e}", stamp.display())),
    }
}

#[test]
fn a_missing_python_fails_with_what_to_install() {
    let dir = temp_dir("no-python").join("pyenv");
    let requirements = root().join(PYTHON_REQUIREMENTS);
    let message = ensure_venv(Path::new("/nonexistent/python3"), &dir, &requirements).unwrap_err();
    for needle in ["/nonexistent/python3", "python3-venv", PYTHON_VAR, PYTHON_REQUIREMENTS] {
        assert!(message.contains(needle), "{needle} missing from:\n{message}");
    }
}

#[test]
fn the_tests_environment_holds_the_pinned_packages() {
    let wanted = std::fs::read_to_string(root().join(PYTHON_REQUIREMENTS)).unwrap();
    let pins: Vec<&str> = wanted.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    assert!(!pins.is_empty(), "{PYTHON_REQUIREMENTS} pins nothing");
    let out = python().args(["-m", "pip", "freeze", "--disable-pip-version-check"]).output().unwrap();
    let frozen = String::from_utf8_lossy(&out.stdout).to_lowercase();
    for pin in pins {
        assert!(
            frozen.lines().any(|l| l.replace('_', "-") == pin.to_lowercase().replace('_', "-")),
            "{pin} not installed:\n{frozen}"
        );
    }
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
pub const TWO_KEY_SWEEP_FILES: [&str; 13] = [
    "heatmaps/contract_ok_cycles__contract_cooldown.png",
    "heatmaps/contract_ok_cycles__contract_cooldown.svg",
    "pareto.txt",
    "pareto/flips_per_10__mean_depth.png",
    "pareto/flips_per_10__mean_depth.svg",
    "pareto/flips_per_10__partial_expiry_cycles.png",
    "pareto/flips_per_10__partial_expiry_cycles.svg",
    "pareto/mean_depth__partial_expiry_cycles.png",
    "pareto/mean_depth__partial_expiry_cycles.svg",
    "results.csv",
    "results.json",
    "runs.jsonl",
    "sweep.json",
];

/// The shipped scenarios (`scenarios/*.ron`), in name order.
pub fn scenario_files() -> Vec<PathBuf> {
    g6sim::check::scenario_files(&[root().join("scenarios")])
}
