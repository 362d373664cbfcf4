//! What one run of a setting is worth: the scores a sweep ranks settings by, as pure functions of a finished
//! run (cycle summaries, events, expectation verdicts) and the scenario's fault windows.
//!
//! - `flips_per_10`: depth direction changes (an expansion after a contraction or back), summed over the
//!   indices, per 10 cycles of the run. The backlog's target for hysteresis: at most 1.
//! - `recovery_cycles`: for every fault window and every index it scopes, the cycles from the window's last
//!   cycle until the index's depth is back at its baseline (0 when it never left); averaged over those pairs.
//!   A pair that never comes back within the run counts the cycles to the run's end plus one, and is counted
//!   in `unrecovered`.
//! - `mean_depth`: strikes per side, `(itm + otm) / 2`, averaged over index-cycles (the cost of a setting);
//!   `strikes_per_cycle` and `instruments_per_cycle`: strikes requested and instruments fetched per cycle,
//!   summed over expiries (the same cost as the provider sees it).
//! - `partial_expiry_cycles`: expiry-cycles whose status is PARTIAL (the price of contracting too early).
//! - `clamp_events`: `prefilter_clamp` events.
//! - `passed`: every expectation of the scenario held.

use crate::cycle::status::ExpiryStatus;
use crate::events::{Event, LoggedEvent};
use crate::report::CycleSummary;
use crate::scenario::{ExpectationOutcome, Phase, direction_flips};
use serde::{Deserialize, Serialize};

/// The scores of one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunScore {
    pub flips_per_10: f64,
    pub recovery_cycles: f64,
    pub unrecovered: u32,
    pub mean_depth: f64,
    pub strikes_per_cycle: f64,
    pub instruments_per_cycle: f64,
    pub partial_expiry_cycles: u64,
    pub clamp_events: u64,
    pub passed: bool,
}

/// Scores a finished run.
pub fn score(
    cycles: &[CycleSummary],
    events: &[LoggedEvent],
    outcomes: &[ExpectationOutcome],
    phases: &[Phase],
) -> RunScore {
    let n = cycles.len().max(1) as f64;
    let indices: Vec<&str> =
        cycles.first().map(|c| c.indices.iter().map(|i| i.index.as_str()).collect()).unwrap_or_default();
    let flips: usize = indices.iter().map(|i| direction_flips(events, i).len()).sum();
    let (mut depth_sum, mut index_cycles, mut strikes, mut instruments, mut partial) = (0.0, 0u64, 0u64, 0u64, 0u64);
    for c in cycles {
        for i in &c.indices {
            depth_sum += f64::from(i.depth.itm + i.depth.otm) / 2.0;
            index_cycles += 1;
            for e in &i.expiries {
                strikes += u64::from(e.strikes_requested);
                instruments += u64::from(e.instruments);
                partial += u64::from(e.status == Some(ExpiryStatus::Partial));
            }
        }
    }
    let (recovery_cycles, unrecovered) = recovery(cycles, phases);
    RunScore {
        flips_per_10: flips as f64 * 10.0 / n,
        recovery_cycles,
        unrecovered,
        mean_depth: if index_cycles == 0 { 0.0 } else { depth_sum / index_cycles as f64 },
        strikes_per_cycle: strikes as f64 / n,
        instruments_per_cycle: instruments as f64 / n,
        partial_expiry_cycles: partial,
        clamp_events: events.iter().filter(|e| matches!(e.event, Event::PrefilterClamp(_))).count() as u64,
        passed: outcomes.iter().all(|o| o.passed),
    }
}

/// Mean cycles from each fault window's end back to baseline, over (window, scoped index) pairs, and how many
/// pairs never came back (module doc).
pub fn recovery(cycles: &[CycleSummary], phases: &[Phase]) -> (f64, u32) {
    let last = cycles.last().map_or(0, |c| c.cycle);
    let (mut total, mut pairs, mut unrecovered) = (0u64, 0u64, 0u32);
    for phase in phases.iter().filter(|p| p.cycles.last <= last) {
        let end = phase.cycles.last;
        let scoped = cycles
            .first()
            .into_iter()
            .flat_map(|c| &c.indices)
            .filter(|i| phase.index.as_ref().is_none_or(|n| n.eq_ignore_ascii_case(&i.index)));
        for index in scoped.map(|i| i.index.as_str()) {
            let back = cycles
                .iter()
                .filter(|c| c.cycle >= end)
                .find(|c| c.index(index).is_some_and(|i| i.depth == i.baseline));
            let cycles_back = match back {
                Some(c) => c.cycle - end,
                None => {
                    unrecovered += 1;
                    last - end + 1
                }
            };
            total += cycles_back;
            pairs += 1;
        }
    }
    (if pairs == 0 { 0.0 } else { total as f64 / pairs as f64 }, unrecovered)
}
