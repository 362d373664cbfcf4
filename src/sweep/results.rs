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
    /// Not dominated on (flips, mean depth, PARTIAL expiry-cycles), means over seeds.
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
    let objectives = |r: &SettingResult| [r.flips_per_10.mean, r.mean_depth.mean, r.partial_expiry_cycles.mean];
    let dominated: Vec<bool> = results
        .iter()
        .map(|r| {
            let a = objectives(r);
            results.iter().any(|o| {
                let b = objectives(o);
                b.iter().zip(&a).all(|(b, a)| b <= a) && b.iter().zip(&a).any(|(b, a)| b < a)
            })
        })
        .collect();
    for (r, d) in results.iter_mut().zip(dominated) {
        r.pareto = !d;
    }
    results
}

/// The recommended setting: among those with the best pass share, the ones meeting the backlog's hysteresis
/// target (at most 1 flip per 10 cycles in every seed) if any, on the Pareto front if any; then the cheapest
/// (mean depth), then the fewest PARTIAL expiry-cycles, the quickest recovery, the lowest setting number.
pub fn recommend(results: &[SettingResult]) -> Option<Recommendation> {
    let best_pass = results.iter().map(|r| r.pass_share).fold(f64::NEG_INFINITY, f64::max);
    let mut pool: Vec<&SettingResult> = results.iter().filter(|r| r.pass_share == best_pass).collect();
    let calm: Vec<&SettingResult> = pool.iter().copied().filter(|r| r.flips_per_10.worst <= 1.0).collect();
    let meets_target = !calm.is_empty();
    if meets_target {
        pool = calm;
    }
    let front: Vec<&SettingResult> = pool.iter().copied().filter(|r| r.pareto).collect();
    if !front.is_empty() {
        pool = front;
    }
    let best = pool.into_iter().min_by(|a, b| {
        a.mean_depth
            .mean
            .total_cmp(&b.mean_depth.mean)
            .then(a.partial_expiry_cycles.mean.total_cmp(&b.partial_expiry_cycles.mean))
            .then(a.recovery_cycles.mean.total_cmp(&b.recovery_cycles.mean))
            .then(a.setting.cmp(&b.setting))
    })?;
    let why = format!(
        "{:.0}% of seeds pass; worst {} flips per 10 cycles ({}); mean depth {:.2} strikes per side; {:.2} PARTIAL \
         expiry-cycles and {:.2} cycles back to baseline per run (means over seeds)",
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

/// The Pareto front as a table: setting, values, and the three objectives (means over seeds).
pub fn pareto_text(results: &[SettingResult]) -> String {
    let mut out = String::from("setting  flips/10  mean depth  PARTIAL/run  pass  values\n");
    for r in results.iter().filter(|r| r.pareto) {
        let values: Vec<String> = r.values.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            out,
            "{:>7}  {:>8.3}  {:>10.3}  {:>11.3}  {:>3.0}%  {}",
            r.setting,
            r.flips_per_10.mean,
            r.mean_depth.mean,
            r.partial_expiry_cycles.mean,
            r.pass_share * 100.0,
            values.join(" ")
        );
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
