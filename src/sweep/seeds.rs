//! Seed sweeps: one scenario run once per seed (the scenario's own seed replaced), each run reduced to a
//! small [`SeedOutcome`], in the order the seeds were given. `g6sim check --seeds` and `g6sim run --seeds`
//! print these; the reproduction command of a failing seed is built here too, so every front end words it
//! the same way.

use super::spec::{SpecError, parse_seeds};
use crate::events::StatusTotals;
use crate::run::{CycleView, Error, Prepared, RunOptions, Streamed, path_word, prepare, shell_quote};
use crate::scenario::{ExpectationOutcome, LoadedScenario, Verdict};

/// Failing seeds listed in a summary before `... and K more`.
pub(crate) const LISTED_SEEDS: usize = 20;
/// Reproduction commands printed per scenario.
pub(crate) const REPRODUCTIONS: usize = 5;

/// The seeds of `--seeds`, parsed (see [`parse_seeds`]): a type of its own, so a command line can take it as one
/// value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedList(pub Vec<u64>);

impl SeedList {
    /// Parses `--seeds SPEC`; the error says what was wrong with SPEC (without repeating it).
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        parse_seeds(text).map(SeedList).map_err(|e| {
            let prefix = format!("--seeds {}: ", text.trim());
            SpecError(e.0.strip_prefix(&prefix).map(str::to_string).unwrap_or(e.0))
        })
    }
}

/// What one seed's run came to.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedOutcome {
    pub seed: u64,
    pub cycles: u64,
    /// Expiry statuses summed over the run's cycles.
    pub totals: StatusTotals,
    /// `strike_depth_adjustment` events.
    pub depth_adjustments: usize,
    /// How many expectations the scenario has.
    pub expectations: usize,
    /// The expectations that failed, in the scenario's order.
    pub failures: Vec<ExpectationOutcome>,
}

impl SeedOutcome {
    /// Every expectation held (vacuously so when there is none).
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The verdict of this seed's run (`EMPTY` when the scenario has no expectations).
    pub fn verdict(&self) -> Verdict {
        Verdict::of_counts(self.expectations, self.failures.len())
    }

    /// `expiries 10 OK, 0 PARTIAL, 0 EMPTY, 0 SYNTH; depth adjustments 0; expectations 1/1 passed`.
    pub fn describe(&self) -> String {
        let t = &self.totals;
        format!(
            "expiries {} OK, {} PARTIAL, {} EMPTY, {} SYNTH; depth adjustments {}; expectations {}/{} passed",
            t.ok,
            t.partial,
            t.empty,
            t.synth,
            self.depth_adjustments,
            self.expectations - self.failures.len(),
            self.expectations
        )
    }

    /// The first expectation (in the scenario's order) that failed.
    pub fn first_failure(&self) -> Option<&ExpectationOutcome> {
        self.failures.first()
    }
}

/// Prepares `loaded` with `options` (its seed ignored) and runs it once per seed, in the order given.
pub fn run_seeds(loaded: &LoadedScenario, options: &RunOptions, seeds: &[u64]) -> Result<Vec<SeedOutcome>, Error> {
    let prepared = prepare(loaded, &RunOptions { seed: None, ..options.clone() })?;
    seeds.iter().map(|&seed| run_seed(&prepared, seed, |_| {}).map(|(_, outcome)| outcome)).collect()
}

/// Runs a prepared scenario under `seed` (its own seed replaced), streamed: `observe` sees every cycle (to
/// write or draw it) and nothing of a cycle is kept; the run comes back with its outcome.
pub fn run_seed(
    prepared: &Prepared,
    seed: u64,
    mut observe: impl FnMut(&CycleView),
) -> Result<(Streamed, SeedOutcome), Error> {
    let (mut totals, mut depth_adjustments) = (StatusTotals::default(), 0);
    let streamed = Prepared { seed, ..prepared.clone() }.stream(|view| {
        totals.merge(&view.summary.expiry_status_totals);
        depth_adjustments += view.events.iter().filter(|e| e.event.name() == "strike_depth_adjustment").count();
        observe(view);
    })?;
    let outcome = SeedOutcome {
        seed,
        cycles: streamed.prepared.cycles,
        totals,
        depth_adjustments,
        expectations: streamed.outcomes.len(),
        failures: streamed.outcomes.iter().filter(|o| !o.passed).cloned().collect(),
    };
    Ok((streamed, outcome))
}

/// `seeds P/N passed`, then `; failing seeds: 3, 17, 40` (at most [`LISTED_SEEDS`], then `... and K more`).
/// A scenario without expectations says so instead: `8 seeds run, no expectations`.
pub fn summary(outcomes: &[SeedOutcome]) -> String {
    if Verdict::all(outcomes.iter().map(SeedOutcome::verdict)) == Verdict::Empty {
        let seeds = if outcomes.len() == 1 { "seed" } else { "seeds" };
        return format!("{} {seeds} run, no expectations", outcomes.len());
    }
    let failing = failing_seeds(outcomes);
    let mut text = format!("seeds {}/{} passed", outcomes.len() - failing.len(), outcomes.len());
    if !failing.is_empty() {
        text.push_str(&format!("; failing seeds: {}", list_seeds(&failing, LISTED_SEEDS)));
    }
    text
}

/// The reproduction lines of the first `REPRODUCTIONS` failing seeds, then `... and K more failing seeds`
/// when there are more.
pub fn reproductions(file: &str, outcomes: &[SeedOutcome], args: &[String]) -> Vec<String> {
    let failing: Vec<&SeedOutcome> = outcomes.iter().filter(|o| !o.passed()).collect();
    let mut lines: Vec<String> = failing.iter().take(REPRODUCTIONS).map(|o| reproduction_line(file, o, args)).collect();
    if failing.len() > REPRODUCTIONS {
        lines.push(format!("... and {} more failing seeds", failing.len() - REPRODUCTIONS));
    }
    lines
}

/// The seeds whose run failed, in the order run.
pub(crate) fn failing_seeds(outcomes: &[SeedOutcome]) -> Vec<u64> {
    outcomes.iter().filter(|o| !o.passed()).map(|o| o.seed).collect()
}

/// At most `max` seeds, comma-separated, then `... and K more`.
pub(crate) fn list_seeds(seeds: &[u64], max: usize) -> String {
    let shown: Vec<String> = seeds.iter().take(max).map(u64::to_string).collect();
    let mut text = shown.join(", ");
    if seeds.len() > max {
        text.push_str(&format!(" ... and {} more", seeds.len() - max));
    }
    text
}

/// The command that reruns one seed: `g6sim run FILE --seed N` and `args` (the overrides the sweep was given),
/// each word quoted for the shell.
pub fn reproduction(file: &str, seed: u64, args: &[String]) -> String {
    run_command(file, Some(seed), args)
}

/// The command that reruns a scenario: `g6sim run FILE`, `--seed N` when a seed replaces the scenario's own,
/// then `args` (the overrides the run was given), each word quoted for the shell.
pub fn run_command(file: &str, seed: Option<u64>, args: &[String]) -> String {
    let mut words = vec!["g6sim".to_string(), "run".to_string(), path_word(file)];
    if let Some(seed) = seed {
        words.extend(["--seed".to_string(), seed.to_string()]);
    }
    words.extend(args.iter().map(|a| shell_quote(a)));
    words.join(" ")
}

/// The command that replays a history again: `g6sim replay FILE` and the overrides of `args` a replay takes
/// (`--set`, `--parity`, `--no-env`; a replay refuses `--universe` and `--greeks`), each word quoted for the
/// shell.
pub fn replay_command(file: &str, args: &[String]) -> String {
    let mut words = vec!["g6sim".to_string(), "replay".to_string(), path_word(file)];
    let mut rest = args.iter();
    while let Some(word) = rest.next() {
        match word.as_str() {
            "--universe" => {
                rest.next();
            }
            "--greeks" => {}
            _ => words.push(shell_quote(word)),
        }
    }
    words.join(" ")
}

/// One failing seed's line: the reproduction command, then `# first failure: <expectation>; <detail>`.
pub(crate) fn reproduction_line(file: &str, outcome: &SeedOutcome, args: &[String]) -> String {
    let command = reproduction(file, outcome.seed, args);
    match outcome.first_failure() {
        Some(f) => format!("{command}  # first failure: {}; {}", f.expectation, f.detail),
        None => command,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse;

    fn loaded(text: &str) -> LoadedScenario {
        LoadedScenario::inline(parse("t.ron", text).unwrap(), "t.ron")
    }

    #[test]
    fn each_seed_replaces_the_scenarios_in_the_order_given() {
        let s = loaded(
            r#"Scenario(name: "t", seed: 9, start: "2025-10-06T09:15:00+05:30", cycles: 2,
                indices: [(symbol: "NIFTY", expiries: ["this_week"])],
                expectations: [Always(Status(index: "NIFTY", is: OK)), Always(Depth(index: "NIFTY", is: Eq(3)))])"#,
        );
        let options = RunOptions { seed: Some(100), ..RunOptions::default() };
        let outcomes = run_seeds(&s, &options, &[5, 2, 7]).unwrap();
        assert_eq!(outcomes.iter().map(|o| o.seed).collect::<Vec<_>>(), [5, 2, 7]);
        for o in &outcomes {
            assert_eq!((o.cycles, o.expectations, o.totals.ok, o.depth_adjustments), (2, 2, 2, 0));
            assert!(!o.passed());
            assert!(o.first_failure().unwrap().expectation.contains("depth"), "{:?}", o.failures);
        }
        assert_eq!(failing_seeds(&outcomes), [5, 2, 7]);
    }

    #[test]
    fn lists_are_capped_and_words_quoted() {
        assert_eq!(list_seeds(&[3, 17, 40], 20), "3, 17, 40");
        assert_eq!(list_seeds(&[1, 2, 3, 4], 2), "1, 2 ... and 2 more");
        assert_eq!(shell_quote("scenarios/a.ron"), "scenarios/a.ron");
        assert_eq!(shell_quote("my dir/a.ron"), "'my dir/a.ron'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        let args = ["--set".to_string(), "benchmark_dump=a b".to_string(), "--no-env".to_string()];
        assert_eq!(reproduction("x.ron", 4, &args), "g6sim run x.ron --seed 4 --set 'benchmark_dump=a b' --no-env");
        assert_eq!(run_command("my x.ron", None, &args[2..]), "g6sim run 'my x.ron' --no-env");
        assert_eq!(run_command("-x.ron", Some(2), &[]), "g6sim run ./-x.ron --seed 2");
        let words = ["--universe", "d.csv", "--set", "a=1", "--greeks", "--parity", "g6"].map(String::from);
        assert_eq!(replay_command("h.jsonl", &words), "g6sim replay h.jsonl --set a=1 --parity g6");
        assert_eq!(SeedList::parse("3").unwrap(), SeedList(vec![1, 2, 3]));
        assert_eq!(SeedList::parse("4,4").unwrap_err().0, "seed 4 is listed twice");
    }
}
