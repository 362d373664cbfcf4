//! The `g6sim` command line: a thin layer over the library.

#[macro_use]
mod say;
mod args;
mod commands;

use args::*;
use clap::Parser;
use commands::*;
use g6sim::RunOptions;
use g6sim::config::g6_env;
use g6sim::sweep::seeds::SeedList;
use std::collections::BTreeMap;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let args: Vec<String> = std::env::args().skip(1).collect();
            if let Some(hint) = misspelt_sweep_merge(&args) {
                errln!("{hint}");
                return ExitCode::from(2);
            }
            e.exit()
        }
    };
    match cli.command {
        Command::Plot { run_dir } => plot(&run_dir),
        Command::Replay { history, out, sets, parity, no_env, depth, quiet, plots, force, canary, refused } => {
            if let Some(e) = refused.error() {
                errln!("error: {e}");
                return ExitCode::from(2);
            }
            let env = if no_env { BTreeMap::new() } else { g6_env() };
            let options = RunOptions { parity, sets, env, ..RunOptions::default() };
            if canary {
                return replay_canary(&history, &options, &history_options(&depth));
            }
            replay(
                &history,
                out,
                &options,
                &history_options(&depth),
                RunFlags { quiet, plots, force, serve_metrics: None, hold: false },
            )
        }
        Command::Run {
            scenario,
            out,
            seed,
            seeds,
            cycles,
            overrides,
            quiet,
            serve_metrics,
            hold,
            plots,
            force,
            canary,
        } => {
            let options = match overrides.options() {
                Ok(options) => RunOptions { seed, cycles, ..options },
                Err(code) => return code,
            };
            if let Some(SeedList(seeds)) = seeds {
                let mut args = cycles.map(|c| vec!["--cycles".to_string(), c.to_string()]).unwrap_or_default();
                args.extend(overrides.args());
                let flags = RunFlags { quiet, serve_metrics, hold, plots, force };
                return run_seeds(&scenario, out, &options, SeedSweep { seeds: &seeds, args: &args }, flags);
            }
            if canary {
                return canary_verdict(g6sim::canary::check_file(&scenario, &options).map_err(|e| e.to_string()));
            }
            run(&scenario, out, &options, RunFlags { quiet, serve_metrics, hold, plots, force })
        }
        Command::Bench { tool } => bench(tool),
        Command::Sweep(args) => sweep(*args),
        Command::Check { paths, overrides, plots, seeds } => {
            let options = match overrides.options() {
                Ok(options) => options,
                Err(code) => return code,
            };
            let args = overrides.args();
            let sweep = seeds.as_ref().map(|SeedList(seeds)| SeedSweep { seeds, args: &args });
            check(paths, plots, &options, sweep)
        }
        Command::Universe { out, date, indices, strikes_per_side, weeks, months, gzip } => {
            let mut spec = g6sim::universe::SyntheticSpec { strikes_per_side, weeks, months, ..Default::default() };
            spec.date = date.unwrap_or(spec.date);
            if !indices.is_empty() {
                spec.indices = indices;
            }
            universe(&spec, &out, gzip)
        }
    }
}
