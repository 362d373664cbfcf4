//! `g6sim explore`: the same bytes whatever the thread count, emitted scenarios that `g6sim run` runs as the
//! exploration did, bad input refused before anything runs, and an interrupted exploration that keeps what it
//! explored; and the collector's rules keep every property over thousands of generated seeds.

use crate::common::*;
use std::path::Path;
use std::process::Output;

/// Settings without hysteresis, under which generated seeds break `few_depth_flips`.
const NO_HYSTERESIS: [&str; 6] =
    ["--set", "contract_ok_cycles=0", "--set", "contract_cooldown=0", "--set", "prefilter_max_instruments=50"];

/// `g6sim explore --no-env` with `args`, into `out`.
fn explore_into(out: &Path, args: &[&str]) -> Output {
    let all = [&["explore", "--no-env"][..], args, &["--out", out.to_str().unwrap()]].concat();
    g6sim(&all)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One thread or two, or every run in full (`--full`), the same explore.json (and the same summary on screen,
/// but for the directory).
#[test]
fn the_same_bytes_whatever_the_thread_count() {
    let dir = temp_dir("explore-jobs");
    let (one, two, full) = (dir.join("one"), dir.join("two"), dir.join("full"));
    let a = explore_into(&one, &["--seeds", "1..24", "--jobs", "1"]);
    let b = explore_into(&two, &["--seeds", "1..24", "--jobs", "2"]);
    let c = explore_into(&full, &["--seeds", "1..24", "--full"]);
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert_eq!(c.status.code(), Some(0), "{}", text(&c.stderr));
    assert_eq!(tree_bytes(&one), tree_bytes(&two));
    assert_eq!(tree_bytes(&one), tree_bytes(&full));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(one.join("explore.json")).unwrap()).unwrap();
    assert_eq!((json["seeds"].as_str(), json["runs"].as_u64()), (Some("1..24"), Some(24)));
    assert!(json["reach"]["adaptive"]["expand"].as_u64().unwrap() > 0, "{json}");
    assert_eq!(text(&a.stdout).replace("/one/", "/two/"), text(&b.stdout));
}

/// An emitted scenario holds the configuration under test and the catalogue; `g6sim run` on it passes as the
/// exploration's run did, and twice gives the same files.
#[test]
fn emitted_scenarios_run_as_explored() {
    let dir = temp_dir("explore-emit");
    let emit = dir.join("emitted");
    let out = explore_into(
        &dir.join("explore"),
        &["--seeds", "5..6", "--set", "contract_ok_cycles=3", "--emit", emit.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("wrote 2 scenarios to"), "{}", text(&out.stdout));
    let scenario = std::fs::read_to_string(emit.join("explore-5.ron")).unwrap();
    assert!(scenario.contains("contract_ok_cycles: 3"), "{scenario}");
    assert!(scenario.contains("Keeps(depth_at_least_baseline)"), "{scenario}");
    let file = emit.join("explore-5.ron");
    let runs: Vec<_> = ["a", "b"]
        .iter()
        .map(|name| {
            let run_dir = dir.join(name);
            let run = g6sim(&["run", file.to_str().unwrap(), "-q", "--no-env", "--out", run_dir.to_str().unwrap()]);
            assert_eq!(run.status.code(), Some(0), "{}{}", text(&run.stdout), text(&run.stderr));
            tree_bytes(&run_dir)
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
}

/// Bad flags and values are refused with exit 2 before anything is written.
#[test]
fn bad_input_is_refused_before_anything_runs() {
    let dir = temp_dir("explore-bad");
    let out = dir.join("out");
    for (args, says) in [
        (&["--budget", "0s"][..], "expected a time from 1s to 168h"),
        (&["--budget", "ten"][..], "expected a time such as 90s, 5m or 1h"),
        (&["--seeds", "5", "--budget", "1m"][..], "cannot be used with"),
        (&["--seeds", "0..x"][..], "`x` is not a seed: expected a whole number >= 0"),
        (&["--set", "contract_ok_cyles=2"][..], "did you mean `contract_ok_cycles`?"),
        (&["--set", "strike_coverage_ok=2"][..], "strike_coverage_ok"),
        (&["--parity", "g7"][..], "g7"),
        (&["--jobs", "0"][..], "--jobs"),
        (&["--set", "strike_step.NIFTYY=50"][..], "`NIFTYY` is no index an exploration generates"),
        (&["--set", "depth_max_otm=0"][..], "at least 1 strike per side"),
        (&["--set", "strike_step.EXPLOREIDX=10000"][..], "8000 is not an index price for EXPLOREIDX"),
        (&["--emit", out.to_str().unwrap()][..], "--emit DIR must differ from --out"),
    ] {
        let o = explore_into(&out, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(says), "{args:?}: {}", text(&o.stderr));
        assert!(!out.exists(), "{args:?} created the output directory");
    }
    // A strike step of an index some seeds do not draw applies to the seeds that do.
    let o = explore_into(&dir.join("steps"), &["--seeds", "1..8", "--set", "strike_step.BANKNIFTY=50"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let file = dir.join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let o = explore_into(&file, &["--seeds", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is a file"), "{}", text(&o.stderr));
}

/// Interrupted, an exploration writes the report of the seeds it explored (a prefix of them) and exits 130.
#[cfg(unix)]
#[test]
fn an_interrupted_exploration_keeps_what_it_explored() {
    let dir = temp_dir("explore-interrupt");
    let out = dir.join("out");
    let mut child = Spawned::start(&["explore", "--no-env", "--budget", "120s", "--out", out.to_str().unwrap()]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = child.0.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let output = child.output();
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("interrupted: the report covers the"), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("explore.json")).unwrap()).unwrap();
    let runs = json["runs"].as_u64().unwrap();
    assert!(runs > 0, "{json}");
    assert_eq!(json["seeds"].as_str().unwrap(), format!("1..{runs}"));
}

/// `--properties FILE`: the user's expectations are checked beside the catalogue ("*" for every index), each
/// failure shrunk to a file whose reproduction command names the file; a file that does not read is refused
/// with every problem at its line, before anything is written. docs/explore.md shows the fixture verbatim.
#[test]
fn a_users_properties_are_checked_and_shrunk() {
    let fixture = "tests/fixtures/docs/properties.ron";
    let shown = std::fs::read_to_string(root().join(fixture)).unwrap();
    let page = std::fs::read_to_string(root().join("docs/explore.md")).unwrap();
    assert!(page.contains(&shown), "docs/explore.md does not show {fixture} as it is");
    let dir = temp_dir("explore-properties");
    let out = dir.join("out");
    let path = root().join(fixture);
    let o = explore_into(&out, &["--seeds", "1..6", "--properties", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("explore.json")).unwrap()).unwrap();
    let user: Vec<&serde_json::Value> = json["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["property"].as_str().unwrap().starts_with("user-"))
        .collect();
    assert_eq!(user.len(), 3, "{json}");
    assert!(user[0]["failed"].as_u64().unwrap() > 0 && user[1]["failed"] == 0 && user[2]["failed"] == 0, "{json}");
    let failure = &json["failures"][0];
    assert_eq!(failure["property"], "user-1");
    let file = out.join("failures").join(failure["file"].as_str().unwrap());
    let scenario = std::fs::read_to_string(&file).unwrap();
    assert!(scenario.contains("--properties") && scenario.contains("Always(StatusTotal(status: EMPTY"), "{scenario}");
    let run = g6sim(&["run", file.to_str().unwrap(), "-q", "--no-env", "--out", dir.join("run").to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1), "{}", text_of(&run));
    let bad_out = dir.join("bad");
    let bad = root().join("tests/fixtures/docs/bad_properties.ron");
    let o = explore_into(&bad_out, &["--seeds", "2", "--properties", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("bad_properties.ron:2:32:") && err.contains("bad_properties.ron:4:21:"), "{err}");
    assert!(err.contains("3 problems"), "{err}");
    assert!(!bad_out.exists());
}

fn text_of(o: &Output) -> String {
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

/// Shards (`--shard I/N`, or `--shards N` with the batch engine's index) merged with `explore merge` give the
/// files of one machine's exploration byte for byte, failures included; a shard missing or given twice is
/// refused.
#[test]
fn merged_shards_equal_one_exploration() {
    let dir = temp_dir("explore-shards");
    let args = [&["--seeds", "1..12"][..], &NO_HYSTERESIS].concat();
    let whole = explore_into(&dir.join("whole"), &args);
    assert_eq!(whole.status.code(), Some(1), "{}", text_of(&whole));
    let shard = |i: usize| {
        let out = dir.join(format!("shard-{i}"));
        let o = explore_into(&out, &[&args[..], &["--shard", &format!("{i}/3")]].concat());
        assert!(o.status.code().is_some_and(|c| c < 2), "{}", text_of(&o));
        out
    };
    let shards: Vec<_> = (0..3).map(shard).collect();
    let merged = dir.join("merged");
    let paths: Vec<&str> = shards.iter().map(|s| s.to_str().unwrap()).collect();
    let o = g6sim(&[&["explore", "merge"][..], &paths, &["--out", merged.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    assert_eq!(tree_bytes(&dir.join("whole")), tree_bytes(&merged));
    let o = g6sim(&["explore", "merge", paths[0], paths[1], "--out", dir.join("x").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("shard 2/3 is missing"), "{}", text(&o.stderr));
    let o =
        g6sim(&["explore", "merge", paths[0], paths[0], paths[1], paths[2], "--out", dir.join("x").to_str().unwrap()]);
    assert!(text(&o.stderr).contains("is given twice"), "{}", text(&o.stderr));
    // A merge into one of its shards is refused, the shard untouched.
    let before = tree_bytes(&shards[0]);
    let o = g6sim(&[&["explore", "merge"][..], &paths, &["--out", &format!("{}/", paths[0])]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text(&o.stderr).contains("--out is one of the shards"), "{}", text(&o.stderr));
    assert_eq!(tree_bytes(&shards[0]), before);
    // Exploring again into a directory keeps what the user put in failures/, and replaces only failures.
    std::fs::write(merged.join("failures/mine.ron"), "// mine\n").unwrap();
    let again = explore_into(&merged, &args);
    assert_eq!(again.status.code(), Some(1), "{}", text_of(&again));
    assert_eq!(std::fs::read_to_string(merged.join("failures/mine.ron")).unwrap(), "// mine\n");
}

/// `--from SCENARIO`: every seed keeps the scenario's indices and settings (its config the configuration under
/// test) and draws its market and faults; explore.json names the scenario; an emitted scenario runs as explored
/// (exit 0); a failure's file fails `g6sim run --no-env` (exit 1) and names `--from` in its command; shards
/// merge to one machine's files, and a shard of another scenario's exploration does not merge.
#[test]
fn from_a_scenario_keeps_it_and_reproduces_its_failures() {
    let dir = temp_dir("explore-from");
    let emit = dir.join("emitted");
    let clamp = "scenarios/oversized_clamp.ron";
    let o = explore_into(&dir.join("clamp"), &["--from", clamp, "--seeds", "1..5", "--emit", emit.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(text(&o.stdout).contains(&format!("explore 5 seeds around {clamp}: ")), "{}", text(&o.stdout));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("clamp/explore.json")).unwrap()).unwrap();
    assert_eq!(json["from"]["file"], clamp, "{json}");
    assert_eq!(json["from"]["sha256"].as_str().unwrap().len(), 64, "{json}");
    assert_eq!(json["config"]["prefilter_max_instruments"], 500, "{json}");
    let scenario = std::fs::read_to_string(emit.join("explore-3.ron")).unwrap();
    for kept in [
        "name: \"oversized_clamp-explore-3\"",
        "prefilter_max_instruments: 500",
        "(symbol: \"NIFTY\", expiries: [\"this_week\", \"next_week\"], depth: (itm: 10, otm: 10))",
        "(symbol: \"SENSEX\", expiries: [\"this_week\"], depth: (itm: 10, otm: 10))",
        "cycles: 12,",
        &format!("`g6sim explore --from {clamp} --seeds 3..3 --no-env` runs it"),
    ] {
        assert!(scenario.contains(kept), "{kept}:\n{scenario}");
    }
    let file = emit.join("explore-3.ron");
    let run = g6sim(&["run", file.to_str().unwrap(), "-q", "--no-env", "--out", dir.join("run3").to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", text_of(&run));

    let mine = "tests/fixtures/docs/no_hysteresis.ron";
    let args = ["--from", mine, "--seeds", "1..6"];
    let whole = explore_into(&dir.join("whole"), &args);
    assert_eq!(whole.status.code(), Some(1), "{}", text_of(&whole));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("whole/explore.json")).unwrap()).unwrap();
    let failure = &json["failures"][0];
    assert_eq!(failure["property"], "few_depth_flips", "{json}");
    let file = dir.join("whole/failures").join(failure["file"].as_str().unwrap());
    let shrunk = std::fs::read_to_string(&file).unwrap();
    assert!(shrunk.contains(&format!("`g6sim explore --from {mine} --seeds ")), "{shrunk}");
    assert!(shrunk.contains("contract_ok_cycles: 0") && shrunk.contains("name: \"no_hysteresis-explore-"), "{shrunk}");
    let run = g6sim(&["run", file.to_str().unwrap(), "-q", "--no-env", "--out", dir.join("run").to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1), "{}", text_of(&run));

    let shard = |i: usize, args: &[&str]| {
        let out = dir.join(format!("shard-{i}-{}", args[1].len()));
        let o = explore_into(&out, &[args, &["--shard", &format!("{i}/2")]].concat());
        assert!(o.status.code().is_some_and(|c| c < 2), "{}", text_of(&o));
        out
    };
    let shards = [shard(0, &args), shard(1, &args)];
    let merged = dir.join("merged");
    let paths: Vec<&str> = shards.iter().map(|s| s.to_str().unwrap()).collect();
    let o = g6sim(&[&["explore", "merge"][..], &paths, &["--out", merged.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    assert_eq!(tree_bytes(&dir.join("whole")), tree_bytes(&merged));
    let other = shard(1, &["--from", clamp, "--seeds", "1..6"]);
    let o = g6sim(&["explore", "merge", paths[0], other.to_str().unwrap(), "--out", dir.join("x").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text(&o.stderr).contains("a shard of another exploration"), "{}", text(&o.stderr));
}

/// `--from` refuses what cannot be explored before anything is written: a missing file and a file that does
/// not read (the loader's errors, at the line and column), a recorded history, a scenario over an instruments
/// dump, and a strike step of an index the scenario lacks.
#[test]
fn from_refuses_what_cannot_be_explored() {
    let dir = temp_dir("explore-from-bad");
    let out = dir.join("out");
    for (from, args, says) in [
        ("scenarios/no_such.ron", &[][..], "scenarios/no_such.ron: cannot read the scenario"),
        ("scenarios", &[], "--from scenarios: is a directory: expected a scenario file"),
        ("tests/fixtures/docs/broken.ron", &[], "tests/fixtures/docs/broken.ron:6:13: at `cycles`"),
        ("scenarios/history/nifty_strike_dip.jsonl", &[], "a recorded history cannot be explored"),
        ("scenarios/kite_sample.ron", &[], "its universe `data/kite_instruments_sample.csv` cannot be explored"),
        (
            "scenarios/walk.ron",
            &["--set", "strike_step.SENSEX=50"],
            "strike_step.SENSEX names no index of this scenario",
        ),
    ] {
        let o = explore_into(&out, &[&["--from", from, "--seeds", "2"][..], args].concat());
        assert_eq!(o.status.code(), Some(2), "{from}: {}", text_of(&o));
        assert!(text(&o.stderr).contains(says), "{from}: {}", text(&o.stderr));
        // The loader's errors and the refusals say what to do; a `--set` error is `g6sim run`'s own.
        assert!(!args.is_empty() || text(&o.stderr).contains("hint: "), "{from}: {}", text(&o.stderr));
        assert!(!out.exists(), "{from} created the output directory");
    }
}

/// The collector's rules keep every property over a CI-sized exploration in both modes, under the defaults and
/// under a low clamp (the default clamp, 2,500 instruments, is beyond what generated workloads fetch); and the
/// exploration reaches everything but what each mode's rules and these settings cannot reach, each named
/// with why. A branch that stops being reached fails this test as surely as a broken property.
#[test]
fn the_rules_keep_every_property_over_thousands_of_seeds() {
    // (arguments, what is never reached and why)
    // Trace events (`trace` is off). Strike scaling's event is reached in every case: half the generated
    // workloads turn it on, and half draw a cost model whose full ladders may breach the SLA.
    let trace = ["event.field_coverage", "event.instrument_coverage"];
    let unknown = "partial_reason.unknown"; // synthetic data always gives a classified reason
    let strict = "partial_reason.prefilter_clamp"; // needs `prefilter_clamp_strict`
    let cases: [(&[&str], Vec<&str>); 5] = [
        (
            &["--seeds", "1000"],
            // The default clamp is never reached; the default cooldown (3 cycles) ends within the healthy
            // streak (5 cycles), so it never holds a contraction back.
            [&trace[..], &["event.prefilter_clamp", strict, unknown, "clamp.head", "clamp.ladder_spread"]]
                .concat()
                .into_iter()
                .chain(["adaptive.cooldown_blocked"])
                .collect(),
        ),
        (
            &["--seeds", "1000", "--parity", "g6"],
            // The map reports invalid expiries in mode off only; a failed expiry has no status in parity g6;
            // the reference's cap (`max(10, depth + 10)`) grows with the depth, so nothing is capped.
            [&["event.expiry_map_build"][..], &trace, &["event.prefilter_clamp", "status.EMPTY", strict, unknown]]
                .concat()
                .into_iter()
                .chain(["clamp.head", "clamp.ladder_spread", "adaptive.capped"])
                .collect(),
        ),
        (
            // Mode off clamps by ladder spread.
            &["--seeds", "300", "--set", "prefilter_max_instruments=60"],
            [&trace[..], &[strict, unknown, "clamp.head", "adaptive.cooldown_blocked"]].concat(),
        ),
        (
            // Parity g6 clamps by head.
            &["--seeds", "300", "--set", "prefilter_max_instruments=60", "--parity", "g6"],
            [&["event.expiry_map_build"][..], &trace, &["status.EMPTY", strict, unknown, "clamp.ladder_spread"]]
                .concat()
                .into_iter()
                .chain(["adaptive.capped"])
                .collect(),
        ),
        (
            // Strike scaling on in every run, at its default thresholds, in parity g6, where it writes the
            // depths: every property holds.
            &["--seeds", "200", "--set", "strike_scaling=true", "--parity", "g6"],
            [&["event.expiry_map_build"][..], &trace, &["event.prefilter_clamp", "status.EMPTY", strict, unknown]]
                .concat()
                .into_iter()
                .chain(["clamp.head", "clamp.ladder_spread", "adaptive.capped"])
                .collect(),
        ),
    ];
    let dir = temp_dir("explore-ci");
    for (k, (args, unreached)) in cases.iter().enumerate() {
        let out = dir.join(k.to_string());
        let run = explore_into(&out, args);
        assert_eq!(run.status.code(), Some(0), "{args:?}: a property broke\n{}", text(&run.stdout));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("explore.json")).unwrap()).unwrap();
        let mut never = Vec::new();
        for (category, counts) in json["reach"].as_object().unwrap() {
            for (name, n) in counts.as_object().unwrap() {
                if n.as_u64() == Some(0) {
                    never.push(format!("{category}.{name}"));
                }
            }
        }
        let mut expected: Vec<String> = unreached.iter().map(|s| s.to_string()).collect();
        expected.sort();
        never.sort();
        assert_eq!(never, expected, "{args:?}: what is never reached");
    }
}

/// `--plots`: the charts of each shrunk failure's run, beside its file, are the bytes `g6sim run FILE --no-env
/// --plots` draws; the same on one thread or two, from shards merged (drawn by the shards or by `merge
/// --plots`); and an exploration without `--plots` into the same directory leaves no charts behind.
#[test]
fn failure_charts_are_the_same_bytes_everywhere() {
    let dir = temp_dir("explore-plots");
    // docs/explore.md's failing exploration: without hysteresis, seed 4 breaks few_depth_flips.
    let args = [&["--seeds", "10"][..], &NO_HYSTERESIS].concat();
    let explore = |name: &str, more: &[&str]| {
        let out = dir.join(name);
        let o = explore_into(&out, &[&args[..], more].concat());
        assert_eq!(o.status.code(), Some(1), "{name}: {}", text_of(&o));
        (out, o)
    };
    let (one, o) = explore("one", &["--plots", "--jobs", "1"]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(one.join("explore.json")).unwrap()).unwrap();
    let failure = &json["failures"][0];
    let file = one.join("failures").join(failure["file"].as_str().unwrap());
    let charts = one.join("failures").join(failure["charts"].as_str().unwrap());
    assert_eq!(file.with_extension(""), charts);
    let says = format!("  charts: depth, coverage, status, clamp (PNG and SVG) in {}\n", charts.display());
    assert!(text(&o.stdout).contains(&says), "{}", text(&o.stdout));
    let drawn = tree_bytes(&charts);
    let names: Vec<&str> = drawn.keys().map(String::as_str).collect();
    let expected = ["clamp.png", "clamp.svg", "coverage.png", "coverage.svg", "depth.png", "depth.svg"];
    assert_eq!(names, [&expected[..], &["status.png", "status.svg"]].concat());
    // What `g6sim run` draws of the failure's file.
    let run_dir = dir.join("run");
    let run = g6sim(&["run", file.to_str().unwrap(), "-q", "--no-env", "--plots", "--out", run_dir.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1), "{}", text_of(&run));
    assert_eq!(tree_bytes(&run_dir.join("plots")), drawn);
    let (two, _) = explore("two", &["--plots", "--jobs", "2"]);
    assert_eq!(tree_bytes(&one), tree_bytes(&two));
    // Shards that drew their charts merged; shards that did not, merged with --plots.
    for (name, shard_flags, merge_flags) in
        [("drawn", &["--plots"][..], &[][..]), ("merged", &[][..], &["--plots"][..])]
    {
        let shards: Vec<String> = (0..2)
            .map(|i| {
                let out = dir.join(format!("{name}-shard-{i}"));
                let o = explore_into(&out, &[&args[..], shard_flags, &["--shard", &format!("{i}/2")]].concat());
                assert!(o.status.code().is_some_and(|c| c < 2), "{}", text_of(&o));
                out.to_str().unwrap().to_string()
            })
            .collect();
        let merged = dir.join(format!("{name}-whole"));
        let paths: Vec<&str> = shards.iter().map(String::as_str).collect();
        let o = g6sim(&[&["explore", "merge"][..], &paths, merge_flags, &["--out", merged.to_str().unwrap()]].concat());
        assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
        assert_eq!(tree_bytes(&one), tree_bytes(&merged), "{name}");
    }
    // Explored again without --plots, the directory holds what such an exploration writes, and no chart.
    explore("one", &["--jobs", "1"]);
    let (plain, _) = explore("plain", &["--jobs", "1"]);
    assert_eq!(tree_bytes(&one), tree_bytes(&plain));
}
