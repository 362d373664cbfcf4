//! The resolved configuration: one struct, stored as a resource and echoed into the manifest.
//!
//! Precedence, lowest first: the defaults below (the reference's), the scenario's `config` section, the
//! `G6_*` environment variables the reference reads, then command-line `--set key=value`. Nothing reads the
//! environment after start-up: [`resolve`] takes the variables as a map.

use bevy_ecs::prelude::Resource;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// Which behaviour the pipeline follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Parity {
    /// The reference's rules as designed, with the quirks docs/differences.md lists fixed.
    #[default]
    Off,
    /// Reproduce the reference's deterministic quirks (see docs/differences.md).
    G6,
}

/// A parity mode that is neither `g6` nor `off`: the mode as read (trimmed, lower case).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown parity mode `{mode}`: expected `g6` or `off`")]
pub struct UnknownParity {
    pub mode: String,
}

impl Parity {
    pub fn parse(text: &str) -> Result<Self, UnknownParity> {
        match text.trim().to_lowercase().as_str() {
            "g6" => Ok(Self::G6),
            "off" | "none" | "default" => Ok(Self::Off),
            other => Err(UnknownParity { mode: other.to_string() }),
        }
    }
    pub fn is_g6(self) -> bool {
        self == Self::G6
    }
}

/// A number in `[0, 1]`, checked where it is read (so a scenario error points at the value).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Ratio(f64);

/// A number outside `[0, 1]` (or not finite) where a [`Ratio`] is expected.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("{value} is not a ratio: expected a number from 0.0 to 1.0")]
pub struct NotARatio {
    pub value: f64,
}

impl Ratio {
    pub fn new(v: f64) -> Result<Self, NotARatio> {
        if v.is_finite() && (0.0..=1.0).contains(&v) { Ok(Self(v)) } else { Err(NotARatio { value: v }) }
    }
    pub fn get(self) -> f64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ratio::new(f64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Every tunable of one run. Field names are the keys of the scenario's `config` section and of `--set`.
#[derive(Resource, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Set from the scenario's `parity` field or `--parity`, not from `config`.
    #[serde(skip_deserializing)]
    pub parity: Parity,
    /// Status threshold on strike coverage (`G6_STRIKE_COVERAGE_OK`, 0.75). Also drives the expansion
    /// trigger, `clamp(0.9 x this, 0.05, 0.99)`.
    pub strike_coverage_ok: Ratio,
    /// Status threshold on field coverage (`G6_FIELD_COVERAGE_OK`, 0.55).
    pub field_coverage_ok: Ratio,
    /// Adaptive expansion on (off with `G6_DISABLE_ADAPTIVE_STRIKE_RETRY`).
    pub adaptive_expansion: bool,
    /// Strikes added per side by one expansion (`G6_ADAPTIVE_STRIKE_STEP`, 2).
    pub expansion_step: u32,
    /// Expansion cap per side (`G6_ADAPTIVE_STRIKE_MAX_ITM` / `_OTM`). Unset: `max(10, baseline + 10)`
    /// (parity g6: `max(10, current + 10)`, which never binds).
    pub depth_max_itm: Option<u32>,
    pub depth_max_otm: Option<u32>,
    /// Healthy cycles before a contraction (`G6_CONTRACT_OK_CYCLES`, 5).
    pub contract_ok_cycles: u32,
    /// Cycles that must pass between two contractions (`G6_CONTRACT_COOLDOWN`, 3).
    pub contract_cooldown: u32,
    /// Strikes removed per side by one contraction (`G6_CONTRACT_STEP`, 2).
    pub contract_step: u32,
    /// Parity g6 only: the cooldown's cycle number is `simulated unix time / this` (`G6_CYCLE_INTERVAL`, 60).
    pub cooldown_clock_s: u64,
    /// SLA-breach strike scaling on (`G6_ADAPTIVE_STRIKE_SCALING`; off): docs/cycle.md, "Strike scaling".
    pub strike_scaling: bool,
    /// Breaching cycles in a row before the strikes scale down (`G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD`, 3).
    /// This and the next three are read by parity g6 from the environment as the reference's Python reads them
    /// ([`Config::parity_reads`]).
    pub strike_scaling_breach_threshold: u32,
    /// Healthy cycles in a row before they scale back up (`G6_ADAPTIVE_STRIKE_RESTORE_HEALTHY`, 10).
    pub strike_scaling_restore_healthy: u32,
    /// The factor one scale-down multiplies the scale by (`G6_ADAPTIVE_STRIKE_REDUCTION`, 0.8). Parity g6 may
    /// read any float from the environment (0, negative, above 1, infinite, NaN).
    pub strike_scaling_reduction: f64,
    /// Strikes per side scaling never goes below (`G6_ADAPTIVE_STRIKE_MIN`, 2).
    pub strike_scaling_min: u32,
    /// Parity g6: the scale moves, the depths are not written (`G6_ADAPTIVE_SCALE_PASSTHROUGH`; off).
    pub strike_scaling_passthrough: bool,
    /// Memory-pressure tiers (`G6_MEMORY_PRESSURE_TIERS`): a JSON list of `{name, level, threshold, actions}`;
    /// unset, the reference's (docs/cycle.md, "Memory pressure").
    pub memory_pressure_tiers: Option<String>,
    /// Seconds a lower tier must hold before the level comes down (`G6_MEMORY_PRESSURE_RECOVERY_SECONDS`, 60;
    /// the default mode's lasting manager: parity g6 builds a new one every cycle).
    pub memory_recovery_s: u32,
    /// Seconds before Greeks come back after memory pressure, twice that for per-option metrics
    /// (`G6_MEMORY_ROLLBACK_COOLDOWN`, 120).
    pub memory_rollback_cooldown_s: u32,
    /// The share of the cycle interval a cycle may take before it breaches its SLA (`G6_CYCLE_SLA_FRACTION`,
    /// 0.85): the `cycle_sla_breach` count's budget ([`Config::sla_budget_s`]).
    pub cycle_sla_fraction: f64,
    /// B6 clamp ceiling per index per expiry (`G6_PREFILTER_MAX_INSTRUMENTS`, 2500; floor 50).
    pub prefilter_max_instruments: u32,
    /// A clamp marks the expiry PARTIAL `prefilter_clamp` (`G6_PREFILTER_CLAMP_STRICT`).
    pub prefilter_clamp_strict: bool,
    /// No clamp at all (`G6_PREFILTER_DISABLE`).
    pub prefilter_disable: bool,
    /// B1 expiry map on (off with `G6_DISABLE_EXPIRY_MAP`: every expiry scans the whole universe).
    pub expiry_map: bool,
    /// Per-index strike step overrides (`G6_STRIKE_STEP_<INDEX>`).
    pub strike_step: BTreeMap<String, f64>,
    /// The reference's TRACE events (`instrument_coverage`, `field_coverage`, `expiry_map_build`) in the
    /// event log (`G6_TRACE_COLLECTOR`).
    pub trace: bool,
    /// STRUCT events written to `events.jsonl` (off with `G6_DISABLE_STRUCT_EVENTS`; expectations still see them).
    pub struct_events: bool,
    /// Preventive validation of quote rows (off with `G6_VALIDATION_BYPASS`).
    pub validation: bool,
    /// Implied volatility and Greeks for every quote (`G6_FORCE_GREEKS` turns it on, `G6_DISABLE_GREEKS`
    /// off, and wins; `--greeks`).
    pub compute_greeks: bool,
    /// Directory for one benchmark artifact per cycle (`G6_BENCHMARK_DUMP`; unset: none).
    pub benchmark_dump: Option<String>,
    /// Write artifacts as `.json.gz` (`G6_BENCHMARK_COMPRESS`).
    pub benchmark_compress: bool,
    /// Keep only the newest N artifacts in the directory, 0 = all (`G6_BENCHMARK_KEEP_N`).
    pub benchmark_keep_n: u32,
    /// Add robust z-score anomaly annotations (`G6_BENCHMARK_ANNOTATE_OUTLIERS`).
    pub benchmark_annotate_outliers: bool,
    /// Cycles of history the anomaly score looks at (`G6_BENCHMARK_ANOMALY_HISTORY`, 60).
    pub benchmark_anomaly_history: u32,
    /// |robust z| at or above which a value is an anomaly (`G6_BENCHMARK_ANOMALY_THRESHOLD`, 3.5).
    pub benchmark_anomaly_threshold: f64,
    /// Parity g6: the strike-scaling variables read from the environment by Python's rules where the default
    /// mode refuses their text, each with its text. `int()` rejecting the breach threshold's, the restore
    /// streak's or the floor's text (`"3.0"`, `""`) means strike scaling never runs
    /// ([`Config::strike_scaling_unparsed`]); `float()` rejecting the reduction's means 0.8. Set by [`resolve`]
    /// only; a `--set` of the key takes its variable out.
    #[serde(skip_deserializing, skip_serializing_if = "BTreeMap::is_empty")]
    pub parity_reads: BTreeMap<String, String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            parity: Parity::Off,
            strike_coverage_ok: Ratio(0.75),
            field_coverage_ok: Ratio(0.55),
            adaptive_expansion: true,
            expansion_step: 2,
            depth_max_itm: None,
            depth_max_otm: None,
            contract_ok_cycles: 5,
            contract_cooldown: 3,
            contract_step: 2,
            cooldown_clock_s: 60,
            strike_scaling: false,
            strike_scaling_breach_threshold: 3,
            strike_scaling_restore_healthy: 10,
            strike_scaling_reduction: 0.8,
            strike_scaling_min: 2,
            strike_scaling_passthrough: false,
            memory_pressure_tiers: None,
            memory_recovery_s: 60,
            memory_rollback_cooldown_s: 120,
            cycle_sla_fraction: 0.85,
            prefilter_max_instruments: 2500,
            prefilter_clamp_strict: false,
            prefilter_disable: false,
            expiry_map: true,
            strike_step: BTreeMap::new(),
            trace: false,
            struct_events: true,
            validation: true,
            compute_greeks: false,
            benchmark_dump: None,
            benchmark_compress: false,
            benchmark_keep_n: 0,
            benchmark_annotate_outliers: false,
            benchmark_anomaly_history: 60,
            benchmark_anomaly_threshold: 3.5,
            parity_reads: BTreeMap::new(),
        }
    }
}

/// Where a value came from, for the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Env,
    Set,
}

/// One value that the environment or `--set` applied on top of the scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Applied {
    pub key: String,
    pub value: String,
    pub source: Source,
    /// The environment variable, when `source` is `env`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

/// A `--set` that could not be applied.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SetError(pub String);

enum Slot {
    Ratio(fn(&mut Config) -> &mut Ratio),
    U32(fn(&mut Config) -> &mut u32),
    /// A step or interval: a whole number >= 1.
    Step(fn(&mut Config) -> &mut u32),
    /// A whole number of seconds >= 1.
    Seconds(fn(&mut Config) -> &mut u64),
    OptU32(fn(&mut Config) -> &mut Option<u32>),
    OptString(fn(&mut Config) -> &mut Option<String>),
    /// Memory-pressure tiers: JSON ([`crate::memory::parse_tiers`]), or empty for the reference's.
    Tiers(fn(&mut Config) -> &mut Option<String>),
    /// A number > 0.
    Positive(fn(&mut Config) -> &mut f64),
    /// A whole number >= 0 the reference reads with Python's `int()` on every cycle: parity g6 reads an
    /// environment value as Python does ([`Slot::apply_as_python`]).
    PyInt(fn(&mut Config) -> &mut u32),
    /// A number > 0 the reference reads with Python's `float()` on every cycle, the fallback where it fails:
    /// parity g6 reads an environment value as Python does.
    PyFloat(fn(&mut Config) -> &mut f64, f64),
    /// A boolean; `inverted` when the environment variable is a `DISABLE` switch.
    Bool(fn(&mut Config) -> &mut bool, bool),
}

/// One configuration key: its name (scenario and `--set`), the reference's variable, and its slot.
struct Key {
    name: &'static str,
    env: &'static str,
    slot: Slot,
}

const KEYS: &[Key] = &[
    Key { name: "strike_coverage_ok", env: "G6_STRIKE_COVERAGE_OK", slot: Slot::Ratio(|c| &mut c.strike_coverage_ok) },
    Key { name: "field_coverage_ok", env: "G6_FIELD_COVERAGE_OK", slot: Slot::Ratio(|c| &mut c.field_coverage_ok) },
    Key {
        name: "adaptive_expansion",
        env: "G6_DISABLE_ADAPTIVE_STRIKE_RETRY",
        slot: Slot::Bool(|c| &mut c.adaptive_expansion, true),
    },
    Key { name: "expansion_step", env: "G6_ADAPTIVE_STRIKE_STEP", slot: Slot::Step(|c| &mut c.expansion_step) },
    Key { name: "depth_max_itm", env: "G6_ADAPTIVE_STRIKE_MAX_ITM", slot: Slot::OptU32(|c| &mut c.depth_max_itm) },
    Key { name: "depth_max_otm", env: "G6_ADAPTIVE_STRIKE_MAX_OTM", slot: Slot::OptU32(|c| &mut c.depth_max_otm) },
    Key { name: "contract_ok_cycles", env: "G6_CONTRACT_OK_CYCLES", slot: Slot::U32(|c| &mut c.contract_ok_cycles) },
    Key { name: "contract_cooldown", env: "G6_CONTRACT_COOLDOWN", slot: Slot::U32(|c| &mut c.contract_cooldown) },
    Key { name: "contract_step", env: "G6_CONTRACT_STEP", slot: Slot::Step(|c| &mut c.contract_step) },
    Key { name: "cooldown_clock_s", env: "G6_CYCLE_INTERVAL", slot: Slot::Seconds(|c| &mut c.cooldown_clock_s) },
    Key {
        name: "strike_scaling",
        env: "G6_ADAPTIVE_STRIKE_SCALING",
        slot: Slot::Bool(|c| &mut c.strike_scaling, false),
    },
    Key {
        name: "strike_scaling_breach_threshold",
        env: "G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD",
        slot: Slot::PyInt(|c| &mut c.strike_scaling_breach_threshold),
    },
    Key {
        name: "strike_scaling_restore_healthy",
        env: "G6_ADAPTIVE_STRIKE_RESTORE_HEALTHY",
        slot: Slot::PyInt(|c| &mut c.strike_scaling_restore_healthy),
    },
    Key {
        name: "strike_scaling_reduction",
        env: REDUCTION_ENV,
        slot: Slot::PyFloat(|c| &mut c.strike_scaling_reduction, 0.8),
    },
    Key { name: "strike_scaling_min", env: MIN_ENV, slot: Slot::PyInt(|c| &mut c.strike_scaling_min) },
    Key {
        name: "strike_scaling_passthrough",
        env: "G6_ADAPTIVE_SCALE_PASSTHROUGH",
        slot: Slot::Bool(|c| &mut c.strike_scaling_passthrough, false),
    },
    Key {
        name: "memory_pressure_tiers",
        env: "G6_MEMORY_PRESSURE_TIERS",
        slot: Slot::Tiers(|c| &mut c.memory_pressure_tiers),
    },
    Key {
        name: "memory_recovery_s",
        env: "G6_MEMORY_PRESSURE_RECOVERY_SECONDS",
        slot: Slot::U32(|c| &mut c.memory_recovery_s),
    },
    Key {
        name: "memory_rollback_cooldown_s",
        env: "G6_MEMORY_ROLLBACK_COOLDOWN",
        slot: Slot::U32(|c| &mut c.memory_rollback_cooldown_s),
    },
    Key {
        name: "cycle_sla_fraction",
        env: "G6_CYCLE_SLA_FRACTION",
        slot: Slot::Positive(|c| &mut c.cycle_sla_fraction),
    },
    Key {
        name: "prefilter_max_instruments",
        env: "G6_PREFILTER_MAX_INSTRUMENTS",
        slot: Slot::U32(|c| &mut c.prefilter_max_instruments),
    },
    Key {
        name: "prefilter_clamp_strict",
        env: "G6_PREFILTER_CLAMP_STRICT",
        slot: Slot::Bool(|c| &mut c.prefilter_clamp_strict, false),
    },
    Key {
        name: "prefilter_disable",
        env: "G6_PREFILTER_DISABLE",
        slot: Slot::Bool(|c| &mut c.prefilter_disable, false),
    },
    Key { name: "expiry_map", env: "G6_DISABLE_EXPIRY_MAP", slot: Slot::Bool(|c| &mut c.expiry_map, true) },
    Key { name: "trace", env: "G6_TRACE_COLLECTOR", slot: Slot::Bool(|c| &mut c.trace, false) },
    Key { name: "struct_events", env: "G6_DISABLE_STRUCT_EVENTS", slot: Slot::Bool(|c| &mut c.struct_events, true) },
    Key { name: "validation", env: "G6_VALIDATION_BYPASS", slot: Slot::Bool(|c| &mut c.validation, true) },
    // Two variables drive one key: the later entry (DISABLE) wins when both are set.
    Key { name: "compute_greeks", env: "G6_FORCE_GREEKS", slot: Slot::Bool(|c| &mut c.compute_greeks, false) },
    Key { name: "compute_greeks", env: "G6_DISABLE_GREEKS", slot: Slot::Bool(|c| &mut c.compute_greeks, true) },
    Key { name: "benchmark_dump", env: "G6_BENCHMARK_DUMP", slot: Slot::OptString(|c| &mut c.benchmark_dump) },
    Key {
        name: "benchmark_compress",
        env: "G6_BENCHMARK_COMPRESS",
        slot: Slot::Bool(|c| &mut c.benchmark_compress, false),
    },
    Key { name: "benchmark_keep_n", env: "G6_BENCHMARK_KEEP_N", slot: Slot::U32(|c| &mut c.benchmark_keep_n) },
    Key {
        name: "benchmark_annotate_outliers",
        env: "G6_BENCHMARK_ANNOTATE_OUTLIERS",
        slot: Slot::Bool(|c| &mut c.benchmark_annotate_outliers, false),
    },
    Key {
        name: "benchmark_anomaly_history",
        env: "G6_BENCHMARK_ANOMALY_HISTORY",
        slot: Slot::U32(|c| &mut c.benchmark_anomaly_history),
    },
    Key {
        name: "benchmark_anomaly_threshold",
        env: "G6_BENCHMARK_ANOMALY_THRESHOLD",
        slot: Slot::Positive(|c| &mut c.benchmark_anomaly_threshold),
    },
];

/// Strike scaling's reduction and floor variables (parity g6 refuses the two negative together).
const REDUCTION_ENV: &str = "G6_ADAPTIVE_STRIKE_REDUCTION";
const MIN_ENV: &str = "G6_ADAPTIVE_STRIKE_MIN";

/// Prefix of the per-index step variables (`G6_STRIKE_STEP_NIFTY`).
pub(crate) const STRIKE_STEP_ENV_PREFIX: &str = "G6_STRIKE_STEP_";

/// The `G6_*` variables of this process, read once at start-up (the library never reads the environment).
pub fn g6_env() -> BTreeMap<String, String> {
    std::env::vars().filter(|(k, _)| k.starts_with("G6_")).collect()
}

/// The reference's truthy set: `1, true, yes, on`, case-insensitive.
pub fn truthy(value: &str) -> bool {
    matches!(value.trim().to_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

/// `--set` and scenario booleans: `true` or `false` (the environment keeps the reference's truthy set).
fn parse_bool_strict(value: &str) -> Result<bool, String> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("`{other}` is not a boolean")),
    }
}

fn parse_int<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value.trim().parse::<T>().map_err(|_| format!("`{}` is not a whole number", value.trim()))
}

/// Strike steps and option ticks that quote and ladder arithmetic handles (a step of 1e-300 collapses the
/// ladder onto the ATM, a tick of 1e-320 overflows the rounding): a scenario's, and a step override's.
pub const STEP_RANGE: (f64, f64) = (0.01, 1e6);

/// A strike step override: within [`STEP_RANGE`], the steps a scenario may declare.
fn parse_step(value: &str) -> Result<f64, String> {
    let (low, high) = STEP_RANGE;
    match value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (low..=high).contains(&v) => Ok(v),
        _ => Err(format!("`{}` is not a strike step: expected a number from {low} to {high}", value.trim())),
    }
}

impl Slot {
    /// Applies a `--set` value (or an environment value when `from_env`; a `DISABLE` switch is then read
    /// with the reference's truthy rule and inverted).
    fn apply(&self, config: &mut Config, value: &str, from_env: bool) -> Result<(), String> {
        let number = |v: &str| v.trim().parse::<f64>().map_err(|_| format!("`{}` is not a number", v.trim()));
        match self {
            Slot::Ratio(f) => *f(config) = Ratio::new(number(value)?).map_err(|e| e.to_string())?,
            Slot::U32(f) | Slot::PyInt(f) => *f(config) = parse_int(value)?,
            Slot::Step(f) => *f(config) = parse_int(value)?,
            Slot::Seconds(f) => *f(config) = parse_int(value)?,
            Slot::OptU32(f) => {
                *f(config) = match value.trim() {
                    "" | "none" | "None" => None,
                    v => Some(parse_int(v)?),
                }
            }
            Slot::OptString(f) | Slot::Tiers(f) => {
                *f(config) = Some(value.trim().to_string()).filter(|v| !v.is_empty());
            }
            Slot::Positive(f) | Slot::PyFloat(f, _) => *f(config) = number(value)?,
            Slot::Bool(f, inverted) => {
                *f(config) = if from_env { truthy(value) != *inverted } else { parse_bool_strict(value)? };
            }
        }
        self.check(config)
    }

    /// The value's allowed range, checked after parsing (for `--set`, the environment and the scenario).
    fn check(&self, config: &mut Config) -> Result<(), String> {
        match self {
            Slot::Step(f) if *f(config) == 0 => Err("0 is out of range: expected a whole number >= 1".into()),
            Slot::Seconds(f) if *f(config) == 0 => Err("0 is out of range: expected a whole number >= 1".into()),
            Slot::Positive(f) | Slot::PyFloat(f, _) if !(f(config).is_finite() && *f(config) > 0.0) => {
                Err(format!("{} is out of range: expected a number > 0", f(config)))
            }
            Slot::Tiers(f) => match f(config).as_deref().map(str::trim) {
                // Empty, as unset: the reference's tiers.
                None | Some("") => Ok(()),
                Some(json) => crate::memory::parse_tiers(json).map(drop),
            },
            _ => Ok(()),
        }
    }

    /// Whether the reference reads the key's variable with Python's `int()` or `float()`.
    fn read_by_python(&self) -> bool {
        matches!(self, Slot::PyInt(_) | Slot::PyFloat(..))
    }

    /// Applies an environment value as the reference's Python reads it (parity g6, for a value the default mode
    /// refuses): a whole number `int()` takes, held from 0 up (one below decides as 0 does: the streaks compared
    /// with a threshold are at least 1, and a floor below 0 meets no negative scale, since [`resolve`] refuses it
    /// with a negative reduction); a number `float()` takes, whatever it is. Text `int()` rejects leaves the value as it was ([`Config::parity_reads`]
    /// says the scaling never runs); text `float()` rejects gives the fallback. Text that is not ASCII (Python
    /// reads Unicode digits and spaces) and a whole number beyond 32 bits are refused.
    fn apply_as_python(&self, config: &mut Config, value: &str) -> Result<(), String> {
        if !value.is_ascii() {
            return Err(format!(
                "`{}` is not ASCII: expected ASCII text (parity g6 does not read Unicode digits and spaces as \
                 Python does)",
                value.trim()
            ));
        }
        match self {
            Slot::PyInt(f) => {
                if let Some(n) = crate::pyjson::int_from_str(value) {
                    let max = i64::from(u32::MAX);
                    if !(-max..=max).contains(&n) {
                        return Err(format!(
                            "`{}` is out of range: expected a whole number from -{max} to {max} (parity g6 holds it \
                             in 32 bits)",
                            value.trim()
                        ));
                    }
                    *f(config) = u32::try_from(n.max(0)).expect("within 32 bits");
                }
                Ok(())
            }
            Slot::PyFloat(f, fallback) => {
                *f(config) = crate::pyjson::float_from_str(value).unwrap_or(*fallback);
                Ok(())
            }
            _ => self.apply(config, value, true),
        }
    }

    /// What the key takes, for error messages.
    fn expected(&self) -> &'static str {
        match self {
            Slot::Ratio(_) => "a ratio from 0.0 to 1.0",
            Slot::U32(_) | Slot::PyInt(_) => "a whole number >= 0",
            Slot::Step(_) | Slot::Seconds(_) => "a whole number >= 1",
            Slot::OptU32(_) => "a whole number >= 0, or none",
            Slot::OptString(_) => "a path, or empty for none",
            Slot::Tiers(_) => "a JSON list of {name, level, threshold, actions}, or empty for the reference's tiers",
            Slot::Positive(_) | Slot::PyFloat(..) => "a number > 0",
            Slot::Bool(..) => "true or false",
        }
    }
}

/// One configuration value out of its range: the key, what it holds and what it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct OutOfRange {
    pub key: String,
    pub message: String,
}

impl Config {
    /// The memory-pressure manager's settings: the configured tiers (the reference's when unset or, as only a
    /// configuration that skipped its checks can hold, unreadable), the reference's smoothing, and the
    /// default mode's fixes unless parity g6.
    pub(crate) fn memory_rules(&self) -> crate::memory::Rules {
        let tiers = self.memory_pressure_tiers.as_deref().and_then(|json| crate::memory::parse_tiers(json).ok());
        // An empty list (only a configuration that skipped its checks holds one) is the reference's too.
        crate::memory::Rules {
            tiers: tiers.unwrap_or_else(crate::memory::default_tiers),
            alpha: crate::memory::ALPHA,
            recovery_s: f64::from(self.memory_recovery_s),
            rollback_s: f64::from(self.memory_rollback_cooldown_s),
            fixed: !self.parity.is_g6(),
        }
    }

    /// Parity g6: the first strike-scaling variable whose text Python's `int()` rejects, and its text. The
    /// reference reads it at the top of every scaling update, inside a `try` whose `except` passes, so the update
    /// fails each cycle before it saves anything: strike scaling never runs.
    pub fn strike_scaling_unparsed(&self) -> Option<(&str, &str)> {
        self.parity_reads
            .iter()
            .filter(|_| self.parity.is_g6())
            .find(|(var, text)| var.as_str() != REDUCTION_ENV && crate::pyjson::int_from_str(text).is_none())
            .map(|(var, text)| (var.as_str(), text.as_str()))
    }

    /// What parity g6 read of [`Config::parity_reads`], one warning each: the run does what the reference does
    /// with such text, which the default refuses.
    pub(crate) fn parity_read_warnings(&self) -> Vec<String> {
        let said = |var: &str, text: &str| {
            if var == REDUCTION_ENV {
                match crate::pyjson::float_from_str(text) {
                    None => "(float() fails), so the reduction is 0.8".to_string(),
                    Some(r) => {
                        format!("(float() gives {}), which the default mode refuses", crate::pyjson::float_repr(r))
                    }
                }
            } else {
                match crate::pyjson::int_from_str(text) {
                    None => "(int() fails), so strike scaling never runs".to_string(),
                    Some(n) => format!("(int() gives {n}), which the default mode refuses"),
                }
            }
        };
        let reads = self.parity_reads.iter().filter(|_| self.parity.is_g6());
        reads
            .map(|(var, text)| format!("{var}={text:?}: parity g6 reads it as the reference does {}", said(var, text)))
            .collect()
    }

    /// Every value out of its allowed range (steps and intervals >= 1, positive thresholds, positive strike
    /// steps), for a configuration built without [`resolve`] (the scenario's `config` section).
    pub fn out_of_range(&self) -> Vec<OutOfRange> {
        let mut probe = self.clone();
        let mut bad: Vec<OutOfRange> = KEYS
            .iter()
            .filter_map(|k| k.slot.check(&mut probe).err().map(|message| OutOfRange { key: k.name.into(), message }))
            .collect();
        for (symbol, step) in &self.strike_step {
            if let Err(message) = parse_step(&step.to_string()) {
                bad.push(OutOfRange { key: format!("strike_step.{symbol}"), message });
            }
        }
        bad
    }
}

/// The `G6_*` variables in `env` that g6sim honours, as `(variable, value, key)`, in variable order: those that
/// apply in both modes (one only parity g6 reads is said by its warning, [`Config::parity_read_warnings`]).
pub(crate) fn env_overrides(env: &BTreeMap<String, String>) -> Vec<(String, String, String)> {
    env.iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter(|(var, value)| {
            resolve(Config::default(), &BTreeMap::from([((*var).clone(), (*value).clone())]), &[]).is_ok()
        })
        .filter_map(|(var, value)| {
            let key = match KEYS.iter().find(|k| k.env == var) {
                Some(k) => k.name.to_string(),
                None => format!("strike_step.{}", var.strip_prefix(STRIKE_STEP_ENV_PREFIX)?.to_uppercase()),
            };
            Some((var.clone(), value.clone(), key))
        })
        .collect()
}

/// The `G6_*` variables of `env` that g6sim does not read but that are one slip away from one it does, with
/// the one meant: `G6_CONTRACT_OK_CYCLE` -> `G6_CONTRACT_OK_CYCLES` (a misspelt variable otherwise changes
/// nothing without a word). Variables of the reference's other settings are left alone.
pub(crate) fn env_near_misses(env: &BTreeMap<String, String>) -> Vec<(String, &'static str)> {
    env.keys()
        .filter(|var| !KEYS.iter().any(|k| k.env == var.as_str()) && !var.starts_with(STRIKE_STEP_ENV_PREFIX))
        .filter_map(|var| {
            let meant = crate::suggest::closest(var, KEYS.iter().map(|k| k.env))?;
            Some((var.clone(), meant))
        })
        .collect()
}

/// Whether `--param` can sweep the key: not a memory-pressure tier list, a JSON text whose commas a list of
/// values cannot hold.
pub(crate) fn sweepable(key: &str) -> bool {
    !KEYS.iter().any(|k| k.name == key && matches!(k.slot, Slot::Tiers(_)))
}

/// The names `--set` takes, for messages.
pub(crate) fn key_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    names.dedup();
    names
}

/// Applies environment variables and `--set` pairs on top of a scenario's configuration.
///
/// An empty environment value keeps the value below it, as in the reference. An unparsable or out-of-range
/// one is an error, as a bad `--set` is (the reference keeps its default without a word: a variable meant to
/// change a verdict that silently changes nothing is the worse failure).
///
/// Parity g6 (`config.parity`) reads strike scaling's four variables as the reference's Python does where the
/// default refuses their text, empty text included (recorded in [`Config::parity_reads`]), except a negative floor with a negative reduction: the reference's scale, and
/// the strike depths it writes, would turn negative.
pub fn resolve(
    mut config: Config,
    env: &BTreeMap<String, String>,
    sets: &[String],
) -> Result<(Config, Vec<Applied>), SetError> {
    let mut applied = Vec::new();
    for key in KEYS {
        let Some(value) = env.get(key.env) else { continue };
        let mut candidate = config.clone();
        let default = (!value.trim().is_empty()).then(|| key.slot.apply(&mut candidate, value, true));
        if config.parity.is_g6() && key.slot.read_by_python() && !matches!(default, Some(Ok(()))) {
            candidate = config.clone();
            key.slot.apply_as_python(&mut candidate, value).map_err(|e| env_error(key.env, value, &e, Some(key)))?;
            candidate.parity_reads.insert(key.env.into(), value.clone());
        } else {
            match default {
                None => continue,
                Some(Err(e)) => return Err(env_error(key.env, value, &e, Some(key))),
                Some(Ok(())) => {}
            }
        }
        config = candidate;
        applied.push(Applied {
            key: key.name.into(),
            value: value.clone(),
            source: Source::Env,
            env: Some(key.env.into()),
        });
    }
    let negative = |var: &str, read: fn(&str) -> bool| config.parity_reads.get(var).is_some_and(|text| read(text));
    if negative(MIN_ENV, |t| crate::pyjson::int_from_str(t).is_some_and(|n| n < 0))
        && negative(REDUCTION_ENV, |t| crate::pyjson::float_from_str(t).is_some_and(|r| r < 0.0))
    {
        let (min, reduction) = (&config.parity_reads[MIN_ENV], &config.parity_reads[REDUCTION_ENV]);
        return Err(SetError(format!(
            "environment {MIN_ENV}={min:?} with {REDUCTION_ENV}={reduction:?}: a negative floor with a negative \
             reduction turns the reference's scale negative, and the strike depths it writes, which parity g6 does \
             not reproduce\n  hint: fix or unset one of them, or pass --no-env to ignore every G6_* variable"
        )));
    }
    for (var, value) in env.range(STRIKE_STEP_ENV_PREFIX.to_string()..) {
        let Some(symbol) = var.strip_prefix(STRIKE_STEP_ENV_PREFIX) else { break };
        match parse_step(value) {
            Ok(step) => {
                config.strike_step.insert(symbol.to_uppercase(), step);
                applied.push(Applied {
                    key: format!("strike_step.{}", symbol.to_uppercase()),
                    value: value.clone(),
                    source: Source::Env,
                    env: Some(var.clone()),
                });
            }
            Err(e) => return Err(env_error(var, value, &e, None)),
        }
    }
    for pair in sets {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            set_error(format!("--set {pair:?}: expected key=value (for example strike_coverage_ok=0.8)"))
        })?;
        let name = name.trim();
        if let Some(symbol) = name.strip_prefix("strike_step.") {
            let step = parse_step(value).map_err(|e| set_error(format!("--set {name}: {e}")))?;
            config.strike_step.insert(symbol.to_uppercase(), step);
        } else {
            let key = KEYS.iter().find(|k| k.name == name).ok_or_else(|| {
                let names = key_names();
                set_error(format!(
                    "--set {name}: unknown key{}; known keys: {}, strike_step.<INDEX>",
                    crate::suggest::did_you_mean(name, names.iter().copied()),
                    names.join(", ")
                ))
            })?;
            key.slot
                .apply(&mut config, value, false)
                .map_err(|e| set_error(format!("--set {name}={value}: {e}{}", takes(key, &e))))?;
            config.parity_reads.remove(key.env);
        }
        applied.push(Applied { key: name.to_string(), value: value.to_string(), source: Source::Set, env: None });
    }
    Ok((config, applied))
}

/// A `--set` that cannot be applied, with where every key is described.
fn set_error(message: String) -> SetError {
    SetError(format!("{message}\n  hint: docs/configuration.md lists every key with its default and its range"))
}

/// ` (KEY takes WHAT)` after an error that does not already say what is expected.
fn takes(key: &Key, error: &str) -> String {
    if error.contains("expected") { String::new() } else { format!(" ({} takes {})", key.name, key.slot.expected()) }
}

/// An environment variable g6sim cannot apply, with how to get past it.
fn env_error(var: &str, value: &str, error: &str, key: Option<&Key>) -> SetError {
    let takes = key.map(|k| takes(k, error)).unwrap_or_default();
    SetError(format!(
        "environment {var}={value:?}: {error}{takes}\n  hint: fix or unset {var}, or pass --no-env to ignore every G6_* variable"
    ))
}

/// Checks the honoured `G6_*` variables of `env` on their own, before anything is loaded and so before the
/// mode is known: every one that does not parse or is out of range in both modes, in variable order, each as
/// [`resolve`] would report it in the default mode. A value only the default refuses (strike scaling's, which
/// parity g6 reads as Python does) is refused by [`resolve`] once the mode is known.
pub(crate) fn check_env(env: &BTreeMap<String, String>) -> Result<(), Vec<SetError>> {
    let parity = Config { parity: Parity::G6, ..Config::default() };
    let bad: Vec<SetError> = env
        .iter()
        .filter_map(|(var, value)| {
            let one = BTreeMap::from([(var.clone(), value.clone())]);
            let refused = resolve(Config::default(), &one, &[]).err()?;
            resolve(parity.clone(), &one, &[]).err().map(|_| refused)
        })
        .collect();
    if bad.is_empty() { Ok(()) } else { Err(bad) }
}

impl Config {
    /// The expansion trigger: `clamp(0.9 x strike_coverage_ok, 0.05, 0.99)` (0.675 by default).
    pub fn expansion_trigger(&self) -> f64 {
        (0.9 * self.strike_coverage_ok.get()).clamp(0.05, 0.99)
    }
    /// The seconds a cycle may take before it breaches its SLA: `cycle_sla_fraction` of the interval the cycles
    /// run at (`interval_s`, the scenario's); in parity g6 of `G6_CYCLE_INTERVAL` (`cooldown_clock_s`), as the
    /// reference's breach count reads it whatever its loop's pace.
    pub fn sla_budget_s(&self, interval_s: u64) -> f64 {
        let interval_s = if self.parity.is_g6() { self.cooldown_clock_s } else { interval_s };
        (interval_s as f64 * self.cycle_sla_fraction).max(0.0)
    }
    /// The clamp ceiling after the floor of 50.
    pub fn prefilter_max_allowed(&self) -> usize {
        self.prefilter_max_instruments.max(50) as usize
    }
    /// The step override for an index, if any.
    pub fn step_override(&self, symbol: &str) -> Option<f64> {
        self.strike_step.get(&symbol.to_uppercase()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_the_references() {
        let c = Config::default();
        assert_eq!((c.strike_coverage_ok.get(), c.field_coverage_ok.get()), (0.75, 0.55));
        assert_eq!((c.contract_ok_cycles, c.contract_cooldown, c.contract_step, c.expansion_step), (5, 3, 2, 2));
        assert_eq!(c.prefilter_max_instruments, 2500);
        assert!((c.expansion_trigger() - 0.675).abs() < 1e-12);
        assert!(c.adaptive_expansion && c.expiry_map && c.struct_events && !c.trace);
    }

    #[test]
    fn precedence_scenario_then_env_then_set() {
        let scenario = Config { contract_ok_cycles: 4, ..Config::default() };
        let (c, applied) = resolve(
            scenario.clone(),
            &env(&[("G6_CONTRACT_OK_CYCLES", "6"), ("G6_CONTRACT_STEP", "1")]),
            &["contract_ok_cycles=7".into()],
        )
        .unwrap();
        assert_eq!((c.contract_ok_cycles, c.contract_step), (7, 1));
        assert_eq!(applied.len(), 3);
        assert_eq!(applied[2].source, Source::Set);
        let (c, _) = resolve(scenario, &env(&[]), &[]).unwrap();
        assert_eq!(c.contract_ok_cycles, 4);
    }

    #[test]
    fn env_follows_the_references_parsing() {
        let (c, _) = resolve(
            Config::default(),
            &env(&[
                ("G6_STRIKE_COVERAGE_OK", " "),
                ("G6_DISABLE_ADAPTIVE_STRIKE_RETRY", "yes"),
                ("G6_PREFILTER_CLAMP_STRICT", "On"),
                ("G6_DISABLE_EXPIRY_MAP", "0"),
                ("G6_ADAPTIVE_STRIKE_MAX_ITM", "0"),
                ("G6_STRIKE_STEP_nifty", "75"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(c.strike_coverage_ok.get(), 0.75, "an empty value keeps the default");
        assert!(!c.adaptive_expansion);
        assert!(c.prefilter_clamp_strict);
        assert!(c.expiry_map, "a falsy DISABLE leaves the map on");
        assert_eq!(c.depth_max_itm, Some(0), "explicit 0 is honoured");
        assert_eq!(c.step_override("NIFTY"), Some(75.0));
        assert_eq!(c.step_override("BANKNIFTY"), None);
    }

    #[test]
    fn a_bad_environment_value_is_an_error_naming_the_variable() {
        for (var, value, says) in [
            ("G6_STRIKE_COVERAGE_OK", "1.5", "ratio"),
            ("G6_FIELD_COVERAGE_OK", "abc", "not a number"),
            ("G6_CONTRACT_OK_CYCLES", "abc", "(contract_ok_cycles takes a whole number >= 0)"),
            ("G6_CONTRACT_STEP", "0", "expected a whole number >= 1"),
            ("G6_STRIKE_STEP_BANKNIFTY", "-1", "not a strike step"),
        ] {
            let err = check_env(&env(&[(var, value)])).unwrap_err().remove(0).0;
            for needle in [var, value, says, "--no-env"] {
                assert!(err.contains(needle), "{var}={value}: {needle} missing from {err}");
            }
        }
        assert_eq!(check_env(&env(&[("G6_CONTRACT_STEP", "1"), ("G6_UNKNOWN", "x")])), Ok(()));
        let all = check_env(&env(&[("G6_CONTRACT_STEP", "0"), ("G6_CONTRACT_OK_CYCLES", "abc"), ("G6_TRACE", "1")]));
        let vars: Vec<bool> = all.unwrap_err().iter().map(|e| e.0.contains("G6_CONTRACT_OK_CYCLES")).collect();
        assert_eq!(vars, [true, false], "every bad variable, in variable order");
    }

    fn parity() -> Config {
        Config { parity: Parity::G6, ..Config::default() }
    }

    /// Parity g6 reads strike scaling's variables as the reference's Python does where the default refuses them:
    /// text `int()` rejects (empty included) is recorded, and means the scaling never runs; text `float()`
    /// rejects is a reduction of 0.8; numbers Python reads are read (at most 0 held as 0).
    #[test]
    fn parity_reads_the_strike_scaling_variables_as_python_does() {
        for text in ["3.0", "", "  ", "abc", "1e3"] {
            let vars = env(&[("G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD", text)]);
            let (c, applied) = resolve(parity(), &vars, &[]).unwrap();
            assert_eq!(c.strike_scaling_unparsed(), Some(("G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD", text)), "{text:?}");
            assert_eq!((c.strike_scaling_breach_threshold, applied.len()), (3, 1), "{text:?}");
            assert_eq!(
                c.parity_read_warnings(),
                [format!(
                    "G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD={text:?}: parity g6 reads it as the reference does (int() \
                     fails), so strike scaling never runs"
                )]
            );
            let default = resolve(Config::default(), &vars, &[]);
            if text.trim().is_empty() {
                assert_eq!(default.unwrap().0, Config::default(), "the default ignores an empty value");
            } else {
                let err = default.unwrap_err().0;
                assert!(err.contains("G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD") && err.contains("--no-env"), "{err}");
            }
        }
        let read = |var: &str, text: &str| resolve(parity(), &env(&[(var, text)]), &[]).unwrap().0;
        for (text, n) in [("1_0", 10), (" +7 ", 7), ("-2", 0), ("0", 0), ("4294967295", u32::MAX)] {
            let c = read("G6_ADAPTIVE_STRIKE_RESTORE_HEALTHY", text);
            assert_eq!((c.strike_scaling_restore_healthy, c.strike_scaling_unparsed()), (n, None), "{text:?}");
            let c = read("G6_ADAPTIVE_STRIKE_MIN", text);
            assert_eq!(c.strike_scaling_min, n, "{text:?}");
        }
        let c = read("G6_ADAPTIVE_STRIKE_MIN", "-2");
        assert_eq!(
            c.parity_read_warnings(),
            [
                r#"G6_ADAPTIVE_STRIKE_MIN="-2": parity g6 reads it as the reference does (int() gives -2), which the default mode refuses"#
            ]
        );
        assert!(read("G6_ADAPTIVE_STRIKE_MIN", "7").parity_reads.is_empty(), "what the default takes is not recorded");
        for (text, r) in [("abc", 0.8), ("", 0.8), ("1_0.5", 10.5), ("0", 0.0), ("-0.5", -0.5), ("inf", f64::INFINITY)]
        {
            let c = read("G6_ADAPTIVE_STRIKE_REDUCTION", text);
            assert_eq!((c.strike_scaling_reduction, c.strike_scaling_unparsed()), (r, None), "{text:?}");
        }
        assert!(read("G6_ADAPTIVE_STRIKE_REDUCTION", "nan").strike_scaling_reduction.is_nan());
        assert_eq!(
            read("G6_ADAPTIVE_STRIKE_REDUCTION", "abc").parity_read_warnings(),
            [
                r#"G6_ADAPTIVE_STRIKE_REDUCTION="abc": parity g6 reads it as the reference does (float() fails), so the reduction is 0.8"#
            ]
        );
        // Other variables are read as ever; `--set` takes a recorded variable out.
        assert!(resolve(parity(), &env(&[("G6_CONTRACT_STEP", "1_0")]), &[]).is_err());
        let vars = env(&[("G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD", "3.0"), ("G6_ADAPTIVE_STRIKE_MIN", "")]);
        let (c, _) = resolve(parity(), &vars, &["strike_scaling_breach_threshold=4".into()]).unwrap();
        assert_eq!(c.strike_scaling_unparsed(), Some(("G6_ADAPTIVE_STRIKE_MIN", "")));
        let sets = ["strike_scaling_breach_threshold=4".into(), "strike_scaling_min=1".into()];
        let (c, _) = resolve(parity(), &vars, &sets).unwrap();
        assert_eq!((c.strike_scaling_unparsed(), c.strike_scaling_breach_threshold), (None, 4));
        assert!(
            resolve(parity(), &env(&[]), &["strike_scaling_breach_threshold=3.0".into()]).is_err(),
            "--set is strict"
        );
    }

    /// What parity g6 does not reproduce is refused in both modes: text that is not ASCII, a whole number beyond
    /// 32 bits, and a negative floor with a negative reduction (negative strike depths).
    #[test]
    fn parity_refuses_what_it_cannot_reproduce() {
        for (var, text, says) in [
            ("G6_ADAPTIVE_STRIKE_MIN", "\u{663}", "is not ASCII"),
            ("G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD", "4294967296", "from -4294967295 to 4294967295"),
            ("G6_ADAPTIVE_STRIKE_RESTORE_HEALTHY", "-99999999999999999999", "from -4294967295 to 4294967295"),
        ] {
            let err = resolve(parity(), &env(&[(var, text)]), &[]).unwrap_err().0;
            assert!(err.contains(var) && err.contains(says) && err.contains("--no-env"), "{err}");
            assert!(check_env(&env(&[(var, text)])).is_err(), "refused in both modes: {var}={text}");
        }
        let vars = env(&[("G6_ADAPTIVE_STRIKE_MIN", "-1"), ("G6_ADAPTIVE_STRIKE_REDUCTION", "-0.5")]);
        let err = resolve(parity(), &vars, &[]).unwrap_err().0;
        assert!(err.starts_with(r#"environment G6_ADAPTIVE_STRIKE_MIN="-1" with G6_ADAPTIVE_STRIKE_REDUCTION="-0.5""#));
        for fine in [("G6_ADAPTIVE_STRIKE_MIN", "0"), ("G6_ADAPTIVE_STRIKE_REDUCTION", "-0.0")] {
            let vars = env(&[("G6_ADAPTIVE_STRIKE_MIN", "-1"), ("G6_ADAPTIVE_STRIKE_REDUCTION", "-0.5"), fine]);
            assert!(resolve(parity(), &vars, &[]).is_ok(), "{fine:?}");
        }
        // What only the default refuses waits for the mode: no error before it, no note either.
        let vars = env(&[("G6_ADAPTIVE_STRIKE_BREACH_THRESHOLD", "3.0"), ("G6_ADAPTIVE_STRIKE_MIN", "1_0")]);
        assert_eq!(check_env(&vars), Ok(()));
        assert_eq!(env_overrides(&vars), []);
    }

    #[test]
    fn a_variable_one_slip_from_a_known_one_is_named() {
        let misses =
            env_near_misses(&env(&[("G6_CONTRACT_OK_CYCLE", "3"), ("G6_CONTRACT_STEP", "1"), ("G6_HOME", "/x")]));
        assert_eq!(misses, [("G6_CONTRACT_OK_CYCLE".to_string(), "G6_CONTRACT_OK_CYCLES")]);
    }

    #[test]
    fn a_strike_step_override_stays_within_a_scenarios_steps() {
        for bad in ["0.001", "2e6", "0", "-1", "nan"] {
            let err = resolve(Config::default(), &env(&[]), &[format!("strike_step.NIFTY={bad}")]).unwrap_err().0;
            assert!(err.contains("expected a number from 0.01 to 1000000"), "{bad}: {err}");
        }
        let (c, _) = resolve(Config::default(), &env(&[]), &["strike_step.NIFTY=0.01".into()]).unwrap();
        assert_eq!(c.step_override("NIFTY"), Some(0.01));
    }

    #[test]
    fn a_step_set_as_a_fraction_says_what_the_key_takes() {
        let err = resolve(Config::default(), &env(&[]), &["contract_step=2.0".into()]).unwrap_err().0;
        assert!(
            err.starts_with(
                "--set contract_step=2.0: `2.0` is not a whole number (contract_step takes a whole number >= 1)\n  hint: "
            ),
            "{err}"
        );
    }

    #[test]
    fn bad_set_is_an_error_with_a_hint() {
        let err = resolve(Config::default(), &env(&[]), &["strike_coverage_ok=2".into()]).unwrap_err();
        assert!(err.0.contains("not a ratio"), "{err}");
        let err = resolve(Config::default(), &env(&[]), &["no_such_key=1".into()]).unwrap_err();
        assert!(err.0.contains("unknown key") && err.0.contains("contract_step"), "{err}");
        let err = resolve(Config::default(), &env(&[]), &["contract_step".into()]).unwrap_err();
        assert!(err.0.contains("key=value"), "{err}");
        let (c, _) =
            resolve(Config::default(), &env(&[]), &["strike_step.finnifty=25".into(), "expiry_map=false".into()])
                .unwrap();
        assert_eq!(c.step_override("FINNIFTY"), Some(25.0));
        assert!(!c.expiry_map);
    }
}
