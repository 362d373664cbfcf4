//! A dump as runs use it. [`load`] reads a file once into a [`DumpFile`] that every run using it shares
//! read-only (an `Arc`: a sweep's runs, or `g6sim check --universe` over many scenarios, read it once).
//! [`UniverseUse`] is one scenario's view of it: per index, the dump's summary as of the run's first day
//! and whether its weekly weekday differs from the registry's. What it replaces ([`IndexSummary::apply_to`]):
//!
//! - the listed expiries: the dump's (not past the simulated day), whatever the registry's weekday says (the
//!   data wins; a mismatch is reported);
//! - the strike step, lot and tick sizes, and the synthetic ATM: the dump's, where the dump has them. A
//!   scenario's `config.strike_step` (or `G6_STRIKE_STEP_*`, `--set strike_step.X`) and an index's
//!   `lot_size` / `tick_size` are set for this run on purpose, so they still win over the dump;
//! - the initial index price: the index's `spot` when given, else the dump's ATM region (the median option
//!   strike of the nearest expiry on or after the first day).

use super::{Dump, DumpError, IndexSummary};
use crate::registry::{self, IndexMeta};
use crate::schema::Scenario;
use crate::vocab::SkipReason;
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A dump read from a file, with what identifies the file.
pub struct DumpFile {
    /// The path as given.
    pub path: String,
    /// sha256 of the file's bytes, hex (the manifest records it).
    pub sha256: String,
    pub dump: Dump,
}

impl fmt::Debug for DumpFile {
    /// The file, not its rows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DumpFile({}, {} rows, sha256 {})", self.path, self.dump.counts.rows, self.sha256)
    }
}

impl DumpFile {
    /// Reads a dump from bytes, plain or gzipped; `path` names it in errors.
    pub fn from_bytes(path: &str, bytes: &[u8]) -> Result<Self, DumpError> {
        let dump = super::parse(path, bytes)?;
        let sha256 = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { path: path.to_string(), sha256, dump })
    }

    /// The file's name without its directories (what the manifest records, so it does not depend on where
    /// the run was started).
    pub fn file_name(&self) -> String {
        Path::new(&self.path).file_name().map_or_else(|| self.path.clone(), |f| f.to_string_lossy().into_owned())
    }
}

/// Reads a dump file once, to be shared by the runs that use it.
pub fn load(path: &Path) -> Result<Arc<DumpFile>, DumpError> {
    let (file, bytes) = super::read_bytes(path)?;
    DumpFile::from_bytes(&file, &bytes).map(Arc::new)
}

/// The English name of a weekday (0 = Monday).
pub(crate) fn weekday_name(day: u32) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].get(day as usize).unwrap_or(&"?")
}

impl IndexSummary {
    /// Replaces the registry's numbers with the dump's where it has them: strike step, lot and tick sizes,
    /// the weekly weekday and the synthetic ATM (the ATM region). The run's own overrides are applied after.
    pub(crate) fn apply_to(&self, meta: &mut IndexMeta) {
        meta.step = self.strike_step.filter(|s| *s > 0.0).unwrap_or(meta.step);
        meta.lot_size = self.lot_size.filter(|l| *l > 0).unwrap_or(meta.lot_size);
        meta.tick_size = self.tick_size.filter(|t| *t > 0.0).unwrap_or(meta.tick_size);
        meta.weekly_dow = self.expiry_weekday.unwrap_or(meta.weekly_dow);
        meta.synthetic_atm = self.atm.filter(|a| *a > 0.0).unwrap_or(meta.synthetic_atm);
    }
}

/// What a run takes from the dump for one of its indices.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexUse {
    pub index: String,
    /// The dump's summary as of the run's first day (`None`: the dump has no valid option of the index, so
    /// no expiry rule of it can resolve).
    pub summary: Option<IndexSummary>,
    /// The weekly weekday of the registry (or of the scenario's `registry` entry), 0 = Monday.
    pub registry_weekday: u32,
    /// The dump's expiries fall on another weekday than the registry's (the dump's are used).
    pub weekday_mismatch: bool,
}

/// One scenario's view of a dump: what the manifest records under `universe`.
#[derive(Clone, Debug, Serialize)]
pub struct UniverseUse {
    /// The file's name (see [`DumpFile::file_name`]).
    pub file: String,
    pub sha256: String,
    pub gzipped: bool,
    pub rows: u64,
    pub index_options: u64,
    /// What the reader skipped, per reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Per scenario index, in scenario order.
    pub indices: Vec<IndexUse>,
    #[serde(skip)]
    pub source: Arc<DumpFile>,
}

impl UniverseUse {
    /// The view of `source` for `scenario`, its nearest expiries taken as of the scenario's first day.
    pub fn new(source: Arc<DumpFile>, scenario: &Scenario) -> Self {
        let dump = &source.dump;
        let summaries = dump.summarize(Some(scenario.start.date_naive()));
        let indices = scenario
            .indices
            .iter()
            .map(|spec| {
                let registry_weekday = match &spec.registry {
                    Some(entry) => entry.weekly_dow,
                    None => registry::index_meta(&spec.symbol, None).weekly_dow,
                };
                let summary = summaries.iter().find(|s| s.symbol.eq_ignore_ascii_case(spec.symbol.trim())).cloned();
                let weekday_mismatch =
                    summary.as_ref().and_then(|s| s.expiry_weekday).is_some_and(|d| d != registry_weekday);
                IndexUse { index: spec.symbol.to_uppercase(), summary, registry_weekday, weekday_mismatch }
            })
            .collect();
        Self {
            file: source.file_name(),
            sha256: source.sha256.clone(),
            gzipped: dump.gzipped,
            rows: dump.counts.rows,
            index_options: dump.counts.index_options,
            skipped: dump.counts.skipped.clone(),
            indices,
            source,
        }
    }

    /// The dump's summary of the index at scenario position `pos`.
    pub fn summary(&self, pos: usize) -> Option<&IndexSummary> {
        self.indices.get(pos).and_then(|i| i.summary.as_ref())
    }

    /// What a run says before it starts: weekday mismatches (the data wins), indices without options, and
    /// indices whose expiries are all past the first day.
    pub fn warnings(&self) -> Vec<String> {
        let file = &self.source.path;
        let mut out = Vec::new();
        for ix in &self.indices {
            match &ix.summary {
                None => out.push(format!(
                    "universe {file}: no valid {} option: its expiry rules cannot resolve (indices with options: {})",
                    ix.index,
                    listed_indices(&self.source.dump)
                )),
                Some(s) if s.nearest_expiry.is_none() => out.push(format!(
                    "universe {file}: every {} expiry is before the scenario's start (last {}): its expiry rules \
                     cannot resolve",
                    ix.index,
                    s.expiries.last().map_or(String::new(), NaiveDate::to_string)
                )),
                Some(_) => {}
            }
            if let (true, Some(day)) = (ix.weekday_mismatch, ix.summary.as_ref().and_then(|s| s.expiry_weekday)) {
                out.push(format!(
                    "universe {file}: {} expiries fall on {}, the registry says {}: the dump's expiries are used",
                    ix.index,
                    weekday_name(day),
                    weekday_name(ix.registry_weekday)
                ));
            }
        }
        out
    }
}

fn listed_indices(dump: &Dump) -> String {
    let names: Vec<&str> = dump.indices.iter().map(|s| s.symbol.as_str()).collect();
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

impl crate::cycle::spawn::DumpSource for UniverseUse {
    fn apply_to(&self, i: usize, meta: &mut IndexMeta) {
        if let Some(summary) = self.summary(i) {
            summary.apply_to(meta);
        }
    }
    fn universe_rows(&self, positions: &[(&str, u16)]) -> Vec<crate::world::UniverseRow> {
        self.source.dump.universe_rows(positions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dump_replaces_what_it_has() {
        let mut meta = registry::index_meta("NIFTY", None);
        let summary = IndexSummary {
            symbol: "NIFTY".into(),
            segment: "NFO-OPT".into(),
            options: 4,
            expiries: vec![],
            nearest_expiry: None,
            strike_step: Some(100.0),
            atm: Some(23900.0),
            lot_size: Some(40),
            tick_size: None,
            expiry_weekday: Some(1),
        };
        summary.apply_to(&mut meta);
        assert_eq!((meta.step, meta.lot_size, meta.tick_size), (100.0, 40, 0.05), "no tick in the dump: kept");
        assert_eq!((meta.weekly_dow, meta.synthetic_atm), (1, 23900.0));
        // The run's own step override still wins.
        meta.apply_step_override(Some(25.0));
        assert_eq!(meta.step, 25.0);
        assert_eq!(weekday_name(3), "Thursday");
    }
}
