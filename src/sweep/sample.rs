//! Space-filling designs over the unit cube `[0, 1)^dims`: Sobol points with a random digital shift
//! ([`sobol`]) and Latin hypercubes ([`lhs`]), each point a `Vec` of one coordinate per dimension, every
//! random number from a seeded [`Stream`].
//!
//! Sobol points are computed here, not by a crate: exact integer arithmetic gives bit-identical points on
//! every machine, and no crate in Cargo.lock provides them.

use crate::rng::Stream;

/// The most dimensions [`sobol`] draws: the first dimension, then one per row of the direction numbers.
pub(crate) const MAX_SOBOL_DIMS: usize = 64;

/// Bits of a Sobol coordinate: a point's coordinate is a `u32` over `2^32`.
const BITS: usize = 32;

/// Direction numbers of dimensions 2 to [`MAX_SOBOL_DIMS`], one row each: `(a, m)`, the primitive
/// polynomial of degree `s = m.len()` (`a`: its inner coefficients, highest first) and the initial direction
/// numbers `m_1 .. m_s`. Copied from the first rows of Joe and Kuo's file `new-joe-kuo-6.21201`
/// (S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional projections", SIAM J.
/// Sci. Comput. 30, 2008); the first dimension, van der Corput's sequence, has no row.
const JOE_KUO: [(u32, &[u32]); MAX_SOBOL_DIMS - 1] = [
    (0, &[1]),
    (1, &[1, 3]),
    (1, &[1, 3, 1]),
    (2, &[1, 1, 1]),
    (1, &[1, 1, 3, 3]),
    (4, &[1, 3, 5, 13]),
    (2, &[1, 1, 5, 5, 17]),
    (4, &[1, 1, 5, 5, 5]),
    (7, &[1, 1, 7, 11, 19]),
    (11, &[1, 1, 5, 1, 1]),
    (13, &[1, 1, 1, 3, 11]),
    (14, &[1, 3, 5, 5, 31]),
    (1, &[1, 3, 3, 9, 7, 49]),
    (13, &[1, 1, 1, 15, 21, 21]),
    (16, &[1, 3, 1, 13, 27, 49]),
    (19, &[1, 1, 1, 15, 7, 5]),
    (22, &[1, 3, 1, 15, 13, 25]),
    (25, &[1, 1, 5, 5, 19, 61]),
    (1, &[1, 3, 7, 11, 23, 15, 103]),
    (4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, &[1, 1, 3, 13, 7, 35, 63]),
    (8, &[1, 3, 5, 9, 1, 25, 53]),
    (14, &[1, 3, 1, 13, 9, 35, 107]),
    (19, &[1, 3, 1, 5, 27, 61, 31]),
    (21, &[1, 1, 5, 11, 19, 41, 61]),
    (28, &[1, 3, 5, 3, 3, 13, 69]),
    (31, &[1, 1, 7, 13, 1, 19, 1]),
    (32, &[1, 3, 7, 5, 13, 19, 59]),
    (37, &[1, 1, 3, 9, 25, 29, 41]),
    (41, &[1, 3, 5, 13, 23, 1, 55]),
    (42, &[1, 3, 7, 3, 13, 59, 17]),
    (50, &[1, 3, 1, 3, 5, 53, 69]),
    (55, &[1, 1, 5, 5, 23, 33, 13]),
    (56, &[1, 1, 7, 7, 1, 61, 123]),
    (59, &[1, 1, 7, 9, 13, 61, 49]),
    (62, &[1, 3, 3, 5, 3, 55, 33]),
    (14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (22, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (38, &[1, 3, 1, 11, 27, 43, 71, 9]),
    (47, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (49, &[1, 3, 7, 3, 25, 31, 65, 79]),
    (50, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (52, &[1, 1, 5, 9, 19, 21, 29, 157]),
    (56, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (67, &[1, 3, 3, 3, 15, 9, 79, 71]),
    (70, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (84, &[1, 1, 3, 1, 11, 31, 97, 225]),
    (97, &[1, 1, 1, 3, 23, 43, 57, 177]),
    (103, &[1, 3, 7, 7, 17, 17, 37, 71]),
    (115, &[1, 3, 1, 5, 27, 63, 123, 213]),
    (122, &[1, 1, 3, 5, 11, 43, 53, 133]),
    (8, &[1, 3, 5, 5, 29, 17, 47, 173, 479]),
    (13, &[1, 3, 3, 11, 3, 1, 109, 9, 69]),
    (16, &[1, 1, 1, 5, 17, 39, 23, 5, 343]),
    (22, &[1, 3, 1, 5, 25, 15, 31, 103, 499]),
    (25, &[1, 1, 1, 11, 11, 17, 63, 105, 183]),
    (44, &[1, 1, 5, 11, 9, 29, 97, 231, 363]),
    (47, &[1, 1, 5, 15, 19, 45, 41, 7, 383]),
    (52, &[1, 3, 7, 7, 31, 19, 83, 137, 221]),
    (55, &[1, 1, 1, 3, 23, 15, 111, 223, 83]),
    (59, &[1, 1, 5, 13, 31, 15, 55, 25, 161]),
    (62, &[1, 1, 3, 13, 25, 47, 39, 87, 257]),
];

/// The direction numbers `v_1 .. v_32` of every dimension, as 32-bit fractions: `v_k = m_k 2^(32-k)` for
/// `k <= s`, then the recurrence of the dimension's polynomial,
/// `v_k = v_(k-s) ^ (v_(k-s) >> s) ^ a_1 v_(k-1) ^ ... ^ a_(s-1) v_(k-s+1)`. The first dimension's are
/// `v_k = 2^(32-k)`.
static DIRECTIONS: [[u32; BITS]; MAX_SOBOL_DIMS] = directions();

const fn directions() -> [[u32; BITS]; MAX_SOBOL_DIMS] {
    let mut v = [[0u32; BITS]; MAX_SOBOL_DIMS];
    let mut k = 0;
    while k < BITS {
        v[0][k] = 1 << (BITS - 1 - k);
        k += 1;
    }
    let mut d = 1;
    while d < MAX_SOBOL_DIMS {
        let (a, m) = JOE_KUO[d - 1];
        let s = m.len();
        let mut k = 0;
        while k < BITS {
            v[d][k] = if k < s {
                m[k] << (BITS - 1 - k)
            } else {
                let mut x = v[d][k - s] ^ (v[d][k - s] >> s);
                let mut j = 1;
                while j < s {
                    if (a >> (s - 1 - j)) & 1 == 1 {
                        x ^= v[d][k - j];
                    }
                    j += 1;
                }
                x
            };
            k += 1;
        }
        d += 1;
    }
    v
}

/// The first `n` points of the Sobol sequence in `dims` dimensions, as 32-bit fractions, in Gray-code
/// order: point 0 is the origin, point `i` is point `i - 1` with every coordinate XORed with its dimension's
/// direction number `v_c`, `c` the position of the lowest zero bit of `i - 1` (counted from 1).
fn sobol_unshifted(n: usize, dims: usize) -> Vec<Vec<u32>> {
    assert!(dims <= MAX_SOBOL_DIMS, "Sobol points in {dims} dimensions: at most {MAX_SOBOL_DIMS}");
    assert!(n as u64 <= 1 << BITS, "{n} Sobol points: at most 2^{BITS}");
    let mut x = vec![0u32; dims];
    let mut points = Vec::with_capacity(n);
    for i in 0..n {
        if i > 0 {
            let c = (i - 1).trailing_ones() as usize;
            for (x, v) in x.iter_mut().zip(&DIRECTIONS) {
                *x ^= v[c];
            }
        }
        points.push(x.clone());
    }
    points
}

/// The first `n` Sobol points in `[0, 1)^dims` (`dims <= MAX_SOBOL_DIMS`, `n <= 2^32`), each dimension
/// XORed with one 32-bit word drawn from the `sobol` stream of `seed`: a random digital shift, which keeps
/// the net's stratification (any `2^k` consecutive points from the start put one point in each of the `2^k`
/// equal cells of every dimension) while the seed moves the points.
pub(crate) fn sobol(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut stream = Stream::new(seed, "", "", 0, "sobol");
    let shifts: Vec<u32> = (0..dims).map(|_| stream.below(1 << BITS) as u32).collect();
    sobol_unshifted(n, dims)
        .into_iter()
        .map(|point| point.iter().zip(&shifts).map(|(x, s)| fraction(x ^ s)).collect())
        .collect()
}

/// A 32-bit fraction as a number in `[0, 1)` (exact: the division is by a power of two).
fn fraction(x: u32) -> f64 {
    f64::from(x) / (1u64 << BITS) as f64
}

/// `n` points of a Latin hypercube in `[0, 1)^dims`: in each dimension the `n` equal cells of `[0, 1)` hold
/// one point each. Dimension `d` draws from the `lhs` stream of `seed` and cycle `d`: a Fisher–Yates
/// permutation `p` of `0..n`, then one jitter `u` per point; point `i`'s coordinate is `(p[i] + u) / n`.
pub(crate) fn lhs(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut points = vec![Vec::with_capacity(dims); n];
    for dim in 0..dims {
        let mut stream = Stream::new(seed, "", "", dim as u64, "lhs");
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = stream.below(i as u64 + 1) as usize;
            p.swap(i, j);
        }
        for (point, cell) in points.iter_mut().zip(p) {
            point.push(in_cell(cell, stream.unit(), n));
        }
    }
    points
}

/// `(cell + u) / n` for `u` in `[0, 1)`, nudged by the last bit rounding may cost so that `floor(x n)` is
/// `cell`: a point never lands in its neighbour's cell, nor on 1.
fn in_cell(cell: usize, u: f64, n: usize) -> f64 {
    let mut x = (cell as f64 + u) / n as f64;
    while (x * n as f64).floor() >= (cell + 1) as f64 {
        x = x.next_down();
    }
    while (x * n as f64).floor() < cell as f64 {
        x = x.next_up();
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which of `2^bits` equal cells of `[0, 1)` holds `x`.
    fn cell_of(x: f64, bits: u32) -> usize {
        (x * f64::from(1u32 << bits)).floor() as usize
    }

    #[test]
    fn the_first_points_are_the_published_ones() {
        // Joe and Kuo's construction in Gray-code order (their program's output), dimensions 1 to 3.
        let published = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25],
            [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125],
            [0.625, 0.125, 0.875],
            [0.125, 0.625, 0.375],
            [0.1875, 0.3125, 0.9375],
            [0.6875, 0.8125, 0.4375],
        ];
        let points = sobol_unshifted(published.len(), 3);
        for (i, (point, want)) in points.iter().zip(published).enumerate() {
            let got: Vec<f64> = point.iter().map(|x| fraction(*x)).collect();
            assert_eq!(got, want, "point {i}");
        }
    }

    #[test]
    fn the_direction_numbers_are_joe_and_kuos() {
        // Each row's polynomial is primitive, and the rows take the primitive polynomials of each degree in
        // increasing order, as the file does.
        let primitive = |s: usize, a: u32| {
            let poly = (1u64 << s) | (u64::from(a) << 1) | 1;
            let times_x = |y: u64| if (y << 1) >> s & 1 == 1 { (y << 1) ^ poly } else { y << 1 };
            let period = (1u64 << s) - 1;
            let mut y = 1u64;
            (1..=period).position(|_| {
                y = times_x(y);
                y == 1
            }) == Some(period as usize - 1)
        };
        let mut expected = Vec::new();
        for s in 1..=9 {
            expected.extend((0..1u32 << (s - 1)).filter(|a| primitive(s, *a)).map(|a| (s, a)));
        }
        let rows: Vec<(usize, u32)> = JOE_KUO.iter().map(|(a, m)| (m.len(), *a)).collect();
        assert_eq!(rows, expected[..MAX_SOBOL_DIMS - 1]);
        for (d, (_, m)) in JOE_KUO.iter().enumerate() {
            for (k, m) in m.iter().enumerate() {
                assert!(m % 2 == 1 && *m < 1 << (k + 1), "dimension {}: m_{} = {m}", d + 2, k + 1);
            }
        }
        // Spot checks against the file: dimension 10 (`5 7 1 1 7 11 19`) and the last row embedded.
        assert_eq!(JOE_KUO[8], (7, &[1, 1, 7, 11, 19][..]));
        assert_eq!(JOE_KUO[MAX_SOBOL_DIMS - 2], (62, &[1, 1, 3, 13, 25, 47, 39, 87, 257][..]));
        // Every v_k has the bit 2^(32-k) set: each dimension's generator matrix is invertible.
        for v in &DIRECTIONS {
            for (k, v) in v.iter().enumerate() {
                assert_eq!(v >> (BITS - 1 - k) & 1, 1);
            }
        }
    }

    #[test]
    fn every_dimension_puts_one_point_in_each_cell() {
        for seed in [None, Some(1), Some(2)] {
            let points: Vec<Vec<f64>> = match seed {
                None => sobol_unshifted(1 << 10, MAX_SOBOL_DIMS)
                    .iter()
                    .map(|p| p.iter().map(|x| fraction(*x)).collect())
                    .collect(),
                Some(seed) => sobol(1 << 10, MAX_SOBOL_DIMS, seed),
            };
            for k in 1..=10 {
                for dim in 0..MAX_SOBOL_DIMS {
                    let mut seen = vec![false; 1 << k];
                    for p in &points[..1 << k] {
                        assert!((0.0..1.0).contains(&p[dim]));
                        seen[cell_of(p[dim], k)] = true;
                    }
                    assert!(seen.iter().all(|s| *s), "seed {seed:?}, 2^{k} points, dimension {}", dim + 1);
                }
            }
        }
    }

    #[test]
    fn the_first_two_dimensions_are_a_net() {
        // Every elementary box of area 2^-k (2^-a by 2^-(k-a)) holds one of the first 2^k points.
        for seed in [None, Some(7)] {
            let points: Vec<Vec<f64>> = match seed {
                None => sobol_unshifted(1 << 10, 2).iter().map(|p| p.iter().map(|x| fraction(*x)).collect()).collect(),
                Some(seed) => sobol(1 << 10, 2, seed),
            };
            for k in 1..=10 {
                for a in 0..=k {
                    let mut seen = vec![false; 1 << k];
                    for p in &points[..1 << k] {
                        seen[(cell_of(p[0], a) << (k - a)) | cell_of(p[1], k - a)] = true;
                    }
                    assert!(seen.iter().all(|s| *s), "seed {seed:?}, 2^{k} points, boxes 2^-{a} x 2^-{}", k - a);
                }
            }
        }
    }

    #[test]
    fn the_seed_shifts_the_points() {
        let a = sobol(64, 5, 1);
        assert_eq!(a, sobol(64, 5, 1));
        assert_ne!(a, sobol(64, 5, 2));
        assert_ne!(a[0], vec![0.0; 5], "the shift moves the origin");
        // A digital shift: the same shift XORed into every point of a dimension.
        let plain = sobol_unshifted(64, 5);
        for dim in 0..5 {
            let shift = (a[0][dim] * (1u64 << BITS) as f64) as u32;
            for (p, q) in a.iter().zip(&plain) {
                assert_eq!(fraction(q[dim] ^ shift), p[dim]);
            }
        }
        assert_eq!(sobol(0, 3, 1), Vec::<Vec<f64>>::new());
        assert_eq!(sobol(2, 0, 1), vec![Vec::<f64>::new(); 2]);
    }

    #[test]
    #[should_panic(expected = "at most 64")]
    fn too_many_dimensions_are_refused() {
        sobol(1, MAX_SOBOL_DIMS + 1, 1);
    }

    #[test]
    fn a_latin_hypercube_puts_one_point_in_each_stratum() {
        for n in [1, 2, 7, 100, 1000] {
            let points = lhs(n, 4, 3);
            assert_eq!(points.len(), n);
            for dim in 0..4 {
                let mut seen = vec![false; n];
                for p in &points {
                    assert_eq!(p.len(), 4);
                    assert!((0.0..1.0).contains(&p[dim]));
                    seen[(p[dim] * n as f64).floor() as usize] = true;
                }
                assert!(seen.iter().all(|s| *s), "{n} points, dimension {dim}");
            }
        }
        assert_eq!(lhs(50, 3, 9), lhs(50, 3, 9));
        assert_ne!(lhs(50, 3, 9), lhs(50, 3, 10));
        let points = lhs(50, 2, 9);
        assert_ne!(
            points.iter().map(|p| p[0]).collect::<Vec<_>>(),
            points.iter().map(|p| p[1]).collect::<Vec<_>>(),
            "each dimension its own stream"
        );
        assert!(lhs(0, 3, 1).is_empty());
    }

    #[test]
    fn a_jitter_near_one_stays_in_its_cell() {
        let below_one = 1.0f64.next_down();
        for n in [1, 3, 10, 1000, 1 << 20] {
            for cell in [0, n / 2, n - 1] {
                for u in [0.0, 0.5, below_one] {
                    let x = in_cell(cell, u, n);
                    assert_eq!((x * n as f64).floor() as usize, cell, "n {n}, cell {cell}, u {u}");
                    assert!(x < 1.0);
                }
            }
        }
    }
}
