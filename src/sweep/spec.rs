//! The sweep's small language: value ranges for seeds (`--seeds`) and configuration keys (`--param`).
//!
//! A range is inclusive on both ends, as `seq` counts: `2..10` is 2, 3, ..., 10; `a..b:step` steps by
//! `step` (`0.6..0.9:0.05`, floats too: each value is `a + i x step`, never an accumulated sum, so the
//! values are the same on every machine); a list is comma-separated (`0,1,3,5`). A single value is a list of
//! one. For seeds, a bare count `N` means the seeds 1..N.

/// At most this many values in one range (a typo such as `0..1e9` is an error, not an hour of work).
pub(crate) const MAX_VALUES: usize = 100_000;

/// A bad range or list: the text and what was expected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

/// One configuration key and the values a sweep gives it, as `--set` would take them.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub key: String,
    /// The grid's values, in order.
    pub values: Vec<String>,
    /// The values as written: what a sampled design draws from ([`Domain::at`]).
    pub domain: Domain,
    /// The values' text as written (`0.6..0.9`), which a sampled sweep's manifest records.
    pub text: String,
}

/// The values of a key as written: a list, or a range `a..b[:step]`.
///
/// A range is integral when neither `a` nor `b` has a `.`, `e` or `E` and the step is a whole number; an
/// integral range without a step steps by 1. A float range without a step is a grid stepped by 1 from `a`
/// (the one value `a` when `b - a < 1`, as `0.6..0.9` is), but continuous when sampled: [`Domain::at`] draws
/// any value from `a` to `b`.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// Values as listed (a single value is a list of one): categories.
    List(Vec<String>),
    /// The range `a..=b`, its step (`None`: a float range written without one) and whether its values are
    /// whole numbers.
    Range { a: f64, b: f64, step: Option<f64>, integral: bool },
}

impl Domain {
    /// The value at `u` in `[0, 1)`, as `--set` takes it: a list's value number `floor(u k)` of its `k`; a
    /// stepped (or integral) range's grid value number `floor(u n)` of its `n`, each taking an equal share of
    /// `[0, 1)`; a float range without a step, `a + u (b - a)`. Grid values print as the grid prints them;
    /// `u` outside `[0, 1)` is clamped to the first or the last value.
    pub fn at(&self, u: f64) -> String {
        match self {
            Domain::List(values) => values[cell(u, values.len())].clone(),
            &Domain::Range { a, b, integral: false, step: None } => number_text(a + u.clamp(0.0, 1.0) * (b - a), false),
            Domain::Range { .. } => self.grid_value(cell(u, self.count())),
        }
    }

    /// Whether sampling draws from a continuum rather than a finite set of values: a float range without a
    /// step.
    pub fn is_continuous(&self) -> bool {
        matches!(self, Domain::Range { step: None, integral: false, .. })
    }

    /// How many values the grid holds.
    fn count(&self) -> usize {
        match self {
            Domain::List(values) => values.len(),
            &Domain::Range { a, b, step, .. } => range_count(a, b, step.unwrap_or(1.0)) as usize,
        }
    }

    /// The grid's value number `i`: `a + i x step`, never an accumulated sum.
    fn grid_value(&self, i: usize) -> String {
        match self {
            Domain::List(values) => values[i].clone(),
            &Domain::Range { a, step, integral, .. } => number_text(a + i as f64 * step.unwrap_or(1.0), integral),
        }
    }

    /// The grid's values, in order.
    fn grid(&self) -> Vec<String> {
        match self {
            Domain::List(values) => values.clone(),
            Domain::Range { .. } => (0..self.count()).map(|i| self.grid_value(i)).collect(),
        }
    }
}

/// The cell of `[0, 1)` cut into `k` equal cells that holds `u` (`k > 0`), clamped to the first and the last.
fn cell(u: f64, k: usize) -> usize {
    // `as` saturates: a negative or NaN product is cell 0.
    ((u * k as f64).floor() as usize).min(k - 1)
}

/// How many values the range `a..=b` stepped by `step` holds, counting `b` when rounding alone keeps
/// `a + i x step` from it.
fn range_count(a: f64, b: f64, step: f64) -> f64 {
    ((b - a) / step * (1.0 + 1e-12) + 1e-9).floor() + 1.0
}

/// A range's value as text: whole numbers as integers, others rounded to 12 decimals in their shortest form.
fn number_text(x: f64, integral: bool) -> String {
    if integral { format!("{}", x as i64) } else { format!("{}", (x * 1e12).round() / 1e12) }
}

/// Parses `KEY=VALUES` (`contract_ok_cycles=2..10`, `contract_cooldown=0,1,3,5`, `strike_coverage_ok=0.6..0.9:0.05`).
pub fn parse_param(text: &str) -> Result<Param, SpecError> {
    let (key, values) = text.split_once('=').ok_or_else(|| {
        SpecError(format!("--param {text:?}: expected KEY=VALUES, for example contract_ok_cycles=2..10"))
    })?;
    let key = key.trim();
    if key.is_empty() {
        return Err(SpecError(format!("--param {text:?}: the key is empty")));
    }
    if !crate::config::sweepable(key) {
        return Err(SpecError(format!(
            "--param {key}: a tier list is JSON, whose commas a list of values cannot hold: set it with --set or in \
             the scenario's config, and sweep the other keys"
        )));
    }
    let values_text = values;
    let domain = parse_domain(values).map_err(|e| SpecError(format!("--param {key}: {e}")))?;
    let values = domain.grid();
    // Two equal settings would be run and scored twice, and tie in every ranking.
    let mut sorted = values.clone();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(SpecError(format!("--param {key}: the value {} is listed twice", w[0])));
    }
    Ok(Param { key: key.to_string(), text: values_text.trim().to_string(), values, domain })
}

/// Parses `--seeds`: a count `N` (the seeds 1..N), a range `a..b[:step]` or a list `1,5,9`. Seeds are whole
/// numbers read exactly, to `u64::MAX` (a range is not read as floating-point numbers, which would round seeds
/// past 2^53 onto their neighbours).
pub fn parse_seeds(text: &str) -> Result<Vec<u64>, SpecError> {
    let text = text.trim();
    let bad = |why: &str| SpecError(format!("--seeds {text}: {why}"));
    let seed = |v: &str| {
        let v = v.trim();
        v.parse::<u64>().map_err(|_| bad(&format!("`{v}` is not a seed: expected a whole number >= 0")))
    };
    let seeds: Vec<u64> = if let Some((from, rest)) = text.split_once("..") {
        let (to, step) = rest.split_once(':').unwrap_or((rest, "1"));
        let (a, b, step) = (seed(from)?, seed(to)?, seed(step)?);
        if step == 0 {
            return Err(bad("the step must be > 0"));
        }
        if b < a {
            return Err(bad(&format!("the range is empty (it runs from {a} down to {b})")));
        }
        let count = (b - a) / step + 1;
        if count > MAX_VALUES as u64 {
            return Err(bad(&format!("{count} seeds, more than {MAX_VALUES}")));
        }
        // `a + i x step` stays within `a..=b`: no overflow.
        (0..count).map(|i| a + i * step).collect()
    } else if text.contains(',') {
        parse_values(text).map_err(|e| bad(&e.0))?.iter().map(|v| seed(v)).collect::<Result<_, _>>()?
    } else {
        let n: u64 = text.parse().map_err(|_| bad("expected a count N (seeds 1..N), a range a..b or a list a,b,c"))?;
        if n == 0 || n as usize > MAX_VALUES {
            return Err(bad(&format!("expected a count from 1 to {MAX_VALUES}")));
        }
        (1..=n).collect()
    };
    let mut sorted = seeds.clone();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(bad(&format!("seed {} is listed twice", w[0])));
    }
    Ok(seeds)
}

/// Parses a range or list into values as text (integers stay integers; floats print in their shortest form).
pub(crate) fn parse_values(text: &str) -> Result<Vec<String>, SpecError> {
    Ok(parse_domain(text)?.grid())
}

/// Parses a range or list into its [`Domain`].
fn parse_domain(text: &str) -> Result<Domain, SpecError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(SpecError("no value: expected a range a..b[:step] or a list a,b,c".into()));
    }
    let Some((from, rest)) = text.split_once("..") else {
        let values: Vec<String> = text.split(',').map(|v| v.trim().to_string()).collect();
        if let Some(empty) = values.iter().position(String::is_empty) {
            return Err(SpecError(format!("`{text}`: value {} of the list is empty", empty + 1)));
        }
        if values.len() > MAX_VALUES {
            return Err(SpecError(format!("`{text}`: more than {MAX_VALUES} values")));
        }
        return Ok(Domain::List(values));
    };
    let (to, step) = match rest.split_once(':') {
        Some((to, step)) => (to, Some(step)),
        None => (rest, None),
    };
    let number = |s: &str| -> Result<f64, SpecError> {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| SpecError(format!("`{text}`: `{}` is not a number", s.trim())))
    };
    let (a, b) = (number(from)?, number(to)?);
    let given = step.map(number).transpose()?;
    let step = given.unwrap_or(1.0);
    if step <= 0.0 {
        return Err(SpecError(format!("`{text}`: the step must be > 0")));
    }
    if b < a {
        return Err(SpecError(format!("`{text}`: the range is empty (it runs from {a} down to {b})")));
    }
    let count = range_count(a, b, step);
    if count > MAX_VALUES as f64 {
        return Err(SpecError(format!("`{text}`: {count} values, more than {MAX_VALUES}")));
    }
    let integral = [from, to].iter().all(|s| !s.contains(['.', 'e', 'E'])) && step.fract() == 0.0;
    Ok(Domain::Range { a, b, step: if integral { Some(step) } else { given }, integral })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_inclusive_and_step_without_drift() {
        assert_eq!(parse_values("2..5").unwrap(), ["2", "3", "4", "5"]);
        assert_eq!(parse_values("0..9:3").unwrap(), ["0", "3", "6", "9"]);
        assert_eq!(parse_values("0..10:3").unwrap(), ["0", "3", "6", "9"]);
        assert_eq!(parse_values("0.6..0.9:0.05").unwrap(), ["0.6", "0.65", "0.7", "0.75", "0.8", "0.85", "0.9"]);
        assert_eq!(
            parse_values("0.1..0.3:0.1").unwrap(),
            ["0.1", "0.2", "0.3"],
            "0.1 + 2 x 0.1 is not 0.30000000000000004"
        );
        assert_eq!(parse_values("0,1,3,5").unwrap(), ["0", "1", "3", "5"]);
        assert_eq!(parse_values("true,false").unwrap(), ["true", "false"]);
        assert_eq!(parse_values("7").unwrap(), ["7"]);
    }

    /// `u` at the centre of each of `m` equal cells of `[0, 1)`, and at each cell's start.
    fn fine_grid(m: usize) -> impl Iterator<Item = f64> {
        (0..m).flat_map(move |i| [(i as f64 + 0.5) / m as f64, i as f64 / m as f64])
    }

    #[test]
    fn params_keep_their_domain_and_the_grid_is_unchanged() {
        for (text, domain) in [
            ("2..5", Domain::Range { a: 2.0, b: 5.0, step: Some(1.0), integral: true }),
            ("0..10:3", Domain::Range { a: 0.0, b: 10.0, step: Some(3.0), integral: true }),
            ("0.6..0.9:0.05", Domain::Range { a: 0.6, b: 0.9, step: Some(0.05), integral: false }),
            ("0..1:0.25", Domain::Range { a: 0.0, b: 1.0, step: Some(0.25), integral: false }),
            ("0.6..0.9", Domain::Range { a: 0.6, b: 0.9, step: None, integral: false }),
            ("1e0..3", Domain::Range { a: 1.0, b: 3.0, step: None, integral: false }),
            ("0,1,3,5", Domain::List(vec!["0".into(), "1".into(), "3".into(), "5".into()])),
            ("7", Domain::List(vec!["7".into()])),
        ] {
            let p = parse_param(&format!("contract_step={text}")).unwrap();
            assert_eq!(p.domain, domain, "{text}");
            assert_eq!(p.values, parse_values(text).unwrap(), "{text}");
            assert_eq!(p.domain.is_continuous(), text == "0.6..0.9" || text == "1e0..3", "{text}");
        }
        // A float range without a step is a grid stepped by 1 (as before), continuous only when sampled.
        assert_eq!(parse_values("0.6..0.9").unwrap(), ["0.6"]);
        assert_eq!(parse_values("0.5..2.5").unwrap(), ["0.5", "1.5", "2.5"]);
    }

    #[test]
    fn a_stepped_range_samples_its_grid_values_in_equal_shares() {
        for text in ["2..5", "0..10:3", "0.6..0.9:0.05", "0.1..0.3:0.1", "0..1:0.25", "-3..3:2", "0.5..2.5:1", "7..7"] {
            let domain = parse_domain(text).unwrap();
            let grid = domain.grid();
            let m = 840 * grid.len();
            let mut shares = vec![0usize; grid.len()];
            for u in fine_grid(m) {
                let v = domain.at(u);
                let at = grid.iter().position(|g| *g == v).unwrap_or_else(|| panic!("{text}: {v} off the grid"));
                shares[at] += 1;
            }
            // Every value, the ends too, takes the same share of [0, 1): the integers are uniform.
            assert!(shares.iter().all(|s| *s == 2 * m / grid.len()), "{text}: {shares:?}");
            assert_eq!(domain.at(0.0), grid[0], "{text}");
            assert_eq!(domain.at(1.0 - 1e-12), grid[grid.len() - 1], "{text}");
            assert_eq!(domain.at(-0.5), grid[0], "{text}: clamped");
            assert_eq!(domain.at(1.0), grid[grid.len() - 1], "{text}: clamped");
        }
        let domain = parse_domain("2..5").unwrap();
        let at: Vec<String> = [0.0, 0.24, 0.25, 0.5, 0.74, 0.75, 0.999].iter().map(|u| domain.at(*u)).collect();
        assert_eq!(at, ["2", "2", "3", "4", "4", "5", "5"]);
    }

    #[test]
    fn a_list_samples_its_values_as_categories() {
        let domain = parse_domain("true,false,auto").unwrap();
        assert!(!domain.is_continuous());
        let mut shares = [0usize; 3];
        for u in fine_grid(3000) {
            let v = domain.at(u);
            shares[["true", "false", "auto"].iter().position(|c| *c == v).unwrap()] += 1;
        }
        assert_eq!(shares, [2000, 2000, 2000]);
        assert_eq!([domain.at(0.0), domain.at(0.34), domain.at(0.99)], ["true", "false", "auto"]);
        assert_eq!(parse_domain("7").unwrap().at(0.5), "7");
    }

    #[test]
    fn a_float_range_without_a_step_samples_a_continuum() {
        let domain = parse_domain("0.6..0.9").unwrap();
        assert!(domain.is_continuous());
        assert_eq!(domain.at(0.0), "0.6");
        assert_eq!(domain.at(0.5), "0.75");
        assert_eq!(domain.at(1.0 - 1e-15), "0.9", "the top end, within the rounding of 12 decimals");
        assert_eq!(domain.at(0.25), "0.675");
        assert_eq!(domain.at(1.0 / 3.0), "0.7", "0.6 + 0.1 rounds to 12 decimals");
        let xs: Vec<f64> = fine_grid(1000).map(|u| domain.at(u).parse().unwrap()).collect();
        assert!(xs.iter().all(|x| (0.6..=0.9).contains(x)));
        let mut distinct = xs.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert_eq!(distinct.len(), 2000, "every u its own value");
        assert_eq!(parse_domain("-1..2.5").unwrap().at(0.5), "0.75");
    }

    #[test]
    fn bad_ranges_say_why() {
        for (text, why) in [
            ("", "no value"),
            ("5..2", "empty"),
            ("1..x", "`x` is not a number"),
            ("1..5:0", "step must be > 0"),
            ("1..5:-1", "step must be > 0"),
            ("0..1e9", "more than"),
            ("1,,2", "value 2 of the list is empty"),
            ("nan..1", "not a number"),
        ] {
            let e = parse_values(text).unwrap_err();
            assert!(e.0.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn params_and_seeds() {
        let p = parse_param("contract_step=1..4").unwrap();
        assert_eq!((p.key.as_str(), p.values.len()), ("contract_step", 4));
        assert!(parse_param("contract_step").unwrap_err().0.contains("KEY=VALUES"));
        assert!(parse_param("=1..2").unwrap_err().0.contains("key is empty"));
        assert_eq!(
            parse_param("contract_step=1,1,2").unwrap_err().0,
            "--param contract_step: the value 1 is listed twice"
        );
        assert_eq!(parse_seeds("3").unwrap(), [1, 2, 3]);
        assert_eq!(parse_seeds("5..7").unwrap(), [5, 6, 7]);
        assert_eq!(parse_seeds("9,4").unwrap(), [9, 4]);
        assert!(parse_seeds("0").unwrap_err().0.contains("count from 1"));
        assert!(parse_seeds("1.5..3").unwrap_err().0.contains("not a seed"));
        assert!(parse_seeds("4,4").unwrap_err().0.contains("listed twice"));
        assert!(parse_seeds("-3").unwrap_err().0.contains("expected a count"));
        assert_eq!(parse_seeds("1..9:4").unwrap(), [1, 5, 9]);
        assert!(parse_seeds("5..2").unwrap_err().0.contains("the range is empty"));
        assert!(parse_seeds("1..5:0").unwrap_err().0.contains("step must be > 0"));
        assert!(parse_seeds("0..100000000").unwrap_err().0.contains("more than"));
        // Exact past 2^53 and up to u64::MAX, as a range and as a list alike.
        let big = 9_007_199_254_740_993u64;
        assert_eq!(parse_seeds(&format!("{big}..{}", big + 1)).unwrap(), [big, big + 1]);
        assert_eq!(parse_seeds(&format!("{big},{}", big + 1)).unwrap(), [big, big + 1]);
        assert_eq!(parse_seeds(&format!("{}..{}", u64::MAX - 1, u64::MAX)).unwrap(), [u64::MAX - 1, u64::MAX]);
        assert!(parse_seeds(&format!("{}..{}0", u64::MAX, u64::MAX)).unwrap_err().0.contains("not a seed"));
    }
}
