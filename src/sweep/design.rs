//! Which settings a sweep runs: the full grid of the `--param` values, or a design drawn from their ranges:
//! a Sobol sample or a Latin hypercube of N settings (`--sample sobol:N`, `--sample lhs:N`) for many keys or
//! continuous ranges, or a Saltelli design for Sobol sensitivity indices (`--importance N`).
//!
//! A design maps each point of the unit cube to one value per key ([`super::Domain::at`]): a list's values
//! as categories, an integral or stepped range's grid values each with an equal share, a float range written
//! without a step (`0.6..0.9`) continuous. Settings are numbered in the design's order; two points may give
//! the same setting (integer keys, small ranges): each stays a setting of its own, as a point of the design.
//! Every point comes from the seeded generators of [`super::sample`] and [`super::importance`], so a design
//! is the same on every machine and a manifest rebuilds it for `sweep merge`.

use super::plan::Setting;
use super::spec::{Param, SpecError, parse_param};
use serde::{Deserialize, Serialize};

/// The kind of a drawn design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DesignKind {
    /// Sobol points with a random digital shift.
    Sobol,
    /// A Latin hypercube.
    Lhs,
    /// Saltelli's design for Sobol indices: N rows of `keys + 2` settings.
    Saltelli,
}

/// A drawn design: its kind, its size N, its seed, and (once planned) each swept key's values as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Design {
    pub kind: DesignKind,
    /// Settings of a sample; rows of a Saltelli design (`N x (keys + 2)` settings).
    pub n: usize,
    pub seed: u64,
    /// Each key and its values as written (`contract_ok_cycles`, `1..8`), in `--param` order.
    #[serde(default)]
    pub ranges: Vec<(String, String)>,
}

/// A bad `--sample` or `--importance` value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DesignError(pub String);

/// The fewest rows of a Saltelli design: its intervals resample rows, and a handful gives none worth a number.
pub const MIN_IMPORTANCE_ROWS: usize = 8;

/// The most keys a Saltelli design takes (twice as many Sobol dimensions).
pub(crate) const MAX_SALTELLI_KEYS: usize = super::sample::MAX_SOBOL_DIMS / 2;

impl Design {
    /// Parses `--sample sobol:N` or `lhs:N` (`N` from 1).
    pub fn parse_sample(text: &str, seed: u64) -> Result<Self, DesignError> {
        let bad = |why: &str| DesignError(format!("--sample {text}: {why}"));
        let (kind, n) =
            text.trim().split_once(':').ok_or_else(|| bad("expected sobol:N or lhs:N, for example sobol:256"))?;
        let kind = match kind.trim() {
            "sobol" => DesignKind::Sobol,
            "lhs" => DesignKind::Lhs,
            other => {
                return Err(bad(&format!(
                    "`{other}` is no design: expected sobol or lhs{}",
                    crate::suggest::did_you_mean(other, ["sobol", "lhs"])
                )));
            }
        };
        let n = count(n).map_err(|e| bad(&e))?;
        Ok(Self { kind, n, seed, ranges: Vec::new() })
    }

    /// `--importance N`: a Saltelli design of N rows.
    pub fn saltelli(n: usize, seed: u64) -> Self {
        Self { kind: DesignKind::Saltelli, n, seed, ranges: Vec::new() }
    }

    /// How many settings the design has over `keys` keys, or `None` past `usize`.
    pub fn settings_count(&self, keys: usize) -> Option<usize> {
        match self.kind {
            DesignKind::Sobol | DesignKind::Lhs => Some(self.n),
            DesignKind::Saltelli => self.n.checked_mul(keys.checked_add(2)?),
        }
    }

    /// Checks the design fits `params` and records their ranges: at least one key (two rows for importance),
    /// at most the dimensions the generators draw, at most `max` settings.
    pub(crate) fn with_ranges(mut self, params: &[Param], max: usize) -> Result<Self, DesignError> {
        let flag = match self.kind {
            DesignKind::Saltelli => "--importance",
            DesignKind::Sobol | DesignKind::Lhs => "--sample",
        };
        if params.is_empty() {
            return Err(DesignError(format!("{flag} draws settings from the --param ranges: give at least one")));
        }
        let most = match self.kind {
            DesignKind::Sobol => super::sample::MAX_SOBOL_DIMS,
            DesignKind::Saltelli => MAX_SALTELLI_KEYS,
            DesignKind::Lhs => usize::MAX,
        };
        if params.len() > most {
            return Err(DesignError(format!("{flag}: at most {most} swept keys, {} given", params.len())));
        }
        if self.kind == DesignKind::Saltelli && params.len() < 2 {
            return Err(DesignError(
                "--importance compares the swept keys: give at least two (one key explains all of what varies)".into(),
            ));
        }
        if self.kind == DesignKind::Saltelli && self.n < MIN_IMPORTANCE_ROWS {
            return Err(DesignError(format!("--importance N: N is at least {MIN_IMPORTANCE_ROWS} rows")));
        }
        match self.settings_count(params.len()) {
            Some(n) if n <= max => {}
            _ => {
                return Err(DesignError(format!(
                    "{flag}: the design is too large: at most {max} settings; draw fewer{}",
                    if self.kind == DesignKind::Saltelli { " rows (each is keys + 2 settings)" } else { "" }
                )));
            }
        }
        self.ranges = params.iter().map(|p| (p.key.clone(), p.text.clone())).collect();
        Ok(self)
    }

    /// The design's settings, in its order.
    pub(crate) fn settings(&self) -> Result<Vec<Setting>, SpecError> {
        let params: Vec<Param> =
            self.ranges.iter().map(|(k, v)| parse_param(&format!("{k}={v}"))).collect::<Result<_, _>>()?;
        let d = params.len();
        let points = match self.kind {
            DesignKind::Sobol => super::sample::sobol(self.n, d, self.seed),
            DesignKind::Lhs => super::sample::lhs(self.n, d, self.seed),
            DesignKind::Saltelli => super::importance::saltelli(self.n, d, self.seed),
        };
        Ok(points
            .iter()
            .enumerate()
            .map(|(index, u)| Setting {
                index,
                values: params.iter().zip(u).map(|(p, &u)| (p.key.clone(), p.domain.at(u))).collect(),
            })
            .collect())
    }

    /// `a Sobol sample of 256 settings (seed 1)`; with `distinct` below `settings`, `(seed 1; 12 distinct)`:
    /// points of a design that fall on the same values are settings of their own, run again.
    pub fn describe(&self, settings: usize, distinct: usize) -> String {
        let seed = if distinct < settings {
            format!("seed {}; {distinct} distinct", self.seed)
        } else {
            format!("seed {}", self.seed)
        };
        match self.kind {
            DesignKind::Sobol => format!("a Sobol sample of {settings} settings ({seed})"),
            DesignKind::Lhs => format!("a Latin hypercube of {settings} settings ({seed})"),
            DesignKind::Saltelli => format!("a Saltelli design of {} rows, {settings} settings ({seed})", self.n),
        }
    }
}

/// A count from 1, as a design's size (a count past `usize` is one the design's size limit refuses).
fn count(text: &str) -> Result<usize, String> {
    let text = text.trim();
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Err(_) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => Ok(usize::MAX),
        _ => Err(format!("`{text}` is not a count: expected a whole number from 1")),
    }
}

/// Parses `--importance N` (N from [`MIN_IMPORTANCE_ROWS`]: rows of a Saltelli design).
pub fn parse_importance(text: &str) -> Result<usize, String> {
    match count(text) {
        Ok(n) if n >= MIN_IMPORTANCE_ROWS => Ok(n),
        _ => Err(format!("--importance {text}: expected a number of rows from {MIN_IMPORTANCE_ROWS}, for example 64")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(texts: &[&str]) -> Vec<Param> {
        texts.iter().map(|t| parse_param(t).unwrap()).collect()
    }

    #[test]
    fn a_sample_maps_its_points_onto_the_ranges_as_written() {
        let p = params(&["contract_ok_cycles=1..8", "strike_coverage_ok=0.6..0.9", "contract_cooldown=0,2,5"]);
        let design = Design::parse_sample("sobol:64", 7).unwrap().with_ranges(&p, 1000).unwrap();
        let settings = design.settings().unwrap();
        assert_eq!(settings.len(), 64);
        let mut ok_cycles = std::collections::BTreeMap::new();
        for s in &settings {
            let v: Vec<&str> = s.values.iter().map(|(_, v)| v.as_str()).collect();
            *ok_cycles.entry(v[0].parse::<u32>().unwrap()).or_insert(0) += 1;
            let coverage: f64 = v[1].parse().unwrap();
            assert!((0.6..=0.9).contains(&coverage), "{coverage}");
            assert!(["0", "2", "5"].contains(&v[2]));
        }
        // Sobol points are stratified: 64 points over 8 integer values, 8 each.
        assert_eq!(ok_cycles.values().copied().collect::<Vec<_>>(), vec![8; 8]);
        assert_eq!(design.settings().unwrap(), settings, "rebuilt the same");
        let other = Design { seed: 8, ..design.clone() }.settings().unwrap();
        assert_ne!(other, settings, "the seed moves the points");
        let lhs = Design { kind: DesignKind::Lhs, ..design }.settings().unwrap();
        assert_eq!(lhs.len(), 64);
    }

    #[test]
    fn bad_designs_say_what_was_expected() {
        for (text, says) in [
            ("sobol", "expected sobol:N or lhs:N"),
            ("sobl:8", "did you mean"),
            ("lhs:0", "not a count"),
            ("lhs:x", "not a count"),
        ] {
            let e = Design::parse_sample(text, 1).unwrap_err().0;
            assert!(e.contains(says), "{text}: {e}");
        }
        let one = params(&["contract_ok_cycles=1..8"]);
        assert!(
            Design::parse_sample("sobol:8", 1).unwrap().with_ranges(&[], 10).unwrap_err().0.contains("at least one")
        );
        assert!(
            Design::parse_sample("sobol:80", 1).unwrap().with_ranges(&one, 10).unwrap_err().0.contains("too large")
        );
        let two = params(&["contract_ok_cycles=1..8", "contract_cooldown=0..4"]);
        assert!(Design::saltelli(8, 1).with_ranges(&one, 100).unwrap_err().0.contains("at least two"));
        assert!(Design::saltelli(8, 1).with_ranges(&two, 32).is_ok(), "8 rows x 4 settings");
        assert!(Design::saltelli(8, 1).with_ranges(&two, 31).unwrap_err().0.contains("rows"));
        assert!(Design::saltelli(4, 1).with_ranges(&two, 100).unwrap_err().0.contains("at least 8 rows"));
        assert!(parse_importance("7").is_err());
        let huge = Design::parse_sample("sobol:99999999999999999999", 1).unwrap();
        assert!(huge.with_ranges(&one, 10).unwrap_err().0.contains("too large"));
        assert_eq!(parse_importance("64"), Ok(64));
    }
}
