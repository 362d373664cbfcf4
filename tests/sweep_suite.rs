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
