//! Wall-clock phase timings of the current cycle, for the benchmark artifacts (B7) only.
//!
//! This is the one place g6sim reads a clock other than the simulated one. The timings never reach a
//! deterministic output (events, cycles, metrics, manifest): they feed `duration_s` and `phase_times` of
//! the benchmark artifacts, the only fields that vary between runs (docs/outputs.md).

use super::schedule::{CycleBuilder, Step};
use bevy_ecs::prelude::*;
use std::time::Instant;

/// Seconds spent in each phase of the current cycle, in phase order.
#[derive(Resource, Debug, Clone, Default)]
pub struct PhaseTimes {
    started: Option<Instant>,
    last: Option<Instant>,
    pub phases: Vec<(&'static str, f64)>,
    /// Seconds from the cycle's start to its last mark.
    pub total_s: f64,
}

impl PhaseTimes {
    fn start(&mut self) {
        let now = Instant::now();
        self.started = Some(now);
        self.last = Some(now);
        self.phases.clear();
        self.total_s = 0.0;
    }
    fn mark(&mut self, phase: &'static str) {
        let now = Instant::now();
        let since = |t: Option<Instant>| t.map_or(0.0, |t| now.duration_since(t).as_secs_f64());
        self.phases.push((phase, since(self.last)));
        self.total_s = since(self.started);
        self.last = Some(now);
    }
}

/// The first system of a cycle: starts the phase clock.
pub fn start_cycle_clock(mut times: ResMut<PhaseTimes>) {
    times.start();
}

/// A system that closes the phase `name` (the time since the previous mark).
pub fn phase_done(name: &'static str) -> impl FnMut(ResMut<PhaseTimes>) {
    move |mut times: ResMut<PhaseTimes>| times.mark(name)
}

/// Registers the phase clock: it starts in [`Step::Clock`] and each [`Step::Mark`] of the cycle closes a phase.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.world.insert_resource(PhaseTimes::default());
    cycle.add(Step::Clock, start_cycle_clock);
    for name in cycle.marks() {
        cycle.add(Step::Mark(name), phase_done(name));
    }
}
