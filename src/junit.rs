//! JUnit XML reports of `g6sim check` and `g6sim explore`: the test report CI servers read (GitLab's merge
//! request widget, Jenkins' test results, GitHub actions that publish test results). A check gives one test
//! case per file (per file and seed with `--seeds`), its class name the file's folder; an exploration gives
//! one test case per property that held and one per shrunk failure of a property that broke.
//!
//! - A FAIL is a `<failure>` whose message is the first failed expectation (what was expected and what
//!   happened) and whose body lists every failure, then the command that reproduces it.
//! - EMPTY (nothing was checked) and ERROR (the file could not be loaded or run) are `<error>`s, never passes.
//!   An ERROR with `--seeds` is one case: no seed ran. Charts that cannot be drawn add an error case of their
//!   own (`<file> charts`), so the verdict's case keeps its verdict.
//! - A check stopped before any file ran (no scenario found, a `G6_*` variable that cannot apply) is one error
//!   case, `g6sim check`, so the CI page says why nothing ran.
//!
//! The bytes are deterministic: no time, timestamp, host name or id is written, and cases keep the order the
//! files were checked in. The XML validates against the Jenkins JUnit schema (`junit-10.xsd`).

use crate::check::{Checked, Record, Reported, Row};
use crate::explore::{self, Report as Exploration};
use crate::render;
use crate::scenario::Verdict;
use crate::sweep::seeds as seed_sweep;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::path::Path;

/// The report's name (`<testsuites name=...>`).
const REPORT: &str = "g6sim";
/// The replay differences a failing history's case lists before pointing at `g6sim replay`.
const DIFFERENCES: usize = 10;

/// The JUnit report of one `g6sim check`, from what it reported; `args` are the check's overrides as
/// command-line words, repeated by the reproduction commands.
pub fn check(record: &Record, args: &[String]) -> String {
    let mut cases = Vec::new();
    for reported in &record.reported {
        match reported {
            Reported::Row(row) => cases.extend(row_cases(row, args)),
            Reported::ChartError { file, seed, message } => {
                let seed = seed.map(|s| format!(" seed {s}")).unwrap_or_default();
                let name = format!("{}{seed} charts", file_name(file));
                let mut case = error_case(&name, "ERROR", message, Some(message.clone()));
                case.set_classname(xml_safe(&folder(file)));
                cases.push(case);
            }
        }
    }
    if let Some(first) = record.stopped.first() {
        let first = first.lines().next().unwrap_or_default();
        let mut case = error_case("g6sim check", "ERROR", first, Some(record.stopped.join("\n")));
        case.set_classname(REPORT);
        cases.push(case);
    }
    xml("g6sim check", cases)
}

/// One row's cases, their class name the file's folder.
fn row_cases(row: &Row, args: &[String]) -> Vec<TestCase> {
    let file = row.file.display().to_string();
    let name = file_name(&row.file);
    let cases: Vec<TestCase> = match &row.checked {
        Checked::Run { outcomes, .. } => {
            let command = seed_sweep::run_command(&file, None, args);
            vec![verdict_case(&name, Verdict::of(outcomes), outcomes, &command)]
        }
        Checked::Seeds { outcomes, .. } => outcomes
            .iter()
            .map(|o| {
                let command = seed_sweep::reproduction(&file, o.seed, args);
                verdict_case(&format!("{name} seed {}", o.seed), o.verdict(), &o.failures, &command)
            })
            .collect(),
        Checked::Replay { comparison, .. } => {
            let case = match comparison.differences.first() {
                None => passed(&name),
                Some(first) => {
                    let command = seed_sweep::replay_command(&file, args);
                    let rest = format!("`{command}` lists them all");
                    let body = format!("{}reproduce: {command}", comparison.text(DIFFERENCES, &rest));
                    let message = format!("replay differs at {}", first.describe());
                    non_success(&name, NonSuccessKind::Failure, "FAIL", &message, Some(body))
                }
            };
            vec![case]
        }
        Checked::Error(e) => vec![error_case(&name, "ERROR", e.lines().next().unwrap_or_default(), Some(e.clone()))],
    };
    let folder = folder(&row.file);
    cases
        .into_iter()
        .map(|mut case| {
            case.set_classname(xml_safe(&folder));
            case
        })
        .collect()
}

/// The JUnit report of an exploration written into `dir`: per property, a passing case when it held, else one
/// failing case per shrunk failure (`<property> seed N`), whose body reproduces it with the shrunk file. The
/// failing seeds that were not shrunk are listed in the property's first failing case. An exploration cut
/// short (`interrupted`) adds an error case, `g6sim explore`: its passes cover only the seeds explored.
pub fn exploration(report: &Exploration, dir: &Path, interrupted: bool) -> String {
    let mut cases = Vec::new();
    if interrupted {
        let message =
            format!("interrupted after {} seeds: the properties were checked on those only", report.seeds.len());
        cases.push(error_case("g6sim explore", "INTERRUPTED", &message, Some(message.clone())));
    }
    for p in &report.properties {
        let failures: Vec<&explore::Failure> = report.failures.iter().filter(|f| f.property == p.property).collect();
        let unshrunk: Vec<u64> =
            p.failing_seeds.iter().copied().filter(|s| !failures.iter().any(|f| f.seed == *s)).collect();
        let others = (!unshrunk.is_empty()).then(|| {
            format!(
                "\nbroken in {} of {} runs; also by seeds {}",
                p.failed,
                p.runs,
                seed_sweep::list_seeds(&unshrunk, seed_sweep::LISTED_SEEDS)
            )
        });
        if p.failed == 0 {
            cases.push(passed(&p.property));
        } else if failures.is_empty() {
            let message = format!("broken in {} of {} runs", p.failed, p.runs);
            let body = format!("{}: {}{}", p.property, p.expectation, others.unwrap_or_default());
            cases.push(non_success(&p.property, NonSuccessKind::Failure, "FAIL", &message, Some(body)));
        } else {
            for (i, f) in failures.iter().enumerate() {
                let message = format!("cycle {}: {}", f.cycle, f.detail);
                let mut body = format!(
                    "{}: {}\nshrunk from {} to {} in {} runs\nreproduce: {}",
                    p.property,
                    p.expectation,
                    explore::describe(f.original),
                    explore::describe(f.shrunk),
                    f.attempts,
                    f.reproduction(dir)
                );
                if i == 0 {
                    body.push_str(others.as_deref().unwrap_or_default());
                }
                let name = format!("{} seed {}", p.property, f.seed);
                cases.push(non_success(&name, NonSuccessKind::Failure, "FAIL", &message, Some(body)));
            }
        }
    }
    let cases = cases.into_iter().map(|mut case| {
        case.set_classname("explore");
        case
    });
    xml("g6sim explore", cases.collect())
}

/// One verdict's case: a pass; a failure naming the first failed expectation, its body every failure and
/// the reproduction; an EMPTY error.
fn verdict_case(
    name: &str,
    verdict: Verdict,
    failed: &[crate::scenario::ExpectationOutcome],
    command: &str,
) -> TestCase {
    match verdict {
        Verdict::Pass => passed(name),
        Verdict::Empty => error_case(
            name,
            "EMPTY",
            Verdict::EMPTY_HINT,
            Some(format!("{}\nreproduce: {command}", Verdict::EMPTY_HINT)),
        ),
        Verdict::Fail => {
            let message = failed.iter().find(|o| !o.passed).map(|o| o.failure_text()).unwrap_or_default();
            let body = format!("{}reproduce: {command}", render::verdict_lines(verdict, failed, ""));
            non_success(name, NonSuccessKind::Failure, "FAIL", &message, Some(body))
        }
    }
}

fn error_case(name: &str, kind: &str, message: &str, body: Option<String>) -> TestCase {
    non_success(name, NonSuccessKind::Error, kind, message, body)
}

fn non_success(name: &str, kind: NonSuccessKind, ty: &str, message: &str, body: Option<String>) -> TestCase {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_type(ty).set_message(xml_safe(message));
    if let Some(body) = body {
        status.set_description(xml_safe(&body));
    }
    TestCase::new(xml_safe(name), status)
}

fn passed(name: &str) -> TestCase {
    TestCase::new(xml_safe(name), TestCaseStatus::success())
}

/// `text` with every character XML 1.0 cannot hold (control characters but tab, line feed and carriage return;
/// U+FFFE and U+FFFF) replaced by U+FFFD, so a file name holding one still gives a report parsers read, and
/// shows where the character was.
fn xml_safe(text: &str) -> String {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'));
    text.chars().map(|c| if allowed(c) { c } else { '\u{FFFD}' }).collect()
}

/// A file's name as its case names it (`walk.ron`).
fn file_name(file: &Path) -> String {
    file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// A file's folder as given, its case's class name (`scenarios/regressions`; `.` for a bare file name).
fn folder(file: &Path) -> String {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
        _ => ".".to_string(),
    }
}

/// One suite named `suite` holding `cases`, as XML.
fn xml(suite: &str, cases: Vec<TestCase>) -> String {
    let mut test_suite = TestSuite::new(suite);
    test_suite.add_test_cases(cases);
    let mut report = Report::new(REPORT);
    report.add_test_suite(test_suite);
    let xml = report.to_string().expect("serializing to a String cannot fail");
    // quick-junit always writes `disabled="0"` on a suite, an attribute the Jenkins schema does not have;
    // nothing here is ever disabled, and a value of a case's text cannot hold the quoted form.
    xml.replacen(" disabled=\"0\"", "", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckError, Event};
    use crate::scenario::ExpectationOutcome;
    use std::path::PathBuf;

    fn outcome(passed: bool, cycle: Option<u64>) -> ExpectationOutcome {
        ExpectationOutcome {
            expectation: "never: prefilter_clamp events >= 1".into(),
            passed,
            detail: "held at cycle 10: prefilter_clamp events = 1".into(),
            cycle,
        }
    }

    fn row(file: &str, checked: Checked) -> Row {
        Row { file: PathBuf::from(file), checked }
    }

    #[test]
    fn a_check_gives_one_case_per_file_with_its_verdict_message_and_reproduction() {
        let args = ["--no-env".to_string()];
        let mut record = Record::default();
        let rows = [
            row("scenarios/a.ron", Checked::Run { cycles: 3, outcomes: vec![outcome(true, None)] }),
            row("scenarios/b.ron", Checked::Run { cycles: 3, outcomes: vec![outcome(false, Some(10))] }),
            row("c.ron", Checked::Run { cycles: 3, outcomes: vec![] }),
            row("d <&>.ron", Checked::Error("d.ron:6:13: bad\n  hint: fix it".into())),
        ];
        for r in &rows {
            record.event(&Event::Row(r));
        }
        record.event(&Event::ChartError {
            file: Path::new("scenarios/a.ron"),
            seed: None,
            message: "out/a: cannot draw".into(),
        });
        let xml = check(&record, &args);
        assert_eq!(xml, check(&record, &args));
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="g6sim" tests="5" failures="1" errors="3">
    <testsuite name="g6sim check" tests="5" errors="3" failures="1">
        <testcase name="a.ron" classname="scenarios">
        </testcase>
        <testcase name="b.ron" classname="scenarios">
            <failure message="[cycle 10] expected never: prefilter_clamp events &gt;= 1; held at cycle 10: prefilter_clamp events = 1" type="FAIL">FAIL [cycle 10] expected never: prefilter_clamp events &gt;= 1; held at cycle 10: prefilter_clamp events = 1
reproduce: g6sim run scenarios/b.ron --no-env</failure>
        </testcase>
        <testcase name="c.ron" classname=".">
            <error message="no expectations: nothing was checked (add `expectations` to the scenario)" type="EMPTY">no expectations: nothing was checked (add `expectations` to the scenario)
reproduce: g6sim run c.ron --no-env</error>
        </testcase>
        <testcase name="d &lt;&amp;&gt;.ron" classname=".">
            <error message="d.ron:6:13: bad" type="ERROR">d.ron:6:13: bad
  hint: fix it</error>
        </testcase>
        <testcase name="a.ron charts" classname="scenarios">
            <error message="out/a: cannot draw" type="ERROR">out/a: cannot draw</error>
        </testcase>
    </testsuite>
</testsuites>
"#;
        assert_eq!(xml, expected);
    }

    #[test]
    fn characters_xml_cannot_hold_are_replaced_not_dropped() {
        let mut record = Record::default();
        let checked = Checked::Run { cycles: 1, outcomes: vec![outcome(true, None)] };
        record.event(&Event::Row(&row("s\u{1}/x\u{FFFF}\u{1b}.ron", checked)));
        let xml = check(&record, &[]);
        assert!(xml.contains("<testcase name=\"x\u{FFFD}\u{FFFD}.ron\" classname=\"s\u{FFFD}\">"), "{xml}");
    }

    #[test]
    fn an_interrupted_exploration_is_an_error_and_a_seeds_charts_name_the_seed() {
        let report = Exploration {
            seeds: vec![1, 2],
            cycles: 10,
            expiry_cycles: 20,
            properties: vec![],
            reach: Default::default(),
            failures: vec![],
        };
        let xml = exploration(&report, Path::new("out"), true);
        assert!(xml.contains(r#"<testcase name="g6sim explore" classname="explore">"#), "{xml}");
        assert!(xml.contains("interrupted after 2 seeds"), "{xml}");
        assert!(!exploration(&report, Path::new("out"), false).contains("interrupted"));
        let mut record = Record::default();
        record.event(&Event::ChartError { file: Path::new("s/w.ron"), seed: Some(4), message: "no".into() });
        assert!(check(&record, &[]).contains(r#"<testcase name="w.ron seed 4 charts" classname="s">"#));
    }

    #[test]
    fn seeds_give_one_case_per_seed_and_a_stopped_check_one_error() {
        use crate::sweep::seeds::SeedOutcome;
        let seed = |seed, failures: Vec<ExpectationOutcome>| SeedOutcome {
            seed,
            cycles: 3,
            totals: Default::default(),
            depth_adjustments: 0,
            expectations: 1,
            failures,
        };
        let outcomes = vec![seed(1, vec![]), seed(2, vec![outcome(false, Some(4))])];
        let checked = Checked::Seeds { cycles: 3, outcomes, reproductions: vec![] };
        let mut record = Record::default();
        record.event(&Event::Row(&row("s/w.ron", checked)));
        let xml = check(&record, &["--set".to_string(), "a=1 2".to_string()]);
        assert!(xml.contains(r#"<testcase name="w.ron seed 1" classname="s">"#), "{xml}");
        assert!(xml.contains("reproduce: g6sim run s/w.ron --seed 2 --set &apos;a=1 2&apos;</failure>"), "{xml}");
        assert!(xml.contains(r#"tests="2" failures="1" errors="0""#), "{xml}");

        let mut stopped = Record::default();
        stopped.end(&Err(CheckError::NoScenariosDir));
        let xml = check(&stopped, &[]);
        assert!(xml.contains(r#"<testcase name="g6sim check" classname="g6sim">"#), "{xml}");
        assert!(xml.contains(r#"<error message="no scenarios/ directory here: `g6sim check` with no"#), "{xml}");
        assert!(!xml.contains("disabled"), "{xml}");
    }
}
