//! Loading a scenario file: RON parsing with the field path, then cross-reference checks. Every error
//! names the file, the line:column, the field's path, what was expected, and a hint.

use super::{Check, Expectation, Fault, Scenario, Tally};
use crate::events::EVENT_NAMES;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// A scenario and the bytes it came from.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    /// File name as given.
    pub file: String,
    /// sha256 of the file's bytes, hex.
    pub content_sha256: String,
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
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

impl std::error::Error for ScenarioError {}

/// Reads and parses a scenario file.
pub fn load_file(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ScenarioError {
        file: file.clone(),
        line: 0,
        col: 0,
        path: String::new(),
        message: format!("cannot read the scenario: {e}"),
        hint: "check the path; `g6sim check` with no argument runs every file in scenarios/".into(),
    })?;
    let text = String::from_utf8(bytes.clone()).map_err(|e| {
        let (line, col) =
            line_col(&String::from_utf8_lossy(&bytes[..e.utf8_error().valid_up_to()]), e.utf8_error().valid_up_to());
        ScenarioError {
            file: file.clone(),
            line,
            col,
            path: String::new(),
            message: "the file is not valid UTF-8".into(),
            hint: "save the scenario as UTF-8 text".into(),
        }
    })?;
    let scenario = parse(&file, &text)?;
    let content_sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok(LoadedScenario { scenario, file, content_sha256 })
}

/// Parses and checks scenario text; `file` only labels errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut de = ron::Deserializer::from_str_with_options(text, &options).map_err(|e| from_ron(file, "", e))?;
    let scenario: Scenario = match serde_path_to_error::deserialize(&mut de) {
        Ok(s) => s,
        Err(e) => {
            let path = e.path().to_string();
            // serde_path_to_error writes `.` for the top level and `?` where it lost the path (syntax errors).
            let path = if path == "." || path.contains('?') { String::new() } else { path };
            return Err(from_ron(file, &path, de.span_error(e.into_inner())));
        }
    };
    de.end().map_err(|e| from_ron(file, "", de.span_error(e)))?;
    check_references(&scenario).and_then(|()| check_limits(&scenario)).map_err(|bad| {
        let (line, col) = locate(text, &bad.key, &bad.literal);
        ScenarioError { file: file.to_string(), line, col, path: bad.path, message: bad.message, hint: bad.hint }
    })?;
    Ok(scenario)
}

fn from_ron(file: &str, path: &str, e: ron::error::SpannedError) -> ScenarioError {
    use ron::Error as E;
    let hint = match &e.code {
        E::NoSuchStructField { .. } => {
            "remove or rename the field; unknown fields are rejected (see the README's scenario format)"
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
        E::InvalidValueForType { .. } => "check the value's type against the README's scenario format",
        E::DuplicateStructField { .. } => "write each field once",
        E::ExpectedDifferentStructName { .. } | E::ExpectedNamedStructLike(_) => "check the struct's name or drop it",
        E::Eof => "the file ends early: check for a missing closing bracket or parenthesis",
        E::ExpectedComma | E::ExpectedArrayEnd | E::ExpectedStructLikeEnd | E::ExpectedMapEnd => {
            "check the brackets and commas just before this point"
        }
        E::TrailingCharacters => "there is text after the scenario's closing parenthesis",
        _ => "compare with the annotated example in the README or a file in scenarios/",
    };
    ScenarioError {
        file: file.to_string(),
        line: e.span.start.line,
        col: e.span.start.col,
        path: path.to_string(),
        message: e.code.to_string(),
        hint: hint.to_string(),
    }
}

/// A cross-reference problem found after parsing, with what to look for in the text.
struct BadReference {
    path: String,
    key: String,
    literal: String,
    message: String,
    hint: String,
}

fn check_references(s: &Scenario) -> Result<(), BadReference> {
    let declared: Vec<String> = s.indices.iter().map(|i| i.symbol.to_uppercase()).collect();
    let declared_list = || s.indices.iter().map(|i| i.symbol.as_str()).collect::<Vec<_>>().join(", ");
    if s.indices.is_empty() {
        return Err(BadReference {
            path: "indices".into(),
            key: "indices".into(),
            literal: "[".into(),
            message: "no index: expected at least one".into(),
            hint: "add for example (symbol: \"NIFTY\", expiries: [\"this_week\"])".into(),
        });
    }
    for (i, spec) in s.indices.iter().enumerate() {
        let path = format!("indices[{i}]");
        if declared[..i].contains(&spec.symbol.to_uppercase()) {
            return Err(BadReference {
                path: format!("{path}.symbol"),
                key: "symbol".into(),
                literal: format!("{:?}", spec.symbol),
                message: format!("index `{}` is declared twice", spec.symbol),
                hint: "declare each index once".into(),
            });
        }
        if spec.expiries.is_empty() {
            return Err(BadReference {
                path: format!("{path}.expiries"),
                key: "expiries".into(),
                literal: "[]".into(),
                message: "no expiry rule: expected at least one".into(),
                hint: "for example expiries: [\"this_week\", \"next_week\"]".into(),
            });
        }
        if let Some(tick) = spec.tick_size.filter(|t| !(t.is_finite() && *t > 0.0)) {
            return Err(BadReference {
                path: format!("{path}.tick_size"),
                key: "tick_size".into(),
                literal: tick.to_string(),
                message: format!("{tick} is not a tick size: expected a number > 0"),
                hint: "leave tick_size out for the registry's 0.05".into(),
            });
        }
        if spec.lot_size == Some(0) {
            return Err(BadReference {
                path: format!("{path}.lot_size"),
                key: "lot_size".into(),
                literal: "0".into(),
                message: "a lot size of 0: expected a whole number >= 1".into(),
                hint: "leave lot_size out for the registry's".into(),
            });
        }
        if let Some(spot) = spec.spot.filter(|p| !(p.is_finite() && *p > 0.0)) {
            return Err(BadReference {
                path: format!("{path}.spot"),
                key: "spot".into(),
                literal: spot.to_string(),
                message: format!("{spot} is not an index price: expected a number > 0"),
                hint: "leave spot out to start at the registry's synthetic ATM".into(),
            });
        }
    }
    let index_ref = |path: String, name: &str| -> Result<(), BadReference> {
        if declared.contains(&name.to_uppercase()) {
            Ok(())
        } else {
            Err(BadReference {
                key: path.rsplit('.').next().unwrap_or("index").to_string(),
                path,
                literal: format!("{name:?}"),
                message: format!("index `{name}` is not declared in `indices`"),
                hint: format!("declared indices: {}", declared_list()),
            })
        }
    };
    for (i, level) in s.market.levels.iter().enumerate() {
        index_ref(format!("market.levels[{i}].index"), &level.index)?;
        if !(level.price.is_finite() && level.price > 0.0) {
            return Err(BadReference {
                path: format!("market.levels[{i}].price"),
                key: "price".into(),
                literal: level.price.to_string(),
                message: format!("{} is not an index price: expected a number > 0", level.price),
                hint: "scripted levels are absolute index prices".into(),
            });
        }
    }
    for (i, phase) in s.phases.iter().enumerate() {
        if let Some(index) = &phase.index {
            index_ref(format!("phases[{i}].index"), index)?;
        }
        if let Some(rule) = phase.rule {
            let used = s
                .indices
                .iter()
                .filter(|x| phase.index.as_ref().is_none_or(|n| n.eq_ignore_ascii_case(&x.symbol)))
                .any(|x| x.expiries.contains(&rule));
            if !used {
                return Err(BadReference {
                    path: format!("phases[{i}].rule"),
                    key: "rule".into(),
                    literal: format!("\"{rule}\""),
                    message: format!("no scoped index lists the expiry rule `{rule}`"),
                    hint: "scope the phase to a rule the index's `expiries` list has, or drop `rule`".into(),
                });
            }
            if let Some((j, fault)) = phase.faults.iter().enumerate().find(|(_, f)| f.is_index_wide()) {
                return Err(BadReference {
                    path: format!("phases[{i}].faults[{j}]"),
                    key: "faults".into(),
                    literal: format!("{fault:?}").split('(').next().unwrap_or_default().to_string(),
                    message: format!(
                        "{fault:?} acts on the whole universe of an index and cannot be scoped to an expiry rule"
                    ),
                    hint: "move it to a phase without `rule`".into(),
                });
            }
        }
    }
    for (i, e) in s.expectations.iter().enumerate() {
        let path = format!("expectations[{i}]");
        let check = match e {
            Expectation::At { check, .. } | Expectation::By { check, .. } => Some(check),
            Expectation::Always(c) | Expectation::Never(c) | Expectation::AtLeastOnce(c) => Some(c),
            Expectation::MaxFlips { index, .. } => {
                index_ref(format!("{path}.index"), index)?;
                None
            }
            Expectation::Total { of, .. } => {
                match of {
                    Tally::Events { event, index, .. } => {
                        event_ref(&format!("{path}.of.event"), event)?;
                        if let Some(index) = index {
                            index_ref(format!("{path}.of.index"), index)?;
                        }
                    }
                    Tally::Status { index: Some(index), .. } | Tally::Reason { index: Some(index), .. } => {
                        index_ref(format!("{path}.of.index"), index)?
                    }
                    _ => {}
                }
                None
            }
        };
        if let Some(check) = check {
            if let Some(index) = check.index() {
                index_ref(format!("{path}.index"), index)?;
            }
            if let Check::Events { event, .. } = check {
                event_ref(&format!("{path}.event"), event)?;
            }
        }
    }
    Ok(())
}

/// Bounds that keep a scenario's world in memory: strikes per side (depth, baseline, provider), rows
/// added by one fault, listed expiries, and a simulated calendar that stays within chrono's range.
pub const MAX_STRIKES_PER_SIDE: u32 = 5_000;
pub const MAX_FAULT_ROWS: u32 = 10_000_000;
pub const MAX_LISTED: u32 = 1_000;

fn check_limits(s: &Scenario) -> Result<(), BadReference> {
    let too_big = |path: String, key: &str, value: u32, max: u32, what: &str| -> Result<(), BadReference> {
        if value <= max {
            return Ok(());
        }
        Err(BadReference {
            path,
            key: key.to_string(),
            literal: value.to_string(),
            message: format!("{value} is too large: at most {max} {what}"),
            hint: "g6sim keeps a cycle's world in memory; scale the scenario down".into(),
        })
    };
    for (i, spec) in s.indices.iter().enumerate() {
        for (side, depth) in [("depth", Some(spec.depth)), ("baseline", spec.baseline)] {
            if let Some(d) = depth {
                too_big(format!("indices[{i}].{side}.itm"), "itm", d.itm, MAX_STRIKES_PER_SIDE, "strikes per side")?;
                too_big(format!("indices[{i}].{side}.otm"), "otm", d.otm, MAX_STRIKES_PER_SIDE, "strikes per side")?;
            }
        }
    }
    let p = &s.provider;
    too_big(
        "provider.strikes_per_side".into(),
        "strikes_per_side",
        p.strikes_per_side,
        MAX_STRIKES_PER_SIDE,
        "strikes per side",
    )?;
    too_big("provider.weeks_listed".into(), "weeks_listed", p.weeks_listed, MAX_LISTED, "listed weeklies")?;
    too_big("provider.months_listed".into(), "months_listed", p.months_listed, MAX_LISTED, "listed monthlies")?;
    for (i, phase) in s.phases.iter().enumerate() {
        for (j, fault) in phase.faults.iter().enumerate() {
            if let Fault::Oversize(n) | Fault::InvalidExpiries(n) | Fault::StrayStrikes(n) | Fault::BadRows(n) = fault {
                too_big(format!("phases[{i}].faults[{j}]"), "faults", *n, MAX_FAULT_ROWS, "rows")?;
            }
        }
    }
    Ok(())
}

fn event_ref(path: &str, name: &str) -> Result<(), BadReference> {
    if EVENT_NAMES.contains(&name) {
        Ok(())
    } else {
        Err(BadReference {
            path: path.to_string(),
            key: "event".into(),
            literal: format!("{name:?}"),
            message: format!("unknown event `{name}`"),
            hint: format!("events: {}", EVENT_NAMES.join(", ")),
        })
    }
}

/// Where `key: literal` stands in the text (first match), else the first `literal`, else 1:1.
fn locate(text: &str, key: &str, literal: &str) -> (usize, usize) {
    let mut fallback = None;
    for (pos, _) in text.match_indices(literal) {
        fallback.get_or_insert(pos);
        let before = text[..pos].trim_end();
        if let Some(before) = before.strip_suffix(':')
            && before.trim_end().ends_with(key)
        {
            return line_col(text, pos);
        }
    }
    fallback.map_or((1, 1), |pos| line_col(text, pos))
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
    fn locate_prefers_the_keyed_occurrence() {
        let text = "(\n  name: \"FOO\",\n  index: \"FOO\",\n)";
        assert_eq!(locate(text, "index", "\"FOO\""), (3, 10));
        assert_eq!(locate(text, "other", "\"FOO\""), (2, 9));
        assert_eq!(locate(text, "x", "\"BAR\""), (1, 1));
    }
}
