//! The property catalogue: what must hold in every cycle of every run, whatever the scenario, each named and
//! defined once, and checked on a run's cycle summaries.

use crate::events::CycleSummary;
use crate::vocab::{ExpiryStatus, PartialReason, closed_set};

closed_set! {
    /// A property every cycle of every run must keep.
    pub enum Property {
        /// The cycle's status totals count each expiry once, under its status.
        StatusTotalsAddUp,
        /// The cycle's partial-reason totals count each PARTIAL expiry once, under its reason.
        ReasonTotalsAddUp,
        /// A PARTIAL expiry has a partial reason; any other status has none, except a SYNTH expiry that keeps
        /// `prefilter_clamp` in parity g6 (the reference tags the clamp before the synthetic fallback).
        ReasonMatchesStatus,
        /// An index's depth is never below its baseline, on either side.
        DepthAtLeastBaseline,
    }
}

impl Property {
    /// The property's name, as outputs and files write it.
    pub fn name(self) -> &'static str {
        match self {
            Property::StatusTotalsAddUp => "status_totals_add_up",
            Property::ReasonTotalsAddUp => "reason_totals_add_up",
            Property::ReasonMatchesStatus => "reason_matches_status",
            Property::DepthAtLeastBaseline => "depth_at_least_baseline",
        }
    }

    /// What is wrong with `cycle` under this property, if anything (`parity_g6`: the mode it ran in).
    pub fn check(self, cycle: &CycleSummary, parity_g6: bool) -> Option<String> {
        let expiries = || cycle.indices.iter().flat_map(|i| i.expiries.iter().map(move |e| (i, e)));
        match self {
            Property::StatusTotalsAddUp => {
                let count = |s: ExpiryStatus| expiries().filter(|(_, e)| e.status == Some(s)).count() as u32;
                let t = &cycle.expiry_status_totals;
                let counted = [t.ok, t.partial, t.empty, t.synth];
                let seen =
                    [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth].map(count);
                (counted != seen).then(|| format!("totals (ok, partial, empty, synth) {counted:?}, expiries {seen:?}"))
            }
            Property::ReasonTotalsAddUp => {
                let count = |r: PartialReason| {
                    expiries()
                        .filter(|(_, e)| e.status == Some(ExpiryStatus::Partial) && e.partial_reason == Some(r))
                        .count() as u32
                };
                let t = &cycle.partial_reason_totals;
                let counted = [t.low_strike, t.low_field, t.low_both, t.unknown, t.prefilter_clamp.unwrap_or_default()];
                let seen = [
                    PartialReason::LowStrike,
                    PartialReason::LowField,
                    PartialReason::LowBoth,
                    PartialReason::Unknown,
                    PartialReason::PrefilterClamp,
                ]
                .map(count);
                (counted != seen).then(|| {
                    format!("totals (low_strike, low_field, low_both, unknown, prefilter_clamp) {counted:?}, expiries {seen:?}")
                })
            }
            Property::ReasonMatchesStatus => expiries().find_map(|(i, e)| {
                let quirk = parity_g6
                    && e.status == Some(ExpiryStatus::Synth)
                    && e.partial_reason == Some(PartialReason::PrefilterClamp);
                let partial = e.status == Some(ExpiryStatus::Partial);
                (partial != e.partial_reason.is_some() && !quirk)
                    .then(|| format!("{} {}: status {:?}, reason {:?}", i.index, e.rule, e.status, e.partial_reason))
            }),
            Property::DepthAtLeastBaseline => cycle.indices.iter().find_map(|i| {
                (i.depth.itm < i.baseline.itm || i.depth.otm < i.baseline.otm)
                    .then(|| format!("{}: depth {:?} below baseline {:?}", i.index, i.depth, i.baseline))
            }),
        }
    }
}

/// A property a run broke: the first cycle that broke it, and what was wrong there.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub property: Property,
    pub cycle: u64,
    pub detail: String,
}

/// Every property of the catalogue that `cycles` break, each at its first breaking cycle, in catalogue order.
pub fn violations(cycles: &[CycleSummary], parity_g6: bool) -> Vec<Violation> {
    Property::ALL
        .iter()
        .filter_map(|&property| {
            cycles
                .iter()
                .find_map(|c| property.check(c, parity_g6).map(|detail| Violation { property, cycle: c.cycle, detail }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Parity;
    use crate::explore::generate;
    use crate::run::{RunOptions, run_scenario};
    use crate::scenario::{LoadedScenario, parse};

    /// The correct rules keep every property over generated scenarios, in both modes.
    #[test]
    fn generated_runs_keep_every_property_in_both_modes() {
        let mut broken = Vec::new();
        for seed in 0..60 {
            let loaded = LoadedScenario::inline(parse("generated.ron", &generate(seed)).unwrap(), "generated.ron");
            for parity in [Parity::Off, Parity::G6] {
                let run = run_scenario(&loaded, &RunOptions { parity: Some(parity), ..RunOptions::default() }).unwrap();
                for v in violations(&run.result.cycles, parity.is_g6()) {
                    broken.push(format!(
                        "seed {seed} {parity:?}: {} at cycle {}: {}",
                        v.property.name(),
                        v.cycle,
                        v.detail
                    ));
                }
            }
        }
        assert!(broken.is_empty(), "{}", broken.join("\n"));
    }

    /// Each property catches the breach it names: one cycle of a real run, broken four ways.
    #[test]
    fn each_property_catches_its_breach() {
        let loaded = LoadedScenario::inline(parse("generated.ron", &generate(3)).unwrap(), "generated.ron");
        let run = run_scenario(&loaded, &RunOptions::default()).unwrap();
        let good = run.result.cycles[0].clone();
        assert!(Property::ALL.iter().all(|p| p.check(&good, false).is_none()));
        let broken =
            |p: Property, c: &CycleSummary| Property::ALL.iter().filter(|q| q.check(c, false).is_some()).eq([&p]);
        let mut c = good.clone();
        c.expiry_status_totals.ok += 1;
        assert!(broken(Property::StatusTotalsAddUp, &c));
        let mut c = good.clone();
        c.partial_reason_totals.low_field += 1;
        assert!(broken(Property::ReasonTotalsAddUp, &c));
        let mut c = good.clone();
        let e = c.indices[0].expiries.iter_mut().find(|e| e.status == Some(ExpiryStatus::Ok)).expect("an OK expiry");
        e.partial_reason = Some(PartialReason::LowStrike);
        assert!(broken(Property::ReasonMatchesStatus, &c));
        let mut c = good.clone();
        c.indices[0].baseline.otm = c.indices[0].depth.otm + 1;
        assert!(broken(Property::DepthAtLeastBaseline, &c));
        let v = violations(&[good, c], false);
        assert_eq!((v.len(), v[0].property, v[0].cycle), (1, Property::DepthAtLeastBaseline, 1));
        assert!(v[0].detail.contains("below baseline"), "{}", v[0].detail);
    }
}
