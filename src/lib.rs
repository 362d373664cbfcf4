//! # g6sim
//!
//! A deterministic, data-oriented simulation of the G6 options-chain collector pipeline. Every tick of an
//! ECS schedule is one collection cycle: resolve expiries, build strike ladders, fetch and clamp
//! instruments, quote them, measure coverage, classify each expiry OK / PARTIAL / EMPTY with a partial
//! reason, and adapt strike depth with hysteresis. Scenarios are RON files with scripted market paths,
//! provider faults and expectations.
//!
//! The same scenario, seed and configuration always give the same bytes: no wall clock, no hash-order
//! iteration, a single-threaded schedule, and random streams derived from (seed, index, expiry, cycle).
//!
//! ## Run a scenario and judge it
//!
//! [`prepare_file`] loads a scenario and resolves its configuration (scenario, then the `G6_*` environment of
//! [`RunOptions::env`], then [`RunOptions::sets`]); [`Prepared::run`] runs every cycle and keeps the results.
//!
//! ```no_run
//! use g6sim::{RunOptions, Verdict, prepare_file};
//!
//! let prepared = prepare_file("scenarios/healthy_baseline.ron".as_ref(), &RunOptions::default())?;
//! let run = prepared.run(|cycle| println!("cycle {}", cycle.summary.cycle))?;
//! assert_eq!(run.verdict(), Verdict::Pass);
//! # Ok::<(), g6sim::Error>(())
//! ```
//!
//! ## Stream a long run into its files
//!
//! [`Prepared::stream`] hands each cycle to an observer and keeps nothing of it: memory stays flat however
//! long the run. [`output::RunWriter`] writes what `g6sim run` writes.
//!
//! ```no_run
//! use g6sim::{RunOptions, output::RunWriter, prepare_file};
//!
//! let prepared = prepare_file("scenarios/coverage_flapping.ron".as_ref(), &RunOptions::default())?;
//! let mut writer = RunWriter::create("out/coverage_flapping".as_ref(), &prepared.config)?;
//! let streamed = prepared.stream(|cycle| writer.cycle(cycle.summary, cycle.events))?;
//! writer.finish(&streamed.prepared, streamed.events, &streamed.outcomes)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Sweep settings over seeds
//!
//! [`sweep::plan_for`] plans a grid of settings times seeds over a suite: scenarios, recorded histories and
//! generated workloads;
//! [`sweep::Plan::run`] scores every run (on threads, or one shard of them); [`sweep::write_sweep`] ranks the
//! settings and writes the results.
//!
//! ```no_run
//! use g6sim::{RunOptions, sweep};
//!
//! let params = vec![sweep::parse_param("contract_ok_cycles=1,2,3")?];
//! let suite = sweep::Suite::one("scenarios/coverage_flapping.ron");
//! let plan = sweep::plan_for(&suite, RunOptions::default(), params, None, &Default::default(), None)?;
//! let jobs = plan.run(sweep::Shard::ALL, 0, |_done| {})?;
//! let outcome = sweep::write_sweep("out/sweep".as_ref(), &sweep::SweepManifest::of(&plan), &jobs)?;
//! println!("recommended: {:?}", outcome.recommended);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Replay a recorded day
//!
//! A recorded history (JSONL, CSV, or a directory of B7 benchmark artifacts) replays through the same status
//! and adaptive phases instead of the simulated provider, and the replay's decisions are compared with the
//! recorded ones.
//!
//! ```no_run
//! use g6sim::{RunOptions, prepare, replay};
//!
//! let path = "scenarios/history/nifty_strike_dip.jsonl".as_ref();
//! let history = replay::load(path, &replay::HistoryOptions::default())?;
//! let run = prepare(&history.loaded, &RunOptions::default())?.run(|_| {})?;
//! let comparison = replay::compare(&history, &run.result.cycles);
//! println!("{} differences", comparison.differences.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modules
//!
//! The data a program reads: [`scenario`] (loading, the schema, the fault and check catalogues, expectations),
//! [`config`], [`vocab`] and [`events`] (the words and records of a run's results). Inputs and outputs:
//! [`universe`] (instrument dumps), [`replay`], [`output`] (a run's files, the `/metrics` endpoint),
//! [`artifact`] (B7 benchmark artifacts). Tools: [`sweep`], [`explore`] (generated scenarios), [`canary`] (the
//! determinism canary), [`check`] (`g6sim check`), [`junit`] (JUnit XML reports of `check` and `explore`),
//! [`bench`](mod@bench), [`plot`], and [`render`] (the command line's wording). The simulation itself (the ECS world and its phases) is internal: ARCHITECTURE.md maps it.

// ECS systems declare their data as parameters and queries: long parameter lists and nested query
// types are the idiom (as in bevy's own crates), not a smell.
#![allow(clippy::too_many_arguments, clippy::type_complexity)]
// A scenario error carries the file, position, path, message and hint of every problem found: errors are the
// cold path, and boxing them would only add noise at every `?`.
#![allow(clippy::result_large_err)]
// Every type the public API reaches can be named by its users: the facade re-exports it, or it stays internal.
#![deny(unnameable_types)]

pub mod artifact;
pub mod bench;
pub(crate) mod calendar;
pub mod canary;
pub mod check;
pub mod config;
pub(crate) mod cycle;
pub mod events;
pub mod explore;
pub(crate) mod fault;
pub(crate) mod gzip;
pub mod junit;
pub(crate) mod memory;
pub mod output;
pub mod plot;
pub(crate) mod pricing;
pub(crate) mod pyjson;
pub(crate) mod registry;
pub mod render;
pub mod replay;
pub mod report;
pub(crate) mod rng;
pub(crate) mod run;
pub mod scenario;
pub(crate) mod schema;
pub(crate) mod scoring;
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
    pub use crate::cycle::expiry_map::{ExpiryMap, IndexBuckets, scan_universe};
    pub use crate::cycle::provider::{push_expiry_rows, push_invalid_rows};
    pub use crate::cycle::spawn::{DumpSource, WorldSeed};
    pub use crate::cycle::timing::PhaseTimes;
    pub use crate::explore::exploration::{first_failure, shrink_workload};
    pub use crate::pricing::{Contract, IvFailure, IvParams, IvSolution, Model, greeks, implied_volatility, price};
    pub use crate::registry::IndexMeta;
    pub use crate::world::{CycleLog, EventLog, RawExpiry, Universe, UniverseChange, UniverseRow};
}
