//! The report of a run directory (`g6sim run --out DIR`, `g6sim replay --out DIR`): what ran, the verdict, the
//! totals, the charts and the per-cycle table, from the directory's files alone.

use super::page::{Page, cell, esc, num};
use super::{Error, read_json, read_lines, text};
use crate::output::COMPARISON_FILE;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Cycles the per-cycle table lists; the rest are in `cycles.jsonl`.
pub const MAX_CYCLE_ROWS: usize = 1_000;
/// Replay differences the comparison lists; the rest are in `comparison.json`.
const MAX_DIFFERENCES: usize = 1_000;

/// The page of the run in `dir`.
pub(crate) fn page(dir: &Path) -> Result<String, Error> {
    let manifest = read_json(&dir.join("manifest.json"))?;
    let cycles = read_lines(&dir.join("cycles.jsonl"))?;
    let events = read_lines(&dir.join("events.jsonl"))?;
    let comparison = dir.join(COMPARISON_FILE);
    let comparison = if comparison.is_file() { Some(read_json(&comparison)?) } else { None };
    let name = text(&manifest["scenario"]["name"]);
    let what = if comparison.is_some() { "replay" } else { "run" };
    let mut page = Page::new(&format!("g6sim {what}: {name}"));

    // The verdict first: what a reader opens the page for.
    page.section("verdict", "Verdict");
    let results = manifest["expectations"]["results"].as_array().cloned().unwrap_or_default();
    let failed = results.iter().filter(|r| r["passed"] != Value::Bool(true)).count();
    match &comparison {
        Some(c) => {
            let differences = c["differences"].as_array().map_or(0, Vec::len);
            let label = if differences == 0 { "PASS" } else { "FAIL" };
            let said = format!(
                "the replay against the recorded history: {} statuses and {} depths compared, {differences} differ",
                c["statuses_compared"], c["depths_compared"]
            );
            page.verdict(label, &said);
        }
        None if results.is_empty() => {
            page.verdict("EMPTY", crate::scenario::Verdict::EMPTY_HINT);
        }
        None => {
            let label = if failed == 0 { "PASS" } else { "FAIL" };
            page.verdict(label, &format!("{} of {} expectations passed", results.len() - failed, results.len()));
        }
    }
    if !results.is_empty() {
        let rows: Vec<(String, Vec<String>)> = results
            .iter()
            .map(|r| {
                let passed = r["passed"] == Value::Bool(true);
                let cycle = r["cycle"].as_u64().map(|c| c.to_string()).unwrap_or_default();
                let cells = vec![
                    cell(if passed { "PASS" } else { "FAIL" }),
                    cell(&text(&r["expectation"])),
                    num(&cycle),
                    cell(&text(&r["detail"])),
                ];
                ((if passed { "" } else { "fail" }).to_string(), cells)
            })
            .collect();
        page.table(&["result", "expectation", "cycle", "what happened"], &rows);
    }
    if let Some(c) = &comparison {
        comparison_table(&mut page, c);
    }
    page.end_section();

    scenario_section(&mut page, &manifest);
    totals_section(&mut page, &cycles, &events);

    page.section("charts", "Charts");
    let data = crate::plot::load_dir(dir).map_err(|e| Error::Charts(e.to_string()))?;
    for (stem, svg) in crate::plot::svgs(&data).map_err(|e| Error::Charts(e.to_string()))? {
        page.chart(stem, &svg);
    }
    page.end_section();

    cycles_section(&mut page, &cycles);
    Ok(page.finish(&dir.display().to_string()))
}

fn comparison_table(page: &mut Page, c: &Value) {
    let differences = c["differences"].as_array().cloned().unwrap_or_default();
    if differences.is_empty() {
        return;
    }
    page.raw("<h3>Differences from the history</h3>\n");
    let rows: Vec<(String, Vec<String>)> = differences
        .iter()
        .take(MAX_DIFFERENCES)
        .map(|d| {
            let cells = vec![
                num(&text(&d["cycle"])),
                cell(&text(&d["index"])),
                cell(&text(&d["rule"])),
                cell(&text(&d["field"])),
                cell(&text(&d["recorded"])),
                cell(&text(&d["replayed"])),
            ];
            ("fail".to_string(), cells)
        })
        .collect();
    page.table(&["cycle", "index", "expiry", "field", "recorded", "replayed"], &rows);
    if differences.len() > MAX_DIFFERENCES {
        page.para(&format!("... and {} more in {COMPARISON_FILE}", differences.len() - MAX_DIFFERENCES));
    }
}

fn scenario_section(page: &mut Page, m: &Value) {
    page.section("scenario", "Scenario and configuration");
    let description = text(&m["scenario"]["description"]);
    if !description.is_empty() {
        page.para(&description);
    }
    let mut rows = vec![
        ("scenario", text(&m["scenario"]["name"])),
        ("file", text(&m["scenario"]["file"])),
        ("content sha256", text(&m["scenario"]["content_sha256"])),
        ("seed", text(&m["seed"])),
        ("cycles", text(&m["cycles"])),
        ("start", text(&m["start"])),
        ("interval", format!("{} s", text(&m["interval_s"]))),
        ("parity", text(&m["config"]["parity"])),
        ("events logged", text(&m["events"])),
        ("written by", format!("g6sim {}", text(&m["g6sim_version"]))),
    ];
    if let Some(u) = m.get("universe").filter(|u| !u.is_null()) {
        rows.push(("instruments dump", u.to_string()));
    }
    page.pairs(&rows);
    let applied = m["applied"].as_array().cloned().unwrap_or_default();
    page.raw("<h3>What changed the configuration</h3>\n");
    if applied.is_empty() {
        page.para("Nothing: the scenario's configuration and the defaults.");
    } else {
        let rows: Vec<(String, Vec<String>)> = applied
            .iter()
            .map(|a| (String::new(), vec![cell(&text(&a["key"])), cell(&text(&a["value"])), cell(&text(&a["source"]))]))
            .collect();
        page.table(&["key", "value", "from"], &rows);
    }
    if let Some(config) = m["config"].as_object() {
        page.details(&format!("Every configuration key ({})", config.len()));
        let rows: Vec<(String, Vec<String>)> =
            config.iter().map(|(k, v)| (String::new(), vec![cell(k), cell(&text(v))])).collect();
        page.table(&["key", "value"], &rows);
        page.end_details();
    }
    let phases = m["phases"].as_array().cloned().unwrap_or_default();
    if !phases.is_empty() {
        page.raw("<h3>Fault phases</h3>\n");
        let rows: Vec<(String, Vec<String>)> = phases
            .iter()
            .map(|p| {
                let window = format!("{}..{}", text(&p["cycles"]["first"]), text(&p["cycles"]["last"]));
                let scope = [text(&p["index"]), text(&p["rule"])].join(" ");
                let faults = format!("<code>{}</code>", esc(&p["faults"].to_string()));
                (String::new(), vec![cell(&text(&p["name"])), num(&window), cell(scope.trim()), faults])
            })
            .collect();
        page.table(&["phase", "cycles", "acts on", "faults"], &rows);
    }
    page.end_section();
}

fn totals_section(page: &mut Page, cycles: &[Value], events: &[Value]) {
    page.section("totals", "Totals");
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for c in cycles {
        for (totals, into) in [(&c["expiry_status_totals"], &mut statuses), (&c["partial_reason_totals"], &mut reasons)]
        {
            for (k, v) in totals.as_object().into_iter().flatten() {
                *into.entry(k.clone()).or_default() += v.as_u64().unwrap_or(0);
            }
        }
    }
    let mut by_event: BTreeMap<String, u64> = BTreeMap::new();
    for e in events {
        *by_event.entry(text(&e["event"])).or_default() += 1;
    }
    let order = ["ok", "partial", "empty", "synth"];
    let status_rows: Vec<(&str, String)> =
        order.iter().map(|s| (*s, statuses.get(*s).copied().unwrap_or(0).to_string())).collect();
    let reason_rows: Vec<(&str, String)> = reasons.iter().map(|(k, v)| (k.as_str(), v.to_string())).collect();
    let event_rows: Vec<(&str, String)> = by_event.iter().map(|(k, v)| (k.as_str(), v.to_string())).collect();
    page.raw("<div class=\"cols\">\n");
    for (title, rows) in [
        ("Expiry-cycles by status", &status_rows),
        ("PARTIAL expiry-cycles by reason", &reason_rows),
        ("Events logged", &event_rows),
    ] {
        page.raw(&format!("<div>\n<h3>{title}</h3>\n")).pairs(rows).raw("</div>\n");
    }
    page.raw("</div>\n");
    page.end_section();
}

fn cycles_section(page: &mut Page, cycles: &[Value]) {
    page.section("cycles", "Cycles");
    let shown = cycles.len().min(MAX_CYCLE_ROWS);
    page.details(&format!("{} cycles, one row per index", cycles.len()));
    let mut rows = Vec::new();
    for c in &cycles[..shown] {
        for index in c["indices"].as_array().into_iter().flatten() {
            let depth = format!("{}/{}", text(&index["depth"]["itm"]), text(&index["depth"]["otm"]));
            let pct = |v: &Value| v.as_f64().map_or("-".to_string(), |x| format!("{:.0}%", x * 100.0));
            let expiries: Vec<String> = index["expiries"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| {
                    let reason = x["partial_reason"].as_str().map(|r| format!(" ({r})")).unwrap_or_default();
                    format!(
                        "{} {}{reason} {}/{}",
                        text(&x["rule"]),
                        text(&x["status"]),
                        pct(&x["strike_coverage"]),
                        pct(&x["field_coverage"])
                    )
                })
                .collect();
            let status = text(&index["status"]);
            let class = if status == "OK" { "" } else { "fail" };
            rows.push((
                class.to_string(),
                vec![
                    num(&text(&c["cycle"])),
                    cell(&text(&c["time"])),
                    cell(&text(&index["index"])),
                    cell(&status),
                    num(&depth),
                    cell(&expiries.join("; ")),
                ],
            ));
        }
    }
    page.table(
        &["cycle", "time", "index", "status", "depth itm/otm", "expiries (status, strike/field coverage)"],
        &rows,
    );
    page.end_details();
    if cycles.len() > shown {
        page.para(&format!("The table lists the first {shown} cycles; cycles.jsonl holds all {}.", cycles.len()));
    }
    page.end_section();
}
