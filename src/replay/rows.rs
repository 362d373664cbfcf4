//! One history row: its fields as written (JSONL, CSV, or a B7 artifact's expiry), and the checks that turn
//! it into a [`Row`]. Every error names the file, line:column (when the format has lines), the field and
//! what was expected, with a hint.

use crate::calendar::ExpiryRule;
use crate::registry;
use crate::scenario::ScenarioError;
use crate::schema::RecordedExpiry;
use crate::schema::{MAX_RECORDED_CYCLE_TIME_S, MAX_STRIKES_PER_SIDE};
use crate::suggest::did_you_mean;
use crate::vocab::{ExpiryStatus, PartialReason};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

/// The fields of a history row, in the CSV header's documented order.
pub const FIELDS: [&str; 14] = [
    "cycle",
    "timestamp",
    "index",
    "rule",
    "strike_coverage",
    "field_coverage",
    "options",
    "depth",
    "price",
    "synthetic",
    "status",
    "partial_reason",
    "cycle_time_s",
    "memory_tier",
];

/// A row's fields as written, before the checks.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRow {
    #[serde(default)]
    pub cycle: Option<u64>,
    #[serde(default)]
    pub timestamp: Option<String>,
    pub index: String,
    pub rule: String,
    #[serde(default)]
    pub strike_coverage: Option<f64>,
    #[serde(default)]
    pub field_coverage: Option<f64>,
    pub options: u32,
    #[serde(default)]
    pub depth: Option<u32>,
    #[serde(default)]
    pub price: Option<f64>,
    #[serde(default)]
    pub synthetic: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub partial_reason: Option<String>,
    #[serde(default)]
    pub cycle_time_s: Option<f64>,
    /// Wider than a tier, so that the checks word an out-of-range value.
    #[serde(default)]
    pub memory_tier: Option<i64>,
}

/// Where a row stands: its line (0 in a file without lines) and each field's column, or a field path prefix
/// (a B7 artifact's `indices[i].expiries[j]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct At {
    pub file: String,
    pub line: usize,
    pub cols: Vec<(String, usize)>,
    pub prefix: String,
}

impl At {
    /// The column of `field` (of the row's start when the field is not written).
    pub fn col(&self, field: &str) -> usize {
        let first = self.cols.iter().map(|(_, c)| *c).min().unwrap_or(if self.line > 0 { 1 } else { 0 });
        self.cols.iter().find(|(f, _)| f == field).map_or(first, |(_, c)| *c)
    }

    /// The field's path. In a B7 artifact (a prefix `indices[i].expiries[j]`) the index's symbol is
    /// `indices[i].index`, the time the artifact's own `timestamp` and the cycle time its `duration_s`.
    pub fn path(&self, field: &str) -> String {
        match (self.prefix.is_empty(), field) {
            (true, _) => field.to_string(),
            (false, "") => self.prefix.clone(),
            (false, "timestamp") => field.to_string(),
            (false, "cycle_time_s") => "duration_s".to_string(),
            (false, "index") => format!("{}.index", self.prefix.split(".expiries").next().unwrap_or_default()),
            (false, _) => format!("{}.{field}", self.prefix),
        }
    }

    /// An error at `field` of this row.
    pub fn error(&self, field: &str, message: impl Into<String>, hint: impl Into<String>) -> ScenarioError {
        ScenarioError::at(
            self.file.clone(),
            (self.line, if self.line > 0 { self.col(field) } else { 0 }),
            self.path(field),
            message,
            hint,
        )
    }
}

/// A checked row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    pub at: At,
    pub cycle: Option<u64>,
    pub timestamp: Option<DateTime<FixedOffset>>,
    /// The registry's symbol.
    pub index: String,
    pub rule: ExpiryRule,
    pub recorded: RecordedExpiry,
    pub depth: Option<u32>,
    pub price: Option<f64>,
    pub status: Option<ExpiryStatus>,
    pub partial_reason: Option<PartialReason>,
    /// The cycle's elapsed seconds (the same on every row of the cycle that records it).
    pub cycle_time_s: Option<f64>,
    /// The cycle's memory-pressure tier (the same on every row of the cycle that records it).
    pub memory_tier: Option<u8>,
}

/// Parses a status as the reference writes it (`OK`, `PARTIAL`, `EMPTY`, `SYNTH`; any case).
pub(crate) fn parse_status(text: &str) -> Option<ExpiryStatus> {
    [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
}

/// Parses a partial reason token (`low_strike`, `low_field`, `low_both`, `unknown`, `prefilter_clamp`).
pub(crate) fn parse_reason(text: &str) -> Option<PartialReason> {
    PartialReason::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(text.trim()))
}

/// Checks a row's values.
pub fn check(raw: RawRow, at: At) -> Result<Row, ScenarioError> {
    let index = registry::known(&raw.index).map(|m| m.symbol).ok_or_else(|| {
        at.error(
            "index",
            format!(
                "unknown index `{}`{}",
                raw.index,
                did_you_mean(&raw.index.to_uppercase(), registry::known_symbols())
            ),
            format!("the registry knows {}", registry::known_symbols().collect::<Vec<_>>().join(", ")),
        )
    })?;
    let rule = ExpiryRule::parse(&raw.rule)
        .map_err(|e| at.error("rule", e.to_string(), "write the rule the collector ran, for example \"this_week\""))?;
    let timestamp = raw
        .timestamp
        .as_deref()
        .map(|t| {
            DateTime::parse_from_rfc3339(t.trim()).map_err(|e| {
                at.error(
                    "timestamp",
                    format!("`{t}` is not an RFC 3339 time ({e})"),
                    "write it with a UTC offset, for example \"2025-10-06T09:15:00+05:30\"",
                )
            })
        })
        .transpose()?;
    if raw.cycle == Some(0) {
        return Err(at.error("cycle", "cycle 0: cycles count from 1", "number the first cycle 1"));
    }
    if raw.cycle.is_none() && timestamp.is_none() {
        return Err(at.error(
            "",
            "the row has neither `cycle` nor `timestamp`",
            "give every row a `cycle` (a whole number from 1) or a `timestamp` (RFC 3339)",
        ));
    }
    if let Some(s) = raw.strike_coverage.filter(|s| !(s.is_finite() && *s >= 0.0)) {
        return Err(at.error(
            "strike_coverage",
            format!("{s} is not a strike coverage: expected a number >= 0 (1.0 = every ladder strike)"),
            "leave it empty (null) for an expiry that failed",
        ));
    }
    if let Some(f) = raw.field_coverage.filter(|f| !(f.is_finite() && (0.0..=1.0).contains(f))) {
        return Err(at.error(
            "field_coverage",
            format!("{f} is not a field coverage: expected a number from 0.0 to 1.0"),
            "the share of quotes carrying volume, open interest and average price",
        ));
    }
    if let Some(d) = raw.depth.filter(|d| *d > MAX_STRIKES_PER_SIDE) {
        return Err(at.error(
            "depth",
            format!("{d} strikes per side: at most {MAX_STRIKES_PER_SIDE}"),
            "the depth is strikes per side of the cycle's ladder",
        ));
    }
    if let Some(p) = raw.price.filter(|p| !(p.is_finite() && *p > 0.0 && *p <= 1e9)) {
        return Err(at.error(
            "price",
            format!("{p} is not an index price: expected a number > 0 (at most 1e9)"),
            "leave it out when the collector recorded none",
        ));
    }
    if let Some(t) = raw.cycle_time_s.filter(|t| !(t.is_finite() && (0.0..=MAX_RECORDED_CYCLE_TIME_S).contains(t))) {
        return Err(at.error(
            "cycle_time_s",
            format!("{t} is not a cycle time: expected seconds from 0 to {MAX_RECORDED_CYCLE_TIME_S} (a day)"),
            "the seconds the collector's cycle took; leave it out when it recorded none",
        ));
    }
    let memory_tier = raw
        .memory_tier
        .map(|m| {
            u8::try_from(m).map_err(|_| {
                at.error(
                    "memory_tier",
                    format!("{m} is not a memory tier: expected a whole number from 0 to 255"),
                    "the memory-pressure tier the cycle ran under: 0 normal .. 3 critical",
                )
            })
        })
        .transpose()?;
    let status = raw
        .status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            parse_status(s).ok_or_else(|| {
                at.error("status", format!("unknown status `{s}`"), "expected OK, PARTIAL, EMPTY or SYNTH")
            })
        })
        .transpose()?;
    let partial_reason = raw
        .partial_reason
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            parse_reason(s).ok_or_else(|| {
                let tokens: Vec<&str> = PartialReason::ALL.iter().map(|r| r.as_str()).collect();
                at.error(
                    "partial_reason",
                    format!("unknown partial reason `{s}`{}", did_you_mean(s, tokens.iter().copied())),
                    format!("expected one of {}", tokens.join(", ")),
                )
            })
        })
        .transpose()?;
    Ok(Row {
        recorded: RecordedExpiry {
            strike_coverage: raw.strike_coverage,
            field_coverage: raw.field_coverage,
            options: raw.options,
            synthetic: raw.synthetic.unwrap_or(false),
        },
        at,
        cycle: raw.cycle,
        timestamp,
        index,
        rule,
        depth: raw.depth,
        price: raw.price,
        status,
        partial_reason,
        cycle_time_s: raw.cycle_time_s,
        memory_tier,
    })
}

/// 1-based character column of byte `at` in `line`.
fn char_col(line: &str, at: usize) -> usize {
    line.get(..at).map_or(1, |s| s.chars().count() + 1)
}

/// Reads JSONL rows: one JSON object per line; empty lines are skipped.
pub(crate) fn parse_jsonl(file: &str, text: &str) -> Result<Vec<Row>, ScenarioError> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = if n == 0 { line.trim_start_matches('\u{feff}') } else { line };
        if line.trim().is_empty() {
            continue;
        }
        let cols = FIELDS
            .iter()
            .filter_map(|f| line.find(&format!("\"{f}\"")).map(|i| (f.to_string(), char_col(line, i))))
            .collect();
        let at = At { file: file.to_string(), line: n + 1, cols, prefix: String::new() };
        let jsonl_hint = if file.to_ascii_lowercase().ends_with(".ron") {
            "this is a scenario, not a recorded history: run it with `g6sim run FILE`"
        } else if file.to_ascii_lowercase().ends_with(".jsonl") {
            "one JSON object per line; see docs/replay.md for the history format"
        } else {
            "one JSON object per line (a history not named .csv is read as JSONL); see docs/replay.md for the history format"
        };
        let start = line.len() - line.trim_start().len();
        if !line[start..].starts_with('{') {
            let found: String = line[start..].chars().take(21).collect();
            let more = if line[start..].chars().count() > 21 { "..." } else { "" };
            return Err(ScenarioError::at(
                file,
                (n + 1, char_col(line, start)),
                "",
                format!("expected a JSON object `{{...}}`, found `{}{more}`", found.trim_end()),
                jsonl_hint,
            ));
        }
        let mut de = serde_json::Deserializer::from_str(line);
        let raw: RawRow = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." || path == "?" { String::new() } else { path };
            let inner = e.into_inner();
            let message = inner.to_string();
            let mut message = message.split(" at line ").next().unwrap_or(&message).to_string();
            if inner.is_syntax() || inner.is_eof() {
                message = format!("not JSON: {message}");
            }
            let mut col = inner.column().max(1);
            let unknown = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next()).map(str::to_string);
            let hint = if let Some(unknown) = unknown {
                message = format!("unknown field `{unknown}`{}", did_you_mean(&unknown, FIELDS));
                col = line.find(&format!("\"{unknown}\"")).map_or(col, |i| char_col(line, i));
                format!("the fields are {}", FIELDS.join(", "))
            } else if message.starts_with("missing field") {
                "every row needs `index`, `rule` and `options`, and a `cycle` or a `timestamp`".to_string()
            } else {
                jsonl_hint.to_string()
            };
            ScenarioError::at(file, (n + 1, col), path, message, hint)
        })?;
        de.end().map_err(|e| at.error("", format!("text after the row's object ({e})"), "one JSON object per line"))?;
        rows.push(check(raw, at)?);
    }
    Ok(rows)
}

/// The byte offset of each field of a CSV line (commas inside quotes do not split).
fn field_starts(line: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut quoted = false;
    for (i, b) in line.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => starts.push(i + 1),
            _ => {}
        }
    }
    starts
}

/// Reads CSV rows: a header naming the columns (any order; the optional ones may be left out), then one
/// row per line; an empty cell is an absent value.
pub(crate) fn parse_csv(file: &str, text: &str) -> Result<Vec<Row>, ScenarioError> {
    use crate::universe::csv::{Reader, Record};
    let lines: Vec<&str> = text.lines().collect();
    let mut reader = Reader::new(text.as_bytes());
    let mut record = Record::default();
    let unterminated = |q: crate::universe::csv::UnterminatedQuote| {
        ScenarioError::at(
            file,
            (q.line as usize, 1),
            "",
            "a quoted field is still open at the end of the file",
            "close the quote (\"\") or remove it",
        )
    };
    if !reader.read(&mut record).map_err(unterminated)? {
        return Ok(Vec::new());
    }
    let header_line = record.line as usize;
    let header: Vec<String> = record.fields().map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase()).collect();
    let header_starts = field_starts(lines.get(header_line - 1).copied().unwrap_or_default());
    for (i, name) in header.iter().enumerate() {
        let col = header_starts.get(i).map_or(1, |b| b + 1);
        let fail =
            |message: String, hint: String| ScenarioError::at(file, (header_line, col), name.clone(), message, hint);
        if !FIELDS.contains(&name.as_str()) {
            return Err(fail(
                format!("unknown column `{name}`{}", did_you_mean(name, FIELDS)),
                format!("the columns are {}", FIELDS.join(", ")),
            ));
        }
        if header[..i].contains(name) {
            return Err(fail(format!("column `{name}` appears twice"), "keep one".into()));
        }
    }
    for required in ["index", "rule", "options"] {
        if !header.iter().any(|h| h == required) {
            return Err(ScenarioError::at(
                file,
                (header_line, 1),
                required,
                format!("the header has no `{required}` column"),
                "the header needs index, rule and options, and cycle or timestamp",
            ));
        }
    }
    let mut rows = Vec::new();
    while reader.read(&mut record).map_err(unterminated)? {
        let line = record.line as usize;
        let starts = field_starts(lines.get(line - 1).copied().unwrap_or_default());
        let cols = header.iter().enumerate().map(|(i, h)| (h.clone(), starts.get(i).map_or(1, |b| b + 1))).collect();
        let at = At { file: file.to_string(), line, cols, prefix: String::new() };
        if record.len() != header.len() {
            return Err(at.error(
                "",
                format!("{} cells, the header has {} columns", record.len(), header.len()),
                "leave a cell empty rather than out; quote a value holding a comma",
            ));
        }
        let mut raw = RawRow::default();
        for (name, cell) in header.iter().zip(record.fields()) {
            let cell = String::from_utf8_lossy(cell);
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let number =
                |what: &str| at.error(name, format!("`{cell}` is not {what}"), "leave the cell empty for no value");
            match name.as_str() {
                "cycle" => raw.cycle = Some(cell.parse().map_err(|_| number("a whole number"))?),
                "timestamp" => raw.timestamp = Some(cell.to_string()),
                "index" => raw.index = cell.to_string(),
                "rule" => raw.rule = cell.to_string(),
                "strike_coverage" => raw.strike_coverage = Some(cell.parse().map_err(|_| number("a number"))?),
                "field_coverage" => raw.field_coverage = Some(cell.parse().map_err(|_| number("a number"))?),
                "options" => raw.options = cell.parse().map_err(|_| number("a whole number >= 0"))?,
                "depth" => raw.depth = Some(cell.parse().map_err(|_| number("a whole number >= 0"))?),
                "price" => raw.price = Some(cell.parse().map_err(|_| number("a number"))?),
                "synthetic" => {
                    raw.synthetic = Some(match cell.to_ascii_lowercase().as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(number("a boolean (true or false)")),
                    })
                }
                "status" => raw.status = Some(cell.to_string()),
                "partial_reason" => raw.partial_reason = Some(cell.to_string()),
                "cycle_time_s" => raw.cycle_time_s = Some(cell.parse().map_err(|_| number("a number"))?),
                _ => raw.memory_tier = Some(cell.parse().map_err(|_| number("a whole number"))?),
            }
        }
        for required in ["index", "rule"] {
            let empty = if required == "index" { raw.index.is_empty() } else { raw.rule.is_empty() };
            if empty {
                return Err(at.error(required, format!("`{required}` is empty"), "every row names its index and rule"));
            }
        }
        let options_empty =
            header.iter().zip(record.fields()).any(|(h, c)| h == "options" && c.trim_ascii().is_empty());
        if options_empty {
            return Err(at.error("options", "`options` is empty", "write 0 for an expiry that returned no options"));
        }
        rows.push(check(raw, at)?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_reason_tokens() {
        assert_eq!(parse_status("partial"), Some(ExpiryStatus::Partial));
        assert_eq!(parse_status("SYNTH"), Some(ExpiryStatus::Synth));
        assert_eq!(parse_status("fine"), None);
        assert_eq!(parse_reason("LOW_BOTH"), Some(PartialReason::LowBoth));
        assert_eq!(parse_reason("low"), None);
    }

    #[test]
    fn csv_field_starts_skip_quoted_commas() {
        assert_eq!(field_starts("a,\"b,c\",d"), vec![0, 2, 8]);
    }

    #[test]
    fn jsonl_errors_point_at_the_field() {
        let text = "{\"cycle\":1,\"index\":\"NIFTY\",\"rule\":\"this_week\",\"options\":4,\"strike_coverage\":-1}\n";
        let e = parse_jsonl("h.jsonl", text).unwrap_err();
        assert_eq!((e.line, e.col, e.path.as_str()), (1, 59, "strike_coverage"), "{e}");
        let e = parse_jsonl("h.jsonl", "\n{\"cycle\":1,\"index\":\"NIFTY\",\"rule\":\"this_week\",\"option\":4}")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("did you mean `options`"), "{e}");
    }

    const ROW: &str = "{\"cycle\":1,\"index\":\"NIFTY\",\"rule\":\"this_week\",\"options\":4";

    #[test]
    fn cycle_time_and_memory_tier_are_read_from_jsonl_and_csv() {
        let rows =
            parse_jsonl("h.jsonl", &format!("{ROW},\"cycle_time_s\":3.25,\"memory_tier\":2}}\n{ROW}}}\n")).unwrap();
        assert_eq!((rows[0].cycle_time_s, rows[0].memory_tier), (Some(3.25), Some(2)));
        assert_eq!((rows[1].cycle_time_s, rows[1].memory_tier), (None, None));
        let text =
            "cycle,index,rule,options,cycle_time_s,memory_tier\n1,NIFTY,this_week,4,500,3\n1,NIFTY,next_week,4,,\n";
        let rows = parse_csv("h.csv", text).unwrap();
        assert_eq!((rows[0].cycle_time_s, rows[0].memory_tier), (Some(500.0), Some(3)));
        assert_eq!((rows[1].cycle_time_s, rows[1].memory_tier), (None, None));
        assert_eq!(FIELDS[FIELDS.len() - 2..], ["cycle_time_s", "memory_tier"], "the CSV header's last columns");
    }

    #[test]
    fn bad_cycle_times_and_memory_tiers_name_the_field_and_its_column() {
        // A JSONL row with `field: value`; a CSV row with the cycle time and memory tier cells.
        let j = |field: &str, value: &str| ("h.jsonl", format!("{ROW},\"{field}\":{value}}}\n"));
        let c = |cells: &str| {
            ("h.csv", format!("cycle,index,rule,options,cycle_time_s,memory_tier\n1,NIFTY,this_week,4,{cells}\n"))
        };
        let (time, tier) = ("cycle_time_s", "memory_tier");
        // (history, line, column, field, message)
        let cases = [
            (j(time, "-1"), 1, 59, time, "-1 is not a cycle time: expected seconds from 0 to 86400 (a day)"),
            (j(time, "86401"), 1, 59, time, "86401 is not a cycle time"),
            (j(time, "\"abc\""), 1, 78, time, "invalid type: string \"abc\", expected f64"),
            (j(tier, "300"), 1, 59, tier, "300 is not a memory tier: expected a whole number from 0 to 255"),
            (j(tier, "-1"), 1, 59, tier, "-1 is not a memory tier"),
            (j(tier, "1.5"), 1, 75, tier, "invalid type: floating point `1.5`, expected i64"),
            (c("-2,"), 2, 21, time, "-2 is not a cycle time"),
            (c("NaN,"), 2, 21, time, "NaN is not a cycle time"),
            (c("inf,"), 2, 21, time, "inf is not a cycle time"),
            (c("abc,"), 2, 21, time, "`abc` is not a number"),
            (c(",300"), 2, 22, tier, "300 is not a memory tier"),
            (c(",abc"), 2, 22, tier, "`abc` is not a whole number"),
        ];
        for ((file, text), line, col, field, message) in cases {
            let parse = if file.ends_with(".csv") { parse_csv } else { parse_jsonl };
            let e = parse(file, &text).unwrap_err();
            assert_eq!((e.line, e.col, e.path.as_str()), (line, col, field), "{text}: {e}");
            assert!(e.message.starts_with(message), "{text}: {e}");
            assert!(!e.hint.is_empty(), "{e}");
        }
        let e = parse_jsonl("h.jsonl", &j("cycle_tim_s", "3").1).unwrap_err();
        assert!(e.message.contains("did you mean `cycle_time_s`"), "{e}");
        let e = parse_csv("h.csv", "cycle,index,rule,options,memory_teir\n").unwrap_err();
        assert!(e.message.contains("did you mean `memory_tier`"), "{e}");
    }
}
