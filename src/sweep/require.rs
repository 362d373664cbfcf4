//! Constraints on a sweep's scores (`--require EXPR`, repeatable): `SCORE OP NUMBER`, whitespace ignored, with
//! OP one of `<=`, `>=`, `<`, `>`, `==` and NUMBER a finite number, e.g. `flips_per_10_worst<=1` or
//! `pass_share==1`.
//!
//! A score is a column of `results.csv` (a share or a sum by its name, a statistic over seeds by
//! `<name>_mean`, `<name>_p95` or `<name>_worst`), a statistic's bare name (its `_mean`), or
//! `member_pass_share` ([`columns`]). A setting is feasible when every constraint holds on its values; the
//! caller looks the values up, [`Constraint::holds`] and [`Constraint::violation`] judge them and [`binding`]
//! counts the settings each constraint rules out.

use super::{Better, OverSeeds, Score};
use crate::suggest::did_you_mean;
use std::fmt;

/// The share of a suite's members whose every seed passed: a name a constraint may use, whose value the
/// caller computes (it exists for suites only).
pub(crate) const MEMBER_PASS_SHARE: &str = "member_pass_share";

/// The suffixes of a statistic's columns, in `results.csv`'s order; the bare name means the first.
const STAT_SUFFIXES: [&str; 3] = ["_mean", "_p95", "_worst"];

/// What a constraint looks like, for the messages of an expression that is not one.
const EXPECTED: &str = "expected SCORE OP NUMBER with OP one of <=, >=, <, >, ==, for example flips_per_10_worst<=1";

/// The characters an operator is made of.
const OP_CHARS: [char; 4] = ['<', '>', '=', '!'];

/// Each name a constraint may use with the column it reads, in the score table's order,
/// [`MEMBER_PASS_SHARE`] after `pass_share`: a share or a sum by its name; a statistic by its bare name (its
/// `_mean`) and by each of its columns.
fn names() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for score in Score::ALL {
        let info = score.info();
        let name = info.name;
        match info.over_seeds {
            OverSeeds::Share | OverSeeds::Sum => out.push((name.to_string(), name.to_string())),
            OverSeeds::Stat => {
                out.push((name.to_string(), format!("{name}{}", STAT_SUFFIXES[0])));
                out.extend(STAT_SUFFIXES.iter().map(|s| (format!("{name}{s}"), format!("{name}{s}"))));
            }
        }
        if *score == Score::PassShare {
            out.push((MEMBER_PASS_SHARE.to_string(), MEMBER_PASS_SHARE.to_string()));
        }
    }
    out
}

/// Every name a constraint may use, in the score table's order: a share's or a sum's name; a statistic's
/// name, `<name>_mean`, `<name>_p95` and `<name>_worst`; and, after `pass_share`, [`MEMBER_PASS_SHARE`]
/// (its value is the caller's to compute).
#[cfg(test)]
pub(crate) fn columns() -> Vec<String> {
    names().into_iter().map(|(name, _)| name).collect()
}

/// The names a constraint may use, compactly: `pass_share, member_pass_share, flips_per_10[_mean|_p95|_worst],
/// ...`.
pub(crate) fn compact_columns() -> String {
    let mut out: Vec<String> = Vec::new();
    for score in Score::ALL {
        let info = score.info();
        out.push(match info.over_seeds {
            OverSeeds::Share | OverSeeds::Sum => info.name.to_string(),
            OverSeeds::Stat => format!("{}[{}]", info.name, STAT_SUFFIXES.join("|")),
        });
        if *score == Score::PassShare {
            out.push(MEMBER_PASS_SHARE.to_string());
        }
    }
    out.join(", ")
}

/// A comparison of a constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `==`
    Eq,
}

impl Op {
    /// Every operator, in the order the messages list them.
    pub const ALL: [Op; 5] = [Op::Le, Op::Ge, Op::Lt, Op::Gt, Op::Eq];

    /// How the operator is written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Le => "<=",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Eq => "==",
        }
    }

    /// The operator with its sides swapped: `a < b` is `b > a`.
    fn mirrored(self) -> Op {
        match self {
            Op::Le => Op::Ge,
            Op::Ge => Op::Le,
            Op::Lt => Op::Gt,
            Op::Gt => Op::Lt,
            Op::Eq => Op::Eq,
        }
    }

    fn of(symbol: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.symbol() == symbol)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// One constraint on a setting's scores.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Constraint {
    /// The constraint as printed: the column it reads, the operator and the number as written, no spaces
    /// (`flips_per_10_worst<=1`; `flips_per_10 <= 1` prints `flips_per_10_mean<=1`).
    pub text: String,
    /// The column it reads: a name of [`columns`], a statistic's bare name resolved to its `_mean`.
    pub column: String,
    pub op: Op,
    /// A finite number.
    pub bound: f64,
}

impl Constraint {
    /// Whether `value` meets the constraint; a NaN value never does.
    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            Op::Le => value <= self.bound,
            Op::Ge => value >= self.bound,
            Op::Lt => value < self.bound,
            Op::Gt => value > self.bound,
            Op::Eq => value == self.bound,
        }
    }

    /// How far `value` is past the bound: 0 when the constraint holds, the absolute difference for `==`, and
    /// infinity for a NaN value. A strict bound met with equality fails by 0: [`Constraint::holds`] decides,
    /// this measures.
    pub fn violation(&self, value: f64) -> f64 {
        if value.is_nan() {
            return f64::INFINITY;
        }
        match self.op {
            Op::Le | Op::Lt => (value - self.bound).max(0.0),
            Op::Ge | Op::Gt => (self.bound - value).max(0.0),
            Op::Eq => (value - self.bound).abs(),
        }
    }
}

/// Why an expression is no constraint. Each message starts with the expression as written.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum RequireError {
    /// Nothing but whitespace.
    #[error("--require \"{text}\": empty: {EXPECTED}")]
    Empty { text: String },
    /// No operator.
    #[error("--require \"{text}\": {EXPECTED}")]
    NoOperator { text: String },
    /// An operator with nothing before it.
    #[error("--require \"{text}\": no score before {op}: {EXPECTED}")]
    NoScore { text: String, op: String },
    /// The number before the score: `1>=flips_per_10`.
    #[error("--require \"{text}\": the score comes first: {swapped}")]
    NumberFirst { text: String, swapped: String },
    /// A name that is no column; `suggestion` is ` (did you mean `X`?)` or empty.
    #[error("{}\n  scores: {}", unknown_score(text, column, suggestion), compact_columns())]
    UnknownScore { text: String, column: String, suggestion: String },
    /// Operator characters that are no operator (`=`, `=<`, `!=`); `suggestion` as for a score.
    #[error("--require \"{text}\": {op} is not an operator{suggestion}: OP is one of <=, >=, <, >, ==")]
    UnknownOperator { text: String, op: String, suggestion: String },
    /// Nothing after the operator.
    #[error("--require \"{text}\": no number after {op}: {EXPECTED}")]
    NoNumber { text: String, op: String },
    /// A percentage: a share is a fraction.
    #[error("--require \"{text}\": {number} is not a number: write a share as a fraction ({fraction})")]
    Percent { text: String, number: String, fraction: String },
    /// Not a number.
    #[error("--require \"{text}\": {number} is not a number")]
    NotANumber { text: String, number: String },
    /// NaN or an infinity.
    #[error("--require \"{text}\": {number} is not a finite number")]
    NotFinite { text: String, number: String },
    /// A constraint given before (the same column, operator and bound).
    #[error("--require \"{text}\": given twice{}", as_before(text, first))]
    Twice { text: String, first: String },
}

fn unknown_score(text: &str, column: &str, suggestion: &str) -> String {
    format!("--require \"{text}\": no score {column}{suggestion}")
}

fn as_before(text: &str, first: &str) -> String {
    if text == first { String::new() } else { format!(" (as --require \"{first}\")") }
}

impl RequireError {
    /// The message without the list of scores an unknown score's message ends with.
    fn line(&self) -> String {
        match self {
            RequireError::UnknownScore { text, column, suggestion } => unknown_score(text, column, suggestion),
            other => other.to_string(),
        }
    }
}

/// Every expression that is no constraint, in the order given: a line each, then the list of scores once
/// when a name was unknown.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", lines(.0))]
pub(crate) struct RequireErrors(pub Vec<RequireError>);

fn lines(errors: &[RequireError]) -> String {
    let mut out: Vec<String> = errors.iter().map(RequireError::line).collect();
    if errors.iter().any(|e| matches!(e, RequireError::UnknownScore { .. })) {
        out.push(format!("  scores: {}", compact_columns()));
    }
    out.join("\n")
}

/// ` (did you mean `X`?)` for a name that is no column: the closest name when it is a likely typo
/// ([`did_you_mean`]), else the one name whose words hold the name's as written, its statistic suffix kept
/// (`recovery_p95` is `recovery_cycles_p95`, `depth_worst` is `mean_depth_worst`); empty when there is none
/// or more than one.
fn suggest(word: &str, names: &[(String, String)]) -> String {
    let typo = did_you_mean(word, names.iter().map(|(n, _)| n.as_str()));
    if !typo.is_empty() {
        return typo;
    }
    let (stem, suffix) = STAT_SUFFIXES
        .iter()
        .find_map(|s| word.strip_suffix(s).filter(|stem| !stem.is_empty()).map(|stem| (stem, *s)))
        .unwrap_or((word, ""));
    let words: Vec<&str> = stem.split('_').collect();
    let holds = |name: &str| {
        let parts: Vec<&str> = name.split('_').collect();
        parts.windows(words.len()).any(|w| w == words.as_slice())
    };
    let found: Vec<String> = names
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| !STAT_SUFFIXES.iter().any(|s| n.ends_with(s)))
        .filter(|n| holds(n))
        .map(|n| format!("{n}{suffix}"))
        .filter(|n| names.iter().any(|(name, _)| name == n))
        .collect();
    match found.as_slice() {
        [one] => format!(" (did you mean `{one}`?)"),
        _ => String::new(),
    }
}

/// Parses one constraint (module doc).
pub(crate) fn parse(text: &str) -> Result<Constraint, RequireError> {
    let names = names();
    let raw = text.to_string();
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(RequireError::Empty { text: raw });
    }
    let Some(at) = s.find(OP_CHARS) else {
        return Err(RequireError::NoOperator { text: raw });
    };
    let (column, rest) = s.split_at(at);
    let end = rest.find(|c| !OP_CHARS.contains(&c)).unwrap_or(rest.len());
    let (op_text, number) = rest.split_at(end);
    let resolve = |name: &str| names.iter().find(|(n, _)| n == name).map(|(_, column)| column.clone());
    if column.is_empty() {
        return Err(RequireError::NoScore { text: raw, op: op_text.to_string() });
    }
    let Some(resolved) = resolve(column) else {
        if let (Ok(_), Some(op), Some(_)) = (column.parse::<f64>(), Op::of(op_text), resolve(number)) {
            return Err(RequireError::NumberFirst { text: raw, swapped: format!("{number}{}{column}", op.mirrored()) });
        }
        let suggestion = suggest(column, &names);
        return Err(RequireError::UnknownScore { text: raw, column: column.to_string(), suggestion });
    };
    let Some(op) = Op::of(op_text) else {
        let meant = match op_text {
            "=" | "===" => Some(Op::Eq),
            "=<" => Some(Op::Le),
            "=>" => Some(Op::Ge),
            _ => None,
        };
        let suggestion = meant.map(|op| format!(" (did you mean `{op}`?)")).unwrap_or_default();
        return Err(RequireError::UnknownOperator { text: raw, op: op_text.to_string(), suggestion });
    };
    if number.is_empty() {
        return Err(RequireError::NoNumber { text: raw, op: op_text.to_string() });
    }
    let bound = match number.parse::<f64>() {
        Ok(bound) if bound.is_finite() => bound,
        Ok(_) => return Err(RequireError::NotFinite { text: raw, number: number.to_string() }),
        Err(_) => {
            let percent = number.strip_suffix('%').and_then(|n| n.parse::<f64>().ok()).filter(|n| n.is_finite());
            return Err(match percent {
                Some(p) => RequireError::Percent {
                    text: raw,
                    number: number.to_string(),
                    fraction: format!("{column}{op}{}", p / 100.0),
                },
                None => RequireError::NotANumber { text: raw, number: number.to_string() },
            });
        }
    };
    Ok(Constraint { text: format!("{resolved}{op}{number}"), column: resolved, op, bound })
}

/// Parses every constraint, or reports every expression that is no constraint and every constraint given
/// twice (the same column, operator and bound, however written), in the order given.
pub(crate) fn parse_all(texts: &[String]) -> Result<Vec<Constraint>, RequireErrors> {
    let mut constraints: Vec<(Constraint, &str)> = Vec::new();
    let mut errors = Vec::new();
    for text in texts {
        match parse(text) {
            Ok(c) => {
                let same = |(o, _): &&(Constraint, &str)| o.column == c.column && o.op == c.op && o.bound == c.bound;
                match constraints.iter().find(same) {
                    Some((_, first)) => {
                        errors.push(RequireError::Twice { text: text.clone(), first: first.to_string() })
                    }
                    None => constraints.push((c, text)),
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(constraints.into_iter().map(|(c, _)| c).collect()) } else { Err(RequireErrors(errors)) }
}

/// How many settings fail each constraint, given each setting's values of each constraint's column
/// (`rows[setting][constraint]`); a value missing from a row fails.
pub(crate) fn binding(constraints: &[Constraint], rows: &[Vec<f64>]) -> Vec<usize> {
    constraints
        .iter()
        .enumerate()
        .map(|(k, c)| rows.iter().filter(|row| !c.holds(row.get(k).copied().unwrap_or(f64::NAN))).count())
        .collect()
}

/// What a sweep ranks its settings by beyond its figures, as given and checked: the constraints a setting must
/// meet (`--require`, each as [`Constraint::text`] prints it) and the score the recommendation minimizes
/// (`--minimize`, a column; `None` for the default, mean depth).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Objectives {
    pub require: Vec<String>,
    pub minimize: Option<String>,
}

/// The score the recommendation minimizes by default.
pub(crate) const DEFAULT_MINIMIZE: &str = "mean_depth_mean";

/// Bad `--require` or `--minimize` values, every one: a line each.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ObjectivesError(pub String);

impl Objectives {
    /// Checks `--require` (every bad expression at once) and `--minimize` (a column of a score better lower).
    pub fn parse(require: &[String], minimize: Option<&str>) -> Result<Self, ObjectivesError> {
        let mut lines = Vec::new();
        let constraints = parse_all(require).map_err(|e| lines.push(e.to_string())).unwrap_or_default();
        let objective = minimize.map(objective).transpose().map_err(|e| lines.push(e)).unwrap_or_default();
        if !lines.is_empty() {
            return Err(ObjectivesError(lines.join("\n")));
        }
        Ok(Self {
            require: constraints.into_iter().map(|c| c.text).collect(),
            minimize: objective.filter(|o| o != DEFAULT_MINIMIZE),
        })
    }

    /// The constraints, parsed again from their checked texts.
    pub(crate) fn constraints(&self) -> Result<Vec<Constraint>, RequireErrors> {
        parse_all(&self.require)
    }
}

/// Resolves `--minimize NAME`: a column as a constraint names it, of a score better lower.
fn objective(name: &str) -> Result<String, String> {
    let names = names();
    let word = name.trim();
    let Some((_, column)) = names.iter().find(|(n, _)| n == word) else {
        return Err(format!(
            "--minimize {word}: no score {word}{}\n  scores: {}",
            suggest(word, &names),
            compact_columns()
        ));
    };
    let higher = Score::ALL.iter().any(|s| s.info().better == Better::Higher && *column == s.info().name)
        || column == MEMBER_PASS_SHARE;
    if higher {
        return Err(format!(
            "--minimize {word}: {column} is better higher; minimize a cost, and require the share instead \
             (for example --require \"{column}==1\")"
        ));
    }
    Ok(column.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn good_expressions_parse_and_normalise() {
        let cases = [
            ("flips_per_10_worst<=1", "flips_per_10_worst<=1", "flips_per_10_worst", Op::Le, 1.0),
            ("  flips_per_10_worst <= 1 ", "flips_per_10_worst<=1", "flips_per_10_worst", Op::Le, 1.0),
            ("flips_per_10 <= 1", "flips_per_10_mean<=1", "flips_per_10_mean", Op::Le, 1.0),
            ("pass_share==1", "pass_share==1", "pass_share", Op::Eq, 1.0),
            ("pass_share >= 0.75", "pass_share>=0.75", "pass_share", Op::Ge, 0.75),
            ("member_pass_share>0.5", "member_pass_share>0.5", "member_pass_share", Op::Gt, 0.5),
            ("unrecovered<1", "unrecovered<1", "unrecovered", Op::Lt, 1.0),
            ("mean_depth_p95 < 1e1", "mean_depth_p95<1e1", "mean_depth_p95", Op::Lt, 10.0),
            ("recovery_cycles>=-2.5", "recovery_cycles_mean>=-2.5", "recovery_cycles_mean", Op::Ge, -2.5),
            ("breach_cycles_worst < = 0", "breach_cycles_worst<=0", "breach_cycles_worst", Op::Le, 0.0),
        ];
        for (text, normal, column, op, bound) in cases {
            let c = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((c.text.as_str(), c.column.as_str(), c.op, c.bound), (normal, column, op, bound), "{text}");
        }
    }

    #[test]
    fn bad_expressions_say_what_was_expected() {
        let scores = format!("\n  scores: {}", compact_columns());
        let cases = [
            (
                "flips_per_10 1",
                "--require \"flips_per_10 1\": expected SCORE OP NUMBER with OP one of <=, >=, <, >, ==, for example \
                 flips_per_10_worst<=1"
                    .to_string(),
            ),
            ("  ", format!("--require \"  \": empty: {EXPECTED}")),
            ("<=1", format!("--require \"<=1\": no score before <=: {EXPECTED}")),
            ("flips_per_10<=", format!("--require \"flips_per_10<=\": no number after <=: {EXPECTED}")),
            (
                "recovery_p95<=15",
                format!("--require \"recovery_p95<=15\": no score recovery_p95 (did you mean `recovery_cycles_p95`?){scores}"),
            ),
            (
                "flips_per_10_wrost<=1",
                format!(
                    "--require \"flips_per_10_wrost<=1\": no score flips_per_10_wrost (did you mean \
                     `flips_per_10_worst`?){scores}"
                ),
            ),
            (
                "depth_worst<=12",
                format!("--require \"depth_worst<=12\": no score depth_worst (did you mean `mean_depth_worst`?){scores}"),
            ),
            ("cycles<=3", format!("--require \"cycles<=3\": no score cycles{scores}")),
            (
                "pass_share=1",
                "--require \"pass_share=1\": = is not an operator (did you mean `==`?): OP is one of <=, >=, <, >, =="
                    .to_string(),
            ),
            (
                "pass_share=>1",
                "--require \"pass_share=>1\": => is not an operator (did you mean `>=`?): OP is one of <=, >=, <, >, =="
                    .to_string(),
            ),
            (
                "pass_share!=1",
                "--require \"pass_share!=1\": != is not an operator: OP is one of <=, >=, <, >, ==".to_string(),
            ),
            ("flips_per_10<=one", "--require \"flips_per_10<=one\": one is not a number".to_string()),
            ("flips_per_10<=1,5", "--require \"flips_per_10<=1,5\": 1,5 is not a number".to_string()),
            ("flips_per_10<=inf", "--require \"flips_per_10<=inf\": inf is not a finite number".to_string()),
            ("flips_per_10<=NaN", "--require \"flips_per_10<=NaN\": NaN is not a finite number".to_string()),
            (
                "pass_share>=90%",
                "--require \"pass_share>=90%\": 90% is not a number: write a share as a fraction (pass_share>=0.9)"
                    .to_string(),
            ),
            ("1>=flips_per_10", "--require \"1>=flips_per_10\": the score comes first: flips_per_10<=1".to_string()),
        ];
        for (text, message) in cases {
            assert_eq!(err(text), message, "{text}");
        }
    }

    #[test]
    fn every_column_parses_and_bare_statistics_read_their_mean() {
        let columns = columns();
        assert_eq!(
            &columns[..6],
            [
                "pass_share",
                "member_pass_share",
                "flips_per_10",
                "flips_per_10_mean",
                "flips_per_10_p95",
                "flips_per_10_worst"
            ]
        );
        for name in &columns {
            let c = parse(&format!("{name} <= 2")).unwrap_or_else(|e| panic!("{name}: {e}"));
            let stat = Score::ALL.iter().any(|s| s.info().name == name && s.info().over_seeds == OverSeeds::Stat);
            let column = if stat { format!("{name}_mean") } else { name.clone() };
            assert_eq!(c.column, column);
            assert_eq!(c.text, format!("{column}<=2"));
            assert!(columns.contains(&c.column), "{name} resolves to a column");
        }
        assert!(compact_columns().starts_with(
            "pass_share, member_pass_share, flips_per_10[_mean|_p95|_worst], recovery_cycles[_mean|_p95|_worst], \
             unrecovered, mean_depth[_mean|_p95|_worst], "
        ));
    }

    #[test]
    fn holds_and_violation_at_the_boundary() {
        let c = |text: &str| parse(text).unwrap();
        let le = c("flips_per_10_worst<=1");
        assert!(le.holds(1.0) && le.holds(0.5) && !le.holds(1.25) && !le.holds(f64::NAN));
        assert_eq!([le.violation(1.0), le.violation(0.5), le.violation(1.25)], [0.0, 0.0, 0.25]);
        let lt = c("flips_per_10_worst<1");
        assert!(!lt.holds(1.0) && lt.holds(0.999));
        assert_eq!(lt.violation(1.0), 0.0, "a strict bound met with equality fails by 0");
        let ge = c("pass_share>=0.75");
        assert!(ge.holds(0.75) && !ge.holds(0.5));
        assert_eq!([ge.violation(0.75), ge.violation(0.5), ge.violation(1.0)], [0.0, 0.25, 0.0]);
        let gt = c("pass_share>0.75");
        assert!(!gt.holds(0.75) && gt.holds(1.0));
        let eq = c("pass_share==1");
        assert!(eq.holds(1.0) && !eq.holds(0.875));
        assert_eq!([eq.violation(0.75), eq.violation(1.0)], [0.25, 0.0]);
        for k in [le, lt, ge, gt, eq] {
            assert!(!k.holds(f64::NAN));
            assert_eq!(k.violation(f64::NAN), f64::INFINITY);
        }
    }

    #[test]
    fn every_bad_expression_is_reported_at_once() {
        let texts: Vec<String> = ["pass_share==1", "flips_per_10 1", "flips_per_10_worst<=1", "recovery_p95<=15"]
            .into_iter()
            .chain(["flips_per_10_worst <= 1.0", "mean_depth<=x"])
            .map(String::from)
            .collect();
        let errors = parse_all(&texts).unwrap_err();
        assert_eq!(errors.0.len(), 4);
        assert_eq!(
            errors.to_string(),
            format!(
                "--require \"flips_per_10 1\": {EXPECTED}\n\
                 --require \"recovery_p95<=15\": no score recovery_p95 (did you mean `recovery_cycles_p95`?)\n\
                 --require \"flips_per_10_worst <= 1.0\": given twice (as --require \"flips_per_10_worst<=1\")\n\
                 --require \"mean_depth<=x\": x is not a number\n  \
                 scores: {}",
                compact_columns()
            )
        );
        let three: Vec<String> = ["x<=1", "pass_share=1", "flips_per_10<=inf"].map(String::from).to_vec();
        let lines: Vec<String> = parse_all(&three).unwrap_err().0.iter().map(|e| e.line()).collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("--require \"x<=1\": no score x"), "{lines:?}");
        assert!(lines[1].starts_with("--require \"pass_share=1\": = is not"), "{lines:?}");
        assert!(lines[2].starts_with("--require \"flips_per_10<=inf\": inf is not a finite"), "{lines:?}");
        let same = ["flips_per_10 <= 1", "flips_per_10_mean<=1"].map(String::from);
        assert_eq!(
            parse_all(&same).unwrap_err().to_string(),
            "--require \"flips_per_10_mean<=1\": given twice (as --require \"flips_per_10 <= 1\")"
        );
        let good = ["flips_per_10_worst<=1", "flips_per_10_worst<1", "pass_share==1"].map(String::from);
        let parsed = parse_all(&good).unwrap();
        assert_eq!(parsed.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), good);
        assert_eq!(parse_all(&[]), Ok(Vec::new()));
    }

    #[test]
    fn binding_counts_the_settings_each_constraint_rules_out() {
        let constraints = parse_all(&["flips_per_10_worst<=1".into(), "pass_share==1".into()]).unwrap();
        let rows = vec![vec![0.5, 1.0], vec![2.0, 1.0], vec![3.0, 0.5], vec![f64::NAN, 1.0], vec![0.0]];
        assert_eq!(binding(&constraints, &rows), [3, 2], "NaN and a missing value fail");
        assert_eq!(binding(&constraints, &[]), [0, 0]);
    }
}
