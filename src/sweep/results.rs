//! From job scores to a verdict per setting: statistics over seeds, the Pareto front, the recommendation,
//! and the files a sweep writes (the same bytes whether it ran on one machine or in merged shards).

use super::plan::{JobScore, Plan, Setting};
use super::score::RunScore;
use crate::bench::aggregate::quantile;
use crate::events::OrderedMap;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A score over the seeds of one setting: mean, 95th percentile (linear between ranks) and worst (the
/// largest: every score is better smaller).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stat {
    pub mean: f64,
    pub p95: f64,
    pub worst: f64,
}

impl Stat {
    fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        Self { mean, p95: quantile(&values, 0.95), worst: values.last().copied().unwrap_or(f64::NAN) }
    }
}

/// One setting's results over its seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingResult {
    pub setting: usize,
    pub values: OrderedMap<String>,
    pub seeds: usize,
    /// Share of seeds whose expectations all held.
    pub pass_share: f64,
    pub flips_per_10: Stat,
    pub recovery_cycles: Stat,
    /// (fault window, index) pairs that never came back to baseline, summed over seeds.
    pub unrecovered: u64,
    pub mean_depth: Stat,
    pub strikes_per_cycle: Stat,
    pub instruments_per_cycle: Stat,
    pub partial_expiry_cycles: Stat,
    pub clamp_events: Stat,
    /// On the front the recommendation is chosen from: one of the [`eligible`] settings, and not dominated by
    /// another of them on (flips, mean depth, PARTIAL expiry-cycles), means over seeds.
    pub pareto: bool,
}

/// The setting a sweep recommends and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recommendation {
    pub setting: usize,
    pub values: OrderedMap<String>,
    pub why: String,
}

/// The header of every sweep output: what was swept (shards of one sweep must agree on it byte for byte).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    pub g6sim_version: String,
    pub scenario: String,
    pub scenario_sha256: String,
    pub sets: Vec<String>,
    pub parity: Option<String>,
    pub env: Vec<(String, String)>,
    pub params: Vec<(String, Vec<String>)>,
    pub seeds: Vec<u64>,
    pub settings: usize,
    pub jobs: usize,
    /// `--cycles`, when given (absent otherwise, as in sweeps written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles: Option<u64>,
    /// The sha256 of the `--universe` dump, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universe_sha256: Option<String>,
}

impl SweepManifest {
    pub fn of(plan: &Plan) -> Self {
        Self {
            g6sim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: plan.scenario.scenario.name.clone(),
            scenario_sha256: plan.scenario.content_sha256.clone(),
            sets: plan.base.sets.clone(),
            parity: plan.base.parity.map(|p| format!("{p:?}")),
            env: plan.base.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            params: plan.params.iter().map(|p| (p.key.clone(), p.values.clone())).collect(),
            seeds: plan.seeds.clone(),
            settings: plan.settings.len(),
            jobs: plan.jobs(),
            cycles: plan.base.cycles,
            universe_sha256: plan.base.universe.as_ref().map(|u| u.sha256.clone()),
        }
    }

    /// The settings, rebuilt from the swept keys (the same order as [`Plan`]'s).
    pub fn settings(&self) -> Vec<Setting> {
        let mut settings = vec![Vec::new()];
        for (key, values) in &self.params {
            settings = settings
                .into_iter()
                .flat_map(|s: Vec<(String, String)>| {
                    values.iter().map(move |v| {
                        let mut s = s.clone();
                        s.push((key.clone(), v.clone()));
                        s
                    })
                })
                .collect();
        }
        settings.into_iter().enumerate().map(|(index, values)| Setting { index, values }).collect()
    }
}

/// Statistics per setting, the Pareto front marked. `jobs` holds every job of the sweep, in job order.
pub fn summarize(settings: &[Setting], seeds: usize, jobs: &[JobScore]) -> Vec<SettingResult> {
    let mut results: Vec<SettingResult> = settings
        .iter()
        .map(|s| {
            let scores: Vec<&RunScore> =
                jobs[s.index * seeds..(s.index + 1) * seeds].iter().map(|j| &j.score).collect();
            let stat = |f: fn(&RunScore) -> f64| Stat::of(scores.iter().map(|s| f(s)).collect());
            SettingResult {
                setting: s.index,
                values: s.values.iter().cloned().collect(),
                seeds,
                pass_share: scores.iter().filter(|s| s.passed).count() as f64 / seeds.max(1) as f64,
                flips_per_10: stat(|s| s.flips_per_10),
                recovery_cycles: stat(|s| s.recovery_cycles),
                unrecovered: scores.iter().map(|s| u64::from(s.unrecovered)).sum(),
                mean_depth: stat(|s| s.mean_depth),
                strikes_per_cycle: stat(|s| s.strikes_per_cycle),
                instruments_per_cycle: stat(|s| s.instruments_per_cycle),
                partial_expiry_cycles: stat(|s| s.partial_expiry_cycles as f64),
                clamp_events: stat(|s| s.clamp_events as f64),
                pareto: false,
            }
        })
        .collect();
    mark_front(&mut results);
    results
}

/// Sets [`SettingResult::pareto`]: the [`eligible`] settings no other eligible one dominates.
fn mark_front(results: &mut [SettingResult]) {
    let pool = eligible(results);
    let objectives = |r: &SettingResult| [r.flips_per_10.mean, r.mean_depth.mean, r.partial_expiry_cycles.mean];
    let front: Vec<bool> = (0..results.len())
        .map(|i| {
            let a = objectives(&results[i]);
            pool.admits(&results[i])
                && !results.iter().filter(|o| pool.admits(o)).any(|o| {
                    let b = objectives(o);
                    b.iter().zip(&a).all(|(b, a)| b <= a) && b.iter().zip(&a).any(|(b, a)| b < a)
                })
        })
        .collect();
    for (r, on_front) in results.iter_mut().zip(front) {
        r.pareto = on_front;
    }
}

/// The hysteresis target of the collector's backlog: at most this many depth direction flips per 10 cycles.
pub const FLIPS_PER_10_TARGET: f64 = 1.0;

/// The settings a recommendation may come from: those with the best pass share and, when any of them meets
/// the hysteresis target in every seed (worst flips per 10 cycles at most [`FLIPS_PER_10_TARGET`]), only
/// those.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eligible {
    pub pass_share: f64,
    /// Whether some setting of the best pass share meets the target (then only those are eligible).
    pub meets_target: bool,
}

impl Eligible {
    pub fn admits(&self, r: &SettingResult) -> bool {
        r.pass_share == self.pass_share && (!self.meets_target || r.flips_per_10.worst <= FLIPS_PER_10_TARGET)
    }

    /// `the 16 settings with the best pass share (100%) that meet the hysteresis target (worst flips/10 <= 1)`.
    pub fn describe(&self, results: &[SettingResult]) -> String {
        let count = results.iter().filter(|r| self.admits(r)).count();
        let (settings, meet) = if count == 1 { ("setting", "meets") } else { ("settings", "meet") };
        let target = if self.meets_target {
            format!("that {meet} the hysteresis target (worst flips/10 <= 1)")
        } else {
            "(none meets the hysteresis target of worst flips/10 <= 1)".to_string()
        };
        format!("the {count} {settings} with the best pass share ({:.0}%) {target}", self.pass_share * 100.0)
    }
}

/// Which settings are [`Eligible`].
pub fn eligible(results: &[SettingResult]) -> Eligible {
    let pass_share = results.iter().map(|r| r.pass_share).fold(f64::NEG_INFINITY, f64::max);
    let meets_target =
        results.iter().any(|r| r.pass_share == pass_share && r.flips_per_10.worst <= FLIPS_PER_10_TARGET);
    Eligible { pass_share, meets_target }
}

/// The recommended setting: on the front of the [`eligible`] settings (see [`SettingResult::pareto`]), the
/// cheapest (mean depth), then the fewest PARTIAL expiry-cycles, the quickest recovery, the lowest setting
/// number.
pub fn recommend(results: &[SettingResult]) -> Option<Recommendation> {
    let meets_target = eligible(results).meets_target;
    let front: Vec<&SettingResult> = results.iter().filter(|r| r.pareto).collect();
    // The order of preference, each criterion with the words that say it decided.
    let criteria: [(&str, fn(&SettingResult) -> f64); 3] = [
        ("the cheapest (mean depth)", |r| r.mean_depth.mean),
        ("the fewest PARTIAL expiry-cycles of the cheapest", |r| r.partial_expiry_cycles.mean),
        ("the quickest recovery of the cheapest", |r| r.recovery_cycles.mean),
    ];
    let key = |r: &SettingResult| criteria.map(|(_, f)| f(r));
    let best = *front.iter().min_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.iter()
            .zip(&kb)
            .fold(std::cmp::Ordering::Equal, |o, (x, y)| o.then(x.total_cmp(y)))
            .then(a.setting.cmp(&b.setting))
    })?;
    // What set it apart from the rest of the front: the first criterion on which every other point is worse.
    let mut rivals: Vec<&SettingResult> = front.iter().copied().filter(|r| r.setting != best.setting).collect();
    let mut decided = if rivals.is_empty() { "the only setting on the front".to_string() } else { String::new() };
    for (words, f) in criteria {
        if decided.is_empty() && rivals.iter().all(|r| f(r) > f(best)) {
            decided = format!("{words} of the {} on the front", front.len());
        }
        rivals.retain(|r| f(r) == f(best));
    }
    if decided.is_empty() {
        let others = if rivals.len() == 1 { "other" } else { "others" };
        decided = format!("ties with {} {others} on the front on every score: the lowest setting number", rivals.len());
    }
    let why = format!(
        "{decided}; {:.0}% of seeds pass; worst {} flips per 10 cycles ({}); mean depth {:.2} strikes per side; \
         {:.2} PARTIAL expiry-cycles and {:.2} cycles back to baseline per run (means over seeds)",
        best.pass_share * 100.0,
        short(best.flips_per_10.worst),
        if meets_target { "meets the target of at most 1" } else { "no setting meets the target of at most 1" },
        best.mean_depth.mean,
        best.partial_expiry_cycles.mean,
        best.recovery_cycles.mean,
    );
    Some(Recommendation { setting: best.setting, values: best.values.clone(), why })
}

/// A score for a sentence: at most 3 decimals, no trailing zeros (`0.417`, `0.25`, `2`).
fn short(x: f64) -> String {
    let s = format!("{x:.3}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// `results.csv`: one row per setting, columns in a fixed order.
pub fn results_csv(params: &[String], results: &[SettingResult]) -> String {
    let stats = [
        "flips_per_10",
        "recovery_cycles",
        "mean_depth",
        "strikes_per_cycle",
        "instruments_per_cycle",
        "partial_expiry_cycles",
        "clamp_events",
    ];
    let mut out = String::from("setting");
    for p in params {
        let _ = write!(out, ",{p}");
    }
    out.push_str(",seeds,pass_share");
    for s in stats {
        let _ = write!(out, ",{s}_mean,{s}_p95,{s}_worst");
    }
    out.push_str(",unrecovered,pareto\n");
    for r in results {
        let _ = write!(out, "{}", r.setting);
        for (_, v) in &r.values.0 {
            let _ = write!(out, ",{v}");
        }
        let _ = write!(out, ",{},{}", r.seeds, r.pass_share);
        for s in [
            r.flips_per_10,
            r.recovery_cycles,
            r.mean_depth,
            r.strikes_per_cycle,
            r.instruments_per_cycle,
            r.partial_expiry_cycles,
            r.clamp_events,
        ] {
            let _ = write!(out, ",{},{},{}", s.mean, s.p95, s.worst);
        }
        let _ = writeln!(out, ",{},{}", r.unrecovered, r.pareto);
    }
    out
}

/// `results.json`: the manifest, every setting's results and the recommendation.
pub fn results_json(manifest: &SweepManifest, results: &[SettingResult], rec: &Option<Recommendation>) -> Vec<u8> {
    #[derive(Serialize)]
    struct Doc<'a> {
        sweep: &'a SweepManifest,
        recommended: &'a Option<Recommendation>,
        settings: &'a [SettingResult],
    }
    let mut out = serde_json::to_vec_pretty(&Doc { sweep: manifest, recommended: rec, settings: results })
        .expect("sweep results serialize to JSON");
    out.push(b'\n');
    out
}

/// The front the recommendation is chosen from, as a table: a heading naming the eligible settings, then
/// setting, the three objectives (means over seeds), pass share and values; the recommended row marked `*`.
pub fn pareto_text(results: &[SettingResult], recommended: Option<&Recommendation>) -> String {
    pareto_text_at_most(results, recommended, usize::MAX)
}

/// Rows of the front a sweep prints; `pareto.txt` holds them all.
pub const PRINTED_FRONT: usize = 20;

/// [`pareto_text`] with at most `most` rows (the recommended one among them), then how many more there are.
pub fn pareto_text_at_most(results: &[SettingResult], recommended: Option<&Recommendation>, most: usize) -> String {
    let mut out = format!(
        "Pareto front (flips per 10 cycles, mean depth, PARTIAL expiry-cycles; means over seeds) of\n\
         {}; * recommended:\n",
        eligible(results).describe(results)
    );
    out.push_str(" setting  flips/10  mean depth  PARTIAL/run  pass  values\n");
    let is_recommended = |r: &SettingResult| recommended.is_some_and(|rec| rec.setting == r.setting);
    let front: Vec<&SettingResult> = results.iter().filter(|r| r.pareto).collect();
    // The first rows, and the recommended one wherever it stands.
    let shown: Vec<&SettingResult> = front
        .iter()
        .enumerate()
        .filter(|(i, r)| *i < most.saturating_sub(1) || is_recommended(r) || front.len() <= most)
        .map(|(_, r)| *r)
        .collect();
    for r in &shown {
        let values: Vec<String> = r.values.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mark = if is_recommended(r) { '*' } else { ' ' };
        let _ = writeln!(
            out,
            "{mark}{:>7}  {:>8.3}  {:>10.3}  {:>11.3}  {:>3.0}%  {}",
            r.setting,
            r.flips_per_10.mean,
            r.mean_depth.mean,
            r.partial_expiry_cycles.mean,
            r.pass_share * 100.0,
            values.join(" ")
        );
    }
    if shown.len() < front.len() {
        let _ = writeln!(out, "... and {} more settings on the front (all in pareto.txt)", front.len() - shown.len());
    }
    out
}

/// `runs.jsonl`: every job's scores, in job order.
pub fn runs_jsonl(jobs: &[JobScore]) -> Vec<u8> {
    let mut out = Vec::new();
    for j in jobs {
        serde_json::to_writer(&mut out, j).expect("job scores serialize to JSON");
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A setting with these means (every seed alike) and pass share.
    fn setting(n: usize, pass_share: f64, flips: f64, depth: f64, partial: f64) -> SettingResult {
        let stat = |x: f64| Stat { mean: x, p95: x, worst: x };
        SettingResult {
            setting: n,
            values: [("k".to_string(), n.to_string())].into_iter().collect(),
            seeds: 4,
            pass_share,
            flips_per_10: stat(flips),
            recovery_cycles: stat(0.0),
            unrecovered: 0,
            mean_depth: stat(depth),
            strikes_per_cycle: stat(0.0),
            instruments_per_cycle: stat(0.0),
            partial_expiry_cycles: stat(partial),
            clamp_events: stat(0.0),
            pareto: false,
        }
    }

    fn with_front(mut results: Vec<SettingResult>) -> Vec<SettingResult> {
        mark_front(&mut results);
        results
    }

    /// Cheap settings that fail every seed would form the front over all settings; the printed front is the
    /// one the recommendation comes from, and the recommendation is on it, marked.
    #[test]
    fn the_front_is_the_one_the_recommendation_is_chosen_from() {
        let results = with_front(vec![
            setting(0, 0.0, 2.0, 10.0, 10.0),  // cheap, flaps, fails
            setting(1, 0.0, 0.5, 12.0, 10.0),  // cheap, calm, fails
            setting(2, 1.0, 0.5, 18.0, 10.0),  // passes, calm
            setting(3, 1.0, 0.25, 20.0, 10.0), // passes, calmer, dearer
            setting(4, 1.0, 0.5, 19.0, 12.0),  // passes, dominated by 2
            setting(5, 1.0, 3.0, 15.0, 10.0),  // passes, flaps: not eligible while calm ones pass
        ]);
        let front: Vec<usize> = results.iter().filter(|r| r.pareto).map(|r| r.setting).collect();
        assert_eq!(front, [2, 3]);
        let rec = recommend(&results).unwrap();
        assert_eq!(rec.setting, 2);
        assert!(
            rec.why.starts_with("the cheapest (mean depth) of the 2 on the front; 100% of seeds pass"),
            "{}",
            rec.why
        );
        let text = pareto_text(&results, Some(&rec));
        assert!(
            text.contains("the 3 settings with the best pass share (100%) that meet the hysteresis target"),
            "{text}"
        );
        let rows: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert!(rows[0].starts_with("*      2") && rows[1].starts_with("       3"), "{text}");
    }

    #[test]
    fn a_long_front_prints_its_first_rows_and_the_recommendation() {
        // Each setting calmer and dearer than the next: all 30 on the front, the cheapest last.
        let many = (0..30).map(|n| setting(n, 1.0, 0.01 * n as f64, 30.0 - n as f64, 4.0)).collect();
        let results = with_front(many);
        let rec = recommend(&results).unwrap();
        assert_eq!(rec.setting, 29, "the cheapest");
        let text = pareto_text_at_most(&results, Some(&rec), 5);
        let rows: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(rows.len(), 6, "{text}");
        assert!(rows[3].starts_with("       3") && rows[4].starts_with("*     29"), "{text}");
        assert_eq!(rows[5], "... and 25 more settings on the front (all in pareto.txt)", "{text}");
        assert_eq!(pareto_text(&results, Some(&rec)).lines().count(), 3 + 30);
    }

    #[test]
    fn the_reason_names_what_set_the_recommendation_apart() {
        let tie = with_front(vec![setting(0, 1.0, 0.5, 10.0, 4.0), setting(1, 1.0, 0.5, 10.0, 4.0)]);
        let why = recommend(&tie).unwrap().why;
        assert!(why.starts_with("ties with 1 other on the front on every score: the lowest setting number"), "{why}");
        let partial = with_front(vec![setting(0, 1.0, 0.25, 10.0, 6.0), setting(1, 1.0, 0.5, 10.0, 4.0)]);
        let rec = recommend(&partial).unwrap();
        assert_eq!(rec.setting, 1);
        assert!(rec.why.starts_with("the fewest PARTIAL expiry-cycles of the cheapest"), "{}", rec.why);
        let alone = with_front(vec![setting(0, 0.5, 3.0, 10.0, 6.0), setting(1, 0.25, 0.5, 8.0, 4.0)]);
        let rec = recommend(&alone).unwrap();
        assert_eq!(rec.setting, 0, "the best pass share first, though it flaps");
        assert!(rec.why.starts_with("the only setting on the front; 50% of seeds pass"), "{}", rec.why);
        assert!(rec.why.contains("no setting meets the target"), "{}", rec.why);
        assert!(pareto_text(&alone, Some(&rec)).contains("(none meets the hysteresis target"));
    }
}
