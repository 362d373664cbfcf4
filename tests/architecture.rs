//! The layers of `src/`, read from the code's own imports: every module belongs to the layer
//! `ARCHITECTURE.md`'s layer table gives it, a module names (by a `crate::` or `super::` path) only modules
//! of its own layer or of the layers below, no import circle joins modules, and the crate root only
//! declares modules and re-exports. The table in `ARCHITECTURE.md` is the one list: a new module fails this
//! test until it is given a layer there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One named use of another module: `from` names `to` at `file:line`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    file: String,
    line: usize,
}

/// The layers, bottom first, each with its modules: the table under `## Layers` in `ARCHITECTURE.md`
/// (`| layer | modules | ... |` rows, module names in backticks).
fn layers(architecture: &str) -> Vec<(String, Vec<String>)> {
    let section = architecture.split("\n## Layers").nth(1).expect("ARCHITECTURE.md has a `## Layers` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut out = Vec::new();
    for row in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let [layer, modules, ..] = cells[..] else { continue };
        let layer = layer.trim_matches('*');
        if layer == "layer" || layer.chars().all(|c| c == '-' || c == ':') {
            continue;
        }
        let names = modules.split('`').skip(1).step_by(2).map(String::from).collect();
        out.push((layer.to_string(), names));
    }
    out
}

/// The source with comments, string and character literals blanked (lines kept), so a path named in a doc
/// comment or a message is not an import.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if b[i] == b'r'
            && (b[i + 1..].starts_with(b"\"") || b[i + 1..].starts_with(b"#\"") || b[i + 1..].starts_with(b"##\""))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            let start = i + 2 + hashes;
            let end =
                b[start..].windows(close.len()).position(|w| w == close).map_or(b.len(), |p| start + p + close.len());
            b[i..end].iter().for_each(|c| blank(&mut out, *c));
            i = end;
        } else if b[i] == b'"' {
            blank(&mut out, b[i]);
            i += 1;
            while i < b.len() && b[i] != b'"' {
                let step = if b[i] == b'\\' { 2 } else { 1 };
                b[i..(i + step).min(b.len())].iter().for_each(|c| blank(&mut out, *c));
                i += step;
            }
            if i < b.len() {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '\u{..}'); otherwise a lifetime, kept.
            let len = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..].iter().position(|c| *c == b'\'').map(|p| p + 3)
            } else {
                let ch = std::str::from_utf8(&b[i + 1..])
                    .ok()
                    .or_else(|| std::str::from_utf8(&b[i + 1..(i + 5).min(b.len())]).ok());
                ch.and_then(|s| s.chars().next())
                    .map(char::len_utf8)
                    .filter(|n| b.get(i + 1 + n) == Some(&b'\''))
                    .map(|n| n + 2)
            };
            match len {
                Some(n) => {
                    b[i..i + n].iter().for_each(|c| blank(&mut out, *c));
                    i += n;
                }
                None => {
                    out.push(b[i]);
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn ident_at(s: &str) -> Option<&str> {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    (end > 0).then(|| &s[..end])
}

/// The first names of the items of a `{...}` group starting at `s` (after the brace): `{a::b, c::{d, e}}` gives
/// `a`, `c`.
fn group_heads(s: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                start = true;
                continue;
            }
            c if c.is_whitespace() => continue,
            _ => {}
        }
        if start && depth == 0 {
            if let Some(id) = ident_at(&s[i..]) {
                heads.push(id);
            }
            start = false;
        }
    }
    heads
}

/// The top-level modules a file names, with the line of each mention. `module_path` is the file's module
/// path (`["cycle", "ladder"]` for `src/cycle/ladder.rs`, `["cycle"]` for `src/cycle/mod.rs`); inline
/// modules (`mod tests { .. }`) extend it, so `super::` resolves from where it is written.
fn mentions(text: &str, module_path: &[String]) -> Vec<(String, usize)> {
    let code = code_only(text);
    let mut out = Vec::new();
    let line_of = |pos: usize| code[..pos].matches('\n').count() + 1;
    let bytes = code.as_bytes();
    let boundary =
        |i: usize| i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':');
    let mut path = module_path.to_vec();
    // Inline modules open: the brace depth inside each.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                    path.pop();
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        if boundary(i) && rest.starts_with("mod ") {
            let after = rest["mod ".len()..].trim_start();
            if let Some(name) = ident_at(after)
                && after[name.len()..].trim_start().starts_with('{')
            {
                path.push(name.to_string());
                inline.push(depth + 1);
            }
        }
        let after_root = if boundary(i) && rest.starts_with("crate::") {
            Some(i + "crate::".len())
        } else if boundary(i) && rest.starts_with("super::") {
            let mut j = i;
            let mut ups = 0;
            while code[j..].starts_with("super::") {
                ups += 1;
                j += "super::".len();
            }
            // `super` steps up from the current module: at the crate root after as many steps as the path is long.
            match path.len().checked_sub(ups) {
                Some(0) => Some(j),
                _ => {
                    i = j;
                    continue;
                }
            }
        } else {
            None
        };
        match after_root {
            Some(j) => {
                let rest = code[j..].trim_start();
                let heads = match rest.strip_prefix('{') {
                    Some(group) => group_heads(group),
                    None => ident_at(rest).into_iter().collect(),
                };
                out.extend(heads.into_iter().map(|h| (h.to_string(), line_of(i))));
                i = j;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The edges between top-level modules of the library files `files` (`(path relative to src/, text)`),
/// crate-root items included (as module `""`); `modules` are the top-level module names.
fn edges(files: &[(String, String)], modules: &BTreeSet<String>) -> Vec<Edge> {
    let mut out = BTreeSet::new();
    for (rel, text) in files {
        let mut path: Vec<String> = rel.trim_end_matches(".rs").split('/').map(String::from).collect();
        if path.last().is_some_and(|p| p == "mod") {
            path.pop();
        }
        let from = path[0].clone();
        for (name, line) in mentions(text, &path) {
            let to = if modules.contains(&name) { name } else { String::new() };
            if to != from {
                out.insert(Edge { from: from.clone(), to, file: format!("src/{rel}"), line });
            }
        }
    }
    out.into_iter().collect()
}

/// What breaks the rule: a module without a layer, a layer naming a missing module, an import of a layer
/// above, a use of a crate-root item, an import circle.
fn violations(layers: &[(String, Vec<String>)], modules: &BTreeSet<String>, edges: &[Edge]) -> Vec<String> {
    let mut out = Vec::new();
    let layer_of: BTreeMap<&str, (usize, &str)> = layers
        .iter()
        .enumerate()
        .flat_map(|(rank, (layer, names))| names.iter().map(move |m| (m.as_str(), (rank, layer.as_str()))))
        .collect();
    for m in modules.iter().filter(|m| !layer_of.contains_key(m.as_str())) {
        out.push(format!("module `{m}` has no layer: add it to the layer table of ARCHITECTURE.md"));
    }
    for m in layer_of.keys().filter(|m| !modules.contains(**m)) {
        out.push(format!("ARCHITECTURE.md's layer table names `{m}`, which is not a module of src/"));
    }
    for e in edges {
        if e.to.is_empty() {
            out.push(format!(
                "{}:{}: `{}` uses an item of the crate root: name it by its module (the root only re-exports)",
                e.file, e.line, e.from
            ));
            continue;
        }
        let (Some(&(from_rank, from_layer)), Some(&(to_rank, to_layer))) =
            (layer_of.get(e.from.as_str()), layer_of.get(e.to.as_str()))
        else {
            continue;
        };
        if to_rank > from_rank {
            out.push(format!(
                "{}:{}: `{}` ({from_layer}) imports `{}` ({to_layer}): a layer may use only itself and the layers below",
                e.file, e.line, e.from, e.to
            ));
        }
    }
    if let Some(circle) = circle(edges) {
        out.push(format!("import circle: {}", circle.join(" -> ")));
    }
    out
}

/// One import circle among the modules, if any (`a -> b (src/a.rs:3) -> a (src/b.rs:9)`).
fn circle(edges: &[Edge]) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
    for e in edges.iter().filter(|e| !e.to.is_empty()) {
        next.entry(e.from.as_str()).or_default().push(e);
    }
    // Depth-first search with colours: 1 on the stack, 2 done.
    fn visit<'a>(
        m: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a Edge>>,
        colour: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a Edge>,
    ) -> Option<Vec<String>> {
        colour.insert(m, 1);
        let mut seen = BTreeSet::new();
        for e in next.get(m).into_iter().flatten().filter(|e| seen.insert(e.to.as_str())) {
            stack.push(e);
            match colour.get(e.to.as_str()) {
                Some(1) => {
                    let start = stack.iter().position(|s| s.from == e.to).unwrap_or(0);
                    let mut out = vec![e.to.clone()];
                    out.extend(stack[start..].iter().map(|s| format!("{} ({}:{})", s.to, s.file, s.line)));
                    return Some(out);
                }
                Some(_) => {}
                None => {
                    if let Some(found) = visit(e.to.as_str(), next, colour, stack) {
                        return Some(found);
                    }
                }
            }
            stack.pop();
        }
        colour.insert(m, 2);
        None
    }
    let mut colour = BTreeMap::new();
    let starts: Vec<&str> = next.keys().copied().collect();
    for m in starts {
        if !colour.contains_key(m)
            && let Some(found) = visit(m, &next, &mut colour, &mut Vec::new())
        {
            return Some(found);
        }
    }
    None
}

/// What the crate root may hold: attributes, docs, module declarations and re-exports.
fn root_items(lib: &str) -> Vec<String> {
    let code = code_only(lib);
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (n, line) in code.lines().enumerate() {
        let t = line.trim();
        let top = depth == 0;
        depth = (depth + t.matches(['{', '(', '[']).count()).saturating_sub(t.matches(['}', ')', ']']).count());
        if !top || t.is_empty() || t.starts_with("#!") || t.starts_with("#[") {
            continue;
        }
        let allowed = ["pub mod ", "pub(crate) mod ", "mod ", "pub use ", "use "].iter().any(|p| t.starts_with(p));
        if !allowed {
            out.push(format!("src/lib.rs:{}: `{t}`: the crate root only declares modules and re-exports", n + 1));
        }
    }
    out
}

/// The library's files under `src/` (the crate root aside), each with its text, and the top-level module names.
/// The binary (`src/bin/`) sits on top of every layer and is not read.
fn library_files(src: &Path) -> (Vec<(String, String)>, BTreeSet<String>) {
    let files: Vec<(String, String)> = rust_files(src)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(src).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .filter(|(rel, _)| rel != "lib.rs" && !rel.starts_with("bin/"))
        .collect();
    let modules =
        files.iter().map(|(rel, _)| rel.split('/').next().unwrap().trim_end_matches(".rs").to_string()).collect();
    (files, modules)
}

#[test]
fn the_layers_point_down_and_no_import_circle_joins_the_modules() {
    let root = crate::common::root();
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let layers = layers(&architecture);
    let names: Vec<&str> = layers.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(names, ["model", "simulation", "inputs and outputs", "tools"], "the layer table, bottom first");
    let (files, modules) = library_files(&root.join("src"));
    let edges = edges(&files, &modules);
    assert!(edges.len() > 100, "the imports were read: {} edges", edges.len());
    let mut problems = violations(&layers, &modules, &edges);
    problems.extend(root_items(&std::fs::read_to_string(root.join("src/lib.rs")).unwrap()));
    assert!(problems.is_empty(), "the layers are broken:\n{}", problems.join("\n"));
}

fn fixture_layers() -> Vec<(String, Vec<String>)> {
    layers(
        "# A\n\n## Layers\n\n| layer | modules | what |\n|---|---|---|\n| **model** | `vocab`, `schema` | words |\n\
         | **simulation** | `cycle`, `world` | the cycle |\n| **tools** | `sweep` | tuning |\n\n## Next\n| x | `y` |\n",
    )
}

fn fixture(files: &[(&str, &str)]) -> Vec<String> {
    let files: Vec<(String, String)> = files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    let modules =
        files.iter().map(|(rel, _)| rel.split('/').next().unwrap().trim_end_matches(".rs").to_string()).collect();
    let layers = fixture_layers();
    violations(&layers, &modules, &edges(&files, &modules))
}

#[test]
fn the_layer_table_is_read_from_its_section() {
    let layers = fixture_layers();
    assert_eq!(
        layers,
        [
            ("model".to_string(), vec!["vocab".to_string(), "schema".to_string()]),
            ("simulation".to_string(), vec!["cycle".to_string(), "world".to_string()]),
            ("tools".to_string(), vec!["sweep".to_string()]),
        ]
    );
}

#[test]
fn an_upward_import_fails_with_its_file_and_line() {
    let problems = fixture(&[
        ("vocab.rs", "pub enum Status {}\n"),
        ("schema.rs", "use crate::vocab::Status;\n\nuse crate::{cycle::ladder::atm, vocab};\n"),
        ("cycle/mod.rs", "pub mod ladder;\n"),
        (
            "cycle/ladder.rs",
            "use super::super::vocab::Status;\n#[cfg(test)]\nmod tests {\n    use super::super::build;\n}\n",
        ),
        ("world/mod.rs", ""),
        ("sweep/mod.rs", "use crate::cycle;\n"),
    ]);
    assert_eq!(
        problems,
        [
            "src/schema.rs:3: `schema` (model) imports `cycle` (simulation): a layer may use only itself and the layers below"
        ]
    );
}

#[test]
fn a_circle_within_a_layer_fails_and_is_named() {
    let problems = fixture(&[
        ("vocab.rs", ""),
        ("schema.rs", ""),
        ("world/mod.rs", "mod spawn;\n"),
        ("world/spawn.rs", "fn f() { crate::cycle::build(); }\n"),
        ("cycle/mod.rs", "use crate::world::Spot;\n"),
        ("sweep.rs", ""),
    ]);
    assert_eq!(problems, ["import circle: cycle -> world (src/cycle/mod.rs:1) -> cycle (src/world/spawn.rs:1)"]);
}

#[test]
fn comments_strings_and_characters_are_not_imports() {
    let problems = fixture(&[
        (
            "vocab.rs",
            "//! See [`crate::sweep`].\n/* crate::sweep */ const A: &str = \"crate::sweep\";\nconst B: char = '\"';\nconst C: &str = r#\"crate::sweep\"#;\nfn f<'a>(x: &'a str) {}\n",
        ),
        ("schema.rs", ""),
        ("cycle.rs", ""),
        ("world.rs", ""),
        ("sweep.rs", ""),
    ]);
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn a_module_without_a_layer_and_a_root_item_fail() {
    let problems = fixture(&[
        ("vocab.rs", "use crate::Simulation;\n"),
        ("schema.rs", ""),
        ("cycle.rs", ""),
        ("world.rs", ""),
        ("sweep.rs", ""),
        ("explore.rs", ""),
    ]);
    assert_eq!(
        problems,
        [
            "module `explore` has no layer: add it to the layer table of ARCHITECTURE.md",
            "src/vocab.rs:1: `vocab` uses an item of the crate root: name it by its module (the root only re-exports)",
        ]
    );
    assert_eq!(
        root_items("//! Docs.\n#![allow(x)]\npub mod a;\npub use a::{\n    B,\n};\npub fn run() {}\n"),
        ["src/lib.rs:7: `pub fn run() {}`: the crate root only declares modules and re-exports"]
    );
}

/// Every source file the documentation names (`src/cycle/ladder.rs`, `cycle/ladder.rs` under src/, a file of
/// the binary, `args.rs` under src/bin/g6sim/, or a test or benchmark file, `tests/sweep.rs`) exists, so a
/// moved or renamed module or test cannot leave the map pointing nowhere.
#[test]
fn every_source_file_the_docs_name_exists() {
    let root = crate::common::root();
    let mut pages = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    pages.extend(
        std::fs::read_dir(root.join("docs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    let mut missing = Vec::new();
    let mut named = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for quoted in text.split('`').skip(1).step_by(2) {
            let path = quoted.strip_prefix("src/").unwrap_or(quoted);
            let is_source = path.ends_with(".rs")
                && path
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '/' || c == '.');
            if !is_source {
                continue;
            }
            named += 1;
            let exists = ["src", "src/bin/g6sim", "."].iter().any(|dir| root.join(dir).join(path).is_file());
            if !exists {
                missing.push(format!("{}: `{quoted}`", page.strip_prefix(&root).unwrap().display()));
            }
        }
    }
    assert!(named > 20, "the docs name source files: {named} found");
    assert!(missing.is_empty(), "the docs name source files that do not exist:\n{}", missing.join("\n"));
}

/// The integration tests use the library as a program does: the `internals` module (the benchmarks' way to the
/// kernels, on in test builds) appears nowhere in `tests/`.
#[test]
fn integration_tests_use_only_the_facade() {
    let root = crate::common::root();
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(root.join("tests")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        // The needle is split so that this file does not find itself.
        let needle = ["g6sim::", "internals"].concat();
        for (n, line) in text.lines().enumerate() {
            if line.contains(&needle) {
                found.push(format!("{}:{}: {}", path.strip_prefix(&root).unwrap().display(), n + 1, line.trim()));
            }
        }
    }
    assert!(files > 20, "{files} test files read");
    assert!(found.is_empty(), "integration tests reach past the facade:\n{}", found.join("\n"));
}
