//! The series a chart needs, read from a run's outputs.

use serde_json::Value;
use std::path::Path;

/// A fault phase's window, for shading.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseWindow {
    pub name: String,
    pub first: u64,
    pub last: u64,
    pub index: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Adjustment {
    pub cycle: u64,
    pub expansion: bool,
    pub new_itm: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExpirySeries {
    pub rule: String,
    pub strike: Vec<Option<f64>>,
    pub field: Vec<Option<f64>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexSeries {
    pub name: String,
    pub itm: Vec<f64>,
    pub otm: Vec<f64>,
    pub baseline_itm: Vec<f64>,
    pub adjustments: Vec<Adjustment>,
    pub expiries: Vec<ExpirySeries>,
}

/// Everything the charts draw.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotData {
    pub scenario: String,
    pub cycles: Vec<u64>,
    pub indices: Vec<IndexSeries>,
    /// (status, count per cycle), in OK, PARTIAL, EMPTY, SYNTH order.
    pub statuses: Vec<(String, Vec<f64>)>,
    /// (reason, count per cycle), in the totals' order.
    pub reasons: Vec<(String, Vec<f64>)>,
    pub clamp_original: Vec<f64>,
    pub clamp_kept: Vec<f64>,
    pub phases: Vec<PhaseWindow>,
    pub strike_ok: f64,
    pub field_ok: f64,
    pub trigger: f64,
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

impl PlotData {
    /// Builds the series from parsed `cycles.jsonl` lines, `events.jsonl` lines and `manifest.json`.
    pub fn from_json(cycles: &[Value], events: &[Value], manifest: &Value) -> Result<Self, String> {
        if cycles.is_empty() {
            return Err("the run has no cycles to plot".into());
        }
        let cycle_numbers: Vec<u64> = cycles.iter().map(|c| c["cycle"].as_u64().unwrap_or(0)).collect();
        let mut indices: Vec<IndexSeries> = Vec::new();
        for (k, c) in cycles.iter().enumerate() {
            for i in c["indices"].as_array().into_iter().flatten() {
                let name = i["index"].as_str().unwrap_or("?").to_string();
                let pos = match indices.iter().position(|x| x.name == name) {
                    Some(p) => p,
                    None => {
                        indices.push(IndexSeries {
                            name: name.clone(),
                            itm: vec![f64::NAN; cycles.len()],
                            otm: vec![f64::NAN; cycles.len()],
                            baseline_itm: vec![f64::NAN; cycles.len()],
                            adjustments: Vec::new(),
                            expiries: Vec::new(),
                        });
                        indices.len() - 1
                    }
                };
                let series = &mut indices[pos];
                series.itm[k] = num(&i["depth"]["itm"]);
                series.otm[k] = num(&i["depth"]["otm"]);
                series.baseline_itm[k] = num(&i["baseline"]["itm"]);
                for (j, e) in i["expiries"].as_array().into_iter().flatten().enumerate() {
                    let rule = e["rule"].as_str().unwrap_or("?").to_string();
                    if series.expiries.len() <= j {
                        series.expiries.push(ExpirySeries {
                            rule,
                            strike: vec![None; cycles.len()],
                            field: vec![None; cycles.len()],
                        });
                    }
                    series.expiries[j].strike[k] = e["strike_coverage"].as_f64();
                    series.expiries[j].field[k] = e["field_coverage"].as_f64();
                }
            }
        }
        let mut clamp_original = vec![0.0; cycles.len()];
        let mut clamp_kept = vec![0.0; cycles.len()];
        for e in events {
            let Some(k) = cycle_numbers.iter().position(|c| Some(*c) == e["cycle"].as_u64()) else { continue };
            let d = &e["data"];
            match e["event"].as_str() {
                Some("strike_depth_adjustment") => {
                    if let Some(ix) = indices.iter_mut().find(|x| d["index"] == x.name.as_str()) {
                        ix.adjustments.push(Adjustment {
                            cycle: cycle_numbers[k],
                            expansion: d["reason"] == "low_strike_cov",
                            new_itm: num(&d["new_itm"]),
                        });
                    }
                }
                Some("prefilter_clamp") => {
                    clamp_original[k] += num(&d["original"]);
                    clamp_kept[k] += num(&d["kept"]);
                }
                _ => {}
            }
        }
        let per_cycle = |key: &str, name: &str| -> Vec<f64> { cycles.iter().map(|c| num(&c[key][name])).collect() };
        let statuses = ["ok", "partial", "empty", "synth"]
            .iter()
            .map(|s| (s.to_uppercase(), per_cycle("expiry_status_totals", s)))
            .collect();
        let reason_names: Vec<String> =
            cycles[0]["partial_reason_totals"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        let reasons = reason_names.iter().map(|r| (r.clone(), per_cycle("partial_reason_totals", r))).collect();
        let config = &manifest["config"];
        let strike_ok = config["strike_coverage_ok"].as_f64().unwrap_or(0.75);
        let phases = manifest["phases"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| PhaseWindow {
                name: p["name"].as_str().unwrap_or("").to_string(),
                first: p["cycles"]["first"].as_u64().unwrap_or(0),
                last: p["cycles"]["last"].as_u64().unwrap_or(0),
                index: p["index"].as_str().map(str::to_string),
            })
            .collect();
        Ok(Self {
            scenario: manifest["scenario"]["name"].as_str().unwrap_or("run").to_string(),
            cycles: cycle_numbers,
            indices,
            statuses,
            reasons,
            clamp_original,
            clamp_kept,
            phases,
            strike_ok,
            field_ok: config["field_coverage_ok"].as_f64().unwrap_or(0.55),
            trigger: (0.9 * strike_ok).clamp(0.05, 0.99),
        })
    }

    /// The series of a finished run (through the same JSON as its files).
    pub fn from_run(run: &crate::Run) -> Result<Self, String> {
        let to_values = |bytes: Vec<u8>| -> Vec<Value> {
            String::from_utf8_lossy(&bytes).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
        };
        let cycles = to_values(crate::output::cycles_jsonl(run));
        let events: Vec<Value> = run.result.events.iter().filter_map(|e| serde_json::to_value(e).ok()).collect();
        let manifest: Value = serde_json::from_slice(&crate::output::manifest_json(run)).map_err(|e| e.to_string())?;
        Self::from_json(&cycles, &events, &manifest)
    }
}

/// Reads a run directory's `cycles.jsonl`, `events.jsonl` and `manifest.json`.
pub fn load_dir(dir: &Path) -> Result<PlotData, String> {
    let read =
        |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()));
    let lines = |name: &str| -> Result<Vec<Value>, String> {
        read(name)?
            .lines()
            .enumerate()
            .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", dir.join(name).display(), n + 1)))
            .collect()
    };
    let manifest: Value = serde_json::from_str(&read("manifest.json")?)
        .map_err(|e| format!("{}: {e}", dir.join("manifest.json").display()))?;
    PlotData::from_json(&lines("cycles.jsonl")?, &lines("events.jsonl")?, &manifest)
}
