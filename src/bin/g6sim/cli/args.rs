//! The command line's words: every subcommand, flag and help text (clap).

use clap::{Parser, Subcommand};
use g6sim::RunOptions;
use g6sim::config::{Parity, g6_env};
use g6sim::replay::HistoryOptions;
use g6sim::sweep::SeedList;
use g6sim::sweep::{self, Param, Shard, parse_param};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Deterministic simulation of the G6 options-chain collector pipeline.
#[derive(Parser)]
#[command(name = "g6sim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// What every command that runs takes: `run`, `check`, `sweep`, and `replay` (which words `--set`, `--parity`
// and `--no-env` its own way and hides `--greeks` and `--universe`, to refuse them with why).
#[derive(clap::Args, Clone, Default)]
pub struct Overrides {
    /// Override a configuration key (repeatable): strike_coverage_ok=0.8, strike_step.NIFTY=75, ...
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Behaviour mode: `g6` reproduces the reference's quirks, `off` fixes them [default: the scenario's
    /// `parity`, else off].
    #[arg(long, value_name = "MODE", value_parser = Parity::parse)]
    pub parity: Option<Parity>,
    /// Solve implied volatilities and compute Greeks (same as --set compute_greeks=true).
    #[arg(long)]
    pub greeks: bool,
    /// Ignore every G6_* environment variable (use in CI, so a variable left in the runner's environment
    /// cannot change a verdict).
    #[arg(long)]
    pub no_env: bool,
    /// Take the universe from this Kite instruments dump (CSV, plain or gzipped) instead of the scenario's
    /// `universe` or the synthetic provider. Read once, whatever the number of runs.
    #[arg(long, value_name = "FILE")]
    pub universe: Option<PathBuf>,
}

impl Overrides {
    /// The `G6_*` variables to apply: none with `--no-env`.
    pub fn env(&self) -> BTreeMap<String, String> {
        if self.no_env { BTreeMap::new() } else { g6_env() }
    }

    /// The run options these overrides give, the `--universe` dump read here (once); the error is bad input.
    pub fn options(&self) -> Result<RunOptions, String> {
        let universe = self.universe.as_deref().map(g6sim::load_universe).transpose().map_err(|e| e.to_string())?;
        Ok(RunOptions { parity: self.parity, sets: self.sets(), env: self.env(), universe, ..RunOptions::default() })
    }

    /// These overrides as command-line words, for a reproduction command.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(path) = &self.universe {
            args.extend(["--universe".to_string(), path.display().to_string()]);
        }
        for set in &self.sets {
            args.extend(["--set".to_string(), set.clone()]);
        }
        if let Some(parity) = self.parity {
            args.extend(["--parity".to_string(), if parity.is_g6() { "g6" } else { "off" }.to_string()]);
        }
        args.extend(self.greeks.then(|| "--greeks".to_string()));
        args.extend(self.no_env.then(|| "--no-env".to_string()));
        args
    }

    /// The `--set` pairs, with the shorthand flags last (they win).
    pub fn sets(&self) -> Vec<String> {
        let mut sets = self.sets.clone();
        if self.greeks {
            sets.push("compute_greeks=true".into());
        }
        sets
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Run one scenario, print a per-cycle table and a summary, write the run's outputs.
    ///
    /// Exit code: 0 when every expectation holds, 1 when one fails or the scenario has none (EMPTY), 2 for bad
    /// input.
    #[command(allow_negative_numbers = true)]
    Run {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// Output directory [default: out/<scenario name>; with --seeds, out/<scenario name>-seeds].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed (overrides the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Run once per seed instead: a count N (seeds 1..N), a range a..b[:step] (inclusive) or a list a,b,c.
        /// Prints one summary line per seed and a reproduction command for each failing one; writes each seed's
        /// run into OUT/seed-N/ (with --plots, its charts into OUT/seed-N/plots/).
        #[arg(long, value_name = "SPEC", value_parser = SeedList::parse, conflicts_with_all = ["seed", "serve_metrics", "canary"])]
        seeds: Option<SeedList>,
        /// Number of cycles (overrides the scenario's).
        #[arg(long)]
        cycles: Option<u64>,
        #[command(flatten)]
        overrides: Overrides,
        /// Print only the summary, not the per-cycle table.
        #[arg(long, short)]
        quiet: bool,
        /// Serve the live metrics at http://ADDR/metrics during the run (for example 127.0.0.1:9108; port 0
        /// picks a free one, printed at start).
        #[arg(long, value_name = "ADDR")]
        serve_metrics: Option<String>,
        /// With --serve-metrics: keep serving after the run until interrupted (Ctrl-C, SIGTERM or SIGHUP), then print
        /// the verdict again and exit with the run's exit code.
        #[arg(long, requires = "serve_metrics")]
        hold: bool,
        /// Also draw the run's charts into OUT/plots/ (PNG and SVG).
        #[arg(long)]
        plots: bool,
        /// Also write OUT/report.html (with --seeds, OUT/seed-N/report.html): one self-contained page of the run
        /// (verdict, configuration, totals, charts, cycles), as `g6sim report OUT` writes it.
        #[arg(long)]
        report: bool,
        /// Write into a non-empty --out that holds no g6sim run (only g6sim's own files are replaced).
        #[arg(long)]
        force: bool,
        /// Instead: run twice (the simulation's entities created in opposite orders), report the first difference, write
        /// nothing. Exit code: 0 identical, 1 they differ, 2 bad input.
        #[arg(long = "check-determinism", conflicts_with_all = ["out", "plots", "report", "serve_metrics"])]
        canary: bool,
    },
    /// Replay a recorded history (JSONL, CSV, or a directory of the collector's per-cycle benchmark artifacts)
    /// through the status, partial-reason and adaptive steps; compare the replay with the history's recorded
    /// statuses and depths.
    ///
    /// Exit code: 0 when the replay reproduces every recorded status and depth (or none is recorded), 1 when
    /// one differs, 2 for bad input.
    #[command(allow_negative_numbers = true)]
    // `run`'s overrides, worded for a replay; `--greeks` and `--universe` hidden, to be refused with why.
    #[command(mut_arg("sets", |a| a.help(
        "Override a configuration key (repeatable): strike_coverage_ok=0.8, contract_ok_cycles=3, ..."
    )))]
    #[command(mut_arg("parity", |a| a.help(
        "Behaviour mode: `g6` reproduces the reference's quirks, `off` fixes them [default: off]"
    )))]
    #[command(mut_arg("no_env", |a| a.help("Ignore every G6_* environment variable")))]
    #[command(mut_arg("greeks", |a| a.hide(true)), mut_arg("universe", |a| a.hide(true)))]
    Replay {
        /// The history: a .jsonl or .csv file (plain or gzipped), or a directory of benchmark artifacts
        /// (benchmark_cycle_*.json[.gz]).
        history: PathBuf,
        /// Output directory [default: out/replay-<history name>].
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        overrides: Overrides,
        /// Starting strikes per side of indices whose history records no depth (repeatable): N for every
        /// index, SYMBOL=N for one [default: 10].
        #[arg(long, value_name = "N|SYMBOL=N", value_parser = parse_depth)]
        depth: Vec<String>,
        /// Print only the summary and the comparison, not the per-cycle table.
        #[arg(long, short)]
        quiet: bool,
        /// Also draw the replay's charts into OUT/plots/ (PNG and SVG).
        #[arg(long)]
        plots: bool,
        /// Also write OUT/report.html: one self-contained page of the replay, as `g6sim report OUT` writes it.
        #[arg(long)]
        report: bool,
        /// Write into a non-empty --out that holds no g6sim run (only g6sim's own files are replaced).
        #[arg(long)]
        force: bool,
        /// Instead: replay twice (the simulation's entities created in opposite orders), report the first difference,
        /// write nothing. Exit code: 0 identical, 1 they differ, 2 bad input.
        #[arg(long = "check-determinism", conflicts_with_all = ["out", "plots", "report", "force"])]
        canary: bool,
        /// `run`'s options that a replay has no use for: accepted only to be refused with why.
        #[command(flatten)]
        refused: ReplayRefused,
    },
    /// Draw the charts of an existing run directory into RUN_DIR/plots/ (PNG and SVG).
    ///
    /// Exit code: 0, 2 for bad input.
    Plot {
        /// A directory `g6sim run` wrote (cycles.jsonl, events.jsonl, manifest.json).
        run_dir: PathBuf,
    },
    /// Write one self-contained HTML page of a run, sweep or exploration directory: the verdict, what ran and
    /// how, the results and the charts (inline SVG), for a CI job to publish or a browser to open offline.
    ///
    /// Exit code: 0, 2 for bad input.
    Report {
        /// A directory g6sim run, replay, sweep (whole or merged) or explore wrote.
        dir: PathBuf,
        /// The page to write [default: DIR/report.html].
        #[arg(long, value_name = "FILE.html")]
        out: Option<PathBuf>,
    },
    /// Tools for benchmark artifacts, the per-cycle JSON files a run writes with --set benchmark_dump=DIR (as
    /// the collector does with G6_BENCHMARK_DUMP): diff, verify, aggregate.
    Bench {
        #[command(subcommand)]
        tool: BenchTool,
    },
    /// Tune: run a scenario over a grid of settings x seeds, score every run, rank the settings.
    ///
    /// Exit code: 0, 2 for bad input (every key and value is checked before anything runs).
    Sweep(Box<SweepArgs>),
    /// Generate a scenario per seed, run each against the property catalogue under your configuration, and
    /// shrink every property broken to a small scenario file that `g6sim run` fails on.
    ///
    /// Each seed draws indices, expiry rules, depths, a market and a random subset of every fault kind. The
    /// configuration under test is the defaults overridden by the G6_* environment and --set. With --from
    /// SCENARIO, each seed keeps the scenario's indices and settings and draws only the market and the faults;
    /// the configuration under test is then the scenario's, overridden the same way.
    ///
    /// Exit code: 0 when every property held in every run, 1 when one broke, 2 for bad input, 130 when
    /// interrupted (after writing the report of the seeds explored).
    Explore(Box<ExploreArgs>),
    /// Run every scenario and print a pass/fail table: the deterministic CI test of the collector.
    ///
    /// Each scenario is PASS (every expectation holds), FAIL (one fails), EMPTY (it has no expectations:
    /// nothing was checked) or ERROR (it cannot be loaded). A recorded history named here (a .jsonl or .csv
    /// file, plain or gzipped) is replayed instead and passes when the replay reproduces every recorded status
    /// and depth.
    ///
    /// Exit code: 0 when all pass, 1 when one fails or is EMPTY, 2 when one cannot be loaded.
    #[command(allow_negative_numbers = true)]
    Check {
        /// Scenario files, directories (their *.ron files) and history files [default: scenarios/ and, when
        /// present, scenarios/regressions/].
        paths: Vec<PathBuf>,
        /// Also draw each scenario's charts into DIR/<scenario name>/ (with --seeds, DIR/<scenario name>/seed-N/).
        /// Two scenarios whose names give one directory (the same name, or names differing only in
        /// characters other than letters, digits, `-`, `_` and `.`, which become `_`) are refused before
        /// anything runs.
        #[arg(long, value_name = "DIR")]
        plots: Option<PathBuf>,
        #[command(flatten)]
        overrides: Overrides,
        /// Run every scenario once per seed (replacing its own): a count N (seeds 1..N), a range a..b[:step]
        /// (inclusive) or a list a,b,c. A scenario passes when every seed passes; each failing seed gets a
        /// reproduction command.
        #[arg(long, value_name = "SPEC", value_parser = SeedList::parse)]
        seeds: Option<SeedList>,
        /// Also write a JUnit XML report into FILE, for CI test widgets: one test case per file (per file and
        /// seed with --seeds); FAIL a failure, EMPTY and ERROR errors; each failure's message the first failed
        /// expectation, its body the command that reproduces it. Written even when nothing could run.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Write a synthetic universe as a Kite instruments dump, the file `--universe FILE` and a scenario's
    /// `universe` read.
    ///
    /// Exit code: 0, 2 for bad input or an unwritable file.
    #[command(allow_negative_numbers = true)]
    Universe {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        /// The day whose listed expiries are written [default: 2025-09-29].
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = |t: &str| g6sim::universe::parse_iso_date(t).ok_or("expected a calendar date, YYYY-MM-DD"))]
        date: Option<chrono::NaiveDate>,
        /// Registry indices, comma-separated [default: all five].
        #[arg(long, value_delimiter = ',', value_name = "SYM,...")]
        indices: Vec<String>,
        /// Strikes on each side of the synthetic ATM, per expiry (at most 5,000, a scenario's limit).
        #[arg(long, value_name = "N", default_value_t = 40, value_parser = clap::value_parser!(u32).range(..=i64::from(g6sim::scenario::MAX_STRIKES_PER_SIDE)))]
        strikes_per_side: u32,
        /// Weekly expiries listed (at most 1,000, a scenario's limit).
        #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(..=i64::from(g6sim::scenario::MAX_LISTED)))]
        weeks: u32,
        /// Monthly expiries listed (at most 1,000).
        #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(..=i64::from(g6sim::scenario::MAX_LISTED)))]
        months: u32,
        /// Gzip the file.
        #[arg(long)]
        gzip: bool,
    },
}

/// How a sweep searches beyond running every setting on every seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Search {
    /// Successive halving over seeds.
    Halving,
}

/// `g6sim sweep`: the grid, where it runs, and the shared options; or `sweep merge`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true, allow_negative_numbers = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub tool: Option<SweepTool>,
    /// The scenario files (RON), histories to replay (.jsonl or .csv files, plain or gzipped, or directories of
    /// benchmark artifacts), or directories of either: every setting is scored on each (a suite).
    #[arg(required_unless_present = "explore", value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,
    /// Add the generated workloads of seeds 1 to N (as `g6sim explore` draws them, judged by its property
    /// catalogue) to the suite.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=sweep::MAX_GENERATED))]
    pub explore: Option<u64>,
    /// Draw N settings from the --param ranges instead of running the full grid: a Sobol sample (sobol:N) or
    /// a Latin hypercube (lhs:N). Lists are categories, integer and stepped ranges their values, a float range
    /// without a step (0.6..0.9) continuous.
    #[arg(long, value_name = "sobol:N|lhs:N", conflicts_with = "importance")]
    pub sample: Option<String>,
    /// How much of every score's variance each swept key explains: a Saltelli design of N rows
    /// (N x (keys + 2) settings) drawn from the --param ranges, and its Sobol first-order and total indices.
    #[arg(long, value_name = "N", value_parser = sweep::parse_importance)]
    pub importance: Option<usize>,
    /// Successive halving over seeds: every setting starts on a few seeds, the best of each rung (--keep)
    /// continue on more, until the last rung's run every seed; only those may be recommended.
    #[arg(long, value_name = "halving", value_enum)]
    pub search: Option<Search>,
    /// The share of a halving's rung that continues to the next, on that many times the seeds [default: 1/3].
    #[arg(long, value_name = "1/k", requires = "search", value_parser = |t: &str| sweep::parse_keep(t).map_err(|e| e.to_string()))]
    pub keep: Option<usize>,
    /// Run one rung of a halving, as a shard: the next after the rungs merged into DIR (`sweep merge` of the
    /// rung before); without it, --shard runs the first rung.
    #[arg(long, value_name = "DIR", requires = "search")]
    pub after: Option<PathBuf>,
    /// The seed of --sample's or --importance's design [default: 1].
    #[arg(long, value_name = "SEED")]
    pub design_seed: Option<u64>,
    /// A constraint every recommended setting meets (repeatable): SCORE OP NUMBER, SCORE a results.csv column
    /// (flips_per_10_worst, pass_share, member_pass_share, ...; a statistic's bare name is its _mean), OP one of
    /// <=, >=, <, >, ==. The front is drawn from the settings that meet them all.
    #[arg(long, value_name = "EXPR")]
    pub require: Vec<String>,
    /// The score the recommendation minimizes first (a results.csv column of a score better lower)
    /// [default: mean_depth_mean].
    #[arg(long, value_name = "SCORE")]
    pub minimize: Option<String>,
    /// How a setting's scores on the suite's members combine into the scores it is ranked by: each figure's
    /// mean over the members, or the worst member's.
    #[arg(long, value_name = "mean|worst", default_value = "mean", value_parser = sweep::Aggregate::parse)]
    pub aggregate: sweep::Aggregate,
    /// A configuration key and its values (repeatable): contract_ok_cycles=2..10, contract_cooldown=0,1,3,5,
    /// strike_coverage_ok=0.6..0.9:0.05 (ranges inclusive).
    #[arg(long = "param", value_name = "KEY=VALUES", required = true, value_parser = |t: &str| parse_param(t).map_err(|e| e.to_string()))]
    pub params: Vec<Param>,
    /// Seeds of every setting: a count N (seeds 1..N), a range a..b[:step] or a list a,b,c [default: 8; on a
    /// history 1: a replay draws no random numbers].
    #[arg(long, value_name = "SPEC", value_parser = SeedList::parse)]
    pub seeds: Option<SeedList>,
    /// On a history: starting strikes per side of indices whose history records no depth (repeatable): N
    /// for every index, SYMBOL=N for one [default: 10].
    #[arg(long, value_name = "N|SYMBOL=N", value_parser = parse_depth)]
    pub depth: Vec<String>,
    /// Cycles of every run (overrides the scenario's; on a history, at most the recorded ones).
    #[arg(long)]
    pub cycles: Option<u64>,
    /// Output directory [default: out/sweep-<scenario name>, or out/sweep-suite for several].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads, 1 to 1024 [default: one per core]. A sweep starts at most one per run and 2 per
    /// core, whatever is asked. The results are the same bytes whatever the count.
    #[arg(long, value_name = "N", value_parser = sweep::parse_threads)]
    pub jobs: Option<usize>,
    /// Run only shard I of N (counted from 0) of the (setting, member, seed) runs; merge the shards with
    /// `sweep merge`.
    #[arg(long, value_name = "I/N", value_parser = Shard::parse, conflicts_with = "shards")]
    pub shard: Option<Shard>,
    /// The number of shards, the index taken from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "N")]
    pub shards: Option<usize>,
    /// Run every job as a full simulation instead of on the lean scoring path (which runs only what the scores
    /// read): slower, the same scores and files.
    #[arg(long)]
    pub full: bool,
    /// Write into --out even if it is a non-empty directory that holds no g6sim sweep.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub overrides: Overrides,
}

/// `g6sim explore`, or `explore merge`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true, allow_negative_numbers = true)]
pub struct ExploreArgs {
    #[command(subcommand)]
    pub tool: Option<ExploreTool>,
    /// Explore around this scenario file (RON): every seed keeps its indices, expiry rules, depths, spots,
    /// start, interval, cycles, pricing and provider, and draws a market walk and a random subset of every
    /// fault kind. Its config and parity are the configuration under test, the environment, --set and --parity
    /// over them as `g6sim run` applies them. A recorded history, or a scenario over an instruments dump
    /// (`universe`), is refused.
    #[arg(long, value_name = "SCENARIO")]
    pub from: Option<PathBuf>,
    /// Seeds, one generated scenario each: a count N (seeds 1..N), a range a..b[:step] (inclusive) or a list
    /// a,b,c [default: 100].
    #[arg(long, value_name = "SPEC", value_parser = SeedList::parse, conflicts_with = "budget")]
    pub seeds: Option<SeedList>,
    /// Explore seeds 1, 2, 3, ... until this much time has passed (90s, 5m, 1h): explore.json names the seeds
    /// explored, and --seeds with them gives the same files. On a terminal, a spinner on standard error shows the
    /// seeds explored and the time spent.
    #[arg(long, value_name = "TIME", value_parser = parse_budget)]
    pub budget: Option<std::time::Duration>,
    /// Override a configuration key of the configuration under test (repeatable): contract_ok_cycles=2, ...
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Behaviour mode: `g6` reproduces the reference's quirks, `off` fixes them [default: the --from scenario's
    /// `parity`, else off].
    #[arg(long, value_name = "MODE", value_parser = Parity::parse)]
    pub parity: Option<Parity>,
    /// Ignore every G6_* environment variable.
    #[arg(long)]
    pub no_env: bool,
    /// Worker threads, 1 to 1024 [default: one per core]. The files are the same bytes whatever the count.
    #[arg(long, value_name = "N", value_parser = sweep::parse_threads)]
    pub jobs: Option<usize>,
    /// Run every scenario as a full simulation, also where the lean path models it: the same files, slower.
    #[arg(long)]
    pub full: bool,
    /// Also check every run against these expectations (a RON list in a scenario's expectation syntax); an
    /// index written "*" stands for every index of a generated scenario. With --from, the indices they may name
    /// are the scenario's.
    #[arg(long, value_name = "FILE")]
    pub properties: Option<PathBuf>,
    /// Output directory: explore.json and failures/ [default: out/explore].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write every explored seed's scenario into DIR as explore-<seed>.ron, ready for `g6sim run`.
    #[arg(long, value_name = "DIR")]
    pub emit: Option<PathBuf>,
    /// Also draw the charts of each shrunk failure's run into OUT/failures/<property>-<hash>/ (PNG and SVG),
    /// the charts `g6sim run FILE --no-env --plots` draws.
    #[arg(long)]
    pub plots: bool,
    /// Write into --out even if it is a non-empty directory that holds no g6sim exploration.
    #[arg(long)]
    pub force: bool,
    /// Explore only shard I of N (counted from 0) of the seeds; merge the shards with `explore merge`.
    #[arg(long, value_name = "I/N", value_parser = Shard::parse, conflicts_with = "shards")]
    pub shard: Option<Shard>,
    /// The number of shards, the index taken from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "N")]
    pub shards: Option<usize>,
    /// Also write a JUnit XML report into FILE, for CI test widgets: one test case per property that held, one
    /// failure per shrunk failure, its body the command that reproduces it.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum ExploreTool {
    /// Combine the shard directories of one exploration into exactly the files one machine writes.
    ///
    /// Exit code: 0 when every property held, 1 when one broke, 2 when a shard is missing, given twice, of
    /// another exploration, or unreadable.
    Merge {
        /// Shard output directories (each with explore.json and failures/).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged exploration.
        #[arg(long)]
        out: PathBuf,
        /// Also draw the charts of each failure's run, as `explore --plots` does (the default when the shards
        /// were run with --plots).
        #[arg(long)]
        plots: bool,
        /// Write into --out even if it is a non-empty directory that holds no g6sim exploration.
        #[arg(long)]
        force: bool,
        /// Also write the merged exploration's JUnit XML report into FILE, as `explore --junit` does.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
}

/// Parses `--budget`: a whole number of seconds, or with a unit `s`, `m` or `h`, from 1 second to 7 days.
fn parse_budget(text: &str) -> Result<std::time::Duration, String> {
    // Three units do not need a crate.
    let t = text.trim();
    let (number, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((k, _)) => t.split_at(k),
        None => (t, "s"),
    };
    let scale = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(format!("`{t}`: expected a time such as 90s, 5m or 1h")),
    };
    let seconds =
        number.parse::<u64>().ok().and_then(|n| n.checked_mul(scale)).filter(|s| (1..=7 * 86_400).contains(s));
    seconds.map(std::time::Duration::from_secs).ok_or_else(|| format!("`{t}`: expected a time from 1s to 168h"))
}

#[derive(Subcommand)]
pub enum SweepTool {
    /// Combine shard directories into exactly the files a single-machine sweep writes.
    ///
    /// Exit code: 0, 2 when a shard is missing, given twice, of another sweep, or unreadable.
    #[command(allow_negative_numbers = true)]
    Merge {
        /// Shard output directories (each with sweep.json and runs-shard-I-of-N.jsonl).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged sweep.
        #[arg(long)]
        out: PathBuf,
        /// Write into --out even if it is a non-empty directory that holds no g6sim sweep.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
pub enum BenchTool {
    /// Compare two artifacts (plain or .gz) field by field, or two directories of artifacts by each field's
    /// median and 95th percentile over all their artifacts.
    ///
    /// Exit code: 0, or 1 when --fail-over finds a regression, 2 for bad input.
    #[command(allow_negative_numbers = true)]
    Diff {
        /// The baseline: an artifact file, or a directory of artifacts.
        old: PathBuf,
        /// The candidate: the same kind as OLD.
        new: PathBuf,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
        /// Exit 1 when --field regresses by more than PCT percent (duration and phases up, options down).
        #[arg(long, value_name = "PCT")]
        fail_over: Option<f64>,
        /// The field --fail-over watches: duration_s, options_total or phase.<name>.
        #[arg(long, default_value = "duration_s")]
        field: String,
    },
    /// Recompute every artifact's digest. Exit code: 0 ok, 2 mismatch or missing digest, 3 unreadable.
    Verify {
        /// A directory of artifacts (benchmark_cycle_*.json and .json.gz).
        dir: PathBuf,
    },
    /// Write the per-artifact table as CSV and print count/min/max/mean/p50/p95/p99 of every column.
    Aggregate {
        /// A directory of artifacts (benchmark_cycle_*.json and .json.gz).
        dir: PathBuf,
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        /// Add per_index_<INDEX>_options columns.
        #[arg(long)]
        include_index_breakdown: bool,
        /// Also write the statistics as JSON.
        #[arg(long, value_name = "FILE")]
        stats_out: Option<PathBuf>,
    },
}

/// `g6sim sweep merg ...`: clap takes `merg` for the scenario and reports something else; when the word is
/// no file and close to `merge`, say so instead.
pub fn misspelt_sweep_merge(args: &[String]) -> Option<String> {
    let [command, word, ..] = args else { return None };
    let close = g6sim::did_you_mean(word, ["merge"]);
    (command == "sweep" && word != "merge" && !Path::new(word).exists() && !close.is_empty()).then(|| {
        format!(
            "error: `{word}` is no scenario file and no subcommand of `g6sim sweep`{close}\n  \
             hint: `g6sim sweep merge DIR... --out DIR` combines shard directories; `g6sim sweep SCENARIO --param ...` sweeps"
        )
    })
}

/// `run`'s options that mean nothing to a replay (hidden): refused with why rather than as unknown flags.
#[derive(clap::Args, Clone, Default)]
pub struct ReplayRefused {
    #[arg(long, hide = true, value_name = "N")]
    pub seed: Option<String>,
    #[arg(long, hide = true, value_name = "SPEC")]
    pub seeds: Option<String>,
    #[arg(long, hide = true, value_name = "N")]
    pub cycles: Option<String>,
}

impl ReplayRefused {
    /// The first refused option given (these, or the hidden `--universe` and `--greeks` of the replay's
    /// `overrides`), as an error and a hint.
    pub fn error(&self, overrides: &Overrides) -> Option<String> {
        let seeds = "a replay draws no random numbers: every seed replays the same\n  hint: to compare \
                     settings on the history, `g6sim sweep HISTORY --param KEY=VALUES`";
        [
            (self.seed.is_some(), "--seed", seeds),
            (self.seeds.is_some(), "--seeds", seeds),
            (
                self.cycles.is_some(),
                "--cycles",
                "a replay runs every cycle the history recorded\n  hint: cut the history to the cycles to replay",
            ),
            (
                overrides.universe.is_some(),
                "--universe",
                "a replay takes no universe: the history records coverages, not instruments\n  hint: run a \
                 scenario over a dump with `g6sim run SCENARIO --universe FILE`",
            ),
            (
                overrides.greeks,
                "--greeks",
                "a replay prices no quotes: the history records coverages, not prices\n  hint: `g6sim run \
                 SCENARIO --greeks` computes implied volatilities and Greeks",
            ),
        ]
        .into_iter()
        .find(|(given, ..)| *given)
        .map(|(_, flag, why)| format!("{flag}: {why}"))
    }
}

/// Checks one `--depth` argument (`N` or `SYMBOL=N`).
pub fn parse_depth(arg: &str) -> Result<String, g6sim::replay::DepthError> {
    HistoryOptions::default().add_depth(arg).map(|()| arg.to_string())
}

/// The history options of checked `--depth` arguments.
pub fn history_options(depths: &[String]) -> HistoryOptions {
    let mut options = HistoryOptions::default();
    for d in depths {
        let _ = options.add_depth(d);
    }
    options
}
