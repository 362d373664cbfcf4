//! The README and the pages of `docs/` are tested: every `g6sim` command they show runs, with the exit code
//! and the output the page shows.
//!
//! Commands stand in ```` ```console ```` blocks in trycmd's format: `$ g6sim ...` starts a command (`> `
//! continues it), `? 1` after it is the exit code when not 0, and the lines after are its standard output and
//! error as they interleave; `...` on a line of its own stands for any lines, `[..]` for any part of a line.
//! Each page runs in a scratch directory of its own, in page order, that sees the repository's `scenarios/`,
//! `benches/`, `tests/` and `examples/` (so a page's `out/` never lands in the checkout), with every variable
//! g6sim reads (`G6_*`, a sweep's shard variables, clap's colour switches: the list `g6sim_cmd` clears)
//! emptied: g6sim ignores an empty variable, as if unset, and an empty colour switch colours no pipe.
//!
//! `TRYCMD=overwrite cargo test --test suite docs::` writes what the commands printed back into the pages.
//!
//! Some tables are generated from the catalogues in the code: the fault table of `docs/scenarios.md` (from
//! `src/fault.rs`), the score table of `docs/tuning.md` (from `src/scoring/score.rs`) and the metric table of
//! `docs/outputs.md` (from `src/output/metrics.rs`), each between a
//! `<!-- generated: NAME -->` line and an `<!-- end: NAME -->` line. The pages must hold what the code gives;
//! `TRYCMD=overwrite` writes it.

use crate::common::*;
use std::path::{Path, PathBuf};

/// The pages: the README and every Markdown file of `docs/`, in name order.
fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .map(|dir| dir.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "md")).collect())
        .unwrap_or_default();
    pages.sort();
    pages.insert(0, root().join("README.md"));
    pages
}

/// A page's name in the scratch directory: `README.md`, `docs--cli.md`.
fn scratch_name(page: &Path) -> String {
    let relative = page.strip_prefix(root()).unwrap();
    relative.to_string_lossy().replace(['/', '\\'], "--")
}

/// What a page's commands see of the repository, linked into its working directory.
const SHARED: [&str; 4] = ["scenarios", "benches", "tests", "examples"];

#[test]
fn every_command_of_the_pages_gives_what_the_page_shows() {
    let scratch = temp_dir("docs");
    let cases = trycmd::TestCases::new();
    cases.register_bin("g6sim", bin());
    // Every variable g6sim reads, emptied (trycmd sets variables; it cannot remove one).
    for var in inherited_g6sim_vars() {
        cases.env(var, "");
    }
    let mut copies = Vec::new();
    for page in pages() {
        let copy = scratch.join(scratch_name(&page));
        std::fs::copy(&page, &copy).unwrap();
        // trycmd runs a page's commands in `<page>.in/` beside it.
        let work = copy.with_extension("in");
        std::fs::create_dir_all(&work).unwrap();
        for shared in SHARED {
            link(&root().join(shared), &work.join(shared));
        }
        cases.case(&copy);
        copies.push((page, copy));
    }
    cases.run();
    if overwrite() {
        for (page, copy) in copies {
            std::fs::write(&page, with_generated(&std::fs::read_to_string(copy).unwrap())).unwrap();
        }
    }
}

fn overwrite() -> bool {
    std::env::var_os("TRYCMD").is_some_and(|mode| mode == "overwrite")
}

/// The generated tables: each one's name and text.
fn generated_tables() -> Vec<(&'static str, String)> {
    vec![
        ("faults", fault_table()),
        ("scores", score_table()),
        ("metrics", metric_table()),
        ("cycle-columns", cycle_columns()),
    ]
}

/// The columns of the Python package's cycles table: name, Arrow type, where in `cycles.jsonl`, what it holds.
fn cycle_columns() -> String {
    use g6sim::output::columns::{CYCLE_FIELDS, Level};
    let mut out = String::from("| column | type | from `cycles.jsonl` | what it holds |\n|---|---|---|---|\n");
    for f in CYCLE_FIELDS {
        let level = match f.level {
            Level::Cycle => "",
            Level::Index => "indices[]",
            Level::Expiry => "indices[].expiries[]",
        };
        let from = format!("{level}{}", f.pointer.replace('/', "."));
        let from = from.trim_start_matches('.');
        out += &format!("| `{}` | {} | `{from}` | {} |\n", f.name, f.kind.as_str(), f.help);
    }
    out
}

/// The metric table: each family g6sim exports, its type, labels and help text.
fn metric_table() -> String {
    let mut out = String::from("| family | type | labels | help |\n|---|---|---|---|\n");
    for m in g6sim::output::METRICS {
        let labels: Vec<String> = m.labels.iter().map(|l| format!("`{l}`")).collect();
        out += &format!("| `{}` | {} | {} | {} |\n", m.name, m.kind.as_str(), labels.join(", "), m.help);
    }
    out
}

/// The fault table: each kind as a scenario writes it, what it does, what it acts on, the phase that
/// applies it, and whether the lean scoring path models it.
fn fault_table() -> String {
    use g6sim::scenario::{FaultKind, LeanSupport, Scope};
    let mut out = String::from("| fault | what it does | acts on | applied by | lean path |\n|---|---|---|---|---|\n");
    for &kind in FaultKind::ALL {
        let scope = match kind.scope() {
            Scope::Expiry => "an expiry",
            Scope::Index => "the index",
            Scope::Process => "the process",
        };
        let lean = match kind.lean() {
            LeanSupport::Modelled => "modelled".to_string(),
            LeanSupport::Refused(why) => format!("runs in full: {why}"),
        };
        let (syntax, what, phase) = (kind.syntax(), kind.describe(), kind.phase().module());
        out += &format!("| `{syntax}` | {what} | {scope} | `{phase}` | {lean} |\n");
    }
    out
}

/// The score table: each score's name, caption, unit, direction, figures over seeds and definition.
fn score_table() -> String {
    use g6sim::sweep::{Better, OverSeeds, Score};
    let mut out =
        String::from("| score | caption | unit | better | over seeds | definition |\n|---|---|---|---|---|---|\n");
    for &score in Score::ALL {
        let s = score.info();
        let better = match s.better {
            Better::Lower => "lower",
            Better::Higher => "higher",
        };
        let over = match s.over_seeds {
            OverSeeds::Share => "share",
            OverSeeds::Stat => "mean, p95, worst",
            OverSeeds::Sum => "sum",
        };
        out += &format!("| `{}` | {} | {} | {better} | {over} | {} |\n", s.name, s.caption, s.unit, s.definition);
    }
    out
}

/// A page's text with each generated table as the code gives it.
fn with_generated(text: &str) -> String {
    let mut text = text.to_string();
    for (name, table) in generated_tables() {
        let (open, close) = (format!("<!-- generated: {name} -->\n"), format!("<!-- end: {name} -->"));
        if let (Some(a), Some(b)) = (text.find(&open), text.find(&close)) {
            text.replace_range(a + open.len()..b, &table);
        }
    }
    text
}

/// Each generated table stands in exactly one page, as the catalogue in the code gives it: a new fault kind
/// or score is documented by its entry in the code.
#[test]
fn the_generated_tables_are_the_codes() {
    for (name, _) in generated_tables() {
        let open = format!("<!-- generated: {name} -->");
        let holding: Vec<PathBuf> =
            pages().into_iter().filter(|p| std::fs::read_to_string(p).unwrap().contains(&open)).collect();
        assert_eq!(holding.len(), 1, "`{open}` is in one page: {holding:?}");
    }
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let expected = with_generated(&text);
        if overwrite() {
            std::fs::write(&page, expected).unwrap();
        } else {
            assert!(
                text == expected,
                "{}: a generated table is not what the code gives; run `TRYCMD=overwrite cargo test --test suite \
                 docs::` and check the diff",
                page.display()
            );
        }
    }
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

#[cfg(windows)]
fn link(target: &Path, at: &Path) {
    std::os::windows::fs::symlink_dir(target, at).unwrap();
}

/// Fenced blocks of a page: (info string, first line number, lines).
fn blocks(text: &str) -> Vec<(String, usize, Vec<&str>)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, Vec<&str>)> = None;
    for (n, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => open = Some((info.trim().to_string(), n + 1, Vec::new())),
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some((_, _, lines)), None) => lines.push(line),
            (None, None) => {}
        }
    }
    out
}

/// The pages whose ```` ```python ```` blocks are doctests, which `scripts/test` runs with pytest.
const DOCTESTED: [&str; 1] = ["docs/python.md"];

/// A `g6sim` command shown anywhere but in a tested ```` ```console ```` block (or a doctested
/// ```` ```python ```` block) is a command nobody runs: the pages show every command that way (the two
/// commands that start and test the project stand in ```` ```sh ```` blocks).
#[test]
fn the_pages_show_g6sim_commands_only_where_they_are_tested() {
    let script = std::fs::read_to_string(root().join("scripts/test")).unwrap();
    for page in DOCTESTED {
        assert!(script.contains(page), "scripts/test runs the doctests of {page}");
    }
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let doctested = DOCTESTED.iter().any(|d| page.ends_with(d));
        for (info, first, lines) in blocks(&text) {
            let tested = info == "console" || (doctested && info == "python");
            for (k, line) in lines.iter().enumerate() {
                let command = line.trim_start().trim_start_matches("$ ");
                let shown = command.starts_with("g6sim ");
                assert!(
                    tested || !shown,
                    "{}:{}: `{}` stands in a ```{info} block: show it in a ```console block (`$ g6sim ...` and its \
                     output), where tests/docs.rs runs it",
                    page.display(),
                    first + k + 1,
                    line.trim()
                );
            }
        }
    }
}

/// Every page of `docs/` is linked from the README or from another page, and every relative link of every page
/// leads to a file of the repository.
#[test]
fn every_page_is_linked_and_every_link_leads_somewhere() {
    let pages = pages();
    let mut linked = std::collections::BTreeSet::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let dir = page.parent().unwrap();
        for target in links(&text) {
            if target.starts_with("http") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let file = target.split('#').next().unwrap();
            let path = dir.join(file);
            assert!(path.exists(), "{}: the link `{target}` leads nowhere", page.display());
            if let Ok(path) = path.canonicalize() {
                linked.insert(path);
            }
        }
    }
    for page in pages.iter().skip(1) {
        assert!(linked.contains(&page.canonicalize().unwrap()), "{} is linked from no page", page.display());
    }
}

/// The targets of a page's Markdown links `[text](target)` and images, outside code blocks and code spans.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        let outside_code: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = outside_code.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                out.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    out
}
