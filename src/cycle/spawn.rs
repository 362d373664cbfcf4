//! Builds a scenario's world: resources, then an entity per index and per expiry rule.

use crate::config::Config;
use crate::registry::{self, index_meta};
use crate::schema::Scenario;
use crate::world::*;
use bevy_ecs::prelude::*;

/// What a world is built from: the scenario, its resolved configuration, the seed to use, the order to
/// spawn entities in (forward for every normal run; outputs never depend on it) and the instruments dump
/// the universe comes from (`None`: the synthetic provider).
pub struct WorldSeed<'a> {
    pub scenario: &'a Scenario,
    pub config: Config,
    pub seed: u64,
    pub spawn_order: SpawnOrder,
    pub universe: Option<&'a dyn DumpSource>,
}

/// What an instruments dump gives a world: per scenario index, the dump's numbers in place of the
/// registry's, and every row of the dump as a universe row.
pub trait DumpSource {
    /// Replaces the registry's numbers of the index at scenario position `i` with the dump's, where it has
    /// them.
    fn apply_to(&self, i: usize, meta: &mut registry::IndexMeta);
    /// Every row of the dump, with the scenario position of each index's rows (`positions`: symbol and
    /// position).
    fn universe_rows(&self, positions: &[(&str, u16)]) -> Vec<UniverseRow>;
}

/// Index `i`'s numbers as the run uses them: the registry's (or the scenario's declared entry), the
/// dump's in their place, then the run's own overrides (strike step, lot, tick).
pub fn run_meta(
    scenario: &Scenario,
    i: usize,
    config: &Config,
    universe: Option<&dyn DumpSource>,
) -> registry::IndexMeta {
    let spec = &scenario.indices[i];
    let mut meta = match &spec.registry {
        Some(entry) => registry::declared(&spec.symbol, entry),
        None => index_meta(&spec.symbol, None),
    };
    if let Some(u) = universe {
        u.apply_to(i, &mut meta);
    }
    meta.apply_step_override(config.step_override(&spec.symbol));
    meta.lot_size = spec.lot_size.unwrap_or(meta.lot_size);
    meta.tick_size = spec.tick_size.unwrap_or(meta.tick_size);
    meta
}

impl StrikeDepth {
    /// An index's depth at the start of a run: the scenario's, with its baseline (the depth when unset).
    pub fn start(spec: &crate::schema::IndexSpec) -> Self {
        let baseline = spec.baseline.unwrap_or(spec.depth);
        Self { itm: spec.depth.itm, otm: spec.depth.otm, baseline_itm: baseline.itm, baseline_otm: baseline.otm }
    }
}

/// Creates the world: the run's own resources (clock, cycle counter, seed, logs, spawn order, configuration;
/// each phase registers its own, see [`super::schedule`]), and the index and expiry entities in scenario
/// order (with [`SpawnOrder::Reverse`], the last index first, each followed by its expiries last-first).
pub fn build_world(seed: &WorldSeed<'_>) -> World {
    let WorldSeed { scenario, ref config, seed, spawn_order, universe } = *seed;
    let mut world = World::new();
    world.insert_resource(SimClock::new(scenario.start, scenario.interval_s.get()));
    world.insert_resource(CycleCounter::default());
    world.insert_resource(RandomSource { seed });
    world.insert_resource(EventLog::default());
    world.insert_resource(CycleLog::default());
    world.insert_resource(spawn_order);
    let reverse = spawn_order == SpawnOrder::Reverse;
    let ordered = |n: usize| -> Vec<usize> { if reverse { (0..n).rev().collect() } else { (0..n).collect() } };
    for i in ordered(scenario.indices.len()) {
        let spec = &scenario.indices[i];
        let meta = run_meta(scenario, i, config, universe);
        // With a dump, `synthetic_atm` is its ATM region: the median strike of the nearest expiry.
        let spot = spec.spot.unwrap_or(meta.synthetic_atm);
        let index = world
            .spawn((
                IndexOrder(i as u16),
                IndexInfo { meta },
                Spot(spot),
                ReportedIndex::default(),
                ListedExpiries::default(),
                StrikeDepth::start(spec),
                AdaptiveState::default(),
                StrikeLadder::default(),
            ))
            .id();
        for j in ordered(spec.expiries.len()) {
            world.spawn((
                Expiry { index, rule: spec.expiries[j] },
                ExpiryOrder(i as u16, j as u16),
                ExpiryDate::default(),
                Candidates::default(),
                ClampMeta::default(),
                InstrumentSet::default(),
                (
                    StrikeCoverage::default(),
                    FieldCoverage::default(),
                    ExpiryOutcome::default(),
                    Status::default(),
                    Reason::default(),
                    super::greeks::ExpiryAnalytics::default(),
                    super::validation::ExpiryValidation::default(),
                ),
            ));
        }
    }
    world.insert_resource(config.clone());
    world
}
