//! Phase 8: the status reducer and the partial reason (`status_reducer.py`, `status_finalize.py`).
//!
//! Rules, as pure functions:
//! - [`expiry_status`]: options 0 -> EMPTY; synthetic -> SYNTH; both coverages measured -> OK iff strike >=
//!   0.75 and field >= 0.55 (ties are OK), else PARTIAL; unmeasured -> OK (options > 0).
//! - [`partial_reason`]: for PARTIAL only: `low_both`, `low_strike`, `low_field`, or `unknown`.
//! - [`aggregate_cycle_status`]: an index's status from its expiries.
//!
//! Default mode, a strict clamp makes the expiry PARTIAL with reason `prefilter_clamp` (the reference only
//! tags it and never counts it: parity g6 keeps that).

use super::schedule::{CycleBuilder, Step};
use crate::config::Config;
use crate::vocab::{ExpiryStatus, PartialReason, ReasonTotals};
use crate::world::{ClampMeta, ExpiryOutcome, FieldCoverage, Reason, Status, StrikeCoverage};
use bevy_ecs::prelude::*;

/// The two status thresholds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub strike: f64,
    pub field: f64,
}

impl Thresholds {
    pub fn from_config(c: &Config) -> Self {
        Self { strike: c.strike_coverage_ok.get(), field: c.field_coverage_ok.get() }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { strike: 0.75, field: 0.55 }
    }
}

/// `compute_expiry_status`: EMPTY without options, SYNTH for fallback quotes, else by coverage.
pub fn expiry_status(
    options: u32,
    synthetic: bool,
    strike: Option<f64>,
    field: Option<f64>,
    th: Thresholds,
) -> ExpiryStatus {
    if options == 0 {
        return ExpiryStatus::Empty;
    }
    if synthetic {
        return ExpiryStatus::Synth;
    }
    match (strike, field) {
        (Some(s), Some(f)) if s >= 0.0 && f >= 0.0 => {
            #[cfg(test)]
            if s < th.strike && super::planted::planted(super::planted::Bug::LowCoverageIsEmpty) {
                return ExpiryStatus::Empty;
            }
            #[cfg(test)]
            let f = if super::planted::planted(super::planted::Bug::FieldCoverageIgnored) { 1.0 } else { f };
            if s >= th.strike && f >= th.field { ExpiryStatus::Ok } else { ExpiryStatus::Partial }
        }
        _ => ExpiryStatus::Ok,
    }
}

/// `derive_partial_reason`: `None` unless PARTIAL; `unknown` when a coverage is missing or both are fine.
pub fn partial_reason(
    status: ExpiryStatus,
    strike: Option<f64>,
    field: Option<f64>,
    th: Thresholds,
) -> Option<PartialReason> {
    if status != ExpiryStatus::Partial {
        return None;
    }
    Some(match (strike, field) {
        (Some(s), Some(f)) if s >= 0.0 && f >= 0.0 => match (s < th.strike, f < th.field) {
            (true, true) => PartialReason::LowBoth,
            (true, false) => PartialReason::LowStrike,
            (false, true) => PartialReason::LowField,
            (false, false) => PartialReason::Unknown,
        },
        _ => PartialReason::Unknown,
    })
}

/// `aggregate_cycle_status`: no expiries or all EMPTY -> EMPTY; all OK/SYNTH -> OK; else PARTIAL.
/// An expiry without a status (a failed one) counts as EMPTY.
pub fn aggregate_cycle_status(statuses: &[Option<ExpiryStatus>]) -> ExpiryStatus {
    let status = |s: &Option<ExpiryStatus>| s.unwrap_or(ExpiryStatus::Empty);
    if statuses.iter().all(|s| status(s) == ExpiryStatus::Empty) {
        ExpiryStatus::Empty
    } else if statuses.iter().all(|s| matches!(status(s), ExpiryStatus::Ok | ExpiryStatus::Synth)) {
        ExpiryStatus::Ok
    } else {
        ExpiryStatus::Partial
    }
}

/// The full classification of one expiry pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classification {
    pub status: Option<ExpiryStatus>,
    pub reason: Option<PartialReason>,
}

/// Classifies one expiry: status and reason, including failed expiries and the strict clamp.
///
/// - Failed (no instruments or unresolved): EMPTY, no reason (parity g6: no status at all).
/// - Strict clamp, default mode: PARTIAL `prefilter_clamp`, whatever the coverage says; an expiry left
///   without options (validation dropped every quote) stays EMPTY.
/// - Strict clamp, parity g6: the reason is set to `prefilter_clamp` first (before the synthetic fallback)
///   and then overwritten by the coverage reason when the status is PARTIAL, so it survives on OK and SYNTH
///   expiries (never counted: only PARTIAL expiries are).
/// - SYNTH, default mode: no reason (the strict clamp does not make a SYNTH expiry PARTIAL).
pub fn classify(
    outcome: &ExpiryOutcome,
    strike: Option<f64>,
    field: Option<f64>,
    strict_clamp: bool,
    th: Thresholds,
    parity_g6: bool,
) -> Classification {
    if outcome.failure.is_some() {
        let status = (!parity_g6).then_some(ExpiryStatus::Empty);
        return Classification { status, reason: None };
    }
    let status = expiry_status(outcome.options, outcome.synthetic, strike, field, th);
    if status == ExpiryStatus::Synth {
        let reason = (strict_clamp && parity_g6).then_some(PartialReason::PrefilterClamp);
        return Classification { status: Some(status), reason };
    }
    if strict_clamp && !parity_g6 && status != ExpiryStatus::Empty {
        return Classification { status: Some(ExpiryStatus::Partial), reason: Some(PartialReason::PrefilterClamp) };
    }
    let reason = partial_reason(status, strike, field, th)
        .or((strict_clamp && parity_g6).then_some(PartialReason::PrefilterClamp));
    #[cfg(test)]
    let reason = reason.or((status == ExpiryStatus::Ok
        && (strike.is_some_and(|s| s < 1.0) || field.is_some_and(|f| f < 1.0))
        && super::planted::planted(super::planted::Bug::ReasonOnOk))
    .then_some(PartialReason::LowStrike));
    Classification { status: Some(status), reason }
}

/// Counts the cycle's PARTIAL expiries per reason, once per expiry.
///
/// Default mode: five fixed labels. Parity g6: the reference's four, with any other token folded into
/// `unknown`, and an OK expiry's `prefilter_clamp` tag not counted.
pub fn reason_totals<'a>(expiries: impl IntoIterator<Item = &'a Classification>, parity_g6: bool) -> ReasonTotals {
    let mut totals = ReasonTotals::new(parity_g6);
    for c in expiries {
        if c.status != Some(ExpiryStatus::Partial) {
            continue;
        }
        let reason = match c.reason.unwrap_or(PartialReason::Unknown) {
            PartialReason::PrefilterClamp if parity_g6 => PartialReason::Unknown,
            r => r,
        };
        #[cfg(test)]
        let reason = match reason {
            PartialReason::LowField if super::planted::planted(super::planted::Bug::LowFieldCountedAsLowStrike) => {
                PartialReason::LowStrike
            }
            r => r,
        };
        totals.add(reason, 1);
    }
    totals
}

/// `partial_reason_totals`: always every label of the mode, in a fixed order.
/// The system: classifies every expiry of this cycle.
pub fn classify_expiries(
    config: Res<Config>,
    mut expiries: Query<(&ExpiryOutcome, &StrikeCoverage, &FieldCoverage, &ClampMeta, &mut Status, &mut Reason)>,
) {
    let th = Thresholds::from_config(&config);
    for (outcome, strike, field, clamp, mut status, mut reason) in &mut expiries {
        let strict = clamp.0.as_ref().is_some_and(|c| c.strict);
        let c = classify(outcome, strike.0, field.0, strict, th, config.parity.is_g6());
        status.0 = c.status;
        reason.0 = c.reason;
    }
}

/// Registers the status reducer.
pub fn plugin(cycle: &mut CycleBuilder) {
    cycle.add(Step::Status, classify_expiries);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExpiryStatus::*;
    use PartialReason::*;

    const TH: Thresholds = Thresholds { strike: 0.75, field: 0.55 };

    #[test]
    fn status_reducer_matches_the_references_tests() {
        assert_eq!(expiry_status(0, false, Some(1.0), Some(1.0), TH), Empty);
        assert_eq!(expiry_status(5, true, Some(1.0), Some(1.0), TH), Synth);
        assert_eq!(expiry_status(5, false, Some(0.9), Some(0.8), TH), Ok);
        assert_eq!(expiry_status(5, false, Some(0.5), Some(0.9), TH), Partial);
        assert_eq!(expiry_status(5, false, Some(0.9), Some(0.4), TH), Partial);
        assert_eq!(expiry_status(5, false, Some(0.75), Some(0.55), TH), Ok, "ties are OK");
        assert_eq!(expiry_status(5, false, None, Some(0.1), TH), Ok, "unmeasured falls through to OK");
        let loose = Thresholds { strike: 0.4, field: 0.3 };
        assert_eq!(expiry_status(5, false, Some(0.5), Some(0.4), loose), Ok);
        assert_eq!(expiry_status(5, false, Some(0.74), Some(0.54), TH), Partial);
    }

    #[test]
    fn each_partial_reason() {
        assert_eq!(partial_reason(Partial, Some(0.5), Some(0.9), TH), Some(LowStrike));
        assert_eq!(partial_reason(Partial, Some(0.9), Some(0.4), TH), Some(LowField));
        assert_eq!(partial_reason(Partial, Some(0.5), Some(0.4), TH), Some(LowBoth));
        assert_eq!(partial_reason(Ok, Some(0.9), Some(0.9), TH), None);
        assert_eq!(partial_reason(Partial, None, None, TH), Some(Unknown));
        assert_eq!(partial_reason(Partial, Some(0.9), Some(0.9), TH), Some(Unknown));
    }

    #[test]
    fn aggregation() {
        assert_eq!(aggregate_cycle_status(&[]), Empty);
        assert_eq!(aggregate_cycle_status(&[Some(Empty), None]), Empty);
        assert_eq!(aggregate_cycle_status(&[Some(Ok), Some(Synth)]), Ok);
        assert_eq!(aggregate_cycle_status(&[Some(Ok), Some(Partial)]), Partial);
        assert_eq!(aggregate_cycle_status(&[Some(Ok), Some(Empty)]), Partial);
        assert_eq!(aggregate_cycle_status(&[Some(Ok), None]), Partial, "a failed expiry counts as EMPTY");
    }

    #[test]
    fn strict_clamp_in_both_modes() {
        let ok = ExpiryOutcome { options: 10, instruments: 10, strikes_requested: 5, failure: None, synthetic: false };
        // Coverage fine: default PARTIAL prefilter_clamp; parity OK with the tag.
        let d = classify(&ok, Some(1.0), Some(1.0), true, TH, false);
        assert_eq!((d.status, d.reason), (Some(Partial), Some(PrefilterClamp)));
        let p = classify(&ok, Some(1.0), Some(1.0), true, TH, true);
        assert_eq!((p.status, p.reason), (Some(Ok), Some(PrefilterClamp)));
        // Coverage low: parity overwrites the tag with the coverage token.
        let p = classify(&ok, Some(0.5), Some(1.0), true, TH, true);
        assert_eq!((p.status, p.reason), (Some(Partial), Some(LowStrike)));
        // No options left: EMPTY in default mode, clamp or not; parity keeps the reference's tag.
        let none = ExpiryOutcome { options: 0, ..ok };
        assert_eq!(
            classify(&none, Some(1.0), Some(0.0), true, TH, false),
            Classification { status: Some(Empty), reason: None }
        );
        assert_eq!(classify(&none, Some(1.0), Some(0.0), true, TH, true).reason, Some(PrefilterClamp));
        // Totals: default counts it, parity does not count the OK one.
        assert_eq!(reason_totals(&[d], false).prefilter_clamp, Some(1));
        let ok_tagged = classify(&ok, Some(1.0), Some(1.0), true, TH, true);
        assert_eq!(reason_totals(&[ok_tagged], true), ReasonTotals::new(true));
        // SYNTH (placeholder quotes): parity keeps the tag set before the fallback; default gives no reason.
        let synth = ExpiryOutcome { synthetic: true, ..ok };
        let p = classify(&synth, Some(1.0), Some(0.0), true, TH, true);
        assert_eq!((p.status, p.reason), (Some(Synth), Some(PrefilterClamp)));
        assert_eq!(reason_totals(&[p], true), ReasonTotals::new(true), "not counted");
        let d = classify(&synth, Some(1.0), Some(0.0), true, TH, false);
        assert_eq!((d.status, d.reason), (Some(Synth), None));
        assert_eq!(classify(&synth, Some(1.0), Some(0.0), false, TH, true).reason, None, "no clamp, no tag");
    }

    #[test]
    fn failed_expiries_in_both_modes() {
        let failed = ExpiryOutcome { failure: Some(crate::vocab::Failure::NoInstruments), ..Default::default() };
        assert_eq!(classify(&failed, None, None, false, TH, false).status, Some(Empty));
        assert_eq!(classify(&failed, None, None, false, TH, true).status, None);
    }

    #[test]
    fn rollup_counts_once_per_partial_expiry() {
        let c = |status, reason| Classification { status: Some(status), reason };
        let list = [
            c(Partial, Some(LowStrike)),
            c(Partial, Some(LowField)),
            c(Partial, Some(LowField)),
            c(Partial, Some(LowBoth)),
            c(Partial, None),
            c(Partial, Some(PrefilterClamp)),
            c(Ok, None),
            c(Empty, None),
        ];
        let parity = reason_totals(&list, true);
        assert_eq!((parity.low_strike, parity.low_field, parity.low_both, parity.unknown), (1, 2, 1, 2));
        assert_eq!(parity.prefilter_clamp, None);
        let default = reason_totals(&list, false);
        assert_eq!((default.unknown, default.prefilter_clamp), (1, Some(1)));
        assert_eq!(reason_totals(&[], false), ReasonTotals::new(false));
        let json = serde_json::to_string(&ReasonTotals::new(true)).unwrap();
        assert_eq!(json, r#"{"low_strike":0,"low_field":0,"low_both":0,"unknown":0}"#);
    }
}

/// Properties of the reducer over any coverage, in range or not, and any thresholds.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::vocab::{ExpiryStatus, Failure, PartialReason};
    use crate::world::ExpiryOutcome;
    use proptest::prelude::*;

    /// Coverage as the reducer may see it: unmeasured, in range, and out of range (negative, above 1, NaN).
    fn any_coverage() -> impl Strategy<Value = Option<f64>> {
        prop_oneof![
            2 => Just(None),
            10 => (0.0..=1.0f64).prop_map(Some),
            1 => prop::sample::select(vec![0.0, 0.55, 0.75, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY]).prop_map(Some),
        ]
    }

    fn thresholds() -> impl Strategy<Value = Thresholds> {
        (0.0..=1.0f64, 0.0..=1.0f64).prop_map(|(strike, field)| Thresholds { strike, field })
    }

    fn outcome() -> impl Strategy<Value = ExpiryOutcome> {
        (
            prop_oneof![2 => Just(0u32), 8 => 1u32..500],
            prop::bool::weighted(0.15),
            prop::option::weighted(0.15, prop_oneof![Just(Failure::Unresolved), Just(Failure::NoInstruments)]),
        )
            .prop_map(|(options, synthetic, failure)| ExpiryOutcome {
                strikes_requested: 21,
                instruments: options,
                options,
                failure,
                synthetic,
            })
    }

    fn measured(c: Option<f64>) -> Option<f64> {
        c.filter(|v| *v >= 0.0)
    }

    proptest! {
        #![proptest_config(crate::rng::proptest_config(512))]

        /// Both modes: every (coverage, options) maps to exactly one status, by the reducer's table: no
        /// options EMPTY, synthetic SYNTH, both coverages measured OK iff both reach their threshold, else
        /// PARTIAL; unmeasured (missing, negative or NaN) OK. A reason exactly for PARTIAL, matching which
        /// coverage is low.
        #[test]
        fn every_coverage_maps_to_one_status_and_reason(
            options in prop_oneof![1 => Just(0u32), 5 => 1u32..1000],
            synthetic in prop::bool::weighted(0.1),
            strike in any_coverage(),
            field in any_coverage(),
            th in thresholds(),
        ) {
            let status = expiry_status(options, synthetic, strike, field, th);
            let expected = match (options, synthetic, measured(strike), measured(field)) {
                (0, _, _, _) => ExpiryStatus::Empty,
                (_, true, _, _) => ExpiryStatus::Synth,
                (_, _, Some(s), Some(f)) if s >= th.strike && f >= th.field => ExpiryStatus::Ok,
                (_, _, Some(_), Some(_)) => ExpiryStatus::Partial,
                _ => ExpiryStatus::Ok,
            };
            prop_assert_eq!(status, expected);
            for candidate in [ExpiryStatus::Ok, ExpiryStatus::Partial, ExpiryStatus::Empty, ExpiryStatus::Synth] {
                let reason = partial_reason(candidate, strike, field, th);
                prop_assert_eq!(reason.is_some(), candidate == ExpiryStatus::Partial);
            }
            if let Some(reason) = partial_reason(status, strike, field, th) {
                let (s, f) = (measured(strike).unwrap(), measured(field).unwrap());
                let expected = match (s < th.strike, f < th.field) {
                    (true, true) => PartialReason::LowBoth,
                    (true, false) => PartialReason::LowStrike,
                    (false, true) => PartialReason::LowField,
                    (false, false) => unreachable!("PARTIAL with both coverages at their thresholds"),
                };
                prop_assert_eq!(reason, expected);
            }
        }

        /// Both modes: more coverage never turns OK into PARTIAL, and higher thresholds never turn PARTIAL
        /// into OK.
        #[test]
        fn status_is_monotone_in_coverage_and_thresholds(
            (s, f, ds, df) in (0.0..=1.0f64, 0.0..=1.0f64, 0.0..=1.0f64, 0.0..=1.0f64),
            th in thresholds(),
            (dts, dtf) in (0.0..=1.0f64, 0.0..=1.0f64),
        ) {
            let at = |s: f64, f: f64, th: Thresholds| expiry_status(10, false, Some(s), Some(f), th);
            let base = at(s, f, th);
            if base == ExpiryStatus::Ok {
                prop_assert_eq!(at((s + ds).min(1.0), (f + df).min(1.0), th), ExpiryStatus::Ok);
            } else {
                let stricter = Thresholds { strike: (th.strike + dts).min(1.0), field: (th.field + dtf).min(1.0) };
                prop_assert_eq!(at(s, f, stricter), ExpiryStatus::Partial);
            }
        }

        /// `classify`, the whole pass. Both modes: a failed expiry has no reason (default EMPTY, parity g6 no
        /// status, quirk 11); an expiry without options is EMPTY and one served by placeholders SYNTH, whatever
        /// the clamp; a PARTIAL expiry always has a reason. Default mode: a reason exactly when PARTIAL, and a
        /// strict clamp makes an expiry with options PARTIAL `prefilter_clamp`. Parity g6 keeps the reference's
        /// tag on OK expiries (quirk 7) and otherwise follows the coverage.
        #[test]
        fn classify_gives_one_status_and_reason(
            outcome in outcome(),
            strike in any_coverage(),
            field in any_coverage(),
            strict: bool,
            th in thresholds(),
            parity_g6: bool,
        ) {
            let c = classify(&outcome, strike, field, strict, th, parity_g6);
            if outcome.failure.is_some() {
                let status = (!parity_g6).then_some(ExpiryStatus::Empty);
                prop_assert_eq!(c, Classification { status, reason: None });
                return Ok(());
            }
            let status = c.status.expect("a pass that did not fail has a status");
            let plain = expiry_status(outcome.options, outcome.synthetic, strike, field, th);
            if outcome.options == 0 {
                prop_assert_eq!(status, ExpiryStatus::Empty, "no options is EMPTY, strict clamp or not: {:?}", c);
            } else if outcome.synthetic {
                // Parity g6 keeps a strict clamp's tag, set before the synthetic fallback.
                let reason = (strict && parity_g6).then_some(PartialReason::PrefilterClamp);
                prop_assert_eq!(c, Classification { status: Some(ExpiryStatus::Synth), reason });
            } else if strict && !parity_g6 {
                prop_assert_eq!(c.reason, Some(PartialReason::PrefilterClamp));
            } else {
                prop_assert_eq!(status, plain);
            }
            if status == ExpiryStatus::Partial {
                prop_assert!(c.reason.is_some());
            }
            if !parity_g6 {
                prop_assert_eq!(c.reason.is_some(), status == ExpiryStatus::Partial, "{:?}", c);
            } else if c.reason.is_some() && status != ExpiryStatus::Partial {
                prop_assert_eq!(c.reason, Some(PartialReason::PrefilterClamp), "only the clamp tag survives: {:?}", c);
            }
        }

        /// Both modes: `partial_reason_totals` counts each PARTIAL expiry exactly once (parity folds the
        /// clamp into `unknown`), and the index's aggregate follows its expiries, whatever their order.
        #[test]
        fn totals_and_aggregate_count_every_expiry(
            passes in prop::collection::vec((outcome(), any_coverage(), any_coverage(), any::<bool>()), 0..12),
            th in thresholds(),
            parity_g6: bool,
        ) {
            let classes: Vec<Classification> =
                passes.iter().map(|(o, s, f, strict)| classify(o, *s, *f, *strict, th, parity_g6)).collect();
            let totals = reason_totals(&classes, parity_g6);
            let partial = classes.iter().filter(|c| c.status == Some(ExpiryStatus::Partial)).count() as u32;
            let sum: u32 = PartialReason::ALL.iter().map(|&r| totals.get(r)).sum();
            prop_assert_eq!(sum, partial);
            prop_assert_eq!(totals.prefilter_clamp.is_none(), parity_g6, "fixed label set per mode");
            if !parity_g6 {
                for r in PartialReason::ALL {
                    let n = classes.iter().filter(|c| c.status == Some(ExpiryStatus::Partial) && c.reason == Some(r)).count();
                    prop_assert_eq!(totals.get(r), n as u32, "{:?}", r);
                }
            }
            let statuses: Vec<Option<ExpiryStatus>> = classes.iter().map(|c| c.status).collect();
            let of = |s: &Option<ExpiryStatus>| s.unwrap_or(ExpiryStatus::Empty);
            let expected = if statuses.iter().all(|s| of(s) == ExpiryStatus::Empty) {
                ExpiryStatus::Empty
            } else if statuses.iter().all(|s| matches!(of(s), ExpiryStatus::Ok | ExpiryStatus::Synth)) {
                ExpiryStatus::Ok
            } else {
                ExpiryStatus::Partial
            };
            let aggregate = aggregate_cycle_status(&statuses);
            prop_assert_eq!(aggregate, expected);
            let mut reversed = statuses.clone();
            reversed.reverse();
            prop_assert_eq!(aggregate_cycle_status(&reversed), aggregate);
        }
    }
}
