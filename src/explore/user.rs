//! A user's properties (`explore --properties FILE`): a RON list of expectations in the scenario's own syntax,
//! checked on every generated scenario beside the catalogue. An expectation that names the index `"*"` applies
//! to every index of a generated scenario (one copy each); one that names an index a scenario lacks does not
//! apply to it.

use crate::registry;
use crate::scenario::{Expectation, ScenarioError, parse};
use std::path::Path;

/// The index name that stands for every index of a generated scenario.
pub const EVERY_INDEX: &str = "*";

/// Reads and checks a properties file against the indices a workload may have (`Exploration::indices`): every
/// problem of it at once, each at its line and column.
pub fn load_properties(path: &Path, indices: &[String]) -> Result<Vec<Expectation>, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::whole(&file, format!("cannot read it: {e}"), "name a RON file holding a list of expectations")
    })?;
    if text.trim().is_empty() {
        return Err(ScenarioError::at(
            &file,
            (1, 1),
            "",
            "the file is empty: expected a list of expectations, `[Always(StatusTotal(status: EMPTY, is: Eq(0)))]`",
            "docs/explore.md shows a properties file; the expectations are a scenario's (docs/scenarios.md)",
        ));
    }
    // The list is read and checked as the `expectations` of a scenario that has every index a workload may
    // have, and "*", on the lines after a first line of its own: a problem's line is one less.
    let every_rule = r#"["this_week", "next_week", "this_month", "next_month"]"#;
    let entry = "registry: (step: 50.0, lot_size: 1, synthetic_atm: 1000.0)";
    let indices: Vec<String> = indices
        .iter()
        .map(String::as_str)
        .chain([EVERY_INDEX])
        .map(|s| match registry::known(s) {
            Some(_) => format!("(symbol: {s:?}, expiries: {every_rule})"),
            None => format!("(symbol: {s:?}, expiries: {every_rule}, {entry})"),
        })
        .collect();
    let head = format!(
        "Scenario(name: \"properties\", start: \"2025-10-06T09:15:00+05:30\", cycles: 1, indices: [{}], expectations: ",
        indices.join(", ")
    );
    let lines = text.lines().count().max(1);
    let shift = |mut e: ScenarioError| {
        e.line = e.line.saturating_sub(1).clamp(1, lines);
        if e.line == 1 && e.col > head.len() {
            e.col -= head.len();
        }
        e.path = e.path.strip_prefix("expectations").map(str::to_string).unwrap_or(e.path);
        e
    };
    match parse(&file, &format!("{head}\n{text}\n)")) {
        Ok(scenario) => Ok(scenario.expectations),
        Err(mut e) => {
            e.more = std::mem::take(&mut e.more).into_iter().map(shift).collect();
            Err(shift(e))
        }
    }
}

/// `e` as it applies to a scenario of the indices `symbols`: one copy per index for `"*"`, itself when it names
/// one of them or none, nothing when it names another.
pub fn applied(e: &Expectation, symbols: &[String]) -> Vec<Expectation> {
    let mut probe = e.clone();
    match probe.index_mut().map(|i| i.clone()) {
        None => vec![e.clone()],
        Some(index) if index == EVERY_INDEX => symbols
            .iter()
            .map(|symbol| {
                let mut copy = e.clone();
                *copy.index_mut().expect("it names an index") = symbol.clone();
                copy
            })
            .collect(),
        Some(index) if symbols.iter().any(|s| s.eq_ignore_ascii_case(&index)) => vec![e.clone()],
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The indices a generated workload may have.
    fn generated() -> Vec<String> {
        registry::known_symbols().chain([super::super::generate::DECLARED]).map(str::to_string).collect()
    }

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("g6sim-user-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_properties_file_loads_and_applies_to_every_index() {
        let path = write(
            "good.ron",
            "[\n    Always(StatusTotal(status: EMPTY, is: Eq(0))),\n    Eventually(within: 30, after: LastFault, check: AtBaseline(index: \"*\")),\n    MaxFlips(index: \"NIFTY\", flips: 1, window: 10),\n]\n",
        );
        let list = load_properties(&path, &generated()).unwrap();
        assert_eq!(list.len(), 3);
        let symbols = vec!["NIFTY".to_string(), "SENSEX".to_string()];
        assert_eq!(applied(&list[0], &symbols).len(), 1);
        let every = applied(&list[1], &symbols);
        assert_eq!(every.len(), 2);
        assert_eq!(every[1].to_string(), "within 30 cycles after the last fault: SENSEX depth at baseline");
        assert_eq!(applied(&list[2], &symbols).len(), 1);
        assert!(applied(&list[2], &["SENSEX".to_string()]).is_empty());
    }

    #[test]
    fn every_problem_of_a_properties_file_is_at_its_line_and_column() {
        let path = write(
            "bad.ron",
            "[\n    Always(StatusTotal(status: EMPTI, is: Eq(0))),\n    MaxFlips(index: \"NIFY\", flips: 1, window: 10),\n]\n",
        );
        let e = load_properties(&path, &generated()).unwrap_err();
        let all: Vec<_> = e.all().collect();
        assert_eq!(all.len(), 2, "{e}");
        assert_eq!((all[0].line, all[0].path.as_str()), (2, "[0].Always.StatusTotal.status"), "{e}");
        assert!(all[0].col > 20 && all[0].col < 40, "{e}");
        assert_eq!(all[1].line, 3, "{e}");
        assert!(e.to_string().contains("NIFY"), "{e}");
        let empty = write("empty.ron", "\n");
        assert!(load_properties(&empty, &generated()).unwrap_err().to_string().contains("the file is empty"));
        let missing = load_properties(Path::new("/no/such/file.ron"), &generated()).unwrap_err();
        assert!(missing.to_string().contains("cannot read it"), "{missing}");
    }
}
