//! What the command line prints, as text: pure functions from the library's data to strings, so that every
//! command words a run, a check, a seed sweep or a sweep the same way, and each wording is tested here.
//!
//! Every function returns whole lines, each ending in a newline; the caller only prints them (`g6sim` on
//! standard output unless a function says otherwise).

use crate::canary;
use crate::check::{Checked, Row, Tally};
use crate::events::{CycleSummary, Event, LoggedEvent};
use crate::run::{EnvNote, Prepared, RunTotals};
use crate::scenario::{ExpectationOutcome, Verdict};
use crate::sweep::results::{PRINTED_FRONT, pareto_text_at_most};
use crate::sweep::seeds::{self as seed_sweep, SeedOutcome};
use crate::sweep::{Plan, Shard};
use crate::universe::{self, UniverseUse};
use crate::vocab::SkipCounts;
use std::fmt::Display;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Appends one line (and its newline) to `out`.
fn push(out: &mut String, line: impl Display) {
    out.push_str(&line.to_string());
    out.push('\n');
}

/// The indentation of the lines under a row of `g6sim check`'s table.
const ROW_INDENT: &str = "         ";

/// One cycle's rows of `run`'s per-cycle table, the header first when it is the run's first cycle: a row per
/// index (status, depth, and each expiry's status, partial reason and coverages), then a line per depth
/// adjustment and per prefilter clamp of the cycle.
pub fn cycle_rows(c: &CycleSummary, events: &[LoggedEvent]) -> String {
    let mut out = String::new();
    if c.cycle == 1 {
        push(
            &mut out,
            format_args!(
                "{:>5}  {:<8}  {:>7}   {:<10} {:<7} {:>5}  expiries (status strike/field coverage)",
                "cycle", "time", "elapsed", "index", "status", "depth"
            ),
        );
    }
    let time = c.time.get(11..19).unwrap_or(&c.time);
    // The modelled cycle time, marked `!` when it breached its SLA.
    let t = c.cycle_time;
    let elapsed = format!("{:>7}{}", format!("{:.1}s", t.elapsed_s), if t.breach { "!" } else { " " });
    for (k, i) in c.indices.iter().enumerate() {
        let expiries: Vec<String> = i
            .expiries
            .iter()
            .map(|e| {
                let cov = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.2}"));
                let status = e.status.map_or("-", |s| s.as_str());
                let reason = e.partial_reason.map(|r| format!("({})", r.as_str())).unwrap_or_default();
                format!("{} {status}{reason} {}/{}", e.rule, cov(e.strike_coverage), cov(e.field_coverage))
            })
            .collect();
        let (cycle, time, elapsed) =
            if k == 0 { (c.cycle.to_string(), time, elapsed.as_str()) } else { (String::new(), "", "") };
        let depth = format!("{}/{}", i.ladder_depth.itm, i.ladder_depth.otm);
        push(
            &mut out,
            format_args!(
                "{cycle:>5}  {time:<8}  {elapsed:<8}  {:<10} {:<7} {depth:>5}  {}",
                i.index,
                i.status.as_str(),
                expiries.join("  ")
            ),
        );
    }
    for e in events.iter().filter(|e| e.cycle == c.cycle) {
        match &e.event {
            Event::StrikeDepthAdjustment(a) => push(
                &mut out,
                format_args!(
                    "{:>27}-> {} {} {}/{} -> {}/{} (strike coverage {})",
                    "",
                    a.index,
                    a.reason.as_str(),
                    a.prev_itm,
                    a.prev_otm,
                    a.new_itm,
                    a.new_otm,
                    a.strike_cov.map_or("-".into(), |s| format!("{s:.3}"))
                ),
            ),
            Event::AdaptiveScaleChange(a) => push(
                &mut out,
                format_args!(
                    "{:>27}-> strike scale {} -> {} ({}, breach streak {}, healthy streak {})",
                    "", a.old_scale, a.new_scale, a.mode, a.breach_streak, a.healthy_streak
                ),
            ),
            Event::PrefilterClamp(p) => push(
                &mut out,
                format_args!(
                    "{:>27}-> {} {} clamp kept {} of {} ({})",
                    "", p.index, p.rule, p.kept, p.original, p.strategy
                ),
            ),
            _ => {}
        }
    }
    if let Some(m) = c.memory.as_ref().filter(|m| m.changed) {
        let greeks = if m.greeks_enabled { "" } else { ", Greeks off" };
        push(
            &mut out,
            format_args!(
                "{:>27}-> memory tier {} {} ({}depth x{}{greeks})",
                "",
                m.level,
                m.tier,
                m.fraction.map_or(String::new(), |f| format!("{f:.2} of RAM, ")),
                crate::pyjson::py_round(m.depth_scale, 4)
            ),
        );
    }
    out
}

/// The run summary's universe lines: the dump, what its reader and the expiry map skipped, per index what
/// the run took from it and any weekday mismatch.
pub(crate) fn universe_lines(u: &UniverseUse, map_skipped: Option<SkipCounts>) -> String {
    let mut out = String::new();
    let reader: Vec<String> = u.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
    push(
        &mut out,
        format_args!(
            "  universe: {} ({} rows, {} index options; the reader skipped {})",
            u.source.path,
            u.rows,
            u.index_options,
            if reader.is_empty() { "none".to_string() } else { reader.join(", ") }
        ),
    );
    if let Some(skipped) = map_skipped {
        push(&mut out, format_args!("  expiry map skipped (last cycle): {}", skipped.text()));
    }
    for ix in &u.indices {
        let Some(s) = &ix.summary else {
            push(&mut out, format_args!("    {}: no valid option in the dump", ix.index));
            continue;
        };
        let num = |x: Option<f64>| x.map_or("-".to_string(), |v| v.to_string());
        let weekday = s.expiry_weekday.map_or("-", universe::run::weekday_name);
        let mismatch = if ix.weekday_mismatch {
            format!(
                " (MISMATCH: the registry says {}; the dump's expiries are used)",
                universe::run::weekday_name(ix.registry_weekday)
            )
        } else {
            String::new()
        };
        push(
            &mut out,
            format_args!(
                "    {}: {} options, {} expiries, step {}, lot {}, tick {}, ATM region {}, weekly on {weekday}{mismatch}",
                ix.index,
                s.options,
                s.expiries.len(),
                num(s.strike_step),
                s.lot_size.map_or("-".to_string(), |l| l.to_string()),
                num(s.tick_size),
                num(s.atm)
            ),
        );
    }
    out
}

/// The closing summary of `run` and `replay`: what ran, the expiry statuses, partial reasons, depth
/// adjustments, clamps and zero-data expiries, the implied volatilities (Greeks on), the universe (a dump),
/// and a scenario's expectations ([`expectations`]; a replay is judged by its comparison instead).
/// `after_table`: a blank line first, to part it from the per-cycle table.
pub fn run_summary(
    prepared: &Prepared,
    totals: &RunTotals,
    outcomes: &[ExpectationOutcome],
    after_table: bool,
) -> String {
    let mut out = String::new();
    let s = &prepared.scenario.scenario;
    let t = &totals.statuses;
    if after_table {
        out.push('\n');
    }
    if s.recorded.is_some() {
        push(
            &mut out,
            format_args!(
                "replay {} ({} cycles of {}, parity {:?})",
                s.name, prepared.cycles, prepared.scenario.file, prepared.config.parity
            ),
        );
    } else {
        push(
            &mut out,
            format_args!(
                "scenario {} ({} cycles, seed {}, parity {:?})",
                s.name, prepared.cycles, prepared.seed, prepared.config.parity
            ),
        );
    }
    push(
        &mut out,
        format_args!("  expiries: {} OK, {} PARTIAL, {} EMPTY, {} SYNTH", t.ok, t.partial, t.empty, t.synth),
    );
    push(&mut out, format_args!("  partial reasons: {}", serde_json::to_string(&totals.reasons).unwrap_or_default()));
    push(
        &mut out,
        format_args!(
            "  depth adjustments: {}, prefilter clamps: {}, zero-data expiries: {}",
            totals.adjustments, totals.clamps, totals.zero_data
        ),
    );
    let scaling = if prepared.config.strike_scaling {
        format!("; strike scale changes: {}", totals.scale_changes)
    } else {
        String::new()
    };
    push(
        &mut out,
        format_args!(
            "  cycle time: mean {:.1} s, max {:.1} s; SLA breaches: {} (budget {:.1} s){scaling}",
            totals.elapsed_mean_s(),
            totals.elapsed_max_s,
            totals.breaches,
            totals.sla_s
        ),
    );
    if let Some((level, tier)) = &totals.memory_max {
        let cycles = |n: u64| if n == 1 { "1 cycle".to_string() } else { format!("{n} cycles") };
        // Greeks turned off matter only to a run that computes them.
        let greeks = if prepared.config.compute_greeks {
            format!(", Greeks turned off in {}", cycles(totals.memory_no_greeks))
        } else {
            String::new()
        };
        push(
            &mut out,
            format_args!(
                "  memory pressure: highest tier {level} {tier}; {} above normal{greeks}",
                cycles(totals.memory_pressed)
            ),
        );
    }
    if totals.analytics {
        push(
            &mut out,
            format_args!(
                "  implied volatilities: {} solved, {} not solved, {:.1} solver iterations on average \
                 (IV and Greeks per expiry in cycles.jsonl)",
                totals.iv_solved,
                totals.iv_failed,
                totals.iv_iterations_mean()
            ),
        );
    }
    if let Some(u) = &prepared.universe {
        out.push_str(&universe_lines(u, totals.universe_skipped));
    }
    if s.recorded.is_none() {
        out.push_str(&expectations(outcomes));
    }
    out
}

/// A run's verdict in its summary: how many expectations passed (or EMPTY, with its hint, when there are
/// none), then each that failed.
pub fn expectations(outcomes: &[ExpectationOutcome]) -> String {
    let verdict = Verdict::of(outcomes);
    if verdict == Verdict::Empty {
        return format!("  expectations: EMPTY, {}\n", Verdict::EMPTY_HINT);
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    format!("  expectations: {passed}/{} passed\n{}", outcomes.len(), verdict_lines(verdict, outcomes, "  "))
}

/// The lines under a verdict, each after `indent`: every failed expectation of `outcomes`
/// (`FAIL [cycle N] expected ...; what happened`), then, for an EMPTY verdict, why nothing was checked.
pub(crate) fn verdict_lines(verdict: Verdict, outcomes: &[ExpectationOutcome], indent: &str) -> String {
    let mut out = String::new();
    for o in outcomes.iter().filter(|o| !o.passed) {
        push(&mut out, format_args!("{indent}FAIL {}", o.failure_text()));
    }
    if verdict == Verdict::Empty {
        push(&mut out, format_args!("{indent}{}", Verdict::EMPTY_HINT));
    }
    out
}

/// The header of `g6sim check`'s table; its last column counts seeds with `--seeds`.
pub fn check_header(seeds: bool) -> String {
    let column = if seeds { "seeds" } else { "expectations" };
    format!("{:<6} {:<40} {:>6}  {column}\n", "result", "scenario", "cycles")
}

/// One file's row of `g6sim check`'s table, whatever its verdict, and the lines under it: the failed
/// expectations, the reproduction commands of failing seeds, the replay's first differences, the EMPTY hint.
/// An ERROR row names only the file (why goes to standard error).
pub fn check_row(row: &Row) -> String {
    let (label, file) = (row.label(), row.file.display());
    let (cycles, column, mut lines) = match &row.checked {
        Checked::Error(_) => return format!("{label:<6} {file}\n"),
        Checked::Run { cycles, outcomes } => {
            let passed = outcomes.iter().filter(|o| o.passed).count();
            (cycles, format!("{passed}/{}", outcomes.len()), String::new())
        }
        Checked::Seeds { cycles, outcomes, reproductions } => {
            let mut lines = String::new();
            for line in reproductions {
                push(&mut lines, format_args!("{ROW_INDENT}{line}"));
            }
            (cycles, seed_sweep::summary(outcomes), lines)
        }
        Checked::Replay { cycles, comparison } => {
            let column = format!(
                "replay: {} statuses, {} depths compared, {} differ",
                comparison.statuses_compared,
                comparison.depths_compared,
                comparison.differences.len()
            );
            let mut lines = String::new();
            if !comparison.agrees() {
                let rest = format!("`g6sim replay {file}` lists them all");
                for line in comparison.text(3, &rest).lines() {
                    push(&mut lines, format_args!("{ROW_INDENT}{line}"));
                }
            }
            (cycles, column, lines)
        }
    };
    let failed: &[ExpectationOutcome] = match &row.checked {
        Checked::Run { outcomes, .. } => outcomes,
        _ => &[],
    };
    if let Ok(verdict) = row.verdict() {
        lines.push_str(&verdict_lines(verdict, failed, ROW_INDENT));
    }
    format!("{label:<6} {file:<40} {cycles:>6}  {column}\n{lines}")
}

/// `g6sim check`'s closing line: how many files passed, failed (or were EMPTY) and could not be loaded.
pub fn check_tally(t: &Tally) -> String {
    let under = t.seeds.map(|s| format!(" x {s} seeds")).unwrap_or_default();
    format!(
        "{} {}{under}: {} passed, {} failed, {} could not be loaded\n",
        t.files,
        if t.files == 1 { "scenario" } else { "scenarios" },
        t.passed(),
        t.failed,
        t.errors
    )
}

/// `g6sim check`'s summary in Markdown, for a CI job's summary page (GitHub's `GITHUB_STEP_SUMMARY`): a
/// heading, the closing line, and a table of every file with its verdict, what failed first and the command
/// that reproduces it (with seeds, the first failing seed's); chart errors and what stopped a check that never
/// started follow the table. `args` are the check's overrides as command-line words.
pub fn check_markdown(record: &crate::check::Record, args: &[String]) -> String {
    use crate::check::Reported;
    // A blank line first: the heading must not join what an earlier step appended.
    let mut out = String::from("\n### g6sim check\n\n");
    if let Some(tally) = &record.tally {
        push(&mut out, format_args!("{}\n", check_tally(tally).trim_end()));
    }
    let rows: Vec<&Row> =
        record.reported.iter().filter_map(|r| if let Reported::Row(row) = r { Some(row) } else { None }).collect();
    if !rows.is_empty() {
        push(&mut out, "| scenario | verdict | first failure | reproduction |");
        push(&mut out, "|---|---|---|---|");
        for row in rows {
            let file = md_code(&row.file.display().to_string());
            let failure = row.first_failure().map(|f| md_text(&f)).unwrap_or_default();
            let command = row.reproduction(args).map(|c| md_code(&c)).unwrap_or_default();
            push(&mut out, format_args!("| {file} | {} | {failure} | {command} |", row.label()));
        }
        out.push('\n');
    }
    let charts = record.reported.iter().filter_map(|r| match r {
        Reported::ChartError { message, .. } => Some(message),
        Reported::Row(_) => None,
    });
    for problem in charts.chain(&record.stopped) {
        push(&mut out, format_args!("error: {}\n", md_text(problem)));
    }
    out
}

/// Text in a Markdown table cell, shown as written: HTML's `<`, `>` and `&` as entities, Markdown's
/// punctuation (`\`, `` ` ``, `*`, `~`, `|`, and `_` but inside a word, where it emphasizes nothing) escaped,
/// lines joined with `<br>`.
fn md_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let in_word = |i: usize| {
        let alnum = |j: Option<&char>| j.is_some_and(|c| c.is_alphanumeric());
        i > 0 && alnum(chars.get(i - 1)) && alnum(chars.get(i + 1))
    };
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '_' if in_word(i) => out.push(c),
            '\\' | '`' | '*' | '_' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as a Markdown code span inside a table cell: fenced by more backticks than any run it holds, `|`
/// escaped (GitHub splits cells before it reads code spans), line breaks as spaces (a cell is one line).
fn md_code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

/// `wrote a, b, c`: the files a command wrote.
pub fn wrote(files: &[PathBuf]) -> String {
    format!("wrote {}\n", files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))
}

/// `drew 4 charts (8 files, PNG and SVG) in DIR`: each chart is drawn twice.
pub fn drew(files: &[PathBuf], dir: &Path) -> String {
    format!("drew {} charts ({} files, PNG and SVG) in {}\n", files.len() / 2, files.len(), dir.display())
}

/// The note on one `G6_*` variable (standard error).
pub fn env_note(note: &EnvNote) -> String {
    match note {
        EnvNote::Sets { var, value, key } => {
            format!("note: environment {var}={value} sets {key} (--no-env ignores G6_* variables)\n")
        }
        EnvNote::NearMiss { var, meant } => format!(
            "warning: environment {var} is no variable g6sim reads (did you mean {meant}?): it changes nothing\n"
        ),
    }
}

/// `serving metrics at http://ADDR/metrics`: where a run serves its live metrics.
pub fn serving(addr: SocketAddr) -> String {
    format!("serving metrics at http://{addr}/metrics\n")
}

/// The line a held run prints once its files are written: it serves until interrupted.
pub fn holding(addr: SocketAddr) -> String {
    format!("holding: serving http://{addr}/metrics until interrupted (Ctrl-C)\n")
}

/// The line a held run prints once interrupted, before its verdict again.
pub fn interrupted(addr: SocketAddr) -> String {
    format!("interrupted: stopped serving http://{addr}/metrics\n")
}

/// How many benchmark artifacts a run wrote, and where.
pub fn artifacts_written(written: usize, dir: &str) -> String {
    format!("wrote {written} benchmark artifact(s) to {dir}\n")
}

/// The determinism canary's verdict: `determinism: IDENTICAL ...` or `determinism: DIFFER at ...`.
pub fn canary(report: &canary::Report) -> String {
    format!("determinism: {report}\n")
}

/// One seed's line of `run --seeds`: its verdict and what its run came to, the seed padded to `width`.
pub fn seed_line(o: &SeedOutcome, width: usize) -> String {
    format!("seed {:<width$}  {}  {}\n", o.seed, o.verdict().label(), o.describe())
}

/// The width of the widest of `seeds`, to align the seed lines of `run --seeds`.
pub fn seed_width(seeds: &[u64]) -> usize {
    seeds.iter().map(|s| s.to_string().len()).max().unwrap_or(1)
}

/// The closing summary of `run --seeds`, after a blank line: the scenario and how many seeds passed, the
/// reproduction command of each failing seed, the EMPTY hint.
pub fn seeds_summary(prepared: &Prepared, outcomes: &[SeedOutcome], reproductions: &[String]) -> String {
    let mut out = String::new();
    let name = &prepared.scenario.scenario.name;
    let (cycles, parity) = (prepared.cycles, prepared.config.parity);
    push(
        &mut out,
        format_args!("\nscenario {name} ({cycles} cycles, parity {parity:?}): {}", seed_sweep::summary(outcomes)),
    );
    for line in reproductions {
        push(&mut out, format_args!("  {line}"));
    }
    out.push_str(&verdict_lines(Verdict::all(outcomes.iter().map(SeedOutcome::verdict)), &[], "  "));
    out
}

/// Where `run --seeds` wrote its runs (`DIR/seed-N`), and their charts with `--plots`.
pub fn seed_dirs(runs: usize, dir: &Path, plots: bool, report: bool) -> String {
    let mut also = Vec::new();
    also.extend(plots.then_some("charts in seed-N/plots/"));
    also.extend(report.then_some("a report page in seed-N/report.html"));
    let also = if also.is_empty() { String::new() } else { format!(" ({})", also.join(", ")) };
    format!("wrote {runs} run directories: {}{also}\n", dir.join("seed-N").display())
}

/// What `g6sim universe` wrote: the file, its rows, index options and bytes, a line per index, and what a
/// reader skips.
pub fn universe_dump(out: &Path, dump: &universe::Dump, bytes: usize) -> String {
    let mut text = String::new();
    push(
        &mut text,
        format_args!(
            "wrote {}: {} rows, {} index options, {} bytes",
            out.display(),
            dump.counts.rows,
            dump.counts.index_options,
            bytes
        ),
    );
    for s in &dump.indices {
        // One strike per expiry has no step between strikes.
        let step = s.strike_step.map_or("-".to_string(), |step| step.to_string());
        push(
            &mut text,
            format_args!(
                "  {:<10} {:>7} options  {} expiries  step {step}  lot {}",
                s.symbol,
                s.options,
                s.expiries.len(),
                s.lot_size.unwrap_or(0)
            ),
        );
    }
    let skipped: Vec<String> = dump.counts.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
    push(&mut text, format_args!("  skipped by a reader: {}", skipped.join(", ")));
    text
}

/// A sweep's opening lines: what it runs (this shard's share too), and on which path its runs are scored.
pub fn sweep_start(plan: &Plan, shard: Shard, mine: usize) -> String {
    let mut out = String::new();
    let shard_part = if shard == Shard::ALL { String::new() } else { format!("; shard {shard}: {mine} runs") };
    let leans = plan.leans();
    let settings = match &plan.design {
        Some(design) => {
            let distinct: std::collections::BTreeSet<&Vec<(String, String)>> =
                plan.settings.iter().map(|s| &s.values).collect();
            design.describe(plan.settings.len(), distinct.len())
        }
        None => format!("{} settings", plan.settings.len()),
    };
    if let [member] = plan.members.as_slice() {
        push(
            &mut out,
            format_args!(
                "sweep {}: {settings} x {} = {} runs{shard_part}",
                member.entry.name,
                plural(member.entry.seeds.len(), "seed", "seeds"),
                plan.jobs(),
            ),
        );
        if let Some(line) = halving_line(plan) {
            push(&mut out, line);
        }
        match &leans[0] {
            Ok(_) => push(
                &mut out,
                "scoring on the lean path (the same scores as full runs, faster; --full runs them in full)",
            ),
            Err(_) if plan.full_runs => push(&mut out, "scoring full runs (--full)"),
            Err(why) => push(&mut out, format_args!("scoring full runs: the lean path does not model {why}")),
        }
        return out;
    }
    let runs_per_setting = plan.jobs() / plan.settings.len().max(1);
    let histories = plan.members.iter().filter(|m| m.entry.kind == crate::sweep::MemberKind::History).count();
    let seeds = plan.seeds.len();
    let runs = if histories == plan.members.len() {
        "one run of each history: a replay draws no random numbers".to_string()
    } else {
        let once = match histories {
            0 => String::new(),
            1 => "; the history once: a replay draws no random numbers".to_string(),
            n => format!("; each of the {n} histories once: a replay draws no random numbers"),
        };
        format!("{} a member{once}", plural(seeds, "seed", "seeds"))
    };
    push(
        &mut out,
        format_args!(
            "sweep of a suite of {} members: {settings} x {runs_per_setting} runs ({runs}) = {} runs{shard_part}",
            plan.members.len(),
            plan.jobs(),
        ),
    );
    if let Some(line) = halving_line(plan) {
        push(&mut out, line);
    }
    push(
        &mut out,
        format_args!("settings are ranked by the {} of the members' scores (--aggregate)", plan.aggregate.name()),
    );
    let full: Vec<String> = plan
        .members
        .iter()
        .zip(&leans)
        .filter_map(|(m, lean)| lean.as_ref().err().map(|why| format!("{} ({why})", m.entry.name)))
        .collect();
    if plan.full_runs {
        push(&mut out, "scoring full runs (--full)");
    } else if full.is_empty() {
        push(
            &mut out,
            "scoring every member on the lean path (the same scores as full runs, faster; --full runs them in full)",
        );
    } else if full.len() == plan.members.len() {
        push(&mut out, format_args!("scoring every member in full: {}", full.join(", ")));
    } else {
        push(
            &mut out,
            format_args!(
                "scoring {} on the lean path, {} in full: {}",
                plural(plan.members.len() - full.len(), "member", "members"),
                full.len(),
                full.join(", ")
            ),
        );
    }
    out
}

/// A list for a sentence: `2, 6 and 16`.
fn and_list(v: &[usize]) -> String {
    let v: Vec<String> = v.iter().map(usize::to_string).collect();
    match v.as_slice() {
        [rest @ .., last] if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => v.concat(),
    }
}

/// A halving's rungs as planned: `successive halving keeping 1/3: 3 rungs of 2, 6 and 16 seeds for at least
/// 64, 22 and 8 settings: at least 296 of the grid's 1024 runs (29%)` (settings tied at a rung's cut
/// continue too).
fn halving_line(plan: &crate::sweep::Plan) -> Option<String> {
    let h = plan.halving?;
    let seeds = h.rungs(plan.seeds.len());
    let sizes = h.sizes(plan.settings.len(), plan.seeds.len());
    let (runs, jobs) = (plan.runs(), plan.jobs());
    let seed_word = if seeds == [1] { "seed" } else { "seeds" };
    Some(format!(
        "successive halving keeping 1/{}: {} of {} {seed_word} for at least {} settings: at least {runs} of the \
         {jobs} runs without halving ({:.0}%)",
        h.keep,
        plural(seeds.len(), "rung", "rungs"),
        and_list(&seeds),
        and_list(&sizes),
        100.0 * runs as f64 / jobs.max(1) as f64
    ))
}

/// A whole sweep's closing lines: its Pareto front (at most `PRINTED_FRONT` settings), the recommended
/// setting and why, the files written.
pub fn sweep_outcome(outcome: &crate::sweep::Outcome) -> String {
    let mut out = pareto_text_at_most(&outcome.results, outcome.recommended.as_ref(), &outcome.ranking, PRINTED_FRONT);
    if let Some(r) = &outcome.recommended {
        let values: Vec<String> = r.values.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        push(&mut out, format_args!("recommended: setting {} ({}): {}", r.setting, values.join(" "), r.why));
    } else if let Some(why) = outcome.ranking.infeasible(&outcome.results) {
        push(&mut out, format_args!("recommended: none: {why}"));
    }
    if let Some(rungs) = &outcome.rungs {
        let seeds: Vec<usize> = rungs.iter().map(|r| r.seeds).collect();
        let sizes: Vec<usize> = rungs.iter().map(|r| r.settings.len()).collect();
        let seed_word = if seeds == [1] { "seed" } else { "seeds" };
        push(
            &mut out,
            format_args!(
                "halving: {} of {} {seed_word} ran {} settings: {} of the {} runs without halving ({:.0}%); the \
                 last rung's {} may be recommended",
                if rungs.len() == 1 { "one rung" } else { "rungs" },
                and_list(&seeds),
                and_list(&sizes),
                outcome.runs,
                outcome.grid_runs,
                100.0 * outcome.runs as f64 / outcome.grid_runs.max(1) as f64,
                plural(sizes.last().copied().unwrap_or(0), "setting", "settings"),
            ),
        );
    }
    if let Some(importance) = &outcome.importance {
        out.push_str(&importance_lines(importance, &outcome.ranking));
    }
    out.push_str(&wrote(&outcome.files));
    out
}

/// A Saltelli design's closing lines: for the recommendation's objective and flips per 10 cycles, each key's
/// first-order and total Sobol indices with their 95% intervals, and the key that matters most.
fn importance_lines(importance: &crate::sweep::Importance, ranking: &crate::sweep::Ranking) -> String {
    let mut out = String::new();
    for score in crate::sweep::knobs::charted(ranking) {
        let Some(by_key) = importance.of_score(score) else {
            push(&mut out, format_args!("importance for {score}: every setting of the design scores the same"));
            continue;
        };
        push(&mut out, format_args!("importance for {score} (Sobol indices, 95% intervals):"));
        let width = by_key.0.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (key, i) in &by_key.0 {
            push(
                &mut out,
                format_args!(
                    "  {key:<width$}  first {:.2} [{:.2}, {:.2}]  total {:.2} [{:.2}, {:.2}]",
                    i.first, i.first_ci[0], i.first_ci[1], i.total, i.total_ci[0], i.total_ci[1]
                ),
            );
        }
        if let Some((key, i)) = importance.most(score) {
            push(
                &mut out,
                format_args!(
                    "the knob that matters most for {score}: {key} (total index {:.2} [{:.2}, {:.2}])",
                    i.total, i.total_ci[0], i.total_ci[1]
                ),
            );
        }
    }
    out
}

/// A shard's closing lines: its files, and how to merge the shards.
pub fn shard_written(files: &[PathBuf], shard: Shard) -> String {
    format!("{}merge all {} shards with: g6sim sweep merge DIR... --out DIR\n", wrote(files), shard.count)
}

/// A halving's rung, as one shard starts it: `rung 2 of 3: 22 settings, 88 runs; shard 0/3: 30 of them`.
pub fn rung_start(next: &crate::sweep::NextRung, shard: Shard) -> String {
    let share =
        if shard == Shard::ALL { String::new() } else { format!("; shard {shard}: {} of them", next.jobs.len()) };
    format!(
        "rung {} of {}: {}, {}{share}\n",
        next.number,
        next.rungs,
        plural(next.settings, "setting", "settings"),
        plural(next.runs, "run", "runs")
    )
}

/// A halving's shard written: its files, and where to merge it (the directory of the merged rungs it
/// continued, or for the first rung the one to start).
pub fn rung_written(files: &[PathBuf], shard: Shard, after: Option<&Path>) -> String {
    let out = after.map_or("DIR".to_string(), |p| p.display().to_string());
    format!(
        "{}merge the rung's {} with: g6sim sweep merge SHARD-DIR... --out {out}\n",
        wrote(files),
        plural(shard.count, "shard", "shards")
    )
}

/// `sweep merge` of a halving's rung with rungs left: what it merged, and what to run next.
pub fn rung_merged(held: usize, rungs: usize, runs: usize, dirs: usize, files: &[PathBuf], out: &Path) -> String {
    format!(
        "merged rung {held} of {rungs} from {}: {runs} runs so far\n{}next: run rung {}'s \
         shards (the same sweep command with --after {}), then merge them into {}\n",
        plural(dirs, "directory", "directories"),
        wrote(files),
        held + 1,
        out.display(),
        out.display()
    )
}

/// `sweep merge`'s opening line: how many runs of which sweep from how many shard directories.
pub fn merged(runs: usize, sweep: &str, dirs: usize) -> String {
    format!("merged {runs} runs of sweep {sweep} from {}\n", plural(dirs, "directory", "directories"))
}

/// The line an exploration starts with: what it explores (around which scenario), and under which configuration.
pub fn explore_start(seeds: &str, exploration: &crate::explore::Exploration) -> String {
    let config = crate::explore::config_fields(exploration.config());
    let mode = if exploration.config().parity.is_g6() { "parity g6" } else { "parity off" };
    let config = if config.is_empty() { "the default configuration".to_string() } else { config.join(", ") };
    match exploration.from() {
        None => format!("explore {seeds}: one generated scenario per seed, {mode}, {config}\n"),
        Some(from) => format!(
            "explore {seeds} around {}: its indices and settings, a market and faults drawn per seed, {mode}, {config}\n",
            from.file
        ),
    }
}

/// An exploration's closing lines: the seeds and cycles run, each property's tally, what was never reached,
/// each shrunk failure with the command that reproduces it, and the files written.
pub fn explore_summary(report: &crate::explore::Report, dir: &Path, written: &[PathBuf]) -> String {
    use crate::explore::{FAILURES_DIR, describe, seed_ranges};
    let mut out = String::new();
    push(
        &mut out,
        format_args!(
            "explored {} seeds ({}): {} cycles, {} expiry-cycles",
            report.seeds.len(),
            seed_ranges(&report.seeds),
            report.cycles,
            report.expiry_cycles
        ),
    );
    let width = report.properties.iter().map(|p| p.property.len()).max().unwrap_or(8).max(8);
    push(&mut out, format_args!("  {:<width$}  {:>6}  {:>6}  first failing seeds", "property", "runs", "broken"));
    for p in &report.properties {
        let seeds: Vec<String> = p.failing_seeds.iter().take(5).map(u64::to_string).collect();
        let more = if p.failing_seeds.len() > 5 { ", ..." } else { "" };
        let line = format!("  {:<width$}  {:>6}  {:>6}  {}{more}", p.property, p.runs, p.failed, seeds.join(", "));
        push(&mut out, line.trim_end());
    }
    for p in report.properties.iter().filter(|p| p.expectation != format!("keeps {}", p.property)) {
        push(&mut out, format_args!("  {}: {}", p.property, p.expectation));
    }
    let never = report.reach.never_reached();
    let names: usize = report.reach.categories().map(|(_, c)| c.len()).sum();
    push(
        &mut out,
        format_args!(
            "reach: {} of {names} events, statuses, reasons, faults, clamps and branches reached",
            names - never.len()
        ),
    );
    if !never.is_empty() {
        push(&mut out, format_args!("  never reached: {}", never.join(", ")));
    }
    for f in &report.failures {
        push(&mut out, format_args!("FAIL {}: seed {} at cycle {}: {}", f.property, f.seed, f.cycle, f.detail));
        push(
            &mut out,
            format_args!("  shrunk from {} to {} in {} runs", describe(f.original), describe(f.shrunk), f.attempts),
        );
        push(&mut out, format_args!("  reproduce: {}", f.reproduction(dir)));
        if let Some(charts) = &f.charts {
            let names = crate::plot::CHARTS.join(", ");
            let at = dir.join(FAILURES_DIR).join(charts);
            push(&mut out, format_args!("  charts: {names} (PNG and SVG) in {}", at.display()));
        }
    }
    for path in written {
        push(&mut out, format_args!("wrote {}", path.display()));
    }
    out
}

/// The line after `--emit` wrote the explored scenarios.
pub fn emitted(n: usize, dir: &Path) -> String {
    format!("wrote {n} scenarios to {}\n", dir.display())
}

/// `1 seed`, `8 seeds`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Tally;
    use crate::replay::Comparison;
    use crate::run::{RunOptions, prepare};
    use crate::scenario::{LoadedScenario, parse};
    use crate::sweep::parse_param;
    use crate::universe::{DumpFile, SyntheticSpec, write};
    use std::sync::Arc;

    /// Two cycles of NIFTY; of its two expectations, the depth fails. The expected texts below are what
    /// `g6sim run`, `run --seeds`, `universe` and `sweep` print for it.
    fn loaded() -> LoadedScenario {
        let text = r#"Scenario(name: "t", seed: 9, start: "2025-10-06T09:15:00+05:30", cycles: 2,
            indices: [(symbol: "NIFTY", expiries: ["this_week"])],
            expectations: [Always(Status(index: "NIFTY", is: OK)), Always(Depth(index: "NIFTY", is: Eq(3)))])"#;
        LoadedScenario::inline(parse("t.ron", text).unwrap(), "t.ron")
    }

    /// The per-cycle table and the summary of a run of [`loaded`].
    fn table_and_summary(options: &RunOptions, after_table: bool) -> String {
        let run = prepare(&loaded(), options).unwrap().run(|_| {}).unwrap();
        let mut totals = RunTotals::new(run.prepared.config.parity);
        let mut out = String::new();
        for (c, events) in crate::events::by_cycle(&run.result.cycles, &run.result.events) {
            if after_table {
                out.push_str(&cycle_rows(c, events));
            }
            totals.observe(c, events);
        }
        out + &run_summary(&run.prepared, &totals, &run.outcomes, after_table)
    }

    /// A 28-row dump of NIFTY (2 strikes a side, a weekly and a monthly expiry): `g6sim universe --indices
    /// NIFTY --strikes-per-side 2 --weeks 1 --months 1`.
    fn dump_csv() -> Vec<u8> {
        let spec = SyntheticSpec {
            indices: vec!["NIFTY".into()],
            strikes_per_side: 2,
            weeks: 1,
            months: 1,
            ..Default::default()
        };
        write::to_csv(&write::synthetic_rows(&spec).unwrap())
    }

    fn outcome(expectation: &str, passed: bool, detail: &str, cycle: Option<u64>) -> ExpectationOutcome {
        ExpectationOutcome { expectation: expectation.into(), passed, detail: detail.into(), cycle }
    }

    fn row(file: &str, checked: Checked) -> Row {
        Row { file: file.into(), checked }
    }

    fn seed(seed: u64, expectations: usize, failures: Vec<ExpectationOutcome>) -> SeedOutcome {
        SeedOutcome { seed, cycles: 2, totals: Default::default(), depth_adjustments: 0, expectations, failures }
    }

    #[test]
    fn a_run_prints_its_table_then_its_summary_and_failures() {
        assert_eq!(
            table_and_summary(&RunOptions::default(), true),
            "cycle  time      elapsed   index      status  depth  expiries (status strike/field coverage)\n\
             \x20   1  09:15:00     1.9s   NIFTY      OK      10/10  this_week OK 1.00/1.00\n\
             \x20   2  09:16:00     1.9s   NIFTY      OK      10/10  this_week OK 1.00/1.00\n\
             \n\
             scenario t (2 cycles, seed 9, parity Off)\n\
             \x20 expiries: 2 OK, 0 PARTIAL, 0 EMPTY, 0 SYNTH\n\
             \x20 partial reasons: {\"low_strike\":0,\"low_field\":0,\"low_both\":0,\"unknown\":0,\"prefilter_clamp\":0}\n\
             \x20 depth adjustments: 0, prefilter clamps: 0, zero-data expiries: 0\n\
             \x20 cycle time: mean 1.9 s, max 1.9 s; SLA breaches: 0 (budget 51.0 s)\n\
             \x20 expectations: 1/2 passed\n\
             \x20 FAIL [cycle 1] expected always: NIFTY depth (Both) == 3; did not hold at cycle 1: NIFTY depth itm 10 otm 10\n"
        );
    }

    #[test]
    fn a_run_over_a_dump_prints_its_adjustments_and_universe() {
        let dump = DumpFile::from_bytes("u.csv", &dump_csv()).unwrap();
        let options = RunOptions { universe: Some(Arc::new(dump)), ..RunOptions::default() };
        let text = table_and_summary(&options, true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..5],
            [
                "cycle  time      elapsed   index      status  depth  expiries (status strike/field coverage)",
                "    1  09:15:00     1.8s   NIFTY      PARTIAL 10/10  this_week PARTIAL(low_strike) 0.24/1.00",
                "                           -> NIFTY low_strike_cov 10/10 -> 12/12 (strike coverage 0.238)",
                "    2  09:16:00     1.8s   NIFTY      PARTIAL 12/12  this_week PARTIAL(low_strike) 0.20/1.00",
                "                           -> NIFTY low_strike_cov 12/12 -> 14/14 (strike coverage 0.200)",
            ]
        );
        assert_eq!(
            table_and_summary(&options, false),
            "scenario t (2 cycles, seed 9, parity Off)\n\
             \x20 expiries: 0 OK, 2 PARTIAL, 0 EMPTY, 0 SYNTH\n\
             \x20 partial reasons: {\"low_strike\":2,\"low_field\":0,\"low_both\":0,\"unknown\":0,\"prefilter_clamp\":0}\n\
             \x20 depth adjustments: 2, prefilter clamps: 0, zero-data expiries: 0\n\
             \x20 cycle time: mean 1.8 s, max 1.8 s; SLA breaches: 0 (budget 51.0 s)\n\
             \x20 universe: u.csv (28 rows, 20 index options; the reader skipped not_an_option 6, unknown_underlying 2)\n\
             \x20 expiry map skipped (last cycle): not_an_option 6, unknown_underlying 2\n\
             \x20   NIFTY: 20 options, 2 expiries, step 50, lot 75, tick 0.05, ATM region 24800, weekly on Thursday\n\
             \x20 expectations: 0/2 passed\n\
             \x20 FAIL [cycle 1] expected always: NIFTY status OK; did not hold at cycle 1: NIFTY status PARTIAL\n\
             \x20 FAIL [cycle 1] expected always: NIFTY depth (Both) == 3; did not hold at cycle 1: NIFTY depth itm 12 otm 12\n"
        );
    }

    #[test]
    fn greeks_add_the_implied_volatilities_line() {
        let options = RunOptions { sets: vec!["compute_greeks=true".into()], ..RunOptions::default() };
        let text = table_and_summary(&options, false);
        assert!(
            text.contains(
                "\n  implied volatilities: 84 solved, 0 not solved, 4.6 solver iterations on average (IV and Greeks per \
                 expiry in cycles.jsonl)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn an_empty_verdict_says_nothing_was_checked() {
        let hint = "no expectations: nothing was checked (add `expectations` to the scenario)";
        assert_eq!(expectations(&[]), format!("  expectations: EMPTY, {hint}\n"));
        assert_eq!(verdict_lines(Verdict::Empty, &[], "  "), format!("  {hint}\n"));
        assert_eq!(verdict_lines(Verdict::Pass, &[outcome("a", true, "ok", None)], "  "), "");
        let failed = [outcome("a", true, "ok", None), outcome("at cycle 4: b", false, "saw c", Some(4))];
        assert_eq!(verdict_lines(Verdict::Fail, &failed, "> "), "> FAIL [cycle 4] expected at cycle 4: b; saw c\n");
        assert_eq!(
            expectations(&failed),
            "  expectations: 1/2 passed\n  FAIL [cycle 4] expected at cycle 4: b; saw c\n"
        );
    }

    #[test]
    fn the_markdown_summary_has_a_row_per_file_and_escapes_what_markdown_reads() {
        use crate::check::{CheckError, Event, Record};
        let mut record = Record::default();
        let failed = vec![outcome("never: x >= 1", false, "held at cycle 2: x | y = 1", Some(2))];
        let rows = [
            row("s/a.ron", Checked::Run { cycles: 2, outcomes: vec![outcome("a", true, "ok", None)] }),
            row(
                "s/b|`c`.ron",
                Checked::Seeds {
                    cycles: 2,
                    outcomes: vec![seed(3, 1, vec![]), seed(4, 1, failed)],
                    reproductions: vec![],
                },
            ),
            row("s/<d>.ron", Checked::Error("s/<d>.ron:1:2: *bad* `_x_` a_b ~~c~~ \\\n  hint: fix".into())),
        ];
        for r in &rows {
            record.event(&Event::Row(r));
        }
        record.end(&Ok(Tally { files: 3, failed: 1, errors: 1, seeds: None }));
        assert_eq!(
            check_markdown(&record, &["--no-env".to_string()]),
            "\n### g6sim check\n\n\
             3 scenarios: 1 passed, 1 failed, 1 could not be loaded\n\n\
             | scenario | verdict | first failure | reproduction |\n\
             |---|---|---|---|\n\
             | `s/a.ron` | PASS |  |  |\n\
             | ``s/b\\|`c`.ron`` | FAIL | seed 4: [cycle 2] expected never: x &gt;= 1; held at cycle 2: x \\| y = 1 | \
             ``g6sim run 's/b\\|`c`.ron' --seed 4 --no-env`` |\n\
             | `s/<d>.ron` | ERROR | s/&lt;d&gt;.ron:1:2: \\*bad\\* \\`\\_x\\_\\` a_b \\~\\~c\\~\\~ \\\\ |  |\n\n"
        );
        let mut stopped = Record::default();
        stopped.end(&Err(CheckError::NoScenariosDir));
        let text = check_markdown(&stopped, &[]);
        assert!(text.starts_with("\n### g6sim check\n\nerror: no scenarios/ directory here"), "{text}");
        assert!(text.contains("<br>  hint: name scenario files"), "{text}");
    }

    #[test]
    fn check_rows_of_every_verdict() {
        assert_eq!(check_header(false), "result scenario                                 cycles  expectations\n");
        assert_eq!(check_header(true), "result scenario                                 cycles  seeds\n");
        let mut outcomes = vec![outcome("a", true, "ok", None); 6];
        outcomes.push(outcome(
            "total expiry_map_build events for NIFTY == 6",
            false,
            "expiry_map_build events for NIFTY = 0",
            None,
        ));
        assert_eq!(
            check_row(&row("scenarios/invalid_expiries.ron", Checked::Run { cycles: 6, outcomes })),
            "FAIL   scenarios/invalid_expiries.ron                6  6/7\n\
             \x20        FAIL expected total expiry_map_build events for NIFTY == 6; expiry_map_build events for NIFTY = 0\n"
        );
        assert_eq!(
            check_row(&row("tests/fixtures/docs/empty.ron", Checked::Run { cycles: 5, outcomes: vec![] })),
            "EMPTY  tests/fixtures/docs/empty.ron                 5  0/0\n\
             \x20        no expectations: nothing was checked (add `expectations` to the scenario)\n"
        );
        let broken = row("tests/fixtures/docs/broken.ron", Checked::Error("7 problems".into()));
        assert_eq!(
            (check_row(&broken), broken.verdict()),
            ("ERROR  tests/fixtures/docs/broken.ron\n".into(), Err("7 problems"))
        );
        let outcomes = vec![seed(1, 0, vec![]), seed(2, 0, vec![])];
        assert_eq!(
            check_row(&row("e.ron", Checked::Seeds { cycles: 5, outcomes, reproductions: vec![] })),
            "EMPTY  e.ron                                         5  2 seeds run, no expectations\n\
             \x20        no expectations: nothing was checked (add `expectations` to the scenario)\n"
        );
        let failing = vec![seed(1, 2, vec![]), seed(2, 2, vec![outcome("b", false, "saw c", Some(1))])];
        let reproductions = vec!["g6sim run t.ron --seed 2  # first failure: b; saw c".to_string()];
        assert_eq!(
            check_row(&row("t.ron", Checked::Seeds { cycles: 2, outcomes: failing, reproductions })),
            "FAIL   t.ron                                         2  seeds 1/2 passed; failing seeds: 2\n\
             \x20        g6sim run t.ron --seed 2  # first failure: b; saw c\n"
        );
        let comparison = Comparison {
            history: "h".into(),
            cycles: 24,
            statuses_compared: 48,
            depths_compared: 24,
            differing_cycles: vec![],
            differences: vec![],
            flips: vec![],
        };
        let replayed = Checked::Replay { cycles: 24, comparison: Box::new(comparison) };
        assert_eq!(
            check_row(&row("scenarios/history/nifty_strike_dip.jsonl", replayed)),
            "PASS   scenarios/history/nifty_strike_dip.jsonl     24  replay: 48 statuses, 24 depths compared, 0 differ\n"
        );
    }

    #[test]
    fn the_tally_counts_files_and_seeds() {
        let tally = Tally { files: 4, failed: 1, errors: 1, seeds: None };
        assert_eq!(check_tally(&tally), "4 scenarios: 2 passed, 1 failed, 1 could not be loaded\n");
        let tally = Tally { files: 1, failed: 0, errors: 0, seeds: Some(8) };
        assert_eq!(check_tally(&tally), "1 scenario x 8 seeds: 1 passed, 0 failed, 0 could not be loaded\n");
    }

    #[test]
    fn seed_sweeps_print_a_line_a_seed_then_the_scenario() {
        let prepared = prepare(&loaded(), &RunOptions::default()).unwrap();
        let outcomes: Vec<SeedOutcome> =
            [1, 2].iter().map(|&s| seed_sweep::run_seed(&prepared, s, |_| {}).unwrap().1).collect();
        let width = seed_width(&[1, 2]);
        let lines: String = outcomes.iter().map(|o| seed_line(o, width)).collect();
        assert_eq!(
            lines,
            "seed 1  FAIL  expiries 2 OK, 0 PARTIAL, 0 EMPTY, 0 SYNTH; depth adjustments 0; expectations 1/2 passed\n\
             seed 2  FAIL  expiries 2 OK, 0 PARTIAL, 0 EMPTY, 0 SYNTH; depth adjustments 0; expectations 1/2 passed\n"
        );
        assert_eq!(seed_width(&[3, 10, 200]), 3);
        let reproductions = seed_sweep::reproductions("t.ron", &outcomes, &[]);
        assert_eq!(
            seeds_summary(&prepared, &outcomes, &reproductions),
            "\nscenario t (2 cycles, parity Off): seeds 0/2 passed; failing seeds: 1, 2\n\
             \x20 g6sim run t.ron --seed 1  # first failure: always: NIFTY depth (Both) == 3; did not hold at cycle 1: NIFTY depth itm 10 otm 10\n\
             \x20 g6sim run t.ron --seed 2  # first failure: always: NIFTY depth (Both) == 3; did not hold at cycle 1: NIFTY depth itm 10 otm 10\n"
        );
        assert_eq!(seed_dirs(2, Path::new("o3"), false, false), "wrote 2 run directories: o3/seed-N\n");
        assert_eq!(
            seed_dirs(2, Path::new("o3"), true, true),
            "wrote 2 run directories: o3/seed-N (charts in seed-N/plots/, a report page in seed-N/report.html)\n"
        );
    }

    #[test]
    fn files_written_and_charts_drawn() {
        let files: Vec<PathBuf> = ["o/a.png", "o/a.svg", "o/b.png", "o/b.svg"].iter().map(PathBuf::from).collect();
        assert_eq!(wrote(&files[..2]), "wrote o/a.png, o/a.svg\n");
        assert_eq!(drew(&files, Path::new("o")), "drew 2 charts (4 files, PNG and SVG) in o\n");
        let csv = dump_csv();
        let dump = universe::parse("u.csv", &csv).unwrap();
        assert_eq!(
            universe_dump(Path::new("u.csv"), &dump, csv.len()),
            "wrote u.csv: 28 rows, 20 index options, 2407 bytes\n\
             \x20 NIFTY           20 options  2 expiries  step 50  lot 75\n\
             \x20 skipped by a reader: not_an_option 6, unknown_underlying 2\n"
        );
    }

    #[test]
    fn environment_notes() {
        let sets = EnvNote::Sets { var: "G6_X".into(), value: "4".into(), key: "x".into() };
        assert_eq!(env_note(&sets), "note: environment G6_X=4 sets x (--no-env ignores G6_* variables)\n");
        let miss = EnvNote::NearMiss { var: "G6_XX".into(), meant: "G6_X" };
        assert_eq!(
            env_note(&miss),
            "warning: environment G6_XX is no variable g6sim reads (did you mean G6_X?): it changes nothing\n"
        );
    }

    #[test]
    fn a_sweep_says_what_it_runs_and_how() {
        let params = vec![parse_param("contract_ok_cycles=2,3").unwrap()];
        let mut plan =
            Plan::new(vec![crate::sweep::Source::of(loaded())], RunOptions::default(), params, vec![1, 2]).unwrap();
        assert_eq!(
            sweep_start(&plan, Shard::ALL, 4),
            "sweep t: 2 settings x 2 seeds = 4 runs\n\
             scoring on the lean path (the same scores as full runs, faster; --full runs them in full)\n"
        );
        plan.full_runs = true;
        assert_eq!(
            sweep_start(&plan, Shard::parse("1/2").unwrap(), 2),
            "sweep t: 2 settings x 2 seeds = 4 runs; shard 1/2: 2 runs\nscoring full runs (--full)\n"
        );
        let files = vec![PathBuf::from("s/sweep.json"), PathBuf::from("s/runs-shard-1-of-2.jsonl")];
        assert_eq!(
            shard_written(&files, Shard::parse("1/2").unwrap()),
            "wrote s/sweep.json, s/runs-shard-1-of-2.jsonl\nmerge all 2 shards with: g6sim sweep merge DIR... --out DIR\n"
        );
        assert_eq!(merged(4, "t", 2), "merged 4 runs of sweep t from 2 directories\n");
    }

    /// An exploration's first line: the seeds, around which scenario, the mode and the configuration under test.
    #[test]
    fn explore_start_names_the_scenario_and_the_configuration() {
        use crate::explore::Exploration;
        let generated = Exploration::new(RunOptions::default(), 1).unwrap();
        assert_eq!(
            explore_start("3 seeds", &generated),
            "explore 3 seeds: one generated scenario per seed, parity off, the default configuration\n"
        );
        let text = "Scenario(name: \"s\", start: \"2025-10-06T09:15:00+05:30\", cycles: 4, parity: G6, \
                    config: (contract_ok_cycles: 2), indices: [(symbol: \"NIFTY\")])";
        let loaded = LoadedScenario::inline(parse("s.ron", text).unwrap(), "s.ron");
        let options = RunOptions { sets: vec!["contract_cooldown=1".into()], ..RunOptions::default() };
        let around = Exploration::from_scenario(&loaded, options, 1).unwrap();
        assert_eq!(
            explore_start("3 seeds", &around),
            "explore 3 seeds around s.ron: its indices and settings, a market and faults drawn per seed, parity g6, \
             contract_cooldown: 1, contract_ok_cycles: 2\n"
        );
    }
}
