//! Checks after parsing: every name a scenario uses (index, expiry rule, event, event reason) is declared or
//! known, and every value is inside its range. All problems are collected, so one run of `g6sim check`
//! reports every mistake of a file at once.

use super::{Check, Expectation, IndexSpec, Scenario, Tally};
use crate::calendar::ExpiryRule;
use crate::events::{EVENT_NAMES, event_reasons};
use crate::fault::{FaultKind, Parameter, RowShape, RowUnit, Scope};
use crate::registry;
use crate::scenario::Cmp;
use crate::schema::{
    MAX_COST_S, MAX_DRIFT_PER_CYCLE, MAX_FAULT_ROWS, MAX_IMPLIED_VOL, MAX_LISTED, MAX_QUOTE_BATCH, MAX_ROWS_PER_CYCLE,
    MAX_STRIKES_PER_SIDE, MAX_VOLATILITY_PER_CYCLE, STEP_RANGE, TICK_RANGE,
};
use crate::suggest::did_you_mean;

/// A problem found after parsing, with what to look for in the text to point at it.
pub(super) struct Problem {
    pub path: String,
    /// The field name before the value (`index`), to locate `key: literal` in the text.
    pub key: String,
    pub literal: String,
    pub message: String,
    pub hint: String,
}

/// Whether a scenario built as data passes every check the loader makes of a parsed one.
pub(crate) fn is_valid(s: &Scenario) -> bool {
    problems(s).is_empty()
}

/// Every problem of a parsed scenario, in the order of its fields.
pub(super) fn problems(s: &Scenario) -> Vec<Problem> {
    let mut v = Validator { s, out: Vec::new(), too_large: false };
    v.indices();
    v.config();
    v.market();
    v.provider();
    v.cycle_time();
    v.universe();
    v.phases();
    v.rows();
    v.expectations();
    v.out
}

/// The most rows any cycle of the scenario can hold, and the first cycle reaching it: per index, the
/// provider's listed expiries times the ladder rows, plus the rows of every fault active at that cycle
/// ([`crate::fault::Fault::rows`]), each counted in full (an upper bound: a phase scoped to one expiry rule
/// is counted for every expiry of its index).
pub fn rows_per_cycle(s: &Scenario) -> (u128, u64) {
    let p = &s.provider;
    let listed = u128::from(p.weeks_listed) + u128::from(p.months_listed);
    let ladder = 2 * (2 * u128::from(p.strikes_per_side) + 1);
    // The most faults overlap at some phase's first cycle (or at cycle 1 with none).
    let starts = std::iter::once(1).chain(s.phases.iter().map(|p| p.cycles.first));
    starts
        .map(|cycle| {
            let rows = s
                .indices
                .iter()
                .map(|index| {
                    let shape = RowShape { listed, expiries: index.expiries.len() as u128 };
                    let active = s.phases.iter().filter(|ph| {
                        ph.cycles.contains(cycle)
                            && ph.index.as_ref().is_none_or(|n| n.eq_ignore_ascii_case(&index.symbol))
                    });
                    listed * ladder + active.flat_map(|ph| &ph.faults).map(|f| f.rows(shape)).sum::<u128>()
                })
                .sum::<u128>();
            (rows, cycle)
        })
        .max_by_key(|&(rows, cycle)| (rows, std::cmp::Reverse(cycle)))
        .unwrap_or((0, 1))
}

/// The kinds that inject rows, in the order the rows bound adds them up (then by name): `Oversize,
/// InvalidExpiries, BadRows, StrayStrikes`.
fn injecting_kinds() -> String {
    let mut kinds: Vec<(RowUnit, String)> = FaultKind::ALL
        .iter()
        .filter_map(|k| match k.example().parameter() {
            Parameter::Rows(_, unit) => Some((unit, format!("{k:?}"))),
            Parameter::Switch | Parameter::Ratio(_) => None,
        })
        .collect();
    kinds.sort();
    kinds.into_iter().map(|(_, name)| name).collect::<Vec<_>>().join(", ")
}

struct Validator<'a> {
    s: &'a Scenario,
    out: Vec<Problem>,
    /// A count beyond its own bound was reported: the rows bound, their product, would only repeat it.
    too_large: bool,
}

fn number(x: f64) -> String {
    x.to_string()
}

impl<'a> Validator<'a> {
    fn bad(&mut self, path: String, key: &str, literal: String, message: String, hint: impl Into<String>) {
        self.out.push(Problem { path, key: key.to_string(), literal, message, hint: hint.into() });
    }

    /// A number that must be finite and inside `[min, max]`.
    fn range(&mut self, path: String, key: &str, x: f64, min: f64, max: f64, hint: &str) {
        if !(x.is_finite() && x >= min && x <= max) {
            self.bad(path, key, number(x), format!("{x} is out of range: expected a number from {min} to {max}"), hint);
        }
    }

    /// The strike step an index runs with: the `strike_step` override, its declared entry, or the registry's.
    fn step_of(&self, spec: &IndexSpec) -> f64 {
        let registry =
            || spec.registry.as_ref().map(|e| e.step).or_else(|| registry::known(&spec.symbol).map(|m| m.step));
        self.s.config.step_override(&spec.symbol).or_else(registry).unwrap_or(50.0)
    }

    /// An index price: finite, at least one strike step (below it the ATM rounds to 0 and there is no ladder)
    /// and at most 1e9.
    fn price(&mut self, path: String, key: &str, price: f64, spec: &IndexSpec, hint: &str) {
        let step = self.step_of(spec);
        if !(price.is_finite() && price >= step && price <= 1e9) {
            self.bad(
                path,
                key,
                number(price),
                format!(
                    "{price} is not an index price for {}: expected a number from its strike step {step} to 1e9",
                    spec.symbol
                ),
                hint,
            );
        }
    }

    fn declared(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.s.indices.iter().map(|i| i.symbol.as_str())
    }

    /// The declared index `name` (case-insensitive), or a problem naming the declared ones.
    fn index_ref(&mut self, path: String, name: &str) -> Option<&'a IndexSpec> {
        let found = self.s.indices.iter().find(|i| i.symbol.eq_ignore_ascii_case(name));
        if found.is_none() {
            let declared: Vec<&str> = self.declared().collect();
            self.bad(
                path.clone(),
                path.rsplit('.').next().unwrap_or("index"),
                format!("{name:?}"),
                format!("index `{name}` is not declared in `indices`{}", did_you_mean(name, declared.iter().copied())),
                format!("declared indices: {}", declared.join(", ")),
            );
        }
        found
    }

    /// A rule some scoped index lists: the named index, or any when `index` is `None`.
    fn rule_ref(&mut self, path: String, index: Option<&IndexSpec>, rule: &ExpiryRule) {
        let listed = match index {
            Some(spec) => spec.expiries.contains(rule),
            None => self.s.indices.iter().any(|i| i.expiries.contains(rule)),
        };
        if listed {
            return;
        }
        let (whose, rules) = match index {
            Some(spec) => (spec.symbol.clone(), spec.expiries.clone()),
            None => ("no index".to_string(), self.s.indices.iter().flat_map(|i| i.expiries.clone()).collect()),
        };
        let mut names: Vec<String> = rules.iter().map(ToString::to_string).collect();
        names.dedup();
        let message = match index {
            Some(_) => format!("{whose} does not list the expiry rule `{rule}`"),
            None => format!("no scoped index lists the expiry rule `{rule}`"),
        };
        let hint = format!("rules listed: {}; use one of them, or drop `rule`", names.join(", "));
        self.bad(path, "rule", format!("\"{rule}\""), message, hint);
    }

    /// A cycle of the run (1 ..= cycles).
    fn cycle_ref(&mut self, path: String, key: &str, cycle: u64) {
        let last = self.s.cycles.get();
        if !(1..=last).contains(&cycle) {
            self.bad(
                path,
                key,
                cycle.to_string(),
                format!("cycle {cycle} is outside the run: expected a cycle from 1 to {last}"),
                "cycles are counted from 1 to the scenario's `cycles`",
            );
        }
    }

    fn cmp(&mut self, path: String, is: &Cmp) {
        let (a, b) = match *is {
            Cmp::Eq(v) | Cmp::Ne(v) | Cmp::Lt(v) | Cmp::Le(v) | Cmp::Gt(v) | Cmp::Ge(v) => (v, v),
            Cmp::Between(a, b) => (a, b),
        };
        if !(a.is_finite() && b.is_finite()) {
            self.bad(path, "is", String::new(), format!("`{is}` compares with a number that is not finite"), "");
        } else if a > b {
            self.bad(
                path,
                "is",
                format!("Between({a}"),
                format!("Between({a}, {b}) is empty: expected low <= high"),
                "write Between(low, high)",
            );
        }
    }

    fn event_ref(&mut self, path: &str, event: &str, reason: Option<&str>) {
        if !EVENT_NAMES.contains(&event) {
            self.bad(
                format!("{path}.event"),
                "event",
                format!("{event:?}"),
                format!("unknown event `{event}`{}", did_you_mean(event, EVENT_NAMES)),
                format!("events: {}", EVENT_NAMES.join(", ")),
            );
            return;
        }
        let Some(reason) = reason else { return };
        let reasons = event_reasons(event);
        if reasons.is_empty() {
            self.bad(
                format!("{path}.reason"),
                "reason",
                format!("{reason:?}"),
                format!("`{event}` events carry no reason"),
                "drop `reason`; only strike_depth_adjustment events have one",
            );
        } else if !reasons.contains(&reason) {
            self.bad(
                format!("{path}.reason"),
                "reason",
                format!("{reason:?}"),
                format!("unknown reason `{reason}` for {event}{}", did_you_mean(reason, reasons.iter().copied())),
                format!("{event} reasons: {}", reasons.join(", ")),
            );
        }
    }

    fn indices(&mut self) {
        let s = self.s;
        if s.indices.is_empty() {
            self.bad(
                "indices".into(),
                "indices",
                "[".into(),
                "no index: expected at least one".into(),
                "add for example (symbol: \"NIFTY\", expiries: [\"this_week\"])",
            );
        }
        for (i, spec) in s.indices.iter().enumerate() {
            let path = format!("indices[{i}]");
            let literal = format!("{:?}", spec.symbol);
            if s.indices[..i].iter().any(|x| x.symbol.eq_ignore_ascii_case(&spec.symbol)) {
                let message = format!("index `{}` is declared twice", spec.symbol);
                self.bad(format!("{path}.symbol"), "symbol", literal.clone(), message, "declare each index once");
            }
            match &spec.registry {
                None if registry::known(&spec.symbol).is_none() => {
                    let known: Vec<&str> = registry::known_symbols().collect();
                    self.bad(
                        format!("{path}.symbol"),
                        "symbol",
                        literal,
                        format!(
                            "index `{}` is not in the registry{}",
                            spec.symbol,
                            did_you_mean(&spec.symbol, known.iter().copied())
                        ),
                        format!(
                            "known indices: {}; for another index declare its entry, for example registry: (step: \
                             50.0, lot_size: 25, synthetic_atm: 20000.0)",
                            known.join(", ")
                        ),
                    );
                }
                None => {}
                Some(entry) => {
                    let hint = "the registry entry holds the index's own numbers";
                    let (lo, hi) = STEP_RANGE;
                    self.range(format!("{path}.registry.step"), "step", entry.step, lo, hi, hint);
                    let atm = entry.synthetic_atm;
                    self.price(format!("{path}.registry.synthetic_atm"), "synthetic_atm", atm, spec, hint);
                    if entry.lot_size == 0 {
                        let message = "a lot size of 0: expected a whole number >= 1".to_string();
                        self.bad(format!("{path}.registry.lot_size"), "lot_size", "0".into(), message, hint);
                    }
                    if entry.weekly_dow > 6 {
                        self.bad(
                            format!("{path}.registry.weekly_dow"),
                            "weekly_dow",
                            entry.weekly_dow.to_string(),
                            format!("{} is not a weekday: expected 0 (Monday) to 6 (Sunday)", entry.weekly_dow),
                            "Thursday is 3",
                        );
                    }
                }
            }
            if spec.expiries.is_empty() {
                self.bad(
                    format!("{path}.expiries"),
                    "expiries",
                    "[]".into(),
                    "no expiry rule: expected at least one".into(),
                    "for example expiries: [\"this_week\", \"next_week\"]",
                );
            }
            for (j, rule) in spec.expiries.iter().enumerate() {
                if spec.expiries[..j].contains(rule) {
                    self.bad(
                        format!("{path}.expiries[{j}]"),
                        "expiries",
                        format!("\"{rule}\""),
                        format!("the expiry rule `{rule}` is listed twice"),
                        "list each rule once",
                    );
                }
            }
            if let Some(tick) = spec.tick_size {
                let (lo, hi) = TICK_RANGE;
                self.range(format!("{path}.tick_size"), "tick_size", tick, lo, hi, "leave tick_size out for 0.05");
            }
            if spec.lot_size == Some(0) {
                self.bad(
                    format!("{path}.lot_size"),
                    "lot_size",
                    "0".into(),
                    "a lot size of 0: expected a whole number >= 1".into(),
                    "leave lot_size out for the registry's",
                );
            }
            if let Some(spot) = spec.spot {
                let hint = "leave spot out to start at the registry's synthetic ATM";
                self.price(format!("{path}.spot"), "spot", spot, spec, hint);
            }
            let caps = [s.config.depth_max_itm, s.config.depth_max_otm];
            for (name, depth) in [("depth", Some(spec.depth)), ("baseline", spec.baseline)] {
                let Some(d) = depth else { continue };
                for ((side, value), cap) in [("itm", d.itm), ("otm", d.otm)].into_iter().zip(caps) {
                    let field = format!("{path}.{name}.{side}");
                    // The baseline is the depth when none is given; a depth above the cap is allowed (the
                    // cap only stops expansion), a baseline above it is not (contraction could never end).
                    let is_baseline = name == "baseline" || spec.baseline.is_none();
                    if value > MAX_STRIKES_PER_SIDE {
                        self.too_large = true;
                        self.bad(
                            field,
                            side,
                            value.to_string(),
                            format!("{value} is too large: at most {MAX_STRIKES_PER_SIDE} strikes per side"),
                            "g6sim keeps a cycle's world in memory; scale the scenario down",
                        );
                    } else if let Some(cap) = cap.filter(|cap| is_baseline && value > *cap) {
                        let what = if name == "baseline" {
                            "baseline"
                        } else {
                            "baseline (the depth, as no baseline is given)"
                        };
                        self.bad(
                            field,
                            side,
                            value.to_string(),
                            format!("{what} {value} is above the expansion cap depth_max_{side} = {cap}"),
                            format!("raise config.depth_max_{side}, or give a baseline at most {cap}"),
                        );
                    }
                }
            }
        }
    }

    fn config(&mut self) {
        for bad in self.s.config.out_of_range() {
            let key = bad.key.rsplit('.').next().unwrap_or(&bad.key).to_string();
            let hint = "see docs/configuration.md for each key's range";
            self.bad(format!("config.{}", bad.key), &key, String::new(), bad.message, hint);
        }
        for symbol in self.s.config.strike_step.keys() {
            if !self.s.indices.iter().any(|i| i.symbol.eq_ignore_ascii_case(symbol)) {
                let declared: Vec<&str> = self.declared().collect();
                self.bad(
                    format!("config.strike_step.{symbol}"),
                    "strike_step",
                    format!("{symbol:?}"),
                    format!(
                        "strike_step names `{symbol}`, which is not declared in `indices`{}",
                        did_you_mean(symbol, declared.iter().copied())
                    ),
                    format!("declared indices: {}", declared.join(", ")),
                );
            }
        }
    }

    fn market(&mut self) {
        let m = &self.s.market;
        let hint = "the market path's numbers are per cycle (log returns) or annualised (volatilities)";
        let (d, v) = (MAX_DRIFT_PER_CYCLE, MAX_VOLATILITY_PER_CYCLE);
        self.range("market.drift_per_cycle".into(), "drift_per_cycle", m.drift_per_cycle, -d, d, hint);
        self.range("market.volatility_per_cycle".into(), "volatility_per_cycle", m.volatility_per_cycle, 0.0, v, hint);
        self.range("market.implied_vol".into(), "implied_vol", m.implied_vol, 0.0, MAX_IMPLIED_VOL, hint);
        for (key, x) in [("skew", m.skew), ("smile", m.smile), ("term_slope", m.term_slope)] {
            self.range(format!("market.{key}"), key, x, -100.0, 100.0, hint);
        }
        self.range("market.risk_free_rate".into(), "risk_free_rate", m.risk_free_rate, -1.0, 1.0, hint);
        for (i, level) in m.levels.iter().enumerate() {
            self.index_ref(format!("market.levels[{i}].index"), &level.index);
            self.cycle_ref(format!("market.levels[{i}].cycle"), "cycle", level.cycle);
            let spec = self.s.indices.iter().find(|x| x.symbol.eq_ignore_ascii_case(&level.index));
            let hint = "scripted levels are absolute index prices";
            match spec {
                Some(spec) => self.price(format!("market.levels[{i}].price"), "price", level.price, spec, hint),
                None => self.range(format!("market.levels[{i}].price"), "price", level.price, 0.01, 1e9, hint),
            }
        }
    }

    fn provider(&mut self) {
        let p = &self.s.provider;
        for (key, value, max, what) in [
            ("strikes_per_side", p.strikes_per_side, MAX_STRIKES_PER_SIDE, "strikes per side"),
            ("weeks_listed", p.weeks_listed, MAX_LISTED, "listed weeklies"),
            ("months_listed", p.months_listed, MAX_LISTED, "listed monthlies"),
        ] {
            if value > max {
                self.too_large = true;
                self.bad(
                    format!("provider.{key}"),
                    key,
                    value.to_string(),
                    format!("{value} is too large: at most {max} {what}"),
                    "g6sim keeps a cycle's world in memory; scale the scenario down",
                );
            }
        }
    }

    fn cycle_time(&mut self) {
        let c = self.s.cycle_time;
        let hint = "a cycle's cost is seconds per unit of its work: 0 leaves that work free";
        for (key, x) in c.costs_s() {
            self.range(format!("cycle_time.{key}"), key, x, 0.0, MAX_COST_S, hint);
        }
        if !(1..=MAX_QUOTE_BATCH).contains(&c.quote_batch) {
            self.bad(
                "cycle_time.quote_batch".into(),
                "quote_batch",
                c.quote_batch.to_string(),
                format!("{} is out of range: expected a whole number from 1 to {MAX_QUOTE_BATCH}", c.quote_batch),
                "the instruments one quote request carries (the provider's limit is 500)",
            );
        }
    }

    fn universe(&mut self) {
        if self.s.universe.as_deref().is_some_and(|p| p.trim().is_empty()) {
            self.bad(
                "universe".into(),
                "universe",
                "\"".into(),
                "an empty universe path: expected a Kite instruments dump file".into(),
                "write the CSV's path relative to the scenario file, or drop `universe` for the synthetic provider",
            );
        }
    }

    fn phases(&mut self) {
        let s = self.s;
        for (i, phase) in s.phases.iter().enumerate() {
            let path = format!("phases[{i}]");
            let index = phase.index.as_ref().and_then(|name| self.index_ref(format!("{path}.index"), name));
            if phase.cycles.last > s.cycles.get() {
                self.bad(
                    format!("{path}.cycles"),
                    "cycles",
                    format!("({}", phase.cycles.first),
                    format!(
                        "the window ({}, {}) ends after the run's last cycle {}",
                        phase.cycles.first, phase.cycles.last, s.cycles
                    ),
                    "keep fault windows inside the run (or raise `cycles`)",
                );
            }
            if let Some(rule) = phase.rule {
                if phase.index.is_none() || index.is_some() {
                    self.rule_ref(format!("{path}.rule"), index, &rule);
                }
                if let Some((j, fault)) = phase.faults.iter().enumerate().find(|(_, f)| f.scope() == Scope::Index) {
                    self.bad(
                        format!("{path}.faults[{j}]"),
                        "faults",
                        format!("{fault:?}").split('(').next().unwrap_or_default().to_string(),
                        format!(
                            "{fault:?} acts on the whole universe of an index and cannot be scoped to an expiry rule"
                        ),
                        "move it to a phase without `rule`",
                    );
                }
            }
            if (phase.index.is_some() || phase.rule.is_some())
                && let Some((j, fault)) = phase.faults.iter().enumerate().find(|(_, f)| f.scope() == Scope::Process)
            {
                self.bad(
                    format!("{path}.faults[{j}]"),
                    "faults",
                    format!("{fault:?}").split('(').next().unwrap_or_default().to_string(),
                    format!(
                        "{:?} acts on the whole process and cannot be scoped to an index or an expiry rule",
                        fault.kind()
                    ),
                    "move it to a phase without `index` and `rule`",
                );
            }
            for (j, fault) in phase.faults.iter().enumerate() {
                if let Some(n) = fault.injected_rows()
                    && n > MAX_FAULT_ROWS
                {
                    self.too_large = true;
                    self.bad(
                        format!("{path}.faults[{j}]"),
                        "faults",
                        n.to_string(),
                        format!("{n} is too large: at most {MAX_FAULT_ROWS} rows"),
                        "g6sim keeps a cycle's world in memory; scale the scenario down",
                    );
                }
            }
        }
    }

    fn rows(&mut self) {
        let (rows, cycle) = rows_per_cycle(self.s);
        if rows > MAX_ROWS_PER_CYCLE && !self.too_large {
            // Point at the first phase that injects rows in that cycle, else at the provider's shape.
            let injecting = self
                .s
                .phases
                .iter()
                .position(|ph| ph.cycles.contains(cycle) && ph.faults.iter().any(|f| f.injected_rows().is_some()));
            let (path, key) = match injecting {
                Some(i) => (format!("phases[{i}].faults"), "faults"),
                None => ("provider".to_string(), "provider"),
            };
            self.bad(
                path,
                key,
                String::new(),
                format!(
                    "the universe is too large: about {rows} rows in cycle {cycle}, at most {MAX_ROWS_PER_CYCLE} rows \
                     per cycle"
                ),
                format!(
                    "list fewer expiries or strikes (provider.weeks_listed, months_listed, strikes_per_side) or inject \
                     fewer rows ({})",
                    injecting_kinds()
                ),
            );
        }
    }

    fn expectations(&mut self) {
        for (i, e) in self.s.expectations.iter().enumerate() {
            let path = format!("expectations[{i}]");
            match e {
                Expectation::At { cycle, check } | Expectation::By { cycle, check } => {
                    self.cycle_ref(format!("{path}.cycle"), "cycle", *cycle);
                    self.check(&path, check);
                }
                Expectation::Always(c)
                | Expectation::Never(c)
                | Expectation::AtLeastOnce(c)
                | Expectation::OutsideFaults(c) => self.check(&path, c),
                Expectation::Eventually { within, check, .. } => {
                    if *within == 0 {
                        self.bad(
                            format!("{path}.within"),
                            "within",
                            "0".into(),
                            "a deadline of 0 cycles: expected a whole number >= 1".into(),
                            "Eventually looks at the `within` cycles after its anchor",
                        );
                    }
                    self.check(&path, check);
                }
                Expectation::MaxFlips { index, window, .. } => {
                    self.index_ref(format!("{path}.index"), index);
                    if *window == 0 {
                        self.bad(
                            format!("{path}.window"),
                            "window",
                            "0".into(),
                            "a window of 0 cycles: expected a whole number >= 1".into(),
                            "MaxFlips counts direction flips in any `window` consecutive cycles",
                        );
                    }
                }
                // A property names itself (the loader read its name) and reads nothing of the scenario.
                Expectation::Keeps(_) => {}
                Expectation::Total { of, is } => {
                    self.cmp(format!("{path}.is"), is);
                    match of {
                        Tally::Events { event, index, reason } => {
                            self.event_ref(&format!("{path}.of"), event, reason.as_deref());
                            if let Some(index) = index {
                                self.index_ref(format!("{path}.of.index"), index);
                            }
                        }
                        Tally::Status { index, rule, .. } | Tally::Reason { index, rule, .. } => {
                            let spec = index.as_ref().map(|n| self.index_ref(format!("{path}.of.index"), n));
                            if let (Some(rule), None | Some(Some(_))) = (rule, spec) {
                                self.rule_ref(format!("{path}.of.rule"), spec.flatten(), rule);
                            }
                        }
                    }
                }
            }
        }
    }

    fn check(&mut self, path: &str, check: &Check) {
        let spec = check.index().map(|name| self.index_ref(format!("{path}.index"), name));
        let rule = match check {
            Check::Status { rule, .. } => rule.as_ref(),
            Check::Reason { rule, .. } | Check::StrikeCoverage { rule, .. } | Check::FieldCoverage { rule, .. } => {
                Some(rule)
            }
            Check::Depth { .. }
            | Check::AtBaseline { .. }
            | Check::StatusTotal { .. }
            | Check::ReasonTotal { .. }
            | Check::Events { .. }
            | Check::InvalidExpiries { .. }
            | Check::ValidationDrops { .. }
            | Check::UniverseSkipped { .. }
            | Check::CycleTime { .. }
            | Check::SlaBreach
            | Check::ScaleFactor { .. }
            | Check::MemoryTier { .. } => None,
        };
        if let (Some(rule), Some(Some(spec))) = (rule, spec) {
            self.rule_ref(format!("{path}.rule"), Some(spec), rule);
        }
        match check {
            Check::Depth { is, .. }
            | Check::StrikeCoverage { is, .. }
            | Check::FieldCoverage { is, .. }
            | Check::StatusTotal { is, .. }
            | Check::ReasonTotal { is, .. }
            | Check::InvalidExpiries { is, .. }
            | Check::ValidationDrops { is, .. }
            | Check::UniverseSkipped { is, .. }
            | Check::CycleTime { is }
            | Check::ScaleFactor { is }
            | Check::MemoryTier { is } => self.cmp(format!("{path}.is"), is),
            Check::Events { event, reason, is, .. } => {
                self.event_ref(path, event, reason.as_deref());
                self.cmp(format!("{path}.is"), is);
            }
            Check::AtBaseline { .. } | Check::Status { .. } | Check::Reason { .. } | Check::SlaBreach => {}
        }
    }
}
