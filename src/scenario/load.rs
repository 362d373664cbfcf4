//! Loading a scenario file: RON parsing with the field path, then cross-reference checks. Every error
//! names the file, the line:column, the field's path, what was expected, and a hint.

use super::Scenario;
use super::validate::problems;
use crate::suggest::did_you_mean;
use crate::universe::{self, DumpFile};
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// A scenario and the bytes it came from.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    /// File name as given.
    pub file: String,
    /// sha256 of the file's bytes, hex.
    pub content_sha256: String,
    /// The scenario's `universe` dump, read once (shared by every run of the scenario).
    pub universe: Option<Arc<DumpFile>>,
}

impl LoadedScenario {
    /// A scenario that names no universe file, labelled `file` (inline text, tests).
    pub fn inline(scenario: Scenario, file: &str) -> Self {
        Self { scenario, file: file.to_string(), content_sha256: String::new(), universe: None }
    }
}

/// A scenario that could not be loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; 0 when the error has no position (the file could not be read).
    pub line: usize,
    pub col: usize,
    /// Field path, e.g. `phases[1].faults[0]`; empty at the top level.
    pub path: String,
    pub message: String,
    pub hint: String,
    /// Further problems of the same file found after parsing (all are reported at once), in text order.
    pub more: Vec<ScenarioError>,
}

impl ScenarioError {
    /// A problem of the whole file, with no position (it cannot be read, for example).
    pub fn whole(file: impl Into<String>, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::at(file, (0, 0), "", message, hint)
    }

    /// A problem at `line:col` (1-based) of `file`, in the field at `path` (empty at the top level).
    pub fn at(
        file: impl Into<String>,
        (line, col): (usize, usize),
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        let (file, path, message, hint) = (file.into(), path.into(), message.into(), hint.into());
        Self { file, line, col, path, message, hint, more: Vec::new() }
    }

    /// This problem and the further ones.
    pub fn all(&self) -> impl Iterator<Item = &ScenarioError> {
        std::iter::once(self).chain(&self.more)
    }

    fn one(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.col)?;
        }
        f.write_str(": ")?;
        if !self.path.is_empty() {
            write!(f, "at `{}`: ", self.path)?;
        }
        write!(f, "{}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

impl fmt::Display for ScenarioError {
    /// The first problem; further ones follow, each on a line starting `error: `, then their count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.one(f)?;
        for e in &self.more {
            f.write_str("\nerror: ")?;
            e.one(f)?;
        }
        if !self.more.is_empty() {
            write!(f, "\n{} problems in {}", self.more.len() + 1, self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Reads and parses a scenario file, and the dump its `universe` names.
pub fn load_file(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    let text = read_file(path)?;
    load_text(&path.display().to_string(), &text, path.parent().unwrap_or(Path::new("")))
        .map_err(|e| history_hint(path, e))
}

/// A recorded history given where a scenario belongs fails to parse as one: say what it is.
fn history_hint(path: &Path, mut e: ScenarioError) -> ScenarioError {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if e.line > 0 && e.path.is_empty() && (name.ends_with(".jsonl") || name.ends_with(".csv")) {
        e.hint = "this looks like a recorded history, not a scenario: replay it with `g6sim replay FILE`".into();
    }
    e
}

/// [`load_file`] for a run that brings its own universe (`--universe`): the scenario's `universe` file is
/// not read, so a missing or broken one is no error.
pub fn load_file_without_universe(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    let (file, text) = (path.display().to_string(), read_file(path)?);
    let scenario = parse(&file, &text)?;
    Ok(LoadedScenario { content_sha256: sha256_hex(&text), scenario, file, universe: None })
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A scenario file's text.
fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ScenarioError::whole(
            file.clone(),
            format!("cannot read the scenario: {e}"),
            "check the path (a scenario is a .ron file; see the scenario format in docs/scenarios.md)",
        )
    })?;
    // A byte order mark (editors on Windows write one) is no part of the text.
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).map(<[u8]>::to_vec).unwrap_or(bytes);
    String::from_utf8(bytes.clone()).map_err(|e| {
        let (line, col) =
            line_col(&String::from_utf8_lossy(&bytes[..e.utf8_error().valid_up_to()]), e.utf8_error().valid_up_to());
        ScenarioError::at(
            file.clone(),
            (line, col),
            "",
            "the file is not valid UTF-8",
            "save the scenario as UTF-8 text",
        )
    })
}

/// Parses and checks scenario text as if read from a file in `dir`: its `universe` file is read relative to
/// `dir`. `file` labels errors.
pub fn load_text(file: &str, text: &str, dir: &Path) -> Result<LoadedScenario, ScenarioError> {
    let scenario = parse(file, text)?;
    let content_sha256 = sha256_hex(text);
    let universe = load_universe(file, text, &scenario, dir)?;
    Ok(LoadedScenario { scenario, file: file.to_string(), content_sha256, universe })
}

/// Reads the dump a scenario's `universe` names (relative to `dir`, the scenario file's directory); an error
/// points at the field, the dump's own error (file, line, column, what was expected) inside.
fn load_universe(
    file: &str,
    text: &str,
    scenario: &Scenario,
    dir: &Path,
) -> Result<Option<Arc<DumpFile>>, ScenarioError> {
    let Some(name) = &scenario.universe else { return Ok(None) };
    universe::load(&dir.join(name)).map(Some).map_err(|e| {
        let (line, col) = locate(text, "universe", "universe", &format!("{name:?}"));
        let hint = if e.kind == universe::DumpErrorKind::Io {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            format!("the path is relative to the scenario file's directory ({})", dir.display())
        } else {
            "a Kite Connect instruments dump: see docs/dumps.md; `g6sim universe --out FILE` writes one".to_string()
        };
        ScenarioError::at(
            file,
            (line, col),
            "universe",
            format!("the universe is not a usable instruments dump: {e}"),
            hint,
        )
    })
}

/// Parses and checks scenario text; `file` only labels errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    if tokens(text).is_empty() {
        return Err(ScenarioError::at(
            file,
            (1, 1),
            "",
            "the file is empty: expected a scenario, `Scenario(name: \"...\", indices: [...], ...)`",
            "start from the annotated example in docs/scenarios.md, or copy a file of scenarios/",
        ));
    }
    // Every problem at once: after a problem the parser cannot go past, the text is repaired where the repair
    // is certain not to invent problems (an unknown or repeated field blanked out, a misspelt variant replaced
    // by the one it is closest to, a whole number written with a fraction cut to its whole part) and parsed
    // again; the repairs keep the text's layout, so later problems keep their own line and column.
    let mut repaired = Repaired::new(text);
    let mut found = Vec::new();
    let scenario = loop {
        match parse_strict(&repaired.text) {
            Ok(scenario) => break Some(scenario),
            Err((path, e)) => {
                let repair = repair(
                    &repaired.text,
                    &e.code,
                    byte_of(&repaired.text, e.span.start.line, e.span.start.col),
                    &path,
                );
                let problem = repaired.original(from_ron(file, &repaired.text, &path, e));
                // A repair that did not get past the problem would find it again: stop there.
                let again = found.last() == Some(&problem);
                if !again {
                    found.push(problem);
                }
                match repair {
                    Some(edit) if !again && found.len() < MAX_REPAIRS => repaired.apply(edit),
                    _ => break None,
                }
            }
        }
    };
    if let Some(scenario) = &scenario {
        found.extend(problems(scenario).into_iter().map(|bad| {
            let (line, col) = locate(&repaired.text, &bad.path, &bad.key, &bad.literal);
            repaired.original(ScenarioError::at(file, (line, col), bad.path, bad.message, bad.hint))
        }));
    }
    match (scenario, found.is_empty()) {
        (Some(scenario), true) => Ok(scenario),
        _ => {
            found.sort_by_key(|e| (e.line, e.col));
            let mut first = found.remove(0);
            first.more = found;
            Err(first)
        }
    }
}

/// Repairs tried on one file before the rest is left unread.
const MAX_REPAIRS: usize = 100;

/// One strict parse of the text: the scenario, or the first problem with the field path where it stands.
fn parse_strict(text: &str) -> Result<Scenario, (String, ron::error::SpannedError)> {
    let options = Scenario::ron_options();
    let mut de = ron::Deserializer::from_str_with_options(text, &options).map_err(|e| (String::new(), e))?;
    let scenario: Scenario = match serde_path_to_error::deserialize(&mut de) {
        Ok(s) => s,
        Err(e) => {
            let path = e.path().to_string();
            // serde_path_to_error writes `.` for the top level and `?` where it lost the path (syntax errors).
            let path = if path == "." { String::new() } else { path };
            return Err((path, de.span_error(e.into_inner())));
        }
    };
    de.end().map_err(|e| (String::new(), de.span_error(e)))?;
    Ok(scenario)
}

/// A replacement of `range` of the text by `with`.
struct Edit {
    range: Range<usize>,
    with: String,
}

/// The text as repaired so far, and the repairs, to map a position in it back to the original text.
struct Repaired<'a> {
    original: &'a str,
    text: String,
    /// Each repair: where it starts in the text as it was then, the length it replaced, the length written.
    edits: Vec<(usize, usize, usize)>,
}

impl<'a> Repaired<'a> {
    fn new(original: &'a str) -> Self {
        Self { original, text: original.to_string(), edits: Vec::new() }
    }

    fn apply(&mut self, edit: Edit) {
        self.edits.push((edit.range.start, edit.range.len(), edit.with.len()));
        self.text.replace_range(edit.range, &edit.with);
    }

    /// The error with its line and column in the original text.
    fn original(&self, mut e: ScenarioError) -> ScenarioError {
        if self.edits.is_empty() || e.line == 0 {
            return e;
        }
        let mut at = byte_of(&self.text, e.line, e.col);
        for &(start, old, new) in self.edits.iter().rev() {
            if at >= start + new {
                at = at - new + old;
            } else if at > start {
                at = start;
            }
        }
        (e.line, e.col) = line_col(self.original, at);
        e
    }
}

/// The repair that lets parsing go past the problem `code` at byte `at`, when there is one that cannot
/// invent a problem.
fn repair(text: &str, code: &ron::Error, at: usize, path: &str) -> Option<Edit> {
    use ron::Error as E;
    let tokens = tokens(text);
    // The token at `at`, or the first after it (a position can fall inside a string).
    let token = tokens.iter().position(|t| t.end > at)?;
    match code {
        // An unknown or repeated field: blank out `name: value,` (line ends kept).
        E::NoSuchStructField { .. } | E::DuplicateStructField { .. } => {
            let found: &str = match code {
                E::NoSuchStructField { found, .. } => found,
                E::DuplicateStructField { field, .. } => field,
                _ => return None,
            };
            let key = tokens[token..].iter().position(|t| t.kind == Kind::Word && &text[t.start..t.end] == found)?;
            let key = token + key;
            if tokens.get(key + 1)?.kind != Kind::Colon {
                return None;
            }
            let end = value_end(&tokens, key + 2, tokens.len());
            let stop = if tokens.get(end).is_some_and(|t| t.kind == Kind::Comma) {
                tokens[end].end
            } else {
                tokens[end - 1].end
            };
            let range = tokens[key].start..stop;
            let with = text[range.clone()].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
            Some(Edit { range, with })
        }
        // A misspelt variant: the variant it is closest to, when one is close.
        E::NoSuchEnumVariant { expected, found, .. } => {
            let closest = crate::suggest::closest(found, expected.iter().copied())?;
            let word = tokens[token..].iter().find(|t| t.kind == Kind::Word && text[t.start..t.end] == *found)?;
            Some(Edit { range: word.start..word.end, with: closest.to_string() })
        }
        // A value its own type refuses (a ratio above 1, a time that is not RFC 3339, a window that ends before
        // it starts, an unknown expiry rule): a valid one of the same type in its place.
        E::Message(m) => {
            let valid = if m.contains("RFC 3339") {
                "\"2025-10-06T09:15:00+05:30\""
            } else if m.contains("not a cycle window") {
                "(1, 1)"
            } else if m.contains("not a ratio") {
                "0"
            } else if m.contains("expiry rule") {
                "\"this_week\""
            } else {
                return None;
            };
            // The value at `at`: RON reports a refused tuple at its closing bracket.
            let (first, last) = match tokens[token].kind {
                Kind::Close => (opening(&tokens, token)?, token),
                _ => (token, value_end(&tokens, token, tokens.len()).checked_sub(1)?),
            };
            (last >= first).then(|| Edit { range: tokens[first].start..tokens[last].end, with: valid.to_string() })
        }
        // A count out of its type's range (0 where counting starts at 1, a negative number): 1 in its place, or
        // for the run's `cycles` the most a run may have (every window and cycle of the file then fits).
        E::InvalidValueForType { .. } | E::IntegerOutOfBounds => {
            let word = tokens[token];
            let literal = &text[word.start..word.end];
            let valid = if path == "cycles" { crate::schema::MAX_CYCLES } else { 1 };
            (word.kind == Kind::Word && literal.parse::<f64>().is_ok())
                .then(|| Edit { range: word.start..word.end, with: format!("{valid:<width$}", width = literal.len()) })
        }
        // A whole number written with a fraction: its whole part, padded to the same width.
        E::ExpectedComma
        | E::ExpectedInteger
        | E::InvalidIntegerDigit { .. }
        | E::TrailingCharacters
        | E::ExpectedStructLikeEnd => {
            let (start, literal) = fractional_literal(text, at)?;
            let whole = format!("{}", literal.parse::<f64>().ok()?.trunc());
            let whole = format!("{whole:<width$}", width = literal.len());
            (whole.len() == literal.len()).then(|| Edit { range: start..start + literal.len(), with: whole })
        }
        _ => None,
    }
}

/// The number literal around byte `at`, when it is written with a fraction or exponent (`10.0`, `1e3`), and
/// where it starts.
fn fractional_literal(text: &str, at: usize) -> Option<(usize, &str)> {
    let is_num = |c: char| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_');
    let at = at.min(text.len());
    let start = text[..at].rfind(|c: char| !is_num(c)).map_or(0, |i| i + 1);
    let end = text[at..].find(|c: char| !is_num(c)).map_or(text.len(), |i| at + i);
    let literal = text.get(start..end)?.trim_end_matches([',', '-', '+']);
    (literal.contains(['.', 'e', 'E']) && literal.parse::<f64>().is_ok()).then_some((start, literal))
}

fn from_ron(file: &str, text: &str, path: &str, e: ron::error::SpannedError) -> ScenarioError {
    use ron::Error as E;
    // serde_path_to_error marks where it lost the path with `?`: keep the part before it.
    let path = path.split(".?").next().unwrap_or_default().trim_end_matches('?');
    // A whole number written with a fraction stops RON's integer parser at the `.`: name the real problem.
    let byte = byte_of(text, e.span.start.line, e.span.start.col);
    if matches!(
        e.code,
        E::ExpectedComma
            | E::ExpectedInteger
            | E::InvalidIntegerDigit { .. }
            | E::TrailingCharacters
            | E::ExpectedStructLikeEnd
    ) && let Some((start, literal)) = fractional_literal(text, byte)
    {
        let (line, col) = line_col(text, start);
        // RON stops after the whole part, in the struct holding the field: name the field from the text.
        let field = text[..start].trim_end().strip_suffix(':').map(|b| {
            let b = b.trim_end();
            &b[b.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1)..]
        });
        let path = match field {
            Some(f) if !f.is_empty() && path.rsplit('.').next() != Some(f) => {
                if path.is_empty() {
                    f.to_string()
                } else {
                    format!("{path}.{f}")
                }
            }
            _ => path.to_string(),
        };
        return ScenarioError::at(
            file,
            (line, col),
            path,
            format!("`{literal}` is not a whole number: this field takes an integer"),
            format!("write it without a fraction, for example {}", literal.parse::<f64>().unwrap_or(0.0).trunc()),
        );
    }
    let hint = match &e.code {
        E::NoSuchStructField { .. } => {
            "remove or rename the field; unknown fields are rejected (see docs/scenarios.md)"
        }
        E::MissingStructField { .. } => "add the field; it has no default",
        E::NoSuchEnumVariant { .. } => "use one of the variants listed",
        E::Message(m) if m.contains("expiry rule") => {
            "expiry rules are this_week, next_week, this_month, next_month or a \"YYYY-MM-DD\" date"
        }
        E::Message(m) if m.contains("ratio") => "ratios are fractions: 0.4 means 40%",
        E::Message(m) if m.contains("RFC 3339") => "write the start as \"2025-10-06T09:15:00+05:30\"",
        E::Message(m) if m.contains("window") => "cycle windows are inclusive (first, last), counted from 1",
        E::ExpectedInteger | E::InvalidIntegerDigit { .. } => "write a whole number, without quotes",
        E::IntegerOutOfBounds => "counts, cycles and seeds are whole numbers >= 0 (and within 64 bits)",
        E::ExpectedFloat => "write a number such as 0.75, without quotes",
        E::ExpectedString | E::ExpectedStringEnd => "write text in double quotes, for example \"NIFTY\"",
        E::ExpectedBoolean => "write true or false",
        E::InvalidValueForType { expected, .. } if expected.contains("nonzero") => "this count starts at 1",
        E::InvalidValueForType { .. } => "check the value's type against docs/scenarios.md",
        E::DuplicateStructField { .. } => "write each field once",
        E::ExpectedDifferentStructName { .. } | E::ExpectedNamedStructLike(_) if path.is_empty() => {
            "a scenario file holds one `Scenario(...)`: see the annotated example in docs/scenarios.md"
        }
        E::ExpectedDifferentStructName { .. } | E::ExpectedNamedStructLike(_) => "check the struct's name or drop it",
        E::Eof => "the file ends early: check for a missing closing bracket or parenthesis",
        E::ExpectedComma | E::ExpectedArrayEnd | E::ExpectedStructLikeEnd | E::ExpectedMapEnd => {
            "check the brackets and commas just before this point"
        }
        E::TrailingCharacters => "there is text after the scenario's closing parenthesis",
        _ => "compare with the annotated example in docs/scenarios.md or a file in scenarios/",
    };
    let message = match &e.code {
        E::InvalidValueForType { expected, found } if expected.contains("nonzero") => {
            format!("{found} is out of range")
        }
        E::IntegerOutOfBounds => {
            // RON reports a negative number after its sign.
            let from = if text.get(..byte).is_some_and(|t| t.ends_with('-')) { byte - 1 } else { byte };
            let rest = text.get(from..).unwrap_or_default().trim_start();
            let literal: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || "-+._".contains(*c)).collect();
            format!("`{literal}` is out of range for a whole number >= 0")
        }
        E::NoSuchEnumVariant { expected, found, .. } | E::NoSuchStructField { expected, found, .. } => {
            format!("{}{}", e.code, did_you_mean(found, expected.iter().copied()))
        }
        _ => e.code.to_string(),
    };
    // RON's position can be the space after a `:`: point at the value.
    let skipped = text.get(byte..).and_then(|rest| rest.find(|c: char| !c.is_whitespace()));
    let (line, col) = match skipped {
        Some(n) if n > 0 => line_col(text, byte + n),
        _ => (e.span.start.line, e.span.start.col),
    };
    ScenarioError::at(file, (line, col), path, message, hint)
}

/// The byte offset of a 1-based line and column (columns count characters).
fn byte_of(text: &str, line: usize, col: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = text.get(start..).unwrap_or_default();
    start + rest.char_indices().nth(col.saturating_sub(1)).map_or(rest.len(), |(i, _)| i)
}

/// Where the problem at `path` stands in the text. The path is followed through the text as far as it goes
/// (see [`follow`]); when it leads to the value, the `literal` inside it (or the value's start); else
/// `key: literal` inside the part reached (or its start). Text in comments is never taken for a value.
fn locate(text: &str, path: &str, key: &str, literal: &str) -> (usize, usize) {
    let tokens = tokens(text);
    let (range, whole) = follow(text, &tokens, path);
    if range == (0..tokens.len()) {
        // Nothing of the path is written (a default): the first `key: literal`, else the first `literal`.
        return locate_literal(text, &tokens, 0..text.len(), key, literal, true)
            .map_or((1, 1), |pos| line_col(text, pos));
    }
    let span = tokens[range.start].start..tokens[range.end - 1].end;
    let found =
        if literal.is_empty() { None } else { locate_literal(text, &tokens, span.clone(), key, literal, whole) };
    line_col(text, found.unwrap_or(span.start))
}

/// The first `key: literal` in `span` (or, when `loose`, the first `literal`), by its byte offset.
/// Only where a token starts: text in comments and inside strings is not a value.
fn locate_literal(
    text: &str,
    tokens: &[Token],
    span: Range<usize>,
    key: &str,
    literal: &str,
    loose: bool,
) -> Option<usize> {
    if literal.is_empty() {
        return None;
    }
    let mut fallback = None;
    for (at, _) in text[span.clone()].match_indices(literal) {
        let pos = span.start + at;
        if tokens.binary_search_by_key(&pos, |t| t.start).is_err() {
            continue;
        }
        fallback.get_or_insert(pos);
        if let Some(before) = text[..pos].trim_end().strip_suffix(':')
            && before.trim_end().ends_with(key)
        {
            return Some(pos);
        }
    }
    fallback.filter(|_| loose)
}

/// A piece of RON text that matters for finding a value: brackets, separators, strings and other words.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Open,
    Close,
    Comma,
    Colon,
    Str,
    Word,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The tokens of RON text, without whitespace and comments.
fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let kind = match bytes[i] {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'(' | b'[' | b'{' => Kind::Open,
            b')' | b']' | b'}' => Kind::Close,
            b',' => Kind::Comma,
            b':' => Kind::Colon,
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                Kind::Str
            }
            _ => {
                while i + 1 < bytes.len() && !b" \t\r\n()[]{},:\"/".contains(&bytes[i + 1]) {
                    i += 1;
                }
                Kind::Word
            }
        };
        i = (i + 1).min(bytes.len());
        out.push(Token { kind, start, end: i });
    }
    out
}

/// The tokens of the value `path` names (`expectations[1].of.reason`), followed from the whole text: a name
/// is the shallowest `name:` (or map key `"name":`) inside the part reached so far, so enum wrappers such as
/// `Always(...)` need no step of their own; `[i]` is the i-th element of the list there. Stops where the
/// text does not go on (a field left at its default); `true` when the whole path was followed.
fn follow(text: &str, tokens: &[Token], path: &str) -> (Range<usize>, bool) {
    let mut range = 0..tokens.len();
    let steps = path.split('.').filter(|s| !s.is_empty()).flat_map(|part| {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        let indices = rest.split('[').filter_map(|i| i.trim_end_matches(']').parse::<usize>().ok());
        std::iter::once(Err(name)).filter(|n| n != &Err("")).chain(indices.map(Ok))
    });
    for step in steps {
        let next = match step {
            Err(name) => field(text, tokens, range.clone(), name),
            Ok(i) => element(tokens, range.clone(), i),
        };
        match next {
            Some(next) => range = next,
            None => return (range, false),
        }
    }
    (range, true)
}

/// The value of the shallowest `name:` in `range` (from the key itself when it is a map's string key).
fn field(text: &str, tokens: &[Token], range: Range<usize>, name: &str) -> Option<Range<usize>> {
    let mut depth = 0usize;
    let mut best: Option<(usize, usize)> = None;
    for i in range.clone() {
        let t = tokens[i];
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Word | Kind::Str => {
                let word = &text[t.start..t.end];
                let word = if t.kind == Kind::Str { word.trim_matches('"') } else { word };
                let keyed = i + 1 < range.end && tokens[i + 1].kind == Kind::Colon;
                if keyed && word == name && best.is_none_or(|(d, _)| depth < d) {
                    best = Some((depth, i));
                }
            }
            _ => {}
        }
    }
    let (_, key) = best?;
    let end = value_end(tokens, key + 2, range.end);
    let start = if tokens[key].kind == Kind::Str { key } else { key + 2 };
    (start < end).then_some(start..end)
}

/// The i-th element of the list (or tuple) `range` starts with.
fn element(tokens: &[Token], range: Range<usize>, i: usize) -> Option<Range<usize>> {
    if tokens.get(range.start)?.kind != Kind::Open {
        return None;
    }
    let mut start = range.start + 1;
    for _ in 0..i {
        start = value_end(tokens, start, range.end);
        if tokens.get(start)?.kind != Kind::Comma {
            return None;
        }
        start += 1;
    }
    let end = value_end(tokens, start, range.end);
    (start < end).then_some(start..end)
}

/// The opening bracket that the closing bracket at token `close` matches.
fn opening(tokens: &[Token], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..=close).rev() {
        match tokens[i].kind {
            Kind::Close => depth += 1,
            Kind::Open if depth == 1 => return Some(i),
            Kind::Open => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Where the value starting at token `from` ends: the first comma or unmatched closing bracket after it.
fn value_end(tokens: &[Token], from: usize, limit: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().take(limit).skip(from) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close if depth == 0 => return i,
            Kind::Close => depth -= 1,
            Kind::Comma if depth == 0 => return i,
            _ => {}
        }
    }
    limit
}

fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_follows_the_path() {
        let text = "(\n  name: \"FOO\", // index: \"FOO\"\n  list: [(index: \"FOO\"), A(B(index: \"FOO\", n: 3))],\n)";
        assert_eq!(locate(text, "list[0].index", "index", "\"FOO\""), (3, 18));
        assert_eq!(locate(text, "list[1].index", "index", "\"FOO\""), (3, 37));
        assert_eq!(locate(text, "list[1].n", "n", ""), (3, 47));
        assert_eq!(locate(text, "list[1]", "list", "3"), (3, 47), "the literal inside the value");
        assert_eq!(locate(text, "list[0].depth.itm", "itm", "10"), (3, 10), "a default: the part reached");
        assert_eq!(locate(text, "other", "index", "\"FOO\""), (3, 18), "not written: the first keyed literal");
        assert_eq!(locate(text, "other", "x", "\"BAR\""), (1, 1));
    }

    #[test]
    fn map_keys_and_strings_with_brackets() {
        let text = "(a: \"x], (y\", m: {\"K\": 1.0, \"L\": 2.0}, b: 4)";
        assert_eq!(locate(text, "m.L", "m", "\"L\""), (1, 29));
        assert_eq!(locate(text, "b", "b", ""), (1, 43));
    }
}
