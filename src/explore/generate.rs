//! The scenario generator: one scenario per seed, drawn from the fault catalogue; whole ([`workload`]), or
//! around a scenario whose indices and settings it keeps ([`Template`], `explore --from`). Both draw the
//! market and the fault phases with the same functions.

use crate::calendar::ExpiryRule;
use crate::config::Ratio;
use crate::fault::{Fault, FaultKind, Scope};
use crate::registry::{self, RegistryEntry};
use crate::rng::Stream;
use crate::schema::{CycleTimeSpec, Market, ProviderSpec, Scenario};
use chrono::{DateTime, FixedOffset};
use std::sync::Arc;

/// The probability that a fault kind is on in a generated scenario.
pub const FAULT_ODDS: f64 = 0.4;

/// The most indices a generated scenario has.
pub const MAX_INDICES: usize = 5;

/// The longest generated run, in cycles.
pub const MAX_CYCLES: u64 = 120;

/// The index a generated scenario may declare itself (a symbol the registry does not know).
pub(super) const DECLARED: &str = "EXPLOREIDX";

/// Its registry entry, as the scenario writes it.
pub(super) fn declared_entry() -> RegistryEntry {
    RegistryEntry {
        step: 25.0,
        lot_size: 40,
        synthetic_atm: 8000.0,
        display: None,
        exchange_pool: "NFO".into(),
        weekly_dow: 3,
    }
}

/// The expiry rules an index draws from, in the order a scenario lists them.
const RULES: [ExpiryRule; 4] =
    [ExpiryRule::ThisWeek, ExpiryRule::NextWeek, ExpiryRule::ThisMonth, ExpiryRule::NextMonth];

/// The cycle intervals drawn from, in seconds.
const INTERVALS_S: [u64; 5] = [60, 120, 180, 300, 900];

/// The probability that a workload drawn whole has a cost model of its own, whose strikes cost a share of the
/// SLA ([`LOADS`]).
pub const COST_ODDS: f64 = 0.5;

/// What the strikes of a drawn cost model's first ladders cost, as a share of the SLA at the default
/// `cycle_sla_fraction`: under it, at its edge, and over it twice.
const LOADS: [f64; 4] = [0.5, 0.9, 1.2, 2.0];

/// The probability that a workload drawn whole turns strike scaling on (when the configuration under test does
/// not set it).
pub const SCALING_ODDS: f64 = 0.5;

/// The reductions a drawn strike scaling multiplies the scale by.
const REDUCTIONS: [f64; 4] = [0.5, 0.7, 0.8, 0.9];

/// A generated scenario as data: what the generator draws from a seed, what the shrinker reduces, and what
/// [`Workload::to_ron`] writes as a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The seed it was drawn from; also the scenario's own seed (the market walk's and the provider's).
    pub seed: u64,
    pub cycles: u64,
    pub interval_s: u64,
    /// The simulated start: drawn, a weekday of October 2025 at 09:15 IST; or the kept scenario's.
    pub start: DateTime<FixedOffset>,
    pub volatility_per_cycle: f64,
    pub drift_per_cycle: f64,
    pub indices: Vec<WorkloadIndex>,
    /// One phase per fault kind that is on, in the catalogue's order.
    pub phases: Vec<WorkloadPhase>,
    /// A drawn cost model (`cycle_time`), whose strikes may cost more than the SLA; `None`: the default costs
    /// (or a kept scenario's).
    pub cycle_time: Option<CycleTimeSpec>,
    /// Drawn strike-scaling settings, written into the scenario's `config`; `None`: the configuration under
    /// test decides.
    pub scaling: Option<Scaling>,
    /// The scenario the workload was drawn around (`explore --from`); `None` when it was drawn whole.
    pub kept: Option<Arc<Kept>>,
}

/// What a workload drawn around a scenario keeps of it besides its indices, start, interval and run length,
/// written as it is: never drawn, never shrunk.
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    /// The scenario file, as given.
    pub file: String,
    /// The scenario's name (the workload's is `<name>-explore-<seed>`).
    pub name: String,
    /// How quotes are priced (implied volatility, smile, term slope, rate). The walk's volatility and drift
    /// are drawn; scripted levels are dropped, since the seed draws the path.
    pub market: Market,
    pub provider: ProviderSpec,
    /// What a cycle's work costs.
    pub cycle_time: CycleTimeSpec,
}

/// One index of a workload.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadIndex {
    pub symbol: String,
    /// Its expiry rules, in the order the scenario lists them.
    pub rules: Vec<ExpiryRule>,
    /// Initial strikes per side (itm, otm).
    pub depth: (u32, u32),
    /// Where contraction returns to, when not the initial depth.
    pub baseline: Option<(u32, u32)>,
    /// The registry entry the scenario declares (the declared index's; a kept scenario's own).
    pub registry: Option<RegistryEntry>,
    /// A kept scenario's initial index price, lot size and price tick, when it sets them.
    pub spot: Option<f64>,
    pub lot_size: Option<u32>,
    pub tick_size: Option<f64>,
}

/// Strike scaling as a workload draws it: on, with its thresholds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaling {
    pub breach_threshold: u32,
    pub restore_healthy: u32,
    pub reduction: f64,
    pub min: u32,
    pub passthrough: bool,
}

impl Scaling {
    /// `config` with strike scaling on under these settings.
    pub fn apply(&self, config: &mut crate::config::Config) {
        config.strike_scaling = true;
        config.strike_scaling_breach_threshold = self.breach_threshold;
        config.strike_scaling_restore_healthy = self.restore_healthy;
        config.strike_scaling_reduction = self.reduction;
        config.strike_scaling_min = self.min;
        config.strike_scaling_passthrough = self.passthrough;
    }

    /// The settings as a scenario's `config` section writes them, `(key, value)`.
    fn fields(&self) -> [(&'static str, String); 6] {
        [
            ("strike_scaling", "true".into()),
            ("strike_scaling_breach_threshold", self.breach_threshold.to_string()),
            ("strike_scaling_restore_healthy", self.restore_healthy.to_string()),
            ("strike_scaling_reduction", format!("{:?}", self.reduction)),
            ("strike_scaling_min", self.min.to_string()),
            ("strike_scaling_passthrough", self.passthrough.to_string()),
        ]
    }
}

/// One fault phase of a workload: a fault in a window of cycles, maybe narrowed to an index and a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadPhase {
    pub fault: Fault,
    /// First and last cycle, inclusive.
    pub window: (u64, u64),
    pub index: Option<String>,
    pub rule: Option<ExpiryRule>,
}

/// How big a workload is: what a shrunk failure is measured against its original by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Size {
    pub cycles: u64,
    pub indices: usize,
    pub expiries: usize,
    pub faults: usize,
    /// Fault-cycles: the phases' windows summed.
    pub fault_cycles: u64,
}

/// What a written scenario carries besides its workload: comment lines, the configuration under test and the
/// expectations.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    /// Lines written as `// ` comments after the generator's first line.
    pub comments: Vec<String>,
    /// `parity: G6` when the run is in parity g6.
    pub parity_g6: bool,
    /// The scenario's `config` section, as `key: value` RON fields (empty: the defaults).
    pub config: Vec<String>,
    pub expectations: Vec<crate::scenario::Expectation>,
}

impl Workload {
    /// The workload's size.
    pub fn size(&self) -> Size {
        Size {
            cycles: self.cycles,
            indices: self.indices.len(),
            expiries: self.indices.iter().map(|i| i.rules.len()).sum(),
            faults: self.phases.len(),
            fault_cycles: self.phases.iter().map(|p| p.window.1 - p.window.0 + 1).sum(),
        }
    }

    /// The workload with every depth and baseline within `config`'s expansion caps (`depth_max_itm`,
    /// `depth_max_otm`): the configuration under test is a given, and a baseline above its cap would not load.
    pub fn within(mut self, config: &crate::config::Config) -> Self {
        let cap = |side: u32, max: Option<u32>| max.map_or(side, |m| side.min(m.max(1)));
        for index in &mut self.indices {
            index.depth = (cap(index.depth.0, config.depth_max_itm), cap(index.depth.1, config.depth_max_otm));
            index.baseline = index.baseline.map(|(i, o)| (cap(i, config.depth_max_itm), cap(o, config.depth_max_otm)));
        }
        self
    }

    /// The cost model the scenario writes: the drawn one, a kept scenario's, or the default.
    fn cost(&self) -> CycleTimeSpec {
        self.cycle_time.or(self.kept.as_ref().map(|k| k.cycle_time)).unwrap_or_default()
    }

    /// The scenario's name: `explore-<seed>`, or `<name>-explore-<seed>` around a kept scenario.
    fn name(&self) -> String {
        match &self.kept {
            None => format!("explore-{}", self.seed),
            Some(kept) => format!("{}-explore-{}", kept.name, self.seed),
        }
    }

    /// The scenario [`Self::to_ron`] writes with no extras, built without the text: what an exploration runs
    /// (`a_built_scenario_is_the_written_one` tests the two are one scenario). It is within the loader's
    /// bounds, as every workload is (`every_generated_scenario_loads`).
    pub(crate) fn scenario(&self) -> Scenario {
        use crate::schema::{DepthSpec, IndexSpec, Phase, Window};
        use std::num::NonZeroU64;
        let nonzero = |n: u64| NonZeroU64::new(n).expect("a workload's cycles and interval are positive");
        let mut market = Market {
            volatility_per_cycle: self.volatility_per_cycle,
            drift_per_cycle: self.drift_per_cycle,
            ..Market::default()
        };
        if let Some(kept) = &self.kept {
            let m = &kept.market;
            (market.implied_vol, market.skew, market.smile, market.term_slope, market.risk_free_rate) =
                (m.implied_vol, m.skew, m.smile, m.term_slope, m.risk_free_rate);
        }
        let depth = |(itm, otm): (u32, u32)| DepthSpec { itm, otm };
        Scenario {
            name: self.name(),
            description: String::new(),
            seed: self.seed,
            start: self.start,
            interval_s: nonzero(self.interval_s),
            cycles: nonzero(self.cycles),
            parity: Default::default(),
            indices: self
                .indices
                .iter()
                .map(|index| IndexSpec {
                    symbol: index.symbol.clone(),
                    registry: index.registry.clone(),
                    expiries: index.rules.clone(),
                    depth: depth(index.depth),
                    baseline: index.baseline.map(depth),
                    spot: index.spot,
                    lot_size: index.lot_size,
                    tick_size: index.tick_size,
                })
                .collect(),
            config: {
                let mut config = crate::config::Config::default();
                if let Some(scaling) = &self.scaling {
                    scaling.apply(&mut config);
                }
                config
            },
            market,
            provider: self.kept.as_ref().map(|k| k.provider.clone()).unwrap_or_default(),
            cycle_time: self.cost(),
            universe: None,
            phases: self
                .phases
                .iter()
                .map(|phase| Phase {
                    name: format!("{:?}", phase.fault.kind()),
                    cycles: Window { first: phase.window.0, last: phase.window.1 },
                    index: phase.index.clone(),
                    rule: phase.rule,
                    faults: vec![phase.fault.clone()],
                })
                .collect(),
            expectations: Vec::new(),
            recorded: None,
        }
    }

    /// The workload as a scenario file: the generator's comment line, `extras`' comments, then the scenario.
    pub fn to_ron(&self, extras: &Extras) -> String {
        let seed = self.seed;
        let name = self.name();
        let mut text = match &self.kept {
            None => format!("// Generated by g6sim explore from seed {seed}.\n"),
            Some(kept) => format!("// Generated by g6sim explore from seed {seed} around {}.\n", kept.file),
        };
        for line in &extras.comments {
            text += &format!("// {line}\n");
        }
        text += &format!(
            "Scenario(\n    name: {name:?},\n    seed: {seed},\n    start: \"{}\",\n    interval_s: {},\n    cycles: {},\n",
            self.start.to_rfc3339(),
            self.interval_s,
            self.cycles
        );
        if extras.parity_g6 {
            text += "    parity: G6,\n";
        }
        // The configuration under test, then the drawn strike scaling's keys it does not write.
        let mut config = extras.config.clone();
        for (key, value) in self.scaling.iter().flat_map(Scaling::fields) {
            if !config.iter().any(|field| field.split(':').next() == Some(key)) {
                config.push(format!("{key}: {value}"));
            }
        }
        if !config.is_empty() {
            text += "    config: (\n";
            for field in &config {
                text += &format!("        {field},\n");
            }
            text += "    ),\n";
        }
        text += &format!(
            "    market: (volatility_per_cycle: {:?}, drift_per_cycle: {:?}",
            self.volatility_per_cycle, self.drift_per_cycle
        );
        if let Some(kept) = &self.kept {
            let m = &kept.market;
            let surface = [
                ("implied_vol", m.implied_vol),
                ("skew", m.skew),
                ("smile", m.smile),
                ("term_slope", m.term_slope),
                ("risk_free_rate", m.risk_free_rate),
            ];
            for (key, value) in surface.into_iter().filter(|(_, v)| *v != 0.0) {
                text += &format!(", {key}: {value:?}");
            }
        }
        text += "),\n";
        if let Some(p) = self.kept.as_ref().map(|k| &k.provider).filter(|p| **p != ProviderSpec::default()) {
            text += &format!(
                "    provider: (strikes_per_side: {}, weeks_listed: {}, months_listed: {}),\n",
                p.strikes_per_side, p.weeks_listed, p.months_listed
            );
        }
        if let Some(c) = Some(self.cost()).filter(|c| *c != CycleTimeSpec::default()) {
            text += &format!("    cycle_time: {},\n", spaced(&ron::to_string(&c).expect("a cost model writes as RON")));
        }
        text += "    indices: [\n";
        for index in &self.indices {
            let rules: Vec<String> = index.rules.iter().map(|r| format!("{:?}", r.token())).collect();
            text += &format!(
                "        (symbol: {:?}, expiries: [{}], depth: (itm: {}, otm: {})",
                index.symbol,
                rules.join(", "),
                index.depth.0,
                index.depth.1
            );
            if let Some((itm, otm)) = index.baseline {
                text += &format!(", baseline: (itm: {itm}, otm: {otm})");
            }
            if let Some(spot) = index.spot {
                text += &format!(", spot: {spot:?}");
            }
            if let Some(lot) = index.lot_size {
                text += &format!(", lot_size: {lot}");
            }
            if let Some(tick) = index.tick_size {
                text += &format!(", tick_size: {tick:?}");
            }
            if let Some(entry) = &index.registry {
                text += &format!(", registry: {}", entry_ron(entry));
            }
            text += "),\n";
        }
        text += "    ],\n    phases: [\n";
        for phase in &self.phases {
            let mut scope = String::new();
            if let Some(index) = &phase.index {
                scope += &format!("index: {index:?}, ");
            }
            if let Some(rule) = phase.rule {
                scope += &format!("rule: {:?}, ", rule.token());
            }
            let fault = ron::to_string(&phase.fault).expect("a fault writes as RON");
            text += &format!(
                "        (name: \"{:?}\", cycles: ({}, {}), {scope}faults: [{fault}]),\n",
                phase.fault.kind(),
                phase.window.0,
                phase.window.1
            );
        }
        text += "    ],\n";
        if !extras.expectations.is_empty() {
            text += "    expectations: [\n";
            for e in &extras.expectations {
                text += &format!("        {},\n", spaced(&ron::to_string(e).expect("an expectation writes as RON")));
            }
            text += "    ],\n";
        }
        text += ")\n";
        text
    }
}

/// A registry entry as a scenario writes it: its numbers, and the other fields where they are not the defaults.
fn entry_ron(entry: &RegistryEntry) -> String {
    let mut text =
        format!("(step: {:?}, lot_size: {}, synthetic_atm: {:?}", entry.step, entry.lot_size, entry.synthetic_atm);
    if let Some(display) = &entry.display {
        text += &format!(", display: {display:?}");
    }
    if entry.exchange_pool != "NFO" {
        text += &format!(", exchange_pool: {:?}", entry.exchange_pool);
    }
    if entry.weekly_dow != 3 {
        text += &format!(", weekly_dow: {}", entry.weekly_dow);
    }
    text + ")"
}

/// Compact RON with a space after each `:` and `,` outside strings, as a person writes it.
fn spaced(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    for c in compact.chars() {
        out.push(c);
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ':' | ',' if !in_string => out.push(' '),
            _ => {}
        }
    }
    out
}

/// The workload of `seed`, drawn whole.
pub fn workload(seed: u64) -> Workload {
    let mut draw = Stream::new(seed, "", "", 0, "explore");
    let cycles = 10 + draw.below(MAX_CYCLES - 9);
    let interval_s = INTERVALS_S[draw.below(INTERVALS_S.len() as u64) as usize];
    let start = october(6 + draw.below(5));
    let mut indices = draw_indices(&mut draw);
    for index in &mut indices {
        index.depth = (2 + draw.below(19) as u32, 2 + draw.below(19) as u32);
        let depth = index.depth;
        index.baseline = (draw.unit() < 0.3)
            .then(|| (1 + draw.below(u64::from(depth.0)) as u32, 1 + draw.below(u64::from(depth.1)) as u32));
    }
    let (volatility_per_cycle, drift_per_cycle) = draw_market(&mut draw);
    let phases = draw_phases(&mut draw, cycles, &indices);
    // Drawn last, so the draws before them are those of a workload without them.
    let cycle_time = draw_cost(&mut draw, interval_s, &indices);
    let scaling = draw_scaling(&mut draw);
    Workload {
        seed,
        cycles,
        interval_s,
        start,
        volatility_per_cycle,
        drift_per_cycle,
        indices,
        phases,
        cycle_time,
        scaling,
        kept: None,
    }
}

/// With probability [`COST_ODDS`], a cost model whose strikes (`per_strike_s`, per fetched expiry) cost a share
/// of the SLA ([`LOADS`]: `interval_s` x 0.85, the default `cycle_sla_fraction`) at the first cycle's ladders,
/// the other costs the defaults: a cycle that breaches its SLA at the full depth and keeps it once strike
/// scaling has cut the ladders. Drawn every time.
fn draw_cost(draw: &mut Stream, interval_s: u64, indices: &[WorkloadIndex]) -> Option<CycleTimeSpec> {
    let on = draw.unit() < COST_ODDS;
    let load = LOADS[draw.below(LOADS.len() as u64) as usize];
    if !on {
        return None;
    }
    let strikes: u32 = indices.iter().map(|i| i.rules.len() as u32 * (i.depth.0 + i.depth.1)).sum();
    let sla_s = interval_s as f64 * 0.85;
    // In thousandths of a second, as a person writes it.
    let per_strike_s = ((load * sla_s / f64::from(strikes.max(1))) * 1000.0).round().max(1.0) / 1000.0;
    Some(CycleTimeSpec { per_strike_s, ..CycleTimeSpec::default() })
}

/// With probability [`SCALING_ODDS`], strike scaling on: a breach threshold of 1 to 4 cycles, a restore after 1
/// to 12 healthy cycles, a reduction of 0.5 to 0.9, a floor of 1 to 4 strikes per side, and passthrough in one
/// of four. Drawn every time.
fn draw_scaling(draw: &mut Stream) -> Option<Scaling> {
    let on = draw.unit() < SCALING_ODDS;
    let scaling = Scaling {
        breach_threshold: 1 + draw.below(4) as u32,
        restore_healthy: 1 + draw.below(12) as u32,
        reduction: REDUCTIONS[draw.below(REDUCTIONS.len() as u64) as usize],
        min: 1 + draw.below(4) as u32,
        passthrough: draw.below(4) == 0,
    };
    on.then_some(scaling)
}

/// 09:15 IST on `day` October 2025.
pub(super) fn october(day: u64) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("2025-10-{day:02}T09:15:00+05:30")).expect("a day of October 2025")
}

/// The scenario of `seed`, as RON text (a comment line naming the seed, then the scenario).
pub fn generate(seed: u64) -> String {
    workload(seed).to_ron(&Extras::default())
}

/// A scenario as `explore --from` explores it: what every seed's workload keeps of it (its indices with their
/// rules, depths, baselines, spots and registry entries; its start, interval and run length; its pricing and
/// provider), around which each seed draws a market walk and fault phases as [`workload`] draws them.
#[derive(Clone, Debug)]
pub struct Template {
    cycles: u64,
    interval_s: u64,
    start: DateTime<FixedOffset>,
    indices: Vec<WorkloadIndex>,
    kept: Arc<Kept>,
}

impl Template {
    /// The template of `scenario`, read from `file` (as given). Its config and parity are not kept here:
    /// the exploration resolves them into the configuration under test.
    pub fn of(file: &str, scenario: &Scenario) -> Self {
        let indices = scenario
            .indices
            .iter()
            .map(|i| WorkloadIndex {
                symbol: i.symbol.clone(),
                rules: i.expiries.clone(),
                depth: (i.depth.itm, i.depth.otm),
                baseline: i.baseline.map(|b| (b.itm, b.otm)),
                registry: i.registry.clone(),
                spot: i.spot,
                lot_size: i.lot_size,
                tick_size: i.tick_size,
            })
            .collect();
        let market =
            Market { volatility_per_cycle: 0.0, drift_per_cycle: 0.0, levels: Vec::new(), ..scenario.market.clone() };
        let kept = Kept {
            file: file.to_string(),
            name: scenario.name.clone(),
            market,
            provider: scenario.provider.clone(),
            cycle_time: scenario.cycle_time,
        };
        Template {
            cycles: scenario.cycles.get(),
            interval_s: scenario.interval_s.get(),
            start: scenario.start,
            indices,
            kept: Arc::new(kept),
        }
    }

    /// The symbols of its indices, in the scenario's order.
    pub fn symbols(&self) -> impl Iterator<Item = &str> {
        self.indices.iter().map(|i| i.symbol.as_str())
    }

    /// The workload of `seed`: the scenario's indices and settings, a market walk and fault phases drawn.
    pub fn workload(&self, seed: u64) -> Workload {
        let mut draw = Stream::new(seed, "", "", 0, "explore-from");
        let (volatility_per_cycle, drift_per_cycle) = draw_market(&mut draw);
        let phases = draw_phases(&mut draw, self.cycles, &self.indices);
        Workload {
            seed,
            cycles: self.cycles,
            interval_s: self.interval_s,
            start: self.start,
            volatility_per_cycle,
            drift_per_cycle,
            indices: self.indices.clone(),
            phases,
            cycle_time: None,
            scaling: None,
            kept: Some(self.kept.clone()),
        }
    }
}

/// 1 to [`MAX_INDICES`] distinct indices, in registry order (the declared one last), each with a non-empty
/// subset of the rules (depths drawn after).
fn draw_indices(draw: &mut Stream) -> Vec<WorkloadIndex> {
    let symbols: Vec<&'static str> = registry::known_symbols().chain([DECLARED]).collect();
    let count = 1 + draw.below(MAX_INDICES as u64) as usize;
    // A partial Fisher-Yates shuffle of the positions picks `count` symbols, kept in registry order.
    let mut positions: Vec<usize> = (0..symbols.len()).collect();
    for i in 0..count {
        let j = i + draw.below((positions.len() - i) as u64) as usize;
        positions.swap(i, j);
    }
    let mut chosen = positions[..count].to_vec();
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|position| {
            let mut rules: Vec<ExpiryRule> = RULES.iter().copied().filter(|_| draw.unit() < 0.5).collect();
            if rules.is_empty() {
                rules.push(RULES[draw.below(RULES.len() as u64) as usize]);
            }
            let symbol = symbols[position];
            WorkloadIndex {
                symbol: symbol.to_string(),
                rules,
                depth: (0, 0),
                baseline: None,
                registry: (symbol == DECLARED).then(declared_entry),
                spot: None,
                lot_size: None,
                tick_size: None,
            }
        })
        .collect()
}

/// A market walk: a per-cycle volatility of 0 to 0.4% and a drift of -0.05%, 0 or +0.05%.
fn draw_market(draw: &mut Stream) -> (f64, f64) {
    let volatility_per_cycle = [0.0, 0.001, 0.002, 0.004][draw.below(4) as usize];
    let drift_per_cycle = [-0.0005, 0.0, 0.0005][draw.below(3) as usize];
    (volatility_per_cycle, drift_per_cycle)
}

/// The fault phases of a run of `cycles` cycles over `indices`: one draw per kind of the catalogue, in its
/// order ([`draw_phase`]).
fn draw_phases(draw: &mut Stream, cycles: u64, indices: &[WorkloadIndex]) -> Vec<WorkloadPhase> {
    FaultKind::ALL.iter().filter_map(|&kind| draw_phase(draw, kind, cycles, indices)).collect()
}

/// A phase of fault `kind` with probability [`FAULT_ODDS`]: a window of 1 to 20 cycles, an intensity (a ratio
/// of 0.05 to 1 in hundredths, 1 to 40 rows), and a scope narrowed to an index (and a rule) where the kind
/// allows it, drawn every time so the draws of one kind never depend on another's.
fn draw_phase(draw: &mut Stream, kind: FaultKind, cycles: u64, indices: &[WorkloadIndex]) -> Option<WorkloadPhase> {
    let on = draw.unit() < FAULT_ODDS;
    let from = 1 + draw.below(cycles);
    let to = from + draw.below(20.min(cycles - from + 1));
    let ratio = (5 + draw.below(96)) as f64 / 100.0;
    let rows = 1 + draw.below(40) as u32;
    let (narrow, index, rule) = (draw.below(3), draw.below(indices.len() as u64) as usize, draw.below(8));
    if !on {
        return None;
    }
    let fault = kind.with(Ratio::new(ratio).expect("a ratio in [0.05, 1]"), rows);
    let narrowed = &indices[index];
    let (index, rule) = match (kind.scope(), narrow) {
        (_, 0) | (Scope::Process, _) => (None, None),
        (Scope::Index, _) | (Scope::Expiry, 1) => (Some(narrowed.symbol.clone()), None),
        (Scope::Expiry, _) => {
            (Some(narrowed.symbol.clone()), Some(narrowed.rules[rule as usize % narrowed.rules.len()]))
        }
    };
    Some(WorkloadPhase { fault, window: (from, to), index, rule })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::run::{RunOptions, run_scenario};
    use crate::scenario::{LoadedScenario, parse};

    fn load(seed: u64) -> LoadedScenario {
        let text = generate(seed);
        let scenario = parse("generated.ron", &text).unwrap_or_else(|e| panic!("seed {seed}:\n{e}\n{text}"));
        LoadedScenario::inline(scenario, "generated.ron")
    }

    /// The same seed gives the same text; other seeds give other scenarios.
    #[test]
    fn a_seed_gives_one_scenario() {
        assert_eq!(generate(7), generate(7));
        let texts: std::collections::BTreeSet<String> = (0..50).map(generate).collect();
        assert_eq!(texts.len(), 50);
        assert!(generate(7).starts_with("// Generated by g6sim explore from seed 7.\nScenario(\n"));
    }

    /// Every generated scenario passes the loader's checks, and within its bounds.
    #[test]
    fn every_generated_scenario_loads() {
        for seed in 0..400 {
            let s = load(seed).scenario;
            assert!((1..=MAX_INDICES).contains(&s.indices.len()), "seed {seed}");
            assert!((10..=MAX_CYCLES).contains(&s.cycles.get()), "seed {seed}");
            assert!(s.indices.iter().all(|i| !i.expiries.is_empty() && i.depth.itm >= 2 && i.depth.otm >= 2));
            for phase in &s.phases {
                assert!(phase.cycles.first >= 1 && phase.cycles.last <= s.cycles.get(), "seed {seed}: {phase:?}");
            }
        }
    }

    /// Swarm testing reaches the whole catalogue: every fault kind, alone in its phase, narrowed to an index
    /// and to a rule where its scope allows; the declared index; and scenarios with no fault at all.
    #[test]
    fn every_fault_kind_and_scope_is_generated() {
        let mut kinds = std::collections::BTreeSet::new();
        let (mut by_index, mut by_rule, mut declared, mut quiet) = (0, 0, 0, 0);
        for seed in 0..300 {
            let s = load(seed).scenario;
            quiet += usize::from(s.phases.is_empty());
            declared += usize::from(s.indices.iter().any(|i| i.symbol == DECLARED));
            for phase in &s.phases {
                assert_eq!(phase.faults.len(), 1);
                let kind = phase.faults[0].kind();
                kinds.insert(format!("{kind:?}"));
                by_index += usize::from(phase.index.is_some());
                by_rule += usize::from(phase.rule.is_some());
                assert!(phase.rule.is_none() || kind.scope() == Scope::Expiry, "seed {seed}: {phase:?}");
            }
        }
        let all: std::collections::BTreeSet<String> = FaultKind::ALL.iter().map(|k| format!("{k:?}")).collect();
        assert_eq!(kinds, all);
        assert!(
            by_index > 100 && by_rule > 50 && declared > 50 && quiet > 0,
            "{by_index} {by_rule} {declared} {quiet}"
        );
    }

    /// A scenario `explore --from` draws around: a declared index with a pinned date, a spot, a lot and a tick,
    /// a baseline, a provider and a priced market with scripted levels.
    pub(crate) const FROM: &str = r#"Scenario(
        name: "mine",
        seed: 99,
        start: "2025-11-03T10:00:00+05:30",
        interval_s: 120,
        cycles: 30,
        parity: G6,
        config: (contract_ok_cycles: 3, prefilter_max_instruments: 400),
        market: (volatility_per_cycle: 0.01, implied_vol: 0.2, skew: -0.1, levels: [(cycle: 5, index: "NIFTY", price: 25000.0)]),
        provider: (strikes_per_side: 30, weeks_listed: 4, months_listed: 2),
        cycle_time: (per_strike_s: 1.5, quote_batch: 200),
        indices: [
            (symbol: "NIFTY", expiries: ["this_week", "next_month"], depth: (itm: 12, otm: 8), baseline: (itm: 5, otm: 5), spot: 25100.0),
            (symbol: "MYIDX", expiries: ["this_week", "2025-11-25"], depth: (itm: 5, otm: 5), lot_size: 20, tick_size: 0.1,
             registry: (step: 20.0, lot_size: 25, synthetic_atm: 5000.0, weekly_dow: 1)),
        ],
        phases: [(name: "theirs", cycles: (2, 3), faults: [Outage])],
    )"#;

    /// Around a scenario, every seed keeps its indices, start, interval, run length, pricing and provider, and
    /// draws the market walk and the phases (over its own indices and rules); the same seed, the same text.
    #[test]
    fn a_template_keeps_the_scenario_and_draws_the_rest() {
        let scenario = parse("mine.ron", FROM).unwrap();
        let template = Template::of("mine.ron", &scenario);
        assert_eq!(template.workload(7), template.workload(7));
        assert_eq!(template.workload(7).to_ron(&Extras::default()), template.workload(7).to_ron(&Extras::default()));
        let mut phases = std::collections::BTreeSet::new();
        let mut markets = std::collections::BTreeSet::new();
        for seed in 0..60 {
            let w = template.workload(seed);
            let text = w.to_ron(&Extras::default());
            assert!(text.starts_with(&format!("// Generated by g6sim explore from seed {seed} around mine.ron.\n")));
            let s = parse("drawn.ron", &text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
            assert_eq!((s.name, s.seed), (format!("mine-explore-{seed}"), seed));
            assert_eq!((s.start, s.interval_s, s.cycles), (scenario.start, scenario.interval_s, scenario.cycles));
            assert_eq!((&s.provider, s.cycle_time), (&scenario.provider, scenario.cycle_time));
            assert_eq!((s.market.implied_vol, s.market.skew), (0.2, -0.1));
            assert!(s.market.levels.is_empty(), "the seed draws the path");
            assert_eq!(s.indices.len(), 2);
            for (ours, theirs) in s.indices.iter().zip(&scenario.indices) {
                assert_eq!((&ours.symbol, &ours.expiries), (&theirs.symbol, &theirs.expiries));
                assert_eq!(
                    (ours.depth, ours.baseline, ours.registry.as_ref()),
                    (theirs.depth, theirs.baseline, theirs.registry.as_ref())
                );
                assert_eq!(
                    (ours.spot, ours.lot_size, ours.tick_size),
                    (theirs.spot, theirs.lot_size, theirs.tick_size)
                );
            }
            for phase in &s.phases {
                assert!(phase.cycles.last <= 30, "seed {seed}: {phase:?}");
                if let (Some(index), Some(rule)) = (&phase.index, phase.rule) {
                    let spec = s.indices.iter().find(|i| &i.symbol == index).unwrap();
                    assert!(spec.expiries.contains(&rule), "seed {seed}: {phase:?}");
                }
            }
            phases.insert(format!("{:?}", w.phases));
            markets.insert(format!("{:?}", (w.volatility_per_cycle, w.drift_per_cycle)));
        }
        assert!(phases.len() > 50 && markets.len() > 6, "{} {}", phases.len(), markets.len());
    }

    /// The scenario an exploration builds from a workload is the one its file loads as: drawn whole, around a
    /// scenario, and reduced as the shrinker reduces (no market walk, one index, no faults).
    #[test]
    fn a_built_scenario_is_the_written_one() {
        let kept = Template::of("mine.ron", &parse("mine.ron", FROM).unwrap());
        let mut workloads: Vec<Workload> = (0..300).map(workload).chain((0..60).map(|s| kept.workload(s))).collect();
        let mut reduced = workload(5);
        (reduced.volatility_per_cycle, reduced.drift_per_cycle) = (0.0, 0.0);
        reduced.indices.truncate(1);
        reduced.phases.clear();
        workloads.push(reduced);
        for w in workloads {
            let text = w.to_ron(&Extras::default());
            let loaded = parse("generated.ron", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            let built = w.scenario();
            assert!(crate::scenario::is_valid(&built), "{text}");
            assert_eq!(format!("{built:#?}"), format!("{loaded:#?}"), "{text}");
        }
    }

    /// A workload drawn whole is written as before the template existed: its start a weekday of October
    /// 2025, its declared index with the declared entry.
    #[test]
    fn a_whole_workload_writes_its_declared_index_and_day() {
        let seed = (0..100).find(|&s| workload(s).indices.iter().any(|i| i.symbol == DECLARED)).unwrap();
        let text = generate(seed);
        assert!(
            text.contains(r#"(symbol: "EXPLOREIDX""#)
                && text.contains("registry: (step: 25.0, lot_size: 40, synthetic_atm: 8000.0))"),
            "{text}"
        );
        assert!(text.contains("start: \"2025-10-") && text.contains("T09:15:00+05:30\""), "{text}");
    }

    /// A generated scenario runs, and runs to the same results every time.
    #[test]
    fn generated_scenarios_run_deterministically() {
        for seed in 0..12 {
            let loaded = load(seed);
            let a = run_scenario(&loaded, &RunOptions::default()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let b = run_scenario(&loaded, &RunOptions::default()).unwrap();
            assert_eq!(a.result, b.result, "seed {seed}");
            assert_eq!(a.result.cycles.len() as u64, loaded.scenario.cycles.get());
        }
    }

    /// The correct rules keep every property of the catalogue over generated scenarios, in both modes.
    #[test]
    fn generated_runs_keep_every_property_in_both_modes() {
        use crate::config::Parity;
        use crate::scenario::{Expectation, Property};
        let mut broken = Vec::new();
        for seed in 0..60 {
            let mut loaded = load(seed);
            loaded.scenario.expectations = Property::ALL.iter().map(|&p| Expectation::Keeps(p)).collect();
            for parity in [Parity::Off, Parity::G6] {
                let run = run_scenario(&loaded, &RunOptions { parity: Some(parity), ..RunOptions::default() }).unwrap();
                for o in run.outcomes.iter().filter(|o| !o.passed) {
                    broken.push(format!("seed {seed} {parity:?}: {}: {}", o.expectation, o.detail));
                }
            }
        }
        assert!(broken.is_empty(), "{}", broken.join("\n"));
    }
}
