//! B7/B8: one benchmark artifact per cycle, with the reference's schema, key order, file naming, digest,
//! compression, retention and anomaly annotations (`modules/benchmark_bridge.py`).
//!
//! Schema, in key order: `version` (1), `timestamp` (simulated clock, UTC, `%Y%m%dT%H%M%S%fZ`),
//! `duration_s`, `phase_times`, `phase_failures`, `options_total`, `indices` (per index: `index`, `status`,
//! `expiries` with `rule, status, options, strike_coverage, field_coverage, partial_reason`),
//! `partial_reason_totals` (filled, where the reference left `null`), optionally `anomalies` and
//! `anomaly_summary`, then `digest_sha256`: sha256 of the artifact without it, sorted keys, compact.
//!
//! `duration_s` and `phase_times` are wall-clock measurements and vary run to run (so does the digest and,
//! with annotations on, the `duration_s` anomaly); every other field is deterministic.

use crate::config::Config;
/// The wall-clock phase timings a cycle hands its observer ([`crate::CycleView::phase_times`]), which
/// artifacts record.
pub use crate::cycle::timing::PhaseTimes;
use crate::events::{CycleSummary, OrderedMap};
use crate::output::write_atomic;
use crate::pyjson::{canonical, to_pretty};
use crate::run::CycleView;
use crate::vocab::Failure;
use crate::vocab::{ExpiryStatus, PartialReason, ReasonTotals};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ArtifactExpiry {
    pub rule: String,
    pub status: Option<ExpiryStatus>,
    pub options: u32,
    pub strike_coverage: Option<f64>,
    pub field_coverage: Option<f64>,
    pub partial_reason: Option<PartialReason>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ArtifactIndex {
    pub index: String,
    pub status: ExpiryStatus,
    pub expiries: Vec<ArtifactExpiry>,
}

/// One metric's anomaly annotation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Anomaly {
    pub is_anomaly: bool,
    pub score: f64,
    pub threshold: f64,
    pub history_len: u32,
    /// How many of the previous `history_len` cycles were flagged for this metric.
    pub recent_flags: u32,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AnomalySummary {
    /// The metrics flagged in this cycle.
    pub active_flags: Vec<String>,
    /// The largest |score| this cycle, rounded to 3 decimals.
    pub max_severity: f64,
}

/// One cycle's artifact.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Artifact {
    pub version: u32,
    pub timestamp: String,
    pub duration_s: f64,
    pub phase_times: OrderedMap<f64>,
    pub phase_failures: OrderedMap<u32>,
    pub options_total: u64,
    pub indices: Vec<ArtifactIndex>,
    pub partial_reason_totals: ReasonTotals,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomalies: Option<OrderedMap<Anomaly>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomaly_summary: Option<AnomalySummary>,
    pub digest_sha256: String,
}

/// `%Y%m%dT%H%M%S%fZ` of simulated unix seconds, in UTC.
pub fn timestamp(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).map(|t| t.format("%Y%m%dT%H%M%S%6fZ").to_string()).unwrap_or_default()
}

/// The artifact of one finished cycle (no anomalies; digest filled).
pub fn build(summary: &CycleSummary, phase_times: &[(&'static str, f64)], duration_s: f64) -> Artifact {
    let mut failures: Vec<(String, u32)> = Vec::new();
    for e in summary.indices.iter().flat_map(|i| &i.expiries) {
        let phase = match e.failure {
            Some(Failure::Unresolved) => "resolve_expiry",
            Some(Failure::NoInstruments) => "fetch_instruments",
            None => continue,
        };
        match failures.iter_mut().find(|(p, _)| p == phase) {
            Some((_, n)) => *n += 1,
            None => failures.push((phase.to_string(), 1)),
        }
    }
    let mut artifact = Artifact {
        version: 1,
        timestamp: timestamp(summary.ts),
        duration_s,
        phase_times: OrderedMap(phase_times.iter().map(|(k, v)| (k.to_string(), *v)).collect()),
        phase_failures: OrderedMap(failures),
        options_total: summary.indices.iter().flat_map(|i| &i.expiries).map(|e| u64::from(e.options)).sum(),
        indices: summary
            .indices
            .iter()
            .map(|i| ArtifactIndex {
                index: i.index.clone(),
                status: i.status,
                expiries: i
                    .expiries
                    .iter()
                    .map(|e| ArtifactExpiry {
                        rule: e.rule.clone(),
                        status: e.status,
                        options: e.options,
                        strike_coverage: e.strike_coverage,
                        field_coverage: e.field_coverage,
                        partial_reason: e.partial_reason,
                    })
                    .collect(),
            })
            .collect(),
        partial_reason_totals: summary.partial_reason_totals,
        anomalies: None,
        anomaly_summary: None,
        digest_sha256: String::new(),
    };
    artifact.digest_sha256 = digest(&serde_json::to_value(&artifact).expect("artifacts are JSON"));
    artifact
}

/// sha256 (hex) of an artifact's canonical JSON without its `digest_sha256`.
pub fn digest(artifact: &Value) -> String {
    let mut payload = artifact.clone();
    if let Some(map) = payload.as_object_mut() {
        map.remove("digest_sha256");
    }
    Sha256::digest(canonical(&payload)).iter().map(|b| format!("{b:02x}")).collect()
}

/// Robust z-score of `x` against `history`: `(x - median) / (1.4826 x MAD)`. When the MAD is 0 the mean
/// absolute deviation (x 1.2533) stands in; when both are 0 (a constant history) any change scores
/// `±10 x threshold` and no change scores 0.
pub(crate) fn robust_z(history: &[f64], x: f64, threshold: f64) -> f64 {
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
    };
    let m = median(&mut history.to_vec());
    let mad = median(&mut history.iter().map(|h| (h - m).abs()).collect());
    let scale = if mad > 0.0 {
        1.4826 * mad
    } else {
        1.2533 * history.iter().map(|h| (h - m).abs()).sum::<f64>() / history.len() as f64
    };
    if scale > 0.0 {
        (x - m) / scale
    } else if x == m {
        0.0
    } else {
        (x - m).signum() * 10.0 * threshold
    }
}

/// A `benchmark_dump` that names a file: no artifact could be written into it.
#[derive(Debug, thiserror::Error)]
#[error("benchmark_dump {}: is a file, not a directory\n  hint: name a directory for the benchmark artifacts", dir.display())]
pub struct NotADirectory {
    pub dir: PathBuf,
}

/// Writes one artifact per cycle into a directory, with the configured compression, retention and
/// anomaly annotations.
pub struct ArtifactWriter {
    dir: PathBuf,
    compress: bool,
    keep_n: usize,
    annotate: bool,
    history_len: usize,
    threshold: f64,
    /// (options_total, duration_s, options flagged, duration flagged) of previous cycles.
    history: Vec<(f64, f64, bool, bool)>,
}

impl ArtifactWriter {
    /// A writer when `benchmark_dump` is set.
    pub fn from_config(config: &Config) -> Option<Self> {
        let dir = config.benchmark_dump.as_ref()?;
        Some(Self {
            dir: PathBuf::from(dir),
            compress: config.benchmark_compress,
            keep_n: config.benchmark_keep_n as usize,
            annotate: config.benchmark_annotate_outliers,
            history_len: config.benchmark_anomaly_history.max(1) as usize,
            threshold: config.benchmark_anomaly_threshold,
            history: Vec::new(),
        })
    }

    /// Checks, before the first cycle, that the artifacts' directory can be one: a path that is not a directory
    /// would fail every cycle's write (each only warned about, as in the reference).
    pub fn check(&self) -> Result<(), NotADirectory> {
        match std::fs::metadata(&self.dir) {
            Ok(meta) if !meta.is_dir() => Err(NotADirectory { dir: self.dir.clone() }),
            _ => Ok(()),
        }
    }

    /// Writes the artifact of a finished cycle; returns its path.
    pub fn write_cycle(&mut self, view: &CycleView) -> io::Result<PathBuf> {
        let mut artifact = build(view.summary, &view.phase_times.phases, view.phase_times.total_s);
        let (options, duration) = (artifact.options_total as f64, artifact.duration_s);
        let recent = &self.history[self.history.len().saturating_sub(self.history_len)..];
        let mut flags = (false, false);
        if self.annotate && recent.len() >= 5 {
            let mut anomalies = Vec::new();
            let mut active = Vec::new();
            let mut max_severity: f64 = 0.0;
            for (name, x, pick, flagged) in
                [("options_total", options, 0usize, &mut flags.0), ("duration_s", duration, 1usize, &mut flags.1)]
            {
                let values: Vec<f64> = recent.iter().map(|h| if pick == 0 { h.0 } else { h.1 }).collect();
                let score = robust_z(&values, x, self.threshold);
                let is_anomaly = score.abs() >= self.threshold;
                *flagged = is_anomaly;
                let recent_flags = recent.iter().filter(|h| if pick == 0 { h.2 } else { h.3 }).count() as u32;
                if is_anomaly {
                    active.push(name.to_string());
                }
                max_severity = max_severity.max(score.abs());
                let score = crate::pyjson::py_round(score, 3);
                let anomaly = Anomaly {
                    is_anomaly,
                    score,
                    threshold: self.threshold,
                    history_len: values.len() as u32,
                    recent_flags,
                };
                anomalies.push((name.to_string(), anomaly));
            }
            artifact.anomalies = Some(OrderedMap(anomalies));
            artifact.anomaly_summary =
                Some(AnomalySummary { active_flags: active, max_severity: crate::pyjson::py_round(max_severity, 3) });
            artifact.digest_sha256 = digest(&serde_json::to_value(&artifact).expect("artifacts are JSON"));
        }
        self.history.push((options, duration, flags.0, flags.1));
        std::fs::create_dir_all(&self.dir)?;
        let path = self.free_name(&artifact.timestamp);
        let text = to_pretty(&artifact);
        let bytes = if self.compress { crate::gzip::encode(&text) } else { text };
        write_atomic(&path, &bytes)?;
        if self.keep_n > 0 {
            prune(&self.dir, self.keep_n, &path)?;
        }
        Ok(path)
    }

    /// `benchmark_cycle_<timestamp>.<suffix>`, or with `_1` .. `_999` when taken.
    fn free_name(&self, timestamp: &str) -> PathBuf {
        let suffix = if self.compress { "json.gz" } else { "json" };
        let first = self.dir.join(format!("benchmark_cycle_{timestamp}.{suffix}"));
        if !first.exists() {
            return first;
        }
        (1..=999)
            .map(|k| self.dir.join(format!("benchmark_cycle_{timestamp}_{k}.{suffix}")))
            .find(|p| !p.exists())
            .unwrap_or(first)
    }
}

/// Whether a file name is a benchmark artifact's.
pub(crate) fn is_artifact(name: &str) -> bool {
    name.starts_with("benchmark_cycle_") && (name.ends_with(".json") || name.ends_with(".json.gz"))
}

/// The artifacts of a directory, sorted by file name (= timestamp order).
pub fn list(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(is_artifact) && e.path().is_file())
        .map(|e| e.path())
        .collect();
    files.sort();
    Ok(files)
}

/// Deletes all but the newest `keep` artifacts (by name), never `keep_this`, never other files.
pub(crate) fn prune(dir: &Path, keep: usize, keep_this: &Path) -> io::Result<Vec<PathBuf>> {
    let files = list(dir)?;
    let excess = files.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for f in files.into_iter().take(excess) {
        if f != keep_this {
            std::fs::remove_file(&f)?;
            removed.push(f);
        }
    }
    Ok(removed)
}

/// Why an artifact's bytes are not its JSON text. The error does not name the file (the caller does).
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// Bytes that start with the gzip magic bytes but do not gunzip.
    #[error("not gzip: {0}")]
    NotGzip(io::Error),
    /// Text that is not UTF-8.
    #[error("not UTF-8: {0}")]
    NotUtf8(std::string::FromUtf8Error),
}

/// Why an artifact file cannot be read as JSON: each names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    /// The file's bytes are not its JSON text.
    #[error("{}: {source}", path.display())]
    Text { path: PathBuf, source: TextError },
    /// The file's text is not JSON.
    #[error("{}: not JSON: {source}", path.display())]
    NotJson { path: PathBuf, source: serde_json::Error },
}

/// An artifact's JSON text from its bytes: gunzipped when they start with the gzip magic bytes (as a `.gz`
/// artifact does). The error does not name the file (the caller does).
pub fn text(bytes: Vec<u8>) -> Result<String, TextError> {
    let bytes = crate::gzip::decode(bytes).map_err(TextError::NotGzip)?.into_owned();
    String::from_utf8(bytes).map_err(TextError::NotUtf8)
}

/// Reads an artifact (plain or gzipped) as JSON.
pub fn read(path: &Path) -> Result<Value, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Unreadable { path: path.to_path_buf(), source })?;
    let text = text(bytes).map_err(|source| ReadError::Text { path: path.to_path_buf(), source })?;
    serde_json::from_str(&text).map_err(|source| ReadError::NotJson { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_format_and_names() {
        assert_eq!(timestamp(1_759_722_420), "20251006T034700000000Z");
        assert!(is_artifact("benchmark_cycle_20251006T034700000000Z.json"));
        assert!(is_artifact("benchmark_cycle_20251006T034700000000Z_3.json.gz"));
        assert!(
            !is_artifact("benchmark_cycle_x.txt")
                && !is_artifact("notes.json")
                && !is_artifact(".benchmark_cycle_x.json.tmp-1")
        );
    }

    #[test]
    fn robust_z_scores() {
        let h = [10.0, 11.0, 9.0, 10.0, 10.0, 12.0, 8.0];
        assert_eq!(robust_z(&h, 10.0, 3.5), 0.0);
        let z = robust_z(&h, 20.0, 3.5);
        assert!((z - 10.0 / 1.4826).abs() < 1e-9, "{z}");
        assert_eq!(robust_z(&[5.0; 6], 5.0, 3.5), 0.0);
        assert_eq!(robust_z(&[5.0; 6], 7.0, 3.5), 35.0);
        // MAD 0 but not constant: the mean absolute deviation stands in.
        assert!(robust_z(&[1.0, 1.0, 1.0, 1.0, 9.0], 9.0, 3.5) > 3.5);
    }
}
