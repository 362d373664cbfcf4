//! The property catalogue's checks ([`Property`]): what must hold in every cycle of every run, whatever the
//! scenario, judged against the run's [`Setting`] (its configuration and fault windows). Each property is
//! named and defined once (the schema's `Property`, docs/properties.md) and checked here by an exhaustive
//! `match`; the expectation `Keeps(property)` runs these checks cycle by cycle in the [`super::Evaluator`].

use crate::config::Config;
use crate::events::{CycleSummary, LoggedEvent};
use crate::schema::{Property, Scenario, Window};
use crate::vocab::{ExpiryStatus, PartialReason};

/// What a run's properties are judged against: the mode, the configuration and the fault windows.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The run is in parity g6 (where the reference's quirks are reproduced).
    pub parity_g6: bool,
    pub config: Config,
    /// The cycle windows of the scenario's fault phases, in the scenario's order.
    pub faults: Vec<Window>,
}

impl Setting {
    /// The setting of a run of `scenario` under `config`.
    pub fn of(scenario: &Scenario, config: &Config) -> Self {
        Setting {
            parity_g6: config.parity.is_g6(),
            config: config.clone(),
            faults: scenario.phases.iter().map(|p| p.cycles).collect(),
        }
    }

    /// The last cycle of any fault window (`None` without faults).
    pub fn last_fault(&self) -> Option<u64> {
        self.faults.iter().map(|w| w.last).max()
    }
}

/// What a property remembers of the run so far (the properties that look at one cycle at a time keep nothing).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Watch {}

/// What is wrong with `cycle` under `property`, if anything, given the run so far (`watch`, updated here).
pub fn check(
    property: Property,
    setting: &Setting,
    watch: &mut Watch,
    cycle: &CycleSummary,
    events: &[LoggedEvent],
) -> Option<String> {
    let _ = (&watch, events);
    let parity_g6 = setting.parity_g6;
    let expiries = || cycle.indices.iter().flat_map(|i| i.expiries.iter().map(move |e| (i, e)));
    match property {
        Property::StatusTotalsAddUp => {
            let count = |s: ExpiryStatus| expiries().filter(|(_, e)| e.status == Some(s)).count() as u32;
            let t = &cycle.expiry_status_totals;
            let counted = [t.ok, t.partial, t.empty, t.synth];
            let seen = [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth].map(count);
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
                format!(
                    "totals (low_strike, low_field, low_both, unknown, prefilter_clamp) {counted:?}, expiries {seen:?}"
                )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{RunOptions, run_scenario};
    use crate::scenario::{Evaluator, Expectation, LoadedScenario, parse};

    const SCENARIO: &str = r#"Scenario(name: "props", start: "2025-10-06T09:15:00+05:30", cycles: 12,
        indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"], depth: (itm: 6, otm: 6))],
        phases: [(name: "dip", cycles: (3, 5), faults: [StrikeDropout(0.5)])])"#;

    /// Each property catches the breach it names: one cycle of a real run, broken four ways, judged by the
    /// evaluator as `Keeps(property)`.
    #[test]
    fn each_property_catches_its_breach() {
        let loaded = LoadedScenario::inline(parse("props.ron", SCENARIO).unwrap(), "props.ron");
        let run = run_scenario(&loaded, &RunOptions::default()).unwrap();
        let setting = Setting::of(&loaded.scenario, &run.prepared.config);
        let good = run.result.cycles[0].clone();
        let broken_by = |c: &CycleSummary| -> Vec<Property> {
            Property::ALL
                .iter()
                .copied()
                .filter(|&p| check(p, &setting, &mut Watch::default(), c, &[]).is_some())
                .collect()
        };
        assert_eq!(broken_by(&good), []);
        let mut c = good.clone();
        c.expiry_status_totals.ok += 1;
        assert_eq!(broken_by(&c), [Property::StatusTotalsAddUp]);
        let mut c = good.clone();
        c.partial_reason_totals.low_field += 1;
        assert_eq!(broken_by(&c), [Property::ReasonTotalsAddUp]);
        let mut c = good.clone();
        let e = c.indices[0].expiries.iter_mut().find(|e| e.status == Some(ExpiryStatus::Ok)).expect("an OK expiry");
        e.partial_reason = Some(PartialReason::LowStrike);
        assert_eq!(broken_by(&c), [Property::ReasonMatchesStatus]);
        let mut c = good.clone();
        c.indices[0].baseline.otm = c.indices[0].depth.otm + 1;
        assert_eq!(broken_by(&c), [Property::DepthAtLeastBaseline]);
        c.cycle = 2;
        let expectations: Vec<Expectation> = Property::ALL.iter().map(|&p| Expectation::Keeps(p)).collect();
        let mut evaluator = Evaluator::new(&expectations, setting);
        evaluator.observe(&good, &[]);
        evaluator.observe(&c, &[]);
        let outcomes = evaluator.finish();
        let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed).collect();
        assert_eq!(failed.len(), 1, "{outcomes:?}");
        assert_eq!((failed[0].expectation.as_str(), failed[0].cycle), ("keeps depth_at_least_baseline", Some(2)));
        assert!(failed[0].detail.contains("below baseline"), "{}", failed[0].detail);
    }
}
