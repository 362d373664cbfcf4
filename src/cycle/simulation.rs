//! A world and its cycle schedule: build one from a [`WorldSeed`], tick it one collection cycle at a time,
//! and take what the cycles produced.

use super::schedule;
use super::spawn::{WorldSeed, build_world};
use crate::config::Config;
use crate::events::{CycleSummary, LoggedEvent};
use crate::schema::Scenario;
use crate::world::{self, SpawnOrder};
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::ScheduleBuildError;

/// A world and its cycle schedule.
pub struct Simulation {
    world: World,
    schedule: Schedule,
}

impl Simulation {
    /// Builds the world for a scenario with a resolved configuration and seed.
    pub fn new(scenario: &Scenario, config: Config, seed: u64) -> Result<Self, ScheduleBuildError> {
        Self::with_spawn_order(scenario, config, seed, SpawnOrder::Forward)
    }

    /// As [`Simulation::new`], spawning entities in `spawn_order` (the determinism canary runs both).
    pub fn with_spawn_order(
        scenario: &Scenario,
        config: Config,
        seed: u64,
        spawn_order: SpawnOrder,
    ) -> Result<Self, ScheduleBuildError> {
        Self::from_seed(WorldSeed { scenario, config, seed, spawn_order, universe: None })
    }

    /// Builds the world a [`WorldSeed`] describes (with an instruments dump, its universe; with a
    /// recorded history, the replay schedule).
    pub fn from_seed(seed: WorldSeed<'_>) -> Result<Self, ScheduleBuildError> {
        let mut world = build_world(&seed);
        let schedule = schedule::build(&mut world, &seed)?;
        Ok(Self { world, schedule })
    }

    /// Runs one collection cycle.
    pub fn tick(&mut self) {
        self.schedule.run(&mut self.world);
        // The world's per-frame bookkeeping (an `App` does this every update): without it bevy keeps every
        // despawned instrument's removed-component record, and memory grows with the run's length.
        self.world.clear_trackers();
    }

    /// The world, for inspection.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The world, for inspection with queries.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Runs `cycles` cycles and hands back what they produced.
    pub fn run(mut self, cycles: u64) -> RunResult {
        for _ in 0..cycles {
            self.tick();
        }
        self.finish()
    }

    /// Hands back what the cycles run so far produced.
    pub fn finish(mut self) -> RunResult {
        let events = std::mem::take(&mut self.world.resource_mut::<world::EventLog>().events);
        let cycles = std::mem::take(&mut self.world.resource_mut::<world::CycleLog>().cycles);
        RunResult { cycles, events }
    }
}

/// What a run produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunResult {
    pub cycles: Vec<CycleSummary>,
    pub events: Vec<LoggedEvent>,
}
