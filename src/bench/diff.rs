//! `g6sim bench diff OLD NEW`: the reference's `bench_tools.py diff` report for two artifacts, with signed
//! percent deltas; a JSON form; and the regression check behind `--fail-over`.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write;

/// The noise floor of a set comparison: a median must move more than this share (criterion's default noise
/// threshold) and more than the uncertainty of either set's median before it counts as a change.
pub(crate) const NOISE_FLOOR_PCT: f64 = 2.0;

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
    v.map_or("n/a".into(), duration)
}

/// A time in a unit that shows it: `12.3µs`, `4.560ms`, `1.234s` (the reference prints `%.3fs`, which
/// shows every phase of a fast cycle as `0.000s`).
pub fn duration(s: f64) -> String {
    let a = s.abs();
    if a < 1e-3 {
        format!("{:.1}µs", s * 1e6)
    } else if a < 1.0 {
        format!("{:.3}ms", s * 1e3)
    } else {
        format!("{s:.3}s")
    }
}

/// `text` padded with spaces to `width` characters, on the right or on the left.
fn pad_right(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.chars().count())))
}

fn pad_left(text: &str, width: usize) -> String {
    format!("{}{text}", " ".repeat(width.saturating_sub(text.chars().count())))
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
        // The reference pads reason names to 12, which `prefilter_clamp` overruns: the column grows to fit.
        let width = self.partial_reason_totals.iter().map(|r| r.name.len()).max().unwrap_or(0).max(12);
        for r in &self.partial_reason_totals {
            let (o, n) = (r.delta.old, r.delta.new);
            let _ = writeln!(out, "  {:<width$} {} -> {} ({})", r.name, count(o), count(n), pct(o, n));
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_names_longer_than_the_references_column_stay_aligned() {
        let artifact = |clamp: u64| {
            serde_json::json!({"duration_s": 0.01, "options_total": 10, "phase_times": {},
                "partial_reason_totals": {"low_strike": 1, "prefilter_clamp": clamp}, "indices": []})
        };
        let text = compare("a", &artifact(2), "b", &artifact(3)).text();
        let rows: Vec<&str> =
            text.lines().filter(|l| l.contains(" -> ") && l.contains("  low") || l.contains("prefilter")).collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert_eq!(rows[0].find(" 1 ->"), rows[1].find(" 2 ->"), "{text}");
    }

    #[test]
    fn percent_format() {
        assert_eq!(pct(Some(0.054), Some(0.010)), "-81.5%");
        assert_eq!(pct(Some(28.0), Some(12.0)), "-57.1%");
        assert_eq!(pct(Some(10.0), Some(11.0)), "+10.0%");
        assert_eq!(pct(Some(0.0), Some(1.0)), "n/a");
        assert_eq!(pct(None, Some(1.0)), "n/a");
    }
}

/// One field over a set of artifacts: how many carry it, their median and 95th percentile (linear between
/// ranks), and the median absolute deviation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub n: usize,
    pub median: f64,
    pub p95: f64,
    pub mad: f64,
}

impl Spread {
    fn of(mut values: Vec<f64>) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let quantile = crate::bench::aggregate::quantile;
        let median = quantile(&values, 0.5);
        let mut deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
        deviations.sort_by(f64::total_cmp);
        Some(Self { n: values.len(), median, p95: quantile(&values, 0.95), mad: quantile(&deviations, 0.5) })
    }
    /// The half-width of a 95% confidence interval of the median, in percent of the median: `1.96 x 1.2533
    /// x sigma / sqrt(n)`, with sigma estimated robustly as `1.4826 x MAD` (one slow cycle does not move it).
    fn noise_pct(&self) -> f64 {
        if self.median == 0.0 {
            return 0.0;
        }
        let sigma = 1.4826 * self.mad;
        1.96 * 1.2533 * sigma / (self.n as f64).sqrt() / self.median.abs() * 100.0
    }
}

/// One field compared across two sets: the median's change and the noise it must beat.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDelta {
    /// `duration_s`, `options_total` or `phase.<name>`.
    pub field: String,
    pub old: Option<Spread>,
    pub new: Option<Spread>,
    /// The median's change in percent (signed as measured).
    pub pct: Option<f64>,
    /// The larger of `NOISE_FLOOR_PCT` and both sets' uncertainty of the median (95% confidence).
    pub noise_pct: f64,
}

impl FieldDelta {
    /// How much worse the field got, in percent (times and phases up, options down), when that exceeds the
    /// noise; `None` for a change within the noise, an improvement, or a field missing on a side.
    pub fn worse_by(&self) -> Option<f64> {
        let worse = if self.field == "options_total" { -self.pct? } else { self.pct? };
        (worse > self.noise_pct).then_some(worse)
    }
}

/// A watched field's median worse than `--fail-over` allows: the comparison fails.
#[derive(Clone, Debug, PartialEq)]
pub struct Regression {
    pub field: String,
    pub worse_pct: f64,
    pub limit_pct: f64,
    pub noise_pct: f64,
    pub old: String,
    pub new: String,
}

impl std::fmt::Display for Regression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "REGRESSION: {} median worse by {:.1}% (> {}%, beyond the noise of {:.1}%): {} -> {}",
            self.field, self.worse_pct, self.limit_pct, self.noise_pct, self.old, self.new
        )
    }
}

/// Two sets of artifacts compared by their medians, field by field (not artifact against artifact: two runs
/// of the same binary differ cycle by cycle on noise alone).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetComparison {
    pub old: String,
    pub new: String,
    pub old_artifacts: usize,
    pub new_artifacts: usize,
    pub fields: Vec<FieldDelta>,
    /// The reference's report, when each side is one artifact.
    pub report: Option<Report>,
}

fn field_values(artifacts: &[Value], field: &str) -> Vec<f64> {
    artifacts
        .iter()
        .filter_map(|a| match field.strip_prefix("phase.") {
            Some(phase) => a["phase_times"].get(phase).and_then(num),
            None => a.get(field).and_then(num),
        })
        .collect()
}

/// Compares two sets of artifacts (one artifact each for two files).
pub fn compare_sets(old_name: &str, old: &[Value], new_name: &str, new: &[Value]) -> SetComparison {
    let mut phases: Vec<String> = old
        .iter()
        .chain(new)
        .flat_map(|a| object_keys(&a["phase_times"]).into_iter().map(|k| format!("phase.{k}")))
        .collect();
    phases.sort();
    phases.dedup();
    let fields = ["duration_s".to_string(), "options_total".to_string()]
        .into_iter()
        .chain(phases)
        .map(|field| {
            let (o, n) = (Spread::of(field_values(old, &field)), Spread::of(field_values(new, &field)));
            let spread = [o, n].iter().flatten().map(Spread::noise_pct).fold(0.0, f64::max);
            FieldDelta {
                pct: pct_value(o.map(|s| s.median), n.map(|s| s.median)),
                field,
                old: o,
                new: n,
                noise_pct: spread.max(NOISE_FLOOR_PCT),
            }
        })
        .collect();
    let report = match (old, new) {
        ([a], [b]) => Some(compare(old_name, a, new_name, b)),
        _ => None,
    };
    SetComparison {
        old: old_name.to_string(),
        new: new_name.to_string(),
        old_artifacts: old.len(),
        new_artifacts: new.len(),
        fields,
        report,
    }
}

/// A `--field` that is not a field of the compared artifacts: the field, and the ones they have.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("--field {field}: not a field of these artifacts{}; choose one of: {}",
    crate::suggest::did_you_mean(field, known.iter().map(String::as_str)), known.join(", "))]
pub struct UnknownField {
    pub field: String,
    /// The fields the artifacts have, in [`SetComparison::field_names`] order.
    pub known: Vec<String>,
}

impl SetComparison {
    /// The field names `--fail-over` can watch.
    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.field.as_str()).collect()
    }

    /// `Ok` when `field` is one of [`Self::field_names`], else the valid choices (a gate on a field the
    /// artifacts lack could never fire).
    pub fn check_field(&self, field: &str) -> Result<(), UnknownField> {
        let known = self.field_names();
        if known.contains(&field) {
            return Ok(());
        }
        Err(UnknownField { field: field.to_string(), known: known.into_iter().map(str::to_string).collect() })
    }

    /// The regression `--fail-over limit_pct` gates on: `field`'s median worse by more than `limit_pct`
    /// percent and beyond the noise ([`FieldDelta::worse_by`]); `None` when it is not.
    pub fn regression(&self, field: &str, limit_pct: f64) -> Option<Regression> {
        let watched = self.fields.iter().find(|f| f.field == field)?;
        let worse_pct = watched.worse_by().filter(|w| *w > limit_pct)?;
        Some(Regression {
            field: field.to_string(),
            worse_pct,
            limit_pct,
            noise_pct: watched.noise_pct,
            old: self.old.clone(),
            new: self.new.clone(),
        })
    }

    /// The reference's report for two files; for two sets, each field's medians and 95th percentiles.
    pub fn text(&self) -> String {
        if let Some(r) = &self.report {
            return r.text();
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Benchmark Diff: {} ({} artifacts) -> {} ({} artifacts), medians and 95th percentiles",
            self.old, self.old_artifacts, self.new, self.new_artifacts
        );
        let header = ["field", "old median", "old p95", "new median", "new p95", "change", "verdict"];
        let mut rows = vec![header.map(str::to_string)];
        for f in &self.fields {
            let show = |s: &Option<Spread>, p95: bool| match s {
                Some(s) => {
                    let x = if p95 { s.p95 } else { s.median };
                    if f.field == "options_total" { count(Some(x)) } else { duration(x) }
                }
                None => "n/a".to_string(),
            };
            let verdict = match (f.pct, f.worse_by()) {
                (None, _) => String::new(),
                (Some(_), Some(_)) => "worse".to_string(),
                (Some(0.0), None) => "same".to_string(),
                (Some(p), None) if p.abs() <= f.noise_pct => format!("within noise (±{:.1}%)", f.noise_pct),
                (Some(_), None) => "better".to_string(),
            };
            let change = f.pct.map_or("n/a".into(), |p| format!("{p:+.1}%"));
            let (old, new) = (&f.old, &f.new);
            rows.push([
                f.field.clone(),
                show(old, false),
                show(old, true),
                show(new, false),
                show(new, true),
                change,
                verdict,
            ]);
        }
        // Column widths in characters (`µ` is one character, two bytes).
        let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..header.len()).map(width).collect();
        for row in &rows {
            let mut line = format!("  {}", pad_right(&row[0], widths[0]));
            for (cell, w) in row.iter().zip(&widths).skip(1).take(5) {
                line.push_str("  ");
                line.push_str(&pad_left(cell, *w));
            }
            line.push_str("  ");
            line.push_str(&row[6]);
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out
    }
}
