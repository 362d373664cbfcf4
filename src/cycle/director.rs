//! Phase 1: the scenario director. Advances the simulated clock and the cycle counter, and activates the
//! faults whose phase window covers this cycle. The phase that applies a fault kind (`fault::FaultKind::phase`)
//! reads it from [`ActiveFaults`].

use super::schedule::{CycleBuilder, Step};
use crate::calendar::ExpiryRule;
use crate::fault::Fault;
use crate::schema::{Market, Phase, ProviderSpec};
use crate::world::{CycleCounter, LastCycleTime, SimClock};
use bevy_ecs::prelude::*;

/// The scenario's script: market path, provider shape and fault phases.
#[derive(Resource, Debug, Clone, Default)]
pub struct Script {
    pub market: Market,
    pub provider: ProviderSpec,
    pub phases: Vec<Phase>,
}

/// A fault in force this cycle, with its scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveFault {
    /// `None`: every index.
    pub index: Option<String>,
    /// `None`: every expiry of the scoped indices.
    pub rule: Option<ExpiryRule>,
    pub fault: Fault,
}

/// The faults in force this cycle, in scenario order.
#[derive(Resource, Debug, Clone, Default)]
pub struct ActiveFaults(pub Vec<ActiveFault>);

impl ActiveFaults {
    /// The faults of every phase whose window covers cycle `cycle`.
    pub fn at(phases: &[Phase], cycle: u64) -> Self {
        #[cfg(test)]
        let outlives = |p: &Phase, cycle: u64| {
            super::planted::planted(super::planted::Bug::FaultOutlivesWindow)
                && (p.cycles.last + 1..=p.cycles.last + 2).contains(&cycle)
        };
        #[cfg(not(test))]
        let outlives = |_: &Phase, _: u64| false;
        Self(
            phases
                .iter()
                .filter(|p| p.cycles.contains(cycle) || outlives(p, cycle))
                .flat_map(|p| {
                    p.faults.iter().map(|f| ActiveFault { index: p.index.clone(), rule: p.rule, fault: f.clone() })
                })
                .collect(),
        )
    }

    /// The faults in force on `index` (case-insensitive) from phases of every index or of that one and, with
    /// `rule`, on that expiry rule (phases of every rule or of that one); without `rule`, the faults of phases
    /// that name no rule (the index-wide ones). Each phase that applies a fault reads it through this, in its
    /// own `impl ActiveFaults` (how overlapping phases combine is the phase's rule).
    pub fn matching<'a>(&'a self, index: &'a str, rule: Option<ExpiryRule>) -> impl Iterator<Item = &'a Fault> + 'a {
        self.0
            .iter()
            .filter(move |a| a.index.as_deref().is_none_or(|i| i.eq_ignore_ascii_case(index)))
            .filter(move |a| match (a.rule, rule) {
                (None, _) => true,
                (Some(r), Some(q)) => r == q,
                (Some(_), None) => false,
            })
            .map(|a| &a.fault)
    }
}

/// Starts the next cycle: the first at the scenario's start, each later one an interval after the last, or
/// later when the last cycle took longer ([`LastCycleTime`], the cycle-time phase's).
pub fn begin_cycle(mut counter: ResMut<CycleCounter>, mut clock: ResMut<SimClock>, last: Res<LastCycleTime>) {
    counter.0 += 1;
    if counter.0 == 1 {
        clock.set_cycle(1);
    } else {
        clock.next_cycle(last.time.elapsed_s);
    }
}

/// Activates the faults of every phase whose window covers this cycle.
pub fn activate_faults(script: Res<Script>, counter: Res<CycleCounter>, mut active: ResMut<ActiveFaults>) {
    *active = ActiveFaults::at(&script.phases, counter.0);
}

/// Registers the director: the scenario's script and the active faults, then advancing the cycle.
pub fn plugin(cycle: &mut CycleBuilder) {
    let scenario = cycle.seed.scenario;
    cycle.world.insert_resource(Script {
        market: scenario.market.clone(),
        provider: scenario.provider.clone(),
        phases: scenario.phases.clone(),
    });
    cycle.world.insert_resource(ActiveFaults::default());
    cycle.add(Step::Director, (begin_cycle, activate_faults).chain());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Ratio;

    #[test]
    fn scopes_and_combination() {
        let r = |v| Ratio::new(v).unwrap();
        let faults = ActiveFaults(vec![
            ActiveFault {
                index: Some("NIFTY".into()),
                rule: Some(ExpiryRule::ThisWeek),
                fault: Fault::StrikeDropout(r(0.4)),
            },
            ActiveFault { index: None, rule: None, fault: Fault::StrikeDropout(r(0.2)) },
            ActiveFault { index: Some("nifty".into()), rule: None, fault: Fault::Oversize(100) },
            ActiveFault { index: None, rule: None, fault: Fault::Oversize(50) },
            ActiveFault { index: Some("BANKNIFTY".into()), rule: Some(ExpiryRule::NextWeek), fault: Fault::Outage },
        ]);
        assert_eq!(faults.strike_dropout("NIFTY", ExpiryRule::ThisWeek), 0.4);
        assert_eq!(faults.strike_dropout("NIFTY", ExpiryRule::NextWeek), 0.2);
        assert_eq!(faults.oversize("NIFTY"), 150);
        assert_eq!(faults.oversize("SENSEX"), 50);
        assert!(faults.outage("BANKNIFTY", ExpiryRule::NextWeek));
        assert!(!faults.outage("BANKNIFTY", ExpiryRule::ThisWeek));
        assert_eq!(faults.field_dropout("NIFTY", ExpiryRule::ThisWeek), 0.0);
    }
}
