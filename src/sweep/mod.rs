//! Tuning: runs of one scenario over seeds and configuration settings, and their scores.

pub mod spec;

pub use spec::{Param, SpecError, parse_param, parse_seeds, parse_values};
