//! Phase 10: finalize the cycle. Per successful expiry an `option_match_stats` event (`ce_per_strike` and
//! `pe_per_strike`: each side's legs over the ladder's strikes), then the cycle's
//! summary (a line of `cycles.jsonl`) and its `cycle_status_summary` event with the
//! `partial_reason_totals` rollup (B2), each PARTIAL expiry counted exactly once.

use super::expiry_map::ExpiryMap;
use super::greeks::ExpiryAnalytics;
use super::schedule::{CycleBuilder, Step};
use super::status::{Classification, aggregate_cycle_status, reason_totals};
use super::validation::ExpiryValidation;
use crate::config::Config;
use crate::events::{
    CycleStatusSummary, CycleSummary, Depth, Event, ExpirySummary, IndexSummary, OptionMatchStats, StatusTotals,
    SummaryExpiry, SummaryIndex,
};
use crate::pyjson::{py_round, round_to};
use crate::vocab::{DropReason, ExpiryStatus, OptionKind, PartialReason};
use crate::world::*;
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// The reference's strike sample: all when at most 6, else first 2, middle `n / 2`, last 2.
pub fn strike_sample(strikes: &[f64]) -> Vec<String> {
    // A whole strike prints as its integer (the same text as `{:.0}`, without float formatting).
    let fmt =
        |s: &f64| if *s > 0.0 && s.fract() == 0.0 && *s < 1e15 { (*s as u64).to_string() } else { format!("{s:.0}") };
    if strikes.len() <= 6 {
        return strikes.iter().map(fmt).collect();
    }
    let n = strikes.len();
    [0, 1, n / 2, n - 2, n - 1].iter().map(|&i| fmt(&strikes[i])).collect()
}

/// The smallest positive gap between ladder strikes (0 for fewer than two).
pub fn min_step(strikes: &[f64]) -> u64 {
    strikes
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.min(d))))
        .map_or(0, |d| d as u64)
}

/// `ce_per_strike` / `pe_per_strike`: one side's legs over the ladder's strikes, rounded to 3 places as
/// Python rounds (an empty ladder counts as one strike).
pub fn per_strike(side_legs: u32, strikes: usize) -> f64 {
    py_round(f64::from(side_legs) / strikes.max(1) as f64, 3)
}

/// The `partial_reason` of `option_match_stats`: the reason of a PARTIAL expiry only, as the reference
/// writes it (parity g6 leaves a strict clamp's tag on OK and SYNTH expiries; the event does not carry it).
pub fn match_stats_reason(status: Option<ExpiryStatus>, reason: Option<PartialReason>) -> Option<PartialReason> {
    reason.filter(|_| status == Some(ExpiryStatus::Partial))
}

/// An index's summary before its figures ([`index_figures`]): its name and its expiries' summaries.
pub fn index_summary(symbol: &str, expiries: Vec<ExpirySummary>) -> IndexSummary {
    let zero = Depth { itm: 0, otm: 0 };
    IndexSummary {
        index: symbol.to_string(),
        status: ExpiryStatus::Empty,
        price: 0.0,
        synthetic_price: false,
        atm: 0.0,
        step: 0.0,
        ladder_depth: zero,
        depth: zero,
        baseline: zero,
        healthy_streak: 0,
        expiry_map: Default::default(),
        expiries,
    }
}

/// Writes an index's figures into its summary: the status its expiries' `statuses` aggregate to (each
/// added to the cycle's `totals`), the price (to the cent), ATM, step and strikes per side of its ladder, and
/// its depth, baseline and healthy streak after the adaptive step.
pub fn index_figures(
    summary: &mut IndexSummary,
    statuses: &[Option<ExpiryStatus>],
    totals: &mut StatusTotals,
    ladder: &StrikeLadder,
    depth: &StrikeDepth,
    state: &AdaptiveState,
) {
    for s in statuses.iter().flatten() {
        #[cfg(test)]
        let s = &match *s {
            ExpiryStatus::Partial if super::planted::planted(super::planted::Bug::PartialCountedAsOk) => {
                ExpiryStatus::Ok
            }
            s => s,
        };
        totals.add(*s);
    }
    let side = |below: bool| {
        ladder.strikes.iter().filter(|s| if below { **s < ladder.atm } else { **s > ladder.atm }).count() as u32
    };
    summary.status = aggregate_cycle_status(statuses);
    summary.price = round_to(ladder.price, 2);
    summary.synthetic_price = ladder.synthetic;
    summary.atm = ladder.atm;
    summary.step = ladder.step;
    summary.ladder_depth = Depth { itm: side(true), otm: side(false) };
    summary.depth = Depth { itm: depth.itm, otm: depth.otm };
    summary.baseline = Depth { itm: depth.baseline_itm, otm: depth.baseline_otm };
    summary.healthy_streak = state.healthy_streak;
}

/// Emits `option_match_stats` for each successful expiry.
pub fn finalize_expiries(
    counter: Res<CycleCounter>,
    indices: Query<(&IndexInfo, &StrikeLadder)>,
    expiries: Query<(
        &ExpiryOrder,
        &Expiry,
        &ExpiryDate,
        &ExpiryOutcome,
        &InstrumentSet,
        &StrikeCoverage,
        &FieldCoverage,
        &Status,
        &Reason,
    )>,
    mut log: ResMut<EventLog>,
) {
    for (_, expiry, date, outcome, set, strike, field, status, reason) in expiries.iter().sort::<&ExpiryOrder>() {
        let (Ok((info, ladder)), Some(date)) = (indices.get(expiry.index), date.0) else { continue };
        if outcome.failure.is_some() {
            continue;
        }
        let ce = set.0.iter().filter(|m| m.kind == OptionKind::CE).count() as u32;
        let legs = set.0.len() as u32;
        log.push(
            counter.0,
            Event::OptionMatchStats(OptionMatchStats {
                index: info.meta.symbol.clone(),
                expiry: date.to_string(),
                rule: expiry.rule.to_string(),
                strike_count: ladder.strikes.len() as u32,
                legs,
                ce,
                pe: legs - ce,
                strike_min: ladder.strikes.first().copied().unwrap_or(0.0),
                strike_max: ladder.strikes.last().copied().unwrap_or(0.0),
                step: min_step(&ladder.strikes),
                sample: strike_sample(&ladder.strikes),
                ce_per_strike: per_strike(ce, ladder.strikes.len()),
                pe_per_strike: per_strike(legs - ce, ladder.strikes.len()),
                synthetic: outcome.synthetic,
                strike_cov: strike.0.map(|s| py_round(s, 3)),
                field_cov: field.0.map(|f| py_round(f, 3)),
                partial_reason: match_stats_reason(status.0, reason.0),
            }),
        );
    }
}

/// Builds the cycle summary, appends it to the cycle log and emits `cycle_status_summary`.
pub fn summarize_cycle(
    config: Res<Config>,
    clock: Res<SimClock>,
    cycle_time: Res<LastCycleTime>,
    scaler: Res<super::scaling::Scaler>,
    memory: Res<super::memory::Memory>,
    counter: Res<CycleCounter>,
    universe: Res<Universe>,
    dump: Option<Res<DumpUniverse>>,
    map: Res<ExpiryMap>,
    indices: Query<(Entity, &IndexOrder, &IndexInfo, &StrikeLadder, &StrikeDepth, &AdaptiveState)>,
    expiries: Query<(
        &ExpiryOrder,
        &Expiry,
        &ExpiryDate,
        &ExpiryOutcome,
        &StrikeCoverage,
        &FieldCoverage,
        &Status,
        &Reason,
        &ClampMeta,
        &ExpiryAnalytics,
        &ExpiryValidation,
    )>,
    mut log: ResMut<EventLog>,
    mut cycles: ResMut<CycleLog>,
) {
    let parity = config.parity.is_g6();
    let mut per_index: BTreeMap<Entity, Vec<(ExpirySummary, Classification)>> = BTreeMap::new();
    for (_, expiry, date, outcome, strike, field, status, reason, clamp, analytics, validation) in
        expiries.iter().sort::<&ExpiryOrder>()
    {
        let summary = ExpirySummary {
            rule: expiry.rule.to_string(),
            expiry_date: date.0.map(|d| d.to_string()),
            status: status.0,
            partial_reason: reason.0,
            strike_coverage: strike.0,
            field_coverage: field.0,
            strikes_requested: outcome.strikes_requested,
            instruments: outcome.instruments,
            options: outcome.options,
            failure: outcome.failure,
            clamp: clamp.0.clone(),
            synthetic: outcome.synthetic,
            validation: validation.report.clone(),
            analytics: analytics.0.clone(),
        };
        per_index
            .entry(expiry.index)
            .or_default()
            .push((summary, Classification { status: status.0, reason: reason.0 }));
    }
    let mut status_totals = StatusTotals::default();
    let mut all: Vec<Classification> = Vec::new();
    let mut index_summaries = Vec::new();
    for (entity, order, info, ladder, depth, state) in indices.iter().sort::<&IndexOrder>() {
        let list = per_index.remove(&entity).unwrap_or_default();
        let statuses: Vec<_> = list.iter().map(|(_, c)| c.status).collect();
        all.extend(list.iter().map(|(_, c)| *c));
        let mut summary = index_summary(&info.meta.symbol, list.into_iter().map(|(s, _)| s).collect());
        summary.expiry_map = map.stats(order.0);
        index_figures(&mut summary, &statuses, &mut status_totals, ladder, depth, state);
        index_summaries.push(summary);
    }
    let totals = reason_totals(&all, parity);
    let drops: crate::events::OrderedMap<u32> = DropReason::ALL
        .iter()
        .map(|r| {
            let n: u32 = index_summaries
                .iter()
                .flat_map(|i| &i.expiries)
                .filter_map(|e| e.validation.as_ref())
                .map(|v| v.count(*r))
                .sum();
            (r.as_str().to_string(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let summary = CycleSummary {
        cycle: counter.0,
        time: clock.now.to_rfc3339(),
        ts: clock.unix(),
        cycle_time: cycle_time.time,
        strike_scaling: config.strike_scaling.then(|| scaler.figures()),
        memory: memory.figures(),
        universe_rows: universe.rows.len() as u32,
        universe_skipped: dump.map(|_| map.skipped),
        indices: index_summaries,
        expiry_status_totals: status_totals,
        partial_reason_totals: totals,
        validation_drops: (!drops.0.is_empty()).then_some(drops),
    };
    log.push(
        counter.0,
        Event::CycleStatusSummary(CycleStatusSummary {
            cycle_ts: summary.ts,
            index_count: summary.indices.len() as u32,
            expiry_status_totals: status_totals,
            indices: summary
                .indices
                .iter()
                .map(|i| SummaryIndex {
                    index: i.index.clone(),
                    status: i.status,
                    expiries: i
                        .expiries
                        .iter()
                        .map(|e| SummaryExpiry {
                            rule: e.rule.clone(),
                            status: e.status,
                            strike_cov: e.strike_coverage,
                            field_cov: e.field_coverage,
                            options: e.options,
                            synthetic: e.synthetic,
                            partial_reason: e.partial_reason,
                        })
                        .collect(),
                })
                .collect(),
            partial_reason_totals: totals,
        }),
    );
    cycles.cycles.push(summary);
}

/// Registers the summary phase: per-expiry finalisation where the cycle has it, then the cycle's summary. The
/// summary reads the universe and the expiry map, empty in a replay (which has neither phase).
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.world.init_resource::<Universe>();
    cycle.world.init_resource::<ExpiryMap>();
    if cycle.has(Step::Finalize) {
        cycle.add(Step::Finalize, finalize_expiries);
    }
    cycle.add(Step::Summary, summarize_cycle);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_and_step() {
        assert_eq!(strike_sample(&[100.0, 150.0]), vec!["100", "150"]);
        for s in [0.5, 1.5, 2.5, 24800.0, 24825.5, 123_456_789.0, 1e15, 1e16, 9_007_199_254_740_993.0, -0.0, -50.0] {
            assert_eq!(strike_sample(&[s]), vec![format!("{s:.0}")], "{s}");
        }
        let ladder: Vec<f64> = (0..9).map(|i| 24600.0 + f64::from(i) * 50.0).collect();
        assert_eq!(strike_sample(&ladder), vec!["24600", "24650", "24800", "24950", "25000"]);
        assert_eq!(min_step(&ladder), 50);
        assert_eq!(min_step(&[1.0]), 0);
    }

    #[test]
    fn match_stats_name_a_reason_only_for_partial() {
        use PartialReason::*;
        assert_eq!(match_stats_reason(Some(ExpiryStatus::Partial), Some(LowField)), Some(LowField));
        assert_eq!(match_stats_reason(Some(ExpiryStatus::Partial), Some(PrefilterClamp)), Some(PrefilterClamp));
        assert_eq!(match_stats_reason(Some(ExpiryStatus::Ok), Some(PrefilterClamp)), None);
        assert_eq!(match_stats_reason(Some(ExpiryStatus::Synth), Some(PrefilterClamp)), None);
        assert_eq!(match_stats_reason(None, Some(Unknown)), None);
    }

    #[test]
    fn legs_per_strike_count_one_side() {
        // 9 strikes, 3 CE and 3 PE legs: 0.333 each (not all 6 legs over the ladder).
        assert_eq!((per_strike(3, 9), per_strike(3, 9)), (0.333, 0.333));
        assert_eq!((per_strike(18, 9), per_strike(9, 9)), (2.0, 1.0));
        assert_eq!(per_strike(4, 0), 4.0, "an empty ladder counts as one strike");
    }
}
