//! The report of a sweep directory (`g6sim sweep --out DIR`, or a merge of its shards): what was swept, the
//! recommendation, the Pareto front, every setting's scores, and the charts the sweep drew, inline.

use super::page::{Page, cell, esc, num};
use super::{Error, read_json, read_text, text};
use crate::sweep::{CHART_DIRS, MANIFEST};
use serde_json::Value;
use std::path::Path;

/// The results' columns the summary table shows after the setting and its values (all are in the full table):
/// the seeds (and rung), the pass share and the front's objectives over seeds, the verdicts on the constraints
/// and the front.
fn summary_columns() -> Vec<String> {
    use crate::scoring::score::{OBJECTIVES, Score};
    let scores = std::iter::once(Score::PassShare).chain(OBJECTIVES).map(crate::sweep::results::headline_column);
    ["seeds", "rung"]
        .map(String::from)
        .into_iter()
        .chain(scores)
        .chain(["feasible", "pareto"].map(String::from))
        .collect()
}

/// The page of the sweep in `dir`.
pub(crate) fn page(dir: &Path) -> Result<String, Error> {
    let manifest = read_json(&dir.join(MANIFEST))?;
    let results = read_json(&dir.join("results.json"))?;
    let pareto = read_text(&dir.join("pareto.txt"))?;
    let csv = read_text(&dir.join("results.csv"))?;
    let name = manifest["scenario"].as_str().unwrap_or("suite").to_string();
    let mut page = Page::new(&format!("g6sim sweep: {name}"));

    let order = keys_in_order(&manifest);
    page.section("recommendation", "Recommendation");
    match results["recommended"].as_object() {
        Some(r) => {
            let values = values_text(&r["values"], &order);
            page.raw(&format!("<p><strong>{}</strong></p>\n", esc(&format!("setting {}: {values}", r["setting"]))));
            page.para(r["why"].as_str().unwrap_or_default());
        }
        None => {
            page.para("No setting is recommended.");
        }
    }
    page.raw("<h3>Pareto front</h3>\n").pre(&pareto);
    page.end_section();

    page.section("sweep", "What was swept");
    let params = manifest["params"].as_array().cloned().unwrap_or_default();
    let mut rows: Vec<(&str, String)> = vec![("scenario", name.clone())];
    // A grid lists each key's values; a design (a sample) each key's range.
    let ranges = manifest["design"]["ranges"].as_array().cloned().unwrap_or_default();
    let mut labels: Vec<String> = Vec::new();
    let mut keys: Vec<(String, String)> = Vec::new();
    for p in &params {
        let values: Vec<String> = p[1].as_array().into_iter().flatten().map(text).collect();
        keys.push((text(&p[0]), values.join(", ")));
    }
    for r in &ranges {
        keys.push((text(&r[0]), format!("range {}", text(&r[1]))));
    }
    for (key, values) in &keys {
        labels.push(key.clone());
        rows.push((key.as_str(), values.clone()));
    }
    let seeds = manifest["seeds"].as_array().map_or(0, Vec::len);
    rows.push(("seeds", seeds.to_string()));
    rows.push(("settings", text(&manifest["settings"])));
    rows.push(("runs", text(&manifest["jobs"])));
    for key in ["parity", "aggregate", "require", "design", "halving"] {
        if let Some(v) = manifest.get(key).filter(|v| !v.is_null()) {
            rows.push((key, text(v)));
        }
    }
    let sets: Vec<String> = manifest["sets"].as_array().into_iter().flatten().map(text).collect();
    if !sets.is_empty() {
        rows.push(("--set", sets.join(" ")));
    }
    rows.push(("written by", format!("g6sim {}", text(&manifest["g6sim_version"]))));
    page.pairs(&rows);
    let members = manifest["members"].as_array().cloned().unwrap_or_default();
    if !members.is_empty() {
        page.details(&format!("Suite: {} members", members.len()));
        let rows: Vec<(String, Vec<String>)> =
            members.iter().map(|m| (String::new(), vec![cell(&text(&m["name"])), cell(&text(&m["kind"]))])).collect();
        page.table(&["member", "kind"], &rows);
        page.end_details();
    }
    page.end_section();

    results_section(&mut page, &csv, &labels, results["recommended"]["setting"].as_u64());

    page.section("charts", "Charts");
    let mut any = false;
    for sub in CHART_DIRS {
        let mut svgs: Vec<_> = std::fs::read_dir(dir.join(sub))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "svg"))
            .collect();
        svgs.sort();
        for path in svgs {
            let svg = read_text(&path)?;
            let stem = path.file_stem().map(|s| s.to_string_lossy().replace("__", " vs ")).unwrap_or_default();
            page.chart(&format!("{sub}: {stem}"), &svg);
            any = true;
        }
    }
    if !any {
        page.para("The sweep drew no charts.");
    }
    page.end_section();
    Ok(page.finish(&dir.display().to_string()))
}

/// The swept keys in the order the sweep names them: a grid's parameters, then a design's ranges.
fn keys_in_order(manifest: &Value) -> Vec<String> {
    let params = manifest["params"].as_array().into_iter().flatten();
    let ranges = manifest["design"]["ranges"].as_array().into_iter().flatten();
    params.chain(ranges).map(|p| text(&p[0])).collect()
}

/// `key=value key=value`, the keys in `order` (any other after them, by name).
fn values_text(values: &Value, order: &[String]) -> String {
    let Some(values) = values.as_object() else { return String::new() };
    let mut keys: Vec<&String> = order.iter().filter(|k| values.contains_key(*k)).collect();
    keys.extend(values.keys().filter(|k| !order.contains(k)));
    let pairs: Vec<String> = keys.iter().map(|k| format!("{k}={}", text(&values[*k]))).collect();
    pairs.join(" ")
}

/// Every setting's summary row (the recommended one marked), then the whole results.csv in a collapsed table.
fn results_section(page: &mut Page, csv: &str, params: &[String], recommended: Option<u64>) {
    page.section("results", "Results");
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().map(|h| h.iter().map(String::from).collect()).unwrap_or_default();
    let records: Vec<Vec<String>> =
        reader.records().filter_map(Result::ok).map(|r| r.iter().map(String::from).collect()).collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let summary = summary_columns();
    let shown: Vec<&str> = std::iter::once("setting")
        .chain(params.iter().map(String::as_str))
        .chain(summary.iter().map(String::as_str).filter(|c| column(c).is_some()))
        .collect();
    let rows: Vec<(String, Vec<String>)> = records
        .iter()
        .map(|r| {
            let best = recommended.is_some_and(|s| r.first().and_then(|c| c.parse::<u64>().ok()) == Some(s));
            let cells =
                shown.iter().map(|c| column(c).and_then(|i| r.get(i)).map_or(String::new(), |v| num(v))).collect();
            ((if best { "best" } else { "" }).to_string(), cells)
        })
        .collect();
    page.table(&shown, &rows);
    page.details(&format!("Every column of results.csv ({} settings)", records.len()));
    let all: Vec<(String, Vec<String>)> =
        records.iter().map(|r| (String::new(), r.iter().map(|v| num(v)).collect())).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    page.table(&header, &all);
    page.end_details();
    page.end_section();
}
