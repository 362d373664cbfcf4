//! The series a chart needs, read from a run's outputs.

use super::Error;
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
    /// The ladder's strikes per side (ITM) the cycle built (below the depth when strike scaling shrank it).
    pub ladder_itm: Vec<f64>,
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
    /// Each cycle's modelled time and its SLA (`None` in a run written without them).
    pub elapsed_s: Vec<Option<f64>>,
    pub sla_s: Vec<Option<f64>>,
    /// Strike scaling's factor after each cycle (`None` when it is off).
    pub scale: Vec<Option<f64>>,
    /// Memory pressure's depth scale in each cycle (`None` without memory pressure in play).
    pub memory_scale: Vec<Option<f64>>,
    pub phases: Vec<PhaseWindow>,
    pub strike_ok: f64,
    pub field_ok: f64,
    pub trigger: f64,
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// The per-cycle series of a run, built one cycle at a time (so a streamed run can draw its charts without
/// keeping its cycles): per cycle its number, per index ITM, OTM and baseline depth, per expiry strike and
/// field coverage, the status and reason counts and the clamp sizes, and every depth adjustment. For five
/// indices x four expiries that is about 0.9 KB a cycle.
#[derive(Clone, Debug, Default)]
pub struct PlotSeries {
    cycles: Vec<u64>,
    /// Every cycle number so far is greater than the one before (an event finds its cycle by bisection).
    increasing: bool,
    indices: Vec<IndexSeries>,
    statuses: [Vec<f64>; 4],
    /// The reason names of the first cycle's `partial_reason_totals`, and their counts per cycle.
    reasons: Vec<(String, Vec<f64>)>,
    clamp_original: Vec<f64>,
    clamp_kept: Vec<f64>,
    elapsed_s: Vec<Option<f64>>,
    sla_s: Vec<Option<f64>>,
    scale: Vec<Option<f64>>,
    memory_scale: Vec<Option<f64>>,
}

const STATUSES: [&str; 4] = ["ok", "partial", "empty", "synth"];

impl PlotSeries {
    pub fn new() -> Self {
        Self { increasing: true, ..Self::default() }
    }

    /// Appends one `cycles.jsonl` line.
    pub fn push_cycle(&mut self, c: &Value) {
        let k = self.cycles.len();
        let number = c["cycle"].as_u64().unwrap_or(0);
        self.increasing &= self.cycles.last().is_none_or(|last| *last < number);
        self.cycles.push(number);
        for series in &mut self.indices {
            series.itm.push(f64::NAN);
            series.otm.push(f64::NAN);
            series.baseline_itm.push(f64::NAN);
            series.ladder_itm.push(f64::NAN);
            for e in &mut series.expiries {
                e.strike.push(None);
                e.field.push(None);
            }
        }
        for i in c["indices"].as_array().into_iter().flatten() {
            let name = i["index"].as_str().unwrap_or("?").to_string();
            let pos = match self.indices.iter().position(|x| x.name == name) {
                Some(p) => p,
                None => {
                    self.indices.push(IndexSeries {
                        name,
                        itm: vec![f64::NAN; k + 1],
                        otm: vec![f64::NAN; k + 1],
                        baseline_itm: vec![f64::NAN; k + 1],
                        ladder_itm: vec![f64::NAN; k + 1],
                        adjustments: Vec::new(),
                        expiries: Vec::new(),
                    });
                    self.indices.len() - 1
                }
            };
            let series = &mut self.indices[pos];
            series.itm[k] = num(&i["depth"]["itm"]);
            series.otm[k] = num(&i["depth"]["otm"]);
            series.baseline_itm[k] = num(&i["baseline"]["itm"]);
            series.ladder_itm[k] = num(&i["ladder_depth"]["itm"]);
            for (j, e) in i["expiries"].as_array().into_iter().flatten().enumerate() {
                if series.expiries.len() <= j {
                    series.expiries.push(ExpirySeries {
                        rule: e["rule"].as_str().unwrap_or("?").to_string(),
                        strike: vec![None; k + 1],
                        field: vec![None; k + 1],
                    });
                }
                series.expiries[j].strike[k] = e["strike_coverage"].as_f64();
                series.expiries[j].field[k] = e["field_coverage"].as_f64();
            }
        }
        self.clamp_original.push(0.0);
        self.clamp_kept.push(0.0);
        self.elapsed_s.push(c["cycle_time"]["elapsed_s"].as_f64());
        self.sla_s.push(c["cycle_time"]["sla_s"].as_f64());
        self.scale.push(c["strike_scaling"]["scale"].as_f64());
        self.memory_scale.push(c["memory"]["depth_scale"].as_f64());
        for (status, counts) in STATUSES.iter().zip(&mut self.statuses) {
            counts.push(num(&c["expiry_status_totals"][status]));
        }
        if k == 0 {
            let names = c["partial_reason_totals"].as_object().map(|m| m.keys().cloned().collect::<Vec<_>>());
            self.reasons = names.unwrap_or_default().into_iter().map(|r| (r, Vec::new())).collect();
        }
        for (reason, counts) in &mut self.reasons {
            counts.push(num(&c["partial_reason_totals"][reason.as_str()]));
        }
    }

    /// Folds in one `events.jsonl` line (of a cycle already pushed; others are left out).
    pub fn push_event(&mut self, e: &Value) {
        let kind = e["event"].as_str();
        if !matches!(kind, Some("strike_depth_adjustment" | "prefilter_clamp")) {
            return;
        }
        let Some(cycle) = e["cycle"].as_u64() else { return };
        let found = if self.increasing {
            self.cycles.binary_search(&cycle).ok()
        } else {
            self.cycles.iter().position(|c| *c == cycle)
        };
        let Some(k) = found else { return };
        let d = &e["data"];
        if kind == Some("prefilter_clamp") {
            self.clamp_original[k] += num(&d["original"]);
            self.clamp_kept[k] += num(&d["kept"]);
        } else if let Some(ix) = self.indices.iter_mut().find(|x| d["index"] == x.name.as_str()) {
            ix.adjustments.push(Adjustment {
                cycle: self.cycles[k],
                expansion: d["reason"] == "low_strike_cov",
                new_itm: num(&d["new_itm"]),
            });
        }
    }

    /// Folds in one finished cycle of a run: its summary, then the events it emitted.
    pub fn observe(&mut self, summary: &crate::events::CycleSummary, events: &[crate::events::LoggedEvent]) {
        if let Ok(c) = serde_json::to_value(summary) {
            self.push_cycle(&c);
        }
        for e in events.iter().filter(|e| matches!(e.event.name(), "strike_depth_adjustment" | "prefilter_clamp")) {
            if let Ok(e) = serde_json::to_value(e) {
                self.push_event(&e);
            }
        }
    }

    /// The chart data, with the scenario name, thresholds and fault phases read from `manifest.json`.
    pub fn finish(self, manifest: &Value) -> Result<PlotData, Error> {
        if self.cycles.is_empty() {
            return Err(Error::NoCycles);
        }
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
        Ok(PlotData {
            scenario: manifest["scenario"]["name"].as_str().unwrap_or("run").to_string(),
            cycles: self.cycles,
            indices: self.indices,
            statuses: STATUSES.iter().map(|s| s.to_uppercase()).zip(self.statuses).collect(),
            reasons: self.reasons,
            clamp_original: self.clamp_original,
            clamp_kept: self.clamp_kept,
            elapsed_s: self.elapsed_s,
            sla_s: self.sla_s,
            scale: self.scale,
            memory_scale: self.memory_scale,
            phases,
            strike_ok,
            field_ok: config["field_coverage_ok"].as_f64().unwrap_or(0.55),
            trigger: (0.9 * strike_ok).clamp(0.05, 0.99),
        })
    }
}

impl PlotData {
    /// Builds the series from parsed `cycles.jsonl` lines, `events.jsonl` lines and `manifest.json`.
    pub fn from_json(cycles: &[Value], events: &[Value], manifest: &Value) -> Result<Self, Error> {
        let mut series = PlotSeries::new();
        for c in cycles {
            series.push_cycle(c);
        }
        for e in events {
            series.push_event(e);
        }
        series.finish(manifest)
    }

    /// The series of a finished in-memory run (every event, whichever `events.jsonl` keeps).
    pub fn from_run(run: &crate::run::Run) -> Result<Self, Error> {
        let mut series = PlotSeries::new();
        for (c, events) in crate::events::by_cycle(&run.result.cycles, &run.result.events) {
            series.observe(c, events);
        }
        series.finish(&manifest_value(&crate::output::manifest_json(run))?)
    }
}

/// A `manifest.json`'s bytes as JSON.
pub fn manifest_value(bytes: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(bytes).map_err(Error::Manifest)
}

/// Reads a run directory's `cycles.jsonl`, `events.jsonl` and `manifest.json`.
pub fn load_dir(dir: &Path) -> Result<PlotData, Error> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|source| Error::Unreadable { path, source })
    };
    let lines = |name: &str| -> Result<Vec<Value>, Error> {
        read(name)?
            .lines()
            .enumerate()
            .map(|(n, l)| {
                serde_json::from_str(l).map_err(|source| Error::Line { path: dir.join(name), line: n + 1, source })
            })
            .collect()
    };
    let manifest: Value = serde_json::from_str(&read("manifest.json")?)
        .map_err(|source| Error::ManifestFile { path: dir.join("manifest.json"), source })?;
    PlotData::from_json(&lines("cycles.jsonl")?, &lines("events.jsonl")?, &manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cycle(n: u64, indices: Value) -> Value {
        json!({"cycle": n, "indices": indices, "expiry_status_totals": {"ok": n, "partial": 0, "empty": 0, "synth": 0},
               "partial_reason_totals": {"low_strike": 0, "low_field": n}})
    }

    fn index(name: &str, itm: u32, coverage: f64) -> Value {
        json!({"index": name, "depth": {"itm": itm, "otm": itm}, "baseline": {"itm": 10},
               "expiries": [{"rule": "this_week", "strike_coverage": coverage, "field_coverage": null}]})
    }

    fn adjustment(cycle: u64, index: &str) -> Value {
        json!({"cycle": cycle, "event": "strike_depth_adjustment",
               "data": {"index": index, "reason": "low_strike_cov", "new_itm": 12}})
    }

    /// Series grow one cycle at a time: an index seen late is NaN / None before it appears and after it is
    /// gone, events find their cycle (the first of equal numbers when the numbers are not increasing), and
    /// events of a cycle not pushed are left out.
    #[test]
    fn series_are_built_cycle_by_cycle() {
        let cycles = [
            cycle(1, json!([index("NIFTY", 10, 0.5)])),
            cycle(2, json!([index("NIFTY", 12, 0.9), index("SENSEX", 8, 1.0)])),
            cycle(3, json!([index("SENSEX", 8, 1.0)])),
        ];
        let events = [adjustment(2, "NIFTY"), adjustment(9, "NIFTY"), adjustment(3, "SENSEX")];
        let manifest = json!({"scenario": {"name": "t"}, "config": {"strike_coverage_ok": 0.8}});
        let data = PlotData::from_json(&cycles, &events, &manifest).unwrap();
        assert_eq!(data.cycles, [1, 2, 3]);
        let (nifty, sensex) = (&data.indices[0], &data.indices[1]);
        assert_eq!(nifty.itm[..2], [10.0, 12.0]);
        assert!(nifty.itm[2].is_nan() && sensex.itm[0].is_nan());
        assert_eq!(sensex.itm[1..], [8.0, 8.0]);
        assert_eq!(nifty.expiries[0].strike, [Some(0.5), Some(0.9), None]);
        assert_eq!(nifty.expiries[0].field, [None, None, None]);
        assert_eq!(nifty.adjustments.iter().map(|a| a.cycle).collect::<Vec<_>>(), [2]);
        assert_eq!(sensex.adjustments.iter().map(|a| a.cycle).collect::<Vec<_>>(), [3]);
        assert_eq!(data.statuses[0], ("OK".to_string(), vec![1.0, 2.0, 3.0]));
        assert_eq!(data.reasons[0].0, "low_field");
        assert_eq!((data.strike_ok, data.field_ok), (0.8, 0.55));
        // Streaming (each cycle, then its events) gives the same series.
        let mut series = PlotSeries::new();
        for (k, c) in cycles.iter().enumerate() {
            series.push_cycle(c);
            events.iter().filter(|e| e["cycle"] == k as u64 + 1).for_each(|e| series.push_event(e));
        }
        assert_eq!(format!("{:?}", series.finish(&manifest).unwrap()), format!("{data:?}"));
        // Repeated cycle numbers: an event goes to the first cycle of its number.
        let repeated = [cycle(1, json!([index("NIFTY", 10, 0.5)])), cycle(1, json!([index("NIFTY", 14, 0.5)]))];
        let clamp = json!({"cycle": 1, "event": "prefilter_clamp", "data": {"original": 50, "kept": 20}});
        let data = PlotData::from_json(&repeated, &[clamp], &manifest).unwrap();
        assert_eq!((data.clamp_original, data.clamp_kept), (vec![50.0, 0.0], vec![20.0, 0.0]));
        assert!(matches!(PlotData::from_json(&[], &[], &manifest), Err(Error::NoCycles)));
    }
}
