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
    pub values: Vec<String>,
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
    let values = parse_values(values).map_err(|e| SpecError(format!("--param {key}: {e}")))?;
    // Two equal settings would be run and scored twice, and tie in every ranking.
    let mut sorted = values.clone();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(SpecError(format!("--param {key}: the value {} is listed twice", w[0])));
    }
    Ok(Param { key: key.to_string(), values })
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
        return Ok(values);
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
    let step = step.map(number).transpose()?.unwrap_or(1.0);
    if step <= 0.0 {
        return Err(SpecError(format!("`{text}`: the step must be > 0")));
    }
    if b < a {
        return Err(SpecError(format!("`{text}`: the range is empty (it runs from {a} down to {b})")));
    }
    let count = ((b - a) / step * (1.0 + 1e-12) + 1e-9).floor() + 1.0;
    if count > MAX_VALUES as f64 {
        return Err(SpecError(format!("`{text}`: {count} values, more than {MAX_VALUES}")));
    }
    let integral = [from, to].iter().all(|s| !s.contains(['.', 'e', 'E'])) && step.fract() == 0.0;
    Ok((0..count as usize)
        .map(|i| {
            let x = a + i as f64 * step;
            if integral { format!("{}", x as i64) } else { format!("{}", (x * 1e12).round() / 1e12) }
        })
        .collect())
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
