//! What a run is worth and how many runs are scored at once: the score table and the scorer a run feeds
//! ([`score`]), the lean path that scores a run without a World ([`lean`]), and the worker threads sweeps
//! and explorations run on ([`workers`]). Sweeps rank settings by these scores; explorations check their
//! properties on the lean path.

pub(crate) mod lean;
pub(crate) mod score;
pub(crate) mod workers;
