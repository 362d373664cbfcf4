//! Reachability: how often an exploration reached each event, status, partial reason, fault kind, clamp
//! strategy and adaptive branch, and which it never reached. Every name of every category is listed from its
//! catalogue, so a count of 0 is a name the exploration never exercised.

use crate::config::Config;
use crate::events::{ClampStrategy, CycleSummary, EVENT_NAMES, Event, LoggedEvent};
use crate::fault::FaultKind;
use crate::schema::Phase;
use crate::vocab::{AdjustReason, ExpiryStatus, PartialReason, closed_set};
use serde::Serialize;
use std::collections::BTreeMap;

closed_set! {
    /// What one index's adaptive step did in one cycle, as its summary and events show it.
    pub enum Branch {
        /// The depth grew (a `strike_depth_adjustment` with reason `low_strike_cov`).
        Expand,
        /// The depth shrank back toward the baseline.
        Contract,
        /// Strike coverage was under the trigger, with options, and the depth did not grow: it is at the cap.
        Capped,
        /// A full healthy streak above the baseline and no contraction: the cooldown held it back.
        CooldownBlocked,
        /// The healthy streak fell back to 0 without a contraction.
        StreakReset,
    }
}

impl Branch {
    /// The branch's name, as `explore.json` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Branch::Expand => "expand",
            Branch::Contract => "contract",
            Branch::Capped => "capped",
            Branch::CooldownBlocked => "cooldown_blocked",
            Branch::StreakReset => "streak_reset",
        }
    }
}

/// The categories, in the order outputs list them.
const CATEGORIES: [&str; 6] = ["event", "status", "partial_reason", "fault", "clamp", "adaptive"];

/// The statuses an expiry's summary can carry, as the `status` category lists them.
const STATUSES: [ExpiryStatus; 4] = [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth];

/// The clamp strategies, as the `clamp` category lists them.
const CLAMPS: [ClampStrategy; 2] = [ClampStrategy::Head, ClampStrategy::LadderSpread];

/// Counts per category and name, every name of every category present (0 when never reached).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reach(BTreeMap<&'static str, BTreeMap<String, u64>>);

impl Default for Reach {
    fn default() -> Self {
        let names = |category: &str| -> Vec<String> {
            let names: Vec<&str> = match category {
                "event" => EVENT_NAMES.to_vec(),
                "status" => STATUSES.map(ExpiryStatus::as_str).to_vec(),
                "partial_reason" => PartialReason::ALL.map(PartialReason::as_str).to_vec(),
                "fault" => return FaultKind::ALL.iter().map(|k| format!("{k:?}")).collect(),
                "clamp" => CLAMPS.map(ClampStrategy::as_str).to_vec(),
                _ => Branch::ALL.iter().map(|b| b.name()).collect(),
            };
            names.into_iter().map(str::to_string).collect()
        };
        Reach(CATEGORIES.iter().map(|&c| (c, names(c).into_iter().map(|n| (n, 0)).collect())).collect())
    }
}

impl Reach {
    fn add(&mut self, category: &'static str, name: &str, n: u64) {
        let counts = self.0.get_mut(category).expect("a category of CATEGORIES");
        *counts.get_mut(name).unwrap_or_else(|| panic!("{category} {name} is not in its catalogue")) += n;
    }

    /// Adds counts read back from an `explore.json` (category, name, count); a name the catalogue does not
    /// have is an error.
    pub fn add_named(&mut self, category: &str, name: &str, n: u64) -> Result<(), String> {
        let counts = self.0.iter_mut().find(|(c, _)| **c == category).map(|(_, counts)| counts);
        let count =
            counts.and_then(|c| c.get_mut(name)).ok_or_else(|| format!("reach: no `{category}.{name}` here"))?;
        *count += n;
        Ok(())
    }

    /// Adds another exploration's counts to these.
    pub fn merge(&mut self, other: &Reach) {
        for (category, counts) in &other.0 {
            for (name, n) in counts {
                self.add(category, name, *n);
            }
        }
    }

    /// The count of `name` in `category` (0 for a name the category does not have).
    pub fn get(&self, category: &str, name: &str) -> u64 {
        self.0.get(category).and_then(|c| c.get(name)).copied().unwrap_or(0)
    }

    /// `category.name` of every name never reached, in the categories' order.
    pub fn never_reached(&self) -> Vec<String> {
        CATEGORIES
            .iter()
            .flat_map(|c| self.0[c].iter().filter(|(_, n)| **n == 0).map(move |(name, _)| format!("{c}.{name}")))
            .collect()
    }

    /// The categories and their counts, in the outputs' order.
    pub fn categories(&self) -> impl Iterator<Item = (&'static str, &BTreeMap<String, u64>)> {
        CATEGORIES.iter().map(|c| (*c, &self.0[c]))
    }
}

/// Counts one run's reach cycle by cycle, remembering each index's last healthy streak. Counts are tallied
/// by position in each category's list (a cycle costs no lookup by name) and named once, by [`Self::finish`].
#[derive(Clone, Debug)]
pub struct ReachCounter {
    /// The fault kinds' counts, known from the phases when the counter is made.
    reach: Reach,
    events: [u64; EVENT_NAMES.len()],
    statuses: [u64; STATUSES.len()],
    reasons: Vec<u64>,
    clamps: [u64; CLAMPS.len()],
    branches: Vec<u64>,
    trigger: f64,
    ok_cycles: u32,
    /// Each index's healthy streak at its last cycle, in the order indices first came.
    streaks: Vec<(String, u32)>,
}

impl ReachCounter {
    /// A counter for a run of `phases` under `config`: the fault kinds count the cycles of their phases.
    pub fn new(config: &Config, phases: &[Phase], cycles: u64) -> Self {
        let mut reach = Reach::default();
        for phase in phases {
            let active = phase.cycles.last.min(cycles).saturating_sub(phase.cycles.first - 1);
            for fault in &phase.faults {
                reach.add("fault", &format!("{:?}", fault.kind()), active);
            }
        }
        ReachCounter {
            reach,
            events: [0; EVENT_NAMES.len()],
            statuses: [0; STATUSES.len()],
            reasons: vec![0; PartialReason::ALL.len()],
            clamps: [0; CLAMPS.len()],
            branches: vec![0; Branch::ALL.len()],
            trigger: config.expansion_trigger(),
            ok_cycles: config.contract_ok_cycles,
            streaks: Vec::new(),
        }
    }

    /// Folds in one cycle and its events.
    pub fn observe(&mut self, cycle: &CycleSummary, events: &[LoggedEvent]) {
        for e in events {
            self.count_event(e.event.name(), 1);
        }
        for index in &cycle.indices {
            for e in &index.expiries {
                if let Some(status) = e.status {
                    self.statuses[position(&STATUSES, status)] += 1;
                    if let (ExpiryStatus::Partial, Some(reason)) = (status, e.partial_reason) {
                        self.reasons[position(&PartialReason::ALL, reason)] += 1;
                    }
                }
                if let Some(clamp) = &e.clamp {
                    self.clamps[position(&CLAMPS, clamp.strategy)] += 1;
                }
            }
            let adjusted = |reason: AdjustReason| {
                events.iter().any(|e| {
                    matches!(&e.event, Event::StrikeDepthAdjustment(a) if a.index == index.index && a.reason == reason)
                })
            };
            let (expanded, contracted) = (adjusted(AdjustReason::Expansion), adjusted(AdjustReason::Contraction));
            let low = index
                .expiries
                .iter()
                .any(|e| e.failure.is_none() && e.options > 0 && e.strike_coverage.is_some_and(|s| s < self.trigger));
            let above = index.depth.itm > index.baseline.itm || index.depth.otm > index.baseline.otm;
            let previous = match self.streaks.iter_mut().find(|(name, _)| *name == index.index) {
                Some((_, streak)) => std::mem::replace(streak, index.healthy_streak),
                None => {
                    self.streaks.push((index.index.clone(), index.healthy_streak));
                    0
                }
            };
            let branches = [
                (Branch::Expand, expanded),
                (Branch::Contract, contracted),
                (Branch::Capped, low && !expanded),
                (Branch::CooldownBlocked, index.healthy_streak >= self.ok_cycles.max(1) && above && !contracted),
                (Branch::StreakReset, previous > 0 && index.healthy_streak == 0 && !contracted),
            ];
            for (branch, reached) in branches {
                if reached {
                    self.branches[position(Branch::ALL, branch)] += 1;
                }
            }
        }
    }

    /// Counts `n` more of event `name` this cycle: the events a run counts without building them.
    pub(crate) fn count_event(&mut self, name: &str, n: u64) {
        let at = EVENT_NAMES.iter().position(|e| *e == name);
        self.events[at.unwrap_or_else(|| panic!("event {name} is not in its catalogue"))] += n;
    }

    /// The run's counts.
    pub fn finish(mut self) -> Reach {
        let named = [
            ("event", EVENT_NAMES.to_vec(), &self.events[..]),
            ("status", STATUSES.map(ExpiryStatus::as_str).to_vec(), &self.statuses[..]),
            ("partial_reason", PartialReason::ALL.iter().map(|r| r.as_str()).collect(), &self.reasons[..]),
            ("clamp", CLAMPS.map(ClampStrategy::as_str).to_vec(), &self.clamps[..]),
            ("adaptive", Branch::ALL.iter().map(|b| b.name()).collect(), &self.branches[..]),
        ];
        for (category, names, counts) in named {
            for (name, &n) in names.into_iter().zip(counts).filter(|(_, n)| **n > 0) {
                self.reach.add(category, name, n);
            }
        }
        self.reach
    }
}

/// Where `kind` is in `list`, a category's list of its kinds.
fn position<T: PartialEq + std::fmt::Debug>(list: &[T], kind: T) -> usize {
    list.iter().position(|k| *k == kind).unwrap_or_else(|| panic!("{kind:?} is not in its catalogue"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name of every category starts at 0 and is listed as never reached; merging adds counts.
    #[test]
    fn counts_start_at_zero_and_merge() {
        let mut a = Reach::default();
        let all = a.never_reached();
        assert!(all.contains(&"adaptive.cooldown_blocked".to_string()) && all.contains(&"status.EMPTY".to_string()));
        assert_eq!(all.len(), EVENT_NAMES.len() + 4 + 5 + FaultKind::ALL.len() + 2 + Branch::ALL.len());
        let mut b = Reach::default();
        b.add("adaptive", "expand", 3);
        a.merge(&b);
        a.merge(&b);
        assert_eq!(a.get("adaptive", "expand"), 6);
        assert!(!a.never_reached().contains(&"adaptive.expand".to_string()));
    }
}
