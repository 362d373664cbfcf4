//! History rows from a directory of B7 benchmark artifacts (`benchmark_cycle_<timestamp>.json[.gz]`, as the
//! reference's collector and `g6sim run` with `benchmark_dump` write them): one artifact is one cycle, in file
//! name order (= timestamp order); each `indices[i].expiries[j]` is one row.
//!
//! An artifact records each expiry's `rule`, `status`, `options`, `strike_coverage`, `field_coverage` and
//! `partial_reason`, and no depth or index price. A SYNTH status is the one thing taken from the recorded
//! status as input: placeholder quotes served the expiry (`synthetic`). The artifact's `duration_s` (the
//! cycle's elapsed seconds) is the cycle time of each of its rows (`cycle_time_s`).

use super::rows::{At, RawRow, Row, check};
use crate::artifact;
use crate::scenario::ScenarioError;
use chrono::{NaiveDateTime, TimeDelta};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The artifact's `timestamp` (`%Y%m%dT%H%M%S` then up to 9 fraction digits, `Z`) as RFC 3339.
pub(crate) fn parse_timestamp(text: &str) -> Option<String> {
    let body = text.strip_suffix('Z')?;
    let (head, frac) = (body.get(..15)?, body.get(15..)?);
    let base = NaiveDateTime::parse_from_str(head, "%Y%m%dT%H%M%S").ok()?;
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().ok()? };
    let t = base.checked_add_signed(TimeDelta::nanoseconds(nanos))?;
    Some(t.and_utc().to_rfc3339())
}

/// Reads every artifact of `dir`: the rows, and a sha256 over the artifacts' names and bytes.
pub fn read_dir(dir: &Path) -> Result<(Vec<Row>, String), ScenarioError> {
    let name = dir.display().to_string();
    let fail =
        |file: &str, path: &str, message: String, hint: &str| ScenarioError::at(file, (0, 0), path, message, hint);
    let files = artifact::list(dir).map_err(|e| {
        fail(&name, "", format!("cannot read the directory: {e}"), "pass a directory of benchmark_cycle_*.json[.gz]")
    })?;
    if files.is_empty() {
        // A directory of history files: name one (the first by name) rather than only the B7 layout.
        let mut histories: Vec<_> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        histories.retain(|p| p.is_file() && super::is_history(p));
        histories.sort();
        let hint = match histories.first() {
            Some(h) => format!(
                "the directory holds {} history file{}: pass one, for example {}",
                histories.len(),
                if histories.len() == 1 { "" } else { "s" },
                h.display()
            ),
            None => "pass the directory the collector's G6_BENCHMARK_DUMP (g6sim: benchmark_dump) names".into(),
        };
        return Err(fail(&name, "", "holds no benchmark_cycle_*.json or .json.gz artifact".into(), &hint));
    }
    let mut hash = Sha256::new();
    let mut rows = Vec::new();
    for (k, path) in files.iter().enumerate() {
        let file = path.display().to_string();
        // Names sort `X.json` right before `X.json.gz`: the same cycle's artifact twice, not two cycles.
        if let Some(plain) = file.strip_suffix(".gz").filter(|p| k > 0 && files[k - 1] == Path::new(p)) {
            return Err(fail(
                &file,
                "",
                format!("the artifact {plain} again, gzipped: one cycle must not replay twice"),
                "keep one of the two files (the collector writes each cycle once)",
            ));
        }
        let bytes =
            std::fs::read(path).map_err(|e| fail(&file, "", format!("cannot read: {e}"), "check its permissions"))?;
        hash.update(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
        hash.update([0]);
        hash.update(&bytes);
        const JSON_HINT: &str = "a benchmark artifact is JSON, gzipped when named .gz";
        let text = artifact::text(bytes).map_err(|e| fail(&file, "", e.to_string(), JSON_HINT))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            ScenarioError {
                line: e.line().max(1),
                col: e.column().max(1),
                ..fail(&file, "", format!("not JSON: {message}"), JSON_HINT)
            }
        })?;
        let stamp = value.get("timestamp").and_then(Value::as_str).unwrap_or_default();
        let timestamp = parse_timestamp(stamp).ok_or_else(|| {
            fail(
                &file,
                "timestamp",
                format!("`{stamp}` is not a benchmark artifact timestamp"),
                "expected %Y%m%dT%H%M%S%fZ, for example \"20251006T034700000000Z\"",
            )
        })?;
        let duration_s = match value.get("duration_s") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_f64().ok_or_else(|| {
                fail(&file, "duration_s", format!("{v} is not a number"), "the seconds the cycle took, for example 3.2")
            })?),
        };
        let indices = value.get("indices").and_then(Value::as_array).ok_or_else(|| {
            fail(&file, "indices", "expected a list of indices".into(), "is this a benchmark artifact?")
        })?;
        for (i, index) in indices.iter().enumerate() {
            let expiries = index.get("expiries").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            for (j, expiry) in expiries.iter().enumerate() {
                let at =
                    At { file: file.clone(), line: 0, cols: Vec::new(), prefix: format!("indices[{i}].expiries[{j}]") };
                let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
                let number = |field: &str| -> Result<Option<f64>, ScenarioError> {
                    match expiry.get(field) {
                        None | Some(Value::Null) => Ok(None),
                        Some(v) => {
                            v.as_f64().map(Some).ok_or_else(|| at.error(field, format!("{v} is not a number"), ""))
                        }
                    }
                };
                let options = match expiry.get("options") {
                    None | Some(Value::Null) => 0,
                    Some(v) => v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                        at.error("options", format!("{v} is not a count of options"), "expected a whole number >= 0")
                    })?,
                };
                let status = text(expiry.get("status"));
                let raw = RawRow {
                    cycle: Some(k as u64 + 1),
                    timestamp: Some(timestamp.clone()),
                    index: text(index.get("index")).unwrap_or_default(),
                    rule: text(expiry.get("rule")).unwrap_or_default(),
                    strike_coverage: number("strike_coverage")?,
                    field_coverage: number("field_coverage")?,
                    options,
                    depth: None,
                    price: None,
                    synthetic: Some(status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("SYNTH"))),
                    status,
                    partial_reason: text(expiry.get("partial_reason")),
                    cycle_time_s: duration_s,
                    memory_tier: None,
                };
                rows.push(check(raw, at)?);
            }
        }
    }
    let sha = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((rows, sha))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("20251006T034700000000Z").as_deref(), Some("2025-10-06T03:47:00+00:00"));
        assert_eq!(parse_timestamp("20261124T001440105202Z").as_deref(), Some("2026-11-24T00:14:40.105202+00:00"));
        assert_eq!(parse_timestamp("20251006T034700Z").as_deref(), Some("2025-10-06T03:47:00+00:00"));
        assert_eq!(parse_timestamp("2025-10-06"), None);
        assert_eq!(parse_timestamp("20251006T034700x00Z"), None);
    }
}
