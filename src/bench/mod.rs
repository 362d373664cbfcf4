//! Benchmark artifacts (B7/B8) and the `g6sim bench` tools: `diff`, `verify`, `aggregate`.

pub mod aggregate;
pub mod diff;
pub mod verify;
