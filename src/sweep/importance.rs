//! Sobol sensitivity indices: how much of a score's variance each swept key explains alone (first order)
//! and together with every interaction it takes part in (total), estimated from a Saltelli design
//! ([`saltelli`]), with percentile-bootstrap intervals ([`indices`]).

use super::sample::{MAX_SOBOL_DIMS, sobol};
use crate::bench::aggregate::quantile;
use crate::rng::Stream;
use serde::Serialize;

/// The Saltelli design of `n` rows over `d` keys (`d <= MAX_SOBOL_DIMS / 2`): `n (d + 2)` points in
/// `[0, 1)^d`, row after row, each row the block `A_r, B_r, AB_r^1, ..., AB_r^d` of `d + 2` points. `A_r`
/// and `B_r` are the first and the last `d` coordinates of point `r` of `sobol(n, 2 d, seed)`; `AB_r^i` is
/// `A_r` with coordinate `i` taken from `B_r`. A model's values at these points, in this order, are what
/// [`indices`] reads.
pub(crate) fn saltelli(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    assert!(2 * d <= MAX_SOBOL_DIMS, "a Saltelli design over {d} keys: at most {}", MAX_SOBOL_DIMS / 2);
    let mut points = Vec::with_capacity(n * (d + 2));
    for point in sobol(n, 2 * d, seed) {
        let (a, b) = point.split_at(d);
        points.push(a.to_vec());
        points.push(b.to_vec());
        for i in 0..d {
            let mut ab = a.to_vec();
            ab[i] = b[i];
            points.push(ab);
        }
    }
    points
}

/// One key's Sobol indices: first order (the share of the variance its value alone explains) and total
/// (the share that goes when everything but it is known: its own effect and all its interactions), each
/// with a 95% percentile-bootstrap interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Index {
    pub first: f64,
    pub first_ci: [f64; 2],
    pub total: f64,
    pub total_ci: [f64; 2],
}

/// The Sobol indices of each of the `d` keys from `f`, the model's values at the points of
/// `saltelli(n, d, _)` in their order (`f.len() = n (d + 2)`).
///
/// With `V` the population variance of the values at every `A` and `B` point (`2 n` values), key `i`'s
/// first-order index is `mean_r((f(B_r) - m) (f(AB_r^i) - f(A_r))) / V` (Saltelli 2010, with `f(B_r)` centred on
/// the mean `m` of the `A` and `B` values, which leaves its expectation and cuts its noise) and its total index
/// `mean_r((f(A_r) - f(AB_r^i))^2) / (2 V)` (Jansen). A key the model never reads has `f(AB_r^i) = f(A_r)`
/// in every row: both its indices and their intervals are exactly 0.
///
/// The intervals are the 2.5th and 97.5th percentiles of `resamples` bootstrap draws, each `n` rows drawn
/// with replacement from the `importance` stream of `seed`, `V` and the indices recomputed on them. A draw
/// whose values do not vary is left out; with no draw left, an interval is its estimate alone.
///
/// `None` when fewer than 2 rows, or when the values do not vary (`V` is 0, or not a number).
pub(crate) fn indices(f: &[f64], d: usize, resamples: usize, seed: u64) -> Option<Vec<Index>> {
    let block = d + 2;
    assert_eq!(f.len() % block, 0, "{} values: not whole rows of {block} (d = {d})", f.len());
    let n = f.len() / block;
    if n < 2 {
        return None;
    }
    let all: Vec<usize> = (0..n).collect();
    let point = estimate(f, d, &all)?;
    let mut stream = Stream::new(seed, "", "", 0, "importance");
    let (mut firsts, mut totals) = (vec![Vec::with_capacity(resamples); d], vec![Vec::with_capacity(resamples); d]);
    let mut rows = vec![0usize; n];
    for _ in 0..resamples {
        for r in &mut rows {
            *r = stream.below(n as u64) as usize;
        }
        if let Some(draw) = estimate(f, d, &rows) {
            for (i, (first, total)) in draw.into_iter().enumerate() {
                firsts[i].push(first);
                totals[i].push(total);
            }
        }
    }
    Some(
        point
            .iter()
            .zip(firsts.iter_mut().zip(&mut totals))
            .map(|(&(first, total), (firsts, totals))| Index {
                first,
                first_ci: interval(firsts, first),
                total,
                total_ci: interval(totals, total),
            })
            .collect(),
    )
}

/// Each key's (first, total) index over the given rows (repeats counting again), or `None` when the values
/// at their `A` and `B` points do not vary. Every sum starts from +0: a key with `f(AB^i) = f(A)` in every
/// row gets +0 exactly.
fn estimate(f: &[f64], d: usize, rows: &[usize]) -> Option<Vec<(f64, f64)>> {
    let block = d + 2;
    let m = rows.len() as f64;
    let mut sum = 0.0;
    for &r in rows {
        sum += f[r * block] + f[r * block + 1];
    }
    let mean = sum / (2.0 * m);
    let mut squares = 0.0;
    for &r in rows {
        let (a, b) = (f[r * block] - mean, f[r * block + 1] - mean);
        squares += a * a + b * b;
    }
    let v = squares / (2.0 * m);
    if v.is_nan() || v == 0.0 {
        return None;
    }
    Some(
        (0..d)
            .map(|i| {
                let (mut first, mut total) = (0.0, 0.0);
                for &r in rows {
                    let (a, b, ab) = (f[r * block], f[r * block + 1], f[r * block + 2 + i]);
                    // Centred: the same expectation, far less noise when the score is large against its spread.
                    first += (b - mean) * (ab - a);
                    total += (a - ab) * (a - ab);
                }
                (first / m / v, total / m / (2.0 * v))
            })
            .collect(),
    )
}

/// The 2.5th and 97.5th percentiles of `draws` (sorted in place), or `[estimate, estimate]` with none.
fn interval(draws: &mut [f64], estimate: f64) -> [f64; 2] {
    if draws.is_empty() {
        return [estimate, estimate];
    }
    draws.sort_by(f64::total_cmp);
    [quantile(draws, 0.025), quantile(draws, 0.975)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn values(n: usize, d: usize, seed: u64, model: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        saltelli(n, d, seed).iter().map(|x| model(x)).collect()
    }

    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|u| -PI + 2.0 * PI * u).collect();
        let s1 = libm::sin(x[0]);
        let s2 = libm::sin(x[1]);
        s1 + 7.0 * s2 * s2 + 0.1 * x[2].powi(4) * s1
    }

    #[test]
    fn the_design_is_a_b_and_a_with_one_coordinate_of_b() {
        let (n, d) = (8, 3);
        let points = saltelli(n, d, 5);
        let base = sobol(n, 2 * d, 5);
        assert_eq!(points.len(), n * (d + 2));
        for (r, block) in points.chunks(d + 2).enumerate() {
            let (a, b) = base[r].split_at(d);
            assert_eq!((block[0].as_slice(), block[1].as_slice()), (a, b));
            for i in 0..d {
                for j in 0..d {
                    assert_eq!(block[2 + i][j], if i == j { b[j] } else { a[j] }, "row {r}, AB^{i}");
                }
            }
        }
    }

    #[test]
    fn the_ishigami_function_has_its_known_indices() {
        let f = values(4096, 3, 1, ishigami);
        let got = indices(&f, 3, 200, 1).unwrap();
        // Analytic: S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
        for (i, (first, total)) in [(0.314, 0.558), (0.442, 0.442), (0.0, 0.244)].into_iter().enumerate() {
            assert!((got[i].first - first).abs() < 0.03, "S{}: {:?}", i + 1, got[i]);
            assert!((got[i].total - total).abs() < 0.03, "ST{}: {:?}", i + 1, got[i]);
            let Index { first, first_ci, total, total_ci } = got[i];
            assert!(first_ci[0] <= first && first <= first_ci[1], "S{}: {:?}", i + 1, got[i]);
            assert!(total_ci[0] <= total && total <= total_ci[1], "ST{}: {:?}", i + 1, got[i]);
            assert!(first_ci[0] < first_ci[1] && total_ci[0] < total_ci[1], "{:?}", got[i]);
        }
        assert_eq!(got, indices(&f, 3, 200, 1).unwrap(), "deterministic");
        let other = indices(&f, 3, 200, 2).unwrap();
        assert!(got.iter().zip(&other).all(|(a, b)| a.first == b.first && a.total == b.total));
        assert_ne!(got, other, "the seed draws other resamples");
    }

    #[test]
    fn a_key_the_model_never_reads_explains_exactly_nothing() {
        let model = |x: &[f64]| x[0] + 2.0 * x[1] * x[1] - 3.0 * x[0] * x[2];
        let f = values(256, 4, 3, model);
        let got = indices(&f, 4, 100, 3).unwrap();
        let zero = Index { first: 0.0, first_ci: [0.0; 2], total: 0.0, total_ci: [0.0; 2] };
        assert_eq!(got[3], zero);
        let bits = |i: Index| [i.first, i.first_ci[0], i.first_ci[1], i.total, i.total_ci[0], i.total_ci[1]];
        assert!(bits(got[3]).iter().all(|x| x.to_bits() == 0), "+0, not -0: {:?}", got[3]);
        assert!(got[..3].iter().all(|i| i.total > 0.01), "{got:?}");
        assert_eq!(
            serde_json::to_string(&got[3]).unwrap(),
            r#"{"first":0.0,"first_ci":[0.0,0.0],"total":0.0,"total_ci":[0.0,0.0]}"#
        );
    }

    #[test]
    fn nothing_to_explain_is_none() {
        assert_eq!(indices(&values(64, 3, 1, |_| 4.5), 3, 50, 1), None, "a constant model");
        assert_eq!(indices(&values(1, 3, 1, ishigami), 3, 50, 1), None, "one row");
        assert_eq!(indices(&[], 2, 50, 1), None);
        // No resample: the intervals are the estimates alone.
        let got = indices(&values(64, 2, 1, |x| x[0] + x[1]), 2, 0, 1).unwrap();
        assert!(got.iter().all(|i| i.first_ci == [i.first; 2] && i.total_ci == [i.total; 2]));
    }
}
