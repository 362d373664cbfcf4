//! A world and its cycle schedule: build one from a [`WorldSeed`], tick it one collection cycle at a time,
//! and take what the cycles produced.

use super::schedule;
use super::spawn::{WorldSeed, build_world};
use crate::events::{CycleSummary, LoggedEvent};
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::ScheduleBuildError;

/// A world and its cycle schedule.
pub struct Simulation {
    world: World,
    schedule: Schedule,
}

impl Simulation {
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

    /// The world, for inspection with queries.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }
}

/// The unit tests' and the benchmarks' ways in: a world straight from a scenario, and a look at it.
#[cfg(any(test, feature = "internals"))]
impl Simulation {
    /// Builds the world for a scenario with a resolved configuration and seed.
    pub fn new(
        scenario: &crate::schema::Scenario,
        config: crate::config::Config,
        seed: u64,
    ) -> Result<Self, ScheduleBuildError> {
        Self::with_spawn_order(scenario, config, seed, crate::world::SpawnOrder::Forward)
    }

    /// As [`Simulation::new`], spawning entities in `spawn_order` (the determinism canary runs both).
    pub fn with_spawn_order(
        scenario: &crate::schema::Scenario,
        config: crate::config::Config,
        seed: u64,
        spawn_order: crate::world::SpawnOrder,
    ) -> Result<Self, ScheduleBuildError> {
        Self::from_seed(WorldSeed { scenario, config, seed, spawn_order, universe: None })
    }

    /// The world, for inspection.
    pub fn world(&self) -> &World {
        &self.world
    }
}

/// What a run produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunResult {
    pub cycles: Vec<CycleSummary>,
    pub events: Vec<LoggedEvent>,
}

/// The world's shape: instruments become entities only when matched to a ladder, persist across cycles
/// while they stay matched, and sit wherever the spawn order put them without any output noticing.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Scenario;
    use crate::world::{Expiry, ExpiryOrder, Instrument, InstrumentSet, SpawnOrder};
    use std::collections::BTreeSet;

    fn simulation(text: &str, order: SpawnOrder) -> Simulation {
        let scenario = Scenario::from_ron(text);
        Simulation::with_spawn_order(&scenario, scenario.config.clone(), scenario.seed, order).unwrap()
    }

    /// The instrument entities of each expiry, in expiry order.
    fn instrument_sets(sim: &mut Simulation) -> Vec<BTreeSet<Entity>> {
        let world = sim.world_mut();
        let mut q = world.query::<(&ExpiryOrder, &InstrumentSet)>();
        let mut sets: Vec<_> = q.iter(world).map(|(o, s)| (*o, s.entities().collect())).collect();
        sets.sort_by_key(|(o, _)| *o);
        sets.into_iter().map(|(_, s)| s).collect()
    }

    fn instrument_count(sim: &mut Simulation) -> usize {
        let world = sim.world_mut();
        world.query::<&Instrument>().iter(world).count()
    }

    const ENTITIES: &str = r#"Scenario(
        name: "entities", start: "2025-10-06T09:15:00+05:30", cycles: 6,
        indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"])],
        market: (levels: [(cycle: 3, index: "NIFTY", price: 24850.0)]),
        phases: [(name: "dark", cycles: (5, 5), rule: "next_week", faults: [Outage])],
    )"#;

    #[test]
    fn matched_instruments_persist_and_only_the_ladder_becomes_entities() {
        let mut sim = simulation(ENTITIES, SpawnOrder::Forward);
        sim.tick();
        let first = instrument_sets(&mut sim);
        assert_eq!(first.iter().map(BTreeSet::len).collect::<Vec<_>>(), vec![42, 42], "21 strikes x CE/PE per expiry");
        assert_eq!(instrument_count(&mut sim), 84, "the universe has ~1300 rows; only matched ones are entities");
        sim.tick();
        assert_eq!(instrument_sets(&mut sim), first, "the same entities are reused when nothing moves");
        // The price moves up one strike: the ladder shifts, 40 of 42 instruments persist per expiry.
        sim.tick();
        let shifted = instrument_sets(&mut sim);
        for (before, after) in first.iter().zip(&shifted) {
            assert_eq!(after.len(), 42);
            assert_eq!(before.intersection(after).count(), 40);
        }
        assert_eq!(instrument_count(&mut sim), 84, "the two dropped out are despawned");
        // Every instrument entity points back at an expiry that lists it.
        let world = sim.world_mut();
        let mut q = world.query::<(Entity, &Instrument)>();
        let owners: Vec<_> = q.iter(world).map(|(e, i)| (e, i.expiry)).collect();
        for (entity, expiry) in owners {
            assert!(world.get::<Expiry>(expiry).is_some());
            assert!(world.get::<InstrumentSet>(expiry).unwrap().entities().any(|e| e == entity));
        }
    }

    #[test]
    fn an_outage_despawns_the_expirys_instruments_and_recovery_respawns_them() {
        let mut sim = simulation(ENTITIES, SpawnOrder::Forward);
        for _ in 0..5 {
            sim.tick();
        }
        let sets = instrument_sets(&mut sim);
        assert_eq!((sets[0].len(), sets[1].len()), (42, 0));
        assert_eq!(instrument_count(&mut sim), 42);
        sim.tick();
        assert_eq!(instrument_count(&mut sim), 84);
    }

    const LAYOUT: &str = r#"Scenario(
        name: "streams", seed: 99, start: "2025-10-06T09:15:00+05:30", cycles: 8,
        indices: [
            (symbol: "NIFTY", expiries: ["this_week", "next_week"]),
            (symbol: "BANKNIFTY", expiries: ["this_week"]),
        ],
        market: (volatility_per_cycle: 0.002),
        phases: [(name: "noise", cycles: (2, 7), faults: [StrikeDropout(0.3), FieldDropout(0.2)])],
    )"#;

    /// Where a world's entities sit after its first cycle: expiries and instruments (by owning expiry and
    /// token) as an unsorted query yields them, then by entity id.
    struct Layout {
        expiries: [Vec<ExpiryOrder>; 2],
        instruments: [Vec<(ExpiryOrder, u64)>; 2],
    }

    /// Every instrument set member is a live instrument entity of that expiry (no placeholder left behind).
    fn sets_are_whole(sim: &mut Simulation) -> bool {
        let world = sim.world_mut();
        let sets: Vec<(Entity, Vec<(u64, Entity)>)> = world
            .query::<(Entity, &InstrumentSet)>()
            .iter(world)
            .map(|(e, s)| (e, s.0.iter().map(|m| (m.token, m.entity)).collect()))
            .collect();
        let mut instruments = world.query::<&Instrument>();
        let total = instruments.iter(world).count();
        let members: usize = sets.iter().map(|(_, s)| s.len()).sum();
        total == members
            && sets.iter().all(|(expiry, set)| {
                set.iter().all(|(token, e)| {
                    instruments.get(world, *e).is_ok_and(|i| i.token == *token && i.expiry == *expiry)
                })
            })
    }

    fn layout(order: SpawnOrder) -> Layout {
        let mut sim = simulation(LAYOUT, order);
        sim.tick();
        assert!(sets_are_whole(&mut sim));
        let world = sim.world_mut();
        let expiries: Vec<(Entity, ExpiryOrder)> =
            world.query::<(Entity, &ExpiryOrder)>().iter(world).map(|(e, o)| (e, *o)).collect();
        let owner = |e: Entity| expiries.iter().find(|(x, _)| *x == e).map(|(_, o)| *o).unwrap();
        let instruments: Vec<(Entity, (ExpiryOrder, u64))> =
            world.query::<(Entity, &Instrument)>().iter(world).map(|(e, i)| (e, (owner(i.expiry), i.token))).collect();
        fn by_id<T: Copy>(mut v: Vec<(Entity, T)>) -> [Vec<T>; 2] {
            let query = v.iter().map(|(_, t)| *t).collect();
            v.sort_by_key(|(e, _)| *e);
            [query, v.into_iter().map(|(_, t)| t).collect()]
        }
        Layout { expiries: by_id(expiries), instruments: by_id(instruments) }
    }

    /// The determinism canary has teeth: a reversed world really does hand its entities out in the opposite
    /// order, so an unsorted query that reached an output would show up as a difference.
    #[test]
    fn reverse_spawn_order_reverses_entities_and_instruments() {
        let (forward, reverse) = (layout(SpawnOrder::Forward), layout(SpawnOrder::Reverse));
        let scenario_order = vec![ExpiryOrder(0, 0), ExpiryOrder(0, 1), ExpiryOrder(1, 0)];
        // A query yields a table in spawn order; ids go whichever way the allocator hands them out.
        assert_eq!(forward.expiries[0], scenario_order);
        for k in 0..2 {
            assert_eq!(reverse.expiries[k], forward.expiries[k].iter().rev().copied().collect::<Vec<_>>());
            assert_eq!(forward.instruments[k].len(), 3 * 42);
            assert_eq!(reverse.instruments[k], forward.instruments[k].iter().rev().copied().collect::<Vec<_>>());
        }
        // Instruments drop out and come back (strike dropout, then a moving market): every set stays whole.
        for order in [SpawnOrder::Forward, SpawnOrder::Reverse] {
            let mut sim = simulation(LAYOUT, order);
            for _ in 0..8 {
                sim.tick();
                assert!(sets_are_whole(&mut sim), "{order:?}");
            }
        }
    }
}
