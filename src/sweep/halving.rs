//! Successive halving over seeds (`--search halving --keep 1/k`): every setting starts on a few seeds; after
//! each rung the best `1/k` of the rung's settings continue on `k` times as many seeds, until the last rung's
//! settings run on every seed. Only the last rung's settings are candidates for the front and the
//! recommendation (a mean over 2 seeds is not compared with a mean over 32); the others keep their rows, with
//! the rung they stopped at.
//!
//! Rung `r` runs each of its settings on seeds `s_{r-1}..s_r` of every member (a prefix grows; no run is
//! repeated; a history, which runs once, runs in the first rung), and a job keeps its number in the full
//! grid (setting, member, seed), so `runs.jsonl` means the same in a halving as in a grid. Which settings
//! continue is a pure function of the runs so far ([`progress`]): one process runs every rung, and shards
//! meet at each rung's merge and compute the same survivors from the same runs.
//!
//! The ranking of a rung is the recommendation's: first the settings of its pool (the feasible ones, or
//! without `--require` the eligible ones), then the others by the fewest constraints failed and the best
//! pass share; within each, the lowest `--minimize` score over the seeds run so far, then the lowest setting
//! number. Settings share their seeds, so the comparison is paired and much of the seeds' noise cancels.

use super::plan::JobScore;
use super::results::{self, Ranking, SettingResult, SweepManifest};
use super::suite::Layout;
use serde::{Deserialize, Serialize};

/// The largest `k` of `--keep 1/k`.
pub const MAX_KEEP: usize = 1000;

/// A halving's shape: after each rung the best `1/keep` of its settings continue; the first rung runs
/// `min_seeds` seeds, each next one `keep` times as many, the last every seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Halving {
    pub keep: usize,
    pub min_seeds: usize,
}

/// A bad `--keep`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--keep {0}: expected 1/k with k from 2 to {MAX_KEEP}, for example 1/3 (the best third continues)")]
pub struct KeepError(pub String);

/// Parses `--keep 1/k` into `k`.
pub fn parse_keep(text: &str) -> Result<usize, KeepError> {
    let bad = || KeepError(text.to_string());
    let (one, k) = text.trim().split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    if one.trim() != "1" || !(2..=MAX_KEEP).contains(&k) {
        return Err(bad());
    }
    Ok(k)
}

impl Halving {
    /// The halving of `settings` settings over `seeds` seeds keeping `1/keep`: the first rung runs
    /// `ceil(seeds / keep^p)` seeds, where `p = floor(log_keep(settings))` promotions take the settings down
    /// to between 1 and `keep`; at least 2 when there are 4 seeds or more (one seed's luck promotes too
    /// easily), at least 1, at most every seed.
    pub fn new(keep: usize, settings: usize, seeds: usize) -> Self {
        let keep = keep.max(2);
        let mut first = seeds;
        let mut n = settings;
        while n >= keep && first > 1 {
            n /= keep;
            first = first.div_ceil(keep);
        }
        let least = if seeds >= 4 { 2 } else { 1 };
        Self { keep, min_seeds: first.max(least).min(seeds).max(1) }
    }

    /// The seeds each rung's settings have run after it: the first `min_seeds`, each next `keep` times as
    /// many, the last every one of `seeds`.
    pub fn rungs(&self, seeds: usize) -> Vec<usize> {
        let mut rungs = vec![self.min_seeds.clamp(1, seeds.max(1))];
        while let Some(&last) = rungs.last().filter(|&&s| s < seeds) {
            // A `keep` below 2 (a manifest edited by hand) still grows the seeds.
            rungs.push(last.saturating_mul(self.keep.max(2)).min(seeds));
        }
        rungs
    }

    /// How many settings each rung runs at least, from `settings` in the first (settings tied at a rung's
    /// cut continue too: [`progress`]).
    pub fn sizes(&self, settings: usize, seeds: usize) -> Vec<usize> {
        let mut sizes = vec![settings];
        for _ in 1..self.rungs(seeds).len() {
            let last = *sizes.last().expect("one rung at least");
            sizes.push(survivors(last, self.keep));
        }
        sizes
    }

    /// The fewest runs a halving makes on `layout` (every member's seeds per setting): each rung's settings
    /// ([`Halving::sizes`]) on the seeds the rung adds.
    pub(crate) fn runs(&self, layout: &Layout, seeds: usize) -> usize {
        let rungs = self.rungs(seeds);
        let sizes = self.sizes(layout.settings(), seeds);
        runs_of(layout, rungs.iter().copied().zip(sizes))
    }
}

/// The runs of rungs given as (seeds after the rung, settings in it), in order, on `layout`.
pub(crate) fn runs_of(layout: &Layout, rungs: impl IntoIterator<Item = (usize, usize)>) -> usize {
    let mut before = 0;
    let mut runs = 0;
    for (upto, n) in rungs {
        let per_setting: usize =
            (0..layout.members()).map(|m| upto.min(layout.seeds_of(m)) - before.min(layout.seeds_of(m))).sum();
        runs += n * per_setting;
        before = upto;
    }
    runs
}

/// How many of `n` settings continue when the best `1/keep` do: `ceil(n / keep)`, at least 1.
fn survivors(n: usize, keep: usize) -> usize {
    n.div_ceil(keep.max(2)).max(1)
}

/// The jobs among `jobs` of the first `rungs` of the rungs `done` (all of them when there are fewer).
pub(crate) fn runs_of_rungs(layout: &Layout, done: &[Rung], jobs: &[JobScore], rungs: usize) -> Vec<JobScore> {
    let mut wanted: Vec<usize> = Vec::new();
    let mut from = 0;
    for rung in done.iter().take(rungs) {
        wanted.extend(rung_jobs(layout, &rung.settings, from, rung.seeds));
        from = rung.seeds;
    }
    wanted.sort_unstable();
    jobs.iter().filter(|j| wanted.binary_search(&j.job).is_ok()).cloned().collect()
}

/// One rung: the seeds its settings have run after it, and its settings (in setting order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rung {
    pub seeds: usize,
    pub settings: Vec<usize>,
}

/// Where a halving stands after some runs: the rungs it completed, and the next rung's number (from 0)
/// and jobs (in job order), if any is left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: Vec<Rung>,
    pub next: Option<(usize, Vec<usize>)>,
}

/// The jobs of one rung: each of `settings` on every member's seeds `from..upto` (a member with fewer seeds,
/// a history, runs as many as it has), in job order.
pub(crate) fn rung_jobs(layout: &Layout, settings: &[usize], from: usize, upto: usize) -> Vec<usize> {
    let mut jobs = Vec::new();
    for &s in settings {
        for m in 0..layout.members() {
            let range = layout.jobs_of(s, m);
            let n = range.len();
            jobs.extend(range.start + from.min(n)..range.start + upto.min(n));
        }
    }
    jobs
}

/// Where the halving of `manifest` stands after `jobs` (in job order, each at most once): its rungs replayed
/// from the runs, each rung's survivors ranked by `ranking` on the seeds run so far. A rung is done when
/// every one of its jobs has run.
pub(crate) fn progress(halving: &Halving, manifest: &SweepManifest, jobs: &[JobScore], ranking: &Ranking) -> Progress {
    let layout = manifest.layout();
    let mut settings: Vec<usize> = (0..layout.settings()).collect();
    let mut done = Vec::new();
    let mut from = 0;
    let rungs = halving.rungs(manifest.seeds.len());
    for (r, &upto) in rungs.iter().enumerate() {
        let want = rung_jobs(&layout, &settings, from, upto);
        if !want.iter().all(|j| jobs.binary_search_by_key(j, |x| x.job).is_ok()) {
            return Progress { done, next: Some((r, want)) };
        }
        done.push(Rung { seeds: upto, settings: settings.clone() });
        if r + 1 < rungs.len() {
            settings = promote(manifest, jobs, ranking, &settings, upto, halving.keep);
        }
        from = upto;
    }
    Progress { done, next: None }
}

/// The settings of `settings` that continue after a rung whose runs reached `seeds` seeds: the best
/// `ceil(n / keep)` by the ranking (see the module's doc), and every one tied with the last of them on all
/// but the setting number (the rung's seeds cannot tell them apart, so none is dropped for its number), in
/// setting order.
fn promote(
    manifest: &SweepManifest,
    jobs: &[JobScore],
    ranking: &Ranking,
    settings: &[usize],
    seeds: usize,
    keep: usize,
) -> Vec<usize> {
    let results: Vec<SettingResult> = results::prefix_results(manifest, jobs, settings, seeds, ranking);
    let (pool, _) = ranking.pool(&results);
    let objective = |r: &SettingResult| r.column(ranking.objective_column()).unwrap_or(f64::INFINITY);
    let rank = |i: usize, j: usize| {
        let (a, b) = (&results[i], &results[j]);
        (!pool[i])
            .cmp(&!pool[j])
            .then(ranking.failed(a).cmp(&ranking.failed(b)))
            .then(b.pass_share().total_cmp(&a.pass_share()))
            .then(objective(a).total_cmp(&objective(b)))
    };
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by(|&a, &b| rank(a, b).then(results[a].setting.cmp(&results[b].setting)));
    let cut = survivors(results.len(), keep);
    let last = order[cut - 1];
    let tied = order[cut..].iter().take_while(|&&i| rank(i, last).is_eq()).count();
    let mut kept: Vec<usize> = order[..cut + tied].iter().map(|&i| results[i].setting).collect();
    kept.sort_unstable();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_parses_one_over_k() {
        assert_eq!(parse_keep("1/3"), Ok(3));
        assert_eq!(parse_keep(" 1 / 2 "), Ok(2));
        for bad in ["3", "1/1", "2/3", "1/0", "1/x", "", "1/1001", "1/-2"] {
            assert!(parse_keep(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rungs_grow_by_keep_until_every_seed() {
        let h = Halving { keep: 3, min_seeds: 2 };
        assert_eq!(h.rungs(16), [2, 6, 16]);
        assert_eq!(h.rungs(2), [2]);
        assert_eq!(h.rungs(1), [1]);
        assert_eq!(Halving { keep: 2, min_seeds: 1 }.rungs(8), [1, 2, 4, 8]);
        assert_eq!(h.sizes(64, 16), [64, 22, 8]);
        assert_eq!(h.sizes(1, 16), [1, 1, 1]);
    }

    #[test]
    fn the_first_rung_leaves_about_keep_settings_on_every_seed() {
        // 1000 settings, 32 seeds, a third: 6 promotions would need 32/729 seeds; at least 2.
        assert_eq!(Halving::new(3, 1000, 32), Halving { keep: 3, min_seeds: 2 });
        assert_eq!(Halving::new(3, 64, 16).rungs(16), [2, 6, 16]);
        assert_eq!(Halving::new(2, 8, 64).rungs(64), [8, 16, 32, 64]);
        assert_eq!(Halving::new(3, 2, 8).rungs(8), [8]);
        assert_eq!(Halving::new(3, 100, 3).rungs(3), [1, 3]);
        assert_eq!(Halving::new(3, 100, 1).rungs(1), [1]);
    }

    #[test]
    fn runs_count_each_rungs_new_seeds_and_a_history_once() {
        let h = Halving { keep: 3, min_seeds: 2 };
        // 64 settings x 16 seeds: 64*2 + 22*4 + 8*10.
        assert_eq!(h.runs(&Layout::new(64, [16]), 16), 128 + 88 + 80);
        // A history member runs once, in the first rung.
        assert_eq!(h.runs(&Layout::new(64, [16, 1]), 16), 128 + 88 + 80 + 64);
        let layout = Layout::new(4, [3, 1]);
        assert_eq!(rung_jobs(&layout, &[0, 2], 0, 2), [0, 1, 3, 8, 9, 11]);
        assert_eq!(rung_jobs(&layout, &[2], 2, 6), [10]);
    }
}
