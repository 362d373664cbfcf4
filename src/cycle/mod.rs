//! One collection cycle, one module per phase. [`schedule`] lists the phases and the order of their steps; a
//! replay's cycle takes its front phases from [`recorded`] instead of the simulated provider.
//!
//! Each phase module holds its rules as pure functions (tested without a World), the thin systems that apply
//! them, and a `plugin` function that registers its resources and puts its systems into its step. Phases talk
//! only through components, resources and the event log.

pub mod adaptive;
pub mod coverage;
pub mod cycle_time;
pub mod director;
pub mod expiry_map;
pub mod greeks;
pub mod instruments;
pub mod ladder;
pub mod memory;
#[cfg(test)]
pub mod planted;
pub mod prefilter;
pub mod provider;
pub mod quotes;
pub mod recorded;
pub mod scaling;
pub mod schedule;
pub mod simulation;
pub mod spawn;
pub mod status;
pub mod summary;
pub mod timing;
pub mod validation;
pub use simulation::{RunResult, Simulation};
