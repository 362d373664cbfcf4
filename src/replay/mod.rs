//! Replay of recorded production history (`g6sim replay`, and `g6sim sweep` on a history): the status,
//! partial-reason and adaptive steps driven by what a collector recorded, cycle by cycle, instead of the
//! simulated provider.
//!
//! A history is JSONL or CSV rows (`rows`), or a directory of B7 benchmark artifacts (`b7`). [`load`]
//! turns it into a scenario whose `recorded` cycles replace the provider (the replay schedule,
//! `crate::cycle::recorded`), so a replay is prepared, run, written and swept as a scenario is. What the
//! history recorded of the collector's own decisions (status, partial reason, depth) is kept aside and
//! compared with the replay's (`compare`).
//!
//! Grouping: rows with a `cycle` are grouped by it (the cycle numbers are kept; gaps are allowed); rows with
//! only a `timestamp` are grouped by the instant and numbered 1, 2, ... in time order. Each cycle's time is
//! its timestamp, or without timestamps `1970-01-01T00:00:00Z + (cycle - 1) x 60 s`. Indices come in the
//! order of their first row, each index's expiry rules too.
//!
//! The replay starts each index at its first recorded depth (also its baseline); an index without one
//! starts at its [`HistoryOptions::index_depths`] entry, else [`HistoryOptions::depth`], else 10 strikes per
//! side (a scenario's default).

pub(crate) mod b7;
pub(crate) mod compare;
pub(crate) mod rows;

use crate::calendar::ExpiryRule;
use crate::scenario::{LoadedScenario, ScenarioError};
use crate::schema::RecordedCycle;
use crate::schema::{DepthSpec, IndexSpec, Phase, Scenario, Window};
use crate::vocab::{ExpiryStatus, PartialReason};
use chrono::{DateTime, FixedOffset, TimeDelta};
use rows::Row;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::path::Path;
use std::sync::Arc;

pub use compare::{Comparison, Difference, IndexFlips, compare, comparison_json};

/// How a history is read.
#[derive(Clone, Debug, Default)]
pub struct HistoryOptions {
    /// Starting strikes per side of indices whose history records no depth (default 10).
    pub depth: Option<u32>,
    /// The same for one index (by registry symbol, upper case); wins over `depth`.
    pub index_depths: BTreeMap<String, u32>,
}

/// A `--depth` argument that cannot apply: each carries the argument as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DepthError {
    /// Neither `N` nor `SYMBOL=N` with a whole number `N`.
    #[error("--depth {arg}: expected a whole number of strikes per side (N) or SYMBOL=N")]
    NotANumber { arg: String },
    /// More strikes per side than a scenario may have (`max`).
    #[error("--depth {arg}: at most {max} strikes per side")]
    TooDeep { arg: String, max: u32 },
    /// A symbol the registry does not know (upper case).
    #[error(
        "--depth {arg}: unknown index `{symbol}`{}",
        crate::suggest::did_you_mean(symbol, crate::registry::known_symbols())
    )]
    UnknownIndex { arg: String, symbol: String },
}

impl HistoryOptions {
    /// No starting depth given (every index starts at its recorded depth, else 10).
    pub fn is_empty(&self) -> bool {
        self.depth.is_none() && self.index_depths.is_empty()
    }

    /// Applies one `--depth` argument: `N` (every index) or `SYMBOL=N` (one index).
    pub fn add_depth(&mut self, arg: &str) -> Result<(), DepthError> {
        let (symbol, n) = match arg.split_once('=') {
            Some((s, n)) => (Some(s.trim().to_uppercase()), n),
            None => (None, arg),
        };
        let n: u32 = n.trim().parse().map_err(|_| DepthError::NotANumber { arg: arg.to_string() })?;
        let max = crate::schema::MAX_STRIKES_PER_SIDE;
        if n > max {
            return Err(DepthError::TooDeep { arg: arg.to_string(), max });
        }
        match symbol {
            Some(s) if crate::registry::known(&s).is_none() => {
                Err(DepthError::UnknownIndex { arg: arg.to_string(), symbol: s })
            }
            Some(s) => {
                self.index_depths.insert(s, n);
                Ok(())
            }
            None => {
                self.depth = Some(n);
                Ok(())
            }
        }
    }
}

/// A decision the collector recorded for one expiry.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedStatus {
    pub cycle: u64,
    pub index: String,
    pub rule: String,
    pub status: ExpiryStatus,
    pub partial_reason: Option<PartialReason>,
}

/// The depth (strikes per side) the collector used for one index in one cycle.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedDepth {
    pub cycle: u64,
    pub index: String,
    pub depth: u32,
}

/// A loaded history: the scenario that replays it, and the decisions it recorded.
#[derive(Clone, Debug)]
pub struct History {
    pub loaded: LoadedScenario,
    pub rows: usize,
    pub statuses: Vec<RecordedStatus>,
    pub depths: Vec<RecordedDepth>,
}

/// Strike coverage below which a recorded cycle is part of a dip: the default expansion trigger,
/// `0.9 x 0.75`. Dips are the fault windows of a replay (sweep recovery scores, chart shading).
pub(crate) const DIP_BELOW: f64 = 0.675;

/// The default starting depth of an index whose history records none.
pub(crate) const DEFAULT_DEPTH: u32 = 10;

/// A history file's name in lower case without a `.gz` suffix (`Day.CSV.gz` -> `day.csv`).
fn plain_name(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    name.strip_suffix(".gz").map(str::to_string).unwrap_or(name)
}

/// Whether a path names a history rather than a scenario: a directory (B7 artifacts), or a `.jsonl` or
/// `.csv` file, gzipped too (`.jsonl.gz`, `.csv.gz`).
pub fn is_history(path: &Path) -> bool {
    let name = plain_name(path);
    path.is_dir() || name.ends_with(".jsonl") || name.ends_with(".csv")
}

/// Reads a history: a directory of B7 artifacts, a `.csv` file, or JSONL (any other file); a file that
/// starts with the gzip magic bytes is gunzipped first (its format is named by the name without `.gz`).
pub fn load(path: &Path, options: &HistoryOptions) -> Result<History, ScenarioError> {
    let file = path.display().to_string();
    let (rows, sha) = if path.is_dir() {
        b7::read_dir(path)?
    } else {
        let bytes = std::fs::read(path).map_err(|e| {
            ScenarioError::whole(
                file.clone(),
                format!("cannot read the history: {e}"),
                "pass a .jsonl or .csv history, or a directory of benchmark artifacts (benchmark_cycle_*.json)",
            )
        })?;
        let sha = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        let bytes = crate::gzip::decode(bytes)
            .map_err(|e| {
                ScenarioError::whole(
                    file.clone(),
                    format!("expected a complete gzip stream (it starts with the gzip magic bytes): {e}"),
                    "copy or compress the history again (`gzip -t FILE` tests a gzip file)",
                )
            })?
            .into_owned();
        let text = String::from_utf8(bytes).map_err(|e| {
            ScenarioError::whole(
                file.clone(),
                format!("the file is not valid UTF-8 ({e})"),
                "save the history as UTF-8 text",
            )
        })?;
        let csv = plain_name(path).ends_with(".csv");
        let rows = if csv { rows::parse_csv(&file, &text)? } else { rows::parse_jsonl(&file, &text)? };
        (rows, sha)
    };
    assemble(&file, &history_name(path), rows, sha, options)
}

/// The scenario name a history replays under: its file name without `.gz` and the extension (`day.csv.gz`
/// -> `day`), or `history`.
pub(crate) fn history_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .map(|n| n.strip_suffix(".gz").or(n.strip_suffix(".GZ")).unwrap_or(&n).to_string())
        .map(|n| Path::new(&n).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "history".into())
}

/// The error of a history as a whole (no row to point at).
fn whole(file: &str, message: &str, hint: &str) -> ScenarioError {
    ScenarioError::whole(file, message, hint)
}

/// Groups checked rows into cycles and builds the scenario that replays them.
fn assemble(
    file: &str,
    name: &str,
    rows: Vec<Row>,
    content_sha256: String,
    options: &HistoryOptions,
) -> Result<History, ScenarioError> {
    let Some(first) = rows.first() else {
        return Err(whole(file, "the history holds no rows", "a history needs at least one row"));
    };
    let by_cycle = first.cycle.is_some();
    let timed = first.timestamp.is_some();
    for row in &rows {
        if row.cycle.is_some() != by_cycle {
            let (has, field) = if by_cycle { ("has", "cycle") } else { ("has no", "cycle") };
            return Err(row.at.error(
                "",
                format!(
                    "the row {} `{field}`, unlike the first row (line {})",
                    if by_cycle { "lacks" } else { "has" },
                    first.at.line
                ),
                format!("the first row {has} `{field}`: key every row by `cycle`, or every row by `timestamp` alone"),
            ));
        }
        if by_cycle && row.timestamp.is_some() != timed {
            return Err(row.at.error(
                "timestamp",
                format!(
                    "the row {} a `timestamp`, unlike the first row (line {})",
                    if timed { "lacks" } else { "has" },
                    first.at.line
                ),
                "give every row a timestamp, or none",
            ));
        }
    }
    // Group into cycles, in cycle (or time) order.
    let mut groups: BTreeMap<(u64, Option<DateTime<FixedOffset>>), Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        let key = if by_cycle { (row.cycle.unwrap_or(0), None) } else { (0, row.timestamp) };
        groups.entry(key).or_default().push(row);
    }
    let epoch = DateTime::parse_from_rfc3339("1970-01-01T00:00:00+00:00").expect("the epoch is RFC 3339");
    // Indices and their rules, in order of first appearance.
    let mut indices: Vec<(String, Vec<ExpiryRule>)> = Vec::new();
    for row in &rows {
        let pos = match indices.iter().position(|(s, _)| *s == row.index) {
            Some(p) => p,
            None => {
                indices.push((row.index.clone(), Vec::new()));
                indices.len() - 1
            }
        };
        if !indices[pos].1.contains(&row.rule) {
            indices[pos].1.push(row.rule);
        }
    }
    if indices.len() > usize::from(u16::MAX) || indices.iter().any(|(_, r)| r.len() > usize::from(u16::MAX)) {
        return Err(whole(file, "too many indices or expiry rules", "at most 65535 of each"));
    }
    let position = |row: &Row| -> (u16, u16) {
        let i = indices.iter().position(|(s, _)| *s == row.index).unwrap_or(0);
        let j = indices[i].1.iter().position(|r| *r == row.rule).unwrap_or(0);
        (i as u16, j as u16)
    };
    let mut cycles: Vec<RecordedCycle> = Vec::new();
    let mut statuses = Vec::new();
    let mut depths: Vec<RecordedDepth> = Vec::new();
    let mut first_depth: BTreeMap<u16, u32> = BTreeMap::new();
    let mut dips: Vec<(u16, u64)> = Vec::new();
    for (n, ((cycle, stamp), group)) in groups.into_iter().enumerate() {
        let cycle = if by_cycle { cycle } else { n as u64 + 1 };
        let time = match (stamp, group[0].timestamp) {
            (Some(t), _) | (None, Some(t)) => t,
            (None, None) => (cycle - 1)
                .checked_mul(60)
                .and_then(|s| i64::try_from(s).ok())
                .and_then(TimeDelta::try_seconds)
                .and_then(|d| epoch.checked_add_signed(d))
                .ok_or_else(|| {
                    group[0].at.error("cycle", format!("cycle {cycle} is too large"), "number cycles from 1")
                })?,
        };
        if let Some(row) = group.iter().find(|r| r.timestamp.is_some_and(|t| t != time)) {
            return Err(row.at.error(
                "timestamp",
                format!(
                    "cycle {cycle} has two timestamps: {} and {}",
                    time.to_rfc3339(),
                    row.timestamp.map(|t| t.to_rfc3339()).unwrap_or_default()
                ),
                "every row of a cycle carries the cycle's time",
            ));
        }
        if let Some(prev) = cycles.last().filter(|c| c.time > time) {
            return Err(group[0].at.error(
                "timestamp",
                format!(
                    "cycle {cycle} is timed {}, before cycle {} ({})",
                    time.to_rfc3339(),
                    prev.cycle,
                    prev.time.to_rfc3339()
                ),
                "cycles run forward in time: check the cycle numbers and timestamps",
            ));
        }
        let mut recorded = RecordedCycle {
            cycle,
            time,
            prices: BTreeMap::new(),
            expiries: BTreeMap::new(),
            cycle_time_s: None,
            memory_tier: None,
        };
        let mut seen: BTreeMap<(u16, u16), &Row> = BTreeMap::new();
        let mut depth_row: BTreeMap<u16, Option<&Row>> = BTreeMap::new();
        let mut price_row: BTreeMap<u16, Option<&Row>> = BTreeMap::new();
        let (mut time_row, mut tier_row): (Option<&Row>, Option<&Row>) = (None, None);
        for row in &group {
            let (i, j) = position(row);
            if let Some(other) = seen.insert((i, j), row) {
                return Err(row.at.error(
                    "rule",
                    format!("cycle {cycle} has two rows for {} {}{}", row.index, row.rule, line_ref(other)),
                    "one row per index, expiry rule and cycle",
                ));
            }
            recorded.expiries.insert((i, j), row.recorded);
            agree(depth_row.entry(i).or_default(), Owner::Index, row, cycle, "depth", |r| r.depth.map(f64::from))?;
            agree(price_row.entry(i).or_default(), Owner::Index, row, cycle, "price", |r| r.price)?;
            agree(&mut time_row, Owner::Cycle, row, cycle, "cycle_time_s", |r| r.cycle_time_s)?;
            agree(&mut tier_row, Owner::Cycle, row, cycle, "memory_tier", |r| r.memory_tier.map(f64::from))?;
            if let Some(status) = row.status {
                statuses.push(RecordedStatus {
                    cycle,
                    index: row.index.clone(),
                    rule: row.rule.to_string(),
                    status,
                    partial_reason: row.partial_reason,
                });
            }
            if row.recorded.strike_coverage.is_some_and(|s| s < DIP_BELOW) && dips.last() != Some(&(i, cycle)) {
                dips.push((i, cycle));
            }
        }
        for (i, row) in &price_row {
            recorded.prices.extend(row.and_then(|r| r.price).map(|p| (*i, p)));
        }
        recorded.cycle_time_s = time_row.and_then(|r| r.cycle_time_s);
        recorded.memory_tier = tier_row.and_then(|r| r.memory_tier);
        for (i, row) in &depth_row {
            if let Some(row) = row
                && let Some(d) = row.depth
            {
                first_depth.entry(*i).or_insert(d);
                depths.push(RecordedDepth { cycle, index: row.index.clone(), depth: d });
            }
        }
        cycles.push(recorded);
    }
    statuses.sort_by_key(|s| {
        let i = indices.iter().position(|(x, _)| *x == s.index).unwrap_or(0);
        let j = indices[i].1.iter().position(|r| r.to_string() == s.rule).unwrap_or(0);
        (s.cycle, i, j)
    });
    let start = cycles[0].time;
    let interval = cycles
        .windows(2)
        .filter_map(|w| u64::try_from((w[1].time - w[0].time).num_seconds()).ok().filter(|s| *s > 0))
        .min()
        .unwrap_or(60);
    let fallback = options.depth.unwrap_or(DEFAULT_DEPTH);
    let specs = indices
        .iter()
        .enumerate()
        .map(|(i, (symbol, rules))| {
            let d = first_depth.get(&(i as u16)).or(options.index_depths.get(symbol)).copied().unwrap_or(fallback);
            IndexSpec {
                symbol: symbol.clone(),
                registry: None,
                expiries: rules.clone(),
                depth: DepthSpec { itm: d, otm: d },
                baseline: None,
                spot: None,
                lot_size: None,
                tick_size: None,
            }
        })
        .collect();
    let phases = dip_windows(&dips, &cycles, &indices);
    let count = cycles.len() as u64;
    let scenario = Scenario {
        name: name.to_string(),
        description: format!("replay of {file}: {} rows in {count} cycles", rows.len()),
        seed: 0,
        start,
        interval_s: NonZeroU64::new(interval).unwrap_or(NonZeroU64::MIN),
        cycles: NonZeroU64::new(count).unwrap_or(NonZeroU64::MIN),
        parity: Default::default(),
        indices: specs,
        config: Default::default(),
        market: Default::default(),
        provider: Default::default(),
        cycle_time: Default::default(),
        phases,
        expectations: Vec::new(),
        recorded: Some(Arc::from(cycles)),
        universe: None,
    };
    Ok(History {
        loaded: LoadedScenario { scenario, file: file.to_string(), content_sha256, universe: None },
        rows: rows.len(),
        statuses,
        depths,
    })
}

/// Whose value a field of a row is: its index's in the cycle (the depth, the price), or the whole cycle's
/// (the cycle time, the memory tier).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Index,
    Cycle,
}

/// Keeps in `kept` the first row of the owner's rows of a cycle that records `field`, and refuses a row
/// recording another value: such a field belongs to its owner, not to an expiry. A row leaving the field
/// out agrees with any value.
fn agree<'a>(
    kept: &mut Option<&'a Row>,
    owner: Owner,
    row: &'a Row,
    cycle: u64,
    field: &str,
    value: impl Fn(&Row) -> Option<f64>,
) -> Result<(), ScenarioError> {
    let Some(v) = value(row) else { return Ok(()) };
    let Some(other) = *kept else {
        *kept = Some(row);
        return Ok(());
    };
    let was = value(other).unwrap_or_default();
    if was == v {
        return Ok(());
    }
    Err(match owner {
        Owner::Index => row.at.error(
            field,
            format!("{} has {field} {v} here and {was}{} in cycle {cycle}", row.index, line_ref(other)),
            format!("the {field} belongs to the index: every row of {} in a cycle records the same", row.index),
        ),
        Owner::Cycle => row.at.error(
            field,
            format!("cycle {cycle} has {field} {v} here and {was}{}", line_ref(other)),
            format!("the {field} belongs to the cycle: every row of cycle {cycle} records the same, or leaves it out"),
        ),
    })
}

fn line_ref(row: &Row) -> String {
    if row.at.line > 0 { format!(" (line {})", row.at.line) } else { format!(" ({})", row.at.path("")) }
}

/// Each index's dips: maximal runs of consecutive replayed cycles in which a strike coverage of the index
/// was below [`DIP_BELOW`], as fault windows named `recorded dip`.
fn dip_windows(dips: &[(u16, u64)], cycles: &[RecordedCycle], indices: &[(String, Vec<ExpiryRule>)]) -> Vec<Phase> {
    let order: BTreeMap<u64, usize> = cycles.iter().enumerate().map(|(k, c)| (c.cycle, k)).collect();
    let mut windows: Vec<(u16, u64, u64)> = Vec::new();
    let mut sorted = dips.to_vec();
    sorted.sort();
    for (i, cycle) in sorted {
        match windows.last_mut() {
            Some((wi, _, last)) if *wi == i && order.get(last).map(|k| k + 1) == order.get(&cycle).copied() => {
                *last = cycle;
            }
            _ => windows.push((i, cycle, cycle)),
        }
    }
    windows.sort_by_key(|(i, first, _)| (*first, *i));
    windows
        .into_iter()
        .map(|(i, first, last)| Phase {
            name: "recorded dip".into(),
            cycles: Window { first, last },
            index: Some(indices[usize::from(i)].0.clone()),
            rule: None,
            faults: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recorded cycles of a JSONL history, or its error.
    fn cycles(text: &str) -> Result<Vec<RecordedCycle>, ScenarioError> {
        let rows = rows::parse_jsonl("h.jsonl", text)?;
        let history = assemble("h.jsonl", "h", rows, String::new(), &HistoryOptions::default())?;
        Ok(history.loaded.scenario.recorded.map(|c| c.to_vec()).unwrap_or_default())
    }

    /// A row of cycle `cycle` for `index` and `rule`, with `extra` fields.
    fn row(cycle: u64, index: &str, rule: &str, extra: &str) -> String {
        format!(
            "{{\"cycle\":{cycle},\"index\":\"{index}\",\"rule\":\"{rule}\",\"strike_coverage\":1.0,\"options\":42{extra}}}\n"
        )
    }

    /// The cycle time and the memory tier belong to the cycle: a row leaving one out agrees with the rows that
    /// give it, whichever rows and indices those are; a cycle without either records none.
    #[test]
    fn cycle_level_fields_are_the_cycles_and_a_row_may_leave_them_out() {
        let text = [
            row(1, "NIFTY", "this_week", ""),
            row(1, "NIFTY", "next_week", ",\"cycle_time_s\":500"),
            row(1, "BANKNIFTY", "this_week", ",\"cycle_time_s\":500,\"memory_tier\":2"),
            row(2, "NIFTY", "this_week", ",\"memory_tier\":0"),
            row(2, "BANKNIFTY", "this_week", ""),
            row(3, "NIFTY", "this_week", ""),
        ]
        .concat();
        let c = cycles(&text).unwrap();
        let got: Vec<_> = c.iter().map(|c| (c.cycle, c.cycle_time_s, c.memory_tier)).collect();
        assert_eq!(got, [(1, Some(500.0), Some(2)), (2, None, Some(0)), (3, None, None)]);
    }

    /// Two values of a cycle-level field in one cycle are refused at the second, naming the first's line,
    /// whether the rows are of one index or of two.
    #[test]
    fn cycle_level_fields_disagreeing_within_a_cycle_are_refused() {
        let text = [
            row(1, "NIFTY", "this_week", ",\"cycle_time_s\":3.5"),
            row(1, "NIFTY", "next_week", ""),
            row(1, "BANKNIFTY", "this_week", ",\"cycle_time_s\":4"),
        ]
        .concat();
        let e = cycles(&text).unwrap_err();
        assert_eq!((e.line, e.col, e.path.as_str()), (3, 86, "cycle_time_s"), "{e}");
        assert_eq!(e.message, "cycle 1 has cycle_time_s 4 here and 3.5 (line 1)");
        assert_eq!(
            e.hint,
            "the cycle_time_s belongs to the cycle: every row of cycle 1 records the same, or leaves it out"
        );
        let text =
            [row(2, "NIFTY", "this_week", ",\"memory_tier\":1"), row(2, "NIFTY", "next_week", ",\"memory_tier\":3")]
                .concat();
        let e = cycles(&text).unwrap_err();
        assert_eq!((e.line, e.path.as_str()), (2, "memory_tier"), "{e}");
        assert_eq!(e.message, "cycle 2 has memory_tier 3 here and 1 (line 1)");
        // The same values in different cycles are no disagreement.
        let text =
            [row(1, "NIFTY", "this_week", ",\"memory_tier\":1"), row(2, "NIFTY", "this_week", ",\"memory_tier\":3")]
                .concat();
        assert_eq!(cycles(&text).unwrap().iter().map(|c| c.memory_tier).collect::<Vec<_>>(), [Some(1), Some(3)]);
    }
}
