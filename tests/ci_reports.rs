//! What CI pages read. `--junit FILE` of `g6sim check` and `g6sim explore`: reports that validate against the
//! Jenkins JUnit schema (`tests/data/junit/junit-10.xsd`, read by Python's `xmlschema` from the tests'
//! environment), whose counts agree with the check's tally, whose failures carry a reproduction command that
//! reproduces them, the same bytes every time, and a report file that cannot be written refused before
//! anything runs. `GITHUB_STEP_SUMMARY`: the Markdown summary `check` appends to it.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

/// Validates each report against the schema; prints, per report, the schema's complaints, the root's counts
/// and every suite's counts and cases.
const VALIDATE: &str = r#"
import json, sys, xmlschema
from xml.etree import ElementTree as ET
schema = xmlschema.XMLSchema(sys.argv[1])
out = []
for path in sys.argv[2:]:
    complaints = [str(e.reason) for e in schema.iter_errors(path)]
    root = ET.parse(path).getroot()
    suites = []
    for s in root.iter("testsuite"):
        cases = []
        for c in s.iter("testcase"):
            status = "pass"
            message = body = None
            for kind in ("failure", "error", "skipped"):
                e = c.find(kind)
                if e is not None:
                    status, message, body = kind, e.get("message"), e.text
            cases.append({"classname": c.get("classname"), "name": c.get("name"), "status": status,
                          "message": message, "body": body})
        suites.append({"name": s.get("name"), "tests": int(s.get("tests")), "failures": int(s.get("failures")),
                       "errors": int(s.get("errors")), "cases": cases})
    out.append({"complaints": complaints, "tests": int(root.get("tests")), "failures": int(root.get("failures")),
                "errors": int(root.get("errors")), "suites": suites})
print(json.dumps(out))
"#;

/// The report `file`, validated and read back: one `Value` per report, as `VALIDATE` prints it. Fails the test
/// when the schema has a complaint, or when a count disagrees with the cases.
pub fn validated(file: &Path) -> Value {
    let xsd = root().join("tests/data/junit/junit-10.xsd");
    let out = python().args(["-c", VALIDATE, xsd.to_str().unwrap(), file.to_str().unwrap()]).output().unwrap();
    assert!(
        out.status.success(),
        "xmlschema could not read {} (the tests' environment {} should hold it):\n{}",
        file.display(),
        venv_dir().display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap().remove(0);
    assert_eq!(report["complaints"], Value::Array(vec![]), "{} breaks the JUnit schema", file.display());
    let cases = |status: &str| {
        report["suites"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["cases"].as_array().unwrap().iter())
            .filter(|c| status.is_empty() || c["status"] == status)
            .count() as u64
    };
    assert_eq!(report["tests"], cases(""), "{report}");
    assert_eq!(report["failures"], cases("failure"), "{report}");
    assert_eq!(report["errors"], cases("error"), "{report}");
    report
}

/// The cases of a validated report, every suite's in order.
fn cases(report: &Value) -> Vec<Value> {
    report["suites"].as_array().unwrap().iter().flat_map(|s| s["cases"].as_array().unwrap().clone()).collect()
}

fn case<'a>(cases: &'a [Value], name: &str) -> &'a Value {
    cases.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no case {name:?} in {cases:#?}"))
}

/// The command after `reproduce: ` in a case's body.
fn reproduction(case: &Value) -> String {
    let body = case["body"].as_str().unwrap();
    let line = body.lines().find_map(|l| l.strip_prefix("reproduce: ")).unwrap_or_else(|| panic!("{body}"));
    line.to_string()
}

/// Runs a reproduction command (`g6sim run ...`, words without quotes) from the repository root; its exit code.
fn rerun(command: &str) -> i32 {
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(words[0], "g6sim", "{command}");
    g6sim(&words[1..]).status.code().unwrap()
}

#[test]
fn a_checks_report_is_valid_junit_whose_cases_agree_with_the_tally_and_reproduce() {
    let dir = temp_dir("junit-check");
    let file = dir.join("reports/check.xml");
    let args = [
        "check",
        "--no-env",
        "scenarios/walk.ron",
        "tests/fixtures/docs/empty.ron",
        "tests/fixtures/docs/broken.ron",
        "scenarios/history/banknifty_low_both.csv",
        "--set",
        "expansion_step=5",
        "--junit",
        file.to_str().unwrap(),
    ];
    let out = g6sim(&args);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("4 scenarios: 1 passed, 2 failed, 1 could not be loaded"), "{stdout}");
    let report = validated(&file);
    assert_eq!((&report["tests"], &report["failures"], &report["errors"]), (&4.into(), &1.into(), &2.into()));
    assert_eq!(report["suites"][0]["name"], "g6sim check");
    let cases = cases(&report);
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["walk.ron", "empty.ron", "broken.ron", "banknifty_low_both.csv"]);

    let walk = case(&cases, "walk.ron");
    assert_eq!((&walk["classname"], &walk["status"]), (&"scenarios".into(), &"pass".into()));
    let empty = case(&cases, "empty.ron");
    assert_eq!((&empty["classname"], &empty["status"]), (&"tests/fixtures/docs".into(), &"error".into()));
    assert!(empty["message"].as_str().unwrap().starts_with("no expectations: nothing was checked"), "{empty}");
    let broken = case(&cases, "broken.ron");
    assert_eq!(broken["status"], "error");
    assert!(broken["message"].as_str().unwrap().starts_with("tests/fixtures/docs/broken.ron:6:13: "), "{broken}");
    assert!(broken["body"].as_str().unwrap().ends_with("7 problems in tests/fixtures/docs/broken.ron"), "{broken}");
    let replay = case(&cases, "banknifty_low_both.csv");
    assert_eq!((&replay["classname"], &replay["status"]), (&"scenarios/history".into(), &"failure".into()));
    assert!(replay["message"].as_str().unwrap().starts_with("replay differs at cycle 5 BANKNIFTY depth"), "{replay}");
    let command = reproduction(replay);
    assert_eq!(command, "g6sim replay scenarios/history/banknifty_low_both.csv --set expansion_step=5 --no-env");
    let again = g6sim(
        &[&command.split(' ').collect::<Vec<_>>()[1..], &["--out", dir.join("replay").to_str().unwrap()]].concat(),
    );
    assert_eq!(again.status.code(), Some(1), "the reproduction of a failing replay fails");

    // The same check writes the same bytes.
    let first = std::fs::read(&file).unwrap();
    g6sim(&args);
    assert_eq!(std::fs::read(&file).unwrap(), first);
}

#[test]
fn a_seed_sweeps_report_has_a_case_per_seed_whose_reproduction_fails_as_it_did() {
    let dir = temp_dir("junit-seeds");
    let file = dir.join("seeds.xml");
    let out = g6sim(&[
        "check",
        "--no-env",
        "scenarios/walk.ron",
        "--seeds",
        "1..8",
        "--set",
        "prefilter_max_instruments=90",
        "--junit",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = validated(&file);
    let cases = cases(&report);
    assert_eq!(cases.len(), 8);
    let failing: Vec<&Value> = cases.iter().filter(|c| c["status"] == "failure").collect();
    let names: Vec<&str> = failing.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["walk.ron seed 4", "walk.ron seed 7"]);
    let seed4 = failing[0];
    assert_eq!(
        seed4["message"],
        "[cycle 10] expected never: prefilter_clamp events >= 1; held at cycle 10: prefilter_clamp events = 1"
    );
    let command = reproduction(seed4);
    assert_eq!(command, "g6sim run scenarios/walk.ron --seed 4 --set prefilter_max_instruments=90 --no-env");
    let out_dir = dir.join("rerun");
    assert_eq!(rerun(&format!("{command} --out {}", out_dir.display())), 1, "seed 4 fails again");
    assert_eq!(case(&cases, "walk.ron seed 1")["status"], "pass");
}

#[test]
fn a_check_that_cannot_start_still_reports_why_and_an_unwritable_report_stops_it_before_it_runs() {
    let dir = temp_dir("junit-bad");
    let file = dir.join("none.xml");
    std::fs::create_dir_all(dir.join("empty-dir")).unwrap();
    let out = g6sim(&["check", "--no-env", dir.join("empty-dir").to_str().unwrap(), "--junit", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let report = validated(&file);
    let only = &cases(&report)[0];
    assert_eq!(
        (&only["name"], &only["classname"], &only["status"]),
        (&"g6sim check".into(), &"g6sim".into(), &"error".into())
    );

    // A directory, or a folder that cannot be made: refused before any row, nothing written.
    for (junit, says) in [
        (dir.to_str().unwrap().to_string(), "is a directory, not a file"),
        (format!("{}/x.xml", file.join("sub").display()), "cannot create the directory"),
    ] {
        std::fs::write(&file, "keep").unwrap();
        let out = g6sim(&["check", "--no-env", "scenarios/walk.ron", "--junit", &junit]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing ran: {}", String::from_utf8_lossy(&out.stdout));
        assert!(stderr.contains(says) && stderr.contains("hint: "), "{stderr}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    }
}

/// Settings without hysteresis, under which generated seeds break `few_depth_flips`.
const NO_HYSTERESIS: [&str; 6] =
    ["--set", "contract_ok_cycles=0", "--set", "contract_cooldown=0", "--set", "prefilter_max_instruments=50"];

#[test]
fn an_explorations_report_has_a_case_per_held_property_and_per_shrunk_failure_and_merges_as_one_machine() {
    let dir = temp_dir("junit-explore");
    let explore = |out: &Path, junit: &Path, more: &[&str]| {
        let args = [
            &["explore", "--no-env", "--seeds", "1..6"][..],
            &NO_HYSTERESIS,
            more,
            &["--out", out.to_str().unwrap(), "--junit", junit.to_str().unwrap()],
        ]
        .concat();
        g6sim(&args)
    };
    let (whole, whole_xml) = (dir.join("whole"), dir.join("whole.xml"));
    let out = explore(&whole, &whole_xml, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("wrote {}", whole_xml.display())));
    let report = validated(&whole_xml);
    assert_eq!(report["suites"][0]["name"], "g6sim explore");
    let cases = cases(&report);
    let explored: Value = serde_json::from_slice(&std::fs::read(whole.join("explore.json")).unwrap()).unwrap();
    let failures = explored["failures"].as_array().unwrap();
    assert!(!failures.is_empty(), "these settings break a property");
    for p in explored["properties"].as_array().unwrap() {
        let name = p["property"].as_str().unwrap();
        if p["failed"] == 0 {
            assert_eq!(case(&cases, name)["status"], "pass");
        }
    }
    for f in failures {
        let c = case(&cases, &format!("{} seed {}", f["property"].as_str().unwrap(), f["seed"]));
        assert_eq!((&c["classname"], &c["status"]), (&"explore".into(), &"failure".into()));
        let file = whole.join("failures").join(f["file"].as_str().unwrap());
        assert_eq!(reproduction(c), format!("g6sim run {} --no-env", file.display()));
        assert_eq!(c["message"], format!("cycle {}: {}", f["cycle"], f["detail"].as_str().unwrap()));
    }
    let held = explored["properties"].as_array().unwrap().iter().filter(|p| p["failed"] == 0).count();
    assert_eq!(cases.len(), held + failures.len());

    // Two shards merged into the same place report the same bytes as one machine.
    let (a, b) = (dir.join("a"), dir.join("b"));
    explore(&a, &dir.join("a.xml"), &["--shard", "0/2"]);
    explore(&b, &dir.join("b.xml"), &["--shard", "1/2"]);
    std::fs::remove_dir_all(&whole).unwrap();
    let merged_xml = dir.join("merged.xml");
    let out = g6sim(&[
        "explore",
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        whole.to_str().unwrap(),
        "--junit",
        merged_xml.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&merged_xml).unwrap(), std::fs::read(&whole_xml).unwrap());
}

#[test]
fn check_appends_its_markdown_summary_to_the_step_summary_file_and_refuses_one_it_cannot_write() {
    let dir = temp_dir("step-summary");
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "## an earlier step\n").unwrap();
    let summary_var = summary.to_str().unwrap();
    let check = ["check", "--no-env", "scenarios/walk.ron", "tests/fixtures/docs/empty.ron"];
    let out = g6sim_with(&check, &[("GITHUB_STEP_SUMMARY", summary_var)]);
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        text,
        "## an earlier step\n\n### g6sim check\n\n2 scenarios: 1 passed, 1 failed, 0 could not be loaded\n\n\
         | scenario | verdict | first failure | reproduction |\n|---|---|---|---|\n\
         | `scenarios/walk.ron` | PASS |  |  |\n\
         | `tests/fixtures/docs/empty.ron` | EMPTY | no expectations: nothing was checked (add \\`expectations\\` to the \
         scenario) | `g6sim run tests/fixtures/docs/empty.ron --no-env` |\n\n"
    );
    // The printed output is the same with or without a summary; an empty variable is no summary.
    let plain = g6sim_with(&check, &[("GITHUB_STEP_SUMMARY", "")]);
    assert_eq!((plain.stdout, plain.stderr), (out.stdout, out.stderr));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), text);

    let unwritable = dir.join("no-such-dir/summary.md");
    let out = g6sim_with(&check, &[("GITHUB_STEP_SUMMARY", unwritable.to_str().unwrap())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran");
    assert!(stderr.contains("GITHUB_STEP_SUMMARY=") && stderr.contains("hint: "), "{stderr}");
}

/// The text of the first ```` ```LANG ```` block of `page` after `after`.
fn block(page: &str, after: &str, lang: &str) -> String {
    let text = std::fs::read_to_string(root().join(page)).unwrap();
    let from = text.find(after).unwrap_or_else(|| panic!("{page} has no {after:?}"));
    let open = format!("```{lang}\n");
    let start = text[from..].find(&open).map(|i| from + i + open.len()).unwrap();
    let end = start + text[start..].find("```\n").unwrap();
    text[start..end].to_string()
}

#[test]
fn the_ci_pages_report_and_summary_are_what_its_command_writes() {
    let dir = temp_dir("ci-page");
    let (xml, summary) = (dir.join("check.xml"), dir.join("summary.md"));
    let words = "check --no-env scenarios/walk.ron tests/fixtures/docs/empty.ron --seeds 3..4 --set \
                 prefilter_max_instruments=90 --junit";
    let page = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    assert!(page.contains(&format!("$ g6sim {words} reports/check.xml\n")), "docs/ci.md shows the command");
    let args: Vec<&str> = words.split(' ').chain([xml.to_str().unwrap()]).collect();
    let out = g6sim_with(&args, &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&xml).unwrap(), block("docs/ci.md", "`reports/check.xml`:", "xml"));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(written.trim(), block("docs/ci.md", "## The summary on a GitHub job's page", "markdown").trim_end());
    validated(&xml);
}

#[test]
fn a_report_file_never_replaces_what_is_not_a_report_and_a_check_stopped_by_its_options_still_reports() {
    let dir = temp_dir("junit-safety");
    let check = |junit: &Path, more: &[&str]| {
        let args =
            [&["check", "--no-env", "scenarios/walk.ron", "--junit", junit.to_str().unwrap()][..], more].concat();
        g6sim(&args)
    };
    // A scenario named by a slip, a link, a pipe: refused before anything runs, left as they were.
    let scenario = dir.join("walk.ron");
    std::fs::copy(root().join("scenarios/walk.ron"), &scenario).unwrap();
    let target = dir.join("target.xml");
    std::fs::write(&target, "<?xml version=\"1.0\"?>").unwrap();
    let link = dir.join("link.xml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let fifo = dir.join("fifo.xml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for (file, says) in
        [(&scenario, "is not a report g6sim writes"), (&link, "not a regular file"), (&fifo, "not a regular file")]
    {
        let out = check(file, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(out.stdout.is_empty() && stderr.contains(says) && stderr.contains("hint: "), "{stderr}");
    }
    assert_eq!(std::fs::read(&scenario).unwrap(), std::fs::read(root().join("scenarios/walk.ron")).unwrap());
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());

    // An earlier report is replaced, also when the options stop the check before it starts.
    let report = dir.join("report.xml");
    assert_eq!(check(&report, &[]).status.code(), Some(0));
    let out = check(&report, &["--universe", dir.join("no-such-dump.csv").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let validated = validated(&report);
    assert_eq!((&validated["tests"], &validated["errors"]), (&1.into(), &1.into()), "{validated}");
    assert!(cases(&validated)[0]["message"].as_str().unwrap().contains("no-such-dump.csv"));

    // A report inside the charts' directory is refused before anything runs.
    let plots = dir.join("plots");
    let out = check(&plots.join("check.xml"), &["--plots", plots.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
}
