//! The `g6sim` command line: the words it takes (`args`), one function per subcommand over the library
//! (`commands`), and printing that never panics (`say`). The binary's `main` and the Python package's `g6sim`
//! command (`python/src/lib.rs`, which compiles this module into the extension: a wheel cannot carry a Rust
//! binary beside an extension module) both call [`main`].

#[macro_use]
mod say;
pub(crate) mod args;
mod commands;

use args::{Cli, Command, history_options, misspelt_sweep_merge};
use clap::Parser;
use commands::{RunFlags, SeedSweep};
use g6sim::RunOptions;
use g6sim::sweep::SeedList;
use std::ffi::OsString;

/// A command's exit status: 0 pass, 1 fail, 2 bad input (clap's own errors exit 2 too), 130 interrupted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitCode(pub u8);

impl ExitCode {
    pub const SUCCESS: Self = Self(0);
}

impl From<u8> for ExitCode {
    fn from(code: u8) -> Self {
        Self(code)
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        Self::from(code.0)
    }
}

/// Runs the command line `args` (the program's name first) and returns its exit status. Help, version and
/// clap's usage errors print and end the process, as they do in any clap program.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let args: Vec<String> = args.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
            if let Some(hint) = misspelt_sweep_merge(&args) {
                errln!("{hint}");
                return commands::bad_input();
            }
            e.exit()
        }
    };
    match cli.command {
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
            report,
            force,
            canary,
        } => {
            let options = match overrides.options() {
                Ok(options) => RunOptions { seed, cycles, ..options },
                Err(e) => return commands::fail(e),
            };
            let flags = RunFlags { quiet, serve_metrics, hold, plots, report, force };
            if let Some(SeedList(seeds)) = seeds {
                let mut args = cycles.map(|c| vec!["--cycles".to_string(), c.to_string()]).unwrap_or_default();
                args.extend(overrides.args());
                return commands::run_seeds(&scenario, out, &options, SeedSweep { seeds: &seeds, args: &args }, flags);
            }
            if canary {
                let checked = g6sim::canary::check_file(&scenario, &options).map_err(|e| e.to_string());
                return commands::canary_verdict(checked);
            }
            commands::run(&scenario, out, &options, flags)
        }
        Command::Replay { history, out, overrides, depth, quiet, plots, report, force, canary, refused } => {
            if let Some(e) = refused.error(&overrides) {
                return commands::fail(e);
            }
            let options = match overrides.options() {
                Ok(options) => options,
                Err(e) => return commands::fail(e),
            };
            if canary {
                return commands::replay_canary(&history, &options, &history_options(&depth));
            }
            let flags = RunFlags { quiet, plots, report, force, serve_metrics: None, hold: false };
            commands::replay(&history, out, &options, &history_options(&depth), flags)
        }
        Command::Check { paths, overrides, plots, seeds, junit } => {
            commands::check(paths, plots, &overrides, seeds, junit.as_deref())
        }
        Command::Sweep(args) => commands::sweep(*args),
        Command::Explore(args) => commands::explore(*args),
        Command::Plot { run_dir } => commands::plot(&run_dir),
        Command::Report { dir, out } => commands::report(&dir, out.as_deref()),
        Command::Bench { tool } => commands::bench(tool),
        Command::Universe { out, date, indices, strikes_per_side, weeks, months, gzip } => {
            let mut spec = g6sim::universe::SyntheticSpec { strikes_per_side, weeks, months, ..Default::default() };
            spec.date = date.unwrap_or(spec.date);
            if !indices.is_empty() {
                spec.indices = indices;
            }
            commands::universe(&spec, &out, gzip)
        }
    }
}
