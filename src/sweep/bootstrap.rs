//! Intervals over seeds: a seeded, paired bootstrap, stratified by group.
//!
//! A setting's score is a mean over the runs of its seeds, per group (a member of the suite, with its own
//! seeds), then over groups ([`Aggregate`]). A [`Resampling`] draws, once, which seeds each resample takes
//! (with replacement, within each group), and the same draw serves every setting: settings share their
//! seeds, so their draws are paired (common random numbers), and [`indistinguishable`] compares two
//! settings by the interval of their differences, draw by draw, where noise that every setting shares
//! cancels.

use crate::bench::aggregate::quantile;
use crate::rng::Stream;
use crate::scoring::score::Better;

/// Resamples a sweep draws.
pub(crate) const RESAMPLES: usize = 1000;

/// How the groups' means make one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Aggregate {
    /// Their mean.
    Mean,
    /// The worst of them: the highest for a score better lower, the lowest for one better higher.
    Worst(Better),
}

/// Which seeds each resample takes, for groups of the given sizes: the same for every setting.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Resampling {
    /// Seeds of each group.
    sizes: Vec<usize>,
    /// Seeds of every group together: one resample's weights.
    seeds: usize,
    /// How many times each seed is taken: resample after resample, each one group after group, each group
    /// seed after seed.
    weights: Vec<u16>,
}

impl Resampling {
    /// Draws `resamples` resamples from the `bootstrap` stream of `seed`: in each, for each group `g` in
    /// turn, `sizes[g]` of its seeds drawn with replacement. Every group holds from 1 to `u16::MAX` seeds.
    pub(crate) fn new(sizes: &[usize], resamples: usize, seed: u64) -> Self {
        assert!(!sizes.is_empty(), "a resampling of no group");
        assert!(
            sizes.iter().all(|s| (1..=usize::from(u16::MAX)).contains(s)),
            "every group holds from 1 to {} seeds: {sizes:?}",
            u16::MAX
        );
        let seeds: usize = sizes.iter().sum();
        let mut stream = Stream::new(seed, "", "", 0, "bootstrap");
        let mut weights = vec![0u16; resamples * seeds];
        for resample in weights.chunks_exact_mut(seeds) {
            let mut at = 0;
            for &size in sizes {
                for _ in 0..size {
                    resample[at + stream.below(size as u64) as usize] += 1;
                }
                at += size;
            }
        }
        Self { sizes: sizes.to_vec(), seeds, weights }
    }

    /// One value per resample for one setting and one score: `values[g]` holds group `g`'s value at each of
    /// its seeds, in the order of the sizes given to [`Resampling::new`]; each resample's value is each
    /// group's mean over the seeds it took, made one by `aggregate`. A group of one seed takes it in every
    /// resample, and seeds of equal values give that value exactly.
    pub(crate) fn draws(&self, values: &[&[f64]], aggregate: Aggregate) -> Vec<f64> {
        assert_eq!(values.len(), self.sizes.len(), "one slice of values per group");
        for (g, (v, size)) in values.iter().zip(&self.sizes).enumerate() {
            assert_eq!(v.len(), *size, "group {g}: one value per seed");
        }
        let groups = values.len() as f64;
        let mut out = Vec::with_capacity(self.weights.len() / self.seeds);
        for resample in self.weights.chunks_exact(self.seeds) {
            let (mut at, mut first, mut value) = (0, 0.0, 0.0);
            for (g, v) in values.iter().enumerate() {
                let mean = weighted_mean(&resample[at..at + v.len()], v);
                at += v.len();
                value = match aggregate {
                    // Differences from the first group's mean: equal means give that mean exactly.
                    Aggregate::Mean if g == 0 => {
                        first = mean;
                        0.0
                    }
                    Aggregate::Mean => value + (mean - first),
                    Aggregate::Worst(_) if g == 0 => mean,
                    Aggregate::Worst(better) => worse(better, value, mean),
                };
            }
            out.push(if aggregate == Aggregate::Mean { first + value / groups } else { value });
        }
        out
    }
}

/// The worse of two values (a value that is not a number is the worst).
fn worse(better: Better, a: f64, b: f64) -> f64 {
    let b_worse = match better {
        Better::Lower => b > a,
        Better::Higher => b < a,
    };
    if b_worse || b.is_nan() { b } else { a }
}

/// `sum_j w_j v_j / len`, summed as differences from `v[0]` (seeds of equal values give it exactly) in
/// four lanes that the compiler can vectorize, in a fixed order.
fn weighted_mean(w: &[u16], v: &[f64]) -> f64 {
    let c = v[0];
    let mut lanes = [0.0; 4];
    let (w4, w_rest) = w.as_chunks::<4>();
    let (v4, v_rest) = v.as_chunks::<4>();
    for (w, v) in w4.iter().zip(v4) {
        for ((lane, w), v) in lanes.iter_mut().zip(w).zip(v) {
            *lane += f64::from(*w) * (v - c);
        }
    }
    let mut rest = 0.0;
    for (w, v) in w_rest.iter().zip(v_rest) {
        rest += f64::from(*w) * (v - c);
    }
    c + ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest) / v.len() as f64
}

/// The 95% percentile interval of `draws`: their 2.5th and 97.5th percentiles (not numbers without draws).
pub(crate) fn interval(draws: &[f64]) -> [f64; 2] {
    let mut sorted = draws.to_vec();
    sorted.sort_by(f64::total_cmp);
    [quantile(&sorted, 0.025), quantile(&sorted, 0.975)]
}

/// Whether two settings' draws (of one [`Resampling`], so paired) cannot be told apart: the 95% interval of
/// their differences, draw by draw, does not exclude 0 (it holds 0, or there is no interval to exclude it).
pub(crate) fn indistinguishable(a: &[f64], b: &[f64]) -> bool {
    assert_eq!(a.len(), b.len(), "draws of one resampling");
    let differences: Vec<f64> = a.iter().zip(b).map(|(a, b)| a - b).collect();
    let [lo, hi] = interval(&differences);
    let excludes_zero = lo > 0.0 || hi < 0.0;
    !excludes_zero
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normals(n: usize, seed: u64) -> Vec<f64> {
        let mut stream = Stream::new(seed, "", "", 0, "test");
        (0..n).map(|_| stream.normal()).collect()
    }

    #[test]
    fn each_resample_takes_as_many_seeds_as_each_group_holds() {
        let r = Resampling::new(&[3, 1, 5], 200, 4);
        assert_eq!(r.weights.len(), 200 * 9);
        for resample in r.weights.chunks_exact(9) {
            let sums: Vec<u16> =
                [&resample[..3], &resample[3..4], &resample[4..]].iter().map(|w| w.iter().sum()).collect();
            assert_eq!(sums, [3, 1, 5]);
        }
        assert_eq!(r, Resampling::new(&[3, 1, 5], 200, 4), "deterministic");
        assert_ne!(r, Resampling::new(&[3, 1, 5], 200, 5), "the seed draws other resamples");
        // Every seed is taken in some resample, and resamples differ.
        assert!((0..9).all(|j| r.weights.chunks_exact(9).any(|w| w[j] > 0)));
        assert_ne!(r.weights[..9], r.weights[9..18]);
    }

    #[test]
    fn draws_are_weighted_means_aggregated_over_groups() {
        let r = Resampling::new(&[4, 7], 300, 1);
        let (a, b) = (normals(4, 1), normals(7, 2));
        let means = |w: &[u16]| {
            let mean =
                |w: &[u16], v: &[f64]| w.iter().zip(v).map(|(w, v)| f64::from(*w) * v).sum::<f64>() / v.len() as f64;
            (mean(&w[..4], &a), mean(&w[4..], &b))
        };
        let naive: Vec<(f64, f64)> = r.weights.chunks_exact(11).map(means).collect();
        for (aggregate, of) in [
            (Aggregate::Mean, (|x: f64, y: f64| (x + y) / 2.0) as fn(f64, f64) -> f64),
            (Aggregate::Worst(Better::Lower), f64::max),
            (Aggregate::Worst(Better::Higher), f64::min),
        ] {
            let draws = r.draws(&[&a, &b], aggregate);
            assert_eq!(draws.len(), 300);
            for (d, (x, y)) in draws.iter().zip(&naive) {
                assert!((d - of(*x, *y)).abs() < 1e-12, "{aggregate:?}: {d} vs {x}, {y}");
            }
        }
    }

    #[test]
    fn the_worst_group_is_the_highest_or_the_lowest() {
        let r = Resampling::new(&[3, 2], 100, 2);
        let (low, high): (&[f64], &[f64]) = (&[1.0, 1.0, 1.0], &[5.0, 5.0]);
        assert!(r.draws(&[low, high], Aggregate::Worst(Better::Lower)).iter().all(|d| *d == 5.0));
        assert!(r.draws(&[low, high], Aggregate::Worst(Better::Higher)).iter().all(|d| *d == 1.0));
        assert!(
            Resampling::new(&[2, 3], 100, 2)
                .draws(&[high, low], Aggregate::Worst(Better::Lower))
                .iter()
                .all(|d| *d == 5.0)
        );
        assert!(r.draws(&[low, high], Aggregate::Mean).iter().all(|d| *d == 3.0));
        let nan: &[f64] = &[f64::NAN, 1.0, 1.0];
        assert!(r.draws(&[nan, high], Aggregate::Worst(Better::Higher)).iter().any(|d| d.is_nan()));
    }

    #[test]
    fn equal_seeds_give_a_zero_width_interval_at_their_value() {
        let r = Resampling::new(&[5], RESAMPLES, 3);
        let draws = r.draws(&[&[0.1; 5]], Aggregate::Mean);
        assert!(draws.iter().all(|d| *d == 0.1), "exactly, not 0.1 + rounding");
        assert_eq!(interval(&draws), [0.1, 0.1]);
        let r = Resampling::new(&[3, 4, 2], RESAMPLES, 3);
        for aggregate in [Aggregate::Mean, Aggregate::Worst(Better::Lower), Aggregate::Worst(Better::Higher)] {
            let draws = r.draws(&[&[0.3; 3], &[0.3; 4], &[0.3; 2]], aggregate);
            assert_eq!(interval(&draws), [0.3, 0.3], "{aggregate:?}");
        }
        // A group of one seed takes it in every resample.
        let r = Resampling::new(&[1], 50, 3);
        assert!(r.draws(&[&[7.25]], Aggregate::Mean).iter().all(|d| *d == 7.25));
    }

    #[test]
    fn the_interval_holds_the_sample_mean() {
        for seed in 1..=5 {
            let values = normals(40, seed);
            let mean = values.iter().sum::<f64>() / 40.0;
            let draws = Resampling::new(&[40], RESAMPLES, seed).draws(&[&values], Aggregate::Mean);
            let [lo, hi] = interval(&draws);
            assert!(lo < mean && mean < hi, "{lo} < {mean} < {hi}");
            // About 2 x 1.96 standard errors of a mean of 40 standard normals wide.
            assert!((0.4..0.85).contains(&(hi - lo)), "width {}", hi - lo);
        }
        assert!(interval(&[]).iter().all(|x| x.is_nan()));
    }

    #[test]
    fn paired_draws_tell_a_small_steady_difference_from_shared_noise() {
        let sizes = [8, 8];
        let r = Resampling::new(&sizes, RESAMPLES, 11);
        // Each seed's noise (sd 5) is shared by both settings; A is 1.0 lower on every seed.
        let noise: Vec<f64> = normals(16, 12).iter().map(|z| 5.0 * z).collect();
        let small = normals(32, 13);
        let b: Vec<f64> = noise.iter().map(|x| x + 10.0).collect();
        let a: Vec<f64> = noise.iter().zip(&small).map(|(x, e)| x + 9.0 + 0.1 * e).collect();
        let groups = |v: &[f64]| [v[..8].to_vec(), v[8..].to_vec()];
        let (ga, gb) = (groups(&a), groups(&b));
        for aggregate in [Aggregate::Mean, Aggregate::Worst(Better::Lower)] {
            let da = r.draws(&[&ga[0], &ga[1]], aggregate);
            let db = r.draws(&[&gb[0], &gb[1]], aggregate);
            assert!(!indistinguishable(&da, &db), "{aggregate:?}");
            assert!(indistinguishable(&da, &da.clone()), "{aggregate:?}");
            // Unpaired, the noise would hide it: each setting's own interval holds the other's value.
            let ([alo, ahi], [blo, bhi]) = (interval(&da), interval(&db));
            assert!(alo < blo && blo < ahi && ahi < bhi, "{aggregate:?}: [{alo}, {ahi}] [{blo}, {bhi}]");
        }
        // Settings of equal values are indistinguishable, and so are two whose noise differs by chance only.
        let c: Vec<f64> = noise.iter().zip(&small[16..]).map(|(x, e)| x + 10.0 + 0.1 * e).collect();
        let gc = groups(&c);
        let dc = r.draws(&[&gc[0], &gc[1]], Aggregate::Mean);
        let db = r.draws(&[&gb[0], &gb[1]], Aggregate::Mean);
        assert!(indistinguishable(&db, &r.draws(&[&gb[0], &gb[1]], Aggregate::Mean)));
        assert!(indistinguishable(&dc, &db));
    }

    #[test]
    #[should_panic(expected = "group 1: one value per seed")]
    fn values_must_match_the_groups() {
        Resampling::new(&[2, 3], 10, 1).draws(&[&[1.0, 2.0], &[1.0]], Aggregate::Mean);
    }
}
