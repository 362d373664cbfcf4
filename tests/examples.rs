//! `examples/`: the Kubernetes Indexed Job and the Slurm job array, kept honest without a cluster.
//!
//! The manifests are read with string matching (no YAML dependency: they keep `command` and `args` as block
//! lists of double-quoted strings, which this file relies on), the scripts are run as they are written. Each
//! shard runs as its own process, all at once, with the environment its pod or array task would have;
//! the merge runs as the example runs it; the merged directory must equal an unsharded sweep's, byte for
//! byte. One substitution keeps the test short in a debug build: `--seeds 32` runs as `--seeds 2` (the same
//! grid of settings, 2 seeds each); every other word runs as written.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The seeds the examples sweep, and the seeds this test runs instead (see the module comment).
const SEEDS: &str = "32";
const SEEDS_HERE: &str = "2";

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `cmd` in the repository root, inheriting no variable that g6sim or the example scripts read from the
/// test's own environment ([`without_g6sim_env`]), with no input and its output piped.
fn piped(mut cmd: Command) -> Command {
    without_g6sim_env(&mut cmd).current_dir(root()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// A program (a shell, a script) set up as [`piped`]: the scripts run g6sim with that environment.
fn clean(program: impl AsRef<std::ffi::OsStr>) -> Command {
    piped(Command::new(program))
}

fn succeeded(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what}: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Waits for processes started together (the shards of one sweep run at once, as on a cluster); a failure
/// kills the others ([`Spawned`]).
fn wait_all(children: Vec<(String, Spawned)>) {
    for (what, mut child) in children {
        let out = child.output();
        succeeded(&what, &out);
    }
}

/// `bash` when it runs here, else `sh` (the scripts keep to POSIX sh, so both run them).
fn shell() -> &'static str {
    if has_bash() { "bash" } else { "sh" }
}

fn has_bash() -> bool {
    Command::new("bash").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The value of the first `key: value` line (comments and quotes stripped).
fn scalar(doc: &str, key: &str) -> Option<String> {
    doc.lines().map(str::trim).find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        let value = value.split(" #").next().unwrap_or(value).trim();
        Some(value.trim_matches('"').to_string())
    })
}

/// The items of the block list under the first `key:` line (double-quoted items read as JSON strings, which
/// these are in YAML too).
fn block_list(doc: &str, key: &str) -> Vec<String> {
    let mut lines = doc.lines().map(str::trim).skip_while(|l| *l != format!("{key}:")).skip(1);
    let mut items = Vec::new();
    for line in lines.by_ref() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(item) = line.strip_prefix("- ") else { break };
        items.push(if item.starts_with('"') {
            serde_json::from_str(item).unwrap_or_else(|e| panic!("{key}: {item}: {e}"))
        } else {
            item.to_string()
        });
    }
    assert!(!items.is_empty(), "no `{key}:` block list in:\n{doc}");
    items
}

/// The value after `flag` in a command's words.
fn flag<'a>(words: &'a [String], name: &str) -> &'a str {
    let i = words.iter().position(|w| w == name).unwrap_or_else(|| panic!("no {name} in {words:?}"));
    words.get(i + 1).unwrap_or_else(|| panic!("{name} without a value in {words:?}"))
}

/// The words of a `g6sim sweep` invocation that say what is swept (scenario, params, seeds, options), not
/// where it runs (`--shards`, `--jobs`) or writes (`--out`): both examples must run the same sweep.
fn sweep_words(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for w in words {
        if std::mem::take(&mut skip) {
            continue;
        }
        skip = matches!(w.as_str(), "--shards" | "--jobs" | "--out");
        if !skip {
            out.push(w.clone());
        }
    }
    out
}

/// `words` with the seed count replaced by the test's (exactly one `--seeds 32` expected).
fn fewer_seeds(words: &[String]) -> Vec<String> {
    assert_eq!(flag(words, "--seeds"), SEEDS, "the examples sweep {SEEDS} seeds: {words:?}");
    let i = words.iter().position(|w| w == "--seeds").unwrap();
    let mut words = words.to_vec();
    words[i + 1] = SEEDS_HERE.into();
    words
}

/// Checks the scenario an invocation names exists in the repository.
fn scenario_exists(words: &[String]) {
    assert_eq!(words[0], "sweep", "{words:?}");
    let scenario = &words[1];
    assert!(
        scenario.ends_with(".ron") && root().join(scenario).is_file(),
        "{scenario} is not a scenario of the repository"
    );
}

/// Runs the unsharded sweep of `words` (which carry `--shards`) into `out`.
fn whole_sweep(words: &[String], out: &Path) {
    let mut whole = sweep_words(words);
    whole.extend(["--jobs".into(), "2".into(), "--out".into(), out.display().to_string()]);
    let o = piped(g6sim_cmd()).args(&whole).output().unwrap();
    succeeded("the unsharded sweep", &o);
}

fn merged_equals_whole(merged: &Path, whole: &Path) {
    let (m, w) = (tree_bytes(merged), tree_bytes(whole));
    assert_eq!(m.keys().collect::<Vec<_>>(), TWO_KEY_SWEEP_FILES, "{}", merged.display());
    assert_eq!(m, w, "the merged shards equal the single-machine sweep byte for byte");
    assert!(text(&m["runs.jsonl"]).lines().count() > 1);
}

/// The sweep Job's shard command: `g6sim` and its arguments.
fn k8s_sweep_args() -> Vec<String> {
    block_list(&read("examples/k8s/sweep-job.yaml"), "args")
}

#[test]
fn the_kubernetes_indexed_job_shards_the_sweep_and_its_merge_equals_one_machine() {
    let job = read("examples/k8s/sweep-job.yaml");
    let merge_job = read("examples/k8s/merge-job.yaml");
    let pvc = read("examples/k8s/results-pvc.yaml");
    let dockerfile = read("examples/k8s/Dockerfile");

    // The Job: indexed, one index per shard, no more pods at once than indices, a failed pod replaced.
    assert_eq!(scalar(&job, "kind").as_deref(), Some("Job"));
    assert_eq!(scalar(&job, "apiVersion").as_deref(), Some("batch/v1"));
    assert_eq!(scalar(&job, "completionMode").as_deref(), Some("Indexed"));
    let completions: usize = scalar(&job, "completions").unwrap().parse().unwrap();
    let parallelism: usize = scalar(&job, "parallelism").unwrap().parse().unwrap();
    assert!(completions >= 2 && (1..=completions).contains(&parallelism), "{completions} {parallelism}");
    assert_eq!(scalar(&job, "restartPolicy").as_deref(), Some("Never"), "podFailurePolicy requires Never");
    assert_eq!(scalar(&job, "containerName"), scalar(&job, "- name"), "podFailurePolicy names the container");

    // The command: a valid g6sim sweep of a shipped scenario, --shards equal to completions, one directory
    // per index on the shared volume.
    assert_eq!(block_list(&job, "command"), ["g6sim"]);
    let args = k8s_sweep_args();
    scenario_exists(&args);
    assert_eq!(flag(&args, "--shards"), completions.to_string(), "completions must equal --shards");
    assert!(!args.iter().any(|a| a == "--shard"), "the index comes from JOB_COMPLETION_INDEX");
    assert_eq!(flag(&args, "--out"), "/results/shard-$(JOB_COMPLETION_INDEX)");
    for doc in [&job, &merge_job] {
        assert_eq!(scalar(doc, "mountPath").as_deref(), Some("/results"));
        assert_eq!(scalar(doc, "claimName"), scalar(&pvc, "name"), "both Jobs mount the results PVC");
        assert_eq!(scalar(doc, "image"), scalar(&job, "image"), "both Jobs run the same image");
        // The image keeps scenarios/ in its WORKDIR, the Jobs' workingDir.
        let workdir = scalar(doc, "workingDir").unwrap();
        assert!(dockerfile.contains(&format!("WORKDIR {workdir}\n")), "the Dockerfile has no WORKDIR {workdir}");
    }
    assert!(scalar(&pvc, "accessModes").unwrap().contains("ReadWriteMany"));
    for needle in ["cargo build --release", "COPY --from=build", "/usr/local/bin/g6sim", "COPY scenarios/ scenarios/"] {
        assert!(dockerfile.contains(needle), "the Dockerfile lacks `{needle}`");
    }
    let merge_command = block_list(&merge_job, "args");
    assert_eq!(block_list(&merge_job, "command"), ["sh", "-c"]);
    assert_eq!(merge_command.len(), 1);
    assert!(
        merge_command[0].starts_with("g6sim sweep merge /results/shard-* --out /results/merged"),
        "{merge_command:?}"
    );

    // Every pod, at once, as Kubernetes starts it: $(JOB_COMPLETION_INDEX) expanded in the arguments and
    // set in the environment, /results on the shared volume.
    let dir = temp_dir("examples-k8s");
    let results = dir.join("results");
    let local = |arg: &str, index: usize| {
        let arg = arg.replace("$(JOB_COMPLETION_INDEX)", &index.to_string());
        assert!(!arg.contains("$("), "Kubernetes expands only the container's variables: {arg}");
        match arg.strip_prefix("/results") {
            Some(rest) => format!("{}{rest}", results.display()),
            None => arg,
        }
    };
    let args = fewer_seeds(&args);
    let pods = (0..completions)
        .map(|i| {
            let mut cmd = piped(g6sim_cmd());
            cmd.args(args.iter().map(|a| local(a, i))).env("JOB_COMPLETION_INDEX", i.to_string());
            (format!("pod {i}"), Spawned::spawn(&mut cmd))
        })
        .collect();
    wait_all(pods);
    for i in 0..completions {
        let shard = results.join(format!("shard-{i}"));
        assert!(shard.join(format!("runs-shard-{i}-of-{completions}.jsonl")).is_file(), "{}", shard.display());
    }

    // The merge Job's shell command, with /results on the same directory and g6sim on the PATH.
    let quoted = format!("'{}'", results.display().to_string().replace('\'', r"'\''"));
    let o = clean("sh")
        .args(["-c", &merge_command[0].replace("/results/", &format!("{quoted}/"))])
        .env("PATH", path_with(bin().parent().unwrap()))
        .output()
        .unwrap();
    succeeded("the merge Job", &o);
    let whole = dir.join("whole");
    whole_sweep(&args, &whole);
    merged_equals_whole(&results.join("merged"), &whole);
    assert!(text(&o.stdout).contains(&text(&tree_bytes(&whole)["results.csv"])), "the merge's log shows results.csv");
}

/// The logical lines of a shell script (backslash continuations joined) that run `"$G6SIM" sweep`.
fn g6sim_lines(script: &str) -> Vec<Vec<String>> {
    script
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"$G6SIM\" sweep"))
        .map(|l| l.split_whitespace().skip(1).map(|w| w.replace('"', "")).collect())
        .collect()
}

/// `#SBATCH --array=0-(N-1)[%K]`: N.
fn array_size(script: &str) -> usize {
    let spec = script
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --array="))
        .expect("sweep.sbatch has an #SBATCH --array= line");
    let range = spec.split('%').next().unwrap().trim();
    let (first, last) = range.split_once('-').unwrap_or_else(|| panic!("--array={spec}: expected 0-(N-1)"));
    assert_eq!(first, "0", "--array={spec}: shards count from 0");
    last.parse::<usize>().unwrap() + 1
}

#[test]
fn the_slurm_array_runs_one_shard_per_task_and_its_merge_equals_one_machine() {
    let sweep = read("examples/slurm/sweep.sbatch");
    let merge = read("examples/slurm/merge.sbatch");
    let tasks = array_size(&sweep);
    let commands = g6sim_lines(&sweep);
    assert_eq!(commands.len(), 1, "one g6sim command in sweep.sbatch: {commands:?}");
    let words = &commands[0];
    scenario_exists(words);
    assert_eq!(flag(words, "--shards"), tasks.to_string(), "--array=0-(N-1) must match --shards N");
    assert!(!words.iter().any(|w| w == "--shard"), "the index comes from the array task's environment");
    assert_eq!(flag(words, "--out"), "$G6SIM_RESULTS/shard-$SLURM_ARRAY_TASK_ID");
    assert_eq!(sweep_words(words), sweep_words(&k8s_sweep_args()), "both examples run the same sweep");
    let merges = g6sim_lines(&merge);
    assert_eq!(merges.len(), 1, "{merges:?}");
    assert_eq!(merges[0][..4], ["sweep", "merge", "$G6SIM_RESULTS/shard-*", "--out"]);

    // Every array task, at once, running the script itself (with fewer seeds) in the environment Slurm
    // gives it, from the submission directory (the repository root).
    let dir = temp_dir("examples-slurm");
    let results = dir.join("results");
    let script = dir.join("sweep.sbatch");
    let seeds = format!("--seeds {SEEDS} ");
    assert_eq!(sweep.matches(&seeds).count(), 1);
    std::fs::write(&script, sweep.replace(&seeds, &format!("--seeds {SEEDS_HERE} "))).unwrap();
    let env = |cmd: &mut Command| {
        cmd.env("G6SIM", bin()).env("G6SIM_RESULTS", &results).env("SLURM_JOB_NAME", "g6sim-sweep");
    };
    let array = (0..tasks)
        .map(|i| {
            let mut cmd = clean(shell());
            cmd.arg(&script)
                .env("SLURM_ARRAY_JOB_ID", "4242")
                .env("SLURM_JOB_ID", (4243 + i).to_string())
                .env("SLURM_ARRAY_TASK_ID", i.to_string())
                .env("SLURM_ARRAY_TASK_MIN", "0")
                .env("SLURM_ARRAY_TASK_MAX", (tasks - 1).to_string())
                .env("SLURM_ARRAY_TASK_COUNT", tasks.to_string())
                .env("SLURM_CPUS_PER_TASK", "1");
            env(&mut cmd);
            (format!("array task {i}"), Spawned::spawn(&mut cmd))
        })
        .collect();
    wait_all(array);

    // The merge job, as written.
    let mut cmd = clean(shell());
    cmd.arg(root().join("examples/slurm/merge.sbatch"));
    env(&mut cmd);
    let o = cmd.output().unwrap();
    succeeded("merge.sbatch", &o);
    let whole = dir.join("whole");
    whole_sweep(&fewer_seeds(words), &whole);
    merged_equals_whole(&results.join("merged"), &whole);
    assert!(
        text(&o.stdout).contains(&text(&tree_bytes(&whole)["results.csv"])),
        "the merge's output shows results.csv"
    );

    // A task outside the shards is refused rather than running a wrong slice.
    let mut cmd = clean(shell());
    cmd.arg(&script).env("SLURM_ARRAY_TASK_ID", tasks.to_string()).env("SLURM_ARRAY_TASK_MIN", "0");
    env(&mut cmd);
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("does not exist"), "{}", text(&o.stderr));
}

/// The seeds the halving example's rungs run here instead of 32: as many rungs, fewer runs.
const HALVING_SEEDS_HERE: &str = "8";

#[test]
fn the_slurm_halving_meets_at_each_rungs_merge_and_equals_one_machine() {
    let sweep = read("examples/slurm/halving.sbatch");
    let tasks = array_size(&sweep);
    let commands = g6sim_lines(&sweep);
    assert_eq!(commands.len(), 1, "one g6sim command in halving.sbatch: {commands:?}");
    let words = &commands[0];
    scenario_exists(words);
    assert_eq!(flag(words, "--shards"), tasks.to_string(), "--array=0-(N-1) must match --shards N");
    assert_eq!(flag(words, "--search"), "halving");
    assert_eq!(flag(words, "--out"), "$G6SIM_RESULTS/rung-$G6SIM_RUNG/shard-$SLURM_ARRAY_TASK_ID");
    let merges = g6sim_lines(&read("examples/slurm/halving-merge.sbatch"));
    assert_eq!(merges.len(), 1, "{merges:?}");
    assert_eq!(
        merges[0][..5],
        ["sweep", "merge", "$G6SIM_RESULTS/rung-$G6SIM_RUNG/shard-*", "--out", "$G6SIM_RESULTS/halving"]
    );
    let swept: Vec<String> = sweep_words(words).into_iter().filter(|w| w != "$@").collect();

    // The rungs submit-halving.sh submits by default are those of the sweep, at its seeds and at this test's.
    let submit = read("examples/slurm/submit-halving.sh");
    let rungs: usize = submit
        .lines()
        .find_map(|l| l.trim().strip_prefix("G6SIM_RUNGS=${G6SIM_RUNGS:-")?.strip_suffix('}')?.parse().ok())
        .expect("submit-halving.sh sets G6SIM_RUNGS=${G6SIM_RUNGS:-N}");
    let dir = temp_dir("examples-slurm-halving");
    let one_machine = |words: &[String], out: &Path| {
        let mut args = words.to_vec();
        args.extend(["--jobs".into(), "2".into(), "--out".into(), out.display().to_string()]);
        let o = piped(g6sim_cmd()).args(&args).output().unwrap();
        succeeded("the one-process halving", &o);
        text(&o.stdout)
    };
    let printed = one_machine(&swept, &dir.join("whole-32"));
    assert!(printed.contains(&format!(": {rungs} rungs of ")), "G6SIM_RUNGS={rungs}, but the sweep says:\n{printed}");
    let here: Vec<String> =
        swept.iter().map(|w| if w == SEEDS { HALVING_SEEDS_HERE.to_string() } else { w.clone() }).collect();
    let whole = dir.join("whole");
    let printed = one_machine(&here, &whole);
    assert!(printed.contains(&format!(": {rungs} rungs of ")), "{printed}");

    // Each rung: every array task at once, running the script (with fewer seeds) in the environment Slurm
    // gives it, then the rung's merge as written.
    let results = dir.join("results");
    let script = dir.join("halving.sbatch");
    let seeds = format!("--seeds {SEEDS} ");
    assert_eq!(sweep.matches(&seeds).count(), 1);
    std::fs::write(&script, sweep.replace(&seeds, &format!("--seeds {HALVING_SEEDS_HERE} "))).unwrap();
    for rung in 1..=rungs {
        let env = |cmd: &mut Command| {
            cmd.env("G6SIM", bin()).env("G6SIM_RESULTS", &results).env("G6SIM_RUNG", rung.to_string());
        };
        let array = (0..tasks)
            .map(|i| {
                let mut cmd = clean(shell());
                cmd.arg(&script)
                    .env("SLURM_ARRAY_TASK_ID", i.to_string())
                    .env("SLURM_ARRAY_TASK_MIN", "0")
                    .env("SLURM_ARRAY_TASK_COUNT", tasks.to_string())
                    .env("SLURM_CPUS_PER_TASK", "1");
                env(&mut cmd);
                (format!("rung {rung}, array task {i}"), Spawned::spawn(&mut cmd))
            })
            .collect();
        wait_all(array);
        let mut cmd = clean(shell());
        cmd.arg(root().join("examples/slurm/halving-merge.sbatch"));
        env(&mut cmd);
        let o = cmd.output().unwrap();
        succeeded(&format!("halving-merge.sbatch, rung {rung}"), &o);
        if rung < rungs {
            assert!(text(&o.stdout).contains(&format!("merged rung {rung} of {rungs}")), "{}", text(&o.stdout));
        } else {
            assert!(
                text(&o.stdout).contains(&text(&tree_bytes(&whole)["results.csv"])),
                "the last merge shows results.csv"
            );
        }
    }
    assert_eq!(
        tree_bytes(&results.join("halving")),
        tree_bytes(&whole),
        "the merged rungs equal one machine's halving"
    );

    // Submitted: each rung's array after the merge before it, each merge after its array, every job told its
    // rung.
    let submitted = dir.join("submitted");
    std::fs::create_dir_all(&submitted).unwrap();
    fake(&submitted, "sbatch", "n=$(wc -l < \"$0.log\"); echo \"$((4241 + n));cluster\"");
    let o = clean(root().join("examples/slurm/submit-halving.sh"))
        .arg("--partition=debug")
        .current_dir(&submitted)
        .env("PATH", path_with(&submitted))
        .env("G6SIM", bin())
        .env("G6SIM_RESULTS", submitted.join("results"))
        .output()
        .unwrap();
    succeeded("examples/slurm/submit-halving.sh", &o);
    let log = std::fs::read_to_string(submitted.join("sbatch.log")).unwrap();
    let calls: Vec<&str> = log.lines().collect();
    assert_eq!(calls.len(), 2 * rungs, "{log}");
    for (n, call) in calls.iter().enumerate() {
        let rung = n / 2 + 1;
        assert!(call.starts_with("--parsable --partition=debug "), "{log}");
        assert!(call.contains(&format!("--export=ALL,G6SIM_RUNG={rung} ")), "{log}");
        let script = if n % 2 == 0 { "halving.sbatch" } else { "halving-merge.sbatch" };
        assert!(call.ends_with(&format!(" examples/slurm/{script}")), "{log}");
        match n {
            0 => assert!(!call.contains("--dependency"), "the first rung waits for nothing: {log}"),
            _ => assert!(
                call.contains(&format!("--dependency=afterok:{} ", 4241 + n)),
                "call {n} waits for {}: {log}",
                4241 + n
            ),
        }
    }
    assert!(
        text(&o.stdout).contains("rung 1: array 4242 (one task per shard), then merge 4243"),
        "{}",
        text(&o.stdout)
    );
}

/// A fake command on the PATH: records its arguments (one line per call) and standard input, prints `reply`.
fn fake(dir: &Path, name: &str, reply: &str) {
    let log = dir.join(format!("{name}.log")).display().to_string();
    let script = format!(
        "#!/bin/sh\n\
         printf '%s\\n' \"$*\" >> \"{log}\"\n\
         case \" $* \" in *' -f - '*) cat >> \"{log}.stdin\" ;; esac\n\
         {reply}\n"
    );
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&rest))).unwrap()
}

#[test]
fn the_scripts_parse_and_submit_the_merge_after_the_shards() {
    let scripts = [
        "examples/slurm/sweep.sbatch",
        "examples/slurm/merge.sbatch",
        "examples/slurm/submit.sh",
        "examples/slurm/halving.sbatch",
        "examples/slurm/halving-merge.sbatch",
        "examples/slurm/submit-halving.sh",
        "examples/k8s/submit.sh",
    ];
    for script in scripts {
        let path = root().join(script);
        for sh in if has_bash() { vec!["bash", "sh"] } else { vec!["sh"] } {
            let o = Command::new(sh).arg("-n").arg(&path).output().unwrap();
            assert!(o.status.success(), "{sh} -n {script}: {}", text(&o.stderr));
        }
    }

    // Slurm: submit.sh from another directory, against a fake sbatch that prints "JOBID;CLUSTER" as
    // --parsable does. The array goes first; the merge waits for it with afterok; options reach both.
    let dir = temp_dir("examples-submit");
    let results = dir.join("results");
    fake(&dir, "sbatch", "n=$(wc -l < \"$0.log\"); echo \"$((4241 + n));cluster\"");
    let o = clean(root().join("examples/slurm/submit.sh"))
        .arg("--partition=debug")
        .current_dir(&dir)
        .env("PATH", path_with(&dir))
        .env("G6SIM", bin())
        .env("G6SIM_RESULTS", &results)
        .output()
        .unwrap();
    succeeded("examples/slurm/submit.sh", &o);
    let log = std::fs::read_to_string(dir.join("sbatch.log")).unwrap();
    let calls: Vec<&str> = log.lines().collect();
    assert_eq!(calls.len(), 2, "{log}");
    assert!(calls[0].starts_with("--parsable --partition=debug --output="), "{log}");
    assert!(calls[0].ends_with(" examples/slurm/sweep.sbatch"), "{log}");
    assert!(calls[1].contains(" --dependency=afterok:4242 "), "the merge waits for the array: {log}");
    assert!(calls[1].ends_with(" examples/slurm/merge.sbatch"), "{log}");
    assert!(calls.iter().all(|c| c.contains("--partition=debug")), "{log}");
    assert!(
        text(&o.stdout).contains("submitted sweep 4242 (one task per shard) and merge 4243"),
        "{}",
        text(&o.stdout)
    );
    assert!(results.join("logs").is_dir());

    // Kubernetes: submit.sh with an image, against a fake kubectl whose Jobs complete at once: the volume,
    // then the sweep Job, its completion, then the merge Job, its completion and its log.
    fake(&dir, "kubectl", "case \"$1\" in get) echo 'SuccessCriteriaMet Complete ' ;; logs) echo merged ;; esac");
    let o = clean(root().join("examples/k8s/submit.sh"))
        .arg("registry.example/g6sim:test")
        .current_dir(&dir)
        .env("PATH", path_with(&dir))
        .output()
        .unwrap();
    succeeded("examples/k8s/submit.sh", &o);
    assert!(text(&o.stdout).contains("merged"), "{}", text(&o.stdout));
    let log = std::fs::read_to_string(dir.join("kubectl.log")).unwrap();
    let verbs: Vec<String> = log.lines().map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(
        verbs,
        ["apply -f", "delete job", "apply -f", "get job", "apply -f", "get job", "logs job/g6sim-sweep-merge"],
        "{log}"
    );
    assert!(log.lines().nth(3).unwrap().contains("g6sim-sweep "), "{log}");
    let applied = std::fs::read_to_string(dir.join("kubectl.log.stdin")).unwrap();
    assert_eq!(
        applied,
        format!("{}{}", read("examples/k8s/sweep-job.yaml"), read("examples/k8s/merge-job.yaml"))
            .replace("REGISTRY/g6sim:0.1.0", "registry.example/g6sim:test")
    );
}

#[test]
fn the_docs_link_the_examples_and_name_only_files_that_exist() {
    let main = read("docs/tuning.md");
    let examples = read("examples/README.md");
    assert!(main.contains("](../examples/README.md)"), "docs/tuning.md links examples/README.md");
    let mut named = 0;
    for (name, dir, text) in [("docs/tuning.md", "docs/", &main), ("examples/README.md", "examples/", &examples)] {
        // Markdown links, relative to the README's directory.
        for target in text.split("](").skip(1).filter_map(|t| t.split(')').next()) {
            let target = target.split('#').next().unwrap();
            if !target.is_empty() && !target.contains("://") {
                let path = root().join(dir).join(target);
                assert!(path.exists(), "{name} links {target}, which does not exist");
                named += usize::from(path.canonicalize().unwrap().starts_with(root().join("examples")));
            }
        }
        // Paths written out, such as examples/slurm/submit.sh in a command.
        for word in text.split(|c: char| c.is_whitespace() || "`()[]<>,;\"'".contains(c)) {
            let word = word.trim_end_matches(['.', ':']);
            if let Some(rest) = word.strip_prefix("examples/").filter(|r| r.contains('.')) {
                assert!(root().join(word).is_file(), "{name} names {word}, which does not exist");
                named += usize::from(!rest.is_empty());
            }
        }
    }
    assert!(named >= 6, "the READMEs name the example files");
    for file in [
        "ci/README.md",
        "k8s/sweep-job.yaml",
        "k8s/merge-job.yaml",
        "k8s/Dockerfile",
        "slurm/sweep.sbatch",
        "slurm/merge.sbatch",
        "slurm/halving.sbatch",
        "slurm/halving-merge.sbatch",
        "slurm/submit-halving.sh",
    ] {
        assert!(examples.contains(file), "examples/README.md explains {file}");
    }
}

/// The `g6sim` command lines of a CI file: `run:` values and script items that start with `g6sim `.
fn ci_commands(doc: &str) -> Vec<Vec<String>> {
    doc.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("run: ").or_else(|| l.strip_prefix("- ")))
        .filter(|l| l.starts_with("g6sim "))
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect()
}

#[test]
fn the_ci_examples_run_the_check_and_publish_the_report_it_writes_whatever_the_verdict() {
    let dir = temp_dir("examples-ci");
    for (file, published, always) in [
        ("examples/ci/github-actions.yml", "path", "if: always()"),
        ("examples/ci/gitlab-ci.yml", "junit", "when: always"),
    ] {
        let doc = read(file);
        let commands = ci_commands(&doc);
        assert_eq!(commands.len(), 1, "{file}: one g6sim command: {commands:?}");
        let words = &commands[0];
        assert_eq!(&words[..3], ["g6sim", "check", "--no-env"], "{file}");
        let report = flag(words, "--junit");
        assert_eq!(scalar(&doc, published).as_deref(), Some(report), "{file} publishes the report it writes");
        assert!(doc.matches(always).count() >= 1, "{file} publishes the report when the check fails too");
        // Run it, the report redirected into a scratch directory (the pipeline writes into its checkout).
        let scratch = dir.join(file.replace('/', "_")).join(report);
        let args: Vec<&str> =
            words[1..].iter().map(|w| if w == report { scratch.to_str().unwrap() } else { w.as_str() }).collect();
        let summary = dir.join("summary.md");
        let out = g6sim_with(&args, &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())]);
        succeeded(file, &out);
        let validated = crate::ci_reports::validated(&scratch);
        assert_eq!(validated["failures"], 0, "{file}: {validated}");
        assert!(std::fs::read_to_string(&summary).unwrap().contains("| `scenarios/walk.ron` | PASS |"));
    }
    let github = read("examples/ci/github-actions.yml");
    assert_eq!(scalar(&github, "report_paths"), scalar(&github, "path"), "the checks tab reads the same report");
}

/// PromQL words that are no metric: keywords, and the aggregations (which `by (...)` may follow before the
/// parenthesis).
const PROMQL_WORDS: [&str; 18] = [
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
];

/// The metric names and the label names a PromQL expression reads: identifiers that are no function call, no
/// keyword and no number; label names from `{...}` matchers and the lists of `by`, `without`, `on`, `ignoring`
/// and `group_*`. `label_values(m, l)` reads metric `m` and label `l`.
fn promql_names(expr: &str) -> (Vec<String>, Vec<String>) {
    let (mut metrics, mut labels) = (Vec::new(), Vec::new());
    // Strings first: a matcher's value or a legend is no name.
    let mut text = String::new();
    let mut in_string = false;
    for c in expr.chars() {
        if c == '"' {
            in_string = !in_string;
        } else if !in_string {
            text.push(c);
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let (mut i, mut in_braces, mut in_list) = (0, false, false);
    while i < chars.len() {
        let c = chars[i];
        if c == '[' {
            // A range, such as [5m].
            i += chars[i..].iter().position(|&c| c == ']').unwrap() + 1;
            continue;
        }
        if c == '{' || c == '}' {
            in_braces = c == '{';
        }
        if c == ')' {
            in_list = false;
        }
        if is_name(c) && (i == 0 || !is_name(chars[i - 1])) {
            let end = i + chars[i..].iter().position(|&c| !is_name(c)).unwrap_or(chars.len() - i);
            let word: String = chars[i..end].iter().collect();
            let next = chars[end..].iter().find(|c| !c.is_whitespace());
            if word.chars().next().unwrap().is_ascii_digit() {
                // A number.
            } else if in_braces || in_list {
                labels.push(word.clone());
            } else if ["by", "without", "on", "ignoring", "group_left", "group_right"].contains(&word.as_str()) {
                in_list = true;
            } else if next == Some(&'(') || PROMQL_WORDS.contains(&word.as_str()) {
                // A function or a keyword.
            } else {
                metrics.push(word);
            }
            i = end;
            continue;
        }
        i += 1;
    }
    if let Some(args) = expr.strip_prefix("label_values(").and_then(|a| a.strip_suffix(')')) {
        let (metric, label) = args.split_once(',').unwrap();
        return (vec![metric.trim().to_string()], vec![label.trim().to_string()]);
    }
    (metrics, labels)
}

#[test]
fn every_query_of_the_grafana_dashboard_reads_metrics_g6sim_exports() {
    use g6sim::output::{METRICS, MetricKind};
    use serde_json::Value;
    let (metrics, labels) =
        promql_names(r#"histogram_quantile(0.95, sum by (le) (rate(g6_x_bucket{a="b"}[5m]))) / on(c) y"#);
    assert_eq!(
        (metrics, labels),
        (vec!["g6_x_bucket".to_string(), "y".into()], vec!["le".to_string(), "a".into(), "c".into()])
    );

    let exported = |name: &str| {
        METRICS.iter().find(|m| {
            let suffixes: &[&str] =
                if m.kind == MetricKind::Histogram { &["_bucket", "_sum", "_count"] } else { &[""] };
            suffixes.iter().any(|s| format!("{}{s}", m.name) == name)
        })
    };
    let dashboard: Value = serde_json::from_str(&read("examples/grafana/g6sim.json")).unwrap();
    let input = &dashboard["__inputs"][0];
    assert_eq!((&input["name"], &input["type"]), (&"DS_PROMETHEUS".into(), &"datasource".into()));
    let datasource = serde_json::json!({"type": "prometheus", "uid": "${DS_PROMETHEUS}"});
    // Panels, and the panels of rows.
    let mut panels: Vec<&Value> = Vec::new();
    for p in dashboard["panels"].as_array().unwrap() {
        panels.push(p);
        panels.extend(p["panels"].as_array().into_iter().flatten());
    }
    let mut queries: Vec<(String, String)> = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for p in &panels {
        let title = p["title"].as_str().unwrap().to_string();
        if p["type"] == "row" {
            continue;
        }
        assert!(ids.insert(p["id"].as_u64().unwrap()), "panel ids are unique: {title}");
        assert_eq!(p["datasource"], datasource, "{title}");
        let targets = p["targets"].as_array().unwrap_or_else(|| panic!("{title}: no targets"));
        assert!(!targets.is_empty(), "{title}: no targets");
        for t in targets {
            assert_eq!(t["datasource"], datasource, "{title}");
            queries.push((title.clone(), t["expr"].as_str().unwrap().to_string()));
        }
    }
    for v in dashboard["templating"]["list"].as_array().unwrap() {
        queries.push((format!("variable {}", v["name"]), v["query"]["query"].as_str().unwrap().to_string()));
    }
    let mut read_by_a_panel = std::collections::BTreeSet::new();
    for (title, expr) in &queries {
        let (names, labels) = promql_names(expr);
        assert!(!names.is_empty(), "{title}: {expr} reads no metric");
        let mut read = Vec::new();
        for name in &names {
            let metric =
                exported(name).unwrap_or_else(|| panic!("{title}: {expr} reads {name}, which g6sim does not export"));
            read_by_a_panel.insert(metric.name);
            read.push(metric);
        }
        for label in &labels {
            let histogram = read.iter().any(|m| m.kind == MetricKind::Histogram);
            let known = read.iter().any(|m| m.labels.contains(&label.as_str())) || (histogram && label == "le");
            assert!(known, "{title}: {expr} reads label {label}, which none of its metrics has");
        }
    }
    // What the issue asks the dashboard to show.
    for name in ["g6_strike_depth", "g6_partial_expiries_total", "g6_prefilter_clamp_events_total", "g6_expiries_total"]
    {
        assert!(read_by_a_panel.contains(name), "the dashboard shows {name}");
    }
}
