//! `g6sim bench aggregate DIR --out CSV`: one row per artifact (`timestamp, duration_s, options_total,
//! indices_count, phase_*, partial_reason_*`, optionally `per_index_*_options`) and count / min / max /
//! mean / p50 / p95 / p99 (linear interpolation) of every numeric column.

use crate::artifact::{ReadError, list, read};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The aggregated table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    /// `timestamp` then one value per numeric column (`None`: absent in that artifact).
    pub rows: Vec<(String, Vec<Option<f64>>)>,
}

/// Summary statistics of one column.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub column: String,
    pub count: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

/// The `p`-quantile (0..1) of sorted values, linear between closest ranks (numpy's default).
pub(crate) fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn keys(v: &Value) -> impl Iterator<Item = String> + '_ {
    v.as_object().into_iter().flat_map(|m| m.keys().cloned())
}

/// Why a directory's artifacts cannot be aggregated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory cannot be listed.
    #[error("{}: {source}", dir.display())]
    Unlisted { dir: PathBuf, source: std::io::Error },
    /// The directory holds no artifact.
    #[error("{}: no benchmark_cycle_*.json[.gz] artifacts", dir.display())]
    NoArtifacts { dir: PathBuf },
    /// An artifact that cannot be read as JSON.
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Reads every artifact of a directory into a table.
pub fn table(dir: &Path, per_index: bool) -> Result<Table, Error> {
    let files = list(dir).map_err(|source| Error::Unlisted { dir: dir.to_path_buf(), source })?;
    if files.is_empty() {
        return Err(Error::NoArtifacts { dir: dir.to_path_buf() });
    }
    let artifacts: Vec<Value> = files.iter().map(|f| read(f)).collect::<Result<_, _>>()?;
    let (mut phases, mut reasons, mut indices) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for a in &artifacts {
        phases.extend(keys(&a["phase_times"]));
        reasons.extend(keys(&a["partial_reason_totals"]));
        for i in a["indices"].as_array().into_iter().flatten() {
            indices.insert(i["index"].as_str().unwrap_or("?").to_string());
        }
    }
    let mut columns: Vec<String> = vec!["duration_s".into(), "options_total".into(), "indices_count".into()];
    columns.extend(phases.iter().map(|p| format!("phase_{p}")));
    columns.extend(reasons.iter().map(|r| format!("partial_reason_{r}")));
    if per_index {
        columns.extend(indices.iter().map(|i| format!("per_index_{i}_options")));
    }
    let rows = artifacts
        .iter()
        .map(|a| {
            let mut values = vec![
                a["duration_s"].as_f64(),
                a["options_total"].as_f64(),
                a["indices"].as_array().map(|x| x.len() as f64),
            ];
            values.extend(phases.iter().map(|p| a["phase_times"][p].as_f64()));
            values.extend(reasons.iter().map(|r| a["partial_reason_totals"][r].as_f64()));
            if per_index {
                for name in &indices {
                    let entry = a["indices"].as_array().into_iter().flatten().find(|i| i["index"] == name.as_str());
                    values.push(entry.map(|i| {
                        i["expiries"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|e| e["options"].as_f64())
                            .fold(0.0, |a, b| a + b)
                    }));
                }
            }
            (a["timestamp"].as_str().unwrap_or("").to_string(), values)
        })
        .collect();
    Ok(Table { columns, rows })
}

impl Table {
    /// The CSV text: a header, then one line per artifact (empty cells where a value is absent).
    pub fn csv(&self) -> String {
        let mut out = format!("timestamp,{}\n", self.columns.join(","));
        for (ts, values) in &self.rows {
            let cells: Vec<String> = values.iter().map(|v| v.map(|x| x.to_string()).unwrap_or_default()).collect();
            out += &format!("{ts},{}\n", cells.join(","));
        }
        out
    }

    /// Statistics of every column that has values.
    pub fn stats(&self) -> Vec<Stats> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(c, name)| {
                let mut v: Vec<f64> = self.rows.iter().filter_map(|(_, row)| row[c]).collect();
                if v.is_empty() {
                    return None;
                }
                v.sort_by(f64::total_cmp);
                Some(Stats {
                    column: name.clone(),
                    count: v.len(),
                    min: v[0],
                    max: v[v.len() - 1],
                    mean: v.iter().sum::<f64>() / v.len() as f64,
                    p50: quantile(&v, 0.50),
                    p95: quantile(&v, 0.95),
                    p99: quantile(&v, 0.99),
                })
            })
            .collect()
    }
}

/// The statistics as an aligned text table.
/// Times (`duration_s`, `phase_*`) print in a unit that shows them, as `bench diff` prints them (`412.0µs`,
/// `2.801ms`, `1.234s`); counts print whole when they are, else with three decimals. The CSV and the JSON
/// statistics keep the raw values.
pub fn stats_text(stats: &[Stats]) -> String {
    let width = stats.iter().map(|s| s.column.len()).max().unwrap_or(0).max("column".len());
    let mut out = format!(
        "{:<width$} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
        "column", "count", "min", "max", "mean", "p50", "p95", "p99"
    );
    for s in stats {
        let time = s.column == "duration_s" || s.column.starts_with("phase_");
        let show = |x: f64| {
            if time {
                super::diff::duration(x)
            } else if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{}", x as i64)
            } else {
                format!("{x:.3}")
            }
        };
        out += &format!(
            "{:<width$} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
            s.column,
            s.count,
            show(s.min),
            show(s.max),
            show(s.mean),
            show(s.p50),
            show(s.p95),
            show(s.p99)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_in_a_unit_that_shows_them_and_counts_whole() {
        let stat = |column: &str, x: f64| Stats {
            column: column.into(),
            count: 3,
            min: x,
            max: x,
            mean: x / 3.0,
            p50: x,
            p95: x,
            p99: x,
        };
        let text =
            stats_text(&[stat("duration_s", 0.000123), stat("phase_expiry_map", 1.5), stat("options_total", 1042.0)]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].starts_with("duration_s ") && lines[1].contains("123.0µs") && lines[1].contains("41.0µs"),
            "{text}"
        );
        assert!(lines[2].contains("1.500s") && lines[2].contains("500.000ms"), "{text}");
        assert!(lines[3].contains(" 1042 ") && lines[3].contains("347.333"), "{text}");
        assert!(!text.contains(" 0.0"), "no seconds with six decimals: {text}");
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "aligned: {text}");
    }

    #[test]
    fn linear_quantiles() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert!((quantile(&v, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
    }
}
