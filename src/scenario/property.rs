//! The property catalogue's checks ([`Property`]): what must hold in every cycle of every run, whatever the
//! scenario, judged against the run's [`Setting`] (its configuration and fault windows). Each property is
//! named and defined once (the schema's `Property`, docs/properties.md) and checked here by an exhaustive
//! `match`; the expectation `Keeps(property)` runs these checks cycle by cycle in the [`super::Evaluator`].
//!
//! The adaptive properties replay the depth decisions from the cycle's passes and its
//! `strike_depth_adjustment` events, as each mode defines a decision: the cycle's worst successful pass
//! (default mode) or each successful pass in expiry order (parity g6). A [`Watch`] keeps, per index, only
//! what the next cycle needs (the depth, the healthy streak, the last contraction's clock, the deadline of
//! the return to the baseline and the last direction flip), so its memory is flat in the number of cycles.

use crate::config::Config;
use crate::events::{CycleSummary, Depth, Event, ExpirySummary, IndexSummary, LoggedEvent, StrikeDepthAdjustment};
use crate::schema::{Property, Scenario, Window};
use crate::vocab::{AdjustReason, ExpiryStatus, Failure, PartialReason};

/// What a run's properties are judged against: the mode, the configuration and the fault windows.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The run is in parity g6 (where the reference's quirks are reproduced).
    pub parity_g6: bool,
    pub config: Config,
    /// The cycle windows of the scenario's fault phases, in the scenario's order.
    pub faults: Vec<Window>,
    /// Simulated seconds between two cycles (parity g6 counts its cooldown on simulated time).
    pub interval_s: u64,
    /// Each index's depth before the first cycle (the scenario's), in index order: what the first cycle's
    /// adjustments start from (its ladder may be scaled below it).
    pub start_depths: Vec<Depth>,
}

impl Setting {
    /// The setting of a run of `scenario` under `config`.
    pub fn of(scenario: &Scenario, config: &Config) -> Self {
        Setting {
            parity_g6: config.parity.is_g6(),
            config: config.clone(),
            faults: scenario.phases.iter().map(|p| p.cycles).collect(),
            interval_s: scenario.interval_s.get(),
            start_depths: scenario.indices.iter().map(|s| Depth { itm: s.depth.itm, otm: s.depth.otm }).collect(),
        }
    }

    /// The last cycle of any fault window (`None` without faults).
    pub fn last_fault(&self) -> Option<u64> {
        self.faults.iter().map(|w| w.last).max()
    }

    /// The first cycle after every fault window: where the liveness properties start counting.
    pub fn quiet_from(&self) -> u64 {
        self.last_fault().map_or(1, |last| last.saturating_add(1))
    }

    /// Whether a fault window covers `cycle`.
    pub fn faulty(&self, cycle: u64) -> bool {
        self.faults.iter().any(|w| w.contains(cycle))
    }

    /// The cooldown in cycles: `contract_cooldown` itself by default; in parity g6 the cycles it takes the
    /// clock (`unix / cooldown_clock_s`) to move on `contract_cooldown` ticks, one more for the floor.
    pub fn cooldown_cycles(&self) -> u64 {
        let cooldown = u64::from(self.config.contract_cooldown);
        if !self.parity_g6 || cooldown == 0 {
            return cooldown;
        }
        let clock_s = self.config.cooldown_clock_s.max(1);
        (cooldown * clock_s).div_ceil(self.interval_s.max(1)) + 1
    }

    /// The cycles a return to the baseline from `excess` strikes above it may take: one contraction per
    /// `contract_step`, each after a full healthy streak and the cooldown, plus `RETURN_SLACK`.
    pub fn return_bound(&self, excess: u32) -> u64 {
        let c = &self.config;
        let contractions = u64::from(excess.div_ceil(c.contract_step.max(1)));
        contractions * (u64::from(c.contract_ok_cycles) + self.cooldown_cycles() + 1) + RETURN_SLACK
    }
}

/// Cycles granted beyond the contractions' own bound for the depth's return: one, for the first quiet cycle,
/// whose decision may still see the last fault's ladder (the depth it applies was decided under the fault).
pub const RETURN_SLACK: u64 = 1;

/// Cycles after the last fault window within which every expiry must be OK again: none, the first quiet
/// cycle fetches a fresh ladder from a provider that answers in full (the depth only widens the ladder).
pub const RECOVERY_CYCLES: u64 = 0;

/// Two direction flips of an index's depth closer than this, in one fault-free stretch, break
/// `few_depth_flips`.
pub const FLIP_SPACING: u64 = 10;

/// What a property remembers of the run so far, per index (in the cycle's index order), and of the run's
/// strike-scaling scale.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Watch {
    indices: Vec<IndexWatch>,
    scale: ScaleWatch,
}

/// The strike-scaling scale's memory: its value after the last cycle, and the moves of the current steady
/// stretch (cycles with no fault in force and no depth adjustment).
#[derive(Clone, Debug, Default, PartialEq)]
struct ScaleWatch {
    /// The scale after the last cycle (1 before the first).
    scale: Option<f64>,
    /// The first cycle of the current steady stretch (0: none).
    since: u64,
    /// The first cut of the stretch: its cycle, the scale before and after.
    cut: Option<(u64, f64, f64)>,
    /// The first restore after that cut.
    restore: Option<(u64, f64, f64)>,
}

/// One index's memory.
#[derive(Clone, Debug, Default, PartialEq)]
struct IndexWatch {
    /// The depth after the last cycle (the next ladder's).
    depth: Option<Depth>,
    /// Healthy decisions since the last unhealthy one or the last contraction.
    streak: u32,
    /// The decision clock of the last contraction.
    last_contraction: Option<i64>,
    /// The cycle by which the depth must be back at the baseline (set at the first quiet cycle).
    deadline: Option<u64>,
    /// The depth has been back at the baseline in the quiet stretch.
    settled: bool,
    /// The direction of the last adjustment.
    direction: Option<AdjustReason>,
    /// The cycle of the last direction flip in the current fault-free stretch.
    last_flip: Option<u64>,
}

/// One depth decision, as the mode defines it, with the adjustments it made.
struct Decision<'a> {
    strike_cov: Option<f64>,
    options: u32,
    rule: &'a str,
    expansion: Option<&'a StrikeDepthAdjustment>,
    contraction: Option<&'a StrikeDepthAdjustment>,
}

impl Decision<'_> {
    fn low(&self, trigger: f64) -> bool {
        self.strike_cov.is_some_and(|s| s < trigger)
    }
}

/// An index's `strike_depth_adjustment` events this cycle, in order.
fn adjustments<'a>(index: &str, events: &'a [LoggedEvent]) -> Vec<&'a StrikeDepthAdjustment> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::StrikeDepthAdjustment(a) if a.index.eq_ignore_ascii_case(index) => Some(a),
            _ => None,
        })
        .collect()
}

/// The index's passes: its successful expiries.
fn passes(index: &IndexSummary) -> impl Iterator<Item = &ExpirySummary> {
    index.expiries.iter().filter(|e| e.failure.is_none())
}

/// The index's decisions this cycle, each with its adjustments (at most an expansion, then a contraction);
/// an error when the adjustments do not fit the decisions.
fn decisions<'a>(
    parity_g6: bool,
    index: &'a IndexSummary,
    adjustments: &[&'a StrikeDepthAdjustment],
) -> Result<Vec<Decision<'a>>, String> {
    let mut rest = adjustments.iter().copied().peekable();
    let mut take = |d: &mut Decision<'a>, rule: Option<&str>| {
        let mine = |a: &&StrikeDepthAdjustment| rule.is_none_or(|r| a.rule.as_deref() == Some(r));
        d.expansion = rest.next_if(|a| a.reason == AdjustReason::Expansion && mine(a));
        d.contraction = rest.next_if(|a| a.reason == AdjustReason::Contraction && mine(a));
    };
    let mut out = Vec::new();
    if parity_g6 {
        for e in passes(index) {
            let mut d = Decision {
                strike_cov: e.strike_coverage,
                options: e.options,
                rule: &e.rule,
                expansion: None,
                contraction: None,
            };
            take(&mut d, Some(&e.rule));
            out.push(d);
        }
    } else if let Some(worst) =
        passes(index).min_by(|a, b| cov_key(a.strike_coverage).total_cmp(&cov_key(b.strike_coverage)))
    {
        let mut d = Decision {
            strike_cov: worst.strike_coverage,
            options: passes(index).map(|e| e.options).sum(),
            rule: &worst.rule,
            expansion: None,
            contraction: None,
        };
        take(&mut d, None);
        out.push(d);
    }
    match rest.next() {
        Some(a) => Err(format!("{}: {:?} {:?} without a decision to make it", index.index, a.reason, a.rule)),
        None => Ok(out),
    }
}

fn cov_key(cov: Option<f64>) -> f64 {
    cov.unwrap_or(f64::INFINITY)
}

fn depth_of(a: &StrikeDepthAdjustment, new: bool) -> Depth {
    if new { Depth { itm: a.new_itm, otm: a.new_otm } } else { Depth { itm: a.prev_itm, otm: a.prev_otm } }
}

fn above(depth: Depth, baseline: Depth) -> bool {
    depth.itm > baseline.itm || depth.otm > baseline.otm
}

/// The expansion cap of one side: explicit, or `max(10, anchor + 10)`.
fn cap(explicit: Option<u32>, anchor: u32) -> u32 {
    explicit.unwrap_or_else(|| anchor.saturating_add(10).max(10))
}

/// The caps of an expansion from `cur`: anchored on the baseline by default, on the depth in parity g6.
fn caps(setting: &Setting, cur: Depth, baseline: Depth) -> Depth {
    let c = &setting.config;
    let anchor = if setting.parity_g6 { cur } else { baseline };
    Depth { itm: cap(c.depth_max_itm, anchor.itm), otm: cap(c.depth_max_otm, anchor.otm) }
}

/// What is wrong with one adjustment from `cur` against the mode's bounds of its direction.
fn adjustment_bounds(setting: &Setting, a: &StrikeDepthAdjustment, cur: Depth, baseline: Depth) -> Option<String> {
    let (prev, new) = (depth_of(a, false), depth_of(a, true));
    if prev != cur {
        return Some(format!("{}: {:?} from {prev:?}, the depth was {cur:?}", a.index, a.reason));
    }
    let c = &setting.config;
    let sides = [(prev.itm, new.itm, baseline.itm), (prev.otm, new.otm, baseline.otm)];
    let wrong = match a.reason {
        AdjustReason::Expansion => {
            let caps = caps(setting, cur, baseline);
            let caps = [caps.itm, caps.otm];
            sides.iter().zip(caps).any(|(&(p, n, _), cap)| {
                let grown_too_far = n > p.saturating_add(c.expansion_step);
                if setting.parity_g6 {
                    // The reference writes both sides, cutting one above an explicit cap down to it.
                    grown_too_far || n > cap.max(p.min(cap))
                } else {
                    grown_too_far || n < p || n > cap.max(p)
                }
            }) || !(new.itm > prev.itm || new.otm > prev.otm)
        }
        AdjustReason::Contraction => {
            sides.iter().any(|&(p, n, b)| {
                // Parity g6 lifts a side below the baseline up to it (`max(cur - step, baseline)`).
                let ceiling = if setting.parity_g6 { p.max(b) } else { p };
                n > ceiling || n < p.saturating_sub(c.contract_step)
            }) || !(new.itm < prev.itm || new.otm < prev.otm)
        }
    };
    wrong.then(|| format!("{}: {:?} {prev:?} -> {new:?} (baseline {baseline:?})", a.index, a.reason))
}

/// `scale_settles` on one cycle: by default, a cut after a restore after a cut, all three in one steady
/// stretch (cycles with no fault in force and no depth adjustment), is a limit cycle; parity g6 (the
/// reference's restore has no SLA guard) is not judged.
fn scale_settles(
    setting: &Setting,
    w: &mut ScaleWatch,
    cycle: &CycleSummary,
    events: &[LoggedEvent],
) -> Option<String> {
    let n = cycle.cycle;
    let new = cycle.strike_scaling.as_ref()?.scale;
    let old = w.scale.replace(new).unwrap_or(1.0);
    if setting.parity_g6 {
        return None;
    }
    // A fault may change a cycle's work from one cycle to the next, and an adjustment changes the depth the
    // scale multiplies: the restore's projection assumes the cycle it projects from repeats.
    let adjusted = events.iter().any(|e| matches!(e.event, Event::StrikeDepthAdjustment(_)));
    if setting.faulty(n) || adjusted {
        (w.since, w.cut, w.restore) = (0, None, None);
        return None;
    }
    if w.since == 0 {
        w.since = n;
    }
    if new < old {
        if let (Some((c, c_old, c_new)), Some((r, r_old, r_new))) = (w.cut, w.restore) {
            return Some(format!(
                "scale cut at cycle {c} ({c_old} -> {c_new}), restored at {r} ({r_old} -> {r_new}) and cut again \
                 at {n} ({old} -> {new}), no fault and no depth adjustment since cycle {}",
                w.since
            ));
        }
        w.cut.get_or_insert((n, old, new));
    } else if new > old && w.cut.is_some() {
        w.restore.get_or_insert((n, old, new));
    }
    None
}

/// Whether strike scaling writes the depths (parity g6, not passthrough): the depth may then go below its
/// baseline, and change without an adjustment.
fn writes_scaled_depths(setting: &Setting) -> bool {
    let c = &setting.config;
    setting.parity_g6 && c.strike_scaling && !c.strike_scaling_passthrough
}

/// The strict clamp on an expiry this cycle.
fn strict_clamp(e: &ExpirySummary) -> bool {
    e.clamp.as_ref().is_some_and(|c| c.strict)
}

/// The status and reason the coverages give an expiry, as the mode classifies it.
fn classified(setting: &Setting, e: &ExpirySummary) -> (Option<ExpiryStatus>, Option<PartialReason>) {
    let parity = setting.parity_g6;
    if e.failure.is_some() {
        return ((!parity).then_some(ExpiryStatus::Empty), None);
    }
    let (th_strike, th_field) = (setting.config.strike_coverage_ok.get(), setting.config.field_coverage_ok.get());
    let measured = match (e.strike_coverage, e.field_coverage) {
        (Some(s), Some(f)) if s >= 0.0 && f >= 0.0 => Some((s < th_strike, f < th_field)),
        _ => None,
    };
    let status = if e.options == 0 {
        ExpiryStatus::Empty
    } else if e.synthetic {
        ExpiryStatus::Synth
    } else if measured.is_some_and(|(low_s, low_f)| low_s || low_f) {
        ExpiryStatus::Partial
    } else {
        ExpiryStatus::Ok
    };
    let strict = strict_clamp(e);
    let tag = (strict && parity).then_some(PartialReason::PrefilterClamp);
    if status == ExpiryStatus::Synth {
        return (Some(status), tag);
    }
    if strict && !parity && status != ExpiryStatus::Empty {
        return (Some(ExpiryStatus::Partial), Some(PartialReason::PrefilterClamp));
    }
    let reason = (status == ExpiryStatus::Partial).then_some(match measured {
        Some((true, true)) => PartialReason::LowBoth,
        Some((true, false)) => PartialReason::LowStrike,
        Some((false, true)) => PartialReason::LowField,
        Some((false, false)) | None => PartialReason::Unknown,
    });
    (Some(status), reason.or(tag))
}

/// An index's status from its expiries': none or all EMPTY (a failed one counts as EMPTY) -> EMPTY; all OK
/// or SYNTH -> OK; else PARTIAL.
fn aggregated(index: &IndexSummary) -> ExpiryStatus {
    let status = |e: &ExpirySummary| e.status.unwrap_or(ExpiryStatus::Empty);
    if index.expiries.iter().all(|e| status(e) == ExpiryStatus::Empty) {
        ExpiryStatus::Empty
    } else if index.expiries.iter().all(|e| matches!(status(e), ExpiryStatus::Ok | ExpiryStatus::Synth)) {
        ExpiryStatus::Ok
    } else {
        ExpiryStatus::Partial
    }
}

/// What explains an EMPTY (or, in parity g6, status-less) expiry, if anything.
fn empty_cause(index: &str, e: &ExpirySummary, events: &[LoggedEvent]) -> Option<&'static str> {
    match e.failure {
        Some(Failure::Unresolved) => e.expiry_date.is_none().then_some("its rule matched no listed expiry"),
        Some(Failure::NoInstruments) => events
            .iter()
            .any(|l| {
                matches!(&l.event, Event::ZeroData(z)
                    if z.index.eq_ignore_ascii_case(index) && z.rule == e.rule && z.expiry == e.expiry_date)
            })
            .then_some("zero data"),
        // Validation is the one step between the instruments fetched and the options kept.
        None => (e.options == 0 && e.instruments > 0).then_some("validation dropped every quote"),
    }
}

/// What is wrong with `cycle` under `property`, if anything, given the run so far (`watch`, updated here).
pub fn check(
    property: Property,
    setting: &Setting,
    watch: &mut Watch,
    cycle: &CycleSummary,
    events: &[LoggedEvent],
) -> Option<String> {
    let parity_g6 = setting.parity_g6;
    let config = &setting.config;
    let n = cycle.cycle;
    if watch.indices.len() < cycle.indices.len() {
        watch.indices.resize_with(cycle.indices.len(), IndexWatch::default);
    }
    let expiries = || cycle.indices.iter().flat_map(|i| i.expiries.iter().map(move |e| (i, e)));
    let broken = match property {
        Property::StatusTotalsAddUp => {
            let count = |s: ExpiryStatus| expiries().filter(|(_, e)| e.status == Some(s)).count() as u32;
            let t = &cycle.expiry_status_totals;
            let counted = [t.ok, t.partial, t.empty, t.synth];
            let seen = [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth].map(count);
            (counted != seen).then(|| format!("totals (ok, partial, empty, synth) {counted:?}, expiries {seen:?}"))
        }
        Property::ReasonTotalsAddUp => {
            let count = |r: PartialReason| {
                expiries()
                    .filter(|(_, e)| e.status == Some(ExpiryStatus::Partial) && e.partial_reason == Some(r))
                    .count() as u32
            };
            let t = &cycle.partial_reason_totals;
            let counted = [t.low_strike, t.low_field, t.low_both, t.unknown, t.prefilter_clamp.unwrap_or_default()];
            let seen = [
                PartialReason::LowStrike,
                PartialReason::LowField,
                PartialReason::LowBoth,
                PartialReason::Unknown,
                PartialReason::PrefilterClamp,
            ]
            .map(count);
            (counted != seen).then(|| {
                format!(
                    "totals (low_strike, low_field, low_both, unknown, prefilter_clamp) {counted:?}, expiries {seen:?}"
                )
            })
        }
        Property::ReasonMatchesStatus => expiries().find_map(|(i, e)| {
            let quirk = parity_g6
                && e.status == Some(ExpiryStatus::Synth)
                && e.partial_reason == Some(PartialReason::PrefilterClamp);
            let partial = e.status == Some(ExpiryStatus::Partial);
            (partial != e.partial_reason.is_some() && !quirk)
                .then(|| format!("{} {}: status {:?}, reason {:?}", i.index, e.rule, e.status, e.partial_reason))
        }),
        Property::DepthAtLeastBaseline => cycle.indices.iter().find_map(|i| {
            // Parity g6's strike scaling writes the depth itself, down to its own floor.
            let floor = if writes_scaled_depths(setting) {
                let min = config.strike_scaling_min;
                Depth { itm: i.baseline.itm.min(min), otm: i.baseline.otm.min(min) }
            } else {
                i.baseline
            };
            (i.depth.itm < floor.itm || i.depth.otm < floor.otm)
                .then(|| format!("{}: depth {} below baseline {}", i.index, i.depth, floor))
        }),
        Property::DepthWithinCap => cycle.indices.iter().zip(&watch.indices).enumerate().find_map(|(k, (i, w))| {
            let start = setting.start_depths.get(k).copied();
            let mut cur = w.depth.or(start).unwrap_or(i.ladder_depth);
            for a in adjustments(&i.index, events) {
                if let Some(wrong) = adjustment_bounds(setting, a, cur, i.baseline) {
                    return Some(wrong);
                }
                cur = depth_of(a, true);
            }
            // A strike-scaling change of parity g6 writes the depth after the adjustments.
            let rescaled = writes_scaled_depths(setting)
                && events.iter().any(|e| e.cycle == n && matches!(e.event, Event::AdaptiveScaleChange(_)));
            (cur != i.depth && !rescaled).then(|| format!("{}: depth {}, adjusted to {cur}", i.index, i.depth))
        }),
        Property::ContractionWaits => cycle.indices.iter().zip(watch.indices.iter_mut()).find_map(|(i, w)| {
            let ds = match decisions(parity_g6, i, &adjustments(&i.index, events)) {
                Ok(ds) => ds,
                Err(e) => return Some(e),
            };
            let trigger = config.expansion_trigger();
            for d in &ds {
                let healthy = if parity_g6 {
                    // A capped expansion, or any low pass with expansion off, counts as healthy.
                    !(d.expansion.is_some() || (config.adaptive_expansion && d.low(trigger) && d.options == 0))
                } else {
                    !(d.expansion.is_some() || d.low(trigger))
                };
                w.streak = if healthy { w.streak + 1 } else { 0 };
                if let Some(a) = d.contraction {
                    let clock =
                        if parity_g6 { a.ts.div_euclid(config.cooldown_clock_s.max(1) as i64) } else { n as i64 };
                    if w.streak < config.contract_ok_cycles {
                        return Some(format!(
                            "{} {}: contraction after {} healthy decisions of {}",
                            i.index, d.rule, w.streak, config.contract_ok_cycles
                        ));
                    }
                    if let Some(last) = w.last_contraction.filter(|&l| clock - l < i64::from(config.contract_cooldown))
                    {
                        return Some(format!(
                            "{} {}: contraction at clock {clock}, {} after the last (cooldown {})",
                            i.index,
                            d.rule,
                            clock - last,
                            config.contract_cooldown
                        ));
                    }
                    w.last_contraction = Some(clock);
                    w.streak = 0;
                }
            }
            (w.streak != i.healthy_streak)
                .then(|| format!("{}: healthy streak {}, decisions give {}", i.index, i.healthy_streak, w.streak))
        }),
        Property::ExpandsWhenLow => cycle.indices.iter().zip(&watch.indices).find_map(|(i, w)| {
            let ds = match decisions(parity_g6, i, &adjustments(&i.index, events)) {
                Ok(ds) => ds,
                Err(e) => return Some(e),
            };
            let trigger = config.expansion_trigger();
            let mut cur = w.depth.unwrap_or(i.ladder_depth);
            for d in &ds {
                let caps = caps(setting, cur, i.baseline);
                let room = caps.itm > cur.itm || caps.otm > cur.otm;
                let due = config.adaptive_expansion && d.low(trigger) && d.options > 0;
                if due && room && d.expansion.is_none() {
                    return Some(format!(
                        "{} {}: strike coverage {:?} under the trigger {trigger}, depth {cur:?} under the cap \
                         {caps:?}, no expansion",
                        i.index, d.rule, d.strike_cov
                    ));
                }
                if !due && d.expansion.is_some() {
                    return Some(format!(
                        "{} {}: expansion at strike coverage {:?} ({} options, trigger {trigger})",
                        i.index, d.rule, d.strike_cov, d.options
                    ));
                }
                for a in d.expansion.iter().chain(&d.contraction) {
                    cur = depth_of(a, true);
                }
            }
            None
        }),
        Property::ClampWithinLimit => expiries().find_map(|(i, e)| {
            let c = e.clamp.as_ref()?;
            let max = config.prefilter_max_allowed() as u32;
            let wrong = config.prefilter_disable
                || c.max_allowed != max
                || c.original <= c.max_allowed
                || c.kept != c.max_allowed
                || c.kept + c.dropped != c.original
                || c.strict != config.prefilter_clamp_strict;
            wrong.then(|| {
                format!(
                    "{} {}: clamp {c:?}, the limit is {max} (max(50, {})){}",
                    i.index,
                    e.rule,
                    config.prefilter_max_instruments,
                    if config.prefilter_disable { ", and the clamp is disabled" } else { "" }
                )
            })
        }),
        Property::StatusMatchesCoverage => cycle.indices.iter().find_map(|i| {
            i.expiries
                .iter()
                .find_map(|e| {
                    let (status, reason) = classified(setting, e);
                    // The reason's presence is `reason_matches_status`'s; a PARTIAL reason must be this one.
                    let wrong_reason = e.status == Some(ExpiryStatus::Partial)
                        && e.partial_reason.is_some()
                        && e.partial_reason != reason;
                    (e.status != status || wrong_reason).then(|| {
                        format!(
                            "{} {}: {:?} {:?} at strike {:?} field {:?} options {}{}, classified {status:?} {reason:?}",
                            i.index,
                            e.rule,
                            e.status,
                            e.partial_reason,
                            e.strike_coverage,
                            e.field_coverage,
                            e.options,
                            if strict_clamp(e) { " (strict clamp)" } else { "" }
                        )
                    })
                })
                .or_else(|| {
                    let status = aggregated(i);
                    (i.status != status).then(|| format!("{}: index {:?}, expiries give {status:?}", i.index, i.status))
                })
        }),
        Property::EmptyHasCause => expiries().find_map(|(i, e)| {
            let empty = e.status.is_none_or(|s| s == ExpiryStatus::Empty);
            (empty && empty_cause(&i.index, e, events).is_none()).then(|| {
                format!(
                    "{} {}: {:?} with failure {:?}, {} instruments, {} options, and no cause",
                    i.index, e.rule, e.status, e.failure, e.instruments, e.options
                )
            })
        }),
        Property::DepthReturnsToBaseline => {
            let quiet = setting.quiet_from();
            cycle.indices.iter().zip(watch.indices.iter_mut()).find_map(|(i, w)| {
                if n < quiet {
                    return None;
                }
                let at_start = w.depth.unwrap_or(i.ladder_depth);
                // Parity g6's cap grows with the depth (a reference quirk): a ladder grown past the listed
                // strikes keeps its coverage under the trigger without a fault, and the return counts from
                // the last of these expansions. Its strike scaling writes the depth at each change of the
                // scale (`max(min, baseline x scale)`, from the first cycle's depth), and the return counts
                // from the last of these too.
                let rescaled = writes_scaled_depths(setting)
                    && events.iter().any(|e| e.cycle == n && matches!(e.event, Event::AdaptiveScaleChange(_)));
                let expanded = rescaled
                    || parity_g6 && adjustments(&i.index, events).iter().any(|a| a.reason == AdjustReason::Expansion);
                if expanded {
                    w.deadline = None;
                }
                if rescaled {
                    w.settled = false;
                }
                let start = if expanded { n } else { quiet - 1 };
                let from = if expanded { i.depth } else { at_start };
                let deadline = *w.deadline.get_or_insert_with(|| {
                    let excess = from.itm.saturating_sub(i.baseline.itm).max(from.otm.saturating_sub(i.baseline.otm));
                    start + setting.return_bound(excess)
                });
                let up = above(i.depth, i.baseline);
                if !up {
                    w.settled = true;
                    return None;
                }
                if w.settled {
                    return Some(format!(
                        "{}: depth {} left the baseline {} after the faults",
                        i.index, i.depth, i.baseline
                    ));
                }
                (n >= deadline).then(|| {
                    format!(
                        "{}: depth {} still above the baseline {}, due back by cycle {deadline}",
                        i.index, i.depth, i.baseline
                    )
                })
            })
        }
        Property::ExpiriesRecover => {
            let due = setting.quiet_from().saturating_add(RECOVERY_CYCLES);
            (n >= due)
                .then(|| {
                    expiries().find_map(|(i, e)| {
                        // Parity g6's growing cap (a reference quirk) may widen the ladder past the listed
                        // strikes: beyond where the default cap stops, low strike coverage is the ladder's.
                        let outgrown = |side: u32, baseline: u32| side > cap(None, baseline);
                        let runaway = parity_g6
                            && e.partial_reason == Some(PartialReason::LowStrike)
                            && (outgrown(i.ladder_depth.itm, i.baseline.itm)
                                || outgrown(i.ladder_depth.otm, i.baseline.otm));
                        let exempt = e.failure == Some(Failure::Unresolved) || e.clamp.is_some() || runaway;
                        (!exempt && e.status != Some(ExpiryStatus::Ok)).then(|| {
                            format!(
                                "{} {}: {:?} {:?} (strike {:?}, field {:?}), due OK from cycle {due}",
                                i.index, e.rule, e.status, e.partial_reason, e.strike_coverage, e.field_coverage
                            )
                        })
                    })
                })
                .flatten()
        }
        Property::FewDepthFlips => {
            let faulty = setting.faulty(n);
            cycle.indices.iter().zip(watch.indices.iter_mut()).find_map(|(i, w)| {
                if faulty {
                    w.last_flip = None;
                }
                for a in adjustments(&i.index, events) {
                    let flip = w.direction.is_some_and(|d| d != a.reason);
                    w.direction = Some(a.reason);
                    if !flip || faulty {
                        continue;
                    }
                    if let Some(m) = w.last_flip.filter(|&m| n - m < FLIP_SPACING) {
                        return Some(format!(
                            "{}: depth flipped at cycle {m} and again at {n} ({:?}), no fault between",
                            i.index, a.reason
                        ));
                    }
                    w.last_flip = Some(n);
                }
                None
            })
        }
        Property::ScaleSettles => scale_settles(setting, &mut watch.scale, cycle, events),
    };
    for (w, i) in watch.indices.iter_mut().zip(&cycle.indices) {
        w.depth = Some(i.depth);
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Parity;
    use crate::cycle::simulation::Simulation;
    use crate::cycle::spawn::WorldSeed;
    use crate::events::{Clamp, ClampStrategy};
    use crate::scenario::{Evaluator, Expectation, parse};
    use crate::world::{CycleLog, EventLog, SpawnOrder};

    const SCENARIO: &str = r#"Scenario(name: "props", start: "2025-10-06T09:15:00+05:30", cycles: 12,
        indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"], depth: (itm: 6, otm: 6))],
        phases: [(name: "dip", cycles: (3, 5), faults: [StrikeDropout(0.5)])])"#;

    /// Expands under a dip (8 -> 12), then contracts to the baseline after the faults.
    const ADAPTIVE: &str = r#"Scenario(name: "adaptive", start: "2025-10-06T09:15:00+05:30", cycles: 30,
        indices: [(symbol: "NIFTY", expiries: ["this_week", "next_week"], depth: (itm: 8, otm: 8),
            baseline: (itm: 4, otm: 4))],
        phases: [(name: "dip", cycles: (3, 4), faults: [StrikeDropout(0.5)])] CONFIG)"#;

    /// One run's setting and its cycles, each with its events (the simulation itself, without the run's
    /// files).
    fn run(text: &str, parity: Parity) -> (Setting, Vec<(CycleSummary, Vec<LoggedEvent>)>) {
        let scenario = parse("props.ron", text).unwrap();
        let config = Config { parity, ..scenario.config.clone() };
        let seed = WorldSeed {
            scenario: &scenario,
            config: config.clone(),
            seed: scenario.seed,
            spawn_order: SpawnOrder::Forward,
            universe: None,
        };
        let mut sim = Simulation::from_seed(seed).unwrap();
        let mut cycles = Vec::new();
        for _ in 0..scenario.cycles.get() {
            sim.tick();
            let world = sim.world_mut();
            let events = std::mem::take(&mut world.resource_mut::<EventLog>().events);
            let summary = world.resource_mut::<CycleLog>().cycles.pop().expect("a summary per cycle");
            cycles.push((summary, events));
        }
        (Setting::of(&scenario, &config), cycles)
    }

    fn adaptive(config: &str) -> String {
        ADAPTIVE.replace(" CONFIG", &format!(", config: ({config})"))
    }

    /// The properties a run's cycles break, judged against `setting` from the run's start.
    fn broken_over(setting: &Setting, cycles: &[(CycleSummary, Vec<LoggedEvent>)]) -> Vec<Property> {
        Property::ALL
            .iter()
            .copied()
            .filter(|&p| {
                let mut watch = Watch::default();
                cycles.iter().any(|(c, e)| check(p, setting, &mut watch, c, e).is_some())
            })
            .collect()
    }

    /// The properties one cycle breaks on its own (a fresh watch).
    fn broken_by(setting: &Setting, c: &CycleSummary, events: &[LoggedEvent]) -> Vec<Property> {
        broken_over(setting, &[(c.clone(), events.to_vec())])
    }

    /// Each property catches the breach it names: one cycle of a real run, broken four ways, judged by the
    /// evaluator as `Keeps(property)`.
    #[test]
    fn each_property_catches_its_breach() {
        let (setting, cycles) = run(SCENARIO, Parity::Off);
        let good = cycles[0].0.clone();
        let next = cycles[1].0.clone();
        let broken_by = |c: &CycleSummary| broken_by(&setting, c, &[]);
        assert_eq!(broken_by(&good), []);
        let mut c = good.clone();
        c.expiry_status_totals.ok += 1;
        assert_eq!(broken_by(&c), [Property::StatusTotalsAddUp]);
        let mut c = good.clone();
        c.partial_reason_totals.low_field += 1;
        assert_eq!(broken_by(&c), [Property::ReasonTotalsAddUp]);
        let mut c = good.clone();
        let e = c.indices[0].expiries.iter_mut().find(|e| e.status == Some(ExpiryStatus::Ok)).expect("an OK expiry");
        e.partial_reason = Some(PartialReason::LowStrike);
        assert_eq!(broken_by(&c), [Property::ReasonMatchesStatus]);
        let mut c = good.clone();
        c.indices[0].baseline.otm = c.indices[0].depth.otm + 1;
        assert_eq!(broken_by(&c), [Property::DepthAtLeastBaseline]);
        let mut c = next.clone();
        c.indices[0].baseline.otm = c.indices[0].depth.otm + 1;
        let expectations: Vec<Expectation> = Property::ALL.iter().map(|&p| Expectation::Keeps(p)).collect();
        let mut evaluator = Evaluator::new(&expectations, setting);
        evaluator.observe(&good, &[]);
        evaluator.observe(&c, &[]);
        let outcomes = evaluator.finish();
        let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed).collect();
        assert_eq!(failed.len(), 1, "{outcomes:?}");
        assert_eq!((failed[0].expectation.as_str(), failed[0].cycle), ("keeps depth_at_least_baseline", Some(2)));
        assert!(failed[0].detail.contains("below baseline"), "{}", failed[0].detail);
    }

    /// The safety properties of depth, clamp and status, each caught alone on one mutated cycle of a real run.
    #[test]
    fn each_safety_property_catches_its_breach() {
        let (setting, cycles) = run(SCENARIO, Parity::Off);
        assert_eq!(broken_over(&setting, &cycles), []);
        let (good, _) = &cycles[0];
        let broken_by = |c: &CycleSummary, e: &[LoggedEvent]| broken_by(&setting, c, e);
        // Depth moved without an adjustment.
        let mut c = good.clone();
        c.indices[0].depth.itm += 1;
        assert_eq!(broken_by(&c, &[]), [Property::DepthWithinCap]);
        // An expansion past the cap, max(10, 6 + 10).
        let (expanding, events) = cycles
            .iter()
            .find(|(_, e)| e.iter().any(|l| matches!(&l.event, Event::StrikeDepthAdjustment(_))))
            .expect("an expansion");
        assert_eq!(broken_by(expanding, events), []);
        let (mut c, mut e) = (expanding.clone(), events.clone());
        for l in &mut e {
            if let Event::StrikeDepthAdjustment(a) = &mut l.event {
                a.new_itm = 17;
            }
        }
        c.indices[0].depth.itm = 17;
        assert_eq!(broken_by(&c, &e), [Property::DepthWithinCap]);
        // Coverage under the trigger, and no expansion.
        let mut c = expanding.clone();
        c.indices[0].depth = c.indices[0].ladder_depth;
        assert_eq!(broken_by(&c, &[]), [Property::ExpandsWhenLow]);
        // A clamp to 40 of 100 when the limit is 2500.
        let mut c = good.clone();
        let clamp = Clamp::new(100, 40, 40, ClampStrategy::of(&setting.config), false);
        c.indices[0].expiries[0].clamp = Some(clamp);
        assert_eq!(broken_by(&c, &[]), [Property::ClampWithinLimit]);
        // OK at a strike coverage of 0.7 (PARTIAL, though above the trigger).
        let mut c = good.clone();
        c.indices[0].expiries[0].strike_coverage = Some(0.7);
        assert_eq!(broken_by(&c, &[]), [Property::StatusMatchesCoverage]);
        // EMPTY without failure, with no options of no instruments (totals and index status kept in step);
        // EMPTY with instruments but no options is validation's doing.
        let mut c = good.clone();
        c.indices[0].expiries[0].status = Some(ExpiryStatus::Empty);
        c.indices[0].expiries[0].options = 0;
        c.indices[0].status = ExpiryStatus::Partial;
        c.expiry_status_totals.ok -= 1;
        c.expiry_status_totals.empty += 1;
        assert!(c.indices[0].expiries[0].instruments > 0);
        assert_eq!(broken_by(&c, &[]), []);
        let mut c = c.clone();
        c.indices[0].expiries[0].instruments = 0;
        assert_eq!(broken_by(&c, &[]), [Property::EmptyHasCause]);
    }

    /// A run that expands and contracts back keeps every property in both modes; judged against a longer
    /// streak or cooldown than it ran with, its contractions come too early.
    #[test]
    fn contractions_wait_for_the_streak_and_the_cooldown() {
        for parity in [Parity::Off, Parity::G6] {
            let (setting, cycles) = run(&adaptive(""), parity);
            let contractions = cycles
                .iter()
                .flat_map(|(_, e)| e)
                .filter(
                    |l| matches!(&l.event, Event::StrikeDepthAdjustment(a) if a.reason == AdjustReason::Contraction),
                )
                .count();
            assert!(contractions >= 2, "{parity:?}: {contractions} contractions");
            assert_eq!(broken_over(&setting, &cycles), [], "{parity:?}");
            let mut longer = setting.clone();
            longer.config.contract_ok_cycles += 1;
            assert_eq!(broken_over(&longer, &cycles), [Property::ContractionWaits], "{parity:?}");
            let mut cooler = setting.clone();
            cooler.config.contract_cooldown = 30;
            assert_eq!(broken_over(&cooler, &cycles), [Property::ContractionWaits], "{parity:?}");
        }
    }

    /// A depth that never returns (its run needs 1000 healthy cycles), judged against a run that may
    /// contract every cycle: due back at the baseline by cycle 4 + 4 x 2 + 1.
    #[test]
    fn a_depth_that_never_returns_is_caught() {
        for parity in [Parity::Off, Parity::G6] {
            let (mut setting, cycles) = run(&adaptive("contract_ok_cycles: 1000"), parity);
            setting.config.contract_ok_cycles = 1;
            setting.config.contract_cooldown = 0;
            assert_eq!(setting.return_bound(8), 4 * 2 + RETURN_SLACK);
            assert_eq!(broken_over(&setting, &cycles), [Property::DepthReturnsToBaseline], "{parity:?}");
        }
    }

    /// An expiry that stays PARTIAL (a field dropout over the whole run), judged as if the fault ended at
    /// cycle 3.
    #[test]
    fn an_expiry_that_stays_partial_is_caught() {
        let text = SCENARIO
            .replace("cycles: (3, 5), faults: [StrikeDropout(0.5)]", "cycles: (1, 12), faults: [FieldDropout(0.6)]");
        for parity in [Parity::Off, Parity::G6] {
            let (mut setting, cycles) = run(&text, parity);
            assert_eq!(broken_over(&setting, &cycles), [], "{parity:?}");
            setting.faults = vec![Window { first: 1, last: 3 }];
            assert_eq!(broken_over(&setting, &cycles), [Property::ExpiriesRecover], "{parity:?}");
        }
    }

    /// Without hysteresis (no streak, no cooldown) and with parity g6's head clamp starving the strike
    /// coverage of a wide ladder, the depth expands and contracts back in every decision, fault-free.
    #[test]
    fn too_many_flips_are_caught() {
        let text = SCENARIO.replace("depth: (itm: 6, otm: 6)", "depth: (itm: 30, otm: 30)").replace(
            "phases: [(name: \"dip\", cycles: (3, 5), faults: [StrikeDropout(0.5)])]",
            "config: (prefilter_max_instruments: 50, contract_ok_cycles: 0, contract_cooldown: 0)",
        );
        let (setting, cycles) = run(&text, Parity::G6);
        assert_eq!(broken_over(&setting, &cycles), [Property::FewDepthFlips]);
    }
}
