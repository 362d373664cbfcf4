//! The replay against the history's own record: every recorded status (and partial reason, when recorded)
//! and every recorded depth, set against what the replay decided in the same cycle, and the depth's direction
//! flips on each side.
//!
//! - A status differs when the recorded one is not the replayed one; a partial reason, when both are PARTIAL
//!   and the recorded reason is not the replayed one.
//! - A depth is strikes per side of the cycle's ladder: the recorded `depth` against the replay's
//!   `ladder_depth` (both sides).
//! - Flips: direction changes of each index's depth from cycle to cycle (an increase after a decrease or
//!   back), over the recorded depths and over the replay's ladder depths.

use super::History;
use crate::events::CycleSummary;
use serde::Serialize;
use std::collections::BTreeMap;

/// One recorded decision the replay did not reproduce.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub cycle: u64,
    pub index: String,
    /// The expiry rule (`null` for a depth).
    pub rule: Option<String>,
    /// `status`, `partial_reason` or `depth`.
    pub field: &'static str,
    pub recorded: String,
    pub replayed: String,
}

impl Difference {
    /// What differs: the index and expiry rule of a status (`NIFTY this_week`), the index of a depth.
    pub fn what(&self) -> String {
        match &self.rule {
            Some(rule) => format!("{} {rule}", self.index),
            None => self.index.clone(),
        }
    }

    /// The difference in one line: `cycle 3 NIFTY this_week status: recorded OK, replayed PARTIAL`.
    pub fn describe(&self) -> String {
        format!(
            "cycle {} {} {}: recorded {}, replayed {}",
            self.cycle,
            self.what(),
            self.field,
            self.recorded,
            self.replayed
        )
    }
}

/// One index's depth direction flips.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexFlips {
    pub index: String,
    /// `null` when the history records no depth for the index.
    pub recorded: Option<usize>,
    pub replayed: usize,
}

/// The comparison (`comparison.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub history: String,
    pub cycles: usize,
    pub statuses_compared: usize,
    pub depths_compared: usize,
    /// The cycles with at least one difference, ascending.
    pub differing_cycles: Vec<u64>,
    pub differences: Vec<Difference>,
    pub flips: Vec<IndexFlips>,
}

impl Comparison {
    /// Nothing recorded differs from the replay.
    pub fn agrees(&self) -> bool {
        self.differences.is_empty()
    }

    /// The comparison as printed: a headline, the first `limit` differences (`rest` says where the others
    /// are), the flips.
    pub fn text(&self, limit: usize, rest: &str) -> String {
        let mut out = format!(
            "comparison with the history: {} statuses and {} depths compared; ",
            self.statuses_compared, self.depths_compared
        );
        if self.agrees() {
            out.push_str("the replay reproduces every one\n");
        } else {
            out.push_str(&format!(
                "{} differ, in {} of {} cycles\n",
                self.differences.len(),
                self.differing_cycles.len(),
                self.cycles
            ));
        }
        for d in self.differences.iter().take(limit) {
            out.push_str(&format!(
                "  cycle {:>5}  {:<22} {}: recorded {}, replayed {}\n",
                d.cycle,
                d.what(),
                d.field,
                d.recorded,
                d.replayed
            ));
        }
        if self.differences.len() > limit {
            out.push_str(&format!("  ... and {} more ({rest})\n", self.differences.len() - limit));
        }
        for f in &self.flips {
            let recorded = f.recorded.map_or("- (no depth recorded)".to_string(), |n| n.to_string());
            out.push_str(&format!(
                "  depth direction flips {}: recorded {recorded}, replayed {}\n",
                f.index, f.replayed
            ));
        }
        out
    }
}

/// Direction changes of a sequence: an increase after a decrease, or a decrease after an increase.
pub(crate) fn direction_changes(values: impl IntoIterator<Item = i64>) -> usize {
    let mut last: Option<i64> = None;
    let mut direction = 0i64;
    let mut flips = 0;
    for v in values {
        if let Some(prev) = last {
            let d = (v - prev).signum();
            if d != 0 {
                flips += usize::from(direction != 0 && d != direction);
                direction = d;
            }
        }
        last = Some(v);
    }
    flips
}

/// Compares a history's recorded decisions with a replay's cycles.
pub fn compare(history: &History, cycles: &[CycleSummary]) -> Comparison {
    let by_cycle: BTreeMap<u64, &CycleSummary> = cycles.iter().map(|c| (c.cycle, c)).collect();
    let mut differences = Vec::new();
    let (mut statuses, mut depths) = (0, 0);
    for r in &history.statuses {
        let Some(e) = by_cycle.get(&r.cycle).and_then(|c| c.index(&r.index)).and_then(|i| i.expiry(&r.rule)) else {
            continue;
        };
        statuses += 1;
        let replayed = e.status.map_or("-", |s| s.as_str());
        let diff = |field, recorded: &str, replayed: &str| Difference {
            cycle: r.cycle,
            index: r.index.clone(),
            rule: Some(r.rule.clone()),
            field,
            recorded: recorded.to_string(),
            replayed: replayed.to_string(),
        };
        if e.status != Some(r.status) {
            differences.push(diff("status", r.status.as_str(), replayed));
        } else if let Some(reason) = r.partial_reason.filter(|_| e.status == Some(crate::vocab::ExpiryStatus::Partial))
            && e.partial_reason != Some(reason)
        {
            differences.push(diff("partial_reason", reason.as_str(), e.partial_reason.map_or("-", |p| p.as_str())));
        }
    }
    for r in &history.depths {
        let Some(i) = by_cycle.get(&r.cycle).and_then(|c| c.index(&r.index)) else { continue };
        depths += 1;
        let (itm, otm) = (i.ladder_depth.itm, i.ladder_depth.otm);
        if itm != r.depth || otm != r.depth {
            let replayed = if itm == otm { itm.to_string() } else { format!("{itm}/{otm}") };
            differences.push(Difference {
                cycle: r.cycle,
                index: r.index.clone(),
                rule: None,
                field: "depth",
                recorded: r.depth.to_string(),
                replayed,
            });
        }
    }
    // In cycle order; within a cycle, statuses (history order) before depths, as they were pushed.
    differences.sort_by_key(|d| d.cycle);
    let mut differing_cycles: Vec<u64> = differences.iter().map(|d| d.cycle).collect();
    differing_cycles.dedup();
    let flips = history
        .loaded
        .scenario
        .indices
        .iter()
        .map(|spec| {
            let recorded: Vec<i64> =
                history.depths.iter().filter(|d| d.index == spec.symbol).map(|d| i64::from(d.depth)).collect();
            let replayed = cycles
                .iter()
                .filter_map(|c| c.index(&spec.symbol))
                .map(|i| i64::from(i.ladder_depth.itm) + i64::from(i.ladder_depth.otm));
            IndexFlips {
                index: spec.symbol.clone(),
                recorded: (!recorded.is_empty()).then(|| direction_changes(recorded)),
                replayed: direction_changes(replayed),
            }
        })
        .collect();
    Comparison {
        history: history.loaded.file.clone(),
        cycles: cycles.len(),
        statuses_compared: statuses,
        depths_compared: depths,
        differing_cycles,
        differences,
        flips,
    }
}

/// `comparison.json`: the comparison, pretty-printed, with a final line end.
pub fn comparison_json(c: &Comparison) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(c).expect("the comparison serializes to JSON");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_changes_count_turns_not_steps() {
        assert_eq!(direction_changes([10, 12, 14, 14, 12, 10, 10]), 1);
        assert_eq!(direction_changes([10, 12, 10, 12, 10]), 3);
        assert_eq!(direction_changes([10, 10, 10]), 0);
        assert_eq!(direction_changes([]), 0);
        assert_eq!(direction_changes([10, 8, 8, 6]), 0, "contractions only");
    }
}
