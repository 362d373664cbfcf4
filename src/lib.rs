//! # g6sim
//!
//! A deterministic, data-oriented simulation of the G6 options-chain collector pipeline. Every tick of an
//! ECS schedule is one collection cycle: resolve expiries, build strike ladders, fetch and clamp
//! instruments, quote them, measure coverage, classify each expiry OK / PARTIAL / EMPTY with a partial
//! reason, and adapt strike depth with hysteresis. Scenarios are RON files with scripted market paths,
//! provider faults and expectations.
//!
//! ```no_run
//! use g6sim::{run_scenario, RunOptions, scenario::load_file};
//! let loaded = load_file("scenarios/healthy_baseline.ron".as_ref()).unwrap();
//! let run = run_scenario(&loaded, &RunOptions::default()).unwrap();
//! assert!(run.passed());
//! ```
//!
//! A recorded history (JSONL, CSV, or a directory of B7 artifacts) replays through the same status and
//! adaptive systems instead of the simulated provider: [`replay`].
//!
//! The same scenario, seed and configuration always give the same bytes: no wall clock, no hash-order
//! iteration, a single-threaded schedule, and random streams derived from (seed, index, expiry, cycle).

// ECS systems declare their data as parameters and queries: long parameter lists and nested query
// types are the idiom (as in bevy's own crates), not a smell.
#![allow(clippy::too_many_arguments, clippy::type_complexity)]
// A scenario error carries the file, position, path, message and hint of every problem found: errors are the
// cold path, and boxing them would only add noise at every `?`.
#![allow(clippy::result_large_err)]

pub mod artifact;
pub mod bench;
pub(crate) mod calendar;
pub mod canary;
pub mod check;
pub mod config;
pub(crate) mod cycle;
pub mod events;
pub(crate) mod fault;
pub(crate) mod gzip;
pub mod output;
pub mod plot;
pub(crate) mod pricing;
pub(crate) mod pyjson;
pub(crate) mod registry;
pub mod render;
pub mod replay;
pub(crate) mod rng;
pub(crate) mod run;
pub mod scenario;
pub(crate) mod schema;
pub(crate) mod suggest;
pub mod sweep;
pub(crate) mod synthetic;
pub mod universe;
pub mod vocab;
pub(crate) mod world;

pub use cycle::RunResult;
pub use run::{
    CycleView, EnvNote, Error, Prepared, Run, RunOptions, RunTotals, Streamed, env_notes, load_scenario, load_universe,
    prepare, prepare_file, run_scenario,
};
pub use scenario::Verdict;
pub use schema::MAX_CYCLES;
pub use suggest::did_you_mean;

/// The kernels the criterion benchmarks time one by one (`benches/`). Not part of the API: present only with
/// the `internals` feature, which the package's dev-dependency on itself turns on for benchmarks and tests.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::cycle::Simulation;
    pub use crate::cycle::expiry_map::{ExpiryMap, scan_universe};
    pub use crate::cycle::provider::{push_expiry_rows, push_invalid_rows};
    pub use crate::cycle::timing::PhaseTimes;
    pub use crate::pricing::{Contract, IvParams, Model, greeks, implied_volatility, price};
    pub use crate::world::{CycleLog, EventLog, Universe, UniverseRow};
}
