//! The ECS vocabulary: components on index, expiry and instrument entities, and the run's resources
//! (`cycle::spawn` builds a scenario's world from them).
//!
//! Entities:
//! - an **index** per scenario index: [`IndexInfo`], [`Spot`], [`ListedExpiries`], [`StrikeDepth`],
//!   [`AdaptiveState`], [`StrikeLadder`];
//! - an **expiry** per entry of the index's `expiries` list: [`Expiry`], [`ExpiryDate`], [`Candidates`],
//!   [`ClampMeta`], [`InstrumentSet`], [`StrikeCoverage`], [`FieldCoverage`], [`ExpiryOutcome`],
//!   [`Status`], [`Reason`];
//! - an **instrument** per option matched to a ladder: [`Instrument`] (and its Greeks). Instruments persist
//!   across cycles while they stay matched (keyed by token) and are despawned when they drop out. Their
//!   quotes live in the expiry's [`InstrumentSet`], a flat table in provider order that the later phases walk
//!   without an entity lookup per instrument.

mod components;
mod resources;

pub use components::*;
pub use resources::*;
