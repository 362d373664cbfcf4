//! The integration suite: one test binary (links once on 2 cores), one module per concern.

mod common;

mod analytics;
mod bad_input;
mod benchmark;
mod cli;
mod determinism;
mod entities;
mod fuzz;
mod hostile;
mod kill;
mod metrics;
mod parity;
mod plots;
mod properties;
mod scenarios;
