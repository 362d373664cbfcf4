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
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
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
    kind: Kind,
    series: BTreeMap<Labels, f64>,
    histogram: Histogram,
}

/// A set of families, rendered in a fixed order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Exposition {
    families: BTreeMap<&'static str, Family>,
}

impl Exposition {
    fn family(&mut self, name: &'static str, help: &'static str, kind: Kind) -> &mut Family {
        debug_assert_eq!(
            kind == Kind::Counter,
            name.ends_with("_total"),
            "{name}: counters and only counters end in _total"
        );
        self.families.entry(name).or_insert_with(|| Family {
            help,
            kind,
            series: BTreeMap::new(),
            histogram: Histogram::default(),
        })
    }
    /// Adds `by` to a counter series (creating it at 0).
    pub fn inc(&mut self, name: &'static str, help: &'static str, labels: Labels, by: f64) {
        *self.family(name, help, Kind::Counter).series.entry(labels).or_insert(0.0) += by;
    }
    /// Sets a gauge series.
    pub fn set(&mut self, name: &'static str, help: &'static str, labels: Labels, value: f64) {
        self.family(name, help, Kind::Gauge).series.insert(labels, value);
    }
    /// Creates a histogram with `bounds` (ascending; `+Inf` is implied), without observations.
    pub fn histogram(&mut self, name: &'static str, help: &'static str, bounds: &'static [f64]) {
        debug_assert!(bounds.is_sorted() && !name.ends_with("_total"), "{name}");
        let h = &mut self.family(name, help, Kind::Histogram).histogram;
        if h.bounds.is_empty() {
            *h = Histogram { bounds, at_or_below: vec![0; bounds.len()], sum: 0.0, count: 0 };
        }
    }
    /// Adds an observation to a histogram made by [`Self::histogram`].
    pub fn observe(&mut self, name: &'static str, value: f64) {
        let Some(h) = self.families.get_mut(name).map(|f| &mut f.histogram) else { return };
        for (bound, n) in h.bounds.iter().zip(&mut h.at_or_below) {
            *n += u64::from(value <= *bound);
        }
        h.sum += value;
        h.count += 1;
    }
    /// Removes a gauge series (a value that was not measured this cycle is absent, not stale).
    pub fn unset(&mut self, name: &'static str, labels: &Labels) {
        if let Some(f) = self.families.get_mut(name) {
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
            let kind = match f.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
                Kind::Histogram => "histogram",
            };
            let _ = writeln!(out, "# HELP {name} {}", escape_help(f.help));
            let _ = writeln!(out, "# TYPE {name} {kind}");
            if f.kind == Kind::Histogram {
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
        m.exposition.inc("g6_collection_cycles_total", "Collection cycles run", vec![], 0.0);
        m.exposition.histogram(CYCLE_TIME, CYCLE_TIME_HELP, CYCLE_TIME_BOUNDS_S);
        m.exposition.inc(SLA_BREACHES, SLA_BREACHES_HELP, vec![], 0.0);
        for status in [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth] {
            m.exposition.inc(EXPIRIES, EXPIRIES_HELP, l(&[("status", status.as_str())]), 0.0);
        }
        for r in m.reasons.clone() {
            m.exposition.inc(PARTIAL_EXPIRIES, PARTIAL_EXPIRIES_HELP, l(&[("reason", r.as_str())]), 0.0);
            m.exposition.inc(PARTIAL_CYCLE_REASONS, PARTIAL_CYCLE_REASONS_HELP, l(&[("reason", r.as_str())]), 0.0);
        }
        m
    }

    /// Folds one finished cycle (its summary and the events it emitted) into the metrics.
    pub fn observe(&mut self, cycle: &CycleSummary, events: &[LoggedEvent]) {
        let e = &mut self.exposition;
        e.inc("g6_collection_cycles_total", "Collection cycles run", vec![], 1.0);
        e.observe(CYCLE_TIME, cycle.cycle_time.elapsed_s);
        e.inc(SLA_BREACHES, SLA_BREACHES_HELP, vec![], f64::from(u8::from(cycle.cycle_time.breach)));
        for index in &cycle.indices {
            let name = index.index.as_str();
            for (side, depth, baseline) in
                [("itm", index.depth.itm, index.baseline.itm), ("otm", index.depth.otm, index.baseline.otm)]
            {
                e.set(
                    "g6_strike_depth",
                    "Strikes per side after the cycle's adaptive step",
                    l(&[("index", name), ("side", side)]),
                    f64::from(depth),
                );
                e.set(
                    "g6_strike_depth_baseline",
                    "Baseline strikes per side",
                    l(&[("index", name), ("side", side)]),
                    f64::from(baseline),
                );
            }
            let mean =
                |values: Vec<f64>| (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
            match mean(index.expiries.iter().filter_map(|x| x.strike_coverage).collect()) {
                Some(avg) => e.set(STRIKE_AVG, STRIKE_AVG_HELP, l(&[("index", name)]), avg),
                None => e.unset(STRIKE_AVG, &l(&[("index", name)])),
            }
            match mean(index.expiries.iter().filter_map(|x| x.field_coverage).collect()) {
                Some(avg) => e.set(FIELD_AVG, FIELD_AVG_HELP, l(&[("index", name)]), avg),
                None => e.unset(FIELD_AVG, &l(&[("index", name)])),
            }
            e.set(
                "g6_expiry_map_invalid_expiries",
                "Universe rows the expiry map skipped this cycle",
                l(&[("index", name)]),
                f64::from(index.expiry_map.invalid_expiry),
            );
            for x in &index.expiries {
                let labels = l(&[("index", name), ("expiry", &x.rule)]);
                match x.strike_coverage {
                    Some(s) => e.set(STRIKE_PCT, STRIKE_PCT_HELP, labels.clone(), s * 100.0),
                    None => e.unset(STRIKE_PCT, &labels),
                }
                match x.field_coverage {
                    Some(f) => e.set(FIELD_PCT, FIELD_PCT_HELP, labels.clone(), f * 100.0),
                    None => e.unset(FIELD_PCT, &labels),
                }
                e.set(
                    "g6_options_collected",
                    "Options collected for the expiry this cycle",
                    labels,
                    f64::from(x.options),
                );
                if let Some(status) = x.status {
                    e.inc(EXPIRIES, EXPIRIES_HELP, l(&[("status", status.as_str())]), 1.0);
                }
                if x.status == Some(ExpiryStatus::Partial) {
                    let reason = x.partial_reason.unwrap_or(PartialReason::Unknown);
                    let reason = if self.reasons.contains(&reason) { reason } else { PartialReason::Unknown };
                    e.inc(PARTIAL_EXPIRIES, PARTIAL_EXPIRIES_HELP, l(&[("reason", reason.as_str())]), 1.0);
                }
            }
            for reason in [AdjustReason::Expansion, AdjustReason::Contraction] {
                e.inc(ADJUSTMENTS, ADJUSTMENTS_HELP, l(&[("index", name), ("reason", reason.as_str())]), 0.0);
            }
            e.inc(CLAMPS, CLAMPS_HELP, l(&[("index", name)]), 0.0);
            e.inc(DROPPED, DROPPED_HELP, l(&[("index", name)]), 0.0);
            e.inc(ZERO_DATA, ZERO_DATA_HELP, l(&[("index", name)]), 0.0);
        }
        for r in &self.reasons {
            let n = cycle.partial_reason_totals.get(*r);
            if n > 0 {
                e.inc(PARTIAL_CYCLE_REASONS, PARTIAL_CYCLE_REASONS_HELP, l(&[("reason", r.as_str())]), f64::from(n));
            }
        }
        // The scale factor: by default every cycle scaling is on; in parity g6 on a change only, as the
        // reference sets it (where its metrics have the gauge).
        let changed =
            events.iter().any(|ev| ev.cycle == cycle.cycle && matches!(ev.event, Event::AdaptiveScaleChange(_)));
        if let Some(s) = cycle.strike_scaling.filter(|_| changed || !self.parity_g6) {
            for index in &cycle.indices {
                e.set(SCALE, SCALE_HELP, l(&[("index", &index.index)]), s.scale);
            }
        }
        // Memory pressure, when the run can see it: the manager's gauges every cycle, and each action a tier
        // applied (by level, as the reference labels it).
        if let Some(m) = &cycle.memory {
            let flag = |on: bool| f64::from(u8::from(on));
            e.set(MEMORY_LEVEL, "Memory pressure tier level", vec![], m.level as f64);
            e.set(MEMORY_SECONDS, "Seconds in the current memory pressure tier", vec![], m.seconds_in_level);
            e.set(MEMORY_PENDING, "A memory tier downgrade held by the recovery", vec![], flag(m.downgrade_pending));
            e.set(MEMORY_SCALE, "Memory pressure's strike depth scale", vec![], m.depth_scale);
            e.set(MEMORY_PER_OPTION, "Per-option metrics enabled", vec![], flag(m.per_option_metrics_enabled));
            e.set(MEMORY_GREEKS, "Greeks enabled under memory pressure", vec![], flag(m.greeks_enabled));
            let tier = m.level.to_string();
            for action in &m.actions {
                e.inc(MEMORY_ACTIONS, MEMORY_ACTIONS_HELP, l(&[("action", action), ("tier", &tier)]), 1.0);
            }
        }
        for ev in events.iter().filter(|ev| ev.cycle == cycle.cycle) {
            match &ev.event {
                Event::StrikeDepthAdjustment(a) => {
                    e.inc(ADJUSTMENTS, ADJUSTMENTS_HELP, l(&[("index", &a.index), ("reason", a.reason.as_str())]), 1.0)
                }
                Event::PrefilterClamp(c) => {
                    e.inc(CLAMPS, CLAMPS_HELP, l(&[("index", &c.index)]), 1.0);
                    e.inc(DROPPED, DROPPED_HELP, l(&[("index", &c.index)]), f64::from(c.dropped));
                }
                Event::ZeroData(z) => e.inc(ZERO_DATA, ZERO_DATA_HELP, l(&[("index", &z.index)]), 1.0),
                _ => {}
            }
        }
    }

    pub fn render(&self) -> String {
        self.exposition.render()
    }
}

const MEMORY_LEVEL: &str = "g6_memory_pressure_level";
const MEMORY_SECONDS: &str = "g6_memory_pressure_seconds_in_level";
const MEMORY_PENDING: &str = "g6_memory_pressure_downgrade_pending";
const MEMORY_SCALE: &str = "g6_memory_depth_scale";
const MEMORY_PER_OPTION: &str = "g6_memory_per_option_metrics_enabled";
const MEMORY_GREEKS: &str = "g6_memory_greeks_enabled";
const MEMORY_ACTIONS: &str = "g6_memory_pressure_actions_total";
const MEMORY_ACTIONS_HELP: &str = "Memory pressure actions applied, by action and tier level";
const SCALE: &str = "g6_strike_depth_scale_factor";
const SCALE_HELP: &str = "SLA-breach strike scaling's factor";
const CYCLE_TIME: &str = "g6_cycle_time_seconds";
const CYCLE_TIME_HELP: &str = "Cycle time on the simulated clock (the cost model), seconds";
/// The cycle-time histogram's bounds, seconds: up to the default 60 s interval and past it.
const CYCLE_TIME_BOUNDS_S: &[f64] = &[1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 45.0, 60.0, 90.0, 120.0, 300.0];
const SLA_BREACHES: &str = "g6_cycle_sla_breach_total";
const SLA_BREACHES_HELP: &str = "Cycles longer than their SLA budget";
const STRIKE_PCT: &str = "instrument_coverage_pct";
const STRIKE_PCT_HELP: &str = "Strike coverage of the ladder (percent)";
const FIELD_PCT: &str = "option_field_coverage_ratio";
const FIELD_PCT_HELP: &str = "Quotes with volume, oi and avg_price (percent)";
const STRIKE_AVG: &str = "g6_index_strike_coverage_avg";
const STRIKE_AVG_HELP: &str = "Mean strike coverage of the index's measured expiries (ratio)";
const FIELD_AVG: &str = "g6_index_field_coverage_avg";
const FIELD_AVG_HELP: &str = "Mean field coverage of the index's measured expiries (ratio)";
const EXPIRIES: &str = "g6_expiries_total";
const EXPIRIES_HELP: &str = "Expiries by status, once per expiry per cycle";
const PARTIAL_EXPIRIES: &str = "g6_partial_expiries_total";
const PARTIAL_EXPIRIES_HELP: &str = "Partial expiries total";
const PARTIAL_CYCLE_REASONS: &str = "g6_partial_cycle_reasons_total";
const PARTIAL_CYCLE_REASONS_HELP: &str = "Partial expiry reasons per cycle";
const ADJUSTMENTS: &str = "g6_strike_depth_adjustments_total";
const ADJUSTMENTS_HELP: &str = "Strike depth adjustments by reason";
const CLAMPS: &str = "g6_prefilter_clamp_events_total";
const CLAMPS_HELP: &str = "Prefilter clamp events";
const DROPPED: &str = "g6_prefilter_dropped_instruments_total";
const DROPPED_HELP: &str = "Instruments dropped by the prefilter clamp";
const ZERO_DATA: &str = "g6_zero_data_expiries_total";
const ZERO_DATA_HELP: &str = "Expiries that got no instruments";

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

    #[test]
    fn encoder_format() {
        let mut e = Exposition::default();
        e.inc("b_total", "B things", l(&[("k", "z")]), 2.0);
        e.inc("b_total", "B things", l(&[("k", "a\"q\\\n")]), 1.0);
        e.set("a_ratio", "A ratio\nsecond line", vec![], 0.25);
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
