//! Memory pressure (`memory_bridge.py`), before the ladders are built: the process's memory fraction (a
//! `MemoryPressure` fault's; none, normal, as the reference without psutil) picks a tier through the memory
//! manager ([`crate::memory`]), whose depth scale every index's ladder takes this cycle and whose high tiers
//! turn IVs and Greeks off. Parity g6 builds a new manager each cycle, as the reference does; the default
//! keeps one for the process, so the EMA and the recovery hold smooth the tier.
//!
//! Nothing is written to the depth: the scale is the cycle's ([`super::ladder::ladder_sides`] applies it).

use super::director::ActiveFaults;
use super::recorded::RecordedHistory;
use super::schedule::{CycleBuilder, Step};
use crate::config::Config;
use crate::events::MemoryFigures;
use crate::fault::Fault;
use crate::memory::{MemoryFlags, MemoryManager, Rules};
use crate::schema::Scenario;
use crate::world::SimClock;
use bevy_ecs::prelude::*;

impl ActiveFaults {
    /// The fraction of physical RAM the process holds: the largest of the phases in force, if any.
    pub fn memory_fraction(&self) -> Option<f64> {
        self.0
            .iter()
            .filter_map(|a| if let Fault::MemoryPressure(r) = a.fault { Some(r.get()) } else { None })
            .reduce(f64::max)
    }
}

/// Whether a run of `scenario` under `config` can see memory pressure, and so reports it: a phase has a
/// `MemoryPressure` fault, the tiers are configured (a tier at threshold 0 applies without one), or a replayed
/// history recorded its tiers.
pub fn in_play(scenario: &Scenario, config: &Config) -> bool {
    config.memory_pressure_tiers.is_some()
        || scenario.phases.iter().flat_map(|p| &p.faults).any(|f| matches!(f, Fault::MemoryPressure(_)))
        || scenario.recorded.as_ref().is_some_and(|r| r.iter().any(|c| c.memory_tier.is_some()))
}

/// The memory phase's state: the manager's rules, the default's lasting manager, this cycle's flags.
#[derive(Resource, Debug, Clone)]
pub struct Memory {
    rules: Rules,
    /// The default's manager, built at the first cycle (parity g6 builds one per cycle).
    manager: Option<MemoryManager>,
    /// This cycle's evaluation.
    pub flags: MemoryFlags,
    /// Whether the run reports memory pressure ([`in_play`]).
    pub in_play: bool,
    /// The last cycle's level.
    last_level: i64,
}

impl Memory {
    pub fn new(config: &Config, in_play: bool) -> Self {
        Memory { rules: config.memory_rules(), manager: None, flags: MemoryFlags::normal(), in_play, last_level: 0 }
    }

    /// One cycle's evaluation at `now_s` (simulated seconds) with the process at `fraction` of physical RAM.
    pub fn step(&mut self, fraction: f64, now_s: f64) {
        self.last_level = self.flags.level;
        self.flags = if self.rules.fixed {
            let rules = &self.rules;
            self.manager.get_or_insert_with(|| MemoryManager::new(rules.clone(), now_s)).evaluate(fraction, now_s)
        } else {
            MemoryManager::once(&self.rules, fraction, now_s)
        };
    }

    /// A replayed cycle under the tier the collector recorded (its level, taken as is: the recorded decision is
    /// the manager's). The tier's actions count as applied when the level changes, and in parity g6 at every
    /// cycle above normal, as its manager of one cycle applies them.
    pub fn step_recorded(&mut self, level: u8) {
        self.last_level = self.flags.level;
        let level = i64::from(level);
        let apply = level > 0 && (level != self.last_level || !self.rules.fixed);
        self.flags = crate::memory::recorded_tier(&self.rules, level, apply);
    }

    /// The factor this cycle's ladders are scaled by.
    pub fn depth_scale(&self) -> f64 {
        self.flags.depth_scale
    }

    /// What `cycles.jsonl` reports, when the run can see memory pressure.
    pub fn figures(&self) -> Option<MemoryFigures> {
        let f = &self.flags;
        self.in_play.then(|| MemoryFigures {
            fraction: f.fraction,
            level: f.level,
            tier: f.tier.clone(),
            changed: f.level != self.last_level,
            depth_scale: f.depth_scale,
            greeks_enabled: f.greeks_allowed(),
            per_option_metrics_enabled: f.per_option_metrics_enabled,
            seconds_in_level: f.seconds_in_level,
            downgrade_pending: f.downgrade_pending,
            actions: f.applied.iter().map(|a| a.name().to_string()).collect(),
        })
    }
}

/// Evaluates the memory manager for this cycle; a replayed cycle takes the tier its history recorded, if any.
pub fn evaluate_memory(
    clock: Res<SimClock>,
    active: Option<Res<ActiveFaults>>,
    history: Option<Res<RecordedHistory>>,
    mut memory: ResMut<Memory>,
) {
    if let Some(level) = history.as_ref().and_then(|h| h.this_cycle()).and_then(|c| c.memory_tier) {
        memory.step_recorded(level);
        return;
    }
    let fraction = active.and_then(|a| a.memory_fraction()).unwrap_or(0.0);
    memory.step(fraction, clock.unix() as f64);
}

/// Registers the memory phase: its state, and its evaluation at the start of the cycle.
pub fn plugin(cycle: &mut CycleBuilder) {
    let seed = cycle.seed;
    let memory = Memory::new(&seed.config, in_play(seed.scenario, &seed.config));
    cycle.world.insert_resource(memory);
    cycle.add(Step::Memory, evaluate_memory);
}
