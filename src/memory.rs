//! Memory pressure (`memory_pressure.py`, `memory_adjust.py`): the process's resident memory, as a fraction of
//! physical RAM, picks a tier; a tier's level scales every index's strike depth down (0.85, 0.6, 0.4) and its
//! actions turn Greeks and per-option metrics off.
//!
//! [`MemoryManager::evaluate`] is the reference's manager step for step on a simulated clock: the EMA of the
//! fraction (alpha 0.4), the tier (the last match in list order), a downgrade held for `recovery_s`, the
//! actions applied on a transition, the depth scale, Greeks and per-option metrics turned back on after their
//! rollback cooldown. The reference builds a new manager every cycle, so in production none of that state
//! lasts: parity g6 does the same ([`MemoryManager::once`]). The default keeps one manager for the process,
//! with three fixes ([`Rules::fixed`]): the flags follow the current tier instead of latching, the depth
//! scale follows the EMA instead of freezing at the transition, and Greeks and per-option metrics come back
//! once their cooldown has passed since the last cycle that turned them off (the reference looks only at the
//! instant of a downgrade, so per-option metrics never come back).
//!
//! [`ladder_side`] is `apply_memory_and_adaptive_scaling`'s depth arithmetic: parity truncates and floors
//! each side at 2.

use crate::suggest::did_you_mean;
use crate::vocab::closed_set;
use serde::Serialize;

closed_set! {
    /// What a tier does when the manager enters it.
    pub enum MemoryAction {
        ShrinkCache,
        ReduceDepth,
        SkipGreeks,
        SlowCycles,
        DropPerOptionMetrics,
    }
}

impl MemoryAction {
    /// The reference's name (`G6_MEMORY_PRESSURE_TIERS`, the actions counter's `action` label).
    pub fn name(self) -> &'static str {
        match self {
            MemoryAction::ShrinkCache => "shrink_cache",
            MemoryAction::ReduceDepth => "reduce_depth",
            MemoryAction::SkipGreeks => "skip_greeks",
            MemoryAction::SlowCycles => "slow_cycles",
            MemoryAction::DropPerOptionMetrics => "drop_per_option_metrics",
        }
    }
}

impl Serialize for MemoryAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The highest tier level g6sim takes (a recorded history's `memory_tier` is a byte).
pub const MAX_LEVEL: i64 = 255;

/// One memory-pressure tier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tier {
    pub name: String,
    pub level: i64,
    /// The fraction of physical RAM (the EMA of it) at or above which the tier applies.
    pub threshold: f64,
    pub actions: Vec<MemoryAction>,
}

/// The reference's tiers: normal, elevated at 0.70, high at 0.80, critical at 0.90.
pub fn default_tiers() -> Vec<Tier> {
    use MemoryAction::*;
    let tier = |name: &str, level, threshold, actions: &[MemoryAction]| Tier {
        name: name.into(),
        level,
        threshold,
        actions: actions.to_vec(),
    };
    vec![
        tier("normal", 0, 0.0, &[]),
        tier("elevated", 1, 0.70, &[ShrinkCache]),
        tier("high", 2, 0.80, &[ShrinkCache, ReduceDepth, SkipGreeks, SlowCycles]),
        tier("critical", 3, 0.90, &[ShrinkCache, ReduceDepth, SkipGreeks, SlowCycles, DropPerOptionMetrics]),
    ]
}

/// Tiers from `G6_MEMORY_PRESSURE_TIERS`: a JSON list of `{"name", "level", "threshold", "actions"}`
/// (`actions` optional), every problem at once. The reference logs an error and falls back to its default tiers
/// on a list it cannot read, and takes any action name (doing nothing with one it does not know); g6sim refuses
/// both. Levels are whole numbers from 0 to [`MAX_LEVEL`], each once; thresholds
/// finite and >= 0; actions the reference's names.
pub fn parse_tiers(json: &str) -> Result<Vec<Tier>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("the tiers are not JSON: {e} (expected a list of tiers)"))?;
    let Some(items) = value.as_array() else {
        return Err(
            "expected a JSON list of tiers, like [{\"name\": \"normal\", \"level\": 0, \"threshold\": 0}]".into()
        );
    };
    if items.is_empty() {
        return Err("the list of tiers is empty: expected at least one tier".into());
    }
    let mut tiers = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match parse_tier(item) {
            Ok(tier) => tiers.push(tier),
            Err(p) => problems.push(format!("tier {i}: {p}")),
        }
    }
    for (i, tier) in tiers.iter().enumerate() {
        if tiers[..i].iter().any(|t| t.level == tier.level) {
            problems.push(format!("level {} appears twice: each tier needs its own level", tier.level));
        }
    }
    if problems.is_empty() { Ok(tiers) } else { Err(problems.join("; ")) }
}

fn parse_tier(item: &serde_json::Value) -> Result<Tier, String> {
    let Some(fields) = item.as_object() else {
        return Err("expected an object with name, level, threshold and actions".into());
    };
    const KEYS: [&str; 4] = ["name", "level", "threshold", "actions"];
    if let Some(key) = fields.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key `{key}`{}", did_you_mean(key, KEYS)));
    }
    let name = match fields.get("name") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => return Err("`name` is not a string".into()),
        None => return Err("`name` is missing".into()),
    };
    let level = match fields.get("level").map(|v| v.as_i64()) {
        Some(Some(l)) if (0..=MAX_LEVEL).contains(&l) => l,
        Some(_) => return Err(format!("`level` is not a whole number from 0 to {MAX_LEVEL}")),
        None => return Err("`level` is missing".into()),
    };
    let threshold = match fields.get("threshold").map(|v| v.as_f64()) {
        Some(Some(t)) if t.is_finite() && t >= 0.0 => t,
        Some(_) => return Err("`threshold` is not a fraction of physical RAM (a number >= 0)".into()),
        None => return Err("`threshold` is missing".into()),
    };
    let mut actions = Vec::new();
    for action in fields.get("actions").and_then(|a| a.as_array()).map(Vec::as_slice).unwrap_or_default() {
        let text = action.as_str().unwrap_or_default();
        match MemoryAction::ALL.iter().find(|a| a.name() == text) {
            Some(&a) => actions.push(a),
            None => {
                let names = MemoryAction::ALL.iter().map(|a| a.name());
                let shown = action.as_str().map_or_else(|| action.to_string(), str::to_string);
                return Err(format!("unknown action `{shown}`{}", did_you_mean(text, names)));
            }
        }
    }
    if fields.get("actions").is_some_and(|a| !a.is_array() && !a.is_null()) {
        return Err("`actions` is not a list of action names".into());
    }
    Ok(Tier { name, level, threshold, actions })
}

/// The tier `ema` selects: walking the list in order, the last that matches (a level-0 tier at threshold 0
/// always does, any other when `ema >= threshold`); the first tier when none does.
pub fn raw_tier(tiers: &[Tier], ema: f64) -> usize {
    let mut raw = 0;
    for (i, t) in tiers.iter().enumerate() {
        if (t.threshold == 0.0 && t.level == 0) || ema >= t.threshold {
            raw = i;
        }
    }
    raw
}

/// The depth scale of `level`: 1, 0.85, 0.6, 0.4 for levels 0 to 3 (1 for any other), times 0.8 when the
/// EMA is above 0.95, within 0.2 to 1.
pub fn depth_scale(level: i64, ema: Option<f64>) -> f64 {
    let mut base: f64 = match level {
        1 => 0.85,
        2 => 0.6,
        3 => 0.4,
        _ => 1.0,
    };
    if ema.is_some_and(|e| e > 0.95) {
        base *= 0.8;
    }
    base.clamp(0.2, 1.0)
}

/// The manager's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    pub tiers: Vec<Tier>,
    /// The EMA's weight of a new sample (`smoothing_alpha`, 0.4).
    pub alpha: f64,
    /// Seconds a lower tier must hold before the level comes down (`G6_MEMORY_PRESSURE_RECOVERY_SECONDS`).
    pub recovery_s: f64,
    /// Seconds before Greeks come back, twice that for per-option metrics (`G6_MEMORY_ROLLBACK_COOLDOWN`).
    pub rollback_s: f64,
    /// The default mode's fixes (see the module's documentation); off, the reference's manager.
    pub fixed: bool,
}

/// The smoothing the reference's manager is built with.
pub const ALPHA: f64 = 0.4;

/// What one evaluation leaves: the figures the collector acts on and the gauges report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryFlags {
    /// The fraction of physical RAM sampled (`None` for a recorded tier).
    pub fraction: Option<f64>,
    pub level: i64,
    /// The tier's name.
    pub tier: String,
    pub depth_scale: f64,
    pub reduce_depth: bool,
    pub skip_greeks: bool,
    pub slow_cycles: bool,
    pub drop_per_option_metrics: bool,
    pub greeks_enabled: bool,
    pub per_option_metrics_enabled: bool,
    pub seconds_in_level: f64,
    pub downgrade_pending: bool,
    /// The actions applied by this evaluation (on a transition), for `memory_pressure_actions{action,tier}`.
    #[serde(skip)]
    pub applied: Vec<MemoryAction>,
}

impl MemoryFlags {
    /// Normal: no pressure, scale 1, everything on.
    pub fn normal() -> Self {
        MemoryFlags {
            fraction: Some(0.0),
            level: 0,
            tier: "normal".into(),
            depth_scale: 1.0,
            reduce_depth: false,
            skip_greeks: false,
            slow_cycles: false,
            drop_per_option_metrics: false,
            greeks_enabled: true,
            per_option_metrics_enabled: true,
            seconds_in_level: 0.0,
            downgrade_pending: false,
            applied: Vec::new(),
        }
    }

    /// Whether the cycle computes IVs and Greeks (`compute_greeks` and `estimate_iv` stay on).
    pub fn greeks_allowed(&self) -> bool {
        !self.skip_greeks && self.greeks_enabled
    }
}

/// The reference's `MemoryPressureManager` on a simulated clock (seconds).
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryManager {
    rules: Rules,
    ema: Option<f64>,
    level: i64,
    /// `active_flags`: reduce_depth, skip_greeks, slow_cycles, drop_per_option_metrics.
    active: [bool; 4],
    depth_scale: f64,
    stable_below_start: Option<f64>,
    level_since_s: f64,
    downgrade_pending: bool,
    last_downgrade_s: Option<f64>,
    /// The reference: when Greeks were first turned off; the default: the last cycle that turned them off.
    greeks_off_s: Option<f64>,
    /// The default: the last cycle that turned per-option metrics off.
    per_option_off_s: Option<f64>,
    greeks_enabled: bool,
    per_option_metrics_enabled: bool,
}

/// The `active_flags` a tier's `actions` set: reduce_depth, skip_greeks, slow_cycles, drop_per_option_metrics.
fn flags_of(actions: &[MemoryAction]) -> [bool; 4] {
    let mut flags = [false; 4];
    for action in actions {
        let i = match action {
            MemoryAction::ShrinkCache => continue,
            MemoryAction::ReduceDepth => 0,
            MemoryAction::SkipGreeks => 1,
            MemoryAction::SlowCycles => 2,
            MemoryAction::DropPerOptionMetrics => 3,
        };
        flags[i] = true;
    }
    flags
}

impl MemoryManager {
    /// A manager built at `now_s`: level 0, no EMA yet.
    pub fn new(rules: Rules, now_s: f64) -> Self {
        MemoryManager {
            rules,
            ema: None,
            level: 0,
            active: [false; 4],
            depth_scale: 1.0,
            stable_below_start: None,
            level_since_s: now_s,
            downgrade_pending: false,
            last_downgrade_s: None,
            greeks_off_s: None,
            per_option_off_s: None,
            greeks_enabled: true,
            per_option_metrics_enabled: true,
        }
    }

    /// Parity g6's evaluation: a new manager for the one cycle, so the tier is the instantaneous fraction's and
    /// every cycle under pressure is a transition from normal.
    pub fn once(rules: &Rules, fraction: f64, now_s: f64) -> MemoryFlags {
        MemoryManager::new(rules.clone(), now_s).evaluate(fraction, now_s)
    }

    /// The EMA so far.
    #[cfg(test)]
    pub fn ema(&self) -> Option<f64> {
        self.ema
    }

    /// One evaluation at `now_s` with the process at `fraction` of physical RAM.
    pub fn evaluate(&mut self, fraction: f64, now_s: f64) -> MemoryFlags {
        let alpha = self.rules.alpha;
        let ema = self.ema.map_or(fraction, |e| alpha * fraction + (1.0 - alpha) * e);
        self.ema = Some(ema);
        let tiers = &self.rules.tiers;
        let raw = raw_tier(tiers, ema);
        let mut chosen = raw;
        if tiers[raw].level < self.level {
            let start = *self.stable_below_start.get_or_insert(now_s);
            if now_s - start < self.rules.recovery_s {
                chosen = tiers.iter().position(|t| t.level == self.level).unwrap_or(raw);
            } else {
                self.stable_below_start = None;
            }
        } else {
            self.stable_below_start = None;
        }
        self.downgrade_pending = tiers[raw].level < self.level && tiers[chosen].level == self.level;
        let mut applied = Vec::new();
        if tiers[chosen].level != self.level {
            let previous = self.level;
            self.level = tiers[chosen].level;
            self.level_since_s = now_s;
            if self.level < previous {
                self.last_downgrade_s = Some(now_s);
                if !self.rules.fixed {
                    self.maybe_enable_features(now_s);
                }
            }
            applied = self.rules.tiers[chosen].actions.clone();
            self.apply_actions(chosen, now_s);
        }
        if self.rules.fixed {
            self.follow_tier(chosen, now_s);
        }
        MemoryFlags {
            fraction: Some(fraction),
            level: self.level,
            tier: self.rules.tiers[chosen].name.clone(),
            depth_scale: self.depth_scale,
            reduce_depth: self.active[0],
            skip_greeks: self.active[1],
            slow_cycles: self.active[2],
            drop_per_option_metrics: self.active[3],
            greeks_enabled: self.greeks_enabled,
            per_option_metrics_enabled: self.per_option_metrics_enabled,
            seconds_in_level: now_s - self.level_since_s,
            downgrade_pending: self.downgrade_pending,
            applied,
        }
    }

    /// `apply_actions`: each action's flag latched on, the depth scale, Greeks and per-option metrics off.
    fn apply_actions(&mut self, tier: usize, now_s: f64) {
        let set = flags_of(&self.rules.tiers[tier].actions);
        for (active, set) in self.active.iter_mut().zip(set) {
            *active |= set;
        }
        self.depth_scale = depth_scale(self.level, self.ema);
        if self.active[1] {
            self.greeks_enabled = false;
            self.greeks_off_s.get_or_insert(now_s);
        }
        if self.active[3] {
            self.per_option_metrics_enabled = false;
        }
    }

    /// `_maybe_enable_features`, run at a downgrade.
    fn maybe_enable_features(&mut self, now_s: f64) {
        let cooldown = self.rules.rollback_s;
        if !self.greeks_enabled && self.greeks_off_s.is_some_and(|t| now_s - t > cooldown) {
            self.greeks_enabled = true;
            self.active[1] = false;
        }
        if !self.per_option_metrics_enabled && self.last_downgrade_s.is_some_and(|t| now_s - t > 2.0 * cooldown) {
            self.per_option_metrics_enabled = true;
            self.active[3] = false;
        }
    }

    /// The default's evaluation after the transition: the flags are the current tier's, the scale follows the
    /// EMA, and what the tier turned off comes back once its cooldown has passed since the last cycle that
    /// turned it off.
    fn follow_tier(&mut self, tier: usize, now_s: f64) {
        self.active = flags_of(&self.rules.tiers[tier].actions);
        self.depth_scale = depth_scale(self.level, self.ema);
        let cooldown = self.rules.rollback_s;
        if self.active[1] {
            self.greeks_enabled = false;
            self.greeks_off_s = Some(now_s);
        } else if self.greeks_off_s.is_none_or(|t| now_s - t > cooldown) {
            self.greeks_enabled = true;
        }
        if self.active[3] {
            self.per_option_metrics_enabled = false;
            self.per_option_off_s = Some(now_s);
        } else if self.per_option_off_s.is_none_or(|t| now_s - t > 2.0 * cooldown) {
            self.per_option_metrics_enabled = true;
        }
    }
}

/// The flags of a tier the collector recorded it ran under (a replayed history's `memory_tier`): the configured
/// tier of that level (its name and actions; a level no tier has, nameless and without actions) at its depth
/// scale (no EMA recorded, so no 0.8 for above 0.95), with `applied` its actions when `apply`.
pub fn recorded_tier(rules: &Rules, level: i64, apply: bool) -> MemoryFlags {
    let tier = rules.tiers.iter().find(|t| t.level == level);
    let actions = tier.map(|t| t.actions.clone()).unwrap_or_default();
    let [reduce_depth, skip_greeks, slow_cycles, drop_per_option_metrics] = flags_of(&actions);
    MemoryFlags {
        fraction: None,
        level,
        tier: tier.map_or_else(|| format!("level {level}"), |t| t.name.clone()),
        depth_scale: depth_scale(level, None),
        reduce_depth,
        skip_greeks,
        slow_cycles,
        drop_per_option_metrics,
        greeks_enabled: !skip_greeks,
        per_option_metrics_enabled: !drop_per_option_metrics,
        seconds_in_level: 0.0,
        downgrade_pending: false,
        applied: if apply { actions.clone() } else { Vec::new() },
    }
}

/// Strikes per side after memory scaling, from the side `d`: parity g6 `max(2, int(d x scale))`, truncated
/// (`apply_memory_and_adaptive_scaling`; a non-finite scale leaves `d` as it is, as the reference's `try`
/// does); the default leaves the depth to the ladder's composition of both scales.
pub fn parity_side(d: u32, scale: f64) -> u32 {
    if !scale.is_finite() {
        return d;
    }
    let scaled = (f64::from(d) * scale).trunc();
    (scaled.clamp(0.0, f64::from(u32::MAX)) as u32).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(tiers: Vec<Tier>, alpha: f64, recovery_s: f64, rollback_s: f64) -> Rules {
        Rules { tiers, alpha, recovery_s, rollback_s, fixed: false }
    }

    fn tier(name: &str, level: i64, threshold: f64, actions: &[MemoryAction]) -> Tier {
        Tier { name: name.into(), level, threshold, actions: actions.to_vec() }
    }

    /// `test_memory_adjust.py`'s depth cases: truncation, the floor of 2 even at scale 1, no upper clamp.
    #[test]
    fn the_references_memory_adjust_cases() {
        assert_eq!((parity_side(10, 1.0), parity_side(12, 1.0)), (10, 12));
        assert_eq!((parity_side(10, 0.5), parity_side(12, 0.5)), (5, 6));
        assert_eq!((parity_side(1, 0.1), parity_side(1, 0.1)), (2, 2));
        assert_eq!((parity_side(2, 2.5), parity_side(2, 2.5)), (5, 5));
        assert_eq!((parity_side(3, 0.01), parity_side(3, 0.01)), (2, 2));
        // `depth_scale = "abc"` raises inside the reference's `try`: the depths stay.
        assert_eq!((parity_side(5, f64::NAN), parity_side(7, f64::INFINITY)), (5, 7));
        assert_eq!(parity_side(10, 0.85), 8);
        assert_eq!(parity_side(10, depth_scale(3, Some(0.97))), 3);
    }

    /// `test_memory_adjust.py`'s flag cases: `skip_greeks` turns IVs and Greeks off, `drop_per_option_metrics`
    /// the per-option metrics.
    #[test]
    fn skip_greeks_and_drop_metrics_are_the_tiers() {
        let high = MemoryManager::once(&rules(default_tiers(), ALPHA, 60.0, 120.0), 0.85, 0.0);
        assert!(high.skip_greeks && !high.greeks_allowed() && high.per_option_metrics_enabled);
        let critical = MemoryManager::once(&rules(default_tiers(), ALPHA, 60.0, 120.0), 0.91, 0.0);
        assert!(!critical.greeks_allowed() && critical.drop_per_option_metrics && !critical.per_option_metrics_enabled);
        let normal = MemoryManager::once(&rules(default_tiers(), ALPHA, 60.0, 120.0), 0.0, 0.0);
        assert_eq!(normal, MemoryFlags::normal());
    }

    /// `test_memory_pressure.py`, first case: one manager, alpha 0.7, recovery and cooldown 1 s; the critical
    /// tier entered above 0.95 scales by 0.32, the level holds through the recovery and then drops to normal.
    #[test]
    fn the_references_hysteresis_case() {
        use MemoryAction::*;
        let tiers = vec![
            tier("normal", 0, 0.0, &[]),
            tier("elevated", 1, 0.5, &[ReduceDepth]),
            tier("high", 2, 0.7, &[ReduceDepth, SkipGreeks]),
            tier("critical", 3, 0.9, &[ReduceDepth, SkipGreeks, DropPerOptionMetrics]),
        ];
        let mut m = MemoryManager::new(rules(tiers, 0.7, 1.0, 1.0), 0.0);
        let rss = [400.0, 600.0, 800.0, 950.0, 980.0, 980.0, 980.0, 650.0, 450.0, 450.0];
        let emas = [0.4, 0.54, 0.722, 0.8816, 0.95048, 0.971144, 0.977343, 0.748203, 0.539461, 0.476838];
        let mut levels = Vec::new();
        for (i, r) in rss.iter().enumerate() {
            let flags = m.evaluate(r / 1000.0, 0.01 * i as f64);
            levels.push(flags.level);
            assert!((m.ema().unwrap() - emas[i]).abs() < 1e-6, "{i}: {:?}", m.ema());
            if i == 4 {
                assert_eq!(flags.depth_scale, 0.32000000000000006);
            }
        }
        assert_eq!(levels, [0, 1, 2, 2, 3, 3, 3, 3, 3, 3]);
        let flags = m.evaluate(0.45, 1.2);
        assert!((m.ema().unwrap() - 0.458051).abs() < 1e-6);
        assert_eq!(flags.level, 0);
    }

    /// `test_memory_pressure.py`, second and third cases: the levels climb one by one, critical scales by 0.4;
    /// an EMA of 0.96 under a critical tier scales by 0.32.
    #[test]
    fn the_references_scale_cases() {
        use MemoryAction::ReduceDepth;
        let tiers = vec![
            tier("normal", 0, 0.0, &[]),
            tier("elevated", 1, 0.5, &[ReduceDepth]),
            tier("high", 2, 0.7, &[ReduceDepth]),
            tier("critical", 3, 0.85, &[ReduceDepth]),
        ];
        let mut m = MemoryManager::new(rules(tiers, 0.8, 60.0, 120.0), 0.0);
        let levels: Vec<i64> = [300.0, 600.0, 750.0, 900.0].iter().map(|r| m.evaluate(r / 1000.0, 0.0).level).collect();
        assert_eq!(levels, [0, 1, 2, 3]);
        assert!((m.ema().unwrap() - 0.8616).abs() < 1e-9);
        assert!(m.evaluate(0.9, 0.0).depth_scale <= 0.4);
        let tiers = vec![tier("normal", 0, 0.0, &[]), tier("critical", 3, 0.5, &[])];
        let flags = MemoryManager::new(rules(tiers, 1.0, 60.0, 120.0), 0.0).evaluate(0.96, 0.0);
        assert!((flags.depth_scale - 0.32).abs() < 1e-6 * 0.32);
    }

    /// `test_memory_pressure.py`, fourth case: Greeks off at the high tier, the level held for the recovery,
    /// and Greeks back on at the downgrade once the cooldown has passed.
    #[test]
    fn the_references_greeks_rollback_case() {
        let tiers = vec![tier("normal", 0, 0.0, &[]), tier("high", 2, 0.7, &[MemoryAction::SkipGreeks])];
        let mut m = MemoryManager::new(rules(tiers, 0.9, 1.0, 1.0), 0.0);
        for _ in 0..2 {
            let f = m.evaluate(0.8, 0.0);
            assert_eq!((f.level, f.greeks_enabled), (2, false));
        }
        for (i, ema) in [0.44, 0.404, 0.4004].iter().enumerate() {
            let f = m.evaluate(0.4, 0.001 * i as f64);
            assert_eq!(f.level, 2);
            assert!(f.downgrade_pending);
            assert!((m.ema().unwrap() - ema).abs() < 1e-9);
        }
        let f = m.evaluate(0.4, 1.05);
        assert_eq!((f.level, f.greeks_enabled, f.skip_greeks), (0, true, false));
    }

    /// The reference's quirks a lasting manager shows, and the default's fixes: per-option metrics never come
    /// back in the reference; by default they do after twice the cooldown, Greeks after the cooldown, both
    /// counted from the last cycle at a tier that turned them off.
    #[test]
    fn the_default_brings_features_back_after_their_cooldown() {
        let critical_then_normal = |fixed: bool| {
            let mut m = MemoryManager::new(Rules { fixed, ..rules(default_tiers(), 1.0, 0.0, 120.0) }, 0.0);
            let mut seen = Vec::new();
            for (t, fraction) in [(0.0, 0.95), (60.0, 0.95), (120.0, 0.0), (180.0, 0.0), (240.0, 0.0), (400.0, 0.0)] {
                let f = m.evaluate(fraction, t);
                seen.push((f.level, f.greeks_enabled, f.per_option_metrics_enabled));
            }
            seen
        };
        let reference = critical_then_normal(false);
        assert_eq!(reference[1], (3, false, false));
        // At the downgrade (120 s) Greeks have been off 120 s, not more than the cooldown: they stay off for good.
        assert!(reference[2..].iter().all(|&(level, greeks, per_option)| level == 0 && !greeks && !per_option));
        let fixed = critical_then_normal(true);
        assert_eq!(
            fixed,
            [
                (3, false, false),
                (3, false, false),
                (0, false, false),
                (0, false, false),
                (0, true, false),
                (0, true, true)
            ]
        );
    }

    /// The tier follows the list's order (the last match) and a bad list is refused with every problem named.
    #[test]
    fn tiers_parse_and_refuse() {
        let tiers = parse_tiers(r#"[{"name":"normal","level":0,"threshold":0},{"name":"hot","level":2,"threshold":0.5,"actions":["skip_greeks"]}]"#)
            .unwrap();
        assert_eq!(tiers[1].actions, [MemoryAction::SkipGreeks]);
        assert_eq!(raw_tier(&tiers, 0.49), 0);
        assert_eq!(raw_tier(&tiers, 0.5), 1);
        let out_of_order = [tier("a", 0, 0.0, &[]), tier("c", 3, 0.9, &[]), tier("b", 1, 0.5, &[])];
        assert_eq!(raw_tier(&out_of_order, 0.95), 2, "the last match in list order, not the highest threshold");
        let err = parse_tiers(r#"[{"name":"a","level":0,"threshold":0},{"name":"b","level":0,"threshold":-1,"actions":["skip_greek"]},{"nme":"c"}]"#)
            .unwrap_err();
        assert!(err.contains("tier 1: `threshold`"), "{err}");
        assert!(err.contains("tier 2: unknown key `nme`") && err.contains("name"), "{err}");
        let err = parse_tiers(r#"[{"name":"a","level":0,"threshold":0},{"name":"b","level":0,"threshold":0.5}]"#)
            .unwrap_err();
        assert!(err.contains("level 0 appears twice"), "{err}");
        let err = parse_tiers(r#"[{"name":"b","level":1,"threshold":0.5,"actions":["skip_greek"]}]"#).unwrap_err();
        assert!(err.contains("skip_greeks"), "{err}");
        assert!(parse_tiers("[]").is_err());
        assert!(parse_tiers("{").is_err());
    }
}
