//! `g6sim sweep`: the grid, scores equal to full runs, the same bytes whatever the thread count or sharding,
//! and bad keys, values and shards refused before anything runs.

use crate::common::*;
// `g6sim(ARGS, ENV)` here: the shared helper with the variables a test sets.
use crate::common::g6sim_with as g6sim;
use g6sim::scenario::load_file;
use g6sim::sweep::{Plan, Shard, Source, parse_param, parse_seeds, score};
use g6sim::{RunOptions, run_scenario};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

const SCENARIO: &str = "scenarios/coverage_flapping.ron";

fn plan(params: &[&str], seeds: &str) -> Plan {
    let loaded = load_file(&root().join(SCENARIO)).unwrap();
    let params = params.iter().map(|p| parse_param(p).unwrap()).collect();
    Plan::new(vec![Source::of(loaded)], RunOptions::default(), params, parse_seeds(seeds).unwrap()).unwrap()
}

/// `g6sim sweep` of the hysteresis scenario with `args`, without the environment, into `out`.
fn sweep_into(out: &Path, args: &[&str]) -> Output {
    let all = [&["sweep", SCENARIO, "--no-env"][..], args, &["--out", out.to_str().unwrap()]].concat();
    g6sim(&all, &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The text lines of an SVG's `<text>` elements.
fn svg_texts(svg: &str) -> Vec<&str> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>')?.1.split_once("</text>"))
        .map(|(t, _)| t.trim())
        .collect()
}

/// The number of `name="..."` in an SVG tag.
fn attr(tag: &str, name: &str) -> i64 {
    let start = tag.find(&format!(" {name}=\"")).unwrap_or_else(|| panic!("{name} in {tag}")) + name.len() + 3;
    tag[start..].split('"').next().unwrap().parse().unwrap()
}

/// The (column, row) of the cell outlined in blue in a heat map's first panel, counted from the first value
/// of each key (rows from the bottom), and how many panels outline a cell.
fn outlined_cell(svg: &str) -> ((usize, usize), usize) {
    let stroke = "stroke=\"#0072B2\""; // the recommended setting's blue outline
    let outlines: Vec<&str> = svg.split('<').filter(|t| t.starts_with("polyline") && t.contains(stroke)).collect();
    let points: Vec<(i64, i64)> = outlines[0]
        .split("points=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|p| p.split_once(',').map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap())).unwrap())
        .collect();
    let (left, top) = (points.iter().map(|p| p.0).min().unwrap(), points.iter().map(|p| p.1).min().unwrap());
    let width = points.iter().map(|p| p.0).max().unwrap() - left;
    // The cells of the first panel: filled rectangles as wide as the outlined one, left of the second panel.
    let cells: Vec<(i64, i64)> = svg
        .split('<')
        .filter(|t| t.starts_with("rect") && t.contains("stroke=\"none\""))
        .filter(|t| (attr(t, "width") - width).abs() <= 1 && attr(t, "x") < 500)
        .map(|t| (attr(t, "x"), attr(t, "y")))
        .collect();
    let mut xs: Vec<i64> = cells.iter().map(|c| c.0).collect();
    let mut ys: Vec<i64> = cells.iter().map(|c| c.1).collect();
    xs.sort();
    xs.dedup();
    ys.sort_by(|a, b| b.cmp(a));
    ys.dedup();
    let column = xs.iter().position(|x| *x == left).expect("the outline is on a cell");
    let row = ys.iter().position(|y| *y == top).expect("the outline is on a cell");
    ((column, row), outlines.len())
}

/// The recommended setting's value of `key`, from `results.json`.
fn recommended(results: &[u8], key: &str) -> String {
    let doc: serde_json::Value = serde_json::from_slice(results).unwrap();
    doc["recommended"]["values"][key].as_str().unwrap().to_string()
}

#[test]
fn the_grid_is_the_product_of_the_params_first_key_slowest() {
    let p = plan(&["contract_ok_cycles=2..4", "contract_cooldown=0,3"], "2");
    assert_eq!((p.settings.len(), p.jobs()), (6, 12));
    let labels: Vec<String> = p.settings.iter().map(|s| s.label()).collect();
    assert_eq!(labels[0], "contract_ok_cycles=2 contract_cooldown=0");
    assert_eq!(labels[1], "contract_ok_cycles=2 contract_cooldown=3");
    assert_eq!(labels[5], "contract_ok_cycles=4 contract_cooldown=3");
}

#[test]
fn a_sweeps_scores_equal_those_of_full_runs() {
    let p = plan(&["contract_ok_cycles=3,5", "contract_step=1,2"], "1,7");
    let jobs = p.run(Shard::ALL, 1, |_| {}).unwrap();
    assert_eq!(jobs.len(), 8);
    for job in &jobs {
        let setting = &p.settings[job.setting];
        let run = run_scenario(&p.members[0].loaded, &p.options(setting, job.seed)).unwrap();
        let full = score(&run.result.cycles, &run.result.events, &run.outcomes, &p.members[0].loaded.scenario.phases);
        assert_eq!(job.score, full, "{} seed {}", setting.label(), job.seed);
        assert_eq!(full.passed, run.passed());
    }
}

#[test]
fn the_scores_say_what_the_run_did() {
    // strike_dropout_recovery: one fault window (3, 5); three expansions, then contractions back to
    // baseline: exactly one direction flip in 25 cycles.
    let loaded = load_file(&root().join("scenarios/strike_dropout_recovery.ron")).unwrap();
    let run = run_scenario(&loaded, &RunOptions::default()).unwrap();
    let s = score(&run.result.cycles, &run.result.events, &run.outcomes, &loaded.scenario.phases);
    assert_eq!(s.flips_per_10, 10.0 / 25.0);
    let back = run.result.cycles.iter().find(|c| c.cycle >= 5 && c.indices[0].depth == c.indices[0].baseline).unwrap();
    assert_eq!((s.recovery_cycles, s.unrecovered), ((back.cycle - 5) as f64, 0));
    assert!(s.recovery_cycles > 0.0);
    assert_eq!(s.partial_expiry_cycles, 3, "the three dropout cycles are PARTIAL");
    assert_eq!(s.clamp_events, 0);
    assert!(s.passed);
    let depth: f64 = run.result.cycles.iter().map(|c| f64::from(c.indices[0].depth.itm)).sum::<f64>() / 25.0;
    assert_eq!(s.mean_depth, depth, "depths are symmetric here");
}

#[test]
fn results_are_the_same_bytes_with_one_or_two_threads() {
    let dir = temp_dir("sweep-threads");
    let args = |jobs: &str, out: &Path| {
        g6sim(
            &[
                "sweep",
                SCENARIO,
                "--param",
                "contract_ok_cycles=2..5",
                "--param",
                "contract_cooldown=0,3",
                "--seeds",
                "2",
                "--jobs",
                jobs,
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        )
    };
    let (one, two) = (dir.join("one"), dir.join("two"));
    let out = args("1", &one);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("recommended: setting "), "{}", text(&out.stdout));
    assert_eq!(args("2", &two).status.code(), Some(0));
    let (a, b) = (tree_bytes(&one), tree_bytes(&two));
    assert_eq!(a.keys().collect::<Vec<_>>(), TWO_KEY_SWEEP_FILES);
    assert_eq!(a, b, "every file, the heat maps too, the same bytes");
    // The heat map: the keys as axis labels, every value as a tick label in each of the three panels, the
    // recommended cell outlined in each panel.
    let svg = text(&a["heatmaps/contract_ok_cycles__contract_cooldown.svg"]);
    let texts = svg_texts(&svg);
    assert!(texts.contains(&"coverage_flapping: contract_ok_cycles x contract_cooldown"), "{texts:?}");
    for panel in ["flips per 10 cycles", "mean depth (strikes per side)", "PARTIAL expiry-cycles per run"] {
        assert!(texts.contains(&panel), "{panel}: {texts:?}");
    }
    for key in ["contract_ok_cycles", "contract_cooldown"] {
        assert_eq!(texts.iter().filter(|t| **t == key).count(), 3, "{key} labels an axis of each panel");
    }
    for value in ["2", "3", "4", "5", "0"] {
        assert!(texts.iter().filter(|t| **t == value).count() >= 3, "tick label {value}: {texts:?}");
    }
    let (cell, panels) = outlined_cell(&svg);
    let ok = ["2", "3", "4", "5"].iter().position(|v| *v == recommended(&a["results.json"], "contract_ok_cycles"));
    let cooldown = ["0", "3"].iter().position(|v| *v == recommended(&a["results.json"], "contract_cooldown"));
    assert_eq!((Some(cell.0), Some(cell.1), panels), (ok, cooldown, 3), "the recommended cell is outlined");
    let png = image::load_from_memory(&a["heatmaps/contract_ok_cycles__contract_cooldown.png"]).unwrap().to_rgb8();
    assert_eq!(png.dimensions(), (1500, 600));
    assert!(png.pixels().filter(|p| p.0 != [255, 255, 255]).count() > 50_000, "the PNG is drawn");
    // A sweep of one key over the same directory draws bars instead, and the pair's heat map goes.
    let o = g6sim(
        &["sweep", SCENARIO, "--param", "contract_ok_cycles=2..5", "--seeds", "1", "--out", one.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let single: Vec<String> = tree_bytes(&one).into_keys().filter(|k| k.starts_with("heatmaps/")).collect();
    assert_eq!(single, ["heatmaps/contract_ok_cycles.png", "heatmaps/contract_ok_cycles.svg"]);
    assert!(text(&o.stdout).contains("heatmaps/contract_ok_cycles.svg"), "the files written are listed");
    let csv = text(&a["results.csv"]);
    assert_eq!(csv.lines().count(), 1 + 8, "a header and one row per setting");
    assert!(
        csv.starts_with("setting,contract_ok_cycles,contract_cooldown,seeds,pass_share,pass_share_lo,pass_share_hi,flips_per_10_mean,"),
        "{csv}"
    );
}

#[test]
fn shards_run_as_processes_merge_into_the_unsharded_sweep_byte_for_byte() {
    let dir = temp_dir("sweep-shards");
    let base = [
        "sweep",
        SCENARIO,
        "--param",
        "contract_step=1..3",
        "--param",
        "contract_cooldown=0,2",
        "--param",
        "contract_ok_cycles=3,5",
        "--seeds",
        "2",
    ];
    let run = |extra: &[&str], out: &Path, env: &[(&str, &str)]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        args.extend(["--out", out.to_str().unwrap()]);
        let o = g6sim(&args, env);
        assert_eq!(o.status.code(), Some(0), "{extra:?} {env:?}: {}", text(&o.stderr));
        o
    };
    let whole = dir.join("whole");
    run(&[], &whole, &[]);
    // Three shards, each taking its index a different way: --shard, a Kubernetes Indexed Job, a Slurm array.
    let shards = [dir.join("s0"), dir.join("s1"), dir.join("s2")];
    run(&["--shard", "0/3"], &shards[0], &[]);
    run(&["--shards", "3"], &shards[1], &[("JOB_COMPLETION_INDEX", "1")]);
    let o = run(
        &[],
        &shards[2],
        &[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "3")],
    );
    assert!(text(&o.stdout).contains("shard 2/3"), "{}", text(&o.stdout));
    assert!(shards[2].join("runs-shard-2-of-3.jsonl").is_file());
    let merged = dir.join("merged");
    let mut args = vec!["sweep", "merge"];
    args.extend(shards.iter().map(|s| s.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap()]);
    let o = g6sim(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let (merged_files, whole_files) = (tree_bytes(&merged), tree_bytes(&whole));
    assert_eq!(merged_files, whole_files, "merged shards equal the single-machine sweep, heat maps included");
    // Three swept keys: one heat map per pair, in --param order, the third key held at the recommended value.
    let maps: Vec<&String> = whole_files.keys().filter(|k| k.starts_with("heatmaps/")).collect();
    assert_eq!(
        maps,
        [
            "heatmaps/contract_cooldown__contract_ok_cycles.png",
            "heatmaps/contract_cooldown__contract_ok_cycles.svg",
            "heatmaps/contract_step__contract_cooldown.png",
            "heatmaps/contract_step__contract_cooldown.svg",
            "heatmaps/contract_step__contract_ok_cycles.png",
            "heatmaps/contract_step__contract_ok_cycles.svg",
        ]
    );
    let held = recommended(&whole_files["results.json"], "contract_ok_cycles");
    let svg = text(&whole_files["heatmaps/contract_step__contract_cooldown.svg"]);
    let title = format!(
        "coverage_flapping: contract_step x contract_cooldown, contract_ok_cycles={held} (as in the recommended setting)"
    );
    assert!(svg_texts(&svg).contains(&title.as_str()), "{:?}", svg_texts(&svg));
    // A missing or duplicated shard is a clear error.
    let o = g6sim(
        &[
            "sweep",
            "merge",
            shards[0].to_str().unwrap(),
            shards[2].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("shard(s) 1/3 missing"), "{}", text(&o.stderr));
    let o = g6sim(
        &[
            "sweep",
            "merge",
            shards[0].to_str().unwrap(),
            shards[0].to_str().unwrap(),
            shards[1].to_str().unwrap(),
            shards[2].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("shard 0/3 is given twice"), "{}", text(&o.stderr));
    // Shards of another sweep do not mix.
    let other = dir.join("other");
    let o = g6sim(
        &[
            "sweep",
            SCENARIO,
            "--param",
            "contract_step=1,2",
            "--seeds",
            "1",
            "--shard",
            "1/3",
            "--out",
            other.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = g6sim(
        &[
            "sweep",
            "merge",
            shards[0].to_str().unwrap(),
            other.to_str().unwrap(),
            shards[2].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("describe different sweeps"), "{}", text(&o.stderr));
}

#[test]
fn bad_keys_values_and_shards_are_refused_before_anything_runs() {
    let dir = temp_dir("sweep-bad");
    let out = dir.join("out");
    for (args, message) in [
        (vec!["--param", "contract_ok_cycle=2..4"], "unknown key (did you mean `contract_ok_cycles`?)"),
        (vec!["--param", "contract_step=0..2"], "setting contract_step=0: --param contract_step=0: 0 is out of range"),
        (vec!["--param", "depth_max_itm=4,20"], "setting depth_max_itm=4: --param depth_max_itm=4: the expansion cap"),
        (vec!["--param", "contract_step=5..1"], "the range is empty"),
        // A bad --set is every setting's, not the first one's.
        (
            vec!["--param", "contract_step=1,2", "--set", "contract_cooldown=abc"],
            "error: --set contract_cooldown=abc: ",
        ),
        (vec!["--param", "contract_step=1,2", "--param", "contract_step=3"], "the key is swept twice"),
        (vec!["--param", "contract_step=1", "--seeds", "0"], "expected a count from 1"),
        (vec!["--param", "contract_step=1", "--shard", "3/3"], "0 <= I < N"),
        (vec!["--param", "contract_step=1", "--shards", "2"], "neither is set"),
        (vec![], "required arguments were not provided:\n  --param"),
    ] {
        let mut all = vec!["sweep", SCENARIO];
        all.extend(args.iter().copied());
        all.extend(["--out", out.to_str().unwrap()]);
        let o = g6sim(&all, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(message), "{args:?}: {}", text(&o.stderr));
        assert!(!out.exists(), "{args:?}: nothing written");
    }
}

#[test]
fn the_shard_comes_from_the_flag_or_the_batch_engine() {
    use g6sim::sweep::shard_from;
    let env =
        |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
    let shard = |index, count| Shard { index, count };
    assert_eq!(shard_from(None, None, &env(&[])), Ok(Shard::ALL));
    let empty = env(&[("SLURM_ARRAY_TASK_ID", ""), ("SLURM_ARRAY_TASK_COUNT", " "), ("JOB_COMPLETION_INDEX", "")]);
    assert_eq!(shard_from(None, None, &empty), Ok(Shard::ALL), "empty variables are unset");
    assert_eq!(shard_from(Some(shard(1, 4)), None, &env(&[("JOB_COMPLETION_INDEX", "3")])), Ok(shard(1, 4)));
    assert_eq!(shard_from(None, Some(4), &env(&[("JOB_COMPLETION_INDEX", "3")])), Ok(shard(3, 4)));
    assert!(
        shard_from(None, Some(4), &env(&[("JOB_COMPLETION_INDEX", "4")]))
            .unwrap_err()
            .to_string()
            .contains("does not exist")
    );
    assert_eq!(
        shard_from(None, None, &env(&[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "2")])),
        Ok(shard(0, 2))
    );
    assert_eq!(
        shard_from(None, Some(5), &env(&[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1")])),
        Ok(shard(4, 5))
    );
    assert!(shard_from(None, None, &env(&[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "2")])).is_err());
    let all: Vec<usize> = (0..3).flat_map(|i| (0..10).filter(move |j| shard(i, 3).owns(*j))).collect();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(sorted, (0..10).collect::<Vec<_>>(), "the shards cover every job exactly once");
}

/// `--full` runs every job in a World: the same files as the lean path, and each run says which it took.
#[test]
fn full_runs_write_the_same_files_as_the_lean_path() {
    let dir = temp_dir("sweep-full");
    let run = |extra: &[&str], out: &Path| {
        let out = sweep_into(out, &[&["--param", "contract_step=1..3", "--seeds", "3"], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let (lean, full) = (dir.join("lean"), dir.join("full"));
    assert!(run(&[], &lean).contains("scoring on the lean path"));
    assert!(run(&["--full"], &full).contains("scoring full runs (--full)"));
    assert_eq!(tree_bytes(&lean), tree_bytes(&full));
    // A sweep the lean path does not model says why and runs in full.
    let other = dir.join("other");
    let out = g6sim(
        &[
            "sweep",
            "scenarios/synthetic_fallback.ron",
            "--param",
            "contract_step=1,2",
            "--seeds",
            "1",
            "--no-env",
            "--out",
            other.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(
            "scoring full runs: the lean path does not model the expectation `total synthetic_index_price events"
        ),
        "{}",
        text(&out.stdout)
    );
}

/// A sweep (or a merge) refuses an --out that holds something else, before anything runs; `--force` writes
/// into it, leaving what was there; a sweep's own directory (shards included) is reused.
#[test]
fn a_sweep_owns_its_directory() {
    let dir = temp_dir("sweep-owns");
    let foreign = dir.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("results.csv"), "mine\n").unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine\n").unwrap();
    let sweep = |out: &Path, extra: &[&str]| {
        sweep_into(out, &[&["--param", "contract_step=1,2", "--seeds", "1"], extra].concat())
    };
    let out = sweep(&foreign, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("holds no g6sim sweep (no sweep.json)"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--force"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).is_empty(), "refused before anything runs: {}", text(&out.stdout));
    assert_eq!(std::fs::read_to_string(foreign.join("results.csv")).unwrap(), "mine\n");
    assert!(!foreign.join("sweep.json").exists());
    // Shards share a directory, and the merge writes the whole sweep into it.
    let shared = dir.join("shared");
    for shard in ["0/2", "1/2"] {
        assert_eq!(sweep(&shared, &["--shard", shard]).status.code(), Some(0));
    }
    let merged = g6sim(&["sweep", "merge", shared.to_str().unwrap(), "--out", shared.to_str().unwrap()], &[]);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    assert_eq!(sweep(&shared, &[]).status.code(), Some(0), "a sweep's directory is reused");
    // Another sweep there replaces the heat maps of the keys the sweep before swept, and nothing else of
    // heatmaps/.
    std::fs::write(shared.join("heatmaps/mine.png"), "mine").unwrap();
    let other = g6sim(
        &[
            "sweep",
            SCENARIO,
            "--param",
            "contract_ok_cycles=3,5",
            "--seeds",
            "1",
            "--no-env",
            "--out",
            shared.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(other.status.code(), Some(0), "{}", text(&other.stderr));
    let mut maps: Vec<String> = std::fs::read_dir(shared.join("heatmaps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    maps.sort();
    assert_eq!(maps, ["contract_ok_cycles.png", "contract_ok_cycles.svg", "mine.png"]);
    let into_foreign = g6sim(&["sweep", "merge", shared.to_str().unwrap(), "--out", foreign.to_str().unwrap()], &[]);
    assert_eq!(into_foreign.status.code(), Some(2), "{}", text(&into_foreign.stderr));
    assert_eq!(sweep(&foreign, &["--force"]).status.code(), Some(0));
    assert!(foreign.join("sweep.json").exists());
    assert_ne!(
        std::fs::read_to_string(foreign.join("results.csv")).unwrap(),
        "mine\n",
        "--force replaces g6sim's files"
    );
    assert_eq!(std::fs::read_to_string(foreign.join("notes.txt")).unwrap(), "mine\n", "and leaves the others");
}

/// `--cycles` sets every run's length, is recorded in `sweep.json`, and shards of different lengths do not
/// merge.
#[test]
fn cycles_set_every_runs_length_and_shards_must_agree() {
    let dir = temp_dir("sweep-cycles");
    let sweep = |out: &Path, extra: &[&str]| {
        let out = sweep_into(out, &[&["--param", "contract_step=1,2", "--seeds", "1"], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    };
    let (short, long) = (dir.join("short"), dir.join("long"));
    sweep(&short, &["--cycles", "12", "--shard", "0/2"]);
    sweep(&long, &["--cycles", "80", "--shard", "1/2"]);
    let manifest = std::fs::read_to_string(long.join("sweep.json")).unwrap();
    assert!(manifest.contains("\"cycles\": 80"), "{manifest}");
    let merged = g6sim(
        &["sweep", "merge", short.to_str().unwrap(), long.to_str().unwrap(), "--out", dir.join("m").to_str().unwrap()],
        &[],
    );
    assert_eq!(merged.status.code(), Some(2));
    assert!(text(&merged.stderr).contains("describe different sweeps"), "{}", text(&merged.stderr));
    // Every run is 12 cycles long and scores as a full 12-cycle run does.
    let p = {
        let loaded = load_file(&root().join(SCENARIO)).unwrap();
        let params = vec![parse_param("contract_step=1,2").unwrap()];
        Plan::new(vec![Source::of(loaded)], RunOptions { cycles: Some(12), ..RunOptions::default() }, params, vec![1])
            .unwrap()
    };
    let jobs = p.run(Shard::ALL, 1, |_| {}).unwrap();
    let run = run_scenario(&p.members[0].loaded, &p.options(&p.settings[0], 1)).unwrap();
    assert_eq!(run.result.cycles.len(), 12);
    let full = score(&run.result.cycles, &run.result.events, &run.outcomes, &p.members[0].loaded.scenario.phases);
    assert_eq!(jobs[0].score, full);
}
