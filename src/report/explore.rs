//! The report of an exploration (`g6sim explore --out DIR`, or a merge of its shards): what was explored, each
//! property's tally, what was never reached, and each shrunk failure with its reproduction, its scenario file
//! and, when they were drawn (`--plots`), its charts.

use super::page::{Page, cell, num};
use super::{Error, read_json, read_text, text};
use crate::explore::{EXPLORE_FILE, FAILURES_DIR};
use serde_json::Value;
use std::path::Path;

/// The page of the exploration in `dir`.
pub(crate) fn page(dir: &Path) -> Result<String, Error> {
    let report = read_json(&dir.join(EXPLORE_FILE))?;
    let from = report["from"]["file"].as_str().map(|f| format!(" around {f}")).unwrap_or_default();
    let mut page = Page::new(&format!("g6sim explore{from}"));
    let properties = report["properties"].as_array().cloned().unwrap_or_default();
    let failures = report["failures"].as_array().cloned().unwrap_or_default();
    let broken = properties.iter().filter(|p| p["failed"].as_u64().unwrap_or(0) > 0).count();

    page.section("verdict", "Verdict");
    let label = if broken == 0 { "PASS" } else { "FAIL" };
    page.verdict(label, &format!("{} of {} properties held in every run", properties.len() - broken, properties.len()));
    let rows: Vec<(String, Vec<String>)> = properties
        .iter()
        .map(|p| {
            let failed = p["failed"].as_u64().unwrap_or(0);
            let seeds: Vec<String> =
                p["failing_seeds"].as_array().into_iter().flatten().map(Value::to_string).collect();
            let cells = vec![
                cell(if failed == 0 { "PASS" } else { "FAIL" }),
                cell(&text(&p["property"])),
                cell(&text(&p["expectation"])),
                num(&text(&p["runs"])),
                num(&failed.to_string()),
                cell(&seeds.join(", ")),
            ];
            ((if failed == 0 { "" } else { "fail" }).to_string(), cells)
        })
        .collect();
    page.table(&["result", "property", "checked by", "runs", "broken", "failing seeds"], &rows);
    page.end_section();

    page.section("exploration", "What was explored");
    let config = report["config"].as_object().map(|c| {
        let pairs: Vec<String> = c.iter().map(|(k, v)| format!("{k}={}", text(v))).collect();
        pairs.join(" ")
    });
    let mut rows = vec![
        ("seeds", text(&report["seeds"])),
        ("runs", text(&report["runs"])),
        ("cycles", text(&report["cycles"])),
        ("expiry-cycles", text(&report["expiry_cycles"])),
        ("parity", text(&report["parity"])),
        ("configuration", config.filter(|c| !c.is_empty()).unwrap_or_else(|| "the defaults".into())),
        ("written by", format!("g6sim {}", text(&report["g6sim_version"]))),
    ];
    if let Some(from) = report["from"].as_object() {
        rows.insert(0, ("around", from.get("file").map(text).unwrap_or_default()));
    }
    page.pairs(&rows);
    let never: Vec<String> = report["never_reached"].as_array().into_iter().flatten().map(text).collect();
    if never.is_empty() {
        page.para("Every event, status, reason, fault, clamp and branch was reached.");
    } else {
        page.para(&format!("Never reached: {}.", never.join(", ")));
    }
    page.end_section();

    page.section("failures", "Shrunk failures");
    if failures.is_empty() {
        page.para("None: no property broke.");
    }
    for f in &failures {
        let file = text(&f["file"]);
        page.raw(&format!("<h3>{}</h3>\n", cell(&format!("{}: seed {}", text(&f["property"]), text(&f["seed"])))));
        page.pairs(&[
            ("what was wrong", format!("cycle {}: {}", text(&f["cycle"]), text(&f["detail"]))),
            (
                "shrunk",
                format!("from {} to {} in {} runs", size(&f["original"]), size(&f["shrunk"]), text(&f["attempts"])),
            ),
            ("reproduce", format!("g6sim run {} --no-env", dir.join(FAILURES_DIR).join(&file).display())),
        ]);
        let scenario = dir.join(FAILURES_DIR).join(&file);
        if scenario.is_file() {
            page.details(&format!("The shrunk scenario, {file}"));
            page.pre(&read_text(&scenario)?);
            page.end_details();
        }
        if let Some(charts) = f["charts"].as_str() {
            for chart in crate::plot::CHARTS {
                let svg = dir.join(FAILURES_DIR).join(charts).join(format!("{chart}.svg"));
                if svg.is_file() {
                    page.chart(chart, &read_text(&svg)?);
                }
            }
        }
    }
    page.end_section();
    Ok(page.finish(&dir.display().to_string()))
}

/// `11 cycles, 4 indices, 9 expiries, 4 faults`.
fn size(s: &Value) -> String {
    format!(
        "{} cycles, {} indices, {} expiries, {} faults",
        text(&s["cycles"]),
        text(&s["indices"]),
        text(&s["expiries"]),
        text(&s["faults"])
    )
}
