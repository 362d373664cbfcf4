//! The world's shape: instruments become entities only when matched to a ladder, and persist across
//! cycles while they stay matched.

use crate::common::*;
use g6sim::Simulation;
use g6sim::world::{Expiry, ExpiryOrder, Instrument, InstrumentSet};
use std::collections::BTreeSet;

fn simulation(text: &str) -> Simulation {
    let loaded = scenario(text);
    Simulation::new(&loaded.scenario, loaded.scenario.config.clone(), loaded.scenario.seed).unwrap()
}

/// The instrument entities of each expiry, in expiry order.
fn instrument_sets(sim: &mut Simulation) -> Vec<BTreeSet<bevy_ecs::entity::Entity>> {
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

const TEXT: &str = r#"Scenario(
    name: "entities", start: "2025-10-06T09:15:00+05:30", cycles: 6,
    indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"])],
    market: (levels: [(cycle: 3, index: "NIFTY", price: 24850.0)]),
    phases: [(name: "dark", cycles: (5, 5), rule: "next_week", faults: [Outage])],
)"#;

#[test]
fn matched_instruments_persist_and_only_the_ladder_becomes_entities() {
    let mut sim = simulation(TEXT);
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
    let mut q = world.query::<(bevy_ecs::entity::Entity, &Instrument)>();
    let owners: Vec<_> = q.iter(world).map(|(e, i)| (e, i.expiry)).collect();
    for (entity, expiry) in owners {
        assert!(world.get::<Expiry>(expiry).is_some());
        assert!(world.get::<InstrumentSet>(expiry).unwrap().entities().any(|e| e == entity));
    }
}

#[test]
fn an_outage_despawns_the_expirys_instruments_and_recovery_respawns_them() {
    let mut sim = simulation(TEXT);
    for _ in 0..5 {
        sim.tick();
    }
    let sets = instrument_sets(&mut sim);
    assert_eq!((sets[0].len(), sets[1].len()), (42, 0));
    assert_eq!(instrument_count(&mut sim), 42);
    sim.tick();
    assert_eq!(instrument_count(&mut sim), 84);
}
