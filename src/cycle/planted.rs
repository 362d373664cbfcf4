//! Planted bugs: deliberately broken variants of the rules, compiled into unit tests only and switched on for
//! the calling thread, so a test can show that the property catalogue and `g6sim explore` find each breach a
//! property guards against (and shrink it to a small scenario).

use crate::vocab::closed_set;
use std::cell::Cell;

closed_set! {
    /// A broken variant of one rule.
    pub enum Bug {
        /// The cycle's status totals count a PARTIAL expiry as OK.
        PartialCountedAsOk,
        /// The cycle's partial-reason totals count `low_field` as `low_strike`.
        LowFieldCountedAsLowStrike,
        /// An OK expiry whose strike or field coverage is under 1 gets the reason `low_strike`.
        ReasonOnOk,
        /// Contraction steps down without stopping at the baseline.
        ContractionPastBaseline,
        /// Expansion grows past the cap.
        ExpansionPastCap,
        /// Contraction does not wait for a full healthy streak.
        ContractionWithoutStreak,
        /// Expansion fires only under half the trigger.
        TriggerHalved,
        /// The clamp keeps one instrument more than its maximum.
        ClampKeepsOneMore,
        /// The status ignores the field coverage.
        FieldCoverageIgnored,
        /// An expiry whose strike coverage is under the threshold is EMPTY.
        LowCoverageIsEmpty,
        /// Contraction stops one strike above the baseline.
        ContractionStopsAboveBaseline,
        /// A fault stays in force two cycles after its window.
        FaultOutlivesWindow,
        /// The default's strike-scaling restore skips its SLA projection (restores as parity g6 does).
        RestoreIgnoresProjection,
    }
}

thread_local! {
    static PLANTED: Cell<Option<Bug>> = const { Cell::new(None) };
}

/// Whether `bug` is planted on this thread.
#[must_use]
pub fn planted(bug: Bug) -> bool {
    PLANTED.with(|p| p.get() == Some(bug))
}

/// Runs `f` with `bug` planted on this thread (the rules on other threads stay correct).
pub fn with_bug<T>(bug: Bug, f: impl FnOnce() -> T) -> T {
    struct Unplant;
    impl Drop for Unplant {
        fn drop(&mut self) {
            PLANTED.with(|p| p.set(None));
        }
    }
    PLANTED.with(|p| p.set(Some(bug)));
    let _unplant = Unplant;
    f()
}
