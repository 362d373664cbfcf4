//! `g6sim bench diff OLD NEW`: the reference's `bench_tools.py diff` report for two artifacts, with signed
//! percent deltas; a JSON form; and the regression check behind `--fail-over`.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write;

/// `f"{(new - old) / old * 100:+.1f}%"`, or `n/a` when old is missing or 0, or new is missing.
pub fn pct(old: Option<f64>, new: Option<f64>) -> String {
    match (old, new) {
        (Some(o), Some(n)) if o != 0.0 => format!("{:+.1}%", (n - o) / o * 100.0),
        _ => "n/a".into(),
    }
}

fn pct_value(old: Option<f64>, new: Option<f64>) -> Option<f64> {
    match (old, new) {
        (Some(o), Some(n)) if o != 0.0 => Some((n - o) / o * 100.0),
        _ => None,
    }
}

/// One compared number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delta {
    pub old: Option<f64>,
    pub new: Option<f64>,
    pub pct: Option<f64>,
}

impl Delta {
    fn new(old: Option<f64>, new: Option<f64>) -> Self {
        Self { old, new, pct: pct_value(old, new) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Named {
    pub name: String,
    /// `changed`, `added` or `removed`.
    pub change: &'static str,
    #[serde(flatten)]
    pub delta: Delta,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexDelta {
    pub index: String,
    pub change: &'static str,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub options: Delta,
}

/// The comparison of two artifacts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub old: String,
    pub new: String,
    pub duration_s: Delta,
    pub options_total: Delta,
    pub phase_times: Vec<Named>,
    pub partial_reason_totals: Vec<Named>,
    pub indices: Vec<IndexDelta>,
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn object_keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

fn named(old: &Value, new: &Value) -> Vec<Named> {
    let keys: BTreeSet<String> = object_keys(old).union(&object_keys(new)).cloned().collect();
    keys.into_iter()
        .map(|k| {
            let (o, n) = (old.get(&k).and_then(num), new.get(&k).and_then(num));
            let change = match (o.is_some(), n.is_some()) {
                (true, true) => "changed",
                (false, true) => "added",
                _ => "removed",
            };
            Named { name: k, change, delta: Delta::new(o, n) }
        })
        .collect()
}

fn index_map(v: &Value) -> Vec<(String, Option<String>, f64)> {
    v["indices"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    let options: f64 = i["expiries"]
                        .as_array()
                        .map(|e| e.iter().filter_map(|x| x["options"].as_f64()).fold(0.0, |a, b| a + b))
                        .unwrap_or(0.0);
                    (i["index"].as_str().unwrap_or("?").to_string(), i["status"].as_str().map(str::to_string), options)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Compares two artifacts.
pub fn compare(old_name: &str, old: &Value, new_name: &str, new: &Value) -> Report {
    let (oi, ni) = (index_map(old), index_map(new));
    let mut indices = Vec::new();
    for (name, status, options) in &oi {
        match ni.iter().find(|(n, _, _)| n == name) {
            Some((_, ns, no)) => indices.push(IndexDelta {
                index: name.clone(),
                change: "changed",
                old_status: status.clone(),
                new_status: ns.clone(),
                options: Delta::new(Some(*options), Some(*no)),
            }),
            None => indices.push(IndexDelta {
                index: name.clone(),
                change: "removed",
                old_status: status.clone(),
                new_status: None,
                options: Delta::new(Some(*options), None),
            }),
        }
    }
    for (name, status, options) in ni.iter().filter(|(n, _, _)| !oi.iter().any(|(o, _, _)| o == n)) {
        indices.push(IndexDelta {
            index: name.clone(),
            change: "added",
            old_status: None,
            new_status: status.clone(),
            options: Delta::new(None, Some(*options)),
        });
    }
    Report {
        old: old_name.to_string(),
        new: new_name.to_string(),
        duration_s: Delta::new(num(&old["duration_s"]), num(&new["duration_s"])),
        options_total: Delta::new(num(&old["options_total"]), num(&new["options_total"])),
        phase_times: named(&old["phase_times"], &new["phase_times"]),
        partial_reason_totals: named(&old["partial_reason_totals"], &new["partial_reason_totals"]),
        indices,
    }
}

fn secs(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |s| format!("{s:.3}s"))
}

fn count(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |n| if n.fract() == 0.0 { format!("{}", n as i64) } else { format!("{n}") })
}

impl Report {
    /// The reference's text report.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Benchmark Diff: {} -> {}", self.old, self.new);
        let d = &self.duration_s;
        let _ = writeln!(out, "Cycle Duration: {} -> {} ({})", secs(d.old), secs(d.new), pct(d.old, d.new));
        let o = &self.options_total;
        let _ = writeln!(out, "Options Total: {} -> {} ({})", count(o.old), count(o.new), pct(o.old, o.new));
        out.push_str("\nPhase Timings:\n");
        for p in &self.phase_times {
            let line = match p.change {
                "added" => format!("added {}", secs(p.delta.new)),
                "removed" => format!("removed (was {})", secs(p.delta.old)),
                _ => format!("{} -> {} ({})", secs(p.delta.old), secs(p.delta.new), pct(p.delta.old, p.delta.new)),
            };
            let _ = writeln!(out, "  {:<20} {line}", p.name);
        }
        out.push_str("\nPartial Reason Totals:\n");
        if self.partial_reason_totals.is_empty() {
            out.push_str("  (none)\n");
        }
        for r in &self.partial_reason_totals {
            let (o, n) = (r.delta.old, r.delta.new);
            let _ = writeln!(out, "  {:<12} {} -> {} ({})", r.name, count(o), count(n), pct(o, n));
        }
        out.push_str("\nPer-Index:\n");
        for i in &self.indices {
            let status = |s: &Option<String>| s.clone().unwrap_or_else(|| "None".into());
            let line = match i.change {
                "removed" => "removed".to_string(),
                "added" => format!("added | status {} | options {}", status(&i.new_status), count(i.options.new)),
                _ => format!(
                    "status {} -> {} | options {} -> {} ({})",
                    status(&i.old_status),
                    status(&i.new_status),
                    count(i.options.old),
                    count(i.options.new),
                    pct(i.options.old, i.options.new)
                ),
            };
            let _ = writeln!(out, "  {:<10} {line}", i.index);
        }
        out
    }

    /// The change of a field in percent, with its bad direction: `duration_s` and `phase.<name>` regress
    /// upwards, `options_total` downwards. `None` when the field is missing on either side.
    pub fn regression(&self, field: &str) -> Option<f64> {
        match field {
            "duration_s" => self.duration_s.pct,
            "options_total" => self.options_total.pct.map(|p| -p),
            _ => {
                let phase = field.strip_prefix("phase.")?;
                self.phase_times.iter().find(|p| p.name == phase)?.delta.pct
            }
        }
    }
}

/// The fields `--fail-over` can watch in these reports: `duration_s`, `options_total` and `phase.<name>` for
/// every phase the artifacts carry.
pub fn fields(reports: &[Report]) -> Vec<String> {
    let mut phases: Vec<String> =
        reports.iter().flat_map(|r| r.phase_times.iter().map(|p| format!("phase.{}", p.name))).collect();
    phases.sort();
    phases.dedup();
    ["duration_s".to_string(), "options_total".to_string()].into_iter().chain(phases).collect()
}

/// `Ok` when `field` is one of [`fields`], else what the valid choices are (a gate on a field that does not
/// exist could never fire).
pub fn check_field(field: &str, reports: &[Report]) -> Result<(), String> {
    let known = fields(reports);
    if known.iter().any(|f| f == field) {
        return Ok(());
    }
    Err(format!(
        "--field {field}: not a field of these artifacts{}; choose one of: {}",
        crate::suggest::did_you_mean(field, known.iter().map(String::as_str)),
        known.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_format() {
        assert_eq!(pct(Some(0.054), Some(0.010)), "-81.5%");
        assert_eq!(pct(Some(28.0), Some(12.0)), "-57.1%");
        assert_eq!(pct(Some(10.0), Some(11.0)), "+10.0%");
        assert_eq!(pct(Some(0.0), Some(1.0)), "n/a");
        assert_eq!(pct(None, Some(1.0)), "n/a");
    }
}
