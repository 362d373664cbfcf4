//! "Did you mean": the closest known name to a misspelt one, for error messages.

/// Edit distance (insertions, deletions, substitutions) between two strings, case-insensitive.
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.to_lowercase().chars().collect(), b.to_lowercase().chars().collect());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The candidate closest to `word`, when it is close enough to be a likely typo (at most a third of the
/// word's letters away, and at least one).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `X`?)` when a candidate is close, else nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("contractoin", "contraction"), 2);
        assert_eq!(distance("BANKNIFY", "banknifty"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn suggests_only_close_names() {
        let known = ["low_strike_cov", "contraction"];
        assert_eq!(closest("contractoin", known), Some("contraction"));
        assert_eq!(closest("expansion", known), None);
        assert_eq!(did_you_mean("NIFY", ["NIFTY", "BANKNIFTY"]), " (did you mean `NIFTY`?)");
        assert_eq!(did_you_mean("XYZ", ["NIFTY"]), "");
    }
}
