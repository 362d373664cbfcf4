//! Worker threads for many runs: how many a sweep or an exploration starts (`--jobs`), and the pools they
//! run on.

use crate::run::Error;

/// The most worker threads `--jobs` asks for.
pub(crate) const MAX_THREADS: usize = 1024;

/// The most worker threads a sweep starts per core (`std::thread::available_parallelism`): its runs only
/// compute, so more threads than cores gain nothing.
pub const THREADS_PER_CORE: usize = 2;

/// A `--jobs` value that is not a whole number from 1 to `MAX_THREADS`: the value as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected a number of worker threads from 1 to {MAX_THREADS} (leave --jobs out for one per core)")]
pub struct ThreadsError {
    pub text: String,
}

/// Parses `--jobs N`: a whole number from 1 to `MAX_THREADS`.
pub fn parse_threads(text: &str) -> Result<usize, ThreadsError> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(ThreadsError { text: text.to_string() }),
    }
}

/// The worker threads a sweep of `runs` runs starts when `requested` are asked for (0: one per core): at
/// most one per run and [`THREADS_PER_CORE`] per core, at least one.
pub(crate) fn worker_threads(requested: usize, runs: usize) -> usize {
    worker_threads_for(requested, runs, cores())
}

/// [`worker_threads`] on a machine of `cores` cores.
pub(crate) fn worker_threads_for(requested: usize, runs: usize, cores: usize) -> usize {
    let cores = cores.max(1);
    let wanted = if requested == 0 { cores } else { requested.min(MAX_THREADS) };
    wanted.min(cores.saturating_mul(THREADS_PER_CORE)).min(runs).max(1)
}

/// The cores this process may use.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// What to tell a user who asked for `requested` worker threads (0: one per core) for `runs` runs, when the
/// sweep starts fewer.
pub fn threads_note(requested: usize, runs: usize) -> Option<String> {
    let threads = worker_threads(requested, runs);
    (requested > threads).then(|| {
        format!(
            "--jobs {requested}: {threads} worker threads (at most one per run, {runs} runs here, and {THREADS_PER_CORE} \
             per core, {} cores here)",
            cores()
        )
    })
}

/// A pool of `threads` worker threads, started the first time a sweep asks for that many and kept for the
/// process (a command runs one sweep; a benchmark runs many, and starting threads for each would be
/// measured). At most `2 x cores` sizes exist ([`worker_threads`]).
pub(crate) fn pool(threads: usize) -> Result<std::sync::Arc<rayon::ThreadPool>, Error> {
    use std::sync::{Arc, Mutex, PoisonError};
    static POOLS: Mutex<std::collections::BTreeMap<usize, Arc<rayon::ThreadPool>>> =
        Mutex::new(std::collections::BTreeMap::new());
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(pool) = pools.get(&threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Input(format!("cannot start {threads} worker threads: {e}")))?;
    Ok(Arc::clone(pools.entry(threads).or_insert(Arc::new(pool))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Never more threads than runs, nor than [`THREADS_PER_CORE`] per core; 0 asks for one per core.
    #[test]
    fn worker_threads_are_capped_by_runs_and_cores() {
        for (requested, runs, cores, threads) in [
            (0, 6, 2, 2),
            (0, 1, 8, 1),
            (1, 6, 2, 1),
            (1024, 6, 2, 4),
            (3, 100, 16, 3),
            (64, 1000, 1, 2),
            (100_000, 1000, 64, 128),
            (4, 0, 2, 1),
            (0, 10, 0, 1),
        ] {
            assert_eq!(worker_threads_for(requested, runs, cores), threads, "{requested} of {runs} on {cores}");
        }
    }

    #[test]
    fn jobs_take_one_to_the_maximum() {
        assert_eq!(parse_threads("1"), Ok(1));
        assert_eq!(parse_threads(&MAX_THREADS.to_string()), Ok(MAX_THREADS));
        for bad in ["0", "1025", "100000", "-1", "two", ""] {
            let e = parse_threads(bad).unwrap_err().to_string();
            assert!(e.contains("from 1 to 1024"), "{bad}: {e}");
        }
    }
}
