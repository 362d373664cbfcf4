//! `g6sim report` and `run --report`: one self-contained page per directory (nothing fetched, nothing run,
//! every text escaped), the same bytes every time, the sweep's and the run's charts inline, and bad input
//! refused with a hint. `tests/browser.rs` opens the pages in a real browser.

use crate::common::*;
use std::path::Path;

fn page(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// A page fetches and runs nothing: no script, no link, no source, no url(), no address but the SVG namespace.
pub fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!doctype html>\n"), "{}", &html[..80.min(html.len())]);
    for banned in ["<script", "<link", " src=", "url(", "<iframe", "<img", "@import"] {
        assert!(!html.contains(banned), "the page holds {banned}");
    }
    let addresses = html.matches("http://").count() + html.matches("https://").count() + html.matches("//:").count();
    let namespaces = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(addresses, namespaces, "the only address is the SVG namespace");
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"), "a policy forbids fetching");
}

/// The text of the section with `id`.
pub fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<section id=\"{id}\">");
    let start = html.find(&open).unwrap_or_else(|| panic!("no section {id}"));
    let end = start + html[start..].find("</section>").unwrap();
    &html[start..end]
}

#[test]
fn a_runs_page_holds_its_verdict_charts_and_cycles_and_is_the_same_from_run_and_from_report() {
    let dir = temp_dir("report-run");
    let out = dir.join("run");
    let ran =
        g6sim(&["run", "scenarios/memory_pressure.ron", "-q", "--no-env", "--out", out.to_str().unwrap(), "--report"]);
    assert_eq!(ran.status.code(), Some(0), "{}", String::from_utf8_lossy(&ran.stderr));
    let report = out.join("report.html");
    assert!(String::from_utf8_lossy(&ran.stdout).ends_with(&format!("wrote {}\n", report.display())));
    let html = page(&report);
    assert_self_contained(&html);
    assert!(html.contains("<title>g6sim run: memory_pressure</title>"));

    // The verdict: one row per expectation of the manifest.
    let manifest: serde_json::Value = serde_json::from_str(&page(&out.join("manifest.json"))).unwrap();
    let expectations = manifest["expectations"]["results"].as_array().unwrap().len();
    let verdict = section(&html, "verdict");
    assert!(verdict.contains("<span class=\"verdict PASS\">PASS</span>"), "{verdict}");
    assert_eq!(verdict.matches("<tr>").count() + verdict.matches("<tr class=").count(), expectations + 1);
    // The four charts, as `g6sim plot` draws them.
    let charts = section(&html, "charts");
    assert_eq!(charts.matches("<svg ").count(), 4);
    let drawn = g6sim(&["plot", out.to_str().unwrap()]);
    assert_eq!(drawn.status.code(), Some(0));
    for chart in ["depth", "coverage", "status", "clamp"] {
        let svg = page(&out.join("plots").join(format!("{chart}.svg")));
        assert!(charts.contains(svg.trim_end()), "the {chart} chart is the one `g6sim plot` draws");
    }
    // One row per cycle and index, in a collapsed block.
    let cycles = page(&out.join("cycles.jsonl")).lines().count();
    let table = section(&html, "cycles");
    assert!(table.contains("<details>"));
    assert_eq!(table.matches("<tr").count(), cycles + 1, "one index: a row per cycle, and the header");

    // `g6sim report DIR` writes the same bytes, and so does a second time; `--out` elsewhere too.
    let again = g6sim(&["report", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(page(&report), html);
    let elsewhere = dir.join("pages/memory.html");
    assert_eq!(g6sim(&["report", out.to_str().unwrap(), "--out", elsewhere.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(page(&elsewhere), html);

    // A run into the directory without --report removes the page that told of the earlier run.
    let rerun = g6sim(&["run", "scenarios/memory_pressure.ron", "-q", "--no-env", "--out", out.to_str().unwrap()]);
    assert_eq!(rerun.status.code(), Some(0));
    assert!(!report.exists(), "a stale report.html stays");
}

#[test]
fn a_replays_page_lists_its_differences_and_fails() {
    let dir = temp_dir("report-replay");
    let out = dir.join("replay");
    let args = [
        "replay",
        "scenarios/history/banknifty_low_both.csv",
        "-q",
        "--no-env",
        "--out",
        out.to_str().unwrap(),
        "--report",
    ];
    assert_eq!(g6sim(&args).status.code(), Some(1));
    let html = page(&out.join("report.html"));
    assert_self_contained(&html);
    let verdict = section(&html, "verdict");
    assert!(verdict.contains("<span class=\"verdict FAIL\">FAIL</span>"), "{verdict}");
    let comparison: serde_json::Value = serde_json::from_str(&page(&out.join("comparison.json"))).unwrap();
    let differences = comparison["differences"].as_array().unwrap().len();
    assert_eq!(verdict.matches("<tr class=\"fail\">").count(), differences);
}

/// A small sweep (6 settings x 4 seeds of `coverage_flapping.ron`) into `out`: setting 0 is recommended.
pub fn small_sweep(out: &Path) {
    let args = [
        "sweep",
        "scenarios/coverage_flapping.ron",
        "--param",
        "contract_ok_cycles=1,2,3",
        "--param",
        "contract_cooldown=0,2",
        "--seeds",
        "4",
        "--no-env",
        "--out",
        out.to_str().unwrap(),
    ];
    let swept = g6sim(&args);
    assert_eq!(swept.status.code(), Some(0), "{}", String::from_utf8_lossy(&swept.stderr));
}

#[test]
fn a_sweeps_page_holds_the_recommendation_the_front_every_setting_and_the_charts_it_drew() {
    let dir = temp_dir("report-sweep");
    let out = dir.join("sweep");
    small_sweep(&out);
    let made = g6sim(&["report", out.to_str().unwrap()]);
    assert_eq!(made.status.code(), Some(0), "{}", String::from_utf8_lossy(&made.stderr));
    let html = page(&out.join("report.html"));
    assert_self_contained(&html);
    assert!(section(&html, "recommendation").contains("setting 0: contract_ok_cycles=1 contract_cooldown=0"));
    let pareto = page(&out.join("pareto.txt"));
    assert!(html.contains(&pareto.replace('<', "&lt;").replace('>', "&gt;")), "the front as pareto.txt prints it");
    let results = section(&html, "results");
    assert_eq!(results.matches("<tr class=\"best\">").count(), 1, "the recommended setting is marked");
    let charts = section(&html, "charts");
    let mut drawn = 0;
    for sub in ["heatmaps", "pareto"] {
        for entry in std::fs::read_dir(out.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "svg") {
                assert!(charts.contains(page(&path).trim_end()), "{} is inline, as drawn", path.display());
                drawn += 1;
            }
        }
    }
    assert_eq!(charts.matches("<svg ").count(), drawn);
    assert!(drawn >= 4);
    // The sweep run again into its directory removes the page of the earlier one.
    small_sweep(&out);
    assert!(!out.join("report.html").exists());
}

#[test]
fn an_explorations_page_lists_every_property_and_each_failures_reproduction() {
    let dir = temp_dir("report-explore");
    let out = dir.join("explore");
    let args = [
        "explore",
        "--no-env",
        "--seeds",
        "1..6",
        "--set",
        "contract_ok_cycles=0",
        "--set",
        "contract_cooldown=0",
        "--set",
        "prefilter_max_instruments=50",
        "--plots",
        "--out",
        out.to_str().unwrap(),
    ];
    assert_eq!(g6sim(&args).status.code(), Some(1));
    assert_eq!(g6sim(&["report", out.to_str().unwrap()]).status.code(), Some(0));
    let html = page(&out.join("report.html"));
    assert_self_contained(&html);
    let explored: serde_json::Value = serde_json::from_str(&page(&out.join("explore.json"))).unwrap();
    let verdict = section(&html, "verdict");
    for p in explored["properties"].as_array().unwrap() {
        assert!(verdict.contains(&format!("<td>{}</td>", p["property"].as_str().unwrap())), "{}", p["property"]);
    }
    let failures = section(&html, "failures");
    for f in explored["failures"].as_array().unwrap() {
        let file = out.join("failures").join(f["file"].as_str().unwrap());
        assert!(failures.contains(&format!("g6sim run {} --no-env", file.display())));
    }
    assert!(failures.matches("<svg ").count() >= 4, "the failures' charts are inline");
}

#[test]
fn a_scenarios_own_words_are_escaped() {
    let dir = temp_dir("report-escape");
    let scenario = dir.join("hostile.ron");
    let text =
        page(&root().join("scenarios/walk.ron")).replacen("name: \"walk\"", "name: \"<script>alert(1)</script>\"", 1);
    std::fs::write(&scenario, text).unwrap();
    let out = dir.join("run");
    let ran = g6sim(&["run", scenario.to_str().unwrap(), "-q", "--no-env", "--out", out.to_str().unwrap(), "--report"]);
    assert_eq!(ran.status.code(), Some(0), "{}", String::from_utf8_lossy(&ran.stderr));
    let html = page(&out.join("report.html"));
    assert_self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn bad_directories_are_refused_with_a_hint_and_nothing_is_written() {
    let dir = temp_dir("report-bad");
    let cases: [(&Path, &str); 2] =
        [(&dir.join("none"), "no such directory"), (&dir, "holds no g6sim run, sweep or exploration")];
    for (target, says) in cases {
        let out = g6sim(&["report", target.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says) && stderr.contains("hint: "), "{stderr}");
    }
    // A damaged cycles.jsonl is named with its line.
    let run = dir.join("run");
    assert_eq!(
        g6sim(&["run", "scenarios/walk.ron", "-q", "--no-env", "--out", run.to_str().unwrap()]).status.code(),
        Some(0)
    );
    let cycles = run.join("cycles.jsonl");
    let mut text = page(&cycles);
    text.push_str("{not json\n");
    std::fs::write(&cycles, text).unwrap();
    let out = g6sim(&["report", run.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("{}:11", cycles.display())), "{stderr}");
    assert!(!run.join("report.html").exists());
}

#[test]
fn a_seed_sweep_writes_each_seeds_page_as_report_writes_it() {
    let dir = temp_dir("report-seeds");
    let out = dir.join("seeds");
    let ran = g6sim(&[
        "run",
        "scenarios/walk.ron",
        "--seeds",
        "2",
        "-q",
        "--no-env",
        "--report",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(ran.status.code(), Some(0), "{}", String::from_utf8_lossy(&ran.stderr));
    assert!(String::from_utf8_lossy(&ran.stdout).contains("(a report page in seed-N/report.html)"));
    for seed in ["seed-1", "seed-2"] {
        let written = page(&out.join(seed).join("report.html"));
        assert_self_contained(&written);
        let again = dir.join(format!("{seed}.html"));
        let target = out.join(seed);
        assert_eq!(
            g6sim(&["report", target.to_str().unwrap(), "--out", again.to_str().unwrap()]).status.code(),
            Some(0)
        );
        assert_eq!(page(&again), written);
    }
}
