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
            if s >= th.strike && f >= th.field {
                ExpiryStatus::Ok
            } else {
                ExpiryStatus::Partial
            }
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
