//! The integration suite: one test binary (links once on 2 cores), one module per concern.

// `ScenarioError` carries every problem of a file (see the allow in lib.rs): closures returning it are fine.
#![allow(clippy::result_large_err)]

mod common;

mod analytics;
mod architecture;
mod bad_input;
mod benchmark;
mod browser;
mod ci_reports;
mod cli;
mod determinism;
mod docs;
mod examples;
mod explore;
mod fuzz;
mod hostile;
mod kill;
mod metrics;
mod parity;
mod plots;
mod properties;
mod replay;
mod report;
mod safety;
mod scenarios;
mod serve;
mod sweep;
mod sweep_suite;
mod universe;
mod universe_runs;
