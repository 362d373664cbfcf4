//! Prometheus metrics in the text exposition format, from a small encoder of our own.
//!
//! Why not a crate: `prometheus-client` keeps label families in a hash map (its output order is not
//! deterministic), and g6sim's metrics file must be byte-identical across runs. The encoder writes `# HELP`
//! and `# TYPE` once per family, families sorted by name, series sorted by label values, label values
//! escaped (`\\`, `\"`, `\n`), and a final newline. Counters end in `_total`.
//!
//! [`MetricsState`] accumulates one cycle at a time (so a live `/metrics` endpoint can follow a run) and
//! renders the same text at any point; the run's `metrics.prom` is its rendering after the last cycle.

use crate::events::{CycleSummary, Event, LoggedEvent};
use crate::vocab::AdjustReason;
use crate::vocab::{ExpiryStatus, PartialReason};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A metric family's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

impl MetricKind {
    /// The type as `# TYPE` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// One metric family g6sim exports ([`METRICS`]): its name, type, help text and label names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub kind: MetricKind,
    pub help: &'static str,
    /// The names of its labels, in the order a series writes them.
    pub labels: &'static [&'static str],
}

impl Metric {
    const fn new(name: &'static str, kind: MetricKind, help: &'static str, labels: &'static [&'static str]) -> Self {
        Metric { name, kind, help, labels }
    }
}

/// A histogram without labels: the observations at or below each bound, their sum and count.
#[derive(Clone, Debug, Default)]
struct Histogram {
    bounds: &'static [f64],
    at_or_below: Vec<u64>,
    sum: f64,
    count: u64,
}

/// Label pairs in declaration order; series of a family sort by them.
pub(crate) type Labels = Vec<(&'static str, String)>;

#[derive(Clone, Debug)]
struct Family {
    help: &'static str,
    kind: MetricKind,
    series: BTreeMap<Labels, f64>,
    histogram: Histogram,
}

/// A set of families, rendered in a fixed order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Exposition {
    families: BTreeMap<&'static str, Family>,
}

impl Exposition {
    fn family(&mut self, metric: &Metric, kind: MetricKind, labels: &Labels) -> &mut Family {
        debug_assert_eq!(metric.kind, kind, "{}: used as another type", metric.name);
        debug_assert!(
            labels.len() == metric.labels.len() && labels.iter().zip(metric.labels).all(|((k, _), name)| k == name),
            "{}: labels {labels:?}, declared {:?}",
            metric.name,
            metric.labels
        );
        self.families.entry(metric.name).or_insert_with(|| Family {
            help: metric.help,
            kind,
            series: BTreeMap::new(),
            histogram: Histogram::default(),
        })
    }
    /// Adds `by` to a counter series (creating it at 0).
    pub fn inc(&mut self, metric: &Metric, labels: Labels, by: f64) {
        *self.family(metric, MetricKind::Counter, &labels).series.entry(labels).or_insert(0.0) += by;
    }
    /// Sets a gauge series.
    pub fn set(&mut self, metric: &Metric, labels: Labels, value: f64) {
        self.family(metric, MetricKind::Gauge, &labels).series.insert(labels, value);
    }
    /// Creates a histogram with `bounds` (ascending; `+Inf` is implied), without observations.
    pub fn histogram(&mut self, metric: &Metric, bounds: &'static [f64]) {
        debug_assert!(bounds.is_sorted(), "{}", metric.name);
        let h = &mut self.family(metric, MetricKind::Histogram, &vec![]).histogram;
        if h.bounds.is_empty() {
            *h = Histogram { bounds, at_or_below: vec![0; bounds.len()], sum: 0.0, count: 0 };
        }
    }
    /// Adds an observation to a histogram made by [`Self::histogram`].
    pub fn observe(&mut self, metric: &Metric, value: f64) {
        let Some(h) = self.families.get_mut(metric.name).map(|f| &mut f.histogram) else { return };
        for (bound, n) in h.bounds.iter().zip(&mut h.at_or_below) {
            *n += u64::from(value <= *bound);
        }
        h.sum += value;
        h.count += 1;
    }
    /// Removes a gauge series (a value that was not measured this cycle is absent, not stale).
    pub fn unset(&mut self, metric: &Metric, labels: &Labels) {
        if let Some(f) = self.families.get_mut(metric.name) {
            f.series.remove(labels);
        }
    }
    /// The value of a series, if present.
    #[cfg(test)]
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let family = self.families.get(name)?;
        family
            .series
            .iter()
            .find(|(l, _)| l.len() == labels.len() && l.iter().zip(labels).all(|(a, b)| a.0 == b.0 && a.1 == b.1))
            .map(|(_, v)| *v)
    }
    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, f) in &self.families {
            let _ = writeln!(out, "# HELP {name} {}", escape_help(f.help));
            let _ = writeln!(out, "# TYPE {name} {}", f.kind.as_str());
            if f.kind == MetricKind::Histogram {
                let h = &f.histogram;
                for (bound, n) in h.bounds.iter().zip(&h.at_or_below) {
                    let _ = writeln!(out, "{name}_bucket{{le=\"{}\"}} {n}", format_value(*bound));
                }
                let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(out, "{name}_sum {}", format_value(h.sum));
                let _ = writeln!(out, "{name}_count {}", h.count);
            }
            for (labels, value) in &f.series {
                out.push_str(name);
                if !labels.is_empty() {
                    out.push('{');
                    for (i, (k, v)) in labels.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        let _ = write!(out, "{k}=\"{}\"", escape_label(v));
                    }
                    out.push('}');
                }
                let _ = writeln!(out, " {}", format_value(*value));
            }
        }
        out
    }
}

/// Escapes a label value: backslash, double quote and newline.
pub(crate) fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Whole numbers without a fraction, others in Rust's shortest round-trip form; `NaN`, `+Inf`, `-Inf`.
pub(crate) fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn l(pairs: &[(&'static str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// The run's metrics, accumulated cycle by cycle.
#[derive(Clone, Debug)]
pub struct MetricsState {
    exposition: Exposition,
    reasons: Vec<PartialReason>,
    parity_g6: bool,
}

impl MetricsState {
    /// An empty state; every fixed label set is present from the start (at 0).
    pub fn new(parity_g6: bool) -> Self {
        let reasons: Vec<PartialReason> =
            PartialReason::ALL.into_iter().filter(|r| !(parity_g6 && *r == PartialReason::PrefilterClamp)).collect();
        let mut m = Self { exposition: Exposition::default(), reasons, parity_g6 };
        m.exposition.inc(&CYCLES, vec![], 0.0);
        m.exposition.histogram(&CYCLE_TIME, CYCLE_TIME_BOUNDS_S);
        m.exposition.inc(&SLA_BREACHES, vec![], 0.0);
        for status in [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth] {
            m.exposition.inc(&EXPIRIES, l(&[("status", status.as_str())]), 0.0);
        }
        for r in m.reasons.clone() {
            m.exposition.inc(&PARTIAL_EXPIRIES, l(&[("reason", r.as_str())]), 0.0);
            m.exposition.inc(&PARTIAL_CYCLE_REASONS, l(&[("reason", r.as_str())]), 0.0);
        }
        m
    }

    /// Folds one finished cycle (its summary and the events it emitted) into the metrics.
    pub fn observe(&mut self, cycle: &CycleSummary, events: &[LoggedEvent]) {
        let e = &mut self.exposition;
        e.inc(&CYCLES, vec![], 1.0);
        e.observe(&CYCLE_TIME, cycle.cycle_time.elapsed_s);
        e.inc(&SLA_BREACHES, vec![], f64::from(u8::from(cycle.cycle_time.breach)));
        for index in &cycle.indices {
            let name = index.index.as_str();
            for (side, depth, baseline) in
                [("itm", index.depth.itm, index.baseline.itm), ("otm", index.depth.otm, index.baseline.otm)]
            {
                e.set(&DEPTH, l(&[("index", name), ("side", side)]), f64::from(depth));
                e.set(&DEPTH_BASELINE, l(&[("index", name), ("side", side)]), f64::from(baseline));
            }
            let mean =
                |values: Vec<f64>| (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
            match mean(index.expiries.iter().filter_map(|x| x.strike_coverage).collect()) {
                Some(avg) => e.set(&STRIKE_AVG, l(&[("index", name)]), avg),
                None => e.unset(&STRIKE_AVG, &l(&[("index", name)])),
            }
            match mean(index.expiries.iter().filter_map(|x| x.field_coverage).collect()) {
                Some(avg) => e.set(&FIELD_AVG, l(&[("index", name)]), avg),
                None => e.unset(&FIELD_AVG, &l(&[("index", name)])),
            }
            e.set(&INVALID_EXPIRIES, l(&[("index", name)]), f64::from(index.expiry_map.invalid_expiry));
            for x in &index.expiries {
                let labels = l(&[("index", name), ("expiry", &x.rule)]);
                match x.strike_coverage {
                    Some(s) => e.set(&STRIKE_PCT, labels.clone(), s * 100.0),
                    None => e.unset(&STRIKE_PCT, &labels),
                }
                match x.field_coverage {
                    Some(f) => e.set(&FIELD_PCT, labels.clone(), f * 100.0),
                    None => e.unset(&FIELD_PCT, &labels),
                }
                e.set(&OPTIONS, labels, f64::from(x.options));
                if let Some(status) = x.status {
                    e.inc(&EXPIRIES, l(&[("status", status.as_str())]), 1.0);
                }
                if x.status == Some(ExpiryStatus::Partial) {
                    let reason = x.partial_reason.unwrap_or(PartialReason::Unknown);
                    let reason = if self.reasons.contains(&reason) { reason } else { PartialReason::Unknown };
                    e.inc(&PARTIAL_EXPIRIES, l(&[("reason", reason.as_str())]), 1.0);
                }
            }
            for reason in [AdjustReason::Expansion, AdjustReason::Contraction] {
                e.inc(&ADJUSTMENTS, l(&[("index", name), ("reason", reason.as_str())]), 0.0);
            }
            e.inc(&CLAMPS, l(&[("index", name)]), 0.0);
            e.inc(&DROPPED, l(&[("index", name)]), 0.0);
            e.inc(&ZERO_DATA, l(&[("index", name)]), 0.0);
        }
        for r in &self.reasons {
            let n = cycle.partial_reason_totals.get(*r);
            if n > 0 {
                e.inc(&PARTIAL_CYCLE_REASONS, l(&[("reason", r.as_str())]), f64::from(n));
            }
        }
        // The scale factor: by default every cycle scaling is on; in parity g6 on a change only, as the
        // reference sets it (where its metrics have the gauge).
        let changed =
            events.iter().any(|ev| ev.cycle == cycle.cycle && matches!(ev.event, Event::AdaptiveScaleChange(_)));
        if let Some(s) = cycle.strike_scaling.filter(|_| changed || !self.parity_g6) {
            for index in &cycle.indices {
                e.set(&SCALE, l(&[("index", &index.index)]), s.scale);
            }
        }
        // Memory pressure, when the run can see it: the manager's gauges every cycle, and each action a tier
        // applied (by level, as the reference labels it).
        if let Some(m) = &cycle.memory {
            let flag = |on: bool| f64::from(u8::from(on));
            e.set(&MEMORY_LEVEL, vec![], m.level as f64);
            e.set(&MEMORY_SECONDS, vec![], m.seconds_in_level);
            e.set(&MEMORY_PENDING, vec![], flag(m.downgrade_pending));
            e.set(&MEMORY_SCALE, vec![], m.depth_scale);
            e.set(&MEMORY_PER_OPTION, vec![], flag(m.per_option_metrics_enabled));
            e.set(&MEMORY_GREEKS, vec![], flag(m.greeks_enabled));
            let tier = m.level.to_string();
            for action in &m.actions {
                e.inc(&MEMORY_ACTIONS, l(&[("action", action), ("tier", &tier)]), 1.0);
            }
        }
        for ev in events.iter().filter(|ev| ev.cycle == cycle.cycle) {
            match &ev.event {
                Event::StrikeDepthAdjustment(a) => {
                    e.inc(&ADJUSTMENTS, l(&[("index", &a.index), ("reason", a.reason.as_str())]), 1.0)
                }
                Event::PrefilterClamp(c) => {
                    e.inc(&CLAMPS, l(&[("index", &c.index)]), 1.0);
                    e.inc(&DROPPED, l(&[("index", &c.index)]), f64::from(c.dropped));
                }
                Event::ZeroData(z) => e.inc(&ZERO_DATA, l(&[("index", &z.index)]), 1.0),
                _ => {}
            }
        }
    }

    pub fn render(&self) -> String {
        self.exposition.render()
    }
}

/// Every metric family g6sim exports, sorted by name as the file writes them: the one list the encoder, the
/// docs' table and the dashboard's test read. A run's file holds the memory gauges only when the run can see
/// memory pressure, the scale factor only when SLA-breach scaling sets it, and the coverage gauges only for
/// measured expiries.
pub const METRICS: [Metric; 26] = [
    CYCLES,
    SLA_BREACHES,
    CYCLE_TIME,
    EXPIRIES,
    INVALID_EXPIRIES,
    FIELD_AVG,
    STRIKE_AVG,
    MEMORY_SCALE,
    MEMORY_GREEKS,
    MEMORY_PER_OPTION,
    MEMORY_ACTIONS,
    MEMORY_PENDING,
    MEMORY_LEVEL,
    MEMORY_SECONDS,
    OPTIONS,
    PARTIAL_CYCLE_REASONS,
    PARTIAL_EXPIRIES,
    CLAMPS,
    DROPPED,
    DEPTH,
    ADJUSTMENTS,
    DEPTH_BASELINE,
    SCALE,
    ZERO_DATA,
    STRIKE_PCT,
    FIELD_PCT,
];

const CYCLES: Metric = Metric::new("g6_collection_cycles_total", MetricKind::Counter, "Collection cycles run", &[]);
const SLA_BREACHES: Metric =
    Metric::new("g6_cycle_sla_breach_total", MetricKind::Counter, "Cycles longer than their SLA budget", &[]);
const CYCLE_TIME: Metric = Metric::new(
    "g6_cycle_time_seconds",
    MetricKind::Histogram,
    "Cycle time on the simulated clock (the cost model), seconds",
    &[],
);
const EXPIRIES: Metric =
    Metric::new("g6_expiries_total", MetricKind::Counter, "Expiries by status, once per expiry per cycle", &["status"]);
const INVALID_EXPIRIES: Metric = Metric::new(
    "g6_expiry_map_invalid_expiries",
    MetricKind::Gauge,
    "Universe rows the expiry map skipped this cycle",
    &["index"],
);
const FIELD_AVG: Metric = Metric::new(
    "g6_index_field_coverage_avg",
    MetricKind::Gauge,
    "Mean field coverage of the index's measured expiries (ratio)",
    &["index"],
);
const STRIKE_AVG: Metric = Metric::new(
    "g6_index_strike_coverage_avg",
    MetricKind::Gauge,
    "Mean strike coverage of the index's measured expiries (ratio)",
    &["index"],
);
const MEMORY_SCALE: Metric =
    Metric::new("g6_memory_depth_scale", MetricKind::Gauge, "Memory pressure's strike depth scale", &[]);
const MEMORY_GREEKS: Metric =
    Metric::new("g6_memory_greeks_enabled", MetricKind::Gauge, "Greeks enabled under memory pressure", &[]);
const MEMORY_PER_OPTION: Metric =
    Metric::new("g6_memory_per_option_metrics_enabled", MetricKind::Gauge, "Per-option metrics enabled", &[]);
const MEMORY_ACTIONS: Metric = Metric::new(
    "g6_memory_pressure_actions_total",
    MetricKind::Counter,
    "Memory pressure actions applied, by action and tier level",
    &["action", "tier"],
);
const MEMORY_PENDING: Metric = Metric::new(
    "g6_memory_pressure_downgrade_pending",
    MetricKind::Gauge,
    "A memory tier downgrade held by the recovery",
    &[],
);
const MEMORY_LEVEL: Metric =
    Metric::new("g6_memory_pressure_level", MetricKind::Gauge, "Memory pressure tier level", &[]);
const MEMORY_SECONDS: Metric = Metric::new(
    "g6_memory_pressure_seconds_in_level",
    MetricKind::Gauge,
    "Seconds in the current memory pressure tier",
    &[],
);
const OPTIONS: Metric = Metric::new(
    "g6_options_collected",
    MetricKind::Gauge,
    "Options collected for the expiry this cycle",
    &["index", "expiry"],
);
const PARTIAL_CYCLE_REASONS: Metric =
    Metric::new("g6_partial_cycle_reasons_total", MetricKind::Counter, "Partial expiry reasons per cycle", &["reason"]);
const PARTIAL_EXPIRIES: Metric =
    Metric::new("g6_partial_expiries_total", MetricKind::Counter, "Partial expiries total", &["reason"]);
const CLAMPS: Metric =
    Metric::new("g6_prefilter_clamp_events_total", MetricKind::Counter, "Prefilter clamp events", &["index"]);
const DROPPED: Metric = Metric::new(
    "g6_prefilter_dropped_instruments_total",
    MetricKind::Counter,
    "Instruments dropped by the prefilter clamp",
    &["index"],
);
const DEPTH: Metric = Metric::new(
    "g6_strike_depth",
    MetricKind::Gauge,
    "Strikes per side after the cycle's adaptive step",
    &["index", "side"],
);
const ADJUSTMENTS: Metric = Metric::new(
    "g6_strike_depth_adjustments_total",
    MetricKind::Counter,
    "Strike depth adjustments by reason",
    &["index", "reason"],
);
const DEPTH_BASELINE: Metric =
    Metric::new("g6_strike_depth_baseline", MetricKind::Gauge, "Baseline strikes per side", &["index", "side"]);
const SCALE: Metric =
    Metric::new("g6_strike_depth_scale_factor", MetricKind::Gauge, "SLA-breach strike scaling's factor", &["index"]);
const ZERO_DATA: Metric =
    Metric::new("g6_zero_data_expiries_total", MetricKind::Counter, "Expiries that got no instruments", &["index"]);
const STRIKE_PCT: Metric = Metric::new(
    "instrument_coverage_pct",
    MetricKind::Gauge,
    "Strike coverage of the ladder (percent)",
    &["index", "expiry"],
);
const FIELD_PCT: Metric = Metric::new(
    "option_field_coverage_ratio",
    MetricKind::Gauge,
    "Quotes with volume, oi and avg_price (percent)",
    &["index", "expiry"],
);
/// The cycle-time histogram's bounds, seconds: up to the default 60 s interval and past it.
const CYCLE_TIME_BOUNDS_S: &[f64] = &[1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 45.0, 60.0, 90.0, 120.0, 300.0];

/// The metrics of a whole run.
pub(crate) fn render_run(cycles: &[CycleSummary], events: &[LoggedEvent], parity_g6: bool) -> String {
    let mut state = MetricsState::new(parity_g6);
    for (c, events) in crate::events::by_cycle(cycles, events) {
        state.observe(c, events);
    }
    state.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The families a run's metrics file writes: name, type and help.
    fn families(scenario: &str) -> Vec<(String, String, String)> {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(scenario);
        let run = crate::run::prepare_file(&file, &Default::default()).unwrap().run(|_| {}).unwrap();
        let text = render_run(&run.result.cycles, &run.result.events, run.prepared.config.parity.is_g6());
        let lines: Vec<&str> = text.lines().collect();
        lines
            .windows(2)
            .filter_map(|w| {
                let (name, help) = w[0].strip_prefix("# HELP ")?.split_once(' ')?;
                let kind = w[1].strip_prefix(&format!("# TYPE {name} "))?;
                Some((name.to_string(), kind.to_string(), help.to_string()))
            })
            .collect()
    }

    #[test]
    fn the_catalogue_lists_every_family_a_run_writes_and_some_run_writes_each() {
        let mut written = std::collections::BTreeMap::new();
        for scenario in ["walk.ron", "memory_pressure.ron", "sla_limit_cycle.ron"] {
            for (name, kind, help) in families(scenario) {
                let listed = METRICS.iter().find(|m| m.name == name);
                let listed = listed.unwrap_or_else(|| panic!("{scenario} writes {name}, which METRICS does not list"));
                assert_eq!((kind.as_str(), help.as_str()), (listed.kind.as_str(), listed.help), "{name}");
                written.insert(name, scenario);
            }
        }
        for m in METRICS {
            assert!(written.contains_key(m.name), "no shipped scenario writes {}", m.name);
            assert_eq!(m.kind == MetricKind::Counter, m.name.ends_with("_total"), "{}: counters end in _total", m.name);
        }
        assert!(METRICS.windows(2).all(|w| w[0].name < w[1].name), "METRICS is sorted by name");
    }

    #[test]
    fn encoder_format() {
        const B: Metric = Metric::new("b_total", MetricKind::Counter, "B things", &["k"]);
        const A: Metric = Metric::new("a_ratio", MetricKind::Gauge, "A ratio\nsecond line", &[]);
        let mut e = Exposition::default();
        e.inc(&B, l(&[("k", "z")]), 2.0);
        e.inc(&B, l(&[("k", "a\"q\\\n")]), 1.0);
        e.set(&A, vec![], 0.25);
        let text = e.render();
        assert_eq!(
            text,
            "# HELP a_ratio A ratio\\nsecond line\n# TYPE a_ratio gauge\na_ratio 0.25\n\
             # HELP b_total B things\n# TYPE b_total counter\nb_total{k=\"a\\\"q\\\\\\n\"} 1\nb_total{k=\"z\"} 2\n"
        );
        assert_eq!(e.get("b_total", &[("k", "z")]), Some(2.0));
        assert_eq!(
            (format_value(3.0), format_value(0.5), format_value(f64::INFINITY)),
            ("3".into(), "0.5".into(), "+Inf".into())
        );
    }
}
