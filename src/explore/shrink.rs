//! Shrinking: a failing workload reduced to a small one that still fails, by greedy passes to a fixed point
//! (delta debugging's idea, in the order that removes the most first): end the run at the failing cycle, drop
//! fault phases, indices and expiry rules, move the faults earlier, shorten their windows, lower their
//! intensities, flatten the market and round the depths (a workload drawn around a scenario keeps its depths,
//! interval and start). Each pass keeps a candidate only when it still fails the same way; the same workload
//! and predicate always give the same result.

use super::generate::{Workload, WorkloadPhase, october};
use crate::config::Ratio;
use crate::fault::Parameter;

/// The most candidate runs one shrink tries: a bound on its time whatever the workload.
pub const MAX_ATTEMPTS: usize = 600;

/// What a shrink came to: the smallest failing workload found and how many candidates it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Shrunk {
    pub workload: Workload,
    /// The cycle the shrunk workload fails at.
    pub cycle: u64,
    pub attempts: usize,
}

/// Shrinks `workload`, which fails at `cycle` under `fails` (a run's first failing cycle of the property being
/// shrunk, `None` when it holds).
pub fn shrink(workload: Workload, cycle: u64, mut fails: impl FnMut(&Workload) -> Option<u64>) -> Shrunk {
    let mut best = Shrunk { workload, cycle, attempts: 0 };
    loop {
        let before = best.workload.clone();
        for pass in PASSES {
            pass(&mut best, &mut fails);
        }
        if best.workload == before || best.attempts >= MAX_ATTEMPTS {
            return best;
        }
    }
}

/// One pass: tries candidates built from the best workload so far, keeping each that still fails.
type Pass = fn(&mut Shrunk, &mut dyn FnMut(&Workload) -> Option<u64>);

const PASSES: [Pass; 8] =
    [end_at_failure, drop_phases, drop_indices, drop_rules, move_earlier, shorten_windows, soften, simplify];

/// Keeps `candidate` when it still fails (and the attempt budget allows a run).
fn attempt(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>, candidate: Workload) -> bool {
    if candidate == best.workload || best.attempts >= MAX_ATTEMPTS {
        return false;
    }
    best.attempts += 1;
    match fails(&candidate) {
        Some(cycle) => {
            best.workload = candidate;
            best.cycle = cycle;
            true
        }
        None => false,
    }
}

/// The workload cut to `cycles` cycles: windows clipped, phases beyond the end dropped.
fn truncated(w: &Workload, cycles: u64) -> Workload {
    let mut w = w.clone();
    w.cycles = cycles;
    w.phases.retain(|p| p.window.0 <= cycles);
    for p in &mut w.phases {
        p.window.1 = p.window.1.min(cycles);
    }
    w
}

/// The run ends at the failing cycle (a property broken there is broken whatever follows), then halves.
fn end_at_failure(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>) {
    let candidate = truncated(&best.workload, best.cycle.max(1));
    attempt(best, fails, candidate);
    while best.workload.cycles > 1 && attempt(best, fails, truncated(&best.workload, best.workload.cycles / 2)) {}
}

fn drop_phases(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>) {
    let mut k = 0;
    while k < best.workload.phases.len() {
        let mut candidate = best.workload.clone();
        candidate.phases.remove(k);
        if !attempt(best, fails, candidate) {
            k += 1;
        }
    }
}

/// Drops an index and the phases narrowed to it.
fn drop_indices(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>) {
    let mut k = 0;
    while best.workload.indices.len() > 1 && k < best.workload.indices.len() {
        let mut candidate = best.workload.clone();
        let gone = candidate.indices.remove(k).symbol;
        candidate.phases.retain(|p| p.index.as_ref() != Some(&gone));
        if !attempt(best, fails, candidate) {
            k += 1;
        }
    }
}

/// Drops an expiry rule of an index (keeping one) and the phases narrowed to it.
fn drop_rules(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>) {
    for i in 0..best.workload.indices.len() {
        let mut k = 0;
        while best.workload.indices[i].rules.len() > 1 && k < best.workload.indices[i].rules.len() {
            let mut candidate = best.workload.clone();
            let index = &mut candidate.indices[i];
            let gone = index.rules.remove(k);
            let symbol = index.symbol.clone();
            candidate.phases.retain(|p| !(p.index.as_ref() == Some(&symbol) && p.rule == Some(gone)));
            if !attempt(best, fails, candidate) {
                k += 1;
            }
        }
    }
}

/// Moves every fault window earlier by the first one's distance from cycle 1, then by halves of it, so the
/// run can end sooner.
fn move_earlier(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>) {
    let room = |w: &Workload| w.phases.iter().map(|p| p.window.0 - 1).min().unwrap_or(0);
    let mut shift = room(&best.workload);
    while shift > 0 {
        shift = shift.min(room(&best.workload));
        if shift == 0 {
            break;
        }
        let mut candidate = best.workload.clone();
        for p in &mut candidate.phases {
            p.window = (p.window.0 - shift, p.window.1 - shift);
        }
        if !attempt(best, fails, candidate) {
            shift /= 2;
        }
    }
}

/// Shortens each window: to its first cycle alone, else by halves from its end.
fn shorten_windows(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>) {
    for k in 0..best.workload.phases.len() {
        let with_last = |w: &Workload, last: u64| {
            let mut w = w.clone();
            w.phases[k].window.1 = last;
            w
        };
        let first = best.workload.phases[k].window.0;
        if attempt(best, fails, with_last(&best.workload, first)) {
            continue;
        }
        loop {
            let (first, last) = best.workload.phases[k].window;
            let shorter = first + (last - first) / 2;
            if shorter == last || !attempt(best, fails, with_last(&best.workload, shorter)) {
                break;
            }
        }
    }
}

/// Lowers each fault's intensity: a ratio to a tenth (then rounded to tenths), rows to one (then halved).
fn soften(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>) {
    for k in 0..best.workload.phases.len() {
        let with = |w: &Workload, phase: &WorkloadPhase, ratio: f64, rows: u32| {
            let mut w = w.clone();
            let ratio = Ratio::new(ratio).expect("a ratio in [0, 1]");
            w.phases[k].fault = phase.fault.kind().with(ratio, rows);
            w
        };
        let phase = best.workload.phases[k].clone();
        // Only ever lower, so the passes reach a fixed point.
        let candidates: Vec<(f64, u32)> = match phase.fault.parameter() {
            Parameter::Switch => Vec::new(),
            Parameter::Ratio(r) => {
                let r = r.get();
                [0.1, (r * 10.0).floor() / 10.0].into_iter().filter(|&x| x >= 0.05 && x < r).map(|x| (x, 1)).collect()
            }
            Parameter::Rows(n, _) => {
                [1, n / 2, n / 10 * 10].into_iter().filter(|&x| x >= 1 && x < n).map(|x| (0.1, x)).collect()
            }
        };
        for (ratio, rows) in candidates {
            let candidate = with(&best.workload, &phase, ratio, rows);
            if attempt(best, fails, candidate) {
                break;
            }
        }
    }
}

/// Rounder settings: a flat market, no drawn strike scaling, the default costs; for a workload drawn whole,
/// also the first interval and day, equal depths of round sizes and no separate baseline (a workload drawn
/// around a scenario keeps the scenario's).
fn simplify(best: &mut Shrunk, fails: &mut dyn FnMut(&Workload) -> Option<u64>) {
    let mut candidate = best.workload.clone();
    (candidate.volatility_per_cycle, candidate.drift_per_cycle) = (0.0, 0.0);
    attempt(best, fails, candidate);
    let mut candidate = best.workload.clone();
    candidate.scaling = None;
    attempt(best, fails, candidate);
    let mut candidate = best.workload.clone();
    candidate.cycle_time = None;
    attempt(best, fails, candidate);
    if best.workload.kept.is_some() {
        return;
    }
    let mut candidate = best.workload.clone();
    (candidate.interval_s, candidate.start) = (60, october(6));
    attempt(best, fails, candidate);
    for i in 0..best.workload.indices.len() {
        let mut candidate = best.workload.clone();
        candidate.indices[i].baseline = None;
        attempt(best, fails, candidate);
        let (itm, otm) = best.workload.indices[i].depth;
        // Only ever lower on both sides, so the passes reach a fixed point.
        for depth in [2, 5, 10, 20, itm.min(otm)] {
            let mut candidate = best.workload.clone();
            let index = &mut candidate.indices[i];
            index.depth = (depth, depth);
            if depth > itm || depth > otm || index.baseline.is_some_and(|(bi, bo)| bi > depth || bo > depth) {
                continue;
            }
            if attempt(best, fails, candidate) {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::generate::workload;

    /// A predicate that fails while a fault phase of cycle >= 5 remains and the run lasts 5 cycles: the shrink
    /// ends with one phase, one index, one rule, 5 cycles, a one-cycle window, a flat market; deterministic.
    #[test]
    fn shrinks_to_what_the_failure_needs() {
        let seed = (0..200).find(|&s| workload(s).phases.len() >= 3 && workload(s).indices.len() >= 3).unwrap();
        let w = workload(seed);
        let fails = |w: &Workload| {
            (w.cycles >= 5 && w.phases.iter().any(|p| p.window.1 >= 5)).then(|| w.cycles.min(w.phases[0].window.1))
        };
        let a = shrink(w.clone(), w.cycles, fails);
        assert_eq!(a, shrink(w.clone(), w.cycles, fails));
        let s = a.workload.size();
        // The window cannot move later, nor end before cycle 5.
        assert_eq!((s.indices, s.expiries, s.faults, s.cycles), (1, 1, 1, 5), "{a:?}");
        assert!(a.workload.phases[0].window.1 == 5 && s.fault_cycles <= 5, "{a:?}");
        assert_eq!((a.workload.volatility_per_cycle, a.workload.drift_per_cycle), (0.0, 0.0));
        assert!(a.attempts < 100, "{}", a.attempts);
        let text = a.workload.to_ron(&Default::default());
        crate::scenario::parse("shrunk.ron", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    }

    /// However stubborn the predicate, a shrink stops after [`MAX_ATTEMPTS`] runs.
    #[test]
    fn a_shrink_is_bounded() {
        let w = workload(3);
        let mut runs = 0;
        let a = shrink(w, 5, |w| {
            runs += 1;
            Some(w.cycles)
        });
        assert!(runs <= MAX_ATTEMPTS && a.attempts == runs, "{runs}");
    }
}
