//! `g6sim sweep` over a suite: several scenarios, histories, directories of them and generated workloads,
//! each setting scored on every member; per-member results equal single sweeps of the members, the suite's
//! figures combine them by the stated rule, and the outputs are the same bytes whatever the threads or shards.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;

const FLAPPING: &str = "scenarios/coverage_flapping.ron";
const DROPOUT: &str = "scenarios/strike_dropout_recovery.ron";
const DIP: &str = "scenarios/history/nifty_strike_dip.jsonl";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `g6sim sweep ARGS --no-env --out OUT`, expecting success; returns stdout.
fn sweep(out: &Path, args: &[&str]) -> String {
    let all = [&["sweep"][..], args, &["--no-env", "--out", out.to_str().unwrap()]].concat();
    let o = g6sim(&all);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

/// A CSV file as rows of fields, keyed by the header (no field of these files is quoted).
fn csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let body = std::fs::read_to_string(path).unwrap();
    let mut lines = body.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect()).collect()
}

/// The sweep of `args` run as three shards (`DIR/shard-I`) and merged (`DIR/merged`): the merged files.
fn three_shards_merged(dir: &Path, args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let mut merge = vec!["sweep".to_string(), "merge".to_string()];
    for i in 0..3 {
        let shard = dir.join(format!("shard-{i}"));
        sweep(&shard, &[args, &["--shard", &format!("{i}/3")]].concat());
        merge.push(shard.display().to_string());
    }
    let merged = dir.join("merged");
    merge.extend(["--out".to_string(), merged.display().to_string()]);
    let o = g6sim(&merge.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    tree_bytes(&merged)
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {}", row[column]))
}

/// The score columns: every column but the setting's identity and `pareto`.
fn scores(row: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    row.iter()
        .filter(|(k, _)| !["setting", "member", "pareto", "member_pass_share"].contains(&k.as_str()))
        // members.csv carries no intervals.
        .filter(|(k, _)| !k.ends_with("_lo") && !k.ends_with("_hi"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn each_members_rows_are_its_own_sweeps_and_the_suite_combines_them_by_the_rule() {
    let dir = temp_dir("suite-members");
    let params = ["--param", "contract_ok_cycles=2,4", "--param", "contract_cooldown=0,3", "--seeds", "3"];
    let suite = dir.join("suite");
    let out = sweep(&suite, &[&[FLAPPING, DROPOUT, DIP][..], &params].concat());
    assert!(
        out.starts_with("sweep of a suite of 3 members: 4 settings x 7 runs (3 seeds a member; the history once"),
        "{out}"
    );
    assert!(out.contains("settings are ranked by the mean of the members' scores (--aggregate)"), "{out}");
    assert!(
        out.contains("scoring 2 members on the lean path, 1 in full: nifty_strike_dip (a recorded history)"),
        "{out}"
    );
    assert!(out.contains("means over seeds, then the mean of 3 members"), "{out}");
    let members = csv(&suite.join("members.csv"));
    assert_eq!(members.len(), 4 * 3, "a row per setting and member");
    for (m, path) in [FLAPPING, DROPOUT, DIP].iter().enumerate() {
        let single = dir.join(format!("single-{m}"));
        // A history takes the suite's first seed, as its own sweep does by default.
        let seeds: &[&str] = if m == 2 { &[] } else { &["--seeds", "3"] };
        sweep(&single, &[&[*path][..], &params[..4], seeds].concat());
        for (s, row) in csv(&single.join("results.csv")).iter().enumerate() {
            let member = &members[s * 3 + m];
            assert_eq!(member["setting"], s.to_string());
            assert_eq!(scores(member), scores(row), "member {m} setting {s}");
        }
    }
    let results = csv(&suite.join("results.csv"));
    assert_eq!(results.len(), 4);
    for (s, row) in results.iter().enumerate() {
        let on = &members[s * 3..s * 3 + 3];
        assert_eq!(row["seeds"], "7", "3 + 3 + 1 runs");
        for column in ["pass_share", "flips_per_10_mean", "mean_depth_p95", "recovery_cycles_mean"] {
            let mean = on.iter().map(|m| number(m, column)).sum::<f64>() / 3.0;
            assert!((number(row, column) - mean).abs() < 1e-12, "{column}: {} vs {mean}", row[column]);
        }
        // The worst seed is the suite's worst, whatever the rule.
        let worst = on.iter().map(|m| number(m, "flips_per_10_worst")).fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(number(row, "flips_per_10_worst"), worst);
        let sum: f64 = on.iter().map(|m| number(m, "unrecovered")).sum();
        assert_eq!(number(row, "unrecovered"), sum);
        let all_pass = on.iter().filter(|m| m["pass_share"] == "1").count() as f64 / 3.0;
        assert_eq!(number(row, "member_pass_share"), all_pass);
    }
    let worst = dir.join("worst");
    let out = sweep(&worst, &[&[FLAPPING, DROPOUT, DIP][..], &params, &["--aggregate", "worst"]].concat());
    assert!(out.contains("ranked by the worst of the members' scores"), "{out}");
    for (s, row) in csv(&worst.join("results.csv")).iter().enumerate() {
        let on = &members[s * 3..s * 3 + 3];
        let max = |c: &str| on.iter().map(|m| number(m, c)).fold(f64::NEG_INFINITY, f64::max);
        let min = |c: &str| on.iter().map(|m| number(m, c)).fold(f64::INFINITY, f64::min);
        assert_eq!(number(row, "flips_per_10_worst"), max("flips_per_10_worst"));
        assert_eq!(number(row, "mean_depth_mean"), max("mean_depth_mean"));
        assert_eq!(number(row, "pass_share"), min("pass_share"), "better higher: the worst is the smallest");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(worst.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(manifest["scenario"], "suite");
    assert_eq!(manifest["aggregate"], "worst");
    assert_eq!(manifest["members"][2]["kind"], "history");
    assert_eq!(manifest["members"][2]["seeds"], serde_json::json!([1]));
    assert_eq!(manifest["members"][1]["name"], "strike_dropout_recovery");
}

#[test]
fn a_suite_with_generated_members_is_the_same_bytes_on_threads_shards_and_full_runs() {
    let dir = temp_dir("suite-bytes");
    let args = [
        FLAPPING,
        DIP,
        "--explore",
        "2",
        "--param",
        "contract_ok_cycles=2,4",
        "--param",
        "depth_max_itm=12,30",
        "--seeds",
        "2",
    ];
    let one = dir.join("one");
    let out = sweep(&one, &[&args[..], &["--jobs", "1"]].concat());
    assert!(out.starts_with("sweep of a suite of 4 members: 4 settings x 7 runs"), "{out}");
    let two = dir.join("two");
    sweep(&two, &[&args[..], &["--jobs", "2"]].concat());
    let full = dir.join("full");
    sweep(&full, &[&args[..], &["--full"]].concat());
    let whole = tree_bytes(&one);
    assert_eq!(whole, tree_bytes(&two), "one or two threads");
    assert_eq!(whole, tree_bytes(&full), "lean or full runs");
    assert_eq!(whole, three_shards_merged(&dir, &args), "three shards merged");
    // The generated members: named by seed, judged by the property catalogue, within the smallest cap swept.
    let manifest: serde_json::Value = serde_json::from_slice(&whole["sweep.json"]).unwrap();
    let names: Vec<&str> =
        manifest["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["coverage_flapping", "nifty_strike_dip", "explore-1", "explore-2"]);
    assert_eq!(manifest["members"][3]["kind"], "generated");
    let members = text(&whole["members.csv"]);
    assert!(members.lines().any(|l| l.starts_with("0,explore-2,")), "{members}");
}

#[test]
fn a_directory_stands_for_its_scenarios_and_histories() {
    let dir = temp_dir("suite-dirs");
    let out = sweep(&dir.join("h"), &["scenarios/history/", "--param", "contract_ok_cycles=2,3"]);
    assert!(
        out.starts_with(
            "sweep of a suite of 2 members: 2 settings x 2 runs (one run of each history: a replay draws no random numbers) = 4 runs"
        ),
        "{out}"
    );
    let names: Vec<String> = csv(&dir.join("h/members.csv")).iter().take(2).map(|r| r["member"].clone()).collect();
    assert_eq!(names, ["banknifty_low_both", "nifty_strike_dip"]);
}

#[test]
fn bad_suites_are_refused_before_anything_runs() {
    let dir = temp_dir("suite-bad");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let param = ["--param", "contract_ok_cycles=2,3"];
    let refused = |args: &[&str], says: &str| {
        let out = dir.join("out");
        let all = [&["sweep"][..], args, &param, &["--no-env", "--out", out.to_str().unwrap()]].concat();
        let o = g6sim(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(says), "{args:?}: {}", text(&o.stderr));
        assert!(!out.exists(), "{args:?}: nothing written");
    };
    refused(&[empty.to_str().unwrap()], "holds no scenario (.ron), no history (.jsonl, .csv)");
    refused(&[FLAPPING, DIP, FLAPPING], "is the same scenario as scenarios/coverage_flapping.ron");
    refused(&["scenarios/history/", "--seeds", "3"], "3 seeds of a history");
    refused(&[FLAPPING, DROPOUT, "--depth", "12"], "--depth applies to a history");
    refused(&[FLAPPING, "no/such.ron"], "no/such.ron");
    refused(&["--explore", "0"], "--explore");
    refused(&["--explore", "100000"], "--explore");
    refused(&[FLAPPING, DROPOUT, "--aggregate", "worse"], "expected mean or worst");
    // Every member is prepared for every setting: a cap below a member's baseline names the member.
    refused(&[FLAPPING, DROPOUT, "--set", "depth_max_itm=1"], "scenarios/");
}

#[test]
fn constraints_choose_the_front_and_the_objective_the_pick() {
    let dir = temp_dir("suite-require");
    let grid = [FLAPPING, "--param", "contract_ok_cycles=1..6", "--param", "contract_cooldown=0,4", "--seeds", "3"];
    let plain = dir.join("plain");
    sweep(&plain, &grid);
    let constrained = dir.join("constrained");
    let out = sweep(
        &constrained,
        &[&grid[..], &["--require", "flips_per_10_worst <= 0.5", "--require", "pass_share==1"]].concat(),
    );
    assert!(out.contains("of\nthe "), "{out}");
    assert!(out.contains("feasible settings (flips_per_10_worst<=0.5, pass_share==1); * recommended"), "{out}");
    let rows = csv(&constrained.join("results.csv"));
    for row in &rows {
        let feasible = number(row, "flips_per_10_worst") <= 0.5 && row["pass_share"] == "1";
        assert_eq!(row["feasible"], feasible.to_string(), "setting {}", row["setting"]);
        assert!(row["pareto"] == "false" || feasible, "only feasible settings are on the front");
    }
    assert!(rows.iter().any(|r| r["feasible"] == "false") && rows.iter().any(|r| r["feasible"] == "true"));
    // Without constraints the files have no feasible column; the manifest records the constraints, so shards
    // of a constrained sweep merge into the same ranking.
    assert!(!std::fs::read_to_string(plain.join("results.csv")).unwrap().contains("feasible"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(constrained.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(manifest["require"], serde_json::json!(["flips_per_10_worst<=0.5", "pass_share==1"]));
    // The objective picks among the front: the quickest recovery rather than the cheapest.
    let dropout = [DROPOUT, "--param", "contract_ok_cycles=1..6", "--param", "contract_cooldown=0,4", "--seeds", "3"];
    let cheapest = dir.join("cheapest");
    sweep(&cheapest, &dropout);
    let quick = dir.join("quick");
    let out = sweep(&quick, &[&dropout[..], &["--minimize", "recovery_cycles"]].concat());
    let pick = |dir: &Path| -> serde_json::Value {
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
            ["recommended"]["setting"]
            .clone()
    };
    let results = csv(&quick.join("results.csv"));
    let front: Vec<&BTreeMap<String, String>> = results.iter().filter(|r| r["pareto"] == "true").collect();
    let best = front.iter().map(|r| number(r, "recovery_cycles_mean")).fold(f64::INFINITY, f64::min);
    let chosen = &results[pick(&quick).as_u64().unwrap() as usize];
    assert_eq!(number(chosen, "recovery_cycles_mean"), best, "{out}");
    assert!(out.contains("recommended: setting "), "{out}");
    // Nothing feasible: no recommendation, why, and a clean exit (the sweep did its job).
    let none = dir.join("none");
    let out = sweep(&none, &[&grid[..], &["--require", "mean_depth<1", "--require", "pass_share>=0"]].concat());
    assert!(
        out.contains("recommended: none: no setting is feasible; the constraint that binds most often: mean_depth_mean<1 (fails 12 of 12 settings)"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(none.join("results.json")).unwrap()).unwrap();
    assert!(json["recommended"].is_null());
    assert!(json["infeasible"].as_str().unwrap().starts_with("no setting is feasible"));
}

#[test]
fn bad_constraints_and_objectives_are_refused_all_at_once() {
    let dir = temp_dir("suite-require-bad");
    let out = dir.join("out");
    let o = g6sim(&[
        "sweep",
        FLAPPING,
        "--param",
        "contract_ok_cycles=2,3",
        "--require",
        "recovery_p95<=15",
        "--require",
        "pass_share=1",
        "--require",
        "flips_per_10<=nan",
        "--minimize",
        "pass_share",
        "--no-env",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    for says in [
        "--require \"recovery_p95<=15\": no score recovery_p95 (did you mean `recovery_cycles_p95`?)",
        "--require \"pass_share=1\": = is not an operator (did you mean `==`?)",
        "--require \"flips_per_10<=nan\": nan is not a finite number",
        "--minimize pass_share: pass_share is better higher",
        "  scores: pass_share, member_pass_share, flips_per_10[_mean|_p95|_worst]",
    ] {
        assert!(err.contains(says), "{says}: {err}");
    }
    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_sample_draws_settings_from_the_ranges_and_merges_like_a_grid() {
    let dir = temp_dir("suite-sample");
    let args = [
        FLAPPING,
        DROPOUT,
        "--param",
        "contract_ok_cycles=1..8",
        "--param",
        "strike_coverage_ok=0.6..0.9",
        "--param",
        "contract_cooldown=0,2,5",
        "--sample",
        "sobol:16",
        "--seeds",
        "2",
    ];
    let whole = dir.join("whole");
    let out = sweep(&whole, &args);
    assert!(out.starts_with("sweep of a suite of 2 members: a Sobol sample of 16 settings (seed 1) x 4 runs"), "{out}");
    let rows = csv(&whole.join("results.csv"));
    assert_eq!(rows.len(), 16);
    for row in &rows {
        let coverage = number(row, "strike_coverage_ok");
        assert!((0.6..=0.9).contains(&coverage), "{coverage}");
        assert!((1.0..=8.0).contains(&number(row, "contract_ok_cycles")));
    }
    // Sobol points stratify each key: 16 points over 8 integers, 2 each.
    let mut counts = BTreeMap::new();
    for row in &rows {
        *counts.entry(row["contract_ok_cycles"].clone()).or_insert(0) += 1;
    }
    assert!(counts.values().all(|n| *n == 2), "{counts:?}");
    assert!(!whole.join("heatmaps").exists(), "a sample is no grid: no heat maps");
    assert_eq!(tree_bytes(&whole), three_shards_merged(&dir, &args));
    let lhs = dir.join("lhs");
    sweep(&lhs, &[&args[..8], &["--sample", "lhs:16", "--design-seed", "7", "--seeds", "2"]].concat());
    assert_ne!(std::fs::read(lhs.join("results.csv")).unwrap(), std::fs::read(whole.join("results.csv")).unwrap());
}

#[test]
fn importance_finds_the_knob_that_matters_and_a_key_never_read_explains_nothing() {
    let dir = temp_dir("suite-importance");
    let out = sweep(
        &dir.join("i"),
        &[
            FLAPPING,
            "--param",
            "contract_ok_cycles=1..8",
            "--param",
            "contract_cooldown=0..5",
            // The scenario leaves strike scaling off, so this key is never read.
            "--param",
            "strike_scaling_restore_healthy=1..5",
            "--importance",
            "32",
            "--seeds",
            "2",
        ],
    );
    assert!(out.contains("a Saltelli design of 32 rows, 160 settings (seed 1"), "{out}");
    assert!(out.contains("the knob that matters most for mean_depth: contract_ok_cycles"), "{out}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("i/results.json")).unwrap()).unwrap();
    for score in ["mean_depth", "flips_per_10", "recovery_cycles"] {
        let never = &json["importance"][score]["strike_scaling_restore_healthy"];
        assert_eq!((never["first"].as_f64(), never["total"].as_f64()), (Some(0.0), Some(0.0)), "{score}: {never}");
        assert_eq!(never["total_ci"], serde_json::json!([0.0, 0.0]));
    }
    let depth = &json["importance"]["mean_depth"];
    assert!(depth["contract_ok_cycles"]["total"].as_f64() > depth["contract_cooldown"]["total"].as_f64());
    for chart in ["importance/mean_depth", "importance/flips_per_10", "pareto/flips_per_10__mean_depth"] {
        for ext in ["svg", "png"] {
            assert!(dir.join(format!("i/{chart}.{ext}")).is_file(), "{chart}.{ext}");
        }
    }
    let svg = std::fs::read_to_string(dir.join("i/importance/mean_depth.svg")).unwrap();
    for key in ["contract_ok_cycles", "contract_cooldown", "strike_scaling_restore_healthy"] {
        assert!(svg.contains(key), "{key} labels its bars");
    }
    // A grid sweep into the same directory keeps its own charts and drops the design's.
    sweep(&dir.join("i"), &[FLAPPING, "--param", "contract_ok_cycles=1..3", "--seeds", "2"]);
    assert!(!dir.join("i/importance/mean_depth.svg").exists(), "stale importance charts are removed");
    assert!(dir.join("i/heatmaps/contract_ok_cycles.svg").is_file());
    assert!(dir.join("i/pareto/flips_per_10__mean_depth.svg").is_file());
    assert!(json["importance"]["unrecovered"].is_null() || json["importance"]["unrecovered"].is_object());
}

#[test]
fn bad_designs_are_refused_before_anything_runs() {
    let dir = temp_dir("suite-design-bad");
    let out = dir.join("out");
    for (args, says) in [
        (&["--sample", "sobol"][..], "expected sobol:N or lhs:N"),
        (&["--sample", "sobl:8"], "did you mean"),
        (&["--sample", "lhs:8", "--importance", "8"], "cannot be used with"),
        (&["--importance", "7"], "expected a number of rows from 8"),
        (&["--importance", "1"], "expected a number of rows from 8"),
        (&["--importance", "8"], "give at least two"),
        (&["--sample", "sobol:2000000"], "the design is too large"),
    ] {
        let all = [
            &["sweep", FLAPPING, "--param", "contract_ok_cycles=1..8", "--no-env", "--out", out.to_str().unwrap()][..],
            args,
        ]
        .concat();
        let o = g6sim(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(says), "{args:?}: {}", text(&o.stderr));
        assert!(!out.exists());
    }
}

/// A random walk whose prefilter clamp depends on the seed: the clamp events, and so the pass share, differ
/// from seed to seed, which is what a halving must see through.
const WALK: &str = "scenarios/walk.ron";

#[test]
fn halving_finds_the_grids_best_setting_at_a_third_of_the_runs() {
    let dir = temp_dir("sweep-halving");
    let question =
        [WALK, "--param", "prefilter_max_instruments=70..103", "--seeds", "32", "--minimize", "clamp_events_mean"];
    let grid_out = dir.join("grid");
    sweep(&grid_out, &question);
    let halving_out = dir.join("halving");
    let printed = sweep(&halving_out, &[&question[..], &["--search", "halving", "--jobs", "2"]].concat());
    // 34 settings x 32 seeds = 1088 runs; a third continues: rungs of 2, 6, 18 and 32 seeds for at least 34,
    // 12, 4 and 2 settings: 34*2 + 12*4 + 4*12 + 2*14 = 192 runs at least.
    assert!(
        printed.contains(
            "successive halving keeping 1/3: 4 rungs of 2, 6, 18 and 32 seeds for at least 34, 12, 4 and 2 settings: \
             at least 192 of the 1088 runs without halving (18%)"
        ),
        "{printed}"
    );
    // Settings tied at a cut continue: here 18, 10 and 4 of them.
    assert!(
        printed.contains(
            "halving: rungs of 2, 6, 18 and 32 seeds ran 34, 18, 10 and 4 settings: 316 of the 1088 runs without halving (29%); \
             the last rung's 4 settings may be recommended"
        ),
        "{printed}"
    );
    let grid = json(&grid_out.join("results.json"));
    let halved = json(&halving_out.join("results.json"));
    let best = grid["recommended"]["setting"].as_u64().unwrap();
    let pick = halved["recommended"]["setting"].as_u64().unwrap();
    let as_good: Vec<u64> =
        grid["recommended"]["indistinguishable"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect();
    assert!(pick == best || as_good.contains(&pick), "halving picked {pick}, the grid {best} (or {as_good:?})");
    assert_eq!(pick, best, "on this walk, the very same setting");

    // A job keeps its number: each run of the halving is the grid's run of that number, byte for byte.
    let grid_runs = std::fs::read_to_string(grid_out.join("runs.jsonl")).unwrap();
    let grid_runs: Vec<&str> = grid_runs.lines().collect();
    let runs = std::fs::read_to_string(halving_out.join("runs.jsonl")).unwrap();
    assert_eq!(runs.lines().count(), 316);
    let mut numbers = Vec::new();
    for line in runs.lines() {
        let job: serde_json::Value = serde_json::from_str(line).unwrap();
        let n = job["job"].as_u64().unwrap() as usize;
        assert_eq!(line, grid_runs[n], "job {n}");
        numbers.push(n);
    }
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "runs.jsonl is in job order");

    // Every setting has a row with the rung it stopped at and the seeds it ran; only the last rung's are on the
    // front, and the seeds a rung ran are a prefix of the seeds.
    let rows = csv(&halving_out.join("results.csv"));
    assert_eq!(rows.len(), 34);
    let mut per_rung = BTreeMap::new();
    for row in &rows {
        let (rung, seeds) = (number(row, "rung") as usize, number(row, "seeds") as usize);
        assert_eq!(seeds, [2, 6, 18, 32][rung - 1], "setting {}", row["setting"]);
        *per_rung.entry(rung).or_insert(0) += 1;
        if row["pareto"] == "true" {
            assert_eq!(rung, 4, "setting {} is on the front at rung {rung}", row["setting"]);
        }
    }
    assert_eq!(per_rung, BTreeMap::from([(1, 16), (2, 8), (3, 6), (4, 4)]));
    assert_eq!(halved["sweep"]["halving"], serde_json::json!({"keep": 3, "min_seeds": 2}));
    assert_eq!(halved["settings"][0]["rung"], 1);
    // results.json keeps the rungs as they ran: each one's seeds and settings.
    let rungs: Vec<(u64, usize)> = halved["rungs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["seeds"].as_u64().unwrap(), r["settings"].as_array().unwrap().len()))
        .collect();
    assert_eq!(rungs, [(2, 34), (6, 18), (18, 10), (32, 4)]);
    assert!(grid.get("rungs").is_none(), "a grid's results.json has no rungs");

    // One thread or two: the same bytes.
    let one = dir.join("one-thread");
    sweep(&one, &[&question[..], &["--search", "halving", "--jobs", "1"]].concat());
    assert_eq!(tree_bytes(&one), tree_bytes(&halving_out));

    // A halving keeping a half runs more rungs, and finds the same setting.
    let half = dir.join("half");
    let printed = sweep(&half, &[&question[..], &["--search", "halving", "--keep", "1/2"]].concat());
    assert!(printed.contains("5 rungs of 2, 4, 8, 16 and 32 seeds"), "{printed}");
    assert_eq!(json(&half.join("results.json"))["recommended"]["setting"].as_u64(), Some(best));
}

#[test]
fn bad_halvings_are_refused_before_anything_runs() {
    let dir = temp_dir("sweep-halving-bad");
    let out = dir.join("out");
    for (args, says) in [
        (&["--search", "halving", "--keep", "2/3"][..], "--keep 2/3: expected 1/k with k from 2 to 1000"),
        (&["--search", "halving", "--keep", "1/1"][..], "expected 1/k with k from 2"),
        (&["--keep", "1/3"][..], "--search"),
        (&["--search", "halvng"][..], "halving"),
        (
            &["--search", "halving", "--importance", "8", "--param", "contract_cooldown=0..5"][..],
            "--importance needs every setting",
        ),
    ] {
        let all =
            [&["sweep", FLAPPING, "--param", "contract_ok_cycles=2..4"][..], args, &["--out", out.to_str().unwrap()]]
                .concat();
        let o = g6sim(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(!out.exists(), "nothing is written");
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_halvings_shards_meet_at_each_rungs_merge_and_give_the_one_process_bytes() {
    let dir = temp_dir("sweep-halving-shards");
    let question = [DROPOUT, "--param", "contract_ok_cycles=2..9", "--param", "contract_cooldown=0,3", "--seeds", "8"];
    let halving = [&question[..], &["--search", "halving"]].concat();
    let one = dir.join("one");
    sweep(&one, &halving);
    let merged = dir.join("merged");
    let merged_arg = merged.display().to_string();
    // Rungs of 2, 6 and 8 seeds: each rung's three shards, then its merge into the same directory.
    for rung in 1..=3 {
        let mut merge = vec!["sweep".to_string(), "merge".to_string()];
        for i in 0..3 {
            let shard = dir.join(format!("rung-{rung}-shard-{i}"));
            let index = format!("{i}/3");
            let mut args = [&halving[..], &["--shard", &index]].concat();
            if rung > 1 {
                args.extend(["--after", &merged_arg]);
            }
            let printed = sweep(&shard, &args);
            assert!(printed.contains(&format!("rung {rung} of 3: ")), "{printed}");
            merge.push(shard.display().to_string());
        }
        merge.extend(["--out".to_string(), merged_arg.clone()]);
        let o = g6sim(&merge.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let printed = text(&o.stdout);
        if rung < 3 {
            assert!(printed.contains(&format!("merged rung {rung} of 3 from 3 directories")), "{printed}");
            assert!(printed.contains(&format!("next: run rung {}'s shards", rung + 1)), "{printed}");
            // Merging the same shards again (a retried merge job) rewrites the same files.
            let before = tree_bytes(&merged);
            let again = g6sim(&merge.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(again.status.code(), Some(0), "rung {rung} merged again: {}", text(&again.stderr));
            assert_eq!(tree_bytes(&merged), before);
            if rung == 2 {
                // Shards of two rungs do not merge together.
                let o = g6sim(&[
                    "sweep",
                    "merge",
                    dir.join("rung-2-shard-0").to_str().unwrap(),
                    dir.join("rung-1-shard-1").to_str().unwrap(),
                    "--out",
                    dir.join("mixed").to_str().unwrap(),
                ]);
                assert_eq!(o.status.code(), Some(2));
                assert!(
                    text(&o.stderr).contains("are shards of one halving but of rungs 2 and 1"),
                    "{}",
                    text(&o.stderr)
                );
                // Rung 1's shards would drop rung 2: refused.
                let first: Vec<String> =
                    (0..3).map(|i| dir.join(format!("rung-1-shard-{i}")).display().to_string()).collect();
                let o = g6sim(
                    &[
                        &["sweep", "merge"][..],
                        &first.iter().map(String::as_str).collect::<Vec<_>>(),
                        &["--out", &merged_arg],
                    ]
                    .concat(),
                );
                assert_eq!(o.status.code(), Some(2));
                assert!(text(&o.stderr).contains("holds rungs 1 to 2 of this halving"), "{}", text(&o.stderr));
                // Merged rungs whose runs and manifest disagree (a merge stopped between its two writes, or
                // an edit) are refused by the next rung's shards, with what to do.
                let damaged = dir.join("damaged");
                std::fs::create_dir_all(&damaged).unwrap();
                for f in ["sweep.json", "runs.jsonl"] {
                    std::fs::copy(merged.join(f), damaged.join(f)).unwrap();
                }
                let runs = std::fs::read_to_string(damaged.join("runs.jsonl")).unwrap();
                let kept: Vec<&str> = runs.lines().skip(1).collect();
                std::fs::write(damaged.join("runs.jsonl"), kept.join("\n") + "\n").unwrap();
                let late = dir.join("late-shard").display().to_string();
                let damaged_arg = damaged.display().to_string();
                let o = g6sim(
                    &[&["sweep"][..], &halving, &["--shard", "0/3", "--after", &damaged_arg, "--out", &late]].concat(),
                );
                assert_eq!(o.status.code(), Some(2));
                let err = text(&o.stderr);
                assert!(
                    err.contains("its merged rungs do not add up") && err.contains("merge rung 1's shards"),
                    "{err}"
                );
                // A shard cannot write into the merged rungs it continues.
                let o = g6sim(
                    &[&["sweep"][..], &halving, &["--shard", "0/3", "--after", &merged_arg, "--out", &merged_arg]]
                        .concat(),
                );
                assert_eq!(o.status.code(), Some(2));
                assert!(text(&o.stderr).contains("is the --after directory"), "{}", text(&o.stderr));
                assert_eq!(tree_bytes(&merged), before);
            }
            if rung == 1 {
                // --after the merged rungs of another sweep is refused.
                let other = [
                    DROPOUT,
                    "--param",
                    "contract_ok_cycles=2..5",
                    "--seeds",
                    "8",
                    "--search",
                    "halving",
                    "--shard",
                    "0/2",
                ];
                let late = dir.join("other").display().to_string();
                let o = g6sim(&[&["sweep"][..], &other, &["--after", &merged_arg, "--out", &late]].concat());
                assert_eq!(o.status.code(), Some(2));
                assert!(text(&o.stderr).contains("of another sweep"), "{}", text(&o.stderr));
            }
        } else {
            assert!(printed.contains("recommended: setting "), "{printed}");
        }
    }
    assert_eq!(tree_bytes(&merged), tree_bytes(&one), "the merged rungs are the one-process halving, byte for byte");
    // Nothing is left to run after the last rung.
    let all = [&["sweep"][..], &halving, &["--shard", "0/3", "--after", &merged_arg, "--no-env", "--out"]].concat();
    let o = g6sim(&[&all[..], &[dir.join("late").to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("the halving is done"), "{}", text(&o.stderr));
    // A rung's shards continue only the merged rungs they were run after: a merge into a directory without
    // them is refused, and so is --after a directory of another sweep.
    let lost = dir.join("lost");
    let o = g6sim(&[
        "sweep",
        "merge",
        dir.join("rung-2-shard-0").to_str().unwrap(),
        dir.join("rung-2-shard-1").to_str().unwrap(),
        dir.join("rung-2-shard-2").to_str().unwrap(),
        "--out",
        lost.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("holds no merged rung"), "{}", text(&o.stderr));
    assert!(!lost.exists());
}

#[test]
fn a_shard_directory_reused_by_another_split_holds_only_its_own_shard() {
    let dir = temp_dir("sweep-reused-shards");
    let question = [FLAPPING, "--param", "contract_ok_cycles=3..5", "--seeds", "2"];
    let whole = dir.join("whole");
    sweep(&whole, &question);
    // A whole sweep first, then a split in 3, then a split in 2, into the same directories.
    let s0 = dir.join("s0");
    sweep(&s0, &question);
    for count in [3, 2] {
        for i in 0..count {
            let shard = format!("{i}/{count}");
            sweep(&dir.join(format!("s{i}")), &[&question[..], &["--shard", &shard]].concat());
        }
    }
    let files: Vec<String> = std::fs::read_dir(&s0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jsonl") || n.ends_with(".csv") || n.ends_with(".txt") || n == "results.json")
        .collect();
    assert_eq!(files, ["runs-shard-0-of-2.jsonl"], "nothing of the earlier sweep or split a merge would read");
    let merged = dir.join("merged");
    let o = g6sim(&[
        "sweep",
        "merge",
        s0.to_str().unwrap(),
        dir.join("s1").to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(tree_bytes(&merged), tree_bytes(&whole));
}
