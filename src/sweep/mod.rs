//! Tuning: runs of one scenario over seeds and configuration settings, and their scores.

pub mod seeds;
pub mod spec;

pub use seeds::{SeedList, SeedOutcome, run_seeds};
pub use spec::{Param, SpecError, parse_param, parse_seeds, parse_values};
